/*
 * oci_seccomp.c - `oshc compile --emit oci-seccomp`: the policy's syscall
 * rules as the seccomp profile of the OCI runtime spec, which Docker
 * (--security-opt seccomp=FILE), Podman and Kubernetes (localhost
 * profiles) load.
 *
 * The entries come from the same exact regions as the BPF programs
 * (seccomp_regions.c): for each action other than the default, most
 * restrictive first, one entry with every syscall that gets the action
 * whatever its arguments, then one entry per region cube of the others,
 * each argument test an SCMP_CMP_MASKED_EQ (value = the mask, valueTwo =
 * the masked value, as runc passes them to libseccomp).  The regions are
 * disjoint, so the runtime's libseccomp never has to resolve overlapping
 * rules.  The runtime builds the filter itself; what it does with x32 and
 * other arches is its libseccomp's business (it kills them too).
 */
#include "backends.h"
#include "seccomp_regions.h"

#include <ctype.h>
#include <stdlib.h>
#include <seccomp.h>

static const char *oci_action(ir_action a)
{
        switch (a.kind) {
        case ACT_ALLOW:
                return "SCMP_ACT_ALLOW";
        case ACT_LOG:
                return "SCMP_ACT_LOG";
        case ACT_NOTIFY:
                return "SCMP_ACT_NOTIFY";
        case ACT_ERRNO:
                return "SCMP_ACT_ERRNO";
        case ACT_TRAP:
                return "SCMP_ACT_TRAP";
        case ACT_KILL:
                return "SCMP_ACT_KILL_PROCESS";
        }
        return "SCMP_ACT_KILL_PROCESS";
}

/* Does the syscall exist on one of the target arches? */
static bool on_target(const char *name, const uint32_t *arches, int narches)
{
        for (int i = 0; i < narches; i++)
                if (seccomp_syscall_resolve_name_arch(arches[i], name) >= 0)
                        return true;
        return false;
}

/* The region of plan for action a, or NULL. */
static const sc_region *region_for(const sc_plan *plan, ir_action a)
{
        for (int r = 0; r < plan->nregions; r++)
                if (sc_action_equal(plan->regions[r].action, a))
                        return &plan->regions[r];
        return NULL;
}

static bool unconditional(const sc_region *rg)
{
        return rg && rg->ncubes == 1 && sc_cube_is_any(&rg->cubes[0]);
}

static void entry_open(FILE *out, bool *first)
{
        fprintf(out, "%s\n    {\n      \"names\": [", *first ? "" : ",");
        *first = false;
}

static void entry_close(FILE *out, ir_action a)
{
        fprintf(out, "],\n      \"action\": \"%s\"", oci_action(a));
        if (a.kind == ACT_ERRNO)
                fprintf(out, ",\n      \"errnoRet\": %d", a.errno_val);
}

static void print_cube_entry(FILE *out, const char *name, ir_action a, const sc_cube *q,
                             bool *first)
{
        entry_open(out, first);
        json_write_string(out, name);
        entry_close(out, a);
        fprintf(out, ",\n      \"args\": [");
        bool firstarg = true;
        for (int i = 0; i < 6; i++) {
                if (!q->arg[i].mask)
                        continue;
                fprintf(out,
                        "%s\n        { \"index\": %d, \"value\": %llu, \"valueTwo\": %llu, \"op\": "
                        "\"SCMP_CMP_MASKED_EQ\" }",
                        firstarg ? "" : ",", i, (unsigned long long)q->arg[i].mask,
                        (unsigned long long)q->arg[i].value);
                firstarg = false;
        }
        fprintf(out, "\n      ]\n    }");
}

/* Every entry for action a: the unconditional names, then the cubes. */
static void print_action(FILE *out, const sc_plan *plans, int nplans, ir_action a,
                         const uint32_t *arches, int narches, bool *first)
{
        bool any = false;
        for (int i = 0; i < nplans; i++) {
                if (!unconditional(region_for(&plans[i], a)) ||
                    !on_target(plans[i].syscall->name, arches, narches))
                        continue;
                if (!any)
                        entry_open(out, first);
                fprintf(out, "%s\n        ", any ? "," : "");
                json_write_string(out, plans[i].syscall->name);
                any = true;
        }
        if (any) {
                fprintf(out, "\n      ");
                entry_close(out, a);
                fprintf(out, "\n    }");
        }
        for (int i = 0; i < nplans; i++) {
                const sc_region *rg = region_for(&plans[i], a);
                if (!rg || unconditional(rg) || !on_target(plans[i].syscall->name, arches, narches))
                        continue;
                for (int k = 0; k < rg->ncubes; k++)
                        print_cube_entry(out, plans[i].syscall->name, a, &rg->cubes[k], first);
        }
}

static int action_order(const void *pa, const void *pb)
{
        const ir_action *a = pa, *b = pb;
        if (a->kind != b->kind)
                return a->kind > b->kind ? -1 : 1;
        return a->errno_val < b->errno_val ? -1 : a->errno_val > b->errno_val;
}

/* The distinct non-default actions of the plans, most restrictive first
 * (malloc'd). */
static int plan_actions(const sc_plan *plans, int nplans, ir_action **out)
{
        size_t total = 1;
        for (int i = 0; i < nplans; i++)
                total += (size_t)plans[i].nregions;
        ir_action *acts = malloc(sizeof(ir_action) * total);
        if (!acts)
                abort();
        int n = 0;
        for (int i = 0; i < nplans; i++)
                for (int r = 0; r < plans[i].nregions; r++) {
                        bool seen = false;
                        for (int j = 0; j < n; j++)
                                seen |= sc_action_equal(acts[j], plans[i].regions[r].action);
                        if (!seen)
                                acts[n++] = plans[i].regions[r].action;
                }
        qsort(acts, (size_t)n, sizeof(ir_action), action_order);
        *out = acts;
        return n;
}

static void print_arches(FILE *out, const uint32_t *arches, int narches)
{
        fprintf(out, "  \"architectures\": [");
        for (int i = 0; i < narches; i++) {
                const char *name = audit_arch_name(arches[i]);
                fprintf(out, "%s\n    \"SCMP_ARCH_", i ? "," : "");
                for (const char *s = name ? name : "unknown"; *s; s++)
                        fputc(toupper((unsigned char)*s), out);
                fputc('"', out);
        }
        fprintf(out, "\n  ],\n");
}

void emit_oci_seccomp(FILE *out, osh_ctx *c, const ir_policy *p)
{
        ir_action dflt = p->has_syscalls ? p->sys_default : (ir_action){ACT_ALLOW, 0};
        int nplans = 0;
        sc_plan *plans = p->has_syscalls ? sc_plan_policy(c, p, &nplans) : NULL;
        if (p->has_syscalls && !plans)
                return; /* a rule too complex: reported */
        uint32_t arches[16];
        int narches = policy_arches(p, arches, 16);
        fprintf(out, "{\n  \"defaultAction\": \"%s\",\n", oci_action(dflt));
        if (dflt.kind == ACT_ERRNO)
                fprintf(out, "  \"defaultErrnoRet\": %d,\n", dflt.errno_val);
        print_arches(out, arches, narches);
        fprintf(out, "  \"syscalls\": [");
        ir_action *acts;
        int nacts = plan_actions(plans, nplans, &acts);
        bool first = true;
        for (int i = 0; i < nacts; i++)
                print_action(out, plans, nplans, acts[i], arches, narches, &first);
        free(acts);
        fprintf(out, "%s]\n}\n", first ? "" : "\n  ");
}
