/*
 * landlock_apply.c - build the bundle's Landlock ruleset and enforce it on
 * the agent, after no_new_privs and before seccomp.
 *
 * The bundle's handled rights are those of the highest ABI the compiler
 * knows; preflight has already refused a kernel below the bundle's minimum
 * ABI (unless the policy is best-effort), so here every right the kernel's
 * ABI lacks is dropped from handled_fs, handled_net and scoped, and from
 * every rule.  Dropping a handled right can only widen what is allowed,
 * which is why preflight decides whether that is acceptable, not this file.
 *
 * Paths: parameters are expanded with their launch values; each path is
 * opened O_PATH.  A path that does not exist grants nothing and is
 * skipped (a Landlock rule needs an inode); a note is printed for a
 * parameter path, since its value came from the user.  On a path that is
 * not a directory only OSH_LANDLOCK_FS_FILE_RIGHTS are kept, as the kernel
 * refuses directory rights there.
 */
#include "sandbox.h"

#include "../backends/landlock_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <unistd.h>

static size_t ruleset_attr_size(int abi)
{
        if (abi < 4)
                return 8; /* handled_access_fs */
        if (abi < 6)
                return 16; /* + handled_access_net */
        return sizeof(osh_ll_ruleset_attr);
}

/* 1 when `outside` and the path is on a procfs (left to the agent), 0
 * when done (or nothing to do), -1 with the message. */
static int add_path_rule(int ruleset, const char *path, uint64_t access, uint64_t handled,
                         bool note, bool outside, char *err, size_t errlen)
{
        int fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR) {
                        if (note)
                                fprintf(stderr,
                                        "osh-run: note: %s does not exist; its rule "
                                        "grants nothing\n",
                                        path);
                        return 0;
                }
                snprintf(err, errlen, "landlock: open %s: %s", path, strerror(errno));
                return -1;
        }
        struct statfs sfs;
        if (outside && (fstatfs(fd, &sfs) < 0 || sfs.f_type == PROC_SUPER_MAGIC)) {
                close(fd);
                return 1;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                snprintf(err, errlen, "landlock: stat %s: %s", path, strerror(errno));
                close(fd);
                return -1;
        }
        access &= handled;
        if (!S_ISDIR(st.st_mode))
                access &= OSH_LANDLOCK_FS_FILE_RIGHTS;
        int r = 0;
        if (access) {
                osh_ll_path_beneath_attr pb = {.allowed_access = access, .parent_fd = fd};
                if (syscall(__NR_landlock_add_rule, ruleset, OSH_LANDLOCK_RULE_PATH_BENEATH, &pb,
                            0) < 0) {
                        snprintf(err, errlen, "landlock_add_rule(%s, 0x%llx): %s", path,
                                 (unsigned long long)access, strerror(errno));
                        r = -1;
                }
        }
        close(fd);
        return r;
}

static int add_port_rules(int ruleset, const oshb_landlock *ll, uint64_t handled, char *err,
                          size_t errlen)
{
        for (uint32_t i = 0; i < ll->nports; i++) {
                osh_ll_net_port_attr np = {.allowed_access = ll->ports[i].access & handled,
                                           .port = ll->ports[i].port};
                if (!np.allowed_access)
                        continue;
                if (syscall(__NR_landlock_add_rule, ruleset, OSH_LANDLOCK_RULE_NET_PORT, &np, 0) <
                    0) {
                        snprintf(err, errlen, "landlock_add_rule(port %llu): %s",
                                 (unsigned long long)np.port, strerror(errno));
                        return -1;
                }
        }
        return 0;
}

static osh_ll_ruleset_attr ruleset_attr(const oshb_landlock *ll, int kernel_abi)
{
        osh_ll_abi_rights abi = landlock_rights_for_abi(kernel_abi);
        return (osh_ll_ruleset_attr){.handled_access_fs = ll->handled_fs & abi.fs,
                                     .handled_access_net = ll->handled_net & abi.net,
                                     .scoped = ll->scoped & abi.scoped};
}

/* Add the path rules: every one (left == NULL, outside false), or those
 * whose index `left` lists ("3,17,"; outside false, in the agent), or,
 * outside, every one not on a procfs, whose indexes go to `left` instead. */
static int add_paths(int rs, const oshb_bundle *b, const rt_params *p, uint64_t handled,
                     bool outside, char *left, size_t leftlen, char *err, size_t errlen)
{
        char buf[4096];
        const oshb_landlock *ll = &b->landlock;
        const char *next = left;
        size_t used = 0;
        for (uint32_t i = 0; i < ll->npaths; i++) {
                if (!outside && left) { /* only the listed ones */
                        char *end = NULL;
                        unsigned long k = next && *next ? strtoul(next, &end, 10) : ~0UL;
                        if (k != i)
                                continue;
                        next = *end == ',' ? end + 1 : end;
                }
                const oshb_ll_path *r = &ll->paths[i];
                const char *path = params_expand(p, r->param, r->path, buf, sizeof buf);
                if (!path) {
                        snprintf(err, errlen, "landlock: cannot expand $%s%s", r->param, r->path);
                        return -1;
                }
                int rc = add_path_rule(rs, path, r->access, handled, r->param != NULL, outside, err,
                                       errlen);
                if (rc < 0)
                        return -1;
                if (rc > 0) {
                        int n = snprintf(left + used, leftlen - used, "%u,", i);
                        if (n < 0 || (size_t)n >= leftlen - used) {
                                snprintf(err, errlen, "landlock: too many paths on procfs");
                                return -1;
                        }
                        used += (size_t)n;
                }
        }
        return 0;
}

static int create_ruleset(const osh_ll_ruleset_attr *attr, int kernel_abi, char *err, size_t errlen)
{
        int rs = (int)syscall(__NR_landlock_create_ruleset, attr, ruleset_attr_size(kernel_abi), 0);
        if (rs < 0)
                snprintf(err, errlen, "landlock_create_ruleset (ABI %d): %s", kernel_abi,
                         strerror(errno));
        return rs;
}

static int restrict_self(int rs, char *err, size_t errlen)
{
        if (syscall(__NR_landlock_restrict_self, rs, 0) < 0) {
                snprintf(err, errlen, "landlock_restrict_self: %s", strerror(errno));
                return -1;
        }
        return 0;
}

/* A ruleset with the port rules and the path rules add_paths picks, or
 * -1 with the message. */
static int build(const oshb_bundle *b, const rt_params *p, int kernel_abi, bool outside, char *left,
                 size_t leftlen, char *err, size_t errlen)
{
        const oshb_landlock *ll = &b->landlock;
        osh_ll_ruleset_attr attr = ruleset_attr(ll, kernel_abi);
        int rs = create_ruleset(&attr, kernel_abi, err, errlen);
        if (rs < 0)
                return -1;
        if (add_paths(rs, b, p, attr.handled_access_fs, outside, left, leftlen, err, errlen) < 0 ||
            (attr.handled_access_net &&
             add_port_rules(rs, ll, attr.handled_access_net, err, errlen) < 0)) {
                close(rs);
                return -1;
        }
        return rs;
}

int landlock_prepare(const oshb_bundle *b, const rt_params *p, int kernel_abi, int *rs_out,
                     char *left, size_t leftlen, char *err, size_t errlen)
{
        *rs_out = -1;
        left[0] = '\0';
        if (kernel_abi <= 0)
                return 0; /* best-effort without Landlock: preflight said so */
        *rs_out = build(b, p, kernel_abi, true, left, leftlen, err, errlen);
        return *rs_out < 0 ? -1 : 0;
}

int landlock_finish(const oshb_bundle *b, const rt_params *p, int kernel_abi, int rs,
                    const char *left, char *err, size_t errlen)
{
        osh_ll_ruleset_attr attr = ruleset_attr(&b->landlock, kernel_abi);
        int rc = add_paths(rs, b, p, attr.handled_access_fs, false, (char *)left, 0, err, errlen);
        if (!rc)
                rc = restrict_self(rs, err, errlen);
        close(rs);
        return rc;
}

int landlock_apply(const oshb_bundle *b, const rt_params *p, int kernel_abi, char *err,
                   size_t errlen)
{
        if (kernel_abi <= 0)
                return 0; /* best-effort without Landlock: preflight said so */
        int rs = build(b, p, kernel_abi, false, NULL, 0, err, errlen);
        if (rs < 0)
                return -1;
        int rc = restrict_self(rs, err, errlen);
        close(rs);
        return rc;
}
