/* mount_tmpfs: mount a tmpfs over $WORKDIR. */
#include "escape.h"
#include <sys/mount.h>
int main(void)
{
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
                esc_fail("getcwd", errno);
        if (mount("none", cwd, "tmpfs", 0, NULL) < 0)
                esc_fail("mount", errno);
        umount(cwd);
        esc_ok("mount");
}
