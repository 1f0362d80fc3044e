/*
 * sysargs.h - what the language knows about syscall arguments and the
 * named constants that may be compared with them.
 *
 * A syscall condition such as `socket when domain in { AF_UNIX }` names an
 * argument and compares it with constants.  The kernel reads every argument
 * as a 64-bit register, but many are C `int`s: the kernel itself only looks
 * at their low 32 bits, and some are signed.  The table in sysargs.c records,
 * for each syscall the language knows by argument name, each argument's
 * position, width, signedness, whether it is a pointer (a condition on a
 * pointer is meaningless: seccomp sees the address, not what it points to),
 * and the namespace its constants come from, so that `domain ==
 * CLONE_NEWUSER` is a type error.
 *
 * Syscalls not in the table can still be conditioned on positionally with
 * arg0..arg5: 64-bit, unsigned, numbers only.
 */
#ifndef OSH_SYSARGS_H
#define OSH_SYSARGS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
        NS_NONE = 0,      /* numbers only */
        NS_AF,            /* AF_UNIX, AF_INET, ... (socket domain) */
        NS_SOCK_TYPE,     /* SOCK_STREAM, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_CLOEXEC */
        NS_IPPROTO,       /* IPPROTO_TCP, ... */
        NS_CLONE,         /* CLONE_* flags, also for unshare */
        NS_IOCTL,         /* TIOCSTI, TIOCLINUX, FIONREAD, ... */
        NS_PRCTL,         /* PR_SET_NO_NEW_PRIVS, ... */
        NS_PERSONA,       /* PER_LINUX, ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ... */
        NS_PROT,          /* PROT_READ, PROT_WRITE, PROT_EXEC, PROT_NONE */
        NS_MAP,           /* MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS, MAP_FIXED, ... */
        NS_OPEN,          /* O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, ... */
        NS_SIGNAL,        /* SIGKILL, SIGTERM, ... */
        NS_SOCKOPT_LEVEL, /* SOL_SOCKET, SOL_IP, IPPROTO_* levels */
        NS_SOCKOPT,       /* SO_*, IP_*, TCP_* option names */
        NS_FCNTL,         /* F_GETFL, F_SETFL, F_SETFD, F_DUPFD, ... */
        NS_MFD,           /* MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_EXEC, MFD_NOEXEC_SEAL */
        NS_MADV,          /* MADV_DONTNEED, ... */
        NS_AT,            /* AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW */
        NS_MODE,          /* S_IRUSR ... file mode bits */
        NS__COUNT
} const_ns;

typedef struct sys_arg {
        const char *name; /* "domain" */
        uint8_t index;    /* 0..5: position in seccomp_data.args */
        uint8_t width;    /* 32 or 64: bits the kernel reads */
        bool is_signed;
        bool is_pointer;
        const_ns ns;
} sys_arg;

typedef struct sys_sig {
        const char *syscall;
        int nargs;
        sys_arg args[6];
} sys_sig;

/* The signature of a syscall known by argument names, or NULL. */
const sys_sig *sysargs_lookup(const char *syscall);
/* The argument called `name` of `sig` (also accepts arg0..arg5), or NULL.
 * For a syscall without a signature, use sysargs_positional(). */
const sys_arg *sysargs_find(const sys_sig *sig, const char *name);
/* arg0..arg5 for syscalls not in the table: 64-bit unsigned, NS_NONE. */
const sys_arg *sysargs_positional(const char *name);

/* The value of constant `name` in namespace `ns`; false when it is not
 * there. */
bool const_lookup(const_ns ns, const char *name, uint64_t *value);
/* The first namespace that defines `name`, or NS_NONE. */
const_ns const_find_ns(const char *name);
/* A human-readable namespace name, e.g. "socket address families (AF_*)". */
const char *const_ns_describe(const_ns ns);
/* errno names: EPERM -> 1. */
bool errno_lookup(const char *name, int *value);
const char *errno_name(int value);

/* Iterate the table (for docs and tests): NULL after the last entry. */
const sys_sig *sysargs_at(int i);

#endif
