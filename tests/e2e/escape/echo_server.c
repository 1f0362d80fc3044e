/* echo_server PORT: runs on the host (outside the sandbox) as the target of
 * the allowed proxy tunnel: accepts on 127.0.0.1:PORT, says "hello\n" and
 * closes.  Writes "ready" on stdout once listening.  Not run in the sandbox. */
#include "escape.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
        if (argc < 2)
                return 2;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0)
                esc_fail("listen", errno);
        puts("ready");
        fflush(stdout);
        for (;;) {
                int c = accept(s, NULL, NULL);
                if (c < 0)
                        continue;
                if (write(c, "hello\n", 6) < 0) {
                }
                close(c);
        }
}
