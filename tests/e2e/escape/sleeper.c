/* sleeper SECONDS: sleep, then exit 0.  Under `walltime` shorter than
 * SECONDS: killed when the walltime is up. */
#include "escape.h"
#include <time.h>
int main(int argc, char **argv)
{
        struct timespec t = {.tv_sec = argc > 1 ? atoi(argv[1]) : 30};
        while (nanosleep(&t, &t) < 0 && errno == EINTR) {
        }
        esc_ok("slept");
}
