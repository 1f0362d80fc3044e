/*
 * test_lexer.c - unit tests for the .osh scanner (lang/lexer.l).
 *
 * Two ways in: the generated scanner is driven directly (yylex on a
 * string) to see the exact token stream, kinds, values and spans; and whole
 * policies go through the parser to see that the tokens mean what the
 * grammar needs (a path ends at `;`, `read` is a syscall name after
 * `allow`, a size is scaled before it reaches the AST).
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "lang/lexer.h"

typedef struct tok {
        int kind;
        const char *str;
        ast_number num;
        YYLTYPE loc;
} tok;

typedef struct lexed {
        fixture fx;
        tok toks[64];
        int n;
} lexed;

/* Scan `text` to the end; the tokens land in lx->toks. */
static void lex(lexed *lx, const char *text)
{
        memset(lx, 0, sizeof(*lx));
        fx_init(&lx->fx);
        osh_ctx *c = &lx->fx.ctx;
        int id = source_add(c, "lex.osh", "lex.osh", text, strlen(text));
        ast_file *f = arena_alloc(&c->arena, sizeof(*f));
        f->file = id;
        lx->fx.root = f;
        struct lex_state st = {.c = c, .f = f, .file = id, .line = 1, .col = 1};
        yyscan_t scanner;
        assert_int_equal(yylex_init_extra(&st, &scanner), 0);
        YY_BUFFER_STATE b = yy_scan_bytes(text, (int)strlen(text), scanner);
        for (;;) {
                YYSTYPE val;
                YYLTYPE loc;
                memset(&val, 0, sizeof(val));
                int k = yylex(&val, &loc, scanner);
                if (k == 0)
                        break;
                assert_true(lx->n < 64);
                tok *t = &lx->toks[lx->n++];
                t->kind = k;
                t->loc = loc;
                if (k == NUMBER)
                        t->num = val.num;
                else if (k == IDENT || k == HOST || k == IPV4 || k == CIDR4 || k == IPV6 ||
                         k == SETREF || k == PARAMPATH || k == PATH || k == STRING)
                        t->str = val.str;
        }
        yy_delete_buffer(b, scanner);
        yylex_destroy(scanner);
}

static void lex_free(lexed *lx)
{
        fx_free(&lx->fx);
}

static void expect_tok(lexed *lx, int i, int kind, const char *str)
{
        assert_true(i < lx->n);
        if (lx->toks[i].kind != kind)
                print_message("token %d: kind %d, expected %d\n", i, lx->toks[i].kind, kind);
        assert_int_equal(lx->toks[i].kind, kind);
        if (str) {
                assert_non_null(lx->toks[i].str);
                assert_string_equal(lx->toks[i].str, str);
        }
}

static void expect_num(lexed *lx, int i, uint64_t value, unit_kind unit)
{
        expect_tok(lx, i, NUMBER, NULL);
        assert_int_equal(lx->toks[i].num.value, value);
        assert_int_equal(lx->toks[i].num.unit, unit);
}

static void expect_loc(lexed *lx, int i, int line, int col, int end_line, int end_col)
{
        YYLTYPE l = lx->toks[i].loc;
        assert_int_equal(l.first_line, line);
        assert_int_equal(l.first_column, col);
        assert_int_equal(l.last_line, end_line);
        assert_int_equal(l.last_column, end_col);
}

/* ---- hosts, numbers, addresses ---- */

static void test_number_host_ip_cidr(void **state)
{
        lexed lx;
        lex(&lx, "1.5 10.0.0.1 10.0.0.0/8 api.github.com 1.2.3 localhost 1password.com "
                 "*.example.com **.example.com");
        assert_int_equal(lx.n, 9);
        expect_tok(&lx, 0, NUMBER, NULL);
        assert_true(lx.toks[0].num.is_float);
        assert_true(lx.toks[0].num.fvalue == 1.5);
        assert_int_equal(lx.toks[0].num.value, 1);
        assert_int_equal(lx.toks[0].num.unit, UNIT_NONE);
        expect_tok(&lx, 1, IPV4, "10.0.0.1");
        expect_tok(&lx, 2, CIDR4, "10.0.0.0/8");
        expect_tok(&lx, 3, HOST, "api.github.com");
        expect_tok(&lx, 4, HOST, "1.2.3"); /* three numbers are no address: a bad host */
        expect_tok(&lx, 5, IDENT, "localhost");
        expect_tok(&lx, 6, HOST, "1password.com");
        expect_tok(&lx, 7, HOST, "*.example.com");
        expect_tok(&lx, 8, HOST, "**.example.com");
        assert_int_equal(lx.fx.ctx.nerrors, 0);
        lex_free(&lx);
}

static void test_ipv6_endpoint(void **state)
{
        lexed lx;
        lex(&lx, "[fd00::]/8:443 [::1]:8080 [::ffff:10.0.0.1]:*");
        assert_int_equal(lx.n, 9);
        expect_tok(&lx, 0, IPV6, "[fd00::]/8");
        expect_tok(&lx, 1, ':', NULL);
        expect_num(&lx, 2, 443, UNIT_NONE);
        expect_tok(&lx, 3, IPV6, "[::1]");
        expect_tok(&lx, 4, ':', NULL);
        expect_num(&lx, 5, 8080, UNIT_NONE);
        expect_tok(&lx, 6, IPV6, "[::ffff:10.0.0.1]");
        expect_tok(&lx, 7, ':', NULL);
        expect_tok(&lx, 8, '*', NULL);
        lex_free(&lx);
}

static void test_port_range_and_set(void **state)
{
        lexed lx;
        lex(&lx, "127.0.0.1:8000..8010 host.example.com:{80, 443}");
        assert_int_equal(lx.n, 12);
        expect_tok(&lx, 0, IPV4, "127.0.0.1");
        expect_tok(&lx, 1, ':', NULL);
        expect_num(&lx, 2, 8000, UNIT_NONE);
        expect_tok(&lx, 3, DOTDOT, NULL);
        expect_num(&lx, 4, 8010, UNIT_NONE);
        expect_tok(&lx, 5, HOST, "host.example.com");
        expect_tok(&lx, 6, ':', NULL);
        expect_tok(&lx, 7, '{', NULL);
        expect_num(&lx, 8, 80, UNIT_NONE);
        expect_tok(&lx, 9, ',', NULL);
        expect_num(&lx, 10, 443, UNIT_NONE);
        expect_tok(&lx, 11, '}', NULL);
        lex_free(&lx);
}

/* ---- numbers and units ---- */

static void test_sizes_are_scaled(void **state)
{
        lexed lx;
        lex(&lx, "2GiB 1.5GiB 1K 3MiB 4M 1TiB 2G 512B 0");
        assert_int_equal(lx.n, 9);
        expect_num(&lx, 0, 2147483648ull, UNIT_BYTES);
        expect_num(&lx, 1, 1610612736ull, UNIT_BYTES);
        assert_true(lx.toks[1].num.is_float);
        expect_num(&lx, 2, 1024, UNIT_BYTES);
        expect_num(&lx, 3, 3ull << 20, UNIT_BYTES);
        expect_num(&lx, 4, 4ull << 20, UNIT_BYTES);
        expect_num(&lx, 5, 1ull << 40, UNIT_BYTES);
        expect_num(&lx, 6, 2ull << 30, UNIT_BYTES);
        expect_num(&lx, 7, 512, UNIT_BYTES);
        expect_num(&lx, 8, 0, UNIT_NONE);
        assert_string_equal(lx.toks[1].num.text, "1.5GiB");
        lex_free(&lx);
}

static void test_durations_and_percent(void **state)
{
        lexed lx;
        lex(&lx, "500ms 2h 90s 5m 1.5s 150% 12.5%");
        assert_int_equal(lx.n, 7);
        expect_num(&lx, 0, 500, UNIT_TIME);
        expect_num(&lx, 1, 7200000, UNIT_TIME);
        expect_num(&lx, 2, 90000, UNIT_TIME);
        expect_num(&lx, 3, 300000, UNIT_TIME);
        expect_num(&lx, 4, 1500, UNIT_TIME);
        expect_num(&lx, 5, 150, UNIT_PERCENT);
        assert_true(lx.toks[5].num.fvalue == 150.0);
        expect_tok(&lx, 6, NUMBER, NULL);
        assert_int_equal(lx.toks[6].num.unit, UNIT_PERCENT);
        assert_true(lx.toks[6].num.fvalue == 12.5);
        lex_free(&lx);
}

static void test_hex_numbers(void **state)
{
        lexed lx;
        lex(&lx, "0x10000000 0xffffffff 0XfF 0xFFFFFFFFFFFFFFFF 0");
        assert_int_equal(lx.n, 5);
        expect_num(&lx, 0, 0x10000000, UNIT_NONE);
        expect_num(&lx, 1, 0xffffffffull, UNIT_NONE);
        expect_num(&lx, 2, 255, UNIT_NONE);
        expect_num(&lx, 3, UINT64_MAX, UNIT_NONE);
        assert_false(lx.toks[3].num.is_float);
        expect_num(&lx, 4, 0, UNIT_NONE);
        assert_int_equal(lx.fx.ctx.nerrors, 0);
        lex_free(&lx);
}

static void test_number_overflow(void **state)
{
        lexed lx;
        lex(&lx, "18446744073709551615 18446744073709551616 0x10000000000000000 "
                 "17179869184GiB");
        assert_int_equal(lx.n, 4);
        expect_num(&lx, 0, UINT64_MAX, UNIT_NONE);
        assert_int_equal(fx_count(&lx.fx, "number-range"), 3);
        fx_expect_diag_at(&lx.fx, "number-range", 1, 22);
        fx_expect_diag_at(&lx.fx, "number-range", 1, 43);
        fx_expect_diag_at(&lx.fx, "number-range", 1, 63);
        lex_free(&lx);
}

/* A whole number with a unit is exact, like one without: the byte and
 * millisecond counts are integers, not doubles rounded to 53 bits. */
static void test_integer_sizes_are_exact(void **state)
{
        lexed lx;
        lex(&lx, "9007199254740993B 9007199254740993ms 18446744073709551615B");
        assert_int_equal(lx.n, 3);
        expect_num(&lx, 0, 9007199254740993ull, UNIT_BYTES);
        expect_num(&lx, 1, 9007199254740993ull, UNIT_TIME);
        expect_num(&lx, 2, UINT64_MAX, UNIT_BYTES);
        assert_int_equal(lx.fx.ctx.nerrors, 0);
        lex_free(&lx);
}

/* ---- paths and parameters ---- */

static void test_paths_end_at_punctuation(void **state)
{
        lexed lx;
        lex(&lx, "/usr/bin/git, /tmp; /a{ /b} /repos/** /with-dash_and.dot "
                 "$WORKDIR/.env $HOME $WORKDIR/a/b;");
        assert_int_equal(lx.n, 14);
        expect_tok(&lx, 0, PATH, "/usr/bin/git");
        expect_tok(&lx, 1, ',', NULL);
        expect_tok(&lx, 2, PATH, "/tmp");
        expect_tok(&lx, 3, ';', NULL);
        expect_tok(&lx, 4, PATH, "/a");
        expect_tok(&lx, 5, '{', NULL);
        expect_tok(&lx, 6, PATH, "/b");
        expect_tok(&lx, 7, '}', NULL);
        expect_tok(&lx, 8, PATH, "/repos/**");
        expect_tok(&lx, 9, PATH, "/with-dash_and.dot");
        expect_tok(&lx, 10, PARAMPATH, "$WORKDIR/.env");
        expect_tok(&lx, 11, PARAMPATH, "$HOME");
        expect_tok(&lx, 12, PARAMPATH, "$WORKDIR/a/b");
        expect_tok(&lx, 13, ';', NULL);
        lex_free(&lx);
}

static void test_param_path_in_ast(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p {\n"
                     "    fs { deny $WORKDIR/.env; allow read $HOME, /etc/hosts; }\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_decl *p = fx_decl(&fx, "p");
        ast_item *fs = p->items.items[0];
        assert_int_equal(fs->kind, IT_FS);
        ast_rule *deny = fs->rules.items[0];
        ast_elem *env = deny->elems.items[0];
        assert_int_equal(env->kind, EL_PARAM);
        assert_string_equal(env->param, "WORKDIR");
        assert_string_equal(env->text, "/.env");
        ast_rule *allow = fs->rules.items[1];
        ast_elem *home = allow->elems.items[0];
        assert_int_equal(home->kind, EL_PARAM);
        assert_string_equal(home->param, "HOME");
        assert_string_equal(home->text, "");
        ast_elem *hosts = allow->elems.items[1];
        assert_int_equal(hosts->kind, EL_PATH);
        assert_string_equal(hosts->text, "/etc/hosts");
        fx_free(&fx);
}

/* ---- strings ---- */

static void test_string_escapes(void **state)
{
        lexed lx;
        lex(&lx, "\"plain\" \"a\\\"b\\\\c\\nd\\te\" \"/with space\" \"\"");
        assert_int_equal(lx.n, 4);
        expect_tok(&lx, 0, STRING, "plain");
        expect_tok(&lx, 1, STRING, "a\"b\\c\nd\te");
        expect_tok(&lx, 2, STRING, "/with space");
        expect_tok(&lx, 3, STRING, "");
        assert_int_equal(lx.fx.ctx.nerrors, 0);
        expect_loc(&lx, 1, 1, 9, 1, 23);
        lex_free(&lx);
}

static void test_string_errors(void **state)
{
        lexed lx;
        lex(&lx, "\"bad \\q escape\"\n  \"no end");
        assert_int_equal(lx.n, 2);
        expect_tok(&lx, 0, STRING, NULL);
        expect_tok(&lx, 1, STRING, "no end");
        fx_expect_diag_at(&lx.fx, "string-escape", 1, 1);
        fx_expect_diag_at(&lx.fx, "syntax", 2, 3);
        assert_int_equal(lx.fx.ctx.nerrors, 2);
        lex_free(&lx);
}

static void test_quoted_path_in_ast(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p { fs { allow read \"/srv/my files\", /srv/b; } }\n");
        fx_expect_clean(&fx);
        ast_item *fs = fx_decl(&fx, "p")->items.items[0];
        ast_rule *r = fs->rules.items[0];
        assert_int_equal(r->elems.n, 2);
        ast_elem *q = r->elems.items[0];
        assert_int_equal(q->kind, EL_PATH);
        assert_true(q->quoted);
        assert_string_equal(q->text, "/srv/my files");
        assert_false(((ast_elem *)r->elems.items[1])->quoted);
        fx_free(&fx);
}

/* ---- comments ---- */

static void test_comments_are_kept(void **state)
{
        fixture fx;
        fx_load(&fx, "# leading comment\n"
                     "policy p { # trailing\n"
                     "    # own line\n"
                     "    fs { allow read /a; }   #end\n"
                     "}\n"
                     "#");
        fx_expect_clean(&fx);
        vec *cm = &fx.root->comments;
        assert_int_equal(cm->n, 5);
        ast_comment *c0 = cm->items[0], *c1 = cm->items[1], *c2 = cm->items[2];
        ast_comment *c3 = cm->items[3], *c4 = cm->items[4];
        assert_string_equal(c0->text, "# leading comment");
        assert_false(c0->trailing);
        assert_int_equal(c0->where.line, 1);
        assert_int_equal(c0->where.col, 1);
        assert_int_equal(c0->where.end_col, 17);
        assert_string_equal(c1->text, "# trailing");
        assert_true(c1->trailing);
        assert_int_equal(c1->where.line, 2);
        assert_int_equal(c1->where.col, 12);
        assert_string_equal(c2->text, "# own line");
        assert_false(c2->trailing);
        assert_int_equal(c2->where.line, 3);
        assert_int_equal(c2->where.col, 5);
        assert_string_equal(c3->text, "#end");
        assert_true(c3->trailing);
        assert_int_equal(c3->where.line, 4);
        assert_int_equal(c3->where.col, 29);
        assert_string_equal(c4->text, "#");
        assert_false(c4->trailing);
        assert_int_equal(c4->where.line, 6);
        fx_free(&fx);
}

/* `#` inside a path is part of the path: paths end only at whitespace and
 * , ; { }. */
static void test_hash_inside_path(void **state)
{
        lexed lx;
        lex(&lx, "/a#b # c");
        assert_int_equal(lx.n, 1);
        expect_tok(&lx, 0, PATH, "/a#b");
        assert_int_equal(lx.fx.root->comments.n, 1);
        lex_free(&lx);
}

/* ---- keywords and names ---- */

static void test_keywords_and_identifiers(void **state)
{
        lexed lx;
        lex(&lx, "read reader allow allowed @system-service best-effort x86_64 "
                 "interpreter-grant kill errno");
        assert_int_equal(lx.n, 10);
        expect_tok(&lx, 0, READ, NULL);
        expect_tok(&lx, 1, IDENT, "reader");
        expect_tok(&lx, 2, ALLOW, NULL);
        expect_tok(&lx, 3, IDENT, "allowed");
        expect_tok(&lx, 4, SETREF, "system-service");
        expect_tok(&lx, 5, IDENT, "best-effort");
        expect_tok(&lx, 6, IDENT, "x86_64");
        expect_tok(&lx, 7, IDENT, "interpreter-grant");
        expect_tok(&lx, 8, KILL, NULL);
        expect_tok(&lx, 9, ERRNO, NULL);
        lex_free(&lx);
}

static void test_operators(void **state)
{
        lexed lx;
        lex(&lx, "== != <= >= && || < > ! & | = .. ** ( )");
        int want[] = {EQ,  NE,  LE,  GE,  ANDAND, OROR,     '<', '>',
                      '!', '&', '|', '=', DOTDOT, STARSTAR, '(', ')'};
        assert_int_equal(lx.n, (int)(sizeof(want) / sizeof(want[0])));
        for (int i = 0; i < lx.n; i++)
                expect_tok(&lx, i, want[i], NULL);
        lex_free(&lx);
}

static const char *const keyword_syscalls[] = {"read", "write", "kill", "bind", "connect", "ioctl"};

static void expect_names(vec *v, int from)
{
        for (int i = 0; i < 6; i++) {
                ast_elem *e = v->items[from + i];
                assert_int_equal(e->kind, EL_NAME);
                assert_string_equal(e->text, keyword_syscalls[i]);
        }
}

static void test_keywords_as_syscall_names(void **state)
{
        fixture fx;
        fx_load(&fx, "set @kw = { read, write, kill, bind, connect, ioctl };\n"
                     "policy p {\n"
                     "    syscalls {\n"
                     "        default allow;\n"
                     "        errno(EACCES) read, write, kill, bind, connect, ioctl;\n"
                     "        kill kill when sig == SIGKILL;\n"
                     "        allow ioctl when request == TIOCSTI;\n"
                     "    }\n"
                     "    assert never syscall read, write, kill, bind, connect, ioctl;\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_decl *set = fx_decl(&fx, "kw");
        assert_int_equal(set->elems.n, 6);
        expect_names(&set->elems, 0);
        assert_int_equal(set->stype, SET_SYSCALLS);
        ast_decl *p = fx_decl(&fx, "p");
        ast_item *sys = p->items.items[0];
        ast_rule *r = sys->rules.items[1];
        assert_int_equal(r->elems.n, 6);
        expect_names(&r->elems, 0);
        ast_rule *k = sys->rules.items[2];
        assert_int_equal(k->action.kind, ACT_KILL);
        assert_string_equal(((ast_elem *)k->elems.items[0])->text, "kill");
        ast_item *as = p->items.items[1];
        assert_int_equal(as->kind, IT_ASSERT);
        expect_names(&as->elems, 0);
        fx_free(&fx);
}

/* ---- spans ---- */

static void test_token_spans(void **state)
{
        lexed lx;
        lex(&lx, "policy p {\n"
                 "  net { allow connect api.github.com:443; }\n"
                 "\tfs { deny $WORKDIR/.env; }\n"
                 "}");
        /* policy p { net { allow connect HOST : 443 ; } fs { deny PARAMPATH ; } } */
        assert_int_equal(lx.n, 19);
        expect_loc(&lx, 0, 1, 1, 1, 6); /* policy */
        expect_loc(&lx, 1, 1, 8, 1, 8); /* p */
        expect_loc(&lx, 3, 2, 3, 2, 5); /* net */
        expect_tok(&lx, 7, HOST, "api.github.com");
        expect_loc(&lx, 7, 2, 23, 2, 36); /* api.github.com */
        expect_loc(&lx, 8, 2, 37, 2, 37); /* : */
        expect_loc(&lx, 9, 2, 38, 2, 40); /* 443 */
        expect_loc(&lx, 10, 2, 41, 2, 41);
        expect_loc(&lx, 12, 3, 2, 3, 3); /* fs after a tab: columns count bytes */
        expect_tok(&lx, 15, PARAMPATH, "$WORKDIR/.env");
        expect_loc(&lx, 15, 3, 12, 3, 24);
        expect_loc(&lx, 18, 4, 1, 4, 1);
        /* the number's own span is the token's */
        assert_int_equal(lx.toks[9].num.where.line, 2);
        assert_int_equal(lx.toks[9].num.where.col, 38);
        assert_int_equal(lx.toks[9].num.where.end_col, 40);
        lex_free(&lx);
}

static void test_spans_in_ast(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p {\n"
                     "  limits { memory 2GiB; }\n"
                     "  net { allow connect pypi.org:443; }\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_decl *p = fx_decl(&fx, "p");
        assert_int_equal(p->name_where.line, 1);
        assert_int_equal(p->name_where.col, 8);
        ast_item *lim = p->items.items[0];
        ast_rule *mem = lim->rules.items[0];
        assert_int_equal(mem->num.where.line, 2);
        assert_int_equal(mem->num.where.col, 19);
        assert_int_equal(mem->num.where.end_col, 22);
        assert_int_equal(mem->where.col, 12); /* the rule: memory .. ; */
        assert_int_equal(mem->where.end_col, 23);
        ast_item *net = p->items.items[1];
        ast_rule *conn = net->rules.items[0];
        ast_elem *ep = conn->elems.items[0];
        assert_int_equal(ep->ep->host_where.line, 3);
        assert_int_equal(ep->ep->host_where.col, 23);
        assert_int_equal(ep->ep->host_where.end_col, 30);
        assert_int_equal(ep->ep->port_where.col, 32);
        assert_int_equal(ep->ep->port_where.end_col, 34);
        fx_free(&fx);
}

static void test_unexpected_characters(void **state)
{
        lexed lx;
        lex(&lx, "policy p ` \n  \x01 ~");
        expect_tok(&lx, 0, POLICY, NULL);
        expect_tok(&lx, 1, IDENT, "p");
        assert_int_equal(lx.n, 2);
        assert_int_equal(fx_count(&lx.fx, "syntax"), 3);
        const diag *d = fx_expect_diag_at(&lx.fx, "syntax", 1, 10);
        assert_non_null(strstr(d->msg, "'`'"));
        d = fx_expect_diag_at(&lx.fx, "syntax", 2, 3);
        assert_non_null(strstr(d->msg, "0x01"));
        fx_expect_diag_at(&lx.fx, "syntax", 2, 5);
        lex_free(&lx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_number_host_ip_cidr),
            cmocka_unit_test(test_ipv6_endpoint),
            cmocka_unit_test(test_port_range_and_set),
            cmocka_unit_test(test_sizes_are_scaled),
            cmocka_unit_test(test_durations_and_percent),
            cmocka_unit_test(test_hex_numbers),
            cmocka_unit_test(test_number_overflow),
            cmocka_unit_test(test_integer_sizes_are_exact),
            cmocka_unit_test(test_paths_end_at_punctuation),
            cmocka_unit_test(test_param_path_in_ast),
            cmocka_unit_test(test_string_escapes),
            cmocka_unit_test(test_string_errors),
            cmocka_unit_test(test_quoted_path_in_ast),
            cmocka_unit_test(test_comments_are_kept),
            cmocka_unit_test(test_hash_inside_path),
            cmocka_unit_test(test_keywords_and_identifiers),
            cmocka_unit_test(test_operators),
            cmocka_unit_test(test_keywords_as_syscall_names),
            cmocka_unit_test(test_token_spans),
            cmocka_unit_test(test_spans_in_ast),
            cmocka_unit_test(test_unexpected_characters),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
