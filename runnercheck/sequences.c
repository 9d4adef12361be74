/* sequences.c - stateful testing of a runner: random command sequences
 * (add, up, down, edit / delete an applied file, add an older version, two
 * runners at once, kill a runner) checked after each command against a
 * model of a correct runner; a failing sequence is shrunk to its fewest
 * commands through the shrink core and kept as a replayable .runcase. */
#include "runnercheck_int.h"
#include "os.h"
#include "shrink_core.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const seq_names[MP_RC_NCMDS] = {"add", "up", "down", "edit-applied", "delete-applied",
                                                    "add-older", "two-runners", "kill-runner"};

const char *mp_rc_cmd_name(enum mp_rc_cmd cmd)
{
    return seq_names[cmd];
}

int mp_rc_cmd_parse(const char *name)
{
    for (int i = 0; i < MP_RC_NCMDS; i++)
        if (strcmp(seq_names[i], name) == 0)
            return i;
    return -1;
}

/* The model of a correct runner after the commands so far. */
struct seq_state {
    unsigned versions[64];       /* files present, ascending */
    size_t nfiles;
    size_t applied;              /* the model: the first `applied` files are applied */
    unsigned next;               /* next version to add */
};

static const char *mig_path(struct mp_rc *c, unsigned v)
{
    struct mp_migset set;
    struct mp_error e = {0};
    if (mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e))
        return NULL;
    const char *want = mp_arena_printf(c->a, "%u", v);
    for (size_t i = 0; i < set.n; i++)
        if (strcmp(set.v[i].version, want) == 0)
            return set.v[i].up.path;
    return NULL;
}

/* Remove every file of version v (up, down, or its directory). */
static void remove_mig(struct mp_rc *c, unsigned v)
{
    const char *f = mig_path(c, v);
    if (!f)
        return;
    unlink(f);
    size_t n = strlen(f);
    if (n > 7 && strcmp(f + n - 7, ".up.sql") == 0)
        unlink(mp_arena_printf(c->a, "%.*s.down.sql", (int)(n - 7), f));
    if (c->ad->style == MP_STYLE_DIESEL) {
        const char *slash = strrchr(f, '/');
        const char *dir = mp_arena_strndup(c->a, f, slash ? (size_t)(slash - f) : n);
        unlink(mp_arena_printf(c->a, "%s/down.sql", dir));
        rmdir(dir);
    }
}

static int add_file(struct mp_rc *c, unsigned v)
{
    return mp_rc_write_mig(c, v, "s", mp_arena_printf(c->a, "CREATE TABLE t%u (id integer PRIMARY KEY);\n"
                                                      "INSERT INTO migprop_runs VALUES (%u);\n", v, v),
                     mp_arena_printf(c->a, "DROP TABLE t%u;\nDELETE FROM migprop_runs WHERE v = %u;\n", v, v), false);
}

/* Does the database match the model?  Returns a description of the first
 * difference, or NULL. */
static const char *model_check(struct mp_rc *c, const struct seq_state *m)
{
    struct mp_error e = {0};
    const struct mp_schema *s = mp_rc_schema_now(c, &e);
    if (!s)
        return mp_arena_printf(c->a, "cannot read the schema: %s", e.msg);
    for (size_t i = 0; i < m->nfiles; i++) {
        bool there = mp_schema_table(s, c->d, mp_arena_printf(c->a, "t%u", m->versions[i])) != NULL;
        if (there != (i < m->applied))
            return mp_arena_printf(c->a, "migration %u should be %s but its table %s", m->versions[i],
                                   i < m->applied ? "applied" : "pending", there ? "exists" : "is missing");
    }
    long runs = mp_rc_count(c, "SELECT count(*) FROM migprop_runs");
    long distinct = mp_rc_count(c, "SELECT count(DISTINCT v) FROM migprop_runs");
    if (runs != (long)m->applied || distinct != (long)m->applied)
        return mp_arena_printf(c->a, "%zu migrations applied, but they ran %ld times (%ld distinct)", m->applied, runs,
                               distinct);
    return NULL;
}

/* Run `cmds` from scratch on a fresh database; NULL when the runner kept to
 * the model, else the violation (and *at the failing command). */
const char *mp_rc_sequence_run(struct mp_rc *c, const enum mp_rc_cmd *cmds, size_t n, uint64_t seed, size_t *at,
                               const char **output)
{
    struct mp_error e = {0};
    *output = "";
    if (mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, "CREATE TABLE migprop_runs (v integer NOT NULL);", &e))
        return mp_arena_printf(c->a, "setup: %s", e.msg);
    struct seq_state m = {.next = 10};
    struct mp_rng rng;
    mp_rng_seed(&rng, seed);
    const char *bad = NULL;
    for (size_t i = 0; i < n && !bad; i++) {
        *at = i;
        int st;
        switch (cmds[i]) {
        case MP_RC_ADD:
            if (m.nfiles < 60 && !add_file(c, m.next))
                m.versions[m.nfiles++] = m.next;
            m.next += 10;
            break;
        case MP_RC_UP:
            if (!m.nfiles)
                break; /* runners differ on an empty directory; not a finding */
            st = mp_rc_run(c, c->ad->up, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "up exited %d", st);
            m.applied = m.nfiles;
            break;
        case MP_RC_DOWN:
            if (!c->ad->down || !m.applied)
                break;
            st = mp_rc_run(c, c->ad->down, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "down exited %d", st);
            m.applied--;
            break;
        case MP_RC_EDIT:
        case MP_RC_DELETE: {
            if (!m.applied)
                break;
            const char *f = mig_path(c, m.versions[mp_rng_below(&rng, m.applied)]);
            if (!f)
                break;
            const char *saved = mp_arena_printf(c->a, "%s/saved.sql", c->work);
            if (mp_copy_file(f, saved, &e))
                break;
            if (cmds[i] == MP_RC_EDIT) {
                FILE *fp = fopen(f, "a");
                if (fp) {
                    fputs("\n-- edited after it was applied\n", fp);
                    fclose(fp);
                }
            } else {
                unlink(f);
            }
            st = mp_rc_run(c, c->ad->up, output);
            if (rename(saved, f) != 0)
                bad = "could not restore the file";
            if (st == 0 && !bad)
                bad = cmds[i] == MP_RC_EDIT ? "an applied migration was edited and up exited 0"
                                            : "an applied migration's file was deleted and up exited 0";
            break;
        }
        case MP_RC_OLDER: {
            if (!m.applied || m.versions[m.applied - 1] < 20 || m.applied < m.nfiles)
                break;
            unsigned v = m.versions[m.applied - 1] - 5;
            add_file(c, v);
            st = mp_rc_run(c, c->ad->up, output);
            remove_mig(c, v);
            if (st == 0)
                bad = mp_arena_printf(c->a, "migration %u, older than the newest applied one, was applied silently", v);
            break;
        }
        case MP_RC_CONCURRENT: {
            const char *cmd = mp_rc_expand(c, c->ad->up, true);
            pid_t p[2];
            for (int k = 0; k < 2; k++)
                p[k] = mp_rc_spawn(c, cmd, NULL, false);
            int okc = 0;
            for (int k = 0; k < 2; k++) {
                int ws = 0;
                waitpid(p[k], &ws, 0);
                okc += WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
            }
            *output = mp_arena_printf(c->a, "$ (two at once) %s", cmd);
            if (okc != 2)
                bad = mp_arena_printf(c->a, "two runners at once: %d exited 0", okc);
            m.applied = m.nfiles;
            break;
        }
        case MP_RC_KILL: {
            if (m.applied == m.nfiles)
                break;
            const char *cmd = mp_rc_expand(c, c->ad->up, true);
            pid_t p = mp_rc_spawn(c, cmd, NULL, true);
            struct timespec ts = {0, (long)mp_rng_below(&rng, 30) * 1000 * 1000};
            nanosleep(&ts, NULL);
            kill(-p, SIGKILL);
            kill(p, SIGKILL);
            waitpid(p, NULL, 0);
            /* whatever the kill interrupted, the next run must finish the job */
            st = mp_rc_run(c, c->ad->up, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "after a runner was killed, up exited %d", st);
            m.applied = m.nfiles;
            break;
        }
        default:
            break;
        }
        if (!bad && cmds[i] != MP_RC_ADD)
            bad = model_check(c, &m);
    }
    mp_rc_drop_db(c);
    return bad;
}

static const char *seq_text(struct mp_rc *c, const enum mp_rc_cmd *cmds, size_t n)
{
    struct mp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        mp_buf_printf(&b, "%s%s", i ? " " : "", seq_names[cmds[i]]);
    const char *r = mp_arena_strdup(c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* A sequence being shrunk: its first `len` commands fail with `bad`. */
struct seq_cand {
    enum mp_rc_cmd *cmds;
    size_t len;
    const char *bad, *out;
};

struct seq_env {
    struct mp_rc *c;
    uint64_t seed;
    const char *kind;            /* the violation's text up to its first digit */
};

/* The one tactic: drop command i (never the last, which fails). */
static enum mp_shrink_res seq_shrink(const void *cand, size_t tactic, uint64_t i, void **out, void *env)
{
    const struct seq_cand *sc = cand;
    struct mp_arena *a = ((struct seq_env *)env)->c->a;
    (void)tactic;
    if (i + 1 >= sc->len)
        return MP_SHRINK_NO_MORE;
    struct seq_cand *n = mp_arena_alloc(a, sizeof *n);
    n->cmds = mp_arena_alloc(a, (sc->len + 1) * sizeof *n->cmds);
    memcpy(n->cmds, sc->cmds, i * sizeof *n->cmds);
    memcpy(n->cmds + i, sc->cmds + i + 1, (sc->len - i - 1) * sizeof *n->cmds);
    n->len = sc->len - 1;
    n->bad = n->out = NULL;
    *out = n;
    return MP_SHRINK_OK;
}

/* Run the candidate: the same kind of violation?  It keeps the commands up
 * to the one that failed. */
static bool seq_same_failure(void *cand, void *env)
{
    struct seq_cand *sc = cand;
    struct seq_env *e = env;
    size_t at;
    const char *out;
    const char *bad = mp_rc_sequence_run(e->c, sc->cmds, sc->len, e->seed, &at, &out);
    if (!bad || strncmp(bad, e->kind, strlen(e->kind)) != 0)
        return false;
    sc->len = at + 1;
    sc->bad = bad;
    sc->out = out;
    return true;
}

/* Candidates live in the context's arena: nothing to copy or free. */
static const struct mp_shrink_type seq_type = {
    .ntactics = 1,
    .shrink = seq_shrink,
    .same_failure = seq_same_failure,
};

int mp_rc_check_sequences(struct mp_rc *c, unsigned rounds, uint64_t seed)
{
    size_t before = c->nf;
    for (unsigned r = 0; r < rounds && c->nf == before; r++) {
        struct mp_rng rng;
        uint64_t s = mp_trial_seed(seed ^ 0x5e9u, r);
        mp_rng_seed(&rng, s);
        size_t n = 8 + (size_t)mp_rng_below(&rng, 12);
        enum mp_rc_cmd *cmds = mp_arena_alloc(c->a, (n + 1) * sizeof *cmds);
        for (size_t i = 0; i < n; i++) {
            /* adds and ups most often, everything else now and then */
            static const enum mp_rc_cmd weights[] = {MP_RC_ADD,  MP_RC_ADD,   MP_RC_ADD,        MP_RC_UP,
                                                     MP_RC_UP,   MP_RC_DOWN,  MP_RC_EDIT,       MP_RC_DELETE,
                                                     MP_RC_OLDER, MP_RC_CONCURRENT, MP_RC_KILL};
            cmds[i] = weights[mp_rng_below(&rng, sizeof weights / sizeof *weights)];
        }
        size_t at;
        const char *out;
        const char *bad = mp_rc_sequence_run(c, cmds, n, s, &at, &out);
        if (!bad)
            continue;
        /* shrink: drop commands while the same kind of violation remains */
        struct seq_cand start = {cmds, at + 1, bad, out};
        struct seq_env env = {c, s, mp_arena_strndup(c->a, bad, strcspn(bad, "0123456789"))};
        static const struct mp_shrink_budget unlimited = {-1, -1}; /* a sequence has at most 19 commands */
        const struct seq_cand *best = mp_shrink_search(&seq_type, &start, &unlimited, &env, NULL);
        cmds = best->cmds;
        size_t len = best->len;
        bad = best->bad;
        out = best->out;
        /* keep it replayable */
        const char *seq = seq_text(c, cmds, len);
        mp_rc_finding(c, "sequence", mp_arena_printf(c->a, "%s after: %s", bad, seq), out);
        const char *casefile = mp_arena_printf(c->a, "%s/sequence.runcase", c->f[c->nf - 1].repro);
        FILE *f = fopen(casefile, "w");
        if (f) {
            fprintf(f, "# migprop runner sequence: migprop replay FILE re-runs it\nrunner: %s\nbackend: %s\n"
                       "seed: 0x%016llx\ncommands: %s\n",
                    c->ad->name, mp_dialect_name(c->d), (unsigned long long)s, seq);
            fclose(f);
        }
    }
    mp_rc_point(c, "sequence", before);
    return 0;
}
