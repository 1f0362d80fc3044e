/*
 * diag.c - source files and diagnostics.
 *
 * Every message the front end gives goes through here: it is collected with
 * its span and notes, then printed by diag_flush() either for people
 * (`file:line:col: error[code]: message`, the source line, a caret under
 * the whole span, notes at related spans; colour only on a terminal and
 * never with NO_COLOR) or as one JSON array for machines.
 */
#include "osh.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const span no_span = {-1, 0, 0, 0, 0};

void osh_ctx_init(osh_ctx *c)
{
        memset(c, 0, sizeof(*c));
        c->out = stderr;
        c->format = FORMAT_TEXT;
}

void osh_ctx_free(osh_ctx *c)
{
        for (int i = 0; i < c->nsources; i++)
                free(c->sources[i]->text);
        free(c->sources);
        free(c->diags);
        arena_free(&c->arena);
        memset(c, 0, sizeof(*c));
}

int source_add(osh_ctx *c, const char *path, const char *realpath, const char *text, size_t len)
{
        if (c->nsources == c->capsources) {
                int cap = c->capsources ? c->capsources * 2 : 8;
                source **s = realloc(c->sources, sizeof(*s) * (size_t)cap);
                if (!s)
                        abort();
                c->sources = s;
                c->capsources = cap;
        }
        source *s = arena_alloc(&c->arena, sizeof(*s));
        s->path = arena_strdup(&c->arena, path);
        s->realpath = arena_strdup(&c->arena, realpath ? realpath : path);
        s->text = malloc(len + 1);
        if (!s->text)
                abort();
        memcpy(s->text, text, len);
        s->text[len] = 0;
        s->len = len;
        int nlines = 1;
        for (size_t i = 0; i < len; i++)
                nlines += text[i] == '\n';
        s->line_start = arena_alloc(&c->arena, sizeof(int) * (size_t)nlines);
        s->nlines = 0;
        s->line_start[s->nlines++] = 0;
        for (size_t i = 0; i < len; i++)
                if (text[i] == '\n')
                        s->line_start[s->nlines++] = (int)(i + 1);
        c->sources[c->nsources] = s;
        return c->nsources++;
}

/* Policies are small text files; refuse devices, FIFOs and anything huge so
 * that `import "/dev/zero"` fails cleanly instead of eating memory. */
#define SOURCE_MAX_BYTES (64u << 20)

int source_load(osh_ctx *c, const char *path)
{
        /* O_NONBLOCK: a /proc file such as kmsg must not hang the compiler */
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -1;
        FILE *f = fdopen(fd, "rb");
        if (!f) {
                close(fd);
                return -1;
        }
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_size > SOURCE_MAX_BYTES) {
                int regular = S_ISREG(st.st_mode);
                fclose(f);
                errno = regular ? EFBIG : EINVAL;
                return -1;
        }
        char *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        if (cap > SOURCE_MAX_BYTES * 2) {
                                free(buf);
                                fclose(f);
                                errno = EFBIG;
                                return -1;
                        }
                        char *nb = realloc(buf, cap);
                        if (!nb)
                                abort();
                        buf = nb;
                }
                size_t n = fread(buf + len, 1, cap - len, f);
                if (n == 0)
                        break;
                len += n;
        }
        int err = ferror(f);
        fclose(f);
        if (err) {
                free(buf);
                errno = EIO;
                return -1;
        }
        char *rp = realpath(path, NULL);
        int id = source_add(c, path, rp, buf ? buf : "", len);
        free(rp);
        free(buf);
        return id;
}

const char *source_strerror(int err)
{
        if (err == EINVAL)
                return "not a regular file";
        if (err == EFBIG)
                return "larger than 64 MiB, too large for a policy";
        return strerror(err);
}

const char *source_line(osh_ctx *c, int file, int line, int *len)
{
        if (file < 0 || file >= c->nsources)
                return NULL;
        source *s = c->sources[file];
        if (line < 1 || line > s->nlines)
                return NULL;
        const char *start = s->text + s->line_start[line - 1];
        const char *end = strchr(start, '\n');
        *len = end ? (int)(end - start) : (int)strlen(start);
        if (*len > 0 && start[*len - 1] == '\r')
                (*len)--;
        return start;
}

diag *diag_report(osh_ctx *c, diag_level level, const char *code, span where, const char *fmt, ...)
{
        if (c->ndiags == c->capdiags) {
                int cap = c->capdiags ? c->capdiags * 2 : 16;
                diag *d = realloc(c->diags, sizeof(*d) * (size_t)cap);
                if (!d)
                        abort();
                c->diags = d;
                c->capdiags = cap;
        }
        diag *d = &c->diags[c->ndiags++];
        memset(d, 0, sizeof(*d));
        d->level = level;
        d->code = code;
        d->where = where;
        d->seq = c->ndiags;
        va_list ap;
        va_start(ap, fmt);
        char *msg = arena_vprintf(&c->arena, fmt, ap);
        va_end(ap);
        d->msg = msg;
        if (level == DIAG_ERROR)
                c->nerrors++;
        else if (level == DIAG_WARNING)
                c->nwarnings++;
        return d;
}

void diag_note_at(osh_ctx *c, diag *d, span where, const char *fmt, ...)
{
        if (d->nnotes == (int)(sizeof(d->notes) / sizeof(d->notes[0])))
                return;
        va_list ap;
        va_start(ap, fmt);
        char *msg = arena_vprintf(&c->arena, fmt, ap);
        va_end(ap);
        d->notes[d->nnotes].where = where;
        d->notes[d->nnotes].msg = msg;
        d->nnotes++;
}

bool diag_want_color(FILE *f)
{
        const char *nc = getenv("NO_COLOR");
        if (nc && *nc)
                return false;
        return isatty(fileno(f));
}

span span_join(span a, span b)
{
        if (a.file < 0)
                return b;
        if (b.file < 0)
                return a;
        span s = a;
        if (b.end_line > s.end_line || (b.end_line == s.end_line && b.end_col > s.end_col)) {
                s.end_line = b.end_line;
                s.end_col = b.end_col;
        }
        return s;
}

/* ---- text output ---- */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"

static const char *level_name(diag_level l)
{
        return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

static const char *level_color(diag_level l)
{
        return l == DIAG_ERROR ? C_RED : l == DIAG_WARNING ? C_YELLOW : C_CYAN;
}

/* The source line of a span, then a caret under every column of the span
 * on that line (to the end of the line when the span goes on). */
void diag_print_snippet(osh_ctx *c, span w)
{
        int len;
        const char *line = source_line(c, w.file, w.line, &len);
        if (!line)
                return;
        char num[16];
        int width = snprintf(num, sizeof(num), "%d", w.line);
        fprintf(c->out, " %s | ", num);
        for (int i = 0; i < len; i++)
                fputc(line[i] == '\t' ? ' ' : line[i], c->out);
        fputc('\n', c->out);
        fprintf(c->out, " %*s | ", width, "");
        int start = w.col < 1 ? 1 : w.col;
        int end = w.end_line == w.line ? w.end_col : len;
        if (end < start)
                end = start;
        if (end > len + 1)
                end = len + 1;
        for (int i = 1; i < start; i++)
                fputc(' ', c->out);
        if (c->color)
                fputs(C_GREEN, c->out);
        for (int i = start; i <= end; i++)
                fputc('^', c->out);
        if (c->color)
                fputs(C_RESET, c->out);
        fputc('\n', c->out);
}

void diag_print_location(osh_ctx *c, span w)
{
        if (c->color)
                fputs(C_BOLD, c->out);
        if (w.file >= 0 && w.file < c->nsources)
                fprintf(c->out, "%s:%d:%d: ", c->sources[w.file]->path, w.line, w.col);
        else
                fputs("oshc: ", c->out);
        if (c->color)
                fputs(C_RESET, c->out);
}

static void print_text(osh_ctx *c, const diag *d)
{
        diag_print_location(c, d->where);
        if (c->color)
                fputs(level_color(d->level), c->out);
        fprintf(c->out, "%s[%s]", level_name(d->level), d->code);
        if (c->color)
                fputs(C_RESET C_BOLD, c->out);
        fprintf(c->out, ": %s\n", d->msg);
        if (c->color)
                fputs(C_RESET, c->out);
        diag_print_snippet(c, d->where);
        for (int i = 0; i < d->nnotes; i++) {
                diag_print_location(c, d->notes[i].where);
                if (c->color)
                        fputs(C_CYAN, c->out);
                fputs("note", c->out);
                if (c->color)
                        fputs(C_RESET, c->out);
                fprintf(c->out, ": %s\n", d->notes[i].msg);
                diag_print_snippet(c, d->notes[i].where);
        }
}

/* ---- JSON output ---- */

void json_write_string(FILE *out, const char *s)
{
        fputc('"', out);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"':
                        fputs("\\\"", out);
                        break;
                case '\\':
                        fputs("\\\\", out);
                        break;
                case '\n':
                        fputs("\\n", out);
                        break;
                case '\t':
                        fputs("\\t", out);
                        break;
                case '\r':
                        fputs("\\r", out);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(out, "\\u%04x", *p);
                        else
                                fputc(*p, out);
                }
        }
        fputc('"', out);
}

static void print_json_span(osh_ctx *c, span w)
{
        fputs("\"file\":", c->out);
        if (w.file >= 0 && w.file < c->nsources)
                json_write_string(c->out, c->sources[w.file]->path);
        else
                fputs("null", c->out);
        fprintf(c->out, ",\"line\":%d,\"col\":%d,\"end_line\":%d,\"end_col\":%d", w.line, w.col,
                w.end_line, w.end_col);
}

static void print_json(osh_ctx *c, const diag *d)
{
        fprintf(c->out, "{\"level\":\"%s\",\"code\":", level_name(d->level));
        json_write_string(c->out, d->code);
        fputs(",\"message\":", c->out);
        json_write_string(c->out, d->msg);
        fputc(',', c->out);
        print_json_span(c, d->where);
        fputs(",\"notes\":[", c->out);
        for (int i = 0; i < d->nnotes; i++) {
                fputs(i ? ",{\"message\":" : "{\"message\":", c->out);
                json_write_string(c->out, d->notes[i].msg);
                fputc(',', c->out);
                print_json_span(c, d->notes[i].where);
                fputc('}', c->out);
        }
        fputs("]}", c->out);
}

/* Sort by file, then position; report order breaks ties, so the output is
 * stable whatever order the checks ran in. */
static int diag_cmp(const void *a, const void *b)
{
        const diag *x = a, *y = b;
        if (x->where.file != y->where.file)
                return x->where.file < y->where.file ? -1 : 1;
        if (x->where.line != y->where.line)
                return x->where.line < y->where.line ? -1 : 1;
        if (x->where.col != y->where.col)
                return x->where.col < y->where.col ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sort_diags(osh_ctx *c)
{
        if (c->ndiags > 1)
                qsort(c->diags, (size_t)c->ndiags, sizeof(diag), diag_cmp);
}

void diag_flush_json_items(osh_ctx *c, int *printed)
{
        sort_diags(c);
        for (int i = 0; i < c->ndiags; i++) {
                fputs((*printed)++ ? ",\n" : "\n", c->out);
                print_json(c, &c->diags[i]);
        }
        c->ndiags = 0;
}

void diag_flush(osh_ctx *c)
{
        if (c->format == FORMAT_JSON) {
                int printed = 0;
                fputc('[', c->out);
                diag_flush_json_items(c, &printed);
                fputs("\n]\n", c->out);
        } else {
                sort_diags(c);
                for (int i = 0; i < c->ndiags; i++)
                        print_text(c, &c->diags[i]);
                c->ndiags = 0;
        }
        fflush(c->out);
}
