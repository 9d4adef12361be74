/* shadow.h - schemas read back from scratch databases: a DDL file loaded
 * into one, and a migration directory's history replayed into one (the
 * "shadow database" of incremental generation, as Prisma Migrate and
 * Atlas call it). */
#ifndef MP_SHADOW_H
#define MP_SHADOW_H

#include "backend.h"
#include "migdir.h"

/* Run the DDL file `path` in a fresh trial database of `b` (whole, through
 * the database's own statement splitting) and read its schema into a new
 * model in `a`; the trial is ended (rolled back) afterwards.  Raw dumps
 * load: psql meta-commands (pg_dump's \\restrict) and SQLite's internal
 * tables (.schema's CREATE TABLE sqlite_sequence) are skipped with a note
 * on stderr; on PostgreSQL, DDL that creates its objects outside the
 * scratch schema (pg_dump: public.t after an empty search_path) is loaded
 * again into a scratch database "mp_ddl_<token>" (CREATE DATABASE, dropped
 * afterwards) whose schema public is read.  MP_EIO for an
 * unreadable file, MP_EDB with "PATH:LINE: message" for a statement the
 * database refuses. */
int mp_shadow_load_ddl(struct mp_backend *b, struct mp_arena *a, const char *path, struct mp_schema **out,
                       struct mp_error *err);

/* Apply every migration of `set` (up sections, in version order) through
 * the executor, exactly as `migprop migrate up` does, to a scratch database
 * of `b`'s dialect, and read the schema they build into `a`, the tracking
 * table left out.  The scratch database is a connection of its own: SQLite
 * a fresh in-memory database; PostgreSQL a new schema "mp_shadow_<token>"
 * on the backend's server (b->conninfo), dropped afterwards.  MP_EDB with
 * "FILE:LINE: message" for a failing migration, MP_EIO when the connection
 * fails. */
int mp_shadow_history(struct mp_backend *b, struct mp_arena *a, const struct mp_migset *set, struct mp_schema **out,
                      struct mp_error *err);

#endif
