/* write_exec: copy this program into $WORKDIR (writable, not executable),
 * make it executable and exec it. */
#include "escape.h"
int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--payload") == 0)
                esc_ok("exec of a file written in $WORKDIR");
        static char buf[4 << 20];
        int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (in < 0)
                esc_fail("open /proc/self/exe", errno);
        const char *dst = esc_work("dropped");
        unlink(dst);
        int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (out < 0)
                esc_fail("create $WORKDIR/dropped", errno);
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)n) != n)
                        esc_fail("write $WORKDIR/dropped", errno);
        close(in);
        close(out);
        if (chmod(dst, 0755) < 0)
                esc_fail("chmod", errno);
        execl(dst, dst, "--payload", (char *)NULL);
        esc_fail("exec $WORKDIR/dropped", errno);
}
