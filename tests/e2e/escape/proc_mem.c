/* proc_mem self|child: open /proc/PID/mem of this process or of a child
 * it forked (another process in the sandbox) and read from it. */
#include "escape.h"
int main(int argc, char **argv)
{
        static char probe[] = "probe";
        char path[64], buf[8];
        pid_t pid = getpid();
        if (argc > 1 && strcmp(argv[1], "child") == 0) {
                pid = fork();
                if (pid < 0)
                        esc_fail("fork", errno);
                if (pid == 0) {
                        pause();
                        _exit(0);
                }
        }
        snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int e = errno;
        ssize_t n = fd >= 0 ? pread(fd, buf, sizeof probe, (off_t)(uintptr_t)probe) : -1;
        if (fd >= 0)
                e = errno;
        if (pid != getpid()) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
        }
        if (fd < 0 || n < 0)
                esc_fail(path, e);
        esc_ok(path);
}
