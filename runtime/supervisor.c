/*
 * supervisor.c - answer the agent's seccomp notifications, outside the
 * sandbox, in osh-run's own process.
 *
 * A notification arrives for a call the loaded filter sent to USER_NOTIF:
 * a `notify` rule of the policy, or, under --audit, a call the policy
 * denies with an errno or allows with `log` (seccomp_apply.c rewrote
 * those returns).  The supervisor runs the bundle's ORIGINAL program on
 * the notification's seccomp_data and answers as it says: errno E -> the
 * call fails with E; log -> the call goes on (FLAG_CONTINUE); notify ->
 * EPERM (DESIGN §2.3); anything else -> EPERM (fail closed).  With an
 * audit fd, one JSON line per notification.
 * The program runs in runtime/bpf_run.c's interpreter (libc only); a
 * malformed step counts as KILL, which is answered EPERM.
 */
#include "sandbox.h"

#include "bpf_run.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void audit_line(int fd, const struct seccomp_notif *req, const char *action)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char line[1024];
        int n = snprintf(
            line, sizeof line,
            "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"pid\":%u,"
            "\"syscall\":\"%d\",\"nr\":%d,\"arch\":%u,\"args\":[%llu,%llu,%llu,%llu,"
            "%llu,%llu],\"action\":\"%s\",\"layer\":\"seccomp\"}\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, req->pid, req->data.nr, req->data.nr, req->data.arch,
            (unsigned long long)req->data.args[0], (unsigned long long)req->data.args[1],
            (unsigned long long)req->data.args[2], (unsigned long long)req->data.args[3],
            (unsigned long long)req->data.args[4], (unsigned long long)req->data.args[5], action);
        if (n > 0 && write(fd, line, (size_t)n) < 0)
                fprintf(stderr, "osh-run: audit: write: %s\n", strerror(errno));
}

int supervisor_answer(rt_supervisor *s)
{
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return errno == EINTR || errno == ENOENT ? 0 : -1;
        uint32_t ret = SECCOMP_RET_USER_NOTIF;
        if (s->prog) {
                bpf_seccomp_data d = {.nr = (uint32_t)req.data.nr,
                                      .arch = req.data.arch,
                                      .instruction_pointer = req.data.instruction_pointer};
                memcpy(d.args, req.data.args, sizeof d.args);
                bpf_run_result r = bpf_run(s->prog->insns, s->prog->ninsns, &d, false);
                ret = r.ok ? r.ret : SECCOMP_RET_KILL_PROCESS;
        }
        struct seccomp_notif_resp resp = {.id = req.id, .error = -EPERM};
        char action[64];
        const char *errname;
        switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_ERRNO:
                resp.error = -(int)(ret & SECCOMP_RET_DATA);
                errname = strerrorname_np((int)(ret & SECCOMP_RET_DATA));
                snprintf(action, sizeof action, "errno(%s)", errname ? errname : "?");
                if (!errname)
                        snprintf(action, sizeof action, "errno(%u)", ret & SECCOMP_RET_DATA);
                break;
        case SECCOMP_RET_LOG:
        case SECCOMP_RET_ALLOW:
                resp.error = 0;
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                snprintf(action, sizeof action, "%s",
                         (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_LOG ? "log" : "allow");
                break;
        case SECCOMP_RET_USER_NOTIF:
                snprintf(action, sizeof action, "notify: errno(EPERM)");
                break;
        default:
                snprintf(action, sizeof action, "unexpected 0x%x: errno(EPERM)", ret);
        }
        if (s->audit_fd >= 0)
                audit_line(s->audit_fd, &req, action);
        if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
                return -1; /* ENOENT: the caller went away (killed, or a signal) */
        return 0;
}
