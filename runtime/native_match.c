/*
 * native_match.c - load and run the native egress matcher (see
 * native_match.h).
 *
 * The code comes from the bundle, whose checksum osh-proxy has verified;
 * here it is checked again on its own: the SHA-256 of the NATIVE object
 * against the one recorded beside it, the container's magic and ABI, and
 * the ELF machine it was compiled for against the one running.  It is then
 * copied into an anonymous mapping that is writable, then made read and
 * execute (never both writable and executable).  The code needs no
 * relocation (oshc refuses to ship code that has any).
 */
#include "native_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t get32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t running_machine(void)
{
#if defined(__x86_64__)
        return OSH_NATIVE_EM_X86_64;
#elif defined(__aarch64__)
        return OSH_NATIVE_EM_AARCH64;
#else
        return 0;
#endif
}

static const char *param_value(const rt_params *env, const char *name)
{
        for (int i = 0; env && i < env->n; i++)
                if (!strcmp(env->names[i], name))
                        return env->values[i];
        return NULL;
}

/* "$NAME/sub" with NAME's launch value, as proxy_match.c binary_is reads
 * it: the rule text itself when NAME has no value, NULL (matches nothing)
 * when the name is too long. */
static char *expand_param_binary(const rt_params *env, const char *rule_bin)
{
        char name[64];
        const char *slash = strchr(rule_bin, '/');
        size_t n = slash ? (size_t)(slash - rule_bin - 1) : strlen(rule_bin + 1);
        if (n >= sizeof(name))
                return NULL;
        memcpy(name, rule_bin + 1, n);
        name[n] = 0;
        const char *v = param_value(env, name);
        if (!v)
                return strdup(rule_bin);
        size_t vl = strlen(v), sl = slash ? strlen(slash) : 0;
        char *out = malloc(vl + sl + 1);
        if (!out)
                return NULL;
        memcpy(out, v, vl);
        memcpy(out + vl, slash ? slash : "", sl + 1);
        return out;
}

/* The parameter binaries in the generator's order: first appearance over
 * the rules, then over each rule's binaries. */
static int collect_param_binaries(pm_native *n, const pm_table *t, char *err, size_t errlen)
{
        const char *seen[64];
        for (uint32_t i = 0; i < t->proxy->nrules; i++) {
                const oshb_proxy_rule *r = &t->proxy->rules[i];
                for (uint32_t k = 0; k < r->nbinaries; k++) {
                        const char *bin = r->binaries[k];
                        int j = 0;
                        if (bin[0] != '$')
                                continue;
                        while (j < n->npbins && strcmp(seen[j], bin))
                                j++;
                        if (j < n->npbins)
                                continue;
                        if (n->npbins == 64) {
                                snprintf(err, errlen,
                                         "native matcher: over 64 parameter "
                                         "binaries, which oshc never generates");
                                return -1;
                        }
                        seen[n->npbins] = bin;
                        n->pbins[n->npbins++] = expand_param_binary(t->params, bin);
                }
        }
        return 0;
}

int pm_native_load_object(pm_native *n, const uint8_t *obj, size_t len, const uint8_t want[32],
                          const pm_table *t, char *err, size_t errlen)
{
        memset(n, 0, sizeof(*n));
        uint8_t got[32];
        sha256(obj, len, got);
        if (memcmp(got, want, 32)) {
                snprintf(err, errlen,
                         "native matcher: its SHA-256 does not match the one "
                         "recorded in the bundle: the bundle was tampered with; "
                         "recompile the policy");
                return -1;
        }
        if (len < OSH_NATIVE_HEADER_LEN || memcmp(obj, OSH_NATIVE_MAGIC, 8)) {
                snprintf(err, errlen, "native matcher: not an oshc native matcher (bad magic)");
                return -1;
        }
        uint32_t abi = get32(obj + 8), machine = get32(obj + 12), entry = get32(obj + 16);
        uint32_t code_len = get32(obj + 20), nrules = get32(obj + 24), data_len = get32(obj + 28);
        if (abi != OSH_NATIVE_ABI) {
                snprintf(err, errlen,
                         "native matcher: ABI %u, this osh-proxy runs ABI %u: recompile the "
                         "policy with a matching oshc",
                         abi, OSH_NATIVE_ABI);
                return -1;
        }
        if (machine != running_machine()) {
                snprintf(err, errlen,
                         "native matcher: compiled for ELF machine %u, this machine is %u: "
                         "compile the policy on this architecture, or without --native",
                         machine, running_machine());
                return -1;
        }
        if (code_len == 0 || code_len > len - OSH_NATIVE_HEADER_LEN ||
            data_len != len - OSH_NATIVE_HEADER_LEN - code_len || entry >= code_len) {
                snprintf(err, errlen, "native matcher: its header does not match its length");
                return -1;
        }
        if (nrules != t->proxy->nrules) {
                snprintf(err, errlen,
                         "native matcher: built for %u rules, the bundle's proxy table has %u",
                         nrules, t->proxy->nrules);
                return -1;
        }
        if (collect_param_binaries(n, t, err, errlen) < 0) {
                pm_native_unload(n);
                return -1;
        }
        /* the code's pages, then the data's: one mapping, writable while
         * filled, then read+execute and read only */
        size_t page = (size_t)sysconf(_SC_PAGESIZE),
               code_pages = ((size_t)code_len + page - 1) & ~(page - 1);
        size_t maplen = code_pages + (((size_t)data_len + page - 1) & ~(page - 1));
        uint8_t *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
                snprintf(err, errlen, "native matcher: mmap of %zu bytes: %m", maplen);
                pm_native_unload(n);
                return -1;
        }
        memcpy(m, obj + OSH_NATIVE_HEADER_LEN, code_len);
        memcpy(m + code_pages, obj + OSH_NATIVE_HEADER_LEN + code_len, data_len);
        if (mprotect(m, code_pages, PROT_READ | PROT_EXEC) ||
            (maplen > code_pages && mprotect(m + code_pages, maplen - code_pages, PROT_READ))) {
                snprintf(err, errlen, "native matcher: mprotect: %m");
                munmap(m, maplen);
                pm_native_unload(n);
                return -1;
        }
        __builtin___clear_cache((char *)m, (char *)m + code_len);
        n->map = m;
        n->maplen = maplen;
        n->data = m + code_pages;
        n->table = t;
        union {
                void *p;
                osh_native_fn f;
        } u = {.p = (uint8_t *)m + entry};
        n->fn = u.f;
        return 0;
}

int pm_native_load(pm_native *n, const oshb_bundle *b, const pm_table *t, char *err, size_t errlen)
{
        if (!b->has_native) {
                memset(n, 0, sizeof(*n));
                snprintf(err, errlen, "the bundle has no native matcher");
                return -1;
        }
        return pm_native_load_object(n, b->native.object, b->native.len, b->native.sha256, t, err,
                                     errlen);
}

void pm_native_unload(pm_native *n)
{
        if (n->map)
                munmap(n->map, n->maplen);
        for (int i = 0; i < n->npbins; i++)
                free(n->pbins[i]);
        memset(n, 0, sizeof(*n));
}

/* Bytes of a host in normal form, xor 4: 1 a label's, 2 the dot, 4 (0 here)
 * any other. */
static const uint8_t host_byte[256] = {
    ['-'] = 5, ['_'] = 5, ['.'] = 6, ['0'] = 5, ['1'] = 5, ['2'] = 5, ['3'] = 5, ['4'] = 5,
    ['5'] = 5, ['6'] = 5, ['7'] = 5, ['8'] = 5, ['9'] = 5, ['a'] = 5, ['b'] = 5, ['c'] = 5,
    ['d'] = 5, ['e'] = 5, ['f'] = 5, ['g'] = 5, ['h'] = 5, ['i'] = 5, ['j'] = 5, ['k'] = 5,
    ['l'] = 5, ['m'] = 5, ['n'] = 5, ['o'] = 5, ['p'] = 5, ['q'] = 5, ['r'] = 5, ['s'] = 5,
    ['t'] = 5, ['u'] = 5, ['v'] = 5, ['w'] = 5, ['x'] = 5, ['y'] = 5, ['z'] = 5,
};

/* The length of h when it is in pm_host_normalize's output form (what the
 * code's host automaton assumes), else -1. */
static long host_normal_len(const char *h)
{
        const unsigned char *p = (const unsigned char *)h;
        unsigned prev = 2, bad = 0; /* as after a dot: a leading dot is one after a dot */
        size_t len = 0;
        for (; p[len]; len++) { /* no branch on the bytes but the end */
                unsigned k = host_byte[p[len]] ^ 4u;
                bad |= k & (prev | 4); /* another byte, or a dot after a dot */
                prev = k;
        }
        return len == 0 || len > 253 || prev == 2 || bad & 6 ? -1 : (long)len;
}

/* The reasons, word for word those of proxy_match.c. */
static const char *const reasons[OSH_NR__MAX + 1] = {
    [OSH_NR_NO_NETWORK] = "the policy has no net section: no network at all",
    [OSH_NR_DENY_CONNECT] = "a deny connect rule matches",
    [OSH_NR_SPECIAL] = "the address is loopback, link-local or private, which the proxy "
                       "refuses unless the allowing rule names that range itself",
    [OSH_NR_NO_ALLOW] = "no allow connect rule matches (net is default deny)",
    [OSH_NR_ALLOW_CONNECT] = "an allow connect rule matches",
    [OSH_NR_TUNNEL_HAS_L7] = "the matching connect rule has http rules, so it admits only plain "
                             "HTTP requests those rules allow; a tunnel would bypass them",
    [OSH_NR_DENY_HTTP] = "a deny http rule matches",
    [OSH_NR_ALLOW_PLAIN_HTTP] = "an allow connect rule without http rules matches: every request",
    [OSH_NR_ALLOW_HTTP] = "an allow http rule matches",
    [OSH_NR_NO_ALLOW_HTTP] = "no allow http rule of the matching connect rules matches (http is "
                             "default deny)",
};

static uint64_t param_mask(const pm_native *n, const char *bin)
{
        uint64_t m = 0;
        for (int i = 0; bin && i < n->npbins; i++)
                if (n->pbins[i] && !strcmp(n->pbins[i], bin))
                        m |= 1ull << i;
        return m;
}

pm_verdict pm_native_decide(const pm_native *n, const pm_request *q, bool http)
{
        const pm_table *t = n->table;
        long hl = q->host_is_ip ? 0 : host_normal_len(q->host ? q->host : "");
        if (hl < 0)
                return http ? pm_decide_http(t, q) : pm_decide_connect(t, q);
        char path[PM_PATH_MAX];
        struct osh_native_req r; /* the code reads ancestors[0..nancestors) only */
        r.flags = 0;
        r.method = r.path = NULL;
        r.method_len = r.path_len = 0;
        if (http) {
                const char *why;
                if (!pm_url_path_normalize(q->path, path, sizeof(path), &why)) {
                        pm_verdict v = {false, -1,
                                        "the proxy refuses request paths with '.' or '..' "
                                        "segments, '//', an encoded '/' or control characters"};
                        return v;
                }
                r.flags |= OSH_NATIVE_HTTP;
                r.method = (const uint8_t *)q->method;
                r.method_len = (uint32_t)strlen(q->method);
                r.path = (const uint8_t *)path;
                r.path_len = (uint32_t)strlen(path);
        }
        r.host = (const uint8_t *)(q->host ? q->host : "");
        r.host_len = (uint32_t)(q->host_is_ip ? strlen(q->host) : (size_t)hl);
        if (q->host_is_ip)
                r.flags |= OSH_NATIVE_HOST_IS_IP;
        if (q->has_addr) {
                r.flags |= OSH_NATIVE_HAS_ADDR;
                memcpy(r.addr, q->addr, 16);
        }
        r.port = q->port;
        r.binary = (const uint8_t *)q->binary;
        r.binary_len = q->binary ? (uint32_t)strlen(q->binary) : 0;
        r.param_self = n->npbins ? param_mask(n, q->binary) : 0;
        r.param_anc = 0;
        int na =
            q->nancestors < OSH_NATIVE_MAX_ANCESTORS ? q->nancestors : OSH_NATIVE_MAX_ANCESTORS;
        r.nancestors = (uint16_t)(na > 0 ? na : 0);
        for (int i = 0; i < na; i++) {
                r.ancestors[i] = (const uint8_t *)q->ancestors[i];
                r.ancestor_len[i] = q->ancestors[i] ? (uint32_t)strlen(q->ancestors[i]) : 0;
                if (n->npbins)
                        r.param_anc |= param_mask(n, q->ancestors[i]);
        }
        uint64_t v = n->fn(&r, n->data);
        int reason = OSH_NATIVE_REASON(v);
        pm_verdict out = {(v & OSH_NATIVE_ALLOWED) != 0, OSH_NATIVE_RULE(v),
                          reason >= 1 && reason <= OSH_NR__MAX ? reasons[reason] : NULL};
        if (!out.reason) { /* fail closed */
                out.allowed = false;
                out.reason = "the native matcher returned an unknown reason";
        }
        return out;
}
