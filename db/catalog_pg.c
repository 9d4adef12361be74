/* catalog_pg.c - the PostgreSQL catalog reader: the current schema into
 * the model through pg_catalog in one round trip (PostgreSQL manual,
 * chapter 53 "System Catalogs"; pg_catalog is 5-8 times faster than
 * information_schema and has the index details: PERFORMANCE.md, lesson 6). */
#include "backend.h"
#include "catalog_pg_feat.h"
#include "catalog_pg_send.h"
#include "catalog_pg_type.h"
#include "dberror.h"
#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Eight result sets in one round trip: columns, constraints (one row per
 * key column), indexes that back no constraint (their pg_get_indexdef()),
 * CHECK constraints, what the model cannot hold, as (owning table or
 * NULL, description) rows (model.h, mp_unmodelled), the schema-level
 * objects and the views' dependencies (model_object.h), and standalone
 * sequences (catalog_pg_feat.h).  Index and constraint properties that
 * only PostgreSQL 15 has (indnullsnotdistinct) are read through to_jsonb()
 * so the query runs on older servers. */

/* Sequence `seq` (an oid expression) is the one of a serial column
 * (PostgreSQL 8.1.4): owned by a column ('a') whose default is
 * nextval() of it, with the options serial gives it (START 1, INCREMENT 1,
 * MINVALUE 1, MAXVALUE the type's maximum, NO CYCLE). */
#define MP_PG_SERIAL_SEQ(seq) \
    "EXISTS (SELECT 1 FROM pg_sequence s JOIN pg_depend dq ON dq.objid = s.seqrelid " \
    "  AND dq.classid = 'pg_class'::regclass AND dq.refclassid = 'pg_class'::regclass AND dq.deptype = 'a' " \
    "  JOIN pg_attrdef ad ON ad.adrelid = dq.refobjid AND ad.adnum = dq.refobjsubid " \
    "  WHERE s.seqrelid = (" seq ") " \
    "  AND pg_get_expr(ad.adbin, ad.adrelid) = format('nextval(%L::regclass)', s.seqrelid::regclass::text) " \
    "  AND s.seqstart = 1 AND s.seqincrement = 1 AND s.seqmin = 1 AND NOT s.seqcycle " \
    "  AND s.seqmax = CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 " \
    "    ELSE 9223372036854775807 END)"

/* The identity sequence of column a of table c ('i' dependency). */
#define MP_PG_IDENTITY_SEQ \
    "(SELECT dp.objid FROM pg_depend dp WHERE dp.classid = 'pg_class'::regclass " \
    "  AND dp.refclassid = 'pg_class'::regclass AND dp.refobjid = c.oid AND dp.refobjsubid = a.attnum " \
    "  AND dp.deptype = 'i' LIMIT 1)"

/* Column type `ty` is an enum or a domain of the current schema
 * (catalog_pg_type.h), not one an extension made: modelled by name. */
#define MP_PG_MODELLED_TYPE \
    "(ty.typtype IN ('e','d') AND ty.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) " \
    "  AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_type'::regclass AND dp.objid = ty.oid " \
    "  AND dp.deptype = 'e'))"

/* pg_index rows of the current schema's tables only, as `x`: OFFSET 0 keeps
 * the planner from flattening the subquery, so the per-index
 * subplans run for these few rows rather than for every index of the
 * catalog (10 ms -> under 1 ms per query on a 5-table schema). */
#define MP_PG_SCHEMA_INDEXES \
    "(SELECT * FROM pg_index WHERE indrelid IN (SELECT c.oid FROM pg_class c " \
    "  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()) OFFSET 0) x"

static const char *const introspect_parts[] = {
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "       pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity, "
    "       (SELECT seqstart FROM pg_sequence WHERE seqrelid = " MP_PG_IDENTITY_SEQ "), "
    "       (SELECT seqincrement FROM pg_sequence WHERE seqrelid = " MP_PG_IDENTITY_SEQ "), "
    "       CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation THEN "
    "         (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END, "
    "       EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_class'::regclass "
    "         AND dp.refclassid = 'pg_class'::regclass AND dp.refobjid = c.oid AND dp.refobjsubid = a.attnum "
    "         AND dp.deptype = 'a' AND " MP_PG_SERIAL_SEQ("dp.objid") ") "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "JOIN pg_type ty ON ty.oid = a.atttypid "
    "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') "
    "ORDER BY c.relname, a.attnum;",
    "SELECT c.relname, k.conname, k.contype, u.ord, a.attname, rc.relname, ra.attname, k.confdeltype, "
    "       k.confupdtype, k.condeferrable, k.condeferred, k.confmatchtype "
    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, fattnum, ord) "
    "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum "
    "LEFT JOIN pg_class rc ON rc.oid = k.confrelid "
    "LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.fattnum "
    "WHERE n.nspname = current_schema() AND k.contype IN ('p','u','f') "
    "ORDER BY c.relname, k.contype, k.conname, u.ord;"
    /* indexes that back no constraint, whole: pg_get_indexdef() has every
     * part of the definition, non-default operator classes and collations
     * only (ruleutils.c pg_get_indexdef_worker), parsed by index_def.h */
    "SELECT c.relname, i.relname, x.indisunique, pg_get_indexdef(i.oid) "
    "FROM " MP_PG_SCHEMA_INDEXES " JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
    "  WHERE k.conindid = x.indexrelid AND k.contype IN ('p','u','x')) "
    "ORDER BY c.relname, i.relname;"
    /* CHECK constraints: the expression as pg_get_expr() deparses it
     * (normalized by sqlexpr.h), NOT VALID as convalidated = false */
    "SELECT c.relname, k.conname, pg_get_expr(k.conbin, k.conrelid), k.convalidated "
    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND k.contype = 'c' AND c.relkind IN ('r','p') ORDER BY 1, 2;",
    "SELECT tbl, what FROM ("
    /* EXCLUDE and constraint triggers */
    " SELECT c.relname AS tbl, format('table %s: %s constraint %s %s', c.relname, "
    "   CASE k.contype WHEN 'x' THEN 'EXCLUDE' ELSE 'trigger' END, k.conname, "
    "   pg_get_constraintdef(k.oid)) AS what "
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND k.contype IN ('x','t') "
    /* CHECK constraints the model holds without their NO INHERIT */
    " UNION ALL SELECT c.relname, format('table %s: CHECK constraint %s NO INHERIT', c.relname, k.conname) "
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND k.contype = 'c' AND k.connoinherit "
    /* foreign keys beyond columns + ON DELETE, or to another schema */
    " UNION ALL SELECT c.relname, format('table %s: foreign key %s %s', c.relname, k.conname, "
    "   pg_get_constraintdef(k.oid)) "
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " JOIN pg_class rc ON rc.oid = k.confrelid "
    " WHERE n.nspname = current_schema() AND k.contype = 'f' AND (k.confmatchtype = 'p' "
    "   OR rc.relnamespace <> c.relnamespace) "
    /* keys with DEFERRABLE, INCLUDE, NULLS NOT DISTINCT */
    " UNION ALL SELECT c.relname, format('table %s: constraint %s %s', c.relname, k.conname, "
    "   pg_get_constraintdef(k.oid)) "
    " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " JOIN pg_index x ON x.indexrelid = k.conindid "
    " WHERE n.nspname = current_schema() AND k.contype IN ('p','u') AND (k.condeferrable "
    "   OR x.indnkeyatts < x.indnatts OR coalesce((to_jsonb(x)->>'indnullsnotdistinct')::boolean, false)) "
    ,
    /* columns: sequence defaults that are not serial, identity sequence
     * options beyond START / INCREMENT, types of the schema (identity,
     * serial, generated columns and collations are modelled) */
    " UNION ALL SELECT c.relname, format('table %s: column %s %s', c.relname, a.attname, "
    "   concat_ws(', ', "
    "   CASE WHEN a.attgenerated = '' AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' THEN "
    "     'DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) END, "
    "   CASE WHEN a.attidentity <> '' THEN 'identity sequence MINVALUE/MAXVALUE/CYCLE' END, "
    "   CASE WHEN ty.typnamespace <> 'pg_catalog'::regnamespace AND NOT " MP_PG_MODELLED_TYPE " THEN 'of type ' || format_type(a.atttypid, a.atttypmod) "
    "     || ' (' || CASE ty.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite' "
    "     WHEN 'r' THEN 'range' ELSE 'user-defined' END || ')' END)) "
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    " JOIN pg_type ty ON ty.oid = a.atttypid "
    " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') AND ("
    "   (pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' AND a.attgenerated = '' AND NOT EXISTS (SELECT 1 FROM pg_depend dp "
    "     WHERE dp.classid = 'pg_class'::regclass AND dp.refclassid = 'pg_class'::regclass AND dp.refobjid = c.oid "
    "     AND dp.refobjsubid = a.attnum AND dp.deptype = 'a' AND " MP_PG_SERIAL_SEQ("dp.objid") ")) "
    "   OR (a.attidentity <> '' AND EXISTS (SELECT 1 FROM pg_sequence s WHERE s.seqrelid = " MP_PG_IDENTITY_SEQ " "
    "     AND (s.seqcycle OR s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 ELSE CASE s.seqtypid "
    "       WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 ELSE -9223372036854775808 END END "
    "     OR s.seqmax <> CASE WHEN s.seqincrement < 0 THEN -1 ELSE CASE s.seqtypid "
    "       WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END END))) "
    "   OR (ty.typnamespace <> 'pg_catalog'::regnamespace AND NOT " MP_PG_MODELLED_TYPE ")) "
    ,
    /* tables: partitioned, partitions, inheritance, UNLOGGED, row security */
    " UNION ALL SELECT c.relname, format('table %s: %s', c.relname, concat_ws(', ', "
    "   CASE WHEN c.relkind = 'p' THEN 'partitioned (PARTITION BY ' || pg_get_partkeydef(c.oid) || ')' END, "
    "   CASE WHEN c.relispartition THEN 'a partition of ' || (SELECT string_agg(pc.relname, ', ') FROM pg_inherits h "
    "     JOIN pg_class pc ON pc.oid = h.inhparent WHERE h.inhrelid = c.oid) END, "
    "   CASE WHEN EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.oid) AND NOT c.relispartition "
    "     THEN 'inherits from ' || (SELECT string_agg(pc.relname, ', ' ORDER BY h.inhseqno) FROM pg_inherits h "
    "     JOIN pg_class pc ON pc.oid = h.inhparent WHERE h.inhrelid = c.oid) END, "
    "   CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED' END, CASE WHEN c.relrowsecurity THEN 'row level security' END)) "
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') AND (c.relkind = 'p' OR c.relispartition "
    "   OR EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.oid) OR c.relpersistence = 'u' OR c.relrowsecurity) "
    ,
    /* triggers, rules, policies, comments on tables and columns */
    " UNION ALL SELECT c.relname, format('table %s: policy %s', c.relname, p.polname) "
    " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() "
    " UNION ALL SELECT c.relname, format('table %s: comment on %s', c.relname, "
    "   CASE WHEN ds.objsubid = 0 THEN 'the table' ELSE 'column ' || "
    "   (SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum = ds.objsubid) END) "
    " FROM pg_description ds JOIN pg_class c ON c.oid = ds.objoid AND ds.classoid = 'pg_class'::regclass "
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') "
    /* relations other than tables; a sequence owned by a column belongs to its table */
    " UNION ALL SELECT (SELECT oc.relname FROM pg_depend dp JOIN pg_class oc ON oc.oid = dp.refobjid "
    "     WHERE dp.classid = 'pg_class'::regclass AND dp.objid = c.oid AND dp.refclassid = 'pg_class'::regclass "
    "     AND dp.deptype IN ('a','i') LIMIT 1), "
    "   format('%s %s', CASE c.relkind "
    "   WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'composite type' END, c.relname) "
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND c.relkind IN ('S','f','c') "
    /* modelled: standalone sequences, identity sequences, serial sequences */
    "   AND NOT (c.relkind = 'S' AND (NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_class'::regclass "
    "     AND dp.objid = c.oid AND dp.refclassid = 'pg_class'::regclass AND dp.deptype IN ('a','i')) "
    "     OR EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_class'::regclass AND dp.objid = c.oid "
    "       AND dp.deptype = 'i') OR " MP_PG_SERIAL_SEQ("c.oid") ")) "
    ,
    /* types other than enums and domains (catalog_pg_type.h), functions
     * (not an extension's), extensions */
    " UNION ALL SELECT NULL, format('type %s (%s)', t.typname, CASE t.typtype WHEN 'e' THEN 'enum' "
    "   WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange' ELSE 'base' END) "
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    " WHERE n.nspname = current_schema() AND t.typtype IN ('r','m','b') AND t.typcategory <> 'A' "
    "   AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_type'::regclass AND dp.objid = t.oid "
    "   AND dp.deptype = 'e') "
    /* aggregates and window functions (functions and procedures are objects) */
    " UNION ALL SELECT NULL, format('%s %s(%s)', CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END, "
    "   p.proname, pg_get_function_identity_arguments(p.oid)) "
    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    " WHERE n.nspname = current_schema() AND p.prokind IN ('a','w') AND NOT EXISTS (SELECT 1 FROM pg_depend dp "
    "   WHERE dp.classid = 'pg_proc'::regclass AND dp.objid = p.oid AND dp.deptype = 'e') "
    /* relations this transaction created in another schema: DDL that names
     * its schema (pg_dump's public.t after set_config('search_path', '')) is
     * not where the reader looks, and must not read as an empty schema */
    " UNION ALL SELECT NULL, format('%s %s.%s: created outside the schema being read', "
    "   CASE c.relkind WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' ELSE 'table' END, "
    "   n.nspname, c.relname) "
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname IS DISTINCT FROM current_schema() "
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
    "   AND c.relkind IN ('r','p','v','m','S','f') "
    "   AND c.xmin::text::bigint = txid_current_if_assigned() % 4294967296 "
    " UNION ALL SELECT NULL, 'no schema: the search path is empty (as after set_config of search_path "
    "to the empty string in a pg_dump), nothing can be read' WHERE current_schema() IS NULL "
    ") q ORDER BY 1, 2;",
    /* schema-level objects (model_object.h): kind, name, identity
     * arguments, table, creating statement.  Views: pg_get_viewdef(oid,
     * true) after CREATE [MATERIALIZED] VIEW; triggers:
     * pg_get_triggerdef(oid, true) (internal ones back foreign keys);
     * functions and procedures not an extension's: pg_get_functiondef(),
     * their name unqualified (it names the schema, which differs per trial);
     * extensions of the schema by name (their version is not compared). */
    "SELECT k, name, args, tbl, def FROM ("
    " SELECT CASE c.relkind WHEN 'm' THEN 'm' ELSE 'v' END AS k, c.relname AS name, NULL AS args, NULL AS tbl, "
    "   'CREATE ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END || 'VIEW ' || quote_ident(c.relname) "
    "   || ' AS ' || rtrim(btrim(pg_get_viewdef(c.oid, true), E' \n\t'), ';') AS def "
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND c.relkind IN ('v','m') "
    " UNION ALL SELECT 't', g.tgname, NULL, c.relname, pg_get_triggerdef(g.oid, true) "
    " FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE n.nspname = current_schema() AND NOT g.tgisinternal "
    " UNION ALL SELECT CASE p.prokind WHEN 'p' THEN 'p' ELSE 'f' END, p.proname, "
    "   pg_get_function_identity_arguments(p.oid), NULL, "
    "   regexp_replace(pg_get_functiondef(p.oid), '^(CREATE OR REPLACE (FUNCTION|PROCEDURE) )[^(]*\\(', "
    "     '\\1' || replace(quote_ident(p.proname), '\\', '\\\\') || '(') "
    " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    " WHERE n.nspname = current_schema() AND p.prokind IN ('f','p') AND NOT EXISTS (SELECT 1 FROM pg_depend dp "
    "   WHERE dp.classid = 'pg_proc'::regclass AND dp.objid = p.oid AND dp.deptype = 'e') "
    " UNION ALL SELECT 'e', e.extname, NULL, NULL, 'CREATE EXTENSION ' || quote_ident(e.extname) "
    " FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = current_schema() "
    ") o ORDER BY 1, 2, 3;"
    /* what each view reads (the rewrite rule's dependencies, pg_depend):
     * the relation, and the column or NULL for the relation as a whole */
    "SELECT DISTINCT v.relname, t.relname, a.attname "
    "FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace "
    "JOIN pg_rewrite r ON r.ev_class = v.oid "
    "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0 "
    "WHERE n.nspname = current_schema() AND v.relkind IN ('v','m') AND t.oid <> v.oid "
    "ORDER BY 1, 2, 3;",
    /* standalone sequences (a sequence owned by a column is part of it) */
    "SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle "
    "FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend dp "
    "  WHERE dp.classid = 'pg_class'::regclass AND dp.objid = c.oid AND dp.refclassid = 'pg_class'::regclass "
    "  AND dp.deptype IN ('a','i')) ORDER BY 1;",
    NULL};

static enum mp_fk_action action(char c)
{
    switch (c) {
    case 'r': return MP_FK_RESTRICT;
    case 'c': return MP_FK_CASCADE;
    case 'n': return MP_FK_SET_NULL;
    case 'd': return MP_FK_SET_DEFAULT;
    default: return MP_FK_NO_ACTION;
    }
}

static const char *val(struct mp_arena *a, PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : mp_arena_strdup(a, PQgetvalue(r, row, col));
}

static void push(struct mp_arena *a, struct mp_names *n, const char *v)
{
    size_t cap = n->n; /* arrays here are rebuilt on every push: lists are short */
    const char **nv = mp_arena_alloc(a, (cap + 1) * sizeof *nv);
    if (n->n)
        memcpy(nv, n->v, n->n * sizeof *nv);
    nv[n->n++] = v;
    n->v = nv;
}

/* The result sets of the introspection query: columns, constraints,
 * indexes, CHECK constraints, unmodelled objects, schema-level objects,
 * view dependencies, sequences, then the types' (catalog_pg_type.h). */
#define MP_PG_NRESULTS (8 + MP_PG_TYPE_NRESULTS)

/* Schema-level objects from their result set (kind letter, name, args,
 * table, statement) and the views' dependencies (view, relation, column). */
static void read_objects(struct mp_arena *a, struct mp_schema *s, PGresult *objs, PGresult *deps)
{
    for (int i = 0; i < PQntuples(objs); i++) {
        enum mp_object_kind k;
        switch (PQgetvalue(objs, i, 0)[0]) {
        case 'm': k = MP_OBJ_MATVIEW; break;
        case 't': k = MP_OBJ_TRIGGER; break;
        case 'f': k = MP_OBJ_FUNCTION; break;
        case 'p': k = MP_OBJ_PROCEDURE; break;
        case 'e': k = MP_OBJ_EXTENSION; break;
        default: k = MP_OBJ_VIEW; break;
        }
        struct mp_object *o = mp_schema_add_object(a, s, k, PQgetvalue(objs, i, 1));
        o->args = val(a, objs, i, 2);
        o->table = val(a, objs, i, 3);
        o->sql = val(a, objs, i, 4);
        if (!o->sql)
            o->sql = "";
    }
    for (int i = 0; i < PQntuples(deps); i++) {
        struct mp_object probe = {.kind = MP_OBJ_VIEW, .name = PQgetvalue(deps, i, 0)};
        struct mp_object *o = (struct mp_object *)mp_schema_find_object(s, MP_POSTGRES, &probe);
        if (!o) {
            probe.kind = MP_OBJ_MATVIEW;
            o = (struct mp_object *)mp_schema_find_object(s, MP_POSTGRES, &probe);
        }
        if (o)
            mp_object_add_dep(a, o, PQgetvalue(deps, i, 1), PQgetisnull(deps, i, 2) ? NULL : PQgetvalue(deps, i, 2));
    }
}

int mp_introspect_pg(void *pgconn, struct mp_arena *a, struct mp_schema **out, struct mp_error *err)
{
    struct {
        PGconn *conn;
    } pp = {pgconn}, *p = &pp;
    struct mp_buf q = {0};
    for (size_t i = 0; introspect_parts[i]; i++)
        mp_buf_add(&q, introspect_parts[i]);
    mp_buf_add(&q, mp_pg_type_queries);
    PGresult *res[MP_PG_NRESULTS] = {0};
    int n = 0;
    int rc = mp_pg_catalog_send(p->conn, mp_buf_str(&q), (void **)res, MP_PG_NRESULTS, &n, err);
    mp_buf_free(&q);
    if (!rc && n != MP_PG_NRESULTS)
        rc = mp_error_set(err, MP_EDB, "introspection returned %d result sets", n);
    struct mp_schema *s = mp_schema_new(a);
    struct mp_table *t = NULL;
    for (int i = 0; !rc && i < PQntuples(res[0]); i++) {
        const char *tn = PQgetvalue(res[0], i, 0);
        if (!t || strcmp(t->name, tn) != 0)
            t = mp_schema_add_table(a, s, tn);
        struct mp_column *c = mp_table_add_column(a, t, PQgetvalue(res[0], i, 1),
                                                  mp_type_from_sql(a, MP_POSTGRES, PQgetvalue(res[0], i, 2)));
        c->not_null = PQgetvalue(res[0], i, 3)[0] == 't';
        /* a generated column's expression is no default; a serial column's
         * nextval() is its sequence */
        bool generated = PQgetvalue(res[0], i, 5)[0] != '\0';
        c->default_sql = generated ? NULL : val(a, res[0], i, 4);
        if (generated) {
            c->feat.generated = MP_GENERATED_STORED;
            c->feat.generated_sql = val(a, res[0], i, 4);
        }
        mp_pg_read_column_features(a, c, PQgetvalue(res[0], i, 6)[0], val(a, res[0], i, 7), val(a, res[0], i, 8),
                                   val(a, res[0], i, 9), PQgetvalue(res[0], i, 10)[0] == 't');
    }
    /* constraints: rows grouped by (table, type, name), ordered by key position */
    const char *last_t = NULL, *last_k = NULL;
    struct mp_names *cols = NULL, *ref_cols = NULL;
    for (int i = 0; !rc && i < PQntuples(res[1]); i++) {
        const char *tn = PQgetvalue(res[1], i, 0), *kn = PQgetvalue(res[1], i, 1);
        char type = PQgetvalue(res[1], i, 2)[0];
        if (!last_t || strcmp(last_t, tn) != 0 || strcmp(last_k, kn) != 0) {
            last_t = tn;
            last_k = kn;
            t = mp_schema_table(s, MP_POSTGRES, tn);
            if (!t)
                continue;
            ref_cols = NULL;
            if (type == 'p') {
                t->pk_name = mp_arena_strdup(a, kn);
                t->pk.n = 0;
                cols = &t->pk;
            } else if (type == 'u') {
                struct mp_unique *u = mp_table_add_unique(a, t);
                u->name = mp_arena_strdup(a, kn);
                cols = &u->cols;
            } else {
                struct mp_fk *f = mp_table_add_fk(a, t);
                f->name = mp_arena_strdup(a, kn);
                f->ref_table = val(a, res[1], i, 5);
                f->on_delete = action(PQgetvalue(res[1], i, 7)[0]);
                f->on_update = action(PQgetvalue(res[1], i, 8)[0]);
                f->deferrable = PQgetvalue(res[1], i, 9)[0] == 't';
                f->initially_deferred = PQgetvalue(res[1], i, 10)[0] == 't';
                f->match_full = PQgetvalue(res[1], i, 11)[0] == 'f';
                cols = &f->cols;
                ref_cols = &f->ref_cols;
            }
        }
        if (!t)
            continue;
        push(a, cols, mp_arena_strdup(a, PQgetvalue(res[1], i, 4)));
        if (ref_cols)
            push(a, ref_cols, val(a, res[1], i, 6));
    }
    for (int i = 0; !rc && i < PQntuples(res[2]); i++) {
        const char *tn = PQgetvalue(res[2], i, 0), *xn = PQgetvalue(res[2], i, 1), *def = PQgetvalue(res[2], i, 3);
        t = mp_schema_table(s, MP_POSTGRES, tn);
        struct mp_index x;
        struct mp_error perr = {0};
        if (!t) {
            mp_schema_note_unmodelled(a, s, NULL, "index %s: %s", xn, def);
        } else if (mp_index_parse_sql(a, def, &x, &perr)) {
            /* WITH (storage parameters), TABLESPACE, ...: named, not modelled */
            mp_schema_note_unmodelled(a, s, t->name, "index %s: %s", xn, def);
        } else {
            x.name = mp_arena_strdup(a, xn);
            x.unique = PQgetvalue(res[2], i, 2)[0] == 't';
            *mp_table_add_index(a, t) = x;
        }
    }
    for (int i = 0; !rc && i < PQntuples(res[3]); i++) {
        t = mp_schema_table(s, MP_POSTGRES, PQgetvalue(res[3], i, 0));
        if (!t)
            continue;
        struct mp_check *c = mp_table_add_check(a, t);
        c->name = mp_arena_strdup(a, PQgetvalue(res[3], i, 1));
        c->expr = mp_expr_norm(a, PQgetvalue(res[3], i, 2));
        c->not_valid = PQgetvalue(res[3], i, 3)[0] != 't';
    }
    for (int i = 0; !rc && i < PQntuples(res[4]); i++)
        mp_schema_note_unmodelled(a, s, val(a, res[4], i, 0), "%s", PQgetvalue(res[4], i, 1));
    if (!rc)
        read_objects(a, s, res[5], res[6]);
    for (int i = 0; !rc && i < PQntuples(res[7]); i++)
        mp_pg_read_sequence(a, s, PQgetvalue(res[7], i, 0), PQgetvalue(res[7], i, 1), PQgetvalue(res[7], i, 2),
                            PQgetvalue(res[7], i, 3), PQgetvalue(res[7], i, 4), PQgetvalue(res[7], i, 5),
                            PQgetvalue(res[7], i, 6)[0] == 't');
    if (!rc)
        mp_pg_read_types(a, s, res[8], res[9], res[10]);
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    if (rc)
        return rc;
    s->has_dialect = true;
    s->dialect = MP_POSTGRES;
    *out = s;
    return 0;
}

