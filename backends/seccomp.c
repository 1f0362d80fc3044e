/*
 * seccomp.c - the seccomp backend: one classic BPF program per target
 * arch, built with libseccomp from exact regions (seccomp_regions.c).
 *
 * For every syscall of the IR the regions say, per action, exactly which
 * argument values get it; each region cube becomes one libseccomp rule of
 * SCMP_CMP_MASKED_EQ comparisons.  The regions are disjoint, so how
 * libseccomp would resolve overlapping rules never matters, and regions
 * whose action is the default need no rule at all.
 *
 * Each program is built by its own filter context holding only its arch:
 * the arch is checked first and any other arch kills the process
 * (SCMP_FLTATR_ACT_BADARCH); on x86_64 libseccomp also kills every x32
 * syscall number (bit 0x40000000) except 0xffffffff, the "no syscall"
 * marker (-1), which gets the default action and can run nothing.  The
 * backend checks both properties on every program it emits (run through
 * the interpreter) and refuses a program that breaks them.  The binary
 * tree optimization is on, and its tree of comparisons on the syscall
 * number is then rewritten as a search over ranges (bpf_compact.c);
 * no_new_privs is left to osh-run, which sets it itself before loading.
 *
 * On a 32-bit arch (x86, arm) the kernel reads the low half of each
 * argument register only, so a condition is decided there as the IR
 * decides it for the argument's value zero-extended: a pattern that needs
 * the upper half non-zero never matches.
 */
#include "backends.h"
#include "bpf.h"
#include "bpf_compact.h"
#include "seccomp_regions.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000u

/* libseccomp's arch names, for audit_arch_name(). */
static const char *const arch_names[] = {
    "x86",    "x86_64",   "x32",       "arm",         "aarch64", "mips",  "mipsel",
    "mips64", "mipsel64", "mips64n32", "mipsel64n32", "ppc",     "ppc64", "ppc64le",
    "s390",   "s390x",    "parisc",    "parisc64",    "riscv64", NULL};

const char *audit_arch_name(uint32_t audit_arch)
{
        for (int i = 0; arch_names[i]; i++)
                if (seccomp_arch_resolve_name(arch_names[i]) == audit_arch)
                        return arch_names[i];
        return NULL;
}

int policy_arches(const ir_policy *p, uint32_t *tokens, int max)
{
        int n = 0;
        for (int i = 0; i < p->narches && n < max; i++) {
                uint32_t t = seccomp_arch_resolve_name(p->arches[i]);
                bool dup = false;
                for (int j = 0; j < n; j++)
                        dup |= tokens[j] == t;
                if (t && !dup)
                        tokens[n++] = t;
        }
        if (n == 0 && max > 0)
                tokens[n++] = seccomp_arch_native();
        return n;
}

/* libseccomp checks actions against the API level of the kernel it runs
 * on; a compiler targets the kernel the bundle will run on, so the level
 * is fixed (6: everything up to notify) and the output does not depend on
 * the build machine. */
static void seccomp_api_fix(void)
{
        if (seccomp_api_get() < 6)
                seccomp_api_set(6);
}

/* ---- one program ---- */

typedef struct prog_build {
        osh_ctx *c;
        const ir_policy *p;
        const sc_plan *plans;
        int nplans;
        uint32_t arch;
        const char *arch_name;
} prog_build;

/* On a 32-bit arch the kernel reads only the low half of each argument
 * register (and libseccomp's program loads only that half), so the
 * arguments are 32-bit numbers there: a pattern that needs a 1 in the
 * upper half never matches, one that needs 0s there always does.  False
 * when the cube cannot match on such an arch. */
static bool cube_for_32bit_arch(sc_cube *q)
{
        for (int i = 0; i < 6; i++) {
                if (q->arg[i].value >> 32)
                        return false;
                q->arg[i].mask &= 0xffffffffull;
        }
        return true;
}

static bool add_cube(prog_build *pb, scmp_filter_ctx ctx, const sc_plan *plan, int nr,
                     const sc_region *rg, const sc_cube *cube)
{
        sc_cube q = *cube;
        if (!(pb->arch & __AUDIT_ARCH_64BIT) && !cube_for_32bit_arch(&q))
                return true;
        struct scmp_arg_cmp cmp[6];
        unsigned n = 0;
        for (unsigned i = 0; i < 6; i++) {
                if (!q.arg[i].mask)
                        continue;
                cmp[n].arg = i;
                cmp[n].op = SCMP_CMP_MASKED_EQ;
                cmp[n].datum_a = q.arg[i].mask;
                cmp[n].datum_b = q.arg[i].value;
                n++;
        }
        int rc = seccomp_rule_add_exact_array(ctx, bpf_action_ret(rg->action), nr, n, cmp);
        if (rc < 0) {
                osh_error(pb->c, "seccomp-internal", rg->rule->rule_where,
                          "internal error: libseccomp refused a rule for '%s' on %s: %s",
                          plan->syscall->name, pb->arch_name, strerror(-rc));
                return false;
        }
        return true;
}

/* The number libseccomp wants for `name`: rules are added by the build
 * machine's (native) number, which it translates by name to the filter's
 * arch.  -1 when the syscall does not exist on the target arch (nothing
 * to add), -2 when it exists there but libseccomp cannot be told (it has
 * no native number). */
static int native_number(uint32_t arch, const char *name)
{
        if (seccomp_syscall_resolve_name_arch(arch, name) < 0)
                return -1;
        int nr = seccomp_syscall_resolve_name(name);
        return nr >= 0 ? nr : -2;
}

static bool add_syscall_rules(prog_build *pb, scmp_filter_ctx ctx, const sc_plan *plan)
{
        if (plan->nregions == 0)
                return true;
        int nr = native_number(pb->arch, plan->syscall->name);
        if (nr == -1)
                return true;
        if (nr == -2) {
                osh_error(pb->c, "seccomp-arch", plan->regions[0].rule->where,
                          "'%s' exists on %s but not on this machine's arch, and libseccomp adds "
                          "rules by this machine's syscall numbers: compile for %s on a %s "
                          "machine",
                          plan->syscall->name, pb->arch_name, pb->arch_name, pb->arch_name);
                return false;
        }
        for (int r = 0; r < plan->nregions; r++) {
                const sc_region *rg = &plan->regions[r];
                for (int i = 0; i < rg->ncubes; i++)
                        if (!add_cube(pb, ctx, plan, nr, rg, &rg->cubes[i]))
                                return false;
        }
        return true;
}

static scmp_filter_ctx new_filter(prog_build *pb)
{
        scmp_filter_ctx ctx = seccomp_init(bpf_action_ret(pb->p->sys_default));
        if (!ctx)
                return NULL;
        bool ok = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0 &&
                  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) == 0 &&
                  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) == 0 &&
                  seccomp_attr_set(ctx, SCMP_FLTATR_API_TSKIP, 0) == 0;
        if (ok && pb->arch != seccomp_arch_native())
                ok = seccomp_arch_add(ctx, pb->arch) == 0 &&
                     seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) == 0;
        if (!ok) {
                seccomp_release(ctx);
                return NULL;
        }
        return ctx;
}

/* The exported program, read back from a memfd (libseccomp 2.5 exports
 * only to a file descriptor).  malloc'd; NULL on failure. */
static struct sock_filter_raw {
        uint16_t code;
        uint8_t jt, jf;
        uint32_t k;
} * export_program(scmp_filter_ctx ctx, size_t *n, int *err)
{
        *err = 0;
        int fd = memfd_create("oshc-seccomp", MFD_CLOEXEC);
        if (fd < 0) {
                *err = errno;
                return NULL;
        }
        struct sock_filter_raw *buf = NULL;
        int rc = seccomp_export_bpf(ctx, fd);
        off_t len = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
        if (rc < 0)
                *err = -rc;
        else if (len < 0 || len % 8 != 0)
                *err = len < 0 ? errno : EINVAL;
        else if ((buf = malloc((size_t)len + 8)) == NULL)
                *err = ENOMEM;
        else if (pread(fd, buf, (size_t)len, 0) != len)
                *err = EIO;
        close(fd);
        if (*err) {
                free(buf);
                return NULL;
        }
        *n = (size_t)len / 8;
        return buf;
}

/* The decision of prog for (arch, nr) with zero arguments. */
static uint32_t run_zero_args(const oshb_seccomp_prog *prog, uint32_t arch, uint32_t nr, bool *ok)
{
        bpf_seccomp_data d = {.nr = nr, .arch = arch};
        bpf_run_result r =
            bpf_run(prog->insns, prog->ninsns, &d, !(prog->audit_arch & __AUDIT_ARCH_LE));
        *ok = r.ok;
        return r.ret;
}

/* What every program must do whatever libseccomp's version: kill any
 * other arch, and on x86_64 every x32 number (bar -1, which runs
 * nothing).  NULL when it does, else what it fails. */
static const char *check_arch_guard(const oshb_seccomp_prog *prog)
{
        static const uint32_t foreign[] = {0,
                                           AUDIT_ARCH_I386,
                                           AUDIT_ARCH_X86_64,
                                           AUDIT_ARCH_AARCH64,
                                           AUDIT_ARCH_ARM,
                                           AUDIT_ARCH_X86_64 ^ __AUDIT_ARCH_64BIT,
                                           0xffffffffu};
        bool ok;
        for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
                if (foreign[i] == prog->audit_arch)
                        continue;
                for (uint32_t nr = 0; nr < 512; nr += 37)
                        if (run_zero_args(prog, foreign[i], nr, &ok) != SECCOMP_RET_KILL_PROCESS ||
                            !ok)
                                return "a foreign arch is not killed";
        }
        if (prog->audit_arch == AUDIT_ARCH_X86_64)
                for (uint32_t nr = 0; nr < 1024; nr++)
                        if (run_zero_args(prog, prog->audit_arch, nr | X32_SYSCALL_BIT, &ok) !=
                                SECCOMP_RET_KILL_PROCESS ||
                            !ok)
                                return "an x32 syscall number is not killed";
        return NULL;
}

/* The syscall whose plan has the most cubes (libseccomp rules). */
static const sc_plan *largest_plan(const prog_build *pb, int *ncubes)
{
        const sc_plan *best = NULL;
        *ncubes = 0;
        for (int i = 0; i < pb->nplans; i++) {
                int n = 0;
                for (int r = 0; r < pb->plans[i].nregions; r++)
                        n += pb->plans[i].regions[r].ncubes;
                if (n > *ncubes) {
                        *ncubes = n;
                        best = &pb->plans[i];
                }
        }
        return best;
}

/* n instructions (at least n when `lower_bound`): over the kernel's limit. */
static void report_too_long(prog_build *pb, size_t n, bool lower_bound)
{
        diag *d =
            osh_error(pb->c, "seccomp-too-long", pb->p->where,
                      "policy '%s': the seccomp program for %s has %s%zu instructions, over "
                      "the kernel's limit of %d",
                      pb->p->name, pb->arch_name, lower_bound ? "at least " : "", n, BPF_PROG_MAX);
        int ncubes;
        const sc_plan *big = largest_plan(pb, &ncubes);
        if (big && big->nregions)
                diag_note_at(pb->c, d, big->regions[0].rule->rule_where,
                             "'%s' alone needs %d rules of argument patterns: every value of an "
                             "`in` set is one, a range or `!=` takes up to one per bit, and rules "
                             "with different actions on different arguments multiply",
                             big->syscall->name, ncubes);
}

/* Every cube is at least one instruction of its own (a comparison only it
 * reaches), so more cubes than the limit cannot fit: say so before
 * libseccomp spends seconds building the program. */
static bool fits_at_all(prog_build *pb)
{
        if (!(pb->arch & __AUDIT_ARCH_64BIT))
                return true; /* cubes may merge there (cube_for_32bit_arch) */
        size_t total = 0;
        for (int i = 0; i < pb->nplans; i++) {
                if (native_number(pb->arch, pb->plans[i].syscall->name) == -1)
                        continue;
                for (int r = 0; r < pb->plans[i].nregions; r++)
                        total += (size_t)pb->plans[i].regions[r].ncubes;
        }
        if (total <= BPF_PROG_MAX)
                return true;
        report_too_long(pb, total, true);
        return false;
}

/* Copy the exported program into the bundle, its syscall dispatch made a
 * search over ranges (bpf_compact.c), and check it. */
static bool keep_program(prog_build *pb, const struct sock_filter_raw *raw, size_t n,
                         oshb_seccomp_prog *out)
{
        out->audit_arch = pb->arch;
        out->insns = arena_alloc(&pb->c->arena, sizeof(oshb_insn) * (n ? n : 1));
        for (size_t i = 0; i < n; i++) {
                out->insns[i].code = raw[i].code;
                out->insns[i].jt = raw[i].jt;
                out->insns[i].jf = raw[i].jf;
                out->insns[i].k = raw[i].k;
        }
        n = bpf_compact_dispatch(out->insns, n, pb->arch, !(pb->arch & __AUDIT_ARCH_LE));
        if (n > BPF_PROG_MAX) {
                report_too_long(pb, n, false);
                return false;
        }
        out->ninsns = (uint32_t)n;
        uint32_t bad;
        const char *why = NULL;
        if (!bpf_validate(out->insns, out->ninsns, &bad, &why) ||
            (why = check_arch_guard(out)) != NULL) {
                osh_error(pb->c, "seccomp-internal", pb->p->where,
                          "internal error: libseccomp's program for %s is unsafe (%s at "
                          "instruction %u); refusing to emit it",
                          pb->arch_name, why, bad);
                return false;
        }
        return true;
}

static bool build_program(prog_build *pb, oshb_seccomp_prog *out)
{
        if (!fits_at_all(pb))
                return false;
        scmp_filter_ctx ctx = new_filter(pb);
        if (!ctx) {
                osh_error(pb->c, "seccomp-internal", pb->p->where,
                          "internal error: libseccomp cannot start a filter for %s", pb->arch_name);
                return false;
        }
        bool ok = true;
        for (int i = 0; i < pb->nplans && ok; i++)
                ok = add_syscall_rules(pb, ctx, &pb->plans[i]);
        size_t n = 0;
        int err = 0;
        struct sock_filter_raw *raw = ok ? export_program(ctx, &n, &err) : NULL;
        seccomp_release(ctx);
        if (ok && !raw) {
                osh_error(pb->c, "seccomp-internal", pb->p->where,
                          "internal error: exporting the seccomp program for %s: %s", pb->arch_name,
                          strerror(err));
                return false;
        }
        ok = ok && keep_program(pb, raw, n, out);
        free(raw);
        return ok;
}

bool backend_seccomp(osh_ctx *c, const ir_policy *p, oshb_bundle *b)
{
        b->nseccomp = 0;
        b->seccomp = NULL;
        if (!p->has_syscalls)
                return true; /* no syscalls section: no filter at all */
        seccomp_api_fix();
        int nplans;
        sc_plan *plans = sc_plan_policy(c, p, &nplans);
        if (!plans)
                return false;
        uint32_t arches[16];
        int narches = policy_arches(p, arches, 16);
        oshb_seccomp_prog *progs = arena_alloc(&c->arena, sizeof(*progs) * (size_t)narches);
        bool ok = true;
        for (int i = 0; i < narches; i++) {
                prog_build pb = {c, p, plans, nplans, arches[i], audit_arch_name(arches[i])};
                if (!pb.arch_name)
                        pb.arch_name = "an unknown arch";
                ok &= build_program(&pb, &progs[i]);
        }
        if (!ok)
                return false;
        b->seccomp = progs;
        b->nseccomp = (uint32_t)narches;
        return true;
}

/* ---- --emit bpf ---- */

bool emit_bpf(FILE *out, osh_ctx *c, const oshb_bundle *b, const char *arch)
{
        uint32_t want = arch ? seccomp_arch_resolve_name(arch) : seccomp_arch_native();
        if (!want) {
                osh_error(c, "emit", no_span,
                          "unknown arch '%s' (libseccomp's names: x86_64, "
                          "aarch64, x86, arm, ...)",
                          arch);
                return false;
        }
        if (b->nseccomp == 0) {
                osh_error(c, "emit", no_span,
                          "policy '%s' has no syscalls section: there is no seccomp program",
                          b->meta.policy ? b->meta.policy : "?");
                return false;
        }
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                const oshb_seccomp_prog *pr = &b->seccomp[i];
                if (pr->audit_arch != want)
                        continue;
                for (uint32_t j = 0; j < pr->ninsns; j++) {
                        const oshb_insn *in = &pr->insns[j];
                        uint8_t raw[8] = {(uint8_t)in->code,
                                          (uint8_t)(in->code >> 8),
                                          in->jt,
                                          in->jf,
                                          (uint8_t)in->k,
                                          (uint8_t)(in->k >> 8),
                                          (uint8_t)(in->k >> 16),
                                          (uint8_t)(in->k >> 24)};
                        if (fwrite(raw, 1, sizeof(raw), out) != sizeof(raw)) {
                                osh_error(c, "emit", no_span, "cannot write the program: %s",
                                          strerror(errno));
                                return false;
                        }
                }
                return true;
        }
        const char *name = audit_arch_name(want);
        osh_error(c, "emit", no_span,
                  "the bundle has no seccomp program for %s: add `arch %s;` to the policy",
                  name ? name : arch, name ? name : arch);
        return false;
}
