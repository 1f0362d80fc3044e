/* int80_syscall: an i386 system call (int $0x80, getpid = 20) from 64-bit
 * code: seccomp sees AUDIT_ARCH_I386, which the x86_64 program must kill. */
#include "escape.h"
int main(void)
{
#if defined(__x86_64__)
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
        if (ret < 0 && ret > -4096)
                esc_fail("int 0x80 getpid", (int)-ret);
        esc_ok("int 0x80 getpid");
#else
        esc_exit(X_SKIP, "int 0x80", "not x86_64");
#endif
}
