/* report.c - TAP 14 (testanything.org/tap-version-14-specification) and a
 * human format. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mp_point_free(struct mp_point *p)
{
    free(p->label);
    free(p->message);
    free(p->changes);
    free(p->sql);
    free(p->start);
    free(p->desired);
    free(p->renames);
    free(p->case_path);
}

/* A YAML block scalar, indented under a key. */
static void yaml_block(FILE *out, const char *key, const char *text, const char *indent)
{
    if (!text || !*text)
        return;
    fprintf(out, "%s%s: |\n", indent, key);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(out, "%s  %.*s\n", indent, (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

static void replay_cmd(FILE *out, const struct mp_run_config *cfg, const struct mp_point *p)
{
    fprintf(out, "migprop check --backend %s --seed 0x%016" PRIx64, mp_dialect_name(p->backend), cfg->seed);
    if (p->trial >= 0)
        fprintf(out, " --trial %ld", p->trial);
    else
        fprintf(out, " --iterations 0 --case '%s'", p->label);
    fprintf(out, " --properties %s%s", p->property, cfg->solver == MP_SOLVER_NAIVE ? " --solver naive" : "");
}

static void tap(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                const struct mp_timing *timing)
{
    fprintf(out, "TAP version 14\n");
    fprintf(out, "# migprop %s seed 0x%016" PRIx64 " iterations %lu solver %s\n", MIGPROP_VERSION, cfg->seed,
            cfg->iterations, cfg->solver == MP_SOLVER_NAIVE ? "naive" : "default");
    if (cfg->shard_count > 1)
        fprintf(out, "# shard %u/%u\n", cfg->shard_index, cfg->shard_count);
    fprintf(out, "1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        if (p->skip) {
            fprintf(out, "ok %zu - %s [%s] # SKIP %s\n", i + 1, p->property, mp_dialect_name(p->backend), p->skip);
            continue;
        }
        if (!p->fail) {
            fprintf(out, "ok %zu - %s [%s] # %lu passed, %lu discarded\n", i + 1, p->property,
                    mp_dialect_name(p->backend), p->pass, p->discard);
            continue;
        }
        fprintf(out, "not ok %zu - %s [%s]\n", i + 1, p->property, mp_dialect_name(p->backend));
        fprintf(out, "  ---\n");
        fprintf(out, "  property: %s\n  backend: %s\n", p->property, mp_dialect_name(p->backend));
        fprintf(out, "  seed: 0x%016" PRIx64 "\n", cfg->seed);
        if (p->trial >= 0)
            fprintf(out, "  trial: %ld\n  trial_seed: 0x%016" PRIx64 "\n", p->trial, p->trial_seed);
        else
            fprintf(out, "  from_case: '%s'\n", p->label);
        if (p->case_path) {
            fprintf(out, "  case: '%s'\n  replay: \"migprop replay '%s'\"\n  replay_seed: \"", p->case_path,
                    p->case_path);
            replay_cmd(out, cfg, p);
            fprintf(out, "\"\n  shrunk_ops: %zu\n  shrink_steps: %ld\n  shrink_ms: %.0f\n", p->shrunk_ops,
                    p->shrink_steps, p->shrink_ms);
        } else {
            fprintf(out, "  replay: \"");
            replay_cmd(out, cfg, p);
            fprintf(out, "\"\n");
        }
        fprintf(out, "  passed_before: %lu\n", p->pass);
        yaml_block(out, "message", p->message, "  ");
        yaml_block(out, "start", p->start, "  ");
        yaml_block(out, "desired", p->desired, "  ");
        yaml_block(out, "renames", p->renames, "  ");
        yaml_block(out, "changes", p->changes, "  ");
        yaml_block(out, "sql", p->sql, "  ");
        fprintf(out, "  ...\n");
    }
    for (int d = 0; d < MP_NDIALECTS; d++)
        if (timing[d].trials)
            fprintf(out, "# %s: %lu trials in %.3f s (%.1f trials/s)\n", mp_dialect_name((enum mp_dialect)d),
                    timing[d].trials, timing[d].seconds,
                    timing[d].seconds > 0 ? timing[d].trials / timing[d].seconds : 0.0);
}

static void human(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                  const struct mp_timing *timing)
{
    fprintf(out, "migprop %s: seed 0x%016" PRIx64 ", %lu iterations, %s solver\n\n", MIGPROP_VERSION, cfg->seed,
            cfg->iterations, cfg->solver == MP_SOLVER_NAIVE ? "naive" : "default");
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        if (p->skip)
            fprintf(out, "  SKIP  %-20s %-9s %s\n", p->property, mp_dialect_name(p->backend), p->skip);
        else if (!p->fail)
            fprintf(out, "  PASS  %-20s %-9s %lu trials, %lu discarded\n", p->property,
                    mp_dialect_name(p->backend), p->pass, p->discard);
        else {
            failed++;
            fprintf(out, "  FAIL  %-20s %-9s at %s after %lu passing\n", p->property,
                    mp_dialect_name(p->backend), p->label, p->pass);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        if (!p->fail || p->skip)
            continue;
        fprintf(out, "\n== %s on %s, %s ==\n%s\n", p->property, mp_dialect_name(p->backend), p->label,
                p->message ? p->message : "");
        if (p->changes)
            fprintf(out, "\nchange set:\n%s", p->changes);
        if (p->sql)
            fprintf(out, "\nplan:\n%s", p->sql);
        fprintf(out, "\nreplay: ");
        replay_cmd(out, cfg, p);
        fprintf(out, "\n");
    }
    fprintf(out, "\n");
    for (int d = 0; d < MP_NDIALECTS; d++)
        if (timing[d].trials)
            fprintf(out, "%s: %lu trials in %.3f s (%.1f trials/s)\n", mp_dialect_name((enum mp_dialect)d),
                    timing[d].trials, timing[d].seconds,
                    timing[d].seconds > 0 ? timing[d].trials / timing[d].seconds : 0.0);
    fprintf(out, "%s\n", failed ? "FAILED" : "all properties passed");
}

static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc(' ', out); /* XML 1.0 has no other control characters */
            else
                fputc(*s, out);
        }
    }
}

/* JUnit XML (the schema Jenkins, GitLab and GitHub report actions read):
 * one testcase per property and backend; a failure carries the first
 * failure's message, replay command and case. */
static void junit(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n)
{
    size_t fails = 0, skips = 0;
    for (size_t i = 0; i < n; i++) {
        fails += pts[i].fail ? 1 : 0;
        skips += pts[i].skip ? 1 : 0;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"migprop\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", n, fails, skips);
    fprintf(out, "  <testsuite name=\"migprop check seed 0x%016" PRIx64 "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
            cfg->seed, n, fails, skips);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        fprintf(out, "    <testcase classname=\"migprop.%s\" name=\"%s\">", mp_dialect_name(p->backend), p->property);
        if (p->skip) {
            fprintf(out, "<skipped message=\"");
            xml_text(out, p->skip);
            fprintf(out, "\"/>");
        } else if (p->fail) {
            const char *nl = p->message ? strchr(p->message, '\n') : NULL;
            fprintf(out, "\n      <failure message=\"");
            char first[512];
            snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - p->message) : 500, p->message ? p->message : "");
            xml_text(out, first);
            fprintf(out, "\" type=\"%s\">", p->property);
            if (p->trial >= 0)
                fprintf(out, "trial %ld (trial seed 0x%016" PRIx64 ")\n", p->trial, p->trial_seed);
            if (p->case_path) {
                fprintf(out, "case: ");
                xml_text(out, p->case_path);
                fprintf(out, "\nreplay: migprop replay ");
                xml_text(out, p->case_path);
                fputc('\n', out);
            }
            xml_text(out, p->message);
            fprintf(out, "\nchanges:\n");
            xml_text(out, p->changes);
            fprintf(out, "</failure>\n    ");
        } else {
            fprintf(out, "<system-out>%lu passed, %lu discarded</system-out>", p->pass, p->discard);
        }
        fprintf(out, "</testcase>\n");
    }
    fprintf(out, "  </testsuite>\n</testsuites>\n");
}

void mp_report(FILE *out, enum mp_format f, const struct mp_run_config *cfg,
               const struct mp_point *pts, size_t n, const struct mp_timing *timing)
{
    if (f == MP_FORMAT_JUNIT)
        junit(out, cfg, pts, n);
    else if (f == MP_FORMAT_HUMAN)
        human(out, cfg, pts, n, timing);
    else
        tap(out, cfg, pts, n, timing);
    fflush(out);
}
