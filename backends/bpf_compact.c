/*
 * bpf_compact.c - the syscall-number dispatch of a seccomp program,
 * rewritten as a binary search over ranges.
 *
 * libseccomp's binary tree compares the number with one constant per
 * syscall it names (a `jeq` per syscall, `jgt` nodes above them): a policy
 * that allows 250 syscalls gets some 400 comparisons, although the
 * numbers that end in the same place mostly lie in long runs (0-20 all
 * allowed, say).  The kernel checks and JIT-compiles the whole program on
 * every launch, at about half a microsecond per instruction here, so the
 * comparisons cost more than the rest of the program together.
 *
 * The pass takes the largest dispatch it finds: the comparisons
 * (`jeq`, `jgt`, `jge` against a constant, and `ja`) reachable from the
 * instruction after a load of the syscall number, up to the first
 * instruction that is anything else (a `ret`, the load of an argument:
 * an exit).  Those comparisons map every 32-bit value of A to one exit,
 * and the map is constant between consecutive constants they use; the
 * pass evaluates it once per such range, merges neighbouring ranges with
 * the same exit and emits a balanced search over the range starts
 * (`jge`), each leaf a jump to its exit (directly when the offset fits in
 * a conditional jump's 8 bits, else through a `ja`).  A keeps the number
 * throughout, so every exit sees the A it saw before; every other
 * instruction is kept, in order, with its jumps moved.
 *
 * Nothing changes when another instruction jumps into the middle of the
 * dispatch, when the search would not be shorter, or when it does not
 * fit the 8-bit offsets.  The result is checked against the original
 * before it is kept: both run on every range start and the value before
 * it, with several argument patterns, and must return the same.
 */
#include "bpf_compact.h"

#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

static bool is_cmp_k(const oshb_insn *x)
{
        if (BPF_CLASS(x->code) != BPF_JMP || BPF_SRC(x->code) != BPF_K)
                return false;
        unsigned op = BPF_OP(x->code);
        return op == BPF_JA || op == BPF_JEQ || op == BPF_JGT || op == BPF_JGE;
}

/* Successors of instruction i (at most two); -1 for none. */
static void successors(const oshb_insn *p, size_t i, long s[2])
{
        s[0] = s[1] = -1;
        unsigned cls = BPF_CLASS(p[i].code);
        if (cls == BPF_RET)
                return;
        if (cls != BPF_JMP) {
                s[0] = (long)i + 1;
                return;
        }
        if (BPF_OP(p[i].code) == BPF_JA) {
                s[0] = (long)i + 1 + (long)p[i].k;
                return;
        }
        s[0] = (long)i + 1 + p[i].jt;
        s[1] = (long)i + 1 + p[i].jf;
}

/* Where the dispatch starting at `entry` sends A = a. */
static size_t walk(const oshb_insn *p, size_t entry, const bool *in, uint32_t a)
{
        size_t pc = entry;
        while (in[pc]) {
                const oshb_insn *x = &p[pc];
                if (BPF_OP(x->code) == BPF_JA)
                        pc += 1 + x->k;
                else
                        pc += 1 + (bpf_jump_taken(BPF_OP(x->code), a, x->k) ? x->jt : x->jf);
        }
        return pc;
}

/* The dispatch after the load at `ld`: in[] marks its comparisons.
 * Returns how many, 0 when it is not one the pass may rewrite. */
static size_t find_dispatch(const oshb_insn *p, size_t n, size_t ld, bool *in)
{
        memset(in, 0, n * sizeof *in);
        size_t *stack = malloc(n * sizeof *stack), top = 0, count = 0;
        if (!stack)
                return 0;
        if (ld + 1 < n && is_cmp_k(&p[ld + 1]))
                stack[top++] = ld + 1, in[ld + 1] = true;
        while (top) {
                size_t i = stack[--top];
                count++;
                long s[2];
                successors(p, i, s);
                for (int k = 0; k < 2; k++)
                        if (s[k] >= 0 && (size_t)s[k] < n && !in[s[k]] && is_cmp_k(&p[s[k]])) {
                                in[s[k]] = true;
                                stack[top++] = (size_t)s[k];
                        }
        }
        free(stack);
        /* no way into the dispatch but its entry, and no way out of the
         * program */
        for (size_t i = 0; i < n && count; i++) {
                long s[2];
                successors(p, i, s);
                for (int k = 0; k < 2; k++) {
                        if (s[k] < 0)
                                continue;
                        if ((size_t)s[k] >= n)
                                return 0;
                        if (!in[i] && in[s[k]] && (size_t)s[k] != ld + 1)
                                return 0;
                }
        }
        return count;
}

typedef struct {
        uint32_t start; /* first value of the range */
        size_t exit;    /* old pc */
} range;

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return (x > y) - (x < y);
}

/* The ranges of A with one exit each, neighbours merged; NULL on no
 * memory. */
static range *ranges_of(const oshb_insn *p, size_t n, size_t entry, const bool *in, size_t *nr)
{
        uint32_t *cut = malloc((2 * n + 1) * sizeof *cut);
        range *r = malloc((2 * n + 1) * sizeof *r);
        if (!cut || !r) {
                free(cut);
                free(r);
                return NULL;
        }
        size_t nc = 0;
        cut[nc++] = 0;
        for (size_t i = 0; i < n; i++) {
                if (!in[i])
                        continue;
                uint32_t k = p[i].k;
                switch (BPF_OP(p[i].code)) {
                case BPF_JEQ:
                        cut[nc++] = k;
                        if (k != UINT32_MAX)
                                cut[nc++] = k + 1;
                        break;
                case BPF_JGT:
                        if (k != UINT32_MAX)
                                cut[nc++] = k + 1;
                        break;
                case BPF_JGE:
                        cut[nc++] = k;
                        break;
                }
        }
        qsort(cut, nc, sizeof *cut, cmp_u32);
        size_t m = 0;
        for (size_t i = 0; i < nc; i++) {
                if (i && cut[i] == cut[i - 1])
                        continue;
                size_t e = walk(p, entry, in, cut[i]);
                if (m && r[m - 1].exit == e)
                        continue;
                r[m++] = (range){cut[i], e};
        }
        free(cut);
        *nr = m;
        return r;
}

/* The search over ranges [lo, hi), laid out in pre-order: a `jge` per
 * inner node (true: the upper half, which follows the lower one), a leaf
 * as a `ja` unless direct[] says its parent jumps to the exit itself. */
typedef struct {
        const range *r;
        const bool *direct; /* per range: no `ja` of its own */
        oshb_insn *out;
        const size_t *newpc;
        bool fits;
} search;

static size_t leaf_size(const search *s, size_t i)
{
        return s->direct[i] ? 0 : 1;
}

static size_t tree_size(const search *s, size_t lo, size_t hi)
{
        if (hi - lo == 1)
                return leaf_size(s, lo);
        size_t mid = lo + (hi - lo) / 2;
        return 1 + tree_size(s, lo, mid) + tree_size(s, mid, hi);
}

/* Emit [lo, hi) at pc; returns the pc after it. */
static size_t emit(search *s, size_t lo, size_t hi, size_t pc)
{
        if (hi - lo == 1) {
                if (!s->direct[lo]) {
                        s->out[pc] = (oshb_insn){.code = BPF_JMP | BPF_JA,
                                                 .k = (uint32_t)(s->newpc[s->r[lo].exit] - pc - 1)};
                        pc++;
                }
                return pc;
        }
        size_t mid = lo + (hi - lo) / 2, self = pc++;
        size_t lo_at = pc, hi_at;
        pc = emit(s, lo, mid, pc);
        hi_at = pc;
        pc = emit(s, mid, hi, pc);
        /* a direct leaf is its exit */
        size_t f = mid - lo == 1 && s->direct[lo] ? s->newpc[s->r[lo].exit] : lo_at;
        size_t t = hi - mid == 1 && s->direct[mid] ? s->newpc[s->r[mid].exit] : hi_at;
        if (t <= self || f <= self || t - self - 1 > 255 || f - self - 1 > 255)
                s->fits = false;
        s->out[self] = (oshb_insn){.code = BPF_JMP | BPF_JGE | BPF_K,
                                   .jt = (uint8_t)(t - self - 1),
                                   .jf = (uint8_t)(f - self - 1),
                                   .k = s->r[mid].start};
        return pc;
}

/* Lay the new program out for the current direct[]: newpc of every kept
 * old instruction.  Returns the search's size. */
static size_t layout(size_t n, size_t ld, const bool *in, const search *s, size_t nr, size_t *newpc)
{
        size_t dsize = tree_size(s, 0, nr);
        size_t pc = 0;
        for (size_t i = 0; i < n; i++) {
                if (i == ld + 1)
                        pc += dsize;
                if (!in[i])
                        newpc[i] = pc++;
        }
        newpc[ld + 1] = ld + 1; /* the entry, which a kept jump may name */
        return dsize;
}

/* Move a kept instruction's jumps; false when one no longer fits. */
static bool relocate(oshb_insn *x, size_t from, size_t to, const size_t *newpc)
{
        if (BPF_CLASS(x->code) != BPF_JMP)
                return true;
        if (BPF_OP(x->code) == BPF_JA) {
                x->k = (uint32_t)(newpc[from + 1 + x->k] - to - 1);
                return true;
        }
        size_t jt = newpc[from + 1 + x->jt] - to - 1, jf = newpc[from + 1 + x->jf] - to - 1;
        if (jt > 255 || jf > 255)
                return false;
        x->jt = (uint8_t)jt;
        x->jf = (uint8_t)jf;
        return true;
}

static bool same_decisions(const oshb_insn *a, size_t na, const oshb_insn *b, size_t nb,
                           const range *r, size_t nr, uint32_t audit_arch, bool big_endian)
{
        static const uint64_t pattern[] = {0, ~0ull, 0x5555555555555555ull, 0x8000000000000001ull};
        for (size_t i = 0; i < nr; i++)
                for (int back = 0; back < 2; back++) {
                        if (back && r[i].start == 0)
                                continue;
                        bpf_seccomp_data d = {.nr = r[i].start - (uint32_t)back,
                                              .arch = audit_arch};
                        for (size_t q = 0; q < sizeof pattern / sizeof *pattern; q++) {
                                for (int k = 0; k < 6; k++)
                                        d.args[k] = pattern[q] ^ (uint64_t)k;
                                bpf_run_result x = bpf_run(a, (uint32_t)na, &d, big_endian);
                                bpf_run_result y = bpf_run(b, (uint32_t)nb, &d, big_endian);
                                if (x.ok != y.ok || x.ret != y.ret)
                                        return false;
                        }
                }
        return true;
}

/* Rewrite the dispatch after the load at `ld` into out (room for n);
 * returns the new length, or 0 to keep the program as it is. */
static size_t rewrite(const oshb_insn *p, size_t n, size_t ld, const bool *in, size_t count,
                      oshb_insn *out, uint32_t audit_arch, bool big_endian)
{
        size_t nr = 0, len = 0;
        range *r = ranges_of(p, n, ld + 1, in, &nr);
        bool *direct = calloc(nr ? nr : 1, sizeof *direct);
        size_t *newpc = calloc(n, sizeof *newpc);
        if (!r || !direct || !newpc || nr == 0)
                goto done;
        search s = {.r = r, .direct = direct, .newpc = newpc};
        /* leaves become direct while their parent can reach the exit: each
         * one that goes only brings the others closer (a lone range keeps
         * its `ja`: there is no parent) */
        for (bool changed = nr > 1; changed;) {
                changed = false;
                layout(n, ld, in, &s, nr, newpc);
                for (size_t i = 0; i < nr; i++) {
                        if (direct[i])
                                continue;
                        /* the parent sits at or after the search's first
                         * instruction, so its offset to the exit is less */
                        size_t reach = newpc[r[i].exit] - (ld + 1);
                        if (reach <= 255) {
                                direct[i] = true;
                                changed = true;
                        }
                }
        }
        size_t dsize = layout(n, ld, in, &s, nr, newpc);
        len = n - count + dsize;
        if (len >= n) {
                len = 0;
                goto done;
        }
        memset(out, 0, n * sizeof *out);
        for (size_t i = 0; i < n; i++)
                if (!in[i])
                        out[newpc[i]] = p[i];
        s.out = out;
        s.fits = true;
        emit(&s, 0, nr, ld + 1);
        if (!s.fits) {
                len = 0;
                goto done;
        }
        for (size_t i = 0; i < n; i++)
                if (!in[i] && !relocate(&out[newpc[i]], i, newpc[i], newpc)) {
                        len = 0;
                        goto done;
                }
        if (!same_decisions(p, n, out, len, r, nr, audit_arch, big_endian))
                len = 0;
done:
        free(r);
        free(direct);
        free(newpc);
        return len;
}

size_t bpf_compact_dispatch(oshb_insn *prog, size_t n, uint32_t audit_arch, bool big_endian)
{
        if (n < 2)
                return n;
        bool *in = malloc(n * sizeof *in), *best_in = malloc(n * sizeof *best_in);
        oshb_insn *out = malloc(n * sizeof *out);
        size_t best = 0, best_ld = 0, len = 0;
        if (!in || !best_in || !out)
                goto done;
        for (size_t ld = 0; ld + 1 < n; ld++) {
                if (prog[ld].code != (BPF_LD | BPF_W | BPF_ABS) || prog[ld].k != 0)
                        continue;
                size_t c = find_dispatch(prog, n, ld, in);
                if (c > best) {
                        best = c;
                        best_ld = ld;
                        memcpy(best_in, in, n * sizeof *in);
                }
        }
        if (best >= 2)
                len = rewrite(prog, n, best_ld, best_in, best, out, audit_arch, big_endian);
        if (len)
                memcpy(prog, out, len * sizeof *out);
done:
        free(in);
        free(best_in);
        free(out);
        return len ? len : n;
}
