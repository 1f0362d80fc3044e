/*
 * cmd_export.c - `oshc export --to oci-seccomp|systemd FILE [--policy P]`.
 */
#include "cli.h"
#include "import.h"
#include "../backends/backends.h"

#include <string.h>

int cmd_export(int argc, char **argv)
{
        return EXIT_USAGE;
}
