/* main.c — lab-gen: flags, the destination guard, the interface's addresses, then the run
 * (run.c) through the chosen backend, and its outputs. Exit 0 when the run took place (loss is
 * a result), 1 on a runtime failure, 2 on a usage or configuration error (nothing sent). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
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
#include "rec.h"
#include "run.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: lab-gen [options]\n"
"The lab's open-loop load generator: sends a timestamped UDP schedule (fixed in advance\n"
"from --seed) to a reflector, matches the reflections by sequence number and writes one\n"
"record per packet. A late packet is sent at once and its lateness recorded.\n"
"\n"
"Where:\n"
"  --iface IF          interface to send on (default " LAB_GEN_IF "; run inside the generator netns)\n"
"  --dst ADDR          reflector address, IPv4 or IPv6 (default " LAB_DUT_V4 "). Must be in\n"
"                      " LAB_NET4 " or " LAB_NET6 " unless --allow-dst and --hw are given\n"
"  --src ADDR          source address (default: the interface's address of that family)\n"
"  --dst-mac MAC       next hop's MAC (default: from the interface's neighbour table)\n"
"  --port N            destination UDP port (default " LAB_PORT_DUT_STR "); the source port is " LAB_PORT_GEN_STR "\n"
"  --allow-dst         allow a destination outside the benchmarking ranges (needs --hw)\n"
"  --rx-iface IF       the forward topology (" LAB_GEN_IF " -> DUT -> " LAB_GEN1_IF "): receive what the DUT\n"
"                      forwarded on IF (" LAB_GEN1_IF "), to IF's address and --port, instead of the\n"
"                      replies on --iface. Frames must carry the forwarded mark\n"
"                      (LAB_F_FORWARDED) unless --accept-unmarked (the kernel's own IP\n"
"                      forwarding marks nothing). --dst is then the address behind the DUT\n"
"                      (" LAB_GEN1_IF "'s, " LAB_GEN1_V4 ") or the DUT's own for a socket relay\n"
"  --flows N           N flows: UDP source ports " LAB_PORT_GEN_STR " .. " LAB_PORT_GEN_STR "+N-1, packet k on flow k mod N\n"
"                      (so a record's flow is its sequence number mod N), for RSS on the DUT\n"
"                      (default 1; xsk backend: up to 64)\n"
"  --hw                --iface is a real NIC (checked): required by --allow-dst\n"
"\n"
"Schedule:\n"
"  --rate PPS          mean rate for const and poisson (default 10000)\n"
"  --pattern P         const (one packet every 1/rate), poisson (exponential gaps of mean\n"
"                      1/rate) or burst (--burst-size packets back to back, i.e. at the same\n"
"                      intended time, every --burst-gap-us) (default const)\n"
"  --burst-size N      packets per burst (default 32)\n"
"  --burst-gap-us T    period of the bursts in us (default: burst-size/rate, so the mean\n"
"                      rate is --rate; given explicitly, the mean rate is N/T and --rate is\n"
"                      not used)\n"
"  --duration S        schedule length in seconds, decimals allowed (default 10)\n"
"  --count N           send exactly N packets instead (not with --duration)\n"
"  --seed N            schedule seed (default 1): same seed, same intended times\n"
"  --size BYTES        frame size on the wire without FCS (default 128; from 64, or the\n"
"                      smallest that holds the headers, to MTU+14)\n"
"  --stamp             ask the reflector to stamp its receive and transmit times\n"
"  --accept-unmarked   also take replies that lack the reflected mark (LAB_F_REFLECTED),\n"
"                      for peer reflectors such as dpdk-testpmd --forward-mode=5tswap that\n"
"                      swap the headers but do not mark or stamp (xsk: the XDP program on\n"
"                      --iface then steers any lab frame to port " LAB_PORT_GEN_STR " to the socket)\n"
"\n"
"Backend:\n"
"  --backend B         udp (a UDP socket: send times from software TX timestamps, receive\n"
"                      times from software RX timestamps) or xsk (AF_XDP on --iface: whole\n"
"                      frames, send time read at the TX kick; needs an XDP build) (default\n"
"                      %s)\n"
"  --no-tx-timestamp   udp: take the send time from the clock just before sendmmsg instead\n"
"                      of software TX timestamps (cheaper per packet, further from the wire)\n"
"  --timing T          kernel or user (default kernel). kernel: the times above (udp: from\n"
"                      the kernel's software TX stamp to its RX stamp, no syscall or wakeup\n"
"                      in the RTT). user (udp only): as sockperf, the send time is a clock\n"
"                      read just before each sendto, the receive time one just after the\n"
"                      receive call returns, and while a reply is awaited the generator\n"
"                      sleeps in the receive, so the RTT holds both ends' syscalls and the\n"
"                      generator's wakeup (while the gap to the next send leaves room to\n"
"                      sleep: at 10 kpps it does). Still open loop: sends keep the schedule\n"
"                      and RTT from the intended send time is kept\n"
"  --stamps S          user, kernel or hw: the source of the record's send and receive\n"
"                      times (default: kernel with --backend udp and --timing kernel, else\n"
"                      user). user: CLOCK_MONOTONIC read just before sendmmsg and just after\n"
"                      recvmmsg returns (the loop stays as --timing kernel's: no sleeping in\n"
"                      the receive); kernel: udp's software TX/RX stamps (SO_TIMESTAMPING);\n"
"                      hw: the NIC's hardware stamps, refused (exit 2) on a port without a\n"
"                      PTP hardware clock (ethtool -T; veth has none), and for now on one\n"
"                      with it too (PHC time is not converted to CLOCK_MONOTONIC yet)\n"
"  --stamps-file FILE  udp, --timing kernel: both sources of every packet's send and receive\n"
"                      time (common/stp.h), whatever --stamps says: the stack's own cost\n"
"  --cpu N             pin the generator to core N (default: not pinned)\n"
"  --batch N           most packets handed to the backend at once when several are due\n"
"                      (default 32)\n"
"  --spin-us US        busy-wait instead of sleeping when the next send is this close\n"
"                      (default 100; the run uses a whole core at rates above 1e6/US pps)\n"
"                      (--timing user: while the last reply is awaited, only the last 20 us)\n"
"  --queue N           xsk: the interface queue (default 0)\n"
"  --copy | --zero-copy  xsk: force copy or zero-copy mode (default: zero-copy if possible)\n"
"  --xdp-mode M        xsk: native | generic | auto (default auto)\n"
"  --no-busy-poll      xsk: do not use SO_PREFER_BUSY_POLL on the socket\n"
"\n"
"Receive and output:\n"
"  --tail-ms MS        wait this long after the last send for reflections (default 200;\n"
"                      at most 1.5 s after SIGINT/SIGTERM)\n"
"  --out FILE          per-packet record file (format: common/rec.h), streamed during the run\n"
"                      (a killed lab-gen leaves what it had measured, read as a cut file)\n"
"  --stream-cpu N|off  the core of the thread streaming --out (default: lab-gen's own, below\n"
"                      the send loop: SCHED_IDLE); off: written at the end only (a core that\n"
"                      measures and has no other to spare: the writer's stays delay sends)\n"
"  --stats-json FILE   the run's counters and figures as JSON\n"
"  --path NAME         path name stored in the record header and stats (default unnamed)\n"
"  --gap-log FILE      the send loop's gaps (it did not run for longer than the threshold\n"
"                      between two iterations: an IRQ, another task, the hypervisor) as an\n"
"                      event file (common/lab_events.h) for lab-analyze's tail attribution;\n"
"                      waits the loop chose (a sleep in the receive) are not gaps\n"
"  --gap-threshold-us N  a gap is longer than N us (default 1). Only idle iterations are\n"
"                      timed: one that sent or received did work (a send's syscall also\n"
"                      runs the veth's softirq)\n"
"  --quiet             no progress lines and no summary line (errors still go to stderr)\n"
"\n"
"Burst-triggered capture (a ring of the last received frames; on a trigger the ring and the\n"
"frames that follow go to a pcap with nanosecond wall-clock timestamps; the udp backend has\n"
"no frames: it rebuilds each from the payload and the reversed flow's headers, checksums\n"
"recomputed):\n"
"  --capture FILE      write the windows around triggers to this pcap\n"
"  --capture-rate-pps R  trigger when arrivals within --capture-window-us exceed this rate\n"
"                      (default: twice the mean rate; 0 = off)\n"
"  --capture-window-us W  sliding window of the rate trigger (default 100)\n"
"  --capture-latency-us L  trigger on a round trip above L us (default 0 = off)\n"
"  --capture-before N  frames kept before a trigger (default 256)\n"
"  --capture-after N   frames written after the last trigger of an event (default 256)\n"
"  --capture-snaplen B bytes kept per frame (default 128)\n"
"  --capture-max-events N  at most N events per run (default 64)\n"
"\n"
"  -h, --help          this help;  --version  the version\n"
"\n"
"Once a second, when stderr is a terminal, a progress line (rate, sent, received, lost, rtt\n"
"p99); at the end one summary line. SIGINT/SIGTERM stop sending, wait the (shortened) tail and\n"
"write everything; a second signal exits at once.\n"
"Exit: 0 the run took place (loss is a result, not a failure), 1 runtime failure, 2 usage or\n"
"configuration error (nothing was sent).\n",
		GEN_HAVE_XSK ? "xsk" : "udp");
}

enum {
	O_IFACE = 256, O_DST, O_SRC, O_DSTMAC, O_PORT, O_ALLOW, O_HW, O_RATE, O_PATTERN, O_BSIZE,
	O_BGAP, O_DUR, O_COUNT, O_SEED, O_SIZE, O_STAMP, O_BACKEND, O_CPU, O_BATCH, O_SPIN,
	O_STREAMCPU, O_QUEUE, O_COPY, O_ZC, O_XDPMODE, O_NOBP, O_TAIL, O_OUT, O_STATS, O_PATH, O_QUIET,
	O_CAP, O_CAPRATE, O_CAPWIN, O_CAPLAT, O_CAPBEF, O_CAPAFT, O_CAPSNAP, O_CAPMAX, O_VERSION, O_NOTXTS,
	O_UNMARKED, O_GAPLOG, O_GAPTHR, O_TIMING, O_RXIF, O_FLOWS, O_STAMPS, O_STPFILE,
};

static const struct option opts[] = {
	{"iface", 1, 0, O_IFACE}, {"dst", 1, 0, O_DST}, {"src", 1, 0, O_SRC},
	{"dst-mac", 1, 0, O_DSTMAC}, {"port", 1, 0, O_PORT}, {"allow-dst", 0, 0, O_ALLOW},
	{"hw", 0, 0, O_HW}, {"rate", 1, 0, O_RATE}, {"pattern", 1, 0, O_PATTERN},
	{"burst-size", 1, 0, O_BSIZE}, {"burst-gap-us", 1, 0, O_BGAP}, {"duration", 1, 0, O_DUR},
	{"count", 1, 0, O_COUNT}, {"seed", 1, 0, O_SEED}, {"size", 1, 0, O_SIZE},
	{"stamp", 0, 0, O_STAMP}, {"backend", 1, 0, O_BACKEND}, {"cpu", 1, 0, O_CPU},
	{"batch", 1, 0, O_BATCH}, {"spin-us", 1, 0, O_SPIN}, {"queue", 1, 0, O_QUEUE},
	{"copy", 0, 0, O_COPY}, {"zero-copy", 0, 0, O_ZC}, {"xdp-mode", 1, 0, O_XDPMODE},
	{"no-busy-poll", 0, 0, O_NOBP}, {"tail-ms", 1, 0, O_TAIL}, {"out", 1, 0, O_OUT}, {"stream-cpu", 1, 0, O_STREAMCPU},
	{"stats-json", 1, 0, O_STATS}, {"path", 1, 0, O_PATH}, {"quiet", 0, 0, O_QUIET},
	{"capture", 1, 0, O_CAP}, {"capture-rate-pps", 1, 0, O_CAPRATE},
	{"capture-window-us", 1, 0, O_CAPWIN}, {"capture-latency-us", 1, 0, O_CAPLAT},
	{"capture-before", 1, 0, O_CAPBEF}, {"capture-after", 1, 0, O_CAPAFT},
	{"capture-snaplen", 1, 0, O_CAPSNAP}, {"capture-max-events", 1, 0, O_CAPMAX},
	{"no-tx-timestamp", 0, 0, O_NOTXTS}, {"accept-unmarked", 0, 0, O_UNMARKED},
	{"gap-log", 1, 0, O_GAPLOG}, {"gap-threshold-us", 1, 0, O_GAPTHR}, {"timing", 1, 0, O_TIMING},
	{"rx-iface", 1, 0, O_RXIF}, {"flows", 1, 0, O_FLOWS},
	{"stamps", 1, 0, O_STAMPS}, {"stamps-file", 1, 0, O_STPFILE},
	{"help", 0, 0, 'h'}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0},
};

static int parse_addr(const char *text, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, a) == 1)
		return AF_INET6;
	return -1;
}

/* What the command line says beyond gen_cfg: the choices checked once every flag is read. */
struct gen_cli {
	const char *src_text, *dst_mac_text, *backend;
	bool allow_dst, hw, iface_given, have_dur, have_count, have_gap, have_rate, have_cap_rate;
	double duration_s;
	uint64_t cap_rate;
};

static void cfg_defaults(struct gen_run *g, struct gen_cli *cli)
{
	struct gen_cfg *c = &g->cfg;

	memset(g, 0, sizeof(*g));
	memset(cli, 0, sizeof(*cli));
	cli->backend = GEN_HAVE_XSK ? "xsk" : "udp";
	cli->duration_s = 10.0;
	c->iface = LAB_GEN_IF;
	c->dst_text = LAB_DUT_V4;
	c->path = "unnamed";
	c->flow.dport = LAB_PORT_DUT;
	c->flow.sport = LAB_PORT_GEN;
	c->flow.vlan_id = -1;
	c->flows = 1;
	c->frame_size = 128;
	c->cpu = -1;
	c->tail_ns = 200000000ull;
	c->stream_cpu = -1;
	c->sched.pattern = GEN_PAT_CONST;
	c->sched.rate_pps = 10000;
	c->sched.burst_size = 32;
	c->sched.seed = 1;
	c->batch = 32;
	c->spin_ns = 100000;
	c->busy_poll = true;
	c->cap_ring = 256;
	c->cap_after = 256;
	c->cap_snaplen = 128;
	c->cap_window_ns = 100000;
	c->cap_max_events = 64;
}

static int parse_xdp_mode(const char *text)
{
	if (!strcmp(text, "auto"))
		return 0;
	if (!strcmp(text, "native"))
		return 1;
	if (!strcmp(text, "generic"))
		return 2;
	lab_die(LAB_EXIT_USAGE, "--xdp-mode: '%s' is not native, generic or auto", text);
}

/* The flags into c and cli. Returns -1 to go on, or the exit code when the command is done
 * (--help, --version, an unknown flag). Bad values end the process with exit 2. */
static int parse_cli(int argc, char **argv, struct gen_cfg *c, struct gen_cli *cli)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case O_IFACE: c->iface = optarg; cli->iface_given = true; break;
		case O_RXIF: c->rx_iface = optarg; break;
		case O_FLOWS: c->flows = (uint32_t)lab_parse_u64("flows", optarg, 1, 64); break;
		case O_DST: c->dst_text = optarg; break;
		case O_SRC: cli->src_text = optarg; break;
		case O_DSTMAC: cli->dst_mac_text = optarg; break;
		case O_PORT: c->flow.dport = (uint16_t)lab_parse_u64("port", optarg, 1, 65535); break;
		case O_ALLOW: cli->allow_dst = true; break;
		case O_HW: cli->hw = true; break;
		case O_RATE:
			c->sched.rate_pps = lab_parse_u64("rate", optarg, 1, 100000000);
			cli->have_rate = true;
			break;
		case O_PATTERN:
			if (gen_pattern_parse(optarg, &c->sched.pattern) < 0)
				lab_die(LAB_EXIT_USAGE, "--pattern: '%s' is not const, poisson or burst",
					optarg);
			break;
		case O_BSIZE: c->sched.burst_size = (uint32_t)lab_parse_u64("burst-size", optarg, 1, 1000000); break;
		case O_BGAP:
			c->sched.burst_gap_ns = lab_parse_u64("burst-gap-us", optarg, 1, 3600000000ull) * 1000;
			cli->have_gap = true;
			break;
		case O_DUR:
			cli->duration_s = lab_parse_double("duration", optarg, 0.000001, 86400 * 7);
			cli->have_dur = true;
			break;
		case O_COUNT:
			c->count = lab_parse_u64("count", optarg, 1, 1ull << 36);
			cli->have_count = true;
			break;
		case O_SEED: c->sched.seed = lab_parse_u64("seed", optarg, 0, UINT64_MAX); break;
		case O_SIZE: c->frame_size = (uint32_t)lab_parse_u64("size", optarg, 1, 65535); break;
		case O_STAMP: c->stamp = true; break;
		case O_BACKEND: cli->backend = optarg; break;
		case O_CPU: c->cpu = (int)lab_parse_u64("cpu", optarg, 0, 1023); break;
		case O_BATCH: c->batch = (uint32_t)lab_parse_u64("batch", optarg, 1, 256); break;
		case O_SPIN: c->spin_ns = (uint32_t)lab_parse_u64("spin-us", optarg, 0, 1000000) * 1000; break;
		case O_QUEUE: c->queue = (uint32_t)lab_parse_u64("queue", optarg, 0, 63); break;
		case O_COPY: c->copy_mode = 1; break;
		case O_ZC: c->copy_mode = 2; break;
		case O_XDPMODE: c->attach_mode = parse_xdp_mode(optarg); break;
		case O_NOBP: c->busy_poll = false; break;
		case O_GAPLOG: c->gap_log = optarg; break;
		case O_GAPTHR: c->gap_threshold_ns = lab_parse_u64("gap-threshold-us", optarg, 1, 1000000) * 1000; break;
		case O_NOTXTS: c->no_tx_tstamp = true; break;
		case O_TIMING:
			if (!strcmp(optarg, "kernel"))
				c->timing = GEN_TIMING_KERNEL;
			else if (!strcmp(optarg, "user"))
				c->timing = GEN_TIMING_USER;
			else
				lab_die(LAB_EXIT_USAGE, "--timing: '%s' is not kernel or user", optarg);
			break;
		case O_STAMPS:
			if ((c->stamps = lab_stp_src_parse(optarg)) < 0)
				lab_die(LAB_EXIT_USAGE, "--stamps: '%s' is not user, kernel or hw", optarg);
			break;
		case O_STPFILE: c->stamps_file = optarg; break;
		case O_UNMARKED: c->accept_unmarked = true; break;
		case O_STREAMCPU:
			c->stream_cpu = strcmp(optarg, "off") == 0 ? -2 :
				(int)lab_parse_u64("stream-cpu (a cpu, or 'off')", optarg, 0, 1023);
			break;
		case O_TAIL: c->tail_ns = lab_parse_u64("tail-ms", optarg, 0, 600000) * 1000000ull; break;
		case O_OUT: c->out = optarg; break;
		case O_STATS: c->stats_json = optarg; break;
		case O_PATH:
			if (!*optarg || strlen(optarg) >= 16)
				lab_die(LAB_EXIT_USAGE, "--path: '%s' must be 1 to 15 characters", optarg);
			c->path = optarg;
			break;
		case O_QUIET: c->quiet = true; break;
		case O_CAP: c->capture = optarg; break;
		case O_CAPRATE: cli->cap_rate = lab_parse_u64("capture-rate-pps", optarg, 0, 1000000000); cli->have_cap_rate = true; break;
		case O_CAPWIN: c->cap_window_ns = lab_parse_u64("capture-window-us", optarg, 1, 10000000) * 1000; break;
		case O_CAPLAT: c->cap_latency_ns = lab_parse_u64("capture-latency-us", optarg, 0, 100000000) * 1000; break;
		case O_CAPBEF: c->cap_ring = (uint32_t)lab_parse_u64("capture-before", optarg, 1, 1000000); break;
		case O_CAPAFT: c->cap_after = (uint32_t)lab_parse_u64("capture-after", optarg, 0, 1000000); break;
		case O_CAPSNAP: c->cap_snaplen = (uint32_t)lab_parse_u64("capture-snaplen", optarg, 64, 65535); break;
		case O_CAPMAX: c->cap_max_events = (uint32_t)lab_parse_u64("capture-max-events", optarg, 1, 1000000); break;
		case 'h': usage(stdout); return LAB_EXIT_OK;
		case O_VERSION:
			printf("lab-gen %s (backends: udp%s)\n", LAB_VERSION_STRING,
			       GEN_HAVE_XSK ? ", xsk" : "");
			return LAB_EXIT_OK;
		default:
			fprintf(stderr, "%s: see --help\n", lab_prog());
			return LAB_EXIT_USAGE;
		}
	}
	if (optind < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
	if (cli->have_dur && cli->have_count)
		lab_die(LAB_EXIT_USAGE, "--duration and --count: give one of them");
	/* user timing reads the clock around socket calls: a backend without them has nothing
	 * to time that way (xsk's rings are not syscalls with a reply to wait in) */
	if (c->timing == GEN_TIMING_USER && strcmp(cli->backend, "udp"))
		lab_die(LAB_EXIT_USAGE, "--timing user needs --backend udp (not %s)", cli->backend);
	if (c->flows > 1 && strcmp(cli->backend, "xsk"))
		lab_die(LAB_EXIT_USAGE, "--flows %u needs --backend xsk (the udp backend sends from one "
			"socket, one source port)", c->flows);
	return -1;
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
	struct gen_cli cli;
	int rc;

	lab_log_init(argv[0]);
	cfg_defaults(&g, &cli);
	if ((rc = parse_cli(argc, argv, c, &cli)) >= 0)
		return rc;
	/* the guard comes first: nothing is opened, let alone sent, for a refused destination */
	check_destination(c, &cli);
	check_stamps(c, &cli);
	resolve_addresses(c, &cli);
	check_frame_size(c);
	plan_schedule(c, &cli);
	g.be = pick_backend(cli.backend);
	if (c->capture && !cli.have_cap_rate)
		cli.cap_rate = (uint64_t)llround(2 * gen_sched_mean_pps(&c->sched));
	c->cap_rate_pps = cli.cap_rate;
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
