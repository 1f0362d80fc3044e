/*
 * test_preflight.c - unit tests for the preflight decision
 * (runtime/preflight.c).
 *
 * preflight_decide is given a made-up kernel (rt_kernel) and a bundle, so
 * every refusal can be checked on any machine: Landlock below the minimum
 * ABI (with the features missing and the Linux version that has them),
 * Landlock absent or not enabled, best-effort (one line per right not
 * enforced, then go on), no seccomp, no seccomp user notification for a
 * filter that needs it, rootless without user namespaces.  The probe runs
 * once against the real kernel as a sanity check.
 */
#include "tests/testutil.h"

#include "runtime/runtime.h"

#include "backends/landlock_abi.h"

#include <errno.h>
#include <unistd.h>

static oshb_bundle bundle(uint32_t min_abi, bool best_effort)
{
        oshb_bundle b = {0};
        b.meta.policy = "agent";
        b.meta.landlock_min_abi = min_abi;
        b.meta.best_effort = best_effort;
        b.landlock.handled_fs = OSH_LANDLOCK_FS_ABI5;
        b.landlock.handled_net = OSH_LANDLOCK_NET_ABI4;
        b.landlock.scoped = OSH_LANDLOCK_SCOPE_ABI6;
        return b;
}

static rt_kernel kernel(int abi)
{
        return (rt_kernel){.landlock_abi = abi,
                           .landlock_errno = abi ? 0 : ENOSYS,
                           .seccomp = true,
                           .seccomp_notify = true,
                           .userns = true,
                           .root = false};
}

/* Run the decision; the notes it printed go to *notes (malloc'd). */
static int decide(const oshb_bundle *b, const rt_kernel *k, char *err, char **notes)
{
        size_t len;
        FILE *f = open_memstream(notes, &len);
        assert_non_null(f);
        int rc = preflight_decide(b, k, f, err, RT_ERR_LEN);
        fclose(f);
        return rc;
}

static int count_lines(const char *s)
{
        int n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

static void test_abi_enough(void **state)
{
        (void)state;
        oshb_bundle b = bundle(4, false);
        rt_kernel k = kernel(7);
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), 0);
        assert_string_equal(notes, "");
        free(notes);
}

static void test_abi_too_low(void **state)
{
        (void)state;
        oshb_bundle b = bundle(4, false);
        rt_kernel k = kernel(3);
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_string_equal(err, "this kernel offers Landlock ABI 3; policy agent needs ABI 4 "
                                 "(TCP port rules): run on Linux >= 6.7, or add `requires "
                                 "landlock best-effort;` to the policy to run without TCP port "
                                 "rules");
        free(notes);
        b = bundle(5, false);
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_non_null(strstr(err, "needs ABI 5 (TCP port rules, device ioctls (FS_IOCTL_DEV)): "
                                    "run on Linux >= 6.10"));
        free(notes);
}

static void test_no_landlock(void **state)
{
        (void)state;
        oshb_bundle b = bundle(3, false);
        rt_kernel k = kernel(0);
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_non_null(strstr(err, "this kernel has no Landlock (Linux >= 5.13); policy agent "
                                    "needs ABI 3 (filesystem rules, rename and link"));
        free(notes);
        k.landlock_errno = EOPNOTSUPP;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_non_null(strstr(err, "Landlock built in but not enabled (add landlock to the lsm= "
                                    "boot parameter)"));
        free(notes);
}

static void test_best_effort_notes(void **state)
{
        (void)state;
        oshb_bundle b = bundle(4, true);
        rt_kernel k = kernel(2);
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), 0);
        /* the summary, then TRUNCATE, IOCTL_DEV, BIND_TCP, CONNECT_TCP, two scopes */
        assert_int_equal(count_lines(notes), 7);
        assert_non_null(strstr(notes, "osh-run: best-effort: this kernel offers Landlock ABI 2; "
                                      "policy agent asks for ABI 4"));
        assert_non_null(strstr(notes, "not enforced: Landlock FS_TRUNCATE"));
        assert_non_null(strstr(notes, "not enforced: Landlock FS_IOCTL_DEV"));
        assert_non_null(strstr(notes, "not enforced: Landlock NET_BIND_TCP"));
        assert_non_null(strstr(notes, "not enforced: Landlock NET_CONNECT_TCP"));
        assert_non_null(strstr(notes, "not enforced: Landlock SCOPE_SIGNAL"));
        assert_null(strstr(notes, "FS_REFER"));
        free(notes);
        /* no Landlock at all: every right is named */
        k = kernel(0);
        assert_int_equal(decide(&b, &k, err, &notes), 0);
        assert_int_equal(count_lines(notes), 1 + 16 + 2 + 2);
        free(notes);
}

static void test_no_seccomp_refused_always(void **state)
{
        (void)state;
        oshb_bundle b = bundle(3, true);
        rt_kernel k = kernel(7);
        k.seccomp = false;
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_non_null(strstr(err, "this kernel offers no seccomp filters"));
        assert_non_null(strstr(err, "CONFIG_SECCOMP_FILTER"));
        free(notes);
}

static void test_user_notif(void **state)
{
        (void)state;
        oshb_insn insns[2] = {{0x20, 0, 0, 0}, {0x06, 0, 0, 0x7fc00000}};
        oshb_seccomp_prog prog = {0xc000003e, 2, insns};
        oshb_bundle b = bundle(3, false);
        b.nseccomp = 1;
        b.seccomp = &prog;
        rt_kernel k = kernel(7);
        k.seccomp_notify = false;
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_non_null(strstr(err, "policy agent has `notify` syscall rules"));
        free(notes);
        insns[1].k = 0x7fff0000; /* RET ALLOW: no notification needed */
        assert_int_equal(decide(&b, &k, err, &notes), 0);
        free(notes);
}

static void test_rootless_without_userns(void **state)
{
        (void)state;
        oshb_bundle b = bundle(3, false);
        rt_kernel k = kernel(7);
        k.userns = false;
        k.userns_why = "user.max_user_namespaces is 0: as root, run `sysctl -w "
                       "user.max_user_namespaces=15000`";
        char err[RT_ERR_LEN], *notes;
        assert_int_equal(decide(&b, &k, err, &notes), -1);
        assert_string_equal(err, "rootless launch needs user namespaces, and this host forbids "
                                 "them: user.max_user_namespaces is 0: as root, run `sysctl -w "
                                 "user.max_user_namespaces=15000`; or run osh-run as root");
        free(notes);
        k.root = true;
        assert_int_equal(decide(&b, &k, err, &notes), 0);
        free(notes);
}

static void test_probe_this_kernel(void **state)
{
        (void)state;
        rt_kernel k;
        preflight_probe(&k);
        assert_true(k.seccomp);
        assert_int_equal(k.root, geteuid() == 0);
        assert_true(k.landlock_abi >= 0);
        if (k.landlock_abi == 0)
                assert_true(k.landlock_errno == ENOSYS || k.landlock_errno == EOPNOTSUPP);
        if (!k.root)
                assert_true(k.userns || k.userns_why);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_abi_enough),
            cmocka_unit_test(test_abi_too_low),
            cmocka_unit_test(test_no_landlock),
            cmocka_unit_test(test_best_effort_notes),
            cmocka_unit_test(test_no_seccomp_refused_always),
            cmocka_unit_test(test_user_notif),
            cmocka_unit_test(test_rootless_without_userns),
            cmocka_unit_test(test_probe_this_kernel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
