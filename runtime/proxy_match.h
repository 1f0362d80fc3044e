/*
 * proxy_match.h - how osh-proxy decides a connection or a plain HTTP
 * request from the bundle's proxy table (libc only).
 *
 * This is the reference evaluator's eval_connect and eval_http
 * (compiler/eval.c) over the table the backends wrote, with the matching
 * definitions of compiler/ir.c (host patterns, URL globs, URL path
 * normalization) written again here, because the runtime links nothing of
 * the compiler.  tests/runtime/test_proxy_match.c checks the two agree on
 * every request it generates; a disagreement there is a bug here.
 */
#ifndef OSH_PROXY_MATCH_H
#define OSH_PROXY_MATCH_H

#include "runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_PATH_MAX 4096 /* the longest normalized URL path decided */

/* The table and what it needs to decide: the bundle's proxy rules, whether
 * the policy has a net section at all, and the launch parameters that
 * `from $NAME/sub` binaries expand with. */
typedef struct pm_table {
        const oshb_proxy *proxy;
        bool network;
        const rt_params *params; /* may be NULL */
} pm_table;

/* One request.  host is lowercased without a trailing dot, or an IP
 * literal (host_is_ip); addr the one address to be dialled (IPv4 as
 * IPv4-mapped), has_addr false when not known.  binary NULL: unknown
 * caller, so only rules without `from` can match. */
typedef struct pm_request {
        const char *host;
        bool host_is_ip;
        uint8_t addr[16];
        bool has_addr;
        uint16_t port;
        const char *binary;
        const char *ancestors[16]; /* executables of the caller's parents, nearest first */
        int nancestors;
        const char *method; /* http only */
        const char *path;   /* http only: the request target's path, raw */
} pm_request;

typedef struct pm_verdict {
        bool allowed;
        int rule_id;        /* the deciding rule (connect or http rule id); -1: the default */
        const char *reason; /* one line, static */
} pm_verdict;

/* A CONNECT tunnel (or any raw connection) to q. */
pm_verdict pm_decide_connect(const pm_table *t, const pm_request *q);
/* A plain HTTP request (method and path) to q. */
pm_verdict pm_decide_http(const pm_table *t, const pm_request *q);

/* Before resolving q's name (q->has_addr false): is q refused whatever
 * the name resolves to?  Then *v is the refusal (q decided without an
 * address) and the proxy sends no DNS query: a name no rule can allow is
 * not looked up, so DNS is no channel out.  It is so when a deny rule
 * matches the name, or when no allow rule on an address range matches the
 * port and the caller (only such a rule could allow a name the host rules
 * do not). */
bool pm_refused_by_name(const pm_table *t, const pm_request *q, bool http, pm_verdict *v);

/* ---- the definitions they are built from ---- */

/* "*" one label, "**" (whole first label) one or more labels. */
bool pm_host_matches(const char *pattern, const char *host);
/* "*" a run inside one segment, "**" as a segment zero or more segments. */
bool pm_url_glob_matches(const char *glob, const char *path);
/* Cut the query and fragment, decode %XX of unreserved characters, refuse
 * encoded '/', '\\' or control characters, '.' and '..' segments and
 * '//'.  false with *why on refusal. */
bool pm_url_path_normalize(const char *raw, char *out, size_t n, const char **why);
/* Is a in a special range (loopback, link-local, private, CGNAT,
 * unspecified, ::1, ::, fc00::/7, fe80::/10)?  Its prefix (on 128 bits)
 * and base in *prefix and base when so. */
bool pm_special_range(const uint8_t a[16], uint8_t base[16], int *prefix);
/* Parse an IPv4 dotted quad or an IPv6 literal (no brackets) into 16
 * bytes, IPv4 as IPv4-mapped. */
bool pm_parse_ip(const char *text, uint8_t out[16]);
/* A request host as the rules see it: lowercased, one trailing dot cut;
 * letters, digits, '-', '_' and '.' only, no empty label, at most 253
 * characters.  false when it is no host name. */
bool pm_host_normalize(const char *in, char *out, size_t n);
/* Format a 16-byte address (IPv4-mapped shown as IPv4). */
void pm_format_ip(const uint8_t a[16], char *buf, size_t n);

#endif
