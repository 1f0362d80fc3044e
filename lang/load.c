/*
 * load.c - read a policy and everything it imports.
 *
 * `import "f";` is looked up relative to the importing file, then in each
 * -I directory; "std/..." always names the stdlib folder.  A file reached
 * twice through different paths of the import graph is loaded once; a file
 * that imports itself, directly or not, is an error naming the whole chain.
 * When every file has parsed, names are resolved and types checked.
 */
#include "osh.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The import chain being loaded, root first, to detect cycles. */
typedef struct load_stack {
        int files[64];
        span via[64]; /* the import string that led to files[i] (i > 0) */
        int n;
} load_stack;

static void load_imports(osh_ctx *c, ast_file *f, load_stack *stk);

static void add_file(osh_ctx *c, ast_file *f)
{
        ast_file **files = arena_alloc(&c->arena, sizeof(*files) * (size_t)(c->nfiles + 1));
        if (c->nfiles)
                memcpy(files, c->files, sizeof(*files) * (size_t)c->nfiles);
        files[c->nfiles++] = f;
        c->files = files;
}

static ast_file *file_by_realpath(osh_ctx *c, const char *rp)
{
        for (int i = 0; i < c->nfiles; i++)
                if (!strcmp(c->sources[c->files[i]->file]->realpath, rp))
                        return c->files[i];
        return NULL;
}

static char *dir_of(osh_ctx *c, const char *path)
{
        const char *slash = strrchr(path, '/');
        if (!slash)
                return arena_strdup(&c->arena, ".");
        if (slash == path)
                return arena_strdup(&c->arena, "/");
        return arena_strndup(&c->arena, path, (size_t)(slash - path));
}

/* Find an import on disk; returns a path that exists, or NULL and fills
 * `tried` with the places looked at. */
static const char *find_import(osh_ctx *c, const char *from_file, const char *name, char *tried,
                               size_t tried_len)
{
        const char *cands[66];
        int n = 0;
        if (name[0] == '/') {
                cands[n++] = name;
        } else if (!strncmp(name, "std/", 4) && c->stdlib_dir) {
                /* std/ always means the stdlib: a local std/ folder cannot shadow it */
                cands[n++] = arena_printf(&c->arena, "%s/%s", c->stdlib_dir, name);
        } else {
                cands[n++] = arena_printf(&c->arena, "%s/%s", dir_of(c, from_file), name);
                for (int i = 0; i < c->ninclude_dirs && n < 65; i++)
                        cands[n++] = arena_printf(&c->arena, "%s/%s", c->include_dirs[i], name);
        }
        size_t used = 0;
        tried[0] = 0;
        for (int i = 0; i < n; i++) {
                if (access(cands[i], R_OK) == 0)
                        return cands[i];
                if (used < tried_len)
                        used += (size_t)snprintf(tried + used, tried_len - used, "%s%s",
                                                 i ? ", " : "", cands[i]);
        }
        return NULL;
}

static void note_chain(osh_ctx *c, diag *d, load_stack *stk)
{
        for (int i = stk->n - 1; i >= 1; i--)
                diag_note_at(c, d, stk->via[i], "'%s' was imported here",
                             c->sources[stk->files[i]]->path);
}

static ast_file *parse_and_register(osh_ctx *c, int id)
{
        ast_file *f = parse_source(c, id);
        add_file(c, f);
        return f;
}

static void load_import(osh_ctx *c, ast_file *from, ast_decl *imp, load_stack *stk)
{
        char tried[1024];
        const char *from_path = c->sources[from->file]->path;
        const char *path = find_import(c, from_path, imp->name, tried, sizeof(tried));
        if (!path) {
                diag *d =
                    osh_error(c, "import-not-found", imp->name_where,
                              "cannot find imported file '%s' (looked in: %s)", imp->name, tried);
                note_chain(c, d, stk);
                return;
        }
        char *rp = realpath(path, NULL);
        if (!rp) {
                osh_error(c, "import-not-found", imp->name_where, "cannot open '%s': %s", path,
                          strerror(errno));
                return;
        }
        for (int i = 0; i < stk->n; i++) {
                if (strcmp(c->sources[stk->files[i]]->realpath, rp))
                        continue;
                char chain[1024];
                size_t used = 0;
                for (int j = i; j < stk->n && used < sizeof(chain); j++)
                        used += (size_t)snprintf(chain + used, sizeof(chain) - used, "%s -> ",
                                                 c->sources[stk->files[j]]->path);
                if (used < sizeof(chain))
                        snprintf(chain + used, sizeof(chain) - used, "%s",
                                 c->sources[stk->files[i]]->path);
                diag *d = osh_error(c, "import-cycle", imp->name_where, "import cycle: %s", chain);
                note_chain(c, d, stk);
                free(rp);
                return;
        }
        ast_file *done = file_by_realpath(c, rp);
        free(rp);
        if (done) {
                imp->imported = done;
                return;
        }
        if (stk->n == (int)(sizeof(stk->files) / sizeof(stk->files[0]))) {
                osh_error(c, "import-depth", imp->name_where,
                          "imports nest more than %d deep; flatten the import graph", stk->n);
                return;
        }
        int id = source_load(c, path);
        if (id < 0) {
                osh_error(c, "import-not-found", imp->name_where, "cannot read '%s': %s", path,
                          source_strerror(errno));
                return;
        }
        ast_file *f = parse_and_register(c, id);
        imp->imported = f;
        stk->files[stk->n] = id;
        stk->via[stk->n] = imp->name_where;
        stk->n++;
        load_imports(c, f, stk);
        stk->n--;
}

static void load_imports(osh_ctx *c, ast_file *f, load_stack *stk)
{
        for (int i = 0; i < f->decls.n; i++) {
                ast_decl *d = f->decls.items[i];
                if (d->kind != D_IMPORT)
                        continue;
                for (int j = 0; j < i; j++) {
                        ast_decl *e = f->decls.items[j];
                        if (e->kind == D_IMPORT && !strcmp(e->name, d->name)) {
                                diag *dg =
                                    osh_error(c, "import-repeated", d->name_where,
                                              "'%s' is imported twice in this file", d->name);
                                diag_note_at(c, dg, e->name_where, "first imported here");
                                break;
                        }
                }
                load_import(c, f, d, stk);
        }
}

static ast_file *load_root(osh_ctx *c, int id)
{
        ast_file *root = parse_and_register(c, id);
        load_stack stk = {.n = 1};
        stk.files[0] = id;
        stk.via[0] = no_span;
        load_imports(c, root, &stk);
        /* names in a broken or missing file would only add noise */
        if (c->nerrors)
                return root;
        resolve_program(c);
        typecheck_program(c);
        return root;
}

ast_file *osh_load(osh_ctx *c, const char *path)
{
        int id = source_load(c, path);
        if (id < 0) {
                osh_error(c, "file-not-found", no_span, "cannot read '%s': %s", path,
                          source_strerror(errno));
                return NULL;
        }
        return load_root(c, id);
}

ast_file *osh_load_text(osh_ctx *c, const char *name, const char *text, size_t len)
{
        return load_root(c, source_add(c, name, name, text, len));
}
