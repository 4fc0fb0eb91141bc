/* frame.c — lab frames in userspace: build, parse (bounds-checked), reflect, stamp, checksums. */
#include "frame.h"

#include <arpa/inet.h>
#include <endian.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_VLAN 0x8100
#define IPPROTO_UDP_ 17

static const char *const verdict_names[LAB_E_COUNT] = {
	[LAB_OK] = "ok",
	[LAB_E_RUNT] = "runt",
	[LAB_E_VLAN_TRUNC] = "vlan_truncated",
	[LAB_E_NOT_IP] = "not_ip",
	[LAB_E_FRAG] = "ip_fragment",
	[LAB_E_IP6_EXT] = "ipv6_ext_header",
	[LAB_E_NOT_UDP] = "not_udp",
	[LAB_E_PORT] = "wrong_port",
	[LAB_E_IP_TRUNC] = "ip_truncated",
	[LAB_E_IP_VERSION] = "ip_version",
	[LAB_E_IHL] = "ipv4_ihl",
	[LAB_E_IP_LEN] = "ip_length",
	[LAB_E_UDP_TRUNC] = "udp_truncated",
	[LAB_E_UDP_LEN] = "udp_length",
	[LAB_E_LAB_TRUNC] = "lab_truncated",
	[LAB_E_MAGIC] = "lab_magic",
	[LAB_E_VERSION] = "lab_version",
	[LAB_E_FLAGS] = "lab_flags",
	[LAB_E_STAMP_TRUNC] = "stamp_truncated",
};

const char *lab_verdict_name(enum lab_verdict v)
{
	return (unsigned)v < LAB_E_COUNT ? verdict_names[v] : "unknown";
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }

uint32_t lab_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 1) {
		sum += rd16(p);
		p += 2;
		len -= 2;
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t lab_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

bool lab_addr_is_benchmark(int family, const void *addr)
{
	const uint8_t *a = addr;
	if (family == AF_INET)
		return a[0] == 198 && (a[1] & 0xfe) == 18;           /* 198.18.0.0/15 */
	if (family == AF_INET6)
		return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0x02 &&
		       a[4] == 0 && a[5] == 0;                        /* 2001:2::/48 */
	return false;
}

enum lab_verdict lab_frame_parse(uint8_t *buf, size_t len, uint16_t port, struct lab_parsed *p)
{
	size_t off = LAB_ETH_LEN, l4, ip_end;
	uint16_t proto;

	memset(p, 0, sizeof(*p));
	if (len < LAB_ETH_LEN)
		return LAB_E_RUNT;
	proto = rd16(buf + 12);
	if (proto == ETH_P_VLAN) {
		if (len < off + 4)
			return LAB_E_VLAN_TRUNC;
		p->vlan = true;
		p->vlan_tci = rd16(buf + off);
		proto = rd16(buf + off + 2);
		off += 4;
	}
	p->l3_off = off;
	if (proto == ETH_P_IPV4) {
		const uint8_t *ip = buf + off;
		size_t ihl, tot;
		if (len < off + 20)
			return LAB_E_IP_TRUNC;
		if ((ip[0] >> 4) != 4)
			return LAB_E_IP_VERSION;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ihl < 20)
			return LAB_E_IHL;
		if (len < off + ihl)
			return LAB_E_IP_TRUNC;
		tot = rd16(ip + 2);
		if (tot < ihl || off + tot > len)
			return LAB_E_IP_LEN;
		if (rd16(ip + 6) & 0x3fff)
			return LAB_E_FRAG;
		if (ip[9] != IPPROTO_UDP_)
			return LAB_E_NOT_UDP;
		p->family = AF_INET;
		l4 = off + ihl;
		ip_end = off + tot;
	} else if (proto == ETH_P_IPV6) {
		const uint8_t *ip = buf + off;
		uint8_t nh;
		if (len < off + 40)
			return LAB_E_IP_TRUNC;
		if ((ip[0] >> 4) != 6)
			return LAB_E_IP_VERSION;
		if (off + 40 + rd16(ip + 4) > len)
			return LAB_E_IP_LEN;
		nh = ip[6];
		if (nh == 0 || nh == 43 || nh == 44 || nh == 50 || nh == 51 || nh == 60 || nh == 135 ||
		    nh == 139 || nh == 140)
			return LAB_E_IP6_EXT;
		if (nh != IPPROTO_UDP_)
			return LAB_E_NOT_UDP;
		p->family = AF_INET6;
		l4 = off + 40;
		ip_end = l4 + rd16(ip + 4);
	} else {
		return LAB_E_NOT_IP;
	}
	p->l4_off = l4;
	if (ip_end < l4 + 8)
		return LAB_E_UDP_TRUNC;
	if (rd16(buf + l4 + 4) != ip_end - l4)
		return LAB_E_UDP_LEN;
	if (port && rd16(buf + l4 + 2) != port)
		return LAB_E_PORT;
	p->lab_off = l4 + 8;
	p->frame_len = ip_end;
	return lab_payload_parse(buf + p->lab_off, ip_end - p->lab_off, &p->hdr, &p->stamp);
}

enum lab_verdict lab_payload_parse(uint8_t *payload, size_t len, struct lab_hdr **hdr,
				   struct lab_stamp **stamp)
{
	struct lab_hdr *h = (struct lab_hdr *)payload;
	*hdr = NULL;
	*stamp = NULL;
	if (len < LAB_HDR_LEN)
		return LAB_E_LAB_TRUNC;
	*hdr = h;
	if (ntohs(h->magic) != LAB_MAGIC)
		return LAB_E_MAGIC;
	if (h->version != LAB_VERSION)
		return LAB_E_VERSION;
	if (h->flags & ~LAB_F_KNOWN)
		return LAB_E_FLAGS;
	if (h->flags & LAB_F_STAMP) {
		if (len < LAB_HDR_LEN + LAB_STAMP_LEN)
			return LAB_E_STAMP_TRUNC;
		*stamp = (struct lab_stamp *)(payload + LAB_HDR_LEN);
	}
	return LAB_OK;
}

void lab_payload_reflect(uint8_t *payload, struct lab_stamp *stamp, uint64_t rx_ns, uint64_t tx_ns)
{
	struct lab_hdr *h = (struct lab_hdr *)payload;
	h->flags |= LAB_F_REFLECTED;
	if (stamp) {
		stamp->dut_rx_ns = htobe64(rx_ns);
		stamp->dut_tx_ns = htobe64(tx_ns);
		h->flags |= LAB_F_STAMPED;
	}
}

static size_t l3_len(const struct lab_flow *f) { return f->family == AF_INET6 ? 40 : 20; }

size_t lab_frame_min_len(const struct lab_flow *f, bool stamp)
{
	return LAB_ETH_LEN + (f->vlan_id >= 0 ? 4 : 0) + l3_len(f) + 8 + LAB_HDR_LEN +
	       (stamp ? LAB_STAMP_LEN : 0);
}

static uint32_t pseudo_sum(const uint8_t *buf, const struct lab_parsed *p, size_t udp_len)
{
	uint32_t sum = 0;
	if (p->family == AF_INET)
		sum = lab_csum_add(sum, buf + p->l3_off + 12, 8);
	else
		sum = lab_csum_add(sum, buf + p->l3_off + 8, 32);
	sum += IPPROTO_UDP_;
	sum += (uint32_t)udp_len;
	return sum;
}

static uint16_t udp_csum(const uint8_t *buf, const struct lab_parsed *p)
{
	size_t udp_len = p->frame_len - p->l4_off;
	uint32_t sum = pseudo_sum(buf, p, udp_len);
	uint16_t c;
	/* the checksum field itself counts as zero */
	sum = lab_csum_add(sum, buf + p->l4_off, 6);
	sum = lab_csum_add(sum, buf + p->l4_off + 8, udp_len - 8);
	c = (uint16_t)~lab_csum_fold(sum);
	return c ? c : 0xffff;
}

size_t lab_frame_build(uint8_t *buf, size_t cap, const struct lab_flow *f, size_t frame_len,
		       uint32_t seq, uint8_t flags)
{
	struct lab_parsed p = {0};
	size_t off = 0, ip_len;
	struct lab_hdr *h;

	if (frame_len > cap || frame_len < lab_frame_min_len(f, flags & LAB_F_STAMP))
		return 0;
	memset(buf, 0, frame_len);
	memcpy(buf, f->dst_mac, 6);
	memcpy(buf + 6, f->src_mac, 6);
	off = 12;
	if (f->vlan_id >= 0) {
		wr16(buf + off, ETH_P_VLAN);
		wr16(buf + off + 2, (uint16_t)(f->vlan_id & 0x0fff));
		off += 4;
	}
	wr16(buf + off, f->family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IPV4);
	off += 2;
	p.l3_off = off;
	p.family = f->family;
	ip_len = frame_len - off;
	if (f->family == AF_INET6) {
		uint8_t *ip = buf + off;
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(ip_len - 40));
		ip[6] = IPPROTO_UDP_;
		ip[7] = 64;
		memcpy(ip + 8, &f->src, 16);
		memcpy(ip + 24, &f->dst, 16);
		off += 40;
	} else {
		uint8_t *ip = buf + off;
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)ip_len);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP_;
		memcpy(ip + 12, &f->src, 4);
		memcpy(ip + 16, &f->dst, 4);
		wr16(ip + 10, (uint16_t)~lab_csum_fold(lab_csum_add(0, ip, 20)));
		off += 20;
	}
	p.l4_off = off;
	wr16(buf + off, f->sport);
	wr16(buf + off + 2, f->dport);
	wr16(buf + off + 4, (uint16_t)(frame_len - off));
	p.lab_off = off + 8;
	p.frame_len = frame_len;
	h = (struct lab_hdr *)(buf + p.lab_off);
	h->magic = htons(LAB_MAGIC);
	h->version = LAB_VERSION;
	h->flags = flags;
	h->seq = htonl(seq);
	/* payload after the header: a recognisable pattern, not zeros */
	for (size_t i = p.lab_off + LAB_HDR_LEN + ((flags & LAB_F_STAMP) ? LAB_STAMP_LEN : 0);
	     i < frame_len; i++)
		buf[i] = (uint8_t)i;
	wr16(buf + p.l4_off + 6, udp_csum(buf, &p));
	return frame_len;
}

/* RFC 1624: fold the change of the bytes [old -> now] (even offset within UDP) into the UDP
 * checksum. A zero IPv4 UDP checksum means "none" and stays zero. */
static void udp_csum_update(uint8_t *buf, const struct lab_parsed *p, const uint8_t *old,
			    const uint8_t *now, size_t len)
{
	uint8_t *ck = buf + p->l4_off + 6;
	uint16_t hc = rd16(ck);
	uint32_t sum;
	uint16_t c;

	if (hc == 0 && p->family == AF_INET)
		return;
	sum = (uint16_t)~hc;
	sum += (uint16_t)~lab_csum_fold(lab_csum_add(0, old, len));
	sum += lab_csum_fold(lab_csum_add(0, now, len));
	c = (uint16_t)~lab_csum_fold(sum);
	wr16(ck, c ? c : 0xffff);
}

void lab_frame_set_times(uint8_t *buf, const struct lab_parsed *p, uint32_t seq, uint64_t sent_ns,
			 uint64_t intended_ns)
{
	struct lab_hdr *h = (struct lab_hdr *)(buf + p->lab_off);
	uint8_t old[LAB_HDR_LEN];
	uint64_t late = sent_ns > intended_ns ? sent_ns - intended_ns : 0;

	memcpy(old, h, LAB_HDR_LEN);
	h->seq = htonl(seq);
	h->sent_ns = htobe64(sent_ns);
	h->late_ns = htonl(late > 0xffffffffu ? 0xffffffffu : (uint32_t)late);
	udp_csum_update(buf, p, old, (const uint8_t *)h, LAB_HDR_LEN);
}

void lab_frame_reflect(uint8_t *buf, const struct lab_parsed *p, uint64_t rx_ns, uint64_t tx_ns)
{
	uint8_t tmp[16], old[LAB_HDR_LEN + LAB_STAMP_LEN];
	uint8_t *lab = buf + p->lab_off;
	size_t n = p->stamp ? LAB_HDR_LEN + LAB_STAMP_LEN : LAB_HDR_LEN;

	memcpy(tmp, buf, 6);
	memcpy(buf, buf + 6, 6);
	memcpy(buf + 6, tmp, 6);
	if (p->family == AF_INET) {
		memcpy(tmp, buf + p->l3_off + 12, 4);
		memcpy(buf + p->l3_off + 12, buf + p->l3_off + 16, 4);
		memcpy(buf + p->l3_off + 16, tmp, 4);
	} else {
		memcpy(tmp, buf + p->l3_off + 8, 16);
		memcpy(buf + p->l3_off + 8, buf + p->l3_off + 24, 16);
		memcpy(buf + p->l3_off + 24, tmp, 16);
	}
	memcpy(tmp, buf + p->l4_off, 2);
	memcpy(buf + p->l4_off, buf + p->l4_off + 2, 2);
	memcpy(buf + p->l4_off + 2, tmp, 2);
	/* swapping addresses and ports leaves every checksum unchanged; the lab header does not */
	memcpy(old, lab, n);
	lab_payload_reflect(lab, p->stamp, rx_ns, tx_ns);
	udp_csum_update(buf, p, old, lab, n);
}

static const char *const fwd_names[LAB_FWD_COUNT] = {
	[LAB_FWD_OK] = "ok",
	[LAB_FWD_TTL_EXPIRED] = "ttl_expired",
	[LAB_FWD_MARKED] = "already_marked",
};

const char *lab_fwd_verdict_name(enum lab_fwd_verdict v)
{
	return (unsigned)v < LAB_FWD_COUNT ? fwd_names[v] : "unknown";
}

void lab_payload_forward(uint8_t *payload, struct lab_stamp *stamp, uint64_t rx_ns, uint64_t tx_ns)
{
	struct lab_hdr *h = (struct lab_hdr *)payload;
	h->flags |= LAB_F_FORWARDED;
	if (stamp) {
		stamp->dut_rx_ns = htobe64(rx_ns);
		stamp->dut_tx_ns = htobe64(tx_ns);
		h->flags |= LAB_F_STAMPED;
	}
}

enum lab_fwd_verdict lab_frame_forward(uint8_t *buf, const struct lab_parsed *p,
				       const uint8_t src_mac[6], const uint8_t dst_mac[6],
				       uint64_t rx_ns, uint64_t tx_ns)
{
	uint8_t old[LAB_HDR_LEN + LAB_STAMP_LEN];
	uint8_t *lab = buf + p->lab_off, *ip = buf + p->l3_off;
	size_t n = p->stamp ? LAB_HDR_LEN + LAB_STAMP_LEN : LAB_HDR_LEN;

	if (p->hdr && (p->hdr->flags & LAB_F_MARKED))
		return LAB_FWD_MARKED;
	if (p->family == AF_INET) {
		uint16_t old_w = rd16(ip + 8), new_w, hc = rd16(ip + 10);
		uint32_t sum;
		if (ip[8] <= 1)
			return LAB_FWD_TTL_EXPIRED;
		ip[8]--;
		new_w = rd16(ip + 8);
		/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
		sum = (uint16_t)~hc;
		sum += (uint16_t)~old_w;
		sum += new_w;
		wr16(ip + 10, (uint16_t)~lab_csum_fold(sum));
	} else {
		if (ip[7] <= 1)
			return LAB_FWD_TTL_EXPIRED;
		ip[7]--; /* IPv6 has no header checksum, and the hop limit is not in UDP's pseudo-header */
	}
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	memcpy(old, lab, n);
	lab_payload_forward(lab, p->stamp, rx_ns, tx_ns);
	udp_csum_update(buf, p, old, lab, n);
	return LAB_FWD_OK;
}

bool lab_frame_csum_ok(const uint8_t *buf, const struct lab_parsed *p)
{
	uint16_t ck = rd16(buf + p->l4_off + 6);
	if (p->family == AF_INET) {
		if (lab_csum_fold(lab_csum_add(0, buf + p->l3_off, (size_t)(buf[p->l3_off] & 0xf) * 4)) !=
		    0xffff)
			return false;
		if (ck == 0)
			return true;
	}
	return ck == udp_csum(buf, p);
}
