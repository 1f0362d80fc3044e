/*
 * cmd_verify.c - `oshc verify FILE...` and `oshc diff OLD NEW`: the
 * verifier's command line (verifier/verify.h does the work).
 *
 * verify proves every policy defined in each FILE (or the one --policy
 * names): anomalies, escalation paths, assertions, `within`, and the
 * translation of the compiled bundle.  --baseline OLD also compares each
 * policy with the policy of the same name in OLD (or OLD's only policy).
 * diff compares two policies per domain and prints a request NEW allows
 * and OLD does not for every widened domain.
 *
 * The report goes to standard output (text, JSON or SARIF); errors in the
 * input files are front-end diagnostics on standard error.
 */
#include "../verifier/verify.h"
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void verify_help(void)
{
        printf("usage: oshc verify FILE... [--policy NAME] [--baseline OLD] [--strict]\n"
               "                   [--format text|json|sarif] [--bundle BUNDLE]\n"
               "                   [--no-translation] [--rlimit N] [--stats] [-I DIR]\n\n"
               "Prove every policy of each FILE free of rule anomalies and escalation paths,\n"
               "prove its `assert never` and `within`, and prove the bundle it compiles to\n"
               "means the same as the policy (translation validation).\n\n"
               "  --policy NAME     verify only this policy\n"
               "  --baseline OLD    also compare with the same-named policy of OLD (or its\n"
               "                    only policy): a new-access finding per widened domain\n"
               "  --strict          warnings count as errors\n"
               "  --format F        text (default), json, or sarif (SARIF 2.1.0)\n"
               "  --bundle BUNDLE   validate this compiled bundle instead of a fresh build\n"
               "  --no-translation  skip building and validating the bundle\n"
               "  --rlimit N        solver budget per query (deterministic; default %u)\n"
               "  --stats           text: time and solver queries per check family\n\n"
               "Findings are waived in the policy with `waive NAME \"reason\";`.\n"
               "Exit 0 clean (warnings allowed), 1 errors in the input or unwaived error\n"
               "findings, 2 usage, an internal error, or a query the solver could not decide.\n",
               VF_DEFAULT_RLIMIT);
}

static void diff_help(void)
{
        printf("usage: oshc diff OLD NEW [--policy NAME] [--fail-on new-access]\n"
               "                 [--format text|json] [--rlimit N] [-I DIR]\n\n"
               "Compare the policy in OLD with the one in NEW (the only policy of each file,\n"
               "or the one --policy names) per domain (fs, net, syscalls): equivalent,\n"
               "narrower, wider or incomparable, with a concrete request NEW allows and OLD\n"
               "denies for every widened domain (and one the other way for narrowed ones).\n\n"
               "Exit 0; with --fail-on new-access 1 when a domain is wider or incomparable;\n"
               "2 on usage errors, errors in the input, or an undecided comparison.\n");
}

/* A loaded file: its context and program live until the report is out
 * (findings point into them). */
typedef struct loaded {
        osh_ctx c;
        ir_program *prog;
        bool ok, inited;
} loaded;

static void load(loaded *l, const cli_common *o, const char *file)
{
        cli_common text = *o;
        text.format = FORMAT_TEXT; /* the report owns standard output */
        cli_ctx_init(&l->c, &text);
        l->inited = true;
        l->c.out = stderr;
        ast_file *root = osh_load(&l->c, file);
        l->prog = root && l->c.nerrors == 0 ? ir_lower(&l->c) : NULL;
        l->ok = l->prog && l->c.nerrors == 0;
        if (l->c.ndiags)
                diag_flush(&l->c);
}

static bool parse_uint(const char *s, unsigned *out)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > 0xffffffffUL || s[0] == '-')
                return false;
        *out = (unsigned)v;
        return true;
}

/* the policies of the root file of a loaded program */
static bool in_root_file(loaded *l, const ir_policy *p)
{
        return l->c.nfiles > 0 && p->where.file == 0;
}

static const ir_policy *baseline_for(loaded *old, const ir_policy *p)
{
        ir_policy *same = ir_find_policy(old->prog, p->name);
        if (same)
                return same;
        const ir_policy *only = NULL;
        for (int i = 0; i < old->prog->npolicies; i++)
                if (in_root_file(old, old->prog->policies[i])) {
                        if (only)
                                return NULL;
                        only = old->prog->policies[i];
                }
        return only;
}

int cmd_verify(int argc, char **argv)
{
        cli_common o = {0};
        vf_options vo = {.translation = true};
        const char *files[256], *baseline = NULL;
        int nfiles = 0;
        unsigned rlimit = 0;
        bool bad = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        verify_help();
                        return EXIT_OK;
                }
                if (!strcmp(a, "--format") && i + 1 < argc && !strcmp(argv[i + 1], "sarif")) {
                        vo.format = 2;
                        i++;
                        continue;
                }
                if (!strcmp(a, "--format=sarif")) {
                        vo.format = 2;
                        continue;
                }
                if (cli_common_option(&o, argc, argv, &i, &bad)) {
                        if (!strncmp(a, "--format", 8))
                                vo.format = o.format == FORMAT_JSON ? 1 : 0;
                        continue;
                }
                if (!strcmp(a, "--strict")) {
                        vo.strict = true;
                } else if (!strcmp(a, "--stats")) {
                        vo.stats = true;
                } else if (!strcmp(a, "--no-translation")) {
                        vo.translation = false;
                } else if ((!strcmp(a, "--baseline") || !strcmp(a, "--bundle") ||
                            !strcmp(a, "--rlimit")) &&
                           i + 1 < argc) {
                        const char *val = argv[++i];
                        if (a[2] == 'r') {
                                if (!parse_uint(val, &rlimit)) {
                                        cli_usage_error(
                                            "verify", "--rlimit takes a positive number, not '%s'",
                                            val);
                                        return EXIT_USAGE;
                                }
                        } else if (a[3] == 'a') {
                                baseline = val;
                        } else {
                                vo.bundle_path = val;
                        }
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("verify", "unknown option or missing value: '%s'", a);
                        return EXIT_USAGE;
                } else if (nfiles == 256) {
                        cli_usage_error("verify", "at most 256 files at once");
                        return EXIT_USAGE;
                } else {
                        files[nfiles++] = a;
                }
        }
        if (bad)
                return EXIT_USAGE;
        if (nfiles == 0) {
                cli_usage_error("verify", "no policy file given");
                return EXIT_USAGE;
        }
        if (vo.bundle_path && nfiles != 1) {
                cli_usage_error("verify", "--bundle validates one policy: give one FILE");
                return EXIT_USAGE;
        }
        vo.color = vo.format == 0 && diag_want_color(stdout);

        loaded *ls = calloc((size_t)nfiles + 1, sizeof *ls);
        const char **names = calloc(4096, sizeof *names);
        if (!ls || !names) {
                fprintf(stderr, "oshc verify: out of memory\n");
                return EXIT_USAGE;
        }
        int rc = EXIT_OK;
        loaded *old = NULL;
        if (baseline) {
                old = &ls[nfiles];
                load(old, &o, baseline);
                if (!old->ok)
                        rc = EXIT_FINDINGS;
        }
        vf v;
        vf_init(&v, rlimit);
        for (int i = 0; i < nfiles && rc == EXIT_OK; i++) {
                loaded *l = &ls[i];
                load(l, &o, files[i]);
                if (!l->ok) {
                        rc = EXIT_FINDINGS;
                        break;
                }
                vf_set_program(&v, &l->c, l->prog);
                int nverified = 0;
                for (int k = 0; k < l->prog->npolicies; k++) {
                        ir_policy *p = l->prog->policies[k];
                        if (o.policy ? strcmp(p->name, o.policy) : !in_root_file(l, p))
                                continue;
                        if (!vf_verify_policy(&v, l->prog, p, &vo)) {
                                diag_flush(&l->c);
                                rc = v.internal ? EXIT_USAGE : EXIT_FINDINGS;
                                break;
                        }
                        if (old) {
                                const ir_policy *base = baseline_for(old, p);
                                if (!base) {
                                        fprintf(stderr,
                                                "oshc verify: %s has no policy %s and more than "
                                                "one policy: name it with --policy\n",
                                                baseline, p->name);
                                        rc = EXIT_USAGE;
                                        break;
                                }
                                vf_compare cmp[3];
                                vf_baseline(&v, base, p, cmp);
                        }
                        if (vo.npolicies < 4096)
                                names[vo.npolicies++] = p->name;
                        nverified++;
                }
                if (rc == EXIT_OK && nverified == 0) {
                        if (o.policy)
                                fprintf(stderr, "oshc verify: %s: no policy named %s\n", files[i],
                                        o.policy);
                        else
                                fprintf(stderr,
                                        "oshc verify: %s defines no policy (only fragments?): "
                                        "name one with --policy\n",
                                        files[i]);
                        rc = EXIT_FINDINGS;
                }
        }
        if (rc == EXIT_OK) {
                vo.policies = names;
                rc = vf_print(&v, stdout, &vo);
        }
        vf_free(&v);
        for (int i = 0; i <= nfiles; i++)
                if (ls[i].inited)
                        osh_ctx_free(&ls[i].c);
        free(ls);
        free(names);
        return rc;
}

static void print_compare_text(const vf_compare *c)
{
        printf("%-9s %s\n", c->domain, c->unknown ? "could not decide" : vf_relation_name(c->rel));
        if (c->unknown)
                return;
        if (c->wider_witness)
                printf("  new access:  %s\n", c->wider_witness);
        if (c->narrower_witness)
                printf("  lost access: %s\n", c->narrower_witness);
}

static void print_compare_json(const vf_compare *cmp, int n, int rc)
{
        printf("{\"domains\":[");
        for (int d = 0; d < n; d++) {
                const vf_compare *c = &cmp[d];
                printf("%s{\"domain\":\"%s\",\"relation\":", d ? "," : "", c->domain);
                json_write_string(stdout, c->unknown ? "unknown" : vf_relation_name(c->rel));
                printf(",\"new_access\":");
                if (c->wider_witness)
                        json_write_string(stdout, c->wider_witness);
                else
                        printf("null");
                printf(",\"lost_access\":");
                if (c->narrower_witness)
                        json_write_string(stdout, c->narrower_witness);
                else
                        printf("null");
                printf("}");
        }
        printf("],\"exit\":%d}\n", rc);
}

static const ir_policy *diff_policy(loaded *l, const char *name, const char *file)
{
        if (name) {
                ir_policy *p = ir_find_policy(l->prog, name);
                if (!p)
                        fprintf(stderr, "oshc diff: %s: no policy named %s\n", file, name);
                return p;
        }
        const ir_policy *only = NULL;
        for (int i = 0; i < l->prog->npolicies; i++)
                if (in_root_file(l, l->prog->policies[i])) {
                        if (only) {
                                fprintf(stderr,
                                        "oshc diff: %s defines more than one policy: name one "
                                        "with --policy\n",
                                        file);
                                return NULL;
                        }
                        only = l->prog->policies[i];
                }
        if (!only)
                fprintf(stderr, "oshc diff: %s defines no policy\n", file);
        return only;
}

int cmd_diff(int argc, char **argv)
{
        cli_common o = {0};
        const char *files[2];
        int nfiles = 0;
        unsigned rlimit = 0;
        bool bad = false, fail_on_new = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        diff_help();
                        return EXIT_OK;
                }
                if (cli_common_option(&o, argc, argv, &i, &bad))
                        continue;
                if (!strcmp(a, "--fail-on") && i + 1 < argc) {
                        if (strcmp(argv[++i], "new-access")) {
                                cli_usage_error("diff", "--fail-on takes new-access, not '%s'",
                                                argv[i]);
                                return EXIT_USAGE;
                        }
                        fail_on_new = true;
                } else if (!strcmp(a, "--rlimit") && i + 1 < argc) {
                        if (!parse_uint(argv[++i], &rlimit)) {
                                cli_usage_error("diff", "--rlimit takes a positive number");
                                return EXIT_USAGE;
                        }
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("diff", "unknown option or missing value: '%s'", a);
                        return EXIT_USAGE;
                } else if (nfiles == 2) {
                        cli_usage_error("diff", "takes two files, OLD and NEW");
                        return EXIT_USAGE;
                } else {
                        files[nfiles++] = a;
                }
        }
        if (bad)
                return EXIT_USAGE;
        if (nfiles != 2) {
                cli_usage_error("diff", "takes two files, OLD and NEW");
                return EXIT_USAGE;
        }
        loaded ls[2];
        memset(ls, 0, sizeof ls);
        int rc = EXIT_OK;
        const ir_policy *pol[2] = {NULL, NULL};
        for (int i = 0; i < 2; i++) {
                load(&ls[i], &o, files[i]);
                if (!ls[i].ok || !(pol[i] = diff_policy(&ls[i], o.policy, files[i])))
                        rc = EXIT_USAGE;
        }
        if (rc == EXIT_OK) {
                vf v;
                vf_init(&v, rlimit);
                vf_set_program(&v, &ls[1].c, ls[1].prog);
                vf_compare cmp[3];
                vf_compare_all(&v, pol[0], pol[1], cmp);
                bool wider = false;
                for (int d = 0; d < 3; d++)
                        wider |= !cmp[d].unknown &&
                                 (cmp[d].rel == VF_WIDER || cmp[d].rel == VF_INCOMPARABLE);
                rc = v.unknowns || v.internal ? EXIT_USAGE
                     : fail_on_new && wider   ? EXIT_FINDINGS
                                              : EXIT_OK;
                if (o.format == FORMAT_JSON) {
                        print_compare_json(cmp, 3, rc);
                } else {
                        printf("%s (%s) -> %s (%s)\n", pol[0]->name, files[0], pol[1]->name,
                               files[1]);
                        for (int d = 0; d < 3; d++)
                                print_compare_text(&cmp[d]);
                        if (v.unknowns)
                                printf("oshc diff: could not decide %s; raise the budget with "
                                       "--rlimit N\n",
                                       v.unknown_what);
                }
                vf_free(&v);
        }
        for (int i = 0; i < 2; i++)
                if (ls[i].inited)
                        osh_ctx_free(&ls[i].c);
        return rc;
}
