/* proxy_connect HOST:PORT: ask the proxy at 127.0.0.1:3128 (from inside the
 * sandbox) for a CONNECT tunnel.  200 -> 0, 403 -> 210, other -> 211,
 * no proxy -> the errno of the connect. */
#include "escape.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(3128)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                esc_fail("socket", errno);
        struct timeval tv = {.tv_sec = 10};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(s, (struct sockaddr *)&a, sizeof a) < 0)
                esc_fail("connect to the proxy", errno);
        char req[512], resp[2048];
        int n =
            snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", argv[1], argv[1]);
        if (write(s, req, (size_t)n) != n)
                esc_fail("send CONNECT", errno);
        size_t got = 0;
        while (got < sizeof resp - 1 && !memmem(resp, got, "\r\n\r\n", 4)) {
                ssize_t r = read(s, resp + got, sizeof resp - 1 - got);
                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        resp[got] = 0;
        char *hend = memmem(resp, got, "\r\n\r\n", 4);
        size_t have = hend ? got - (size_t)(hend + 4 - resp) : 0; /* tunnel bytes already read */
        char *eol = strstr(resp, "\r\n");
        if (eol)
                *eol = 0;
        if (strncmp(resp, "HTTP/1.", 7) != 0 || strlen(resp) < 12)
                esc_exit(X_HTTP, argv[1], got ? resp : "no answer from the proxy");
        int code = atoi(resp + 9);
        printf("CONNECT %s: %s\n", argv[1], resp);
        fflush(stdout);
        if (code == 200) {
                /* the tunnel is up: read the test server's greeting */
                if (have == 0 && read(s, resp, sizeof resp - 1) <= 0)
                        esc_exit(X_HTTP, argv[1], "tunnel opened but no data came through");
                esc_ok("CONNECT");
        }
        _exit(code == 403 ? X_403 : X_HTTP);
}
