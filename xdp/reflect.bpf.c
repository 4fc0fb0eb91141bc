// SPDX-License-Identifier: GPL-2.0
/* reflect.bpf.c — the lab's XDP program. Lab traffic (UDP to the lab port, a valid lab header,
 * LAB_F_REFLECTED as the policy wants) is redirected to the AF_XDP socket of its RX queue
 * (mode XSK), reflected in the driver with XDP_TX (mode XDPTX, the floor of the wire) or
 * forwarded in the driver to the out port through a DEVMAP (mode XDPFWD, the floor of the forward
 * topology); everything else goes to the kernel. The parser mirrors the verdicts of common/frame.c
 * (not-lab vs malformed) so that both sides count a frame the same way. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lab_wire.h"
#include "reflect.h"

/* Set through the skeleton before load; the verifier then prunes the other modes away. */
const volatile __u32 lab_mode = LAB_XDP_MODE_XSK;
const volatile __u16 lab_port = LAB_PORT_DUT;
const volatile __u32 lab_reflected = LAB_XDP_REFL_FORBID;
/* XDPFWD: the Ethernet addresses a forwarded frame leaves with (the out port's, the next hop's) */
const volatile __u8 lab_fwd_src[6] = {0};
const volatile __u8 lab_fwd_dst[6] = {0};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, LAB_XDP_XSKMAP_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* XDPFWD: slot LAB_XDP_DEVMAP_OUT holds the out port's ifindex, set before attach */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAB_XDP_C_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

#define IPPROTO_UDP_ 17

/* Keep a value in a register as computed: otherwise clang re-derives it from the ethertype
 * later, and the verifier, which cannot tie the two together, walks an IPv6 swap on an IPv4
 * frame and rejects the program. */
#define opaque(x) asm volatile("" : "+r"(x))

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (v)
		*v += 1;
}

static __always_inline int pass(__u32 idx)
{
	count(idx);
	return XDP_PASS;
}

/* RFC 1624: fold the change of one 16-bit word into a running checksum sum. Byte order does
 * not matter to a one's complement sum as long as old, new and the checksum share it. */
static __always_inline __u32 csum_delta(__u32 sum, __u16 old, __u16 now)
{
	return sum + (__u16)~old + now;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static __always_inline void swap_bytes(void *a, void *b, int n)
{
	__u8 tmp[16];
	__builtin_memcpy(tmp, a, n);
	__builtin_memcpy(a, b, n);
	__builtin_memcpy(b, tmp, n);
}

/* Set the DUT's mark (LAB_F_REFLECTED or LAB_F_FORWARDED) and, when the sender asked, the stamps
 * (receive time, and now as the transmit time); fold the changed lab header words into the UDP
 * checksum incrementally. A zero IPv4 UDP checksum means "none" and stays zero. */
static __always_inline void mark(struct lab_hdr *lh, __u8 *stamp, __u8 *udp, int v4, __u8 flag,
				 __u64 rx_ns)
{
	__u16 old_vf = *(__u16 *)((__u8 *)lh + 2), old_st[8] = {0};
	if (stamp)
		__builtin_memcpy(old_st, stamp, sizeof(old_st));
	lh->flags |= flag;
	if (stamp) {
		__u64 rx_be = bpf_cpu_to_be64(rx_ns), tx_be;
		lh->flags |= LAB_F_STAMPED;
		__builtin_memcpy(stamp, &rx_be, 8);
		tx_be = bpf_cpu_to_be64(bpf_ktime_get_ns());
		__builtin_memcpy(stamp + 8, &tx_be, 8);
	}
	__u16 *ck = (__u16 *)(udp + 6);
	if (*ck || !v4) {
		__u32 sum = (__u16)~*ck;
		sum = csum_delta(sum, old_vf, *(__u16 *)((__u8 *)lh + 2));
		if (stamp) {
			__u16 now[8];
			__builtin_memcpy(now, stamp, sizeof(now));
#pragma unroll
			for (int i = 0; i < 8; i++)
				sum = csum_delta(sum, old_st[i], now[i]);
		}
		__u16 c = (__u16)~csum_fold(sum);
		*ck = c ? c : 0xffff;
	}
}

SEC("xdp")
int lab_reflect(struct xdp_md *ctx)
{
	__u64 rx_ns = bpf_ktime_get_ns();
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	__u64 off = ETH_HLEN, l4, ip_end, lab_off;
	struct ethhdr *eth = data;
	__u8 *ip, *udp, *h, *stamp = NULL;
	__u16 proto;
	int v4;

	if ((void *)(eth + 1) > data_end)
		return pass(LAB_XDP_C_PASSED); /* runt */
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		if (data + ETH_HLEN + 4 > data_end)
			return pass(LAB_XDP_C_PASSED); /* VLAN tag cut short */
		proto = *(__be16 *)(data + ETH_HLEN + 2);
		off += 4;
	}
	ip = data + off;
	if (proto == bpf_htons(ETH_P_IP)) {
		__u64 ihl, tot;
		if ((void *)(ip + 20) > data_end)
			return pass(LAB_XDP_C_MALFORMED);
		if ((ip[0] >> 4) != 4)
			return pass(LAB_XDP_C_MALFORMED);
		ihl = (__u64)(ip[0] & 0x0f) * 4;
		if (ihl < 20)
			return pass(LAB_XDP_C_MALFORMED);
		if (off + ihl > len)
			return pass(LAB_XDP_C_MALFORMED);
		tot = bpf_ntohs(*(__be16 *)(ip + 2));
		if (tot < ihl || off + tot > len)
			return pass(LAB_XDP_C_MALFORMED);
		if (*(__be16 *)(ip + 6) & bpf_htons(0x3fff))
			return pass(LAB_XDP_C_PASSED); /* fragment */
		if (ip[9] != IPPROTO_UDP_)
			return pass(LAB_XDP_C_PASSED);
		v4 = 1;
		l4 = off + ihl;
		ip_end = off + tot;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		__u8 nh;
		if ((void *)(ip + 40) > data_end)
			return pass(LAB_XDP_C_MALFORMED);
		if ((ip[0] >> 4) != 6)
			return pass(LAB_XDP_C_MALFORMED);
		ip_end = off + 40 + bpf_ntohs(*(__be16 *)(ip + 4));
		if (ip_end > len)
			return pass(LAB_XDP_C_MALFORMED);
		nh = ip[6];
		if (nh == 0 || nh == 43 || nh == 44 || nh == 50 || nh == 51 || nh == 60 || nh == 135 ||
		    nh == 139 || nh == 140)
			return pass(LAB_XDP_C_PASSED); /* extension header before UDP */
		if (nh != IPPROTO_UDP_)
			return pass(LAB_XDP_C_PASSED);
		v4 = 0;
		l4 = off + 40;
	} else {
		return pass(LAB_XDP_C_PASSED); /* ARP, LLDP, ... */
	}
	opaque(v4);

	if (ip_end < l4 + 8)
		return pass(LAB_XDP_C_MALFORMED);
	udp = data + l4;
	if ((void *)(udp + 8) > data_end) /* implied by ip_end <= len; the verifier needs it said */
		return pass(LAB_XDP_C_MALFORMED);
	if (bpf_ntohs(*(__be16 *)(udp + 4)) != ip_end - l4)
		return pass(LAB_XDP_C_MALFORMED);
	if (lab_port && *(__be16 *)(udp + 2) != bpf_htons(lab_port))
		return pass(LAB_XDP_C_PASSED);
	lab_off = l4 + 8;
	h = data + lab_off;
	if (ip_end < lab_off + LAB_HDR_LEN || (void *)(h + LAB_HDR_LEN) > data_end)
		return pass(LAB_XDP_C_MALFORMED);
	struct lab_hdr *lh = (struct lab_hdr *)h;
	if (lh->magic != bpf_htons(LAB_MAGIC) || lh->version != LAB_VERSION ||
	    (lh->flags & ~LAB_F_KNOWN))
		return pass(LAB_XDP_C_MALFORMED);
	if (lh->flags & LAB_F_STAMP) {
		stamp = h + LAB_HDR_LEN;
		if (ip_end < lab_off + LAB_HDR_LEN + LAB_STAMP_LEN ||
		    (void *)(stamp + LAB_STAMP_LEN) > data_end)
			return pass(LAB_XDP_C_MALFORMED);
	}
	if (lab_reflected == LAB_XDP_REFL_FORBID && (lh->flags & LAB_F_MARKED)) {
		count(LAB_XDP_C_MARKED); /* of the passed: already reflected or forwarded */
		return pass(LAB_XDP_C_PASSED); /* never sent on twice */
	}
	if (lab_reflected == LAB_XDP_REFL_REQUIRE && !(lh->flags & LAB_F_MARKED))
		return pass(LAB_XDP_C_PASSED); /* a lab frame, but not for this side */
	count(LAB_XDP_C_LAB);

	if (lab_mode == LAB_XDP_MODE_XSK) {
		__u32 q = ctx->rx_queue_index;
		int act;
		if (!bpf_map_lookup_elem(&xsks, &q))
			return pass(LAB_XDP_C_ERRORS); /* nobody listens on this queue */
		act = bpf_redirect_map(&xsks, q, XDP_PASS);
		count(act == XDP_REDIRECT ? LAB_XDP_C_REDIRECTED : LAB_XDP_C_ERRORS);
		return act;
	}

	if (lab_mode == LAB_XDP_MODE_XDPFWD) {
		/* a router's checks first: TTL / hop limit 1 or 0 is dropped here, never forwarded
		 * (the DUT namespace forwards nothing, so XDP_PASS would buy no ICMP time exceeded,
		 * only a second place that counts it) */
		if (v4 ? ip[8] <= 1 : ip[7] <= 1) {
			count(LAB_XDP_C_TTL_EXPIRED);
			return XDP_DROP;
		}
		if (v4) {
			/* RFC 1624 eqn. 3 on the TTL/protocol word */
			__u16 old_w = *(__u16 *)(ip + 8), *hc = (__u16 *)(ip + 10);
			ip[8]--;
			*hc = (__u16)~csum_fold(csum_delta((__u16)~*hc, old_w, *(__u16 *)(ip + 8)));
		} else {
			ip[7]--; /* no header checksum; not in UDP's pseudo-header */
		}
#pragma unroll
		for (int i = 0; i < ETH_ALEN; i++) {
			eth->h_dest[i] = lab_fwd_dst[i];
			eth->h_source[i] = lab_fwd_src[i];
		}
		mark(lh, stamp, udp, v4, LAB_F_FORWARDED, rx_ns);
		int act = bpf_redirect_map(&tx_port, LAB_XDP_DEVMAP_OUT, 0);
		if (act != XDP_REDIRECT) {
			count(LAB_XDP_C_ERRORS); /* no out port in the map: the frame is already rewritten */
			return XDP_DROP;
		}
		count(LAB_XDP_C_REDIRECTED);
		return act;
	}

	/* XDPTX: swapping addresses and ports leaves the checksums as they are; the lab header's
	 * flags and stamp area change, and are folded into the UDP checksum by mark(). */
	swap_bytes(eth->h_dest, eth->h_source, ETH_ALEN);
	if (v4)
		swap_bytes(ip + 12, ip + 16, 4);
	else
		swap_bytes(ip + 8, ip + 24, 16);
	swap_bytes(udp, udp + 2, 2);
	mark(lh, stamp, udp, v4, LAB_F_REFLECTED, rx_ns);
	count(LAB_XDP_C_TX);
	return XDP_TX;
}

/* XDPFWD in generic (SKB) mode: a redirect the kernel fails after the program returned (out port
 * down, frame over its MTU) raises no driver counter, only the xdp_redirect_err tracepoint (and
 * xdp_redirect_map_err on kernels that still fire it). Raw tracepoints (attached by name: no
 * tracefs needed), loaded with the program in XDPFWD and attached by lab-xsk only when the XDP
 * program went on in generic mode (in native mode the veth counts those failures itself). The
 * event's arguments are TP_PROTO's (dev, xdp, tgt, err, map_type, map_id, index): a failure is
 * ours when map_id is our DEVMAP's, lab_devmap_id, set after load. */
__u32 lab_devmap_id;
__u64 lab_redirect_err;

static __always_inline int redirect_err(const struct bpf_raw_tracepoint_args *a)
{
	if (lab_devmap_id && (__u32)a->args[5] == lab_devmap_id)
		__sync_fetch_and_add(&lab_redirect_err, 1);
	return 0;
}

SEC("raw_tracepoint/xdp_redirect_err")
int lab_redir_err(struct bpf_raw_tracepoint_args *a)
{
	return redirect_err(a);
}

SEC("raw_tracepoint/xdp_redirect_map_err")
int lab_redir_map_err(struct bpf_raw_tracepoint_args *a)
{
	return redirect_err(a);
}

char LICENSE[] SEC("license") = "GPL";
