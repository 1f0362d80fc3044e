/* write_file PATH: create or overwrite a file (relative: under $WORKDIR).
 * A write that got through is undone before reporting it. */
#include "escape.h"
int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        const char *p = argv[1][0] == '/' ? argv[1] : esc_work(argv[1]);
        struct stat st;
        int existed = stat(p, &st) == 0;
        int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
                esc_fail("write", errno);
        if (write(fd, "x", 1) != 1)
                esc_fail("write", errno);
        close(fd);
        if (!existed && strncmp(argv[1], "/usr/", 5) == 0)
                unlink(p);
        esc_ok("write");
}
