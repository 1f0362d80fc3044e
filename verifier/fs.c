/*
 * fs.c - the filesystem domain of the verifier (DESIGN §5): paths through
 * atoms, the rule anomalies of §5.1, the escalation findings of §5.2 that
 * are about files, `assert never RIGHTS PATHS`, and the comparison of two
 * policies' fs decisions.
 *
 * Atoms.  Every path the check needs (the rules' paths, the assertions',
 * the binaries of `from`, the well-known secret, control-socket and
 * sandbox-control locations) is a node.  A concrete path is covered by the
 * nodes that are it or its ancestors, and those form a chain, so its class
 * is decided by the deepest node covering it: the atoms are the nodes plus
 * one "outside" atom covered by no node.  Each parameter ($WORKDIR, $HOME,
 * declared ones) roots a universe of its own, disjoint from every literal
 * path and from the other parameters (the assumption of DESIGN §2.3 that
 * osh-run checks at launch).  Nodes are numbered in a depth-first order in
 * which '/' sorts first, so the paths beneath a node are the interval
 * [node, hi]: a rule matches the atom variable `a` when lo <= a <= hi.
 *
 * Encoding.  A request is (a, rt): a bit-vector over the atom indexes and
 * a 4-bit right (one of RIGHT_READ, _WRITE, _EXEC, _IOCTL).  Rule r
 * matches when `a` is in its interval and rt & rights(r) != 0; allowed =
 * (some allow matches) && !(some deny matches), exactly eval_fs.  Rights
 * imply nothing else: exec does not need read (eval_fs checks the one
 * right asked).  One solver per policy; every query is a push/pop scope
 * holding only the rules whose intervals meet the question's.  Anomaly
 * checks use assumption literals per rule ("r does not match", "r
 * matches"); an unsat core, shrunk by deletion, names the minimal
 * covering set.  A concrete pass over the rule tree first finds, for each
 * rule, a request showing it has an effect (a certificate, no solver
 * needed); Z3 proves the rest.  Witnesses are `oshc query` requests
 * (`read PATH`) on a node's path, or a fresh child of it, and are
 * replayed through the reference evaluator.  docs/verifier.md (Files) says
 * what each finding means.
 */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

#define FS_FRESH "osh-witness"
#define FS_MAX_REPORTS 16 /* findings of one kind per check, at most */

/* ---- atoms ---- */

typedef struct fs_node {
        const char *param; /* NULL: a literal path */
        const char *path;  /* literal, or the parameter's suffix ("" or "/x") */
        int hi;            /* the last node of this node's subtree */
} fs_node;

typedef struct fs_atoms {
        fs_node *n;
        int nn, cap;
        const char *outside; /* a path no node covers, or NULL when none exists */
        int natoms;          /* nn, plus one for the outside atom */
        unsigned bits;
} fs_atoms;

/* The path a node covers with: a parameter's own root is "/". */
static const char *cover_of(const char *param, const char *path)
{
        return param && !path[0] ? "/" : path;
}

/* Order paths so that '/' sorts before every other byte: then the paths
 * beneath P follow P without a gap. */
static int path_order(const char *a, const char *b)
{
        for (;; a++, b++) {
                int ka = *a == '/' ? 1 : *a ? (unsigned char)*a + 1 : 0;
                int kb = *b == '/' ? 1 : *b ? (unsigned char)*b + 1 : 0;
                if (ka != kb)
                        return ka < kb ? -1 : 1;
                if (!*a)
                        return 0;
        }
}

static int node_order(const char *pa, const char *a, const char *pb, const char *b)
{
        if (!pa != !pb)
                return pa ? 1 : -1;
        int c = pa ? strcmp(pa, pb) : 0;
        return c ? c : path_order(cover_of(pa, a), cover_of(pb, b));
}

static int cmp_node(const void *x, const void *y)
{
        const fs_node *a = x, *b = y;
        return node_order(a->param, a->path, b->param, b->path);
}

static void atoms_add(fs_atoms *at, const char *param, const char *path)
{
        if (at->nn == at->cap) {
                at->cap = at->cap ? 2 * at->cap : 64;
                at->n = realloc(at->n, (size_t)at->cap * sizeof *at->n);
                if (!at->n)
                        abort();
        }
        at->n[at->nn++] = (fs_node){param, path, 0};
}

static void atoms_add_ir(fs_atoms *at, const ir_path *p)
{
        atoms_add(at, p->param, p->path);
}

/* "$NAME/sub" or "/literal" as written in `from` and in tables. */
static void split_param(arena *ar, const char *s, const char **param, const char **path)
{
        if (s[0] != '$') {
                *param = NULL;
                *path = s;
                return;
        }
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s - 1) : strlen(s + 1);
        char *name = arena_alloc(ar, n + 1);
        memcpy(name, s + 1, n);
        *param = name;
        *path = slash ? slash : "";
}

static int atoms_find(const fs_atoms *at, const char *param, const char *path)
{
        int lo = 0, hi = at->nn - 1;
        while (lo <= hi) {
                int mid = (lo + hi) / 2;
                int c = node_order(param, path, at->n[mid].param, at->n[mid].path);
                if (!c)
                        return mid;
                if (c < 0)
                        hi = mid - 1;
                else
                        lo = mid + 1;
        }
        return -1;
}

static bool same_universe(const char *pa, const char *pb)
{
        if (!pa || !pb)
                return pa == pb;
        return !strcmp(pa, pb);
}

static bool node_covers(const fs_node *outer, const char *param, const char *path)
{
        return same_universe(outer->param, param) &&
               path_covers(cover_of(outer->param, outer->path), cover_of(param, path));
}

/* The display form: "$WORKDIR/x" or "/usr/lib". */
static const char *path_str(arena *ar, const char *param, const char *path)
{
        return param ? arena_printf(ar, "$%s%s", param, path) : path;
}

/* A child of (param, path) that no node is at or beneath. */
static const char *fresh_child(const fs_atoms *at, arena *ar, const char *param, const char *path)
{
        const char *base = cover_of(param, path);
        for (int k = 0;; k++) {
                const char *sub = k ? arena_printf(ar, "%s-%d", FS_FRESH, k) : FS_FRESH;
                const char *c = !strcmp(base, "/") ? arena_printf(ar, "/%s", sub)
                                                   : arena_printf(ar, "%s/%s", base, sub);
                bool used = false;
                for (int i = 0; i < at->nn && !used; i++)
                        used = same_universe(at->n[i].param, param) &&
                               path_covers(c, cover_of(at->n[i].param, at->n[i].path));
                if (!used)
                        return path_str(ar, param, c);
        }
}

/* Sort, merge duplicates, compute every subtree's interval, pick the
 * outside path. */
static void atoms_build(fs_atoms *at, const vf *v)
{
        arena *ar = &v->c->arena;
        qsort(at->n, (size_t)at->nn, sizeof *at->n, cmp_node);
        int kept = 0;
        for (int i = 0; i < at->nn; i++)
                if (!kept || cmp_node(&at->n[kept - 1], &at->n[i]))
                        at->n[kept++] = at->n[i];
        at->nn = kept;
        int *stack = malloc(((size_t)at->nn + 1) * sizeof *stack), top = 0;
        if (!stack)
                abort();
        for (int i = 0; i < at->nn; i++) {
                while (top && !node_covers(&at->n[stack[top - 1]], at->n[i].param, at->n[i].path))
                        at->n[stack[--top]].hi = i - 1;
                stack[top++] = i;
        }
        while (top)
                at->n[stack[--top]].hi = at->nn - 1;
        free(stack);
        /* outside: a fresh literal path, or a fresh path in a parameter no
         * node roots */
        at->outside = NULL;
        if (atoms_find(at, NULL, "/") < 0)
                at->outside = fresh_child(at, ar, NULL, "/");
        for (int i = 0; !at->outside && i < v->env.n; i++)
                if (atoms_find(at, v->env.names[i], "") < 0)
                        at->outside = fresh_child(at, ar, v->env.names[i], "");
        at->natoms = at->nn + (at->outside != NULL);
        at->bits = 1;
        while ((1u << at->bits) <= (unsigned)at->natoms)
                at->bits++;
}

static const char *atom_str(const fs_atoms *at, arena *ar, int atom)
{
        if (atom >= at->nn)
                return at->outside ? at->outside : "/";
        return path_str(ar, at->n[atom].param, at->n[atom].path);
}

static bool in_node(const fs_atoms *at, int node, int atom)
{
        return node >= 0 && atom >= node && atom <= at->n[node].hi && atom < at->nn;
}

/* ---- the encoding ---- */

typedef struct fs_pol {
        const ir_policy *p;
        int *node;          /* the node of each fs rule */
        Z3_ast ok;          /* a literal asserted equal to allowed(a, rt), or NULL */
        Z3_ast by_right[9]; /* allowed(a, right) for a constant right, or NULL */
} fs_pol;

typedef struct fs_x {
        vf *v;
        Z3_context z;
        arena *ar;
        fs_atoms at;
        Z3_ast a, rt; /* the request */
        Z3_ast *kept;
        int nkept, capkept;
        Z3_solver s;
} fs_x;

static Z3_ast keep(fs_x *x, Z3_ast t)
{
        if (x->nkept == x->capkept) {
                x->capkept = x->capkept ? 2 * x->capkept : 256;
                x->kept = realloc(x->kept, (size_t)x->capkept * sizeof *x->kept);
                if (!x->kept)
                        abort();
        }
        Z3_inc_ref(x->z, t);
        x->kept[x->nkept++] = t;
        return t;
}

static Z3_ast mk_bv(fs_x *x, uint64_t val, unsigned bits)
{
        return keep(x, vf_bv(x->v, val, bits));
}

static Z3_ast mk_and(fs_x *x, int n, const Z3_ast *t)
{
        if (n == 0)
                return keep(x, Z3_mk_true(x->z));
        if (n == 1)
                return t[0];
        return keep(x, Z3_mk_and(x->z, (unsigned)n, t));
}

static Z3_ast mk_or(fs_x *x, int n, const Z3_ast *t)
{
        if (n == 0)
                return keep(x, Z3_mk_false(x->z));
        if (n == 1)
                return t[0];
        return keep(x, Z3_mk_or(x->z, (unsigned)n, t));
}

static Z3_ast mk_and2(fs_x *x, Z3_ast l, Z3_ast r)
{
        Z3_ast t[2] = {l, r};
        return mk_and(x, 2, t);
}

static Z3_ast mk_not(fs_x *x, Z3_ast t)
{
        return keep(x, Z3_mk_not(x->z, t));
}

static Z3_ast mk_implies(fs_x *x, Z3_ast l, Z3_ast r)
{
        return keep(x, Z3_mk_implies(x->z, l, r));
}

static Z3_ast mk_eq(fs_x *x, Z3_ast l, Z3_ast r)
{
        return keep(x, Z3_mk_eq(x->z, l, r));
}

static Z3_ast fresh_lit(fs_x *x, const char *prefix)
{
        return keep(x, Z3_mk_fresh_const(x->z, prefix, Z3_mk_bool_sort(x->z)));
}

static Z3_ast atom_is(fs_x *x, int atom)
{
        return mk_eq(x, x->a, mk_bv(x, (uint64_t)atom, x->at.bits));
}

static Z3_ast right_is(fs_x *x, unsigned right)
{
        return mk_eq(x, x->rt, mk_bv(x, right, 4));
}

/* The atom is `node` or beneath it: an interval of indexes. */
static Z3_ast under(fs_x *x, int node)
{
        int hi = x->at.n[node].hi;
        if (hi == node)
                return atom_is(x, node);
        Z3_ast lo = keep(x, Z3_mk_bvule(x->z, mk_bv(x, (uint64_t)node, x->at.bits), x->a));
        Z3_ast up = keep(x, Z3_mk_bvule(x->z, x->a, mk_bv(x, (uint64_t)hi, x->at.bits)));
        return mk_and2(x, lo, up);
}

static Z3_ast right_in(fs_x *x, unsigned rights)
{
        Z3_ast masked = keep(x, Z3_mk_bvand(x->z, x->rt, mk_bv(x, rights & RIGHT_ALL, 4)));
        return mk_not(x, mk_eq(x, masked, mk_bv(x, 0, 4)));
}

static Z3_ast rule_matches(fs_x *x, fs_pol *pp, int r)
{
        return mk_and2(x, under(x, pp->node[r]), right_in(x, pp->p->fs[r].rights));
}

/* Some rule of kind `deny` matches (rule `skip` left out). */
static Z3_ast some_matches(fs_x *x, fs_pol *pp, bool deny, int skip)
{
        Z3_ast *t = malloc(((size_t)pp->p->nfs + 1) * sizeof *t);
        if (!t)
                abort();
        int n = 0;
        for (int r = 0; r < pp->p->nfs; r++)
                if (pp->p->fs[r].deny == deny && r != skip)
                        t[n++] = rule_matches(x, pp, r);
        Z3_ast out = mk_or(x, n, t);
        free(t);
        return out;
}

static Z3_ast allowed(fs_x *x, fs_pol *pp)
{
        return mk_and2(x, some_matches(x, pp, false, -1), mk_not(x, some_matches(x, pp, true, -1)));
}

/* allowed(a, rt) over the rules with keep[r] set: the rules that can match
 * the requests a query asks about, so the scope stays small. */
static Z3_ast allowed_over(fs_x *x, fs_pol *pp, const bool *use)
{
        int n = pp->p->nfs, na = 0, nd = 0;
        Z3_ast *al = malloc(((size_t)n + 1) * sizeof *al),
               *de = malloc(((size_t)n + 1) * sizeof *de);
        if (!al || !de)
                abort();
        for (int r = 0; r < n; r++)
                if (use[r]) {
                        if (pp->p->fs[r].deny)
                                de[nd++] = rule_matches(x, pp, r);
                        else
                                al[na++] = rule_matches(x, pp, r);
                }
        Z3_ast out = mk_and2(x, mk_or(x, na, al), mk_not(x, mk_or(x, nd, de)));
        free(al);
        free(de);
        return out;
}

/* allowed(a, rt) as one literal, asserted once per solver: every query
 * then assumes it instead of internalizing the rules again. */
static Z3_ast pol_ok(fs_x *x, fs_pol *pp)
{
        if (!pp->ok) {
                pp->ok = fresh_lit(x, "fs_allowed");
                Z3_solver_assert(x->z, x->s, mk_eq(x, pp->ok, allowed(x, pp)));
        }
        return pp->ok;
}

/* allowed(a, right) for one constant right. */
static Z3_ast allowed_for(fs_x *x, fs_pol *pp, unsigned right)
{
        if (!pp->by_right[right]) {
                Z3_ast rt = x->rt;
                x->rt = mk_bv(x, right, 4);
                pp->by_right[right] = allowed(x, pp);
                x->rt = rt;
        }
        return pp->by_right[right];
}

static void fs_x_init(fs_x *x, vf *v)
{
        memset(x, 0, sizeof *x);
        x->v = v;
        x->z = v->z;
        x->ar = &v->c->arena;
}

/* The request variables and their domain, on a fresh solver. */
static void fs_x_start(fs_x *x)
{
        atoms_build(&x->at, x->v);
        x->a = keep(x, vf_bv_var(x->v, "fs_atom", x->at.bits));
        x->rt = keep(x, vf_bv_var(x->v, "fs_right", 4));
        x->s = vf_solver(x->v);
        Z3_solver_assert(
            x->z, x->s,
            keep(x, Z3_mk_bvult(x->z, x->a, mk_bv(x, (uint64_t)x->at.natoms, x->at.bits))));
        Z3_ast one[4] = {right_is(x, RIGHT_READ), right_is(x, RIGHT_WRITE), right_is(x, RIGHT_EXEC),
                         right_is(x, RIGHT_IOCTL)};
        Z3_solver_assert(x->z, x->s, mk_or(x, 4, one));
}

static void fs_pol_init(fs_x *x, fs_pol *pp, const ir_policy *p)
{
        memset(pp, 0, sizeof *pp);
        pp->p = p;
        pp->node = arena_alloc(x->ar, ((size_t)p->nfs + 1) * sizeof *pp->node);
        for (int r = 0; r < p->nfs; r++)
                pp->node[r] = atoms_find(&x->at, p->fs[r].path.param, p->fs[r].path.path);
}

static void fs_x_free(fs_x *x)
{
        if (x->s)
                vf_solver_free(x->v, x->s);
        for (int i = 0; i < x->nkept; i++)
                Z3_dec_ref(x->z, x->kept[i]);
        free(x->kept);
        free(x->at.n);
        memset(x, 0, sizeof *x);
}

/* The request of a model. */
static void model_request(fs_x *x, int *atom, unsigned *right)
{
        Z3_model m = Z3_solver_get_model(x->z, x->s);
        Z3_model_inc_ref(x->z, m);
        *atom = (int)vf_model_u64(x->v, m, x->a);
        *right = (unsigned)vf_model_u64(x->v, m, x->rt);
        Z3_model_dec_ref(x->z, m);
}

/* ---- concrete helpers: names, the rule that decides ---- */

static const char *right_name(unsigned right)
{
        switch (right) {
        case RIGHT_READ:
                return "read";
        case RIGHT_WRITE:
                return "write";
        case RIGHT_EXEC:
                return "exec";
        case RIGHT_IOCTL:
                return "ioctl";
        default:
                return "?";
        }
}

static const char *rights_str(arena *ar, unsigned rights)
{
        if ((rights & RIGHT_ALL) == RIGHT_ALL)
                return "every right";
        const char *s = "";
        for (unsigned b = 1; b <= RIGHT_IOCTL; b <<= 1)
                if (rights & b)
                        s = arena_printf(ar, "%s%s%s", s, s[0] ? ", " : "", right_name(b));
        return s;
}

static unsigned first_right(unsigned rights)
{
        for (unsigned b = 1; b <= RIGHT_IOCTL; b <<= 1)
                if (rights & b)
                        return b;
        return RIGHT_READ;
}

/* The first rule of kind `deny` matching (atom, right), or -1. */
static int matching_rule(const fs_x *x, fs_pol *pp, int atom, unsigned right, bool deny)
{
        for (int r = 0; r < pp->p->nfs; r++)
                if (pp->p->fs[r].deny == deny && (pp->p->fs[r].rights & right) &&
                    in_node(&x->at, pp->node[r], atom))
                        return r;
        return -1;
}

static const char *rule_text(fs_x *x, const ir_fs_rule *r)
{
        return arena_printf(x->ar, "%s %s %s", r->deny ? "deny" : "allow",
                            rights_str(x->ar, r->rights),
                            path_str(x->ar, r->path.param, r->path.path));
}

static void loc_rule(fs_x *x, vf_finding *f, const ir_fs_rule *r, const char *label)
{
        vf_loc_add(x->v, f, r->where, r->origin, label);
}

/* Replay a request witness unless its path has blanks (the query syntax
 * cannot say it). */
static void replay(fs_x *x, const ir_policy *p, const char *request, int expect)
{
        if (strchr(request + strcspn(request, " ") + 1, ' ') ||
            strchr(request + strcspn(request, " ") + 1, '\t'))
                return;
        vf_replay(x->v, p, request, expect, NULL);
}

/* ---- assumption literals and minimal cores ---- */

typedef struct fs_lits {
        Z3_ast *nomatch; /* per rule: "r does not match the request" */
        Z3_ast *match;   /* per rule: "r matches the request" */
        Z3_ast *m;       /* per rule: its match formula over (a, rt), or NULL */
} fs_lits;

static void lits_init(fs_x *x, fs_pol *pp, fs_lits *L)
{
        int n = pp->p->nfs;
        L->nomatch = arena_alloc(x->ar, ((size_t)n + 1) * sizeof(Z3_ast));
        L->match = arena_alloc(x->ar, ((size_t)n + 1) * sizeof(Z3_ast));
        L->m = arena_alloc(x->ar, ((size_t)n + 1) * sizeof(Z3_ast));
        for (int r = 0; r < n; r++) {
                L->nomatch[r] = fresh_lit(x, "fs_off");
                L->match[r] = fresh_lit(x, "fs_on");
        }
}

static Z3_ast lit_match(fs_x *x, fs_pol *pp, fs_lits *L, int r)
{
        if (!L->m[r])
                L->m[r] = rule_matches(x, pp, r);
        return L->m[r];
}

/* "r matches" as a definition for the current scope. */
static Z3_ast def_match(fs_x *x, fs_pol *pp, fs_lits *L, int r)
{
        return mk_implies(x, L->match[r], lit_match(x, pp, L, r));
}

/* In a scope of its own: assert `defs`, and "rule does not match" for
 * each rule of `rules`; check with the fixed literals and those.  On
 * UNSAT, rules is shrunk to a minimal subset that keeps it UNSAT (the
 * core, then deletion); on SAT, *atom and *right get the model's request.
 * Only the rules that can overlap are ever passed, so each scope is
 * small. */
static Z3_lbool check_cover(fs_x *x, fs_pol *pp, fs_lits *L, const Z3_ast *defs, int ndefs,
                            const Z3_ast *fixed, int nfixed, int *rules, int *nrules, int *atom,
                            unsigned *right, const char *what)
{
        int n = *nrules;
        Z3_ast *lits = malloc(((size_t)n + (size_t)nfixed + 1) * sizeof *lits);
        if (!lits)
                abort();
        Z3_solver_push(x->z, x->s);
        for (int i = 0; i < ndefs; i++)
                Z3_solver_assert(x->z, x->s, defs[i]);
        for (int i = 0; i < nfixed; i++)
                lits[i] = fixed[i];
        for (int i = 0; i < n; i++) {
                int r = rules[i];
                Z3_solver_assert(x->z, x->s,
                                 mk_implies(x, L->nomatch[r], mk_not(x, lit_match(x, pp, L, r))));
                lits[nfixed + i] = L->nomatch[r];
        }
        Z3_lbool res = vf_check_assumptions(x->v, x->s, (unsigned)(nfixed + n), lits, what);
        if (res == Z3_L_TRUE && atom && right)
                model_request(x, atom, right);
        if (res == Z3_L_FALSE) {
                /* the core: keep the rules whose literal is in it */
                Z3_ast_vector core = Z3_solver_get_unsat_core(x->z, x->s);
                Z3_ast_vector_inc_ref(x->z, core);
                unsigned nc = Z3_ast_vector_size(x->z, core);
                int m = 0;
                for (int i = 0; i < n; i++) {
                        bool in = false;
                        for (unsigned k = 0; k < nc && !in; k++)
                                in = Z3_ast_vector_get(x->z, core, k) == L->nomatch[rules[i]];
                        if (in)
                                rules[m++] = rules[i];
                }
                Z3_ast_vector_dec_ref(x->z, core);
                /* deletion: drop each rule the rest still covers without */
                for (int i = 0; i < m;) {
                        int k = 0;
                        for (int j = 0; j < m; j++)
                                if (j != i)
                                        lits[nfixed + k++] = L->nomatch[rules[j]];
                        if (vf_check_assumptions(x->v, x->s, (unsigned)(nfixed + k), lits, what) ==
                            Z3_L_FALSE) {
                                memmove(&rules[i], &rules[i + 1],
                                        (size_t)(m - i - 1) * sizeof *rules);
                                m--;
                        } else {
                                i++;
                        }
                }
                *nrules = m;
        }
        Z3_solver_pop(x->z, x->s, 1);
        free(lits);
        return res;
}

/* ---- §5.1 anomalies ---- */

static vf_finding *report_rule(fs_x *x, fs_pol *pp, int r, const char *name, vf_severity sev,
                               const char *layer, const char *msg)
{
        vf_finding *f = vf_report(x->v, pp->p, name, sev, layer, "%s", msg);
        loc_rule(x, f, &pp->p->fs[r], "this rule");
        return f;
}

static void add_cover_locs(fs_x *x, fs_pol *pp, vf_finding *f, const int *rules, int n)
{
        for (int i = 0; i < n; i++)
                loc_rule(x, f, &pp->p->fs[rules[i]],
                         pp->p->fs[rules[i]].deny ? "covered by this deny"
                                                  : "covered by this allow");
}

static void check_vacuous(fs_x *x, fs_pol *pp, int r)
{
        const ir_fs_rule *rule = &pp->p->fs[r];
        arena *ar = x->ar;
        if (!(rule->rights & RIGHT_ALL)) {
                vf_finding *f = report_rule(x, pp, r, "vacuous-rule", VF_WARNING, "landlock",
                                            "this rule has no rights: it matches no request");
                vf_witness(x->v, f, "%s", "(no request)");
                vf_fix(x->v, f, "give the rule its rights, or remove it");
                return;
        }
        if (rule->path.param || strcmp(rule->path.path, "/"))
                return;
        unsigned right = first_right(rule->rights);
        const char *path = fresh_child(&x->at, ar, NULL, "/");
        vf_finding *f = report_rule(
            x, pp, r, "vacuous-rule", VF_WARNING, "landlock",
            arena_printf(ar,
                         rule->deny ? "`%s` matches every path: it cancels every allow of %s on "
                                      "the host's files"
                                    : "`%s` matches every path: it grants %s on every file of the "
                                      "host, secrets and sandbox controls included",
                         rule_text(x, rule), rights_str(ar, rule->rights)));
        vf_witness(x->v, f, "%s %s", right_name(right), path);
        vf_fix(x->v, f,
               rule->deny ? "remove the deny on / and grant only what the agent needs"
                          : "name the directories the agent needs instead of /");
        replay(x, pp->p, f->witness, rule->deny ? 0 : -1);
}

/* Can rules r and o match one request?  Their subtrees and rights meet. */
static bool overlaps(fs_x *x, fs_pol *pp, int r, int o)
{
        int a = pp->node[r], b = pp->node[o];
        return a <= x->at.n[b].hi && b <= x->at.n[a].hi &&
               (pp->p->fs[r].rights & pp->p->fs[o].rights);
}

/* ---- the concrete pass ----
 *
 * Rule paths form a tree, so whether a rule has an effect is decided at a
 * few atoms: an allow at its own node (a rule matching that node covers the
 * whole subtree), a deny at its own node and at the nodes of the allows
 * beneath it.  This pass finds, for each rule, a request that shows the
 * rule has an effect; such a request is a certificate and needs no solver.
 * Only where none exists does Z3 prove the finding (UNSAT) and name the
 * minimal covering set from its core; a SAT answer there would mean the
 * two disagree, an internal error. */

/* Does an active rule of kind `deny`, other than `skip`, match (atom, right)? */
static bool c_match(fs_x *x, fs_pol *pp, int atom, unsigned right, bool deny, int skip,
                    const bool *active)
{
        for (int r = 0; r < pp->p->nfs; r++)
                if (r != skip && pp->p->fs[r].deny == deny && (!active || active[r]) &&
                    (pp->p->fs[r].rights & right) && in_node(&x->at, pp->node[r], atom))
                        return true;
        return false;
}

/* The rules that can decide at `atom` for some right of rule r, of kind
 * `deny` (active, not r itself). */
static int rules_at(fs_x *x, fs_pol *pp, int r, int atom, bool deny, const bool *active, int *out)
{
        int n = 0;
        for (int o = 0; o < pp->p->nfs; o++)
                if (o != r && pp->p->fs[o].deny == deny && (!active || active[o]) &&
                    (pp->p->fs[o].rights & pp->p->fs[r].rights) &&
                    in_node(&x->at, pp->node[o], atom))
                        out[n++] = o;
        return n;
}

static void disagree(fs_x *x, fs_pol *pp, int r, const char *what)
{
        vf_internal(x->v, "policy %s: fs %s of rule %d: the concrete pass and Z3 disagree",
                    pp->p->name, what, r);
}

static void check_allow(fs_x *x, fs_pol *pp, fs_lits *L, int r, bool *active)
{
        const ir_policy *p = pp->p;
        const ir_fs_rule *rule = &p->fs[r];
        arena *ar = x->ar;
        int node = pp->node[r];
        int *rules = malloc(((size_t)p->nfs + 1) * sizeof *rules), n = 0;
        if (!rules)
                abort();
        const char *path = atom_str(&x->at, ar, node);
        Z3_ast def = def_match(x, pp, L, r);
        unsigned granted = 0, alone = 0; /* rights it grants at its node; and it alone */
        for (unsigned b = 1; b <= RIGHT_IOCTL; b <<= 1)
                if ((rule->rights & b) && !c_match(x, pp, node, b, true, -1, active)) {
                        granted |= b;
                        if (!c_match(x, pp, node, b, false, r, active))
                                alone |= b;
                }
        if (!granted) {
                /* shadowed: every request it matches is denied */
                n = rules_at(x, pp, r, node, true, active, rules);
                Z3_lbool res = check_cover(x, pp, L, &def, 1, &L->match[r], 1, rules, &n, NULL,
                                           NULL, "fs shadowed allow");
                if (res == Z3_L_TRUE)
                        disagree(x, pp, r, "shadowed-rule");
                if (res != Z3_L_FALSE)
                        goto out;
                vf_finding *f = report_rule(
                    x, pp, r, "shadowed-rule", VF_WARNING, "landlock",
                    arena_printf(ar,
                                 "`%s` grants nothing: every request it matches is denied by %s",
                                 rule_text(x, rule),
                                 n == 1 ? "the deny rule below" : "the deny rules below together"));
                add_cover_locs(x, pp, f, rules, n);
                vf_witness(x->v, f, "%s %s", right_name(first_right(rule->rights)), path);
                vf_fix(x->v, f, "remove the allow, or narrow the deny that covers it");
                replay(x, p, f->witness, 0);
                active[r] = false;
                goto out;
        }
        if (!alone) {
                /* redundant: what it grants, other allows grant */
                n = rules_at(x, pp, r, node, false, active, rules);
                n += rules_at(x, pp, r, node, true, active, rules + n);
                Z3_lbool res = check_cover(x, pp, L, &def, 1, &L->match[r], 1, rules, &n, NULL,
                                           NULL, "fs redundant allow");
                if (res == Z3_L_TRUE)
                        disagree(x, pp, r, "redundant-rule");
                if (res == Z3_L_FALSE) {
                        vf_finding *f = report_rule(
                            x, pp, r, "redundant-rule", VF_WARNING, "landlock",
                            arena_printf(ar,
                                         "`%s` grants nothing the other rules do not already grant",
                                         rule_text(x, rule)));
                        add_cover_locs(x, pp, f, rules, n);
                        vf_witness(x->v, f, "%s %s", right_name(first_right(granted)), path);
                        vf_fix(x->v, f, "remove the rule");
                        replay(x, p, f->witness, 1);
                        active[r] = false;
                }
        }
        /* overridden: a right of it cancelled on its whole path */
        for (unsigned b = 1; b <= RIGHT_IOCTL; b <<= 1) {
                if (!(rule->rights & b) || !c_match(x, pp, node, b, true, -1, NULL))
                        continue;
                Z3_ast lit = fresh_lit(x, "fs_right");
                Z3_ast defs[2] = {def, mk_implies(x, lit, right_is(x, b))};
                Z3_ast fixed[2] = {L->match[r], lit};
                n = 0;
                for (int d = 0; d < p->nfs; d++)
                        if (p->fs[d].deny && (p->fs[d].rights & b) &&
                            in_node(&x->at, pp->node[d], node))
                                rules[n++] = d;
                Z3_lbool res = check_cover(x, pp, L, defs, 2, fixed, 2, rules, &n, NULL, NULL,
                                           "fs overridden allow");
                if (res == Z3_L_TRUE)
                        disagree(x, pp, r, "overridden-allow");
                if (res != Z3_L_FALSE)
                        continue;
                vf_finding *f = report_rule(
                    x, pp, r, "overridden-allow", VF_WARNING, "landlock",
                    arena_printf(ar, "the %s that `%s` grants is cancelled on all of %s by a deny",
                                 right_name(b), rule_text(x, rule), path));
                add_cover_locs(x, pp, f, rules, n);
                vf_witness(x->v, f, "%s %s", right_name(b), path);
                vf_fix(x->v, f, "drop %s from the allow, or narrow the deny", right_name(b));
                replay(x, p, f->witness, 0);
        }
out:
        free(rules);
}

/* Where a deny can have an effect: its node, and the nodes of the allows
 * beneath it that share a right (see the concrete pass). */
static int deny_candidates(fs_x *x, fs_pol *pp, int r, int *out)
{
        int n = 0, node = pp->node[r];
        out[n++] = node;
        for (int o = 0; o < pp->p->nfs; o++)
                if (!pp->p->fs[o].deny && (pp->p->fs[o].rights & pp->p->fs[r].rights) &&
                    in_node(&x->at, node, pp->node[o]) && pp->node[o] != node)
                        out[n++] = pp->node[o];
        return n;
}

static void check_deny(fs_x *x, fs_pol *pp, fs_lits *L, int r, bool *active)
{
        const ir_policy *p = pp->p;
        const ir_fs_rule *rule = &p->fs[r];
        arena *ar = x->ar;
        int *rules = malloc(((size_t)p->nfs + 1) * sizeof *rules), n = 0;
        int *cand = malloc(((size_t)p->nfs + 1) * sizeof *cand);
        if (!rules || !cand)
                abort();
        int nc = deny_candidates(x, pp, r, cand);
        bool reached = false, decides = false;
        int w_atom = -1;
        unsigned w_right = 0;
        for (int i = 0; i < nc && !decides; i++)
                for (unsigned b = 1; b <= RIGHT_IOCTL && !decides; b <<= 1) {
                        if (!(rule->rights & b) || !c_match(x, pp, cand[i], b, false, -1, NULL))
                                continue;
                        if (!reached)
                                w_atom = cand[i], w_right = b;
                        reached = true;
                        decides = !c_match(x, pp, cand[i], b, true, r, active);
                }
        if (decides)
                goto out;
        /* "some allow matches", over the allows that can meet this deny */
        for (int o = 0; o < p->nfs; o++)
                if (!p->fs[o].deny && overlaps(x, pp, r, o))
                        rules[n++] = o;
        Z3_ast *ms = malloc(((size_t)n + 1) * sizeof *ms);
        if (!ms)
                abort();
        for (int i = 0; i < n; i++)
                ms[i] = lit_match(x, pp, L, rules[i]);
        Z3_ast some = fresh_lit(x, "fs_some_allow");
        Z3_ast defs[2] = {def_match(x, pp, L, r), mk_implies(x, some, mk_or(x, n, ms))};
        free(ms);
        Z3_ast fixed[2] = {L->match[r], some};
        n = 0;
        if (!reached) {
                Z3_lbool res =
                    check_cover(x, pp, L, defs, 2, fixed, 2, rules, &n, NULL, NULL, "fs dead deny");
                if (res == Z3_L_TRUE)
                        disagree(x, pp, r, "dead-rule");
                if (res != Z3_L_FALSE)
                        goto out;
                vf_finding *f = report_rule(
                    x, pp, r, "dead-rule", VF_WARNING, "landlock",
                    arena_printf(ar,
                                 "`%s` never has effect: no allow grants what it denies (fs is "
                                 "default deny)",
                                 rule_text(x, rule)));
                vf_witness(x->v, f, "%s %s", right_name(first_right(rule->rights)),
                           atom_str(&x->at, ar, pp->node[r]));
                vf_fix(x->v, f, "remove the rule (or waive dead-rule if it documents intent)");
                replay(x, p, f->witness, 0);
                active[r] = false;
                goto out;
        }
        for (int o = 0; o < p->nfs; o++)
                if (o != r && p->fs[o].deny && active[o] && overlaps(x, pp, r, o))
                        rules[n++] = o;
        Z3_lbool res =
            check_cover(x, pp, L, defs, 2, fixed, 2, rules, &n, NULL, NULL, "fs shadowed deny");
        if (res == Z3_L_TRUE)
                disagree(x, pp, r, "shadowed-rule");
        if (res == Z3_L_FALSE) {
                vf_finding *f = report_rule(
                    x, pp, r, "shadowed-rule", VF_WARNING, "landlock",
                    arena_printf(ar, "`%s` is covered: everything it denies, %s already den%s",
                                 rule_text(x, rule),
                                 n == 1 ? "the deny rule below" : "the deny rules below",
                                 n == 1 ? "ies" : "y"));
                add_cover_locs(x, pp, f, rules, n);
                vf_witness(x->v, f, "%s %s", right_name(w_right), atom_str(&x->at, ar, w_atom));
                vf_fix(x->v, f, "remove the rule");
                replay(x, p, f->witness, 0);
                active[r] = false;
        }
out:
        free(cand);
        free(rules);
}

static void check_anomalies(fs_x *x, fs_pol *pp)
{
        const ir_policy *p = pp->p;
        if (!p->nfs)
                return;
        fs_lits L;
        lits_init(x, pp, &L);
        bool *active = malloc((size_t)p->nfs * sizeof *active);
        if (!active)
                abort();
        for (int r = 0; r < p->nfs; r++)
                active[r] = true;
        /* last to first: of two equal rules, the later one is reported */
        for (int r = p->nfs - 1; r >= 0; r--) {
                check_vacuous(x, pp, r);
                if (!(p->fs[r].rights & RIGHT_ALL))
                        continue;
                if (p->fs[r].deny)
                        check_deny(x, pp, &L, r, active);
                else
                        check_allow(x, pp, &L, r, active);
        }
        free(active);
}

/* ---- §5.2 escalation paths ---- */

/* The well-known locations.  Home-relative secrets are checked under
 * $HOME, /root, a fresh user of /home and every /home/USER the policy
 * names; std/secrets.osh lists the same under $HOME and /root (tested). */
static const char *const secret_system[] = {"/etc/shadow",
                                            "/etc/gshadow",
                                            "/etc/shadow-",
                                            "/etc/gshadow-",
                                            "/etc/ssl/private",
                                            "/etc/ssh/ssh_host_rsa_key",
                                            "/etc/ssh/ssh_host_ecdsa_key",
                                            "/etc/ssh/ssh_host_ed25519_key",
                                            "/etc/security/opasswd",
                                            "/run/secrets",
                                            "/var/run/secrets",
                                            NULL};
static const char *const secret_home[] = {"/.ssh",
                                          "/.aws",
                                          "/.config/gcloud",
                                          "/.azure",
                                          "/.kube/config",
                                          "/.docker/config.json",
                                          "/.netrc",
                                          "/.git-credentials",
                                          "/.npmrc",
                                          "/.pypirc",
                                          "/.gnupg",
                                          "/.config/gh/hosts.yml",
                                          "/.vault-token",
                                          "/.password-store",
                                          "/.cargo/credentials.toml",
                                          "/.terraform.d/credentials.tfrc.json",
                                          NULL};
/* Literal roots under which `.env` files of projects are looked for (with
 * every parameter-rooted allow). */
static const char *const env_roots[] = {"/home", "/root",    "/srv", "/workspace",
                                        "/app",  "/var/www", NULL};

/* Unix sockets of daemons that hold more privilege than the agent; hidden
 * says osh-run's mount view hides it unless a rule names it or something
 * beneath it (runtime/sandbox.c control_sockets). */
static const struct {
        const char *path;
        bool hidden;
} control_sockets[] = {
    {"/run/docker.sock", true},
    {"/var/run/docker.sock", true},
    {"/run/containerd", true},
    {"/var/run/containerd", false},
    {"/run/podman", true},
    {"/var/run/podman", false},
    {"/run/dbus", true},
    {"/var/run/dbus", true},
    {"/run/systemd/private", true},
    {"/run/user", true},
    {"/tmp/.X11-unix", true},
    {"/run/libvirt", false},
    {"/var/run/libvirt", false},
    {"/run/crio", false},
    {"/run/buildkit", false},
    {"/run/snapd.socket", false},
    {"/tmp/ssh-" FS_FRESH, false}, /* ssh-agent: $SSH_AUTH_SOCK, /tmp/ssh-XXXXXX/agent.PID */
    {NULL, false}};

/* Sandbox and host control files: writing them changes the sandbox, the
 * kernel's settings or what the launcher runs next time. */
static const char *const control_files[] = {"/proc/sys",
                                            "/proc/sysrq-trigger",
                                            "/proc/self/attr",
                                            "/proc/self/uid_map",
                                            "/proc/self/gid_map",
                                            "/proc/self/setgroups",
                                            "/sys",
                                            "/sys/fs/cgroup",
                                            "/sys/kernel/security",
                                            "/sys/fs/bpf",
                                            "/etc/ld.so.preload",
                                            "/etc/ld.so.conf",
                                            "/etc/ld.so.conf.d",
                                            "/etc/ld.so.cache",
                                            "/usr/bin/osh-run",
                                            "/usr/bin/osh-proxy",
                                            "/usr/bin/oshc",
                                            "/usr/local/bin/osh-run",
                                            "/usr/local/bin/osh-proxy",
                                            "/usr/local/bin/oshc",
                                            NULL};

/* Is `path` at or beneath one of env_roots? */
static bool under_env_root(const char *path)
{
        for (int i = 0; env_roots[i]; i++)
                if (path_covers(env_roots[i], path))
                        return true;
        return false;
}

/* Is the path of allow rule r a project directory a `.env` may sit in?
 * A parameter's root, or a path under env_roots or a parameter whose
 * last component has no '.' (".gitconfig", "notes.txt" are files). */
static bool env_dir(const ir_fs_rule *r)
{
        const ir_path *rp = &r->path;
        if (r->deny || !(r->rights & RIGHT_READ) || !(rp->param || under_env_root(rp->path)))
                return false;
        const char *last = strrchr(rp->path, '/');
        return !last || !strchr(last, '.');
}

/* The home directories secret_home is checked under. */
static int home_roots(const ir_policy *p, const char **param, const char **path, int max)
{
        int n = 0;
        param[n] = "HOME", path[n++] = "";
        param[n] = NULL, path[n++] = "/root";
        param[n] = NULL, path[n++] = "/home/osh-user";
        for (int r = 0; r < p->nfs && n < max; r++) {
                const char *s = p->fs[r].path.path;
                if (!p->fs[r].path.param && !strncmp(s, "/home/", 6) && !strchr(s + 6, '/'))
                        param[n] = NULL, path[n++] = s;
        }
        return n;
}

static void add_targets(fs_x *x, const ir_policy *p)
{
        fs_atoms *at = &x->at;
        for (int i = 0; secret_system[i]; i++)
                atoms_add(at, NULL, secret_system[i]);
        const char *hp[64], *hs[64];
        int nh = home_roots(p, hp, hs, 64);
        for (int h = 0; h < nh; h++)
                for (int i = 0; secret_home[i]; i++)
                        atoms_add(at, hp[h], arena_printf(x->ar, "%s%s", hs[h], secret_home[i]));
        for (int i = 0; control_sockets[i].path; i++)
                atoms_add(at, NULL, control_sockets[i].path);
        for (int i = 0; control_files[i]; i++)
                atoms_add(at, NULL, control_files[i]);
        for (int r = 0; r < p->nfs; r++) {
                const ir_path *rp = &p->fs[r].path;
                if (env_dir(&p->fs[r]))
                        atoms_add(at, rp->param,
                                  !strcmp(rp->path, "/")
                                      ? "/.env"
                                      : arena_printf(x->ar, "%s/.env", rp->path));
        }
}

typedef struct fs_hit {
        int atom;
        unsigned right;
        int allow; /* the allow rule that grants it */
        int target;
} fs_hit;

/* Requests at or beneath one of `targets` with a right of `rights` that
 * p allows, one per granting allow rule (at most `max`).  One small scope
 * per target (only the rules whose subtree meets the target's), in which
 * the rules already reported are blocked: each model names a new one. */
static int find_reach(fs_x *x, fs_pol *pp, const int *targets, int ntargets, unsigned rights,
                      fs_hit *hits, int max, const char *what)
{
        int n = 0, nr = pp->p->nfs;
        bool *use = malloc((size_t)nr + 1), *seen = calloc((size_t)nr + 1, 1);
        if (!use || !seen)
                abort();
        /* one right: the request's right is that constant (smaller terms) */
        Z3_ast rt = x->rt;
        if (!(rights & (rights - 1)))
                x->rt = mk_bv(x, rights, 4);
        for (int i = 0; i < ntargets && n < max; i++) {
                int b = targets[i];
                if (b < 0)
                        continue;
                bool any = false;
                for (int r = 0; r < nr; r++) {
                        int a = pp->node[r];
                        use[r] = a <= x->at.n[b].hi && b <= x->at.n[a].hi &&
                                 (pp->p->fs[r].rights & rights);
                        any |= use[r] && !pp->p->fs[r].deny;
                }
                if (!any)
                        continue; /* no allow can reach it: nothing to ask */
                Z3_solver_push(x->z, x->s);
                Z3_solver_assert(x->z, x->s, under(x, b));
                Z3_solver_assert(x->z, x->s, right_in(x, rights));
                Z3_solver_assert(x->z, x->s, allowed_over(x, pp, use));
                for (int r = 0; r < nr; r++)
                        if (use[r] && seen[r])
                                Z3_solver_assert(x->z, x->s, mk_not(x, rule_matches(x, pp, r)));
                while (n < max && vf_check(x->v, x->s, what) == Z3_L_TRUE) {
                        fs_hit *h = &hits[n];
                        model_request(x, &h->atom, &h->right);
                        h->allow = matching_rule(x, pp, h->atom, h->right, false);
                        h->target = i;
                        /* a deeper target holding it names it better */
                        for (int k = 0; k < ntargets; k++)
                                if (in_node(&x->at, targets[k], h->atom) &&
                                    targets[k] > targets[h->target])
                                        h->target = k;
                        if (h->allow < 0) {
                                vf_internal(x->v, "fs: a model the atoms do not explain (%s)",
                                            what);
                                break;
                        }
                        seen[h->allow] = true;
                        n++;
                        Z3_solver_assert(x->z, x->s, mk_not(x, rule_matches(x, pp, h->allow)));
                }
                Z3_solver_pop(x->z, x->s, 1);
        }
        x->rt = rt;
        free(use);
        free(seen);
        return n;
}

/* Is (node, right) allowed?  1, 0, or -1 when the solver cannot say. */
static int allowed_at(fs_x *x, fs_pol *pp, int atom, unsigned right)
{
        bool *use = calloc((size_t)pp->p->nfs + 1, sizeof *use);
        if (!use)
                abort();
        for (int r = 0; r < pp->p->nfs; r++)
                use[r] = in_node(&x->at, pp->node[r], atom) && (pp->p->fs[r].rights & right);
        Z3_solver_push(x->z, x->s);
        Z3_solver_assert(x->z, x->s, atom_is(x, atom));
        Z3_solver_assert(x->z, x->s, right_is(x, right));
        Z3_solver_assert(x->z, x->s, allowed_over(x, pp, use));
        free(use);
        Z3_lbool r = vf_check(x->v, x->s, "fs decision");
        Z3_solver_pop(x->z, x->s, 1);
        return r == Z3_L_TRUE ? 1 : r == Z3_L_FALSE ? 0 : -1;
}

/* The request's path: the node of the atom the model chose (the target
 * itself, or a rule path beneath it). */
static const char *hit_path(fs_x *x, const fs_hit *h)
{
        return atom_str(&x->at, x->ar, h->atom);
}

static void check_wx(fs_x *x, fs_pol *pp)
{
        Z3_ast rt = x->rt;
        Z3_ast aw = allowed_for(x, pp, RIGHT_WRITE), ax = allowed_for(x, pp, RIGHT_EXEC);
        Z3_solver_push(x->z, x->s);
        Z3_solver_assert(x->z, x->s, aw);
        Z3_solver_assert(x->z, x->s, ax);
        for (int k = 0; k < FS_MAX_REPORTS && vf_check(x->v, x->s, "fs wx-path") == Z3_L_TRUE;
             k++) {
                int atom;
                unsigned right;
                model_request(x, &atom, &right);
                int rw = matching_rule(x, pp, atom, RIGHT_WRITE, false);
                int rx = matching_rule(x, pp, atom, RIGHT_EXEC, false);
                if (rw < 0 || rx < 0) {
                        vf_internal(x->v, "fs: wx-path model the atoms do not explain");
                        break;
                }
                /* a file under it; a leaf the exec grant names is likely a file
                 * itself (/usr/bin/git) */
                const fs_node *nd = &x->at.n[atom];
                const ir_path *xp = &pp->p->fs[rx].path;
                const char *file = nd->hi == atom && same_universe(xp->param, nd->param) &&
                                           !strcmp(xp->path, nd->path)
                                       ? atom_str(&x->at, x->ar, atom)
                                       : fresh_child(&x->at, x->ar, nd->param, nd->path);
                vf_finding *f =
                    vf_report(x->v, pp->p, "wx-path", VF_ERROR, "landlock",
                              "%s is writable and executable: the agent can write a program there "
                              "and run it (write %s, then exec %s)",
                              atom_str(&x->at, x->ar, atom), file, file);
                loc_rule(x, f, &pp->p->fs[rw], "grants write");
                loc_rule(x, f, &pp->p->fs[rx], "grants exec");
                vf_witness(x->v, f, "write %s", file);
                vf_fix(x->v, f, "drop exec on %s (or write): `deny exec %s;` keeps it noexec",
                       atom_str(&x->at, x->ar, atom), atom_str(&x->at, x->ar, atom));
                replay(x, pp->p, f->witness, 1);
                replay(x, pp->p, arena_printf(x->ar, "exec %s", file), 1);
                /* the next model needs another pair of granting rules */
                x->rt = mk_bv(x, RIGHT_WRITE, 4);
                Z3_ast mw = rule_matches(x, pp, rw);
                x->rt = mk_bv(x, RIGHT_EXEC, 4);
                Z3_ast mx = rule_matches(x, pp, rx);
                x->rt = rt;
                Z3_solver_assert(x->z, x->s, mk_not(x, mk_and2(x, mw, mx)));
        }
        Z3_solver_pop(x->z, x->s, 1);
}

/* The parent of a node's path as (param, path); false for a root. */
static bool parent_path(fs_x *x, const char *param, const char *path, const char **pp_,
                        const char **ps)
{
        const char *slash = strrchr(path, '/');
        if (!slash || (!param && !strcmp(path, "/")))
                return false;
        *pp_ = param;
        if (slash == path)
                *ps = param ? "" : "/";
        else
                *ps = arena_strdup(x->ar, path), ((char *)*ps)[slash - path] = 0;
        return true;
}

typedef struct fs_identity {
        const char *param, *path;
        int net_rule; /* -1: an exec grant */
        int fs_rule;
} fs_identity;

static int collect_identities(fs_x *x, const ir_policy *p, fs_identity **out)
{
        int cap = p->nfs + 1, n = 0;
        for (int i = 0; i < p->nnet; i++)
                cap += p->net[i].nbinaries;
        fs_identity *id = arena_alloc(x->ar, (size_t)cap * sizeof *id);
        for (int i = 0; i < p->nnet; i++)
                for (int b = 0; b < p->net[i].nbinaries; b++) {
                        split_param(x->ar, p->net[i].binaries[b], &id[n].param, &id[n].path);
                        id[n].net_rule = i;
                        id[n++].fs_rule = -1;
                }
        for (int r = 0; r < p->nfs; r++)
                if (!p->fs[r].deny && (p->fs[r].rights & RIGHT_EXEC)) {
                        id[n].param = p->fs[r].path.param;
                        id[n].path = p->fs[r].path.path;
                        id[n].net_rule = -1;
                        id[n++].fs_rule = r;
                }
        *out = id;
        return n;
}

static void add_identity_targets(fs_x *x, const ir_policy *p)
{
        fs_identity *id;
        int n = collect_identities(x, p, &id);
        for (int i = 0; i < n; i++) {
                const char *pp_, *ps;
                atoms_add(&x->at, id[i].param, id[i].path);
                if (parent_path(x, id[i].param, id[i].path, &pp_, &ps))
                        atoms_add(&x->at, pp_, ps);
        }
}

static void check_identities(fs_x *x, fs_pol *pp)
{
        const ir_policy *p = pp->p;
        fs_identity *id;
        int n = collect_identities(x, p, &id), reported = 0;
        int *seen = calloc((size_t)x->at.natoms + 1, sizeof *seen);
        if (!seen)
                abort();
        for (int i = 0; i < n && reported < 4 * FS_MAX_REPORTS; i++) {
                int node = atoms_find(&x->at, id[i].param, id[i].path);
                if (node < 0 || seen[node])
                        continue;
                seen[node] = 1;
                if (id[i].fs_rule >= 0 && allowed_at(x, pp, node, RIGHT_EXEC) != 1)
                        continue; /* the exec grant is cancelled: no identity */
                int self = allowed_at(x, pp, node, RIGHT_WRITE);
                if (self < 0 || (self == 1 && id[i].net_rule < 0))
                        continue; /* an exec grant that is writable: wx-path's */
                const char *ppar, *ppath;
                int at = node;
                if (!self) {
                        if (!parent_path(x, id[i].param, id[i].path, &ppar, &ppath))
                                continue;
                        at = atoms_find(&x->at, ppar, ppath);
                        if (at < 0 || allowed_at(x, pp, at, RIGHT_WRITE) != 1)
                                continue;
                }
                int grant = matching_rule(x, pp, at, RIGHT_WRITE, false);
                const char *who = path_str(x->ar, id[i].param, id[i].path);
                vf_finding *f = vf_report(
                    x->v, p, "writable-identity", VF_ERROR, "landlock",
                    "%s %s lies %s a writable path: the agent can replace it and inherit %s",
                    id[i].net_rule >= 0 ? "the `from` binary" : "the exec-granted file", who,
                    at == node ? "on" : "in",
                    id[i].net_rule >= 0 ? "its network grants" : "its exec grant");
                if (id[i].net_rule >= 0)
                        vf_loc_add(x->v, f, p->net[id[i].net_rule].where,
                                   p->net[id[i].net_rule].origin,
                                   "grants the network to this binary");
                else
                        loc_rule(x, f, &p->fs[id[i].fs_rule], "grants exec");
                if (grant >= 0)
                        loc_rule(x, f, &p->fs[grant], "grants write");
                vf_witness(x->v, f, "write %s", atom_str(&x->at, x->ar, at));
                vf_fix(x->v, f,
                       "deny write on %s (and its directory), or take the binary from a "
                       "read-only location",
                       who);
                replay(x, p, f->witness, 1);
                reported++;
        }
        free(seen);
}

/* One finding per granting allow rule, for requests beneath the targets. */
typedef struct reach_spec {
        const char *name;
        vf_severity sev;
        const char *layer;
        unsigned rights;
        const char *what; /* "reads the secret", ... */
        const char *fix;
} reach_spec;

static void report_reach(fs_x *x, fs_pol *pp, const reach_spec *spec, const int *targets,
                         const char *const *tnames, int nt,
                         vf_severity (*sev_of)(fs_x *, fs_pol *, const fs_hit *, const char *),
                         const char *(*fix_of)(fs_x *, const fs_hit *, const char *))
{
        fs_hit hits[FS_MAX_REPORTS];
        int n = find_reach(x, pp, targets, nt, spec->rights, hits, FS_MAX_REPORTS, spec->name);
        for (int i = 0; i < n; i++) {
                const fs_hit *h = &hits[i];
                const char *tname = tnames[h->target];
                const char *path = hit_path(x, h);
                vf_severity sev = sev_of ? sev_of(x, pp, h, tname) : spec->sev;
                vf_finding *f = vf_report(
                    x->v, pp->p, spec->name, sev, spec->layer, "%s %s: `%s` allows %s %s%s",
                    spec->what, tname, rule_text(x, &pp->p->fs[h->allow]), right_name(h->right),
                    path,
                    sev < spec->sev ? "; osh-run's mount view hides it at launch since no rule "
                                      "names it, so the grant says more than is enforced"
                                    : "");
                loc_rule(x, f, &pp->p->fs[h->allow], "grants it");
                vf_witness(x->v, f, "%s %s", right_name(h->right), path);
                vf_fix(x->v, f, "%s", fix_of ? fix_of(x, h, tname) : spec->fix);
                replay(x, pp->p, f->witness, 1);
        }
}

static const char *secret_fix(fs_x *x, const fs_hit *h, const char *tname)
{
        return arena_printf(x->ar, "`deny %s;` (or narrow the allow)", tname);
}

static void check_secrets(fs_x *x, fs_pol *pp)
{
        const ir_policy *p = pp->p;
        int cap = 256 + p->nfs, n = 0;
        int *t = arena_alloc(x->ar, (size_t)cap * sizeof *t);
        const char **names = arena_alloc(x->ar, (size_t)cap * sizeof *names);
        for (int i = 0; secret_system[i]; i++) {
                t[n] = atoms_find(&x->at, NULL, secret_system[i]);
                names[n++] = secret_system[i];
        }
        const char *hp[64], *hs[64];
        int nh = home_roots(p, hp, hs, 64);
        for (int h = 0; h < nh; h++)
                for (int i = 0; secret_home[i] && n < cap; i++) {
                        const char *s = arena_printf(x->ar, "%s%s", hs[h], secret_home[i]);
                        t[n] = atoms_find(&x->at, hp[h], s);
                        names[n++] = path_str(x->ar, hp[h], s);
                }
        for (int r = 0; r < p->nfs && n < cap; r++) {
                const ir_path *rp = &p->fs[r].path;
                if (!env_dir(&p->fs[r]))
                        continue;
                const char *s =
                    !strcmp(rp->path, "/") ? "/.env" : arena_printf(x->ar, "%s/.env", rp->path);
                t[n] = atoms_find(&x->at, rp->param, s);
                names[n++] = path_str(x->ar, rp->param, s);
        }
        reach_spec spec = {
            "secret-read", VF_ERROR, "landlock", RIGHT_READ, "the agent reads the secret", NULL};
        report_reach(x, pp, &spec, t, names, n, NULL, secret_fix);
}

static vf_severity socket_sev(fs_x *x, fs_pol *pp, const fs_hit *h, const char *tname)
{
        for (int i = 0; control_sockets[i].path; i++) {
                if (strcmp(control_sockets[i].path, tname))
                        continue;
                const ir_path *gp = &pp->p->fs[h->allow].path;
                bool names_it = !gp->param && path_covers(tname, gp->path);
                return control_sockets[i].hidden && !names_it ? VF_WARNING : VF_ERROR;
        }
        return VF_ERROR;
}

static const char *socket_fix(fs_x *x, const fs_hit *h, const char *tname)
{
        if (!strncmp(tname, "/tmp/ssh-", 9))
                return "grant a private scratch directory instead of /tmp (the agent can list "
                       "/tmp and connect to /tmp/ssh-*/agent.*), or deny `socket` for AF_UNIX";
        return arena_printf(x->ar,
                            "`deny %s;` and deny `socket` for AF_UNIX in syscalls when the agent "
                            "needs no Unix sockets (Landlock does not mediate connect)",
                            tname);
}

/* Sockets osh-run leaves visible first (errors), then those it hides
 * unless a rule names them: one finding per granting rule in each round,
 * so a hidden socket's warning never stands for a visible one's error. */
static void check_sockets(fs_x *x, fs_pol *pp)
{
        for (int hidden = 0; hidden < 2; hidden++) {
                int t[64];
                const char *names[64];
                int n = 0;
                for (int i = 0; control_sockets[i].path; i++)
                        if (control_sockets[i].hidden == hidden) {
                                t[n] = atoms_find(&x->at, NULL, control_sockets[i].path);
                                names[n++] = control_sockets[i].path;
                        }
                reach_spec spec = {"control-socket",
                                   VF_ERROR,
                                   "mounts",
                                   RIGHT_READ | RIGHT_WRITE,
                                   "the agent reaches the control socket",
                                   NULL};
                report_reach(x, pp, &spec, t, names, n, socket_sev, socket_fix);
        }
}

static const char *control_fix(fs_x *x, const fs_hit *h, const char *tname)
{
        return arena_printf(x->ar, "`deny write %s;` (or narrow the allow)", tname);
}

static void check_self_modify(fs_x *x, fs_pol *pp)
{
        int t[64];
        const char *names[64];
        int n = 0;
        for (int i = 0; control_files[i]; i++) {
                t[n] = atoms_find(&x->at, NULL, control_files[i]);
                names[n++] = control_files[i];
        }
        reach_spec spec = {
            "self-modify", VF_ERROR, "landlock", RIGHT_WRITE, "the agent writes the control file",
            NULL};
        report_reach(x, pp, &spec, t, names, n, NULL, control_fix);
}

/* ---- landlock-abi ---- */

/* The atom of a model of `cond`, or -1 when there is none. */
static int find_atom(fs_x *x, Z3_ast cond, const char *what)
{
        int atom = -1;
        unsigned right;
        Z3_solver_push(x->z, x->s);
        Z3_solver_assert(x->z, x->s, cond);
        if (vf_check(x->v, x->s, what) == Z3_L_TRUE)
                model_request(x, &atom, &right);
        Z3_solver_pop(x->z, x->s, 1);
        return atom;
}

/* What the policy relies on that needs a Landlock ABI above the declared
 * minimum (backends/landlock.c landlock_min_abi): truncate (3) wherever
 * write is denied, bind rules (4), device ioctls (5) once ioctl is granted.
 * Under best-effort, Landlock itself (1) may be missing when no ABI is
 * declared. */
static void report_abi(fs_x *x, fs_pol *pp, int need, const char *what, const char *request,
                       int expect, span where, const char *origin)
{
        const ir_policy *p = pp->p;
        bool be = p->landlock_best_effort;
        vf_finding *f =
            be ? vf_report(x->v, p, "landlock-abi", VF_WARNING, "landlock",
                           "%s needs Landlock ABI %d, above the declared %d, and the policy is "
                           "best-effort: on an older kernel osh-run runs without enforcing it",
                           what, need, p->landlock_abi)
               : vf_report(x->v, p, "landlock-abi", VF_ERROR, "landlock",
                           "%s needs Landlock ABI %d, above the declared %d: osh-run refuses "
                           "kernels below ABI %d anyway, so the declaration misstates what the "
                           "policy needs",
                           what, need, p->landlock_abi, need);
        vf_loc_add(x->v, f, where, origin, "needs the higher ABI");
        vf_loc_add(x->v, f, p->where, NULL, "the policy");
        vf_witness(x->v, f, "%s", request);
        vf_fix(x->v, f, "`requires landlock %d;`%s", need,
               be ? " (or accept it: waive landlock-abi)" : "");
        if (expect >= 0)
                replay(x, p, request, expect);
}

static void check_landlock_abi(fs_x *x, fs_pol *pp)
{
        const ir_policy *p = pp->p;
        int declared = p->landlock_abi;
        if (!p->landlock_best_effort && declared <= 0)
                return; /* nothing declared: oshc computes the minimum, osh-run enforces it */
        arena *ar = x->ar;
        /* a denied write: on a readable file if any, else outside */
        int atom = -1;
        if (declared < 3) {
                atom = find_atom(x,
                                 mk_and2(x, allowed_for(x, pp, RIGHT_READ),
                                         mk_not(x, allowed_for(x, pp, RIGHT_WRITE))),
                                 "fs landlock-abi truncate");
                if (atom < 0 && x->at.outside)
                        atom = x->at.nn;
        }
        if (p->landlock_best_effort && declared <= 0 && atom >= 0)
                report_abi(x, pp, 1, "enforcing any fs rule (Landlock itself)",
                           arena_printf(ar, "read %s", x->at.outside ? x->at.outside : "/"),
                           x->at.outside ? 0 : -1, p->where, NULL);
        if (declared < 3 && atom >= 0)
                report_abi(x, pp, 3,
                           declared < 2 ? "truncate(2) of files the policy does not let the agent "
                                          "write (and rename across directories, ABI 2)"
                                        : "truncate(2) of files the policy does not let the agent "
                                          "write",
                           arena_printf(ar, "write %s", atom_str(&x->at, ar, atom)), 0, p->where,
                           NULL);
        for (int i = 0; i < p->nnet && declared < 4; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op != NET_BIND)
                        continue;
                /* a port the bind rules refuse */
                static const int ports[] = {1, 22, 80, 443, 1023, 2049, 5432, 65535};
                const char *req = NULL;
                for (int k = 0; k < 8 && !req; k++) {
                        const char *q = arena_printf(ar, "bind 127.0.0.1:%d", ports[k]);
                        eval_result res;
                        char err[128];
                        if (eval_request(p, &x->v->env, q, &res, err, sizeof err, ar) &&
                            !res.allowed)
                                req = q;
                }
                report_abi(x, pp, 4, "enforcing the bind rules (TCP port rules)",
                           req ? req : "bind 127.0.0.1:1", req ? 0 : -1, r->where, r->origin);
                break;
        }
        if (declared < 5) {
                int g = find_atom(x, allowed_for(x, pp, RIGHT_IOCTL), "fs landlock-abi ioctl");
                int grant = g >= 0 ? matching_rule(x, pp, g, RIGHT_IOCTL, false) : -1;
                if (grant >= 0) {
                        /* an ioctl the policy refuses on a file it opens */
                        Z3_ast opens =
                            keep(x, Z3_mk_or(x->z, 2,
                                             (Z3_ast[]){allowed_for(x, pp, RIGHT_READ),
                                                        allowed_for(x, pp, RIGHT_WRITE)}));
                        int at = find_atom(
                            x, mk_and2(x, opens, mk_not(x, allowed_for(x, pp, RIGHT_IOCTL))),
                            "fs landlock-abi ioctl gap");
                        const ir_fs_rule *g = &p->fs[grant];
                        report_abi(x, pp, 5, "restricting ioctl on devices",
                                   at >= 0
                                       ? arena_printf(ar, "ioctl %s", atom_str(&x->at, ar, at))
                                       : arena_printf(ar, "ioctl %s",
                                                      path_str(ar, g->path.param, g->path.path)),
                                   at >= 0 ? 0 : 1, g->where, g->origin);
                }
        }
}

/* ---- assertions ---- */

static void check_assertions(fs_x *x, fs_pol *pp)
{
        const ir_policy *p = pp->p;
        for (int i = 0; i < p->nasserts; i++) {
                const ir_assert *as = &p->asserts[i];
                if (as->kind != ASSERT_FS || !as->npaths)
                        continue;
                int *t = arena_alloc(x->ar, (size_t)as->npaths * sizeof *t);
                const char **names = arena_alloc(x->ar, (size_t)as->npaths * sizeof *names);
                for (int k = 0; k < as->npaths; k++) {
                        t[k] = atoms_find(&x->at, as->paths[k].param, as->paths[k].path);
                        names[k] = path_str(x->ar, as->paths[k].param, as->paths[k].path);
                }
                fs_hit hits[FS_MAX_REPORTS];
                int n = find_reach(x, pp, t, as->npaths, as->rights, hits, FS_MAX_REPORTS,
                                   "fs assert never");
                for (int k = 0; k < n; k++) {
                        const fs_hit *h = &hits[k];
                        const char *path = hit_path(x, h);
                        vf_finding *f =
                            vf_report(x->v, p, "assert-never", VF_ERROR, "landlock",
                                      "`assert never %s %s` fails: `%s` allows %s %s",
                                      rights_str(x->ar, as->rights), names[h->target],
                                      rule_text(x, &p->fs[h->allow]), right_name(h->right), path);
                        vf_loc_add(x->v, f, as->where, as->origin, "the assertion");
                        loc_rule(x, f, &p->fs[h->allow], "allows it");
                        vf_witness(x->v, f, "%s %s", right_name(h->right), path);
                        vf_fix(x->v, f, "`deny %s %s;` or narrow the allow", right_name(h->right),
                               names[h->target]);
                        replay(x, p, f->witness, 1);
                }
        }
}

/* ---- the entry points ---- */

static void add_policy_paths(fs_x *x, const ir_policy *p)
{
        for (int r = 0; r < p->nfs; r++)
                atoms_add_ir(&x->at, &p->fs[r].path);
        for (int i = 0; i < p->nasserts; i++)
                if (p->asserts[i].kind == ASSERT_FS)
                        for (int k = 0; k < p->asserts[i].npaths; k++)
                                atoms_add_ir(&x->at, &p->asserts[i].paths[k]);
}

void vf_check_fs(vf *v, const ir_policy *p)
{
        fs_x x;
        fs_x_init(&x, v);
        add_policy_paths(&x, p);
        add_targets(&x, p);
        add_identity_targets(&x, p);
        fs_x_start(&x);
        fs_pol pp;
        fs_pol_init(&x, &pp, p);
        vf_family(v, "anomalies");
        check_anomalies(&x, &pp);
        vf_family(v, "escalation");
        check_wx(&x, &pp);
        check_identities(&x, &pp);
        check_self_modify(&x, &pp);
        check_sockets(&x, &pp);
        check_secrets(&x, &pp);
        check_landlock_abi(&x, &pp);
        vf_family(v, "assertions");
        check_assertions(&x, &pp);
        vf_family_end(v);
        fs_x_free(&x);
}

/* One side of the comparison: a request `in` allows and `out` does not. */
static Z3_lbool compare_side(fs_x *x, fs_pol *in, fs_pol *out, const char **witness)
{
        Z3_ast ok_in = pol_ok(x, in), ok_out = pol_ok(x, out);
        Z3_solver_push(x->z, x->s);
        Z3_solver_assert(x->z, x->s, ok_in);
        Z3_solver_assert(x->z, x->s, mk_not(x, ok_out));
        Z3_lbool r = vf_check(x->v, x->s, "fs comparison");
        *witness = NULL;
        if (r == Z3_L_TRUE) {
                int atom;
                unsigned right;
                model_request(x, &atom, &right);
                *witness =
                    arena_printf(x->ar, "%s %s", right_name(right), atom_str(&x->at, x->ar, atom));
                replay(x, in->p, *witness, 1);
                replay(x, out->p, *witness, 0);
        }
        Z3_solver_pop(x->z, x->s, 1);
        return r;
}

void vf_compare_fs(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out)
{
        fs_x x;
        fs_x_init(&x, v);
        add_policy_paths(&x, old);
        add_policy_paths(&x, new);
        fs_x_start(&x);
        fs_pol po, pn;
        fs_pol_init(&x, &po, old);
        fs_pol_init(&x, &pn, new);
        vf_family(v, "containment");
        memset(out, 0, sizeof *out);
        out->domain = "fs";
        Z3_lbool wider = compare_side(&x, &pn, &po, &out->wider_witness);
        Z3_lbool narrower = compare_side(&x, &po, &pn, &out->narrower_witness);
        out->unknown = wider == Z3_L_UNDEF || narrower == Z3_L_UNDEF;
        bool w = wider == Z3_L_TRUE, n = narrower == Z3_L_TRUE;
        out->rel = w && n ? VF_INCOMPARABLE : w ? VF_WIDER : n ? VF_NARROWER : VF_EQUIVALENT;
        vf_family_end(v);
        fs_x_free(&x);
}

/* ---- what the tests read (declared in verify.h) ---- */

int vf_fs_secret_paths(const char **param, const char **path, int max, arena *ar)
{
        int n = 0;
        for (int i = 0; secret_system[i] && n < max; i++)
                param[n] = NULL, path[n++] = secret_system[i];
        for (int i = 0; secret_home[i] && n < max; i++)
                param[n] = "HOME", path[n++] = secret_home[i];
        for (int i = 0; secret_home[i] && n < max; i++)
                param[n] = NULL, path[n++] = arena_printf(ar, "/root%s", secret_home[i]);
        return n;
}

/* ---- the decision oracle, for tests (declared in verify.h) ---- */

struct vf_fs_oracle {
        fs_x x;
        fs_pol pp;
};

vf_fs_oracle *vf_fs_oracle_new(vf *v, const ir_policy *p)
{
        vf_fs_oracle *o = calloc(1, sizeof *o);
        if (!o)
                abort();
        fs_x_init(&o->x, v);
        add_policy_paths(&o->x, p);
        fs_x_start(&o->x);
        fs_pol_init(&o->x, &o->pp, p);
        return o;
}

/* The Z3 decision on `right PATH` (PATH literal or "$NAME/sub"): 1
 * allowed, 0 denied, -1 unknown. */
int vf_fs_oracle_allowed(vf_fs_oracle *o, unsigned right, const char *path)
{
        fs_x *x = &o->x;
        const char *param, *sub;
        split_param(x->ar, path, &param, &sub);
        int atom = x->at.natoms - 1, best = -1;
        for (int i = 0; i < x->at.nn; i++)
                if (node_covers(&x->at.n[i], param, sub))
                        best = i; /* the deepest: nodes beneath come later */
        if (best >= 0)
                atom = best;
        else if (!x->at.outside)
                return -1;
        return allowed_at(x, &o->pp, atom, right);
}

void vf_fs_oracle_free(vf_fs_oracle *o)
{
        fs_x_free(&o->x);
        free(o);
}
