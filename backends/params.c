/*
 * params.c - the launch parameters of one policy and what osh-run must
 * check about their values.
 *
 * Every parameter the policy's rules name ($WORKDIR, $HOME, declared ones)
 * in fs paths, `from` binaries and assertions gets an entry with its
 * default (declared parameters) or none (WORKDIR and HOME, set at launch).
 * The verifier and the Landlock and mount tables assume that a
 * parameter's value is disjoint from every literal path of the policy:
 * neither an ancestor nor a descendant of one (DESIGN §2.3).  So each
 * entry lists those literal paths, and osh-run refuses a value that breaks
 * the assumption: what the proof assumed is exactly what the launcher
 * checks.  The literal paths are those of the policy's fs rules (allow and
 * deny), its `assert never` paths, its `from` binaries, and the same of
 * every policy it is proved `within` (that proof assumed them too).
 */
#include "backends.h"

#include <stdlib.h>
#include <string.h>

typedef struct strs {
        const char **items;
        int n, cap;
} strs;

static void strs_add(strs *s, const char *v)
{
        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                s->items = realloc(s->items, sizeof(*s->items) * (size_t)s->cap);
                if (!s->items)
                        abort();
        }
        s->items[s->n++] = v;
}

/* ---- which parameters are used ---- */

/* Mark the parameter `name` (or the one a "$NAME/sub" binary names). */
static void mark(const ir_program *prog, bool *used, const char *name, size_t len)
{
        for (int i = 0; i < prog->nparams; i++)
                if (strlen(prog->params[i].name) == len &&
                    !strncmp(prog->params[i].name, name, len))
                        used[i] = true;
}

static void mark_path(const ir_program *prog, bool *used, const ir_path *p)
{
        if (p->param)
                mark(prog, used, p->param, strlen(p->param));
}

static void mark_binary(const ir_program *prog, bool *used, const char *bin)
{
        if (bin[0] == '$')
                mark(prog, used, bin + 1, strcspn(bin + 1, "/"));
}

static void mark_used(const ir_program *prog, const ir_policy *p, bool *used)
{
        for (int i = 0; i < p->nfs; i++)
                mark_path(prog, used, &p->fs[i].path);
        for (int i = 0; i < p->nnet; i++)
                for (int j = 0; j < p->net[i].nbinaries; j++)
                        mark_binary(prog, used, p->net[i].binaries[j]);
        for (int i = 0; i < p->nasserts; i++) {
                const ir_assert *a = &p->asserts[i];
                for (int j = 0; j < a->npaths; j++)
                        mark_path(prog, used, &a->paths[j]);
                for (int j = 0; j < a->nbinaries; j++)
                        mark_binary(prog, used, a->binaries[j]);
        }
}

/* ---- the literal paths a value must be disjoint from ---- */

static void add_literal_binaries(strs *out, const char *const *bins, int n)
{
        for (int i = 0; i < n; i++)
                if (bins[i][0] != '$')
                        strs_add(out, bins[i]);
}

static void add_literals(strs *out, const ir_policy *p, bool with_asserts)
{
        for (int i = 0; i < p->nfs; i++)
                if (!p->fs[i].path.param)
                        strs_add(out, p->fs[i].path.path);
        for (int i = 0; i < p->nnet; i++)
                add_literal_binaries(out, p->net[i].binaries, p->net[i].nbinaries);
        for (int i = 0; with_asserts && i < p->nasserts; i++) {
                const ir_assert *a = &p->asserts[i];
                for (int j = 0; j < a->npaths; j++)
                        if (!a->paths[j].param)
                                strs_add(out, a->paths[j].path);
                add_literal_binaries(out, a->binaries, a->nbinaries);
        }
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, without repeats, copied into the arena. */
static char **literal_paths(osh_ctx *c, const ir_policy *p, uint32_t *n)
{
        strs all = {0};
        add_literals(&all, p, true);
        for (int i = 0; i < p->nwithin; i++)
                if (p->within[i].target)
                        add_literals(&all, p->within[i].target, false);
        if (all.n)
                qsort(all.items, (size_t)all.n, sizeof(*all.items), cmp_str);
        char **out = arena_alloc(&c->arena, sizeof(char *) * ((size_t)all.n + 1));
        *n = 0;
        for (int i = 0; i < all.n; i++)
                if (!*n || strcmp(out[*n - 1], all.items[i]))
                        out[(*n)++] = arena_strdup(&c->arena, all.items[i]);
        free(all.items);
        return out;
}

/* ---- the table ---- */

static int cmp_param(const void *x, const void *y)
{
        return strcmp(((const oshb_param *)x)->name, ((const oshb_param *)y)->name);
}

bool backend_params(osh_ctx *c, const ir_program *prog, const ir_policy *p, oshb_bundle *b)
{
        bool *used = calloc((size_t)prog->nparams + 1, sizeof(bool));
        if (!used)
                abort();
        mark_used(prog, p, used);
        uint32_t ndisjoint;
        char **disjoint = literal_paths(c, p, &ndisjoint);
        b->params = arena_alloc(&c->arena, sizeof(*b->params) * ((size_t)prog->nparams + 1));
        b->nparams = 0;
        for (int i = 0; i < prog->nparams; i++) {
                if (!used[i])
                        continue;
                const ir_param *ip = &prog->params[i];
                oshb_param *op = &b->params[b->nparams++];
                op->name = arena_strdup(&c->arena, ip->name);
                op->def = ip->def ? arena_strdup(&c->arena, ip->def) : NULL;
                op->builtin = ip->builtin;
                op->ndisjoint = ndisjoint;
                op->disjoint = disjoint;
        }
        free(used);
        qsort(b->params, b->nparams, sizeof(*b->params), cmp_param);
        return true;
}
