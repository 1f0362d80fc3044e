/*
 * query.c - read a request as written on the `oshc query` command line and
 * hand it to the reference evaluator (eval.c).
 *
 *   read|write|exec|ioctl PATH
 *   connect HOST:PORT [addr=IP] [from BIN] [under BIN...]
 *   bind ADDR:PORT
 *   http METHOD HOST:PORT/PATH [addr=IP] [from BIN] [under BIN...]
 *   SYSCALL [ARG=VALUE...] [path=PATH]
 *
 * A syscall that names a file (open, openat, execve, ...) with path= is
 * decided by seccomp first and then, when seccomp lets it through, by the fs
 * rules for the right the call needs (read, write or exec).
 */
#include "eval.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define MAXTOK 64

static int split_words(char *s, char **tok)
{
        int n = 0;
        for (char *p = strtok(s, " \t\n"); p && n < MAXTOK; p = strtok(NULL, " \t\n"))
                tok[n++] = p;
        return n;
}

static bool parse_port(const char *s, uint16_t *port)
{
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < 1 || v > 65535)
                return false;
        *port = (uint16_t)v;
        return true;
}

/* "host:port" or "[v6]:port"; the host is lowercased, a trailing dot
 * dropped, an IP literal parsed into addr. */
static bool parse_hostport(char *s, net_request *q, char *err, size_t errlen, char **rest)
{
        char *colon;
        if (s[0] == '[') {
                char *close = strchr(s, ']');
                if (!close || close[1] != ':') {
                        snprintf(err, errlen, "'%s': write an IPv6 endpoint as [addr]:port", s);
                        return false;
                }
                colon = close + 1;
        } else {
                colon = strchr(s, ':');
        }
        if (!colon) {
                snprintf(err, errlen, "'%s' has no port (write host:port)", s);
                return false;
        }
        *colon = 0;
        char *port = colon + 1;
        char *slash = strchr(port, '/');
        if (rest)
                *rest = NULL;
        if (slash) {
                if (rest)
                        *rest = slash;
                *slash = 0;
        }
        if (!parse_port(port, &q->port)) {
                snprintf(err, errlen, "port '%s' must be 1..65535", port);
                return false;
        }
        size_t hl = strlen(s);
        if (hl > 1 && s[hl - 1] == '.')
                s[hl - 1] = 0;
        for (char *p = s; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        q->host = s;
        ip_net n;
        char e2[128];
        if (ip_net_parse(s, &n, true, e2, sizeof(e2))) {
                if (n.prefix != 128) {
                        snprintf(err, errlen, "'%s' is a range; a request names one address", s);
                        return false;
                }
                q->host_is_ip = true;
                q->has_addr = true;
                memcpy(q->addr, n.addr, 16);
        }
        return true;
}

/* Trailing words: addr=IP, from BIN, under BIN... */
static bool parse_net_options(char **tok, int n, int i, net_request *q, char *err, size_t errlen)
{
        while (i < n) {
                if (!strncmp(tok[i], "addr=", 5)) {
                        ip_net a;
                        if (!ip_net_parse(tok[i] + 5, &a, true, err, errlen) || a.prefix != 128) {
                                snprintf(err, errlen, "addr= takes one IP address, not '%s'",
                                         tok[i] + 5);
                                return false;
                        }
                        memcpy(q->addr, a.addr, 16);
                        q->has_addr = true;
                        i++;
                } else if (!strcmp(tok[i], "from") && i + 1 < n) {
                        q->binary = tok[i + 1];
                        i += 2;
                } else if (!strcmp(tok[i], "under") && i + 1 < n) {
                        for (i++; i < n && tok[i][0] == '/' && q->nancestors < 16; i++)
                                q->ancestors[q->nancestors++] = tok[i];
                } else {
                        snprintf(err, errlen,
                                 "unexpected '%s' (expected addr=IP, from BIN or under BIN)",
                                 tok[i]);
                        return false;
                }
        }
        return true;
}

static bool parse_value(const char *s, const sys_arg *arg, uint64_t *out, char *err, size_t errlen)
{
        uint64_t acc = 0;
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", s);
        for (char *part = strtok(buf, "|"); part; part = strtok(NULL, "|")) {
                uint64_t v;
                char *end;
                if (isdigit((unsigned char)part[0]) || part[0] == '-') {
                        errno = 0;
                        bool neg = part[0] == '-';
                        v = strtoull(part + neg, &end, 0);
                        if (errno || *end) {
                                snprintf(err, errlen, "'%s' is not a number", part);
                                return false;
                        }
                        if (neg)
                                v = (uint64_t)0 - v;
                } else if (!const_lookup(arg->ns, part, &v)) {
                        snprintf(err, errlen, "'%s' is not a constant that '%s' takes (%s)", part,
                                 arg->name, const_ns_describe(arg->ns));
                        return false;
                }
                acc |= v;
        }
        *out = acc;
        return true;
}

/* A request names the path the kernel resolved: absolute (or $PARAM/...)
 * and canonical, since Landlock sees resolved paths, never '..'. */
static bool request_path_ok(const char *path, char *err, size_t errlen)
{
        const char *why = NULL;
        const char *p = path;
        if (p[0] == '$') {
                p = strchr(p, '/');
                if (!p)
                        return true;
        }
        if (p[0] != '/')
                why = "it is not absolute";
        else if (path_is_canonical(p, &why) && !(p[0] == '/' && p[1] == 0 && path[0] == '$'))
                return true;
        if (!why)
                why = "it ends with '/'";
        snprintf(err, errlen,
                 "request path '%s' is not canonical: %s; name the path the kernel resolves to",
                 path, why);
        return false;
}

/* The fs right a path-taking syscall needs. */
static unsigned syscall_right(const char *name, const sys_sig *sig, const uint64_t args[6])
{
        if (!strcmp(name, "execve") || !strcmp(name, "execveat"))
                return RIGHT_EXEC;
        if (!strcmp(name, "creat"))
                return RIGHT_WRITE;
        if (!strncmp(name, "open", 4) && sig) {
                const sys_arg *fl = sysargs_find(sig, "flags");
                if (fl) {
                        uint64_t f = args[fl->index];
                        if ((f & O_ACCMODE) != O_RDONLY || (f & (O_CREAT | O_TRUNC)))
                                return RIGHT_WRITE;
                }
                return RIGHT_READ;
        }
        static const char *const writers[] = {
            "mkdir",    "mkdirat",   "unlink",   "unlinkat",  "rmdir",     "rename",
            "renameat", "renameat2", "truncate", "chmod",     "fchmodat",  "fchmodat2",
            "chown",    "lchown",    "fchownat", "symlink",   "symlinkat", "link",
            "linkat",   "mknod",     "mknodat",  "utimensat", NULL};
        for (int i = 0; writers[i]; i++)
                if (!strcmp(writers[i], name))
                        return RIGHT_WRITE;
        return RIGHT_READ;
}

static bool query_syscall(const ir_policy *p, const eval_params *env, char **tok, int n,
                          eval_result *out, char *err, size_t errlen)
{
        const char *name = tok[0];
        const sys_sig *sig = sysargs_lookup(name);
        if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
                snprintf(err, errlen,
                         "'%s' is neither a request kind (read, write, exec, ioctl, connect, bind, "
                         "http) nor a syscall libseccomp knows",
                         name);
                return false;
        }
        uint64_t args[6] = {0};
        const char *path = NULL;
        for (int i = 1; i < n; i++) {
                char *eq = strchr(tok[i], '=');
                if (!eq) {
                        snprintf(err, errlen, "'%s': write syscall arguments as NAME=VALUE",
                                 tok[i]);
                        return false;
                }
                *eq = 0;
                if (!strcmp(tok[i], "path")) {
                        path = eq + 1;
                        if (!request_path_ok(path, err, errlen))
                                return false;
                        continue;
                }
                const sys_arg *arg = sig ? sysargs_find(sig, tok[i]) : sysargs_positional(tok[i]);
                if (!arg) {
                        snprintf(err, errlen, "%s has no argument '%s'", name, tok[i]);
                        return false;
                }
                if (!parse_value(eq + 1, arg, &args[arg->index], err, errlen))
                        return false;
        }
        *out = eval_syscall(p, name, args);
        if (path && out->allowed) {
                eval_result fs = eval_fs(p, env, syscall_right(name, sig, args), path);
                if (!fs.allowed)
                        *out = fs;
        }
        return true;
}

static unsigned right_named(const char *s)
{
        if (!strcmp(s, "read"))
                return RIGHT_READ;
        if (!strcmp(s, "write"))
                return RIGHT_WRITE;
        if (!strcmp(s, "exec"))
                return RIGHT_EXEC;
        if (!strcmp(s, "ioctl"))
                return RIGHT_IOCTL;
        return 0;
}

/* A connect, bind or http request in tok[0..n) into q: its EVAL_NET_*
 * kind, 0 when tok is not one, -1 (message in err) when malformed. */
static int parse_net_tokens(char **tok, int n, net_request *q, char *err, size_t errlen, arena *a)
{
        if (!strcmp(tok[0], "connect") || !strcmp(tok[0], "bind")) {
                if (n < 2) {
                        snprintf(err, errlen, "%s needs HOST:PORT", tok[0]);
                        return -1;
                }
                if (!parse_hostport(tok[1], q, err, errlen, NULL) ||
                    !parse_net_options(tok, n, 2, q, err, errlen))
                        return -1;
                if (tok[0][0] == 'c')
                        return EVAL_NET_CONNECT;
                if (!q->has_addr) {
                        snprintf(err, errlen, "bind takes an address, not a host name");
                        return -1;
                }
                return EVAL_NET_BIND;
        }
        if (!strcmp(tok[0], "http")) {
                char *rest;
                if (n < 3) {
                        snprintf(err, errlen, "http needs METHOD HOST:PORT/PATH");
                        return -1;
                }
                q->method = tok[1];
                if (!parse_hostport(tok[2], q, err, errlen, &rest) ||
                    !parse_net_options(tok, n, 3, q, err, errlen))
                        return -1;
                q->path = rest ? arena_printf(a, "/%s", rest + 1) : "/";
                return EVAL_NET_HTTP;
        }
        return 0;
}

int eval_parse_net_request(const char *request, net_request *q, char *err, size_t errlen, arena *a)
{
        char *buf = arena_strdup(a, request);
        char *tok[MAXTOK];
        int n = split_words(buf, tok);
        memset(q, 0, sizeof(*q));
        if (n == 0) {
                snprintf(err, errlen, "empty request");
                return -1;
        }
        return parse_net_tokens(tok, n, q, err, errlen, a);
}

bool eval_request(const ir_policy *p, const eval_params *env, const char *request, eval_result *out,
                  char *err, size_t errlen, arena *a)
{
        char *buf = arena_strdup(a, request);
        char *tok[MAXTOK];
        int n = split_words(buf, tok);
        if (n == 0) {
                snprintf(err, errlen, "empty request");
                return false;
        }
        /* `syscall NAME ...`: a system call even when its name is also a
         * request word (bind, connect, read, write) */
        if (!strcmp(tok[0], "syscall")) {
                if (n < 2) {
                        snprintf(err, errlen, "syscall needs a system call name");
                        return false;
                }
                return query_syscall(p, env, tok + 1, n - 1, out, err, errlen);
        }
        net_request q = {0};
        unsigned right = right_named(tok[0]);
        if (right && n == 2 && (tok[1][0] == '/' || tok[1][0] == '$')) {
                if (!request_path_ok(tok[1], err, errlen))
                        return false;
                *out = eval_fs(p, env, right, tok[1]);
                return true;
        }
        int kind = parse_net_tokens(tok, n, &q, err, errlen, a);
        if (kind < 0)
                return false;
        if (kind == EVAL_NET_BIND)
                *out = eval_bind(p, &q);
        else if (kind == EVAL_NET_CONNECT)
                *out = eval_connect(p, env, &q);
        else if (kind == EVAL_NET_HTTP)
                *out = eval_http(p, env, &q);
        if (kind)
                return true;
        return query_syscall(p, env, tok, n, out, err, errlen);
}
