/*
 * bpf.h - classic BPF as seccomp runs it: an interpreter, a static
 * checker, the mapping between seccomp return values and IR actions, and
 * the disassembler's helpers.
 *
 * The seccomp backend's tests run every emitted program through
 * bpf_run() and compare its decision with the reference evaluator; the
 * verifier (DESIGN §5.4) reuses the same interpreter to replay witnesses.
 * It is kept small on purpose: one switch over the opcodes seccomp
 * accepts, every load and jump bounds-checked, no backward jumps (classic
 * BPF has none), and any malformed step is an error rather than a guess.
 */
#ifndef OSH_BPF_H
#define OSH_BPF_H

#include "../compiler/ir.h"
#include "bundle.h"

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

/* Check a program without running it, as the kernel does before it
 * accepts one: 1..BPF_PROG_MAX instructions, known opcodes, jumps inside
 * the program, aligned loads inside seccomp_data, scratch slots 0..15,
 * no division by a constant zero, shifts below 32, a ret last.  Returns
 * false with the offending instruction's index and the reason. */
bool bpf_validate(const oshb_insn *prog, uint32_t n, uint32_t *bad_pc, const char **why);

/* The seccomp return value for an IR action (SECCOMP_RET_*). */
uint32_t bpf_action_ret(ir_action a);

/* The IR action a seccomp return value means, after masking it with
 * SECCOMP_RET_ACTION_FULL (errno: the low 16 bits, exactly; the kernel
 * caps it at 4095, which is also the IR's limit).  False for values no IR action produces
 * (SECCOMP_RET_KILL_THREAD, TRACE, unknown ones), with *out set to kill
 * (what the kernel does with unknown values is at least as strict). */
bool bpf_ret_action(uint32_t ret, ir_action *out);

/* "allow", "errno(EPERM)", "kill process", ... for a return value. */
const char *bpf_ret_name(uint32_t ret, char *buf, size_t n);

#endif
