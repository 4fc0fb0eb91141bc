/* watch_main.c — lab-watch's command line; the work is in watch.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab_constants.h"
#include "log.h"
#include "netif.h"
#include "opt_table.h"
#include "watch.h"

#define W(field) LAB_FIELD(struct watch_cfg, field)

static const struct lab_opt opts[] = {
	{.name = "iface", .kind = LAB_OPT_STR, W(iface), .arg = "IF",
	 .help = "the interface (or give it first, without the flag); \"any\" captures on all"},
	{.name = "filter", .kind = LAB_OPT_STR, W(filter), .arg = "EXPR", .unset = "everything",
	 .help = "capture filter in tcpdump's syntax, e.g. 'udp and dst port " LAB_PORT_DUT_STR "'"},
	{.name = "direction", .kind = LAB_OPT_ENUM, W(direction), .arg = "both|in|out",
	 .names = (const char *const[]){"both", "in", "out", NULL},
	 .help = "the packets the interface receives (in), sends (out) or both"},
	{.name = "window-us", .kind = LAB_OPT_UINT, W(window_us), .arg = "N", .min = 1,
	 .max = 60000000, .help = "burst window: a window is anchored at each packet"},
	{.name = "threshold-pps", .kind = LAB_OPT_DBL, W(threshold_pps), .arg = "R", .dmin = 1,
	 .dmax = 1e12, .help = "a window is hot when its packets / window exceed R (off when only "
	 "--threshold-bps is given)"},
	{.name = "threshold-bps", .kind = LAB_OPT_DBL, W(threshold_bps), .arg = "R", .dmin = 1,
	 .dmax = 1e15, .help = "a window is also hot when its bits (wire length x 8) "
	 "/ window exceed R: for links measured in Gbit/s (1e9 = 1 Gbit/s; 0: off)"},
	{.name = "before-ms", .kind = LAB_OPT_UINT, W(before_ms), .arg = "N", .max = 60000,
	 .help = "context written before each burst (the ring must hold it: --ring-mb)"},
	{.name = "after-ms", .kind = LAB_OPT_UINT, W(after_ms), .arg = "N", .max = 60000,
	 .help = "context written after each burst"},
	{.name = "snaplen", .kind = LAB_OPT_INT, W(snaplen_opt), .arg = "N", .min = 64, .max = 262144,
	 .unset = "the interface's MTU + 64",
	 .help = "bytes kept of each packet; libpcap sizes its ring's slots (TPACKET_V2) or blocks "
	 "(TPACKET_V3) from it, so a large one leaves few of them in --buffer-mb and a short "
	 "stall overruns it. 262144 keeps GRO'd super-packets whole"},
	{.name = "ring-mb", .kind = LAB_OPT_UINT, W(ring_mb), .arg = "N", .min = 1, .max = 16384,
	 .help = "memory for the recent packets, allocated at start and never more"},
	{.name = "buffer-mb", .kind = LAB_OPT_UINT, W(buffer_mb), .arg = "N", .min = 1, .max = 2047,
	 .help = "the kernel's capture buffer (packets waiting for lab-watch)"},
	{.name = "immediate", .kind = LAB_OPT_SET, W(immediate), .value = 1,
	 .help = "libpcap's immediate mode: each packet at once (TPACKET_V2) instead of in "
	 "blocks (TPACKET_V3, retired every 10 ms); costs more CPU per packet"},
	{.name = "out", .kind = LAB_OPT_STR, W(out), .arg = "DIR", .unset = "watch-<date>-<time>",
	 .help = "where events.jsonl, the pcaps and watch.json go (made if missing)"},
	{.name = "split", .kind = LAB_OPT_SET, W(split), .value = 1,
	 .help = "one pcap per event (bursts/event-NNNNNN.pcap) instead of one bursts.pcap"},
	{.name = "duration", .kind = LAB_OPT_DBL, W(duration_s), .arg = "S", .dmax = 86400.0 * 365,
	 .unset = "until Ctrl-C", .help = "stop after S seconds (0: until SIGINT/SIGTERM)"},
	{.name = "max-events", .kind = LAB_OPT_UINT, W(max_events), .arg = "N", .max = UINT32_MAX,
	 .help = "stop after N events (0: no limit)"},
	{.name = "max-bytes", .kind = LAB_OPT_UINT, W(max_bytes), .arg = "N", .min = 1024,
	 .max = UINT64_MAX / 2, .help = "write at most N bytes of pcap; later events are still "
	 "described, with \"pcap_full\": true"},
	{.name = "force", .kind = LAB_OPT_SET, W(force), .value = 1,
	 .help = "write over the files of an earlier watch in DIR"},
	{.name = "ready-file", .kind = LAB_OPT_STR, W(ready_file), .arg = "PATH",
	 .help = "write PATH (our pid) once the capture is open"},
	{.name = "quiet", .short_name = 'q', .kind = LAB_OPT_SET, W(quiet), .value = 1,
	 .help = "no progress lines"},
	{.name = "verbose", .short_name = 'v', .kind = LAB_OPT_VERBOSE, .help = "debug lines"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{.name = "version", .kind = LAB_OPT_VERSION, .help = "the version"},
	{0},
};

static void help(FILE *f, void *arg)
{
	const struct lab_opt_group *g = arg;
	fputs("usage: lab-watch IFACE [flags]\n\n", f);
	lab_opts_wrap(f, "A microburst flight recorder: captures on IFACE (libpcap, nanosecond "
		      "timestamps), keeps the last moments in a ring of fixed size, and writes to "
		      "disk only the bursts, with --before-ms and --after-ms of context, beside one "
		      "JSON line per event (events.jsonl: start, duration, packets, bytes, peak rate, "
		      "top flows, and the drops around it: libpcap's, the interface's rx_dropped / "
		      "rx_missed_errors, the driver's ethtool drop counters, softnet dropped and "
		      "time_squeeze per CPU). The detector is lab-analyze --pcap's: a window "
		      "[t, t + window) at each packet is hot when its rate exceeds a threshold; hot "
		      "windows that share packets are one burst. `lab-analyze DIR` builds DIR's "
		      "report.html.", 0, 0);
	fputc('\n', f);
	lab_opts_print(f, g);
	fputc('\n', f);
	lab_opts_wrap(f, "Timestamps are CLOCK_REALTIME (what the pcap holds); watch.json gives "
		      "realtime - monotonic to line them up with a run's. Open a pcap with "
		      "`wireshark DIR/bursts.pcap` or `tshark -r DIR/bursts.pcap`.", 0, 0);
	fputc('\n', f);
	lab_opts_wrap(f, "Exit: 0 done (also on SIGINT/SIGTERM: the pending event is written "
		      "first, then watch.json), 1 runtime failure (interface down, capture or "
		      "write failure), 2 usage (a bad flag, a filter that does not compile, no such "
		      "interface, files of an earlier watch without --force).", 0, 0);
}

int main(int argc, char **argv)
{
	static char outbuf[64];
	struct watch_cfg c = {.window_us = 100, .before_ms = 10, .after_ms = 10, 
			      .ring_mb = 64, .buffer_mb = 32, .max_bytes = 1ull << 30, .snaplen_opt = -1,
			      .threshold_pps = 100000};
	struct lab_opt_group g = {"Flags:", opts, &c, 0};
	const char *first = NULL;

	lab_log_init("lab-watch");
	if (argc > 1 && argv[1][0] != '-') { /* the interface, first */
		first = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	if (first && c.iface)
		lab_die(LAB_EXIT_USAGE, "give the interface once (%s or --iface %s)", first, c.iface);
	if (first)
		c.iface = first;
	if (!c.iface || !*c.iface)
		lab_die(LAB_EXIT_USAGE, "which interface? lab-watch IFACE [flags] (see --help)");
	if (!lab_opts_seen(&g, "threshold-pps") && lab_opts_seen(&g, "threshold-bps"))
		c.threshold_pps = 0; /* the bit rate alone */
	c.snaplen = c.snaplen_opt > 0 ? (uint64_t)c.snaplen_opt : 0;
	if (!c.snaplen) {
		uint32_t mtu = 9000;
		lab_if_mtu(c.iface, &mtu); /* "any" or an error: room for jumbo frames */
		c.snaplen = mtu + 64;
	}
	if (!c.out) {
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(outbuf, sizeof(outbuf), "watch-%Y%m%d-%H%M%S", &tm);
		c.out = outbuf;
	}
	if ((uint64_t)c.ring_mb << 20 < 4 * (c.snaplen + 64))
		lab_die(LAB_EXIT_USAGE, "--ring-mb %llu cannot hold 4 packets of --snaplen %llu",
			(unsigned long long)c.ring_mb, (unsigned long long)c.snaplen);
	return watch_run(&c);
}
