/* gen_triggers.c - triggers and functions over a generated case's tables,
 * written per dialect: an AFTER INSERT trigger on a start table that
 * copies the new row's key into an audit table of its own (SQLite: the
 * trigger's body; PostgreSQL: a plpgsql function RETURNS trigger and the
 * trigger that executes it), a SQL function over a table and a materialized
 * view (PostgreSQL only), carried to the desired schema by the identities
 * of what they use: renamed columns and tables renamed in them, a dropped
 * column cut out of the trigger's condition, the audit table now and then
 * dropped (and the trigger with it) or renamed; so every property meets
 * the drop and re-create paths of triggers (around SQLite table rebuilds)
 * and functions. */
#include "gen.h"
#include "vschema.h"

#include <stdio.h>
#include <string.h>

/* A trigger as identities: on table `t`, inserting NEW.pk into audit(n)
 * when NEW.wcol IS NOT NULL (wcol 0: always).  A function (`fn`): SELECT
 * count(*) FROM t [WHERE wcol IS NOT NULL].  A materialized view (`mv`):
 * SELECT t.pk, t.wcol FROM t. */
struct tspec {
    const char *name;
    uint32_t t, pk, wcol;
};

/* The object (kind `k`, only in dialect `d`) with statement `sql` and the
 * dependencies of `dep` added to `s`. */
static void put(struct mp_arena *a, struct mp_schema *s, enum mp_object_kind k, const char *name,
                const char *table, enum mp_dialect d, bool only, const struct mp_buf *sql,
                const struct mp_object *dep)
{
    struct mp_object *o = mp_schema_add_object(a, s, k, name);
    o->table = table ? mp_arena_strdup(a, table) : NULL;
    o->has_dialect = only;
    o->dialect = d;
    o->sql = mp_arena_strdup(a, sql->s);
    if (k == MP_OBJ_FUNCTION)
        o->args = "";
    for (size_t i = 0; i < dep->ndeps; i++)
        mp_object_add_dep(a, o, dep->deps[i].table, dep->deps[i].column);
}

/* Name of the column with identity `c` of table `t`, or NULL. */
static const char *col_of(const struct mp_table *t, uint32_t c)
{
    long k = t && c ? mp_table_find_column_id(t, c) : -1;
    return k >= 0 ? t->cols[k].name : NULL;
}

/* The body both dialects share: INSERT INTO audit (n) SELECT NEW.pk [WHERE
 * NEW.w IS NOT NULL]; */
static void body(struct mp_buf *b, const char *audit, const char *pk, const char *w)
{
    mp_buf_add(b, "INSERT INTO ");
    mp_buf_ident(b, audit);
    mp_buf_add(b, " (\"n\") SELECT NEW.");
    mp_buf_ident(b, pk);
    if (w) {
        mp_buf_add(b, " WHERE NEW.");
        mp_buf_ident(b, w);
        mp_buf_add(b, " IS NOT NULL");
    }
    mp_buf_addc(b, ';');
}

/* Add trigger `v` (writing to table `audit`, NULL: gone) to `s` in both
 * dialects' forms; false when its table or key is gone. */
static bool render_trigger(struct mp_arena *a, struct mp_schema *s, const struct tspec *v, const char *audit)
{
    const struct mp_table *t = mp_schema_table_by_id(s, v->t);
    const char *pk = col_of(t, v->pk), *w = col_of(t, v->wcol);
    if (!pk || !audit)
        return false;
    struct mp_object dep = {0};
    mp_object_add_dep(a, &dep, t->name, pk);
    if (w)
        mp_object_add_dep(a, &dep, t->name, w);
    mp_object_add_dep(a, &dep, audit, "n");
    struct mp_buf b = {0};
    /* SQLite "CREATE TRIGGER", the text sqlite_schema keeps */
    mp_buf_add(&b, "CREATE TRIGGER ");
    mp_buf_ident(&b, v->name);
    mp_buf_add(&b, " AFTER INSERT ON ");
    mp_buf_ident(&b, t->name);
    mp_buf_add(&b, " BEGIN ");
    body(&b, audit, pk, w);
    mp_buf_add(&b, " END");
    put(a, s, MP_OBJ_TRIGGER, v->name, t->name, MP_SQLITE, true, &b, &dep);
    /* PostgreSQL: as pg_get_functiondef() prints it back (the body, dollar-
     * quoted, byte for byte), and pg_get_triggerdef() */
    const char *fn = mp_arena_printf(a, "%s_fn", v->name);
    mp_buf_reset(&b);
    mp_buf_printf(&b, "CREATE OR REPLACE FUNCTION %s()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$BEGIN ", fn);
    body(&b, audit, pk, w);
    mp_buf_add(&b, " RETURN NULL; END$function$");
    put(a, s, MP_OBJ_FUNCTION, fn, NULL, MP_POSTGRES, true, &b, &dep);
    mp_buf_reset(&b);
    mp_buf_add(&b, "CREATE TRIGGER ");
    mp_buf_ident(&b, v->name);
    mp_buf_add(&b, " AFTER INSERT ON ");
    mp_buf_ident(&b, t->name);
    mp_buf_printf(&b, " FOR EACH ROW EXECUTE FUNCTION %s()", fn);
    struct mp_object own = {0};
    mp_object_add_dep(a, &own, t->name, NULL);
    put(a, s, MP_OBJ_TRIGGER, v->name, t->name, MP_POSTGRES, true, &b, &own);
    mp_buf_free(&b);
    return true;
}

/* Add function `v` to `s` (PostgreSQL only: SQLite has no CREATE
 * FUNCTION); false when its table is gone. */
static bool render_function(struct mp_arena *a, struct mp_schema *s, const struct tspec *v)
{
    const struct mp_table *t = mp_schema_table_by_id(s, v->t);
    if (!t)
        return false;
    const char *w = col_of(t, v->wcol);
    struct mp_object dep = {0};
    mp_object_add_dep(a, &dep, t->name, w);
    struct mp_buf b = {0};
    mp_buf_printf(&b, "CREATE OR REPLACE FUNCTION %s()\n RETURNS bigint\n LANGUAGE sql\n STABLE\nAS $function$SELECT count(*) FROM ",
                  v->name);
    mp_buf_ident(&b, t->name);
    if (w) {
        mp_buf_add(&b, " WHERE ");
        mp_buf_ident(&b, w);
        mp_buf_add(&b, " IS NOT NULL");
    }
    mp_buf_add(&b, "$function$");
    put(a, s, MP_OBJ_FUNCTION, v->name, NULL, MP_POSTGRES, true, &b, &dep);
    mp_buf_free(&b);
    return true;
}

/* Add materialized view `v` to `s` (PostgreSQL only), as pg_get_viewdef()
 * prints it (columns qualified by their table); false when its key is gone. */
static bool render_matview(struct mp_arena *a, struct mp_schema *s, const struct tspec *v)
{
    const struct mp_table *t = mp_schema_table_by_id(s, v->t);
    const char *pk = col_of(t, v->pk), *w = col_of(t, v->wcol);
    if (!pk)
        return false;
    struct mp_object dep = {0};
    struct mp_buf b = {0};
    mp_buf_add(&b, "CREATE MATERIALIZED VIEW ");
    mp_buf_ident(&b, v->name);
    mp_buf_add(&b, " AS SELECT ");
    const char *cols[2] = {pk, w};
    for (int i = 0; i < 2 && cols[i]; i++) {
        mp_buf_add(&b, i ? ", " : "");
        mp_buf_ident(&b, t->name);
        mp_buf_addc(&b, '.');
        mp_buf_ident(&b, cols[i]);
        mp_object_add_dep(a, &dep, t->name, cols[i]);
    }
    mp_buf_add(&b, " FROM ");
    mp_buf_ident(&b, t->name);
    put(a, s, MP_OBJ_MATVIEW, v->name, NULL, MP_POSTGRES, true, &b, &dep);
    mp_buf_free(&b);
    return true;
}

/* A name of the form prefix_N free in both schemas on both dialects, as a
 * relation and as an object of either kind. */
static const char *fresh(struct mp_arena *a, const struct mp_case *c, const char *prefix, unsigned *serial)
{
    for (;;) {
        const char *name = mp_arena_printf(a, "%s_%u", prefix, ++*serial);
        const char *fn = mp_arena_printf(a, "%s_fn", name);
        bool taken = false;
        const struct mp_schema *both[2] = {c->start, c->desired};
        for (int k = 0; k < 2 && !taken; k++) {
            for (int d = 0; d < MP_NDIALECTS && !taken; d++)
                taken = mp_vschema_name_taken(both[k], (enum mp_dialect)d, name) ||
                        mp_vschema_name_taken(both[k], (enum mp_dialect)d, fn);
            for (size_t i = 0; i < both[k]->nobjects && !taken; i++)
                taken = mp_name_eq(MP_SQLITE, both[k]->objects[i].name, name) ||
                        mp_name_eq(MP_SQLITE, both[k]->objects[i].name, fn);
        }
        if (!taken)
            return name;
    }
}

/* A start table with an identity and a one-column key, and maybe a plain
 * column of it (not the key, not computed): false when there is none. */
static bool pick(struct mp_rng *r, const struct mp_schema *s, struct tspec *v)
{
    if (!s->ntables)
        return false;
    const struct mp_table *t = s->tables[mp_rng_below(r, s->ntables)];
    if (!t->id || t->pk.n != 1)
        return false;
    long k = mp_table_find_column(t, MP_SQLITE, t->pk.v[0]);
    if (k < 0 || !t->cols[k].id)
        return false;
    memset(v, 0, sizeof *v);
    v->t = t->id;
    v->pk = t->cols[k].id;
    const struct mp_column *w = &t->cols[mp_rng_below(r, t->ncols)];
    if (w != &t->cols[k] && w->id && w->feat.generated == MP_GENERATED_NONE && mp_rng_chance(r, 3, 4))
        v->wcol = w->id;
    return true;
}

/* The audit table: one nullable bigint column "n", no key (the trigger
 * appends one row per insert), with identities `id` and id + 1 (the same
 * table in both schemas). */
static void add_audit(struct mp_arena *a, struct mp_schema *s, const char *name, uint32_t id)
{
    struct mp_table *t = mp_schema_add_table(a, s, name);
    t->id = id;
    mp_table_add_column(a, t, "n", (struct mp_type){.kind = MP_TYPE_BIGINT})->id = id + 1;
}

void mp_gen_triggers(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c)
{
    /* a stream of its own, so the tables and views of every case stay as they were */
    struct mp_rng r = *seed;
    r.s[0] ^= 0x7472696767657273ULL;
    mp_rng_next(&r);
    size_t nt0[2] = {c->start->ntables, c->desired->ntables};
    size_t no0[2] = {c->start->nobjects, c->desired->nobjects};
    size_t nren0 = c->renames.n;
    uint32_t last0[2] = {c->start->last_id, c->desired->last_id};
    unsigned serial = 0;
    struct tspec v;
    /* a trigger and its audit table */
    if (mp_rng_chance(&r, 1, 2) && pick(&r, c->start, &v)) {
        const char *audit = fresh(a, c, "audit", &serial), *to = audit;
        v.name = fresh(a, c, "trg", &serial);
        /* identities past both schemas' (the case's changes are made) */
        uint32_t id = (c->start->last_id > c->desired->last_id ? c->start->last_id : c->desired->last_id) + 1;
        c->start->last_id = c->desired->last_id = id + 1;
        add_audit(a, c->start, audit, id);
        switch (mp_rng_below(&r, 6)) {
        case 0: /* the table the trigger writes to is dropped, the trigger with it */
            to = NULL;
            break;
        case 1: /* ... or renamed */
            to = fresh(a, c, "audit", &serial);
            mp_renames_add(a, &c->renames, false, NULL, audit, to);
            /* fall through */
        default:
            add_audit(a, c->desired, to, id);
            break;
        }
        if (render_trigger(a, c->start, &v, audit))
            render_trigger(a, c->desired, &v, to);
    }
    /* a SQL function over a table, and a materialized view (PostgreSQL) */
    if (mp_rng_chance(&r, 1, 3) && pick(&r, c->start, &v)) {
        v.name = fresh(a, c, "count", &serial);
        if (render_function(a, c->start, &v) && !mp_rng_chance(&r, 1, 6))
            render_function(a, c->desired, &v);
    }
    if (mp_rng_chance(&r, 1, 4) && pick(&r, c->start, &v)) {
        v.name = fresh(a, c, "snapshot", &serial);
        if (render_matview(a, c->start, &v))
            render_matview(a, c->desired, &v);
    }
    /* a case either dialect cannot build goes back to what it was */
    struct mp_arena *tmp = mp_arena_new();
    struct mp_error e = {0};
    bool bad = false;
    for (int d = 0; d < MP_NDIALECTS && !bad; d++)
        bad = mp_gen_check_schema(tmp, c->start, (enum mp_dialect)d, &e) ||
              mp_gen_check_schema(tmp, c->desired, (enum mp_dialect)d, &e);
    mp_arena_free(tmp);
    if (bad) {
        c->start->ntables = nt0[0];
        c->desired->ntables = nt0[1];
        c->start->nobjects = no0[0];
        c->desired->nobjects = no0[1];
        c->renames.n = nren0;
        c->start->last_id = last0[0];
        c->desired->last_id = last0[1];
    }
}
