/*
 * test_process.c - unit tests for verifier/process.c: caps-kept,
 * unbounded-resources and unenforceable, each positive and negative, with
 * the severity, the witness and the span of the setting.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "verifier/verify.h"

#include <regex.h>

typedef struct T {
        fixture fx;
        ir_policy *p;
        vf v;
} T;

static void t_check(T *t, const char *text)
{
        t->p = fx_policy(&t->fx, text, NULL);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
        vf_check_process(&t->v, t->p);
        assert_int_equal(t->v.internal, 0);
}

static void t_free(T *t)
{
        vf_free(&t->v);
        fx_free(&t->fx);
}

static int t_count(T *t, const char *name, const char *msg_re)
{
        int n = 0;
        for (int i = 0; i < t->v.nf; i++) {
                const vf_finding *f = &t->v.f[i];
                if (strcmp(f->name, name))
                        continue;
                if (msg_re) {
                        regex_t r;
                        assert_int_equal(regcomp(&r, msg_re, REG_EXTENDED | REG_NOSUB), 0);
                        bool ok = !regexec(&r, f->message, 0, NULL, 0) ||
                                  (f->witness && !regexec(&r, f->witness, 0, NULL, 0));
                        regfree(&r);
                        if (!ok)
                                continue;
                }
                assert_non_null(f->witness);
                assert_non_null(f->fix);
                assert_true(f->nlocs >= 1);
                n++;
        }
        return n;
}

static const vf_finding *t_first(T *t, const char *name)
{
        for (int i = 0; i < t->v.nf; i++)
                if (!strcmp(t->v.f[i].name, name))
                        return &t->v.f[i];
        return NULL;
}

#define LIMITS "limits { memory 1GiB; swap 0; pids 64; }\n"

static void caps(void **state)
{
        T t;
        t_check(&t, "policy p { " LIMITS " process {\n  caps CAP_SYS_ADMIN, CAP_NET_BIND_SERVICE, "
                    "CAP_SYS_NICE;\n} }\n");
        assert_int_equal(t_count(&t, "caps-kept", "CAP_SYS_ADMIN"), 1);
        assert_int_equal(t_count(&t, "caps-kept", "CAP_SYS_NICE"), 1);
        assert_int_equal(t_count(&t, "caps-kept", "CAP_NET_BIND_SERVICE"), 0);
        const vf_finding *f = t_first(&t, "caps-kept");
        assert_int_equal(f->severity, VF_ERROR);
        assert_int_equal(f->locs[0].where.line, 3);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " process { caps CAP_DAC_READ_SEARCH; } }\n");
        assert_int_equal(t_count(&t, "caps-kept", "open_by_handle_at"), 1);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " process { caps none; } }\n");
        assert_int_equal(t_count(&t, "caps-kept", NULL), 0);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " process { caps CAP_NET_BIND_SERVICE; } }\n");
        assert_int_equal(t_count(&t, "caps-kept", NULL), 0);
        t_free(&t);
        (void)state;
}

static void unbounded(void **state)
{
        T t;
        t_check(&t, "policy p { fs { allow read /usr; } }\n");
        assert_int_equal(t_count(&t, "unbounded-resources", "`memory`"), 1);
        assert_int_equal(t_count(&t, "unbounded-resources", "`pids`"), 1);
        assert_int_equal(t_first(&t, "unbounded-resources")->severity, VF_WARNING);
        t_free(&t);
        t_check(&t, "policy p { limits { memory 1GiB; swap 0; } }\n");
        assert_int_equal(t_count(&t, "unbounded-resources", "`memory`"), 0);
        assert_int_equal(t_count(&t, "unbounded-resources", "`pids`"), 1);
        t_free(&t);
        t_check(&t, "policy p { limits { memory 1GiB; pids 10; } }\n");
        assert_int_equal(t_count(&t, "unbounded-resources", "swap"), 1);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " }\n");
        assert_int_equal(t_count(&t, "unbounded-resources", NULL), 0);
        t_free(&t);
        (void)state;
}

static void unenforceable(void **state)
{
        T t;
        t_check(&t, "policy p { " LIMITS " net {\n"
                    "  allow connect api.github.com:443 { allow http GET /repos/**; }\n"
                    "} }\n");
        assert_int_equal(t_count(&t, "unenforceable", "TLS"), 1);
        assert_int_equal(t_first(&t, "unenforceable")->locs[0].where.line, 3);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " net {\n"
                    "  allow connect api.github.com:80 { allow http GET /repos/**; }\n"
                    "  allow connect api.github.com:443;\n"
                    "} }\n");
        assert_int_equal(t_count(&t, "unenforceable", NULL), 0);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " net { allow bind 127.0.0.1:8000; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", "by port only"), 1);
        t_free(&t);
        t_check(&t, "policy p { " LIMITS " net { allow bind [::]/0:8000; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", NULL), 0);
        t_free(&t);
        t_check(&t, "policy p { limits { swap 0; pids 4; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", "swap"), 1);
        t_free(&t);
        t_check(&t, "policy p { limits { memory 1GiB; swap 0; pids 4; io weight 100; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", "io weight"), 1);
        t_free(&t);
        t_check(&t, "policy p { limits { memory 1GiB; swap 0; pids 4; cputime 1500ms; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", "whole seconds"), 1);
        t_free(&t);
        t_check(&t, "policy p { limits { memory 1GiB; swap 0; pids 4; cputime 2s; } }\n");
        assert_int_equal(t_count(&t, "unenforceable", NULL), 0);
        t_free(&t);
        (void)state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(caps),
            cmocka_unit_test(unbounded),
            cmocka_unit_test(unenforceable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
