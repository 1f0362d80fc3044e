/*
 * test_fmt.c - unit tests for the formatter (lang/fmt.c).
 *
 * Three properties are checked on every construct of the language: the
 * output parses with no error into the same AST as the input (compared
 * node by node, spans aside), formatting it again changes nothing, and no
 * comment is lost.  Exact layouts are pinned by a few expected strings and
 * by the golden pair tests/fmt/messy.osh -> tests/fmt/messy.expected.
 */
#include "tests/testutil.h"

#include "lang/osh.h"

/* ---- helpers ---- */

typedef struct parsed {
        osh_ctx c;
        ast_file *f;
} parsed;

static parsed *parse_text(const char *text)
{
        parsed *p = calloc(1, sizeof(*p));
        assert_non_null(p);
        osh_ctx_init(&p->c);
        int id = source_add(&p->c, "test.osh", NULL, text, strlen(text));
        assert_true(id >= 0);
        p->f = parse_source(&p->c, id);
        return p;
}

static void parsed_free(parsed *p)
{
        osh_ctx_free(&p->c);
        free(p);
}

/* fmt(text), malloc'd, or NULL when the text does not parse. */
static char *fmt(const char *text)
{
        parsed *p = parse_text(text);
        const char *out = osh_format(&p->c, p->f);
        char *copy = out ? strdup(out) : NULL;
        parsed_free(p);
        return copy;
}

/* ---- the AST, compared node by node without spans ---- */

static bool str_eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool num_eq(const ast_number *a, const ast_number *b)
{
        return str_eq(a->text, b->text) && a->value == b->value && a->negative == b->negative &&
               a->unit == b->unit && a->is_float == b->is_float;
}

static bool endpoint_eq(const ast_endpoint *a, const ast_endpoint *b)
{
        if (!a || !b)
                return a == b;
        if (a->kind != b->kind || !str_eq(a->host, b->host) || a->any_port != b->any_port ||
            a->nports != b->nports)
                return false;
        for (int i = 0; i < a->nports; i++)
                if (a->ports[i].lo != b->ports[i].lo || a->ports[i].hi != b->ports[i].hi)
                        return false;
        return true;
}

static bool elems_eq(const vec *a, const vec *b)
{
        if (a->n != b->n)
                return false;
        for (int i = 0; i < a->n; i++) {
                const ast_elem *x = a->items[i], *y = b->items[i];
                if (x->kind != y->kind || x->quoted != y->quoted || !str_eq(x->text, y->text) ||
                    !str_eq(x->param, y->param) || !endpoint_eq(x->ep, y->ep))
                        return false;
        }
        return true;
}

static bool value_eq(const ast_value *a, const ast_value *b)
{
        if (!a || !b)
                return a == b;
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case VAL_NUM:
                return num_eq(&a->num, &b->num);
        case VAL_CONST:
                return str_eq(a->name, b->name);
        case VAL_OR:
                return value_eq(a->l, b->l) && value_eq(a->r, b->r);
        }
        return false;
}

static bool expr_eq(const ast_expr *a, const ast_expr *b)
{
        if (!a || !b)
                return a == b;
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case EX_OR:
        case EX_AND:
                return expr_eq(a->l, b->l) && expr_eq(a->r, b->r);
        case EX_NOT:
                return expr_eq(a->l, b->l);
        case EX_CMP:
                return str_eq(a->arg, b->arg) && value_eq(a->mask, b->mask) && a->op == b->op &&
                       value_eq(a->rhs, b->rhs);
        case EX_IN:
                if (!str_eq(a->arg, b->arg) || a->not_in != b->not_in || a->set.n != b->set.n)
                        return false;
                for (int i = 0; i < a->set.n; i++)
                        if (!value_eq(a->set.items[i], b->set.items[i]))
                                return false;
                return true;
        }
        return false;
}

static bool action_eq(const ast_action *a, const ast_action *b)
{
        return a->kind == b->kind && str_eq(a->errno_name, b->errno_name) &&
               a->errno_is_num == b->errno_is_num && a->from_deny == b->from_deny &&
               (!a->errno_is_num || num_eq(&a->errno_num, &b->errno_num));
}

static bool rules_eq(const vec *a, const vec *b);

static bool rule_eq(const ast_rule *a, const ast_rule *b)
{
        return a->kind == b->kind && a->deny == b->deny && a->rights == b->rights &&
               a->rights_given == b->rights_given && elems_eq(&a->elems, &b->elems) &&
               a->op == b->op && elems_eq(&a->from, &b->from) && a->children == b->children &&
               rules_eq(&a->l7, &b->l7) && a->has_block == b->has_block &&
               elems_eq(&a->methods, &b->methods) && action_eq(&a->action, &b->action) &&
               expr_eq(a->when, b->when) && a->limit == b->limit &&
               (a->kind != R_LIMIT || num_eq(&a->num, &b->num)) && a->proc == b->proc &&
               a->caps_none == b->caps_none && str_eq(a->env_name, b->env_name) &&
               str_eq(a->str, b->str) && a->str_quoted == b->str_quoted;
}

static bool rules_eq(const vec *a, const vec *b)
{
        if (a->n != b->n)
                return false;
        for (int i = 0; i < a->n; i++)
                if (!rule_eq(a->items[i], b->items[i]))
                        return false;
        return true;
}

static bool item_eq(const ast_item *a, const ast_item *b)
{
        return a->kind == b->kind && elems_eq(&a->names, &b->names) &&
               (a->kind != IT_REQUIRES || a->best_effort || num_eq(&a->abi, &b->abi)) &&
               a->best_effort == b->best_effort && rules_eq(&a->rules, &b->rules) &&
               a->akind == b->akind && a->rights == b->rights && elems_eq(&a->elems, &b->elems) &&
               elems_eq(&a->from, &b->from) && expr_eq(a->when, b->when) &&
               str_eq(a->finding, b->finding) && str_eq(a->reason, b->reason);
}

static bool decl_eq(const ast_decl *a, const ast_decl *b)
{
        if (a->kind != b->kind || !str_eq(a->name, b->name) || !elems_eq(&a->elems, &b->elems) ||
            a->items.n != b->items.n || !a->def != !b->def)
                return false;
        if (a->def) {
                vec va = {(void **)&a->def, 1, 1}, vb = {(void **)&b->def, 1, 1};
                if (!elems_eq(&va, &vb))
                        return false;
        }
        for (int i = 0; i < a->items.n; i++)
                if (!item_eq(a->items.items[i], b->items.items[i]))
                        return false;
        return true;
}

/* Same declarations, except that the formatter moves imports first. */
static bool file_eq(const ast_file *a, const ast_file *b)
{
        if (a->decls.n != b->decls.n)
                return false;
        int j = 0;
        for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < a->decls.n; i++) {
                        const ast_decl *d = a->decls.items[i];
                        if ((d->kind == D_IMPORT) != (pass == 0))
                                continue;
                        if (!decl_eq(d, b->decls.items[j++]))
                                return false;
                }
        return true;
}

/* ---- the properties ---- */

/* The comment's text without trailing blanks, which the formatter drops. */
static size_t comment_len(const ast_comment *cm)
{
        size_t n = strlen(cm->text);
        while (n > 0 && strchr(" \t\r\f\v", cm->text[n - 1]))
                n--;
        return n;
}

/* The same comments, in any order (imports move with theirs). */
static bool same_comments(const vec *a, const vec *b)
{
        if (a->n != b->n)
                return false;
        bool *used = calloc((size_t)b->n + 1, sizeof(bool));
        assert_non_null(used);
        bool ok = true;
        for (int i = 0; i < a->n && ok; i++) {
                const ast_comment *x = a->items[i];
                ok = false;
                for (int j = 0; j < b->n && !ok; j++) {
                        const ast_comment *y = b->items[j];
                        if (!used[j] && comment_len(x) == comment_len(y) &&
                            !memcmp(x->text, y->text, comment_len(x)))
                                used[j] = ok = true;
                }
                if (!ok)
                        print_error("comment lost: %s\n", x->text);
        }
        free(used);
        return ok;
}

/* Format src; the output must parse cleanly into the same AST with as
 * many comments, and format to itself.  Returns the output (malloc'd). */
static char *check_fmt(const char *src)
{
        parsed *in = parse_text(src);
        assert_int_equal(in->c.nerrors, 0);
        const char *out1 = osh_format(&in->c, in->f);
        assert_non_null(out1);

        parsed *again = parse_text(out1);
        if (again->c.nerrors) {
                print_error("output does not parse:\n%s\n", out1);
                diag_flush(&again->c);
        }
        assert_int_equal(again->c.nerrors, 0);
        if (!file_eq(in->f, again->f))
                print_error("AST changed by formatting:\n%s\n", out1);
        assert_true(file_eq(in->f, again->f));
        assert_int_equal(in->f->comments.n, again->f->comments.n);
        assert_true(same_comments(&in->f->comments, &again->f->comments));
        const char *out2 = osh_format(&again->c, again->f);
        assert_non_null(out2);
        assert_string_equal(out2, out1);

        char *result = strdup(out1);
        parsed_free(again);
        parsed_free(in);
        return result;
}

static void check_exact(const char *src, const char *want)
{
        char *got = check_fmt(src);
        assert_string_equal(got, want);
        free(got);
}

static void check_idempotent(const char *src)
{
        free(check_fmt(src));
}

static int count_hashes(const char *s)
{
        int n = 0;
        for (; *s; s++)
                n += *s == '#';
        return n;
}

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                fail_msg("cannot open %s (tests run from the repository root)", path);
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = 0;
        fclose(f);
        return buf;
}

/* ---- the tests ---- */

static const char design_example[] =
    "import \"std/base.osh\";                 # std/ = the stdlib-policies folder\n"
    "\n"
    "set @interpreters = { /usr/bin/python3, /usr/bin/node, /bin/bash };\n"
    "set @llm_apis     = { api.openai.com:443, api.anthropic.com:443 };\n"
    "\n"
    "fragment pypi {                         # a reusable piece; only usable through `use`\n"
    "    net { allow connect pypi.org:443, files.pythonhosted.org:443; }\n"
    "}\n"
    "\n"
    "fragment org_invariants {\n"
    "    assert never read /etc/shadow, $HOME/.ssh;\n"
    "    assert never connect 169.254.0.0/16:*, 10.0.0.0/8:*;\n"
    "    assert never syscall ptrace, bpf;\n"
    "}\n"
    "\n"
    "policy coding_agent {\n"
    "    use base, pypi, org_invariants;     # union of their rules\n"
    "    within org_boundary;                # proof obligation\n"
    "    requires landlock 4;                # minimum Landlock ABI\n"
    "\n"
    "    fs {\n"
    "        allow read, write $WORKDIR, /tmp;\n"
    "        allow read, exec /usr/bin/git, /usr/bin/python3;\n"
    "        deny $WORKDIR/.env;             # every right; enforced by masking\n"
    "        deny write $WORKDIR/.git/hooks;\n"
    "    }\n"
    "    net {\n"
    "        allow connect api.github.com:443 from /usr/bin/git {\n"
    "            allow http GET, HEAD /repos/**;\n"
    "            deny http * /repos/*/*/actions/**;\n"
    "        }\n"
    "        allow connect @llm_apis from /usr/bin/python3;\n"
    "        deny connect 169.254.0.0/16:*;\n"
    "        allow bind 127.0.0.1:8000..8010;\n"
    "    }\n"
    "    syscalls {\n"
    "        default errno(EPERM);\n"
    "        allow @system-service;\n"
    "        allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"
    "        allow clone when flags & CLONE_NEWUSER == 0;\n"
    "        errno(ENOSYS) clone3;\n"
    "        kill ptrace, bpf, kexec_load;\n"
    "        log personality;\n"
    "    }\n"
    "    limits {\n"
    "        memory 2GiB; swap 0; pids 256; cpu 1.5; files 4096; walltime 2h;\n"
    "    }\n"
    "    process {\n"
    "        user 1000; group 1000; caps none;\n"
    "        env keep PATH, HOME, LANG, TERM;\n"
    "        env set PIP_NO_INPUT = \"1\";\n"
    "    }\n"
    "    waive interpreter-grant \"python3 calls the model API; reviewed by secteam\";\n"
    "}\n";

static void test_design_example(void **state)
{
        char *out = check_fmt(design_example);
        assert_int_equal(count_hashes(out), count_hashes(design_example));
        /* the only changes: trailing comments two spaces after the code, the
         * aligned `=` and the one-line bodies spread out */
        assert_non_null(strstr(out, "import \"std/base.osh\";  # std/ = the stdlib"));
        assert_non_null(strstr(out, "set @llm_apis = { api.openai.com:443"));
        assert_non_null(strstr(out, "fragment pypi {  # a reusable piece"));
        assert_non_null(strstr(out, "    net {\n        allow connect pypi.org:443, "
                                    "files.pythonhosted.org:443;\n    }\n"));
        assert_non_null(strstr(out, "        memory 2GiB;\n        swap 0;\n        pids 256;\n"));
        assert_non_null(
            strstr(out, "        user 1000;\n        group 1000;\n        caps none;\n"));
        free(out);
}

static void test_declarations(void **state)
{
        check_exact("import \"a.osh\";import \"dir/b c.osh\";\n",
                    "import \"a.osh\";\nimport \"dir/b c.osh\";\n");
        check_exact("param CACHE;param OUT=/var/out; param Q = \"/a b\";\n",
                    "param CACHE;\nparam OUT = /var/out;\nparam Q = \"/a b\";\n");
        check_exact("set @e={};\n", "set @e = {};\n");
        check_exact("set @p = { /a, $HOME/.x, $WORKDIR, @q, \"/with space\", };\n",
                    "set @p = { /a, $HOME/.x, $WORKDIR, @q, \"/with space\" };\n");
        check_exact("set @s = { read, write, kill, bind, connect, ioctl, openat, @basic };\n",
                    "set @s = { read, write, kill, bind, connect, ioctl, openat, @basic };\n");
        check_exact("fragment f{}\npolicy p {\n}\n", "fragment f {}\n\npolicy p {}\n");
        /* imports come first, in the order written */
        check_exact("set @a = { /a };\nimport \"x.osh\";\nparam P;\nimport \"y.osh\";\n",
                    "import \"x.osh\";\nimport \"y.osh\";\n\nset @a = { /a };\nparam P;\n");
}

static void test_endpoints(void **state)
{
        check_exact("set @n = { a.example.com:443, *.example.com:80, **.example.com:*, "
                    "localhost:8080, 10.0.0.1:22, 10.0.0.0/8:*, [fd00::]/8:443, [::1]:{80,443}, "
                    "\"odd host\":1..2, h.example.com:{ 80 , 8000..8010 } };\n",
                    "set @n = {\n"
                    "    a.example.com:443,\n"
                    "    *.example.com:80,\n"
                    "    **.example.com:*,\n"
                    "    localhost:8080,\n"
                    "    10.0.0.1:22,\n"
                    "    10.0.0.0/8:*,\n"
                    "    [fd00::]/8:443,\n"
                    "    [::1]:{80, 443},\n"
                    "    \"odd host\":1..2,\n"
                    "    h.example.com:{80, 8000..8010},\n"
                    "};\n");
        check_idempotent("policy p { net {\n"
                         "  allow connect [2001:db8::1]:443, [fd00::]/8:{80, 443} from /bin/a, "
                         "\"/opt/x y/b\" and children;\n"
                         "  deny connect 169.254.0.0/16:*, @meta;\n"
                         "  allow bind [::]:8000..8010, 0.0.0.0:{80, 443};\n"
                         "  deny bind 127.0.0.1:22;\n"
                         "  allow connect x.example.com:443 {}\n"
                         "  allow connect y.example.com:443 { allow http * /**; "
                         "deny http DELETE, PUT \"/a b\", /c; }\n"
                         "} }\n");
        check_exact("policy p{net{allow connect e.com:443 from /bin/git and children{}}}\n",
                    "policy p {\n    net {\n"
                    "        allow connect e.com:443 from /bin/git and children {}\n"
                    "    }\n}\n");
}

static void test_fs_rules(void **state)
{
        check_exact("policy p { fs {\n"
                    "allow ioctl,exec,write,read /dev;\n"
                    "deny /etc/shadow, $HOME/.ssh;\n"
                    "deny exec, write \"/srv/my files\", @secrets;\n"
                    "allow read \"/a\\\"quote\", \"/back\\\\slash\", \"/tab\\there\";\n"
                    "} }\n",
                    "policy p {\n    fs {\n"
                    "        allow read, write, exec, ioctl /dev;\n"
                    "        deny /etc/shadow, $HOME/.ssh;\n"
                    "        deny write, exec \"/srv/my files\", @secrets;\n"
                    "        allow read \"/a\\\"quote\", \"/back\\\\slash\", \"/tab\\there\";\n"
                    "    }\n}\n");
}

static void test_syscall_actions(void **state)
{
        check_exact("policy p { syscalls {\n"
                    "default errno( EPERM );\n"
                    "allow read, write; deny mount; kill ptrace; trap uselib;\n"
                    "log personality; notify keyctl; errno(ENOSYS) clone3; errno(38) statx;\n"
                    "} }\n",
                    "policy p {\n    syscalls {\n"
                    "        default errno(EPERM);\n"
                    "        allow read, write;\n"
                    "        deny mount;\n"
                    "        kill ptrace;\n"
                    "        trap uselib;\n"
                    "        log personality;\n"
                    "        notify keyctl;\n"
                    "        errno(ENOSYS) clone3;\n"
                    "        errno(38) statx;\n"
                    "    }\n}\n");
        const char *defaults[] = {"allow", "deny",   "kill",         "trap",
                                  "log",   "notify", "errno(EPERM)", "errno(1)"};
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
                char src[128], want[160];
                snprintf(src, sizeof(src), "policy p{syscalls{default %s;}}", defaults[i]);
                snprintf(want, sizeof(want),
                         "policy p {\n    syscalls {\n        default %s;\n    }\n}\n",
                         defaults[i]);
                check_exact(src, want);
        }
}

/* Only the parentheses the shape needs, so the AST comes back the same. */
static void test_conditions(void **state)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
            {"a == 1 && (b == 2 || c == 3)", "a == 1 && (b == 2 || c == 3)"},
            {"(a == 1 && b == 2) || c == 3", "a == 1 && b == 2 || c == 3"},
            {"a == 1 || (b == 2 || c == 3)", "a == 1 || (b == 2 || c == 3)"},
            {"(a == 1 || b == 2) || c == 3", "a == 1 || b == 2 || c == 3"},
            {"a == 1 && (b == 2 && c == 3)", "a == 1 && (b == 2 && c == 3)"},
            {"(a == 1 || b == 2) && !(c == 3 || d == 4)",
             "(a == 1 || b == 2) && !(c == 3 || d == 4)"},
            {"!a == 1", "!(a == 1)"},
            {"!!(a==1)", "!!(a == 1)"},
            {"! (a in {X,Y})", "!(a in { X, Y })"},
            {"((a != 1))", "a != 1"},
            {"flags&CLONE_NEWUSER==0", "flags & CLONE_NEWUSER == 0"},
            {"flags & (A|B) != 0", "flags & (A | B) != 0"},
            {"flags & A|B != 0", "flags & (A | B) != 0"},
            {"a == A | (B | C)", "a == A | (B | C)"},
            {"a == (A | B) | C", "a == A | B | C"},
            {"domain not in {AF_UNIX,AF_INET}", "domain not in { AF_UNIX, AF_INET }"},
            {"a < -1 && b <= 0x10 && c > 5 && d >= 1K && arg5 != 0", NULL},
            {"request in { TIOCSTI | 1, (2) }", "request in { TIOCSTI | 1, 2 }"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char src[256], want[256];
                snprintf(src, sizeof(src), "policy p{syscalls{allow x when %s;}}", cases[i].in);
                snprintf(want, sizeof(want),
                         "policy p {\n    syscalls {\n        allow x when %s;\n    }\n}\n",
                         cases[i].out ? cases[i].out : cases[i].in);
                check_exact(src, want);
                snprintf(src, sizeof(src), "fragment f{assert never syscall x when %s;}",
                         cases[i].in);
                check_idempotent(src);
        }
}

static void test_limits_and_process(void **state)
{
        check_exact("policy p{limits{memory 2GiB;swap 0;pids 256;cpu 150%;io   weight 100;"
                    "files 0x1000;cputime 10m;filesize 1.5GiB;walltime 2h;}}",
                    "policy p {\n    limits {\n"
                    "        memory 2GiB;\n        swap 0;\n        pids 256;\n"
                    "        cpu 150%;\n        io weight 100;\n        files 0x1000;\n"
                    "        cputime 10m;\n        filesize 1.5GiB;\n        walltime 2h;\n"
                    "    }\n}\n");
        check_idempotent("policy p{limits{memory 512M;cpu 1.5;walltime 90s;cputime 250ms;"
                         "filesize 1T;memory 4K;}}");
        check_exact("policy p{process{user agent;group \"staff x\";user 1000;group 0;"
                    "caps none;caps CAP_NET_BIND_SERVICE,CAP_CHOWN;env keep PATH,HOME;"
                    "env set A=\"say \\\"hi\\\"\\tnow\\n\";hostname \"box\";hostname box;"
                    "hostname box.example.com;}}",
                    "policy p {\n    process {\n"
                    "        user agent;\n        group \"staff x\";\n        user 1000;\n"
                    "        group 0;\n        caps none;\n"
                    "        caps CAP_NET_BIND_SERVICE, CAP_CHOWN;\n"
                    "        env keep PATH, HOME;\n"
                    "        env set A = \"say \\\"hi\\\"\\tnow\\n\";\n"
                    "        hostname \"box\";\n        hostname box;\n"
                    "        hostname box.example.com;\n"
                    "    }\n}\n");
}

static void test_items(void **state)
{
        check_exact(
            "fragment f{use a,b;within c;requires landlock 3;requires landlock "
            "best-effort;arch x86_64,aarch64;\n"
            "assert never write,read /etc/shadow, \"/a b\";\n"
            "assert never exec $WORKDIR;\n"
            "assert never ioctl /dev/tty;\n"
            "assert never connect 169.254.0.0/16:*, @meta from /usr/bin/curl, /bin/nc;\n"
            "assert never connect [fd00::]/8:*;\n"
            "assert never syscall ptrace, bpf;\n"
            "assert never syscall socket when domain == AF_PACKET;\n"
            "waive wx-path \"reviewed: \\\"ok\\\"\";}\n",
            "fragment f {\n"
            "    use a, b;\n"
            "    within c;\n"
            "    requires landlock 3;\n"
            "    requires landlock best-effort;\n"
            "    arch x86_64, aarch64;\n"
            "    assert never read, write /etc/shadow, \"/a b\";\n"
            "    assert never exec $WORKDIR;\n"
            "    assert never ioctl /dev/tty;\n"
            "    assert never connect 169.254.0.0/16:*, @meta from /usr/bin/curl, /bin/nc;\n"
            "    assert never connect [fd00::]/8:*;\n"
            "    assert never syscall ptrace, bpf;\n"
            "    assert never syscall socket when domain == AF_PACKET;\n"
            "    waive wx-path \"reviewed: \\\"ok\\\"\";\n"
            "}\n");
}

static const char long_name[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/* A long set breaks into one element per line; grouping by blank lines
 * survives, several blank lines become one. */
static void test_long_set_and_blank_lines(void **state)
{
        check_exact("set @long = { /usr/bin/aaaaaaaaaaaaaaaa, /usr/bin/bbbbbbbbbbbbbbbbbb, "
                    "/usr/bin/cccccccccccccccccc, /usr/bin/dddd };\n",
                    "set @long = {\n"
                    "    /usr/bin/aaaaaaaaaaaaaaaa,\n"
                    "    /usr/bin/bbbbbbbbbbbbbbbbbb,\n"
                    "    /usr/bin/cccccccccccccccccc,\n"
                    "    /usr/bin/dddd,\n"
                    "};\n");
        /* exactly 100 columns fits; 101 do not */
        char line[160], want[160];
        int pad = 100 - (int)strlen("set @f = { / };");
        snprintf(line, sizeof(line), "set @f = { /%.*s };\n", pad, long_name);
        assert_int_equal(strlen(line), 101);
        check_exact(line, line);
        snprintf(line, sizeof(line), "set @f = { /%.*s };\n", pad + 1, long_name);
        snprintf(want, sizeof(want), "set @f = {\n    /%.*s,\n};\n", pad + 1, long_name);
        check_exact(line, want);
        check_exact("\n\n\nset @a = { /a };\n\n\n\nset @b = { /b };\nset @c = { /c };\n"
                    "policy p {\n\n\n    fs {\n\n        allow read /a;\n\n\n\n"
                    "        allow read /b;\n        allow read /c;\n\n    }\n\n\n"
                    "    limits { memory 1G; }\n\n}\n\n\n",
                    "set @a = { /a };\n\nset @b = { /b };\nset @c = { /c };\n\n"
                    "policy p {\n    fs {\n        allow read /a;\n\n"
                    "        allow read /b;\n        allow read /c;\n    }\n\n"
                    "    limits {\n        memory 1G;\n    }\n}\n");
}

/* Comments in every position, and none lost. */
static void test_comments(void **state)
{
        static const char src[] =
            "# header line 1\n"
            "# header line 2\n"
            "\n"
            "# about a\n"
            "set @a = { /a, /b };  # after a\n"
            "set @b = { # after the brace\n"
            "    /x, # after x\n"
            "    # before y\n"
            "    /y\n"
            "    # at the end of the set\n"
            "}; # after the set\n"
            "import \"z.osh\"; # after the import\n"
            "# before the policy\n"
            "policy p # after the name\n"
            "{ # after the brace\n"
            "    # before fs\n"
            "    fs { # after fs\n"
            "        allow read # inside a rule\n"
            "            /a; # after the rule\n"
            "        allow read /b; allow read /c; # after two rules\n"
            "        # at the end of fs\n"
            "    } # after fs's brace\n"
            "    net { allow connect a.com:443 from /bin/a { # after the l7 brace\n"
            "        allow http GET /x; # after l7\n"
            "        # end of l7\n"
            "    } }\n"
            "    syscalls { default allow; allow x when a == 1 # in a condition\n"
            "        && b == 2; }\n"
            "    limits { # nothing but a comment\n"
            "    }\n"
            "    # at the end of the policy\n"
            "} # after the policy\n"
            "fragment f { } # after an empty block\n"
            "# the end of the file\n"
            "\n"
            "# and after a blank line\n";
        char *out = check_fmt(src);
        assert_int_equal(count_hashes(out), count_hashes(src));
        static const char *const kept[] = {
            "# header line 1\n# header line 2\n\nimport \"z.osh\";  # after the import\n\n"
            "# about a\nset @a = { /a, /b };  # after a\n",
            "set @b = {  # after the brace\n    /x,  # after x\n    # before y\n    /y,\n"
            "    # at the end of the set\n};  # after the set\n",
            "\n# before the policy\npolicy p {  # after the name\n",
            "    # after the brace\n    # before fs\n    fs {  # after fs\n",
            "        # inside a rule\n        allow read /a;  # after the rule\n",
            "        allow read /b;\n        allow read /c;  # after two rules\n"
            "        # at the end of fs\n    }  # after fs's brace\n",
            "        allow connect a.com:443 from /bin/a {  # after the l7 brace\n"
            "            allow http GET /x;  # after l7\n            # end of l7\n        }\n",
            "        # in a condition\n        allow x when a == 1 && b == 2;\n",
            "    limits {  # nothing but a comment\n    }\n",
            "    # at the end of the policy\n}  # after the policy\n\n"
            "fragment f {}  # after an empty block\n# the end of the file\n\n"
            "# and after a blank line\n",
        };
        for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
                if (!strstr(out, kept[i]))
                        print_error("missing:\n%s\nin:\n%s\n", kept[i], out);
                assert_non_null(strstr(out, kept[i]));
        }
        free(out);
}

static void test_only_comments_and_empty(void **state)
{
        check_exact("", "");
        check_exact("\n\n  \n", "");
        check_exact("   # one\n\n\n#two   \n", "# one\n\n#two\n");
        check_exact("set @a = {};#c", "set @a = {};  #c\n");
        check_exact("set @a = {}; set @b = {}; # c\n", "set @a = {};\nset @b = {};  # c\n");
}

/* Several rules and items on one line, odd spacing, tabs, CRLF. */
static void test_messy_exact(void **state)
{
        check_exact(
            "policy  p{fs{allow read,write $WORKDIR,/tmp;deny   $WORKDIR/.env;}\r\n"
            "\tsyscalls{default errno(EPERM);allow clone when flags&CLONE_NEWUSER==0;}}\r\n",
            "policy p {\n"
            "    fs {\n"
            "        allow read, write $WORKDIR, /tmp;\n"
            "        deny $WORKDIR/.env;\n"
            "    }\n"
            "    syscalls {\n"
            "        default errno(EPERM);\n"
            "        allow clone when flags & CLONE_NEWUSER == 0;\n"
            "    }\n"
            "}\n");
}

static void test_golden_messy(void **state)
{
        char *src = read_file("tests/fmt/messy.osh");
        char *want = read_file("tests/fmt/messy.expected");
        char *got = check_fmt(src);
        assert_string_equal(got, want);
        assert_int_equal(count_hashes(got), count_hashes(src));
        check_idempotent(want);
        free(got);
        free(want);
        free(src);
}

static void test_stdlib_files(void **state)
{
        const char *files[] = {"stdlib-policies/examples/coding_agent.osh",
                               "stdlib-policies/std/base.osh", "stdlib-policies/std/syscalls.osh"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *src = read_file(files[i]);
                char *out = check_fmt(src);
                assert_int_equal(count_hashes(out), count_hashes(src));
                free(out);
                free(src);
        }
}

static void test_syntax_errors_are_not_formatted(void **state)
{
        assert_null(fmt("policy p { fs { allow read /a } }"));
        assert_null(fmt("set @a = { /a ;"));
        assert_null(fmt("policy p { env set A = \"unterminated; }"));
        assert_null(fmt("policy p { fs { allow read /a; } } ^"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_design_example),
            cmocka_unit_test(test_declarations),
            cmocka_unit_test(test_endpoints),
            cmocka_unit_test(test_fs_rules),
            cmocka_unit_test(test_syscall_actions),
            cmocka_unit_test(test_conditions),
            cmocka_unit_test(test_limits_and_process),
            cmocka_unit_test(test_items),
            cmocka_unit_test(test_long_set_and_blank_lines),
            cmocka_unit_test(test_comments),
            cmocka_unit_test(test_only_comments_and_empty),
            cmocka_unit_test(test_messy_exact),
            cmocka_unit_test(test_golden_messy),
            cmocka_unit_test(test_stdlib_files),
            cmocka_unit_test(test_syntax_errors_are_not_formatted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
