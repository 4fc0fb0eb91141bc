/* kern_client.c — lab-kern's test client, so its tests need no other component: a UDP socket
 * (in the generator's namespace) sends numbered lab payloads, at most --window of them
 * unanswered, and checks every reflection: marked, in order, payload intact, and when stamps
 * were asked for, present and ordered (our send <= DUT rx <= DUT tx <= our receive).
 * With --kind other than good it sends broken or already-reflected payloads and checks that
 * none comes back. Exit 0 when every check held, 1 when one failed, 2 on bad flags. */
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
#include "lab_wire.h"
#include "log.h"
#include "opt_table.h"
#include "util.h"

enum kind { K_GOOD, K_TRUNC, K_MAGIC, K_VERSION, K_FLAGS, K_STAMP_TRUNC, K_REFLECTED, K_COUNT };
static const char *const kind_names[K_COUNT + 1] = {"good", "trunc", "magic", "version", "flags",
						    "stamp-trunc", "reflected", NULL};

struct opts {
	const char *dst;
	uint16_t port, sport;
	uint64_t count, window, timeout_ms;
	size_t frame;
	bool stamp, quiet, flood;
	enum kind kind;
};

#define O(field) LAB_FIELD(struct opts, field)

static const struct lab_opt flags[] = {
	{.name = "dst", .kind = LAB_OPT_STR, O(dst), .arg = "ADDR",
	 .help = "reflector address (must be in " LAB_NET4 " or " LAB_NET6 ")"},
	{.name = "port", .kind = LAB_OPT_UINT, O(port), .arg = "N", .min = 1, .max = 65535,
	 .help = "reflector port"},
	{.name = "sport", .kind = LAB_OPT_UINT, O(sport), .arg = "N", .max = 65535,
	 .help = "our source port (0 = any)"},
	{.name = "count", .kind = LAB_OPT_UINT, O(count), .arg = "N", .min = 1, .max = 100000000,
	 .help = "packets"},
	{.name = "size", .kind = LAB_OPT_UINT, O(frame), .arg = "BYTES", .min = 43, .max = 9000,
	 .help = "frame size: UDP payload = size - 42 (IPv4) or - 62 (IPv6)"},
	{.name = "stamp", .kind = LAB_OPT_SET, O(stamp), .value = 1,
	 .help = "ask for DUT stamps (LAB_F_STAMP) and check them"},
	{.name = "window", .kind = LAB_OPT_UINT, O(window), .arg = "N", .min = 1, .max = 65536,
	 .help = "most packets unanswered at once"},
	{.name = "timeout-ms", .kind = LAB_OPT_UINT, O(timeout_ms), .arg = "MS", .min = 1, .max = 60000,
	 .help = "how long to wait for a reflection before failing, and with --kind other than good "
		 "how long to watch for stray replies"},
	{.name = "kind", .kind = LAB_OPT_ENUM, O(kind), .arg = "K", .names = kind_names,
	 .help = "good, or what to break: trunc (lab header cut short), magic, version, flags "
		 "(unknown flag bit), stamp-trunc (LAB_F_STAMP without room), reflected (already "
		 "marked reflected); none of those may come back"},
	{.name = "flood", .kind = LAB_OPT_SET, O(flood), .value = 1,
	 .help = "send all --count at once, then count what comes back for --timeout-ms; no order "
		 "or loss check (the reflector's drop counters are under test)"},
	{.name = "quiet", .short_name = 'q', .kind = LAB_OPT_SET, O(quiet), .value = 1,
	 .help = "only failures"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void usage(FILE *f, void *arg)
{
	fputs("usage: kern_client [options]\n"
	      "Sends numbered lab payloads over a UDP socket and checks the reflections (see the source).\n", f);
	lab_opts_print(f, arg);
	fputs("Prints one line: sent, received, stamped, RTT p50/p99 and time in the DUT p50/p99 (ns).\n"
	      "Exit 0 all checks held, 1 a check failed or a runtime error, 2 bad flags.\n", f);
}

static void parse(struct opts *o, int argc, char **argv)
{
	struct lab_opt_group g = {"Options:", flags, o, 0};
	*o = (struct opts){.dst = LAB_DUT_V4, .port = LAB_PORT_DUT, .sport = LAB_PORT_GEN,
			   .count = 4096, .window = 32, .timeout_ms = 2000, .frame = 64};
	lab_opts_parse(argc, argv, &g, 1, usage, &g);
}

static uint8_t fill_byte(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 31u + i * 7u);
}

/* The payload of packet seq, broken as --kind asks. Returns its length. */
static size_t build(const struct opts *o, uint8_t *buf, size_t plen, uint32_t seq, uint64_t now_ns)
{
	struct lab_hdr *h = (struct lab_hdr *)buf;
	for (size_t i = 0; i < plen; i++)
		buf[i] = fill_byte(seq, i);
	if (plen < LAB_HDR_LEN)
		return plen;
	h->magic = htons(LAB_MAGIC);
	h->version = LAB_VERSION;
	h->flags = o->stamp ? LAB_F_STAMP : 0;
	h->seq = htonl(seq);
	h->sent_ns = htobe64(now_ns);
	h->late_ns = 0;
	if (o->stamp)
		memset(buf + LAB_HDR_LEN, 0, LAB_STAMP_LEN);
	switch (o->kind) {
	case K_GOOD: break;
	case K_TRUNC: return LAB_HDR_LEN - 1 - seq % 8; /* 12 to 19 bytes */
	case K_MAGIC: h->magic = htons(LAB_MAGIC ^ (uint16_t)(1u << (seq % 16))); break;
	case K_VERSION: h->version = LAB_VERSION + 1 + (uint8_t)(seq % 200); break;
	case K_FLAGS: h->flags |= 0x80; break;
	case K_STAMP_TRUNC: h->flags |= LAB_F_STAMP; return LAB_HDR_LEN + seq % LAB_STAMP_LEN;
	case K_REFLECTED: h->flags |= LAB_F_REFLECTED; break;
	case K_COUNT: break;
	}
	return plen;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage dst = {0}, src = {0};
	socklen_t dl;
	int family, fd;
	size_t plen;
	uint8_t *tx, rx[9216];

	lab_log_init(argv[0]);
	parse(&o, argc, argv);
	struct sockaddr_in *d4 = (struct sockaddr_in *)&dst, *s4 = (struct sockaddr_in *)&src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&dst, *s6 = (struct sockaddr_in6 *)&src;
	if (inet_pton(AF_INET, o.dst, &d4->sin_addr) == 1) {
		family = AF_INET;
		d4->sin_family = s4->sin_family = AF_INET;
		d4->sin_port = htons(o.port);
		s4->sin_port = htons(o.sport);
		dl = sizeof(*d4);
	} else if (inet_pton(AF_INET6, o.dst, &d6->sin6_addr) == 1) {
		family = AF_INET6;
		d6->sin6_family = s6->sin6_family = AF_INET6;
		d6->sin6_port = htons(o.port);
		s6->sin6_port = htons(o.sport);
		dl = sizeof(*d6);
	} else {
		lab_die(2, "--dst: '%s' is not an address", o.dst);
	}
	if (!lab_addr_is_benchmark(family, family == AF_INET ? (void *)&d4->sin_addr : (void *)&d6->sin6_addr))
		lab_die(2, "--dst %s is outside " LAB_NET4 " and " LAB_NET6, o.dst);
	size_t over = family == AF_INET ? 42 : 62;
	if (o.frame < over + LAB_HDR_LEN + (o.stamp ? LAB_STAMP_LEN : 0))
		lab_die(2, "--size %zu: too small for the lab header%s over %s", o.frame,
			o.stamp ? " and stamps" : "", family == AF_INET ? "IPv4" : "IPv6");
	plen = o.frame - over;
	if (plen > sizeof(rx))
		lab_die(2, "--size %zu: too large", o.frame);

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		lab_die(1, "socket: %s", strerror(errno));
	int buf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&src, dl) < 0)
		lab_die(1, "bind port %u: %s", o.sport, strerror(errno));
	tx = malloc(plen);
	uint64_t *sent_at = calloc(o.count, sizeof(uint64_t));
	uint64_t *rtt = calloc(o.count, sizeof(uint64_t));
	uint64_t *in_dut = calloc(o.count, sizeof(uint64_t));
	if (!tx || !sent_at || !rtt || !in_dut)
		lab_die(1, "out of memory");
	lab_install_stop_signals();

	uint64_t sent = 0, got = 0, stamped = 0, bad = 0, strays = 0;
	/* a flood is checked like broken packets: sent blind, replies only counted */
	bool good = o.kind == K_GOOD && !o.flood;
	char why[256] = "";
	while (!lab_stop && (sent < o.count || (good && got < sent))) {
		if (sent < o.count && (!good || sent - got < o.window)) {
			uint64_t now = lab_now_ns();
			size_t n = build(&o, tx, plen, (uint32_t)sent, now);
			if (sendto(fd, tx, n, 0, (struct sockaddr *)&dst, dl) != (ssize_t)n)
				lab_die(1, "sendto %s: %s", o.dst, strerror(errno));
			sent_at[sent++] = now;
			if (!good || sent - got < o.window)
				continue;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, good ? (int)o.timeout_ms : 0);
		if (pr == 0 && good) {
			snprintf(why, sizeof(why), "no reflection of seq %" PRIu64 " within %" PRIu64 " ms",
				 got, o.timeout_ms);
			break;
		}
		if (pr <= 0)
			continue;
		ssize_t len = recv(fd, rx, sizeof(rx), 0);
		uint64_t now = lab_now_ns();
		if (len < 0)
			continue;
		if (!good) {
			strays++;
			continue;
		}
		const struct lab_hdr *h = (const struct lab_hdr *)rx;
		uint32_t seq = len >= LAB_HDR_LEN ? ntohl(h->seq) : UINT32_MAX;
		if ((size_t)len != plen || ntohs(h->magic) != LAB_MAGIC) {
			snprintf(why, sizeof(why), "reply %" PRIu64 ": %zd bytes or magic wrong", got, len);
			break;
		}
		if (seq != got) {
			snprintf(why, sizeof(why), "out of order: seq %u where %" PRIu64 " was next", seq, got);
			break;
		}
		if (!(h->flags & LAB_F_REFLECTED))
			bad++, snprintf(why, sizeof(why), "seq %u not marked reflected", seq);
		if (be64toh(h->sent_ns) != sent_at[seq])
			bad++, snprintf(why, sizeof(why), "seq %u: sent time changed", seq);
		for (size_t i = LAB_HDR_LEN + (o.stamp ? LAB_STAMP_LEN : 0); i < plen; i++)
			if (rx[i] != fill_byte(seq, i)) {
				bad++, snprintf(why, sizeof(why), "seq %u: payload byte %zu changed", seq, i);
				break;
			}
		if (o.stamp) {
			const struct lab_stamp *st = (const struct lab_stamp *)(rx + LAB_HDR_LEN);
			uint64_t drx = be64toh(st->dut_rx_ns), dtx = be64toh(st->dut_tx_ns);
			if (!(h->flags & LAB_F_STAMPED))
				bad++, snprintf(why, sizeof(why), "seq %u: not stamped", seq);
			else if (!(sent_at[seq] <= drx && drx <= dtx && dtx <= now))
				bad++, snprintf(why, sizeof(why), "seq %u: stamps out of order: sent %" PRIu64
						" dut_rx %" PRIu64 " dut_tx %" PRIu64 " received %" PRIu64,
						seq, sent_at[seq], drx, dtx, now);
			else
				in_dut[stamped++] = dtx - drx;
		} else if (h->flags & LAB_F_STAMPED) {
			bad++, snprintf(why, sizeof(why), "seq %u stamped though not asked", seq);
		}
		rtt[got++] = now - sent_at[seq];
	}
	if (!good) {
		/* watch for replies that should never come */
		uint64_t end = lab_now_ns() + o.timeout_ms * 1000000ull;
		while (!lab_stop && lab_now_ns() < end) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, 50) > 0 && recv(fd, rx, sizeof(rx), 0) >= 0)
				strays++;
		}
		if (strays && !o.flood)
			snprintf(why, sizeof(why), "%" PRIu64 " replies to %s packets, expected none", strays,
				 kind_names[o.kind]);
	}
	qsort(rtt, got, sizeof(uint64_t), cmp_u64);
	qsort(in_dut, stamped, sizeof(uint64_t), cmp_u64);
	uint64_t p50 = got ? rtt[(got - 1) / 2] : 0, p99 = got ? rtt[(got - 1) * 99 / 100] : 0;
	uint64_t d50 = stamped ? in_dut[(stamped - 1) / 2] : 0;
	uint64_t d99 = stamped ? in_dut[(stamped - 1) * 99 / 100] : 0;
	if (!o.quiet)
		printf("kind %s size %zu: sent %" PRIu64 " received %" PRIu64 " stamped %" PRIu64
		       " bad %" PRIu64 " rtt_p50_ns %" PRIu64 " rtt_p99_ns %" PRIu64
		       " in_dut_p50_ns %" PRIu64 " in_dut_p99_ns %" PRIu64 "\n",
		       kind_names[o.kind], o.frame, sent, good ? got : strays, stamped, bad, p50, p99,
		       d50, d99);
	bool ok = !why[0] && !bad && !lab_stop && (good ? got == o.count : o.flood || strays == 0);
	if (!ok)
		lab_err("%s", why[0] ? why : "interrupted");
	close(fd);
	free(tx);
	free(sent_at);
	free(rtt);
	free(in_dut);
	return ok ? 0 : 1;
}
