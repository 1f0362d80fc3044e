/* personality_rie [query]: set READ_IMPLIES_EXEC (every readable mapping
 * executable), or only query the persona (0xffffffff). */
#include "escape.h"
#include <sys/personality.h>
int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "query") == 0)
                ESC_TRY("personality(0xffffffff)", personality(0xffffffff));
        ESC_TRY("personality(READ_IMPLIES_EXEC)", personality(READ_IMPLIES_EXEC));
}
