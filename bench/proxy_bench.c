/*
 * proxy_bench.c - the numbers behind bench/proxy_bench.sh: request latency
 * and tunnel throughput on loopback, straight to a server or through an
 * HTTP proxy (osh-proxy, tinyproxy).
 *
 *   proxy_bench server PORTFILE
 *       HTTP/1.1 keep-alive server on 127.0.0.1 answering every request
 *       with a 2-byte body; a connection opening with "SINK N\n" has N
 *       bytes read and is answered "OK".
 *   proxy_bench latency PROXYPORT|0 SERVERPORT N fresh|keepalive
 *       N small GET requests (through the proxy when PROXYPORT is not 0),
 *       a new connection for each (fresh) or all on one (keepalive);
 *       prints p50 and p99 in microseconds.
 *   proxy_bench throughput PROXYPORT|0 SERVERPORT MIB
 *       MIB mebibytes up a CONNECT tunnel (or a direct connection), the
 *       server's "OK" awaited; prints MB/s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int dial(int port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
                perror("proxy_bench: connect");
                exit(1);
        }
        return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
        while (n) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
                if (k <= 0) {
                        perror("proxy_bench: send");
                        exit(1);
                }
                p += k;
                n -= (size_t)k;
        }
}

/* Read one response with a Content-Length body; 0 on success. */
static int read_response(int fd, char *buf, size_t cap)
{
        size_t have = 0;
        for (;;) {
                ssize_t k = recv(fd, buf + have, cap - 1 - have, 0);
                if (k <= 0)
                        return -1;
                have += (size_t)k;
                buf[have] = 0;
                char *e = strstr(buf, "\r\n\r\n");
                if (!e)
                        continue;
                char *cl = strcasestr(buf, "Content-Length:");
                size_t want = (size_t)(e + 4 - buf) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
                if (have >= want)
                        return 0;
        }
}

/* ---- server ---- */

static void *serve(void *arg)
{
        int fd = (int)(long)arg, one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        static __thread char buf[1 << 16];
        size_t have = 0;
        for (;;) {
                ssize_t k = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
                if (k <= 0)
                        break;
                have += (size_t)k;
                buf[have] = 0;
                char *nl = memchr(buf, '\n', have);
                if (have >= 5 && !memcmp(buf, "SINK ", 5) && nl) {
                        /* "SINK N\n" then N bytes, answered "OK" (no half-close:
                         * not every proxy passes one on) */
                        long want = strtol(buf + 5, NULL, 10);
                        long got = (long)(have - (size_t)(nl + 1 - buf));
                        while (got < want && (k = recv(fd, buf, sizeof(buf), 0)) > 0)
                                got += k;
                        send_all(fd, "OK", 2);
                        continue;
                }
                if (have >= 5 && !memcmp(buf, "SINK ", 5))
                        continue;
                char *e;
                while ((e = strstr(buf, "\r\n\r\n"))) {
                        static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        send_all(fd, resp, sizeof(resp) - 1);
                        size_t used = (size_t)(e + 4 - buf);
                        memmove(buf, buf + used, have - used + 1);
                        have -= used;
                }
        }
        close(fd);
        return NULL;
}

static int server(const char *portfile)
{
        int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in sa = {.sin_family = AF_INET};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1024)) {
                perror("proxy_bench: listen");
                return 1;
        }
        socklen_t sl = sizeof(sa);
        getsockname(lfd, (struct sockaddr *)&sa, &sl);
        FILE *f = fopen(portfile, "w");
        fprintf(f, "%u\n", ntohs(sa.sin_port));
        fclose(f);
        for (;;) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0)
                        continue;
                pthread_t t;
                pthread_create(&t, NULL, serve, (void *)(long)fd);
                pthread_detach(t);
        }
}

/* ---- clients ---- */

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static int latency(int pport, int sport, int n, int fresh)
{
        char req[256], buf[4096];
        int rl =
            pport ? snprintf(req, sizeof(req),
                             "GET http://127.0.0.1:%d/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", sport)
                  : snprintf(req, sizeof(req), "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        double *t = malloc(sizeof(double) * (size_t)n);
        int fd = -1;
        for (int i = -n / 10; i < n; i++) { /* a tenth as warm-up */
                double t0 = now_us();
                if (fd < 0)
                        fd = dial(pport ? pport : sport);
                send_all(fd, req, (size_t)rl);
                if (read_response(fd, buf, sizeof(buf))) {
                        fprintf(stderr, "proxy_bench: no response to request %d\n", i);
                        return 1;
                }
                if (fresh) {
                        close(fd);
                        fd = -1;
                }
                if (i >= 0)
                        t[i] = now_us() - t0;
        }
        qsort(t, (size_t)n, sizeof(double), cmp);
        printf("p50 %.1f us  p99 %.1f us\n", t[n / 2], t[n * 99 / 100]);
        return 0;
}

static int throughput(int pport, int sport, int mib)
{
        static char chunk[1 << 16];
        char buf[4096];
        memset(chunk, 'x', sizeof(chunk));
        double t0 = now_us();
        int fd = dial(pport ? pport : sport);
        if (pport) {
                int n = snprintf(buf, sizeof(buf), "CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n", sport);
                send_all(fd, buf, (size_t)n);
                size_t have = 0;
                buf[0] = 0;
                while (!strstr(buf, "\r\n\r\n")) {
                        ssize_t k = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
                        if (k <= 0)
                                return 1;
                        have += (size_t)k;
                        buf[have] = 0;
                }
                if (!strstr(buf, " 200 ")) {
                        fprintf(stderr, "proxy_bench: CONNECT refused: %.40s\n", buf);
                        return 1;
                }
        }
        int hl = snprintf(buf, sizeof(buf), "SINK %ld\n", (long)mib << 20);
        send_all(fd, buf, (size_t)hl);
        for (long sent = 0; sent < (long)mib << 20; sent += sizeof(chunk))
                send_all(fd, chunk, sizeof(chunk));
        if (recv(fd, buf, 2, MSG_WAITALL) != 2)
                return 1;
        double s = (now_us() - t0) / 1e6;
        printf("%.0f MB/s\n", (double)mib * 1048576.0 / 1e6 / s);
        close(fd);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 3 && !strcmp(argv[1], "server"))
                return server(argv[2]);
        if (argc == 6 && !strcmp(argv[1], "latency"))
                return latency(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                               !strcmp(argv[5], "fresh"));
        if (argc == 5 && !strcmp(argv[1], "throughput"))
                return throughput(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
        fprintf(stderr, "usage: see the head of bench/proxy_bench.c\n");
        return 2;
}
