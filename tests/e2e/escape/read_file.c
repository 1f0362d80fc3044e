/* read_file PATH [SECRET]: read a file (outside the grants: /etc/hostname,
 * /etc/shadow; inside: $WORKDIR/ok.txt).  With SECRET, a read that
 * succeeds without the secret in it is a mask (exit 200), not an escape. */
#include "escape.h"
int main(int argc, char **argv)
{
        char buf[65536];
        if (argc < 2)
                return 2;
        const char *p = argv[1][0] == '/' ? argv[1] : esc_work(argv[1]);
        if (esc_read_file(p, buf, sizeof buf) < 0)
                esc_fail("read", errno);
        if (argc > 2 && !strstr(buf, argv[2]))
                esc_exit(X_MASKED, "read", "opened, but the contents are masked");
        esc_ok("read");
}
