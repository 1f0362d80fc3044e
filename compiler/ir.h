/*
 * ir.h - the normalized policy: the one meaning every later stage reads.
 *
 * lower.c builds it from the checked AST after composition: every `use` is
 * expanded (plain union of rules), every set reference is replaced by its
 * members, every port set and every multi-path rule is split so that one IR
 * rule has one path or one endpoint, and every rule keeps the source span it
 * came from.  The verifier, the backends and the reference evaluator
 * (eval.c) read only this.  ir_json.c prints it (`oshc compile --emit ir`).
 *
 * Meaning (DESIGN §2.3):
 *  - fs and net: default deny; a request is allowed when some allow rule
 *    matches it and no deny rule does.  Rule order never matters.
 *  - syscalls: among the rules of the called syscall whose condition holds,
 *    the most restrictive action wins (kill > trap > errno > notify > log >
 *    allow); when none holds, the default action.
 */
#ifndef OSH_IR_H
#define OSH_IR_H

#include "../lang/osh.h"
#include "../lang/sysargs.h"

/* A path in an fs rule: a literal absolute path, or a launch parameter
 * followed by a suffix ("" or "/.env"). */
typedef struct ir_path {
        const char *param; /* NULL, or "WORKDIR" */
        const char *path;  /* literal: "/usr/bin"; with param: "" or "/sub/dir" */
} ir_path;

typedef struct ir_fs_rule {
        int id;
        bool deny;
        unsigned rights; /* RIGHT_* bitset */
        ir_path path;
        span where;         /* the path as written */
        span rule_where;    /* the whole rule */
        const char *origin; /* fragment or policy the rule came from */
} ir_fs_rule;

typedef enum { IR_HOST_NAME, IR_HOST_IP } ir_host_kind;

/* An endpoint: a host pattern or an address range, and a port range.
 * Addresses are kept as 16 bytes: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * with prefix + 96, so one comparison covers both families. */
typedef struct ir_endpoint {
        ir_host_kind kind;
        const char *host; /* lowercased pattern, labels "*" or a leading "**" */
        uint8_t addr[16];
        int prefix; /* 0..128 */
        bool is_v4; /* written as IPv4 */
        uint16_t port_lo, port_hi;
} ir_endpoint;

typedef struct ir_l7_rule {
        int id;
        bool deny;
        const char **methods; /* uppercased; NULL with nmethods 0 means any (*) */
        int nmethods;
        const char *path; /* URL path glob: "*" one segment, "**" any segments */
        span where;
} ir_l7_rule;

typedef struct ir_net_rule {
        int id;
        net_op op;
        bool deny;
        ir_endpoint ep;
        const char **binaries; /* from: absolute paths; none = any binary */
        int nbinaries;
        bool children; /* `from B and children` */
        ir_l7_rule *l7;
        int nl7;
        span where;      /* the endpoint as written */
        span rule_where; /* the whole rule */
        const char *origin;
} ir_net_rule;

/* Syscall conditions, normalized: `in` becomes a disjunction of ==,
 * `not in` a conjunction of !=; constants are resolved to numbers. */
typedef enum { COND_TRUE, COND_CMP, COND_AND, COND_OR, COND_NOT } ir_cond_kind;

typedef struct ir_cond {
        ir_cond_kind kind;
        struct ir_cond *l, *r;
        /* COND_CMP: (args[arg] & mask) OP value, at the argument's width and
         * signedness (a 32-bit argument compares its low 32 bits only; a
         * signed one as a two's-complement number of that width). */
        int arg;
        const char *arg_name;
        uint8_t width;
        bool is_signed;
        uint64_t mask; /* all ones when the condition has no mask */
        cmp_op op;
        uint64_t value; /* truncated to width */
        span where;
} ir_cond;

typedef struct ir_action {
        action_kind kind;
        int errno_val; /* ACT_ERRNO */
} ir_action;

typedef struct ir_sys_rule {
        int id;
        ir_cond *cond; /* NULL: always */
        ir_action action;
        span where;      /* the syscall name as written */
        span rule_where; /* the whole rule */
        const char *origin;
} ir_sys_rule;

typedef struct ir_syscall {
        const char *name;
        ir_sys_rule *rules;
        int nrules;
} ir_syscall;

typedef struct ir_limits {
        bool set[LIM__COUNT];
        uint64_t value[LIM__COUNT]; /* bytes, ms, count; cpu in millicores */
        span where[LIM__COUNT];
} ir_limits;

typedef struct ir_env_set {
        const char *name, *value;
        span where;
} ir_env_set;

typedef struct ir_process {
        const char *user, *group; /* numeric strings or names; NULL when unset */
        span user_where, group_where;
        bool caps_set;     /* caps given at all */
        const char **caps; /* kept capabilities, CAP_ names; none when ncaps 0 */
        int ncaps;
        span caps_where;
        const char **env_keep;
        int nenv_keep;
        ir_env_set *env_set;
        int nenv_set;
        const char *hostname;
        span hostname_where;
} ir_process;

typedef struct ir_assert {
        assert_kind kind;
        unsigned rights; /* ASSERT_FS */
        ir_path *paths;  /* ASSERT_FS */
        int npaths;
        ir_endpoint *endpoints; /* ASSERT_CONNECT */
        int nendpoints;
        const char **binaries; /* ASSERT_CONNECT from */
        int nbinaries;
        const char **syscalls; /* ASSERT_SYSCALL */
        int nsyscalls;
        ir_cond *cond; /* ASSERT_SYSCALL when, NULL = always */
        span where;
        const char *origin;
} ir_assert;

typedef struct ir_waiver {
        const char *finding;
        const char *reason;
        span where;
        const char *origin;
} ir_waiver;

typedef struct ir_param {
        const char *name;
        const char *def; /* default value or NULL (WORKDIR, HOME: set at launch) */
        bool builtin;
        span where;
} ir_param;

typedef struct ir_policy ir_policy;

typedef struct ir_within {
        const char *name;
        ir_policy *target;
        span where;
} ir_within;

struct ir_policy {
        const char *name;
        span where;
        const char **uses; /* fragments composed in, transitively, in order */
        int nuses;
        int landlock_abi; /* minimum required; 0 = none stated */
        bool landlock_best_effort;
        const char **arches; /* libseccomp arch names; none = native */
        int narches;

        ir_fs_rule *fs;
        int nfs;
        ir_net_rule *net;
        int nnet;
        bool has_net; /* a net section exists (else: no network at all) */

        bool has_syscalls; /* a syscalls section exists */
        ir_action sys_default;
        span sys_default_where;
        ir_syscall *syscalls; /* sorted by name */
        int nsyscalls;

        ir_limits limits;
        ir_process process;
        ir_assert *asserts;
        int nasserts;
        ir_within *within;
        int nwithin;
        ir_waiver *waivers;
        int nwaivers;
};

typedef struct ir_program {
        ir_policy **policies; /* every policy in the import graph, root file first */
        int npolicies;
        ir_param *params;
        int nparams;
        osh_ctx *ctx;
} ir_program;

/* Lower the loaded, checked program.  Reports composition errors (e.g.
 * conflicting settings) into ctx; returns NULL only when ctx has errors. */
ir_program *ir_lower(osh_ctx *c);
ir_policy *ir_find_policy(ir_program *p, const char *name);
/* The policy a command works on: `name` if given, else the only policy of
 * the root file.  Reports an error and returns NULL otherwise. */
ir_policy *ir_select_policy(ir_program *p, const char *name);
const ir_syscall *ir_find_syscall(const ir_policy *pol, const char *name);

/* JSON output of one policy (or all when pol is NULL). */
void ir_print_json(FILE *out, ir_program *p, ir_policy *pol);

/* Shared helpers for every stage. */
/* "errno(EPERM)", "kill", ... into buf. */
const char *ir_action_str(ir_action a, char *buf, size_t n);
/* The more restrictive of two actions (kernel order; for two errnos, the
 * one with the lower errno, so the result is deterministic). */
ir_action ir_action_stricter(ir_action a, ir_action b);
/* Does path rule `rule` cover `path` (equal, or an ancestor)? */
bool path_covers(const char *rule, const char *path);
/* Does a host pattern match a (lowercased, no trailing dot) host name? */
bool host_matches(const char *pattern, const char *host);
/* The path of an HTTP request target as the proxy matches it: the query
 * and fragment cut off, percent-encoded unreserved characters decoded.
 * False (with the reason) for a path the proxy refuses outright: '.' or
 * '..' segments, '//', an encoded '/' or '\\', control characters. */
bool url_path_normalize(const char *raw, char *out, size_t n, const char **why);
/* Does a URL path glob match a path? */
bool url_glob_matches(const char *glob, const char *path);

#endif
