/*
 * addr.c - IP addresses, CIDRs and host-name patterns, checked and parsed.
 *
 * Both families share one representation: 16 bytes and a prefix length out
 * of 128, IPv4 as IPv4-mapped IPv6.  So `10.0.0.0/8` is ::ffff:10.0.0.0/104
 * and one containment test serves the type checker, the reference evaluator
 * and (later) the verifier and the proxy tables.
 */
#include "osh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool parse_prefix(const char *s, int max, int *out)
{
        if (!*s || strlen(s) > 3)
                return false;
        for (const char *p = s; *p; p++)
                if (!isdigit((unsigned char)*p))
                        return false;
        int v = atoi(s);
        if (v > max || (s[0] == '0' && s[1]))
                return false;
        *out = v;
        return true;
}

/* Strict dotted quad: four decimal octets, no leading zeros. */
static bool parse_v4(const char *s, uint8_t out[4])
{
        int part = 0;
        const char *p = s;
        while (part < 4) {
                if (!isdigit((unsigned char)*p))
                        return false;
                int v = 0, digits = 0;
                const char *start = p;
                while (isdigit((unsigned char)*p)) {
                        v = v * 10 + (*p - '0');
                        p++;
                        if (++digits > 3)
                                return false;
                }
                if (v > 255 || (digits > 1 && *start == '0'))
                        return false;
                out[part++] = (uint8_t)v;
                if (part < 4) {
                        if (*p != '.')
                                return false;
                        p++;
                }
        }
        return *p == 0;
}

static void mask_host_bits(uint8_t a[16], int prefix)
{
        for (int i = 0; i < 16; i++) {
                int bits = prefix - i * 8;
                if (bits >= 8)
                        continue;
                a[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        }
}

bool ip_net_parse(const char *text, ip_net *out, bool allow_host_bits, char *err, size_t errlen)
{
        char buf[80];
        memset(out, 0, sizeof(*out));
        if (strlen(text) >= sizeof(buf)) {
                snprintf(err, errlen, "address too long");
                return false;
        }
        strcpy(buf, text);
        char *addr = buf;
        char *slash = strchr(buf, '/');
        if (slash)
                *slash++ = 0;
        size_t alen = strlen(addr);
        if (addr[0] == '[') {
                if (alen < 2 || addr[alen - 1] != ']') {
                        snprintf(err, errlen, "'%s' is missing its closing ']'", text);
                        return false;
                }
                addr[alen - 1] = 0;
                addr++;
        }
        uint8_t v4[4];
        int max;
        bool bracketed = addr != buf;
        if (bracketed && !strchr(addr, ':')) {
                snprintf(err, errlen,
                         "'%s': brackets are for IPv6 addresses; write IPv4 without them", text);
                return false;
        }
        if (strchr(addr, ':')) {
                if (inet_pton(AF_INET6, addr, out->addr) != 1) {
                        snprintf(err, errlen, "'%s' is not a valid IPv6 address", addr);
                        return false;
                }
                max = 128;
                out->prefix = 128;
        } else if (parse_v4(addr, v4)) {
                out->addr[10] = out->addr[11] = 0xff;
                memcpy(out->addr + 12, v4, 4);
                out->is_v4 = true;
                max = 32;
                out->prefix = 128;
        } else {
                snprintf(err, errlen,
                         "'%s' is not a valid IPv4 address (four decimal octets 0..255, no leading "
                         "zeros)",
                         addr);
                return false;
        }
        if (slash) {
                int p;
                if (!parse_prefix(slash, max, &p)) {
                        snprintf(err, errlen, "prefix length '/%s' must be 0..%d", slash, max);
                        return false;
                }
                out->prefix = out->is_v4 ? p + 96 : p;
        }
        uint8_t masked[16];
        memcpy(masked, out->addr, 16);
        mask_host_bits(masked, out->prefix);
        if (memcmp(masked, out->addr, 16) && !allow_host_bits) {
                ip_net net = *out;
                memcpy(net.addr, masked, 16);
                char want[64];
                ip_net_format(&net, want, sizeof(want));
                snprintf(err, errlen, "'%s' has host bits set; the network is %s", text, want);
                return false;
        }
        return true;
}

bool ip_net_contains(const ip_net *n, const uint8_t a[16])
{
        /* the whole bytes of the prefix, then the bits of the partial one */
        int prefix = n->prefix < 0 ? 0 : n->prefix > 128 ? 128 : n->prefix;
        int whole = prefix / 8, bits = prefix % 8;
        if (memcmp(a, n->addr, (size_t)whole))
                return false;
        if (!bits)
                return true;
        uint8_t m = (uint8_t)(0xff << (8 - bits));
        return (a[whole] & m) == (n->addr[whole] & m);
}

void ip_net_format(const ip_net *n, char *buf, size_t len)
{
        char a[INET6_ADDRSTRLEN];
        if (n->is_v4) {
                inet_ntop(AF_INET, n->addr + 12, a, sizeof(a));
                if (n->prefix == 128)
                        snprintf(buf, len, "%s", a);
                else
                        snprintf(buf, len, "%s/%d", a, n->prefix - 96);
        } else {
                inet_ntop(AF_INET6, n->addr, a, sizeof(a));
                if (n->prefix == 128)
                        snprintf(buf, len, "[%s]", a);
                else
                        snprintf(buf, len, "[%s]/%d", a, n->prefix);
        }
}

/* Host patterns: labels of letters, digits, '-' and '_' (1..63 chars, not
 * starting or ending with '-'); `*` as a whole label stands for one label,
 * `**` only as the whole first label for any number of labels; a pattern
 * with a wildcard keeps at least two literal labels (no `*.com`). */
bool host_pattern_check(const char *host, char *err, size_t errlen)
{
        size_t len = strlen(host);
        if (len == 0 || len > 253) {
                snprintf(err, errlen, "host name must be 1..253 characters");
                return false;
        }
        if (!strcmp(host, "*") || !strcmp(host, "**")) {
                snprintf(err, errlen,
                         "a bare '%s' would match every host; name the domain, e.g. "
                         "*.example.com",
                         host);
                return false;
        }
        int labels = 0, literal = 0;
        bool wildcard = false;
        const char *p = host;
        while (*p) {
                const char *dot = strchr(p, '.');
                size_t n = dot ? (size_t)(dot - p) : strlen(p);
                if (n == 0) {
                        snprintf(err, errlen, "'%s' has an empty label", host);
                        return false;
                }
                if (n > 63) {
                        snprintf(err, errlen, "a label of '%s' is longer than 63 characters", host);
                        return false;
                }
                if (n == 2 && p[0] == '*' && p[1] == '*') {
                        if (labels != 0) {
                                snprintf(err, errlen,
                                         "'**' may only be the whole first label of '%s'", host);
                                return false;
                        }
                        wildcard = true;
                } else if (n == 1 && p[0] == '*') {
                        wildcard = true;
                } else {
                        for (size_t i = 0; i < n; i++) {
                                unsigned char ch = (unsigned char)p[i];
                                if (ch == '*') {
                                        snprintf(err, errlen,
                                                 "'*' must be a whole label in '%s' (write "
                                                 "*.example.com, not api*.example.com)",
                                                 host);
                                        return false;
                                }
                                if (!isalnum(ch) && ch != '-' && ch != '_') {
                                        snprintf(err, errlen, "'%s' has an invalid character '%c'",
                                                 host, ch);
                                        return false;
                                }
                        }
                        if (p[0] == '-' || p[n - 1] == '-') {
                                snprintf(err, errlen, "a label of '%s' starts or ends with '-'",
                                         host);
                                return false;
                        }
                        literal++;
                }
                labels++;
                if (!dot)
                        break;
                p = dot + 1;
                if (!*p) {
                        snprintf(err, errlen, "'%s' ends with a dot; write it without", host);
                        return false;
                }
        }
        const char *last = strrchr(host, '.');
        last = last ? last + 1 : host;
        if (wildcard && (literal < 2 || !strcmp(last, "*"))) {
                snprintf(
                    err, errlen,
                    "'%s' is a wildcard over a whole top-level domain; name at least two labels "
                    "(*.example.com)",
                    host);
                return false;
        }
        bool numeric = true;
        for (const char *q = host; *q; q++)
                if (!isdigit((unsigned char)*q) && *q != '.')
                        numeric = false;
        if (numeric) {
                snprintf(err, errlen, "'%s' is neither a host name nor a valid IPv4 address", host);
                return false;
        }
        return true;
}
