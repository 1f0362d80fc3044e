/*
 * cmd_query.c - `oshc query FILE 'REQUEST'`: decide one concrete request
 * with the reference evaluator and print the decision and the rule that
 * decided it.  `--expect allow|deny` makes the exit status say whether the
 * decision was the expected one, for scripts and tests.
 */
#include "cli.h"
#include "eval.h"

#include <stdlib.h>
#include <string.h>

static void query_help(void)
{
        printf(
            "usage: oshc query FILE 'REQUEST' [--param NAME=VALUE]... [--policy NAME]\n"
            "                  [--expect allow|deny] [--format text|json] [-I DIR]\n\n"
            "Requests:\n"
            "  read|write|exec|ioctl PATH                 an fs access (PATH may be $WORKDIR/x)\n"
            "  connect HOST:PORT [addr=IP] [from BIN] [under BIN...]\n"
            "  bind ADDR:PORT\n"
            "  http METHOD HOST:PORT/PATH [addr=IP] [from BIN] [under BIN...]\n"
            "  SYSCALL [ARG=VALUE...] [path=PATH]         e.g. 'openat path=/etc/shadow "
            "flags=O_RDONLY'\n"
            "  syscall SYSCALL [ARG=VALUE...]             the same, for names that are also\n"
            "                                             request words: 'syscall bind fd=3'\n\n"
            "Prints the decision, the deciding layer and rule.  Exit 0, or with --expect\n"
            "1 when the decision differs; 2 on usage errors or a malformed request.\n");
}

/* "file:line:col (in origin): source line" for a span. */
static void print_span_line(osh_ctx *c, const char *label, span w, const char *origin)
{
        int len;
        const char *line = source_line(c, w.file, w.line, &len);
        while (line && len > 0 && (*line == ' ' || *line == '\t'))
                line++, len--;
        printf("%s: %s:%d:%d", label, c->sources[w.file]->path, w.line, w.col);
        if (origin)
                printf(" (in %s)", origin);
        if (line)
                printf(": %.*s", len, line);
        putchar('\n');
}

static void print_text(osh_ctx *c, const eval_result *r)
{
        char act[64];
        printf("decision: %s\n", r->allowed ? "allow" : "deny");
        printf("action: %s\n", ir_action_str(r->action, act, sizeof(act)));
        printf("layer: %s\n", eval_layer_name(r->layer));
        printf("reason: %s\n", r->reason);
        if (r->rule_where.file < 0) {
                printf("rule: (default)\n");
                return;
        }
        print_span_line(c, "rule", r->rule_where, r->origin);
        /* a set member: say which element of which set matched */
        if (r->where.file >= 0 &&
            (r->where.file != r->rule_where.file || r->where.line < r->rule_where.line ||
             r->where.line > r->rule_where.end_line))
                print_span_line(c, "matched", r->where, NULL);
}

static void print_json(osh_ctx *c, const eval_result *r)
{
        char act[64];
        printf("{\"decision\":\"%s\",\"action\":", r->allowed ? "allow" : "deny");
        json_write_string(stdout, ir_action_str(r->action, act, sizeof(act)));
        printf(",\"layer\":");
        json_write_string(stdout, eval_layer_name(r->layer));
        printf(",\"reason\":");
        json_write_string(stdout, r->reason);
        if (r->rule_where.file >= 0) {
                printf(",\"rule\":{\"id\":%d,\"file\":", r->rule_id);
                json_write_string(stdout, c->sources[r->rule_where.file]->path);
                printf(",\"line\":%d,\"col\":%d,\"origin\":", r->rule_where.line,
                       r->rule_where.col);
                json_write_string(stdout, r->origin ? r->origin : "");
                printf("}}\n");
        } else {
                printf(",\"rule\":null}\n");
        }
}

int cmd_query(int argc, char **argv)
{
        cli_common o = {0};
        const char *file = NULL, *request = NULL, *expect = NULL;
        eval_params env = {0};
        bool bad = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        query_help();
                        return EXIT_OK;
                }
                if (cli_common_option(&o, argc, argv, &i, &bad))
                        continue;
                if ((!strcmp(a, "--param") || !strcmp(a, "--expect")) && i + 1 < argc) {
                        const char *v = argv[++i];
                        if (a[2] == 'e') {
                                if (strcmp(v, "allow") && strcmp(v, "deny")) {
                                        cli_usage_error("query", "--expect takes allow or deny");
                                        return EXIT_USAGE;
                                }
                                expect = v;
                                continue;
                        }
                        const char *eq = strchr(v, '=');
                        if (!eq || eq == v || env.n == 32) {
                                cli_usage_error("query", "--param takes NAME=VALUE (at most 32)");
                                return EXIT_USAGE;
                        }
                        env.names[env.n] = strndup(v, (size_t)(eq - v));
                        env.values[env.n++] = eq + 1;
                } else if (a[0] == '-' && a[1]) {
                        cli_usage_error("query", "unknown option or missing value: '%s'", a);
                        return EXIT_USAGE;
                } else if (!file) {
                        file = a;
                } else if (!request) {
                        request = a;
                } else {
                        cli_usage_error("query", "give the request as one quoted argument");
                        return EXIT_USAGE;
                }
        }
        int rc = EXIT_USAGE;
        if (bad || !file || !request) {
                if (!bad)
                        cli_usage_error("query", "usage: oshc query FILE 'REQUEST'");
                goto out;
        }
        osh_ctx c;
        cli_ctx_init(&c, &o);
        c.out = stderr; /* stdout carries the result */
        ast_file *root = osh_load(&c, file);
        ir_program *prog = root && c.nerrors == 0 ? ir_lower(&c) : NULL;
        ir_policy *pol = prog ? ir_select_policy(prog, o.policy) : NULL;
        rc = EXIT_FINDINGS;
        if (pol) {
                /* parameters without --param take their declared default */
                for (int i = 0; i < prog->nparams && env.n < 32; i++) {
                        bool given = false;
                        for (int j = 0; j < env.n; j++)
                                given |= !strcmp(env.names[j], prog->params[i].name);
                        if (!given && prog->params[i].def) {
                                env.names[env.n] = strdup(prog->params[i].name);
                                env.values[env.n++] = prog->params[i].def;
                        }
                }
                eval_result r;
                char err[512];
                if (!eval_request(pol, &env, request, &r, err, sizeof(err), &c.arena)) {
                        fprintf(stderr, "oshc query: %s\n", err);
                        rc = EXIT_USAGE;
                } else {
                        if (o.format == FORMAT_JSON)
                                print_json(&c, &r);
                        else
                                print_text(&c, &r);
                        rc = EXIT_OK;
                        if (expect && !strcmp(expect, "allow") != r.allowed)
                                rc = EXIT_FINDINGS;
                }
        }
        if (c.ndiags)
                diag_flush(&c);
        osh_ctx_free(&c);
out:
        for (int i = 0; i < env.n; i++)
                free((char *)env.names[i]);
        return rc;
}
