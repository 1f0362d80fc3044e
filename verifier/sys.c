/*
 * sys.c - the syscalls domain of the verifier (DESIGN §5): a call is the
 * kernel's seccomp_data, six 64-bit bit-vector arguments; a rule's
 * condition is encoded exactly as the reference evaluator reads it (a
 * 32-bit argument compares its low 32 bits, a signed one as a
 * two's-complement number of its width, masks and the six comparisons);
 * the decision is the most restrictive action among the matching rules
 * (ir_action_stricter), else the policy's default.
 *
 * What it proves, per policy with a syscalls section:
 *   anomalies   vacuous-rule, dead-rule, shadowed-rule, redundant-rule,
 *               conflict, per syscall with one solver and assumption
 *               literals (one Boolean m_i <=> cond_i per rule), covering
 *               sets from unsat cores, minimized by deletion;
 *   escalation  dangerous-syscall, syscall-alias (equivalent calls and the
 *               compat arch);
 *   assertions  `assert never syscall NAMES [when COND]`;
 * and vf_compare_sys, the relation of two policies' "allowed" sets.
 *
 * "Allowed" is what eval_syscall says: the action is allow or log.  A
 * syscall whose rules are all unconditional is decided structurally,
 * without the solver (most of the stdlib's hundreds of calls are).
 *
 * Every witness is a request in `oshc query` syntax, replayed through the
 * reference evaluator (its action must equal the proof's, errno included)
 * and, when the compiled bundle is at hand, through the native program.
 */
#include "verify.h"

#include "../backends/bpf.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

static void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p) {
                fprintf(stderr, "oshc verify: out of memory\n");
                exit(2);
        }
        return p;
}

static bool uncond(const ir_sys_rule *r)
{
        return !r->cond || r->cond->kind == COND_TRUE;
}

static bool act_eq(ir_action a, ir_action b)
{
        return a.kind == b.kind && (a.kind != ACT_ERRNO || a.errno_val == b.errno_val);
}

/* A total order agreeing with ir_action_stricter. */
static int act_rank(ir_action a)
{
        int r = (int)a.kind << 16;
        if (a.kind == ACT_ERRNO)
                r |= 0xffff - (a.errno_val & 0xffff);
        return r;
}

static bool act_allows(ir_action a)
{
        return a.kind == ACT_ALLOW || a.kind == ACT_LOG;
}

static const char *act_str(vf *v, ir_action a)
{
        char buf[64];
        return arena_strdup(&v->c->arena, ir_action_str(a, buf, sizeof buf));
}

static bool all_uncond(const ir_syscall *sc)
{
        for (int i = 0; sc && i < sc->nrules; i++)
                if (!uncond(&sc->rules[i]))
                        return false;
        return true;
}

/* The action of a syscall whose rules are all unconditional. */
static ir_action const_action(const ir_policy *p, const ir_syscall *sc)
{
        if (!p->has_syscalls)
                return (ir_action){ACT_ALLOW, 0};
        if (!sc || sc->nrules == 0)
                return p->sys_default;
        ir_action a = sc->rules[0].action;
        for (int i = 1; i < sc->nrules; i++)
                a = ir_action_stricter(a, sc->rules[i].action);
        return a;
}

static unsigned cond_refs(const ir_cond *c)
{
        if (!c)
                return 0;
        switch (c->kind) {
        case COND_CMP:
                return c->arg >= 0 && c->arg < 6 ? 1u << c->arg : 0;
        case COND_AND:
        case COND_OR:
                return cond_refs(c->l) | cond_refs(c->r);
        case COND_NOT:
                return cond_refs(c->l);
        default:
                return 0;
        }
}

static unsigned sc_refs(const ir_syscall *sc)
{
        unsigned m = 0;
        for (int i = 0; sc && i < sc->nrules; i++)
                m |= cond_refs(sc->rules[i].cond);
        return m;
}

/* The name `oshc query` reads argument `idx` of `name` by. */
static const char *arg_name(const char *name, int idx, char *buf, size_t n)
{
        const sys_sig *sig = sysargs_lookup(name);
        for (int i = 0; sig && i < sig->nargs; i++)
                if (sig->args[i].index == idx && sig->args[i].name)
                        return sig->args[i].name;
        snprintf(buf, n, "arg%d", idx);
        return buf;
}

/* `name a=v ...` for the arguments in `refs` that are not zero; argument
 * `sym_idx` (when >= 0) is written as `sym_text` instead of a number. */
static const char *fmt_request(vf *v, const char *name, const uint64_t args[6], unsigned refs,
                               int sym_idx, const char *sym_text)
{
        char out[512];
        size_t o = (size_t)snprintf(out, sizeof out, "%s", name);
        for (int k = 0; k < 6 && o < sizeof out; k++) {
                if (!(refs & (1u << k)) || (!args[k] && k != sym_idx))
                        continue;
                char nb[16];
                const char *an = arg_name(name, k, nb, sizeof nb);
                if (k == sym_idx)
                        o += (size_t)snprintf(out + o, sizeof out - o, " %s=%s", an, sym_text);
                else if (args[k] < 10)
                        o += (size_t)snprintf(out + o, sizeof out - o, " %s=%llu", an,
                                              (unsigned long long)args[k]);
                else
                        o += (size_t)snprintf(out + o, sizeof out - o, " %s=0x%llx", an,
                                              (unsigned long long)args[k]);
        }
        return arena_strdup(&v->c->arena, out);
}

/* ---- the bundle's native program (witness replay through cBPF) ---- */

static void bpf_replay(vf *v, const ir_policy *p, const char *name, const uint64_t args[6],
                       ir_action proof, const char *req)
{
        const oshb_bundle *b = v->bundle;
        if (!b || !p->has_syscalls)
                return;
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR || nr < 0)
                return;
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                const oshb_seccomp_prog *pr = &b->seccomp[i];
                if (pr->audit_arch != AUDIT_ARCH_X86_64)
                        continue;
                bpf_seccomp_data d = {.nr = (uint32_t)nr, .arch = AUDIT_ARCH_X86_64};
                memcpy(d.args, args, sizeof d.args);
                bpf_run_result r = bpf_run(pr->insns, pr->ninsns, &d, false);
                ir_action got;
                char b1[64], b2[64];
                if (!r.ok) {
                        vf_internal(v, "policy %s: the compiled program fails on '%s': %s", p->name,
                                    req, r.error);
                } else if (!bpf_ret_action(r.ret, &got) || !act_eq(got, proof)) {
                        vf_internal(v,
                                    "policy %s: the proof says '%s' gets %s, the compiled "
                                    "program returns %s",
                                    p->name, req, ir_action_str(proof, b1, sizeof b1),
                                    bpf_ret_name(r.ret, b2, sizeof b2));
                }
        }
}

/* vf_replay, but for the calls `oshc query` reads as network requests
 * (bind, connect) the call is decided by eval_syscall directly. */
static bool sys_replay(vf *v, const ir_policy *p, const char *name, const uint64_t args[6],
                       const char *req, int expect, eval_result *out)
{
        if (strcmp(name, "bind") && strcmp(name, "connect"))
                return vf_replay(v, p, req, expect, out);
        eval_result r = eval_syscall(p, name, args);
        if (out)
                *out = r;
        if (expect >= 0 && r.allowed != (expect == 1)) {
                vf_internal(v, "policy %s: the proof says '%s' is %s, the reference evaluator %s",
                            p->name, req, expect ? "allowed" : "denied",
                            r.allowed ? "allows it" : "denies it");
                return false;
        }
        return true;
}

/* Replay a witness: the evaluator must give exactly the proof's action. */
static void replay(vf *v, const ir_policy *p, const char *name, const uint64_t args[6],
                   ir_action proof, const char *req)
{
        eval_result r;
        if (!sys_replay(v, p, name, args, req, act_allows(proof) ? 1 : 0, &r))
                return;
        if (p->has_syscalls && r.layer == LAYER_SECCOMP && !act_eq(r.action, proof)) {
                char b1[64], b2[64];
                vf_internal(v, "policy %s: the proof says '%s' gets %s, the reference evaluator %s",
                            p->name, req, ir_action_str(proof, b1, sizeof b1),
                            ir_action_str(r.action, b2, sizeof b2));
        }
        bpf_replay(v, p, name, args, proof, req);
}

/* ---- the encoding ---- */

/* Every term is kept (the context counts references, and an unreferenced
 * result dies at the next call that makes one); released per syscall. */
typedef struct enc {
        vf *v;
        Z3_context z;
        Z3_solver s;
        Z3_ast *keep;
        int nkeep, capkeep;
        Z3_ast arg[6];
        bool shared; /* a scope of the shared solver */
} enc;

static Z3_ast K(enc *e, Z3_ast a)
{
        Z3_inc_ref(e->z, a);
        if (e->nkeep == e->capkeep) {
                e->capkeep = e->capkeep ? 2 * e->capkeep : 64;
                e->keep = xrealloc(e->keep, (size_t)e->capkeep * sizeof *e->keep);
        }
        e->keep[e->nkeep++] = a;
        return a;
}

/* One solver serves a whole vf_check_sys or vf_compare_sys: a syscall's
 * encoding lives in its own push/pop scope.  Creating a Z3 solver costs
 * far more than a query here, so a solver per syscall would dominate. */
static Z3_solver shared_solver;
static vf *shared_owner;

static void shared_begin(vf *v)
{
        shared_owner = v;
        shared_solver = vf_solver(v);
}

static void shared_end(vf *v)
{
        if (shared_solver && shared_owner == v)
                vf_solver_free(v, shared_solver);
        shared_solver = NULL;
        shared_owner = NULL;
}

static void enc_init(enc *e, vf *v)
{
        memset(e, 0, sizeof *e);
        e->v = v;
        e->z = v->z;
        if (shared_solver && shared_owner == v) {
                e->s = shared_solver;
                e->shared = true;
                Z3_solver_push(e->z, e->s);
        } else {
                e->s = vf_solver(v);
        }
        for (int k = 0; k < 6; k++) {
                char nm[16];
                snprintf(nm, sizeof nm, "a%d", k);
                e->arg[k] = K(e, vf_bv_var(v, nm, 64));
        }
}

static void enc_free(enc *e)
{
        if (e->shared)
                Z3_solver_pop(e->z, e->s, 1);
        else if (e->s)
                vf_solver_free(e->v, e->s);
        for (int i = 0; i < e->nkeep; i++)
                Z3_dec_ref(e->z, e->keep[i]);
        free(e->keep);
        memset(e, 0, sizeof *e);
}

static Z3_ast enc_and2(enc *e, Z3_ast a, Z3_ast b)
{
        Z3_ast x[2] = {a, b};
        return K(e, Z3_mk_and(e->z, 2, x));
}

static Z3_ast enc_cond(enc *e, const ir_cond *c)
{
        Z3_context z = e->z;
        if (!c || c->kind == COND_TRUE)
                return K(e, Z3_mk_true(z));
        switch (c->kind) {
        case COND_AND:
                return enc_and2(e, enc_cond(e, c->l), enc_cond(e, c->r));
        case COND_OR: {
                Z3_ast x[2];
                x[0] = enc_cond(e, c->l);
                x[1] = enc_cond(e, c->r);
                return K(e, Z3_mk_or(z, 2, x));
        }
        case COND_NOT:
                return K(e, Z3_mk_not(z, enc_cond(e, c->l)));
        case COND_CMP:
                break;
        default:
                return K(e, Z3_mk_true(z));
        }
        if (c->arg < 0 || c->arg >= 6)
                return K(e, Z3_mk_false(z));
        unsigned w = c->width == 32 ? 32 : 64;
        uint64_t wm = w == 32 ? 0xffffffffull : ~0ull;
        Z3_ast x = e->arg[c->arg];
        if (w == 32)
                x = K(e, Z3_mk_extract(z, 31, 0, x));
        if ((c->mask & wm) != wm)
                x = K(e, Z3_mk_bvand(z, x, K(e, vf_bv(e->v, c->mask & wm, w))));
        Z3_ast val = K(e, vf_bv(e->v, c->value & wm, w));
        bool s = c->is_signed;
        switch (c->op) {
        case CMP_EQ:
                return K(e, Z3_mk_eq(z, x, val));
        case CMP_NE:
                return K(e, Z3_mk_not(z, K(e, Z3_mk_eq(z, x, val))));
        case CMP_LT:
                return K(e, s ? Z3_mk_bvslt(z, x, val) : Z3_mk_bvult(z, x, val));
        case CMP_LE:
                return K(e, s ? Z3_mk_bvsle(z, x, val) : Z3_mk_bvule(z, x, val));
        case CMP_GT:
                return K(e, s ? Z3_mk_bvsgt(z, x, val) : Z3_mk_bvugt(z, x, val));
        case CMP_GE:
                return K(e, s ? Z3_mk_bvsge(z, x, val) : Z3_mk_bvuge(z, x, val));
        }
        return K(e, Z3_mk_false(z));
}

/* One policy's rules for one syscall: m[i] <=> cond_i is asserted. */
typedef struct rset {
        const ir_policy *p;
        const char *name;
        const ir_syscall *sc;
        int n;
        Z3_ast *m, *nm;
        bool *removed;
} rset;

static void rset_build(enc *e, rset *rs, const ir_policy *p, const char *name, const char *tag)
{
        memset(rs, 0, sizeof *rs);
        rs->p = p;
        rs->name = name;
        rs->sc = p->has_syscalls ? ir_find_syscall(p, name) : NULL;
        rs->n = rs->sc ? rs->sc->nrules : 0;
        rs->m = xrealloc(NULL, (size_t)rs->n * sizeof(Z3_ast));
        rs->nm = xrealloc(NULL, (size_t)rs->n * sizeof(Z3_ast));
        rs->removed = calloc((size_t)(unsigned)rs->n + 1, 1);
        for (int i = 0; i < rs->n; i++) {
                char nm[32];
                snprintf(nm, sizeof nm, "%s%d", tag, i);
                rs->m[i] = K(e, vf_bool_var(e->v, nm));
                rs->nm[i] = K(e, Z3_mk_not(e->z, rs->m[i]));
                Z3_ast c = enc_cond(e, rs->sc->rules[i].cond);
                Z3_solver_assert(e->z, e->s, K(e, Z3_mk_eq(e->z, rs->m[i], c)));
        }
}

static void rset_free(rset *rs)
{
        free(rs->m);
        free(rs->nm);
        free(rs->removed);
}

/* allowed(call) as eval_syscall decides it: no restrictive rule matches,
 * and a permissive one does or the default permits. */
static Z3_ast allowed_f(enc *e, const rset *rs)
{
        Z3_context z = e->z;
        if (!rs->p->has_syscalls)
                return K(e, Z3_mk_true(z));
        int n = rs->n;
        Z3_ast *neg = xrealloc(NULL, (size_t)(n + 1) * sizeof(Z3_ast));
        Z3_ast *pos = xrealloc(NULL, (size_t)(n + 1) * sizeof(Z3_ast));
        int nn = 0, np = 0;
        for (int i = 0; i < n; i++) {
                if (act_allows(rs->sc->rules[i].action))
                        pos[np++] = rs->m[i];
                else
                        neg[nn++] = rs->nm[i];
        }
        Z3_ast some = act_allows(rs->p->sys_default) ? K(e, Z3_mk_true(z))
                      : np                           ? K(e, Z3_mk_or(z, (unsigned)np, pos))
                                                     : K(e, Z3_mk_false(z));
        neg[nn++] = some;
        Z3_ast r = K(e, Z3_mk_and(z, (unsigned)nn, neg));
        free(neg);
        free(pos);
        return r;
}

static bool model_true(enc *e, Z3_model m, Z3_ast b)
{
        Z3_ast val = NULL;
        if (!Z3_model_eval(e->z, m, b, true, &val) || !val)
                return false;
        return Z3_get_bool_value(e->z, val) == Z3_L_TRUE;
}

/* The decision of the proof in a model. */
static ir_action model_action(enc *e, const rset *rs, Z3_model m)
{
        if (!rs->p->has_syscalls)
                return (ir_action){ACT_ALLOW, 0};
        bool any = false;
        ir_action best = rs->p->sys_default;
        for (int i = 0; i < rs->n; i++)
                if (model_true(e, m, rs->m[i])) {
                        best = any ? ir_action_stricter(best, rs->sc->rules[i].action)
                                   : rs->sc->rules[i].action;
                        any = true;
                }
        return best;
}

static void model_args(enc *e, Z3_model m, unsigned refs, uint64_t out[6])
{
        for (int k = 0; k < 6; k++)
                out[k] = (refs & (1u << k)) ? vf_model_u64(e->v, m, e->arg[k]) : 0;
}

static Z3_model get_model(enc *e)
{
        Z3_model m = Z3_solver_get_model(e->z, e->s);
        if (m)
                Z3_model_inc_ref(e->z, m);
        return m;
}

static void put_model(enc *e, Z3_model m)
{
        if (m)
                Z3_model_dec_ref(e->z, m);
}

/* ---- findings, one per source rule ---- */

typedef struct agg {
        const char *name;
        span where;
        int fi;
        int more;
} agg;

typedef struct sctx {
        vf *v;
        const ir_policy *p;
        agg *a;
        int na, capa;
        int conflict_budget;
} sctx;

/* A finding keyed by (name, source rule): a rule written once over a set
 * of syscalls is reported once, with the count of the others. */
static vf_finding *report_rule(sctx *x, const char *name, const ir_sys_rule *r, vf_severity sev,
                               const char *fmt, const char *sysname, const char *detail)
{
        for (int i = 0; i < x->na; i++)
                if (!strcmp(x->a[i].name, name) &&
                    !memcmp(&x->a[i].where, &r->rule_where, sizeof(span)) &&
                    r->rule_where.file >= 0) {
                        x->a[i].more++;
                        return NULL;
                }
        if (x->na == x->capa) {
                x->capa = x->capa ? 2 * x->capa : 16;
                x->a = xrealloc(x->a, (size_t)x->capa * sizeof *x->a);
        }
        vf_finding *f = vf_report(x->v, x->p, name, sev, "seccomp", fmt, sysname, detail);
        x->a[x->na++] = (agg){name, r->rule_where, (int)(f - x->v->f), 0};
        return f;
}

static void finish_aggs(sctx *x)
{
        for (int i = 0; i < x->na; i++)
                if (x->a[i].more) {
                        vf_finding *f = &x->v->f[x->a[i].fi];
                        f->message = arena_printf(&x->v->c->arena,
                                                  "%s (and for %d more syscalls of the same rule)",
                                                  f->message, x->a[i].more);
                }
        free(x->a);
        x->a = NULL;
        x->na = x->capa = 0;
}

static void loc_rule(vf *v, vf_finding *f, const ir_sys_rule *r, const char *label)
{
        vf_loc_add(v, f, r->rule_where, r->origin, label);
}

static const char *cover_label(vf *v, const ir_sys_rule *r, const char *what)
{
        return arena_printf(&v->c->arena, "%s (%s)", what, act_str(v, r->action));
}

/* ---- anomalies ---- */

static int span_cmp(span a, span b)
{
        if (a.file != b.file)
                return a.file < b.file ? -1 : 1;
        if (a.line != b.line)
                return a.line < b.line ? -1 : 1;
        return a.col < b.col ? -1 : a.col > b.col;
}

/* The order rules are examined in: last written first, so of two rules
 * that repeat each other the later one (in source order, the same for
 * every syscall) is the one reported.  A rule repeated by its own source
 * rule (a syscall in two subgroups of one set) is a twin: dropped
 * silently. */
static int rule_cmp(const ir_policy *p, const ir_sys_rule *a, const ir_sys_rule *b)
{
        /* the policy's own rules after its fragments': reported first */
        bool oa = a->origin && !strcmp(a->origin, p->name);
        bool ob = b->origin && !strcmp(b->origin, p->name);
        if (oa != ob)
                return oa ? 1 : -1;
        return span_cmp(a->rule_where, b->rule_where);
}

static int *rule_order(const ir_policy *p, const ir_syscall *sc, bool *removed)
{
        int n = sc->nrules;
        int *ord = xrealloc(NULL, (size_t)(unsigned)n * sizeof(int) + sizeof(int));
        for (int i = 0; i < n; i++) {
                int k = i;
                while (k > 0 && rule_cmp(p, &sc->rules[ord[k - 1]], &sc->rules[i]) > 0) {
                        ord[k] = ord[k - 1];
                        k--;
                }
                ord[k] = i;
        }
        for (int i = 0; i < n; i++)
                for (int j = 0; j < i && !removed[i]; j++)
                        if (!removed[j] &&
                            !memcmp(&sc->rules[i].rule_where, &sc->rules[j].rule_where,
                                    sizeof(span)) &&
                            sc->rules[i].origin == sc->rules[j].origin &&
                            act_eq(sc->rules[i].action, sc->rules[j].action))
                                removed[i] = true;
        return ord;
}

static void report_cover(sctx *x, const rset *rs, int i, const int *cov, int ncov, const char *req,
                         ir_action dec)
{
        vf *v = x->v;
        const ir_sys_rule *ri = &rs->sc->rules[i];
        bool same = true;
        for (int k = 0; k < ncov; k++)
                same &= act_eq(rs->sc->rules[cov[k]].action, ri->action);
        const char *name = same ? "redundant-rule" : "shadowed-rule";
        const char *detail =
            same ? arena_printf(&v->c->arena,
                                "every call this %s rule matches is already decided the same way "
                                "by %d other rule%s",
                                act_str(v, ri->action), ncov, ncov == 1 ? "" : "s")
                 : arena_printf(&v->c->arena,
                                "every call this %s rule matches is decided by %d stricter "
                                "rule%s instead",
                                act_str(v, ri->action), ncov, ncov == 1 ? "" : "s");
        vf_finding *f = report_rule(x, name, ri, VF_WARNING, "%s: %s", rs->name, detail);
        if (!f)
                return;
        vf_witness(v, f, "%s", req);
        loc_rule(v, f, ri, same ? "the redundant rule" : "the shadowed rule");
        for (int k = 0; k < ncov; k++)
                loc_rule(v, f, &rs->sc->rules[cov[k]],
                         cover_label(v, &rs->sc->rules[cov[k]], "covered by this rule"));
        vf_fix(v, f,
               same ? "remove the rule (or the rules that repeat it)"
                    : "remove the rule, or narrow the covering rules if its action (%s) was meant "
                      "to apply",
               act_str(v, ri->action));
        (void)dec;
}

static void anomalies_structural(sctx *x, const rset *rs)
{
        vf *v = x->v;
        const ir_syscall *sc = rs->sc;
        ir_action dec = const_action(x->p, sc);
        uint64_t zero[6] = {0};
        const char *req = rs->name;
        bool replayed = false;
        int *ord = rule_order(x->p, sc, rs->removed);
        for (int k = rs->n - 1; k >= 0; k--) {
                int i = ord[k];
                if (rs->removed[i])
                        continue;
                const ir_sys_rule *ri = &sc->rules[i];
                int ri_rank = act_rank(ri->action), best = -1;
                for (int j = 0; j < rs->n; j++) {
                        if (j == i || rs->removed[j])
                                continue;
                        int rj = act_rank(sc->rules[j].action);
                        if (rj < ri_rank)
                                continue;
                        /* prefer a rule of the same action (redundant) */
                        if (best < 0 ||
                            (rj == ri_rank && act_rank(sc->rules[best].action) != ri_rank))
                                best = j;
                        else if (act_rank(sc->rules[best].action) != ri_rank &&
                                 rj > act_rank(sc->rules[best].action))
                                best = j;
                }
                if (best >= 0) {
                        report_cover(x, rs, i, &best, 1, req, dec);
                        rs->removed[i] = true;
                } else if (act_eq(ri->action, x->p->sys_default)) {
                        bool weaker = false;
                        for (int j = 0; j < rs->n; j++)
                                weaker |= j != i && !rs->removed[j];
                        if (weaker)
                                continue;
                        vf_finding *f = report_rule(
                            x, "dead-rule", ri, VF_WARNING, "%s: %s", rs->name,
                            arena_printf(&v->c->arena,
                                         "the rule's action %s is the default action, and no "
                                         "weaker rule would decide instead: removing it changes "
                                         "no decision",
                                         act_str(v, ri->action)));
                        if (!f)
                                continue;
                        vf_witness(v, f, "%s", req);
                        loc_rule(v, f, ri, "the dead rule");
                        vf_loc_add(v, f, x->p->sys_default_where, NULL, "the default action");
                        vf_fix(v, f, "remove the rule: the default action already decides %s",
                               rs->name);
                        rs->removed[i] = true;
                } else {
                        continue;
                }
                if (!replayed) {
                        replay(v, x->p, rs->name, zero, dec, req);
                        replayed = true;
                }
        }
        free(ord);
}

/* Deletion-based minimization of a covering set: lits[0] is m_i. */
static int minimize_cover(sctx *x, enc *e, const rset *rs, int i, int *cov, int ncov)
{
        if (ncov <= 1 || ncov > 24)
                return ncov;
        Z3_ast lits[26];
        for (int k = 0; k < ncov;) {
                int n = 0;
                lits[n++] = rs->m[i];
                for (int j = 0; j < ncov; j++)
                        if (j != k)
                                lits[n++] = rs->nm[cov[j]];
                if (vf_check_assumptions(x->v, e->s, (unsigned)n, lits, "minimal covering set") ==
                    Z3_L_FALSE) {
                        memmove(cov + k, cov + k + 1, (size_t)(ncov - k - 1) * sizeof *cov);
                        ncov--;
                } else {
                        k++;
                }
        }
        return ncov;
}

/* The rules in the solver's unsat core (their ¬m literals). */
static int core_rules(enc *e, const rset *rs, int *cov)
{
        Z3_ast_vector core = Z3_solver_get_unsat_core(e->z, e->s);
        Z3_ast_vector_inc_ref(e->z, core);
        int n = 0;
        unsigned cn = Z3_ast_vector_size(e->z, core);
        for (unsigned k = 0; k < cn; k++) {
                Z3_ast a = Z3_ast_vector_get(e->z, core, k);
                for (int j = 0; j < rs->n; j++)
                        if (Z3_is_eq_ast(e->z, a, rs->nm[j])) {
                                cov[n++] = j;
                                break;
                        }
        }
        Z3_ast_vector_dec_ref(e->z, core);
        return n;
}

static const char *witness_from_model(enc *e, const rset *rs, Z3_model m, unsigned refs,
                                      uint64_t args[6], ir_action *dec)
{
        model_args(e, m, refs, args);
        *dec = model_action(e, rs, m);
        return fmt_request(e->v, rs->name, args, refs, -1, NULL);
}

static void anomalies_solver(sctx *x, rset *rs, enc *e)
{
        vf *v = x->v;
        const ir_syscall *sc = rs->sc;
        int n = rs->n;
        unsigned refs = sc_refs(sc);
        Z3_ast *lits = xrealloc(NULL, (size_t)(n + 1) * sizeof(Z3_ast));
        int *cov = xrealloc(NULL, (size_t)(n + 1) * sizeof(int));
        bool *vac = calloc((size_t)(unsigned)n + 1, 1);
        uint64_t args[6];
        ir_action dec;
        int *ord = rule_order(x->p, sc, rs->removed);
        for (int k = n - 1; k >= 0; k--) {
                int i = ord[k];
                if (rs->removed[i])
                        continue;
                const ir_sys_rule *ri = &sc->rules[i];
                Z3_lbool r;
                if (!uncond(ri)) {
                        r = vf_check_assumptions(v, e->s, 1, &rs->m[i], "vacuous-rule");
                        if (r == Z3_L_FALSE) {
                                bool widen = !act_allows(ri->action);
                                vf_finding *f = report_rule(
                                    x, "vacuous-rule", ri, widen ? VF_ERROR : VF_WARNING, "%s: %s",
                                    rs->name,
                                    widen ? "the rule's condition can never hold: the "
                                            "restriction it was written for never applies"
                                          : "the rule's condition can never hold: it matches "
                                            "no call");
                                if (f) {
                                        vf_witness(v, f, "%s: no arguments satisfy the condition",
                                                   rs->name);
                                        loc_rule(v, f, ri, "the rule that matches nothing");
                                        vf_fix(v, f,
                                               "correct the condition (e.g. a mask compared with "
                                               "a value outside it) or remove the rule");
                                }
                                rs->removed[i] = true;
                                vac[i] = true;
                                continue;
                        }
                        r = vf_check_assumptions(v, e->s, 1, &rs->nm[i], "vacuous-rule");
                        if (r == Z3_L_FALSE) {
                                vf_finding *f = report_rule(
                                    x, "vacuous-rule", ri, VF_WARNING, "%s: %s", rs->name,
                                    "the rule's condition always holds: its `when` is pointless");
                                if (f) {
                                        vf_witness(v, f,
                                                   "%s: every argument value satisfies the "
                                                   "condition",
                                                   rs->name);
                                        loc_rule(v, f, ri, "the rule whose condition always holds");
                                        vf_fix(v, f,
                                               "drop the `when` condition, or correct it if it "
                                               "was meant to restrict");
                                }
                                vac[i] = true;
                        }
                }
                /* Does some call matching rule i escape every rule at least
                 * as strict? */
                int rank = act_rank(ri->action), nl = 0;
                lits[nl++] = rs->m[i];
                for (int j = 0; j < n; j++)
                        if (j != i && !rs->removed[j] && act_rank(sc->rules[j].action) >= rank)
                                lits[nl++] = rs->nm[j];
                r = vf_check_assumptions(v, e->s, (unsigned)nl, lits, "shadowed-rule");
                if (r == Z3_L_UNDEF)
                        continue;
                if (r == Z3_L_FALSE) {
                        /* covered: by rules of its own action alone? */
                        int ncov = 0, nl2 = 0;
                        lits[nl2++] = rs->m[i];
                        for (int j = 0; j < n; j++)
                                if (j != i && !rs->removed[j] &&
                                    act_rank(sc->rules[j].action) == rank)
                                        lits[nl2++] = rs->nm[j];
                        if (nl2 > 1 && vf_check_assumptions(v, e->s, (unsigned)nl2, lits,
                                                            "redundant-rule") == Z3_L_FALSE) {
                                ncov = core_rules(e, rs, cov);
                        } else {
                                nl2 = 0;
                                lits[nl2++] = rs->m[i];
                                for (int j = 0; j < n; j++)
                                        if (j != i && !rs->removed[j] &&
                                            act_rank(sc->rules[j].action) > rank)
                                                lits[nl2++] = rs->nm[j];
                                if (vf_check_assumptions(v, e->s, (unsigned)nl2, lits,
                                                         "shadowed-rule") != Z3_L_FALSE)
                                        vf_check_assumptions(v, e->s, (unsigned)nl, lits,
                                                             "shadowed-rule");
                                ncov = core_rules(e, rs, cov);
                        }
                        ncov = minimize_cover(x, e, rs, i, cov, ncov);
                        if (vf_check_assumptions(v, e->s, 1, &rs->m[i], "witness") == Z3_L_TRUE) {
                                Z3_model m = get_model(e);
                                const char *req = witness_from_model(e, rs, m, refs, args, &dec);
                                put_model(e, m);
                                report_cover(x, rs, i, cov, ncov, req, dec);
                                replay(v, x->p, rs->name, args, dec, req);
                        }
                        rs->removed[i] = true;
                        continue;
                }
                if (!act_eq(ri->action, x->p->sys_default))
                        continue; /* it decides some call differently from the default */
                Z3_model m = get_model(e);
                const char *req = witness_from_model(e, rs, m, refs, args, &dec);
                put_model(e, m);
                int nw = 0;
                for (int j = 0; j < n; j++)
                        if (j != i && !rs->removed[j] && act_rank(sc->rules[j].action) < rank)
                                cov[nw++] = j;
                bool dead = nw == 0;
                if (!dead) {
                        Z3_ast *w = xrealloc(NULL, (size_t)nw * sizeof(Z3_ast));
                        for (int k = 0; k < nw; k++)
                                w[k] = rs->m[cov[k]];
                        Z3_solver_push(e->z, e->s);
                        Z3_solver_assert(e->z, e->s, K(e, Z3_mk_or(e->z, (unsigned)nw, w)));
                        dead = vf_check_assumptions(v, e->s, (unsigned)nl, lits, "dead-rule") ==
                               Z3_L_FALSE;
                        Z3_solver_pop(e->z, e->s, 1);
                        free(w);
                }
                if (!dead)
                        continue;
                vf_finding *f =
                    report_rule(x, "dead-rule", ri, VF_WARNING, "%s: %s", rs->name,
                                arena_printf(&v->c->arena,
                                             "the rule's action %s is the default action and no "
                                             "weaker rule it could override matches the same "
                                             "calls: removing it changes no decision",
                                             act_str(v, ri->action)));
                if (f) {
                        vf_witness(v, f, "%s", req);
                        loc_rule(v, f, ri, "the dead rule");
                        vf_loc_add(v, f, x->p->sys_default_where, NULL, "the default action");
                        vf_fix(v, f,
                               "remove the rule: the default action already decides these "
                               "calls");
                }
                replay(v, x->p, rs->name, args, dec, req);
                rs->removed[i] = true;
        }
        /* conflicts: pairs of different actions overlapping partially */
        for (int i = 0; i < n; i++) {
                const ir_sys_rule *ri = &sc->rules[i];
                if (rs->removed[i] || vac[i] || uncond(ri) || x->conflict_budget <= 0)
                        continue;
                /* one query first: does rule i overlap any later candidate? */
                int nc = 0;
                for (int j = i + 1; j < n; j++)
                        if (!rs->removed[j] && !vac[j] && !uncond(&sc->rules[j]) &&
                            !act_eq(ri->action, sc->rules[j].action))
                                lits[nc++] = rs->m[j];
                if (nc == 0)
                        continue;
                Z3_solver_push(e->z, e->s);
                Z3_solver_assert(e->z, e->s, K(e, Z3_mk_or(e->z, (unsigned)nc, lits)));
                Z3_lbool any = vf_check_assumptions(v, e->s, 1, &rs->m[i], "conflict");
                x->conflict_budget--;
                Z3_solver_pop(e->z, e->s, 1);
                if (any != Z3_L_TRUE)
                        continue;
                for (int j = i + 1; j < n && x->conflict_budget > 0; j++) {
                        const ir_sys_rule *rj = &sc->rules[j];
                        if (rs->removed[j] || vac[j] || uncond(rj) ||
                            act_eq(ri->action, rj->action))
                                continue;
                        x->conflict_budget -= 3;
                        /* the overlap first: most pairs are disjoint */
                        Z3_ast l2[2] = {rs->m[i], rs->m[j]};
                        if (vf_check_assumptions(v, e->s, 2, l2, "conflict") != Z3_L_TRUE)
                                continue;
                        Z3_model m = get_model(e);
                        l2[1] = rs->nm[j];
                        if (vf_check_assumptions(v, e->s, 2, l2, "conflict") != Z3_L_TRUE) {
                                put_model(e, m);
                                continue;
                        }
                        l2[0] = rs->nm[i];
                        l2[1] = rs->m[j];
                        if (vf_check_assumptions(v, e->s, 2, l2, "conflict") != Z3_L_TRUE) {
                                put_model(e, m);
                                continue;
                        }
                        const char *req = witness_from_model(e, rs, m, refs, args, &dec);
                        put_model(e, m);
                        ir_action win = ir_action_stricter(ri->action, rj->action);
                        vf_finding *f = report_rule(
                            x, "conflict", ri, VF_WARNING, "%s: %s", rs->name,
                            arena_printf(&v->c->arena,
                                         "this %s rule and the %s rule overlap partially; "
                                         "where both match, %s wins (the call decides %s)",
                                         act_str(v, ri->action), act_str(v, rj->action),
                                         act_str(v, win), act_str(v, dec)));
                        if (f) {
                                vf_witness(v, f, "%s", req);
                                loc_rule(v, f, ri, cover_label(v, ri, "this rule"));
                                loc_rule(v, f, rj, cover_label(v, rj, "overlaps this rule"));
                                vf_fix(v, f,
                                       "make the two conditions disjoint, or waive conflict if "
                                       "%s is meant to win in the overlap",
                                       act_str(v, win));
                        }
                        replay(v, x->p, rs->name, args, dec, req);
                }
        }
        free(lits);
        free(cov);
        free(vac);
        free(ord);
}

static void check_anomalies(sctx *x)
{
        const ir_policy *p = x->p;
        for (int s = 0; s < p->nsyscalls; s++) {
                const ir_syscall *sc = &p->syscalls[s];
                if (sc->nrules == 0)
                        continue;
                if (all_uncond(sc)) {
                        rset rs = {.p = p, .name = sc->name, .sc = sc, .n = sc->nrules};
                        rs.removed = calloc((size_t)(unsigned)sc->nrules + 1, 1);
                        anomalies_structural(x, &rs);
                        free(rs.removed);
                        continue;
                }
                enc e;
                rset rs;
                enc_init(&e, x->v);
                rset_build(&e, &rs, p, sc->name, "m");
                anomalies_solver(x, &rs, &e);
                rset_free(&rs);
                enc_free(&e);
        }
}

/* ---- escalation: dangerous-syscall ---- */

/* How a dangerous call is dangerous: always, or with an argument pattern
 * (arg & mask) != 0 / == value, with named witness values to try first. */
typedef enum { DG_ALWAYS, DG_FLAGS, DG_VALUES, DG_PERSONA } dg_kind;

typedef struct danger {
        const char *name;
        dg_kind kind;
        const char *arg;
        const char *why;
        vf_severity sev;
} danger;

static const danger dangers[] = {
    {"ptrace", DG_ALWAYS, NULL, "reads and writes other processes' memory and registers", VF_ERROR},
    {"process_vm_readv", DG_ALWAYS, NULL, "reads another process's memory", VF_ERROR},
    {"process_vm_writev", DG_ALWAYS, NULL, "writes another process's memory", VF_ERROR},
    {"bpf", DG_ALWAYS, NULL, "loads eBPF programs (a large kernel attack surface)", VF_ERROR},
    {"perf_event_open", DG_ALWAYS, NULL, "kernel profiling: side channels, kernel attack surface",
     VF_ERROR},
    {"userfaultfd", DG_ALWAYS, NULL, "stalls the kernel at chosen points (race exploitation)",
     VF_ERROR},
    {"io_uring_setup", DG_ALWAYS, NULL, "io_uring runs I/O that seccomp never sees", VF_ERROR},
    {"io_uring_enter", DG_ALWAYS, NULL, "io_uring runs I/O that seccomp never sees", VF_ERROR},
    {"io_uring_register", DG_ALWAYS, NULL, "io_uring runs I/O that seccomp never sees", VF_ERROR},
    {"keyctl", DG_ALWAYS, NULL, "the kernel keyring is not namespaced", VF_ERROR},
    {"add_key", DG_ALWAYS, NULL, "the kernel keyring is not namespaced", VF_ERROR},
    {"request_key", DG_ALWAYS, NULL, "the kernel keyring is not namespaced", VF_ERROR},
    {"mount", DG_ALWAYS, NULL, "changes the mount view (escapes the masks)", VF_ERROR},
    {"umount", DG_ALWAYS, NULL, "unmounts the masks over hidden paths", VF_ERROR},
    {"umount2", DG_ALWAYS, NULL, "unmounts the masks over hidden paths", VF_ERROR},
    {"fsopen", DG_ALWAYS, NULL, "new mount API: builds mounts", VF_ERROR},
    {"fsconfig", DG_ALWAYS, NULL, "new mount API: builds mounts", VF_ERROR},
    {"fsmount", DG_ALWAYS, NULL, "new mount API: builds mounts", VF_ERROR},
    {"fspick", DG_ALWAYS, NULL, "new mount API: reconfigures mounts", VF_ERROR},
    {"move_mount", DG_ALWAYS, NULL, "new mount API: moves mounts", VF_ERROR},
    {"open_tree", DG_ALWAYS, NULL, "new mount API: clones mount trees", VF_ERROR},
    {"mount_setattr", DG_ALWAYS, NULL, "changes mount attributes (e.g. drops read-only)", VF_ERROR},
    {"pivot_root", DG_ALWAYS, NULL, "changes the root mount", VF_ERROR},
    {"chroot", DG_ALWAYS, NULL, "changes the root directory", VF_ERROR},
    {"setns", DG_ALWAYS, NULL, "joins other namespaces", VF_ERROR},
    {"unshare", DG_FLAGS, "flags", "creates namespaces", VF_ERROR},
    {"clone", DG_FLAGS, "flags", "creates namespaces", VF_ERROR},
    {"clone3", DG_ALWAYS, NULL,
     "its flags are behind a pointer seccomp cannot read, so namespace flags cannot be filtered",
     VF_WARNING},
    {"init_module", DG_ALWAYS, NULL, "loads kernel code", VF_ERROR},
    {"finit_module", DG_ALWAYS, NULL, "loads kernel code", VF_ERROR},
    {"delete_module", DG_ALWAYS, NULL, "unloads kernel modules", VF_ERROR},
    {"kexec_load", DG_ALWAYS, NULL, "replaces the running kernel", VF_ERROR},
    {"kexec_file_load", DG_ALWAYS, NULL, "replaces the running kernel", VF_ERROR},
    {"open_by_handle_at", DG_ALWAYS, NULL,
     "opens files by handle, past the mount view and Landlock's paths", VF_ERROR},
    {"ioctl", DG_VALUES, "request", "TIOCSTI/TIOCLINUX inject input into the terminal", VF_ERROR},
    {"personality", DG_PERSONA, "persona",
     "READ_IMPLIES_EXEC makes readable memory executable, ADDR_NO_RANDOMIZE turns off ASLR",
     VF_ERROR},
    {"iopl", DG_ALWAYS, NULL, "raw I/O port access", VF_ERROR},
    {"ioperm", DG_ALWAYS, NULL, "raw I/O port access", VF_ERROR},
    {"swapon", DG_ALWAYS, NULL, "changes swap devices", VF_ERROR},
    {"swapoff", DG_ALWAYS, NULL, "changes swap devices", VF_ERROR},
    {"reboot", DG_ALWAYS, NULL, "reboots the machine", VF_ERROR},
    {"acct", DG_ALWAYS, NULL, "process accounting to a chosen file", VF_ERROR},
    {"lookup_dcookie", DG_ALWAYS, NULL, "reads kernel dentry cookies", VF_ERROR},
};

static bool keeps_sys_admin(const ir_policy *p)
{
        if (!p->process.caps_set)
                return true;
        for (int i = 0; i < p->process.ncaps; i++)
                if (!strcmp(p->process.caps[i], "CAP_SYS_ADMIN"))
                        return true;
        return false;
}

/* The dangerous values of an argument, tried in order for the witness. */
typedef struct dvals {
        const char *names[10];
        uint64_t vals[10];
        int n;
        uint64_t mask; /* DG_FLAGS/DG_PERSONA: the dangerous bits */
} dvals;

static void danger_values(const ir_policy *p, const danger *d, dvals *dv)
{
        memset(dv, 0, sizeof *dv);
        static const char *const ns_all[] = {"CLONE_NEWUSER",   "CLONE_NEWNS",   "CLONE_NEWPID",
                                             "CLONE_NEWNET",    "CLONE_NEWUTS",  "CLONE_NEWIPC",
                                             "CLONE_NEWCGROUP", "CLONE_NEWTIME", NULL};
        static const char *const tio[] = {"TIOCSTI", "TIOCLINUX", NULL};
        static const char *const per[] = {"READ_IMPLIES_EXEC", "ADDR_NO_RANDOMIZE", NULL};
        const char *const *names = d->kind == DG_FLAGS ? ns_all : d->kind == DG_VALUES ? tio : per;
        const_ns ns = d->kind == DG_FLAGS ? NS_CLONE : d->kind == DG_VALUES ? NS_IOCTL : NS_PERSONA;
        /* Without CAP_SYS_ADMIN only CLONE_NEWUSER creates a namespace (the
         * other CLONE_NEW* flags need the capability, which a user
         * namespace would give: that is why CLONE_NEWUSER is the one). */
        int lim = d->kind == DG_FLAGS && !keeps_sys_admin(p) ? 1 : 10;
        for (int i = 0; names[i] && i < lim; i++) {
                uint64_t val;
                if (!const_lookup(ns, names[i], &val))
                        continue;
                dv->names[dv->n] = names[i];
                dv->vals[dv->n++] = val;
                dv->mask |= val;
        }
}

/* The danger condition over the encoded arguments. */
static Z3_ast danger_f(enc *e, const danger *d, const dvals *dv, const sys_arg *a)
{
        Z3_context z = e->z;
        if (d->kind == DG_ALWAYS || !a)
                return K(e, Z3_mk_true(z));
        unsigned w = a->width == 32 ? 32 : 64;
        Z3_ast x = e->arg[a->index];
        if (w == 32)
                x = K(e, Z3_mk_extract(z, 31, 0, x));
        Z3_ast zero = K(e, vf_bv(e->v, 0, w));
        if (d->kind == DG_VALUES) {
                Z3_ast o[10];
                for (int i = 0; i < dv->n; i++)
                        o[i] = K(e, Z3_mk_eq(z, x, K(e, vf_bv(e->v, dv->vals[i], w))));
                return K(e, Z3_mk_or(z, (unsigned)dv->n, o));
        }
        Z3_ast hit =
            K(e,
              Z3_mk_not(z, K(e, Z3_mk_eq(z, K(e, Z3_mk_bvand(z, x, K(e, vf_bv(e->v, dv->mask, w)))),
                                         zero))));
        if (d->kind == DG_PERSONA) /* 0xffffffff only queries the persona */
                hit = enc_and2(
                    e, hit,
                    K(e, Z3_mk_not(z, K(e, Z3_mk_eq(z, x, K(e, vf_bv(e->v, 0xffffffffull, w)))))));
        return hit;
}

static void dangerous_one(sctx *x, const danger *d)
{
        vf *v = x->v;
        const ir_policy *p = x->p;
        if (seccomp_syscall_resolve_name(d->name) == __NR_SCMP_ERROR)
                return;
        const ir_syscall *sc = p->has_syscalls ? ir_find_syscall(p, d->name) : NULL;
        const sys_arg *a = d->arg ? sysargs_find(sysargs_lookup(d->name), d->arg) : NULL;
        dvals dv;
        danger_values(p, d, &dv);
        if (d->kind != DG_ALWAYS && (!a || dv.n == 0))
                return;
        unsigned refs = sc_refs(sc) | (a ? 1u << a->index : 0);
        uint64_t args[6] = {0};
        const char *req = NULL;
        ir_action dec;
        int sym = -1;
        const char *symtext = NULL;
        if (all_uncond(sc)) {
                dec = const_action(p, sc);
                if (!act_allows(dec))
                        return;
                if (a) {
                        args[a->index] = dv.vals[0];
                        sym = a->index;
                        symtext = dv.names[0];
                }
                req = fmt_request(v, d->name, args, refs, sym, symtext);
        } else {
                enc e;
                rset rs;
                enc_init(&e, v);
                rset_build(&e, &rs, p, d->name, "m");
                Z3_ast goal = enc_and2(&e, allowed_f(&e, &rs), danger_f(&e, d, &dv, a));
                Z3_solver_assert(e.z, e.s, goal);
                Z3_lbool r = Z3_L_FALSE;
                /* a named dangerous value first, for a readable witness */
                for (int i = 0; a && i < dv.n && r != Z3_L_TRUE; i++) {
                        Z3_ast eq =
                            K(&e, Z3_mk_eq(e.z, e.arg[a->index], K(&e, vf_bv(v, dv.vals[i], 64))));
                        r = vf_check_assumptions(v, e.s, 1, &eq, "dangerous-syscall");
                        if (r == Z3_L_TRUE) {
                                sym = a->index;
                                symtext = dv.names[i];
                        }
                }
                if (r != Z3_L_TRUE)
                        r = vf_check(v, e.s, "dangerous-syscall");
                if (r == Z3_L_TRUE) {
                        Z3_model m = get_model(&e);
                        model_args(&e, m, refs, args);
                        dec = model_action(&e, &rs, m);
                        put_model(&e, m);
                        if (sym >= 0 && args[sym] != dv.vals[0])
                                for (int i = 0; i < dv.n; i++)
                                        if (args[sym] == dv.vals[i])
                                                symtext = dv.names[i];
                        req = fmt_request(v, d->name, args, refs, sym, symtext);
                }
                rset_free(&rs);
                enc_free(&e);
                if (!req)
                        return;
        }
        vf_finding *f = vf_report(v, p, "dangerous-syscall", d->sev, "seccomp",
                                  "%s is reachable (%s): %s", d->name, act_str(v, dec), d->why);
        vf_witness(v, f, "%s", req);
        eval_result er;
        if (sys_replay(v, p, d->name, args, req, 1, &er)) {
                if (er.rule_id >= 0)
                        vf_loc_add(v, f, er.rule_where, er.origin, "allows it");
                else
                        vf_loc_add(v, f, p->has_syscalls ? p->sys_default_where : p->where, NULL,
                                   p->has_syscalls ? "the default allows it"
                                                   : "no syscalls section: no filter");
                if (p->has_syscalls && !act_eq(er.action, dec))
                        vf_internal(v, "policy %s: the proof says '%s' gets %s, the evaluator %s",
                                    p->name, req, act_str(v, dec), act_str(v, er.action));
        }
        bpf_replay(v, p, d->name, args, dec, req);
        if (d->kind == DG_ALWAYS)
                vf_fix(v, f,
                       "deny %s (e.g. `kill %s;`), or waive dangerous-syscall with the "
                       "reason it is needed",
                       d->name, d->name);
        else
                vf_fix(v, f,
                       "add a condition that excludes the dangerous values, e.g. `deny %s "
                       "when ...` for %s",
                       d->name, symtext ? symtext : "them");
}

static void check_dangerous(sctx *x)
{
        for (size_t i = 0; i < sizeof dangers / sizeof dangers[0]; i++)
                dangerous_one(x, &dangers[i]);
}

/* ---- escalation: syscall-alias ---- */

/* Calls that do the same thing, so denying one and allowing another is a
 * bypass.  `fixed` members take their arguments behind a pointer
 * (clone3, openat2): denying those in favour of the filterable member is
 * the recommended pattern, so they are never the "denied" side. */
typedef struct alias_group {
        const char *members[6];
        const char *fixed[2];
} alias_group;

static const alias_group alias_groups[] = {
    {{"open", "openat", "openat2", "creat", NULL}, {"openat2", NULL}},
    {{"execve", "execveat", NULL}, {NULL}},
    {{"clone", "clone3", NULL}, {"clone3", NULL}},
    {{"dup2", "dup3", NULL}, {NULL}},
    {{"stat", "lstat", "newfstatat", "statx", NULL}, {NULL}},
    {{"rename", "renameat", "renameat2", NULL}, {NULL}},
    {{"unlink", "unlinkat", "rmdir", NULL}, {NULL}},
    {{"mkdir", "mkdirat", NULL}, {NULL}},
    {{"link", "linkat", NULL}, {NULL}},
    {{"symlink", "symlinkat", NULL}, {NULL}},
    {{"chmod", "fchmod", "fchmodat", NULL}, {NULL}},
    {{"chown", "fchown", "lchown", "fchownat", NULL}, {NULL}},
    {{"mknod", "mknodat", NULL}, {NULL}},
    {{"access", "faccessat", "faccessat2", NULL}, {NULL}},
    {{"readlink", "readlinkat", NULL}, {NULL}},
    {{"truncate", "ftruncate", NULL}, {NULL}},
    {{"accept", "accept4", NULL}, {NULL}},
    {{"sendfile", "splice", "copy_file_range", NULL}, {NULL}},
    {{"kill", "tkill", "tgkill", NULL}, {NULL}},
    {{"setuid", "setreuid", "setresuid", NULL}, {NULL}},
    {{"setgid", "setregid", "setresgid", NULL}, {NULL}},
    {{"process_vm_readv", "ptrace", NULL}, {NULL}},
};

/* What a syscall's decision looks like, for the alias check. */
typedef struct sysview {
        bool exists;
        bool restricted;  /* an explicit rule with a restrictive action can decide */
        bool any_allowed; /* some arguments are allowed */
        bool all_allowed; /* every argument value is allowed */
        const char *allow_req, *deny_req;
        uint64_t allow_args[6], deny_args[6];
        ir_action allow_dec, deny_dec;
} sysview;

static void view_of(sctx *x, const char *name, sysview *o)
{
        vf *v = x->v;
        const ir_policy *p = x->p;
        memset(o, 0, sizeof *o);
        o->exists = seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
        if (!o->exists)
                return;
        const ir_syscall *sc = p->has_syscalls ? ir_find_syscall(p, name) : NULL;
        if (all_uncond(sc)) {
                ir_action a = const_action(p, sc);
                bool al = act_allows(a);
                o->restricted = !al && sc && sc->nrules;
                o->any_allowed = o->all_allowed = al;
                if (al) {
                        o->allow_req = name;
                        o->allow_dec = a;
                } else {
                        o->deny_req = name;
                        o->deny_dec = a;
                }
                return;
        }
        unsigned refs = sc_refs(sc);
        enc e;
        rset rs;
        enc_init(&e, v);
        rset_build(&e, &rs, p, name, "m");
        Z3_ast al = allowed_f(&e, &rs);
        Z3_ast nal = K(&e, Z3_mk_not(e.z, al));
        if (vf_check_assumptions(v, e.s, 1, &al, "syscall-alias") == Z3_L_TRUE) {
                Z3_model m = get_model(&e);
                o->allow_req = witness_from_model(&e, &rs, m, refs, o->allow_args, &o->allow_dec);
                put_model(&e, m);
                o->any_allowed = true;
        }
        /* denied by an explicit restrictive rule */
        Z3_ast *r = xrealloc(NULL, (size_t)rs.n * sizeof(Z3_ast));
        int nr = 0;
        for (int i = 0; i < rs.n; i++)
                if (!act_allows(sc->rules[i].action))
                        r[nr++] = rs.m[i];
        Z3_lbool d = vf_check_assumptions(v, e.s, 1, &nal, "syscall-alias");
        o->all_allowed = d == Z3_L_FALSE;
        if (d == Z3_L_TRUE) {
                /* a conditional rule that leaves some calls denied is a
                 * restriction too (`allow clone when ...`) */
                Z3_model m = get_model(&e);
                o->deny_req = witness_from_model(&e, &rs, m, refs, o->deny_args, &o->deny_dec);
                put_model(&e, m);
                o->restricted = true;
        }
        if (nr) {
                Z3_ast lit[2] = {nal, K(&e, Z3_mk_or(e.z, (unsigned)nr, r))};
                if (vf_check_assumptions(v, e.s, 2, lit, "syscall-alias") == Z3_L_TRUE) {
                        o->restricted = true;
                        Z3_model m = get_model(&e);
                        o->deny_req =
                            witness_from_model(&e, &rs, m, refs, o->deny_args, &o->deny_dec);
                        put_model(&e, m);
                }
        }
        free(r);
        rset_free(&rs);
        enc_free(&e);
}

static bool is_fixed(const alias_group *g, const char *name)
{
        for (int i = 0; i < 2 && g->fixed[i]; i++)
                if (!strcmp(g->fixed[i], name))
                        return true;
        return false;
}

static void check_alias(sctx *x)
{
        vf *v = x->v;
        const ir_policy *p = x->p;
        if (!p->has_syscalls)
                return;
        for (size_t g = 0; g < sizeof alias_groups / sizeof alias_groups[0]; g++) {
                const alias_group *ag = &alias_groups[g];
                sysview sv[6];
                int n = 0;
                bool named = false;
                for (; n < 6 && ag->members[n]; n++)
                        named |= ir_find_syscall(p, ag->members[n]) != NULL;
                if (!named)
                        continue; /* the default decides them all alike */
                for (int i = 0; i < n; i++)
                        view_of(x, ag->members[i], &sv[i]);
                bool done = false;
                for (int a = 0; a < n && !done; a++) {
                        if (!sv[a].exists || !sv[a].restricted || is_fixed(ag, ag->members[a]))
                                continue;
                        for (int b = 0; b < n && !done; b++) {
                                if (b == a || !sv[b].exists || !sv[b].any_allowed)
                                        continue;
                                /* a bypass: A denied outright while B is
                                 * allowed, or A restricted while B is
                                 * allowed for every argument */
                                if (sv[a].any_allowed && !sv[b].all_allowed)
                                        continue;
                                done = true;
                                vf_finding *f = vf_report(
                                    v, p, "syscall-alias", VF_WARNING, "seccomp",
                                    "%s is %s by a rule while %s, which does the same, is allowed "
                                    "(%s)",
                                    ag->members[a], sv[a].any_allowed ? "restricted" : "denied",
                                    ag->members[b], act_str(v, sv[b].allow_dec));
                                vf_witness(v, f, "allowed: %s; denied: %s", sv[b].allow_req,
                                           sv[a].deny_req);
                                replay(v, p, ag->members[b], sv[b].allow_args, sv[b].allow_dec,
                                       sv[b].allow_req);
                                replay(v, p, ag->members[a], sv[a].deny_args, sv[a].deny_dec,
                                       sv[a].deny_req);
                                eval_result er;
                                if (sys_replay(v, p, ag->members[a], sv[a].deny_args,
                                               sv[a].deny_req, 0, &er) &&
                                    er.rule_id >= 0)
                                        vf_loc_add(v, f, er.rule_where, er.origin,
                                                   arena_printf(&v->c->arena, "denies %s",
                                                                ag->members[a]));
                                if (sys_replay(v, p, ag->members[b], sv[b].allow_args,
                                               sv[b].allow_req, 1, &er))
                                        vf_loc_add(v, f,
                                                   er.rule_id >= 0 ? er.rule_where
                                                                   : p->sys_default_where,
                                                   er.origin,
                                                   arena_printf(&v->c->arena, "allows %s",
                                                                ag->members[b]));
                                vf_fix(v, f, "give %s the same rule as %s", ag->members[b],
                                       ag->members[a]);
                        }
                }
        }
}

/* The compat arch: a 32-bit table next to its 64-bit one (i386 beside
 * x86_64, arm beside aarch64) is reachable from the same process (int
 * 0x80).  x32 is refused by the compiler and its numbers are killed on
 * x86_64; an arch the policy does not list is killed by the arch test.
 * So the only compat entry the compiled output lets through is one the
 * policy lists itself. */
static void check_arches(sctx *x)
{
        vf *v = x->v;
        const ir_policy *p = x->p;
        if (!p->has_syscalls)
                return;
        static const char *const pairs[][2] = {{"x86", "x86_64"}, {"arm", "aarch64"}};
        for (int k = 0; k < 2; k++) {
                bool c32 = false, c64 = false;
                for (int i = 0; i < p->narches; i++) {
                        c32 |= !strcmp(p->arches[i], pairs[k][0]);
                        c64 |= !strcmp(p->arches[i], pairs[k][1]);
                }
                if (!c32 || !c64)
                        continue;
                uint32_t arch = seccomp_arch_resolve_name(pairs[k][0]);
                const char *first = NULL;
                int nallowed = 0;
                for (int s = 0; s < p->nsyscalls; s++) {
                        const ir_syscall *sc = &p->syscalls[s];
                        if (seccomp_syscall_resolve_name_arch(arch, sc->name) < 0)
                                continue;
                        bool al = false;
                        for (int i = 0; i < sc->nrules; i++)
                                al |= act_allows(sc->rules[i].action);
                        if (al || act_allows(p->sys_default)) {
                                nallowed++;
                                if (!first)
                                        first = sc->name;
                        }
                }
                if (!first)
                        continue;
                vf_finding *f = vf_report(
                    v, p, "syscall-alias", VF_WARNING, "seccomp",
                    "arch %s is the compat table of %s: %d allowed syscalls are reachable through "
                    "it from the same process, with different numbers and 32-bit arguments",
                    pairs[k][0], pairs[k][1], nallowed);
                vf_witness(v, f, "arch %s (compat of %s): %s", pairs[k][0], pairs[k][1], first);
                vf_loc_add(v, f, p->where, NULL, "lists both arches");
                vf_fix(v, f,
                       "drop `%s` from the policy's arch list unless 32-bit programs must run",
                       pairs[k][0]);
        }
}

/* ---- assert never syscall ---- */

static void check_asserts(sctx *x)
{
        vf *v = x->v;
        const ir_policy *p = x->p;
        for (int a = 0; a < p->nasserts; a++) {
                const ir_assert *as = &p->asserts[a];
                if (as->kind != ASSERT_SYSCALL)
                        continue;
                for (int s = 0; s < as->nsyscalls; s++) {
                        const char *name = as->syscalls[s];
                        const ir_syscall *sc = p->has_syscalls ? ir_find_syscall(p, name) : NULL;
                        unsigned refs = sc_refs(sc) | cond_refs(as->cond);
                        uint64_t args[6] = {0};
                        const char *req = NULL;
                        ir_action dec = {ACT_ALLOW, 0};
                        if (all_uncond(sc) && (!as->cond || as->cond->kind == COND_TRUE)) {
                                dec = const_action(p, sc);
                                if (act_allows(dec))
                                        req = name;
                        } else {
                                enc e;
                                rset rs;
                                enc_init(&e, v);
                                rset_build(&e, &rs, p, name, "m");
                                Z3_solver_assert(e.z, e.s, allowed_f(&e, &rs));
                                Z3_solver_assert(e.z, e.s, enc_cond(&e, as->cond));
                                if (vf_check(v, e.s, "assert never syscall") == Z3_L_TRUE) {
                                        Z3_model m = get_model(&e);
                                        req = witness_from_model(&e, &rs, m, refs, args, &dec);
                                        put_model(&e, m);
                                }
                                rset_free(&rs);
                                enc_free(&e);
                        }
                        if (!req)
                                continue;
                        vf_finding *f = vf_report(v, p, "assert-never", VF_ERROR, "seccomp",
                                                  "assert never syscall %s fails: %s is reachable "
                                                  "(%s)",
                                                  name, name, act_str(v, dec));
                        vf_witness(v, f, "%s", req);
                        vf_loc_add(v, f, as->where, as->origin, "the assertion");
                        eval_result er;
                        if (sys_replay(v, p, name, args, req, 1, &er)) {
                                vf_loc_add(v, f,
                                           er.rule_id >= 0   ? er.rule_where
                                           : p->has_syscalls ? p->sys_default_where
                                                             : p->where,
                                           er.origin,
                                           er.rule_id >= 0   ? "allows it"
                                           : p->has_syscalls ? "the default allows it"
                                                             : "no syscalls section: no filter");
                                if (p->has_syscalls && !act_eq(er.action, dec))
                                        vf_internal(v,
                                                    "policy %s: the proof says '%s' gets %s, the "
                                                    "evaluator %s",
                                                    p->name, req, act_str(v, dec),
                                                    act_str(v, er.action));
                        }
                        bpf_replay(v, p, name, args, dec, req);
                        vf_fix(v, f, "deny %s%s, or drop the assertion", name,
                               as->cond ? " under the assertion's condition" : "");
                }
        }
}

/* ---- the entry points ---- */

void vf_check_sys(vf *v, const ir_policy *p)
{
        sctx x = {.v = v, .p = p, .conflict_budget = 2000};
        shared_begin(v);
        if (p->has_syscalls) {
                vf_family(v, "anomalies");
                check_anomalies(&x);
                finish_aggs(&x);
        }
        vf_family(v, "escalation");
        if (!p->has_syscalls) {
                /* no filter at all: one finding, not one per call */
                vf_finding *f = vf_report(v, p, "dangerous-syscall", VF_ERROR, "seccomp",
                                          "the policy has no syscalls section, so no seccomp "
                                          "filter: ptrace, bpf, mount, ... are all reachable");
                vf_witness(v, f, "ptrace");
                vf_loc_add(v, f, p->where, NULL, "the policy");
                vf_replay(v, p, "ptrace", 1, NULL);
                vf_fix(v, f, "add `syscalls { default errno(EPERM); allow @system-service; }`");
        } else {
                check_dangerous(&x);
                check_alias(&x);
                check_arches(&x);
        }
        vf_family(v, "assertions");
        check_asserts(&x);
        shared_end(v);
        vf_family_end(v);
}

/* A syscall no policy names, for "any other syscall". */
static const char *other_syscall(const ir_policy *a, const ir_policy *b)
{
        static const char *const cands[] = {"getpid", "uname",   "sync",        "acct",
                                            "syslog", "vhangup", "getpriority", "sysinfo",
                                            "times",  "getppid", NULL};
        for (int i = 0; cands[i]; i++)
                if (!(a->has_syscalls && ir_find_syscall(a, cands[i])) &&
                    !(b->has_syscalls && ir_find_syscall(b, cands[i])))
                        return cands[i];
        return NULL;
}

typedef struct cmp_state {
        vf *v;
        const ir_policy *old, *new;
        vf_compare *out;
        bool wider, narrower;
} cmp_state;

static void cmp_witness(cmp_state *st, bool wider, const char *name, const uint64_t args[6],
                        const char *req)
{
        vf *v = st->v;
        const ir_policy *allows = wider ? st->new : st->old;
        const ir_policy *denies = wider ? st->old : st->new;
        if (wider && !st->wider) {
                st->wider = true;
                st->out->wider_witness = req;
        } else if (!wider && !st->narrower) {
                st->narrower = true;
                st->out->narrower_witness = req;
        } else {
                return;
        }
        sys_replay(v, allows, name, args, req, 1, NULL);
        sys_replay(v, denies, name, args, req, 0, NULL);
}

static void compare_one(cmp_state *st, const char *name)
{
        vf *v = st->v;
        const ir_syscall *so = st->old->has_syscalls ? ir_find_syscall(st->old, name) : NULL;
        const ir_syscall *sn = st->new->has_syscalls ? ir_find_syscall(st->new, name) : NULL;
        if (all_uncond(so) && all_uncond(sn)) {
                bool ao = act_allows(const_action(st->old, so));
                bool an = act_allows(const_action(st->new, sn));
                uint64_t zero[6] = {0};
                if (ao != an)
                        cmp_witness(st, an, name, zero, name);
                return;
        }
        unsigned refs = sc_refs(so) | sc_refs(sn);
        enc e;
        rset ro, rn;
        enc_init(&e, v);
        rset_build(&e, &ro, st->old, name, "o");
        rset_build(&e, &rn, st->new, name, "n");
        Z3_ast ao = allowed_f(&e, &ro), an = allowed_f(&e, &rn);
        for (int dir = 0; dir < 2; dir++) {
                bool wider = dir == 0;
                if (wider ? st->wider : st->narrower)
                        continue;
                Z3_ast lit[2] = {wider ? an : ao, K(&e, Z3_mk_not(e.z, wider ? ao : an))};
                Z3_lbool r = vf_check_assumptions(v, e.s, 2, lit, "compare syscalls");
                if (r == Z3_L_UNDEF)
                        st->out->unknown = true;
                if (r != Z3_L_TRUE)
                        continue;
                Z3_model m = get_model(&e);
                uint64_t args[6];
                model_args(&e, m, refs, args);
                put_model(&e, m);
                cmp_witness(st, wider, name, args, fmt_request(v, name, args, refs, -1, NULL));
        }
        rset_free(&ro);
        rset_free(&rn);
        enc_free(&e);
}

void vf_compare_sys(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out)
{
        vf_family(v, "containment");
        memset(out, 0, sizeof *out);
        out->domain = "syscalls";
        cmp_state st = {.v = v, .old = old, .new = new, .out = out};
        shared_begin(v);
        for (int i = 0; i < old->nsyscalls; i++)
                compare_one(&st, old->syscalls[i].name);
        for (int i = 0; i < new->nsyscalls; i++)
                if (!(old->has_syscalls && ir_find_syscall(old, new->syscalls[i].name)))
                        compare_one(&st, new->syscalls[i].name);
        /* every syscall neither names: the two defaults */
        bool ao = !old->has_syscalls || act_allows(old->sys_default);
        bool an = !new->has_syscalls || act_allows(new->sys_default);
        const char *other = other_syscall(old, new);
        uint64_t zero[6] = {0};
        if (ao != an && other)
                cmp_witness(&st, an, other, zero, other);
        out->rel = st.wider && st.narrower ? VF_INCOMPARABLE
                   : st.wider              ? VF_WIDER
                   : st.narrower           ? VF_NARROWER
                                           : VF_EQUIVALENT;
        shared_end(v);
        vf_family_end(v);
}

/* For the tests: the proof's action for one concrete call (the encoding
 * with the arguments fixed), and whether it is allowed. */
bool vf_sys_decide(vf *v, const ir_policy *p, const char *name, const uint64_t args[6],
                   ir_action *out, bool *allowed)
{
        enc e;
        rset rs;
        enc_init(&e, v);
        rset_build(&e, &rs, p, name, "m");
        for (int k = 0; k < 6; k++)
                Z3_solver_assert(e.z, e.s,
                                 K(&e, Z3_mk_eq(e.z, e.arg[k], K(&e, vf_bv(v, args[k], 64)))));
        Z3_ast al = allowed_f(&e, &rs);
        bool ok = vf_check(v, e.s, "decide") == Z3_L_TRUE;
        if (ok) {
                Z3_model m = get_model(&e);
                *out = model_action(&e, &rs, m);
                *allowed = model_true(&e, m, al);
                put_model(&e, m);
        }
        rset_free(&rs);
        enc_free(&e);
        return ok;
}
