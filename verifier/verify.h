/*
 * verify.h - the verifier (DESIGN §5): proves policies free of anomalies
 * and escalation paths with the Z3 C API, proves assertions and
 * containment, compares policies for the CI gate, and validates the
 * compiled bundle against the IR.
 *
 * It reads only the IR (compiler/ir.h) and the compiled artifacts
 * (backends/bundle.h).  Every domain has one file that owns its encoding:
 *
 *   sys.c      syscalls: seccomp_data as bit-vectors; anomalies,
 *              dangerous-syscall, syscall-alias, `assert never syscall`,
 *              comparison of two policies' syscall decisions
 *   fs.c       paths through atoms; anomalies, wx-path, writable-identity,
 *              self-modify, control-socket, secret-read, landlock-abi,
 *              `assert never read|write|exec|ioctl`, comparison
 *   net.c      hosts through atoms, addresses as 128-bit vectors (IPv4
 *              mapped), ports as 16-bit vectors, DNS as an uninterpreted
 *              function; anomalies, interpreter-grant, proxy-bypass,
 *              metadata-egress, `assert never connect`, comparison
 *   process.c  caps-kept, unbounded-resources, unenforceable
 *   tv_bpf.c   translation validation of every emitted seccomp program
 *   tv_tables.c  Landlock, mount, cgroup, rlimit and proxy tables vs the IR
 *   report.c   findings, waivers, witness replay, solver budgets, stats
 *   output.c   text, JSON and SARIF 2.1.0
 *   verify.c   the driver: runs every family on every policy, `within`
 *
 * Every finding carries a concrete witness, the spans of the rules
 * responsible, the enforcing layer and a one-line fix.  A witness that is
 * a request is written in `oshc query` syntax and replayed through the
 * reference evaluator (vf_replay); a disagreement is an internal error.
 * Solver budgets are deterministic (Z3's rlimit, a fixed seed); UNKNOWN is
 * counted and makes `oshc verify` exit 2 ("could not prove").
 */
#ifndef OSH_VERIFY_H
#define OSH_VERIFY_H

#include "../backends/bundle.h"
#include "../compiler/eval.h"
#include "../compiler/ir.h"

#include <stdarg.h>
#include <z3.h>

typedef enum { VF_WARNING, VF_ERROR } vf_severity;

/* A source span a finding points at, with what it is ("the shadowed rule",
 * "covered by this rule"). */
typedef struct vf_loc {
        span where;
        const char *label;
        const char *origin; /* fragment or policy the rule came from, or NULL */
} vf_loc;

#define VF_MAX_LOCS 16

typedef struct vf_finding {
        const char *name; /* a finding name of DESIGN §5 (lang finding_names), or
                           * "assert-never", "within", "translation" */
        vf_severity severity;
        osh_ctx *ctx; /* the context the spans belong to */
        const char *policy;
        const char *message;      /* one line */
        const char *witness;      /* `oshc query` request syntax where the witness is a
                                   * request; else a concrete description */
        const char *layer;        /* seccomp, landlock, mounts, proxy, cgroup, rlimit,
                                   * process, policy */
        const char *fix;          /* one line */
        vf_loc locs[VF_MAX_LOCS]; /* locs[0] is the primary location */
        int nlocs;
        bool waived;
        const char *waive_reason;
        span waive_where;
        int seq;
} vf_finding;

/* Timing per check family, for the benchmark. */
#define VF_MAX_FAMILIES 8
typedef struct vf_family_stats {
        const char *name;
        int queries;
        double seconds;   /* wall time spent in the family, solver included */
        double *query_ms; /* each solver query's time (for the median) */
        int nquery_ms, capquery_ms;
} vf_family_stats;

typedef struct vf {
        osh_ctx *c;
        ir_program *prog;
        Z3_context z;
        unsigned rlimit; /* per query, Z3 resource units (deterministic) */
        vf_finding *f;
        int nf, capf;
        int unknowns;             /* queries the solver could not decide */
        const char *unknown_what; /* the first one, for the message */
        int internal;             /* verifier bugs found at run time (replay) */
        eval_params env;          /* parameter values witnesses are replayed with */
        /* the bundle compiled from the policy being verified, when
         * translation validation runs (else NULL): syscall witnesses are
         * also replayed through the cBPF interpreter on its programs */
        const oshb_bundle *bundle;
        bool strict; /* warnings count as errors */
        vf_family_stats fam[VF_MAX_FAMILIES];
        int nfam, cur_fam;
        double fam_start;
        int seq;
} vf;

/* Default budget per solver query; `--rlimit N` overrides it. */
#define VF_DEFAULT_RLIMIT 5000000u

void vf_init(vf *v, unsigned rlimit);
/* The program the next checks read (one per file verified: findings keep
 * their own context, so every context must live until vf_print). */
void vf_set_program(vf *v, osh_ctx *c, ir_program *prog);
void vf_free(vf *v);

/* ---- findings ---- */

/* A new finding on policy p; the message is printf-style.  The finding's
 * severity is `sev`, raised to an error by --strict at output time. */
vf_finding *vf_report(vf *v, const ir_policy *p, const char *name, vf_severity sev,
                      const char *layer, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void vf_loc_add(vf *v, vf_finding *f, span where, const char *origin, const char *label);
void vf_witness(vf *v, vf_finding *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vf_fix(vf *v, vf_finding *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Mark findings waived by the policies' `waive` entries (verify.c calls it
 * once all checks ran). */
void vf_apply_waivers(vf *v, const ir_policy *p);

/* ---- the solver ---- */

/* A fresh solver with the deterministic budget and seed (reference held;
 * release with vf_solver_free). */
Z3_solver vf_solver(vf *v);
void vf_solver_free(vf *v, Z3_solver s);
/* Z3_solver_check, timed and counted in the current family.  UNKNOWN is
 * counted in v->unknowns with `what` for the message; callers treat
 * UNKNOWN as "could not prove" and report nothing for that query. */
Z3_lbool vf_check(vf *v, Z3_solver s, const char *what);
Z3_lbool vf_check_assumptions(vf *v, Z3_solver s, unsigned n, const Z3_ast *lits, const char *what);
/* The value of a bit-vector term in a model (up to 64 bits). */
uint64_t vf_model_u64(vf *v, Z3_model m, Z3_ast t);
/* Bit-vector constants and fresh variables. */
Z3_ast vf_bv(vf *v, uint64_t val, unsigned bits);
Z3_ast vf_bv_var(vf *v, const char *name, unsigned bits);
Z3_ast vf_bool_var(vf *v, const char *name);

/* Start timing a check family ("anomalies", "escalation", "assertions",
 * "containment", "translation"); the previous one ends. */
void vf_family(vf *v, const char *name);
void vf_family_end(vf *v);

/* ---- witness replay ---- */

/* Replay a witness request (oshc query syntax) through the reference
 * evaluator.  expect: 1 the policy must allow it, 0 deny it, -1 either.
 * On a malformed request or a different decision this is a verifier bug:
 * printed to stderr as an internal error and counted in v->internal.
 * Returns true when the evaluator agreed. */
bool vf_replay(vf *v, const ir_policy *p, const char *request, int expect, eval_result *out);
/* An internal error (a verifier bug, never a policy problem). */
void vf_internal(vf *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the check families, one entry point per domain ---- */

void vf_check_sys(vf *v, const ir_policy *p);     /* sys.c */
void vf_check_fs(vf *v, const ir_policy *p);      /* fs.c */
void vf_check_net(vf *v, const ir_policy *p);     /* net.c */
void vf_check_process(vf *v, const ir_policy *p); /* process.c */

/* Translation validation of a built bundle against the IR of p.  Reports
 * "translation" findings (always errors) with the counterexample. */
void vf_validate_bpf(vf *v, const ir_policy *p, const oshb_bundle *b);    /* tv_bpf.c */
void vf_validate_tables(vf *v, const ir_policy *p, const oshb_bundle *b); /* tv_tables.c */

/* ---- containment: within, diff, --baseline ---- */

typedef enum { VF_EQUIVALENT, VF_NARROWER, VF_WIDER, VF_INCOMPARABLE } vf_relation;

/* How NEW relates to OLD in one domain: NARROWER when everything NEW
 * allows OLD allows too and something less, WIDER the other way round.
 * wider_witness: a request NEW allows and OLD denies (NULL when none),
 * narrower_witness: one OLD allows and NEW denies. */
typedef struct vf_compare {
        const char *domain; /* "fs", "net", "syscalls" */
        vf_relation rel;
        const char *wider_witness;
        const char *narrower_witness;
        bool unknown; /* the solver could not decide */
} vf_compare;

void vf_compare_sys(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out);
void vf_compare_fs(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out);
void vf_compare_net(vf *v, const ir_policy *old, const ir_policy *new, vf_compare *out);
const char *vf_relation_name(vf_relation r);

/* ---- what the unit tests read: each domain's decision for one concrete
 * request, straight from its encoding ---- */

/* sys.c: the proof's action for one call, and whether it is allowed. */
bool vf_sys_decide(vf *v, const ir_policy *p, const char *name, const uint64_t args[6],
                   ir_action *out, bool *allowed);
/* fs.c: the encoding of one policy, asked one `RIGHT PATH` at a time
 * (1 allowed, 0 denied, -1 undecided). */
typedef struct vf_fs_oracle vf_fs_oracle;
vf_fs_oracle *vf_fs_oracle_new(vf *v, const ir_policy *p);
int vf_fs_oracle_allowed(vf_fs_oracle *o, unsigned right, const char *path);
void vf_fs_oracle_free(vf_fs_oracle *o);
/* fs.c: the secret paths of std/secrets.osh (system ones, then those under
 * $HOME, then under /root); returns how many. */
int vf_fs_secret_paths(const char **param, const char **path, int max, arena *ar);

/* ---- the driver and output (verify.c, output.c) ---- */

typedef struct vf_options {
        bool strict;
        bool translation;        /* build the bundle and validate it (default on) */
        const char *bundle_path; /* validate this bundle file instead of a fresh build */
        int format;              /* 0 text, 1 json, 2 sarif */
        bool stats;              /* text: print time and queries per family */
        bool color;              /* text: colour (a terminal, no NO_COLOR) */
        const char **policies;   /* the policies verified (names, for the report) */
        int npolicies;
} vf_options;

/* Run every family on policy p: the bundle first (built, or read from
 * o->bundle_path) so replays can run its programs, then process, syscalls,
 * fs, net, `within`, translation validation, and the waivers.  False when
 * the bundle could not be built or read (reported into v->c). */
bool vf_verify_policy(vf *v, ir_program *prog, ir_policy *p, const vf_options *o);
/* Compare OLD and NEW in every domain (fs, net, syscalls), replaying every
 * witness through the evaluator on both policies; an undecided domain
 * counts as UNKNOWN. */
void vf_compare_all(vf *v, const ir_policy *old, const ir_policy *new, vf_compare out[3]);
/* vf_compare_all, then a "new-access" warning on NEW (an error with
 * --strict) for every domain NEW widens. */
void vf_baseline(vf *v, const ir_policy *old, const ir_policy *new, vf_compare out[3]);
/* 0 clean, 1 an unwaived error remains, 2 UNKNOWN or an internal error. */
int vf_exit_status(const vf *v);
/* Print the report; returns the exit status (0 clean, 1 findings at or
 * above the threshold, 2 UNKNOWN or an internal error). */
int vf_print(vf *v, FILE *out, const vf_options *o);

#endif
