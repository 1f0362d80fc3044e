/*
 * native_abi.h - the contract between the native egress matcher that oshc
 * generates with LLVM (backends/llvm_matcher.c) and osh-proxy, which runs
 * it (runtime/native_match.c).  libc types only: both sides include it.
 *
 * The generated code is one function,
 *
 *     uint64_t osh_decide(const struct osh_native_req *req, const uint8_t *data);
 *
 * data: the container's data block (its rule records and candidate lists,
 * see backends/llvm_matcher.c), which the loader maps read-only.
 * that decides a request exactly as pm_decide_connect or pm_decide_http
 * (runtime/proxy_match.c) decide it over the same proxy table, except for
 * what the caller does before (see docs/native-matcher.md): URL path
 * normalization, the host's normal form, and the expansion of `from
 * $NAME/sub` binaries with the launch parameters.
 *
 * The bundle's NATIVE section holds an "object" in this container (all
 * integers little-endian), covered by the section's SHA-256:
 *
 *   magic "OSHNATV1" (8 bytes), u32 abi (OSH_NATIVE_ABI), u32 e_machine
 *   (the ELF machine the code is for: 62 x86_64, 183 aarch64), u32 entry
 *   (offset of osh_decide in the code), u32 code length, u32 number of
 *   rules the code was generated for, u32 data length, then the code:
 *   the bytes of the .text section of the object LLVM emitted, which has
 *   no relocation at all (checked when it is built), then the data.
 */
#ifndef OSH_NATIVE_ABI_H
#define OSH_NATIVE_ABI_H

#include <stdint.h>

#define OSH_NATIVE_MAGIC "OSHNATV1"
#define OSH_NATIVE_ABI 2
#define OSH_NATIVE_HEADER_LEN 32
#define OSH_NATIVE_MAX_ANCESTORS 16
#define OSH_NATIVE_EM_X86_64 62
#define OSH_NATIVE_EM_AARCH64 183

/* req.flags */
#define OSH_NATIVE_HTTP 1u       /* decide a plain HTTP request (else a tunnel) */
#define OSH_NATIVE_HOST_IS_IP 2u /* host is an IP literal: no host pattern matches */
#define OSH_NATIVE_HAS_ADDR 4u   /* addr holds the address to be dialled */

/* One request.  host: lowercased, no trailing dot, no empty label (the
 * form pm_host_normalize gives); binary NULL when the caller is unknown;
 * path: already normalized (pm_url_path_normalize).  param_self and
 * param_anc: bit i set when the binary (an ancestor) is the i-th
 * parameter binary of the table expanded with the launch values (the
 * order: first appearance over the rules, then over each rule's binaries). */
struct osh_native_req {
        const uint8_t *host;
        uint32_t host_len;
        uint32_t flags;
        uint8_t addr[16]; /* IPv4 as IPv4-mapped, network order */
        uint16_t port;
        uint16_t nancestors; /* at most OSH_NATIVE_MAX_ANCESTORS */
        uint32_t binary_len;
        const uint8_t *binary;
        const uint8_t *ancestors[OSH_NATIVE_MAX_ANCESTORS]; /* nearest first */
        uint32_t ancestor_len[OSH_NATIVE_MAX_ANCESTORS];
        uint64_t param_self, param_anc;
        const uint8_t *method;
        uint32_t method_len;
        uint32_t path_len;
        const uint8_t *path;
};

/* The result: bits 0..31 the deciding rule id as an int32 (-1: the
 * default), bits 32..39 the reason (OSH_NR_*), bit 40 set when allowed. */
#define OSH_NATIVE_ALLOWED (1ull << 40)
#define OSH_NATIVE_REASON(v) ((int)(((v) >> 32) & 0xff))
#define OSH_NATIVE_RULE(v) ((int32_t)(uint32_t)(v))

/* The reasons, each one pm_decide_* line (runtime/native_match.c holds
 * their text). */
enum osh_native_reason {
        OSH_NR_NO_NETWORK = 1,   /* the policy has no net section */
        OSH_NR_DENY_CONNECT,     /* a deny connect rule matches */
        OSH_NR_SPECIAL,          /* special address, the rule does not name it */
        OSH_NR_NO_ALLOW,         /* no allow connect rule matches */
        OSH_NR_ALLOW_CONNECT,    /* connect: an allow rule matches */
        OSH_NR_TUNNEL_HAS_L7,    /* connect: the rule has http rules */
        OSH_NR_DENY_HTTP,        /* http: a deny http rule matches */
        OSH_NR_ALLOW_PLAIN_HTTP, /* http: an allow rule without http rules */
        OSH_NR_ALLOW_HTTP,       /* http: an allow http rule matches */
        OSH_NR_NO_ALLOW_HTTP,    /* http: no allow http rule matches */
        OSH_NR__MAX = OSH_NR_NO_ALLOW_HTTP
};

typedef uint64_t (*osh_native_fn)(const struct osh_native_req *req, const uint8_t *data);

#endif
