/*
 * llvm_matcher.h - the native egress matcher: the bundle's proxy table
 * compiled to machine code through the LLVM-C API (docs/native-matcher.md).
 *
 * From the table osh-proxy's interpreter reads (runtime/proxy_match.c), it
 * generates one function, osh_decide (runtime/native_abi.h): host patterns,
 * URL path globs, methods and `from` binaries become DFAs over bytes
 * (basic blocks switching on the byte), address ranges a comparison tree
 * over the 128-bit address, ports range comparisons; the rules' records,
 * candidate lists and the deep parts of large automata are a data block
 * the code reads.  LLVM optimizes it and emits an ELF object for the host;
 * the object's .text, which must hold no relocation, and the data go into
 * the bundle's NATIVE section.
 */
#ifndef OSH_LLVM_MATCHER_H
#define OSH_LLVM_MATCHER_H

#include "bundle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lm_output {
        char *ir;        /* the module as text (when asked for), malloc'd */
        uint8_t *object; /* the ELF object LLVM emitted, malloc'd */
        size_t object_len;
        uint8_t *container; /* the NATIVE section's object (native_abi.h), malloc'd */
        size_t container_len;
        size_t code_len, data_len;    /* the container's code and data */
        double generate_s, compile_s; /* building the module; optimizing and emitting */
        int dfa_states;               /* over every automaton */
} lm_output;

/* Compile the table.  network: the policy has a net section.  false with
 * a message in err when the table is beyond what the generator supports
 * (over 64 distinct methods, parameter binaries or `and children`
 * binaries; an automaton over its state budget) or LLVM fails; the
 * bundle then simply has no native matcher. */
bool llvm_matcher_build(const oshb_proxy *px, bool network, bool want_ir, lm_output *out, char *err,
                        size_t errlen);
void lm_output_free(lm_output *o);

/* Sizes (docs/native-matcher.md): a DFA of more than lm_cluster_states
 * states is cut into functions of that many; an address tree of more
 * than lm_tree_part intervals is code down to subtrees of fewer, each
 * searched in data.  lm_weak_hashes makes the host automaton's label and
 * transition hashes collide on purpose.  Tests set them to run every path
 * on small policies. */
extern int lm_cluster_states, lm_tree_part, lm_weak_hashes;

struct osh_ctx;
/* `oshc compile --native` (backends/bundle_build.c): build the matcher
 * for b's proxy table into b's NATIVE section, with its SHA-256.  false
 * with an error reported on c. */
bool bundle_add_native(struct osh_ctx *c, oshb_bundle *b);

#endif
