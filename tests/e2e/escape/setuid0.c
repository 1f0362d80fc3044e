/* setuid0: setuid(0) and setresuid(0,0,0). */
#include "escape.h"
int main(void)
{
        if (setuid(0) < 0)
                esc_fail("setuid(0)", errno);
        ESC_TRY("setresuid(0, 0, 0)", setresuid(0, 0, 0));
}
