/*
 * fuzz_proxy.c - libFuzzer target for what osh-proxy parses from the agent:
 * request heads (CONNECT and absolute-form), the rewrite of a head for the
 * upstream, body framing (Content-Length and chunked, fed in pieces) and
 * the SNI of a TLS ClientHello.  The agent controls every byte of these, so
 * any crash or sanitizer report here is a sandbox escape candidate.
 */
#include "runtime/proxy_http.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* the parsers take buffers, not strings: copy so reads past `size` trip ASan */
        char *buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);

        ph_request r;
        const char *why;
        if (ph_parse_head(buf, size, &r, &why) == PH_OK) {
                if (!r.connect) {
                        char out[PH_HEAD_MAX + 512];
                        (void)ph_rewrite_head(buf, &r, out, sizeof(out));
                }
                ph_body b;
                ph_body_start(&b, &r);
                size_t at = r.head_len;
                bool done = false;
                /* feed the rest in pieces of varying size, as the socket would */
                for (size_t step = 1; at < size && !done; step = step * 2 + 1) {
                        size_t n = size - at < step ? size - at : step;
                        long used = ph_body_feed(&b, buf + at, n, &done);
                        if (used < 0 || (size_t)used > n)
                                break;
                        if (used == 0 && !done)
                                break;
                        at += (size_t)used;
                }
        }
        char sni[256];
        (void)ph_tls_sni((const uint8_t *)buf, size, sni, sizeof(sni));
        free(buf);
        return 0;
}
