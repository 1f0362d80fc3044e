/*
 * bpf_disasm.c - `oshc compile --emit bpf-asm`: the bundle's seccomp
 * programs as readable text, one block per arch.
 *
 *   0042: jeq #59, 3, 0 ; execve
 *
 * is instruction 42: if A == 59 go 3 instructions past the next one, else
 * to the next one; A holds the syscall number there, and 59 is execve on
 * the program's arch.  Comments name what a load reads (nr, arch, an
 * argument's low or high word), the syscall or arch a constant stands for
 * and the action of each ret.  What A holds is tracked along every path
 * (jumps only go forward, so one pass in order sees every predecessor
 * first); where paths disagree, nothing is said.
 */
#include "backends.h"
#include "bpf.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>

/* What the accumulator holds: a word of seccomp_data (its index: 0 nr,
 * 1 arch, 2-3 the instruction pointer, 4 + 2*i + h args[i]) or nothing
 * known. */
enum { A_UNREACHED = -2, A_UNKNOWN = -1, A_NR = 0, A_ARCH = 1 };

static int meet(int a, int b)
{
        if (a == A_UNREACHED)
                return b;
        return a == b ? a : A_UNKNOWN;
}

/* The word index a load of offset k reads, as the program's arch lays it out. */
static int word_of(uint32_t k, bool big_endian)
{
        int w = (int)(k / 4);
        if (w >= 2 && big_endian)
                w ^= 1; /* the high word comes first */
        return w;
}

static void word_name(int w, char *buf, size_t n)
{
        if (w == A_NR)
                snprintf(buf, n, "nr");
        else if (w == A_ARCH)
                snprintf(buf, n, "arch");
        else if (w == 2 || w == 3)
                snprintf(buf, n, "instruction_pointer %s", w == 2 ? "low" : "high");
        else
                snprintf(buf, n, "args[%d] %s", (w - 4) / 2, (w - 4) % 2 ? "high" : "low");
}

/* A after instruction `in` given A before. */
static int transfer(const oshb_insn *in, int a, bool big_endian)
{
        if (in->code == (BPF_LD | BPF_W | BPF_ABS))
                return in->k % 4 == 0 && in->k < 64 ? word_of(in->k, big_endian) : A_UNKNOWN;
        if (BPF_CLASS(in->code) == BPF_LD || in->code == (BPF_MISC | BPF_TXA))
                return A_UNKNOWN;
        if (BPF_CLASS(in->code) == BPF_ALU)
                return BPF_OP(in->code) == BPF_AND ? a : A_UNKNOWN; /* a masked word */
        return a;
}

static const char *const alu_names[16] = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh",
                                          "neg", "mod", "xor", "?",   "?",  "?",   "?",   "?"};
static const char *const jmp_names[16] = {"ja", "jeq", "jgt", "jge", "jset", "?", "?", "?",
                                          "?",  "?",   "?",   "?",   "?",    "?", "?", "?"};

/* Syscall numbers read best in decimal, flags and masks in hex. */
static bool k_small(uint32_t k)
{
        return k < 0x10000;
}

/* The comment for a comparison of A (holding word `a`) with k. */
static void compare_comment(FILE *out, int a, uint32_t k, uint32_t arch)
{
        char buf[64];
        if (a == A_NR) {
                char *name = seccomp_syscall_resolve_num_arch(arch, (int)k);
                if (name)
                        fprintf(out, " ; %s", name);
                else if (k == 0x40000000u)
                        fprintf(out, " ; the x32 syscall bit");
                else if (k == 0xffffffffu)
                        fprintf(out, " ; -1: no syscall");
                free(name);
        } else if (a == A_ARCH) {
                const char *name = audit_arch_name(k);
                fprintf(out, " ; %s", name ? name : "arch");
        } else if (a >= 2) {
                word_name(a, buf, sizeof(buf));
                fprintf(out, " ; %s", buf);
        }
}

static void print_insn(FILE *out, const oshb_insn *in, uint32_t pc, int a, uint32_t arch)
{
        char buf[64];
        uint16_t code = in->code;
        fprintf(out, "%04u: ", pc);
        switch (BPF_CLASS(code)) {
        case BPF_LD:
        case BPF_LDX: {
                const char *op = BPF_CLASS(code) == BPF_LD ? "ld" : "ldx";
                if (BPF_MODE(code) == BPF_ABS) {
                        word_name(transfer(in, a, !(arch & __AUDIT_ARCH_LE)), buf, sizeof(buf));
                        fprintf(out, "%s [%u] ; %s", op, in->k, buf);
                } else if (BPF_MODE(code) == BPF_IMM) {
                        fprintf(out, "%s #0x%x", op, in->k);
                } else if (BPF_MODE(code) == BPF_MEM) {
                        fprintf(out, "%s M[%u]", op, in->k);
                } else if (BPF_MODE(code) == BPF_LEN) {
                        fprintf(out, "%s #len", op);
                } else {
                        fprintf(out, ".word 0x%04x, %u, %u, 0x%x", code, in->jt, in->jf, in->k);
                }
                break;
        }
        case BPF_ST:
        case BPF_STX:
                fprintf(out, "%s M[%u]", BPF_CLASS(code) == BPF_ST ? "st" : "stx", in->k);
                break;
        case BPF_ALU:
                if (BPF_OP(code) == BPF_NEG)
                        fprintf(out, "neg");
                else if (BPF_SRC(code) == BPF_X)
                        fprintf(out, "%s x", alu_names[BPF_OP(code) >> 4]);
                else
                        fprintf(out, "%s #0x%x", alu_names[BPF_OP(code) >> 4], in->k);
                break;
        case BPF_JMP:
                if (BPF_OP(code) == BPF_JA)
                        fprintf(out, "ja %u", in->k);
                else if (BPF_SRC(code) == BPF_X)
                        fprintf(out, "%s x, %u, %u", jmp_names[BPF_OP(code) >> 4], in->jt, in->jf);
                else if (a == A_NR && k_small(in->k))
                        fprintf(out, "%s #%u, %u, %u", jmp_names[BPF_OP(code) >> 4], in->k, in->jt,
                                in->jf);
                else
                        fprintf(out, "%s #0x%x, %u, %u", jmp_names[BPF_OP(code) >> 4], in->k,
                                in->jt, in->jf);
                if (BPF_OP(code) != BPF_JA && BPF_SRC(code) == BPF_K)
                        compare_comment(out, a, in->k, arch);
                break;
        case BPF_RET:
                if (BPF_RVAL(code) == BPF_A)
                        fprintf(out, "ret a");
                else
                        fprintf(out, "ret #0x%x ; %s", in->k,
                                bpf_ret_name(in->k, buf, sizeof(buf)));
                break;
        case BPF_MISC:
                fprintf(out, "%s", BPF_MISCOP(code) == BPF_TXA ? "txa" : "tax");
                break;
        }
        fputc('\n', out);
}

/* One program: what A holds before each instruction, then the text. */
static void print_program(FILE *out, const oshb_seccomp_prog *pr)
{
        const char *name = audit_arch_name(pr->audit_arch);
        fprintf(out, "# seccomp program for %s (AUDIT_ARCH 0x%08x): %u instructions\n",
                name ? name : "an unknown arch", pr->audit_arch, pr->ninsns);
        int *a = malloc(sizeof(int) * (pr->ninsns + 1));
        if (!a)
                abort();
        for (uint32_t i = 0; i < pr->ninsns; i++)
                a[i] = A_UNREACHED;
        if (pr->ninsns)
                a[0] = A_UNKNOWN;
        bool big_endian = !(pr->audit_arch & __AUDIT_ARCH_LE);
        for (uint32_t pc = 0; pc < pr->ninsns; pc++) {
                const oshb_insn *in = &pr->insns[pc];
                print_insn(out, in, pc, a[pc], pr->audit_arch);
                int after = transfer(in, a[pc], big_endian);
                uint32_t next[2] = {pc + 1, pc + 1};
                if (BPF_CLASS(in->code) == BPF_RET)
                        continue;
                if (BPF_CLASS(in->code) == BPF_JMP) {
                        if (BPF_OP(in->code) == BPF_JA)
                                next[0] = next[1] = pc + 1 + in->k;
                        else
                                next[0] = pc + 1 + in->jt, next[1] = pc + 1 + in->jf;
                }
                for (int s = 0; s < 2; s++)
                        if (next[s] < pr->ninsns && a[pc] != A_UNREACHED)
                                a[next[s]] = meet(a[next[s]], after);
        }
        free(a);
}

void emit_bpf_asm(FILE *out, const oshb_bundle *b)
{
        if (b->nseccomp == 0) {
                fprintf(out, "# no seccomp program: the policy has no syscalls section\n");
                return;
        }
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                if (i)
                        fputc('\n', out);
                print_program(out, &b->seccomp[i]);
        }
}
