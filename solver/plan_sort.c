/* plan_sort.c - the planner's order: a deterministic pre-sort by (kind
 * priority, description), a heap-based stable topological sort, and loop
 * finding that returns a loop's members (after PostgreSQL's
 * src/bin/pg_dump/pg_dump_sort.c). */
#include "plan_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- the pre-sort ---- */

static int kind_priority(enum mp_op_kind k)
{
    /* pg_dump-style pre-sort: removals first, then renames, then additions;
     * the topological sort departs from it only where an edge demands. */
    static const int prio[MP_OP__COUNT] = {
        [MP_OP_DROP_FK] = 0, [MP_OP_DROP_UNIQUE] = 1, [MP_OP_DROP_INDEX] = 2,
        [MP_OP_RENAME_INDEX] = 3, [MP_OP_RENAME_TABLE] = 4, [MP_OP_RENAME_COLUMN] = 5,
        [MP_OP_DROP_COLUMN] = 6, [MP_OP_DROP_TABLE] = 7, [MP_OP_CREATE_TABLE] = 8,
        [MP_OP_ADD_COLUMN] = 9, [MP_OP_DROP_DEFAULT] = 10, [MP_OP_DROP_NOT_NULL] = 11,
        [MP_OP_ALTER_TYPE] = 12, [MP_OP_SET_DEFAULT] = 13, [MP_OP_SET_NOT_NULL] = 14,
        [MP_OP_ADD_UNIQUE] = 15, [MP_OP_ADD_INDEX] = 16, [MP_OP_ADD_FK] = 17,
        [MP_OP_ALTER_COLUMN_FEATURES] = 12, [MP_OP_SET_TABLE_OPTIONS] = 18,
        [MP_OP_DROP_SEQUENCE] = 19, [MP_OP_ALTER_SEQUENCE] = 20, [MP_OP_CREATE_SEQUENCE] = 21,
        /* objects go before the tables change and come back after */
        [MP_OP_DROP_OBJECT] = -1, [MP_OP_CREATE_OBJECT] = 18,
        [MP_OP_DROP_CHECK] = 1, [MP_OP_ADD_CHECK] = 15,
        /* after the new key's columns are NOT NULL, before keys that use it */
        [MP_OP_ALTER_PK] = 14,
    };
    return prio[k];
}

/* The pre-sort's order of nodes i and j. */
static int cmp_rank(const struct plan_ctx *x, long i, long j)
{
    const struct plan_node *a = &x->nodes[i], *b = &x->nodes[j];
    int pa = kind_priority(a->kind), pb = kind_priority(b->kind);
    if (pa != pb)
        return pa - pb;
    int c = strcmp(a->desc, b->desc);
    if (c)
        return c;
    if (a->half != b->half)
        return a->half - b->half;
    return (a->src > b->src) - (a->src < b->src);
}

static void describe_node(struct plan_ctx *x, struct plan_node *n)
{
    struct mp_buf b = {0};
    struct mp_op tmp = n->op ? *n->op : (struct mp_op){0}; /* repair steps have no change-set op */
    tmp.kind = n->kind;
    tmp.fk = n->fk;
    if (n->kind == MP_OP_DROP_FK || n->kind == MP_OP_ADD_FK)
        tmp.table = n->kind == MP_OP_DROP_FK ? x->tabs[n->t].start : x->tabs[n->t].final;
    if (n->kind == MP_OP_CREATE_TABLE)
        tmp.table = n->def->name;
    mp_op_describe(&b, &tmp);
    if (n->half)
        mp_buf_printf(&b, " (part %d, through \"%s\")", n->half, n->tmp);
    n->desc = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
}

/* Sort node indexes v[0..n) by cmp_rank(): a bottom-up merge sort, stable,
 * with the context passed down instead of a global (qsort_r() is a GNU
 * extension, and qsort() promises no order among equals). */
static void sort_by_rank(const struct plan_ctx *x, long *v, size_t n)
{
    long *tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp)
        mp_oom();
    long *src = v, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = cmp_rank(x, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        long *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
}

void mp_plan_rank(struct plan_ctx *x)
{
    for (size_t i = 0; i < x->nnodes; i++)
        if (!x->nodes[i].desc)
            describe_node(x, &x->nodes[i]);
    long *idx = malloc((x->nnodes + 1) * sizeof *idx);
    if (!idx)
        mp_oom();
    for (size_t i = 0; i < x->nnodes; i++)
        idx[i] = (long)i;
    sort_by_rank(x, idx, x->nnodes);
    for (size_t i = 0; i < x->nnodes; i++)
        x->nodes[idx[i]].rank = (long)i;
    free(idx);
}

/* ---- the topological sort ---- */

size_t mp_plan_topo_sort(struct plan_ctx *x, long *order, long *indeg)
{
    size_t n = x->nnodes;
    long *heap = malloc((n + 1) * sizeof *heap);
    long *start = calloc(n + 1, sizeof *start);
    long *adj = malloc((x->nedges + 1) * sizeof *adj);
    if (!heap || !start || !adj)
        mp_oom();
    memset(indeg, 0, n * sizeof *indeg);
    for (size_t i = 0; i < x->nedges; i++) {
        start[x->edges[i].from + 1]++;
        indeg[x->edges[i].to]++;
    }
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    long *fill = malloc((n + 1) * sizeof *fill);
    if (!fill)
        mp_oom();
    memcpy(fill, start, n * sizeof *fill);
    for (size_t i = 0; i < x->nedges; i++)
        adj[fill[x->edges[i].from]++] = x->edges[i].to;
    free(fill);
    size_t hn = 0, placed = 0;
#define RANK(v) (x->nodes[v].rank)
#define PUSH(v)                                                                   \
    do {                                                                          \
        size_t k_ = hn++;                                                         \
        heap[k_] = (v);                                                           \
        while (k_ && RANK(heap[(k_ - 1) / 2]) > RANK(heap[k_])) {                 \
            long t_ = heap[k_]; heap[k_] = heap[(k_ - 1) / 2]; heap[(k_ - 1) / 2] = t_; \
            k_ = (k_ - 1) / 2;                                                    \
        }                                                                         \
    } while (0)
    for (size_t i = 0; i < n; i++)
        if (indeg[i] == 0)
            PUSH((long)i);
    while (hn) {
        long v = heap[0];
        heap[0] = heap[--hn];
        for (size_t k = 0;;) {
            size_t l = 2 * k + 1, r = l + 1, m = k;
            if (l < hn && RANK(heap[l]) < RANK(heap[m])) m = l;
            if (r < hn && RANK(heap[r]) < RANK(heap[m])) m = r;
            if (m == k) break;
            long t = heap[k]; heap[k] = heap[m]; heap[m] = t;
            k = m;
        }
        order[placed++] = v;
        for (long e = start[v]; e < start[v + 1]; e++)
            if (--indeg[adj[e]] == 0)
                PUSH(adj[e]);
    }
#undef PUSH
#undef RANK
    free(heap);
    free(start);
    free(adj);
    return placed;
}

/* ---- loops ---- */

/* Find a loop among the nodes still having in-degree > 0: walk back along
 * incoming edges from such nodes until a node repeats. Returns its length;
 * members go to loop[]. */
static size_t find_loop(struct plan_ctx *x, const long *indeg, long *loop, const size_t *in_start,
                        const size_t *in_edges, bool *blocked)
{
    size_t n = x->nnodes;
    long first = -1;
    for (size_t i = 0; i < n; i++)
        if (indeg[i] > 0 && !blocked[i] && (first < 0 || x->nodes[i].rank < x->nodes[first].rank))
            first = (long)i;
    if (first < 0)
        return 0;
    long *seen = malloc(n * sizeof *seen);
    if (!seen)
        mp_oom();
    for (size_t i = 0; i < n; i++)
        seen[i] = -1;
    size_t len = 0;
    long v = first;
    for (;;) {
        while (v >= 0 && seen[v] < 0) {
            seen[v] = (long)len;
            loop[len++] = v;
            long pred = -1;
            for (size_t k = in_start[v]; k < in_start[v + 1]; k++) {
                long f = x->edges[in_edges[k]].from;
                if (indeg[f] > 0 && !blocked[f] && (pred < 0 || x->nodes[f].rank < x->nodes[pred].rank))
                    pred = f;
            }
            v = pred;
        }
        if (v >= 0 && seen[v] >= 0 && seen[v] != -2)
            break;
        /* the walk only leads into loops found before (or into a dead end):
         * its nodes wait on those, so skip them and walk from another node */
        for (size_t k = 0; k < len; k++) {
            blocked[loop[k]] = true;
            seen[loop[k]] = -2;
        }
        len = 0;
        v = -1;
        for (size_t i = 0; i < n; i++)
            if (indeg[i] > 0 && !blocked[i] && (v < 0 || x->nodes[i].rank < x->nodes[v].rank))
                v = (long)i;
        if (v < 0) {
            free(seen);
            return 0;
        }
    }
    size_t from = (size_t)seen[v];
    memmove(loop, loop + from, (len - from) * sizeof *loop);
    free(seen);
    return len - from;
}

size_t mp_plan_find_loops(struct plan_ctx *x, const long *indeg, long *loops, size_t *lens)
{
    size_t *in_start, *in_edges;
    mp_plan_incoming(x, &in_start, &in_edges);
    bool *blocked = calloc(x->nnodes + 1, sizeof *blocked);
    long *loop = malloc((x->nnodes + 1) * sizeof *loop);
    if (!blocked || !loop)
        mp_oom();
    size_t nl = 0, used = 0;
    for (;;) {
        size_t len = find_loop(x, indeg, loop, in_start, in_edges, blocked);
        if (!len)
            break;
        memcpy(loops + used, loop, len * sizeof *loop);
        lens[nl++] = len;
        used += len;
        for (size_t k = 0; k < len; k++)
            blocked[loop[k]] = true;
    }
    free(in_start);
    free(in_edges);
    free(blocked);
    free(loop);
    return nl;
}
