/*
 * preflight.c - does this kernel offer what the bundle needs? (libc only)
 *
 * Before anything is created, osh-run asks the kernel what it can enforce
 * and refuses, with what is missing and how to get it, when that is less
 * than the policy needs (DESIGN §6: fail closed).  Two halves, so the
 * decision can be tested on any kernel:
 *   preflight_probe   what the kernel offers: the Landlock ABI, seccomp
 *                     filters, seccomp user notification, user namespaces
 *                     (only asked when not root: root needs none)
 *   preflight_decide  the refusals: Landlock below the bundle's minimum ABI
 *                     (unless the policy said `requires landlock
 *                     best-effort;`, in which case every right the kernel
 *                     cannot enforce is printed, one line each, and the run
 *                     goes on), no seccomp (always), no user notification
 *                     when a filter returns USER_NOTIF, rootless without
 *                     user namespaces.
 */
#include "runtime.h"

#include "../backends/landlock_abi.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- probing ---- */

static void probe_landlock(rt_kernel *k)
{
        long v = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        k->landlock_abi = v < 0 ? 0 : (int)v;
        k->landlock_errno = v < 0 ? errno : 0;
}

/* Does /proc/self/status have the line "Seccomp:"? */
static bool status_has_seccomp(void)
{
        FILE *f = fopen("/proc/self/status", "r");
        if (!f)
                return false;
        char line[256];
        bool found = false;
        while (!found && fgets(line, sizeof line, f))
                found = !strncmp(line, "Seccomp:", 8);
        fclose(f);
        return found;
}

static void probe_seccomp(rt_kernel *k)
{
        uint32_t action = SECCOMP_RET_KILL_PROCESS;
        struct seccomp_notif_sizes sizes;
        k->seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && status_has_seccomp() &&
                     syscall(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
        k->seccomp_notify = syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

/* The integer in a /proc/sys file; false when the file is absent. */
static bool read_sysctl(const char *path, long *v)
{
        FILE *f = fopen(path, "r");
        if (!f)
                return false;
        bool ok = fscanf(f, "%ld", v) == 1;
        fclose(f);
        return ok;
}

/* Can an unprivileged child create a user namespace?  Only an attempt
 * tells: a container's seccomp profile can forbid it whatever the
 * sysctls say.  0, or the errno of unshare(2). */
static int try_unshare_userns(void)
{
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : (errno & 0xff));
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : EPERM;
}

/* NULL when user namespaces work; else what blocks them and how to
 * enable them. */
static const char *userns_blocker(void)
{
        static char why[256];
        long v;
        if (read_sysctl("/proc/sys/user/max_user_namespaces", &v) && v <= 0)
                return "user.max_user_namespaces is 0: as root, run `sysctl -w "
                       "user.max_user_namespaces=15000` (and set it in /etc/sysctl.d/)";
        if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone", &v) && v == 0)
                return "kernel.unprivileged_userns_clone is 0: as root, run `sysctl -w "
                       "kernel.unprivileged_userns_clone=1` (and set it in /etc/sysctl.d/)";
        if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) && v != 0)
                return "AppArmor restricts unprivileged user namespaces "
                       "(kernel.apparmor_restrict_unprivileged_userns=1): as root, run `sysctl -w "
                       "kernel.apparmor_restrict_unprivileged_userns=0`, or give osh-run an "
                       "AppArmor profile with the `userns,` rule";
        int e = try_unshare_userns();
        if (e == 0)
                return NULL;
        snprintf(why, sizeof why,
                 "unshare(CLONE_NEWUSER) failed in a test child (%s) although the sysctls allow "
                 "it: a container's seccomp profile or a security module forbids it; allow it "
                 "there",
                 strerror(e));
        return why;
}

void preflight_probe_kernel(rt_kernel *k)
{
        *k = (rt_kernel){0};
        probe_landlock(k);
        probe_seccomp(k);
        k->root = geteuid() == 0;
}

void preflight_probe(rt_kernel *k)
{
        preflight_probe_kernel(k);
        if (!k->root) {
                k->userns_why = userns_blocker();
                k->userns = k->userns_why == NULL;
        }
}

/* ---- what each ABI added ---- */

static const struct {
        const char *linux_version;
        const char *feature;
} abi_info[OSH_LANDLOCK_ABI_KNOWN + 1] = {
    {"", ""},
    {"5.13", "filesystem rules"},
    {"5.19", "rename and link across directories (FS_REFER)"},
    {"6.2", "truncation (FS_TRUNCATE)"},
    {"6.7", "TCP port rules"},
    {"6.10", "device ioctls (FS_IOCTL_DEV)"},
    {"6.12", "abstract Unix socket and signal scoping"},
    {"6.15", "audit logging flags"},
};

/* "TCP port rules, device ioctls (FS_IOCTL_DEV)": what ABIs from+1..to add. */
static void features_between(int from, int to, char *buf, size_t len)
{
        size_t n = 0;
        buf[0] = '\0';
        for (int a = from + 1; a <= to && n < len; a++) {
                const char *f = a <= OSH_LANDLOCK_ABI_KNOWN ? abi_info[a].feature
                                                            : "features newer than osh-run knows";
                n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", f);
        }
}

static const char *linux_for_abi(int abi)
{
        return abi >= 1 && abi <= OSH_LANDLOCK_ABI_KNOWN ? abi_info[abi].linux_version : "?";
}

/* One name and meaning per right, by bit. */
static const char *const fs_right_names[16] = {
    "FS_EXECUTE (execute files)",
    "FS_WRITE_FILE (write files)",
    "FS_READ_FILE (read files)",
    "FS_READ_DIR (list directories)",
    "FS_REMOVE_DIR (remove directories)",
    "FS_REMOVE_FILE (remove files)",
    "FS_MAKE_CHAR (create character devices)",
    "FS_MAKE_DIR (create directories)",
    "FS_MAKE_REG (create files)",
    "FS_MAKE_SOCK (create Unix sockets)",
    "FS_MAKE_FIFO (create FIFOs)",
    "FS_MAKE_BLOCK (create block devices)",
    "FS_MAKE_SYM (create symlinks)",
    "FS_REFER (rename and link across directories)",
    "FS_TRUNCATE (truncate(2), ftruncate(2), O_TRUNC)",
    "FS_IOCTL_DEV (ioctl(2) on devices)",
};
static const char *const net_right_names[2] = {
    "NET_BIND_TCP (bind TCP ports)",
    "NET_CONNECT_TCP (connect to TCP ports)",
};
static const char *const scope_names[2] = {
    "SCOPE_ABSTRACT_UNIX_SOCKET (connect to abstract Unix sockets outside the sandbox)",
    "SCOPE_SIGNAL (signal processes outside the sandbox)",
};

static int note_bits(FILE *notes, int abi, uint64_t missing, const char *const *names, int n)
{
        int count = 0;
        for (int bit = 0; bit < 64; bit++) {
                if (!(missing & (1ULL << bit)))
                        continue;
                fprintf(notes,
                        "osh-run: best-effort: not enforced: Landlock %s (this kernel has ABI "
                        "%d)\n",
                        bit < n ? names[bit] : "right of an unknown bit", abi);
                count++;
        }
        return count;
}

/* Print one line per right the bundle handles that the kernel's ABI
 * cannot enforce; returns how many. */
static int note_unenforced(const oshb_bundle *b, int abi, FILE *notes)
{
        osh_ll_abi_rights row = landlock_rights_for_abi(abi);
        const oshb_landlock *l = &b->landlock;
        int n = note_bits(notes, abi, l->handled_fs & ~row.fs, fs_right_names, 16);
        n += note_bits(notes, abi, l->handled_net & ~row.net, net_right_names, 2);
        n += note_bits(notes, abi, l->scoped & ~row.scoped, scope_names, 2);
        return n;
}

/* ---- the decision ---- */

static const char *policy_name(const oshb_bundle *b)
{
        return b->meta.policy ? b->meta.policy : "?";
}

static int decide_landlock(const oshb_bundle *b, const rt_kernel *k, FILE *notes, char *err,
                           size_t errlen)
{
        int need = (int)b->meta.landlock_min_abi, have = k->landlock_abi;
        if (have >= need)
                return 0;
        if (b->meta.best_effort) {
                fprintf(notes,
                        "osh-run: best-effort: this kernel offers Landlock ABI %d; policy %s "
                        "asks for ABI %d and allows running with less\n",
                        have, policy_name(b), need);
                note_unenforced(b, have, notes);
                return 0;
        }
        char missing[512], offers[160];
        features_between(have, need, missing, sizeof missing);
        if (have == 0 && k->landlock_errno == EOPNOTSUPP)
                snprintf(offers, sizeof offers,
                         "this kernel has Landlock built in but not enabled (add landlock to the "
                         "lsm= boot parameter)");
        else if (have == 0)
                snprintf(offers, sizeof offers, "this kernel has no Landlock (Linux >= 5.13)");
        else
                snprintf(offers, sizeof offers, "this kernel offers Landlock ABI %d", have);
        char where[64];
        if (need <= OSH_LANDLOCK_ABI_KNOWN)
                snprintf(where, sizeof where, "Linux >= %s", linux_for_abi(need));
        else
                snprintf(where, sizeof where, "a kernel with Landlock ABI %d", need);
        return refuse(err, errlen,
                      "%s; policy %s needs ABI %d (%s): run on %s, or add `requires landlock "
                      "best-effort;` to the policy to run without %s",
                      offers, policy_name(b), need, missing, where, missing);
}

/* Does any seccomp program return SECCOMP_RET_USER_NOTIF? */
static bool uses_user_notif(const oshb_bundle *b)
{
        for (uint32_t i = 0; i < b->nseccomp; i++)
                for (uint32_t j = 0; j < b->seccomp[i].ninsns; j++) {
                        const oshb_insn *in = &b->seccomp[i].insns[j];
                        if (in->code == 0x06 /* BPF_RET|BPF_K */ &&
                            (in->k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
                                return true;
                }
        return false;
}

static int decide_seccomp(const oshb_bundle *b, const rt_kernel *k, char *err, size_t errlen)
{
        if (!k->seccomp)
                return refuse(err, errlen,
                              "this kernel offers no seccomp filters (prctl(PR_GET_SECCOMP), "
                              "/proc/self/status \"Seccomp:\" or "
                              "seccomp(SECCOMP_GET_ACTION_AVAIL) failed): run on a kernel built "
                              "with CONFIG_SECCOMP_FILTER (Linux >= 4.14); osh-run never starts "
                              "an agent without its syscall filter");
        if (!k->seccomp_notify && uses_user_notif(b))
                return refuse(err, errlen,
                              "policy %s has `notify` syscall rules but this kernel has no "
                              "seccomp user notification (seccomp(SECCOMP_GET_NOTIF_SIZES) "
                              "failed): run on Linux >= 5.0, or change `notify` to `deny`",
                              policy_name(b));
        return 0;
}

static int decide_userns(const rt_kernel *k, char *err, size_t errlen)
{
        if (k->root || k->userns)
                return 0;
        return refuse(err, errlen,
                      "rootless launch needs user namespaces, and this host forbids them: %s; "
                      "or run osh-run as root",
                      k->userns_why ? k->userns_why : "unknown reason");
}

int preflight_decide(const oshb_bundle *b, const rt_kernel *k, FILE *notes, char *err,
                     size_t errlen)
{
        if (decide_seccomp(b, k, err, errlen) < 0)
                return -1;
        if (decide_userns(k, err, errlen) < 0)
                return -1;
        return decide_landlock(b, k, notes, err, errlen);
}

int preflight(const oshb_bundle *b, rt_kernel *k, char *err, size_t errlen)
{
        preflight_probe(k);
        return preflight_decide(b, k, stderr, err, errlen);
}
