/*
 * tv_tables.c - translation validation of the bundle's tables (DESIGN
 * §5.4): the Landlock ruleset with the mount masks, the cgroup keys, the
 * rlimits, the process settings and the egress proxy's table must grant
 * exactly what the IR grants.
 *
 * Every table here is decided by a finite set of atoms, so the proof is an
 * exhaustive comparison over them, without the solver:
 *  - fs: a path's decision depends only on which rule paths are its
 *    ancestors-or-self, so every rule path (of the IR, of the Landlock
 *    rules and of the masks), a fresh child of each, and a path outside
 *    all of them (per parameter) cover every class.  For each and each
 *    right, the bundle's decision (a Landlock rule on an ancestor-or-self
 *    grants all the right's access bits, and no mount mask takes the right
 *    away: a HIDE anywhere above takes every right, else the innermost mask
 *    decides, since a bind mount replaces the flags of the mount above it)
 *    must equal eval_fs.  The bundle may deny more only where docs say
 *    masks are coarser than the policy (HIDE, NODEV).
 *  - Landlock ports: every edge of every bind rule's port range, 3128 and
 *    the ports of the port rules.
 *  - limits and process: field by field, units converted here again.
 *  - proxy: requests built from every host pattern (names matching it and
 *    near misses), every address range's edges, the special addresses,
 *    every port edge, every `from` binary (as the caller and as a parent),
 *    every HTTP method and URL glob; the proxy's matcher
 *    (runtime/proxy_match.c) over the bundle's table must decide each as
 *    eval_connect and eval_http do on the IR.
 * A difference is a "translation" finding (always an error) with the
 * request in `oshc query` syntax, replayed through the reference evaluator.
 */
#include "verify.h"

#include "../backends/backends.h"
#include "../backends/landlock_abi.h"
#include "../runtime/proxy_match.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define RELAY_PORT 3128

static void fix_bug(vf *v, vf_finding *f)
{
        vf_fix(v, f,
               "a compiler bug: do not deploy this bundle; report it with the policy "
               "(`oshc inspect BUNDLE` shows the tables)");
}

/* ---- fs: Landlock rules and mount masks ---- */

/* The Landlock access bits each policy right needs, written again here
 * (landlock.c has the compiler's copy). */
static uint64_t access_bits_of(unsigned right)
{
        switch (right) {
        case RIGHT_READ:
                return LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
        case RIGHT_WRITE:
                return LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                       LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                       LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                       LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                       LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
                       LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;
        case RIGHT_EXEC:
                return LANDLOCK_ACCESS_FS_EXECUTE;
        case RIGHT_IOCTL:
                return LANDLOCK_ACCESS_FS_IOCTL_DEV;
        }
        return 0;
}

static const char *right_word(unsigned right)
{
        switch (right) {
        case RIGHT_READ:
                return "read";
        case RIGHT_WRITE:
                return "write";
        case RIGHT_EXEC:
                return "exec";
        default:
                return "ioctl";
        }
}

static const unsigned all_rights[] = {RIGHT_READ, RIGHT_WRITE, RIGHT_EXEC, RIGHT_IOCTL};

/* A path as both sides see it: a parameter (or NULL) and a path below it
 * ("" or "/sub" with a parameter, absolute without). */
typedef struct fs_atom {
        const char *param;
        const char *path;
} fs_atom;

static bool same_param(const char *a, const char *b)
{
        if (!a || !b)
                return !a && !b;
        return !strcmp(a, b);
}

static bool atom_covered(const char *rparam, const char *rpath, const fs_atom *q)
{
        if (!same_param(rparam, q->param))
                return false;
        if (!rparam)
                return path_covers(rpath, q->path);
        return path_covers(rpath[0] ? rpath : "/", q->path[0] ? q->path : "/");
}

/* The request as `oshc query` writes it. */
static const char *atom_request(vf *v, unsigned right, const fs_atom *q)
{
        return arena_printf(&v->c->arena, "%s %s%s%s", right_word(right), q->param ? "$" : "",
                            q->param ? q->param : "", q->path);
}

typedef struct fs_decision {
        bool allowed;
        bool partial;           /* some but not all access bits of the right */
        bool coarse_mask;       /* denied by a HIDE or NODEV mask */
        const oshb_mount *mask; /* the mask that took the right away */
} fs_decision;

/* Does an IR deny of `right` cover q?  A coarse mask (HIDE for a deny of
 * read, NODEV for a deny of ioctl) may take more than the policy denies
 * only there. */
static bool ir_denies_over(const ir_policy *p, unsigned right, const fs_atom *q)
{
        for (int i = 0; i < p->nfs; i++)
                if (p->fs[i].deny && (p->fs[i].rights & right) &&
                    atom_covered(p->fs[i].path.param, p->fs[i].path.path, q))
                        return true;
        return false;
}

static fs_decision bundle_fs(const ir_policy *p, const oshb_bundle *b, unsigned right,
                             const fs_atom *q)
{
        fs_decision d = {0};
        uint64_t need = access_bits_of(right), got = 0;
        for (uint32_t i = 0; i < b->landlock.npaths; i++) {
                const oshb_ll_path *r = &b->landlock.paths[i];
                if (atom_covered(r->param, r->path, q))
                        got |= r->access;
        }
        got &= need;
        if (got != need) {
                d.partial = got != 0;
                return d;
        }
        const oshb_mount *inner = NULL;
        for (uint32_t i = 0; i < b->nmounts; i++) {
                const oshb_mount *m = &b->mounts[i];
                if (!atom_covered(m->param, m->path, q))
                        continue;
                if (m->kind & OSHB_MASK_HIDE) {
                        d.mask = m;
                        d.coarse_mask = ir_denies_over(p, RIGHT_READ, q);
                        return d;
                }
                if (!inner || strlen(m->path) > strlen(inner->path))
                        inner = m;
        }
        uint32_t takes = 0;
        if (inner) {
                if (inner->kind & OSHB_MASK_READONLY)
                        takes |= RIGHT_WRITE;
                if (inner->kind & OSHB_MASK_NOEXEC)
                        takes |= RIGHT_EXEC;
                if (inner->kind & OSHB_MASK_NODEV)
                        takes |= RIGHT_IOCTL;
        }
        if (takes & right) {
                d.mask = inner;
                d.coarse_mask = right == RIGHT_IOCTL && ir_denies_over(p, RIGHT_IOCTL, q);
                return d;
        }
        d.allowed = true;
        return d;
}

typedef struct atoms {
        fs_atom *a;
        int n, cap;
} atoms;

static void atom_add(atoms *as, const char *param, const char *path)
{
        for (int i = 0; i < as->n; i++)
                if (same_param(as->a[i].param, param) && !strcmp(as->a[i].path, path))
                        return;
        if (as->n == as->cap) {
                as->cap = as->cap ? 2 * as->cap : 64;
                as->a = realloc(as->a, sizeof(*as->a) * (size_t)as->cap);
                if (!as->a)
                        abort();
        }
        as->a[as->n++] = (fs_atom){param, path};
}

/* A rule path, a fresh child of it and a path outside (per parameter). */
static void atoms_of(vf *v, atoms *as, const char *param, const char *path)
{
        atom_add(as, param, path);
        bool root = !strcmp(path, "/");
        atom_add(as, param, arena_printf(&v->c->arena, "%s/.osh-tv-child", root ? "" : path));
        atom_add(as, param, "/.osh-tv-outside");
        if (param)
                atom_add(as, param, "");
}

static void fs_finding(vf *v, const ir_policy *p, unsigned right, const fs_atom *q,
                       const eval_result *ir, const fs_decision *d)
{
        const char *req = atom_request(v, right, q);
        const char *what = d->partial   ? "grants only part of the Landlock access bits of"
                           : d->allowed ? "allows"
                                        : "denies";
        /* a mask wrongly there, or one missing under a policy deny (Landlock
         * grants, and the policy denies by a deny rule): the mount table;
         * otherwise the Landlock rules */
        bool by_deny = false;
        for (int i = 0; i < p->nfs; i++)
                by_deny |= p->fs[i].id == ir->rule_id && p->fs[i].deny;
        const char *layer = (!d->allowed && d->mask) || (d->allowed && !ir->allowed && by_deny)
                                ? "mounts"
                                : "landlock";
        vf_finding *f = vf_report(v, p, "translation", VF_ERROR, layer,
                                  "the bundle %s '%s' where the policy %s it", what, req,
                                  ir->allowed ? "allows" : "denies");
        vf_witness(v, f, "%s", req);
        if (ir->rule_where.file >= 0)
                vf_loc_add(v, f, ir->rule_where, ir->origin, "the rule that decides it");
        vf_loc_add(v, f, p->where, NULL, "the policy");
        fix_bug(v, f);
        vf_replay(v, p, req, ir->allowed ? 1 : 0, NULL);
}

static void validate_fs(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        uint64_t every = 0;
        for (int r = 0; r < 4; r++)
                every |= access_bits_of(all_rights[r]);
        if ((b->landlock.handled_fs & every) != every) {
                vf_finding *f =
                    vf_report(v, p, "translation", VF_ERROR, "landlock",
                              "the Landlock ruleset does not handle every access right the policy "
                              "controls: the unhandled ones are allowed everywhere");
                vf_witness(v, f, "handled_fs 0x%llx, missing 0x%llx",
                           (unsigned long long)b->landlock.handled_fs,
                           (unsigned long long)(every & ~b->landlock.handled_fs));
                vf_loc_add(v, f, p->where, NULL, "the policy");
                fix_bug(v, f);
        }
        atoms as = {0};
        atom_add(&as, NULL, "/.osh-tv-outside");
        for (int i = 0; i < p->nfs; i++)
                atoms_of(v, &as, p->fs[i].path.param, p->fs[i].path.path);
        for (uint32_t i = 0; i < b->landlock.npaths; i++)
                atoms_of(v, &as, b->landlock.paths[i].param, b->landlock.paths[i].path);
        for (uint32_t i = 0; i < b->nmounts; i++)
                atoms_of(v, &as, b->mounts[i].param, b->mounts[i].path);
        for (int i = 0; i < as.n; i++) {
                const fs_atom *q = &as.a[i];
                const char *req = arena_printf(&v->c->arena, "%s%s%s", q->param ? "$" : "",
                                               q->param ? q->param : "", q->path);
                for (int r = 0; r < 4; r++) {
                        eval_result ir = eval_fs(p, NULL, all_rights[r], req);
                        fs_decision d = bundle_fs(p, b, all_rights[r], q);
                        bool differs = d.partial || d.allowed != ir.allowed;
                        if (differs && ir.allowed && !d.allowed && d.coarse_mask)
                                differs = false; /* documented: masks are coarser */
                        if (differs) {
                                fs_finding(v, p, all_rights[r], q, &ir, &d);
                                free(as.a);
                                return; /* the first difference says enough */
                        }
                }
        }
        free(as.a);
}

/* ---- Landlock ports ---- */

static void port_atoms(uint8_t *want, int lo, int hi)
{
        for (int d = -1; d <= 1; d++) {
                if (lo + d >= 1 && lo + d <= 65535)
                        want[lo + d] = 1;
                if (hi + d >= 1 && hi + d <= 65535)
                        want[hi + d] = 1;
        }
}

static void validate_ports(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        const oshb_landlock *ll = &b->landlock;
        uint64_t net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
        const char *problem = NULL;
        int bad_port = 0;
        if ((ll->handled_net & net) != net)
                problem = "the Landlock ruleset does not handle TCP bind and connect";
        uint8_t *atom = calloc(65536, 1);
        if (!atom)
                abort();
        port_atoms(atom, RELAY_PORT, RELAY_PORT);
        port_atoms(atom, 1, 65535);
        for (int i = 0; i < p->nnet; i++)
                if (p->net[i].op == NET_BIND)
                        port_atoms(atom, p->net[i].ep.port_lo, p->net[i].ep.port_hi);
        for (uint32_t i = 0; i < ll->nports; i++) {
                if (ll->ports[i].port < 1 || ll->ports[i].port > 65535) {
                        problem = "a Landlock port rule outside 1..65535";
                        bad_port = (int)ll->ports[i].port;
                } else {
                        atom[ll->ports[i].port] = 1;
                }
        }
        for (int port = 1; port < 65536 && !problem; port++) {
                if (!atom[port])
                        continue;
                bool allow = false, deny = false, bind = false, conn = false;
                for (int i = 0; i < p->nnet; i++) {
                        const ir_net_rule *r = &p->net[i];
                        if (r->op == NET_BIND && port >= r->ep.port_lo && port <= r->ep.port_hi)
                                *(r->deny ? &deny : &allow) = true;
                }
                for (uint32_t i = 0; i < ll->nports; i++)
                        if (ll->ports[i].port == (uint64_t)port) {
                                bind |= (ll->ports[i].access & LANDLOCK_ACCESS_NET_BIND_TCP) != 0;
                                conn |=
                                    (ll->ports[i].access & LANDLOCK_ACCESS_NET_CONNECT_TCP) != 0;
                        }
                bool want_bind = p->has_net && allow && !deny;
                bool want_conn = p->has_net && port == RELAY_PORT;
                if (bind != want_bind) {
                        problem = bind ? "Landlock lets the agent bind a TCP port the policy "
                                         "does not allow"
                                       : "Landlock refuses a TCP bind port the policy allows";
                        bad_port = port;
                } else if (conn != want_conn) {
                        problem = conn ? "Landlock lets the agent connect to a TCP port other "
                                         "than the proxy relay's"
                                       : "Landlock refuses TCP connect to the proxy relay";
                        bad_port = port;
                }
        }
        free(atom);
        if (!problem)
                return;
        vf_finding *f =
            vf_report(v, p, "translation", VF_ERROR, "landlock", "%s (port %d)", problem, bad_port);
        vf_witness(v, f, "bind 0.0.0.0:%d", bad_port);
        vf_loc_add(v, f, p->where, NULL, "the policy");
        fix_bug(v, f);
}

/* ---- cgroup, rlimits, process ---- */

static void field_finding(vf *v, const ir_policy *p, const char *layer, span where,
                          const char *what, const char *got, const char *want)
{
        vf_finding *f =
            vf_report(v, p, "translation", VF_ERROR, layer,
                      "the bundle's %s is %s where the policy says %s", what, got, want);
        vf_witness(v, f, "%s: bundle %s, policy %s", what, got, want);
        vf_loc_add(v, f, where.file >= 0 ? where : p->where, NULL, "the setting");
        fix_bug(v, f);
}

static const char *cgroup_get(const oshb_bundle *b, const char *key, int *count)
{
        const char *val = NULL;
        *count = 0;
        for (uint32_t i = 0; i < b->ncgroup; i++)
                if (!strcmp(b->cgroup[i].key, key)) {
                        val = b->cgroup[i].value;
                        (*count)++;
                }
        return val;
}

/* Does cpu.max "QUOTA PERIOD" give exactly `millicores`? */
static bool cpu_max_means(const char *s, uint64_t millicores)
{
        unsigned long long quota, period;
        char extra;
        if (sscanf(s, "%llu %llu%c", &quota, &period, &extra) != 2)
                return false;
        return period >= 1000 && period <= 1000000 && quota >= 1000 &&
               quota * 1000 == millicores * period;
}

static void validate_cgroup(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        static const struct {
                int lim;
                const char *key;
        } keys[] = {{LIM_MEMORY, "memory.max"},
                    {LIM_SWAP, "memory.swap.max"},
                    {LIM_PIDS, "pids.max"},
                    {LIM_CPU, "cpu.max"},
                    {LIM_IO_WEIGHT, "io.weight"}};
        const ir_limits *l = &p->limits;
        arena *a = &v->c->arena;
        for (uint32_t i = 0; i < b->ncgroup; i++) {
                bool known_key = false;
                for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                        known_key |= !strcmp(b->cgroup[i].key, keys[k].key);
                if (!known_key)
                        field_finding(v, p, "cgroup", p->where,
                                      arena_printf(a, "cgroup key %s", b->cgroup[i].key),
                                      b->cgroup[i].value, "nothing");
        }
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                int n;
                const char *got = cgroup_get(b, keys[k].key, &n);
                const char *what = arena_printf(a, "cgroup %s", keys[k].key);
                span where = l->where[keys[k].lim];
                if (!l->set[keys[k].lim]) {
                        if (n)
                                field_finding(v, p, "cgroup", where, what, got, "no limit");
                        continue;
                }
                uint64_t val = l->value[keys[k].lim];
                bool ok = n == 1;
                const char *want;
                if (keys[k].lim == LIM_CPU) {
                        want = arena_printf(a, "%llu millicores", (unsigned long long)val);
                        ok = ok && cpu_max_means(got, val);
                } else if (keys[k].lim == LIM_IO_WEIGHT) {
                        want = arena_printf(a, "default %llu", (unsigned long long)val);
                        ok = ok && !strcmp(got, want);
                } else {
                        want = arena_printf(a, "%llu", (unsigned long long)val);
                        ok = ok && !strcmp(got, want);
                }
                if (!ok)
                        field_finding(v, p, "cgroup", where, what,
                                      n > 1 ? "set more than once"
                                      : got ? got
                                            : "unset",
                                      want);
        }
}

static void validate_rlimits(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        const ir_limits *l = &p->limits;
        struct {
                uint32_t res;
                bool set;
                uint64_t val;
                span where;
        } want[] = {
            {RLIMIT_CPU, l->set[LIM_CPUTIME], (l->value[LIM_CPUTIME] + 999) / 1000,
             l->where[LIM_CPUTIME]},
            {RLIMIT_FSIZE, l->set[LIM_FILESIZE], l->value[LIM_FILESIZE], l->where[LIM_FILESIZE]},
            {RLIMIT_CORE, true, 0, p->where},
            {RLIMIT_NOFILE, l->set[LIM_FILES], l->value[LIM_FILES], l->where[LIM_FILES]},
        };
        arena *a = &v->c->arena;
        for (uint32_t i = 0; i < b->nrlimits; i++) {
                bool known_res = false;
                for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
                        known_res |= b->rlimits[i].resource == want[k].res;
                if (!known_res)
                        field_finding(v, p, "rlimit", p->where,
                                      arena_printf(a, "rlimit %u", b->rlimits[i].resource), "set",
                                      "nothing");
        }
        for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
                int n = 0;
                const oshb_rlimit *got = NULL;
                for (uint32_t i = 0; i < b->nrlimits; i++)
                        if (b->rlimits[i].resource == want[k].res) {
                                got = &b->rlimits[i];
                                n++;
                        }
                const char *what = rlimit_name(want[k].res);
                const char *gs =
                    !got    ? "unset"
                    : n > 1 ? "set more than once"
                            : arena_printf(a, "soft %llu hard %llu", (unsigned long long)got->soft,
                                           (unsigned long long)got->hard);
                if (!want[k].set) {
                        if (got)
                                field_finding(v, p, "rlimit", want[k].where, what, gs, "unset");
                        continue;
                }
                if (n != 1 || got->soft != want[k].val || got->hard != want[k].val)
                        field_finding(v, p, "rlimit", want[k].where, what, gs,
                                      arena_printf(a, "soft %llu hard %llu",
                                                   (unsigned long long)want[k].val,
                                                   (unsigned long long)want[k].val));
        }
}

static bool same_opt_str(const char *a, const char *b)
{
        if (!a || !b)
                return !a && !b;
        return !strcmp(a, b);
}

static const char *opt(const char *s)
{
        return s ? s : "unset";
}

static void validate_process(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        const ir_process *ip = &p->process;
        const oshb_process *bp = &b->process;
        arena *a = &v->c->arena;
        if (!same_opt_str(ip->user, bp->user))
                field_finding(v, p, "process", ip->user_where, "user", opt(bp->user),
                              opt(ip->user));
        if (!same_opt_str(ip->group, bp->group))
                field_finding(v, p, "process", ip->group_where, "group", opt(bp->group),
                              opt(ip->group));
        if (!same_opt_str(ip->hostname, bp->hostname))
                field_finding(v, p, "process", ip->hostname_where, "hostname", opt(bp->hostname),
                              opt(ip->hostname));
        uint64_t wall = p->limits.set[LIM_WALLTIME] ? p->limits.value[LIM_WALLTIME] : 0;
        if (bp->walltime_ms != wall)
                field_finding(v, p, "process", p->limits.where[LIM_WALLTIME], "walltime",
                              arena_printf(a, "%llu ms", (unsigned long long)bp->walltime_ms),
                              arena_printf(a, "%llu ms", (unsigned long long)wall));
        if (bp->network != p->has_net)
                field_finding(v, p, "process", p->where, "network flag", bp->network ? "on" : "off",
                              p->has_net ? "on" : "off");
        /* capabilities: the same set */
        bool caps_ok = bp->caps_set == ip->caps_set && bp->ncaps == (uint32_t)ip->ncaps;
        for (int i = 0; caps_ok && i < ip->ncaps; i++) {
                int n = capability_number(ip->caps[i]);
                bool found = false;
                for (uint32_t j = 0; j < bp->ncaps; j++)
                        found |= (int)bp->caps[j] == n;
                caps_ok = found;
        }
        if (!caps_ok)
                field_finding(
                    v, p, "process", ip->caps_where, "capability set",
                    arena_printf(a, "%u capabilities%s", bp->ncaps, bp->caps_set ? "" : " (unset)"),
                    arena_printf(a, "%d capabilities%s", ip->ncaps,
                                 ip->caps_set ? "" : " (unset)"));
        bool env_ok = bp->nenv_keep == (uint32_t)ip->nenv_keep;
        for (int i = 0; env_ok && i < ip->nenv_keep; i++) {
                bool found = false;
                for (uint32_t j = 0; j < bp->nenv_keep; j++)
                        found |= !strcmp(bp->env_keep[j], ip->env_keep[i]);
                env_ok = found;
        }
        if (!env_ok)
                field_finding(v, p, "process", p->where, "environment keep list",
                              arena_printf(a, "%u names", bp->nenv_keep),
                              arena_printf(a, "%d names", ip->nenv_keep));
        env_ok = bp->nenv_set == (uint32_t)ip->nenv_set;
        for (int i = 0; env_ok && i < ip->nenv_set; i++) {
                bool found = false;
                for (uint32_t j = 0; j < bp->nenv_set; j++)
                        found |= !strcmp(bp->env_set[j].key, ip->env_set[i].name) &&
                                 !strcmp(bp->env_set[j].value, ip->env_set[i].value);
                env_ok = found;
        }
        if (!env_ok)
                field_finding(v, p, "process", p->where, "environment settings",
                              arena_printf(a, "%u settings", bp->nenv_set),
                              arena_printf(a, "%d settings", ip->nenv_set));
}

/* ---- proxy ---- */

typedef struct strs {
        const char **s;
        int n, cap;
} strs;

static void strs_add(strs *l, const char *s)
{
        for (int i = 0; i < l->n; i++)
                if ((!s && !l->s[i]) || (s && l->s[i] && !strcmp(s, l->s[i])))
                        return;
        if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 32;
                l->s = realloc(l->s, sizeof(char *) * (size_t)l->cap);
                if (!l->s)
                        abort();
        }
        l->s[l->n++] = s;
}

/* Names matching a host pattern, and near misses: every "*" label as one
 * fresh label, "**." as one and as two labels, the pattern's parent
 * domain, and the pattern under a fresh label. */
static void host_atoms(vf *v, strs *hosts, strs *primary, const char *pattern)
{
        arena *a = &v->c->arena;
        char buf[512];
        const char *rest = pattern;
        bool deep = !strncmp(pattern, "**.", 3);
        if (deep)
                rest = pattern + 3;
        size_t n = 0;
        for (const char *s = rest; *s && n + 8 < sizeof buf; s++) {
                if (*s == '*' && (s == rest || s[-1] == '.') && (s[1] == '.' || !s[1])) {
                        memcpy(buf + n, "tvx", 3);
                        n += 3;
                } else {
                        buf[n++] = *s;
                }
        }
        buf[n] = 0;
        const char *first = arena_strdup(a, buf);
        strs_add(hosts, first);
        strs_add(primary, first);
        strs_add(hosts, arena_printf(a, "tva.%s", buf));
        strs_add(hosts, arena_printf(a, "tva.tvb.%s", buf));
        const char *dot = strchr(buf, '.');
        if (dot)
                strs_add(hosts, arena_strdup(a, dot + 1));
        strs_add(hosts, arena_printf(a, "%sx", buf));
}

static void addr_add(uint8_t (**addrs)[16], int *n, int *cap, const uint8_t a[16])
{
        for (int i = 0; i < *n; i++)
                if (!memcmp((*addrs)[i], a, 16))
                        return;
        if (*n == *cap) {
                *cap = *cap ? 2 * *cap : 32;
                *addrs = realloc(*addrs, 16 * (size_t)*cap);
                if (!*addrs)
                        abort();
        }
        memcpy((*addrs)[(*n)++], a, 16);
}

/* The first and last address of a range and their outer neighbours. */
static void range_atoms(uint8_t (**addrs)[16], int *n, int *cap, const uint8_t base[16], int prefix)
{
        uint8_t lo[16], hi[16], x[16];
        for (int i = 0; i < 16; i++) {
                int bits = prefix - 8 * i;
                uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
                lo[i] = base[i] & mask;
                hi[i] = (uint8_t)(lo[i] | ~mask);
        }
        addr_add(addrs, n, cap, lo);
        addr_add(addrs, n, cap, hi);
        memcpy(x, lo, 16);
        for (int i = 15; i >= 0 && x[i]-- == 0; i--)
                ;
        addr_add(addrs, n, cap, x);
        memcpy(x, hi, 16);
        for (int i = 15; i >= 0 && ++x[i] == 0; i--)
                ;
        addr_add(addrs, n, cap, x);
}

typedef struct px_ctx {
        vf *v;
        const ir_policy *p;
        pm_table table;
        bool reported_connect, reported_http;
        long checked;
} px_ctx;

static const char *net_request_text(vf *v, bool http, const net_request *q)
{
        char addr[80] = "";
        arena *a = &v->c->arena;
        if (q->has_addr && !q->host_is_ip) {
                char ip[64];
                pm_format_ip(q->addr, ip, sizeof ip);
                snprintf(addr, sizeof addr, " addr=%s", ip);
        }
        bool v6 = strchr(q->host, ':') != NULL;
        const char *hp =
            arena_printf(a, "%s%s%s:%u", v6 ? "[" : "", q->host, v6 ? "]" : "", q->port);
        const char *from = q->binary ? arena_printf(a, " from %s", q->binary) : "";
        const char *under = q->nancestors ? arena_printf(a, " under %s", q->ancestors[0]) : "";
        if (http)
                return arena_printf(a, "http %s %s%s%s%s%s", q->method, hp, q->path, addr, from,
                                    under);
        return arena_printf(a, "connect %s%s%s%s", hp, addr, from, under);
}

static void px_compare(px_ctx *x, bool http, const net_request *q)
{
        pm_request pq;
        memset(&pq, 0, sizeof pq);
        pq.host = q->host;
        pq.host_is_ip = q->host_is_ip;
        memcpy(pq.addr, q->addr, 16);
        pq.has_addr = q->has_addr;
        pq.port = q->port;
        pq.binary = q->binary;
        pq.nancestors = q->nancestors;
        for (int i = 0; i < q->nancestors; i++)
                pq.ancestors[i] = q->ancestors[i];
        pq.method = q->method;
        pq.path = q->path;
        x->checked++;
        eval_result ir = http ? eval_http(x->p, NULL, q) : eval_connect(x->p, NULL, q);
        pm_verdict pv = http ? pm_decide_http(&x->table, &pq) : pm_decide_connect(&x->table, &pq);
        if (ir.allowed == pv.allowed)
                return;
        if (http ? x->reported_http : x->reported_connect)
                return;
        *(http ? &x->reported_http : &x->reported_connect) = true;
        vf *v = x->v;
        const char *req = net_request_text(v, http, q);
        vf_finding *f = vf_report(
            v, x->p, "translation", VF_ERROR, "proxy",
            "the proxy's table %s '%s' where the policy %s it (proxy rule %d decided: %s)",
            pv.allowed ? "allows" : "refuses", req, ir.allowed ? "allows" : "denies", pv.rule_id,
            pv.reason ? pv.reason : "");
        vf_witness(v, f, "%s", req);
        if (ir.rule_where.file >= 0)
                vf_loc_add(v, f, ir.rule_where, ir.origin, "the rule that decides it");
        vf_loc_add(v, f, x->p->where, NULL, "the policy");
        fix_bug(v, f);
        vf_replay(v, x->p, req, ir.allowed ? 1 : 0, NULL);
}

/* A URL path matching a glob: "**" as two segments, "*" as one word. */
static void url_atoms(vf *v, strs *paths, const char *glob)
{
        char buf[1024];
        size_t n = 0;
        for (const char *s = glob; *s && n + 16 < sizeof buf; s++) {
                if (s[0] == '*' && s[1] == '*') {
                        memcpy(buf + n, "tva/tvb", 7);
                        n += 7;
                        s++;
                } else if (*s == '*') {
                        memcpy(buf + n, "tvx", 3);
                        n += 3;
                } else {
                        buf[n++] = *s;
                }
        }
        buf[n] = 0;
        arena *a = &v->c->arena;
        strs_add(paths, arena_strdup(a, buf));
        strs_add(paths, arena_printf(a, "%s%stvz", buf, n && buf[n - 1] == '/' ? "" : "/"));
        char *slash = strrchr(buf, '/');
        if (slash && slash != buf) {
                *slash = 0;
                strs_add(paths, arena_strdup(a, buf));
        }
}

/* An endpoint of a connect rule that has http rules. */
typedef struct l7_ep {
        bool is_ip;
        const char *host;
        ip_net net;
        int lo, hi;
} l7_ep;

/* Names other than a pattern's first representative are tried with the
 * first three special addresses only (the interplay of a name rule and an
 * address rule needs one name per pattern). */
#define NAMES_ADDRS 3

typedef struct px_atoms {
        strs hosts, bins, methods, paths;
        strs primary;         /* each pattern's first representative name */
        uint8_t (*addrs)[16]; /* every address atom */
        int naddrs, capaddrs;
        uint8_t (*inside)[16]; /* one address inside each range, and the special ones */
        int ninside, capinside;
        uint8_t *port;
        bool any_l7;
        bool ip_l7; /* an address rule has http rules */
        l7_ep *l7;
        int nl7, capl7;
} px_atoms;

static void l7_add(px_atoms *at, bool is_ip, const char *host, const uint8_t addr[16], int prefix,
                   int lo, int hi)
{
        if (at->nl7 == at->capl7) {
                at->capl7 = at->capl7 ? 2 * at->capl7 : 16;
                at->l7 = realloc(at->l7, sizeof(*at->l7) * (size_t)at->capl7);
                if (!at->l7)
                        abort();
        }
        l7_ep *e = &at->l7[at->nl7++];
        memset(e, 0, sizeof *e);
        at->ip_l7 |= is_ip;
        e->is_ip = is_ip;
        e->host = host;
        if (is_ip) {
                memcpy(e->net.addr, addr, 16);
                e->net.prefix = prefix;
        }
        e->lo = lo;
        e->hi = hi;
}

/* Might a rule with http rules admit q?  Only then do the methods and
 * URL paths matter; elsewhere one HTTP request per endpoint and caller
 * says everything. */
static bool l7_may_match(const px_atoms *at, const net_request *q)
{
        for (int i = 0; i < at->nl7; i++) {
                const l7_ep *e = &at->l7[i];
                if (q->port < e->lo || q->port > e->hi)
                        continue;
                if (e->is_ip ? q->has_addr && ip_net_contains(&e->net, q->addr)
                             : !q->host_is_ip && host_matches(e->host, q->host))
                        return true;
        }
        return false;
}

static void atoms_of_endpoint(vf *v, px_atoms *at, bool is_ip, const char *host,
                              const uint8_t addr[16], int prefix, int lo, int hi)
{
        port_atoms(at->port, lo, hi);
        if (is_ip) {
                range_atoms(&at->addrs, &at->naddrs, &at->capaddrs, addr, prefix);
                range_atoms(&at->inside, &at->ninside, &at->capinside, addr, prefix);
                at->ninside -= at->ninside >= 4 ? 3 : 0; /* keep the range's first address */
        } else if (host)
                host_atoms(v, &at->hosts, &at->primary, host);
}

static void px_collect(vf *v, const ir_policy *p, const oshb_bundle *b, px_atoms *at)
{
        /* an ordinary address, loopback and metadata first: every name gets
         * those three (NAMES_ADDRS) */
        static const char *const special[] = {"93.184.216.34", "127.0.0.1",   "169.254.169.254",
                                              "10.0.0.1",      "192.168.1.1", "::1",
                                              "2606:4700::1"};
        for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
                uint8_t a[16];
                if (pm_parse_ip(special[i], a)) {
                        addr_add(&at->addrs, &at->naddrs, &at->capaddrs, a);
                        addr_add(&at->inside, &at->ninside, &at->capinside, a);
                }
        }
        port_atoms(at->port, 443, 443);
        port_atoms(at->port, 1, 65535);
        strs_add(&at->hosts, "osh-tv-other.example");
        strs_add(&at->bins, NULL);
        strs_add(&at->bins, "/osh-tv/other-binary");
        strs_add(&at->methods, "GET");
        strs_add(&at->paths, "/");
        for (int i = 0; i < p->nnet; i++) {
                const ir_net_rule *r = &p->net[i];
                if (r->op != NET_CONNECT)
                        continue;
                atoms_of_endpoint(v, at, r->ep.kind == IR_HOST_IP, r->ep.host, r->ep.addr,
                                  r->ep.prefix, r->ep.port_lo, r->ep.port_hi);
                for (int j = 0; j < r->nbinaries; j++)
                        strs_add(&at->bins, r->binaries[j]);
                if (r->nl7)
                        l7_add(at, r->ep.kind == IR_HOST_IP, r->ep.host, r->ep.addr, r->ep.prefix,
                               r->ep.port_lo, r->ep.port_hi);
                for (int j = 0; j < r->nl7; j++) {
                        at->any_l7 = true;
                        for (int k = 0; k < r->l7[j].nmethods; k++)
                                strs_add(&at->methods, r->l7[j].methods[k]);
                        url_atoms(v, &at->paths, r->l7[j].path);
                }
        }
        for (uint32_t i = 0; i < b->proxy.nrules; i++) {
                const oshb_proxy_rule *r = &b->proxy.rules[i];
                atoms_of_endpoint(v, at, r->is_ip, r->host, r->addr, r->prefix, r->port_lo,
                                  r->port_hi);
                for (uint32_t j = 0; j < r->nbinaries; j++)
                        strs_add(&at->bins, r->binaries[j]);
                if (r->nl7)
                        l7_add(at, r->is_ip, r->host, r->addr, r->prefix, r->port_lo, r->port_hi);
                for (uint32_t j = 0; j < r->nl7; j++) {
                        at->any_l7 = true;
                        for (uint32_t k = 0; k < r->l7[j].nmethods; k++)
                                strs_add(&at->methods, r->l7[j].methods[k]);
                        url_atoms(v, &at->paths, r->l7[j].path);
                }
        }
        if (at->any_l7) {
                strs_add(&at->methods, "OSHTV");
                strs_add(&at->paths, "/osh-tv-other");
        }
}

/* The edges of [lo, hi] and their neighbours (lo > hi: hi+1..lo-1 only,
 * which for lo = p+1, hi = p-1 adds p alone). */
static void port_add(int **ports, int *n, int *cap, int lo, int hi)
{
        int cand[6] = {lo - 1, lo, lo + 1, hi - 1, hi, hi + 1};
        if (lo > hi) {
                cand[0] = cand[1] = cand[2] = cand[3] = cand[5] = 0;
                cand[4] = hi + 1;
        }
        for (int i = 0; i < 6; i++) {
                if (cand[i] < 1 || cand[i] > 65535)
                        continue;
                if (*n == *cap) {
                        *cap = *cap ? 2 * *cap : 32;
                        *ports = realloc(*ports, sizeof(int) * (size_t)*cap);
                        if (!*ports)
                                abort();
                }
                (*ports)[(*n)++] = cand[i];
        }
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

static bool ep_may_match(bool is_ip, const char *host, const uint8_t addr[16], int prefix,
                         const net_request *q)
{
        if (!is_ip)
                return host && !q->host_is_ip && host_matches(host, q->host);
        ip_net n;
        memset(&n, 0, sizeof n);
        memcpy(n.addr, addr, 16);
        n.prefix = prefix;
        return q->has_addr && ip_net_contains(&n, q->addr);
}

/* One host (and resolved address) over every port and caller that can
 * matter for it: the port edges and `from` binaries of the rules (of the
 * policy or of the table) whose host or range matches it, and the
 * edges of the whole port range; any other port or caller is decided
 * as one of these. */
/* full_http: every method and URL path atom where a rule with http rules
 * may admit q; else connect and one plain request (GET /) per endpoint and
 * caller. */
static void px_host(px_ctx *x, px_atoms *at, net_request *q, bool full_http)
{
        int *ports = NULL, np = 0, capp = 0;
        strs bins = {0};
        strs_add(&bins, NULL);
        strs_add(&bins, "/osh-tv/other-binary");
        /* no rule matches: 443 and the ends of the range say everything */
        static const int fixed[3] = {1, 443, 65535};
        for (int i = 0; i < 3; i++)
                port_add(&ports, &np, &capp, fixed[i] + 1, fixed[i] - 1);
        bool any_from = false;
        for (int i = 0; i < x->p->nnet; i++) {
                const ir_net_rule *r = &x->p->net[i];
                if (r->op != NET_CONNECT || !ep_may_match(r->ep.kind == IR_HOST_IP, r->ep.host,
                                                          r->ep.addr, r->ep.prefix, q))
                        continue;
                port_add(&ports, &np, &capp, r->ep.port_lo, r->ep.port_hi);
                any_from |= r->nbinaries > 0;
                for (int j = 0; j < r->nbinaries; j++)
                        strs_add(&bins, r->binaries[j]);
        }
        const oshb_proxy *px = x->table.proxy;
        for (uint32_t i = 0; i < px->nrules; i++) {
                const oshb_proxy_rule *r = &px->rules[i];
                if (!ep_may_match(r->is_ip, r->host, r->addr, r->prefix, q))
                        continue;
                port_add(&ports, &np, &capp, r->port_lo, r->port_hi);
                any_from |= r->nbinaries > 0;
                for (uint32_t j = 0; j < r->nbinaries; j++)
                        strs_add(&bins, r->binaries[j]);
        }
        qsort(ports, (size_t)np, sizeof(int), cmp_int);
        for (int pi = 0; pi < np; pi++) {
                if (pi && ports[pi] == ports[pi - 1])
                        continue;
                q->port = (uint16_t)ports[pi];
                int nm = at->methods.n, nu = at->paths.n;
                if (!full_http || !l7_may_match(at, q))
                        nm = nu = 1; /* GET / */
                /* no matching rule names a binary: the caller cannot matter */
                for (int c = 0; c < (any_from ? bins.n : 1); c++) {
                        for (int under = 0; under < 2; under++) {
                                if (under && !bins.s[c])
                                        continue;
                                q->binary = under ? "/osh-tv/other-binary" : bins.s[c];
                                q->nancestors = under;
                                q->ancestors[0] = bins.s[c];
                                q->method = NULL;
                                q->path = NULL;
                                px_compare(x, false, q);
                                for (int m = 0; m < nm; m++)
                                        for (int u = 0; u < nu; u++) {
                                                q->method = at->methods.s[m];
                                                q->path = at->paths.s[u];
                                                px_compare(x, true, q);
                                        }
                        }
                }
        }
        free(ports);
        free(bins.s);
}

/* Every request over the atoms: names (unresolved, or resolved to an
 * ordinary, a loopback or a rule's edge address) and address literals,
 * each over every port edge and caller, connect and plain HTTP. */
static void validate_proxy(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        px_ctx x = {v, p, {&b->proxy, b->process.network, NULL}, false, false, 0};
        px_atoms at;
        memset(&at, 0, sizeof at);
        at.port = calloc(65536, 1);
        if (!at.port)
                abort();
        px_collect(v, p, b, &at);
        net_request q;
        /* names: unresolved, or resolved to a special or ordinary address
         * or into a rule's range (the ranges' edges are tried below, with
         * address literals and with a name no rule names) */
        for (int h = 0; h < at.hosts.n; h++) {
                bool other = !strcmp(at.hosts.s[h], "osh-tv-other.example");
                bool primary = false;
                for (int k = 0; k < at.primary.n && !primary; k++)
                        primary = !strcmp(at.primary.s[k], at.hosts.s[h]);
                int na = other     ? at.naddrs
                         : primary ? at.ninside
                                   : (at.ninside < NAMES_ADDRS ? at.ninside : NAMES_ADDRS);
                for (int a = -1; a < na; a++) {
                        memset(&q, 0, sizeof q);
                        q.host = at.hosts.s[h];
                        q.has_addr = a >= 0;
                        if (a >= 0)
                                memcpy(q.addr, other ? at.addrs[a] : at.inside[a], 16);
                        /* the address of a name decides which address rules
                         * match and whether it is refused as special: both
                         * act on the connection and every request alike, so
                         * past the first addresses one request per endpoint
                         * says it, unless an address rule has http rules */
                        px_host(&x, &at, &q, a < NAMES_ADDRS || at.ip_l7);
                }
        }
        for (int a = 0; a < at.naddrs; a++) {
                char ip[64];
                pm_format_ip(at.addrs[a], ip, sizeof ip);
                memset(&q, 0, sizeof q);
                q.host = arena_strdup(&v->c->arena, ip);
                q.host_is_ip = true;
                q.has_addr = true;
                memcpy(q.addr, at.addrs[a], 16);
                px_host(&x, &at, &q, true);
        }
        free(at.port);
        free(at.addrs);
        free(at.inside);
        free(at.l7);
        free(at.hosts.s);
        free(at.primary.s);
        free(at.bins.s);
        free(at.methods.s);
        free(at.paths.s);
}

void vf_validate_tables(vf *v, const ir_policy *p, const oshb_bundle *b)
{
        vf_family(v, "translation");
        validate_fs(v, p, b);
        validate_ports(v, p, b);
        validate_cgroup(v, p, b);
        validate_rlimits(v, p, b);
        validate_process(v, p, b);
        validate_proxy(v, p, b);
}
