/* unshare_user: a new user namespace (full capabilities inside it). */
#include "escape.h"
#include <sched.h>
int main(void)
{
        ESC_TRY("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
}
