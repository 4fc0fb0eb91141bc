/* frame.h — building, parsing, reflecting and stamping whole lab frames in userspace:
 * Ethernet (optionally one 802.1Q tag), IPv4 (with options) or IPv6, UDP, lab header.
 * The parser never reads past len and says why a frame is not lab traffic. */
#ifndef LAB_FRAME_H
#define LAB_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lab_wire.h"

enum lab_verdict {
	LAB_OK = 0,
	/* not lab traffic: someone else's, handed to the kernel or dropped and counted */
	LAB_E_RUNT,        /* shorter than an Ethernet header */
	LAB_E_VLAN_TRUNC,  /* 802.1Q tag cut short */
	LAB_E_NOT_IP,      /* ARP, LLDP, ... */
	LAB_E_FRAG,        /* IPv4 fragment (MF or offset) */
	LAB_E_IP6_EXT,     /* IPv6 with an extension header before UDP */
	LAB_E_NOT_UDP,     /* ICMP, TCP, ... */
	LAB_E_PORT,        /* UDP, but not to the lab port */
	/* malformed: claims to be IP or lab traffic but is broken */
	LAB_E_MALFORMED_FIRST,
	LAB_E_IP_TRUNC = LAB_E_MALFORMED_FIRST, /* IP header cut short */
	LAB_E_IP_VERSION,  /* version nibble disagrees with the ethertype */
	LAB_E_IHL,         /* IPv4 IHL < 5 */
	LAB_E_IP_LEN,      /* IP total/payload length disagrees with the frame */
	LAB_E_UDP_TRUNC,   /* UDP header cut short */
	LAB_E_UDP_LEN,     /* UDP length disagrees with the IP length */
	LAB_E_LAB_TRUNC,   /* lab header cut short */
	LAB_E_MAGIC,       /* wrong magic */
	LAB_E_VERSION,     /* unknown lab version */
	LAB_E_FLAGS,       /* unknown flag bits */
	LAB_E_STAMP_TRUNC, /* LAB_F_STAMP set but no room for the stamp area */
	LAB_E_COUNT
};

static inline bool lab_verdict_malformed(enum lab_verdict v)
{
	return v >= LAB_E_MALFORMED_FIRST;
}
const char *lab_verdict_name(enum lab_verdict v);

/* Where the layers of a parsed frame are. */
struct lab_parsed {
	int family;        /* AF_INET or AF_INET6 */
	uint16_t vlan_tci; /* 0 when untagged */
	bool vlan;
	size_t l3_off, l4_off, lab_off;
	size_t frame_len;  /* bytes that belong to the IP packet + L2 (trailing padding excluded) */
	struct lab_hdr *hdr;
	struct lab_stamp *stamp; /* NULL unless LAB_F_STAMP */
};

/* Classify a frame. port: the UDP destination port that marks lab traffic (0 = any). */
enum lab_verdict lab_frame_parse(uint8_t *buf, size_t len, uint16_t port, struct lab_parsed *p);

/* The lab header alone, at the start of a UDP payload of len bytes (for socket-based paths).
 * Verdicts: LAB_OK, LAB_E_LAB_TRUNC, LAB_E_MAGIC, LAB_E_VERSION, LAB_E_FLAGS, LAB_E_STAMP_TRUNC. */
enum lab_verdict lab_payload_parse(uint8_t *payload, size_t len, struct lab_hdr **hdr,
				   struct lab_stamp **stamp);
/* Mark a payload reflected and, when stamp is not NULL, fill the stamp area. The caller keeps
 * any checksum valid (the kernel does it for sockets). */
void lab_payload_reflect(uint8_t *payload, struct lab_stamp *stamp, uint64_t rx_ns, uint64_t tx_ns);

/* A flow: everything needed to build frames from one sender to one receiver. */
struct lab_flow {
	uint8_t src_mac[6], dst_mac[6];
	int family;
	struct in6_addr src, dst; /* IPv4 addresses in the first 4 bytes */
	uint16_t sport, dport;
	int vlan_id;              /* -1: untagged */
};

/* Smallest frame for this flow (with or without the stamp area). */
size_t lab_frame_min_len(const struct lab_flow *f, bool stamp);

/* Build a frame of exactly frame_len bytes into buf (cap bytes). Returns frame_len, or 0 if it
 * does not fit or is smaller than lab_frame_min_len(). Checksums are left valid. */
size_t lab_frame_build(uint8_t *buf, size_t cap, const struct lab_flow *f, size_t frame_len,
		       uint32_t seq, uint8_t flags);

/* Write the header's seq/sent/late into a frame built by lab_frame_build (checksum updated). */
void lab_frame_set_times(uint8_t *buf, const struct lab_parsed *p, uint32_t seq, uint64_t sent_ns,
			 uint64_t intended_ns);

/* Reflect in place: swap MACs, IP addresses and UDP ports, set LAB_F_REFLECTED and, when the
 * sender asked, fill the stamp area. Keeps the UDP checksum valid (incremental update). */
void lab_frame_reflect(uint8_t *buf, const struct lab_parsed *p, uint64_t rx_ns, uint64_t tx_ns);

/* Why a lab frame is not forwarded (lab_frame_forward); the names are counter names. */
enum lab_fwd_verdict {
	LAB_FWD_OK = 0,
	LAB_FWD_TTL_EXPIRED, /* IPv4 TTL or IPv6 hop limit 0 or 1: a router drops it (RFC 1812) */
	LAB_FWD_MARKED,      /* already reflected or forwarded (LAB_F_MARKED): never sent on twice */
	LAB_FWD_COUNT
};
const char *lab_fwd_verdict_name(enum lab_fwd_verdict v); /* "ok", "ttl_expired", "already_marked" */

/* Forward in place to the next hop, as a router does: Ethernet source = src_mac (the out port's),
 * destination = dst_mac (the next hop's); IPv4 TTL or IPv6 hop limit one lower (the IPv4 header
 * checksum updated incrementally, RFC 1624); LAB_F_FORWARDED set and, when the sender asked, the
 * stamp area filled (LAB_F_STAMPED); the UDP checksum kept valid (addresses and ports are not
 * changed). A frame that must not be forwarded is left untouched and the reason returned. */
enum lab_fwd_verdict lab_frame_forward(uint8_t *buf, const struct lab_parsed *p,
				       const uint8_t src_mac[6], const uint8_t dst_mac[6],
				       uint64_t rx_ns, uint64_t tx_ns);
/* The lab header of a forwarded payload (socket relays: the kernel builds the new IP header):
 * LAB_F_FORWARDED, and the stamp area when stamp is not NULL. */
void lab_payload_forward(uint8_t *payload, struct lab_stamp *stamp, uint64_t rx_ns, uint64_t tx_ns);

/* Verify the IPv4 header checksum and the UDP checksum of a parsed frame. */
bool lab_frame_csum_ok(const uint8_t *buf, const struct lab_parsed *p);

/* Internet checksum helpers (RFC 1071, RFC 1624). */
uint32_t lab_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t lab_csum_fold(uint32_t sum);

/* Addresses of the lab: 198.18.0.0/15 and 2001:2::/48 (RFC 2544, RFC 5180). */
bool lab_addr_is_benchmark(int family, const void *addr);

#endif
