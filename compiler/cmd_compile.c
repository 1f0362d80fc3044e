/*
 * cmd_compile.c - `oshc compile FILE [-o OUT] [--emit KIND] [--policy NAME]`.
 *
 * Loads and checks the file, lowers it to the IR, runs every backend and
 * writes the bundle (the default), or prints one artifact with --emit.  A
 * bundle is written atomically (a temporary file in the same directory,
 * then rename), so osh-run never sees half a bundle.
 */
#include "../backends/backends.h"
#include "../backends/llvm_matcher.h"
#include "cli.h"
#include "ir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const emit_kinds[] = {"ir",    "bpf",         "bpf-asm", "landlock", "cgroup",
                                         "proxy", "oci-seccomp", "llvm-ir", "obj",      NULL};

static void compile_help(void)
{
        printf("usage: oshc compile FILE [-o OUT] [--emit KIND] [--policy NAME] [--arch ARCH] "
               "[--native] [-I DIR]\n\n"
               "Compile the policy in FILE (or the one named by --policy) into a bundle for\n"
               "osh-run: OUT, or FILE's name with .oshb in the current directory.\n\n"
               "--emit KIND prints one artifact instead (to OUT, or standard output):\n"
               "  ir           the normalized policy (IR) as JSON\n"
               "  bpf          raw sock_filter bytes of the seccomp program (--arch, default "
               "native)\n"
               "  bpf-asm      the seccomp programs, disassembled\n"
               "  landlock     Landlock handled rights, path and port rules, minimum ABI\n"
               "  cgroup       cgroup v2 keys, rlimits and walltime\n"
               "  proxy        the egress proxy's connect rules\n"
               "  oci-seccomp  the seccomp profile as OCI JSON (Docker, Podman, Kubernetes)\n"
               "  llvm-ir      the native egress matcher as optimized LLVM IR\n"
               "  obj          the native egress matcher as an ELF object (binary)\n\n"
               "--native adds the native egress matcher (LLVM, x86_64 and aarch64 hosts) to\n"
               "the bundle; osh-proxy then decides with it (docs/native-matcher.md).\n\n"
               "Exit 0 on success, 1 when the policy has errors, 2 on usage or I/O errors.\n");
}

static bool emit_known(const char *k)
{
        for (int i = 0; emit_kinds[i]; i++)
                if (!strcmp(emit_kinds[i], k))
                        return true;
        return false;
}

/* FILE's base name with .osh replaced by .oshb. */
static char *default_output(const char *file)
{
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        size_t n = strlen(base);
        if (n > 4 && !strcmp(base + n - 4, ".osh"))
                n -= 4;
        char *out = malloc(n + 6);
        if (!out)
                abort();
        memcpy(out, base, n);
        strcpy(out + n, ".oshb");
        return out;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
        while (n) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return false;
                p += w;
                n -= (size_t)w;
        }
        return true;
}

/* Write data to path atomically: a temporary file beside it, then rename. */
static bool write_atomic(const char *path, const uint8_t *data, size_t len)
{
        size_t n = strlen(path);
        char *tmp = malloc(n + 16);
        if (!tmp)
                abort();
        snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
        int fd = mkstemp(tmp);
        bool ok = fd >= 0;
        if (ok) {
                ok = fchmod(fd, 0644) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
                ok = close(fd) == 0 && ok;
                ok = ok && rename(tmp, path) == 0;
                int saved = errno;
                if (!ok)
                        unlink(tmp);
                errno = saved;
        }
        if (!ok)
                fprintf(stderr, "oshc compile: cannot write '%s': %s\n", path, strerror(errno));
        free(tmp);
        return ok;
}

static int write_bundle(osh_ctx *c, const oshb_bundle *b, const char *out_path)
{
        char err[256];
        size_t len;
        uint8_t *data = oshb_write(b, &len, err, sizeof(err));
        if (!data) {
                osh_error(c, "bundle", no_span, "cannot write the bundle: %s", err);
                return EXIT_FINDINGS;
        }
        bool ok;
        if (!strcmp(out_path, "-")) { /* -o -: standard output */
                ok = !isatty(STDOUT_FILENO) && fwrite(data, 1, len, stdout) == len &&
                     fflush(stdout) == 0;
                if (!ok)
                        fprintf(stderr, "oshc compile: -o - writes the binary bundle to "
                                        "standard output: redirect it to a file\n");
        } else {
                ok = write_atomic(out_path, data, len);
        }
        free(data);
        if (!ok)
                return EXIT_USAGE;
        fprintf(stderr,
                "oshc: wrote %s (%zu bytes): policy %s, %u seccomp program%s, Landlock ABI >= %u\n",
                out_path, len, b->meta.policy, b->nseccomp, b->nseccomp == 1 ? "" : "s",
                b->meta.landlock_min_abi);
        return EXIT_OK;
}

/* The native matcher as LLVM IR or as the ELF object. */
static bool emit_native(FILE *out, osh_ctx *c, const oshb_bundle *b, bool ir)
{
        char err[512];
        lm_output o;
        if (!llvm_matcher_build(&b->proxy, b->process.network, ir, &o, err, sizeof(err))) {
                osh_error(c, "native", no_span, "cannot build the native egress matcher: %s", err);
                return false;
        }
        if (ir)
                fputs(o.ir, out);
        else
                fwrite(o.object, 1, o.object_len, out);
        lm_output_free(&o);
        return true;
}

/* Print one artifact; false when it could not be produced. */
static bool emit(FILE *out, osh_ctx *c, ir_program *prog, ir_policy *pol, const oshb_bundle *b,
                 const char *kind, const char *arch)
{
        if (!strcmp(kind, "ir"))
                ir_print_json(out, prog, pol);
        else if (!strcmp(kind, "bpf"))
                return emit_bpf(out, c, b, arch);
        else if (!strcmp(kind, "bpf-asm"))
                emit_bpf_asm(out, b);
        else if (!strcmp(kind, "landlock"))
                emit_landlock(out, b);
        else if (!strcmp(kind, "cgroup"))
                emit_cgroup(out, b);
        else if (!strcmp(kind, "proxy"))
                emit_proxy(out, b);
        else if (!strcmp(kind, "llvm-ir") || !strcmp(kind, "obj"))
                return emit_native(out, c, b, !strcmp(kind, "llvm-ir"));
        else
                emit_oci_seccomp(out, c, pol);
        return true;
}

static int emit_to(osh_ctx *c, ir_program *prog, ir_policy *pol, const oshb_bundle *b,
                   const char *kind, const char *arch, const char *out_path)
{
        if (!out_path && (!strcmp(kind, "bpf") || !strcmp(kind, "obj")) && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "oshc compile: --emit %s writes binary; redirect it or give -o\n",
                        kind);
                return EXIT_USAGE;
        }
        FILE *out = out_path ? fopen(out_path, "w") : stdout;
        if (!out) {
                fprintf(stderr, "oshc compile: cannot write '%s': %s\n", out_path, strerror(errno));
                return EXIT_USAGE;
        }
        bool ok = emit(out, c, prog, pol, b, kind, arch);
        int werr = ferror(out) || fflush(out) != 0;
        if (out != stdout)
                werr |= fclose(out) != 0;
        if (werr) {
                fprintf(stderr, "oshc compile: cannot write '%s': %s\n",
                        out_path ? out_path : "standard output", strerror(errno));
                return EXIT_USAGE;
        }
        return ok ? EXIT_OK : EXIT_FINDINGS;
}

typedef struct compile_opts {
        cli_common common;
        const char *file, *out_path, *emit, *arch;
        bool native;
} compile_opts;

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, compile_opts *o)
{
        bool bad = false;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        compile_help();
                        return EXIT_OK;
                }
                if (cli_common_option(&o->common, argc, argv, &i, &bad))
                        continue;
                if (!strcmp(a, "--native")) {
                        o->native = true;
                        continue;
                }
                const char **slot = !strcmp(a, "-o")       ? &o->out_path
                                    : !strcmp(a, "--emit") ? &o->emit
                                    : !strcmp(a, "--arch") ? &o->arch
                                                           : NULL;
                if (slot && i + 1 < argc) {
                        *slot = argv[++i];
                } else if (!strncmp(a, "--emit=", 7)) {
                        o->emit = a + 7;
                } else if (!strncmp(a, "--arch=", 7)) {
                        o->arch = a + 7;
                } else if ((a[0] == '-' && a[1]) || slot) {
                        cli_usage_error("compile", "unknown option or missing value: '%s'", a);
                        return EXIT_USAGE;
                } else if (o->file) {
                        cli_usage_error("compile", "compile takes one policy file");
                        return EXIT_USAGE;
                } else {
                        o->file = a;
                }
        }
        if (bad)
                return EXIT_USAGE;
        if (!o->file) {
                cli_usage_error("compile", "no policy file given");
                return EXIT_USAGE;
        }
        if (o->emit && !emit_known(o->emit)) {
                cli_usage_error(
                    "compile",
                    "unknown --emit kind '%s' (ir, bpf, bpf-asm, landlock, cgroup, proxy, "
                    "oci-seccomp, llvm-ir, obj)",
                    o->emit);
                return EXIT_USAGE;
        }
        if (o->arch && (!o->emit || strcmp(o->emit, "bpf"))) {
                cli_usage_error("compile", "--arch goes with --emit bpf");
                return EXIT_USAGE;
        }
        return -1;
}

int cmd_compile(int argc, char **argv)
{
        compile_opts o = {0};
        int rc = parse_args(argc, argv, &o);
        if (rc >= 0)
                return rc;
        osh_ctx c;
        cli_ctx_init(&c, &o.common);
        c.out = stderr; /* stdout may carry the artifact */
        rc = EXIT_FINDINGS;
        ast_file *root = osh_load(&c, o.file);
        ir_program *prog = root && c.nerrors == 0 ? ir_lower(&c) : NULL;
        ir_policy *pol = prog ? ir_select_policy(prog, o.common.policy) : NULL;
        oshb_bundle b;
        if (o.emit && o.out_path && !strcmp(o.out_path, "-"))
                o.out_path = NULL; /* --emit KIND -o -: standard output */
        if (pol && o.emit && !strcmp(o.emit, "ir")) {
                rc = emit_to(&c, prog, pol, NULL, o.emit, NULL, o.out_path);
        } else if (pol && bundle_build(&c, prog, pol, &b)) {
                if (o.emit) {
                        rc = emit_to(&c, prog, pol, &b, o.emit, o.arch, o.out_path);
                } else if (!o.native || bundle_add_native(&c, &b)) {
                        char *def = o.out_path ? NULL : default_output(o.file);
                        rc = write_bundle(&c, &b, o.out_path ? o.out_path : def);
                        free(def);
                }
        }
        if (c.ndiags)
                diag_flush(&c);
        osh_ctx_free(&c);
        return rc;
}
