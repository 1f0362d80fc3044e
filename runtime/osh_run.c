/*
 * osh_run.c - osh-run: launch one command inside a compiled policy.
 *
 *   osh-run BUNDLE [--param N=V]... [--audit FILE | --audit-fd N]
 *           [--cgroup-parent PATH] [--help] -- COMMAND ARGS...
 *
 * This file is the outside half (runtime.h has the order): read the
 * bundle, then clone the sandbox's PID 1 (sandbox.c) into a new pid (and
 * user) namespace at once; while PID 1 creates its namespaces, osh-run
 * resolves the parameters, runs preflight and hands PID 1 the outcome
 * ('V', 'P'), writes the id maps and makes the cgroup leaf; then PID 1
 * enters the leaf and goes on ('C', 'G').  While the agent runs, osh-run
 * holds the listening socket PID 1 hands out and starts osh-proxy on it
 * only when the first connection is queued (lazy start: an agent that
 * never connects costs no proxy; a failed exec still refuses), answers
 * seccomp notifications (supervisor.c), forwards signals, and finally
 * exits with the agent's status.
 * docs/runtime.md "Launch sequence" documents every step.
 *
 * Exit status: the agent's own; 128+N when a signal N killed it; 124 when
 * walltime ran out; 125 when osh-run refused (the reason on stderr);
 * 126/127 when the command could not be executed / was not found.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Only the pid namespace (and, rootless, the user namespace) at clone:
 * PID 1 unshares the mount, network, ipc and uts namespaces itself first
 * thing (sandbox_init), while osh-run decides the rest.  No message starts
 * it: a socket message wakes its receiver as a "sync" wakeup, which the
 * scheduler runs on the sender's CPU, so osh-run and PID 1 would take
 * turns on one CPU instead of working side by side. */
#define NS_FLAGS CLONE_NEWPID

static void usage(FILE *f)
{
        fprintf(f, "usage: osh-run BUNDLE [--param NAME=VALUE]... [--audit FILE | --audit-fd N]\n"
                   "               [--cgroup-parent PATH] [--help] -- COMMAND ARGS...\n"
                   "Run COMMAND confined by the compiled policy BUNDLE (oshc compile).\n"
                   "Exit status: the command's; 128+N if killed by signal N; 124 walltime;\n"
                   "125 refused by osh-run; 126 not executable; 127 not found.\n");
}

static int refuse(const char *fmt, const char *arg)
{
        fprintf(stderr, "osh-run: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
        return OSH_EXIT_REFUSED;
}

typedef struct options {
        const char *bundle, *audit_file, *cgroup_parent;
        int audit_fd;
        char **argv;
} options;

/* 0 ok, 1 --help, -1 usage error (reported). */
static int parse_args(int argc, char **argv, options *o, rt_params *given)
{
        memset(o, 0, sizeof *o);
        o->audit_fd = -1;
        int i;
        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h"))
                        return 1;
                if (!strcmp(a, "--param") && v && strchr(v, '=') && given->n < OSHB_MAX_PARAMS) {
                        char *eq = strchr(argv[++i], '=');
                        *eq = '\0';
                        given->names[given->n] = argv[i];
                        given->values[given->n++] = eq + 1;
                } else if (!strcmp(a, "--audit") && v && !o->audit_file && o->audit_fd < 0) {
                        o->audit_file = argv[++i];
                } else if (!strcmp(a, "--audit-fd") && v && !o->audit_file && o->audit_fd < 0) {
                        char *end;
                        long n = strtol(argv[++i], &end, 10);
                        if (*end || n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0) {
                                refuse("--audit-fd %s: not an open file descriptor", argv[i]);
                                return -1;
                        }
                        o->audit_fd = (int)n;
                } else if (!strcmp(a, "--cgroup-parent") && v) {
                        o->cgroup_parent = argv[++i];
                } else if (a[0] != '-' && !o->bundle) {
                        o->bundle = a;
                } else {
                        fprintf(stderr, "osh-run: unexpected argument %s\n", a);
                        usage(stderr);
                        return -1;
                }
        }
        if (!o->bundle || i + 1 >= argc) {
                fprintf(stderr, "osh-run: need a BUNDLE and, after --, a COMMAND\n");
                usage(stderr);
                return -1;
        }
        o->argv = argv + i + 1;
        return 0;
}

/* A user or group of the policy: a number, or a name from the host's
 * /etc/passwd or /etc/group (read directly: osh-run is static, ids.c).
 * NULL: `fallback`. */
static int resolve_id(const char *s, bool user, unsigned fallback, unsigned *out)
{
        if (!s) {
                *out = fallback;
                return 0;
        }
        char *end;
        unsigned long n = strtoul(s, &end, 10);
        if (*s && !*end && n < 0xffffffffUL) {
                *out = (unsigned)n;
                return 0;
        }
        return ids_by_name(user ? "/etc/passwd" : "/etc/group", s, out);
}

static int write_file(pid_t pid, const char *name, const char *text)
{
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        int e = errno;
        close(fd);
        errno = e;
        return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Rootless: one uid and one gid, the caller's own, seen inside as the
 * policy's user and group; no supplementary groups. */
static int write_id_maps(pid_t pid, const rt_launch *l)
{
        char map[64];
        if (write_file(pid, "setgroups", "deny") < 0)
                return refuse("write setgroups of the sandbox: %s", strerror(errno));
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)l->uid_inside, (unsigned)geteuid());
        if (write_file(pid, "uid_map", map) < 0)
                return refuse("write uid_map of the sandbox: %s", strerror(errno));
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)l->gid_inside, (unsigned)getegid());
        if (write_file(pid, "gid_map", map) < 0)
                return refuse("write gid_map of the sandbox: %s", strerror(errno));
        return 0;
}

/* ---- the bundle, kept for osh-proxy ---- */

/* The bundle's bytes as osh-run read and verified them.  osh-proxy gets
 * exactly these (a memfd), not the path: it may start long after the
 * launch, when the file may have been rewritten (by the agent itself, if
 * the bundle lies in a tree it may write). */
static uint8_t *bundle_bytes;
static size_t bundle_len;

/* oshb_read_file, keeping the bytes (the same checks and messages). */
static int read_bundle(const char *path, oshb_bundle *b, char *err, size_t errlen)
{
        memset(b, 0, sizeof *b);
        size_t len = 0;
        uint8_t *buf = oshb_slurp(path, &len, err, errlen);
        if (!buf)
                return -1;
        char msg[384];
        if (oshb_read(buf, len, b, msg, sizeof msg) < 0) {
                snprintf(err, errlen, "%s: %s", path, msg);
                free(buf);
                return -1;
        }
        bundle_bytes = buf;
        bundle_len = len;
        return 0;
}

/* ---- osh-proxy, outside the sandbox ---- */

/* osh-proxy: the binary next to osh-run (set by proxy_check). */
static char proxy_path[PATH_MAX + 16];

static void proxy_unusable(int e)
{
        fprintf(stderr,
                "osh-run: the policy has a net section but osh-proxy cannot start "
                "(%s: %s); install it next to osh-run\n",
                proxy_path, strerror(e));
}

/* At launch, before anything runs: osh-proxy starts only at the agent's
 * first connection, but a proxy that is not there at all (or not an
 * executable file) is refused now, not then.  0, or -1 reported. */
static int proxy_check(void)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
                refuse("readlink /proc/self/exe: %s", strerror(errno));
                return -1;
        }
        self[n] = '\0';
        *strrchr(self, '/') = '\0';
        snprintf(proxy_path, sizeof proxy_path, "%s/osh-proxy", self);
        struct stat st;
        int e = 0;
        if (stat(proxy_path, &st) < 0)
                e = errno;
        else if (!S_ISREG(st.st_mode))
                e = EACCES; /* what exec says of a directory or a device */
        else if (access(proxy_path, X_OK) < 0)
                e = errno;
        if (e)
                proxy_unusable(e);
        return e ? -1 : 0;
}

/* Fork osh-proxy and return at once: the connection that started it waits
 * in the listener's backlog meanwhile.  *errfd is the read end of the
 * exec-error pipe: EOF when the exec succeeded, an errno when it (or the
 * setup before it) failed (proxy_exec_failed). */
static pid_t start_proxy(const rt_launch *l, pid_t sandbox_pid, int listener, int *errfd)
{
        char pidbuf[16], *args[16 + 2 * OSHB_MAX_PARAMS];
        static char pv[OSHB_MAX_PARAMS][4096 + 256];
        int a = 0;
        snprintf(pidbuf, sizeof pidbuf, "%d", (int)sandbox_pid);
        args[a++] = proxy_path;
        args[a++] = "--bundle-fd";
        args[a++] = "6";
        args[a++] = "--listen-fd";
        args[a++] = "3";
        args[a++] = "--sandbox-pid";
        args[a++] = pidbuf;
        for (int i = 0; i < l->params->n; i++) {
                snprintf(pv[i], sizeof pv[i], "%s=%s", l->params->names[i], l->params->values[i]);
                args[a++] = "--param";
                args[a++] = pv[i];
        }
        if (l->audit_fd >= 0) {
                args[a++] = "--log-fd";
                args[a++] = "4";
        }
        args[a] = NULL;
        int ep[2];
        if (pipe2(ep, O_CLOEXEC) < 0) {
                refuse("pipe: %s", strerror(errno));
                return -1;
        }
        pid_t pid = fork();
        if (pid < 0) {
                refuse("fork osh-proxy: %s", strerror(errno));
                close(ep[0]);
                close(ep[1]);
                return -1;
        }
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                /* the bundle's verified bytes, in a sealed memfd (made here,
                 * in the child, off osh-run's loop) */
                int bfd = memfd_create("osh-bundle", MFD_CLOEXEC | MFD_ALLOW_SEALING);
                int e = bfd < 0 ? errno : 0;
                for (size_t off = 0; !e && off < bundle_len;) {
                        ssize_t n = write(bfd, bundle_bytes + off, bundle_len - off);
                        if (n < 0 && errno != EINTR)
                                e = errno;
                        else if (n > 0)
                                off += (size_t)n;
                }
                if (!e && fcntl(bfd, F_ADD_SEALS,
                                F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                        e = errno;
                /* fd 3 the listener, 4 the log (audit), 5 the exec-error
                 * pipe, 6 the bundle */
                int lfd = fcntl(listener, F_DUPFD, 10);
                int afd = l->audit_fd >= 0 ? fcntl(l->audit_fd, F_DUPFD, 10) : -1;
                int wfd = fcntl(ep[1], F_DUPFD, 10);
                int bfd2 = bfd >= 0 ? fcntl(bfd, F_DUPFD, 10) : -1;
                if (lfd < 0 || wfd < 0 || dup2(lfd, 3) < 0 || dup3(wfd, 5, O_CLOEXEC) < 0)
                        _exit(127);
                if (afd < 0)
                        close(4);
                else if (dup2(afd, 4) < 0)
                        _exit(127);
                if (!e && (bfd2 < 0 || dup2(bfd2, 6) < 0))
                        e = errno;
                syscall(SYS_close_range, 7, ~0U, 0);
                if (!e) {
                        execv(proxy_path, args);
                        e = errno;
                }
                if (write(5, &e, sizeof e) < 0)
                        _exit(127);
                _exit(127);
        }
        close(ep[1]);
        *errfd = ep[0];
        return pid;
}

/* Did the exec of osh-proxy fail?  Reads the exec-error pipe (blocking
 * until the exec is done) and closes it; reports the failure. */
static bool proxy_exec_failed(int *errfd)
{
        int e = 0;
        ssize_t r;
        do
                r = read(*errfd, &e, sizeof e);
        while (r < 0 && errno == EINTR);
        close(*errfd);
        *errfd = -1;
        if (r <= 0)
                return false;
        proxy_unusable(e);
        return true;
}

/* ---- while the sandbox runs ---- */

/* osh-proxy, killed but not yet reaped (main reaps it last) */
static pid_t proxy_to_reap;

typedef struct running {
        rt_launch *l;
        pid_t pid1, proxy;
        int proxy_listener; /* held until the first connection starts osh-proxy */
        int proxy_err;      /* the exec-error pipe of osh-proxy, -1 once read */
        int status;         /* PID 1's exit status, -1 while it runs */
        bool ending;        /* PID 1 said the agent exited ('X') */
        bool refused;
        rt_supervisor sup;
} running;

/* The agent has exited: a failed exec of osh-proxy still refuses the
 * launch; otherwise SIGKILL it (its log is written a line at a time,
 * nothing is lost), and main reaps it last.  Never started (the agent
 * never connected): the listener is closed. */
static void stop_proxy(running *r)
{
        if (r->proxy_listener >= 0) {
                close(r->proxy_listener);
                r->proxy_listener = -1;
        }
        if (r->proxy_err >= 0 && proxy_exec_failed(&r->proxy_err))
                r->refused = true;
        if (r->proxy > 0) {
                kill(r->proxy, SIGKILL);
                proxy_to_reap = r->proxy;
                r->proxy = 0;
        }
}

/* One control message from inside; returns what ctl_recv returned. */
static ssize_t on_ctl(running *r, int *ctl)
{
        char buf[RT_ERR_LEN + 2];
        int fd;
        ssize_t n = ctl_recv(*ctl, buf, sizeof buf, &fd);
        if (n <= 0) {
                if (n == 0 || errno != EAGAIN)
                        *ctl = -1; /* EOF: nobody inside holds it any more */
                return n;
        }
        switch (buf[0]) {
        case 'E':
                fprintf(stderr, "osh-run: %s\n", buf + 1);
                r->refused = true;
                break;
        case 'L':
                /* held (polled) until a connection is queued: lazy_start */
                if (fd >= 0 && r->proxy_listener < 0 && r->proxy == 0 && !r->ending) {
                        r->proxy_listener = fd;
                        fd = -1;
                }
                break;
        case 'X':
                r->ending = true;
                stop_proxy(r);
                break;
        case 'N':
                if (fd >= 0 && r->sup.listener < 0) {
                        r->sup.listener = fd;
                        fd = -1;
                }
                break;
        }
        if (fd >= 0)
                close(fd);
        return n;
}

static void on_signal(running *r, int sfd)
{
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si)
                return;
        if (si.ssi_signo != SIGCHLD) {
                kill(r->pid1, (int)si.ssi_signo);
                return;
        }
        int st;
        pid_t p;
        /* PID 1 first: osh-proxy exits when PID 1 does (its pidfd), and
         * that is no reason to refuse */
        if (r->status < 0 && waitpid(r->pid1, &st, WNOHANG) == r->pid1)
                r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
                if (p == r->pid1) {
                        r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                } else if (p == r->proxy) {
                        r->proxy = 0;
                        if (r->proxy_err >= 0 && proxy_exec_failed(&r->proxy_err)) {
                                r->refused = true;
                                kill(r->pid1, SIGKILL);
                        } else if (r->status < 0 && !r->ending) {
                                if (!r->refused)
                                        fprintf(stderr,
                                                "osh-run: osh-proxy exited (status 0x%x) while "
                                                "the sandbox ran; stopping it (no egress)\n",
                                                st);
                                r->refused = true;
                                kill(r->pid1, SIGKILL);
                        }
                }
        }
}

/* The proxy listener is readable: a connection waits in its backlog.
 * Start osh-proxy on it (the connection is served once it is up) and stop
 * watching it here. */
static void lazy_start(running *r)
{
        r->proxy = start_proxy(r->l, r->pid1, r->proxy_listener, &r->proxy_err);
        close(r->proxy_listener);
        r->proxy_listener = -1;
        if (r->proxy < 0) {
                r->proxy = 0;
                r->refused = true;
                kill(r->pid1, SIGKILL);
        }
}

static int supervise(rt_launch *l, pid_t pid1, int sfd)
{
        running r = {
            .l = l,
            .pid1 = pid1,
            .proxy_listener = -1,
            .proxy_err = -1,
            .status = -1,
            .sup = {.listener = -1, .audit_fd = l->audit_fd, .prog = seccomp_native_prog(l->b)}};
        int ctl = l->ctl;
        while (r.status < 0) {
                struct pollfd p[5] = {{sfd, POLLIN, 0},
                                      {ctl, POLLIN, 0},
                                      {r.sup.listener, POLLIN, 0},
                                      {r.proxy_err, POLLIN, 0},
                                      {r.proxy_listener, POLLIN, 0}};
                if (poll(p, 5, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "osh-run: poll: %s\n", strerror(errno));
                        kill(pid1, SIGKILL);
                        r.refused = true;
                        break;
                }
                if (p[1].revents)
                        on_ctl(&r, &ctl);
                if (p[2].revents & POLLIN) {
                        if (supervisor_answer(&r.sup) < 0)
                                p[2].revents |= POLLHUP;
                }
                if (p[2].revents & (POLLHUP | POLLERR | POLLNVAL)) {
                        close(r.sup.listener);
                        r.sup.listener = -1;
                }
                if (p[3].revents && r.proxy_err >= 0 && proxy_exec_failed(&r.proxy_err)) {
                        r.refused = true;
                        kill(pid1, SIGKILL);
                }
                /* the fd polled, unless 'X' above closed it (and set -1) */
                if (p[4].revents && r.proxy_listener >= 0) {
                        if (r.refused) { /* the sandbox is being stopped */
                                close(r.proxy_listener);
                                r.proxy_listener = -1;
                        } else {
                                lazy_start(&r);
                        }
                }
                if (p[0].revents)
                        on_signal(&r, sfd);
        }
        /* the last words of PID 1 or the agent, queued before they exited */
        fcntl(l->ctl, F_SETFL, O_NONBLOCK);
        for (ctl = l->ctl; ctl >= 0 && on_ctl(&r, &ctl) > 0;)
                ;
        if (r.sup.listener >= 0)
                close(r.sup.listener);
        /* PID 1 died without 'X' (killed, refused): same as above */
        stop_proxy(&r);
        if (r.status < 0)
                waitpid(pid1, NULL, 0);
        return r.refused ? OSH_EXIT_REFUSED : r.status;
}

/* ---- the launch ---- */

/* PID 1 builds its view while osh-run makes the cgroup leaf, so a step
 * that fails after the clone may be PID 1 having refused already (and exited):
 * report its reason, queued on the control socket, rather than ours. */
static bool inside_refused(int ctl)
{
        char buf[RT_ERR_LEN + 2];
        int fd;
        bool refused = false;
        int fl = fcntl(ctl, F_GETFL);
        fcntl(ctl, F_SETFL, fl | O_NONBLOCK);
        while (ctl_recv(ctl, buf, sizeof buf, &fd) > 0) {
                if (fd >= 0)
                        close(fd);
                if (buf[0] == 'E') {
                        fprintf(stderr, "osh-run: %s\n", buf + 1);
                        refused = true;
                }
        }
        fcntl(ctl, F_SETFL, fl);
        return refused;
}

/* Put PID 1 in the cgroup leaves.  In a cgroup v1 leaf PID 1 moves
 * itself: osh-run opens the leaf's `tasks` file (the kernel checks the
 * opener's credentials) and hands it over ('C'), and PID 1, single-threaded,
 * writes "0" (itself).  A single thread moving itself skips the kernel's
 * global threadgroup lock, whose write side waits for an RCU grace period
 * (several ms) on every launch.  The v2 leaf (one write of the pid into
 * cgroup.procs) is written by osh-run as before. */
static int cgroup_enter(rt_cgroup *cg, pid_t pid, char *err, size_t errlen, int ctl)
{
        if (cg->v2_path[0]) {
                rt_cgroup *v2 = malloc(sizeof *v2);
                if (!v2)
                        return snprintf(err, errlen, "cgroup: out of memory"), -1;
                memcpy(v2->v2_path, cg->v2_path, sizeof v2->v2_path);
                v2->nv1 = 0;
                v2->created = cg->created;
                int rc = cgroup_add(v2, pid, err, errlen);
                free(v2);
                if (rc < 0)
                        return -1;
        }
        for (int i = 0; i < cg->nv1; i++) {
                char path[4200];
                snprintf(path, sizeof path, "%s/tasks", cg->v1_paths[i]);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0) {
                        snprintf(
                            err, errlen,
                            "cannot move process %d into its cgroup: opening %.300s failed (%s)",
                            (int)pid, path, strerror(errno));
                        return -1;
                }
                int rc = ctl_send(ctl, 'C', path, fd);
                int e = errno;
                close(fd);
                if (rc < 0) {
                        snprintf(err, errlen, "start the sandbox: %s", strerror(e));
                        return -1;
                }
        }
        return 0;
}

/* The clone failed: a host that forbids what it needs (user namespaces
 * above all) gets preflight's full account and its fix; otherwise the
 * error itself. */
static int clone_refused(const rt_launch *l, int e)
{
        rt_kernel k;
        char err[RT_ERR_LEN];
        if (preflight(l->b, &k, err, sizeof err) < 0)
                return refuse("%s", err);
        return refuse("clone into new namespaces: %s", strerror(e));
}

/* Everything osh-run decides while PID 1 creates its namespaces: the
 * parameters, preflight, osh-proxy's presence, the ids and --audit; then
 * PID 1 gets what it needs of it ('V' per parameter, then 'P').  0, or
 * the exit status of a refusal (reported). */
static int decide(rt_launch *l, const options *o, rt_params *params)
{
        char err[RT_ERR_LEN];
        const oshb_bundle *b = l->b;
        if (params_resolve(b, params, err, sizeof err) < 0)
                return refuse("%s", err);
        /* the clone into a new user namespace has just worked: no test
         * child to ask whether it would */
        preflight_probe_kernel(&l->kernel);
        l->kernel.userns = !l->kernel.root;
        if (preflight_decide(b, &l->kernel, stderr, err, sizeof err) < 0)
                return refuse("%s", err);
        if (b->process.network && proxy_check() < 0)
                return OSH_EXIT_REFUSED;
        unsigned uid, gid;
        unsigned def_uid = l->kernel.root ? 65534 : (unsigned)geteuid();
        unsigned def_gid = l->kernel.root ? 65534 : (unsigned)getegid();
        if (resolve_id(b->process.user, true, def_uid, &uid) < 0)
                return refuse("process user %s: no such user in /etc/passwd (osh-run does not "
                              "ask NSS: give a user known only to LDAP or sssd by number)",
                              b->process.user);
        if (resolve_id(b->process.group, false, def_gid, &gid) < 0)
                return refuse("process group %s: no such group in /etc/group (osh-run does not "
                              "ask NSS: give a group known only to LDAP or sssd by number)",
                              b->process.group);
        l->uid_inside = uid;
        l->gid_inside = gid;
        if (o->audit_file) {
                l->audit_fd = open(o->audit_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (l->audit_fd < 0)
                        return refuse("--audit %s: cannot open it for writing", o->audit_file);
        }
        if (l->audit_fd >= 0 && !l->kernel.seccomp_notify)
                return refuse("--audit needs seccomp user notification%s", " (Linux 5.0 or later)");
        l->audit = l->audit_fd >= 0;
        for (int i = 0; i < params->n; i++)
                if (ctl_send(l->ctl, 'V', params->values[i], -1) < 0)
                        return -1;
        char msg[64];
        snprintf(msg, sizeof msg, "%d %d %u %u", l->kernel.landlock_abi, l->audit ? 1 : 0,
                 (unsigned)uid, (unsigned)gid);
        return ctl_send(l->ctl, 'P', msg, -1) < 0 ? -1 : 0;
}

/* The Landlock ruleset, built here while PID 1 builds the sandbox (the
 * agent would build it after PID 1 is done: a fifth of a millisecond on
 * the launch's longest path), and handed to PID 1 ('R').  When it cannot
 * be built here (a path this process may not open, say), nothing is sent
 * and the agent builds all of it, as it would have.  0, or -1 when the
 * message could not be sent (errno). */
static int send_ruleset(rt_launch *l)
{
        char left[RT_ERR_LEN - 32], err[RT_ERR_LEN];
        int rs;
        if (landlock_prepare(l->b, l->params, l->kernel.landlock_abi, &rs, left, sizeof left, err,
                             sizeof err) < 0 ||
            rs < 0)
                return 0;
        int rc = ctl_send(l->ctl, 'R', left, rs);
        close(rs);
        return rc;
}

/* Where PID 1 starts.  Left to itself, the scheduler may queue a new
 * process on its parent's CPU, however idle the others are (this is what
 * packs a virtual machine's work onto few vCPUs), and PID 1 then waits
 * for osh-run to sleep before it can start its namespaces: the two take
 * turns instead of working side by side.  So when nothing else is running
 * (the "running" count of /proc/loadavg, read before the clone, is
 * osh-run alone), PID 1 is sent to the other CPUs osh-run may use; it
 * takes back osh-run's whole set at 'P' (sandbox.c), before anything is
 * forked, so the agent gets exactly the CPUs osh-run was given.  On a busy
 * machine nothing is done: there, an idle CPU would be a guess.  Returns
 * the set to send PID 1 to, in *others, or false. */
static bool idle_elsewhere(const rt_launch *l, cpu_set_t *others)
{
        int me = sched_getcpu();
        if (!l->have_cpus || CPU_COUNT(&l->cpus) < 2 || me < 0 || me >= CPU_SETSIZE ||
            !CPU_ISSET(me, &l->cpus))
                return false;
        char buf[128];
        int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        /* "0.12 0.34 0.56 RUNNING/TOTAL LASTPID" */
        const char *p = buf;
        for (int field = 0; field < 3 && p; field++)
                if ((p = strchr(p, ' ')) != NULL)
                        p++;
        if (!p || strncmp(p, "1/", 2) != 0)
                return false;
        *others = l->cpus;
        CPU_CLR(me, others);
        return true;
}

/* Clone PID 1 as soon as the bundle is read, so that it creates its
 * namespaces (the network namespace costs most of a launch) while osh-run
 * decides the rest and makes the cgroup leaf. */
static int launch(rt_launch *l, rt_cgroup *cg, const options *o, rt_params *params)
{
        sigset_t set;
        sigemptyset(&set);
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
                sigaddset(&set, sigs[i]);
        sigprocmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        int sp[2];
        if (sfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return refuse("signalfd/socketpair: %s", strerror(errno));
        l->have_cpus = sched_getaffinity(0, sizeof l->cpus, &l->cpus) == 0;
        cpu_set_t others;
        bool spread = idle_elsewhere(l, &others);
        unsigned long flags = NS_FLAGS | (l->kernel.root ? 0 : CLONE_NEWUSER);
        /* the raw system call, fork-like (no new stack): PID 1 runs on a
         * copy of this process and never returns (sandbox_init) */
        pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
        if (pid < 0)
                return clone_refused(l, errno);
        if (pid == 0) {
                close(sp[0]);
                close(sfd);
                l->ctl = sp[1];
                signal(SIGPIPE, SIG_DFL);
                sandbox_init(l);
        }
        close(sp[1]);
        l->ctl = sp[0];
        if (spread)
                sched_setaffinity(pid, sizeof others, &others);
        char err[RT_ERR_LEN];
        int rc = decide(l, o, params);
        if (!rc)
                rc = send_ruleset(l);
        if (rc < 0)
                rc = inside_refused(l->ctl) ? OSH_EXIT_REFUSED
                                            : refuse("start the sandbox: %s", strerror(errno));
        if (!rc && !l->kernel.root)
                rc = write_id_maps(pid, l);
        if (!rc && cgroup_setup(l->b, o->cgroup_parent, cg, err, sizeof err) < 0)
                rc = refuse("%s", err);
        if (!rc && cg->created && cgroup_enter(cg, pid, err, sizeof err, l->ctl) < 0)
                rc = inside_refused(l->ctl) ? OSH_EXIT_REFUSED : refuse("%s", err);
        if (!rc && ctl_send(l->ctl, 'G', NULL, -1) < 0)
                rc = inside_refused(l->ctl) ? OSH_EXIT_REFUSED
                                            : refuse("start the sandbox: %s", strerror(errno));
        if (rc) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return rc;
        }
        return supervise(l, pid, sfd);
}

int main(int argc, char **argv)
{
        static rt_params params;
        options o;
        int pr = parse_args(argc, argv, &o, &params);
        if (pr) {
                if (pr > 0)
                        usage(stdout);
                return pr > 0 ? 0 : OSH_EXIT_REFUSED;
        }
        char err[RT_ERR_LEN];
        oshb_bundle b;
        if (read_bundle(o.bundle, &b, err, sizeof err) < 0)
                return refuse("%s", err);
        rt_launch l = {.bundle_path = o.bundle,
                       .b = &b,
                       .params = &params,
                       .kernel = {.root = geteuid() == 0},
                       .audit_fd = o.audit_fd,
                       .argv = o.argv,
                       .ctl = -1,
                       .ll_fd = -1};
        rt_cgroup cg;
        memset(&cg, 0, sizeof cg);
        int status = launch(&l, &cg, &o, &params);
        cgroup_cleanup(&cg);
        if (proxy_to_reap > 0)
                waitpid(proxy_to_reap, NULL, 0);
        params_free(&params);
        oshb_free(&b);
        free(bundle_bytes);
        return status;
}
