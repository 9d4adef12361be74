/* differ_check.c - the `migprop differ-check` command (see differ.h): the
 * trials on each backend, a failing pair shrunk per check and kept with a
 * repro.sh, the report and the findings table. */
#include "differ.h"
#include "differ_int.h"
#include "os.h"
#include "pgcluster.h"
#include "report.h"
#include "shrink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const check_what[MP_DC_NCHECKS] = {
    "the tool crashed or exited with a status its adapter does not list as success (exit_ok), and did not say "
    "it cannot express the change",
    "the tool's SQL does not apply to FROM (one transaction, stopping at the first error): the statement and the "
    "database's error",
    "FROM after the SQL differs from TO in canonical form (column order aside), with the canonical diff",
    "a row of a start table the change set keeps, in the columns kept under their names, changed or vanished",
    "a table or column renamed between FROM and TO (per migprop's change set) lost its data: the rows do not "
    "survive under the new name (a drop plus an add)",
};

void mp_differ_check_list(FILE *out)
{
    for (int k = 0; k < MP_DC_NCHECKS; k++)
        fprintf(out, "%-20s %s\n", mp_dc_check_name((enum mp_dc_check)k), check_what[k]);
}

/* How a shrink candidate is tried: the same check with the same kind. */
struct shrink_env {
    struct mp_dc *x;
    enum mp_dc_check k;
    const char *kind;
    struct mp_dc_result best;    /* the last candidate that still failed */
    bool trouble;                /* a trial failed on our side */
};

static bool still_fails(const struct mp_case *cs, const struct mp_dataset *data, void *env)
{
    struct shrink_env *s = env;
    struct mp_dc_result r;
    if (mp_dc_trial(s->x, cs, data, &r)) {
        s->trouble = true;
        return false;
    }
    if (!r.found[s->k] || strcmp(r.kind[s->k], s->kind) != 0)
        return false;
    s->best = r;
    return true;
}

/* "2 tables, 5 columns, 3 rows -> 2 tables; 2 changes": the size of a pair. */
static const char *pair_size(struct mp_arena *a, const struct mp_case *cs, const struct mp_dataset *data,
                             enum mp_dialect d)
{
    size_t cols = 0, rows = 0;
    for (size_t i = 0; i < cs->start->ntables; i++)
        cols += cs->start->tables[i]->ncols;
    for (size_t i = 0; i < data->n; i++)
        rows += data->v[i].nrows;
    struct mp_changeset ch = {0};
    struct mp_error e = {0};
    size_t nch = mp_diff(a, cs->start, cs->desired, &cs->renames, d, &ch, &e) ? 0 : ch.n;
    return mp_arena_printf(a, "FROM %zu table%s, %zu column%s, %zu row%s; TO %zu table%s; %zu change%s",
                           cs->start->ntables, cs->start->ntables == 1 ? "" : "s", cols, cols == 1 ? "" : "s", rows,
                           rows == 1 ? "" : "s", cs->desired->ntables, cs->desired->ntables == 1 ? "" : "s", nch,
                           nch == 1 ? "" : "s");
}

/* repro.sh: both databases made from FROM.sql + rows.sql and TO.sql, the
 * tool run as differ-check ran it, its SQL applied to FROM in one
 * transaction, and both schemas printed by `migprop schema` and compared. */
static int write_repro_sh(struct mp_dc *x, const char *dir, struct mp_error *err)
{
    struct mp_rc *c = &x->c;
    struct mp_buf b = {0};
    bool pg = c->d == MP_POSTGRES;
    mp_buf_printf(&b, "#!/bin/sh\n# Re-run by hand what differ-check did to %s on %s: FROM (FROM.sql and\n"
                      "# rows.sql) and TO (TO.sql) in fresh databases, the tool, its SQL (tool.sql) applied\n"
                      "# to FROM in one transaction, then both schemas compared.\nset -u\n"
                      "here=$(cd \"$(dirname \"$0\")\" && pwd)\nmigprop=\"${MIGPROP:-migprop}\"\ndialect=%s\n"
                      "from_file=\"$here/FROM.sql\"\nto_file=\"$here/TO.sql\"\nrenames_file=\"$here/renames.txt\"\n",
                  x->ad->name, mp_dialect_name(c->d), mp_dialect_name(c->d));
    if (pg) {
        mp_buf_add(&b, "host=\"${PGHOST:-/var/run/postgresql}\"\nuser=\"${PGUSER:-postgres}\"\npath=\n"
                       "for db in migprop_from migprop_to; do\n"
                       "  psql -X -q -h \"$host\" -U \"$user\" -d postgres -c \"DROP DATABASE IF EXISTS $db\" "
                       "-c \"CREATE DATABASE $db\" || exit 2\ndone\n"
                       "psql -X -q -v ON_ERROR_STOP=1 -h \"$host\" -U \"$user\" -d migprop_from -f \"$from_file\" "
                       "-f \"$here/rows.sql\" || exit 2\n"
                       "psql -X -q -v ON_ERROR_STOP=1 -h \"$host\" -U \"$user\" -d migprop_to -f \"$to_file\" || exit 2\n"
                       "db=migprop_from\nfrom_url=");
        mp_rc_sh_template(&b, x->ad->url[c->d]);
        mp_buf_add(&b, "\ndb=migprop_to\nto_url=");
        mp_rc_sh_template(&b, x->ad->url[c->d]);
        mp_buf_add(&b, "\nfrom_db=\"host=$host user=$user dbname=migprop_from\"\n"
                       "to_db=\"host=$host user=$user dbname=migprop_to\"\n");
    } else {
        mp_buf_add(&b, "host=\nuser=\nrm -f \"$here/from.sqlite\" \"$here/to.sqlite\"\n"
                       "cat \"$from_file\" \"$here/rows.sql\" | sqlite3 \"$here/from.sqlite\" || exit 2\n"
                       "sqlite3 \"$here/to.sqlite\" <\"$to_file\" || exit 2\n"
                       "db=\"$here/from.sqlite\"\npath=\"$db\"\nfrom_url=");
        mp_rc_sh_template(&b, x->ad->url[c->d]);
        mp_buf_add(&b, "\ndb=\"$here/to.sqlite\"\npath=\"$db\"\nto_url=");
        mp_rc_sh_template(&b, x->ad->url[c->d]);
        mp_buf_add(&b, "\nfrom_db=\"sqlite:$here/from.sqlite\"\nto_db=\"sqlite:$here/to.sqlite\"\n");
    }
    mp_buf_add(&b, "export DATABASE_URL=\"$to_url\"\n");
    mp_rc_sh_template(&b, x->cmd);
    mp_buf_add(&b, " >\"$here/out.sql\"\necho \"+ the tool exited $?\"\n");
    if (pg)
        mp_buf_add(&b, "psql -X -q -1 -v ON_ERROR_STOP=1 -h \"$host\" -U \"$user\" -d migprop_from -f \"$here/out.sql\"\n");
    else
        mp_buf_add(&b, "sqlite3 -bail \"$here/from.sqlite\" <\"$here/out.sql\"\n");
    mp_buf_add(&b, "echo \"+ applying the SQL exited $?\"\n"
                   "\"$migprop\" schema --db \"$to_db\" >\"$here/to.schema\"\n"
                   "\"$migprop\" schema --db \"$from_db\" >\"$here/from-after.schema\"\n"
                   "diff -u \"$here/to.schema\" \"$here/from-after.schema\" && echo \"+ FROM after the SQL equals TO\"\n");
    const char *path = mp_arena_printf(c->a, "%s/repro.sh", dir);
    int rc = mp_rc_write_text(path, mp_buf_str(&b), err);
    mp_buf_free(&b);
    if (!rc)
        chmod(path, 0755);
    return rc;
}

/* Keep a finding's pair under out_dir; the folder's path (or a note). */
static const char *keep_repro(struct mp_dc *x, const char *check, const struct mp_dc_result *r, const char *what,
                              size_t nth)
{
    struct mp_rc *c = &x->c;
    struct mp_arena *a = c->a;
    const char *dir = mp_arena_printf(a, "%s/%s-%s-%s-%zu", c->out_dir, x->ad->name, mp_dialect_name(c->d), check, nth);
    struct mp_error e = {0};
    static const char *const names[] = {"FROM.sql", "TO.sql", "rows.sql", "renames.txt", "tool.sql", "tool.stderr",
                                        "README"};
    const char *texts[] = {r->from_sql, r->to_sql, r->rows_sql, r->renames_txt, r->sql ? r->sql : "",
                           r->err ? r->err : "",
                           mp_arena_printf(a, "tool: %s\nbackend: %s\ncheck: %s\ncommand: %s\nexit: %d\n\n%s\n",
                                           x->ad->name, mp_dialect_name(c->d), check, r->cmd ? r->cmd : x->cmd,
                                           r->exit, what)};
    int rc = mp_rmtree(dir, &e);
    if (!rc)
        rc = mp_mkdir_p(dir, &e);
    for (size_t i = 0; i < sizeof names / sizeof *names && !rc; i++)
        rc = mp_rc_write_text(mp_arena_printf(a, "%s/%s", dir, names[i]), texts[i], &e);
    if (!rc)
        rc = write_repro_sh(x, dir, &e);
    if (rc) {
        fprintf(stderr, "migprop differ-check: %s\n", e.msg);
        return "(could not be kept)";
    }
    return dir;
}

/* What one backend's run adds up to. */
struct tally {
    unsigned long trials, unsupported, discarded;
    long first_unsupported;      /* trial number, or -1 */
    double seconds;
};

/* Shrink trial k's finding of check `ck` (r) and record it. */
static int record(struct mp_dc *x, const struct mp_differ_check_config *o, unsigned long k, enum mp_dc_check ck,
                  const struct mp_case *cs, const struct mp_dataset *data, const struct mp_dc_result *r)
{
    struct mp_rc *c = &x->c;
    struct mp_arena *a = c->a;
    struct shrink_env env = {.x = x, .k = ck, .kind = r->kind[ck], .best = *r};
    struct mp_shrink_result sr = {.c = *cs, .data = *data};
    if (o->shrink_steps != 0) {
        struct mp_case_check chk = {still_fails, &env};
        struct mp_shrink_budget budget = {o->shrink_seconds, o->shrink_steps > 0 ? o->shrink_steps : 0};
        mp_shrink_case(a, cs, data, c->d, &chk, &budget, &sr);
        if (env.trouble)
            return 2;
    }
    const char *what = env.best.what[ck];
    const char *summary = mp_arena_printf(a, "trial %lu: %.*s [shrunk in %ld steps to %s]", k,
                                          (int)strcspn(what, "\n"), what, sr.steps, pair_size(a, &sr.c, &sr.data, c->d));
    const char *rest = strchr(what, '\n');
    const char *full = rest ? mp_arena_printf(a, "%s%s", summary, rest) : summary;
    const char *dir = keep_repro(x, mp_dc_check_name(ck), &env.best, full, c->nf + 1);
    struct mp_rc_finding *f = MP_PUSH(a, c->f, c->nf, c->capf);
    f->check = mp_dc_check_name(ck);
    f->what = full;
    f->repro = dir;
    f->output = env.best.sql ? env.best.sql : "";
    return 0;
}

/* The trials of one backend.  0, or 2 on trouble of our own. */
static int run_backend(struct mp_dc *x, const struct mp_differ_check_config *o, struct tally *t)
{
    struct mp_rc *c = &x->c;
    struct mp_arena *a = c->a;
    double t0 = mp_now();
    bool have[MP_DC_NCHECKS] = {false};
    size_t wanted = 0, got = 0;
    for (int k = 0; k < MP_DC_NCHECKS; k++)
        wanted += mp_rc_list_has(o->checks, mp_dc_check_name((enum mp_dc_check)k));
    t->first_unsupported = -1;
    for (unsigned long k = 0; k < o->iterations && got < wanted; k++) {
        uint64_t ts = mp_trial_seed(o->seed, k);
        struct mp_rng rng;
        mp_rng_seed(&rng, ts);
        struct mp_case cs;
        struct mp_error e = {0};
        if (mp_gen_case(a, &rng, mp_gen_size(k), &cs, &e)) {
            fprintf(stderr, "migprop differ-check: %s\n", e.msg);
            return 2;
        }
        /* the rows as check and runner-check make them */
        struct mp_rng drng;
        mp_rng_seed(&drng, ts ^ 0xda7ada7ada7ada7aULL);
        struct mp_dataset data;
        mp_data_gen(a, &drng, cs.start, cs.desired, &cs.renames, 3, &data);
        struct mp_dc_result r;
        if (mp_dc_trial(x, &cs, &data, &r))
            return 2;
        t->trials++;
        if (r.discarded) {
            t->discarded++;
            continue;
        }
        if (r.unsupported) {
            if (t->first_unsupported < 0)
                t->first_unsupported = (long)k;
            t->unsupported++;
            continue;
        }
        for (int ck = 0; ck < MP_DC_NCHECKS; ck++) {
            if (!r.found[ck] || have[ck] || !mp_rc_list_has(o->checks, mp_dc_check_name((enum mp_dc_check)ck)))
                continue;
            have[ck] = true;
            got++;
            if (record(x, o, k, (enum mp_dc_check)ck, &cs, &data, &r))
                return 2;
        }
    }
    t->seconds = mp_now() - t0;
    return 0;
}

/* One point per selected check of a backend. */
static void report_points(struct mp_reporter *rep, struct mp_dc *x, const struct mp_differ_check_config *o,
                          const struct tally *t)
{
    struct mp_rc *c = &x->c;
    struct mp_arena *a = c->a;
    const char *where = mp_arena_printf(a, "%s %s", x->ad->name, mp_dialect_name(c->d));
    for (int k = 0; k < MP_DC_NCHECKS; k++) {
        const char *name = mp_dc_check_name((enum mp_dc_check)k);
        if (!mp_rc_list_has(o->checks, name))
            continue;
        const struct mp_rc_finding *f = NULL;
        for (size_t i = 0; i < c->nf && !f; i++)
            if (strcmp(c->f[i].check, name) == 0)
                f = &c->f[i];
        struct mp_report_point p = {.result = f ? MP_POINT_FAIL : MP_POINT_PASS, .name = name, .where = where,
                                    .seconds = t->seconds / MP_DC_NCHECKS};
        struct mp_report_field diag[2];
        if (f) {
            diag[0] = (struct mp_report_field){"message", f->what, MP_FIELD_BLOCK};
            diag[1] = (struct mp_report_field){"repro", f->repro, MP_FIELD_DQUOTED};
            p.diag = diag;
            p.ndiag = 2;
            p.message = f->what;
            p.human_text = mp_arena_printf(a, "\n== %s on %s ==\n%s\nrepro: %s\n", name, where, f->what, f->repro);
            p.note = "1 finding";
        } else {
            p.note = mp_arena_printf(a, "%lu trials", t->trials - t->discarded - t->unsupported);
        }
        mp_reporter_point(rep, &p);
    }
}

/* The tool: from `adapter_file` if given, else the profile `differ`. */
static int load_adapter(struct mp_arena *a, const struct mp_differ_check_config *o, struct mp_dc_adapter *out,
                        struct mp_error *err)
{
    if (o->adapter_file)
        return mp_dc_adapter_read(a, o->adapter_file, out, err);
    if (mp_dc_profile(o->differ, out))
        return mp_error_set(err, MP_EINVAL, "unknown differ '%s' (built-in: %s); or give --adapter FILE",
                            o->differ ? o->differ : "", mp_dc_profile_names());
    return 0;
}

int mp_differ_check_run(const struct mp_differ_check_config *o)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_dc_adapter ad;
    struct mp_reporter *rep = NULL;
    struct mp_rc_expect exp = {0};
    char *work = NULL;
    const char *self;
    int status = 0;
    size_t unexpected = 0;
    const char *names[MP_DC_NCHECKS];
    for (int k = 0; k < MP_DC_NCHECKS; k++)
        names[k] = mp_dc_check_name((enum mp_dc_check)k);
    const char *bad_check = mp_rc_list_unknown(a, o->checks, names, MP_DC_NCHECKS);
    if (bad_check) {
        fprintf(stderr, "migprop differ-check: unknown check '%s' (see --list)\n", bad_check);
        status = 2;
        goto out;
    }
    if (load_adapter(a, o, &ad, &err) || mp_rc_expect_read(a, o->expect_file, &exp, &err) ||
        mp_rc_workspace(a, "migprop-dc-", &work, &self, &err)) {
        fprintf(stderr, "migprop differ-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    const struct mp_report_meta meta = {
        .title = mp_arena_printf(a, "migprop %s differ-check of %s, seed 0x%016" PRIx64 ", %lu pairs", MIGPROP_VERSION,
                                 ad.name, o->seed, o->iterations),
        .suite = mp_arena_printf(a, "differ-check %s", ad.name),
        .all_passed = "no findings"};
    if (mp_reporter_open(&rep, (enum mp_format)o->format, o->out ? o->out : stdout, &meta)) {
        status = 2;
        goto out;
    }
    struct mp_rc_finding *all = NULL;
    const char **all_backend = NULL;
    size_t nall = 0, capall = 0, nb = 0, capb = 0;
    struct mp_buf notes = {0};
    for (int d = 0; d < MP_NDIALECTS && status != 2; d++) {
        if ((d == MP_SQLITE && strcmp(o->backend, "postgres") == 0) ||
            (d == MP_POSTGRES && strcmp(o->backend, "sqlite") == 0) || !ad.backend[d])
            continue;
        struct mp_dc x = {.ad = &ad, .cmd = mp_dc_command(a, &ad)};
        x.rcad = (struct mp_rc_adapter){.name = ad.name};
        x.rcad.url[MP_SQLITE] = ad.url[MP_SQLITE];
        x.rcad.url[MP_POSTGRES] = ad.url[MP_POSTGRES];
        x.c = (struct mp_rc){.a = a, .ad = &x.rcad, .d = (enum mp_dialect)d, .work = work, .out_dir = o->out_dir,
                             .self = self, .user = "postgres", .rep = rep};
        struct mp_pgcluster *cl = NULL;
        if (d == MP_POSTGRES && mp_rc_connect_pg(&x.c, o->pg_url, &cl, &err)) {
            fprintf(stderr, "migprop differ-check: %s\n", err.msg);
            status = 2;
            break;
        }
        struct tally t = {0};
        if (run_backend(&x, o, &t))
            status = 2;
        mp_pgcluster_stop(cl);
        report_points(rep, &x, o, &t);
        mp_buf_printf(&notes, "%s on %s: %lu trials in %.1f s, %zu finding%s", ad.name, mp_dialect_name(x.c.d),
                      t.trials, t.seconds, x.c.nf, x.c.nf == 1 ? "" : "s");
        if (t.unsupported)
            mp_buf_printf(&notes, "; %lu not expressible by the tool (it said so; no finding), the first trial %ld",
                          t.unsupported, t.first_unsupported);
        if (t.discarded)
            mp_buf_printf(&notes, "; %lu pairs the backend refused (discarded)", t.discarded);
        mp_buf_addc(&notes, '\n');
        for (size_t i = 0; i < x.c.nf; i++) {
            *MP_PUSH(a, all, nall, capall) = x.c.f[i];
            *MP_PUSH(a, all_backend, nb, capb) = mp_dialect_name((enum mp_dialect)d);
        }
    }
    mp_reporter_plan(rep, mp_reporter_points(rep));
    if (notes.len)
        mp_reporter_comment(rep, "%.*s", (int)notes.len - 1, mp_buf_str(&notes));
    mp_buf_free(&notes);
    unexpected = mp_rc_findings_table(rep, a, ad.name, all, all_backend, nall, &exp);
out:
    if (mp_reporter_close(rep) && !status)
        status = 2;
    if (work && mp_rmtree(work, &err))
        fprintf(stderr, "migprop differ-check: could not remove %s: %s\n", work, err.msg);
    free(work);
    mp_arena_free(a);
    if (status == 2)
        return 2;
    return unexpected ? 1 : 0;
}
