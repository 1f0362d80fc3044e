/*
 * import_openshell.c - an NVIDIA OpenShell sandbox policy (YAML) to .osh
 * text.
 *
 * The policy is read with libyaml's document loader and walked as a tree.
 * The format as this importer reads it (version 1):
 *
 *   version: 1
 *   filesystem_policy: {read_only: [PATH...], read_write: [PATH...],
 *                       include_workdir: BOOL}
 *   landlock: {compatibility: best_effort | hard_requirement}
 *   process: {run_as_user: NAME|ID, run_as_group: NAME|ID}
 *   network_policies:
 *     NAME: {name: TEXT, endpoints: [{host, port, protocol, tls,
 *            enforcement, access, rules: [{allow: {method, path}}]}],
 *            binaries: [{path: PATH}]}
 *
 * Assumptions (the format's reference was not at hand; see
 * docs/import-export.md): read_only grants read and exec, read_write also
 * write (Landlock's sets, as the sandbox applies them); a policy's
 * binaries are the `from` of each of its endpoints; access read-only means
 * GET, HEAD and OPTIONS on every path.  An unknown field is an error:
 * silently ignoring a restriction would import a weaker policy.
 */
#include "import.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct walker {
        yaml_document_t *doc;
        FILE *out;
        char *err;
        size_t errlen;
        bool failed;
} walker;

static void fail(walker *w, yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(walker *w, yaml_node_t *n, const char *fmt, ...)
{
        if (w->failed)
                return;
        w->failed = true;
        int len = n ? snprintf(w->err, w->errlen, "line %zu: ", n->start_mark.line + 1) : 0;
        if (len < 0 || (size_t)len >= w->errlen)
                len = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err + len, w->errlen - (size_t)len, fmt, ap);
        va_end(ap);
}

static const char *scalar(yaml_node_t *n)
{
        return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(walker *w, int id)
{
        return yaml_document_get_node(w->doc, id);
}

/* The mapping's keys must all be in `keys`. */
static bool known_keys(walker *w, yaml_node_t *map, const char *where, const char *const *keys)
{
        if (!map || map->type != YAML_MAPPING_NODE) {
                fail(w, map, "%s must be a mapping", where);
                return false;
        }
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                const char *k = scalar(node(w, p->key));
                bool ok = false;
                for (int i = 0; k && keys[i]; i++)
                        ok |= !strcmp(k, keys[i]);
                if (!ok) {
                        fail(w, node(w, p->key), "%s: unknown field \"%s\"", where, k ? k : "?");
                        return false;
                }
        }
        return true;
}

static yaml_node_t *get(walker *w, yaml_node_t *map, const char *key)
{
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                const char *k = scalar(node(w, p->key));
                if (k && !strcmp(k, key))
                        return node(w, p->value);
        }
        return NULL;
}

/* A path as .osh text: canonical (no trailing slash), quoted when it
 * holds characters an unquoted path cannot; false when it is not an
 * absolute path. */
static bool path_text(const char *p, char *buf, size_t n)
{
        if (!p || p[0] != '/' || strlen(p) > 4000)
                return false;
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", p);
        size_t l = strlen(tmp);
        while (l > 1 && tmp[l - 1] == '/')
                tmp[--l] = 0;
        const char *why;
        if (!path_is_canonical(tmp, &why) || strchr(tmp, '"') || strchr(tmp, '\\'))
                return false;
        if (strpbrk(tmp, " \t,;{}#"))
                snprintf(buf, n, "\"%s\"", tmp);
        else
                snprintf(buf, n, "%s", tmp);
        return true;
}

static bool sequence(walker *w, yaml_node_t *n, const char *where)
{
        if (n && n->type != YAML_SEQUENCE_NODE) {
                fail(w, n, "%s must be a list", where);
                return false;
        }
        return true;
}

static void fs_paths(walker *w, yaml_node_t *seq, const char *where, const char *rights)
{
        if (!seq || !sequence(w, seq, where))
                return;
        for (yaml_node_item_t *it = seq->data.sequence.items.start;
             it < seq->data.sequence.items.top; it++) {
                const char *p = scalar(node(w, *it));
                char buf[4200];
                if (!p) {
                        fail(w, node(w, *it), "%s: a path must be a string", where);
                        return;
                }
                if (path_text(p, buf, sizeof buf))
                        fprintf(w->out, "allow %s %s;\n", rights, buf);
                else
                        fprintf(w->out, "# %s %s: not an absolute canonical path, left out\n",
                                where, p);
        }
}

static void import_fs(walker *w, yaml_node_t *fs)
{
        static const char *const keys[] = {"read_only", "read_write", "include_workdir", NULL};
        if (!known_keys(w, fs, "filesystem_policy", keys))
                return;
        fprintf(w->out, "fs {\n");
        fs_paths(w, get(w, fs, "read_only"), "read_only", "read, exec");
        fs_paths(w, get(w, fs, "read_write"), "read_write", "read, write, exec");
        const char *wd = scalar(get(w, fs, "include_workdir"));
        if (wd && (!strcmp(wd, "true") || !strcmp(wd, "yes")))
                fprintf(w->out, "allow read, write, exec $WORKDIR;\n");
        else if (wd && strcmp(wd, "false") && strcmp(wd, "no"))
                fail(w, get(w, fs, "include_workdir"), "include_workdir must be true or false");
        fprintf(w->out, "}\n");
}

/* The binaries of a network policy as a `from` list ("" when none). */
static void binaries(walker *w, yaml_node_t *seq, char *from, size_t n)
{
        from[0] = 0;
        if (!seq || !sequence(w, seq, "binaries"))
                return;
        static const char *const keys[] = {"path", NULL};
        for (yaml_node_item_t *it = seq->data.sequence.items.start;
             it < seq->data.sequence.items.top; it++) {
                yaml_node_t *b = node(w, *it);
                const char *p = scalar(b) ? scalar(b) : NULL;
                if (!p) {
                        if (!known_keys(w, b, "binaries[]", keys))
                                return;
                        p = scalar(get(w, b, "path"));
                }
                char buf[4200];
                if (!p || strchr(p, '*') || !path_text(p, buf, sizeof buf)) {
                        fprintf(w->out,
                                "# binary %s: not an absolute path (globs have no "
                                "equivalent), left out\n",
                                p ? p : "?");
                        continue;
                }
                size_t l = strlen(from);
                snprintf(from + l, n - l, "%s%s", l ? ", " : " from ", buf);
        }
}

static bool http_method_ok(const char *m)
{
        for (const char *s = m; *s; s++)
                if (*s < 'A' || *s > 'Z')
                        return *m == '*' && !m[1];
        return *m;
}

/* The HTTP rules of a REST endpoint; the number written. */
static int rest_rules(walker *w, yaml_node_t *rules, const char *access)
{
        int written = 0;
        static const char *const rule_keys[] = {"allow", "deny", NULL};
        static const char *const keys[] = {"method", "path", NULL};
        if (access && !strcmp(access, "read-only")) {
                fprintf(w->out, "allow http GET, HEAD, OPTIONS /**;\n");
                written++;
        }
        for (yaml_node_item_t *it = rules ? rules->data.sequence.items.start : NULL;
             rules && it < rules->data.sequence.items.top; it++) {
                yaml_node_t *r = node(w, *it);
                if (!known_keys(w, r, "rules[]", rule_keys))
                        return written;
                yaml_node_t *a = get(w, r, "allow");
                bool deny = !a;
                if (!a)
                        a = get(w, r, "deny");
                if (!known_keys(w, a, "rules[].allow", keys))
                        return written;
                const char *m = scalar(get(w, a, "method")), *p = scalar(get(w, a, "path"));
                if (!m || !http_method_ok(m) || !p || p[0] != '/' || strpbrk(p, "\"\\ ?#")) {
                        fprintf(w->out, "# rule %s %s: no equivalent, left out\n", m ? m : "?",
                                p ? p : "?");
                        continue;
                }
                fprintf(w->out, "%s http %s \"%s\";\n", deny ? "deny" : "allow", m, p);
                written++;
        }
        return written;
}

static void endpoint(walker *w, yaml_node_t *ep, const char *from)
{
        static const char *const keys[] = {"host",        "port",   "protocol", "tls",
                                           "enforcement", "access", "rules",    NULL};
        if (!known_keys(w, ep, "endpoints[]", keys))
                return;
        const char *host = scalar(get(w, ep, "host")), *port = scalar(get(w, ep, "port"));
        const char *proto = scalar(get(w, ep, "protocol")), *tls = scalar(get(w, ep, "tls"));
        const char *enf = scalar(get(w, ep, "enforcement")), *access = scalar(get(w, ep, "access"));
        yaml_node_t *rules = get(w, ep, "rules");
        if (!host || !port) {
                fail(w, ep, "an endpoint needs host and port");
                return;
        }
        char *end;
        long pn = strtol(port, &end, 10);
        char herr[128];
        if (*end || pn < 1 || pn > 65535 || !host_pattern_check(host, herr, sizeof herr)) {
                fprintf(w->out,
                        "# endpoint %s:%s: not a host and port the language takes, left "
                        "out\n",
                        host, port);
                return;
        }
        if (rules && !sequence(w, rules, "rules"))
                return;
        if (enf && strcmp(enf, "enforce"))
                fprintf(w->out, "# enforcement %s: the proxy always enforces\n", enf);
        if (tls && strcmp(tls, "passthrough"))
                fprintf(w->out,
                        "# tls %s: the proxy does not terminate TLS; HTTP rules apply to "
                        "plain HTTP only\n",
                        tls);
        bool rest = proto && !strcmp(proto, "rest");
        if (proto && !rest)
                fprintf(w->out, "# protocol %s: a plain connection rule\n", proto);
        bool l7 =
            rest && ((rules && rules->data.sequence.items.top > rules->data.sequence.items.start) ||
                     (access && !strcmp(access, "read-only")));
        if (access && strcmp(access, "read-only") && strcmp(access, "read-write") &&
            strcmp(access, "full"))
                fprintf(w->out, "# access %s: unknown, no HTTP restriction added\n", access);
        fprintf(w->out, "allow connect \"%s\":%ld%s", host, pn, from);
        if (l7) {
                fprintf(w->out, " {\n");
                if (!rest_rules(w, rules, access)) /* an empty block would allow all */
                        fprintf(w->out, "# no rule translated: nothing is allowed\n"
                                        "deny http * /**;\n");
                fprintf(w->out, "}\n");
        } else {
                fprintf(w->out, ";\n");
        }
}

static void import_net(walker *w, yaml_node_t *np)
{
        if (!np)
                return;
        if (np->type != YAML_MAPPING_NODE) {
                fail(w, np, "network_policies must be a mapping of named policies");
                return;
        }
        static const char *const keys[] = {"name", "endpoints", "binaries", NULL};
        fprintf(w->out, "net {\n");
        for (yaml_node_pair_t *p = np->data.mapping.pairs.start;
             p < np->data.mapping.pairs.top && !w->failed; p++) {
                yaml_node_t *pol = node(w, p->value);
                const char *name = scalar(node(w, p->key));
                if (!known_keys(w, pol, "network policy", keys))
                        return;
                fprintf(w->out, "# network policy %s\n", name ? name : "?");
                char from[8192];
                binaries(w, get(w, pol, "binaries"), from, sizeof from);
                yaml_node_t *eps = get(w, pol, "endpoints");
                if (!eps || !sequence(w, eps, "endpoints"))
                        continue;
                for (yaml_node_item_t *it = eps->data.sequence.items.start;
                     it < eps->data.sequence.items.top && !w->failed; it++)
                        endpoint(w, node(w, *it), from);
        }
        fprintf(w->out, "}\n");
}

/* A user or group as the language takes it: an id 0..4294967294, or a
 * name (letters, digits, _ - ., starting with a letter or _, at most 32);
 * false otherwise. */
static bool id_text(const char *s, char *buf, size_t n)
{
        if (!s || !*s || strlen(s) > 32)
                return false;
        if (strspn(s, "0123456789") == strlen(s)) {
                char *end;
                unsigned long long v = strtoull(s, &end, 10);
                if (v > 4294967294ull)
                        return false;
                snprintf(buf, n, "%llu", v);
                return true;
        }
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || *s == '_'))
                return false;
        for (const char *p = s; *p; p++)
                if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
                      ('0' <= *p && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
                        return false;
        snprintf(buf, n, "\"%s\"", s);
        return true;
}

static void import_process(walker *w, yaml_node_t *pr)
{
        static const char *const keys[] = {"run_as_user", "run_as_group", NULL};
        if (!known_keys(w, pr, "process", keys))
                return;
        const char *u = scalar(get(w, pr, "run_as_user")), *g = scalar(get(w, pr, "run_as_group"));
        if ((get(w, pr, "run_as_user") && !u) || (get(w, pr, "run_as_group") && !g)) {
                fail(w, pr, "run_as_user and run_as_group must be a name or an id");
                return;
        }
        fprintf(w->out, "process {\n");
        char id[48];
        if (u && id_text(u, id, sizeof id))
                fprintf(w->out, "user %s;\n", id);
        else if (u)
                fprintf(w->out, "# run_as_user %s: not a user name or id, left out\n", u);
        if (g && id_text(g, id, sizeof id))
                fprintf(w->out, "group %s;\n", id);
        else if (g)
                fprintf(w->out, "# run_as_group %s: not a group name or id, left out\n", g);
        fprintf(w->out, "}\n");
}

static void import_root(walker *w, yaml_node_t *root, const import_opts *o)
{
        static const char *const keys[] = {"version", "filesystem_policy", "landlock",
                                           "process", "network_policies",  NULL};
        if (!root) {
                fail(w, NULL, "the file is empty");
                return;
        }
        if (!known_keys(w, root, "the policy", keys))
                return;
        const char *v = scalar(get(w, root, "version"));
        if (!v || strcmp(v, "1")) {
                fail(w, get(w, root, "version") ? get(w, root, "version") : root,
                     "unsupported version %s (this importer reads version 1)", v ? v : "(none)");
                return;
        }
        fprintf(w->out, "# Imported from %s by `oshc import --from openshell`.\n",
                o->source ? o->source : "-");
        fprintf(w->out, "# Run `oshc verify` on it: it reports what the source policy gets "
                        "wrong.\n");
        fprintf(w->out, "# Libraries and /etc files a program needs come from the policy "
                        "itself; add\n# `use base;` (std/base.osh) if it lists too few.\n");
        fprintf(w->out, "policy %s {\n", o->name);
        yaml_node_t *ll = get(w, root, "landlock");
        if (ll) {
                static const char *const lk[] = {"compatibility", NULL};
                if (!known_keys(w, ll, "landlock", lk))
                        return;
                const char *c = scalar(get(w, ll, "compatibility"));
                if (c && !strcmp(c, "best_effort"))
                        fprintf(w->out, "requires landlock best-effort;\n");
                else if (c && !strcmp(c, "hard_requirement"))
                        fprintf(w->out, "# hard_requirement: Landlock must be there (ABI 1 or "
                                        "later)\nrequires landlock 1;\n");
                else {
                        fail(w, ll,
                             "landlock.compatibility must be best_effort or "
                             "hard_requirement");
                        return;
                }
        }
        yaml_node_t *fs = get(w, root, "filesystem_policy");
        if (fs)
                import_fs(w, fs);
        yaml_node_t *pr = get(w, root, "process");
        if (pr && !w->failed)
                import_process(w, pr);
        if (!w->failed)
                import_net(w, get(w, root, "network_policies"));
        if (!get(w, root, "network_policies"))
                fprintf(w->out, "# no network_policies: no network at all\n");
        fprintf(w->out, "}\n");
}

char *import_openshell(const char *yaml, size_t len, const import_opts *o, char *err, size_t errlen)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        if (!yaml_parser_initialize(&parser)) {
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
        if (!yaml_parser_load(&parser, &doc)) {
                snprintf(err, errlen, "malformed YAML at line %zu: %s",
                         parser.problem_mark.line + 1, parser.problem ? parser.problem : "error");
                yaml_parser_delete(&parser);
                return NULL;
        }
        char *text = NULL;
        size_t tlen = 0;
        walker w = {.doc = &doc, .err = err, .errlen = errlen};
        w.out = open_memstream(&text, &tlen);
        if (w.out) {
                import_root(&w, yaml_document_get_root_node(&doc), o);
                fclose(w.out);
        } else {
                fail(&w, NULL, "out of memory");
        }
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        if (w.failed) {
                free(text);
                return NULL;
        }
        return text;
}
