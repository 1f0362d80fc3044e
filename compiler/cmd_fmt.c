/*
 * cmd_fmt.c - `oshc fmt [--check | --stdout] FILE...`: rewrite policies in
 * their canonical layout (lang/fmt.c).
 *
 * Each file is parsed on its own (imports are not followed) and printed
 * back.  A file with syntax errors is left alone and its diagnostics are
 * printed.  Before anything is written the output is parsed and formatted
 * once more: it must parse cleanly and come out unchanged, or the file is
 * left as it was and the failure reported as an internal error.  A file is
 * rewritten only when its text changes, through a temporary file in the
 * same directory renamed over it, with the original's mode.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fmt_opts {
        bool check;   /* --check: write nothing, report what would change */
        bool stdout_; /* --stdout: print the result instead of rewriting */
} fmt_opts;

static void fmt_help(void)
{
        printf("usage: oshc fmt [--check | --stdout] [--format text|json] FILE...\n"
               "       oshc fmt -            (read stdin, write stdout)\n\n"
               "Rewrite each policy file in the canonical layout: 4-space indentation,\n"
               "one item or rule per line, comments kept.  Imports are not followed.\n\n"
               "  --check    write nothing; print `would reformat FILE` for each file that\n"
               "             would change and exit 1 if any would\n"
               "  --stdout   print the formatted text instead of rewriting the files\n\n"
               "Exit 0 when done (or, with --check, when every file is formatted), 1 when a\n"
               "file would change or has syntax errors, 2 on usage errors or unreadable\n"
               "files.\n");
}

/* Read all of stdin into a malloc'd buffer. */
static char *read_stdin(size_t *len)
{
        size_t cap = 4096, n = 0;
        char *buf = malloc(cap);
        if (!buf)
                return NULL;
        for (;;) {
                if (n == cap) {
                        char *nb = cap > (size_t)INT_MAX / 2 ? NULL : realloc(buf, cap * 2);
                        if (!nb) {
                                free(buf);
                                errno = EFBIG;
                                return NULL;
                        }
                        buf = nb;
                        cap *= 2;
                }
                size_t got = fread(buf + n, 1, cap - n, stdin);
                if (got == 0)
                        break;
                n += got;
        }
        if (ferror(stdin)) {
                free(buf);
                errno = EIO;
                return NULL;
        }
        *len = n;
        return buf;
}

/* Does the formatted text parse cleanly and format to itself? */
static bool format_is_stable(const cli_common *o, const char *name, const char *text)
{
        osh_ctx c;
        cli_ctx_init(&c, o);
        int id = source_add(&c, name, NULL, text, strlen(text));
        ast_file *f = parse_source(&c, id);
        const char *again = osh_format(&c, f);
        bool ok = again && !strcmp(again, text);
        osh_ctx_free(&c);
        return ok;
}

/* Write text to path through a temporary file in the same directory, so a
 * crash never leaves a half-written policy; keep the file's mode. */
static bool write_in_place(const char *path, const char *text)
{
        char *target = realpath(path, NULL); /* rewrite the file a symlink points to */
        if (!target) {
                fprintf(stderr, "oshc fmt: %s: %s\n", path, strerror(errno));
                return false;
        }
        struct stat st;
        if (stat(target, &st) != 0) {
                fprintf(stderr, "oshc fmt: %s: %s\n", path, strerror(errno));
                free(target);
                return false;
        }
        size_t n = strlen(target);
        char *tmp = malloc(n + 16);
        if (!tmp)
                abort();
        const char *slash = strrchr(target, '/');
        size_t dirlen = slash ? (size_t)(slash - target + 1) : 0;
        snprintf(tmp, n + 16, "%.*s.oshfmt.XXXXXX", (int)dirlen, target);
        int fd = mkstemp(tmp);
        if (fd < 0) {
                fprintf(stderr, "oshc fmt: cannot create a temporary file next to %s: %s\n", path,
                        strerror(errno));
                free(tmp);
                free(target);
                return false;
        }
        size_t len = strlen(text), off = 0;
        bool ok = fchmod(fd, st.st_mode & 07777) == 0;
        while (ok && off < len) {
                ssize_t w = write(fd, text + off, len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                ok = w > 0;
                if (ok)
                        off += (size_t)w;
        }
        ok = ok && fsync(fd) == 0;
        int saved = errno;
        ok = close(fd) == 0 && ok;
        if (ok && rename(tmp, target) != 0) {
                saved = errno;
                ok = false;
        }
        if (!ok) {
                fprintf(stderr, "oshc fmt: cannot write %s: %s (file left unchanged)\n", path,
                        strerror(saved ? saved : errno));
                unlink(tmp);
        }
        free(tmp);
        free(target);
        return ok;
}

/* Format one file (or stdin for "-"); returns an exit code. */
static int fmt_one(const cli_common *o, const fmt_opts *fo, const char *path)
{
        bool from_stdin = !strcmp(path, "-");
        osh_ctx c;
        cli_ctx_init(&c, o);
        int id;
        if (from_stdin) {
                size_t len = 0;
                char *buf = read_stdin(&len);
                if (!buf) {
                        fprintf(stderr, "oshc fmt: cannot read stdin: %s\n", strerror(errno));
                        osh_ctx_free(&c);
                        return EXIT_USAGE;
                }
                id = source_add(&c, "<stdin>", NULL, buf, len);
                free(buf);
        } else {
                id = source_load(&c, path);
                if (id < 0) {
                        fprintf(stderr, "oshc fmt: cannot read %s: %s\n", path, strerror(errno));
                        osh_ctx_free(&c);
                        return EXIT_USAGE;
                }
        }
        ast_file *f = parse_source(&c, id);
        const char *text = osh_format(&c, f);
        if (!text) {
                diag_flush(&c);
                osh_ctx_free(&c);
                return EXIT_FINDINGS;
        }
        const source *src = c.sources[id];
        bool changed = strlen(text) != src->len || memcmp(text, src->text, src->len) != 0;
        int rc = EXIT_OK;
        if (changed && !format_is_stable(o, src->path, text)) {
                fprintf(stderr,
                        "oshc fmt: internal error: the formatted text of %s does not format to "
                        "itself; file left unchanged (please report this with the file)\n",
                        src->path);
                rc = EXIT_USAGE;
        } else if (fo->check) {
                if (changed) {
                        printf("would reformat %s\n", path);
                        rc = EXIT_FINDINGS;
                }
        } else if (fo->stdout_ || from_stdin) {
                fputs(text, stdout);
        } else if (changed && !write_in_place(path, text)) {
                rc = EXIT_USAGE;
        }
        osh_ctx_free(&c);
        return rc;
}

int cmd_fmt(int argc, char **argv)
{
        cli_common o = {0};
        fmt_opts fo = {0};
        const char **files = calloc((size_t)argc, sizeof(*files));
        int nfiles = 0;
        bool bad = false;
        if (!files)
                abort();
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        fmt_help();
                        free(files);
                        return EXIT_OK;
                }
                if (!strcmp(a, "--check")) {
                        fo.check = true;
                } else if (!strcmp(a, "--stdout")) {
                        fo.stdout_ = true;
                } else if (!strncmp(a, "--format", 8)) {
                        if (!cli_common_option(&o, argc, argv, &i, &bad)) {
                                cli_usage_error("fmt", "unknown option '%s'", a);
                                bad = true;
                        }
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("fmt", "unknown option '%s'", a);
                        bad = true;
                } else {
                        files[nfiles++] = a;
                }
        }
        if (!bad && fo.check && fo.stdout_) {
                cli_usage_error("fmt", "--check and --stdout exclude each other");
                bad = true;
        }
        if (!bad && nfiles == 0) {
                cli_usage_error("fmt", "no policy file given (use `-` for stdin)");
                bad = true;
        }
        if (bad) {
                free(files);
                return EXIT_USAGE;
        }
        int rc = EXIT_OK;
        for (int i = 0; i < nfiles; i++) {
                int r = fmt_one(&o, &fo, files[i]);
                if (r > rc)
                        rc = r;
        }
        fflush(stdout);
        free(files);
        return rc;
}
