/* migfiles.c - migrations written in an adapter's file layout (file-name
 * templates, section markers, the no-transaction marker), remembered so
 * that an edit lands inside the up section and a delete removes exactly
 * the files of that migration, whatever the layout. */
#include "runnercheck_int.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void mp_rc_layout_defaults(struct mp_rc_adapter *ad)
{
    const char *up = NULL, *down = NULL, *um = NULL, *dm = NULL, *nt = NULL;
    switch (ad->style) {
    case MP_STYLE_DBMATE:
        up = down = "{version}_{name}.sql";
        um = "-- migrate:up", dm = "-- migrate:down", nt = "-- migrate:up transaction:false";
        break;
    case MP_STYLE_SQLMIGRATE:
        up = down = "{version}_{name}.sql";
        um = "-- +migrate Up", dm = "-- +migrate Down", nt = "-- +migrate Up notransaction";
        break;
    case MP_STYLE_UPDOWN:
        up = down = "{version}_{name}.sql";
        um = "-- UP", dm = "-- DOWN", nt = "-- UP\n-- migprop:no-transaction";
        break;
    case MP_STYLE_DIESEL:
        up = "{version}_{name}/up.sql", down = "{version}_{name}/down.sql", nt = "-- migprop:no-transaction";
        break;
    default:
        up = "{version}_{name}.up.sql", down = "{version}_{name}.down.sql", nt = "-- migprop:no-transaction";
        break;
    }
    /* markers belong to the style's files: an adapter naming its own
     * files names its own markers */
    bool own_files = ad->up_file != NULL;
    if (!ad->up_file)
        ad->up_file = up;
    if (!ad->down_file && !own_files)
        ad->down_file = down;
    if (!ad->up_marker && !own_files)
        ad->up_marker = um;
    if (!ad->down_marker && !own_files)
        ad->down_marker = dm;
    if (!ad->notx_marker && !own_files)
        ad->notx_marker = nt;
    if (ad->style == MP_STYLE_DIESEL && !own_files)
        ad->verfmt = MP_RC_VER_DIESEL;
}

/* `tpl` with {version} and {name} substituted. */
static const char *file_name(struct mp_rc *c, const char *tpl, const char *version, const char *name)
{
    struct mp_buf b = {0};
    for (const char *p = tpl; *p;) {
        if (strncmp(p, "{version}", 9) == 0) {
            mp_buf_add(&b, version);
            p += 9;
        } else if (strncmp(p, "{name}", 6) == 0) {
            mp_buf_add(&b, name);
            p += 6;
        } else {
            mp_buf_addc(&b, *p++);
        }
    }
    const char *r = mp_arena_printf(c->a, "%s/%s", c->dir, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

static int write_file(const char *path, const char *text)
{
    char *slash = strrchr(path, '/');
    struct mp_error e = {0};
    if (slash) {
        size_t n = (size_t)(slash - path);
        char parent[4096];
        if (n < sizeof parent) {
            memcpy(parent, path, n);
            parent[n] = 0;
            if (mp_mkdir_p(parent, &e)) {
                fprintf(stderr, "migprop runner-check: %s\n", e.msg);
                return 2;
            }
        }
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "migprop runner-check: %s: %s\n", path, strerror(errno));
        return 2;
    }
    return 0;
}

static bool same(const char *x, const char *y)
{
    return !y || (x && strcmp(x, y) == 0);
}

/* Write m's files from its fields. */
static int write_mig(struct mp_rc *c, struct mp_rc_mig *m)
{
    const struct mp_rc_adapter *ad = c->ad;
    const char *nl = (*m->up && m->up[strlen(m->up) - 1] != '\n') ? "\n" : "";
    const char *open = m->notx && ad->notx_marker ? ad->notx_marker : ad->up_marker;
    /* with no up marker the no-transaction marker is the up file's first line */
    const char *lead = m->notx && ad->notx_marker && !ad->up_marker ? ad->notx_marker : NULL;
    struct mp_buf b = {0};
    if (open)
        mp_buf_printf(&b, "%s\n", open);
    else if (lead)
        mp_buf_printf(&b, "%s\n", lead);
    mp_buf_printf(&b, "%s%s", m->up, nl);
    m->up_path = file_name(c, ad->up_file, m->version, m->name);
    m->down_path = NULL;
    int rc;
    if (same(ad->up_file, ad->down_file)) {
        if (ad->down_marker)
            mp_buf_printf(&b, "\n%s\n%s", ad->down_marker, m->down ? m->down : "");
        rc = write_file(m->up_path, mp_buf_str(&b));
    } else {
        rc = write_file(m->up_path, mp_buf_str(&b));
        if (!rc && m->down) {
            m->down_path = file_name(c, ad->down_file, m->version, m->name);
            mp_buf_reset(&b);
            if (ad->down_marker)
                mp_buf_printf(&b, "%s\n", ad->down_marker);
            mp_buf_add(&b, m->down);
            rc = write_file(m->down_path, mp_buf_str(&b));
        }
    }
    mp_buf_free(&b);
    return rc;
}

int mp_rc_write_mig_raw(struct mp_rc *c, unsigned v, const char *version, const char *name, const char *up,
                        const char *down, bool notx)
{
    struct mp_rc_mig *m = MP_PUSH(c->a, c->migs, c->nmigs, c->capmigs);
    *m = (struct mp_rc_mig){.v = v,
                            .version = mp_arena_strdup(c->a, version),
                            .name = mp_arena_strdup(c->a, name),
                            .up = mp_arena_strdup(c->a, up),
                            .down = down ? mp_arena_strdup(c->a, down) : NULL,
                            .notx = notx};
    return write_mig(c, m);
}

int mp_rc_write_mig(struct mp_rc *c, unsigned v, const char *name, const char *up, const char *down, bool notx)
{
    const char *ver = c->ad->verfmt == MP_RC_VER_DIESEL  ? mp_arena_printf(c->a, "2024-01-01-%06u", v)
                      : c->ad->verfmt == MP_RC_VER_STAMP ? mp_arena_printf(c->a, "20240101%06u", v)
                                                         : mp_arena_printf(c->a, "%04u", v);
    return mp_rc_write_mig_raw(c, v, ver, name, up, down, notx);
}

struct mp_rc_mig *mp_rc_mig_find(struct mp_rc *c, unsigned v)
{
    for (size_t i = c->nmigs; i-- > 0;)
        if (c->migs[i].v == v && c->migs[i].up_path)
            return &c->migs[i];
    return NULL;
}

int mp_rc_mig_edit(struct mp_rc *c, struct mp_rc_mig *m)
{
    m->up = mp_arena_printf(c->a, "%s%s-- edited after it was applied\n", m->up,
                            *m->up && m->up[strlen(m->up) - 1] != '\n' ? "\n" : "");
    mp_buf_printf(&c->log, "# runner-check edited the up section of %s\n", m->up_path + strlen(c->dir) + 1);
    return write_mig(c, m);
}

void mp_rc_mig_delete(struct mp_rc *c, struct mp_rc_mig *m)
{
    const char *paths[2] = {m->up_path, m->down_path};
    for (int i = 0; i < 2; i++) {
        if (!paths[i])
            continue;
        mp_buf_printf(&c->log, "# runner-check removed %s\n", paths[i] + strlen(c->dir) + 1);
        unlink(paths[i]);
        /* a migration in a directory of its own (diesel): the directory too */
        const char *slash = strrchr(paths[i], '/');
        size_t n = slash ? (size_t)(slash - paths[i]) : 0;
        if (n > strlen(c->dir))
            rmdir(mp_arena_strndup(c->a, paths[i], n));
    }
    m->up_path = m->down_path = NULL;
}
