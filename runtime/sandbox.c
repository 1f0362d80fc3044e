/*
 * sandbox.c - the inside of a launch: PID 1 of the new pid namespace,
 * which builds the mount view and reaps, and the agent it starts, which
 * drops everything and execs the command.
 *
 * PID 1 (sandbox_init), at once (while osh-run outside writes the id maps
 *   and makes the cgroup leaf): in a thread of its own, the network
 *   namespace, `lo` up and, with a net section, a listening socket on
 *   127.0.0.1:3128; meanwhile the mount, ipc and uts namespaces, hostname,
 *   / made recursively private, a fresh /proc, the masks (and the pins
 *   that keep the directories above a mask from being renamed), the
 *   capability bounding set dropped (the agent inherits it); then
 *   PID 1 enters the thread's network namespace and hands the listener
 *   out ('L': osh-run starts osh-proxy outside on it when the first
 *   connection is queued; connections wait in its backlog until then).
 *   All of it runs while
 *   osh-run makes the cgroup leaf; then, once PID 1 is in the leaf ('G'),
 *   a cgroup namespace, and the agent is forked: nothing is forked before
 *   'G'.  PID 1 forwards signals, enforces walltime and exits with the
 *   agent's status.
 * The agent (agent_exec): signals reset, stray fds closed, environment,
 * working directory, user and group, capabilities, no_new_privs, Landlock,
 * rlimits, seccomp last (its listener handed out, 'N'), exec.
 *
 * Every failure is sent as an 'E' message and the process exits 125: the
 * agent never runs with less than the policy says.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- the control socket ---- */

int ctl_send(int ctl, char type, const char *text, int fd)
{
        char buf[RT_MSG_LEN + 1];
        size_t n = text ? strnlen(text, RT_MSG_LEN) : 0;
        buf[0] = type;
        if (n)
                memcpy(buf + 1, text, n);
        struct iovec iov = {.iov_base = buf, .iov_len = n + 1};
        union {
                char b[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } c;
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                memset(&c, 0, sizeof c);
                m.msg_control = c.b;
                m.msg_controllen = sizeof c.b;
                struct cmsghdr *h = CMSG_FIRSTHDR(&m);
                h->cmsg_level = SOL_SOCKET;
                h->cmsg_type = SCM_RIGHTS;
                h->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(h), &fd, sizeof fd);
        }
        return sendmsg(ctl, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

ssize_t ctl_recv(int ctl, char *buf, size_t len, int *fd)
{
        struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
        union {
                char b[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } c;
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b};
        *fd = -1;
        ssize_t n;
        do
                n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -1;
        buf[n] = '\0';
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
                if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
                    h->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(fd, CMSG_DATA(h), sizeof *fd);
        return n;
}

/* Report a refusal to osh-run and exit 125. */
static void refuse(int ctl, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void refuse(int ctl, const char *fmt, ...)
{
        char msg[RT_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (ctl_send(ctl, 'E', msg, -1) < 0)
                fprintf(stderr, "osh-run: %s\n", msg);
        _exit(OSH_EXIT_REFUSED);
}

/* ---- the mount view ---- */

/* Flags a bind remount must keep: in a user namespace the flags of a
 * mount inherited from outside are locked, and leaving one out is EPERM. */
static unsigned long locked_flags(const char *path)
{
        struct statvfs sv;
        unsigned long f = 0;
        if (statvfs(path, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_RDONLY)
                f |= MS_RDONLY;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

/* Bind `path` onto itself, then remount it with `flags` added. */
static int bind_self(const char *path, unsigned long flags)
{
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
                return -1;
        if (!flags)
                return 0;
        return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags(path), NULL);
}

static int hide(const char *path, const struct stat *st)
{
        unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (S_ISDIR(st->st_mode))
                return mount("tmpfs", path, "tmpfs", ro, "size=4k,nr_inodes=1,mode=0555");
        /* a file: /dev/null bound over it on a nodev mount cannot be opened
         * at all (EACCES), for reading or writing */
        if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
                return -1;
        return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | ro | locked_flags(path), NULL);
}

static int apply_mask(const oshb_mount *m, const char *path)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return -1;
        if (m->kind & OSHB_MASK_HIDE)
                return hide(path, &st);
        unsigned long f = 0;
        if (m->kind & OSHB_MASK_READONLY)
                f |= MS_RDONLY;
        if (m->kind & OSHB_MASK_NOEXEC)
                f |= MS_NOEXEC;
        if (m->kind & OSHB_MASK_NODEV)
                f |= MS_NODEV;
        return bind_self(path, f | MS_NOSUID);
}

/* The shortest allow path (Landlock rule) above `mask`, into out. */
static bool outermost_allow(const rt_launch *l, const char *mask, char *out, size_t len)
{
        char buf[4096];
        size_t best = (size_t)-1;
        for (uint32_t i = 0; i < l->b->landlock.npaths; i++) {
                const oshb_ll_path *r = &l->b->landlock.paths[i];
                const char *p = params_expand(l->params, r->param, r->path, buf, sizeof buf);
                if (!p || !path_is_within(p, mask) || strcmp(mask, p) == 0 || strlen(p) >= best)
                        continue;
                best = strlen(p);
                snprintf(out, len, "%s", p);
        }
        return best != (size_t)-1;
}

/* Pin every directory strictly between the outermost covering allow and
 * the mask with a self bind mount: a mount point cannot be renamed or
 * removed, so `mv .git old; mkdir -p .git/hooks` cannot slip past a mask
 * (docs/backends.md 1.3).  Outer directories first. */
static void pin_ancestors(rt_launch *l, const char *mask)
{
        char top[4096], dir[4096];
        if (!outermost_allow(l, mask, top, sizeof top))
                return;
        size_t start = strcmp(top, "/") == 0 ? 0 : strlen(top);
        snprintf(dir, sizeof dir, "%s", mask);
        for (char *s = dir + start + 1; (s = strchr(s, '/')) != NULL; s++) {
                *s = '\0';
                if (bind_self(dir, 0) < 0)
                        refuse(l->ctl, "pin %s (a directory above the mask %s): mount: %s", dir,
                               mask, strerror(errno));
                *s = '/';
        }
}

/* Unix sockets reach daemons outside the sandbox that hold more privilege
 * than the agent (docker, containerd, podman, the D-Bus system bus, X11,
 * systemd), and Landlock does not mediate connect() on a socket's path:
 * an agent that keeps the caller's supplementary groups (rootless) could
 * reach docker.sock without any fs grant.  So these locations are hidden
 * unless a Landlock rule of the policy names them or something beneath
 * them; the verifier reports such grants (control-socket). */
static const char *const control_sockets[] = {"/run/docker.sock",     "/run/containerd",
                                              "/run/podman",          "/run/dbus",
                                              "/run/systemd/private", "/run/user",
                                              "/tmp/.X11-unix",       "/var/run/docker.sock",
                                              "/var/run/dbus",        NULL};

static bool granted_at_or_below(const rt_launch *l, const char *loc)
{
        char buf[4096];
        for (uint32_t i = 0; i < l->b->landlock.npaths; i++) {
                const oshb_ll_path *r = &l->b->landlock.paths[i];
                const char *p = params_expand(l->params, r->param, r->path, buf, sizeof buf);
                if (p && path_is_within(loc, p))
                        return true;
        }
        return false;
}

static void hide_control_sockets(rt_launch *l, rt_realpath_cache *rc)
{
        for (int i = 0; control_sockets[i]; i++) {
                char real[PATH_MAX];
                struct stat st;
                if (!rt_realpath(rc, control_sockets[i], real) || lstat(real, &st) < 0)
                        continue; /* not on this host */
                if (granted_at_or_below(l, control_sockets[i]) || granted_at_or_below(l, real))
                        continue;
                if (hide(real, &st) < 0)
                        refuse(l->ctl, "hide the control socket %s: mount: %s", real,
                               strerror(errno));
        }
}

static void mount_view(rt_launch *l)
{
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                refuse(l->ctl, "make / private: mount: %s", strerror(errno));
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                refuse(l->ctl, "mount a fresh /proc: %s", strerror(errno));
        char buf[4096];
        /* a mask mounted over one path does not change how the
         * directories above the next ones resolve (no mask is a symbolic
         * link), so one cache serves the whole view */
        rt_realpath_cache rc = {0};
        for (uint32_t i = 0; i < l->b->nmounts; i++) {
                const oshb_mount *m = &l->b->mounts[i];
                const char *p = params_expand(l->params, m->param, m->path, buf, sizeof buf);
                if (!p)
                        refuse(l->ctl, "mask $%s%s: cannot expand the parameter", m->param,
                               m->path);
                struct stat st;
                if (lstat(p, &st) < 0)
                        refuse(l->ctl,
                               "mask %s (rule %u): %s; osh-run never writes the host, so "
                               "create it (an empty file, or a directory for a tree) or drop "
                               "the deny rule",
                               p, m->rule_id, strerror(errno));
                /* a symlink on the way could be swapped by the agent */
                char real[PATH_MAX];
                if (!rt_realpath(&rc, p, real) || strcmp(real, p) != 0)
                        refuse(l->ctl,
                               "mask %s (rule %u) goes through a symbolic link; name the real "
                               "path in the policy",
                               p, m->rule_id);
                pin_ancestors(l, p);
                if (apply_mask(m, p) < 0)
                        refuse(l->ctl, "mask %s (rule %u): mount: %s", p, m->rule_id,
                               strerror(errno));
        }
        hide_control_sockets(l, &rc);
        rt_realpath_cache_free(&rc);
}

/* ---- the network namespace ---- */

static void loopback_up(int ctl)
{
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                refuse(ctl, "loopback: SIOCGIFFLAGS: %s", strerror(errno));
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                refuse(ctl, "loopback: SIOCSIFFLAGS: %s", strerror(errno));
        close(s);
}

static int proxy_listener(int ctl)
{
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons(OSH_PROXY_PORT),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, OSH_PROXY_BACKLOG) < 0)
                refuse(ctl, "proxy listener on 127.0.0.1:%d: %s", OSH_PROXY_PORT, strerror(errno));
        return s;
}

/* The network namespace is made by a thread of PID 1 while PID 1 itself
 * makes the others and the mount view: its creation (the kernel
 * registers a whole network stack) is most of a launch's work inside.
 * The thread unshares only its own network namespace, brings `lo` up,
 * opens the proxy listener there, and leaves the namespace's fd for
 * PID 1 to setns into; it exits before PID 1 moves into the cgroup leaf
 * or forks anything.  A failure there refuses the launch, as it would in
 * PID 1 (refuse exits the whole process). */
typedef struct {
        int ctl;
        bool listener;
        int ns;  /* the new network namespace, for setns */
        int lfd; /* the proxy listener, with a net section */
} net_job;

static void *net_main(void *arg)
{
        net_job *j = arg;
        if (unshare(CLONE_NEWNET) < 0)
                refuse(j->ctl, "unshare the network namespace: %s", strerror(errno));
        loopback_up(j->ctl);
        if (j->listener)
                j->lfd = proxy_listener(j->ctl);
        j->ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (j->ns < 0)
                refuse(j->ctl, "open the new network namespace (/proc/thread-self/ns/net): %s",
                       strerror(errno));
        return NULL;
}

static pthread_t net_start(net_job *j)
{
        pthread_attr_t a;
        pthread_t t;
        int e = pthread_attr_init(&a);
        if (!e)
                e = pthread_attr_setstacksize(&a, 256 * 1024);
        if (!e)
                e = pthread_create(&t, &a, net_main, j);
        if (e)
                refuse(j->ctl, "start the network namespace's thread: %s", strerror(e));
        pthread_attr_destroy(&a);
        return t;
}

static void net_join(pthread_t t, net_job *j)
{
        int e = pthread_join(t, NULL);
        if (e)
                refuse(j->ctl, "wait for the network namespace's thread: %s", strerror(e));
        if (setns(j->ns, CLONE_NEWNET) < 0)
                refuse(j->ctl, "enter the new network namespace: %s", strerror(errno));
        close(j->ns);
        if (j->lfd >= 0) {
                if (ctl_send(j->ctl, 'L', NULL, j->lfd) < 0)
                        refuse(j->ctl, "send the proxy listener: %s", strerror(errno));
                close(j->lfd);
        }
}

/* ---- the agent ---- */

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* NAME=VALUE into env (room for max entries and the NULL), replacing an
 * earlier NAME.  False when out of memory. */
static bool env_add(char **env, size_t *n, size_t max, const char *name, const char *value)
{
        size_t len = strlen(name);
        for (size_t i = 0; i < *n; i++)
                if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
                        env[i] = env[--*n]; /* a later setting wins; names are unique */
        char *e = malloc(len + strlen(value) + 2);
        if (!e || *n + 1 >= max)
                return false;
        sprintf(e, "%s=%s", name, value);
        env[(*n)++] = e;
        env[*n] = NULL;
        return true;
}

/* env keep names from osh-run's environment, then env set, then the
 * proxy variables.  No PATH is added: execvp then looks in /bin:/usr/bin.
 * NULL when out of memory. */
static char **agent_env(const oshb_process *pr)
{
        static const char *vars[] = {"HTTP_PROXY",  "HTTPS_PROXY", "http_proxy",
                                     "https_proxy", "ALL_PROXY",   "all_proxy"};
        size_t max = pr->nenv_keep + pr->nenv_set + 16, n = 0;
        char **env = calloc(max, sizeof *env);
        bool ok = env != NULL;
        for (uint32_t i = 0; ok && i < pr->nenv_keep; i++) {
                const char *v = getenv(pr->env_keep[i]);
                if (v)
                        ok = env_add(env, &n, max, pr->env_keep[i], v);
        }
        for (uint32_t i = 0; ok && i < pr->nenv_set; i++)
                ok = env_add(env, &n, max, pr->env_set[i].key, pr->env_set[i].value);
        if (ok && pr->network) {
                char url[64];
                snprintf(url, sizeof url, "http://127.0.0.1:%d", OSH_PROXY_PORT);
                for (size_t i = 0; ok && i < sizeof vars / sizeof *vars; i++)
                        ok = env_add(env, &n, max, vars[i], url);
                ok = ok && env_add(env, &n, max, "NO_PROXY", "localhost,127.0.0.1") &&
                     env_add(env, &n, max, "no_proxy", "localhost,127.0.0.1");
        }
        return ok ? env : NULL;
}

static bool cap_kept(const oshb_process *pr, unsigned c)
{
        for (uint32_t i = 0; i < pr->ncaps; i++)
                if (pr->caps[i] == c)
                        return true;
        return false;
}

static int last_cap(void)
{
        int last = 40;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (f) {
                if (fscanf(f, "%d", &last) != 1)
                        last = 40;
                fclose(f);
        }
        return last;
}

/* The bounding set, every capability but the kept ones: in PID 1 while
 * it waits for the cgroup leaf, off the launch's longest path (the agent
 * inherits it).  It limits what an exec can gain, and PID 1 execs
 * nothing: its own effective capabilities, which it still needs, are
 * untouched.  Dropping needs CAP_SETPCAP, which PID 1 has. */
static void drop_bounding_set(rt_launch *l)
{
        const oshb_process *pr = &l->b->process;
        int last = last_cap();
        for (int c = 0; c <= last; c++)
                if (!cap_kept(pr, (unsigned)c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        refuse(l->ctl, "prctl(PR_CAPBSET_DROP, %d): %s", c, strerror(errno));
}

/* User, group and capabilities in the agent (its bounding set came from
 * PID 1, drop_bounding_set): the ids with the kept caps surviving setuid,
 * then exactly the kept caps in every set, raised ambient so exec keeps
 * them. */
static void drop_privileges(rt_launch *l)
{
        const oshb_process *pr = &l->b->process;
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                refuse(l->ctl, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
        if (l->kernel.root && setgroups(0, NULL) < 0)
                refuse(l->ctl, "setgroups: %s", strerror(errno));
        if (setresgid(l->gid_inside, l->gid_inside, l->gid_inside) < 0)
                refuse(l->ctl, "setgid(%u): %s", (unsigned)l->gid_inside, strerror(errno));
        if (setresuid(l->uid_inside, l->uid_inside, l->uid_inside) < 0)
                refuse(l->ctl, "setuid(%u): %s", (unsigned)l->uid_inside, strerror(errno));
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];
        memset(d, 0, sizeof d);
        for (uint32_t i = 0; i < pr->ncaps; i++) {
                unsigned c = pr->caps[i];
                if (c >= 64)
                        refuse(l->ctl, "capability %u is beyond this kernel", c);
                d[c / 32].permitted |= 1u << (c % 32);
        }
        for (int i = 0; i < 2; i++)
                d[i].effective = d[i].inheritable = d[i].permitted;
        if (syscall(SYS_capset, &h, d) < 0)
                refuse(l->ctl, "capset (keep %u capabilities): %s", pr->ncaps, strerror(errno));
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                refuse(l->ctl, "prctl(PR_CAP_AMBIENT_CLEAR_ALL): %s", strerror(errno));
        for (uint32_t i = 0; i < pr->ncaps; i++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, pr->caps[i], 0, 0) < 0)
                        refuse(l->ctl, "raise capability %u as ambient: %s", pr->caps[i],
                               strerror(errno));
}

static void agent_exec(rt_launch *l) __attribute__((noreturn));
static void agent_exec(rt_launch *l)
{
        sigset_t none;
        sigemptyset(&none);
        for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
                signal(forwarded[i], SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* stray fds: everything above 2 except the control socket (cloexec)
         * and the Landlock ruleset osh-run prepared, moved just above it */
        int rs = -1;
        if (l->ll_fd >= 0) {
                rs = l->ctl + 1;
                if (l->ll_fd != rs && dup2(l->ll_fd, rs) < 0)
                        refuse(l->ctl, "dup2 the Landlock ruleset: %s", strerror(errno));
        }
        if (l->ctl > 3)
                syscall(SYS_close_range, 3, l->ctl - 1, 0);
        if (syscall(SYS_close_range, (rs >= 0 ? rs : l->ctl) + 1, ~0U, 0) < 0)
                refuse(l->ctl, "close_range: %s", strerror(errno));
        char **env = agent_env(&l->b->process);
        if (!env)
                refuse(l->ctl, "environment: out of memory");
        const char *wd = params_get(l->params, "WORKDIR");
        if (wd && chdir(wd) < 0)
                refuse(l->ctl, "chdir %s: %s", wd, strerror(errno));
        drop_privileges(l);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                refuse(l->ctl, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
        char err[RT_ERR_LEN];
        if (rs >= 0 ? landlock_finish(l->b, l->params, l->kernel.landlock_abi, rs, l->ll_left, err,
                                      sizeof err) < 0
                    : landlock_apply(l->b, l->params, l->kernel.landlock_abi, err, sizeof err) < 0)
                refuse(l->ctl, "%s", err);
        if (rlimits_apply(l->b, err, sizeof err) < 0)
                refuse(l->ctl, "%s", err);
        int listener = -1;
        if (seccomp_apply_ctl(l->b, l->audit, l->ctl, &listener, err, sizeof err) < 0)
                refuse(l->ctl, "%s", err);
        /* from here on every call goes through the filter */
        if (listener >= 0 && ctl_send(l->ctl, 'N', NULL, listener) < 0)
                _exit(OSH_EXIT_REFUSED);
        execvpe(l->argv[0], l->argv, env);
        int e = errno;
        fprintf(stderr, "osh-run: exec %s: %s\n", l->argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
}

static int agent_main(void *l)
{
        agent_exec(l);
}

/* The agent, vfork-style: it runs on its own stack in PID 1's memory, and
 * PID 1 sleeps until it has exec'd (or exited).  Nothing of PID 1 is
 * copied, and the exec has no copy to tear down: a fork's page tables,
 * copy-on-write faults and teardown cost about 0.2 ms of CPU.  Sharing the
 * memory is safe because nothing but osh-run's own code runs in it: the
 * agent's program gets a new address space at exec, and a failed exec
 * exits.  -1 when the stack or the clone failed (errno set).  Under
 * AddressSanitizer, a plain fork: ASan warns on stderr (the agent's) when
 * a noreturn call runs on a stack it does not know. */
#define AGENT_STACK (256 * 1024)
static pid_t spawn_agent(rt_launch *l)
{
#ifdef __SANITIZE_ADDRESS__
        pid_t pid = fork();
        if (pid == 0)
                agent_exec(l);
        return pid;
#endif
        char *stack = mmap(NULL, AGENT_STACK, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED)
                return -1;
        /* a guard page at the bottom: an overflow faults instead of
         * writing over PID 1's memory */
        if (mprotect(stack, 4096, PROT_NONE) < 0)
                return -1;
        return clone(agent_main, stack + AGENT_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, l);
}

/* ---- PID 1 ---- */

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void noop(int sig)
{
        (void)sig;
}

/* Reap every child; forward signals to the agent; enforce walltime:
 * SIGTERM to every process of the namespace, SIGKILL after the grace
 * period, exit 124. */
static void reap(rt_launch *l, pid_t agent, const sigset_t *set) __attribute__((noreturn));
static void reap(rt_launch *l, pid_t agent, const sigset_t *set)
{
        uint64_t wall = l->b->process.walltime_ms;
        long long deadline = wall ? now_ms() + (long long)wall : -1;
        int phase = 0; /* 1: SIGTERM sent, 2: SIGKILL sent */
        for (;;) {
                struct timespec ts = {.tv_sec = 3600}, *t = &ts;
                if (deadline >= 0) {
                        long long left = deadline - now_ms();
                        if (left < 0)
                                left = 0;
                        ts.tv_sec = left / 1000;
                        ts.tv_nsec = (left % 1000) * 1000000;
                }
                siginfo_t si;
                int sig = sigtimedwait(set, &si, t);
                if (sig < 0 && errno == EAGAIN && deadline >= 0 && now_ms() >= deadline) {
                        phase++;
                        kill(-1, phase == 1 ? SIGTERM : SIGKILL);
                        deadline = phase == 1 ? now_ms() + OSH_WALLTIME_GRACE_MS : -1;
                        if (phase == 1)
                                fprintf(stderr,
                                        "osh-run: walltime of %llu ms reached: "
                                        "SIGTERM\n",
                                        (unsigned long long)wall);
                        continue;
                }
                if (sig > 0 && sig != SIGCHLD) {
                        kill(agent, sig);
                        continue;
                }
                int st;
                pid_t p;
                while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
                        if (p != agent)
                                continue;
                        /* 'X': the agent is gone, so osh-run stops
                         * osh-proxy now, while this process's exit tears
                         * the namespaces down */
                        ctl_send(l->ctl, 'X', NULL, -1);
                        if (phase)
                                _exit(OSH_EXIT_WALLTIME);
                        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                }
        }
}

/* What osh-run decided after the clone: each parameter's value ('V'),
 * then 'P'.  Anything else, or EOF (osh-run refused and kills PID 1),
 * ends PID 1 here. */
static void receive_launch(rt_launch *l)
{
        static rt_params params;
        static char buf[RT_MSG_LEN + 2];
        int fd;
        for (;;) {
                ssize_t n = ctl_recv(l->ctl, buf, sizeof buf, &fd);
                if (fd >= 0)
                        close(fd);
                if (n < 1 || (buf[0] != 'V' && buf[0] != 'P'))
                        _exit(OSH_EXIT_REFUSED);
                if (buf[0] == 'P')
                        break;
                if ((uint32_t)params.n >= l->b->nparams || params.n >= OSHB_MAX_PARAMS)
                        _exit(OSH_EXIT_REFUSED);
                char *v = strdup(buf + 1);
                if (!v)
                        refuse(l->ctl, "parameters: out of memory");
                params.names[params.n] = l->b->params[params.n].name;
                params.values[params.n] = params.owned[params.n] = v;
                params.n++;
        }
        int abi, audit;
        unsigned uid, gid;
        if ((uint32_t)params.n != l->b->nparams ||
            sscanf(buf + 1, "%d %d %u %u", &abi, &audit, &uid, &gid) != 4)
                _exit(OSH_EXIT_REFUSED);
        /* osh-run may have started PID 1 on other CPUs than its own
         * (start_elsewhere): from here on, and for the agent, its set */
        if (l->have_cpus && sched_setaffinity(0, sizeof l->cpus, &l->cpus) < 0)
                refuse(l->ctl, "sched_setaffinity (osh-run's CPUs): %s", strerror(errno));
        l->params = &params;
        l->kernel.landlock_abi = abi;
        l->audit = audit != 0;
        l->uid_inside = uid;
        l->gid_inside = gid;
}

void sandbox_init(rt_launch *l)
{
        int fd;
        /* osh-run cloned PID 1 right after reading the bundle; it decides
         * the rest meanwhile ('V', 'P') and, rootless, writes the id maps:
         * creating namespaces and mounting need only the capabilities a new
         * user namespace starts with, and nothing here creates a file.
         * PID 1 changes no ids and forks nothing before 'G', which comes
         * after the maps.  Should osh-run refuse or die, its end of the
         * control socket closes and PID 1 exits at its next read. */
        if (l->ctl > 3)
                syscall(SYS_close_range, 3, l->ctl - 1, 0);
        syscall(SYS_close_range, l->ctl + 1, ~0U, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                refuse(l->ctl, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
        /* osh-run cloned PID 1 into the new pid (and user) namespace only:
         * the others are made here, while osh-run decides the rest; the
         * network namespace, the costliest by far, in a thread of its own
         * (net_start) while this one makes the rest and the mount view
         * (its unshare of the mount namespace gives this thread a copy of
         * the fs_struct the two shared: the network thread keeps the host's
         * view, which it needs only for /proc/thread-self) */
        net_job net = {.ctl = l->ctl, .listener = l->b->process.network, .ns = -1, .lfd = -1};
        pthread_t net_thread = net_start(&net);
        if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
                refuse(l->ctl, "unshare the mount, ipc and uts namespaces: %s", strerror(errno));
        const char *host = l->b->process.hostname ? l->b->process.hostname : "osh-sandbox";
        if (sethostname(host, strlen(host)) < 0)
                refuse(l->ctl, "sethostname %s: %s", host, strerror(errno));
        receive_launch(l);
        mount_view(l);
        drop_bounding_set(l);
        net_join(net_thread, &net);
        /* into the cgroup leaf (osh-run made it meanwhile): each 'C' is a
         * cgroup v1 leaf's `tasks` file, opened by osh-run, where PID 1
         * (single-threaded again: net_join waited for the network thread)
         * writes "0", itself: a thread moving itself
         * skips the kernel's global threadgroup lock.  'G': PID 1 is in
         * every leaf; everything forked from here on stays in them. */
        char cbuf[RT_ERR_LEN + 2];
        for (;;) {
                if (ctl_recv(l->ctl, cbuf, sizeof cbuf, &fd) < 1)
                        _exit(OSH_EXIT_REFUSED);
                if (cbuf[0] == 'G' && fd < 0)
                        break;
                if (cbuf[0] == 'R' && fd >= 0 && l->ll_fd < 0) {
                        l->ll_fd = fd;
                        snprintf(l->ll_left, sizeof l->ll_left, "%s", cbuf + 1);
                        continue;
                }
                if (cbuf[0] != 'C' || fd < 0)
                        _exit(OSH_EXIT_REFUSED);
                if (write(fd, "0", 1) != 1)
                        refuse(l->ctl, "cannot move into the cgroup leaf: writing %s failed (%s)",
                               cbuf + 1, strerror(errno));
                close(fd);
        }
        /* rootless, PID 1 has the agent's uid: keep /proc/1 (osh-run's
         * environment, its memory) out of the agent's reach.  Not before
         * 'G': a process that is not dumpable has its /proc files owned by
         * root, so osh-run, rootless, could not write its id maps. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                refuse(l->ctl, "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
        /* now inside the cgroup leaf: make it the root of what the agent sees */
        if (unshare(CLONE_NEWCGROUP) < 0)
                refuse(l->ctl, "unshare(CLONE_NEWCGROUP): %s", strerror(errno));
        sigset_t set;
        sigemptyset(&set);
        struct sigaction sa = {.sa_handler = noop};
        for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) {
                sigaddset(&set, forwarded[i]);
                sigaction(forwarded[i], &sa, NULL);
        }
        sigaddset(&set, SIGCHLD);
        sigaction(SIGCHLD, &sa, NULL);
        sigprocmask(SIG_BLOCK, &set, NULL);
        pid_t agent = spawn_agent(l);
        if (agent < 0)
                refuse(l->ctl, "start the agent: %s", strerror(errno));
        if (l->ll_fd >= 0)
                close(l->ll_fd); /* the agent had its own copy */
        reap(l, agent, &set);
}
