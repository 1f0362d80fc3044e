/*
 * test_sysargs.c - unit tests for the syscall signatures, constant
 * namespaces and errno names of lang/sysargs.c.
 *
 * The type checker trusts this table for the width, signedness and
 * namespace of every argument a policy conditions on, so besides spot
 * checks of known syscalls the table itself is walked entry by entry: a
 * malformed entry fails here rather than as a wrong seccomp filter.
 */
#include "tests/testutil.h"

#include "lang/sysargs.h"

static const sys_arg *arg_of(const char *syscall, const char *name)
{
        const sys_sig *sig = sysargs_lookup(syscall);

        assert_non_null(sig);
        return sysargs_find(sig, name);
}

static uint64_t constant(const_ns ns, const char *name)
{
        uint64_t value = 0;

        assert_true(const_lookup(ns, name, &value));
        return value;
}

static void test_socket_domain_is_signed_int(void **state)
{
        const sys_arg *domain = arg_of("socket", "domain");

        assert_non_null(domain);
        assert_int_equal(domain->index, 0);
        assert_int_equal(domain->width, 32);
        assert_true(domain->is_signed);
        assert_false(domain->is_pointer);
        assert_int_equal(domain->ns, NS_AF);
        assert_int_equal(arg_of("socket", "type")->ns, NS_SOCK_TYPE);
        assert_int_equal(arg_of("socket", "protocol")->ns, NS_IPPROTO);
}

static void test_clone_flags_are_64_bit(void **state)
{
        const sys_arg *flags = arg_of("clone", "flags");

        assert_non_null(flags);
        assert_int_equal(flags->index, 0);
        assert_int_equal(flags->width, 64);
        assert_false(flags->is_signed);
        assert_int_equal(flags->ns, NS_CLONE);
        /* x86_64 order: flags, stack, parent_tid, child_tid, tls */
        assert_int_equal(arg_of("clone", "child_tid")->index, 3);
        assert_int_equal(arg_of("clone", "tls")->index, 4);
        assert_int_equal(arg_of("clone", "tls")->ns, NS_NONE);
        assert_int_equal(arg_of("unshare", "flags")->ns, NS_CLONE);
        assert_int_equal(arg_of("setns", "nstype")->ns, NS_CLONE);
}

static void test_pointer_arguments(void **state)
{
        const sys_arg *how = arg_of("openat2", "how");

        assert_non_null(how);
        assert_true(how->is_pointer);
        assert_true(arg_of("openat", "pathname")->is_pointer);
        assert_true(arg_of("execve", "argv")->is_pointer);
        assert_true(arg_of("clone3", "cl_args")->is_pointer);
        assert_false(arg_of("openat", "flags")->is_pointer);
}

static void test_ioctl_request_is_unsigned_int(void **state)
{
        const sys_arg *request = arg_of("ioctl", "request");

        assert_non_null(request);
        assert_int_equal(request->index, 1);
        assert_int_equal(request->width, 32);
        assert_false(request->is_signed);
        assert_int_equal(request->ns, NS_IOCTL);
        assert_int_equal(arg_of("ioctl", "arg")->width, 64);
        assert_int_equal(arg_of("personality", "persona")->width, 32);
        assert_false(arg_of("personality", "persona")->is_signed);
}

static void test_constant_values(void **state)
{
        assert_int_equal(constant(NS_AF, "AF_INET"), 2);
        assert_int_equal(constant(NS_AF, "AF_UNIX"), 1);
        assert_int_equal(constant(NS_AF, "AF_LOCAL"), 1);
        assert_int_equal(constant(NS_AF, "AF_INET6"), 10);
        assert_int_equal(constant(NS_SOCK_TYPE, "SOCK_CLOEXEC"), 02000000);
        assert_int_equal(constant(NS_IOCTL, "TIOCSTI"), 0x5412);
        assert_int_equal(constant(NS_PRCTL, "PR_SET_NO_NEW_PRIVS"), 38);
        assert_int_equal(constant(NS_PRCTL, "PR_SET_MDWE"), 65);
        assert_int_equal(constant(NS_PERSONA, "READ_IMPLIES_EXEC"), 0x0400000);
        assert_int_equal(constant(NS_PROT, "PROT_EXEC"), 4);
        assert_int_equal(constant(NS_MFD, "MFD_EXEC"), 0x10);
        assert_int_equal(constant(NS_MFD, "MFD_NOEXEC_SEAL"), 0x8);
        assert_int_equal(constant(NS_CLONE, "CLONE_NEWTIME"), 0x80);
        assert_true(constant(NS_CLONE, "CLONE_INTO_CGROUP") == 0x200000000ULL);
        assert_int_equal(constant(NS_AT, "AT_EXECVE_CHECK"), 0x10000);
        /* the kernel's value, not glibc's 0 */
        assert_int_equal(constant(NS_OPEN, "O_LARGEFILE"), 0100000);
        assert_int_equal(constant(NS_SIGNAL, "SIGKILL"), 9);
        assert_int_equal(constant(NS_SOCKOPT_LEVEL, "SOL_SOCKET"), 1);
        assert_int_equal(constant(NS_SOCKOPT, "TCP_NODELAY"), 1);
        assert_int_equal(constant(NS_MODE, "S_ISUID"), 04000);
}

static void test_constants_belong_to_one_namespace(void **state)
{
        uint64_t value = 0;

        assert_true(const_lookup(NS_CLONE, "CLONE_NEWUSER", &value));
        assert_int_equal(value, 0x10000000);
        assert_false(const_lookup(NS_AF, "CLONE_NEWUSER", &value));
        assert_int_equal(const_find_ns("CLONE_NEWUSER"), NS_CLONE);
        assert_int_equal(const_find_ns("AF_NETLINK"), NS_AF);
        assert_int_equal(const_find_ns("MADV_DONTNEED"), NS_MADV);
        assert_false(const_lookup(NS_NONE, "AF_INET", &value));
}

static void test_at_fdcwd_is_negative(void **state)
{
        assert_true(constant(NS_AT, "AT_FDCWD") == (uint64_t)-100);
        assert_int_equal(arg_of("openat", "dirfd")->ns, NS_AT);
        assert_true(arg_of("openat", "dirfd")->is_signed);
}

static void test_errno_round_trip(void **state)
{
        const char *names[] = {"EPERM", "ENOSYS", "EACCES"};
        const int values[] = {1, 38, 13};

        for (int i = 0; i < 3; i++) {
                int value = 0;

                assert_true(errno_lookup(names[i], &value));
                assert_int_equal(value, values[i]);
                assert_string_equal(errno_name(values[i]), names[i]);
        }
}

/* Linux numbers its errnos 1..133 without 41 and 58. */
static void test_every_errno_has_a_name(void **state)
{
        int value = 0;

        for (int e = 1; e <= 133; e++) {
                if (e == 41 || e == 58)
                        continue;
                assert_non_null(errno_name(e));
                assert_true(errno_lookup(errno_name(e), &value));
                assert_int_equal(value, e);
        }
        assert_string_equal(errno_name(11), "EAGAIN");
        assert_true(errno_lookup("EWOULDBLOCK", &value));
        assert_int_equal(value, 11);
        assert_string_equal(errno_name(133), "EHWPOISON");
}

static void test_unknown_names(void **state)
{
        uint64_t value = 0;
        int number = 0;

        assert_null(sysargs_lookup("no_such_syscall"));
        assert_null(sysargs_find(sysargs_lookup("socket"), "flags"));
        assert_false(const_lookup(NS_AF, "AF_NOPE", &value));
        assert_int_equal(const_find_ns("AF_NOPE"), NS_NONE);
        assert_false(errno_lookup("ENOPE", &number));
        assert_null(errno_name(0));
        assert_null(errno_name(4096));
        assert_null(sysargs_positional("domain"));
        assert_non_null(const_ns_describe(NS_AF));
}

static void test_positional_arguments(void **state)
{
        const char *names[] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5"};
        const sys_sig *kill_sig = sysargs_lookup("kill");
        const sys_sig *prctl_sig = sysargs_lookup("prctl");

        for (int i = 0; i < 6; i++) {
                const sys_arg *arg = sysargs_positional(names[i]);

                assert_non_null(arg);
                assert_string_equal(arg->name, names[i]);
                assert_int_equal(arg->index, i);
                assert_int_equal(arg->width, 64);
                assert_false(arg->is_signed);
                assert_false(arg->is_pointer);
                assert_int_equal(arg->ns, NS_NONE);
        }
        assert_null(sysargs_positional("arg6"));
        assert_null(sysargs_positional("arg"));
        assert_null(sysargs_positional("arg01"));
        assert_null(sysargs_positional(NULL));

        assert_ptr_equal(sysargs_find(kill_sig, "arg1"), sysargs_find(kill_sig, "sig"));
        assert_null(sysargs_find(kill_sig, "arg3"));
        /* prctl's own names win: its arg2 is the argument at index 1 */
        assert_int_equal(sysargs_find(prctl_sig, "arg2")->index, 1);
        assert_int_equal(sysargs_find(prctl_sig, "arg1")->index, 1);
        assert_int_equal(sysargs_find(prctl_sig, "arg0")->ns, NS_PRCTL);
}

static void check_argument(const sys_sig *sig, int i, bool *index_seen)
{
        const sys_arg *arg = &sig->args[i];

        assert_non_null(arg->name);
        assert_true(arg->index < 6);
        assert_false(index_seen[arg->index]);
        index_seen[arg->index] = true;
        assert_true(arg->width == 32 || arg->width == 64);
        assert_true(arg->ns >= NS_NONE && arg->ns < NS__COUNT);
        if (arg->is_pointer) {
                assert_int_equal(arg->ns, NS_NONE);
                assert_int_equal(arg->width, 64);
                assert_false(arg->is_signed);
        }
        /* names are unique within a signature */
        assert_ptr_equal(sysargs_find(sig, arg->name), arg);
}

static void test_table_is_well_formed(void **state)
{
        int count = 0;

        for (int s = 0; sysargs_at(s); s++) {
                const sys_sig *sig = sysargs_at(s);
                bool index_seen[6] = {false};

                assert_non_null(sig->syscall);
                assert_ptr_equal(sysargs_lookup(sig->syscall), sig);
                assert_true(sig->nargs >= 0 && sig->nargs <= 6);
                for (int i = 0; i < sig->nargs; i++)
                        check_argument(sig, i, index_seen);
                for (int i = sig->nargs; i < 6; i++)
                        assert_null(sig->args[i].name);
                count++;
        }
        assert_true(count >= 40);
        assert_null(sysargs_at(-1));
}

static void test_every_namespace_is_described(void **state)
{
        for (int ns = NS_NONE; ns < NS__COUNT; ns++) {
                const char *description = const_ns_describe((const_ns)ns);

                assert_non_null(description);
                assert_true(description[0] != '\0');
        }
        assert_string_equal(const_ns_describe(NS_AF), "socket address families (AF_*)");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_socket_domain_is_signed_int),
            cmocka_unit_test(test_clone_flags_are_64_bit),
            cmocka_unit_test(test_pointer_arguments),
            cmocka_unit_test(test_ioctl_request_is_unsigned_int),
            cmocka_unit_test(test_constant_values),
            cmocka_unit_test(test_constants_belong_to_one_namespace),
            cmocka_unit_test(test_at_fdcwd_is_negative),
            cmocka_unit_test(test_errno_round_trip),
            cmocka_unit_test(test_every_errno_has_a_name),
            cmocka_unit_test(test_unknown_names),
            cmocka_unit_test(test_positional_arguments),
            cmocka_unit_test(test_table_is_well_formed),
            cmocka_unit_test(test_every_namespace_is_described),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
