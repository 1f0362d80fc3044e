/*
 * test_typecheck.c - unit tests for the type checker (lang/typecheck.c).
 *
 * One case per error code the checker reports (and a few codes with more
 * than one way to trip them), each asserting the code and the exact
 * line:col of the diagnostic; then programs that must check cleanly: the
 * DESIGN example with the stdlib, `open` on x86_64, negative values on
 * signed arguments, the largest 32-bit value on a 32-bit argument.
 *
 * The error cases are a table; main() turns each row into its own cmocka
 * test named after the code, so a failure names the code that broke.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

typedef struct tc_case {
        const char *name; /* the code, or code/variant */
        const char *code;
        const char *text;
        int line, col;
        const char *msg; /* a substring of the message, or NULL */
} tc_case;

/* Most cases are one line inside `policy p { ... }`: line 2, and columns
 * count from the start of that line (4 spaces of indentation). */
#define P(body) "policy p {\n    " body "\n}\n"

static const tc_case cases[] = {
    /* paths */
    {"path-not-absolute", "path-not-absolute", P("fs { allow read \"etc/passwd\"; }"), 2, 21,
     "not absolute"},
    {"path-not-canonical", "path-not-canonical", P("fs { allow read /usr/../etc; }"), 2, 21,
     "'..'"},
    {"path-not-canonical/double-slash", "path-not-canonical", P("fs { deny //etc; }"), 2, 15,
     "'//'"},
    {"path-not-canonical/trailing-slash", "path-not-canonical", P("fs { deny /etc/; }"), 2, 15,
     "ends with '/'"},
    {"path-not-canonical/param", "path-not-canonical", P("fs { deny $WORKDIR/./x; }"), 2, 15,
     "$WORKDIR/./x"},
    {"param-default", "param-default", "param X = $HOME/x;\n", 1, 11, "literal path"},
    {"param-default/set", "param-default", "set @s = { /a };\nparam Y = @s;\n", 2, 11, "not a set"},

    /* sets */
    {"set-mixed", "set-mixed", "set @s = { /a, api.example.com:443 };\n", 1, 16,
     "mixes paths and endpoints"},
    {"set-type", "set-type", "set @paths = { /a };\n" P("net { allow connect @paths; }"), 3, 25,
     "@paths is a set of paths, but endpoints go here"},
    {"set-type/syscalls-in-fs", "set-type",
     "set @calls = { read, write };\n" P("fs { allow read @calls; }"), 3, 21, "syscall names"},
    {"set-element", "set-element", "set @s = { \"not a path\" };\n", 1, 12, NULL},

    /* endpoints */
    {"port-missing", "port-missing", P("net { allow connect api.example.com; }"), 2, 25,
     "has no port"},
    {"port-missing/assert", "port-missing", P("assert never connect 10.0.0.0/8;"), 2, 26, NULL},
    {"port-range", "port-range", P("net { allow connect api.example.com:70000; }"), 2, 41,
     "1..65535"},
    {"port-range/zero", "port-range", P("net { allow connect api.example.com:0; }"), 2, 41,
     "1..65535"},
    {"port-range/reversed", "port-range", P("net { allow connect api.example.com:{443, 10..5}; }"),
     2, 47, "empty"},
    {"host-wildcard", "host-wildcard", P("net { allow connect *:443; }"), 2, 25, "every host"},
    {"ip-invalid", "ip-invalid", P("net { allow connect 10.0.0.256:443; }"), 2, 25, NULL},
    {"ip-invalid/ipv6", "ip-invalid", P("net { allow connect [fd00::1::2]:443; }"), 2, 25, NULL},
    {"ip-invalid/prefix", "ip-invalid", P("net { allow connect 10.0.0.0/33:443; }"), 2, 25,
     "0..32"},
    {"cidr-host-bits", "cidr-host-bits", P("net { allow connect 10.0.0.1/8:443; }"), 2, 25,
     "the network is 10.0.0.0/8"},
    {"cidr-host-bits/ipv6", "cidr-host-bits", P("net { deny connect [fd00::1]/8:*; }"), 2, 24,
     NULL},
    {"bind-address", "bind-address", P("net { allow bind localhost:8080; }"), 2, 22,
     "not the host name 'localhost'"},
    {"host-invalid", "host-invalid", P("net { allow connect *.com:443; }"), 2, 25,
     "top-level domain"},
    {"host-invalid/starstar-inside", "host-invalid",
     P("net { allow connect a.**.example.com:443; }"), 2, 25, "first label"},
    {"host-invalid/quoted", "host-invalid", P("net { allow connect \"bad host.com\":443; }"), 2, 25,
     "invalid character"},

    /* syscalls */
    {"unknown-syscall", "unknown-syscall", P("syscalls { default allow; allow frobnicate; }"), 2,
     37, "unknown syscall 'frobnicate'"},
    {"unknown-syscall/arch", "unknown-syscall",
     "policy p {\n    arch aarch64;\n    syscalls { default allow; allow open; }\n}\n", 3, 37,
     "not a syscall on aarch64"},
    {"unknown-syscall/in-set", "unknown-syscall", "set @s = { read, frobnicate };\n", 1, 18, NULL},
    {"unknown-arg", "unknown-arg", P("syscalls { default allow; allow socket when family == 2; }"),
     2, 49, "its arguments are domain, type, protocol"},
    {"unknown-arg/no-signature", "unknown-arg",
     P("syscalls { default allow; allow getpid when pid == 1; }"), 2, 49, "arg0..arg5"},
    {"pointer-arg", "pointer-arg",
     P("syscalls { default allow; allow openat when pathname == 0; }"), 2, 49, "pointer"},
    {"const-namespace", "const-namespace",
     P("syscalls { default allow; allow socket when domain == CLONE_NEWUSER; }"), 2, 59,
     "CLONE_NEWUSER"},
    {"const-namespace/plain", "const-namespace",
     P("syscalls { default allow; allow kill when pid == AF_INET; }"), 2, 54, "plain numbers only"},
    {"unknown-constant", "unknown-constant",
     P("syscalls { default allow; allow socket when domain == AF_BOGUS; }"), 2, 59, "AF_BOGUS"},
    {"value-type", "value-type", P("syscalls { default allow; allow socket when domain == 2GiB; }"),
     2, 59, "not a plain integer"},
    {"value-range", "value-range", P("syscalls { default allow; allow ioctl when request == -1; }"),
     2, 59, "unsigned"},
    {"value-range/32-bit", "value-range",
     P("syscalls { default allow; allow ioctl when request == 0x100000000; }"), 2, 59, "32-bit"},
    {"value-range/below-int-min", "value-range",
     P("syscalls { default allow; allow kill when pid == -2147483649; }"), 2, 54, "32 bits"},
    {"value-range/64-bit", "value-range",
     P("syscalls { default allow; allow mmap when offset == -0x8000000000000001; }"), 2, 57,
     "64 bits"},
    {"value-range/mask", "value-range",
     P("syscalls { default allow; allow ioctl when request & 0x1ffffffff == 0; }"), 2, 58, NULL},
    {"errno-range", "errno-range", P("syscalls { default errno(4096); }"), 2, 24, "1..4095"},
    {"errno-range/zero", "errno-range", P("syscalls { default allow; errno(0) getpid; }"), 2, 31,
     NULL},
    {"unknown-errno", "unknown-errno", P("syscalls { default errno(EBOGUS); }"), 2, 24, "EBOGUS"},
    {"duplicate-default", "duplicate-default",
     "policy p {\n    syscalls {\n        default allow;\n        default kill;\n    }\n}\n", 4, 9,
     NULL},
    {"duplicate-default/two-sections", "duplicate-default",
     "policy p {\n    syscalls { default allow; }\n    syscalls { default kill; }\n}\n", 3, 16,
     NULL},

    /* http */
    {"http-method", "http-method",
     P("net { allow connect a.example.com:443 { allow http get /x; } }"), 2, 56, "upper-case"},
    {"http-method/star-in-list", "http-method",
     P("net { allow connect a.example.com:443 { allow http *, GET /x; } }"), 2, 56,
     "already means every method"},
    {"url-path", "url-path",
     P("net { allow connect a.example.com:443 { allow http GET \"x/y\"; } }"), 2, 60,
     "must start with '/'"},
    {"url-path/starstar", "url-path",
     P("net { allow connect a.example.com:443 { deny http GET /a**; } }"), 2, 59,
     "whole path segment"},

    /* limits */
    {"unit-missing", "unit-missing", P("limits { memory 2048; }"), 2, 21, "2GiB"},
    {"unit-missing/walltime", "unit-missing", P("limits { walltime 60; }"), 2, 23, "duration"},
    {"unit-wrong", "unit-wrong", P("limits { walltime 5GiB; }"), 2, 23, NULL},
    {"unit-wrong/count", "unit-wrong", P("limits { pids 5K; }"), 2, 19, "plain whole number"},
    {"unit-wrong/cpu", "unit-wrong", P("limits { cpu 2h; }"), 2, 18, "cores"},
    {"number-range", "number-range", P("limits { pids 0; }"), 2, 19, "1..4194304"},
    {"number-range/memory", "number-range", P("limits { memory 0; }"), 2, 21, NULL},
    {"number-range/cpu", "number-range", P("limits { cpu 0; }"), 2, 18, NULL},
    {"number-range/walltime", "number-range", P("limits { walltime 0s; }"), 2, 23, NULL},
    {"number-range/io-weight", "number-range", P("limits { io weight 10001; }"), 2, 24, NULL},
    {"duplicate-setting", "duplicate-setting", P("limits { memory 1GiB; memory 2GiB; }"), 2, 27,
     "memory is set twice"},

    /* process */
    {"duplicate-setting/process", "duplicate-setting", P("process { user 1; user 2; }"), 2, 23,
     "twice"},
    {"duplicate-setting/env-set", "duplicate-setting",
     P("process { env set A = \"1\"; env set A = \"2\"; }"), 2, 32, NULL},
    {"id-range", "id-range", P("process { user 4294967295; }"), 2, 20, "0..4294967294"},
    {"id-invalid", "id-invalid", P("process { group \"bad name\"; }"), 2, 21, "group"},
    {"unknown-capability", "unknown-capability", P("process { caps CAP_BOGUS; }"), 2, 20,
     "CAP_BOGUS"},
    {"env-name", "env-name", P("process { env keep GOOD, BAD-NAME; }"), 2, 30, "BAD-NAME"},
    {"hostname-invalid", "hostname-invalid", P("process { hostname \"bad host!\"; }"), 2, 24, NULL},

    /* items */
    {"landlock-abi", "landlock-abi", P("requires landlock 9;"), 2, 23, "1..7"},
    {"landlock-abi/zero", "landlock-abi", P("requires landlock 0;"), 2, 23, NULL},
    {"landlock-abi/word", "landlock-abi", P("requires landlock maybe;"), 2, 23, "best-effort"},
    {"unknown-arch", "unknown-arch", P("arch vax;"), 2, 10, "'vax'"},
    {"unknown-finding", "unknown-finding", P("waive bogus-finding \"why\";"), 2, 11,
     "bogus-finding"},
    {"waiver-reason", "waiver-reason", P("waive wx-path \"\";"), 2, 5, NULL},
};

static void run_case(void **state)
{
        const tc_case *c = *state;
        fixture fx;
        fx_load(&fx, c->text);
        const diag *d = fx_expect_diag_at(&fx, c->code, c->line, c->col);
        assert_int_equal(d->level, DIAG_ERROR);
        if (c->msg && !strstr(d->msg, c->msg)) {
                print_message("message '%s' lacks '%s'\n", d->msg, c->msg);
                fail();
        }
        /* one mistake, one error: nothing else is reported */
        if (fx.ctx.nerrors != 1)
                fx_dump(&fx);
        assert_int_equal(fx.ctx.nerrors, 1);
        fx_free(&fx);
}

/* ---- programs that must check cleanly ---- */

static void expect_clean(const char *text)
{
        fixture fx;
        fx_load(&fx, text);
        fx_expect_clean(&fx);
        assert_int_equal(fx.ctx.nwarnings, 0);
        fx_free(&fx);
}

static void test_design_example_is_clean(void **state)
{
        expect_clean(DESIGN_EXAMPLE);
}

static void test_example_file_is_clean(void **state)
{
        fixture fx;
        fx_load_file(&fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&fx);
        fx_free(&fx);
}

static void test_open_on_x86_64(void **state)
{
        expect_clean("policy p {\n"
                     "    arch x86_64;\n"
                     "    syscalls { default errno(EPERM); allow open, arch_prctl; }\n"
                     "}\n");
        /* a fragment with no arch is checked for the native arch */
        expect_clean("fragment f { syscalls { allow openat; } }\n");
}

static void test_negative_values_on_signed_arguments(void **state)
{
        expect_clean("policy p {\n"
                     "    syscalls {\n"
                     "        default allow;\n"
                     "        kill kill when pid == -1;\n"
                     "        errno(EPERM) kill when pid < -2147483648 || sig == -0x80000000;\n"
                     "        deny openat when dirfd == AT_FDCWD;\n"
                     "        deny mmap when offset == -0x8000000000000000;\n"
                     "    }\n"
                     "}\n");
}

static void test_largest_32_bit_value(void **state)
{
        expect_clean("policy p {\n"
                     "    syscalls {\n"
                     "        default allow;\n"
                     "        deny ioctl when request == 0xffffffff;\n"
                     "        deny ioctl when request & 0xffffffff == 4294967295;\n"
                     "        deny clone when flags == 0xffffffffffffffff;\n"
                     "    }\n"
                     "}\n");
}

static void test_other_valid_literals(void **state)
{
        expect_clean("import \"std/syscalls.osh\";\n"
                     "set @eps = { \"api.example.com\":443, \"10.1.0.0/16\":{80, 443}, "
                     "[fd00::]/8:* };\n"
                     "set @quoted = { \"/srv/with space\", $WORKDIR };\n"
                     "param DATA = /srv/data;\n"
                     "policy p {\n"
                     "    requires landlock best-effort;\n"
                     "    arch x86_64, aarch64;\n"
                     "    fs { allow read @quoted, $DATA/sub, /; deny $WORKDIR; }\n"
                     "    net {\n"
                     "        allow connect @eps, **.example.com:1..65535, [::1]:{80, 443};\n"
                     "        allow connect x-y_z.example.com:443 { allow http * /**; }\n"
                     "        allow bind 127.0.0.1:8000..8010, [::1]:9000;\n"
                     "    }\n"
                     "    syscalls {\n"
                     "        default errno(13);\n"
                     "        allow socket when arg0 == 1 && type & SOCK_CLOEXEC != 0;\n"
                     "        allow @network-io when arg0 >= 0;\n"
                     "    }\n"
                     "    limits { memory 1.5GiB; swap 0; cpu 150%; io weight 100; cputime 10m; "
                     "filesize 1T; files 1024; }\n"
                     "    process { user agent; group \"agents\"; caps CAP_NET_BIND_SERVICE; "
                     "hostname sandbox.local; env keep A, B; env keep A; }\n"
                     "    assert never exec $WORKDIR;\n"
                     "    waive wx-path \"reviewed\";\n"
                     "}\n");
}

int main(void)
{
        enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
        static const struct CMUnitTest fixed[] = {
            cmocka_unit_test(test_design_example_is_clean),
            cmocka_unit_test(test_example_file_is_clean),
            cmocka_unit_test(test_open_on_x86_64),
            cmocka_unit_test(test_negative_values_on_signed_arguments),
            cmocka_unit_test(test_largest_32_bit_value),
            cmocka_unit_test(test_other_valid_literals),
        };
        enum { NFIXED = sizeof(fixed) / sizeof(fixed[0]) };
        static struct CMUnitTest tests[NCASES + NFIXED];
        for (int i = 0; i < NCASES; i++) {
                tests[i].name = cases[i].name;
                tests[i].test_func = run_case;
                tests[i].initial_state = (void *)&cases[i];
        }
        for (int i = 0; i < NFIXED; i++)
                tests[NCASES + i] = fixed[i];
        return _cmocka_run_group_tests("test_typecheck", tests, NCASES + NFIXED, NULL, NULL);
}
