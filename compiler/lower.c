/*
 * lower.c - compose each policy and lower it into the IR.
 *
 * A policy's meaning is its own items plus those of every fragment it uses,
 * transitively, each fragment once.  fs, net and syscall rules are a plain
 * union (rule order never matters).  Settings that can be ordered from
 * loose to strict compose to the strictest, so a fragment of invariants can
 * never be loosened by the policy that uses it:
 *  - limits: the smallest value wins;
 *  - `requires landlock N`: the highest N wins; `best-effort` only counts in
 *    the policy itself, never from a fragment;
 *  - the syscall default: the most restrictive of all (policy and
 *    fragments); a policy with syscall rules and no default is an error;
 *  - caps: only capabilities every setter keeps (intersection);
 * Settings that have no order take the policy's own value:
 *  - user, group, hostname and `env set NAME`: the policy's own value wins;
 *    two fragments that disagree (and the policy says nothing) are an error
 *    naming both;
 *  - env keep, arch, asserts, within and waivers: union.
 * Sets are expanded, and every rule is split so one IR rule holds one path,
 * or one endpoint with one port range, or one syscall.
 */
#include "ir.h"

#include <ctype.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

/* A growable array in the arena. */
static void *grow(arena *a, void *arr, int n, int *cap, size_t size)
{
        if (n < *cap)
                return arr;
        int ncap = *cap ? *cap * 2 : 8;
        void *na = arena_alloc(a, size * (size_t)ncap);
        if (n)
                memcpy(na, arr, size * (size_t)n);
        *cap = ncap;
        return na;
}
#define PUSH(a, arr, n, cap) ((arr) = grow((a), (arr), (n), &(cap), sizeof(*(arr))), &(arr)[(n)++])

typedef struct syscall_slot {
        ir_syscall *sc;
        int cap;
} syscall_slot;

typedef struct lower {
        osh_ctx *c;
        arena *a;
        ir_program *prog;
        ir_policy *pol;
        ast_decl *policy;    /* the policy being lowered */
        ast_decl *from;      /* the fragment or policy whose items are being read */
        uint32_t arches[16]; /* the policy's target arches */
        int narches;
        int cap_fs, cap_net, cap_sys, cap_assert, cap_within, cap_waiver, cap_keep, cap_envset;
        int next_id;
        /* syscall name -> index in pol->syscalls (open addressing) */
        int *slots;
        int nslots;
        int *rule_caps;
        /* which decl gave each process setting (policy's own wins) */
        ast_decl *user_from, *group_from, *host_from, *default_from;
        ast_decl **envset_from;
} lower;

static const char *origin_of(lower *l)
{
        return l->from->name;
}

static bool is_own(lower *l)
{
        return l->from == l->policy;
}

/* ---- paths and sets ---- */

static ir_path elem_path(ast_elem *e)
{
        ir_path p = {NULL, e->text};
        if (e->kind == EL_PARAM)
                p.param = e->param;
        return p;
}

/* Call fn for every element an element list reaches, sets expanded. */
typedef void (*elem_fn)(lower *l, ast_elem *e, bool from_set, void *arg);

static void each_elem(lower *l, vec *v, elem_fn fn, void *arg, bool from_set, int depth)
{
        for (int i = 0; i < v->n; i++) {
                ast_elem *e = v->items[i];
                if (e->kind == EL_SETREF) {
                        if (e->set && depth <= 2 * NEST_MAX_DEPTH) /* resolve bounds chains */
                                each_elem(l, &e->set->elems, fn, arg, true, depth + 1);
                } else {
                        fn(l, e, from_set, arg);
                }
        }
}

/* ---- fs ---- */

typedef struct fs_ctx {
        ast_rule *r;
} fs_ctx;

static void add_fs(lower *l, ast_elem *e, bool from_set, void *arg)
{
        ast_rule *r = ((fs_ctx *)arg)->r;
        ir_fs_rule *fr = PUSH(l->a, l->pol->fs, l->pol->nfs, l->cap_fs);
        fr->id = l->next_id++;
        fr->deny = r->deny;
        fr->rights = r->rights;
        fr->path = elem_path(e);
        fr->where = e->where;
        fr->rule_where = r->where;
        fr->origin = origin_of(l);
}

/* ---- net ---- */

static void fill_endpoint(lower *l, ast_endpoint *aep, ir_endpoint *ep)
{
        if (aep->kind == HOST_IPV4 || aep->kind == HOST_IPV6) {
                ip_net net;
                char err[128];
                ip_net_parse(aep->host, &net, true, err, sizeof(err));
                ep->kind = IR_HOST_IP;
                memcpy(ep->addr, net.addr, 16);
                ep->prefix = net.prefix;
                ep->is_v4 = net.is_v4;
        } else {
                char *h = arena_strdup(l->a, aep->host);
                for (char *p = h; *p; p++)
                        *p = (char)tolower((unsigned char)*p);
                ep->kind = IR_HOST_NAME;
                ep->host = h;
        }
}

static const char **binaries_of(lower *l, vec *from, int *n);

typedef struct net_ctx {
        ast_rule *r;
        const char **bins;
        int nbins;
        ir_l7_rule *l7;
        int nl7;
} net_ctx;

static void add_net_port(lower *l, net_ctx *nc, ast_elem *e, long lo, long hi)
{
        ir_net_rule *nr = PUSH(l->a, l->pol->net, l->pol->nnet, l->cap_net);
        nr->id = l->next_id++;
        nr->op = nc->r->op;
        nr->deny = nc->r->deny;
        fill_endpoint(l, e->ep, &nr->ep);
        nr->ep.port_lo = (uint16_t)lo;
        nr->ep.port_hi = (uint16_t)hi;
        nr->binaries = nc->bins;
        nr->nbinaries = nc->nbins;
        nr->children = nc->r->children;
        nr->l7 = nc->l7;
        nr->nl7 = nc->nl7;
        nr->where = e->where;
        nr->rule_where = nc->r->where;
        nr->origin = origin_of(l);
}

static void add_net(lower *l, ast_elem *e, bool from_set, void *arg)
{
        net_ctx *nc = arg;
        if (e->kind != EL_ENDPOINT || !e->ep)
                return;
        if (e->ep->any_port || e->ep->nports == 0)
                add_net_port(l, nc, e, 1, 65535);
        for (int i = 0; i < e->ep->nports; i++)
                add_net_port(l, nc, e, e->ep->ports[i].lo, e->ep->ports[i].hi);
}

typedef struct str_list {
        const char **items;
        int n, cap;
} str_list;

static void add_binary(lower *l, ast_elem *e, bool from_set, void *arg)
{
        str_list *sl = arg;
        const char *s =
            e->kind == EL_PARAM ? arena_printf(l->a, "$%s%s", e->param, e->text) : e->text;
        *PUSH(l->a, sl->items, sl->n, sl->cap) = s;
}

static const char **binaries_of(lower *l, vec *from, int *n)
{
        str_list sl = {0};
        each_elem(l, from, add_binary, &sl, false, 0);
        *n = sl.n;
        return sl.items;
}

static void lower_l7(lower *l, ast_rule *r, net_ctx *nc)
{
        int cap = 0;
        for (int i = 0; i < r->l7.n; i++) {
                ast_rule *h = r->l7.items[i];
                const char **methods = NULL;
                int nmethods = 0, mcap = 0;
                for (int j = 0; j < h->methods.n; j++) {
                        ast_elem *m = h->methods.items[j];
                        if (m->kind == EL_NAME)
                                *PUSH(l->a, methods, nmethods, mcap) = m->text;
                }
                for (int j = 0; j < h->elems.n; j++) {
                        ast_elem *u = h->elems.items[j];
                        ir_l7_rule *lr = PUSH(l->a, nc->l7, nc->nl7, cap);
                        lr->id = l->next_id++;
                        lr->deny = h->deny;
                        lr->methods = methods;
                        lr->nmethods = nmethods;
                        lr->path = u->text;
                        lr->where = h->where;
                }
        }
}

static void lower_net_rule(lower *l, ast_rule *r)
{
        net_ctx nc = {.r = r};
        nc.bins = binaries_of(l, &r->from, &nc.nbins);
        lower_l7(l, r, &nc);
        each_elem(l, &r->elems, add_net, &nc, false, 0);
}

/* ---- syscalls ---- */

static uint64_t width_mask(int width)
{
        return width == 32 ? 0xffffffffull : ~0ull;
}

static uint64_t value_of(ast_value *v, const sys_arg *arg)
{
        uint64_t x = 0;
        switch (v->kind) {
        case VAL_NUM:
                x = v->num.negative ? (uint64_t)0 - v->num.value : v->num.value;
                break;
        case VAL_CONST:
                const_lookup(arg->ns, v->name, &x);
                break;
        case VAL_OR:
                x = value_of(v->l, arg) | value_of(v->r, arg);
                break;
        }
        return x & width_mask(arg->width);
}

static ir_cond *new_cond(lower *l, ir_cond_kind k, ir_cond *a, ir_cond *b)
{
        ir_cond *c = arena_alloc(l->a, sizeof(*c));
        c->kind = k;
        c->l = a;
        c->r = b;
        return c;
}

static const sys_arg *arg_of(const char *sys, const char *name)
{
        const sys_sig *sig = sysargs_lookup(sys);
        return sig ? sysargs_find(sig, name) : sysargs_positional(name);
}

static ir_cond *cmp_cond(lower *l, const sys_arg *arg, ast_expr *e, cmp_op op, uint64_t value)
{
        ir_cond *c = new_cond(l, COND_CMP, NULL, NULL);
        c->arg = arg->index;
        c->arg_name = arg->name;
        c->width = arg->width;
        c->is_signed = arg->is_signed;
        c->mask = e->mask ? value_of(e->mask, arg) : width_mask(arg->width);
        c->op = op;
        c->value = value;
        c->where = e->where;
        return c;
}

static ir_cond *lower_expr(lower *l, ast_expr *e, const char *sys)
{
        switch (e->kind) {
        case EX_OR:
                return new_cond(l, COND_OR, lower_expr(l, e->l, sys), lower_expr(l, e->r, sys));
        case EX_AND:
                return new_cond(l, COND_AND, lower_expr(l, e->l, sys), lower_expr(l, e->r, sys));
        case EX_NOT:
                return new_cond(l, COND_NOT, lower_expr(l, e->l, sys), NULL);
        case EX_CMP: {
                const sys_arg *arg = arg_of(sys, e->arg);
                return cmp_cond(l, arg, e, e->op, value_of(e->rhs, arg));
        }
        case EX_IN: {
                const sys_arg *arg = arg_of(sys, e->arg);
                ir_cond *acc = NULL;
                for (int i = 0; i < e->set.n; i++) {
                        ir_cond *c = cmp_cond(l, arg, e, e->not_in ? CMP_NE : CMP_EQ,
                                              value_of(e->set.items[i], arg));
                        acc = acc ? new_cond(l, e->not_in ? COND_AND : COND_OR, acc, c) : c;
                }
                return acc;
        }
        }
        return NULL;
}

static unsigned name_hash(const char *s)
{
        unsigned h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

static ir_syscall *syscall_entry(lower *l, const char *name, int **cap)
{
        unsigned h = name_hash(name) & (unsigned)(l->nslots - 1);
        while (l->slots[h] >= 0) {
                if (!strcmp(l->pol->syscalls[l->slots[h]].name, name)) {
                        *cap = &l->rule_caps[l->slots[h]];
                        return &l->pol->syscalls[l->slots[h]];
                }
                h = (h + 1) & (unsigned)(l->nslots - 1);
        }
        /* names come from libseccomp's tables, so there are at most a few hundred */
        if (l->pol->nsyscalls >= l->nslots / 2)
                return NULL;
        l->slots[h] = l->pol->nsyscalls;
        ir_syscall *sc = &l->pol->syscalls[l->pol->nsyscalls++];
        sc->name = name;
        *cap = &l->rule_caps[l->slots[h]];
        return sc;
}

static bool on_some_arch(lower *l, const char *name)
{
        for (int i = 0; i < l->narches; i++)
                if (seccomp_syscall_resolve_name_arch(l->arches[i], name) >= 0)
                        return true;
        return false;
}

static const char *missing_arch(lower *l, const char *name)
{
        for (int i = 0; i < l->narches; i++)
                if (seccomp_syscall_resolve_name_arch(l->arches[i], name) < 0)
                        return l->pol->narches ? l->pol->arches[i] : "the native architecture";
        return NULL;
}

typedef struct sys_ctx {
        ast_rule *r;
        ast_action act;
} sys_ctx;

static ir_action lower_action(ast_action *a)
{
        ir_action ia = {a->kind, 0};
        if (a->kind == ACT_ERRNO) {
                if (a->errno_is_num)
                        ia.errno_val = (int)a->errno_num.value;
                else
                        errno_lookup(a->errno_name, &ia.errno_val);
        }
        return ia;
}

static void add_sys(lower *l, ast_elem *e, bool from_set, void *arg)
{
        sys_ctx *sc = arg;
        if (e->kind != EL_NAME)
                return;
        if (from_set) {
                if (!on_some_arch(l, e->text))
                        return; /* a group member this policy's arches lack */
        } else {
                const char *arch = missing_arch(l, e->text);
                if (arch) {
                        diag *d = osh_error(l->c, "unknown-syscall", e->where,
                                            "'%s' is not a syscall on %s, a target of policy '%s'",
                                            e->text, arch, l->policy->name);
                        diag_note_at(l->c, d, l->policy->name_where, "policy '%s' is defined here",
                                     l->policy->name);
                        return;
                }
        }
        int *cap;
        ir_syscall *s = syscall_entry(l, e->text, &cap);
        if (!s)
                return;
        ir_sys_rule *r = PUSH(l->a, s->rules, s->nrules, *cap);
        r->id = l->next_id++;
        r->cond = sc->r->when ? lower_expr(l, sc->r->when, e->text) : NULL;
        r->action = lower_action(&sc->r->action);
        r->where = e->where;
        r->rule_where = sc->r->where;
        r->origin = origin_of(l);
}

static void lower_syscalls(lower *l, ast_item *it)
{
        l->pol->has_syscalls = true;
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                if (r->kind == R_DEFAULT) {
                        ir_action a = lower_action(&r->action);
                        ir_action cur = l->pol->sys_default;
                        ir_action s = l->default_from ? ir_action_stricter(cur, a) : a;
                        if (!l->default_from || s.kind != cur.kind ||
                            s.errno_val != cur.errno_val) {
                                l->pol->sys_default = s;
                                l->pol->sys_default_where = r->where;
                        }
                        l->default_from = l->from;
                        continue;
                }
                sys_ctx sc = {.r = r};
                each_elem(l, &r->elems, add_sys, &sc, false, 0);
        }
}

/* ---- limits and process ---- */

static uint64_t limit_value(ast_rule *r)
{
        if (r->limit == LIM_CPU)
                return r->num.unit == UNIT_PERCENT ? (uint64_t)(r->num.fvalue * 10.0 + 0.5)
                                                   : (uint64_t)(r->num.fvalue * 1000.0 + 0.5);
        return r->num.value;
}

static void lower_limits(lower *l, ast_item *it)
{
        ir_limits *lim = &l->pol->limits;
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                uint64_t v = limit_value(r);
                if (!lim->set[r->limit] || v < lim->value[r->limit]) {
                        lim->set[r->limit] = true;
                        lim->value[r->limit] = v;
                        lim->where[r->limit] = r->where;
                }
        }
}

/* One process setting: the policy's own wins; two fragments must agree. */
static bool take_setting(lower *l, ast_decl **owner, const char *cur, const char *val, span cur_w,
                         span w, const char *what)
{
        if (*owner == l->policy)
                return false;
        if (is_own(l) || !*owner) {
                *owner = l->from;
                return true;
        }
        if (cur && val && !strcmp(cur, val))
                return false;
        diag *d = osh_error(l->c, "setting-conflict", w,
                            "fragments '%s' and '%s' set different %s for policy '%s'; set it in "
                            "the policy itself",
                            (*owner)->name, l->from->name, what, l->policy->name);
        diag_note_at(l->c, d, cur_w, "the other value");
        return false;
}

/* caps compose to the intersection: a capability stays only when every
 * fragment and the policy that set caps keep it. */
static void set_caps(lower *l, ast_rule *r)
{
        ir_process *p = &l->pol->process;
        const char **kept = arena_alloc(l->a, sizeof(char *) * (size_t)(r->elems.n + 1));
        int n = 0;
        for (int i = 0; i < r->elems.n; i++) {
                const char *cap = ((ast_elem *)r->elems.items[i])->text;
                bool keep = !p->caps_set;
                for (int j = 0; j < p->ncaps && !keep; j++)
                        keep = !strcmp(p->caps[j], cap);
                if (keep)
                        kept[n++] = cap;
        }
        if (!p->caps_set || n < p->ncaps)
                p->caps_where = r->where;
        p->caps_set = true;
        p->caps = kept;
        p->ncaps = n;
}

static void set_env(lower *l, ast_rule *r)
{
        ir_process *p = &l->pol->process;
        for (int i = 0; i < p->nenv_set; i++) {
                if (strcmp(p->env_set[i].name, r->env_name))
                        continue;
                if (take_setting(l, &l->envset_from[i], p->env_set[i].value, r->str,
                                 p->env_set[i].where, r->where, "values for one variable")) {
                        p->env_set[i].value = r->str;
                        p->env_set[i].where = r->where;
                }
                return;
        }
        int cap = l->cap_envset;
        ir_env_set *e = PUSH(l->a, p->env_set, p->nenv_set, l->cap_envset);
        e->name = r->env_name;
        e->value = r->str;
        e->where = r->where;
        l->envset_from = grow(l->a, l->envset_from, p->nenv_set - 1, &cap, sizeof(ast_decl *));
        l->envset_from[p->nenv_set - 1] = l->from;
}

/* A numeric user or group id in its canonical decimal spelling (0x3e8 and
 * 01750 are 1000); names stay names, resolved at launch. */
static const char *id_text(lower *l, ast_rule *r)
{
        if (r->str == r->num.text && r->num.text)
                return arena_printf(l->a, "%llu", (unsigned long long)r->num.value);
        return r->str;
}

static void lower_process(lower *l, ast_item *it)
{
        ir_process *p = &l->pol->process;
        for (int i = 0; i < it->rules.n; i++) {
                ast_rule *r = it->rules.items[i];
                switch (r->proc) {
                case PROC_USER:
                        if (take_setting(l, &l->user_from, p->user, id_text(l, r), p->user_where,
                                         r->where, "users")) {
                                p->user = id_text(l, r);
                                p->user_where = r->where;
                        }
                        break;
                case PROC_GROUP:
                        if (take_setting(l, &l->group_from, p->group, id_text(l, r), p->group_where,
                                         r->where, "groups")) {
                                p->group = id_text(l, r);
                                p->group_where = r->where;
                        }
                        break;
                case PROC_HOSTNAME:
                        if (take_setting(l, &l->host_from, p->hostname, r->str, p->hostname_where,
                                         r->where, "host names")) {
                                p->hostname = r->str;
                                p->hostname_where = r->where;
                        }
                        break;
                case PROC_CAPS:
                        set_caps(l, r);
                        break;
                case PROC_ENV_KEEP:
                        for (int j = 0; j < r->elems.n; j++) {
                                const char *n = ((ast_elem *)r->elems.items[j])->text;
                                bool dup = false;
                                for (int k = 0; k < p->nenv_keep; k++)
                                        dup |= !strcmp(p->env_keep[k], n);
                                if (!dup)
                                        *PUSH(l->a, p->env_keep, p->nenv_keep, l->cap_keep) = n;
                        }
                        break;
                case PROC_ENV_SET:
                        set_env(l, r);
                        break;
                }
        }
}

/* ---- asserts, within, waivers ---- */

static void add_assert_path(lower *l, ast_elem *e, bool from_set, void *arg)
{
        ir_assert *as = arg;
        ir_path *p = arena_alloc(l->a, sizeof(*p) * (size_t)(as->npaths + 1));
        if (as->npaths)
                memcpy(p, as->paths, sizeof(*p) * (size_t)as->npaths);
        p[as->npaths++] = elem_path(e);
        as->paths = p;
}

static void add_assert_ep(lower *l, ast_elem *e, bool from_set, void *arg)
{
        ir_assert *as = arg;
        if (e->kind != EL_ENDPOINT || !e->ep)
                return;
        int n = e->ep->any_port || e->ep->nports == 0 ? 1 : e->ep->nports;
        ir_endpoint *eps = arena_alloc(l->a, sizeof(*eps) * (size_t)(as->nendpoints + n));
        if (as->nendpoints)
                memcpy(eps, as->endpoints, sizeof(*eps) * (size_t)as->nendpoints);
        for (int i = 0; i < n; i++) {
                ir_endpoint *ep = &eps[as->nendpoints++];
                fill_endpoint(l, e->ep, ep);
                bool any = e->ep->any_port || e->ep->nports == 0;
                ep->port_lo = any ? 1 : (uint16_t)e->ep->ports[i].lo;
                ep->port_hi = any ? 65535 : (uint16_t)e->ep->ports[i].hi;
        }
        as->endpoints = eps;
}

typedef struct assert_sys {
        ir_assert *as;
        ast_expr *when;
        int cap;
} assert_sys;

static void add_assert_sys(lower *l, ast_elem *e, bool from_set, void *arg)
{
        assert_sys *a = arg;
        if (e->kind == EL_NAME)
                *PUSH(l->a, a->as->syscalls, a->as->nsyscalls, a->cap) = e->text;
}

static void lower_assert(lower *l, ast_item *it)
{
        ir_assert *as = PUSH(l->a, l->pol->asserts, l->pol->nasserts, l->cap_assert);
        as->kind = it->akind;
        as->where = it->where;
        as->origin = origin_of(l);
        switch (it->akind) {
        case ASSERT_FS:
                as->rights = it->rights;
                each_elem(l, &it->elems, add_assert_path, as, false, 0);
                break;
        case ASSERT_CONNECT:
                each_elem(l, &it->elems, add_assert_ep, as, false, 0);
                as->binaries = binaries_of(l, &it->from, &as->nbinaries);
                break;
        case ASSERT_SYSCALL: {
                assert_sys a = {as, it->when, 0};
                each_elem(l, &it->elems, add_assert_sys, &a, false, 0);
                /* the condition is lowered per syscall by whoever checks it; keep
                 * the first syscall's reading here (arguments differ per call) */
                if (it->when && as->nsyscalls)
                        as->cond = lower_expr(l, it->when, as->syscalls[0]);
                break;
        }
        }
}

/* ---- composition ---- */

static void lower_items(lower *l, ast_decl *d)
{
        l->from = d;
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                switch (it->kind) {
                case IT_REQUIRES:
                        if (it->best_effort) {
                                if (is_own(l))
                                        l->pol->landlock_best_effort = true;
                                else
                                        osh_error(l->c, "best-effort-fragment", it->where,
                                                  "only a policy may opt in to best-effort "
                                                  "Landlock; move "
                                                  "this line into the policy");
                        } else if ((int)it->abi.value > l->pol->landlock_abi) {
                                l->pol->landlock_abi = (int)it->abi.value;
                        }
                        break;
                case IT_FS:
                        for (int j = 0; j < it->rules.n; j++) {
                                fs_ctx fc = {it->rules.items[j]};
                                each_elem(l, &fc.r->elems, add_fs, &fc, false, 0);
                        }
                        break;
                case IT_NET:
                        l->pol->has_net = true;
                        for (int j = 0; j < it->rules.n; j++)
                                lower_net_rule(l, it->rules.items[j]);
                        break;
                case IT_SYSCALLS:
                        lower_syscalls(l, it);
                        break;
                case IT_LIMITS:
                        lower_limits(l, it);
                        break;
                case IT_PROCESS:
                        lower_process(l, it);
                        break;
                case IT_ASSERT:
                        lower_assert(l, it);
                        break;
                case IT_WITHIN:
                        for (int j = 0; j < it->names.n; j++) {
                                ir_within *w =
                                    PUSH(l->a, l->pol->within, l->pol->nwithin, l->cap_within);
                                w->name = ((ast_elem *)it->names.items[j])->text;
                                w->where = ((ast_elem *)it->names.items[j])->where;
                        }
                        break;
                case IT_WAIVE: {
                        ir_waiver *w = PUSH(l->a, l->pol->waivers, l->pol->nwaivers, l->cap_waiver);
                        w->finding = it->finding;
                        w->reason = it->reason;
                        w->where = it->where;
                        w->origin = origin_of(l);
                        break;
                }
                default:
                        break;
                }
        }
}

/* The fragments a policy uses, transitively, depth first, each once. */
static void collect_uses(lower *l, ast_decl *d, vec *out)
{
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                if (it->kind != IT_USE || !it->targets)
                        continue;
                for (int j = 0; j < it->names.n; j++) {
                        ast_decl *t = it->targets[j];
                        bool seen = !t || t == l->policy;
                        for (int k = 0; t && k < out->n && !seen; k++)
                                seen = out->items[k] == t;
                        if (seen)
                                continue;
                        vec_push(l->a, out, t);
                        collect_uses(l, t, out);
                }
        }
}

static void collect_policy_arches(lower *l, ast_decl *d, vec *uses)
{
        int cap = 0;
        l->narches = 0;
        for (int u = -1; u < uses->n; u++) {
                ast_decl *src = u < 0 ? d : uses->items[u];
                for (int i = 0; i < src->items.n; i++) {
                        ast_item *it = src->items.items[i];
                        if (it->kind != IT_ARCH)
                                continue;
                        for (int j = 0; j < it->names.n; j++) {
                                const char *n = ((ast_elem *)it->names.items[j])->text;
                                uint32_t a = seccomp_arch_resolve_name(n);
                                bool dup = false;
                                for (int k = 0; k < l->narches; k++)
                                        dup |= l->arches[k] == a;
                                if (!a || dup || l->narches == 16)
                                        continue;
                                l->arches[l->narches++] = a;
                                *PUSH(l->a, l->pol->arches, l->pol->narches, cap) = n;
                        }
                }
        }
        if (l->narches == 0)
                l->arches[l->narches++] = seccomp_arch_native();
}

static int cmp_syscall(const void *a, const void *b)
{
        return strcmp(((const ir_syscall *)a)->name, ((const ir_syscall *)b)->name);
}

static ir_policy *lower_policy(lower *l, ast_decl *d)
{
        ir_policy *pol = arena_alloc(l->a, sizeof(*pol));
        memset(&l->cap_fs, 0, sizeof(*l) - offsetof(lower, cap_fs));
        l->pol = pol;
        l->policy = d;
        pol->name = d->name;
        pol->where = d->name_where;
        pol->sys_default.kind = ACT_ALLOW;
        pol->sys_default_where = no_span;
        vec uses = {0};
        collect_uses(l, d, &uses);
        pol->uses = arena_alloc(l->a, sizeof(char *) * (size_t)(uses.n + 1));
        for (int i = 0; i < uses.n; i++)
                pol->uses[pol->nuses++] = ((ast_decl *)uses.items[i])->name;
        collect_policy_arches(l, d, &uses);
        l->nslots = 2048;
        l->slots = arena_alloc(l->a, sizeof(int) * (size_t)l->nslots);
        memset(l->slots, 0xff, sizeof(int) * (size_t)l->nslots);
        pol->syscalls = arena_alloc(l->a, sizeof(ir_syscall) * (size_t)(l->nslots / 2));
        l->rule_caps = arena_alloc(l->a, sizeof(int) * (size_t)(l->nslots / 2));
        lower_items(l, d);
        for (int i = 0; i < uses.n; i++)
                lower_items(l, uses.items[i]);
        if (pol->nsyscalls && !l->default_from)
                osh_error(l->c, "missing-default", d->name_where,
                          "policy '%s' has syscall rules but no default action; add `default "
                          "errno(EPERM);` to its syscalls section",
                          d->name);
        qsort(pol->syscalls, (size_t)pol->nsyscalls, sizeof(ir_syscall), cmp_syscall);
        return pol;
}

static void lower_params(lower *l)
{
        static const char *const builtins[] = {"WORKDIR", "HOME"};
        int cap = 0;
        for (int i = 0; i < 2; i++) {
                ir_param *p = PUSH(l->a, l->prog->params, l->prog->nparams, cap);
                p->name = builtins[i];
                p->builtin = true;
                p->where = no_span;
        }
        for (int f = 0; f < l->c->nfiles; f++) {
                ast_file *file = l->c->files[f];
                for (int i = 0; i < file->decls.n; i++) {
                        ast_decl *d = file->decls.items[i];
                        if (d->kind != D_PARAM)
                                continue;
                        ir_param *p = PUSH(l->a, l->prog->params, l->prog->nparams, cap);
                        p->name = d->name;
                        p->def = d->def ? d->def->text : NULL;
                        p->where = d->name_where;
                }
        }
}

ir_program *ir_lower(osh_ctx *c)
{
        lower l = {.c = c, .a = &c->arena};
        l.prog = arena_alloc(l.a, sizeof(*l.prog));
        l.prog->ctx = c;
        int cap = 0;
        lower_params(&l);
        for (int f = 0; f < c->nfiles; f++) {
                ast_file *file = c->files[f];
                for (int i = 0; i < file->decls.n; i++) {
                        ast_decl *d = file->decls.items[i];
                        if (d->kind == D_POLICY)
                                *PUSH(l.a, l.prog->policies, l.prog->npolicies, cap) =
                                    lower_policy(&l, d);
                }
        }
        for (int i = 0; i < l.prog->npolicies; i++) {
                ir_policy *p = l.prog->policies[i];
                for (int j = 0; j < p->nwithin; j++)
                        p->within[j].target = ir_find_policy(l.prog, p->within[j].name);
        }
        return c->nerrors ? NULL : l.prog;
}

ir_policy *ir_find_policy(ir_program *p, const char *name)
{
        for (int i = 0; i < p->npolicies; i++)
                if (!strcmp(p->policies[i]->name, name))
                        return p->policies[i];
        return NULL;
}

ir_policy *ir_select_policy(ir_program *p, const char *name)
{
        osh_ctx *c = p->ctx;
        if (name) {
                ir_policy *pol = ir_find_policy(p, name);
                if (!pol)
                        osh_error(c, "no-policy", no_span, "no policy named '%s'", name);
                return pol;
        }
        /* the policies of the root file (files[0]) */
        ir_policy *found = NULL;
        int n = 0;
        ast_file *root = c->files[0];
        for (int i = 0; i < root->decls.n; i++) {
                ast_decl *d = root->decls.items[i];
                if (d->kind != D_POLICY)
                        continue;
                if (!found)
                        found = ir_find_policy(p, d->name);
                n++;
        }
        if (n == 1)
                return found;
        if (n == 0)
                osh_error(c, "no-policy", no_span,
                          "%s defines no policy (only fragments or sets); nothing to compile",
                          c->sources[root->file]->path);
        else
                osh_error(
                    c, "no-policy", no_span,
                    "%s defines %d policies; choose one with --policy NAME (the first is '%s')",
                    c->sources[root->file]->path, n, found->name);
        return NULL;
}

const ir_syscall *ir_find_syscall(const ir_policy *pol, const char *name)
{
        ir_syscall key = {.name = name};
        return bsearch(&key, pol->syscalls, (size_t)pol->nsyscalls, sizeof(ir_syscall),
                       cmp_syscall);
}
