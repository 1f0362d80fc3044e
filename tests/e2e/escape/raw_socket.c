/* raw_socket: an IPv4 raw socket (ICMP), which bypasses TCP/UDP. */
#include "escape.h"
#include <netinet/in.h>
#include <sys/socket.h>
int main(void)
{
        ESC_TRY("socket(AF_INET, SOCK_RAW)", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
}
