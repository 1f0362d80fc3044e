/*
 * tv_bpf.c - translation validation of the emitted seccomp programs
 * (DESIGN §5.4): each classic BPF program of the bundle is executed
 * symbolically over seccomp_data and proved to decide every syscall as the
 * IR does, errno values included, for every argument value.
 *
 * The program is first checked as the kernel checks it
 * (seccomp_check_filter and bpf_check_classic): 1..4096 instructions, only
 * the opcodes seccomp accepts, aligned 32-bit loads inside seccomp_data,
 * jumps forward and inside the program, scratch words written before they
 * are read on every path, a ret last.  Jumps only go forward, so the
 * program is a DAG and one pass in instruction order executes it: each
 * instruction gets the disjunction of the guards of the edges reaching it
 * and its registers (A, X, M[0..15], 32-bit vectors) merged with ite over
 * those guards.  The paths through a program are disjoint, so the return
 * value is one nested ite over the guards of the ret instructions.
 * Values the pass knows (the syscall number and arch when they are
 * concrete, immediates) are folded in C, so a syscall whose rules have no
 * condition is decided without the solver at all.
 *
 * Per arch of the policy these are proved:
 *  - every syscall the policy names (by its number on that arch): the
 *    program's action equals the IR's, for all six arguments (64-bit, or
 *    32-bit zero-extended on a 32-bit arch);
 *  - every other number (one symbolic nr, constrained to none of the named
 *    ones): the default action, except on x86_64 where nr >= 0x40000000
 *    (x32 numbers and above, -1 excepted) is killed (docs/seccomp.md);
 *  - any arch value but the program's own: kill process.
 * Return values mean what the kernel makes of them: the action is
 * ret & SECCOMP_RET_ACTION_FULL, an errno is the low 16 bits capped at
 * 4095 (MAX_ERRNO), and an unknown action kills the process.
 *
 * The IR side is encoded here from ir_cond with the reference evaluator's
 * width, signedness and mask rules (eval.c cmp_holds); sys.c has its own
 * encoder for the anomaly checks, and the two must agree with eval.c.
 * Every counterexample is replayed through the concrete interpreter
 * (runtime/bpf_run.c) and the reference evaluator (eval_syscall): when the
 * concrete run does not show the disagreement, that is a verifier bug
 * (vf_internal), never a finding.
 */
#include "verify.h"

#include "../backends/backends.h"
#include "../backends/bpf.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define SD_SIZE 64 /* sizeof(struct seccomp_data) */
#define NSCRATCH 16
#define X32_BIT 0x40000000u
#define MAX_ERRNO 4095u

/* Normalized actions: the kind in the upper 16 bits, the errno below. */
enum {
        NA_KILL_PROCESS = 1,
        NA_KILL_THREAD,
        NA_TRAP,
        NA_ERRNO,
        NA_NOTIFY,
        NA_TRACE,
        NA_LOG,
        NA_ALLOW,
};

/* One 32-bit value of the symbolic machine: known in C, or a Z3 term. */
typedef struct sval {
        bool known;
        uint8_t var; /* VAR_NR / VAR_ARCH: the input variable itself */
        uint32_t c;
        Z3_ast t;
} sval;

enum { VAR_NONE, VAR_NR, VAR_ARCH };

/* The machine at one instruction: reached under `guard` (NULL: always). */
typedef struct sstate {
        bool reached;
        Z3_ast guard;
        sval a, x, m[NSCRATCH];
        uint16_t mset; /* scratch words written on every path here */
} sstate;

typedef struct tv {
        vf *v;
        Z3_context z;
        const ir_policy *p;
        const oshb_seccomp_prog *prog;
        Z3_ast_vector keep; /* holds a reference to every term made here */
        bool big_endian, is64;
        Z3_solver s; /* one per program; a push/pop per query */
        /* the input: nr and arch known in C or the variables below */
        sval nr_v, arch_v;
        Z3_ast nr, arch, ip, args[6];
        /* values the query assumes nr (arch) is not: a JEQ against one of
         * them is not taken, so paths the query excludes are not built */
        const int *excl_nr;
        int nexcl_nr;
        bool excl_arch;
        /* one run */
        sstate *st;
        uint32_t *touched;
        uint32_t ntouched;
        bool ret_known; /* the program's action (a code, as action_code_of_ret) */
        uint32_t ret_c;
        Z3_ast ret_t;    /* the action as a term (NULL when known) */
        bool any_ret;    /* some ret reached */
        const char *err; /* a structural problem met on a path */
        uint32_t err_pc;
} tv;

static Z3_ast keep(tv *t, Z3_ast a)
{
        Z3_ast_vector_push(t->z, t->keep, a);
        return a;
}

static Z3_ast bv32(tv *t, uint32_t c)
{
        return keep(t, vf_bv(t->v, c, 32));
}

static Z3_ast term(tv *t, sval s)
{
        return s.known ? bv32(t, s.c) : s.t;
}

static sval known(uint32_t c)
{
        return (sval){true, VAR_NONE, c, NULL};
}

static sval sym(Z3_ast a)
{
        return (sval){false, VAR_NONE, 0, a};
}

static sval input_var(Z3_ast a, uint8_t var)
{
        return (sval){false, var, 0, a};
}

/* Does the query assume the input variable `a` differs from k? */
static bool excluded(const tv *t, sval a, uint32_t k)
{
        if (a.var == VAR_ARCH)
                return t->excl_arch && k == t->prog->audit_arch;
        if (a.var == VAR_NR)
                for (int i = 0; i < t->nexcl_nr; i++)
                        if (t->excl_nr[i] >= 0 && (uint32_t)t->excl_nr[i] == k)
                                return true;
        return false;
}

static Z3_ast mk_and2(tv *t, Z3_ast a, Z3_ast b)
{
        if (!a)
                return b;
        if (!b)
                return a;
        Z3_ast x[2] = {a, b};
        return keep(t, Z3_mk_and(t->z, 2, x));
}

static Z3_ast mk_or2(tv *t, Z3_ast a, Z3_ast b)
{
        Z3_ast x[2] = {a, b};
        return keep(t, Z3_mk_or(t->z, 2, x));
}

static Z3_ast mk_not(tv *t, Z3_ast a)
{
        return keep(t, Z3_mk_not(t->z, a));
}

static Z3_ast mk_eq(tv *t, Z3_ast a, Z3_ast b)
{
        return keep(t, Z3_mk_eq(t->z, a, b));
}

/* ---- the kernel's meaning of a return value ---- */

static uint32_t action_code_of_ret(uint32_t ret)
{
        uint32_t data = ret & SECCOMP_RET_DATA;
        switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS:
                return NA_KILL_PROCESS << 16;
        case SECCOMP_RET_KILL_THREAD:
                return NA_KILL_THREAD << 16;
        case SECCOMP_RET_TRAP:
                return NA_TRAP << 16;
        case SECCOMP_RET_ERRNO:
                return NA_ERRNO << 16 | (data > MAX_ERRNO ? MAX_ERRNO : data);
        case SECCOMP_RET_USER_NOTIF:
                return NA_NOTIFY << 16;
        case SECCOMP_RET_TRACE:
                return NA_TRACE << 16;
        case SECCOMP_RET_LOG:
                return NA_LOG << 16;
        case SECCOMP_RET_ALLOW:
                return NA_ALLOW << 16;
        }
        return NA_KILL_PROCESS << 16; /* the kernel kills on an unknown action */
}

static uint32_t action_code_of_ir(ir_action a)
{
        switch (a.kind) {
        case ACT_KILL:
                return NA_KILL_PROCESS << 16;
        case ACT_TRAP:
                return NA_TRAP << 16;
        case ACT_ERRNO:
                return NA_ERRNO << 16 | ((uint32_t)a.errno_val & 0xffff);
        case ACT_NOTIFY:
                return NA_NOTIFY << 16;
        case ACT_LOG:
                return NA_LOG << 16;
        case ACT_ALLOW:
                return NA_ALLOW << 16;
        }
        return NA_KILL_PROCESS << 16;
}

static const char *action_code_name(uint32_t code, char *buf, size_t n)
{
        static const char *const names[] = {
            "?", "kill process", "kill thread", "trap", "errno", "notify", "trace", "log", "allow"};
        uint32_t k = code >> 16;
        const char *en = k == NA_ERRNO ? errno_name((int)(code & 0xffff)) : NULL;
        if (en)
                snprintf(buf, n, "errno(%s)", en);
        else if (k == NA_ERRNO)
                snprintf(buf, n, "errno(%u)", code & 0xffff);
        else
                snprintf(buf, n, "%s", k <= NA_ALLOW ? names[k] : "?");
        return buf;
}

/* The same as action_code_of_ret, on a term. */
static Z3_ast action_code_term(tv *t, Z3_ast ret)
{
        static const struct {
                uint32_t full, code;
        } map[] = {{SECCOMP_RET_KILL_THREAD, NA_KILL_THREAD},
                   {SECCOMP_RET_TRAP, NA_TRAP},
                   {SECCOMP_RET_USER_NOTIF, NA_NOTIFY},
                   {SECCOMP_RET_TRACE, NA_TRACE},
                   {SECCOMP_RET_LOG, NA_LOG},
                   {SECCOMP_RET_ALLOW, NA_ALLOW},
                   {SECCOMP_RET_KILL_PROCESS, NA_KILL_PROCESS}};
        Z3_ast full = keep(t, Z3_mk_bvand(t->z, ret, bv32(t, SECCOMP_RET_ACTION_FULL)));
        Z3_ast data = keep(t, Z3_mk_bvand(t->z, ret, bv32(t, SECCOMP_RET_DATA)));
        Z3_ast capped =
            keep(t, Z3_mk_ite(t->z, keep(t, Z3_mk_bvugt(t->z, data, bv32(t, MAX_ERRNO))),
                              bv32(t, MAX_ERRNO), data));
        Z3_ast out = bv32(t, NA_KILL_PROCESS << 16);
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                out = keep(t, Z3_mk_ite(t->z, mk_eq(t, full, bv32(t, map[i].full)),
                                        bv32(t, map[i].code << 16), out));
        Z3_ast errno_code = keep(t, Z3_mk_bvor(t->z, bv32(t, NA_ERRNO << 16), capped));
        return keep(t,
                    Z3_mk_ite(t->z, mk_eq(t, full, bv32(t, SECCOMP_RET_ERRNO)), errno_code, out));
}

/* ---- the kernel's checker ---- */

static bool load_ok(uint32_t k)
{
        return k % 4 == 0 && k < SD_SIZE;
}

/* What seccomp_check_filter and bpf_check_classic refuse in one
 * instruction; NULL when it is accepted. */
static const char *insn_refused(const oshb_insn *in, uint32_t pc, uint32_t n)
{
        switch (in->code) {
        case BPF_LD | BPF_W | BPF_ABS:
                return load_ok(in->k) ? NULL : "a load outside seccomp_data or unaligned";
        case BPF_LD | BPF_W | BPF_LEN:
        case BPF_LDX | BPF_W | BPF_LEN:
        case BPF_LD | BPF_IMM:
        case BPF_LDX | BPF_IMM:
        case BPF_MISC | BPF_TAX:
        case BPF_MISC | BPF_TXA:
        case BPF_RET | BPF_K:
        case BPF_RET | BPF_A:
        case BPF_ALU | BPF_NEG:
                return NULL;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
        case BPF_ST:
        case BPF_STX:
                return in->k < NSCRATCH ? NULL : "a scratch word out of range";
        case BPF_ALU | BPF_DIV | BPF_K:
                return in->k ? NULL : "a division by a constant zero";
        case BPF_ALU | BPF_LSH | BPF_K:
        case BPF_ALU | BPF_RSH | BPF_K:
                return in->k < 32 ? NULL : "a shift by 32 or more";
        case BPF_ALU | BPF_ADD | BPF_K:
        case BPF_ALU | BPF_ADD | BPF_X:
        case BPF_ALU | BPF_SUB | BPF_K:
        case BPF_ALU | BPF_SUB | BPF_X:
        case BPF_ALU | BPF_MUL | BPF_K:
        case BPF_ALU | BPF_MUL | BPF_X:
        case BPF_ALU | BPF_DIV | BPF_X:
        case BPF_ALU | BPF_AND | BPF_K:
        case BPF_ALU | BPF_AND | BPF_X:
        case BPF_ALU | BPF_OR | BPF_K:
        case BPF_ALU | BPF_OR | BPF_X:
        case BPF_ALU | BPF_XOR | BPF_K:
        case BPF_ALU | BPF_XOR | BPF_X:
        case BPF_ALU | BPF_LSH | BPF_X:
        case BPF_ALU | BPF_RSH | BPF_X:
                return NULL;
        case BPF_JMP | BPF_JA:
                return in->k < n - pc - 1 ? NULL : "a jump backward or out of the program";
        case BPF_JMP | BPF_JEQ | BPF_K:
        case BPF_JMP | BPF_JEQ | BPF_X:
        case BPF_JMP | BPF_JGT | BPF_K:
        case BPF_JMP | BPF_JGT | BPF_X:
        case BPF_JMP | BPF_JGE | BPF_K:
        case BPF_JMP | BPF_JGE | BPF_X:
        case BPF_JMP | BPF_JSET | BPF_K:
        case BPF_JMP | BPF_JSET | BPF_X:
                return pc + 1 + in->jt < n && pc + 1 + in->jf < n
                           ? NULL
                           : "a jump backward or out of the program";
        }
        return "an opcode seccomp does not accept";
}

/* The whole program as the kernel checks it before loading; NULL when
 * accepted, else the reason with *bad the instruction. */
static const char *program_refused(const oshb_seccomp_prog *pr, uint32_t *bad)
{
        *bad = 0;
        if (pr->ninsns == 0 || pr->ninsns > BPF_PROG_MAX)
                return "the program's length is outside 1..4096 (BPF_MAXINSNS)";
        for (uint32_t pc = 0; pc < pr->ninsns; pc++) {
                const char *why = insn_refused(&pr->insns[pc], pc, pr->ninsns);
                if (why) {
                        *bad = pc;
                        return why;
                }
        }
        *bad = pr->ninsns - 1;
        if (BPF_CLASS(pr->insns[pr->ninsns - 1].code) != BPF_RET)
                return "the last instruction is not a ret";
        *bad = 0;
        if (pr->insns[0].code != (BPF_LD | BPF_W | BPF_ABS) || pr->insns[0].k != 4)
                return "the first instruction does not load the arch";
        *bad = pr->ninsns > 1 ? 1 : 0;
        if (pr->ninsns < 2 || BPF_CLASS(pr->insns[1].code) != BPF_JMP ||
            BPF_OP(pr->insns[1].code) != BPF_JEQ || BPF_SRC(pr->insns[1].code) != BPF_K ||
            pr->insns[1].k != pr->audit_arch)
                return "the second instruction does not test the arch against the program's own";
        return NULL;
}

/* ---- symbolic execution ---- */

static sval data_word(tv *t, uint32_t k)
{
        if (k == 0)
                return t->nr_v;
        if (k == 4)
                return t->arch_v;
        bool first = k % 8 == 0;
        bool low = t->big_endian ? !first : first;
        if (k < 16)
                return sym(keep(t, low ? Z3_mk_extract(t->z, 31, 0, t->ip)
                                       : Z3_mk_extract(t->z, 63, 32, t->ip)));
        Z3_ast arg = t->args[(k - 16) / 8];
        if (!low && !t->is64)
                return known(0); /* 32-bit arch: the upper half is zero */
        return sym(
            keep(t, low ? Z3_mk_extract(t->z, 31, 0, arg) : Z3_mk_extract(t->z, 63, 32, arg)));
}

static void touch(tv *t, uint32_t pc)
{
        if (!t->st[pc].reached)
                t->touched[t->ntouched++] = pc;
}

static sval merge_val(tv *t, Z3_ast g, sval in, sval old)
{
        if (in.known && old.known && in.c == old.c)
                return in;
        if (!in.known && !old.known && in.t == old.t)
                return in;
        if (!g)
                return in;
        return sym(keep(t, Z3_mk_ite(t->z, g, term(t, in), term(t, old))));
}

/* Bring state s along an edge guarded by g into instruction `to`. */
static void flow(tv *t, uint32_t to, Z3_ast g, const sstate *s)
{
        sstate *d = &t->st[to];
        if (!d->reached) {
                touch(t, to);
                *d = *s;
                d->reached = true;
                d->guard = g;
                return;
        }
        d->a = merge_val(t, g, s->a, d->a);
        d->x = merge_val(t, g, s->x, d->x);
        for (int i = 0; i < NSCRATCH; i++)
                if (d->mset & s->mset & (1u << i))
                        d->m[i] = merge_val(t, g, s->m[i], d->m[i]);
        d->mset &= s->mset;
        d->guard = d->guard && g ? mk_or2(t, d->guard, g) : NULL;
}

/* A ret reached under g: its action code joins the program's result.
 * Codes, not raw values, are merged: most rets are constants, and equal
 * actions fold in C. */
static void ret_value(tv *t, Z3_ast g, sval v)
{
        v = v.known ? known(action_code_of_ret(v.c)) : sym(action_code_term(t, v.t));
        if (!t->any_ret) {
                t->any_ret = true;
                t->ret_known = v.known;
                t->ret_c = v.c;
                t->ret_t = v.known ? NULL : v.t;
                return;
        }
        if (t->ret_known && v.known && t->ret_c == v.c)
                return;
        Z3_ast old = t->ret_known ? bv32(t, t->ret_c) : t->ret_t;
        t->ret_t = g ? keep(t, Z3_mk_ite(t->z, g, term(t, v), old)) : term(t, v);
        t->ret_known = false;
}

/* A op= b on known values, as the kernel computes it. */
static uint32_t alu_concrete(uint16_t op, uint32_t x, uint32_t y)
{
        switch (op) {
        case BPF_ADD:
                return x + y;
        case BPF_SUB:
                return x - y;
        case BPF_MUL:
                return x * y;
        case BPF_DIV:
                return y ? x / y : 0;
        case BPF_AND:
                return x & y;
        case BPF_OR:
                return x | y;
        case BPF_XOR:
                return x ^ y;
        case BPF_LSH:
                return x << (y & 31);
        case BPF_RSH:
                return x >> (y & 31);
        case BPF_NEG:
                return -x;
        }
        return 0;
}

static sval alu(tv *t, uint16_t op, sval a, sval b)
{
        if (a.known && b.known)
                return known(alu_concrete(op, a.c, b.c));
        Z3_context z = t->z;
        Z3_ast x = term(t, a), y = term(t, b);
        if (op == BPF_LSH || op == BPF_RSH)
                y = keep(t, Z3_mk_bvand(z, y, bv32(t, 31)));
        switch (op) {
        case BPF_ADD:
                return sym(keep(t, Z3_mk_bvadd(z, x, y)));
        case BPF_SUB:
                return sym(keep(t, Z3_mk_bvsub(z, x, y)));
        case BPF_MUL:
                return sym(keep(t, Z3_mk_bvmul(z, x, y)));
        case BPF_DIV:
                return sym(keep(t, Z3_mk_bvudiv(z, x, y)));
        case BPF_AND:
                return sym(keep(t, Z3_mk_bvand(z, x, y)));
        case BPF_OR:
                return sym(keep(t, Z3_mk_bvor(z, x, y)));
        case BPF_XOR:
                return sym(keep(t, Z3_mk_bvxor(z, x, y)));
        case BPF_LSH:
                return sym(keep(t, Z3_mk_bvshl(z, x, y)));
        case BPF_RSH:
                return sym(keep(t, Z3_mk_bvlshr(z, x, y)));
        case BPF_NEG:
                return sym(keep(t, Z3_mk_bvneg(z, x)));
        }
        return known(0);
}

/* Is a conditional jump taken, on known values? */
static bool jump_concrete(uint16_t op, uint32_t a, uint32_t b)
{
        switch (op) {
        case BPF_JEQ:
                return a == b;
        case BPF_JGT:
                return a > b;
        case BPF_JGE:
                return a >= b;
        default:
                return (a & b) != 0;
        }
}

/* The condition of a conditional jump: 1 taken, 0 not, -1 symbolic (*c). */
static int jump_cond(tv *t, uint16_t op, sval a, sval b, Z3_ast *c)
{
        if (a.known && b.known)
                return jump_concrete(op, a.c, b.c);
        if (op == BPF_JEQ && b.known && excluded(t, a, b.c))
                return 0;
        Z3_ast x = term(t, a), y = term(t, b);
        switch (op) {
        case BPF_JEQ:
                *c = mk_eq(t, x, y);
                break;
        case BPF_JGT:
                *c = keep(t, Z3_mk_bvugt(t->z, x, y));
                break;
        case BPF_JGE:
                *c = keep(t, Z3_mk_bvuge(t->z, x, y));
                break;
        default:
                *c = mk_not(t, mk_eq(t, keep(t, Z3_mk_bvand(t->z, x, y)), bv32(t, 0)));
                break;
        }
        return -1;
}

static void fail_at(tv *t, uint32_t pc, const char *why)
{
        if (!t->err) {
                t->err = why;
                t->err_pc = pc;
        }
}

/* Execute instruction pc on its (final) state. */
static void step(tv *t, uint32_t pc)
{
        const oshb_insn *in = &t->prog->insns[pc];
        sstate s = t->st[pc];
        Z3_ast g = s.guard;
        uint32_t n = t->prog->ninsns;
        sval operand = BPF_SRC(in->code) == BPF_X ? s.x : known(in->k);
        switch (BPF_CLASS(in->code)) {
        case BPF_LD:
        case BPF_LDX: {
                sval val = known(0);
                if (BPF_MODE(in->code) == BPF_ABS)
                        val = data_word(t, in->k);
                else if (BPF_MODE(in->code) == BPF_IMM)
                        val = known(in->k);
                else if (BPF_MODE(in->code) == BPF_LEN)
                        val = known(SD_SIZE);
                else if (!(s.mset & (1u << in->k)))
                        return fail_at(t, pc, "a scratch word read before it is written");
                else
                        val = s.m[in->k];
                if (BPF_CLASS(in->code) == BPF_LD)
                        s.a = val;
                else
                        s.x = val;
                break;
        }
        case BPF_ST:
        case BPF_STX:
                s.m[in->k] = BPF_CLASS(in->code) == BPF_ST ? s.a : s.x;
                s.mset |= (uint16_t)(1u << in->k);
                break;
        case BPF_ALU:
                if (BPF_OP(in->code) == BPF_DIV && BPF_SRC(in->code) == BPF_X) {
                        /* A / 0 through X: the filter returns 0 (kill thread) */
                        Z3_ast c = NULL;
                        int z = jump_cond(t, BPF_JEQ, s.x, known(0), &c);
                        if (z == 1)
                                return ret_value(t, g, known(0));
                        if (z == -1) {
                                ret_value(t, mk_and2(t, g, c), known(0));
                                g = mk_and2(t, g, mk_not(t, c));
                        }
                }
                s.a = alu(t, BPF_OP(in->code), s.a, operand);
                break;
        case BPF_MISC:
                if (in->code == (BPF_MISC | BPF_TAX))
                        s.x = s.a;
                else
                        s.a = s.x;
                break;
        case BPF_RET:
                return ret_value(t, g, in->code == (BPF_RET | BPF_A) ? s.a : known(in->k));
        case BPF_JMP: {
                if (BPF_OP(in->code) == BPF_JA)
                        return flow(t, pc + 1 + in->k, g, &s);
                Z3_ast c = NULL;
                int taken = jump_cond(t, BPF_OP(in->code), s.a, operand, &c);
                if (taken >= 0)
                        return flow(t, pc + 1 + (taken ? in->jt : in->jf), g, &s);
                if (in->jt == in->jf)
                        return flow(t, pc + 1 + in->jt, g, &s);
                flow(t, pc + 1 + in->jt, mk_and2(t, g, c), &s);
                flow(t, pc + 1 + in->jf, mk_and2(t, g, mk_not(t, c)), &s);
                return;
        }
        }
        if (pc + 1 >= n)
                return fail_at(t, pc, "a path runs off the end of the program");
        flow(t, pc + 1, g, &s);
}

/* Run the program once with nr and arch known or symbolic; leaves the
 * return value (or a structural problem) in t. */
static void run(tv *t, sval nr, sval arch)
{
        for (uint32_t i = 0; i < t->ntouched; i++)
                t->st[t->touched[i]].reached = false;
        t->ntouched = 0;
        t->any_ret = false;
        t->ret_known = false;
        t->ret_t = NULL;
        t->err = NULL;
        t->nr_v = nr;
        t->arch_v = arch;
        sstate s0;
        memset(&s0, 0, sizeof s0);
        s0.a = known(0);
        s0.x = known(0);
        flow(t, 0, NULL, &s0);
        for (uint32_t pc = 0; pc < t->prog->ninsns && !t->err; pc++)
                if (t->st[pc].reached)
                        step(t, pc);
}

/* ---- the IR side ---- */

static Z3_ast cond_term(tv *t, const ir_cond *c)
{
        Z3_context z = t->z;
        if (!c || c->kind == COND_TRUE)
                return keep(t, Z3_mk_true(z));
        switch (c->kind) {
        case COND_AND:
                return mk_and2(t, cond_term(t, c->l), cond_term(t, c->r));
        case COND_OR:
                return mk_or2(t, cond_term(t, c->l), cond_term(t, c->r));
        case COND_NOT:
                return mk_not(t, cond_term(t, c->l));
        default:
                break;
        }
        if (c->arg < 0 || c->arg >= 6)
                return keep(t, Z3_mk_false(z));
        Z3_ast x = t->args[c->arg];
        if (c->width == 32)
                x = keep(t, Z3_mk_bvand(z, x, keep(t, vf_bv(t->v, 0xffffffffull, 64))));
        x = keep(t, Z3_mk_bvand(z, x, keep(t, vf_bv(t->v, c->mask, 64))));
        Z3_ast val = keep(t, vf_bv(t->v, c->value, 64));
        bool s = c->is_signed;
        if (s && c->width == 32) {
                x = keep(t, Z3_mk_extract(z, 31, 0, x));
                val = keep(t, Z3_mk_extract(z, 31, 0, val));
        }
        switch (c->op) {
        case CMP_EQ:
                return mk_eq(t, x, val);
        case CMP_NE:
                return mk_not(t, mk_eq(t, x, val));
        case CMP_LT:
                return keep(t, s ? Z3_mk_bvslt(z, x, val) : Z3_mk_bvult(z, x, val));
        case CMP_LE:
                return keep(t, s ? Z3_mk_bvsle(z, x, val) : Z3_mk_bvule(z, x, val));
        case CMP_GT:
                return keep(t, s ? Z3_mk_bvsgt(z, x, val) : Z3_mk_bvugt(z, x, val));
        case CMP_GE:
                return keep(t, s ? Z3_mk_bvsge(z, x, val) : Z3_mk_bvuge(z, x, val));
        }
        return keep(t, Z3_mk_false(z));
}

static bool cond_always(const ir_cond *c)
{
        return !c || c->kind == COND_TRUE;
}

/* Less restrictive first (ir_action_stricter's order, reversed). */
static int cmp_rule_strictness(const void *x, const void *y)
{
        const ir_sys_rule *a = *(const ir_sys_rule *const *)x, *b = *(const ir_sys_rule *const *)y;
        if (a->action.kind != b->action.kind)
                return a->action.kind < b->action.kind ? -1 : 1;
        if (a->action.kind == ACT_ERRNO && a->action.errno_val != b->action.errno_val)
                return a->action.errno_val > b->action.errno_val ? -1 : 1;
        return a->id - b->id;
}

/* The IR's action for syscall sc as a code: concrete (*term NULL) when no
 * rule has a condition, else a term over t->args. */
static uint32_t ir_action_code(tv *t, const ir_syscall *sc, Z3_ast *out)
{
        *out = NULL;
        const ir_sys_rule *best = NULL;
        bool conditional = false;
        for (int i = 0; sc && i < sc->nrules; i++) {
                const ir_sys_rule *r = &sc->rules[i];
                if (!cond_always(r->cond)) {
                        conditional = true;
                        continue;
                }
                if (!best || cmp_rule_strictness(&best, &r) < 0)
                        best = r;
        }
        ir_action def = t->p->has_syscalls ? t->p->sys_default : (ir_action){ACT_ALLOW, 0};
        if (!conditional)
                return action_code_of_ir(best ? best->action : def);
        const ir_sys_rule **rs = malloc(sizeof(*rs) * (size_t)sc->nrules);
        if (!rs)
                abort();
        for (int i = 0; i < sc->nrules; i++)
                rs[i] = &sc->rules[i];
        qsort(rs, (size_t)sc->nrules, sizeof(*rs), cmp_rule_strictness);
        /* one ite per action, over the disjunction of its rules' conditions */
        Z3_ast e = bv32(t, action_code_of_ir(def));
        for (int i = 0; i < sc->nrules;) {
                uint32_t code = action_code_of_ir(rs[i]->action);
                int n = 0;
                while (i + n < sc->nrules && action_code_of_ir(rs[i + n]->action) == code)
                        n++;
                Z3_ast *cs = malloc(sizeof(Z3_ast) * (size_t)n);
                if (!cs)
                        abort();
                for (int j = 0; j < n; j++)
                        cs[j] = cond_term(t, rs[i + j]->cond);
                Z3_ast any = n == 1 ? cs[0] : keep(t, Z3_mk_or(t->z, (unsigned)n, cs));
                free(cs);
                e = keep(t, Z3_mk_ite(t->z, any, bv32(t, code), e));
                i += n;
        }
        free(rs);
        *out = e;
        return 0;
}

/* ---- counterexamples ---- */

typedef enum { Q_NAMED, Q_OTHER, Q_FOREIGN } query_kind;

typedef struct query {
        query_kind kind;
        const ir_syscall *sc; /* Q_NAMED */
        uint32_t nr;          /* Q_NAMED */
} query;

/* The instructions a concrete run takes, into buf. */
static void path_of(const oshb_seccomp_prog *pr, const bpf_seccomp_data *d, bool big_endian,
                    char *buf, size_t n)
{
        size_t len = 0;
        uint32_t pc = 0, a = 0, x = 0, mem[NSCRATCH] = {0};
        buf[0] = 0;
        for (uint32_t steps = 0; pc < pr->ninsns && steps <= pr->ninsns; steps++) {
                const oshb_insn *in = &pr->insns[pc];
                if (len + 16 < n)
                        len += (size_t)snprintf(buf + len, n - len, "%s%u", len ? " " : "", pc);
                uint32_t op = in->code;
                uint32_t v = BPF_SRC(op) == BPF_X ? x : in->k;
                uint32_t next = pc + 1;
                switch (BPF_CLASS(op)) {
                case BPF_LD:
                case BPF_LDX: {
                        uint32_t w = 0;
                        if (BPF_MODE(op) == BPF_ABS && load_ok(in->k)) {
                                bpf_seccomp_data dd = *d;
                                oshb_insn ld = {BPF_LD | BPF_W | BPF_ABS, 0, 0, in->k};
                                oshb_insn r2[2] = {ld, {BPF_RET | BPF_A, 0, 0, 0}};
                                w = bpf_run(r2, 2, &dd, big_endian).ret;
                        } else if (BPF_MODE(op) == BPF_IMM) {
                                w = in->k;
                        } else if (BPF_MODE(op) == BPF_LEN) {
                                w = SD_SIZE;
                        } else if (in->k < NSCRATCH) {
                                w = mem[in->k];
                        }
                        if (BPF_CLASS(op) == BPF_LD)
                                a = w;
                        else
                                x = w;
                        break;
                }
                case BPF_ST:
                case BPF_STX:
                        if (in->k < NSCRATCH)
                                mem[in->k] = BPF_CLASS(op) == BPF_ST ? a : x;
                        break;
                case BPF_ALU: {
                        if (BPF_OP(op) == BPF_DIV && v == 0)
                                return;
                        a = alu_concrete(BPF_OP(op), a, v);
                        break;
                }
                case BPF_MISC:
                        if (op == (BPF_MISC | BPF_TAX))
                                x = a;
                        else
                                a = x;
                        break;
                case BPF_RET:
                        return;
                case BPF_JMP:
                        if (BPF_OP(op) == BPF_JA)
                                next = pc + 1 + in->k;
                        else
                                next = pc + 1 + (jump_concrete(BPF_OP(op), a, v) ? in->jt : in->jf);
                        break;
                }
                pc = next;
        }
}

static const char *arch_label(uint32_t arch)
{
        const char *n = oshb_audit_arch_name(arch);
        return n ? n : "an unknown arch";
}

/* The action the policy (reference evaluator) gives the concrete input. */
static uint32_t expected_concrete(tv *t, const query *q, const bpf_seccomp_data *d,
                                  eval_result *res)
{
        memset(res, 0, sizeof *res);
        res->where = no_span;
        res->rule_where = no_span;
        if (q->kind == Q_FOREIGN || d->arch != t->prog->audit_arch)
                return NA_KILL_PROCESS << 16;
        if (t->prog->audit_arch == AUDIT_ARCH_X86_64 && d->nr >= X32_BIT && d->nr != 0xffffffffu)
                return NA_KILL_PROCESS << 16;
        *res = eval_syscall(t->p, q->kind == Q_NAMED ? q->sc->name : "\x01osh-unnamed", d->args);
        return action_code_of_ir(res->action);
}

static void report_counterexample(tv *t, const query *q, Z3_model m)
{
        vf *v = t->v;
        bpf_seccomp_data d = {0};
        d.nr = q->kind == Q_NAMED ? q->nr : (uint32_t)vf_model_u64(v, m, t->nr);
        d.arch = q->kind == Q_FOREIGN ? (uint32_t)vf_model_u64(v, m, t->arch) : t->prog->audit_arch;
        d.instruction_pointer = vf_model_u64(v, m, t->ip);
        for (int i = 0; i < 6; i++)
                d.args[i] = vf_model_u64(v, m, t->args[i]);
        bpf_run_result r = bpf_run(t->prog->insns, t->prog->ninsns, &d, t->big_endian);
        eval_result res;
        uint32_t want = expected_concrete(t, q, &d, &res);
        uint32_t got = action_code_of_ret(r.ret);
        char gb[64], wb[64], path[1024];
        if (!r.ok || got == want) {
                vf_internal(v,
                            "policy %s: translation validation of the %s seccomp program found "
                            "a difference at nr=%u arch=0x%08x that the interpreter does not "
                            "reproduce (%s)",
                            t->p->name, arch_label(t->prog->audit_arch), d.nr, d.arch,
                            r.ok ? "same action" : r.error);
                return;
        }
        char *name =
            q->kind == Q_NAMED ? NULL : seccomp_syscall_resolve_num_arch(d.arch, (int)d.nr);
        const char *sname = q->kind == Q_NAMED ? q->sc->name : name ? name : "an unnamed syscall";
        path_of(t->prog, &d, t->big_endian, path, sizeof path);
        vf_finding *f =
            vf_report(v, t->p, "translation", VF_ERROR, "seccomp",
                      "the %s seccomp program returns %s for %s where the policy says %s",
                      arch_label(t->prog->audit_arch), action_code_name(got, gb, sizeof gb), sname,
                      q->kind == Q_FOREIGN ? "kill process (a foreign arch)"
                                           : action_code_name(want, wb, sizeof wb));
        vf_witness(v, f,
                   "arch=0x%08x (%s) nr=%u (%s) args=[0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, "
                   "0x%llx]; ret 0x%08x (%s); bpf path: %s",
                   d.arch, oshb_audit_arch_name(d.arch) ? oshb_audit_arch_name(d.arch) : "?", d.nr,
                   sname, (unsigned long long)d.args[0], (unsigned long long)d.args[1],
                   (unsigned long long)d.args[2], (unsigned long long)d.args[3],
                   (unsigned long long)d.args[4], (unsigned long long)d.args[5], r.ret,
                   bpf_ret_name(r.ret, gb, sizeof gb), path);
        if (res.rule_where.file >= 0)
                vf_loc_add(v, f, res.rule_where, res.origin, "the rule that decides this call");
        else if (t->p->sys_default_where.file >= 0)
                vf_loc_add(v, f, t->p->sys_default_where, NULL, "the default action");
        vf_loc_add(v, f, t->p->where, NULL, "the policy");
        vf_fix(v, f,
               "a compiler bug: do not deploy this bundle; report it with the policy "
               "(`oshc compile --emit bpf-asm` shows the program)");
        free(name);
}

/* Prove program-action == IR-action under the query's input (and
 * `assume`, when not NULL); a finding with the counterexample otherwise.
 * One solver per program, a push/pop per query: measured faster here
 * than a fresh solver per query (Z3's non-incremental bit-vector tactic
 * took 2-4x longer on these formulas). */
static void prove(tv *t, const query *q, Z3_ast want, Z3_ast assume, const char *what)
{
        Z3_context z = t->z;
        Z3_ast got = t->ret_known ? bv32(t, t->ret_c) : t->ret_t;
        Z3_solver s = t->s;
        Z3_solver_push(z, s);
        Z3_solver_assert(z, s, mk_not(t, mk_eq(t, got, want)));
        if (assume)
                Z3_solver_assert(z, s, assume);
        if (!t->is64)
                for (int i = 0; i < 6; i++)
                        Z3_solver_assert(
                            z, s,
                            mk_eq(t, keep(t, Z3_mk_extract(z, 63, 32, t->args[i])), bv32(t, 0)));
        if (q->kind == Q_FOREIGN)
                Z3_solver_assert(z, s, mk_not(t, mk_eq(t, t->arch, bv32(t, t->prog->audit_arch))));
        Z3_lbool r = vf_check(t->v, s, what);
        if (r == Z3_L_TRUE) {
                Z3_model m = Z3_solver_get_model(z, s);
                Z3_model_inc_ref(z, m);
                report_counterexample(t, q, m);
                Z3_model_dec_ref(z, m);
        }
        Z3_solver_pop(z, s, 1);
}

/* ---- the unnamed numbers, fast ---- */

/* A path-sensitive run over the syscall number alone: registers hold a
 * constant or the number itself, and each path carries the interval of
 * numbers that take it (JEQ against a named number is not taken, since
 * those numbers are proved one by one).  At each ret the path's action
 * must be what the policy gives every unnamed number in its interval.
 * Anything else (arguments read, arithmetic on the number, too many
 * paths, an apparent difference: the interval over-approximates) returns
 * false, and the solver decides instead. */
typedef struct nrval {
        bool is_nr;
        uint32_t c;
} nrval;

typedef struct nrpath {
        uint32_t lo, hi;
        nrval a, x, m[NSCRATCH];
        uint16_t mset;
} nrpath;

static bool is_named(const tv *t, uint32_t nr)
{
        for (int i = 0; i < t->nexcl_nr; i++)
                if (t->excl_nr[i] >= 0 && (uint32_t)t->excl_nr[i] == nr)
                        return true;
        return false;
}

/* Some unnamed number in [lo, hi]? */
static bool has_unnamed(const tv *t, uint32_t lo, uint32_t hi)
{
        uint64_t size = (uint64_t)hi - lo + 1, named = 0;
        for (int i = 0; i < t->nexcl_nr; i++)
                if (t->excl_nr[i] >= 0 && (uint32_t)t->excl_nr[i] >= lo &&
                    (uint32_t)t->excl_nr[i] <= hi) {
                        bool dup = false;
                        for (int j = 0; j < i; j++)
                                dup |= t->excl_nr[j] == t->excl_nr[i];
                        named += !dup;
                }
        return named < size;
}

static bool leaf_ok(const tv *t, const nrpath *p, uint32_t ret, uint32_t def_code)
{
        uint32_t got = action_code_of_ret(ret);
        uint32_t kill = NA_KILL_PROCESS << 16;
        bool x86 = t->prog->audit_arch == AUDIT_ARCH_X86_64;
        struct {
                uint32_t lo, hi, want;
        } pieces[3] = {{0, x86 ? X32_BIT - 1 : 0xffffffffu, def_code},
                       {X32_BIT, 0xfffffffeu, kill},
                       {0xffffffffu, 0xffffffffu, def_code}};
        for (int i = 0; i < (x86 ? 3 : 1); i++) {
                uint32_t lo = p->lo > pieces[i].lo ? p->lo : pieces[i].lo;
                uint32_t hi = p->hi < pieces[i].hi ? p->hi : pieces[i].hi;
                if (lo <= hi && got != pieces[i].want && has_unnamed(t, lo, hi))
                        return false;
        }
        return true;
}

static bool nr_paths(const tv *t, uint32_t pc, nrpath p, uint32_t def_code, long *budget)
{
        uint32_t n = t->prog->ninsns;
        for (;;) {
                if (pc >= n || --*budget < 0)
                        return false;
                const oshb_insn *in = &t->prog->insns[pc];
                nrval op = BPF_SRC(in->code) == BPF_X ? p.x : (nrval){false, in->k};
                switch (BPF_CLASS(in->code)) {
                case BPF_LD:
                case BPF_LDX: {
                        nrval val;
                        if (in->code == (BPF_LD | BPF_W | BPF_ABS) && in->k == 0)
                                val = (nrval){true, 0};
                        else if (in->code == (BPF_LD | BPF_W | BPF_ABS) && in->k == 4)
                                val = (nrval){false, t->prog->audit_arch};
                        else if (BPF_MODE(in->code) == BPF_IMM)
                                val = (nrval){false, in->k};
                        else if (BPF_MODE(in->code) == BPF_LEN)
                                val = (nrval){false, SD_SIZE};
                        else if (BPF_MODE(in->code) == BPF_MEM && (p.mset & (1u << in->k)))
                                val = p.m[in->k];
                        else
                                return false;
                        if (BPF_CLASS(in->code) == BPF_LD)
                                p.a = val;
                        else
                                p.x = val;
                        break;
                }
                case BPF_ST:
                case BPF_STX:
                        p.m[in->k] = BPF_CLASS(in->code) == BPF_ST ? p.a : p.x;
                        p.mset |= (uint16_t)(1u << in->k);
                        break;
                case BPF_ALU:
                        if (p.a.is_nr || op.is_nr)
                                return false;
                        if (BPF_OP(in->code) == BPF_DIV && op.c == 0)
                                return leaf_ok(t, &p, 0, def_code);
                        p.a.c = alu_concrete(BPF_OP(in->code), p.a.c, op.c);
                        break;
                case BPF_MISC:
                        if (in->code == (BPF_MISC | BPF_TAX))
                                p.x = p.a;
                        else
                                p.a = p.x;
                        break;
                case BPF_RET:
                        if (in->code == (BPF_RET | BPF_A) && p.a.is_nr)
                                return false;
                        return leaf_ok(t, &p, in->code == (BPF_RET | BPF_A) ? p.a.c : in->k,
                                       def_code);
                case BPF_JMP: {
                        uint16_t jop = BPF_OP(in->code);
                        if (jop == BPF_JA) {
                                pc += 1 + in->k;
                                continue;
                        }
                        uint32_t tpc = pc + 1 + in->jt, fpc = pc + 1 + in->jf;
                        if (!p.a.is_nr && !op.is_nr) {
                                bool taken = jump_concrete(jop, p.a.c, op.c);
                                pc = taken ? tpc : fpc;
                                continue;
                        }
                        if (!p.a.is_nr || op.is_nr || jop == BPF_JSET)
                                return false;
                        uint32_t k = op.c;
                        nrpath tp = p, fp = p;
                        bool t_ok = true, f_ok = true;
                        if (jop == BPF_JEQ) {
                                t_ok = k >= p.lo && k <= p.hi && !is_named(t, k);
                                tp.lo = tp.hi = k;
                                if (k == p.lo)
                                        f_ok = k < p.hi, fp.lo = k + 1;
                                else if (k == p.hi)
                                        f_ok = k > p.lo, fp.hi = k - 1;
                        } else {
                                /* taken: nr > k (JGT) or nr >= k (JGE) */
                                uint64_t first = (uint64_t)k + (jop == BPF_JGT);
                                t_ok = first <= p.hi;
                                if (t_ok && first > p.lo)
                                        tp.lo = (uint32_t)first;
                                f_ok = first > p.lo;
                                if (f_ok && first - 1 < p.hi)
                                        fp.hi = (uint32_t)(first - 1);
                        }
                        if (t_ok && f_ok) {
                                if (!nr_paths(t, tpc, tp, def_code, budget))
                                        return false;
                                pc = fpc;
                                p = fp;
                        } else if (t_ok) {
                                pc = tpc;
                                p = tp;
                        } else if (f_ok) {
                                pc = fpc;
                                p = fp;
                        } else {
                                return true;
                        }
                        continue;
                }
                }
                pc++;
        }
}

static bool unnamed_fast(tv *t, uint32_t def_code)
{
        nrpath p;
        memset(&p, 0, sizeof p);
        p.lo = 0;
        p.hi = 0xffffffffu;
        long budget = 200000;
        return nr_paths(t, 0, p, def_code, &budget);
}

/* ---- one program ---- */

static bool policy_has_arch(const ir_policy *p, uint32_t arch)
{
        uint32_t arches[16];
        int n = policy_arches(p, arches, 16);
        for (int i = 0; i < n; i++)
                if (arches[i] == arch)
                        return true;
        return false;
}

static void structural(vf *v, const ir_policy *p, const oshb_seccomp_prog *pr, uint32_t pc,
                       const char *why)
{
        vf_finding *f = vf_report(v, p, "translation", VF_ERROR, "seccomp",
                                  "the %s seccomp program is malformed: %s (instruction %u of %u)",
                                  arch_label(pr->audit_arch), why, pc, pr->ninsns);
        vf_witness(v, f, "instruction %u: code 0x%04x jt %u jf %u k 0x%08x", pc,
                   pc < pr->ninsns ? pr->insns[pc].code : 0, pc < pr->ninsns ? pr->insns[pc].jt : 0,
                   pc < pr->ninsns ? pr->insns[pc].jf : 0, pc < pr->ninsns ? pr->insns[pc].k : 0);
        vf_loc_add(v, f, p->where, NULL, "the policy");
        vf_fix(v, f, "a compiler bug: do not deploy this bundle; report it with the policy");
}

/* The numbers of the policy's syscalls on this arch; -1 where none. */
static int *named_numbers(const ir_policy *p, uint32_t arch)
{
        int *nrs = malloc(sizeof(int) * ((size_t)p->nsyscalls + 1));
        if (!nrs)
                abort();
        for (int i = 0; i < p->nsyscalls; i++) {
                int nr = seccomp_syscall_resolve_name_arch(arch, p->syscalls[i].name);
                nrs[i] = nr >= 0 ? nr : -1;
        }
        return nrs;
}

static void validate_program(vf *v, const ir_policy *p, const oshb_seccomp_prog *pr)
{
        uint32_t bad;
        const char *why = program_refused(pr, &bad);
        if (why)
                return structural(v, p, pr, bad, why);
        tv t = {0};
        t.v = v;
        t.z = v->z;
        t.p = p;
        t.prog = pr;
        t.big_endian = !(pr->audit_arch & __AUDIT_ARCH_LE);
        t.is64 = (pr->audit_arch & __AUDIT_ARCH_64BIT) != 0;
        t.keep = Z3_mk_ast_vector(t.z);
        Z3_ast_vector_inc_ref(t.z, t.keep);
        t.st = calloc(pr->ninsns, sizeof(*t.st));
        t.touched = calloc(pr->ninsns, sizeof(*t.touched));
        if (!t.st || !t.touched)
                abort();
        Z3_ast nr = t.nr = keep(&t, vf_bv_var(v, "tv.nr", 32));
        Z3_ast arch = t.arch = keep(&t, vf_bv_var(v, "tv.arch", 32));
        t.ip = keep(&t, vf_bv_var(v, "tv.ip", 64));
        for (int i = 0; i < 6; i++) {
                char name[32];
                snprintf(name, sizeof name, "tv.arg%d", i);
                t.args[i] = keep(&t, vf_bv_var(v, name, 64));
        }
        t.s = vf_solver(v);
        /* 1. any other arch: kill */
        t.excl_arch = true;
        run(&t, input_var(nr, VAR_NR), input_var(arch, VAR_ARCH));
        t.excl_arch = false;
        if (t.err) {
                structural(v, p, pr, t.err_pc, t.err);
                goto out;
        }
        query qf = {Q_FOREIGN, NULL, 0};
        if (!t.ret_known || t.ret_c != NA_KILL_PROCESS << 16)
                prove(&t, &qf, bv32(&t, NA_KILL_PROCESS << 16), NULL, "seccomp: a foreign arch");
        /* 2. every syscall the policy names, by its number here */
        int *nrs = named_numbers(p, pr->audit_arch);
        for (int i = 0; i < p->nsyscalls && p->has_syscalls; i++) {
                if (nrs[i] < 0)
                        continue;
                const ir_syscall *sc = &p->syscalls[i];
                run(&t, known((uint32_t)nrs[i]), known(pr->audit_arch));
                if (t.err) {
                        structural(v, p, pr, t.err_pc, t.err);
                        break;
                }
                Z3_ast want = NULL;
                uint32_t wc = ir_action_code(&t, sc, &want);
                if (!want && t.ret_known) {
                        if (t.ret_c != wc) {
                                query q = {Q_NAMED, sc, (uint32_t)nrs[i]};
                                prove(&t, &q, bv32(&t, wc), NULL, sc->name);
                        }
                        continue;
                }
                query q = {Q_NAMED, sc, (uint32_t)nrs[i]};
                prove(&t, &q, want ? want : bv32(&t, wc), NULL, sc->name);
        }
        /* 3. every other number: the default (x32 and above killed) */
        t.excl_nr = nrs;
        t.nexcl_nr = p->nsyscalls;
        if (unnamed_fast(&t, action_code_of_ir(p->has_syscalls ? p->sys_default
                                                               : (ir_action){ACT_ALLOW, 0}))) {
                goto done;
        }
        run(&t, input_var(nr, VAR_NR), known(pr->audit_arch));
        t.excl_nr = NULL;
        t.nexcl_nr = 0;
        if (!t.err) {
                ir_action def = p->has_syscalls ? p->sys_default : (ir_action){ACT_ALLOW, 0};
                Z3_ast want = bv32(&t, action_code_of_ir(def));
                if (pr->audit_arch == AUDIT_ARCH_X86_64) {
                        Z3_ast big = mk_and2(&t, keep(&t, Z3_mk_bvuge(t.z, nr, bv32(&t, X32_BIT))),
                                             mk_not(&t, mk_eq(&t, nr, bv32(&t, 0xffffffffu))));
                        want = keep(&t, Z3_mk_ite(t.z, big, bv32(&t, NA_KILL_PROCESS << 16), want));
                }
                Z3_ast unnamed = NULL;
                for (int i = 0; i < p->nsyscalls; i++)
                        if (nrs[i] >= 0)
                                unnamed =
                                    mk_and2(&t, unnamed,
                                            mk_not(&t, mk_eq(&t, nr, bv32(&t, (uint32_t)nrs[i]))));
                query qo = {Q_OTHER, NULL, 0};
                prove(&t, &qo, want, unnamed, "seccomp: the syscalls the policy does not name");
        } else {
                structural(v, p, pr, t.err_pc, t.err);
        }
done:
        free(nrs);
out:
        vf_solver_free(v, t.s);
        free(t.st);
        free(t.touched);
        Z3_ast_vector_dec_ref(t.z, t.keep);
}

void vf_validate_bpf(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        vf_family(v, "translation");
        if (!p->has_syscalls) {
                if (b->nseccomp) {
                        vf_finding *f =
                            vf_report(v, p, "translation", VF_ERROR, "seccomp",
                                      "the bundle has %u seccomp program(s) but the policy has no "
                                      "syscalls section (no filter)",
                                      b->nseccomp);
                        vf_witness(v, f, "program for %s", arch_label(b->seccomp[0].audit_arch));
                        vf_loc_add(v, f, p->where, NULL, "the policy");
                        vf_fix(v, f, "a compiler bug: report it with the policy");
                }
                return;
        }
        uint32_t arches[16];
        int narches = policy_arches(p, arches, 16);
        for (int i = 0; i < narches; i++) {
                uint32_t count = 0;
                for (uint32_t j = 0; j < b->nseccomp; j++)
                        count += b->seccomp[j].audit_arch == arches[i];
                if (count == 1)
                        continue;
                vf_finding *f =
                    vf_report(v, p, "translation", VF_ERROR, "seccomp",
                              "the bundle has %u seccomp programs for %s, which the policy "
                              "targets: it needs exactly one",
                              count, arch_label(arches[i]));
                vf_witness(v, f, "arch=0x%08x (%s)", arches[i], arch_label(arches[i]));
                vf_loc_add(v, f, p->where, NULL, "the policy");
                vf_fix(v, f, "a compiler bug: report it with the policy");
        }
        for (uint32_t j = 0; j < b->nseccomp; j++) {
                const oshb_seccomp_prog *pr = &b->seccomp[j];
                if (!policy_has_arch(p, pr->audit_arch)) {
                        vf_finding *f = vf_report(
                            v, p, "translation", VF_ERROR, "seccomp",
                            "the bundle has a seccomp program for %s, which the policy does "
                            "not target",
                            arch_label(pr->audit_arch));
                        vf_witness(v, f, "arch=0x%08x (%s)", pr->audit_arch,
                                   arch_label(pr->audit_arch));
                        vf_loc_add(v, f, p->where, NULL, "the policy");
                        vf_fix(v, f, "a compiler bug: report it with the policy");
                        continue;
                }
                validate_program(v, p, pr);
        }
}
