/*
 * cgroup.c - the agent's cgroup leaf with the policy's limits, and its
 * rlimits (libc only).
 *
 * The bundle holds cgroup v2 keys (memory.max, memory.swap.max, pids.max,
 * cpu.max, io.weight) with exactly the values to write.  cgroup_setup makes
 * one leaf, "osh-<pid>-<random>", under the launcher's own cgroup (read
 * from /proc/self/cgroup: the delegation convention of every rootless
 * runtime) or under --cgroup-parent, and writes every key; a key that
 * cannot be applied is a refusal, never a silent downgrade (DESIGN §6).
 *
 * Hosts differ.  On a pure v2 host /sys/fs/cgroup is cgroup2 and every key
 * goes there.  On a hybrid host the unified hierarchy (/sys/fs/cgroup/
 * unified) may lack the memory, pids and cpu controllers, which live in
 * cgroup v1 hierarchies (/sys/fs/cgroup/memory, .../pids,
 * .../cpu,cpuacct).  Each key goes to v2 when its controller is in the
 * parent's cgroup.controllers (enabled in the parent's
 * cgroup.subtree_control if need be), else to the v1 hierarchy of its
 * controller with the v1 spelling (cgroup_v1_writes); io.weight has no v1
 * form.  cgroup v2's "no internal processes" rule means a parent holding
 * processes (osh-run's own cgroup often does) cannot hand controllers to
 * children; that refusal says so.
 *
 * cgroup_add moves a process into every leaf; cgroup_cleanup removes the
 * leaves once their processes have exited; rlimits_apply sets the
 * bundle's rlimits (RLIMIT_CORE 0 among them) in the agent before exec.
 */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_FS "/sys/fs/cgroup"

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

/* ---- /proc/self/cgroup ---- */

static int parse_line(const char *line, size_t len, rt_cgroup_self *out, char *err, size_t errlen)
{
        const char *c1 = memchr(line, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
        if (!c1 || !c2 || c1 == line || c2[1] != '/')
                return refuse(err, errlen,
                              "/proc/self/cgroup: line \"%.*s\" is not N:CONTROLLERS:/PATH",
                              (int)len, line);
        size_t nctl = (size_t)(c2 - c1 - 1), npath = len - (size_t)(c2 + 1 - line);
        if (npath >= sizeof out->v2 || nctl >= sizeof out->v1[0].controllers)
                return refuse(err, errlen, "/proc/self/cgroup: line \"%.*s\" is too long", (int)len,
                              line);
        if (nctl == 0) {
                out->has_v2 = true;
                memcpy(out->v2, c2 + 1, npath);
                out->v2[npath] = '\0';
                return 0;
        }
        if (out->nv1 == (int)(sizeof out->v1 / sizeof out->v1[0]))
                return refuse(err, errlen, "/proc/self/cgroup: more than %d v1 hierarchies",
                              out->nv1);
        memcpy(out->v1[out->nv1].controllers, c1 + 1, nctl);
        out->v1[out->nv1].controllers[nctl] = '\0';
        memcpy(out->v1[out->nv1].path, c2 + 1, npath);
        out->v1[out->nv1].path[npath] = '\0';
        out->nv1++;
        return 0;
}

int cgroup_parse_self(const char *text, rt_cgroup_self *out, char *err, size_t errlen)
{
        memset(out, 0, sizeof *out);
        while (*text) {
                size_t len = strcspn(text, "\n");
                if (len && parse_line(text, len, out, err, errlen) < 0)
                        return -1;
                text += len + (text[len] == '\n');
        }
        return 0;
}

/* Is `name` one of the comma-separated items of `list`? */
static bool list_has(const char *list, const char *name, char sep)
{
        size_t n = strlen(name);
        for (const char *p = list; *p;) {
                size_t len = strcspn(p, (char[]){sep, '\n', ' ', '\0'});
                if (len == n && !strncmp(p, name, n))
                        return true;
                p += len;
                while (*p == sep || *p == '\n' || *p == ' ')
                        p++;
        }
        return false;
}

const char *cgroup_self_v1(const rt_cgroup_self *s, const char *controller, const char **hierarchy)
{
        for (int i = 0; i < s->nv1; i++)
                if (list_has(s->v1[i].controllers, controller, ',')) {
                        if (hierarchy)
                                *hierarchy = s->v1[i].controllers;
                        return s->v1[i].path;
                }
        return NULL;
}

/* ---- keys ---- */

const char *cgroup_key_controller(const char *key)
{
        static const struct {
                const char *key, *controller;
        } keys[] = {
            {"memory.max", "memory"}, {"memory.swap.max", "memory"}, {"pids.max", "pids"},
            {"cpu.max", "cpu"},       {"io.weight", "io"},
        };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (!strcmp(keys[i].key, key))
                        return keys[i].controller;
        return NULL;
}

/* A v2 number or "max" as v1 writes it ("max" is -1); false when value
 * is neither. */
static bool v1_number(const char *value, char *out, size_t len, uint64_t *n)
{
        if (!strcmp(value, "max")) {
                snprintf(out, len, "-1");
                *n = UINT64_MAX;
                return true;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-')
                return false;
        snprintf(out, len, "%llu", v);
        *n = v;
        return true;
}

static int v1_swap(const char *value, const char *memory_max, rt_cg_write *out, char *err,
                   size_t errlen)
{
        char mem_s[64], swap_s[64];
        uint64_t mem, swap;
        if (!memory_max)
                return refuse(err, errlen,
                              "memory.swap.max=%s: cgroup v1 limits memory and swap together "
                              "(memory.memsw.limit_in_bytes) and needs a memory limit for that: "
                              "add `memory` to the policy's limits, or run on a host whose "
                              "memory controller is in cgroup v2",
                              value);
        if (!v1_number(memory_max, mem_s, sizeof mem_s, &mem) ||
            !v1_number(value, swap_s, sizeof swap_s, &swap))
                return refuse(err, errlen, "memory.swap.max=%s, memory.max=%s: not numbers", value,
                              memory_max);
        snprintf(out->file, sizeof out->file, "memory.memsw.limit_in_bytes");
        if (mem == UINT64_MAX || swap == UINT64_MAX || mem + swap < mem)
                snprintf(out->value, sizeof out->value, "-1");
        else
                snprintf(out->value, sizeof out->value, "%" PRIu64, mem + swap);
        return 1;
}

static int v1_cpu(const char *value, rt_cg_write out[2], char *err, size_t errlen)
{
        char quota[32], q_s[64], p_s[64];
        uint64_t q, p;
        if (sscanf(value, "%31s %63s", quota, p_s) != 2 || !v1_number(quota, q_s, sizeof q_s, &q) ||
            !v1_number(p_s, p_s, sizeof p_s, &p) || p == UINT64_MAX)
                return refuse(err, errlen, "cpu.max=\"%s\" is not \"QUOTA PERIOD\"", value);
        /* the period first: the quota is checked against it */
        snprintf(out[0].file, sizeof out[0].file, "cpu.cfs_period_us");
        snprintf(out[0].value, sizeof out[0].value, "%" PRIu64, p);
        snprintf(out[1].file, sizeof out[1].file, "cpu.cfs_quota_us");
        snprintf(out[1].value, sizeof out[1].value, "%s", q_s);
        return 2;
}

int cgroup_v1_writes(const char *key, const char *value, const char *memory_max, rt_cg_write out[2],
                     char *err, size_t errlen)
{
        uint64_t n;
        if (!strcmp(key, "memory.max") || !strcmp(key, "pids.max")) {
                snprintf(out[0].file, sizeof out[0].file, "%s",
                         key[0] == 'm' ? "memory.limit_in_bytes" : "pids.max");
                if (!v1_number(value, out[0].value, sizeof out[0].value, &n))
                        return refuse(err, errlen, "%s=%s: not a number", key, value);
                if (key[0] == 'p' && n == UINT64_MAX)
                        snprintf(out[0].value, sizeof out[0].value, "max");
                return 1;
        }
        if (!strcmp(key, "memory.swap.max"))
                return v1_swap(value, memory_max, &out[0], err, errlen);
        if (!strcmp(key, "cpu.max"))
                return v1_cpu(value, out, err, errlen);
        if (!strcmp(key, "io.weight"))
                return refuse(err, errlen,
                              "io.weight: the io controller is not in cgroup v2 here and cgroup "
                              "v1 has no equivalent osh-run writes: run on a host with the io "
                              "controller in cgroup v2, or drop `io weight` from the policy");
        return refuse(err, errlen, "cgroup key %s: unknown to this osh-run", key);
}

/* ---- files ---- */

static int read_small(const char *path, char *buf, size_t len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, len - 1);
        int e = errno;
        close(fd);
        if (n < 0) {
                errno = e;
                return -1;
        }
        buf[n] = '\0';
        return 0;
}

static int write_small(const char *path, const char *value)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, value, strlen(value));
        int e = errno;
        close(fd);
        errno = e;
        return n == (ssize_t)strlen(value) ? 0 : -1;
}

static bool fs_is(const char *path, long magic)
{
        struct statfs s;
        return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* ---- where the parents are ---- */

/* The unified hierarchy's mount, "" when there is none. */
static const char *v2_root(void)
{
        if (fs_is(CGROUP_FS, CGROUP2_SUPER_MAGIC))
                return CGROUP_FS;
        if (fs_is(CGROUP_FS "/unified", CGROUP2_SUPER_MAGIC))
                return CGROUP_FS "/unified";
        return "";
}

/* The mount of the v1 hierarchy named by its controller list, "" when
 * none is mounted. */
static void v1_root(const char *hierarchy, const char *controller, char *out, size_t len)
{
        snprintf(out, len, CGROUP_FS "/%s", hierarchy);
        if (fs_is(out, CGROUP_SUPER_MAGIC))
                return;
        snprintf(out, len, CGROUP_FS "/%s", controller);
        if (!fs_is(out, CGROUP_SUPER_MAGIC))
                out[0] = '\0';
}

/* --cgroup-parent as a path relative to each hierarchy's root ("" or
 * "/a/b"). */
static int override_relative(const char *arg, const char *v2root, char *out, size_t len, char *err,
                             size_t errlen)
{
        const char *rel = arg;
        size_t n2 = strlen(v2root), nfs = strlen(CGROUP_FS);
        if (n2 && !strncmp(arg, v2root, n2) && (arg[n2] == '/' || !arg[n2]))
                rel = arg + n2;
        else if (!strncmp(arg, CGROUP_FS "/", nfs + 1))
                rel = arg + nfs + 1 + strcspn(arg + nfs + 1, "/");
        if (strstr(rel, "/../") || !strncmp(rel, "../", 3) || !strcmp(rel, "..") ||
            (strlen(rel) >= 3 && !strcmp(rel + strlen(rel) - 3, "/..")))
                return refuse(err, errlen, "--cgroup-parent %s: \"..\" is not allowed", arg);
        while (*rel == '/')
                rel++;
        int w = snprintf(out, len, "%s%s", *rel ? "/" : "", rel);
        if (w < 0 || (size_t)w >= len)
                return refuse(err, errlen, "--cgroup-parent %s: too long", arg);
        while (w > 1 && out[w - 1] == '/')
                out[--w] = '\0';
        return 0;
}

/* ---- one launch's plan ---- */

typedef struct setup {
        rt_cgroup_self self;
        const char *v2root;
        const char *override; /* --cgroup-parent as given, or NULL */
        char rel[4096];       /* --cgroup-parent relative to each root */
        char leaf[64];        /* "osh-<pid>-<random>" */
        char v2_parent[4096]; /* "" when the unified hierarchy is not used */
        char v2_avail[1024];  /* the v2 parent's cgroup.controllers */
        bool on_v2[OSHB_MAX_CGROUP];
} setup;

/* root + rel ("/" counts as ""); false when it does not fit. */
static bool join_path(char *out, size_t len, const char *root, const char *rel)
{
        int n = snprintf(out, len, "%s%s", root, strcmp(rel, "/") ? rel : "");
        return n >= 0 && (size_t)n < len;
}

static int load_self(setup *s, char *err, size_t errlen)
{
        char text[16384];
        if (read_small("/proc/self/cgroup", text, sizeof text) < 0)
                return refuse(err, errlen,
                              "cannot read /proc/self/cgroup (%s): osh-run needs /proc mounted "
                              "to find its own cgroup",
                              strerror(errno));
        return cgroup_parse_self(text, &s->self, err, errlen);
}

static void pick_leaf_name(setup *s)
{
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
                r = (uint32_t)time(NULL) ^ (uint32_t)clock();
        snprintf(s->leaf, sizeof s->leaf, "osh-%d-%08x", (int)getpid(), r);
}

static int find_v2_parent(setup *s, char *err, size_t errlen)
{
        s->v2root = v2_root();
        if (!*s->v2root || (!s->override && !s->self.has_v2))
                return 0;
        if (!join_path(s->v2_parent, sizeof s->v2_parent, s->v2root,
                       s->override ? s->rel : s->self.v2))
                return refuse(err, errlen, "cgroup path %s%s is too long", s->v2root,
                              s->override ? s->rel : s->self.v2);
        char path[4200];
        snprintf(path, sizeof path, "%s/cgroup.controllers", s->v2_parent);
        if (read_small(path, s->v2_avail, sizeof s->v2_avail) < 0) {
                /* on a hybrid host the override may exist in the v1
                 * hierarchies only */
                if (s->override && s->self.nv1 == 0)
                        return refuse(err, errlen,
                                      "--cgroup-parent %s: cannot read %s (%s): give an existing "
                                      "cgroup",
                                      s->override, path, strerror(errno));
                s->v2_avail[0] = '\0';
                if (s->override)
                        s->v2_parent[0] = '\0';
        }
        s->v2_avail[strcspn(s->v2_avail, "\n")] = '\0';
        return 0;
}

/* Decide, for every key, v2 or v1; refuse a key no hierarchy can take. */
static int plan_keys(const oshb_bundle *b, setup *s, char *err, size_t errlen)
{
        for (uint32_t i = 0; i < b->ncgroup; i++) {
                const char *key = b->cgroup[i].key, *ctl = cgroup_key_controller(key);
                if (!ctl)
                        return refuse(err, errlen,
                                      "the bundle sets cgroup key %s, which this osh-run does "
                                      "not know: use the osh-run of the oshc that compiled it",
                                      key);
                s->on_v2[i] = *s->v2_parent && list_has(s->v2_avail, ctl, ' ');
                if (s->on_v2[i] || (strcmp(ctl, "io") && cgroup_self_v1(&s->self, ctl, NULL)))
                        continue;
                if (!strcmp(ctl, "io"))
                        return refuse(err, errlen,
                                      "the policy sets `io weight` (io.weight), which needs cgroup "
                                      "v2's io controller, and %s%s does not offer it "
                                      "(cgroup.controllers: %s); cgroup v1 has no equivalent: run "
                                      "on a host with the io controller in cgroup v2, or drop `io "
                                      "weight` from the policy",
                                      *s->v2_parent ? "the cgroup " : "this host has no cgroup v2",
                                      s->v2_parent, s->v2_avail[0] ? s->v2_avail : "none");
                return refuse(err, errlen,
                              "the policy's limit %s needs the %s controller, which is neither "
                              "in cgroup v2 at %s (cgroup.controllers: %.200s) nor mounted as "
                              "cgroup v1: as root, enable it in the parent's "
                              "cgroup.subtree_control (or delegate it with systemd's "
                              "Delegate=yes), or drop the limit",
                              key, ctl, *s->v2_parent ? s->v2_parent : "(none)",
                              s->v2_avail[0] ? s->v2_avail : "none");
        }
        return 0;
}

static const char *user_name(char *buf, size_t len)
{
        if (ids_name("/etc/passwd", (unsigned)getuid(), buf, len))
                return buf;
        snprintf(buf, len, "%u", (unsigned)getuid());
        return buf;
}

/* The refusal for a parent osh-run may not write to: how to delegate one.
 * cgroup v2 moves a process only with write access to the common ancestor
 * of both cgroups, so there osh-run itself must run inside the delegated
 * cgroup (what systemd's Delegate=yes gives); v1 needs only the leaf. */
static int refuse_undelegated(const char *parent, const char *what, int e, bool v2,
                              const char *root, char *err, size_t errlen)
{
        char ubuf[32];
        const char *u = user_name(ubuf, sizeof ubuf);
        if (v2)
                return refuse(err, errlen,
                              "the policy sets cgroup limits but osh-run may not write to the "
                              "cgroup %s (%s: %s): run it in a cgroup delegated to this user, "
                              "`systemd-run --user --scope -p Delegate=yes osh-run ...`, or have "
                              "an administrator create one (`mkdir %s/osh-%s && chown -R %s "
                              "%s/osh-%s`), start osh-run from a process inside it, and pass "
                              "--cgroup-parent %s/osh-%s",
                              parent, what, strerror(e), root, u, u, root, u, root, u);
        return refuse(err, errlen,
                      "the policy sets cgroup limits but osh-run may not write to the cgroup v1 "
                      "directory %s (%s: %s): have an administrator delegate one in each cgroup "
                      "v1 hierarchy the limits use (`mkdir %s/osh-%s && chown -R %s %s/osh-%s`, "
                      "likewise under the pids and cpu hierarchies) and pass --cgroup-parent "
                      "osh-%s",
                      parent, what, strerror(e), root, u, u, root, u, u);
}

static int make_leaf(const char *root, const char *parent, const char *leaf, char *out, size_t len,
                     bool v2, char *err, size_t errlen)
{
        int n = snprintf(out, len, "%s/%s", parent, leaf);
        if (n < 0 || (size_t)n >= len) {
                out[0] = '\0';
                return refuse(err, errlen, "cgroup path %s/%s is too long", parent, leaf);
        }
        if (mkdir(out, 0755) == 0)
                return 0;
        int e = errno;
        out[0] = '\0';
        if (e == EACCES || e == EPERM || e == EROFS)
                return refuse_undelegated(parent, "mkdir", e, v2, root, err, errlen);
        return refuse(err, errlen,
                      "cannot create the cgroup leaf %s/%s: mkdir failed (%s): check that %s is "
                      "a cgroup directory, or choose another with --cgroup-parent",
                      parent, leaf, strerror(e), parent);
}

static int write_key(const char *leaf, const char *file, const char *value, char *err,
                     size_t errlen)
{
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", leaf, file);
        if (write_small(path, value) == 0)
                return 0;
        int e = errno;
        if (e == ENOENT && !strcmp(file, "memory.memsw.limit_in_bytes"))
                return refuse(err, errlen,
                              "cannot limit swap: %s does not exist (this kernel does not account "
                              "swap in cgroup v1): boot with swapaccount=1, or drop `swap` from "
                              "the policy's limits",
                              path);
        return refuse(err, errlen,
                      "cannot apply the limit: writing \"%s\" to %s failed (%s): check the value "
                      "is one the kernel accepts (and that the file exists on this kernel)",
                      value, path, strerror(e));
}

/* Give every controller of a v2 key to the parent's children. */
static int enable_v2(const oshb_bundle *b, const setup *s, char *err, size_t errlen)
{
        char path[4200], cur[1024] = "";
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", s->v2_parent);
        if (read_small(path, cur, sizeof cur) < 0)
                cur[0] = '\0';
        for (uint32_t i = 0; i < b->ncgroup; i++) {
                const char *ctl = cgroup_key_controller(b->cgroup[i].key);
                char cmd[32];
                if (!s->on_v2[i] || list_has(cur, ctl, ' '))
                        continue;
                snprintf(cmd, sizeof cmd, "+%s", ctl);
                if (write_small(path, cmd) == 0)
                        continue;
                int e = errno;
                if (e == EACCES || e == EPERM)
                        return refuse_undelegated(s->v2_parent, "writing cgroup.subtree_control", e,
                                                  true, s->v2root, err, errlen);
                if (e == EBUSY)
                        return refuse(err, errlen,
                                      "cannot give the %s controller to the agent's cgroup: "
                                      "writing \"%s\" to %s failed (EBUSY): cgroup v2's \"no "
                                      "internal processes\" rule lets a cgroup hand controllers "
                                      "to children only while no process is in it, and %s holds "
                                      "processes (osh-run's own): move the launching shell into "
                                      "a child first (`mkdir %s/launcher && echo $$ > "
                                      "%s/launcher/cgroup.procs`) and pass --cgroup-parent %s",
                                      ctl, cmd, path, s->v2_parent, s->v2_parent, s->v2_parent,
                                      s->v2_parent);
                return refuse(err, errlen,
                              "cannot give the %s controller to the agent's cgroup: writing "
                              "\"%s\" to %s failed (%s): enable it there as root",
                              ctl, cmd, path, strerror(e));
        }
        return 0;
}

static const char *memory_max(const oshb_bundle *b)
{
        for (uint32_t i = 0; i < b->ncgroup; i++)
                if (!strcmp(b->cgroup[i].key, "memory.max"))
                        return b->cgroup[i].value;
        return NULL;
}

static int apply_v2(const oshb_bundle *b, const setup *s, rt_cgroup *cg, char *err, size_t errlen)
{
        bool any = false;
        for (uint32_t i = 0; i < b->ncgroup; i++)
                any |= s->on_v2[i];
        if (!any)
                return 0;
        if (enable_v2(b, s, err, errlen) < 0)
                return -1;
        if (make_leaf(s->v2root, s->v2_parent, s->leaf, cg->v2_path, sizeof cg->v2_path, true, err,
                      errlen) < 0)
                return -1;
        cg->created = true;
        for (uint32_t i = 0; i < b->ncgroup; i++)
                if (s->on_v2[i] &&
                    write_key(cg->v2_path, b->cgroup[i].key, b->cgroup[i].value, err, errlen) < 0)
                        return -1;
        return 0;
}

/* The v1 leaf of one controller, created on first use (controllers
 * mounted together share it). */
static const char *v1_leaf(const setup *s, const char *ctl, rt_cgroup *cg, char *err, size_t errlen)
{
        const char *hier = NULL, *own = cgroup_self_v1(&s->self, ctl, &hier);
        char root[4096], parent[4096], leaf[4200];
        v1_root(hier, ctl, root, sizeof root);
        if (!*root) {
                refuse(err, errlen,
                       "the %s controller is listed in /proc/self/cgroup (hierarchy %s) but not "
                       "mounted at " CGROUP_FS "/%s: mount it there, or run on a cgroup v2 host",
                       ctl, hier, hier);
                return NULL;
        }
        if (!join_path(parent, sizeof parent, root, s->override ? s->rel : own)) {
                refuse(err, errlen, "cgroup path %s%s is too long", root,
                       s->override ? s->rel : own);
                return NULL;
        }
        if (snprintf(leaf, sizeof leaf, "%s/%s", parent, s->leaf) < 0)
                return NULL;
        for (int i = 0; i < cg->nv1; i++)
                if (!strcmp(cg->v1_paths[i], leaf))
                        return cg->v1_paths[i];
        char *out = cg->v1_paths[cg->nv1];
        if (make_leaf(root, parent, s->leaf, out, sizeof cg->v1_paths[0], false, err, errlen) < 0)
                return NULL;
        cg->nv1++;
        cg->created = true;
        return out;
}

static int apply_v1(const oshb_bundle *b, const setup *s, rt_cgroup *cg, char *err, size_t errlen)
{
        static const char *const ctls[3] = {"memory", "pids", "cpu"};
        for (int c = 0; c < 3; c++) {
                const char *leaf = NULL;
                for (uint32_t i = 0; i < b->ncgroup; i++) {
                        const oshb_kv *kv = &b->cgroup[i];
                        if (s->on_v2[i] || strcmp(cgroup_key_controller(kv->key), ctls[c]))
                                continue;
                        if (!leaf && !(leaf = v1_leaf(s, ctls[c], cg, err, errlen)))
                                return -1;
                        rt_cg_write w[2];
                        int n = cgroup_v1_writes(kv->key, kv->value, memory_max(b), w, err, errlen);
                        for (int j = 0; j < n; j++)
                                if (write_key(leaf, w[j].file, w[j].value, err, errlen) < 0)
                                        return -1;
                        if (n < 0)
                                return -1;
                }
        }
        return 0;
}

int cgroup_setup(const oshb_bundle *b, const char *parent_override, rt_cgroup *cg, char *err,
                 size_t errlen)
{
        memset(cg, 0, sizeof *cg);
        if (b->ncgroup == 0)
                return 0;
        if (b->ncgroup > OSHB_MAX_CGROUP)
                return refuse(err, errlen, "the bundle has %u cgroup keys, over the limit %d",
                              b->ncgroup, OSHB_MAX_CGROUP);
        setup *s = calloc(1, sizeof *s);
        if (!s)
                return refuse(err, errlen, "cgroup setup: out of memory");
        s->override = parent_override;
        int rc = load_self(s, err, errlen);
        if (rc == 0 && parent_override)
                rc = override_relative(parent_override, v2_root(), s->rel, sizeof s->rel, err,
                                       errlen);
        pick_leaf_name(s);
        if (rc == 0)
                rc = find_v2_parent(s, err, errlen);
        if (rc == 0)
                rc = plan_keys(b, s, err, errlen);
        if (rc == 0)
                rc = apply_v2(b, s, cg, err, errlen);
        if (rc == 0)
                rc = apply_v1(b, s, cg, err, errlen);
        free(s);
        if (rc < 0)
                cgroup_cleanup(cg);
        return rc;
}

/* ---- processes ---- */

static int add_to(const char *leaf, pid_t pid, bool v1, char *err, size_t errlen)
{
        char path[4200], num[32];
        snprintf(num, sizeof num, "%d", (int)pid);
        snprintf(path, sizeof path, "%s/cgroup.procs", leaf);
        if (write_small(path, num) == 0)
                return 0;
        int e = errno;
        if (v1 && e == ENOENT) {
                snprintf(path, sizeof path, "%s/tasks", leaf);
                if (write_small(path, num) == 0)
                        return 0;
                e = errno;
        }
        return refuse(err, errlen,
                      "cannot move process %d into its cgroup: writing %s failed (%s): on cgroup "
                      "v2 osh-run needs write access to the cgroup that holds both itself and the "
                      "leaf; run it inside a delegated cgroup",
                      (int)pid, path, strerror(e));
}

int cgroup_add(rt_cgroup *cg, pid_t pid, char *err, size_t errlen)
{
        if (cg->v2_path[0] && add_to(cg->v2_path, pid, false, err, errlen) < 0)
                return -1;
        for (int i = 0; i < cg->nv1; i++)
                if (add_to(cg->v1_paths[i], pid, true, err, errlen) < 0)
                        return -1;
        return 0;
}

/* rmdir, retrying for up to a second while the last processes drain. */
static void remove_leaf(char *path)
{
        if (!path[0])
                return;
        struct timespec ms10 = {0, 10 * 1000 * 1000};
        int tries = 0;
        while (rmdir(path) < 0 && errno != ENOENT) {
                if (errno != EBUSY || ++tries == 100) {
                        fprintf(stderr,
                                "osh-run: warning: could not remove the cgroup %s (%s): remove "
                                "it with rmdir once its processes have exited\n",
                                path, strerror(errno));
                        break;
                }
                nanosleep(&ms10, NULL);
        }
        path[0] = '\0';
}

void cgroup_cleanup(rt_cgroup *cg)
{
        remove_leaf(cg->v2_path);
        for (int i = 0; i < cg->nv1; i++)
                remove_leaf(cg->v1_paths[i]);
        cg->nv1 = 0;
        cg->created = false;
}

/* ---- rlimits ---- */

static const char *rlimit_label(uint32_t r)
{
        switch (r) {
        case RLIMIT_CPU:
                return "RLIMIT_CPU (cputime)";
        case RLIMIT_FSIZE:
                return "RLIMIT_FSIZE (filesize)";
        case RLIMIT_CORE:
                return "RLIMIT_CORE";
        case RLIMIT_NOFILE:
                return "RLIMIT_NOFILE (files)";
        default:
                return "an unknown rlimit";
        }
}

int rlimits_apply(const oshb_bundle *b, char *err, size_t errlen)
{
        for (uint32_t i = 0; i < b->nrlimits; i++) {
                const oshb_rlimit *r = &b->rlimits[i];
                struct rlimit rl = {(rlim_t)r->soft, (rlim_t)r->hard}, cur = {0, 0};
                if (setrlimit((int)r->resource, &rl) == 0)
                        continue;
                int e = errno;
                getrlimit((int)r->resource, &cur);
                return refuse(err, errlen,
                              "setrlimit(%s, soft %" PRIu64 ", hard %" PRIu64 ") failed (%s): "
                              "the launcher's hard limit is %llu and only root may raise it: "
                              "raise it before osh-run (ulimit -H, limits.conf) or lower the "
                              "policy's limit",
                              rlimit_label(r->resource), r->soft, r->hard, strerror(e),
                              (unsigned long long)cur.rlim_max);
        }
        return 0;
}
