/* hardlink TARGET: hard-link TARGET into $WORKDIR, then read the link. */
#include "escape.h"
int main(int argc, char **argv)
{
        char buf[65536];
        if (argc < 2)
                return 2;
        const char *l = esc_work("hardlink");
        unlink(l);
        if (link(argv[1], l) < 0)
                esc_fail("link into $WORKDIR", errno);
        if (esc_read_file(l, buf, sizeof buf) < 0)
                esc_fail("read the hard link", errno);
        esc_ok("hard link and read");
}
