/*
 * cmd_check.c - `oshc check FILE...`: parse, resolve, type-check and lower
 * each file, and print every diagnostic.  Lowering runs too, so composition
 * errors (conflicting settings, a policy without a syscall default) are
 * caught by `check` and not first by `compile`.
 */
#include "cli.h"
#include "ir.h"

#include <string.h>

static void check_help(void)
{
        printf("usage: oshc check [-I DIR] [--format text|json] FILE...\n\n"
               "Parse, resolve imports and names, type-check and compose each policy file.\n"
               "Prints diagnostics as file:line:col: error[code]: message (or JSON).\n"
               "Exit 0 when every file is clean, 1 when any has errors, 2 on usage errors.\n");
}

int cmd_check(int argc, char **argv)
{
        cli_common o = {0};
        const char *files[256];
        int nfiles = 0;
        bool bad = false;
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                        check_help();
                        return EXIT_OK;
                }
                if (cli_common_option(&o, argc, argv, &i, &bad))
                        continue;
                if (argv[i][0] == '-' && argv[i][1]) {
                        cli_usage_error("check", "unknown option '%s'", argv[i]);
                        return EXIT_USAGE;
                }
                if (nfiles == 256) {
                        cli_usage_error("check", "at most 256 files at once");
                        return EXIT_USAGE;
                }
                files[nfiles++] = argv[i];
        }
        if (bad)
                return EXIT_USAGE;
        if (nfiles == 0) {
                cli_usage_error("check", "no policy file given");
                return EXIT_USAGE;
        }
        int rc = EXIT_OK, printed = 0;
        if (o.format == FORMAT_JSON)
                fputc('[', stdout);
        for (int i = 0; i < nfiles; i++) {
                osh_ctx c;
                cli_ctx_init(&c, &o);
                ast_file *root = osh_load(&c, files[i]);
                if (root && c.nerrors == 0)
                        ir_lower(&c);
                if (c.nerrors)
                        rc = EXIT_FINDINGS;
                if (o.format == FORMAT_JSON)
                        diag_flush_json_items(&c, &printed);
                else
                        diag_flush(&c);
                osh_ctx_free(&c);
        }
        if (o.format == FORMAT_JSON)
                fputs("\n]\n", stdout);
        return rc;
}
