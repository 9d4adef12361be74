/* plan_int.h - the planner's private context, shared by its phase files
 * (plan_ident.c, plan_graph.c, plan_sort.c, plan_repair.c, plan_emit.c,
 * plan.c) and by tests/test_solver.c, which runs the phases one at a time;
 * not part of the solver's interface (plan.h is).
 *
 * The phases, in the order mp_plan_build() runs them:
 *   identities  every table and column the change set touches gets one
 *               number that survives renames (struct tab_id, struct col_id);
 *               each operation becomes a node naming those numbers;
 *   graph       each node's events (what it acquires, releases, makes,
 *               needs, uses, kills) become edges between nodes;
 *   sort        nodes are ranked by (kind priority, description) and
 *               topologically sorted, stably in that rank;
 *   repair      while the sort stalls, each loop found is repaired by the
 *               function for its shape, and the graph is rebuilt;
 *   emit        each node in order becomes a concrete step, named as its
 *               objects are named at that point, checked by the virtual
 *               schema and rendered as SQL.
 * All memory comes from the plan's arena except scratch arrays of one
 * phase, which are malloc'd and freed inside it. */
#ifndef MP_PLAN_INT_H
#define MP_PLAN_INT_H

#include "plan.h"

#include <stdint.h>

/* ---- identities ---- */

/* One column of a table identity.  Names, not model ids: a change set names
 * the objects it touches (ops.h), so its operations are resolved by name in
 * the start vocabulary (what is removed or renamed) or the desired one (what
 * is added); the identity is the column's index in tab_id.cols. */
struct col_id {
    const char *start, *final, *cur; /* start NULL: new; final NULL: dropped; cur: name now, while emitting */
};

/* One table identity: its index in plan_ctx.tabs.  Resolved by name, like
 * columns; the model's ids (model.h) cannot serve, since a change set's
 * operations carry names, and the objects they create exist only in it. */
struct tab_id {
    const char *start, *final, *cur;
    const struct mp_table *st;       /* the start table, NULL when created */
    struct col_id *cols;
    size_t ncols, capcols;
    long create_node, drop_node;     /* the CREATE / DROP TABLE node, or -1 */
};

/* A (folded name, table identity) pair of a sorted name index. */
struct name_ix {
    const char *key;
    long t;
};

/* ---- graph ---- */

/* What a node does to a resource; edges go REL -> ACQ / WAITFREE (a name is
 * freed before it is taken), MAKE -> NEED (an object exists before it is
 * used), USE -> KILL (an object is used before it goes). */
enum role { ACQ, REL, MAKE, NEED, USE, KILL, WAITFREE };

/* Kinds of resource, in the order of the letters that spelled them when
 * keys were strings ("C:t:c" < "N:t:name" < ...): keys keep that order, so
 * each step's comment lists its reasons in the order it always had. */
enum key_kind {
    K_COL,      /* a column: (table, column) */
    K_COLNAME,  /* a column name of a table: (table, name) */
    K_POS,      /* the added column before desired position v: (table, v) */
    K_REL,      /* a name in the relation namespace: (name) */
    K_TABLE,    /* a table: (table) */
    K_UNIQUE,   /* a unique key: (table, its columns sorted by identity) */
    K_TYPE,     /* the new type of a column: (table, column) */
    K_SHAPE,    /* a table as the objects that use it see it: (table) */
    K_OBJ,      /* a schema-level object: (name number of "<kind> <name>") */
    K_CONNAME,  /* a CHECK constraint name of a table (PostgreSQL): (table, name) */
    K_NOTNULL,  /* a column's NOT NULL, which a primary key needs: (table, column) */
    K_PKEY      /* a table's primary key as ALTER PRIMARY KEY leaves it: (table) */
};

/* A resource.  Built with identities and name numbers (mp_plan_name_id());
 * before the events are sorted, plan_graph.c turns every field into its
 * rank in the key order, so keys compare as integers. */
struct plan_key {
    enum key_kind kind;
    uint32_t t;            /* table identity (K_REL: 0) */
    uint32_t v;            /* column identity, position, or name number */
    uint32_t n;            /* K_UNIQUE: number of columns */
    uint32_t *cols;        /* K_UNIQUE: column identities, ascending */
};

/* A resource as the comments name it (mp_plan_res_text()): the key's
 * fields before they became ranks, and a name as written. */
struct plan_res {
    enum key_kind kind;
    long t, c;             /* table and column identities (K_COL, K_TYPE, K_NOTNULL, K_TABLE, K_UNIQUE, K_PKEY) */
    const char *name;      /* K_REL, K_COLNAME: the name; K_POS: the added column */
};

struct plan_ev {
    struct plan_key key;
    struct plan_res res;
    long node;
    enum role role;
};

struct plan_edge {
    long from, to;
    enum role from_role;
    struct plan_res res;  /* the resource, named by the `from` event */
};

/* One step to be: a change-set operation, a half of a rename split by a
 * repair, or a step a repair added. */
struct plan_node {
    long src;             /* change-set index, -1 for a repair step */
    enum mp_op_kind kind;
    int half;             /* renames: 0 whole, 1 old->tmp, 2 tmp->new */
    const char *tmp;
    long t;               /* table identity */
    long c;               /* column identity (column ops) */
    const struct mp_op *op; /* the change-set op in its vocabulary */
    struct mp_fk fk;      /* ADD/DROP FK, vocabulary of the kind */
    struct mp_table *def; /* CREATE TABLE: working copy */
    bool *detached;       /* DROP TABLE: start FKs already dropped by a repair step */
    const char *desc;     /* mp_op_describe() of the node, the pre-sort's tie-break; NULL: stale */
    long rank;            /* position in the pre-sort */
    int prev_pos;         /* ADD COLUMN: position of the previous added column of the table, or -1 */
};

struct plan_ctx {
    struct mp_arena *a;
    enum mp_dialect d;
    const struct mp_schema *start;
    struct mp_error *err;
    struct tab_id *tabs;
    size_t ntabs, captabs;
    struct plan_node *nodes;
    size_t nnodes, capnodes;
    struct plan_ev *evs;
    size_t nevs, capevs;
    struct plan_edge *edges;
    size_t nedges, capedges;
    int tmp_counter;
    int deferred_fks;     /* the start schema has INITIALLY DEFERRED foreign keys: 1, 0, -1 not yet known */
    /* names the graph's keys use, each once (folded for the dialect), and an
     * open-addressing hash of them: slot = number + 1, 0 empty */
    const char **names;
    size_t nnames, capnames;
    uint32_t *slots;
    size_t nslots;
    size_t nobjnodes;     /* CREATE / DROP OBJECT nodes (plan_objects.c) */
    /* sorted (folded name, table identity) pairs for mp_plan_tab_start/final */
    struct name_ix *ix_start, *ix_final;
    size_t nix_start, nix_final;
};

/* ---- plan_ident.c ---- */

/* `name` folded for the dialect's name comparison (SQLite: ASCII lower
 * case, a copy in x->a; PostgreSQL: `name` itself). */
const char *mp_plan_fold(struct plan_ctx *x, const char *name);

/* The table identity named `name` in the start / desired schema, or -1. */
long mp_plan_tab_start(struct plan_ctx *x, const char *name);
long mp_plan_tab_final(struct plan_ctx *x, const char *name);

/* The column identity of table t named `name` at the start / at the end, or -1. */
long mp_plan_col_start(struct plan_ctx *x, long t, const char *name);
long mp_plan_col_final(struct plan_ctx *x, long t, const char *name);

/* The table's name for comments: its desired name, or its start name when dropped. */
const char *mp_plan_tname(struct plan_ctx *x, long t);

/* Set MP_EINVAL "change set: <op>: <why>" (op NULL: a repair step); returns MP_EINVAL. */
int mp_plan_bad(struct plan_ctx *x, const struct mp_op *op, const char *why);

/* Build table and column identities from the start schema and the change
 * set (independent of the change set's order).  MP_EINVAL naming the
 * operation when it names an unknown object or contradicts itself. */
int mp_plan_resolve(struct plan_ctx *x, const struct mp_changeset *cs);

/* Append a node of kind k for change-set op `op` (index src; NULL and -1
 * for a repair step); returns it (valid until the next append). */
struct plan_node *mp_plan_add_node(struct plan_ctx *x, enum mp_op_kind k, long src, const struct mp_op *op);

/* One node per change-set operation, its table and column resolved.
 * MP_EINVAL naming the operation when one names an unknown object. */
int mp_plan_make_nodes(struct plan_ctx *x, const struct mp_changeset *cs);

/* ---- plan_graph.c ---- */

/* Rebuild x->evs and x->edges from the nodes as they are now.  MP_EINVAL
 * naming the operation when a foreign key or index names an unknown object. */
int mp_plan_build_graph(struct plan_ctx *x);

/* Incoming edges of every node as CSR: edges into v are
 * (*edges_out)[(*start_out)[v] .. (*start_out)[v+1]), in edge order.  Both
 * malloc'd; the caller frees them. */
void mp_plan_incoming(const struct plan_ctx *x, size_t **start_out, size_t **edges_out);

/* Append the resource as comments name it: table "post", column
 * "post"."title", name "ix_1", the unique key of "post", ... */
void mp_plan_res_text(struct mp_buf *b, struct plan_ctx *x, const struct plan_res *r);

/* Node `node` plays role r on the resource of kind k: (t, v) for the keys
 * of identities, `name` for K_REL and K_OBJ (v unused), and the name as
 * the comments write it.  For plan_objects.c. */
void mp_plan_ev(struct plan_ctx *x, long node, enum role r, enum key_kind k, long t, long v, const char *name);

/* ---- plan_objects.c ---- */

/* The events of a CREATE / DROP OBJECT node: its name (views: the relation
 * namespace too), the object itself, and what it uses - a table, its
 * columns and its shape (K_SHAPE), other objects of the plan it reads or
 * calls.  A DROP uses them (so it runs before whatever drops, renames or
 * changes them), a CREATE needs them (so it runs after). */
void mp_plan_object_events(struct plan_ctx *x, long ni);

/* The K_SHAPE events of a table node when the plan has object nodes: it
 * kills the shape objects saw and makes the new one. */
void mp_plan_shape_events(struct plan_ctx *x, long ni);

/* ---- plan_sort.c ---- */

/* Describe the nodes whose description is stale and rank all of them by
 * (kind priority, description, rename half, change-set index): the
 * deterministic pre-sort, after pg_dump_sort.c's sortDumpObjectsByTypeName. */
void mp_plan_rank(struct plan_ctx *x);

/* Kahn's algorithm with a binary min-heap on rank: of the ready nodes the
 * earliest in the pre-sort goes first, so the order is stable (pg_dump's
 * TopoSort).  order[] and indeg[] hold x->nnodes entries; returns how many
 * nodes were placed in order[]; the rest (indeg[v] > 0) wait on a loop. */
size_t mp_plan_topo_sort(struct plan_ctx *x, long *order, long *indeg);

/* After a stalled sort (indeg[] as mp_plan_topo_sort() left it): find
 * disjoint loops, each as its members in edge order, into loops[] (x->nnodes
 * entries at most, concatenated) with their lengths in lens[]; returns how
 * many loops were found (pg_dump's findDependencyLoops). */
size_t mp_plan_find_loops(struct plan_ctx *x, const long *indeg, long *loops, size_t *lens);

/* ---- plan_repair.c ---- */

/* Where a repair applies: a loop member and, for the foreign-key repairs,
 * which foreign key of its table definition (CREATE TABLE) or start table
 * (DROP TABLE). */
struct repair_site {
    long node;
    size_t fk;
};

/* A known loop shape, after pg_dump_sort.c's repairDependencyLoop(): `find`
 * looks for the shape among the loop's members and fills *site; `repair`
 * breaks the loop there by changing or adding nodes (node pointers taken
 * before it are stale after; the graph must be rebuilt). */
struct loop_shape {
    const char *name;
    bool (*find)(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site);
    void (*repair)(struct plan_ctx *x, const struct repair_site *site);
};

/* The shapes, tried in this order on each loop (the first that fits repairs it). */
extern const struct loop_shape mp_plan_loop_shapes[];
extern const size_t mp_plan_nloop_shapes;

/* A rename (table, column or index) in the loop, not yet split: a swap or
 * rotation of names, or a rename waiting on an object that waits for the
 * old name.  The repair splits it in two through a temporary name
 * "_mp_tmp_<n>" that no table, index, constraint or column of the plan
 * uses: part 1 renames to it (and frees the old name at once), part 2 to
 * the new name once that is free. */
bool mp_plan_find_rename(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site);
void mp_plan_repair_rename_cycle(struct plan_ctx *x, const struct repair_site *site);

/* A CREATE TABLE whose inline foreign key references a table that another
 * loop member creates or changes (mutually referencing new tables, say).
 * The repair moves the foreign key out into an ADD FOREIGN KEY node, which
 * then runs once both tables exist, as pg_dump makes a constraint that
 * closes a loop an object of its own (repairTableConstraintMultiLoop(); it
 * dumps foreign keys apart from their tables always). */
bool mp_plan_find_fk_in_create(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site);
void mp_plan_repair_fk_in_create_table(struct plan_ctx *x, const struct repair_site *site);

/* DROP TABLEs whose foreign keys reference each other: each keeps the
 * other's key alive until it goes.  The repair drops one of the foreign
 * keys first (a DROP FOREIGN KEY repair node, source -1). */
bool mp_plan_find_fk_around_drop(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site);
void mp_plan_repair_fk_around_drop(struct plan_ctx *x, const struct repair_site *site);

/* Repair one loop of `len` members by the first shape of
 * mp_plan_loop_shapes that fits.  MP_ECYCLE, the message listing the
 * members' descriptions, when none does (pg_dump warns "could not resolve
 * dependency loop among these items" and lists them). */
int mp_plan_repair(struct plan_ctx *x, const long *loop, size_t len);

/* ---- plan_emit.c ---- */

/* Render the nodes in `order` (all x->nnodes of them) as steps of p with
 * the names current at each step, validating each against p->final, and
 * record the dependency edges as p->deps.  MP_EINTERNAL when a step fails
 * the virtual schema. */
int mp_plan_emit_steps(struct plan_ctx *x, const long *order, struct mp_plan *p);

/* The schema-object operations of `cs` (sequences, mp_op_is_sequence_op()),
 * which no table operation of the model depends on, as steps after the
 * graph's: drops, then alterations, then creations, each by name.
 * MP_EINTERNAL when one fails the virtual schema. */
int mp_plan_emit_sequences(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p);

/* Render concrete step `op` (source index `src`, comment `why`) as the
 * next step of p, validated against p->final; MP_EINTERNAL when it fails
 * the virtual schema. */
int mp_plan_emit_op(struct plan_ctx *x, struct mp_plan *p, struct mp_op op, long src, const char *why);

/* ---- plan_type.c ---- */

/* The type steps of `cs` (mp_op_is_type_op()): with `drops` false the
 * creations and alterations, to run before the graph's steps (enums,
 * their labels and rebuilds, then domains); with `drops` true the DROP
 * TYPEs, after them (domains first).  MP_EINTERNAL when one fails the
 * virtual schema. */
int mp_plan_emit_types(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p, bool drops);

/* MP_EINVAL naming the label when a label that a step of `p` adds with
 * ALTER TYPE ... ADD VALUE appears as a literal in a later step's SQL:
 * PostgreSQL 12+ refuses an "unsafe use of new value" before the adding
 * transaction commits, and the plan is one transaction ("ALTER TYPE",
 * Notes). */
int mp_plan_check_new_labels(const struct mp_plan *p, struct mp_error *err);

/* What REBUILD ENUM step `op` takes away: "removes label 'x' of enum
 * "mood" (a row holding it fails the step)", in `a`; NULL when it only
 * reorders labels. */
const char *mp_plan_rebuild_loss(struct mp_arena *a, const struct mp_op *op);

/* The naive solver: the change set's operations in the order given, names
 * as written; objections of the virtual schema go to step->invalid. */
int mp_plan_emit_naive(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p);

#endif
