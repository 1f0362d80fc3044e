/*
 * sysargs.c - the syscall signatures, named constants and errno names that
 * syscall conditions are checked against (see sysargs.h).
 *
 * The type checker asks three things here: which arguments a syscall has
 * (sysargs_lookup, sysargs_find), what a constant such as AF_INET or
 * CLONE_NEWUSER is worth in the namespace of the argument it is compared
 * with (const_lookup), and which errno a name such as EPERM means.
 *
 * Signatures follow the kernel's SYSCALL_DEFINE on x86_64, with the argument
 * names of the man pages (socket(domain, type, protocol), setsockopt(sockfd,
 * level, ...), execve(pathname, argv, envp), clone(flags, stack, parent_tid,
 * child_tid, tls), clone3(cl_args, size)).  The width is how many bits the
 * kernel reads: 32 for `int` and `unsigned int`, 64 for `long`, `size_t`,
 * `off_t` and pointers.  File descriptors are recorded as signed 32-bit
 * ints everywhere, although a few syscalls declare them `unsigned int`; the
 * kernel reads the same 32 bits either way.  File modes are `umode_t`, of
 * which the kernel reads only 16 bits; they are recorded as 32-bit unsigned,
 * the narrowest width this table has.
 *
 * Argument names come first: prctl's man page calls its second argument
 * `arg2`, so for prctl `arg2` is the argument at index 1, not index 2.
 *
 * Constant values are the 64-bit two's complement of the C value, so
 * AT_FDCWD (-100) is stored as (uint64_t)(int64_t)-100; a 32-bit argument
 * is compared on the low 32 bits of it.  Values come from the system
 * headers; a constant too new for them falls back to the kernel's value,
 * and O_LARGEFILE is always the kernel's 0100000, because glibc defines it
 * as 0 on 64-bit targets.
 */
#include "lang/sysargs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/memfd.h>
#include <linux/sched.h>

/* ---- kernel values of constants too new for the system headers ---- */

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_GET_MDWE
#define PR_GET_MDWE 66
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
#ifndef PR_GET_MEMORY_MERGE
#define PR_GET_MEMORY_MERGE 68
#endif
#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21U << 26)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30U << 26)
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif

/* The kernel's O_LARGEFILE (asm-generic/fcntl.h); glibc's is 0 on x86_64. */
#define KERNEL_O_LARGEFILE 0100000

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- syscall signatures ---- */

/* Argument kinds, by the C type the kernel declares. */
/* clang-format off */
#define ARG_INT(name, i, ns)   {name, i, 32, true, false, ns}
#define ARG_UINT(name, i, ns)  {name, i, 32, false, false, ns}
#define ARG_LONG(name, i)      {name, i, 64, true, false, NS_NONE}
#define ARG_ULONG(name, i, ns) {name, i, 64, false, false, ns}
#define ARG_PTR(name, i)       {name, i, 64, false, true, NS_NONE}
/* clang-format on */

static const sys_sig signatures[] = {
    /* sockets */
    {"socket",
     3,
     {ARG_INT("domain", 0, NS_AF), ARG_INT("type", 1, NS_SOCK_TYPE),
      ARG_INT("protocol", 2, NS_IPPROTO)}},
    {"socketpair",
     4,
     {ARG_INT("domain", 0, NS_AF), ARG_INT("type", 1, NS_SOCK_TYPE),
      ARG_INT("protocol", 2, NS_IPPROTO), ARG_PTR("sv", 3)}},
    {"connect",
     3,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("addr", 1), ARG_INT("addrlen", 2, NS_NONE)}},
    {"bind",
     3,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("addr", 1), ARG_INT("addrlen", 2, NS_NONE)}},
    {"listen", 2, {ARG_INT("sockfd", 0, NS_NONE), ARG_INT("backlog", 1, NS_NONE)}},
    {"accept", 3, {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("addr", 1), ARG_PTR("addrlen", 2)}},
    {"accept4",
     4,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("addr", 1), ARG_PTR("addrlen", 2),
      ARG_INT("flags", 3, NS_SOCK_TYPE)}},
    {"sendto",
     6,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("buf", 1), ARG_ULONG("len", 2, NS_NONE),
      ARG_UINT("flags", 3, NS_NONE), ARG_PTR("dest_addr", 4), ARG_INT("addrlen", 5, NS_NONE)}},
    {"recvfrom",
     6,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("buf", 1), ARG_ULONG("len", 2, NS_NONE),
      ARG_UINT("flags", 3, NS_NONE), ARG_PTR("src_addr", 4), ARG_PTR("addrlen", 5)}},
    {"sendmsg",
     3,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("msg", 1), ARG_UINT("flags", 2, NS_NONE)}},
    {"recvmsg",
     3,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_PTR("msg", 1), ARG_UINT("flags", 2, NS_NONE)}},
    {"shutdown", 2, {ARG_INT("sockfd", 0, NS_NONE), ARG_INT("how", 1, NS_NONE)}},
    {"setsockopt",
     5,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_INT("level", 1, NS_SOCKOPT_LEVEL),
      ARG_INT("optname", 2, NS_SOCKOPT), ARG_PTR("optval", 3), ARG_INT("optlen", 4, NS_NONE)}},
    {"getsockopt",
     5,
     {ARG_INT("sockfd", 0, NS_NONE), ARG_INT("level", 1, NS_SOCKOPT_LEVEL),
      ARG_INT("optname", 2, NS_SOCKOPT), ARG_PTR("optval", 3), ARG_PTR("optlen", 4)}},

    /* processes and namespaces; clone in the x86_64 argument order */
    {"clone",
     5,
     {ARG_ULONG("flags", 0, NS_CLONE), ARG_PTR("stack", 1), ARG_PTR("parent_tid", 2),
      ARG_PTR("child_tid", 3), ARG_ULONG("tls", 4, NS_NONE)}},
    {"clone3", 2, {ARG_PTR("cl_args", 0), ARG_ULONG("size", 1, NS_NONE)}},
    {"unshare", 1, {ARG_ULONG("flags", 0, NS_CLONE)}},
    {"setns", 2, {ARG_INT("fd", 0, NS_NONE), ARG_INT("nstype", 1, NS_CLONE)}},
    {"execve", 3, {ARG_PTR("pathname", 0), ARG_PTR("argv", 1), ARG_PTR("envp", 2)}},
    {"execveat",
     5,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_PTR("argv", 2), ARG_PTR("envp", 3),
      ARG_INT("flags", 4, NS_AT)}},
    {"prctl",
     5,
     {ARG_INT("option", 0, NS_PRCTL), ARG_ULONG("arg2", 1, NS_NONE), ARG_ULONG("arg3", 2, NS_NONE),
      ARG_ULONG("arg4", 3, NS_NONE), ARG_ULONG("arg5", 4, NS_NONE)}},
    {"personality", 1, {ARG_UINT("persona", 0, NS_PERSONA)}},

    /* signals */
    {"kill", 2, {ARG_INT("pid", 0, NS_NONE), ARG_INT("sig", 1, NS_SIGNAL)}},
    {"tkill", 2, {ARG_INT("tid", 0, NS_NONE), ARG_INT("sig", 1, NS_SIGNAL)}},
    {"tgkill",
     3,
     {ARG_INT("tgid", 0, NS_NONE), ARG_INT("tid", 1, NS_NONE), ARG_INT("sig", 2, NS_SIGNAL)}},
    {"rt_sigqueueinfo",
     3,
     {ARG_INT("tgid", 0, NS_NONE), ARG_INT("sig", 1, NS_SIGNAL), ARG_PTR("info", 2)}},
    {"pidfd_send_signal",
     4,
     {ARG_INT("pidfd", 0, NS_NONE), ARG_INT("sig", 1, NS_SIGNAL), ARG_PTR("info", 2),
      ARG_UINT("flags", 3, NS_NONE)}},

    /* memory */
    {"mmap",
     6,
     /* x86_64 and arm64 declare prot and flags unsigned long and pass all
      * 64 bits on to do_mmap(), so conditions compare all 64 */
     {ARG_PTR("addr", 0), ARG_ULONG("length", 1, NS_NONE), ARG_ULONG("prot", 2, NS_PROT),
      ARG_ULONG("flags", 3, NS_MAP), ARG_INT("fd", 4, NS_NONE), ARG_LONG("offset", 5)}},
    {"mprotect",
     3,
     {ARG_PTR("addr", 0), ARG_ULONG("len", 1, NS_NONE), ARG_ULONG("prot", 2, NS_PROT)}},
    {"pkey_mprotect",
     4,
     {ARG_PTR("addr", 0), ARG_ULONG("len", 1, NS_NONE), ARG_ULONG("prot", 2, NS_PROT),
      ARG_INT("pkey", 3, NS_NONE)}},
    {"madvise",
     3,
     {ARG_PTR("addr", 0), ARG_ULONG("length", 1, NS_NONE), ARG_INT("advice", 2, NS_MADV)}},
    {"memfd_create", 2, {ARG_PTR("name", 0), ARG_UINT("flags", 1, NS_MFD)}},

    /* files */
    {"open",
     3,
     {ARG_PTR("pathname", 0), ARG_INT("flags", 1, NS_OPEN), ARG_UINT("mode", 2, NS_MODE)}},
    {"openat",
     4,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_INT("flags", 2, NS_OPEN),
      ARG_UINT("mode", 3, NS_MODE)}},
    {"openat2",
     4,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_PTR("how", 2),
      ARG_ULONG("size", 3, NS_NONE)}},
    {"creat", 2, {ARG_PTR("pathname", 0), ARG_UINT("mode", 1, NS_MODE)}},
    {"read", 3, {ARG_INT("fd", 0, NS_NONE), ARG_PTR("buf", 1), ARG_ULONG("count", 2, NS_NONE)}},
    {"write", 3, {ARG_INT("fd", 0, NS_NONE), ARG_PTR("buf", 1), ARG_ULONG("count", 2, NS_NONE)}},
    {"close", 1, {ARG_INT("fd", 0, NS_NONE)}},
    {"ioctl",
     3,
     {ARG_INT("fd", 0, NS_NONE), ARG_UINT("request", 1, NS_IOCTL), ARG_ULONG("arg", 2, NS_NONE)}},
    {"fcntl",
     3,
     {ARG_INT("fd", 0, NS_NONE), ARG_UINT("cmd", 1, NS_FCNTL), ARG_ULONG("arg", 2, NS_NONE)}},
    {"dup", 1, {ARG_INT("oldfd", 0, NS_NONE)}},
    {"dup2", 2, {ARG_INT("oldfd", 0, NS_NONE), ARG_INT("newfd", 1, NS_NONE)}},
    {"dup3",
     3,
     {ARG_INT("oldfd", 0, NS_NONE), ARG_INT("newfd", 1, NS_NONE), ARG_INT("flags", 2, NS_OPEN)}},
    {"pipe", 1, {ARG_PTR("pipefd", 0)}},
    {"pipe2", 2, {ARG_PTR("pipefd", 0), ARG_INT("flags", 1, NS_OPEN)}},
    {"mkdir", 2, {ARG_PTR("pathname", 0), ARG_UINT("mode", 1, NS_MODE)}},
    {"mkdirat",
     3,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_UINT("mode", 2, NS_MODE)}},
    {"unlink", 1, {ARG_PTR("pathname", 0)}},
    {"unlinkat",
     3,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_INT("flags", 2, NS_AT)}},
    {"chmod", 2, {ARG_PTR("pathname", 0), ARG_UINT("mode", 1, NS_MODE)}},
    {"fchmod", 2, {ARG_INT("fd", 0, NS_NONE), ARG_UINT("mode", 1, NS_MODE)}},
    /* The raw fchmodat has no flags argument; fchmodat2 added it. */
    {"fchmodat",
     3,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_UINT("mode", 2, NS_MODE)}},
    {"fchmodat2",
     4,
     {ARG_INT("dirfd", 0, NS_AT), ARG_PTR("pathname", 1), ARG_UINT("mode", 2, NS_MODE),
      ARG_UINT("flags", 3, NS_AT)}},
    {"umask", 1, {ARG_INT("mask", 0, NS_MODE)}},
};

/* arg0..arg5 of a syscall the table does not know: numbers only. */
static const sys_arg positional_args[6] = {
    ARG_ULONG("arg0", 0, NS_NONE), ARG_ULONG("arg1", 1, NS_NONE), ARG_ULONG("arg2", 2, NS_NONE),
    ARG_ULONG("arg3", 3, NS_NONE), ARG_ULONG("arg4", 4, NS_NONE), ARG_ULONG("arg5", 5, NS_NONE),
};

/* ---- constants ---- */

typedef struct named_const {
        const char *name;
        uint64_t value;
} named_const;

/* A constant under its own name, as the 64-bit two's complement of its C
 * value. */
/* clang-format off */
#define CONST(c) {#c, (uint64_t)(int64_t)(c)}
/* clang-format on */

static const named_const address_families[] = {
    CONST(AF_UNSPEC),  CONST(AF_UNIX),      CONST(AF_LOCAL),      CONST(AF_INET),
    CONST(AF_AX25),    CONST(AF_IPX),       CONST(AF_APPLETALK),  CONST(AF_NETROM),
    CONST(AF_BRIDGE),  CONST(AF_ATMPVC),    CONST(AF_X25),        CONST(AF_INET6),
    CONST(AF_ROSE),    CONST(AF_DECnet),    CONST(AF_NETBEUI),    CONST(AF_SECURITY),
    CONST(AF_KEY),     CONST(AF_NETLINK),   CONST(AF_ROUTE),      CONST(AF_PACKET),
    CONST(AF_ASH),     CONST(AF_ECONET),    CONST(AF_ATMSVC),     CONST(AF_RDS),
    CONST(AF_SNA),     CONST(AF_IRDA),      CONST(AF_PPPOX),      CONST(AF_WANPIPE),
    CONST(AF_LLC),     CONST(AF_IB),        CONST(AF_MPLS),       CONST(AF_CAN),
    CONST(AF_TIPC),    CONST(AF_BLUETOOTH), CONST(AF_IUCV),       CONST(AF_RXRPC),
    CONST(AF_ISDN),    CONST(AF_PHONET),    CONST(AF_IEEE802154), CONST(AF_CAIF),
    CONST(AF_ALG),     CONST(AF_NFC),       CONST(AF_VSOCK),      CONST(AF_KCM),
    CONST(AF_QIPCRTR), CONST(AF_SMC),       CONST(AF_XDP),        CONST(AF_MCTP),
};

static const named_const socket_types[] = {
    CONST(SOCK_STREAM), CONST(SOCK_DGRAM),     CONST(SOCK_RAW),
    CONST(SOCK_RDM),    CONST(SOCK_SEQPACKET), CONST(SOCK_DCCP),
    CONST(SOCK_PACKET), CONST(SOCK_NONBLOCK),  CONST(SOCK_CLOEXEC),
};

static const named_const ip_protocols[] = {
    CONST(IPPROTO_IP),       CONST(IPPROTO_ICMP),     CONST(IPPROTO_IGMP),
    CONST(IPPROTO_IPIP),     CONST(IPPROTO_TCP),      CONST(IPPROTO_EGP),
    CONST(IPPROTO_PUP),      CONST(IPPROTO_UDP),      CONST(IPPROTO_IDP),
    CONST(IPPROTO_TP),       CONST(IPPROTO_DCCP),     CONST(IPPROTO_IPV6),
    CONST(IPPROTO_RSVP),     CONST(IPPROTO_GRE),      CONST(IPPROTO_ESP),
    CONST(IPPROTO_AH),       CONST(IPPROTO_ICMPV6),   CONST(IPPROTO_MTP),
    CONST(IPPROTO_BEETPH),   CONST(IPPROTO_ENCAP),    CONST(IPPROTO_PIM),
    CONST(IPPROTO_COMP),     CONST(IPPROTO_SCTP),     CONST(IPPROTO_UDPLITE),
    CONST(IPPROTO_MPLS),     CONST(IPPROTO_ETHERNET), CONST(IPPROTO_RAW),
    CONST(IPPROTO_MPTCP),    CONST(IPPROTO_HOPOPTS),  CONST(IPPROTO_ROUTING),
    CONST(IPPROTO_FRAGMENT), CONST(IPPROTO_NONE),     CONST(IPPROTO_DSTOPTS),
    CONST(IPPROTO_MH),
};

static const named_const clone_flags[] = {
    CONST(CSIGNAL),
    CONST(CLONE_VM),
    CONST(CLONE_FS),
    CONST(CLONE_FILES),
    CONST(CLONE_SIGHAND),
    CONST(CLONE_PIDFD),
    CONST(CLONE_PTRACE),
    CONST(CLONE_VFORK),
    CONST(CLONE_PARENT),
    CONST(CLONE_THREAD),
    CONST(CLONE_NEWNS),
    CONST(CLONE_SYSVSEM),
    CONST(CLONE_SETTLS),
    CONST(CLONE_PARENT_SETTID),
    CONST(CLONE_CHILD_CLEARTID),
    CONST(CLONE_DETACHED),
    CONST(CLONE_UNTRACED),
    CONST(CLONE_CHILD_SETTID),
    CONST(CLONE_NEWCGROUP),
    CONST(CLONE_NEWUTS),
    CONST(CLONE_NEWIPC),
    CONST(CLONE_NEWUSER),
    CONST(CLONE_NEWPID),
    CONST(CLONE_NEWNET),
    CONST(CLONE_IO),
    CONST(CLONE_NEWTIME),
    CONST(CLONE_CLEAR_SIGHAND),
    CONST(CLONE_INTO_CGROUP),
};

static const named_const ioctl_requests[] = {
    CONST(TIOCSTI),    CONST(TIOCLINUX), CONST(TIOCSCTTY), CONST(TIOCNOTTY),   CONST(TIOCGWINSZ),
    CONST(TIOCSWINSZ), CONST(TCGETS),    CONST(TCSETS),    CONST(TCSETSW),     CONST(TCSETSF),
    CONST(TIOCGPGRP),  CONST(TIOCSPGRP), CONST(TIOCGSID),  CONST(TIOCEXCL),    CONST(TIOCNXCL),
    CONST(TIOCGEXCL),  CONST(TIOCCONS),  CONST(TIOCGPTN),  CONST(TIOCSPTLCK),  CONST(TIOCGPTPEER),
    CONST(TIOCSETD),   CONST(TIOCGETD),  CONST(TIOCOUTQ),  CONST(TIOCINQ),     CONST(TIOCMGET),
    CONST(TIOCMSET),   CONST(TIOCSBRK),  CONST(TIOCCBRK),  CONST(TIOCVHANGUP), CONST(TCFLSH),
    CONST(TCXONC),     CONST(TCSBRK),    CONST(FIONREAD),  CONST(FIONBIO),     CONST(FIOCLEX),
    CONST(FIONCLEX),   CONST(FIOASYNC),  CONST(FIOQSIZE),
};

/* prctl options only; values of its later arguments (PR_CAP_AMBIENT_RAISE,
 * ...) are not option names and are not here. */
static const named_const prctl_options[] = {
    CONST(PR_SET_PDEATHSIG),
    CONST(PR_GET_PDEATHSIG),
    CONST(PR_GET_DUMPABLE),
    CONST(PR_SET_DUMPABLE),
    CONST(PR_GET_UNALIGN),
    CONST(PR_SET_UNALIGN),
    CONST(PR_GET_KEEPCAPS),
    CONST(PR_SET_KEEPCAPS),
    CONST(PR_GET_FPEMU),
    CONST(PR_SET_FPEMU),
    CONST(PR_GET_FPEXC),
    CONST(PR_SET_FPEXC),
    CONST(PR_GET_TIMING),
    CONST(PR_SET_TIMING),
    CONST(PR_SET_NAME),
    CONST(PR_GET_NAME),
    CONST(PR_GET_ENDIAN),
    CONST(PR_SET_ENDIAN),
    CONST(PR_GET_SECCOMP),
    CONST(PR_SET_SECCOMP),
    CONST(PR_CAPBSET_READ),
    CONST(PR_CAPBSET_DROP),
    CONST(PR_GET_TSC),
    CONST(PR_SET_TSC),
    CONST(PR_GET_SECUREBITS),
    CONST(PR_SET_SECUREBITS),
    CONST(PR_SET_TIMERSLACK),
    CONST(PR_GET_TIMERSLACK),
    CONST(PR_TASK_PERF_EVENTS_DISABLE),
    CONST(PR_TASK_PERF_EVENTS_ENABLE),
    CONST(PR_MCE_KILL),
    CONST(PR_MCE_KILL_GET),
    CONST(PR_SET_MM),
    CONST(PR_SET_PTRACER),
    CONST(PR_SET_CHILD_SUBREAPER),
    CONST(PR_GET_CHILD_SUBREAPER),
    CONST(PR_SET_NO_NEW_PRIVS),
    CONST(PR_GET_NO_NEW_PRIVS),
    CONST(PR_GET_TID_ADDRESS),
    CONST(PR_SET_THP_DISABLE),
    CONST(PR_GET_THP_DISABLE),
    CONST(PR_MPX_ENABLE_MANAGEMENT),
    CONST(PR_MPX_DISABLE_MANAGEMENT),
    CONST(PR_SET_FP_MODE),
    CONST(PR_GET_FP_MODE),
    CONST(PR_CAP_AMBIENT),
    CONST(PR_SVE_SET_VL),
    CONST(PR_SVE_GET_VL),
    CONST(PR_GET_SPECULATION_CTRL),
    CONST(PR_SET_SPECULATION_CTRL),
    CONST(PR_PAC_RESET_KEYS),
    CONST(PR_SET_TAGGED_ADDR_CTRL),
    CONST(PR_GET_TAGGED_ADDR_CTRL),
    CONST(PR_SET_IO_FLUSHER),
    CONST(PR_GET_IO_FLUSHER),
    CONST(PR_SET_SYSCALL_USER_DISPATCH),
    CONST(PR_PAC_SET_ENABLED_KEYS),
    CONST(PR_PAC_GET_ENABLED_KEYS),
    CONST(PR_SCHED_CORE),
    CONST(PR_SME_SET_VL),
    CONST(PR_SME_GET_VL),
    CONST(PR_SET_MDWE),
    CONST(PR_GET_MDWE),
    CONST(PR_SET_MEMORY_MERGE),
    CONST(PR_GET_MEMORY_MERGE),
    CONST(PR_GET_AUXV),
    CONST(PR_SET_VMA),
};

/* <sys/personality.h> declares these as enumerators, not macros, so none
 * needs a fallback.  The query value 0xffffffff has no name in the
 * headers and gets none here. */
static const named_const personalities[] = {
    CONST(PER_LINUX),         CONST(PER_LINUX_32BIT),
    CONST(PER_LINUX_FDPIC),   CONST(PER_SVR4),
    CONST(PER_SVR3),          CONST(PER_SCOSVR3),
    CONST(PER_OSR5),          CONST(PER_WYSEV386),
    CONST(PER_ISCR4),         CONST(PER_BSD),
    CONST(PER_SUNOS),         CONST(PER_XENIX),
    CONST(PER_LINUX32),       CONST(PER_LINUX32_3GB),
    CONST(PER_IRIX32),        CONST(PER_IRIXN32),
    CONST(PER_IRIX64),        CONST(PER_RISCOS),
    CONST(PER_SOLARIS),       CONST(PER_UW7),
    CONST(PER_OSF4),          CONST(PER_HPUX),
    CONST(PER_MASK),          CONST(UNAME26),
    CONST(ADDR_NO_RANDOMIZE), CONST(FDPIC_FUNCPTRS),
    CONST(MMAP_PAGE_ZERO),    CONST(ADDR_COMPAT_LAYOUT),
    CONST(READ_IMPLIES_EXEC), CONST(ADDR_LIMIT_32BIT),
    CONST(SHORT_INODE),       CONST(WHOLE_SECONDS),
    CONST(STICKY_TIMEOUTS),   CONST(ADDR_LIMIT_3GB),
};

static const named_const memory_protections[] = {
    CONST(PROT_NONE), CONST(PROT_READ),      CONST(PROT_WRITE),   CONST(PROT_EXEC),
    CONST(PROT_SEM),  CONST(PROT_GROWSDOWN), CONST(PROT_GROWSUP),
};

static const named_const mmap_flags[] = {
    CONST(MAP_SHARED),
    CONST(MAP_PRIVATE),
    CONST(MAP_SHARED_VALIDATE),
    CONST(MAP_DROPPABLE),
    CONST(MAP_TYPE),
    CONST(MAP_FIXED),
    CONST(MAP_ANONYMOUS),
    CONST(MAP_ANON),
    CONST(MAP_32BIT),
    CONST(MAP_GROWSDOWN),
    CONST(MAP_DENYWRITE),
    CONST(MAP_EXECUTABLE),
    CONST(MAP_LOCKED),
    CONST(MAP_NORESERVE),
    CONST(MAP_POPULATE),
    CONST(MAP_NONBLOCK),
    CONST(MAP_STACK),
    CONST(MAP_HUGETLB),
    CONST(MAP_SYNC),
    CONST(MAP_FIXED_NOREPLACE),
    CONST(MAP_UNINITIALIZED),
    CONST(MAP_HUGE_2MB),
    CONST(MAP_HUGE_1GB),
};

static const named_const open_flags[] = {
    CONST(O_RDONLY),    CONST(O_WRONLY),   CONST(O_RDWR),
    CONST(O_ACCMODE),   CONST(O_CREAT),    CONST(O_EXCL),
    CONST(O_NOCTTY),    CONST(O_TRUNC),    CONST(O_APPEND),
    CONST(O_NONBLOCK),  CONST(O_NDELAY),   CONST(O_DSYNC),
    CONST(O_SYNC),      CONST(O_RSYNC),    CONST(O_ASYNC),
    CONST(FASYNC),      CONST(O_DIRECT),   {"O_LARGEFILE", KERNEL_O_LARGEFILE},
    CONST(O_DIRECTORY), CONST(O_NOFOLLOW), CONST(O_NOATIME),
    CONST(O_CLOEXEC),   CONST(O_PATH),     CONST(O_TMPFILE),
};

/* The real-time signals are left out: glibc's SIGRTMIN is a function call
 * whose value (34) is not the kernel's (32). */
static const named_const signals[] = {
    CONST(SIGHUP),  CONST(SIGINT),    CONST(SIGQUIT),   CONST(SIGILL),  CONST(SIGTRAP),
    CONST(SIGABRT), CONST(SIGIOT),    CONST(SIGBUS),    CONST(SIGFPE),  CONST(SIGKILL),
    CONST(SIGUSR1), CONST(SIGSEGV),   CONST(SIGUSR2),   CONST(SIGPIPE), CONST(SIGALRM),
    CONST(SIGTERM), CONST(SIGSTKFLT), CONST(SIGCHLD),   CONST(SIGCLD),  CONST(SIGCONT),
    CONST(SIGSTOP), CONST(SIGTSTP),   CONST(SIGTTIN),   CONST(SIGTTOU), CONST(SIGURG),
    CONST(SIGXCPU), CONST(SIGXFSZ),   CONST(SIGVTALRM), CONST(SIGPROF), CONST(SIGWINCH),
    CONST(SIGIO),   CONST(SIGPOLL),   CONST(SIGPWR),    CONST(SIGSYS),
};

static const named_const sockopt_levels[] = {
    CONST(SOL_SOCKET),      CONST(SOL_IP),         CONST(SOL_IPV6),     CONST(SOL_TCP),
    CONST(SOL_UDP),         CONST(SOL_RAW),        CONST(SOL_ICMPV6),   CONST(SOL_PACKET),
    CONST(SOL_NETLINK),     CONST(SOL_TLS),        CONST(SOL_ALG),      CONST(SOL_XDP),
    CONST(SOL_MPTCP),       CONST(IPPROTO_IP),     CONST(IPPROTO_IPV6), CONST(IPPROTO_TCP),
    CONST(IPPROTO_UDP),     CONST(IPPROTO_ICMPV6), CONST(IPPROTO_RAW),  CONST(IPPROTO_SCTP),
    CONST(IPPROTO_UDPLITE), CONST(IPPROTO_MPTCP),
};

/* Option names of all levels in one namespace: SO_DEBUG, IP_TOS and
 * TCP_NODELAY are all 1, and the level argument says which is meant. */
static const named_const socket_options[] = {
    CONST(SO_DEBUG),
    CONST(SO_REUSEADDR),
    CONST(SO_TYPE),
    CONST(SO_ERROR),
    CONST(SO_DONTROUTE),
    CONST(SO_BROADCAST),
    CONST(SO_SNDBUF),
    CONST(SO_RCVBUF),
    CONST(SO_SNDBUFFORCE),
    CONST(SO_RCVBUFFORCE),
    CONST(SO_KEEPALIVE),
    CONST(SO_OOBINLINE),
    CONST(SO_NO_CHECK),
    CONST(SO_PRIORITY),
    CONST(SO_LINGER),
    CONST(SO_BSDCOMPAT),
    CONST(SO_REUSEPORT),
    CONST(SO_PASSCRED),
    CONST(SO_PEERCRED),
    CONST(SO_RCVLOWAT),
    CONST(SO_SNDLOWAT),
    CONST(SO_RCVTIMEO),
    CONST(SO_SNDTIMEO),
    CONST(SO_BINDTODEVICE),
    CONST(SO_ATTACH_FILTER),
    CONST(SO_DETACH_FILTER),
    CONST(SO_PEERNAME),
    CONST(SO_TIMESTAMP),
    CONST(SO_ACCEPTCONN),
    CONST(SO_PEERSEC),
    CONST(SO_PASSSEC),
    CONST(SO_MARK),
    CONST(SO_PROTOCOL),
    CONST(SO_DOMAIN),
    CONST(SO_LOCK_FILTER),
    CONST(SO_BUSY_POLL),
    CONST(SO_INCOMING_CPU),
    CONST(SO_ATTACH_BPF),
    CONST(SO_DETACH_BPF),
    CONST(SO_ATTACH_REUSEPORT_CBPF),
    CONST(SO_ATTACH_REUSEPORT_EBPF),
    CONST(SO_COOKIE),
    CONST(SO_PEERGROUPS),
    CONST(SO_ZEROCOPY),
    CONST(SO_TXTIME),
    CONST(SO_BINDTOIFINDEX),
    CONST(SO_PASSPIDFD),
    CONST(SO_PEERPIDFD),
    CONST(IP_TOS),
    CONST(IP_TTL),
    CONST(IP_HDRINCL),
    CONST(IP_OPTIONS),
    CONST(IP_PKTINFO),
    CONST(IP_MTU_DISCOVER),
    CONST(IP_RECVERR),
    CONST(IP_RECVTTL),
    CONST(IP_MTU),
    CONST(IP_FREEBIND),
    CONST(IP_TRANSPARENT),
    CONST(IP_BIND_ADDRESS_NO_PORT),
    CONST(IP_MULTICAST_IF),
    CONST(IP_MULTICAST_TTL),
    CONST(IP_MULTICAST_LOOP),
    CONST(IP_ADD_MEMBERSHIP),
    CONST(IP_DROP_MEMBERSHIP),
    CONST(IP_LOCAL_PORT_RANGE),
    CONST(IPV6_V6ONLY),
    CONST(IPV6_UNICAST_HOPS),
    CONST(IPV6_MULTICAST_IF),
    CONST(IPV6_MULTICAST_HOPS),
    CONST(IPV6_MULTICAST_LOOP),
    CONST(IPV6_JOIN_GROUP),
    CONST(IPV6_LEAVE_GROUP),
    CONST(IPV6_ADD_MEMBERSHIP),
    CONST(IPV6_DROP_MEMBERSHIP),
    CONST(IPV6_RECVPKTINFO),
    CONST(IPV6_PKTINFO),
    CONST(IPV6_TCLASS),
    CONST(IPV6_RECVERR),
    CONST(IPV6_MTU_DISCOVER),
    CONST(IPV6_MTU),
    CONST(IPV6_TRANSPARENT),
    CONST(IPV6_FREEBIND),
    CONST(TCP_NODELAY),
    CONST(TCP_MAXSEG),
    CONST(TCP_CORK),
    CONST(TCP_KEEPIDLE),
    CONST(TCP_KEEPINTVL),
    CONST(TCP_KEEPCNT),
    CONST(TCP_SYNCNT),
    CONST(TCP_LINGER2),
    CONST(TCP_DEFER_ACCEPT),
    CONST(TCP_WINDOW_CLAMP),
    CONST(TCP_INFO),
    CONST(TCP_QUICKACK),
    CONST(TCP_CONGESTION),
    CONST(TCP_MD5SIG),
    CONST(TCP_USER_TIMEOUT),
    CONST(TCP_REPAIR),
    CONST(TCP_FASTOPEN),
    CONST(TCP_NOTSENT_LOWAT),
    CONST(TCP_FASTOPEN_CONNECT),
    CONST(TCP_ULP),
    CONST(TCP_ZEROCOPY_RECEIVE),
    CONST(UDP_CORK),
    CONST(UDP_ENCAP),
    CONST(UDP_SEGMENT),
    CONST(UDP_GRO),
};

static const named_const fcntl_commands[] = {
    CONST(F_DUPFD),
    CONST(F_GETFD),
    CONST(F_SETFD),
    CONST(F_GETFL),
    CONST(F_SETFL),
    CONST(F_GETLK),
    CONST(F_SETLK),
    CONST(F_SETLKW),
    CONST(F_SETOWN),
    CONST(F_GETOWN),
    CONST(F_SETSIG),
    CONST(F_GETSIG),
    CONST(F_SETOWN_EX),
    CONST(F_GETOWN_EX),
    CONST(F_OFD_GETLK),
    CONST(F_OFD_SETLK),
    CONST(F_OFD_SETLKW),
    CONST(F_SETLEASE),
    CONST(F_GETLEASE),
    CONST(F_NOTIFY),
    CONST(F_DUPFD_CLOEXEC),
    CONST(F_SETPIPE_SZ),
    CONST(F_GETPIPE_SZ),
    CONST(F_ADD_SEALS),
    CONST(F_GET_SEALS),
    CONST(F_GET_RW_HINT),
    CONST(F_SET_RW_HINT),
    CONST(F_GET_FILE_RW_HINT),
    CONST(F_SET_FILE_RW_HINT),
    CONST(F_DUPFD_QUERY),
};

static const named_const memfd_flags[] = {
    CONST(MFD_CLOEXEC), CONST(MFD_ALLOW_SEALING), CONST(MFD_HUGETLB),  CONST(MFD_NOEXEC_SEAL),
    CONST(MFD_EXEC),    CONST(MFD_HUGE_2MB),      CONST(MFD_HUGE_1GB),
};

static const named_const madvise_advice[] = {
    CONST(MADV_NORMAL),          CONST(MADV_RANDOM),        CONST(MADV_SEQUENTIAL),
    CONST(MADV_WILLNEED),        CONST(MADV_DONTNEED),      CONST(MADV_FREE),
    CONST(MADV_REMOVE),          CONST(MADV_DONTFORK),      CONST(MADV_DOFORK),
    CONST(MADV_MERGEABLE),       CONST(MADV_UNMERGEABLE),   CONST(MADV_HUGEPAGE),
    CONST(MADV_NOHUGEPAGE),      CONST(MADV_DONTDUMP),      CONST(MADV_DODUMP),
    CONST(MADV_WIPEONFORK),      CONST(MADV_KEEPONFORK),    CONST(MADV_COLD),
    CONST(MADV_PAGEOUT),         CONST(MADV_POPULATE_READ), CONST(MADV_POPULATE_WRITE),
    CONST(MADV_DONTNEED_LOCKED), CONST(MADV_COLLAPSE),      CONST(MADV_HWPOISON),
    CONST(MADV_SOFT_OFFLINE),    CONST(MADV_GUARD_INSTALL), CONST(MADV_GUARD_REMOVE),
};

static const named_const at_values[] = {
    CONST(AT_FDCWD),      CONST(AT_SYMLINK_NOFOLLOW), CONST(AT_REMOVEDIR),
    CONST(AT_EACCESS),    CONST(AT_SYMLINK_FOLLOW),   CONST(AT_NO_AUTOMOUNT),
    CONST(AT_EMPTY_PATH), CONST(AT_RECURSIVE),        CONST(AT_EXECVE_CHECK),
};

static const named_const mode_bits[] = {
    CONST(S_ISUID), CONST(S_ISGID), CONST(S_ISVTX), CONST(S_IRWXU), CONST(S_IRUSR),
    CONST(S_IWUSR), CONST(S_IXUSR), CONST(S_IRWXG), CONST(S_IRGRP), CONST(S_IWGRP),
    CONST(S_IXGRP), CONST(S_IRWXO), CONST(S_IROTH), CONST(S_IWOTH), CONST(S_IXOTH),
};

typedef struct const_namespace {
        const named_const *consts;
        size_t count;
        const char *description;
} const_namespace;

/* clang-format off */
#define NAMESPACE(table, description) {table, COUNT_OF(table), description}
/* clang-format on */

static const const_namespace namespaces[NS__COUNT] = {
    [NS_NONE] = {NULL, 0, "plain numbers"},
    [NS_AF] = NAMESPACE(address_families, "socket address families (AF_*)"),
    [NS_SOCK_TYPE] = NAMESPACE(socket_types, "socket types and flags (SOCK_*)"),
    [NS_IPPROTO] = NAMESPACE(ip_protocols, "IP protocols (IPPROTO_*)"),
    [NS_CLONE] = NAMESPACE(clone_flags, "clone and namespace flags (CLONE_*)"),
    [NS_IOCTL] = NAMESPACE(ioctl_requests, "ioctl requests (TIOC*, TC*, FIO*)"),
    [NS_PRCTL] = NAMESPACE(prctl_options, "prctl options (PR_*)"),
    [NS_PERSONA] = NAMESPACE(personalities, "personalities (PER_*, ADDR_*, ...)"),
    [NS_PROT] = NAMESPACE(memory_protections, "memory protections (PROT_*)"),
    [NS_MAP] = NAMESPACE(mmap_flags, "mmap flags (MAP_*)"),
    [NS_OPEN] = NAMESPACE(open_flags, "open flags (O_*)"),
    [NS_SIGNAL] = NAMESPACE(signals, "signals (SIG*)"),
    [NS_SOCKOPT_LEVEL] = NAMESPACE(sockopt_levels, "socket option levels (SOL_*, IPPROTO_*)"),
    [NS_SOCKOPT] = NAMESPACE(socket_options, "socket options (SO_*, IP_*, IPV6_*, TCP_*, UDP_*)"),
    [NS_FCNTL] = NAMESPACE(fcntl_commands, "fcntl commands (F_*)"),
    [NS_MFD] = NAMESPACE(memfd_flags, "memfd_create flags (MFD_*)"),
    [NS_MADV] = NAMESPACE(madvise_advice, "madvise advice (MADV_*)"),
    [NS_AT] = NAMESPACE(at_values, "directory fds and *at flags (AT_*)"),
    [NS_MODE] = NAMESPACE(mode_bits, "file mode bits (S_I*)"),
};

/* ---- errno ---- */

typedef struct errno_entry {
        const char *name;
        int value;
} errno_entry;

/* clang-format off */
#define ERRNO(e) {#e, e}
/* clang-format on */

/* Canonical names first: errno_name() returns the first match, so the
 * aliases at the end are accepted but never printed. */
static const errno_entry errno_names[] = {
    ERRNO(EPERM),
    ERRNO(ENOENT),
    ERRNO(ESRCH),
    ERRNO(EINTR),
    ERRNO(EIO),
    ERRNO(ENXIO),
    ERRNO(E2BIG),
    ERRNO(ENOEXEC),
    ERRNO(EBADF),
    ERRNO(ECHILD),
    ERRNO(EAGAIN),
    ERRNO(ENOMEM),
    ERRNO(EACCES),
    ERRNO(EFAULT),
    ERRNO(ENOTBLK),
    ERRNO(EBUSY),
    ERRNO(EEXIST),
    ERRNO(EXDEV),
    ERRNO(ENODEV),
    ERRNO(ENOTDIR),
    ERRNO(EISDIR),
    ERRNO(EINVAL),
    ERRNO(ENFILE),
    ERRNO(EMFILE),
    ERRNO(ENOTTY),
    ERRNO(ETXTBSY),
    ERRNO(EFBIG),
    ERRNO(ENOSPC),
    ERRNO(ESPIPE),
    ERRNO(EROFS),
    ERRNO(EMLINK),
    ERRNO(EPIPE),
    ERRNO(EDOM),
    ERRNO(ERANGE),
    ERRNO(EDEADLK),
    ERRNO(ENAMETOOLONG),
    ERRNO(ENOLCK),
    ERRNO(ENOSYS),
    ERRNO(ENOTEMPTY),
    ERRNO(ELOOP),
    ERRNO(ENOMSG),
    ERRNO(EIDRM),
    ERRNO(ECHRNG),
    ERRNO(EL2NSYNC),
    ERRNO(EL3HLT),
    ERRNO(EL3RST),
    ERRNO(ELNRNG),
    ERRNO(EUNATCH),
    ERRNO(ENOCSI),
    ERRNO(EL2HLT),
    ERRNO(EBADE),
    ERRNO(EBADR),
    ERRNO(EXFULL),
    ERRNO(ENOANO),
    ERRNO(EBADRQC),
    ERRNO(EBADSLT),
    ERRNO(EBFONT),
    ERRNO(ENOSTR),
    ERRNO(ENODATA),
    ERRNO(ETIME),
    ERRNO(ENOSR),
    ERRNO(ENONET),
    ERRNO(ENOPKG),
    ERRNO(EREMOTE),
    ERRNO(ENOLINK),
    ERRNO(EADV),
    ERRNO(ESRMNT),
    ERRNO(ECOMM),
    ERRNO(EPROTO),
    ERRNO(EMULTIHOP),
    ERRNO(EDOTDOT),
    ERRNO(EBADMSG),
    ERRNO(EOVERFLOW),
    ERRNO(ENOTUNIQ),
    ERRNO(EBADFD),
    ERRNO(EREMCHG),
    ERRNO(ELIBACC),
    ERRNO(ELIBBAD),
    ERRNO(ELIBSCN),
    ERRNO(ELIBMAX),
    ERRNO(ELIBEXEC),
    ERRNO(EILSEQ),
    ERRNO(ERESTART),
    ERRNO(ESTRPIPE),
    ERRNO(EUSERS),
    ERRNO(ENOTSOCK),
    ERRNO(EDESTADDRREQ),
    ERRNO(EMSGSIZE),
    ERRNO(EPROTOTYPE),
    ERRNO(ENOPROTOOPT),
    ERRNO(EPROTONOSUPPORT),
    ERRNO(ESOCKTNOSUPPORT),
    ERRNO(EOPNOTSUPP),
    ERRNO(EPFNOSUPPORT),
    ERRNO(EAFNOSUPPORT),
    ERRNO(EADDRINUSE),
    ERRNO(EADDRNOTAVAIL),
    ERRNO(ENETDOWN),
    ERRNO(ENETUNREACH),
    ERRNO(ENETRESET),
    ERRNO(ECONNABORTED),
    ERRNO(ECONNRESET),
    ERRNO(ENOBUFS),
    ERRNO(EISCONN),
    ERRNO(ENOTCONN),
    ERRNO(ESHUTDOWN),
    ERRNO(ETOOMANYREFS),
    ERRNO(ETIMEDOUT),
    ERRNO(ECONNREFUSED),
    ERRNO(EHOSTDOWN),
    ERRNO(EHOSTUNREACH),
    ERRNO(EALREADY),
    ERRNO(EINPROGRESS),
    ERRNO(ESTALE),
    ERRNO(EUCLEAN),
    ERRNO(ENOTNAM),
    ERRNO(ENAVAIL),
    ERRNO(EISNAM),
    ERRNO(EREMOTEIO),
    ERRNO(EDQUOT),
    ERRNO(ENOMEDIUM),
    ERRNO(EMEDIUMTYPE),
    ERRNO(ECANCELED),
    ERRNO(ENOKEY),
    ERRNO(EKEYEXPIRED),
    ERRNO(EKEYREVOKED),
    ERRNO(EKEYREJECTED),
    ERRNO(EOWNERDEAD),
    ERRNO(ENOTRECOVERABLE),
    ERRNO(ERFKILL),
    ERRNO(EHWPOISON),
    /* aliases */
    ERRNO(EWOULDBLOCK),
    ERRNO(EDEADLOCK),
    ERRNO(ENOTSUP),
};

/* ---- lookups ---- */

const sys_sig *sysargs_at(int i)
{
        if (i < 0 || (size_t)i >= COUNT_OF(signatures))
                return NULL;
        return &signatures[i];
}

const sys_sig *sysargs_lookup(const char *syscall)
{
        if (!syscall)
                return NULL;
        for (size_t i = 0; i < COUNT_OF(signatures); i++)
                if (strcmp(signatures[i].syscall, syscall) == 0)
                        return &signatures[i];
        return NULL;
}

/* The index N of a name "argN" with N in 0..5, or -1. */
static int positional_index(const char *name)
{
        if (!name || strncmp(name, "arg", 3) != 0)
                return -1;
        if (name[3] < '0' || name[3] > '5' || name[4] != '\0')
                return -1;
        return name[3] - '0';
}

const sys_arg *sysargs_positional(const char *name)
{
        int index = positional_index(name);

        if (index < 0)
                return NULL;
        return &positional_args[index];
}

static const sys_arg *argument_named(const sys_sig *sig, const char *name)
{
        for (int i = 0; i < sig->nargs; i++)
                if (strcmp(sig->args[i].name, name) == 0)
                        return &sig->args[i];
        return NULL;
}

static const sys_arg *argument_at(const sys_sig *sig, int index)
{
        for (int i = 0; i < sig->nargs; i++)
                if (sig->args[i].index == index)
                        return &sig->args[i];
        return NULL;
}

/* A name the signature gives wins over argN: prctl's `arg2` is index 1. */
const sys_arg *sysargs_find(const sys_sig *sig, const char *name)
{
        const sys_arg *arg;
        int index;

        if (!sig || !name)
                return NULL;
        arg = argument_named(sig, name);
        if (arg)
                return arg;
        index = positional_index(name);
        if (index < 0)
                return NULL;
        return argument_at(sig, index);
}

bool const_lookup(const_ns ns, const char *name, uint64_t *value)
{
        const const_namespace *space;

        if (!name || ns <= NS_NONE || ns >= NS__COUNT)
                return false;
        space = &namespaces[ns];
        for (size_t i = 0; i < space->count; i++) {
                if (strcmp(space->consts[i].name, name) == 0) {
                        if (value)
                                *value = space->consts[i].value;
                        return true;
                }
        }
        return false;
}

const_ns const_find_ns(const char *name)
{
        for (int ns = NS_NONE + 1; ns < NS__COUNT; ns++)
                if (const_lookup((const_ns)ns, name, NULL))
                        return (const_ns)ns;
        return NS_NONE;
}

const char *const_ns_describe(const_ns ns)
{
        if ((int)ns < 0 || ns >= NS__COUNT)
                return "unknown constants";
        return namespaces[ns].description;
}

bool errno_lookup(const char *name, int *value)
{
        if (!name)
                return false;
        for (size_t i = 0; i < COUNT_OF(errno_names); i++) {
                if (strcmp(errno_names[i].name, name) == 0) {
                        if (value)
                                *value = errno_names[i].value;
                        return true;
                }
        }
        return false;
}

const char *errno_name(int value)
{
        for (size_t i = 0; i < COUNT_OF(errno_names); i++)
                if (errno_names[i].value == value)
                        return errno_names[i].name;
        return NULL;
}
