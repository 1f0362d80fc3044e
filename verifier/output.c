/*
 * output.c - the verifier's report: text for people (grouped by policy and
 * severity, spans with carets as in the front end's diagnostics), JSON for
 * machines, SARIF 2.1.0 for code-scanning UIs (rule ids are the finding
 * names, locations the spans).
 *
 * Severity: a finding's own, raised to error by --strict.  Waived findings
 * are listed with their reason and never count.  Exit: 2 when a query was
 * UNKNOWN or the verifier hit an internal error, else 1 when an unwaived
 * error remains, else 0.
 */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

static bool is_error(const vf *v, const vf_finding *f)
{
        return f->severity == VF_ERROR || v->strict;
}

/* policies in first-reported order, then errors before warnings, then the
 * primary location, then report order.  A policy's rank is computed before
 * sorting (the comparator must not read the array qsort is permuting),
 * indexed by the finding's report sequence number. */
static const vf *sort_v;
static int *sort_rank; /* by seq: the index of the policy's first finding */

static int finding_cmp(const void *a, const void *b)
{
        const vf_finding *x = a, *y = b;
        int px = sort_rank[x->seq], py = sort_rank[y->seq];
        if (px != py)
                return px - py;
        if (x->waived != y->waived)
                return x->waived - y->waived;
        bool ex = is_error(sort_v, x), ey = is_error(sort_v, y);
        if (ex != ey)
                return ey - ex;
        if (x->nlocs && y->nlocs) {
                const span *s = &x->locs[0].where, *t = &y->locs[0].where;
                if (s->file != t->file)
                        return s->file - t->file;
                if (s->line != t->line)
                        return s->line - t->line;
                if (s->col != t->col)
                        return s->col - t->col;
        }
        return x->seq - y->seq;
}

static void sort_findings(vf *v)
{
        if (v->nf < 2)
                return;
        sort_rank = calloc((size_t)v->seq, sizeof *sort_rank);
        if (!sort_rank)
                return; /* report order */
        for (int i = 0; i < v->nf; i++) {
                int r = i;
                for (int j = 0; j < i; j++)
                        if (!strcmp(v->f[j].policy, v->f[i].policy)) {
                                r = sort_rank[v->f[j].seq];
                                break;
                        }
                sort_rank[v->f[i].seq] = r;
        }
        sort_v = v;
        qsort(v->f, (size_t)v->nf, sizeof *v->f, finding_cmp);
        sort_v = NULL;
        free(sort_rank);
        sort_rank = NULL;
}

int vf_exit_status(const vf *v)
{
        if (v->unknowns || v->internal)
                return 2;
        for (int i = 0; i < v->nf; i++)
                if (!v->f[i].waived && is_error(v, &v->f[i]))
                        return 1;
        return 0;
}

/* ---- text ---- */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[1;36m"

static void paint(osh_ctx *c, const char *code)
{
        if (c->color)
                fputs(code, c->out);
}

static void print_finding_text(vf *v, const vf_finding *f, FILE *out)
{
        osh_ctx *c = f->ctx;
        c->out = out;
        const char *level = f->waived ? "waived" : is_error(v, f) ? "error" : "warning";
        if (f->nlocs)
                diag_print_location(c, f->locs[0].where);
        else
                fputs("oshc: ", c->out);
        paint(c, f->waived ? C_CYAN : is_error(v, f) ? C_RED : C_YELLOW);
        fprintf(c->out, "%s[%s]", level, f->name);
        paint(c, C_RESET C_BOLD);
        fprintf(c->out, ": %s: %s\n", f->policy, f->message);
        paint(c, C_RESET);
        if (f->nlocs)
                diag_print_snippet(c, f->locs[0].where);
        if (f->witness)
                fprintf(c->out, "  witness: %s\n", f->witness);
        if (f->layer)
                fprintf(c->out, "  layer: %s\n", f->layer);
        if (f->fix)
                fprintf(c->out, "  fix: %s\n", f->fix);
        if (f->waived)
                fprintf(c->out, "  waived: \"%s\"\n", f->waive_reason);
        for (int i = 1; i < f->nlocs; i++) {
                diag_print_location(c, f->locs[i].where);
                paint(c, C_CYAN);
                fputs("note", c->out);
                paint(c, C_RESET);
                fprintf(c->out, ": %s", f->locs[i].label ? f->locs[i].label : "related rule");
                if (f->locs[i].origin)
                        fprintf(c->out, " (in %s)", f->locs[i].origin);
                fputc('\n', c->out);
                diag_print_snippet(c, f->locs[i].where);
        }
}

static double median(double *x, int n)
{
        if (n == 0)
                return 0;
        for (int i = 1; i < n; i++) /* insertion sort: n is small */
                for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
                        double t = x[j];
                        x[j] = x[j - 1];
                        x[j - 1] = t;
                }
        return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static void print_text(vf *v, FILE *out, const vf_options *o)
{
        osh_ctx text = {.out = out, .color = o->color};
        osh_ctx *c = &text;
        const char *cur = NULL;
        for (int i = 0; i < v->nf; i++) {
                const vf_finding *f = &v->f[i];
                if (!cur || strcmp(cur, f->policy)) {
                        cur = f->policy;
                        int e = 0, w = 0, wv = 0;
                        for (int j = i; j < v->nf && !strcmp(v->f[j].policy, cur); j++)
                                v->f[j].waived ? wv++ : is_error(v, &v->f[j]) ? e++ : w++;
                        paint(c, C_BOLD);
                        fprintf(c->out, "%spolicy %s: %d error%s, %d warning%s, %d waived\n",
                                i ? "\n" : "", cur, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s", wv);
                        paint(c, C_RESET);
                }
                print_finding_text(v, f, out);
        }
        for (int i = 0; i < o->npolicies; i++) {
                bool any = false;
                for (int j = 0; j < v->nf && !any; j++)
                        any = !strcmp(v->f[j].policy, o->policies[i]);
                if (!any)
                        fprintf(c->out, "policy %s: verified, no findings\n", o->policies[i]);
        }
        if (v->unknowns)
                fprintf(c->out,
                        "oshc verify: could not prove %d quer%s within the solver budget (first: "
                        "%s); raise it with --rlimit N\n",
                        v->unknowns, v->unknowns == 1 ? "y" : "ies", v->unknown_what);
        if (v->internal)
                fprintf(c->out, "oshc verify: %d internal error%s (see above)\n", v->internal,
                        v->internal == 1 ? "" : "s");
        if (o->stats) {
                fprintf(c->out, "\nfamily        queries  time(ms)  median query(ms)\n");
                for (int i = 0; i < v->nfam; i++)
                        fprintf(c->out, "%-13s %7d  %8.2f  %.3f\n", v->fam[i].name,
                                v->fam[i].queries, v->fam[i].seconds * 1e3,
                                median(v->fam[i].query_ms, v->fam[i].nquery_ms));
        }
}

/* ---- JSON ---- */

static void json_str(FILE *out, const char *s)
{
        if (s)
                json_write_string(out, s);
        else
                fputs("null", out);
}

static const char *file_of(const osh_ctx *c, span w)
{
        return c && w.file >= 0 && w.file < c->nsources ? c->sources[w.file]->path : "";
}

static void json_span(const osh_ctx *c, FILE *out, span w)
{
        fputs("{\"file\":", out);
        json_write_string(out, file_of(c, w));
        fprintf(out, ",\"line\":%d,\"col\":%d,\"end_line\":%d,\"end_col\":%d}", w.line, w.col,
                w.end_line, w.end_col);
}

static void print_json(vf *v, FILE *out, const vf_options *o)
{
        fputs("{\"tool\":\"oshc verify\",\"policies\":[", out);
        for (int i = 0; i < o->npolicies; i++) {
                if (i)
                        fputc(',', out);
                json_write_string(out, o->policies[i]);
        }
        fputs("],\"findings\":[", out);
        for (int i = 0; i < v->nf; i++) {
                const vf_finding *f = &v->f[i];
                fputs(i ? ",\n{" : "\n{", out);
                fputs("\"name\":", out);
                json_write_string(out, f->name);
                fprintf(out,
                        ",\"severity\":\"%s\",\"policy\":", is_error(v, f) ? "error" : "warning");
                json_write_string(out, f->policy);
                fputs(",\"message\":", out);
                json_str(out, f->message);
                fputs(",\"witness\":", out);
                json_str(out, f->witness);
                fputs(",\"layer\":", out);
                json_str(out, f->layer);
                fputs(",\"fix\":", out);
                json_str(out, f->fix);
                fprintf(out, ",\"waived\":%s", f->waived ? "true" : "false");
                if (f->waived) {
                        fputs(",\"waive_reason\":", out);
                        json_str(out, f->waive_reason);
                }
                fputs(",\"locations\":[", out);
                for (int j = 0; j < f->nlocs; j++) {
                        if (j)
                                fputc(',', out);
                        fputs("{\"span\":", out);
                        json_span(f->ctx, out, f->locs[j].where);
                        fputs(",\"label\":", out);
                        json_str(out, f->locs[j].label);
                        fputs(",\"origin\":", out);
                        json_str(out, f->locs[j].origin);
                        fputc('}', out);
                }
                fputs("]}", out);
        }
        fprintf(out, "],\n\"unknown\":%d,\"internal_errors\":%d,\"stats\":[", v->unknowns,
                v->internal);
        for (int i = 0; i < v->nfam; i++)
                fprintf(out,
                        "%s{\"family\":\"%s\",\"queries\":%d,\"ms\":%.3f,\"median_query_ms\":%.4f}",
                        i ? "," : "", v->fam[i].name, v->fam[i].queries, v->fam[i].seconds * 1e3,
                        median(v->fam[i].query_ms, v->fam[i].nquery_ms));
        fprintf(out, "],\"exit\":%d}\n", vf_exit_status(v));
}

/* ---- SARIF 2.1.0 ---- */

static const char *const rule_help[][2] = {
    {"dead-rule", "A rule that never has an effect."},
    {"shadowed-rule", "A rule whose effect is covered by other rules."},
    {"redundant-rule", "A rule that repeats what other rules already grant."},
    {"overridden-allow", "An allow fully or partly cancelled by a deny."},
    {"conflict", "Overlapping syscall rules with different actions."},
    {"vacuous-rule", "A rule that matches nothing, or everything."},
    {"wx-path", "A path both writable and executable."},
    {"writable-identity", "A binary that carries grants lies under a writable path."},
    {"interpreter-grant", "Network granted from a shell or interpreter."},
    {"self-modify", "Write access to the sandbox's own controls."},
    {"control-socket", "Reach to a container, D-Bus, X11 or agent control socket."},
    {"secret-read", "Read access to credentials or secrets."},
    {"dangerous-syscall", "A dangerous system call is allowed."},
    {"syscall-alias", "An equivalent system call escapes a denial."},
    {"proxy-bypass", "Traffic that leaves without the egress proxy."},
    {"metadata-egress", "Reach to metadata, link-local, loopback or private addresses."},
    {"landlock-abi", "A right the declared minimum Landlock ABI cannot enforce."},
    {"caps-kept", "A dangerous capability is kept."},
    {"unbounded-resources", "No memory or pids limit."},
    {"unenforceable", "A rule no backend can enforce as written."},
    {"assert-never", "An `assert never` the policy breaks."},
    {"within", "A grant outside the policy this one must stay within."},
    {"new-access", "Access the baseline policy did not allow."},
    {"translation", "The compiled bundle differs from the policy's meaning."},
};
#define NRULES ((int)(sizeof rule_help / sizeof *rule_help))

static int rule_index(const char *name)
{
        for (int i = 0; i < NRULES; i++)
                if (!strcmp(rule_help[i][0], name))
                        return i;
        return -1;
}

/* a SARIF physicalLocation object for a span (columns 1-based, endColumn
 * exclusive; paths relative as given, without a leading "./") */
static void sarif_physical(const osh_ctx *c, FILE *out, span w)
{
        const char *path = file_of(c, w);
        while (path[0] == '.' && path[1] == '/')
                path += 2;
        fputs("{\"artifactLocation\":{\"uri\":", out);
        json_write_string(out, path);
        fprintf(out,
                "},\"region\":{\"startLine\":%d,\"startColumn\":%d,\"endLine\":%d,"
                "\"endColumn\":%d}}",
                w.line, w.col, w.end_line, w.end_col + 1);
}

static void print_sarif(vf *v, FILE *out)
{
        fputs("{\"$schema\":\"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
              "\"name\":\"oshc\",\"version\":\"" OSH_VERSION "\",\"rules\":[",
              out);
        for (int i = 0; i < NRULES; i++) {
                fprintf(out, "%s\n{\"id\":\"%s\",\"shortDescription\":{\"text\":", i ? "," : "",
                        rule_help[i][0]);
                json_write_string(out, rule_help[i][1]);
                fputs("}}", out);
        }
        fputs("]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[", out);
        int printed = 0;
        for (int i = 0; i < v->nf; i++) {
                const vf_finding *f = &v->f[i];
                int ri = rule_index(f->name);
                fprintf(out, "%s\n{\"ruleId\":", printed++ ? "," : "");
                json_write_string(out, f->name);
                if (ri >= 0)
                        fprintf(out, ",\"ruleIndex\":%d", ri);
                fprintf(out, ",\"level\":\"%s\",\"message\":{\"text\":",
                        is_error(v, f) ? "error" : "warning");
                char *text =
                    arena_printf(&f->ctx->arena, "%s: %s%s%s%s%s", f->policy, f->message,
                                 f->witness ? " Witness: " : "", f->witness ? f->witness : "",
                                 f->fix ? ". Fix: " : "", f->fix ? f->fix : "");
                json_write_string(out, text);
                fputc('}', out);
                if (f->nlocs) {
                        fputs(",\"locations\":[", out);
                        fputs("{\"physicalLocation\":", out);
                        sarif_physical(f->ctx, out, f->locs[0].where);
                        fputs("}]", out);
                }
                if (f->nlocs > 1) {
                        fputs(",\"relatedLocations\":[", out);
                        for (int j = 1; j < f->nlocs; j++) {
                                if (j > 1)
                                        fputc(',', out);
                                /* a location object with an id and a message */
                                fprintf(out, "{\"id\":%d,\"message\":{\"text\":", j);
                                json_write_string(out, f->locs[j].label ? f->locs[j].label
                                                                        : "related rule");
                                fputs("},\"physicalLocation\":", out);
                                sarif_physical(f->ctx, out, f->locs[j].where);
                                fputc('}', out);
                        }
                        fputc(']', out);
                }
                fputs(",\"properties\":{\"layer\":", out);
                json_str(out, f->layer);
                fputs(",\"witness\":", out);
                json_str(out, f->witness);
                fputs(",\"policy\":", out);
                json_write_string(out, f->policy);
                fputc('}', out);
                if (f->waived) {
                        fputs(",\"suppressions\":[{\"kind\":\"inSource\",\"justification\":", out);
                        json_str(out, f->waive_reason);
                        fputs("}]", out);
                }
                fputc('}', out);
        }
        fprintf(out, "],\"invocations\":[{\"executionSuccessful\":%s}]}]}\n",
                v->unknowns || v->internal ? "false" : "true");
}

int vf_print(vf *v, FILE *out, const vf_options *o)
{
        sort_findings(v);
        if (o->format == 1)
                print_json(v, out, o);
        else if (o->format == 2)
                print_sarif(v, out);
        else
                print_text(v, out, o);
        return vf_exit_status(v);
}
