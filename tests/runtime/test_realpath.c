/*
 * test_realpath.c - rt_realpath (runtime/realpath.c) gives realpath(3)'s
 * answer, errno included, on a tree full of the cases its shortcut must
 * hand back: symbolic links at the end and in the middle (absolute,
 * relative, to files, dangling, loops), ".", "..", "//", trailing slashes,
 * files used as directories, missing components and the root itself;
 * each path asked twice, so the second answer comes from the cache.
 */
#include "tests/testutil.h"

#include "runtime/runtime.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static const char *at(const char *rel)
{
        static char bufs[8][PATH_MAX];
        static int next;
        char *b = bufs[next++ % 8];
        snprintf(b, PATH_MAX, "%s%s", root, rel);
        return b;
}

static int setup_tree(void **state)
{
        (void)state;
        char tmpl[] = "/tmp/osh-realpath-XXXXXX";
        char real[PATH_MAX];
        if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof root)
                return -1;
        strcpy(root, real);
        const char *dirs[] = {"/a", "/a/b", "/a/b/c", "/d", "/d/e"};
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
                if (mkdir(at(dirs[i]), 0755) < 0)
                        return -1;
        FILE *f = fopen(at("/a/b/file"), "w");
        if (!f)
                return -1;
        fclose(f);
        if (symlink(at("/d"), at("/a/abs-to-d")) < 0 || symlink("b/c", at("/a/rel-to-c")) < 0 ||
            symlink("../d/e", at("/a/b/up-to-e")) < 0 || symlink("file", at("/a/b/to-file")) < 0 ||
            symlink("nowhere", at("/a/dangling")) < 0 || symlink("loop2", at("/a/loop1")) < 0 ||
            symlink("loop1", at("/a/loop2")) < 0 || symlink(at("/a/b"), at("/d/to-b")) < 0)
                return -1;
        return 0;
}

static int teardown_tree(void **state)
{
        (void)state;
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        return system(cmd);
}

static void same_as_realpath(rt_realpath_cache *c, const char *p)
{
        char want[PATH_MAX], got[PATH_MAX];
        errno = 0;
        char *w = realpath(p, want);
        int we = errno;
        errno = 0;
        char *g = rt_realpath(c, p, got);
        int ge = errno;
        if (!w) {
                if (g)
                        fail_msg("%s: realpath fails (%s), rt_realpath gives %s", p, strerror(we),
                                 got);
                if (we != ge)
                        fail_msg("%s: realpath fails with %s, rt_realpath with %s", p, strerror(we),
                                 strerror(ge));
                return;
        }
        if (!g)
                fail_msg("%s: realpath gives %s, rt_realpath fails (%s)", p, want, strerror(ge));
        assert_string_equal(got, want);
}

static void test_same_answers(void **state)
{
        (void)state;
        const char *rels[] = {
            "",
            "/a",
            "/a/b",
            "/a/b/c",
            "/a/b/file",
            "/a/b/c/",
            "/a//b",
            "/a/./b",
            "/a/b/..",
            "/a/b/../b/c",
            "/a/abs-to-d",
            "/a/abs-to-d/e",
            "/a/rel-to-c",
            "/a/rel-to-c/..",
            "/a/b/up-to-e",
            "/a/b/to-file",
            "/a/b/to-file/x",
            "/a/b/file/x",
            "/a/dangling",
            "/a/dangling/x",
            "/a/loop1",
            "/a/loop1/x",
            "/a/missing",
            "/a/missing/x",
            "/d/to-b/c",
            "/d/to-b/up-to-e",
            "/d/to-b/file",
            "/d/e/.",
            "/d/e/..",
            "/d/e/../../a",
        };
        rt_realpath_cache c = {0};
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof rels / sizeof *rels; i++)
                        same_as_realpath(&c, at(rels[i]));
        const char *abs[] = {"/",         "/proc/self",   "/proc/self/",   "/etc/passwd",
                             "/dev/null", "/no/such/dir", "relative/path", "."};
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof abs / sizeof *abs; i++)
                        same_as_realpath(&c, abs[i]);
        /* the cache did its work: the directories above were kept */
        assert_true(c.n > 0);
        rt_realpath_cache_free(&c);
        assert_int_equal(c.n, 0);
}

/* Every path of the tree and every path one component below it, each
 * from a fresh cache and from one shared cache. */
static void test_every_path(void **state)
{
        (void)state;
        const char *names[] = {"a",        "b",        "c",       "d",       "e",        "file",
                               "abs-to-d", "rel-to-c", "up-to-e", "to-file", "dangling", "loop1",
                               "to-b",     "..",       ".",       "x"};
        size_t nn = sizeof names / sizeof *names;
        rt_realpath_cache shared = {0};
        char p[PATH_MAX];
        for (size_t i = 0; i < nn; i++)
                for (size_t j = 0; j < nn; j++)
                        for (size_t k = 0; k < nn; k++) {
                                snprintf(p, sizeof p, "%s/%s/%s/%s", root, names[i], names[j],
                                         names[k]);
                                rt_realpath_cache fresh = {0};
                                same_as_realpath(&fresh, p);
                                rt_realpath_cache_free(&fresh);
                                same_as_realpath(&shared, p);
                        }
        rt_realpath_cache_free(&shared);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_same_answers),
            cmocka_unit_test(test_every_path),
        };
        return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
