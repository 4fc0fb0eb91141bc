// SPDX-License-Identifier: GPL-2.0
/* kfwd.bpf.c — lab-kfwd's tc (clsact) programs: the kernel's IP forwarding stays the packet
 * path; these only stamp and mark lab datagrams on the way through, as a forwarder stamps. At
 * dut0 ingress (kfwd_rx) a lab datagram asking for stamps (LAB_F_STAMP) gets dut_rx_ns; at dut1
 * egress (kfwd_tx) every lab datagram gets LAB_F_FORWARDED and, when asked, LAB_F_STAMPED and
 * dut_tx_ns. Times are bpf_ktime_get_ns() (CLOCK_MONOTONIC). The UDP checksum is updated
 * incrementally (a zero IPv4 UDP checksum stays "none"). A lab datagram already reflected or
 * forwarded is dropped at ingress (TC_ACT_SHOT, counted: a DUT never sends one on) and left alone
 * at egress; one the kernel routes back out of the port it came in (kfwd_back at dut0 egress, and
 * at dut1 egress) is dropped and counted; everything else passes untouched. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lab_wire.h"
#include "kfwd_bpf.h"

const volatile __u16 lab_port = LAB_PORT_DUT;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KFWD_C_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

/* A lab datagram: where its lab header and UDP checksum are, and the header. 0 or -1. */
static __always_inline int lab_find(struct __sk_buff *skb, __u32 *lab_off, __u32 *ck_off,
				    __u32 *ulen, struct lab_hdr *h)
{
	__u32 l4;
	__u8 ip[40];
	__be16 udp[4];

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN, ip, 20) < 0)
			return -1;
		__u32 ihl = (ip[0] & 0x0f) * 4;
		/* not UDP, or a fragment (MF or an offset): no lab header here */
		if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 17 || (ip[6] & 0x3f) || ip[7])
			return -1;
		l4 = ETH_HLEN + ihl;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN, ip, 40) < 0)
			return -1;
		if ((ip[0] >> 4) != 6 || ip[6] != 17)
			return -1;
		l4 = ETH_HLEN + 40;
	} else {
		return -1;
	}
	if (bpf_skb_load_bytes(skb, l4, udp, 8) < 0 || udp[1] != bpf_htons(lab_port))
		return -1;
	if (bpf_skb_load_bytes(skb, l4 + 8, h, LAB_HDR_LEN) < 0 ||
	    h->magic != bpf_htons(LAB_MAGIC) || h->version != LAB_VERSION || (h->flags & ~LAB_F_KNOWN))
		return -1;
	*lab_off = l4 + 8;
	*ck_off = l4 + 6;
	*ulen = bpf_ntohs(udp[2]);
	return 0;
}

/* Replace len (4 or 8) bytes at off with val, and the UDP checksum with them. 0 or -1. */
static __always_inline int put(struct __sk_buff *skb, __u32 off, __u32 ck_off, void *val, __u32 len)
{
	__u8 old[8];
	__s64 diff;
	if (bpf_skb_load_bytes(skb, off, old, len) < 0)
		return -1;
	diff = bpf_csum_diff((__be32 *)old, len, (__be32 *)val, len, 0);
	if (diff < 0 || bpf_skb_store_bytes(skb, off, val, len, 0) < 0)
		return -1;
	return bpf_l4_csum_replace(skb, ck_off, 0, (__u64)diff, BPF_F_MARK_MANGLED_0) < 0 ? -1 : 0;
}

/* Asked for, and room for the stamp area after the lab header in the UDP payload and the frame. */
static __always_inline int has_stamp(struct __sk_buff *skb, __u32 lab_off, __u32 ulen,
				     const struct lab_hdr *h)
{
	return (h->flags & LAB_F_STAMP) && ulen >= 8 + LAB_HDR_LEN + LAB_STAMP_LEN &&
	       skb->len >= lab_off + LAB_HDR_LEN + LAB_STAMP_LEN;
}

SEC("tc")
int kfwd_rx(struct __sk_buff *skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 lab_off, ck_off, ulen;
	struct lab_hdr h;
	if (lab_find(skb, &lab_off, &ck_off, &ulen, &h) < 0)
		return TC_ACT_OK;
	count(KFWD_C_RX_LAB);
	if (h.flags & LAB_F_MARKED) {
		/* a DUT never sends a reflected or forwarded frame on: the kernel would */
		count(KFWD_C_RX_MARKED);
		return TC_ACT_SHOT;
	}
	if (!has_stamp(skb, lab_off, ulen, &h))
		return TC_ACT_OK;
	__u64 be = bpf_cpu_to_be64(now);
	if (put(skb, lab_off + LAB_HDR_LEN, ck_off, &be, 8) < 0)
		count(KFWD_C_ERRORS);
	else
		count(KFWD_C_RX_STAMPED);
	return TC_ACT_OK;
}

/* A forwarded datagram about to leave by the port it came in (skb_iif: 0 for the DUT's own). */
static __always_inline int back_out(struct __sk_buff *skb)
{
	return skb->ingress_ifindex && skb->ingress_ifindex == skb->ifindex;
}

/* --iface egress: the kernel routes a datagram to an address behind the port it came in back out
 * of it (a hairpin); a forwarder never does: a lab one is dropped and counted */
SEC("tc")
int kfwd_back(struct __sk_buff *skb)
{
	__u32 lab_off, ck_off, ulen;
	struct lab_hdr h;
	if (!back_out(skb) || lab_find(skb, &lab_off, &ck_off, &ulen, &h) < 0)
		return TC_ACT_OK;
	count(KFWD_C_BACK_OUT);
	return TC_ACT_SHOT;
}

SEC("tc")
int kfwd_tx(struct __sk_buff *skb)
{
	__u32 lab_off, ck_off, ulen;
	struct lab_hdr h;
	__u8 word[4];
	if (lab_find(skb, &lab_off, &ck_off, &ulen, &h) < 0)
		return TC_ACT_OK;
	if (back_out(skb)) {
		count(KFWD_C_BACK_OUT);
		return TC_ACT_SHOT;
	}
	if (h.flags & LAB_F_MARKED) {
		count(KFWD_C_TX_ALREADY);
		return TC_ACT_OK;
	}
	int stamp = has_stamp(skb, lab_off, ulen, &h);
	/* the first word: magic, version, flags */
	__builtin_memcpy(word, &h, 4);
	word[3] = h.flags | LAB_F_FORWARDED | (stamp ? LAB_F_STAMPED : 0);
	if (stamp) {
		__u64 be = bpf_cpu_to_be64(bpf_ktime_get_ns());
		if (put(skb, lab_off + LAB_HDR_LEN + 8, ck_off, &be, 8) < 0) {
			count(KFWD_C_ERRORS);
			return TC_ACT_OK;
		}
		count(KFWD_C_TX_STAMPED);
	}
	if (put(skb, lab_off, ck_off, word, 4) < 0)
		count(KFWD_C_ERRORS);
	else
		count(KFWD_C_TX_MARKED);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
