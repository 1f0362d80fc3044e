/*
 * test_bundle.c - unit tests for the bundle format: SHA-256
 * (runtime/sha256.c), the writer (backends/bundle_write.c) and the reader
 * (runtime/bundle_read.c).
 *
 * SHA-256 against the FIPS 180-2 example vectors.  A bundle with every
 * section and field populated is written, read back and compared field by
 * field; writing is deterministic and reading then writing gives the same
 * bytes.  Then every way a bundle can be bad, each with the message it
 * must produce: every truncation, every single-bit flip, and for each
 * structural error a bundle whose checksum was recomputed over the bad
 * bytes (so the reader must find the problem itself).  The test's own
 * helpers (split, assemble, reseal) build those bundles from raw bytes
 * without the writer, which refuses to write them.
 *
 * OSH_WRITE_CORPUS=DIR regenerates the fuzz seeds
 * (tests/fuzz/corpus-fuzz_bundle/): the first byte of each seed is the
 * fuzz target's mode byte (tests/fuzz/fuzz_bundle.c).
 */
#include "tests/testutil.h"

#include "backends/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- SHA-256 ---- */

static void hex32(const uint8_t d[32], char out[65])
{
        for (int i = 0; i < 32; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
}

static void expect_sha(const void *data, size_t n, const char *want)
{
        uint8_t d[32];
        char got[65];
        sha256(data, n, d);
        hex32(d, got);
        assert_string_equal(got, want);
}

static void test_sha256_fips_vectors(void **state)
{
        (void)state;
        expect_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        expect_sha(m448, strlen(m448),
                   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        char *million = malloc(1000000);
        assert_non_null(million);
        memset(million, 'a', 1000000);
        expect_sha(million, 1000000,
                   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(million);
        expect_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Fed in pieces of every size from 1 to 130, the hash is the same: the
 * block buffering and the padding at every length modulo 64 are right. */
static void test_sha256_incremental(void **state)
{
        (void)state;
        uint8_t msg[300], one[32], inc[32];
        for (size_t i = 0; i < sizeof(msg); i++)
                msg[i] = (uint8_t)(i * 7 + 3);
        for (size_t len = 0; len <= sizeof(msg); len++) {
                sha256(msg, len, one);
                for (size_t piece = 1; piece <= 130; piece += 43) {
                        sha256_ctx c;
                        sha256_init(&c);
                        for (size_t off = 0; off < len; off += piece)
                                sha256_update(&c, msg + off, len - off < piece ? len - off : piece);
                        sha256_final(&c, inc);
                        assert_memory_equal(one, inc, 32);
                }
        }
}

/* ---- fixtures ---- */

#define X86_64 0xc000003eu
#define AARCH64 0xc00000b7u

static oshb_insn insns_x86[] = {
    {0x20, 0, 0, 4}, {0x15, 1, 0, X86_64}, {0x06, 0, 0, 0}, {0x06, 0, 0, 0x7fff0000}};
static oshb_insn insns_arm[] = {{0x06, 0, 0, 0x7fff0000}};
static oshb_seccomp_prog progs[] = {{X86_64, 4, insns_x86}, {AARCH64, 1, insns_arm}};
static oshb_ll_path ll_paths[] = {
    {0x7, "WORKDIR", ""}, {0xc, NULL, "/usr/lib"}, {0x1, "HOME", "/bin"}};
static oshb_ll_port ll_ports[] = {{0x1, 8000}, {0x2, 443}};
static oshb_mount mounts[] = {{OSHB_MASK_HIDE, "WORKDIR", "/.env", 7},
                              {OSHB_MASK_READONLY | OSHB_MASK_NOEXEC, NULL, "/srv/data", 8},
                              {OSHB_MASK_NODEV, NULL, "/dev", 9}};
static oshb_kv cgroup[] = {
    {"memory.max", "2147483648"}, {"cpu.max", "150000 100000"}, {"pids.max", "256"}};
static oshb_rlimit rlimits[] = {{7, 4096, 8192}, {0, 60, UINT64_MAX}, {4, 0, 0}};
static uint32_t caps[] = {10, 13};
static char *env_keep[] = {"PATH", "HOME", "LANG"};
static oshb_kv env_set[] = {{"PIP_NO_INPUT", "1"}, {"EMPTY", ""}};
static char *methods[] = {"GET", "HEAD"};
static oshb_l7 l7s[] = {{21, false, 2, methods, "/repos/**"},
                        {22, true, 0, NULL, "/repos/*/*/actions/**"}};
static char *binaries[] = {"/usr/bin/git", "/usr/bin/curl"};
static oshb_proxy_rule rules[] = {
    {.id = 12,
     .deny = true,
     .is_ip = true,
     .addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 169, 254, 0, 0},
     .prefix = 112,
     .port_lo = 0,
     .port_hi = 65535},
    {.id = 13,
     .host = "api.github.com",
     .port_lo = 443,
     .port_hi = 443,
     .nbinaries = 2,
     .binaries = binaries,
     .children = true,
     .nl7 = 2,
     .l7 = l7s},
    {.id = 14,
     .is_ip = true,
     .addr = {0xfd},
     .prefix = 8,
     .port_lo = 8000,
     .port_hi = 8010,
     .nbinaries = 1,
     .binaries = binaries},
};
static char *disjoint[] = {"/usr/lib", "/srv/data"};
static oshb_param params[] = {{"WORKDIR", NULL, true, 2, disjoint},
                              {"HOME", "/home/agent", true, 0, NULL},
                              {"CACHE", "/var/cache/agent", false, 1, disjoint}};
static uint8_t native_object[100];

/* Every section, every field set to something other than zero. */
static oshb_bundle full_bundle(void)
{
        oshb_bundle b = {0};
        b.meta.policy = "coding_agent";
        for (int i = 0; i < 32; i++)
                b.meta.source_sha256[i] = (uint8_t)(i + 1);
        b.meta.compiler = "oshc 0.1.0";
        b.meta.landlock_min_abi = 4;
        b.meta.landlock_declared_abi = 3;
        b.meta.best_effort = true;
        b.nseccomp = 2;
        b.seccomp = progs;
        b.landlock = (oshb_landlock){.handled_fs = 0xffff,
                                     .handled_net = 0x3,
                                     .scoped = 0x3,
                                     .npaths = 3,
                                     .paths = ll_paths,
                                     .nports = 2,
                                     .ports = ll_ports};
        b.nmounts = 3;
        b.mounts = mounts;
        b.ncgroup = 3;
        b.cgroup = cgroup;
        b.nrlimits = 3;
        b.rlimits = rlimits;
        b.process = (oshb_process){.user = "1000",
                                   .group = "agents",
                                   .caps_set = true,
                                   .ncaps = 2,
                                   .caps = caps,
                                   .nenv_keep = 3,
                                   .env_keep = env_keep,
                                   .nenv_set = 2,
                                   .env_set = env_set,
                                   .hostname = "sandbox",
                                   .walltime_ms = 7200000,
                                   .network = true};
        b.proxy.nrules = 3;
        b.proxy.rules = rules;
        b.nparams = 3;
        b.params = params;
        for (size_t i = 0; i < sizeof(native_object); i++)
                native_object[i] = (uint8_t)(0x7f ^ i);
        b.has_native = true;
        b.native.len = sizeof(native_object);
        b.native.object = native_object;
        sha256(native_object, sizeof(native_object), b.native.sha256);
        return b;
}

/* The smallest bundle: the required strings, nothing else. */
static oshb_bundle small_bundle(void)
{
        oshb_bundle b = {0};
        b.meta.policy = "p";
        b.meta.compiler = "oshc";
        return b;
}

static uint8_t *write_ok(const oshb_bundle *b, size_t *len)
{
        char err[512];
        uint8_t *buf = oshb_write(b, len, err, sizeof(err));
        if (!buf)
                fail_msg("oshb_write: %s", err);
        return buf;
}

static void read_ok(const uint8_t *buf, size_t len, oshb_bundle *out)
{
        char err[512];
        if (oshb_read(buf, len, out, err, sizeof(err)) != 0)
                fail_msg("oshb_read: %s", err);
}

/* ---- raw bundles: split into sections, reassemble, reseal ---- */

typedef struct sec {
        uint32_t type;
        uint32_t len;
        uint8_t payload[8192];
} sec;

static uint32_t rd32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

/* New total length and checksum over whatever the bytes are now. */
static void reseal(uint8_t *p, size_t len)
{
        wr64(p + 16, len);
        sha256(p, len - OSHB_TRAILER_LEN, p + len - OSHB_TRAILER_LEN);
}

static int split(const uint8_t *p, size_t len, sec *out)
{
        int n = 0;
        size_t pos = OSHB_HEADER_LEN;
        while (pos < len - OSHB_TRAILER_LEN) {
                out[n].type = rd32(p + pos);
                out[n].len = rd32(p + pos + 4);
                assert_true(out[n].len <= sizeof(out[n].payload));
                memcpy(out[n].payload, p + pos + 8, out[n].len);
                pos += 8 + ((out[n].len + 7) & ~7u);
                n++;
        }
        return n;
}

/* Header (version 1), the sections as given (each zero padded), trailer. */
static uint8_t *assemble(const sec *s, int n, size_t *lenp)
{
        size_t len = OSHB_HEADER_LEN + OSHB_TRAILER_LEN;
        for (int i = 0; i < n; i++)
                len += 8 + ((s[i].len + 7) & ~7u);
        uint8_t *p = calloc(1, len);
        assert_non_null(p);
        memcpy(p, OSHB_MAGIC, OSHB_MAGIC_LEN);
        wr32(p + 8, OSHB_VERSION);
        size_t pos = OSHB_HEADER_LEN;
        for (int i = 0; i < n; i++) {
                wr32(p + pos, s[i].type);
                wr32(p + pos + 4, s[i].len);
                memcpy(p + pos + 8, s[i].payload, s[i].len);
                pos += 8 + ((s[i].len + 7) & ~7u);
        }
        reseal(p, len);
        *lenp = len;
        return p;
}

static sec *find_sec(sec *s, int n, uint32_t type)
{
        for (int i = 0; i < n; i++)
                if (s[i].type == type)
                        return &s[i];
        fail_msg("no section %u", type);
        abort();
}

/* The reader must refuse buf with a message containing `want`. */
static void expect_reject(const uint8_t *buf, size_t len, const char *want)
{
        oshb_bundle b;
        char err[512] = "";
        int rc = oshb_read(buf, len, &b, err, sizeof(err));
        if (rc == 0) {
                oshb_free(&b);
                fail_msg("accepted a bundle that should fail with '%s'", want);
        }
        if (!strstr(err, want))
                fail_msg("expected '%s', got '%s'", want, err);
        assert_null(b.mem);
        assert_null(b.meta.policy);
}

/* Rebuild the sections with one payload changed, expect `want`. */
static void expect_sections_reject(const sec *s, int n, const char *want)
{
        size_t len;
        uint8_t *p = assemble(s, n, &len);
        expect_reject(p, len, want);
        free(p);
}

/* Replace the one occurrence of `from` in a written bundle by `to` (as
 * long), reseal, expect `want`. */
static void patch_reject(const oshb_bundle *b, const char *from, const char *to, size_t n,
                         const char *want)
{
        size_t len;
        uint8_t *p = write_ok(b, &len);
        uint8_t *at = memmem(p, len, from, n);
        assert_non_null(at);
        assert_null(memmem(at + 1, len - (size_t)(at + 1 - p), from, n));
        memcpy(at, to, n);
        reseal(p, len);
        expect_reject(p, len, want);
        free(p);
}

/* literals only: their sizes (NULs included) must agree */
#define PATCH_REJECT(b, from, to, want)                                                            \
        do {                                                                                       \
                _Static_assert(sizeof(from) == sizeof(to), "same length");                         \
                patch_reject(b, from, to, sizeof(from) - 1, want);                                 \
        } while (0)

/* ---- round trip ---- */

static void assert_opt_str(const char *a, const char *b)
{
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

static void assert_strs(char *const *a, char *const *b, uint32_t n)
{
        for (uint32_t i = 0; i < n; i++)
                assert_string_equal(a[i], b[i]);
}

static void compare_kvs(const oshb_kv *a, const oshb_kv *b, uint32_t n)
{
        for (uint32_t i = 0; i < n; i++) {
                assert_string_equal(a[i].key, b[i].key);
                assert_string_equal(a[i].value, b[i].value);
        }
}

static void compare_seccomp(const oshb_bundle *a, const oshb_bundle *b)
{
        assert_int_equal(a->nseccomp, b->nseccomp);
        for (uint32_t i = 0; i < a->nseccomp; i++) {
                assert_int_equal(a->seccomp[i].audit_arch, b->seccomp[i].audit_arch);
                assert_int_equal(a->seccomp[i].ninsns, b->seccomp[i].ninsns);
                for (uint32_t k = 0; k < a->seccomp[i].ninsns; k++) {
                        const oshb_insn *x = &a->seccomp[i].insns[k], *y = &b->seccomp[i].insns[k];
                        assert_int_equal(x->code, y->code);
                        assert_int_equal(x->jt, y->jt);
                        assert_int_equal(x->jf, y->jf);
                        assert_int_equal(x->k, y->k);
                }
        }
}

static void compare_landlock_mounts(const oshb_bundle *a, const oshb_bundle *b)
{
        const oshb_landlock *x = &a->landlock, *y = &b->landlock;
        assert_int_equal(x->handled_fs, y->handled_fs);
        assert_int_equal(x->handled_net, y->handled_net);
        assert_int_equal(x->scoped, y->scoped);
        assert_int_equal(x->npaths, y->npaths);
        for (uint32_t i = 0; i < x->npaths; i++) {
                assert_int_equal(x->paths[i].access, y->paths[i].access);
                assert_opt_str(x->paths[i].param, y->paths[i].param);
                assert_string_equal(x->paths[i].path, y->paths[i].path);
        }
        assert_int_equal(x->nports, y->nports);
        for (uint32_t i = 0; i < x->nports; i++) {
                assert_int_equal(x->ports[i].access, y->ports[i].access);
                assert_int_equal(x->ports[i].port, y->ports[i].port);
        }
        assert_int_equal(a->nmounts, b->nmounts);
        for (uint32_t i = 0; i < a->nmounts; i++) {
                assert_int_equal(a->mounts[i].kind, b->mounts[i].kind);
                assert_opt_str(a->mounts[i].param, b->mounts[i].param);
                assert_string_equal(a->mounts[i].path, b->mounts[i].path);
                assert_int_equal(a->mounts[i].rule_id, b->mounts[i].rule_id);
        }
}

static void compare_limits_process(const oshb_bundle *a, const oshb_bundle *b)
{
        assert_int_equal(a->ncgroup, b->ncgroup);
        compare_kvs(a->cgroup, b->cgroup, a->ncgroup);
        assert_int_equal(a->nrlimits, b->nrlimits);
        for (uint32_t i = 0; i < a->nrlimits; i++) {
                assert_int_equal(a->rlimits[i].resource, b->rlimits[i].resource);
                assert_true(a->rlimits[i].soft == b->rlimits[i].soft);
                assert_true(a->rlimits[i].hard == b->rlimits[i].hard);
        }
        const oshb_process *x = &a->process, *y = &b->process;
        assert_opt_str(x->user, y->user);
        assert_opt_str(x->group, y->group);
        assert_int_equal(x->caps_set, y->caps_set);
        assert_int_equal(x->ncaps, y->ncaps);
        for (uint32_t i = 0; i < x->ncaps; i++)
                assert_int_equal(x->caps[i], y->caps[i]);
        assert_int_equal(x->nenv_keep, y->nenv_keep);
        assert_strs(x->env_keep, y->env_keep, x->nenv_keep);
        assert_int_equal(x->nenv_set, y->nenv_set);
        compare_kvs(x->env_set, y->env_set, x->nenv_set);
        assert_opt_str(x->hostname, y->hostname);
        assert_int_equal(x->walltime_ms, y->walltime_ms);
        assert_int_equal(x->network, y->network);
}

static void compare_proxy_params(const oshb_bundle *a, const oshb_bundle *b)
{
        assert_int_equal(a->proxy.nrules, b->proxy.nrules);
        for (uint32_t i = 0; i < a->proxy.nrules; i++) {
                const oshb_proxy_rule *x = &a->proxy.rules[i], *y = &b->proxy.rules[i];
                assert_int_equal(x->id, y->id);
                assert_int_equal(x->deny, y->deny);
                assert_int_equal(x->is_ip, y->is_ip);
                assert_opt_str(x->host, y->host);
                assert_memory_equal(x->addr, y->addr, 16);
                assert_int_equal(x->prefix, y->prefix);
                assert_int_equal(x->port_lo, y->port_lo);
                assert_int_equal(x->port_hi, y->port_hi);
                assert_int_equal(x->nbinaries, y->nbinaries);
                assert_strs(x->binaries, y->binaries, x->nbinaries);
                assert_int_equal(x->children, y->children);
                assert_int_equal(x->nl7, y->nl7);
                for (uint32_t j = 0; j < x->nl7; j++) {
                        assert_int_equal(x->l7[j].id, y->l7[j].id);
                        assert_int_equal(x->l7[j].deny, y->l7[j].deny);
                        assert_int_equal(x->l7[j].nmethods, y->l7[j].nmethods);
                        assert_strs(x->l7[j].methods, y->l7[j].methods, x->l7[j].nmethods);
                        assert_string_equal(x->l7[j].path, y->l7[j].path);
                }
        }
        assert_int_equal(a->nparams, b->nparams);
        for (uint32_t i = 0; i < a->nparams; i++) {
                assert_string_equal(a->params[i].name, b->params[i].name);
                assert_opt_str(a->params[i].def, b->params[i].def);
                assert_int_equal(a->params[i].builtin, b->params[i].builtin);
                assert_int_equal(a->params[i].ndisjoint, b->params[i].ndisjoint);
                assert_strs(a->params[i].disjoint, b->params[i].disjoint, a->params[i].ndisjoint);
        }
}

static void compare_bundles(const oshb_bundle *a, const oshb_bundle *b)
{
        assert_string_equal(a->meta.policy, b->meta.policy);
        assert_memory_equal(a->meta.source_sha256, b->meta.source_sha256, 32);
        assert_string_equal(a->meta.compiler, b->meta.compiler);
        assert_int_equal(a->meta.landlock_min_abi, b->meta.landlock_min_abi);
        assert_int_equal(a->meta.landlock_declared_abi, b->meta.landlock_declared_abi);
        assert_int_equal(a->meta.best_effort, b->meta.best_effort);
        compare_seccomp(a, b);
        compare_landlock_mounts(a, b);
        compare_limits_process(a, b);
        compare_proxy_params(a, b);
        assert_int_equal(a->has_native, b->has_native);
        if (a->has_native) {
                assert_memory_equal(a->native.sha256, b->native.sha256, 32);
                assert_int_equal(a->native.len, b->native.len);
                assert_memory_equal(a->native.object, b->native.object, a->native.len);
        }
}

static void test_round_trip_full(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle(), back;
        size_t len, len2, len3;
        uint8_t *p = write_ok(&b, &len);
        uint8_t *p2 = write_ok(&b, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(p, p2, len);
        assert_int_equal(len % 8, 0);
        assert_memory_equal(p, OSHB_MAGIC, OSHB_MAGIC_LEN);

        read_ok(p, len, &back);
        compare_bundles(&b, &back);
        /* strings are NUL-terminated copies, not pointers into the input */
        assert_true((uint8_t *)back.meta.policy < p || (uint8_t *)back.meta.policy >= p + len);
        /* reading then writing gives the same bytes */
        uint8_t *p3 = write_ok(&back, &len3);
        assert_int_equal(len, len3);
        assert_memory_equal(p, p3, len);
        oshb_free(&back);
        assert_null(back.mem);
        oshb_free(&back); /* twice is harmless */
        free(p);
        free(p2);
        free(p3);
}

static void test_round_trip_small(void **state)
{
        (void)state;
        oshb_bundle b = small_bundle(), back;
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        read_ok(p, len, &back);
        compare_bundles(&b, &back);
        assert_false(back.has_native);
        assert_null(back.seccomp);
        assert_null(back.process.user);
        assert_false(back.process.caps_set);
        oshb_free(&back);
        free(p);
}

/* ---- envelope: truncation, bit flips, header fields ---- */

static void test_every_truncation_rejected(void **state)
{
        (void)state;
        oshb_bundle b = small_bundle();
        b.ncgroup = 1;
        b.cgroup = cgroup;
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        for (size_t n = 0; n < len; n++)
                expect_reject(p, n,
                              n < OSHB_HEADER_LEN + OSHB_TRAILER_LEN ? "too short"
                                                                     : "file is truncated");
        /* bytes appended */
        uint8_t *longer = calloc(1, len + 8);
        memcpy(longer, p, len);
        expect_reject(longer, len + 8, "has bytes appended");
        free(longer);

        /* cut inside the sections, with the length and checksum made right:
         * the section table must notice by itself */
        for (size_t body = OSHB_HEADER_LEN; body < len - OSHB_TRAILER_LEN; body++) {
                uint8_t *q = malloc(body + OSHB_TRAILER_LEN);
                memcpy(q, p, body);
                reseal(q, body + OSHB_TRAILER_LEN);
                oshb_bundle out;
                char err[512];
                assert_int_equal(oshb_read(q, body + OSHB_TRAILER_LEN, &out, err, sizeof(err)), -1);
                assert_true(strstr(err, "runs past the end") || strstr(err, "missing required") ||
                            strstr(err, "left in the section"));
                free(q);
        }
        free(p);
}

static void test_every_bit_flip_rejected(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        for (size_t i = 0; i < len; i++)
                for (int bit = 0; bit < 8; bit++) {
                        p[i] ^= (uint8_t)(1 << bit);
                        /* the fields checked before the checksum say what they are */
                        const char *want = i < 8    ? "bad magic"
                                           : i < 12 ? "bundle version"
                                           : i < 16 ? "checksum mismatch"
                                           : i < 24 ? "the header says"
                                                    : "checksum mismatch";
                        expect_reject(p, len, want);
                        p[i] ^= (uint8_t)(1 << bit);
                }
        oshb_bundle ok;
        read_ok(p, len, &ok);
        oshb_free(&ok);
        free(p);
}

static void test_header_fields(void **state)
{
        (void)state;
        oshb_bundle b = small_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);

        p[0] = 'X';
        reseal(p, len);
        expect_reject(p, len, "bad magic: not an oshc bundle");
        p[0] = 'O';

        wr32(p + 8, 2);
        reseal(p, len);
        expect_reject(p, len,
                      "bundle version 2, this osh-run reads version 1: recompile the policy with "
                      "a matching oshc");
        wr32(p + 8, 1);

        wr32(p + 12, 1);
        reseal(p, len);
        expect_reject(p, len, "byte 12: header flags 0x1");
        wr32(p + 12, 0);

        wr64(p + 16, len + 8);
        sha256(p, len - OSHB_TRAILER_LEN, p + len - OSHB_TRAILER_LEN);
        expect_reject(p, len, "the header says the bundle is");

        reseal(p, len);
        p[len - 1] ^= 1;
        expect_reject(p, len,
                      "checksum mismatch: the bundle is corrupt or was modified after compilation");
        free(p);

        /* over the size limit: refused before anything is read */
        expect_reject((const uint8_t *)"", (size_t)OSHB_MAX_FILE + 1, "over the 64 MiB limit");
}

/* ---- the section table ---- */

static void test_section_table_errors(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        static sec s[12], t[12];
        int n = split(p, len, s);
        assert_int_equal(n, 10);

        memcpy(t, s, sizeof(s));
        t[n] = (sec){.type = 11, .len = 0};
        expect_sections_reject(t, n + 1, "unknown section type 11 (this osh-run knows 1 to 10)");
        t[0].type = 0;
        expect_sections_reject(t, 1, "unknown section type 0");

        memcpy(t, s, sizeof(s)); /* CGROUP twice */
        memmove(&t[5], &t[4], sizeof(sec) * (size_t)(n - 4));
        expect_sections_reject(t, n + 1, "section CGROUP is repeated");

        memcpy(t, s, sizeof(s)); /* MOUNTS after CGROUP */
        t[3] = s[4];
        t[4] = s[3];
        expect_sections_reject(t, n, "section MOUNTS comes after section CGROUP");

        memcpy(t, s, sizeof(s)); /* PARAMS missing (NATIVE is optional) */
        t[8] = s[9];
        expect_sections_reject(t, n - 1, "missing required section PARAMS");
        expect_sections_reject(t, 0, "missing required section META");
        free(p);
}

static void test_native_is_optional(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle(), back;
        b.has_native = false;
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        read_ok(p, len, &back);
        assert_false(back.has_native);
        assert_null(back.native.object);
        oshb_free(&back);
        free(p);
}

static void test_lengths_and_padding(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        static sec s[12];
        int n = split(p, len, s);

        /* META's payload length (past the end of the file) */
        wr32(p + OSHB_HEADER_LEN + 4, 0x10000);
        reseal(p, len);
        expect_reject(p, len, "byte 28: section META: payload length 65536 runs past the end");
        free(p);

        /* a non-zero padding byte: META's payload is not a multiple of 8 */
        assert_true(s[0].len % 8 != 0);
        p = assemble(s, n, &len);
        p[OSHB_HEADER_LEN + 8 + s[0].len] = 1;
        reseal(p, len);
        expect_reject(p, len, "section META, byte");
        expect_reject(p, len, "padding byte 0x01 is not zero");
        free(p);

        /* trailing bytes inside a section */
        sec *rl = find_sec(s, n, OSHB_SEC_RLIMITS);
        rl->payload[rl->len++] = 0;
        expect_sections_reject(s, n, "section RLIMITS, byte");
        expect_sections_reject(s, n, "1 byte after the last field");
        rl->len--;

        /* items cut short by the section's end: caught at the count */
        rl->len -= 3;
        expect_sections_reject(s, n, "rlimit count: 3 items need at least 60 bytes, only 57 left");
        rl->len += 3;

        /* a field cut short by the section's end */
        sec *meta = find_sec(s, n, OSHB_SEC_META);
        meta->len--;
        expect_sections_reject(s, n, "section META, byte 102: best_effort: needs 1 bytes, only 0");
}

static void test_counts_and_strings(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        static sec s[12];
        int n = split(p, len, s);
        free(p);

        sec *cg = find_sec(s, n, OSHB_SEC_CGROUP);
        wr32(cg->payload, 60); /* under the limit, more than the bytes can hold */
        expect_sections_reject(s, n, "key count: 60 items need at least 480 bytes");
        wr32(cg->payload, 65); /* over the limit */
        expect_sections_reject(s, n, "key count: 65 exceeds the limit of 64");
        wr32(cg->payload, 3);

        sec *ll = find_sec(s, n, OSHB_SEC_LANDLOCK);
        wr32(ll->payload + 24, 0xffffffff);
        expect_sections_reject(s, n, "path rule count: 4294967295 exceeds the limit of 65536");
        wr32(ll->payload + 24, 3);

        /* a string's length past its section, over OSHB_MAX_STR, a NUL inside */
        sec *meta = find_sec(s, n, OSHB_SEC_META);
        wr32(meta->payload, 2000);
        expect_sections_reject(s, n, "section META, byte 32: policy: needs 2000 bytes");
        wr32(meta->payload, OSHB_MAX_STR + 1);
        expect_sections_reject(s, n, "policy: string length 4097 exceeds the limit of 4096");
        wr32(meta->payload, 12);
        meta->payload[4 + 6] = 0;
        expect_sections_reject(s, n, "section META, byte 42: policy: NUL byte inside the string");
        meta->payload[4 + 6] = '_';

        /* a boolean or presence byte other than 0 and 1 */
        meta->payload[meta->len - 1] = 2;
        expect_sections_reject(s, n, "best_effort: boolean byte is 2, not 0 or 1");
        meta->payload[meta->len - 1] = 1;
        sec *pr = find_sec(s, n, OSHB_SEC_PROCESS);
        pr->payload[0] = 7;
        expect_sections_reject(s, n, "user: presence byte is 7, not 0 or 1");
}

/* ---- values the runtime does not know ---- */

static void test_bad_values_by_offset(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        static sec s[12];
        int n = split(p, len, s);
        free(p);

        sec *sc = find_sec(s, n, OSHB_SEC_SECCOMP);
        wr32(sc->payload + 4, 0x12345678);
        expect_sections_reject(s, n, "program 0: audit_arch: 0x12345678 is not an architecture");
        wr32(sc->payload + 4, AARCH64);
        expect_sections_reject(s, n, "program 1: audit_arch: a second program for aarch64");
        wr32(sc->payload + 4, X86_64);
        wr32(sc->payload + 8, 0);
        expect_sections_reject(s, n, "a program needs at least one instruction");
        wr32(sc->payload + 8, OSHB_MAX_INSNS + 1);
        expect_sections_reject(s, n, "instruction count: 4097 exceeds the limit of 4096");
        wr32(sc->payload + 8, 4);

        sec *mo = find_sec(s, n, OSHB_SEC_MOUNTS);
        wr32(mo->payload + 4, 0);
        expect_sections_reject(s, n, "mount 0: kind: 0x0 is not a non-empty set");
        wr32(mo->payload + 4, 16);
        expect_sections_reject(s, n, "mount 0: kind: 0x10");
        wr32(mo->payload + 4, OSHB_MASK_HIDE);

        sec *rl = find_sec(s, n, OSHB_SEC_RLIMITS);
        wr32(rl->payload + 4, 16);
        expect_sections_reject(s, n, "rlimit 0: resource: 16 is not a Linux rlimit");
        wr32(rl->payload + 4, 0);
        expect_sections_reject(s, n, "rlimit 1: resource: 0 appears twice");
        wr32(rl->payload + 4, 7);
        wr64(rl->payload + 8, 8193);
        expect_sections_reject(s, n, "rlimit 0: soft: 8193 is above the hard limit 8192");
        wr64(rl->payload + 8, 4096);

        /* proxy rule 0 is an address range: id, deny, is_ip, addr, prefix */
        sec *px = find_sec(s, n, OSHB_SEC_PROXY);
        px->payload[4 + 4 + 1 + 1 + 16] = 129;
        expect_sections_reject(s, n, "rule 0: prefix: 129 is over 128");
        px->payload[26] = 112;
        wr32(px->payload + 27, 0x00050006); /* port_lo 6, port_hi 5 */
        expect_sections_reject(s, n, "rule 0: ports: 6..5 is an empty range");
        wr32(px->payload + 27, 0xffff0000);

        sec *ll = find_sec(s, n, OSHB_SEC_LANDLOCK);
        wr64(ll->payload + 28, 0x10000); /* path rule 0's access */
        expect_sections_reject(s, n, "path rule 0: access: 0x10000 has rights outside handled_fs");
        wr64(ll->payload + 28, 0x7);
        wr64(ll->payload + 8, 0); /* handled_net: the port rules' rights are outside it */
        expect_sections_reject(s, n, "port rule 0: access: 0x1 has rights outside handled_net");

        /* still well-formed after all the patches were undone */
        wr64(ll->payload + 8, 3);
        p = assemble(s, n, &len);
        oshb_bundle ok;
        read_ok(p, len, &ok);
        oshb_free(&ok);
        free(p);
}

static void test_bad_values_by_content(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        PATCH_REJECT(&b, "WORKDIR\0\0\0\0", "WORKDIX\0\0\0\0",
                     "path rule 0: param: 'WORKDIX' is not declared in the PARAMS section");
        PATCH_REJECT(&b, "/.env", "/../e", "mount 0: path: '.' or '..' component");
        PATCH_REJECT(&b, "/dev", "dev/", "mount 2: path: not an absolute path");
        PATCH_REJECT(&b, "memory.max", "memory/max", "key 0: key: 'memory/max' is not a cgroup");
        PATCH_REJECT(&b, "pids.max", "cpu.max\x03", "key 2: key: 'cpu.max?' is not a cgroup");
        PATCH_REJECT(&b, "pids.max", "cpu.max\0", "key 2: key: NUL byte inside the string");
        PATCH_REJECT(&b, "\x08\0\0\0pids.max", "\x07\0\0\0cpu.max\x03",
                     "key 2: key: repeats key 1");
        PATCH_REJECT(&b, "api.github.com", "api.GitHub.com", "rule 1: host: upper-case letter");
        PATCH_REJECT(&b, "/usr/bin/curl", "usr/bin/curl/", "rule 1: binary: not an absolute path");
        PATCH_REJECT(&b, "PIP_NO_INPUT", "PIP=NO_INPUT", "env set 0: name: not an environment");
        PATCH_REJECT(&b, "CACHE", "CA$HE", "parameter 2: name: 'CA$HE' is not a parameter name");
        PATCH_REJECT(&b, "150000 100000", "150000\n100000", "key 1: value: control character");

        /* a parameter twice */
        oshb_param twice[2] = {{"WORKDIR", NULL, true, 0, NULL}, {"WORKDIY", NULL, true, 0, NULL}};
        oshb_bundle t = small_bundle();
        t.nparams = 2;
        t.params = twice;
        PATCH_REJECT(&t, "WORKDIY", "WORKDIR", "parameter 1: name: repeats parameter 0");

        /* a variable set twice */
        oshb_kv env2[2] = {{"AAAA", "1"}, {"AAAB", "2"}};
        t = small_bundle();
        t.process.nenv_set = 2;
        t.process.env_set = env2;
        PATCH_REJECT(&t, "AAAB", "AAAA", "env set 1: name: repeats env set 0");

        /* a suffix after a parameter that does not start with '/' */
        oshb_param home = {"HOME", NULL, true, 0, NULL};
        oshb_ll_path rel = {0x1, "HOME", "/x"};
        t = small_bundle();
        t.nparams = 1;
        t.params = &home;
        t.landlock = (oshb_landlock){.handled_fs = 1, .npaths = 1, .paths = &rel};
        PATCH_REJECT(&t, "\x02\0\0\0/x", "\x02\0\0\0xx",
                     "path rule 0: path: the suffix after a parameter must be empty or start");

        /* caps listed while caps_set is 0, a capability number over 63 */
        uint32_t one_cap[1] = {12};
        t = small_bundle();
        t.process.caps_set = true;
        t.process.ncaps = 1;
        t.process.caps = one_cap;
        PATCH_REJECT(&t, "\x01\x01\0\0\0\x0c", "\x00\x01\0\0\0\x0c",
                     "capability count: 1 capabilities but caps_set is 0");
        PATCH_REJECT(&t, "\x01\x01\0\0\0\x0c", "\x01\x01\0\0\0\x40",
                     "capability: 64 is not a capability number");

        /* an empty user; a hostname over the kernel's limit (the byte after
         * it, walltime's first, is not NUL so the string stays one) */
        char host[65];
        memset(host, 'h', 64);
        host[64] = 0;
        t = small_bundle();
        t.process.user = "u";
        t.process.hostname = host;
        t.process.walltime_ms = 0x41;
        PATCH_REJECT(&t, "\x01\x01\0\0\0u", "\x01\0\0\0\0u", "user: empty string");
        PATCH_REJECT(&t, "\x40\0\0\0hhh", "\x41\0\0\0hhh",
                     "hostname: 65 bytes, the kernel allows 64");

        /* an empty policy name */
        t = small_bundle();
        PATCH_REJECT(&t, "\x01\0\0\0p", "\0\0\0\0\0", "section META, byte 32: policy: empty");

        /* the native object's own checksum */
        b = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&b, &len);
        p[len - OSHB_TRAILER_LEN - 8] ^= 1; /* inside the object, the section's last bytes */
        reseal(p, len);
        expect_reject(p, len, "section NATIVE, byte");
        expect_reject(p, len, "object: its SHA-256 does not match the one recorded before it");
        free(p);
}

/* Random damage with the checksum made right: never a crash (ASan and
 * UBSan run this too), and whatever is accepted reads back and writes out
 * to the very same bytes (the encoding has one form per bundle). */
static void test_random_damage(void **state)
{
        (void)state;
        oshb_bundle b = full_bundle();
        size_t len;
        uint8_t *orig = write_ok(&b, &len);
        uint8_t *p = malloc(len);
        unsigned seed = 12345, accepted = 0;
        for (int iter = 0; iter < 4000; iter++) {
                memcpy(p, orig, len);
                int nchanges = 1 + iter % 3;
                for (int c = 0; c < nchanges; c++) {
                        seed = seed * 1103515245 + 12345;
                        size_t at = OSHB_HEADER_LEN +
                                    (seed >> 8) % (len - OSHB_HEADER_LEN - OSHB_TRAILER_LEN);
                        seed = seed * 1103515245 + 12345;
                        p[at] = (seed >> 16) & 1 ? (uint8_t)(seed >> 8) : p[at] ^ 1;
                }
                reseal(p, len);
                oshb_bundle out;
                char err[512];
                if (oshb_read(p, len, &out, err, sizeof(err)) == 0) {
                        accepted++;
                        size_t len2;
                        uint8_t *again = write_ok(&out, &len2);
                        assert_int_equal(len, len2);
                        assert_memory_equal(p, again, len);
                        free(again);
                        oshb_free(&out);
                } else {
                        assert_true(strlen(err) > 10);
                }
        }
        assert_true(accepted > 0);
        free(p);
        free(orig);
}

/* A tiny message buffer is filled and terminated, never overrun. */
static void test_small_error_buffer(void **state)
{
        (void)state;
        char err[8];
        oshb_bundle b;
        memset(err, 'x', sizeof(err));
        assert_int_equal(oshb_read((const uint8_t *)"short", 5, &b, err, sizeof(err)), -1);
        assert_int_equal(strlen(err), 7);
        assert_int_equal(oshb_read((const uint8_t *)"short", 5, &b, NULL, 0), -1);
}

/* ---- the writer's refusals ---- */

static void expect_write_fails(const oshb_bundle *b, const char *want)
{
        char err[512] = "";
        size_t len = 99;
        uint8_t *p = oshb_write(b, &len, err, sizeof(err));
        if (p) {
                free(p);
                fail_msg("wrote a bundle that should fail with '%s'", want);
        }
        assert_int_equal(len, 0);
        if (!strstr(err, want))
                fail_msg("expected '%s', got '%s'", want, err);
}

static void test_writer_refusals(void **state)
{
        (void)state;
        char *huge = malloc(OSHB_MAX_STR + 2);
        memset(huge, 'a', OSHB_MAX_STR + 1);
        huge[OSHB_MAX_STR + 1] = 0;

        oshb_bundle b = full_bundle();
        b.proxy.rules[1].host = huge;
        expect_write_fails(&b, "proxy rule 1: host: string of 4097 bytes is over the limit");
        b.proxy.rules[1].host = "api.github.com";
        huge[OSHB_MAX_STR] = 0; /* exactly the limit is fine */
        b.process.env_set[1].value = huge;
        size_t len;
        free(write_ok(&b, &len));
        b.process.env_set[1].value = "";

        b.meta.policy = NULL;
        expect_write_fails(&b, "META policy: missing");
        b = full_bundle();
        b.nseccomp = OSHB_MAX_PROGS + 1;
        expect_write_fails(&b, "seccomp program count: 17 is over the limit of 16");
        b = full_bundle();
        b.ncgroup = 2;
        b.cgroup = NULL;
        expect_write_fails(&b, "cgroup key count: 2 but no array");

        /* a value osh-run would refuse: the writer reads its output back */
        b = full_bundle();
        b.proxy.rules[0].prefix = 200;
        expect_write_fails(&b, "osh-run would refuse this bundle: section PROXY");
        b.proxy.rules[0].prefix = 112;

        /* over OSHB_MAX_FILE in total */
        uint8_t *big = calloc(1, OSHB_MAX_FILE);
        b.native.object = big;
        b.native.len = OSHB_MAX_FILE - 64;
        expect_write_fails(&b, "over the 64 MiB limit");
        free(big);
        free(huge);
}

/* ---- files ---- */

static void test_read_file(void **state)
{
        (void)state;
        char dir[] = "/tmp/oshb-test-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[256], err[512];
        oshb_bundle b;

        assert_int_equal(oshb_read_file(dir, &b, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "not a regular file"));

        snprintf(path, sizeof(path), "%s/fifo", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(oshb_read_file(path, &b, err, sizeof(err)), -1); /* must not block */
        assert_non_null(strstr(err, "not a regular file"));
        unlink(path);

        assert_int_equal(oshb_read_file("/dev/zero", &b, err, sizeof(err)), -1);
        assert_string_equal(err, "/dev/zero: not a regular file (a bundle is the file `oshc "
                                 "compile` writes)");

        snprintf(path, sizeof(path), "%s/missing.oshb", dir);
        assert_int_equal(oshb_read_file(path, &b, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "cannot open: No such file"));

        /* too large: refused from its size, not read */
        snprintf(path, sizeof(path), "%s/big.oshb", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t)OSHB_MAX_FILE + 1), 0);
        close(fd);
        assert_int_equal(oshb_read_file(path, &b, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "over the 64 MiB limit"));

        /* a good one, and a corrupt one named in the message */
        oshb_bundle full = full_bundle();
        size_t len;
        uint8_t *p = write_ok(&full, &len);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_int_equal(write(fd, p, len), (ssize_t)len);
        close(fd);
        assert_int_equal(oshb_read_file(path, &b, err, sizeof(err)), 0);
        compare_bundles(&full, &b);
        oshb_free(&b);
        p[100] ^= 4;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_int_equal(write(fd, p, len), (ssize_t)len);
        close(fd);
        assert_int_equal(oshb_read_file(path, &b, err, sizeof(err)), -1);
        char want[300];
        snprintf(want, sizeof(want), "%s: checksum mismatch", path);
        assert_non_null(strstr(err, want));
        unlink(path);
        rmdir(dir);
        free(p);
}

static void test_audit_arch_names(void **state)
{
        (void)state;
        assert_string_equal(oshb_audit_arch_name(X86_64), "x86_64");
        assert_string_equal(oshb_audit_arch_name(AARCH64), "aarch64");
        assert_string_equal(oshb_audit_arch_name(0x40000003), "x86");
        assert_null(oshb_audit_arch_name(0));
        assert_null(oshb_audit_arch_name(0x4000003e)); /* x86_64 without the 64-bit flag */
}

/* ---- fuzz seeds ---- */

static void write_seed(const char *dir, const char *name, uint8_t mode, const oshb_bundle *b)
{
        size_t len;
        uint8_t *p = write_ok(b, &len);
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputc(mode, f);
        fwrite(p, 1, len, f);
        fclose(f);
        free(p);
}

static void test_write_fuzz_corpus(void **state)
{
        (void)state;
        const char *dir = getenv("OSH_WRITE_CORPUS");
        if (!dir)
                skip();
        oshb_bundle full = full_bundle(), small = small_bundle();
        write_seed(dir, "full", 0, &full);
        write_seed(dir, "full-fixup", 1, &full);
        write_seed(dir, "small", 0, &small);
        write_seed(dir, "small-fixup", 3, &small);
        full.has_native = false;
        full.nseccomp = 1;
        write_seed(dir, "no-native-fixup", 3, &full);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sha256_fips_vectors),
            cmocka_unit_test(test_sha256_incremental),
            cmocka_unit_test(test_round_trip_full),
            cmocka_unit_test(test_round_trip_small),
            cmocka_unit_test(test_native_is_optional),
            cmocka_unit_test(test_every_truncation_rejected),
            cmocka_unit_test(test_every_bit_flip_rejected),
            cmocka_unit_test(test_header_fields),
            cmocka_unit_test(test_section_table_errors),
            cmocka_unit_test(test_lengths_and_padding),
            cmocka_unit_test(test_counts_and_strings),
            cmocka_unit_test(test_bad_values_by_offset),
            cmocka_unit_test(test_bad_values_by_content),
            cmocka_unit_test(test_random_damage),
            cmocka_unit_test(test_small_error_buffer),
            cmocka_unit_test(test_writer_refusals),
            cmocka_unit_test(test_read_file),
            cmocka_unit_test(test_audit_arch_names),
            cmocka_unit_test(test_write_fuzz_corpus),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
