/*
 * eval.h - the reference evaluator: the executable meaning of a policy.
 *
 * Given the IR and one concrete request (a file access, a connection, an
 * HTTP request, a syscall with its arguments), decide it and name the rule
 * that decided.  It is deliberately small and direct, a loop over the rules
 * with the definitions of ir.c; the verifier replays its witnesses through
 * it and the backends' tests compare compiled artifacts against it.
 */
#ifndef OSH_EVAL_H
#define OSH_EVAL_H

#include "ir.h"

/* Launch parameter values the evaluator substitutes ($WORKDIR=/w). */
typedef struct eval_params {
        const char *names[32];
        const char *values[32];
        int n;
} eval_params;

typedef enum { LAYER_NONE, LAYER_SECCOMP, LAYER_FS, LAYER_NET, LAYER_HTTP } eval_layer;

typedef struct eval_result {
        bool allowed;
        ir_action action; /* seccomp: the action; other layers: allow or errno(EACCES) */
        eval_layer layer; /* the layer that decided */
        int rule_id;      /* -1: the default decided */
        span where;       /* what matched: the path, endpoint or syscall name as
                           * written (inside a set when it came from one) */
        span rule_where;  /* the whole rule that decided (no_span for none) */
        const char *origin;
        const char *reason; /* one line, for people */
} eval_result;

/* A network request.  host is a lowercased name or an IP literal; addr is
 * the address the name resolved to (has_addr false when not known). */
typedef struct net_request {
        const char *host;
        bool host_is_ip;
        uint8_t addr[16];
        bool has_addr;
        uint16_t port;
        const char *binary;        /* NULL: unknown */
        const char *ancestors[16]; /* executables of parent processes */
        int nancestors;
        const char *method; /* http only */
        const char *path;   /* http only */
} net_request;

eval_result eval_fs(const ir_policy *p, const eval_params *env, unsigned right, const char *path);
eval_result eval_connect(const ir_policy *p, const eval_params *env, const net_request *r);
eval_result eval_bind(const ir_policy *p, const net_request *r);
eval_result eval_http(const ir_policy *p, const eval_params *env, const net_request *r);
eval_result eval_syscall(const ir_policy *p, const char *name, const uint64_t args[6]);
bool eval_cond(const ir_cond *c, const uint64_t args[6]);

/* Parse and decide a request written as on the `oshc query` command line:
 *   read|write|exec|ioctl PATH
 *   connect HOST:PORT [addr=IP] [from BIN] [under BIN...]
 *   bind ADDR:PORT
 *   http METHOD HOST:PORT/PATH [addr=IP] [from BIN] [under BIN...]
 *   SYSCALL [ARG=VALUE...] [path=PATH]
 * Returns false with a message in err when the request is malformed. */
bool eval_request(const ir_policy *p, const eval_params *env, const char *request, eval_result *out,
                  char *err, size_t errlen, arena *a);

/* Parse a connect, bind or http request of that syntax into q (its
 * strings in a): EVAL_NET_*, 0 when the request is of another kind, -1
 * with a message in err when it is malformed. */
enum { EVAL_NET_CONNECT = 1, EVAL_NET_BIND, EVAL_NET_HTTP };
int eval_parse_net_request(const char *request, net_request *q, char *err, size_t errlen, arena *a);

const char *eval_layer_name(eval_layer l);

/* The special address ranges (loopback, link-local and so metadata,
 * private, CGNAT, unspecified, IPv6 unique- and link-local), NULL-ended:
 * the proxy refuses them unless the allowing rule's range lies inside one. */
extern const char *const eval_special_nets[];

#endif
