/* x32_syscall: getpid through the x32 ABI (nr | __X32_SYSCALL_BIT), which a
 * filter written for x86_64 numbers could let through.  Expect SIGSYS. */
#include "escape.h"
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif
int main(void)
{
#if defined(__x86_64__)
        ESC_TRY("x32 getpid", syscall(__X32_SYSCALL_BIT | __NR_getpid));
#else
        esc_exit(X_SKIP, "x32 getpid", "not x86_64");
#endif
}
