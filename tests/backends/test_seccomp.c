/*
 * test_seccomp.c - the seccomp backend (backends/seccomp.c,
 * seccomp_regions.c), the BPF interpreter (bpf_interp.c), the
 * disassembler and the OCI profile.
 *
 * The main check is translation validation by testing: a policy is
 * compiled, and its program, run by the interpreter, must decide every
 * input of a generated set exactly as the reference evaluator
 * (eval_syscall) does, errno values included.  The inputs are the
 * boundaries of every constant of the rules (+-1), 0, the extremes,
 * negative numbers, 32-bit arguments with garbage in the upper half and
 * random values from a fixed seed; x32 numbers and foreign arches must be
 * killed.  Then programs are loaded for real in forked children and a few
 * decisions checked with real syscalls.  Also: determinism, the
 * 4096-instruction limit, the too-complex error, a mutated program caught
 * by the comparison, and the golden files of the example policy
 * (UPDATE=1 rewrites them).
 *
 * The tests run on the build machine's arch; the real-kernel tests and the
 * goldens need x86_64 and are skipped elsewhere.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "backends/backends.h"
#include "backends/bpf.h"
#include "backends/seccomp_regions.h"
#include "compiler/eval.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- compiling ---- */

typedef struct compiled {
        fixture fx;
        ir_policy *p;
        oshb_bundle b;
        bool ok;
} compiled;

static void compile_named(compiled *cp, const char *text, const char *policy)
{
        memset(cp, 0, sizeof(*cp));
        cp->p = fx_policy(&cp->fx, text, policy);
        cp->ok = backend_seccomp(&cp->fx.ctx, cp->p, &cp->b);
}

/* Compile; the backend must succeed. */
static void compile_ok(compiled *cp, const char *text)
{
        compile_named(cp, text, NULL);
        if (!cp->ok || cp->fx.ctx.nerrors)
                fx_dump(&cp->fx);
        assert_true(cp->ok);
        assert_int_equal(cp->fx.ctx.nerrors, 0);
}

static void compiled_free(compiled *cp)
{
        fx_free(&cp->fx);
}

static const oshb_seccomp_prog *prog_for(const compiled *cp, uint32_t arch)
{
        for (uint32_t i = 0; i < cp->b.nseccomp; i++)
                if (cp->b.seccomp[i].audit_arch == arch)
                        return &cp->b.seccomp[i];
        return NULL;
}

static bool on_x86_64(void)
{
        return seccomp_arch_native() == SCMP_ARCH_X86_64;
}

static const oshb_seccomp_prog *native_prog(const compiled *cp)
{
        const oshb_seccomp_prog *pr = prog_for(cp, seccomp_arch_native());
        assert_non_null(pr);
        return pr;
}

/* ---- inputs ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

typedef struct values {
        uint64_t v[1024];
        int n;
} values;

static void add_value(values *vs, uint64_t v)
{
        for (int i = 0; i < vs->n; i++)
                if (vs->v[i] == v)
                        return;
        if (vs->n < (int)(sizeof(vs->v) / sizeof(vs->v[0])))
                vs->v[vs->n++] = v;
}

/* A value and its neighbours, as 64-bit and as a sign-extended 32-bit
 * number, with and without garbage in the upper half. */
static void add_around(values *vs, uint64_t v)
{
        for (int d = -1; d <= 1; d++) {
                uint64_t x = v + (uint64_t)(int64_t)d;
                add_value(vs, x);
                add_value(vs, (uint64_t)(int64_t)(int32_t)(uint32_t)x);
                add_value(vs, (x & 0xffffffffull) | 0xdeadbeef00000000ull);
                add_value(vs, x & 0xffffffffull);
                add_value(vs, ~x);
        }
}

static void add_cond_values(values *vs, const ir_cond *c)
{
        if (!c)
                return;
        if (c->kind == COND_CMP) {
                add_around(vs, c->value);
                add_around(vs, c->mask);
                add_around(vs, c->value | ~c->mask);
                add_around(vs, c->mask & (c->mask - 1)); /* lowest mask bit cleared */
                add_around(vs, c->mask & -c->mask);      /* only the lowest mask bit */
        }
        add_cond_values(vs, c->l);
        add_cond_values(vs, c->r);
}

static void base_values(values *vs)
{
        static const uint64_t fixed[] = {0,
                                         1,
                                         2,
                                         3,
                                         0x7f,
                                         0x80,
                                         0xff,
                                         0x7fffffff,
                                         0x80000000,
                                         0xffffffff,
                                         0x100000000ull,
                                         0x1ffffffffull,
                                         0x7fffffffffffffffull,
                                         0x8000000000000000ull,
                                         0xffffffffffffffffull,
                                         0xdeadbeef00000000ull,
                                         0xffffffff00000000ull};
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
                add_around(vs, fixed[i]);
}

/* ---- comparing the program with the evaluator ---- */

typedef struct comparison {
        long inputs, mismatches;
        char first[512];
        long steps_max;
} comparison;

static bool big_endian_arch(uint32_t arch)
{
        return !(arch & __AUDIT_ARCH_LE);
}

static void compare_one(comparison *cmp, const ir_policy *p, const oshb_seccomp_prog *pr,
                        const char *name, int nr, const uint64_t args[6])
{
        bpf_seccomp_data d = {.nr = (uint32_t)nr, .arch = pr->audit_arch};
        memcpy(d.args, args, sizeof(d.args));
        bpf_run_result r = bpf_run(pr->insns, pr->ninsns, &d, big_endian_arch(pr->audit_arch));
        /* a 32-bit arch's kernel reads the low half of each argument only */
        uint64_t used[6];
        for (int i = 0; i < 6; i++)
                used[i] = pr->audit_arch & __AUDIT_ARCH_64BIT ? args[i] : args[i] & 0xffffffffull;
        eval_result e = eval_syscall(p, name, used);
        ir_action got;
        bool known = r.ok && bpf_ret_action(r.ret, &got);
        cmp->inputs++;
        if ((long)r.steps > cmp->steps_max)
                cmp->steps_max = r.steps;
        if (known && sc_action_equal(got, e.action))
                return;
        if (cmp->mismatches++ == 0) {
                char a[64], b[64];
                snprintf(cmp->first, sizeof(cmp->first),
                         "%s(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx): bpf %s (%s), "
                         "eval %s",
                         name, (unsigned long long)args[0], (unsigned long long)args[1],
                         (unsigned long long)args[2], (unsigned long long)args[3],
                         (unsigned long long)args[4], (unsigned long long)args[5],
                         r.ok ? bpf_ret_name(r.ret, a, sizeof(a)) : "error", r.ok ? "ok" : r.error,
                         ir_action_str(e.action, b, sizeof(b)));
        }
}

/* Every generated input for one syscall. */
static void compare_syscall(comparison *cmp, const ir_policy *p, const oshb_seccomp_prog *pr,
                            const char *name)
{
        int nr = seccomp_syscall_resolve_name_arch(pr->audit_arch, name);
        if (nr < 0)
                return;
        values vs = {.n = 0};
        base_values(&vs);
        const ir_syscall *sc = ir_find_syscall(p, name);
        for (int i = 0; sc && i < sc->nrules; i++)
                add_cond_values(&vs, sc->rules[i].cond);
        uint64_t args[6] = {0};
        compare_one(cmp, p, pr, name, nr, args);
        /* each value in each argument, the others zero, then the others random */
        for (int a = 0; a < 6; a++)
                for (int i = 0; i < vs.n; i++) {
                        memset(args, 0, sizeof(args));
                        args[a] = vs.v[i];
                        compare_one(cmp, p, pr, name, nr, args);
                        for (int k = 0; k < 6; k++)
                                if (k != a)
                                        args[k] = vs.v[rng_next() % (uint64_t)vs.n];
                        compare_one(cmp, p, pr, name, nr, args);
                }
        /* random mixes of interesting and random values */
        for (int t = 0; t < 3000; t++) {
                for (int k = 0; k < 6; k++)
                        args[k] = rng_next() % 4 ? vs.v[rng_next() % (uint64_t)vs.n] : rng_next();
                compare_one(cmp, p, pr, name, nr, args);
        }
}

/* The x32 numbers of a syscall and every foreign arch must kill. */
static void check_arch_guard(comparison *cmp, const oshb_seccomp_prog *pr, const char *name)
{
        int nr = seccomp_syscall_resolve_name_arch(pr->audit_arch, name);
        if (nr < 0)
                nr = 0;
        static const uint32_t foreign[] = {
            0, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0xffffffffu};
        for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
                if (foreign[i] == pr->audit_arch)
                        continue;
                bpf_seccomp_data d = {.nr = (uint32_t)nr, .arch = foreign[i]};
                bpf_run_result r = bpf_run(pr->insns, pr->ninsns, &d, false);
                cmp->inputs++;
                if (!r.ok || r.ret != SECCOMP_RET_KILL_PROCESS) {
                        if (cmp->mismatches++ == 0)
                                snprintf(cmp->first, sizeof(cmp->first),
                                         "%s on foreign arch 0x%x: ret 0x%x, expected kill", name,
                                         foreign[i], r.ret);
                }
        }
        if (pr->audit_arch != AUDIT_ARCH_X86_64)
                return;
        bpf_seccomp_data d = {.nr = (uint32_t)nr | 0x40000000u, .arch = pr->audit_arch};
        bpf_run_result r = bpf_run(pr->insns, pr->ninsns, &d, false);
        cmp->inputs++;
        if (!r.ok || r.ret != SECCOMP_RET_KILL_PROCESS) {
                if (cmp->mismatches++ == 0)
                        snprintf(cmp->first, sizeof(cmp->first),
                                 "x32 %s (0x%x): ret 0x%x, expected kill", name, d.nr, r.ret);
        }
}

/* Syscalls that no test policy names: they get the default. */
static const char *const bystanders[] = {"getpid", "mount", "openat", "uname", NULL};

/* Compare every syscall of the policy (and a few bystanders) on every
 * program; also the regions alone (sc_plan_decide). */
static comparison compare_policy(const compiled *cp)
{
        comparison cmp = {0};
        rng_state = 42;
        for (uint32_t k = 0; k < cp->b.nseccomp; k++) {
                const oshb_seccomp_prog *pr = &cp->b.seccomp[k];
                for (int i = 0; i < cp->p->nsyscalls; i++) {
                        compare_syscall(&cmp, cp->p, pr, cp->p->syscalls[i].name);
                        check_arch_guard(&cmp, pr, cp->p->syscalls[i].name);
                }
                for (int i = 0; bystanders[i]; i++) {
                        compare_syscall(&cmp, cp->p, pr, bystanders[i]);
                        check_arch_guard(&cmp, pr, bystanders[i]);
                }
        }
        return cmp;
}

static void expect_exact(const char *text)
{
        compiled cp;
        compile_ok(&cp, text);
        comparison cmp = compare_policy(&cp);
        if (cmp.mismatches)
                fail_msg("%ld of %ld inputs differ; first: %s\npolicy:\n%s", cmp.mismatches,
                         cmp.inputs, cmp.first, text);
        assert_true(cmp.inputs > 1000);
        compiled_free(&cp);
}

/* ---- the interpreter on hand-written programs ---- */

static oshb_insn insn(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
        oshb_insn i = {code, jt, jf, k};
        return i;
}

static void test_interp_basics(void **state)
{
        bpf_seccomp_data d = {.nr = 59, .arch = AUDIT_ARCH_X86_64};
        d.args[1] = 0x1122334455667788ull;
        oshb_insn prog[] = {
            insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 24),        /* args[1] low */
            insn(BPF_ST, 0, 0, 3),                           /* M[3] = A */
            insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 28),        /* args[1] high */
            insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xff00ff), /* 0x00220044 */
            insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x220044),
            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
            insn(BPF_MISC | BPF_TAX, 0, 0, 0),           /* X = A */
            insn(BPF_LD | BPF_MEM, 0, 0, 3),             /* A = M[3] */
            insn(BPF_ALU | BPF_SUB | BPF_X, 0, 0, 0),    /* A -= X */
            insn(BPF_JMP | BPF_JGT | BPF_K, 0, 1, 0x10), /* A > 16: to ret A */
            insn(BPF_RET | BPF_A, 0, 0, 0),
            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW),
        };
        bpf_run_result r = bpf_run(prog, 12, &d, false);
        assert_true(r.ok);
        assert_int_equal(r.ret, 0x55667788u - 0x220044u);
        assert_int_equal(r.steps, 10);
        assert_int_equal(r.pc, 10);
        /* big-endian layout: the first word of args[1] is its high half */
        r = bpf_run(prog, 12, &d, true);
        assert_true(r.ok);
        assert_int_equal(r.ret, SECCOMP_RET_KILL_PROCESS);
        uint32_t bad;
        const char *why;
        assert_true(bpf_validate(prog, 12, &bad, &why));
}

static void test_interp_rejects(void **state)
{
        bpf_seccomp_data d = {0};
        uint32_t bad;
        const char *why;
        /* running off the end */
        oshb_insn off[] = {insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0)};
        bpf_run_result r = bpf_run(off, 1, &d, false);
        assert_false(r.ok);
        assert_false(bpf_validate(off, 1, &bad, &why));
        /* a jump past the end */
        oshb_insn jump[] = {insn(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0),
                            insn(BPF_RET | BPF_K, 0, 0, 0)};
        r = bpf_run(jump, 2, &d, false);
        assert_false(r.ok);
        assert_false(bpf_validate(jump, 2, &bad, &why));
        assert_int_equal(bad, 0);
        oshb_insn ja[] = {insn(BPF_JMP | BPF_JA, 0, 0, 1), insn(BPF_RET | BPF_K, 0, 0, 0)};
        assert_false(bpf_run(ja, 2, &d, false).ok);
        /* unaligned and out-of-range loads */
        oshb_insn unaligned[] = {insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 2),
                                 insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_run(unaligned, 2, &d, false).ok);
        oshb_insn far[] = {insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 64),
                           insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_run(far, 2, &d, false).ok);
        assert_false(bpf_validate(far, 2, &bad, &why));
        /* a halfword load, a scratch slot never written, MOD */
        oshb_insn half[] = {insn(BPF_LD | BPF_H | BPF_ABS, 0, 0, 0),
                            insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_run(half, 2, &d, false).ok);
        oshb_insn unwritten[] = {insn(BPF_LD | BPF_MEM, 0, 0, 2), insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_run(unwritten, 2, &d, false).ok);
        oshb_insn mod[] = {insn(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 3),
                           insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_run(mod, 2, &d, false).ok);
        assert_false(bpf_validate(mod, 2, &bad, &why));
        /* a constant division by zero is refused; through X it returns 0 */
        oshb_insn divk[] = {insn(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0),
                            insn(BPF_RET | BPF_A, 0, 0, 0)};
        assert_false(bpf_validate(divk, 2, &bad, &why));
        oshb_insn divx[] = {insn(BPF_LD | BPF_IMM, 0, 0, 7),
                            insn(BPF_ALU | BPF_DIV | BPF_X, 0, 0, 0),
                            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW)};
        r = bpf_run(divx, 3, &d, false);
        assert_true(r.ok);
        assert_int_equal(r.ret, 0);
        /* the last instruction must be a ret; the length must be 1..4096 */
        oshb_insn noret[] = {insn(BPF_RET | BPF_K, 0, 0, 0), insn(BPF_LD | BPF_IMM, 0, 0, 0)};
        assert_false(bpf_validate(noret, 2, &bad, &why));
        assert_false(bpf_run(noret, 0, &d, false).ok);
}

static void test_ret_actions(void **state)
{
        ir_action all[] = {{ACT_ALLOW, 0},  {ACT_LOG, 0},      {ACT_NOTIFY, 0}, {ACT_ERRNO, 1},
                           {ACT_ERRNO, 38}, {ACT_ERRNO, 4095}, {ACT_TRAP, 0},   {ACT_KILL, 0}};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                ir_action back;
                assert_true(bpf_ret_action(bpf_action_ret(all[i]), &back));
                assert_true(sc_action_equal(back, all[i]));
        }
        ir_action a;
        assert_false(bpf_ret_action(SECCOMP_RET_KILL_THREAD, &a));
        assert_int_equal(a.kind, ACT_KILL);
        assert_false(bpf_ret_action(SECCOMP_RET_TRACE | 5, &a));
        assert_false(bpf_ret_action(0x12340000u, &a));
        /* the action is masked with SECCOMP_RET_ACTION_FULL, errno is the low 16 bits */
        assert_true(bpf_ret_action(SECCOMP_RET_ERRNO | 13, &a));
        assert_int_equal(a.kind, ACT_ERRNO);
        assert_int_equal(a.errno_val, 13);
        assert_true(bpf_ret_action(SECCOMP_RET_ALLOW | 0x1234, &a));
        assert_int_equal(a.kind, ACT_ALLOW);
        char buf[64];
        assert_string_equal(bpf_ret_name(SECCOMP_RET_ERRNO | 1, buf, sizeof(buf)), "errno(EPERM)");
        assert_string_equal(bpf_ret_name(SECCOMP_RET_KILL_PROCESS, buf, sizeof(buf)),
                            "kill process");
}

/* ---- each rule form, against the evaluator ---- */

static void test_unconditional(void **state)
{
        expect_exact("policy p { syscalls {\n"
                     "    default errno(EPERM);\n"
                     "    allow read, write, close;\n"
                     "    kill ptrace;\n"
                     "    trap mount;\n"
                     "    log personality;\n"
                     "    notify bpf;\n"
                     "    errno(EACCES) unlinkat;\n"
                     "    deny mkdirat;\n" /* errno(EPERM), the default: no rule */
                     "    errno(ENOSYS) clone3;\n"
                     "} }\n");
}

static void test_equal_and_not_equal(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow socket when domain == AF_UNIX;\n"
                     "    errno(EACCES) socket when type != SOCK_STREAM;\n"
                     "    allow getpriority when arg0 == 0x100000001;\n"
                     "    allow setpriority when arg1 != 0xffffffff;\n"
                     "} }\n");
}

static void test_ordered_unsigned(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow personality when persona < 8;\n"
                     "    errno(EACCES) personality when persona >= 0x20000;\n"
                     "    log personality when persona <= 0x20008;\n"
                     "    allow mmap when length <= 4096;\n"
                     "    kill mmap when length > 0x100000000;\n"
                     "    allow getpriority when arg0 > 5;\n"
                     "    allow getpriority when arg1 >= 0xfffffffffffffff0;\n"
                     "    allow setpriority when arg2 < 0;\n"  /* never */
                     "    allow setpriority when arg2 >= 0;\n" /* always */
                     "} }\n");
}

static void test_ordered_signed(void **state)
{
        expect_exact("policy p { syscalls { default allow;\n"
                     "    errno(ESRCH) kill when pid < -1;\n"
                     "    errno(EPERM) kill when pid == -1;\n"
                     "    kill kill when sig >= 64;\n"
                     "    log kill when sig <= -5;\n"
                     "    errno(EACCES) mmap when offset < -4096;\n"
                     "    errno(EINVAL) mmap when offset > 0x7ffffffffffffff0;\n"
                     "    trap tgkill when tgid > 2147483646;\n"
                     "    errno(EIO) tgkill when tid <= -2147483648;\n"
                     "} }\n");
}

static void test_masks(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow clone when flags & CLONE_NEWUSER == 0;\n"
                     "    errno(EACCES) clone when flags & (CLONE_NEWNET | CLONE_NEWNS) != 0;\n"
                     "    allow openat when flags & 3 != 1;\n"
                     "    allow ioctl when request & 0xff00 < 0x5400;\n"
                     "    errno(EIO) ioctl when request & 0xff00 >= 0x5500;\n"
                     "    log kill when sig & 0x80000001 < 0;\n"
                     "    allow kill when pid & 0xff >= 0x80;\n"
                     "    allow mmap when prot & 0x4 == 0x4;\n"
                     "    allow unshare when flags & 0x7 == 0x8;\n" /* never */
                     "} }\n");
}

static void test_in_and_not_in(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"
                     "    errno(EAFNOSUPPORT) socket when domain not in { AF_UNIX, AF_INET, "
                     "AF_INET6, AF_NETLINK };\n"
                     "    allow personality when persona in { 0, 8, 0x20000, 0x20008, "
                     "0xffffffff };\n"
                     "} }\n");
}

static void test_and_or_not(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow socket when (domain == AF_INET && type == SOCK_STREAM) || "
                     "!(protocol != 0);\n"
                     "    kill socket when !(domain == AF_INET || domain == AF_INET6) && type == "
                     "SOCK_RAW;\n"
                     "    errno(EACCES) setsockopt when !(level == SOL_SOCKET && optname < 10) "
                     "&& !(sockfd > 100);\n"
                     "    allow prctl when option == PR_SET_NO_NEW_PRIVS && arg2 == 1 && arg3 == "
                     "0 || option == PR_GET_NO_NEW_PRIVS;\n"
                     "} }\n");
}

static void test_overlapping_actions(void **state)
{
        expect_exact("policy p { syscalls { default errno(EPERM);\n"
                     "    allow ioctl;\n"
                     "    deny ioctl when request in { TIOCSTI, TIOCLINUX };\n"
                     "    kill ioctl when request == TIOCSTI && fd > 100;\n"
                     "    errno(EIO) ioctl when request == FIONREAD && arg & 1 == 1;\n"
                     "    notify ioctl when request == TIOCLINUX;\n"
                     "    log ioctl when request & 0xff00 == 0x5400;\n"
                     "    trap ioctl when fd == 7 && request == FIONREAD;\n"
                     "    allow personality when persona < 0x100;\n"
                     "    log personality when persona >= 0x10 && persona < 0x30;\n"
                     "    errno(EINVAL) personality when persona in { 8, 0x20 };\n"
                     "    kill personality when persona == 0x20;\n"
                     "    errno(EBADF) personality when persona > 0x18;\n"
                     "} }\n");
}

/* Rules on different arguments with different actions make regions that
 * are products (here: request outside two values, times fd outside a
 * range and a value), which libseccomp's one-comparison-per-argument rules
 * can only list: too long for the kernel, and said so. */
static void test_overlap_too_long(void **state)
{
        compiled cp;
        compile_named(&cp,
                      "policy p { syscalls { default errno(EPERM);\n"
                      "    allow ioctl;\n"
                      "    deny ioctl when request in { TIOCSTI, TIOCLINUX };\n"
                      "    log ioctl when fd < 3;\n"
                      "    errno(EIO) ioctl when arg & 1 == 1;\n"
                      "    trap ioctl when fd == 7 && request != TIOCSTI;\n"
                      "    notify ioctl when fd == 9;\n"
                      "} }\n",
                      NULL);
        assert_false(cp.ok);
        const diag *d = fx_diag(&cp.fx, "seccomp-too-long");
        assert_non_null(d);
        assert_int_equal(d->nnotes, 1);
        assert_non_null(strstr(d->notes[0].msg, "'ioctl' alone needs"));
        compiled_free(&cp);
}

/* The same rules under each default action. */
static void test_every_default(void **state)
{
        static const char *const defaults[] = {"allow",         "log",  "notify", "errno(ENOSYS)",
                                               "errno(EACCES)", "trap", "kill",   "deny"};
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
                char text[2048];
                snprintf(text, sizeof(text),
                         "policy p { syscalls { default %s;\n"
                         "    allow read, write, socket;\n"
                         "    errno(EACCES) socket when domain == AF_PACKET;\n"
                         "    kill socket when domain == AF_PACKET && type == SOCK_RAW;\n"
                         "    log personality when persona != 0;\n"
                         "    trap ptrace when arg0 == 16;\n"
                         "    notify openat when flags & 0x40 == 0x40;\n"
                         "    errno(ENOSYS) clone3;\n"
                         "    deny ioctl when request == TIOCSTI;\n"
                         "    allow ioctl;\n"
                         "} }\n",
                         defaults[i]);
                expect_exact(text);
        }
}

static void test_example_policies(void **state)
{
        static const char *const names[] = {"coding_agent", "org_boundary"};
        for (int i = 0; i < 2; i++) {
                compiled cp;
                memset(&cp, 0, sizeof(cp));
                fx_load_file(&cp.fx, "stdlib-policies/examples/coding_agent.osh");
                fx_expect_clean(&cp.fx);
                cp.fx.prog = ir_lower(&cp.fx.ctx);
                assert_non_null(cp.fx.prog);
                cp.p = ir_find_policy(cp.fx.prog, names[i]);
                assert_non_null(cp.p);
                assert_true(backend_seccomp(&cp.fx.ctx, cp.p, &cp.b));
                comparison cmp = compare_policy(&cp);
                if (cmp.mismatches)
                        fail_msg("%s: %ld of %ld inputs differ; first: %s", names[i],
                                 cmp.mismatches, cmp.inputs, cmp.first);
                compiled_free(&cp);
        }
}

/* A policy for two arches: one program each, each deciding exactly. */
static void test_two_arches(void **state)
{
        compiled cp;
        compile_ok(&cp, "policy p { arch x86_64, aarch64;\n"
                        "  syscalls { default errno(EPERM);\n"
                        "    allow read, write, execve;\n"
                        "    allow socket when domain in { AF_UNIX, AF_INET };\n"
                        "    kill ptrace;\n"
                        "} }\n");
        assert_int_equal(cp.b.nseccomp, 2);
        assert_int_equal(cp.b.seccomp[0].audit_arch, AUDIT_ARCH_X86_64);
        assert_int_equal(cp.b.seccomp[1].audit_arch, AUDIT_ARCH_AARCH64);
        comparison cmp = compare_policy(&cp);
        if (cmp.mismatches)
                fail_msg("%ld of %ld inputs differ; first: %s", cmp.mismatches, cmp.inputs,
                         cmp.first);
        /* execve is 59 on x86_64 and 221 on aarch64 */
        uint64_t zero[6] = {0};
        bpf_seccomp_data d = {.nr = 221, .arch = AUDIT_ARCH_AARCH64};
        memcpy(d.args, zero, sizeof(zero));
        assert_int_equal(bpf_run(cp.b.seccomp[1].insns, cp.b.seccomp[1].ninsns, &d, false).ret,
                         SECCOMP_RET_ALLOW);
        d.arch = AUDIT_ARCH_X86_64;
        assert_int_equal(bpf_run(cp.b.seccomp[1].insns, cp.b.seccomp[1].ninsns, &d, false).ret,
                         SECCOMP_RET_KILL_PROCESS);
        compiled_free(&cp);
}

/* x86 (i386) as a second target: its program decides on the low halves,
 * as the kernel reads them there, and a condition that needs an upper half
 * never matches. */
static void test_32bit_arch(void **state)
{
        compiled cp;
        compile_ok(&cp, "policy p { arch x86_64, x86;\n"
                        "  syscalls { default errno(EPERM);\n"
                        "    allow read, write;\n"
                        "    allow getpriority when arg0 == 0x100000001;\n"
                        "    allow setpriority when arg1 & 0xffffffff00000000 == 0;\n"
                        "    allow personality when persona < 8;\n"
                        "    errno(EACCES) kill when pid < -1;\n"
                        "} }\n");
        assert_int_equal(cp.b.nseccomp, 2);
        comparison cmp = compare_policy(&cp);
        if (cmp.mismatches)
                fail_msg("%ld of %ld inputs differ; first: %s", cmp.mismatches, cmp.inputs,
                         cmp.first);
        const oshb_seccomp_prog *x86 = prog_for(&cp, AUDIT_ARCH_I386);
        assert_non_null(x86);
        bpf_seccomp_data d = {.nr = 96 /* getpriority on i386 */, .arch = AUDIT_ARCH_I386};
        d.args[0] = 1;
        assert_int_equal(bpf_run(x86->insns, x86->ninsns, &d, false).ret, SECCOMP_RET_ERRNO | 1);
        d.nr = 97; /* setpriority: any upper half is all zeros to the kernel */
        d.args[1] = 0xdeadbeef00000000ull;
        assert_int_equal(bpf_run(x86->insns, x86->ninsns, &d, false).ret, SECCOMP_RET_ALLOW);
        compiled_free(&cp);
}

/* What libseccomp 2.5 does with x32 numbers and foreign arches, under a
 * default that allows: every x32 number is killed, except 0xffffffff (-1,
 * "no syscall": the kernel runs nothing for it and returns ENOSYS), which
 * gets the default; any arch but the program's is killed. */
static void test_x32_and_foreign_arch(void **state)
{
        if (!on_x86_64()) {
                skip();
                return;
        }
        compiled cp;
        compile_ok(&cp, "policy p { syscalls { default allow; kill ptrace; "
                        "errno(EACCES) socket when domain == AF_PACKET; } }\n");
        const oshb_seccomp_prog *pr = native_prog(&cp);
        for (uint32_t nr = 0; nr < 1024; nr++) {
                bpf_seccomp_data d = {.nr = nr | 0x40000000u, .arch = AUDIT_ARCH_X86_64};
                assert_int_equal(bpf_run(pr->insns, pr->ninsns, &d, false).ret,
                                 SECCOMP_RET_KILL_PROCESS);
                d.nr = nr;
                d.arch = AUDIT_ARCH_I386;
                assert_int_equal(bpf_run(pr->insns, pr->ninsns, &d, false).ret,
                                 SECCOMP_RET_KILL_PROCESS);
                d.arch = AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT; /* x32's libseccomp token */
                assert_int_equal(bpf_run(pr->insns, pr->ninsns, &d, false).ret,
                                 SECCOMP_RET_KILL_PROCESS);
        }
        bpf_seccomp_data d = {.nr = 0xffffffffu, .arch = AUDIT_ARCH_X86_64};
        assert_int_equal(bpf_run(pr->insns, pr->ninsns, &d, false).ret, SECCOMP_RET_ALLOW);
        d.nr = 0xfffffffeu;
        assert_int_equal(bpf_run(pr->insns, pr->ninsns, &d, false).ret, SECCOMP_RET_KILL_PROCESS);
        compiled_free(&cp);
}

static void test_no_syscalls_section(void **state)
{
        compiled cp;
        compile_ok(&cp, "policy p { fs { allow read /etc; } }\n");
        assert_int_equal(cp.b.nseccomp, 0);
        assert_null(cp.b.seccomp);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_false(emit_bpf(f, &cp.fx.ctx, &cp.b, NULL));
        fclose(f);
        free(text);
        compiled_free(&cp);
}

/* ---- random conditions, built as IR directly ---- */

static ir_cond *random_cond(arena *a, int depth)
{
        ir_cond *c = arena_alloc(a, sizeof(*c));
        unsigned pick = (unsigned)(rng_next() % 10);
        if (depth > 0 && pick < 4) {
                c->kind = pick < 2 ? COND_AND : pick < 3 ? COND_OR : COND_NOT;
                c->l = random_cond(a, depth - 1);
                if (c->kind != COND_NOT)
                        c->r = random_cond(a, depth - 1);
                return c;
        }
        static const uint64_t masks[] = {~0ull,
                                         0xff,
                                         0xff00,
                                         0x80000001ull,
                                         0x7,
                                         0xf0f0f0f0f0f0f0f0ull,
                                         0x8000000000000000ull,
                                         0xffffffff00000000ull};
        static const uint64_t values[] = {0,
                                          1,
                                          7,
                                          0x80,
                                          0x5412,
                                          0x7fffffff,
                                          0x80000000,
                                          0xffffffff,
                                          0x100000000ull,
                                          0x8000000000000000ull,
                                          0xfffffffffffffff0ull,
                                          ~0ull};
        c->kind = COND_CMP;
        c->arg = (int)(rng_next() % 3);
        c->width = rng_next() % 2 ? 32 : 64;
        c->is_signed = rng_next() % 2;
        c->mask = masks[rng_next() % (sizeof(masks) / sizeof(masks[0]))];
        c->op = (cmp_op)(rng_next() % 6);
        c->value =
            rng_next() % 4 ? values[rng_next() % (sizeof(values) / sizeof(values[0]))] : rng_next();
        if (c->width == 32) {
                c->mask &= 0xffffffffull;
                c->value &= 0xffffffffull;
        }
        return c;
}

static const ir_action random_actions[] = {{ACT_ALLOW, 0}, {ACT_LOG, 0},    {ACT_NOTIFY, 0},
                                           {ACT_ERRNO, 1}, {ACT_ERRNO, 13}, {ACT_TRAP, 0},
                                           {ACT_KILL, 0}};

/* Random rules on one syscall: the regions and the program must both
 * agree with the evaluator on every generated input. */
static void test_random_conditions(void **state)
{
        int compiled_ok = 0, rejected = 0;
        for (int round = 0; round < 150; round++) {
                fixture fx;
                fx_init(&fx);
                arena *a = &fx.ctx.arena;
                ir_policy *p = arena_alloc(a, sizeof(*p));
                p->name = "random";
                p->where = no_span;
                p->has_syscalls = true;
                rng_state = 1000 + (uint64_t)round;
                p->sys_default = random_actions[rng_next() % 7];
                ir_syscall *sc = arena_alloc(a, sizeof(*sc));
                sc->name = "getpriority";
                sc->nrules = 1 + (int)(rng_next() % 4);
                sc->rules = arena_alloc(a, sizeof(ir_sys_rule) * (size_t)sc->nrules);
                for (int i = 0; i < sc->nrules; i++) {
                        sc->rules[i].id = i;
                        sc->rules[i].action = random_actions[rng_next() % 7];
                        sc->rules[i].cond = rng_next() % 8 ? random_cond(a, 3) : NULL;
                        sc->rules[i].where = sc->rules[i].rule_where = no_span;
                }
                p->syscalls = sc;
                p->nsyscalls = 1;
                oshb_bundle b;
                memset(&b, 0, sizeof(b));
                if (!backend_seccomp(&fx.ctx, p, &b)) {
                        rejected++; /* too complex or too long: said so, never wrong */
                        assert_true(fx.ctx.nerrors > 0);
                        fx_free(&fx);
                        continue;
                }
                compiled_ok++;
                comparison cmp = {0};
                compare_syscall(&cmp, p, &b.seccomp[0], sc->name);
                check_arch_guard(&cmp, &b.seccomp[0], sc->name);
                /* the regions alone, on the same kind of inputs */
                sc_plan plan;
                assert_true(sc_plan_syscall(&fx.ctx, sc, p->sys_default, &plan));
                values vs = {.n = 0};
                base_values(&vs);
                for (int i = 0; i < sc->nrules; i++)
                        add_cond_values(&vs, sc->rules[i].cond);
                for (int t = 0; t < 3000; t++) {
                        uint64_t args[6] = {0};
                        for (int k = 0; k < 3; k++)
                                args[k] = vs.v[rng_next() % (uint64_t)vs.n];
                        ir_action want = eval_syscall(p, sc->name, args).action;
                        if (!sc_action_equal(sc_plan_decide(&plan, p->sys_default, args), want))
                                fail_msg("round %d: regions differ from eval at (0x%llx, 0x%llx, "
                                         "0x%llx)",
                                         round, (unsigned long long)args[0],
                                         (unsigned long long)args[1], (unsigned long long)args[2]);
                }
                if (cmp.mismatches)
                        fail_msg("round %d: %ld of %ld inputs differ; first: %s", round,
                                 cmp.mismatches, cmp.inputs, cmp.first);
                fx_free(&fx);
        }
        print_message("random policies: %d compiled and matched the evaluator, %d rejected\n",
                      compiled_ok, rejected);
        assert_true(compiled_ok > 100);
}

/* ---- regions on their own ---- */

/* x != A && x != B on a 32-bit argument: the trie complement of two
 * values that differ in their low 4 bits, 28 + 3 + 3 cubes. */
static void test_region_sizes(void **state)
{
        compiled cp;
        compile_ok(&cp, "policy p { syscalls { default errno(EPERM);\n"
                        "    allow ioctl;\n"
                        "    deny ioctl when request in { TIOCSTI, TIOCLINUX };\n"
                        "    allow socket when domain in { 0, 1, 2, 3 };\n"
                        "} }\n");
        const ir_syscall *sc = ir_find_syscall(cp.p, "ioctl");
        sc_plan plan;
        assert_true(sc_plan_syscall(&cp.fx.ctx, sc, cp.p->sys_default, &plan));
        assert_int_equal(plan.nregions, 1); /* errno(EPERM) is the default */
        assert_int_equal(plan.regions[0].action.kind, ACT_ALLOW);
        assert_int_equal(plan.regions[0].ncubes, 34);
        for (int i = 0; i < plan.regions[0].ncubes; i++)
                assert_int_equal(plan.regions[0].cubes[i].arg[1].mask >> 32, 0);
        /* four neighbouring values merge into one pattern */
        assert_true(
            sc_plan_syscall(&cp.fx.ctx, ir_find_syscall(cp.p, "socket"), cp.p->sys_default, &plan));
        assert_int_equal(plan.nregions, 1);
        assert_int_equal(plan.regions[0].ncubes, 1);
        assert_int_equal(plan.regions[0].cubes[0].arg[0].mask, 0xfffffffcull);
        compiled_free(&cp);
}

static void test_too_complex(void **state)
{
        compiled cp;
        compile_named(&cp,
                      "policy p { syscalls { default errno(EPERM);\n"
                      "    allow read;\n"
                      "    allow getpriority when arg0 != 1 && arg1 != 2 && arg2 != 3;\n"
                      "} }\n",
                      NULL);
        assert_false(cp.ok);
        fx_expect_diag_at(&cp.fx, "seccomp-too-complex", 3, 5);
        const diag *d = fx_diag(&cp.fx, "seccomp-too-complex");
        assert_non_null(strstr(d->msg, "condition too complex for seccomp: split the rule"));
        assert_non_null(strstr(d->msg, "getpriority"));
        compiled_free(&cp);
}

static void test_too_long(void **state)
{
        /* 1200 unrelated 64-bit values: a comparison of each half, at least
         * two instructions each (and fewer cubes than the limit, so the
         * program is really built and counted) */
        size_t cap = 64 * 1024, n = 0;
        char *text = malloc(cap);
        n += (size_t)snprintf(text + n, cap - n,
                              "policy big { syscalls { default errno(EPERM);\n"
                              "    allow getpriority when arg0 in { ");
        uint64_t v = 12345;
        for (int i = 0; i < 1200; i++) {
                v = v * 6364136223846793005ull + 1442695040888963407ull;
                n += (size_t)snprintf(text + n, cap - n, "%s0x%llx", i ? ", " : "",
                                      (unsigned long long)(v | 1ull << 40));
        }
        snprintf(text + n, cap - n, " };\n} }\n");
        compiled cp;
        compile_named(&cp, text, NULL);
        assert_false(cp.ok);
        const diag *d = fx_diag(&cp.fx, "seccomp-too-long");
        if (!d)
                fx_dump(&cp.fx);
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "policy 'big'"));
        assert_non_null(strstr(d->msg, "instructions, over the kernel's limit of 4096"));
        assert_null(strstr(d->msg, "at least"));
        assert_non_null(strstr(d->notes[0].msg, "'getpriority' alone needs 1200 rules"));
        compiled_free(&cp);
        free(text);
}

/* More rules than the kernel has instructions: refused before libseccomp
 * builds anything. */
static void test_too_many_rules(void **state)
{
        size_t cap = 128 * 1024, n = 0;
        char *text = malloc(cap);
        n += (size_t)snprintf(text + n, cap - n, "policy big { syscalls { default errno(EPERM);\n");
        uint32_t v = 12345;
        for (int k = 0; k < 2; k++) {
                n += (size_t)snprintf(text + n, cap - n, "    allow %s when %s in { ",
                                      k ? "fcntl" : "ioctl", k ? "cmd" : "request");
                for (int i = 0; i < 2500; i++) {
                        v = v * 1103515245u + 12345u;
                        n += (size_t)snprintf(text + n, cap - n, "%s%u", i ? ", " : "", v >> 4);
                }
                n += (size_t)snprintf(text + n, cap - n, " };\n");
        }
        snprintf(text + n, cap - n, "} }\n");
        compiled cp;
        clock_t t0 = clock();
        compile_named(&cp, text, NULL);
        assert_false(cp.ok);
        const diag *d = fx_diag(&cp.fx, "seccomp-too-long");
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "has at least 5000 instructions"));
        assert_true((clock() - t0) / (CLOCKS_PER_SEC / 1000) < 2000);
        compiled_free(&cp);
        free(text);
}

/* ---- determinism ---- */

static uint8_t *bpf_bytes(compiled *cp, size_t *len)
{
        char *buf = NULL;
        FILE *f = open_memstream(&buf, len);
        assert_true(emit_bpf(f, &cp->fx.ctx, &cp->b, NULL));
        fclose(f);
        return (uint8_t *)buf;
}

static void test_deterministic(void **state)
{
        static const char a[] = "policy p { syscalls { default errno(EPERM);\n"
                                "    allow read, write;\n"
                                "    allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"
                                "    deny ioctl when request in { TIOCSTI, TIOCLINUX };\n"
                                "    allow ioctl;\n"
                                "    kill ptrace;\n"
                                "} }\n";
        /* the same rules in another order, the set written differently */
        static const char b[] = "policy p { syscalls {\n"
                                "    kill ptrace;\n"
                                "    allow ioctl;\n"
                                "    deny ioctl when request in { TIOCLINUX, TIOCSTI };\n"
                                "    allow socket when domain in { AF_INET6, AF_UNIX, AF_INET };\n"
                                "    allow write, read;\n"
                                "    default errno(EPERM);\n"
                                "} }\n";
        compiled c1, c2, c3;
        compile_ok(&c1, a);
        compile_ok(&c2, a);
        compile_ok(&c3, b);
        size_t n1, n2, n3;
        uint8_t *b1 = bpf_bytes(&c1, &n1), *b2 = bpf_bytes(&c2, &n2), *b3 = bpf_bytes(&c3, &n3);
        assert_true(n1 > 0 && n1 % 8 == 0);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        assert_int_equal(n1, n3);
        assert_memory_equal(b1, b3, n1);
        /* little-endian sock_filter: the first instruction loads arch (offset 4) */
        assert_int_equal(b1[0] | b1[1] << 8, BPF_LD | BPF_W | BPF_ABS);
        assert_int_equal(b1[4], 4);
        free(b1);
        free(b2);
        free(b3);
        compiled_free(&c1);
        compiled_free(&c2);
        compiled_free(&c3);
}

/* ---- mutation: the comparison catches a corrupted program ---- */

static void test_mutation_caught(void **state)
{
        compiled cp;
        compile_ok(&cp, "policy p { syscalls { default errno(EPERM);\n"
                        "    allow read, write;\n"
                        "    allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 };\n"
                        "    allow clone when flags & CLONE_NEWUSER == 0;\n"
                        "    errno(ENOSYS) clone3;\n"
                        "    kill ptrace;\n"
                        "} }\n");
        oshb_seccomp_prog *pr = &cp.b.seccomp[0];
        comparison clean = compare_policy(&cp);
        assert_int_equal(clean.mismatches, 0);
        /* every ret and every comparison with a constant, changed one at a
         * time: each change must show up as a mismatch */
        int mutated = 0, caught = 0;
        for (uint32_t i = 0; i < pr->ninsns; i++) {
                oshb_insn saved = pr->insns[i];
                uint16_t cls = BPF_CLASS(saved.code);
                if (cls == BPF_RET && BPF_RVAL(saved.code) == BPF_K)
                        pr->insns[i].k =
                            saved.k == SECCOMP_RET_ALLOW ? SECCOMP_RET_LOG : SECCOMP_RET_ALLOW;
                else if (cls == BPF_JMP && BPF_OP(saved.code) == BPF_JEQ && saved.k != 0xffffffffu)
                        pr->insns[i].k ^= 1; /* (nr -1 runs nothing; not an input here) */
                else
                        continue;
                comparison cmp = compare_policy(&cp);
                mutated++;
                caught += cmp.mismatches > 0;
                if (cmp.mismatches == 0)
                        print_message("mutation at %u not caught\n", i);
                pr->insns[i] = saved;
        }
        assert_true(mutated > 10);
        assert_int_equal(caught, mutated);
        compiled_free(&cp);
}

/* ---- for real: load the program in a forked child ---- */

static int load_filter(const oshb_seccomp_prog *pr)
{
        struct sock_filter *f = calloc(pr->ninsns, sizeof(*f));
        if (!f)
                return -1;
        for (uint32_t i = 0; i < pr->ninsns; i++) {
                f[i].code = pr->insns[i].code;
                f[i].jt = pr->insns[i].jt;
                f[i].jf = pr->insns[i].jf;
                f[i].k = pr->insns[i].k;
        }
        struct sock_fprog fp = {.len = (unsigned short)pr->ninsns, .filter = f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
                return -1;
        return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
}

/* A check in the child: exit with `code` when it fails. */
#define CHILD_CHECK(cond, code)                                                                    \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        _exit(code);                                                               \
        } while (0)

static volatile sig_atomic_t got_sigsys;

static void on_sigsys(int sig)
{
        got_sigsys = 1;
}

/* Run body in a child under pr; return its wait status. */
static int run_confined(const oshb_seccomp_prog *pr, void (*body)(void))
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (load_filter(pr) != 0)
                        _exit(100);
                body();
                _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static void expect_exit_zero(int status)
{
        if (WIFSIGNALED(status))
                fail_msg("child killed by signal %d", WTERMSIG(status));
        if (WEXITSTATUS(status) != 0)
                fail_msg("child check %d failed", WEXITSTATUS(status));
}

static void body_decisions(void)
{
        long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
        CHILD_CHECK(fd >= 0, 1);
        close((int)fd);
        errno = 0;
        CHILD_CHECK(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0) == -1 && errno == EPERM, 2);
        /* 32-bit domain: the kernel reads the low half only, and so does the filter */
        errno = 0;
        CHILD_CHECK(syscall(SYS_socket, 0xdeadbeef00000000ull | AF_PACKET, SOCK_RAW, 0) == -1 &&
                        errno == EPERM,
                    3);
        fd = syscall(SYS_socket, 0xdeadbeef00000000ull | AF_UNIX, SOCK_DGRAM, 0);
        CHILD_CHECK(fd >= 0, 4);
        close((int)fd);
        errno = 0;
        CHILD_CHECK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS, 5);
        errno = 0;
        CHILD_CHECK(syscall(SYS_getpriority, 0x100000000ull, 0) == -1 && errno == EACCES, 6);
        CHILD_CHECK(syscall(SYS_getpid) > 0, 7);
        errno = 0;
        CHILD_CHECK(syscall(SYS_personality, 0xffffffffu) != -1, 8); /* log: allowed */
        errno = 0;
        CHILD_CHECK(syscall(SYS_kill, -1, 0) == -1 && errno == ESRCH, 9);
        struct sigaction sa = {.sa_handler = on_sigsys};
        sigaction(SIGSYS, &sa, NULL);
        syscall(SYS_uname, NULL); /* trap */
        CHILD_CHECK(got_sigsys, 10);
}

static void body_kill(void)
{
        syscall(SYS_getpgid, 0);
        _exit(50); /* not reached: killed */
}

static void body_x32(void)
{
        syscall(SYS_getpid | 0x40000000); /* an x32 number: killed */
        _exit(51);
}

static void test_real_kernel(void **state)
{
        if (!on_x86_64()) {
                skip();
                return;
        }
        compiled cp;
        compile_ok(&cp, "policy p { syscalls { default allow;\n"
                        "    deny socket when domain not in { AF_UNIX, AF_INET, AF_INET6 };\n"
                        "    errno(ENOSYS) clone3;\n"
                        "    errno(EACCES) getpriority when arg0 > 0xffffffff;\n"
                        "    log personality;\n"
                        "    errno(ESRCH) kill when pid < 0;\n"
                        "    trap uname;\n"
                        "    kill getpgid;\n"
                        "} }\n");
        const oshb_seccomp_prog *pr = native_prog(&cp);
        expect_exit_zero(run_confined(pr, body_decisions));
        int st = run_confined(pr, body_kill);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGSYS);
        st = run_confined(pr, body_x32);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGSYS);
        compiled_free(&cp);
}

/* The example policy for real: default errno(EPERM), @system-service. */
static void body_example(void)
{
        long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
        CHILD_CHECK(fd >= 0, 1);
        close((int)fd);
        errno = 0;
        CHILD_CHECK(syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0) == -1 && errno == EPERM, 2);
        errno = 0;
        CHILD_CHECK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS, 3);
        errno = 0;
        CHILD_CHECK(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL) == -1 && errno == EPERM,
                    4);
        errno = 0;
        CHILD_CHECK(syscall(SYS_ioctl, 0, 0x5412 /* TIOCSTI */, "x") == -1 && errno == EPERM, 5);
        CHILD_CHECK(syscall(SYS_getpid) > 0, 6);
}

static void body_ptrace(void)
{
        syscall(SYS_ptrace, 0, 0, 0, 0);
        _exit(52);
}

static void test_real_kernel_example(void **state)
{
        if (!on_x86_64()) {
                skip();
                return;
        }
        compiled cp;
        memset(&cp, 0, sizeof(cp));
        fx_load_file(&cp.fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&cp.fx);
        cp.fx.prog = ir_lower(&cp.fx.ctx);
        cp.p = ir_find_policy(cp.fx.prog, "coding_agent");
        assert_true(backend_seccomp(&cp.fx.ctx, cp.p, &cp.b));
        const oshb_seccomp_prog *pr = native_prog(&cp);
        expect_exit_zero(run_confined(pr, body_example));
        int st = run_confined(pr, body_ptrace);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGSYS);
        compiled_free(&cp);
}

/* ---- golden files: --emit bpf-asm and --emit oci-seccomp ---- */

static char *read_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
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

/* Compare text with the golden file, or rewrite it under UPDATE=1. */
static void golden(const char *path, const char *text)
{
        const char *update = getenv("UPDATE");
        if (update && !strcmp(update, "1")) {
                FILE *f = fopen(path, "w");
                assert_non_null(f);
                fputs(text, f);
                assert_int_equal(fclose(f), 0);
                print_message("rewrote %s\n", path);
                return;
        }
        char *want = read_file(path);
        if (!want)
                fail_msg("%s is missing: run with UPDATE=1 to write it", path);
        if (strcmp(want, text)) {
                const char *a = want, *b = text;
                int line = 1;
                while (*a && *a == *b) {
                        line += *a == '\n';
                        a++, b++;
                }
                fail_msg("%s differs at line %d (UPDATE=1 rewrites it)", path, line);
        }
        free(want);
}

static void test_golden_example(void **state)
{
        if (!on_x86_64()) {
                skip();
                return;
        }
        compiled cp;
        memset(&cp, 0, sizeof(cp));
        fx_load_file(&cp.fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&cp.fx);
        cp.fx.prog = ir_lower(&cp.fx.ctx);
        cp.p = ir_find_policy(cp.fx.prog, "coding_agent");
        assert_true(backend_seccomp(&cp.fx.ctx, cp.p, &cp.b));
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        emit_bpf_asm(f, &cp.b);
        fclose(f);
        golden("tests/backends/golden/coding_agent.bpf-asm", text);
        assert_non_null(strstr(text, "; execve"));
        assert_non_null(strstr(text, "; errno(ENOSYS)"));
        assert_non_null(strstr(text, "; kill process"));
        free(text);
        text = NULL;
        f = open_memstream(&text, &len);
        emit_oci_seccomp(f, &cp.fx.ctx, cp.p);
        fclose(f);
        golden("tests/backends/golden/coding_agent.oci-seccomp.json", text);
        assert_non_null(strstr(text, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
        assert_non_null(strstr(text, "\"SCMP_ARCH_X86_64\""));
        free(text);
        assert_int_equal(cp.fx.ctx.nerrors, 0);
        compiled_free(&cp);
}

/* The disassembler names syscalls and arches on a hand-made program. */
static void test_disasm(void **state)
{
        oshb_insn prog[] = {
            insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 4),
            insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64),
            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
            insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0),
            insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 59),
            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW),
            insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 20),
            insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xff),
            insn(BPF_JMP | BPF_JSET | BPF_K, 0, 1, 1),
            insn(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | 38),
            insn(BPF_RET | BPF_A, 0, 0, 0),
        };
        oshb_seccomp_prog pr = {AUDIT_ARCH_X86_64, 11, prog};
        oshb_bundle b;
        memset(&b, 0, sizeof(b));
        b.nseccomp = 1;
        b.seccomp = &pr;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        emit_bpf_asm(f, &b);
        fclose(f);
        assert_non_null(strstr(text, "0000: ld [4] ; arch\n"));
        assert_non_null(strstr(text, "0001: jeq #0xc000003e, 1, 0 ; x86_64\n"));
        assert_non_null(strstr(text, "0004: jeq #59, 0, 1 ; execve\n"));
        assert_non_null(strstr(text, "0005: ret #0x7fff0000 ; allow\n"));
        assert_non_null(strstr(text, "0006: ld [20] ; args[0] high\n"));
        assert_non_null(strstr(text, "0008: jset #0x1, 0, 1 ; args[0] high\n"));
        assert_non_null(strstr(text, "0009: ret #0x50026 ; errno(ENOSYS)\n"));
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_interp_basics),
            cmocka_unit_test(test_interp_rejects),
            cmocka_unit_test(test_ret_actions),
            cmocka_unit_test(test_unconditional),
            cmocka_unit_test(test_equal_and_not_equal),
            cmocka_unit_test(test_ordered_unsigned),
            cmocka_unit_test(test_ordered_signed),
            cmocka_unit_test(test_masks),
            cmocka_unit_test(test_in_and_not_in),
            cmocka_unit_test(test_and_or_not),
            cmocka_unit_test(test_overlapping_actions),
            cmocka_unit_test(test_overlap_too_long),
            cmocka_unit_test(test_every_default),
            cmocka_unit_test(test_example_policies),
            cmocka_unit_test(test_two_arches),
            cmocka_unit_test(test_32bit_arch),
            cmocka_unit_test(test_x32_and_foreign_arch),
            cmocka_unit_test(test_random_conditions),
            cmocka_unit_test(test_no_syscalls_section),
            cmocka_unit_test(test_region_sizes),
            cmocka_unit_test(test_too_complex),
            cmocka_unit_test(test_too_long),
            cmocka_unit_test(test_too_many_rules),
            cmocka_unit_test(test_deterministic),
            cmocka_unit_test(test_mutation_caught),
            cmocka_unit_test(test_real_kernel),
            cmocka_unit_test(test_real_kernel_example),
            cmocka_unit_test(test_golden_example),
            cmocka_unit_test(test_disasm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
