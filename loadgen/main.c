/* main.c — lab-gen: flags, the destination guard, the interface's addresses, then the run
 * (run.c) through the chosen backend, and its outputs. Exit 0 when the run took place (loss is
 * a result), 1 on a runtime failure, 2 on a usage or configuration error (nothing sent). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/capability.h>

#include "caps.h"
#include "capture.h"
#include "clock.h"
#include "gen.h"
#include "hwts.h"
#include "stp.h"
#include "lab_config.h"
#include "lab_constants.h"
#include "log.h"
#include "netif.h"
#include "opt_table.h"
#include "rec.h"
#include "run.h"
#include "util.h"

static int parse_addr(const char *text, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, a) == 1)
		return AF_INET6;
	return -1;
}

/* What the command line says beyond gen_cfg: the choices checked once every flag is read, and
 * the values given in other units than gen_cfg keeps (us, ms: converted by convert_cli). */
struct gen_cli {
	const char *src_text, *dst_mac_text, *backend, *stamps_text, *stream_cpu_text;
	bool allow_dst, hw, version;
	bool iface_given, have_dur, have_count, have_gap, have_rate, have_cap_rate;
	double duration_s;
	int64_t count, burst_gap_us, cap_rate; /* -1: not given */
	uint64_t spin_us, tail_ms, gap_threshold_us, cap_window_us, cap_latency_us;
};

/* The flag tables' base: every flag sets a field of one or the other. */
struct gen_args {
	struct gen_cfg cfg;
	struct gen_cli cli;
};

#define C(field) LAB_FIELD(struct gen_args, cfg.field)
#define L(field) LAB_FIELD(struct gen_args, cli.field)

static const struct lab_opt where_opts[] = {
	{.name = "iface", .kind = LAB_OPT_STR, C(iface), .arg = "IF",
	 .help = "interface to send on; run inside the generator netns"},
	{.name = "dst", .kind = LAB_OPT_STR, C(dst_text), .arg = "ADDR",
	 .help = "reflector address, IPv4 or IPv6. Must be in " LAB_NET4 " or " LAB_NET6 " unless "
	 "--allow-dst and --hw are given"},
	{.name = "src", .kind = LAB_OPT_STR, L(src_text), .arg = "ADDR",
	 .unset = "the interface's address of that family", .help = "source address"},
	{.name = "dst-mac", .kind = LAB_OPT_STR, L(dst_mac_text), .arg = "MAC",
	 .unset = "from the interface's neighbour table", .help = "next hop's MAC"},
	{.name = "port", .kind = LAB_OPT_UINT, C(flow.dport), .arg = "N", .min = 1, .max = 65535,
	 .help = "destination UDP port; the source port is " LAB_PORT_GEN_STR},
	{.name = "allow-dst", .kind = LAB_OPT_SET, L(allow_dst), .value = 1,
	 .help = "allow a destination outside the benchmarking ranges (needs --hw)"},
	{.name = "rx-iface", .kind = LAB_OPT_STR, C(rx_iface), .arg = "IF",
	 .help = "the forward topology (" LAB_GEN_IF " -> DUT -> " LAB_GEN1_IF "): receive what the "
	 "DUT forwarded on IF (" LAB_GEN1_IF "), to IF's address and --port, instead of the replies "
	 "on --iface. Frames must carry the forwarded mark (LAB_F_FORWARDED) unless "
	 "--accept-unmarked (the kernel's own IP forwarding marks nothing). --dst is then the "
	 "address behind the DUT (" LAB_GEN1_IF "'s, " LAB_GEN1_V4 ") or the DUT's own for a "
	 "socket relay"},
	{.name = "flows", .kind = LAB_OPT_UINT, C(flows), .arg = "N", .min = 1, .max = 64,
	 .help = "N flows: UDP source ports " LAB_PORT_GEN_STR " .. " LAB_PORT_GEN_STR "+N-1, packet "
	 "k on flow k mod N (so a record's flow is its sequence number mod N), for RSS on the DUT "
	 "(xsk backend: up to 64)"},
	{.name = "hw", .kind = LAB_OPT_SET, L(hw), .value = 1,
	 .help = "--iface is a real NIC (checked): required by --allow-dst"},
	{0},
};

static const struct lab_opt schedule_opts[] = {
	{.name = "rate", .kind = LAB_OPT_UINT, C(sched.rate_pps), .arg = "PPS", .min = 1,
	 .max = 100000000, .help = "mean rate for const and poisson"},
	{.name = "pattern", .kind = LAB_OPT_ENUM, C(sched.pattern), .arg = "P",
	 .names = (const char *const[]){"const", "poisson", "burst", NULL},
	 .help = "const (one packet every 1/rate), poisson (exponential gaps of mean 1/rate) or "
	 "burst (--burst-size packets back to back, i.e. at the same intended time, every "
	 "--burst-gap-us)"},
	{.name = "burst-size", .kind = LAB_OPT_UINT, C(sched.burst_size), .arg = "N", .min = 1,
	 .max = 1000000, .help = "packets per burst"},
	{.name = "burst-gap-us", .kind = LAB_OPT_INT, L(burst_gap_us), .arg = "T", .min = 1,
	 .max = 3600000000ull, .unset = "burst-size/rate, so the mean rate is --rate",
	 .help = "period of the bursts in us; given explicitly, the mean rate is N/T and --rate is "
	 "not used"},
	{.name = "duration", .kind = LAB_OPT_DBL, L(duration_s), .arg = "S", .dmin = 0.000001,
	 .dmax = 86400 * 7, .help = "schedule length in seconds, decimals allowed"},
	{.name = "count", .kind = LAB_OPT_INT, L(count), .arg = "N", .min = 1, .max = 1ull << 36,
	 .help = "send exactly N packets instead (not with --duration)"},
	{.name = "seed", .kind = LAB_OPT_UINT, C(sched.seed), .arg = "N", .max = UINT64_MAX,
	 .help = "schedule seed: same seed, same intended times"},
	{.name = "size", .kind = LAB_OPT_UINT, C(frame_size), .arg = "BYTES", .min = 1, .max = 65535,
	 .help = "frame size on the wire without FCS (from 64, or the smallest that holds the "
	 "headers, to MTU+14)"},
	{.name = "stamp", .kind = LAB_OPT_SET, C(stamp), .value = 1,
	 .help = "ask the reflector to stamp its receive and transmit times"},
	{.name = "accept-unmarked", .kind = LAB_OPT_SET, C(accept_unmarked), .value = 1,
	 .help = "also take replies that lack the reflected mark (LAB_F_REFLECTED), for peer "
	 "reflectors such as dpdk-testpmd --forward-mode=5tswap that swap the headers but do not "
	 "mark or stamp (xsk: the XDP program on --iface then steers any lab frame to port "
	 LAB_PORT_GEN_STR " to the socket)"},
	{0},
};

static const struct lab_opt backend_opts[] = {
	{.name = "backend", .kind = LAB_OPT_STR, L(backend), .arg = "B",
	 .help = "udp (a UDP socket: send times from software TX timestamps, receive times from "
	 "software RX timestamps) or xsk (AF_XDP on --iface: whole frames, send time read at the "
	 "TX kick; needs an XDP build)"},
	{.name = "no-tx-timestamp", .kind = LAB_OPT_SET, C(no_tx_tstamp), .value = 1,
	 .help = "udp: take the send time from the clock just before sendmmsg instead of software "
	 "TX timestamps (cheaper per packet, further from the wire)"},
	{.name = "timing", .kind = LAB_OPT_ENUM, C(timing), .arg = "T",
	 .names = (const char *const[]){"kernel", "user", NULL},
	 .help = "kernel or user. kernel: the times above (udp: from the kernel's software TX stamp "
	 "to its RX stamp, no syscall or wakeup in the RTT). user (udp only): as sockperf, the send "
	 "time is a clock read just before each sendto, the receive time one just after the "
	 "receive call returns, and while a reply is awaited the generator sleeps in the receive, "
	 "so the RTT holds both ends' syscalls and the generator's wakeup (while the gap to the "
	 "next send leaves room to sleep: at 10 kpps it does). Still open loop: sends keep the "
	 "schedule and RTT from the intended send time is kept"},
	{.name = "stamps", .kind = LAB_OPT_STR, L(stamps_text), .arg = "S",
	 .unset = "kernel with --backend udp and --timing kernel, else user",
	 .help = "user, kernel or hw: the source of the record's send and receive times. user: "
	 "CLOCK_MONOTONIC read just before sendmmsg and just after recvmmsg returns (the loop "
	 "stays as --timing kernel's: no sleeping in the receive); kernel: udp's software TX/RX "
	 "stamps (SO_TIMESTAMPING); hw: the NIC's hardware stamps, refused (exit 2) on a port "
	 "without a PTP hardware clock (ethtool -T; veth has none), and for now on one with it too "
	 "(PHC time is not converted to CLOCK_MONOTONIC yet)"},
	{.name = "stamps-file", .kind = LAB_OPT_STR, C(stamps_file), .arg = "FILE",
	 .help = "udp, --timing kernel: both sources of every packet's send and receive time "
	 "(common/stp.h), whatever --stamps says: the stack's own cost"},
	{.name = "cpu", .kind = LAB_OPT_INT, C(cpu), .arg = "N", .max = 1023, .unset = "not pinned",
	 .help = "pin the generator to core N"},
	{.name = "batch", .kind = LAB_OPT_UINT, C(batch), .arg = "N", .min = 1, .max = 256,
	 .help = "most packets handed to the backend at once when several are due"},
	{.name = "spin-us", .kind = LAB_OPT_UINT, L(spin_us), .arg = "US", .max = 1000000,
	 .help = "busy-wait instead of sleeping when the next send is this close (the run uses a "
	 "whole core at rates above 1e6/US pps; --timing user: while the last reply is awaited, "
	 "only the last 20 us)"},
	{.name = "queue", .kind = LAB_OPT_UINT, C(queue), .arg = "N", .max = 63,
	 .help = "xsk: the interface queue"},
	{.name = "copy", .kind = LAB_OPT_SET, C(copy_mode), .value = 1,
	 .help = "xsk: force copy mode (default: zero-copy if possible)"},
	{.name = "zero-copy", .kind = LAB_OPT_SET, C(copy_mode), .value = 2,
	 .help = "xsk: force zero-copy mode"},
	{.name = "xdp-mode", .kind = LAB_OPT_ENUM, C(attach_mode), .arg = "M",
	 .names = (const char *const[]){"auto", "native", "generic", NULL},
	 .help = "xsk: native, generic or auto"},
	{.name = "no-busy-poll", .kind = LAB_OPT_SET, C(busy_poll), .value = 0,
	 .help = "xsk: do not use SO_PREFER_BUSY_POLL on the socket"},
	{0},
};

static const struct lab_opt output_opts[] = {
	{.name = "tail-ms", .kind = LAB_OPT_UINT, L(tail_ms), .arg = "MS", .max = 600000,
	 .help = "wait this long after the last send for reflections (at most 1.5 s after "
	 "SIGINT/SIGTERM)"},
	{.name = "out", .kind = LAB_OPT_STR, C(out), .arg = "FILE",
	 .help = "per-packet record file (format: common/rec.h), streamed during the run (a killed "
	 "lab-gen leaves what it had measured, read as a cut file)"},
	{.name = "stream-cpu", .kind = LAB_OPT_STR, L(stream_cpu_text), .arg = "N|off",
	 .unset = "lab-gen's own, below the send loop: SCHED_IDLE",
	 .help = "the core of the thread streaming --out; off: written at the end only (a core "
	 "that measures and has no other to spare: the writer's stays delay sends)"},
	{.name = "stats-json", .kind = LAB_OPT_STR, C(stats_json), .arg = "FILE",
	 .help = "the run's counters and figures as JSON"},
	{.name = "path", .kind = LAB_OPT_STR, C(path), .arg = "NAME",
	 .help = "path name stored in the record header and stats, 1 to 15 characters"},
	{.name = "gap-log", .kind = LAB_OPT_STR, C(gap_log), .arg = "FILE",
	 .help = "the send loop's gaps (it did not run for longer than the threshold between two "
	 "iterations: an IRQ, another task, the hypervisor) as an event file (common/lab_events.h) "
	 "for lab-analyze's tail attribution; waits the loop chose (a sleep in the receive) are "
	 "not gaps"},
	{.name = "gap-threshold-us", .kind = LAB_OPT_UINT, L(gap_threshold_us), .arg = "N", .min = 1,
	 .max = 1000000, .help = "a gap is longer than N us. Only idle iterations are timed: one "
	 "that sent or received did work (a send's syscall also runs the veth's softirq)"},
	{.name = "quiet", .kind = LAB_OPT_SET, C(quiet), .value = 1,
	 .help = "no progress lines and no summary line (errors still go to stderr)"},
	{0},
};

static const struct lab_opt capture_opts[] = {
	{.name = "capture", .kind = LAB_OPT_STR, C(capture), .arg = "FILE",
	 .help = "write the windows around triggers to this pcap"},
	{.name = "capture-rate-pps", .kind = LAB_OPT_INT, L(cap_rate), .arg = "R", .max = 1000000000,
	 .unset = "twice the mean rate", .help = "trigger when arrivals within --capture-window-us "
	 "exceed this rate (0: off)"},
	{.name = "capture-window-us", .kind = LAB_OPT_UINT, L(cap_window_us), .arg = "W", .min = 1,
	 .max = 10000000, .help = "sliding window of the rate trigger"},
	{.name = "capture-latency-us", .kind = LAB_OPT_UINT, L(cap_latency_us), .arg = "L",
	 .max = 100000000, .help = "trigger on a round trip above L us (0: off)"},
	{.name = "capture-before", .kind = LAB_OPT_UINT, C(cap_ring), .arg = "N", .min = 1,
	 .max = 1000000, .help = "frames kept before a trigger"},
	{.name = "capture-after", .kind = LAB_OPT_UINT, C(cap_after), .arg = "N", .max = 1000000,
	 .help = "frames written after the last trigger of an event"},
	{.name = "capture-snaplen", .kind = LAB_OPT_UINT, C(cap_snaplen), .arg = "B", .min = 64,
	 .max = 65535, .help = "bytes kept per frame"},
	{.name = "capture-max-events", .kind = LAB_OPT_UINT, C(cap_max_events), .arg = "N", .min = 1,
	 .max = 1000000, .help = "at most N events per run"},
	{0},
};

static const struct lab_opt other_opts[] = {
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this help"},
	/* not LAB_OPT_VERSION: the line names the backends this build has */
	{.name = "version", .kind = LAB_OPT_SET, L(version), .value = 1,
	 .help = "the version and the backends of this build"},
	{0},
};

#undef C
#undef L

#define GEN_GROUPS 6

static void groups_init(struct lab_opt_group *g, struct gen_args *a)
{
	g[0] = (struct lab_opt_group){"Where:", where_opts, a, 0};
	g[1] = (struct lab_opt_group){"Schedule:", schedule_opts, a, 0};
	g[2] = (struct lab_opt_group){"Backend:", backend_opts, a, 0};
	g[3] = (struct lab_opt_group){"Receive and output:", output_opts, a, 0};
	g[4] = (struct lab_opt_group){
		"Burst-triggered capture (a ring of the last received frames; on a trigger the ring "
		"and the\nframes that follow go to a pcap with nanosecond wall-clock timestamps; the "
		"udp backend has\nno frames: it rebuilds each from the payload and the reversed "
		"flow's headers, checksums\nrecomputed):", capture_opts, a, 0};
	g[5] = (struct lab_opt_group){"Other:", other_opts, a, 0};
}

static void help(FILE *f, void *arg)
{
	const struct lab_opt_group *g = arg;

	fputs("Usage: lab-gen [options]\n", f);
	lab_opts_wrap(f, "The lab's open-loop load generator: sends a timestamped UDP schedule "
		      "(fixed in advance from --seed) to a reflector, matches the reflections by "
		      "sequence number and writes one record per packet. A late packet is sent at "
		      "once and its lateness recorded.", 0, 0);
	for (size_t i = 0; i < GEN_GROUPS; i++) {
		fputc('\n', f);
		lab_opts_print(f, &g[i]);
	}
	fputc('\n', f);
	lab_opts_wrap(f, "Once a second, when stderr is a terminal, a progress line (rate, sent, "
		      "received, lost, rtt p99); at the end one summary line. SIGINT/SIGTERM stop "
		      "sending, wait the (shortened) tail and write everything; a second signal "
		      "exits at once.", 0, 0);
	lab_opts_wrap(f, "Exit: 0 the run took place (loss is a result, not a failure), 1 runtime "
		      "failure, 2 usage or configuration error (nothing was sent).", 0, 0);
}

static void cfg_defaults(struct gen_args *a)
{
	struct gen_cfg *c = &a->cfg;
	struct gen_cli *cli = &a->cli;

	memset(a, 0, sizeof(*a));
	cli->backend = GEN_HAVE_XSK ? "xsk" : "udp";
	cli->duration_s = 10.0;
	cli->count = cli->burst_gap_us = cli->cap_rate = -1;
	cli->spin_us = 100;
	cli->tail_ms = 200;
	cli->gap_threshold_us = 1;
	cli->cap_window_us = 100;
	c->iface = LAB_GEN_IF;
	c->dst_text = LAB_DUT_V4;
	c->path = "unnamed";
	c->flow.dport = LAB_PORT_DUT;
	c->flow.sport = LAB_PORT_GEN;
	c->flow.vlan_id = -1;
	c->flows = 1;
	c->frame_size = 128;
	c->cpu = -1;
	c->stream_cpu = -1;
	c->sched.pattern = GEN_PAT_CONST;
	c->sched.rate_pps = 10000;
	c->sched.burst_size = 32;
	c->sched.seed = 1;
	c->batch = 32;
	c->busy_poll = true;
	c->cap_ring = 256;
	c->cap_after = 256;
	c->cap_snaplen = 128;
	c->cap_max_events = 64;
}

/* The values the tables keep in the flags' own units or words, into gen_cfg's. */
static void convert_cli(struct gen_args *a, const struct lab_opt_group *g)
{
	struct gen_cfg *c = &a->cfg;
	struct gen_cli *cli = &a->cli;

	cli->iface_given = lab_opts_seen(&g[0], "iface");
	cli->have_rate = lab_opts_seen(&g[1], "rate");
	cli->have_dur = lab_opts_seen(&g[1], "duration");
	if ((cli->have_count = cli->count >= 0))
		c->count = (uint64_t)cli->count;
	if ((cli->have_gap = cli->burst_gap_us >= 0))
		c->sched.burst_gap_ns = (uint64_t)cli->burst_gap_us * 1000;
	cli->have_cap_rate = cli->cap_rate >= 0;
	c->spin_ns = (uint32_t)cli->spin_us * 1000;
	c->tail_ns = cli->tail_ms * 1000000ull;
	c->gap_threshold_ns = cli->gap_threshold_us * 1000;
	c->cap_window_ns = cli->cap_window_us * 1000;
	c->cap_latency_ns = cli->cap_latency_us * 1000;
	if (cli->stamps_text && (c->stamps = lab_stp_src_parse(cli->stamps_text)) < 0)
		lab_die(LAB_EXIT_USAGE, "--stamps: '%s' is not user, kernel or hw", cli->stamps_text);
	if (cli->stream_cpu_text)
		c->stream_cpu = strcmp(cli->stream_cpu_text, "off") == 0 ? -2 :
			(int)lab_parse_u64("stream-cpu (a cpu, or 'off')", cli->stream_cpu_text, 0, 1023);
}

/* The flags into a (bad values end the process with exit 2; -h/--help and --version exit 0),
 * then what only all of them together tell. */
static void parse_cli(int argc, char **argv, struct gen_args *a)
{
	struct lab_opt_group groups[GEN_GROUPS];
	struct gen_cfg *c = &a->cfg;
	struct gen_cli *cli = &a->cli;

	groups_init(groups, a);
	lab_opts_parse(argc, argv, groups, GEN_GROUPS, help, groups);
	if (cli->version) {
		printf("lab-gen %s (backends: udp%s)\n", LAB_VERSION_STRING, GEN_HAVE_XSK ? ", xsk" : "");
		exit(LAB_EXIT_OK);
	}
	if (!*c->path || strlen(c->path) >= 16)
		lab_die(LAB_EXIT_USAGE, "--path: '%s' must be 1 to 15 characters", c->path);
	convert_cli(a, groups);
	if (cli->have_dur && cli->have_count)
		lab_die(LAB_EXIT_USAGE, "--duration and --count: give one of them");
	/* user timing reads the clock around socket calls: a backend without them has nothing
	 * to time that way (xsk's rings are not syscalls with a reply to wait in) */
	if (c->timing == GEN_TIMING_USER && strcmp(cli->backend, "udp"))
		lab_die(LAB_EXIT_USAGE, "--timing user needs --backend udp (not %s)", cli->backend);
	if (c->flows > 1 && strcmp(cli->backend, "xsk"))
		lab_die(LAB_EXIT_USAGE, "--flows %u needs --backend xsk (the udp backend sends from one "
			"socket, one source port)", c->flows);
}

/* The guard: the destination is in the benchmarking ranges, or real hardware was named and the
 * way out asked for; the interface is in a lab namespace (or a NIC) and exists here. */
static void check_destination(struct gen_cfg *c, const struct gen_cli *cli)
{
	char err[512];

	c->flow.family = parse_addr(c->dst_text, &c->flow.dst);
	if (c->flow.family < 0)
		lab_die(LAB_EXIT_USAGE, "--dst: '%s' is not an IPv4 or IPv6 address", c->dst_text);
	if (!lab_addr_is_benchmark(c->flow.family, &c->flow.dst)) {
		if (!cli->allow_dst)
			lab_die(LAB_EXIT_USAGE, "--dst %s is outside the lab's " LAB_NET4 " and "
				LAB_NET6 ": refused (real hardware only: --hw --iface IF --allow-dst)",
				c->dst_text);
		if (!cli->hw || !cli->iface_given)
			lab_die(LAB_EXIT_USAGE, "--allow-dst needs --hw and a hardware interface named "
				"with --iface");
	}
	if (cli->hw) {
		if (!cli->iface_given)
			lab_die(LAB_EXIT_USAGE, "--hw needs the interface named with --iface");
		if (!lab_if_is_hw(c->iface))
			lab_die(LAB_EXIT_USAGE, "--hw: %s is not a hardware interface (no "
				"/sys/class/net/%s/device)", c->iface, c->iface);
	}
	if (!cli->hw && lab_scope_check_iface(c->iface, false, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "%s", err);
	if (!if_nametoindex(c->iface))
		lab_die(LAB_EXIT_USAGE, "no interface %s here (run inside the generator's namespace: "
			"ip netns exec llab-gen lab-gen ...; or name another with --iface)", c->iface);
	if (c->rx_iface) {
		if (!strcmp(c->rx_iface, c->iface))
			lab_die(LAB_EXIT_USAGE, "--rx-iface %s is --iface: the forward topology receives on "
				"the other port (" LAB_GEN1_IF ")", c->rx_iface);
		if (!cli->hw && lab_scope_check_iface(c->rx_iface, false, err, sizeof(err)) < 0)
			lab_die(LAB_EXIT_USAGE, "%s", err);
		if (cli->hw && !lab_if_is_hw(c->rx_iface))
			lab_die(LAB_EXIT_USAGE, "--hw: %s is not a hardware interface", c->rx_iface);
		if (!if_nametoindex(c->rx_iface))
			lab_die(LAB_EXIT_USAGE, "no interface %s here (--rx-iface: 'setup/lab up --topology "
				"forward' makes " LAB_GEN1_IF ")", c->rx_iface);
		if (lab_if_addr(c->rx_iface, c->flow.family, &c->rx_addr) < 0)
			lab_die(LAB_EXIT_USAGE, "--rx-iface %s has no %s address", c->rx_iface,
				c->flow.family == AF_INET ? "IPv4" : "IPv6");
	}
}

/* --stamps and --stamps-file against the backend and --timing; hw probed on the port (exit 2,
 * one line, before anything is opened). Unset, --stamps follows --timing: udp kernel timing
 * is kernel stamps, the rest user (xsk: the clock read at the TX kick and at the RX ring). */
static void check_stamps(struct gen_cfg *c, const struct gen_cli *cli)
{
	bool udp = !strcmp(cli->backend, "udp");
	if (c->stamps == LAB_STP_SRC_HW)
		lab_hwts_require("--stamps", c->iface);
	if (!c->stamps)
		c->stamps = udp && c->timing == GEN_TIMING_KERNEL ? LAB_STP_SRC_KERNEL : LAB_STP_SRC_USER;
	if (c->stamps == LAB_STP_SRC_KERNEL && !udp)
		lab_die(LAB_EXIT_USAGE, "--stamps kernel needs --backend udp (AF_XDP has no kernel "
			"stamps; the xsk backend's are user reads)");
	if (c->stamps == LAB_STP_SRC_KERNEL && c->timing == GEN_TIMING_USER)
		lab_die(LAB_EXIT_USAGE, "--stamps kernel and --timing user: give one of them");
	if (c->stamps_file && (!udp || c->timing == GEN_TIMING_USER))
		lab_die(LAB_EXIT_USAGE, "--stamps-file needs --backend udp and --timing kernel (the "
			"only backend with both sources)");
}

/* Source address and MAC from the flags or the interface; the next hop's MAC when known. */
static void resolve_addresses(struct gen_cfg *c, const struct gen_cli *cli)
{
	if (cli->src_text) {
		if (parse_addr(cli->src_text, &c->flow.src) != c->flow.family)
			lab_die(LAB_EXIT_USAGE, "--src: '%s' is not an %s address", cli->src_text,
				c->flow.family == AF_INET ? "IPv4" : "IPv6");
	} else if (lab_if_addr(c->iface, c->flow.family, &c->flow.src) < 0) {
		lab_die(LAB_EXIT_USAGE, "%s has no %s address: give one with --src", c->iface,
			c->flow.family == AF_INET ? "IPv4" : "IPv6");
	}
	if (lab_if_mac(c->iface, c->flow.src_mac) < 0)
		lab_die(LAB_EXIT_USAGE, "cannot read the MAC of %s", c->iface);
	if (cli->dst_mac_text) {
		if (lab_parse_mac(cli->dst_mac_text, c->flow.dst_mac) < 0)
			lab_die(LAB_EXIT_USAGE, "--dst-mac: '%s' is not a MAC address", cli->dst_mac_text);
		c->have_dst_mac = true;
	} else {
		c->have_dst_mac = lab_neigh_mac(c->iface, c->flow.family, &c->flow.dst,
						c->flow.dst_mac) == 0;
	}
}

/* frame size: room for the headers, at most what the interface carries */
static void check_frame_size(const struct gen_cfg *c)
{
	uint32_t mtu = 1500;
	lab_if_mtu(c->iface, &mtu);
	size_t min = lab_frame_min_len(&c->flow, c->stamp);
	if (min < 64)
		min = 64;
	if (c->frame_size < min)
		lab_die(LAB_EXIT_USAGE, "--size %u is too small: at least %zu bytes for %s%s",
			c->frame_size, min, c->flow.family == AF_INET ? "IPv4" : "IPv6",
			c->stamp ? " with --stamp" : "");
	if (c->frame_size > mtu + LAB_ETH_LEN)
		lab_die(LAB_EXIT_USAGE, "--size %u is larger than %s's MTU allows (%u)", c->frame_size,
			c->iface, mtu + LAB_ETH_LEN);
}

/* the schedule: the bursts' period, and the packet count and planned length */
static void plan_schedule(struct gen_cfg *c, const struct gen_cli *cli)
{
	if (c->sched.pattern == GEN_PAT_BURST) {
		if (!cli->have_gap)
			c->sched.burst_gap_ns = (uint64_t)c->sched.burst_size * 1000000000ull /
						c->sched.rate_pps;
		else if (cli->have_rate && !c->quiet)
			lab_info("burst: %u packets every %.0f us (mean %.0f pps); --rate not used",
				 c->sched.burst_size, (double)c->sched.burst_gap_ns / 1e3,
				 gen_sched_mean_pps(&c->sched));
		if (c->sched.burst_gap_ns == 0)
			lab_die(LAB_EXIT_USAGE, "--burst-gap-us: the bursts need a period above 0");
	}
	if (cli->have_count) {
		struct gen_sched s;
		gen_sched_init(&s, &c->sched);
		for (uint64_t i = 0; i < c->count; i++)
			gen_sched_next(&s);
		/* the planned length ends one mean gap after the last packet */
		c->duration_ns = gen_sched_next(&s);
	} else {
		c->duration_ns = (uint64_t)llround(cli->duration_s * 1e9);
		c->count = gen_sched_count_for(&c->sched, c->duration_ns);
		if (c->count == 0)
			lab_die(LAB_EXIT_USAGE, "--duration %g s holds no packet at this rate",
				cli->duration_s);
	}
}

static const struct gen_backend *pick_backend(const char *name)
{
	if (!strcmp(name, "udp"))
		return &gen_backend_udp;
#if GEN_HAVE_XSK
	if (!strcmp(name, "xsk"))
		return &gen_backend_xsk;
#endif
	if (!strcmp(name, "xsk"))
		lab_die(LAB_EXIT_USAGE, "--backend xsk: this build has no AF_XDP (needs libbpf, "
			"libxdp, clang, bpftool); use --backend udp");
	lab_die(LAB_EXIT_USAGE, "--backend: '%s' is not udp or xsk", name);
}

/* setup: anything failing here is a configuration problem, and nothing was sent. Returns the
 * record file's descriptor (-1 without --out). */
static int open_run(struct gen_run *g)
{
	struct gen_cfg *c = &g->cfg;
	char err[512];
	int rc;

	lab_install_stop_signals();
	prctl(PR_SET_TIMERSLACK, 1UL); /* the short waits before a send must wake on time */
	if ((rc = lab_pin_cpu(c->cpu)) < 0)
		lab_die(LAB_EXIT_USAGE, "--cpu %d: cannot pin: %s", c->cpu, strerror(-rc));
	uint64_t off_err;
	g->rt_off_ns = lab_realtime_offset_ns(&off_err);
	uint64_t need, avail;
	if (gen_run_mem_check(g, &need, &avail) < 0)
		lab_die(LAB_EXIT_USAGE, "%" PRIu64 " records need %.0f MiB, more than the %.0f MiB "
			"available: shorten --duration or lower --rate", c->count,
			(double)need / 1048576, (double)avail / 1048576);
	if (gen_run_alloc(g) < 0)
		lab_die(LAB_EXIT_RUNTIME, "no memory for %" PRIu64 " records (%.0f MiB): shorten "
			"--duration or lower --rate", c->count, (double)need / 1048576);
	int rec_fd = -1;
	if (c->out) {
		struct lab_rec_hdr h;
		gen_rec_hdr_fill(g, &h);
		/* the space of every record taken now: a disk too small refuses the run here */
		if ((rec_fd = lab_rec_create_for(c->out, &h, c->count)) < 0)
			lab_die(LAB_EXIT_USAGE, "--out %s: %s", c->out, strerror(errno));
	}
	g->rec_fd = rec_fd;
	if (c->capture && !(g->cap = gen_capture_open(g, c->capture, err, sizeof(err))))
		lab_die(LAB_EXIT_USAGE, "--capture: %s", err);
	if ((rc = g->be->open(g, err, sizeof(err))) < 0) {
		g->be->close(g);
		lab_die(rc == -EINVAL || rc == -ENODEV || rc == -EEXIST || rc == -EBUSY ? LAB_EXIT_USAGE
											: LAB_EXIT_RUNTIME,
			"%s backend: %s", g->be->name, err);
	}
	lab_gap_init(&g->gaps, c->gap_log, c->gap_threshold_ns ? c->gap_threshold_ns : 1000, c->cpu,
		     "lab-gen");
	/* set up: sending and receiving need no privilege; the xsk backend's close detaches its
	 * XDP program from --iface, a netlink request that needs CAP_NET_ADMIN */
	static const int keep_xsk[] = {CAP_NET_ADMIN};
	bool be_xsk = !strcmp(g->be->name, "xsk");
	if (lab_caps_keep(keep_xsk, be_xsk ? 1 : 0, err, sizeof(err)) < 0) {
		g->be->close(g);
		lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
	}
	return rec_fd;
}

/* The records, the stats, the capture and the summary line. Returns the exit code. */
static int write_outputs(struct gen_run *g, int rec_fd, int exit_code)
{
	const struct gen_cfg *c = &g->cfg;

	if (rec_fd >= 0) {
		if (gen_rec_write(g, rec_fd) < 0) {
			lab_err("--out %s: writing the records failed: %s", c->out, strerror(errno));
			exit_code = LAB_EXIT_RUNTIME;
		}
		close(rec_fd);
	}
	/* the stats first: they hold the capture's counters, freed by its close */
	if (c->stats_json && gen_stats_write(g, c->stats_json) < 0) {
		lab_err("--stats-json %s: %s", c->stats_json, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
	}
	if (g->cap && gen_capture_close(g->cap) < 0) {
		lab_err("--capture %s: writing the pcap failed", c->capture);
		exit_code = LAB_EXIT_RUNTIME;
	}
	g->cap = NULL;
	int grc = lab_gap_finish(&g->gaps);
	if (grc < 0) {
		lab_err("--gap-log %s: %s", c->gap_log, strerror(-grc));
		exit_code = LAB_EXIT_RUNTIME;
	}
	if (!c->quiet)
		gen_summary(g);
	/* the backend's state outlives its close for the stats above; nothing reads it now */
	free(g->be_priv);
	g->be_priv = NULL;
	return exit_code;
}

int main(int argc, char **argv)
{
	struct gen_run g;
	struct gen_cfg *c = &g.cfg;
	struct gen_args a;
	struct gen_cli cli;
	int rc;

	lab_log_init(argv[0]);
	cfg_defaults(&a);
	parse_cli(argc, argv, &a);
	memset(&g, 0, sizeof(g));
	g.cfg = a.cfg;
	cli = a.cli;
	/* the guard comes first: nothing is opened, let alone sent, for a refused destination */
	check_destination(c, &cli);
	check_stamps(c, &cli);
	resolve_addresses(c, &cli);
	check_frame_size(c);
	plan_schedule(c, &cli);
	g.be = pick_backend(cli.backend);
	if (c->capture && !cli.have_cap_rate)
		cli.cap_rate = llround(2 * gen_sched_mean_pps(&c->sched));
	c->cap_rate_pps = cli.cap_rate > 0 ? (uint64_t)cli.cap_rate : 0; /* -1: not given */
	c->progress = !c->quiet && isatty(STDERR_FILENO);

	int rec_fd = open_run(&g);
	if (!c->quiet)
		lab_info("%s: %" PRIu64 " packets, %s at %.0f pps, %u-byte frames to %s port %u via %s "
			 "[%s], send time: %s, receive time: %s",
			 c->path, c->count, gen_pattern_name(c->sched.pattern),
			 gen_sched_mean_pps(&c->sched), c->frame_size, c->dst_text, c->flow.dport,
			 c->iface, g.mode, g.tx_time_src, g.rx_time_src);

	rc = gen_run_loop(&g);
	g.interrupted = lab_stop != 0;
	g.be->close(&g);
	gen_run_figures(&g);
	return write_outputs(&g, rec_fd, rc < 0 ? LAB_EXIT_RUNTIME : LAB_EXIT_OK);
}
