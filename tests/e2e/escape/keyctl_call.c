/* keyctl_call: read the session keyring's id (the kernel keyring holds the
 * user's secrets; it is not namespaced). */
#include "escape.h"
#include <linux/keyctl.h>
int main(void)
{
        ESC_TRY("keyctl(KEYCTL_GET_KEYRING_ID)",
                syscall(__NR_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
}
