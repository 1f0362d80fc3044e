/*
 * bpf_run.c - run and check classic BPF seccomp programs (see bpf_run.h);
 * libc only: osh-run's supervisor links it.
 *
 * The instruction set is exactly what the kernel's seccomp_check_filter()
 * accepts: 32-bit absolute loads from seccomp_data, LEN (the size of
 * seccomp_data), immediates and the 16 scratch words, ALU with a
 * constant or X (no MOD: seccomp refuses it), TAX/TXA, JA and the four
 * conditional jumps with a constant or X, and RET with a constant or A.
 * Jumps only go forward, so a run takes at most n steps.
 */
#include "bpf_run.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>

#define SECCOMP_DATA_SIZE 64 /* sizeof(struct seccomp_data) */
#define SCRATCH_WORDS 16     /* BPF_MEMWORDS */

static uint32_t data_word(const bpf_seccomp_data *d, uint32_t k, bool big_endian)
{
        if (k == 0)
                return d->nr;
        if (k == 4)
                return d->arch;
        uint64_t field = k < 16 ? d->instruction_pointer : d->args[(k - 16) / 8];
        bool first_word = (k % 8) == 0;
        bool low = big_endian ? !first_word : first_word;
        return low ? (uint32_t)field : (uint32_t)(field >> 32);
}

static bool load_ok(uint32_t k)
{
        return k % 4 == 0 && k < SECCOMP_DATA_SIZE;
}

/* The operand of an ALU op or a jump: K or X. */
static uint32_t operand(const oshb_insn *in, uint32_t x)
{
        return BPF_SRC(in->code) == BPF_X ? x : in->k;
}

static bpf_run_result fail(bpf_run_result r, uint32_t pc, const char *why)
{
        r.ok = false;
        r.pc = pc;
        r.error = why;
        return r;
}

/* A op= v; false for a division by zero (the caller returns 0). */
static bool alu(uint16_t op, uint32_t *a, uint32_t v)
{
        switch (op) {
        case BPF_ADD:
                *a += v;
                return true;
        case BPF_SUB:
                *a -= v;
                return true;
        case BPF_MUL:
                *a *= v;
                return true;
        case BPF_DIV:
                if (v == 0)
                        return false;
                *a /= v;
                return true;
        case BPF_AND:
                *a &= v;
                return true;
        case BPF_OR:
                *a |= v;
                return true;
        case BPF_XOR:
                *a ^= v;
                return true;
        case BPF_LSH:
                *a <<= (v & 31);
                return true;
        case BPF_RSH:
                *a >>= (v & 31);
                return true;
        case BPF_NEG:
                *a = -*a;
                return true;
        }
        return true;
}

static bool alu_op_known(uint16_t op)
{
        return op == BPF_ADD || op == BPF_SUB || op == BPF_MUL || op == BPF_DIV || op == BPF_AND ||
               op == BPF_OR || op == BPF_XOR || op == BPF_LSH || op == BPF_RSH || op == BPF_NEG;
}

bool bpf_jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
        switch (op) {
        case BPF_JEQ:
                return a == v;
        case BPF_JGT:
                return a > v;
        case BPF_JGE:
                return a >= v;
        case BPF_JSET:
                return (a & v) != 0;
        }
        return false;
}

bpf_run_result bpf_run(const oshb_insn *prog, uint32_t n, const bpf_seccomp_data *d,
                       bool big_endian)
{
        bpf_run_result r = {.ok = true};
        uint32_t a = 0, x = 0, mem[SCRATCH_WORDS] = {0};
        uint16_t written = 0; /* scratch words stored to */
        uint32_t pc = 0;
        if (n == 0 || n > BPF_PROG_MAX)
                return fail(r, 0, "program length outside 1..4096");
        for (;;) {
                if (pc >= n)
                        return fail(r, pc, "ran off the end of the program");
                const oshb_insn *in = &prog[pc];
                r.steps++;
                uint32_t next = pc + 1;
                switch (BPF_CLASS(in->code)) {
                case BPF_LD:
                case BPF_LDX: {
                        uint32_t v;
                        if (in->code == (BPF_LD | BPF_W | BPF_ABS)) {
                                if (!load_ok(in->k))
                                        return fail(r, pc,
                                                    "load outside seccomp_data or unaligned");
                                v = data_word(d, in->k, big_endian);
                        } else if (BPF_MODE(in->code) == BPF_IMM && BPF_SIZE(in->code) == BPF_W) {
                                v = in->k;
                        } else if (BPF_MODE(in->code) == BPF_LEN && BPF_SIZE(in->code) == BPF_W) {
                                v = SECCOMP_DATA_SIZE;
                        } else if (BPF_MODE(in->code) == BPF_MEM && BPF_SIZE(in->code) == BPF_W) {
                                if (in->k >= SCRATCH_WORDS)
                                        return fail(r, pc, "scratch slot out of range");
                                if (!(written & (1u << in->k)))
                                        return fail(r, pc, "read of a scratch slot never written");
                                v = mem[in->k];
                        } else {
                                return fail(r, pc, "load mode seccomp does not accept");
                        }
                        if (BPF_CLASS(in->code) == BPF_LD)
                                a = v;
                        else
                                x = v;
                        break;
                }
                case BPF_ST:
                case BPF_STX:
                        if (in->code != BPF_ST && in->code != BPF_STX)
                                return fail(r, pc, "unknown store");
                        if (in->k >= SCRATCH_WORDS)
                                return fail(r, pc, "scratch slot out of range");
                        mem[in->k] = BPF_CLASS(in->code) == BPF_ST ? a : x;
                        written |= (uint16_t)(1u << in->k);
                        break;
                case BPF_ALU:
                        if (!alu_op_known(BPF_OP(in->code)))
                                return fail(r, pc, "ALU operation seccomp does not accept");
                        if (!alu(BPF_OP(in->code), &a, operand(in, x))) {
                                r.ret = 0; /* the kernel's cBPF: A / 0 returns 0 */
                                r.pc = pc;
                                return r;
                        }
                        break;
                case BPF_JMP: {
                        uint16_t op = BPF_OP(in->code);
                        if (op == BPF_JA) {
                                if (in->code != (BPF_JMP | BPF_JA) || in->k >= n - pc - 1)
                                        return fail(r, pc, "jump out of the program");
                                next = pc + 1 + in->k;
                                break;
                        }
                        if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
                                return fail(r, pc, "unknown jump");
                        if (pc + 1 + in->jt >= n || pc + 1 + in->jf >= n)
                                return fail(r, pc, "jump out of the program");
                        next = pc + 1 + (bpf_jump_taken(op, a, operand(in, x)) ? in->jt : in->jf);
                        break;
                }
                case BPF_RET:
                        if (in->code == (BPF_RET | BPF_K))
                                r.ret = in->k;
                        else if (in->code == (BPF_RET | BPF_A))
                                r.ret = a;
                        else
                                return fail(r, pc, "ret of something other than K or A");
                        r.pc = pc;
                        return r;
                case BPF_MISC:
                        if (in->code == (BPF_MISC | BPF_TAX))
                                x = a;
                        else if (in->code == (BPF_MISC | BPF_TXA))
                                a = x;
                        else
                                return fail(r, pc, "unknown misc instruction");
                        break;
                }
                pc = next;
        }
}

/* One instruction as the kernel's checker sees it; NULL when fine. */
static const char *insn_problem(const oshb_insn *in, uint32_t pc, uint32_t n)
{
        uint16_t code = in->code;
        switch (BPF_CLASS(code)) {
        case BPF_LD:
        case BPF_LDX:
                if (code == (BPF_LD | BPF_W | BPF_ABS))
                        return load_ok(in->k) ? NULL : "load outside seccomp_data or unaligned";
                if (BPF_SIZE(code) != BPF_W)
                        return "load size seccomp does not accept";
                if (BPF_MODE(code) == BPF_IMM || BPF_MODE(code) == BPF_LEN)
                        return NULL;
                if (BPF_MODE(code) == BPF_MEM)
                        return in->k < SCRATCH_WORDS ? NULL : "scratch slot out of range";
                return "load mode seccomp does not accept";
        case BPF_ST:
        case BPF_STX:
                if (code != BPF_ST && code != BPF_STX)
                        return "unknown store";
                return in->k < SCRATCH_WORDS ? NULL : "scratch slot out of range";
        case BPF_ALU:
                if (!alu_op_known(BPF_OP(code)))
                        return "ALU operation seccomp does not accept";
                if (BPF_SRC(code) == BPF_K && BPF_OP(code) == BPF_DIV && in->k == 0)
                        return "division by a constant zero";
                if (BPF_SRC(code) == BPF_K &&
                    (BPF_OP(code) == BPF_LSH || BPF_OP(code) == BPF_RSH) && in->k >= 32)
                        return "shift by 32 or more";
                return NULL;
        case BPF_JMP:
                if (BPF_OP(code) == BPF_JA)
                        return code == (BPF_JMP | BPF_JA) && in->k < n - pc - 1
                                   ? NULL
                                   : "jump out of the program";
                if (BPF_OP(code) != BPF_JEQ && BPF_OP(code) != BPF_JGT && BPF_OP(code) != BPF_JGE &&
                    BPF_OP(code) != BPF_JSET)
                        return "unknown jump";
                return pc + 1 + in->jt < n && pc + 1 + in->jf < n ? NULL
                                                                  : "jump out of the program";
        case BPF_RET:
                return code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_A)
                           ? NULL
                           : "ret of something other than K or A";
        case BPF_MISC:
                return code == (BPF_MISC | BPF_TAX) || code == (BPF_MISC | BPF_TXA)
                           ? NULL
                           : "unknown misc instruction";
        }
        return "unknown instruction class";
}

bool bpf_validate(const oshb_insn *prog, uint32_t n, uint32_t *bad_pc, const char **why)
{
        *bad_pc = 0;
        if (n == 0 || n > BPF_PROG_MAX) {
                *why = "program length outside 1..4096";
                return false;
        }
        for (uint32_t pc = 0; pc < n; pc++) {
                const char *p = insn_problem(&prog[pc], pc, n);
                if (p) {
                        *bad_pc = pc;
                        *why = p;
                        return false;
                }
        }
        if (BPF_CLASS(prog[n - 1].code) != BPF_RET) {
                *bad_pc = n - 1;
                *why = "the last instruction is not a ret";
                return false;
        }
        return true;
}
