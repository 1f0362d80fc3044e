/*
 * seccomp_bench.c - the seccomp backend against plain libseccomp.
 *
 *   seccomp_bench [FILE.osh...]      (default: stdlib-policies/examples/*.osh,
 *                                     given by seccomp_bench.sh)
 *
 * For every policy of the files, and for a Docker-like profile (the shape
 * of the OCI default profile: default errno(EPERM), about 300 allowed
 * names, conditions on personality, clone and socket, clone3 answered
 * ENOSYS), it prints:
 *
 *   ours:  the time to compile (front end: load, check, lower; then the
 *          seccomp backend), the BPF length, and the worst-case and mean
 *          number of instructions the interpreter executes per syscall,
 *          over every syscall number 0..max of the arch with zero
 *          arguments;
 *   peer:  the same figures for libseccomp with its defaults (no binary
 *          tree), the same rules added directly with seccomp_rule_add as
 *          a user would write them: each comparison as one libseccomp
 *          comparison (==, !=, <, ... on the whole 64-bit register), ||
 *          as separate rules, no region logic.  Rules whose action is the
 *          default are refused by libseccomp and dropped, and overlapping
 *          rules are resolved libseccomp's way, so the peer's program is
 *          not always the policy's meaning: it is the baseline for size
 *          and speed only.
 *
 * Times are the best of several runs, in milliseconds.
 */
#include "backends/backends.h"
#include "backends/bpf.h"
#include "compiler/ir.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RUNS 15

static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* ---- the Docker-like profile ---- */

/* The names the OCI/Docker default profile allows unconditionally (its
 * shape: what an ordinary container may call).  Names a given arch lacks
 * are left out of the generated policy. */
static const char *const docker_names[] = {"accept",
                                           "accept4",
                                           "access",
                                           "adjtimex",
                                           "alarm",
                                           "bind",
                                           "brk",
                                           "capget",
                                           "capset",
                                           "chdir",
                                           "chmod",
                                           "chown",
                                           "chown32",
                                           "clock_adjtime",
                                           "clock_adjtime64",
                                           "clock_getres",
                                           "clock_getres_time64",
                                           "clock_gettime",
                                           "clock_gettime64",
                                           "clock_nanosleep",
                                           "clock_nanosleep_time64",
                                           "close",
                                           "close_range",
                                           "connect",
                                           "copy_file_range",
                                           "creat",
                                           "dup",
                                           "dup2",
                                           "dup3",
                                           "epoll_create",
                                           "epoll_create1",
                                           "epoll_ctl",
                                           "epoll_ctl_old",
                                           "epoll_pwait",
                                           "epoll_pwait2",
                                           "epoll_wait",
                                           "epoll_wait_old",
                                           "eventfd",
                                           "eventfd2",
                                           "execve",
                                           "execveat",
                                           "exit",
                                           "exit_group",
                                           "faccessat",
                                           "faccessat2",
                                           "fadvise64",
                                           "fadvise64_64",
                                           "fallocate",
                                           "fanotify_mark",
                                           "fchdir",
                                           "fchmod",
                                           "fchmodat",
                                           "fchown",
                                           "fchown32",
                                           "fchownat",
                                           "fcntl",
                                           "fcntl64",
                                           "fdatasync",
                                           "fgetxattr",
                                           "flistxattr",
                                           "flock",
                                           "fork",
                                           "fremovexattr",
                                           "fsetxattr",
                                           "fstat",
                                           "fstat64",
                                           "fstatat64",
                                           "fstatfs",
                                           "fstatfs64",
                                           "fsync",
                                           "ftruncate",
                                           "ftruncate64",
                                           "futex",
                                           "futex_time64",
                                           "futex_waitv",
                                           "futimesat",
                                           "getcpu",
                                           "getcwd",
                                           "getdents",
                                           "getdents64",
                                           "getegid",
                                           "getegid32",
                                           "geteuid",
                                           "geteuid32",
                                           "getgid",
                                           "getgid32",
                                           "getgroups",
                                           "getgroups32",
                                           "getitimer",
                                           "getpeername",
                                           "getpgid",
                                           "getpgrp",
                                           "getpid",
                                           "getppid",
                                           "getpriority",
                                           "getrandom",
                                           "getresgid",
                                           "getresgid32",
                                           "getresuid",
                                           "getresuid32",
                                           "getrlimit",
                                           "get_robust_list",
                                           "getrusage",
                                           "getsid",
                                           "getsockname",
                                           "getsockopt",
                                           "get_thread_area",
                                           "gettid",
                                           "gettimeofday",
                                           "getuid",
                                           "getuid32",
                                           "getxattr",
                                           "inotify_add_watch",
                                           "inotify_init",
                                           "inotify_init1",
                                           "inotify_rm_watch",
                                           "io_cancel",
                                           "ioctl",
                                           "io_destroy",
                                           "io_getevents",
                                           "io_pgetevents",
                                           "io_pgetevents_time64",
                                           "ioprio_get",
                                           "ioprio_set",
                                           "io_setup",
                                           "io_submit",
                                           "ipc",
                                           "kill",
                                           "landlock_add_rule",
                                           "landlock_create_ruleset",
                                           "landlock_restrict_self",
                                           "lchown",
                                           "lchown32",
                                           "lgetxattr",
                                           "link",
                                           "linkat",
                                           "listen",
                                           "listxattr",
                                           "llistxattr",
                                           "_llseek",
                                           "lremovexattr",
                                           "lseek",
                                           "lsetxattr",
                                           "lstat",
                                           "lstat64",
                                           "madvise",
                                           "membarrier",
                                           "memfd_create",
                                           "mincore",
                                           "mkdir",
                                           "mkdirat",
                                           "mknod",
                                           "mknodat",
                                           "mlock",
                                           "mlock2",
                                           "mlockall",
                                           "mmap",
                                           "mmap2",
                                           "mprotect",
                                           "mq_getsetattr",
                                           "mq_notify",
                                           "mq_open",
                                           "mq_timedreceive",
                                           "mq_timedreceive_time64",
                                           "mq_timedsend",
                                           "mq_timedsend_time64",
                                           "mq_unlink",
                                           "mremap",
                                           "msgctl",
                                           "msgget",
                                           "msgrcv",
                                           "msgsnd",
                                           "msync",
                                           "munlock",
                                           "munlockall",
                                           "munmap",
                                           "name_to_handle_at",
                                           "nanosleep",
                                           "newfstatat",
                                           "_newselect",
                                           "open",
                                           "openat",
                                           "openat2",
                                           "pause",
                                           "pidfd_open",
                                           "pidfd_send_signal",
                                           "pipe",
                                           "pipe2",
                                           "pkey_alloc",
                                           "pkey_free",
                                           "pkey_mprotect",
                                           "poll",
                                           "ppoll",
                                           "ppoll_time64",
                                           "prctl",
                                           "pread64",
                                           "preadv",
                                           "preadv2",
                                           "prlimit64",
                                           "process_mrelease",
                                           "pselect6",
                                           "pselect6_time64",
                                           "pwrite64",
                                           "pwritev",
                                           "pwritev2",
                                           "read",
                                           "readahead",
                                           "readlink",
                                           "readlinkat",
                                           "readv",
                                           "recv",
                                           "recvfrom",
                                           "recvmmsg",
                                           "recvmmsg_time64",
                                           "recvmsg",
                                           "remap_file_pages",
                                           "removexattr",
                                           "rename",
                                           "renameat",
                                           "renameat2",
                                           "restart_syscall",
                                           "rmdir",
                                           "rseq",
                                           "rt_sigaction",
                                           "rt_sigpending",
                                           "rt_sigprocmask",
                                           "rt_sigqueueinfo",
                                           "rt_sigreturn",
                                           "rt_sigsuspend",
                                           "rt_sigtimedwait",
                                           "rt_sigtimedwait_time64",
                                           "rt_tgsigqueueinfo",
                                           "sched_getaffinity",
                                           "sched_getattr",
                                           "sched_getparam",
                                           "sched_get_priority_max",
                                           "sched_get_priority_min",
                                           "sched_getscheduler",
                                           "sched_rr_get_interval",
                                           "sched_rr_get_interval_time64",
                                           "sched_setaffinity",
                                           "sched_setattr",
                                           "sched_setparam",
                                           "sched_setscheduler",
                                           "sched_yield",
                                           "seccomp",
                                           "select",
                                           "semctl",
                                           "semget",
                                           "semop",
                                           "semtimedop",
                                           "semtimedop_time64",
                                           "send",
                                           "sendfile",
                                           "sendfile64",
                                           "sendmmsg",
                                           "sendmsg",
                                           "sendto",
                                           "setfsgid",
                                           "setfsgid32",
                                           "setfsuid",
                                           "setfsuid32",
                                           "setgid",
                                           "setgid32",
                                           "setgroups",
                                           "setgroups32",
                                           "setitimer",
                                           "setpgid",
                                           "setpriority",
                                           "setregid",
                                           "setregid32",
                                           "setresgid",
                                           "setresgid32",
                                           "setresuid",
                                           "setresuid32",
                                           "setreuid",
                                           "setreuid32",
                                           "setrlimit",
                                           "set_robust_list",
                                           "setsid",
                                           "setsockopt",
                                           "set_thread_area",
                                           "set_tid_address",
                                           "setuid",
                                           "setuid32",
                                           "setxattr",
                                           "shmat",
                                           "shmctl",
                                           "shmdt",
                                           "shmget",
                                           "shutdown",
                                           "sigaltstack",
                                           "signalfd",
                                           "signalfd4",
                                           "sigprocmask",
                                           "sigreturn",
                                           "socketcall",
                                           "socketpair",
                                           "splice",
                                           "stat",
                                           "stat64",
                                           "statfs",
                                           "statfs64",
                                           "statx",
                                           "symlink",
                                           "symlinkat",
                                           "sync",
                                           "sync_file_range",
                                           "syncfs",
                                           "sysinfo",
                                           "tee",
                                           "tgkill",
                                           "time",
                                           "timer_create",
                                           "timer_delete",
                                           "timer_getoverrun",
                                           "timer_gettime",
                                           "timer_gettime64",
                                           "timer_settime",
                                           "timer_settime64",
                                           "timerfd_create",
                                           "timerfd_gettime",
                                           "timerfd_gettime64",
                                           "timerfd_settime",
                                           "timerfd_settime64",
                                           "times",
                                           "tkill",
                                           "truncate",
                                           "truncate64",
                                           "ugetrlimit",
                                           "umask",
                                           "uname",
                                           "unlink",
                                           "unlinkat",
                                           "utime",
                                           "utimensat",
                                           "utimensat_time64",
                                           "utimes",
                                           "vfork",
                                           "vmsplice",
                                           "wait4",
                                           "waitid",
                                           "waitpid",
                                           "write",
                                           "writev",
                                           "arch_prctl",
                                           "modify_ldt",
                                           NULL};

/* The profile as a policy: the names the native arch has. */
static char *docker_policy(int *nallowed)
{
        size_t cap = 16384, n = 0;
        char *text = malloc(cap);
        if (!text)
                abort();
        n +=
            (size_t)snprintf(text + n, cap - n,
                             "policy docker_like {\n    syscalls {\n        default errno(EPERM);\n"
                             "        allow ");
        *nallowed = 0;
        uint32_t native = seccomp_arch_native();
        for (int i = 0; docker_names[i]; i++) {
                if (seccomp_syscall_resolve_name_arch(native, docker_names[i]) < 0)
                        continue;
                n += (size_t)snprintf(text + n, cap - n, "%s%s", *nallowed ? ", " : "",
                                      docker_names[i]);
                ++*nallowed;
        }
        snprintf(text + n, cap - n,
                 ";\n"
                 "        allow personality when persona in { 0, 8, 0x20000, 0x20008, "
                 "0xffffffff };\n"
                 "        allow clone when flags & 0x7e020000 == 0;\n"
                 "        errno(ENOSYS) clone3;\n"
                 "        allow socket when domain != AF_VSOCK;\n"
                 "    }\n}\n");
        return text;
}

/* ---- running programs ---- */

typedef struct run_stats {
        uint32_t len;
        uint32_t worst;
        double mean;
} run_stats;

static int max_syscall(uint32_t arch)
{
        int max = 0;
        for (int nr = 0; nr < 4096; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(arch, nr);
                if (name)
                        max = nr;
                free(name);
        }
        return max;
}

static run_stats measure(const oshb_insn *prog, uint32_t n, uint32_t arch)
{
        run_stats s = {n, 0, 0};
        int max = max_syscall(arch);
        double total = 0;
        for (int nr = 0; nr <= max; nr++) {
                bpf_seccomp_data d = {.nr = (uint32_t)nr, .arch = arch};
                bpf_run_result r = bpf_run(prog, n, &d, false);
                if (!r.ok) {
                        fprintf(stderr, "seccomp_bench: program error at %u: %s\n", r.pc, r.error);
                        exit(1);
                }
                if (r.steps > s.worst)
                        s.worst = r.steps;
                total += r.steps;
        }
        s.mean = total / (max + 1);
        return s;
}

/* ---- the peer: the rules straight into libseccomp ---- */

static enum scmp_compare scmp_op(cmp_op op)
{
        switch (op) {
        case CMP_EQ:
                return SCMP_CMP_EQ;
        case CMP_NE:
                return SCMP_CMP_NE;
        case CMP_LT:
                return SCMP_CMP_LT;
        case CMP_LE:
                return SCMP_CMP_LE;
        case CMP_GT:
                return SCMP_CMP_GT;
        case CMP_GE:
                return SCMP_CMP_GE;
        }
        return SCMP_CMP_EQ;
}

static cmp_op flip(cmp_op op)
{
        static const cmp_op neg[] = {CMP_NE, CMP_EQ, CMP_GE, CMP_GT, CMP_LE, CMP_LT};
        return neg[op];
}

/* One conjunction of comparisons (at most one per argument, as libseccomp
 * wants), or `bad` when the condition does not fit that shape. */
typedef struct conj {
        struct scmp_arg_cmp cmp[6];
        int n;
} conj;

typedef struct conj_list {
        conj v[256];
        int n;
        bool bad;
} conj_list;

static bool conj_add(conj *c, const ir_cond *x, bool neg)
{
        for (int i = 0; i < c->n; i++)
                if (c->cmp[i].arg == (unsigned)x->arg)
                        return false; /* a second comparison of the same argument */
        cmp_op op = neg ? flip(x->op) : x->op;
        struct scmp_arg_cmp *s = &c->cmp[c->n++];
        s->arg = (unsigned)x->arg;
        bool masked = x->mask != ~0ull && !(x->width == 32 && x->mask == 0xffffffffull);
        if (masked) {
                if (op != CMP_EQ)
                        return false;
                s->op = SCMP_CMP_MASKED_EQ;
                s->datum_a = x->mask;
                s->datum_b = x->value;
        } else {
                s->op = scmp_op(op);
                s->datum_a = x->value;
                s->datum_b = 0;
        }
        return true;
}

/* The DNF of c (negated when neg) over libseccomp comparisons. */
static void to_conjs(const ir_cond *c, bool neg, conj_list *out)
{
        out->n = 0;
        out->bad = false;
        if (!c || c->kind == COND_TRUE) {
                out->v[out->n++] = (conj){.n = 0};
                out->bad = neg;
                return;
        }
        if (c->kind == COND_CMP) {
                out->v[0].n = 0;
                out->bad = !conj_add(&out->v[0], c, neg);
                out->n = 1;
                return;
        }
        if (c->kind == COND_NOT) {
                to_conjs(c->l, !neg, out);
                return;
        }
        conj_list *l = calloc(2, sizeof(conj_list));
        if (!l)
                abort();
        to_conjs(c->l, neg, &l[0]);
        to_conjs(c->r, neg, &l[1]);
        out->bad = l[0].bad || l[1].bad;
        if ((c->kind == COND_OR) != neg) {
                for (int k = 0; k < 2; k++)
                        for (int i = 0; i < l[k].n && out->n < 256; i++)
                                out->v[out->n++] = l[k].v[i];
        } else {
                for (int i = 0; i < l[0].n; i++)
                        for (int j = 0; j < l[1].n && out->n < 256; j++) {
                                conj q = l[0].v[i];
                                for (int k = 0; k < l[1].v[j].n; k++) {
                                        bool dup = false;
                                        for (int m = 0; m < q.n; m++)
                                                dup |= q.cmp[m].arg == l[1].v[j].cmp[k].arg;
                                        if (dup)
                                                out->bad = true;
                                        else
                                                q.cmp[q.n++] = l[1].v[j].cmp[k];
                                }
                                out->v[out->n++] = q;
                        }
        }
        free(l);
}

typedef struct peer_result {
        oshb_insn *insns;
        uint32_t n;
        int rules, dropped, unexpressible;
} peer_result;

static peer_result peer_build(const ir_policy *p)
{
        peer_result pr = {0};
        scmp_filter_ctx ctx = seccomp_init(bpf_action_ret(p->sys_default));
        conj_list *cl = malloc(sizeof(conj_list));
        if (!ctx || !cl)
                abort();
        for (int i = 0; i < p->nsyscalls; i++) {
                int nr = seccomp_syscall_resolve_name(p->syscalls[i].name);
                if (nr < 0)
                        continue;
                for (int r = 0; r < p->syscalls[i].nrules; r++) {
                        const ir_sys_rule *rule = &p->syscalls[i].rules[r];
                        to_conjs(rule->cond, false, cl);
                        if (cl->bad) {
                                pr.unexpressible++;
                                continue;
                        }
                        for (int k = 0; k < cl->n; k++) {
                                int rc =
                                    seccomp_rule_add_array(ctx, bpf_action_ret(rule->action), nr,
                                                           (unsigned)cl->v[k].n, cl->v[k].cmp);
                                if (rc < 0)
                                        pr.dropped++;
                                else
                                        pr.rules++;
                        }
                }
        }
        free(cl);
        int fd = memfd_create("bench", MFD_CLOEXEC);
        if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
                abort();
        off_t len = lseek(fd, 0, SEEK_END);
        pr.n = (uint32_t)(len / 8);
        pr.insns = malloc((size_t)len + 8);
        if (!pr.insns || pread(fd, pr.insns, (size_t)len, 0) != len)
                abort();
        close(fd);
        seccomp_release(ctx);
        return pr;
}

/* ---- ours ---- */

typedef struct ours_result {
        double frontend_ms, backend_ms;
        oshb_seccomp_prog prog;
        bool ok;
} ours_result;

/* Load, check and lower `text`; pick `policy`. */
static ir_policy *frontend(osh_ctx *c, const char *name, const char *text, const char *policy)
{
        osh_ctx_init(c);
        c->stdlib_dir = "stdlib-policies";
        c->out = stderr;
        if (!osh_load_text(c, name, text, strlen(text)) || c->nerrors) {
                diag_flush(c);
                return NULL;
        }
        ir_program *prog = ir_lower(c);
        if (!prog) {
                diag_flush(c);
                return NULL;
        }
        return policy ? ir_find_policy(prog, policy) : prog->policies[0];
}

static ours_result ours(const char *name, const char *text, const char *policy)
{
        ours_result r = {.frontend_ms = 1e9, .backend_ms = 1e9};
        for (int run = 0; run < RUNS; run++) {
                osh_ctx c;
                double t0 = now_ms();
                ir_policy *p = frontend(&c, name, text, policy);
                double t1 = now_ms();
                oshb_bundle b;
                memset(&b, 0, sizeof(b));
                r.ok = p && backend_seccomp(&c, p, &b) && b.nseccomp > 0;
                double t2 = now_ms();
                if (!r.ok) {
                        diag_flush(&c);
                        osh_ctx_free(&c);
                        return r;
                }
                if (t1 - t0 < r.frontend_ms)
                        r.frontend_ms = t1 - t0;
                if (t2 - t1 < r.backend_ms)
                        r.backend_ms = t2 - t1;
                free(r.prog.insns);
                r.prog = b.seccomp[0];
                r.prog.insns = malloc(sizeof(oshb_insn) * r.prog.ninsns);
                memcpy(r.prog.insns, b.seccomp[0].insns, sizeof(oshb_insn) * r.prog.ninsns);
                osh_ctx_free(&c);
        }
        return r;
}

/* ---- the report ---- */

/* socket(AF_VSOCK) with garbage in the upper half of the 32-bit domain:
 * the kernel creates an AF_VSOCK socket, which the profile denies. */
static void probe_vsock(const oshb_seccomp_prog *ours, const oshb_insn *peer, uint32_t npeer)
{
        bpf_seccomp_data d = {.nr = (uint32_t)seccomp_syscall_resolve_name("socket"),
                              .arch = seccomp_arch_native()};
        d.args[0] = 40 /* AF_VSOCK */ | 1ull << 32;
        char a[64], b[64];
        printf("  probe socket(AF_VSOCK | 1 << 32): oshc %s, libseccomp defaults %s\n",
               bpf_ret_name(bpf_run(ours->insns, ours->ninsns, &d, false).ret, a, sizeof(a)),
               bpf_ret_name(bpf_run(peer, npeer, &d, false).ret, b, sizeof(b)));
}

static void bench_policy(const char *name, const char *text, const char *policy)
{
        ours_result o = ours(name, text, policy);
        if (!o.ok) {
                printf("%-16s  does not compile (see above)\n", policy ? policy : name);
                return;
        }
        run_stats so = measure(o.prog.insns, o.prog.ninsns, o.prog.audit_arch);
        /* the peer, on the same IR */
        osh_ctx c;
        ir_policy *p = frontend(&c, name, text, policy);
        double best = 1e9;
        peer_result pr = {0};
        for (int run = 0; run < RUNS; run++) {
                free(pr.insns);
                double t0 = now_ms();
                pr = peer_build(p);
                double t = now_ms() - t0;
                if (t < best)
                        best = t;
        }
        run_stats sp = measure(pr.insns, pr.n, seccomp_arch_native());
        printf("%-16s %4d | %6.2f + %6.2f = %6.2f %6u %6u %7.1f | %6.2f %6u %6u %7.1f  (%d rules, "
               "%d dropped, %d not expressible)\n",
               p->name, p->nsyscalls, o.frontend_ms, o.backend_ms, o.frontend_ms + o.backend_ms,
               so.len, so.worst, so.mean, best, sp.len, sp.worst, sp.mean, pr.rules, pr.dropped,
               pr.unexpressible);
        if (!strcmp(p->name, "docker_like"))
                probe_vsock(&o.prog, pr.insns, pr.n);
        free(pr.insns);
        free(o.prog.insns);
        osh_ctx_free(&c);
}

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "seccomp_bench: %s: %s\n", path, strerror(errno));
                exit(2);
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
                exit(2);
        buf[n] = 0;
        fclose(f);
        return buf;
}

int main(int argc, char **argv)
{
        printf("seccomp: oshc (regions + libseccomp, binary tree) vs libseccomp defaults "
               "(rules added directly); arch %s, syscalls 0..%d, zero args, best of %d runs\n\n",
               audit_arch_name(seccomp_arch_native()), max_syscall(seccomp_arch_native()), RUNS);
        printf("%-16s %4s | %-30s %6s %6s %7s | %6s %6s %6s %7s\n", "policy", "sys",
               "oshc ms: front + seccomp = all", "insns", "worst", "mean", "ms", "insns", "worst",
               "mean");
        for (int i = 1; i < argc; i++) {
                char *text = slurp(argv[i]);
                osh_ctx c;
                osh_ctx_init(&c);
                c.stdlib_dir = "stdlib-policies";
                osh_load_text(&c, argv[i], text, strlen(text));
                ir_program *prog = c.nerrors ? NULL : ir_lower(&c);
                for (int k = 0; prog && k < prog->npolicies; k++)
                        if (prog->policies[k]->has_syscalls)
                                bench_policy(argv[i], text, prog->policies[k]->name);
                osh_ctx_free(&c);
                free(text);
        }
        int nallowed;
        char *docker = docker_policy(&nallowed);
        bench_policy("docker_like.osh", docker, "docker_like");
        printf("\ndocker_like: default errno(EPERM), %d names allowed, personality in 5 values, "
               "clone flags & 0x7e020000 == 0, socket domain != AF_VSOCK, clone3 ENOSYS.\n"
               "The peer compares all 64 bits of 32-bit arguments (the probe above), and "
               "drops rules whose action is the default.\n",
               nallowed);
        free(docker);
        return 0;
}
