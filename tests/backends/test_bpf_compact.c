/*
 * test_bpf_compact.c - the syscall dispatch of a seccomp program as a
 * search over ranges (backends/bpf_compact.c).
 *
 * Programs come from libseccomp itself (its binary tree, as the backend
 * builds them) and by hand; the rewritten program must decide every
 * syscall number of a wide set, with several argument patterns, exactly
 * as the original does, and be shorter.  Programs the pass must leave
 * alone: a jump into the middle of the tree, nothing to compare, a tree
 * already as short as a search.
 */
#include "tests/testutil.h"

#include "backends/bpf_compact.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARCH AUDIT_ARCH_X86_64

/* libseccomp's program for `syscall` rules on x86_64, binary tree on. */
static oshb_insn *export(scmp_filter_ctx ctx, size_t *n)
{
        int fd = memfd_create("test-bpf", MFD_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(seccomp_export_bpf(ctx, fd), 0);
        off_t end = lseek(fd, 0, SEEK_END);
        assert_true(end > 0 && end % 8 == 0 && end <= 8 * 4096);
        size_t len = (size_t)end;
        oshb_insn *p = malloc(len);
        assert_non_null(p);
        struct sock_filter f;
        for (size_t off = 0; off < len; off += 8) {
                assert_int_equal(pread(fd, &f, 8, (off_t)off), 8);
                p[off / 8] = (oshb_insn){.code = f.code, .jt = f.jt, .jf = f.jf, .k = f.k};
        }
        close(fd);
        *n = len / 8;
        return p;
}

static scmp_filter_ctx new_ctx(uint32_t dflt)
{
        scmp_filter_ctx ctx = seccomp_init(dflt);
        assert_non_null(ctx);
        assert_int_equal(seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE), 0);
        assert_int_equal(seccomp_arch_add(ctx, SCMP_ARCH_X86_64), 0);
        assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), 0);
        assert_int_equal(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), 0);
        return ctx;
}

/* a and b decide every number up to 1100, -1 and the x32 ones the same,
 * for every argument pattern. */
static void assert_same(const oshb_insn *a, size_t na, const oshb_insn *b, size_t nb)
{
        static const uint64_t pat[] = {0, 1, 0x5401, 0x5412, ~0ull, 0x123456789abcdefull};
        uint32_t extra[] = {0xffffffffu, 0x40000000u, 0x40000001u, 0x7fffffffu, 0x80000000u};
        for (uint32_t i = 0; i < 1100 + sizeof extra / sizeof *extra; i++) {
                uint32_t nr = i < 1100 ? i : extra[i - 1100];
                for (size_t q = 0; q < sizeof pat / sizeof *pat; q++) {
                        bpf_seccomp_data d = {.nr = nr, .arch = ARCH};
                        for (int k = 0; k < 6; k++)
                                d.args[k] = pat[(q + (size_t)k) % (sizeof pat / sizeof *pat)];
                        bpf_run_result x = bpf_run(a, (uint32_t)na, &d, false);
                        bpf_run_result y = bpf_run(b, (uint32_t)nb, &d, false);
                        assert_true(x.ok);
                        if (!y.ok || x.ret != y.ret)
                                fail_msg("nr %u, pattern %zu: 0x%x before, 0x%x (%s) after", nr, q,
                                         x.ret, y.ret, y.ok ? "ok" : y.error);
                }
        }
}

/* Compact a copy of p; check it decides as p, and return its length
 * (and in *far_ja, unless NULL, its `ja`s over more than 255). */
static size_t compact_checked(const oshb_insn *p, size_t n, size_t *far_ja)
{
        oshb_insn *q = malloc(n * sizeof *q);
        assert_non_null(q);
        memcpy(q, p, n * sizeof *q);
        size_t m = bpf_compact_dispatch(q, n, ARCH, false);
        assert_true(m <= n);
        uint32_t bad;
        const char *why;
        if (!bpf_validate(q, (uint32_t)m, &bad, &why))
                fail_msg("the compacted program is invalid at %u: %s", bad, why);
        assert_same(p, n, q, m);
        if (far_ja)
                for (size_t i = *far_ja = 0; i < m; i++)
                        *far_ja += q[i].code == (BPF_JMP | BPF_JA) && q[i].k > 255;
        if (m == n)
                assert_memory_equal(p, q, n * sizeof *q);
        free(q);
        return m;
}

/* An allow list in runs (0-99, 200-249, 300) with a rule on ioctl's
 * request and errno(ENOSYS) for clone3: some 250 comparisons in
 * libseccomp's tree, a few dozen ranges. */
static void test_allow_list(void **state)
{
        (void)state;
        scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ERRNO(EPERM));
        for (int nr = 0; nr < 100; nr++)
                if (nr != 16) /* ioctl */
                        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        for (int nr = 200; nr < 250; nr++)
                assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, 300, 0), 0);
        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, 16, 1,
                                          SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0x5401)),
                         0);
        assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), 435, 0), 0);
        size_t n;
        oshb_insn *p = export(ctx, &n);
        seccomp_release(ctx);
        size_t m = compact_checked(p, n, NULL);
        print_message("allow list: %zu instructions, %zu compacted\n", n, m);
        assert_true(m * 2 < n);
        free(p);
}

/* Exits far from the search: syscall 100 has a long argument block (160
 * values of its first argument), and syscalls 101-120 a rule each, so
 * some exits lie over 255 instructions away and their leaves need a `ja`
 * of their own; the rest go direct. */
static void test_far_exits(void **state)
{
        (void)state;
        scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ERRNO(EPERM));
        for (int nr = 0; nr < 100; nr++)
                assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        for (int v = 0; v < 160; v++)
                assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, 100, 1,
                                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)v * 7)),
                                 0);
        for (int nr = 101; nr <= 120; nr++)
                assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(nr), nr, 1,
                                                  SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)nr)),
                                 0);
        for (int nr = 200; nr < 250; nr++)
                assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        size_t n;
        oshb_insn *p = export(ctx, &n);
        seccomp_release(ctx);
        size_t far;
        size_t m = compact_checked(p, n, &far);
        print_message("far exits: %zu instructions, %zu compacted, %zu far leaves\n", n, m, far);
        assert_true(m < n);
        assert_true(far > 0);
        free(p);
}

#define LD_NR                                                                                      \
        {                                                                                          \
                BPF_LD | BPF_W | BPF_ABS, 0, 0, 0                                                  \
        }
#define RET(v)                                                                                     \
        {                                                                                          \
                BPF_RET | BPF_K, 0, 0, (v)                                                         \
        }

/* A tree whose middle another instruction jumps into: left alone. */
static void test_jump_into_tree(void **state)
{
        (void)state;
        oshb_insn p[] = {
            {BPF_LD | BPF_W | BPF_ABS, 0, 0, 4}, /* arch */
            {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ARCH},
            RET(0x80000000u),
            LD_NR,
            {BPF_JMP | BPF_JGT | BPF_K, 0, 3, 10}, /* 4 */
            {BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 11},
            {BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 12},
            {BPF_JMP | BPF_JEQ | BPF_K, 4, 3, 13},
            {BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 1}, /* 8 */
            {BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 2},
            {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3},
            RET(0x50001u),
            RET(0x7fff0000u),
        };
        size_t n = sizeof p / sizeof *p;
        assert_true(compact_checked(p, n, NULL) < n);
        /* the same, with the arch check's failure sent into the tree's
         * middle (instruction 8) instead of to the kill */
        p[1].jf = 6;
        assert_int_equal(compact_checked(p, n, NULL), n);
        /* and through a `ja` (instruction 2, on the foreign arches' path,
         * which the pass's own check does not run) */
        p[1].jf = 0;
        p[2] = (oshb_insn){BPF_JMP | BPF_JA, 0, 0, 5};
        assert_int_equal(compact_checked(p, n, NULL), n);
}

/* Nothing to gain: no comparison after the load, or a tree no longer
 * than its search (written `jgt #99`, which the search would spell
 * `jge #100`, so that a rewrite of the same length shows). */
static void test_nothing_to_gain(void **state)
{
        (void)state;
        oshb_insn none[] = {LD_NR, RET(0x7fff0000u)};
        assert_int_equal(compact_checked(none, 2, NULL), 2);
        oshb_insn small[] = {
            LD_NR,
            {BPF_JMP | BPF_JGT | BPF_K, 0, 1, 99},
            RET(0x7fff0000u),
            RET(0x50001u),
        };
        assert_int_equal(compact_checked(small, 4, NULL), 4);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_allow_list),
            cmocka_unit_test(test_far_exits),
            cmocka_unit_test(test_jump_into_tree),
            cmocka_unit_test(test_nothing_to_gain),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
