/* exec_bin PATH: exec another program (its own status is the result). */
#include "escape.h"
int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        execv(argv[1], argv + 1);
        esc_fail("exec", errno);
}
