/*
 * test_parser.c - unit tests for the grammar (lang/parser.y): the AST shape
 * of every item and section of the DESIGN example, error recovery (one run
 * reports every independent syntax error), L7 blocks, `from ... and
 * children`, port sets and ranges, and the precedence of conditions.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

static ast_item *item_at(ast_decl *d, int i)
{
        assert_true(i < d->items.n);
        return d->items.items[i];
}

static ast_rule *rule_at(ast_item *it, int i)
{
        assert_true(i < it->rules.n);
        return it->rules.items[i];
}

static ast_elem *elem_at(vec *v, int i)
{
        assert_true(i < v->n);
        return v->items[i];
}

/* The first item of a kind in a fragment or policy. */
static ast_item *item_of(ast_decl *d, item_kind k)
{
        for (int i = 0; i < d->items.n; i++)
                if (((ast_item *)d->items.items[i])->kind == k)
                        return d->items.items[i];
        fail_msg("no item of kind %d in '%s'", k, d->name);
        return NULL;
}

/* ---- the DESIGN example ---- */

static void test_example_declarations(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        assert_false(fx.root->parse_failed);
        vec *d = &fx.root->decls;
        assert_int_equal(d->n, 7);
        decl_kind kinds[] = {D_IMPORT, D_SET, D_SET, D_FRAGMENT, D_FRAGMENT, D_POLICY, D_POLICY};
        const char *names[] = {"std/base.osh",   "interpreters", "llm_apis",    "pypi",
                               "org_invariants", "coding_agent", "org_boundary"};
        int lines[] = {EX_LINE_IMPORT,     EX_LINE_SET_INTERP, EX_LINE_SET_LLM, EX_LINE_PYPI,
                       EX_LINE_INVARIANTS, EX_LINE_POLICY,     EX_LINE_BOUNDARY};
        for (int i = 0; i < 7; i++) {
                ast_decl *x = d->items[i];
                assert_int_equal(x->kind, kinds[i]);
                assert_string_equal(x->name, names[i]);
                assert_int_equal(x->where.line, lines[i]);
        }
        /* the import's file string and the set's @name have their own spans */
        ast_decl *imp = d->items[0];
        assert_int_equal(imp->name_where.col, 8);
        assert_int_equal(imp->name_where.end_col, 21);
        ast_decl *interp = d->items[1];
        assert_int_equal(interp->name_where.col, 5);
        assert_int_equal(interp->elems.n, 3);
        for (int i = 0; i < 3; i++)
                assert_int_equal(elem_at(&interp->elems, i)->kind, EL_PATH);
        assert_string_equal(elem_at(&interp->elems, 2)->text, "/bin/bash");
        ast_decl *llm = d->items[2];
        assert_int_equal(llm->elems.n, 2);
        ast_elem *openai = elem_at(&llm->elems, 0);
        assert_int_equal(openai->kind, EL_ENDPOINT);
        assert_string_equal(openai->ep->host, "api.openai.com");
        assert_int_equal(openai->ep->nports, 1);
        assert_int_equal(openai->ep->ports[0].lo, 443);
        /* the file was type-checked: the set types are inferred */
        assert_int_equal(interp->stype, SET_PATHS);
        assert_int_equal(llm->stype, SET_ENDPOINTS);
        fx_free(&fx);
}

static void test_example_policy_items(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_decl *p = fx_decl(&fx, "coding_agent");
        item_kind kinds[] = {IT_USE,      IT_WITHIN, IT_REQUIRES, IT_FS,   IT_NET,
                             IT_SYSCALLS, IT_LIMITS, IT_PROCESS,  IT_WAIVE};
        assert_int_equal(p->items.n, 9);
        for (int i = 0; i < 9; i++)
                assert_int_equal(item_at(p, i)->kind, kinds[i]);
        ast_item *use = item_at(p, 0);
        assert_int_equal(use->names.n, 3);
        assert_string_equal(elem_at(&use->names, 0)->text, "base");
        assert_string_equal(elem_at(&use->names, 1)->text, "pypi");
        assert_string_equal(elem_at(&use->names, 2)->text, "org_invariants");
        assert_int_equal(elem_at(&use->names, 1)->where.line, EX_LINE_USE);
        assert_int_equal(elem_at(&use->names, 1)->where.col, 15);
        /* resolved: use -> fragments, within -> the policy */
        assert_ptr_equal(use->targets[1], fx_decl(&fx, "pypi"));
        ast_item *within = item_at(p, 1);
        assert_string_equal(elem_at(&within->names, 0)->text, "org_boundary");
        assert_ptr_equal(within->targets[0], fx_decl(&fx, "org_boundary"));
        ast_item *req = item_at(p, 2);
        assert_false(req->best_effort);
        assert_int_equal(req->abi.value, 4);
        ast_item *fs = item_at(p, 3);
        assert_int_equal(fs->where.line, EX_LINE_FS);
        assert_int_equal(fs->where.end_line, EX_LINE_FS + 5);
        ast_item *waive = item_at(p, 8);
        assert_string_equal(waive->finding, "interpreter-grant");
        assert_string_equal(waive->reason, "python3 calls the model API; reviewed by secteam");
        assert_int_equal(waive->where.line, EX_LINE_WAIVE);
        fx_free(&fx);
}

static void test_example_fs_section(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_item *fs = item_of(fx_decl(&fx, "coding_agent"), IT_FS);
        assert_int_equal(fs->rules.n, 4);
        ast_rule *rw = rule_at(fs, 0);
        assert_int_equal(rw->kind, R_FS);
        assert_false(rw->deny);
        assert_true(rw->rights_given);
        assert_int_equal(rw->rights, RIGHT_READ | RIGHT_WRITE);
        assert_int_equal(rw->elems.n, 2);
        assert_int_equal(elem_at(&rw->elems, 0)->kind, EL_PARAM);
        assert_string_equal(elem_at(&rw->elems, 0)->param, "WORKDIR");
        assert_string_equal(elem_at(&rw->elems, 1)->text, "/tmp");
        assert_int_equal(rw->rights_where.line, EX_LINE_FS_RW);
        assert_int_equal(rw->rights_where.col, 15);
        assert_int_equal(rw->rights_where.end_col, 25);
        ast_rule *rx = rule_at(fs, 1);
        assert_int_equal(rx->rights, RIGHT_READ | RIGHT_EXEC);
        ast_rule *env = rule_at(fs, 2);
        assert_true(env->deny);
        assert_false(env->rights_given);
        assert_int_equal(env->rights, RIGHT_ALL);
        assert_string_equal(elem_at(&env->elems, 0)->text, "/.env");
        assert_int_equal(env->where.line, EX_LINE_FS_ENV);
        ast_rule *hooks = rule_at(fs, 3);
        assert_true(hooks->deny);
        assert_true(hooks->rights_given);
        assert_int_equal(hooks->rights, RIGHT_WRITE);
        assert_string_equal(elem_at(&hooks->elems, 0)->text, "/.git/hooks");
        fx_free(&fx);
}

static void test_example_net_section(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_item *net = item_of(fx_decl(&fx, "coding_agent"), IT_NET);
        assert_int_equal(net->rules.n, 4);

        ast_rule *gh = rule_at(net, 0);
        assert_int_equal(gh->kind, R_NET);
        assert_int_equal(gh->op, NET_CONNECT);
        assert_false(gh->deny);
        assert_true(gh->has_block);
        assert_false(gh->children);
        assert_int_equal(gh->from.n, 1);
        assert_string_equal(elem_at(&gh->from, 0)->text, "/usr/bin/git");
        ast_elem *ep = elem_at(&gh->elems, 0);
        assert_int_equal(ep->ep->kind, HOST_NAME);
        assert_string_equal(ep->ep->host, "api.github.com");
        assert_int_equal(gh->l7.n, 2);
        ast_rule *get = gh->l7.items[0];
        assert_int_equal(get->kind, R_L7);
        assert_false(get->deny);
        assert_int_equal(get->methods.n, 2);
        assert_string_equal(elem_at(&get->methods, 0)->text, "GET");
        assert_string_equal(elem_at(&get->methods, 1)->text, "HEAD");
        assert_string_equal(elem_at(&get->elems, 0)->text, "/repos/**");
        assert_int_equal(get->where.line, EX_LINE_HTTP_ALLOW);
        ast_rule *act = gh->l7.items[1];
        assert_true(act->deny);
        assert_int_equal(act->methods.n, 1);
        assert_int_equal(elem_at(&act->methods, 0)->kind, EL_STAR);
        assert_string_equal(elem_at(&act->elems, 0)->text, "/repos/*/*/actions/**");

        ast_rule *llm = rule_at(net, 1);
        assert_false(llm->has_block);
        assert_int_equal(llm->elems.n, 1);
        assert_int_equal(elem_at(&llm->elems, 0)->kind, EL_SETREF);
        assert_string_equal(elem_at(&llm->elems, 0)->text, "llm_apis");
        assert_ptr_equal(elem_at(&llm->elems, 0)->set, fx_decl(&fx, "llm_apis"));
        assert_string_equal(elem_at(&llm->from, 0)->text, "/usr/bin/python3");

        ast_rule *meta = rule_at(net, 2);
        assert_true(meta->deny);
        assert_int_equal(meta->op, NET_CONNECT);
        ast_endpoint *m = elem_at(&meta->elems, 0)->ep;
        assert_int_equal(m->kind, HOST_IPV4);
        assert_string_equal(m->host, "169.254.0.0/16");
        assert_true(m->any_port);
        assert_int_equal(m->nports, 0);

        ast_rule *bind = rule_at(net, 3);
        assert_int_equal(bind->op, NET_BIND);
        ast_endpoint *b = elem_at(&bind->elems, 0)->ep;
        assert_int_equal(b->kind, HOST_IPV4);
        assert_string_equal(b->host, "127.0.0.1");
        assert_int_equal(b->nports, 1);
        assert_int_equal(b->ports[0].lo, 8000);
        assert_int_equal(b->ports[0].hi, 8010);
        assert_int_equal(b->port_where.line, EX_LINE_BIND);
        assert_int_equal(b->port_where.col, 30);
        assert_int_equal(b->port_where.end_col, 39);
        fx_free(&fx);
}

static void test_example_syscalls_section(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_item *sys = item_of(fx_decl(&fx, "coding_agent"), IT_SYSCALLS);
        assert_int_equal(sys->rules.n, 7);

        ast_rule *def = rule_at(sys, 0);
        assert_int_equal(def->kind, R_DEFAULT);
        assert_int_equal(def->action.kind, ACT_ERRNO);
        assert_false(def->action.errno_is_num);
        assert_string_equal(def->action.errno_name, "EPERM");
        assert_false(def->action.from_deny);

        ast_rule *svc = rule_at(sys, 1);
        assert_int_equal(svc->kind, R_SYSCALL);
        assert_int_equal(svc->action.kind, ACT_ALLOW);
        assert_int_equal(elem_at(&svc->elems, 0)->kind, EL_SETREF);
        assert_string_equal(elem_at(&svc->elems, 0)->text, "system-service");
        assert_null(svc->when);

        ast_rule *sock = rule_at(sys, 2);
        assert_non_null(sock->when);
        assert_int_equal(sock->when->kind, EX_IN);
        assert_false(sock->when->not_in);
        assert_string_equal(sock->when->arg, "domain");
        assert_int_equal(sock->when->set.n, 3);
        ast_value *v = sock->when->set.items[2];
        assert_int_equal(v->kind, VAL_CONST);
        assert_string_equal(v->name, "AF_INET6");
        assert_int_equal(sock->when->where.line, EX_LINE_SOCKET);
        assert_int_equal(sock->when->arg_where.col, 27);

        ast_rule *clone = rule_at(sys, 3);
        ast_expr *e = clone->when;
        assert_int_equal(e->kind, EX_CMP);
        assert_string_equal(e->arg, "flags");
        assert_non_null(e->mask);
        assert_int_equal(e->mask->kind, VAL_CONST);
        assert_string_equal(e->mask->name, "CLONE_NEWUSER");
        assert_int_equal(e->op, CMP_EQ);
        assert_int_equal(e->rhs->kind, VAL_NUM);
        assert_int_equal(e->rhs->num.value, 0);

        ast_rule *c3 = rule_at(sys, 4);
        assert_int_equal(c3->action.kind, ACT_ERRNO);
        assert_string_equal(c3->action.errno_name, "ENOSYS");
        assert_string_equal(elem_at(&c3->elems, 0)->text, "clone3");

        ast_rule *kill = rule_at(sys, 5);
        assert_int_equal(kill->action.kind, ACT_KILL);
        assert_int_equal(kill->elems.n, 3);
        assert_string_equal(elem_at(&kill->elems, 2)->text, "kexec_load");
        assert_int_equal(elem_at(&kill->elems, 2)->where.line, EX_LINE_KILL);
        assert_int_equal(elem_at(&kill->elems, 2)->where.col, 27);

        ast_rule *log = rule_at(sys, 6);
        assert_int_equal(log->action.kind, ACT_LOG);
        assert_string_equal(elem_at(&log->elems, 0)->text, "personality");
        fx_free(&fx);
}

static void test_example_limits_and_process(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_decl *p = fx_decl(&fx, "coding_agent");
        ast_item *lim = item_of(p, IT_LIMITS);
        limit_key keys[] = {LIM_MEMORY, LIM_SWAP, LIM_PIDS, LIM_CPU, LIM_FILES, LIM_WALLTIME};
        uint64_t values[] = {2147483648ull, 0, 256, 1, 4096, 7200000};
        assert_int_equal(lim->rules.n, 6);
        for (int i = 0; i < 6; i++) {
                ast_rule *r = rule_at(lim, i);
                assert_int_equal(r->kind, R_LIMIT);
                assert_int_equal(r->limit, keys[i]);
                assert_int_equal(r->num.value, values[i]);
        }
        assert_true(rule_at(lim, 3)->num.fvalue == 1.5);
        assert_int_equal(rule_at(lim, 5)->num.unit, UNIT_TIME);

        ast_item *proc = item_of(p, IT_PROCESS);
        assert_int_equal(proc->rules.n, 5);
        ast_rule *user = rule_at(proc, 0);
        assert_int_equal(user->proc, PROC_USER);
        assert_int_equal(user->num.value, 1000);
        assert_string_equal(user->str, "1000");
        assert_int_equal(rule_at(proc, 1)->proc, PROC_GROUP);
        ast_rule *caps = rule_at(proc, 2);
        assert_int_equal(caps->proc, PROC_CAPS);
        assert_true(caps->caps_none);
        assert_int_equal(caps->elems.n, 0);
        ast_rule *keep = rule_at(proc, 3);
        assert_int_equal(keep->proc, PROC_ENV_KEEP);
        assert_int_equal(keep->elems.n, 4);
        assert_string_equal(elem_at(&keep->elems, 3)->text, "TERM");
        ast_rule *set = rule_at(proc, 4);
        assert_int_equal(set->proc, PROC_ENV_SET);
        assert_string_equal(set->env_name, "PIP_NO_INPUT");
        assert_string_equal(set->str, "1");
        assert_true(set->str_quoted);
        fx_free(&fx);
}

static void test_example_fragments(void **state)
{
        fixture fx;
        fx_load(&fx, DESIGN_EXAMPLE);
        fx_expect_clean(&fx);
        ast_decl *pypi = fx_decl(&fx, "pypi");
        assert_int_equal(pypi->items.n, 1);
        ast_rule *r = rule_at(item_at(pypi, 0), 0);
        assert_int_equal(r->elems.n, 2);
        assert_string_equal(elem_at(&r->elems, 1)->ep->host, "files.pythonhosted.org");

        ast_decl *inv = fx_decl(&fx, "org_invariants");
        assert_int_equal(inv->items.n, 3);
        ast_item *a0 = item_at(inv, 0), *a1 = item_at(inv, 1), *a2 = item_at(inv, 2);
        assert_int_equal(a0->kind, IT_ASSERT);
        assert_int_equal(a0->akind, ASSERT_FS);
        assert_int_equal(a0->rights, RIGHT_READ);
        assert_int_equal(a0->elems.n, 2);
        assert_int_equal(elem_at(&a0->elems, 1)->kind, EL_PARAM);
        assert_string_equal(elem_at(&a0->elems, 1)->param, "HOME");
        assert_int_equal(a1->akind, ASSERT_CONNECT);
        assert_int_equal(a1->elems.n, 2);
        assert_string_equal(elem_at(&a1->elems, 1)->ep->host, "10.0.0.0/8");
        assert_true(elem_at(&a1->elems, 1)->ep->any_port);
        assert_int_equal(a2->akind, ASSERT_SYSCALL);
        assert_int_equal(a2->elems.n, 2);
        assert_string_equal(elem_at(&a2->elems, 1)->text, "bpf");
        assert_null(a2->when);
        fx_free(&fx);
}

/* Items the example does not show: params, best-effort, arch, assert
 * variants with `from` and `when`. */
static void test_other_items(void **state)
{
        fixture fx;
        fx_load(&fx, "param CACHE = /var/cache/agent;\n"
                     "param TOKEN_DIR;\n"
                     "policy p {\n"
                     "    requires landlock best-effort;\n"
                     "    arch x86_64, aarch64;\n"
                     "    assert never write, exec $CACHE;\n"
                     "    assert never connect 0.0.0.0/0:* from /usr/bin/curl;\n"
                     "    assert never syscall clone when flags & CLONE_NEWUSER != 0;\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_decl *cache = fx_decl(&fx, "CACHE");
        assert_int_equal(cache->kind, D_PARAM);
        assert_non_null(cache->def);
        assert_string_equal(cache->def->text, "/var/cache/agent");
        ast_decl *tok = fx_decl(&fx, "TOKEN_DIR");
        assert_null(tok->def);
        ast_decl *p = fx_decl(&fx, "p");
        ast_item *req = item_at(p, 0);
        assert_true(req->best_effort);
        ast_item *arch = item_at(p, 1);
        assert_int_equal(arch->kind, IT_ARCH);
        assert_string_equal(elem_at(&arch->names, 1)->text, "aarch64");
        ast_item *fs = item_at(p, 2);
        assert_int_equal(fs->rights, RIGHT_WRITE | RIGHT_EXEC);
        assert_string_equal(elem_at(&fs->elems, 0)->param, "CACHE");
        ast_item *conn = item_at(p, 3);
        assert_int_equal(conn->from.n, 1);
        assert_string_equal(elem_at(&conn->from, 0)->text, "/usr/bin/curl");
        ast_item *sys = item_at(p, 4);
        assert_non_null(sys->when);
        assert_int_equal(sys->when->op, CMP_NE);
        fx_free(&fx);
}

/* ---- error recovery ---- */

static void test_three_independent_errors(void **state)
{
        fixture fx;
        fx_load(&fx, "policy a {\n"
                     "    fs { allow read /a, ; allow read /b; }\n"
                     "    limits { memory 2GiB 3; pids 10; }\n"
                     "    process { user 1000; }\n"
                     "}\n"
                     "policy b {\n"
                     "    syscalls { default allow; allow socket when domain in AF_INET; }\n"
                     "    fs { allow read /c; }\n"
                     "}\n");
        assert_true(fx.root->parse_failed);
        assert_int_equal(fx_count(&fx, "syntax"), 3);
        assert_int_equal(fx.ctx.nerrors, 3);
        const diag *d1 = fx_expect_diag_at(&fx, "syntax", 2, 25);
        assert_non_null(strstr(d1->msg, "';'"));
        const diag *d2 = fx_expect_diag_at(&fx, "syntax", 3, 26);
        assert_non_null(strstr(d2->msg, "'3'"));
        const diag *d3 = fx_expect_diag_at(&fx, "syntax", 7, 59);
        assert_non_null(strstr(d3->msg, "AF_INET"));
        assert_non_null(strstr(d3->msg, "expected '{'"));
        /* what follows each error is still parsed */
        ast_decl *a = fx_decl(&fx, "a");
        assert_int_equal(a->items.n, 3);
        ast_item *fs = item_at(a, 0);
        assert_int_equal(fs->rules.n, 1);
        assert_string_equal(elem_at(&rule_at(fs, 0)->elems, 0)->text, "/b");
        ast_item *lim = item_at(a, 1);
        assert_int_equal(lim->rules.n, 1);
        assert_int_equal(rule_at(lim, 0)->limit, LIM_PIDS);
        assert_int_equal(item_at(a, 2)->kind, IT_PROCESS);
        ast_decl *b = fx_decl(&fx, "b");
        assert_int_equal(b->items.n, 2);
        assert_int_equal(item_at(b, 0)->rules.n, 1);
        fx_free(&fx);
}

static void test_errors_in_declarations_recover(void **state)
{
        fixture fx;
        fx_load(&fx, "set @s = { /a, };\n"
                     "set = ;\n"
                     "policy p { fs { allow read /x; } }\n"
                     "fragment { }\n"
                     "policy q { }\n");
        assert_int_equal(fx_count(&fx, "syntax"), 2);
        fx_expect_diag_at(&fx, "syntax", 2, 5);
        fx_expect_diag_at(&fx, "syntax", 4, 10);
        ast_decl *s = fx_decl(&fx, "s");
        assert_int_equal(s->elems.n, 1); /* a trailing comma is allowed in a set */
        fx_decl(&fx, "p");
        fx_decl(&fx, "q");
        fx_free(&fx);
}

static void test_unexpected_end_of_file(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p {\n  fs { allow read /a; }\n");
        assert_int_equal(fx_count(&fx, "syntax"), 1);
        const diag *d = fx_diag(&fx, "syntax");
        assert_non_null(strstr(d->msg, "end of file"));
        /* printed with the file name and position */
        const char *text = fx_text(&fx);
        assert_non_null(strstr(text, "test.osh:"));
        assert_non_null(strstr(text, "error[syntax]"));
        fx_free(&fx);
}

/* ---- net rules ---- */

static void test_from_and_children(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p {\n"
                     "  net {\n"
                     "    allow connect a.example.com:443 from /usr/bin/node, /usr/bin/npm "
                     "and children;\n"
                     "    allow connect b.example.com:443 from /usr/bin/git;\n"
                     "    allow connect c.example.com:443;\n"
                     "    deny connect d.example.com:443 from /usr/bin/curl and children;\n"
                     "  }\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_item *net = item_at(fx_decl(&fx, "p"), 0);
        ast_rule *a = rule_at(net, 0), *b = rule_at(net, 1), *c = rule_at(net, 2);
        ast_rule *d = rule_at(net, 3);
        assert_int_equal(a->from.n, 2);
        assert_string_equal(elem_at(&a->from, 1)->text, "/usr/bin/npm");
        assert_true(a->children);
        assert_int_equal(b->from.n, 1);
        assert_false(b->children);
        assert_int_equal(c->from.n, 0);
        assert_false(c->children);
        assert_true(d->deny);
        assert_true(d->children);
        fx_free(&fx);
}

static void test_port_sets_and_ranges(void **state)
{
        fixture fx;
        fx_load(&fx, "set @eps = { x.example.com:{80, 443}, 10.0.0.0/8:1..1023 };\n"
                     "policy p {\n"
                     "  net {\n"
                     "    allow connect a.example.com:{80, 443, 8000..8010};\n"
                     "    allow connect b.example.com:*, [fd00::]/8:443, localhost:8080;\n"
                     "    allow connect @eps;\n"
                     "  }\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_item *net = item_at(fx_decl(&fx, "p"), 0);
        ast_endpoint *a = elem_at(&rule_at(net, 0)->elems, 0)->ep;
        assert_false(a->any_port);
        assert_int_equal(a->nports, 3);
        assert_int_equal(a->ports[0].lo, 80);
        assert_int_equal(a->ports[0].hi, 80);
        assert_int_equal(a->ports[1].lo, 443);
        assert_int_equal(a->ports[2].lo, 8000);
        assert_int_equal(a->ports[2].hi, 8010);
        assert_int_equal(a->ports[2].where.col, 43);
        assert_int_equal(a->ports[2].where.end_col, 52);
        vec *e1 = &rule_at(net, 1)->elems;
        assert_int_equal(e1->n, 3);
        assert_true(elem_at(e1, 0)->ep->any_port);
        ast_endpoint *v6 = elem_at(e1, 1)->ep;
        assert_int_equal(v6->kind, HOST_IPV6);
        assert_string_equal(v6->host, "[fd00::]/8");
        assert_int_equal(v6->ports[0].lo, 443);
        ast_endpoint *lh = elem_at(e1, 2)->ep;
        assert_int_equal(lh->kind, HOST_NAME);
        assert_string_equal(lh->host, "localhost");
        assert_int_equal(lh->ports[0].lo, 8080);
        ast_decl *set = fx_decl(&fx, "eps");
        assert_int_equal(elem_at(&set->elems, 0)->ep->nports, 2);
        ast_endpoint *cidr = elem_at(&set->elems, 1)->ep;
        assert_int_equal(cidr->kind, HOST_IPV4);
        assert_int_equal(cidr->ports[0].lo, 1);
        assert_int_equal(cidr->ports[0].hi, 1023);
        fx_free(&fx);
}

static void test_l7_blocks(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p {\n"
                     "  net {\n"
                     "    allow connect api.example.com:443 {\n"
                     "      allow http GET, POST, PUT /v1/items/*, /v1/search;\n"
                     "      deny http DELETE \"/v1/items/admin\";\n"
                     "    }\n"
                     "    allow connect other.example.com:443 { }\n"
                     "  }\n"
                     "}\n");
        fx_expect_clean(&fx);
        ast_item *net = item_at(fx_decl(&fx, "p"), 0);
        ast_rule *r = rule_at(net, 0);
        assert_true(r->has_block);
        assert_int_equal(r->l7.n, 2);
        ast_rule *allow = r->l7.items[0];
        assert_int_equal(allow->methods.n, 3);
        assert_string_equal(elem_at(&allow->methods, 2)->text, "PUT");
        assert_int_equal(allow->elems.n, 2);
        assert_string_equal(elem_at(&allow->elems, 0)->text, "/v1/items/*");
        assert_string_equal(elem_at(&allow->elems, 1)->text, "/v1/search");
        ast_rule *deny = r->l7.items[1];
        assert_true(deny->deny);
        assert_true(elem_at(&deny->elems, 0)->quoted);
        assert_string_equal(elem_at(&deny->elems, 0)->text, "/v1/items/admin");
        ast_rule *empty = rule_at(net, 1);
        assert_true(empty->has_block);
        assert_int_equal(empty->l7.n, 0);
        fx_free(&fx);
}

/* ---- conditions ---- */

typedef struct cond_fx {
        fixture fx;
        ast_expr *e;
} cond_fx;

/* Parse `SYSCALL when EXPR` in an allow rule; the condition must check. */
static ast_expr *parse_cond(cond_fx *c, const char *syscall, const char *expr)
{
        char text[512];
        snprintf(text, sizeof(text),
                 "policy p {\n  syscalls {\n    default allow;\n    kill %s when %s;\n  }\n}\n",
                 syscall, expr);
        fx_load(&c->fx, text);
        fx_expect_clean(&c->fx);
        ast_item *sys = item_at(fx_decl(&c->fx, "p"), 0);
        c->e = rule_at(sys, 1)->when;
        assert_non_null(c->e);
        return c->e;
}

static void expect_cmp(ast_expr *e, const char *arg, cmp_op op, uint64_t value)
{
        assert_int_equal(e->kind, EX_CMP);
        assert_string_equal(e->arg, arg);
        assert_int_equal(e->op, op);
        assert_int_equal(e->rhs->kind, VAL_NUM);
        assert_int_equal(e->rhs->num.value, value);
}

static void test_and_binds_tighter_than_or(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "socket", "domain == 1 || type == 2 && protocol == 3");
        assert_int_equal(e->kind, EX_OR);
        expect_cmp(e->l, "domain", CMP_EQ, 1);
        assert_int_equal(e->r->kind, EX_AND);
        expect_cmp(e->r->l, "type", CMP_EQ, 2);
        expect_cmp(e->r->r, "protocol", CMP_EQ, 3);
        /* the whole condition's span runs from its first to its last token */
        assert_int_equal(e->where.col, 22);
        assert_int_equal(e->where.end_col, 62);
        fx_free(&c.fx);

        e = parse_cond(&c, "socket", "domain == 1 && type == 2 || protocol == 3");
        assert_int_equal(e->kind, EX_OR);
        assert_int_equal(e->l->kind, EX_AND);
        expect_cmp(e->r, "protocol", CMP_EQ, 3);
        fx_free(&c.fx);
}

static void test_or_and_are_left_associative(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "socket", "domain == 1 || domain == 2 || domain == 3");
        assert_int_equal(e->kind, EX_OR);
        assert_int_equal(e->l->kind, EX_OR);
        expect_cmp(e->l->l, "domain", CMP_EQ, 1);
        expect_cmp(e->r, "domain", CMP_EQ, 3);
        fx_free(&c.fx);

        e = parse_cond(&c, "socket", "domain > 1 && domain < 9 && type != 2");
        assert_int_equal(e->kind, EX_AND);
        assert_int_equal(e->l->kind, EX_AND);
        expect_cmp(e->l->l, "domain", CMP_GT, 1);
        expect_cmp(e->l->r, "domain", CMP_LT, 9);
        expect_cmp(e->r, "type", CMP_NE, 2);
        fx_free(&c.fx);
}

/* `!` binds tighter than && and ||: `!a == 1 && b` is (!(a == 1)) && b. */
static void test_not_binds_tightest(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "socket", "!domain == 1 && type == 2");
        assert_int_equal(e->kind, EX_AND);
        assert_int_equal(e->l->kind, EX_NOT);
        expect_cmp(e->l->l, "domain", CMP_EQ, 1);
        expect_cmp(e->r, "type", CMP_EQ, 2);
        fx_free(&c.fx);

        e = parse_cond(&c, "socket", "!(domain == 1 || type == 2) && protocol >= 3");
        assert_int_equal(e->kind, EX_AND);
        assert_int_equal(e->l->kind, EX_NOT);
        assert_int_equal(e->l->l->kind, EX_OR);
        expect_cmp(e->r, "protocol", CMP_GE, 3);
        fx_free(&c.fx);
}

static void test_parentheses(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "socket", "(domain == 1 || type == 2) && protocol <= 3");
        assert_int_equal(e->kind, EX_AND);
        assert_int_equal(e->l->kind, EX_OR);
        expect_cmp(e->r, "protocol", CMP_LE, 3);
        fx_free(&c.fx);
}

static void test_masks(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "clone", "flags & CLONE_NEWUSER == 0");
        assert_int_equal(e->kind, EX_CMP);
        assert_string_equal(e->mask->name, "CLONE_NEWUSER");
        assert_int_equal(e->op, CMP_EQ);
        assert_int_equal(e->rhs->num.value, 0);
        fx_free(&c.fx);

        e = parse_cond(&c, "clone", "flags & (CLONE_NEWUSER | CLONE_NEWNET) != 0 || flags == 0x11");
        assert_int_equal(e->kind, EX_OR);
        ast_expr *m = e->l;
        assert_int_equal(m->mask->kind, VAL_OR);
        assert_string_equal(m->mask->l->name, "CLONE_NEWUSER");
        assert_string_equal(m->mask->r->name, "CLONE_NEWNET");
        assert_int_equal(m->op, CMP_NE);
        expect_cmp(e->r, "flags", CMP_EQ, 0x11);
        assert_null(e->r->mask);
        fx_free(&c.fx);

        e = parse_cond(&c, "kill", "pid == -1");
        assert_true(e->rhs->num.negative);
        assert_int_equal(e->rhs->num.value, 1);
        fx_free(&c.fx);
}

static void test_in_and_not_in(void **state)
{
        cond_fx c;
        ast_expr *e = parse_cond(&c, "socket", "domain in { AF_UNIX, 2, AF_INET6 }");
        assert_int_equal(e->kind, EX_IN);
        assert_false(e->not_in);
        assert_int_equal(e->set.n, 3);
        assert_int_equal(((ast_value *)e->set.items[1])->kind, VAL_NUM);
        fx_free(&c.fx);

        e = parse_cond(&c, "socket", "domain not in { AF_UNIX } && type in { SOCK_STREAM }");
        assert_int_equal(e->kind, EX_AND);
        assert_int_equal(e->l->kind, EX_IN);
        assert_true(e->l->not_in);
        assert_int_equal(e->l->set.n, 1);
        assert_int_equal(e->r->kind, EX_IN);
        assert_false(e->r->not_in);
        fx_free(&c.fx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_example_declarations),
            cmocka_unit_test(test_example_policy_items),
            cmocka_unit_test(test_example_fs_section),
            cmocka_unit_test(test_example_net_section),
            cmocka_unit_test(test_example_syscalls_section),
            cmocka_unit_test(test_example_limits_and_process),
            cmocka_unit_test(test_example_fragments),
            cmocka_unit_test(test_other_items),
            cmocka_unit_test(test_three_independent_errors),
            cmocka_unit_test(test_errors_in_declarations_recover),
            cmocka_unit_test(test_unexpected_end_of_file),
            cmocka_unit_test(test_from_and_children),
            cmocka_unit_test(test_port_sets_and_ranges),
            cmocka_unit_test(test_l7_blocks),
            cmocka_unit_test(test_and_binds_tighter_than_or),
            cmocka_unit_test(test_or_and_are_left_associative),
            cmocka_unit_test(test_not_binds_tightest),
            cmocka_unit_test(test_parentheses),
            cmocka_unit_test(test_masks),
            cmocka_unit_test(test_in_and_not_in),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
