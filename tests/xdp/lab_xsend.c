/* lab_xsend.c — a small, self-contained lab sender for the xdp tests and bench/xdp: numbered
 * lab payloads over an ordinary UDP socket (gen side, port 7778 -> DUT 7777), the reflections
 * received back, checked (in order, reflected, stamped) and timed. With --forward (the forward
 * topology) they go to gen1's address through the DUT and are received forwarded on gen1. Not the lab's generator
 * (loadgen/lab-gen): its RTTs include the generator's kernel UDP stack on both ends. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "lab_constants.h"
#include "log.h"
#include "opt_table.h"
#include "util.h"
#include "xsk_port.h"

struct opts {
	int family;
	const char *src, *dst;
	uint16_t sport, dport;
	uint64_t count, rate_pps, window, frame_len, bad;
	unsigned timeout_ms;
	bool stamp, quiet, forward;
	int ttl;                 /* IP_TTL / IPV6_UNICAST_HOPS of the numbered packets; -1: the kernel's */
	uint64_t expired, marked; /* extra payloads with TTL 1, and already forwarded/reflected ones */
	const char *xsk_iface;
};

static int set_ttl(int fd, int family, int ttl)
{
	return family == AF_INET ? setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl))
				 : setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
}

/* One payload that is not of the numbered run, sent and retried while the socket is full. */
static void send_extra(int fd, const uint8_t *payload, size_t plen)
{
	while (send(fd, payload, plen, 0) < 0) {
		if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED)
			lab_die(1, "send: %s", strerror(errno));
		usleep(100);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

#define O(field) LAB_FIELD(struct opts, field)

static const struct lab_opt flags[] = {
	{.name = "ipv6", .short_name = '6', .kind = LAB_OPT_SET, O(family), .value = AF_INET6,
	 .help = "IPv6 (default IPv4)"},
	{.name = "src", .kind = LAB_OPT_STR, O(src), .arg = "ADDR",
	 .unset = LAB_GEN_V4 " / " LAB_GEN_V6, .help = "local address"},
	{.name = "dst", .kind = LAB_OPT_STR, O(dst), .arg = "ADDR",
	 .unset = LAB_DUT_V4 " / " LAB_DUT_V6, .help = "reflector address"},
	{.name = "sport", .kind = LAB_OPT_UINT, O(sport), .arg = "N", .min = 1, .max = 65535,
	 .help = "local UDP port"},
	{.name = "dport", .kind = LAB_OPT_UINT, O(dport), .arg = "N", .min = 1, .max = 65535,
	 .help = "reflector UDP port"},
	{.name = "count", .kind = LAB_OPT_UINT, O(count), .arg = "N", .min = 1, .max = 10000000,
	 .range = true, .help = "packets to send"},
	{.name = "rate", .kind = LAB_OPT_UINT, O(rate_pps), .arg = "PPS", .max = 10000000,
	 .help = "open-loop send rate; 0 = as fast as the window allows"},
	{.name = "window", .kind = LAB_OPT_UINT, O(window), .arg = "N", .max = 1000000,
	 .help = "most packets in flight (0 = no limit)"},
	{.name = "size", .kind = LAB_OPT_UINT, O(frame_len), .arg = "BYTES", .min = 62, .max = 1500,
	 .help = "frame size on the wire, as lab_frame_build counts it"},
	{.name = "stamp", .kind = LAB_OPT_SET, O(stamp), .value = 1,
	 .help = "ask the reflector to stamp (LAB_F_STAMP) and report the one-way split"},
	{.name = "bad", .kind = LAB_OPT_UINT, O(bad), .arg = "N", .max = 1000000,
	 .help = "also send N payloads with a broken lab magic (the reflector must count them "
		 "malformed and not answer)"},
	{.name = "forward", .kind = LAB_OPT_SET, O(forward), .value = 1,
	 .help = "the forward topology: send to " LAB_GEN1_IF "'s address (default --dst "
		 LAB_GEN1_V4 " / " LAB_GEN1_V6 ") through the DUT, receive on a socket bound to "
		 "--dst:--dport (" LAB_GEN1_IF ", in this namespace) and expect LAB_F_FORWARDED "
		 "instead of REFLECTED"},
	{.name = "ttl", .kind = LAB_OPT_INT, O(ttl), .arg = "N", .min = 1, .max = 255,
	 .unset = "the kernel's", .help = "IPv4 TTL / IPv6 hop limit of the numbered packets"},
	{.name = "expired", .kind = LAB_OPT_UINT, O(expired), .arg = "N", .max = 1000000,
	 .help = "also send N payloads with TTL / hop limit 1 (never to be forwarded)"},
	{.name = "marked", .kind = LAB_OPT_UINT, O(marked), .arg = "N", .max = 1000000,
	 .help = "also send N payloads already marked (forwarded with --forward, else reflected): "
		 "never to be sent on by the DUT\n(--bad, --expired and --marked payloads go first "
		 "and carry numbers past --count: any of them coming back counts as unknown)"},
	{.name = "timeout-ms", .kind = LAB_OPT_UINT, O(timeout_ms), .arg = "MS", .min = 1, .max = 600000,
	 .help = "give up waiting for replies after MS of silence"},
	{.name = "xsk", .kind = LAB_OPT_STR, O(xsk_iface), .arg = "IF",
	 .help = "receive the reflections through an AF_XDP socket on IF (queue 0) with the lab XDP "
		 "program steering reflected frames to --sport; needed to receive XDP_TX "
		 "reflections on a veth (they do not reach the kernel of a peer that has no XDP "
		 "program), and keeps the kernel out of the return path"},
	{.name = "quiet", .short_name = 'q', .kind = LAB_OPT_SET, O(quiet), .value = 1,
	 .help = "only the result line"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void usage(FILE *f, void *arg)
{
	fputs("usage: lab-xsend [options]\n"
	      "Send --count numbered lab packets from a UDP socket to a reflector and check the reflections:\n"
	      "in order, none lost or duplicated, LAB_F_REFLECTED (and LAB_F_STAMPED with --stamp) set.\n"
	      "Prints one line of key=value results (RTTs from the actual send time, in ns).\n"
	      "\n", f);
	lab_opts_print(f, arg);
	fputs("Addresses must be in " LAB_NET4 " or " LAB_NET6 ". Exit 0 when every packet came back in\n"
	      "order and well reflected, 1 otherwise, 2 on usage errors.\n", f);
}

static void parse(struct opts *o, int argc, char **argv)
{
	struct lab_opt_group g = {"Options:", flags, o, 0};
	*o = (struct opts){.family = AF_INET, .sport = LAB_PORT_GEN, .dport = LAB_PORT_DUT,
			   .count = 4096, .window = 32, .frame_len = 128, .timeout_ms = 1000, .ttl = -1};
	lab_opts_parse(argc, argv, &g, 1, usage, &g);
	if (!o->src)
		o->src = o->family == AF_INET ? LAB_GEN_V4 : LAB_GEN_V6;
	if (!o->dst)
		o->dst = o->forward ? (o->family == AF_INET ? LAB_GEN1_V4 : LAB_GEN1_V6)
				    : (o->family == AF_INET ? LAB_DUT_V4 : LAB_DUT_V6);
	if (o->forward && o->xsk_iface)
		lab_die(2, "--forward receives on a socket bound to --dst: no --xsk");
}

struct tally {
	uint64_t count;
	bool stamp;
	uint8_t mark; /* the DUT's mark expected: LAB_F_REFLECTED or LAB_F_FORWARDED */
	uint64_t *rtt, *to_dut, *in_dut, *from_dut;
	uint8_t *seen;
	uint64_t received, reordered, dups, badflags, unknown, icmp_refused, nst, next_expected;
	uint64_t last_rx_ns;
};

/* One reflection: its lab payload, received at rx_ns. */
static void reply(struct tally *t, uint8_t *payload, size_t n, uint64_t rx_ns)
{
	struct lab_hdr *h;
	struct lab_stamp *st;
	t->last_rx_ns = rx_ns;
	if (lab_payload_parse(payload, n, &h, &st) != LAB_OK) {
		t->unknown++;
		return;
	}
	uint32_t seq = ntohl(h->seq);
	if (seq >= t->count) {
		t->unknown++;
		return;
	}
	if (t->seen[seq]) {
		t->dups++;
		return;
	}
	t->seen[seq] = 1;
	t->received++;
	if (seq != t->next_expected)
		t->reordered++;
	t->next_expected = seq + 1;
	if ((h->flags & LAB_F_MARKED) != t->mark || (t->stamp && !(h->flags & LAB_F_STAMPED)))
		t->badflags++;
	uint64_t sent_ns = be64toh(h->sent_ns);
	t->rtt[t->received - 1] = rx_ns - sent_ns;
	if (st && (h->flags & LAB_F_STAMPED)) {
		uint64_t drx = be64toh(st->dut_rx_ns), dtx = be64toh(st->dut_tx_ns);
		if (drx < sent_ns || dtx < drx || rx_ns < dtx)
			t->badflags++; /* the one clock says this cannot happen */
		t->to_dut[t->nst] = drx - sent_ns;
		t->in_dut[t->nst] = dtx - drx;
		t->from_dut[t->nst] = rx_ns - dtx;
		t->nst++;
	}
}

/* Everything waiting on the UDP socket (and, with --forward, the one on gen1's address) and, with
 * --xsk, on the AF_XDP socket. */
static int fwd_fd = -1;
static void receive(struct tally *t, int fd, struct xsk_port *xp, uint16_t sport)
{
	uint8_t rbuf[2048];
	if (fwd_fd >= 0) {
		ssize_t n;
		while ((n = recv(fwd_fd, rbuf, sizeof(rbuf), 0)) >= 0)
			reply(t, rbuf, (size_t)n, lab_now_ns());
	}
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0 && errno == ECONNREFUSED) {
			t->icmp_refused++; /* the DUT's kernel answered a --bad payload */
			continue;
		}
		if (n < 0)
			break;
		reply(t, rbuf, (size_t)n, lab_now_ns());
	}
	if (!xp)
		return;
	struct xsk_port_desc d[64];
	uint64_t addrs[64];
	unsigned n;
	while ((n = xsk_port_rx(xp, d, 64)) > 0) {
		uint64_t rx_ns = lab_now_ns();
		for (unsigned i = 0; i < n; i++) {
			struct lab_parsed p;
			if (lab_frame_parse(d[i].data, d[i].len, sport, &p) == LAB_OK)
				reply(t, d[i].data + p.lab_off, p.frame_len - p.lab_off, rx_ns);
			else
				t->unknown++;
			addrs[i] = d[i].addr;
		}
		xsk_port_release(xp, addrs, n);
		xsk_port_complete(xp);
	}
	xsk_port_wakeup_rx(xp);
}

/* Sleep until a reply arrives or wait_ns pass: a reply is timed when it arrives, not when the
 * next packet is due (which would add up to one send period to the RTT). */
static void wait_ns(int fd, struct xsk_port *xp, uint64_t wait_ns)
{
	struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
				{.fd = xp ? xsk_port_fd(xp) : fwd_fd, .events = POLLIN}};
	struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000u), .tv_nsec = (long)(wait_ns % 1000000000u)};
	ppoll(pfd, xp || fwd_fd >= 0 ? 2 : 1, &ts, NULL);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct lab_flow f = {0};
	struct sockaddr_storage sa = {0}, da = {0};
	socklen_t slen;
	uint8_t frame[2048];
	struct lab_parsed p;
	int fd;

	lab_log_init(argv[0]);
	parse(&o, argc, argv);
	lab_install_stop_signals();

	f.family = o.family;
	f.vlan_id = -1;
	f.sport = o.sport;
	f.dport = o.dport;
	if (inet_pton(o.family, o.src, &f.src) != 1 || inet_pton(o.family, o.dst, &f.dst) != 1)
		lab_die(2, "--src/--dst: '%s' / '%s' are not IPv%d addresses", o.src, o.dst,
			o.family == AF_INET ? 4 : 6);
	if (!lab_addr_is_benchmark(o.family, &f.src) || !lab_addr_is_benchmark(o.family, &f.dst))
		lab_die(2, "--src/--dst must be in " LAB_NET4 " or " LAB_NET6);
	if (o.frame_len < lab_frame_min_len(&f, o.stamp))
		lab_die(2, "--size %" PRIu64 ": at least %zu bytes for this flow", o.frame_len,
			lab_frame_min_len(&f, o.stamp));
	if (o.family == AF_INET) {
		struct sockaddr_in *s = (void *)&sa, *d = (void *)&da;
		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, &f.src, 4);
		memcpy(&d->sin_addr, &f.dst, 4);
		s->sin_port = htons(o.sport);
		d->sin_port = htons(o.dport);
		slen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)&sa, *d = (void *)&da;
		s->sin6_family = d->sin6_family = AF_INET6;
		s->sin6_addr = f.src;
		d->sin6_addr = f.dst;
		s->sin6_port = htons(o.sport);
		d->sin6_port = htons(o.dport);
		slen = sizeof(*s);
	}
	fd = socket(o.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		lab_die(1, "socket: %s", strerror(errno));
	int buf_bytes = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf_bytes, sizeof(buf_bytes));
	if (bind(fd, (struct sockaddr *)&sa, slen) < 0 || connect(fd, (struct sockaddr *)&da, slen) < 0)
		lab_die(1, "bind %s:%u / connect %s:%u: %s (inside the gen namespace?)", o.src, o.sport,
			o.dst, o.dport, strerror(errno));
	if (o.forward) {
		/* gen1's end: what the DUT forwarded arrives at --dst:--dport in this namespace */
		fwd_fd = socket(o.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fwd_fd < 0)
			lab_die(1, "socket: %s", strerror(errno));
		setsockopt(fwd_fd, SOL_SOCKET, SO_RCVBUF, &buf_bytes, sizeof(buf_bytes));
		if (bind(fwd_fd, (struct sockaddr *)&da, slen) < 0)
			lab_die(1, "bind %s:%u (" LAB_GEN1_IF "'s address, up --topology forward): %s", o.dst, o.dport,
				strerror(errno));
	}
	if (o.ttl >= 0 && set_ttl(fd, o.family, o.ttl) < 0)
		lab_die(1, "--ttl %d: %s", o.ttl, strerror(errno));

	size_t flen = lab_frame_build(frame, sizeof(frame), &f, o.frame_len, 0, o.stamp ? LAB_F_STAMP : 0);
	if (!flen || lab_frame_parse(frame, flen, o.dport, &p) != LAB_OK)
		lab_die(1, "building the lab frame failed");
	uint8_t *payload = frame + p.lab_off;
	size_t plen = p.frame_len - p.lab_off;

	struct tally t = {.count = o.count, .stamp = o.stamp,
			  .mark = o.forward ? LAB_F_FORWARDED : LAB_F_REFLECTED};
	t.rtt = calloc(o.count, sizeof(uint64_t));
	t.in_dut = calloc(o.count, sizeof(uint64_t));
	t.to_dut = calloc(o.count, sizeof(uint64_t));
	t.from_dut = calloc(o.count, sizeof(uint64_t));
	t.seen = calloc(o.count, 1);
	if (!t.rtt || !t.in_dut || !t.to_dut || !t.from_dut || !t.seen)
		lab_die(1, "out of memory");

	struct xsk_port *xp = NULL;
	if (o.xsk_iface) {
		struct xsk_port_opts po;
		char err[512];
		xsk_port_opts_default(&po);
		po.iface = o.xsk_iface;
		po.port = o.sport;
		po.reflected = LAB_XDP_REFL_REQUIRE;
		po.frames = 2048;
		po.ring_size = 1024;
		po.rx_frames = 1024;
		int rc = xsk_port_open(&xp, &po, err, sizeof(err));
		if (rc)
			lab_die(rc == -EEXIST || rc == -EBUSY || rc == -ENODEV || rc == -EINVAL ? 2 : 1, "%s", err);
		if (!o.quiet)
			lab_info("receiving on %s through %s", o.xsk_iface, xsk_port_mode_string(xp));
	}

	uint64_t sent = 0, send_errors = 0;
	uint64_t period_ns = o.rate_pps ? 1000000000ull / o.rate_pps : 0;
	uint64_t start_ns = lab_now_ns();
	t.last_rx_ns = start_ns;

	/* broken payloads first, so the reflector's malformed counter is settled by the end */
	for (uint64_t i = 0; i < o.bad; i++) {
		uint8_t bad[2048];
		memcpy(bad, payload, plen);
		bad[0] ^= 0xff;
		send_extra(fd, bad, plen);
	}
	/* already marked, numbered past --count */
	for (uint64_t i = 0; i < o.marked; i++) {
		uint8_t m[2048];
		lab_frame_set_times(frame, &p, (uint32_t)(o.count + i), lab_now_ns(), lab_now_ns());
		memcpy(m, payload, plen);
		((struct lab_hdr *)m)->flags |= o.forward ? LAB_F_FORWARDED : LAB_F_REFLECTED;
		send_extra(fd, m, plen);
	}
	/* TTL / hop limit 1, numbered past --count and the marked ones, from a socket of their own */
	if (o.expired) {
		int efd = socket(o.family, SOCK_DGRAM, 0);
		if (efd < 0 || set_ttl(efd, o.family, 1) < 0 || connect(efd, (struct sockaddr *)&da, slen) < 0)
			lab_die(1, "the TTL 1 socket: %s", strerror(errno));
		for (uint64_t i = 0; i < o.expired; i++) {
			lab_frame_set_times(frame, &p, (uint32_t)(o.count + o.marked + i), lab_now_ns(), lab_now_ns());
			send_extra(efd, payload, plen);
		}
		close(efd);
	}

	while (!lab_stop) {
		uint64_t now;
		receive(&t, fd, xp, o.sport);
		now = lab_now_ns();
		if (sent == o.count) {
			if (t.received == o.count || now - t.last_rx_ns > (uint64_t)o.timeout_ms * 1000000)
				break;
			wait_ns(fd, xp, 10000000);
			continue;
		}
		uint64_t intended = start_ns + sent * period_ns;
		bool window_full = o.window && sent - t.received >= o.window;
		if (window_full) {
			if (now - t.last_rx_ns > (uint64_t)o.timeout_ms * 1000000)
				break; /* the reflector went silent: the rest counts as lost */
			wait_ns(fd, xp, 1000000);
			continue;
		}
		if (now < intended) {
			wait_ns(fd, xp, intended - now);
			continue;
		}
		if (t.received == sent)
			t.last_rx_ns = now; /* silence is measured from the oldest packet in flight */
		lab_frame_set_times(frame, &p, (uint32_t)sent, now, intended);
		if (send(fd, payload, plen, 0) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED) {
				send_errors++;
				continue; /* retried: the number stays the same */
			}
			lab_die(1, "send: %s", strerror(errno));
		}
		sent++;
	}

	qsort(t.rtt, t.received, sizeof(uint64_t), cmp_u64);
	qsort(t.to_dut, t.nst, sizeof(uint64_t), cmp_u64);
	qsort(t.in_dut, t.nst, sizeof(uint64_t), cmp_u64);
	qsort(t.from_dut, t.nst, sizeof(uint64_t), cmp_u64);
	double secs = (double)(lab_now_ns() - start_ns) / 1e9;
	printf("sent=%" PRIu64 " received=%" PRIu64 " lost=%" PRIu64 " reordered=%" PRIu64
	       " dup=%" PRIu64 " badflags=%" PRIu64 " unknown=%" PRIu64 " bad_sent=%" PRIu64
	       " send_retries=%" PRIu64 " icmp_refused=%" PRIu64 " seconds=%.3f achieved_pps=%.0f"
	       " rtt_p50_ns=%" PRIu64 " rtt_p90_ns=%" PRIu64 " rtt_p99_ns=%" PRIu64 " rtt_max_ns=%" PRIu64,
	       sent, t.received, sent - t.received, t.reordered, t.dups, t.badflags, t.unknown, o.bad, send_errors, t.icmp_refused,
	       secs, secs > 0 ? (double)t.received / secs : 0.0, pct(t.rtt, t.received, 0.5),
	       pct(t.rtt, t.received, 0.9), pct(t.rtt, t.received, 0.99), t.received ? t.rtt[t.received - 1] : 0);
	if (t.nst)
		printf(" to_dut_p50_ns=%" PRIu64 " in_dut_p50_ns=%" PRIu64 " from_dut_p50_ns=%" PRIu64
		       " in_dut_p99_ns=%" PRIu64, pct(t.to_dut, t.nst, 0.5), pct(t.in_dut, t.nst, 0.5),
		       pct(t.from_dut, t.nst, 0.5), pct(t.in_dut, t.nst, 0.99));
	printf("\n");
	bool ok = sent == o.count && t.received == o.count && !t.reordered && !t.dups && !t.badflags && !t.unknown;
	if (!ok && !o.quiet)
		lab_err("%" PRIu64 " of %" PRIu64 " came back, %" PRIu64 " out of order, %" PRIu64
			" duplicated, %" PRIu64 " badly reflected", t.received, sent, t.reordered, t.dups, t.badflags);
	xsk_port_close(xp);
	close(fd);
	if (fwd_fd >= 0)
		close(fwd_fd);
	free(t.rtt);
	free(t.in_dut);
	free(t.to_dut);
	free(t.from_dut);
	free(t.seen);
	return ok ? 0 : 1;
}
