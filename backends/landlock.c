/*
 * landlock.c - the Landlock ruleset of one policy: handled rights, a path
 * rule per allowed path, TCP port rules, scopes and the minimum ABI.
 *
 * Landlock is an allow list: a handled right is denied unless a rule on
 * the path or one of its ancestors grants it.  So every IR allow rule
 * becomes a path rule, with the policy's rights mapped to Landlock rights
 * (read, write, exec, ioctl: landlock_access_of).  A deny cannot be said
 * in Landlock; two cases are handled here and in mounts.c:
 *  - a deny on the path of an allow or above it takes its rights out of
 *    that allow's path rule (fs_allow_rights), which is exact because the
 *    deny covers everything the rule covers;
 *  - a deny beneath an allow is a mount mask (mounts.c).
 * Paths are compared by the IR's rules: literal paths by prefix, a
 * parameter path with the same parameter by its suffix, and a parameter
 * and a literal never overlap (the disjointness assumption, DESIGN §2.3,
 * which osh-run checks at launch from the PARAMS section).
 *
 * Network: the agent reaches the outside only through the relay on
 * 127.0.0.1:3128 (DESIGN §6), so the only connect port is 3128, and bind
 * ports are those of the allow bind rules less those of the deny bind
 * rules.  Landlock port rules carry no address; docs/backends.md says
 * what that leaves to the network namespace.  The minimum ABI rule is in
 * landlock_min_abi.
 */
#include "backends.h"
#include "landlock_abi.h"

#include <stdlib.h>
#include <string.h>

/* ---- paths and rights, shared with mounts.c ---- */

/* A parameter path's suffix as a path of its own ("" is the root). */
static const char *suffix_path(const char *s)
{
        return s[0] ? s : "/";
}

bool fs_path_covers(const ir_path *outer, const ir_path *inner)
{
        if (!outer->param != !inner->param)
                return false; /* a parameter is disjoint from every literal path */
        if (!outer->param)
                return path_covers(outer->path, inner->path);
        return !strcmp(outer->param, inner->param) &&
               path_covers(suffix_path(outer->path), suffix_path(inner->path));
}

bool fs_paths_undecided(const ir_path *a, const ir_path *b)
{
        return a->param && b->param && strcmp(a->param, b->param) != 0;
}

void fs_allow_rights(const ir_policy *p, unsigned *rights)
{
        int *denies = calloc((size_t)p->nfs + 1, sizeof(int)), ndenies = 0;
        if (!denies)
                abort();
        for (int i = 0; i < p->nfs; i++)
                if (p->fs[i].deny)
                        denies[ndenies++] = i;
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *a = &p->fs[i];
                rights[i] = a->deny ? 0 : a->rights;
                for (int j = 0; j < ndenies && rights[i]; j++)
                        if ((rights[i] & p->fs[denies[j]].rights) &&
                            fs_path_covers(&p->fs[denies[j]].path, &a->path))
                                rights[i] &= ~p->fs[denies[j]].rights;
        }
        free(denies);
}

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE                                                                                   \
        (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
         LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
         LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                               \
         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                             \
         LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER |  \
         LANDLOCK_ACCESS_FS_TRUNCATE)

uint64_t landlock_access_of(unsigned rights)
{
        uint64_t access = 0;
        if (rights & RIGHT_READ)
                access |= LL_READ;
        if (rights & RIGHT_WRITE)
                access |= LL_WRITE;
        if (rights & RIGHT_EXEC)
                access |= LANDLOCK_ACCESS_FS_EXECUTE;
        if (rights & RIGHT_IOCTL)
                access |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        return access;
}

/* ---- path rules ---- */

/* Literal paths first, then parameter paths by parameter; then by path. */
static int cmp_ll_path(const void *x, const void *y)
{
        const oshb_ll_path *a = x, *b = y;
        if (!a->param != !b->param)
                return a->param ? 1 : -1;
        int c = a->param ? strcmp(a->param, b->param) : 0;
        return c ? c : strcmp(a->path, b->path);
}

static bool same_ll_path(const oshb_ll_path *a, const oshb_ll_path *b)
{
        return cmp_ll_path(a, b) == 0;
}

/* One rule per allowed path, rights merged, sorted. */
static void landlock_paths(osh_ctx *c, const ir_policy *p, oshb_landlock *ll)
{
        oshb_ll_path *rules = arena_alloc(&c->arena, sizeof(*rules) * (size_t)(p->nfs + 1));
        unsigned *rights = calloc((size_t)p->nfs + 1, sizeof(*rights));
        if (!rights)
                abort();
        fs_allow_rights(p, rights);
        uint32_t n = 0;
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *r = &p->fs[i];
                if (!rights[i])
                        continue;
                rules[n].access = landlock_access_of(rights[i]);
                rules[n].param = r->path.param ? arena_strdup(&c->arena, r->path.param) : NULL;
                rules[n].path = arena_strdup(&c->arena, r->path.path);
                n++;
        }
        free(rights);
        qsort(rules, n, sizeof(*rules), cmp_ll_path);
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
                if (kept && same_ll_path(&rules[kept - 1], &rules[i]))
                        rules[kept - 1].access |= rules[i].access;
                else
                        rules[kept++] = rules[i];
        }
        ll->paths = rules;
        ll->npaths = kept;
}

/* ---- port rules ---- */

enum { RELAY_PORT = 3128 };

static void too_many_ports(osh_ctx *c, const ir_net_rule *r, int n, bool this_rule)
{
        osh_error(c, "too-many-ports", r->where,
                  "%s %d ports, and Landlock needs one port rule per port; oshc emits at most "
                  "%d: bind narrower ranges, such as the few ports the agent's servers listen on",
                  this_rule ? "this bind rule allows" : "with this rule the bind rules allow", n,
                  LANDLOCK_BIND_PORTS_MAX);
}

/* Mark the ports of the allow bind rules; false (with an error) when they
 * would need more than LANDLOCK_BIND_PORTS_MAX rules. */
static bool mark_bind_ports(osh_ctx *c, const ir_policy *p, uint8_t *bind)
{
        int count = 0;
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op != NET_BIND || r->deny)
                        continue;
                int width = r->ep.port_hi - r->ep.port_lo + 1;
                if (width > LANDLOCK_BIND_PORTS_MAX) {
                        too_many_ports(c, r, width, true);
                        return false;
                }
                for (int port = r->ep.port_lo; port <= r->ep.port_hi; port++)
                        if (!bind[port]) {
                                bind[port] = 1;
                                count++;
                        }
                if (count > LANDLOCK_BIND_PORTS_MAX) {
                        too_many_ports(c, r, count, false);
                        return false;
                }
        }
        return true;
}

/* A deny bind takes its ports away whatever its address: port rules have
 * no address, so this is the fail-closed reading (docs/backends.md). */
static void clear_denied_ports(const ir_policy *p, uint8_t *bind)
{
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op == NET_BIND && r->deny)
                        for (int port = r->ep.port_lo; port <= r->ep.port_hi; port++)
                                bind[port] = 0;
        }
}

static bool landlock_ports(osh_ctx *c, const ir_policy *p, oshb_landlock *ll)
{
        uint8_t *bind = calloc(65536, 1);
        if (!bind)
                abort();
        bool ok = mark_bind_ports(c, p, bind);
        clear_denied_ports(p, bind);
        uint32_t n = p->has_net && !bind[RELAY_PORT];
        for (int port = 1; ok && port < 65536; port++)
                n += bind[port];
        ll->ports = arena_alloc(&c->arena, sizeof(*ll->ports) * (n + 1));
        for (int port = 1; ok && port < 65536; port++) {
                uint64_t access = bind[port] ? LANDLOCK_ACCESS_NET_BIND_TCP : 0;
                if (p->has_net && port == RELAY_PORT)
                        access |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
                if (access)
                        ll->ports[ll->nports++] = (oshb_ll_port){access, (uint64_t)port};
        }
        free(bind);
        return ok;
}

/* ---- the minimum ABI ---- */

static bool has_bind_rules(const ir_policy *p)
{
        for (int i = 0; i < p->nnet; i++)
                if (p->net[i].op == NET_BIND)
                        return true;
        return false;
}

/* The lowest ABI that enforces what the policy grants: 3 at least (below
 * it truncate(2) is not restricted), 4 when it has bind rules (port
 * rules), 5 when it grants ioctl on devices, and never below what the
 * policy declares. */
static uint32_t landlock_min_abi(const ir_policy *p, const oshb_landlock *ll)
{
        uint32_t abi = 3;
        if (p->landlock_abi > 0 && (uint32_t)p->landlock_abi > abi)
                abi = (uint32_t)p->landlock_abi;
        if (has_bind_rules(p) && abi < 4)
                abi = 4;
        for (uint32_t i = 0; i < ll->npaths; i++)
                if ((ll->paths[i].access & LANDLOCK_ACCESS_FS_IOCTL_DEV) && abi < 5)
                        abi = 5;
        return abi;
}

bool backend_landlock(osh_ctx *c, const ir_policy *p, oshb_bundle *b)
{
        oshb_landlock *ll = &b->landlock;
        memset(ll, 0, sizeof(*ll));
        osh_ll_abi_rights known = landlock_rights_for_abi(OSH_LANDLOCK_ABI_KNOWN);
        ll->handled_fs = known.fs;
        ll->handled_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
        ll->scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
        landlock_paths(c, p, ll);
        bool ok = landlock_ports(c, p, ll);
        b->meta.landlock_declared_abi = p->landlock_abi > 0 ? (uint32_t)p->landlock_abi : 0;
        b->meta.landlock_min_abi = landlock_min_abi(p, ll);
        b->meta.best_effort = p->landlock_best_effort;
        return ok;
}

/* ---- `oshc compile --emit landlock` ---- */

typedef struct bit_name {
        uint64_t bit;
        const char *name;
} bit_name;

static const bit_name fs_names[] = {{LANDLOCK_ACCESS_FS_EXECUTE, "EXECUTE"},
                                    {LANDLOCK_ACCESS_FS_WRITE_FILE, "WRITE_FILE"},
                                    {LANDLOCK_ACCESS_FS_READ_FILE, "READ_FILE"},
                                    {LANDLOCK_ACCESS_FS_READ_DIR, "READ_DIR"},
                                    {LANDLOCK_ACCESS_FS_REMOVE_DIR, "REMOVE_DIR"},
                                    {LANDLOCK_ACCESS_FS_REMOVE_FILE, "REMOVE_FILE"},
                                    {LANDLOCK_ACCESS_FS_MAKE_CHAR, "MAKE_CHAR"},
                                    {LANDLOCK_ACCESS_FS_MAKE_DIR, "MAKE_DIR"},
                                    {LANDLOCK_ACCESS_FS_MAKE_REG, "MAKE_REG"},
                                    {LANDLOCK_ACCESS_FS_MAKE_SOCK, "MAKE_SOCK"},
                                    {LANDLOCK_ACCESS_FS_MAKE_FIFO, "MAKE_FIFO"},
                                    {LANDLOCK_ACCESS_FS_MAKE_BLOCK, "MAKE_BLOCK"},
                                    {LANDLOCK_ACCESS_FS_MAKE_SYM, "MAKE_SYM"},
                                    {LANDLOCK_ACCESS_FS_REFER, "REFER"},
                                    {LANDLOCK_ACCESS_FS_TRUNCATE, "TRUNCATE"},
                                    {LANDLOCK_ACCESS_FS_IOCTL_DEV, "IOCTL_DEV"},
                                    {0, NULL}};

static const bit_name net_names[] = {{LANDLOCK_ACCESS_NET_BIND_TCP, "BIND_TCP"},
                                     {LANDLOCK_ACCESS_NET_CONNECT_TCP, "CONNECT_TCP"},
                                     {0, NULL}};

static const bit_name scope_names[] = {
    {LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, "ABSTRACT_UNIX_SOCKET"},
    {LANDLOCK_SCOPE_SIGNAL, "SIGNAL"},
    {0, NULL}};

/* The names of the bits set in `bits`, space-separated ("none" for 0; a
 * bit without a name as its hex value, so nothing is hidden). */
static void emit_bits(FILE *out, const bit_name *names, uint64_t bits)
{
        if (!bits) {
                fputs(" none", out);
                return;
        }
        for (int i = 0; names[i].name; i++)
                if (bits & names[i].bit) {
                        fprintf(out, " %s", names[i].name);
                        bits &= ~names[i].bit;
                }
        if (bits)
                fprintf(out, " 0x%llx", (unsigned long long)bits);
}

/* A path as the policy writes it: `$NAME/sub` or `/literal`, quoted (with
 * \" and \\ escapes) when it holds a blank, a quote or a control byte. */
void emit_fs_path(FILE *out, const char *param, const char *path)
{
        bool quote = false;
        for (const char *s = path; *s; s++)
                quote |= (unsigned char)*s <= ' ' || *s == '"' || *s == '\\' || *s == 0x7f;
        if (param)
                fprintf(out, "$%s", param);
        if (!quote) {
                fputs(path, out);
                return;
        }
        fputc('"', out);
        for (const char *s = path; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fprintf(out, "\\%c", *s);
                else if ((unsigned char)*s < ' ' || *s == 0x7f)
                        fprintf(out, "\\x%02x", (unsigned char)*s);
                else
                        fputc(*s, out);
        }
        fputc('"', out);
}

void emit_landlock(FILE *out, const oshb_bundle *b)
{
        const oshb_landlock *ll = &b->landlock;
        fprintf(out, "# Landlock ruleset of policy %s\n", b->meta.policy ? b->meta.policy : "?");
        fprintf(out, "min_abi %u\n", b->meta.landlock_min_abi);
        fprintf(out, "declared_abi %u\n", b->meta.landlock_declared_abi);
        fprintf(out, "best_effort %s\n", b->meta.best_effort ? "yes" : "no");
        fputs("handled_fs", out);
        emit_bits(out, fs_names, ll->handled_fs);
        fputs("\nhandled_net", out);
        emit_bits(out, net_names, ll->handled_net);
        fputs("\nscoped", out);
        emit_bits(out, scope_names, ll->scoped);
        fputc('\n', out);
        for (uint32_t i = 0; i < ll->npaths; i++) {
                fputs("path ", out);
                emit_fs_path(out, ll->paths[i].param, ll->paths[i].path);
                emit_bits(out, fs_names, ll->paths[i].access);
                fputc('\n', out);
        }
        for (uint32_t i = 0; i < ll->nports; i++) {
                fprintf(out, "port %llu", (unsigned long long)ll->ports[i].port);
                emit_bits(out, net_names, ll->ports[i].access);
                fputc('\n', out);
        }
}
