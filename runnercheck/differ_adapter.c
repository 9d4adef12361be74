/* differ_adapter.c - how differ-check drives a schema-diff tool: the
 * built-in profiles, adapter files (differ.h), the command with its rename
 * hints, successful exit statuses and the stripping of non-SQL output. */
#include "differ.h"
#include "differ_int.h"
#include "num.h"

#include <stdlib.h>
#include <string.h>

#define PG_URL "postgresql://{user}@/{db}?host={host}"

static const struct mp_dc_adapter profiles[] = {
    /* @pgkit/migra 0.6 (npm), the TypeScript port of djrobstep's migra:
     * `migra FROM TO`, `--unsafe` after the URLs (it takes an optional
     * value, so before them it would swallow FROM) lets it print drops;
     * it exits 0, the Python original 2 when it printed changes.  No
     * rename hints: migra compares by name. */
    {.name = "migra", .diff = "migra {from_url} {to_url} --unsafe", .exit_ok = {0, 2}, .nexit_ok = 2,
     .backend = {false, true}, .url = {"{path}", PG_URL}},
    /* migprop's own planner, hints through --renames; a change set it
     * cannot order, or a change its model does not support (a primary
     * key changed in place), is refused with exit 2 and says so */
    {.name = "migprop", .diff = "{migprop} plan --from {from_file} --to {to_file} --dialect {dialect}{renames}",
     .exit_ok = {0}, .nexit_ok = 1, .backend = {true, true}, .renames = " --renames {renames_file}",
     .unsupported = {"cannot be ordered", "is not supported by this version"}, .nunsupported = 2, .url = {"{path}", PG_URL}},
};

int mp_dc_profile(const char *name, struct mp_dc_adapter *out)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof *profiles; i++)
        if (strcmp(profiles[i].name, name) == 0) {
            *out = profiles[i];
            return 0;
        }
    return -1;
}

const char *mp_dc_profile_names(void)
{
    return "migra, migprop";
}

/* exit_ok's value: a comma-separated list of statuses 0..255. */
static int parse_exit_ok(const char *v, struct mp_dc_adapter *out)
{
    out->nexit_ok = 0;
    for (const char *p = v; *p;) {
        size_t k = strcspn(p, ",");
        char num[16];
        uint64_t u;
        struct mp_error e = {0};
        if (k == 0 || k >= sizeof num || out->nexit_ok == MP_DC_MAX_EXIT_OK)
            return -1;
        memcpy(num, p, k);
        num[k] = 0;
        if (mp_parse_u64(mp_rc_trim(num), 255, "exit status", &u, &e))
            return -1;
        out->exit_ok[out->nexit_ok++] = (int)u;
        p += k + (p[k] == ',');
    }
    return out->nexit_ok ? 0 : -1;
}

int mp_dc_adapter_read(struct mp_arena *a, const char *path, struct mp_dc_adapter *out, struct mp_error *err)
{
    struct mp_rc_kv *kvs;
    size_t nkv;
    int rc = mp_rc_kv_read(a, path, &kvs, &nkv, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->nexit_ok = 1; /* exit 0 */
    bool backends = false;
    for (size_t i = 0; i < nkv && !rc; i++) {
        const char *k = kvs[i].key, *v = kvs[i].value;
        int ln = kvs[i].line;
        if (strcmp(k, "name") == 0)
            out->name = v;
        else if (strcmp(k, "diff") == 0)
            out->diff = v;
        else if (strcmp(k, "exit_ok") == 0) {
            if (parse_exit_ok(v, out))
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: exit_ok lists exit statuses 0..255, as 0,2", path, ln);
        } else if (strcmp(k, "backends") == 0) {
            if (mp_rc_parse_backends(v, out->backend))
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: backends lists sqlite and/or postgres", path, ln);
            backends = true;
        } else if (strcmp(k, "renames") == 0)
            out->renames = mp_arena_printf(a, " %s", v);
        else if (strcmp(k, "unsupported") == 0) {
            if (out->nunsupported == MP_DC_MAX_UNSUPPORTED)
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: at most %d unsupported lines", path, ln,
                                  MP_DC_MAX_UNSUPPORTED);
            else
                out->unsupported[out->nunsupported++] = v;
        }
        else if (strcmp(k, "prelude") == 0)
            out->prelude = v;
        else if (strcmp(k, "postlude") == 0)
            out->postlude = v;
        else if (strcmp(k, "url-postgres") == 0)
            out->url[MP_POSTGRES] = v;
        else if (strcmp(k, "url-sqlite") == 0)
            out->url[MP_SQLITE] = v;
        else
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown key '%s'", path, ln, k);
    }
    if (!rc && (!out->name || !out->diff))
        rc = mp_error_set(err, MP_EINVAL, "%s: an adapter needs at least 'name' and 'diff'", path);
    if (!rc) {
        if (!backends)
            out->backend[MP_SQLITE] = out->backend[MP_POSTGRES] = true;
        if (!out->url[MP_SQLITE])
            out->url[MP_SQLITE] = "{path}";
        if (!out->url[MP_POSTGRES])
            out->url[MP_POSTGRES] = PG_URL;
    }
    return rc;
}

const char *mp_dc_command(struct mp_arena *a, const struct mp_dc_adapter *ad)
{
    const char *hints = ad->renames ? ad->renames : "";
    const char *at = strstr(ad->diff, "{renames}");
    if (!at)
        return mp_arena_printf(a, "%s%s", ad->diff, hints);
    return mp_arena_printf(a, "%.*s%s%s", (int)(at - ad->diff), ad->diff, hints, at + strlen("{renames}"));
}

bool mp_dc_exit_ok(const struct mp_dc_adapter *ad, int st)
{
    for (size_t i = 0; i < ad->nexit_ok; i++)
        if (ad->exit_ok[i] == st)
            return true;
    return false;
}

bool mp_dc_unsupported(const struct mp_dc_adapter *ad, const char *out, const char *err)
{
    for (size_t i = 0; i < ad->nunsupported; i++)
        if (*ad->unsupported[i] && (strstr(out, ad->unsupported[i]) || strstr(err, ad->unsupported[i])))
            return true;
    return false;
}

const char *mp_dc_strip(struct mp_arena *a, const struct mp_dc_adapter *ad, const char *out)
{
    const char *from = out, *to = out + strlen(out);
    bool seen = false;
    for (const char *p = out; *p && (ad->prelude || ad->postlude);) {
        const char *e = strchr(p, '\n');
        const char *next = e ? e + 1 : p + strlen(p);
        if (ad->prelude && !seen && strncmp(p, ad->prelude, strlen(ad->prelude)) == 0) {
            from = next;
            seen = true;
        } else if (ad->postlude && p >= from && strncmp(p, ad->postlude, strlen(ad->postlude)) == 0) {
            to = p;
            break;
        }
        p = next;
    }
    return mp_arena_strndup(a, from, (size_t)(to - from));
}
