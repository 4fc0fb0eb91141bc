/* main.c — lab-analyze: the command line. Three modes: analyze a results directory (the
 * default), find microbursts in a capture (--pcap), sample softnet_stat (--sample-softnet). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "lab_config.h"
#include "log.h"
#include "pcapscan.h"
#include "run.h"
#include "softnet.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: lab-analyze [options] RESULTS_DIR\n"
"       lab-analyze --pcap FILE [--window-us N] [--threshold-pps R] [--json]\n"
"                   [--write OUT.pcap] [--margin-us N]\n"
"       lab-analyze --sample-softnet FILE [--interval-ms N] [--duration S]\n"
"\n"
"RESULTS_DIR: a run of `setup/lab run` (records/<path>.rec, counters/, gen/, softnet/,\n"
"skipped/, run.json). Writes summary.json, summary.md, report.html, softnet.csv and\n"
"bursts/<path>.pcap into it. Percentiles are exact (every packet, nearest rank).\n"
"\n"
"Microbursts (both modes): a window starts at each arrival; it is hot when its packets,\n"
"as a rate, exceed the threshold; overlapping hot windows make one burst.\n"
"  --window-us N        window length in microseconds (default: max(100, 20 mean gaps))\n"
"  --threshold-pps R    rate a window must exceed (default: 2 x the mean rate; in a run\n"
"                       the offered rate, in a capture its mean over the whole file)\n"
"  --no-pcap            RESULTS_DIR: do not write bursts/<path>.pcap\n"
"\n"
"Captures (pcap micro- or nanosecond, either byte order, or pcapng: tcpdump, xdpdump,\n"
"dpdk-dumpcap, Wireshark):\n"
"  --pcap FILE          list the bursts of FILE\n"
"  --json               print them as JSON: {\"bursts\": [{start_ns, end_ns, packets,\n"
"                       peak_pps}, ...], ...}\n"
"  --write OUT.pcap     write the packets inside the burst windows (nanosecond pcap)\n"
"  --margin-us N        with --write, also keep N us before and after each burst (0)\n"
"\n"
"Softnet sampling (run by setup/lab during each path's run):\n"
"  --sample-softnet FILE  append snapshots of /proc/net/softnet_stat (every column, every\n"
"                       CPU, CLOCK_MONOTONIC ns each) to FILE until SIGINT/SIGTERM\n"
"  --interval-ms N      time between snapshots (default 100)\n"
"  --duration S         stop after S seconds (default 0: until signalled)\n"
"  --source PATH        read PATH instead of /proc/net/softnet_stat (for tests)\n"
"\n"
"  -v, --verbose        more messages\n"
"  -V, --version        print the version\n"
"  -h, --help           this text\n"
"\n"
"Exit: 0 done, 1 a runtime failure (unreadable or corrupt input, write error), 2 bad usage.\n");
}

enum { O_PCAP = 256, O_WINDOW, O_THRESH, O_JSON, O_WRITE, O_MARGIN, O_SAMPLE, O_INTERVAL,
       O_DURATION, O_SOURCE, O_NOPCAP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pcap", required_argument, NULL, O_PCAP},
		{"window-us", required_argument, NULL, O_WINDOW},
		{"threshold-pps", required_argument, NULL, O_THRESH},
		{"json", no_argument, NULL, O_JSON},
		{"write", required_argument, NULL, O_WRITE},
		{"margin-us", required_argument, NULL, O_MARGIN},
		{"sample-softnet", required_argument, NULL, O_SAMPLE},
		{"interval-ms", required_argument, NULL, O_INTERVAL},
		{"duration", required_argument, NULL, O_DURATION},
		{"source", required_argument, NULL, O_SOURCE},
		{"no-pcap", no_argument, NULL, O_NOPCAP},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pcap = NULL, *sample = NULL, *source = "/proc/net/softnet_stat";
	struct lab_scan_opts so = {0};
	struct lab_analyze_opts ao = {.write_pcap = true};
	uint64_t interval_ms = 100, window_us = 0, margin_us = 0;
	double duration_s = 0, threshold = 0;
	bool scan_only = false, sample_only = false, run_only = false;
	char err[1024];
	int c;

	lab_log_init("lab-analyze");
	/* report.html, summary.md and softnet.csv go through fopen (0666 & ~umask): whatever the
	 * caller's umask, nothing we write is group- or world-writable */
	umask(umask(0) | 022);
	while ((c = getopt_long(argc, argv, ":vVh", opts, NULL)) != -1) {
		switch (c) {
		case O_PCAP: pcap = optarg; break;
		case O_WINDOW: window_us = lab_parse_u64("window-us", optarg, 1, 60000000); break;
		case O_THRESH: threshold = lab_parse_double("threshold-pps", optarg, 1, 1e12); break;
		case O_JSON: so.json = true; scan_only = true; break;
		case O_WRITE: so.write = optarg; scan_only = true; break;
		case O_MARGIN: margin_us = lab_parse_u64("margin-us", optarg, 0, 60000000); scan_only = true; break;
		case O_SAMPLE: sample = optarg; break;
		case O_INTERVAL: interval_ms = lab_parse_u64("interval-ms", optarg, 1, 3600000); sample_only = true; break;
		case O_DURATION: duration_s = lab_parse_double("duration", optarg, 0, 1e7); sample_only = true; break;
		case O_SOURCE: source = optarg; sample_only = true; break;
		case O_NOPCAP: ao.write_pcap = false; run_only = true; break;
		case 'v': lab_set_verbose(true); break;
		case 'V': printf("lab-analyze %s\n", LAB_VERSION_STRING); return LAB_EXIT_OK;
		case 'h': usage(stdout); return LAB_EXIT_OK;
		case ':':
			lab_die(LAB_EXIT_USAGE, "%s needs a value (see --help)", argv[optind - 1]);
		default:
			lab_die(LAB_EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (pcap && sample)
		lab_die(LAB_EXIT_USAGE, "--pcap and --sample-softnet are two different modes: give one");
	if (sample) {
		if (scan_only || run_only || window_us || threshold > 0 || optind < argc)
			lab_die(LAB_EXIT_USAGE, "--sample-softnet takes only --interval-ms, --duration "
						"and --source");
		lab_install_stop_signals();
		/* the sampler runs as long as a whole run: it needs no privilege at all
		 * (/proc/net/softnet_stat is world-readable), so it keeps none */
		if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
			lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
		if (sn_sample(sample, source, interval_ms * 1000000ull,
			      (uint64_t)llround(duration_s * 1e9), err, sizeof(err)) < 0)
			lab_die(LAB_EXIT_RUNTIME, "softnet sampler: %s", err);
		return LAB_EXIT_OK;
	}
	if (sample_only)
		lab_die(LAB_EXIT_USAGE, "--interval-ms, --duration and --source go with --sample-softnet");
	if (pcap) {
		if (run_only || optind < argc)
			lab_die(LAB_EXIT_USAGE, "--pcap FILE takes no results directory (and no --no-pcap)");
		if (margin_us && !so.write)
			lab_die(LAB_EXIT_USAGE, "--margin-us goes with --write OUT.pcap");
		so.window_ns = window_us * 1000;
		so.threshold_pps = threshold;
		so.margin_ns = margin_us * 1000;
		if (lab_pcap_scan(pcap, &so, stdout, err, sizeof(err)) < 0)
			lab_die(LAB_EXIT_RUNTIME, "%s", err);
		return LAB_EXIT_OK;
	}
	if (scan_only)
		lab_die(LAB_EXIT_USAGE, "--json, --write and --margin-us go with --pcap FILE");
	if (optind != argc - 1)
		lab_die(LAB_EXIT_USAGE, "give one results directory (or --pcap FILE); see --help");

	struct lab_run run;
	ao.window_ns = window_us * 1000;
	ao.threshold_pps = threshold;
	if (lab_run_load(argv[optind], &ao, &run, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	if (lab_write_summary_json(&run, err, sizeof(err)) < 0 ||
	    lab_write_summary_md(&run, err, sizeof(err)) < 0 ||
	    lab_write_softnet_csv(&run, err, sizeof(err)) < 0 ||
	    lab_write_report_html(&run, err, sizeof(err)) < 0) {
		lab_run_free(&run);
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	lab_info("wrote summary.json, summary.md, report.html, softnet.csv and bursts/ in %s",
		 run.dir);
	lab_run_free(&run);
	return LAB_EXIT_OK;
}
