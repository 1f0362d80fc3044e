/*
 * net.c - the network domain of the verifier (DESIGN §5): connect, bind and
 * http rules.
 *
 * A request is a tuple of Z3 terms:
 *
 *   bind      Bool       a bind request (else connect or http)
 *   plain     Bool       a plain HTTP request through the proxy (else a raw
 *                        connection, i.e. a CONNECT tunnel or TLS)
 *   isip      Bool       the request names an IP literal (else a host name)
 *   host      BV         a host atom (see below), when not isip
 *   addr      BV128      the address: the literal, or resolve(host), where
 *                        resolve is an uninterpreted function (the attacker
 *                        controls DNS: a name can resolve anywhere)
 *   port      BV16       1..65535
 *   bin       BV         a binary atom: every `from` binary of the policies
 *                        (parameters substituted as the evaluator does),
 *                        /bin/sh, and one binary no rule names
 *   anc_i     Bool       binary atom i is an ancestor (`and children`)
 *   meth, path BV        HTTP method and URL path atoms (plain only)
 *
 * Host atoms are the equivalence classes of host names under every host
 * pattern of the policies (and assertions): candidate names are each
 * pattern with its wildcards filled in ("osh-w" for a `*` label, one and two
 * labels for a leading `**`), every pairwise unification of two patterns
 * with the same last label, and a name no pattern matches; candidates with
 * the same match vector are one class, represented by the first.  URL path
 * atoms are the same over the http globs (each glob with its wildcards
 * filled in, a trailing globstar dropped, "/" and a path no glob matches).
 *
 * The decision agrees with eval_connect / eval_http / eval_bind:
 *
 *   grant(allow connect r without http rules) = match(r) ∧ passes(r)
 *   grant(allow connect r, allow http h)       = plain ∧ match(r) ∧ passes(r) ∧ h(meth, path)
 *   deny(deny connect d)                       = match(d)
 *   deny(allow connect r, deny http h)         = plain ∧ match(r) ∧ passes(r) ∧ h(meth, path)
 *   allowed = has_net ∧ ∨ grant ∧ ¬∨ deny
 *
 * where passes(r) is the proxy's refusal of special addresses: true when
 * r's own range lies inside the special range, else ¬special(addr).  bind
 * rules are the same with bind true and no `from`, no passes.
 *
 * Every rule (an http rule of a connect rule counts as its own unit) gets
 * two literals, lit -> formula and formula -> neg, and each anomaly is a
 * check under assumptions on one solver, in a push/pop scope holding the
 * rule and the rules of its kind that may overlap it (see uscope: exact,
 * and linear in practice).  The covering set of a shadowed rule is the
 * unsat core over the negated literals of those rules, minimised by
 * deletion.
 */
#include "verify.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reference counting ----
 *
 * The context counts references (Z3_mk_context_rc): a new term survives
 * only until the next API call unless referenced.  Every term this file
 * builds goes through one of these wrappers, which create it and keep it
 * in `keep` in one function call (so nested calls are safe); the vector is
 * released when the entry point returns, with every term in it.
 */
static Z3_ast_vector keep;
static Z3_context keep_z;

static void keep_begin(Z3_context z)
{
        keep_z = z;
        keep = Z3_mk_ast_vector(z);
        Z3_ast_vector_inc_ref(z, keep);
}

static void keep_end(void)
{
        Z3_ast_vector_dec_ref(keep_z, keep);
        keep = NULL;
}

static Z3_ast K(Z3_ast a)
{
        Z3_ast_vector_push(keep_z, keep, a);
        return a;
}

#define K1(name, T1)                                                                               \
        static Z3_ast k_##name(Z3_context z, T1 a)                                                 \
        {                                                                                          \
                return K(Z3_mk_##name(z, a));                                                      \
        }
#define K2(name)                                                                                   \
        static Z3_ast k_##name(Z3_context z, Z3_ast a, Z3_ast b)                                   \
        {                                                                                          \
                return K(Z3_mk_##name(z, a, b));                                                   \
        }
K1(not, Z3_ast)
K2(eq)
K2(implies)
K2(bvuge)
K2(bvule)
K2(bvult)
K2(bvugt)
K2(bvslt)
K2(bvsle)
K2(bvsgt)
K2(bvsge)
K2(concat)
K2(bvand)

static Z3_ast k_true(Z3_context z)
{
        return K(Z3_mk_true(z));
}

static Z3_ast k_false(Z3_context z)
{
        return K(Z3_mk_false(z));
}

static Z3_ast k_and(Z3_context z, unsigned n, const Z3_ast *a)
{
        return K(Z3_mk_and(z, n, a));
}

static Z3_ast k_or(Z3_context z, unsigned n, const Z3_ast *a)
{
        return K(Z3_mk_or(z, n, a));
}

static Z3_ast k_extract(Z3_context z, unsigned hi, unsigned lo, Z3_ast a)
{
        return K(Z3_mk_extract(z, hi, lo, a));
}

static Z3_ast k_app(Z3_context z, Z3_func_decl f, unsigned n, const Z3_ast *a)
{
        return K(Z3_mk_app(z, f, n, a));
}

static Z3_ast k_bv(vf *v, uint64_t val, unsigned bits)
{
        return K(vf_bv(v, val, bits));
}

static Z3_ast k_bvvar(vf *v, const char *name, unsigned bits)
{
        return K(vf_bv_var(v, name, bits));
}

static Z3_ast k_boolvar(vf *v, const char *name)
{
        return K(vf_bool_var(v, name));
}

/* ---- small helpers ---- */

#define OTHER_BIN "/osh-verify/other-binary"
#define SHELL_BIN "/bin/sh"
#define OTHER_HOST "osh-unmatched.invalid"
#define OTHER_METHOD "OSHVERB"
#define OTHER_PATH "/osh-unmatched"

typedef struct strvec {
        const char **s;
        int n, cap;
} strvec;

static void sv_push(strvec *v, const char *s)
{
        if (v->n == v->cap) {
                v->cap = v->cap ? 2 * v->cap : 16;
                v->s = realloc(v->s, (size_t)v->cap * sizeof *v->s);
                if (!v->s) {
                        fprintf(stderr, "oshc verify: out of memory\n");
                        exit(2);
                }
        }
        v->s[v->n++] = s;
}

static int sv_find(const strvec *v, const char *s)
{
        for (int i = 0; i < v->n; i++)
                if (!strcmp(v->s[i], s))
                        return i;
        return -1;
}

static void sv_add_unique(strvec *v, const char *s)
{
        if (sv_find(v, s) < 0)
                sv_push(v, s);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sv_sort_unique(strvec *v)
{
        if (v->n < 2)
                return;
        qsort(v->s, (size_t)v->n, sizeof *v->s, cmp_str);
        int o = 1;
        for (int i = 1; i < v->n; i++)
                if (strcmp(v->s[i], v->s[o - 1]))
                        v->s[o++] = v->s[i];
        v->n = o;
}

static const char *param_value(const eval_params *env, const char *name)
{
        for (int i = 0; env && i < env->n; i++)
                if (!strcmp(env->names[i], name))
                        return env->values[i];
        return NULL;
}

/* The binary a rule's `from` names, as the evaluator compares it: a
 * parameter is substituted with its replay value. */
static const char *binary_name(vf *v, const char *rule_bin)
{
        if (rule_bin[0] != '$')
                return rule_bin;
        char name[64];
        const char *slash = strchr(rule_bin, '/');
        size_t n = slash ? (size_t)(slash - rule_bin - 1) : strlen(rule_bin + 1);
        if (n >= sizeof(name))
                return rule_bin;
        memcpy(name, rule_bin + 1, n);
        name[n] = 0;
        const char *val = param_value(&v->env, name);
        if (!val)
                return rule_bin;
        return arena_printf(&v->c->arena, "%s%s", val, slash ? slash : "");
}

/* ---- interpreters ---- */

static bool is_interpreter(const char *bin)
{
        const char *b = strrchr(bin, '/');
        b = b ? b + 1 : bin;
        static const char *const exact[] = {
            "sh",     "bash",   "dash",      "zsh",    "ksh",     "mksh",   "ash",    "fish",
            "csh",    "tcsh",   "busybox",   "env",    "node",    "nodejs", "deno",   "bun",
            "lua",    "luajit", "java",      "jshell", "tclsh",   "wish",   "expect", "Rscript",
            "R",      "pwsh",   "osascript", "awk",    "gawk",    "mawk",   "nawk",   "irb",
            "jjs",    "guile",  "sbcl",      "racket", "php",     "perl",   "ruby",   "python",
            "pypy",   "xargs",  "nice",      "nohup",  "timeout", "sudo",   "su",     "doas",
            "strace", "gdb",    NULL};
        for (int i = 0; exact[i]; i++)
                if (!strcmp(b, exact[i]))
                        return true;
        static const char *const prefix[] = {"python", "pypy", "perl",  "ruby", "php",
                                             "lua",    "node", "tclsh", NULL};
        for (int i = 0; prefix[i]; i++) {
                size_t n = strlen(prefix[i]);
                if (!strncmp(b, prefix[i], n) &&
                    (b[n] == 0 || b[n] == '.' || b[n] == '-' || (b[n] >= '0' && b[n] <= '9')))
                        return true;
        }
        return false;
}

/* ---- special address ranges (eval.c's list, eval_special_nets) ---- */

static ip_net parse_net(const char *s)
{
        ip_net n;
        char err[64];
        if (!ip_net_parse(s, &n, false, err, sizeof err))
                memset(&n, 0, sizeof n);
        return n;
}

static bool net_inside(const ip_net *inner_outer_net, const uint8_t addr[16], int prefix)
{
        /* is (addr, prefix) inside the net? */
        return prefix >= inner_outer_net->prefix && ip_net_contains(inner_outer_net, addr);
}

/* Do two ranges overlap? (one contains the other's network address) */
static bool ranges_overlap(const uint8_t a[16], int pa, const uint8_t b[16], int pb)
{
        int p = pa < pb ? pa : pb;
        for (int i = 0; i < p; i++) {
                int byte = i / 8, bit = 7 - i % 8;
                if (((a[byte] >> bit) & 1) != ((b[byte] >> bit) & 1))
                        return false;
        }
        return true;
}

/* ---- atoms ---- */

/* Split a host pattern into labels; returns the count (pattern copied). */
static int split_labels(char *s, char **lab, int max)
{
        int n = 0;
        for (char *p = s; p && n < max;) {
                lab[n++] = p;
                char *d = strchr(p, '.');
                if (d)
                        *d++ = 0;
                p = d;
        }
        return n;
}

/* The unification of two host patterns (a pattern matching exactly the
 * names both match, when that is expressible), or NULL when disjoint. */
static const char *host_unify(arena *a, const char *p, const char *q)
{
        char pb[512], qb[512];
        if (strlen(p) >= sizeof pb || strlen(q) >= sizeof qb)
                return NULL;
        strcpy(pb, p);
        strcpy(qb, q);
        char *pl[128], *ql[128];
        int np = split_labels(pb, pl, 128), nq = split_labels(qb, ql, 128);
        bool ps = np > 0 && !strcmp(pl[0], "**"), qs = nq > 0 && !strcmp(ql[0], "**");
        char **pv = pl + ps, **qv = ql + qs;
        np -= ps;
        nq -= qs;
        const char *out[260];
        int no = 0;
        int i = np - 1, j = nq - 1;
        while (i >= 0 && j >= 0) {
                const char *x = pv[i--], *y = qv[j--];
                if (!strcmp(x, "*"))
                        out[no++] = y;
                else if (!strcmp(y, "*") || !strcmp(x, y))
                        out[no++] = x;
                else
                        return NULL;
        }
        bool star = false;
        if (i >= 0) { /* p has labels left: q's ** absorbs them */
                if (!qs)
                        return NULL;
                while (i >= 0)
                        out[no++] = pv[i--];
                star = ps;
        } else if (j >= 0) {
                if (!ps)
                        return NULL;
                while (j >= 0)
                        out[no++] = qv[j--];
                star = qs;
        } else {
                if (ps != qs)
                        return NULL;
                star = ps;
        }
        char buf[1100];
        size_t o = 0;
        buf[0] = 0;
        if (star)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "**.");
        for (int k = no - 1; k >= 0 && o < sizeof buf; k--)
                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", out[k], k ? "." : "");
        if (o >= sizeof buf)
                return NULL;
        return arena_strdup(a, buf);
}

/* Fill a host pattern's wildcards: `*` -> osh-w, leading `**` -> `extra`
 * labels of osh-w. */
static const char *host_fill(arena *a, const char *pat, int extra)
{
        char buf[1100];
        size_t o = 0;
        const char *p = pat;
        if (!strncmp(p, "**.", 3)) {
                for (int i = 0; i < extra && o < sizeof buf; i++)
                        o += (size_t)snprintf(buf + o, sizeof buf - o, "osh-w.");
                p += 3;
        }
        while (*p && o + 8 < sizeof buf) {
                const char *d = strchr(p, '.');
                size_t n = d ? (size_t)(d - p) : strlen(p);
                if (n == 1 && p[0] == '*')
                        o += (size_t)snprintf(buf + o, sizeof buf - o, "osh-w");
                else
                        o += (size_t)snprintf(buf + o, sizeof buf - o, "%.*s", (int)n, p);
                if (!d)
                        break;
                buf[o++] = '.';
                buf[o] = 0;
                p = d + 1;
        }
        buf[o < sizeof buf ? o : sizeof buf - 1] = 0;
        return arena_strdup(a, buf);
}

static const char *last_label(const char *p)
{
        const char *d = strrchr(p, '.');
        return d ? d + 1 : p;
}

/* The label before the last one ("" when none). */
static void second_last(const char *p, char *out, size_t n)
{
        const char *d = strrchr(p, '.');
        out[0] = 0;
        if (!d)
                return;
        const char *s = d;
        while (s > p && s[-1] != '.')
                s--;
        snprintf(out, n, "%.*s", (int)(d - s), s);
}

/* Atoms: representatives, each with a match bit per pattern. */
typedef struct atoms {
        strvec rep;       /* one representative per class */
        strvec pat;       /* the patterns (globs) */
        unsigned char *m; /* rep.n x pat.n match matrix */
} atoms;

static bool atom_match(const atoms *a, int atom, int pat)
{
        return a->m[(size_t)atom * (size_t)a->pat.n + (size_t)pat];
}

typedef bool (*matcher)(const char *pat, const char *name);

static bool host_matcher(const char *pat, const char *name)
{
        return host_matches(pat, name);
}

static bool glob_matcher(const char *pat, const char *name)
{
        return url_glob_matches(pat, name);
}

static uint64_t fnv(const unsigned char *s, size_t n)
{
        uint64_t h = 1469598103934665603ull;
        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * 1099511628211ull;
        return h;
}

/* Group candidates into classes by match vector. */
static void atoms_classify(atoms *a, strvec *cand, matcher fn)
{
        size_t np = (size_t)a->pat.n;
        unsigned char *row = calloc(np + 1, 1);
        size_t cap = 64;
        while (cap < (size_t)cand->n * 2 + 2)
                cap *= 2;
        int *table = malloc(cap * sizeof(int));
        for (size_t i = 0; i < cap; i++)
                table[i] = -1;
        a->m = NULL;
        size_t mcap = 0;
        for (int c = 0; c < cand->n; c++) {
                for (size_t p = 0; p < np; p++)
                        row[p] = fn(a->pat.s[p], cand->s[c]);
                uint64_t h = fnv(row, np);
                size_t slot = h & (cap - 1);
                bool dup = false;
                while (table[slot] >= 0) {
                        if (!memcmp(a->m + (size_t)table[slot] * np, row, np)) {
                                dup = true;
                                break;
                        }
                        slot = (slot + 1) & (cap - 1);
                }
                if (dup)
                        continue;
                int id = a->rep.n;
                sv_push(&a->rep, cand->s[c]);
                if ((size_t)a->rep.n * np + 1 > mcap) {
                        mcap = ((size_t)a->rep.n * np + 1) * 2;
                        a->m = realloc(a->m, mcap);
                }
                memcpy(a->m + (size_t)id * np, row, np);
                table[slot] = id;
        }
        if (!a->m)
                a->m = calloc(1, 1);
        free(row);
        free(table);
}

static void atoms_free(atoms *a)
{
        free(a->rep.s);
        free(a->pat.s);
        free(a->m);
}

static void host_atoms(arena *ar, atoms *a)
{
        strvec cand = {0};
        sv_sort_unique(&a->pat);
        for (int i = 0; i < a->pat.n; i++) {
                const char *p = a->pat.s[i];
                sv_push(&cand, host_fill(ar, p, 1));
                if (!strncmp(p, "**.", 3))
                        sv_push(&cand, host_fill(ar, p, 2));
        }
        /* pairwise intersections of wildcard patterns with the same last
         * label and compatible second-last labels */
        int nw = 0;
        for (int i = 0; i < a->pat.n; i++)
                if (strchr(a->pat.s[i], '*'))
                        nw++;
        if (nw) {
                for (int i = 0; i < a->pat.n; i++) {
                        const char *p = a->pat.s[i];
                        if (!strchr(p, '*'))
                                continue;
                        char sp[256], sq[256];
                        second_last(p, sp, sizeof sp);
                        for (int j = 0; j < a->pat.n; j++) {
                                const char *q = a->pat.s[j];
                                if (j == i || (strchr(q, '*') && j < i) ||
                                    strcmp(last_label(p), last_label(q)))
                                        continue;
                                second_last(q, sq, sizeof sq);
                                if (strcmp(sp, sq) && strcmp(sp, "*") && strcmp(sq, "*") &&
                                    strcmp(sp, "**") && strcmp(sq, "**") && sp[0] && sq[0])
                                        continue;
                                const char *u = host_unify(ar, p, q);
                                if (u && strcmp(u, p) && strcmp(u, q)) {
                                        sv_push(&cand, host_fill(ar, u, 1));
                                        if (!strncmp(u, "**.", 3))
                                                sv_push(&cand, host_fill(ar, u, 2));
                                }
                        }
                }
        }
        sv_push(&cand, OTHER_HOST);
        atoms_classify(a, &cand, host_matcher);
        free(cand.s);
}

/* A glob with every `*` replaced by `star`, every `**` segment by `gs`
 * (NULL: dropped with its slash). */
static const char *glob_fill(arena *ar, const char *g, const char *star, const char *gs)
{
        char buf[4096];
        size_t o = 0;
        for (const char *p = g; *p && o + 64 < sizeof buf;) {
                if (p[0] == '*' && p[1] == '*') {
                        if (gs) {
                                o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", gs);
                        } else if (o > 0 && buf[o - 1] == '/') {
                                o--;
                                if (p[2] == '/')
                                        p++;
                        }
                        p += 2;
                        continue;
                }
                if (*p == '*') {
                        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s", star);
                        p++;
                        continue;
                }
                buf[o++] = *p++;
        }
        buf[o] = 0;
        if (o == 0)
                return "/";
        char norm[4096];
        const char *why;
        if (!url_path_normalize(buf, norm, sizeof norm, &why) || strcmp(norm, buf) ||
            strchr(buf, ' '))
                return NULL;
        return arena_strdup(ar, buf);
}

static void path_atoms(arena *ar, atoms *a)
{
        strvec cand = {0};
        sv_sort_unique(&a->pat);
        static const char *const stars[] = {"osh", ""};
        static const char *const globstars[] = {"osh", "osh/osh", NULL};
        for (int i = 0; i < a->pat.n; i++)
                for (int s = 0; s < 2; s++)
                        for (int g = 0; g < 3; g++) {
                                const char *f = glob_fill(ar, a->pat.s[i], stars[s], globstars[g]);
                                if (f)
                                        sv_push(&cand, f);
                        }
        sv_push(&cand, "/");
        sv_push(&cand, OTHER_PATH);
        atoms_classify(a, &cand, glob_matcher);
        free(cand.s);
}

/* ---- the encoding ---- */

typedef struct nunit {
        const ir_net_rule *r;
        const ir_l7_rule *h; /* the http rule, or NULL */
        bool deny, bind;
        Z3_ast f;
        Z3_ast lit; /* lit -> f: a positive assumption (this rule matches) */
        Z3_ast neg; /* f -> neg: assuming not neg says the rule does not match */
        int *hosts; /* host atoms a name rule matches (-1 terminated); NULL for IP */
        int nhosts;
} nunit;

typedef struct npol {
        const ir_policy *p;
        nunit *u;
        int nu;
        int *first; /* first[i]: the first unit of rule i (first[nnet] = nu) */
        /* gpos -> some grant; every grant -> gneg; dpos -> some deny;
         * every deny -> dneg; dsame[k]: some deny written with host names
         * (k 0) or addresses (k 1) */
        Z3_ast gpos, gneg, dpos, dneg, dsame[2];
        Z3_ast allowed;    /* allowed, as a positive constraint */
        Z3_ast notallowed; /* denied, as a positive constraint */
} npol;

typedef struct nenc {
        vf *v;
        Z3_context z;
        atoms host, path;
        strvec bins, meths;
        unsigned hbits, bbits, mbits, pbits;
        Z3_ast bind, plain, isip, host_v, addr, port, bin, meth, upath;
        Z3_ast *anc;
        Z3_func_decl resolve;
        Z3_ast domain; /* the request domain's constraints */
        bool *anc_used;
} nenc;

static unsigned bits_for(int n)
{
        unsigned b = 1;
        while ((1u << b) <= (unsigned)n && b < 31)
                b++;
        return b;
}

static Z3_ast mk_and(Z3_context z, int n, Z3_ast *a)
{
        if (n == 0)
                return k_true(z);
        if (n == 1)
                return a[0];
        return k_and(z, (unsigned)n, a);
}

static Z3_ast mk_or(Z3_context z, int n, Z3_ast *a)
{
        if (n == 0)
                return k_false(z);
        if (n == 1)
                return a[0];
        return k_or(z, (unsigned)n, a);
}

static Z3_ast and2(Z3_context z, Z3_ast a, Z3_ast b)
{
        Z3_ast x[2] = {a, b};
        return k_and(z, 2, x);
}

static Z3_ast or2(Z3_context z, Z3_ast a, Z3_ast b)
{
        Z3_ast x[2] = {a, b};
        return k_or(z, 2, x);
}

static Z3_ast bv128(nenc *e, const uint8_t a[16])
{
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) {
                hi = hi << 8 | a[i];
                lo = lo << 8 | a[8 + i];
        }
        return k_concat(e->z, k_bv(e->v, hi, 64), k_bv(e->v, lo, 64));
}

/* addr lies in (net, prefix) */
static Z3_ast in_net(nenc *e, const uint8_t net[16], int prefix)
{
        if (prefix <= 0)
                return k_true(e->z);
        Z3_ast c = bv128(e, net);
        unsigned hi = 127, lo = (unsigned)(128 - prefix);
        return k_eq(e->z, k_extract(e->z, hi, lo, e->addr), k_extract(e->z, hi, lo, c));
}

static Z3_ast special_addr(nenc *e)
{
        Z3_ast t[16];
        int n = 0;
        for (int i = 0; eval_special_nets[i]; i++) {
                ip_net sn = parse_net(eval_special_nets[i]);
                t[n++] = in_net(e, sn.addr, sn.prefix);
        }
        return mk_or(e->z, n, t);
}

static Z3_ast eq_atom(nenc *e, Z3_ast var, unsigned bits, int i)
{
        return k_eq(e->z, var, k_bv(e->v, (uint64_t)i, bits));
}

static void enc_collect(nenc *e, const ir_policy *p)
{
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->ep.kind == IR_HOST_NAME)
                        sv_push(&e->host.pat, r->ep.host);
                for (int b = 0; b < r->nbinaries; b++)
                        sv_add_unique(&e->bins, binary_name(e->v, r->binaries[b]));
                for (int j = 0; j < r->nl7; j++) {
                        sv_push(&e->path.pat, r->l7[j].path);
                        for (int m = 0; m < r->l7[j].nmethods; m++)
                                sv_add_unique(&e->meths, r->l7[j].methods[m]);
                }
        }
        for (int i = 0; i < p->nasserts; i++) {
                const ir_assert *a = &p->asserts[i];
                if (a->kind != ASSERT_CONNECT)
                        continue;
                for (int k = 0; k < a->nendpoints; k++)
                        if (a->endpoints[k].kind == IR_HOST_NAME)
                                sv_push(&e->host.pat, a->endpoints[k].host);
                for (int b = 0; b < a->nbinaries; b++)
                        sv_add_unique(&e->bins, binary_name(e->v, a->binaries[b]));
        }
}

static void enc_init(nenc *e, vf *v, const ir_policy *p1, const ir_policy *p2)
{
        memset(e, 0, sizeof *e);
        e->v = v;
        e->z = v->z;
        enc_collect(e, p1);
        if (p2)
                enc_collect(e, p2);
        sv_add_unique(&e->bins, SHELL_BIN);
        sv_add_unique(&e->bins, OTHER_BIN);
        sv_add_unique(&e->meths, OTHER_METHOD);
        host_atoms(&v->c->arena, &e->host);
        path_atoms(&v->c->arena, &e->path);
        Z3_context z = e->z;
        e->hbits = bits_for(e->host.rep.n);
        e->bbits = bits_for(e->bins.n);
        e->mbits = bits_for(e->meths.n);
        e->pbits = bits_for(e->path.rep.n);
        e->bind = k_boolvar(v, "net.bind");
        e->plain = k_boolvar(v, "net.plain");
        e->isip = k_boolvar(v, "net.isip");
        e->host_v = k_bvvar(v, "net.host", e->hbits);
        e->addr = k_bvvar(v, "net.addr", 128);
        e->port = k_bvvar(v, "net.port", 16);
        e->bin = k_bvvar(v, "net.bin", e->bbits);
        e->meth = k_bvvar(v, "net.method", e->mbits);
        e->upath = k_bvvar(v, "net.path", e->pbits);
        e->anc = calloc((size_t)e->bins.n, sizeof *e->anc);
        e->anc_used = calloc((size_t)e->bins.n, sizeof *e->anc_used);
        for (int i = 0; i < e->bins.n; i++) {
                char name[32];
                snprintf(name, sizeof name, "net.anc%d", i);
                e->anc[i] = k_boolvar(v, name);
        }
        Z3_sort hs = Z3_mk_bv_sort(z, e->hbits);
        K(Z3_sort_to_ast(z, hs));
        Z3_sort as = Z3_mk_bv_sort(z, 128);
        K(Z3_sort_to_ast(z, as));
        e->resolve = Z3_mk_func_decl(z, Z3_mk_string_symbol(z, "net.resolve"), 1, &hs, as);
        K(Z3_func_decl_to_ast(z, e->resolve));
        Z3_ast d[12];
        int n = 0;
        d[n++] = k_bvuge(z, e->port, k_bv(v, 1, 16));
        d[n++] = k_bvult(z, e->host_v, k_bv(v, (uint64_t)e->host.rep.n, e->hbits));
        d[n++] = k_bvult(z, e->bin, k_bv(v, (uint64_t)e->bins.n, e->bbits));
        d[n++] = k_bvult(z, e->meth, k_bv(v, (uint64_t)e->meths.n, e->mbits));
        d[n++] = k_bvult(z, e->upath, k_bv(v, (uint64_t)e->path.rep.n, e->pbits));
        /* bind names an address and is no HTTP request */
        d[n++] = k_implies(z, e->bind, and2(z, e->isip, k_not(z, e->plain)));
        /* a name resolves where the attacker's DNS says */
        d[n++] =
            k_implies(z, k_not(z, e->isip), k_eq(z, e->addr, k_app(z, e->resolve, 1, &e->host_v)));
        /* a literal has no host atom (fixed, to keep models small) */
        d[n++] = k_implies(z, e->isip, eq_atom(e, e->host_v, e->hbits, 0));
        e->domain = mk_and(z, n, d);
}

static void enc_free(nenc *e)
{
        atoms_free(&e->host);
        atoms_free(&e->path);
        free(e->bins.s);
        free(e->meths.s);
        free(e->anc);
        free(e->anc_used);
}

static int host_pat_index(const nenc *e, const char *pat)
{
        /* patterns are sorted and unique */
        int lo = 0, hi = e->host.pat.n - 1;
        while (lo <= hi) {
                int mid = (lo + hi) / 2;
                int c = strcmp(e->host.pat.s[mid], pat);
                if (!c)
                        return mid;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid - 1;
        }
        return -1;
}

static int path_pat_index(const nenc *e, const char *pat)
{
        for (int i = 0; i < e->path.pat.n; i++)
                if (!strcmp(e->path.pat.s[i], pat))
                        return i;
        return -1;
}

/* Host and port of an endpoint; fills the host atoms for a name. */
static Z3_ast endpoint_f(nenc *e, const ir_endpoint *ep, int **hosts_out, int *nh_out)
{
        Z3_context z = e->z;
        Z3_ast port = and2(z, k_bvuge(z, e->port, k_bv(e->v, ep->port_lo, 16)),
                           k_bvule(z, e->port, k_bv(e->v, ep->port_hi, 16)));
        if (ep->kind == IR_HOST_IP) {
                if (hosts_out)
                        *hosts_out = NULL;
                return and2(z, port, in_net(e, ep->addr, ep->prefix));
        }
        int pi = host_pat_index(e, ep->host);
        int n = 0;
        int *hs = malloc(sizeof(int) * (size_t)(e->host.rep.n + 1));
        Z3_ast *t = malloc(sizeof(Z3_ast) * (size_t)(e->host.rep.n + 1));
        for (int a = 0; pi >= 0 && a < e->host.rep.n; a++)
                if (atom_match(&e->host, a, pi)) {
                        hs[n] = a;
                        t[n++] = eq_atom(e, e->host_v, e->hbits, a);
                }
        Z3_ast f = and2(z, port, and2(z, k_not(z, e->isip), mk_or(z, n, t)));
        free(t);
        if (hosts_out) {
                *hosts_out = hs;
                *nh_out = n;
        } else {
                free(hs);
        }
        return f;
}

static Z3_ast binaries_f(nenc *e, const char *const *bins, int nb, bool children)
{
        if (nb == 0)
                return k_true(e->z);
        Z3_ast *t = malloc(sizeof(Z3_ast) * (size_t)(2 * nb));
        int n = 0;
        for (int i = 0; i < nb; i++) {
                int a = sv_find(&e->bins, binary_name(e->v, bins[i]));
                if (a < 0)
                        continue;
                t[n++] = eq_atom(e, e->bin, e->bbits, a);
                if (children) {
                        t[n++] = e->anc[a];
                        e->anc_used[a] = true;
                }
        }
        Z3_ast f = mk_or(e->z, n, t);
        free(t);
        return f;
}

/* passes(r): the proxy's refusal of special addresses */
static Z3_ast passes_f(nenc *e, const ir_endpoint *ep, Z3_ast special)
{
        if (ep->kind == IR_HOST_IP)
                for (int i = 0; eval_special_nets[i]; i++) {
                        ip_net sn = parse_net(eval_special_nets[i]);
                        if (net_inside(&sn, ep->addr, ep->prefix))
                                return k_true(e->z);
                }
        return k_not(e->z, special);
}

static Z3_ast l7_f(nenc *e, const ir_l7_rule *h)
{
        Z3_context z = e->z;
        Z3_ast m;
        if (h->nmethods == 0) {
                m = k_true(z);
        } else {
                Z3_ast *t = malloc(sizeof(Z3_ast) * (size_t)h->nmethods);
                int n = 0;
                for (int i = 0; i < h->nmethods; i++) {
                        int a = sv_find(&e->meths, h->methods[i]);
                        if (a >= 0)
                                t[n++] = eq_atom(e, e->meth, e->mbits, a);
                }
                m = mk_or(z, n, t);
                free(t);
        }
        int pi = path_pat_index(e, h->path);
        Z3_ast *t = malloc(sizeof(Z3_ast) * (size_t)(e->path.rep.n + 1));
        int n = 0;
        for (int a = 0; pi >= 0 && a < e->path.rep.n; a++)
                if (atom_match(&e->path, a, pi))
                        t[n++] = eq_atom(e, e->upath, e->pbits, a);
        Z3_ast pf = mk_or(z, n, t);
        free(t);
        return and2(z, e->plain, and2(z, m, pf));
}

static void push_unit(npol *np, int *cap, nunit u)
{
        if (np->nu == *cap) {
                *cap = *cap ? 2 * *cap : 16;
                np->u = realloc(np->u, (size_t)*cap * sizeof *np->u);
        }
        np->u[np->nu++] = u;
}

static void enc_policy(nenc *e, const ir_policy *p, npol *np, const char *tag)
{
        Z3_context z = e->z;
        memset(np, 0, sizeof *np);
        np->p = p;
        int cap = 0;
        Z3_ast special = special_addr(e);
        Z3_ast notbind = k_not(z, e->bind);
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                nunit u = {0};
                u.r = r;
                u.bind = r->op == NET_BIND;
                Z3_ast ep = endpoint_f(e, &r->ep, &u.hosts, &u.nhosts);
                if (u.bind) {
                        /* bind: an address, no `from` */
                        u.deny = r->deny;
                        u.f = and2(z, e->bind, ep);
                        push_unit(np, &cap, u);
                        continue;
                }
                Z3_ast m = and2(z, notbind,
                                and2(z, ep, binaries_f(e, r->binaries, r->nbinaries, r->children)));
                if (r->deny) {
                        u.deny = true;
                        u.f = m;
                        push_unit(np, &cap, u);
                        continue;
                }
                Z3_ast g = and2(z, m, passes_f(e, &r->ep, special));
                if (r->nl7 == 0) {
                        u.f = g;
                        push_unit(np, &cap, u);
                        continue;
                }
                for (int j = 0; j < r->nl7; j++) {
                        nunit w = u;
                        w.h = &r->l7[j];
                        w.deny = w.h->deny;
                        w.f = and2(z, g, l7_f(e, w.h));
                        if (j > 0 && u.hosts) { /* each unit owns its host list */
                                w.hosts = malloc(sizeof(int) * (size_t)(u.nhosts + 1));
                                memcpy(w.hosts, u.hosts, sizeof(int) * (size_t)u.nhosts);
                        }
                        push_unit(np, &cap, w);
                }
        }
        np->first = malloc(sizeof(int) * (size_t)(p->nnet + 1));
        for (int i = 0, k = 0; i <= p->nnet; i++) {
                while (k < np->nu && i < p->nnet && np->u[k].r != &p->net[i])
                        k++;
                np->first[i] = i < p->nnet ? k : np->nu;
        }
        for (int i = 0; i < np->nu; i++) {
                char name[64];
                snprintf(name, sizeof name, "%s.u%d", tag, i);
                np->u[i].lit = k_boolvar(e->v, name);
                snprintf(name, sizeof name, "%s.n%d", tag, i);
                np->u[i].neg = k_boolvar(e->v, name);
        }
        static const char *const gl[] = {"gpos", "gneg", "dpos", "dneg", "dname", "dip"};
        Z3_ast *gv[] = {&np->gpos, &np->gneg, &np->dpos, &np->dneg, &np->dsame[0], &np->dsame[1]};
        for (int i = 0; i < 6; i++) {
                char name[64];
                snprintf(name, sizeof name, "%s.%s", tag, gl[i]);
                *gv[i] = k_boolvar(e->v, name);
        }
        if (p->has_net) {
                Z3_ast a[2] = {np->gpos, k_not(z, np->dneg)};
                np->allowed = mk_and(z, 2, a);
                Z3_ast b[2] = {k_not(z, np->gneg), np->dpos};
                np->notallowed = mk_or(z, 2, b);
        } else {
                np->allowed = k_false(z);
                np->notallowed = k_true(z);
        }
}

/* The definitions of every unit, one direction each: lit -> f and
 * f -> neg.  A query assumes lit (the rule matches) or not neg (it does not);
 * a unit the query does not mention is satisfied by lit false, neg true
 * without looking into its formula, so a check costs what the query is
 * about, not the size of the policy. */
static void enc_defs(nenc *e, Z3_solver s, const npol *np, const int *idx, int n)
{
        Z3_context z = e->z;
        Z3_ast *gp = malloc(sizeof(Z3_ast) * (size_t)(n + 1));
        Z3_ast *dp = malloc(sizeof(Z3_ast) * (size_t)(n + 1));
        Z3_ast *dk[2];
        dk[0] = malloc(sizeof(Z3_ast) * (size_t)(n + 1));
        dk[1] = malloc(sizeof(Z3_ast) * (size_t)(n + 1));
        int ng = 0, nd = 0, nk[2] = {0, 0};
        for (int j = 0; j < n; j++) {
                const nunit *u = &np->u[idx ? idx[j] : j];
                Z3_solver_assert(z, s, k_implies(z, u->lit, u->f));
                Z3_solver_assert(z, s, k_implies(z, u->f, u->neg));
                if (u->deny) {
                        Z3_solver_assert(z, s, k_implies(z, u->neg, np->dneg));
                        dp[nd++] = u->lit;
                        int kind = u->r->ep.kind == IR_HOST_IP;
                        dk[kind][nk[kind]++] = u->lit;
                } else {
                        Z3_solver_assert(z, s, k_implies(z, u->neg, np->gneg));
                        gp[ng++] = u->lit;
                }
        }
        Z3_solver_assert(z, s, k_implies(z, np->gpos, mk_or(z, ng, gp)));
        Z3_solver_assert(z, s, k_implies(z, np->dpos, mk_or(z, nd, dp)));
        for (int k = 0; k < 2; k++)
                Z3_solver_assert(z, s, k_implies(z, np->dsame[k], mk_or(z, nk[k], dk[k])));
        free(gp);
        free(dp);
        free(dk[0]);
        free(dk[1]);
}

/* Every unit (the global queries: few, so their cost in the policy's size
 * does not matter). */
static void enc_assert(nenc *e, Z3_solver s, const npol *np)
{
        enc_defs(e, s, np, NULL, np->nu);
}

/* A scope with the units idx[0..n) only, and the request pinned by `pin`
 * (NULL: free). */
static void scope_open(nenc *e, Z3_solver s, const npol *np, const int *idx, int n, Z3_ast pin)
{
        Z3_solver_push(e->z, s);
        enc_defs(e, s, np, idx, n);
        if (pin)
                Z3_solver_assert(e->z, s, pin);
}

static void npol_free(npol *np)
{
        for (int i = 0; i < np->nu; i++)
                free(np->u[i].hosts);
        free(np->u);
        free(np->first);
}

/* ---- witnesses ---- */

static bool model_bool(vf *v, Z3_model m, Z3_ast t)
{
        Z3_ast val = NULL;
        if (!Z3_model_eval(v->z, m, t, true, &val) || !val)
                return false;
        return Z3_get_bool_value(v->z, val) == Z3_L_TRUE;
}

static void model_addr(nenc *e, Z3_model m, uint8_t out[16])
{
        uint64_t hi = vf_model_u64(e->v, m, k_extract(e->z, 127, 64, e->addr));
        uint64_t lo = vf_model_u64(e->v, m, k_extract(e->z, 63, 0, e->addr));
        for (int i = 0; i < 8; i++) {
                out[7 - i] = (uint8_t)(hi >> (8 * i));
                out[15 - i] = (uint8_t)(lo >> (8 * i));
        }
}

static bool is_mapped_v4(const uint8_t a[16])
{
        static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return !memcmp(a, pre, 12);
}

/* "1.2.3.4" or "2001:db8::1" (bare) */
static void fmt_addr(const uint8_t a[16], char *buf, size_t n)
{
        if (is_mapped_v4(a))
                snprintf(buf, n, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
        else if (!inet_ntop(AF_INET6, a, buf, (socklen_t)n))
                snprintf(buf, n, "::");
}

static int model_atom(vf *v, Z3_model m, Z3_ast t, int n)
{
        int i = (int)vf_model_u64(v, m, t);
        return i < n ? i : n - 1;
}

/* The request of a model, in `oshc query` syntax. */
static const char *witness_of(nenc *e, Z3_model m)
{
        vf *v = e->v;
        uint8_t a[16];
        char as[64], hostport[600];
        model_addr(e, m, a);
        fmt_addr(a, as, sizeof as);
        unsigned port = (unsigned)vf_model_u64(v, m, e->port);
        if (port == 0)
                port = 1;
        bool isip = model_bool(v, m, e->isip);
        if (model_bool(v, m, e->bind) || isip)
                snprintf(hostport, sizeof hostport, is_mapped_v4(a) ? "%s:%u" : "[%s]:%u", as,
                         port);
        else
                snprintf(hostport, sizeof hostport, "%s:%u",
                         e->host.rep.s[model_atom(v, m, e->host_v, e->host.rep.n)], port);
        if (model_bool(v, m, e->bind))
                return arena_printf(&v->c->arena, "bind %s", hostport);
        char tail[2048];
        size_t o = 0;
        tail[0] = 0;
        if (!isip)
                o += (size_t)snprintf(tail + o, sizeof tail - o, " addr=%s", as);
        const char *bin = e->bins.s[model_atom(v, m, e->bin, e->bins.n)];
        if (strcmp(bin, OTHER_BIN))
                o += (size_t)snprintf(tail + o, sizeof tail - o, " from %s", bin);
        bool under = false;
        for (int i = 0; i < e->bins.n && o < sizeof tail - 1; i++)
                if (e->anc_used[i] && model_bool(v, m, e->anc[i]) && e->bins.s[i][0] == '/') {
                        o += (size_t)snprintf(tail + o, sizeof tail - o, "%s %s",
                                              under ? "" : " under", e->bins.s[i]);
                        under = true;
                }
        if (model_bool(v, m, e->plain)) {
                const char *meth = e->meths.s[model_atom(v, m, e->meth, e->meths.n)];
                const char *path = e->path.rep.s[model_atom(v, m, e->upath, e->path.rep.n)];
                return arena_printf(&v->c->arena, "http %s %s%s%s", meth, hostport, path, tail);
        }
        return arena_printf(&v->c->arena, "connect %s%s", hostport, tail);
}

/* Check under assumptions; on SAT the witness (else NULL). */
static const char *solve(nenc *e, Z3_solver s, unsigned n, const Z3_ast *lits, const char *what,
                         Z3_lbool *res, Z3_model *mout)
{
        Z3_lbool r = vf_check_assumptions(e->v, s, n, lits, what);
        if (res)
                *res = r;
        if (r != Z3_L_TRUE)
                return NULL;
        /* prefer a readable witness: an IPv4 address when one exists */
        static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        Z3_solver_push(e->z, s);
        Z3_solver_assert(e->z, s, in_net(e, mapped, 96));
        bool pushed = true;
        if (vf_check_assumptions(e->v, s, n, lits, what) != Z3_L_TRUE) {
                Z3_solver_pop(e->z, s, 1);
                pushed = false;
                (void)vf_check_assumptions(e->v, s, n, lits, what);
        }
        Z3_model m = Z3_solver_get_model(e->z, s);
        Z3_model_inc_ref(e->z, m);
        const char *w = witness_of(e, m);
        if (pushed)
                Z3_solver_pop(e->z, s, 1);
        if (mout)
                *mout = m;
        else
                Z3_model_dec_ref(e->z, m);
        return w;
}

/* ---- findings ---- */

static const char *nunit_kind(const nunit *u)
{
        if (u->h)
                return u->h->deny ? "deny http" : "allow http";
        if (u->bind)
                return u->deny ? "deny bind" : "allow bind";
        return u->deny ? "deny connect" : "allow connect";
}

static span unit_where(const nunit *u)
{
        return u->h ? u->h->where : u->r->rule_where;
}

static void loc_unit(vf *v, vf_finding *f, const nunit *u, const char *label)
{
        vf_loc_add(v, f, unit_where(u), u->r->origin, label);
}

/* Could units a and b match a common request?  A sound over-approximation
 * (false only when they cannot). */
static bool may_overlap(const nunit *a, const nunit *b)
{
        if (a->bind != b->bind)
                return false;
        const ir_endpoint *x = &a->r->ep, *y = &b->r->ep;
        if (x->port_hi < y->port_lo || y->port_hi < x->port_lo)
                return false;
        if (x->kind == IR_HOST_IP && y->kind == IR_HOST_IP)
                return ranges_overlap(x->addr, x->prefix, y->addr, y->prefix);
        if (x->kind == IR_HOST_NAME && y->kind == IR_HOST_NAME) {
                int i = 0, j = 0;
                while (i < a->nhosts && j < b->nhosts) {
                        if (a->hosts[i] == b->hosts[j])
                                return true;
                        if (a->hosts[i] < b->hosts[j])
                                i++;
                        else
                                j++;
                }
                return false;
        }
        return true; /* a name resolves anywhere */
}

typedef struct lits {
        Z3_ast *a;
        int n, cap;
} lits;

static void lits_push(lits *l, Z3_ast a)
{
        if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 32;
                l->a = realloc(l->a, (size_t)l->cap * sizeof *l->a);
        }
        l->a[l->n++] = a;
}

/* The units (indices) among `cand` whose negated literal is in the unsat
 * core, minimised by deletion. */
static int covering_set(nenc *e, Z3_solver s, const npol *np, lits *fixed, const int *cand,
                        int ncand, int *out)
{
        Z3_context z = e->z;
        Z3_ast_vector core = Z3_solver_get_unsat_core(z, s);
        Z3_ast_vector_inc_ref(z, core);
        unsigned cn = Z3_ast_vector_size(z, core);
        int n = 0;
        for (int c = 0; c < ncand; c++) {
                Z3_ast neg = k_not(z, np->u[cand[c]].neg);
                for (unsigned k = 0; k < cn; k++) {
                        Z3_ast x = Z3_ast_vector_get(z, core, k);
                        if (Z3_is_eq_ast(z, x, neg)) {
                                out[n++] = cand[c];
                                break;
                        }
                }
        }
        Z3_ast_vector_dec_ref(z, core);
        /* deletion-based minimisation (cores are small) */
        for (int i = 0; i < n && n > 1 && i < 24;) {
                lits l = {0};
                for (int k = 0; k < fixed->n; k++)
                        lits_push(&l, fixed->a[k]);
                for (int k = 0; k < n; k++)
                        if (k != i)
                                lits_push(&l, k_not(z, np->u[out[k]].neg));
                Z3_lbool r =
                    vf_check_assumptions(e->v, s, (unsigned)l.n, l.a, "net: minimise core");
                free(l.a);
                if (r == Z3_L_FALSE) {
                        out[i] = out[--n];
                } else {
                        i++;
                }
        }
        return n;
}

static const char *unit_desc(vf *v, const nunit *u)
{
        char buf[256];
        ip_net n;
        memcpy(n.addr, u->r->ep.addr, 16);
        n.prefix = u->r->ep.prefix;
        n.is_v4 = u->r->ep.is_v4;
        if (u->r->ep.kind == IR_HOST_IP)
                ip_net_format(&n, buf, sizeof buf);
        else
                snprintf(buf, sizeof buf, "%s", u->r->ep.host);
        const char *ep;
        if (u->r->ep.port_lo == u->r->ep.port_hi)
                ep = arena_printf(&v->c->arena, "%s:%u", buf, u->r->ep.port_lo);
        else
                ep = arena_printf(&v->c->arena, "%s:%u..%u", buf, u->r->ep.port_lo,
                                  u->r->ep.port_hi);
        if (u->h)
                return arena_printf(&v->c->arena, "`%s %s` of the rule on %s", nunit_kind(u),
                                    u->h->path, ep);
        return arena_printf(&v->c->arena, "`%s %s`", nunit_kind(u), ep);
}

static void replay(vf *v, const ir_policy *p, const char *w, int expect)
{
        if (w)
                vf_replay(v, p, w, expect, NULL);
}

/* Does unit u match everything of its kind? (syntactic) */
static bool matches_everything(const nunit *u)
{
        const ir_net_rule *r = u->r;
        return !u->h && r->ep.kind == IR_HOST_IP && r->ep.prefix == 0 && r->ep.port_lo <= 1 &&
               r->ep.port_hi == 65535 && r->nbinaries == 0;
}

/* The scope of one unit's queries.  Fast: only the units of its own kind
 * (host names or addresses) that may overlap it, with the request pinned
 * to that kind (an IP literal for an address rule; for a host-name rule, a
 * resolved address that no address rule names): every other unit is false
 * there, so a model of the fast scope is a model of the whole policy.
 * Full: every unit that may overlap it, the request free; used only when
 * no ordinary address is left unnamed (then host-name rules have no pin).
 * The fast scope is exact for every query (see us_check); the one query
 * that also needs the other kind, "does a grant meet this deny", asks the
 * other kind's grants pairwise (cross_grant). */
typedef struct uscope {
        nenc *e;
        Z3_solver s;
        const npol *np;
        int i;
        bool full, open;
        int *idx, n;
        Z3_ast pin;    /* the fast scope's restriction; NULL: no fast scope */
        bool *removed; /* reported as shadowed or redundant: covers no more */
} uscope;

static void us_open(uscope *u, bool full)
{
        const npol *np = u->np;
        const nunit *me = &np->u[u->i];
        if (u->open)
                Z3_solver_pop(u->e->z, u->s, 1);
        if (!u->pin)
                full = true;
        u->n = 0;
        u->idx[u->n++] = u->i;
        for (int k = 0; k < np->nu; k++)
                if (k != u->i && (full || me->r->ep.kind == np->u[k].r->ep.kind) &&
                    may_overlap(me, &np->u[k]))
                        u->idx[u->n++] = k;
        scope_open(u->e, u->s, np, u->idx, u->n, full ? NULL : u->pin);
        u->full = full;
        u->open = true;
}

static void us_close(uscope *u)
{
        if (u->open)
                Z3_solver_pop(u->e->z, u->s, 1);
        u->open = false;
}

/* Ask under assumptions in the unit's scope.  The fast scope answers
 * exactly every query of anomaly_unit but "does any grant meet this deny"
 * (see there): a host-name rule's match depends on the address only
 * through the special ranges, so what holds at one ordinary address holds
 * at all; an address rule matches a name that resolves into its range as it
 * matches the literal. */
static Z3_lbool us_check(uscope *u, lits *l, const char *what, bool fast_only)
{
        (void)fast_only;
        return vf_check_assumptions(u->e->v, u->s, (unsigned)l->n, l->a, what);
}

static lits lits_of(int n, const Z3_ast *a)
{
        lits l = {0};
        for (int k = 0; k < n; k++)
                lits_push(&l, a[k]);
        return l;
}

/* The witness of the last SAT check, and its model when asked. */
static const char *us_witness(uscope *u, lits *l, const char *what, Z3_model *mout)
{
        return solve(u->e, u->s, (unsigned)l->n, l->a, what, NULL, mout);
}

/* The units of the current scope other than i, of the given polarity. */
static int us_cand(uscope *u, bool deny, int *cand)
{
        int nc = 0;
        for (int k = 1; k < u->n; k++)
                if (u->np->u[u->idx[k]].deny == deny && !u->removed[u->idx[k]])
                        cand[nc++] = u->idx[k];
        return nc;
}

static void report_cover(uscope *us, const nunit *u, int i, lits *fixed, int *cand, int nc,
                         int *cover)
{
        nenc *e = us->e;
        vf *v = e->v;
        Z3_context z = e->z;
        const npol *np = us->np;
        const ir_policy *p = np->p;
        Z3_solver s = us->s;
        int n = covering_set(e, s, np, fixed, cand, nc, cover);
        /* redundant: one rule of the same kind with the same match set */
        bool redundant = false;
        if (n == 1) {
                const nunit *o = &np->u[cover[0]];
                Z3_ast b1[2] = {o->lit, k_not(z, u->neg)};
                Z3_ast b2[2] = {u->lit, k_not(z, o->neg)};
                if (vf_check_assumptions(v, s, 2, b1, "net: equal") == Z3_L_FALSE &&
                    vf_check_assumptions(v, s, 2, b2, "net: equal") == Z3_L_FALSE) {
                        redundant = true;
                        if (cover[0] > i)
                                return; /* the later of the two reports */
                }
        }
        lits wl = {0};
        lits_push(&wl, u->lit);
        lits_push(&wl, u->deny ? np->gpos : k_not(z, np->dneg));
        const char *w = solve(e, s, (unsigned)wl.n, wl.a, "net: witness", NULL, NULL);
        free(wl.a);
        vf_finding *f;
        if (redundant) {
                f = vf_report(v, p, "redundant-rule", VF_WARNING, "proxy",
                              "%s matches exactly what %s matches", unit_desc(v, u),
                              unit_desc(v, &np->u[cover[0]]));
                vf_fix(v, f, "remove one of the two rules");
        } else {
                f = vf_report(v, p, "shadowed-rule", VF_WARNING, "proxy",
                              "%s never decides anything: %d other %s rule%s cover%s everything "
                              "it %s",
                              unit_desc(v, u), n, u->deny ? "deny" : "allow", n == 1 ? "" : "s",
                              n == 1 ? "s" : "", u->deny ? "denies" : "grants");
                vf_fix(v, f, "remove the rule (the covering rules already decide it)");
        }
        if (w) {
                vf_witness(v, f, "%s", w);
                replay(v, p, w, u->deny ? 0 : 1);
        } else {
                vf_witness(v, f, "no request the rule matches is decided by it");
        }
        us->removed[i] = true;
        loc_unit(v, f, u, redundant ? "redundant rule" : "shadowed rule");
        for (int k = 0; k < n; k++)
                loc_unit(v, f, &np->u[cover[k]], "covered by this rule");
}

/* Does a grant of the other kind than deny unit us->i meet it?  Asked
 * pairwise, each in a scope of the two rules. */
static Z3_lbool cross_grant(uscope *us)
{
        const npol *np = us->np;
        const nunit *d = &np->u[us->i];
        Z3_context z = us->e->z;
        Z3_lbool res = Z3_L_FALSE;
        /* the candidates: the first few one at a time (a deny that meets
         * a grant usually meets one of the first), then in batches, one
         * query asking whether the deny meets any grant of the batch (a
         * deny that meets none costs one query per batch, not per grant) */
        enum { BATCH = 64, SINGLE = 4 };
        int idx[1 + BATCH];
        Z3_ast ors[BATCH];
        int k = 0, asked = 0;
        while (k < np->nu && res == Z3_L_FALSE) {
                int n = 0, size = asked < SINGLE ? 1 : BATCH;
                idx[n] = us->i;
                for (; k < np->nu && n < size; k++) {
                        const nunit *g = &np->u[k];
                        if (g->deny || g->r->ep.kind == d->r->ep.kind || !may_overlap(d, g))
                                continue;
                        ors[n] = g->lit;
                        idx[++n] = k;
                }
                if (n == 0)
                        break;
                scope_open(us->e, us->s, np, idx, n + 1, NULL);
                Z3_solver_assert(z, us->s, n == 1 ? ors[0] : Z3_mk_or(z, (unsigned)n, ors));
                Z3_ast a[1] = {d->lit};
                Z3_lbool r = vf_check_assumptions(us->e->v, us->s, 1, a, "net: deny meets a grant");
                Z3_solver_pop(z, us->s, 1);
                asked++;
                if (r != Z3_L_FALSE)
                        res = r;
        }
        return res;
}

/* The anomalies of unit i. */
static void anomaly_unit(uscope *us, int *cand, int *cover)
{
        nenc *e = us->e;
        vf *v = e->v;
        Z3_context z = e->z;
        const npol *np = us->np;
        const ir_policy *p = np->p;
        Z3_solver s = us->s;
        int i = us->i;
        const nunit *u = &np->u[i];
        if (matches_everything(u)) {
                vf_finding *f =
                    vf_report(v, p, "vacuous-rule", VF_WARNING, "proxy",
                              "%s matches every address, port and binary: %s", unit_desc(v, u),
                              u->deny ? "it denies all of the network" : "the network is open");
                vf_witness(v, f, "every %s request matches it", u->bind ? "bind" : "connect");
                loc_unit(v, f, u, "matches everything");
                vf_fix(v, f, "name the hosts and ports needed%s",
                       u->deny ? ", or remove the net section" : "");
        }
        us_open(us, us->pin == NULL);
        if (!u->deny) {
                /* dead: no request passes it at all */
                Z3_ast a0[1] = {u->lit};
                lits l0 = lits_of(1, a0);
                Z3_lbool r0 = us_check(us, &l0, "net: allow matches", false);
                free(l0.a);
                if (r0 == Z3_L_FALSE) {
                        vf_finding *f = vf_report(v, p, "dead-rule", VF_WARNING, "proxy",
                                                  "%s matches no request the proxy would pass: %s",
                                                  unit_desc(v, u),
                                                  u->bind ? "bind takes an address, not a host name"
                                                          : "every address it names is refused");
                        vf_witness(v, f, "no request: the rule's match set is empty");
                        loc_unit(v, f, u, "matches nothing");
                        vf_fix(v, f, "remove the rule");
                }
                if (r0 != Z3_L_TRUE)
                        return;
                /* overridden-allow, by a deny of the same kind (a host-name
                 * deny for a host-name allow, an address deny for an address
                 * allow): the fast scope holds exactly those */
                const char *partial = NULL;
                Z3_model pm = NULL;
                {
                        Z3_ast a1[2] = {u->lit, np->dsame[u->r->ep.kind == IR_HOST_IP]};
                        lits l1 = lits_of(2, a1);
                        if (us_check(us, &l1, "net: overridden-allow", true) == Z3_L_TRUE)
                                partial = us_witness(us, &l1, "net: overridden-allow", &pm);
                        free(l1.a);
                }
                /* effect at all */
                Z3_ast a2[2] = {u->lit, k_not(z, np->dneg)};
                lits l2 = lits_of(2, a2);
                Z3_lbool r2 = us_check(us, &l2, "net: allow has effect", false);
                free(l2.a);
                if (r2 == Z3_L_FALSE || partial) {
                        bool full = r2 == Z3_L_FALSE;
                        const char *w = partial;
                        if (full && !w) {
                                Z3_ast a1[2] = {u->lit, np->dpos};
                                lits l1 = lits_of(2, a1);
                                w = us_witness(us, &l1, "net: overridden-allow", NULL);
                                free(l1.a);
                        }
                        vf_finding *f = vf_report(v, p, "overridden-allow", VF_WARNING, "proxy",
                                                  "%s is %s cancelled by deny rules",
                                                  unit_desc(v, u), full ? "fully" : "partly");
                        if (w) {
                                vf_witness(v, f, "%s", w);
                                replay(v, p, w, 0);
                        }
                        loc_unit(v, f, u, full ? "this allow never takes effect" : "this allow");
                        int nd = 0;
                        if (full) {
                                /* the minimal set of denies that covers it */
                                int nc = us_cand(us, true, cand);
                                lits fx = {0}, l = {0};
                                lits_push(&fx, u->lit);
                                lits_push(&l, u->lit);
                                for (int k = 0; k < nc; k++)
                                        lits_push(&l, k_not(z, np->u[cand[k]].neg));
                                if (vf_check_assumptions(v, s, (unsigned)l.n, l.a,
                                                         "net: covering denies") == Z3_L_FALSE) {
                                        nd = covering_set(e, s, np, &fx, cand, nc, cover);
                                        for (int k = 0; k < nd; k++)
                                                loc_unit(v, f, &np->u[cover[k]],
                                                         "cancelled by this deny");
                                }
                                free(fx.a);
                                free(l.a);
                        }
                        for (int k = 0; k < np->nu && nd == 0 && pm; k++)
                                if (np->u[k].deny && model_bool(v, pm, np->u[k].f))
                                        loc_unit(v, f, &np->u[k], "cancelled by this deny");
                        vf_fix(v, f,
                               full ? "remove the allow rule (the deny wins everywhere)"
                                    : "narrow the allow to exclude what the deny removes, or "
                                      "waive overridden-allow if the carve-out is intended");
                }
                if (pm)
                        Z3_model_dec_ref(z, pm);
                if (r2 != Z3_L_TRUE)
                        return;
        } else {
                Z3_ast a1[2] = {u->lit, np->gpos};
                lits l1 = lits_of(2, a1);
                Z3_lbool r1 = us_check(us, &l1, "net: deny has effect", false);
                free(l1.a);
                if (r1 == Z3_L_FALSE && !us->full) {
                        /* a grant of the other kind can still meet it: a
                         * host name resolving into an address rule's range */
                        us_close(us);
                        r1 = cross_grant(us);
                        us_open(us, false);
                }
                if (r1 == Z3_L_FALSE) {
                        Z3_ast a0[1] = {u->lit};
                        lits l0 = lits_of(1, a0);
                        const char *w = us_witness(us, &l0, "net: deny matches", NULL);
                        free(l0.a);
                        vf_finding *f = vf_report(v, p, "dead-rule", VF_WARNING, "proxy",
                                                  "%s never has effect: no allow rule grants "
                                                  "anything it matches (the request is denied "
                                                  "without it)",
                                                  unit_desc(v, u));
                        if (w) {
                                vf_witness(v, f, "%s", w);
                                replay(v, p, w, 0);
                        } else {
                                vf_witness(v, f, "no request matches it");
                        }
                        loc_unit(v, f, u, "has no effect");
                        vf_fix(v, f,
                               "remove the rule, or waive dead-rule if it is kept as "
                               "defence in depth");
                }
                if (r1 != Z3_L_TRUE)
                        return;
        }
        /* coverage by the other rules of the same polarity */
        lits fixed = {0};
        lits_push(&fixed, u->lit);
        if (!u->deny)
                lits_push(&fixed, k_not(z, np->dneg));
        for (int pass = 0; pass < 2; pass++) {
                int nc = us_cand(us, u->deny, cand);
                lits l = {0};
                for (int k = 0; k < fixed.n; k++)
                        lits_push(&l, fixed.a[k]);
                for (int k = 0; k < nc; k++)
                        lits_push(&l, k_not(z, np->u[cand[k]].neg));
                Z3_lbool r = vf_check_assumptions(v, s, (unsigned)l.n, l.a, "net: rule has effect");
                free(l.a);
                if (r == Z3_L_FALSE)
                        report_cover(us, u, i, &fixed, cand, nc, cover);
                break;
        }
        free(fixed.a);
}

/* An ordinary address that no address rule names: host-name requests are
 * first tried resolving there (so every address rule is out of the way). */
static bool fresh_address(const npol *np, uint8_t out[16])
{
        static const char *const cand[] = {
            "203.0.113.77",     "198.51.100.77", "192.0.2.77", "1.2.3.4",     "8.8.4.4",
            "2001:db8:7:7::77", "3fff::77",      "9.9.9.10",   "45.45.45.45", NULL};
        for (int c = 0; cand[c]; c++) {
                ip_net a = parse_net(cand[c]);
                bool hit = false;
                for (int k = 0; k < np->nu && !hit; k++) {
                        const ir_endpoint *ep = &np->u[k].r->ep;
                        hit = ep->kind == IR_HOST_IP &&
                              ranges_overlap(ep->addr, ep->prefix, a.addr, 128);
                }
                if (!hit) {
                        memcpy(out, a.addr, 16);
                        return true;
                }
        }
        return false;
}

/* The fast scopes' pins: [0] host-name rules (NULL when every ordinary
 * address is named by some rule), [1] address rules. */
static void pins(nenc *e, const npol *np, Z3_ast out[2])
{
        Z3_context z = e->z;
        uint8_t fresh[16];
        out[0] = fresh_address(np, fresh)
                     ? and2(z, k_not(z, e->isip), k_eq(z, e->addr, bv128(e, fresh)))
                     : NULL;
        out[1] = e->isip;
}

/* The fast scope of a set of units: them and the units of their kind that
 * may overlap one of them. */
static int fast_scope(const npol *np, const int *in, int nin, int *out)
{
        int n = 0;
        for (int k = 0; k < np->nu; k++) {
                bool take = false;
                for (int j = 0; j < nin && !take; j++)
                        take = k == in[j] || (np->u[k].r->ep.kind == np->u[in[j]].r->ep.kind &&
                                              may_overlap(&np->u[in[j]], &np->u[k]));
                if (take)
                        out[n++] = k;
        }
        return n;
}

static void anomalies(nenc *e, Z3_solver s, const npol *np)
{
        vf *v = e->v;
        const ir_policy *p = np->p;
        int *cand = malloc(sizeof(int) * (size_t)(np->nu + 1));
        int *cover = malloc(sizeof(int) * (size_t)(np->nu + 1));
        /* an allow connect rule whose http block has no allow http rule */
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->deny || r->op != NET_CONNECT || r->nl7 == 0)
                        continue;
                bool any = false;
                for (int j = 0; j < r->nl7; j++)
                        any |= !r->l7[j].deny;
                if (any)
                        continue;
                vf_finding *f = vf_report(
                    v, p, "vacuous-rule", VF_WARNING, "proxy",
                    "this allow connect rule grants nothing: its http block has only deny "
                    "http rules, and a rule with http rules admits no tunnel");
                vf_witness(v, f,
                           "every request it matches is denied (a block with only deny "
                           "http rules allows nothing)");
                vf_loc_add(v, f, r->rule_where, r->origin, "grants nothing");
                vf_fix(v, f, "add the `allow http` rules it should grant, or remove the rule");
        }
        uscope us = {0};
        us.e = e;
        us.s = s;
        us.np = np;
        us.idx = malloc(sizeof(int) * (size_t)(np->nu + 1));
        us.removed = calloc((size_t)np->nu + 1, sizeof(bool));
        Z3_ast pin[2];
        pins(e, np, pin);
        for (int i = 0; i < np->nu; i++) {
                us.i = i;
                us.pin = pin[np->u[i].r->ep.kind == IR_HOST_IP];
                anomaly_unit(&us, cand, cover);
                us_close(&us);
        }
        free(us.idx);
        free(us.removed);
        free(cand);
        free(cover);
}

/* ---- escalation: interpreter-grant, metadata-egress ---- */

static int bin_atom(nenc *e, const char *rule_bin)
{
        return sv_find(&e->bins, binary_name(e->v, rule_bin));
}

/* interpreter-grant for rule ri, whose grant is `grant`, in its scope */
static void interpreter_rule(nenc *e, Z3_solver s, const npol *np, int ri, Z3_ast grant, int sh,
                             vf_finding **anyp)
{
        vf *v = e->v;
        Z3_context z = e->z;
        const ir_policy *p = np->p;
        const ir_net_rule *r = &p->net[ri];
        vf_finding *any = *anyp;
        {
                if (r->nbinaries == 0) {
                        Z3_ast a[3] = {np->allowed, grant, eq_atom(e, e->bin, e->bbits, sh)};
                        Z3_solver_push(z, s);
                        Z3_solver_assert(z, s, mk_and(z, 3, a));
                        const char *w = solve(e, s, 0, NULL, "net: interpreter-grant", NULL, NULL);
                        Z3_solver_pop(z, s, 1);
                        if (!w)
                                return;
                        if (!any) {
                                any = vf_report(v, p, "interpreter-grant", VF_WARNING, "proxy",
                                                "allow connect rules without `from` grant the "
                                                "network to every binary, shells and interpreters "
                                                "included");
                                vf_witness(v, any, "%s", w);
                                vf_fix(v, any,
                                       "add `from` with the one program that needs the "
                                       "network (not an interpreter)");
                                replay(v, p, w, 1);
                        }
                        vf_loc_add(v, any, r->rule_where, r->origin, "granted to any binary");
                        *anyp = any;
                        return;
                }
                bool seen = false;
                for (int k = 0; k < ri && !seen; k++)
                        seen = !memcmp(&p->net[k].rule_where, &r->rule_where, sizeof(span)) &&
                               p->net[k].nbinaries > 0;
                for (int b = 0; b < r->nbinaries && !seen; b++) {
                        int ba = bin_atom(e, r->binaries[b]);
                        bool interp = is_interpreter(r->binaries[b]);
                        if (ba < 0 || (!interp && !r->children))
                                continue;
                        Z3_ast a[4] = {np->allowed, grant,
                                       eq_atom(e, e->bin, e->bbits, interp ? ba : sh),
                                       interp ? k_true(z) : e->anc[ba]};
                        Z3_solver_push(z, s);
                        Z3_solver_assert(z, s, mk_and(z, 4, a));
                        const char *w = solve(e, s, 0, NULL, "net: interpreter-grant", NULL, NULL);
                        Z3_solver_pop(z, s, 1);
                        if (!w)
                                continue;
                        vf_finding *f;
                        if (interp) {
                                f = vf_report(v, p, "interpreter-grant", VF_ERROR, "proxy",
                                              "network granted from %s, a shell or interpreter: "
                                              "any code it is given (`-c`, a script) gets the "
                                              "grant",
                                              r->binaries[b]);
                                vf_fix(v, f,
                                       "grant the network to the program that needs it, "
                                       "not to an interpreter");
                        } else {
                                f = vf_report(v, p, "interpreter-grant", VF_WARNING, "proxy",
                                              "`from %s and children` grants the network to every "
                                              "process it starts, shells and interpreters "
                                              "included",
                                              r->binaries[b]);
                                vf_fix(v, f, "drop `and children`, or name the child programs");
                        }
                        vf_witness(v, f, "%s", w);
                        vf_loc_add(v, f, r->rule_where, r->origin, "the grant");
                        replay(v, p, w, 1);
                        break;
                }
        }
}

static void interpreter_grant(nenc *e, Z3_solver s, const npol *np)
{
        Z3_context z = e->z;
        const ir_policy *p = np->p;
        int sh = sv_find(&e->bins, SHELL_BIN);
        vf_finding *any = NULL;
        int *scope = malloc(sizeof(int) * (size_t)(np->nu + 1));
        Z3_ast pin[2];
        pins(e, np, pin);
        for (int ri = 0; ri < p->nnet; ri++) {
                const ir_net_rule *r = &p->net[ri];
                if (r->deny || r->op != NET_CONNECT)
                        continue;
                /* the rule's grant: any of its units */
                Z3_ast g[64];
                int ng = 0;
                for (int k = np->first[ri]; k < np->first[ri + 1] && ng < 64; k++)
                        if (!np->u[k].deny)
                                g[ng++] = np->u[k].lit;
                if (ng == 0)
                        continue;
                int in[64], nin = 0;
                for (int k = np->first[ri]; k < np->first[ri + 1] && nin < 64; k++)
                        in[nin++] = k;
                int n = fast_scope(np, in, nin, scope);
                Z3_ast pn = pin[r->ep.kind == IR_HOST_IP];
                if (!pn) { /* no fast scope: every unit */
                        n = np->nu;
                        for (int k = 0; k < n; k++)
                                scope[k] = k;
                }
                scope_open(e, s, np, scope, n, pn);
                interpreter_rule(e, s, np, ri, mk_or(z, ng, g), sh, &any);
                Z3_solver_pop(z, s, 1);
        }
        free(scope);
}

typedef struct egress_cat {
        const char *what;
        const char *nets[6];
        vf_severity sev;
} egress_cat;

static const egress_cat egress_cats[] = {
    {"the cloud metadata service", {"169.254.169.254", "fd00:ec2::254", NULL}, VF_ERROR},
    {"link-local addresses", {"169.254.0.0/16", "fe80::/10", NULL}, VF_ERROR},
    {"loopback (the host's own services: the proxy runs outside the sandbox)",
     {"127.0.0.0/8", "::1", "0.0.0.0/8", "::", NULL},
     VF_ERROR},
    {"private addresses",
     {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10", NULL},
     VF_WARNING},
};

static Z3_ast in_cat(nenc *e, const egress_cat *c)
{
        Z3_ast t[6];
        int n = 0;
        for (int i = 0; c->nets[i]; i++) {
                ip_net x = parse_net(c->nets[i]);
                t[n++] = in_net(e, x.addr, x.prefix);
        }
        return mk_or(e->z, n, t);
}

static void metadata_egress(nenc *e, Z3_solver s, const npol *np)
{
        vf *v = e->v;
        Z3_context z = e->z;
        const ir_policy *p = np->p;
        int ncat = (int)(sizeof egress_cats / sizeof egress_cats[0]);
        /* only address rules reach special addresses (the proxy refuses
         * them to host-name rules), and they match a name resolving there
         * as they match the literal: IP literals and address rules decide */
        int *ip = malloc(sizeof(int) * (size_t)(np->nu + 1)), nip = 0;
        for (int k = 0; k < np->nu; k++)
                if (np->u[k].r->ep.kind == IR_HOST_IP)
                        ip[nip++] = k;
        scope_open(e, s, np, ip, nip, e->isip);
        free(ip);
        for (int c = 0; c < ncat; c++) {
                Z3_ast a[4] = {np->allowed, k_not(z, e->bind), in_cat(e, &egress_cats[c]),
                               c == 1 ? k_not(z, in_cat(e, &egress_cats[0])) : k_true(z)};
                Z3_solver_push(z, s);
                Z3_solver_assert(z, s, mk_and(z, 4, a));
                Z3_model m = NULL;
                const char *w = solve(e, s, 0, NULL, "net: metadata-egress", NULL, &m);
                if (w) {
                        vf_finding *f =
                            vf_report(v, p, "metadata-egress", egress_cats[c].sev, "proxy",
                                      "the policy lets the agent reach %s through the proxy",
                                      egress_cats[c].what);
                        vf_witness(v, f, "%s", w);
                        for (int k = 0; k < np->nu; k++)
                                if (!np->u[k].deny && model_bool(v, m, np->u[k].f))
                                        loc_unit(v, f, &np->u[k], "allows it");
                        vf_fix(v, f,
                               "remove the rule or narrow it to the one address the "
                               "agent needs (or waive metadata-egress with the reason)");
                        replay(v, p, w, 1);
                        Z3_model_dec_ref(z, m);
                }
                Z3_solver_pop(z, s, 1);
        }
        Z3_solver_pop(z, s, 1);
}

/* ---- assert never connect ---- */

static void assertions(nenc *e, Z3_solver s, const npol *np)
{
        vf *v = e->v;
        Z3_context z = e->z;
        const ir_policy *p = np->p;
        for (int i = 0; i < p->nasserts; i++) {
                const ir_assert *as = &p->asserts[i];
                if (as->kind != ASSERT_CONNECT)
                        continue;
                Z3_ast *t = malloc(sizeof(Z3_ast) * (size_t)(as->nendpoints + 1));
                for (int k = 0; k < as->nendpoints; k++)
                        t[k] = endpoint_f(e, &as->endpoints[k], NULL, NULL);
                Z3_ast a[4] = {np->allowed, k_not(z, e->bind), mk_or(z, as->nendpoints, t),
                               binaries_f(e, as->binaries, as->nbinaries, false)};
                free(t);
                Z3_solver_push(z, s);
                Z3_solver_assert(z, s, mk_and(z, 4, a));
                Z3_model m = NULL;
                const char *w = solve(e, s, 0, NULL, "net: assert never connect", NULL, &m);
                if (w) {
                        vf_finding *f =
                            vf_report(v, p, "assert-never", VF_ERROR, "proxy",
                                      "`assert never connect` does not hold: the policy allows a "
                                      "connection it excludes");
                        vf_witness(v, f, "%s", w);
                        vf_loc_add(v, f, as->where, as->origin, "the assertion");
                        for (int k = 0; k < np->nu; k++)
                                if (!np->u[k].deny && model_bool(v, m, np->u[k].f))
                                        loc_unit(v, f, &np->u[k], "allows it");
                        vf_fix(v, f, "add a matching `deny connect`, or narrow the allow rule");
                        replay(v, p, w, 1);
                        Z3_model_dec_ref(z, m);
                }
                Z3_solver_pop(z, s, 1);
        }
}

/* ---- proxy-bypass: the socket rules ---- */

static Z3_ast cond_f(vf *v, const ir_cond *c, Z3_ast args[6])
{
        Z3_context z = v->z;
        if (!c)
                return k_true(z);
        switch (c->kind) {
        case COND_TRUE:
                return k_true(z);
        case COND_AND:
                return and2(z, cond_f(v, c->l, args), cond_f(v, c->r, args));
        case COND_OR:
                return or2(z, cond_f(v, c->l, args), cond_f(v, c->r, args));
        case COND_NOT:
                return k_not(z, cond_f(v, c->l, args));
        case COND_CMP:
                break;
        }
        if (c->arg < 0 || c->arg > 5)
                return k_false(z);
        unsigned w = c->width == 32 ? 32 : 64;
        Z3_ast x = w == 32 ? k_extract(z, 31, 0, args[c->arg]) : args[c->arg];
        uint64_t mask = w == 32 ? c->mask & 0xffffffffull : c->mask;
        uint64_t val = w == 32 ? c->value & 0xffffffffull : c->value;
        x = k_bvand(z, x, k_bv(v, mask, w));
        Z3_ast k = k_bv(v, val, w);
        bool sg = c->is_signed;
        switch (c->op) {
        case CMP_EQ:
                return k_eq(z, x, k);
        case CMP_NE:
                return k_not(z, k_eq(z, x, k));
        case CMP_LT:
                return sg ? k_bvslt(z, x, k) : k_bvult(z, x, k);
        case CMP_LE:
                return sg ? k_bvsle(z, x, k) : k_bvule(z, x, k);
        case CMP_GT:
                return sg ? k_bvsgt(z, x, k) : k_bvugt(z, x, k);
        case CMP_GE:
                return sg ? k_bvsge(z, x, k) : k_bvuge(z, x, k);
        }
        return k_false(z);
}

static bool act_allows(ir_action a)
{
        return a.kind == ACT_ALLOW || a.kind == ACT_LOG;
}

typedef struct bypass {
        const char *what;
        int domain; /* AF_ */
        int kind;   /* 0 any type, 1 type SOCK_RAW, 2 netlink protocol != route */
        vf_severity sev;
        const char *why;
} bypass;

static const bypass bypasses[] = {
    {"AF_VSOCK sockets", 40, 0, VF_ERROR,
     "vsock is not confined by the network namespace: in a virtual machine it reaches the "
     "hypervisor host directly"},
    {"AF_PACKET sockets", 17, 0, VF_WARNING,
     "link-layer frames bypass the proxy; the sandbox's network namespace has only `lo`, so "
     "nothing leaves today, but the policy does not state it"},
    {"raw IPv4 sockets", 2, 1, VF_WARNING,
     "raw IP bypasses the proxy; the network namespace has only `lo`, so nothing leaves today"},
    {"raw IPv6 sockets", 10, 1, VF_WARNING,
     "raw IP bypasses the proxy; the network namespace has only `lo`, so nothing leaves today"},
    {"netlink sockets other than NETLINK_ROUTE", 16, 2, VF_WARNING,
     "netlink families other than route talk to kernel subsystems (audit, netfilter, "
     "uevents, ...) the proxy never sees"},
};

static void proxy_bypass(vf *v, const ir_policy *p)
{
        Z3_context z = v->z;
        Z3_ast args[6];
        for (int i = 0; i < 6; i++) {
                char name[32];
                snprintf(name, sizeof name, "sock.a%d", i);
                args[i] = k_bvvar(v, name, 64);
        }
        Z3_ast allowed;
        if (!p->has_syscalls) {
                allowed = k_true(z);
        } else {
                const ir_syscall *sc = ir_find_syscall(p, "socket");
                Z3_ast parts[2];
                Z3_ast *all = malloc(sizeof(Z3_ast) * (size_t)((sc ? sc->nrules : 0) + 1));
                Z3_ast *any = malloc(sizeof(Z3_ast) * (size_t)((sc ? sc->nrules : 0) + 2));
                int na = 0, ny = 0;
                for (int i = 0; sc && i < sc->nrules; i++) {
                        Z3_ast h = cond_f(v, sc->rules[i].cond, args);
                        if (!act_allows(sc->rules[i].action))
                                all[na++] = k_not(z, h);
                        any[ny++] = h;
                }
                if (act_allows(p->sys_default))
                        any[ny++] = k_true(z);
                parts[0] = mk_and(z, na, all);
                parts[1] = mk_or(z, ny, any);
                allowed = k_and(z, 2, parts);
                free(all);
                free(any);
        }
        Z3_solver s = vf_solver(v);
        Z3_solver_assert(z, s, allowed);
        for (size_t b = 0; b < sizeof bypasses / sizeof bypasses[0]; b++) {
                const bypass *by = &bypasses[b];
                Z3_ast dom =
                    k_eq(z, k_extract(z, 31, 0, args[0]), k_bv(v, (uint64_t)by->domain, 32));
                Z3_ast extra = k_true(z);
                if (by->kind == 1)
                        extra = k_eq(z, k_extract(z, 3, 0, args[1]), k_bv(v, 3, 4));
                else if (by->kind == 2)
                        extra = k_not(z, k_eq(z, k_extract(z, 31, 0, args[2]), k_bv(v, 0, 32)));
                Z3_solver_push(z, s);
                Z3_solver_assert(z, s, and2(z, dom, extra));
                if (vf_check(v, s, "net: proxy-bypass") == Z3_L_TRUE) {
                        Z3_model m = Z3_solver_get_model(z, s);
                        Z3_model_inc_ref(z, m);
                        uint64_t a[3];
                        for (int i = 0; i < 3; i++)
                                a[i] = vf_model_u64(v, m, args[i]) & 0xffffffffull;
                        Z3_model_dec_ref(z, m);
                        const char *w =
                            arena_printf(&v->c->arena, "socket domain=%llu type=%llu protocol=%llu",
                                         (unsigned long long)a[0], (unsigned long long)a[1],
                                         (unsigned long long)a[2]);
                        vf_finding *f = vf_report(v, p, "proxy-bypass", by->sev, "seccomp",
                                                  "the policy allows %s: %s", by->what, by->why);
                        vf_witness(v, f, "%s", w);
                        const ir_syscall *sc = ir_find_syscall(p, "socket");
                        if (!p->has_syscalls) {
                                vf_loc_add(v, f, p->where, NULL, "no syscalls section");
                        } else {
                                uint64_t full[6] = {a[0], a[1], a[2], 0, 0, 0};
                                bool hit = false;
                                for (int i = 0; sc && i < sc->nrules; i++)
                                        if (eval_cond(sc->rules[i].cond, full)) {
                                                vf_loc_add(v, f, sc->rules[i].rule_where,
                                                           sc->rules[i].origin, "allows it");
                                                hit = true;
                                        }
                                if (!hit)
                                        vf_loc_add(v, f, p->sys_default_where, NULL,
                                                   "the default allows it");
                        }
                        vf_fix(v, f,
                               "allow socket only `when domain in { AF_UNIX, AF_INET, AF_INET6 } "
                               "&& type & 15 != SOCK_RAW` (or deny this family)");
                        vf_replay(v, p, w, 1, NULL);
                }
                Z3_solver_pop(z, s, 1);
        }
        vf_solver_free(v, s);
}

/* ---- the entry points ---- */

void vf_check_net(vf *v, const ir_policy *p)
{
        keep_begin(v->z);
        vf_family(v, "escalation");
        proxy_bypass(v, p);
        if (!p->has_net && p->nasserts == 0) {
                vf_family_end(v);
                keep_end();
                return;
        }
        nenc e;
        enc_init(&e, v, p, NULL);
        npol np;
        enc_policy(&e, p, &np, "p");
        Z3_solver s = vf_solver(v);
        Z3_solver_assert(v->z, s, e.domain);
        if (p->has_net) {
                vf_family(v, "anomalies");
                anomalies(&e, s, &np);
                vf_family(v, "escalation");
                interpreter_grant(&e, s, &np);
                metadata_egress(&e, s, &np);
        }
        /* the assertions: every unit */
        enc_assert(&e, s, &np);
        vf_family(v, "assertions");
        assertions(&e, s, &np);
        vf_family_end(v);
        vf_solver_free(v, s);
        npol_free(&np);
        enc_free(&e);
        keep_end();
}

void vf_compare_net(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out)
{
        vf_family(v, "containment");
        keep_begin(v->z);
        memset(out, 0, sizeof *out);
        out->domain = "net";
        nenc e;
        enc_init(&e, v, old, new);
        npol po, pn;
        enc_policy(&e, old, &po, "old");
        enc_policy(&e, new, &pn, "new");
        Z3_solver s = vf_solver(v);
        Z3_context z = v->z;
        Z3_solver_assert(z, s, e.domain);
        enc_assert(&e, s, &po);
        enc_assert(&e, s, &pn);
        Z3_ast na = k_boolvar(v, "cmp.new"), oa = k_boolvar(v, "cmp.old");
        Z3_ast nd = k_boolvar(v, "cmp.newdeny"), od = k_boolvar(v, "cmp.olddeny");
        Z3_solver_assert(z, s, k_implies(z, na, pn.allowed));
        Z3_solver_assert(z, s, k_implies(z, oa, po.allowed));
        Z3_solver_assert(z, s, k_implies(z, nd, pn.notallowed));
        Z3_solver_assert(z, s, k_implies(z, od, po.notallowed));
        Z3_ast w1[2] = {na, od}, w2[2] = {oa, nd};
        Z3_lbool r1, r2;
        const char *wider = solve(&e, s, 2, w1, "net: compare (wider)", &r1, NULL);
        const char *narrower = solve(&e, s, 2, w2, "net: compare (narrower)", &r2, NULL);
        if (r1 == Z3_L_UNDEF || r2 == Z3_L_UNDEF)
                out->unknown = true;
        out->wider_witness = wider;
        out->narrower_witness = narrower;
        if (wider) {
                vf_replay(v, new, wider, 1, NULL);
                vf_replay(v, old, wider, 0, NULL);
        }
        if (narrower) {
                vf_replay(v, old, narrower, 1, NULL);
                vf_replay(v, new, narrower, 0, NULL);
        }
        out->rel = wider && narrower ? VF_INCOMPARABLE
                   : wider           ? VF_WIDER
                   : narrower        ? VF_NARROWER
                                     : VF_EQUIVALENT;
        vf_family_end(v);
        vf_solver_free(v, s);
        npol_free(&po);
        npol_free(&pn);
        enc_free(&e);
        keep_end();
}

/* ---- for the unit tests (tests/verifier/test_net.c includes this file):
 * the encoding's decision on one concrete request ---- */

typedef struct net_oracle {
        vf *v;
        nenc e;
        npol np;
        Z3_solver s;
} net_oracle;

__attribute__((unused)) static void net_oracle_init(net_oracle *o, vf *v, const ir_policy *p)
{
        keep_begin(v->z);
        o->v = v;
        enc_init(&o->e, v, p, NULL);
        enc_policy(&o->e, p, &o->np, "p");
        o->s = vf_solver(v);
        Z3_solver_assert(v->z, o->s, o->e.domain);
        enc_assert(&o->e, o->s, &o->np);
}

__attribute__((unused)) static void net_oracle_free(net_oracle *o)
{
        vf_solver_free(o->v, o->s);
        npol_free(&o->np);
        enc_free(&o->e);
        keep_end();
}

/* The atom of a concrete name under `a` (same match vector), or -1 when
 * no atom has its class: the atoms would be incomplete. */
__attribute__((unused)) static int atom_of(const atoms *a, const char *name, matcher fn)
{
        size_t np = (size_t)a->pat.n;
        for (int i = 0; i < a->rep.n; i++) {
                bool same = true;
                for (size_t k = 0; k < np && same; k++)
                        same = atom_match(a, i, (int)k) == fn(a->pat.s[k], name);
                if (same)
                        return i;
        }
        return -1;
}

/* 1 allowed, 0 denied, -1 a host or path class with no atom, -2 the solver
 * could not decide.  q must have an address; bind and plain say which
 * request kind it is (plain: eval_http, else eval_connect or eval_bind). */
__attribute__((unused)) static int net_oracle_decide(net_oracle *o, const net_request *q, bool bind,
                                                     bool plain)
{
        nenc *e = &o->e;
        Z3_context z = e->z;
        vf *v = o->v;
        Z3_ast c[64];
        int n = 0;
        c[n++] = bind ? e->bind : k_not(z, e->bind);
        c[n++] = plain ? e->plain : k_not(z, e->plain);
        c[n++] = q->host_is_ip ? e->isip : k_not(z, e->isip);
        if (!q->host_is_ip) {
                int h = atom_of(&e->host, q->host, host_matcher);
                if (h < 0)
                        return -1;
                c[n++] = eq_atom(e, e->host_v, e->hbits, h);
        }
        c[n++] = k_eq(z, e->addr, bv128(e, q->addr));
        c[n++] = k_eq(z, e->port, k_bv(v, q->port, 16));
        int b = q->binary ? sv_find(&e->bins, q->binary) : -1;
        if (b < 0)
                b = sv_find(&e->bins, OTHER_BIN);
        c[n++] = eq_atom(e, e->bin, e->bbits, b);
        for (int i = 0; i < e->bins.n && n < 60; i++) {
                bool is = false;
                for (int k = 0; k < q->nancestors; k++)
                        is |= !strcmp(q->ancestors[k], e->bins.s[i]);
                c[n++] = is ? e->anc[i] : k_not(z, e->anc[i]);
        }
        if (plain) {
                char norm[4096];
                const char *why;
                if (!url_path_normalize(q->path, norm, sizeof norm, &why))
                        return 0; /* the proxy refuses it outright */
                int m = sv_find(&e->meths, q->method);
                if (m < 0)
                        m = sv_find(&e->meths, OTHER_METHOD);
                int pa = atom_of(&e->path, norm, glob_matcher);
                if (pa < 0)
                        return -1;
                c[n++] = eq_atom(e, e->meth, e->mbits, m);
                c[n++] = eq_atom(e, e->upath, e->pbits, pa);
        }
        c[n++] = o->np.allowed;
        Z3_solver_push(z, o->s);
        Z3_solver_assert(z, o->s, mk_and(z, n, c));
        Z3_lbool r = vf_check(v, o->s, "net: oracle");
        Z3_solver_pop(z, o->s, 1);
        return r == Z3_L_TRUE ? 1 : r == Z3_L_FALSE ? 0 : -2;
}
