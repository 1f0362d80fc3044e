/*
 * fuzz_frontend.c - libFuzzer target for the whole front end.
 *
 * Any byte string goes through the lexer, parser, loader, resolver, type
 * checker and, when it checks clean, the IR lowering, the JSON printer and
 * the formatter (whose output must parse again and be a fixed point).  A
 * crash, a sanitizer report or a broken fmt invariant is a bug.  Imports are
 * resolved against the stdlib folder only (the run starts at the repo root).
 */
#include "compiler/ir.h"
#include "lang/osh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *devnull;

static char *format_text(const char *text, size_t len)
{
        osh_ctx c;
        osh_ctx_init(&c);
        c.out = devnull;
        int id = source_add(&c, "fuzz.osh", "fuzz.osh", text, len);
        ast_file *f = parse_source(&c, id);
        char *out = NULL;
        if (c.nerrors == 0) {
                const char *s = osh_format(&c, f);
                out = s ? strdup(s) : NULL;
        }
        osh_ctx_free(&c);
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!devnull)
                devnull = fopen("/dev/null", "w");
        osh_ctx c;
        osh_ctx_init(&c);
        c.out = devnull;
        c.stdlib_dir = "stdlib-policies";
        ast_file *root = osh_load_text(&c, "fuzz.osh", (const char *)data, size);
        if (root && c.nerrors == 0) {
                ir_program *p = ir_lower(&c);
                if (p)
                        ir_print_json(devnull, p, NULL);
        }
        diag_flush(&c);
        osh_ctx_free(&c);

        /* fmt: a fixed point, and its output parses */
        char *once = format_text((const char *)data, size);
        if (once) {
                char *twice = format_text(once, strlen(once));
                if (!twice || strcmp(once, twice)) {
                        fprintf(stderr, "fmt is not idempotent:\n--- once\n%s\n--- twice\n%s\n",
                                once, twice ? twice : "(did not parse)");
                        abort();
                }
                free(twice);
        }
        free(once);
        return 0;
}
