/*
 * test_proxy_match.c - osh-proxy's decisions (runtime/proxy_match.c)
 * against the reference evaluator (compiler/eval.c).
 *
 * Policies are compiled from strings to a bundle exactly as `oshc compile`
 * does (load, lower, bundle_build); then, for every rule of the proxy
 * table, requests on its edges (the exact host, one label more and one
 * less, other case and a trailing dot, the first and last address of a
 * range and the ones just outside, the ports at and beyond each end, each
 * `from` binary as the caller and as an ancestor, paths at and around
 * each URL glob, special addresses) go through pm_decide_connect and
 * pm_decide_http and through eval_connect and eval_http.  Verdict, rule
 * and reason must agree on every request.  Random policies in the shape of
 * test_tables.c's add breadth.  Last, the proxy's parsers
 * (runtime/proxy_http.c): request heads, body framing, the TLS SNI.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "backends/backends.h"
#include "compiler/eval.h"
#include "runtime/proxy_http.h"
#include "runtime/proxy_match.h"

#include <ctype.h>

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
        eval_params ep;
        rt_params rp;
        pm_table t;
} compiled;

static void compile(compiled *c, const char *text)
{
        memset(c, 0, sizeof(*c));
        c->p = fx_policy(&c->fx, text, NULL);
        if (!bundle_build(&c->fx.ctx, c->fx.prog, c->p, &c->b)) {
                fx_dump(&c->fx);
                fail_msg("bundle_build failed for:\n%s", text);
        }
        c->ep.names[0] = c->rp.names[0] = "TOOLS";
        c->ep.values[0] = c->rp.values[0] = "/opt/tools";
        c->ep.n = c->rp.n = 1;
        c->t.proxy = &c->b.proxy;
        c->t.network = c->b.process.network;
        c->t.params = &c->rp;
}

static int checks, allowed_count;

/* pm_refused_by_name may refuse a name before resolving it only when the
 * evaluator refuses it at every address: try each special address, a
 * public one, and the request's own. */
static void check_name_refusal(compiled *c, const pm_request *q0, const net_request *r0)
{
        static const char *const addrs[] = {
            "127.0.0.1",   "10.1.2.3", "10.1.2.200",    "169.254.169.254", "192.0.2.5", "8.8.8.8",
            "2001:db8::5", "fd00::1",  "93.184.216.34", "192.168.1.1",     "::1",       "0.0.0.1"};
        if (q0->host_is_ip)
                return;
        pm_request q = *q0;
        q.has_addr = false;
        pm_verdict v;
        for (int http = 0; http < 2; http++) {
                if (!pm_refused_by_name(&c->t, &q, http, &v))
                        continue;
                assert_false(v.allowed);
                for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
                        net_request r = *r0;
                        assert_true(pm_parse_ip(addrs[i], r.addr));
                        r.has_addr = true;
                        eval_result e =
                            http ? eval_http(c->p, &c->ep, &r) : eval_connect(c->p, &c->ep, &r);
                        if (e.allowed)
                                fail_msg("%s:%u refused by name, yet allowed at %s (%s)", r.host,
                                         r.port, addrs[i], http ? "http" : "connect");
                }
        }
}

/* Decide q both ways; host is given as a client would write it. */
static void check(compiled *c, const char *rawhost, const char *addr, uint16_t port,
                  const char *bin, const char *anc, const char *method, const char *path)
{
        char host[256];
        pm_request q = {0};
        net_request r = {0};
        uint8_t a[16];
        bool is_ip = pm_parse_ip(rawhost, a);
        if (is_ip)
                snprintf(host, sizeof(host), "%s", rawhost);
        else if (!pm_host_normalize(rawhost, host, sizeof(host)))
                fail_msg("bad test host %s", rawhost);
        q.host = r.host = host;
        if (is_ip) {
                q.host_is_ip = r.host_is_ip = true;
                addr = host;
        }
        if (addr) {
                assert_true(pm_parse_ip(addr, a));
                memcpy(q.addr, a, 16);
                memcpy(r.addr, a, 16);
                q.has_addr = r.has_addr = true;
        }
        q.port = r.port = port;
        q.binary = r.binary = bin;
        if (anc) {
                q.ancestors[0] = r.ancestors[0] = anc;
                q.nancestors = r.nancestors = 1;
        }
        q.method = r.method = method;
        q.path = r.path = path;
        pm_verdict pc = pm_decide_connect(&c->t, &q);
        eval_result ec = eval_connect(c->p, &c->ep, &r);
        pm_verdict ph = pm_decide_http(&c->t, &q);
        eval_result eh = eval_http(c->p, &c->ep, &r);
        if (pc.allowed != ec.allowed || pc.rule_id != ec.rule_id || strcmp(pc.reason, ec.reason) ||
            ph.allowed != eh.allowed || ph.rule_id != eh.rule_id || strcmp(ph.reason, eh.reason))
                fail_msg("disagree on %s (addr %s) :%u from %s under %s, %s %s\n"
                         "  connect: proxy %d rule %d (%s)\n           eval  %d rule %d (%s)\n"
                         "  http:    proxy %d rule %d (%s)\n           eval  %d rule %d (%s)",
                         rawhost, addr ? addr : "-", port, bin ? bin : "-", anc ? anc : "-", method,
                         path, pc.allowed, pc.rule_id, pc.reason, ec.allowed, ec.rule_id, ec.reason,
                         ph.allowed, ph.rule_id, ph.reason, eh.allowed, eh.rule_id, eh.reason);
        checks += 2;
        allowed_count += pc.allowed + ph.allowed;
        check_name_refusal(c, &q, &r);
}

/* ---- edges of one rule ---- */

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

/* Hosts around a pattern: the wildcards filled, one label more, one less,
 * upper case, a trailing dot. */
static int host_edges(const char *pat, char out[][256])
{
        char filled[128] = "", two[128] = "";
        const char *p = pat;
        if (!strncmp(p, "**.", 3)) {
                strcpy(filled, "x.");
                strcpy(two, "x.y.");
                p += 3;
        }
        size_t fl = strlen(filled), tl = strlen(two);
        for (; *p; p++) {
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

/* Paths around a glob: wildcards filled (one and two segments), the
 * glob's own prefix, one segment more, dot segments, encodings, a query. */
static int path_edges(const char *g, char out[][256])
{
        char one[128] = "", two[128] = "";
        size_t ol = 0, tl = 0;
        for (const char *p = g; *p; p++) {
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
        snprintf(out[n++], 256, "%s#frag", one);
        snprintf(out[n++], 256, "%s/../x", one);
        snprintf(out[n++], 256, "%s%%2Fx", one);
        snprintf(out[n++], 256, "%s%%2e%%2E", one);
        snprintf(out[n++], 256, "%s%%7e", one);
        snprintf(out[n++], 256, "/%%61%s", one + 1);
        snprintf(out[n++], 256, "%s//x", one);
        char *slash = strrchr(one, '/');
        if (slash && slash != one) {
                *slash = 0;
                strcpy(out[n++], one);
        }
        strcpy(out[n++], "/");
        return n;
}

static void check_rule_edges(compiled *c, const oshb_proxy_rule *r)
{
        static const char *const methods[] = {"GET", "POST", "HEAD", "DELETE"};
        char hosts[16][256], addrs[8][64], paths[16][256];
        int nh = 0, na = 0, np = 0;
        if (r->is_ip) {
                na = addr_edges(r, addrs);
        } else {
                nh = host_edges(r->host, hosts);
        }
        uint16_t ports[6];
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
        for (uint32_t i = 0; i < r->nl7 && np < 14; i++) {
                char tmp[16][256];
                int k = path_edges(r->l7[i].path, tmp);
                for (int j = 0; j < k && np < 16; j++)
                        strcpy(paths[np++], tmp[j]);
        }
        if (!np)
                strcpy(paths[np++], "/");
        for (int b = 0; b < nb; b++)
                for (int pi = 0; pi < nports; pi++) {
                        const char *bin = bins[b];
                        const char *anc = bins[(b + 1) % nb];
                        for (int h = 0; h < nh; h++) {
                                for (size_t s = 0; s < 4; s++) {
                                        const char *addr = s == 0   ? NULL
                                                           : s == 1 ? "93.184.216.34"
                                                                    : special_addrs[rnd(26)];
                                        check(c, hosts[h], addr, ports[pi], bin, NULL,
                                              methods[rnd(4)], paths[rnd((unsigned)np)]);
                                        check(c, hosts[h], addr, ports[pi], "/bin/sh", bin,
                                              methods[rnd(4)], paths[rnd((unsigned)np)]);
                                }
                        }
                        for (int a = 0; a < na; a++) {
                                check(c, addrs[a], NULL, ports[pi], bin, NULL, methods[rnd(4)],
                                      paths[rnd((unsigned)np)]);
                                check(c, "name.example.com", addrs[a], ports[pi], "/bin/sh", anc,
                                      methods[rnd(4)], paths[rnd((unsigned)np)]);
                        }
                        for (int m = 0; m < 4; m++)
                                for (int p = 0; p < np; p++)
                                        check(c, nh ? hosts[0] : addrs[0], NULL, ports[pi], bin,
                                              NULL, methods[m], paths[p]);
                }
        for (int s = 0; s < 26; s++)
                check(c, special_addrs[s], NULL, r->port_lo, bins[nb - 1], NULL, "GET", "/");
}

static void check_policy(const char *text)
{
        compiled c;
        compile(&c, text);
        for (uint32_t i = 0; i < c.b.proxy.nrules; i++)
                check_rule_edges(&c, &c.b.proxy.rules[i]);
        fx_free(&c.fx);
}

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
    "        deny connect 10.1.2.128/25:*;\n"
    "        deny connect bad.svc.example.com:* from /usr/bin/curl;\n"
    "        allow connect web.example.com:80 from /usr/bin/git {\n"
    "            allow http GET, HEAD /repos/**;\n"
    "            deny http * /repos/*/*/actions/**;\n"
    "            allow http POST /upload/*.tar;\n"
    "        }\n"
    "        allow connect **.example.com:80 {\n"
    "            allow http * /public/**;\n"
    "            deny http DELETE /**;\n"
    "        }\n"
    "        allow connect 127.0.0.1:8081 { allow http GET /ok; }\n"
    "    }\n"
    "}\n";

static void test_edges(void **state)
{
        checks = allowed_count = 0;
        check_policy(edge_policy);
        check_policy("policy n { fs { allow read /tmp; } }\n");
        check_policy("policy e { net { allow bind 127.0.0.1:8000; } }\n");
        print_message("  edges: %d checks, %d allowed\n", checks, allowed_count);
        assert_true(allowed_count > checks / 50);
}

/* ---- random policies ---- */

static const char *const endpoints[] = {
    "a.example.com:443", "*.example.com:443",    "**.example.com:{80, 443}",
    "b.example.com:80",  "10.0.0.0/8:*",         "10.1.2.0/24:443",
    "0.0.0.0/0:443",     "192.0.2.0/24:80..443", "[fd00::]/8:443",
    "[2001:db8::]/32:*", "127.0.0.1:8080",       "169.254.169.254:80"};
static const char *const froms[] = {"", " from /usr/bin/git", " from /usr/bin/python3",
                                    " from /usr/bin/git, /usr/bin/curl"};
static const char *const l7methods[] = {"*", "GET", "GET, HEAD", "POST"};
static const char *const globs[] = {"/repos/**", "/repos/*/x", "/a", "/**", "/b/*"};

static void gen_policy(char *out, size_t n)
{
        int len = snprintf(out, n, "policy g {\n    net {\n");
        int nrules = 1 + (int)rnd(6);
        for (int i = 0; i < nrules; i++) {
                bool deny = rnd(4) == 0;
                const char *from = froms[rnd(4)];
                len += snprintf(out + len, n - (size_t)len, "        %s connect %s%s%s",
                                deny ? "deny" : "allow", endpoints[rnd(12)], from,
                                from[0] && rnd(3) == 0 ? " and children" : "");
                if (!deny && rnd(3) == 0) {
                        len += snprintf(out + len, n - (size_t)len, " {\n");
                        for (int k = 1 + (int)rnd(3); k > 0; k--)
                                len += snprintf(
                                    out + len, n - (size_t)len, "            %s http %s %s;\n",
                                    rnd(3) ? "allow" : "deny", l7methods[rnd(4)], globs[rnd(5)]);
                        len += snprintf(out + len, n - (size_t)len, "        }\n");
                } else {
                        len += snprintf(out + len, n - (size_t)len, ";\n");
                }
        }
        snprintf(out + len, n - (size_t)len, "    }\n}\n");
}

static void test_random(void **state)
{
        checks = allowed_count = 0;
        rng = 11;
        for (int k = 0; k < 60; k++) {
                char text[4096];
                gen_policy(text, sizeof(text));
                check_policy(text);
        }
        print_message("  random: %d checks, %d allowed\n", checks, allowed_count);
        assert_true(allowed_count > checks / 50);
}

/* ---- the definitions on their own ---- */

static void test_host_and_ip(void **state)
{
        char h[256];
        assert_true(pm_host_normalize("API.Example.COM.", h, sizeof(h)));
        assert_string_equal(h, "api.example.com");
        assert_false(pm_host_normalize("a..b", h, sizeof(h)));
        assert_false(pm_host_normalize("a b", h, sizeof(h)));
        assert_false(pm_host_normalize(".", h, sizeof(h)));
        assert_true(pm_host_matches("**.example.com", "a.b.example.com"));
        assert_false(pm_host_matches("**.example.com", "example.com"));
        assert_false(pm_host_matches("*.example.com", "a.b.example.com"));
        uint8_t a[16], base[16];
        int prefix;
        assert_true(pm_parse_ip("169.254.169.254", a));
        assert_true(pm_special_range(a, base, &prefix));
        assert_int_equal(prefix, 112);
        assert_true(pm_parse_ip("::ffff:10.0.0.1", a));
        assert_true(pm_special_range(a, base, &prefix));
        assert_false(pm_parse_ip("010.0.0.1", a));
        assert_false(pm_parse_ip("127.1", a));
        assert_true(pm_parse_ip("8.8.8.8", a));
        assert_false(pm_special_range(a, base, &prefix));
        char out[PM_PATH_MAX];
        const char *why;
        assert_true(pm_url_path_normalize("/a/%7Eb?x=/../", out, sizeof(out), &why));
        assert_string_equal(out, "/a/~b");
        assert_false(pm_url_path_normalize("/a%2Fb", out, sizeof(out), &why));
        assert_false(pm_url_path_normalize("/a/%2e%2e/b", out, sizeof(out), &why));
}

/* ---- the parsers (runtime/proxy_http.c) ---- */

static int parse(const char *head, ph_request *r)
{
        const char *why;
        return ph_parse_head(head, strlen(head), r, &why);
}

static void test_http_heads(void **state)
{
        ph_request r;
        const char *h =
            "GET http://Example.COM:81/a/b?q=1 HTTP/1.1\r\nHost: evil.com\r\n"
            "Proxy-Connection: keep-alive\r\nUpgrade: websocket\r\nAccept: */*\r\n\r\nBODY";
        assert_int_equal(parse(h, &r), PH_OK);
        assert_string_equal(r.method, "GET");
        assert_string_equal(r.host, "Example.COM");
        assert_int_equal(r.port, 81);
        assert_int_equal(r.head_len, strlen(h) - 4);
        char out[512];
        size_t n = ph_rewrite_head(h, &r, out, sizeof(out));
        out[n] = 0;
        assert_string_equal(out, "GET /a/b?q=1 HTTP/1.1\r\nHost: Example.COM:81\r\n"
                                 "Accept: */*\r\n\r\n");
        assert_int_equal(parse("GET http://h HTTP/1.0\r\n\r\n", &r), PH_OK);
        /* found by fuzz_proxy: an empty first line once ended the head at
         * once, leaving an empty request that the rewrite read before */
        ph_request bad_r;
        assert_int_equal(parse("\r\nGET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", &bad_r), PH_BAD);
        assert_int_equal(r.port, 80);
        n = ph_rewrite_head("GET http://h HTTP/1.0\r\n\r\n", &r, out, sizeof(out));
        out[n] = 0;
        assert_string_equal(out, "GET / HTTP/1.0\r\nHost: h\r\n\r\n");
        assert_int_equal(parse("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", &r), PH_OK);
        assert_true(r.connect);
        assert_string_equal(r.host, "::1");
        assert_int_equal(r.port, 443);
        assert_int_equal(parse("GET http://h/ HTTP/1.1\r\nHost: h\r\n", &r), PH_MORE);
        static const char *const bad[] = {
            "GET /a HTTP/1.1\r\n\r\n",
            "GET https://h/ HTTP/1.1\r\n\r\n",
            "CONNECT h HTTP/1.1\r\n\r\n",
            "CONNECT h:0 HTTP/1.1\r\n\r\n",
            "CONNECT h:65536 HTTP/1.1\r\n\r\n",
            "GET http://u@h/ HTTP/1.1\r\n\r\n",
            "GET http://h/ HTTP/2.0\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nA: b\nB: c\r\n\r\n",
            "GET http://h/ HTTP/1.1\r\nA b\r\n\r\n",
            "G(T http://h/ HTTP/1.1\r\n\r\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (parse(bad[i], &r) != PH_BAD)
                        fail_msg("accepted: %s", bad[i]);
}

static void test_http_bodies(void **state)
{
        const char *body = "5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\nT: 1\r\n\r\nNEXT";
        ph_request r = {.chunked = true, .content_length = -1};
        ph_body b;
        bool done;
        ph_body_start(&b, &r);
        assert_int_equal(ph_body_feed(&b, body, strlen(body), &done), strlen(body) - 4);
        assert_true(done);
        ph_body_start(&b, &r); /* one byte at a time */
        size_t i = 0;
        for (done = false; !done; i++)
                assert_int_equal(ph_body_feed(&b, body + i, 1, &done), 1);
        assert_int_equal(i, strlen(body) - 4);
        ph_body_start(&b, &r);
        assert_int_equal(ph_body_feed(&b, "zz\r\n", 4, &done), -1);
        ph_body_start(&b, &r);
        assert_int_equal(ph_body_feed(&b, "1\r\nab\r\n", 7, &done), -1);
        r.chunked = false;
        r.content_length = 3;
        ph_body_start(&b, &r);
        assert_int_equal(ph_body_feed(&b, "abcdef", 6, &done), 3);
        assert_true(done);
}

static size_t hello(uint8_t *out, const char *sni, size_t split)
{
        uint8_t body[256];
        size_t o = 0;
        body[o++] = 3;
        body[o++] = 3;
        memset(body + o, 7, 32);
        o += 32;
        body[o++] = 0;
        memcpy(body + o, "\0\2\x13\x01\1\0", 6);
        o += 6;
        size_t el = o;
        o += 2;
        if (sni) {
                size_t n = strlen(sni);
                uint8_t ext[] = {0, 0, 0, (uint8_t)(n + 5), 0, (uint8_t)(n + 3), 0, 0, (uint8_t)n};
                memcpy(body + o, ext, sizeof(ext));
                o += sizeof(ext);
                memcpy(body + o, sni, n);
                o += n;
        }
        body[el] = (uint8_t)((o - el - 2) >> 8);
        body[el + 1] = (uint8_t)(o - el - 2);
        uint8_t hs[300] = {1, 0, (uint8_t)(o >> 8), (uint8_t)o};
        memcpy(hs + 4, body, o);
        size_t total = o + 4, w = 0;
        if (!split || split > total)
                split = total;
        for (size_t at = 0; at < total; at += split) { /* one record per piece */
                size_t k = total - at < split ? total - at : split;
                uint8_t rec[5] = {22, 3, 1, (uint8_t)(k >> 8), (uint8_t)k};
                memcpy(out + w, rec, 5);
                memcpy(out + w + 5, hs + at, k);
                w += 5 + k;
        }
        return w;
}

static void test_tls_sni(void **state)
{
        uint8_t buf[1024];
        char sni[256];
        size_t n = hello(buf, "api.example.com", 0);
        assert_int_equal(ph_tls_sni(buf, n, sni, sizeof(sni)), PH_OK);
        assert_string_equal(sni, "api.example.com");
        for (size_t k = 0; k < n; k++)
                assert_int_equal(ph_tls_sni(buf, k, sni, sizeof(sni)), PH_MORE);
        n = hello(buf, "split.example.com", 20);
        assert_int_equal(ph_tls_sni(buf, n, sni, sizeof(sni)), PH_OK);
        assert_string_equal(sni, "split.example.com");
        n = hello(buf, NULL, 0);
        assert_int_equal(ph_tls_sni(buf, n, sni, sizeof(sni)), PH_OK);
        assert_string_equal(sni, "");
        assert_int_equal(ph_tls_sni((const uint8_t *)"GET / HTTP/1.1\r\n", 16, sni, sizeof(sni)),
                         PH_BAD);
        n = hello(buf, "a b", 0);
        assert_int_equal(ph_tls_sni(buf, n, sni, sizeof(sni)), PH_BAD);
}

/* Mutated heads, bodies and hellos: the parsers never read out of bounds
 * (run under ASan by `make asan`) and never accept a head whose line does
 * not end where they say. */
static void test_parsers_mutated(void **state)
{
        static const char *const seeds[] = {
            "GET http://h.example:8080/a/b?c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
            "CONNECT [fd00::1]:443 HTTP/1.1\r\nA: b\r\n\r\n",
            "POST http://h/u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        };
        uint8_t hb[1024];
        size_t hn = hello(hb, "a.example.com", 30);
        rng = 5;
        for (int k = 0; k < 30000; k++) {
                char buf[512];
                const char *seed = seeds[rnd(3)];
                size_t n = strlen(seed);
                memcpy(buf, seed, n);
                for (int m = 1 + (int)rnd(4); m > 0; m--)
                        buf[rnd((unsigned)n)] = (char)rnd(256);
                size_t len = 1 + rnd((unsigned)n);
                char *exact = malloc(len); /* ASan sees any read past len */
                memcpy(exact, buf, len);
                ph_request r;
                const char *why;
                if (ph_parse_head(exact, len, &r, &why) == PH_OK) {
                        assert_true(r.head_len <= len);
                        assert_memory_equal(exact + r.head_len - 4, "\r\n\r\n", 4);
                        char out[1024];
                        ph_rewrite_head(exact, &r, out, sizeof(out));
                        ph_body b;
                        bool done;
                        ph_body_start(&b, &r);
                        long used = ph_body_feed(&b, exact + r.head_len, len - r.head_len, &done);
                        assert_true(used <= (long)(len - r.head_len));
                }
                free(exact);
                uint8_t h[1024];
                memcpy(h, hb, hn);
                for (int m = 1 + (int)rnd(3); m > 0; m--)
                        h[rnd((unsigned)hn)] = (uint8_t)rnd(256);
                size_t hl = 1 + rnd((unsigned)hn);
                uint8_t *he = malloc(hl);
                memcpy(he, h, hl);
                char sni[256];
                ph_tls_sni(he, hl, sni, sizeof(sni));
                free(he);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_host_and_ip),     cmocka_unit_test(test_edges),
            cmocka_unit_test(test_random),          cmocka_unit_test(test_http_heads),
            cmocka_unit_test(test_http_bodies),     cmocka_unit_test(test_tls_sni),
            cmocka_unit_test(test_parsers_mutated),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
