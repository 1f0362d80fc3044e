/* chroot_call: chroot into $WORKDIR (the first step of the classic
 * chroot escape). */
#include "escape.h"
int main(void)
{
        ESC_TRY("chroot", chroot("."));
}
