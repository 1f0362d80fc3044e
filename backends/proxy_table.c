/*
 * proxy_table.c - the egress proxy's table: every connect rule of the IR.
 *
 * osh-proxy decides each connection and each plain HTTP request from this
 * table alone, with no parser of the policy language: the allow and deny
 * connect rules (bind rules are Landlock's, not the proxy's) in IR order,
 * each with its id (the IR rule's, so a log line names the source rule),
 * host pattern or address range (IPv4 as IPv4-mapped IPv6, prefix on 128
 * bits), port range, `from` binaries (parameter binaries stay `$NAME/sub`
 * for the proxy to resolve with the launch values), `and children`, and
 * its HTTP rules.  How the proxy decides with them is the reference
 * evaluator's eval_connect and eval_http (compiler/eval.c), which the
 * tests replay over this table.
 */
#include "backends.h"

#include <string.h>

static char **copy_strings(arena *a, const char *const *s, int n)
{
        char **out = arena_alloc(a, sizeof(char *) * ((size_t)n + 1));
        for (int i = 0; i < n; i++)
                out[i] = arena_strdup(a, s[i]);
        return out;
}

static void fill_l7(arena *a, const ir_l7_rule *h, oshb_l7 *out)
{
        out->id = (uint32_t)h->id;
        out->deny = h->deny;
        out->nmethods = (uint32_t)h->nmethods;
        out->methods = copy_strings(a, h->methods, h->nmethods);
        out->path = arena_strdup(a, h->path);
}

static void fill_rule(arena *a, const ir_net_rule *r, oshb_proxy_rule *out)
{
        out->id = (uint32_t)r->id;
        out->deny = r->deny;
        out->is_ip = r->ep.kind == IR_HOST_IP;
        out->host = out->is_ip ? NULL : arena_strdup(a, r->ep.host);
        if (out->is_ip) {
                memcpy(out->addr, r->ep.addr, 16);
                out->prefix = (uint8_t)r->ep.prefix;
        }
        out->port_lo = r->ep.port_lo;
        out->port_hi = r->ep.port_hi;
        out->nbinaries = (uint32_t)r->nbinaries;
        out->binaries = copy_strings(a, r->binaries, r->nbinaries);
        out->children = r->children;
        out->nl7 = (uint32_t)r->nl7;
        out->l7 = arena_alloc(a, sizeof(*out->l7) * ((size_t)r->nl7 + 1));
        for (int i = 0; i < r->nl7; i++)
                fill_l7(a, &r->l7[i], &out->l7[i]);
}

bool backend_proxy(osh_ctx *c, const ir_policy *p, oshb_bundle *b)
{
        oshb_proxy *px = &b->proxy;
        px->nrules = 0;
        px->rules = arena_alloc(&c->arena, sizeof(*px->rules) * ((size_t)p->nnet + 1));
        for (int i = 0; i < p->nnet; i++)
                if (p->net[i].op == NET_CONNECT)
                        fill_rule(&c->arena, &p->net[i], &px->rules[px->nrules++]);
        return true;
}

/* ---- `oshc compile --emit proxy` ---- */

static void emit_endpoint(FILE *out, const oshb_proxy_rule *r)
{
        if (r->is_ip) {
                ip_net n;
                char buf[64];
                memcpy(n.addr, r->addr, 16);
                n.prefix = r->prefix;
                n.is_v4 = r->prefix >= 96 && !memcmp(r->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
                ip_net_format(&n, buf, sizeof(buf));
                fputs(buf, out);
        } else {
                fputs(r->host, out);
        }
        if (r->port_lo == 1 && r->port_hi == 65535)
                fputs(":*", out);
        else if (r->port_lo == r->port_hi)
                fprintf(out, ":%u", r->port_lo);
        else
                fprintf(out, ":%u..%u", r->port_lo, r->port_hi);
}

static void emit_l7(FILE *out, const oshb_l7 *h)
{
        fprintf(out, "    %u %s http ", h->id, h->deny ? "deny" : "allow");
        if (!h->nmethods)
                fputc('*', out);
        for (uint32_t i = 0; i < h->nmethods; i++)
                fprintf(out, "%s%s", i ? "," : "", h->methods[i]);
        fprintf(out, " %s\n", h->path);
}

/* One line per rule, `ID allow|deny connect ENDPOINT [from B,... [and
 * children]]`, its HTTP rules indented beneath it. */
void emit_proxy(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "# egress proxy rules of policy %s (%s)\n",
                b->meta.policy ? b->meta.policy : "?",
                b->process.network ? "network through the proxy" : "no network at all");
        for (uint32_t i = 0; i < b->proxy.nrules; i++) {
                const oshb_proxy_rule *r = &b->proxy.rules[i];
                fprintf(out, "%u %s connect ", r->id, r->deny ? "deny" : "allow");
                emit_endpoint(out, r);
                for (uint32_t j = 0; j < r->nbinaries; j++) {
                        fputs(j ? "," : " from ", out);
                        emit_fs_path(out, NULL, r->binaries[j]);
                }
                if (r->nbinaries && r->children)
                        fputs(" and children", out);
                fputc('\n', out);
                for (uint32_t j = 0; j < r->nl7; j++)
                        emit_l7(out, &r->l7[j]);
        }
}
