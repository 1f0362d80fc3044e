/*
 * ir_json.c - print the IR as JSON (`oshc compile FILE --emit ir`).
 *
 * The output is stable: the same policy prints the same bytes.  64-bit
 * syscall values are strings in hex ("0x10000000"), since JSON numbers lose
 * precision above 2^53.  Every element carries its source span.
 */
#include "ir.h"

#include <inttypes.h>
#include <string.h>

typedef struct jw {
        FILE *out;
        osh_ctx *c;
} jw;

static void jstr(jw *w, const char *s)
{
        if (s)
                json_write_string(w->out, s);
        else
                fputs("null", w->out);
}

static void jspan(jw *w, span s)
{
        fputs("{\"file\":", w->out);
        jstr(w, s.file >= 0 && s.file < w->c->nsources ? w->c->sources[s.file]->path : NULL);
        fprintf(w->out, ",\"line\":%d,\"col\":%d,\"end_line\":%d,\"end_col\":%d}", s.line, s.col,
                s.end_line, s.end_col);
}

static void jrights(jw *w, unsigned r)
{
        static const char *const names[] = {"read", "write", "exec", "ioctl"};
        fputc('[', w->out);
        bool first = true;
        for (int i = 0; i < 4; i++)
                if (r & (1u << i)) {
                        fprintf(w->out, "%s\"%s\"", first ? "" : ",", names[i]);
                        first = false;
                }
        fputc(']', w->out);
}

static void jstrs(jw *w, const char **v, int n)
{
        fputc('[', w->out);
        for (int i = 0; i < n; i++) {
                if (i)
                        fputc(',', w->out);
                jstr(w, v[i]);
        }
        fputc(']', w->out);
}

static void jpath(jw *w, ir_path p)
{
        fputs("\"param\":", w->out);
        jstr(w, p.param);
        fputs(",\"path\":", w->out);
        jstr(w, p.path);
}

static void jendpoint(jw *w, const ir_endpoint *ep)
{
        if (ep->kind == IR_HOST_NAME) {
                fputs("\"host\":", w->out);
                jstr(w, ep->host);
        } else {
                char buf[80];
                ip_net n;
                memcpy(n.addr, ep->addr, 16);
                n.prefix = ep->prefix;
                n.is_v4 = ep->is_v4;
                ip_net_format(&n, buf, sizeof(buf));
                fputs("\"address\":", w->out);
                jstr(w, buf);
        }
        fprintf(w->out, ",\"ports\":[%u,%u]", ep->port_lo, ep->port_hi);
}

static const char *cmp_name(cmp_op op)
{
        static const char *const n[] = {"==", "!=", "<", "<=", ">", ">="};
        return n[op];
}

static void jcond(jw *w, const ir_cond *c)
{
        if (!c) {
                fputs("null", w->out);
                return;
        }
        switch (c->kind) {
        case COND_TRUE:
                fputs("true", w->out);
                return;
        case COND_AND:
        case COND_OR:
                fprintf(w->out, "{\"%s\":[", c->kind == COND_AND ? "and" : "or");
                jcond(w, c->l);
                fputc(',', w->out);
                jcond(w, c->r);
                fputs("]}", w->out);
                return;
        case COND_NOT:
                fputs("{\"not\":", w->out);
                jcond(w, c->l);
                fputc('}', w->out);
                return;
        case COND_CMP:
                fprintf(
                    w->out,
                    "{\"arg\":\"%s\",\"index\":%d,\"width\":%d,\"signed\":%s,\"mask\":\"0x%" PRIx64
                    "\",\"op\":\"%s\",\"value\":\"0x%" PRIx64 "\"}",
                    c->arg_name, c->arg, c->width, c->is_signed ? "true" : "false", c->mask,
                    cmp_name(c->op), c->value);
                return;
        }
}

static void jaction(jw *w, ir_action a)
{
        char buf[64];
        jstr(w, ir_action_str(a, buf, sizeof(buf)));
}

static void print_fs(jw *w, const ir_policy *p)
{
        fputs(",\n  \"fs\":[", w->out);
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *r = &p->fs[i];
                fprintf(w->out, "%s\n    {\"id\":%d,\"effect\":\"%s\",\"rights\":", i ? "," : "",
                        r->id, r->deny ? "deny" : "allow");
                jrights(w, r->rights);
                fputc(',', w->out);
                jpath(w, r->path);
                fputs(",\"origin\":", w->out);
                jstr(w, r->origin);
                fputs(",\"span\":", w->out);
                jspan(w, r->where);
                fputc('}', w->out);
        }
        fputs(p->nfs ? "\n  ]" : "]", w->out);
}

static void print_l7(jw *w, const ir_net_rule *r)
{
        fputs(",\"http\":[", w->out);
        for (int i = 0; i < r->nl7; i++) {
                const ir_l7_rule *h = &r->l7[i];
                fprintf(w->out, "%s{\"id\":%d,\"effect\":\"%s\",\"methods\":", i ? "," : "", h->id,
                        h->deny ? "deny" : "allow");
                if (h->nmethods)
                        jstrs(w, h->methods, h->nmethods);
                else
                        fputs("\"*\"", w->out);
                fputs(",\"path\":", w->out);
                jstr(w, h->path);
                fputs(",\"span\":", w->out);
                jspan(w, h->where);
                fputc('}', w->out);
        }
        fputc(']', w->out);
}

static void print_net(jw *w, const ir_policy *p)
{
        fprintf(w->out, ",\n  \"network\":%s,\n  \"net\":[", p->has_net ? "true" : "false");
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                fprintf(w->out, "%s\n    {\"id\":%d,\"op\":\"%s\",\"effect\":\"%s\",", i ? "," : "",
                        r->id, r->op == NET_CONNECT ? "connect" : "bind",
                        r->deny ? "deny" : "allow");
                jendpoint(w, &r->ep);
                fputs(",\"from\":", w->out);
                jstrs(w, r->binaries, r->nbinaries);
                fprintf(w->out, ",\"children\":%s", r->children ? "true" : "false");
                print_l7(w, r);
                fputs(",\"origin\":", w->out);
                jstr(w, r->origin);
                fputs(",\"span\":", w->out);
                jspan(w, r->where);
                fputc('}', w->out);
        }
        fputs(p->nnet ? "\n  ]" : "]", w->out);
}

static void print_syscalls(jw *w, const ir_policy *p)
{
        fprintf(w->out, ",\n  \"syscalls\":{\"present\":%s,\"default\":",
                p->has_syscalls ? "true" : "false");
        jaction(w, p->sys_default);
        fputs(",\"rules\":{", w->out);
        for (int i = 0; i < p->nsyscalls; i++) {
                const ir_syscall *s = &p->syscalls[i];
                fprintf(w->out, "%s\n    ", i ? "," : "");
                jstr(w, s->name);
                fputs(":[", w->out);
                for (int j = 0; j < s->nrules; j++) {
                        const ir_sys_rule *r = &s->rules[j];
                        fprintf(w->out, "%s{\"id\":%d,\"action\":", j ? "," : "", r->id);
                        jaction(w, r->action);
                        fputs(",\"when\":", w->out);
                        jcond(w, r->cond);
                        fputs(",\"origin\":", w->out);
                        jstr(w, r->origin);
                        fputs(",\"span\":", w->out);
                        jspan(w, r->where);
                        fputc('}', w->out);
                }
                fputc(']', w->out);
        }
        fputs(p->nsyscalls ? "\n  }}" : "}}", w->out);
}

static void print_limits(jw *w, const ir_policy *p)
{
        static const char *const keys[LIM__COUNT] = {
            "memory_bytes", "swap_bytes", "pids",           "cpu_millicores", "io_weight",
            "files",        "cputime_ms", "filesize_bytes", "walltime_ms"};
        fputs(",\n  \"limits\":{", w->out);
        bool first = true;
        for (int i = 0; i < LIM__COUNT; i++) {
                if (!p->limits.set[i])
                        continue;
                fprintf(w->out, "%s\"%s\":%" PRIu64, first ? "" : ",", keys[i], p->limits.value[i]);
                first = false;
        }
        fputc('}', w->out);
}

static void print_process(jw *w, const ir_policy *p)
{
        const ir_process *pr = &p->process;
        fputs(",\n  \"process\":{\"user\":", w->out);
        jstr(w, pr->user);
        fputs(",\"group\":", w->out);
        jstr(w, pr->group);
        fputs(",\"caps\":", w->out);
        if (pr->caps_set)
                jstrs(w, pr->caps, pr->ncaps);
        else
                fputs("null", w->out);
        fputs(",\"env_keep\":", w->out);
        jstrs(w, pr->env_keep, pr->nenv_keep);
        fputs(",\"env_set\":{", w->out);
        for (int i = 0; i < pr->nenv_set; i++) {
                if (i)
                        fputc(',', w->out);
                jstr(w, pr->env_set[i].name);
                fputc(':', w->out);
                jstr(w, pr->env_set[i].value);
        }
        fputs("},\"hostname\":", w->out);
        jstr(w, pr->hostname);
        fputs(",\"no_new_privs\":true}", w->out);
}

static void print_asserts(jw *w, const ir_policy *p)
{
        fputs(",\n  \"asserts\":[", w->out);
        for (int i = 0; i < p->nasserts; i++) {
                const ir_assert *a = &p->asserts[i];
                fprintf(w->out, "%s\n    {", i ? "," : "");
                switch (a->kind) {
                case ASSERT_FS:
                        fputs("\"kind\":\"fs\",\"rights\":", w->out);
                        jrights(w, a->rights);
                        fputs(",\"paths\":[", w->out);
                        for (int j = 0; j < a->npaths; j++) {
                                fputs(j ? ",{" : "{", w->out);
                                jpath(w, a->paths[j]);
                                fputc('}', w->out);
                        }
                        fputc(']', w->out);
                        break;
                case ASSERT_CONNECT:
                        fputs("\"kind\":\"connect\",\"endpoints\":[", w->out);
                        for (int j = 0; j < a->nendpoints; j++) {
                                fputs(j ? ",{" : "{", w->out);
                                jendpoint(w, &a->endpoints[j]);
                                fputc('}', w->out);
                        }
                        fputs("],\"from\":", w->out);
                        jstrs(w, a->binaries, a->nbinaries);
                        break;
                case ASSERT_SYSCALL:
                        fputs("\"kind\":\"syscall\",\"syscalls\":", w->out);
                        jstrs(w, a->syscalls, a->nsyscalls);
                        fputs(",\"when\":", w->out);
                        jcond(w, a->cond);
                        break;
                }
                fputs(",\"origin\":", w->out);
                jstr(w, a->origin);
                fputs(",\"span\":", w->out);
                jspan(w, a->where);
                fputc('}', w->out);
        }
        fputs(p->nasserts ? "\n  ]" : "]", w->out);
}

static void print_policy(jw *w, const ir_policy *p)
{
        fputs("{\n  \"name\":", w->out);
        jstr(w, p->name);
        fputs(",\"span\":", w->out);
        jspan(w, p->where);
        fputs(",\n  \"uses\":", w->out);
        jstrs(w, p->uses, p->nuses);
        fprintf(w->out,
                ",\n  \"landlock_abi\":%d,\"landlock_best_effort\":%s,\"arch\":", p->landlock_abi,
                p->landlock_best_effort ? "true" : "false");
        jstrs(w, p->arches, p->narches);
        print_fs(w, p);
        print_net(w, p);
        print_syscalls(w, p);
        print_limits(w, p);
        print_process(w, p);
        print_asserts(w, p);
        fputs(",\n  \"within\":[", w->out);
        for (int i = 0; i < p->nwithin; i++) {
                if (i)
                        fputc(',', w->out);
                fputs("{\"policy\":", w->out);
                jstr(w, p->within[i].name);
                fputs(",\"span\":", w->out);
                jspan(w, p->within[i].where);
                fputc('}', w->out);
        }
        fputs("],\n  \"waivers\":[", w->out);
        for (int i = 0; i < p->nwaivers; i++) {
                if (i)
                        fputc(',', w->out);
                fputs("{\"finding\":", w->out);
                jstr(w, p->waivers[i].finding);
                fputs(",\"reason\":", w->out);
                jstr(w, p->waivers[i].reason);
                fputs(",\"origin\":", w->out);
                jstr(w, p->waivers[i].origin);
                fputs(",\"span\":", w->out);
                jspan(w, p->waivers[i].where);
                fputc('}', w->out);
        }
        fputs("]\n}", w->out);
}

void ir_print_json(FILE *out, ir_program *prog, ir_policy *pol)
{
        jw w = {out, prog->ctx};
        fputs("{\"ir_version\":1,\"params\":[", out);
        for (int i = 0; i < prog->nparams; i++) {
                const ir_param *p = &prog->params[i];
                fprintf(out, "%s{\"name\":", i ? "," : "");
                jstr(&w, p->name);
                fputs(",\"default\":", out);
                jstr(&w, p->def);
                fprintf(out, ",\"builtin\":%s}", p->builtin ? "true" : "false");
        }
        fputs("],\n\"policies\":[", out);
        bool first = true;
        for (int i = 0; i < prog->npolicies; i++) {
                if (pol && prog->policies[i] != pol)
                        continue;
                if (!first)
                        fputc(',', out);
                print_policy(&w, prog->policies[i]);
                first = false;
        }
        fputs("]}\n", out);
}
