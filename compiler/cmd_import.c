/*
 * cmd_import.c - `oshc import --from oci FILE [-o OUT] [--name NAME]
 * [--arch ARCH]`: translate a policy of another sandbox to a formatted
 * .osh file.
 *
 * The importer (import_oci.c) writes .osh text; this file checks that it
 * parses and prints it through the formatter (lang/fmt.c), so the output
 * is what `oshc fmt` would make of it.  Errors in the input exit 1 with a
 * message naming the file; usage errors exit 2.
 */
#include "cli.h"
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

static void import_help(void)
{
        printf("usage: oshc import --from oci|openshell FILE [-o OUT.osh] [--name NAME]\n"
               "                   [--arch ARCH]\n\n"
               "Translate an OCI/Docker seccomp profile (JSON) or an NVIDIA OpenShell\n"
               "sandbox policy (YAML, version 1) to a formatted .osh policy.  What has no\n"
               "equivalent in the language is kept as a comment (docs/import-export.md).\n\n"
               "  --from F     the input format: oci or openshell\n"
               "  -o OUT       write OUT instead of standard output\n"
               "  --name NAME  the policy's name (default: from the file name)\n"
               "  --arch ARCH  oci: the architecture to import the profile for (default "
               "x86_64)\n\n"
               "Exit 0 when done, 1 when the input is malformed, 2 on usage errors.\n");
}

static char *read_file(const char *path, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t cap = 0, n = 0;
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        cap = cap ? cap * 2 : 65536;
                        char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                errno = EFBIG;
                                return NULL;
                        }
                        buf = nb;
                }
                size_t got = fread(buf + n, 1, cap - n - 1, f);
                n += got;
                if (got == 0)
                        break;
        }
        bool bad = ferror(f);
        fclose(f);
        if (bad) {
                free(buf);
                errno = EIO;
                return NULL;
        }
        buf[n] = 0;
        *len = n;
        return buf;
}

static const char *const keywords[] = {
    "import",   "set",      "param",   "fragment", "policy",   "use",    "within",  "requires",
    "landlock", "arch",     "fs",      "net",      "syscalls", "limits", "process", "assert",
    "never",    "waive",    "allow",   "deny",     "connect",  "bind",   "from",    "and",
    "children", "http",     "default", "kill",     "trap",     "log",    "notify",  "errno",
    "when",     "in",       "not",     "read",     "write",    "exec",   "ioctl",   "syscall",
    "memory",   "swap",     "pids",    "cpu",      "io",       "weight", "files",   "cputime",
    "filesize", "walltime", "user",    "group",    "caps",     "none",   "env",     "keep",
    "hostname", NULL};

/* A policy name from the file name: "default.json" -> "default_profile". */
static char *name_from_path(const char *path)
{
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t n = strcspn(base, ".");
        char *s = malloc(n + 16);
        size_t j = 0;
        if (!n || !(isalpha((unsigned char)base[0]) || base[0] == '_'))
                s[j++] = 'p', s[j++] = '_';
        for (size_t i = 0; i < n; i++)
                s[j++] = isalnum((unsigned char)base[i]) ? base[i] : '_';
        s[j] = 0;
        for (int i = 0; keywords[i]; i++)
                if (!strcmp(s, keywords[i])) {
                        strcpy(s + j, "_profile");
                        break;
                }
        return s;
}

static bool name_ok(const char *s)
{
        if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '_')
                        return false;
        for (int i = 0; keywords[i]; i++)
                if (!strcmp(s, keywords[i]))
                        return false;
        return true;
}

/* Parse the imported text and print it formatted; false (with the
 * diagnostics) when it does not parse, which is an importer bug. */
static bool write_formatted(FILE *out, const char *name, const char *text)
{
        osh_ctx c;
        osh_ctx_init(&c);
        c.out = stderr;
        int id = source_add(&c, name, NULL, text, strlen(text));
        ast_file *f = id >= 0 ? parse_source(&c, id) : NULL;
        char *formatted = f && c.nerrors == 0 ? osh_format(&c, f) : NULL;
        if (formatted)
                fputs(formatted, out);
        else
                diag_flush(&c);
        osh_ctx_free(&c);
        return formatted != NULL;
}

int cmd_import(int argc, char **argv)
{
        const char *from = NULL, *file = NULL, *out_path = NULL, *name = NULL, *arch = NULL;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char **slot = !strcmp(a, "--from")   ? &from
                                    : !strcmp(a, "-o")     ? &out_path
                                    : !strcmp(a, "--name") ? &name
                                    : !strcmp(a, "--arch") ? &arch
                                                           : NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        import_help();
                        return EXIT_OK;
                } else if (slot) {
                        if (i + 1 >= argc) {
                                cli_usage_error("import", "%s needs a value", a);
                                return EXIT_USAGE;
                        }
                        *slot = argv[++i];
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("import", "unknown option '%s'", a);
                        return EXIT_USAGE;
                } else if (file) {
                        cli_usage_error("import", "one input file only ('%s' and '%s')", file, a);
                        return EXIT_USAGE;
                } else {
                        file = a;
                }
        }
        if (!from || (strcmp(from, "oci") && strcmp(from, "openshell"))) {
                cli_usage_error("import", "--from oci or --from openshell is required");
                return EXIT_USAGE;
        }
        if (!file) {
                cli_usage_error("import", "no input file");
                return EXIT_USAGE;
        }
        if (name && !name_ok(name)) {
                cli_usage_error("import",
                                "--name '%s' is not a policy name (an identifier, "
                                "not a keyword)",
                                name);
                return EXIT_USAGE;
        }
        if (arch && (strcmp(from, "oci") || (!seccomp_arch_resolve_name(arch) &&
                                             strcmp(arch, "amd64") && strcmp(arch, "arm64")))) {
                cli_usage_error("import",
                                "--arch '%s': an architecture libseccomp knows, for "
                                "--from oci only",
                                arch);
                return EXIT_USAGE;
        }
        size_t len;
        char *text = read_file(file, &len);
        if (!text) {
                fprintf(stderr, "oshc import: cannot read '%s': %s\n", file, strerror(errno));
                return EXIT_USAGE;
        }
        char *auto_name = name ? NULL : name_from_path(file);
        import_opts o = {.name = name ? name : auto_name, .source = file, .arch = arch};
        char err[512] = "";
        char *osh = !strcmp(from, "oci") ? import_oci(text, len, &o, err, sizeof err)
                                         : import_openshell(text, len, &o, err, sizeof err);
        free(text);
        int rc = EXIT_FINDINGS;
        if (!osh) {
                fprintf(stderr, "oshc import: %s: %s\n", file, err);
                goto out;
        }
        FILE *out = out_path && strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
        if (!out) {
                fprintf(stderr, "oshc import: cannot write '%s': %s\n", out_path, strerror(errno));
                rc = EXIT_USAGE;
                goto out;
        }
        if (!write_formatted(out, out_path ? out_path : "<import>", osh)) {
                fprintf(stderr,
                        "oshc import: internal error: the translation of '%s' does not "
                        "parse; please report it\n",
                        file);
                rc = EXIT_USAGE;
        } else {
                rc = EXIT_OK;
        }
        if (fflush(out) != 0 || ferror(out)) {
                fprintf(stderr, "oshc import: cannot write the output: %s\n", strerror(errno));
                rc = EXIT_USAGE;
        }
        if (out != stdout)
                fclose(out);
out:
        free(osh);
        free(auto_name);
        return rc;
}
