/*
 * test_eval.c - unit tests for the reference evaluator (compiler/eval.c,
 * compiler/query.c) and the shared matchers of compiler/ir.c.
 *
 * Requests are written as on the `oshc query` command line and go through
 * eval_request, so the request parser is tested too; every decision checks
 * allowed/denied and, where it matters, the layer, the action and the line
 * of the deciding rule.  The matchers (path_covers, host_matches,
 * url_glob_matches, ir_action_stricter, eval_cond) are also tested on their
 * own with edge cases.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "compiler/eval.h"

typedef struct ev {
        fixture fx;
        ir_policy *p;
        eval_params env;
} ev;

static void ev_load(ev *e, const char *text)
{
        memset(&e->env, 0, sizeof(e->env));
        e->p = fx_policy(&e->fx, text, NULL);
}

static void ev_param(ev *e, const char *name, const char *value)
{
        e->env.names[e->env.n] = name;
        e->env.values[e->env.n++] = value;
}

static void ev_free(ev *e)
{
        fx_free(&e->fx);
}

static eval_result query(ev *e, const char *request)
{
        eval_result r;
        char err[256] = "";
        if (!eval_request(e->p, &e->env, request, &r, err, sizeof(err), &e->fx.ctx.arena))
                fail_msg("request '%s' rejected: %s", request, err);
        return r;
}

/* Decide `request`; it must come out `allowed`.  Returns the result. */
static eval_result expect(ev *e, const char *request, bool allowed)
{
        eval_result r = query(e, request);
        if (r.allowed != allowed)
                fail_msg("'%s': %s (%s), expected %s", request, r.allowed ? "allowed" : "denied",
                         r.reason ? r.reason : "", allowed ? "allowed" : "denied");
        return r;
}

#define ALLOW(e, req) expect((e), (req), true)
#define DENY(e, req) expect((e), (req), false)

/* Decide and check the deciding rule's line (0: the default decided). */
static void expect_at(ev *e, const char *request, bool allowed, int line)
{
        eval_result r = expect(e, request, allowed);
        if (line == 0) {
                if (r.rule_id != -1)
                        fail_msg("'%s': decided by the rule at line %d, expected the default",
                                 request, r.where.line);
        } else if (r.where.line != line) {
                fail_msg("'%s': decided at line %d, expected line %d", request, r.where.line, line);
        }
}

static void expect_action(ev *e, const char *request, action_kind kind, int errno_val)
{
        eval_result r = query(e, request);
        char got[64], want[64];
        ir_action w = {kind, errno_val};
        if (r.action.kind != kind || (kind == ACT_ERRNO && r.action.errno_val != errno_val))
                fail_msg("'%s': %s, expected %s", request, ir_action_str(r.action, got, 64),
                         ir_action_str(w, want, 64));
        assert_int_equal(r.layer, LAYER_SECCOMP);
}

static void expect_malformed(ev *e, const char *request, const char *msg)
{
        eval_result r;
        char err[256] = "";
        if (eval_request(e->p, &e->env, request, &r, err, sizeof(err), &e->fx.ctx.arena))
                fail_msg("request '%s' accepted", request);
        if (msg && !strstr(err, msg))
                fail_msg("'%s': error '%s' lacks '%s'", request, err, msg);
}

/* ---- fs ---- */

static const char fs_policy[] = "policy p {\n"
                                "    fs {\n"
                                "        allow read /etc;\n"                /* 3 */
                                "        deny /etc/shadow;\n"               /* 4 */
                                "        allow read, write /a;\n"           /* 5 */
                                "        allow exec /;\n"                   /* 6 */
                                "        allow read, write $WORKDIR;\n"     /* 7 */
                                "        deny $WORKDIR/.env;\n"             /* 8 */
                                "        deny write $WORKDIR/.git/hooks;\n" /* 9 */
                                "        allow ioctl /dev/tty;\n"           /* 10 */
                                "    }\n"
                                "}\n";

static void test_fs_allow_and_deny(void **state)
{
        ev e;
        ev_load(&e, fs_policy);
        eval_result r = ALLOW(&e, "read /etc/passwd");
        assert_int_equal(r.layer, LAYER_FS);
        assert_int_equal(r.where.line, 3);
        assert_string_equal(r.origin, "p");
        expect_at(&e, "read /etc", true, 3);
        /* deny overrides allow, for every right and everything beneath */
        r = DENY(&e, "read /etc/shadow");
        assert_int_equal(r.layer, LAYER_FS);
        assert_int_equal(r.action.kind, ACT_ERRNO);
        assert_int_equal(r.where.line, 4);
        expect_at(&e, "exec /etc/shadow", false, 4);
        expect_at(&e, "read /etc/shadow/x", false, 4);
        expect_at(&e, "read /etc/shadow.bak", true, 3);
        /* rights are separate */
        expect_at(&e, "write /etc/passwd", false, 0);
        expect_at(&e, "write /a/b/c", true, 5);
        expect_at(&e, "ioctl /dev/tty", true, 10);
        expect_at(&e, "ioctl /dev/tty1", false, 0);
        expect_at(&e, "read /dev/tty", false, 0);
        ev_free(&e);
}

static void test_fs_directories_cover_descendants(void **state)
{
        ev e;
        ev_load(&e, fs_policy);
        ALLOW(&e, "read /a");
        ALLOW(&e, "read /a/b");
        DENY(&e, "read /ab");
        DENY(&e, "read /ab/c");
        DENY(&e, "read /");
        DENY(&e, "read /etcetera");
        /* a rule on / covers every path */
        expect_at(&e, "exec /usr/bin/git", true, 6);
        expect_at(&e, "exec /", true, 6);
        ev_free(&e);
}

static void test_fs_parameters(void **state)
{
        ev e;
        ev_load(&e, fs_policy);
        /* requests written with the parameter match rules on it */
        expect_at(&e, "read $WORKDIR", true, 7);
        expect_at(&e, "write $WORKDIR/src/main.c", true, 7);
        expect_at(&e, "read $WORKDIR/.env", false, 8);
        expect_at(&e, "read $WORKDIR/.env/x", false, 8);
        expect_at(&e, "read $WORKDIR/.envrc", true, 7);
        expect_at(&e, "write $WORKDIR/.git/hooks/pre-commit", false, 9);
        expect_at(&e, "read $WORKDIR/.git/hooks/pre-commit", true, 7);
        DENY(&e, "read $WORKDIRX/a");
        DENY(&e, "read $HOME/a");
        /* a literal path matches a parameter rule only when it has a value */
        expect_at(&e, "read /w/x", false, 0);
        ev_param(&e, "WORKDIR", "/w");
        expect_at(&e, "read /w/x", true, 7);
        expect_at(&e, "read /w", true, 7);
        expect_at(&e, "read /w/.env", false, 8);
        expect_at(&e, "read /w/.env/a", false, 8);
        expect_at(&e, "write /w/.git/hooks/x", false, 9);
        DENY(&e, "read /wx");
        DENY(&e, "read /x");
        ev_free(&e);
}

/* The kernel resolves `//`, `.` and `..` before Landlock sees a path, so a
 * request spelled that way must not get past a deny on the path it names
 * (nor escape upward): it is either refused as malformed or decided on the
 * resolved path, never allowed. */
static void test_fs_non_canonical_request_paths(void **state)
{
        ev e;
        ev_load(&e, fs_policy);
        const char *requests[] = {
            "read /etc//shadow",     "read /etc/./shadow",
            "read /etc/x/../shadow", "read /etc/../root/.ssh/id_rsa",
            "read $WORKDIR//.env",   "read $WORKDIR/./.env",
            "read $WORKDIR/../x",    "openat path=/etc//shadow flags=O_RDONLY",
        };
        int allowed = 0;
        for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
                eval_result r;
                char err[256] = "";
                if (eval_request(e.p, &e.env, requests[i], &r, err, sizeof(err), &e.fx.ctx.arena) &&
                    r.allowed) {
                        print_message("'%s' is allowed (%s)\n", requests[i], r.reason);
                        allowed++;
                }
        }
        ev_free(&e);
        assert_int_equal(allowed, 0);
}

static void test_fs_no_rules_means_deny(void **state)
{
        ev e;
        ev_load(&e, "policy p { }\n");
        eval_result r = DENY(&e, "read /etc/passwd");
        assert_int_equal(r.rule_id, -1);
        assert_int_equal(r.layer, LAYER_FS);
        ev_free(&e);
}

/* ---- connect ---- */

static const char net_policy[] = "policy p {\n"
                                 "    net {\n"
                                 "        allow connect *.one.com:443;\n"                 /* 3 */
                                 "        allow connect **.any.com:443;\n"                /* 4 */
                                 "        allow connect ports.com:8000..8010;\n"          /* 5 */
                                 "        allow connect 10.0.0.0/8:443;\n"                /* 6 */
                                 "        allow connect [fd00::]/8:443;\n"                /* 7 */
                                 "        allow connect 192.168.1.0/24:*;\n"              /* 8 */
                                 "        allow connect bin.com:443 from /usr/bin/git;\n" /* 9 */
                                 "        allow connect kids.com:443 from /usr/bin/node and "
                                 "children;\n"                                            /* 10 */
                                 "        allow connect deny.com:443;\n"                  /* 11 */
                                 "        deny connect deny.com:443;\n"                   /* 12 */
                                 "        deny connect 10.9.0.0/16:*;\n"                  /* 13 */
                                 "        allow connect meta.com:80;\n"                   /* 14 */
                                 "        allow connect 169.254.169.254:80;\n"            /* 15 */
                                 "        allow bind 127.0.0.1:8000..8010, [::1]:9000;\n" /* 16 */
                                 "        allow connect Mixed.Case.COM:443;\n"            /* 17 */
                                 "    }\n"
                                 "}\n";

static void test_connect_host_patterns(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        eval_result r = ALLOW(&e, "connect a.one.com:443");
        assert_int_equal(r.layer, LAYER_NET);
        assert_int_equal(r.where.line, 3);
        /* * is exactly one label */
        DENY(&e, "connect a.b.one.com:443");
        DENY(&e, "connect one.com:443");
        DENY(&e, "connect aone.com:443");
        /* ** is one or more labels, not none */
        expect_at(&e, "connect x.any.com:443", true, 4);
        expect_at(&e, "connect x.y.z.any.com:443", true, 4);
        DENY(&e, "connect any.com:443");
        DENY(&e, "connect xany.com:443");
        DENY(&e, "connect any.com.evil.net:443");
        /* case-insensitive: requests and rules are lowercased */
        expect_at(&e, "connect A.ONE.COM:443", true, 3);
        expect_at(&e, "connect mixed.case.com:443", true, 17);
        expect_at(&e, "connect MIXED.case.Com:443", true, 17);
        /* a trailing dot names the same host */
        expect_at(&e, "connect a.one.com.:443", true, 3);
        ev_free(&e);
}

static void test_connect_port_ranges(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        DENY(&e, "connect ports.com:7999");
        expect_at(&e, "connect ports.com:8000", true, 5);
        expect_at(&e, "connect ports.com:8005", true, 5);
        expect_at(&e, "connect ports.com:8010", true, 5);
        DENY(&e, "connect ports.com:8011");
        DENY(&e, "connect a.one.com:444");
        DENY(&e, "connect a.one.com:442");
        expect_at(&e, "connect 192.168.1.77:1", true, 8);
        expect_at(&e, "connect 192.168.1.77:65535", true, 8);
        ev_free(&e);
}

static void test_connect_cidrs(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        /* IPv4 edges */
        expect_at(&e, "connect 10.0.0.0:443", true, 6);
        expect_at(&e, "connect 10.255.255.255:443", true, 6);
        DENY(&e, "connect 11.0.0.0:443");
        DENY(&e, "connect 9.255.255.255:443");
        expect_at(&e, "connect 192.168.1.0:80", true, 8);
        expect_at(&e, "connect 192.168.1.255:80", true, 8);
        DENY(&e, "connect 192.168.2.0:80");
        DENY(&e, "connect 192.168.0.255:80");
        /* deny overrides allow inside the range */
        expect_at(&e, "connect 10.9.1.1:443", false, 13);
        expect_at(&e, "connect 10.9.255.255:443", false, 13);
        expect_at(&e, "connect 10.10.0.0:443", true, 6);
        /* IPv6 edges */
        expect_at(&e, "connect [fd00::]:443", true, 7);
        expect_at(&e, "connect [fd00::1]:443", true, 7);
        expect_at(&e, "connect [fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:443", true, 7);
        DENY(&e, "connect [fe00::]:443");
        DENY(&e, "connect [fcff:ffff::1]:443");
        DENY(&e, "connect [::1]:443");
        /* an IPv4-mapped IPv6 address is the IPv4 address */
        expect_at(&e, "connect [::ffff:10.1.2.3]:443", true, 6);
        expect_at(&e, "connect [::ffff:10.9.0.1]:443", false, 13);
        DENY(&e, "connect [::ffff:11.0.0.1]:443");
        /* a name never matches an address rule by itself */
        DENY(&e, "connect ten.example:443");
        ev_free(&e);
}

static void test_connect_from_binaries(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        expect_at(&e, "connect bin.com:443 from /usr/bin/git", true, 9);
        DENY(&e, "connect bin.com:443 from /usr/bin/curl");
        DENY(&e, "connect bin.com:443");
        /* without `and children`, only the binary itself */
        DENY(&e, "connect bin.com:443 from /usr/bin/ssh under /usr/bin/git");
        /* with it, the binary and anything it started */
        expect_at(&e, "connect kids.com:443 from /usr/bin/node", true, 10);
        expect_at(&e, "connect kids.com:443 from /bin/sh under /usr/bin/node", true, 10);
        expect_at(&e, "connect kids.com:443 from /bin/sh under /bin/bash /usr/bin/node", true, 10);
        DENY(&e, "connect kids.com:443 from /bin/sh under /usr/bin/python3");
        DENY(&e, "connect kids.com:443 from /bin/sh");
        ev_free(&e);
}

static void test_connect_deny_overrides(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        eval_result r = DENY(&e, "connect deny.com:443");
        assert_int_equal(r.where.line, 12);
        assert_int_equal(r.layer, LAYER_NET);
        ev_free(&e);
}

static void test_connect_special_addresses(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        /* a name is allowed as such; the proxy resolves it */
        expect_at(&e, "connect meta.com:80", true, 14);
        expect_at(&e, "connect meta.com:80 addr=93.184.216.34", true, 14);
        /* ... but not when it resolves to loopback, private or link-local */
        const char *refused[] = {
            "connect meta.com:80 addr=127.0.0.1",
            "connect meta.com:80 addr=127.255.0.1",
            "connect meta.com:80 addr=10.1.1.1",
            "connect meta.com:80 addr=172.16.0.1",
            "connect meta.com:80 addr=172.31.255.255",
            "connect meta.com:80 addr=192.168.0.1",
            "connect meta.com:80 addr=100.64.0.1",
            "connect meta.com:80 addr=0.0.0.0",
            "connect meta.com:80 addr=::1",
            "connect meta.com:80 addr=::",
            "connect meta.com:80 addr=fe80::1",
            "connect meta.com:80 addr=fd12::1",
            "connect meta.com:80 addr=::ffff:127.0.0.1",
        };
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                eval_result r = DENY(&e, refused[i]);
                assert_int_equal(r.where.line, 14); /* the allow rule that was refused */
                assert_non_null(strstr(r.reason, "loopback"));
        }
        /* just outside the private ranges */
        ALLOW(&e, "connect meta.com:80 addr=172.32.0.1");
        ALLOW(&e, "connect meta.com:80 addr=100.128.0.1");
        ALLOW(&e, "connect meta.com:80 addr=2001:db8::1");
        /* unless a rule names the address itself */
        expect_at(&e, "connect meta.com:80 addr=169.254.169.254", true, 15);
        expect_at(&e, "connect 169.254.169.254:80", true, 15);
        DENY(&e, "connect 169.254.169.253:80");
        /* a deny on a range applies to a name resolving into it */
        expect_at(&e, "connect meta.com:80 addr=10.9.0.1", false, 13);
        ev_free(&e);
}

static void test_no_net_section_means_no_network(void **state)
{
        ev e;
        ev_load(&e, "policy p { fs { allow read /; } }\n");
        eval_result r = DENY(&e, "connect example.com:443");
        assert_non_null(strstr(r.reason, "no net section"));
        DENY(&e, "connect 127.0.0.1:80");
        DENY(&e, "bind 127.0.0.1:8000");
        DENY(&e, "http GET example.com:80/");
        ev_free(&e);

        /* an empty net section is no better */
        ev_load(&e, "policy p { net { } }\n");
        r = DENY(&e, "connect example.com:443");
        assert_int_equal(r.rule_id, -1);
        ev_free(&e);
}

static void test_bind(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        DENY(&e, "bind 127.0.0.1:7999");
        expect_at(&e, "bind 127.0.0.1:8000", true, 16);
        expect_at(&e, "bind 127.0.0.1:8010", true, 16);
        DENY(&e, "bind 127.0.0.1:8011");
        DENY(&e, "bind 0.0.0.0:8000");
        DENY(&e, "bind 127.0.0.2:8000");
        expect_at(&e, "bind [::1]:9000", true, 16);
        DENY(&e, "bind [::1]:8000");
        /* connect rules do not grant bind, nor bind rules connect */
        DENY(&e, "bind 10.0.0.1:443");
        DENY(&e, "connect 127.0.0.1:8000");
        expect_malformed(&e, "bind localhost:8000", "address");
        ev_free(&e);
}

/* ---- http ---- */

static const char http_policy[] = "policy p {\n"
                                  "    net {\n"
                                  "        allow connect api.github.com:443 from /usr/bin/git {\n"
                                  "            allow http GET, HEAD /repos/**;\n"    /* 4 */
                                  "            deny http * /repos/*/*/actions/**;\n" /* 5 */
                                  "            allow http POST /repos/*/issues;\n"   /* 6 */
                                  "        }\n"
                                  "        allow connect open.com:80;\n" /* 8 */
                                  "    }\n"
                                  "}\n";

static void test_http_rules(void **state)
{
        ev e;
        ev_load(&e, http_policy);
        const char *g = " from /usr/bin/git";
        char req[256];
#define GIT(method, path)                                                                          \
        (snprintf(req, sizeof(req), "http %s api.github.com:443%s%s", method, path, g), req)
        eval_result r = ALLOW(&e, GIT("GET", "/repos/o/r"));
        assert_int_equal(r.layer, LAYER_HTTP);
        assert_int_equal(r.where.line, 4);
        /* a globstar segment matches /repos itself and anything below it */
        expect_at(&e, GIT("GET", "/repos"), true, 4);
        expect_at(&e, GIT("GET", "/repos/"), true, 4);
        expect_at(&e, GIT("HEAD", "/repos/a/b/c/d"), true, 4);
        DENY(&e, GIT("GET", "/reposx"));
        DENY(&e, GIT("GET", "/repo"));
        DENY(&e, GIT("GET", "/users/x"));
        /* deny http overrides, `*` is every method, ** matches no segment */
        r = DENY(&e, GIT("GET", "/repos/o/r/actions/runs"));
        assert_int_equal(r.layer, LAYER_HTTP);
        assert_int_equal(r.where.line, 5);
        expect_at(&e, GIT("HEAD", "/repos/o/r/actions"), false, 5);
        expect_at(&e, GIT("DELETE", "/repos/o/r/actions/x"), false, 5);
        expect_at(&e, GIT("GET", "/repos/o/actions/runs"), true, 4);
        /* methods: only those listed */
        DENY(&e, GIT("DELETE", "/repos/o/r"));
        DENY(&e, GIT("get", "/repos/o/r")); /* methods are case-sensitive */
        /* * is one segment */
        expect_at(&e, GIT("POST", "/repos/o/issues"), true, 6);
        DENY(&e, GIT("POST", "/repos/o/r/issues"));
        DENY(&e, GIT("POST", "/repos/issues"));
#undef GIT
        /* the connect layer first: without git, no request at all */
        r = DENY(&e, "http GET api.github.com:443/repos/o/r");
        assert_int_equal(r.layer, LAYER_NET);
        /* a connect rule without http rules allows every request */
        expect_at(&e, "http PUT open.com:80/anything/at/all", true, 8);
        expect_at(&e, "http GET open.com:80", true, 8);
        DENY(&e, "http GET open.com:81/");
        ev_free(&e);
}

/* Never allowed: the request is either rejected as malformed or decided
 * on what the server will see.  docs/decisions.md says request paths are
 * matched as given; a request whose path is denied must not get through by
 * carrying a query string or dot segments the server strips or resolves. */
static void expect_not_allowed(ev *e, const char *request)
{
        eval_result r;
        char err[256] = "";
        if (eval_request(e->p, &e->env, request, &r, err, sizeof(err), &e->fx.ctx.arena) &&
            r.allowed)
                fail_msg("'%s' is allowed (%s)", request, r.reason);
}

static void test_http_query_string_is_not_the_path(void **state)
{
        ev e;
        ev_load(&e, http_policy);
        /* /repos/o/r/actions is denied (line 5) ... */
        expect_at(&e, "http GET api.github.com:443/repos/o/r/actions from /usr/bin/git", false, 5);
        /* ... and so is the same path with a query or a fragment */
        expect_not_allowed(
            &e, "http GET api.github.com:443/repos/o/r/actions?page=2 from /usr/bin/git");
        expect_not_allowed(&e, "http GET api.github.com:443/repos/o/r/actions#x from /usr/bin/git");
        ev_free(&e);
}

/* Dot segments are resolved by the server (RFC 3986 section 5.2.4). */
static void test_http_dot_segments(void **state)
{
        ev e;
        ev_load(&e, http_policy);
        expect_not_allowed(
            &e, "http GET api.github.com:443/repos/o/r/./actions/runs from /usr/bin/git");
        expect_not_allowed(
            &e, "http GET api.github.com:443/repos/o/r/x/../actions/runs from /usr/bin/git");
        ev_free(&e);
}

/* A connect rule with http rules admits plain HTTP only: a tunnel would
 * carry requests the proxy cannot see (docs/decisions.md). */
static void test_http_rules_admit_no_tunnel(void **state)
{
        ev e;
        ev_load(&e, http_policy);
        eval_result r = DENY(&e, "connect api.github.com:443 from /usr/bin/git");
        assert_int_equal(r.layer, LAYER_NET);
        assert_int_equal(r.where.line, 3);
        assert_non_null(strstr(r.reason, "tunnel"));
        ALLOW(&e, "http GET api.github.com:443/repos/o/r from /usr/bin/git");
        /* a rule without http rules admits the tunnel */
        expect_at(&e, "connect open.com:80", true, 8);
        ev_free(&e);
}

/* deny http overrides allow across every connect rule admitting the
 * request, including one without http rules. */
static void test_http_deny_overrides_across_rules(void **state)
{
        ev e;
        ev_load(&e, "policy p {\n"
                    "    net {\n"
                    "        allow connect api.example.com:80;\n"                           /* 3 */
                    "        allow connect api.example.com:80 { deny http * /admin/**; }\n" /* 4 */
                    "        allow connect *.example.com:80 { allow http GET /**; }\n"      /* 5 */
                    "    }\n"
                    "}\n");
        expect_at(&e, "http GET api.example.com:80/admin/users", false, 4);
        expect_at(&e, "http POST api.example.com:80/admin", false, 4);
        expect_at(&e, "http POST api.example.com:80/public", true, 3);
        expect_at(&e, "http GET www.example.com:80/admin", true, 5);
        DENY(&e, "http POST www.example.com:80/x");
        ev_free(&e);
}

/* An address rule lets a special address through only when its own range
 * lies inside the special range: 0.0.0.0/0 does not open 10.0.0.1. */
static void test_special_addresses_need_a_rule_inside_the_range(void **state)
{
        ev e;
        ev_load(&e, "policy p {\n"
                    "    net {\n"
                    "        allow connect 0.0.0.0/0:443, [::]/0:443;\n" /* 3 */
                    "        allow connect 10.1.2.0/24:22;\n"            /* 4 */
                    "        allow connect 8.0.0.0/7:22;\n"              /* 5 */
                    "        allow connect any.example.com:443;\n"       /* 6 */
                    "    }\n"
                    "}\n");
        expect_at(&e, "connect 8.8.8.8:443", true, 3);
        expect_at(&e, "connect [2001:db8::1]:443", true, 3);
        expect_at(&e, "connect any.example.com:443 addr=8.8.8.8", true, 3);
        DENY(&e, "connect 10.0.0.1:443");
        DENY(&e, "connect 127.0.0.1:443");
        DENY(&e, "connect 169.254.169.254:443");
        DENY(&e, "connect [::1]:443");
        DENY(&e, "connect [fe80::1]:443");
        DENY(&e, "connect [::ffff:192.168.0.1]:443");
        DENY(&e, "connect any.example.com:443 addr=169.254.169.254");
        DENY(&e, "connect any.example.com:443 addr=fd00::1");
        expect_at(&e, "connect 10.1.2.3:22", true, 4);
        DENY(&e, "connect 10.1.3.1:22");
        expect_at(&e, "connect 9.9.9.9:22", true, 5);
        ev_free(&e);
}

/* The DESIGN example, end to end. */
static void test_design_example(void **state)
{
        ev e;
        e.p = fx_policy(&e.fx, DESIGN_EXAMPLE, "coding_agent");
        memset(&e.env, 0, sizeof(e.env));
        ALLOW(&e, "read $WORKDIR/src/main.py");
        ALLOW(&e, "write /tmp/scratch");
        expect_at(&e, "read $WORKDIR/.env", false, EX_LINE_FS_ENV);
        DENY(&e, "write $WORKDIR/.git/hooks/pre-commit");
        ALLOW(&e, "read $WORKDIR/.git/hooks/pre-commit");
        ALLOW(&e, "exec /usr/bin/git");
        DENY(&e, "exec /usr/bin/node");
        DENY(&e, "exec $WORKDIR/a.out");
        DENY(&e, "read /etc/shadow");
        ALLOW(&e, "read /etc/passwd");
        ALLOW(&e, "connect api.openai.com:443 from /usr/bin/python3");
        DENY(&e, "connect api.openai.com:443 from /usr/bin/node");
        ALLOW(&e, "connect pypi.org:443 from /usr/bin/node");
        DENY(&e, "connect evil.example.com:443");
        DENY(&e, "connect 169.254.169.254:80");
        ALLOW(&e, "http GET api.github.com:443/repos/o/r from /usr/bin/git");
        DENY(&e, "http GET api.github.com:443/repos/o/r/actions/runs from /usr/bin/git");
        ALLOW(&e, "bind 127.0.0.1:8005");
        DENY(&e, "bind 127.0.0.1:8011");
        expect_action(&e, "socket domain=AF_INET6 type=SOCK_STREAM", ACT_ALLOW, 0);
        expect_action(&e, "socket domain=AF_PACKET", ACT_ERRNO, 1);
        expect_action(&e, "clone flags=CLONE_VM|CLONE_FS", ACT_ALLOW, 0);
        expect_action(&e, "clone flags=CLONE_NEWUSER", ACT_ERRNO, 1);
        expect_action(&e, "clone3", ACT_ERRNO, 38);
        expect_action(&e, "ptrace", ACT_KILL, 0);
        expect_action(&e, "kexec_load", ACT_KILL, 0);
        expect_action(&e, "personality persona=0", ACT_LOG, 0);
        expect_action(&e, "ioctl fd=0 request=TIOCSTI", ACT_ERRNO, 1);
        expect_action(&e, "ioctl fd=0 request=FIONREAD", ACT_ALLOW, 0);
        expect_action(&e, "read fd=0", ACT_ALLOW, 0);
        expect_action(&e, "mount", ACT_ERRNO, 1);
        ev_free(&e);
}

/* ---- syscalls ---- */

static const char sys_policy[] = "policy p {\n"
                                 "    syscalls {\n"
                                 "        default errno(EACCES);\n"               /* 3 */
                                 "        allow getppid when arg0 == 1;\n"        /* 4 */
                                 "        log getppid when arg1 == 1;\n"          /* 5 */
                                 "        notify getppid when arg2 == 1;\n"       /* 6 */
                                 "        errno(EPERM) getppid when arg3 == 1;\n" /* 7 */
                                 "        trap getppid when arg4 == 1;\n"         /* 8 */
                                 "        kill getppid when arg5 == 1;\n"         /* 9 */
                                 "        errno(EACCES) getuid;\n"                /* 10 */
                                 "        errno(ENOENT) getuid when arg0 == 1;\n" /* 11 */
                                 "        errno(EPERM) getuid when arg1 == 1;\n"  /* 12 */
                                 "        allow getpid;\n"                        /* 13 */
                                 "        log getpid;\n"                          /* 14 */
                                 "    }\n"
                                 "}\n";

static void test_syscall_most_restrictive_wins(void **state)
{
        ev e;
        ev_load(&e, sys_policy);
        expect_action(&e, "getppid arg0=1 arg1=1 arg2=1 arg3=1 arg4=1 arg5=1", ACT_KILL, 0);
        expect_action(&e, "getppid arg0=1 arg1=1 arg2=1 arg3=1 arg4=1", ACT_TRAP, 0);
        expect_action(&e, "getppid arg0=1 arg1=1 arg2=1 arg3=1", ACT_ERRNO, 1);
        expect_action(&e, "getppid arg0=1 arg1=1 arg2=1", ACT_NOTIFY, 0);
        expect_action(&e, "getppid arg0=1 arg1=1", ACT_LOG, 0);
        expect_action(&e, "getppid arg0=1", ACT_ALLOW, 0);
        /* pairs: order of the rules does not matter */
        expect_action(&e, "getppid arg0=1 arg5=1", ACT_KILL, 0);
        expect_action(&e, "getppid arg3=1 arg4=1", ACT_TRAP, 0);
        expect_action(&e, "getppid arg2=1 arg3=1", ACT_ERRNO, 1);
        expect_action(&e, "getppid arg1=1 arg2=1", ACT_NOTIFY, 0);
        expect_action(&e, "getppid arg0=1 arg1=1", ACT_LOG, 0);
        /* the deciding rule */
        eval_result r = query(&e, "getppid arg2=1 arg4=1");
        assert_int_equal(r.where.line, 8);
        assert_false(r.allowed);
        /* allowed: allow and log only; notify is answered EPERM */
        assert_true(query(&e, "getppid arg0=1").allowed);
        assert_true(query(&e, "getppid arg1=1").allowed);
        assert_false(query(&e, "getppid arg2=1").allowed);
        expect_action(&e, "getpid", ACT_LOG, 0);
        assert_true(query(&e, "getpid").allowed);
        ev_free(&e);
}

static void test_syscall_two_errnos_pick_the_lower(void **state)
{
        ev e;
        ev_load(&e, sys_policy);
        expect_action(&e, "getuid", ACT_ERRNO, 13);
        expect_action(&e, "getuid arg0=1", ACT_ERRNO, 2);
        expect_action(&e, "getuid arg1=1", ACT_ERRNO, 1);
        expect_action(&e, "getuid arg0=1 arg1=1", ACT_ERRNO, 1);
        eval_result r = query(&e, "getuid arg0=1");
        assert_int_equal(r.where.line, 11);
        ev_free(&e);
}

static void test_syscall_default(void **state)
{
        ev e;
        ev_load(&e, sys_policy);
        /* a syscall with rules none of whose conditions hold */
        eval_result r = query(&e, "getppid");
        assert_int_equal(r.action.kind, ACT_ERRNO);
        assert_int_equal(r.action.errno_val, 13);
        assert_int_equal(r.rule_id, -1);
        assert_int_equal(r.where.line, 3);
        assert_non_null(strstr(r.reason, "default"));
        /* a syscall no rule names */
        expect_action(&e, "getegid", ACT_ERRNO, 13);
        ev_free(&e);

        /* no syscalls section: no filter at all */
        ev_load(&e, "policy p { }\n");
        expect_action(&e, "ptrace", ACT_ALLOW, 0);
        assert_true(query(&e, "ptrace").allowed);
        ev_free(&e);
}

static const char arg_policy[] = "policy p {\n"
                                 "    syscalls {\n"
                                 "        default kill;\n"
                                 "        allow socket when domain == AF_INET;\n"
                                 "        allow kill when pid == -1;\n"
                                 "        log kill when pid <= -2;\n"
                                 "        allow mmap when offset < 0;\n"
                                 "        allow clone when flags & CLONE_NEWUSER == 0;\n"
                                 "        allow setns when nstype not in { CLONE_NEWUSER, "
                                 "CLONE_NEWNET };\n"
                                 "        allow personality when persona in { 0, 8 } && "
                                 "!(persona == 0 && persona != 0);\n"
                                 "        allow ioctl when request > 0x7fffffff;\n"
                                 "    }\n"
                                 "}\n";

/* A 32-bit argument is compared on its low 32 bits only. */
static void test_syscall_32_bit_arguments(void **state)
{
        ev e;
        ev_load(&e, arg_policy);
        expect_action(&e, "socket domain=AF_INET", ACT_ALLOW, 0);
        expect_action(&e, "socket domain=2", ACT_ALLOW, 0);
        expect_action(&e, "socket domain=0x100000002", ACT_ALLOW, 0);
        expect_action(&e, "socket domain=0xffffffff00000002", ACT_ALLOW, 0);
        expect_action(&e, "socket domain=0x100000003", ACT_KILL, 0);
        expect_action(&e, "socket domain=AF_INET6", ACT_KILL, 0);
        /* -1 is 0xffffffff in 32 bits, whatever the upper half holds */
        expect_action(&e, "kill pid=-1", ACT_ALLOW, 0);
        expect_action(&e, "kill pid=0xffffffff", ACT_ALLOW, 0);
        expect_action(&e, "kill pid=0x12345678ffffffff", ACT_ALLOW, 0);
        /* unsigned 32-bit: the low half, compared without sign */
        expect_action(&e, "ioctl request=0x80000000", ACT_ALLOW, 0);
        expect_action(&e, "ioctl request=0xffffffff", ACT_ALLOW, 0);
        expect_action(&e, "ioctl request=0x17fffffff", ACT_KILL, 0);
        expect_action(&e, "ioctl request=0x7fffffff", ACT_KILL, 0);
        ev_free(&e);
}

static void test_syscall_signed_comparisons(void **state)
{
        ev e;
        ev_load(&e, arg_policy);
        expect_action(&e, "kill pid=-2", ACT_LOG, 0);
        expect_action(&e, "kill pid=-3", ACT_LOG, 0);
        expect_action(&e, "kill pid=0x80000000", ACT_LOG, 0); /* INT_MIN */
        expect_action(&e, "kill pid=0xfffffffe", ACT_LOG, 0);
        expect_action(&e, "kill pid=0", ACT_KILL, 0);
        expect_action(&e, "kill pid=0x7fffffff", ACT_KILL, 0);
        expect_action(&e, "kill pid=2", ACT_KILL, 0);
        /* 64-bit signed */
        expect_action(&e, "mmap offset=-1", ACT_ALLOW, 0);
        expect_action(&e, "mmap offset=0x8000000000000000", ACT_ALLOW, 0);
        expect_action(&e, "mmap offset=0x7fffffffffffffff", ACT_KILL, 0);
        expect_action(&e, "mmap offset=0", ACT_KILL, 0);
        expect_action(&e, "mmap offset=0xffffffff", ACT_KILL, 0);
        ev_free(&e);
}

static void test_syscall_masks_and_sets(void **state)
{
        ev e;
        ev_load(&e, arg_policy);
        expect_action(&e, "clone flags=0", ACT_ALLOW, 0);
        expect_action(&e, "clone flags=CLONE_VM|CLONE_FS|CLONE_THREAD", ACT_ALLOW, 0);
        expect_action(&e, "clone flags=CLONE_NEWUSER", ACT_KILL, 0);
        expect_action(&e, "clone flags=CLONE_NEWUSER|CLONE_VM", ACT_KILL, 0);
        expect_action(&e, "clone flags=0x10000000", ACT_KILL, 0);
        expect_action(&e, "clone flags=0xffffffffefffffff", ACT_ALLOW, 0);
        /* not in: none of them */
        expect_action(&e, "setns nstype=0", ACT_ALLOW, 0);
        expect_action(&e, "setns nstype=CLONE_NEWNS", ACT_ALLOW, 0);
        expect_action(&e, "setns nstype=CLONE_NEWUSER", ACT_KILL, 0);
        expect_action(&e, "setns nstype=CLONE_NEWNET", ACT_KILL, 0);
        /* in, && and ! */
        expect_action(&e, "personality persona=0", ACT_ALLOW, 0);
        expect_action(&e, "personality persona=8", ACT_ALLOW, 0);
        expect_action(&e, "personality persona=READ_IMPLIES_EXEC", ACT_KILL, 0);
        ev_free(&e);
}

/* ---- syscalls that name files ---- */

static const char open_policy[] = "policy p {\n"
                                  "    fs { allow read /etc; allow read, write /tmp; "
                                  "allow read, exec /usr/bin; }\n"
                                  "    syscalls {\n"
                                  "        default allow;\n"
                                  "        deny openat when flags & O_CREAT != 0 && dirfd != "
                                  "AT_FDCWD;\n"
                                  "    }\n"
                                  "}\n";

static void test_open_needs_the_fs_right(void **state)
{
        ev e;
        ev_load(&e, open_policy);
        ALLOW(&e, "openat path=/etc/passwd flags=O_RDONLY");
        eval_result r = DENY(&e, "openat path=/etc/passwd flags=O_WRONLY");
        assert_int_equal(r.layer, LAYER_FS);
        assert_int_equal(r.action.kind, ACT_ERRNO);
        DENY(&e, "openat path=/etc/passwd flags=O_RDWR");
        DENY(&e, "openat path=/etc/passwd flags=O_RDONLY|O_TRUNC");
        r = DENY(&e, "openat path=/etc/passwd flags=O_RDONLY|O_CREAT dirfd=AT_FDCWD");
        assert_int_equal(r.layer, LAYER_FS);
        ALLOW(&e, "openat path=/tmp/x flags=O_WRONLY|O_CREAT dirfd=AT_FDCWD");
        ALLOW(&e, "openat path=/tmp/x flags=O_RDWR");
        DENY(&e, "openat path=/var/x flags=O_RDONLY");
        ALLOW(&e, "open path=/etc/hosts flags=O_RDONLY");
        DENY(&e, "open path=/etc/hosts flags=O_WRONLY");
        DENY(&e, "creat path=/etc/x");
        ALLOW(&e, "creat path=/tmp/x");
        ALLOW(&e, "execve path=/usr/bin/git");
        DENY(&e, "execve path=/tmp/payload");
        DENY(&e, "unlink path=/etc/hosts");
        ALLOW(&e, "unlink path=/tmp/x");
        ALLOW(&e, "stat path=/etc/hosts");
        /* seccomp decides first */
        r = DENY(&e, "openat path=/tmp/x flags=O_WRONLY|O_CREAT dirfd=3");
        assert_int_equal(r.layer, LAYER_SECCOMP);
        assert_int_equal(r.action.errno_val, 1);
        /* the fs form and the syscall form of read */
        ALLOW(&e, "read /etc/hosts");
        expect_action(&e, "read fd=3", ACT_ALLOW, 0);
        ev_free(&e);
}

static void test_malformed_requests(void **state)
{
        ev e;
        ev_load(&e, net_policy);
        expect_malformed(&e, "", "empty");
        expect_malformed(&e, "connect example.com", "port");
        expect_malformed(&e, "connect example.com:0", "1..65535");
        expect_malformed(&e, "connect example.com:65536", "1..65535");
        expect_malformed(&e, "connect example.com:http", NULL);
        expect_malformed(&e, "connect 10.0.0.0/8:443", "range");
        expect_malformed(&e, "connect [::1:443", NULL);
        expect_malformed(&e, "connect example.com:443 addr=not-an-ip", "addr=");
        expect_malformed(&e, "connect example.com:443 sideways", "unexpected");
        expect_malformed(&e, "http GET", NULL);
        expect_malformed(&e, "socket family=2", "no argument");
        expect_malformed(&e, "socket domain=CLONE_NEWUSER", "AF_");
        expect_malformed(&e, "socket domain=12abc", "not a number");
        expect_malformed(&e, "socket 2", "NAME=VALUE");
        expect_malformed(&e, "frobnicate arg0=1", "frobnicate");
        ev_free(&e);
}

/* ---- the matchers themselves ---- */

static void test_path_covers(void **state)
{
        assert_true(path_covers("/a", "/a"));
        assert_true(path_covers("/a", "/a/b"));
        assert_true(path_covers("/a", "/a/b/c/d"));
        assert_false(path_covers("/a", "/ab"));
        assert_false(path_covers("/a", "/"));
        assert_false(path_covers("/a/b", "/a"));
        assert_false(path_covers("/usr/lib", "/usr/lib64"));
        assert_true(path_covers("/usr/lib", "/usr/lib/x86_64-linux-gnu"));
        assert_true(path_covers("/", "/"));
        assert_true(path_covers("/", "/etc/shadow"));
        assert_false(path_covers("/", "relative"));
        assert_false(path_covers("/a", ""));
}

static void test_host_matches(void **state)
{
        assert_true(host_matches("api.example.com", "api.example.com"));
        assert_false(host_matches("api.example.com", "api.example.co"));
        assert_false(host_matches("api.example.com", "api.example.comm"));
        assert_false(host_matches("api.example.com", "evil-api.example.com"));
        assert_false(host_matches("api.example.com", "api.example.com.evil.net"));
        assert_false(host_matches("api.example.com", "example.com"));
        /* * is exactly one non-empty label, anywhere */
        assert_true(host_matches("*.example.com", "a.example.com"));
        assert_true(host_matches("*.example.com", "a-b_c.example.com"));
        assert_false(host_matches("*.example.com", "example.com"));
        assert_false(host_matches("*.example.com", ".example.com"));
        assert_false(host_matches("*.example.com", "a.b.example.com"));
        assert_false(host_matches("*.example.com", "aexample.com"));
        assert_true(host_matches("a.*.example.com", "a.b.example.com"));
        assert_false(host_matches("a.*.example.com", "a.b.c.example.com"));
        assert_false(host_matches("a.*.example.com", "b.b.example.com"));
        /* ** is one or more labels, only first */
        assert_true(host_matches("**.example.com", "a.example.com"));
        assert_true(host_matches("**.example.com", "a.b.c.example.com"));
        assert_false(host_matches("**.example.com", "example.com"));
        assert_false(host_matches("**.example.com", ".example.com"));
        assert_false(host_matches("**.example.com", "aexample.com"));
        assert_false(host_matches("**.example.com", "a.example.com.evil"));
        assert_false(host_matches("**.example.com", "a.example.org"));
}

/* `**` followed by `*`: the `*` label may be any length (the type checker
 * accepts **.*.example.com). */
static void test_host_matches_starstar_then_star(void **state)
{
        assert_true(host_matches("**.*.example.com", "a.b.example.com"));
        assert_true(host_matches("**.*.example.com", "a.bb.example.com"));
        assert_true(host_matches("**.*.example.com", "xx.yy.zz.example.com"));
        assert_false(host_matches("**.*.example.com", "b.example.com"));
        assert_false(host_matches("**.*.example.com", "example.com"));
}

static void test_url_glob_matches(void **state)
{
        assert_true(url_glob_matches("/x", "/x"));
        assert_false(url_glob_matches("/x", "/x/"));
        assert_false(url_glob_matches("/x", "/xy"));
        assert_false(url_glob_matches("/x", "/"));
        /* ** as a whole segment: zero or more segments */
        assert_true(url_glob_matches("/repos/**", "/repos"));
        assert_true(url_glob_matches("/repos/**", "/repos/"));
        assert_true(url_glob_matches("/repos/**", "/repos/a"));
        assert_true(url_glob_matches("/repos/**", "/repos/a/b/c"));
        assert_false(url_glob_matches("/repos/**", "/reposx"));
        assert_false(url_glob_matches("/repos/**", "/repo"));
        assert_false(url_glob_matches("/repos/**", "/other/repos/a"));
        assert_true(url_glob_matches("/**", "/"));
        assert_true(url_glob_matches("/**", "/a/b"));
        assert_true(url_glob_matches("/a/**/c", "/a/c"));
        assert_true(url_glob_matches("/a/**/c", "/a/b/c"));
        assert_true(url_glob_matches("/a/**/c", "/a/b/d/c"));
        assert_false(url_glob_matches("/a/**/c", "/a/b/cd"));
        assert_false(url_glob_matches("/a/**/c", "/a/bc"));
        assert_false(url_glob_matches("/a/**/c", "/ac"));
        /* * stays inside one segment */
        assert_true(url_glob_matches("/repos/*", "/repos/a"));
        assert_false(url_glob_matches("/repos/*", "/repos/a/b"));
        assert_true(url_glob_matches("/a/*/c", "/a/b/c"));
        assert_false(url_glob_matches("/a/*/c", "/a/b/x/c"));
        assert_true(url_glob_matches("/v1/*.json", "/v1/a.json"));
        assert_true(url_glob_matches("/v1/*.json", "/v1/.json"));
        assert_false(url_glob_matches("/v1/*.json", "/v1/a/b.json"));
        assert_false(url_glob_matches("/v1/*.json", "/v1/a.jsonx"));
        assert_true(url_glob_matches("/repos/*/*/actions/**", "/repos/o/r/actions"));
        assert_true(url_glob_matches("/repos/*/*/actions/**", "/repos/o/r/actions/runs/1"));
        assert_false(url_glob_matches("/repos/*/*/actions/**", "/repos/o/actions"));
        assert_false(url_glob_matches("/repos/*/*/actions/**", "/repos/o/r/s/actions"));
}

static void test_action_order(void **state)
{
        ir_action allow = {ACT_ALLOW, 0}, log = {ACT_LOG, 0}, notify = {ACT_NOTIFY, 0};
        ir_action eperm = {ACT_ERRNO, 1}, eacces = {ACT_ERRNO, 13}, trap = {ACT_TRAP, 0};
        ir_action kill = {ACT_KILL, 0};
        ir_action order[] = {allow, log, notify, eacces, trap, kill};
        for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                        int want = i > j ? i : j;
                        assert_int_equal(ir_action_stricter(order[i], order[j]).kind,
                                         order[want].kind);
                }
        assert_int_equal(ir_action_stricter(eperm, eacces).errno_val, 1);
        assert_int_equal(ir_action_stricter(eacces, eperm).errno_val, 1);
        char buf[64];
        assert_string_equal(ir_action_str(eacces, buf, sizeof(buf)), "errno(EACCES)");
        assert_string_equal(ir_action_str(kill, buf, sizeof(buf)), "kill");
        ir_action odd = {ACT_ERRNO, 4000};
        assert_string_equal(ir_action_str(odd, buf, sizeof(buf)), "errno(4000)");
}

static void test_eval_cond_directly(void **state)
{
        ir_cond lt = {.kind = COND_CMP,
                      .arg = 2,
                      .width = 32,
                      .is_signed = true,
                      .mask = 0xffffffff,
                      .op = CMP_LT,
                      .value = 0xfffffff6 /* -10 */};
        uint64_t args[6] = {0};
        args[2] = 0xdeadbeeffffffff0ull; /* low half: -16 */
        assert_true(eval_cond(&lt, args));
        args[2] = 0xfffffff6; /* -10 is not < -10 */
        assert_false(eval_cond(&lt, args));
        args[2] = 5;
        assert_false(eval_cond(&lt, args));

        ir_cond c_not = {.kind = COND_NOT, .l = &lt};
        assert_true(eval_cond(&c_not, args));
        ir_cond t = {.kind = COND_TRUE};
        ir_cond c_and = {.kind = COND_AND, .l = &t, .r = &lt};
        ir_cond c_or = {.kind = COND_OR, .l = &lt, .r = &t};
        assert_false(eval_cond(&c_and, args));
        assert_true(eval_cond(&c_or, args));
        assert_true(eval_cond(NULL, args));

        /* masks apply before the comparison; unsigned 64-bit */
        ir_cond m = {
            .kind = COND_CMP, .arg = 0, .width = 64, .mask = 0xf0, .op = CMP_EQ, .value = 0x30};
        args[0] = 0xffffffffffffff3full;
        assert_true(eval_cond(&m, args));
        args[0] = 0x4f;
        assert_false(eval_cond(&m, args));
        ir_cond u = {
            .kind = COND_CMP, .arg = 0, .width = 64, .mask = UINT64_MAX, .op = CMP_GT, .value = 1};
        args[0] = UINT64_MAX;
        assert_true(eval_cond(&u, args));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fs_allow_and_deny),
            cmocka_unit_test(test_fs_directories_cover_descendants),
            cmocka_unit_test(test_fs_parameters),
            cmocka_unit_test(test_fs_non_canonical_request_paths),
            cmocka_unit_test(test_fs_no_rules_means_deny),
            cmocka_unit_test(test_connect_host_patterns),
            cmocka_unit_test(test_connect_port_ranges),
            cmocka_unit_test(test_connect_cidrs),
            cmocka_unit_test(test_connect_from_binaries),
            cmocka_unit_test(test_connect_deny_overrides),
            cmocka_unit_test(test_connect_special_addresses),
            cmocka_unit_test(test_no_net_section_means_no_network),
            cmocka_unit_test(test_bind),
            cmocka_unit_test(test_http_rules),
            cmocka_unit_test(test_http_query_string_is_not_the_path),
            cmocka_unit_test(test_http_dot_segments),
            cmocka_unit_test(test_http_rules_admit_no_tunnel),
            cmocka_unit_test(test_http_deny_overrides_across_rules),
            cmocka_unit_test(test_special_addresses_need_a_rule_inside_the_range),
            cmocka_unit_test(test_design_example),
            cmocka_unit_test(test_syscall_most_restrictive_wins),
            cmocka_unit_test(test_syscall_two_errnos_pick_the_lower),
            cmocka_unit_test(test_syscall_default),
            cmocka_unit_test(test_syscall_32_bit_arguments),
            cmocka_unit_test(test_syscall_signed_comparisons),
            cmocka_unit_test(test_syscall_masks_and_sets),
            cmocka_unit_test(test_open_needs_the_fs_right),
            cmocka_unit_test(test_malformed_requests),
            cmocka_unit_test(test_path_covers),
            cmocka_unit_test(test_host_matches),
            cmocka_unit_test(test_host_matches_starstar_then_star),
            cmocka_unit_test(test_url_glob_matches),
            cmocka_unit_test(test_action_order),
            cmocka_unit_test(test_eval_cond_directly),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
