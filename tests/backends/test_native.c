/*
 * test_native.c - the native egress matcher (backends/llvm_matcher.c, run
 * by runtime/native_match.c) against the table interpreter
 * (runtime/proxy_match.c) it replaces.
 *
 * Each policy is compiled to a bundle as `oshc compile` does, its proxy
 * table to native code, and the code is loaded as osh-proxy loads it.
 * Then requests on the edges of every rule (the exact host, one label more
 * and one less, upper case and a trailing dot, the first and last address
 * of each range and the ones just outside, each end of each port range and
 * one beyond, each `from` binary as the caller and as an ancestor, paths
 * at and around each URL glob, special addresses) go through both, as a
 * tunnel and as a plain HTTP request: verdict, rule and reason must agree.
 * Policies: hand-written edges, the example policy, the end-to-end proxy
 * policies, and seeded random ones of 10 to 10,000 rules.  Last, the
 * loader's refusals (a hash, an arch, a header) and a mutation check: code
 * from another policy under a consistent hash is caught by the
 * differential test.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "backends/backends.h"
#include "backends/llvm_matcher.h"
#include "runtime/native_match.h"
#include "verifier/verify.h"

#include <ctype.h>
#include <glob.h>
#include <time.h>

static unsigned long rng = 1;
static unsigned rnd(unsigned n)
{
        rng = rng * 6364136223846793005ul + 1442695040888963407ul;
        return (unsigned)((rng >> 33) % n);
}

typedef struct compiled {
        fixture fx;
        ir_policy *p;
        oshb_bundle b;
        rt_params rp;
        pm_table t;
        lm_output out;
        pm_native n;
} compiled;

static void compile_fx(compiled *c)
{
        if (!bundle_build(&c->fx.ctx, c->fx.prog, c->p, &c->b)) {
                fx_dump(&c->fx);
                fail_msg("bundle_build failed");
        }
        if (!c->rp.n) { /* the launch values, unless the caller set them */
                c->rp.names[0] = "TOOLS";
                c->rp.values[0] = "/opt/tools";
                c->rp.n = 1;
        }
        c->t.proxy = &c->b.proxy;
        c->t.network = c->b.process.network;
        c->t.params = &c->rp;
        char err[512];
        if (!llvm_matcher_build(&c->b.proxy, c->t.network, false, &c->out, err, sizeof(err)))
                fail_msg("llvm_matcher_build: %s", err);
        uint8_t sha[32];
        sha256(c->out.container, c->out.container_len, sha);
        if (pm_native_load_object(&c->n, c->out.container, c->out.container_len, sha, &c->t, err,
                                  sizeof(err)))
                fail_msg("pm_native_load_object: %s", err);
}

static void compile(compiled *c, const char *text)
{
        memset(c, 0, sizeof(*c));
        c->p = fx_policy(&c->fx, text, NULL);
        compile_fx(c);
}

static void release(compiled *c)
{
        pm_native_unload(&c->n);
        lm_output_free(&c->out);
        fx_free(&c->fx);
}

static long checks, allowed_count, mismatches;
static const char *current_text;
static bool count_only; /* the mutation check: count disagreements, do not fail */

static bool same(pm_verdict a, pm_verdict b)
{
        return a.allowed == b.allowed && a.rule_id == b.rule_id && !strcmp(a.reason, b.reason);
}

/* Decide q both ways; host is given as a client would write it. */
static void check(compiled *c, const char *rawhost, const char *addr, uint16_t port,
                  const char *bin, const char *anc, const char *method, const char *path)
{
        char host[256];
        pm_request q = {0};
        uint8_t a[16];
        bool is_ip = pm_parse_ip(rawhost, a);
        if (is_ip)
                snprintf(host, sizeof(host), "%s", rawhost);
        else if (!pm_host_normalize(rawhost, host, sizeof(host)))
                fail_msg("bad test host %s", rawhost);
        q.host = host;
        if (is_ip) {
                q.host_is_ip = true;
                addr = host;
        }
        if (addr) {
                assert_true(pm_parse_ip(addr, a));
                memcpy(q.addr, a, 16);
                q.has_addr = true;
        }
        q.port = port;
        q.binary = bin;
        if (anc) {
                q.ancestors[0] = "/usr/bin/unrelated";
                q.ancestors[1] = anc;
                q.nancestors = 2;
        }
        q.method = method;
        q.path = path;
        for (int http = 0; http < 2; http++) {
                pm_verdict i = http ? pm_decide_http(&c->t, &q) : pm_decide_connect(&c->t, &q);
                pm_verdict n = pm_native_decide(&c->n, &q, http);
                checks++;
                allowed_count += i.allowed;
                if (same(i, n))
                        continue;
                mismatches++;
                if (!count_only && current_text && strlen(current_text) < 4096)
                        print_message("%s\n", current_text);
                if (!count_only)
                        fail_msg("disagree on %s %s (addr %s) :%u from %s under %s, %s %s\n"
                                 "  interpreter %d rule %d (%s)\n  native      %d rule %d (%s)",
                                 http ? "http" : "connect", rawhost, addr ? addr : "-", port,
                                 bin ? bin : "-", anc ? anc : "-", method, path, i.allowed,
                                 i.rule_id, i.reason, n.allowed, n.rule_id, n.reason);
        }
}

/* ---- edges of one rule (as tests/runtime/test_proxy_match.c) ---- */

static const char *const special_addrs[] = {"127.0.0.1",
                                            "127.255.255.255",
                                            "169.254.169.254",
                                            "169.254.0.1",
                                            "10.0.0.1",
                                            "10.1.2.3",
                                            "172.16.0.1",
                                            "172.31.255.255",
                                            "172.32.0.1",
                                            "192.168.1.1",
                                            "100.64.0.1",
                                            "100.127.255.255",
                                            "100.128.0.1",
                                            "0.0.0.0",
                                            "0.1.2.3",
                                            "::1",
                                            "::",
                                            "fc00::1",
                                            "fd12::5",
                                            "fe80::1",
                                            "febf::1",
                                            "fec0::1",
                                            "::ffff:127.0.0.1",
                                            "8.8.8.8",
                                            "93.184.216.34",
                                            "2001:db8::5"};
#define NSPECIAL_ADDRS 26

/* Hosts around a pattern: the wildcards filled, one label more, one less,
 * a trailing dot, upper case, a longer last label, and each label of
 * over 8 bytes with its last byte changed (the native matcher compares
 * a label's first 8 bytes as one word, the rest one by one). */
static int host_edges(const char *pat, char out[][256])
{
        char filled[200] = "", two[200] = "";
        const char *p = pat;
        while (!strncmp(p, "**.", 3)) {
                strcat(filled, "x.");
                strcat(two, "x.y.");
                p += 3;
        }
        size_t fl = strlen(filled), tl = strlen(two);
        for (; *p && fl < 150; p++) {
                const char *s = *p == '*' ? "w" : (char[]){*p, 0};
                fl += (size_t)snprintf(filled + fl, sizeof(filled) - fl, "%s", s);
                tl += (size_t)snprintf(two + tl, sizeof(two) - tl, "%s", s);
        }
        int n = 0;
        strcpy(out[n++], filled);
        strcpy(out[n++], two);
        snprintf(out[n++], 256, "z.%s", filled);
        const char *dot = strchr(filled, '.');
        strcpy(out[n++], dot ? dot + 1 : "com");
        snprintf(out[n++], 256, "%s.", filled);
        for (char *u = strcpy(out[n++], filled); *u; u++)
                *u = (char)toupper((unsigned char)*u);
        snprintf(out[n++], 256, "%sx", filled);
        snprintf(out[n++], 256, "a%s", filled);
        for (size_t i = 0, start = 0; filled[i] && n < 16; i++)
                if (filled[i + 1] == '.' || !filled[i + 1]) {
                        if (i + 1 - start > 8) {
                                strcpy(out[n], filled);
                                out[n++][i] = filled[i] == 'q' ? 'r' : 'q';
                        }
                        start = i + 2;
                }
        return n;
}

/* Addresses at the edges of a range: base, last, one below, one above. */
static int addr_edges(const oshb_proxy_rule *r, char out[][64])
{
        uint8_t lo[16], hi[16];
        memcpy(lo, r->addr, 16);
        memcpy(hi, r->addr, 16);
        for (int i = 0; i < 16; i++) {
                int bits = r->prefix - i * 8;
                if (bits >= 8)
                        continue;
                uint8_t m = bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
                lo[i] &= m;
                hi[i] |= (uint8_t)~m;
        }
        uint8_t below[16], above[16];
        memcpy(below, lo, 16);
        memcpy(above, hi, 16);
        for (int i = 15; i >= 0 && below[i]-- == 0; i--)
                ;
        for (int i = 15; i >= 0 && ++above[i] == 0; i--)
                ;
        pm_format_ip(lo, out[0], 64);
        pm_format_ip(hi, out[1], 64);
        pm_format_ip(below, out[2], 64);
        pm_format_ip(above, out[3], 64);
        return 4;
}

/* Paths around a glob: wildcards filled (one and two segments), one
 * segment more, a trailing slash, dot segments, encodings, a query, the
 * parent. */
static int path_edges(const char *g, char out[][256])
{
        char one[160] = "", two[160] = "";
        size_t ol = 0, tl = 0;
        for (const char *p = g; *p && ol < 120 && tl < 120; p++) {
                if (p[0] == '*' && p[1] == '*') {
                        ol += (size_t)snprintf(one + ol, sizeof(one) - ol, "a");
                        tl += (size_t)snprintf(two + tl, sizeof(two) - tl, "a/b");
                        p++;
                } else if (*p == '*') {
                        ol += (size_t)snprintf(one + ol, sizeof(one) - ol, "x");
                        tl += (size_t)snprintf(two + tl, sizeof(two) - tl, "x/y");
                } else {
                        one[ol++] = *p;
                        two[tl++] = *p;
                }
        }
        one[ol] = two[tl] = 0;
        int n = 0;
        strcpy(out[n++], one);
        strcpy(out[n++], two);
        snprintf(out[n++], 256, "%s/z", one);
        snprintf(out[n++], 256, "%s/", one);
        snprintf(out[n++], 256, "%s?q=/..", one);
        snprintf(out[n++], 256, "%s/../x", one);
        snprintf(out[n++], 256, "%s%%2Fx", one);
        snprintf(out[n++], 256, "%s%%7e", one);
        snprintf(out[n++], 256, "/%%61%s", one + 1);
        snprintf(out[n++], 256, "%sq", one);
        char *slash = strrchr(one, '/');
        if (slash && slash != one) {
                *slash = 0;
                strcpy(out[n++], one);
        }
        strcpy(out[n++], "/");
        return n;
}

static const char *const methods[] = {"GET", "POST", "HEAD", "DELETE", "PUT"};

/* Every edge of r crossed with the others (full), or each edge once with
 * the others at random (for the largest policies). */
static void check_rule_edges(compiled *c, const oshb_proxy_rule *r, bool full)
{
        char hosts[16][256], addrs[8][64], paths[24][256];
        int nh = 0, na = 0, np = 0;
        if (r->is_ip)
                na = addr_edges(r, addrs);
        else
                nh = host_edges(r->host, hosts);
        uint16_t ports[4];
        int nports = 0;
        ports[nports++] = r->port_lo;
        ports[nports++] = r->port_hi;
        if (r->port_lo > 1)
                ports[nports++] = (uint16_t)(r->port_lo - 1);
        if (r->port_hi < 65535)
                ports[nports++] = (uint16_t)(r->port_hi + 1);
        const char *bins[8] = {NULL, "/usr/bin/curl"};
        int nb = 2;
        for (uint32_t i = 0; i < r->nbinaries && nb < 8; i++)
                bins[nb++] =
                    !strcmp(r->binaries[i], "$TOOLS/git") ? "/opt/tools/git" : r->binaries[i];
        for (uint32_t i = 0; i < r->nl7 && np < 20; i++) {
                char tmp[16][256];
                int k = path_edges(r->l7[i].path, tmp);
                for (int j = 0; j < k && np < 24; j++)
                        strcpy(paths[np++], tmp[j]);
        }
        if (!np)
                strcpy(paths[np++], "/");
#define PICK(a, n) (a)[rnd((unsigned)(n))]
        if (!full) {
                for (int h = 0; h < nh; h++)
                        check(c, hosts[h], rnd(3) ? NULL : PICK(special_addrs, NSPECIAL_ADDRS),
                              PICK(ports, nports), PICK(bins, nb), NULL, PICK(methods, 5),
                              PICK(paths, np));
                for (int a = 0; a < na; a++)
                        check(c, addrs[a], NULL, PICK(ports, nports), PICK(bins, nb), NULL,
                              PICK(methods, 5), PICK(paths, np));
                const char *ep = nh ? hosts[0] : addrs[0];
                for (int p = 0; p < nports; p++)
                        check(c, ep, NULL, ports[p], bins[nb - 1], NULL, PICK(methods, 5),
                              PICK(paths, np));
                for (int b = 0; b < nb; b++)
                        check(c, ep, NULL, r->port_lo, "/bin/sh", bins[b], PICK(methods, 5),
                              PICK(paths, np));
                for (int p = 0; p < np; p++)
                        check(c, ep, NULL, r->port_lo, bins[nb - 1], NULL, PICK(methods, 5),
                              paths[p]);
                return;
        }
        for (int b = 0; b < nb; b++)
                for (int pi = 0; pi < nports; pi++) {
                        const char *bin = bins[b], *anc = bins[(b + 1) % nb];
                        for (int h = 0; h < nh; h++)
                                for (int s = 0; s < 4; s++) {
                                        const char *addr =
                                            s == 0   ? NULL
                                            : s == 1 ? "93.184.216.34"
                                                     : PICK(special_addrs, NSPECIAL_ADDRS);
                                        check(c, hosts[h], addr, ports[pi], bin, NULL,
                                              PICK(methods, 5), PICK(paths, np));
                                        check(c, hosts[h], addr, ports[pi], "/bin/sh", bin,
                                              PICK(methods, 5), PICK(paths, np));
                                }
                        for (int a = 0; a < na; a++) {
                                check(c, addrs[a], NULL, ports[pi], bin, NULL, PICK(methods, 5),
                                      PICK(paths, np));
                                check(c, "name.example.com", addrs[a], ports[pi], "/bin/sh", anc,
                                      PICK(methods, 5), PICK(paths, np));
                        }
                        for (int m = 0; m < 5; m++)
                                for (int p = 0; p < np; p++)
                                        check(c, nh ? hosts[0] : addrs[0], NULL, ports[pi], bin,
                                              NULL, methods[m], paths[p]);
                }
        for (int s = 0; s < NSPECIAL_ADDRS; s++)
                check(c, special_addrs[s], NULL, r->port_lo, bins[nb - 1], NULL, "GET", "/");
}

static void check_compiled(compiled *c, bool full)
{
        for (uint32_t i = 0; i < c->b.proxy.nrules; i++)
                check_rule_edges(c, &c->b.proxy.rules[i], full);
        check(c, "nothing.invalid", NULL, 443, NULL, NULL, "GET", "/");
        check(c, "8.8.8.8", NULL, 443, NULL, NULL, "GET", "/");
}

static void check_policy(const char *text)
{
        current_text = text;
        compiled c;
        compile(&c, text);
        check_compiled(&c, true);
        release(&c);
}

/* ---- policies ---- */

static const char edge_policy[] =
    "param TOOLS = /opt/tools;\n"
    "policy p {\n"
    "    net {\n"
    "        allow connect api.example.com:443, *.svc.example.com:8000..8010;\n"
    "        allow connect **.pkg.example.org:{80, 443} from /usr/bin/pip and children;\n"
    "        allow connect 10.1.2.0/24:443, 169.254.169.254:80, 127.0.0.0/8:*;\n"
    "        allow connect 0.0.0.0/0:22, [fd00::]/8:443, [2001:db8::]/32:*, 10.0.0.0/7:8443;\n"
    "        allow connect 172.0.0.0/11:9000, [fc00::]/6:9001, 100.64.0.0/11:9002;\n"
    "        allow connect [::1]:8080, 192.168.0.0/16:80 from $TOOLS/git;\n"
    "        allow connect api.*.mid.example.net:443, *.*.two.example.net:443;\n"
    "        allow connect **.ex-ample_1.com:443 from $TOOLS/git and children;\n"
    "        allow connect downloads.artifacts-internal.example.com:443;\n"
    "        deny connect *.artifacts-internal-eu.example.com:*;\n"
    "        deny connect 10.1.2.128/25:*;\n"
    "        deny connect bad.svc.example.com:* from /usr/bin/curl;\n"
    "        allow connect web.example.com:80 from /usr/bin/git {\n"
    "            allow http GET, HEAD /repos/**;\n"
    "            deny http * /repos/*/*/actions/**;\n"
    "            allow http POST /upload/*.tar;\n"
    "            allow http GET /a/**/b/*.json;\n"
    "        }\n"
    "        allow connect **.example.com:80 {\n"
    "            allow http * /public/**;\n"
    "            deny http DELETE /**;\n"
    "        }\n"
    "        allow connect 127.0.0.1:8081 { allow http GET /ok; }\n"
    "    }\n"
    "}\n";

/* Hosts not in normal form go to the interpreter: the same answers. */
static void check_raw_hosts(void)
{
        static const char *const raw[] = {
            "API.example.com", "api.example.com.", ".api.example.com", "a..example.com", "",
            "x y.example.com", "web.example.com",  "w.svc.example.com"};
        compiled c;
        compile(&c, edge_policy);
        for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
                for (int http = 0; http < 2; http++) {
                        pm_request q = {.host = raw[i],
                                        .port = (uint16_t)(http ? 80 : 443),
                                        .binary = "/usr/bin/git",
                                        .method = "GET",
                                        .path = "/repos/a"};
                        pm_verdict a =
                            http ? pm_decide_http(&c.t, &q) : pm_decide_connect(&c.t, &q);
                        pm_verdict b = pm_native_decide(&c.n, &q, http);
                        if (!same(a, b))
                                fail_msg("raw host '%s': %s vs %s", raw[i], a.reason, b.reason);
                        checks++;
                }
        release(&c);
}

static void test_edges(void **state)
{
        checks = allowed_count = 0;
        check_raw_hosts();
        check_policy(edge_policy);
        check_policy("policy n { fs { allow read /tmp; } }\n");
        check_policy("policy e { net { allow bind 127.0.0.1:8000; } }\n");
        print_message("  edges: %ld decisions, %ld allowed\n", checks, allowed_count);
        assert_true(allowed_count > checks / 50);
}

static void test_example(void **state)
{
        compiled c;
        memset(&c, 0, sizeof(c));
        fx_load_file(&c.fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&c.fx);
        c.fx.prog = ir_lower(&c.fx.ctx);
        assert_non_null(c.fx.prog);
        c.p = ir_select_policy(c.fx.prog, "coding_agent");
        assert_non_null(c.p);
        compile_fx(&c);
        checks = allowed_count = 0;
        check_compiled(&c, true);
        print_message("  coding_agent: %u rules, %ld decisions, %ld allowed\n", c.b.proxy.nrules,
                      checks, allowed_count);
        assert_true(allowed_count > 0);
        release(&c);
}

/* The policies of tests/e2e/proxy.sh, with its port and binaries. */
static void test_e2e_policies(void **state)
{
        checks = allowed_count = 0;
        check_policy("policy names { net { allow connect localhost:40000; } }");
        check_policy("policy ranges { net {\n allow connect 127.0.0.0/8:40000;\n"
                     " deny connect 127.0.0.3:*;\n allow connect 0.0.0.0/0:80;\n} }");
        check_policy("policy l7 { net {\n allow connect 127.0.0.1:40000 {\n"
                     "  allow http GET /ok/**;\n  allow http POST /upload;\n"
                     "  deny http * /ok/secret/**;\n }\n} }");
        check_policy("policy ident { net {\n"
                     " allow connect 127.0.0.1:40000 from \"/tmp/x/proxy_peer\";\n"
                     " allow connect 127.0.0.2:40000 from \"/usr/bin/dash\" and children;\n} }");
        print_message("  e2e policies: %ld decisions, %ld allowed\n", checks, allowed_count);
}

/* ---- random policies ---- */

static const char *const small_endpoints[] = {
    "a.example.com:443", "*.example.com:443",    "**.example.com:{80, 443}",
    "b.example.com:80",  "10.0.0.0/8:*",         "10.1.2.0/24:443",
    "0.0.0.0/0:443",     "192.0.2.0/24:80..443", "[fd00::]/8:443",
    "[2001:db8::]/32:*", "127.0.0.1:8080",       "169.254.169.254:80"};
static const char *const froms[] = {"", " from /usr/bin/git", " from /usr/bin/python3",
                                    " from /usr/bin/git, /usr/bin/curl", " from $TOOLS/git"};
static const char *const l7methods[] = {"*", "GET", "GET, HEAD", "POST"};
static const char *const globs[] = {"/repos/**", "/repos/*/x", "/a", "/**", "/b/*", "/c/**/d"};

static void test_random_small(void **state)
{
        checks = allowed_count = 0;
        rng = 11;
        for (int k = 0; k < 60; k++) {
                char text[4096];
                int len = snprintf(text, sizeof(text),
                                   "param TOOLS = /opt/tools;\npolicy g {\n    net {\n");
                for (int i = 1 + (int)rnd(6); i > 0; i--) {
                        bool deny = rnd(4) == 0;
                        const char *from = froms[rnd(5)];
                        len +=
                            snprintf(text + len, sizeof(text) - (size_t)len, "  %s connect %s%s%s",
                                     deny ? "deny" : "allow", small_endpoints[rnd(12)], from,
                                     from[0] && rnd(3) == 0 ? " and children" : "");
                        if (!deny && rnd(3) == 0) {
                                len += snprintf(text + len, sizeof(text) - (size_t)len, " {\n");
                                for (int h = 1 + (int)rnd(3); h > 0; h--)
                                        len += snprintf(text + len, sizeof(text) - (size_t)len,
                                                        "    %s http %s %s;\n",
                                                        rnd(3) ? "allow" : "deny",
                                                        l7methods[rnd(4)], globs[rnd(6)]);
                                len += snprintf(text + len, sizeof(text) - (size_t)len, "  }\n");
                        } else {
                                len += snprintf(text + len, sizeof(text) - (size_t)len, ";\n");
                        }
                }
                snprintf(text + len, sizeof(text) - (size_t)len, "    }\n}\n");
                check_policy(text);
        }
        print_message("  random small: %ld decisions, %ld allowed\n", checks, allowed_count);
        assert_true(allowed_count > checks / 50);
}

/* A policy of n connect rules in the shape of a large organisation's:
 * exact names under many domains, wildcards, address ranges, port ranges,
 * binaries, some http rules, some denies.  Shared with bench/. */
static char *big_policy(int n, unsigned long seed)
{
        size_t cap = (size_t)n * 200 + 4096, len = 0;
        char *s = malloc(cap);
        assert_non_null(s);
        rng = seed;
        len += (size_t)snprintf(s, cap, "param TOOLS = /opt/tools;\npolicy big {\n  net {\n");
        for (int i = 0; i < n; i++) {
                char ep[128], port[32] = "", from[96] = "";
                unsigned d = rnd(n / 4 + 1), k = rnd(10);
                if (k < 4)
                        snprintf(ep, sizeof(ep), "h%u.d%u.example.com", rnd(1000), d);
                else if (k == 4)
                        snprintf(ep, sizeof(ep), "*.d%u.example.com", d);
                else if (k == 5)
                        snprintf(ep, sizeof(ep), "**.d%u.example.org", d);
                else if (k == 6)
                        snprintf(ep, sizeof(ep), "10.%u.%u.0/24", rnd(256), rnd(256));
                else if (k == 7)
                        snprintf(ep, sizeof(ep), "%u.%u.%u.%u/%u", 11 + rnd(200), rnd(256),
                                 rnd(256), rnd(256) & 0xf0, 28 + rnd(5));
                else if (k == 8)
                        snprintf(ep, sizeof(ep), "[2001:db8:%x::]/48", rnd(65536));
                else
                        snprintf(ep, sizeof(ep), "api%u.s%u.net", rnd(100), d);
                unsigned pk = rnd(6);
                if (pk < 3)
                        snprintf(port, sizeof(port), ":443");
                else if (pk == 3)
                        snprintf(port, sizeof(port), ":%u", 1 + rnd(65535));
                else if (pk == 4)
                        snprintf(port, sizeof(port), ":%u..%u", 8000 + rnd(100), 8100 + rnd(100));
                else
                        snprintf(port, sizeof(port), ":*");
                unsigned fk = rnd(10);
                if (fk == 0)
                        snprintf(from, sizeof(from), " from /opt/bin/tool%u", rnd(40));
                else if (fk == 1)
                        snprintf(from, sizeof(from), " from /usr/bin/git and children");
                else if (fk == 2)
                        snprintf(from, sizeof(from), " from $TOOLS/git, /usr/bin/curl");
                bool deny = rnd(8) == 0;
                len += (size_t)snprintf(s + len, cap - len, "    %s connect %s%s%s",
                                        deny ? "deny" : "allow", ep, port, from);
                if (!deny && rnd(12) == 0)
                        len += (size_t)snprintf(s + len, cap - len,
                                                " {\n      allow http GET, HEAD /v%u/**;\n"
                                                "      deny http * /v%u/admin/*;\n"
                                                "      allow http POST /upload/*.tar;\n    }\n",
                                                rnd(50), rnd(50));
                else
                        len += (size_t)snprintf(s + len, cap - len, ";\n");
        }
        snprintf(s + len, cap - len, "  }\n}\n");
        return s;
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_big(int n, unsigned long seed, bool full)
{
        char *text = big_policy(n, seed);
        compiled c;
        double t0 = now();
        compile(&c, text);
        double t1 = now();
        checks = allowed_count = 0;
        check_compiled(&c, full);
        print_message("  random %d rules: compiled in %.2f s (LLVM %.2f s, %d DFA states, %zu "
                      "bytes of code, %zu of data), %ld decisions in %.1f s, %ld allowed\n",
                      n, t1 - t0, c.out.compile_s, c.out.dfa_states, c.out.code_len, c.out.data_len,
                      checks, now() - t1, allowed_count);
        assert_true(allowed_count > 0);
        release(&c);
        free(text);
}

static void test_random_10(void **state)
{
        for (unsigned long s = 1; s <= 20; s++)
                check_big(10, s, true);
}

static void test_random_1000(void **state)
{
        check_big(1000, 7, false);
}

/* The same with tiny sizes (llvm_matcher.h): every automaton of more
 * than 4 states cut into functions, the address tree data below subtrees
 * of 2 intervals, and every label of a host state on one slot (each
 * search runs on through the slots of the other labels). */
static void test_small_parts(void **state)
{
        int saved[3] = {lm_cluster_states, lm_tree_part, lm_weak_hashes};
        lm_cluster_states = 4;
        lm_tree_part = 2;
        lm_weak_hashes = 1;
        checks = allowed_count = 0;
        check_policy(edge_policy);
        print_message("  small parts, edges: %ld decisions, %ld allowed\n", checks, allowed_count);
        for (unsigned long s = 1; s <= 5; s++)
                check_big(10, s, true);
        check_big(200, 3, false);
        lm_cluster_states = saved[0];
        lm_tree_part = saved[1];
        lm_weak_hashes = saved[2];
}

/* OSH_NATIVE_BIG sets the size (0 skips it, for a quick run by hand). */
static void test_random_10000(void **state)
{
        const char *big = getenv("OSH_NATIVE_BIG");
        int n = big ? atoi(big) : 10000;
        if (n > 0)
                check_big(n, 9, false);
}

/* ---- witnesses from the verifier ---- */

static long witnesses;

/* Every net finding's witness (connect and http requests) of every policy
 * in the file at path, as `oshc verify` finds them, decided both ways. */
static void check_witnesses_of(const char *path)
{
        compiled c; /* one fixture, each policy compiled in turn */
        memset(&c, 0, sizeof(c));
        fixture *fx = &c.fx;
        fx_load_file(fx, path);
        if (fx->ctx.nerrors) {
                fx_dump(fx);
                fail_msg("%s does not load", path);
        }
        fx->prog = ir_lower(&fx->ctx);
        assert_non_null(fx->prog);
        vf v;
        vf_init(&v, 0);
        vf_set_program(&v, &fx->ctx, fx->prog);
        for (int i = 0; i < v.env.n && i < OSHB_MAX_PARAMS; i++) { /* as the verifier replays */
                c.rp.names[i] = v.env.names[i];
                c.rp.values[i] = v.env.values[i];
                c.rp.n = i + 1;
        }
        for (int k = 0; k < fx->prog->npolicies; k++) {
                int first = v.nf;
                vf_check_net(&v, fx->prog->policies[k]);
                assert_int_equal(v.internal, 0);
                if (v.nf == first)
                        continue;
                c.p = fx->prog->policies[k];
                compile_fx(&c);
                for (int i = first; i < v.nf; i++) {
                        char err[256];
                        net_request q;
                        const char *w = v.f[i].witness;
                        int kind =
                            w ? eval_parse_net_request(w, &q, err, sizeof(err), &fx->ctx.arena) : 0;
                        if (kind != EVAL_NET_CONNECT && kind != EVAL_NET_HTTP)
                                continue; /* prose, a bind, another domain */
                        bool http = kind == EVAL_NET_HTTP;
                        pm_request r = {.host = q.host,
                                        .host_is_ip = q.host_is_ip,
                                        .has_addr = q.has_addr,
                                        .port = q.port,
                                        .binary = q.binary,
                                        .nancestors = q.nancestors,
                                        .method = q.method,
                                        .path = q.path};
                        memcpy(r.addr, q.addr, 16);
                        memcpy(r.ancestors, q.ancestors, sizeof(r.ancestors));
                        pm_verdict a =
                            http ? pm_decide_http(&c.t, &r) : pm_decide_connect(&c.t, &r);
                        pm_verdict b = pm_native_decide(&c.n, &r, http);
                        if (!same(a, b))
                                fail_msg("%s, policy %s, %s witness '%s':\n"
                                         "  interpreter %d rule %d (%s)\n"
                                         "  native      %d rule %d (%s)",
                                         path, c.p->name, v.f[i].name, w, a.allowed, a.rule_id,
                                         a.reason, b.allowed, b.rule_id, b.reason);
                        witnesses++;
                        checks++;
                        allowed_count += a.allowed;
                }
                pm_native_unload(&c.n);
                lm_output_free(&c.out);
        }
        vf_free(&v);
        release(&c);
}

/* The witnesses of the stdlib profiles and examples and of the verifier's
 * corpus policies with net findings. */
static void test_verifier_witnesses(void **state)
{
        static const char *const patterns[] = {"stdlib-policies/std/profiles/*.osh",
                                               "stdlib-policies/examples/*.osh",
                                               "tests/verifier/corpus/*/net-*.osh"};
        checks = allowed_count = witnesses = 0;
        int files = 0;
        for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
                glob_t gl;
                assert_int_equal(glob(patterns[i], 0, NULL, &gl), 0);
                for (size_t k = 0; k < gl.gl_pathc; k++, files++)
                        check_witnesses_of(gl.gl_pathv[k]);
                globfree(&gl);
        }
        print_message("  verifier witnesses: %d files, %ld witnesses, %ld allowed\n", files,
                      witnesses, allowed_count);
        assert_true(witnesses >= 40);
        assert_true(allowed_count > 0 && allowed_count < witnesses);
}

/* ---- the loader ---- */

static void test_loader_refuses(void **state)
{
        compiled c;
        compile(&c, edge_policy);
        char err[512];
        pm_native n;
        uint8_t sha[32];
        size_t len = c.out.container_len;
        uint8_t *obj = malloc(len);
        memcpy(obj, c.out.container, len);
        sha256(obj, len, sha);
        for (int i = 0; i < 32; i++) { /* each byte of the recorded hash */
                sha[i] ^= 0x01;
                assert_int_equal(pm_native_load_object(&n, obj, len, sha, &c.t, err, sizeof(err)),
                                 -1);
                assert_non_null(strstr(err, "SHA-256"));
                sha[i] ^= 0x01;
        }
        obj[len - 1] ^= 0x80; /* the code changed, the hash not */
        assert_int_equal(pm_native_load_object(&n, obj, len, sha, &c.t, err, sizeof(err)), -1);
        obj[len - 1] ^= 0x80;
        obj[12] = 40; /* another machine (ARM), under a consistent hash */
        sha256(obj, len, sha);
        assert_int_equal(pm_native_load_object(&n, obj, len, sha, &c.t, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "machine"));
        memcpy(obj, c.out.container, len);
        obj[8] = 9; /* another ABI */
        sha256(obj, len, sha);
        assert_int_equal(pm_native_load_object(&n, obj, len, sha, &c.t, err, sizeof(err)), -1);
        memcpy(obj, c.out.container, len);
        obj[16] = 0xff, obj[17] = 0xff, obj[18] = 0xff; /* entry past the code */
        sha256(obj, len, sha);
        assert_int_equal(pm_native_load_object(&n, obj, len, sha, &c.t, err, sizeof(err)), -1);
        sha256(c.out.container, 10, sha); /* truncated */
        assert_int_equal(
            pm_native_load_object(&n, c.out.container, 10, sha, &c.t, err, sizeof(err)), -1);
        free(obj);
        /* through the bundle: written and read back, then loaded */
        c.b.has_native = true;
        c.b.native.object = c.out.container;
        c.b.native.len = (uint32_t)c.out.container_len;
        sha256(c.out.container, c.out.container_len, c.b.native.sha256);
        size_t blen;
        uint8_t *bytes = oshb_write(&c.b, &blen, err, sizeof(err));
        assert_non_null(bytes);
        oshb_bundle rb;
        assert_int_equal(oshb_read(bytes, blen, &rb, err, sizeof(err)), 0);
        pm_table t = {&rb.proxy, rb.process.network, &c.rp};
        assert_int_equal(pm_native_load(&n, &rb, &t, err, sizeof(err)), 0);
        pm_request q = {.host = "api.example.com", .port = 443};
        pm_verdict v = pm_native_decide(&n, &q, false);
        assert_true(v.allowed);
        pm_native_unload(&n);
        oshb_free(&rb);
        free(bytes);
        release(&c);
}

/* Code from another policy, under a hash recorded consistently: the
 * loader cannot tell, the differential test must. */
static void test_mutation_other_code(void **state)
{
        compiled a, b;
        compile(&a, "policy a { net { allow connect api.example.com:443, 10.0.0.0/8:80;\n"
                    " deny connect bad.example.com:*; } }");
        compile(&b, "policy b { net { allow connect api.example.com:444, 10.0.0.0/9:80;\n"
                    " deny connect bad.example.org:*; } }");
        pm_native_unload(&a.n);
        char err[256];
        uint8_t sha[32];
        sha256(b.out.container, b.out.container_len, sha);
        assert_int_equal(pm_native_load_object(&a.n, b.out.container, b.out.container_len, sha,
                                               &a.t, err, sizeof(err)),
                         0);
        count_only = true;
        mismatches = checks = 0;
        check_compiled(&a, true);
        count_only = false;
        print_message("  other policy's code: %ld of %ld decisions differ\n", mismatches, checks);
        assert_true(mismatches > 0);
        release(&a);
        release(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_edges),
            cmocka_unit_test(test_example),
            cmocka_unit_test(test_e2e_policies),
            cmocka_unit_test(test_random_small),
            cmocka_unit_test(test_random_10),
            cmocka_unit_test(test_random_1000),
            cmocka_unit_test(test_small_parts),
            cmocka_unit_test(test_random_10000),
            cmocka_unit_test(test_verifier_witnesses),
            cmocka_unit_test(test_loader_refuses),
            cmocka_unit_test(test_mutation_other_code),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
