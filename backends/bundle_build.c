/*
 * bundle_build.c - run every backend on one policy and fill the bundle.
 *
 * The META section is filled here: the policy's name, the compiler's
 * version and a SHA-256 over every source file the policy was compiled
 * from (contents only, each prefixed by its length, in load order), so a
 * bundle names exactly the text it came from without depending on where
 * the files were.  Every backend runs even after another failed, so one
 * compile reports every problem.
 */
#include "backends.h"
#include "llvm_matcher.h"

#include <stdlib.h>
#include <string.h>

static void source_hash(osh_ctx *c, uint8_t out[32])
{
        sha256_ctx h;
        sha256_init(&h);
        for (int i = 0; i < c->nsources; i++) {
                uint64_t n = c->sources[i]->len;
                uint8_t len[8];
                for (int j = 0; j < 8; j++)
                        len[j] = (uint8_t)(n >> (8 * j));
                sha256_update(&h, len, sizeof(len));
                sha256_update(&h, c->sources[i]->text, c->sources[i]->len);
        }
        sha256_final(&h, out);
}

bool bundle_build(osh_ctx *c, ir_program *prog, ir_policy *p, oshb_bundle *b)
{
        memset(b, 0, sizeof(*b));
        b->meta.policy = arena_strdup(&c->arena, p->name);
        b->meta.compiler = arena_strdup(&c->arena, "oshc " OSH_VERSION);
        source_hash(c, b->meta.source_sha256);
        bool ok = true;
        ok &= backend_seccomp(c, p, b);
        ok &= backend_landlock(c, p, b);
        ok &= backend_mounts(c, p, b);
        ok &= backend_limits(c, p, b);
        ok &= backend_proxy(c, p, b);
        ok &= backend_params(c, prog, p, b);
        return ok && c->nerrors == 0;
}

bool bundle_add_native(osh_ctx *c, oshb_bundle *b)
{
        char err[512];
        lm_output out;
        if (!llvm_matcher_build(&b->proxy, b->process.network, false, &out, err, sizeof(err))) {
                osh_error(c, "native", no_span, "cannot build the native egress matcher: %s", err);
                return false;
        }
        b->native.len = (uint32_t)out.container_len;
        b->native.object = arena_alloc(&c->arena, out.container_len);
        memcpy(b->native.object, out.container, out.container_len);
        sha256(b->native.object, b->native.len, b->native.sha256);
        b->has_native = true;
        lm_output_free(&out);
        return true;
}
