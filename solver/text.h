/* text.h - the readable text syntax of schemas and rename hints.
 *
 * Schema syntax: the canonical form of model.h, one object a line:
 *
 *   table "post"
 *     column "id" integer not null
 *     column "title" varchar(80) default 'untitled'
 *     constraint "post_pk" primary key ("id")
 *     unique ("title")
 *     foreign key ("author") references "user" ("id") on delete cascade
 *     unique index "post_title" ("title")
 *     constraint "post_title_check" check (length(title) <= 80)
 *     index "post_lower" using hash ((lower(title)))
 *     index "post_recent" ("created" desc nulls last, "title" collate "C") include ("id") where (score > 0)
 *
 * Identifiers are double-quoted (doubling inner quotes) or bare words;
 * `constraint "name"` is optional; types are integer, bigint, text,
 * varchar(N), boolean, double, numeric(P,S), date, timestamp, bytes or
 * raw 'type text'; `default` takes the rest of the line as SQL; a check's
 * expression and an index's are SQL (sqlexpr.h normalizes them; index_def.h
 * gives the index syntax), `not valid` may follow a check.  After the
 * tables, schema-level objects, one a line (model_object.h,
 * mp_objects_canonical()):
 *
 *   view "v" uses ("post"."id", "post"."title") sql create view v as select id, title from post
 *   trigger "t_ai" on "post" sql create trigger t_ai after insert on post begin ... end
 *   function "f" args 'integer' sql CREATE OR REPLACE FUNCTION f(x integer) ...\n...
 *
 * (kinds: view, materialized view, trigger, function, procedure,
 * extension; `sql` takes the rest of the line, \n and \\ escaped), and
 * PostgreSQL enum types and domains (model_type.h), a domain's checks on
 * lines of their own after it:
 *
 *   enum "mood" ('sad', 'ok', 'it''s')
 *   domain "posint" as integer collate "C" not null default 1
 *     constraint "posint_check" check (value > 0)
 *
 * Blank lines
 * and lines starting with '#' are ignored.
 *
 * Rename hints, one per line:
 *   table <old> <new>
 *   column <table in the start schema> <old> <new>
 */
#ifndef MP_TEXT_H
#define MP_TEXT_H

#include "diff.h"

/* Parse `text` (lines numbered from `first_line` in file `file`, for
 * messages) into a new schema in `a`.  MP_EINVAL with "file:line: ..." on a
 * syntax error. */
int mp_schema_parse(struct mp_arena *a, const char *text, const char *file, int first_line,
                    struct mp_schema **out, struct mp_error *err);

/* Parse rename hints, appending to *out. MP_EINVAL with "file:line: ...". */
int mp_renames_parse(struct mp_arena *a, const char *text, const char *file, int first_line,
                     struct mp_renames *out, struct mp_error *err);

/* Append hints in the syntax above. */
void mp_renames_print(struct mp_buf *b, const struct mp_renames *r);

#endif
