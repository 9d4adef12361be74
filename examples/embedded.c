/* embedded.c - migprop's runner library in a program: three migrations
 * compiled in, progress hooks, status, and the newest one rolled back.
 *   cc embedded.c $(pkg-config --cflags --libs migprop-runner) -o embedded
 *   ./embedded [DATABASE]      (a SQLite file; default :memory:) */
#include <migprop/runner.h>
#include <stdio.h>

static const struct mp_runner_embedded migrations[] = {
    {"1", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);",
     "DROP TABLE users;", 0},
    {"2", "create_posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));",
     "DROP TABLE posts;", 0},
    {"3", "index_posts_user", "CREATE INDEX posts_user ON posts (user_id);", "DROP INDEX posts_user;", 0},
};

static void before(const struct mp_runner_hook_info *m, void *payload)
{
    (void)payload;
    printf("%s %s %s ... ", m->direction == MP_RUNNER_DIR_UP ? "->" : "<-", m->version, m->name);
    fflush(stdout);
}

static void after(const struct mp_runner_hook_info *m, void *payload)
{
    (void)payload;
    printf("ok (%.1f ms)\n", m->duration_ms);
}

static void on_error(const struct mp_runner_hook_info *m, void *payload)
{
    (void)payload;
    printf("FAILED: %s\n", m->error);
}

int main(int argc, char **argv)
{
    struct mp_runner_migrations *set = NULL;
    struct mp_runner *r = NULL;
    struct mp_runner_status *st = NULL;
    struct mp_runner_hooks hooks = MP_RUNNER_HOOKS_INIT;
    struct mp_runner_run_options down = MP_RUNNER_RUN_OPTIONS_INIT;
    int failed = 1;
    hooks.before = before;
    hooks.after = after;
    hooks.on_error = on_error;
    down.strategy = MP_RUNNER_DOWN_STEPS; /* steps 0 means 1 */
    if (mp_runner_migrations_new(&set) || mp_runner_migrations_add_embedded(set, migrations, 3) ||
        mp_runner_open(&r, argc > 1 ? argv[1] : ":memory:", NULL) || mp_runner_set_hooks(r, &hooks) ||
        mp_runner_run(NULL, r, set, NULL) || mp_runner_status(&st, r, set))
        goto out;
    for (size_t i = 0; i < mp_runner_status_count(st); i++) {
        const struct mp_runner_status_entry *e = mp_runner_status_get(st, i);
        printf("   %s %-18s %s\n", e->version, e->name, mp_runner_state_name(e->state));
    }
    failed = mp_runner_run(NULL, r, set, &down) != 0;
out:
    if (failed)
        fprintf(stderr, "embedded: %s\n", mp_runner_error_last()->message);
    mp_runner_status_free(st);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    return failed;
}
