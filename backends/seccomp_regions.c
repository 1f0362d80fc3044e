/*
 * seccomp_regions.c - a syscall's IR rules as exact, disjoint regions per
 * action (see seccomp_regions.h).
 *
 * Three steps, each exact:
 *
 *  1. A comparison (args[i] & M) OP V, at the argument's width and
 *     signedness, becomes a union of ternary patterns over args[i].  For
 *     == it is one pattern, for != the complement of that pattern (one
 *     pattern per fixed bit, as a binary trie branches off one value).
 *     An ordered comparison is an interval of the compared quantity,
 *     decomposed into trie nodes the way a range of addresses becomes
 *     CIDR prefixes.  A signed comparison is made unsigned by flipping the
 *     sign bit of both sides (order-preserving), so one decomposition
 *     serves both.
 *  2. A condition becomes a union of cubes (DNF): negations are pushed
 *     down to the comparisons (each is closed under negation: flip the
 *     operator), && multiplies, || adds, and two patterns on the same
 *     argument intersect into one.
 *  3. Per syscall, actions in order, most restrictive first: the region of
 *     an action is the union of its rules' cubes minus everything a
 *     stricter action already took (A \ B is, for each argument B
 *     constrains, A with that argument outside B's pattern).  That is
 *     exactly eval_syscall's "the most restrictive matching rule wins".
 *
 * Every list is bounded by SC_MAX_CUBES: a condition that would expand
 * further is an error at its rule, never truncated.  Lists are sorted
 * before they leave, so the output depends on the IR alone.
 */
#include "seccomp_regions.h"

#include <stdlib.h>
#include <string.h>

/* ---- growable cube lists (malloc: they grow and die within one call) ---- */

typedef struct cube_list {
        sc_cube *v;
        int n, cap;
        bool overflow; /* a push past SC_MAX_CUBES was refused */
} cube_list;

static void list_push(cube_list *l, const sc_cube *q)
{
        if (l->n >= SC_MAX_CUBES) {
                l->overflow = true;
                return;
        }
        if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 16;
                l->v = realloc(l->v, sizeof(sc_cube) * (size_t)l->cap);
                if (!l->v)
                        abort();
        }
        l->v[l->n++] = *q;
}

static void list_free(cube_list *l)
{
        free(l->v);
        memset(l, 0, sizeof(*l));
}

static void list_append(cube_list *dst, const cube_list *src)
{
        for (int i = 0; i < src->n; i++)
                list_push(dst, &src->v[i]);
        dst->overflow |= src->overflow;
}

/* ---- patterns and cubes ---- */

static const sc_cube any_cube;

bool sc_cube_is_any(const sc_cube *q)
{
        for (int i = 0; i < 6; i++)
                if (q->arg[i].mask)
                        return false;
        return true;
}

bool sc_cube_matches(const sc_cube *q, const uint64_t args[6])
{
        for (int i = 0; i < 6; i++)
                if ((args[i] & q->arg[i].mask) != q->arg[i].value)
                        return false;
        return true;
}

bool sc_action_equal(ir_action a, ir_action b)
{
        return a.kind == b.kind && (a.kind != ACT_ERRNO || a.errno_val == b.errno_val);
}

/* p and q both hold; false when nothing satisfies both. */
static bool pattern_and(sc_pattern p, sc_pattern q, sc_pattern *out)
{
        if ((p.value ^ q.value) & p.mask & q.mask)
                return false;
        out->mask = p.mask | q.mask;
        out->value = p.value | q.value;
        return true;
}

static bool cube_and(const sc_cube *a, const sc_cube *b, sc_cube *out)
{
        for (int i = 0; i < 6; i++)
                if (!pattern_and(a->arg[i], b->arg[i], &out->arg[i]))
                        return false;
        return true;
}

/* Is every input of a also in b? */
static bool cube_inside(const sc_cube *a, const sc_cube *b)
{
        for (int i = 0; i < 6; i++) {
                const sc_pattern *p = &a->arg[i], *q = &b->arg[i];
                if ((q->mask & ~p->mask) || (p->value & q->mask) != q->value)
                        return false;
        }
        return true;
}

static uint64_t top_bit(uint64_t x)
{
        return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

/* ---- step 1: one comparison as patterns ---- */

/* The comparison's frame: the compared quantity is y = x & em (em = the
 * mask cut to the width); in z = y ^ flip (flip = the sign bit when
 * signed) unsigned order is the comparison's order.  Bits of z outside em
 * are constant: those of flip. */
typedef struct cmp_frame {
        uint64_t width_mask, em, flip;
} cmp_frame;

/* Add the patterns of the x whose z lies in [lo, hi]: the maximal nodes of
 * the binary trie over em's bits (highest first) whose z values all lie in
 * the interval.  A node is the set of z with its fixed bits and any free
 * bits below, so its values span [zmin, zmax]; at each depth only the
 * nodes holding lo or hi straddle, so this visits O(64) nodes. */
static void interval_patterns(const cmp_frame *f, int arg, uint64_t fixed, uint64_t zval,
                              uint64_t free, uint64_t lo, uint64_t hi, cube_list *out)
{
        uint64_t zmin = zval | (f->flip & ~f->em & f->width_mask);
        uint64_t zmax = zmin | free;
        if (zmax < lo || zmin > hi)
                return;
        if (lo <= zmin && zmax <= hi) {
                sc_cube q = any_cube;
                q.arg[arg].mask = fixed;
                q.arg[arg].value = (zval ^ f->flip) & fixed;
                list_push(out, &q);
                return;
        }
        uint64_t b = top_bit(free);
        interval_patterns(f, arg, fixed | b, zval, free & ~b, lo, hi, out);
        interval_patterns(f, arg, fixed | b, zval | b, free & ~b, lo, hi, out);
}

/* Add the complement of pattern p on argument `arg`, as disjoint trie
 * branches: for each fixed bit, highest first, the inputs that agree with
 * p above it and differ at it.  Every bit of `base` stays as in base. */
static void complement_patterns(const sc_cube *base, int arg, sc_pattern p, cube_list *out)
{
        uint64_t above = 0;
        for (uint64_t bits = p.mask; bits; bits &= ~top_bit(bits)) {
                uint64_t b = top_bit(bits);
                sc_cube q = *base;
                q.arg[arg].mask |= above | b;
                q.arg[arg].value |= (p.value & above) | (~p.value & b);
                list_push(out, &q);
                above |= b;
        }
}

static cmp_op negate_op(cmp_op op)
{
        switch (op) {
        case CMP_EQ:
                return CMP_NE;
        case CMP_NE:
                return CMP_EQ;
        case CMP_LT:
                return CMP_GE;
        case CMP_LE:
                return CMP_GT;
        case CMP_GT:
                return CMP_LE;
        case CMP_GE:
                return CMP_LT;
        }
        return op;
}

/* Add the cubes of comparison c (negated when neg), exactly as
 * eval.c's cmp_holds decides it. */
static void comparison_cubes(const ir_cond *c, bool neg, cube_list *out)
{
        cmp_op op = neg ? negate_op(c->op) : c->op;
        if (c->arg < 0 || c->arg > 5) { /* eval_cond: such a comparison never holds */
                if (neg)
                        list_push(out, &any_cube);
                return;
        }
        bool w32 = c->width == 32;
        cmp_frame f;
        f.width_mask = w32 ? 0xffffffffull : ~0ull;
        f.em = c->mask & f.width_mask;
        uint64_t sign = w32 ? 1ull << 31 : 1ull << 63;
        f.flip = c->is_signed ? sign : 0;
        uint64_t v = c->value;
        if (c->is_signed) {
                v &= f.width_mask; /* eval compares the value as a number of the width */
        } else if (v & ~f.width_mask) {
                /* an unsigned value above a 32-bit argument's range: every y is below it */
                if (op == CMP_NE || op == CMP_LT || op == CMP_LE)
                        list_push(out, &any_cube);
                return;
        }
        if (op == CMP_EQ || op == CMP_NE) {
                sc_pattern p = {f.em, v};
                bool possible = (v & ~f.em) == 0; /* y never has bits outside em */
                if (op == CMP_EQ && possible) {
                        sc_cube q = any_cube;
                        q.arg[c->arg] = p;
                        list_push(out, &q);
                } else if (op == CMP_NE) {
                        if (possible)
                                complement_patterns(&any_cube, c->arg, p, out);
                        else
                                list_push(out, &any_cube);
                }
                return;
        }
        uint64_t zv = v ^ f.flip, top = f.width_mask, lo = 0, hi = top;
        switch (op) {
        case CMP_LT:
                if (zv == 0)
                        return;
                hi = zv - 1;
                break;
        case CMP_LE:
                hi = zv;
                break;
        case CMP_GT:
                if (zv == top)
                        return;
                lo = zv + 1;
                break;
        case CMP_GE:
                lo = zv;
                break;
        default:
                return;
        }
        interval_patterns(&f, c->arg, 0, 0, f.em, lo, hi, out);
}

/* ---- simplification (keeps lists small; never changes their union) ---- */

static int cube_cmp(const void *pa, const void *pb)
{
        const sc_cube *a = pa, *b = pb;
        for (int i = 0; i < 6; i++) {
                if (a->arg[i].mask != b->arg[i].mask)
                        return a->arg[i].mask < b->arg[i].mask ? -1 : 1;
                if (a->arg[i].value != b->arg[i].value)
                        return a->arg[i].value < b->arg[i].value ? -1 : 1;
        }
        return 0;
}

/* Two cubes equal but for one bit of one argument's value merge into one
 * cube that leaves that bit free (x0 + x1 = x-). */
static bool cube_merge(const sc_cube *a, const sc_cube *b, sc_cube *out)
{
        int diff = -1;
        for (int i = 0; i < 6; i++) {
                if (a->arg[i].mask != b->arg[i].mask)
                        return false;
                if (a->arg[i].value != b->arg[i].value) {
                        if (diff >= 0)
                                return false;
                        diff = i;
                }
        }
        if (diff < 0)
                return false;
        uint64_t d = a->arg[diff].value ^ b->arg[diff].value;
        if (d & (d - 1))
                return false;
        *out = *a;
        out->arg[diff].mask &= ~d;
        out->arg[diff].value &= ~d;
        return true;
}

/* Quadratic passes run only on lists up to this size; larger ones are
 * still exact, just not as small as they could be. */
#define SIMPLIFY_MAX 2048
/* ... and during a subtraction, after each step, up to this size. */
#define SIMPLIFY_STEP_MAX 256

static void list_unique(cube_list *l)
{
        if (l->n < 2)
                return;
        qsort(l->v, (size_t)l->n, sizeof(sc_cube), cube_cmp);
        int k = 0;
        for (int i = 0; i < l->n; i++)
                if (k == 0 || cube_cmp(&l->v[k - 1], &l->v[i]))
                        l->v[k++] = l->v[i];
        l->n = k;
}

/* One pass over the pairs: drop cubes inside others, merge neighbours.
 * True when something changed. */
static bool list_reduce(cube_list *l)
{
        bool changed = false;
        char *dead = calloc((size_t)l->n + 1, 1);
        if (!dead)
                abort();
        for (int i = 0; i < l->n; i++) {
                for (int j = 0; j < l->n && !dead[i]; j++) {
                        sc_cube m;
                        if (i == j || dead[j])
                                continue;
                        if (cube_inside(&l->v[j], &l->v[i])) {
                                dead[j] = 1;
                                changed = true;
                        } else if (cube_merge(&l->v[i], &l->v[j], &m)) {
                                l->v[i] = m;
                                dead[j] = 1;
                                changed = true;
                        }
                }
        }
        int k = 0;
        for (int i = 0; i < l->n; i++)
                if (!dead[i])
                        l->v[k++] = l->v[i];
        l->n = k;
        free(dead);
        return changed;
}

/* Sort, drop duplicates and cubes inside others, merge neighbours. */
static void list_simplify(cube_list *l)
{
        list_unique(l);
        while (l->n <= SIMPLIFY_MAX && list_reduce(l))
                list_unique(l);
}

/* ---- step 2: a condition as a union of cubes ---- */

static bool cond_cubes(const ir_cond *c, bool neg, cube_list *out);

/* Add the cubes of l && r (each negated when neg): every pair that
 * intersects.  False on overflow. */
static bool conjunction_cubes(const ir_cond *l, const ir_cond *r, bool neg, cube_list *out)
{
        cube_list lc = {0}, rc = {0};
        bool ok = cond_cubes(l, neg, &lc) && cond_cubes(r, neg, &rc);
        if (ok) {
                list_simplify(&lc);
                list_simplify(&rc);
                for (int i = 0; i < lc.n && !out->overflow; i++)
                        for (int j = 0; j < rc.n && !out->overflow; j++) {
                                sc_cube q;
                                if (cube_and(&lc.v[i], &rc.v[j], &q))
                                        list_push(out, &q);
                        }
        }
        out->overflow |= !ok;
        list_free(&lc);
        list_free(&rc);
        return !out->overflow;
}

/* Add the cubes of c (of !c when neg).  False on overflow. */
static bool cond_cubes(const ir_cond *c, bool neg, cube_list *out)
{
        if (!c || c->kind == COND_TRUE) {
                if (!neg)
                        list_push(out, &any_cube);
                return !out->overflow;
        }
        if (c->kind == COND_CMP) {
                comparison_cubes(c, neg, out);
                return !out->overflow;
        }
        if (c->kind == COND_NOT)
                return cond_cubes(c->l, !neg, out);
        /* COND_AND, COND_OR; De Morgan under a negation */
        if ((c->kind == COND_OR) != neg) {
                cond_cubes(c->l, neg, out);
                cond_cubes(c->r, neg, out);
                return !out->overflow;
        }
        return conjunction_cubes(c->l, c->r, neg, out);
}

/* ---- step 3: regions ---- */

/* Add a \ b. */
static void cube_minus(const sc_cube *a, const sc_cube *b, cube_list *out)
{
        sc_cube both;
        if (!cube_and(a, b, &both)) {
                list_push(out, a);
                return;
        }
        for (int i = 0; i < 6; i++) {
                /* a with args[i] outside b's pattern: only the bits b fixes
                 * and a leaves free can differ (a and b agree on the rest) */
                uint64_t open = b->arg[i].mask & ~a->arg[i].mask;
                sc_pattern p = {open, b->arg[i].value & open};
                complement_patterns(a, i, p, out);
        }
}

/* a := a \ (union of b).  False on overflow. */
static bool list_minus(cube_list *a, const cube_list *b)
{
        for (int j = 0; j < b->n && a->n; j++) {
                cube_list next = {0};
                for (int i = 0; i < a->n && !next.overflow; i++)
                        cube_minus(&a->v[i], &b->v[j], &next);
                if (next.overflow) {
                        list_free(&next);
                        return false;
                }
                list_free(a);
                *a = next;
                if (a->n <= SIMPLIFY_STEP_MAX)
                        list_simplify(a);
                else
                        list_unique(a); /* merging waits for the end */
        }
        list_simplify(a);
        return true;
}

static int action_cmp(const void *pa, const void *pb)
{
        const ir_action *a = pa, *b = pb;
        if (a->kind != b->kind)
                return a->kind > b->kind ? -1 : 1; /* most restrictive first */
        if (a->kind == ACT_ERRNO && a->errno_val != b->errno_val)
                return a->errno_val < b->errno_val ? -1 : 1; /* the lower errno wins */
        return 0;
}

static void too_complex(osh_ctx *c, const ir_syscall *sc, const ir_sys_rule *r, const char *what)
{
        osh_error(c, "seccomp-too-complex", r->rule_where,
                  "condition too complex for seccomp: split the rule (%s of '%s' expands to more "
                  "than %d argument patterns)",
                  what, sc->name, SC_MAX_CUBES);
}

/* The distinct actions of sc's rules, most restrictive first. */
static int sorted_actions(const ir_syscall *sc, ir_action *acts)
{
        int n = 0;
        for (int i = 0; i < sc->nrules; i++) {
                bool seen = false;
                for (int j = 0; j < n; j++)
                        seen |= sc_action_equal(acts[j], sc->rules[i].action);
                if (!seen)
                        acts[n++] = sc->rules[i].action;
        }
        qsort(acts, (size_t)n, sizeof(ir_action), action_cmp);
        return n;
}

/* The union of the cubes of sc's rules with action `act`; the first such
 * rule in *first.  False (reported) on overflow. */
static bool action_cubes(osh_ctx *c, const ir_syscall *sc, ir_action act, cube_list *out,
                         const ir_sys_rule **first)
{
        *first = NULL;
        for (int i = 0; i < sc->nrules; i++) {
                const ir_sys_rule *r = &sc->rules[i];
                if (!sc_action_equal(r->action, act))
                        continue;
                if (!*first)
                        *first = r;
                cube_list one = {0};
                bool ok = cond_cubes(r->cond, false, &one);
                list_append(out, &one);
                list_free(&one);
                if (!ok || out->overflow) {
                        too_complex(c, sc, r, "the condition");
                        return false;
                }
        }
        list_simplify(out);
        return true;
}

bool sc_plan_syscall(osh_ctx *c, const ir_syscall *sc, ir_action dflt, sc_plan *out)
{
        memset(out, 0, sizeof(*out));
        out->syscall = sc;
        ir_action *acts = malloc(sizeof(ir_action) * (size_t)(sc->nrules + 1));
        if (!acts)
                abort();
        int nacts = sorted_actions(sc, acts);
        out->regions = arena_alloc(&c->arena, sizeof(sc_region) * (size_t)(nacts + 1));
        cube_list taken = {0}; /* everything a stricter action decides */
        bool ok = true;
        for (int k = 0; k < nacts && ok; k++) {
                cube_list region = {0};
                const ir_sys_rule *first;
                ok = action_cubes(c, sc, acts[k], &region, &first);
                cube_list mine = {0};
                if (ok) {
                        list_append(&mine, &region);
                        ok = list_minus(&region, &taken);
                        if (!ok)
                                too_complex(c, sc, first,
                                            "the region left to it by stricter rules");
                }
                if (ok) {
                        list_append(&taken, &mine);
                        list_simplify(&taken);
                        ok = !taken.overflow;
                        if (!ok)
                                too_complex(c, sc, first, "the union of the stricter rules");
                }
                if (ok && region.n && !sc_action_equal(acts[k], dflt)) {
                        sc_region *rg = &out->regions[out->nregions++];
                        rg->action = acts[k];
                        rg->rule = first;
                        rg->ncubes = region.n;
                        rg->cubes = arena_alloc(&c->arena, sizeof(sc_cube) * (size_t)region.n);
                        memcpy(rg->cubes, region.v, sizeof(sc_cube) * (size_t)region.n);
                }
                list_free(&mine);
                list_free(&region);
        }
        list_free(&taken);
        free(acts);
        return ok;
}

sc_plan *sc_plan_policy(osh_ctx *c, const ir_policy *p, int *nplans)
{
        sc_plan *plans = arena_alloc(&c->arena, sizeof(sc_plan) * (size_t)(p->nsyscalls + 1));
        bool ok = true;
        for (int i = 0; i < p->nsyscalls; i++)
                ok &= sc_plan_syscall(c, &p->syscalls[i], p->sys_default, &plans[i]);
        *nplans = p->nsyscalls;
        return ok ? plans : NULL;
}

ir_action sc_plan_decide(const sc_plan *plan, ir_action dflt, const uint64_t args[6])
{
        for (int r = 0; r < plan->nregions; r++)
                for (int i = 0; i < plan->regions[r].ncubes; i++)
                        if (sc_cube_matches(&plan->regions[r].cubes[i], args))
                                return plan->regions[r].action;
        return dflt;
}
