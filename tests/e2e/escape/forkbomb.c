/* forkbomb [MAX]: fork children that wait, until fork fails or MAX (1000)
 * is reached; then kill them all.  Under `pids N`: EAGAIN below N. */
#include "escape.h"
int main(int argc, char **argv)
{
        int max = argc > 1 ? atoi(argv[1]) : 1000, n = 0, e = 0;
        static pid_t kids[1000];
        if (max > 1000)
                max = 1000;
        for (; n < max; n++) {
                pid_t p = fork();
                if (p < 0) {
                        e = errno;
                        break;
                }
                if (p == 0) {
                        pause();
                        _exit(0);
                }
                kids[n] = p;
        }
        for (int i = 0; i < n; i++)
                kill(kids[i], SIGKILL);
        for (int i = 0; i < n; i++)
                waitpid(kids[i], NULL, 0);
        printf("forked %d children\n", n);
        if (e)
                esc_fail("fork", e);
        esc_ok("fork");
}
