/* ptrace_parent: PTRACE_ATTACH to the parent (the sandbox's PID 1). */
#include "escape.h"
#include <sys/ptrace.h>
int main(void)
{
        ESC_TRY("ptrace(PTRACE_ATTACH, parent)", ptrace(PTRACE_ATTACH, getppid(), 0, 0));
}
