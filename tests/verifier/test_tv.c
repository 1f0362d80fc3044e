/*
 * test_tv.c - translation validation (verifier/tv_bpf.c, tv_tables.c).
 *
 * Compiled bundles of the stdlib example, the escape-suite policies and
 * seeded random syscall policies must validate clean.  Then the bundle is
 * corrupted, one thing at a time, and every corruption that changes what
 * the bundle means must be reported as a "translation" finding: each
 * instruction of a seccomp program gets a different jump target, constant,
 * return value and opcode; a corruption the validator accepts must be
 * shown equivalent by running both programs on many concrete inputs.  A
 * Landlock rule, a mount mask, cgroup and rlimit values, process settings
 * and proxy rules are corrupted likewise.  Every counterexample is
 * replayed by the validator itself; v.internal counts disagreements.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "backends/backends.h"
#include "backends/bpf.h"
#include "backends/landlock_abi.h"
#include "lang/sysargs.h"
#include "verifier/verify.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <time.h>

static double now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

typedef struct tvt {
        fixture fx;
        ir_policy *p;
        oshb_bundle b;
        vf v;
} tvt;

static void tvt_build(tvt *t, ir_policy *p)
{
        t->p = p;
        if (!bundle_build(&t->fx.ctx, t->fx.prog, p, &t->b))
                fx_dump(&t->fx);
        assert_int_equal(t->fx.ctx.nerrors, 0);
}

static void tvt_load(tvt *t, const char *text, const char *name)
{
        ir_policy *p = fx_policy(&t->fx, text, name);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
        tvt_build(t, p);
}

static void tvt_free(tvt *t)
{
        vf_free(&t->v);
        fx_free(&t->fx);
}

/* Translation findings that validating `b` adds. */
static int validate(tvt *t, const oshb_bundle *b)
{
        int before = t->v.nf;
        vf_validate_bpf(&t->v, t->p, b);
        vf_validate_tables(&t->v, t->p, b);
        int n = 0;
        for (int i = before; i < t->v.nf; i++)
                n += !strcmp(t->v.f[i].name, "translation");
        return n;
}

static void dump_findings(tvt *t, int from)
{
        for (int i = from; i < t->v.nf; i++)
                print_message("  finding %s [%s]: %s\n    witness: %s\n", t->v.f[i].name,
                              t->v.f[i].layer, t->v.f[i].message,
                              t->v.f[i].witness ? t->v.f[i].witness : "");
}

static void expect_clean(tvt *t)
{
        int before = t->v.nf;
        double t0 = now_ms();
        vf_validate_bpf(&t->v, t->p, &t->b);
        double t1 = now_ms();
        vf_validate_tables(&t->v, t->p, &t->b);
        double t2 = now_ms();
        int n = t->v.nf - before;
        if (n)
                dump_findings(t, before);
        print_message("  policy %-16s %2u program(s), %4u insns: seccomp %6.1f ms, tables %6.1f "
                      "ms\n",
                      t->p->name, t->b.nseccomp, t->b.nseccomp ? t->b.seccomp[0].ninsns : 0,
                      t1 - t0, t2 - t1);
        assert_int_equal(n, 0);
        assert_int_equal(t->v.internal, 0);
        assert_int_equal(t->v.unknowns, 0);
        assert_true(t2 - t0 < 1000);
}

/* ---- clean bundles ---- */

static void validate_file(const char *path, int *npolicies)
{
        tvt t;
        memset(&t, 0, sizeof t);
        fx_load_file(&t.fx, path);
        fx_expect_clean(&t.fx);
        t.fx.prog = ir_lower(&t.fx.ctx);
        assert_non_null(t.fx.prog);
        vf_init(&t.v, 0);
        vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
        for (int i = 0; i < t.fx.prog->npolicies; i++) {
                ir_policy *p = t.fx.prog->policies[i];
                if (p->where.file != 0)
                        continue; /* imported: validated with its own file */
                tvt_build(&t, p);
                expect_clean(&t);
                (*npolicies)++;
        }
        tvt_free(&t);
}

static void test_stdlib_example_clean(void **state)
{
        (void)state;
        int n = 0;
        validate_file("stdlib-policies/examples/coding_agent.osh", &n);
        assert_true(n >= 1);
}

static void test_escape_policies_clean(void **state)
{
        (void)state;
        if (access("tests/e2e/escape/escape.osh", R_OK) != 0)
                skip();
        int n = 0;
        validate_file("tests/e2e/escape/escape.osh", &n);
        print_message("  %d escape-suite policies validate clean\n", n);
        assert_true(n >= 5);
}

/* ---- seeded random syscall policies ---- */

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint32_t)(rng % n);
}

typedef struct rsys {
        const char *name;
        const char *args[3];
} rsys;

static const rsys rsyscalls[] = {
    {"kill", {"pid", "sig", NULL}},          {"socket", {"domain", "type", "protocol"}},
    {"unshare", {"flags", NULL, NULL}},      {"personality", {"persona", NULL, NULL}},
    {"prctl", {"option", "arg2", "arg3"}},   {"listen", {"sockfd", "backlog", NULL}},
    {"getrandom", {"arg0", "arg1", "arg2"}}, {"shutdown", {"sockfd", "how", NULL}},
};

/* Values an argument of this width and signedness can be compared with. */
static const char *rand_value(const rsys *s, const char *argname)
{
        static const char *const s32[] = {"0", "1",    "2",     "-1", "7",           "10",
                                          "3", "4096", "65535", "-2", "-2147483648", "2147483647"};
        static const char *const u32[] = {"0",    "1",     "2",          "7",          "10",  "3",
                                          "4096", "65535", "0x80000000", "0xffffffff", "0xff"};
        static const char *const s64[] = {"0", "1", "2", "-1", "7", "0x100000000", "4096", "-4096"};
        static const char *const u64[] = {"0",           "1",          "2",
                                          "7",           "0x80000000", "0xffffffff",
                                          "0x100000000", "4096",       "0xffffffffffffffff"};
        const sys_sig *sig = sysargs_lookup(s->name);
        const sys_arg *a = sig ? sysargs_find(sig, argname) : NULL;
        if (!a)
                a = sysargs_positional(argname);
        bool w32 = a && a->width == 32, sg = a && a->is_signed;
#define PICK(l) l[rnd(sizeof(l) / sizeof(l[0]))]
        return w32 ? (sg ? PICK(s32) : PICK(u32)) : (sg ? PICK(s64) : PICK(u64));
#undef PICK
}

static void rand_cmp(char *buf, size_t n, const rsys *s)
{
        int na = 0;
        while (na < 3 && s->args[na])
                na++;
        const char *arg = s->args[rnd((uint32_t)na)];
        static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
        const char *val = rand_value(s, arg);
        if (rnd(4) == 0)
                snprintf(buf, n, "%s & 0x%x == %s", arg, 1u << rnd(8), rnd(2) ? "0" : "1");
        else if (rnd(5) == 0)
                snprintf(buf, n, "%s in { 1, 2, %s }", arg, val);
        else
                snprintf(buf, n, "%s %s %s", arg, ops[rnd(6)], val);
}

static void rand_cond(char *buf, size_t n, const rsys *s, int depth)
{
        char l[256], r[256];
        switch (depth > 1 ? 0 : rnd(4)) {
        case 1:
                rand_cond(l, sizeof l, s, depth + 1);
                rand_cond(r, sizeof r, s, depth + 1);
                snprintf(buf, n, "(%s && %s)", l, r);
                return;
        case 2:
                rand_cond(l, sizeof l, s, depth + 1);
                rand_cond(r, sizeof r, s, depth + 1);
                snprintf(buf, n, "(%s || %s)", l, r);
                return;
        case 3:
                rand_cond(l, sizeof l, s, depth + 1);
                snprintf(buf, n, "!(%s)", l);
                return;
        }
        rand_cmp(buf, n, s);
}

static const char *rand_action(void)
{
        static const char *const acts[] = {"allow",         "log",           "errno(EPERM)",
                                           "errno(EACCES)", "errno(ENOSYS)", "trap",
                                           "kill",          "errno(EINVAL)"};
        return acts[rnd(sizeof(acts) / sizeof(acts[0]))];
}

static char *rand_policy(int seed)
{
        static const char *const arches[] = {"", "arch x86_64;", "arch aarch64;",
                                             "arch x86_64, aarch64;"};
        size_t cap = 16384, len = 0;
        char *out = malloc(cap);
        assert_non_null(out);
        len += (size_t)snprintf(out + len, cap - len, "policy random%d {\n    %s\n    syscalls {\n",
                                seed, arches[rnd(4)]);
        const char *def = rand_action();
        len += (size_t)snprintf(out + len, cap - len, "        default %s;\n", def);
        int nrules = 1 + (int)rnd(8);
        for (int i = 0; i < nrules; i++) {
                const rsys *s = &rsyscalls[rnd(sizeof(rsyscalls) / sizeof(rsyscalls[0]))];
                char cond[1024];
                rand_cond(cond, sizeof cond, s, 0);
                bool with = rnd(5) != 0;
                len += (size_t)snprintf(out + len, cap - len, "        %s %s%s%s;\n", rand_action(),
                                        s->name, with ? " when " : "", with ? cond : "");
        }
        snprintf(out + len, cap - len, "    }\n    fs { allow read /usr; }\n}\n");
        return out;
}

static uint32_t action_of(uint32_t ret);

/* The validator proved program == policy with its own encoding of the
 * conditions; check that encoding against the reference evaluator: the
 * program run concretely must decide as eval_syscall on many inputs. */
static void cross_check(tvt *t)
{
        static const uint64_t vals[] = {0,          1,           2,          3,
                                        7,          9,           10,         0xff,
                                        4096,       65535,       0x7fffffff, 0x80000000,
                                        0xffffffff, 0x100000000, ~0ull,      0xffffffff80000000ull,
                                        ~1ull,      0x8,         0x40,       0x80};
        const size_t nv = sizeof(vals) / sizeof(vals[0]);
        for (uint32_t pi = 0; pi < t->b.nseccomp; pi++) {
                const oshb_seccomp_prog *pr = &t->b.seccomp[pi];
                for (int s = 0; s < t->p->nsyscalls; s++) {
                        int nr = seccomp_syscall_resolve_name_arch(pr->audit_arch,
                                                                   t->p->syscalls[s].name);
                        if (nr < 0)
                                continue;
                        for (size_t k = 0; k < 400; k++) {
                                bpf_seccomp_data d = {.nr = (uint32_t)nr, .arch = pr->audit_arch};
                                for (int a = 0; a < 6; a++)
                                        d.args[a] = vals[(k * (size_t)(a + 3) + k / nv) % nv];
                                eval_result r = eval_syscall(t->p, t->p->syscalls[s].name, d.args);
                                bpf_run_result x = bpf_run(pr->insns, pr->ninsns, &d, false);
                                assert_true(x.ok);
                                assert_int_equal(action_of(x.ret),
                                                 action_of(bpf_action_ret(r.action)));
                        }
                }
        }
}

static void test_random_policies_clean(void **state)
{
        (void)state;
        rng = 0x9e3779b97f4a7c15ull;
        int ok = 0, skipped = 0;
        double worst = 0;
        for (int seed = 0; seed < 40; seed++) {
                char *text = rand_policy(seed);
                tvt t;
                memset(&t, 0, sizeof t);
                fx_load(&t.fx, text);
                if (t.fx.ctx.nerrors) {
                        /* a generated condition the checker refuses (a
                         * value out of an argument's range): not our subject */
                        skipped++;
                        if (getenv("OSH_TV_SHOW"))
                                print_message("%s%s", text, fx_text(&t.fx));
                        fx_free(&t.fx);
                        free(text);
                        continue;
                }
                t.fx.prog = ir_lower(&t.fx.ctx);
                assert_non_null(t.fx.prog);
                ir_policy *p = ir_select_policy(t.fx.prog, NULL);
                vf_init(&t.v, 0);
                vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
                t.p = p;
                if (!bundle_build(&t.fx.ctx, t.fx.prog, p, &t.b)) {
                        skipped++;
                        tvt_free(&t);
                        free(text);
                        continue;
                }
                double t0 = now_ms();
                int n = validate(&t, &t.b);
                double ms = now_ms() - t0;
                worst = ms > worst ? ms : worst;
                if (getenv("OSH_TV_SHOW"))
                        print_message("%s  %.1f ms\n", text, ms);
                if (n || t.v.internal) {
                        print_message("%s", text);
                        dump_findings(&t, 0);
                }
                assert_int_equal(n, 0);
                assert_int_equal(t.v.internal, 0);
                cross_check(&t);
                ok++;
                tvt_free(&t);
                free(text);
        }
        print_message("  %d random policies validate clean (%d refused by the checker), worst "
                      "%.1f ms\n",
                      ok, skipped, worst);
        assert_true(ok >= 25);
}

/* ---- seccomp mutations ---- */

static const char *const mutation_policy =
    "policy m {\n"
    "    arch x86_64;\n"
    "    syscalls {\n"
    "        default errno(EPERM);\n"
    "        allow read, write, close, exit_group, openat, fstat, mmap, munmap, brk;\n"
    "        allow rt_sigaction, rt_sigprocmask, futex, getpid, gettid, execve;\n"
    "        errno(EACCES) mount, umount2, pivot_root;\n"
    "        trap bpf;\n"
    "        allow clone when flags & CLONE_NEWUSER == 0;\n"
    "        errno(ENOSYS) clone3;\n"
    "        allow socket when domain in { AF_UNIX, AF_INET } && type & 0xf == SOCK_STREAM;\n"
    "        kill ptrace;\n"
    "        allow kill when sig != SIGKILL;\n"
    "        allow personality when persona == 0xffffffff;\n"
    "    }\n"
    "}\n";

static uint32_t action_of(uint32_t ret)
{
        uint32_t a = ret & SECCOMP_RET_ACTION_FULL;
        if (a == SECCOMP_RET_ERRNO) {
                uint32_t e = ret & SECCOMP_RET_DATA;
                return a | (e > 4095 ? 4095 : e);
        }
        static const uint32_t known_actions[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
                                                 SECCOMP_RET_TRAP,         SECCOMP_RET_USER_NOTIF,
                                                 SECCOMP_RET_TRACE,        SECCOMP_RET_LOG,
                                                 SECCOMP_RET_ALLOW};
        for (size_t i = 0; i < sizeof(known_actions) / sizeof(known_actions[0]); i++)
                if (a == known_actions[i])
                        return a;
        return SECCOMP_RET_KILL_PROCESS;
}

/* Does `mut` decide some concrete input differently from `orig`?  The
 * inputs: every number 0..600 and the x32 and -1 ones, under the
 * program's arch and a foreign one, with arguments built from every
 * constant the program compares against (k-1, k, k+1 in either half). */
static bool concretely_differs(const oshb_seccomp_prog *orig, const oshb_insn *mut)
{
        uint64_t vals[256];
        int nv = 0;
        vals[nv++] = 0;
        vals[nv++] = ~0ull;
        for (uint32_t i = 0; i < orig->ninsns && nv < 240; i++) {
                const oshb_insn *in = &orig->insns[i];
                if (BPF_CLASS(in->code) != BPF_JMP && BPF_CLASS(in->code) != BPF_ALU)
                        continue;
                uint64_t k = in->k;
                vals[nv++] = k;
                vals[nv++] = k + 1;
                vals[nv++] = k - 1;
                vals[nv++] = k << 32;
                vals[nv++] = (k << 32) | 0xffffffffu;
        }
        static const uint32_t extra_nrs[] = {0x40000000, 0x40000001, 0x4000003b, 0xffffffff,
                                             0x7fffffff};
        static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0};
        for (size_t ai = 0; ai < 3; ai++)
                for (uint32_t nr = 0; nr < 600 + 5; nr++) {
                        bpf_seccomp_data d = {0};
                        d.arch = arches[ai];
                        d.nr = nr < 600 ? nr : extra_nrs[nr - 600];
                        for (int round = 0; round < nv * 2; round++) {
                                for (int a = 0; a < 6; a++)
                                        d.args[a] = vals[(round * (a + 1) + a * 7 +
                                                          (round / nv) * (a == 0 ? 0 : 3)) %
                                                         nv];
                                if (round == 0)
                                        memset(d.args, 0, sizeof d.args);
                                bpf_run_result x = bpf_run(orig->insns, orig->ninsns, &d, false);
                                bpf_run_result y = bpf_run(mut, orig->ninsns, &d, false);
                                if (x.ok != y.ok || action_of(x.ret) != action_of(y.ret))
                                        return true;
                                if (ai > 0 || nr >= 600)
                                        break; /* arguments do not matter there */
                        }
                }
        return false;
}

/* The variants of one instruction: another jump target, constant,
 * return value or opcode.  Returns how many were written to out. */
static int mutations_of(const oshb_insn *in, uint32_t pc, uint32_t n, oshb_insn out[8])
{
        int m = 0;
        oshb_insn x;
        switch (BPF_CLASS(in->code)) {
        case BPF_JMP:
                if (BPF_OP(in->code) == BPF_JA) {
                        x = *in;
                        x.k = in->k ? in->k - 1 : in->k + 1;
                        if (pc + 1 + x.k < n)
                                out[m++] = x;
                        break;
                }
                x = *in;
                x.jt = (uint8_t)(in->jt + 1);
                if (pc + 1 + x.jt < n && x.jt != 0)
                        out[m++] = x;
                x = *in;
                x.jf = in->jf ? (uint8_t)(in->jf - 1) : (uint8_t)(in->jf + 1);
                if (pc + 1 + x.jf < n)
                        out[m++] = x;
                x = *in;
                x.k ^= 1;
                out[m++] = x;
                x = *in;
                switch (BPF_OP(in->code)) {
                case BPF_JEQ:
                        x.code = (uint16_t)((in->code & ~0xf0) | BPF_JGE);
                        break;
                case BPF_JGE:
                        x.code = (uint16_t)((in->code & ~0xf0) | BPF_JGT);
                        break;
                case BPF_JGT:
                        x.code = (uint16_t)((in->code & ~0xf0) | BPF_JEQ);
                        break;
                default:
                        x.code = (uint16_t)((in->code & ~0xf0) | BPF_JEQ);
                        break;
                }
                out[m++] = x;
                break;
        case BPF_RET:
                x = *in;
                x.k = in->k == SECCOMP_RET_ALLOW ? SECCOMP_RET_ERRNO | 1 : SECCOMP_RET_ALLOW;
                out[m++] = x;
                x = *in;
                x.k = (in->k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ? in->k + 1
                                                                             : SECCOMP_RET_LOG;
                out[m++] = x;
                x = *in;
                x.code = BPF_RET | BPF_A;
                out[m++] = x;
                break;
        case BPF_LD:
                x = *in;
                if (in->code == (BPF_LD | BPF_W | BPF_ABS))
                        x.k = in->k >= 60 ? in->k - 4 : in->k + 4;
                else
                        x.k ^= 1;
                out[m++] = x;
                break;
        case BPF_ALU:
                x = *in;
                x.k ^= 1;
                if (x.k)
                        out[m++] = x;
                x = *in;
                x.code = (uint16_t)((in->code & ~0xf0) |
                                    (BPF_OP(in->code) == BPF_AND ? BPF_OR : BPF_AND));
                out[m++] = x;
                break;
        default:
                x = *in;
                x.k ^= 1;
                out[m++] = x;
                break;
        }
        return m;
}

static void test_seccomp_mutations(void **state)
{
        (void)state;
        tvt t;
        memset(&t, 0, sizeof t);
        tvt_load(&t, mutation_policy, "m");
        expect_clean(&t);
        assert_int_equal(t.b.nseccomp, 1);
        const oshb_seccomp_prog *orig = &t.b.seccomp[0];
        oshb_insn *mut = malloc(sizeof(oshb_insn) * orig->ninsns);
        assert_non_null(mut);
        oshb_seccomp_prog mp = *orig;
        mp.insns = mut;
        oshb_bundle mb = t.b;
        mb.seccomp = &mp;
        int total = 0, caught = 0, equivalent = 0;
        double t0 = now_ms();
        for (uint32_t pc = 0; pc < orig->ninsns; pc++) {
                oshb_insn vars[8];
                int nvars = mutations_of(&orig->insns[pc], pc, orig->ninsns, vars);
                for (int i = 0; i < nvars; i++) {
                        memcpy(mut, orig->insns, sizeof(oshb_insn) * orig->ninsns);
                        mut[pc] = vars[i];
                        total++;
                        int before = t.v.nf;
                        vf_validate_bpf(&t.v, t.p, &mb);
                        bool found = t.v.nf > before;
                        if (found) {
                                caught++;
                                continue;
                        }
                        /* accepted: it must change nothing on any input */
                        if (concretely_differs(orig, mut)) {
                                print_message("missed: insn %u code 0x%x -> 0x%x k 0x%x -> 0x%x jt "
                                              "%u->%u jf %u->%u\n",
                                              pc, orig->insns[pc].code, mut[pc].code,
                                              orig->insns[pc].k, mut[pc].k, orig->insns[pc].jt,
                                              mut[pc].jt, orig->insns[pc].jf, mut[pc].jf);
                                fail();
                        }
                        equivalent++;
                }
        }
        double ms = now_ms() - t0;
        print_message("  seccomp mutations: %d over %u instructions, %d caught, %d equivalent "
                      "(shown so on concrete inputs), kill rate %.1f%% of all, 100%% of the "
                      "semantic ones; %.2f ms per validation\n",
                      total, orig->ninsns, caught, equivalent, 100.0 * caught / total, ms / total);
        assert_int_equal(t.v.internal, 0);
        assert_true(caught + equivalent == total);
        assert_true(caught > total / 2);
        /* one finding carries the exact input and the path */
        bool shown = false;
        for (int i = 0; i < t.v.nf && !shown; i++)
                shown = t.v.f[i].witness && strstr(t.v.f[i].witness, "bpf path: 0 1 ") &&
                        strstr(t.v.f[i].witness, "args=[");
        assert_true(shown);
        free(mut);
        tvt_free(&t);
}

static void test_seccomp_malformed(void **state)
{
        (void)state;
        tvt t;
        memset(&t, 0, sizeof t);
        tvt_load(&t, mutation_policy, "m");
        const oshb_seccomp_prog *orig = &t.b.seccomp[0];
        oshb_insn *mut = malloc(sizeof(oshb_insn) * 5000);
        assert_non_null(mut);
        oshb_seccomp_prog mp = *orig;
        mp.insns = mut;
        oshb_bundle mb = t.b;
        mb.seccomp = &mp;
        /* a backward jump (JA wraps around to itself) */
        memcpy(mut, orig->insns, sizeof(oshb_insn) * orig->ninsns);
        mut[3] = (oshb_insn){BPF_JMP | BPF_JA, 0, 0, 0xffffffffu};
        int before = t.v.nf;
        vf_validate_bpf(&t.v, t.p, &mb);
        assert_int_equal(t.v.nf, before + 1);
        assert_non_null(strstr(t.v.f[before].message, "backward"));
        /* 4097 instructions: the program, padded with no-ops in front of the ret */
        uint32_t n = 4097;
        mut[0] = orig->insns[0];
        mut[1] = orig->insns[1];
        mut[1].jt = 0;
        mut[1].jf = 1;
        mut[2] = (oshb_insn){BPF_JMP | BPF_JA, 0, 0, 1};
        mut[3] = (oshb_insn){BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS};
        for (uint32_t i = 4; i < n - 1; i++)
                mut[i] = (oshb_insn){BPF_LD | BPF_W | BPF_ABS, 0, 0, 0};
        mut[n - 1] = (oshb_insn){BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | 1};
        mp.ninsns = n;
        before = t.v.nf;
        vf_validate_bpf(&t.v, t.p, &mb);
        assert_int_equal(t.v.nf, before + 1);
        assert_non_null(strstr(t.v.f[before].message, "4096"));
        /* a path that reads a scratch word never written */
        memcpy(mut, orig->insns, sizeof(oshb_insn) * orig->ninsns);
        mp.ninsns = orig->ninsns;
        mut[2] = (oshb_insn){BPF_LD | BPF_MEM, 0, 0, 3};
        before = t.v.nf;
        vf_validate_bpf(&t.v, t.p, &mb);
        assert_true(t.v.nf > before);
        /* the arch test missing */
        memcpy(mut, orig->insns, sizeof(oshb_insn) * orig->ninsns);
        mut[0].k = 0;
        before = t.v.nf;
        vf_validate_bpf(&t.v, t.p, &mb);
        assert_true(t.v.nf > before);
        /* no program for the policy's arch */
        mb.nseccomp = 0;
        before = t.v.nf;
        vf_validate_bpf(&t.v, t.p, &mb);
        assert_int_equal(t.v.nf, before + 1);
        assert_int_equal(t.v.internal, 0);
        free(mut);
        tvt_free(&t);
}

/* A big-endian arch (which libseccomp cannot build here, so the program is
 * written by hand): the first word of a 64-bit field is its high half.
 * `sig` is a 32-bit argument: only its low half (offset 28 of args[1] on
 * s390x) may be compared. */
static void test_big_endian_program(void **state)
{
        (void)state;
        tvt t;
        memset(&t, 0, sizeof t);
        ir_policy *p = fx_policy(&t.fx,
                                 "policy be {\n"
                                 "    arch s390x;\n"
                                 "    syscalls {\n"
                                 "        default errno(EPERM);\n"
                                 "        allow kill when sig == 9;\n"
                                 "    }\n"
                                 "}\n",
                                 "be");
        vf_init(&t.v, 0);
        vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
        t.p = p;
        int nr = seccomp_syscall_resolve_name_arch(AUDIT_ARCH_S390X, "kill");
        assert_true(nr > 0);
        oshb_insn prog[] = {
            {BPF_LD | BPF_W | BPF_ABS, 0, 0, 4},
            {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_S390X},
            {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS},
            {BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
            {BPF_JMP | BPF_JEQ | BPF_K, 0, 2, (uint32_t)nr},
            {BPF_LD | BPF_W | BPF_ABS, 0, 0, 28}, /* args[1], low half on big-endian */
            {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 9},
            {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | 1},
            {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
        };
        oshb_seccomp_prog sp = {AUDIT_ARCH_S390X, sizeof(prog) / sizeof(prog[0]), prog};
        memset(&t.b, 0, sizeof t.b);
        t.b.nseccomp = 1;
        t.b.seccomp = &sp;
        int before = t.v.nf;
        vf_validate_bpf(&t.v, p, &t.b);
        if (t.v.nf != before)
                dump_findings(&t, before);
        assert_int_equal(t.v.nf, before);
        /* the high half instead: sig = 9 in the low half is not allowed */
        prog[5].k = 24;
        vf_validate_bpf(&t.v, p, &t.b);
        assert_int_equal(t.v.nf, before + 1);
        dump_findings(&t, before);
        assert_non_null(strstr(t.v.f[before].message,
                               "returns errno(EPERM) for kill where the policy says allow"));
        assert_int_equal(t.v.internal, 0);
        vf_free(&t.v);
        fx_free(&t.fx);
}

/* ---- table corruptions ---- */

static const char *const tables_policy =
    "policy tables {\n"
    "    fs {\n"
    "        allow read, write /work;\n"
    "        deny write /work/ro;\n"
    "        deny /work/secret;\n"
    "        deny exec /work/bin;\n"
    "        allow read, exec /usr;\n"
    "        allow read, write $WORKDIR;\n"
    "        deny $WORKDIR/.env;\n"
    "    }\n"
    "    net {\n"
    "        allow connect api.example.com:443;\n"
    "        allow connect *.pypi.org:443 from /usr/bin/pip3 and children;\n"
    "        deny connect evil.example.com:*;\n"
    "        allow connect 10.1.0.0/16:8080..8090;\n"
    "        allow connect api.github.com:80 {\n"
    "            allow http GET, HEAD /repos/**;\n"
    "            deny http * /repos/*/secret/**;\n"
    "        }\n"
    "        allow bind 127.0.0.1:8000..8010;\n"
    "        deny bind 127.0.0.1:8005;\n"
    "    }\n"
    "    limits { memory 2GiB; pids 256; cpu 150%; cputime 30m; files 4096; walltime 2h; }\n"
    "    process { user 1000; caps none; env keep PATH, HOME; hostname agent; }\n"
    "}\n";

typedef struct corruption {
        const char *what;
        void (*apply)(oshb_bundle *b, arena *a);
} corruption;

static void c_ll_rights(oshb_bundle *b, arena *a)
{
        oshb_ll_path *ps = arena_alloc(a, sizeof(*ps) * b->landlock.npaths);
        memcpy(ps, b->landlock.paths, sizeof(*ps) * b->landlock.npaths);
        for (uint32_t i = 0; i < b->landlock.npaths; i++)
                if (!(ps[i].access & LANDLOCK_ACCESS_FS_EXECUTE)) {
                        ps[i].access |= LANDLOCK_ACCESS_FS_EXECUTE;
                        break;
                }
        b->landlock.paths = ps;
}
static void c_ll_drop_write(oshb_bundle *b, arena *a)
{
        oshb_ll_path *ps = arena_alloc(a, sizeof(*ps) * b->landlock.npaths);
        memcpy(ps, b->landlock.paths, sizeof(*ps) * b->landlock.npaths);
        for (uint32_t i = 0; i < b->landlock.npaths; i++)
                ps[i].access &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
        b->landlock.paths = ps;
}
static void c_ll_path(oshb_bundle *b, arena *a)
{
        oshb_ll_path *ps = arena_alloc(a, sizeof(*ps) * b->landlock.npaths);
        memcpy(ps, b->landlock.paths, sizeof(*ps) * b->landlock.npaths);
        ps[0].path = "/";
        b->landlock.paths = ps;
}
static void c_mount_kind(oshb_bundle *b, arena *a)
{
        oshb_mount *ms = arena_alloc(a, sizeof(*ms) * b->nmounts);
        memcpy(ms, b->mounts, sizeof(*ms) * b->nmounts);
        for (uint32_t i = 0; i < b->nmounts; i++)
                if (ms[i].kind == OSHB_MASK_READONLY) {
                        ms[i].kind = OSHB_MASK_NOEXEC;
                        break;
                }
        b->mounts = ms;
}
static void c_mount_drop(oshb_bundle *b, arena *a)
{
        (void)a;
        b->mounts++;
        b->nmounts--;
}
static void c_mount_path(oshb_bundle *b, arena *a)
{
        oshb_mount *ms = arena_alloc(a, sizeof(*ms) * b->nmounts);
        memcpy(ms, b->mounts, sizeof(*ms) * b->nmounts);
        ms[b->nmounts - 1].path = "/.env-moved";
        b->mounts = ms;
}
static void c_port(oshb_bundle *b, arena *a)
{
        oshb_ll_port *ps = arena_alloc(a, sizeof(*ps) * b->landlock.nports);
        memcpy(ps, b->landlock.ports, sizeof(*ps) * b->landlock.nports);
        ps[0].port = 22;
        b->landlock.ports = ps;
}
static void c_cgroup(oshb_bundle *b, arena *a)
{
        oshb_kv *kv = arena_alloc(a, sizeof(*kv) * b->ncgroup);
        memcpy(kv, b->cgroup, sizeof(*kv) * b->ncgroup);
        kv[0].value = "2147483649";
        b->cgroup = kv;
}
static void c_cpu(oshb_bundle *b, arena *a)
{
        oshb_kv *kv = arena_alloc(a, sizeof(*kv) * b->ncgroup);
        memcpy(kv, b->cgroup, sizeof(*kv) * b->ncgroup);
        for (uint32_t i = 0; i < b->ncgroup; i++)
                if (!strcmp(kv[i].key, "cpu.max"))
                        kv[i].value = "150 100";
        b->cgroup = kv;
}
static void c_rlimit(oshb_bundle *b, arena *a)
{
        oshb_rlimit *r = arena_alloc(a, sizeof(*r) * b->nrlimits);
        memcpy(r, b->rlimits, sizeof(*r) * b->nrlimits);
        r[0].hard = r[0].hard * 1000; /* ms where seconds are meant */
        b->rlimits = r;
}
static void c_core(oshb_bundle *b, arena *a)
{
        (void)a;
        b->nrlimits = 0;
}
static void c_user(oshb_bundle *b, arena *a)
{
        (void)a;
        b->process.user = "0";
}
static void c_walltime(oshb_bundle *b, arena *a)
{
        (void)a;
        b->process.walltime_ms /= 1000;
}
static oshb_proxy_rule *proxy_copy(oshb_bundle *b, arena *a)
{
        oshb_proxy_rule *r = arena_alloc(a, sizeof(*r) * b->proxy.nrules);
        memcpy(r, b->proxy.rules, sizeof(*r) * b->proxy.nrules);
        b->proxy.rules = r;
        return r;
}
static void c_proxy_port(oshb_bundle *b, arena *a)
{
        proxy_copy(b, a)[0].port_hi = 444;
}
static void c_proxy_deny(oshb_bundle *b, arena *a)
{
        oshb_proxy_rule *r = proxy_copy(b, a);
        for (uint32_t i = 0; i < b->proxy.nrules; i++)
                if (r[i].deny)
                        r[i].deny = false;
}
static void c_proxy_host(oshb_bundle *b, arena *a)
{
        proxy_copy(b, a)[1].host = "**.pypi.org";
}
static void c_proxy_from(oshb_bundle *b, arena *a)
{
        proxy_copy(b, a)[1].nbinaries = 0;
}
static void c_proxy_prefix(oshb_bundle *b, arena *a)
{
        oshb_proxy_rule *r = proxy_copy(b, a);
        for (uint32_t i = 0; i < b->proxy.nrules; i++)
                if (r[i].is_ip)
                        r[i].prefix = (uint8_t)(r[i].prefix - 1);
}
static void c_proxy_l7(oshb_bundle *b, arena *a)
{
        oshb_proxy_rule *r = proxy_copy(b, a);
        for (uint32_t i = 0; i < b->proxy.nrules; i++)
                if (r[i].nl7 == 2) {
                        oshb_l7 *h = arena_alloc(a, sizeof(*h) * 2);
                        memcpy(h, r[i].l7, sizeof(*h) * 2);
                        h[1].path = "/repos/*/other/**";
                        r[i].l7 = h;
                }
}
static void c_network(oshb_bundle *b, arena *a)
{
        (void)a;
        b->process.network = false;
}

static void test_table_corruptions(void **state)
{
        (void)state;
        static const corruption cs[] = {
            {"a Landlock rule gains exec", c_ll_rights},
            {"Landlock rules lose truncate", c_ll_drop_write},
            {"a Landlock rule moves to /", c_ll_path},
            {"a readonly mask becomes noexec", c_mount_kind},
            {"a mask is dropped", c_mount_drop},
            {"a mask moves", c_mount_path},
            {"a bind port changes", c_port},
            {"memory.max off by one", c_cgroup},
            {"cpu.max in the wrong unit", c_cpu},
            {"an rlimit in the wrong unit", c_rlimit},
            {"RLIMIT_CORE missing", c_core},
            {"the user changes", c_user},
            {"walltime in seconds", c_walltime},
            {"a proxy port range widens", c_proxy_port},
            {"a deny proxy rule turns allow", c_proxy_deny},
            {"a proxy host pattern widens", c_proxy_host},
            {"a proxy rule loses `from`", c_proxy_from},
            {"a proxy address range widens", c_proxy_prefix},
            {"an http rule's path changes", c_proxy_l7},
            {"the network flag flips", c_network},
        };
        tvt t;
        memset(&t, 0, sizeof t);
        tvt_load(&t, tables_policy, "tables");
        double t0 = now_ms();
        expect_clean(&t);
        print_message("  tables validated in %.1f ms\n", now_ms() - t0);
        int caught = 0;
        for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
                oshb_bundle b = t.b;
                cs[i].apply(&b, &t.fx.ctx.arena);
                int before = t.v.nf;
                int n = validate(&t, &b);
                if (!n)
                        print_message("  not caught: %s\n", cs[i].what);
                else
                        print_message("  caught: %-32s [%s] %s | %s\n", cs[i].what,
                                      t.v.f[before].layer, t.v.f[before].message,
                                      t.v.f[before].witness);
                caught += n > 0;
        }
        print_message("  table corruptions: %d of %zu caught\n", caught,
                      sizeof(cs) / sizeof(cs[0]));
        assert_int_equal(caught, (int)(sizeof(cs) / sizeof(cs[0])));
        assert_int_equal(t.v.internal, 0);
        tvt_free(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stdlib_example_clean),
            cmocka_unit_test(test_escape_policies_clean),
            cmocka_unit_test(test_random_policies_clean),
            cmocka_unit_test(test_seccomp_mutations),
            cmocka_unit_test(test_seccomp_malformed),
            cmocka_unit_test(test_big_endian_program),
            cmocka_unit_test(test_table_corruptions),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
