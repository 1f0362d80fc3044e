/*
 * llvm_matcher.c - compile the egress proxy's table to one native function
 * (see llvm_matcher.h and docs/native-matcher.md).
 *
 * The decision pm_decide_connect and pm_decide_http make is "the first
 * rule, in table order, of each kind that matches": the first deny, the
 * first allow without http rules, the first with http rules, the first
 * refused for a special address, and over the http rules of the admitting
 * rules the first deny and the first allow.  Each of these is a minimum
 * over the matching rules of a key (table index << 32 | rule id), so the
 * function finds the candidate rules through automata, not a loop over the
 * rules: the host name runs through one DFA (over its labels, right to
 * left) whose final state names the host rules it matches, the address
 * through one comparison tree whose leaves name the address rules that
 * contain it and its special range, and each candidate is then checked
 * for its port range and `from` binaries (ids from a DFA over the binary's
 * path) and folded into the keys.  The URL path runs through a DFA over
 * every glob, the method through one over every method name.  The keys
 * then give the verdict exactly as proxy_match.c does.
 *
 * What grows with the rules without being an automaton's top is data the
 * code reads through osh_decide's second argument (native_abi.h): the
 * rules' records and candidate lists, the whole host automaton, an
 * address tree's subtrees below lm_tree_part intervals.  LLVM's time is
 * per instruction it compiles.
 */
#include "llvm_matcher.h"
#include "../runtime/native_abi.h"

#include <elf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/InstCombine.h>
#include <llvm-c/Transforms/PassManagerBuilder.h>
#include <llvm-c/Transforms/Scalar.h>
#include <llvm-c/Transforms/Utils.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DFA_MAX_STATES 400000
#define DFA_MAX_ITEMS 40000000L

static void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                abort();
        return p;
}

/* A growable int array. */
typedef struct ivec {
        int *v;
        int n, cap;
} ivec;

static void iv_push(ivec *a, int x)
{
        if (a->n == a->cap) {
                a->cap = a->cap ? a->cap * 2 : 4;
                a->v = xrealloc(a->v, sizeof(int) * (size_t)a->cap);
        }
        a->v[a->n++] = x;
}

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;
        return (x > y) - (x < y);
}

static void iv_sort_unique(ivec *a)
{
        if (a->n < 2)
                return;
        qsort(a->v, (size_t)a->n, sizeof(int), cmp_int);
        int w = 1;
        for (int i = 1; i < a->n; i++)
                if (a->v[i] != a->v[w - 1])
                        a->v[w++] = a->v[i];
        a->n = w;
}

static uint64_t hash_ints(const int *v, int n)
{
        uint64_t h = 1469598103934665603ull;
        for (int i = 0; i < n; i++)
                h = (h ^ (uint32_t)v[i]) * 1099511628211ull;
        return h ^ (uint64_t)n;
}

/* ---- sets of int lists, deduplicated (accept sets, candidate lists) ---- */

typedef struct setpool {
        ivec *sets;
        int n, cap;
        int *table; /* open addressing: index + 1, 0 empty */
        int tcap;
} setpool;

static void sp_grow(setpool *p);

/* The id of the set (sorted, unique) v[0..n), added when new. */
static int sp_intern(setpool *p, const int *v, int n)
{
        if (p->n * 2 >= p->tcap)
                sp_grow(p);
        uint64_t h = hash_ints(v, n);
        for (int i = (int)(h & (uint64_t)(p->tcap - 1));; i = (i + 1) & (p->tcap - 1)) {
                int k = p->table[i];
                if (!k) {
                        if (p->n == p->cap) {
                                p->cap = p->cap ? p->cap * 2 : 16;
                                p->sets = xrealloc(p->sets, sizeof(ivec) * (size_t)p->cap);
                        }
                        ivec s = {xrealloc(NULL, sizeof(int) * (size_t)n), n, n};
                        if (n)
                                memcpy(s.v, v, sizeof(int) * (size_t)n);
                        p->sets[p->n] = s;
                        p->table[i] = ++p->n;
                        return p->n - 1;
                }
                ivec *s = &p->sets[k - 1];
                if (s->n == n && (!n || !memcmp(s->v, v, sizeof(int) * (size_t)n)))
                        return k - 1;
        }
}

static void sp_grow(setpool *p)
{
        int ncap = p->tcap ? p->tcap * 2 : 64;
        int *nt = calloc((size_t)ncap, sizeof(int));
        if (!nt)
                abort();
        for (int k = 0; k < p->n; k++) {
                uint64_t h = hash_ints(p->sets[k].v, p->sets[k].n);
                int i = (int)(h & (uint64_t)(ncap - 1));
                while (nt[i])
                        i = (i + 1) & (ncap - 1);
                nt[i] = k + 1;
        }
        free(p->table);
        p->table = nt;
        p->tcap = ncap;
}

static void sp_free(setpool *p)
{
        for (int i = 0; i < p->n; i++)
                free(p->sets[i].v);
        free(p->sets);
        free(p->table);
        memset(p, 0, sizeof(*p));
}

/* ---- NFAs over bytes ---- */

enum { E_BYTE, E_NOT, E_ANY }; /* one byte c, every byte but c, every byte */

typedef struct nedge {
        int kind, c, to;
} nedge;

typedef struct nnode {
        ivec eps, acc; /* epsilon moves; patterns accepted when the input ends here */
        nedge *edges;
        int nedges, cap;
} nnode;

typedef struct nfa {
        nnode *nodes;
        int n, cap;
        ivec starts;
} nfa;

static int nfa_node(nfa *a)
{
        if (a->n == a->cap) {
                a->cap = a->cap ? a->cap * 2 : 64;
                a->nodes = xrealloc(a->nodes, sizeof(nnode) * (size_t)a->cap);
        }
        memset(&a->nodes[a->n], 0, sizeof(nnode));
        return a->n++;
}

static void nfa_edge(nfa *a, int from, int kind, int c, int to)
{
        nnode *n = &a->nodes[from];
        if (n->nedges == n->cap) {
                n->cap = n->cap ? n->cap * 2 : 2;
                n->edges = xrealloc(n->edges, sizeof(nedge) * (size_t)n->cap);
        }
        n->edges[n->nedges++] = (nedge){kind, c, to};
}

static void nfa_free(nfa *a)
{
        for (int i = 0; i < a->n; i++) {
                free(a->nodes[i].eps.v);
                free(a->nodes[i].acc.v);
                free(a->nodes[i].edges);
        }
        free(a->nodes);
        free(a->starts.v);
        memset(a, 0, sizeof(*a));
}

/* An exact byte string (a binary path, a method): a chain. */
static void nfa_add_literal(nfa *a, const char *s, int id)
{
        int n = nfa_node(a);
        iv_push(&a->starts, n);
        for (; *s; s++) {
                int m = nfa_node(a);
                nfa_edge(a, n, E_BYTE, (unsigned char)*s, m);
                n = m;
        }
        iv_push(&a->nodes[n].acc, id);
}

/* The node matching glob g from position i on, as pm_url_glob_matches
 * does (memo[i] caches it). */
static int glob_node(nfa *a, const char *g, int i, int *memo, int id)
{
        if (memo[i] >= 0)
                return memo[i];
        int n = nfa_node(a);
        memo[i] = n;
        if (!strcmp(g + i, "/**"))
                iv_push(&a->nodes[n].acc,
                        id); /* a trailing slash-globstar also covers its parent */
        if (g[i] == '*' && g[i + 1] == '*' && (g[i + 2] == 0 || g[i + 2] == '/')) {
                int r = g[i + 2] ? i + 3 : i + 2;
                if (!g[r]) { /* a trailing globstar: anything from here */
                        int t = nfa_node(a);
                        iv_push(&a->nodes[t].acc, id);
                        nfa_edge(a, t, E_ANY, 0, t);
                        iv_push(&a->nodes[n].eps, t);
                        return n;
                }
                /* the rest at the start or after any '/' further on */
                int rest = glob_node(a, g, r, memo, id);
                int body = nfa_node(a);
                iv_push(&a->nodes[n].eps, rest);
                iv_push(&a->nodes[n].eps, body);
                nfa_edge(a, body, E_BYTE, '/', n);
                nfa_edge(a, body, E_NOT, '/', body);
                return n;
        }
        if (g[i] == '*') { /* a run of bytes but '/' */
                int next = glob_node(a, g, i + 1, memo, id);
                iv_push(&a->nodes[n].eps, next);
                nfa_edge(a, n, E_NOT, '/', n);
                return n;
        }
        if (!g[i]) {
                iv_push(&a->nodes[n].acc, id);
                return n;
        }
        int next = glob_node(a, g, i + 1, memo, id);
        nfa_edge(a, n, E_BYTE, (unsigned char)g[i], next);
        return n;
}

static void nfa_add_glob(nfa *a, const char *g, int id)
{
        size_t len = strlen(g);
        int *memo = xrealloc(NULL, sizeof(int) * (len + 1));
        for (size_t i = 0; i <= len; i++)
                memo[i] = -1;
        iv_push(&a->starts, glob_node(a, g, 0, memo, id));
        free(memo);
}

/* ---- subset construction ---- */

typedef struct dstate {
        int nbytes;
        int *bytes; /* symbols (bytes, or label ids) with their own target */
        int *to;    /* their targets (-1: no match possible) */
        int other;  /* the target of every other byte */
        int acc;    /* accept set id in the dfa's accs pool */
} dstate;

typedef struct dfa {
        dstate *st;
        int n;
        setpool sets; /* the NFA node set of each state, same index */
        setpool accs;
        const char *error;
} dfa;

typedef struct closure_ws {
        int *mark;
        int gen;
        ivec stack;
} closure_ws;

static void closure_add(const nfa *a, closure_ws *w, ivec *out, int node)
{
        if (w->mark[node] == w->gen)
                return;
        w->mark[node] = w->gen;
        iv_push(&w->stack, node);
        while (w->stack.n) {
                int x = w->stack.v[--w->stack.n];
                iv_push(out, x);
                const ivec *e = &a->nodes[x].eps;
                for (int i = 0; i < e->n; i++)
                        if (w->mark[e->v[i]] != w->gen) {
                                w->mark[e->v[i]] = w->gen;
                                iv_push(&w->stack, e->v[i]);
                        }
        }
}

static bool edge_takes(const nedge *e, int byte)
{
        return e->kind == E_ANY || (e->kind == E_BYTE ? e->c == byte : e->c != byte);
}

/* The state reached from set on byte (-1: a byte no edge names). */
static int dfa_step(dfa *d, const nfa *a, closure_ws *w, const ivec *set, int byte, ivec *tmp)
{
        tmp->n = 0;
        w->gen++;
        for (int i = 0; i < set->n; i++) {
                const nnode *x = &a->nodes[set->v[i]];
                for (int j = 0; j < x->nedges; j++) {
                        const nedge *e = &x->edges[j];
                        bool takes = byte < 0 ? e->kind != E_BYTE : edge_takes(e, byte);
                        if (takes)
                                closure_add(a, w, tmp, e->to);
                }
        }
        if (!tmp->n)
                return -1;
        iv_sort_unique(tmp);
        return sp_intern(&d->sets, tmp->v, tmp->n);
}

static void dfa_free(dfa *d)
{
        for (int i = 0; i < d->n; i++) {
                free(d->st[i].bytes);
                free(d->st[i].to);
        }
        free(d->st);
        sp_free(&d->sets);
        sp_free(&d->accs);
        memset(d, 0, sizeof(*d));
}

static bool dfa_build(dfa *d, const nfa *a)
{
        memset(d, 0, sizeof(*d));
        closure_ws w = {calloc((size_t)a->n + 1, sizeof(int)), 0, {0}};
        ivec tmp = {0}, acc = {0};
        int nsym = 256; /* bytes, or label ids (the host automaton) */
        for (int i = 0; i < a->n; i++)
                for (int j = 0; j < a->nodes[i].nedges; j++)
                        if (a->nodes[i].edges[j].c >= nsym)
                                nsym = a->nodes[i].edges[j].c + 1;
        int *seen = calloc((size_t)nsym, sizeof(int));
        int *bytes = xrealloc(NULL, sizeof(int) * (size_t)nsym);
        if (!w.mark || !seen)
                abort();
        w.gen++;
        for (int i = 0; i < a->starts.n; i++)
                closure_add(a, &w, &tmp, a->starts.v[i]);
        iv_sort_unique(&tmp);
        sp_intern(&d->sets, tmp.v, tmp.n);
        long items = 0;
        int seen_gen = 0;
        for (int s = 0; s < d->sets.n; s++) {
                if (d->sets.n > DFA_MAX_STATES || items > DFA_MAX_ITEMS) {
                        d->error = "an automaton over its state budget (wildcards in the "
                                   "middle of many patterns)";
                        break;
                }
                ivec set = d->sets.sets[s]; /* copy: the pool may move */
                items += set.n;
                dstate st = {0};
                acc.n = 0;
                seen_gen++;
                int nb = 0;
                for (int i = 0; i < set.n; i++) {
                        const nnode *x = &a->nodes[set.v[i]];
                        for (int j = 0; j < x->acc.n; j++)
                                iv_push(&acc, x->acc.v[j]);
                        for (int j = 0; j < x->nedges; j++)
                                if (x->edges[j].kind != E_ANY && seen[x->edges[j].c] != seen_gen) {
                                        seen[x->edges[j].c] = seen_gen;
                                        bytes[nb++] = x->edges[j].c;
                                }
                }
                iv_sort_unique(&acc);
                st.acc = acc.n ? sp_intern(&d->accs, acc.v, acc.n) : -1;
                st.other = dfa_step(d, a, &w, &set, -1, &tmp);
                st.bytes = xrealloc(NULL, sizeof(int) * ((size_t)nb + 1));
                st.to = xrealloc(NULL, sizeof(int) * ((size_t)nb + 1));
                for (int k = 0; k < nb; k++) {
                        int t = dfa_step(d, a, &w, &set, bytes[k], &tmp);
                        if (t != st.other) {
                                st.bytes[st.nbytes] = bytes[k];
                                st.to[st.nbytes++] = t;
                        }
                }
                if (s == d->n) {
                        d->st = xrealloc(d->st, sizeof(dstate) * ((size_t)d->n + 1));
                        d->st[d->n++] = st;
                }
        }
        free(w.mark);
        free(w.stack.v);
        free(tmp.v);
        free(acc.v);
        free(seen);
        free(bytes);
        return d->error == NULL;
}

/* ---- the table, as the generator sees it ---- */

typedef struct strtab {
        const char **s;
        int n, cap;
        int *table; /* open addressing: index + 1, 0 empty */
        int tcap;
} strtab;

static uint64_t hash_str(const char *s)
{
        uint64_t h = 1469598103934665603ull;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ull;
        return h;
}

static void st_grow(strtab *t)
{
        int ncap = t->tcap ? t->tcap * 2 : 64;
        int *nt = calloc((size_t)ncap, sizeof(int));
        if (!nt)
                abort();
        for (int k = 0; k < t->n; k++) {
                int i = (int)(hash_str(t->s[k]) & (uint64_t)(ncap - 1));
                while (nt[i])
                        i = (i + 1) & (ncap - 1);
                nt[i] = k + 1;
        }
        free(t->table);
        t->table = nt;
        t->tcap = ncap;
}

/* The index of s in t, added when new. */
static int st_index(strtab *t, const char *s)
{
        if (t->n * 2 >= t->tcap)
                st_grow(t);
        int i = (int)(hash_str(s) & (uint64_t)(t->tcap - 1));
        for (; t->table[i]; i = (i + 1) & (t->tcap - 1))
                if (!strcmp(t->s[t->table[i] - 1], s))
                        return t->table[i] - 1;
        if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 16;
                t->s = xrealloc(t->s, sizeof(char *) * (size_t)t->cap);
        }
        t->s[t->n] = s;
        t->table[i] = ++t->n;
        return t->n - 1;
}

static void st_free(strtab *t)
{
        free(t->s);
        free(t->table);
        memset(t, 0, sizeof(*t));
}

enum {
        F_DENY,
        F_PLAIN,
        F_L7R,
        F_REFUSED,
        F_HDENY,
        F_HALLOW,
        F_SPECIAL,
        F_SELF,
        F_ANC,
        F_MMASK,
        F_PORT,
        F_HTTP,
        F_PSELF,
        F_PANC,
        F_DATA,
        F_GLOBS,
        F__N
};

/* The data block: rule records, candidate lists. */
typedef struct gdata {
        uint8_t *data;
        size_t dlen, dcap;
        setpool lists;      /* candidate lists, encoded */
        uint32_t *list_off; /* each one's offset in data */
        int nlist_off;
} gdata;

/* The decision's state: its fields (the keys, the ids the automata give,
 * the request's values every check reads, the data block). */

typedef struct gen {
        const oshb_proxy *px;
        char *err;
        size_t errlen;
        strtab hosts, lits, pbins, globs, methods;
        strtab labels;    /* the host patterns' literal labels (strings owned) */
        ivec *host_rules; /* per host pattern: the rules (indices) using it */
        int *lit_abit;    /* per literal binary: its bit among ancestors, -1 none */
        int nabits;
        int *l7_base; /* per rule: the ordinal of its first http rule */
        int nl7;
        int dfa_states;

        LLVMContextRef ctx;
        LLVMModuleRef mod;
        LLVMBuilderRef b;
        LLVMValueRef fn, req;
        LLVMTypeRef i1, i8, i16, i32, i64, i128, p8;
        LLVMBasicBlockRef nomatch_sink;
        /* the function's variables (allocas, promoted by mem2reg) */
        LLVMValueRef pos, deny, plain, l7r, refused, hdeny, hallow, special, self_id, anc_mask,
            mmask, globbits, j;
        LLVMValueRef port, param_self, param_anc, http, flags;
        LLVMTypeRef state_t, side_fty, check_fty, cluster_fty;
        LLVMValueRef st;       /* the current function's state pointer */
        LLVMValueRef check_fn; /* void check(state *, i32 list, i1 dyn) */
        struct gdata *gd;      /* the data block (shared by the copies of gen) */
} gen;

static bool gen_fail(gen *g, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g->err, g->errlen, fmt, ap);
        va_end(ap);
        return false;
}

/* Names, binaries, globs and methods of the table; false when over a
 * limit of the generator. */
static bool collect(gen *g)
{
        const oshb_proxy *px = g->px;
        g->l7_base = xrealloc(NULL, sizeof(int) * ((size_t)px->nrules + 1));
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                if (!r->is_ip)
                        st_index(&g->hosts, r->host);
                for (uint32_t k = 0; k < r->nbinaries; k++) {
                        const char *bin = r->binaries[k];
                        if (bin[0] == '$') {
                                st_index(&g->pbins, bin);
                                continue;
                        }
                        int before = g->lits.n;
                        int id = st_index(&g->lits, bin);
                        if (g->lits.n > before) {
                                g->lit_abit =
                                    xrealloc(g->lit_abit, sizeof(int) * (size_t)g->lits.n);
                                g->lit_abit[id] = -1;
                        }
                        if (r->children && g->lit_abit[id] < 0)
                                g->lit_abit[id] = g->nabits++;
                }
                g->l7_base[i] = g->nl7;
                for (uint32_t k = 0; k < r->nl7; k++) {
                        st_index(&g->globs, r->l7[k].path);
                        for (uint32_t m = 0; m < r->l7[k].nmethods; m++)
                                st_index(&g->methods, r->l7[k].methods[m]);
                }
                g->nl7 += (int)r->nl7;
        }
        g->host_rules = calloc((size_t)g->hosts.n + 1, sizeof(ivec));
        if (!g->host_rules)
                abort();
        for (uint32_t i = 0; i < px->nrules; i++)
                if (!px->rules[i].is_ip)
                        iv_push(&g->host_rules[st_index(&g->hosts, px->rules[i].host)], (int)i);
        if (g->pbins.n > 64)
                return gen_fail(g,
                                "%d distinct `from $PARAM/...` binaries, the native matcher "
                                "takes at most 64",
                                g->pbins.n);
        if (g->nabits > 64)
                return gen_fail(g,
                                "%d distinct binaries with `and children`, the native "
                                "matcher takes at most 64",
                                g->nabits);
        if (g->methods.n > 64)
                return gen_fail(g, "%d distinct HTTP methods, the native matcher takes at most 64",
                                g->methods.n);
        return true;
}

/* ---- LLVM helpers ---- */

static LLVMValueRef c64(gen *g, uint64_t v)
{
        return LLVMConstInt(g->i64, v, 0);
}

static LLVMValueRef c32(gen *g, uint32_t v)
{
        return LLVMConstInt(g->i32, v, 0);
}

static LLVMBasicBlockRef block(gen *g, const char *name)
{
        return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

static LLVMValueRef var(gen *g, LLVMTypeRef t, LLVMValueRef init, const char *name)
{
        LLVMValueRef v = LLVMBuildAlloca(g->b, t, name);
        if (init)
                LLVMBuildStore(g->b, init, v);
        return v;
}

static LLVMValueRef load(gen *g, LLVMTypeRef t, LLVMValueRef p)
{
        return LLVMBuildLoad2(g->b, t, p, "");
}

/* The request field at offset off, of type t. */
static LLVMValueRef field(gen *g, size_t off, LLVMTypeRef t)
{
        LLVMValueRef idx = c64(g, off);
        LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, g->req, &idx, 1, "");
        p = LLVMBuildBitCast(g->b, p, LLVMPointerType(t, 0), "");
        return load(g, t, p);
}

/* Element i (a value) of the request's array at off, of type t. */
static LLVMValueRef field_at(gen *g, size_t off, LLVMTypeRef t, LLVMValueRef i)
{
        LLVMValueRef idx = c64(g, off);
        LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, g->req, &idx, 1, "");
        p = LLVMBuildBitCast(g->b, p, LLVMPointerType(t, 0), "");
        p = LLVMBuildInBoundsGEP2(g->b, t, p, &i, 1, "");
        return load(g, t, p);
}

/* *v = cond && k < *v ? k : *v (the first, in table order). */
static void keep_min_v(gen *g, LLVMValueRef v, LLVMValueRef cond, LLVMValueRef k)
{
        LLVMValueRef old = load(g, g->i64, v);
        LLVMValueRef take =
            LLVMBuildAnd(g->b, cond, LLVMBuildICmp(g->b, LLVMIntULT, k, old, ""), "");
        LLVMBuildStore(g->b, LLVMBuildSelect(g->b, take, k, old, ""), v);
}

static LLVMValueRef mask_test_v(gen *g, LLVMValueRef word, LLVMValueRef mask)
{
        return LLVMBuildICmp(g->b, LLVMIntNE, LLVMBuildAnd(g->b, word, mask, ""), c64(g, 0), "");
}

static LLVMValueRef mask_test(gen *g, LLVMValueRef word, uint64_t mask)
{
        return mask_test_v(g, word, c64(g, mask));
}

/* ---- automata as code ---- */

enum acc_mode { ACC_SELF_BIN, ACC_ANC_BIN, ACC_METHOD, ACC_GLOB };

static void emit_candidates(gen *g, const int *rules, int n, int special);
static uint32_t candidate_list(gen *g, const int *rules, int n, int special);
static void emit_check(gen *g, uint32_t list, bool dyn);
static void emit_check_at(gen *g, LLVMValueRef list, bool dyn, LLVMBasicBlockRef out);

#define NO_REF 0xffffffffu

/* The candidate list of the host rules of the patterns in acc (NO_REF:
 * none). */
static uint32_t host_list(gen *g, const ivec *acc)
{
        ivec rules = {0};
        for (int i = 0; i < acc->n; i++) {
                const ivec *hr = &g->host_rules[acc->v[i]];
                for (int k = 0; k < hr->n; k++)
                        iv_push(&rules, hr->v[k]);
        }
        iv_sort_unique(&rules);
        uint32_t list = candidate_list(g, rules.v, rules.n, -2);
        free(rules.v);
        return list;
}

/* The code at the end of the input in a state accepting acc (NULL: none). */
static void emit_accept(gen *g, int mode, const ivec *acc)
{
        switch (mode) {
        case ACC_SELF_BIN: /* exact strings: at most one id */
                if (acc)
                        LLVMBuildStore(g->b, c32(g, (uint32_t)acc->v[0]), g->self_id);
                break;
        case ACC_ANC_BIN:
                if (acc && g->lit_abit[acc->v[0]] >= 0) {
                        LLVMValueRef m = load(g, g->i64, g->anc_mask);
                        m = LLVMBuildOr(g->b, m, c64(g, 1ull << g->lit_abit[acc->v[0]]), "");
                        LLVMBuildStore(g->b, m, g->anc_mask);
                }
                break;
        case ACC_METHOD:
                if (acc)
                        LLVMBuildStore(g->b, c64(g, 1ull << acc->v[0]), g->mmask);
                break;
        case ACC_GLOB:
                if (acc) { /* the words with a bit set; the others stay 0 */
                        for (int i = 0; i < acc->n;) {
                                int w = acc->v[i] / 64;
                                uint64_t bits = 0;
                                for (; i < acc->n && acc->v[i] / 64 == w; i++)
                                        bits |= 1ull << (acc->v[i] % 64);
                                LLVMValueRef idx = c32(g, (uint32_t)w);
                                LLVMValueRef p =
                                    LLVMBuildInBoundsGEP2(g->b, g->i64, g->globbits, &idx, 1, "");
                                LLVMBuildStore(g->b, c64(g, bits), p);
                        }
                }
                break;
        }
}

/* Run d over len bytes at ptr (right to left when reverse), then continue
 * at cont. */
/* A chain state: not accepting, one byte leads on, every other byte to
 * no match.  A run of them is compared at once. */
static bool chain_state(const dstate *s)
{
        return s->acc < 0 && s->other < 0 && s->nbytes == 1 && s->to[0] >= 0;
}

#define CHAIN_MAX 64

/* A large DFA is cut into functions of at most lm_cluster_states states (LLVM
 * grows faster than linearly on one function of tens of thousands of
 * blocks); a transition into another cluster is a tail call of it with
 * the position and the state. */
int lm_cluster_states = 512;

typedef struct cluster {
        gen bound; /* the generator bound to the cluster's function */
        LLVMValueRef fn, ptr, len, sw;
        LLVMBasicBlockRef none, *ab;
        ivec todo;
        int count, emitted;
} cluster;

typedef struct dfa_emit {
        const dfa *d;
        LLVMValueRef ptr, len;
        bool reverse;
        LLVMBasicBlockRef *sb, none;
        ivec todo;
        int mode;
        /* clusters (NULL when the DFA is small: one body, inline) */
        cluster *cl;
        int ncl, cur;
        int *cl_of, *stub_owner, *entered;
        LLVMBasicBlockRef *stub;
} dfa_emit;

static LLVMBasicBlockRef cluster_state_block(gen *g, dfa_emit *e, int t);
static void emit_dfa_clustered(gen *g, dfa_emit *e, LLVMBasicBlockRef cont);

/* The block of state t, queued for emission on first use. */
static LLVMBasicBlockRef state_block(gen *g, dfa_emit *e, int t)
{
        if (t < 0)
                return e->none;
        if (e->cl)
                return cluster_state_block(g, e, t);
        if (!e->sb[t]) {
                e->sb[t] = block(g, "s");
                iv_push(&e->todo, t);
        }
        return e->sb[t];
}

/* The chain of states from s: its bytes in bytes[], the state after. */
static int chain_from(const dfa *d, int s, uint8_t *bytes, int *n)
{
        *n = 0;
        while (*n < CHAIN_MAX && chain_state(&d->st[s])) {
                bytes[(*n)++] = (uint8_t)d->st[s].bytes[0];
                s = d->st[s].to[0];
                if (s == 0)
                        break;
        }
        return s;
}

/* Compare the n bytes of a chain at the current position (at least n
 * remain), eight at a time, little-endian. */
static LLVMValueRef chain_equal(gen *g, dfa_emit *e, LLVMValueRef p, const uint8_t *bytes, int n)
{
        LLVMValueRef eq = LLVMConstInt(g->i1, 1, 0);
        for (int off = 0; off < n; off += 8) {
                int k = n - off < 8 ? n - off : 8;
                /* forward: bytes[off..off+k) at p+off; reverse: at p-off-k, reversed */
                LLVMValueRef at = e->reverse
                                      ? LLVMBuildSub(g->b, p, c64(g, (uint64_t)(off + k)), "")
                                      : LLVMBuildAdd(g->b, p, c64(g, (uint64_t)off), "");
                LLVMValueRef bp = LLVMBuildInBoundsGEP2(g->b, g->i8, e->ptr, &at, 1, "");
                LLVMTypeRef it = LLVMIntTypeInContext(g->ctx, (unsigned)(8 * k));
                LLVMValueRef v = LLVMBuildLoad2(
                    g->b, it, LLVMBuildBitCast(g->b, bp, LLVMPointerType(it, 0), ""), "");
                LLVMSetAlignment(v, 1);
                uint64_t want = 0;
                for (int i = 0; i < k; i++) {
                        uint8_t b = e->reverse ? bytes[off + k - 1 - i] : bytes[off + i];
                        want |= (uint64_t)b << (8 * i);
                }
                eq = LLVMBuildAnd(
                    g->b, eq, LLVMBuildICmp(g->b, LLVMIntEQ, v, LLVMConstInt(it, want, 0), ""), "");
        }
        return eq;
}

/* One state: at the end of the input its accept block; else a run of
 * chain states compared at once, or one byte read and switched on. */
static void emit_state(gen *g, dfa_emit *e, int i, LLVMBasicBlockRef fin)
{
        const dstate *s = &e->d->st[i];
        LLVMPositionBuilderAtEnd(g->b, e->sb[i]);
        LLVMValueRef p = load(g, g->i64, g->pos);
        LLVMValueRef end = e->reverse ? c64(g, 0) : e->len;
        if (s->nbytes == 0 && s->other < 0) { /* nothing more can match */
                LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, p, end, ""), fin, e->none);
                return;
        }
        uint8_t bytes[CHAIN_MAX];
        int n;
        int after = chain_from(e->d, i, bytes, &n);
        if (n >= 2) {
                LLVMValueRef left = e->reverse ? p : LLVMBuildSub(g->b, e->len, p, "");
                LLVMBasicBlockRef cmp = block(g, "chain");
                LLVMBuildCondBr(g->b,
                                LLVMBuildICmp(g->b, LLVMIntUGE, left, c64(g, (uint64_t)n), ""), cmp,
                                e->none);
                LLVMPositionBuilderAtEnd(g->b, cmp);
                LLVMValueRef eq = chain_equal(g, e, p, bytes, n);
                LLVMValueRef np = e->reverse ? LLVMBuildSub(g->b, p, c64(g, (uint64_t)n), "")
                                             : LLVMBuildAdd(g->b, p, c64(g, (uint64_t)n), "");
                LLVMBuildStore(g->b, np, g->pos);
                LLVMBuildCondBr(g->b, eq, state_block(g, e, after), e->none);
                return;
        }
        LLVMBasicBlockRef rd = block(g, "read");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, p, end, ""), fin, rd);
        LLVMPositionBuilderAtEnd(g->b, rd);
        LLVMValueRef at = e->reverse ? LLVMBuildSub(g->b, p, c64(g, 1), "") : p;
        LLVMValueRef bp = LLVMBuildInBoundsGEP2(g->b, g->i8, e->ptr, &at, 1, "");
        LLVMValueRef byte = load(g, g->i8, bp);
        LLVMBuildStore(g->b, e->reverse ? at : LLVMBuildAdd(g->b, p, c64(g, 1), ""), g->pos);
        LLVMBasicBlockRef other = state_block(g, e, s->other);
        if (s->nbytes == 0) {
                LLVMBuildBr(g->b, other);
                return;
        }
        LLVMValueRef sw = LLVMBuildSwitch(g->b, byte, other, (unsigned)s->nbytes);
        for (int k = 0; k < s->nbytes; k++)
                LLVMAddCase(sw, LLVMConstInt(g->i8, s->bytes[k], 0), state_block(g, e, s->to[k]));
}

/* Run d over len bytes at ptr (right to left when reverse), then continue
 * at cont.  States are emitted from the start as they are reached, so the
 * inside of a compared chain has no block of its own. */
static void emit_dfa(gen *g, const dfa *d, LLVMValueRef ptr, LLVMValueRef len, bool reverse,
                     int mode, LLVMBasicBlockRef cont)
{
        dfa_emit e;
        memset(&e, 0, sizeof(e));
        e.d = d;
        e.ptr = ptr;
        e.len = len;
        e.reverse = reverse;
        e.sb = calloc((size_t)d->n + 1, sizeof(LLVMBasicBlockRef));
        e.mode = mode;
        if (d->n > lm_cluster_states) {
                emit_dfa_clustered(g, &e, cont);
                free(e.sb);
                return;
        }
        LLVMBasicBlockRef *ab = calloc((size_t)d->accs.n + 1, sizeof(*ab));
        if (!ab || !e.sb)
                abort();
        LLVMBuildStore(g->b, reverse ? len : c64(g, 0), g->pos);
        e.none = block(g, "nomatch");
        LLVMBuildBr(g->b, state_block(g, &e, 0));
        LLVMPositionBuilderAtEnd(g->b, e.none);
        emit_accept(g, mode, NULL);
        LLVMBuildBr(g->b, cont);
        for (int q = 0; q < e.todo.n; q++) {
                int i = e.todo.v[q];
                const dstate *s = &d->st[i];
                LLVMBasicBlockRef fin = e.none;
                if (s->acc >= 0) {
                        if (!ab[s->acc]) {
                                ab[s->acc] = block(g, "accept");
                                LLVMPositionBuilderAtEnd(g->b, ab[s->acc]);
                                emit_accept(g, mode, &d->accs.sets[s->acc]);
                                LLVMBuildBr(g->b, cont);
                        }
                        fin = ab[s->acc];
                }
                emit_state(g, &e, i, fin);
                g->dfa_states++;
        }
        LLVMPositionBuilderAtEnd(g->b, cont);
        free(e.sb);
        free(e.todo.v);
        free(ab);
}

static LLVMValueRef new_function(gen *g, const char *name, LLVMTypeRef fty, bool internal);
static void bind_state(gen *g, LLVMValueRef st);
static LLVMValueRef state_field(gen *g, int f);

static void switch_binding(gen *g, const gen *to)
{
        int states = g->dfa_states;
        *g = *to;
        g->dfa_states = states;
}

/* A new cluster function, void (state *, i8 *ptr, i64 len, i64 pos, i32
 * state), entered through a switch on the state; the builder and binding
 * are left as they were. */
static int new_cluster(gen *g, dfa_emit *e)
{
        gen saved = *g;
        LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
        e->cl = xrealloc(e->cl, sizeof(cluster) * ((size_t)e->ncl + 1));
        cluster *c = &e->cl[e->ncl];
        memset(c, 0, sizeof(*c));
        c->fn = new_function(g, "dfa", g->cluster_fty, true);
        bind_state(g, LLVMGetParam(c->fn, 0));
        c->ptr = LLVMGetParam(c->fn, 1);
        c->len = LLVMGetParam(c->fn, 2);
        LLVMBuildStore(g->b, LLVMGetParam(c->fn, 3), g->pos);
        c->none = block(g, "nomatch");
        c->sw = LLVMBuildSwitch(g->b, LLVMGetParam(c->fn, 4), c->none, 4);
        LLVMPositionBuilderAtEnd(g->b, c->none);
        emit_accept(g, e->mode, NULL);
        LLVMBuildRetVoid(g->b);
        c->ab = calloc((size_t)e->d->accs.n + 1, sizeof(LLVMBasicBlockRef));
        if (!c->ab)
                abort();
        c->bound = *g;
        switch_binding(g, &saved);
        if (here)
                LLVMPositionBuilderAtEnd(g->b, here);
        return e->ncl++;
}

/* State t's block seen from the current cluster: its own block, or a
 * block tail-calling the cluster that holds it. */
static LLVMBasicBlockRef cluster_state_block(gen *g, dfa_emit *e, int t)
{
        cluster *cur = &e->cl[e->cur];
        if (e->cl_of[t] < 0 && cur->count < lm_cluster_states) {
                e->cl_of[t] = e->cur;
                cur->count++;
                e->sb[t] = block(g, "s");
                iv_push(&cur->todo, t);
        }
        if (e->cl_of[t] == e->cur)
                return e->sb[t];
        if (e->cl_of[t] < 0) { /* a new cluster starts at t */
                int k = new_cluster(g, e);
                cur = &e->cl[e->cur];
                e->cl_of[t] = k;
                e->cl[k].count++;
                e->sb[t] = LLVMAppendBasicBlockInContext(g->ctx, e->cl[k].fn, "s");
                iv_push(&e->cl[k].todo, t);
        }
        int k = e->cl_of[t];
        if (!e->entered[t]) {
                e->entered[t] = 1;
                LLVMAddCase(e->cl[k].sw, c32(g, (uint32_t)t), e->sb[t]);
        }
        if (e->stub_owner[t] != e->cur + 1) {
                LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
                e->stub[t] = block(g, "jump");
                LLVMPositionBuilderAtEnd(g->b, e->stub[t]);
                LLVMValueRef args[5] = {g->st, e->ptr, e->len, load(g, g->i64, g->pos),
                                        c32(g, (uint32_t)t)};
                LLVMValueRef call = LLVMBuildCall2(g->b, g->cluster_fty, e->cl[k].fn, args, 5, "");
                LLVMSetTailCall(call, 1);
                LLVMBuildRetVoid(g->b);
                LLVMPositionBuilderAtEnd(g->b, here);
                e->stub_owner[t] = e->cur + 1;
        }
        return e->stub[t];
}

/* Emit the states queued on the current cluster since it was last
 * emitted, in its function. */
static void emit_cluster(gen *g, dfa_emit *e)
{
        const dfa *d = e->d;
        switch_binding(g, &e->cl[e->cur].bound);
        e->ptr = e->cl[e->cur].ptr;
        e->len = e->cl[e->cur].len;
        e->none = e->cl[e->cur].none;
        for (; e->cl[e->cur].emitted < e->cl[e->cur].todo.n; e->cl[e->cur].emitted++) {
                cluster *c = &e->cl[e->cur];
                int i = c->todo.v[c->emitted];
                const dstate *s = &d->st[i];
                LLVMBasicBlockRef fin = c->none;
                if (s->acc >= 0) {
                        if (!c->ab[s->acc]) {
                                c->ab[s->acc] = block(g, "accept");
                                LLVMPositionBuilderAtEnd(g->b, c->ab[s->acc]);
                                emit_accept(g, e->mode, &d->accs.sets[s->acc]);
                                LLVMBuildRetVoid(g->b);
                        }
                        fin = c->ab[s->acc];
                }
                emit_state(g, e, i, fin);
                g->dfa_states++;
        }
}

/* emit_dfa for a large DFA: clusters, the first entered with state 0. */
static void emit_dfa_clustered(gen *g, dfa_emit *e, LLVMBasicBlockRef cont)
{
        const dfa *d = e->d;
        e->cl_of = xrealloc(NULL, sizeof(int) * (size_t)d->n);
        e->stub_owner = calloc((size_t)d->n, sizeof(int));
        e->entered = calloc((size_t)d->n, sizeof(int));
        e->stub = calloc((size_t)d->n, sizeof(LLVMBasicBlockRef));
        if (!e->stub_owner || !e->entered || !e->stub)
                abort();
        for (int i = 0; i < d->n; i++)
                e->cl_of[i] = -1;
        gen outer = *g;
        int first = new_cluster(g, e);
        e->cl_of[0] = first;
        e->cl[first].count = 1;
        e->sb[0] = LLVMAppendBasicBlockInContext(g->ctx, e->cl[first].fn, "s");
        iv_push(&e->cl[first].todo, 0);
        e->entered[0] = 1;
        LLVMAddCase(e->cl[first].sw, c32(g, 0), e->sb[0]);
        LLVMValueRef args[5] = {g->st, e->ptr, e->len, e->reverse ? e->len : c64(g, 0), c32(g, 0)};
        LLVMBuildCall2(g->b, g->cluster_fty, e->cl[first].fn, args, 5, "");
        LLVMBuildBr(g->b, cont);
        /* until every cluster's states are emitted */
        for (bool more = true; more;) {
                more = false;
                for (e->cur = 0; e->cur < e->ncl; e->cur++)
                        if (e->cl[e->cur].emitted < e->cl[e->cur].todo.n)
                                more = true, emit_cluster(g, e);
        }
        switch_binding(g, &outer);
        LLVMPositionBuilderAtEnd(g->b, cont);
        for (int k = 0; k < e->ncl; k++) {
                free(e->cl[k].ab);
                free(e->cl[k].todo.v);
        }
        free(e->cl);
        free(e->cl_of);
        free(e->stub_owner);
        free(e->entered);
        free(e->stub);
}

/* Build the DFA of nfa a and emit it; false (message set) when too big. */
static bool run_automaton(gen *g, nfa *a, LLVMValueRef ptr, LLVMValueRef len, bool reverse,
                          int mode, LLVMBasicBlockRef cont)
{
        dfa d;
        bool ok = dfa_build(&d, a);
        if (ok)
                emit_dfa(g, &d, ptr, len, reverse, mode, cont);
        else
                gen_fail(g, "%s", d.error);
        dfa_free(&d);
        return ok;
}

/* ---- rules: per-rule constants and candidate lists as data ----
 *
 * The code reads them from the data block the loader passes osh_decide
 * (native_abi.h): read-only, never executable, no relocation either.
 * Every integer little-endian (the generator's and the code's host).
 *
 *   rule record (RREC bytes, rule i at RULES_AT + i * RREC; its key is
 *     table index << 32 | rule id):
 *     0 u32 rule id   4 u16 port_lo   6 u16 port_hi   8 u32 flags (RF_*)
 *     12 u32 the offset of its `from` and http part (RF_FROM or RF_L7; else 0)
 *   `from` and http part (XREC bytes):
 *     0 u32 number of literal binaries   4 u32 their offset (u32 literal ids)
 *     8 u32 number of http rules   12 u32 their offset
 *     16 u64 mask of parameter binaries   24 u64 mask of `and children` literals
 *   http rule (L7REC bytes):
 *     0 u64 key (ordinal << 32 | id)   8 u64 method mask (0: any)
 *     16 u32 glob index   20 u32 1 for deny
 *   candidate list: u32 n, then n u32 (table index << 1 | may reach the
 *     address), rules in table order */

#define RREC 16
#define XREC 32
#define RULES_AT 0
#define L7REC 24
enum { RF_DENY = 1, RF_L7 = 2, RF_CHILDREN = 4, RF_FROM = 8 };

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
        put32(p, (uint32_t)v);
        put32(p + 4, (uint32_t)(v >> 32));
}

/* Room for n more bytes at the end of the data, 8-aligned: their offset. */
static uint32_t data_alloc(gen *g, size_t n)
{
        size_t off = (g->gd->dlen + 7) & ~(size_t)7;
        if (off + n > g->gd->dcap || !g->gd->data) {
                g->gd->dcap = (off + n) * 2 + 4096;
                g->gd->data = xrealloc(g->gd->data, g->gd->dcap);
        }
        memset(g->gd->data + g->gd->dlen, 0, off + n - g->gd->dlen);
        g->gd->dlen = off + n;
        return (uint32_t)off;
}

/* The rule records, their literal binaries and http rules. */
static void build_rule_data(gen *g)
{
        const oshb_proxy *px = g->px;
        data_alloc(g, (size_t)px->nrules * RREC);
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                uint32_t flags = (r->deny ? RF_DENY : 0) | (r->nl7 ? RF_L7 : 0) |
                                 (r->children ? RF_CHILDREN : 0) | (r->nbinaries ? RF_FROM : 0);
                uint64_t pmask = 0, amask = 0;
                uint32_t nlits = 0, lits = 0, l7 = 0;
                for (uint32_t k = 0; k < r->nbinaries; k++)
                        nlits += r->binaries[k][0] != '$';
                if (nlits)
                        lits = data_alloc(g, 4 * (size_t)nlits);
                for (uint32_t k = 0, w = 0; k < r->nbinaries; k++) {
                        const char *bin = r->binaries[k];
                        if (bin[0] == '$') {
                                pmask |= 1ull << st_index(&g->pbins, bin);
                                continue;
                        }
                        int id = st_index(&g->lits, bin);
                        put32(g->gd->data + lits + 4 * w++, (uint32_t)id);
                        if (r->children)
                                amask |= 1ull << g->lit_abit[id];
                }
                if (r->nl7)
                        l7 = data_alloc(g, (size_t)r->nl7 * L7REC);
                for (uint32_t k = 0; k < r->nl7; k++) {
                        const oshb_l7 *h = &r->l7[k];
                        uint8_t *p = g->gd->data + l7 + (size_t)k * L7REC;
                        uint64_t mm = 0;
                        for (uint32_t q = 0; q < h->nmethods; q++)
                                mm |= 1ull << st_index(&g->methods, h->methods[q]);
                        put64(p, (uint64_t)(g->l7_base[i] + (int)k) << 32 | h->id);
                        put64(p + 8, mm);
                        put32(p + 16, (uint32_t)st_index(&g->globs, h->path));
                        put32(p + 20, h->deny);
                }
                uint32_t x = 0;
                if (flags & (RF_FROM | RF_L7)) {
                        x = data_alloc(g, XREC);
                        uint8_t *q = g->gd->data + x;
                        put32(q, nlits);
                        put32(q + 4, lits);
                        put32(q + 8, r->nl7);
                        put32(q + 12, l7);
                        put64(q + 16, pmask);
                        put64(q + 24, amask);
                }
                uint8_t *p = g->gd->data + RULES_AT + (size_t)i * RREC;
                put32(p, r->id);
                put16(p + 4, r->port_lo);
                put16(p + 6, r->port_hi);
                put32(p + 8, flags);
                put32(p + 12, x);
        }
}

/* The offset of a candidate list (entries encoded), each distinct list
 * stored once. */
static uint32_t list_offset(gen *g, const int *v, int n)
{
        int id = sp_intern(&g->gd->lists, v, n);
        if (id == g->gd->nlist_off) {
                g->gd->list_off = xrealloc(g->gd->list_off, sizeof(uint32_t) * ((size_t)id + 1));
                uint32_t off = data_alloc(g, 4 * ((size_t)n + 1));
                put32(g->gd->data + off, (uint32_t)n);
                for (int i = 0; i < n; i++)
                        put32(g->gd->data + off + 4 + 4 * (size_t)i, (uint32_t)v[i]);
                g->gd->list_off[g->gd->nlist_off++] = off;
        }
        return g->gd->list_off[id];
}

/* The value of type t at byte offset off (an i64) from base. */
static LLVMValueRef load_at(gen *g, LLVMValueRef base, LLVMValueRef off, LLVMTypeRef t)
{
        LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, base, &off, 1, "");
        p = LLVMBuildBitCast(g->b, p, LLVMPointerType(t, 0), "");
        LLVMValueRef v = LLVMBuildLoad2(g->b, t, p, "");
        LLVMSetAlignment(v, 1);
        return v;
}

static LLVMValueRef add64(gen *g, LLVMValueRef a, uint64_t k)
{
        return LLVMBuildAdd(g->b, a, c64(g, k), "");
}

/* A counted loop: *i from 0 while < n; the builder is left in the body
 * (the caller branches to the returned block to step). */
static LLVMBasicBlockRef loop_begin(gen *g, LLVMValueRef i, LLVMValueRef n, LLVMBasicBlockRef done,
                                    LLVMValueRef *iv)
{
        LLVMBasicBlockRef head = block(g, "loop"), body = block(g, "body"), step = block(g, "step");
        LLVMBuildStore(g->b, c64(g, 0), i);
        LLVMBuildBr(g->b, head);
        LLVMPositionBuilderAtEnd(g->b, step);
        LLVMBuildStore(g->b, add64(g, load(g, g->i64, i), 1), i);
        LLVMBuildBr(g->b, head);
        LLVMPositionBuilderAtEnd(g->b, head);
        *iv = load(g, g->i64, i);
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, *iv, n, ""), body, done);
        LLVMPositionBuilderAtEnd(g->b, body);
        return step;
}

static LLVMValueRef u32_at(gen *g, LLVMValueRef base, LLVMValueRef off)
{
        return LLVMBuildZExt(g->b, load_at(g, base, off, g->i32), g->i64, "");
}

static LLVMValueRef flag_set(gen *g, LLVMValueRef flags, uint64_t f)
{
        return mask_test(g, flags, f);
}

/* void check(state *, i32 list, i1 dyn): fold the rules of the candidate
 * list at data offset list into the keys, as pm_decide_* would each of
 * them: its port range, its `from` binaries, then by its kind; dyn: the
 * rule may reach the address unless the state says it is special, else
 * each entry says. */
static void emit_check_fn(gen *g)
{
        LLVMValueRef fn = new_function(g, "check", g->check_fty, true);
        bind_state(g, LLVMGetParam(fn, 0));
        LLVMValueRef data = load(g, g->p8, state_field(g, F_DATA));
        LLVMValueRef list = LLVMBuildZExt(g->b, LLVMGetParam(fn, 1), g->i64, "");
        LLVMValueRef dyn = LLVMGetParam(fn, 2);
        LLVMValueRef i = var(g, g->i64, NULL, "i"), k = var(g, g->i64, NULL, "k");
        LLVMValueRef not_special =
            LLVMBuildNot(g->b, LLVMBuildTrunc(g->b, load(g, g->i8, g->special), g->i1, ""), "");
        LLVMValueRef n = u32_at(g, data, list);
        LLVMBasicBlockRef exit = block(g, "exit");
        LLVMValueRef iv;
        LLVMBasicBlockRef next = loop_begin(g, i, n, exit, &iv);
        LLVMValueRef e = u32_at(
            g, data,
            add64(g, LLVMBuildAdd(g->b, list, LLVMBuildShl(g->b, iv, c64(g, 2), ""), ""), 4));
        LLVMValueRef passes =
            LLVMBuildSelect(g->b, dyn, not_special, LLVMBuildTrunc(g->b, e, g->i1, ""), "");
        LLVMValueRef index = LLVMBuildLShr(g->b, e, c64(g, 1), "");
        LLVMValueRef rec = add64(g, LLVMBuildMul(g->b, index, c64(g, RREC), ""), RULES_AT);
        LLVMValueRef lo = load_at(g, data, add64(g, rec, 4), g->i16);
        LLVMValueRef hi = load_at(g, data, add64(g, rec, 6), g->i16);
        LLVMValueRef port_ok = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntUGE, g->port, lo, ""),
                                            LLVMBuildICmp(g->b, LLVMIntULE, g->port, hi, ""), "");
        LLVMBasicBlockRef from = block(g, "from"), matched = block(g, "matched");
        LLVMBasicBlockRef lits = block(g, "lits");
        LLVMBuildCondBr(g->b, port_ok, from, next);
        /* from: the masks, then the literal ids */
        LLVMPositionBuilderAtEnd(g->b, from);
        LLVMValueRef flags = u32_at(g, data, add64(g, rec, 8));
        LLVMValueRef xrec = u32_at(g, data, add64(g, rec, 12));
        LLVMBasicBlockRef masks = block(g, "masks");
        LLVMBuildCondBr(g->b, flag_set(g, flags, RF_FROM), masks, matched);
        LLVMPositionBuilderAtEnd(g->b, masks);
        LLVMValueRef pmask = load_at(g, data, add64(g, xrec, 16), g->i64);
        LLVMValueRef amask = load_at(g, data, add64(g, xrec, 24), g->i64);
        LLVMValueRef anc = LLVMBuildAnd(
            g->b, g->param_anc,
            LLVMBuildSelect(g->b, flag_set(g, flags, RF_CHILDREN), pmask, c64(g, 0), ""), "");
        LLVMValueRef m = LLVMBuildOr(g->b, LLVMBuildAnd(g->b, g->param_self, pmask, ""), anc, "");
        m = LLVMBuildOr(g->b, m, LLVMBuildAnd(g->b, load(g, g->i64, g->anc_mask), amask, ""), "");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, m, c64(g, 0), ""), matched, lits);
        LLVMPositionBuilderAtEnd(g->b, lits);
        LLVMValueRef nlits = u32_at(g, data, xrec);
        LLVMValueRef lits_at = u32_at(g, data, add64(g, xrec, 4));
        LLVMValueRef self = LLVMBuildZExt(g->b, load(g, g->i32, g->self_id), g->i64, "");
        LLVMValueRef kv;
        LLVMBasicBlockRef lstep = loop_begin(g, k, nlits, next, &kv);
        LLVMValueRef id =
            u32_at(g, data, LLVMBuildAdd(g->b, lits_at, LLVMBuildShl(g->b, kv, c64(g, 2), ""), ""));
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, id, self, ""), matched, lstep);
        /* matched: by kind */
        LLVMPositionBuilderAtEnd(g->b, matched);
        LLVMValueRef key =
            LLVMBuildOr(g->b, LLVMBuildShl(g->b, index, c64(g, 32), ""), u32_at(g, data, rec), "");
        LLVMValueRef t = LLVMConstInt(g->i1, 1, 0);
        LLVMBasicBlockRef deny = block(g, "deny"), allow = block(g, "allow");
        LLVMBasicBlockRef refused = block(g, "refused"), admit = block(g, "admit");
        LLVMBasicBlockRef plain = block(g, "plain"), l7 = block(g, "l7"), l7run = block(g, "l7run");
        LLVMBuildCondBr(g->b, flag_set(g, flags, RF_DENY), deny, allow);
        LLVMPositionBuilderAtEnd(g->b, deny);
        keep_min_v(g, g->deny, t, key);
        LLVMBuildBr(g->b, next);
        LLVMPositionBuilderAtEnd(g->b, allow);
        LLVMBuildCondBr(g->b, passes, admit, refused);
        LLVMPositionBuilderAtEnd(g->b, refused);
        keep_min_v(g, g->refused, t, key);
        LLVMBuildBr(g->b, next);
        LLVMPositionBuilderAtEnd(g->b, admit);
        LLVMBuildCondBr(g->b, flag_set(g, flags, RF_L7), l7, plain);
        LLVMPositionBuilderAtEnd(g->b, plain);
        keep_min_v(g, g->plain, t, key);
        LLVMBuildBr(g->b, next);
        LLVMPositionBuilderAtEnd(g->b, l7);
        keep_min_v(g, g->l7r, t, key);
        LLVMBuildCondBr(g->b, g->http, l7run, next);
        /* the http rules: glob bit, method mask */
        LLVMPositionBuilderAtEnd(g->b, l7run);
        LLVMValueRef nl7 = u32_at(g, data, add64(g, xrec, 8));
        LLVMValueRef l7_at = u32_at(g, data, add64(g, xrec, 12));
        LLVMValueRef hv;
        LLVMBasicBlockRef hstep = loop_begin(g, k, nl7, next, &hv);
        LLVMValueRef h = LLVMBuildAdd(g->b, l7_at, LLVMBuildMul(g->b, hv, c64(g, L7REC), ""), "");
        LLVMValueRef gi = u32_at(g, data, add64(g, h, 16));
        LLVMValueRef wi = LLVMBuildLShr(g->b, gi, c64(g, 6), "");
        LLVMValueRef word =
            load(g, g->i64, LLVMBuildInBoundsGEP2(g->b, g->i64, g->globbits, &wi, 1, ""));
        LLVMValueRef bit = LLVMBuildAnd(
            g->b, LLVMBuildLShr(g->b, word, LLVMBuildAnd(g->b, gi, c64(g, 63), ""), ""), c64(g, 1),
            "");
        LLVMValueRef mm = load_at(g, data, add64(g, h, 8), g->i64);
        LLVMValueRef mok = LLVMBuildOr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, mm, c64(g, 0), ""),
                                       mask_test_v(g, load(g, g->i64, g->mmask), mm), "");
        LLVMValueRef hit =
            LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntNE, bit, c64(g, 0), ""), mok, "");
        LLVMValueRef hdeny =
            LLVMBuildICmp(g->b, LLVMIntNE, u32_at(g, data, add64(g, h, 20)), c64(g, 0), "");
        keep_min_v(g, LLVMBuildSelect(g->b, hdeny, g->hdeny, g->hallow, ""), hit,
                   load_at(g, data, h, g->i64));
        LLVMBuildBr(g->b, hstep);
        LLVMPositionBuilderAtEnd(g->b, exit);
        LLVMBuildRetVoid(g->b);
        g->check_fn = fn;
}

/* The candidate list of rules (table indices, increasing), NO_REF when
 * empty.  special: the prefix of the address's special range (-1: none)
 * where it is known here (an address leaf), -2 where it is the variable
 * (hosts). */
static uint32_t candidate_list(gen *g, const int *rules, int n, int special)
{
        if (!n)
                return NO_REF;
        int *v = xrealloc(NULL, sizeof(int) * (size_t)n);
        for (int i = 0; i < n; i++) {
                const oshb_proxy_rule *r = &g->px->rules[rules[i]];
                bool passes = special < 0 || (r->is_ip && r->prefix >= special);
                v[i] = rules[i] << 1 | (special != -2 && passes);
        }
        uint32_t off = list_offset(g, v, n);
        free(v);
        return off;
}

/* Fold a candidate list into the keys: a call of check. */
static void emit_check(gen *g, uint32_t list, bool dyn)
{
        LLVMValueRef args[3] = {g->st, c32(g, list), LLVMConstInt(g->i1, dyn, 0)};
        LLVMBuildCall2(g->b, g->check_fty, g->check_fn, args, 3, "");
}

/* emit_check of the list read from the data (an i64 offset, NO_REF:
 * none), then on at out. */
static void emit_check_at(gen *g, LLVMValueRef list, bool dyn, LLVMBasicBlockRef out)
{
        LLVMBasicBlockRef check = block(g, "check");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, list, c64(g, NO_REF), ""), check, out);
        LLVMPositionBuilderAtEnd(g->b, check);
        LLVMValueRef args[3] = {g->st, LLVMBuildTrunc(g->b, list, g->i32, ""),
                                LLVMConstInt(g->i1, dyn, 0)};
        LLVMBuildCall2(g->b, g->check_fty, g->check_fn, args, 3, "");
        LLVMBuildBr(g->b, out);
}

static void emit_candidates(gen *g, const int *rules, int n, int special)
{
        uint32_t list = candidate_list(g, rules, n, special);
        if (list != NO_REF)
                emit_check(g, list, special == -2);
}

/* ---- addresses: a comparison tree over the 128-bit address ---- */

typedef unsigned __int128 u128;

static u128 addr_value(const uint8_t a[16])
{
        u128 v = 0;
        for (int i = 0; i < 16; i++)
                v = v << 8 | a[i];
        return v;
}

static u128 prefix_mask(int prefix)
{
        return prefix <= 0 ? 0 : ~(u128)0 << (128 - prefix);
}

/* proxy_match.c pm_special_range's list: base (IPv4-mapped) and prefix. */
static const struct {
        uint8_t addr[16];
        int prefix;
} special_nets[] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0}, 104},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254, 0, 0}, 112},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0}, 104},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 16, 0, 0}, 108},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 0, 0}, 112},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 100, 64, 0, 0}, 106},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, 104},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
    {{0}, 128},
    {{0xfc}, 7},
    {{0xfe, 0x80}, 10},
};
#define NSPECIAL ((int)(sizeof(special_nets) / sizeof(special_nets[0])))

typedef struct range {
        u128 lo, hi;
        int rule; /* table index, or -1 - k for special range k */
} range;

static int cmp_u128(const void *a, const void *b)
{
        u128 x = *(const u128 *)a, y = *(const u128 *)b;
        return (x > y) - (x < y);
}

static int cmp_range_lo(const void *a, const void *b)
{
        const range *x = a, *y = b;
        if (x->lo != y->lo)
                return x->lo > y->lo ? 1 : -1;
        return (x->rule > y->rule) - (x->rule < y->rule);
}

static LLVMValueRef c128(gen *g, u128 v)
{
        uint64_t w[2] = {(uint64_t)v, (uint64_t)(v >> 64)};
        return LLVMConstIntOfArbitraryPrecision(g->i128, 2, w);
}

typedef struct iptree {
        u128 *start; /* the first address of each interval, increasing */
        int *leaf;   /* its leaf id */
        int n;
        setpool *leaves;        /* each leaf: its rules, then -2 - special prefix */
        LLVMBasicBlockRef *lb;  /* the leaf's block, once made */
        LLVMBasicBlockRef cont; /* where a leaf goes on */
        LLVMValueRef search_fn; /* void (state *, i128 addr, i32 lo, i32 hi) */
        LLVMTypeRef search_fty;
} iptree;

/* A tree of more than lm_tree_part intervals is code down to subtrees of
 * fewer, each a binary search over its intervals in the data
 * (addr_search): LLVM's cost grows with the code, the search costs a few
 * more comparisons. */
int lm_tree_part = 256;

/* The intervals in the data, then the search over them: u128 start of
 * each interval (high u64, low u64), then per interval u32 its candidate
 * list (NO_REF: none) and u32 1 when it is in a special range.  The
 * search gets the bounds [lo, hi] of a subtree, whose first start the
 * address is at or above. */
static void emit_search_fn(gen *g, iptree *t)
{
        uint32_t starts = data_alloc(g, 16 * (size_t)t->n);
        uint32_t leaves = data_alloc(g, 8 * (size_t)t->n);
        for (int i = 0; i < t->n; i++) {
                const ivec *k = &t->leaves->sets[t->leaf[i]];
                int special = -2 - k->v[k->n - 1];
                uint32_t list = candidate_list(g, k->v, k->n - 1, special);
                uint8_t *d = g->gd->data;
                put64(d + starts + 16 * (size_t)i, (uint64_t)(t->start[i] >> 64));
                put64(d + starts + 16 * (size_t)i + 8, (uint64_t)t->start[i]);
                put32(d + leaves + 8 * (size_t)i, list);
                put32(d + leaves + 8 * (size_t)i + 4, special >= 0);
        }
        gen saved = *g;
        LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
        LLVMValueRef fn = new_function(g, "addr_search", t->search_fty, true);
        bind_state(g, LLVMGetParam(fn, 0));
        LLVMValueRef data = load(g, g->p8, state_field(g, F_DATA));
        LLVMValueRef addr = LLVMGetParam(fn, 1);
        LLVMValueRef lov =
            var(g, g->i64, LLVMBuildZExt(g->b, LLVMGetParam(fn, 2), g->i64, ""), "lo");
        LLVMValueRef hiv =
            var(g, g->i64, LLVMBuildZExt(g->b, LLVMGetParam(fn, 3), g->i64, ""), "hi");
        LLVMBasicBlockRef head = block(g, "head"), body = block(g, "body"),
                          found = block(g, "found");
        LLVMBasicBlockRef below = block(g, "below"), above = block(g, "above");
        LLVMBasicBlockRef out = block(g, "out");
        LLVMBuildBr(g->b, head);
        LLVMPositionBuilderAtEnd(g->b, head);
        LLVMValueRef lo = load(g, g->i64, lov), hi = load(g, g->i64, hiv);
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, lo, hi, ""), body, found);
        LLVMPositionBuilderAtEnd(g->b, body);
        LLVMValueRef mid =
            LLVMBuildLShr(g->b, add64(g, LLVMBuildAdd(g->b, lo, hi, ""), 1), c64(g, 1), "");
        LLVMValueRef at = add64(g, LLVMBuildShl(g->b, mid, c64(g, 4), ""), starts);
        LLVMValueRef high = LLVMBuildZExt(g->b, load_at(g, data, at, g->i64), g->i128, "");
        LLVMValueRef low =
            LLVMBuildZExt(g->b, load_at(g, data, add64(g, at, 8), g->i64), g->i128, "");
        LLVMValueRef start = LLVMBuildOr(g->b, LLVMBuildShl(g->b, high, c128(g, 64), ""), low, "");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, addr, start, ""), below, above);
        LLVMPositionBuilderAtEnd(g->b, below);
        LLVMBuildStore(g->b, LLVMBuildSub(g->b, mid, c64(g, 1), ""), hiv);
        LLVMBuildBr(g->b, head);
        LLVMPositionBuilderAtEnd(g->b, above);
        LLVMBuildStore(g->b, mid, lov);
        LLVMBuildBr(g->b, head);
        LLVMPositionBuilderAtEnd(g->b, found);
        LLVMValueRef leaf = add64(g, LLVMBuildShl(g->b, lo, c64(g, 3), ""), leaves);
        LLVMValueRef list = u32_at(g, data, leaf);
        LLVMValueRef sp = u32_at(g, data, add64(g, leaf, 4));
        LLVMBuildStore(g->b, LLVMBuildTrunc(g->b, sp, g->i8, ""), g->special);
        emit_check_at(g, list, false, out);
        LLVMPositionBuilderAtEnd(g->b, out);
        LLVMBuildRetVoid(g->b);
        int states = g->dfa_states;
        *g = saved;
        g->dfa_states = states;
        if (here)
                LLVMPositionBuilderAtEnd(g->b, here);
        t->search_fn = fn;
}

static LLVMBasicBlockRef leaf_block(gen *g, iptree *t, int l)
{
        if (t->lb[l])
                return t->lb[l];
        LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
        const ivec *k = &t->leaves->sets[l];
        int special = -2 - k->v[k->n - 1];
        t->lb[l] = block(g, "leaf");
        LLVMPositionBuilderAtEnd(g->b, t->lb[l]);
        LLVMBuildStore(g->b, LLVMConstInt(g->i8, special >= 0, 0), g->special);
        emit_candidates(g, k->v, k->n - 1, special);
        LLVMBuildBr(g->b, t->cont);
        LLVMPositionBuilderAtEnd(g->b, here);
        return t->lb[l];
}

static void emit_tree(gen *g, iptree *t, LLVMValueRef addr, int lo, int hi, bool top)
{
        if (lo == hi) {
                LLVMBuildBr(g->b, leaf_block(g, t, t->leaf[lo]));
                return;
        }
        if (top && hi - lo < lm_tree_part && t->n > lm_tree_part) { /* this subtree: data */
                LLVMValueRef args[4] = {g->st, addr, c32(g, (uint32_t)lo), c32(g, (uint32_t)hi)};
                LLVMBuildCall2(g->b, t->search_fty, t->search_fn, args, 4, "");
                LLVMBuildBr(g->b, t->cont);
                return;
        }
        int mid = lo + (hi - lo + 1) / 2;
        LLVMBasicBlockRef left = block(g, "lt"), right = block(g, "ge");
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, addr, c128(g, t->start[mid]), ""),
                        left, right);
        LLVMPositionBuilderAtEnd(g->b, left);
        emit_tree(g, t, addr, lo, mid - 1, top);
        LLVMPositionBuilderAtEnd(g->b, right);
        emit_tree(g, t, addr, mid, hi, top);
}

/* The intervals between every range boundary, each with the address rules
 * containing it (in table order) and its special range; one leaf per
 * distinct pair, adjacent equal intervals merged. */
static void emit_addresses(gen *g, LLVMValueRef addr, LLVMBasicBlockRef cont)
{
        const oshb_proxy *px = g->px;
        int nr = 0;
        range *rs = xrealloc(NULL, sizeof(range) * ((size_t)px->nrules + NSPECIAL));
        for (int k = 0; k < NSPECIAL; k++) {
                u128 m = prefix_mask(special_nets[k].prefix);
                u128 lo = addr_value(special_nets[k].addr) & m;
                rs[nr++] = (range){lo, lo | ~m, -1 - k};
        }
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                if (!r->is_ip)
                        continue;
                u128 m = prefix_mask(r->prefix);
                u128 lo = addr_value(r->addr) & m;
                rs[nr++] = (range){lo, lo | ~m, (int)i};
        }
        u128 *pts = xrealloc(NULL, sizeof(u128) * (size_t)(2 * nr + 1));
        int np = 0;
        pts[np++] = 0;
        for (int i = 0; i < nr; i++) {
                pts[np++] = rs[i].lo;
                if (rs[i].hi != ~(u128)0)
                        pts[np++] = rs[i].hi + 1;
        }
        qsort(pts, (size_t)np, sizeof(u128), cmp_u128);
        int w = 1;
        for (int i = 1; i < np; i++)
                if (pts[i] != pts[w - 1])
                        pts[w++] = pts[i];
        np = w;
        qsort(rs, (size_t)nr, sizeof(range), cmp_range_lo);
        /* sweep: the active ranges (nested or disjoint: CIDRs) */
        ivec active = {0}, key = {0};
        setpool leaves = {0};
        iptree t;
        memset(&t, 0, sizeof(t));
        t.start = xrealloc(NULL, sizeof(u128) * (size_t)np);
        t.leaf = xrealloc(NULL, sizeof(int) * (size_t)np);
        int next = 0;
        for (int k = 0; k < np; k++) {
                u128 at = pts[k];
                int wr = 0;
                for (int i = 0; i < active.n; i++) /* drop the ranges that ended */
                        if (rs[active.v[i]].hi >= at)
                                active.v[wr++] = active.v[i];
                active.n = wr;
                for (; next < nr && rs[next].lo == at; next++)
                        iv_push(&active, next);
                key.n = 0;
                int special = -1;
                for (int i = 0; i < active.n; i++) {
                        const range *r = &rs[active.v[i]];
                        if (r->rule >= 0)
                                iv_push(&key, r->rule);
                        else
                                special = special_nets[-1 - r->rule].prefix;
                }
                iv_sort_unique(&key);
                iv_push(&key, -2 - special); /* last: the special prefix, negative */
                int leaf = sp_intern(&leaves, key.v, key.n);
                if (t.n && t.leaf[t.n - 1] == leaf)
                        continue;
                t.start[t.n] = at;
                t.leaf[t.n++] = leaf;
        }
        t.leaves = &leaves;
        t.lb = calloc((size_t)leaves.n + 1, sizeof(LLVMBasicBlockRef));
        if (!t.lb)
                abort();
        t.cont = cont;
        LLVMTypeRef pp[4] = {LLVMPointerType(g->state_t, 0), g->i128, g->i32, g->i32};
        t.search_fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), pp, 4, 0);
        if (t.n > lm_tree_part)
                emit_search_fn(g, &t);
        emit_tree(g, &t, addr, 0, t.n - 1, true);
        LLVMPositionBuilderAtEnd(g->b, cont);
        free(t.lb);
        free(t.start);
        free(t.leaf);
        sp_free(&leaves);
        free(active.v);
        free(key.v);
        free(pts);
        free(rs);
}

/* ---- the function ---- */

#define OFF(f) offsetof(struct osh_native_req, f)

static uint64_t result(int reason, uint32_t rule, bool allowed)
{
        return (uint64_t)reason << 32 | rule | (allowed ? OSH_NATIVE_ALLOWED : 0);
}

/* reason, the rule id of key (its low half), allowed. */
static LLVMValueRef result_of(gen *g, int reason, LLVMValueRef key, bool allowed)
{
        LLVMValueRef id = LLVMBuildAnd(g->b, key, c64(g, 0xffffffffu), "");
        return LLVMBuildOr(g->b, id, c64(g, result(reason, 0, allowed)), "");
}

static LLVMValueRef is_set(gen *g, LLVMValueRef key)
{
        return LLVMBuildICmp(g->b, LLVMIntNE, key, c64(g, UINT64_MAX), "");
}

/* The verdict from the keys, as pm_decide_connect and pm_decide_http. */
static void emit_verdict(gen *g)
{
        LLVMValueRef deny = load(g, g->i64, g->deny), plain = load(g, g->i64, g->plain);
        LLVMValueRef l7r = load(g, g->i64, g->l7r), refused = load(g, g->i64, g->refused);
        LLVMValueRef hdeny = load(g, g->i64, g->hdeny), hallow = load(g, g->i64, g->hallow);
        LLVMValueRef conn =
            LLVMBuildSelect(g->b, is_set(g, plain), result_of(g, OSH_NR_ALLOW_CONNECT, plain, true),
                            result_of(g, OSH_NR_TUNNEL_HAS_L7, l7r, false), "");
        LLVMValueRef http =
            LLVMBuildSelect(g->b, is_set(g, hallow), result_of(g, OSH_NR_ALLOW_HTTP, hallow, true),
                            result_of(g, OSH_NR_NO_ALLOW_HTTP, l7r, false), "");
        http = LLVMBuildSelect(g->b, is_set(g, plain),
                               result_of(g, OSH_NR_ALLOW_PLAIN_HTTP, plain, true), http, "");
        http = LLVMBuildSelect(g->b, is_set(g, hdeny), result_of(g, OSH_NR_DENY_HTTP, hdeny, false),
                               http, "");
        LLVMValueRef res = LLVMBuildSelect(g->b, g->http, http, conn, "");
        LLVMValueRef none =
            LLVMBuildNot(g->b, LLVMBuildOr(g->b, is_set(g, plain), is_set(g, l7r), ""), "");
        LLVMValueRef refusal =
            LLVMBuildSelect(g->b, is_set(g, refused), result_of(g, OSH_NR_SPECIAL, refused, false),
                            c64(g, result(OSH_NR_NO_ALLOW, 0xffffffffu, false)), "");
        res = LLVMBuildSelect(g->b, none, refusal, res, "");
        res = LLVMBuildSelect(g->b, is_set(g, deny), result_of(g, OSH_NR_DENY_CONNECT, deny, false),
                              res, "");
        LLVMBuildRet(g->b, res);
}

/* The caller's binary, then (with `and children` rules) each ancestor,
 * through the DFA of the literal `from` binaries. */
static bool emit_binaries(gen *g)
{
        nfa a = {0};
        for (int i = 0; i < g->lits.n; i++)
                nfa_add_literal(&a, g->lits.s[i], i);
        bool ok = true;
        LLVMValueRef bin = field(g, OFF(binary), g->p8);
        LLVMBasicBlockRef run = block(g, "self"), done = block(g, "self_done");
        LLVMBuildCondBr(g->b, LLVMBuildIsNotNull(g->b, bin, ""), run, done);
        LLVMPositionBuilderAtEnd(g->b, run);
        LLVMValueRef len = LLVMBuildZExt(g->b, field(g, OFF(binary_len), g->i32), g->i64, "");
        ok = run_automaton(g, &a, bin, len, false, ACC_SELF_BIN, done);
        if (ok && g->nabits) {
                LLVMValueRef n = LLVMBuildZExt(g->b, field(g, OFF(nancestors), g->i16), g->i32, "");
                LLVMValueRef max = c32(g, OSH_NATIVE_MAX_ANCESTORS);
                n = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntULT, n, max, ""), n, max, "");
                LLVMBuildStore(g->b, c32(g, 0), g->j);
                LLVMBasicBlockRef head = block(g, "anc"), body = block(g, "anc_body");
                LLVMBasicBlockRef scan = block(g, "anc_scan"), next = block(g, "anc_next");
                LLVMBasicBlockRef end = block(g, "anc_done");
                LLVMBuildBr(g->b, head);
                LLVMPositionBuilderAtEnd(g->b, head);
                LLVMValueRef j = load(g, g->i32, g->j);
                LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, j, n, ""), body, end);
                LLVMPositionBuilderAtEnd(g->b, body);
                LLVMValueRef jj = LLVMBuildZExt(g->b, j, g->i64, "");
                LLVMValueRef p = field_at(g, OFF(ancestors), g->p8, jj);
                LLVMValueRef l =
                    LLVMBuildZExt(g->b, field_at(g, OFF(ancestor_len), g->i32, jj), g->i64, "");
                LLVMBuildCondBr(g->b, LLVMBuildIsNotNull(g->b, p, ""), scan, next);
                LLVMPositionBuilderAtEnd(g->b, scan);
                ok = run_automaton(g, &a, p, l, false, ACC_ANC_BIN, next);
                LLVMValueRef j1 = LLVMBuildAdd(g->b, load(g, g->i32, g->j), c32(g, 1), "");
                LLVMBuildStore(g->b, j1, g->j);
                LLVMBuildBr(g->b, head);
                LLVMPositionBuilderAtEnd(g->b, end);
        }
        nfa_free(&a);
        return ok;
}

/* For plain HTTP: the method's bit and the bits of the globs the
 * (normalized) path matches. */
static bool emit_http(gen *g)
{
        LLVMBasicBlockRef run = block(g, "http"), done = block(g, "http_done");
        LLVMBuildCondBr(g->b, g->http, run, done);
        LLVMPositionBuilderAtEnd(g->b, run);
        bool ok = true;
        if (g->methods.n) {
                nfa a = {0};
                for (int i = 0; i < g->methods.n; i++)
                        nfa_add_literal(&a, g->methods.s[i], i);
                LLVMBasicBlockRef m = block(g, "method_done");
                LLVMValueRef p = field(g, OFF(method), g->p8);
                LLVMValueRef l = LLVMBuildZExt(g->b, field(g, OFF(method_len), g->i32), g->i64, "");
                ok = run_automaton(g, &a, p, l, false, ACC_METHOD, m);
                nfa_free(&a);
        }
        if (ok) {
                nfa a = {0};
                for (int i = 0; i < g->globs.n; i++)
                        nfa_add_glob(&a, g->globs.s[i], i);
                LLVMValueRef p = field(g, OFF(path), g->p8);
                LLVMValueRef l = LLVMBuildZExt(g->b, field(g, OFF(path_len), g->i32), g->i64, "");
                ok = run_automaton(g, &a, p, l, false, ACC_GLOB, done);
                nfa_free(&a);
        }
        return ok;
}

/* ---- host names: a DFA over labels, as data ----
 *
 * A host pattern (pm_host_matches) is a sequence of labels: literal ones,
 * "*" (any one label) and leading "**." (one or more labels).  Over a host
 * in normal form (no empty label, no trailing dot) that is a regular
 * language over labels, so the automaton reads the host's labels right to
 * left, one symbol each: a literal label of the patterns, or "another
 * label".  A step is then a label, not a byte: a name of five labels
 * takes five steps whatever its length, and the automaton is data, so
 * LLVM compiles none of it.
 *
 * While it reads a label's bytes, right to left, the code keeps two words:
 * w = w << 8 | byte (so w ends as the label's first 8 bytes,
 * little-endian, zero-padded) and x = rotl(x, 11) ^ byte.  Each state is a
 * record of 16 bytes followed by its own hash table of the labels it
 * names (the records laid out depth first from the start, so that a name's
 * states lie near each other and each step reads one or two cache lines):
 *
 *   state: u32 the candidate list when the name ends here (NO_REF: none),
 *     u32 the state after a label it does not name (NO_REF: no match),
 *     u32 the table's mask (its slots less one; NO_REF: no table), u32 0;
 *     a state is the offset of its record, the start the first
 *   slot (16 bytes): u64 the label's w, u32 the state after it (NO_REF: no
 *     match), u32 its length | the offset of its bytes / 8 << 8 (the bytes
 *     of a label over 8 bytes, compared one by one; length 0: an empty
 *     slot); the search starts at (x ^ length << 56) * SLOT_MULT >> 32 & mask
 *     and goes on to the next slot
 *
 * Labels over 255 bytes, and the empty label, are in no host in normal
 * form: they name no slot.  lm_weak_hashes (tests) puts every label of a
 * state on one slot, so that every probe and comparison path runs. */

int lm_weak_hashes = 0;

#define SLOT_MULT 0x9e3779b97f4a7c15ull
#define LABEL_MAX 255
#define ROT 11

static uint64_t slot_mult(void)
{
        return lm_weak_hashes ? 0 : SLOT_MULT;
}

/* w and x of label s[0..n) (see above). */
static void label_words(const char *s, size_t n, uint64_t *w, uint64_t *x)
{
        *w = *x = 0;
        while (n) {
                uint8_t b = (uint8_t)s[--n];
                *w = *w << 8 | b;
                *x = (*x << ROT | *x >> (64 - ROT)) ^ b;
        }
}

static uint32_t label_slot(uint64_t x, size_t n, uint32_t mask)
{
        return (uint32_t)(((x ^ (uint64_t)n << 56) * slot_mult()) >> 32) & mask;
}

/* The id of the literal label s[0..n), added when new. */
static int label_id(gen *g, const char *s, size_t n)
{
        char *l = strndup(s, n);
        if (!l)
                abort();
        int before = g->labels.n;
        int id = st_index(&g->labels, l);
        if (g->labels.n == before)
                free(l);
        return id;
}

/* Host pattern id, its labels right to left: a literal label is an edge
 * on its id, "*" an edge on any label, each leading "**." one or more
 * labels. */
static void nfa_add_host(gen *g, nfa *a, const char *pat, int id)
{
        int globstars = 0;
        while (!strncmp(pat, "**.", 3)) {
                globstars++;
                pat += 3;
        }
        int n = nfa_node(a);
        iv_push(&a->starts, n);
        size_t end = strlen(pat);
        for (;;) {
                size_t start = end;
                while (start > 0 && pat[start - 1] != '.')
                        start--;
                int m = nfa_node(a);
                if (end - start == 1 && pat[start] == '*')
                        nfa_edge(a, n, E_ANY, 0, m);
                else
                        nfa_edge(a, n, E_BYTE, label_id(g, pat + start, end - start), m);
                n = m;
                if (start == 0)
                        break;
                end = start - 1;
        }
        for (int k = 0; k < globstars; k++) {
                int any = nfa_node(a);
                nfa_edge(a, n, E_ANY, 0, any);
                nfa_edge(a, any, E_ANY, 0, any);
                n = any;
        }
        iv_push(&a->nodes[n].acc, id);
}

/* Whether label id can be in a host in normal form. */
static bool label_named(const gen *g, int id)
{
        size_t n = strlen(g->labels.s[id]);
        return n > 0 && n <= LABEL_MAX;
}

/* The slots of a state naming n labels: a power of two, at least 1.5 n
 * and over n, so that every search meets an empty slot (0: none). */
static uint32_t state_slots(int n)
{
        if (!n)
                return 0;
        uint32_t c = 1;
        while (c <= (uint32_t)n || c < (uint32_t)n + (uint32_t)n / 2)
                c <<= 1;
        return c;
}

/* Lay out d's states (see above), the start's offset in *start; false
 * when the data is too large for the slots' offsets. */
static bool host_data(gen *g, const dfa *d, uint32_t *start)
{
        uint32_t *rec = xrealloc(NULL, sizeof(uint32_t) * ((size_t)g->labels.n + 1));
        for (int i = 0; i < g->labels.n; i++) { /* the bytes of long labels */
                size_t n = strlen(g->labels.s[i]);
                rec[i] = 0;
                if (n > 8 && n <= LABEL_MAX) {
                        rec[i] = data_alloc(g, n);
                        memcpy(g->gd->data + rec[i], g->labels.s[i], n);
                }
        }
        uint32_t *acc = xrealloc(NULL, sizeof(uint32_t) * (size_t)d->n);
        int *named = xrealloc(NULL, sizeof(int) * (size_t)d->n);
        for (int i = 0; i < d->n; i++) { /* host_list adds to the data */
                acc[i] = d->st[i].acc >= 0 ? host_list(g, &d->accs.sets[d->st[i].acc]) : NO_REF;
                named[i] = 0;
                for (int k = 0; k < d->st[i].nbytes; k++)
                        named[i] += label_named(g, d->st[i].bytes[k]);
        }
        /* offsets, depth first from the start */
        uint32_t *off = xrealloc(NULL, sizeof(uint32_t) * (size_t)d->n);
        int *stack = xrealloc(NULL, sizeof(int) * (size_t)d->n), sp = 0;
        for (int i = 0; i < d->n; i++)
                off[i] = NO_REF;
        size_t at = 0;
        for (int root = 0; root < d->n; root++) { /* the start, then any unreached */
                if (off[root] != NO_REF)
                        continue;
                off[root] = (uint32_t)at; /* the start's: 0 */
                at += 16 + 16 * (size_t)state_slots(named[root]);
                stack[sp++] = root;
                while (sp) {
                        const dstate *st = &d->st[stack[--sp]];
                        for (int k = st->nbytes; k >= 0; k--) {
                                int t = k == st->nbytes ? st->other : st->to[k];
                                if (t >= 0 && off[t] == NO_REF) {
                                        off[t] = (uint32_t)at;
                                        at += 16 + 16 * (size_t)state_slots(named[t]);
                                        stack[sp++] = t;
                                }
                        }
                }
        }
        uint32_t base = data_alloc(g, at);
        *start = base;
        bool ok = (size_t)base + at < ((size_t)1 << 32) && g->gd->dlen < ((size_t)1 << 27);
        for (int i = 0; ok && i < d->n; i++) {
                const dstate *st = &d->st[i];
                uint8_t *p = g->gd->data + base + off[i];
                uint32_t slots = state_slots(named[i]);
                put32(p, acc[i]);
                put32(p + 4, st->other >= 0 ? base + off[st->other] : NO_REF);
                put32(p + 8, slots ? slots - 1 : NO_REF);
                for (int k = 0; k < st->nbytes; k++) {
                        int id = st->bytes[k];
                        if (!label_named(g, id))
                                continue;
                        const char *s = g->labels.s[id];
                        size_t n = strlen(s);
                        uint64_t w, x;
                        label_words(s, n, &w, &x);
                        uint32_t slot = label_slot(x, n, slots - 1);
                        while (p[16 + 16 * slot + 12]) /* a length: taken */
                                slot = (slot + 1) & (slots - 1);
                        uint8_t *e = p + 16 + 16 * (size_t)slot;
                        put64(e, w);
                        put32(e + 8, st->to[k] >= 0 ? base + off[st->to[k]] : NO_REF);
                        put32(e + 12, (uint32_t)n | rec[id] / 8 << 8);
                }
        }
        free(rec);
        free(acc);
        free(named);
        free(off);
        free(stack);
        if (!ok)
                gen_fail(g, "the host automaton's data is over 128 MB");
        return ok;
}

static LLVMValueRef eq64(gen *g, LLVMValueRef a, LLVMValueRef b)
{
        return LLVMBuildICmp(g->b, LLVMIntEQ, a, b, "");
}

/* The host side: the label automaton over the host's labels, right to
 * left, then the candidate list of the state it ends in. */
static bool emit_hosts(gen *g, LLVMValueRef flags)
{
        nfa a = {0};
        for (int i = 0; i < g->hosts.n; i++)
                nfa_add_host(g, &a, g->hosts.s[i], i);
        dfa d;
        bool ok = dfa_build(&d, &a);
        nfa_free(&a);
        uint32_t first = 0;
        if (!ok)
                gen_fail(g, "%s", d.error);
        else
                ok = host_data(g, &d, &first);
        g->dfa_states += d.n;
        dfa_free(&d);
        if (!ok)
                return false;

        /* the variables first, in the entry block (mem2reg promotes them) */
        LLVMValueRef data = load(g, g->p8, state_field(g, F_DATA));
        LLVMValueRef host = field(g, OFF(host), g->p8);
        LLVMValueRef pos =
            var(g, g->i64, LLVMBuildZExt(g->b, field(g, OFF(host_len), g->i32), g->i64, ""), "pos");
        LLVMValueRef sv = var(g, g->i64, c64(g, first), "s");
        LLVMValueRef iv = var(g, g->i64, NULL, "i"), wv = var(g, g->i64, NULL, "w");
        LLVMValueRef xv = var(g, g->i64, NULL, "x"), slotv = var(g, g->i64, NULL, "slot");
        LLVMValueRef jv = var(g, g->i64, NULL, "j"), nxv = var(g, g->i64, NULL, "next");
        LLVMValueRef none = c64(g, NO_REF);
        LLVMBasicBlockRef run = block(g, "host"), done = block(g, "host_done");
        LLVMBuildCondBr(g->b, mask_test(g, flags, OSH_NATIVE_HOST_IS_IP), done, run);
        LLVMPositionBuilderAtEnd(g->b, run);
        LLVMBasicBlockRef head = block(g, "head"), accept = block(g, "accept");
        LLVMBasicBlockRef label = block(g, "label"), hl = block(g, "read"), hb = block(g, "byte");
        LLVMBasicBlockRef hstep = block(g, "byte_in"), hdone = block(g, "label_read");
        LLVMBasicBlockRef tinit = block(g, "table"), tl = block(g, "probe");
        LLVMBasicBlockRef tl2 = block(g, "slot"), tl3 = block(g, "same_w");
        LLVMBasicBlockRef tnext = block(g, "next_slot"), tfound = block(g, "found");
        LLVMBasicBlockRef lcmp0 = block(g, "long"), lcmp = block(g, "cmp"),
                          lcmpb = block(g, "cmp_byte"), cstep = block(g, "cmp_step");
        LLVMBasicBlockRef tdone = block(g, "stepped"), adv = block(g, "advance");
        LLVMBuildBr(g->b, head);

        /* head: at the host's start, the state's candidates; else a label */
        LLVMPositionBuilderAtEnd(g->b, head);
        LLVMValueRef p = load(g, g->i64, pos);
        LLVMBuildCondBr(g->b, eq64(g, p, c64(g, 0)), accept, label);
        LLVMPositionBuilderAtEnd(g->b, label);
        LLVMBuildStore(g->b, p, iv);
        LLVMBuildStore(g->b, c64(g, 0), wv);
        LLVMBuildStore(g->b, c64(g, 0), xv);
        LLVMBuildBr(g->b, hl);
        /* the label's bytes back to a dot or the start: w and x */
        LLVMPositionBuilderAtEnd(g->b, hl);
        LLVMValueRef i = load(g, g->i64, iv);
        LLVMBuildCondBr(g->b, eq64(g, i, c64(g, 0)), hdone, hb);
        LLVMPositionBuilderAtEnd(g->b, hb);
        LLVMValueRef at = LLVMBuildSub(g->b, i, c64(g, 1), "");
        LLVMValueRef byte = LLVMBuildZExt(
            g->b, load(g, g->i8, LLVMBuildInBoundsGEP2(g->b, g->i8, host, &at, 1, "")), g->i64, "");
        LLVMBuildCondBr(g->b, eq64(g, byte, c64(g, '.')), hdone, hstep);
        LLVMPositionBuilderAtEnd(g->b, hstep);
        LLVMValueRef w0 = load(g, g->i64, wv), x0 = load(g, g->i64, xv);
        LLVMBuildStore(g->b, LLVMBuildOr(g->b, LLVMBuildShl(g->b, w0, c64(g, 8), ""), byte, ""),
                       wv);
        LLVMValueRef rot = LLVMBuildOr(g->b, LLVMBuildShl(g->b, x0, c64(g, ROT), ""),
                                       LLVMBuildLShr(g->b, x0, c64(g, 64 - ROT), ""), "");
        LLVMBuildStore(g->b, LLVMBuildXor(g->b, rot, byte, ""), xv);
        LLVMBuildStore(g->b, at, iv);
        LLVMBuildBr(g->b, hl);
        /* the state after it: its slot in the state's table, else other */
        LLVMPositionBuilderAtEnd(g->b, hdone);
        LLVMValueRef start = load(g, g->i64, iv);
        LLVMValueRef len = LLVMBuildSub(g->b, p, start, "");
        LLVMValueRef w = load(g, g->i64, wv), x = load(g, g->i64, xv);
        LLVMValueRef s = load(g, g->i64, sv);
        LLVMBuildStore(g->b, u32_at(g, data, add64(g, s, 4)), nxv);
        LLVMValueRef mask = u32_at(g, data, add64(g, s, 8));
        LLVMBuildCondBr(g->b, eq64(g, mask, none), tdone, tinit);
        LLVMPositionBuilderAtEnd(g->b, tinit);
        LLVMValueRef h = LLVMBuildXor(g->b, x, LLVMBuildShl(g->b, len, c64(g, 56), ""), "");
        h = LLVMBuildLShr(g->b, LLVMBuildMul(g->b, h, c64(g, slot_mult()), ""), c64(g, 32), "");
        LLVMBuildStore(g->b, LLVMBuildAnd(g->b, h, mask, ""), slotv);
        LLVMBuildBr(g->b, tl);
        LLVMPositionBuilderAtEnd(g->b, tl);
        LLVMValueRef sl = load(g, g->i64, slotv);
        LLVMValueRef e =
            LLVMBuildAdd(g->b, s, LLVMBuildShl(g->b, add64(g, sl, 1), c64(g, 4), ""), "");
        LLVMValueRef lr = u32_at(g, data, add64(g, e, 12));
        LLVMValueRef elen = LLVMBuildAnd(g->b, lr, c64(g, 0xff), "");
        LLVMBuildCondBr(g->b, eq64(g, elen, c64(g, 0)), tdone, tl2);
        LLVMPositionBuilderAtEnd(g->b, tl2);
        LLVMValueRef same =
            LLVMBuildAnd(g->b, eq64(g, elen, len), eq64(g, load_at(g, data, e, g->i64), w), "");
        LLVMBuildCondBr(g->b, same, tl3, tnext);
        LLVMPositionBuilderAtEnd(g->b, tl3);
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULE, len, c64(g, 8), ""), tfound, lcmp0);
        /* a label over 8 bytes: the rest compared byte by byte */
        LLVMPositionBuilderAtEnd(g->b, lcmp0);
        LLVMValueRef r = LLVMBuildShl(g->b, LLVMBuildLShr(g->b, lr, c64(g, 8), ""), c64(g, 3), "");
        LLVMBuildStore(g->b, c64(g, 8), jv);
        LLVMBuildBr(g->b, lcmp);
        LLVMPositionBuilderAtEnd(g->b, lcmp);
        LLVMValueRef j = load(g, g->i64, jv);
        LLVMBuildCondBr(g->b, eq64(g, j, len), tfound, lcmpb);
        LLVMPositionBuilderAtEnd(g->b, lcmpb);
        LLVMValueRef hj = LLVMBuildAdd(g->b, start, j, "");
        LLVMValueRef b1 = load(g, g->i8, LLVMBuildInBoundsGEP2(g->b, g->i8, host, &hj, 1, ""));
        LLVMValueRef b2 = load_at(g, data, LLVMBuildAdd(g->b, r, j, ""), g->i8);
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, b1, b2, ""), cstep, tnext);
        LLVMPositionBuilderAtEnd(g->b, cstep);
        LLVMBuildStore(g->b, add64(g, j, 1), jv);
        LLVMBuildBr(g->b, lcmp);
        LLVMPositionBuilderAtEnd(g->b, tnext);
        LLVMBuildStore(g->b, LLVMBuildAnd(g->b, add64(g, sl, 1), mask, ""), slotv);
        LLVMBuildBr(g->b, tl);
        LLVMPositionBuilderAtEnd(g->b, tfound);
        LLVMBuildStore(g->b, u32_at(g, data, add64(g, e, 8)), nxv);
        LLVMBuildBr(g->b, tdone);
        LLVMPositionBuilderAtEnd(g->b, tdone);
        LLVMValueRef nx = load(g, g->i64, nxv);
        LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, nx, none, ""), adv, done);
        LLVMPositionBuilderAtEnd(g->b, adv);
        LLVMBuildStore(g->b, nx, sv);
        LLVMBuildStore(g->b,
                       LLVMBuildSelect(g->b, eq64(g, start, c64(g, 0)), c64(g, 0),
                                       LLVMBuildSub(g->b, start, c64(g, 1), ""), ""),
                       pos);
        LLVMBuildBr(g->b, head);
        /* the name ends in state s */
        LLVMPositionBuilderAtEnd(g->b, accept);
        emit_check_at(g, u32_at(g, data, load(g, g->i64, sv)), true, done);
        LLVMPositionBuilderAtEnd(g->b, done);
        return true;
}

static void emit_address_side(gen *g, LLVMValueRef flags)
{
        LLVMBasicBlockRef run = block(g, "addr"), done = block(g, "addr_done");
        LLVMBuildCondBr(g->b, mask_test(g, flags, OSH_NATIVE_HAS_ADDR), run, done);
        LLVMPositionBuilderAtEnd(g->b, run);
        LLVMValueRef raw = field(g, OFF(addr), g->i128);
        LLVMTypeRef ty = g->i128;
        LLVMValueRef bswap =
            LLVMGetIntrinsicDeclaration(g->mod, LLVMLookupIntrinsicID("llvm.bswap", 10), &ty, 1);
        LLVMTypeRef fty = LLVMFunctionType(g->i128, &ty, 1, 0);
        LLVMValueRef addr = LLVMBuildCall2(g->b, fty, bswap, &raw, 1, "");
        emit_addresses(g, addr, done);
}

static void add_fn_attr(gen *g, const char *k, const char *v)
{
        LLVMAttributeRef a =
            LLVMCreateStringAttribute(g->ctx, k, (unsigned)strlen(k), v, (unsigned)strlen(v));
        LLVMAddAttributeAtIndex(g->fn, LLVMAttributeFunctionIndex, a);
}

static void add_enum_attr(gen *g, const char *name)
{
        unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
        LLVMAddAttributeAtIndex(g->fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(g->ctx, kind, 0));
}

static LLVMValueRef state_field(gen *g, int f)
{
        return LLVMBuildStructGEP2(g->b, g->state_t, g->st, (unsigned)f, "");
}

/* The current function's view of the state: pointers to its fields and
 * the request values every check reads. */
static void bind_state(gen *g, LLVMValueRef st)
{
        g->st = st;
        g->deny = state_field(g, F_DENY);
        g->plain = state_field(g, F_PLAIN);
        g->l7r = state_field(g, F_L7R);
        g->refused = state_field(g, F_REFUSED);
        g->hdeny = state_field(g, F_HDENY);
        g->hallow = state_field(g, F_HALLOW);
        g->special = state_field(g, F_SPECIAL);
        g->self_id = state_field(g, F_SELF);
        g->anc_mask = state_field(g, F_ANC);
        g->mmask = state_field(g, F_MMASK);
        g->globbits =
            LLVMBuildBitCast(g->b, state_field(g, F_GLOBS), LLVMPointerType(g->i64, 0), "");
        g->port = load(g, g->i16, state_field(g, F_PORT));
        g->http = LLVMBuildTrunc(g->b, load(g, g->i8, state_field(g, F_HTTP)), g->i1, "");
        g->param_self = load(g, g->i64, state_field(g, F_PSELF));
        g->param_anc = load(g, g->i64, state_field(g, F_PANC));
        g->pos = var(g, g->i64, NULL, "pos");
        g->j = var(g, g->i32, NULL, "j");
}

static LLVMValueRef new_function(gen *g, const char *name, LLVMTypeRef fty, bool internal)
{
        g->fn = LLVMAddFunction(g->mod, name, fty);
        if (internal) {
                LLVMSetLinkage(g->fn, LLVMInternalLinkage);
                add_enum_attr(g, "noinline"); /* one copy, called from every place */
        }
        add_fn_attr(g, "no-jump-tables", "true");
        add_fn_attr(g, "no-builtins", "");
        add_fn_attr(g, "frame-pointer", "none");
        add_enum_attr(g, "nounwind");
        LLVMPositionBuilderAtEnd(g->b, block(g, "entry"));
        return g->fn;
}

/* A side of the decision: void name(state *, request *). */
static LLVMValueRef begin_side(gen *g, const char *name)
{
        LLVMValueRef fn = new_function(g, name, g->side_fty, true);
        g->req = LLVMGetParam(fn, 1);
        bind_state(g, LLVMGetParam(fn, 0));
        g->flags = LLVMBuildZExt(g->b, field(g, OFF(flags), g->i32), g->i64, "");
        return fn;
}

static void call_side(gen *g, LLVMValueRef fn)
{
        LLVMValueRef args[2] = {g->st, g->req};
        LLVMBuildCall2(g->b, g->side_fty, fn, args, 2, "");
}

static void build_types(gen *g)
{
        int words = (g->globs.n + 63) / 64;
        LLVMTypeRef f[F__N];
        for (int i = F_DENY; i <= F_HALLOW; i++)
                f[i] = g->i64;
        f[F_SPECIAL] = g->i8;
        f[F_SELF] = g->i32;
        f[F_ANC] = f[F_MMASK] = f[F_PSELF] = f[F_PANC] = g->i64;
        f[F_PORT] = g->i16;
        f[F_HTTP] = g->i8;
        f[F_DATA] = g->p8;
        f[F_GLOBS] = LLVMArrayType(g->i64, (unsigned)(words ? words : 1));
        g->state_t = LLVMStructTypeInContext(g->ctx, f, F__N, 0);
        LLVMTypeRef sp = LLVMPointerType(g->state_t, 0);
        LLVMTypeRef cp[3] = {sp, g->i32, g->i1}, sdp[2] = {sp, g->p8};
        g->check_fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), cp, 3, 0);
        g->side_fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), sdp, 2, 0);
        LLVMTypeRef clp[5] = {sp, g->p8, g->i64, g->i64, g->i32};
        g->cluster_fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), clp, 5, 0);
}

/* The state at the start of a decision: no key, the request's values. */
static void init_state(gen *g, LLVMValueRef flags)
{
        LLVMValueRef none = c64(g, UINT64_MAX);
        LLVMValueRef keys[] = {g->deny, g->plain, g->l7r, g->refused, g->hdeny, g->hallow};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                LLVMBuildStore(g->b, none, keys[i]);
        LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), g->special);
        LLVMBuildStore(g->b, c32(g, 0xffffffffu), g->self_id);
        LLVMBuildStore(g->b, c64(g, 0), g->anc_mask);
        LLVMBuildStore(g->b, c64(g, 0), g->mmask);
        for (int w = 0; w < (g->globs.n + 63) / 64; w++) {
                LLVMValueRef idx = c32(g, (uint32_t)w);
                LLVMBuildStore(g->b, c64(g, 0),
                               LLVMBuildInBoundsGEP2(g->b, g->i64, g->globbits, &idx, 1, ""));
        }
        LLVMBuildStore(g->b, field(g, OFF(port), g->i16), state_field(g, F_PORT));
        LLVMBuildStore(g->b, LLVMBuildZExt(g->b, mask_test(g, flags, OSH_NATIVE_HTTP), g->i8, ""),
                       state_field(g, F_HTTP));
        LLVMBuildStore(g->b, field(g, OFF(param_self), g->i64), state_field(g, F_PSELF));
        LLVMBuildStore(g->b, field(g, OFF(param_anc), g->i64), state_field(g, F_PANC));
}

static bool build_function(gen *g, bool network)
{
        build_types(g);
        if (!network) { /* no net section: nothing at all */
                LLVMTypeRef dp[2] = {g->p8, g->p8};
                new_function(g, "osh_decide", LLVMFunctionType(g->i64, dp, 2, 0), false);
                LLVMBuildRet(g->b, c64(g, result(OSH_NR_NO_NETWORK, 0xffffffffu, false)));
                return true;
        }
        build_rule_data(g);
        emit_check_fn(g);
        LLVMValueRef bins = NULL, http = NULL, addrs, hosts = NULL;
        if (g->lits.n) {
                bins = begin_side(g, "binaries");
                if (!emit_binaries(g))
                        return false;
                LLVMBuildRetVoid(g->b);
        }
        if (g->nl7) {
                http = begin_side(g, "http");
                if (!emit_http(g))
                        return false;
                LLVMBuildRetVoid(g->b);
        }
        addrs = begin_side(g, "addresses");
        emit_address_side(g, g->flags);
        LLVMBuildRetVoid(g->b);
        if (g->hosts.n) {
                hosts = begin_side(g, "hosts");
                if (!emit_hosts(g, g->flags))
                        return false;
                LLVMBuildRetVoid(g->b);
        }
        LLVMTypeRef dp[2] = {g->p8, g->p8};
        LLVMValueRef fn = new_function(g, "osh_decide", LLVMFunctionType(g->i64, dp, 2, 0), false);
        g->req = LLVMGetParam(fn, 0);
        bind_state(g, LLVMBuildAlloca(g->b, g->state_t, "state"));
        LLVMBuildStore(g->b, LLVMGetParam(fn, 1), state_field(g, F_DATA));
        LLVMValueRef flags = LLVMBuildZExt(g->b, field(g, OFF(flags), g->i32), g->i64, "");
        init_state(g, flags);
        g->http = mask_test(g, flags, OSH_NATIVE_HTTP); /* bind_state read it before init */
        if (bins)
                call_side(g, bins);
        if (http) {
                LLVMBasicBlockRef run = block(g, "http"), done = block(g, "http_done");
                LLVMBuildCondBr(g->b, mask_test(g, flags, OSH_NATIVE_HTTP), run, done);
                LLVMPositionBuilderAtEnd(g->b, run);
                call_side(g, http);
                LLVMBuildBr(g->b, done);
                LLVMPositionBuilderAtEnd(g->b, done);
        }
        call_side(g, addrs); /* it looks at HAS_ADDR itself */
        if (hosts)
                call_side(g, hosts);
        emit_verdict(g);
        return true;
}

/* ---- from the module to code osh-proxy can map ---- */

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* LLVM's O2 pipeline for tables up to LIGHT_PIPELINE_ABOVE rules; above,
 * its function passes that scale (promotion to registers, scalar
 * replacement, combining, CSE, CFG simplification, dead code): O2's
 * module and loop passes grow faster than linearly on automata of tens of
 * thousands of states (docs/native-matcher.md). */
#define LIGHT_PIPELINE_ABOVE 200

static void optimize(gen *g, LLVMTargetMachineRef tm)
{
        bool light = g->px->nrules > LIGHT_PIPELINE_ABOVE;
        LLVMPassManagerRef fpm = LLVMCreateFunctionPassManagerForModule(g->mod);
        LLVMPassManagerRef mpm = LLVMCreatePassManager();
        LLVMAddAnalysisPasses(tm, fpm);
        LLVMAddAnalysisPasses(tm, mpm);
        LLVMPassManagerBuilderRef pmb = LLVMPassManagerBuilderCreate();
        if (light) {
                LLVMAddPromoteMemoryToRegisterPass(fpm);
                LLVMAddScalarReplAggregatesPass(fpm);
                LLVMAddEarlyCSEPass(fpm);
                LLVMAddInstructionCombiningPass(fpm);
                LLVMAddCFGSimplificationPass(fpm);
                LLVMAddDCEPass(fpm);
        } else {
                LLVMPassManagerBuilderSetOptLevel(pmb, 2);
                LLVMPassManagerBuilderPopulateFunctionPassManager(pmb, fpm);
                LLVMPassManagerBuilderPopulateModulePassManager(pmb, mpm);
        }
        LLVMInitializeFunctionPassManager(fpm);
        for (LLVMValueRef f = LLVMGetFirstFunction(g->mod); f; f = LLVMGetNextFunction(f))
                LLVMRunFunctionPassManager(fpm, f);
        LLVMFinalizeFunctionPassManager(fpm);
        LLVMRunPassManager(mpm, g->mod);
        LLVMDisposePassManager(fpm);
        LLVMDisposePassManager(mpm);
        LLVMPassManagerBuilderDispose(pmb);
}

static uint16_t host_machine(void)
{
#if defined(__x86_64__)
        return OSH_NATIVE_EM_X86_64;
#elif defined(__aarch64__)
        return OSH_NATIVE_EM_AARCH64;
#else
        return 0;
#endif
}

/* Find .text and osh_decide in the ELF64 object; refuse any relocation
 * against .text, any other executable section, any other machine. */
static bool elf_text(gen *g, const uint8_t *obj, size_t len, size_t *text_off, size_t *text_len,
                     size_t *entry)
{
        Elf64_Ehdr eh;
        if (len < sizeof(eh))
                return gen_fail(g, "the object is too short for an ELF header");
        memcpy(&eh, obj, sizeof(eh));
        if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_REL)
                return gen_fail(g, "the object is not a little-endian ELF64 relocatable file");
        if (eh.e_machine != host_machine())
                return gen_fail(g, "the object is for ELF machine %u, not this host's",
                                eh.e_machine);
        if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
            (size_t)eh.e_shnum * sizeof(Elf64_Shdr) > len - eh.e_shoff ||
            eh.e_shstrndx >= eh.e_shnum)
                return gen_fail(g, "the object's section table is malformed");
        Elf64_Shdr *sh = xrealloc(NULL, sizeof(Elf64_Shdr) * eh.e_shnum);
        memcpy(sh, obj + eh.e_shoff, sizeof(Elf64_Shdr) * eh.e_shnum);
        bool ok = false;
        for (int i = 0; i < eh.e_shnum; i++)
                if (sh[i].sh_type != SHT_NOBITS &&
                    (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset))
                        goto out;
        const Elf64_Shdr *names = &sh[eh.e_shstrndx];
        int text = -1, symtab = -1;
        for (int i = 0; i < eh.e_shnum; i++) {
                if (sh[i].sh_name >= names->sh_size)
                        goto out;
                const char *name = (const char *)obj + names->sh_offset + sh[i].sh_name;
                if (!strcmp(name, ".text"))
                        text = i;
                else if (sh[i].sh_type == SHT_SYMTAB)
                        symtab = i;
        }
        if (text < 0 || symtab < 0 || sh[symtab].sh_link >= eh.e_shnum)
                goto out;
        for (int i = 0; i < eh.e_shnum; i++) {
                if ((sh[i].sh_type == SHT_RELA || sh[i].sh_type == SHT_REL) &&
                    (int)sh[i].sh_info == text) {
                        ok = gen_fail(g, "the code has relocations (.text is not "
                                         "self-contained): refusing to ship it");
                        goto done;
                }
                if (i != text && (sh[i].sh_flags & SHF_EXECINSTR) && sh[i].sh_size) {
                        ok = gen_fail(g, "the code spans more than .text: refusing to ship it");
                        goto done;
                }
        }
        const Elf64_Shdr *st = &sh[symtab], *str = &sh[sh[symtab].sh_link];
        for (size_t k = 0; k < st->sh_size / sizeof(Elf64_Sym); k++) {
                Elf64_Sym sym;
                memcpy(&sym, obj + st->sh_offset + k * sizeof(sym), sizeof(sym));
                if (sym.st_name >= str->sh_size)
                        continue;
                const char *name = (const char *)obj + str->sh_offset + sym.st_name;
                if (!strcmp(name, "osh_decide") && sym.st_shndx == text &&
                    sym.st_value < sh[text].sh_size) {
                        *text_off = sh[text].sh_offset;
                        *text_len = sh[text].sh_size;
                        *entry = sym.st_value;
                        ok = true;
                        goto done;
                }
        }
out:
        ok = gen_fail(g, "the object has no .text holding osh_decide, or is malformed");
done:
        free(sh);
        return ok;
}

static bool package(gen *g, lm_output *out)
{
        size_t off = 0, len = 0, entry = 0;
        if (!elf_text(g, out->object, out->object_len, &off, &len, &entry))
                return false;
        out->container_len = OSH_NATIVE_HEADER_LEN + len + g->gd->dlen;
        out->code_len = len;
        out->data_len = g->gd->dlen;
        out->container = xrealloc(NULL, out->container_len);
        uint8_t *h = out->container;
        memcpy(h, OSH_NATIVE_MAGIC, 8);
        put32(h + 8, OSH_NATIVE_ABI);
        put32(h + 12, host_machine());
        put32(h + 16, (uint32_t)entry);
        put32(h + 20, (uint32_t)len);
        put32(h + 24, g->px->nrules);
        put32(h + 28, (uint32_t)g->gd->dlen);
        memcpy(h + OSH_NATIVE_HEADER_LEN, out->object + off, len);
        if (g->gd->dlen)
                memcpy(h + OSH_NATIVE_HEADER_LEN + len, g->gd->data, g->gd->dlen);
        return true;
}

static bool compile_module(gen *g, lm_output *out, bool want_ir)
{
        LLVMInitializeNativeTarget();
        LLVMInitializeNativeAsmPrinter();
        char *triple = LLVMGetDefaultTargetTriple(), *msg = NULL;
        LLVMTargetRef target;
        bool ok = false;
        if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
                gen_fail(g, "LLVM has no target for %s: %s", triple, msg);
                LLVMDisposeMessage(msg);
                LLVMDisposeMessage(triple);
                return false;
        }
        LLVMTargetMachineRef tm =
            LLVMCreateTargetMachine(target, triple, "generic", "", LLVMCodeGenLevelDefault,
                                    LLVMRelocPIC, LLVMCodeModelSmall);
        LLVMSetTarget(g->mod, triple);
        LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
        char *dls = LLVMCopyStringRepOfTargetData(dl);
        LLVMSetDataLayout(g->mod, dls);
        LLVMDisposeMessage(dls);
        LLVMDisposeTargetData(dl);
        if (LLVMVerifyModule(g->mod, LLVMReturnStatusAction, &msg)) {
                gen_fail(g, "the generated module is invalid (a bug in llvm_matcher.c): %.200s",
                         msg);
                goto out;
        }
        LLVMDisposeMessage(msg);
        msg = NULL;
        optimize(g, tm);
        if (want_ir)
                out->ir = LLVMPrintModuleToString(g->mod);
        LLVMMemoryBufferRef buf;
        if (LLVMTargetMachineEmitToMemoryBuffer(tm, g->mod, LLVMObjectFile, &msg, &buf)) {
                gen_fail(g, "LLVM could not emit the object: %s", msg);
                goto out;
        }
        out->object_len = LLVMGetBufferSize(buf);
        out->object = xrealloc(NULL, out->object_len);
        memcpy(out->object, LLVMGetBufferStart(buf), out->object_len);
        LLVMDisposeMemoryBuffer(buf);
        ok = true;
out:
        if (msg)
                LLVMDisposeMessage(msg);
        LLVMDisposeTargetMachine(tm);
        LLVMDisposeMessage(triple);
        return ok;
}

bool llvm_matcher_build(const oshb_proxy *px, bool network, bool want_ir, lm_output *out, char *err,
                        size_t errlen)
{
        memset(out, 0, sizeof(*out));
        gdata gd;
        memset(&gd, 0, sizeof(gd));
        gen g = {.px = px, .err = err, .errlen = errlen, .gd = &gd};
        if (!host_machine())
                return gen_fail(&g, "the native matcher is built for x86_64 and aarch64 only");
        double t0 = now_s();
        bool ok = collect(&g);
        if (ok) {
                g.ctx = LLVMContextCreate();
                g.mod = LLVMModuleCreateWithNameInContext("osh_native", g.ctx);
                g.b = LLVMCreateBuilderInContext(g.ctx);
                g.i1 = LLVMInt1TypeInContext(g.ctx);
                g.i8 = LLVMInt8TypeInContext(g.ctx);
                g.i16 = LLVMInt16TypeInContext(g.ctx);
                g.i32 = LLVMInt32TypeInContext(g.ctx);
                g.i64 = LLVMInt64TypeInContext(g.ctx);
                g.i128 = LLVMInt128TypeInContext(g.ctx);
                g.p8 = LLVMPointerType(g.i8, 0);
                ok = build_function(&g, network);
                out->dfa_states = g.dfa_states;
                out->generate_s = now_s() - t0;
                t0 = now_s();
                ok = ok && compile_module(&g, out, want_ir) && package(&g, out);
                out->compile_s = now_s() - t0;
                LLVMDisposeBuilder(g.b);
                LLVMDisposeModule(g.mod);
                LLVMContextDispose(g.ctx);
        }
        for (int i = 0; i < g.hosts.n; i++)
                free(g.host_rules ? g.host_rules[i].v : NULL);
        free(g.host_rules);
        free(gd.data);
        free(gd.list_off);
        sp_free(&gd.lists);
        free(g.lit_abit);
        free(g.l7_base);
        st_free(&g.hosts);
        for (int i = 0; i < g.labels.n; i++)
                free((char *)g.labels.s[i]);
        st_free(&g.labels);
        st_free(&g.lits);
        st_free(&g.pbins);
        st_free(&g.globs);
        st_free(&g.methods);
        if (!ok)
                lm_output_free(out);
        return ok;
}

void lm_output_free(lm_output *o)
{
        if (o->ir)
                LLVMDisposeMessage(o->ir);
        free(o->object);
        free(o->container);
        memset(o, 0, sizeof(*o));
}
