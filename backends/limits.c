/*
 * limits.c - cgroup v2 keys, rlimits and process settings of one policy.
 *
 * The limits section becomes exactly the strings osh-run writes into the
 * agent's cgroup leaf and the rlimits it sets before exec:
 *   memory    memory.max       bytes
 *   swap      memory.swap.max  bytes
 *   pids      pids.max         count
 *   cpu       cpu.max          "QUOTA PERIOD": period 100000 µs, quota =
 *                              millicores * 100 (1.5 cores: "150000 100000");
 *                              below 10 millicores the kernel's 1 ms minimum
 *                              quota needs the 1 s period instead
 *   io weight io.weight        "default N"
 *   files     RLIMIT_NOFILE    soft = hard
 *   cputime   RLIMIT_CPU       seconds, rounded up; soft = hard
 *   filesize  RLIMIT_FSIZE     bytes; soft = hard
 * and RLIMIT_CORE 0 always: a core dump would write the agent's memory
 * (prompts, tokens, keys it was handed) to disk outside the policy's view.
 * walltime and the process section go to the PROCESS section; capability
 * names become numbers (capability_number, lang/typecheck.c).
 */
#include "backends.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ---- cgroup v2 ---- */

enum { CPU_PERIOD_US = 100000, CPU_LONG_PERIOD_US = 1000000, CPU_MIN_QUOTA_US = 1000 };

/* cpu.max for a share of `millicores` thousandths of a core. */
static char *cpu_max(arena *a, uint64_t millicores)
{
        uint64_t period = CPU_PERIOD_US, quota = millicores * (CPU_PERIOD_US / 1000);
        if (quota < CPU_MIN_QUOTA_US) {
                period = CPU_LONG_PERIOD_US;
                quota = millicores * (CPU_LONG_PERIOD_US / 1000);
        }
        return arena_printf(a, "%llu %llu", (unsigned long long)quota, (unsigned long long)period);
}

static void add_key(oshb_bundle *b, arena *a, const char *key, char *value)
{
        b->cgroup[b->ncgroup].key = arena_strdup(a, key);
        b->cgroup[b->ncgroup].value = value;
        b->ncgroup++;
}

static char *decimal(arena *a, uint64_t v)
{
        return arena_printf(a, "%llu", (unsigned long long)v);
}

static void cgroup_keys(osh_ctx *c, const ir_limits *l, oshb_bundle *b)
{
        arena *a = &c->arena;
        b->cgroup = arena_alloc(a, sizeof(*b->cgroup) * 5);
        if (l->set[LIM_MEMORY])
                add_key(b, a, "memory.max", decimal(a, l->value[LIM_MEMORY]));
        if (l->set[LIM_SWAP])
                add_key(b, a, "memory.swap.max", decimal(a, l->value[LIM_SWAP]));
        if (l->set[LIM_PIDS])
                add_key(b, a, "pids.max", decimal(a, l->value[LIM_PIDS]));
        if (l->set[LIM_CPU])
                add_key(b, a, "cpu.max", cpu_max(a, l->value[LIM_CPU]));
        if (l->set[LIM_IO_WEIGHT])
                add_key(
                    b, a, "io.weight",
                    arena_printf(a, "default %llu", (unsigned long long)l->value[LIM_IO_WEIGHT]));
}

/* ---- rlimits ---- */

static void add_rlimit(oshb_bundle *b, uint32_t resource, uint64_t value)
{
        b->rlimits[b->nrlimits++] = (oshb_rlimit){resource, value, value};
}

/* In increasing resource order, so the table is deterministic. */
static void rlimits(osh_ctx *c, const ir_limits *l, oshb_bundle *b)
{
        b->rlimits = arena_alloc(&c->arena, sizeof(*b->rlimits) * 4);
        if (l->set[LIM_CPUTIME])
                add_rlimit(b, RLIMIT_CPU, (l->value[LIM_CPUTIME] + 999) / 1000);
        if (l->set[LIM_FILESIZE])
                add_rlimit(b, RLIMIT_FSIZE, l->value[LIM_FILESIZE]);
        add_rlimit(b, RLIMIT_CORE, 0);
        if (l->set[LIM_FILES])
                add_rlimit(b, RLIMIT_NOFILE, l->value[LIM_FILES]);
}

const char *rlimit_name(uint32_t resource)
{
        switch (resource) {
        case RLIMIT_CPU:
                return "RLIMIT_CPU";
        case RLIMIT_FSIZE:
                return "RLIMIT_FSIZE";
        case RLIMIT_CORE:
                return "RLIMIT_CORE";
        case RLIMIT_NOFILE:
                return "RLIMIT_NOFILE";
        default:
                return "RLIMIT_?";
        }
}

/* ---- process settings ---- */

static char *dup_or_null(arena *a, const char *s)
{
        return s ? arena_strdup(a, s) : NULL;
}

static bool process_caps(osh_ctx *c, const ir_policy *p, oshb_process *pr)
{
        const ir_process *ip = &p->process;
        pr->caps_set = ip->caps_set;
        pr->caps = arena_alloc(&c->arena, sizeof(*pr->caps) * ((size_t)ip->ncaps + 1));
        for (int i = 0; i < ip->ncaps; i++) {
                int n = capability_number(ip->caps[i]);
                if (n < 0) {
                        osh_error(c, "unknown-capability", ip->caps_where,
                                  "capability '%s' has no number this compiler knows; write it "
                                  "as the kernel names it (CAP_NET_BIND_SERVICE)",
                                  ip->caps[i]);
                        return false;
                }
                pr->caps[pr->ncaps++] = (uint32_t)n;
        }
        return true;
}

static void process_env(osh_ctx *c, const ir_process *ip, oshb_process *pr)
{
        arena *a = &c->arena;
        pr->env_keep = arena_alloc(a, sizeof(char *) * ((size_t)ip->nenv_keep + 1));
        for (int i = 0; i < ip->nenv_keep; i++)
                pr->env_keep[pr->nenv_keep++] = arena_strdup(a, ip->env_keep[i]);
        pr->env_set = arena_alloc(a, sizeof(oshb_kv) * ((size_t)ip->nenv_set + 1));
        for (int i = 0; i < ip->nenv_set; i++) {
                pr->env_set[i].key = arena_strdup(a, ip->env_set[i].name);
                pr->env_set[i].value = arena_strdup(a, ip->env_set[i].value);
                pr->nenv_set++;
        }
}

/* A cpu share that rounds to no time at all would be refused by the
 * kernel at launch; say so now. */
static bool cpu_share_valid(osh_ctx *c, const ir_limits *l)
{
        if (!l->set[LIM_CPU] || l->value[LIM_CPU] > 0)
                return true;
        osh_error(c, "cpu-too-small", l->where[LIM_CPU],
                  "this cpu limit is less than one thousandth of a core, which cgroups cannot "
                  "enforce; give at least 0.001 (0.1%%)");
        return false;
}

bool backend_limits(osh_ctx *c, const ir_policy *p, oshb_bundle *b)
{
        if (!cpu_share_valid(c, &p->limits))
                return false;
        b->ncgroup = b->nrlimits = 0;
        cgroup_keys(c, &p->limits, b);
        rlimits(c, &p->limits, b);
        oshb_process *pr = &b->process;
        memset(pr, 0, sizeof(*pr));
        pr->user = dup_or_null(&c->arena, p->process.user);
        pr->group = dup_or_null(&c->arena, p->process.group);
        pr->hostname = dup_or_null(&c->arena, p->process.hostname);
        pr->walltime_ms = p->limits.set[LIM_WALLTIME] ? p->limits.value[LIM_WALLTIME] : 0;
        pr->network = p->has_net;
        process_env(c, &p->process, pr);
        return process_caps(c, p, pr);
}

/* ---- `oshc compile --emit cgroup` ---- */

void emit_cgroup(FILE *out, const oshb_bundle *b)
{
        fprintf(out, "# cgroup v2 keys and rlimits of policy %s\n",
                b->meta.policy ? b->meta.policy : "?");
        for (uint32_t i = 0; i < b->ncgroup; i++)
                fprintf(out, "%s %s\n", b->cgroup[i].key, b->cgroup[i].value);
        for (uint32_t i = 0; i < b->nrlimits; i++)
                fprintf(out, "rlimit %s %llu %llu\n", rlimit_name(b->rlimits[i].resource),
                        (unsigned long long)b->rlimits[i].soft,
                        (unsigned long long)b->rlimits[i].hard);
        if (b->process.walltime_ms)
                fprintf(out, "walltime %llu ms\n", (unsigned long long)b->process.walltime_ms);
        else
                fputs("walltime none\n", out);
}
