/* kill_outside PID: SIGCONT (harmless) to a process outside the sandbox
 * (osh-run's parent); not in the sandbox's pid namespace: ESRCH. */
#include "escape.h"
int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        ESC_TRY("kill(outside pid, SIGCONT)", kill((pid_t)atoi(argv[1]), SIGCONT));
}
