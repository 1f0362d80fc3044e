/*
 * cmd_export.c - `oshc export --to oci-seccomp|systemd FILE [--policy P]
 * [-o OUT]`: a policy in the format of another runtime.
 *
 * oci-seccomp is the seccomp backend's OCI profile (the same text as
 * `oshc compile --emit oci-seccomp`); systemd prints [Service] settings
 * (export_systemd.c).  Both keep what does not translate as comments.
 */
#include "cli.h"
#include "import.h"
#include "ir.h"
#include "../backends/backends.h"

#include <errno.h>
#include <string.h>

static void export_help(void)
{
        printf("usage: oshc export --to oci-seccomp|systemd FILE [--policy NAME] [-o OUT]\n"
               "                   [-I DIR] [--format text|json]\n\n"
               "Print a policy for another runtime: an OCI seccomp profile (JSON) or\n"
               "systemd [Service] settings.  What does not translate is a # comment\n"
               "(systemd) or is listed on standard error (OCI).\n\n"
               "Exit 0 when done, 1 when the policy has errors, 2 on usage errors.\n");
}

int cmd_export(int argc, char **argv)
{
        cli_common common = {0};
        const char *to = NULL, *file = NULL, *out_path = NULL;
        bool bad = false;
        for (int i = 1; i < argc && !bad; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        export_help();
                        return EXIT_OK;
                } else if (cli_common_option(&common, argc, argv, &i, &bad)) {
                        continue;
                } else if (!strcmp(a, "--to") || !strcmp(a, "-o")) {
                        if (i + 1 >= argc) {
                                cli_usage_error("export", "%s needs a value", a);
                                return EXIT_USAGE;
                        }
                        *(!strcmp(a, "--to") ? &to : &out_path) = argv[++i];
                } else if (!strncmp(a, "--to=", 5)) {
                        to = a + 5;
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("export", "unknown option '%s'", a);
                        return EXIT_USAGE;
                } else if (file) {
                        cli_usage_error("export", "one policy file only ('%s' and '%s')", file, a);
                        return EXIT_USAGE;
                } else {
                        file = a;
                }
        }
        if (bad)
                return EXIT_USAGE;
        if (!to || (strcmp(to, "oci-seccomp") && strcmp(to, "systemd"))) {
                cli_usage_error("export", "--to oci-seccomp or --to systemd is required");
                return EXIT_USAGE;
        }
        if (!file) {
                cli_usage_error("export", "no policy file");
                return EXIT_USAGE;
        }
        osh_ctx c;
        cli_ctx_init(&c, &common);
        c.out = stderr; /* stdout carries the export */
        int rc = EXIT_FINDINGS;
        ast_file *root = osh_load(&c, file);
        ir_program *prog = root && c.nerrors == 0 ? ir_lower(&c) : NULL;
        ir_policy *pol = prog ? ir_select_policy(prog, common.policy) : NULL;
        if (pol) {
                FILE *out = out_path && strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
                if (!out) {
                        fprintf(stderr, "oshc export: cannot write '%s': %s\n", out_path,
                                strerror(errno));
                        rc = EXIT_USAGE;
                } else {
                        if (!strcmp(to, "systemd"))
                                export_systemd(out, pol);
                        else
                                emit_oci_seccomp(out, &c, pol);
                        rc = c.nerrors ? EXIT_FINDINGS : EXIT_OK;
                        if (fflush(out) != 0 || ferror(out)) {
                                fprintf(stderr, "oshc export: cannot write the output: %s\n",
                                        strerror(errno));
                                rc = EXIT_USAGE;
                        }
                        if (out != stdout)
                                fclose(out);
                }
        }
        if (c.ndiags)
                diag_flush(&c);
        osh_ctx_free(&c);
        return rc;
}
