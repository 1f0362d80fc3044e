/*
 * proxy_peer.c - the other ends of osh-proxy in tests/e2e/proxy.sh: a test
 * server and the clients, loopback only, every wait bounded.
 *
 *   proxy_peer server PORTFILE LOGFILE [PORT]
 *       listen on 127.0.0.1:PORT (default any; the port written to PORTFILE); one process per
 *       connection, one line per accepted connection appended to LOGFILE.
 *       A connection opening with an HTTP method is served as HTTP/1.1
 *       keep-alive: each request (Content-Length or chunked body) answered
 *       200 with "METHOD PATH body=N:FIRSTBYTES host=HOST"; "FLOOD" floods the
 *       client until it goes away; anything else is echoed back.
 *   proxy_peer seq PROXYPORT FILE...       send each file, read one response
 *                                          each, print status line and body
 *   proxy_peer echo PROXYPORT HOST:PORT N  N concurrent CONNECT tunnels,
 *                                          each echoing its own payload
 *   proxy_peer tls PROXYPORT HOST:PORT SNI|-   CONNECT, then a ClientHello
 *                                          with that SNI (or none): prints
 *                                          "alert", "echo" or what it saw
 *   proxy_peer flood PROXYPORT HOST:PORT SECONDS   CONNECT, ask for a
 *                                          flood, read nothing, then quit
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *what)
{
        fprintf(stderr, "proxy_peer: %s: %s\n", what, strerror(errno));
        exit(2);
}

static void timeouts(int fd, int secs)
{
        struct timeval tv = {secs, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int dial(int port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
                fail("connect to the proxy");
        timeouts(fd, 10);
        return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
        while (n) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
                if (k <= 0)
                        fail("send");
                p = (const char *)p + k;
                n -= (size_t)k;
        }
}

/* Read until "\r\n\r\n"; returns the head length (the rest stays in buf). */
static size_t read_head(int fd, char *buf, size_t cap, size_t *have)
{
        for (;;) {
                buf[*have] = 0;
                char *e = strstr(buf, "\r\n\r\n");
                if (e)
                        return (size_t)(e + 4 - buf);
                if (*have + 1 >= cap)
                        return 0;
                ssize_t k = recv(fd, buf + *have, cap - 1 - *have, 0);
                if (k <= 0)
                        return 0;
                *have += (size_t)k;
        }
}

/* ---- server ---- */

static ssize_t need(int fd, char *buf, size_t *have, size_t cap, size_t want)
{
        while (*have < want) {
                if (want > cap)
                        return -1;
                ssize_t k = recv(fd, buf + *have, cap - *have, 0);
                if (k <= 0)
                        return -1;
                *have += (size_t)k;
        }
        return 0;
}

static void serve_http(int fd, char *buf, size_t have)
{
        static char body[1 << 20];
        for (;;) {
                size_t hl = read_head(fd, buf, 65536, &have);
                if (!hl)
                        return;
                char method[16] = "", path[1024] = "";
                sscanf(buf, "%15s %1023s", method, path);
                size_t blen = 0;
                char host[128] = "-";
                char *hh = strcasestr(buf, "\r\nHost:");
                if (hh && hh < buf + hl)
                        sscanf(hh + 7, " %127[^\r]", host);
                char *cl = strcasestr(buf, "\r\nContent-Length:");
                bool chunked = strcasestr(buf, "\r\nTransfer-Encoding: chunked") &&
                               strcasestr(buf, "\r\nTransfer-Encoding: chunked") < buf + hl;
                memmove(buf, buf + hl, have - hl);
                have -= hl;
                if (cl && cl < buf + hl && !chunked) {
                        size_t n = strtoul(cl + 17, NULL, 10);
                        if (need(fd, buf, &have, 65536, n))
                                return;
                        memcpy(body, buf, n);
                        blen = n;
                        memmove(buf, buf + n, have - n);
                        have -= n;
                } else if (chunked) {
                        for (;;) {
                                buf[have] = 0;
                                char *e;
                                while (!(e = strstr(buf, "\r\n"))) {
                                        ssize_t k = recv(fd, buf + have, 65535 - have, 0);
                                        if (k <= 0)
                                                return;
                                        have += (size_t)k;
                                        buf[have] = 0;
                                }
                                size_t n = strtoul(buf, NULL, 16), ll = (size_t)(e + 2 - buf);
                                if (n == 0) { /* trailers, up to an empty line */
                                        memmove(buf, buf + ll, have - ll);
                                        have -= ll;
                                        for (;;) {
                                                buf[have] = 0;
                                                char *t = strstr(buf, "\r\n");
                                                if (!t) {
                                                        ssize_t k =
                                                            recv(fd, buf + have, 65535 - have, 0);
                                                        if (k <= 0)
                                                                return;
                                                        have += (size_t)k;
                                                        continue;
                                                }
                                                size_t tl = (size_t)(t + 2 - buf);
                                                memmove(buf, buf + tl, have - tl);
                                                have -= tl;
                                                if (tl == 2)
                                                        break;
                                        }
                                        break;
                                }
                                if (need(fd, buf, &have, 65536, ll + n + 2))
                                        return;
                                if (blen + n < sizeof(body))
                                        memcpy(body + blen, buf + ll, n);
                                blen += n;
                                memmove(buf, buf + ll + n + 2, have - ll - n - 2);
                                have -= ll + n + 2;
                                if (n == 0)
                                        break;
                        }
                }
                char resp[2048], first[33] = "";
                memcpy(first, body, blen < 32 ? blen : 32);
                char text[1400];
                int tl = snprintf(text, sizeof(text), "%s %s body=%zu:%s host=%s\n", method, path,
                                  blen, first, host);
                int rl = snprintf(resp, sizeof(resp),
                                  "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", tl, text);
                send_all(fd, resp, (size_t)rl);
        }
}

static void serve(int fd)
{
        static char buf[65536];
        timeouts(fd, 20);
        ssize_t k = recv(fd, buf, sizeof(buf) - 1, 0);
        if (k <= 0)
                return;
        size_t have = (size_t)k;
        static const char *const methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE "};
        for (int i = 0; i < 5; i++)
                if (have >= strlen(methods[i]) && !memcmp(buf, methods[i], strlen(methods[i]))) {
                        serve_http(fd, buf, have);
                        return;
                }
        if (have >= 5 && !memcmp(buf, "FLOOD", 5)) {
                static char chunk[65536];
                memset(chunk, 'f', sizeof(chunk));
                for (long sent = 0; sent < (1L << 30);) {
                        ssize_t w = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
                        if (w <= 0)
                                return;
                        sent += w;
                }
                return;
        }
        do
                send_all(fd, buf, (size_t)k);
        while ((k = recv(fd, buf, sizeof(buf), 0)) > 0);
}

static int server(const char *portfile, const char *logfile, int port)
{
        int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 512))
                fail("listen");
        socklen_t sl = sizeof(sa);
        getsockname(lfd, (struct sockaddr *)&sa, &sl);
        FILE *f = fopen(portfile, "w");
        fprintf(f, "%u\n", ntohs(sa.sin_port));
        fclose(f);
        signal(SIGCHLD, SIG_IGN);
        for (;;) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0)
                        continue;
                FILE *lf = fopen(logfile, "a");
                if (lf) {
                        fprintf(lf, "accepted\n");
                        fclose(lf);
                }
                if (fork() == 0) {
                        close(lfd);
                        serve(fd);
                        _exit(0);
                }
                close(fd);
        }
}

/* ---- clients ---- */

static int seq(int port, int nfiles, char **files)
{
        int fd = dial(port);
        static char buf[1 << 20];
        size_t have = 0;
        for (int i = 0; i < nfiles; i++) {
                FILE *f = fopen(files[i], "rb");
                if (!f)
                        fail(files[i]);
                static char req[1 << 20];
                size_t n = fread(req, 1, sizeof(req), f);
                fclose(f);
                send_all(fd, req, n);
                size_t hl = read_head(fd, buf, sizeof(buf), &have);
                if (!hl) {
                        printf("closed\n");
                        return 0;
                }
                char *nl = strstr(buf, "\r\n");
                printf("%.*s\n", (int)(nl - buf), buf);
                char *dh = strcasestr(buf, "\r\nX-Osh-Deny:");
                if (dh && dh < buf + hl)
                        printf("%.*s\n", (int)(strstr(dh + 2, "\r\n") - dh - 2), dh + 2);
                char *cl = strcasestr(buf, "\r\nContent-Length:");
                size_t blen = cl && cl < buf + hl ? strtoul(cl + 17, NULL, 10) : 0;
                if (need(fd, buf, &have, sizeof(buf), hl + blen) == 0)
                        printf("%.*s", (int)blen, buf + hl);
                memmove(buf, buf + hl + blen, have - hl - blen);
                have -= hl + blen;
                fflush(stdout);
        }
        return 0;
}

/* CONNECT and read the status line; returns its code. */
static int tunnel(int fd, const char *target)
{
        char req[512], buf[4096];
        size_t have = 0;
        int n =
            snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target);
        send_all(fd, req, (size_t)n);
        size_t hl = read_head(fd, buf, sizeof(buf), &have);
        if (!hl)
                return 0;
        if (have != hl)
                return -1; /* bytes after the 200: unexpected here */
        return atoi(buf + 9);
}

static int echo(int port, const char *target, int n)
{
        int *fds = calloc((size_t)n, sizeof(int)), ok = 0;
        for (int i = 0; i < n; i++) {
                fds[i] = dial(port);
                char req[512];
                int k = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\n\r\n", target);
                send_all(fds[i], req, (size_t)k);
        }
        for (int i = 0; i < n; i++) {
                char buf[4096], want[64];
                size_t have = 0;
                size_t hl = read_head(fds[i], buf, sizeof(buf), &have);
                if (!hl || atoi(buf + 9) != 200)
                        continue;
                int wl = snprintf(want, sizeof(want), "ECHO payload %d\n", i);
                send_all(fds[i], want, (size_t)wl);
                size_t got = 0;
                while (got < (size_t)wl) {
                        ssize_t r = recv(fds[i], buf + got, sizeof(buf) - got, 0);
                        if (r <= 0)
                                break;
                        got += (size_t)r;
                }
                if (got == (size_t)wl && !memcmp(buf, want, (size_t)wl))
                        ok++;
        }
        for (int i = 0; i < n; i++)
                close(fds[i]);
        printf("%d/%d echoed\n", ok, n);
        return ok == n ? 0 : 1;
}

static size_t client_hello(unsigned char *out, const char *sni)
{
        unsigned char body[512];
        size_t o = 0;
        body[o++] = 3;
        body[o++] = 3;
        for (int i = 0; i < 32; i++)
                body[o++] = (unsigned char)i;
        body[o++] = 0;                       /* session id */
        memcpy(body + o, "\0\2\x13\x01", 4); /* one cipher suite */
        o += 4;
        body[o++] = 1; /* compression: null */
        body[o++] = 0;
        size_t ext_len_at = o;
        o += 2;
        /* supported_versions (43): TLS 1.3 */
        memcpy(body + o, "\0\x2b\0\3\2\3\4", 7);
        o += 7;
        if (sni) {
                size_t n = strlen(sni);
                body[o++] = 0;
                body[o++] = 0;
                body[o++] = (unsigned char)((n + 5) >> 8);
                body[o++] = (unsigned char)(n + 5);
                body[o++] = (unsigned char)((n + 3) >> 8);
                body[o++] = (unsigned char)(n + 3);
                body[o++] = 0;
                body[o++] = (unsigned char)(n >> 8);
                body[o++] = (unsigned char)n;
                memcpy(body + o, sni, n);
                o += n;
        }
        size_t el = o - ext_len_at - 2;
        body[ext_len_at] = (unsigned char)(el >> 8);
        body[ext_len_at + 1] = (unsigned char)el;
        size_t r = 0;
        out[r++] = 22;
        out[r++] = 3;
        out[r++] = 1;
        out[r++] = (unsigned char)((o + 4) >> 8);
        out[r++] = (unsigned char)(o + 4);
        out[r++] = 1;
        out[r++] = 0;
        out[r++] = (unsigned char)(o >> 8);
        out[r++] = (unsigned char)o;
        memcpy(out + r, body, o);
        return r + o;
}

static int tls(int port, const char *target, const char *sni)
{
        int fd = dial(port);
        int code = tunnel(fd, target);
        if (code != 200) {
                printf("status %d\n", code);
                return 0;
        }
        unsigned char hello[1024], back[1024];
        size_t n = client_hello(hello, strcmp(sni, "-") ? sni : NULL);
        send_all(fd, hello, n);
        size_t got = 0;
        while (got < n) {
                ssize_t r = recv(fd, back + got, sizeof(back) - got, 0);
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        if (got >= 7 && back[0] == 0x15)
                printf("alert\n");
        else if (got == n && !memcmp(back, hello, n))
                printf("echo\n");
        else
                printf("got %zu bytes\n", got);
        return 0;
}

static int flood(int port, const char *target, int secs)
{
        int fd = dial(port);
        int rcv = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
        if (tunnel(fd, target) != 200) {
                printf("no tunnel\n");
                return 1;
        }
        send_all(fd, "FLOOD\n", 6);
        sleep((unsigned)secs);
        printf("stalled %d s\n", secs);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc >= 4 && !strcmp(argv[1], "server"))
                return server(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
        if (argc >= 4 && !strcmp(argv[1], "seq"))
                return seq(atoi(argv[2]), argc - 3, argv + 3);
        if (argc == 5 && !strcmp(argv[1], "echo"))
                return echo(atoi(argv[2]), argv[3], atoi(argv[4]));
        if (argc == 5 && !strcmp(argv[1], "tls"))
                return tls(atoi(argv[2]), argv[3], argv[4]);
        if (argc == 5 && !strcmp(argv[1], "flood"))
                return flood(atoi(argv[2]), argv[3], atoi(argv[4]));
        fprintf(stderr, "usage: see the head of tests/e2e/proxy_peer.c\n");
        return 2;
}
