/*
 * osh_proxy.c - osh-proxy, the sandbox's only way out to the network.
 *
 *   osh-proxy (--bundle PATH | --bundle-fd N) (--listen-fd N | --listen ADDR:PORT)
 *             [--sandbox-pid PID] [--param NAME=VALUE]... [--no-identity]
 *             [--log-fd N | --log FILE] [--exit-on-stdin-eof]
 *
 * osh-run starts it outside the sandbox with a listening socket bound to
 * 127.0.0.1:3128 inside the sandbox's network namespace, when the agent's
 * first connection is queued on it (so possibly long after the launch: the
 * bundle comes as the bytes osh-run verified, --bundle-fd, and nothing
 * about the sandbox is read before a connection asks).  It serves HTTP
 * CONNECT (tunnels) and absolute-form plain HTTP/1.1 and decides every
 * tunnel and every plain request with the bundle's proxy table
 * (proxy_match.c, the reference evaluator's meaning):
 *
 *   - the caller is the process owning the client socket, found through
 *     the sandbox's /proc/PID/net/tcp and its processes' fd tables; its
 *     executable and its ancestors' are what `from` rules match;
 *   - a name no rule could allow at any address is refused before any
 *     DNS query (names are no channel out); others are resolved here (a
 *     small getaddrinfo thread pool, so the event loop never blocks),
 *     every address is decided on its own, and only an address that was
 *     allowed is dialled (never re-resolved);
 *   - a CONNECT to port 443 must open with a TLS ClientHello whose SNI is
 *     the CONNECT host, checked before dialling;
 *   - a refusal is `403 Forbidden` with X-Osh-Deny (reason) and
 *     X-Osh-Rule (the deciding rule's id); each decision is one JSON line
 *     on the log.
 *
 * One thread runs an epoll loop over non-blocking sockets.  Everything is
 * bounded: at most MAX_CONNS connections, fixed buffers per connection
 * (reading stops when one is full, so a client that does not read slows
 * its server rather than growing the proxy), a head size limit, and idle
 * timeouts.  SIGTERM or SIGINT stops it.
 */
#include "proxy_http.h"
#include "native_match.h"
#include "proxy_match.h"
#include "runtime.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BUF_CAP (64 * 1024) /* each direction */
#define CIN_CAP PH_HEAD_MAX /* bytes read from the client, not yet handled */
#define HEAD_TIMEOUT 30     /* seconds to send a head, resolve, dial, send a ClientHello */
#define IDLE_TIMEOUT 300    /* seconds without a byte on an open tunnel or keep-alive */
#define LINGER_TIMEOUT 2    /* seconds to drain a refused client before closing */
#define MAX_ADDRS 8
#define DNS_THREADS 3

enum { ST_HEAD, ST_RESOLVING, ST_DIALING, ST_HELLO, ST_TUNNEL, ST_HTTP, ST_CLOSING };

typedef struct iobuf {
        char *d;
        size_t off, len, cap;
} iobuf;

typedef struct conn {
        bool used;
        uint32_t gen;
        int cfd, ufd;
        int state;
        iobuf cin, up, down; /* from the client; to the upstream; to the client */
        bool c_eof, u_eof, c_shut, u_shut, u_connected;
        bool c_ready, u_ready; /* may have bytes to read (cleared on EAGAIN) */
        uint32_t ev_c, ev_u;   /* epoll interest registered (0: not registered) */
        time_t last;
        bool got_head;
        /* the caller */
        bool id_done;
        char *binary;
        char *anc[16];
        int nanc;
        /* the current target */
        bool tunnel;
        char host[256];
        bool host_is_ip;
        uint16_t port;
        uint8_t addrs[MAX_ADDRS][16];
        int naddrs, next;
        uint8_t uaddr[16]; /* the upstream's address, once dialled */
        char uhost[256];   /* host and port the open upstream serves */
        uint16_t uport;
        ph_body body;
        bool in_body;
} conn;

static conn conns[MAX_CONNS];
static int free_slots[MAX_CONNS], nfree;
static int nconns;
static int epfd, dns_efd, log_fd = -1; /* no log unless --log or --log-fd */
static pm_table table;
static pm_native native; /* the bundle's native matcher, when it has one */
static rt_params params;
static pid_t sandbox_pid;
static bool no_identity;
static char path_buf[PH_HEAD_MAX + 2];

#define TAG_LISTEN (1ull << 40)
#define TAG_DNS (2ull << 40)
#define TAG_SIG (3ull << 40)
#define TAG_STDIN (4ull << 40)
#define TAG_SANDBOX (5ull << 40)

static void die(const char *fmt, const char *arg)
{
        fprintf(stderr, "osh-proxy: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
        exit(1);
}

/* A tunnel or a plain HTTP request, decided by the native matcher when the
 * bundle has one (docs/native-matcher.md), else by the table. */
static pm_verdict decide(const pm_request *q, bool http)
{
        if (native.fn)
                return pm_native_decide(&native, q, http);
        return http ? pm_decide_http(&table, q) : pm_decide_connect(&table, q);
}

/* ---- the decision log: one JSON line each ---- */

static size_t json_str(char *out, size_t cap, const char *s, size_t max)
{
        size_t o = 0;
        if (!s)
                return (size_t)snprintf(out, cap, "null");
        out[o++] = '"';
        for (size_t i = 0; s[i] && i < max && o + 8 < cap; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '"' || c == '\\') {
                        out[o++] = '\\';
                        out[o++] = (char)c;
                } else if (c < 0x20 || c >= 0x7f) {
                        o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
                } else {
                        out[o++] = (char)c;
                }
        }
        out[o++] = '"';
        return o;
}

static void log_decision(const conn *c, const char *method, const char *path, const uint8_t *addr,
                         bool allowed, int rule, const char *reason)
{
        static char line[16384];
        struct timespec ts;
        struct tm tm;
        char when[64], a[INET6_ADDRSTRLEN] = "";
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t w = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + w, sizeof(when) - w, ".%03ldZ", ts.tv_nsec / 1000000);
        if (addr)
                pm_format_ip(addr, a, sizeof(a));
        size_t o = (size_t)snprintf(line, sizeof(line), "{\"time\":\"%s\",\"binary\":", when);
        o += json_str(line + o, sizeof(line) - o, c->binary, 4096);
        o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"host\":");
        o += json_str(line + o, sizeof(line) - o, c->host[0] ? c->host : NULL, 256);
        o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"port\":%u,\"address\":", c->port);
        o += json_str(line + o, sizeof(line) - o, addr ? a : NULL, 64);
        o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"method\":");
        o += json_str(line + o, sizeof(line) - o, method, 24);
        o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"path\":");
        o += json_str(line + o, sizeof(line) - o, path, 2048);
        o += (size_t)snprintf(line + o, sizeof(line) - o,
                              ",\"decision\":\"%s\",\"rule\":", allowed ? "allow" : "deny");
        if (rule >= 0)
                o += (size_t)snprintf(line + o, sizeof(line) - o, "%d", rule);
        else
                o += (size_t)snprintf(line + o, sizeof(line) - o, "null");
        o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"reason\":");
        o += json_str(line + o, sizeof(line) - o, reason, 512);
        o += (size_t)snprintf(line + o, sizeof(line) - o, "}\n");
        if (o > sizeof(line))
                o = sizeof(line);
        if (log_fd >= 0 && write(log_fd, line, o) < 0) {
                /* a lost log line must not stop the proxy; nothing else to do */
        }
}

/* ---- buffers ---- */

static bool buf_alloc(iobuf *b, size_t cap)
{
        if (!b->d && !(b->d = malloc(cap)))
                return false;
        b->cap = cap;
        return true;
}

static size_t buf_space(const iobuf *b)
{
        return b->d ? b->cap - b->off - b->len : 0;
}

static void buf_compact(iobuf *b)
{
        if (b->off && b->len)
                memmove(b->d, b->d + b->off, b->len);
        b->off = 0;
}

static bool buf_put(iobuf *b, const void *p, size_t n)
{
        if (b->off + b->len + n > b->cap)
                buf_compact(b);
        if (b->off + b->len + n > b->cap)
                return false;
        memcpy(b->d + b->off + b->len, p, n);
        b->len += n;
        return true;
}

static void buf_consume(iobuf *b, size_t n)
{
        b->off += n;
        b->len -= n;
        if (!b->len)
                b->off = 0;
}

/* ---- connections ---- */

static void set_interest(conn *c, int fd, uint32_t *have, uint32_t want, uint64_t tag)
{
        if (fd < 0 || *have == want)
                return;
        struct epoll_event ev = {.events = want, .data.u64 = tag};
        if (!want)
                epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        else if (!*have)
                epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
        else
                epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
        *have = want;
}

static void update_interest(conn *c)
{
        int idx = (int)(c - conns);
        uint32_t wc = 0, wu = 0;
        if (!c->c_eof && (c->state == ST_CLOSING ||
                          (c->state == ST_TUNNEL && !c->cin.len ? buf_space(&c->up) + c->up.off
                                                                : buf_space(&c->cin)) > 0))
                wc |= EPOLLIN;
        if (c->down.len && !c->c_shut)
                wc |= EPOLLOUT;
        if (c->ufd >= 0) {
                if (!c->u_connected || (c->up.len && !c->u_shut))
                        wu |= EPOLLOUT;
                if (c->u_connected && !c->u_eof && buf_space(&c->down) > 0)
                        wu |= EPOLLIN;
        }
        set_interest(c, c->cfd, &c->ev_c, wc, (uint64_t)idx * 2);
        set_interest(c, c->ufd, &c->ev_u, wu, (uint64_t)idx * 2 + 1);
}

static void close_upstream(conn *c)
{
        if (c->ufd >= 0)
                close(c->ufd);
        c->ufd = -1;
        c->ev_u = 0;
        c->u_connected = c->u_eof = c->u_shut = false;
        c->up.len = c->up.off = 0;
        c->uhost[0] = 0;
}

static void conn_close(conn *c)
{
        close_upstream(c);
        close(c->cfd);
        free(c->cin.d);
        free(c->up.d);
        free(c->down.d);
        free(c->binary);
        for (int i = 0; i < c->nanc; i++)
                free(c->anc[i]);
        uint32_t gen = c->gen + 1;
        memset(c, 0, sizeof(*c));
        c->gen = gen;
        c->cfd = c->ufd = -1;
        free_slots[nfree++] = (int)(c - conns);
        nconns--;
}

/* Queue a final response (after whatever is still queued for the client)
 * and close once it is sent. */
static void respond_close(conn *c, const char *status, const char *reason, int rule)
{
        char head[1024], rule_s[16] = "none";
        int n;
        if (rule >= 0)
                snprintf(rule_s, sizeof(rule_s), "%d", rule);
        if (reason)
                n = snprintf(head, sizeof(head),
                             "HTTP/1.1 %s\r\nX-Osh-Deny: %s\r\nX-Osh-Rule: %s\r\n"
                             "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s\n",
                             status, reason, rule_s, strlen(reason) + 1, reason);
        else
                n = snprintf(head, sizeof(head),
                             "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                             status);
        close_upstream(c);
        if (!buf_put(&c->down, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1)) {
                c->down.len = c->down.off = 0; /* no room after a stalled response: cut it */
                buf_put(&c->down, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1);
        }
        c->state = ST_CLOSING;
        c->last = time(NULL);
}

static void deny(conn *c, const char *method, const char *path, const uint8_t *addr, int rule,
                 const char *reason)
{
        log_decision(c, method, path, addr, false, rule, reason);
        respond_close(c, "403 Forbidden", reason, rule);
}

/* ---- who is calling ---- */

static char *read_exe(pid_t pid)
{
        char p[64], buf[4096];
        snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
        ssize_t n = readlink(p, buf, sizeof(buf) - 1);
        if (n <= 0)
                return NULL;
        buf[n] = 0;
        return strdup(buf);
}

static pid_t parent_of(pid_t pid)
{
        char p[64], buf[1024];
        snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        int ppid = 0;
        if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
                return 0;
        return ppid;
}

/* The inode of the sandbox's socket whose local port is `port` and remote
 * port is `rport`, from its network namespace's tcp tables. */
static unsigned long socket_inode(unsigned port, unsigned rport)
{
        static const char *const tables[] = {"tcp", "tcp6"};
        for (int t = 0; t < 2; t++) {
                char p[64], line[512];
                snprintf(p, sizeof(p), "/proc/%d/net/%s", (int)sandbox_pid, tables[t]);
                FILE *f = fopen(p, "re");
                if (!f)
                        continue;
                while (fgets(line, sizeof(line), f)) {
                        char local[64], remote[64];
                        unsigned long inode;
                        if (sscanf(line, " %*d: %63s %63s %*x %*s %*s %*s %*d %*d %lu", local,
                                   remote, &inode) != 3)
                                continue;
                        char *lc = strrchr(local, ':'), *rc = strrchr(remote, ':');
                        if (lc && rc && strtoul(lc + 1, NULL, 16) == port &&
                            strtoul(rc + 1, NULL, 16) == rport && inode) {
                                fclose(f);
                                return inode;
                        }
                }
                fclose(f);
        }
        return 0;
}

static bool owns_socket(pid_t pid, const char *want)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
        DIR *d = opendir(p);
        if (!d)
                return false;
        struct dirent *e;
        bool found = false;
        while (!found && (e = readdir(d))) {
                char lp[384], target[64];
                if (e->d_name[0] == '.')
                        continue;
                snprintf(lp, sizeof(lp), "%s/%s", p, e->d_name);
                ssize_t n = readlink(lp, target, sizeof(target) - 1);
                if (n > 0) {
                        target[n] = 0;
                        found = !strcmp(target, want);
                }
        }
        closedir(d);
        return found;
}

/* Walk the sandbox's process tree from its init (each thread's children
 * file) and collect the processes holding socket:[inode]: at most max of
 * them, max + 1 when there are more. */
static int socket_holders(unsigned long inode, pid_t *out, int max)
{
        static pid_t queue[8192];
        char want[64];
        int head = 0, tail = 0, n = 0;
        snprintf(want, sizeof(want), "socket:[%lu]", inode);
        queue[tail++] = sandbox_pid;
        while (head < tail) {
                pid_t pid = queue[head++];
                if (owns_socket(pid, want)) {
                        if (n == max)
                                return max + 1;
                        out[n++] = pid;
                }
                char p[64];
                snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
                DIR *d = opendir(p);
                if (!d)
                        continue;
                struct dirent *e;
                while ((e = readdir(d))) {
                        if (e->d_name[0] == '.')
                                continue;
                        char cp[384];
                        snprintf(cp, sizeof(cp), "%s/%s/children", p, e->d_name);
                        FILE *f = fopen(cp, "re");
                        if (!f)
                                continue;
                        int child;
                        while (tail < (int)(sizeof(queue) / sizeof(queue[0])) &&
                               fscanf(f, "%d", &child) == 1)
                                queue[tail++] = child;
                        fclose(f);
                }
                closedir(d);
        }
        return n;
}

static void forget_identity(conn *c)
{
        free(c->binary);
        c->binary = NULL;
        for (int i = 0; i < c->nanc; i++)
                free(c->anc[i]);
        c->nanc = 0;
}

/* The executable of pid, and of its ancestors below the sandbox's init. */
static char *identity_of(pid_t pid, char **anc, int *nanc)
{
        *nanc = 0;
        char *exe = read_exe(pid);
        for (pid_t p = parent_of(pid); exe && p > 1 && p != sandbox_pid && *nanc < 16;
             p = parent_of(p)) {
                char *a = read_exe(p);
                if (!a)
                        break;
                anc[(*nanc)++] = a;
        }
        return exe;
}

/* Fill c->binary and c->anc from the client socket's holder; unknown
 * (NULL) when it cannot be told, and then only rules without `from` can
 * allow.  A socket held by several processes (inherited, passed) counts
 * as one executable only when every holder runs it, and with ancestors
 * only when every holder has the same ones.  Nothing is cached across
 * connections: pids are reused. */
static void identify(conn *c)
{
        c->id_done = true;
        if (no_identity || sandbox_pid <= 0)
                return;
        struct sockaddr_storage peer, self;
        socklen_t pl = sizeof(peer), sl = sizeof(self);
        if (getpeername(c->cfd, (struct sockaddr *)&peer, &pl) ||
            getsockname(c->cfd, (struct sockaddr *)&self, &sl))
                return;
        unsigned pport =
            ntohs(peer.ss_family == AF_INET ? ((struct sockaddr_in *)&peer)->sin_port
                                            : ((struct sockaddr_in6 *)&peer)->sin6_port);
        unsigned lport =
            ntohs(self.ss_family == AF_INET ? ((struct sockaddr_in *)&self)->sin_port
                                            : ((struct sockaddr_in6 *)&self)->sin6_port);
        unsigned long inode = socket_inode(pport, lport);
        pid_t holders[8];
        int nh = inode ? socket_holders(inode, holders, 8) : 0;
        if (nh < 1 || nh > 8)
                return;
        c->binary = identity_of(holders[0], c->anc, &c->nanc);
        for (int h = 1; h < nh && c->binary; h++) {
                char *anc[16];
                int nanc;
                char *exe = identity_of(holders[h], anc, &nanc);
                bool same_anc = nanc == c->nanc;
                for (int i = 0; same_anc && i < nanc; i++)
                        same_anc = !strcmp(anc[i], c->anc[i]);
                if (!exe || strcmp(exe, c->binary)) {
                        forget_identity(c);
                } else if (!same_anc) {
                        for (int i = 0; i < c->nanc; i++)
                                free(c->anc[i]);
                        c->nanc = 0;
                }
                free(exe);
                for (int i = 0; i < nanc; i++)
                        free(anc[i]);
        }
        /* the first holder still holds it: its pid was not reused meanwhile */
        char want[64];
        snprintf(want, sizeof(want), "socket:[%lu]", inode);
        if (c->binary && !owns_socket(holders[0], want))
                forget_identity(c);
}

static pm_request request_for(const conn *c, const uint8_t *addr)
{
        pm_request q = {0};
        q.host = c->host;
        q.host_is_ip = c->host_is_ip;
        if (addr) {
                memcpy(q.addr, addr, 16);
                q.has_addr = true;
        }
        q.port = c->port;
        q.binary = c->binary;
        for (int i = 0; i < c->nanc; i++)
                q.ancestors[i] = c->anc[i];
        q.nancestors = c->nanc;
        return q;
}

/* ---- name resolution: a few worker threads, woken by a condition,
 * waking the loop through an eventfd ---- */

typedef struct dns_job {
        struct dns_job *next;
        int idx;
        uint32_t gen;
        char host[256];
        int n, err;
        uint8_t addrs[MAX_ADDRS][16];
} dns_job;

static pthread_mutex_t dns_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dns_cv = PTHREAD_COND_INITIALIZER;
static dns_job *dns_todo, *dns_done;

static void *dns_worker(void *arg)
{
        for (;;) {
                pthread_mutex_lock(&dns_mu);
                while (!dns_todo)
                        pthread_cond_wait(&dns_cv, &dns_mu);
                dns_job *j = dns_todo;
                dns_todo = j->next;
                pthread_mutex_unlock(&dns_mu);
                struct addrinfo hints = {0}, *res = NULL;
                hints.ai_family = AF_UNSPEC;
                hints.ai_socktype = SOCK_STREAM;
                j->err = getaddrinfo(j->host, NULL, &hints, &res);
                for (struct addrinfo *a = res; a && j->n < MAX_ADDRS; a = a->ai_next) {
                        uint8_t *o = j->addrs[j->n];
                        memset(o, 0, 16);
                        if (a->ai_family == AF_INET) {
                                o[10] = o[11] = 0xff;
                                memcpy(o + 12, &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
                        } else if (a->ai_family == AF_INET6) {
                                memcpy(o, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
                        } else {
                                continue;
                        }
                        bool dup = false;
                        for (int i = 0; i < j->n; i++)
                                dup |= !memcmp(j->addrs[i], o, 16);
                        j->n += !dup;
                }
                if (res)
                        freeaddrinfo(res);
                pthread_mutex_lock(&dns_mu);
                j->next = dns_done;
                dns_done = j;
                pthread_mutex_unlock(&dns_mu);
                uint64_t one = 1;
                if (write(dns_efd, &one, sizeof(one)) < 0) {
                        /* the counter cannot overflow at this rate */
                }
        }
        return NULL;
}

/* The resolver threads start with the first name to resolve, not at
 * startup: osh-run launches the agent beside a starting osh-proxy, and
 * most launches never resolve a name.  False when none could start. */
static bool dns_start(void)
{
        static int started;
        for (; started < DNS_THREADS; started++) {
                pthread_t t;
                if (pthread_create(&t, NULL, dns_worker, NULL))
                        break;
                pthread_detach(t);
        }
        return started > 0;
}

static void resolve(conn *c)
{
        dns_job *j = dns_start() ? calloc(1, sizeof(*j)) : NULL;
        if (!j) {
                respond_close(c, "503 Service Unavailable", NULL, -1);
                return;
        }
        j->idx = (int)(c - conns);
        j->gen = c->gen;
        snprintf(j->host, sizeof(j->host), "%s", c->host);
        pthread_mutex_lock(&dns_mu);
        j->next = dns_todo;
        dns_todo = j;
        pthread_cond_signal(&dns_cv);
        pthread_mutex_unlock(&dns_mu);
        c->state = ST_RESOLVING;
}

/* ---- deciding and dialling ---- */

static const char tls_alert_access_denied[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31};
static const char established[] = "HTTP/1.1 200 Connection established\r\n\r\n";

/* The path of the request at the head of cin, NUL-terminated. */
static const char *request_path(const ph_request *r)
{
        size_t n = r->target_len < PH_HEAD_MAX ? r->target_len : PH_HEAD_MAX;
        size_t o = 0;
        if (!n || r->target[0] != '/')
                path_buf[o++] = '/';
        memcpy(path_buf + o, r->target, n);
        path_buf[o + n] = 0;
        return path_buf;
}

static void dial_next(conn *c);

/* Room the rewritten head may need upstream (a Host line may be added). */
static size_t up_need(const ph_request *r)
{
        return r->head_len + r->authority_len + 8;
}

/* The addresses are known (an IP literal, or resolved): keep those the
 * table allows, refuse when none is, else dial the first. */
static void decide_addresses(conn *c, const ph_request *r)
{
        const char *method = c->tunnel ? "CONNECT" : r->method;
        const char *path = c->tunnel ? NULL : request_path(r);
        pm_verdict first_deny = {0}, first_allow = {0};
        int denied_at = -1, kept = 0;
        for (int i = 0; i < c->naddrs; i++) {
                pm_request q = request_for(c, c->addrs[i]);
                q.method = method;
                q.path = path;
                pm_verdict v = decide(&q, !c->tunnel);
                if (v.allowed) {
                        if (!kept)
                                first_allow = v;
                        memmove(c->addrs[kept++], c->addrs[i], 16);
                } else if (denied_at < 0) {
                        first_deny = v;
                        denied_at = i;
                }
        }
        if (!kept && denied_at < 0) { /* no address at all: cannot happen */
                respond_close(c, "502 Bad Gateway", "the name has no address", -1);
                return;
        }
        if (!kept) {
                deny(c, method, path, c->addrs[denied_at], first_deny.rule_id, first_deny.reason);
                return;
        }
        c->naddrs = kept;
        c->next = 0;
        log_decision(c, method, path, c->addrs[0], true, first_allow.rule_id, first_allow.reason);
        if (c->tunnel && c->port == 443) {
                buf_put(&c->down, established, sizeof(established) - 1);
                c->state = ST_HELLO; /* the SNI is checked before dialling */
                return;
        }
        dial_next(c);
}

static void dial_next(conn *c)
{
        while (c->next < c->naddrs) {
                const uint8_t *a = c->addrs[c->next++];
                struct sockaddr_storage ss = {0};
                socklen_t sl;
                static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
                if (!memcmp(a, mapped, 12)) {
                        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
                        s4->sin_family = AF_INET;
                        s4->sin_port = htons(c->port);
                        memcpy(&s4->sin_addr, a + 12, 4);
                        sl = sizeof(*s4);
                } else {
                        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
                        s6->sin6_family = AF_INET6;
                        s6->sin6_port = htons(c->port);
                        memcpy(&s6->sin6_addr, a, 16);
                        sl = sizeof(*s6);
                }
                int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        continue;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
                        close(fd);
                        continue;
                }
                if (!buf_alloc(&c->up, BUF_CAP) || !buf_alloc(&c->down, BUF_CAP)) {
                        close(fd);
                        break;
                }
                c->ufd = fd;
                memcpy(c->uaddr, a, 16);
                c->state = ST_DIALING;
                return;
        }
        if (c->tunnel && c->port == 443) { /* the 200 is out: all we can do is close */
                close_upstream(c);
                c->down.len = 0;
                c->state = ST_CLOSING;
                return;
        }
        respond_close(c, "502 Bad Gateway", "the upstream refused the connection", -1);
}

static void on_connected(conn *c)
{
        c->u_connected = true;
        c->u_ready = true;
        snprintf(c->uhost, sizeof(c->uhost), "%s", c->host);
        c->uport = c->port;
        if (c->tunnel) {
                if (c->port != 443)
                        buf_put(&c->down, established, sizeof(established) - 1);
                c->state = ST_TUNNEL;
                return;
        }
        ph_request r;
        const char *why;
        if (ph_parse_head(c->cin.d + c->cin.off, c->cin.len, &r, &why) != PH_OK ||
            buf_space(&c->up) < up_need(&r)) {
                conn_close(c); /* cannot happen: the head was parsed before */
                return;
        }
        size_t n = ph_rewrite_head(c->cin.d + c->cin.off, &r, c->up.d + c->up.off + c->up.len,
                                   buf_space(&c->up));
        c->up.len += n;
        buf_consume(&c->cin, r.head_len);
        ph_body_start(&c->body, &r);
        c->in_body = c->body.kind != 0;
        c->state = ST_HTTP;
}

/* ---- the client's bytes ---- */

static bool set_target(conn *c, const ph_request *r, const char **why)
{
        uint8_t a[16];
        struct in_addr ia;
        c->port = r->port;
        if (pm_parse_ip(r->host, a)) {
                pm_format_ip(a, c->host, sizeof(c->host));
                c->host_is_ip = true;
                memcpy(c->addrs[0], a, 16);
                c->naddrs = 1;
                return true;
        }
        c->host_is_ip = false;
        c->naddrs = 0;
        if (!pm_host_normalize(r->host, c->host, sizeof(c->host))) {
                snprintf(c->host, sizeof(c->host), "%s", "");
                *why = "not a valid host name";
                return false;
        }
        if (inet_aton(c->host, &ia)) { /* "127.1", "0x7f000001": not a name, not strict */
                *why = "an IP address in a non-standard form";
                return false;
        }
        return true;
}

/* A complete head is at the front of cin. */
static void on_head(conn *c, ph_request *r)
{
        const char *why = NULL;
        if (!c->id_done)
                identify(c);
        c->got_head = true;
        bool reuse = !r->connect && c->ufd >= 0 && c->u_connected && !c->u_eof;
        char oldhost[256];
        uint16_t oldport = c->uport;
        snprintf(oldhost, sizeof(oldhost), "%s", c->uhost);
        c->tunnel = r->connect;
        if (!set_target(c, r, &why)) {
                log_decision(c, r->method, NULL, NULL, false, -1, why);
                respond_close(c, "400 Bad Request", why, -1);
                return;
        }
        if (reuse && c->port == oldport && !strcmp(c->host, oldhost)) {
                pm_request q = request_for(c, c->uaddr);
                q.method = r->method;
                q.path = request_path(r);
                pm_verdict v = decide(&q, true);
                if (!v.allowed) {
                        deny(c, q.method, q.path, c->uaddr, v.rule_id, v.reason);
                        return;
                }
                log_decision(c, q.method, q.path, c->uaddr, true, v.rule_id, v.reason);
                c->up.len += ph_rewrite_head(c->cin.d + c->cin.off, r,
                                             c->up.d + c->up.off + c->up.len, buf_space(&c->up));
                buf_consume(&c->cin, r->head_len);
                ph_body_start(&c->body, r);
                c->in_body = c->body.kind != 0;
                c->state = ST_HTTP;
                return;
        }
        close_upstream(c);
        if (r->connect)
                buf_consume(&c->cin, r->head_len);
        if (!buf_alloc(&c->up, BUF_CAP) || !buf_alloc(&c->down, BUF_CAP)) {
                respond_close(c, "503 Service Unavailable", NULL, -1);
                return;
        }
        if (c->host_is_ip) {
                decide_addresses(c, r);
                return;
        }
        pm_request q = request_for(c, NULL);
        q.method = c->tunnel ? "CONNECT" : r->method;
        q.path = c->tunnel ? NULL : request_path(r);
        pm_verdict v;
        if (pm_refused_by_name(&table, &q, !c->tunnel, &v)) /* no DNS query for it */
                deny(c, q.method, q.path, NULL, v.rule_id, v.reason);
        else
                resolve(c);
}

static void on_resolved(conn *c, dns_job *j)
{
        ph_request r = {0};
        const char *why;
        if (!c->tunnel && ph_parse_head(c->cin.d + c->cin.off, c->cin.len, &r, &why) != PH_OK) {
                conn_close(c);
                return;
        }
        if (j->err || j->n == 0) {
                log_decision(c, c->tunnel ? "CONNECT" : r.method,
                             c->tunnel ? NULL : request_path(&r), NULL, false, -1,
                             "the name does not resolve");
                respond_close(c, "502 Bad Gateway", "the name does not resolve", -1);
                return;
        }
        memcpy(c->addrs, j->addrs, sizeof(j->addrs));
        c->naddrs = j->n;
        if (c->tunnel)
                strcpy(r.method, "CONNECT");
        decide_addresses(c, &r);
}

static void check_hello(conn *c)
{
        char sni[256];
        int rc = ph_tls_sni((const uint8_t *)c->cin.d + c->cin.off, c->cin.len, sni, sizeof(sni));
        if (rc == PH_MORE && c->cin.len < CIN_CAP && !c->c_eof)
                return;
        const char *why = NULL;
        if (rc != PH_OK)
                why = "the tunnel to port 443 does not open with a TLS ClientHello";
        else if (!sni[0])
                why = "the TLS ClientHello names no server (no SNI)";
        else if (strcasecmp(sni, c->host))
                why = "the TLS SNI differs from the CONNECT host";
        if (why) {
                log_decision(c, "CONNECT", NULL, c->addrs[0], false, -1, why);
                buf_put(&c->down, tls_alert_access_denied, sizeof(tls_alert_access_denied));
                c->state = ST_CLOSING;
                c->last = time(NULL);
                return;
        }
        dial_next(c);
}

static void process_client(conn *c)
{
        for (;;) {
                if (c->state == ST_HEAD) {
                        if (!c->cin.len)
                                return;
                        ph_request r;
                        const char *why;
                        int rc = ph_parse_head(c->cin.d + c->cin.off, c->cin.len, &r, &why);
                        if (rc == PH_MORE) {
                                if (c->cin.len >= CIN_CAP) {
                                        log_decision(c, NULL, NULL, NULL, false, -1,
                                                     "request head too large");
                                        respond_close(c, "431 Request Header Fields Too Large",
                                                      "the request head is over 16 KiB", -1);
                                } else {
                                        buf_compact(&c->cin);
                                }
                                return;
                        }
                        if (rc == PH_BAD) {
                                log_decision(c, NULL, NULL, NULL, false, -1, why);
                                respond_close(c, "400 Bad Request", why, -1);
                                return;
                        }
                        if (c->ufd >= 0 && buf_space(&c->up) < up_need(&r)) {
                                buf_compact(&c->up);
                                if (buf_space(&c->up) < up_need(&r))
                                        return; /* wait for the upstream to drain */
                        }
                        on_head(c, &r);
                } else if (c->state == ST_HTTP) {
                        if (!c->in_body) {
                                c->state = ST_HEAD;
                                continue;
                        }
                        if (buf_space(&c->up) < c->cin.len)
                                buf_compact(&c->up);
                        size_t n = c->cin.len < buf_space(&c->up) ? c->cin.len : buf_space(&c->up);
                        if (!n)
                                return;
                        bool done;
                        long k = ph_body_feed(&c->body, c->cin.d + c->cin.off, n, &done);
                        if (k < 0) {
                                conn_close(c); /* a malformed chunk mid-stream */
                                return;
                        }
                        buf_put(&c->up, c->cin.d + c->cin.off, (size_t)k);
                        buf_consume(&c->cin, (size_t)k);
                        if (done)
                                c->in_body = false;
                        else if (!c->cin.len)
                                return;
                } else if (c->state == ST_TUNNEL) {
                        if (buf_space(&c->up) < c->cin.len)
                                buf_compact(&c->up);
                        size_t n = c->cin.len < buf_space(&c->up) ? c->cin.len : buf_space(&c->up);
                        buf_put(&c->up, c->cin.d + c->cin.off, n);
                        buf_consume(&c->cin, n);
                        return;
                } else if (c->state == ST_HELLO) {
                        check_hello(c);
                        return;
                } else {
                        return;
                }
                if (!c->used)
                        return;
        }
}

/* ---- moving bytes ---- */

/* 1: progress, 0: would block, -1: error */
static int read_into(int fd, iobuf *b, bool *eof)
{
        size_t space = buf_space(b);
        if (!space) {
                buf_compact(b);
                space = buf_space(b);
        }
        if (!space)
                return 0;
        ssize_t n = recv(fd, b->d + b->off + b->len, space, 0);
        if (n > 0) {
                b->len += (size_t)n;
                return 1;
        }
        if (n == 0) {
                *eof = true;
                return 1;
        }
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

static int write_from(int fd, iobuf *b)
{
        if (!b->len)
                return 0;
        ssize_t n = send(fd, b->d + b->off, b->len, MSG_NOSIGNAL);
        if (n > 0) {
                buf_consume(b, (size_t)n);
                return 1;
        }
        return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

/* A refused connection: send what is queued, drain (and drop) what the
 * client still sends, close when both are done (or at LINGER_TIMEOUT). */
static void pump_closing(conn *c)
{
        char sink[4096];
        for (int k = 0; k < 16 && !c->c_eof; k++) {
                ssize_t n = recv(c->cfd, sink, sizeof(sink), 0);
                if (n == 0)
                        c->c_eof = true;
                if (n <= 0)
                        break;
        }
        if (c->down.len && write_from(c->cfd, &c->down) < 0)
                c->down.len = 0;
        if (!c->down.len && !c->c_shut) {
                shutdown(c->cfd, SHUT_WR);
                c->c_shut = true;
        }
        if (c->c_shut && c->c_eof)
                conn_close(c);
        else
                update_interest(c);
}

/* Read what the client sent: 1 progress, 0 nothing, -1 error. */
static int read_client(conn *c)
{
        int rc = 0;
        if (!c->c_ready || c->c_eof)
                return 0; /* nothing to read: epoll says when there is */
        if (c->state == ST_TUNNEL && !c->cin.len) {
                /* a tunnel's bytes need no parsing: straight into up */
                rc = read_into(c->cfd, &c->up, &c->c_eof);
                c->c_ready = rc > 0 || !buf_space(&c->up);
        } else if (buf_space(&c->cin)) {
                rc = read_into(c->cfd, &c->cin, &c->c_eof);
                c->c_ready = rc > 0;
        }
        return rc;
}

/* A dial in progress: 1 it ended (connected, or the next address tried),
 * 0 still connecting. */
static int check_dial(conn *c)
{
        int err = 0;
        socklen_t el = sizeof(err);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
                close_upstream(c);
                dial_next(c);
                return 1;
        }
        if (getpeername(c->ufd, (struct sockaddr *)&ss, &sl))
                return 0; /* wait for EPOLLOUT */
        on_connected(c);
        return 1;
}

/* Move bytes between the server and the two buffers: as read_client. */
static int move_bytes(conn *c)
{
        int rc, progress = 0;
        if (c->ufd >= 0 && c->u_connected) {
                if ((rc = write_from(c->ufd, &c->up)) < 0)
                        return -1;
                progress |= rc;
                if (c->u_ready && !c->u_eof && buf_space(&c->down) + c->down.off > 0) {
                        if ((rc = read_into(c->ufd, &c->down, &c->u_eof)) < 0)
                                return -1;
                        progress |= rc;
                        c->u_ready = rc > 0;
                }
        }
        if (c->down.len && !c->c_shut) {
                if ((rc = write_from(c->cfd, &c->down)) < 0)
                        return -1;
                progress |= rc;
        }
        return progress;
}

/* Pass an end of stream on, each direction on its own; true when the
 * connection is finished (and closed). */
static bool half_close(conn *c, bool progress)
{
        if (c->c_eof && !c->cin.len && !c->up.len && c->u_connected && !c->u_shut &&
            (c->state == ST_TUNNEL || (c->state == ST_HTTP && !c->in_body) ||
             c->state == ST_HEAD)) {
                shutdown(c->ufd, SHUT_WR);
                c->u_shut = true;
        }
        if (c->u_eof && !c->down.len && !c->c_shut && c->u_connected) {
                shutdown(c->cfd, SHUT_WR);
                c->c_shut = true;
        }
        bool client_done = c->c_eof && !c->cin.len;
        if ((c->c_shut && client_done) || (c->c_shut && c->u_shut) ||
            (client_done && c->ufd < 0 && !c->down.len &&
             (c->state == ST_HEAD || c->state == ST_HTTP)) ||
            (c->c_eof && c->state == ST_HEAD && c->cin.len && !progress)) { /* partial head */
                conn_close(c);
                return true;
        }
        return false;
}

/* Do whatever can be done on c without blocking; close it when finished. */
static void pump(conn *c)
{
        for (int round = 0; round < 8; round++) {
                if (c->state == ST_CLOSING) {
                        pump_closing(c);
                        return;
                }
                int rc = read_client(c);
                if (rc < 0)
                        goto fail;
                bool progress = rc > 0;
                process_client(c);
                if (!c->used)
                        return;
                if (c->state == ST_CLOSING)
                        continue;
                if (c->ufd >= 0 && c->state == ST_DIALING) {
                        if (!check_dial(c))
                                break;
                        if (!c->used)
                                return;
                        continue;
                }
                if ((rc = move_bytes(c)) < 0)
                        goto fail;
                progress |= rc > 0;
                if (half_close(c, progress))
                        return;
                if (!progress)
                        break;
                c->last = time(NULL);
        }
        update_interest(c);
        return;
fail:
        conn_close(c);
}

/* ---- the loop ---- */

static void accept_all(int lfd)
{
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nX-Osh-Deny: too many "
                                   "connections\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                        return;
                if (!nfree) {
                        if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0) {
                                /* best effort */
                        }
                        close(fd);
                        continue;
                }
                conn *c = &conns[free_slots[--nfree]];
                uint32_t gen = c->gen;
                memset(c, 0, sizeof(*c));
                c->gen = gen;
                c->used = true;
                c->cfd = fd;
                c->ufd = -1;
                c->c_ready = true;
                c->last = time(NULL);
                nconns++;
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                if (!buf_alloc(&c->cin, CIN_CAP) || !buf_alloc(&c->down, BUF_CAP)) {
                        conn_close(c);
                        continue;
                }
                pump(c);
        }
}

static void dns_results(void)
{
        uint64_t n;
        if (read(dns_efd, &n, sizeof(n)) < 0) {
                /* spurious wake-up */
        }
        pthread_mutex_lock(&dns_mu);
        dns_job *j = dns_done;
        dns_done = NULL;
        pthread_mutex_unlock(&dns_mu);
        while (j) {
                dns_job *next = j->next;
                conn *c = &conns[j->idx];
                if (c->used && c->gen == j->gen && c->state == ST_RESOLVING) {
                        on_resolved(c, j);
                        if (c->used)
                                pump(c);
                }
                free(j);
                j = next;
        }
}

static void expire(time_t now)
{
        for (int i = 0; i < MAX_CONNS; i++) {
                conn *c = &conns[i];
                if (!c->used)
                        continue;
                time_t limit = IDLE_TIMEOUT;
                if (c->state == ST_CLOSING)
                        limit = LINGER_TIMEOUT;
                else if (c->state == ST_RESOLVING || c->state == ST_DIALING ||
                         c->state == ST_HELLO ||
                         (c->state == ST_HEAD && (c->cin.len || !c->got_head)))
                        limit = HEAD_TIMEOUT;
                if (now - c->last >= limit)
                        conn_close(c);
        }
}

static int listen_on(const char *spec)
{
        char host[128];
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof(host))
                die("--listen wants ADDR:PORT, got '%s'", spec);
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)atoi(colon + 1))};
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
                die("--listen: '%s' is not an IPv4 address", host);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024))
                die("cannot listen on %s", spec);
        socklen_t sl = sizeof(sa);
        getsockname(fd, (struct sockaddr *)&sa, &sl);
        printf("osh-proxy: listening on %s:%u\n", host, ntohs(sa.sin_port));
        fflush(stdout);
        return fd;
}

/* SIGTERM, SIGINT, the sandbox's or stdin's end: close every connection. */
static int stop(oshb_bundle *b)
{
        for (int i = 0; i < MAX_CONNS; i++)
                if (conns[i].used)
                        conn_close(&conns[i]);
        oshb_free(b);
        return 0;
}

static void usage(int code)
{
        fprintf(code ? stderr : stdout,
                "usage: osh-proxy (--bundle PATH | --bundle-fd N)\n"
                "                 (--listen-fd N | --listen ADDR:PORT)\n"
                "                 [--sandbox-pid PID] [--param NAME=VALUE]... [--no-identity]\n"
                "                 [--log-fd N | --log FILE] [--exit-on-stdin-eof]\n");
        exit(code);
}

typedef struct options {
        const char *bundle, *listen_spec, *log_path;
        int bundle_fd, listen_fd;
        bool stdin_eof;
} options;

static void parse_args(int argc, char **argv, options *o)
{
        memset(o, 0, sizeof(*o));
        o->bundle_fd = -1;
        o->listen_fd = -1;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--help") || !strcmp(a, "-h"))
                        usage(0);
                if (!strcmp(a, "--no-identity")) {
                        no_identity = true;
                        continue;
                }
                if (!strcmp(a, "--exit-on-stdin-eof")) {
                        o->stdin_eof = true;
                        continue;
                }
                if (!v)
                        usage(2);
                i++;
                if (!strcmp(a, "--bundle"))
                        o->bundle = v;
                else if (!strcmp(a, "--bundle-fd"))
                        o->bundle_fd = atoi(v);
                else if (!strcmp(a, "--listen-fd"))
                        o->listen_fd = atoi(v);
                else if (!strcmp(a, "--listen"))
                        o->listen_spec = v;
                else if (!strcmp(a, "--sandbox-pid"))
                        sandbox_pid = atoi(v);
                else if (!strcmp(a, "--log-fd"))
                        log_fd = atoi(v);
                else if (!strcmp(a, "--log"))
                        o->log_path = v;
                else if (!strcmp(a, "--param")) {
                        const char *eq = strchr(v, '=');
                        if (!eq || params.n >= OSHB_MAX_PARAMS)
                                die("--param wants NAME=VALUE, got '%s'", v);
                        params.names[params.n] = strndup(v, (size_t)(eq - v));
                        params.values[params.n++] = eq + 1;
                } else
                        usage(2);
        }
        if ((o->bundle_fd < 0) == !o->bundle || (o->listen_fd < 0) == !o->listen_spec)
                usage(2);
}

/* How many connections the descriptors allow: two each, so that accept
 * never fails with EMFILE (which would leave the listener ready forever). */
static int max_connections(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl))
                return 16;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
                getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur >= 2 * MAX_CONNS + 64)
                return MAX_CONNS;
        return rl.rlim_cur > 96 ? (int)(rl.rlim_cur - 64) / 2 : 16;
}

static void watch(int fd, uint64_t tag, const char *what)
{
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
        if (fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
                die("cannot watch %s", what);
}

/* The listener, signals, the sandbox's end. */
static int setup(const options *o)
{
        int lfd = o->listen_spec ? listen_on(o->listen_spec) : o->listen_fd;
        int listening = 0;
        socklen_t ll = sizeof(listening);
        if (getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) || !listening)
                die("%s", "--listen-fd: the descriptor is not a listening socket");
        fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
        if (o->log_path &&
            (log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0)
                die("cannot open the log %s", o->log_path);
        /* connection buffers come and go with every connection: keep freed
         * ones in the heap rather than trimming and growing it each time
         * (the total stays bounded by the connection limit) */
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        int max_conns = max_connections();
        /* the slots are not touched here: their 900 KiB would be faulted
         * in on every launch; a free slot is never read (accept_all sets
         * its descriptors when it takes it) */
        for (int i = max_conns - 1; i >= 0; i--)
                free_slots[nfree++] = i;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        signal(SIGPIPE, SIG_IGN);
        epfd = epoll_create1(EPOLL_CLOEXEC);
        dns_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (epfd < 0)
                die("%s", "cannot create the event loop (epoll_create1)");
        watch(lfd, TAG_LISTEN, "the listener");
        watch(dns_efd, TAG_DNS, "the resolver (eventfd)");
        watch(signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK), TAG_SIG, "signals (signalfd)");
        if (o->stdin_eof)
                watch(0, TAG_STDIN, "stdin (--exit-on-stdin-eof wants a pipe)");
        if (sandbox_pid > 0) { /* the sandbox's end is ours */
                int pfd = (int)syscall(SYS_pidfd_open, sandbox_pid, 0);
                /* osh-run does not wait for this exec (and starts it only
                 * at the agent's first connection): the sandbox may already
                 * be over and reaped, leaving nothing to serve */
                if (pfd < 0 && errno == ESRCH)
                        exit(0);
                watch(pfd, TAG_SANDBOX, "the sandbox's init (--sandbox-pid: pidfd_open failed)");
        }
        return lfd; /* the resolver threads start on first use (dns_start) */
}

/* --bundle-fd: the bundle's bytes in a file (osh-run's sealed memfd),
 * read from offset 0 whatever the descriptor's offset. */
static int read_bundle_fd(int fd, oshb_bundle *b, char *err, size_t errlen)
{
        struct stat st;
        if (fstat(fd, &st) < 0) {
                snprintf(err, errlen, "--bundle-fd %d: %s", fd, strerror(errno));
                return -1;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > (off_t)OSHB_MAX_FILE) {
                snprintf(err, errlen,
                         "--bundle-fd %d: not a regular file within the %u MiB "
                         "limit for a bundle",
                         fd, OSHB_MAX_FILE >> 20);
                return -1;
        }
        size_t len = (size_t)st.st_size, got = 0;
        uint8_t *buf = malloc(len ? len : 1);
        if (!buf) {
                snprintf(err, errlen, "--bundle-fd %d: out of memory", fd);
                return -1;
        }
        while (got < len) {
                ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        snprintf(err, errlen, "--bundle-fd %d: %s", fd,
                                 n < 0 ? strerror(errno) : "shorter than its size");
                        free(buf);
                        return -1;
                }
                got += (size_t)n;
        }
        char msg[384];
        int rc = oshb_read(buf, len, b, msg, sizeof(msg));
        if (rc < 0)
                snprintf(err, errlen, "--bundle-fd %d: %s", fd, msg);
        free(buf);
        close(fd);
        return rc;
}

int main(int argc, char **argv)
{
        static oshb_bundle b;
        options o;
        char err[RT_ERR_LEN];
        parse_args(argc, argv, &o);
        if (o.bundle ? oshb_read_file(o.bundle, &b, err, sizeof(err))
                     : read_bundle_fd(o.bundle_fd, &b, err, sizeof(err)))
                die("%s", err);
        table.proxy = &b.proxy;
        table.network = b.process.network;
        table.params = &params;
        /* a native matcher whose hash, ABI or arch does not match: refuse */
        if (b.has_native && pm_native_load(&native, &b, &table, err, sizeof(err)))
                die("%s", err);
        int lfd = setup(&o);
        time_t last_sweep = time(NULL);
        for (;;) {
                struct epoll_event evs[256];
                int n = epoll_wait(epfd, evs, 256, 1000);
                for (int i = 0; i < n; i++) {
                        uint64_t tag = evs[i].data.u64;
                        if (tag == TAG_LISTEN) {
                                accept_all(lfd);
                        } else if (tag == TAG_DNS) {
                                dns_results();
                        } else if (tag == TAG_SIG || tag == TAG_SANDBOX) {
                                return stop(&b);
                        } else if (tag == TAG_STDIN) {
                                char sink[512];
                                if (read(0, sink, sizeof(sink)) <= 0)
                                        return stop(&b);
                        } else {
                                conn *c = &conns[tag / 2];
                                if (!c->used)
                                        continue;
                                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                                        if (tag & 1)
                                                c->u_ready = true;
                                        else
                                                c->c_ready = true;
                                }
                                pump(c);
                        }
                }
                time_t now = time(NULL);
                if (now != last_sweep) {
                        expire(now);
                        last_sweep = now;
                }
        }
}
