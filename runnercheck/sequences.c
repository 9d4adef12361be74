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
                               const char **output, bool keep)
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
            struct mp_rc_mig *f = mp_rc_mig_find(c, m.versions[mp_rng_below(&rng, m.applied)]);
            if (!f)
                break;
            struct mp_rc_mig saved = *f;
            if (cmds[i] == MP_RC_EDIT) {
                if (mp_rc_mig_edit(c, f))
                    bad = "could not edit the file";
            } else {
                mp_rc_mig_delete(c, f);
            }
            st = mp_rc_run(c, c->ad->up, output);
            /* put the file back as it was */
            if (mp_rc_write_mig_raw(c, saved.v, saved.version, saved.name, saved.up, saved.down, saved.notx))
                bad = "could not restore the file";
            mp_buf_printf(&c->log, "# runner-check restored migration %s\n", saved.version);
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
            struct mp_rc_mig *older = mp_rc_mig_find(c, v);
            if (older)
                mp_rc_mig_delete(c, older);
            if (st == 0)
                bad = mp_arena_printf(c->a, "migration %u, older than the newest applied one, was applied silently", v);
            break;
        }
        case MP_RC_CONCURRENT: {
            if (!m.nfiles)
                break; /* as up: runners differ on an empty directory; not a finding */
            const char *cmd = mp_rc_expand(c, c->ad->up, true);
            mp_buf_printf(&c->log, "%s &\n%s\n", c->ad->up, c->ad->up);
            int okc;
            mp_rc_run_together(c, cmd, 2, &okc, NULL);
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
            pid_t p = mp_rc_spawn(c, cmd, NULL, true, NULL);
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
    if (!keep)
        mp_rc_drop_db(c);
    return bad;
}

bool mp_rc_seq_racy(const enum mp_rc_cmd *cmds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cmds[i] == MP_RC_CONCURRENT || cmds[i] == MP_RC_KILL)
            return true;
    return false;
}

const char *mp_rc_normalize(struct mp_arena *a, const char *msg)
{
    struct mp_buf b = {0};
    for (const char *p = msg; *p;) {
        if (*p >= '0' && *p <= '9') {
            while (*p >= '0' && *p <= '9')
                p++;
            mp_buf_addc(&b, 'N');
        } else if (*p == '/' && (p == msg || p[-1] == ' ' || p[-1] == '\'' || p[-1] == '"')) {
            while (*p && *p != ' ' && *p != '\'' && *p != '"' && *p != ':' && *p != '\n')
                p++;
            mp_buf_add(&b, "PATH");
        } else {
            mp_buf_addc(&b, *p++);
        }
    }
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
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

/* The failure a candidate must reproduce to be accepted: the same
 * command kind failing with the same message once numbers and paths are
 * normalized (mp_rc_normalize).  A looser test (the message's prefix)
 * once shrank a real failure of five commands into a runner's refusal of
 * an empty directory, a different bug. */
struct seq_env {
    struct mp_rc *c;
    uint64_t seed;
    const char *kind;            /* the normalized violation */
    enum mp_rc_cmd cmd;          /* the command that failed */
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
    const char *bad = mp_rc_sequence_run(e->c, sc->cmds, sc->len, e->seed, &at, &out, false);
    if (!bad || sc->cmds[at] != e->cmd || strcmp(mp_rc_normalize(e->c->a, bad), e->kind) != 0)
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
        const char *bad = mp_rc_sequence_run(c, cmds, n, s, &at, &out, false);
        if (!bad)
            continue;
        /* shrink: drop commands while the same kind of violation remains */
        struct seq_cand start = {cmds, at + 1, bad, out};
        struct seq_env env = {c, s, mp_rc_normalize(c->a, bad), cmds[at]};
        static const struct mp_shrink_budget unlimited = {-1, -1}; /* a sequence has at most 19 commands */
        const struct seq_cand *best = mp_shrink_search(&seq_type, &start, &unlimited, &env, NULL);
        cmds = best->cmds;
        size_t len = best->len;
        bad = best->bad;
        out = best->out;
        /* run it again and keep a failing run's files and database: the
         * last shrink attempt's are those of a candidate that was refused.
         * With runners at once the outcome varies: c->rounds runs, and
         * the finding gives the rate. */
        bool racy = mp_rc_seq_racy(cmds, len);
        unsigned reruns = racy ? (c->rounds ? c->rounds : 1) : 1, nfail = 0;
        long kept = -1;
        const char *seq = seq_text(c, cmds, len);
        for (unsigned k = 0; k < reruns; k++) {
            size_t at2;
            const char *out2;
            const char *bad2 = mp_rc_sequence_run(c, cmds, len, s, &at2, &out2, true);
            bool same = bad2 && at2 + 1 == len && cmds[at2] == env.cmd && strcmp(mp_rc_normalize(c->a, bad2), env.kind) == 0;
            nfail += same;
            if (same && kept < 0) {
                kept = (long)c->nf;
                mp_rc_finding(c, "sequence", mp_arena_printf(c->a, "%s after: %s", bad2, seq), out2);
            }
            mp_rc_drop_db(c);
        }
        if (kept < 0) {
            kept = (long)c->nf;
            mp_rc_finding(c, "sequence", mp_arena_printf(c->a, "%s after: %s", bad, seq), out);
        }
        if (racy)
            c->f[kept].what = mp_arena_printf(c->a, "%s (failed in %u/%u re-runs)", c->f[kept].what, nfail, reruns);
        else if (!nfail)
            c->f[kept].what = mp_arena_printf(c->a, "%s (the final re-run passed)", c->f[kept].what);
        const char *casefile = mp_arena_printf(c->a, "%s/sequence.runcase", c->f[kept].repro);
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
