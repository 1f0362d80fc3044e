/*
 * bpf.h - classic BPF for the backends: the interpreter and checker of
 * runtime/bpf_run.h, plus the mapping between seccomp return values and IR
 * actions.
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
#include "../runtime/bpf_run.h"
#include "bundle.h"

#include <stdbool.h>
#include <stdint.h>

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
