/*
 * test_fs.c - unit tests for the verifier's filesystem domain
 * (verifier/fs.c): every finding it owns on policies that must produce it
 * and close variants that must not, the set-level cases where only two
 * rules together cover a third, parameters, `assert never`, the comparison
 * of policies related by construction, a seeded random generator whose
 * Z3 decisions must equal the reference evaluator's, and timings on the
 * example policy and a generated 1,000-rule policy.
 *
 * Every test ends in vt_free, which fails when a witness did not replay
 * through the reference evaluator (v.internal) or a query was UNKNOWN.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

#include "verifier/verify.h"

#include <regex.h>
#include <time.h>


typedef struct vt {
        fixture fx;
        ir_policy *p;
        vf v;
} vt;

static double now_s(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Load a policy (the only one, or `name`) and run the fs checks. */
static void vt_run(vt *t, const char *text, const char *name)
{
        memset(t, 0, sizeof *t);
        t->p = fx_policy(&t->fx, text, name);
        vf_init(&t->v, 0);
        vf_set_program(&t->v, &t->fx.ctx, t->fx.prog);
        vf_check_fs(&t->v, t->p);
}

static void vt_free(vt *t)
{
        assert_int_equal(t->v.internal, 0); /* every witness replayed */
        assert_int_equal(t->v.unknowns, 0);
        vf_free(&t->v);
        fx_free(&t->fx);
}

static void vt_dump(vt *t)
{
        for (int i = 0; i < t->v.nf; i++)
                print_message("  %s %s: %s [%s]\n", t->v.f[i].severity ? "error" : "warning",
                              t->v.f[i].name, t->v.f[i].message,
                              t->v.f[i].witness ? t->v.f[i].witness : "");
}

static int vt_count(vt *t, const char *name)
{
        int n = 0;
        for (int i = 0; i < t->v.nf; i++)
                n += !strcmp(t->v.f[i].name, name);
        return n;
}

/* The finding `name` whose witness matches the extended regex `re`; fails
 * the test when there is none. */
static const vf_finding *vt_expect(vt *t, const char *name, const char *re)
{
        regex_t rx;
        assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
        const vf_finding *found = NULL;
        for (int i = 0; i < t->v.nf && !found; i++)
                if (!strcmp(t->v.f[i].name, name) && t->v.f[i].witness &&
                    !regexec(&rx, t->v.f[i].witness, 0, NULL, 0))
                        found = &t->v.f[i];
        regfree(&rx);
        if (!found) {
                print_message("expected %s with witness /%s/; got:\n", name, re);
                vt_dump(t);
                fail();
        }
        assert_non_null(found->fix);
        assert_non_null(found->layer);
        assert_true(found->nlocs >= 1);
        return found;
}

static void vt_expect_none(vt *t, const char *name)
{
        if (vt_count(t, name)) {
                print_message("expected no %s; got:\n", name);
                vt_dump(t);
                fail();
        }
}

/* Does the finding point at line `line`? */
static bool has_loc_line(const vf_finding *f, int line)
{
        for (int i = 0; i < f->nlocs; i++)
                if (f->locs[i].where.line == line)
                        return true;
        return false;
}

#define POLICY(body) "policy p {\n" body "}\n"

/* ---- §5.1 anomalies ---- */

static void test_vacuous_rule(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs { allow read /; }\n"), NULL);
        const vf_finding *f = vt_expect(&t, "vacuous-rule", "^read /osh-witness$");
        assert_int_equal(f->severity, VF_WARNING);
        assert_int_equal(f->locs[0].where.line, 2);
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /usr; deny /; }\n"), NULL);
        vt_expect(&t, "vacuous-rule", "^read /");
        vt_expect(&t, "shadowed-rule", "^read /usr$"); /* the deny on / cancels it */
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /usr; allow read $WORKDIR; }\n"), NULL);
        vt_expect_none(&t, "vacuous-rule");
        vt_free(&t);
}

static void test_dead_rule(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs {\n        allow read /usr;\n        deny /etc/shadow;\n    }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "dead-rule", "^read /etc/shadow$");
        assert_int_equal(f->locs[0].where.line, 4);
        vt_free(&t);

        /* a deny of a right nothing grants there */
        vt_run(&t, POLICY("    fs { allow read /srv; deny exec /srv/bin; }\n"), NULL);
        vt_expect(&t, "dead-rule", "^exec /srv/bin$");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /etc; deny /etc/shadow; }\n"), NULL);
        vt_expect_none(&t, "dead-rule");
        vt_free(&t);

        /* a deny above an allow has effect through it */
        vt_run(&t, POLICY("    fs { allow read /srv/a/b; deny read /srv; }\n"), NULL);
        vt_expect_none(&t, "dead-rule");
        vt_free(&t);
}

static void test_shadowed_allow(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs {\n        allow read /a/b;\n        deny read /a;\n    }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "shadowed-rule", "^read /a/b$");
        assert_int_equal(f->nlocs, 2);
        assert_int_equal(f->locs[0].where.line, 3);
        assert_true(has_loc_line(f, 4));
        vt_free(&t);

        /* set level: two denies, one right each, cover the allow together */
        vt_run(&t,
               POLICY("    fs {\n        allow read, write /a/b;\n        deny read /a;\n"
                      "        deny write /a/b;\n        deny exec /a;\n    }\n"),
               NULL);
        f = vt_expect(&t, "shadowed-rule", "^(read|write) /a/b$");
        assert_int_equal(f->locs[0].where.line, 3);
        assert_int_equal(f->nlocs, 3); /* the minimal set: not the exec deny */
        assert_true(has_loc_line(f, 4));
        assert_true(has_loc_line(f, 5));
        assert_false(has_loc_line(f, 6));
        vt_free(&t);

        /* one deny cancels only a part */
        vt_run(&t, POLICY("    fs { allow read, write /a/b; deny read /a; }\n"), NULL);
        vt_expect_none(&t, "shadowed-rule");
        vt_expect(&t, "overridden-allow", "^read /a/b$");
        vt_free(&t);
}

static void test_shadowed_deny(void **state)
{
        vt t;
        vt_run(&t,
               POLICY("    fs {\n        allow read /a;\n        deny read /a/b;\n"
                      "        deny /a/b/c;\n    }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "shadowed-rule", "^read /a/b/c$");
        assert_int_equal(f->locs[0].where.line, 5);
        assert_true(has_loc_line(f, 4));
        vt_free(&t);

        /* set level: two denies of one right each cover a deny of both */
        vt_run(&t,
               POLICY("    fs {\n        allow read, write /a;\n        deny read /a/b;\n"
                      "        deny write /a/b;\n        deny /a/b/c;\n    }\n"),
               NULL);
        f = vt_expect(&t, "shadowed-rule", "^(read|write) /a/b/c$");
        assert_int_equal(f->locs[0].where.line, 6);
        assert_int_equal(f->nlocs, 3);
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /a; deny read /a/b/c; deny write /a/b; }\n"), NULL);
        vt_expect_none(&t, "shadowed-rule");
        vt_free(&t);
}

static void test_redundant_rule(void **state)
{
        vt t;
        vt_run(&t,
               POLICY("    fs {\n        allow read /usr;\n        allow read /usr/lib;\n    }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "redundant-rule", "^read /usr/lib$");
        assert_int_equal(f->locs[0].where.line, 4);
        assert_true(has_loc_line(f, 3));
        assert_int_equal(vt_count(&t, "redundant-rule"), 1);
        vt_free(&t);

        /* set level: two allows, one right each */
        vt_run(&t,
               POLICY("    fs {\n        allow read /usr;\n        allow write /usr;\n"
                      "        allow read, write /usr/lib;\n        allow exec /usr;\n    }\n"),
               NULL);
        f = vt_expect(&t, "redundant-rule", "^(read|write) /usr/lib$");
        assert_int_equal(f->locs[0].where.line, 5);
        assert_int_equal(f->nlocs, 3);
        assert_false(has_loc_line(f, 6));
        vt_free(&t);

        /* two equal rules: one of them is reported, not both */
        vt_run(&t, POLICY("    fs { allow read /x; allow read /x; }\n"), NULL);
        assert_int_equal(vt_count(&t, "redundant-rule"), 1);
        vt_free(&t);

        /* with a param: $WORKDIR/src under $WORKDIR */
        vt_run(&t, POLICY("    fs { allow read $WORKDIR; allow read $WORKDIR/src; }\n"), NULL);
        vt_expect(&t, "redundant-rule", "^read \\$WORKDIR/src$");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /usr; allow read, exec /usr/lib; }\n"), NULL);
        vt_expect_none(&t, "redundant-rule");
        vt_free(&t);

        /* a literal rule never covers a parameter's paths (DESIGN §2.3) */
        vt_run(&t, POLICY("    fs { allow read /; allow read $HOME/src; }\n"), NULL);
        vt_expect_none(&t, "redundant-rule");
        vt_free(&t);
}

static void test_overridden_allow(void **state)
{
        vt t;
        vt_run(
            &t,
            POLICY(
                "    fs {\n        allow read, write /srv/x;\n        deny write /srv;\n    }\n"),
            NULL);
        const vf_finding *f = vt_expect(&t, "overridden-allow", "^write /srv/x$");
        assert_int_equal(f->locs[0].where.line, 3);
        assert_true(has_loc_line(f, 4));
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, exec $WORKDIR/bin; deny exec $WORKDIR; }\n"), NULL);
        vt_expect(&t, "overridden-allow", "^exec \\$WORKDIR/bin$");
        vt_free(&t);

        /* a deny beneath the allow is a carve-out, not an override */
        vt_run(&t, POLICY("    fs { allow read, write /srv; deny write /srv/x; }\n"), NULL);
        vt_expect_none(&t, "overridden-allow");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, write $WORKDIR; deny $WORKDIR/.env; }\n"), NULL);
        vt_expect_none(&t, "overridden-allow");
        vt_free(&t);
}

/* ---- §5.2 escalation ---- */

static void test_wx_path(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs { allow read, write, exec /opt/tool; }\n"), NULL);
        const vf_finding *f = vt_expect(&t, "wx-path", "^write /opt/tool");
        assert_int_equal(f->severity, VF_ERROR);
        assert_string_equal(f->layer, "landlock");
        vt_free(&t);

        /* write and exec from two rules, in a parameter directory */
        vt_run(&t, POLICY("    fs { allow read, write $WORKDIR; allow exec $WORKDIR/bin; }\n"),
               NULL);
        f = vt_expect(&t, "wx-path", "^write \\$WORKDIR/bin(/osh-witness)?$");
        assert_int_equal(f->nlocs, 2);
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, write /tmp; allow read, exec /usr/bin; }\n"), NULL);
        vt_expect_none(&t, "wx-path");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, write, exec /opt/tool; deny exec /opt/tool; }\n"),
               NULL);
        vt_expect_none(&t, "wx-path");
        vt_free(&t);
}

static void test_writable_identity(void **state)
{
        vt t;
        vt_run(&t,
               POLICY("    fs { allow read, write /usr/bin; }\n"
                      "    net { allow connect api.github.com:443 from /usr/bin/git; }\n"),
               NULL);
        vt_expect(&t, "writable-identity", "^write /usr/bin/git$");
        vt_free(&t);

        /* the file is protected, its directory is not: replace it there */
        vt_run(&t,
               POLICY("    fs {\n        allow read, write /opt;\n        allow read, exec "
                      "/opt/tool;\n        deny write /opt/tool;\n    }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "writable-identity", "^write /opt$");
        assert_true(has_loc_line(f, 4));
        vt_expect_none(&t, "wx-path");
        vt_free(&t);

        vt_run(&t,
               POLICY("    fs { allow read, exec /usr/bin/git; allow read, write /tmp; }\n"
                      "    net { allow connect api.github.com:443 from /usr/bin/git; }\n"),
               NULL);
        vt_expect_none(&t, "writable-identity");
        vt_free(&t);

        /* a `from` binary in a parameter directory the agent may write */
        vt_run(&t,
               POLICY("    fs { allow read, write $WORKDIR; }\n"
                      "    net { allow connect pypi.org:443 from $WORKDIR/venv/bin/pip; }\n"),
               NULL);
        vt_expect(&t, "writable-identity", "^write \\$WORKDIR");
        vt_free(&t);
}

static void test_self_modify(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs { allow read, write /proc/sys/kernel; }\n"), NULL);
        vt_expect(&t, "self-modify", "^write /proc/sys/kernel$");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow write /sys; }\n"), NULL);
        const vf_finding *f = vt_expect(&t, "self-modify", "^write /sys");
        assert_int_equal(f->severity, VF_ERROR);
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, write /usr/local; }\n"), NULL);
        vt_expect(&t, "self-modify", "^write /usr/local/bin/osh-(run|proxy)|oshc");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /proc/sys, /sys; allow write /proc/self/fd; }\n"),
               NULL);
        vt_expect_none(&t, "self-modify");
        vt_free(&t);
}

static void test_control_socket(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs { allow read, write /run/docker.sock; }\n"), NULL);
        const vf_finding *f = vt_expect(&t, "control-socket", "^(read|write) /run/docker.sock$");
        assert_int_equal(f->severity, VF_ERROR); /* named: osh-run shows it */
        assert_string_equal(f->layer, "mounts");
        vt_free(&t);

        /* /run as a whole: libvirt is not hidden (error), docker is (warning) */
        vt_run(&t, POLICY("    fs { allow read, write /run; }\n"), NULL);
        f = vt_expect(&t, "control-socket",
                      "^(read|write) /(var/)?run/libvirt$|/run/crio|/run/buildkit|snapd");
        assert_int_equal(f->severity, VF_ERROR);
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /tmp/.X11-unix/X0; }\n"), NULL);
        vt_expect(&t, "control-socket", "^read /tmp/.X11-unix/X0$");
        vt_free(&t);

        vt_run(&t,
               POLICY("    fs { allow read /run/systemd/resolve; allow read, write $WORKDIR; }\n"),
               NULL);
        vt_expect_none(&t, "control-socket");
        vt_free(&t);
}

static void test_secret_read(void **state)
{
        vt t;
        vt_run(&t, POLICY("    fs { allow read $HOME; }\n"), NULL);
        vt_expect(&t, "secret-read", "^read \\$HOME/\\.");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /etc; }\n"), NULL);
        vt_expect(&t, "secret-read", "^read /etc/(shadow|gshadow|ssl|ssh|security)");
        vt_free(&t);

        /* .env directly in a readable parameter directory */
        vt_run(&t, POLICY("    fs { allow read, write $WORKDIR; }\n"), NULL);
        vt_expect(&t, "secret-read", "^read \\$WORKDIR/\\.env$");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /home; }\n"), NULL);
        vt_expect(&t, "secret-read", "^read /home/osh-user/\\.");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read, write $WORKDIR; deny $WORKDIR/.env; }\n"), NULL);
        vt_expect_none(&t, "secret-read");
        vt_free(&t);

        vt_run(&t, POLICY("    fs { allow read /etc/hosts, /usr, $HOME/.gitconfig; }\n"), NULL);
        vt_expect_none(&t, "secret-read");
        vt_free(&t);
}

static void test_landlock_abi(void **state)
{
        vt t;
        vt_run(&t,
               POLICY("    requires landlock 4;\n    fs { allow ioctl /dev/tty; allow read, write "
                      "/dev/null; }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "landlock-abi", "^ioctl /dev/null$");
        assert_int_equal(f->severity, VF_ERROR);
        vt_free(&t);

        vt_run(&t,
               "fragment abi4 { requires landlock 4; }\n" POLICY(
                   "    use abi4;\n    requires landlock best-effort;\n"
                   "    fs { allow ioctl /dev/tty; allow read /dev/null; }\n"),
               "p");
        f = vt_expect(&t, "landlock-abi", "^ioctl /dev/null$");
        assert_int_equal(f->severity, VF_WARNING);
        vt_free(&t);

        vt_run(&t, POLICY("    requires landlock 2;\n    fs { allow read /usr; }\n"), NULL);
        vt_expect(&t, "landlock-abi", "^write /usr(/|$)");
        vt_free(&t);

        vt_run(
            &t,
            POLICY("    requires landlock 5;\n    fs { allow ioctl /dev/tty; allow read /usr; }\n"),
            NULL);
        vt_expect_none(&t, "landlock-abi");
        vt_free(&t);

        /* nothing declared: oshc computes the minimum and osh-run enforces it */
        vt_run(&t, POLICY("    fs { allow ioctl /dev/tty; }\n"), NULL);
        vt_expect_none(&t, "landlock-abi");
        vt_free(&t);
}

/* ---- assertions ---- */

static void test_assert_never(void **state)
{
        vt t;
        vt_run(&t,
               POLICY("    assert never read, write $HOME/.ssh, /etc/shadow;\n"
                      "    fs { allow read $HOME; }\n"),
               NULL);
        const vf_finding *f = vt_expect(&t, "assert-never", "^read \\$HOME/\\.ssh$");
        assert_int_equal(f->severity, VF_ERROR);
        assert_int_equal(f->locs[0].where.line, 2);
        assert_true(has_loc_line(f, 3));
        vt_free(&t);

        /* a rule beneath the asserted path */
        vt_run(&t,
               POLICY("    assert never exec $WORKDIR;\n    fs { allow exec $WORKDIR/bin/x; }\n"),
               NULL);
        vt_expect(&t, "assert-never", "^exec \\$WORKDIR/bin/x$");
        vt_free(&t);

        vt_run(&t,
               POLICY("    assert never read, write $HOME/.ssh;\n"
                      "    fs { allow read $HOME; deny $HOME/.ssh; }\n"),
               NULL);
        vt_expect_none(&t, "assert-never");
        vt_free(&t);

        /* parameters are disjoint from literal paths: / does not reach $HOME */
        vt_run(&t, POLICY("    assert never read $HOME;\n    fs { allow read /; }\n"), NULL);
        vt_expect_none(&t, "assert-never");
        vt_free(&t);

        /* the right matters: write is asserted, read is granted */
        vt_run(&t, POLICY("    assert never write /etc;\n    fs { allow read /etc; }\n"), NULL);
        vt_expect_none(&t, "assert-never");
        vt_free(&t);
}

static void test_secrets_set_matches_the_table(void **state)
{
        fixture fx;
        ir_policy *p = fx_policy(&fx,
                                 "import \"std/secrets.osh\";\n"
                                 "policy p { assert never read @secrets; }\n",
                                 NULL);
        const char *param[128], *path[128];
        int n = vf_fs_secret_paths(param, path, 128, &fx.ctx.arena);
        assert_int_equal(p->nasserts, 1);
        const ir_assert *as = &p->asserts[0];
        assert_int_equal(as->npaths, n);
        for (int i = 0; i < n; i++) {
                bool found = false;
                for (int k = 0; k < as->npaths && !found; k++)
                        found = !param[i] == !as->paths[k].param &&
                                (!param[i] || !strcmp(param[i], as->paths[k].param)) &&
                                !strcmp(path[i], as->paths[k].path);
                if (!found)
                        fail_msg("%s%s%s is in verifier/fs.c's table, not in std/secrets.osh",
                                 param[i] ? "$" : "", param[i] ? param[i] : "", path[i]);
        }
        fx_free(&fx);
}

/* ---- comparison ---- */

static vf_relation compare(const char *old_fs, const char *new_fs, vf_compare *out)
{
        char *text = NULL;
        if (asprintf(&text, "policy old { fs { %s } }\npolicy new { fs { %s } }\n", old_fs,
                     new_fs) < 0)
                fail();
        fixture fx;
        fx_lower(&fx, text);
        free(text);
        vf v;
        vf_init(&v, 0);
        vf_set_program(&v, &fx.ctx, fx.prog);
        vf_compare_fs(&v, ir_find_policy(fx.prog, "old"), ir_find_policy(fx.prog, "new"), out);
        assert_string_equal(out->domain, "fs");
        assert_false(out->unknown);
        assert_int_equal(v.internal, 0); /* the witnesses replayed on both sides */
        /* copy the witnesses out of the arena */
        static char w[2][256];
        snprintf(w[0], sizeof w[0], "%s", out->wider_witness ? out->wider_witness : "");
        snprintf(w[1], sizeof w[1], "%s", out->narrower_witness ? out->narrower_witness : "");
        out->wider_witness = out->wider_witness ? w[0] : NULL;
        out->narrower_witness = out->narrower_witness ? w[1] : NULL;
        vf_free(&v);
        fx_free(&fx);
        return out->rel;
}

#define BASE "allow read /usr; allow read, write $WORKDIR; deny $WORKDIR/.env;"

static void test_compare(void **state)
{
        vf_compare c;
        assert_int_equal(compare(BASE, BASE, &c), VF_EQUIVALENT);
        assert_null(c.wider_witness);
        assert_null(c.narrower_witness);

        /* reordered, and a rule split in two */
        assert_int_equal(compare(BASE,
                                 "deny $WORKDIR/.env; allow write $WORKDIR; allow read "
                                 "$WORKDIR; allow read /usr;",
                                 &c),
                         VF_EQUIVALENT);

        assert_int_equal(compare(BASE, BASE " allow read /etc/hosts;", &c), VF_WIDER);
        assert_string_equal(c.wider_witness, "read /etc/hosts");
        assert_null(c.narrower_witness);

        assert_int_equal(compare(BASE, BASE " deny write $WORKDIR/.git;", &c), VF_NARROWER);
        assert_string_equal(c.narrower_witness, "write $WORKDIR/.git");

        assert_int_equal(compare(BASE, BASE " allow exec /usr/bin; deny read /usr/share;", &c),
                         VF_INCOMPARABLE);
        assert_non_null(c.wider_witness);
        assert_non_null(c.narrower_witness);

        /* removing a deny widens */
        assert_int_equal(compare(BASE, "allow read /usr; allow read, write $WORKDIR;", &c),
                         VF_WIDER);
        assert_non_null(strstr(c.wider_witness, "$WORKDIR/.env"));
}

/* ---- random policies: Z3's decision is the reference evaluator's ---- */

static unsigned rnd_state;
static unsigned rnd(unsigned n)
{
        rnd_state = rnd_state * 1103515245u + 12345u;
        return (rnd_state >> 8) % n;
}

static const char *const comps[] = {"a", "b", "ab", "c", "a-b", "lib", ".env"};
static const char *const roots[] = {"", "", "", "$WORKDIR", "$HOME", "$DATA"};

/* A path: a root and 1..3 components. */
static void random_path(char *buf, size_t n, bool param_root_alone)
{
        const char *root = roots[rnd(6)];
        int depth = (int)rnd(3) + (root[0] && param_root_alone ? 0 : 1);
        snprintf(buf, n, "%s", root);
        for (int i = 0; i < depth; i++)
                snprintf(buf + strlen(buf), n - strlen(buf), "/%s", comps[rnd(7)]);
        if (!buf[0])
                snprintf(buf, n, "/%s", comps[rnd(7)]);
}

static const char *const right_names[] = {"read", "write", "exec", "ioctl"};

static void test_random_policies_agree_with_eval(void **state)
{
        rnd_state = 20261127;
        int checked = 0;
        for (int round = 0; round < 60; round++) {
                char text[8192] = "param DATA = /srv/data;\npolicy p {\n    fs {\n";
                int nrules = 1 + (int)rnd(10);
                char paths[16][128];
                for (int i = 0; i < nrules; i++) {
                        random_path(paths[i], sizeof paths[i], true);
                        unsigned rights = 1 + rnd(15);
                        char rs[64] = "";
                        for (int b = 0; b < 4; b++)
                                if (rights & (1u << b))
                                        snprintf(rs + strlen(rs), sizeof rs - strlen(rs), "%s%s",
                                                 rs[0] ? ", " : "", right_names[b]);
                        bool deny = rnd(3) == 0;
                        snprintf(text + strlen(text), sizeof text - strlen(text),
                                 "        %s %s %s;\n", deny ? "deny" : "allow",
                                 deny && rnd(3) == 0 ? "" : rs, paths[i]);
                }
                snprintf(text + strlen(text), sizeof text - strlen(text), "    }\n}\n");
                vt t;
                memset(&t, 0, sizeof t);
                t.p = fx_policy(&t.fx, text, NULL);
                vf_init(&t.v, 0);
                vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
                vf_fs_oracle *o = vf_fs_oracle_new(&t.v, t.p);
                for (int q = 0; q < 40; q++) {
                        /* a rule's path, a child, a sibling, a prefix, or a fresh path */
                        char path[256];
                        const char *base = paths[rnd((unsigned)nrules)];
                        switch (rnd(5)) {
                        case 0:
                                snprintf(path, sizeof path, "%s", base);
                                break;
                        case 1:
                                snprintf(path, sizeof path, "%s/%s", base, comps[rnd(7)]);
                                break;
                        case 2:
                                snprintf(path, sizeof path, "%sx", base);
                                break;
                        case 3: {
                                snprintf(path, sizeof path, "%s", base);
                                char *slash = strrchr(path, '/');
                                if (slash && slash != path && slash[-1] != '}')
                                        *slash = 0;
                                if (!path[0] ||
                                    (path[0] == '$' && strchr(path, '/') == NULL && rnd(2)))
                                        snprintf(path, sizeof path, "/%s", comps[rnd(7)]);
                                break;
                        }
                        default:
                                random_path(path, sizeof path, true);
                        }
                        unsigned right = 1u << rnd(4);
                        char req[300];
                        snprintf(req, sizeof req, "%s %s", right_names[__builtin_ctz(right)], path);
                        eval_result r;
                        char err[256];
                        if (!eval_request(t.p, &t.v.env, req, &r, err, sizeof err, &t.fx.ctx.arena))
                                fail_msg("'%s': %s", req, err);
                        int z = vf_fs_oracle_allowed(o, right, path);
                        if (z != (int)r.allowed)
                                fail_msg("policy:\n%s\n'%s': Z3 says %d, the evaluator %s", text,
                                         req, z, r.allowed ? "allowed" : "denied");
                        checked++;
                }
                vf_fs_oracle_free(o);
                /* and the checks: every witness they give replays */
                vf_check_fs(&t.v, t.p);
                vf_compare c;
                vf_compare_fs(&t.v, t.p, t.p, &c);
                assert_int_equal(c.rel, VF_EQUIVALENT);
                vt_free(&t);
        }
        assert_int_equal(checked, 60 * 40);
}

/* ---- timings ---- */

static void test_example_policy_timing(void **state)
{
        fixture fx;
        fx_load_file(&fx, "stdlib-policies/examples/coding_agent.osh");
        fx_expect_clean(&fx);
        fx.prog = ir_lower(&fx.ctx);
        assert_non_null(fx.prog);
        vf v;
        vf_init(&v, 0);
        vf_set_program(&v, &fx.ctx, fx.prog);
        for (int i = 0; i < fx.prog->npolicies; i++) {
                double t0 = now_s();
                vf_check_fs(&v, fx.prog->policies[i]);
                double dt = now_s() - t0;
                print_message("  fs checks of %s: %.1f ms, %d findings so far\n",
                              fx.prog->policies[i]->name, dt * 1e3, v.nf);
        }
        /* the example keeps $WORKDIR/.env out and asserts ~/.ssh unreadable */
        for (int i = 0; i < v.nf; i++) {
                assert_string_not_equal(v.f[i].name, "assert-never");
                assert_string_not_equal(v.f[i].name, "wx-path");
        }
        vf_compare c;
        vf_compare_fs(&v, ir_find_policy(fx.prog, "org_boundary"),
                      ir_find_policy(fx.prog, "coding_agent"), &c);
        print_message("  coding_agent vs org_boundary (fs): %s\n", vf_relation_name(c.rel));
        assert_int_equal(v.internal, 0);
        assert_int_equal(v.unknowns, 0);
        vf_free(&v);
        fx_free(&fx);
}

static void test_thousand_rules_timing(void **state)
{
        rnd_state = 1000;
        size_t cap = 1 << 17, len = 0;
        char *text = malloc(cap);
        assert_non_null(text);
        len += (size_t)snprintf(text, cap, "policy big {\n    requires landlock 5;\n    fs {\n");
        static const char *const top[] = {"usr", "opt", "srv", "var", "home", "data"};
        for (int i = 0; i < 1000; i++) {
                char path[128];
                bool deny = rnd(4) == 0;
                int depth = deny ? 3 + (int)rnd(2) : 1 + (int)rnd(3);
                snprintf(path, sizeof path, "%s/%s", rnd(5) ? "" : "$WORKDIR", top[rnd(6)]);
                for (int d = 1; d < depth; d++)
                        snprintf(path + strlen(path), sizeof path - strlen(path), "/d%u", rnd(12));
                const char *rights[] = {"read", "read, exec", "read, write", "write", "ioctl"};
                len += (size_t)snprintf(text + len, cap - len, "        %s %s %s;\n",
                                        deny ? "deny" : "allow", rights[rnd(5)], path);
        }
        snprintf(text + len, cap - len, "    }\n    assert never write /usr;\n}\n");
        vt t;
        memset(&t, 0, sizeof t);
        t.p = fx_policy(&t.fx, text, NULL);
        free(text);
        assert_int_equal(t.p->nfs, 1000);
        vf_init(&t.v, 0);
        vf_set_program(&t.v, &t.fx.ctx, t.fx.prog);
        double t0 = now_s();
        vf_check_fs(&t.v, t.p);
        double dt = now_s() - t0;
        print_message("  1,000 fs rules: %.2f s, %d findings\n", dt, t.v.nf);
        for (int i = 0; i < t.v.nfam; i++)
                print_message("    %-12s %5d queries %8.1f ms\n", t.v.fam[i].name,
                              t.v.fam[i].queries, t.v.fam[i].seconds * 1e3);
        vt_free(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_vacuous_rule),
            cmocka_unit_test(test_dead_rule),
            cmocka_unit_test(test_shadowed_allow),
            cmocka_unit_test(test_shadowed_deny),
            cmocka_unit_test(test_redundant_rule),
            cmocka_unit_test(test_overridden_allow),
            cmocka_unit_test(test_wx_path),
            cmocka_unit_test(test_writable_identity),
            cmocka_unit_test(test_self_modify),
            cmocka_unit_test(test_control_socket),
            cmocka_unit_test(test_secret_read),
            cmocka_unit_test(test_landlock_abi),
            cmocka_unit_test(test_assert_never),
            cmocka_unit_test(test_secrets_set_matches_the_table),
            cmocka_unit_test(test_compare),
            cmocka_unit_test(test_random_policies_agree_with_eval),
            cmocka_unit_test(test_example_policy_timing),
            cmocka_unit_test(test_thousand_rules_timing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
