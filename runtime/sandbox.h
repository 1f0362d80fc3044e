/*
 * sandbox.h - what osh_run.c (outside), sandbox.c (PID 1 and the agent,
 * inside) and supervisor.c (the seccomp notification answerer, outside)
 * share: one launch's settings and the control socket's messages.
 *
 * The control socket is a SOCK_SEQPACKET pair: one message per datagram,
 * a type byte then text, optionally with one fd (SCM_RIGHTS).
 *   inside -> outside  'E' text   a refusal; the sender exits 125
 *                      'L' + fd   the proxy's listening socket (PID 1):
 *                                 osh-run starts osh-proxy on it at the
 *                                 first queued connection
 *                      'N' + fd   the seccomp notification listener (agent)
 *   outside -> inside  'V' text   a parameter's resolved value, in the
 *                                 bundle's order
 *                      'P' text   "ABI AUDIT UID GID": the kernel's Landlock
 *                                 ABI, --audit on (1) or off (0), the
 *                                 agent's ids; every parameter has come
 *                      'R' + fd   the Landlock ruleset osh-run prepared, the
 *                                 text the paths it left (landlock_prepare)
 *                      'C' + fd   a cgroup v1 leaf's tasks file: PID 1
 *                                 moves itself in (writes "0")
 *                      'G'        id maps written, cgroup done: fork
 *                                 the agent
 */
#ifndef OSH_SANDBOX_H
#define OSH_SANDBOX_H

#include "runtime.h"

#include <sched.h>
#include <stdint.h>

#define OSH_EXIT_REFUSED 125  /* osh-run refused to launch */
#define OSH_EXIT_WALLTIME 124 /* walltime ran out (as timeout(1)) */
#define OSH_WALLTIME_GRACE_MS 2000

typedef struct rt_launch {
        const char *bundle_path;
        const oshb_bundle *b;
        rt_params *params;
        rt_kernel kernel;
        int audit_fd;     /* -1: no audit (osh-run's side) */
        bool audit;       /* --audit: errno and log rules notify instead */
        char **argv;      /* COMMAND ARGS... */
        int ctl;          /* this side's control socket */
        uid_t uid_inside; /* the agent's ids */
        gid_t gid_inside;
        cpu_set_t cpus;               /* osh-run's CPUs: PID 1 and the agent get them */
        int ll_fd;                    /* Landlock ruleset osh-run prepared ('R'), or -1 */
        char ll_left[RT_ERR_LEN + 2]; /* the paths it left to the agent */
        bool have_cpus;
} rt_launch;

/* Control messages (sandbox.c): the text is at most RT_MSG_LEN bytes. */
#define RT_MSG_LEN (PATH_MAX + 32)
int ctl_send(int ctl, char type, const char *text, int fd);
/* Receive one message: returns its length (type byte included), 0 on EOF,
 * -1 on error; *fd gets a passed fd or -1. */
ssize_t ctl_recv(int ctl, char *buf, size_t len, int *fd);

/* PID 1 of the sandbox (after clone, in the child): never returns. */
void sandbox_init(rt_launch *l) __attribute__((noreturn));

/* The seccomp supervisor (supervisor.c), run by osh-run outside. */
typedef struct rt_supervisor {
        int listener;                  /* -1: none */
        int audit_fd;                  /* -1: no audit lines */
        const oshb_seccomp_prog *prog; /* the bundle's original program */
} rt_supervisor;

/* Receive and answer one notification; -1 when the listener is gone. */
int supervisor_answer(rt_supervisor *s);
/* seccomp_apply, for an agent that will hand the listener out with
 * sendmsg on `ctl`: refused when the filter would not allow that call. */
int seccomp_apply_ctl(const oshb_bundle *b, bool audit, int ctl, int *listener, char *err,
                      size_t errlen);
/* The native AUDIT_ARCH_* value (seccomp_apply.c). */
uint32_t seccomp_native_arch(void);
const oshb_seccomp_prog *seccomp_native_prog(const oshb_bundle *b);

#endif
