/*
 * report.c - what every check family shares: findings and waivers, the
 * solver with its deterministic budget, timing per family, and the replay
 * of witnesses through the reference evaluator.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void z3_error(Z3_context z, Z3_error_code e)
{
        /* Z3 reports API misuse here: a verifier bug, never a policy's */
        fprintf(stderr, "oshc verify: internal error: Z3: %s\n", Z3_get_error_msg(z, e));
        exit(2);
}

void vf_init(vf *v, unsigned rlimit)
{
        memset(v, 0, sizeof *v);
        v->rlimit = rlimit ? rlimit : VF_DEFAULT_RLIMIT;
        v->cur_fam = -1;
        Z3_config cfg = Z3_mk_config();
        Z3_set_param_value(cfg, "model", "true");
        v->z = Z3_mk_context(cfg);
        Z3_del_config(cfg);
        Z3_set_error_handler(v->z, z3_error);
}

void vf_set_program(vf *v, osh_ctx *c, ir_program *prog)
{
        v->c = c;
        v->prog = prog;
        v->env.n = 0;
        /* witnesses are replayed with these parameter values: fresh
         * directories no literal path of a policy names (DESIGN §2.3) */
        static const char *const names[] = {"WORKDIR", "HOME"};
        static const char *const values[] = {"/osh-param/WORKDIR", "/osh-param/HOME"};
        for (int i = 0; i < 2; i++) {
                v->env.names[v->env.n] = names[i];
                v->env.values[v->env.n++] = values[i];
        }
        if (prog)
                for (int i = 0; i < prog->nparams && v->env.n < 32; i++) {
                        if (prog->params[i].builtin)
                                continue;
                        v->env.names[v->env.n] = prog->params[i].name;
                        v->env.values[v->env.n++] =
                            arena_printf(&c->arena, "/osh-param/%s", prog->params[i].name);
                }
}

void vf_free(vf *v)
{
        vf_family_end(v);
        for (int i = 0; i < v->nfam; i++)
                free(v->fam[i].query_ms);
        free(v->f);
        Z3_del_context(v->z);
        v->z = NULL;
}

vf_finding *vf_report(vf *v, const ir_policy *p, const char *name, vf_severity sev,
                      const char *layer, const char *fmt, ...)
{
        if (v->nf == v->capf) {
                v->capf = v->capf ? 2 * v->capf : 32;
                v->f = realloc(v->f, (size_t)v->capf * sizeof *v->f);
                if (!v->f) {
                        fprintf(stderr, "oshc verify: out of memory\n");
                        exit(2);
                }
        }
        vf_finding *f = &v->f[v->nf++];
        memset(f, 0, sizeof *f);
        f->name = name;
        f->severity = sev;
        f->ctx = v->c;
        f->policy = p ? p->name : "";
        f->layer = layer;
        f->seq = v->seq++;
        va_list ap;
        va_start(ap, fmt);
        f->message = arena_vprintf(&v->c->arena, fmt, ap);
        va_end(ap);
        return f;
}

void vf_loc_add(vf *v, vf_finding *f, span where, const char *origin, const char *label)
{
        (void)v;
        if (f->nlocs == VF_MAX_LOCS || where.file < 0)
                return;
        for (int i = 0; i < f->nlocs; i++)
                if (!memcmp(&f->locs[i].where, &where, sizeof where))
                        return;
        f->locs[f->nlocs++] = (vf_loc){where, label, origin};
}

void vf_witness(vf *v, vf_finding *f, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        f->witness = arena_vprintf(&v->c->arena, fmt, ap);
        va_end(ap);
}

void vf_fix(vf *v, vf_finding *f, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        f->fix = arena_vprintf(&v->c->arena, fmt, ap);
        va_end(ap);
}

void vf_apply_waivers(vf *v, const ir_policy *p)
{
        for (int i = 0; i < v->nf; i++) {
                vf_finding *f = &v->f[i];
                if (f->waived || strcmp(f->policy, p->name))
                        continue;
                for (int w = 0; w < p->nwaivers; w++)
                        if (!strcmp(p->waivers[w].finding, f->name)) {
                                f->waived = true;
                                f->waive_reason = p->waivers[w].reason;
                                f->waive_where = p->waivers[w].where;
                                break;
                        }
        }
}

/* ---- the solver ---- */

Z3_solver vf_solver(vf *v)
{
        Z3_solver s = Z3_mk_solver(v->z);
        Z3_solver_inc_ref(v->z, s);
        Z3_params ps = Z3_mk_params(v->z);
        Z3_params_inc_ref(v->z, ps);
        Z3_params_set_uint(v->z, ps, Z3_mk_string_symbol(v->z, "rlimit"), v->rlimit);
        Z3_params_set_uint(v->z, ps, Z3_mk_string_symbol(v->z, "random_seed"), 0);
        Z3_solver_set_params(v->z, s, ps);
        Z3_params_dec_ref(v->z, ps);
        return s;
}

void vf_solver_free(vf *v, Z3_solver s)
{
        Z3_solver_dec_ref(v->z, s);
}

static void count_query(vf *v, double ms)
{
        if (v->cur_fam < 0)
                vf_family(v, "other");
        vf_family_stats *fs = &v->fam[v->cur_fam];
        fs->queries++;
        if (fs->nquery_ms == fs->capquery_ms) {
                fs->capquery_ms = fs->capquery_ms ? 2 * fs->capquery_ms : 64;
                fs->query_ms = realloc(fs->query_ms, (size_t)fs->capquery_ms * sizeof(double));
                if (!fs->query_ms) {
                        fprintf(stderr, "oshc verify: out of memory\n");
                        exit(2);
                }
        }
        fs->query_ms[fs->nquery_ms++] = ms;
}

static Z3_lbool checked(vf *v, Z3_lbool r, double t0, const char *what)
{
        count_query(v, (now_s() - t0) * 1e3);
        if (r == Z3_L_UNDEF) {
                if (!v->unknowns++)
                        v->unknown_what = arena_strdup(&v->c->arena, what ? what : "a query");
        }
        return r;
}

Z3_lbool vf_check(vf *v, Z3_solver s, const char *what)
{
        double t0 = now_s();
        return checked(v, Z3_solver_check(v->z, s), t0, what);
}

Z3_lbool vf_check_assumptions(vf *v, Z3_solver s, unsigned n, const Z3_ast *lits, const char *what)
{
        double t0 = now_s();
        return checked(v, Z3_solver_check_assumptions(v->z, s, n, lits), t0, what);
}

uint64_t vf_model_u64(vf *v, Z3_model m, Z3_ast t)
{
        Z3_ast val = NULL;
        uint64_t out = 0;
        if (!Z3_model_eval(v->z, m, t, true, &val) || !val)
                return 0;
        if (!Z3_get_numeral_uint64(v->z, val, &out))
                return 0;
        return out;
}

Z3_ast vf_bv(vf *v, uint64_t val, unsigned bits)
{
        return Z3_mk_unsigned_int64(v->z, val, Z3_mk_bv_sort(v->z, bits));
}

Z3_ast vf_bv_var(vf *v, const char *name, unsigned bits)
{
        return Z3_mk_const(v->z, Z3_mk_string_symbol(v->z, name), Z3_mk_bv_sort(v->z, bits));
}

Z3_ast vf_bool_var(vf *v, const char *name)
{
        return Z3_mk_const(v->z, Z3_mk_string_symbol(v->z, name), Z3_mk_bool_sort(v->z));
}

void vf_family(vf *v, const char *name)
{
        vf_family_end(v);
        int i;
        for (i = 0; i < v->nfam; i++)
                if (!strcmp(v->fam[i].name, name))
                        break;
        if (i == v->nfam) {
                if (v->nfam == VF_MAX_FAMILIES)
                        i = v->nfam - 1; /* fold the rest into the last */
                else
                        v->fam[v->nfam++].name = name;
        }
        v->cur_fam = i;
        v->fam_start = now_s();
}

void vf_family_end(vf *v)
{
        if (v->cur_fam >= 0)
                v->fam[v->cur_fam].seconds += now_s() - v->fam_start;
        v->cur_fam = -1;
}

/* ---- replay ---- */

void vf_internal(vf *v, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "oshc verify: internal error: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n  (a verifier bug: its proof and the reference evaluator disagree; "
                        "please report it with the policy)\n");
        va_end(ap);
        v->internal++;
}

bool vf_replay(vf *v, const ir_policy *p, const char *request, int expect, eval_result *out)
{
        eval_result r;
        char err[256];
        if (!eval_request(p, &v->env, request, &r, err, sizeof err, &v->c->arena)) {
                vf_internal(v, "policy %s: witness '%s' is not a request the evaluator reads: %s",
                            p->name, request, err);
                return false;
        }
        if (out)
                *out = r;
        if (expect >= 0 && r.allowed != (expect == 1)) {
                vf_internal(v,
                            "policy %s: the proof says '%s' is %s, the reference evaluator says %s",
                            p->name, request, expect ? "allowed" : "denied",
                            r.allowed ? "allowed" : "denied");
                return false;
        }
        return true;
}

const char *vf_relation_name(vf_relation r)
{
        static const char *const n[] = {"equivalent", "narrower", "wider", "incomparable"};
        return n[r];
}
