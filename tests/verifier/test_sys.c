/*
 * test_sys.c - unit tests for the syscalls domain of the verifier
 * (verifier/sys.c): every finding it owns, positive and negative, the
 * set-level cases (a rule covered only by a combination of rules), the
 * witnesses replayed through the reference evaluator, `assert never
 * syscall`, vf_compare_sys, and two seeded random generators: the Z3
 * encoding's decision against eval_syscall on random rule sets and
 * random calls, and compare() against brute-force sampling on pairs of
 * policies related by construction.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "backends/backends.h"
#include "compiler/eval.h"
#include "verifier/verify.h"

#include <time.h>


typedef struct T {
        fixture fx;
        ir_policy *p;
        vf v;
} T;

static void t_load_named(T *t, const char *text, const char *name)
{
        t->p = fx_policy(&t->fx, text, name);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
}

static void t_load(T *t, const char *text)
{
        t->p = fx_policy(&t->fx, text, NULL);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
}

static void t_check(T *t, const char *text)
{
        t_load(t, text);
        vf_check_sys(&t->v, t->p);
        assert_int_equal(t->v.internal, 0);
        assert_int_equal(t->v.unknowns, 0);
}

static void t_free(T *t)
{
        vf_free(&t->v);
        fx_free(&t->fx);
}

static int t_count(T *t, const char *name)
{
        int n = 0;
        for (int i = 0; i < t->v.nf; i++)
                n += !strcmp(t->v.f[i].name, name);
        return n;
}

static const vf_finding *t_find(T *t, const char *name)
{
        for (int i = 0; i < t->v.nf; i++)
                if (!strcmp(t->v.f[i].name, name))
                        return &t->v.f[i];
        return NULL;
}

static void t_dump(T *t)
{
        for (int i = 0; i < t->v.nf; i++)
                fprintf(stderr, "  %s: %s [%s]\n", t->v.f[i].name, t->v.f[i].message,
                        t->v.f[i].witness ? t->v.f[i].witness : "");
}

/* The finding exists; its witness replays with the expected decision. */
static const vf_finding *expect_finding(T *t, const char *name, int replay_allowed)
{
        const vf_finding *f = t_find(t, name);
        if (!f)
                t_dump(t);
        assert_non_null(f);
        assert_non_null(f->witness);
        assert_non_null(f->fix);
        assert_true(f->nlocs >= 1);
        assert_string_equal(f->layer, "seccomp");
        if (replay_allowed >= 0) {
                eval_result r;
                char err[256];
                assert_true(eval_request(t->p, &t->v.env, f->witness, &r, err, sizeof err,
                                         &t->fx.ctx.arena));
                assert_int_equal(r.allowed, replay_allowed == 1);
        }
        return f;
}

static void expect_none(T *t, const char *name)
{
        if (t_count(t, name))
                t_dump(t);
        assert_int_equal(t_count(t, name), 0);
}

#define POL(body) "policy p {\n    syscalls {\n        default errno(EPERM);\n" body "    }\n}\n"

/* ---- anomalies ---- */

static void test_dead_rule(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow read;\ndeny ptrace;\n"));
        const vf_finding *f = expect_finding(&t, "dead-rule", 0);
        assert_string_equal(f->witness, "ptrace");
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        /* conditional: errno(EPERM) for AF_PACKET, nothing weaker there */
        t_check(&t, POL("allow socket when domain == AF_INET;\n"
                        "errno(EPERM) socket when domain == AF_PACKET;\n"));
        f = expect_finding(&t, "dead-rule", 0);
        assert_string_equal(f->witness, "socket domain=0x11");
        t_free(&t);
        /* negative: the same rule overrides an allow */
        t_check(&t, POL("allow socket;\nerrno(EPERM) socket when domain == AF_PACKET;\n"));
        expect_none(&t, "dead-rule");
        t_free(&t);
        t_check(&t, "policy p { syscalls { default allow; deny ptrace; } }");
        expect_none(&t, "dead-rule");
        t_free(&t);
}

static void test_shadowed_rule(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow ioctl when request == FIONREAD;\nkill ioctl;\n"));
        const vf_finding *f = expect_finding(&t, "shadowed-rule", 0);
        assert_int_equal(f->nlocs, 2);
        assert_int_equal(f->locs[0].where.line, 4);
        assert_int_equal(f->locs[1].where.line, 5);
        expect_none(&t, "conflict");
        t_free(&t);
        /* negative: the kill covers only TIOCSTI */
        t_check(&t, POL("allow ioctl;\nkill ioctl when request == TIOCSTI;\n"));
        expect_none(&t, "shadowed-rule");
        t_free(&t);
}

/* Set-level: only two rules together cover the allow; the covering set
 * named is exactly those two, not the unrelated third rule. */
static void test_shadowed_set_level(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow socket when domain in { AF_INET, AF_INET6 };\n"
                        "deny socket when domain == AF_INET;\n"
                        "kill socket when domain == AF_INET6;\n"
                        "kill socket when domain == AF_PACKET;\n"));
        const vf_finding *f = expect_finding(&t, "shadowed-rule", 0);
        assert_int_equal(f->nlocs, 3);
        assert_int_equal(f->locs[0].where.line, 4);
        int l1 = f->locs[1].where.line, l2 = f->locs[2].where.line;
        assert_true((l1 == 5 && l2 == 6) || (l1 == 6 && l2 == 5));
        expect_none(&t, "conflict"); /* a shadowing pair is not also a conflict */
        t_free(&t);
        /* two rules each cover it alone: the set named is minimal (one) */
        t_check(&t, POL("allow socket when domain == AF_INET;\n"
                        "trap socket when domain in { AF_INET, AF_UNIX };\n"
                        "deny socket when domain <= AF_INET;\n"
                        "kill socket when domain in { AF_INET, AF_INET6 };\n"));
        f = expect_finding(&t, "shadowed-rule", 0);
        assert_int_equal(f->nlocs, 2);
        t_free(&t);
        /* Z3's core here holds three rules; the kill alone covers */
        t_check(&t, POL("deny socket when domain == AF_INET;\n"
                        "trap socket when domain == AF_INET6;\n"
                        "kill socket when domain <= AF_INET6;\n"
                        "errno(EACCES) socket when domain >= AF_UNIX && domain <= AF_INET6;\n"
                        "allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"));
        bool seen = false;
        for (int i = 0; i < t.v.nf; i++) {
                f = &t.v.f[i];
                if (strcmp(f->name, "shadowed-rule") || f->locs[0].where.line != 8)
                        continue;
                seen = true;
                assert_int_equal(f->nlocs, 2);
                assert_int_equal(f->locs[1].where.line, 6);
        }
        assert_true(seen);
        t_free(&t);
        /* two errnos: the lower one wins, so the other is the shadowed one */
        t_check(&t, POL("errno(EACCES) read;\nerrno(EPERM) read;\nallow write;\n"));
        f = expect_finding(&t, "shadowed-rule", 0);
        assert_int_equal(f->locs[0].where.line, 4);
        assert_int_equal(f->locs[1].where.line, 5);
        assert_int_equal(t_count(&t, "shadowed-rule"), 1);
        t_free(&t);
        /* one of the two alone does not cover it */
        t_check(&t, POL("allow socket when domain in { AF_INET, AF_INET6 };\n"
                        "deny socket when domain == AF_INET;\n"));
        expect_none(&t, "shadowed-rule");
        t_free(&t);
}

static void test_redundant_rule(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow read, write;\nallow read;\n"));
        const vf_finding *f = expect_finding(&t, "redundant-rule", 1);
        assert_string_equal(f->witness, "read");
        assert_int_equal(f->locs[0].where.line, 5); /* the later rule */
        assert_int_equal(t_count(&t, "redundant-rule"), 1);
        t_free(&t);
        /* set-level */
        t_check(&t, POL("allow socket when domain == AF_INET;\n"
                        "allow socket when domain == AF_INET6;\n"
                        "allow socket when domain in { AF_INET, AF_INET6 };\n"));
        f = expect_finding(&t, "redundant-rule", 1);
        assert_int_equal(f->nlocs, 3);
        assert_int_equal(f->locs[0].where.line, 6);
        assert_int_equal(t_count(&t, "redundant-rule"), 1);
        t_free(&t);
        t_check(&t, POL("allow socket when domain == AF_INET;\n"
                        "allow socket when domain == AF_INET6;\n"));
        expect_none(&t, "redundant-rule");
        t_free(&t);
        /* one set naming a syscall twice is no finding */
        t_check(&t, "set @a = { read, write };\nset @b = { @a, read };\n" POL("allow @b;\n"));
        expect_none(&t, "redundant-rule");
        t_free(&t);
}

static void test_conflict(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow socket when domain in { AF_INET, AF_INET6 };\n"
                        "deny socket when type == SOCK_RAW;\n"));
        const vf_finding *f = expect_finding(&t, "conflict", 0);
        assert_non_null(strstr(f->witness, "type=3"));
        assert_non_null(strstr(f->message, "errno(EPERM) wins"));
        t_free(&t);
        /* containment is an exception, not a conflict */
        t_check(&t, POL("allow socket when domain in { AF_INET, AF_INET6 };\n"
                        "deny socket when domain == AF_INET && type == SOCK_RAW;\n"));
        expect_none(&t, "conflict");
        t_free(&t);
        /* disjoint */
        t_check(&t, POL("allow socket when domain == AF_INET;\n"
                        "deny socket when domain == AF_PACKET;\n"));
        expect_none(&t, "conflict");
        t_free(&t);
}

static void test_vacuous_rule(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow clone when flags & CLONE_NEWUSER == 0;\n"
                        "kill clone when flags & CLONE_NEWUSER == 1;\n"));
        const vf_finding *f = expect_finding(&t, "vacuous-rule", -1);
        assert_int_equal(f->severity, VF_ERROR); /* a restriction that never applies */
        assert_int_equal(f->locs[0].where.line, 5);
        t_free(&t);
        t_check(&t, POL("errno(EACCES) personality when persona >= 0;\n"));
        f = expect_finding(&t, "vacuous-rule", -1);
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        /* 32-bit: the high half is never compared, so this matches nothing */
        t_check(&t, POL("allow read when fd == 3;\ndeny socket when domain > 0x7fffffff;\n"));
        expect_finding(&t, "vacuous-rule", -1);
        t_free(&t);
        t_check(&t, POL("errno(EACCES) personality when persona > 0;\n"
                        "allow clone when flags & CLONE_NEWUSER == 0;\n"));
        expect_none(&t, "vacuous-rule");
        t_free(&t);
}

/* ---- escalation ---- */

static void test_dangerous(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow read, ptrace;\n"));
        const vf_finding *f = expect_finding(&t, "dangerous-syscall", 1);
        assert_string_equal(f->witness, "ptrace");
        assert_int_equal(f->severity, VF_ERROR);
        t_free(&t);
        t_check(&t, "policy p { syscalls { default errno(EPERM); allow clone; } process { caps "
                    "none; } }");
        f = expect_finding(&t, "dangerous-syscall", 1);
        assert_string_equal(f->witness, "clone flags=CLONE_NEWUSER");
        t_free(&t);
        /* with CAP_SYS_ADMIN kept every CLONE_NEW* flag counts */
        t_check(&t, "policy p { syscalls { default errno(EPERM); allow clone when flags & "
                    "CLONE_NEWUSER == 0; } process { caps CAP_SYS_ADMIN; } }");
        f = expect_finding(&t, "dangerous-syscall", 1);
        assert_non_null(strstr(f->witness, "clone flags=CLONE_NEW"));
        t_free(&t);
        t_check(&t, "policy p { syscalls { default errno(EPERM); allow clone when flags & "
                    "CLONE_NEWUSER == 0; } process { caps none; } }");
        expect_none(&t, "dangerous-syscall");
        t_free(&t);
        t_check(&t, POL("allow ioctl;\ndeny ioctl when request == TIOCSTI;\n"));
        f = expect_finding(&t, "dangerous-syscall", 1);
        assert_string_equal(f->witness, "ioctl request=TIOCLINUX");
        t_free(&t);
        t_check(&t, POL("allow ioctl;\ndeny ioctl when request in { TIOCSTI, TIOCLINUX };\n"));
        expect_none(&t, "dangerous-syscall");
        t_free(&t);
        /* log is allowed too; the default can be the one that allows */
        t_check(&t, "policy p { syscalls { default log; kill ptrace, bpf; } }");
        f = expect_finding(&t, "dangerous-syscall", 1);
        assert_non_null(strstr(f->message, "(log)"));
        t_free(&t);
        t_check(&t, POL("allow personality when persona == 0 || persona == 0xffffffff;\n"));
        expect_none(&t, "dangerous-syscall");
        t_free(&t);
        /* clone3 is only a warning */
        t_check(&t, POL("allow clone3;\n"));
        f = expect_finding(&t, "dangerous-syscall", 1);
        assert_int_equal(f->severity, VF_WARNING);
        t_free(&t);
        /* no syscalls section: no filter at all */
        t_check(&t, "policy p { fs { allow read /usr; } }");
        expect_finding(&t, "dangerous-syscall", 1);
        assert_int_equal(t_count(&t, "dangerous-syscall"), 1);
        t_free(&t);
}

static void test_alias(void **state)
{
        (void)state;
        T t;
        t_check(&t, POL("allow read, execveat;\nkill execve;\n"));
        const vf_finding *f = expect_finding(&t, "syscall-alias", -1);
        assert_string_equal(f->witness, "allowed: execveat; denied: execve");
        t_free(&t);
        t_check(&t, POL("allow open, openat;\ndeny open when flags & O_CREAT != 0;\n"));
        f = expect_finding(&t, "syscall-alias", -1);
        assert_non_null(strstr(f->witness, "denied: open flags=0x40"));
        t_free(&t);
        /* both restricted alike: no bypass */
        t_check(&t, POL("allow open, openat;\ndeny open, openat when flags & O_CREAT != 0;\n"));
        expect_none(&t, "syscall-alias");
        t_free(&t);
        t_check(&t, POL("allow openat;\n"));
        expect_none(&t, "syscall-alias");
        t_free(&t);
        t_check(&t, POL("allow clone when flags & CLONE_NEWUSER == 0;\nerrno(ENOSYS) clone3;\n"));
        expect_none(&t, "syscall-alias");
        t_free(&t);
        /* clone restricted, clone3 allowed: the restriction is bypassed */
        t_check(&t, POL("allow clone3;\nallow clone when flags & CLONE_NEWUSER == 0;\n"));
        f = expect_finding(&t, "syscall-alias", -1);
        assert_non_null(strstr(f->witness, "allowed: clone3"));
        t_free(&t);
        /* the compat arch */
        t_check(&t,
                "policy p { arch x86_64, x86; syscalls { default errno(EPERM); allow read; } }");
        f = expect_finding(&t, "syscall-alias", -1);
        assert_non_null(strstr(f->witness, "arch x86"));
        t_free(&t);
        t_check(&t, "policy p { arch x86_64; syscalls { default errno(EPERM); allow read; } }");
        expect_none(&t, "syscall-alias");
        t_free(&t);
}

/* ---- assertions ---- */

static void test_assert_never(void **state)
{
        (void)state;
        T t;
        t_check(&t, "policy p { assert never syscall ptrace, bpf; syscalls { default "
                    "errno(EPERM); allow ptrace; } }");
        const vf_finding *f = expect_finding(&t, "assert-never", 1);
        assert_string_equal(f->witness, "ptrace");
        assert_int_equal(f->severity, VF_ERROR);
        assert_int_equal(f->nlocs, 2);
        assert_int_equal(t_count(&t, "assert-never"), 1); /* bpf is denied */
        t_free(&t);
        t_check(&t, "policy p { assert never syscall clone when flags & CLONE_NEWUSER != 0;\n"
                    "syscalls { default errno(EPERM); allow clone;\n"
                    "deny clone when flags & (CLONE_NEWUSER | CLONE_NEWNS) == (CLONE_NEWUSER | "
                    "CLONE_NEWNS); } }");
        f = expect_finding(&t, "assert-never", 1);
        assert_non_null(strstr(f->witness, "clone flags="));
        t_free(&t);
        t_check(&t, "policy p { assert never syscall clone when flags & CLONE_NEWUSER != 0;\n"
                    "syscalls { default errno(EPERM); allow clone when flags & CLONE_NEWUSER == "
                    "0; } }");
        expect_none(&t, "assert-never");
        t_free(&t);
        /* log counts as allowed, as in eval_syscall */
        t_check(&t, "policy p { assert never syscall personality; syscalls { default "
                    "errno(EPERM); log personality; } }");
        expect_finding(&t, "assert-never", 1);
        t_free(&t);
        t_check(&t, "policy p { assert never syscall ptrace; syscalls { default "
                    "errno(EPERM); notify ptrace; } }");
        expect_none(&t, "assert-never");
        t_free(&t);
}

/* ---- compare ---- */

static vf_relation compare(const char *old_body, const char *new_body, vf_compare *out, T *t)
{
        char *text = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&text, &n);
        fprintf(m, "policy a { syscalls { %s } }\npolicy b { syscalls { %s } }\n", old_body,
                new_body);
        fclose(m);
        fx_lower(&t->fx, text);
        free(text);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
        ir_policy *a = ir_find_policy(t->fx.prog, "a"), *b = ir_find_policy(t->fx.prog, "b");
        vf_compare_sys(&t->v, a, b, out);
        assert_int_equal(t->v.internal, 0);
        assert_false(out->unknown);
        assert_string_equal(out->domain, "syscalls");
        return out->rel;
}

static void test_compare(void **state)
{
        (void)state;
        T t;
        vf_compare c;
        assert_int_equal(compare("default errno(EPERM); allow read;",
                                 "default errno(EPERM); allow read;", &c, &t),
                         VF_EQUIVALENT);
        t_free(&t);
        assert_int_equal(compare("default errno(EPERM); allow read;",
                                 "default errno(EPERM); allow read, write;", &c, &t),
                         VF_WIDER);
        assert_string_equal(c.wider_witness, "write");
        assert_null(c.narrower_witness);
        t_free(&t);
        assert_int_equal(compare("default errno(EPERM); allow socket;",
                                 "default errno(EPERM); allow socket when domain == AF_INET;", &c,
                                 &t),
                         VF_NARROWER);
        assert_non_null(c.narrower_witness);
        t_free(&t);
        assert_int_equal(compare("default errno(EPERM); allow read;",
                                 "default errno(EPERM); allow write;", &c, &t),
                         VF_INCOMPARABLE);
        t_free(&t);
        /* the defaults: any other syscall */
        assert_int_equal(compare("default errno(EPERM); allow read;", "default allow;", &c, &t),
                         VF_WIDER);
        t_free(&t);
        /* errno values differ but both deny: equivalent over "allowed" */
        assert_int_equal(compare("default errno(EPERM); allow read; kill ptrace;",
                                 "default errno(EACCES); allow read;", &c, &t),
                         VF_EQUIVALENT);
        t_free(&t);
        /* log is allowed */
        assert_int_equal(
            compare("default errno(EPERM); allow read;", "default errno(EPERM); log read;", &c, &t),
            VF_EQUIVALENT);
        t_free(&t);
}

/* ---- random rule sets ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
        rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
        return rng_state >> 17;
}
static int rn(int n)
{
        return (int)(rnd() % (uint64_t)n);
}

/* Argument kinds: what the type checker accepts differs (a 32-bit
 * argument takes 32-bit values, an unsigned one no negatives). */
enum { S32, U32, U64 };

typedef struct rsys {
        const char *name;
        const char *args[3];
        int kinds[3];
        int nargs;
} rsys;

static const rsys rsyss[] = {
    {"socket", {"domain", "type", "protocol"}, {S32, S32, S32}, 3},
    {"ioctl", {"fd", "request", "arg"}, {S32, U32, U64}, 3},
    {"clone", {"flags", "tls", NULL}, {U64, U64, 0}, 2},
    {"getpid", {"arg0", "arg1", NULL}, {U64, U64, 0}, 2}, /* positional */
};

#define NV 9
static const char *const rvals[3][NV] = {
    {"0", "1", "2", "3", "10", "-1", "-5", "0x7fffffff", "0x5413"},
    {"0", "1", "2", "3", "10", "0x7fffffff", "0x80000000", "0xffffffff", "0x5413"},
    {"0", "1", "3", "10", "0xffffffff", "0x100000000", "0x100000001", "0x80000000000000ff",
     "0x5413"},
};
static const char *const rmasks[3][5] = {
    {"1", "3", "0xff", "0xff00", "0x7000"},
    {"1", "3", "0xff", "0xff00", "0xf0000000"},
    {"1", "3", "0xff", "0xff00000000", "0x8000000000000000"},
};

static const uint64_t rargs[] = {0,
                                 1,
                                 2,
                                 3,
                                 10,
                                 (uint64_t)-1,
                                 0x7fffffff,
                                 0x80000000,
                                 0xffffffff,
                                 0x100000000,
                                 0x100000001,
                                 0x5413,
                                 0x80000000000000ffull,
                                 0xfffffffe,
                                 0x1ffffffffull,
                                 0xfffffffffffffffbull};

static void rcond(FILE *m, const rsys *s, int depth)
{
        int k = depth > 2 ? 0 : rn(6);
        int ai = rn(s->nargs);
        const char *a = s->args[ai];
        int kd = s->kinds[ai];
        static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
        switch (k) {
        case 0:
        case 1:
                fprintf(m, "%s %s %s", a, ops[rn(6)], rvals[kd][rn(NV)]);
                break;
        case 2:
                fprintf(m, "%s & %s == %s", a, rmasks[kd][rn(5)], rvals[kd][rn(3)]);
                break;
        case 3:
                fprintf(m, "(");
                rcond(m, s, depth + 1);
                fprintf(m, rn(2) ? " && " : " || ");
                rcond(m, s, depth + 1);
                fprintf(m, ")");
                break;
        case 4:
                fprintf(m, "!(");
                rcond(m, s, depth + 1);
                fprintf(m, ")");
                break;
        case 5:
                fprintf(m, "%s %sin { %s, %s }", a, rn(2) ? "not " : "", rvals[kd][rn(NV)],
                        rvals[kd][rn(NV)]);
                break;
        }
}

static const char *const racts[] = {"allow",         "log",  "notify", "errno(EPERM)",
                                    "errno(EACCES)", "trap", "kill"};

static void rrule(FILE *m, const rsys *s, const char *act)
{
        fprintf(m, "        %s %s", act ? act : racts[rn(7)], s->name);
        if (rn(5)) {
                fprintf(m, " when ");
                rcond(m, s, 0);
        }
        fprintf(m, ";\n");
}

static char *rpolicy(const char *name, int nrules, const char *extra_act, uint64_t seed_for_base)
{
        char *text = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&text, &n);
        uint64_t keep = rng_state;
        rng_state = seed_for_base;
        fprintf(m, "policy %s {\n    syscalls {\n        default %s;\n", name, racts[rn(7)]);
        for (int i = 0; i < nrules; i++)
                rrule(m, &rsyss[rn(4)], NULL);
        rng_state = keep;
        if (extra_act)
                rrule(m, &rsyss[rn(4)], extra_act);
        fprintf(m, "    }\n}\n");
        fclose(m);
        return text;
}

static void rand_args(const rsys *s, uint64_t a[6])
{
        memset(a, 0, 6 * sizeof(uint64_t));
        const sys_sig *sig = sysargs_lookup(s->name);
        for (int i = 0; i < s->nargs; i++) {
                const sys_arg *sa =
                    sig ? sysargs_find(sig, s->args[i]) : sysargs_positional(s->args[i]);
                a[sa->index] = rn(4) ? rargs[rn(16)] : rnd() * 2654435761u;
        }
}

/* The encoding's action equals eval_syscall's on random calls. */
static void test_random_encoding(void **state)
{
        (void)state;
        rng_state = 20261127;
        int checked = 0, nbuilt = 0;
        for (int round = 0; round < 60; round++) {
                char *text = rpolicy("p", 1 + rn(6), NULL, rnd());
                T t;
                t_load(&t, text);
                for (int q = 0; q < 12; q++) {
                        const rsys *s = &rsyss[rn(4)];
                        uint64_t a[6];
                        rand_args(s, a);
                        ir_action got;
                        bool allowed;
                        assert_true(vf_sys_decide(&t.v, t.p, s->name, a, &got, &allowed));
                        eval_result r = eval_syscall(t.p, s->name, a);
                        if (got.kind != r.action.kind ||
                            (got.kind == ACT_ERRNO && got.errno_val != r.action.errno_val) ||
                            allowed != r.allowed) {
                                fprintf(stderr, "%s\n%s %llx %llx %llx\n", text, s->name,
                                        (unsigned long long)a[0], (unsigned long long)a[1],
                                        (unsigned long long)a[2]);
                                fail();
                        }
                        checked++;
                }
                /* and every check runs clean: witnesses replay, through
                 * the evaluator and through the compiled program */
                oshb_bundle b;
                /* (a random condition can need more than the kernel's
                 * 4,096 instructions: then no bundle) */
                if (bundle_build(&t.fx.ctx, t.fx.prog, t.p, &b)) {
                        t.v.bundle = &b;
                        nbuilt++;
                }
                vf_check_sys(&t.v, t.p);
                t.v.bundle = NULL;
                if (t.v.internal)
                        fprintf(stderr, "%s\n", text);
                assert_int_equal(t.v.internal, 0);
                assert_int_equal(t.v.unknowns, 0);
                t_free(&t);
                free(text);
        }
        assert_int_equal(checked, 60 * 12);
        assert_true(nbuilt >= 40);
}

static bool sampled_allows(const ir_policy *p, const rsys *s, const uint64_t a[6])
{
        return eval_syscall(p, s->name, a).allowed;
}

/* NEW = OLD plus one allow: wider or equivalent, and wider exactly when
 * sampling finds a call NEW allows and OLD denies (sampling can miss
 * one: then the witness compare() gives must be such a call).  The same
 * with one kill added: narrower or equivalent. */
static void test_random_compare(void **state)
{
        (void)state;
        rng_state = 77;
        for (int round = 0; round < 60; round++) {
                bool add_allow = round % 2 == 0;
                uint64_t base = rnd();
                int nr = 1 + rn(5);
                char *old = rpolicy("a", nr, NULL, base);
                char *new = rpolicy("b", nr, add_allow ? "allow" : "kill", base);
                char *both = NULL;
                size_t n = 0;
                FILE *m = open_memstream(&both, &n);
                fprintf(m, "%s%s", old, new);
                fclose(m);
                T t;
                fx_lower(&t.fx, both);
                vf_init(&t.v, 0);
                vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
                ir_policy *pa = ir_find_policy(t.fx.prog, "a"),
                          *pb = ir_find_policy(t.fx.prog, "b");
                assert_non_null(pa);
                assert_non_null(pb);
                vf_compare c;
                vf_compare_sys(&t.v, pa, pb, &c);
                assert_int_equal(t.v.internal, 0);
                assert_false(c.unknown);
                bool wider = false, narrower = false;
                for (int q = 0; q < 400; q++) {
                        const rsys *s = &rsyss[rn(4)];
                        uint64_t a[6];
                        rand_args(s, a);
                        bool x = sampled_allows(pa, s, a), y = sampled_allows(pb, s, a);
                        wider |= y && !x;
                        narrower |= x && !y;
                }
                if (add_allow) {
                        assert_true(c.rel == VF_WIDER || c.rel == VF_EQUIVALENT);
                        assert_false(narrower);
                        if (wider)
                                assert_int_equal(c.rel, VF_WIDER);
                } else {
                        assert_true(c.rel == VF_NARROWER || c.rel == VF_EQUIVALENT);
                        assert_false(wider);
                        if (narrower)
                                assert_int_equal(c.rel, VF_NARROWER);
                }
                /* a witness, when given, is a call the two decide apart */
                const char *w = add_allow ? c.wider_witness : c.narrower_witness;
                if (w) {
                        eval_result ra, rb;
                        char err[256];
                        assert_true(
                            eval_request(pa, &t.v.env, w, &ra, err, sizeof err, &t.fx.ctx.arena));
                        assert_true(
                            eval_request(pb, &t.v.env, w, &rb, err, sizeof err, &t.fx.ctx.arena));
                        assert_int_equal(rb.allowed, add_allow);
                        assert_int_equal(ra.allowed, !add_allow);
                }
                vf_free(&t.v);
                fx_free(&t.fx);
                free(both);
                free(old);
                free(new);
        }
}

/* ---- witnesses through the compiled program ---- */

static void test_bundle_replay(void **state)
{
        (void)state;
        T t;
        t_load_named(&t,
                     "policy p { syscalls { default errno(EPERM); allow read, ptrace;\n"
                     "allow clone; allow socket when domain == AF_INET;\n"
                     "deny socket when type == SOCK_RAW; } }\n"
                     "policy q { syscalls { default errno(EPERM); allow read; kill ptrace; } }\n",
                     "p");
        ir_policy *q = ir_find_policy(t.fx.prog, "q");
        oshb_bundle b, bq;
        assert_true(bundle_build(&t.fx.ctx, t.fx.prog, t.p, &b));
        assert_true(bundle_build(&t.fx.ctx, t.fx.prog, q, &bq));
        t.v.bundle = &b;
        vf_check_sys(&t.v, t.p);
        assert_int_equal(t.v.internal, 0);
        expect_finding(&t, "conflict", 0);
        expect_finding(&t, "dangerous-syscall", 1);
        /* the program of another policy disagrees with the proof: loud */
        int nf = t.v.nf;
        t.v.bundle = &bq;
        vf_check_sys(&t.v, t.p);
        assert_true(t.v.internal > 0);
        assert_true(t.v.nf > nf);
        t.v.bundle = NULL;
        t_free(&t);
}

/* ---- the stdlib example: clean replays, time ---- */

static void test_coding_agent(void **state)
{
        (void)state;
        T t;
        fx_load_file(&t.fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&t.fx);
        t.fx.prog = ir_lower(&t.fx.ctx);
        assert_non_null(t.fx.prog);
        vf_init(&t.v, 0);
        vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < t.fx.prog->npolicies; i++)
                vf_check_sys(&t.v, t.fx.prog->policies[i]);
        ir_policy *a = ir_find_policy(t.fx.prog, "coding_agent");
        ir_policy *b = ir_find_policy(t.fx.prog, "org_boundary");
        vf_compare c;
        vf_compare_sys(&t.v, b, a, &c);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        fprintf(stderr, "  coding_agent + org_boundary, syscalls: %.1f ms, %d findings\n", ms,
                t.v.nf);
        assert_int_equal(t.v.internal, 0);
        assert_int_equal(t.v.unknowns, 0);
        /* coding_agent logs personality: the one error */
        bool personality = false;
        for (int i = 0; i < t.v.nf; i++)
                personality |= !strcmp(t.v.f[i].name, "dangerous-syscall") &&
                               !strcmp(t.v.f[i].policy, "coding_agent") &&
                               strstr(t.v.f[i].witness, "personality");
        assert_true(personality);
        /* syscall-wise the two allow the same calls (log is allowed;
         * kill and the default errno both deny) */
        assert_int_equal(c.rel, VF_EQUIVALENT);
        vf_free(&t.v);
        fx_free(&t.fx);
}

/* A generated 1,000-rule policy: conditions over a few syscalls. */
static void test_large(void **state)
{
        (void)state;
        rng_state = 4242;
        char *text = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&text, &n);
        fprintf(m, "policy p {\n    syscalls {\n        default errno(EPERM);\n");
        for (int i = 0; i < 1000; i++) {
                if (i % 4 == 0) {
                        rrule(m, &rsyss[rn(4)], NULL);
                } else {
                        /* many syscalls with plain rules, as stdlib policies have */
                        static const char *const plain[] = {
                            "read",  "write",    "close",   "openat", "mmap",    "munmap",
                            "brk",   "futex",    "fstat",   "lseek",  "pread64", "pwrite64",
                            "dup",   "dup3",     "pipe2",   "kill",   "getuid",  "getgid",
                            "uname", "fcntl",    "madvise", "prctl",  "execve",  "wait4",
                            "exit",  "mprotect", "getcwd",  "chdir",  "rename",  "unlinkat"};
                        fprintf(m, "        %s %s;\n", rn(3) ? "allow" : "errno(EACCES)",
                                plain[rn(30)]);
                }
        }
        fprintf(m, "    }\n}\n");
        fclose(m);
        T t;
        t_load(&t, text);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        vf_check_sys(&t.v, t.p);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        fprintf(stderr, "  1,000 generated rules, syscalls: %.1f ms, %d findings\n", ms, t.v.nf);
        assert_int_equal(t.v.internal, 0);
        t_free(&t);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_dead_rule),
            cmocka_unit_test(test_shadowed_rule),
            cmocka_unit_test(test_shadowed_set_level),
            cmocka_unit_test(test_redundant_rule),
            cmocka_unit_test(test_conflict),
            cmocka_unit_test(test_vacuous_rule),
            cmocka_unit_test(test_dangerous),
            cmocka_unit_test(test_alias),
            cmocka_unit_test(test_assert_never),
            cmocka_unit_test(test_compare),
            cmocka_unit_test(test_random_encoding),
            cmocka_unit_test(test_random_compare),
            cmocka_unit_test(test_bundle_replay),
            cmocka_unit_test(test_coding_agent),
            cmocka_unit_test(test_large),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
