/*
 * test_net.c - unit tests for the network domain of the verifier
 * (verifier/net.c): every finding it owns, positive and negative, the
 * set-level cases (a rule covered only by a combination of rules), the
 * witnesses replayed through the reference evaluator (vf_replay counts a
 * disagreement in v.internal, which every test requires to be 0),
 * `assert never connect`, vf_compare_net on pairs related by construction,
 * and a seeded random generator: the Z3 encoding's decision against
 * eval_connect / eval_http / eval_bind on random rule sets and requests
 * built from the rules' boundaries.
 *
 * net.c is included so the tests reach its oracle (the encoding's decision
 * on one concrete request); the library's copy is then not linked.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "verifier/net.c"

#include <regex.h>
#include <time.h>

typedef struct T {
        fixture fx;
        ir_policy *p;
        vf v;
} T;

static void t_load(T *t, const char *text)
{
        t->p = fx_policy(&t->fx, text, NULL);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
}

static void t_check(T *t, const char *text)
{
        t_load(t, text);
        vf_check_net(&t->v, t->p);
        assert_int_equal(t->v.internal, 0);
        assert_int_equal(t->v.unknowns, 0);
}

static void t_free(T *t)
{
        vf_free(&t->v);
        fx_free(&t->fx);
}

static int t_count(T *t, const char *name)
{
        int n = 0;
        for (int i = 0; i < t->v.nf; i++)
                n += !strcmp(t->v.f[i].name, name);
        return n;
}

static void t_dump(T *t)
{
        for (int i = 0; i < t->v.nf; i++)
                fprintf(stderr, "  %s: %s [%s] (%d locs)\n", t->v.f[i].name, t->v.f[i].message,
                        t->v.f[i].witness ? t->v.f[i].witness : "", t->v.f[i].nlocs);
}

static bool matches(const char *re, const char *s)
{
        regex_t r;
        assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
        bool ok = regexec(&r, s, 0, NULL, 0) == 0;
        regfree(&r);
        return ok;
}

/* A finding `name` whose message matches `msg_re` (NULL: any), with a
 * witness matching `wit_re` (NULL: any). */
static const vf_finding *expect(T *t, const char *name, const char *msg_re, const char *wit_re)
{
        for (int i = 0; i < t->v.nf; i++) {
                const vf_finding *f = &t->v.f[i];
                if (strcmp(f->name, name) || (msg_re && !matches(msg_re, f->message)))
                        continue;
                assert_non_null(f->witness);
                assert_non_null(f->fix);
                assert_true(f->nlocs >= 1);
                if (wit_re && !matches(wit_re, f->witness)) {
                        fprintf(stderr, "witness '%s' does not match '%s'\n", f->witness, wit_re);
                        fail();
                }
                return f;
        }
        t_dump(t);
        fail_msg("no %s finding", name);
        return NULL;
}

static void expect_none(T *t, const char *name)
{
        if (t_count(t, name)) {
                t_dump(t);
                fail_msg("unexpected %s", name);
        }
}

#define SYS_OK                                                                                     \
        "syscalls { default errno(EPERM); allow socket when domain in { AF_UNIX, AF_INET, "        \
        "AF_INET6 } && type & 15 != 3; }\n"

/* ---- anomalies ---- */

static void shadowed_single(void **state)
{
        T t;
        t_check(&t, "policy p { net {\n"
                    "  allow connect *.x.com:443;\n"
                    "  allow connect a.x.com:443;\n"
                    "} }\n");
        const vf_finding *f =
            expect(&t, "shadowed-rule", "a\\.x\\.com", "^connect a\\.x\\.com:443 addr=");
        assert_int_equal(f->nlocs, 2);
        assert_int_equal(f->locs[0].where.line, 3);
        assert_int_equal(f->locs[1].where.line, 2);
        assert_int_equal(t_count(&t, "shadowed-rule"), 1);
        t_free(&t);
        /* one label more is not covered by `*` */
        t_check(&t, "policy p { net {\n"
                    "  allow connect *.x.com:443;\n"
                    "  allow connect a.b.x.com:443;\n"
                    "} }\n");
        expect_none(&t, "shadowed-rule");
        t_free(&t);
        (void)state;
}

static void shadowed_set_cidr(void **state)
{
        T t;
        /* only the two halves together cover the /24 (on 443; they
         * grant every port, so it covers neither of them) */
        t_check(&t, "policy p { net {\n"
                    "  allow connect 192.0.2.0/25:*;\n"
                    "  allow connect 192.0.2.128/25:*;\n"
                    "  allow connect 192.0.2.0/24:443;\n"
                    "} }\n");
        const vf_finding *f =
            expect(&t, "shadowed-rule", "192\\.0\\.2\\.0/24", "^connect 192\\.0\\.2\\.");
        assert_int_equal(f->nlocs, 3);
        assert_int_equal(t_count(&t, "shadowed-rule"), 1);
        t_free(&t);
        /* one half missing: not covered */
        t_check(&t, "policy p { net {\n"
                    "  allow connect 192.0.2.0/25:443;\n"
                    "  allow connect 192.0.2.0/24:443;\n"
                    "} }\n");
        f = expect(&t, "shadowed-rule", "192\\.0\\.2\\.0/25", NULL);
        assert_int_equal(t_count(&t, "shadowed-rule"), 1);
        t_free(&t);
        /* ports: two ranges cover a third */
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:8000..8004;\n"
                    "  allow connect x.com:8005..8010;\n"
                    "  allow connect x.com:8003..8006;\n"
                    "} }\n");
        f = expect(&t, "shadowed-rule", "8003", NULL);
        assert_int_equal(f->nlocs, 3);
        t_free(&t);
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:8000..8004;\n"
                    "  allow connect x.com:8006..8010;\n"
                    "  allow connect x.com:8003..8006;\n"
                    "} }\n");
        expect_none(&t, "shadowed-rule");
        t_free(&t);
        (void)state;
}

static void shadowed_deny_set(void **state)
{
        T t;
        t_check(&t, "policy p { net {\n"
                    "  allow connect 0.0.0.0/0:443;\n"
                    "  deny connect 192.0.2.0/25:*;\n"
                    "  deny connect 192.0.2.128/25:*;\n"
                    "  deny connect 192.0.2.0/24:443;\n"
                    "} }\n");
        const vf_finding *f = expect(&t, "shadowed-rule", "deny connect 192\\.0\\.2\\.0/24", NULL);
        assert_int_equal(f->nlocs, 3);
        t_free(&t);
        (void)state;
}

static void redundant(void **state)
{
        T t;
        t_check(&t, "fragment a { net { allow connect x.com:443 from /usr/bin/git; } }\n"
                    "fragment b { net { allow connect x.com:443 from /usr/bin/git; } }\n"
                    "policy p { use a, b; }\n");
        expect(&t, "redundant-rule", NULL, "^connect x\\.com:443 .*from /usr/bin/git");
        assert_int_equal(t_count(&t, "redundant-rule"), 1);
        expect_none(&t, "shadowed-rule");
        t_free(&t);
        /* a different binary: neither covers the other */
        t_check(&t, "fragment a { net { allow connect x.com:443 from /usr/bin/git; } }\n"
                    "fragment b { net { allow connect x.com:443 from /usr/bin/curl; } }\n"
                    "policy p { use a, b; }\n");
        expect_none(&t, "redundant-rule");
        expect_none(&t, "shadowed-rule");
        t_free(&t);
        (void)state;
}

static void dead_rule(void **state)
{
        T t;
        /* host-name rules never reach 10/8: the deny never decides */
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:443;\n"
                    "  deny connect 10.0.0.0/8:*;\n"
                    "} }\n");
        expect(&t, "dead-rule", "10\\.0\\.0\\.0/8", "^connect ");
        t_free(&t);
        t_check(&t, "policy p { net {\n"
                    "  allow connect 10.0.0.0/8:443;\n"
                    "  deny connect 10.1.0.0/16:*;\n"
                    "} }\n");
        expect_none(&t, "dead-rule");
        t_free(&t);
        (void)state;
}

static void vacuous(void **state)
{
        T t;
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:80 { deny http * /admin/**; }\n"
                    "} }\n");
        expect(&t, "vacuous-rule", "grants nothing", NULL);
        t_free(&t);
        t_check(&t, "policy p { net { allow connect [::]/0:*; } }\n");
        expect(&t, "vacuous-rule", "every address", NULL);
        t_free(&t);
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:80 { allow http GET /**; deny http * /admin/**; }\n"
                    "  allow connect 0.0.0.0/0:443;\n"
                    "} }\n");
        expect_none(&t, "vacuous-rule");
        t_free(&t);
        (void)state;
}

static void overridden(void **state)
{
        T t;
        t_check(&t, "policy p { net {\n"
                    "  allow connect 0.0.0.0/0:443;\n"
                    "  deny connect 192.0.2.1:443;\n"
                    "} }\n");
        const vf_finding *f =
            expect(&t, "overridden-allow", "partly", "^connect 192\\.0\\.2\\.1:443( from [^ ]+)?$");
        assert_int_equal(f->nlocs, 2);
        t_free(&t);
        /* fully, by two denies together */
        t_check(&t, "policy p { net {\n"
                    "  allow connect 192.0.2.0/24:443;\n"
                    "  deny connect 192.0.2.0/25:*;\n"
                    "  deny connect 192.0.2.128/25:*;\n"
                    "} }\n");
        f = expect(&t, "overridden-allow", "fully", "^connect 192\\.0\\.2\\.");
        assert_int_equal(f->nlocs, 3);
        t_free(&t);
        /* http: a deny http overrides an allow http of another rule */
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:80 { allow http GET /repos/**; }\n"
                    "  allow connect x.com:80 from /usr/bin/git { deny http * /repos/*/admin; }\n"
                    "} }\n");
        expect(&t, "overridden-allow", NULL,
               "^http GET x\\.com:80/repos/[^ ]*/admin .*from /usr/bin/git");
        t_free(&t);
        t_check(&t, "policy p { net {\n"
                    "  allow connect 192.0.2.0/24:443;\n"
                    "  deny connect 198.51.100.0/24:*;\n"
                    "  allow connect 198.51.100.0/24:80;\n"
                    "  deny connect 198.51.100.0/24:443;\n"
                    "} }\n");
        /* the last allow is fully overridden; the first is untouched */
        f = expect(&t, "overridden-allow", "fully", NULL);
        assert_int_equal(f->locs[0].where.line, 4);
        assert_int_equal(t_count(&t, "overridden-allow"), 1);
        t_free(&t);
        (void)state;
}

/* ---- escalation ---- */

static void interpreter(void **state)
{
        T t;
        t_check(&t, "policy p { net { allow connect x.com:443 from /usr/bin/python3.11; } }\n");
        const vf_finding *f = expect(&t, "interpreter-grant", "python3",
                                     "^connect x\\.com:443 .*from /usr/bin/python3\\.11$");
        assert_int_equal(f->severity, VF_ERROR);
        t_free(&t);
        t_check(&t, "policy p { net { allow connect x.com:443 from /usr/bin/git; } }\n");
        expect_none(&t, "interpreter-grant");
        t_free(&t);
        t_check(&t, "policy p { net { allow connect x.com:443; } }\n");
        f = expect(&t, "interpreter-grant", "every binary", "from /bin/sh$");
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        t_check(&t,
                "policy p { net { allow connect x.com:443 from /usr/bin/pip3 and children; } }\n");
        f = expect(&t, "interpreter-grant", "and children", "from /bin/sh under /usr/bin/pip3$");
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        /* a grant that a deny cancels everywhere gives nothing to report */
        t_check(&t, "policy p { net {\n"
                    "  allow connect x.com:443 from /bin/bash;\n"
                    "  deny connect x.com:*;\n"
                    "} }\n");
        expect_none(&t, "interpreter-grant");
        t_free(&t);
        (void)state;
}

static void metadata(void **state)
{
        T t;
        t_check(&t, "policy p { net { allow connect 169.254.169.254:80 from /usr/bin/curl; } }\n");
        const vf_finding *f = expect(&t, "metadata-egress", "metadata",
                                     "^connect 169\\.254\\.169\\.254:80 from /usr/bin/curl$");
        assert_int_equal(f->severity, VF_ERROR);
        t_free(&t);
        t_check(&t, "policy p { net { allow connect 10.0.0.0/8:443 from /usr/bin/curl; } }\n");
        f = expect(&t, "metadata-egress", "private", "^connect 10\\.");
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        t_check(&t, "policy p { net { allow connect 127.0.0.1:5432 from /usr/bin/psql; } }\n");
        expect(&t, "metadata-egress", "loopback", "127\\.0\\.0\\.1:5432");
        t_free(&t);
        /* a wide range or a host name: the proxy refuses special addresses */
        t_check(&t, "policy p { net {\n"
                    "  allow connect 0.0.0.0/0:443 from /usr/bin/curl;\n"
                    "  allow connect localhost:8080 from /usr/bin/curl;\n"
                    "  allow connect [::]/0:443 from /usr/bin/curl;\n"
                    "} }\n");
        expect_none(&t, "metadata-egress");
        t_free(&t);
        /* a deny takes it back */
        t_check(&t, "policy p { net {\n"
                    "  allow connect 169.254.0.0/16:80 from /usr/bin/curl;\n"
                    "  deny connect 169.254.0.0/16:*;\n"
                    "} }\n");
        expect_none(&t, "metadata-egress");
        t_free(&t);
        (void)state;
}

static void socket_bypass(void **state)
{
        T t;
        t_check(&t, "policy p { syscalls { default errno(EPERM); allow socket; } }\n");
        expect(&t, "proxy-bypass", "AF_VSOCK", "^socket domain=40 ");
        expect(&t, "proxy-bypass", "AF_PACKET", "^socket domain=17 ");
        expect(&t, "proxy-bypass", "raw IPv4", "^socket domain=2 type=[0-9]+ ");
        expect(&t, "proxy-bypass", "netlink", "^socket domain=16 type=[0-9]+ protocol=[1-9]");
        t_free(&t);
        t_check(&t, "policy p { " SYS_OK " }\n");
        expect_none(&t, "proxy-bypass");
        t_free(&t);
        /* netlink route only */
        t_check(&t, "policy p { syscalls { default errno(EPERM);\n"
                    "  allow socket when domain == AF_NETLINK && protocol == 0; } }\n");
        expect_none(&t, "proxy-bypass");
        t_free(&t);
        /* a kill rule for raw sockets beats a broad allow */
        t_check(&t, "policy p { syscalls { default errno(EPERM);\n"
                    "  allow socket when domain in { AF_INET, AF_INET6 };\n"
                    "  kill socket when type & 15 == 3; } }\n");
        expect_none(&t, "proxy-bypass");
        t_free(&t);
        /* no syscalls section: everything */
        t_check(&t, "policy p { net { allow connect x.com:443 from /usr/bin/git; } }\n");
        expect(&t, "proxy-bypass", "AF_VSOCK", NULL);
        t_free(&t);
        (void)state;
}

/* ---- assertions ---- */

static void assert_connect(void **state)
{
        T t;
        t_check(&t, "policy p {\n"
                    "  net { allow connect 10.1.0.0/16:443 from /usr/bin/curl; }\n"
                    "  assert never connect 10.0.0.0/8:*;\n"
                    "}\n");
        const vf_finding *f =
            expect(&t, "assert-never", NULL, "^connect 10\\.1\\.[0-9.]+:443 from /usr/bin/curl$");
        assert_int_equal(f->severity, VF_ERROR);
        assert_int_equal(f->nlocs, 2);
        t_free(&t);
        /* through a host name: the attacker's DNS makes the name resolve
         * into the allowed range */
        t_check(&t, "policy p {\n"
                    "  net { allow connect 198.51.100.0/24:443 from /usr/bin/curl; }\n"
                    "  assert never connect evil.example.com:*;\n"
                    "}\n");
        expect(
            &t, "assert-never", NULL,
            "^connect evil\\.example\\.com:443 addr=198\\.51\\.100\\.[0-9]+ from /usr/bin/curl$");
        t_free(&t);
        t_check(&t, "policy p {\n"
                    "  net { allow connect *.example.com:443 from /usr/bin/curl; }\n"
                    "  assert never connect evil.example.com:*;\n"
                    "}\n");
        expect(&t, "assert-never", NULL, "^connect evil\\.example\\.com:443 ");
        t_free(&t);
        /* the proxy refuses 10/8 for name rules: proved */
        t_check(&t, "policy p {\n"
                    "  net { allow connect *.example.com:443; deny connect 10.0.0.0/8:*; }\n"
                    "  assert never connect 10.0.0.0/8:*, 169.254.0.0/16:*;\n"
                    "}\n");
        expect_none(&t, "assert-never");
        t_free(&t);
        /* from: only that binary */
        t_check(&t, "policy p {\n"
                    "  net { allow connect x.com:443 from /usr/bin/git; }\n"
                    "  assert never connect x.com:* from /usr/bin/python3;\n"
                    "}\n");
        expect_none(&t, "assert-never");
        t_free(&t);
        t_check(&t, "policy p {\n"
                    "  net { allow connect x.com:443 from /usr/bin/git and children; }\n"
                    "  assert never connect x.com:* from /usr/bin/python3;\n"
                    "}\n");
        expect(&t, "assert-never", NULL, "from /usr/bin/python3 under /usr/bin/git$");
        t_free(&t);
        (void)state;
}

/* ---- compare ---- */

static void cmp(const char *a, const char *b, vf_relation want, const char *wide_re,
                const char *narrow_re)
{
        char *text = malloc(strlen(a) + strlen(b) + 64);
        sprintf(text, "policy old { %s }\npolicy new { %s }\n", a, b);
        fixture fx;
        fx_lower(&fx, text);
        vf v;
        vf_init(&v, 0);
        vf_set_program(&v, &fx.ctx, fx.prog);
        vf_compare out;
        vf_compare_net(&v, ir_find_policy(fx.prog, "old"), ir_find_policy(fx.prog, "new"), &out);
        assert_int_equal(v.internal, 0);
        assert_false(out.unknown);
        assert_string_equal(out.domain, "net");
        if (out.rel != want)
                fail_msg("%s vs %s: %s, wanted %s (wider %s, narrower %s)", a, b,
                         vf_relation_name(out.rel), vf_relation_name(want),
                         out.wider_witness ? out.wider_witness : "-",
                         out.narrower_witness ? out.narrower_witness : "-");
        if (wide_re)
                assert_true(matches(wide_re, out.wider_witness));
        if (narrow_re)
                assert_true(matches(narrow_re, out.narrower_witness));
        vf_free(&v);
        fx_free(&fx);
        free(text);
}

static void compare(void **state)
{
        cmp("net { allow connect x.com:443; }", "net { allow connect x.com:443; }", VF_EQUIVALENT,
            NULL, NULL);
        cmp("net { allow connect x.com:443; }",
            "net { allow connect *.x.com:443; allow connect x.com:443; }", VF_WIDER,
            "^connect osh-w\\.x\\.com:443", NULL);
        cmp("net { allow connect x.com:443; allow connect y.com:80; }",
            "net { allow connect x.com:443; }", VF_NARROWER, NULL, "^connect y\\.com:80");
        cmp("net { allow connect x.com:443; }", "net { allow connect y.com:443; }", VF_INCOMPARABLE,
            "y\\.com", "x\\.com");
        /* a deny added: narrower */
        cmp("net { allow connect 0.0.0.0/0:443; }",
            "net { allow connect 0.0.0.0/0:443; deny connect 192.0.2.0/24:*; }", VF_NARROWER, NULL,
            "^connect 192\\.0\\.2\\.");
        /* the same set written two ways */
        cmp("net { allow connect 192.0.2.0/24:443; }",
            "net { allow connect 192.0.2.0/25:443; allow connect 192.0.2.128/25:443; }",
            VF_EQUIVALENT, NULL, NULL);
        /* http rules: narrower than the plain rule, and no tunnel */
        cmp("net { allow connect x.com:80; }",
            "net { allow connect x.com:80 { allow http GET /**; } }", VF_NARROWER, NULL, NULL);
        /* bind */
        cmp("net { allow bind 127.0.0.1:8000; }", "net { allow bind 127.0.0.1:8000..8001; }",
            VF_WIDER, "^bind 127\\.0\\.0\\.1:8001$", NULL);
        /* from: wider when the binary goes */
        cmp("net { allow connect x.com:443 from /usr/bin/git; }",
            "net { allow connect x.com:443; }", VF_WIDER, "^connect x\\.com:443", NULL);
        /* no net section vs an empty one */
        cmp("fs { allow read /tmp; }", "net { allow bind 127.0.0.1:8000; }", VF_WIDER, "^bind ",
            NULL);
        (void)state;
}

/* ---- the random generator: encoding vs reference evaluator ---- */

static unsigned rnd_state;
static unsigned rnd(unsigned n)
{
        rnd_state = rnd_state * 1103515245u + 12345u;
        return (rnd_state >> 8) % n;
}

static const char *const gen_hosts[] = {
    "x.com", "a.x.com", "*.x.com",    "**.x.com", "a.b.x.com", "b.*.x.com", "*.b.x.com",
    "y.org", "*.y.org", "**.a.y.org", "a.y.org",  "c.a.y.org", "x.x.com",   "*.*.x.com",
};
static const char *const gen_nets[] = {
    "192.0.2.0/24",    "192.0.2.0/25",  "192.0.2.128/25", "192.0.2.7",       "0.0.0.0/0",
    "10.0.0.0/8",      "10.1.0.0/16",   "127.0.0.1",      "169.254.169.254", "[::]/0",
    "[2001:db8::]/32", "[fd00::]/8",    "[::1]",          "198.51.100.0/30", "100.64.0.0/10",
    "[::ffff:0:0]/96", "172.16.0.0/12", "0.0.0.0/1",
};
static const char *const gen_ports[] = {"80", "443", "8000..8010", "*", "1..1024", "8005", "65535"};
static const char *const gen_bins[] = {"/usr/bin/git", "/usr/bin/python3", "/usr/bin/curl"};
static const char *const gen_globs[] = {"/repos/**", "/repos/*/x", "/a/*", "/**", "/a/b", "/v1*"};
static const char *const gen_methods[] = {"GET", "POST", "*", "GET, HEAD"};

static void gen_endpoint(char *buf, size_t n)
{
        const char *port = gen_ports[rnd(7)];
        if (rnd(2))
                snprintf(buf, n, "%s:%s", gen_hosts[rnd(14)], port);
        else
                snprintf(buf, n, "%s:%s", gen_nets[rnd(18)], port);
}

static char *gen_policy(void)
{
        size_t cap = 8192, o = 0;
        char *s = malloc(cap);
        o += (size_t)snprintf(s + o, cap - o, "policy g { net {\n");
        int nr = 1 + (int)rnd(7);
        for (int i = 0; i < nr; i++) {
                char ep[128];
                gen_endpoint(ep, sizeof ep);
                bool bind = rnd(6) == 0;
                bool deny = rnd(3) == 0;
                if (bind) {
                        snprintf(ep, sizeof ep, "%s:%s", gen_nets[rnd(18)], gen_ports[rnd(7)]);
                        o += (size_t)snprintf(s + o, cap - o, "  %s bind %s;\n",
                                              deny ? "deny" : "allow", ep);
                        continue;
                }
                o += (size_t)snprintf(s + o, cap - o, "  %s connect %s", deny ? "deny" : "allow",
                                      ep);
                if (rnd(3) == 0)
                        o += (size_t)snprintf(s + o, cap - o, " from %s%s", gen_bins[rnd(3)],
                                              rnd(2) ? " and children" : "");
                if (!deny && rnd(3) == 0) {
                        o += (size_t)snprintf(s + o, cap - o, " {");
                        int nh = 1 + (int)rnd(3);
                        for (int h = 0; h < nh; h++)
                                o += (size_t)snprintf(s + o, cap - o, " %s http %s %s;",
                                                      rnd(3) ? "allow" : "deny",
                                                      gen_methods[rnd(4)], gen_globs[rnd(6)]);
                        o += (size_t)snprintf(s + o, cap - o, " }\n");
                        continue;
                }
                o += (size_t)snprintf(s + o, cap - o, ";\n");
        }
        snprintf(s + o, cap - o, "} }\n");
        return s;
}

/* Addresses at the edges of a rule's range. */
static int edge_addrs(const ir_endpoint *ep, uint8_t out[][16])
{
        int n = 0;
        uint8_t lo[16], hi[16];
        memcpy(lo, ep->addr, 16);
        memcpy(hi, ep->addr, 16);
        for (int b = ep->prefix; b < 128; b++)
                hi[b / 8] |= (uint8_t)(0x80 >> (b % 8));
        memcpy(out[n++], lo, 16);
        memcpy(out[n++], hi, 16);
        /* one below lo, one above hi */
        uint8_t x[16];
        memcpy(x, lo, 16);
        for (int i = 15; i >= 0 && x[i]-- == 0; i--)
                ;
        memcpy(out[n++], x, 16);
        memcpy(x, hi, 16);
        for (int i = 15; i >= 0 && ++x[i] == 0; i--)
                ;
        memcpy(out[n++], x, 16);
        return n;
}

static void random_vs_eval(void **state)
{
        rnd_state = 20261127u;
        const char *extra_hosts[] = {"z.x.com",   "x.com",     "com",      "osh-w.a.y.org",
                                     "q.q.x.com", "b.q.x.com", "localhost"};
        static const char *const special[] = {
            "169.254.169.254", "127.0.0.1", "10.0.0.1",    "::1",     "fd00::1",
            "::ffff:10.0.0.1", "8.8.8.8",   "2001:db8::5", "0.0.0.0", "100.64.0.1"};
        int checked = 0;
        for (int round = 0; round < 60; round++) {
                char *text = gen_policy();
                fixture fx;
                fx_lower(&fx, text);
                ir_policy *p = ir_select_policy(fx.prog, NULL);
                assert_non_null(p);
                vf v;
                vf_init(&v, 0);
                vf_set_program(&v, &fx.ctx, fx.prog);
                net_oracle o;
                net_oracle_init(&o, &v, p);
                /* candidate pieces from the rules' boundaries */
                const char *hosts[128];
                int nh = 0;
                uint8_t addrs[256][16];
                int na = 0;
                uint16_t ports[128];
                int np = 0;
                const char *paths[64];
                int npaths = 0;
                for (size_t i = 0; i < sizeof extra_hosts / sizeof *extra_hosts; i++)
                        hosts[nh++] = extra_hosts[i];
                for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
                        ip_net a;
                        char err[64];
                        assert_true(ip_net_parse(special[i], &a, true, err, sizeof err));
                        memcpy(addrs[na++], a.addr, 16);
                }
                /* names made of the policy's labels, independent of how
                 * net.c builds its atoms: a class it missed shows here */
                static const char *const labels[] = {"a", "b", "c", "x", "y", "com", "org", "q"};
                for (int k = 0; k < 24 && nh < 120; k++) {
                        char name[64] = "";
                        int len = 2 + (int)rnd(4);
                        for (int l = 0; l < len; l++) {
                                const char *lab = l == len - 1   ? (rnd(2) ? "com" : "org")
                                                  : l == len - 2 ? (rnd(2) ? "x" : "y")
                                                                 : labels[rnd(8)];
                                strcat(name, lab);
                                if (l < len - 1)
                                        strcat(name, ".");
                        }
                        hosts[nh++] = arena_strdup(&fx.ctx.arena, name);
                }
                ports[np++] = 1;
                ports[np++] = 65535;
                paths[npaths++] = "/";
                paths[npaths++] = "/repos";
                paths[npaths++] = "/a/b/c";
                for (int i = 0; i < p->nnet; i++) {
                        const ir_net_rule *r = &p->net[i];
                        if (r->ep.kind == IR_HOST_NAME && nh < 120) {
                                hosts[nh++] = host_fill(&fx.ctx.arena, r->ep.host, 1);
                                hosts[nh++] = arena_printf(&fx.ctx.arena, "z.%s",
                                                           host_fill(&fx.ctx.arena, r->ep.host, 2));
                                const char *d = strchr(r->ep.host, '.');
                                if (d && strchr(d + 1, '.'))
                                        hosts[nh++] = host_fill(&fx.ctx.arena, d + 1, 1);
                        } else if (r->ep.kind == IR_HOST_IP && na < 240) {
                                na += edge_addrs(&r->ep, &addrs[na]);
                        }
                        uint16_t pe[4] = {r->ep.port_lo, r->ep.port_hi,
                                          (uint16_t)(r->ep.port_lo - 1),
                                          (uint16_t)(r->ep.port_hi + 1)};
                        for (int k = 0; k < 4 && np < 120; k++)
                                if (pe[k])
                                        ports[np++] = pe[k];
                        for (int j = 0; j < r->nl7 && npaths < 60; j++) {
                                const char *f1 =
                                    glob_fill(&fx.ctx.arena, r->l7[j].path, "q", "q/r");
                                const char *f2 = glob_fill(&fx.ctx.arena, r->l7[j].path, "", NULL);
                                if (f1)
                                        paths[npaths++] = f1;
                                if (f2)
                                        paths[npaths++] = f2;
                        }
                }
                for (int k = 0; k < 40; k++) {
                        net_request q = {0};
                        int kind = (int)rnd(5); /* 0-2 connect, 3 http, 4 bind */
                        bool bind = kind == 4, plain = kind == 3;
                        if (bind || rnd(3) == 0) {
                                q.host_is_ip = true;
                                q.host = "ip";
                        } else {
                                q.host = hosts[rnd((unsigned)nh)];
                        }
                        memcpy(q.addr, addrs[rnd((unsigned)na)], 16);
                        q.has_addr = true;
                        q.port = ports[rnd((unsigned)np)];
                        if (!bind) {
                                unsigned b = rnd(5);
                                q.binary = b < 3 ? gen_bins[b] : b == 3 ? "/bin/sh" : NULL;
                                if (rnd(3) == 0)
                                        q.ancestors[q.nancestors++] = gen_bins[rnd(3)];
                        }
                        q.method = rnd(2) ? "GET" : rnd(2) ? "POST" : "PUT";
                        q.path = paths[rnd((unsigned)npaths)];
                        eval_result ev = bind    ? eval_bind(p, &q)
                                         : plain ? eval_http(p, &v.env, &q)
                                                 : eval_connect(p, &v.env, &q);
                        int d = net_oracle_decide(&o, &q, bind, plain);
                        if (d != (int)ev.allowed) {
                                char as[64];
                                fmt_addr(q.addr, as, sizeof as);
                                fail_msg("policy:\n%s\nrequest %s %s:%u addr=%s bin=%s path=%s "
                                         "method=%s: eval %d, encoding %d",
                                         text,
                                         bind    ? "bind"
                                         : plain ? "http"
                                                 : "connect",
                                         q.host, q.port, as, q.binary ? q.binary : "-", q.path,
                                         q.method, ev.allowed, d);
                        }
                        checked++;
                }
                net_oracle_free(&o);
                /* the checks on the same policy replay every witness */
                vf_check_net(&v, p);
                assert_int_equal(v.internal, 0);
                assert_int_equal(v.unknowns, 0);
                vf_free(&v);
                fx_free(&fx);
                free(text);
        }
        assert_true(checked >= 2000);
        (void)state;
}

/* Host atoms: every name over a few labels decides as the evaluator does
 * (a class the atoms missed would have no atom: decide returns -1). */
static void host_atoms_exhaustive(void **state)
{
        fixture fx;
        fx_lower(&fx, "policy p { net {\n"
                      "  allow connect b.*.x.com:443;\n"
                      "  deny connect *.b.x.com:443;\n"
                      "  allow connect **.c.x.com:443;\n"
                      "  deny connect **.a.x.com:443;\n"
                      "  allow connect *.*.x.com:443;\n"
                      "  deny connect a.*.*.com:443;\n"
                      "  allow connect **.x.com:443 from /usr/bin/git;\n"
                      "  deny connect c.c.*.com:443;\n"
                      "} }\n");
        ir_policy *p = ir_select_policy(fx.prog, NULL);
        vf v;
        vf_init(&v, 0);
        vf_set_program(&v, &fx.ctx, fx.prog);
        net_oracle o;
        net_oracle_init(&o, &v, p);
        static const char *const lab[] = {"a", "b", "c", "x"};
        int n = 0;
        for (int len = 1; len <= 4; len++) {
                int total = 1;
                for (int i = 0; i < len; i++)
                        total *= 4;
                for (int c = 0; c < total; c++) {
                        char name[64] = "";
                        for (int i = 0, x = c; i < len; i++, x /= 4) {
                                strcat(name, lab[x % 4]);
                                strcat(name, ".");
                        }
                        strcat(name, "com");
                        for (int b = 0; b < 2; b++) {
                                net_request q = {0};
                                q.host = name;
                                q.has_addr = true;
                                ip_net a;
                                char err[64];
                                assert_true(ip_net_parse("192.0.2.1", &a, true, err, sizeof err));
                                memcpy(q.addr, a.addr, 16);
                                q.port = 443;
                                q.binary = b ? "/usr/bin/git" : NULL;
                                eval_result ev = eval_connect(p, &v.env, &q);
                                int d = net_oracle_decide(&o, &q, false, false);
                                if (d != (int)ev.allowed)
                                        fail_msg("%s from %s: eval %d, encoding %d", name,
                                                 q.binary ? q.binary : "-", ev.allowed, d);
                                n++;
                        }
                }
        }
        assert_int_equal(n, 2 * (4 + 16 + 64 + 256));
        net_oracle_free(&o);
        vf_free(&v);
        fx_free(&fx);
        (void)state;
}

/* ---- scale ---- */

static void large_policy(void **state)
{
        size_t cap = 1 << 20, o = 0;
        char *s = malloc(cap);
        o += (size_t)snprintf(s + o, cap - o, "policy big { net {\n");
        for (int i = 0; i < 1000; i++) {
                switch (i % 5) {
                case 0:
                        o += (size_t)snprintf(s + o, cap - o,
                                              "  allow connect h%d.svc%d.example.com:443;\n", i,
                                              i % 37);
                        break;
                case 1:
                        o += (size_t)snprintf(s + o, cap - o,
                                              "  allow connect *.svc%d.example.com:%d from "
                                              "/usr/bin/tool%d;\n",
                                              i % 37, 8000 + i % 50, i % 11);
                        break;
                case 2:
                        o += (size_t)snprintf(s + o, cap - o,
                                              "  allow connect 198.%d.%d.0/24:443;\n", 18 + i % 2,
                                              i % 250);
                        break;
                case 3:
                        o += (size_t)snprintf(s + o, cap - o, "  deny connect 198.%d.%d.%d:*;\n",
                                              18 + i % 2, (i * 7) % 250, i % 250);
                        break;
                default:
                        o += (size_t)snprintf(s + o, cap - o,
                                              "  allow connect api%d.example.org:80 { allow http "
                                              "GET /v%d/**; deny http * /v%d/admin/**; }\n",
                                              i, i % 9, i % 9);
                }
        }
        snprintf(s + o, cap - o, "} }\n");
        T t;
        struct timespec a, b;
        t_load(&t, s);
        clock_gettime(CLOCK_MONOTONIC, &a);
        vf_check_net(&t.v, t.p);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        fprintf(stderr, "  1,000-rule net policy: %.2f s, %d findings\n", secs, t.v.nf);
        assert_int_equal(t.v.internal, 0);
        assert_int_equal(t.v.unknowns, 0);
        t_free(&t);
        free(s);
        (void)state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(shadowed_single),   cmocka_unit_test(shadowed_set_cidr),
            cmocka_unit_test(shadowed_deny_set), cmocka_unit_test(redundant),
            cmocka_unit_test(dead_rule),         cmocka_unit_test(vacuous),
            cmocka_unit_test(overridden),        cmocka_unit_test(interpreter),
            cmocka_unit_test(metadata),          cmocka_unit_test(socket_bypass),
            cmocka_unit_test(assert_connect),    cmocka_unit_test(compare),
            cmocka_unit_test(random_vs_eval),    cmocka_unit_test(host_atoms_exhaustive),
            cmocka_unit_test(large_policy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
