/*
 * resolve.c - bind every name to its declaration across the import graph.
 *
 * Names are global: a set, parameter, fragment or policy declared in any
 * loaded file is visible everywhere, and two declarations of one name are an
 * error naming both.  Sets (@name) and parameters ($NAME) have namespaces of
 * their own; fragments and policies share one.  This pass binds `@set`
 * references, `use` (fragments only), `within` (policies only) and `$PARAM`
 * paths, and rejects cycles among sets and among fragments.  It checks no
 * types: typecheck.c runs after it.
 */
#include "osh.h"

#include <string.h>

static const char *const builtin_params[] = {"WORKDIR", "HOME", NULL};

static bool is_builtin_param(const char *name)
{
        for (int i = 0; builtin_params[i]; i++)
                if (!strcmp(builtin_params[i], name))
                        return true;
        return false;
}

static bool same_namespace(decl_kind a, decl_kind b)
{
        if (a == D_FRAGMENT || a == D_POLICY)
                return b == D_FRAGMENT || b == D_POLICY;
        return a == b;
}

static const char *decl_kind_name(decl_kind k)
{
        switch (k) {
        case D_IMPORT:
                return "import";
        case D_SET:
                return "set";
        case D_PARAM:
                return "parameter";
        case D_FRAGMENT:
                return "fragment";
        case D_POLICY:
                return "policy";
        }
        return "?";
}

ast_decl *lookup_decl(osh_ctx *c, const char *name, decl_kind kind)
{
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        if (d->kind != D_IMPORT && same_namespace(d->kind, kind) &&
                            !strcmp(d->name, name))
                                return d;
                }
        }
        return NULL;
}

/* Levenshtein distance, capped, for "did you mean" hints. */
static int edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        if (la > 40 || lb > 40)
                return 99;
        int row[41];
        for (size_t j = 0; j <= lb; j++)
                row[j] = (int)j;
        for (size_t i = 1; i <= la; i++) {
                int prev = row[0];
                row[0] = (int)i;
                for (size_t j = 1; j <= lb; j++) {
                        int cur = row[j];
                        int best = prev + (a[i - 1] != b[j - 1]);
                        if (row[j] + 1 < best)
                                best = row[j] + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        row[j] = best;
                        prev = cur;
                }
        }
        return row[lb];
}

/* The declared name of this kind closest to `name`, if close enough. */
static const char *suggest_decl(osh_ctx *c, const char *name, decl_kind kind)
{
        const char *best = NULL;
        int bestd = 3;
        for (int i = 0; kind == D_PARAM && builtin_params[i]; i++) {
                int dist = edit_distance(name, builtin_params[i]);
                if (dist < bestd) {
                        bestd = dist;
                        best = builtin_params[i];
                }
        }
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        if (d->kind == D_IMPORT || !same_namespace(d->kind, kind))
                                continue;
                        int dist = edit_distance(name, d->name);
                        if (dist < bestd) {
                                bestd = dist;
                                best = d->name;
                        }
                }
        }
        return best;
}

static void check_duplicates(osh_ctx *c)
{
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        if (d->kind == D_IMPORT)
                                continue;
                        if (d->kind == D_PARAM && is_builtin_param(d->name)) {
                                osh_error(c, "duplicate-name", d->name_where,
                                          "$%s is a built-in parameter and cannot be declared",
                                          d->name);
                                continue;
                        }
                        ast_decl *first = lookup_decl(c, d->name, d->kind);
                        if (first && first != d) {
                                diag *dg =
                                    osh_error(c, "duplicate-name", d->name_where,
                                              "%s '%s%s' is already defined as a %s",
                                              decl_kind_name(d->kind), d->kind == D_SET ? "@" : "",
                                              d->name, decl_kind_name(first->kind));
                                diag_note_at(c, dg, first->name_where, "first definition of '%s'",
                                             d->name);
                        }
                }
        }
}

static void undefined(osh_ctx *c, span where, const char *what, const char *prefix,
                      const char *name, decl_kind kind)
{
        const char *hint = suggest_decl(c, name, kind);
        if (hint)
                osh_error(c, "undefined-name", where, "undefined %s '%s%s'; did you mean '%s%s'?",
                          what, prefix, name, prefix, hint);
        else
                osh_error(c, "undefined-name", where, "undefined %s '%s%s'", what, prefix, name);
}

static void resolve_elem(osh_ctx *c, ast_elem *e)
{
        if (e->kind == EL_SETREF) {
                e->set = lookup_decl(c, e->text, D_SET);
                if (!e->set)
                        undefined(c, e->where, "set", "@", e->text, D_SET);
                else
                        e->set->used = true;
        } else if (e->kind == EL_PARAM) {
                ast_decl *p = lookup_decl(c, e->param, D_PARAM);
                if (p)
                        p->used = true;
                else if (!is_builtin_param(e->param))
                        undefined(c, e->where, "parameter", "$", e->param, D_PARAM);
        }
}

static void resolve_elems(osh_ctx *c, vec *v)
{
        for (int i = 0; i < v->n; i++)
                resolve_elem(c, v->items[i]);
}

/* use and within: bind each name; use takes fragments, within policies. */
static void resolve_targets(osh_ctx *c, ast_item *it, decl_kind want)
{
        it->targets = arena_alloc(&c->arena, sizeof(ast_decl *) * (size_t)(it->names.n + 1));
        for (int i = 0; i < it->names.n; i++) {
                ast_elem *e = it->names.items[i];
                ast_decl *d = lookup_decl(c, e->text, D_FRAGMENT);
                if (!d) {
                        undefined(c, e->where, want == D_FRAGMENT ? "fragment" : "policy", "",
                                  e->text, D_FRAGMENT);
                        continue;
                }
                if (d->kind != want) {
                        diag *dg = osh_error(
                            c, want == D_FRAGMENT ? "use-policy" : "within-fragment", e->where,
                            "'%s' is a %s; %s takes a %s", e->text, decl_kind_name(d->kind),
                            want == D_FRAGMENT ? "use" : "within", decl_kind_name(want));
                        diag_note_at(c, dg, d->name_where, "'%s' is defined here", e->text);
                        continue;
                }
                it->targets[i] = d;
                d->used = true;
        }
}

static void resolve_rule(osh_ctx *c, ast_rule *r)
{
        resolve_elems(c, &r->elems);
        resolve_elems(c, &r->from);
        for (int i = 0; i < r->l7.n; i++)
                resolve_rule(c, r->l7.items[i]);
}

static void resolve_items(osh_ctx *c, ast_decl *d)
{
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                switch (it->kind) {
                case IT_USE:
                        resolve_targets(c, it, D_FRAGMENT);
                        break;
                case IT_WITHIN:
                        resolve_targets(c, it, D_POLICY);
                        for (int j = 0; j < it->names.n; j++)
                                if (it->targets[j] == d)
                                        osh_error(c, "within-self",
                                                  ((ast_elem *)it->names.items[j])->where,
                                                  "policy '%s' cannot be within itself", d->name);
                        break;
                case IT_ASSERT:
                        resolve_elems(c, &it->elems);
                        resolve_elems(c, &it->from);
                        break;
                case IT_FS:
                case IT_NET:
                case IT_SYSCALLS:
                case IT_LIMITS:
                case IT_PROCESS:
                        for (int j = 0; j < it->rules.n; j++)
                                resolve_rule(c, it->rules.items[j]);
                        break;
                default:
                        break;
                }
        }
}

/* Sets may contain sets; a set reaching itself is an error. visit: 0 new,
 * 1 on the current path, 2 done. */
static void check_set_cycle(osh_ctx *c, ast_decl *s, int depth)
{
        if (s->visit == 2)
                return;
        s->visit = 1;
        for (int i = 0; i < s->elems.n; i++) {
                ast_elem *e = s->elems.items[i];
                if (e->kind != EL_SETREF || !e->set)
                        continue;
                if (e->set->visit == 1) {
                        diag *dg =
                            osh_error(c, "set-cycle", e->where,
                                      "set @%s contains itself through @%s", e->set->name, s->name);
                        diag_note_at(c, dg, e->set->name_where, "@%s is defined here",
                                     e->set->name);
                        e->set = NULL; /* break the cycle for later passes */
                        continue;
                }
                if (depth >= NEST_MAX_DEPTH) {
                        osh_error(c, "too-deep", e->where,
                                  "sets nest more than %d deep here; flatten them", NEST_MAX_DEPTH);
                        e->set = NULL;
                        continue;
                }
                check_set_cycle(c, e->set, depth + 1);
        }
        s->visit = 2;
}

static void check_use_cycle(osh_ctx *c, ast_decl *d, int depth)
{
        if (d->visit == 2)
                return;
        d->visit = 1;
        for (int i = 0; i < d->items.n; i++) {
                ast_item *it = d->items.items[i];
                if (it->kind != IT_USE || !it->targets)
                        continue;
                for (int j = 0; j < it->names.n; j++) {
                        ast_decl *t = it->targets[j];
                        if (!t)
                                continue;
                        if (t->visit == 1) {
                                diag *dg = osh_error(
                                    c, "use-cycle", ((ast_elem *)it->names.items[j])->where,
                                    "fragment '%s' uses itself through '%s'", t->name, d->name);
                                diag_note_at(c, dg, t->name_where, "'%s' is defined here", t->name);
                                it->targets[j] = NULL;
                                continue;
                        }
                        if (depth >= NEST_MAX_DEPTH) {
                                osh_error(c, "too-deep", ((ast_elem *)it->names.items[j])->where,
                                          "fragments use each other more than %d deep here",
                                          NEST_MAX_DEPTH);
                                it->targets[j] = NULL;
                                continue;
                        }
                        check_use_cycle(c, t, depth + 1);
                }
        }
        d->visit = 2;
}

void resolve_program(osh_ctx *c)
{
        check_duplicates(c);
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        d->file = f;
                        if (d->kind == D_SET)
                                resolve_elems(c, &d->elems);
                        else if (d->kind == D_FRAGMENT || d->kind == D_POLICY)
                                resolve_items(c, d);
                }
        }
        for (int i = 0; i < c->nfiles; i++) {
                ast_file *f = c->files[i];
                for (int j = 0; j < f->decls.n; j++) {
                        ast_decl *d = f->decls.items[j];
                        if (d->kind == D_SET)
                                check_set_cycle(c, d, 0);
                        else if (d->kind == D_FRAGMENT || d->kind == D_POLICY)
                                check_use_cycle(c, d, 0);
                }
        }
}
