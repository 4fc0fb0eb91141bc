/* lab_kern.c — lab-kern: the kernel path's reflector. Lab UDP arriving on a socket is marked
 * reflected, stamped with the DUT's receive time (the socket's software timestamp, converted to
 * CLOCK_MONOTONIC) and transmit time when the sender asks, and sent back to where it came from,
 * in batches (recvmmsg/sendmmsg), by one of three receive loops: blocking, busy-poll or epoll. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "caps.h"
#include "clock.h"
#include "frame.h"
#include "kern_batch.h"
#include "kern_clock.h"
#include "kern_snmp.h"
#include "kern_sock.h"
#include "lab_config.h"
#include "log.h"
#include "util.h"

#define BATCH_MAX 256
/* A slot holds the largest UDP payload, so nothing is ever cut short by our buffer. */
#define SLOT_BYTES 65536
/* How long any wait may last before the loop looks at the stop flag and the clock again. */
#define WAIT_MS 100

enum mode { MODE_BLOCKING, MODE_BUSY_POLL, MODE_EPOLL };
static const char *const mode_names[] = {"blocking", "busy-poll", "epoll"};

struct run {
	struct kern_sock_opts so;
	enum mode mode;
	int cpu, fifo_prio;
	unsigned batch;
	const char *ready_file, *stats_json;
	double stats_interval_s, duration_s, clock_interval_s;

	struct kern_sock sk;
	struct kern_counts c;
	struct kern_clock clk;
	uint32_t sk_drops;        /* SO_RXQ_OVFL / SO_MEMINFO: this socket's drops */
	bool hw;
	bool snmp_ok, have6;
	uint64_t snmp4_start, snmp6_start, snmp4, snmp6;
	int last_tx_errno;
	uint64_t start_ns, end_ns;
	char napi_defer[32], gro_flush[32];

	struct mmsghdr rx[BATCH_MAX], tx[BATCH_MAX];
	struct iovec riov[BATCH_MAX], tiov[BATCH_MAX];
	struct sockaddr_storage names[BATCH_MAX];
	uint8_t rctl[BATCH_MAX][KERN_RX_CMSG_LEN] __attribute__((aligned(8)));
	uint8_t tctl[BATCH_MAX][KERN_TX_CMSG_LEN] __attribute__((aligned(8)));
	struct kern_pkt pkts[BATCH_MAX];
	uint8_t *data;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: lab-kern [options]\n"
"The lab's kernel-path reflector: lab UDP (a lab header at the start of the payload) arriving\n"
"on --port is marked reflected and sent back to its sender's address and port through the\n"
"ordinary socket API (the kernel swaps addresses and keeps the checksum). When the sender asks\n"
"(LAB_F_STAMP), the DUT receive time (the socket's SO_TIMESTAMPING software receive stamp,\n"
"CLOCK_REALTIME, converted to CLOCK_MONOTONIC with an offset re-measured every\n"
"--clock-interval) and transmit time (CLOCK_MONOTONIC read just before sendmmsg) are written\n"
"into it. A payload already marked reflected is never echoed (counted as not_lab); a broken lab\n"
"header is counted as malformed, by reason. Run it inside the DUT's network namespace.\n"
"\n"
"  --mode M              blocking: recvmmsg/sendmmsg in batches, asleep in recvmmsg when idle;\n"
"                        busy-poll: SO_BUSY_POLL + SO_PREFER_BUSY_POLL + SO_BUSY_POLL_BUDGET and\n"
"                        a non-blocking receive spin (one core at 100%%); epoll: epoll_wait,\n"
"                        then non-blocking recvmmsg until empty (default blocking)\n"
"  --iface IF            receive only what arrives on IF (SO_BINDTODEVICE; '' = any interface;\n"
"                        default dut0). Refused outside the lab's network namespaces\n"
"                        (<prefix>-gen/-dut) unless --hw\n"
"  --hw                  --iface is a real NIC (checked), named on purpose outside the lab\n"
"  --addr ADDR           bind this one address (IPv4 or IPv6); default [::], one dual-stack\n"
"                        socket for IPv4 and IPv6. Replies leave from the address the request\n"
"                        was sent to\n"
"  --port N              UDP port of lab traffic (default 7777)\n"
"  --batch N             datagrams per recvmmsg/sendmmsg, 1-%d (default 32)\n"
"  --rcvbuf BYTES        socket receive buffer (default 4194304; 0 = the system's)\n"
"  --sndbuf BYTES        socket send buffer (default 4194304; 0 = the system's)\n"
"  --busy-poll-us N      busy-poll: SO_BUSY_POLL microseconds (default 50)\n"
"  --busy-poll-budget N  busy-poll: SO_BUSY_POLL_BUDGET packets per poll (default 64)\n"
"  --cpu N               pin the reflector to CPU N (default: not pinned)\n"
"  --fifo PRIO           run as SCHED_FIFO at PRIO 1-99 (default: SCHED_OTHER). With busy-poll\n"
"                        this holds the CPU: only the kernel's RT throttling lets others run\n"
"  --ready-file PATH     write our pid to PATH (atomically) once the socket is bound\n"
"  --stats-json PATH     write the counters as JSON to PATH on exit (also: --json PATH)\n"
"  --stats-interval S    print counters, rates and drops to stderr every S seconds (0 = never;\n"
"                        default 0)\n"
"  --clock-interval S    re-measure the realtime->monotonic offset every S seconds (default 1)\n"
"  --duration S          stop after S seconds (0 = until SIGINT/SIGTERM; default 0)\n"
"  -v, --verbose         debug output\n"
"  -h, --help            this text;  --version  the version\n"
"\n"
"Counters: received (every datagram read), reflected (accepted by sendmmsg), not_lab (already\n"
"reflected), malformed (by verdict: lab_truncated, lab_magic, lab_version, lab_flags,\n"
"stamp_truncated), tx_errors (refused by sendmmsg), and the drops before us, each packet in one\n"
"key only so that they add up: drops.udp_rcvbuf_errors (UDP and UDP6 RcvbufErrors of\n"
"/proc/net/snmp and snmp6, the change since start, for the whole namespace) and\n"
"drops.socket_rxq_ovfl (this socket's sk_drops, from SO_RXQ_OVFL and SO_MEMINFO, beyond those\n"
"RcvbufErrors: a buffer overflow raises both). drops_raw holds both counts as read.\n"
"The conversion error of the receive stamps is reported as clock.rt_offset_err_ns (widest\n"
"bracket half-width of an offset measurement) and clock.rt_offset_drift_ns (largest change of\n"
"the offset between two measurements).\n"
"\n"
"Exit: 0 ok, 1 runtime failure, 2 usage or configuration error (bad flag, no such interface,\n"
"port in use). SIGINT/SIGTERM stop within %d ms, print the totals and write --stats-json.\n",
		BATCH_MAX, 2 * WAIT_MS);
}

static void parse_args(struct run *r, int argc, char **argv)
{
	enum { O_MODE = 256, O_IFACE, O_ADDR, O_PORT, O_BATCH, O_RCVBUF, O_SNDBUF, O_BP_US,
	       O_BP_BUDGET, O_CPU, O_FIFO, O_READY, O_STATS, O_INTERVAL, O_CLOCK, O_DURATION,
	       O_VERSION, O_HW };
	static const struct option opts[] = {
		{"mode", required_argument, 0, O_MODE},
		{"iface", required_argument, 0, O_IFACE},
		{"hw", no_argument, 0, O_HW},
		{"addr", required_argument, 0, O_ADDR},
		{"port", required_argument, 0, O_PORT},
		{"batch", required_argument, 0, O_BATCH},
		{"rcvbuf", required_argument, 0, O_RCVBUF},
		{"sndbuf", required_argument, 0, O_SNDBUF},
		{"busy-poll-us", required_argument, 0, O_BP_US},
		{"busy-poll-budget", required_argument, 0, O_BP_BUDGET},
		{"cpu", required_argument, 0, O_CPU},
		{"fifo", required_argument, 0, O_FIFO},
		{"ready-file", required_argument, 0, O_READY},
		{"stats-json", required_argument, 0, O_STATS},
		{"json", required_argument, 0, O_STATS},
		{"stats-interval", required_argument, 0, O_INTERVAL},
		{"clock-interval", required_argument, 0, O_CLOCK},
		{"duration", required_argument, 0, O_DURATION},
		{"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, O_VERSION},
		{0, 0, 0, 0},
	};
	int c;

	r->mode = MODE_BLOCKING;
	r->so.iface = "dut0";
	r->so.port = LAB_PORT_DUT;
	r->so.rcvbuf_bytes = 4 << 20;
	r->so.sndbuf_bytes = 4 << 20;
	r->so.busy_poll_us = 50;
	r->so.busy_poll_budget = 64;
	r->so.rcvtimeo_ms = WAIT_MS;
	r->cpu = -1;
	r->batch = 32;
	r->clock_interval_s = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			for (r->mode = 0; r->mode <= MODE_EPOLL; r->mode++)
				if (!strcmp(optarg, mode_names[r->mode]))
					break;
			if (r->mode > MODE_EPOLL)
				lab_die(LAB_EXIT_USAGE, "--mode: '%s' is not blocking, busy-poll or epoll", optarg);
			break;
		case O_IFACE: r->so.iface = optarg; break;
		case O_HW: r->hw = true; break;
		case O_ADDR: r->so.addr = optarg; break;
		case O_PORT: r->so.port = (uint16_t)lab_parse_u64("port", optarg, 1, 65535); break;
		case O_BATCH: r->batch = (unsigned)lab_parse_u64("batch", optarg, 1, BATCH_MAX); break;
		case O_RCVBUF: r->so.rcvbuf_bytes = (int)lab_parse_u64("rcvbuf", optarg, 0, 1 << 30); break;
		case O_SNDBUF: r->so.sndbuf_bytes = (int)lab_parse_u64("sndbuf", optarg, 0, 1 << 30); break;
		case O_BP_US: r->so.busy_poll_us = (unsigned)lab_parse_u64("busy-poll-us", optarg, 1, 1000000); break;
		case O_BP_BUDGET: r->so.busy_poll_budget = (unsigned)lab_parse_u64("busy-poll-budget", optarg, 1, 65535); break;
		case O_CPU: r->cpu = (int)lab_parse_u64("cpu", optarg, 0, 4095); break;
		case O_FIFO: r->fifo_prio = (int)lab_parse_u64("fifo", optarg, 1, 99); break;
		case O_READY: r->ready_file = optarg; break;
		case O_STATS: r->stats_json = optarg; break;
		case O_INTERVAL: r->stats_interval_s = lab_parse_double("stats-interval", optarg, 0, 86400); break;
		case O_CLOCK: r->clock_interval_s = lab_parse_double("clock-interval", optarg, 0.01, 3600); break;
		case O_DURATION: r->duration_s = lab_parse_double("duration", optarg, 0, 86400 * 365); break;
		case O_VERSION: printf("lab-kern %s\n", LAB_VERSION_STRING); exit(LAB_EXIT_OK);
		case 'v': lab_set_verbose(true); break;
		case 'h': usage(stdout); exit(LAB_EXIT_OK);
		default: usage(stderr); exit(LAB_EXIT_USAGE);
		}
	}
	if (optind < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	r->so.busy_poll = r->mode == MODE_BUSY_POLL;
	char err[300];
	if (r->hw && !*r->so.iface)
		lab_die(LAB_EXIT_USAGE, "--hw needs --iface: the real NIC to reflect on");
	if (lab_scope_check_iface(*r->so.iface ? r->so.iface : "any interface", r->hw, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "%s", err);
}

static uint64_t udp_rcvbuf_delta(const struct run *r)
{
	return r->snmp_ok ? (r->snmp4 - r->snmp4_start) + (r->snmp6 - r->snmp6_start) : 0;
}

/* This socket's drops that RcvbufErrors did not count (checksum, filter, memory accounting). */
static uint64_t socket_other_drops(const struct run *r)
{
	uint64_t rb = udp_rcvbuf_delta(r);
	return r->sk_drops > rb ? r->sk_drops - rb : 0;
}

/* Bring the drop counters up to date: the namespace's snmp tables and the socket's sk_drops. */
static void read_drops(struct run *r)
{
	uint32_t d;
	bool have6;
	if (r->snmp_ok && kern_snmp_read(&r->snmp4, &r->snmp6, &have6) < 0)
		lab_debug("re-reading /proc/net/snmp: %s", strerror(errno));
	if (kern_sock_drops(&r->sk, &d) == 0 && d > r->sk_drops)
		r->sk_drops = d;
}

static void opt_json(struct lab_json *j, const char *key, const struct kern_opt_state *s)
{
	lab_json_obj(j, key);
	lab_json_bool(j, "asked", s->asked);
	lab_json_bool(j, "took", s->took);
	lab_json_bool(j, "read_back", s->read_back);
	if (s->asked)
		lab_json_i64(j, "value", s->value);
	if (s->err)
		lab_json_str(j, "error", strerror(s->err));
	lab_json_obj_end(j);
}

static void write_stats(struct lab_json *j, void *arg)
{
	struct run *r = arg;
	lab_json_str(j, "path", "kernel");
	lab_json_str(j, "mode", mode_names[r->mode]);
	lab_json_str(j, "iface", r->so.iface ? r->so.iface : "");
	lab_json_str(j, "bind", r->sk.desc);
	lab_json_u64(j, "port", r->so.port);
	lab_json_i64(j, "cpu", r->cpu);
	lab_json_str(j, "sched", r->fifo_prio ? "fifo" : "other");
	lab_json_i64(j, "fifo_priority", r->fifo_prio);
	lab_json_u64(j, "batch", r->batch);
	lab_json_dbl(j, "duration_s", (double)(lab_now_ns() - r->start_ns) / 1e9);
	lab_json_u64(j, "received", r->c.received);
	lab_json_u64(j, "reflected", r->c.reflected);
	lab_json_u64(j, "not_lab", r->c.not_lab);
	lab_json_u64(j, "malformed", r->c.malformed);
	lab_json_u64(j, "tx_errors", r->c.tx_errors);
	lab_json_obj(j, "not_lab_by");
	lab_json_u64(j, "already_reflected", r->c.already_reflected);
	lab_json_obj_end(j);
	lab_json_obj(j, "malformed_by");
	for (int v = LAB_E_MALFORMED_FIRST; v < LAB_E_COUNT; v++)
		if (r->c.by_verdict[v])
			lab_json_u64(j, lab_verdict_name(v), r->c.by_verdict[v]);
	lab_json_u64(j, "oversize", r->c.truncated);
	lab_json_obj_end(j);
	if (r->last_tx_errno)
		lab_json_str(j, "last_tx_error", strerror(r->last_tx_errno));
	/* The analysis subtracts every drops key from sent - received, so the keys must count
	 * different packets: a receive-buffer overflow raises both RcvbufErrors and sk_drops. */
	lab_json_obj(j, "drops");
	lab_json_u64(j, "udp_rcvbuf_errors", udp_rcvbuf_delta(r));
	lab_json_u64(j, "socket_rxq_ovfl", socket_other_drops(r));
	lab_json_obj_end(j);
	lab_json_obj(j, "drops_raw");
	lab_json_u64(j, "socket_rxq_ovfl", r->sk_drops);
	lab_json_u64(j, "udp_rcvbuf_errors", udp_rcvbuf_delta(r));
	lab_json_obj_end(j);
	lab_json_obj(j, "snmp");
	lab_json_bool(j, "read", r->snmp_ok);
	lab_json_u64(j, "udp_rcvbuf_errors_v4", r->snmp4 - r->snmp4_start);
	lab_json_u64(j, "udp_rcvbuf_errors_v6", r->snmp6 - r->snmp6_start);
	lab_json_bool(j, "ipv6", r->have6);
	lab_json_obj_end(j);
	lab_json_obj(j, "clock");
	lab_json_str(j, "rx_time", r->sk.timestamping.took ? "SO_TIMESTAMPING software RX, CLOCK_REALTIME - offset"
							    : "CLOCK_MONOTONIC at recvmmsg return");
	lab_json_str(j, "tx_time", "CLOCK_MONOTONIC just before sendmmsg");
	lab_json_u64(j, "rt_offset_err_ns", r->clk.err_max_ns);
	lab_json_u64(j, "rt_offset_drift_ns", r->clk.drift_max_ns);
	lab_json_i64(j, "rt_offset_ns", r->clk.off_ns);
	lab_json_u64(j, "measurements", r->clk.measurements);
	lab_json_u64(j, "rx_timestamps_missing", r->c.rx_ts_missing);
	lab_json_obj_end(j);
	lab_json_obj(j, "socket");
	opt_json(j, "so_timestamping", &r->sk.timestamping);
	opt_json(j, "so_rxq_ovfl", &r->sk.rxq_ovfl);
	opt_json(j, "so_busy_poll", &r->sk.busy_poll);
	opt_json(j, "so_prefer_busy_poll", &r->sk.prefer_busy_poll);
	opt_json(j, "so_busy_poll_budget", &r->sk.busy_poll_budget);
	lab_json_u64(j, "napi_id", kern_sock_napi_id(&r->sk));
	lab_json_str(j, "napi_defer_hard_irqs", r->napi_defer);
	lab_json_str(j, "gro_flush_timeout", r->gro_flush);
	lab_json_obj_end(j);
}

static void print_totals(struct run *r)
{
	printf("%s: totals: mode %s received %" PRIu64 " reflected %" PRIu64 " not_lab %" PRIu64
	       " malformed %" PRIu64 " tx_errors %" PRIu64 " | drops udp_rcvbuf_errors %" PRIu64
	       " socket_rxq_ovfl %" PRIu64 " (sk_drops %" PRIu32 ") | clock rt_offset_err_ns %" PRIu64
	       " rt_offset_drift_ns %" PRIu64 " rx_timestamps_missing %" PRIu64 "\n",
	       lab_prog(), mode_names[r->mode], r->c.received, r->c.reflected, r->c.not_lab,
	       r->c.malformed, r->c.tx_errors, udp_rcvbuf_delta(r), socket_other_drops(r), r->sk_drops,
	       r->clk.err_max_ns,
	       r->clk.drift_max_ns, r->c.rx_ts_missing);
	fflush(stdout);
}

static void print_interval(struct run *r, double dt_s, const struct kern_counts *prev)
{
	fprintf(stderr, "%s: interval: rx %" PRIu64 " (%.0f pps) reflected %" PRIu64 " (%.0f pps)"
		" not_lab %" PRIu64 " malformed %" PRIu64 " tx_errors %" PRIu64
		" udp_rcvbuf_errors %" PRIu64 " socket_rxq_ovfl %" PRIu64 " (sk_drops %" PRIu32 ")"
		" rt_offset_err_ns %" PRIu64 " rt_offset_drift_ns %" PRIu64 "\n",
		lab_prog(), r->c.received, (double)(r->c.received - prev->received) / dt_s,
		r->c.reflected, (double)(r->c.reflected - prev->reflected) / dt_s, r->c.not_lab,
		r->c.malformed, r->c.tx_errors, udp_rcvbuf_delta(r), socket_other_drops(r), r->sk_drops,
		r->clk.err_ns,
		r->clk.drift_ns);
}

/* Receive slots are re-armed after use: the kernel overwrites the lengths. */
static void arm_rx(struct run *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *m = &r->rx[i].msg_hdr;
		r->riov[i].iov_base = r->data + (size_t)i * SLOT_BYTES;
		r->riov[i].iov_len = SLOT_BYTES;
		m->msg_name = &r->names[i];
		m->msg_namelen = sizeof(r->names[i]);
		m->msg_iov = &r->riov[i];
		m->msg_iovlen = 1;
		m->msg_control = r->rctl[i];
		m->msg_controllen = sizeof(r->rctl[i]);
		m->msg_flags = 0;
	}
}

/* Hand k replies to the kernel; a refused one is counted and skipped, the rest still go. */
static void send_all(struct run *r, unsigned k)
{
	unsigned off = 0;
	int eintr = 0;
	while (off < k) {
		int s = sendmmsg(r->sk.fd, r->tx + off, k - off, 0);
		if (s > 0) {
			r->c.reflected += (unsigned)s;
			off += (unsigned)s;
			continue;
		}
		if (s < 0 && errno == EINTR && eintr++ < 3)
			continue;
		if (r->last_tx_errno != errno || !r->c.tx_errors)
			lab_warn("sendmmsg: %s (counted in tx_errors)", strerror(errno));
		r->last_tx_errno = errno;
		r->c.tx_errors++;
		off++;
	}
}

static void handle_batch(struct run *r, unsigned n)
{
	uint64_t recv_ns = lab_now_ns(), tx_ns;
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct kern_rx_meta meta;
		struct kern_pkt *p = &r->pkts[i];
		kern_rx_meta_parse(&r->rx[i].msg_hdr, &meta);
		if (meta.have_ovfl && meta.ovfl > r->sk_drops)
			r->sk_drops = meta.ovfl;
		p->payload = r->riov[i].iov_base;
		p->len = r->rx[i].msg_len;
		p->truncated = r->rx[i].msg_hdr.msg_flags & MSG_TRUNC;
		if (meta.have_ts) {
			p->rx_ns = kern_clock_to_mono_ns(&r->clk, meta.rt_ns);
		} else {
			p->rx_ns = recv_ns;
			r->c.rx_ts_missing++;
		}
		if (kern_classify(&r->c, p, 1)) {
			struct msghdr *m = &r->tx[k].msg_hdr;
			m->msg_controllen = kern_tx_cmsg_build(&meta, r->tctl[k], sizeof(r->tctl[k]));
			m->msg_name = &r->names[i];
			m->msg_namelen = r->rx[i].msg_hdr.msg_namelen;
			r->tiov[k].iov_base = p->payload;
			r->tiov[k].iov_len = p->len;
			m->msg_iov = &r->tiov[k];
			m->msg_iovlen = 1;
			m->msg_control = m->msg_controllen ? r->tctl[k] : NULL;
			m->msg_flags = 0;
			k++;
		}
	}
	if (k) {
		tx_ns = lab_now_ns();
		kern_reflect(r->pkts, n, tx_ns);
		send_all(r, k);
	}
	arm_rx(r, n);
}

static bool idle_errno(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static int run_loop(struct run *r)
{
	uint64_t now_ns = lab_now_ns();
	uint64_t interval_ns = (uint64_t)(r->stats_interval_s * 1e9);
	uint64_t clock_ns = (uint64_t)(r->clock_interval_s * 1e9);
	uint64_t next_stats_ns = interval_ns ? now_ns + interval_ns : UINT64_MAX, last_ns = now_ns;
	uint64_t next_clock_ns = now_ns + clock_ns;
	struct kern_counts prev = r->c;
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = -1, rc = 0;

	if (r->mode == MODE_EPOLL) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r->sk.fd, &ev) < 0) {
			lab_err("epoll: %s", strerror(errno));
			if (ep >= 0)
				close(ep);
			return -1;
		}
	}
	arm_rx(r, r->batch);
	while (!lab_stop) {
		int n;
		if (r->mode == MODE_BLOCKING) {
			/* sleeps for the first datagram (at most SO_RCVTIMEO), takes what else is queued */
			n = recvmmsg(r->sk.fd, r->rx, r->batch, MSG_WAITFORONE, NULL);
		} else if (r->mode == MODE_BUSY_POLL) {
			/* MSG_DONTWAIT: each call runs one busy-poll round of the NAPI context */
			n = recvmmsg(r->sk.fd, r->rx, r->batch, MSG_DONTWAIT, NULL);
		} else {
			n = epoll_wait(ep, &ev, 1, WAIT_MS);
			if (n > 0)
				n = recvmmsg(r->sk.fd, r->rx, r->batch, MSG_DONTWAIT, NULL);
			else if (n == 0)
				n = -1, errno = EAGAIN;
		}
		if (n > 0) {
			handle_batch(r, (unsigned)n);
		} else if (n < 0 && !idle_errno(errno)) {
			lab_err("receive on %s: %s", r->sk.desc, strerror(errno));
			rc = -1;
			break;
		}
		now_ns = lab_now_ns();
		if (now_ns >= r->end_ns)
			break;
		if (now_ns >= next_clock_ns) {
			kern_clock_measure(&r->clk);
			next_clock_ns = now_ns + clock_ns;
		}
		if (now_ns >= next_stats_ns) {
			read_drops(r);
			print_interval(r, (double)(now_ns - last_ns) / 1e9, &prev);
			prev = r->c;
			last_ns = now_ns;
			next_stats_ns = now_ns + interval_ns;
		}
	}
	if (ep >= 0)
		close(ep);
	return rc;
}

static void read_sysfs(const char *iface, const char *file, char *out, size_t cap)
{
	char path[256];
	FILE *f;
	snprintf(out, cap, "unknown");
	if (!iface || !*iface)
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", iface, file);
	if (!(f = fopen(path, "re")))
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static const char *opt_word(const struct kern_opt_state *s)
{
	return s->took ? (s->read_back ? "took" : "set (the kernel cannot read it back)")
		       : s->err ? strerror(s->err) : "not taken (read back differs)";
}

static void announce(struct run *r)
{
	char bp[256] = "", cpu[32] = "not pinned";
	if (r->mode == MODE_BUSY_POLL)
		snprintf(bp, sizeof(bp), "; SO_BUSY_POLL %u us: %s, SO_PREFER_BUSY_POLL: %s, "
			 "SO_BUSY_POLL_BUDGET %u: %s; %s napi_defer_hard_irqs %s gro_flush_timeout %s",
			 r->so.busy_poll_us, opt_word(&r->sk.busy_poll), opt_word(&r->sk.prefer_busy_poll),
			 r->so.busy_poll_budget, opt_word(&r->sk.busy_poll_budget), r->so.iface,
			 r->napi_defer, r->gro_flush);
	if (r->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "cpu %d", r->cpu);
	lab_info("mode %s: %s%s%s, batch %u, %s%s; rx time: %s (offset bracket +-%" PRIu64
		 " ns); tx time: CLOCK_MONOTONIC just before sendmmsg%s",
		 mode_names[r->mode], r->sk.desc, r->so.iface && *r->so.iface ? " on " : "",
		 r->so.iface ? r->so.iface : "", r->batch, cpu, r->fifo_prio ? ", SCHED_FIFO" : "",
		 r->sk.timestamping.took ? "SO_TIMESTAMPING software, CLOCK_REALTIME - offset"
					 : "clock at recvmmsg return (SO_TIMESTAMPING refused)",
		 r->clk.err_ns, bp);
}

int main(int argc, char **argv)
{
	struct run *r = calloc(1, sizeof(*r));
	char err[512] = "";
	int rc, exit_code = LAB_EXIT_OK;

	lab_log_init(argv[0]);
	if (!r)
		lab_die(LAB_EXIT_RUNTIME, "out of memory");
	parse_args(r, argc, argv);
	lab_install_stop_signals();
	if ((rc = lab_pin_cpu(r->cpu)) < 0)
		lab_die(LAB_EXIT_USAGE, "--cpu %d: cannot pin to it: %s", r->cpu, strerror(-rc));
	if (r->fifo_prio) {
		struct sched_param sp = {.sched_priority = r->fifo_prio};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			lab_die(LAB_EXIT_USAGE, "--fifo %d: SCHED_FIFO refused: %s (needs root or CAP_SYS_NICE)",
				r->fifo_prio, strerror(errno));
	}
	r->data = malloc((size_t)r->batch * SLOT_BYTES);
	if (!r->data)
		lab_die(LAB_EXIT_RUNTIME, "out of memory for %u receive slots", r->batch);

	rc = kern_sock_open(&r->sk, &r->so, err, sizeof(err));
	if (rc < 0)
		lab_die(rc == -2 ? LAB_EXIT_USAGE : LAB_EXIT_RUNTIME, "%s", err);
	/* set up: the loop and the counters need no privilege (SO_BUSY_POLL above the sysctl
	 * needed CAP_NET_ADMIN, and that is done) */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
	if (!r->sk.timestamping.took)
		lab_warn("SO_TIMESTAMPING refused (%s): receive times are read at recvmmsg return",
			 strerror(r->sk.timestamping.err));
	if (r->mode == MODE_BUSY_POLL &&
	    !(r->sk.busy_poll.took && r->sk.prefer_busy_poll.took && r->sk.busy_poll_budget.took))
		lab_warn("not every busy-poll option took (see below): the loop still spins non-blocking");
	read_sysfs(r->so.iface, "napi_defer_hard_irqs", r->napi_defer, sizeof(r->napi_defer));
	read_sysfs(r->so.iface, "gro_flush_timeout", r->gro_flush, sizeof(r->gro_flush));

	r->snmp_ok = kern_snmp_read(&r->snmp4_start, &r->snmp6_start, &r->have6) == 0;
	if (!r->snmp_ok)
		lab_warn("/proc/net/snmp: %s: udp_rcvbuf_errors will read 0", strerror(errno));
	r->snmp4 = r->snmp4_start;
	r->snmp6 = r->snmp6_start;
	kern_clock_measure(&r->clk);
	r->start_ns = lab_now_ns();
	r->end_ns = r->duration_s > 0 ? r->start_ns + (uint64_t)(r->duration_s * 1e9) : UINT64_MAX;
	announce(r);
	if (r->ready_file && lab_write_ready_file(r->ready_file) < 0) {
		lab_err("--ready-file %s: %s", r->ready_file, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
		goto out;
	}
	if (run_loop(r) < 0)
		exit_code = LAB_EXIT_RUNTIME;
out:
	kern_clock_measure(&r->clk);
	read_drops(r);
	print_totals(r);
	if (r->stats_json && lab_json_write_file(r->stats_json, write_stats, r) < 0) {
		lab_err("--stats-json %s: %s", r->stats_json, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
	}
	kern_sock_close(&r->sk);
	free(r->data);
	free(r);
	return exit_code;
}
