/* lab_xsk.c — lab-xsk: the AF_XDP reflector of the xsk path (the XDP program steers lab traffic
 * to a socket, this loop swaps, stamps and sends it back), and with --mode xdptx the floor of
 * the wire (the XDP program reflects in the driver; this process only holds it and counts). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/capability.h>

#include "caps.h"
#include "clock.h"
#include "frame.h"
#include "log.h"
#include "util.h"
#include "xsk_port.h"

#define BATCH_MAX 256

struct counts {
	uint64_t received, reflected, not_lab, malformed, tx_errors;
};

struct run {
	struct xsk_port_opts po;
	bool xdptx;
	int cpu;
	const char *ready_file, *stats_json;
	double stats_interval_s, duration_s;
	unsigned batch;
	bool spin, hw;
	struct xsk_port *port;
	struct counts c;
	struct xsk_port_stats st;
	uint64_t start_ns;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: lab-xsk [options]\n"
"The AF_XDP reflector of the lab's xsk path: an XDP program steers lab traffic (UDP to --port\n"
"with a lab header, not yet reflected) to an AF_XDP socket on --queue; lab-xsk swaps MAC, IP\n"
"and ports, stamps receive and transmit times (CLOCK_MONOTONIC ns), keeps the UDP checksum\n"
"valid and sends it back. Everything else goes to the kernel (ARP, ND, other ports).\n"
"With --mode xdptx the XDP program reflects in the driver (XDP_TX), the floor of the wire,\n"
"and lab-xsk only holds it attached and reports its counters.\n"
"\n"
"  --iface IF            interface, in the current network namespace (default dut0); refused\n"
"                        outside the lab namespaces (<prefix>-gen/-dut) unless --hw\n"
"  --hw                  --iface is a real NIC (checked), named on purpose outside the lab\n"
"  --port N              UDP destination port of lab traffic (default 7777)\n"
"  --queue N             RX/TX queue to bind (default 0)\n"
"  --mode xsk|xdptx      reflect in userspace over AF_XDP, or in the driver (default xsk)\n"
"  --cpu N               pin the reflecting thread to CPU N (default: not pinned)\n"
"  --ready-file PATH     write our pid to PATH (atomically) once reflecting\n"
"  --stats-json PATH     write the counters as JSON to PATH on exit\n"
"  --stats-interval S    print counters and rates to stderr every S seconds (0 = never; default 0)\n"
"  --duration S          stop after S seconds (0 = until SIGINT/SIGTERM; default 0)\n"
"  --xdp-mode M          auto (native, else generic with a note), native or generic (default auto)\n"
"  --copy                force AF_XDP copy mode\n"
"  --zerocopy            require zero-copy (fail if the driver cannot)\n"
"  --hugepages           back the UMEM with 2 MiB hugepages\n"
"  --frames N            UMEM frames, a power of two (default 4096)\n"
"  --frame-size N        UMEM frame size, 2048 or 4096 (default 2048)\n"
"  --ring N              ring entries, a power of two (default 2048)\n"
"  --batch N             frames per RX/TX batch, 1-%d (default 64)\n"
"  --busy-poll           SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET; spins\n"
"  --busy-poll-us N      SO_BUSY_POLL microseconds (default 20)\n"
"  --busy-poll-budget N  SO_BUSY_POLL_BUDGET packets (default 64)\n"
"  --spin                never sleep when idle (lowest latency, one core at 100%%)\n"
"  --no-need-wakeup      do not use XDP_USE_NEED_WAKEUP (a syscall on every TX batch)\n"
"  -v, --verbose         debug output (libbpf messages, the verifier log on failure)\n"
"  -h, --help            this text\n"
"\n"
"Exit: 0 ok, 1 runtime failure, 2 usage or configuration error (e.g. another XDP program on\n"
"the interface, or another lab-xsk running on it). SIGINT/SIGTERM detach and print totals.\n",
		BATCH_MAX);
}

static void parse_args(struct run *r, int argc, char **argv)
{
	enum { O_IFACE = 256, O_PORT, O_QUEUE, O_MODE, O_CPU, O_READY, O_STATS, O_INTERVAL,
	       O_DURATION, O_XDPMODE, O_COPY, O_ZC, O_HUGE, O_FRAMES, O_FSIZE, O_RING, O_BATCH,
	       O_BUSY, O_BUSY_US, O_BUSY_BUDGET, O_SPIN, O_NOWAKE, O_HW };
	static const struct option opts[] = {
		{"iface", required_argument, 0, O_IFACE},
		{"hw", no_argument, 0, O_HW},
		{"port", required_argument, 0, O_PORT},
		{"queue", required_argument, 0, O_QUEUE},
		{"mode", required_argument, 0, O_MODE},
		{"cpu", required_argument, 0, O_CPU},
		{"ready-file", required_argument, 0, O_READY},
		{"stats-json", required_argument, 0, O_STATS},
		{"stats-interval", required_argument, 0, O_INTERVAL},
		{"duration", required_argument, 0, O_DURATION},
		{"xdp-mode", required_argument, 0, O_XDPMODE},
		{"copy", no_argument, 0, O_COPY},
		{"zerocopy", no_argument, 0, O_ZC},
		{"hugepages", no_argument, 0, O_HUGE},
		{"frames", required_argument, 0, O_FRAMES},
		{"frame-size", required_argument, 0, O_FSIZE},
		{"ring", required_argument, 0, O_RING},
		{"batch", required_argument, 0, O_BATCH},
		{"busy-poll", no_argument, 0, O_BUSY},
		{"busy-poll-us", required_argument, 0, O_BUSY_US},
		{"busy-poll-budget", required_argument, 0, O_BUSY_BUDGET},
		{"spin", no_argument, 0, O_SPIN},
		{"no-need-wakeup", no_argument, 0, O_NOWAKE},
		{"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;

	xsk_port_opts_default(&r->po);
	r->cpu = -1;
	r->batch = 64;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_IFACE: r->po.iface = optarg; break;
		case O_HW: r->hw = true; break;
		case O_PORT: r->po.port = (uint16_t)lab_parse_u64("port", optarg, 1, 65535); break;
		case O_QUEUE: r->po.queue = (uint32_t)lab_parse_u64("queue", optarg, 0, LAB_XDP_XSKMAP_MAX - 1); break;
		case O_MODE:
			if (!strcmp(optarg, "xsk"))
				r->xdptx = false;
			else if (!strcmp(optarg, "xdptx"))
				r->xdptx = true;
			else
				lab_die(LAB_EXIT_USAGE, "--mode: '%s' is not xsk or xdptx", optarg);
			break;
		case O_CPU: r->cpu = (int)lab_parse_u64("cpu", optarg, 0, 4095); break;
		case O_READY: r->ready_file = optarg; break;
		case O_STATS: r->stats_json = optarg; break;
		case O_INTERVAL: r->stats_interval_s = lab_parse_double("stats-interval", optarg, 0, 86400); break;
		case O_DURATION: r->duration_s = lab_parse_double("duration", optarg, 0, 86400 * 365); break;
		case O_XDPMODE:
			if (!strcmp(optarg, "auto"))
				r->po.attach = XSK_PORT_ATTACH_AUTO;
			else if (!strcmp(optarg, "native"))
				r->po.attach = XSK_PORT_ATTACH_NATIVE;
			else if (!strcmp(optarg, "generic"))
				r->po.attach = XSK_PORT_ATTACH_GENERIC;
			else
				lab_die(LAB_EXIT_USAGE, "--xdp-mode: '%s' is not auto, native or generic", optarg);
			break;
		case O_COPY: r->po.copy = XSK_PORT_COPY_FORCE; break;
		case O_ZC: r->po.copy = XSK_PORT_ZEROCOPY_FORCE; break;
		case O_HUGE: r->po.hugepages = true; break;
		case O_FRAMES: r->po.frames = (uint32_t)lab_parse_u64("frames", optarg, 64, 1u << 20); break;
		case O_FSIZE: r->po.frame_size = (uint32_t)lab_parse_u64("frame-size", optarg, 2048, 4096); break;
		case O_RING: r->po.ring_size = (uint32_t)lab_parse_u64("ring", optarg, 64, 1u << 16); break;
		case O_BATCH: r->batch = (unsigned)lab_parse_u64("batch", optarg, 1, BATCH_MAX); break;
		case O_BUSY: r->po.busy_poll = true; break;
		case O_BUSY_US: r->po.busy_poll_us = (uint32_t)lab_parse_u64("busy-poll-us", optarg, 0, 1000000); break;
		case O_BUSY_BUDGET: r->po.busy_poll_budget = (uint32_t)lab_parse_u64("busy-poll-budget", optarg, 1, 65535); break;
		case O_SPIN: r->spin = true; break;
		case O_NOWAKE: r->po.need_wakeup = false; break;
		case 'v': lab_set_verbose(true); break;
		case 'h': usage(stdout); exit(LAB_EXIT_OK);
		default: usage(stderr); exit(LAB_EXIT_USAGE);
		}
	}
	if (optind < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	char err[300];
	if (lab_scope_check_iface(r->po.iface, r->hw, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "%s", err);
	r->po.mode = r->xdptx ? LAB_XDP_MODE_XDPTX : LAB_XDP_MODE_XSK;
	r->po.reflected = LAB_XDP_REFL_FORBID;
	/* the fill ring holds at most ring entries; the rest of the UMEM is headroom for TX */
	r->po.rx_frames = r->po.ring_size;
	if (r->po.ring_size > r->po.frames)
		lab_die(LAB_EXIT_USAGE, "--ring %u is larger than --frames %u", r->po.ring_size, r->po.frames);
}

/* In xdptx mode the program's counters are the reflector's. */
static void counts_now(struct run *r, struct counts *c)
{
	if (!r->xdptx) {
		*c = r->c;
		return;
	}
	c->received = r->st.bpf[LAB_XDP_C_LAB];
	c->reflected = r->st.bpf[LAB_XDP_C_TX];
	c->not_lab = r->st.bpf[LAB_XDP_C_PASSED];
	c->malformed = r->st.bpf[LAB_XDP_C_MALFORMED];
	c->tx_errors = r->st.bpf[LAB_XDP_C_ERRORS];
}

static void write_stats(struct lab_json *j, void *arg)
{
	struct run *r = arg;
	struct counts c;
	static const char *const bpf_names[LAB_XDP_C_COUNT] = {
		[LAB_XDP_C_LAB] = "lab", [LAB_XDP_C_PASSED] = "passed",
		[LAB_XDP_C_MALFORMED] = "malformed", [LAB_XDP_C_REDIRECTED] = "redirected",
		[LAB_XDP_C_TX] = "tx", [LAB_XDP_C_ERRORS] = "errors",
	};

	counts_now(r, &c);
	lab_json_str(j, "path", r->xdptx ? "xdptx" : "xsk");
	lab_json_str(j, "mode", xsk_port_mode_string(r->port));
	lab_json_str(j, "iface", r->po.iface);
	lab_json_u64(j, "queue", r->po.queue);
	lab_json_u64(j, "port", r->po.port);
	lab_json_i64(j, "cpu", r->cpu);
	lab_json_bool(j, "zerocopy", xsk_port_zerocopy(r->port));
	lab_json_bool(j, "native_xdp", xsk_port_native(r->port));
	lab_json_bool(j, "busy_poll", r->po.busy_poll);
	lab_json_bool(j, "hugepages", r->po.hugepages);
	lab_json_dbl(j, "duration_s", (double)(lab_now_ns() - r->start_ns) / 1e9);
	lab_json_u64(j, "received", c.received);
	lab_json_u64(j, "reflected", c.reflected);
	lab_json_u64(j, "not_lab", c.not_lab);
	lab_json_u64(j, "malformed", c.malformed);
	lab_json_u64(j, "tx_errors", c.tx_errors);
	lab_json_obj(j, "bpf");
	for (int i = 0; i < LAB_XDP_C_COUNT; i++)
		lab_json_u64(j, bpf_names[i], r->st.bpf[i]);
	lab_json_obj_end(j);
	lab_json_obj(j, "drops");
	if (r->xdptx) {
		lab_json_u64(j, "xdp_errors", r->st.bpf[LAB_XDP_C_ERRORS]);
	} else {
		lab_json_u64(j, "xsk_rx_dropped", r->st.rx_dropped);
		lab_json_u64(j, "xsk_rx_ring_full", r->st.rx_ring_full);
		lab_json_u64(j, "xsk_fill_ring_empty", r->st.rx_fill_ring_empty_descs);
		lab_json_u64(j, "xsk_tx_invalid", r->st.tx_invalid_descs);
		lab_json_u64(j, "xsk_no_socket", r->st.bpf[LAB_XDP_C_ERRORS]);
		lab_json_u64(j, "xsk_tx_ring_full", r->st.tx_ring_full);
	}
	lab_json_obj_end(j);
	/* Not drops: copy mode counts tx_ring_empty once at the end of every send call. */
	lab_json_obj(j, "diagnostics");
	lab_json_u64(j, "xsk_tx_ring_empty", r->st.tx_ring_empty_descs);
	lab_json_obj_end(j);
}

static void print_line(struct run *r, const char *what, double dt_s, const struct counts *prev)
{
	struct counts c;
	counts_now(r, &c);
	if (prev && dt_s > 0)
		fprintf(stderr, "%s: %s rx %" PRIu64 " (%.0f pps) reflected %" PRIu64 " (%.0f pps) not_lab %" PRIu64
			" malformed %" PRIu64 " tx_errors %" PRIu64 "\n", lab_prog(), what, c.received,
			(double)(c.received - prev->received) / dt_s, c.reflected,
			(double)(c.reflected - prev->reflected) / dt_s, c.not_lab, c.malformed, c.tx_errors);
	else
		printf("%s: %s: %s received %" PRIu64 " reflected %" PRIu64 " not_lab %" PRIu64
		       " malformed %" PRIu64 " tx_errors %" PRIu64 " | bpf lab %" PRIu64 " passed %" PRIu64
		       " malformed %" PRIu64 " redirected %" PRIu64 " tx %" PRIu64 " errors %" PRIu64
		       " | xsk rx_dropped %" PRIu64 " rx_ring_full %" PRIu64 " fill_ring_empty %" PRIu64
		       " tx_invalid %" PRIu64 " tx_ring_empty %" PRIu64 "\n",
		       lab_prog(), what, xsk_port_mode_string(r->port), c.received, c.reflected, c.not_lab,
		       c.malformed, c.tx_errors, r->st.bpf[LAB_XDP_C_LAB], r->st.bpf[LAB_XDP_C_PASSED],
		       r->st.bpf[LAB_XDP_C_MALFORMED], r->st.bpf[LAB_XDP_C_REDIRECTED],
		       r->st.bpf[LAB_XDP_C_TX], r->st.bpf[LAB_XDP_C_ERRORS], r->st.rx_dropped,
		       r->st.rx_ring_full, r->st.rx_fill_ring_empty_descs, r->st.tx_invalid_descs,
		       r->st.tx_ring_empty_descs);
}

/* One RX batch: classify, stamp rx at receipt and tx just before the kick, send back. */
static void reflect_batch(struct run *r, struct xsk_port_desc *d, unsigned n)
{
	struct xsk_port_desc keep[BATCH_MAX];
	struct lab_parsed pp[BATCH_MAX];
	uint64_t drop[BATCH_MAX];
	unsigned m = 0, nd = 0, k;
	uint64_t rx_ns = lab_now_ns(), tx_ns;

	r->c.received += n;
	for (unsigned i = 0; i < n; i++) {
		enum lab_verdict v = lab_frame_parse(d[i].data, d[i].len, r->po.port, &pp[m]);
		if (v == LAB_OK && !(pp[m].hdr->flags & LAB_F_REFLECTED)) {
			keep[m++] = d[i];
			continue;
		}
		if (lab_verdict_malformed(v))
			r->c.malformed++;
		else
			r->c.not_lab++;
		drop[nd++] = d[i].addr;
	}
	if (nd)
		xsk_port_release(r->port, drop, nd);
	if (!m)
		return;
	tx_ns = lab_now_ns();
	for (unsigned i = 0; i < m; i++)
		lab_frame_reflect(keep[i].data, &pp[i], rx_ns, tx_ns);
	k = xsk_port_tx(r->port, keep, m);
	r->c.reflected += k;
	if (k < m) {
		r->c.tx_errors += m - k;
		for (unsigned i = k; i < m; i++)
			drop[i - k] = keep[i].addr;
		xsk_port_release(r->port, drop, m - k);
	}
}

static int run_loop(struct run *r)
{
	struct xsk_port_desc d[BATCH_MAX];
	uint64_t now_ns = lab_now_ns();
	uint64_t end_ns = r->duration_s > 0 ? now_ns + (uint64_t)(r->duration_s * 1e9) : UINT64_MAX;
	uint64_t interval_ns = (uint64_t)(r->stats_interval_s * 1e9);
	uint64_t next_ns = interval_ns ? now_ns + interval_ns : UINT64_MAX, last_ns = now_ns;
	struct counts prev = {0};
	int rc;

	while (!lab_stop) {
		unsigned n = r->xdptx ? 0 : xsk_port_rx(r->port, d, r->batch);
		if (n) {
			reflect_batch(r, d, n);
		}
		if ((rc = xsk_port_kick(r->port)) < 0) {
			lab_err("%s: transmit kick failed: %s", r->po.iface, strerror(-rc));
			return rc;
		}
		xsk_port_complete(r->port);
		now_ns = lab_now_ns();
		if (now_ns >= end_ns)
			break;
		if (now_ns >= next_ns) {
			if (xsk_port_stats(r->port, &r->st) == 0)
				print_line(r, "interval:", (double)(now_ns - last_ns) / 1e9, &prev);
			counts_now(r, &prev);
			last_ns = now_ns;
			next_ns = now_ns + interval_ns;
		}
		if (n)
			continue;
		if (r->spin || r->po.busy_poll) {
			if ((rc = xsk_port_wakeup_rx(r->port)) < 0) {
				lab_err("%s: RX wakeup failed: %s", r->po.iface, strerror(-rc));
				return rc;
			}
			continue;
		}
		/* Asleep until traffic or at most 100 ms: SIGINT interrupts poll, the bound keeps
		 * --duration and --stats-interval on time. */
		rc = xsk_port_poll(r->port, 100);
		if (rc < 0 && rc != -EINTR) {
			lab_err("%s: poll: %s", r->po.iface, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = {0};
	char err[512] = "";
	int rc, exit_code = LAB_EXIT_OK;

	lab_log_init(argv[0]);
	parse_args(&r, argc, argv);
	lab_install_stop_signals();
	if ((rc = lab_pin_cpu(r.cpu)) < 0)
		lab_die(LAB_EXIT_USAGE, "--cpu %d: cannot pin to it: %s", r.cpu, strerror(-rc));

	rc = xsk_port_open(&r.port, &r.po, err, sizeof(err));
	if (rc) {
		bool config = rc == -EEXIST || rc == -EBUSY || rc == -ENODEV || rc == -EINVAL ||
			      rc == -EPERM;
		lab_die(config ? LAB_EXIT_USAGE : LAB_EXIT_RUNTIME, "%s", err);
	}
	/* set up: the loop needs no privilege; detaching the program at exit needs CAP_NET_ADMIN
	 * (a netlink request), nothing else does (map reads go through fds we hold) */
	static const int keep[] = {CAP_NET_ADMIN};
	if (lab_caps_keep(keep, 1, err, sizeof(err)) < 0) {
		lab_err("dropping capabilities: %s", err);
		exit_code = LAB_EXIT_RUNTIME;
		goto out;
	}
	r.start_ns = lab_now_ns();
	lab_info("%s queue %u: %s, reflecting UDP port %u%s", r.po.iface, r.po.queue,
		 xsk_port_mode_string(r.port), r.po.port, r.cpu >= 0 ? "" : " (not pinned)");
	if (r.ready_file && lab_write_ready_file(r.ready_file) < 0) {
		lab_err("--ready-file %s: %s", r.ready_file, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
		goto out;
	}
	if (run_loop(&r) < 0)
		exit_code = LAB_EXIT_RUNTIME;
out:
	if ((rc = xsk_port_stats(r.port, &r.st)) < 0)
		lab_warn("reading the counters: %s", strerror(-rc));
	print_line(&r, "totals", 0, NULL);
	if (r.stats_json && lab_json_write_file(r.stats_json, write_stats, &r) < 0) {
		lab_err("--stats-json %s: %s", r.stats_json, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
	}
	xsk_port_close(r.port);
	return exit_code;
}
