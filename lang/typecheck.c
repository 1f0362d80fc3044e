/*
 * typecheck.c - check every literal, set and condition of a resolved program.
 *
 * After this pass the compiler may assume: paths are absolute and canonical;
 * hosts, IPs and CIDRs are well formed (CIDRs with host bits clear); ports
 * lie in 1..65535; every set holds one kind of element and is used where
 * that kind fits; sizes and durations carry units; syscall names exist on a
 * target architecture (libseccomp's tables); every condition names an
 * argument its syscall has, never a pointer, and compares it with constants
 * of that argument's own namespace and values that fit its width.
 */
#include "osh.h"
#include "sysargs.h"

#include <ctype.h>
#include <seccomp.h>
#include <string.h>

const char *const finding_names[] = {
    /* rule anomalies, DESIGN §5.1 */
    "dead-rule", "shadowed-rule", "redundant-rule", "overridden-allow", "conflict", "vacuous-rule",
    /* escalation paths, §5.2 */
    "wx-path", "writable-identity", "interpreter-grant", "self-modify", "control-socket",
    "secret-read", "dangerous-syscall", "syscall-alias", "proxy-bypass", "metadata-egress",
    "landlock-abi", "caps-kept", "unbounded-resources", "unenforceable", NULL};

bool finding_name_known(const char *name)
{
        for (int i = 0; finding_names[i]; i++)
                if (!strcmp(finding_names[i], name))
                        return true;
        return false;
}

static const char *const cap_names[] = {"CAP_CHOWN",
                                        "CAP_DAC_OVERRIDE",
                                        "CAP_DAC_READ_SEARCH",
                                        "CAP_FOWNER",
                                        "CAP_FSETID",
                                        "CAP_KILL",
                                        "CAP_SETGID",
                                        "CAP_SETUID",
                                        "CAP_SETPCAP",
                                        "CAP_LINUX_IMMUTABLE",
                                        "CAP_NET_BIND_SERVICE",
                                        "CAP_NET_BROADCAST",
                                        "CAP_NET_ADMIN",
                                        "CAP_NET_RAW",
                                        "CAP_IPC_LOCK",
                                        "CAP_IPC_OWNER",
                                        "CAP_SYS_MODULE",
                                        "CAP_SYS_RAWIO",
                                        "CAP_SYS_CHROOT",
                                        "CAP_SYS_PTRACE",
                                        "CAP_SYS_PACCT",
                                        "CAP_SYS_ADMIN",
                                        "CAP_SYS_BOOT",
                                        "CAP_SYS_NICE",
                                        "CAP_SYS_RESOURCE",
                                        "CAP_SYS_TIME",
                                        "CAP_SYS_TTY_CONFIG",
                                        "CAP_MKNOD",
                                        "CAP_LEASE",
                                        "CAP_AUDIT_WRITE",
                                        "CAP_AUDIT_CONTROL",
                                        "CAP_SETFCAP",
                                        "CAP_MAC_OVERRIDE",
                                        "CAP_MAC_ADMIN",
                                        "CAP_SYSLOG",
                                        "CAP_WAKE_ALARM",
                                        "CAP_BLOCK_SUSPEND",
                                        "CAP_AUDIT_READ",
                                        "CAP_PERFMON",
                                        "CAP_BPF",
                                        "CAP_CHECKPOINT_RESTORE",
                                        NULL};

const char *capability_name(unsigned cap)
{
        return cap < sizeof(cap_names) / sizeof(cap_names[0]) - 1 ? cap_names[cap] : NULL;
}

int capability_number(const char *name)
{
        for (int i = 0; cap_names[i]; i++)
                if (!strcmp(cap_names[i], name))
                        return i;
        return -1;
}

/* The highest Landlock ABI this compiler knows the rights of. */
#define LANDLOCK_ABI_MAX 7

typedef struct tc {
        osh_ctx *c;
        ast_decl *decl;      /* the fragment or policy being checked */
        uint32_t arches[16]; /* target arches of a policy; native otherwise */
        int narches;
} tc;

/* ---- paths ---- */

bool path_is_canonical(const char *p, const char **why)
{
        if (strstr(p, "//")) {
                *why = "it contains '//'";
                return false;
        }
        for (const char *s = p; (s = strchr(s, '/')); s++) {
                if (s[1] == '.' && (s[2] == '/' || s[2] == 0)) {
                        *why = "it contains '.' as a component";
                        return false;
                }
                if (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == 0)) {
                        *why = "it contains '..'";
                        return false;
                }
        }
        size_t n = strlen(p);
        if (n > 1 && p[n - 1] == '/') {
                *why = "it ends with '/'";
                return false;
        }
        if (n > 4095) {
                *why = "it is longer than PATH_MAX";
                return false;
        }
        return true;
}

static void check_path_text(tc *t, span where, const char *p, const char *shown)
{
        const char *why;
        if (p[0] != '/') {
                osh_error(t->c, "path-not-absolute", where,
                          "path '%s' is not absolute; paths start with '/' or a parameter like "
                          "$WORKDIR",
                          shown);
                return;
        }
        if (!path_is_canonical(p, &why))
                osh_error(t->c, "path-not-canonical", where,
                          "path '%s' is not canonical: %s; write the path it means", shown, why);
        else if (strchr(p, '*'))
                osh_warning(t->c, "literal-star", where,
                            "'*' in an fs path is a literal character, not a wildcard: '%s' names "
                            "one file; grant the parent directory to cover everything beneath it",
                            shown);
}

static void check_path_elem(tc *t, ast_elem *e)
{
        if (e->kind == EL_PATH || e->kind == EL_STRING) {
                check_path_text(t, e->where, e->text, e->text);
        } else if (e->kind == EL_PARAM) {
                if (e->text[0]) {
                        const char *why = "it ends with '/'";
                        if (!strcmp(e->text, "/") || !path_is_canonical(e->text, &why))
                                osh_error(t->c, "path-not-canonical", e->where,
                                          "path '$%s%s' is not canonical: %s", e->param, e->text,
                                          why);
                }
        }
}

/* ---- sets ---- */

static const char *set_type_name(set_type s)
{
        switch (s) {
        case SET_PATHS:
                return "paths";
        case SET_ENDPOINTS:
                return "endpoints";
        case SET_SYSCALLS:
                return "syscall names";
        case SET_EMPTY:
                return "nothing (it is empty)";
        default:
                return "unknown";
        }
}

static set_type elem_type(osh_ctx *c, ast_elem *e);

/* Infer (once) the element type of a set; mixed sets are reported. */
static set_type set_infer(osh_ctx *c, ast_decl *s)
{
        if (s->stype != SET_UNKNOWN || s->visit == 3)
                return s->stype;
        s->visit = 3; /* in progress: a cycle was already reported by resolve */
        set_type type = SET_EMPTY;
        ast_elem *first = NULL;
        for (int i = 0; i < s->elems.n; i++) {
                ast_elem *e = s->elems.items[i];
                set_type et = elem_type(c, e);
                if (et == SET_EMPTY || et == SET_UNKNOWN)
                        continue;
                if (type == SET_EMPTY) {
                        type = et;
                        first = e;
                } else if (et != type) {
                        diag *d =
                            osh_error(c, "set-mixed", e->where,
                                      "set @%s mixes %s and %s; a set holds one kind of element",
                                      s->name, set_type_name(type), set_type_name(et));
                        diag_note_at(c, d, first->where, "the first element is one of the %s",
                                     set_type_name(type));
                        break;
                }
        }
        s->stype = type;
        return type;
}

static set_type elem_type(osh_ctx *c, ast_elem *e)
{
        switch (e->kind) {
        case EL_PATH:
        case EL_PARAM:
                return SET_PATHS;
        case EL_STRING:
                return e->text[0] == '/' ? SET_PATHS : SET_UNKNOWN;
        case EL_ENDPOINT:
                return SET_ENDPOINTS;
        case EL_NAME:
                return SET_SYSCALLS;
        case EL_SETREF:
                return e->set ? set_infer(c, e->set) : SET_UNKNOWN;
        default:
                return SET_UNKNOWN;
        }
}

/* A set used where `want` elements go. */
static bool check_setref(tc *t, ast_elem *e, set_type want, const char *where_what)
{
        if (!e->set)
                return false;
        set_type st = set_infer(t->c, e->set);
        if (st == want || st == SET_EMPTY || st == SET_UNKNOWN)
                return st == want;
        diag *d = osh_error(t->c, "set-type", e->where, "@%s is a set of %s, but %s go here",
                            e->text, set_type_name(st), where_what);
        diag_note_at(t->c, d, e->set->name_where, "@%s is defined here", e->text);
        return false;
}

static void check_paths(tc *t, vec *v)
{
        for (int i = 0; i < v->n; i++) {
                ast_elem *e = v->items[i];
                if (e->kind == EL_SETREF)
                        check_setref(t, e, SET_PATHS, "paths");
                else
                        check_path_elem(t, e);
        }
}

/* ---- endpoints ---- */

static void check_ports(tc *t, ast_endpoint *ep, bool need_port, const char *shown)
{
        if (!ep->any_port && ep->nports == 0) {
                if (need_port)
                        osh_error(
                            t->c, "port-missing", ep->host_where,
                            "endpoint '%s' has no port; write %s:443, a range %s:8000..8010, a "
                            "set %s:{80, 443} or %s:*",
                            shown, shown, shown, shown, shown);
                return;
        }
        for (int i = 0; i < ep->nports; i++) {
                port_range *r = &ep->ports[i];
                if (r->lo < 1 || r->lo > 65535 || r->hi < 1 || r->hi > 65535)
                        osh_error(t->c, "port-range", r->where,
                                  "port must be a whole number 1..65535");
                else if (r->lo > r->hi)
                        osh_error(t->c, "port-range", r->where,
                                  "port range %ld..%ld is empty; write the lower port first", r->lo,
                                  r->hi);
        }
}

static void check_host(tc *t, ast_endpoint *ep, bool bind)
{
        char err[256];
        ip_net net;
        host_kind kind = ep->kind;
        if (kind == HOST_QUOTED) {
                if (strchr(ep->host, ':') || ep->host[0] == '[')
                        kind = HOST_IPV6;
                else if (ip_net_parse(ep->host, &net, true, err, sizeof(err)))
                        kind = HOST_IPV4;
                else
                        kind = HOST_NAME;
                ep->kind = kind;
        }
        switch (kind) {
        case HOST_STAR:
                osh_error(t->c, "host-wildcard", ep->host_where,
                          "a bare '%s' would match every host; name the domain (*.example.com) or "
                          "an address range (0.0.0.0/0)",
                          ep->host);
                return;
        case HOST_IPV4:
        case HOST_IPV6:
                if (!ip_net_parse(ep->host, &net, false, err, sizeof(err)))
                        osh_error(t->c, strstr(err, "host bits") ? "cidr-host-bits" : "ip-invalid",
                                  ep->host_where, "%s", err);
                return;
        case HOST_NAME:
        default:
                if (bind) {
                        osh_error(t->c, "bind-address", ep->host_where,
                                  "bind takes an address such as 127.0.0.1 or [::1], not the host "
                                  "name '%s'",
                                  ep->host);
                        return;
                }
                if (!host_pattern_check(ep->host, err, sizeof(err)))
                        osh_error(t->c, "host-invalid", ep->host_where, "%s", err);
                return;
        }
}

static void check_endpoints(tc *t, vec *v, bool bind)
{
        for (int i = 0; i < v->n; i++) {
                ast_elem *e = v->items[i];
                if (e->kind == EL_SETREF) {
                        check_setref(t, e, SET_ENDPOINTS, "endpoints");
                        continue;
                }
                if (e->kind != EL_ENDPOINT || !e->ep)
                        continue;
                check_host(t, e->ep, bind);
                check_ports(t, e->ep, true, e->ep->host);
        }
}

/* ---- syscall names ---- */

static bool syscall_on_arch(uint32_t arch, const char *name)
{
        return seccomp_syscall_resolve_name_arch(arch, name) >= 0;
}

static const char *arch_name(uint32_t arch)
{
        switch (arch) {
        case SCMP_ARCH_X86_64:
                return "x86_64";
        case SCMP_ARCH_X86:
                return "x86";
        case SCMP_ARCH_X32:
                return "x32";
        case SCMP_ARCH_AARCH64:
                return "aarch64";
        case SCMP_ARCH_ARM:
                return "arm";
        case SCMP_ARCH_RISCV64:
                return "riscv64";
        case SCMP_ARCH_PPC64LE:
                return "ppc64le";
        case SCMP_ARCH_S390X:
                return "s390x";
        default:
                return "this architecture";
        }
}

/* A name written in a rule must exist on every target arch. */
static void check_sysname(tc *t, ast_elem *e)
{
        for (int i = 0; i < t->narches; i++) {
                if (syscall_on_arch(t->arches[i], e->text))
                        continue;
                bool elsewhere = syscall_on_arch(SCMP_ARCH_X86_64, e->text) ||
                                 syscall_on_arch(SCMP_ARCH_AARCH64, e->text) ||
                                 syscall_on_arch(SCMP_ARCH_X86, e->text);
                if (elsewhere)
                        osh_error(t->c, "unknown-syscall", e->where,
                                  "'%s' is not a syscall on %s, a target of this %s", e->text,
                                  arch_name(t->arches[i]),
                                  t->decl->kind == D_POLICY ? "policy" : "fragment");
                else
                        osh_error(t->c, "unknown-syscall", e->where,
                                  "unknown syscall '%s' (libseccomp does not know it on any "
                                  "architecture)",
                                  e->text);
                return;
        }
}

/* Set members need only exist on some architecture: groups are shared by
 * policies for every arch, and a member missing on one is skipped there. */
static void check_set_sysname(osh_ctx *c, ast_elem *e)
{
        static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, SCMP_ARCH_X86,
                                          SCMP_ARCH_ARM, SCMP_ARCH_RISCV64};
        for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
                if (syscall_on_arch(arches[i], e->text))
                        return;
        osh_error(c, "unknown-syscall", e->where,
                  "unknown syscall '%s' (libseccomp does not know it on any architecture)",
                  e->text);
}

static void check_sysnames(tc *t, vec *v)
{
        for (int i = 0; i < v->n; i++) {
                ast_elem *e = v->items[i];
                if (e->kind == EL_SETREF)
                        check_setref(t, e, SET_SYSCALLS, "syscall names");
                else if (e->kind == EL_NAME)
                        check_sysname(t, e);
        }
}

/* Every syscall name a list reaches, sets expanded (for conditions). */
static void collect_sysnames(osh_ctx *c, vec *v, vec *out, int depth)
{
        for (int i = 0; i < v->n && depth <= 2 * NEST_MAX_DEPTH; i++) {
                ast_elem *e = v->items[i];
                if (e->kind == EL_NAME)
                        vec_push(&c->arena, out, e);
                else if (e->kind == EL_SETREF && e->set && e->set->stype == SET_SYSCALLS)
                        collect_sysnames(c, &e->set->elems, out, depth + 1);
        }
}

/* ---- conditions ---- */

/* Check one value against an argument: constants from its namespace, and
 * numbers that fit its width.  Returns false after reporting. */
static bool check_value(tc *t, ast_value *v, const sys_arg *arg, const char *sys)
{
        uint64_t x;
        switch (v->kind) {
        case VAL_OR:
                return check_value(t, v->l, arg, sys) && check_value(t, v->r, arg, sys);
        case VAL_NUM:
                if (v->num.unit != UNIT_NONE || v->num.is_float) {
                        osh_error(
                            t->c, "value-type", v->where,
                            "'%s' is not a plain integer; syscall arguments are compared with "
                            "integers",
                            v->num.text);
                        return false;
                }
                if (v->num.negative && !arg->is_signed) {
                        osh_error(t->c, "value-range", v->where,
                                  "'%s' of %s is unsigned; it cannot be compared with -%s",
                                  arg->name, sys, v->num.text);
                        return false;
                }
                if (arg->width == 32 && (v->num.negative ? v->num.value > 0x80000000ull
                                                         : v->num.value > 0xffffffffull)) {
                        osh_error(t->c, "value-range", v->where,
                                  "'%s' of %s is a 32-bit argument; %s%s does not fit in 32 bits",
                                  arg->name, sys, v->num.negative ? "-" : "", v->num.text);
                        return false;
                }
                if (v->num.negative && v->num.value > 0x8000000000000000ull) {
                        osh_error(t->c, "value-range", v->where, "-%s does not fit in 64 bits",
                                  v->num.text);
                        return false;
                }
                return true;
        case VAL_CONST:
                if (const_lookup(arg->ns, v->name, &x))
                        return true;
                const_ns ns = const_find_ns(v->name);
                if (ns != NS_NONE && arg->ns != NS_NONE)
                        osh_error(t->c, "const-namespace", v->where,
                                  "%s is one of the %s, but '%s' of %s takes %s", v->name,
                                  const_ns_describe(ns), arg->name, sys,
                                  const_ns_describe(arg->ns));
                else if (ns != NS_NONE)
                        osh_error(t->c, "const-namespace", v->where,
                                  "%s is one of the %s, but '%s' of %s takes plain numbers only",
                                  v->name, const_ns_describe(ns), arg->name, sys);
                else if (arg->ns != NS_NONE)
                        osh_error(t->c, "unknown-constant", v->where,
                                  "unknown constant '%s'; '%s' of %s takes %s", v->name, arg->name,
                                  sys, const_ns_describe(arg->ns));
                else
                        osh_error(t->c, "unknown-constant", v->where,
                                  "unknown constant '%s'; '%s' of %s takes plain numbers only",
                                  v->name, arg->name, sys);
                return false;
        }
        return false;
}

static const char *arg_list(tc *t, const sys_sig *sig)
{
        char buf[256];
        size_t n = 0;
        buf[0] = 0;
        for (int i = 0; i < sig->nargs && n < sizeof(buf); i++)
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
                                      sig->args[i].name);
        return arena_strdup(&t->c->arena, buf);
}

static const sys_arg *find_arg(tc *t, const char *sys, const char *name, span where)
{
        const sys_sig *sig = sysargs_lookup(sys);
        const sys_arg *arg = sig ? sysargs_find(sig, name) : sysargs_positional(name);
        if (!arg) {
                if (sig)
                        osh_error(t->c, "unknown-arg", where,
                                  "%s has no argument '%s'; its arguments are %s (or arg0..arg%d)",
                                  sys, name, arg_list(t, sig), sig->nargs - 1);
                else
                        osh_error(
                            t->c, "unknown-arg", where,
                            "the language does not know %s's argument names; write arg0..arg5 "
                            "instead of '%s'",
                            sys, name);
                return NULL;
        }
        if (arg->is_pointer) {
                osh_error(t->c, "pointer-arg", where,
                          "'%s' of %s is a pointer: seccomp sees only the address, not what it "
                          "points to, so a condition on it means nothing",
                          arg->name, sys);
                return NULL;
        }
        return arg;
}

/* Check expression `e` for syscall `sys`; false after the first error. */
static bool check_expr(tc *t, ast_expr *e, const char *sys)
{
        switch (e->kind) {
        case EX_OR:
        case EX_AND:
                return check_expr(t, e->l, sys) && check_expr(t, e->r, sys);
        case EX_NOT:
                return check_expr(t, e->l, sys);
        case EX_CMP:
        case EX_IN: {
                const sys_arg *arg = find_arg(t, sys, e->arg, e->arg_where);
                if (!arg)
                        return false;
                if (e->mask && !check_value(t, e->mask, arg, sys))
                        return false;
                if (e->rhs && !check_value(t, e->rhs, arg, sys))
                        return false;
                for (int i = 0; i < e->set.n; i++)
                        if (!check_value(t, e->set.items[i], arg, sys))
                                return false;
                return true;
        }
        }
        return true;
}

static void check_condition(tc *t, vec *names, ast_expr *when)
{
        if (!when)
                return;
        vec all = {0};
        collect_sysnames(t->c, names, &all, 0);
        for (int i = 0; i < all.n; i++) {
                ast_elem *e = all.items[i];
                if (!check_expr(t, when, e->text))
                        return; /* one error per rule: a group would repeat it */
        }
}

/* ---- actions ---- */

static void check_action(tc *t, ast_action *a)
{
        if (a->kind != ACT_ERRNO || a->from_deny)
                return;
        int v;
        if (a->errno_is_num) {
                if (a->errno_num.unit != UNIT_NONE || a->errno_num.is_float ||
                    a->errno_num.value < 1 || a->errno_num.value > 4095)
                        osh_error(t->c, "errno-range", a->where,
                                  "errno value must be 1..4095 (the kernel's MAX_ERRNO)");
        } else if (!errno_lookup(a->errno_name, &v)) {
                osh_error(t->c, "unknown-errno", a->where,
                          "unknown errno name '%s' (e.g. EPERM, EACCES, ENOSYS)", a->errno_name);
        }
}

/* ---- sections ---- */

static void check_fs(tc *t, ast_item *it)
{
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                check_paths(t, &r->elems);
        }
}

/* URL globs are matched against the request path as sent, so a pattern
 * that no normalized request path can have is a mistake. */
static const char *url_path_problem(const char *p)
{
        if (strstr(p, "//"))
                return "contains '//'";
        for (const char *s = p; (s = strchr(s, '/')); s++)
                if (s[1] == '.' &&
                    (s[2] == '/' || s[2] == 0 || (s[2] == '.' && (s[3] == '/' || !s[3]))))
                        return "contains a '.' or '..' segment";
        for (; *p; p++) {
                unsigned char ch = (unsigned char)*p;
                if (ch <= ' ' || ch >= 0x7f)
                        return "contains a space or control character (percent-encode it)";
                if (ch == '?' || ch == '#')
                        return "contains a query or fragment ('?' or '#'); rules match the path "
                               "only";
        }
        return NULL;
}

static void check_l7(tc *t, ast_rule *r)
{
        for (int i = 0; i < r->methods.n; i++) {
                ast_elem *m = r->methods.items[i];
                if (m->kind == EL_STAR && r->methods.n > 1)
                        osh_error(
                            t->c, "http-method", m->where,
                            "'*' already means every method; list methods or write '*' alone");
                if (m->kind != EL_NAME)
                        continue;
                for (const char *p = m->text; *p; p++)
                        if (!isupper((unsigned char)*p)) {
                                osh_error(
                                    t->c, "http-method", m->where,
                                    "HTTP method '%s' must be upper-case letters (GET, POST, ...)",
                                    m->text);
                                break;
                        }
        }
        for (int i = 0; i < r->elems.n; i++) {
                ast_elem *u = r->elems.items[i];
                if (u->text[0] != '/') {
                        osh_error(t->c, "url-path", u->where, "URL path '%s' must start with '/'",
                                  u->text);
                        continue;
                }
                const char *bad = url_path_problem(u->text);
                if (bad) {
                        osh_error(t->c, "url-path", u->where, "URL path '%s' %s", u->text, bad);
                        continue;
                }
                for (const char *p = u->text; (p = strstr(p, "**")); p += 2) {
                        bool whole = (p == u->text || p[-1] == '/') && (p[2] == 0 || p[2] == '/');
                        if (!whole || p[2] == '*') {
                                osh_error(t->c, "url-path", u->where,
                                          "'**' must be a whole path segment in '%s' (/repos/**)",
                                          u->text);
                                break;
                        }
                }
        }
}

static void check_net(tc *t, ast_item *it)
{
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                check_endpoints(t, &r->elems, r->op == NET_BIND);
                check_paths(t, &r->from);
                for (int j = 0; j < r->l7.n; j++)
                        check_l7(t, r->l7.items[j]);
        }
}

static void check_syscalls(tc *t, ast_item *it, ast_rule **seen_default)
{
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                check_action(t, &r->action);
                if (r->kind == R_DEFAULT) {
                        if (*seen_default) {
                                diag *d =
                                    osh_error(t->c, "duplicate-default", r->where,
                                              "a second default action in '%s'", t->decl->name);
                                diag_note_at(t->c, d, (*seen_default)->where, "the first default");
                        }
                        *seen_default = r;
                        continue;
                }
                check_sysnames(t, &r->elems);
                check_condition(t, &r->elems, r->when);
        }
}

static void require_unit(tc *t, ast_rule *r, unit_kind want, const char *example)
{
        ast_number *n = &r->num;
        if (n->unit == want)
                return;
        if (n->unit == UNIT_NONE && n->value == 0 && !n->is_float && want == UNIT_BYTES)
                return; /* 0 is 0 in any unit */
        osh_error(t->c, n->unit == UNIT_NONE ? "unit-missing" : "unit-wrong", n->where,
                  "%s takes %s, e.g. %s %s", limit_name(r->limit),
                  want == UNIT_BYTES ? "a size with a unit (KiB MiB GiB TiB)"
                                     : "a duration with a unit (ms s m h)",
                  limit_name(r->limit), example);
}

static void require_count(tc *t, ast_rule *r, uint64_t lo, uint64_t hi)
{
        ast_number *n = &r->num;
        if (n->unit != UNIT_NONE || n->is_float) {
                osh_error(t->c, "unit-wrong", n->where, "%s takes a plain whole number, not '%s'",
                          limit_name(r->limit), n->text);
                return;
        }
        if (n->value < lo || n->value > hi)
                osh_error(t->c, "number-range", n->where, "%s must be %llu..%llu",
                          limit_name(r->limit), (unsigned long long)lo, (unsigned long long)hi);
}

static void check_limit(tc *t, ast_rule *r)
{
        ast_number *n = &r->num;
        switch (r->limit) {
        case LIM_MEMORY:
        case LIM_FILESIZE:
                require_unit(t, r, UNIT_BYTES, "2GiB");
                if (n->value == 0)
                        osh_error(t->c, "number-range", n->where,
                                  "%s 0 would stop every process; give a size",
                                  limit_name(r->limit));
                break;
        case LIM_SWAP:
                require_unit(t, r, UNIT_BYTES, "512MiB");
                break;
        case LIM_PIDS:
                require_count(t, r, 1, 4194304);
                break;
        case LIM_FILES:
                require_count(t, r, 1, 1u << 30);
                break;
        case LIM_IO_WEIGHT:
                require_count(t, r, 1, 10000);
                break;
        case LIM_CPU:
                if (n->unit == UNIT_PERCENT) {
                        if (n->fvalue < 0.1 || n->fvalue > 409600)
                                osh_error(
                                    t->c, "number-range", n->where,
                                    "cpu must be at least 0.1%% and at most 409600%% (4096 cores)");
                } else if (n->unit != UNIT_NONE) {
                        osh_error(t->c, "unit-wrong", n->where,
                                  "cpu takes cores (1.5) or a percentage (150%%), not '%s'",
                                  n->text);
                } else if (n->fvalue < 0.001 || n->fvalue > 4096) {
                        osh_error(t->c, "number-range", n->where,
                                  "cpu must be at least 0.001 and at most 4096 cores");
                }
                break;
        case LIM_CPUTIME:
        case LIM_WALLTIME:
                require_unit(t, r, UNIT_TIME, "2h");
                if (n->value == 0)
                        osh_error(t->c, "number-range", n->where, "%s must be above 0",
                                  limit_name(r->limit));
                break;
        default:
                break;
        }
}

static void check_limits(tc *t, ast_item *it, ast_rule **seen)
{
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                if (seen[r->limit]) {
                        diag *d = osh_error(t->c, "duplicate-setting", r->where,
                                            "%s is set twice in '%s'", limit_name(r->limit),
                                            t->decl->name);
                        diag_note_at(t->c, d, seen[r->limit]->where, "first set here");
                }
                seen[r->limit] = r;
                check_limit(t, r);
        }
}

static bool has_text(const char *s)
{
        for (; *s; s++)
                if (!isspace((unsigned char)*s))
                        return true;
        return false;
}

static bool env_name_valid(const char *s)
{
        if (!isalpha((unsigned char)*s) && *s != '_')
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_')
                        return false;
        return true;
}

static void check_id(tc *t, ast_rule *r, const char *what)
{
        if (r->str == r->num.text && r->num.text) {
                if (r->num.unit != UNIT_NONE || r->num.is_float || r->num.value > 4294967294ull)
                        osh_error(t->c, "id-range", r->num.where,
                                  "%s id must be a whole number 0..4294967294", what);
                return;
        }
        const char *s = r->str;
        bool ok = *s && (isalpha((unsigned char)*s) || *s == '_');
        for (; *s && ok; s++)
                ok = isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.';
        if (!ok || strlen(r->str) > 32)
                osh_error(t->c, "id-invalid", r->rights_where,
                          "'%s' is not a valid %s name (letters, digits, _ - . ; at most 32)",
                          r->str, what);
}

static const char *proc_name(proc_key k)
{
        switch (k) {
        case PROC_USER:
                return "user";
        case PROC_GROUP:
                return "group";
        case PROC_CAPS:
                return "caps";
        case PROC_HOSTNAME:
                return "hostname";
        default:
                return "env";
        }
}

static void check_process(tc *t, ast_item *it, ast_rule **seen)
{
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                if (r->proc != PROC_ENV_KEEP && r->proc != PROC_ENV_SET) {
                        if (seen[r->proc]) {
                                diag *d = osh_error(t->c, "duplicate-setting", r->where,
                                                    "%s is given twice in '%s'", proc_name(r->proc),
                                                    t->decl->name);
                                diag_note_at(t->c, d, seen[r->proc]->where, "first given here");
                        }
                        seen[r->proc] = r;
                }
                if (r->proc == PROC_ENV_SET) {
                        for (int j = 0; j < i; j++) {
                                ast_rule *o = it->rules.items[j];
                                if (o->proc == PROC_ENV_SET && !strcmp(o->env_name, r->env_name)) {
                                        diag *d = osh_error(t->c, "duplicate-setting", r->where,
                                                            "env set %s is given twice in '%s'",
                                                            r->env_name, t->decl->name);
                                        diag_note_at(t->c, d, o->where, "first given here");
                                        break;
                                }
                        }
                }
                switch (r->proc) {
                case PROC_USER:
                        check_id(t, r, "user");
                        break;
                case PROC_GROUP:
                        check_id(t, r, "group");
                        break;
                case PROC_CAPS:
                        for (int j = 0; j < r->elems.n; j++) {
                                ast_elem *e = r->elems.items[j];
                                if (capability_number(e->text) < 0)
                                        osh_error(
                                            t->c, "unknown-capability", e->where,
                                            "unknown capability '%s' (write it as the kernel names "
                                            "it, e.g. CAP_NET_BIND_SERVICE)",
                                            e->text);
                        }
                        break;
                case PROC_ENV_KEEP:
                        for (int j = 0; j < r->elems.n; j++) {
                                ast_elem *e = r->elems.items[j];
                                if (!env_name_valid(e->text))
                                        osh_error(t->c, "env-name", e->where,
                                                  "'%s' is not a valid environment variable name",
                                                  e->text);
                        }
                        break;
                case PROC_ENV_SET:
                        if (!env_name_valid(r->env_name))
                                osh_error(t->c, "env-name", r->env_name_where,
                                          "'%s' is not a valid environment variable name",
                                          r->env_name);
                        break;
                case PROC_HOSTNAME: {
                        char err[256];
                        if (strlen(r->str) > 64)
                                snprintf(err, sizeof(err), "longer than 64 characters");
                        else if (strchr(r->str, '*'))
                                snprintf(err, sizeof(err), "a wildcard is not a host name");
                        else if (host_pattern_check(r->str, err, sizeof(err)))
                                break;
                        osh_error(t->c, "hostname-invalid", r->rights_where,
                                  "'%s' is not a valid host name: %s", r->str, err);
                        break;
                }
                }
        }
}

/* ---- items ---- */

static void check_requires(tc *t, ast_item *it)
{
        if (it->best_effort) {
                if (strcmp(it->finding, "best-effort"))
                        osh_error(
                            t->c, "landlock-abi", it->finding_where,
                            "requires landlock takes an ABI number 1..%d or best-effort, not '%s'",
                            LANDLOCK_ABI_MAX, it->finding);
                return;
        }
        if (it->abi.unit != UNIT_NONE || it->abi.is_float || it->abi.value < 1 ||
            it->abi.value > LANDLOCK_ABI_MAX)
                osh_error(t->c, "landlock-abi", it->abi.where,
                          "Landlock ABI must be 1..%d (the ABIs this oshc knows), not %s",
                          LANDLOCK_ABI_MAX, it->abi.text);
}

static void check_assert(tc *t, ast_item *it)
{
        switch (it->akind) {
        case ASSERT_FS:
                check_paths(t, &it->elems);
                break;
        case ASSERT_CONNECT:
                check_endpoints(t, &it->elems, false);
                check_paths(t, &it->from);
                break;
        case ASSERT_SYSCALL:
                check_sysnames(t, &it->elems);
                check_condition(t, &it->elems, it->when);
                break;
        }
}

/* The arches a policy names, or the native one. */
static void collect_arches(tc *t, ast_decl *d)
{
        t->narches = 0;
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                if (it->kind != IT_ARCH)
                        continue;
                for (int j = 0; j < it->names.n; j++) {
                        ast_elem *e = it->names.items[j];
                        uint32_t a = seccomp_arch_resolve_name(e->text);
                        if (a == SCMP_ARCH_X32) {
                                osh_error(t->c, "unknown-arch", e->where,
                                          "x32 is not an architecture of its own for seccomp: "
                                          "x32 calls arrive as x86_64 with bit 30 set, and an "
                                          "x86_64 program kills them; name x86_64");
                                continue;
                        }
                        if (!a) {
                                osh_error(
                                    t->c, "unknown-arch", e->where,
                                    "unknown architecture '%s' (e.g. x86_64, aarch64, x86, arm, "
                                    "riscv64)",
                                    e->text);
                                continue;
                        }
                        if (t->narches < 16)
                                t->arches[t->narches++] = a;
                }
        }
        if (t->narches == 0)
                t->arches[t->narches++] = seccomp_arch_native();
}

static void check_decl_items(tc *t, ast_decl *d)
{
        ast_item *seen_requires = NULL;
        ast_rule *seen_default = NULL;
        ast_rule *seen_limit[LIM__COUNT] = {0};
        ast_rule *seen_proc[PROC_HOSTNAME + 1] = {0};
        t->decl = d;
        collect_arches(t, d);
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                switch (it->kind) {
                case IT_REQUIRES:
                        if (seen_requires) {
                                diag *dg =
                                    osh_error(t->c, "duplicate-setting", it->where,
                                              "requires landlock is given twice in '%s'", d->name);
                                diag_note_at(t->c, dg, seen_requires->where, "first given here");
                        }
                        seen_requires = it;
                        check_requires(t, it);
                        break;
                case IT_FS:
                        check_fs(t, it);
                        break;
                case IT_NET:
                        check_net(t, it);
                        break;
                case IT_SYSCALLS:
                        check_syscalls(t, it, &seen_default);
                        break;
                case IT_LIMITS:
                        check_limits(t, it, seen_limit);
                        break;
                case IT_PROCESS:
                        check_process(t, it, seen_proc);
                        break;
                case IT_ASSERT:
                        check_assert(t, it);
                        break;
                case IT_WAIVE:
                        if (!finding_name_known(it->finding))
                                osh_error(
                                    t->c, "unknown-finding", it->finding_where,
                                    "unknown finding '%s'; waive takes a finding name such as "
                                    "interpreter-grant or wx-path",
                                    it->finding);
                        if (!has_text(it->reason))
                                osh_error(t->c, "waiver-reason", it->where,
                                          "a waiver needs a reason a reviewer can read");
                        break;
                default:
                        break;
                }
        }
}

static void check_set_decl(tc *t, ast_decl *d)
{
        set_type st = set_infer(t->c, d);
        for (int i = 0; i < d->elems.n; i++) {
                ast_elem *e = d->elems.items[i];
                switch (e->kind) {
                case EL_PATH:
                case EL_PARAM:
                        check_path_elem(t, e);
                        break;
                case EL_STRING:
                        if (e->text[0] == '/')
                                check_path_elem(t, e);
                        else
                                osh_error(
                                    t->c, "set-element", e->where,
                                    "a quoted set element must be a path (\"/with spaces\") or "
                                    "an endpoint (\"host\":443)");
                        break;
                case EL_ENDPOINT:
                        check_host(t, e->ep, false);
                        check_ports(t, e->ep, true, e->ep->host);
                        break;
                case EL_NAME:
                        if (st == SET_SYSCALLS)
                                check_set_sysname(t->c, e);
                        break;
                default:
                        break;
                }
        }
}

void typecheck_program(osh_ctx *c)
{
        tc t = {.c = c};
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        t.decl = d;
                        switch (d->kind) {
                        case D_SET:
                                check_set_decl(&t, d);
                                break;
                        case D_PARAM:
                                if (d->def) {
                                        if (d->def->kind == EL_PARAM)
                                                osh_error(
                                                    c, "param-default", d->def->where,
                                                    "a parameter's default must be a literal path");
                                        else if (d->def->kind == EL_SETREF)
                                                osh_error(c, "param-default", d->def->where,
                                                          "a parameter's default must be a path, "
                                                          "not a set");
                                        else
                                                check_path_elem(&t, d->def);
                                }
                                break;
                        case D_FRAGMENT:
                        case D_POLICY:
                                check_decl_items(&t, d);
                                break;
                        default:
                                break;
                        }
                }
        }
}
