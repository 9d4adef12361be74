/* test_base.c - unit tests of base/: strict numbers, file reading that
 * refuses what is not a regular text file, scratch directories and their
 * owner locks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "num.h"
#include "os.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_parse_u64(void **state)
{
    (void)state;
    struct mp_error e = {0};
    uint64_t v = 0;
    assert_int_equal(mp_parse_u64("0", UINT64_MAX, "--seed", &v, &e), 0);
    assert_true(v == 0);
    assert_int_equal(mp_parse_u64("42", UINT64_MAX, "--seed", &v, &e), 0);
    assert_true(v == 42);
    assert_int_equal(mp_parse_u64("0x10", UINT64_MAX, "--seed", &v, &e), 0);
    assert_true(v == 16);
    assert_int_equal(mp_parse_u64("18446744073709551615", UINT64_MAX, "--seed", &v, &e), 0);
    assert_true(v == UINT64_MAX);
    /* octal-looking, words, signs, blanks, overflow, too many hex digits */
    const char *bad[] = {"010", "abc", "", "-1", "+1", " 1", "1 ", "1e3", "0x", "0x12345678901234567",
                         "18446744073709551616", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(mp_parse_u64(bad[i], UINT64_MAX, "--seed", &v, &e), MP_EINVAL);
        assert_non_null(strstr(e.msg, "--seed"));
    }
    assert_int_equal(mp_parse_u64("101", 100, "--jobs", &v, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "at most 100"));
}

static void test_parse_double(void **state)
{
    (void)state;
    struct mp_error e = {0};
    double d;
    assert_int_equal(mp_parse_double("1.5", 0.001, 86400, "--lock-timeout", &d, &e), 0);
    assert_true(d == 1.5);
    const char *bad[] = {"nan", "inf", "1e300", "", "x", "0x10", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(mp_parse_double(bad[i], 0.001, 86400, "--lock-timeout", &d, &e), MP_EINVAL);
}

static char *tmpdir(void)
{
    char *d = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_scratch_mkdtemp("migprop-unit-", &d, &e), 0);
    return d;
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void test_read_file(void **state)
{
    (void)state;
    char *d = tmpdir();
    struct mp_error e = {0};
    char *text = NULL;
    size_t len = 0;
    char *f = path_in(d, "a.sql");
    FILE *fp = fopen(f, "w");
    fputs("CREATE TABLE t (id int);\n", fp);
    fclose(fp);
    assert_int_equal(mp_read_file(f, 0, &text, &len, &e), 0);
    assert_string_equal(text, "CREATE TABLE t (id int);\n");
    assert_int_equal(len, 25);
    free(text);
    /* a directory */
    assert_int_equal(mp_read_file(d, 0, &text, NULL, &e), MP_EIO);
    assert_non_null(strstr(e.msg, "a directory"));
    /* a FIFO: refused at once, never blocks */
    char *fifo = path_in(d, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(mp_read_file(fifo, 0, &text, NULL, &e), MP_EIO);
    assert_non_null(strstr(e.msg, "FIFO"));
    /* a symbolic link to a device */
    char *zero = path_in(d, "zero.sql");
    assert_int_equal(symlink("/dev/zero", zero), 0);
    assert_int_equal(mp_read_file(zero, 0, &text, NULL, &e), MP_EIO);
    assert_non_null(strstr(e.msg, "device"));
    /* a NUL byte, named by line */
    char *nul = path_in(d, "nul.sql");
    fp = fopen(nul, "w");
    fwrite("a;\nb;\nDROP\0TABLE x;\n", 1, 20, fp);
    fclose(fp);
    assert_int_equal(mp_read_file(nul, 0, &text, NULL, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "nul.sql:3: NUL byte"));
    /* too large */
    assert_int_equal(mp_read_file(f, 10, &text, NULL, &e), MP_EIO);
    assert_int_equal(mp_rmtree(d, &e), 0);
    struct stat st;
    assert_int_not_equal(stat(d, &st), 0);
    free(f);
    free(fifo);
    free(zero);
    free(nul);
    free(d);
}

static void test_mkdir_rmtree(void **state)
{
    (void)state;
    char *d = tmpdir();
    struct mp_error e = {0};
    char *deep = path_in(d, "a/b/c");
    assert_int_equal(mp_mkdir_p(deep, &e), 0);
    assert_int_equal(mp_mkdir_p(deep, &e), 0); /* existing: fine */
    char *file = path_in(d, "a/f");
    FILE *fp = fopen(file, "w");
    fclose(fp);
    char *under = path_in(d, "a/f/x");
    assert_int_equal(mp_mkdir_p(under, &e), MP_EIO);
    /* a symbolic link out of the tree is removed, not followed */
    char *keep = tmpdir();
    char *kf = path_in(keep, "precious");
    fp = fopen(kf, "w");
    fclose(fp);
    char *link = path_in(d, "a/link");
    assert_int_equal(symlink(keep, link), 0);
    char *copy = path_in(keep, "copy");
    char *b = path_in(d, "a/b");
    assert_int_equal(mp_copy_tree(b, copy, &e), 0);
    free(b);
    assert_int_equal(mp_rmtree(d, &e), 0);
    struct stat st;
    assert_int_equal(stat(kf, &st), 0);
    assert_int_equal(mp_rmtree(d, &e), 0); /* missing: fine */
    assert_int_equal(mp_rmtree(keep, &e), 0);
    free(deep);
    free(file);
    free(under);
    free(kf);
    free(link);
    free(copy);
    free(keep);
    free(d);
}

/* A directory whose owner died is swept; one whose owner lives is not. */
static void test_scratch_sweep(void **state)
{
    (void)state;
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t child = fork();
    if (child == 0) {
        char *d = NULL;
        struct mp_error e = {0};
        if (mp_scratch_mkdtemp("migprop-unit-dead-", &d, &e) != 0)
            _exit(1);
        ssize_t w = write(pfd[1], d, strlen(d) + 1);
        (void)w;
        _exit(0); /* dies without removing it, as after SIGKILL */
    }
    close(pfd[1]);
    char dead[4096] = "";
    ssize_t k = read(pfd[0], dead, sizeof dead - 1);
    close(pfd[0]);
    assert_true(k > 0);
    waitpid(child, NULL, 0);
    char *alive = tmpdir(); /* ours, and we are alive */
    struct stat st;
    assert_int_equal(stat(dead, &st), 0);
    assert_true(mp_scratch_sweep() >= 1);
    assert_int_not_equal(stat(dead, &st), 0);
    assert_int_equal(stat(alive, &st), 0);
    struct mp_error e = {0};
    assert_int_equal(mp_rmtree(alive, &e), 0);
    free(alive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_u64),    cmocka_unit_test(test_parse_double),
        cmocka_unit_test(test_read_file),    cmocka_unit_test(test_mkdir_rmtree),
        cmocka_unit_test(test_scratch_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
