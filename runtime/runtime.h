/*
 * runtime.h - the pieces of osh-run and how they fit (libc only).
 *
 * osh-run BUNDLE [--param N=V]... [--audit FILE|--audit-fd N]
 *        [--cgroup-parent PATH] -- COMMAND ARGS...
 *
 * Launch order (DESIGN §6):
 *   1. read and verify the bundle (bundle_read.c)
 *   2. check parameters against their disjointness lists (params.c)
 *   3. preflight: Landlock ABI, seccomp, user namespaces (preflight.c)
 *   4. cgroup leaf with the limits; rlimits (cgroup.c)
 *   5. clone into new user (when not root), mount, pid, net, ipc and uts
 *      namespaces; PID 1 in the sandbox reaps and forwards signals
 *      (sandbox.c)
 *   6. the network: a listening socket on 127.0.0.1:3128 created inside
 *      the sandbox's network namespace and handed out to osh-proxy, which
 *      runs outside the sandbox (sandbox.c, osh_proxy.c)
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
#include <sys/types.h>

#define RT_ERR_LEN 512
#define OSH_PROXY_PORT 3128

/* Launch parameters: --param values, then declared defaults, then the
 * built-ins (WORKDIR = the current directory, HOME = $HOME). */
typedef struct rt_params {
	const char *names[64];
	const char *values[64];
	int n;
} rt_params;

/* Resolve every parameter the bundle declares and check each value is
 * absolute, canonical, exists, and is disjoint from its list.  0 or -1
 * with a message. */
int params_resolve(const oshb_bundle *b, rt_params *given, char *err, size_t errlen);
const char *params_get(const rt_params *p, const char *name);
/* "$NAME/sub" or a literal path -> the concrete path, into buf. */
const char *params_expand(const rt_params *p, const char *param, const char *path, char *buf,
			  size_t len);

/* What the kernel offers. */
typedef struct rt_kernel {
	int landlock_abi; /* 0: none */
	bool seccomp;
	bool seccomp_notify;
	bool userns;
	bool root; /* euid 0 */
} rt_kernel;

/* Probe the kernel, then refuse (return -1 with a message) when the
 * bundle needs more than it offers; with best-effort, print to stderr
 * exactly what will not be enforced and go on. */
int preflight(const oshb_bundle *b, rt_kernel *k, char *err, size_t errlen);

/* The cgroup leaf for one launch. */
typedef struct rt_cgroup {
	char v2_path[4096];     /* the leaf in the unified hierarchy, "" if none */
	char v1_paths[3][4096]; /* memory, pids, cpu leaves on a hybrid host */
	int nv1;
	bool created;
} rt_cgroup;

/* Create the leaf under the launcher's own cgroup (or parent_override)
 * and write every limit of the bundle; refuse when a limit cannot be
 * applied.  A bundle with no cgroup keys needs no leaf (returns 0 with
 * created false). */
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
/* Load this arch's seccomp program, last before exec.  When the program
 * can return USER_NOTIF (or audit is on) the listener fd is returned in
 * *listener (else -1). */
int seccomp_apply(const oshb_bundle *b, bool audit, int *listener, char *err, size_t errlen);

#endif
