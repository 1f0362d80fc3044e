/*
 * bundle_read.c - parse and verify a .oshb bundle (libc only).
 *
 * osh-run, osh-proxy and `oshc inspect` read bundles through this file and
 * nothing else, so it is the one place that decides what a well-formed
 * bundle is.  It trusts nothing in the input: the envelope is checked first
 * (size bounds, magic, version, total length, the SHA-256 trailer), then the
 * section table (known types, each at most once, in increasing order, every
 * payload and its zero padding inside the file, every required section
 * present), then each payload field by field (every length, count and
 * string against the bytes left in its section, every enum against the
 * values the runtime knows).  Each message names the section and the byte
 * offset of the field at fault.  docs/bundle.md describes the layout.
 *
 * Memory: the result's strings and arrays live in one malloc'd block, so
 * oshb_free frees once.  The payloads are parsed twice by the same code:
 * the first pass validates everything and only adds up the sizes, the
 * second copies into a block of exactly that size.  Every count is checked
 * against the bytes left in its section before anything is sized from it,
 * so the block is at most a small multiple of the file's size.  No
 * recursion: the format nests at most three lists deep (proxy rule, L7
 * rule, method).
 */
#include "../backends/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const section_names[OSHB_SEC__MAX + 1] = {
    [OSHB_SEC_META] = "META",         [OSHB_SEC_SECCOMP] = "SECCOMP",
    [OSHB_SEC_LANDLOCK] = "LANDLOCK", [OSHB_SEC_MOUNTS] = "MOUNTS",
    [OSHB_SEC_CGROUP] = "CGROUP",     [OSHB_SEC_RLIMITS] = "RLIMITS",
    [OSHB_SEC_PROCESS] = "PROCESS",   [OSHB_SEC_PROXY] = "PROXY",
    [OSHB_SEC_PARAMS] = "PARAMS",     [OSHB_SEC_NATIVE] = "NATIVE",
};

/* The architectures a seccomp program may be for: every AUDIT_ARCH_* value
 * libseccomp can build a filter for (linux/audit.h, spelled out here so the
 * list does not depend on the build machine's kernel headers). */
static const struct {
        uint32_t value;
        const char *name;
} audit_arches[] = {
    {0xc000003e, "x86_64"},   {0x40000003, "x86"},         {0xc00000b7, "aarch64"},
    {0x40000028, "arm"},      {0xc00000f3, "riscv64"},     {0xc0000102, "loongarch64"},
    {0x80000015, "ppc64"},    {0xc0000015, "ppc64le"},     {0x00000014, "ppc"},
    {0x80000016, "s390x"},    {0x00000016, "s390"},        {0x00000008, "mips"},
    {0x40000008, "mipsel"},   {0x80000008, "mips64"},      {0xa0000008, "mips64n32"},
    {0xc0000008, "mipsel64"}, {0xe0000008, "mipsel64n32"}, {0x0000000f, "parisc"},
    {0x8000000f, "parisc64"}, {0x00000004, "m68k"},        {0x0000002a, "sheb"},
    {0x4000002a, "sh"},
};

const char *oshb_audit_arch_name(uint32_t audit_arch)
{
        for (size_t i = 0; i < sizeof(audit_arches) / sizeof(audit_arches[0]); i++)
                if (audit_arches[i].value == audit_arch)
                        return audit_arches[i].name;
        return NULL;
}

/* The generic Linux numbering (asm-generic/resource.h): RLIMIT_CPU (0) to
 * RLIMIT_RTTIME (15). */
#define LINUX_RLIMIT_COUNT 16

/* A string in the input, not yet copied. */
typedef struct str_view {
        const char *s;
        uint32_t n;
        size_t at; /* offset of its length field */
        bool present;
} str_view;

typedef struct section_loc {
        size_t start, len; /* payload */
        bool present;
} section_loc;

typedef struct reader {
        const uint8_t *data;
        size_t pos; /* next byte to read */
        size_t end; /* end of the current section's payload */
        const char *section;
        /* the item being read, for messages: "rule 3, L7 rule 1: " */
        const char *item, *sub;
        uint32_t index, subindex;
        char *err;
        size_t errlen;
        bool failed;
        /* output: while measuring only `used` grows */
        bool measuring;
        uint8_t *block;
        size_t used, cap;
        /* PARAMS is parsed first; LANDLOCK and MOUNTS refer to its names */
        str_view params[OSHB_MAX_PARAMS];
        uint32_t nparams;
} reader;

/* ---- messages ---- */

static void set_err(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(reader *r, const char *fmt, ...)
{
        if (r->failed)
                return;
        r->failed = true;
        if (!r->err || r->errlen == 0)
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
}

/* A problem inside the current section, at byte `at` of the file. */
static void fail(reader *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(reader *r, size_t at, const char *fmt, ...)
{
        if (r->failed)
                return;
        char where[96] = "";
        if (r->item && r->sub)
                snprintf(where, sizeof(where), "%s %u, %s %u: ", r->item, r->index, r->sub,
                         r->subindex);
        else if (r->item)
                snprintf(where, sizeof(where), "%s %u: ", r->item, r->index);
        char msg[320];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        set_err(r, "section %s, byte %zu: %s%s", r->section, at, where, msg);
}

/* At most 64 bytes of an input string, fit for a message (non-printable
 * bytes shown as '?'). */
static const char *printable(char buf[72], str_view v)
{
        uint32_t n = v.n < 64 ? v.n : 64;
        for (uint32_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)v.s[i];
                buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        }
        strcpy(buf + n, v.n > n ? "..." : "");
        return buf;
}

/* ---- primitives: each checks the bytes left in the section ---- */

static bool need(reader *r, size_t n, const char *what)
{
        if (r->failed)
                return false;
        if (r->end - r->pos < n) {
                fail(r, r->pos, "%s: needs %zu bytes, only %zu left in the section", what, n,
                     r->end - r->pos);
                return false;
        }
        return true;
}

static uint64_t get_le(reader *r, size_t n, const char *what)
{
        if (!need(r, n, what))
                return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)r->data[r->pos + i] << (8 * i);
        r->pos += n;
        return v;
}

static uint8_t get_u8(reader *r, const char *what)
{
        return (uint8_t)get_le(r, 1, what);
}

static uint16_t get_u16(reader *r, const char *what)
{
        return (uint16_t)get_le(r, 2, what);
}

static uint32_t get_u32(reader *r, const char *what)
{
        return (uint32_t)get_le(r, 4, what);
}

static uint64_t get_u64(reader *r, const char *what)
{
        return get_le(r, 8, what);
}

static bool get_bool(reader *r, const char *what)
{
        size_t at = r->pos;
        uint8_t v = get_u8(r, what);
        if (v > 1)
                fail(r, at, "%s: boolean byte is %u, not 0 or 1", what, v);
        return v == 1;
}

static void get_bytes(reader *r, uint8_t *dst, size_t n, const char *what)
{
        if (!need(r, n, what))
                return;
        memcpy(dst, r->data + r->pos, n);
        r->pos += n;
}

/* A list's count: at most `max`, and no more items than the bytes left in
 * the section can hold at `min_item` bytes each. */
static uint32_t get_count(reader *r, uint32_t max, size_t min_item, const char *what)
{
        size_t at = r->pos;
        uint32_t n = get_u32(r, what);
        if (r->failed)
                return 0;
        if (n > max) {
                fail(r, at, "%s: %u exceeds the limit of %u", what, n, max);
                return 0;
        }
        if ((uint64_t)n * min_item > r->end - r->pos) {
                fail(r, at, "%s: %u items need at least %llu bytes, only %zu left in the section",
                     what, n, (unsigned long long)n * min_item, r->end - r->pos);
                return 0;
        }
        return n;
}

/* A string: u32 length (at most OSHB_MAX_STR), the bytes, no NUL among them. */
static str_view get_view(reader *r, const char *what)
{
        str_view v = {.at = r->pos};
        uint32_t n = get_u32(r, what);
        if (r->failed)
                return v;
        if (n > OSHB_MAX_STR) {
                fail(r, v.at, "%s: string length %u exceeds the limit of %d bytes", what, n,
                     OSHB_MAX_STR);
                return v;
        }
        if (r->end - r->pos < n) {
                fail(r, v.at, "%s: needs %u bytes, only %zu left in the section", what, n,
                     r->end - r->pos);
                return v;
        }
        const char *s = (const char *)r->data + r->pos;
        const char *nul = memchr(s, 0, n);
        if (nul) {
                fail(r, r->pos + (size_t)(nul - s), "%s: NUL byte inside the string", what);
                return v;
        }
        v.s = s;
        v.n = n;
        v.present = true;
        r->pos += n;
        return v;
}

/* An optional string: a presence byte (0 or 1), then the string if 1. */
static str_view get_opt_view(reader *r, const char *what)
{
        size_t at = r->pos;
        uint8_t present = get_u8(r, what);
        if (present > 1)
                fail(r, at, "%s: presence byte is %u, not 0 or 1", what, present);
        if (present != 1 || r->failed)
                return (str_view){.at = at};
        return get_view(r, what);
}

static void nonempty(reader *r, str_view v, const char *what)
{
        if (v.present && v.n == 0)
                fail(r, v.at, "%s: empty string", what);
}

/* ---- output: one block, sized by the measuring pass ---- */

static void *alloc(reader *r, size_t n)
{
        if (r->failed || n == 0)
                return NULL;
        size_t rounded = (n + 7) & ~(size_t)7;
        if (r->measuring) {
                r->used += rounded;
                return NULL;
        }
        if (r->cap - r->used < rounded) {
                fail(r, r->pos, "internal error: the two passes of the reader disagree");
                return NULL;
        }
        void *p = r->block + r->used;
        r->used += rounded;
        return p;
}

static char *keep(reader *r, str_view v)
{
        if (!v.present)
                return NULL;
        char *s = alloc(r, (size_t)v.n + 1);
        if (s) {
                memcpy(s, v.s, v.n);
                s[v.n] = 0;
        }
        return s;
}

static char *get_str(reader *r, const char *what)
{
        return keep(r, get_view(r, what));
}

/* ---- checks shared by several sections ---- */

static bool view_eq(str_view a, str_view b)
{
        return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* No "." or ".." component: the path means what it says, without
 * resolving anything. */
static void check_components(reader *r, str_view v, const char *what)
{
        size_t i = 0;
        while (i < v.n) {
                size_t j = i;
                while (j < v.n && v.s[j] != '/')
                        j++;
                size_t len = j - i;
                if ((len == 1 && v.s[i] == '.') ||
                    (len == 2 && v.s[i] == '.' && v.s[i + 1] == '.')) {
                        fail(r, v.at, "%s: '.' or '..' component in a path", what);
                        return;
                }
                i = j + 1;
        }
}

static void check_abs_path(reader *r, str_view v, const char *what)
{
        if (r->failed || !v.present)
                return;
        if (v.n == 0 || v.s[0] != '/')
                fail(r, v.at, "%s: not an absolute path", what);
        check_components(r, v, what);
}

/* A Landlock or mount path: a literal absolute path, or a declared
 * parameter followed by "" or "/sub". */
static void check_rule_path(reader *r, str_view param, str_view path)
{
        if (r->failed)
                return;
        if (!param.present) {
                check_abs_path(r, path, "path");
                return;
        }
        bool declared = false;
        for (uint32_t i = 0; i < r->nparams && !declared; i++)
                declared = view_eq(r->params[i], param);
        char buf[72];
        if (!declared)
                fail(r, param.at, "param: '%s' is not declared in the PARAMS section",
                     printable(buf, param));
        else if (path.n > 0 && path.s[0] != '/')
                fail(r, path.at,
                     "path: the suffix after a parameter must be empty or start "
                     "with '/'");
        check_components(r, path, "path");
}

/* A `from` binary: an absolute path, or "$NAME" / "$NAME/sub" with NAME a
 * declared parameter (the proxy substitutes the launch value). */
static void check_binary(reader *r, str_view v)
{
        if (r->failed || v.n == 0 || v.s[0] != '$') {
                check_abs_path(r, v, "binary");
                return;
        }
        size_t n = 1;
        while (n < v.n && v.s[n] != '/')
                n++;
        str_view name = v, rest = v;
        name.s = v.s + 1;
        name.n = n - 1;
        rest.s = v.s + n;
        rest.n = v.n - n;
        bool declared = false;
        for (uint32_t i = 0; i < r->nparams && !declared; i++)
                declared = view_eq(r->params[i], name);
        if (!declared)
                fail(r, v.at, "binary: its parameter is not declared in the PARAMS section");
        else
                check_components(r, rest, "binary");
}

/* ---- the sections, in type order (docs/bundle.md) ---- */

static void parse_meta(reader *r, oshb_meta *m)
{
        str_view policy = get_view(r, "policy");
        nonempty(r, policy, "policy");
        m->policy = keep(r, policy);
        get_bytes(r, m->source_sha256, 32, "source_sha256");
        str_view compiler = get_view(r, "compiler");
        nonempty(r, compiler, "compiler");
        m->compiler = keep(r, compiler);
        m->landlock_min_abi = get_u32(r, "landlock_min_abi");
        m->landlock_declared_abi = get_u32(r, "landlock_declared_abi");
        m->best_effort = get_bool(r, "best_effort");
}

static void parse_insns(reader *r, oshb_seccomp_prog *p)
{
        size_t at = r->pos;
        p->ninsns = get_count(r, OSHB_MAX_INSNS, 8, "instruction count");
        if (!r->failed && p->ninsns == 0)
                fail(r, at, "instruction count: a program needs at least one instruction");
        p->insns = alloc(r, p->ninsns * sizeof(oshb_insn));
        for (uint32_t k = 0; k < p->ninsns && !r->failed; k++) {
                oshb_insn tmp = {0}, *in = p->insns ? &p->insns[k] : &tmp;
                in->code = get_u16(r, "code");
                in->jt = get_u8(r, "jt");
                in->jf = get_u8(r, "jf");
                in->k = get_u32(r, "k");
        }
}

static void parse_seccomp(reader *r, oshb_bundle *b)
{
        uint32_t arches[OSHB_MAX_PROGS];
        b->nseccomp = get_count(r, OSHB_MAX_PROGS, 8, "program count");
        b->seccomp = alloc(r, b->nseccomp * sizeof(oshb_seccomp_prog));
        r->item = "program";
        for (uint32_t i = 0; i < b->nseccomp && !r->failed; i++) {
                oshb_seccomp_prog tmp = {0}, *p = b->seccomp ? &b->seccomp[i] : &tmp;
                r->index = i;
                size_t at = r->pos;
                p->audit_arch = arches[i] = get_u32(r, "audit_arch");
                if (!r->failed && !oshb_audit_arch_name(p->audit_arch))
                        fail(r, at, "audit_arch: 0x%08x is not an architecture this reader knows",
                             p->audit_arch);
                for (uint32_t j = 0; j < i && !r->failed; j++)
                        if (arches[j] == p->audit_arch)
                                fail(r, at, "audit_arch: a second program for %s",
                                     oshb_audit_arch_name(p->audit_arch));
                parse_insns(r, p);
        }
        r->item = NULL;
}

static void parse_landlock(reader *r, oshb_landlock *l)
{
        l->handled_fs = get_u64(r, "handled_fs");
        l->handled_net = get_u64(r, "handled_net");
        l->scoped = get_u64(r, "scoped");

        l->npaths = get_count(r, OSHB_MAX_LIST, 13, "path rule count");
        l->paths = alloc(r, l->npaths * sizeof(oshb_ll_path));
        r->item = "path rule";
        for (uint32_t i = 0; i < l->npaths && !r->failed; i++) {
                oshb_ll_path tmp = {0}, *p = l->paths ? &l->paths[i] : &tmp;
                r->index = i;
                size_t at = r->pos;
                p->access = get_u64(r, "access");
                if (!r->failed && (p->access & ~l->handled_fs))
                        fail(r, at, "access: 0x%llx has rights outside handled_fs 0x%llx",
                             (unsigned long long)p->access, (unsigned long long)l->handled_fs);
                str_view param = get_opt_view(r, "param");
                str_view path = get_view(r, "path");
                check_rule_path(r, param, path);
                p->param = keep(r, param);
                p->path = keep(r, path);
        }
        r->item = NULL;

        l->nports = get_count(r, OSHB_MAX_LIST, 16, "port rule count");
        l->ports = alloc(r, l->nports * sizeof(oshb_ll_port));
        r->item = "port rule";
        for (uint32_t i = 0; i < l->nports && !r->failed; i++) {
                oshb_ll_port tmp = {0}, *p = l->ports ? &l->ports[i] : &tmp;
                r->index = i;
                size_t at = r->pos;
                p->access = get_u64(r, "access");
                if (!r->failed && (p->access & ~l->handled_net))
                        fail(r, at, "access: 0x%llx has rights outside handled_net 0x%llx",
                             (unsigned long long)p->access, (unsigned long long)l->handled_net);
                at = r->pos;
                p->port = get_u64(r, "port");
                if (!r->failed && p->port > 65535)
                        fail(r, at, "port: %llu is over 65535", (unsigned long long)p->port);
        }
        r->item = NULL;
}

static void parse_mounts(reader *r, oshb_bundle *b)
{
        const uint32_t known =
            OSHB_MASK_HIDE | OSHB_MASK_READONLY | OSHB_MASK_NOEXEC | OSHB_MASK_NODEV;
        b->nmounts = get_count(r, OSHB_MAX_LIST, 13, "mount count");
        b->mounts = alloc(r, b->nmounts * sizeof(oshb_mount));
        r->item = "mount";
        for (uint32_t i = 0; i < b->nmounts && !r->failed; i++) {
                oshb_mount tmp = {0}, *m = b->mounts ? &b->mounts[i] : &tmp;
                r->index = i;
                size_t at = r->pos;
                m->kind = get_u32(r, "kind");
                if (!r->failed && (m->kind == 0 || (m->kind & ~known)))
                        fail(r, at, "kind: 0x%x is not a non-empty set of OSHB_MASK_* bits (0x%x)",
                             m->kind, known);
                str_view param = get_opt_view(r, "param");
                str_view path = get_view(r, "path");
                check_rule_path(r, param, path);
                m->param = keep(r, param);
                m->path = keep(r, path);
                m->rule_id = get_u32(r, "rule_id");
        }
        r->item = NULL;
}

/* A cgroup v2 interface file of the leaf: "memory.max".  Nothing that could
 * name another file (no '/', no leading '.'). */
static void check_cgroup_key(reader *r, str_view k)
{
        bool dot = false, ok = k.n > 0 && k.s[0] != '.';
        for (uint32_t i = 0; i < k.n && ok; i++) {
                char ch = k.s[i];
                dot |= ch == '.';
                ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
        }
        char buf[72];
        if (!ok || !dot)
                fail(r, k.at, "key: '%s' is not a cgroup interface file name like memory.max",
                     printable(buf, k));
}

static void parse_cgroup(reader *r, oshb_bundle *b)
{
        str_view keys[OSHB_MAX_CGROUP];
        b->ncgroup = get_count(r, OSHB_MAX_CGROUP, 8, "key count");
        b->cgroup = alloc(r, b->ncgroup * sizeof(oshb_kv));
        r->item = "key";
        for (uint32_t i = 0; i < b->ncgroup && !r->failed; i++) {
                oshb_kv tmp = {0}, *kv = b->cgroup ? &b->cgroup[i] : &tmp;
                r->index = i;
                str_view key = keys[i] = get_view(r, "key");
                if (!r->failed)
                        check_cgroup_key(r, key);
                for (uint32_t j = 0; j < i && !r->failed; j++)
                        if (view_eq(keys[j], key))
                                fail(r, key.at, "key: repeats key %u", j);
                str_view value = get_view(r, "value");
                nonempty(r, value, "value");
                for (uint32_t j = 0; j < value.n && !r->failed; j++)
                        if ((unsigned char)value.s[j] < 0x20 || value.s[j] == 0x7f)
                                fail(r, value.at, "value: control character inside");
                kv->key = keep(r, key);
                kv->value = keep(r, value);
        }
        r->item = NULL;
}

static void parse_rlimits(reader *r, oshb_bundle *b)
{
        uint32_t seen = 0;
        b->nrlimits = get_count(r, OSHB_MAX_RLIMITS, 20, "rlimit count");
        b->rlimits = alloc(r, b->nrlimits * sizeof(oshb_rlimit));
        r->item = "rlimit";
        for (uint32_t i = 0; i < b->nrlimits && !r->failed; i++) {
                oshb_rlimit tmp = {0}, *rl = b->rlimits ? &b->rlimits[i] : &tmp;
                r->index = i;
                size_t at = r->pos;
                rl->resource = get_u32(r, "resource");
                if (!r->failed && rl->resource >= LINUX_RLIMIT_COUNT)
                        fail(r, at, "resource: %u is not a Linux rlimit (0 to %d)", rl->resource,
                             LINUX_RLIMIT_COUNT - 1);
                else if (!r->failed && (seen & (1u << rl->resource)))
                        fail(r, at, "resource: %u appears twice", rl->resource);
                else
                        seen |= 1u << (rl->resource % LINUX_RLIMIT_COUNT);
                at = r->pos;
                rl->soft = get_u64(r, "soft");
                rl->hard = get_u64(r, "hard");
                if (!r->failed && rl->soft > rl->hard)
                        fail(r, at, "soft: %llu is above the hard limit %llu",
                             (unsigned long long)rl->soft, (unsigned long long)rl->hard);
        }
        r->item = NULL;
}

/* An environment variable's name: not empty, no '='. */
static void check_env_name(reader *r, str_view v, const char *what)
{
        if (r->failed)
                return;
        if (v.n == 0 || memchr(v.s, '=', v.n))
                fail(r, v.at, "%s: not an environment variable name (empty or has '=')", what);
}

static void parse_process(reader *r, oshb_process *p)
{
        str_view user = get_opt_view(r, "user");
        nonempty(r, user, "user");
        p->user = keep(r, user);
        str_view group = get_opt_view(r, "group");
        nonempty(r, group, "group");
        p->group = keep(r, group);

        p->caps_set = get_bool(r, "caps_set");
        size_t at = r->pos;
        p->ncaps = get_count(r, OSHB_MAX_CAPS, 4, "capability count");
        if (!r->failed && !p->caps_set && p->ncaps > 0)
                fail(r, at, "capability count: %u capabilities but caps_set is 0", p->ncaps);
        p->caps = alloc(r, p->ncaps * sizeof(uint32_t));
        for (uint32_t i = 0; i < p->ncaps && !r->failed; i++) {
                at = r->pos;
                uint32_t cap = get_u32(r, "capability");
                if (!r->failed && cap > 63)
                        fail(r, at, "capability: %u is not a capability number (0 to 63)", cap);
                if (p->caps)
                        p->caps[i] = cap;
        }

        p->nenv_keep = get_count(r, OSHB_MAX_ENV, 4, "env keep count");
        p->env_keep = alloc(r, p->nenv_keep * sizeof(char *));
        for (uint32_t i = 0; i < p->nenv_keep && !r->failed; i++) {
                str_view name = get_view(r, "env keep");
                check_env_name(r, name, "env keep");
                char *s = keep(r, name);
                if (p->env_keep)
                        p->env_keep[i] = s;
        }

        str_view names[OSHB_MAX_ENV];
        p->nenv_set = get_count(r, OSHB_MAX_ENV, 8, "env set count");
        p->env_set = alloc(r, p->nenv_set * sizeof(oshb_kv));
        r->item = "env set";
        for (uint32_t i = 0; i < p->nenv_set && !r->failed; i++) {
                oshb_kv tmp = {0}, *kv = p->env_set ? &p->env_set[i] : &tmp;
                r->index = i;
                str_view name = names[i] = get_view(r, "name");
                check_env_name(r, name, "name");
                for (uint32_t j = 0; j < i && !r->failed; j++)
                        if (view_eq(names[j], name))
                                fail(r, name.at, "name: repeats env set %u", j);
                kv->key = keep(r, name);
                kv->value = get_str(r, "value");
        }
        r->item = NULL;

        str_view host = get_opt_view(r, "hostname");
        nonempty(r, host, "hostname");
        if (!r->failed && host.n > OSHB_MAX_HOSTNAME)
                fail(r, host.at, "hostname: %u bytes, the kernel allows %d", host.n,
                     OSHB_MAX_HOSTNAME);
        p->hostname = keep(r, host);
        p->walltime_ms = get_u64(r, "walltime_ms");
        p->network = get_bool(r, "network");
}

static void parse_l7(reader *r, oshb_l7 *l)
{
        l->id = get_u32(r, "id");
        l->deny = get_bool(r, "deny");
        l->nmethods = get_count(r, OSHB_MAX_METHODS, 4, "method count");
        l->methods = alloc(r, l->nmethods * sizeof(char *));
        for (uint32_t k = 0; k < l->nmethods && !r->failed; k++) {
                str_view m = get_view(r, "method");
                nonempty(r, m, "method");
                char *s = keep(r, m);
                if (l->methods)
                        l->methods[k] = s;
        }
        str_view path = get_view(r, "path");
        nonempty(r, path, "path");
        l->path = keep(r, path);
}

static void parse_proxy_endpoint(reader *r, oshb_proxy_rule *p)
{
        p->is_ip = get_bool(r, "is_ip");
        if (p->is_ip) {
                get_bytes(r, p->addr, 16, "addr");
                size_t at = r->pos;
                p->prefix = get_u8(r, "prefix");
                if (!r->failed && p->prefix > 128)
                        fail(r, at, "prefix: %u is over 128", p->prefix);
                p->host = NULL;
        } else {
                memset(p->addr, 0, sizeof(p->addr));
                p->prefix = 0;
                str_view host = get_view(r, "host");
                nonempty(r, host, "host");
                for (uint32_t i = 0; i < host.n && !r->failed; i++)
                        if (host.s[i] >= 'A' && host.s[i] <= 'Z')
                                fail(r, host.at, "host: upper-case letter in a host pattern");
                p->host = keep(r, host);
        }
        size_t at = r->pos;
        p->port_lo = get_u16(r, "port_lo");
        p->port_hi = get_u16(r, "port_hi");
        if (!r->failed && p->port_lo > p->port_hi)
                fail(r, at, "ports: %u..%u is an empty range", p->port_lo, p->port_hi);
}

static void parse_proxy(reader *r, oshb_proxy *px)
{
        px->nrules = get_count(r, OSHB_MAX_LIST, 23, "rule count");
        px->rules = alloc(r, px->nrules * sizeof(oshb_proxy_rule));
        r->item = "rule";
        for (uint32_t i = 0; i < px->nrules && !r->failed; i++) {
                oshb_proxy_rule tmp = {0}, *p = px->rules ? &px->rules[i] : &tmp;
                r->index = i;
                p->id = get_u32(r, "id");
                p->deny = get_bool(r, "deny");
                parse_proxy_endpoint(r, p);
                p->nbinaries = get_count(r, OSHB_MAX_LIST, 4, "binary count");
                p->binaries = alloc(r, p->nbinaries * sizeof(char *));
                for (uint32_t k = 0; k < p->nbinaries && !r->failed; k++) {
                        str_view bin = get_view(r, "binary");
                        check_binary(r, bin);
                        char *s = keep(r, bin);
                        if (p->binaries)
                                p->binaries[k] = s;
                }
                p->children = get_bool(r, "children");
                p->nl7 = get_count(r, OSHB_MAX_LIST, 13, "L7 rule count");
                p->l7 = alloc(r, p->nl7 * sizeof(oshb_l7));
                r->sub = "L7 rule";
                for (uint32_t j = 0; j < p->nl7 && !r->failed; j++) {
                        oshb_l7 ltmp = {0}, *l = p->l7 ? &p->l7[j] : &ltmp;
                        r->subindex = j;
                        parse_l7(r, l);
                }
                r->sub = NULL;
        }
        r->item = NULL;
}

/* A parameter's name as the language spells it: [A-Za-z_][A-Za-z0-9_-]*. */
static void check_param_name(reader *r, str_view v)
{
        bool ok = v.n > 0 && !(v.s[0] >= '0' && v.s[0] <= '9') && v.s[0] != '-';
        for (uint32_t i = 0; i < v.n && ok; i++) {
                char ch = v.s[i];
                ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        }
        char buf[72];
        if (!ok)
                fail(r, v.at, "name: '%s' is not a parameter name", printable(buf, v));
}

static void parse_params(reader *r, oshb_bundle *b)
{
        r->nparams = 0;
        b->nparams = get_count(r, OSHB_MAX_PARAMS, 10, "parameter count");
        b->params = alloc(r, b->nparams * sizeof(oshb_param));
        r->item = "parameter";
        for (uint32_t i = 0; i < b->nparams && !r->failed; i++) {
                oshb_param tmp = {0}, *p = b->params ? &b->params[i] : &tmp;
                r->index = i;
                str_view name = get_view(r, "name");
                if (!r->failed)
                        check_param_name(r, name);
                for (uint32_t j = 0; j < r->nparams && !r->failed; j++)
                        if (view_eq(r->params[j], name))
                                fail(r, name.at, "name: repeats parameter %u", j);
                r->params[r->nparams++] = name;
                p->name = keep(r, name);
                str_view def = get_opt_view(r, "default");
                nonempty(r, def, "default");
                p->def = keep(r, def);
                p->builtin = get_bool(r, "builtin");
                p->ndisjoint = get_count(r, OSHB_MAX_LIST, 4, "disjoint path count");
                p->disjoint = alloc(r, p->ndisjoint * sizeof(char *));
                for (uint32_t k = 0; k < p->ndisjoint && !r->failed; k++) {
                        str_view path = get_view(r, "disjoint path");
                        check_abs_path(r, path, "disjoint path");
                        char *s = keep(r, path);
                        if (p->disjoint)
                                p->disjoint[k] = s;
                }
        }
        r->item = NULL;
}

static void parse_native(reader *r, oshb_bundle *b)
{
        oshb_native *n = &b->native;
        b->has_native = true;
        get_bytes(r, n->sha256, 32, "sha256");
        size_t at = r->pos;
        n->len = get_u32(r, "object length");
        if (r->failed)
                return;
        if (n->len == 0) {
                fail(r, at, "object length: the native matcher is empty");
                return;
        }
        if (!need(r, n->len, "object"))
                return;
        uint8_t sum[32];
        sha256(r->data + r->pos, n->len, sum);
        if (memcmp(sum, n->sha256, 32) != 0) {
                fail(r, at, "object: its SHA-256 does not match the one recorded before it");
                return;
        }
        n->object = alloc(r, n->len);
        if (n->object)
                memcpy(n->object, r->data + r->pos, n->len);
        r->pos += n->len;
}

/* ---- envelope and section table ---- */

static uint64_t le_at(const uint8_t *p, size_t n)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

static bool check_envelope(reader *r, size_t len)
{
        const uint8_t *d = r->data;
        if (len < OSHB_HEADER_LEN + OSHB_TRAILER_LEN) {
                set_err(r, "%zu bytes is too short for a bundle (at least %d): truncated?", len,
                        OSHB_HEADER_LEN + OSHB_TRAILER_LEN);
                return false;
        }
        if (len > OSHB_MAX_FILE) {
                set_err(r, "%zu bytes is over the %u MiB limit for a bundle", len,
                        OSHB_MAX_FILE >> 20);
                return false;
        }
        if (memcmp(d, OSHB_MAGIC, OSHB_MAGIC_LEN) != 0) {
                set_err(r, "byte 0: bad magic: not an oshc bundle (or mangled by a text-mode "
                           "transfer)");
                return false;
        }
        uint32_t version = (uint32_t)le_at(d + 8, 4);
        if (version != OSHB_VERSION) {
                set_err(r,
                        "bundle version %u, this osh-run reads version %d: recompile the policy "
                        "with a matching oshc",
                        version, OSHB_VERSION);
                return false;
        }
        uint64_t total = le_at(d + 16, 8);
        if (total != len) {
                set_err(r,
                        "byte 16: the header says the bundle is %llu bytes, but it is %zu: the "
                        "file is truncated or has bytes appended",
                        (unsigned long long)total, len);
                return false;
        }
        uint8_t sum[32];
        sha256(d, len - OSHB_TRAILER_LEN, sum);
        if (memcmp(sum, d + len - OSHB_TRAILER_LEN, 32) != 0) {
                set_err(r, "checksum mismatch: the bundle is corrupt or was modified after "
                           "compilation");
                return false;
        }
        uint32_t flags = (uint32_t)le_at(d + 12, 4);
        if (flags != 0) {
                set_err(r,
                        "byte 12: header flags 0x%x, this osh-run knows none: recompile the "
                        "policy with a matching oshc",
                        flags);
                return false;
        }
        return true;
}

/* Walk the section headers between the header and the trailer. */
static bool find_sections(reader *r, size_t body_end, section_loc *locs)
{
        size_t pos = OSHB_HEADER_LEN;
        uint32_t last = 0;
        while (pos < body_end) {
                if (body_end - pos < 8) {
                        set_err(r,
                                "byte %zu: a section header runs past the end of the sections "
                                "(%zu bytes left before the checksum)",
                                pos, body_end - pos);
                        return false;
                }
                uint32_t type = (uint32_t)le_at(r->data + pos, 4);
                uint32_t len = (uint32_t)le_at(r->data + pos + 4, 4);
                if (type == 0 || type > OSHB_SEC__MAX) {
                        set_err(r,
                                "byte %zu: unknown section type %u (this osh-run knows 1 to %d): "
                                "recompile the policy with a matching oshc",
                                pos, type, OSHB_SEC__MAX);
                        return false;
                }
                const char *name = section_names[type];
                if (type == last) {
                        set_err(r, "byte %zu: section %s is repeated", pos, name);
                        return false;
                }
                if (type < last) {
                        set_err(r,
                                "byte %zu: section %s comes after section %s: sections must be "
                                "in increasing type order",
                                pos, name, section_names[last]);
                        return false;
                }
                size_t start = pos + 8, left = body_end - start;
                if (len > left) {
                        set_err(r,
                                "byte %zu: section %s: payload length %u runs past the end of "
                                "the sections (%zu bytes left)",
                                pos + 4, name, len, left);
                        return false;
                }
                size_t pad = (8 - len % 8) % 8;
                if (pad > left - len) {
                        set_err(r,
                                "byte %zu: section %s: its padding runs past the end of the "
                                "sections",
                                start + len, name);
                        return false;
                }
                for (size_t i = start + len; i < start + len + pad; i++)
                        if (r->data[i] != 0) {
                                set_err(r, "section %s, byte %zu: padding byte 0x%02x is not zero",
                                        name, i, r->data[i]);
                                return false;
                        }
                locs[type] = (section_loc){.start = start, .len = len, .present = true};
                last = type;
                pos = start + len + pad;
        }
        for (uint32_t t = 1; t <= OSHB_SEC__MAX; t++)
                if (!locs[t].present && t != OSHB_SEC_NATIVE) {
                        set_err(r, "missing required section %s", section_names[t]);
                        return false;
                }
        return true;
}

static void parse_section(reader *r, const section_loc *locs, uint32_t type, oshb_bundle *b)
{
        if (r->failed || !locs[type].present)
                return;
        r->section = section_names[type];
        r->pos = locs[type].start;
        r->end = locs[type].start + locs[type].len;
        switch (type) {
        case OSHB_SEC_META:
                parse_meta(r, &b->meta);
                break;
        case OSHB_SEC_SECCOMP:
                parse_seccomp(r, b);
                break;
        case OSHB_SEC_LANDLOCK:
                parse_landlock(r, &b->landlock);
                break;
        case OSHB_SEC_MOUNTS:
                parse_mounts(r, b);
                break;
        case OSHB_SEC_CGROUP:
                parse_cgroup(r, b);
                break;
        case OSHB_SEC_RLIMITS:
                parse_rlimits(r, b);
                break;
        case OSHB_SEC_PROCESS:
                parse_process(r, &b->process);
                break;
        case OSHB_SEC_PROXY:
                parse_proxy(r, &b->proxy);
                break;
        case OSHB_SEC_PARAMS:
                parse_params(r, b);
                break;
        case OSHB_SEC_NATIVE:
                parse_native(r, b);
                break;
        }
        if (!r->failed && r->pos != r->end)
                fail(r, r->pos, "%zu byte%s after the last field", r->end - r->pos,
                     r->end - r->pos == 1 ? "" : "s");
}

/* One pass over every payload.  PARAMS goes first: LANDLOCK and MOUNTS
 * name its parameters. */
static void parse_all(reader *r, const section_loc *locs, oshb_bundle *b)
{
        memset(b, 0, sizeof(*b));
        parse_section(r, locs, OSHB_SEC_PARAMS, b);
        for (uint32_t t = 1; t <= OSHB_SEC__MAX; t++)
                if (t != OSHB_SEC_PARAMS)
                        parse_section(r, locs, t, b);
}

int oshb_read(const uint8_t *data, size_t len, oshb_bundle *out, char *err, size_t errlen)
{
        memset(out, 0, sizeof(*out));
        if (err && errlen)
                err[0] = 0;
        reader r = {.data = data, .err = err, .errlen = errlen};
        section_loc locs[OSHB_SEC__MAX + 1] = {{0}};
        if (!check_envelope(&r, len) || !find_sections(&r, len - OSHB_TRAILER_LEN, locs))
                return -1;

        oshb_bundle b;
        r.measuring = true;
        parse_all(&r, locs, &b);
        if (r.failed)
                return -1;

        r.measuring = false;
        r.cap = r.used;
        r.used = 0;
        r.block = malloc(r.cap ? r.cap : 1);
        if (!r.block) {
                set_err(&r, "out of memory (%zu bytes for the bundle's contents)", r.cap);
                return -1;
        }
        parse_all(&r, locs, &b);
        if (r.failed) {
                free(r.block);
                return -1;
        }
        b.mem = r.block;
        *out = b;
        return 0;
}

void oshb_free(oshb_bundle *b)
{
        if (!b)
                return;
        free(b->mem);
        memset(b, 0, sizeof(*b));
}

/* ---- files ---- */

static int file_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int file_error(char *err, size_t errlen, const char *fmt, ...)
{
        if (err && errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -1;
}

uint8_t *oshb_slurp(const char *path, size_t *lenp, char *err, size_t errlen)
{
        /* O_NONBLOCK: opening a FIFO must not wait for a writer */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                file_error(err, errlen, "%s: cannot open: %s", path, strerror(errno));
                return NULL;
        }
        struct stat st;
        uint8_t *buf = NULL;
        if (fstat(fd, &st) < 0) {
                file_error(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        } else if (!S_ISREG(st.st_mode)) {
                file_error(err, errlen,
                           "%s: not a regular file (a bundle is the file `oshc compile` writes)",
                           path);
        } else if (st.st_size > (off_t)OSHB_MAX_FILE) {
                file_error(err, errlen, "%s: %lld bytes is over the %u MiB limit for a bundle",
                           path, (long long)st.st_size, OSHB_MAX_FILE >> 20);
        } else if (fcntl(fd, F_SETFL, 0) < 0 ||
                   !(buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1))) {
                file_error(err, errlen, "%s: %s", path, strerror(errno));
        } else {
                size_t len = (size_t)st.st_size, got = 0;
                while (got < len) {
                        ssize_t n = read(fd, buf + got, len - got);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                file_error(err, errlen, "%s: %s", path,
                                           n < 0 ? strerror(errno)
                                                 : "the file shrank while it was read");
                                free(buf);
                                buf = NULL;
                                break;
                        }
                        got += (size_t)n;
                }
                *lenp = len;
        }
        close(fd);
        return buf;
}

int oshb_read_file(const char *path, oshb_bundle *out, char *err, size_t errlen)
{
        memset(out, 0, sizeof(*out));
        size_t len = 0;
        uint8_t *buf = oshb_slurp(path, &len, err, errlen);
        if (!buf)
                return -1;
        char msg[512];
        int rc = oshb_read(buf, len, out, msg, sizeof(msg));
        if (rc < 0)
                file_error(err, errlen, "%s: %s", path, msg);
        free(buf);
        return rc;
}
