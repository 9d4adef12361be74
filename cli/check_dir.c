/* check_dir.c - `migprop check --dir DIR`: the directory properties, after check.c parsed the options and opened the backends. */
#include "commands.h"
#include "cliopt.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check_dir.h"
#include "dir_properties.h"

int mp_check_dir(const char *dir, const char *props, const char *expect_schema, bool fail_on_drop,
                 const struct mp_run_config *run, FILE *out)
{
    size_t nall;
    const struct mp_dir_property *const *all = mp_dir_properties(&nall);
    const struct mp_dir_property **sel = calloc(nall, sizeof *sel);
    size_t nsel = 0;
    int rc = 0;
    if (!sel)
        mp_oom();
    if (!props) {
        memcpy(sel, all, nall * sizeof *sel);
        nsel = nall;
    } else {
        char **names;
        size_t n;
        if ((rc = mp_cli_list("check", "--properties", props, &names, &n)))
            goto out;
        for (size_t i = 0; i < n; i++) {
            const struct mp_dir_property *p = mp_dir_property_find(names[i]);
            if (!p) {
                rc = mp_cli_error("check", "--properties: '%s' is not a property of --dir", names[i]);
            } else if (nsel < nall) { /* mp_cli_list refuses a name given twice */
                sel[nsel++] = p;
            }
        }
        free(names);
        if (rc)
            goto out;
    }
    struct mp_dir_config cfg = {
        .dir = dir,
        .props = sel,
        .nprops = nsel,
        .seed = run->seed,
        .iterations = run->iterations,
        .expect_schema = expect_schema,
        .fail_on_drop = fail_on_drop,
        .format = run->format,
        .shrink = run->shrink,
        .shrink_time = run->shrink_time,
        .shrink_steps = run->shrink_steps,
        .out_dir = run->out_dir,
        .shard_index = run->shard_index,
        .shard_count = run->shard_count,
        /* auto: the CPUs (mp_dirjobs_run() starts no more than the trials) */
        .jobs = run->jobs_auto ? mp_jobs_auto(ULONG_MAX, run->backends[MP_POSTGRES] != NULL) : run->jobs,
    };
    for (int d = 0; d < MP_NDIALECTS; d++) {
        cfg.backends[d] = run->backends[d];
        cfg.skip_reason[d] = run->skip_reason[d];
    }
    rc = mp_dircheck_run(&cfg, out);
out:
    free(sel);
    return rc;
}

int mp_replay_dir(const char *casedir, const char *pg_url)
{
    size_t n;
    const struct mp_dir_property *const *all = mp_dir_properties(&n);
    return mp_dircheck_replay(casedir, all, n, pg_url, stdout);
}
