/*
 * cli.h - the oshc subcommands and what they share.
 *
 * oshc.c dispatches `oshc COMMAND ARGS...` to one cmd_* function per
 * command, each in a file of its own.  Exit codes (DESIGN §3): 0 ok, 1
 * findings or errors in the input, 2 usage, internal error or UNKNOWN.
 */
#ifndef OSH_CLI_H
#define OSH_CLI_H

#include "../lang/osh.h"

enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

/* Options every command that reads policies takes. */
typedef struct cli_common {
        const char *include_dirs[32];
        int ninclude_dirs;
        diag_format format;
        const char *policy; /* --policy NAME */
} cli_common;

/* Parse one common option at argv[*i] (-I DIR, --format F, --policy P);
 * true when it was one (and *i was advanced past its value). */
bool cli_common_option(cli_common *o, int argc, char **argv, int *i, bool *bad);
/* Set up a context from the options (stdlib folder, colour, format). */
void cli_ctx_init(osh_ctx *c, const cli_common *o);
/* Where the stdlib is: $OSH_STDLIB, next to the binary, or installed. */
const char *cli_stdlib_dir(void);
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
