/*
 * fuzz_bundle.c - libFuzzer target for the bundle reader (runtime/bundle_read.c).
 *
 * The first input byte chooses a mode, the rest is the bundle:
 *   bit 0 set  the SHA-256 trailer is recomputed over the bytes before it,
 *              so mutations reach the section parser instead of stopping
 *              at the checksum;
 *   bit 1 set  the header's total length is made to match as well.
 * Whatever the reader accepts must write back (backends/bundle_write.c) to
 * exactly the bytes it was read from: the format has one encoding per
 * bundle, and the writer's own read-back check must agree with the reader.
 * A crash, a sanitizer report, a leak or a broken round trip is a bug.
 *
 * Seeds: tests/fuzz/corpus-fuzz_bundle/, written by tests/backends/test_bundle
 * with OSH_WRITE_CORPUS=DIR (a mode byte, then a bundle).
 */
#include "backends/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        uint8_t mode = data[0];
        size_t len = size - 1;
        /* a copy of exactly len bytes, so ASan sees any read past the end */
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf)
                return 0;
        memcpy(buf, data + 1, len);
        if ((mode & 2) && len >= OSHB_HEADER_LEN)
                for (int i = 0; i < 8; i++)
                        buf[16 + i] = (uint8_t)((uint64_t)len >> (8 * i));
        if ((mode & 1) && len >= OSHB_HEADER_LEN + OSHB_TRAILER_LEN)
                sha256(buf, len - OSHB_TRAILER_LEN, buf + len - OSHB_TRAILER_LEN);

        oshb_bundle b;
        char err[512];
        if (oshb_read(buf, len, &b, err, sizeof(err)) == 0) {
                size_t out_len = 0;
                uint8_t *out = oshb_write(&b, &out_len, err, sizeof(err));
                if (!out) {
                        fprintf(stderr, "read accepted, write refused: %s\n", err);
                        abort();
                }
                if (out_len != len || memcmp(out, buf, len) != 0) {
                        fprintf(stderr, "round trip changed the bundle (%zu -> %zu bytes)\n", len,
                                out_len);
                        abort();
                }
                free(out);
                oshb_free(&b);
        } else if (strlen(err) == 0) {
                fprintf(stderr, "rejected without a message\n");
                abort();
        }
        free(buf);
        return 0;
}
