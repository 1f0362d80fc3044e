/* packet_socket: an AF_PACKET socket (link layer, every protocol). */
#include "escape.h"
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
int main(void)
{
        ESC_TRY("socket(AF_PACKET, SOCK_RAW)", socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
}
