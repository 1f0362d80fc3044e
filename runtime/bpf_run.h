/*
 * bpf_run.h - classic BPF as seccomp runs it: an interpreter and a static
 * checker, libc only, so osh-run's supervisor, the seccomp backend's tests
 * and the verifier all run programs with one definition.
 *
 * It is kept small on purpose: one switch over the opcodes seccomp
 * accepts, every load and jump bounds-checked, no backward jumps (classic
 * BPF has none), and any malformed step is an error rather than a guess.
 */
#ifndef OSH_BPF_RUN_H
#define OSH_BPF_RUN_H

#include "../backends/bundle.h"

#include <stdbool.h>
#include <stdint.h>

/* The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
#define BPF_PROG_MAX 4096

/* The input of a seccomp filter: the kernel's struct seccomp_data.  As
 * the filter sees it, nr sits at offset 0, arch at 4, the instruction
 * pointer at 8 and args[i] at 16 + 8*i, each 64-bit field as two 32-bit
 * words in the machine's byte order (low word first on little-endian). */
typedef struct bpf_seccomp_data {
        uint32_t nr;
        uint32_t arch;
        uint64_t instruction_pointer;
        uint64_t args[6];
} bpf_seccomp_data;

typedef struct bpf_run_result {
        bool ok;           /* false: the program did something invalid (see error) */
        uint32_t ret;      /* the filter's 32-bit return value */
        uint32_t steps;    /* instructions executed, the final ret included */
        uint32_t pc;       /* the ret instruction, or where the error happened */
        const char *error; /* static text when !ok */
} bpf_run_result;

/* Run `prog` on `d`.  big_endian: the 64-bit fields are laid out high word
 * first (s390x, ppc64); false for x86_64, aarch64 and every other
 * little-endian arch.  A division by zero through X returns 0 (kill), as
 * in the kernel; an out-of-bounds jump, a load outside seccomp_data or
 * not 4-byte aligned, a read of scratch memory never written, an unknown
 * opcode or running off the end is an error. */
bpf_run_result bpf_run(const oshb_insn *prog, uint32_t n, const bpf_seccomp_data *d,
                       bool big_endian);

/* Whether a conditional jump (BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET) with
 * operand v is taken for A = a; false for any other op. */
bool bpf_jump_taken(uint16_t op, uint32_t a, uint32_t v);

/* Check a program without running it, as the kernel does before it
 * accepts one: 1..BPF_PROG_MAX instructions, known opcodes, jumps inside
 * the program, aligned loads inside seccomp_data, scratch slots 0..15,
 * no division by a constant zero, shifts below 32, a ret last.  Returns
 * false with the offending instruction's index and the reason. */
bool bpf_validate(const oshb_insn *prog, uint32_t n, uint32_t *bad_pc, const char **why);

#endif
