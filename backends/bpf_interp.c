/*
 * bpf_interp.c - seccomp return values and IR actions, both ways.  The
 * interpreter itself is runtime/bpf_run.c (libc only, shared with
 * osh-run's supervisor).
 */
#include "bpf.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>

/* The 32-bit word at byte offset k (aligned, inside seccomp_data). */
uint32_t bpf_action_ret(ir_action a)
{
        switch (a.kind) {
        case ACT_ALLOW:
                return SECCOMP_RET_ALLOW;
        case ACT_LOG:
                return SECCOMP_RET_LOG;
        case ACT_NOTIFY:
                return SECCOMP_RET_USER_NOTIF;
        case ACT_ERRNO:
                return SECCOMP_RET_ERRNO | ((uint32_t)a.errno_val & SECCOMP_RET_DATA);
        case ACT_TRAP:
                return SECCOMP_RET_TRAP;
        case ACT_KILL:
                return SECCOMP_RET_KILL_PROCESS;
        }
        return SECCOMP_RET_KILL_PROCESS;
}

bool bpf_ret_action(uint32_t ret, ir_action *out)
{
        out->kind = ACT_KILL;
        out->errno_val = 0;
        switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS:
                return true;
        case SECCOMP_RET_TRAP:
                out->kind = ACT_TRAP;
                return true;
        case SECCOMP_RET_ERRNO:
                out->kind = ACT_ERRNO;
                out->errno_val = (int)(ret & SECCOMP_RET_DATA);
                return true;
        case SECCOMP_RET_USER_NOTIF:
                out->kind = ACT_NOTIFY;
                return true;
        case SECCOMP_RET_LOG:
                out->kind = ACT_LOG;
                return true;
        case SECCOMP_RET_ALLOW:
                out->kind = ACT_ALLOW;
                return true;
        }
        return false;
}

const char *bpf_ret_name(uint32_t ret, char *buf, size_t n)
{
        ir_action a;
        if (bpf_ret_action(ret, &a)) {
                if (a.kind == ACT_KILL)
                        snprintf(buf, n, "kill process");
                else
                        ir_action_str(a, buf, n);
        } else if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_KILL_THREAD) {
                snprintf(buf, n, "kill thread");
        } else if ((ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE) {
                snprintf(buf, n, "trace(%u)", ret & SECCOMP_RET_DATA);
        } else {
                snprintf(buf, n, "unknown action 0x%08x", ret);
        }
        return buf;
}
