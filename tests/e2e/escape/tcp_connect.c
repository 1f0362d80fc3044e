/* tcp_connect ADDR PORT: a direct TCP connection, bypassing the proxy.
 * Non-blocking: inside the sandbox's empty network namespace a non-local
 * address fails at once (ENETUNREACH); an EINPROGRESS is an escape and is
 * abandoned immediately (a single SYN at most). */
#include "escape.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
        if (argc < 3)
                return 2;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
        if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
                return 2;
        int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0)
                esc_fail("socket", errno);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0)
                esc_ok("connect");
        if (errno != EINPROGRESS)
                esc_fail("connect", errno);
        /* loopback answers at once; anything else in flight is an escape */
        struct pollfd p = {.fd = s, .events = POLLOUT};
        if (strncmp(argv[1], "127.", 4) == 0 && poll(&p, 1, 1000) == 1) {
                int e = 0;
                socklen_t l = sizeof e;
                getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &l);
                if (e)
                        esc_fail("connect", e);
                esc_ok("connect");
        }
        esc_ok("connect (in progress: the packet left the sandbox)");
}
