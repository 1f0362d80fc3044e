/*
 * bundle.h - the .oshb bundle: the one file `oshc compile` writes and
 * `osh-run` and `osh-proxy` read.  This header is the contract between the
 * writer (backends/bundle_write.c, in oshc) and the reader
 * (runtime/bundle_read.c, libc only, shared by osh-run, osh-proxy and
 * `oshc inspect`); it uses nothing but libc types so both sides include it.
 *
 * On disk (all integers little-endian):
 *
 *   header   magic "OSHB\r\n\x1a\n" (8 bytes), u32 version (OSHB_VERSION),
 *            u32 flags (0), u64 total length of the file
 *   sections u32 type (OSHB_SEC_*), u32 length, payload[length], then zero
 *            padding to a multiple of 8; each type at most once, in
 *            increasing type order
 *   trailer  the SHA-256 of every byte before it (32 bytes)
 *
 * Inside a payload: u8/u16/u32/u64 little-endian; a bool is one byte, 0 or
 * 1; a string is u32 length + bytes (no NUL inside, at most OSHB_MAX_STR);
 * an optional string (a char * that may be NULL) is a presence byte, 0 or
 * 1, then the string when 1; a list is u32 count + items.  Fields follow
 * each other unaligned, in the order of the structs below; the one
 * exception is a proxy rule, which holds addr and prefix when is_ip and
 * host otherwise.
 *
 * The reader rejects anything else: a bad magic, checksum or version, a
 * length or count that runs past its section, trailing bytes in a section,
 * an unknown or repeated section, a missing required section.  See
 * docs/bundle.md for the field-by-field layout.
 */
#ifndef OSH_BUNDLE_H
#define OSH_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OSHB_MAGIC "OSHB\r\n\x1a\n"
#define OSHB_MAGIC_LEN 8
#define OSHB_VERSION 1
#define OSHB_HEADER_LEN 24
#define OSHB_TRAILER_LEN 32
#define OSHB_MAX_STR 4096
#define OSHB_MAX_FILE (64u << 20)

/* Limits on counts, checked by the writer and the reader alike. */
#define OSHB_MAX_PROGS 16    /* seccomp programs (one per arch) */
#define OSHB_MAX_INSNS 4096  /* instructions per program (the kernel's BPF_MAXINSNS) */
#define OSHB_MAX_LIST 65536  /* Landlock rules, mounts, proxy rules, L7 rules, paths */
#define OSHB_MAX_CGROUP 64   /* cgroup keys */
#define OSHB_MAX_RLIMITS 16  /* rlimits (each resource at most once) */
#define OSHB_MAX_CAPS 64     /* capabilities kept */
#define OSHB_MAX_ENV 1024    /* env keep and env set entries, each */
#define OSHB_MAX_METHODS 64  /* HTTP methods of one L7 rule */
#define OSHB_MAX_PARAMS 256  /* launch parameters */
#define OSHB_MAX_HOSTNAME 64 /* the kernel's HOST_NAME_MAX */

enum oshb_section {
        OSHB_SEC_META = 1,     /* required */
        OSHB_SEC_SECCOMP = 2,  /* required (zero programs: no syscall filter) */
        OSHB_SEC_LANDLOCK = 3, /* required */
        OSHB_SEC_MOUNTS = 4,   /* required */
        OSHB_SEC_CGROUP = 5,   /* required */
        OSHB_SEC_RLIMITS = 6,  /* required */
        OSHB_SEC_PROCESS = 7,  /* required */
        OSHB_SEC_PROXY = 8,    /* required */
        OSHB_SEC_PARAMS = 9,   /* required */
        OSHB_SEC_NATIVE = 10,  /* optional: the native egress matcher (LLVM) */
        OSHB_SEC__MAX = 10
};

/* ---- the in-memory form, filled by the backends, written and read ---- */

typedef struct oshb_meta {
        char *policy;                   /* policy name */
        uint8_t source_sha256[32];      /* over every source file, in load order */
        char *compiler;                 /* "oshc 0.1.0" */
        uint32_t landlock_min_abi;      /* osh-run refuses a kernel below it */
        uint32_t landlock_declared_abi; /* `requires landlock N` (0 = none) */
        bool best_effort;               /* `requires landlock best-effort` */
} oshb_meta;

/* One classic BPF instruction, as the kernel's struct sock_filter. */
typedef struct oshb_insn {
        uint16_t code;
        uint8_t jt, jf;
        uint32_t k;
} oshb_insn;

typedef struct oshb_seccomp_prog {
        uint32_t audit_arch; /* AUDIT_ARCH_X86_64, ... */
        uint32_t ninsns;
        oshb_insn *insns;
} oshb_seccomp_prog;

/* A Landlock path rule: a literal path, or a launch parameter followed by
 * a suffix ("" or "/sub"). */
typedef struct oshb_ll_path {
        uint64_t access; /* LANDLOCK_ACCESS_FS_* */
        char *param;     /* NULL for a literal path */
        char *path;
} oshb_ll_path;

typedef struct oshb_ll_port {
        uint64_t access; /* LANDLOCK_ACCESS_NET_BIND_TCP / _CONNECT_TCP */
        uint64_t port;
} oshb_ll_port;

typedef struct oshb_landlock {
        uint64_t handled_fs; /* every fs right this compiler knows (highest ABI) */
        uint64_t
            handled_net; /* always BIND_TCP|CONNECT_TCP: no port is open unless a rule opens it */
        uint64_t scoped; /* LANDLOCK_SCOPE_* (ABI 6) */
        uint32_t npaths;
        oshb_ll_path *paths;
        uint32_t nports;
        oshb_ll_port *ports;
} oshb_landlock;

enum oshb_mask_kind {
        OSHB_MASK_HIDE = 1,     /* empty read-only mount over it (every right denied) */
        OSHB_MASK_READONLY = 2, /* read-only bind mount */
        OSHB_MASK_NOEXEC = 4,   /* noexec bind mount */
        OSHB_MASK_NODEV = 8,    /* nodev bind mount (deny ioctl: devices unusable) */
};

typedef struct oshb_mount {
        uint32_t kind; /* OSHB_MASK_* bits */
        char *param;   /* NULL for a literal path */
        char *path;
        uint32_t rule_id; /* the IR deny rule it enforces */
} oshb_mount;

typedef struct oshb_kv {
        char *key;   /* cgroup v2 file: "memory.max", "pids.max", "cpu.max", ... */
        char *value; /* exactly what to write: "2147483648", "150000 100000" */
} oshb_kv;

typedef struct oshb_rlimit {
        uint32_t resource; /* RLIMIT_NOFILE, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_CORE */
        uint64_t soft, hard;
} oshb_rlimit;

typedef struct oshb_process {
        char *user, *group; /* NULL: unset (the launcher's default applies) */
        bool caps_set;
        uint32_t ncaps;
        uint32_t *caps; /* capability numbers to keep */
        uint32_t nenv_keep;
        char **env_keep;
        uint32_t nenv_set;
        oshb_kv *env_set;
        char *hostname;       /* NULL: unset */
        uint64_t walltime_ms; /* 0: none */
        bool network;         /* the policy has a net section */
} oshb_process;

typedef struct oshb_l7 {
        uint32_t id;
        bool deny;
        uint32_t nmethods; /* 0: every method */
        char **methods;
        char *path; /* URL path glob */
} oshb_l7;

typedef struct oshb_proxy_rule {
        uint32_t id;
        bool deny;
        bool is_ip;       /* host pattern (false) or address range (true) */
        char *host;       /* lowercased pattern, when !is_ip */
        uint8_t addr[16]; /* IPv4-mapped for IPv4 */
        uint8_t prefix;   /* 0..128 */
        uint16_t port_lo, port_hi;
        uint32_t nbinaries; /* 0: any binary */
        char **binaries;
        bool children;
        uint32_t nl7;
        oshb_l7 *l7;
} oshb_proxy_rule;

typedef struct oshb_proxy {
        uint32_t nrules;
        oshb_proxy_rule *rules; /* connect rules only, in IR order */
} oshb_proxy;

typedef struct oshb_param {
        char *name;
        char *def; /* NULL: must be given at launch (WORKDIR and HOME have launch defaults) */
        bool builtin;
        uint32_t ndisjoint;
        char **disjoint; /* literal paths the value may be neither ancestor nor descendant of */
} oshb_param;

typedef struct oshb_native {
        uint8_t sha256[32]; /* of the object below */
        uint32_t len;
        uint8_t *object;
} oshb_native;

typedef struct oshb_bundle {
        oshb_meta meta;
        uint32_t nseccomp;
        oshb_seccomp_prog *seccomp;
        oshb_landlock landlock;
        uint32_t nmounts;
        oshb_mount *mounts;
        uint32_t ncgroup;
        oshb_kv *cgroup;
        uint32_t nrlimits;
        oshb_rlimit *rlimits;
        oshb_process process;
        oshb_proxy proxy;
        uint32_t nparams;
        oshb_param *params;
        bool has_native;
        oshb_native native;
        void *mem; /* oshb_read: the one block holding every string and array */
} oshb_bundle;

/* ---- writer (backends/bundle_write.c) ---- */

/* Serialize b.  Returns a malloc'd buffer and its length, or NULL on
 * out-of-memory or a field over its limit (reason in err). */
uint8_t *oshb_write(const oshb_bundle *b, size_t *len, char *err, size_t errlen);

/* ---- reader (runtime/bundle_read.c, libc only) ---- */

/* Parse and verify a bundle held in memory.  On success returns 0 and
 * fills *out (its strings and arrays live in one malloc'd block freed by
 * oshb_free); on failure returns -1 with a message in err naming what is
 * wrong and where (byte offset). */
int oshb_read(const uint8_t *data, size_t len, oshb_bundle *out, char *err, size_t errlen);
/* The bytes of a bundle file: a regular file of at most OSHB_MAX_FILE
 * bytes, read whole (malloc'd; NULL with the reason in err). */
uint8_t *oshb_slurp(const char *path, size_t *len, char *err, size_t errlen);
/* Read a bundle file (at most OSHB_MAX_FILE bytes) and parse it. */
int oshb_read_file(const char *path, oshb_bundle *out, char *err, size_t errlen);
/* Free what oshb_read allocated (one block) and zero *b. */
void oshb_free(oshb_bundle *b);
/* "x86_64", "aarch64", ... for the AUDIT_ARCH_* values the reader accepts,
 * NULL for any other value. */
const char *oshb_audit_arch_name(uint32_t audit_arch);

/* ---- SHA-256 (runtime/sha256.c, libc only) ---- */

typedef struct sha256_ctx {
        uint32_t h[8];
        uint64_t len;
        uint8_t buf[64];
        size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const void *data, size_t n, uint8_t out[32]);

#endif
