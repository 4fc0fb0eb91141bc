/* dp-send.c — the dataplane tests' own sender: numbered lab payloads over a UDP socket (so the
 * tests do not depend on lab-gen), the reflections received and checked (order, duplicates,
 * LAB_F_REFLECTED, stamps on the one clock), RTT percentiles printed. Also writes lab frames to
 * a pcap file for the software-port benchmark. Lab addresses only (198.18.0.0/15, 2001:2::/48).
 * With --iface (the forward topology) it sends whole Ethernet frames from an AF_PACKET socket
 * (any TTL, marks, magic, destination MAC) and, with --recv-iface, takes the forwarded frames on
 * the far side's interface and checks them (order, once, TTL one lower, LAB_F_FORWARDED, the
 * next hop's MAC, checksums, stamps). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>

#include "clock.h"
#include "frame.h"
#include "lab_constants.h"
#include "lab_wire.h"
#include "log.h"
#include "netif.h"
#include "opt_table.h"
#include "pcap_out.h"
#include "util.h"

enum kind { K_LAB, K_BAD_MAGIC, K_REFLECTED, K_FORWARDED };

static struct dp_opts {
	const char *dst, *json, *pcap;
	const char *iface, *recv_iface, *dst_mac, *src; /* raw mode */
	uint16_t port, sport;
	uint64_t count, size, rate_pps, window, timeout_ms, ttl, first_seq;
	bool stamp, check, allow_unmarked, expect_none;
	enum kind kind;
} o = {.port = LAB_PORT_DUT, .sport = LAB_PORT_GEN, .count = 4096, .size = 64, .window = 32,
       .timeout_ms = 1000, .ttl = 64};

#define O(field) LAB_FIELD(struct dp_opts, field)

static const struct lab_opt flags[] = {
	{.name = "dst", .kind = LAB_OPT_STR, O(dst), .arg = "ADDR",
	 .help = "reflector address (" LAB_NET4 " or " LAB_NET6 " only)"},
	{.name = "port", .kind = LAB_OPT_UINT, O(port), .arg = "N", .min = 1, .max = 65535,
	 .help = "destination UDP port"},
	{.name = "sport", .kind = LAB_OPT_UINT, O(sport), .arg = "N", .min = 1, .max = 65535,
	 .help = "source UDP port"},
	{.name = "count", .kind = LAB_OPT_UINT, O(count), .arg = "N", .min = 1, .max = 100000000,
	 .help = "packets to send"},
	{.name = "size", .kind = LAB_OPT_UINT, O(size), .arg = "BYTES", .min = 62, .max = 9000,
	 .help = "Ethernet frame size the payload makes (IPv4: payload = size-42; IPv6: -62)"},
	{.name = "stamp", .kind = LAB_OPT_SET, O(stamp), .value = 1,
	 .help = "ask the reflector to stamp (needs 78 B IPv4 / 98 B IPv6)"},
	{.name = "rate", .kind = LAB_OPT_UINT, O(rate_pps), .arg = "PPS", .max = 100000000,
	 .help = "open loop at PPS; 0: closed loop, at most --window in flight"},
	{.name = "window", .kind = LAB_OPT_UINT, O(window), .arg = "N", .min = 1, .max = 65536,
	 .help = "closed loop: packets in flight"},
	{.name = "timeout-ms", .kind = LAB_OPT_UINT, O(timeout_ms), .arg = "MS", .min = 1, .max = 600000,
	 .help = "how long to wait for stragglers"},
	{.name = "kind", .kind = LAB_OPT_ENUM, O(kind), .arg = "K",
	 .names = (const char *const[]){"lab", "bad-magic", "reflected", "forwarded", NULL},
	 .help = "lab, bad-magic (malformed), reflected (LAB_F_REFLECTED already set), forwarded "
		 "(LAB_F_FORWARDED already set; raw mode)"},
	{.name = "expect-none", .kind = LAB_OPT_SET, O(expect_none), .value = 1,
	 .help = "success means no reply at all (for traffic a reflector must drop)"},
	{.name = "allow-unmarked", .kind = LAB_OPT_SET, O(allow_unmarked), .value = 1,
	 .help = "accept replies without LAB_F_REFLECTED (dpdk-testpmd 5tswap)"},
	{.name = "check", .kind = LAB_OPT_SET, O(check), .value = 1,
	 .help = "exit 1 unless every packet came back once, in order, marked and stamped sanely"},
	{.name = "json", .kind = LAB_OPT_STR, O(json), .arg = "PATH", .help = "results as JSON"},
	{.name = "pcap", .kind = LAB_OPT_STR, O(pcap), .arg = "PATH",
	 .help = "write --count frames (gen -> dut, --size, seq 0..) to PATH and send nothing"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static const struct lab_opt raw_flags[] = {
	{.name = "iface", .kind = LAB_OPT_STR, O(iface), .arg = "IF",
	 .help = "send Ethernet frames from IF (AF_PACKET), not from a UDP socket"},
	{.name = "dst-mac", .kind = LAB_OPT_STR, O(dst_mac), .arg = "MAC",
	 .help = "their destination MAC (the forwarder's port); required with --iface"},
	{.name = "src", .kind = LAB_OPT_STR, O(src), .arg = "ADDR", .unset = "IF's first of --dst's family",
	 .help = "their source address"},
	{.name = "ttl", .kind = LAB_OPT_UINT, O(ttl), .arg = "N", .max = 255,
	 .help = "IPv4 TTL / IPv6 hop limit"},
	{.name = "first-seq", .kind = LAB_OPT_UINT, O(first_seq), .arg = "N", .max = 0xffffffffu,
	 .help = "the first sequence number"},
	{.name = "recv-iface", .kind = LAB_OPT_STR, O(recv_iface), .arg = "IF",
	 .help = "take the forwarded frames on IF (AF_PACKET) and check them: closed loop of "
		 "--window; --check: each once, in order, TTL / hop limit = --ttl - 1, "
		 "LAB_F_FORWARDED, destination MAC = IF's, checksums valid, stamps sane; "
		 "--expect-none: none of them arrives. Without it: open loop at --rate (default then "
		 "20000 pps)"},
	{0},
};

static void usage(FILE *f, void *arg)
{
	struct lab_opt_group *g = arg;
	fputs("usage: dp-send --dst ADDR [flags]\n"
	      "Send numbered lab payloads from a UDP socket and check the reflections.\n", f);
	lab_opts_print(f, &g[0]);
	lab_opts_print(f, &g[1]);
	fputs("Exit: 0 ok, 1 failed check or runtime failure, 2 usage error.\n", f);
}

static void parse(int argc, char **argv)
{
	struct lab_opt_group g[] = {
		{"Flags:", flags, &o, 0},
		{"Raw mode (the forward topology: a frame to --dst through a forwarder):", raw_flags, &o, 0},
	};
	lab_opts_parse(argc, argv, g, 2, usage, g);
	if (!o.pcap && !o.dst)
		lab_die(LAB_EXIT_USAGE, "--dst is required (or --pcap)");
	if ((o.recv_iface || o.dst_mac || o.src) && !o.iface)
		lab_die(LAB_EXIT_USAGE, "--recv-iface, --dst-mac and --src are for raw mode (--iface)");
	if (o.kind == K_FORWARDED && !o.iface)
		lab_die(LAB_EXIT_USAGE, "--kind forwarded is for raw mode (--iface)");
	if (o.iface && !o.dst_mac)
		lab_die(LAB_EXIT_USAGE, "--iface needs --dst-mac");
	if (o.iface && !o.recv_iface && !o.rate_pps)
		o.rate_pps = 20000;
}

/* ---- raw mode ---------------------------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* The IPv4 header checksum and the UDP checksum from scratch (RFC 1071). */
static void fix_csums(uint8_t *b, const struct lab_parsed *p)
{
	uint8_t *ip = b + p->l3_off, *udp = b + p->l4_off;
	size_t ulen = rd16(udp + 4);
	uint32_t sum;
	if (p->family == AF_INET) {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;
		wr16(ip + 10, 0);
		wr16(ip + 10, (uint16_t)~lab_csum_fold(lab_csum_add(0, ip, ihl)));
		sum = lab_csum_add(0, ip + 12, 8);
	} else {
		sum = lab_csum_add(0, ip + 8, 32);
	}
	sum += 17 + (uint32_t)ulen;
	wr16(udp + 6, 0);
	uint16_t c = (uint16_t)~lab_csum_fold(lab_csum_add(sum, udp, ulen));
	wr16(udp + 6, c ? c : 0xffff);
}

static int packet_socket(const char *iface, int proto, unsigned *ifindex)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = (uint16_t)htons(proto)};
	*ifindex = if_nametoindex(iface);
	if (!*ifindex)
		lab_die(LAB_EXIT_USAGE, "%s: no such interface here", iface);
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	if (fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_PACKET): %s", strerror(errno));
	sll.sll_ifindex = (int)*ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		lab_die(LAB_EXIT_RUNTIME, "bind to %s: %s", iface, strerror(errno));
	return fd;
}

struct raw_res {
	uint64_t sent, received, dups, reordered, foreign, bad_ttl, unmarked, bad_mac, bad_csum,
		bad_stamp, send_errors;
};

static int raw_main(void)
{
	struct lab_flow f = {.sport = o.sport, .dport = o.port, .vlan_id = -1};
	uint8_t frame[9100], rbuf[9100], recv_mac[6] = {0};
	struct lab_parsed p;
	unsigned tx_ifindex, rx_ifindex = 0;
	struct raw_res r = {0};
	int rx = -1;

	f.family = strchr(o.dst, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(f.family, o.dst, &f.dst) != 1 || !lab_addr_is_benchmark(f.family, &f.dst))
		lab_die(LAB_EXIT_USAGE, "--dst '%s': not an address in the lab ranges", o.dst);
	if (o.src) {
		if (inet_pton(f.family, o.src, &f.src) != 1 || !lab_addr_is_benchmark(f.family, &f.src))
			lab_die(LAB_EXIT_USAGE, "--src '%s': not a lab address of --dst's family", o.src);
	} else if (lab_if_addr(o.iface, f.family, &f.src) != 0) {
		lab_die(LAB_EXIT_USAGE, "%s has no address of --dst's family: give --src", o.iface);
	}
	if (lab_parse_mac(o.dst_mac, f.dst_mac) != 0)
		lab_die(LAB_EXIT_USAGE, "--dst-mac '%s' is not a MAC", o.dst_mac);
	if (lab_if_mac(o.iface, f.src_mac) != 0)
		lab_die(LAB_EXIT_USAGE, "%s: no MAC", o.iface);
	uint8_t flags = (uint8_t)((o.stamp ? LAB_F_STAMP : 0) | (o.kind == K_REFLECTED ? LAB_F_REFLECTED : 0) |
				  (o.kind == K_FORWARDED ? LAB_F_FORWARDED : 0));
	size_t len = lab_frame_build(frame, sizeof(frame), &f, o.size, 0, flags);
	if (!len)
		lab_die(LAB_EXIT_USAGE, "--size %" PRIu64 " is too small for this lab frame", o.size);
	if (lab_frame_parse(frame, len, o.port, &p) != LAB_OK)
		lab_die(LAB_EXIT_RUNTIME, "built frame does not parse");
	if (o.kind == K_BAD_MAGIC)
		wr16(frame + p.lab_off, 0x1234);
	frame[p.l3_off + (f.family == AF_INET ? 8 : 7)] = (uint8_t)o.ttl;
	fix_csums(frame, &p);

	int tx = packet_socket(o.iface, 0, &tx_ifindex);
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = (int)tx_ifindex, .sll_halen = 6};
	memcpy(to.sll_addr, f.dst_mac, 6);
	if (o.recv_iface) {
		rx = packet_socket(o.recv_iface, ETH_P_ALL, &rx_ifindex);
		if (lab_if_mac(o.recv_iface, recv_mac) != 0)
			lab_die(LAB_EXIT_USAGE, "%s: no MAC", o.recv_iface);
		int rcvbuf = 8 << 20;
		setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	}
	uint8_t *seen = calloc(o.count, 1);
	uint64_t *sent_at = calloc(o.count, sizeof(uint64_t));
	if (!seen || !sent_at)
		lab_die(LAB_EXIT_RUNTIME, "out of memory for %" PRIu64 " packets", o.count);
	lab_install_stop_signals();

	uint64_t t0 = lab_now_ns(), last_progress = t0;
	uint64_t period_ns = o.rate_pps ? 1000000000ull / o.rate_pps : 0;
	int64_t expect_next = 0;
	while (!lab_stop) {
		uint64_t now = lab_now_ns();
		bool can_send = r.sent < o.count;
		if (can_send && rx >= 0 && !o.expect_none && r.sent - r.received >= o.window)
			can_send = false;
		if (can_send && period_ns && now < t0 + r.sent * period_ns)
			can_send = false;
		if (can_send) {
			uint64_t ts = lab_now_ns();
			lab_frame_set_times(frame, &p, (uint32_t)(o.first_seq + r.sent), ts, ts);
			if (sendto(tx, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
				if (errno == EAGAIN || errno == ENOBUFS) {
					r.send_errors++;
					continue;
				}
				lab_die(LAB_EXIT_RUNTIME, "send on %s: %s", o.iface, strerror(errno));
			}
			sent_at[r.sent++] = ts;
			last_progress = ts;
			continue;
		}
		if (r.sent == o.count && (r.received == o.count || now - last_progress > o.timeout_ms * 1000000ull))
			break;
		if (now - last_progress > o.timeout_ms * 1000000ull)
			break; /* closed loop stalled */
		if (rx < 0) {
			if (period_ns)
				usleep(50);
			continue;
		}
		struct pollfd pfd = {.fd = rx, .events = POLLIN};
		if (poll(&pfd, 1, period_ns ? 0 : 10) <= 0)
			continue;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(rx, rbuf, sizeof(rbuf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				lab_die(LAB_EXIT_RUNTIME, "recv on %s: %s", o.recv_iface, strerror(errno));
			continue;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		uint64_t rx_ns = lab_now_ns();
		struct lab_parsed q;
		enum lab_verdict v = lab_frame_parse(rbuf, (size_t)n, o.port, &q);
		if (o.kind == K_BAD_MAGIC && v == LAB_E_MAGIC)
			v = LAB_OK; /* our malformed frames: the tests want to see that none arrive */
		if (v != LAB_OK && !(v == LAB_E_MAGIC && o.kind == K_BAD_MAGIC)) {
			r.foreign++;
			continue;
		}
		const uint8_t *qip = rbuf + q.l3_off;
		size_t alen = q.family == AF_INET ? 4 : 16;
		if (q.family != f.family || memcmp(qip + (q.family == AF_INET ? 12 : 8), &f.src, alen) ||
		    memcmp(qip + (q.family == AF_INET ? 16 : 24), &f.dst, alen) ||
		    rd16(rbuf + q.l4_off) != o.sport) {
			r.foreign++;
			continue;
		}
		struct lab_hdr *rh = (struct lab_hdr *)(rbuf + q.lab_off);
		uint64_t seq = ntohl(rh->seq);
		if (seq < o.first_seq || seq - o.first_seq >= r.sent) {
			r.foreign++;
			continue;
		}
		seq -= o.first_seq;
		if (seen[seq]) {
			r.dups++;
			continue;
		}
		seen[seq] = 1;
		r.received++;
		last_progress = rx_ns;
		if ((int64_t)seq < expect_next)
			r.reordered++;
		else
			expect_next = (int64_t)seq + 1;
		if (qip[q.family == AF_INET ? 8 : 7] + 1 != (int)o.ttl)
			r.bad_ttl++;
		if (!(rh->flags & LAB_F_FORWARDED))
			r.unmarked++;
		if (memcmp(rbuf, recv_mac, 6) != 0)
			r.bad_mac++;
		if (!lab_frame_csum_ok(rbuf, &q))
			r.bad_csum++;
		if (o.stamp) {
			const int64_t tol = 2000;
			int64_t drx = (int64_t)be64toh(q.stamp->dut_rx_ns), dtx = (int64_t)be64toh(q.stamp->dut_tx_ns);
			if (!(rh->flags & LAB_F_STAMPED) || drx < (int64_t)sent_at[seq] - tol || dtx < drx ||
			    dtx > (int64_t)rx_ns + tol)
				r.bad_stamp++;
		}
	}
	double secs = (double)(lab_now_ns() - t0) / 1e9;
	printf("dp-send: raw %s -> %s: sent %" PRIu64 " ttl %" PRIu64, o.iface,
	       o.recv_iface ? o.recv_iface : "(not received)", r.sent, o.ttl);
	if (rx >= 0)
		printf(" received %" PRIu64 " lost %" PRIu64 " reordered %" PRIu64 " dups %" PRIu64
		       " bad_ttl %" PRIu64 " unmarked %" PRIu64 " bad_mac %" PRIu64 " bad_csum %" PRIu64
		       " bad_stamp %" PRIu64 " foreign %" PRIu64, r.received, r.sent - r.received,
		       r.reordered, r.dups, r.bad_ttl, r.unmarked, r.bad_mac, r.bad_csum, r.bad_stamp,
		       r.foreign);
	printf(" send_retries %" PRIu64 " in %.3fs\n", r.send_errors, secs);
	int rc = 0;
	if (o.expect_none) {
		rc = r.received == 0 && r.sent == o.count ? 0 : 1;
	} else if (o.check && rx >= 0) {
		bool ok = r.sent == o.count && r.received == o.count && !r.reordered && !r.dups &&
			  !r.bad_ttl && !r.unmarked && !r.bad_mac && !r.bad_csum && !r.bad_stamp;
		if (!ok)
			lab_err("check failed: every frame must arrive once, in order, forwarded, TTL - 1,"
				" to %s's MAC, checksums valid%s", o.recv_iface, o.stamp ? ", stamped sanely" : "");
		rc = ok ? 0 : 1;
	} else if (o.check) {
		rc = r.sent == o.count ? 0 : 1;
	}
	close(tx);
	if (rx >= 0)
		close(rx);
	free(seen);
	free(sent_at);
	return rc;
}

static int write_pcap(void)
{
	struct lab_flow f = {.src_mac = LAB_GEN_MAC_BYTES, .dst_mac = LAB_DUT_MAC_BYTES,
			     .family = AF_INET, .sport = o.sport, .dport = o.port, .vlan_id = -1};
	struct lab_pcap_out po;
	uint8_t buf[9100];
	inet_pton(AF_INET, LAB_GEN_V4, &f.src);
	inet_pton(AF_INET, LAB_DUT_V4, &f.dst);
	if (lab_pcap_out_open(&po, o.pcap, 65535) != 0)
		lab_die(LAB_EXIT_RUNTIME, "cannot create %s: %s", o.pcap, strerror(errno));
	for (uint64_t i = 0; i < o.count; i++) {
		size_t n = lab_frame_build(buf, sizeof(buf), &f, o.size, (uint32_t)i, o.stamp ? LAB_F_STAMP : 0);
		if (!n)
			lab_die(LAB_EXIT_USAGE, "--size %" PRIu64 " is too small for a lab frame", o.size);
		lab_pcap_out_write(&po, 0, buf, (uint32_t)n, (uint32_t)n);
	}
	if (lab_pcap_out_close(&po) != 0)
		lab_die(LAB_EXIT_RUNTIME, "cannot write %s: %s", o.pcap, strerror(errno));
	printf("dp-send: wrote %" PRIu64 " frames of %" PRIu64 " B to %s\n", o.count, o.size, o.pcap);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

struct res {
	uint64_t sent, received, dups, reordered, unmarked, bad_stamp, foreign, send_errors;
	uint64_t max_seq_seen;
	uint64_t *rtt, *rtt_int;
	size_t n_rtt;
	uint64_t elapsed_ns;
};

int main(int argc, char **argv)
{
	struct sockaddr_storage dst = {0}, src = {0};
	socklen_t slen;
	int family, fd;
	size_t hdr_bytes;
	struct res r = {0};

	lab_log_init("dp-send");
	parse(argc, argv);
	if (o.pcap)
		return write_pcap();
	if (o.iface)
		return raw_main();

	struct sockaddr_in *d4 = (struct sockaddr_in *)&dst, *s4 = (struct sockaddr_in *)&src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst, *s6 = (struct sockaddr_in6 *)&src;
	if (inet_pton(AF_INET, o.dst, &d4->sin_addr) == 1) {
		family = AF_INET;
		d4->sin_family = s4->sin_family = AF_INET;
		d4->sin_port = htons(o.port);
		s4->sin_port = htons(o.sport);
		slen = sizeof(*d4);
		hdr_bytes = 42;
		if (!lab_addr_is_benchmark(AF_INET, &d4->sin_addr))
			lab_die(LAB_EXIT_USAGE, "--dst %s: not in the lab range " LAB_NET4, o.dst);
	} else if (inet_pton(AF_INET6, o.dst, &d6->sin6_addr) == 1) {
		family = AF_INET6;
		d6->sin6_family = s6->sin6_family = AF_INET6;
		d6->sin6_port = htons(o.port);
		s6->sin6_port = htons(o.sport);
		slen = sizeof(*d6);
		hdr_bytes = 62;
		if (!lab_addr_is_benchmark(AF_INET6, &d6->sin6_addr))
			lab_die(LAB_EXIT_USAGE, "--dst %s: not in the lab range " LAB_NET6, o.dst);
	} else {
		lab_die(LAB_EXIT_USAGE, "--dst '%s' is not an IPv4 or IPv6 address", o.dst);
	}
	size_t need = LAB_HDR_LEN + (o.stamp ? LAB_STAMP_LEN : 0);
	if (o.size < hdr_bytes + need)
		lab_die(LAB_EXIT_USAGE, "--size %" PRIu64 " too small: a %s lab frame%s needs %zu B",
			o.size, family == AF_INET ? "IPv4" : "IPv6", o.stamp ? " with stamps" : "",
			hdr_bytes + need);
	size_t plen = o.size - hdr_bytes;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket: %s", strerror(errno));
	int rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&src, slen) != 0)
		lab_die(LAB_EXIT_RUNTIME, "bind to port %u: %s", o.sport, strerror(errno));
	/* connected: only the reflector's replies reach us */
	if (connect(fd, (struct sockaddr *)&dst, slen) != 0)
		lab_die(LAB_EXIT_RUNTIME, "connect %s: %s", o.dst, strerror(errno));

	uint8_t *pay = calloc(1, plen), rbuf[9100];
	uint64_t *sent_at = calloc(o.count, sizeof(uint64_t)), *intended_at = calloc(o.count, sizeof(uint64_t));
	uint8_t *seen = calloc(o.count, 1);
	r.rtt = calloc(o.count, sizeof(uint64_t));
	r.rtt_int = calloc(o.count, sizeof(uint64_t));
	if (!pay || !sent_at || !intended_at || !seen || !r.rtt || !r.rtt_int)
		lab_die(LAB_EXIT_RUNTIME, "out of memory for %" PRIu64 " packets", o.count);
	for (size_t i = LAB_HDR_LEN; i < plen; i++)
		pay[i] = (uint8_t)i;
	lab_install_stop_signals();

	struct lab_hdr *h = (struct lab_hdr *)pay;
	uint64_t t0 = lab_now_ns(), last_progress = t0, period_ns = o.rate_pps ? 1000000000ull / o.rate_pps : 0;
	int64_t expect_next = 0;
	while (!lab_stop) {
		uint64_t now = lab_now_ns();
		bool can_send = r.sent < o.count;
		if (can_send && !o.rate_pps && r.sent - r.received >= o.window && !o.expect_none)
			can_send = false;
		uint64_t intended = t0 + r.sent * period_ns;
		if (can_send && o.rate_pps && now < intended)
			can_send = false;
		if (can_send) {
			h->magic = htons(o.kind == K_BAD_MAGIC ? 0x1234 : LAB_MAGIC);
			h->version = LAB_VERSION;
			h->flags = (o.stamp ? LAB_F_STAMP : 0) | (o.kind == K_REFLECTED ? LAB_F_REFLECTED : 0);
			h->seq = htonl((uint32_t)r.sent);
			uint64_t ts = lab_now_ns();
			uint64_t intd = o.rate_pps ? intended : ts;
			uint64_t late = ts - intd;
			h->sent_ns = htobe64(ts);
			h->late_ns = htonl(late > 0xffffffffu ? 0xffffffffu : (uint32_t)late);
			if (send(fd, pay, plen, 0) != (ssize_t)plen) {
				if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED) {
					r.send_errors++;
					continue; /* retry the same seq */
				}
				lab_die(LAB_EXIT_RUNTIME, "send: %s", strerror(errno));
			}
			sent_at[r.sent] = ts;
			intended_at[r.sent] = intd;
			r.sent++;
			last_progress = ts;
			continue;
		}
		if (r.sent == o.count && (r.received == o.count || now - last_progress > o.timeout_ms * 1000000ull))
			break;
		if (now - last_progress > o.timeout_ms * 1000000ull && !o.rate_pps)
			break; /* closed loop stalled: the window is full of lost packets */
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (!o.rate_pps && poll(&pfd, 1, 10) <= 0)
			continue;
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				lab_die(LAB_EXIT_RUNTIME, "recv: %s", strerror(errno));
			continue;
		}
		uint64_t rx_ns = lab_now_ns();
		struct lab_hdr *rh;
		struct lab_stamp *st;
		if (lab_payload_parse(rbuf, (size_t)n, &rh, &st) != LAB_OK) {
			r.foreign++;
			continue;
		}
		uint32_t seq = ntohl(rh->seq);
		if (seq >= r.sent) {
			r.foreign++;
			continue;
		}
		if (seen[seq]) {
			r.dups++;
			continue;
		}
		seen[seq] = 1;
		r.received++;
		last_progress = rx_ns;
		/* behind a later one already received: a loss is not a reorder */
		if ((int64_t)seq < expect_next)
			r.reordered++;
		else
			expect_next = (int64_t)seq + 1;
		if (!(rh->flags & LAB_F_REFLECTED))
			r.unmarked++;
		if (o.stamp && !o.allow_unmarked) {
			/* one clock on one host: gen send <= DUT rx <= DUT tx <= gen receive, within the
			 * DUT's TSC mapping error */
			const int64_t tol = 2000;
			int64_t drx = (int64_t)be64toh(st->dut_rx_ns), dtx = (int64_t)be64toh(st->dut_tx_ns);
			if (!(rh->flags & LAB_F_STAMPED) || drx < (int64_t)sent_at[seq] - tol || dtx < drx ||
			    dtx > (int64_t)rx_ns + tol)
				r.bad_stamp++;
		}
		r.rtt[r.n_rtt] = rx_ns - sent_at[seq];
		r.rtt_int[r.n_rtt++] = rx_ns - intended_at[seq];
	}
	r.elapsed_ns = lab_now_ns() - t0;
	qsort(r.rtt, r.n_rtt, sizeof(uint64_t), cmp_u64);
	qsort(r.rtt_int, r.n_rtt, sizeof(uint64_t), cmp_u64);
	uint64_t lost = r.sent - r.received;
	double secs = (double)r.elapsed_ns / 1e9;
	printf("dp-send: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64 " reordered %" PRIu64
	       " dups %" PRIu64 " unmarked %" PRIu64 " bad_stamp %" PRIu64 " foreign %" PRIu64
	       " send_retries %" PRIu64 " in %.3fs (%.1f kpps received)\n",
	       r.sent, r.received, lost, r.reordered, r.dups, r.unmarked, r.bad_stamp, r.foreign,
	       r.send_errors, secs, secs > 0 ? (double)r.received / secs / 1e3 : 0);
	if (r.n_rtt)
		printf("dp-send: rtt_ns (from actual send) min %" PRIu64 " p50 %" PRIu64 " p90 %" PRIu64
		       " p99 %" PRIu64 " p999 %" PRIu64 " max %" PRIu64 "; p99 from intended %" PRIu64 "\n",
		       r.rtt[0], pct(r.rtt, r.n_rtt, 50), pct(r.rtt, r.n_rtt, 90), pct(r.rtt, r.n_rtt, 99),
		       pct(r.rtt, r.n_rtt, 99.9), r.rtt[r.n_rtt - 1], pct(r.rtt_int, r.n_rtt, 99));
	if (o.json) {
		FILE *f = fopen(o.json, "w");
		if (!f)
			lab_die(LAB_EXIT_RUNTIME, "cannot write %s: %s", o.json, strerror(errno));
		struct lab_json j;
		lab_json_begin(&j, f);
		lab_json_u64(&j, "sent", r.sent);
		lab_json_u64(&j, "received", r.received);
		lab_json_u64(&j, "lost", lost);
		lab_json_u64(&j, "reordered", r.reordered);
		lab_json_u64(&j, "duplicated", r.dups);
		lab_json_u64(&j, "unmarked", r.unmarked);
		lab_json_u64(&j, "bad_stamp", r.bad_stamp);
		lab_json_dbl(&j, "elapsed_s", secs);
		lab_json_dbl(&j, "received_pps", secs > 0 ? (double)r.received / secs : 0);
		lab_json_obj(&j, "rtt_ns");
		lab_json_u64(&j, "min", r.n_rtt ? r.rtt[0] : 0);
		lab_json_u64(&j, "p50", pct(r.rtt, r.n_rtt, 50));
		lab_json_u64(&j, "p90", pct(r.rtt, r.n_rtt, 90));
		lab_json_u64(&j, "p99", pct(r.rtt, r.n_rtt, 99));
		lab_json_u64(&j, "p999", pct(r.rtt, r.n_rtt, 99.9));
		lab_json_u64(&j, "max", r.n_rtt ? r.rtt[r.n_rtt - 1] : 0);
		lab_json_obj_end(&j);
		lab_json_obj(&j, "rtt_intended_ns");
		lab_json_u64(&j, "p50", pct(r.rtt_int, r.n_rtt, 50));
		lab_json_u64(&j, "p99", pct(r.rtt_int, r.n_rtt, 99));
		lab_json_obj_end(&j);
		lab_json_end(&j);
		fclose(f);
	}
	int rc = 0;
	if (o.expect_none) {
		rc = r.received == 0 && r.sent == o.count ? 0 : 1;
	} else if (o.check) {
		bool ok = r.sent == o.count && r.received == o.count && !r.reordered && !r.dups &&
			  (o.allow_unmarked || !r.unmarked) && !r.bad_stamp;
		if (!ok)
			lab_err("check failed: every packet must come back once, in order, marked%s",
				o.stamp ? " and stamped sanely" : "");
		rc = ok ? 0 : 1;
	}
	close(fd);
	free(pay);
	free(sent_at);
	free(intended_at);
	free(seen);
	free(r.rtt);
	free(r.rtt_int);
	return rc;
}
