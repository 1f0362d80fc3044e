/*
 * native_match.h - osh-proxy's side of the native egress matcher: verify
 * the bundle's NATIVE section, map its code executable, and decide with it
 * (libc only; see runtime/native_abi.h and docs/native-matcher.md).
 *
 * pm_native_decide gives exactly what pm_decide_connect / pm_decide_http
 * give over the same table (tests/backends/test_native.c checks it); what
 * the code does not do is done here first: the URL path is normalized
 * (refusals included), `from $NAME/sub` binaries are expanded with the
 * launch values and compared, and a host not in normal form goes to the
 * interpreter.
 */
#ifndef OSH_NATIVE_MATCH_H
#define OSH_NATIVE_MATCH_H

#include "native_abi.h"
#include "proxy_match.h"

typedef struct pm_native {
        void *map; /* the code, PROT_READ|PROT_EXEC, then the data, PROT_READ */
        size_t maplen;
        const uint8_t *data; /* the code's data block */
        osh_native_fn fn;
        const pm_table *table;
        char *pbins[64]; /* the parameter binaries expanded (NULL: matches nothing) */
        int npbins;
} pm_native;

/* Check a NATIVE object against its recorded SHA-256 and this machine
 * (magic, ABI, ELF machine, lengths), then map its code.  0, or -1 with a
 * message in err saying what is wrong. */
int pm_native_load_object(pm_native *n, const uint8_t *object, size_t len, const uint8_t sha256[32],
                          const pm_table *t, char *err, size_t errlen);
/* The same for the bundle's NATIVE section; the bundle must have one. */
int pm_native_load(pm_native *n, const oshb_bundle *b, const pm_table *t, char *err, size_t errlen);
void pm_native_unload(pm_native *n);

/* Decide q (a tunnel, or a plain HTTP request when http) with the code. */
pm_verdict pm_native_decide(const pm_native *n, const pm_request *q, bool http);

#endif
