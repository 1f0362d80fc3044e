/*
 * seccomp_regions.h - a syscall's rules as exact, disjoint regions of
 * argument space, one per action: what the seccomp backend hands to
 * libseccomp and what the OCI profile lists.
 *
 * libseccomp compares each argument at most once per rule and resolves
 * overlapping rules of different actions its own way, so the backend
 * never gives it overlapping rules: it gives it, for every action other
 * than the default, a union of cubes that holds exactly the inputs for
 * which that action is the IR's decision (eval_syscall).  A cube is a
 * conjunction of at most one ternary pattern per argument,
 * (args[i] & mask) == value, which is one libseccomp rule of
 * SCMP_CMP_MASKED_EQ comparisons.
 */
#ifndef OSH_SECCOMP_REGIONS_H
#define OSH_SECCOMP_REGIONS_H

#include "../compiler/ir.h"

/* The most cubes one condition, or one action's region of one syscall,
 * may expand to; past it the rule is reported as too complex. */
#define SC_MAX_CUBES 4096

/* (x & mask) == value over one 64-bit argument; value has no bit outside
 * mask; mask 0 matches everything.  A 32-bit argument's patterns have
 * mask bits in the low half only. */
typedef struct sc_pattern {
        uint64_t mask, value;
} sc_pattern;

/* A conjunction of one pattern per argument. */
typedef struct sc_cube {
        sc_pattern arg[6];
} sc_cube;

/* The inputs whose decision is `action`: the union of the cubes.  The
 * regions of one syscall are disjoint. */
typedef struct sc_region {
        ir_action action;
        const ir_sys_rule *rule; /* the first rule with this action (for messages) */
        sc_cube *cubes;          /* sorted, no duplicates, none inside another */
        int ncubes;
} sc_region;

/* One syscall's regions for every action but the default, most
 * restrictive first.  An input in none of them gets the default. */
typedef struct sc_plan {
        const ir_syscall *syscall;
        sc_region *regions;
        int nregions;
} sc_plan;

/* Compute the plan of one syscall under default action `dflt`, in the
 * context's arena.  A condition or region over SC_MAX_CUBES cubes is an
 * error reported at the rule's span; the function then returns false. */
bool sc_plan_syscall(osh_ctx *c, const ir_syscall *sc, ir_action dflt, sc_plan *out);

/* The plans of every syscall of p, in the IR's (name) order; NULL when
 * some rule was too complex (reported). */
sc_plan *sc_plan_policy(osh_ctx *c, const ir_policy *p, int *nplans);

/* The action the plan gives to `args` (the default when no region holds
 * them); equal to eval_syscall's for every input. */
ir_action sc_plan_decide(const sc_plan *plan, ir_action dflt, const uint64_t args[6]);

bool sc_cube_matches(const sc_cube *q, const uint64_t args[6]);
/* Does the cube constrain no argument (every input)? */
bool sc_cube_is_any(const sc_cube *q);
bool sc_action_equal(ir_action a, ir_action b);

#endif
