/* canned.c — see canned.h. Every malformed frame starts from a good one and breaks one thing. */
#include "canned.h"
#include "lab_constants.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

void canned_flow(struct lab_flow *f, int family, int vlan_id)
{
	static const uint8_t gen_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t dut_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
	memset(f, 0, sizeof(*f));
	memcpy(f->src_mac, gen_mac, 6);
	memcpy(f->dst_mac, dut_mac, 6);
	f->family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, LAB_GEN_V4, &f->src);
		inet_pton(AF_INET, LAB_DUT_V4, &f->dst);
	} else {
		inet_pton(AF_INET6, LAB_GEN_V6, &f->src);
		inet_pton(AF_INET6, LAB_DUT_V6, &f->dst);
	}
	f->sport = LAB_PORT_GEN;
	f->dport = LAB_PORT_DUT;
	f->vlan_id = vlan_id;
}

static struct canned *add(struct canned *out, size_t *n, size_t max, const char *name, int family,
			  int vlan, size_t len, uint8_t flags, enum lab_verdict expect)
{
	struct lab_flow f;
	if (*n >= max)
		return NULL;
	struct canned *c = &out[(*n)++];
	canned_flow(&f, family, vlan);
	c->name = name;
	c->len = lab_frame_build(c->buf, sizeof(c->buf), &f, len, 7, flags);
	c->expect = expect;
	return c;
}

#define V4 AF_INET
#define V6 AF_INET6
#define L3 14 /* IP header offset of untagged frames */
#define L4V4 (L3 + 20)

size_t canned_frames(struct canned *out, size_t max)
{
	size_t n = 0;
	struct canned *c;

	/* good ones */
	add(out, &n, max, "good_v4_64", V4, -1, 64, 0, LAB_OK);
	add(out, &n, max, "good_v4_stamp_128", V4, -1, 128, LAB_F_STAMP, LAB_OK);
	add(out, &n, max, "good_v6_stamp_128", V6, -1, 128, LAB_F_STAMP, LAB_OK);
	add(out, &n, max, "good_v4_1500", V4, -1, 1500, LAB_F_STAMP, LAB_OK);
	add(out, &n, max, "good_v4_vlan", V4, 100, 128, LAB_F_STAMP, LAB_OK);
	if ((c = add(out, &n, max, "good_v4_options", V4, -1, 128, LAB_F_STAMP, LAB_OK))) {
		/* insert 4 bytes of IP options (NOP NOP NOP EOL): IHL 6 */
		memmove(c->buf + L4V4 + 4, c->buf + L4V4, c->len - L4V4);
		memcpy(c->buf + L4V4, "\x01\x01\x01\x00", 4);
		c->len += 4;
		c->buf[L3] = 0x46;
		uint16_t tot = (uint16_t)(c->len - L3);
		c->buf[L3 + 2] = tot >> 8;
		c->buf[L3 + 3] = tot & 0xff;
		c->buf[L3 + 10] = c->buf[L3 + 11] = 0;
		uint16_t ck = (uint16_t)~lab_csum_fold(lab_csum_add(0, c->buf + L3, 24));
		c->buf[L3 + 10] = ck >> 8;
		c->buf[L3 + 11] = ck & 0xff;
	}

	/* truncated at every header boundary */
	if ((c = add(out, &n, max, "runt_10", V4, -1, 128, 0, LAB_E_RUNT)))
		c->len = 10;
	if ((c = add(out, &n, max, "trunc_vlan", V4, 100, 128, 0, LAB_E_VLAN_TRUNC)))
		c->len = 16;
	if ((c = add(out, &n, max, "trunc_ipv4", V4, -1, 128, 0, LAB_E_IP_TRUNC)))
		c->len = L3 + 12;
	if ((c = add(out, &n, max, "trunc_ipv6", V6, -1, 128, 0, LAB_E_IP_TRUNC)))
		c->len = L3 + 30;
	if ((c = add(out, &n, max, "trunc_udp", V4, -1, 128, 0, LAB_E_IP_LEN)))
		c->len = L4V4 + 4; /* the IP total length still claims the whole packet */
	if ((c = add(out, &n, max, "trunc_lab", V4, -1, 128, 0, LAB_E_IP_LEN)))
		c->len = L4V4 + 8 + 10;
	if ((c = add(out, &n, max, "short_udp_len", V4, -1, 128, 0, LAB_E_UDP_TRUNC))) {
		/* consistent lengths, but the IP payload is smaller than a UDP header */
		c->len = L4V4 + 4;
		c->buf[L3 + 2] = 0;
		c->buf[L3 + 3] = 24;
	}
	if ((c = add(out, &n, max, "lab_cut_short", V4, -1, 128, 0, LAB_E_LAB_TRUNC))) {
		/* a valid UDP packet whose payload is shorter than the lab header */
		size_t udp = 8 + 10;
		c->len = L4V4 + udp;
		c->buf[L3 + 2] = (uint8_t)((20 + udp) >> 8);
		c->buf[L3 + 3] = (uint8_t)(20 + udp);
		c->buf[L4V4 + 4] = 0;
		c->buf[L4V4 + 5] = (uint8_t)udp;
	}
	/* IPv4 header faults */
	if ((c = add(out, &n, max, "ihl_4", V4, -1, 128, 0, LAB_E_IHL)))
		c->buf[L3] = 0x44;
	if ((c = add(out, &n, max, "ip_version_mismatch", V4, -1, 128, 0, LAB_E_IP_VERSION)))
		c->buf[L3] = 0x65;
	if ((c = add(out, &n, max, "ip_total_len_too_big", V4, -1, 128, 0, LAB_E_IP_LEN)))
		c->buf[L3 + 2] = 0x05;
	if ((c = add(out, &n, max, "ip_total_len_below_ihl", V4, -1, 128, 0, LAB_E_IP_LEN))) {
		c->buf[L3 + 2] = 0;
		c->buf[L3 + 3] = 12;
	}
	if ((c = add(out, &n, max, "udp_len_mismatch", V4, -1, 128, 0, LAB_E_UDP_LEN)))
		c->buf[L4V4 + 5] -= 2;
	if ((c = add(out, &n, max, "ipv4_fragment_mf", V4, -1, 128, 0, LAB_E_FRAG)))
		c->buf[L3 + 6] = 0x20;
	if ((c = add(out, &n, max, "ipv4_fragment_offset", V4, -1, 128, 0, LAB_E_FRAG)))
		c->buf[L3 + 7] = 0x10;
	if ((c = add(out, &n, max, "ipv6_ext_hopbyhop", V6, -1, 128, 0, LAB_E_IP6_EXT)))
		c->buf[L3 + 6] = 0;
	if ((c = add(out, &n, max, "ipv6_ext_fragment", V6, -1, 128, 0, LAB_E_IP6_EXT)))
		c->buf[L3 + 6] = 44;
	if ((c = add(out, &n, max, "ipv6_payload_len_too_big", V6, -1, 128, 0, LAB_E_IP_LEN)))
		c->buf[L3 + 4] = 0x05;
	/* not lab */
	if ((c = add(out, &n, max, "arp", V4, -1, 64, 0, LAB_E_NOT_IP))) {
		c->buf[12] = 0x08;
		c->buf[13] = 0x06;
	}
	if ((c = add(out, &n, max, "tcp", V4, -1, 128, 0, LAB_E_NOT_UDP)))
		c->buf[L3 + 9] = 6;
	if ((c = add(out, &n, max, "icmpv6", V6, -1, 128, 0, LAB_E_NOT_UDP)))
		c->buf[L3 + 6] = 58;
	if ((c = add(out, &n, max, "wrong_port", V4, -1, 128, 0, LAB_E_PORT)))
		c->buf[L4V4 + 3] ^= 1;
	if ((c = add(out, &n, max, "bad_magic", V4, -1, 128, 0, LAB_E_MAGIC)))
		c->buf[L4V4 + 8] ^= 0xff;
	if ((c = add(out, &n, max, "bad_lab_version", V4, -1, 128, 0, LAB_E_VERSION)))
		c->buf[L4V4 + 8 + 2] = 9;
	if ((c = add(out, &n, max, "bad_lab_flags", V4, -1, 128, 0, LAB_E_FLAGS)))
		c->buf[L4V4 + 8 + 3] = 0x80;
	if ((c = add(out, &n, max, "stamp_no_room", V4, -1, 64, 0, LAB_E_STAMP_TRUNC)))
		c->buf[L4V4 + 8 + 3] = LAB_F_STAMP;
	return n;
}
