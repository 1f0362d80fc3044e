/*
 * cmd_inspect.c - `oshc inspect BUNDLE [--format text|json]`: show what a
 * compiled bundle holds.
 *
 * The bundle is read with the runtime's own reader (runtime/bundle_read.c),
 * so inspect accepts exactly the bundles osh-run accepts and rejects the
 * others with the same message.  Text is for people: one block per section,
 * rights and capabilities by name, strings with control bytes escaped.
 * JSON is one object for machines, the same fields with the raw numbers
 * beside the names.
 */
#include "cli.h"
#include "../backends/backends.h"
#include "../backends/landlock_abi.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void inspect_help(void)
{
        printf("usage: oshc inspect BUNDLE [--format text|json]\n\n"
               "Prints every section of a compiled bundle (.oshb): the policy and compiler,\n"
               "the seccomp programs, Landlock rights and rules, mount masks, cgroup keys,\n"
               "rlimits, process settings, proxy rules, launch parameters and the native\n"
               "matcher.  The bundle is checked exactly as osh-run checks it.\n\n"
               "Exit 0, 1 when the bundle is rejected (the message says why), 2 on usage\n"
               "errors.\n");
}

typedef struct bit_name {
        uint64_t bit;
        const char *name;
} bit_name;

/* Landlock's rights, named as the kernel names them (without the
 * LANDLOCK_ACCESS_FS_ prefix); a bit this table lacks is shown in hex. */
static const bit_name fs_rights[] = {
    {LANDLOCK_ACCESS_FS_EXECUTE, "execute"},
    {LANDLOCK_ACCESS_FS_WRITE_FILE, "write_file"},
    {LANDLOCK_ACCESS_FS_READ_FILE, "read_file"},
    {LANDLOCK_ACCESS_FS_READ_DIR, "read_dir"},
    {LANDLOCK_ACCESS_FS_REMOVE_DIR, "remove_dir"},
    {LANDLOCK_ACCESS_FS_REMOVE_FILE, "remove_file"},
    {LANDLOCK_ACCESS_FS_MAKE_CHAR, "make_char"},
    {LANDLOCK_ACCESS_FS_MAKE_DIR, "make_dir"},
    {LANDLOCK_ACCESS_FS_MAKE_REG, "make_reg"},
    {LANDLOCK_ACCESS_FS_MAKE_SOCK, "make_sock"},
    {LANDLOCK_ACCESS_FS_MAKE_FIFO, "make_fifo"},
    {LANDLOCK_ACCESS_FS_MAKE_BLOCK, "make_block"},
    {LANDLOCK_ACCESS_FS_MAKE_SYM, "make_sym"},
    {LANDLOCK_ACCESS_FS_REFER, "refer"},
    {LANDLOCK_ACCESS_FS_TRUNCATE, "truncate"},
    {LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev"},
    {0, NULL},
};

static const bit_name net_rights[] = {
    {LANDLOCK_ACCESS_NET_BIND_TCP, "bind_tcp"},
    {LANDLOCK_ACCESS_NET_CONNECT_TCP, "connect_tcp"},
    {0, NULL},
};

static const bit_name scopes[] = {
    {LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, "abstract_unix_socket"},
    {LANDLOCK_SCOPE_SIGNAL, "signal"},
    {0, NULL},
};

static const bit_name mask_kinds[] = {
    {OSHB_MASK_HIDE, "hide"},
    {OSHB_MASK_READONLY, "readonly"},
    {OSHB_MASK_NOEXEC, "noexec"},
    {OSHB_MASK_NODEV, "nodev"},
    {0, NULL},
};

/* The generic Linux numbering the bundle uses (docs/bundle.md). */
static const char *const rlimit_names[16] = {
    "CPU",     "FSIZE", "DATA",  "STACK",      "CORE",     "RSS",  "NPROC",  "NOFILE",
    "MEMLOCK", "AS",    "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME",
};

/* ---- shared formatting ---- */

static void hex(FILE *out, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fprintf(out, "%02x", p[i]);
}

/* "10.0.0.0/8" or "fd00::/8": IPv4-mapped addresses as IPv4. */
static void format_cidr(const oshb_proxy_rule *r, char *buf, size_t len)
{
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        char a[INET6_ADDRSTRLEN];
        if (r->prefix >= 96 && !memcmp(r->addr, mapped, 12)) {
                inet_ntop(AF_INET, r->addr + 12, a, sizeof(a));
                snprintf(buf, len, "%s/%u", a, r->prefix - 96);
        } else {
                inet_ntop(AF_INET6, r->addr, a, sizeof(a));
                snprintf(buf, len, "[%s]/%u", a, r->prefix);
        }
}

/* ---- text ---- */

/* A string from the bundle, control bytes escaped (a bundle must not be
 * able to drive the terminal). */
static void tstr(FILE *out, const char *s)
{
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p < 0x20 || *p == 0x7f || *p == '\\')
                        fprintf(out, "\\x%02x", *p);
                else
                        fputc(*p, out);
        }
}

static size_t path_width(const char *param, const char *path)
{
        return (param ? strlen(param) + 1 : 0) + strlen(path);
}

/* `$PARAM/sub` or `/path`, padded with blanks to `width` */
static void tpath(FILE *out, const char *param, const char *path, size_t width)
{
        if (param) {
                fputc('$', out);
                tstr(out, param);
        }
        tstr(out, path);
        for (size_t w = path_width(param, path); w < width; w++)
                fputc(' ', out);
}

/* Words after a label, wrapped before column 100. */
static void twrapped(FILE *out, const char *label, char *const *words, uint32_t n)
{
        size_t col = (size_t)fprintf(out, "%s", label);
        for (uint32_t i = 0; i < n; i++) {
                size_t len = strlen(words[i]);
                if (i > 0 && col + 1 + len > 100) {
                        fprintf(out, "\n%*s", (int)strlen(label), "");
                        col = strlen(label);
                } else if (i > 0) {
                        fputc(' ', out);
                        col++;
                }
                tstr(out, words[i]);
                col += len;
        }
        fputc('\n', out);
}

/* "0x3 (bind_tcp connect_tcp)", unnamed bits in hex */
static void tbits(FILE *out, uint64_t v, const bit_name *names)
{
        fprintf(out, "0x%llx", (unsigned long long)v);
        if (v == 0)
                return;
        const char *sep = " (";
        uint64_t rest = v;
        for (const bit_name *n = names; n->name; n++)
                if (v & n->bit) {
                        fprintf(out, "%s%s", sep, n->name);
                        sep = " ";
                        rest &= ~n->bit;
                }
        if (rest && rest != v)
                fprintf(out, " 0x%llx", (unsigned long long)rest);
        if (rest != v)
                fputc(')', out);
}

static void tlimit(FILE *out, uint64_t v)
{
        if (v == UINT64_MAX)
                fputs("unlimited", out);
        else
                fprintf(out, "%llu", (unsigned long long)v);
}

static void text_ports(FILE *out, uint16_t lo, uint16_t hi)
{
        if (lo == 0 && hi == 65535)
                fputs("*", out);
        else if (lo == hi)
                fprintf(out, "%u", lo);
        else
                fprintf(out, "%u..%u", lo, hi);
}

static void text_meta(FILE *out, const oshb_meta *m)
{
        fprintf(out, "META\n  policy          ");
        tstr(out, m->policy);
        fprintf(out, "\n  compiler        ");
        tstr(out, m->compiler);
        fprintf(out, "\n  source sha256   ");
        hex(out, m->source_sha256, 32);
        fprintf(out, "\n  landlock ABI    minimum %u, declared %u%s\n", m->landlock_min_abi,
                m->landlock_declared_abi, m->best_effort ? ", best-effort" : "");
}

static void text_seccomp(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "\nSECCOMP: %u program%s%s\n", b->nseccomp, b->nseccomp == 1 ? "" : "s",
                b->nseccomp ? "" : " (no syscall filter)");
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                const oshb_seccomp_prog *p = &b->seccomp[i];
                fprintf(out, "  %s (audit arch 0x%08x): %u instructions\n",
                        oshb_audit_arch_name(p->audit_arch), p->audit_arch, p->ninsns);
        }
        if (b->nseccomp == 0)
                return;
        /* the disassembly (backends/bpf_disasm.c), indented under the section */
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem)
                return;
        emit_bpf_asm(mem, b);
        fclose(mem);
        fputc('\n', out);
        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                fprintf(out, n ? "    %.*s\n" : "%.*s\n", (int)n, line);
                line += n + (nl != NULL);
        }
        free(text);
}

static void text_landlock(FILE *out, const oshb_landlock *l)
{
        fprintf(out, "\nLANDLOCK\n  handled fs      ");
        tbits(out, l->handled_fs, fs_rights);
        fprintf(out, "\n  handled net     ");
        tbits(out, l->handled_net, net_rights);
        fprintf(out, "\n  scoped          ");
        tbits(out, l->scoped, scopes);
        fprintf(out, "\n  path rules: %u\n", l->npaths);
        size_t width = 0;
        for (uint32_t i = 0; i < l->npaths; i++) {
                size_t w = path_width(l->paths[i].param, l->paths[i].path);
                width = w > width && w <= 40 ? w : width;
        }
        for (uint32_t i = 0; i < l->npaths; i++) {
                fprintf(out, "    ");
                tpath(out, l->paths[i].param, l->paths[i].path, width);
                fprintf(out, "  ");
                tbits(out, l->paths[i].access, fs_rights);
                fputc('\n', out);
        }
        fprintf(out, "  port rules: %u\n", l->nports);
        for (uint32_t i = 0; i < l->nports; i++) {
                fprintf(out, "    port %llu  ", (unsigned long long)l->ports[i].port);
                tbits(out, l->ports[i].access, net_rights);
                fputc('\n', out);
        }
}

static void text_mounts(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "\nMOUNTS: %u\n", b->nmounts);
        size_t width = 0;
        for (uint32_t i = 0; i < b->nmounts; i++) {
                size_t w = path_width(b->mounts[i].param, b->mounts[i].path);
                width = w > width && w <= 40 ? w : width;
        }
        for (uint32_t i = 0; i < b->nmounts; i++) {
                const oshb_mount *m = &b->mounts[i];
                fprintf(out, "  ");
                tpath(out, m->param, m->path, width);
                fprintf(out, "  ");
                tbits(out, m->kind, mask_kinds);
                fprintf(out, "  (rule %u)\n", m->rule_id);
        }
}

static void text_limits(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "\nCGROUP: %u\n", b->ncgroup);
        for (uint32_t i = 0; i < b->ncgroup; i++) {
                fprintf(out, "  ");
                tstr(out, b->cgroup[i].key);
                fprintf(out, " = ");
                tstr(out, b->cgroup[i].value);
                fputc('\n', out);
        }
        fprintf(out, "\nRLIMITS: %u\n", b->nrlimits);
        for (uint32_t i = 0; i < b->nrlimits; i++) {
                const oshb_rlimit *r = &b->rlimits[i];
                fprintf(out, "  RLIMIT_%-10s soft ", rlimit_names[r->resource]);
                tlimit(out, r->soft);
                fprintf(out, ", hard ");
                tlimit(out, r->hard);
                fputc('\n', out);
        }
}

static void text_opt(FILE *out, const char *label, const char *s)
{
        fprintf(out, "  %-16s", label);
        if (s)
                tstr(out, s);
        else
                fputs("(unset)", out);
        fputc('\n', out);
}

static void text_process(FILE *out, const oshb_process *p)
{
        fprintf(out, "\nPROCESS\n");
        text_opt(out, "user", p->user);
        text_opt(out, "group", p->group);
        fprintf(out, "  %-16s", "capabilities");
        if (!p->caps_set)
                fputs("(unset)", out);
        else if (p->ncaps == 0)
                fputs("none kept", out);
        for (uint32_t i = 0; i < p->ncaps; i++) {
                const char *n = capability_name(p->caps[i]);
                if (n)
                        fprintf(out, "%s%s", i ? " " : "", n);
                else
                        fprintf(out, "%s%u", i ? " " : "", p->caps[i]);
        }
        fprintf(out, "\n  %-16s%s", "env keep", p->nenv_keep ? "" : "(none)");
        for (uint32_t i = 0; i < p->nenv_keep; i++) {
                fputs(i ? " " : "", out);
                tstr(out, p->env_keep[i]);
        }
        fprintf(out, "\n  %-16s%s", "env set", p->nenv_set ? "" : "(none)");
        for (uint32_t i = 0; i < p->nenv_set; i++) {
                fputs(i ? " " : "", out);
                tstr(out, p->env_set[i].key);
                fputs("=\"", out);
                tstr(out, p->env_set[i].value);
                fputc('"', out);
        }
        fputc('\n', out);
        text_opt(out, "hostname", p->hostname);
        fprintf(out, "  %-16s", "walltime");
        if (p->walltime_ms)
                fprintf(out, "%llu ms\n", (unsigned long long)p->walltime_ms);
        else
                fputs("none\n", out);
        fprintf(out, "  %-16s%s\n", "network", p->network ? "yes (through osh-proxy)" : "none");
}

static void text_proxy(FILE *out, const oshb_proxy *px)
{
        fprintf(out, "\nPROXY: %u rule%s\n", px->nrules, px->nrules == 1 ? "" : "s");
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                fprintf(out, "  rule %u %s ", r->id, r->deny ? "deny" : "allow");
                if (r->is_ip) {
                        char cidr[64];
                        format_cidr(r, cidr, sizeof(cidr));
                        fputs(cidr, out);
                } else {
                        tstr(out, r->host);
                }
                fputc(':', out);
                text_ports(out, r->port_lo, r->port_hi);
                for (uint32_t k = 0; k < r->nbinaries; k++) {
                        fputs(k ? ", " : " from ", out);
                        tstr(out, r->binaries[k]);
                }
                if (r->nbinaries && r->children)
                        fputs(" and children", out);
                fputc('\n', out);
                for (uint32_t j = 0; j < r->nl7; j++) {
                        const oshb_l7 *l = &r->l7[j];
                        fprintf(out, "    L7 rule %u %s http ", l->id, l->deny ? "deny" : "allow");
                        if (l->nmethods == 0)
                                fputc('*', out);
                        for (uint32_t k = 0; k < l->nmethods; k++) {
                                fputs(k ? "," : "", out);
                                tstr(out, l->methods[k]);
                        }
                        fputc(' ', out);
                        tstr(out, l->path);
                        fputc('\n', out);
                }
        }
}

static void text_params(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "\nPARAMS: %u\n", b->nparams);
        for (uint32_t i = 0; i < b->nparams; i++) {
                const oshb_param *p = &b->params[i];
                fputs("  $", out);
                tstr(out, p->name);
                fputs(p->builtin ? "  built-in, " : "  ", out);
                if (p->def) {
                        fputs("default ", out);
                        tstr(out, p->def);
                } else {
                        fputs(p->builtin ? "set at launch" : "required at launch", out);
                }
                fputc('\n', out);
                if (p->ndisjoint)
                        twrapped(out, "    disjoint from ", p->disjoint, p->ndisjoint);
        }
}

static void print_text(FILE *out, const char *path, size_t size, const oshb_bundle *b)
{
        fprintf(out, "bundle ");
        tstr(out, path);
        fprintf(out, " (%zu bytes, format version %d)\n\n", size, OSHB_VERSION);
        text_meta(out, &b->meta);
        text_seccomp(out, b);
        text_landlock(out, &b->landlock);
        text_mounts(out, b);
        text_limits(out, b);
        text_process(out, &b->process);
        text_proxy(out, &b->proxy);
        text_params(out, b);
        fprintf(out, "\nNATIVE\n");
        if (b->has_native) {
                fprintf(out, "  object          %u bytes, sha256 ", b->native.len);
                hex(out, b->native.sha256, 32);
                fputc('\n', out);
        } else {
                fprintf(out, "  none (the proxy interprets its rules)\n");
        }
}

/* ---- JSON ---- */

static void jstr(FILE *out, const char *s)
{
        if (s)
                json_write_string(out, s);
        else
                fputs("null", out);
}

static void jstrs(FILE *out, char *const *v, uint32_t n)
{
        fputc('[', out);
        for (uint32_t i = 0; i < n; i++) {
                fputs(i ? "," : "", out);
                jstr(out, v[i]);
        }
        fputc(']', out);
}

/* the value, and its names: "handled_fs":7,"handled_fs_names":["execute",...] */
static void jbits(FILE *out, const char *key, uint64_t v, const bit_name *names)
{
        fprintf(out, "\"%s\":%llu,\"%s_names\":[", key, (unsigned long long)v, key);
        const char *sep = "";
        for (const bit_name *n = names; n->name; n++)
                if (v & n->bit) {
                        fprintf(out, "%s\"%s\"", sep, n->name);
                        sep = ",";
                }
        fputc(']', out);
}

static void jlimit(FILE *out, uint64_t v)
{
        if (v == UINT64_MAX)
                fputs("null", out);
        else
                fprintf(out, "%llu", (unsigned long long)v);
}

static void json_meta(FILE *out, const oshb_meta *m)
{
        fputs("\"meta\":{\"policy\":", out);
        jstr(out, m->policy);
        fputs(",\"compiler\":", out);
        jstr(out, m->compiler);
        fputs(",\"source_sha256\":\"", out);
        hex(out, m->source_sha256, 32);
        fprintf(out, "\",\"landlock_min_abi\":%u,\"landlock_declared_abi\":%u,\"best_effort\":%s}",
                m->landlock_min_abi, m->landlock_declared_abi, m->best_effort ? "true" : "false");
}

static void json_seccomp(FILE *out, const oshb_bundle *b)
{
        fputs(",\"seccomp\":[", out);
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                const oshb_seccomp_prog *p = &b->seccomp[i];
                fprintf(out, "%s{\"arch\":\"%s\",\"audit_arch\":%u,\"length\":%u,\"insns\":[",
                        i ? "," : "", oshb_audit_arch_name(p->audit_arch), p->audit_arch,
                        p->ninsns);
                for (uint32_t k = 0; k < p->ninsns; k++)
                        fprintf(out, "%s[%u,%u,%u,%u]", k ? "," : "", p->insns[k].code,
                                p->insns[k].jt, p->insns[k].jf, p->insns[k].k);
                fputs("]}", out);
        }
        fputc(']', out);
}

static void json_landlock(FILE *out, const oshb_landlock *l)
{
        fputs(",\"landlock\":{", out);
        jbits(out, "handled_fs", l->handled_fs, fs_rights);
        fputc(',', out);
        jbits(out, "handled_net", l->handled_net, net_rights);
        fputc(',', out);
        jbits(out, "scoped", l->scoped, scopes);
        fputs(",\"paths\":[", out);
        for (uint32_t i = 0; i < l->npaths; i++) {
                fputs(i ? ",{\"param\":" : "{\"param\":", out);
                jstr(out, l->paths[i].param);
                fputs(",\"path\":", out);
                jstr(out, l->paths[i].path);
                fputc(',', out);
                jbits(out, "access", l->paths[i].access, fs_rights);
                fputc('}', out);
        }
        fputs("],\"ports\":[", out);
        for (uint32_t i = 0; i < l->nports; i++) {
                fprintf(out, "%s{\"port\":%llu,", i ? "," : "",
                        (unsigned long long)l->ports[i].port);
                jbits(out, "access", l->ports[i].access, net_rights);
                fputc('}', out);
        }
        fputs("]}", out);
}

static void json_mounts(FILE *out, const oshb_bundle *b)
{
        fputs(",\"mounts\":[", out);
        for (uint32_t i = 0; i < b->nmounts; i++) {
                const oshb_mount *m = &b->mounts[i];
                fputs(i ? ",{" : "{", out);
                jbits(out, "kind", m->kind, mask_kinds);
                fputs(",\"param\":", out);
                jstr(out, m->param);
                fputs(",\"path\":", out);
                jstr(out, m->path);
                fprintf(out, ",\"rule_id\":%u}", m->rule_id);
        }
        fputc(']', out);
}

static void json_limits(FILE *out, const oshb_bundle *b)
{
        fputs(",\"cgroup\":{", out);
        for (uint32_t i = 0; i < b->ncgroup; i++) {
                fputs(i ? "," : "", out);
                jstr(out, b->cgroup[i].key);
                fputc(':', out);
                jstr(out, b->cgroup[i].value);
        }
        fputs("},\"rlimits\":[", out);
        for (uint32_t i = 0; i < b->nrlimits; i++) {
                const oshb_rlimit *r = &b->rlimits[i];
                fprintf(out, "%s{\"resource\":%u,\"name\":\"RLIMIT_%s\",\"soft\":", i ? "," : "",
                        r->resource, rlimit_names[r->resource]);
                jlimit(out, r->soft);
                fputs(",\"hard\":", out);
                jlimit(out, r->hard);
                fputc('}', out);
        }
        fputc(']', out);
}

static void json_process(FILE *out, const oshb_process *p)
{
        fputs(",\"process\":{\"user\":", out);
        jstr(out, p->user);
        fputs(",\"group\":", out);
        jstr(out, p->group);
        fputs(",\"caps\":", out);
        if (!p->caps_set)
                fputs("null", out);
        else {
                fputc('[', out);
                for (uint32_t i = 0; i < p->ncaps; i++) {
                        const char *n = capability_name(p->caps[i]);
                        if (n)
                                fprintf(out, "%s\"%s\"", i ? "," : "", n);
                        else
                                fprintf(out, "%s%u", i ? "," : "", p->caps[i]);
                }
                fputc(']', out);
        }
        fputs(",\"env_keep\":", out);
        jstrs(out, p->env_keep, p->nenv_keep);
        fputs(",\"env_set\":{", out);
        for (uint32_t i = 0; i < p->nenv_set; i++) {
                fputs(i ? "," : "", out);
                jstr(out, p->env_set[i].key);
                fputc(':', out);
                jstr(out, p->env_set[i].value);
        }
        fputs("},\"hostname\":", out);
        jstr(out, p->hostname);
        fprintf(out, ",\"walltime_ms\":%llu,\"network\":%s}", (unsigned long long)p->walltime_ms,
                p->network ? "true" : "false");
}

static void json_proxy(FILE *out, const oshb_proxy *px)
{
        fputs(",\"proxy\":[", out);
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                fprintf(out, "%s{\"id\":%u,\"action\":\"%s\",", i ? "," : "", r->id,
                        r->deny ? "deny" : "allow");
                if (r->is_ip) {
                        char cidr[64];
                        format_cidr(r, cidr, sizeof(cidr));
                        fprintf(out, "\"cidr\":\"%s\"", cidr);
                } else {
                        fputs("\"host\":", out);
                        jstr(out, r->host);
                }
                fprintf(out, ",\"port_lo\":%u,\"port_hi\":%u,\"binaries\":", r->port_lo,
                        r->port_hi);
                jstrs(out, r->binaries, r->nbinaries);
                fprintf(out, ",\"children\":%s,\"l7\":[", r->children ? "true" : "false");
                for (uint32_t j = 0; j < r->nl7; j++) {
                        const oshb_l7 *l = &r->l7[j];
                        fprintf(out, "%s{\"id\":%u,\"action\":\"%s\",\"methods\":", j ? "," : "",
                                l->id, l->deny ? "deny" : "allow");
                        jstrs(out, l->methods, l->nmethods);
                        fputs(",\"path\":", out);
                        jstr(out, l->path);
                        fputc('}', out);
                }
                fputs("]}", out);
        }
        fputc(']', out);
}

static void json_params(FILE *out, const oshb_bundle *b)
{
        fputs(",\"params\":[", out);
        for (uint32_t i = 0; i < b->nparams; i++) {
                const oshb_param *p = &b->params[i];
                fputs(i ? ",{\"name\":" : "{\"name\":", out);
                jstr(out, p->name);
                fputs(",\"default\":", out);
                jstr(out, p->def);
                fprintf(out, ",\"builtin\":%s,\"disjoint\":", p->builtin ? "true" : "false");
                jstrs(out, p->disjoint, p->ndisjoint);
                fputc('}', out);
        }
        fputc(']', out);
}

static void print_json(FILE *out, const char *path, size_t size, const oshb_bundle *b)
{
        fputs("{\"file\":", out);
        jstr(out, path);
        fprintf(out, ",\"size\":%zu,\"version\":%d,", size, OSHB_VERSION);
        json_meta(out, &b->meta);
        json_seccomp(out, b);
        json_landlock(out, &b->landlock);
        json_mounts(out, b);
        json_limits(out, b);
        json_process(out, &b->process);
        json_proxy(out, &b->proxy);
        json_params(out, b);
        fputs(",\"native\":", out);
        if (b->has_native) {
                fprintf(out, "{\"size\":%u,\"sha256\":\"", b->native.len);
                hex(out, b->native.sha256, 32);
                fputs("\"}", out);
        } else {
                fputs("null", out);
        }
        fputs("}\n", out);
}

/* oshc inspect BUNDLE [--format text|json] */
int cmd_inspect(int argc, char **argv)
{
        const char *path = NULL;
        bool json = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *fmt = NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        inspect_help();
                        return EXIT_OK;
                } else if (!strcmp(a, "--format")) {
                        if (i + 1 >= argc) {
                                cli_usage_error("inspect", "--format needs a value");
                                return EXIT_USAGE;
                        }
                        fmt = argv[++i];
                } else if (!strncmp(a, "--format=", 9)) {
                        fmt = a + 9;
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("inspect", "unknown option '%s'", a);
                        return EXIT_USAGE;
                } else if (path) {
                        cli_usage_error("inspect", "one bundle at a time ('%s' and '%s')", path, a);
                        return EXIT_USAGE;
                } else {
                        path = a;
                }
                if (fmt && !strcmp(fmt, "json")) {
                        json = true;
                } else if (fmt && !strcmp(fmt, "text")) {
                        json = false;
                } else if (fmt) {
                        cli_usage_error("inspect", "--format takes text or json, not '%s'", fmt);
                        return EXIT_USAGE;
                }
        }
        if (!path) {
                cli_usage_error("inspect", "which bundle? (oshc inspect BUNDLE)");
                return EXIT_USAGE;
        }

        oshb_bundle b;
        char err[768];
        if (oshb_read_file(path, &b, err, sizeof(err)) < 0) {
                fprintf(stderr, "oshc inspect: %s\n", err);
                return EXIT_FINDINGS;
        }
        /* the reader checked the header's length field against the file */
        struct stat st;
        size_t size = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
        if (json)
                print_json(stdout, path, size, &b);
        else
                print_text(stdout, path, size, &b);
        oshb_free(&b);
        return EXIT_OK;
}
