/*
 * cmd_compile.c - `oshc compile FILE [-o OUT] [--emit KIND] [--policy NAME]`.
 *
 * Loads and checks the file, lowers it to the IR and writes what --emit
 * asks for.  `--emit ir` prints the IR as JSON: the one meaning of the
 * policy every later stage reads.
 */
#include "cli.h"
#include "ir.h"

#include <errno.h>
#include <string.h>

static void compile_help(void)
{
        printf("usage: oshc compile FILE [-o OUT] [--emit ir] [--policy NAME] [-I DIR]\n\n"
               "Compile the policy in FILE (or the one named by --policy).\n"
               "  --emit ir   the normalized policy (IR) as JSON\n"
               "  -o OUT      write to OUT instead of standard output\n"
               "Exit 0 on success, 1 when the policy has errors, 2 on usage errors.\n");
}

int cmd_compile(int argc, char **argv)
{
        cli_common o = {0};
        const char *file = NULL, *out_path = NULL, *emit = NULL;
        bool bad = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        compile_help();
                        return EXIT_OK;
                }
                if (cli_common_option(&o, argc, argv, &i, &bad))
                        continue;
                if ((!strcmp(a, "-o") || !strcmp(a, "--emit")) && i + 1 < argc) {
                        if (!strcmp(a, "-o"))
                                out_path = argv[++i];
                        else
                                emit = argv[++i];
                } else if (!strncmp(a, "--emit=", 7)) {
                        emit = a + 7;
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("compile", "unknown option or missing value: '%s'", a);
                        return EXIT_USAGE;
                } else if (file) {
                        cli_usage_error("compile", "compile takes one policy file");
                        return EXIT_USAGE;
                } else {
                        file = a;
                }
        }
        if (bad)
                return EXIT_USAGE;
        if (!file) {
                cli_usage_error("compile", "no policy file given");
                return EXIT_USAGE;
        }
        if (!emit || strcmp(emit, "ir")) {
                cli_usage_error("compile", "%s%s%s: this build emits only the IR (--emit ir)",
                                emit ? "--emit " : "no --emit given", emit ? emit : "", "");
                return EXIT_USAGE;
        }
        osh_ctx c;
        cli_ctx_init(&c, &o);
        c.out = stderr; /* stdout carries the result */
        int rc = EXIT_FINDINGS;
        ast_file *root = osh_load(&c, file);
        ir_program *prog = root && c.nerrors == 0 ? ir_lower(&c) : NULL;
        ir_policy *pol = prog ? ir_select_policy(prog, o.policy) : NULL;
        if (pol) {
                FILE *out = stdout;
                if (out_path && !(out = fopen(out_path, "w"))) {
                        fprintf(stderr, "oshc compile: cannot write '%s': %s\n", out_path,
                                strerror(errno));
                        rc = EXIT_USAGE;
                } else {
                        ir_print_json(out, prog, pol);
                        if (out != stdout && fclose(out) != 0) {
                                fprintf(stderr, "oshc compile: cannot write '%s': %s\n", out_path,
                                        strerror(errno));
                                rc = EXIT_USAGE;
                        } else {
                                rc = EXIT_OK;
                        }
                }
        }
        if (c.ndiags)
                diag_flush(&c);
        osh_ctx_free(&c);
        return rc;
}
