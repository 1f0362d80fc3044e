/*
 * proxy_http.c - request heads, body framing and the TLS ClientHello's SNI
 * (see proxy_http.h).  Strict on purpose: a proxy that reads a request
 * differently from the server behind it can be smuggled past, so anything
 * ambiguous (Content-Length with Transfer-Encoding, two different lengths,
 * a transfer coding other than chunked, folded headers, bare CR or LF) is
 * refused rather than guessed at.
 */
#include "proxy_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int bad(const char **why, const char *reason)
{
        *why = reason;
        return PH_BAD;
}

/* "host:port" or "[v6]:port" (port required when need_port). */
static bool parse_authority(const char *s, size_t n, bool need_port, ph_request *r)
{
        const char *host = s, *colon = NULL;
        size_t hl;
        if (n && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close)
                        return false;
                host = s + 1;
                hl = (size_t)(close - host);
                if (close + 1 < s + n) {
                        if (close[1] != ':')
                                return false;
                        colon = close + 1;
                }
        } else {
                colon = memchr(s, ':', n);
                hl = colon ? (size_t)(colon - s) : n;
        }
        if (hl == 0 || hl >= sizeof(r->host) || memchr(host, '@', hl))
                return false;
        memcpy(r->host, host, hl);
        r->host[hl] = 0;
        if (!colon) {
                r->port = 80;
                return !need_port;
        }
        unsigned long port = 0;
        const char *p = colon + 1, *end = s + n;
        if (p == end || end - p > 5)
                return false;
        for (; p < end; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535)
                return false;
        r->port = (uint16_t)port;
        return true;
}

static int parse_request_line(const char *line, size_t n, ph_request *r, const char **why)
{
        const char *sp1 = memchr(line, ' ', n);
        if (!sp1 || sp1 == line || (size_t)(sp1 - line) >= sizeof(r->method))
                return bad(why, "malformed request line");
        for (const char *p = line; p < sp1; p++)
                if (!is_tchar(*p))
                        return bad(why, "malformed method");
        memcpy(r->method, line, (size_t)(sp1 - line));
        r->method[sp1 - line] = 0;
        const char *t = sp1 + 1, *end = line + n;
        const char *sp2 = memchr(t, ' ', (size_t)(end - t));
        if (!sp2 || sp2 == t)
                return bad(why, "malformed request line");
        if ((size_t)(end - sp2 - 1) != 8 ||
            (memcmp(sp2 + 1, "HTTP/1.1", 8) && memcmp(sp2 + 1, "HTTP/1.0", 8)))
                return bad(why, "not HTTP/1.0 or HTTP/1.1");
        for (const char *p = t; p < sp2; p++)
                if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                        return bad(why, "a control character in the request target");
        size_t tl = (size_t)(sp2 - t);
        if (!strcmp(r->method, "CONNECT")) {
                r->connect = true;
                if (!parse_authority(t, tl, true, r))
                        return bad(why, "CONNECT needs host:port");
                return PH_OK;
        }
        if (tl >= 8 && !strncasecmp(t, "https://", 8))
                return bad(why, "https goes through CONNECT, not an absolute https URL");
        if (tl < 7 || strncasecmp(t, "http://", 7))
                return bad(why, "not a proxy request: use an absolute http:// URL or CONNECT");
        const char *auth = t + 7, *a_end = auth;
        while (a_end < sp2 && *a_end != '/' && *a_end != '?' && *a_end != '#')
                a_end++;
        if (!parse_authority(auth, (size_t)(a_end - auth), false, r))
                return bad(why, "malformed host in the URL");
        r->authority = auth;
        r->authority_len = (size_t)(a_end - auth);
        r->target = a_end;
        r->target_len = (size_t)(sp2 - a_end);
        return PH_OK;
}

static bool header_is(const char *line, size_t nlen, const char *name)
{
        return strlen(name) == nlen && !strncasecmp(line, name, nlen);
}

static int parse_header(const char *line, size_t n, ph_request *r, const char **why)
{
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line)
                return bad(why, "malformed header line");
        size_t nlen = (size_t)(colon - line);
        for (size_t i = 0; i < nlen; i++)
                if (!is_tchar(line[i]))
                        return bad(why, "malformed header name");
        const char *v = colon + 1, *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        for (const char *p = v; p < end; p++)
                if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                        return bad(why, "a control character in a header value");
        size_t vlen = (size_t)(end - v);
        if (header_is(line, nlen, "Content-Length")) {
                long long len = 0;
                if (vlen == 0 || vlen > 15)
                        return bad(why, "malformed Content-Length");
                for (const char *p = v; p < end; p++) {
                        if (*p < '0' || *p > '9')
                                return bad(why, "malformed Content-Length");
                        len = len * 10 + (*p - '0');
                }
                if (r->content_length >= 0 && r->content_length != len)
                        return bad(why, "two different Content-Length headers");
                r->content_length = len;
        } else if (header_is(line, nlen, "Transfer-Encoding")) {
                if (vlen != 7 || strncasecmp(v, "chunked", 7) || r->chunked)
                        return bad(why, "a transfer coding other than chunked");
                r->chunked = true;
        }
        return PH_OK;
}

int ph_parse_head(const char *buf, size_t len, ph_request *r, const char **why)
{
        size_t lim = len < PH_HEAD_MAX ? len : PH_HEAD_MAX;
        const char *end = NULL;
        for (size_t i = 3; i < lim; i++)
                if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
                    buf[i - 3] == '\r') {
                        end = buf + i + 1;
                        break;
                }
        if (!end)
                return PH_MORE;
        memset(r, 0, sizeof(*r));
        r->content_length = -1;
        r->head_len = (size_t)(end - buf);
        const char *line = buf;
        for (int first = 1;; first = 0) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                if (!nl || nl == line || nl[-1] != '\r')
                        return bad(why, "a bare LF in the head");
                size_t n = (size_t)(nl - 1 - line);
                if (n == 0 && first)
                        return bad(why, "an empty request line");
                if (n == 0)
                        break; /* the blank line */
                if (memchr(line, '\r', n) || memchr(line, 0, n))
                        return bad(why, "a bare CR or NUL in the head");
                if (!first && (line[0] == ' ' || line[0] == '\t'))
                        return bad(why, "a folded header line");
                int rc =
                    first ? parse_request_line(line, n, r, why) : parse_header(line, n, r, why);
                if (rc != PH_OK)
                        return rc;
                line = nl + 1;
        }
        if (r->chunked && r->content_length >= 0)
                return bad(why, "both Content-Length and Transfer-Encoding");
        return PH_OK;
}

size_t ph_rewrite_head(const char *buf, const ph_request *r, char *out, size_t outlen)
{
        if (r->connect)
                return 0; /* a tunnel's head is not forwarded */
        const char *line_end = memchr(buf, '\n', r->head_len);
        const char *version = line_end - 9; /* "HTTP/1.x\r" */
        size_t o = 0;
        const char *t = r->target;
        size_t tl = r->target_len;
        bool slash = tl == 0 || t[0] != '/';
        size_t need = strlen(r->method) + 1 + slash + tl + 1 + 8 + 2 + 6 + r->authority_len + 2;
        if (need > outlen)
                return 0;
        o += (size_t)snprintf(out, outlen, "%s %s", r->method, slash ? "/" : "");
        memcpy(out + o, t, tl);
        o += tl;
        out[o++] = ' ';
        memcpy(out + o, version, 8);
        o += 8;
        out[o++] = '\r';
        out[o++] = '\n';
        memcpy(out + o, "Host: ", 6);
        o += 6;
        memcpy(out + o, r->authority, r->authority_len);
        o += r->authority_len;
        out[o++] = '\r';
        out[o++] = '\n';
        const char *end = buf + r->head_len;
        for (const char *line = line_end + 1; line < end;) {
                const char *nl = memchr(line, '\n', (size_t)(end - line));
                size_t n = (size_t)(nl + 1 - line);
                const char *colon = memchr(line, ':', n);
                size_t nlen = colon ? (size_t)(colon - line) : 0;
                if (!(colon &&
                      (header_is(line, nlen, "Host") || header_is(line, nlen, "Proxy-Connection") ||
                       header_is(line, nlen, "Proxy-Authorization") ||
                       header_is(line, nlen, "Keep-Alive") || header_is(line, nlen, "Upgrade")))) {
                        if (o + n > outlen)
                                return 0;
                        memcpy(out + o, line, n);
                        o += n;
                }
                line = nl + 1;
        }
        return o;
}

/* ---- bodies ---- */

enum {
        C_SIZE,
        C_EXT,
        C_SIZE_LF,
        C_DATA,
        C_DATA_CR,
        C_DATA_LF,
        C_TRAILER_START,
        C_TRAILER,
        C_TRAILER_LF,
        C_FINAL_LF
};

void ph_body_start(ph_body *b, const ph_request *r)
{
        memset(b, 0, sizeof(*b));
        if (r->chunked) {
                b->kind = 2;
                b->state = C_SIZE;
        } else if (r->content_length > 0) {
                b->kind = 1;
                b->remaining = (uint64_t)r->content_length;
        }
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

long ph_body_feed(ph_body *b, const char *p, size_t n, bool *done)
{
        *done = false;
        if (b->kind == 0) {
                *done = true;
                return 0;
        }
        if (b->kind == 1) {
                size_t k = b->remaining < n ? (size_t)b->remaining : n;
                b->remaining -= k;
                *done = b->remaining == 0;
                return (long)k;
        }
        size_t i = 0;
        while (i < n) {
                char c = p[i];
                switch (b->state) {
                case C_SIZE:
                        if (hexval(c) >= 0) {
                                if (++b->line > 15)
                                        return -1;
                                b->remaining = b->remaining * 16 + (uint64_t)hexval(c);
                        } else if (b->line && (c == ';' || c == '\r')) {
                                b->state = c == ';' ? C_EXT : C_SIZE_LF;
                        } else {
                                return -1;
                        }
                        break;
                case C_EXT:
                        if (c == '\r')
                                b->state = C_SIZE_LF;
                        else if (++b->line > 4096 || c == '\n')
                                return -1;
                        break;
                case C_SIZE_LF:
                        if (c != '\n')
                                return -1;
                        b->line = 0;
                        b->state = b->remaining ? C_DATA : C_TRAILER_START;
                        break;
                case C_DATA: {
                        size_t k = b->remaining < n - i ? (size_t)b->remaining : n - i;
                        b->remaining -= k;
                        i += k;
                        if (!b->remaining)
                                b->state = C_DATA_CR;
                        continue;
                }
                case C_DATA_CR:
                        if (c != '\r')
                                return -1;
                        b->state = C_DATA_LF;
                        break;
                case C_DATA_LF:
                        if (c != '\n')
                                return -1;
                        b->state = C_SIZE;
                        break;
                case C_TRAILER_START:
                        b->state = c == '\r' ? C_FINAL_LF : C_TRAILER;
                        b->line = 0;
                        break;
                case C_TRAILER:
                        if (c == '\r')
                                b->state = C_TRAILER_LF;
                        else if (++b->line > 8192 || c == '\n')
                                return -1;
                        break;
                case C_TRAILER_LF:
                        if (c != '\n')
                                return -1;
                        b->state = C_TRAILER_START;
                        break;
                case C_FINAL_LF:
                        if (c != '\n')
                                return -1;
                        *done = true;
                        return (long)(i + 1);
                }
                i++;
        }
        return (long)i;
}

/* ---- TLS ---- */

static unsigned u16(const uint8_t *p)
{
        return (unsigned)p[0] << 8 | p[1];
}

/* The SNI in a ClientHello body (after the 4-byte handshake header). */
static int hello_sni(const uint8_t *h, size_t n, char *sni, size_t snilen)
{
        size_t o = 2 + 32; /* client_version, random */
        if (o + 1 > n)
                return PH_BAD;
        o += 1 + h[o]; /* session id */
        if (o + 2 > n)
                return PH_BAD;
        o += 2 + u16(h + o); /* cipher suites */
        if (o + 1 > n)
                return PH_BAD;
        o += 1 + h[o]; /* compression methods */
        sni[0] = 0;
        if (o == n)
                return PH_OK; /* no extensions */
        if (o + 2 > n)
                return PH_BAD;
        size_t ext_end = o + 2 + u16(h + o);
        if (ext_end > n)
                return PH_BAD;
        for (o += 2; o + 4 <= ext_end;) {
                unsigned type = u16(h + o), len = u16(h + o + 2);
                o += 4;
                if (o + len > ext_end)
                        return PH_BAD;
                if (type == 0) { /* server_name: list, then host_name entries */
                        if (len < 5 || u16(h + o) + 2u != len || h[o + 2] != 0)
                                return PH_BAD;
                        unsigned nl = u16(h + o + 3);
                        if (nl == 0 || 5u + nl > len || nl >= snilen)
                                return PH_BAD;
                        for (unsigned i = 0; i < nl; i++) {
                                uint8_t c = h[o + 5 + i];
                                if (c <= 0x20 || c >= 0x7f)
                                        return PH_BAD;
                                sni[i] = (char)c;
                        }
                        sni[nl] = 0;
                        return PH_OK;
                }
                o += len;
        }
        return o == ext_end ? PH_OK : PH_BAD;
}

int ph_tls_sni(const uint8_t *buf, size_t len, char *sni, size_t snilen)
{
        static __thread uint8_t hs[PH_HEAD_MAX];
        size_t have = 0, o = 0;
        for (;;) {
                if (o + 5 > len)
                        return PH_MORE;
                if (buf[o] != 22 || buf[o + 1] != 3)
                        return PH_BAD; /* not a TLS handshake record */
                size_t rl = u16(buf + o + 3);
                if (rl == 0 || rl > 16384)
                        return PH_BAD;
                if (o + 5 + rl > len)
                        return PH_MORE;
                if (have + rl > sizeof(hs))
                        return PH_BAD;
                memcpy(hs + have, buf + o + 5, rl);
                have += rl;
                o += 5 + rl;
                if (have < 4)
                        continue;
                if (hs[0] != 1)
                        return PH_BAD; /* not a ClientHello */
                size_t ml = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
                if (ml + 4 > sizeof(hs))
                        return PH_BAD;
                if (have >= ml + 4)
                        return hello_sni(hs + 4, ml, sni, snilen);
        }
}
