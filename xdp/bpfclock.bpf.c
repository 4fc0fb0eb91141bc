// SPDX-License-Identifier: GPL-2.0
/* bpfclock.bpf.c — lab-bpfclock's program: two bpf_ktime_get_ns() reads back to back, the
 * difference counted in a histogram of 1 ns buckets (the last one: that and more). Run by
 * BPF_PROG_TEST_RUN with a repeat count on a dummy frame: one read's cost and spread, as the
 * XDP program and lab-trace pay it for each stamp. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpfclock.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LAB_BPFCLOCK_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} lab_clk_hist SEC(".maps");

SEC("xdp")
int lab_clk(struct xdp_md *ctx)
{
	__u64 t0 = bpf_ktime_get_ns(), t1 = bpf_ktime_get_ns();
	__u64 d = t1 - t0;
	__u32 b = d < LAB_BPFCLOCK_BUCKETS - 1 ? (__u32)d : LAB_BPFCLOCK_BUCKETS - 1;
	__u64 *v = bpf_map_lookup_elem(&lab_clk_hist, &b);

	(void)ctx;
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_DROP;
}
