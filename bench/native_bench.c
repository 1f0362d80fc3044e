/*
 * native_bench.c - the native egress matcher beside the table interpreter
 * and a naive linear scan, on generated policies of 10, 1,000 and 10,000
 * connect rules (bench/native_bench.sh; docs/native-matcher.md).
 *
 *   native_bench [N ...]
 *
 * For each size: the time to generate and compile the matcher with LLVM,
 * then decisions per second and ns per decision over one set of requests
 * (names and addresses taken from the rules, one label off, misses,
 * tunnels and plain HTTP) for
 *   native       pm_native_decide (its C part included: the path's
 *                normalization, parameter binaries)
 *   interpreter  pm_decide_connect / pm_decide_http (what osh-proxy ran)
 *   linear scan  one pass over the rules, first match wins, no special
 *                addresses and no http rules: the least any scan costs.
 * The native and interpreter verdicts are compared on every request.
 * Each rate is the best of three runs of at least 0.2 s.
 * Goals: native >= 10x the interpreter and < 300 ns at 10,000 rules;
 * generating and compiling 10,000 rules in under 2 s.
 */
#include "backends/backends.h"
#include "backends/llvm_matcher.h"
#include "compiler/ir.h"
#include "runtime/native_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long rng = 1;
static unsigned rnd(unsigned n)
{
        rng = rng * 6364136223846793005ul + 1442695040888963407ul;
        return (unsigned)((rng >> 33) % n);
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The shape of tests/backends/test_native.c big_policy. */
static char *big_policy(int n, unsigned long seed)
{
        size_t cap = (size_t)n * 200 + 4096, len = 0;
        char *s = malloc(cap);
        rng = seed;
        len += (size_t)snprintf(s, cap, "param TOOLS = /opt/tools;\npolicy big {\n  net {\n");
        for (int i = 0; i < n; i++) {
                char ep[128], port[32], from[96] = "";
                unsigned d = rnd((unsigned)n / 4 + 1), k = rnd(10);
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

/* A request kept compact (one cache line, its name in an arena): a
 * proxy decides a request it has just parsed, so the figure should be the
 * decision's, not this benchmark's own memory traffic (4,096 pm_requests
 * with their names inline were 1.3 MB, a cache miss or two per decision
 * before any rule is read).  go() makes the pm_request, on the stack. */
typedef struct req {
        const char *host, *binary, *method, *path;
        uint8_t addr[16];
        uint16_t port;
        bool host_is_ip, has_addr, http;
} req;

static pm_request go(const req *r)
{
        pm_request q; /* the ancestors are not read: none */
        q.host = r->host;
        q.host_is_ip = r->host_is_ip;
        memcpy(q.addr, r->addr, 16);
        q.has_addr = r->has_addr;
        q.port = r->port;
        q.binary = r->binary;
        q.nancestors = 0;
        q.method = r->method;
        q.path = r->path;
        return q;
}

/* Requests from the rules: their names filled in, one label more or
 * less, their first addresses, misses; a third of them plain HTTP. */
static req *make_requests(const oshb_proxy *px, int n, char **arena)
{
        static const char *const bins[] = {NULL, "/usr/bin/git", "/usr/bin/curl", "/opt/bin/tool3",
                                           "/opt/tools/git"};
        static const char *const paths[] = {"/v1/x", "/v7/admin/k", "/upload/a.tar", "/"};
        req *rs = calloc((size_t)n, sizeof(req));
        char *names = malloc((size_t)n * 128), *next = names;
        for (int i = 0; i < n; i++) {
                req *r = &rs[i];
                char *host = next;
                const oshb_proxy_rule *rule = &px->rules[rnd(px->nrules)];
                if (rule->is_ip || rnd(10) == 0) {
                        memcpy(r->addr, rule->addr, 16);
                        r->addr[15] ^= (uint8_t)rnd(4);
                        pm_format_ip(r->addr, host, 128);
                        r->host_is_ip = r->has_addr = true;
                } else {
                        const char *p = rule->host;
                        size_t o = 0;
                        if (rnd(4) == 0)
                                o += (size_t)snprintf(host, 128, "x.");
                        while (!strncmp(p, "**.", 3))
                                p += 3, o += (size_t)snprintf(host + o, 8, "a.");
                        for (; *p && o < 120; p++)
                                host[o++] = *p == '*' ? 'w' : *p;
                        host[o] = 0;
                        if (rnd(3) == 0) { /* resolved to a public address */
                                uint8_t a[16] = {0, 0, 0,    0,    0,  0,   0,   0,
                                                 0, 0, 0xff, 0xff, 93, 184, 216, 34};
                                memcpy(r->addr, a, 16);
                                r->has_addr = true;
                        }
                }
                r->host = host;
                next += strlen(host) + 1;
                r->port = rnd(4) ? 443 : (uint16_t)(1 + rnd(65535));
                r->binary = bins[rnd(5)];
                r->method = rnd(2) ? "GET" : "POST";
                r->path = paths[rnd(4)];
                r->http = rnd(3) == 0;
        }
        *arena = names;
        return rs;
}

static bool endpoint_matches(const oshb_proxy_rule *r, const pm_request *q)
{
        if (q->port < r->port_lo || q->port > r->port_hi)
                return false;
        if (!r->is_ip)
                return !q->host_is_ip && pm_host_matches(r->host, q->host);
        if (!q->has_addr)
                return false;
        for (int i = 0; i < 16; i++) {
                int bits = r->prefix - i * 8;
                uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
                if ((q->addr[i] & m) != (r->addr[i] & m))
                        return false;
        }
        return true;
}

static int linear_scan(const oshb_proxy *px, const pm_request *q)
{
        for (uint32_t i = 0; i < px->nrules; i++)
                if (endpoint_matches(&px->rules[i], q))
                        return px->rules[i].deny ? -2 - (int)i : (int)i;
        return -1;
}

static volatile long sink;

static void bench(int n)
{
        char *text = big_policy(n, 9);
        osh_ctx c;
        osh_ctx_init(&c);
        c.stdlib_dir = "stdlib-policies";
        c.out = stderr;
        if (!osh_load_text(&c, "big.osh", text, strlen(text)) || c.nerrors) {
                diag_flush(&c);
                exit(1);
        }
        ir_program *prog = ir_lower(&c);
        ir_policy *p = prog ? ir_select_policy(prog, "big") : NULL;
        oshb_bundle b;
        if (!p || !bundle_build(&c, prog, p, &b)) {
                diag_flush(&c);
                exit(1);
        }
        rt_params rp = {.names = {"TOOLS"}, .values = {"/opt/tools"}, .n = 1};
        pm_table t = {&b.proxy, b.process.network, &rp};
        char err[512];
        lm_output out;
        double t0 = now();
        if (!llvm_matcher_build(&b.proxy, true, false, &out, err, sizeof(err))) {
                fprintf(stderr, "native_bench: %s\n", err);
                exit(1);
        }
        double build = now() - t0;
        pm_native nat;
        uint8_t sha[32];
        sha256(out.container, out.container_len, sha);
        if (pm_native_load_object(&nat, out.container, out.container_len, sha, &t, err,
                                  sizeof(err))) {
                fprintf(stderr, "native_bench: %s\n", err);
                exit(1);
        }
        printf("%6d rules: matcher generated in %.3f s + compiled by LLVM in %.3f s = %.3f s "
               "(%d DFA states, %zu KB of code, %zu KB of data)%s\n",
               b.proxy.nrules, out.generate_s, out.compile_s, build, out.dfa_states,
               out.code_len / 1024, out.data_len / 1024,
               n >= 10000 ? (build < 2 ? "  [goal < 2 s: met]" : "  [goal < 2 s: MISSED]") : "");
        int nreq = 4096;
        char *arena;
        req *rs = make_requests(&b.proxy, nreq, &arena);
        int differ = 0;
        for (int i = 0; i < nreq; i++) {
                pm_request q = go(&rs[i]);
                pm_verdict a = rs[i].http ? pm_decide_http(&t, &q) : pm_decide_connect(&t, &q);
                pm_verdict v = pm_native_decide(&nat, &q, rs[i].http);
                differ += a.allowed != v.allowed || a.rule_id != v.rule_id;
        }
        double rate[3];
        const char *names[3] = {"native", "interpreter", "linear scan"};
        for (int m = 0; m < 3; m++) {
                rate[m] = 0;
                for (int round = 0; round < 3;
                     round++) { /* the best of three: the host is shared */
                        long iters = 0;
                        double start = now(), el;
                        do {
                                for (int i = 0; i < nreq; i++) {
                                        const req *r = &rs[i];
                                        pm_request q = go(r);
                                        if (m == 0)
                                                sink += pm_native_decide(&nat, &q, r->http).rule_id;
                                        else if (m == 1)
                                                sink += (r->http ? pm_decide_http(&t, &q)
                                                                 : pm_decide_connect(&t, &q))
                                                            .rule_id;
                                        else
                                                sink += linear_scan(&b.proxy, &q);
                                }
                                iters += nreq;
                                el = now() - start;
                        } while (el < 0.2);
                        if ((double)iters / el > rate[m])
                                rate[m] = (double)iters / el;
                }
                printf("        %-12s %12.0f decisions/s %10.1f ns/decision\n", names[m], rate[m],
                       1e9 / rate[m]);
        }
        printf("        native is %.1fx the interpreter%s; %d of %d verdicts differ\n",
               rate[0] / rate[1],
               n >= 10000 ? (rate[0] / rate[1] >= 10 && 1e9 / rate[0] < 300
                                 ? " [goal >= 10x and < 300 ns: met]"
                                 : " [goal >= 10x and < 300 ns: MISSED]")
                          : "",
               differ, nreq);
        free(rs);
        free(arena);
        pm_native_unload(&nat);
        lm_output_free(&out);
        osh_ctx_free(&c);
        free(text);
}

int main(int argc, char **argv)
{
        static const int sizes[] = {10, 1000, 10000};
        if (argc > 1)
                for (int i = 1; i < argc; i++)
                        bench(atoi(argv[i]));
        else
                for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
                        bench(sizes[i]);
        return 0;
}
