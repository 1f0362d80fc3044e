/*
 * seccomp_apply.c - load the bundle's seccomp program for this machine's
 * architecture into the agent, the last step before exec.
 *
 * The bundle holds one compiled classic-BPF program per target arch; only
 * the native one is loaded (docs/seccomp.md: compat calls are killed by
 * the program's arch check).  A bundle with no program at all means the
 * policy has no syscalls section: no filter.  A bundle with programs but
 * none for this arch is a refusal.  With --audit, every RET ERRNO and RET
 * LOG becomes RET USER_NOTIF, so that the supervisor outside (supervisor.c)
 * sees each denied or logged call and answers it as the original program
 * would.  The filter is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER when
 * it can return USER_NOTIF; the listener fd goes back to the caller.
 */
#include "sandbox.h"

#include "bpf_run.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

uint32_t seccomp_native_arch(void)
{
#if defined(__x86_64__) && !defined(__ILP32__)
        return AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
        return AUDIT_ARCH_AARCH64;
#elif defined(__i386__)
        return AUDIT_ARCH_I386;
#elif defined(__riscv) && __riscv_xlen == 64
        return AUDIT_ARCH_RISCV64;
#elif defined(__arm__)
        return AUDIT_ARCH_ARM;
#else
        return 0; /* unknown: no program matches, a bundle with programs is refused */
#endif
}

const oshb_seccomp_prog *seccomp_native_prog(const oshb_bundle *b)
{
        uint32_t arch = seccomp_native_arch();
        for (uint32_t i = 0; i < b->nseccomp; i++)
                if (b->seccomp[i].audit_arch == arch)
                        return &b->seccomp[i];
        return NULL;
}

/* Between loading the filter and exec the agent makes one call: sendmsg
 * on the control socket, to hand the listener out.  If the filter would
 * not allow it, that call would fail, or (notify) wait forever for a
 * supervisor that never got the listener: refuse instead. */
static bool sendmsg_allowed(const struct sock_filter *f, uint32_t n, int ctl)
{
        oshb_insn *p = calloc(n, sizeof *p);
        if (!p)
                return false;
        for (uint32_t i = 0; i < n; i++)
                p[i] = (oshb_insn){f[i].code, f[i].jt, f[i].jf, f[i].k};
        bpf_seccomp_data d = {.nr = SYS_sendmsg,
                              .arch = seccomp_native_arch(),
                              .args = {(uint64_t)ctl, 0, MSG_NOSIGNAL}};
        bpf_run_result r = bpf_run(p, n, &d, false);
        free(p);
        return r.ok && (r.ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
}

static bool is_ret(const oshb_insn *in)
{
        return BPF_CLASS(in->code) == BPF_RET && BPF_RVAL(in->code) == BPF_K;
}

int seccomp_apply(const oshb_bundle *b, bool audit, int *listener, char *err, size_t errlen)
{
        return seccomp_apply_ctl(b, audit, -1, listener, err, errlen);
}

int seccomp_apply_ctl(const oshb_bundle *b, bool audit, int ctl, int *listener, char *err,
                      size_t errlen)
{
        *listener = -1;
        if (b->nseccomp == 0)
                return 0; /* no syscalls section: no filter, as the policy says */
        const oshb_seccomp_prog *p = seccomp_native_prog(b);
        if (!p) {
                snprintf(err, errlen,
                         "the bundle has no seccomp program for this machine's architecture "
                         "(audit arch 0x%x); compile the policy with `arch` naming it",
                         seccomp_native_arch());
                return -1;
        }
        struct sock_filter *f = calloc(p->ninsns, sizeof *f);
        if (!f) {
                snprintf(err, errlen, "seccomp: out of memory");
                return -1;
        }
        bool notify = false;
        for (uint32_t i = 0; i < p->ninsns; i++) {
                f[i] = (struct sock_filter){p->insns[i].code, p->insns[i].jt, p->insns[i].jf,
                                            p->insns[i].k};
                if (!is_ret(&p->insns[i]))
                        continue;
                uint32_t action = f[i].k & SECCOMP_RET_ACTION_FULL;
                if (audit && (action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_LOG))
                        f[i].k = SECCOMP_RET_USER_NOTIF;
                if ((f[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
                        notify = true;
        }
        if (notify && ctl >= 0 && !sendmsg_allowed(f, p->ninsns, ctl)) {
                free(f);
                snprintf(err, errlen,
                         "the seccomp program needs a supervisor (a notify rule, or --audit) "
                         "but does not allow sendmsg, which osh-run needs to hand it the "
                         "listener; allow sendmsg in the policy or run without --audit");
                return -1;
        }
        struct sock_fprog prog = {.len = (unsigned short)p->ninsns, .filter = f};
        unsigned flags = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        int e = errno;
        free(f);
        if (r < 0) {
                snprintf(err, errlen, "seccomp(SECCOMP_SET_MODE_FILTER%s): %s",
                         notify ? ", NEW_LISTENER" : "", strerror(e));
                return -1;
        }
        if (notify)
                *listener = (int)r;
        return 0;
}
