/* memhog MIB: allocate and touch MIB MiB (at most 1024), 4 MiB at a time.
 * Under `memory` below that: killed (SIGKILL). */
#include "escape.h"
#include <sys/mman.h>
int main(int argc, char **argv)
{
        long mib = argc > 1 ? atol(argv[1]) : 512;
        if (mib > 1024)
                mib = 1024;
        for (long i = 0; i < mib; i += 4) {
                char *p =
                    mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED)
                        esc_fail("mmap", errno);
                memset(p, 0x5a, 4 << 20);
        }
        printf("touched %ld MiB\n", mib);
        esc_ok("allocate");
}
