/*
 * eval.c - the reference evaluator (see eval.h).
 *
 * fs and net: allowed when some allow rule matches and no deny rule does
 * (the deciding rule is the deny, or else the allow).  Syscalls: the most
 * restrictive action among the rules whose condition holds, else the
 * default.  Parameters follow the verifier's assumption (DESIGN §2.3): a
 * parameter's value is disjoint from every literal path, so a rule on
 * `$WORKDIR/x` matches a literal request path only when --param gave
 * WORKDIR a value, and a request written `$WORKDIR/x` matches only rules on
 * $WORKDIR.
 */
#include "eval.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *eval_layer_name(eval_layer l)
{
        switch (l) {
        case LAYER_SECCOMP:
                return "seccomp";
        case LAYER_FS:
                return "landlock (fs)";
        case LAYER_NET:
                return "proxy (net)";
        case LAYER_HTTP:
                return "proxy (http)";
        default:
                return "none";
        }
}

static eval_result result(bool allowed, eval_layer layer, const char *reason)
{
        eval_result r = {0};
        r.allowed = allowed;
        r.action.kind = allowed ? ACT_ALLOW : ACT_ERRNO;
        r.action.errno_val = allowed ? 0 : EACCES;
        r.layer = layer;
        r.rule_id = -1;
        r.where = no_span;
        r.rule_where = no_span;
        r.reason = reason;
        return r;
}

static const char *param_value(const eval_params *env, const char *name)
{
        for (int i = 0; env && i < env->n; i++)
                if (!strcmp(env->names[i], name))
                        return env->values[i];
        return NULL;
}

/* ---- fs ---- */

/* Does rule path `rp` cover request path `req` (literal, or "$P/sub")? */
static bool rule_covers(const ir_path *rp, const eval_params *env, const char *req)
{
        char buf[8192];
        if (req[0] == '$') {
                if (!rp->param)
                        return false;
                size_t n = strlen(rp->param);
                if (strncmp(req + 1, rp->param, n) || (req[1 + n] && req[1 + n] != '/'))
                        return false;
                const char *sub = req[1 + n] ? req + 1 + n : "/";
                return path_covers(rp->path[0] ? rp->path : "/", sub);
        }
        if (!rp->param)
                return path_covers(rp->path, req);
        const char *v = param_value(env, rp->param);
        if (!v)
                return false;
        snprintf(buf, sizeof(buf), "%s%s", v, rp->path);
        return path_covers(buf, req);
}

eval_result eval_fs(const ir_policy *p, const eval_params *env, unsigned right, const char *path)
{
        const ir_fs_rule *allow = NULL, *deny = NULL;
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *r = &p->fs[i];
                if (!(r->rights & right) || !rule_covers(&r->path, env, path))
                        continue;
                if (r->deny && !deny)
                        deny = r;
                else if (!r->deny && !allow)
                        allow = r;
        }
        const ir_fs_rule *by = deny ? deny : allow;
        eval_result res =
            result(allow && !deny, LAYER_FS,
                   deny    ? "a deny rule covers the path"
                   : allow ? "an allow rule covers the path"
                           : "no rule grants this right on the path (fs is default deny)");
        if (by) {
                res.rule_id = by->id;
                res.where = by->where;
                res.rule_where = by->rule_where;
                res.origin = by->origin;
        }
        return res;
}

/* ---- net ---- */

/* Loopback, link-local (and so cloud metadata), private, CGNAT, unspecified,
 * IPv6 unique-local and link-local: the proxy refuses these unless the
 * allowing rule's own address range lies inside that special range, i.e.
 * the rule names it on purpose (0.0.0.0/0 does not). */
const char *const eval_special_nets[] = {"127.0.0.0/8",
                                         "169.254.0.0/16",
                                         "10.0.0.0/8",
                                         "172.16.0.0/12",
                                         "192.168.0.0/16",
                                         "100.64.0.0/10",
                                         "0.0.0.0/8",
                                         "::1",
                                         "::",
                                         "fc00::/7",
                                         "fe80::/10",
                                         NULL};

static bool special_range(const uint8_t a[16], ip_net *out)
{
        for (int i = 0; eval_special_nets[i]; i++) {
                char err[64];
                ip_net_parse(eval_special_nets[i], out, false, err, sizeof(err));
                if (ip_net_contains(out, a))
                        return true;
        }
        return false;
}

static bool binary_is(const eval_params *env, const char *rule_bin, const char *bin)
{
        if (!bin)
                return false;
        if (rule_bin[0] != '$')
                return !strcmp(rule_bin, bin);
        char name[64];
        const char *slash = strchr(rule_bin, '/');
        size_t n = slash ? (size_t)(slash - rule_bin - 1) : strlen(rule_bin + 1);
        if (n >= sizeof(name))
                return false;
        memcpy(name, rule_bin + 1, n);
        name[n] = 0;
        const char *v = param_value(env, name);
        if (!v)
                return !strcmp(rule_bin, bin);
        char buf[8192];
        snprintf(buf, sizeof(buf), "%s%s", v, slash ? slash : "");
        return !strcmp(buf, bin);
}

static bool binaries_match(const eval_params *env, const ir_net_rule *r, const net_request *q)
{
        if (r->nbinaries == 0)
                return true;
        for (int i = 0; i < r->nbinaries; i++) {
                if (binary_is(env, r->binaries[i], q->binary))
                        return true;
                for (int j = 0; r->children && j < q->nancestors; j++)
                        if (binary_is(env, r->binaries[i], q->ancestors[j]))
                                return true;
        }
        return false;
}

static bool endpoint_matches(const ir_endpoint *ep, const net_request *q)
{
        if (q->port < ep->port_lo || q->port > ep->port_hi)
                return false;
        if (ep->kind == IR_HOST_NAME)
                return !q->host_is_ip && host_matches(ep->host, q->host);
        if (!q->has_addr)
                return false;
        ip_net n;
        memcpy(n.addr, ep->addr, 16);
        n.prefix = ep->prefix;
        n.is_v4 = ep->is_v4;
        return ip_net_contains(&n, q->addr);
}

static bool net_rule_matches(const eval_params *env, const ir_net_rule *r, net_op op,
                             const net_request *q)
{
        return r->op == op && endpoint_matches(&r->ep, q) && binaries_match(env, r, q);
}

static eval_result from_net_rule(bool allowed, const ir_net_rule *r, const char *reason)
{
        eval_result res = result(allowed, LAYER_NET, reason);
        if (r) {
                res.rule_id = r->id;
                res.where = r->where;
                res.rule_where = r->rule_where;
                res.origin = r->origin;
        }
        return res;
}

/* The first deny matching q, or NULL. */
static const ir_net_rule *net_deny(const ir_policy *p, const eval_params *env, net_op op,
                                   const net_request *q)
{
        for (int i = 0; i < p->nnet; i++)
                if (p->net[i].deny && net_rule_matches(env, &p->net[i], op, q))
                        return &p->net[i];
        return NULL;
}

/* An allow rule that lets q through, given the proxy's refusal of special
 * addresses. */
static bool allow_passes(const ir_net_rule *r, const net_request *q)
{
        ip_net sp;
        if (!q->has_addr || !special_range(q->addr, &sp))
                return true;
        return r->ep.kind == IR_HOST_IP && r->ep.prefix >= sp.prefix &&
               ip_net_contains(&sp, r->ep.addr);
}

/* The allow connect rules that admit q, split by whether they carry http
 * rules; `refused` is one that matched but may not reach the address. */
typedef struct net_match {
        const ir_net_rule *plain, *with_l7, *refused;
} net_match;

static net_match match_allows(const ir_policy *p, const eval_params *env, const net_request *q)
{
        net_match m = {0};
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->deny || !net_rule_matches(env, r, NET_CONNECT, q))
                        continue;
                if (!allow_passes(r, q)) {
                        if (!m.refused)
                                m.refused = r;
                } else if (r->nl7 == 0) {
                        if (!m.plain)
                                m.plain = r;
                } else if (!m.with_l7) {
                        m.with_l7 = r;
                }
        }
        return m;
}

/* The decision when no rule admits q at all. */
static eval_result connect_refusal(const ir_policy *p, const eval_params *env, const net_request *q,
                                   const net_match *m)
{
        if (!p->has_net)
                return result(false, LAYER_NET, "the policy has no net section: no network at all");
        const ir_net_rule *deny = net_deny(p, env, NET_CONNECT, q);
        if (deny)
                return from_net_rule(false, deny, "a deny connect rule matches");
        if (m->refused)
                return from_net_rule(
                    false, m->refused,
                    "the address is loopback, link-local or private, which the proxy "
                    "refuses unless the allowing rule names that range itself");
        return result(false, LAYER_NET, "no allow connect rule matches (net is default deny)");
}

/* A raw connection (a CONNECT tunnel, TLS) is admitted only by a rule
 * without http rules: through a tunnel the proxy cannot see the requests
 * the http rules restrict, so those rules admit plain HTTP only. */
eval_result eval_connect(const ir_policy *p, const eval_params *env, const net_request *q)
{
        net_match m = match_allows(p, env, q);
        if (!p->has_net || net_deny(p, env, NET_CONNECT, q) || (!m.plain && !m.with_l7))
                return connect_refusal(p, env, q, &m);
        if (m.plain)
                return from_net_rule(true, m.plain, "an allow connect rule matches");
        return from_net_rule(false, m.with_l7,
                             "the matching connect rule has http rules, so it admits only plain "
                             "HTTP requests those rules allow; a tunnel would bypass them");
}

eval_result eval_bind(const ir_policy *p, const net_request *q)
{
        if (!p->has_net)
                return result(false, LAYER_NET, "the policy has no net section: no network at all");
        const ir_net_rule *deny = net_deny(p, NULL, NET_BIND, q);
        if (deny)
                return from_net_rule(false, deny, "a deny bind rule matches");
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (!r->deny && net_rule_matches(NULL, r, NET_BIND, q))
                        return from_net_rule(true, r, "an allow bind rule matches");
        }
        return result(false, LAYER_NET, "no allow bind rule matches");
}

static bool method_matches(const ir_l7_rule *h, const char *method)
{
        if (h->nmethods == 0)
                return true;
        for (int i = 0; i < h->nmethods; i++)
                if (!strcmp(h->methods[i], method))
                        return true;
        return false;
}

static eval_result from_l7(bool allowed, const ir_net_rule *r, const ir_l7_rule *h,
                           const char *reason)
{
        eval_result res = result(allowed, LAYER_HTTP, reason);
        res.rule_id = h ? h->id : r->id;
        res.where = h ? h->where : r->where;
        res.rule_where = h ? h->where : r->rule_where;
        res.origin = r->origin;
        return res;
}

/* Plain HTTP: deny overrides allow across every connect rule that admits
 * the request; it is allowed by a rule without http rules, or by an allow
 * http rule of a rule that has them. */
eval_result eval_http(const ir_policy *p, const eval_params *env, const net_request *in)
{
        char path[4096];
        const char *why;
        if (!url_path_normalize(in->path, path, sizeof(path), &why)) {
                eval_result res = result(false, LAYER_HTTP, why);
                res.reason = "the proxy refuses request paths with '.' or '..' segments, '//', an "
                             "encoded '/' or control characters";
                return res;
        }
        net_request qq = *in;
        qq.path = path;
        const net_request *q = &qq;
        net_match m = match_allows(p, env, q);
        if (!p->has_net || net_deny(p, env, NET_CONNECT, q) || (!m.plain && !m.with_l7))
                return connect_refusal(p, env, q, &m);
        const ir_net_rule *allow_rule = NULL;
        const ir_l7_rule *allow = NULL;
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->deny || !net_rule_matches(env, r, NET_CONNECT, q) || !allow_passes(r, q))
                        continue;
                for (int j = 0; j < r->nl7; j++) {
                        const ir_l7_rule *h = &r->l7[j];
                        if (!method_matches(h, q->method) || !url_glob_matches(h->path, q->path))
                                continue;
                        if (h->deny)
                                return from_l7(false, r, h, "a deny http rule matches");
                        if (!allow) {
                                allow = h;
                                allow_rule = r;
                        }
                }
        }
        if (m.plain)
                return from_net_rule(
                    true, m.plain,
                    "an allow connect rule without http rules matches: every request");
        if (allow)
                return from_l7(true, allow_rule, allow, "an allow http rule matches");
        return from_l7(false, m.with_l7, NULL,
                       "no allow http rule of the matching connect rules "
                       "matches (http is default deny)");
}

/* ---- syscalls ---- */

static bool cmp_holds(const ir_cond *c, uint64_t x)
{
        if (c->width == 32)
                x &= 0xffffffffull;
        x &= c->mask;
        uint64_t v = c->value;
        if (c->is_signed) {
                int64_t sx = c->width == 32 ? (int32_t)(uint32_t)x : (int64_t)x;
                int64_t sv = c->width == 32 ? (int32_t)(uint32_t)v : (int64_t)v;
                switch (c->op) {
                case CMP_EQ:
                        return sx == sv;
                case CMP_NE:
                        return sx != sv;
                case CMP_LT:
                        return sx < sv;
                case CMP_LE:
                        return sx <= sv;
                case CMP_GT:
                        return sx > sv;
                case CMP_GE:
                        return sx >= sv;
                }
        }
        switch (c->op) {
        case CMP_EQ:
                return x == v;
        case CMP_NE:
                return x != v;
        case CMP_LT:
                return x < v;
        case CMP_LE:
                return x <= v;
        case CMP_GT:
                return x > v;
        case CMP_GE:
                return x >= v;
        }
        return false;
}

bool eval_cond(const ir_cond *c, const uint64_t args[6])
{
        if (!c)
                return true;
        switch (c->kind) {
        case COND_TRUE:
                return true;
        case COND_AND:
                return eval_cond(c->l, args) && eval_cond(c->r, args);
        case COND_OR:
                return eval_cond(c->l, args) || eval_cond(c->r, args);
        case COND_NOT:
                return !eval_cond(c->l, args);
        case COND_CMP:
                return c->arg >= 0 && c->arg < 6 && cmp_holds(c, args[c->arg]);
        }
        return false;
}

eval_result eval_syscall(const ir_policy *p, const char *name, const uint64_t args[6])
{
        eval_result res = result(true, LAYER_SECCOMP, "");
        if (!p->has_syscalls) {
                res.reason = "the policy has no syscalls section: no syscall filter";
                return res;
        }
        const ir_syscall *sc = ir_find_syscall(p, name);
        const ir_sys_rule *best = NULL;
        for (int i = 0; sc && i < sc->nrules; i++) {
                const ir_sys_rule *r = &sc->rules[i];
                if (!eval_cond(r->cond, args))
                        continue;
                if (!best ||
                    ir_action_stricter(best->action, r->action).kind != best->action.kind ||
                    (r->action.kind == ACT_ERRNO && best->action.kind == ACT_ERRNO &&
                     r->action.errno_val < best->action.errno_val))
                        best = r;
        }
        if (best) {
                res.action = best->action;
                res.rule_id = best->id;
                res.where = best->where;
                res.rule_where = best->rule_where;
                res.origin = best->origin;
                res.reason = "the most restrictive matching rule";
        } else {
                res.action = p->sys_default;
                res.where = p->sys_default_where;
                res.rule_where = p->sys_default_where;
                res.reason = sc ? "no rule's condition holds: the default action"
                                : "no rule names this syscall: the default action";
        }
        res.allowed = res.action.kind == ACT_ALLOW || res.action.kind == ACT_LOG;
        return res;
}
