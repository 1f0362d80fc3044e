/* symlink_read TARGET: plant $WORKDIR/link -> TARGET and read through it. */
#include "escape.h"
int main(int argc, char **argv)
{
        char buf[65536];
        if (argc < 2)
                return 2;
        const char *l = esc_work("link");
        unlink(l);
        if (symlink(argv[1], l) < 0)
                esc_fail("symlink", errno);
        if (esc_read_file(l, buf, sizeof buf) < 0)
                esc_fail("read through the symlink", errno);
        esc_ok("read through the symlink");
}
