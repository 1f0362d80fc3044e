/* bpf_call: bpf(BPF_MAP_CREATE). */
#include "escape.h"
#include <linux/bpf.h>
int main(void)
{
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.map_type = BPF_MAP_TYPE_ARRAY;
        a.key_size = 4;
        a.value_size = 4;
        a.max_entries = 1;
        ESC_TRY("bpf(BPF_MAP_CREATE)", syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof a));
}
