/*
 * process.c - the findings about the process, limits and what the
 * backends can enforce (DESIGN §5.2): caps-kept, unbounded-resources,
 * unenforceable.
 *
 * These are not solver questions: each reads the IR directly and gives a
 * concrete description as its witness, with the span of the setting (or of
 * the policy when a setting is missing).
 */
#include "verify.h"

#include <stdio.h>
#include <string.h>

/* ---- caps-kept ---- */

typedef struct cap_risk {
        const char *name;
        vf_severity sev;
        const char *why;
} cap_risk;

/* Every capability that lets a process step outside its sandbox or act on
 * other processes, files or the kernel.  CAP_NET_BIND_SERVICE (bind below
 * 1024) is the one left out: it gives no reach the bind rules do not
 * already decide. */
static const cap_risk cap_risks[] = {
    {"CAP_SYS_ADMIN", VF_ERROR, "mount, namespaces, bpf, quotas and much more: the usual escape"},
    {"CAP_SYS_MODULE", VF_ERROR, "load kernel modules"},
    {"CAP_SYS_PTRACE", VF_ERROR, "trace and inject code into other processes"},
    {"CAP_SYS_RAWIO", VF_ERROR, "raw I/O ports and /dev/mem"},
    {"CAP_DAC_READ_SEARCH", VF_ERROR,
     "bypass read permission checks and open_by_handle_at (a known container escape)"},
    {"CAP_DAC_OVERRIDE", VF_ERROR, "bypass every file permission check"},
    {"CAP_FOWNER", VF_ERROR, "act as the owner of any file (chmod, utime, ...)"},
    {"CAP_CHOWN", VF_ERROR, "change the owner of any file"},
    {"CAP_FSETID", VF_ERROR, "keep set-user-ID bits on files it changes"},
    {"CAP_SETUID", VF_ERROR, "become any user"},
    {"CAP_SETGID", VF_ERROR, "become any group"},
    {"CAP_SETPCAP", VF_ERROR, "change capability sets"},
    {"CAP_SETFCAP", VF_ERROR, "set file capabilities"},
    {"CAP_MKNOD", VF_ERROR, "create device nodes"},
    {"CAP_NET_ADMIN", VF_ERROR, "configure interfaces, routes and firewall rules"},
    {"CAP_NET_RAW", VF_ERROR, "raw and packet sockets, which do not go through the proxy"},
    {"CAP_BPF", VF_ERROR, "load BPF programs"},
    {"CAP_PERFMON", VF_ERROR, "perf events: observe other processes and the kernel"},
    {"CAP_SYS_BOOT", VF_ERROR, "reboot and kexec"},
    {"CAP_SYS_TIME", VF_ERROR, "set the system clock"},
    {"CAP_SYSLOG", VF_ERROR, "read the kernel log and kernel addresses"},
    {"CAP_MAC_ADMIN", VF_ERROR, "configure the LSMs"},
    {"CAP_MAC_OVERRIDE", VF_ERROR, "override the LSMs"},
    {"CAP_LINUX_IMMUTABLE", VF_ERROR, "clear immutable and append-only flags"},
    {"CAP_AUDIT_CONTROL", VF_ERROR, "change audit rules"},
    {"CAP_CHECKPOINT_RESTORE", VF_ERROR, "checkpoint/restore: choose pids, read other maps"},
    {"CAP_SYS_CHROOT", VF_ERROR, "chroot, a step of several escapes"},
    {"CAP_KILL", VF_ERROR, "signal any process"},
    {"CAP_SYS_RESOURCE", VF_ERROR, "override resource limits"},
    {"CAP_IPC_OWNER", VF_WARNING, "bypass permission checks on System V IPC"},
    {"CAP_IPC_LOCK", VF_WARNING, "lock memory"},
    {"CAP_SYS_NICE", VF_WARNING, "raise priorities and change other processes' scheduling"},
    {"CAP_SYS_TTY_CONFIG", VF_WARNING, "vhangup and terminal configuration"},
    {"CAP_SYS_PACCT", VF_WARNING, "process accounting"},
    {"CAP_LEASE", VF_WARNING, "file leases on any file"},
    {"CAP_NET_BROADCAST", VF_WARNING, "broadcast and multicast"},
    {"CAP_AUDIT_WRITE", VF_WARNING, "write the audit log"},
    {"CAP_AUDIT_READ", VF_WARNING, "read the audit log"},
    {"CAP_BLOCK_SUSPEND", VF_WARNING, "block system suspend"},
    {"CAP_WAKE_ALARM", VF_WARNING, "set wake-up alarms"},
};

static void caps_kept(vf *v, const ir_policy *p)
{
        const ir_process *pr = &p->process;
        for (int i = 0; i < pr->ncaps; i++) {
                const char *cap = pr->caps[i];
                for (size_t k = 0; k < sizeof cap_risks / sizeof cap_risks[0]; k++) {
                        const cap_risk *c = &cap_risks[k];
                        if (strcmp(c->name, cap))
                                continue;
                        vf_finding *f =
                            vf_report(v, p, "caps-kept", c->sev, "process",
                                      "the agent keeps %s (%s); no_new_privs does not take a kept "
                                      "capability away",
                                      cap, c->why);
                        vf_witness(v, f,
                                   "every program the agent runs has %s in its effective, "
                                   "permitted and ambient sets: as root there is no user "
                                   "namespace, so it is the host's capability; rootless it acts "
                                   "on the sandbox's namespaces and on every file the user "
                                   "namespace maps",
                                   cap);
                        vf_loc_add(v, f, pr->caps_where, NULL, "kept here");
                        vf_fix(v, f, "drop %s (`caps none;`), or waive caps-kept with the reason",
                               cap);
                }
        }
}

/* ---- unbounded-resources ---- */

static void unbounded(vf *v, const ir_policy *p)
{
        static const struct {
                int lim;
                const char *name, *what;
        } need[] = {
            {LIM_MEMORY, "memory",
             "the agent can use all of the host's memory (and push it into "
             "swap or the OOM killer)"},
            {LIM_PIDS, "pids",
             "the agent can fork without bound (a fork bomb takes the host's "
             "pid space)"},
        };
        for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
                if (p->limits.set[need[i].lim])
                        continue;
                vf_finding *f = vf_report(v, p, "unbounded-resources", VF_WARNING, "cgroup",
                                          "the policy sets no `%s` limit", need[i].name);
                vf_witness(v, f, "no `%s` limit: %s", need[i].name, need[i].what);
                vf_loc_add(v, f, p->where, NULL, "no limit in this policy");
                vf_fix(v, f, "add `limits { %s %s; }`", need[i].name,
                       need[i].lim == LIM_MEMORY ? "2GiB" : "256");
        }
        if (p->limits.set[LIM_MEMORY] && !p->limits.set[LIM_SWAP]) {
                vf_finding *f = vf_report(v, p, "unbounded-resources", VF_WARNING, "cgroup",
                                          "the policy limits memory but not swap");
                vf_witness(v, f,
                           "no `swap` limit: memory.swap.max stays `max`, so the agent can "
                           "use the host's swap on top of its `memory` limit");
                vf_loc_add(v, f, p->limits.where[LIM_MEMORY], NULL, "memory without swap");
                vf_fix(v, f, "add `swap 0;` to the limits");
        }
}

/* ---- unenforceable ---- */

static bool tls_only(const ir_endpoint *ep)
{
        for (unsigned port = ep->port_lo; port <= ep->port_hi; port++)
                if (port != 443 && port != 8443 && port != 993 && port != 995 && port != 465 &&
                    port != 636 && port != 853)
                        return false;
        return true;
}

static void unenforceable(vf *v, const ir_policy *p)
{
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op == NET_CONNECT && !r->deny && r->nl7 > 0 && tls_only(&r->ep)) {
                        vf_finding *f = vf_report(
                            v, p, "unenforceable", VF_WARNING, "proxy",
                            "http rules on a TLS port: the proxy sees only plain HTTP, and a "
                            "rule with http rules admits no tunnel, so every HTTPS request is "
                            "refused");
                        vf_witness(v, f,
                                   "a client speaking TLS to port %u opens a CONNECT tunnel, "
                                   "which this rule refuses; only plain-text HTTP sent to that "
                                   "port could match the http rules",
                                   r->ep.port_lo);
                        vf_loc_add(v, f, r->rule_where, r->origin, "http rules on a TLS port");
                        vf_fix(v, f,
                               "drop the http block (grant the host as a whole), or use a "
                               "plain-HTTP port");
                }
                if (r->op == NET_BIND && !r->deny && r->ep.kind == IR_HOST_IP && r->ep.prefix > 0) {
                        vf_finding *f = vf_report(
                            v, p, "unenforceable", VF_WARNING, "landlock",
                            "bind rules are enforced by port only: Landlock cannot restrict the "
                            "address, so binding these ports on any address is allowed");
                        vf_witness(v, f,
                                   "bind(0.0.0.0:%u) and bind([::]:%u) succeed although the rule "
                                   "names one address (the sandbox has only `lo`, so the socket "
                                   "still listens on loopback only)",
                                   r->ep.port_lo, r->ep.port_lo);
                        vf_loc_add(v, f, r->rule_where, r->origin, "address not enforced");
                        vf_fix(v, f,
                               "write the rule with every address ([::]/0: IPv4 and IPv6) "
                               "to say what is enforced, or waive unenforceable");
                }
                if (r->op == NET_BIND && r->deny && r->ep.kind == IR_HOST_IP && r->ep.prefix > 0) {
                        vf_finding *f = vf_report(
                            v, p, "unenforceable", VF_WARNING, "landlock",
                            "a deny bind is enforced on its ports for every address, wider "
                            "than written");
                        vf_witness(v, f,
                                   "bind on port %u is refused on every address, not only "
                                   "the one the rule names",
                                   r->ep.port_lo);
                        vf_loc_add(v, f, r->rule_where, r->origin, "enforced for every address");
                        vf_fix(v, f, "write the deny for every address to say what is enforced");
                }
        }
        const ir_limits *l = &p->limits;
        if (l->set[LIM_SWAP] && !l->set[LIM_MEMORY]) {
                vf_finding *f = vf_report(v, p, "unenforceable", VF_WARNING, "cgroup",
                                          "`swap` without `memory`: cgroup v1 limits memory and "
                                          "swap together and needs a memory limit");
                vf_witness(v, f,
                           "on a host with the memory controller in cgroup v1, osh-run "
                           "refuses to launch (memory.memsw.limit_in_bytes needs memory)");
                vf_loc_add(v, f, l->where[LIM_SWAP], NULL, "swap alone");
                vf_fix(v, f, "add a `memory` limit");
        }
        if (l->set[LIM_IO_WEIGHT]) {
                vf_finding *f = vf_report(v, p, "unenforceable", VF_WARNING, "cgroup",
                                          "`io weight` needs cgroup v2's io controller; cgroup v1 "
                                          "has no equivalent");
                vf_witness(v, f,
                           "on a host without the io controller in cgroup v2, osh-run "
                           "refuses to launch this policy");
                vf_loc_add(v, f, l->where[LIM_IO_WEIGHT], NULL, "io weight");
                vf_fix(v, f,
                       "drop `io weight`, or waive unenforceable if every host runs "
                       "cgroup v2 with the io controller");
        }
        if (l->set[LIM_CPUTIME] && l->value[LIM_CPUTIME] % 1000) {
                vf_finding *f = vf_report(v, p, "unenforceable", VF_WARNING, "rlimit",
                                          "`cputime` is enforced in whole seconds (RLIMIT_CPU)");
                vf_witness(v, f, "cputime %llu ms is rounded up to %llu s",
                           (unsigned long long)l->value[LIM_CPUTIME],
                           (unsigned long long)(l->value[LIM_CPUTIME] + 999) / 1000);
                vf_loc_add(v, f, l->where[LIM_CPUTIME], NULL, "not a whole second");
                vf_fix(v, f, "give cputime in whole seconds");
        }
}

void vf_check_process(vf *v, const ir_policy *p)
{
        vf_family(v, "escalation");
        caps_kept(v, p);
        unbounded(v, p);
        unenforceable(v, p);
        vf_family_end(v);
}
