/*
 * test_resolve.c - unit tests for the loader and the resolver
 * (lang/load.c, lang/resolve.c): names are global across the import graph,
 * duplicates name both definitions, undefined names get a did-you-mean
 * hint, `use` takes fragments and `within` policies, cycles among sets,
 * fragments and imports are errors naming the chain, and a missing import
 * says where it looked and who imported it.
 *
 * Files that import each other are written to a fresh directory under /tmp
 * and loaded with osh_load.
 */
#include "tests/testutil.h"

#include "tests/lang/policy_fixture.h"

/* ---- names across files ---- */

static void test_names_across_two_files(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "lib.osh",
                     "set @bins = { /usr/bin/git, /usr/bin/python3 };\n"
                     "param CACHE = /var/cache/agent;\n"
                     "fragment shared { fs { allow read @bins; } }\n"
                     "policy outer { fs { allow read /; } }\n");
        const char *root = tmpdir_write(&t, "root.osh",
                                        "import \"lib.osh\";\n"
                                        "policy p {\n"
                                        "    use shared;\n"
                                        "    within outer;\n"
                                        "    fs { allow read, write $CACHE, @bins; }\n"
                                        "}\n");
        fixture fx;
        fx_load_file(&fx, root);
        fx_expect_clean(&fx);
        assert_int_equal(fx.ctx.nfiles, 2);
        ast_file *lib = fx.ctx.files[1];
        ast_decl *p = fx_decl(&fx, "p");
        ast_item *use = p->items.items[0];
        ast_item *within = p->items.items[1];
        assert_non_null(use->targets[0]);
        assert_string_equal(use->targets[0]->name, "shared");
        assert_ptr_equal(use->targets[0]->file, lib);
        assert_int_equal(use->targets[0]->kind, D_FRAGMENT);
        assert_ptr_equal(within->targets[0]->file, lib);
        assert_int_equal(within->targets[0]->kind, D_POLICY);
        ast_item *fs = p->items.items[2];
        ast_rule *r = fs->rules.items[0];
        ast_elem *set = r->elems.items[1];
        assert_int_equal(set->kind, EL_SETREF);
        assert_non_null(set->set);
        assert_ptr_equal(set->set->file, lib);
        assert_ptr_equal(set->set, lookup_decl(&fx.ctx, "bins", D_SET));
        assert_non_null(lookup_decl(&fx.ctx, "CACHE", D_PARAM));
        /* the import points at the loaded file */
        ast_decl *imp = fx.root->decls.items[0];
        assert_ptr_equal(imp->imported, lib);
        fx_free(&fx);
        tmpdir_remove(&t);
}

/* Imports are relative to the importing file; a file reached twice is
 * loaded once, so its names are not duplicates. */
static void test_relative_and_shared_imports(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_subdir(&t, "sub");
        tmpdir_write(&t, "sub/common.osh", "set @common = { /etc/hosts };\n");
        tmpdir_write(&t, "sub/a.osh",
                     "import \"common.osh\";\nfragment a { fs { allow read @common; } }\n");
        tmpdir_write(&t, "b.osh",
                     "import \"sub/common.osh\";\nfragment b { fs { allow read @common; } }\n");
        const char *root = tmpdir_write(&t, "root.osh",
                                        "import \"sub/a.osh\";\n"
                                        "import \"b.osh\";\n"
                                        "policy p { use a, b; }\n");
        fixture fx;
        fx_load_file(&fx, root);
        fx_expect_clean(&fx);
        assert_int_equal(fx.ctx.nfiles, 4);
        assert_int_equal(fx_count(&fx, "duplicate-name"), 0);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_std_imports_use_the_stdlib_dir(void **state)
{
        fixture fx;
        fx_load(&fx, "import \"std/base.osh\";\n"
                     "policy p { use base; syscalls { default errno(EPERM); } }\n");
        fx_expect_clean(&fx);
        assert_non_null(lookup_decl(&fx.ctx, "system-service", D_SET));
        fx_free(&fx);

        /* without a stdlib folder std/ is not found */
        fx_init(&fx);
        const char *text = "import \"std/base.osh\";\n";
        fx.ctx.stdlib_dir = NULL;
        fx.root = osh_load_text(&fx.ctx, "test.osh", text, strlen(text));
        const diag *d = fx_expect_diag_at(&fx, "import-not-found", 1, 8);
        assert_non_null(strstr(d->msg, "std/base.osh"));
        fx_free(&fx);
}

/* ---- duplicates ---- */

static void test_duplicate_in_one_file(void **state)
{
        fixture fx;
        fx_load(&fx, "set @s = { /a };\n"
                     "set @t = { /b };\n"
                     "set @s = { /c };\n"
                     "param s = /d;\n" /* params have their own namespace */
                     "fragment f { }\n"
                     "policy f { }\n");
        assert_int_equal(fx_count(&fx, "duplicate-name"), 2);
        const diag *d = fx_expect_diag_at(&fx, "duplicate-name", 3, 5);
        assert_non_null(strstr(d->msg, "'@s'"));
        assert_int_equal(d->nnotes, 1);
        assert_int_equal(d->notes[0].where.line, 1);
        assert_int_equal(d->notes[0].where.col, 5);
        assert_non_null(strstr(d->notes[0].msg, "first definition"));
        /* fragments and policies share one namespace */
        const diag *fp = fx_expect_diag_at(&fx, "duplicate-name", 6, 8);
        assert_non_null(strstr(fp->msg, "policy 'f' is already defined as a fragment"));
        assert_int_equal(fp->notes[0].where.line, 5);
        assert_int_equal(fp->notes[0].where.col, 10);
        /* the printed form shows both places */
        const char *text = fx_text(&fx);
        assert_non_null(strstr(text, "test.osh:3:5: error[duplicate-name]"));
        assert_non_null(strstr(text, "test.osh:1:5: note: first definition of 's'"));
        fx_free(&fx);
}

static void test_duplicate_across_files(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "lib.osh", "\nfragment agent { }\n");
        const char *root = tmpdir_write(&t, "root.osh",
                                        "import \"lib.osh\";\n"
                                        "policy agent { fs { allow read /a; } }\n");
        fixture fx;
        fx_load_file(&fx, root);
        assert_int_equal(fx_count(&fx, "duplicate-name"), 1);
        const diag *d = fx_diag(&fx, "duplicate-name");
        /* one of the two is the error, the other the note; each in its file */
        int root_file = fx.ctx.files[0]->file, lib_file = fx.ctx.files[1]->file;
        assert_int_not_equal(d->where.file, d->notes[0].where.file);
        assert_true(d->where.file == root_file || d->where.file == lib_file);
        assert_true(d->notes[0].where.file == root_file || d->notes[0].where.file == lib_file);
        int lib_line = d->where.file == lib_file ? d->where.line : d->notes[0].where.line;
        int root_line = d->where.file == root_file ? d->where.line : d->notes[0].where.line;
        assert_int_equal(lib_line, 2);
        assert_int_equal(root_line, 2);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_builtin_parameter_cannot_be_declared(void **state)
{
        fixture fx;
        fx_load(&fx, "param WORKDIR = /srv;\nparam HOME;\nparam OTHER;\n");
        assert_int_equal(fx_count(&fx, "duplicate-name"), 2);
        const diag *d = fx_expect_diag_at(&fx, "duplicate-name", 1, 7);
        assert_non_null(strstr(d->msg, "built-in"));
        fx_expect_diag_at(&fx, "duplicate-name", 2, 7);
        fx_free(&fx);
}

/* ---- undefined names ---- */

static void test_undefined_names_with_hints(void **state)
{
        fixture fx;
        fx_load(&fx, "set @interpreters = { /usr/bin/python3 };\n"
                     "param CACHE_DIR = /var/cache;\n"
                     "fragment base { }\n"
                     "policy org { }\n"
                     "policy p {\n"
                     "    use bsae;\n"
                     "    within orgg;\n"
                     "    fs { allow read @interpretrs, $CACHE_DR/x; }\n"
                     "}\n");
        assert_int_equal(fx_count(&fx, "undefined-name"), 4);
        const diag *d = fx_expect_diag_at(&fx, "undefined-name", 6, 9);
        assert_string_equal(d->msg, "undefined fragment 'bsae'; did you mean 'base'?");
        d = fx_expect_diag_at(&fx, "undefined-name", 7, 12);
        assert_string_equal(d->msg, "undefined policy 'orgg'; did you mean 'org'?");
        d = fx_expect_diag_at(&fx, "undefined-name", 8, 21);
        assert_string_equal(d->msg, "undefined set '@interpretrs'; did you mean '@interpreters'?");
        d = fx_expect_diag_at(&fx, "undefined-name", 8, 35);
        assert_string_equal(d->msg, "undefined parameter '$CACHE_DR'; did you mean '$CACHE_DIR'?");
        fx_free(&fx);
}

static void test_undefined_names_without_hints(void **state)
{
        fixture fx;
        fx_load(&fx, "set @paths = { /a };\n"
                     "policy p {\n"
                     "    net { allow connect @zzz from $UNDECLARED/bin; }\n"
                     "    assert never read @qqqqqq;\n"
                     "}\n"
                     "set @outer = { @missing_set };\n");
        assert_int_equal(fx_count(&fx, "undefined-name"), 4);
        const diag *d = fx_expect_diag_at(&fx, "undefined-name", 3, 25);
        assert_string_equal(d->msg, "undefined set '@zzz'");
        d = fx_expect_diag_at(&fx, "undefined-name", 3, 35);
        assert_string_equal(d->msg, "undefined parameter '$UNDECLARED'");
        fx_expect_diag_at(&fx, "undefined-name", 4, 23);
        fx_expect_diag_at(&fx, "undefined-name", 6, 16);
        fx_free(&fx);
}

/* The built-in parameters are the ones people mistype most; a typo of one
 * deserves the same hint as a typo of a declared parameter. */
static void test_hint_for_builtin_parameter(void **state)
{
        fixture fx;
        fx_load(&fx, "policy p { fs { allow read $WORKDR; } }\n");
        const diag *d = fx_expect_diag_at(&fx, "undefined-name", 1, 28);
        assert_non_null(strstr(d->msg, "did you mean '$WORKDIR'?"));
        fx_free(&fx);
}

/* ---- use and within ---- */

static void test_use_takes_fragments_within_takes_policies(void **state)
{
        fixture fx;
        fx_load(&fx, "fragment frag { }\n"
                     "policy other { }\n"
                     "policy p {\n"
                     "    use other;\n"
                     "    within frag;\n"
                     "    within p;\n"
                     "}\n");
        const diag *d = fx_expect_diag_at(&fx, "use-policy", 4, 9);
        assert_non_null(strstr(d->msg, "'other' is a policy; use takes a fragment"));
        assert_int_equal(d->nnotes, 1);
        assert_int_equal(d->notes[0].where.line, 2);
        assert_int_equal(d->notes[0].where.col, 8);
        d = fx_expect_diag_at(&fx, "within-fragment", 5, 12);
        assert_non_null(strstr(d->msg, "'frag' is a fragment; within takes a policy"));
        assert_int_equal(d->notes[0].where.line, 1);
        d = fx_expect_diag_at(&fx, "within-self", 6, 12);
        assert_non_null(strstr(d->msg, "'p'"));
        assert_int_equal(fx.ctx.nerrors, 3);
        /* the wrong targets stay unbound */
        ast_item *use = fx_decl(&fx, "p")->items.items[0];
        assert_null(use->targets[0]);
        fx_free(&fx);
}

/* ---- cycles ---- */

static void test_set_cycles(void **state)
{
        fixture fx;
        fx_load(&fx, "set @a = { /x, @b };\n"
                     "set @b = { @a };\n"
                     "set @c = { /y, @c };\n"
                     "set @ok = { @ok2 };\n"
                     "set @ok2 = { /z };\n");
        assert_int_equal(fx_count(&fx, "set-cycle"), 2);
        const diag *d = fx_expect_diag_at(&fx, "set-cycle", 2, 12);
        assert_string_equal(d->msg, "set @a contains itself through @b");
        assert_int_equal(d->notes[0].where.line, 1);
        d = fx_expect_diag_at(&fx, "set-cycle", 3, 16);
        assert_string_equal(d->msg, "set @c contains itself through @c");
        fx_free(&fx);
}

static void test_use_cycles(void **state)
{
        fixture fx;
        fx_load(&fx, "fragment a { use b; }\n"
                     "fragment b { use c; }\n"
                     "fragment c { use a; }\n"
                     "fragment self { use self; }\n"
                     "fragment fine { use b; }\n"
                     "policy p { use a, fine; }\n");
        assert_int_equal(fx_count(&fx, "use-cycle"), 2);
        const diag *d = fx_expect_diag_at(&fx, "use-cycle", 3, 18);
        assert_string_equal(d->msg, "fragment 'a' uses itself through 'c'");
        assert_int_equal(d->notes[0].where.line, 1);
        assert_int_equal(d->notes[0].where.col, 10);
        d = fx_expect_diag_at(&fx, "use-cycle", 4, 21);
        assert_non_null(strstr(d->msg, "'self' uses itself"));
        fx_free(&fx);
}

static void test_import_cycle_names_the_chain(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "b.osh", "# b\nimport \"c.osh\";\n");
        tmpdir_write(&t, "c.osh", "import \"a.osh\";\n");
        const char *a = tmpdir_write(&t, "a.osh", "import \"b.osh\";\npolicy p { }\n");
        fixture fx;
        fx_load_file(&fx, a);
        assert_int_equal(fx_count(&fx, "import-cycle"), 1);
        const diag *d = fx_diag(&fx, "import-cycle");
        /* reported at c.osh's import of a.osh */
        assert_int_equal(d->where.line, 1);
        assert_int_equal(d->where.col, 8);
        assert_string_equal(fx.ctx.sources[d->where.file]->path + strlen(t.path), "/c.osh");
        char want[512];
        snprintf(want, sizeof(want), "import cycle: %s/a.osh -> %s/b.osh -> %s/c.osh -> %s/a.osh",
                 t.path, t.path, t.path, t.path);
        assert_string_equal(d->msg, want);
        /* notes walk back up the chain: c was imported by b, b by a */
        assert_int_equal(d->nnotes, 2);
        assert_non_null(strstr(d->notes[0].msg, "c.osh' was imported here"));
        assert_int_equal(d->notes[0].where.line, 2);
        assert_non_null(strstr(d->notes[1].msg, "b.osh' was imported here"));
        assert_int_equal(d->notes[1].where.line, 1);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_self_import(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        const char *a = tmpdir_write(&t, "self.osh", "policy p { }\nimport \"self.osh\";\n");
        fixture fx;
        fx_load_file(&fx, a);
        const diag *d = fx_expect_diag_at(&fx, "import-cycle", 2, 8);
        assert_non_null(strstr(d->msg, "self.osh -> "));
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_missing_import_names_the_chain(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "lib.osh", "set @x = { /x };\n\nimport \"nothere.osh\";\n");
        const char *root = tmpdir_write(&t, "root.osh", "import \"lib.osh\";\npolicy p { }\n");
        fixture fx;
        fx_load_file(&fx, root);
        assert_int_equal(fx.ctx.nerrors, 1);
        const diag *d = fx_expect_diag_at(&fx, "import-not-found", 3, 8);
        char want[512];
        snprintf(want, sizeof(want),
                 "cannot find imported file 'nothere.osh' (looked in: %s/nothere.osh)", t.path);
        assert_string_equal(d->msg, want);
        assert_int_equal(d->nnotes, 1);
        assert_non_null(strstr(d->notes[0].msg, "lib.osh' was imported here"));
        assert_int_equal(d->notes[0].where.file, fx.ctx.files[0]->file);
        assert_int_equal(d->notes[0].where.line, 1);
        assert_int_equal(d->notes[0].where.col, 8);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_import_search_path(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_subdir(&t, "inc");
        tmpdir_write(&t, "inc/shared.osh", "fragment shared { }\n");
        const char *root =
            tmpdir_write(&t, "root.osh", "import \"shared.osh\";\npolicy p { use shared; }\n");
        char inc[128];
        snprintf(inc, sizeof(inc), "%s/inc", t.path);
        const char *dirs[] = {"/nonexistent-oshc-dir", inc};

        /* not found next to the root file ... */
        fixture fx;
        fx_load_file(&fx, root);
        const diag *d = fx_expect_diag_at(&fx, "import-not-found", 1, 8);
        assert_non_null(strstr(d->msg, "shared.osh"));
        fx_free(&fx);

        /* ... but in the second -I directory */
        fx_init(&fx);
        fx.ctx.include_dirs = dirs;
        fx.ctx.ninclude_dirs = 2;
        fx.root = osh_load(&fx.ctx, root);
        fx_expect_clean(&fx);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_import_repeated(void **state)
{
        tmpdir t;
        tmpdir_make(&t);
        tmpdir_write(&t, "lib.osh", "fragment f { }\n");
        const char *root = tmpdir_write(&t, "root.osh",
                                        "import \"lib.osh\";\n"
                                        "import \"lib.osh\";\n"
                                        "policy p { use f; }\n");
        fixture fx;
        fx_load_file(&fx, root);
        const diag *d = fx_expect_diag_at(&fx, "import-repeated", 2, 8);
        assert_int_equal(d->notes[0].where.line, 1);
        assert_int_equal(fx_count(&fx, "duplicate-name"), 0);
        fx_free(&fx);
        tmpdir_remove(&t);
}

static void test_missing_root_file(void **state)
{
        fixture fx;
        assert_null(fx_load_file(&fx, "/nonexistent-oshc-dir/policy.osh"));
        const diag *d = fx_diag(&fx, "file-not-found");
        assert_non_null(d);
        assert_non_null(strstr(d->msg, "/nonexistent-oshc-dir/policy.osh"));
        fx_free(&fx);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names_across_two_files),
            cmocka_unit_test(test_relative_and_shared_imports),
            cmocka_unit_test(test_std_imports_use_the_stdlib_dir),
            cmocka_unit_test(test_duplicate_in_one_file),
            cmocka_unit_test(test_duplicate_across_files),
            cmocka_unit_test(test_builtin_parameter_cannot_be_declared),
            cmocka_unit_test(test_undefined_names_with_hints),
            cmocka_unit_test(test_undefined_names_without_hints),
            cmocka_unit_test(test_hint_for_builtin_parameter),
            cmocka_unit_test(test_use_takes_fragments_within_takes_policies),
            cmocka_unit_test(test_set_cycles),
            cmocka_unit_test(test_use_cycles),
            cmocka_unit_test(test_import_cycle_names_the_chain),
            cmocka_unit_test(test_self_import),
            cmocka_unit_test(test_missing_import_names_the_chain),
            cmocka_unit_test(test_import_search_path),
            cmocka_unit_test(test_import_repeated),
            cmocka_unit_test(test_missing_root_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
