/*
 * proxy_http.h - the bytes osh-proxy reads from a client, parsed (libc
 * only): an HTTP/1.1 request head (CONNECT or absolute-form), a request
 * body's framing (Content-Length or chunked) so that each request on a
 * keep-alive connection is found and decided on its own, and the SNI of a
 * TLS ClientHello.  Every parser is bounded by the buffer it is given and
 * refuses anything it does not understand.
 */
#ifndef OSH_PROXY_HTTP_H
#define OSH_PROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PH_HEAD_MAX 16384 /* a request head larger than this is refused (431) */

typedef struct ph_request {
        char method[24];
        bool connect;   /* CONNECT host:port */
        char host[256]; /* as written (IPv6 without brackets) */
        uint16_t port;
        const char *target; /* absolute-form: the path and query, into the buffer */
        size_t target_len;
        const char *authority; /* absolute-form: host[:port] as in the URL */
        size_t authority_len;
        long long content_length; /* -1: none */
        bool chunked;
        size_t head_len; /* bytes of the head, the blank line included */
} ph_request;

enum { PH_MORE = 0, PH_OK = 1, PH_BAD = -1 };

/* Parse the head at the start of buf.  PH_MORE: no blank line yet;
 * PH_BAD: malformed, with a reason in *why; PH_OK: *r filled. */
int ph_parse_head(const char *buf, size_t len, ph_request *r, const char **why);

/* Write the head to send upstream for an absolute-form request: the
 * request line in origin form, `Host:` the URL's authority (a client's own
 * Host header is dropped, RFC 9112 §3.2.2: the server behind a shared
 * address must see the host that was decided), then every other header
 * but Proxy-Connection, Proxy-Authorization, Keep-Alive and Upgrade (the
 * bytes after a protocol switch would not be requests the proxy can
 * decide, so none is asked for).  Returns its length, or 0 when out is
 * too small (or r is a CONNECT). */
size_t ph_rewrite_head(const char *buf, const ph_request *r, char *out, size_t outlen);

/* A request body's framing, fed the bytes after the head. */
typedef struct ph_body {
        int kind;           /* 0 none, 1 Content-Length, 2 chunked */
        uint64_t remaining; /* Content-Length left, or of the current chunk */
        int state;          /* chunked: where in the chunk syntax */
        int line;           /* chunked: characters of the current size or trailer line */
} ph_body;

void ph_body_start(ph_body *b, const ph_request *r);
/* How many of the n bytes at p belong to the body (they are forwarded as
 * they are); *done when the body ended there; -1 on a malformed chunk. */
long ph_body_feed(ph_body *b, const char *p, size_t n, bool *done);

/* The SNI of the TLS ClientHello at the start of buf (one or more
 * handshake records).  PH_MORE: incomplete; PH_BAD: not a ClientHello;
 * PH_OK: sni filled ("" when the hello names no server). */
int ph_tls_sni(const uint8_t *buf, size_t len, char *sni, size_t snilen);

#endif
