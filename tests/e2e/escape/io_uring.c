/* io_uring: io_uring_setup, a second syscall interface seccomp cannot see. */
#include "escape.h"
#include <linux/io_uring.h>
int main(void)
{
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        ESC_TRY("io_uring_setup", syscall(__NR_io_uring_setup, 4, &p));
}
