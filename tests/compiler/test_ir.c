/*
 * test_ir.c - unit tests for lowering (compiler/lower.c) and the IR's JSON
 * form (compiler/ir_json.c).
 *
 * The DESIGN example is lowered and its IR inspected rule by rule: sets
 * expanded, one path or one endpoint and port range per rule, `in` turned
 * into a disjunction of ==, values at the argument's width, limits scaled.
 * Then the composition rules documented at the top of lower.c, one test
 * each; `missing-default`; ir_select_policy; and ir_print_json, whose
 * output must be valid JSON (checked by a small strict parser here, and by
 * python3 -m json.tool when python3 is installed).
 *
 * Constants are written as the kernel's numbers (AF_INET6 = 10,
 * CLONE_NEWUSER = 0x10000000, ...), not through lang/sysargs.c, so these
 * tests do not share a mistake with the table.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include <ctype.h>
#include <seccomp.h>

enum {
        K_AF_UNIX = 1,
        K_AF_INET = 2,
        K_AF_INET6 = 10,
        K_EPERM = 1,
        K_EACCES = 13,
        K_ENOSYS = 38,
        K_TIOCSTI = 0x5412,
        K_TIOCLINUX = 0x541C,
};
#define K_CLONE_NEWUSER 0x10000000ull
#define K_CLONE_NEWNET 0x40000000ull

/* ---- helpers ---- */

static int count_fs_from(const ir_policy *p, const char *origin)
{
        int n = 0;
        for (int i = 0; i < p->nfs; i++)
                n += !strcmp(p->fs[i].origin, origin);
        return n;
}

static int count_net_from(const ir_policy *p, const char *origin)
{
        int n = 0;
        for (int i = 0; i < p->nnet; i++)
                n += !strcmp(p->net[i].origin, origin);
        return n;
}

/* The fs rule on `param`+`path` (param NULL for a literal path). */
static const ir_fs_rule *fs_rule(const ir_policy *p, const char *param, const char *path)
{
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *r = &p->fs[i];
                if ((param == NULL) != (r->path.param == NULL))
                        continue;
                if (param && strcmp(param, r->path.param))
                        continue;
                if (!strcmp(r->path.path, path))
                        return r;
        }
        fail_msg("no fs rule on %s%s", param ? param : "", path);
        return NULL;
}

static const ir_net_rule *net_rule_for(const ir_policy *p, const char *host, uint16_t lo)
{
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->ep.kind == IR_HOST_NAME && !strcmp(r->ep.host, host) && r->ep.port_lo == lo)
                        return r;
        }
        fail_msg("no net rule for %s:%u", host, lo);
        return NULL;
}

static const ir_syscall *sc(const ir_policy *p, const char *name)
{
        const ir_syscall *s = ir_find_syscall(p, name);
        if (!s)
                fail_msg("no syscall '%s' in the IR", name);
        return s;
}

/* The only rule of a syscall (asserting there is one). */
static const ir_sys_rule *only_rule(const ir_policy *p, const char *name)
{
        const ir_syscall *s = sc(p, name);
        assert_int_equal(s->nrules, 1);
        return &s->rules[0];
}

static void expect_cmp(const ir_cond *c, int arg, cmp_op op, uint64_t value, int width,
                       bool is_signed, uint64_t mask)
{
        assert_non_null(c);
        assert_int_equal(c->kind, COND_CMP);
        assert_int_equal(c->arg, arg);
        assert_int_equal(c->op, op);
        assert_int_equal(c->value, value);
        assert_int_equal(c->width, width);
        assert_int_equal(c->is_signed, is_signed);
        assert_int_equal(c->mask, mask);
}

/* The condition of the only rule of syscall `name` in a one-rule policy. */
static const ir_cond *cond_of(fixture *fx, const char *name, const char *rule)
{
        char text[512];
        snprintf(text, sizeof(text), "policy p { syscalls { default allow; %s } }\n", rule);
        ir_policy *p = fx_policy(fx, text, NULL);
        return only_rule(p, name)->cond;
}

/* ---- the DESIGN example ---- */

static void test_example_fs(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx, DESIGN_EXAMPLE, "coding_agent");
        assert_string_equal(p->name, "coding_agent");
        /* six paths in the policy's own four rules; base adds its own */
        assert_int_equal(count_fs_from(p, "coding_agent"), 6);
        assert_true(count_fs_from(p, "base") > 10);
        assert_int_equal(count_fs_from(p, "coding_agent") + count_fs_from(p, "base"), p->nfs);
        const ir_fs_rule *wd = fs_rule(p, "WORKDIR", "");
        assert_false(wd->deny);
        assert_int_equal(wd->rights, RIGHT_READ | RIGHT_WRITE);
        assert_int_equal(wd->where.line, EX_LINE_FS_RW);
        assert_int_equal(wd->where.col, 27);
        assert_int_equal(wd->rule_where.col, 9);
        const ir_fs_rule *tmp = fs_rule(p, NULL, "/tmp");
        assert_int_equal(tmp->rights, RIGHT_READ | RIGHT_WRITE);
        assert_int_equal(fs_rule(p, NULL, "/usr/bin/python3")->rights, RIGHT_READ | RIGHT_EXEC);
        const ir_fs_rule *env = fs_rule(p, "WORKDIR", "/.env");
        assert_true(env->deny);
        assert_int_equal(env->rights, RIGHT_ALL);
        const ir_fs_rule *hooks = fs_rule(p, "WORKDIR", "/.git/hooks");
        assert_true(hooks->deny);
        assert_int_equal(hooks->rights, RIGHT_WRITE);
        const ir_fs_rule *null = fs_rule(p, NULL, "/dev/null");
        assert_string_equal(null->origin, "base");
        fx_free(&fx);
}

static void test_example_net(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx, DESIGN_EXAMPLE, "coding_agent");
        assert_true(p->has_net);
        /* own: github, openai, anthropic (the set expanded), the deny, the bind */
        assert_int_equal(count_net_from(p, "coding_agent"), 5);
        assert_int_equal(count_net_from(p, "pypi"), 2);
        assert_int_equal(p->nnet, 7);

        const ir_net_rule *gh = net_rule_for(p, "api.github.com", 443);
        assert_int_equal(gh->op, NET_CONNECT);
        assert_false(gh->deny);
        assert_int_equal(gh->ep.port_hi, 443);
        assert_int_equal(gh->nbinaries, 1);
        assert_string_equal(gh->binaries[0], "/usr/bin/git");
        assert_false(gh->children);
        assert_int_equal(gh->nl7, 2);
        assert_false(gh->l7[0].deny);
        assert_int_equal(gh->l7[0].nmethods, 2);
        assert_string_equal(gh->l7[0].methods[0], "GET");
        assert_string_equal(gh->l7[0].methods[1], "HEAD");
        assert_string_equal(gh->l7[0].path, "/repos/**");
        assert_true(gh->l7[1].deny);
        assert_int_equal(gh->l7[1].nmethods, 0); /* `*`: any method */
        assert_string_equal(gh->l7[1].path, "/repos/*/*/actions/**");

        const ir_net_rule *oa = net_rule_for(p, "api.openai.com", 443);
        const ir_net_rule *an = net_rule_for(p, "api.anthropic.com", 443);
        assert_string_equal(oa->binaries[0], "/usr/bin/python3");
        assert_string_equal(an->binaries[0], "/usr/bin/python3");
        assert_int_equal(oa->nl7, 0);
        /* the rule's span is the endpoint inside the set */
        assert_int_equal(oa->where.line, EX_LINE_SET_LLM);
        assert_int_equal(oa->rule_where.line, EX_LINE_LLM);
        assert_string_equal(net_rule_for(p, "pypi.org", 443)->origin, "pypi");

        const ir_net_rule *meta = NULL, *bind = NULL;
        for (int i = 0; i < p->nnet; i++) {
                if (p->net[i].deny)
                        meta = &p->net[i];
                if (p->net[i].op == NET_BIND)
                        bind = &p->net[i];
        }
        assert_non_null(meta);
        assert_int_equal(meta->ep.kind, IR_HOST_IP);
        assert_true(meta->ep.is_v4);
        assert_int_equal(meta->ep.prefix, 96 + 16);
        static const uint8_t v4_169_254[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254};
        assert_memory_equal(meta->ep.addr, v4_169_254, 16);
        assert_int_equal(meta->ep.port_lo, 1);
        assert_int_equal(meta->ep.port_hi, 65535);
        assert_non_null(bind);
        assert_false(bind->deny);
        assert_int_equal(bind->ep.prefix, 128);
        assert_int_equal(bind->ep.addr[12], 127);
        assert_int_equal(bind->ep.addr[15], 1);
        assert_int_equal(bind->ep.port_lo, 8000);
        assert_int_equal(bind->ep.port_hi, 8010);
        fx_free(&fx);
}

static void test_example_syscalls(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx, DESIGN_EXAMPLE, "coding_agent");
        assert_true(p->has_syscalls);
        assert_int_equal(p->sys_default.kind, ACT_ERRNO);
        assert_int_equal(p->sys_default.errno_val, K_EPERM);
        assert_int_equal(p->sys_default_where.line, EX_LINE_DEFAULT);

        /* @system-service is expanded: many syscalls, each a real one on the
         * native arch, sorted by name, no set name left over */
        assert_true(p->nsyscalls > 100);
        for (int i = 0; i < p->nsyscalls; i++) {
                const ir_syscall *s = &p->syscalls[i];
                assert_true(s->name[0] != '@');
                assert_true(s->nrules >= 1);
                if (seccomp_syscall_resolve_name(s->name) < 0)
                        fail_msg("'%s' is not a syscall on this arch", s->name);
                if (i)
                        assert_true(strcmp(p->syscalls[i - 1].name, s->name) < 0);
        }
        /* read comes from @system-service twice: the policy's and base's */
        const ir_syscall *rd = sc(p, "read");
        assert_int_equal(rd->nrules, 2);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(rd->rules[i].action.kind, ACT_ALLOW);
                assert_null(rd->rules[i].cond);
        }
        assert_string_not_equal(rd->rules[0].origin, rd->rules[1].origin);

        const ir_sys_rule *sock = only_rule(p, "socket");
        assert_int_equal(sock->action.kind, ACT_ALLOW);
        const ir_cond *c = sock->cond;
        assert_int_equal(c->kind, COND_OR);
        assert_int_equal(c->l->kind, COND_OR);
        expect_cmp(c->l->l, 0, CMP_EQ, K_AF_UNIX, 32, true, 0xffffffff);
        expect_cmp(c->l->r, 0, CMP_EQ, K_AF_INET, 32, true, 0xffffffff);
        expect_cmp(c->r, 0, CMP_EQ, K_AF_INET6, 32, true, 0xffffffff);
        assert_string_equal(c->r->arg_name, "domain");

        const ir_sys_rule *clone = only_rule(p, "clone");
        expect_cmp(clone->cond, 0, CMP_EQ, 0, 64, false, K_CLONE_NEWUSER);
        assert_int_equal(clone->where.line, EX_LINE_CLONE);

        const ir_sys_rule *c3 = only_rule(p, "clone3");
        assert_int_equal(c3->action.kind, ACT_ERRNO);
        assert_int_equal(c3->action.errno_val, K_ENOSYS);
        assert_null(c3->cond);
        assert_int_equal(only_rule(p, "ptrace")->action.kind, ACT_KILL);
        assert_int_equal(only_rule(p, "bpf")->action.kind, ACT_KILL);
        assert_int_equal(only_rule(p, "kexec_load")->action.kind, ACT_KILL);
        assert_int_equal(only_rule(p, "personality")->action.kind, ACT_LOG);
        assert_int_equal(only_rule(p, "personality")->where.line, EX_LINE_PERSONALITY);

        /* ioctl: allowed by both @system-service rules, denied by base when
         * request is TIOCSTI or TIOCLINUX */
        const ir_syscall *io = sc(p, "ioctl");
        assert_int_equal(io->nrules, 3);
        int denies = 0;
        for (int i = 0; i < io->nrules; i++) {
                const ir_sys_rule *r = &io->rules[i];
                if (r->action.kind != ACT_ERRNO)
                        continue;
                denies++;
                assert_string_equal(r->origin, "base");
                assert_int_equal(r->action.errno_val, K_EPERM);
                assert_int_equal(r->cond->kind, COND_OR);
                expect_cmp(r->cond->l, 1, CMP_EQ, K_TIOCSTI, 32, false, 0xffffffff);
                expect_cmp(r->cond->r, 1, CMP_EQ, K_TIOCLINUX, 32, false, 0xffffffff);
        }
        assert_int_equal(denies, 1);
        fx_free(&fx);
}

static void test_example_settings(void **state)
{
        fixture fx;
        ir_program *prog = fx_lower(&fx, DESIGN_EXAMPLE);
        ir_policy *p = ir_find_policy(prog, "coding_agent");
        assert_non_null(p);
        assert_int_equal(p->nuses, 3);
        assert_string_equal(p->uses[0], "base");
        assert_string_equal(p->uses[1], "pypi");
        assert_string_equal(p->uses[2], "org_invariants");
        assert_int_equal(p->landlock_abi, 4);
        assert_false(p->landlock_best_effort);
        assert_int_equal(p->narches, 0);

        const ir_limits *l = &p->limits;
        assert_true(l->set[LIM_MEMORY] && l->set[LIM_SWAP] && l->set[LIM_PIDS]);
        assert_true(l->set[LIM_CPU] && l->set[LIM_FILES] && l->set[LIM_WALLTIME]);
        assert_false(l->set[LIM_CPUTIME] || l->set[LIM_FILESIZE] || l->set[LIM_IO_WEIGHT]);
        assert_int_equal(l->value[LIM_MEMORY], 2147483648ull);
        assert_int_equal(l->value[LIM_SWAP], 0);
        assert_int_equal(l->value[LIM_PIDS], 256);
        assert_int_equal(l->value[LIM_CPU], 1500);
        assert_int_equal(l->value[LIM_FILES], 4096);
        assert_int_equal(l->value[LIM_WALLTIME], 2 * 3600 * 1000);
        assert_int_equal(l->where[LIM_CPU].line, EX_LINE_LIMITS + 1);

        const ir_process *pr = &p->process;
        assert_string_equal(pr->user, "1000");
        assert_string_equal(pr->group, "1000");
        assert_true(pr->caps_set);
        assert_int_equal(pr->ncaps, 0);
        assert_int_equal(pr->nenv_keep, 4);
        assert_string_equal(pr->env_keep[0], "PATH");
        assert_string_equal(pr->env_keep[3], "TERM");
        assert_int_equal(pr->nenv_set, 1);
        assert_string_equal(pr->env_set[0].name, "PIP_NO_INPUT");
        assert_string_equal(pr->env_set[0].value, "1");
        assert_null(pr->hostname);

        assert_int_equal(p->nasserts, 3);
        assert_int_equal(p->asserts[0].kind, ASSERT_FS);
        assert_int_equal(p->asserts[0].npaths, 2);
        assert_string_equal(p->asserts[0].paths[1].param, "HOME");
        assert_string_equal(p->asserts[0].paths[1].path, "/.ssh");
        assert_int_equal(p->asserts[1].kind, ASSERT_CONNECT);
        assert_int_equal(p->asserts[1].nendpoints, 2);
        assert_int_equal(p->asserts[1].endpoints[1].prefix, 96 + 8);
        assert_int_equal(p->asserts[1].endpoints[1].port_hi, 65535);
        assert_int_equal(p->asserts[2].nsyscalls, 2);
        assert_string_equal(p->asserts[2].origin, "org_invariants");

        assert_int_equal(p->nwithin, 1);
        assert_ptr_equal(p->within[0].target, ir_find_policy(prog, "org_boundary"));
        assert_int_equal(p->nwaivers, 1);
        assert_string_equal(p->waivers[0].finding, "interpreter-grant");

        /* builtin parameters are listed first */
        assert_true(prog->nparams >= 2);
        assert_string_equal(prog->params[0].name, "WORKDIR");
        assert_true(prog->params[0].builtin);
        fx_free(&fx);
}

/* Every rule of a policy has its own id. */
static void test_rule_ids_are_unique(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx, DESIGN_EXAMPLE, "coding_agent");
        int n = 0, cap = 4096;
        int *ids = calloc((size_t)cap, sizeof(int));
        for (int i = 0; i < p->nfs; i++)
                ids[n++] = p->fs[i].id;
        for (int i = 0; i < p->nnet; i++) {
                ids[n++] = p->net[i].id;
                /* rules split from one AST rule share its http rules */
                if (i && p->net[i].l7 == p->net[i - 1].l7)
                        continue;
                for (int j = 0; j < p->net[i].nl7; j++)
                        ids[n++] = p->net[i].l7[j].id;
        }
        for (int i = 0; i < p->nsyscalls; i++)
                for (int j = 0; j < p->syscalls[i].nrules; j++) {
                        assert_true(n < cap);
                        ids[n++] = p->syscalls[i].rules[j].id;
                }
        for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                        if (ids[i] == ids[j])
                                fail_msg("rule id %d used twice", ids[i]);
        free(ids);
        fx_free(&fx);
}

/* ---- splitting and expansion ---- */

static void test_port_sets_split_into_ranges(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "set @more = { b.example.com:{22, 2222}, c.example.com:* };\n"
                                 "policy p { net {\n"
                                 "    allow connect a.example.com:{80, 443, 8000..8010};\n"
                                 "    allow connect @more, D.Example.COM:53;\n"
                                 "} }\n",
                                 NULL);
        assert_int_equal(p->nnet, 7);
        const ir_net_rule *r80 = net_rule_for(p, "a.example.com", 80);
        assert_int_equal(r80->ep.port_hi, 80);
        assert_int_equal(net_rule_for(p, "a.example.com", 443)->ep.port_hi, 443);
        const ir_net_rule *range = net_rule_for(p, "a.example.com", 8000);
        assert_int_equal(range->ep.port_hi, 8010);
        assert_int_equal(range->where.col, 19);
        assert_int_equal(net_rule_for(p, "b.example.com", 22)->ep.port_hi, 22);
        assert_int_equal(net_rule_for(p, "b.example.com", 2222)->ep.port_hi, 2222);
        assert_int_equal(net_rule_for(p, "c.example.com", 1)->ep.port_hi, 65535);
        /* host patterns are lowercased */
        assert_int_equal(net_rule_for(p, "d.example.com", 53)->ep.port_hi, 53);
        fx_free(&fx);
}

static void test_sets_are_expanded_everywhere(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "set @bins = { /usr/bin/git, $WORKDIR/bin/tool };\n"
                                 "set @all = { @bins, /usr/bin/node };\n"
                                 "set @calls = { getpid, getppid };\n"
                                 "set @more_calls = { @calls, gettid };\n"
                                 "policy p {\n"
                                 "    fs { allow exec @all; }\n"
                                 "    net { allow connect x.example.com:443 from @bins; }\n"
                                 "    syscalls { default allow; kill @more_calls; }\n"
                                 "    assert never exec @bins;\n"
                                 "}\n",
                                 NULL);
        assert_int_equal(p->nfs, 3);
        assert_int_equal(fs_rule(p, "WORKDIR", "/bin/tool")->rights, RIGHT_EXEC);
        fs_rule(p, NULL, "/usr/bin/node");
        assert_int_equal(p->net[0].nbinaries, 2);
        assert_string_equal(p->net[0].binaries[0], "/usr/bin/git");
        assert_string_equal(p->net[0].binaries[1], "$WORKDIR/bin/tool");
        assert_int_equal(p->nsyscalls, 3);
        assert_int_equal(only_rule(p, "gettid")->action.kind, ACT_KILL);
        assert_int_equal(only_rule(p, "getppid")->action.kind, ACT_KILL);
        assert_int_equal(p->asserts[0].npaths, 2);
        fx_free(&fx);
}

static void test_in_becomes_or_of_equalities(void **state)
{
        fixture fx;
        const ir_cond *c = cond_of(&fx, "socket", "deny socket when domain in { AF_UNIX, 2 };");
        assert_int_equal(c->kind, COND_OR);
        expect_cmp(c->l, 0, CMP_EQ, K_AF_UNIX, 32, true, 0xffffffff);
        expect_cmp(c->r, 0, CMP_EQ, K_AF_INET, 32, true, 0xffffffff);
        fx_free(&fx);

        c = cond_of(&fx, "socket", "deny socket when domain not in { 1, 2, 10 };");
        assert_int_equal(c->kind, COND_AND);
        assert_int_equal(c->l->kind, COND_AND);
        expect_cmp(c->l->l, 0, CMP_NE, 1, 32, true, 0xffffffff);
        expect_cmp(c->l->r, 0, CMP_NE, 2, 32, true, 0xffffffff);
        expect_cmp(c->r, 0, CMP_NE, 10, 32, true, 0xffffffff);
        fx_free(&fx);

        c = cond_of(&fx, "socket", "deny socket when domain in { 10 };");
        expect_cmp(c, 0, CMP_EQ, 10, 32, true, 0xffffffff);
        fx_free(&fx);

        c = cond_of(&fx, "socket", "deny socket when !(type == 1 || protocol != 6);");
        assert_int_equal(c->kind, COND_NOT);
        assert_int_equal(c->l->kind, COND_OR);
        expect_cmp(c->l->l, 1, CMP_EQ, 1, 32, true, 0xffffffff);
        expect_cmp(c->l->r, 2, CMP_NE, 6, 32, true, 0xffffffff);
        fx_free(&fx);
}

static void test_values_are_truncated_to_the_width(void **state)
{
        fixture fx;
        /* a negative value on a 32-bit argument is its low 32 bits */
        const ir_cond *c = cond_of(&fx, "kill", "deny kill when pid == -1;");
        expect_cmp(c, 0, CMP_EQ, 0xffffffffull, 32, true, 0xffffffff);
        fx_free(&fx);
        c = cond_of(&fx, "kill", "deny kill when sig < -0x80000000;");
        expect_cmp(c, 1, CMP_LT, 0x80000000ull, 32, true, 0xffffffff);
        fx_free(&fx);
        /* a negative constant too: AT_FDCWD is -100 */
        c = cond_of(&fx, "openat", "deny openat when dirfd == AT_FDCWD;");
        expect_cmp(c, 0, CMP_EQ, 0xffffff9cull, 32, true, 0xffffffff);
        fx_free(&fx);
        /* on a 64-bit signed argument the value keeps 64 bits */
        c = cond_of(&fx, "mmap", "deny mmap when offset == -1;");
        expect_cmp(c, 5, CMP_EQ, UINT64_MAX, 64, true, UINT64_MAX);
        fx_free(&fx);
        /* the largest 32-bit value stays as it is */
        c = cond_of(&fx, "ioctl", "deny ioctl when request >= 0xffffffff;");
        expect_cmp(c, 1, CMP_GE, 0xffffffffull, 32, false, 0xffffffff);
        fx_free(&fx);
        /* positional arguments of a syscall the table does not know: 64-bit */
        c = cond_of(&fx, "getpid", "deny getpid when arg3 == 7;");
        expect_cmp(c, 3, CMP_EQ, 7, 64, false, UINT64_MAX);
        fx_free(&fx);
}

static void test_masks(void **state)
{
        fixture fx;
        const ir_cond *c = cond_of(&fx, "clone", "allow clone when flags & CLONE_NEWUSER == 0;");
        expect_cmp(c, 0, CMP_EQ, 0, 64, false, K_CLONE_NEWUSER);
        fx_free(&fx);
        c = cond_of(&fx, "clone",
                    "allow clone when flags & (CLONE_NEWUSER | CLONE_NEWNET) != 0x40000000;");
        expect_cmp(c, 0, CMP_NE, K_CLONE_NEWNET, 64, false, K_CLONE_NEWUSER | K_CLONE_NEWNET);
        fx_free(&fx);
        c = cond_of(&fx, "unshare", "deny unshare when flags & CLONE_NEWUSER != 0;");
        expect_cmp(c, 0, CMP_NE, 0, 64, false, K_CLONE_NEWUSER);
        fx_free(&fx);
}

static void test_limits_are_scaled(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "policy p { limits { memory 1.5GiB; swap 512MiB; cpu 150%; "
                                 "cputime 90s; filesize 1T; walltime 500ms; io weight 200; } }\n",
                                 NULL);
        const ir_limits *l = &p->limits;
        assert_int_equal(l->value[LIM_MEMORY], 1610612736ull);
        assert_int_equal(l->value[LIM_SWAP], 512ull << 20);
        assert_int_equal(l->value[LIM_CPU], 1500);
        assert_int_equal(l->value[LIM_CPUTIME], 90000);
        assert_int_equal(l->value[LIM_FILESIZE], 1ull << 40);
        assert_int_equal(l->value[LIM_WALLTIME], 500);
        assert_int_equal(l->value[LIM_IO_WEIGHT], 200);
        fx_free(&fx);

        const char *cpus[][2] = {{"1.5", "1500"}, {"150%", "1500"}, {"0.25", "250"},
                                 {"2", "2000"},   {"12.5%", "125"}, {"0.001", "1"}};
        for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
                char text[128];
                snprintf(text, sizeof(text), "policy p { limits { cpu %s; } }\n", cpus[i][0]);
                p = fx_policy(&fx, text, NULL);
                if (p->limits.value[LIM_CPU] != strtoull(cpus[i][1], NULL, 10))
                        fail_msg("cpu %s: %llu millicores, expected %s", cpus[i][0],
                                 (unsigned long long)p->limits.value[LIM_CPU], cpus[i][1]);
                fx_free(&fx);
        }
}

/* ---- composition (the rules at the top of lower.c) ---- */

static void test_smallest_limit_wins(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { limits { memory 1GiB; pids 500; } }\n"
                                 "fragment b { limits { memory 2GiB; pids 100; walltime 1h; } }\n"
                                 "policy p {\n"
                                 "    use a, b;\n"
                                 "    limits { memory 4GiB; pids 200; }\n"
                                 "}\n",
                                 NULL);
        assert_int_equal(p->limits.value[LIM_MEMORY], 1ull << 30);
        assert_int_equal(p->limits.where[LIM_MEMORY].line, 1);
        assert_int_equal(p->limits.value[LIM_PIDS], 100);
        assert_int_equal(p->limits.where[LIM_PIDS].line, 2);
        assert_true(p->limits.set[LIM_WALLTIME]);
        assert_int_equal(p->limits.value[LIM_WALLTIME], 3600000);
        assert_false(p->limits.set[LIM_CPU]);
        fx_free(&fx);
}

/* The composed default is the strictest of the policy's and its fragments':
 * a policy cannot loosen a fragment's default. */
static void test_default_is_the_strictest_of_all(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { syscalls { default kill; allow getpid; } }\n"
                                 "policy p { use a; syscalls { default allow; } }\n",
                                 NULL);
        assert_int_equal(p->sys_default.kind, ACT_KILL);
        assert_int_equal(p->sys_default_where.line, 1);
        fx_free(&fx);

        p = fx_policy(&fx,
                      "fragment a { syscalls { default log; } }\n"
                      "policy p { use a; syscalls { default errno(EPERM); allow getpid; } }\n",
                      NULL);
        assert_int_equal(p->sys_default.kind, ACT_ERRNO);
        assert_int_equal(p->sys_default.errno_val, K_EPERM);
        assert_int_equal(p->sys_default_where.line, 2);
        fx_free(&fx);
}

static void test_strictest_fragment_default_wins(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { syscalls { default errno(EPERM); } }\n"
                                 "fragment b { syscalls { default kill; } }\n"
                                 "fragment c { syscalls { default log; } }\n"
                                 "policy p { use a, b, c; syscalls { allow getpid; } }\n",
                                 NULL);
        assert_int_equal(p->sys_default.kind, ACT_KILL);
        assert_int_equal(p->sys_default_where.line, 2);
        fx_free(&fx);
}

/* Between two errno defaults the lower errno wins, and the default's span
 * points at the default that won. */
static void test_strictest_fragment_errno_default(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { syscalls { default errno(EACCES); } }\n"
                                 "fragment b { syscalls { default errno(EPERM); } }\n"
                                 "policy p { use a, b; syscalls { allow getpid; } }\n",
                                 NULL);
        assert_int_equal(p->sys_default.kind, ACT_ERRNO);
        assert_int_equal(p->sys_default.errno_val, K_EPERM);
        assert_int_equal(p->sys_default_where.line, 2);
        fx_free(&fx);

        p = fx_policy(&fx,
                      "fragment a { syscalls { default errno(EPERM); } }\n"
                      "fragment b { syscalls { default errno(EACCES); } }\n"
                      "policy p { use a, b; syscalls { allow getpid; } }\n",
                      NULL);
        assert_int_equal(p->sys_default.errno_val, K_EPERM);
        assert_int_equal(p->sys_default_where.line, 1);
        fx_free(&fx);
}

static void test_conflicting_fragment_settings(void **state)
{
        fixture fx;
        fx_load(&fx, "fragment a { process { user 1000; hostname box; } }\n"
                     "fragment b { process { user 2000; hostname box; } }\n"
                     "policy p { use a, b; }\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        assert_int_equal(fx.ctx.nerrors, 1);
        const diag *d = fx_expect_diag_at(&fx, "setting-conflict", 2, 24);
        assert_non_null(strstr(d->msg, "'a' and 'b'"));
        assert_non_null(strstr(d->msg, "policy 'p'"));
        assert_int_equal(d->nnotes, 1);
        assert_int_equal(d->notes[0].where.line, 1);
        fx_free(&fx);

        /* env set conflicts the same way; agreeing caps are fine */
        fx_load(&fx, "fragment a { process { env set MODE = \"fast\"; caps none; } }\n"
                     "fragment b { process { env set MODE = \"slow\"; caps none; } }\n"
                     "policy p { use a, b; }\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        assert_int_equal(fx_count(&fx, "setting-conflict"), 1);
        fx_expect_diag_at(&fx, "setting-conflict", 2, 24);
        fx_free(&fx);
}

static bool has_cap(const ir_process *pr, const char *cap)
{
        for (int i = 0; i < pr->ncaps; i++)
                if (!strcmp(pr->caps[i], cap))
                        return true;
        return false;
}

/* caps compose to the intersection of every declaration that sets them. */
static void test_caps_are_intersected(void **state)
{
        fixture fx;
        ir_policy *p =
            fx_policy(&fx,
                      "fragment a { process { caps CAP_CHOWN, CAP_KILL, CAP_NET_RAW; } }\n"
                      "fragment b { process { caps CAP_KILL, CAP_NET_RAW, CAP_SETUID; } }\n"
                      "policy p { use a, b; process { caps CAP_NET_RAW, CAP_KILL, "
                      "CAP_SYS_ADMIN; } }\n",
                      NULL);
        assert_true(p->process.caps_set);
        assert_int_equal(p->process.ncaps, 2);
        assert_true(has_cap(&p->process, "CAP_KILL"));
        assert_true(has_cap(&p->process, "CAP_NET_RAW"));
        fx_free(&fx);

        /* a fragment's `caps none` cannot be widened by the policy */
        p = fx_policy(&fx,
                      "fragment a { process { caps none; } }\n"
                      "policy p { use a; process { caps CAP_NET_RAW; } }\n",
                      NULL);
        assert_true(p->process.caps_set);
        assert_int_equal(p->process.ncaps, 0);
        fx_free(&fx);

        /* one setter: its list; nobody: unset */
        p = fx_policy(&fx, "fragment a { process { caps CAP_CHOWN; } }\npolicy p { use a; }\n",
                      NULL);
        assert_int_equal(p->process.ncaps, 1);
        assert_string_equal(p->process.caps[0], "CAP_CHOWN");
        fx_free(&fx);
        p = fx_policy(&fx, "policy p { }\n", NULL);
        assert_false(p->process.caps_set);
        fx_free(&fx);
}

static void test_policy_setting_overrides_fragments(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { process { user 1000; caps CAP_CHOWN; "
                                 "env set MODE = \"a\"; } }\n"
                                 "fragment b { process { user 2000; caps none; "
                                 "env set MODE = \"b\"; group 7; } }\n"
                                 "policy p { use a, b; process { user agent; caps none; "
                                 "env set MODE = \"p\"; } }\n",
                                 NULL);
        assert_string_equal(p->process.user, "agent");
        assert_int_equal(p->process.user_where.line, 3);
        assert_true(p->process.caps_set);
        assert_int_equal(p->process.ncaps, 0);
        assert_int_equal(p->process.nenv_set, 1);
        assert_string_equal(p->process.env_set[0].value, "p");
        /* what the policy leaves open comes from the fragment */
        assert_string_equal(p->process.group, "7");
        fx_free(&fx);
}

static void test_agreeing_fragments_are_fine(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { process { user 1000; caps CAP_CHOWN; } }\n"
                                 "fragment b { process { user 1000; caps CAP_CHOWN; } }\n"
                                 "policy p { use a, b; }\n",
                                 NULL);
        assert_string_equal(p->process.user, "1000");
        assert_int_equal(p->process.ncaps, 1);
        assert_string_equal(p->process.caps[0], "CAP_CHOWN");
        fx_free(&fx);
}

/* Numeric user and group ids reach the IR as the number, in decimal,
 * however they were written: the launcher reads "1000", not "0x3e8". */
static void test_numeric_ids_are_canonical(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx, "policy p { process { user 0x3e8; group 0100; } }\n", NULL);
        assert_string_equal(p->process.user, "1000");
        assert_string_equal(p->process.group, "100");
        fx_free(&fx);
}

static void test_env_keep_is_a_union(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { process { env keep B, C; } }\n"
                                 "fragment b { process { env keep D, A; } }\n"
                                 "policy p { use a, b; process { env keep A, B; } }\n",
                                 NULL);
        const char *want[] = {"A", "B", "C", "D"};
        assert_int_equal(p->process.nenv_keep, 4);
        for (int i = 0; i < 4; i++)
                assert_string_equal(p->process.env_keep[i], want[i]);
        fx_free(&fx);
}

static void test_landlock_abi_is_the_highest(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment a { requires landlock 5; }\n"
                                 "fragment b { requires landlock 3; }\n"
                                 "policy p { use a, b; requires landlock 2; }\n",
                                 NULL);
        assert_int_equal(p->landlock_abi, 5);
        assert_false(p->landlock_best_effort);
        fx_free(&fx);

        p = fx_policy(&fx,
                      "fragment a { requires landlock 3; }\n"
                      "policy p { use a; requires landlock best-effort; }\n",
                      NULL);
        assert_int_equal(p->landlock_abi, 3);
        assert_true(p->landlock_best_effort);
        fx_free(&fx);
}

static void test_best_effort_only_from_the_policy(void **state)
{
        fixture fx;
        fx_load(&fx, "fragment lax {\n    requires landlock best-effort;\n}\n"
                     "policy p { use lax; }\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        const diag *d = fx_expect_diag_at(&fx, "best-effort-fragment", 2, 5);
        assert_non_null(strstr(d->msg, "only a policy"));
        fx_free(&fx);
}

/* Each fragment once, however many paths lead to it; uses depth first. */
static void test_fragments_are_composed_once(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "fragment c { fs { allow read /c; } syscalls { kill bpf; } }\n"
                                 "fragment a { use c; fs { allow read /a; } }\n"
                                 "fragment b { use c; fs { allow read /b; } }\n"
                                 "policy p { use a, b; syscalls { default allow; } }\n",
                                 NULL);
        assert_int_equal(p->nuses, 3);
        assert_string_equal(p->uses[0], "a");
        assert_string_equal(p->uses[1], "c");
        assert_string_equal(p->uses[2], "b");
        assert_int_equal(p->nfs, 3);
        assert_string_equal(fs_rule(p, NULL, "/c")->origin, "c");
        assert_int_equal(sc(p, "bpf")->nrules, 1);
        fx_free(&fx);
}

static void test_arches_union_and_set_members_skipped(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "set @calls = { open, openat };\n"
                                 "fragment f { arch aarch64; syscalls { allow @calls; } }\n"
                                 "policy p { use f; arch aarch64; syscalls { default kill; } }\n",
                                 NULL);
        assert_int_equal(p->narches, 1);
        assert_string_equal(p->arches[0], "aarch64");
        /* open does not exist on aarch64: skipped when it comes from a set */
        assert_null(ir_find_syscall(p, "open"));
        assert_non_null(ir_find_syscall(p, "openat"));
        fx_free(&fx);

        p = fx_policy(&fx,
                      "fragment f { arch aarch64; }\n"
                      "policy p { use f; arch x86_64; syscalls { default kill; } }\n",
                      NULL);
        assert_int_equal(p->narches, 2);
        fx_free(&fx);
}

/* A syscall named directly must exist on every arch of the policy, even
 * when the fragment naming it was checked for another arch. */
static void test_direct_name_missing_on_policy_arch(void **state)
{
        fixture fx;
        fx_load(&fx, "fragment f { syscalls { allow open; } }\n"
                     "policy p { use f; arch aarch64; syscalls { default kill; } }\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        const diag *d = fx_expect_diag_at(&fx, "unknown-syscall", 1, 31);
        assert_non_null(strstr(d->msg, "aarch64"));
        fx_free(&fx);
}

/* ---- missing-default ---- */

static void test_missing_default(void **state)
{
        fixture fx;
        fx_load(&fx, "policy strict {\n    syscalls { kill bpf; }\n}\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        const diag *d = fx_expect_diag_at(&fx, "missing-default", 1, 8);
        assert_non_null(strstr(d->msg, "'strict'"));
        fx_free(&fx);

        /* base has syscall rules and no default: its user must give one */
        fx_load(&fx, "import \"std/base.osh\";\npolicy p { use base; }\n");
        fx_expect_clean(&fx);
        assert_null(ir_lower(&fx.ctx));
        fx_expect_diag_at(&fx, "missing-default", 2, 8);
        fx_free(&fx);

        /* a fragment's default is enough; so is a section with only a default */
        ir_policy *p = fx_policy(&fx,
                                 "fragment d { syscalls { default errno(EPERM); } }\n"
                                 "policy p { use d; syscalls { kill bpf; } }\n",
                                 NULL);
        assert_int_equal(p->sys_default.kind, ACT_ERRNO);
        fx_free(&fx);
        p = fx_policy(&fx, "policy p { syscalls { default kill; } }\n", NULL);
        assert_true(p->has_syscalls);
        assert_int_equal(p->nsyscalls, 0);
        fx_free(&fx);
        /* no syscalls section at all: no filter, and no error */
        p = fx_policy(&fx, "policy p { fs { allow read /; } }\n", NULL);
        assert_false(p->has_syscalls);
        assert_false(p->has_net);
        fx_free(&fx);
}

/* ---- choosing the policy ---- */

static void test_select_policy(void **state)
{
        fixture fx;
        ir_program *prog = fx_lower(&fx, "fragment f { }\npolicy only { use f; }\n");
        ir_policy *p = ir_select_policy(prog, NULL);
        assert_non_null(p);
        assert_string_equal(p->name, "only");
        assert_ptr_equal(ir_select_policy(prog, "only"), p);
        assert_int_equal(fx.ctx.nerrors, 0);
        assert_null(ir_select_policy(prog, "other"));
        const diag *d = fx_diag(&fx, "no-policy");
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "no policy named 'other'"));
        fx_free(&fx);

        prog = fx_lower(&fx, "fragment f { }\nset @s = { /a };\n");
        assert_int_equal(prog->npolicies, 0);
        assert_null(ir_select_policy(prog, NULL));
        d = fx_diag(&fx, "no-policy");
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "defines no policy"));
        fx_free(&fx);

        prog = fx_lower(&fx, "policy a { }\npolicy b { }\npolicy c { }\n");
        assert_int_equal(prog->npolicies, 3);
        assert_null(ir_select_policy(prog, NULL));
        d = fx_diag(&fx, "no-policy");
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "defines 3 policies"));
        assert_non_null(strstr(d->msg, "--policy"));
        assert_non_null(strstr(d->msg, "'a'"));
        assert_string_equal(ir_select_policy(prog, "b")->name, "b");
        fx_free(&fx);
}

/* Only the root file's policies count when no name is given. */
static void test_select_policy_ignores_imported_policies(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "lib.osh", "policy boundary { fs { allow read /; } }\n");
        const char *root =
            tmpdir_write(&t, "root.osh",
                         "import \"lib.osh\";\n"
                         "policy agent { within boundary; fs { allow read /a; } }\n");
        fixture fx;
        fx_load_file(&fx, root);
        fx_expect_clean(&fx);
        ir_program *prog = ir_lower(&fx.ctx);
        assert_non_null(prog);
        assert_int_equal(prog->npolicies, 2);
        ir_policy *p = ir_select_policy(prog, NULL);
        assert_non_null(p);
        assert_string_equal(p->name, "agent");
        assert_ptr_equal(p->within[0].target, ir_find_policy(prog, "boundary"));
        fx_free(&fx);
        tmpdir_remove(&t);
}

/* ---- JSON ---- */

/* A strict JSON syntax check (RFC 8259): returns the end of the value at
 * s, or NULL. */
static const char *json_ws(const char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        return s;
}

static const char *json_value(const char *s, int depth);

static const char *json_string(const char *s)
{
        if (*s++ != '"')
                return NULL;
        while (*s != '"') {
                unsigned char ch = (unsigned char)*s;
                if (ch < 0x20)
                        return NULL;
                if (ch == '\\') {
                        s++;
                        if (*s == 'u') {
                                for (int i = 1; i <= 4; i++)
                                        if (!isxdigit((unsigned char)s[i]))
                                                return NULL;
                                s += 4;
                        } else if (!strchr("\"\\/bfnrt", *s) || !*s) {
                                return NULL;
                        }
                }
                s++;
        }
        return s + 1;
}

static const char *json_number(const char *s)
{
        if (*s == '-')
                s++;
        if (*s == '0')
                s++;
        else if (isdigit((unsigned char)*s))
                while (isdigit((unsigned char)*s))
                        s++;
        else
                return NULL;
        if (*s == '.') {
                s++;
                if (!isdigit((unsigned char)*s))
                        return NULL;
                while (isdigit((unsigned char)*s))
                        s++;
        }
        if (*s == 'e' || *s == 'E') {
                s++;
                if (*s == '+' || *s == '-')
                        s++;
                if (!isdigit((unsigned char)*s))
                        return NULL;
                while (isdigit((unsigned char)*s))
                        s++;
        }
        return s;
}

static const char *json_seq(const char *s, char close, bool object, int depth)
{
        s = json_ws(s + 1);
        if (*s == close)
                return s + 1;
        for (;;) {
                if (object) {
                        s = json_string(json_ws(s));
                        if (!s)
                                return NULL;
                        s = json_ws(s);
                        if (*s++ != ':')
                                return NULL;
                }
                s = json_value(s, depth + 1);
                if (!s)
                        return NULL;
                s = json_ws(s);
                if (*s == close)
                        return s + 1;
                if (*s++ != ',')
                        return NULL;
        }
}

static const char *json_value(const char *s, int depth)
{
        if (depth > 64)
                return NULL;
        s = json_ws(s);
        switch (*s) {
        case '{':
                return json_seq(s, '}', true, depth);
        case '[':
                return json_seq(s, ']', false, depth);
        case '"':
                return json_string(s);
        case 't':
                return strncmp(s, "true", 4) ? NULL : s + 4;
        case 'f':
                return strncmp(s, "false", 5) ? NULL : s + 5;
        case 'n':
                return strncmp(s, "null", 4) ? NULL : s + 4;
        default:
                return json_number(s);
        }
}

static bool json_valid(const char *s)
{
        const char *end = json_value(s, 0);
        return end && *json_ws(end) == 0;
}

static void test_json_checker_itself(void **state)
{
        assert_true(json_valid("{\"a\":[1,-2.5e3,true,false,null,\"x\\n\\u00e9\"],\"b\":{}}"));
        assert_false(json_valid("{\"a\":1,}"));
        assert_false(json_valid("[1,2"));
        assert_false(json_valid("{\"a\" 1}"));
        assert_false(json_valid("\"tab\there\""));
        assert_false(json_valid("[01]"));
        assert_false(json_valid("{} {}"));
}

static char *ir_json(fixture *fx, ir_policy *pol)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        assert_non_null(m);
        ir_print_json(m, fx->prog, pol);
        assert_int_equal(fclose(m), 0);
        return buf;
}

/* python3's json module agrees, when python3 is there. */
static void python_agrees(const char *json)
{
        if (system("command -v python3 >/dev/null 2>&1") != 0) {
                print_message("python3 not found; skipping json.tool\n");
                return;
        }
        FILE *p = popen("python3 -m json.tool >/dev/null", "w");
        assert_non_null(p);
        fputs(json, p);
        int status = pclose(p);
        assert_int_equal(status, 0);
}

static void test_ir_json_is_valid(void **state)
{
        fixture fx;
        ir_policy *pol = fx_policy(&fx, DESIGN_EXAMPLE, "coding_agent");
        char *json = ir_json(&fx, pol);
        if (!json_valid(json))
                fail_msg("not valid JSON:\n%.2000s", json);
        python_agrees(json);
        assert_non_null(strstr(json, "\"ir_version\":1"));
        assert_non_null(strstr(json, "\"name\":\"coding_agent\""));
        assert_null(strstr(json, "\"name\":\"org_boundary\""));
        assert_non_null(strstr(json, "\"memory_bytes\":2147483648"));
        assert_non_null(strstr(json, "\"cpu_millicores\":1500"));
        assert_non_null(strstr(json, "\"walltime_ms\":7200000"));
        assert_non_null(strstr(json, "\"mask\":\"0x10000000\""));
        assert_non_null(strstr(json, "\"default\":\"errno(EPERM)\""));
        assert_non_null(strstr(json, "\"action\":\"errno(ENOSYS)\""));
        assert_non_null(strstr(json, "\"address\":\"169.254.0.0/16\""));
        assert_non_null(strstr(json, "\"ports\":[8000,8010]"));
        assert_non_null(strstr(json, "\"methods\":[\"GET\",\"HEAD\"]"));
        assert_non_null(strstr(json, "\"param\":\"WORKDIR\",\"path\":\"/.env\""));
        assert_non_null(strstr(json, "\"PIP_NO_INPUT\":\"1\""));
        assert_non_null(strstr(json, "\"uses\":[\"base\",\"pypi\",\"org_invariants\"]"));
        assert_non_null(strstr(json, "\"no_new_privs\":true"));
        free(json);

        /* every policy when none is chosen */
        json = ir_json(&fx, NULL);
        assert_true(json_valid(json));
        assert_non_null(strstr(json, "\"name\":\"org_boundary\""));
        free(json);
        fx_free(&fx);
}

/* Strings from the policy are escaped; 64-bit values stay exact. */
static void test_ir_json_escapes_and_exact_values(void **state)
{
        fixture fx;
        ir_policy *pol = fx_policy(&fx,
                                   "policy p {\n"
                                   "    fs { allow read \"/srv/a \\\"b\\\"\\\\c\"; }\n"
                                   "    syscalls { default allow; deny clone when flags == "
                                   "0xfedcba9876543210; }\n"
                                   "    process { env set Q = \"line1\\nline2\\t\\\"q\\\"\"; }\n"
                                   "    waive wx-path \"back\\\\slash\";\n"
                                   "}\n",
                                   NULL);
        char *json = ir_json(&fx, pol);
        if (!json_valid(json))
                fail_msg("not valid JSON:\n%.3000s", json);
        python_agrees(json);
        assert_non_null(strstr(json, "\"path\":\"/srv/a \\\"b\\\"\\\\c\""));
        assert_non_null(strstr(json, "\"Q\":\"line1\\nline2\\t\\\"q\\\"\""));
        assert_non_null(strstr(json, "\"value\":\"0xfedcba9876543210\""));
        free(json);
        fx_free(&fx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_example_fs),
            cmocka_unit_test(test_example_net),
            cmocka_unit_test(test_example_syscalls),
            cmocka_unit_test(test_example_settings),
            cmocka_unit_test(test_rule_ids_are_unique),
            cmocka_unit_test(test_port_sets_split_into_ranges),
            cmocka_unit_test(test_sets_are_expanded_everywhere),
            cmocka_unit_test(test_in_becomes_or_of_equalities),
            cmocka_unit_test(test_values_are_truncated_to_the_width),
            cmocka_unit_test(test_masks),
            cmocka_unit_test(test_limits_are_scaled),
            cmocka_unit_test(test_smallest_limit_wins),
            cmocka_unit_test(test_default_is_the_strictest_of_all),
            cmocka_unit_test(test_strictest_fragment_default_wins),
            cmocka_unit_test(test_strictest_fragment_errno_default),
            cmocka_unit_test(test_conflicting_fragment_settings),
            cmocka_unit_test(test_caps_are_intersected),
            cmocka_unit_test(test_policy_setting_overrides_fragments),
            cmocka_unit_test(test_agreeing_fragments_are_fine),
            cmocka_unit_test(test_numeric_ids_are_canonical),
            cmocka_unit_test(test_env_keep_is_a_union),
            cmocka_unit_test(test_landlock_abi_is_the_highest),
            cmocka_unit_test(test_best_effort_only_from_the_policy),
            cmocka_unit_test(test_fragments_are_composed_once),
            cmocka_unit_test(test_arches_union_and_set_members_skipped),
            cmocka_unit_test(test_direct_name_missing_on_policy_arch),
            cmocka_unit_test(test_missing_default),
            cmocka_unit_test(test_select_policy),
            cmocka_unit_test(test_select_policy_ignores_imported_policies),
            cmocka_unit_test(test_json_checker_itself),
            cmocka_unit_test(test_ir_json_is_valid),
            cmocka_unit_test(test_ir_json_escapes_and_exact_values),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
