/*
 * landlock_abi.h - the Landlock ABI as oshc and osh-run use it, up to ABI 7.
 *
 * The compiler (backends/landlock.c) writes Landlock rights into the bundle
 * and the launcher (runtime/, libc only) hands them to the kernel; both
 * include this header so they agree on every bit.  It needs nothing but
 * <stdint.h>: the build machine's <linux/landlock.h> may be older than the
 * kernel the agent runs on (Debian 12's stops at ABI 2), so every constant
 * is defined here, each under #ifndef so that including the system header
 * too does no harm.  Enumerators and structures of the kernel header are
 * not redefined: they get names of our own (OSH_LANDLOCK_*, osh_ll_*).
 *
 * What each ABI added (Documentation/userspace-api/landlock.rst):
 *   1 (5.13)  filesystem rights EXECUTE .. MAKE_SYM
 *   2 (5.19)  FS_REFER: rename and link across directories
 *   3 (6.2)   FS_TRUNCATE: truncate(2), ftruncate(2), O_TRUNC
 *   4 (6.7)   TCP port rules: NET_BIND_TCP, NET_CONNECT_TCP
 *   5 (6.10)  FS_IOCTL_DEV: ioctl(2) on character and block devices
 *   6 (6.12)  scoping: abstract Unix sockets and signals
 *   7 (6.15)  audit logging flags of landlock_restrict_self(2); no new right
 * landlock_abi_rights[] below is the table "rights available at ABI n":
 * the launcher masks the bundle's handled rights with the row of the
 * kernel's ABI, where the bundle's minimum ABI allows it (docs/backends.md).
 */
#ifndef OSH_LANDLOCK_ABI_H
#define OSH_LANDLOCK_ABI_H

#include <stdint.h>

/* The highest ABI whose rights this header knows. */
#define OSH_LANDLOCK_ABI_KNOWN 7

/* ---- system calls (the same numbers on x86_64, aarch64, x86, arm, riscv64) ---- */

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* landlock_create_ruleset(2) flags */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#endif

/* landlock_add_rule(2) rule types (an enum in the kernel header) */
#define OSH_LANDLOCK_RULE_PATH_BENEATH 1
#define OSH_LANDLOCK_RULE_NET_PORT 2 /* ABI 4 */

/* landlock_restrict_self(2) flags (ABI 7) */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* ---- filesystem rights ---- */

#ifndef LANDLOCK_ACCESS_FS_EXECUTE
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_WRITE_FILE
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#endif
#ifndef LANDLOCK_ACCESS_FS_READ_FILE
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#endif
#ifndef LANDLOCK_ACCESS_FS_READ_DIR
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#endif
#ifndef LANDLOCK_ACCESS_FS_REMOVE_DIR
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#endif
#ifndef LANDLOCK_ACCESS_FS_REMOVE_FILE
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_CHAR
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_DIR
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_REG
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SOCK
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_FIFO
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_BLOCK
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SYM
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13) /* ABI 2 */
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#endif

/* The rights landlock_add_rule(2) accepts on a path that is not a
 * directory; any other right on such a path is EINVAL, so the launcher
 * keeps only these for a rule whose path turns out to be a file. */
#define OSH_LANDLOCK_FS_FILE_RIGHTS                                                                \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
         LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
         LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* ---- network rights (ABI 4) ---- */

#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif

/* ---- scopes (ABI 6) ---- */

#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* ---- the kernel's structures, under our own names ---- */

/* struct landlock_ruleset_attr as of ABI 6 (the kernel takes its size, so
 * an older kernel is given a prefix of it: 8 bytes below ABI 4, 16 below
 * ABI 6). */
typedef struct osh_ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
} osh_ll_ruleset_attr;

typedef struct __attribute__((packed)) osh_ll_path_beneath_attr {
        uint64_t allowed_access;
        int32_t parent_fd;
} osh_ll_path_beneath_attr;

typedef struct osh_ll_net_port_attr {
        uint64_t allowed_access;
        uint64_t port;
} osh_ll_net_port_attr;

/* ---- what each ABI can enforce ---- */

#define OSH_LANDLOCK_FS_ABI1                                                                       \
        (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
         LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
         LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
         LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
         LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
         LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
         LANDLOCK_ACCESS_FS_MAKE_SYM)
#define OSH_LANDLOCK_FS_ABI2 (OSH_LANDLOCK_FS_ABI1 | LANDLOCK_ACCESS_FS_REFER)
#define OSH_LANDLOCK_FS_ABI3 (OSH_LANDLOCK_FS_ABI2 | LANDLOCK_ACCESS_FS_TRUNCATE)
#define OSH_LANDLOCK_FS_ABI5 (OSH_LANDLOCK_FS_ABI3 | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define OSH_LANDLOCK_NET_ABI4 (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define OSH_LANDLOCK_SCOPE_ABI6 (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)
#define OSH_LANDLOCK_RESTRICT_ABI7                                                                 \
        (LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF | LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON |       \
         LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF)

typedef struct osh_ll_abi_rights {
        uint64_t fs;             /* handled_access_fs bits the kernel accepts */
        uint64_t net;            /* handled_access_net bits */
        uint64_t scoped;         /* scoped bits */
        uint32_t restrict_flags; /* landlock_restrict_self(2) flags */
} osh_ll_abi_rights;

/* Row n: everything ABI n accepts (row 0: no Landlock at all). */
static const osh_ll_abi_rights landlock_abi_rights[OSH_LANDLOCK_ABI_KNOWN + 1] = {
    {0, 0, 0, 0},
    {OSH_LANDLOCK_FS_ABI1, 0, 0, 0},
    {OSH_LANDLOCK_FS_ABI2, 0, 0, 0},
    {OSH_LANDLOCK_FS_ABI3, 0, 0, 0},
    {OSH_LANDLOCK_FS_ABI3, OSH_LANDLOCK_NET_ABI4, 0, 0},
    {OSH_LANDLOCK_FS_ABI5, OSH_LANDLOCK_NET_ABI4, 0, 0},
    {OSH_LANDLOCK_FS_ABI5, OSH_LANDLOCK_NET_ABI4, OSH_LANDLOCK_SCOPE_ABI6, 0},
    {OSH_LANDLOCK_FS_ABI5, OSH_LANDLOCK_NET_ABI4, OSH_LANDLOCK_SCOPE_ABI6,
     OSH_LANDLOCK_RESTRICT_ABI7},
};

/* The rights of ABI `abi`; an ABI newer than this header gets the newest
 * row we know (a kernel never drops rights), a negative one row 0. */
static inline osh_ll_abi_rights landlock_rights_for_abi(int abi)
{
        if (abi < 0)
                abi = 0;
        if (abi > OSH_LANDLOCK_ABI_KNOWN)
                abi = OSH_LANDLOCK_ABI_KNOWN;
        return landlock_abi_rights[abi];
}

#endif
