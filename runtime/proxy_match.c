/*
 * proxy_match.c - osh-proxy's decisions over the bundle's proxy table (see
 * proxy_match.h).  Each function mirrors its counterpart in
 * compiler/eval.c or compiler/ir.c line for line; keep them in step.
 *
 * The rules, in short (docs/decisions.md, "Networking"): deny overrides
 * allow; a special address (loopback, link-local and so the metadata
 * service, private, CGNAT, unspecified) passes an allow rule only when the
 * rule's own address range lies inside that special range; a connect rule
 * with http rules admits no tunnel, only plain HTTP requests its http
 * rules allow; a deny http rule of any admitting rule overrides every
 * allow; `from` matches the caller's executable, and its ancestors with
 * `and children`.
 */
#include "proxy_match.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- addresses ---- */

static bool net_contains(const uint8_t net[16], int prefix, const uint8_t a[16])
{
        /* the whole bytes of the prefix, then the bits of the partial one */
        if (prefix < 0)
                prefix = 0;
        if (prefix > 128)
                prefix = 128;
        int whole = prefix / 8, bits = prefix % 8;
        if (memcmp(a, net, (size_t)whole))
                return false;
        if (!bits)
                return true;
        uint8_t m = (uint8_t)(0xff << (8 - bits));
        return (a[whole] & m) == (net[whole] & m);
}

/* Strict dotted quad: four decimal octets 0..255, no leading zeros. */
static bool parse_v4(const char *s, uint8_t out[4])
{
        for (int part = 0; part < 4; part++) {
                int v = 0, digits = 0;
                const char *start = s;
                while (*s >= '0' && *s <= '9') {
                        v = v * 10 + (*s++ - '0');
                        if (++digits > 3)
                                return false;
                }
                if (!digits || v > 255 || (digits > 1 && *start == '0'))
                        return false;
                out[part] = (uint8_t)v;
                if (part < 3 && *s++ != '.')
                        return false;
        }
        return *s == 0;
}

bool pm_parse_ip(const char *text, uint8_t out[16])
{
        uint8_t v4[4];
        memset(out, 0, 16);
        if (strchr(text, ':'))
                return inet_pton(AF_INET6, text, out) == 1;
        if (!parse_v4(text, v4))
                return false;
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return true;
}

void pm_format_ip(const uint8_t a[16], char *buf, size_t n)
{
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a, mapped, 12))
                inet_ntop(AF_INET, a + 12, buf, (socklen_t)n);
        else
                inet_ntop(AF_INET6, a, buf, (socklen_t)n);
}

/* eval.c special_range: the same list, in the same order, prefixes on 128
 * bits (IPv4 as IPv4-mapped). */
bool pm_special_range(const uint8_t a[16], uint8_t base[16], int *prefix)
{
        static const struct {
                uint8_t addr[16];
                int prefix;
        } nets[] = {
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0}, 104},   /* 127/8 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254, 0, 0}, 112}, /* 169.254/16 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0}, 104},    /* 10/8 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 16, 0, 0}, 108},  /* 172.16/12 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 0}, 112}, /* 192.168/16 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 100, 64, 0, 0}, 106},  /* 100.64/10 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, 104},     /* 0/8 */
            {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},           /* ::1 */
            {{0}, 128},                                                        /* :: */
            {{0xfc}, 7},                                                       /* fc00::/7 */
            {{0xfe, 0x80}, 10},                                                /* fe80::/10 */
        };
        for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
                if (net_contains(nets[i].addr, nets[i].prefix, a)) {
                        memcpy(base, nets[i].addr, 16);
                        *prefix = nets[i].prefix;
                        return true;
                }
        return false;
}

/* ---- names and paths (compiler/ir.c) ---- */

bool pm_host_normalize(const char *in, char *out, size_t n)
{
        size_t len = strlen(in);
        if (len && in[len - 1] == '.')
                len--;
        if (len == 0 || len > 253 || len >= n)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = in[i];
                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '.';
                if (!ok || (c == '.' && (i == 0 || out[i - 1] == '.')))
                        return false;
                out[i] = c;
        }
        out[len] = 0;
        return true;
}

bool pm_host_matches(const char *pattern, const char *host)
{
        if (!strncmp(pattern, "**.", 3)) {
                for (const char *dot = strchr(host, '.'); dot; dot = strchr(dot + 1, '.'))
                        if (dot > host && dot[-1] != '.' && pm_host_matches(pattern + 3, dot + 1))
                                return true;
                return false;
        }
        for (;;) {
                const char *pd = strchr(pattern, '.');
                const char *hd = strchr(host, '.');
                size_t pl = pd ? (size_t)(pd - pattern) : strlen(pattern);
                size_t hl = hd ? (size_t)(hd - host) : strlen(host);
                if (hl == 0)
                        return false;
                if (!(pl == 1 && pattern[0] == '*') &&
                    (pl != hl || strncmp(pattern, host, pl) != 0))
                        return false;
                if (!pd || !hd)
                        return !pd && !hd;
                pattern = pd + 1;
                host = hd + 1;
        }
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static bool unreserved(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~';
}

/* lang/typecheck.c path_is_canonical, less its "ends with '/'" case (which
 * a URL path may). */
static bool url_path_canonical(const char *p)
{
        for (const char *s = p; *s; s++) {
                if (*s != '/')
                        continue;
                if (s[1] == '/')
                        return false;
                if (s[1] == '.') { /* "/." or "/.." then '/' or the end */
                        size_t k = s[2] == '.' ? 3 : 2;
                        if (s[k] == '/' || s[k] == 0)
                                return false;
                }
        }
        return true;
}

bool pm_url_path_normalize(const char *raw, char *out, size_t n, const char **why)
{
        size_t o = 0;
        *why = NULL;
        if (raw[0] != '/') {
                *why = "the path does not start with '/'";
                return false;
        }
        for (const char *p = raw; *p && *p != '?' && *p != '#'; p++) {
                unsigned char c = (unsigned char)*p;
                if (c == '%') {
                        int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
                        if (lo < 0) {
                                *why = "a malformed percent escape";
                                return false;
                        }
                        c = (unsigned char)(hi * 16 + lo);
                        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                                *why = "an encoded '/', '\\' or control character";
                                return false;
                        }
                        p += 2;
                        if (!unreserved(c)) { /* other escapes stay as written */
                                if (o + 3 >= n)
                                        goto too_long;
                                memcpy(out + o, p - 2, 3);
                                o += 3;
                                continue;
                        }
                } else if (c < 0x20 || c == 0x7f || c == '\\') {
                        *why = "a control character or '\\'";
                        return false;
                }
                if (o + 1 >= n)
                        goto too_long;
                out[o++] = (char)c;
        }
        out[o] = 0;
        if (!url_path_canonical(out)) {
                *why = "a '.' or '..' segment or '//'";
                return false;
        }
        return true;
too_long:
        *why = "a path longer than the proxy accepts";
        return false;
}

bool pm_url_glob_matches(const char *g, const char *p)
{
        while (*g) {
                if (!strcmp(g, "/**") && *p == 0)
                        return true; /* "/repos/" + globstar also covers "/repos" */
                if (g[0] == '*' && g[1] == '*' && (g[2] == 0 || g[2] == '/')) {
                        const char *rest = g[2] ? g + 3 : g + 2;
                        if (!*rest)
                                return true;
                        for (const char *s = p;; s++) {
                                if ((s == p || s[-1] == '/') && pm_url_glob_matches(rest, s))
                                        return true;
                                if (!*s)
                                        return false;
                        }
                }
                if (*g == '*') {
                        for (const char *s = p;; s++) {
                                if (pm_url_glob_matches(g + 1, s))
                                        return true;
                                if (!*s || *s == '/')
                                        return false;
                        }
                }
                if (*g != *p)
                        return false;
                g++;
                p++;
        }
        return *p == 0;
}

/* ---- rules (compiler/eval.c) ---- */

static const char *param_value(const rt_params *env, const char *name)
{
        for (int i = 0; env && i < env->n; i++)
                if (!strcmp(env->names[i], name))
                        return env->values[i];
        return NULL;
}

/* A `from` binary, "$NAME/sub" expanded with the launch value of NAME
 * (unexpanded, it matches no real path). */
static bool binary_is(const rt_params *env, const char *rule_bin, const char *bin)
{
        if (!bin)
                return false;
        if (rule_bin[0] != '$')
                return !strcmp(rule_bin, bin);
        char name[64];
        const char *slash = strchr(rule_bin, '/');
        size_t n = slash ? (size_t)(slash - rule_bin - 1) : strlen(rule_bin + 1);
        if (n >= sizeof(name))
                return false;
        memcpy(name, rule_bin + 1, n);
        name[n] = 0;
        const char *v = param_value(env, name);
        if (!v)
                return !strcmp(rule_bin, bin);
        size_t vl = strlen(v), sl = slash ? strlen(slash) : 0;
        return !strncmp(bin, v, vl) && strlen(bin) == vl + sl && (!sl || !strcmp(bin + vl, slash));
}

static bool binaries_match(const rt_params *env, const oshb_proxy_rule *r, const pm_request *q)
{
        if (r->nbinaries == 0)
                return true;
        for (uint32_t i = 0; i < r->nbinaries; i++) {
                if (binary_is(env, r->binaries[i], q->binary))
                        return true;
                for (int j = 0; r->children && j < q->nancestors; j++)
                        if (binary_is(env, r->binaries[i], q->ancestors[j]))
                                return true;
        }
        return false;
}

static bool endpoint_matches(const oshb_proxy_rule *r, const pm_request *q)
{
        if (q->port < r->port_lo || q->port > r->port_hi)
                return false;
        if (!r->is_ip)
                return !q->host_is_ip && pm_host_matches(r->host, q->host);
        return q->has_addr && net_contains(r->addr, r->prefix, q->addr);
}

static bool rule_matches(const pm_table *t, const oshb_proxy_rule *r, const pm_request *q)
{
        return endpoint_matches(r, q) && binaries_match(t->params, r, q);
}

static pm_verdict verdict(bool allowed, int rule_id, const char *reason)
{
        pm_verdict v = {allowed, rule_id, reason};
        return v;
}

static const oshb_proxy_rule *first_deny(const pm_table *t, const pm_request *q)
{
        for (uint32_t i = 0; i < t->proxy->nrules; i++)
                if (t->proxy->rules[i].deny && rule_matches(t, &t->proxy->rules[i], q))
                        return &t->proxy->rules[i];
        return NULL;
}

/* May allow rule r reach q's address, given the refusal of special
 * addresses? */
static bool allow_passes(const oshb_proxy_rule *r, const pm_request *q)
{
        uint8_t base[16];
        int prefix;
        if (!q->has_addr || !pm_special_range(q->addr, base, &prefix))
                return true;
        return r->is_ip && r->prefix >= prefix && net_contains(base, prefix, r->addr);
}

typedef struct match {
        const oshb_proxy_rule *plain, *with_l7, *refused;
} match;

static match match_allows(const pm_table *t, const pm_request *q)
{
        match m = {0};
        for (uint32_t i = 0; i < t->proxy->nrules; i++) {
                const oshb_proxy_rule *r = &t->proxy->rules[i];
                if (r->deny || !rule_matches(t, r, q))
                        continue;
                if (!allow_passes(r, q)) {
                        if (!m.refused)
                                m.refused = r;
                } else if (r->nl7 == 0) {
                        if (!m.plain)
                                m.plain = r;
                } else if (!m.with_l7) {
                        m.with_l7 = r;
                }
        }
        return m;
}

static pm_verdict refusal(const pm_table *t, const pm_request *q, const match *m)
{
        if (!t->network)
                return verdict(false, -1, "the policy has no net section: no network at all");
        const oshb_proxy_rule *deny = first_deny(t, q);
        if (deny)
                return verdict(false, (int)deny->id, "a deny connect rule matches");
        if (m->refused)
                return verdict(false, (int)m->refused->id,
                               "the address is loopback, link-local or private, which the proxy "
                               "refuses unless the allowing rule names that range itself");
        return verdict(false, -1, "no allow connect rule matches (net is default deny)");
}

pm_verdict pm_decide_connect(const pm_table *t, const pm_request *q)
{
        match m = match_allows(t, q);
        if (!t->network || first_deny(t, q) || (!m.plain && !m.with_l7))
                return refusal(t, q, &m);
        if (m.plain)
                return verdict(true, (int)m.plain->id, "an allow connect rule matches");
        return verdict(false, (int)m.with_l7->id,
                       "the matching connect rule has http rules, so it admits only plain "
                       "HTTP requests those rules allow; a tunnel would bypass them");
}

static bool method_matches(const oshb_l7 *h, const char *method)
{
        if (h->nmethods == 0)
                return true;
        for (uint32_t i = 0; i < h->nmethods; i++)
                if (!strcmp(h->methods[i], method))
                        return true;
        return false;
}

pm_verdict pm_decide_http(const pm_table *t, const pm_request *in)
{
        char path[PM_PATH_MAX];
        const char *why;
        if (!pm_url_path_normalize(in->path, path, sizeof(path), &why))
                return verdict(false, -1,
                               "the proxy refuses request paths with '.' or '..' segments, '//', "
                               "an encoded '/' or control characters");
        pm_request qq = *in;
        qq.path = path;
        const pm_request *q = &qq;
        match m = match_allows(t, q);
        if (!t->network || first_deny(t, q) || (!m.plain && !m.with_l7))
                return refusal(t, q, &m);
        const oshb_l7 *allow = NULL;
        for (uint32_t i = 0; i < t->proxy->nrules; i++) {
                const oshb_proxy_rule *r = &t->proxy->rules[i];
                if (r->deny || !rule_matches(t, r, q) || !allow_passes(r, q))
                        continue;
                for (uint32_t j = 0; j < r->nl7; j++) {
                        const oshb_l7 *h = &r->l7[j];
                        if (!method_matches(h, q->method) || !pm_url_glob_matches(h->path, q->path))
                                continue;
                        if (h->deny)
                                return verdict(false, (int)h->id, "a deny http rule matches");
                        if (!allow)
                                allow = h;
                }
        }
        if (m.plain)
                return verdict(true, (int)m.plain->id,
                               "an allow connect rule without http rules matches: every request");
        if (allow)
                return verdict(true, (int)allow->id, "an allow http rule matches");
        return verdict(false, (int)m.with_l7->id,
                       "no allow http rule of the matching connect rules matches (http is "
                       "default deny)");
}

bool pm_refused_by_name(const pm_table *t, const pm_request *q, bool http, pm_verdict *v)
{
        *v = http ? pm_decide_http(t, q) : pm_decide_connect(t, q);
        if (v->allowed)
                return false;
        if (!t->network || first_deny(t, q))
                return true; /* a deny matching the name matches at every address */
        for (uint32_t i = 0; i < t->proxy->nrules; i++) {
                const oshb_proxy_rule *r = &t->proxy->rules[i];
                if (!r->deny && r->is_ip && q->port >= r->port_lo && q->port <= r->port_hi &&
                    binaries_match(t->params, r, q))
                        return false; /* the address may yet be allowed */
        }
        return true;
}
