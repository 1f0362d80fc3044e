/*
 * escape.h - shared by the escape-suite programs (tests/e2e/escape.sh).
 *
 * Every program tries one thing and reports how it went, on stdout and in
 * its exit status, which escape.sh maps back to a name:
 *   0        the operation succeeded (for an attack: an escape)
 *   1..133   it failed with that errno
 *   200      a masked file read back empty instead of its contents
 *   201      /proc/1/environ was readable but is not the host's
 *   202      a precondition of the test does not hold here (skip)
 *   210      the proxy answered 403
 *   211      the proxy answered another non-200 status
 * A program killed by a signal shows as 128+signal (osh-run's convention).
 */
#ifndef ESCAPE_H
#define ESCAPE_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define X_MASKED 200
#define X_NOTHOST 201
#define X_SKIP 202
#define X_403 210
#define X_HTTP 211

static inline const char *esc_errname(int e)
{
        const char *n = strerrorname_np(e);
        return n ? n : "errno?";
}

/* The operation failed: report and exit with its errno. */
static inline __attribute__((noreturn)) void esc_fail(const char *what, int e)
{
        printf("%s: %s (%s)\n", what, esc_errname(e), strerror(e));
        fflush(stdout);
        _exit(e > 0 && e < 200 ? e : 199);
}

/* The operation succeeded. */
static inline __attribute__((noreturn)) void esc_ok(const char *what)
{
        printf("%s: succeeded\n", what);
        fflush(stdout);
        _exit(0);
}

static inline __attribute__((noreturn)) void esc_exit(int code, const char *what, const char *why)
{
        printf("%s: %s\n", what, why);
        fflush(stdout);
        _exit(code);
}

/* Check a call: success -> esc_ok, failure -> esc_fail. */
#define ESC_TRY(what, call)                                                                        \
        do {                                                                                       \
                if ((call) < 0)                                                                    \
                        esc_fail(what, errno);                                                     \
                esc_ok(what);                                                                      \
        } while (0)

/* The working directory ($WORKDIR inside the sandbox) + "/" + name. */
static inline const char *esc_work(const char *name)
{
        static char buf[4096];
        char cwd[4000];
        if (!getcwd(cwd, sizeof cwd))
                esc_fail("getcwd", errno);
        snprintf(buf, sizeof buf, "%s/%s", cwd, name);
        return buf;
}

/* Read a whole small file into buf (NUL-terminated); bytes read or -1. */
static inline ssize_t esc_read_file(const char *path, char *buf, size_t len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        size_t n = 0;
        while (n + 1 < len) {
                ssize_t r = read(fd, buf + n, len - 1 - n);
                if (r < 0) {
                        int e = errno;
                        close(fd);
                        errno = e;
                        return -1;
                }
                if (r == 0)
                        break;
                n += (size_t)r;
        }
        buf[n] = 0;
        close(fd);
        return (ssize_t)n;
}
#endif
