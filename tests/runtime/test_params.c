/*
 * test_params.c - unit tests for launch parameters (runtime/params.c).
 *
 * Each test builds a small tree under a fresh temporary directory (real
 * directories and symlinks, since values are resolved with realpath) and a
 * bundle whose PARAMS section names paths in it, then checks what
 * params_resolve accepts, what it refuses and with which message:
 * defaults, --param overrides, the built-ins WORKDIR and HOME, unknown and
 * repeated names, values that are ancestors, descendants or equal to a
 * path the policy names (as written and as it resolves), relative,
 * missing and non-canonical values, symlinks; and params_expand.
 */
#include "tests/testutil.h"

#include "runtime/runtime.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256]; /* the canonical temporary directory */
static char old_cwd[PATH_MAX];

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
        char tmpl[] = "/tmp/osh-params-XXXXXX";
        char real[PATH_MAX];
        if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof root ||
            !getcwd(old_cwd, sizeof old_cwd))
                return -1;
        strcpy(root, real);
        const char *dirs[] = {"/etc", "/etc/x", "/etcetera", "/work", "/home", "/cache", "/other"};
        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
                if (mkdir(at(dirs[i]), 0755) < 0)
                        return -1;
        if (symlink(at("/etc/x"), at("/link-into-etc")) < 0 ||
            symlink(at("/work"), at("/link-to-work")) < 0 ||
            symlink(at("/etc"), at("/etc-link")) < 0)
                return -1;
        return chdir(at("/work"));
}

static int teardown_tree(void **state)
{
        (void)state;
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (chdir(old_cwd) < 0)
                return -1;
        return system(cmd);
}

/* A bundle with up to four parameters, each with one disjoint path. */
typedef struct fixture {
        oshb_bundle b;
        oshb_param params[4];
        char *disjoint[4][2];
} fixture;

static void add_param(fixture *f, const char *name, const char *def, const char *disjoint)
{
        oshb_param *p = &f->params[f->b.nparams];
        p->name = (char *)name;
        p->def = (char *)def;
        p->builtin = !strcmp(name, "WORKDIR") || !strcmp(name, "HOME");
        if (disjoint) {
                f->disjoint[f->b.nparams][0] = (char *)disjoint;
                p->disjoint = f->disjoint[f->b.nparams];
                p->ndisjoint = 1;
        }
        f->b.nparams++;
        f->b.params = f->params;
        f->b.meta.policy = "agent";
}

static void give(rt_params *g, const char *name, const char *value)
{
        g->names[g->n] = name;
        g->values[g->n] = value;
        g->n++;
}

static int resolve(fixture *f, rt_params *g, char *err)
{
        return params_resolve(&f->b, g, err, RT_ERR_LEN);
}

/* ---- values ---- */

static void test_defaults_and_builtins(void **state)
{
        (void)state;
        fixture f = {0};
        add_param(&f, "CACHE", at("/cache"), at("/etc"));
        add_param(&f, "HOME", NULL, at("/etc"));
        add_param(&f, "WORKDIR", NULL, at("/etc"));
        setenv("HOME", at("/home"), 1);
        rt_params g = {0};
        char err[RT_ERR_LEN];
        assert_int_equal(resolve(&f, &g, err), 0);
        assert_int_equal(g.n, 3);
        assert_string_equal(params_get(&g, "CACHE"), at("/cache"));
        assert_string_equal(params_get(&g, "HOME"), at("/home"));
        assert_string_equal(params_get(&g, "WORKDIR"), at("/work"));
        assert_null(params_get(&g, "NOPE"));
        params_free(&g);
}

static void test_param_overrides_default(void **state)
{
        (void)state;
        fixture f = {0};
        add_param(&f, "CACHE", at("/cache"), NULL);
        add_param(&f, "WORKDIR", NULL, NULL);
        rt_params g = {0};
        give(&g, "CACHE", at("/other"));
        give(&g, "WORKDIR", at("/home"));
        char err[RT_ERR_LEN];
        assert_int_equal(resolve(&f, &g, err), 0);
        assert_string_equal(params_get(&g, "CACHE"), at("/other"));
        assert_string_equal(params_get(&g, "WORKDIR"), at("/home"));
        params_free(&g);
}

static void test_unknown_and_repeated_names(void **state)
{
        (void)state;
        fixture f = {0};
        add_param(&f, "CACHE", at("/cache"), NULL);
        rt_params g = {0};
        char err[RT_ERR_LEN];
        give(&g, "CAHCE", at("/other"));
        assert_int_equal(resolve(&f, &g, err), -1);
        assert_non_null(
            strstr(err, "--param CAHCE: the policy agent has no parameter named CAHCE"));

        rt_params g2 = {0};
        give(&g2, "CACHE", at("/other"));
        give(&g2, "CACHE", at("/home"));
        assert_int_equal(resolve(&f, &g2, err), -1);
        assert_non_null(strstr(err, "--param CACHE is given twice"));

        /* a built-in the policy does not use is accepted and dropped */
        rt_params g3 = {0};
        give(&g3, "WORKDIR", at("/home"));
        assert_int_equal(resolve(&f, &g3, err), 0);
        assert_int_equal(g3.n, 1);
        assert_null(params_get(&g3, "WORKDIR"));
        params_free(&g3);
}

static void test_missing_value(void **state)
{
        (void)state;
        fixture f = {0};
        add_param(&f, "DATA", NULL, NULL);
        rt_params g = {0};
        char err[RT_ERR_LEN];
        assert_int_equal(resolve(&f, &g, err), -1);
        assert_non_null(strstr(err, "parameter $DATA has no default in policy agent"));
        assert_non_null(strstr(err, "--param DATA=PATH"));
}

/* ---- disjointness ---- */

static void expect_refused(const char *value, const char *disjoint, const char *want)
{
        fixture f = {0};
        add_param(&f, "WORKDIR", NULL, disjoint);
        rt_params g = {0};
        give(&g, "WORKDIR", value);
        char err[RT_ERR_LEN];
        assert_int_equal(resolve(&f, &g, err), -1);
        assert_string_equal(err, want);
}

static void expect_accepted(const char *value, const char *disjoint, const char *resolved)
{
        fixture f = {0};
        add_param(&f, "WORKDIR", NULL, disjoint);
        rt_params g = {0};
        give(&g, "WORKDIR", value);
        char err[RT_ERR_LEN] = "";
        assert_int_equal(resolve(&f, &g, err), 0);
        assert_string_equal(params_get(&g, "WORKDIR"), resolved);
        params_free(&g);
}

static void test_descendant_refused(void **state)
{
        (void)state;
        char want[2048];
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s lies inside %s, a path the policy names; the verifier's "
                 "proof assumed it does not: choose another directory",
                 at("/etc/x"), at("/etc"));
        expect_refused(at("/etc/x"), at("/etc"), want);
}

static void test_ancestor_and_equal_refused(void **state)
{
        (void)state;
        char want[2048];
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s contains %s, a path the policy names; the verifier's "
                 "proof assumed it does not: choose another directory",
                 root, at("/etc"));
        expect_refused(root, at("/etc"), want);
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s equals %s, a path the policy names; the verifier's "
                 "proof assumed it does not: choose another directory",
                 at("/etc"), at("/etc"));
        expect_refused(at("/etc"), at("/etc"), want);
        /* a policy path that does not exist still counts */
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s contains %s, a path the policy names; the verifier's "
                 "proof assumed it does not: choose another directory",
                 at("/work"), at("/work/not-yet"));
        expect_refused(at("/work"), at("/work/not-yet"), want);
}

static void test_sibling_prefix_is_disjoint(void **state)
{
        (void)state;
        expect_accepted(at("/etcetera"), at("/etc"), at("/etcetera"));
        expect_accepted(at("/work"), at("/etc"), at("/work"));
}

static void test_symlinks_resolved(void **state)
{
        (void)state;
        /* the value resolves into the denied tree */
        char want[2048];
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s lies inside %s, a path the policy names; the verifier's "
                 "proof assumed it does not: choose another directory",
                 at("/etc/x"), at("/etc"));
        expect_refused(at("/link-into-etc"), at("/etc"), want);
        /* a symlink value elsewhere is replaced by its target */
        expect_accepted(at("/link-to-work"), at("/etc"), at("/work"));
        /* the policy's own path is a symlink: its target counts too */
        snprintf(want, sizeof want,
                 "parameter $WORKDIR=%s lies inside %s, a path the policy names (%s resolves to "
                 "%s); the verifier's proof assumed it does not: choose another directory",
                 at("/etc/x"), at("/etc-link"), at("/etc-link"), at("/etc"));
        expect_refused(at("/etc/x"), at("/etc-link"), want);
}

static void test_relative_missing_noncanonical(void **state)
{
        (void)state;
        fixture f = {0};
        add_param(&f, "WORKDIR", NULL, at("/etc"));
        char err[RT_ERR_LEN];
        rt_params g = {0};
        give(&g, "WORKDIR", "work");
        assert_int_equal(resolve(&f, &g, err), -1);
        assert_non_null(strstr(err, "parameter $WORKDIR=work is not an absolute path"));

        rt_params g2 = {0};
        give(&g2, "WORKDIR", at("/no/such"));
        assert_int_equal(resolve(&f, &g2, err), -1);
        assert_non_null(strstr(err, "realpath() failed (No such file or directory)"));
        assert_non_null(strstr(err, "the path must exist before launch"));

        char messy[PATH_MAX];
        snprintf(messy, sizeof messy, "%s/./work/../work//", root);
        expect_accepted(messy, at("/etc"), at("/work"));
        /* ".." out of a disjoint-safe path into the denied tree */
        snprintf(messy, sizeof messy, "%s/work/../etc/x", root);
        snprintf(err, sizeof err, "lies inside %s", at("/etc"));
        rt_params g3 = {0};
        give(&g3, "WORKDIR", messy);
        char err2[RT_ERR_LEN];
        assert_int_equal(resolve(&f, &g3, err2), -1);
        assert_non_null(strstr(err2, err));
}

/* ---- expansion ---- */

static void test_expand(void **state)
{
        (void)state;
        rt_params p = {0};
        give(&p, "WORKDIR", "/w");
        give(&p, "ROOT", "/");
        char buf[64];
        assert_string_equal(params_expand(&p, "WORKDIR", "", buf, sizeof buf), "/w");
        assert_string_equal(params_expand(&p, "WORKDIR", "/src", buf, sizeof buf), "/w/src");
        assert_string_equal(params_expand(&p, NULL, "$WORKDIR/bin/x", buf, sizeof buf), "/w/bin/x");
        assert_string_equal(params_expand(&p, NULL, "$WORKDIR", buf, sizeof buf), "/w");
        assert_string_equal(params_expand(&p, NULL, "/usr/bin/git", buf, sizeof buf),
                            "/usr/bin/git");
        assert_string_equal(params_expand(&p, "ROOT", "/etc", buf, sizeof buf), "/etc");
        assert_null(params_expand(&p, "NOPE", "/x", buf, sizeof buf));
        assert_null(params_expand(&p, NULL, "$NOPE/x", buf, sizeof buf));
        assert_null(params_expand(&p, "WORKDIR", "/a-long-suffix", buf, 8));
}

static void test_path_is_within(void **state)
{
        (void)state;
        assert_true(path_is_within("/a", "/a"));
        assert_true(path_is_within("/a", "/a/b"));
        assert_true(path_is_within("/", "/a"));
        assert_false(path_is_within("/a", "/ab"));
        assert_false(path_is_within("/a/b", "/a"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults_and_builtins),
            cmocka_unit_test(test_param_overrides_default),
            cmocka_unit_test(test_unknown_and_repeated_names),
            cmocka_unit_test(test_missing_value),
            cmocka_unit_test(test_descendant_refused),
            cmocka_unit_test(test_ancestor_and_equal_refused),
            cmocka_unit_test(test_sibling_prefix_is_disjoint),
            cmocka_unit_test(test_symlinks_resolved),
            cmocka_unit_test(test_relative_missing_noncanonical),
            cmocka_unit_test(test_expand),
            cmocka_unit_test(test_path_is_within),
        };
        return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
