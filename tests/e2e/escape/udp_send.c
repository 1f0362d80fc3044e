/* udp_send ADDR PORT: a direct UDP datagram, bypassing the proxy. */
#include "escape.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
        if (argc < 3)
                return 2;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
        if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
                return 2;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                esc_fail("socket", errno);
        if (sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof a) < 0)
                esc_fail("sendto", errno);
        esc_ok("sendto");
}
