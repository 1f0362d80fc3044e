/*
 * bundle_write.c - serialize an oshb_bundle into the .oshb format.
 *
 * The layout is docs/bundle.md's, field by field, and the mirror image of
 * runtime/bundle_read.c: the header, every section in increasing type
 * order (NATIVE only when the bundle has one), each padded with zeros to a
 * multiple of 8, then the SHA-256 of everything before it.  Every byte is
 * written explicitly, so the same struct always gives the same bytes.
 *
 * The writer refuses what it cannot encode (a string over OSHB_MAX_STR, a
 * missing required string, a count over its limit, a file over
 * OSHB_MAX_FILE) with a message naming the field.  Then it reads its own
 * output back with oshb_read: a bundle oshc writes is one osh-run accepts,
 * and a backend that fills a field with a value the runtime would refuse
 * (a prefix over 128, an unknown arch, a path rule with rights outside the
 * handled set) is caught at compile time with the reader's message.
 */
#include "bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct writer {
        uint8_t *buf;
        size_t len, cap;
        char *err;
        size_t errlen;
        bool failed;
        /* the item being written, for messages: "proxy rule 3: host: ..." */
        const char *item, *sub;
        uint32_t index, subindex;
} writer;

static void fail(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(writer *w, const char *fmt, ...)
{
        if (w->failed)
                return;
        w->failed = true;
        if (!w->err || w->errlen == 0)
                return;
        char where[96] = "";
        if (w->item && w->sub)
                snprintf(where, sizeof(where), "%s %u, %s %u: ", w->item, w->index, w->sub,
                         w->subindex);
        else if (w->item)
                snprintf(where, sizeof(where), "%s %u: ", w->item, w->index);
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(w->err, w->errlen, "bundle: %s%s", where, msg);
}

static void put(writer *w, const void *p, size_t n)
{
        if (w->failed)
                return;
        if (n > OSHB_MAX_FILE - w->len) {
                fail(w, "the bundle would be over the %u MiB limit", OSHB_MAX_FILE >> 20);
                return;
        }
        if (w->len + n > w->cap) {
                size_t cap = w->cap ? w->cap : 4096;
                while (cap < w->len + n)
                        cap *= 2;
                uint8_t *nb = realloc(w->buf, cap);
                if (!nb) {
                        fail(w, "out of memory");
                        return;
                }
                w->buf = nb;
                w->cap = cap;
        }
        if (n)
                memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static void put_le(writer *w, uint64_t v, size_t n)
{
        uint8_t b[8];
        for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(v >> (8 * i));
        put(w, b, n);
}

static void put_u8(writer *w, uint8_t v)
{
        put_le(w, v, 1);
}

static void put_u16(writer *w, uint16_t v)
{
        put_le(w, v, 2);
}

static void put_u32(writer *w, uint32_t v)
{
        put_le(w, v, 4);
}

static void put_u64(writer *w, uint64_t v)
{
        put_le(w, v, 8);
}

static void put_bool(writer *w, bool v)
{
        put_u8(w, v ? 1 : 0);
}

/* u32 length + bytes.  A C string cannot hold a NUL, so the reader's "no
 * NUL inside" holds by construction; only the length is checked. */
static void put_str(writer *w, const char *s, const char *what)
{
        if (w->failed)
                return;
        if (!s) {
                fail(w, "%s: missing (NULL)", what);
                return;
        }
        size_t n = strlen(s);
        if (n > OSHB_MAX_STR) {
                fail(w, "%s: string of %zu bytes is over the limit of %d (OSHB_MAX_STR)", what, n,
                     OSHB_MAX_STR);
                return;
        }
        put_u32(w, (uint32_t)n);
        put(w, s, n);
}

/* A presence byte, then the string when there is one. */
static void put_opt_str(writer *w, const char *s, const char *what)
{
        put_bool(w, s != NULL);
        if (s)
                put_str(w, s, what);
}

/* A list's count: within its limit, and an array behind it when not 0. */
static bool put_count(writer *w, uint32_t n, uint32_t max, const void *items, const char *what)
{
        if (w->failed)
                return false;
        if (n > max) {
                fail(w, "%s: %u is over the limit of %u", what, n, max);
                return false;
        }
        if (n > 0 && !items) {
                fail(w, "%s: %u but no array", what, n);
                return false;
        }
        put_u32(w, n);
        return !w->failed;
}

static void put_strs(writer *w, char *const *v, uint32_t n, uint32_t max, const char *count_name,
                     const char *what)
{
        if (!put_count(w, n, max, v, count_name))
                return;
        for (uint32_t i = 0; i < n; i++)
                put_str(w, v[i], what);
}

/* ---- the sections (docs/bundle.md) ---- */

static void write_meta(writer *w, const oshb_meta *m)
{
        put_str(w, m->policy, "META policy");
        put(w, m->source_sha256, 32);
        put_str(w, m->compiler, "META compiler");
        put_u32(w, m->landlock_min_abi);
        put_u32(w, m->landlock_declared_abi);
        put_bool(w, m->best_effort);
}

static void write_seccomp(writer *w, const oshb_bundle *b)
{
        if (!put_count(w, b->nseccomp, OSHB_MAX_PROGS, b->seccomp, "seccomp program count"))
                return;
        w->item = "seccomp program";
        for (uint32_t i = 0; i < b->nseccomp; i++) {
                const oshb_seccomp_prog *p = &b->seccomp[i];
                w->index = i;
                put_u32(w, p->audit_arch);
                if (!put_count(w, p->ninsns, OSHB_MAX_INSNS, p->insns, "instruction count"))
                        return;
                for (uint32_t k = 0; k < p->ninsns; k++) {
                        put_u16(w, p->insns[k].code);
                        put_u8(w, p->insns[k].jt);
                        put_u8(w, p->insns[k].jf);
                        put_u32(w, p->insns[k].k);
                }
        }
        w->item = NULL;
}

static void write_landlock(writer *w, const oshb_landlock *l)
{
        put_u64(w, l->handled_fs);
        put_u64(w, l->handled_net);
        put_u64(w, l->scoped);
        if (!put_count(w, l->npaths, OSHB_MAX_LIST, l->paths, "Landlock path rule count"))
                return;
        w->item = "Landlock path rule";
        for (uint32_t i = 0; i < l->npaths; i++) {
                w->index = i;
                put_u64(w, l->paths[i].access);
                put_opt_str(w, l->paths[i].param, "param");
                put_str(w, l->paths[i].path, "path");
        }
        w->item = NULL;
        if (!put_count(w, l->nports, OSHB_MAX_LIST, l->ports, "Landlock port rule count"))
                return;
        for (uint32_t i = 0; i < l->nports; i++) {
                put_u64(w, l->ports[i].access);
                put_u64(w, l->ports[i].port);
        }
}

static void write_mounts(writer *w, const oshb_bundle *b)
{
        if (!put_count(w, b->nmounts, OSHB_MAX_LIST, b->mounts, "mount count"))
                return;
        w->item = "mount";
        for (uint32_t i = 0; i < b->nmounts; i++) {
                w->index = i;
                put_u32(w, b->mounts[i].kind);
                put_opt_str(w, b->mounts[i].param, "param");
                put_str(w, b->mounts[i].path, "path");
                put_u32(w, b->mounts[i].rule_id);
        }
        w->item = NULL;
}

static void write_kvs(writer *w, const oshb_kv *kv, uint32_t n, uint32_t max,
                      const char *count_name, const char *item)
{
        if (!put_count(w, n, max, kv, count_name))
                return;
        w->item = item;
        for (uint32_t i = 0; i < n; i++) {
                w->index = i;
                put_str(w, kv[i].key, "key");
                put_str(w, kv[i].value, "value");
        }
        w->item = NULL;
}

static void write_rlimits(writer *w, const oshb_bundle *b)
{
        if (!put_count(w, b->nrlimits, OSHB_MAX_RLIMITS, b->rlimits, "rlimit count"))
                return;
        for (uint32_t i = 0; i < b->nrlimits; i++) {
                put_u32(w, b->rlimits[i].resource);
                put_u64(w, b->rlimits[i].soft);
                put_u64(w, b->rlimits[i].hard);
        }
}

static void write_process(writer *w, const oshb_process *p)
{
        put_opt_str(w, p->user, "process user");
        put_opt_str(w, p->group, "process group");
        put_bool(w, p->caps_set);
        if (!put_count(w, p->ncaps, OSHB_MAX_CAPS, p->caps, "capability count"))
                return;
        for (uint32_t i = 0; i < p->ncaps; i++)
                put_u32(w, p->caps[i]);
        put_strs(w, p->env_keep, p->nenv_keep, OSHB_MAX_ENV, "env keep count", "env keep");
        write_kvs(w, p->env_set, p->nenv_set, OSHB_MAX_ENV, "env set count", "env set");
        put_opt_str(w, p->hostname, "process hostname");
        put_u64(w, p->walltime_ms);
        put_bool(w, p->network);
}

static void write_l7(writer *w, const oshb_l7 *l)
{
        put_u32(w, l->id);
        put_bool(w, l->deny);
        put_strs(w, l->methods, l->nmethods, OSHB_MAX_METHODS, "method count", "method");
        put_str(w, l->path, "path");
}

static void write_proxy(writer *w, const oshb_proxy *px)
{
        if (!put_count(w, px->nrules, OSHB_MAX_LIST, px->rules, "proxy rule count"))
                return;
        w->item = "proxy rule";
        for (uint32_t i = 0; i < px->nrules && !w->failed; i++) {
                const oshb_proxy_rule *p = &px->rules[i];
                w->index = i;
                put_u32(w, p->id);
                put_bool(w, p->deny);
                put_bool(w, p->is_ip);
                if (p->is_ip) {
                        put(w, p->addr, 16);
                        put_u8(w, p->prefix);
                } else {
                        put_str(w, p->host, "host");
                }
                put_u16(w, p->port_lo);
                put_u16(w, p->port_hi);
                put_strs(w, p->binaries, p->nbinaries, OSHB_MAX_LIST, "binary count", "binary");
                put_bool(w, p->children);
                if (!put_count(w, p->nl7, OSHB_MAX_LIST, p->l7, "L7 rule count"))
                        break;
                w->sub = "L7 rule";
                for (uint32_t j = 0; j < p->nl7; j++) {
                        w->subindex = j;
                        write_l7(w, &p->l7[j]);
                }
                w->sub = NULL;
        }
        w->item = NULL;
}

static void write_params(writer *w, const oshb_bundle *b)
{
        if (!put_count(w, b->nparams, OSHB_MAX_PARAMS, b->params, "parameter count"))
                return;
        w->item = "parameter";
        for (uint32_t i = 0; i < b->nparams; i++) {
                const oshb_param *p = &b->params[i];
                w->index = i;
                put_str(w, p->name, "name");
                put_opt_str(w, p->def, "default");
                put_bool(w, p->builtin);
                put_strs(w, p->disjoint, p->ndisjoint, OSHB_MAX_LIST, "disjoint path count",
                         "disjoint path");
        }
        w->item = NULL;
}

static void write_native(writer *w, const oshb_native *n)
{
        put(w, n->sha256, 32);
        if (!put_count(w, n->len, OSHB_MAX_FILE, n->object, "native object length"))
                return;
        put(w, n->object, n->len);
}

static void write_section(writer *w, uint32_t type, const oshb_bundle *b)
{
        static const uint8_t zeros[8];
        put_u32(w, type);
        size_t len_at = w->len;
        put_u32(w, 0); /* the payload length, patched below */
        size_t start = w->len;
        switch (type) {
        case OSHB_SEC_META:
                write_meta(w, &b->meta);
                break;
        case OSHB_SEC_SECCOMP:
                write_seccomp(w, b);
                break;
        case OSHB_SEC_LANDLOCK:
                write_landlock(w, &b->landlock);
                break;
        case OSHB_SEC_MOUNTS:
                write_mounts(w, b);
                break;
        case OSHB_SEC_CGROUP:
                write_kvs(w, b->cgroup, b->ncgroup, OSHB_MAX_CGROUP, "cgroup key count",
                          "cgroup key");
                break;
        case OSHB_SEC_RLIMITS:
                write_rlimits(w, b);
                break;
        case OSHB_SEC_PROCESS:
                write_process(w, &b->process);
                break;
        case OSHB_SEC_PROXY:
                write_proxy(w, &b->proxy);
                break;
        case OSHB_SEC_PARAMS:
                write_params(w, b);
                break;
        case OSHB_SEC_NATIVE:
                write_native(w, &b->native);
                break;
        }
        if (w->failed)
                return;
        size_t len = w->len - start;
        for (size_t i = 0; i < 4; i++)
                w->buf[len_at + i] = (uint8_t)(len >> (8 * i));
        put(w, zeros, (8 - len % 8) % 8);
}

uint8_t *oshb_write(const oshb_bundle *b, size_t *lenp, char *err, size_t errlen)
{
        writer w = {.err = err, .errlen = errlen};
        if (err && errlen)
                err[0] = 0;
        *lenp = 0;

        put(&w, OSHB_MAGIC, OSHB_MAGIC_LEN);
        put_u32(&w, OSHB_VERSION);
        put_u32(&w, 0); /* flags */
        put_u64(&w, 0); /* total length, patched below */
        for (uint32_t t = 1; t <= OSHB_SEC__MAX; t++)
                if (t != OSHB_SEC_NATIVE || b->has_native)
                        write_section(&w, t, b);
        if (!w.failed && w.len + OSHB_TRAILER_LEN > OSHB_MAX_FILE)
                fail(&w, "the bundle would be over the %u MiB limit", OSHB_MAX_FILE >> 20);
        if (w.failed) {
                free(w.buf);
                return NULL;
        }
        uint64_t total = w.len + OSHB_TRAILER_LEN;
        for (size_t i = 0; i < 8; i++)
                w.buf[16 + i] = (uint8_t)(total >> (8 * i));
        uint8_t sum[32];
        sha256(w.buf, w.len, sum);
        put(&w, sum, sizeof(sum));
        if (w.failed) {
                free(w.buf);
                return NULL;
        }

        /* what osh-run would say about it */
        oshb_bundle check;
        char why[512];
        if (oshb_read(w.buf, w.len, &check, why, sizeof(why)) < 0) {
                fail(&w, "osh-run would refuse this bundle: %s", why);
                free(w.buf);
                return NULL;
        }
        oshb_free(&check);
        *lenp = w.len;
        return w.buf;
}
