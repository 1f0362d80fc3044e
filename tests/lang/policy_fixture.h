/*
 * policy_fixture.h - load policies from strings (or from files in a
 * temporary directory) for the front-end, IR and evaluator unit tests.
 *
 * A fixture owns one compilation context whose diagnostics go to a
 * memstream, so a test can look at the collected diagnostics (fx_diag,
 * fx_expect_diag_at) before they are flushed, or at their printed text
 * (fx_text) after.  Include it after tests/testutil.h.  Every helper is
 * static: each test file is one translation unit.
 */
#ifndef OSH_POLICY_FIXTURE_H
#define OSH_POLICY_FIXTURE_H

#include "compiler/ir.h"
#include "lang/osh.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Not every test file uses every helper. */
#define FX_FN static __attribute__((unused))

typedef struct fixture {
        osh_ctx ctx;
        ast_file *root;
        ir_program *prog;
        char *out; /* printed diagnostics, after fx_text() */
        size_t outlen;
        bool flushed;
} fixture;

FX_FN void fx_init(fixture *fx)
{
        memset(fx, 0, sizeof(*fx));
        osh_ctx_init(&fx->ctx);
        fx->ctx.stdlib_dir = "stdlib-policies";
        fx->ctx.out = open_memstream(&fx->out, &fx->outlen);
        assert_non_null(fx->ctx.out);
}

/* Load `text` as file `name`; imports resolve relative to the current
 * directory (the repository root) and std/ to stdlib-policies. */
FX_FN ast_file *fx_load_named(fixture *fx, const char *name, const char *text)
{
        fx_init(fx);
        fx->root = osh_load_text(&fx->ctx, name, text, strlen(text));
        return fx->root;
}

FX_FN ast_file *fx_load(fixture *fx, const char *text)
{
        return fx_load_named(fx, "test.osh", text);
}

/* Load a file from disk (temporary files, the example policy). */
FX_FN ast_file *fx_load_file(fixture *fx, const char *path)
{
        fx_init(fx);
        fx->root = osh_load(&fx->ctx, path);
        return fx->root;
}

/* Print the collected diagnostics into the memstream and return the text
 * (they are sorted by position and the list is emptied). */
FX_FN const char *fx_text(fixture *fx)
{
        diag_flush(&fx->ctx);
        fflush(fx->ctx.out);
        fx->flushed = true;
        return fx->out ? fx->out : "";
}

FX_FN void fx_free(fixture *fx)
{
        FILE *mem = fx->ctx.out;
        osh_ctx_free(&fx->ctx);
        if (mem)
                fclose(mem);
        free(fx->out);
        memset(fx, 0, sizeof(*fx));
}

/* The first diagnostic with this code, or NULL. */
FX_FN const diag *fx_diag(fixture *fx, const char *code)
{
        for (int i = 0; i < fx->ctx.ndiags; i++)
                if (!strcmp(fx->ctx.diags[i].code, code))
                        return &fx->ctx.diags[i];
        return NULL;
}

FX_FN int fx_count(fixture *fx, const char *code)
{
        int n = 0;
        for (int i = 0; i < fx->ctx.ndiags; i++)
                n += !strcmp(fx->ctx.diags[i].code, code);
        return n;
}

/* Print every collected diagnostic through cmocka (for failing tests). */
FX_FN void fx_dump(fixture *fx)
{
        for (int i = 0; i < fx->ctx.ndiags; i++) {
                const diag *d = &fx->ctx.diags[i];
                print_message("  diag %s at %d:%d-%d:%d: %s\n", d->code, d->where.line,
                              d->where.col, d->where.end_line, d->where.end_col, d->msg);
        }
}

/* Assert that a diagnostic with `code` starts at line:col; returns it. */
FX_FN const diag *fx_expect_diag_at(fixture *fx, const char *code, int line, int col)
{
        for (int i = 0; i < fx->ctx.ndiags; i++) {
                const diag *d = &fx->ctx.diags[i];
                if (!strcmp(d->code, code) && d->where.line == line && d->where.col == col)
                        return d;
        }
        print_message("expected %s at %d:%d; got:\n", code, line, col);
        fx_dump(fx);
        fail();
        return NULL;
}

/* Assert the program loaded without any error. */
FX_FN void fx_expect_clean(fixture *fx)
{
        if (fx->ctx.nerrors) {
                print_message("expected no errors; got %d:\n", fx->ctx.nerrors);
                fx_dump(fx);
        }
        assert_non_null(fx->root);
        assert_int_equal(fx->ctx.nerrors, 0);
}

/* Load, require a clean load, lower; the program must lower cleanly. */
FX_FN ir_program *fx_lower(fixture *fx, const char *text)
{
        fx_load(fx, text);
        fx_expect_clean(fx);
        fx->prog = ir_lower(&fx->ctx);
        if (!fx->prog)
                fx_dump(fx);
        assert_non_null(fx->prog);
        return fx->prog;
}

/* Lower and pick the policy `name` (the only one when NULL). */
FX_FN ir_policy *fx_policy(fixture *fx, const char *text, const char *name)
{
        ir_program *prog = fx_lower(fx, text);
        ir_policy *pol = ir_select_policy(prog, name);
        if (!pol)
                fx_dump(fx);
        assert_non_null(pol);
        return pol;
}

/* The declaration called `name` in the root file, of any kind. */
FX_FN ast_decl *fx_decl(fixture *fx, const char *name)
{
        assert_non_null(fx->root);
        for (int i = 0; i < fx->root->decls.n; i++) {
                ast_decl *d = fx->root->decls.items[i];
                if (d->name && !strcmp(d->name, name))
                        return d;
        }
        print_message("no declaration '%s'\n", name);
        fail();
        return NULL;
}

/* ---- temporary directories of policy files ---- */

typedef struct tmpdir {
        char path[64];
        char files[16][256];
        int nfiles;
} tmpdir;

FX_FN void tmpdir_make(tmpdir *t)
{
        memset(t, 0, sizeof(*t));
        strcpy(t->path, "/tmp/oshc-test-XXXXXX");
        assert_non_null(mkdtemp(t->path));
}

/* Write `text` to DIR/name (name may hold one subdirectory level, which
 * must have been made with tmpdir_subdir); returns the full path. */
FX_FN const char *tmpdir_write(tmpdir *t, const char *name, const char *text)
{
        assert_true(t->nfiles < 16);
        char buf[sizeof(t->files[0])];
        snprintf(buf, sizeof(buf), "%s/%s", t->path, name);
        char *full = t->files[t->nfiles++];
        memcpy(full, buf, sizeof(buf));
        FILE *f = fopen(full, "w");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        return full;
}

FX_FN void tmpdir_subdir(tmpdir *t, const char *name)
{
        char full[256];
        snprintf(full, sizeof(full), "%s/%s", t->path, name);
        assert_int_equal(mkdir(full, 0700), 0);
}

FX_FN void tmpdir_remove(tmpdir *t)
{
        for (int i = t->nfiles - 1; i >= 0; i--)
                unlink(t->files[i]);
        /* subdirectories (at most one level), then the directory itself */
        for (int i = t->nfiles - 1; i >= 0; i--) {
                char *slash = strrchr(t->files[i], '/');
                if (slash && (size_t)(slash - t->files[i]) > strlen(t->path)) {
                        *slash = 0;
                        rmdir(t->files[i]);
                }
        }
        rmdir(t->path);
}

/* ---- the example policy of DESIGN.md section 2 ---- */

/* The DESIGN example line for line (the `within` target is appended after
 * it, as in stdlib-policies/examples/coding_agent.osh, so that it resolves).
 * Line numbers matter to the tests (EX_LINE_*). */
#define DESIGN_EXAMPLE                                                                             \
        "import \"std/base.osh\";                 # std/ = the stdlib-policies folder; else "      \
        "relative to this file, then -I dirs\n"                                                    \
        "\n"                                                                                       \
        "set @interpreters = { /usr/bin/python3, /usr/bin/node, /bin/bash };\n"                    \
        "set @llm_apis     = { api.openai.com:443, api.anthropic.com:443 };\n"                     \
        "\n"                                                                                       \
        "fragment pypi {                         # a reusable piece; only usable through `use`\n"  \
        "    net { allow connect pypi.org:443, files.pythonhosted.org:443; }\n"                    \
        "}\n"                                                                                      \
        "\n"                                                                                       \
        "fragment org_invariants {\n"                                                              \
        "    assert never read /etc/shadow, $HOME/.ssh;\n"                                         \
        "    assert never connect 169.254.0.0/16:*, 10.0.0.0/8:*;\n"                               \
        "    assert never syscall ptrace, bpf;\n"                                                  \
        "}\n"                                                                                      \
        "\n"                                                                                       \
        "policy coding_agent {\n"                                                                  \
        "    use base, pypi, org_invariants;     # union of their rules\n"                         \
        "    within org_boundary;                # proof obligation: grants \xe2\x8a\x86 "         \
        "org_boundary's grants\n"                                                                  \
        "    requires landlock 4;                # minimum Landlock ABI; osh-run refuses below "   \
        "it\n"                                                                                     \
        "\n"                                                                                       \
        "    fs {\n"                                                                               \
        "        allow read, write $WORKDIR, /tmp;\n"                                              \
        "        allow read, exec /usr/bin/git, /usr/bin/python3;\n"                               \
        "        deny $WORKDIR/.env;             # every right; enforced by masking (\xc2\xa7"     \
        "6)\n"                                                                                     \
        "        deny write $WORKDIR/.git/hooks;\n"                                                \
        "    }\n"                                                                                  \
        "    net {\n"                                                                              \
        "        allow connect api.github.com:443 from /usr/bin/git {\n"                           \
        "            allow http GET, HEAD /repos/**;\n"                                            \
        "            deny http * /repos/*/*/actions/**;\n"                                         \
        "        }\n"                                                                              \
        "        allow connect @llm_apis from /usr/bin/python3;\n"                                 \
        "        deny connect 169.254.0.0/16:*;\n"                                                 \
        "        allow bind 127.0.0.1:8000..8010;\n"                                               \
        "    }\n"                                                                                  \
        "    syscalls {\n"                                                                         \
        "        default errno(EPERM);\n"                                                          \
        "        allow @system-service;\n"                                                         \
        "        allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"                    \
        "        allow clone when flags & CLONE_NEWUSER == 0;\n"                                   \
        "        errno(ENOSYS) clone3;\n"                                                          \
        "        kill ptrace, bpf, kexec_load;\n"                                                  \
        "        log personality;\n"                                                               \
        "    }\n"                                                                                  \
        "    limits {\n"                                                                           \
        "        memory 2GiB; swap 0; pids 256; cpu 1.5; files 4096; walltime 2h;\n"               \
        "    }\n"                                                                                  \
        "    process {\n"                                                                          \
        "        user 1000; group 1000; caps none;\n"                                              \
        "        env keep PATH, HOME, LANG, TERM;\n"                                               \
        "        env set PIP_NO_INPUT = \"1\";\n"                                                  \
        "    }\n"                                                                                  \
        "    waive interpreter-grant \"python3 calls the model API; reviewed by secteam\";\n"      \
        "}\n"                                                                                      \
        "\n"                                                                                       \
        "policy org_boundary {\n"                                                                  \
        "    fs { allow read, write /; }\n"                                                        \
        "}\n"

/* Line numbers of the example, for span checks. */
enum {
        EX_LINE_IMPORT = 1,
        EX_LINE_SET_INTERP = 3,
        EX_LINE_SET_LLM = 4,
        EX_LINE_PYPI = 6,
        EX_LINE_INVARIANTS = 10,
        EX_LINE_POLICY = 16,
        EX_LINE_USE = 17,
        EX_LINE_FS = 21,
        EX_LINE_FS_RW = 22,
        EX_LINE_FS_ENV = 24,
        EX_LINE_NET = 27,
        EX_LINE_CONNECT_GH = 28,
        EX_LINE_HTTP_ALLOW = 29,
        EX_LINE_HTTP_DENY = 30,
        EX_LINE_LLM = 32,
        EX_LINE_DENY_META = 33,
        EX_LINE_BIND = 34,
        EX_LINE_SYSCALLS = 36,
        EX_LINE_DEFAULT = 37,
        EX_LINE_SOCKET = 39,
        EX_LINE_CLONE = 40,
        EX_LINE_CLONE3 = 41,
        EX_LINE_KILL = 42,
        EX_LINE_PERSONALITY = 43,
        EX_LINE_LIMITS = 45,
        EX_LINE_PROCESS = 48,
        EX_LINE_WAIVE = 53,
        EX_LINE_BOUNDARY = 56,
};

#endif
