/*
 * bpf_compact.h - the syscall-number dispatch of a seccomp program as a
 * binary search over ranges (bpf_compact.c).
 */
#ifndef OSH_BPF_COMPACT_H
#define OSH_BPF_COMPACT_H

#include "bpf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rewrite, in place, the largest comparison tree on the syscall number in
 * prog (n instructions, for audit_arch; big_endian as for bpf_run) as a
 * binary search over the ranges of numbers that reach the same place.
 * Returns the new length, below n, or n when the program is left as it
 * is (nothing to gain, a jump into the tree, offsets that would not fit,
 * or a result that does not decide exactly as the original did). */
size_t bpf_compact_dispatch(oshb_insn *prog, size_t n, uint32_t audit_arch, bool big_endian);

#endif
