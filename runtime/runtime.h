/*
 * runtime.h - the pieces of osh-run and how they fit (libc only).
 *
 * osh-run BUNDLE [--param N=V]... [--audit FILE|--audit-fd N]
 *        [--cgroup-parent PATH] -- COMMAND ARGS...
 *
 * Launch order (DESIGN §6; docs/runtime.md has every step):
 *   1. read and verify the bundle (bundle_read.c)
 *   2. clone PID 1 into new user (when not root) and pid namespaces; it
 *      creates the mount, net, ipc and uts namespaces at once, while
 *      osh-run goes on with 3 and 4 (sandbox.c); PID 1 reaps and forwards
 *      signals.  Nothing runs in the sandbox before 3 and 4 passed.
 *   3. check parameters against their disjointness lists (params.c);
 *      preflight: Landlock ABI, seccomp (preflight.c; the clone itself
 *      proved user namespaces, and a failed clone asks preflight why)
 *   4. cgroup leaf with the limits; rlimits (cgroup.c)
 *   6. the network: a listening socket on 127.0.0.1:3128 created inside
 *      the sandbox's network namespace and handed out to osh-run, which
 *      starts osh-proxy on it, outside the sandbox, at the first
 *      connection (sandbox.c, osh_run.c, osh_proxy.c)
 *   7. the mount view: private propagation, a fresh /proc, the masks
 *   8. in the agent: close inherited fds, environment, user and group,
 *      capabilities, no_new_privs, Landlock (landlock_apply.c), seccomp last
 *      (seccomp_apply.c), exec
 *
 * Every failure before exec is a refusal: the agent does not start, and
 * the message says what is missing and how to fix it.  Messages go to
 * stderr prefixed "osh-run: ".
 */
#ifndef OSH_RUNTIME_H
#define OSH_RUNTIME_H

#include "../backends/bundle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define RT_ERR_LEN 512
#define OSH_PROXY_PORT 3128
/* The proxy listener's backlog: osh-run starts osh-proxy only when the
 * first connection is queued, so a burst of connections waits here while
 * it starts (osh-proxy serves 1024 at once; the kernel caps this at
 * net.core.somaxconn, 4096 by default in a new network namespace). */
#define OSH_PROXY_BACKLOG 1024

/* Launch parameters: --param values, then declared defaults, then the
 * built-ins (WORKDIR = the current directory, HOME = $HOME).  The caller
 * fills names/values from --param (pointers into argv); params_resolve
 * rewrites the table to hold exactly the bundle's parameters (names then
 * point into the bundle), each value the realpath of what was given,
 * malloc'd (owned[i]), which params_free releases. */
typedef struct rt_params {
        const char *names[OSHB_MAX_PARAMS];
        const char *values[OSHB_MAX_PARAMS];
        char *owned[OSHB_MAX_PARAMS];
        int n;
} rt_params;

/* Resolve every parameter the bundle declares and check each value is
 * absolute, exists, and is disjoint from its list (after realpath).
 * An unknown --param name is refused (WORKDIR and HOME are always known).
 * 0 or -1 with a message. */
int params_resolve(const oshb_bundle *b, rt_params *given, char *err, size_t errlen);

/* realpath(3) for a batch of paths, each directory resolved once
 * (realpath.c).  Zero-initialize the cache, free it after the batch. */
#define RT_REALPATH_CACHE 64
typedef struct rt_realpath_cache {
        char *dir[RT_REALPATH_CACHE];
        char *real[RT_REALPATH_CACHE];
        int n;
} rt_realpath_cache;
/* realpath(path, out) with out of PATH_MAX bytes; the same answer. */
char *rt_realpath(rt_realpath_cache *c, const char *path, char *out);
void rt_realpath_cache_free(rt_realpath_cache *c);
void params_free(rt_params *p);
const char *params_get(const rt_params *p, const char *name);
/* (param, "/sub") or (NULL, "$NAME/sub") or (NULL, a literal path) ->
 * the concrete path, into buf; NULL when the parameter is unknown or buf
 * too short. */
const char *params_expand(const rt_params *p, const char *param, const char *path, char *buf,
                          size_t len);
/* Is a an ancestor of b, or equal to it (both canonical absolute paths)? */
bool path_is_within(const char *a, const char *b);

/* ids.c: a user or group name of FILE (/etc/passwd, /etc/group; no NSS)
 * -> its id (0; -1 when absent); an id -> its name into buf. */
int ids_by_name(const char *file, const char *name, unsigned *id);
bool ids_name(const char *file, unsigned id, char *buf, size_t len);

/* What the kernel offers. */
typedef struct rt_kernel {
        int landlock_abi;   /* 0: none */
        int landlock_errno; /* when 0: ENOSYS (not built) or EOPNOTSUPP (not enabled) */
        bool seccomp;
        bool seccomp_notify;
        bool userns;            /* meaningful when !root */
        const char *userns_why; /* when !userns: what blocks it and how to enable it */
        bool root;              /* euid 0 */
} rt_kernel;

/* Probe the kernel, then refuse (return -1 with a message) when the
 * bundle needs more than it offers; with best-effort, print to stderr
 * exactly what will not be enforced and go on. */
int preflight(const oshb_bundle *b, rt_kernel *k, char *err, size_t errlen);
/* The two halves of preflight: what the kernel offers (no decision), and
 * the decision for a given kernel (best-effort notes go to `notes`). */
void preflight_probe(rt_kernel *k);
/* preflight_probe without the user namespace test (a child that tries
 * one): for a caller that has just cloned into one (userns false). */
void preflight_probe_kernel(rt_kernel *k);
int preflight_decide(const oshb_bundle *b, const rt_kernel *k, FILE *notes, char *err,
                     size_t errlen);

/* The cgroup leaf for one launch. */
typedef struct rt_cgroup {
        char v2_path[4096];     /* the leaf in the unified hierarchy, "" if none */
        char v1_paths[3][4096]; /* memory, pids, cpu leaves on a hybrid host */
        int nv1;
        bool created;
} rt_cgroup;

/* The launcher's own cgroups, parsed from /proc/self/cgroup: the unified
 * path ("0::/path") and each v1 hierarchy ("N:memory:/path",
 * "N:cpu,cpuacct:/path"; named hierarchies "name=..." are kept too). */
typedef struct rt_cgroup_self {
        bool has_v2;
        char v2[4096];
        int nv1;
        struct {
                char controllers[128]; /* "cpu,cpuacct" */
                char path[4096];
        } v1[16];
} rt_cgroup_self;

/* One write into a cgroup v1 leaf. */
typedef struct rt_cg_write {
        char file[64];
        char value[64];
} rt_cg_write;

/* Parse the text of /proc/self/cgroup; -1 with a message on a line that
 * is not "N:CONTROLLERS:/PATH". */
int cgroup_parse_self(const char *text, rt_cgroup_self *out, char *err, size_t errlen);
/* The path of the v1 hierarchy holding `controller` and its
 * controller-list field (the directory name under /sys/fs/cgroup), or
 * NULL when no v1 hierarchy has it. */
const char *cgroup_self_v1(const rt_cgroup_self *s, const char *controller, const char **hierarchy);
/* The controller a cgroup v2 key belongs to ("memory.max" -> "memory"),
 * NULL for a key this runtime does not know. */
const char *cgroup_key_controller(const char *key);
/* The cgroup v1 writes for one v2 key, in the order they must happen;
 * memory_max is the bundle's memory.max value (NULL if none), needed for
 * memory.swap.max (v1 limits memory + swap together).  Returns the count
 * (1 or 2) or -1 with a message. */
int cgroup_v1_writes(const char *key, const char *value, const char *memory_max, rt_cg_write out[2],
                     char *err, size_t errlen);

/* Create the leaf under the launcher's own cgroup (or parent_override)
 * and write every limit of the bundle; refuse when a limit cannot be
 * applied.  A bundle with no cgroup keys needs no leaf (returns 0 with
 * created false).  parent_override (--cgroup-parent) is relative to each
 * hierarchy's root, or absolute under /sys/fs/cgroup/HIERARCHY/ (the same
 * relative path is then used in every hierarchy). */
int cgroup_setup(const oshb_bundle *b, const char *parent_override, rt_cgroup *cg, char *err,
                 size_t errlen);
int cgroup_add(rt_cgroup *cg, pid_t pid, char *err, size_t errlen);
/* Remove the leaf (after every process in it has exited). */
void cgroup_cleanup(rt_cgroup *cg);
/* setrlimit every rlimit of the bundle (in the agent, before exec). */
int rlimits_apply(const oshb_bundle *b, char *err, size_t errlen);

/* In the agent, after user/caps and no_new_privs: build and enforce the
 * Landlock ruleset, masked to the kernel's ABI. */
int landlock_apply(const oshb_bundle *b, const rt_params *p, int kernel_abi, char *err,
                   size_t errlen);
/* The same in two halves.  landlock_prepare (osh-run, outside, while PID 1
 * builds the sandbox): the ruleset with the port rules and every path rule
 * whose path is not on a procfs (the sandbox mounts its own /proc, so those
 * must be opened inside), in *rs_out; the indexes of the paths left go to
 * `left` ("3,17,").  landlock_finish (the agent): add the rules left,
 * enforce the ruleset, close it.  Rules name inodes, and outside the
 * sandbox every other path leads to the same inode as inside: the masks
 * cover denied paths only and the pins are bind mounts of themselves. */
int landlock_prepare(const oshb_bundle *b, const rt_params *p, int kernel_abi, int *rs_out,
                     char *left, size_t leftlen, char *err, size_t errlen);
int landlock_finish(const oshb_bundle *b, const rt_params *p, int kernel_abi, int rs,
                    const char *left, char *err, size_t errlen);
/* Load this arch's seccomp program, last before exec.  When the program
 * can return USER_NOTIF (or audit is on) the listener fd is returned in
 * *listener (else -1). */
int seccomp_apply(const oshb_bundle *b, bool audit, int *listener, char *err, size_t errlen);

#endif
