/*
 * ir.c - small pieces of the IR's meaning every stage shares: the order of
 * syscall actions, and how paths, host patterns and URL globs match.  The
 * reference evaluator (eval.c) is built from these; so will the backends'
 * tests be, so one definition of "matches" serves all.
 */
#include "ir.h"

#include <string.h>

const char *ir_action_str(ir_action a, char *buf, size_t n)
{
        if (a.kind == ACT_ERRNO) {
                const char *name = errno_name(a.errno_val);
                if (name)
                        snprintf(buf, n, "errno(%s)", name);
                else
                        snprintf(buf, n, "errno(%d)", a.errno_val);
        } else {
                snprintf(buf, n, "%s", action_name(a.kind));
        }
        return buf;
}

/* Kernel precedence: kill > trap > errno > notify(user_notif) > log > allow.
 * Between two errnos the kernel takes the one whose filter ran last; we
 * compile one filter, so pick the lower errno to stay deterministic. */
ir_action ir_action_stricter(ir_action a, ir_action b)
{
        if (a.kind != b.kind)
                return a.kind > b.kind ? a : b;
        if (a.kind == ACT_ERRNO && b.errno_val < a.errno_val)
                return b;
        return a;
}

/* A rule on a directory covers everything beneath it: "/a" covers "/a" and
 * "/a/b", not "/ab".  "/" covers every path. */
bool path_covers(const char *rule, const char *path)
{
        size_t n = strlen(rule);
        if (n == 1 && rule[0] == '/')
                return path[0] == '/';
        return strncmp(rule, path, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Match host labels right to left.  "*" matches exactly one label, "**" (only
 * as the first label) one or more labels. */
bool host_matches(const char *pattern, const char *host)
{
        if (!strncmp(pattern, "**.", 3)) {
                /* one or more whole labels, then the rest of the pattern */
                for (const char *dot = strchr(host, '.'); dot; dot = strchr(dot + 1, '.'))
                        if (dot > host && dot[-1] != '.' && host_matches(pattern + 3, dot + 1))
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

bool url_path_normalize(const char *raw, char *out, size_t n, const char **why)
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
                        if (!unreserved(c)) { /* keep other escapes as written */
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
        const char *bad;
        if (!path_is_canonical(out, &bad) && strcmp(bad, "it ends with '/'")) {
                *why = "a '.' or '..' segment or '//'";
                return false;
        }
        return true;
too_long:
        *why = "a path longer than the proxy accepts";
        return false;
}

/* URL path globs: "*" matches any run of characters within one segment,
 * "**" as a whole segment matches zero or more whole segments. */
bool url_glob_matches(const char *g, const char *p)
{
        while (*g) {
                if (!strcmp(g, "/**") && *p == 0)
                        return true; /* "/repos/ then globstar" also covers /repos */
                if (g[0] == '*' && g[1] == '*' && (g[2] == 0 || g[2] == '/')) {
                        const char *rest =
                            g[2] ? g + 3 : g + 2; /* past the globstar and its slash */
                        if (!*rest)
                                return true; /* trailing ** matches anything left */
                        for (const char *s = p;; s++) {
                                if ((s == p || s[-1] == '/') && url_glob_matches(rest, s))
                                        return true;
                                if (!*s)
                                        return false;
                        }
                }
                if (*g == '*') {
                        for (const char *s = p;; s++) {
                                if (url_glob_matches(g + 1, s))
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
