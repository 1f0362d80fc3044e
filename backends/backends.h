/*
 * backends.h - from the IR to everything osh-run needs, in one bundle.
 *
 * Each backend reads one policy's IR (compiler/ir.h, never the AST) and
 * fills its part of an oshb_bundle (backends/bundle.h).  Memory comes from
 * the compilation's arena.  A policy a backend cannot compile exactly (a
 * seccomp program over 4096 instructions, a condition too complex to
 * lower) is an error reported through the context's diagnostics, with the
 * rule's span; the backend then returns false and no bundle is written.
 *
 *   seccomp.c      one BPF program per target arch (libseccomp)
 *   landlock.c     handled rights, path rules, port rules, scoping
 *   mounts.c       masks for the denies Landlock cannot express
 *   limits.c       cgroup v2 keys, rlimits, process settings
 *   proxy_table.c  connect rules for osh-proxy
 *   params.c       launch parameters and their disjointness constraints
 *   bundle_build.c runs them all and fills the META section
 */
#ifndef OSH_BACKENDS_H
#define OSH_BACKENDS_H

#include "../compiler/ir.h"
#include "bundle.h"

#include <stdio.h>

bool backend_seccomp(osh_ctx *c, const ir_policy *p, oshb_bundle *b);
bool backend_landlock(osh_ctx *c, const ir_policy *p, oshb_bundle *b);
bool backend_mounts(osh_ctx *c, const ir_policy *p, oshb_bundle *b);
bool backend_limits(osh_ctx *c, const ir_policy *p, oshb_bundle *b);
bool backend_proxy(osh_ctx *c, const ir_policy *p, oshb_bundle *b);
bool backend_params(osh_ctx *c, const ir_program *prog, const ir_policy *p, oshb_bundle *b);

/* All of the above plus META.  False when any backend reported an error. */
bool bundle_build(osh_ctx *c, ir_program *prog, ir_policy *p, oshb_bundle *b);

/* ---- textual emitters (`oshc compile --emit KIND`) ---- */

/* Raw sock_filter bytes of the program for `arch` (NULL: the native one). */
bool emit_bpf(FILE *out, osh_ctx *c, const oshb_bundle *b, const char *arch);
/* Readable disassembly, one block per arch, syscall names in comments. */
void emit_bpf_asm(FILE *out, const oshb_bundle *b);
/* The OCI runtime-spec seccomp profile (Docker, Podman, Kubernetes). */
void emit_oci_seccomp(FILE *out, osh_ctx *c, const ir_policy *p);
void emit_landlock(FILE *out, const oshb_bundle *b);
void emit_cgroup(FILE *out, const oshb_bundle *b);
void emit_proxy(FILE *out, const oshb_bundle *b);

/* ---- shared helpers ---- */

/* libseccomp arch token -> AUDIT_ARCH_* and names, for the arches a policy
 * targets (its `arch` list, or the native arch). */
int policy_arches(const ir_policy *p, uint32_t *tokens, int max);
const char *audit_arch_name(uint32_t audit_arch);

/* fs paths as the Landlock and mount tables compare them (landlock.c).
 * Does `outer` certainly cover `inner` (equal or an ancestor)?  Literal
 * paths compare by prefix, paths of one parameter by their suffixes; a
 * parameter path and a literal one never overlap (DESIGN §2.3). */
bool fs_path_covers(const ir_path *outer, const ir_path *inner);
/* Paths of two different parameters: whether they overlap is known only
 * at launch, so the tables assume they may. */
bool fs_paths_undecided(const ir_path *a, const ir_path *b);
/* rights[i]: the RIGHT_* the Landlock path rule of fs rule i grants, its
 * rights minus those of every deny on its path or above it (0 for a deny;
 * rights has p->nfs entries). */
void fs_allow_rights(const ir_policy *p, unsigned *rights);
/* Policy rights (RIGHT_*) to LANDLOCK_ACCESS_FS_* bits. */
uint64_t landlock_access_of(unsigned rights);
/* Bind port rules a policy may need at most (Landlock has no port ranges). */
#define LANDLOCK_BIND_PORTS_MAX 4096
/* Print `$PARAM/sub` or `/path`, quoted when it holds blanks or quotes. */
void emit_fs_path(FILE *out, const char *param, const char *path);
/* "hide", "readonly,noexec", ... for OSHB_MASK_* bits. */
const char *mask_kind_str(uint32_t kind, char *buf, size_t n);
/* "RLIMIT_NOFILE", ... */
const char *rlimit_name(uint32_t resource);

#endif
