/* proc1_environ [HOSTHASH]: read /proc/1/environ.  Without an argument
 * print its hash (escape.sh runs it so on the host); with the host's hash,
 * a readable file with another hash is the sandbox's own PID 1 (201). */
#include "escape.h"
int main(int argc, char **argv)
{
        static char buf[1 << 20];
        ssize_t n = esc_read_file("/proc/1/environ", buf, sizeof buf);
        if (n < 0)
                esc_fail("read /proc/1/environ", errno);
        unsigned long long h = 1469598103934665603ULL;
        for (ssize_t i = 0; i < n; i++)
                h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
        char hs[32];
        snprintf(hs, sizeof hs, "%016llx", h);
        if (argc < 2) {
                puts(hs);
                return 0;
        }
        if (strcmp(hs, argv[1]) != 0)
                esc_exit(X_NOTHOST, "read /proc/1/environ", "readable, but not the host's PID 1");
        esc_ok("read the host's /proc/1/environ");
}
