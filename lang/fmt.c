/*
 * fmt.c - the canonical layout of a .osh file (`oshc fmt`).
 *
 * osh_format() prints one parsed file back from its AST and its comments;
 * it needs no name resolution and follows no import.  The layout: 4-space
 * indentation, one declaration, item or rule per line, `, ` between list
 * elements, rights in the order read, write, exec, ioctl, conditions with
 * only the parentheses their shape needs, numbers and constants as written.
 * Imports come first in the order written; every other declaration, item
 * and rule keeps the user's order.  A named set stays on one line when it
 * fits in 100 columns and holds no comment, else it takes one element per
 * line with a trailing comma.  One blank line separates fragments and
 * policies from their neighbours; elsewhere one blank line is kept where
 * the user had one or more, so grouping survives.
 *
 * Comments are never lost.  They are kept in source order and printed by a
 * cursor that walks along with the AST: before a node, every comment that
 * starts before the node's end is printed on a line of its own (so a
 * comment inside a rule that gets joined onto one line moves above it);
 * after a node, a comment on the node's last line and before the next
 * sibling stays at the end of that line, two spaces after the code.
 * Comments left at the end of a block go before its `}`.  Because the
 * output parses back into the same AST with its comments in the same
 * places, formatting is idempotent: fmt(fmt(x)) == fmt(x).
 */
#include "osh.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FMT_WIDTH 100
#define FMT_INDENT 4

/* ---- an output buffer ---- */

typedef struct strbuf {
        char *s;
        size_t len, cap;
} strbuf;

static void sb_putn(strbuf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 1024;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *ns = realloc(b->s, cap);
                if (!ns) {
                        fprintf(stderr, "oshc: out of memory while formatting\n");
                        abort();
                }
                b->s = ns;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

static void sb_puts(strbuf *b, const char *s)
{
        sb_putn(b, s, strlen(s));
}

static void sb_putc(strbuf *b, char ch)
{
        sb_putn(b, &ch, 1);
}

/* ---- positions ---- */

typedef struct pos {
        int line, col;
} pos;

static const pos pos_max = {INT_MAX, INT_MAX};

static int pos_cmp(pos a, pos b)
{
        if (a.line != b.line)
                return a.line < b.line ? -1 : 1;
        return a.col < b.col ? -1 : a.col > b.col;
}

static pos start_of(span s)
{
        return (pos){s.line, s.col};
}

static pos end_of(span s)
{
        return (pos){s.end_line, s.end_col};
}

/* ---- the printer ---- */

/* How the next output line is separated from the one before. */
typedef enum {
        GAP_AUTO,  /* one blank line if the source had at least one */
        GAP_BLANK, /* one blank line */
        GAP_NONE,  /* no blank line (first line of a block, or of the file) */
} gap_mode;

typedef struct printer {
        osh_ctx *c;
        int file;
        strbuf out;
        ast_comment **comments;
        int ci, hi; /* next comment to print; comments from hi on are not ours yet */
        int indent;
        int last_line; /* source line of what was printed last (0: nothing yet) */
        gap_mode gap;
} printer;

static pos comment_pos(const ast_comment *cm)
{
        return start_of(cm->where);
}

/* Is some source line strictly between a and b blank? */
static bool blank_between(printer *p, int a, int b)
{
        for (int l = a + 1; l < b; l++) {
                int len;
                const char *s = source_line(p->c, p->file, l, &len);
                if (!s)
                        continue;
                bool blank = true;
                for (int i = 0; i < len && blank; i++)
                        blank = s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f' ||
                                s[i] == '\v';
                if (blank)
                        return true;
        }
        return false;
}

/* Start an output line for something that starts at source line `line`. */
static void begin_line(printer *p, int line)
{
        bool blank = p->gap == GAP_BLANK || (p->gap == GAP_AUTO && p->last_line > 0 &&
                                             blank_between(p, p->last_line, line));
        p->gap = GAP_AUTO;
        if (blank)
                sb_putc(&p->out, '\n');
        for (int i = 0; i < p->indent * FMT_INDENT; i++)
                sb_putc(&p->out, ' ');
}

/* The comment's text from `#`, without trailing blanks. */
static void put_comment_text(printer *p, const ast_comment *cm)
{
        size_t n = strlen(cm->text);
        while (n > 0 && strchr(" \t\r\f\v", cm->text[n - 1]))
                n--;
        sb_putn(&p->out, cm->text, n);
}

/* Print, each on its own line, every comment that starts before `limit`. */
static void flush_comments_before(printer *p, pos limit)
{
        while (p->ci < p->hi && pos_cmp(comment_pos(p->comments[p->ci]), limit) < 0) {
                ast_comment *cm = p->comments[p->ci++];
                begin_line(p, cm->where.line);
                put_comment_text(p, cm);
                sb_putc(&p->out, '\n');
                p->last_line = cm->where.line;
        }
}

/* Finish the line of a node whose source ends on `line`: keep the comment
 * that followed it on that line (if it comes before `limit`, the next
 * sibling), then the newline. */
static void end_line(printer *p, int line, pos limit)
{
        if (p->ci < p->hi) {
                ast_comment *cm = p->comments[p->ci];
                if (cm->where.line == line && pos_cmp(comment_pos(cm), limit) < 0) {
                        sb_puts(&p->out, "  ");
                        put_comment_text(p, cm);
                        p->ci++;
                }
        }
        sb_putc(&p->out, '\n');
        p->last_line = line;
}

/* Are there comments left before `limit`? */
static bool comments_before(printer *p, pos limit)
{
        return p->ci < p->hi && pos_cmp(comment_pos(p->comments[p->ci]), limit) < 0;
}

/* ---- leaves: strings, elements, endpoints, rights ---- */

/* A quoted string, re-escaped the way the lexer reads it. */
static void put_quoted(strbuf *b, const char *s)
{
        sb_putc(b, '"');
        for (; *s; s++) {
                switch (*s) {
                case '"':
                        sb_puts(b, "\\\"");
                        break;
                case '\\':
                        sb_puts(b, "\\\\");
                        break;
                case '\n':
                        sb_puts(b, "\\n");
                        break;
                case '\t':
                        sb_puts(b, "\\t");
                        break;
                default:
                        sb_putc(b, *s);
                }
        }
        sb_putc(b, '"');
}

static void put_port_range(strbuf *b, const port_range *r)
{
        char buf[64];
        if (r->lo == r->hi)
                snprintf(buf, sizeof(buf), "%ld", r->lo);
        else
                snprintf(buf, sizeof(buf), "%ld..%ld", r->lo, r->hi);
        sb_puts(b, buf);
}

/* An IPv6 host is written in brackets, the prefix length after them. */
static void put_ipv6(strbuf *b, const char *host)
{
        if (host[0] == '[') {
                sb_puts(b, host);
                return;
        }
        const char *slash = strchr(host, '/');
        sb_putc(b, '[');
        sb_putn(b, host, slash ? (size_t)(slash - host) : strlen(host));
        sb_putc(b, ']');
        if (slash)
                sb_puts(b, slash);
}

/* HOST[:PORT | :LO..HI | :{P, LO..HI} | :*] */
static void put_endpoint(strbuf *b, const ast_endpoint *ep)
{
        if (ep->kind == HOST_QUOTED)
                put_quoted(b, ep->host);
        else if (ep->kind == HOST_IPV6)
                put_ipv6(b, ep->host);
        else
                sb_puts(b, ep->host);
        if (ep->any_port) {
                sb_puts(b, ":*");
        } else if (ep->nports == 1) {
                sb_putc(b, ':');
                put_port_range(b, &ep->ports[0]);
        } else if (ep->nports > 1) {
                sb_puts(b, ":{");
                for (int i = 0; i < ep->nports; i++) {
                        if (i)
                                sb_puts(b, ", ");
                        put_port_range(b, &ep->ports[i]);
                }
                sb_putc(b, '}');
        }
}

static void put_elem(strbuf *b, const ast_elem *e)
{
        switch (e->kind) {
        case EL_PATH:
                if (e->quoted)
                        put_quoted(b, e->text);
                else
                        sb_puts(b, e->text);
                break;
        case EL_PARAM:
                sb_putc(b, '$');
                sb_puts(b, e->param);
                sb_puts(b, e->text);
                break;
        case EL_ENDPOINT:
                put_endpoint(b, e->ep);
                break;
        case EL_NAME:
                sb_puts(b, e->text);
                break;
        case EL_SETREF:
                sb_putc(b, '@');
                sb_puts(b, e->text);
                break;
        case EL_STRING:
                put_quoted(b, e->text);
                break;
        case EL_STAR:
                sb_putc(b, '*');
                break;
        }
}

/* Elements separated by ", ". */
static void put_list(strbuf *b, const vec *v)
{
        for (int i = 0; i < v->n; i++) {
                if (i)
                        sb_puts(b, ", ");
                put_elem(b, v->items[i]);
        }
}

/* Rights in the canonical order read, write, exec, ioctl. */
static void put_rights(strbuf *b, unsigned rights)
{
        static const struct {
                unsigned bit;
                const char *name;
        } order[] = {{RIGHT_READ, "read"},
                     {RIGHT_WRITE, "write"},
                     {RIGHT_EXEC, "exec"},
                     {RIGHT_IOCTL, "ioctl"}};
        bool first = true;
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                if (!(rights & order[i].bit))
                        continue;
                if (!first)
                        sb_puts(b, ", ");
                sb_puts(b, order[i].name);
                first = false;
        }
}

static void put_number(strbuf *b, const ast_number *n)
{
        if (n->negative)
                sb_putc(b, '-');
        sb_puts(b, n->text);
}

/* ---- conditions ---- */

/* value: atom | value '|' atom.  `|` groups to the left, so a right
 * operand that is itself an `|` keeps its parentheses. */
static void put_value(strbuf *b, const ast_value *v)
{
        switch (v->kind) {
        case VAL_NUM:
                put_number(b, &v->num);
                break;
        case VAL_CONST:
                sb_puts(b, v->name);
                break;
        case VAL_OR:
                put_value(b, v->l);
                sb_puts(b, " | ");
                if (v->r->kind == VAL_OR)
                        sb_putc(b, '(');
                put_value(b, v->r);
                if (v->r->kind == VAL_OR)
                        sb_putc(b, ')');
                break;
        }
}

static const char *cmp_text(cmp_op op)
{
        switch (op) {
        case CMP_EQ:
                return "==";
        case CMP_NE:
                return "!=";
        case CMP_LT:
                return "<";
        case CMP_LE:
                return "<=";
        case CMP_GT:
                return ">";
        case CMP_GE:
                return ">=";
        }
        return "?";
}

/* Binding strength: || < && < ! < a comparison. */
static int expr_prec(const ast_expr *e)
{
        switch (e->kind) {
        case EX_OR:
                return 1;
        case EX_AND:
                return 2;
        case EX_NOT:
                return 3;
        case EX_CMP:
        case EX_IN:
                return 4;
        }
        return 4;
}

static void put_expr(strbuf *b, const ast_expr *e);

/* Print e, in parentheses when it binds less tightly than `min`. */
static void put_operand(strbuf *b, const ast_expr *e, int min)
{
        bool paren = expr_prec(e) < min;
        if (paren)
                sb_putc(b, '(');
        put_expr(b, e);
        if (paren)
                sb_putc(b, ')');
}

/* expr: expr || expr | expr && expr | ! expr | ( expr ) | ARG [& MASK] OP VALUE
 *     | ARG [not] in { VALUES }
 * Both operators group to the left, so only a right operand of the same
 * operator, or an || under an &&, needs parentheses.  A negated comparison
 * keeps them too (`!(a == 1)`), so it cannot be read as `(!a) == 1`. */
static void put_expr(strbuf *b, const ast_expr *e)
{
        switch (e->kind) {
        case EX_OR:
                put_operand(b, e->l, 1);
                sb_puts(b, " || ");
                put_operand(b, e->r, 2);
                break;
        case EX_AND:
                put_operand(b, e->l, 2);
                sb_puts(b, " && ");
                put_operand(b, e->r, 3);
                break;
        case EX_NOT:
                sb_putc(b, '!');
                put_operand(b, e->l, e->l->kind == EX_NOT ? 3 : 5);
                break;
        case EX_CMP:
                sb_puts(b, e->arg);
                if (e->mask) {
                        sb_puts(b, " & ");
                        bool paren = e->mask->kind == VAL_OR;
                        if (paren)
                                sb_putc(b, '(');
                        put_value(b, e->mask);
                        if (paren)
                                sb_putc(b, ')');
                }
                sb_putc(b, ' ');
                sb_puts(b, cmp_text(e->op));
                sb_putc(b, ' ');
                put_value(b, e->rhs);
                break;
        case EX_IN:
                sb_puts(b, e->arg);
                sb_puts(b, e->not_in ? " not in { " : " in { ");
                for (int i = 0; i < e->set.n; i++) {
                        if (i)
                                sb_puts(b, ", ");
                        put_value(b, e->set.items[i]);
                }
                sb_puts(b, " }");
                break;
        }
}

/* ---- rules ---- */

static void put_action(strbuf *b, const ast_action *a)
{
        if (a->kind != ACT_ERRNO) {
                sb_puts(b, action_name(a->kind));
        } else if (a->from_deny) {
                sb_puts(b, "deny");
        } else {
                sb_puts(b, "errno(");
                if (a->errno_is_num)
                        put_number(b, &a->errno_num);
                else
                        sb_puts(b, a->errno_name);
                sb_putc(b, ')');
        }
}

static void put_process_rule(strbuf *b, const ast_rule *r)
{
        switch (r->proc) {
        case PROC_USER:
        case PROC_GROUP:
                sb_puts(b, r->proc == PROC_USER ? "user " : "group ");
                if (r->str_quoted)
                        put_quoted(b, r->str);
                else
                        sb_puts(b, r->str);
                break;
        case PROC_CAPS:
                sb_puts(b, "caps ");
                if (r->caps_none)
                        sb_puts(b, "none");
                else
                        put_list(b, &r->elems);
                break;
        case PROC_ENV_KEEP:
                sb_puts(b, "env keep ");
                put_list(b, &r->elems);
                break;
        case PROC_ENV_SET:
                sb_puts(b, "env set ");
                sb_puts(b, r->env_name);
                sb_puts(b, " = ");
                put_quoted(b, r->str);
                break;
        case PROC_HOSTNAME:
                sb_puts(b, "hostname ");
                if (r->str_quoted)
                        put_quoted(b, r->str);
                else
                        sb_puts(b, r->str);
                break;
        }
}

/* The text of a rule up to its `;` or its ` {`, without either. */
static void put_rule_head(strbuf *b, const ast_rule *r)
{
        switch (r->kind) {
        case R_FS:
                sb_puts(b, r->deny ? "deny " : "allow ");
                if (r->rights_given) {
                        put_rights(b, r->rights);
                        sb_putc(b, ' ');
                }
                put_list(b, &r->elems);
                break;
        case R_NET:
                sb_puts(b, r->deny ? "deny " : "allow ");
                sb_puts(b, r->op == NET_BIND ? "bind " : "connect ");
                put_list(b, &r->elems);
                if (r->from.n) {
                        sb_puts(b, " from ");
                        put_list(b, &r->from);
                        if (r->children)
                                sb_puts(b, " and children");
                }
                break;
        case R_L7:
                sb_puts(b, r->deny ? "deny http " : "allow http ");
                put_list(b, &r->methods);
                sb_putc(b, ' ');
                put_list(b, &r->elems);
                break;
        case R_SYSCALL:
                put_action(b, &r->action);
                sb_putc(b, ' ');
                put_list(b, &r->elems);
                if (r->when) {
                        sb_puts(b, " when ");
                        put_expr(b, r->when);
                }
                break;
        case R_DEFAULT:
                sb_puts(b, "default ");
                put_action(b, &r->action);
                break;
        case R_LIMIT:
                sb_puts(b, limit_name(r->limit));
                sb_putc(b, ' ');
                put_number(b, &r->num);
                break;
        case R_PROCESS:
                put_process_rule(b, r);
                break;
        }
}

/* ---- lines and blocks ---- */

/* A node printed on one line: comments before it or inside it go on lines
 * of their own above it; a comment after it on its last line stays there. */
static void print_line_node(printer *p, span where, pos limit, const char *text)
{
        flush_comments_before(p, end_of(where));
        begin_line(p, where.line);
        sb_puts(&p->out, text);
        end_line(p, where.end_line, limit);
}

/* The first line of a block: `HEAD {`, or `HEAD {}` when the block is empty
 * and holds no comment.  header_line is the source line of the last token
 * before the `{`; a comment after the `{` on it stays at the end of the
 * line.  Returns false for the empty one-line form. */
static bool open_block(printer *p, span where, int header_line, const char *head, int nchildren,
                       pos first_child, pos limit)
{
        flush_comments_before(p, (pos){header_line, 0});
        begin_line(p, where.line);
        sb_puts(&p->out, head);
        if (nchildren == 0 && !comments_before(p, end_of(where))) {
                sb_puts(&p->out, " {}");
                end_line(p, where.end_line, limit);
                return false;
        }
        sb_puts(&p->out, " {");
        end_line(p, header_line, nchildren ? first_child : end_of(where));
        p->gap = GAP_NONE;
        p->indent++;
        return true;
}

/* The comments left at the end of a block, then its closing line. */
static void close_block(printer *p, span where, const char *closing, pos limit)
{
        flush_comments_before(p, end_of(where));
        p->indent--;
        p->gap = GAP_NONE;
        begin_line(p, where.end_line);
        sb_puts(&p->out, closing);
        end_line(p, where.end_line, limit);
}

static void print_rule(printer *p, const ast_rule *r, pos limit);

static void print_rules(printer *p, const vec *rules, pos block_end)
{
        for (int i = 0; i < rules->n; i++) {
                const ast_rule *next = i + 1 < rules->n ? rules->items[i + 1] : NULL;
                print_rule(p, rules->items[i], next ? start_of(next->where) : block_end);
        }
}

static void print_rule(printer *p, const ast_rule *r, pos limit)
{
        strbuf head = {0};
        put_rule_head(&head, r);
        if (r->kind != R_NET || !r->has_block) {
                sb_putc(&head, ';');
                print_line_node(p, r->where, limit, head.s);
                free(head.s);
                return;
        }
        /* allow connect ENDPOINTS [from BINARIES [and children]] { L7 rules } */
        int header_line = r->where.line;
        const vec *last = r->from.n ? &r->from : &r->elems;
        if (last->n)
                header_line = ((ast_elem *)last->items[last->n - 1])->where.end_line;
        const ast_rule *first = r->l7.n ? r->l7.items[0] : NULL;
        if (open_block(p, r->where, header_line, head.s, r->l7.n,
                       first ? start_of(first->where) : pos_max, limit)) {
                print_rules(p, &r->l7, end_of(r->where));
                close_block(p, r->where, "}", limit);
        }
        free(head.s);
}

static const char *section_name(item_kind k)
{
        switch (k) {
        case IT_FS:
                return "fs";
        case IT_NET:
                return "net";
        case IT_SYSCALLS:
                return "syscalls";
        case IT_LIMITS:
                return "limits";
        case IT_PROCESS:
                return "process";
        default:
                return "?";
        }
}

/* ---- items ---- */

static void put_item(strbuf *b, const ast_item *it)
{
        switch (it->kind) {
        case IT_USE:
                sb_puts(b, "use ");
                put_list(b, &it->names);
                break;
        case IT_WITHIN:
                sb_puts(b, "within ");
                put_list(b, &it->names);
                break;
        case IT_ARCH:
                sb_puts(b, "arch ");
                put_list(b, &it->names);
                break;
        case IT_REQUIRES:
                sb_puts(b, "requires landlock ");
                if (it->best_effort)
                        sb_puts(b, it->finding);
                else
                        put_number(b, &it->abi);
                break;
        case IT_ASSERT:
                sb_puts(b, "assert never ");
                if (it->akind == ASSERT_FS) {
                        put_rights(b, it->rights);
                        sb_putc(b, ' ');
                        put_list(b, &it->elems);
                } else if (it->akind == ASSERT_CONNECT) {
                        sb_puts(b, "connect ");
                        put_list(b, &it->elems);
                        if (it->from.n) {
                                sb_puts(b, " from ");
                                put_list(b, &it->from);
                        }
                } else {
                        sb_puts(b, "syscall ");
                        put_list(b, &it->elems);
                        if (it->when) {
                                sb_puts(b, " when ");
                                put_expr(b, it->when);
                        }
                }
                break;
        case IT_WAIVE:
                sb_puts(b, "waive ");
                sb_puts(b, it->finding);
                sb_putc(b, ' ');
                put_quoted(b, it->reason);
                break;
        default:
                break; /* sections are blocks */
        }
        sb_putc(b, ';');
}

static void print_item(printer *p, const ast_item *it, pos limit)
{
        bool section = it->kind == IT_FS || it->kind == IT_NET || it->kind == IT_SYSCALLS ||
                       it->kind == IT_LIMITS || it->kind == IT_PROCESS;
        if (!section) {
                strbuf b = {0};
                put_item(&b, it);
                print_line_node(p, it->where, limit, b.s);
                free(b.s);
                return;
        }
        const ast_rule *first = it->rules.n ? it->rules.items[0] : NULL;
        if (open_block(p, it->where, it->where.line, section_name(it->kind), it->rules.n,
                       first ? start_of(first->where) : pos_max, limit)) {
                print_rules(p, &it->rules, end_of(it->where));
                close_block(p, it->where, "}", limit);
        }
}

/* ---- declarations ---- */

/* set @NAME = { a, b, c }; on one line when it fits and holds no comment,
 * else one element per line with a trailing comma. */
static void print_set(printer *p, const ast_decl *d, pos limit)
{
        int header_line = d->name_where.line;
        flush_comments_before(p, (pos){header_line, 0});
        strbuf b = {0};
        sb_puts(&b, "set @");
        sb_puts(&b, d->name);
        if (d->elems.n) {
                sb_puts(&b, " = { ");
                put_list(&b, &d->elems);
                sb_puts(&b, " };");
        } else {
                sb_puts(&b, " = {};");
        }
        bool fits = p->indent * FMT_INDENT + (int)b.len <= FMT_WIDTH;
        if (fits && !comments_before(p, end_of(d->where))) {
                print_line_node(p, d->where, limit, b.s);
                free(b.s);
                return;
        }
        free(b.s);
        begin_line(p, d->where.line);
        sb_puts(&p->out, "set @");
        sb_puts(&p->out, d->name);
        sb_puts(&p->out, " = {");
        const ast_elem *first = d->elems.n ? d->elems.items[0] : NULL;
        end_line(p, header_line, first ? start_of(first->where) : end_of(d->where));
        p->gap = GAP_NONE;
        p->indent++;
        for (int i = 0; i < d->elems.n; i++) {
                const ast_elem *e = d->elems.items[i];
                const ast_elem *next = i + 1 < d->elems.n ? d->elems.items[i + 1] : NULL;
                strbuf eb = {0};
                put_elem(&eb, e);
                sb_putc(&eb, ',');
                print_line_node(p, e->where, next ? start_of(next->where) : end_of(d->where), eb.s);
                free(eb.s);
        }
        close_block(p, d->where, "};", limit);
}

static void print_decl(printer *p, const ast_decl *d, pos limit)
{
        strbuf b = {0};
        switch (d->kind) {
        case D_IMPORT:
                sb_puts(&b, "import ");
                put_quoted(&b, d->name);
                sb_putc(&b, ';');
                print_line_node(p, d->where, limit, b.s);
                break;
        case D_PARAM:
                sb_puts(&b, "param ");
                sb_puts(&b, d->name);
                if (d->def) {
                        sb_puts(&b, " = ");
                        put_elem(&b, d->def);
                }
                sb_putc(&b, ';');
                print_line_node(p, d->where, limit, b.s);
                break;
        case D_SET:
                print_set(p, d, limit);
                break;
        case D_FRAGMENT:
        case D_POLICY: {
                sb_puts(&b, d->kind == D_POLICY ? "policy " : "fragment ");
                sb_puts(&b, d->name);
                const ast_item *first = d->items.n ? d->items.items[0] : NULL;
                if (open_block(p, d->where, d->name_where.end_line, b.s, d->items.n,
                               first ? start_of(first->where) : pos_max, limit)) {
                        for (int i = 0; i < d->items.n; i++) {
                                const ast_item *next =
                                    i + 1 < d->items.n ? d->items.items[i + 1] : NULL;
                                print_item(p, d->items.items[i],
                                           next ? start_of(next->where) : end_of(d->where));
                        }
                        close_block(p, d->where, "}", limit);
                }
                break;
        }
        }
        free(b.s);
}

static bool is_block_decl(const ast_decl *d)
{
        return d->kind == D_FRAGMENT || d->kind == D_POLICY;
}

/* Did parsing report an error against this file? */
static bool has_syntax_errors(osh_ctx *c, ast_file *f)
{
        if (f->parse_failed)
                return true;
        for (int i = 0; i < c->ndiags; i++)
                if (c->diags[i].level == DIAG_ERROR && c->diags[i].where.file == f->file)
                        return true;
        return false;
}

/*
 * The comments are split among the declarations so that each one owns a
 * contiguous run: its leading comments, those inside it and the one after
 * it on its last line.  That lets the imports move to the front with their
 * comments.  lo[i] is the first comment of declaration i; lo[n] the first
 * of those at the end of the file.
 */
static int *split_comments(printer *p, ast_decl **decls, int n, int ncomments)
{
        int *lo = arena_alloc(&p->c->arena, sizeof(int) * (size_t)(n + 1));
        for (int i = 0, j = 0; i < n; i++) {
                pos next = i + 1 < n ? start_of(decls[i + 1]->where) : pos_max;
                while (j < ncomments && p->comments[j]->where.line <= decls[i]->where.end_line &&
                       pos_cmp(comment_pos(p->comments[j]), next) < 0)
                        j++;
                lo[i + 1] = j;
        }
        return lo;
}

/* The file's header: the comments above the first declaration up to the
 * last blank line before it.  It stays first even when imports move up.
 * Returns how many comments it holds. */
static int header_comments(printer *p, const ast_decl *first, int nleading)
{
        int header = 0;
        for (int k = 0; first && k < nleading; k++) {
                int line = p->comments[k]->where.line;
                if (line >= first->where.line)
                        break;
                int next = k + 1 < nleading && p->comments[k + 1]->where.line < first->where.line
                               ? p->comments[k + 1]->where.line
                               : first->where.line;
                if (blank_between(p, line, next))
                        header = k + 1;
        }
        return header;
}

/* The separation before declaration d (index i), printed after prev. */
static gap_mode decl_gap(const ast_decl *prev, int prev_index, const ast_decl *d, int i,
                         bool header)
{
        if (!prev)
                return header ? GAP_BLANK : GAP_NONE;
        if (is_block_decl(prev) || is_block_decl(d) ||
            (prev->kind == D_IMPORT && d->kind != D_IMPORT))
                return GAP_BLANK;
        return prev_index == i - 1 ? GAP_AUTO : GAP_NONE;
}

char *osh_format(osh_ctx *c, ast_file *f)
{
        if (has_syntax_errors(c, f))
                return NULL;
        printer p = {.c = c, .file = f->file, .gap = GAP_NONE};
        p.comments = (ast_comment **)f->comments.items;
        int nc = f->comments.n, n = f->decls.n;
        ast_decl **decls = (ast_decl **)f->decls.items;
        int *lo = split_comments(&p, decls, n, nc);

        int header = n ? header_comments(&p, decls[0], lo[1]) : 0;
        p.hi = header;
        flush_comments_before(&p, pos_max);

        /* imports first, then the rest, each in the order written */
        const ast_decl *prev = NULL;
        int prev_index = -1;
        for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < n; i++) {
                        const ast_decl *d = decls[i];
                        if ((d->kind == D_IMPORT) != (pass == 0))
                                continue;
                        p.gap = decl_gap(prev, prev_index, d, i, header > 0);
                        p.ci = lo[i] > header ? lo[i] : header;
                        p.hi = lo[i + 1];
                        print_decl(&p, d, i + 1 < n ? start_of(decls[i + 1]->where) : pos_max);
                        flush_comments_before(&p, pos_max); /* none should be left */
                        prev = d;
                        prev_index = i;
                }
        }

        /* comments at the end of the file */
        p.ci = lo[n];
        p.hi = nc;
        p.last_line = n ? decls[n - 1]->where.end_line : 0;
        p.gap = n ? GAP_AUTO : GAP_NONE;
        flush_comments_before(&p, pos_max);

        char *text = arena_strndup(&c->arena, p.out.s ? p.out.s : "", p.out.len);
        free(p.out.s);
        return text;
}
