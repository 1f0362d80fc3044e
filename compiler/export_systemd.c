/*
 * export_systemd.c - a composed policy as systemd [Service] settings
 * (`oshc export --to systemd`).
 *
 * systemd's sandboxing is a different model: files are visible unless
 * hidden, the network is on unless turned off, syscall filters have no
 * argument conditions and one errno.  Each setting below is the closest
 * systemd equivalent that is no weaker than the policy where one exists;
 * everything else is printed as a `#` comment that says what is lost.
 */
#include "import.h"

#include <stdlib.h>
#include <string.h>

static void path_text(const ir_path *p, char *buf, size_t n, bool *param)
{
        *param = false;
        if (!p->param)
                snprintf(buf, n, "%s", p->path);
        else if (!strcmp(p->param, "HOME"))
                snprintf(buf, n, "%%h%s", p->path); /* systemd's specifier for $HOME */
        else {
                snprintf(buf, n, "$%s%s", p->param, p->path);
                *param = true;
        }
}

/* One line listing the fs paths whose rules match (deny, rights). */
static void fs_setting(FILE *out, const ir_policy *p, const char *key, bool deny,
                       bool (*want)(unsigned rights))
{
        char line[8192] = "", skipped[4096] = "";
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *r = &p->fs[i];
                if (r->deny != deny || !want(r->rights))
                        continue;
                char path[4200];
                bool param;
                path_text(&r->path, path, sizeof path, &param);
                char *dst = param ? skipped : line;
                size_t cap = param ? sizeof skipped : sizeof line, l = strlen(dst);
                if (strchr(path, ' '))
                        snprintf(dst + l, cap - l, "%s\"%s\"", l ? " " : "", path);
                else
                        snprintf(dst + l, cap - l, "%s%s", l ? " " : "", path);
        }
        if (*line)
                fprintf(out, "%s=%s\n", key, line);
        if (*skipped)
                fprintf(out, "# %s=%s   (launch parameters: write the real paths)\n", key, skipped);
}

static bool is_read_only(unsigned r)
{
        return (r & RIGHT_READ) && !(r & RIGHT_WRITE);
}
static bool has_write(unsigned r)
{
        return r & RIGHT_WRITE;
}
static bool has_exec(unsigned r)
{
        return r & RIGHT_EXEC;
}
static bool is_all(unsigned r)
{
        return r == RIGHT_ALL;
}
static bool is_partial_deny_write(unsigned r)
{
        return r != RIGHT_ALL && (r & RIGHT_WRITE);
}
static bool is_partial_deny_exec(unsigned r)
{
        return r != RIGHT_ALL && (r & RIGHT_EXEC);
}

static void export_fs(FILE *out, const ir_policy *p)
{
        fprintf(out, "# files: systemd shows what it does not hide; ProtectSystem=strict makes "
                     "the\n# rest read-only, but paths the policy does not grant stay readable\n");
        fprintf(out, "ProtectSystem=strict\nProtectHome=read-only\n");
        fs_setting(out, p, "ReadWritePaths", false, has_write);
        fs_setting(out, p, "ReadOnlyPaths", false, is_read_only);
        fs_setting(out, p, "ReadOnlyPaths", true, is_partial_deny_write);
        fs_setting(out, p, "InaccessiblePaths", true, is_all);
        bool exec = false;
        for (int i = 0; i < p->nfs; i++)
                exec |= !p->fs[i].deny && (p->fs[i].rights & RIGHT_EXEC);
        if (p->nfs) {
                fprintf(out, "NoExecPaths=/\n");
                if (exec)
                        fs_setting(out, p, "ExecPaths", false, has_exec);
                fs_setting(out, p, "NoExecPaths", true, is_partial_deny_exec);
        }
        for (int i = 0; i < p->nfs; i++)
                if ((p->fs[i].rights & RIGHT_IOCTL) && p->fs[i].rights != RIGHT_ALL) {
                        fprintf(out, "# ioctl rights: no systemd equivalent\n");
                        break;
                }
        if (p->landlock_abi || p->landlock_best_effort)
                fprintf(out, "# requires landlock %s: no systemd equivalent\n",
                        p->landlock_best_effort ? "best-effort" : "N");
}

static void export_net(FILE *out, const ir_policy *p)
{
        if (!p->has_net) {
                fprintf(out, "PrivateNetwork=yes\n");
                return;
        }
        fprintf(out, "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n");
        char allow[8192] = "";
        int names = 0, l7 = 0, from = 0, binds = 0, denies = 0;
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op == NET_BIND) {
                        binds++;
                        continue;
                }
                if (r->deny) {
                        denies++;
                        continue;
                }
                l7 += r->nl7 > 0;
                from += r->nbinaries > 0;
                if (r->ep.kind == IR_HOST_NAME) {
                        names++;
                        continue;
                }
                ip_net n = {0};
                char buf[64];
                memcpy(n.addr, r->ep.addr, 16);
                n.prefix = r->ep.prefix;
                n.is_v4 = r->ep.is_v4;
                ip_net_format(&n, buf, sizeof buf);
                size_t len = strlen(allow);
                snprintf(allow + len, sizeof allow - len, "%s%s", len ? " " : "", buf);
        }
        fprintf(out, "IPAddressDeny=any\n");
        if (*allow)
                fprintf(out, "IPAddressAllow=%s\n", allow);
        fprintf(out, "# ports: IPAddressAllow= has none; the policy's port ranges are not "
                     "enforced here\n");
        if (names)
                fprintf(out,
                        "# %d connect rule(s) by host name: the egress proxy's job, no "
                        "systemd equivalent\n",
                        names);
        if (l7)
                fprintf(out,
                        "# %d rule(s) with HTTP rules (methods, URL paths): no systemd "
                        "equivalent\n",
                        l7);
        if (from)
                fprintf(out, "# %d rule(s) with `from` binaries: no systemd equivalent\n", from);
        if (denies)
                fprintf(out,
                        "# %d deny connect rule(s): IPAddressDeny=any already denies what "
                        "is not allowed\n",
                        denies);
        if (binds)
                fprintf(out, "# %d bind rule(s): see SocketBindAllow= (not generated)\n", binds);
}

static void name_list(FILE *out, const char *key, const char *prefix, const char **names, int n)
{
        fprintf(out, "%s=%s", key, prefix);
        for (int i = 0; i < n; i++)
                fprintf(out, "%s%s", i ? " " : "", names[i]);
        fputc('\n', out);
}

/* The strictest unconditional action of a syscall, and whether it also has
 * conditional rules. */
static ir_action unconditional(const ir_syscall *s, bool *conditional, bool *any_uncond)
{
        ir_action a = {ACT_ALLOW, 0};
        *conditional = *any_uncond = false;
        for (int i = 0; i < s->nrules; i++) {
                if (s->rules[i].cond) {
                        *conditional = true;
                        continue;
                }
                a = *any_uncond ? ir_action_stricter(a, s->rules[i].action) : s->rules[i].action;
                *any_uncond = true;
        }
        return a;
}

static void export_syscalls(FILE *out, const ir_policy *p)
{
        if (!p->has_syscalls)
                return;
        const char **list = calloc((size_t)p->nsyscalls + 1, sizeof *list);
        int n = 0;
        bool deny_default = p->sys_default.kind != ACT_ALLOW && p->sys_default.kind != ACT_LOG;
        char buf[64];
        for (int i = 0; i < p->nsyscalls; i++) {
                const ir_syscall *s = &p->syscalls[i];
                bool cond, uncond;
                ir_action a = unconditional(s, &cond, &uncond);
                bool allowed = uncond && (a.kind == ACT_ALLOW || a.kind == ACT_LOG);
                if (deny_default && allowed)
                        list[n++] = s->name;
                else if (!deny_default && uncond && !allowed)
                        list[n++] = s->name;
                if (cond)
                        fprintf(out, "# %s: argument conditions have no systemd equivalent; %s\n",
                                s->name,
                                deny_default         ? (allowed ? "allowed whatever the arguments"
                                                                : "denied whatever the arguments")
                                : uncond && !allowed ? "denied whatever the arguments"
                                                     : "its conditional rules are NOT enforced");
                if (uncond && !allowed && a.kind != p->sys_default.kind)
                        fprintf(out,
                                "# %s: %s has no systemd equivalent: denied with the filter's one "
                                "action\n",
                                s->name, ir_action_str(a, buf, sizeof buf));
        }
        if (deny_default)
                name_list(out, "SystemCallFilter", "", list, n);
        else if (n)
                name_list(out, "SystemCallFilter", "~", list, n);
        if (p->sys_default.kind == ACT_ERRNO)
                fprintf(out, "SystemCallErrorNumber=%s\n",
                        errno_name(p->sys_default.errno_val) ? errno_name(p->sys_default.errno_val)
                                                             : "EPERM");
        else if (p->sys_default.kind == ACT_TRAP || p->sys_default.kind == ACT_NOTIFY)
                fprintf(out, "# default %s: systemd kills the process instead\n",
                        ir_action_str(p->sys_default, buf, sizeof buf));
        else if (p->sys_default.kind == ACT_LOG)
                fprintf(out, "# default log: SystemCallLog= would log; here nothing is denied "
                             "by default\n");
        if (p->narches) {
                fprintf(out, "SystemCallArchitectures=");
                for (int i = 0; i < p->narches; i++)
                        fprintf(out, "%s%s", i ? " " : "",
                                !strcmp(p->arches[i], "x86_64") ? "x86-64" : p->arches[i]);
                fputc('\n', out);
        } else {
                fprintf(out, "SystemCallArchitectures=native\n");
        }
        free(list);
}

static void export_limits(FILE *out, const ir_limits *l)
{
        const uint64_t *v = l->value;
        if (l->set[LIM_MEMORY])
                fprintf(out, "MemoryMax=%llu\n", (unsigned long long)v[LIM_MEMORY]);
        if (l->set[LIM_SWAP])
                fprintf(out, "MemorySwapMax=%llu\n", (unsigned long long)v[LIM_SWAP]);
        if (l->set[LIM_PIDS])
                fprintf(out, "TasksMax=%llu\n", (unsigned long long)v[LIM_PIDS]);
        if (l->set[LIM_CPU])
                fprintf(out, "CPUQuota=%llu%%\n", (unsigned long long)(v[LIM_CPU] + 9) / 10);
        if (l->set[LIM_IO_WEIGHT])
                fprintf(out, "IOWeight=%llu\n", (unsigned long long)v[LIM_IO_WEIGHT]);
        if (l->set[LIM_FILES])
                fprintf(out, "LimitNOFILE=%llu\n", (unsigned long long)v[LIM_FILES]);
        if (l->set[LIM_CPUTIME])
                fprintf(out, "LimitCPU=%llu\n", (unsigned long long)(v[LIM_CPUTIME] + 999) / 1000);
        if (l->set[LIM_FILESIZE])
                fprintf(out, "LimitFSIZE=%llu\n", (unsigned long long)v[LIM_FILESIZE]);
        if (l->set[LIM_WALLTIME])
                fprintf(out, "RuntimeMaxSec=%llu\n",
                        (unsigned long long)(v[LIM_WALLTIME] + 999) / 1000);
}

static void export_process(FILE *out, const ir_process *pr)
{
        fprintf(out, "NoNewPrivileges=yes\n");
        if (pr->user)
                fprintf(out, "User=%s\n", pr->user);
        if (pr->group)
                fprintf(out, "Group=%s\n", pr->group);
        if (pr->caps_set) {
                name_list(out, "CapabilityBoundingSet", "", pr->caps, pr->ncaps);
                name_list(out, "AmbientCapabilities", "", pr->caps, pr->ncaps);
        }
        if (pr->nenv_keep)
                name_list(out, "PassEnvironment", "", pr->env_keep, pr->nenv_keep);
        for (int i = 0; i < pr->nenv_set; i++) {
                fprintf(out, "Environment=\"%s=", pr->env_set[i].name);
                for (const char *s = pr->env_set[i].value; *s; s++) {
                        if (*s == '"' || *s == '\\')
                                fputc('\\', out);
                        if (*s == '%')
                                fputc('%', out); /* a literal % in systemd */
                        if (*s == '\n')
                                fputs("\\n", out);
                        else
                                fputc(*s, out);
                }
                fprintf(out, "\"\n");
        }
        if (pr->hostname)
                fprintf(out,
                        "# hostname %s: systemd has no per-service host name "
                        "(ProtectHostname=yes only freezes it)\nProtectHostname=yes\n",
                        pr->hostname);
}

void export_systemd(FILE *out, const ir_policy *p)
{
        fprintf(out,
                "# systemd unit settings for policy %s, by `oshc export --to systemd`.\n"
                "# Lines starting with # do not translate; see docs/import-export.md.\n"
                "[Service]\n",
                p->name);
        export_syscalls(out, p);
        export_fs(out, p);
        export_net(out, p);
        export_limits(out, &p->limits);
        export_process(out, &p->process);
        if (p->nasserts)
                fprintf(out, "# %d assert never: proved by `oshc verify`, nothing to enforce\n",
                        p->nasserts);
        if (p->nwaivers)
                fprintf(out, "# %d waiver(s): verifier findings, nothing to enforce\n",
                        p->nwaivers);
}
