/* lint_pg.c - lint's PostgreSQL extractor: each up section through
 * PostgreSQL's own parser (libpg_query), its JSON parse tree read into facts. */
#include "lintfacts.h"

#include <jansson.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* What the extractor remembers across migrations, in declared order: the
 * type of each column (for narrowing ALTER TYPE) and the columns a validated
 * CHECK (col IS NOT NULL) covers (for SET NOT NULL). */
struct coltype {
    const char *col;   /* "table.column" */
    const char *type;  /* "varchar(20)", "int4", ... */
};
struct check {
    const char *key;   /* "table.constraint" */
    const char *col;   /* "table.column" */
    bool valid;
};
struct pgx {
    struct mp_lint_ctx *c;
    size_t mig;
    long line;          /* the statement's line */
    struct coltype *types;
    size_t nt, capt;
    struct check *checks;
    size_t nc, capc;
    const char *const *ctes; /* CTE names of the statement (not relations) */
    size_t nctes;
};

/* The string member `key` of object `o`, or NULL (also for a non-object). */
static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool jbool(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* The node of type `type` inside wrapper {"type": {...}}, or NULL. */
static json_t *node(json_t *w, const char *type)
{
    return json_object_get(w, type);
}

/* The last String of a name list ([{"String":{"sval":"x"}}, ...]). */
static const char *last_name(json_t *list, const char **schema)
{
    size_t n = json_array_size(list);
    if (schema)
        *schema = NULL;
    if (!n)
        return NULL;
    if (schema && n > 1)
        *schema = jstr(node(json_array_get(list, 0), "String"), "sval");
    return jstr(node(json_array_get(list, n - 1), "String"), "sval");
}

static bool system_schema(const char *schema)
{
    return schema && (strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0);
}

/* Names point into the parse tree, which is freed after each migration:
 * facts keep copies. */
static struct mp_lint_fact *fact(struct pgx *x, enum mp_lint_act act, enum mp_lint_obj obj, const char *name)
{
    return mp_lint_fact_add(x->c, x->mig, act, obj, mp_arena_strdup(x->c->a, name), x->line);
}

static const char *col(struct pgx *x, const char *table, const char *name)
{
    return mp_arena_printf(x->c->a, "%s.%s", table, name);
}

static struct mp_lint_fact *warn(struct pgx *x, const char *code, enum mp_lint_when when, enum mp_lint_obj obj,
                                  const char *name, const char *msg)
{
    struct mp_lint_fact *f = fact(x, MP_LA_REF, obj, name);
    f->note = true;
    f->warn_code = code;
    f->warn_msg = msg;
    f->warn_when = when;
    return f;
}

/* ---- types ---- */

/* "varchar(20)", "numeric(10,2)", "int4"; NULL when there is no type name. */
static const char *type_text(struct pgx *x, json_t *tn)
{
    const char *schema, *name = last_name(json_object_get(tn, "names"), &schema);
    if (!name)
        return NULL;
    struct mp_buf b = {0};
    mp_buf_add(&b, strcmp(name, "serial") == 0 ? "int4" : strcmp(name, "bigserial") == 0 ? "int8" : name);
    json_t *mods = json_object_get(tn, "typmods");
    for (size_t i = 0; i < json_array_size(mods); i++) {
        json_t *ac = node(json_array_get(mods, i), "A_Const");
        json_t *iv = json_object_get(json_object_get(ac, "ival"), "ival");
        mp_buf_printf(&b, "%s%lld", i ? "," : "(", (long long)json_integer_value(iv));
    }
    if (json_array_size(mods))
        mp_buf_addc(&b, ')');
    if (json_array_size(json_object_get(tn, "arrayBounds")))
        mp_buf_add(&b, "[]");
    const char *r = mp_arena_strdup(x->c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

static void type_ref(struct pgx *x, json_t *tn)
{
    const char *schema, *name = last_name(json_object_get(tn, "names"), &schema);
    if (name && !system_schema(schema))
        fact(x, MP_LA_REF, MP_LO_TYPE, name)->soft = true; /* built-in types are not created here */
}

static void set_coltype(struct pgx *x, const char *c, const char *type)
{
    for (size_t i = 0; i < x->nt; i++)
        if (strcmp(x->types[i].col, c) == 0) {
            x->types[i].type = type;
            return;
        }
    struct coltype *t = MP_PUSH(x->c->a, x->types, x->nt, x->capt);
    t->col = c;
    t->type = type;
}

static const char *get_coltype(struct pgx *x, const char *c)
{
    for (size_t i = 0; i < x->nt; i++)
        if (strcmp(x->types[i].col, c) == 0)
            return x->types[i].type;
    return NULL;
}

/* Parse "name(a,b)" into the base name and up to two modifiers (-1: none). */
static void split_type(const char *t, char *base, size_t nb, long mods[2])
{
    size_t n = strcspn(t, "(");
    snprintf(base, nb, "%.*s", (int)n, t);
    mods[0] = mods[1] = -1;
    if (t[n] == '(') {
        char *end;
        mods[0] = strtol(t + n + 1, &end, 10);
        if (*end == ',')
            mods[1] = strtol(end + 1, NULL, 10);
    }
}

static int int_rank(const char *b)
{
    return strcmp(b, "int2") == 0 ? 1 : strcmp(b, "int4") == 0 ? 2 : strcmp(b, "int8") == 0 ? 3 : 0;
}

/* Can every value of type `from` be stored in `to` unchanged?  The casts
 * PostgreSQL performs without loss: a wider integer, float4 to float8, a
 * longer (or unlimited) varchar / char, text from a character type, a numeric
 * with at least as many integer and fractional digits ("Numeric Types",
 * "Character Types").  Anything else may fail or lose data. */
static bool widens(const char *from, const char *to)
{
    char fb[64], tb[64];
    long fm[2], tm[2];
    if (strcmp(from, to) == 0)
        return true;
    split_type(from, fb, sizeof fb, fm);
    split_type(to, tb, sizeof tb, tm);
    if (int_rank(fb) && int_rank(tb))
        return int_rank(tb) >= int_rank(fb);
    if (int_rank(fb) && strcmp(tb, "numeric") == 0)
        return tm[0] < 0 || tm[0] - (tm[1] < 0 ? 0 : tm[1]) >= 19;
    if (strcmp(fb, "float4") == 0 && strcmp(tb, "float8") == 0)
        return true;
    bool fchar = strcmp(fb, "varchar") == 0 || strcmp(fb, "bpchar") == 0 || strcmp(fb, "text") == 0;
    if (fchar && strcmp(tb, "text") == 0)
        return true;
    if (fchar && strcmp(fb, "text") != 0 && strcmp(tb, "varchar") == 0)
        return tm[0] < 0 || (fm[0] >= 0 && tm[0] >= fm[0]);
    if (strcmp(fb, tb) == 0 && strcmp(fb, "numeric") == 0) {
        if (tm[0] < 0)
            return true;
        if (fm[0] < 0)
            return false;
        long fs = fm[1] < 0 ? 0 : fm[1], ts = tm[1] < 0 ? 0 : tm[1];
        return ts >= fs && tm[0] - ts >= fm[0] - fs;
    }
    if (strcmp(fb, tb) == 0 && fm[0] >= 0)
        return tm[0] < 0 || tm[0] >= fm[0];
    return false;
}

/* ---- expressions ---- */

/* Functions whose pg_proc.provolatile is 'v' and that column defaults use:
 * with such a default ADD COLUMN rewrites the whole table under an ACCESS
 * EXCLUSIVE lock; since PostgreSQL 11 a constant or non-volatile default
 * (now() and CURRENT_TIMESTAMP are STABLE) is stored once in the catalog
 * instead ("ALTER TABLE", Notes; PostgreSQL 11 release notes). */
static const char *const volatile_functions[] = {
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "clock_timestamp", "timeofday", "nextval", "txid_current", "setseed", NULL,
};

/* The first volatile function called anywhere in `e`, or NULL. */
static const char *volatile_call(json_t *e)
{
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++) {
            const char *r = volatile_call(json_array_get(e, i));
            if (r)
                return r;
        }
        return NULL;
    }
    if (!json_is_object(e))
        return NULL;
    json_t *fc = json_object_get(e, "FuncCall");
    if (fc) {
        const char *name = last_name(json_object_get(fc, "funcname"), NULL);
        for (size_t i = 0; name && volatile_functions[i]; i++)
            if (strcmp(name, volatile_functions[i]) == 0)
                return volatile_functions[i];
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v) {
        const char *r = volatile_call(v);
        if (r)
            return r;
    }
    return NULL;
}

/* The names of the CTEs (WITH name AS ...) anywhere in `e`, one a line:
 * a RangeVar naming one is not a relation. */
static void collect_ctes(json_t *e, struct mp_buf *names)
{
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++)
            collect_ctes(json_array_get(e, i), names);
        return;
    }
    if (!json_is_object(e))
        return;
    json_t *cte = json_object_get(e, "CommonTableExpr");
    const char *nm = cte ? jstr(cte, "ctename") : NULL;
    if (nm) {
        mp_buf_add(names, nm);
        mp_buf_addc(names, '\n');
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
        collect_ctes(v, names);
}

static bool is_cte(const char *ctes, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = ctes; *p;) {
        const char *nl = strchr(p, '\n');
        if ((size_t)(nl - p) == n && strncmp(p, name, n) == 0)
            return true;
        p = nl + 1;
    }
    return false;
}

/* Every relation a query or expression reads (RangeVar nodes), CTE names
 * (`ctes`, one a line) excepted. */
static void relation_refs(struct pgx *x, json_t *e, const char *ctes)
{
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++)
            relation_refs(x, json_array_get(e, i), ctes);
        return;
    }
    if (!json_is_object(e))
        return;
    json_t *rv = json_object_get(e, "RangeVar");
    if (rv) {
        const char *name = jstr(rv, "relname"), *schema = jstr(rv, "schemaname");
        if (name && !system_schema(schema) && strncmp(name, "pg_", 3) != 0 && !is_cte(ctes, name))
            fact(x, MP_LA_REF, MP_LO_TABLE, name);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
        relation_refs(x, v, ctes);
}

/* A view's qualified columns (ColumnRef t.c, t a relation its query names:
 * facts from `first` on), for lint's order: PostgreSQL refuses to drop or
 * retype a column a view selects. */
static void view_columns(struct pgx *x, json_t *e, size_t first)
{
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++)
            view_columns(x, json_array_get(e, i), first);
        return;
    }
    if (!json_is_object(e))
        return;
    json_t *fields = json_object_get(json_object_get(e, "ColumnRef"), "fields");
    if (json_array_size(fields) == 2) {
        const char *t = jstr(node(json_array_get(fields, 0), "String"), "sval");
        const char *c = jstr(node(json_array_get(fields, 1), "String"), "sval");
        const struct mp_lint_mig *m = &x->c->migs[x->mig];
        size_t n = m->n;
        for (size_t q = first; t && c && q < n; q++)
            if (m->f[q].act == MP_LA_REF && m->f[q].obj == MP_LO_TABLE && strcmp(m->f[q].name, t) == 0) {
                fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, t, c));
                break;
            }
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
        view_columns(x, v, first);
}

static void query_refs(struct pgx *x, json_t *e)
{
    struct mp_buf ctes = {0};
    collect_ctes(e, &ctes);
    relation_refs(x, e, mp_buf_str(&ctes));
    mp_buf_free(&ctes);
}

static const char *rel_name(json_t *rv, const char **schema)
{
    *schema = jstr(rv, "schemaname");
    return jstr(rv, "relname");
}

/* ---- constraints and columns ---- */

/* The column a CHECK (col IS NOT NULL) expression tests, or NULL. */
static const char *not_null_check(json_t *expr)
{
    json_t *nt = json_object_get(expr, "NullTest");
    if (!nt || strcmp(jstr(nt, "nulltesttype") ? jstr(nt, "nulltesttype") : "", "IS_NOT_NULL") != 0)
        return NULL;
    json_t *cr = json_object_get(json_object_get(nt, "arg"), "ColumnRef");
    return cr ? last_name(json_object_get(cr, "fields"), NULL) : NULL;
}

static void name_list_refs(struct pgx *x, const char *table, json_t *list)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *n = jstr(node(json_array_get(list, i), "String"), "sval");
        if (n)
            fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, table, n));
    }
}

/* The columns of `table` an expression names unqualified (ColumnRef of
 * one field): a generated column's, which must exist when it is added. */
static void own_column_refs(struct pgx *x, const char *table, json_t *e)
{
    if (json_is_array(e)) {
        for (size_t i = 0; i < json_array_size(e); i++)
            own_column_refs(x, table, json_array_get(e, i));
        return;
    }
    if (!json_is_object(e))
        return;
    json_t *fields = json_object_get(json_object_get(e, "ColumnRef"), "fields");
    if (fields) {
        const char *c = json_array_size(fields) == 1 ? jstr(node(json_array_get(fields, 0), "String"), "sval") : NULL;
        if (c)
            fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, table, c));
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
        own_column_refs(x, table, v);
}

/* A constraint of table `table` (a table element, a column's, or ADD
 * CONSTRAINT); `column`: the column it is attached to, or NULL. */
static void constraint(struct pgx *x, const char *table, const char *column, json_t *cn)
{
    const char *type = jstr(cn, "contype");
    if (!type)
        return;
    if (strcmp(type, "CONSTR_FOREIGN") == 0) {
        if (!column)
            name_list_refs(x, table, json_object_get(cn, "fk_attrs"));
        const char *schema, *target = rel_name(json_object_get(cn, "pktable"), &schema);
        if (target && !system_schema(schema)) {
            fact(x, MP_LA_REF, MP_LO_TABLE, target);
            name_list_refs(x, target, json_object_get(cn, "pk_attrs"));
        }
    } else if (strcmp(type, "CONSTR_PRIMARY") == 0 || strcmp(type, "CONSTR_UNIQUE") == 0) {
        if (!column)
            name_list_refs(x, table, json_object_get(cn, "keys"));
        const char *idx = jstr(cn, "indexname");
        if (idx)
            fact(x, MP_LA_REF, MP_LO_INDEX, idx);
    } else if (strcmp(type, "CONSTR_CHECK") == 0) {
        /* a table's CHECK (after its columns in CREATE TABLE): the columns
         * it reads, which must exist, and which dropped drop it */
        if (!column)
            own_column_refs(x, table, json_object_get(cn, "raw_expr"));
        /* CHECK (c IS NOT NULL), valid unless NOT VALID: SET NOT NULL on c
         * can then skip its scan */
        const char *c = not_null_check(json_object_get(cn, "raw_expr"));
        if (c) {
            struct check *k = MP_PUSH(x->c->a, x->checks, x->nc, x->capc);
            k->key = jstr(cn, "conname") ? col(x, table, jstr(cn, "conname")) : "";
            k->col = col(x, table, c);
            k->valid = !jbool(cn, "skip_validation");
        }
    }
    const char *name = jstr(cn, "conname");
    if (name)
        fact(x, MP_LA_CREATE, MP_LO_CONSTRAINT, col(x, table, name));
}

static bool has_valid_check(struct pgx *x, const char *c)
{
    for (size_t i = 0; i < x->nc; i++)
        if (x->checks[i].valid && strcmp(x->checks[i].col, c) == 0)
            return true;
    return false;
}

/* A column definition of table `table` (CREATE TABLE or ADD COLUMN). */
static void column_def(struct pgx *x, const char *table, json_t *cd, bool add)
{
    const char *name = jstr(cd, "colname");
    if (!name)
        return;
    const char *c = col(x, table, name);
    fact(x, MP_LA_CREATE, MP_LO_COLUMN, c);
    json_t *tn = json_object_get(cd, "typeName");
    type_ref(x, tn);
    set_coltype(x, c, type_text(x, tn));
    json_t *cons = json_object_get(cd, "constraints");
    for (size_t i = 0; i < json_array_size(cons); i++) {
        json_t *cn = node(json_array_get(cons, i), "Constraint");
        const char *type = jstr(cn, "contype");
        const char *fn = type && strcmp(type, "CONSTR_DEFAULT") == 0 ? volatile_call(json_object_get(cn, "raw_expr"))
                                                                     : NULL;
        if (add && fn)
            warn(x, "volatile-default", MP_WHEN_OLD_TABLE, MP_LO_COLUMN, c,
                 mp_arena_printf(x->c->a,
                                 "column \"%s\".\"%s\" is added with the volatile default %s(): PostgreSQL rewrites "
                                 "the whole table under an ACCESS EXCLUSIVE lock (add the column without a "
                                 "default, then set it and backfill in batches)",
                                 table, name, fn));
        /* ADD COLUMN ... GENERATED ALWAYS AS (expr): the columns it reads */
        if (add && type && strcmp(type, "CONSTR_GENERATED") == 0)
            own_column_refs(x, table, json_object_get(cn, "raw_expr"));
        constraint(x, table, name, cn);
    }
}

/* ---- statements ---- */

static void create_table(struct pgx *x, json_t *st)
{
    const char *schema, *t = rel_name(json_object_get(st, "relation"), &schema);
    if (!t)
        return;
    json_t *inh = json_object_get(st, "inhRelations");
    json_t *elts = json_object_get(st, "tableElts");
    bool opaque = json_array_size(inh) > 0 || json_object_get(st, "partbound") || json_object_get(st, "ofTypename");
    for (size_t i = 0; i < json_array_size(elts); i++) {
        json_t *like = node(json_array_get(elts, i), "TableLikeClause");
        if (like) {
            relation_refs(x, like, "");
            opaque = true;
        }
    }
    struct mp_lint_fact *cf = fact(x, MP_LA_CREATE, MP_LO_TABLE, t);
    cf->opaque = opaque;
    cf->nocheck = jbool(st, "if_not_exists");
    relation_refs(x, inh, "");
    for (size_t i = 0; i < json_array_size(elts); i++) {
        json_t *e = json_array_get(elts, i);
        if (node(e, "ColumnDef"))
            column_def(x, t, node(e, "ColumnDef"), false);
    }
    for (size_t i = 0; i < json_array_size(elts); i++) {
        json_t *e = json_array_get(elts, i);
        if (node(e, "Constraint"))
            constraint(x, t, NULL, node(e, "Constraint"));
    }
}

static void create_index(struct pgx *x, json_t *st)
{
    const char *schema, *t = rel_name(json_object_get(st, "relation"), &schema);
    if (!t)
        return;
    fact(x, MP_LA_REF, MP_LO_TABLE, t);
    if (!jbool(st, "concurrent"))
        warn(x, "index-not-concurrent", MP_WHEN_OLD_TABLE, MP_LO_TABLE, t,
             mp_arena_printf(x->c->a,
                             "CREATE INDEX%s on the existing table \"%s\" blocks writes to it while the index "
                             "builds: use CREATE INDEX CONCURRENTLY (in a migration outside a transaction)",
                             jstr(st, "idxname") ? mp_arena_printf(x->c->a, " \"%s\"", jstr(st, "idxname")) : "",
                             t));
    json_t *params = json_object_get(st, "indexParams");
    for (size_t i = 0; i < json_array_size(params); i++) {
        const char *c = jstr(node(json_array_get(params, i), "IndexElem"), "name");
        if (c)
            fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, t, c));
    }
    json_t *incl = json_object_get(st, "indexIncludingParams");
    for (size_t i = 0; i < json_array_size(incl); i++) {
        const char *c = jstr(node(json_array_get(incl, i), "IndexElem"), "name");
        if (c)
            fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, t, c));
    }
    if (jstr(st, "idxname"))
        fact(x, MP_LA_CREATE, MP_LO_INDEX, jstr(st, "idxname"))->nocheck = jbool(st, "if_not_exists");
}

static void alter_table(struct pgx *x, json_t *st)
{
    const char *ot = jstr(st, "objtype");
    if (ot && strcmp(ot, "OBJECT_TABLE") != 0)
        return;
    const char *schema, *t = rel_name(json_object_get(st, "relation"), &schema);
    if (!t)
        return;
    bool if_exists = jbool(st, "missing_ok");
    fact(x, MP_LA_REF, MP_LO_TABLE, t)->nocheck = if_exists;
    json_t *cmds = json_object_get(st, "cmds");
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        json_t *cmd = node(json_array_get(cmds, i), "AlterTableCmd");
        const char *sub = jstr(cmd, "subtype"), *name = jstr(cmd, "name");
        json_t *def = json_object_get(cmd, "def");
        bool soft = if_exists || jbool(cmd, "missing_ok"); /* IF EXISTS: no check */
        if (!sub)
            continue;
        if (strcmp(sub, "AT_AddColumn") == 0 && node(def, "ColumnDef")) {
            size_t first = x->c->migs[x->mig].n;
            column_def(x, t, node(def, "ColumnDef"), true);
            if (first < x->c->migs[x->mig].n) /* ADD COLUMN IF NOT EXISTS: the name may be taken */
                x->c->migs[x->mig].f[first].nocheck = jbool(cmd, "missing_ok");
        } else if (strcmp(sub, "AT_DropColumn") == 0 && name) {
            warn(x, "destructive", MP_WHEN_PRESENT, MP_LO_COLUMN, col(x, t, name),
                 mp_arena_printf(x->c->a, "DROP COLUMN \"%s\".\"%s\" deletes its data", t, name))
                ->nocheck = soft;
            fact(x, MP_LA_DROP, MP_LO_COLUMN, col(x, t, name))->nocheck = soft;
        } else if (strcmp(sub, "AT_AlterColumnType") == 0 && name) {
            const char *c = col(x, t, name);
            struct mp_lint_fact *rf = fact(x, MP_LA_REF, MP_LO_COLUMN, c);
            rf->nocheck = soft;
            rf->retype = true;
            json_t *tn = json_object_get(node(def, "ColumnDef"), "typeName");
            type_ref(x, tn);
            const char *from = get_coltype(x, c), *to = type_text(x, tn);
            if (from && to && !widens(from, to))
                warn(x, "destructive", MP_WHEN_ALWAYS, MP_LO_TABLE, t,
                     mp_arena_printf(x->c->a,
                                     "ALTER COLUMN \"%s\".\"%s\" TYPE %s narrows it from %s: values may be cut or "
                                     "the cast may fail",
                                     t, name, to, from));
            if (to)
                set_coltype(x, c, to);
        } else if (strcmp(sub, "AT_SetNotNull") == 0 && name) {
            const char *c = col(x, t, name);
            fact(x, MP_LA_REF, MP_LO_COLUMN, c)->nocheck = soft;
            if (!has_valid_check(x, c))
                warn(x, "set-not-null", MP_WHEN_OLD_TABLE, MP_LO_COLUMN, c,
                     mp_arena_printf(x->c->a,
                                     "SET NOT NULL on \"%s\".\"%s\" scans the whole table under an ACCESS "
                                     "EXCLUSIVE lock: first add CHECK (\"%s\" IS NOT NULL) NOT VALID and "
                                     "VALIDATE it (PostgreSQL 12+ then skips the scan)",
                                     t, name, name));
        } else if (strcmp(sub, "AT_AddConstraint") == 0 && node(def, "Constraint")) {
            constraint(x, t, NULL, node(def, "Constraint"));
        } else if (strcmp(sub, "AT_ValidateConstraint") == 0 && name) {
            const char *k = col(x, t, name);
            fact(x, MP_LA_REF, MP_LO_CONSTRAINT, k)->soft = true;
            for (size_t q = 0; q < x->nc; q++)
                if (strcmp(x->checks[q].key, k) == 0)
                    x->checks[q].valid = true;
        } else if (strcmp(sub, "AT_DropConstraint") == 0 && name) {
            /* constraints PostgreSQL named itself are not known here */
            fact(x, MP_LA_DROP, MP_LO_CONSTRAINT, col(x, t, name))->soft = true;
        } else if (name && (strcmp(sub, "AT_DropNotNull") == 0 || strcmp(sub, "AT_ColumnDefault") == 0 ||
                            strcmp(sub, "AT_SetStatistics") == 0 || strcmp(sub, "AT_SetStorage") == 0)) {
            fact(x, MP_LA_REF, MP_LO_COLUMN, col(x, t, name))->nocheck = soft;
        }
    }
}

static enum mp_lint_obj object_kind(const char *ot, bool *known)
{
    *known = true;
    if (strcmp(ot, "OBJECT_TABLE") == 0)
        return MP_LO_TABLE;
    if (strcmp(ot, "OBJECT_VIEW") == 0 || strcmp(ot, "OBJECT_MATVIEW") == 0)
        return MP_LO_VIEW;
    if (strcmp(ot, "OBJECT_INDEX") == 0)
        return MP_LO_INDEX;
    if (strcmp(ot, "OBJECT_TYPE") == 0 || strcmp(ot, "OBJECT_DOMAIN") == 0)
        return MP_LO_TYPE;
    if (strcmp(ot, "OBJECT_FUNCTION") == 0 || strcmp(ot, "OBJECT_PROCEDURE") == 0)
        return MP_LO_FUNCTION;
    if (strcmp(ot, "OBJECT_SEQUENCE") == 0)
        return MP_LO_SEQUENCE;
    *known = false;
    return MP_LO_TABLE;
}

/* DROP TRIGGER name ON table: the table must exist (the trigger goes with
 * it when the table is dropped first). */
static void drop_trigger(struct pgx *x, json_t *st)
{
    json_t *objs = json_object_get(st, "objects");
    for (size_t i = 0; i < json_array_size(objs); i++) {
        json_t *items = json_object_get(node(json_array_get(objs, i), "List"), "items");
        size_t n = json_array_size(items);
        const char *t = n >= 2 ? jstr(node(json_array_get(items, n - 2), "String"), "sval") : NULL;
        const char *tr = n >= 2 ? jstr(node(json_array_get(items, n - 1), "String"), "sval") : NULL;
        if (!t || !tr)
            continue;
        fact(x, MP_LA_REF, MP_LO_TABLE, t)->nocheck = jbool(st, "missing_ok");
        fact(x, MP_LA_DROP, MP_LO_TRIGGER, tr)->nocheck = jbool(st, "missing_ok");
    }
}

static void drop(struct pgx *x, json_t *st)
{
    const char *rt = jstr(st, "removeType");
    bool known;
    if (rt && strcmp(rt, "OBJECT_TRIGGER") == 0) {
        drop_trigger(x, st);
        return;
    }
    enum mp_lint_obj o = object_kind(rt ? rt : "", &known);
    if (!known)
        return;
    json_t *objs = json_object_get(st, "objects");
    for (size_t i = 0; i < json_array_size(objs); i++) {
        json_t *e = json_array_get(objs, i);
        const char *schema = NULL, *name = NULL;
        if (node(e, "List"))
            name = last_name(json_object_get(node(e, "List"), "items"), &schema);
        else if (node(e, "TypeName"))
            name = last_name(json_object_get(node(e, "TypeName"), "names"), &schema);
        else if (node(e, "ObjectWithArgs"))
            name = last_name(json_object_get(node(e, "ObjectWithArgs"), "objname"), &schema);
        if (!name || system_schema(schema))
            continue;
        if (o == MP_LO_TABLE)
            warn(x, "destructive", MP_WHEN_PRESENT, MP_LO_TABLE, name,
                 mp_arena_printf(x->c->a, "DROP TABLE \"%s\" deletes the table and its data", name))
                ->nocheck = jbool(st, "missing_ok");
        struct mp_lint_fact *f = fact(x, MP_LA_DROP, o, name);
        f->nocheck = jbool(st, "missing_ok");
        /* types and functions may be built in; indexes may be named by
         * PostgreSQL (a PRIMARY KEY's or UNIQUE's) */
        f->soft = o == MP_LO_TYPE || o == MP_LO_FUNCTION || o == MP_LO_INDEX;
    }
}

static void rename_stmt(struct pgx *x, json_t *st)
{
    const char *rt = jstr(st, "renameType"), *nn = jstr(st, "newname");
    const char *schema, *rel = rel_name(json_object_get(st, "relation"), &schema);
    bool soft = jbool(st, "missing_ok");
    if (!rt || !nn || !rel)
        return;
    struct mp_lint_fact *f = NULL;
    nn = mp_arena_strdup(x->c->a, nn);
    if (strcmp(rt, "OBJECT_TABLE") == 0) {
        f = fact(x, MP_LA_RENAME, MP_LO_TABLE, rel);
        f->new_name = nn;
    } else if (strcmp(rt, "OBJECT_VIEW") == 0) {
        f = fact(x, MP_LA_RENAME, MP_LO_VIEW, rel);
        f->new_name = nn;
    } else if (strcmp(rt, "OBJECT_INDEX") == 0) {
        f = fact(x, MP_LA_RENAME, MP_LO_INDEX, rel);
        f->new_name = nn;
    } else if (strcmp(rt, "OBJECT_COLUMN") == 0 && jstr(st, "subname")) {
        fact(x, MP_LA_REF, MP_LO_TABLE, rel)->nocheck = soft;
        const char *from = col(x, rel, jstr(st, "subname"));
        f = fact(x, MP_LA_RENAME, MP_LO_COLUMN, from);
        f->new_name = col(x, rel, nn);
        const char *type = get_coltype(x, from);
        if (type)
            set_coltype(x, f->new_name, type);
    }
    if (f) {
        f->nocheck = soft;
        f->soft = f->obj == MP_LO_INDEX; /* may be named by PostgreSQL */
    }
}

/* The relations a function's body names.  A LANGUAGE sql body is parsed
 * and checked when the function is created (check_function_bodies, on by
 * default: "CREATE FUNCTION", Notes), so what it names must exist then: its
 * statements' references.  PostgreSQL records no dependency on them, and a
 * plpgsql body is resolved only when it runs, so nothing else is. */
static void function_body(struct pgx *x, json_t *st)
{
    const char *lang = NULL, *body = NULL;
    json_t *opts = json_object_get(st, "options");
    for (size_t i = 0; i < json_array_size(opts); i++) {
        json_t *de = node(json_array_get(opts, i), "DefElem");
        const char *dn = jstr(de, "defname");
        json_t *arg = json_object_get(de, "arg");
        if (dn && strcmp(dn, "language") == 0)
            lang = jstr(node(arg, "String"), "sval");
        else if (dn && strcmp(dn, "as") == 0)
            body = jstr(node(json_array_get(json_object_get(node(arg, "List"), "items"), 0), "String"), "sval");
    }
    if (!lang || !body || strcmp(lang, "sql") != 0)
        return;
    PgQueryParseResult r = pg_query_parse(body);
    json_t *root = r.error ? NULL : json_loads(r.parse_tree, 0, NULL);
    json_t *stmts = json_object_get(root, "stmts");
    for (size_t i = 0; i < json_array_size(stmts); i++)
        query_refs(x, json_object_get(json_array_get(stmts, i), "stmt"));
    json_decref(root);
    pg_query_free_parse_result(r);
}

static void statement(struct pgx *x, json_t *stmt)
{
    const char *kind;
    json_t *st;
    json_object_foreach(stmt, kind, st) {
        if (strcmp(kind, "CreateStmt") == 0) {
            create_table(x, st);
        } else if (strcmp(kind, "IndexStmt") == 0) {
            create_index(x, st);
        } else if (strcmp(kind, "AlterTableStmt") == 0) {
            alter_table(x, st);
        } else if (strcmp(kind, "DropStmt") == 0) {
            drop(x, st);
        } else if (strcmp(kind, "RenameStmt") == 0) {
            rename_stmt(x, st);
        } else if (strcmp(kind, "ViewStmt") == 0) {
            size_t first = x->c->migs[x->mig].n;
            query_refs(x, json_object_get(st, "query"));
            view_columns(x, json_object_get(st, "query"), first);
            const char *schema, *v = rel_name(json_object_get(st, "view"), &schema);
            if (v)
                fact(x, MP_LA_CREATE, MP_LO_VIEW, v);
        } else if (strcmp(kind, "CreateTableAsStmt") == 0) {
            query_refs(x, json_object_get(st, "query"));
            const char *schema, *v = rel_name(json_object_get(json_object_get(st, "into"), "rel"), &schema);
            if (v)
                fact(x, MP_LA_CREATE, strcmp(jstr(st, "objtype") ? jstr(st, "objtype") : "", "OBJECT_MATVIEW") == 0
                                          ? MP_LO_VIEW
                                          : MP_LO_TABLE,
                     v)
                    ->opaque = true;
        } else if (strcmp(kind, "CreateEnumStmt") == 0) {
            const char *n = last_name(json_object_get(st, "typeName"), NULL);
            if (n)
                fact(x, MP_LA_CREATE, MP_LO_TYPE, n);
        } else if (strcmp(kind, "AlterEnumStmt") == 0 || strcmp(kind, "AlterDomainStmt") == 0) {
            /* ALTER TYPE ... ADD / RENAME VALUE, ALTER DOMAIN: the type must exist */
            const char *n = last_name(json_object_get(st, "typeName"), NULL);
            if (n)
                fact(x, MP_LA_REF, MP_LO_TYPE, n)->soft = true;
        } else if (strcmp(kind, "CreateDomainStmt") == 0) {
            const char *n = last_name(json_object_get(st, "domainname"), NULL);
            type_ref(x, json_object_get(st, "typeName"));
            if (n)
                fact(x, MP_LA_CREATE, MP_LO_TYPE, n);
        } else if (strcmp(kind, "CompositeTypeStmt") == 0) {
            const char *schema, *n = rel_name(json_object_get(st, "typevar"), &schema);
            if (n)
                fact(x, MP_LA_CREATE, MP_LO_TYPE, n);
        } else if (strcmp(kind, "CreateFunctionStmt") == 0) {
            const char *n = last_name(json_object_get(st, "funcname"), NULL);
            if (n)
                fact(x, MP_LA_CREATE, MP_LO_FUNCTION, n);
            function_body(x, st);
        } else if (strcmp(kind, "CreateTrigStmt") == 0) {
            const char *schema, *t = rel_name(json_object_get(st, "relation"), &schema);
            if (t)
                fact(x, MP_LA_REF, MP_LO_TABLE, t);
            const char *fn = last_name(json_object_get(st, "funcname"), &schema);
            if (fn && !system_schema(schema))
                fact(x, MP_LA_REF, MP_LO_FUNCTION, fn)->soft = true;
            if (jstr(st, "trigname"))
                fact(x, MP_LA_CREATE, MP_LO_TRIGGER, jstr(st, "trigname"));
        } else if (strcmp(kind, "CreateSeqStmt") == 0 || strcmp(kind, "AlterSeqStmt") == 0) {
            /* a standalone sequence: created, or altered (it must exist) */
            const char *schema, *n = rel_name(json_object_get(st, "sequence"), &schema);
            if (n && !system_schema(schema))
                fact(x, strcmp(kind, "CreateSeqStmt") == 0 ? MP_LA_CREATE : MP_LA_REF, MP_LO_SEQUENCE, n)->nocheck =
                    jbool(st, strcmp(kind, "CreateSeqStmt") == 0 ? "if_not_exists" : "missing_ok");
        } else if (strcmp(kind, "CreateExtensionStmt") == 0 ||
                   strcmp(kind, "CreateSchemaStmt") == 0 || strcmp(kind, "VariableSetStmt") == 0 ||
                   strcmp(kind, "TransactionStmt") == 0 || strcmp(kind, "CommentStmt") == 0) {
            /* nothing lint tracks */
        } else {
            query_refs(x, st); /* DML and the rest: the relations they use */
        }
    }
}

/* Skip blanks and comments from byte `off` of `s`: the statement's first token. */
static size_t first_token(const char *s, size_t off, size_t end)
{
    while (off < end) {
        if (s[off] == ' ' || s[off] == '\t' || s[off] == '\n' || s[off] == '\r') {
            off++;
        } else if (s[off] == '-' && s[off + 1] == '-') {
            while (off < end && s[off] != '\n')
                off++;
        } else if (s[off] == '/' && s[off + 1] == '*') {
            const char *e = strstr(s + off + 2, "*/");
            off = e ? (size_t)(e - s) + 2 : end;
        } else {
            break;
        }
    }
    return off;
}

static int one_migration(struct pgx *x, struct mp_error *err)
{
    const struct mp_migration *m = x->c->migs[x->mig].m;
    const char *sql = m->up.sql ? m->up.sql : "";
    PgQueryParseResult r = pg_query_parse(sql);
    int rc = 0;
    json_t *root = NULL;
    if (r.error) {
        long line = r.error->cursorpos > 0 ? mp_lint_line(m, (size_t)r.error->cursorpos - 1) : m->up.line;
        mp_lint_report(x->c, (long)x->mig, m->up.path, line, "syntax-error", MP_LINT_ERROR,
                       "PostgreSQL's parser: %s (the migration was not checked further)", r.error->message);
        goto out;
    }
    json_error_t je;
    root = json_loads(r.parse_tree, 0, &je);
    if (!root) {
        rc = mp_error_set(err, MP_EINTERNAL, "%s: the parse tree is not JSON: %s", m->up.path, je.text);
        goto out;
    }
    json_t *stmts = json_object_get(root, "stmts");
    size_t len = strlen(sql);
    for (size_t i = 0; i < json_array_size(stmts); i++) {
        json_t *s = json_array_get(stmts, i);
        size_t loc = (size_t)json_integer_value(json_object_get(s, "stmt_location"));
        x->line = mp_lint_line(m, first_token(sql, loc < len ? loc : len, len));
        statement(x, json_object_get(s, "stmt"));
    }
out:
    json_decref(root);
    pg_query_free_parse_result(r);
    return rc;
}

int mp_lint_extract_pg(struct mp_lint_ctx *c, struct mp_error *err)
{
    struct pgx x = {.c = c};
    int rc = 0;
    for (size_t i = 0; i < c->res->set.n && !rc; i++) {
        x.mig = i;
        rc = one_migration(&x, err);
    }
    /* libpg_query keeps a per-thread memory context.  It stays: Debian's
     * libpg_query frees it in pg_query_exit() but leaves its pointer set, so
     * a second lint in one process (the lint_sound property) parsed with
     * freed memory (found by AddressSanitizer).  The context is reachable
     * and reused by every later parse. */
    return rc;
}
