/*
 * ast.c - constructors for AST nodes, so the parser's actions stay one line
 * each: they build nodes and do nothing else.  Every node is zeroed and
 * allocated from the compilation's arena.
 */
#include "osh.h"

#include <string.h>

ast_elem *ast_elem_new(arena *a, elem_kind kind, span where, const char *text)
{
        ast_elem *e = arena_alloc(a, sizeof(*e));
        e->kind = kind;
        e->where = where;
        e->text = text;
        return e;
}

/* `$NAME/rest` becomes param NAME with suffix "/rest"; `/abs` a path. */
ast_elem *ast_path_elem(arena *a, span where, const char *text)
{
        if (text[0] != '$')
                return ast_elem_new(a, EL_PATH, where, text);
        const char *slash = strchr(text, '/');
        size_t n = slash ? (size_t)(slash - text - 1) : strlen(text + 1);
        ast_elem *e = ast_elem_new(a, EL_PARAM, where, slash ? slash : "");
        e->param = arena_strndup(a, text + 1, n);
        return e;
}

ast_endpoint *ast_endpoint_new(arena *a, host_kind kind, span where, const char *host)
{
        ast_endpoint *ep = arena_alloc(a, sizeof(*ep));
        ep->kind = kind;
        ep->host = host;
        ep->host_where = where;
        ep->port_where = no_span;
        return ep;
}

void ast_endpoint_add_port(arena *a, ast_endpoint *ep, span where, long lo, long hi)
{
        port_range *r = arena_alloc(a, sizeof(*r) * (size_t)(ep->nports + 1));
        if (ep->nports)
                memcpy(r, ep->ports, sizeof(*r) * (size_t)ep->nports);
        r[ep->nports].where = where;
        r[ep->nports].lo = lo;
        r[ep->nports].hi = hi;
        ep->ports = r;
        ep->nports++;
}

ast_rule *ast_rule_new(arena *a, rule_kind kind, span where)
{
        ast_rule *r = arena_alloc(a, sizeof(*r));
        r->kind = kind;
        r->where = where;
        return r;
}

ast_item *ast_item_new(arena *a, item_kind kind, span where)
{
        ast_item *it = arena_alloc(a, sizeof(*it));
        it->kind = kind;
        it->where = where;
        return it;
}

ast_decl *ast_decl_new(arena *a, decl_kind kind, span where, const char *name, span name_where)
{
        ast_decl *d = arena_alloc(a, sizeof(*d));
        d->kind = kind;
        d->where = where;
        d->name = name;
        d->name_where = name_where;
        return d;
}

ast_expr *ast_expr_new(arena *a, expr_kind kind, span where)
{
        ast_expr *e = arena_alloc(a, sizeof(*e));
        e->kind = kind;
        e->where = where;
        return e;
}

ast_value *ast_value_new(arena *a, val_kind kind, span where)
{
        ast_value *v = arena_alloc(a, sizeof(*v));
        v->kind = kind;
        v->where = where;
        return v;
}

vec vec_of(arena *a, void *first)
{
        vec v = {0};
        vec_push(a, &v, first);
        return v;
}

const char *limit_name(limit_key k)
{
        static const char *const names[LIM__COUNT] = {"memory",  "swap",      "pids",
                                                      "cpu",     "io weight", "files",
                                                      "cputime", "filesize",  "walltime"};
        return (unsigned)k < LIM__COUNT ? names[k] : "?";
}

const char *action_name(action_kind k)
{
        switch (k) {
        case ACT_ALLOW:
                return "allow";
        case ACT_LOG:
                return "log";
        case ACT_NOTIFY:
                return "notify";
        case ACT_ERRNO:
                return "errno";
        case ACT_TRAP:
                return "trap";
        case ACT_KILL:
                return "kill";
        }
        return "?";
}
