/*
 * oshc.c - the toolchain's command line: `oshc COMMAND ARGS...`.
 *
 * Each command lives in its own cmd_*.c file; this file only dispatches and
 * holds the options they share (-I, --format, --policy) and the stdlib
 * lookup.
 */
#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OSH_STDLIB_DIR
#define OSH_STDLIB_DIR "/usr/local/share/oshc/stdlib-policies"
#endif

static const struct {
        const char *name;
        int (*run)(int, char **);
        const char *summary;
} commands[] = {
    {"check", cmd_check, "parse, resolve, type-check and lint policies"},
    {"verify", cmd_verify, "prove policies free of anomalies and escalation paths (Z3)"},
    {"diff", cmd_diff, "compare two policies per domain (the CI gate)"},
    {"compile", cmd_compile, "compile a policy (--emit ir prints the IR as JSON)"},
    {"query", cmd_query, "decide one request with the reference evaluator"},
    {"fmt", cmd_fmt, "format policies canonically (--check: exit 1 if one would change)"},
    {"inspect", cmd_inspect, "show what a bundle holds"},
    {"import", cmd_import, "translate an OCI seccomp profile or an OpenShell policy to .osh"},
    {"export", cmd_export, "print a policy as an OCI seccomp profile or systemd unit settings"},
};

static void usage(FILE *out)
{
        fprintf(out, "usage: oshc COMMAND [ARGS...]\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
        fprintf(out, "\n`oshc COMMAND --help` describes each command.\n"
                     "Exit codes: 0 ok, 1 findings or errors in the input, 2 usage or internal "
                     "error.\n");
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "oshc %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n(see `oshc %s --help`)\n", cmd);
}

bool cli_common_option(cli_common *o, int argc, char **argv, int *i, bool *bad)
{
        const char *a = argv[*i];
        const char *val = NULL;
        if (!strcmp(a, "-I") || !strcmp(a, "--format") || !strcmp(a, "--policy")) {
                if (*i + 1 >= argc) {
                        fprintf(stderr, "oshc: %s needs a value\n", a);
                        *bad = true;
                        return true;
                }
                val = argv[++*i];
        } else if (!strncmp(a, "-I", 2)) {
                val = a + 2;
                a = "-I";
        } else if (!strncmp(a, "--format=", 9)) {
                val = a + 9;
                a = "--format";
        } else if (!strncmp(a, "--policy=", 9)) {
                val = a + 9;
                a = "--policy";
        } else {
                return false;
        }
        if (!strcmp(a, "-I")) {
                if (o->ninclude_dirs == 32) {
                        fprintf(stderr, "oshc: at most 32 -I directories\n");
                        *bad = true;
                } else {
                        o->include_dirs[o->ninclude_dirs++] = val;
                }
        } else if (!strcmp(a, "--format")) {
                if (!strcmp(val, "json"))
                        o->format = FORMAT_JSON;
                else if (!strcmp(val, "text"))
                        o->format = FORMAT_TEXT;
                else {
                        fprintf(stderr, "oshc: --format takes text or json, not '%s'\n", val);
                        *bad = true;
                }
        } else {
                o->policy = val;
        }
        return true;
}

const char *cli_stdlib_dir(void)
{
        static char buf[PATH_MAX + 64];
        const char *env = getenv("OSH_STDLIB");
        if (env && *env)
                return env;
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = 0;
                char *slash = strrchr(exe, '/');
                if (slash) {
                        *slash = 0;
                        snprintf(buf, sizeof(buf), "%s/../stdlib-policies", exe);
                        char *rp = realpath(buf, NULL);
                        if (rp && strlen(rp) < sizeof(buf)) {
                                strcpy(buf, rp);
                                free(rp);
                                return buf;
                        }
                        free(rp);
                }
        }
        return OSH_STDLIB_DIR;
}

void cli_ctx_init(osh_ctx *c, const cli_common *o)
{
        osh_ctx_init(c);
        c->format = o->format;
        c->out = o->format == FORMAT_JSON ? stdout : stderr; /* JSON is the output */
        c->color = o->format == FORMAT_TEXT && diag_want_color(stderr);
        c->include_dirs = (const char **)o->include_dirs;
        c->ninclude_dirs = o->ninclude_dirs;
        c->stdlib_dir = cli_stdlib_dir();
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return EXIT_OK;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("oshc %s\n", OSH_VERSION);
                return EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i].name))
                        return commands[i].run(argc - 1, argv + 1);
        fprintf(stderr, "oshc: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
}
