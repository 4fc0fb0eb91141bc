/* fastpath.h — lab-dpdk's per-packet hot path, inlined into the poll loop: the common frame
 * (untagged IPv4 without options, or IPv6 without extension headers, UDP to the lab port, a valid
 * lab header) is recognised and reflected (or, with --forward, forwarded) here with a one- or
 * nine-word incremental checksum. Anything else goes to common/frame.c's lab_frame_parse and
 * lab_frame_reflect/lab_frame_forward, so the verdicts are exactly the parser's: the fast test
 * accepts only frames the parser would call LAB_OK, and the fast reflect/forward write the very
 * bytes frame.c writes (tests/dataplane/test_fastpath.c). */
#ifndef LAB_DP_FASTPATH_H
#define LAB_DP_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "frame.h"
#include "lab_wire.h"

static inline uint16_t fp_rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The lab header (and stamp check) at off, payload of plen bytes: true when the parser would
 * say LAB_OK. */
static inline bool fp_lab_ok(uint8_t *buf, size_t off, size_t plen, struct lab_parsed *p)
{
	struct lab_hdr *h = (struct lab_hdr *)(buf + off);
	if (plen < LAB_HDR_LEN || h->magic != rte_cpu_to_be_16(LAB_MAGIC) ||
	    h->version != LAB_VERSION || (h->flags & ~LAB_F_KNOWN))
		return false;
	p->hdr = h;
	p->stamp = NULL;
	if (h->flags & LAB_F_STAMP) {
		if (plen < LAB_HDR_LEN + LAB_STAMP_LEN)
			return false;
		p->stamp = (struct lab_stamp *)(buf + off + LAB_HDR_LEN);
	}
	return true;
}

/* Try the common frame. Fills only what dp_fast_reflect needs; false = ask the full parser. */
static inline bool dp_fast_parse(uint8_t *buf, size_t len, uint16_t port, struct lab_parsed *p)
{
	uint16_t et;
	if (unlikely(len < LAB_MIN_FRAME_V4))
		return false;
	et = fp_rd16(buf + 12);
	if (likely(et == 0x0800)) {
		const uint8_t *ip = buf + LAB_ETH_LEN;
		size_t tot = fp_rd16(ip + 2);
		if (ip[0] != 0x45 || tot < 28 || LAB_ETH_LEN + tot > len || (fp_rd16(ip + 6) & 0x3fff) ||
		    ip[9] != 17)
			return false;
		const uint8_t *udp = ip + 20;
		if (fp_rd16(udp + 4) != tot - 20 || fp_rd16(udp + 2) != port)
			return false;
		p->family = AF_INET;
		p->l3_off = LAB_ETH_LEN;
		p->l4_off = LAB_ETH_LEN + 20;
		p->lab_off = LAB_ETH_LEN + 28;
		p->frame_len = LAB_ETH_LEN + tot;
		return fp_lab_ok(buf, p->lab_off, tot - 28, p);
	}
	if (et == 0x86DD) {
		const uint8_t *ip = buf + LAB_ETH_LEN;
		if (len < LAB_MIN_FRAME_V6 || (ip[0] >> 4) != 6 || ip[6] != 17)
			return false;
		size_t pl = fp_rd16(ip + 4);
		if (LAB_ETH_LEN + 40 + pl > len || pl < 8)
			return false;
		const uint8_t *udp = ip + 40;
		if (fp_rd16(udp + 4) != pl || fp_rd16(udp + 2) != port)
			return false;
		p->family = AF_INET6;
		p->l3_off = LAB_ETH_LEN;
		p->l4_off = LAB_ETH_LEN + 40;
		p->lab_off = LAB_ETH_LEN + 48;
		p->frame_len = LAB_ETH_LEN + 40 + pl;
		return fp_lab_ok(buf, p->lab_off, pl - 8, p);
	}
	return false;
}

static inline uint32_t fp_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* The lab header's mark (REFLECTED or FORWARDED, and STAMPED when the sender asked) and the
 * DUT's stamps, with the UDP checksum kept valid by RFC 1624 over the words that change (a
 * zero IPv4 UDP checksum stays zero): what reflecting and forwarding both do last. */
static inline void fp_mark_stamp(uint8_t *udp, uint8_t *lab, const struct lab_parsed *p,
				 uint8_t mark, uint64_t rx_ns, uint64_t tx_ns)
{
	uint16_t ck = fp_rd16(udp + 6);
	uint16_t old_w = fp_rd16(lab + 2); /* version << 8 | flags */
	uint8_t nf = (uint8_t)(lab[3] | mark | (p->stamp ? LAB_F_STAMPED : 0));
	bool keep = !(ck == 0 && p->family == AF_INET); /* no UDP checksum: nothing to keep */
	uint32_t sum = (uint16_t)~ck;
	lab[3] = nf;
	sum += (uint16_t)~old_w;
	sum += (uint32_t)(LAB_VERSION << 8 | nf);
	if (p->stamp) {
		uint8_t *s = (uint8_t *)p->stamp;
		for (int i = 0; i < LAB_STAMP_LEN; i += 2)
			sum += (uint16_t)~fp_rd16(s + i);
		p->stamp->dut_rx_ns = rte_cpu_to_be_64(rx_ns);
		p->stamp->dut_tx_ns = rte_cpu_to_be_64(tx_ns);
		for (int i = 0; i < LAB_STAMP_LEN; i += 2)
			sum += fp_rd16(s + i);
	}
	if (!keep)
		return;
	ck = (uint16_t)~fp_fold(sum);
	ck = ck ? ck : 0xffff;
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
}

/* Reflect a frame dp_fast_parse accepted: the swaps leave every checksum as it was; the flag
 * word and the stamp area change, and go into the UDP checksum by RFC 1624. */
static inline void dp_fast_reflect(uint8_t *buf, const struct lab_parsed *p, uint64_t rx_ns,
				   uint64_t tx_ns)
{
	uint8_t mac[6], *ip = buf + p->l3_off, *udp = buf + p->l4_off, *lab = buf + p->lab_off;

	memcpy(mac, buf, 6);
	memcpy(buf, buf + 6, 6);
	memcpy(buf + 6, mac, 6);
	if (p->family == AF_INET) {
		uint32_t a, b;
		memcpy(&a, ip + 12, 4);
		memcpy(&b, ip + 16, 4);
		memcpy(ip + 12, &b, 4);
		memcpy(ip + 16, &a, 4);
	} else {
		uint8_t a[16];
		memcpy(a, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, a, 16);
	}
	uint16_t sp, dport;
	memcpy(&sp, udp, 2);
	memcpy(&dport, udp + 2, 2);
	memcpy(udp, &dport, 2);
	memcpy(udp + 2, &sp, 2);

	fp_mark_stamp(udp, lab, p, LAB_F_REFLECTED, rx_ns, tx_ns);
}

/* Why a frame dp_fast_parse or lab_frame_parse accepted would not be forwarded: exactly
 * lab_frame_forward's checks, in its order (marked first, then the TTL / hop limit), without
 * touching the frame. */
static inline enum lab_fwd_verdict dp_fwd_check(const uint8_t *buf, const struct lab_parsed *p)
{
	if (p->hdr->flags & LAB_F_MARKED)
		return LAB_FWD_MARKED;
	if ((p->family == AF_INET ? buf[p->l3_off + 8] : buf[p->l3_off + 7]) <= 1)
		return LAB_FWD_TTL_EXPIRED;
	return LAB_FWD_OK;
}

/* Forward a frame dp_fast_parse accepted, as lab_frame_forward does, byte for byte: MACs to the
 * next hop, TTL / hop limit - 1 (IPv4 header checksum by RFC 1624 eqn. 3), LAB_F_FORWARDED and
 * the stamps into the UDP checksum by RFC 1624 (a zero IPv4 UDP checksum stays zero). A frame
 * that must not be forwarded is left untouched and the reason returned. */
static inline enum lab_fwd_verdict dp_fast_forward(uint8_t *buf, const struct lab_parsed *p,
						   const uint8_t src_mac[6], const uint8_t dst_mac[6],
						   uint64_t rx_ns, uint64_t tx_ns)
{
	uint8_t *ip = buf + p->l3_off, *udp = buf + p->l4_off, *lab = buf + p->lab_off;
	uint32_t sum;
	enum lab_fwd_verdict v = dp_fwd_check(buf, p);
	if (unlikely(v != LAB_FWD_OK))
		return v;
	if (p->family == AF_INET) {
		uint16_t old_w = fp_rd16(ip + 8), hc = fp_rd16(ip + 10), new_w;
		ip[8]--;
		new_w = fp_rd16(ip + 8);
		sum = (uint16_t)~hc;
		sum += (uint16_t)~old_w;
		sum += new_w;
		hc = (uint16_t)~fp_fold(sum);
		ip[10] = (uint8_t)(hc >> 8);
		ip[11] = (uint8_t)hc;
	} else {
		ip[7]--;
	}
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);

	fp_mark_stamp(udp, lab, p, LAB_F_FORWARDED, rx_ns, tx_ns);
	return LAB_FWD_OK;
}

#endif
