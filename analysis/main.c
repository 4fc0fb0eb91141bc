/* main.c — lab-analyze: the command line. Three modes: analyze a results directory (the
 * default), find microbursts in a capture (--pcap), sample softnet_stat (--sample-softnet). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "afile.h"
#include "caps.h"
#include "compare.h"
#include "hlog.h"
#include "lab_config.h"
#include "log.h"
#include "pcapscan.h"
#include "repeat.h"
#include "run.h"
#include "softnet.h"
#include "tail.h"
#include "util.h"
#include "watchrep.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: lab-analyze [options] RESULTS_DIR\n"
"       lab-analyze WATCH_DIR   (a directory of lab-watch: its report.html)\n"
"       lab-analyze --pcap FILE [--window-us N] [--threshold-pps R] [--threshold-bps R]\n"
"                   [--json]\n"
"                   [--write OUT.pcap] [--margin-us N]\n"
"       lab-analyze --sample-softnet FILE [--interval-ms N] [--duration S]\n"
"       lab-analyze --compare A B [--threshold PCT] [--force] [--out DIR]\n"
"                   (two runs side by side: see --compare --help)\n"
"\n"
"RESULTS_DIR: a run of `setup/lab run` (records/<path>.rec, counters/, gen/, softnet/,\n"
"skipped/, run.json). Writes summary.json, summary.md, report.html, softnet.csv,\n"
"bursts/<path>.pcap and hist/<path>.hlog (HdrHistogram interval logs, 1 s) into it.\n"
"Percentiles are exact (every packet, nearest rank). A run of `setup/lab run --repeat N`\n"
"(rep1/ ... repN/): each repetition gets those files, and the top a summary.json and\n"
"summary.md of the median over repetitions with a 95 %% interval over repetitions.\n"
"\n"
"WATCH_DIR: the --out directory of lab-watch (watch.json and events.jsonl; events.jsonl\n"
"alone when the watch was killed). Writes WATCH_DIR/report.html: the watch's settings and\n"
"totals, a timeline of the events, each event's start, packets, peak rate, pcap, top flows\n"
"and drops, and how to open the pcap in Wireshark. A run of `setup/lab run --watch` holds\n"
"one in watch/: its summary.json gets `watch` and its report links watch/report.html.\n"
"\n"
"Microbursts (both modes): a window starts at each arrival; it is hot when its packets,\n"
"as a rate, exceed the threshold; overlapping hot windows make one burst.\n"
"  --window-us N        window length in microseconds (default: max(100, 20 mean gaps))\n"
"  --threshold-pps R    rate a window must exceed (default: 2 x the mean rate; in a run\n"
"                       the offered rate, in a capture its mean over the whole file)\n"
"  --threshold-bps R    --pcap: a window is also hot when its bits (wire length x 8) /\n"
"                       window exceed R (alone: the packet threshold is off), as lab-watch\n"
"  --no-pcap            RESULTS_DIR: do not write bursts/<path>.pcap\n"
"\n"
"Tail attribution (RESULTS_DIR with trace/<path>.evt from lab-trace and gaps/<path>.*.gap from\n"
"the spinning loops): each packet slower than the threshold (RTT from the intended send) is\n"
"charged to the IRQs, softirqs, NMIs, other tasks and unexplained gaps (the hypervisor) that\n"
"overlap its legs on the generator's and the DUT's cores; summary.json paths.<p>.tail and\n"
"summary.md's \"What slowed the slowest packets\", with the tuning change for each cause.\n"
"  --tail-threshold-us N  slow above N us (default: the path's RTT p50 + 10 us)\n"
"  --tail-min-cover F   a packet is attributed when the events overlapping it cover at\n"
"                       least F of its excess over the median (0-1, default 0.5); less is\n"
"                       counted as unattributed, never guessed\n"
"  --gen-cpu N, --dut-cpu N  the cores (default: run.json's gen_cpu and dut_cpu)\n"
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
"  --interval-ms N      time between snapshots (default 100); 0: one at the start and one\n"
"                       at the stop, asleep in between (the counters are cumulative: a run\n"
"                       on a machine with no core to spare samples only around the packets)\n"
"  --duration S         stop after S seconds (default 0: until signalled)\n"
"  --source PATH        read PATH instead of /proc/net/softnet_stat (for tests)\n"
"\n"
"  -v, --verbose        more messages\n"
"  -V, --version        print the version\n"
"  -h, --help           this text\n"
"\n"
"Exit: 0 done, 1 a runtime failure (unreadable or corrupt input, write error), 2 bad usage.\n");
}

enum { O_PCAP = 256, O_WINDOW, O_THRESH, O_THRESH_BPS, O_JSON, O_WRITE, O_MARGIN, O_SAMPLE, O_INTERVAL,
       O_DURATION, O_SOURCE, O_NOPCAP, O_TAIL_THR, O_TAIL_COVER, O_GEN_CPU, O_DUT_CPU };

/* The command line: which mode, and the flags that belong to each. */
struct ana_cli {
	const char *pcap, *sample, *source;
	struct lab_scan_opts so;
	struct lab_analyze_opts ao;
	uint64_t interval_ms, window_us, margin_us;
	double duration_s, threshold;
	bool scan_only, sample_only, run_only; /* a flag of that mode only was given */
};

/* The flags into cli. Returns -1 to go on, or the exit code when the command is done (--help,
 * --version). Bad flags end the process with exit 2. */
static int parse_cli(int argc, char **argv, struct ana_cli *cli)
{
	static const struct option opts[] = {
		{"pcap", required_argument, NULL, O_PCAP},
		{"window-us", required_argument, NULL, O_WINDOW},
		{"threshold-pps", required_argument, NULL, O_THRESH},
		{"threshold-bps", required_argument, NULL, O_THRESH_BPS},
		{"json", no_argument, NULL, O_JSON},
		{"write", required_argument, NULL, O_WRITE},
		{"margin-us", required_argument, NULL, O_MARGIN},
		{"sample-softnet", required_argument, NULL, O_SAMPLE},
		{"interval-ms", required_argument, NULL, O_INTERVAL},
		{"duration", required_argument, NULL, O_DURATION},
		{"source", required_argument, NULL, O_SOURCE},
		{"no-pcap", no_argument, NULL, O_NOPCAP},
		{"tail-threshold-us", required_argument, NULL, O_TAIL_THR},
		{"tail-min-cover", required_argument, NULL, O_TAIL_COVER},
		{"gen-cpu", required_argument, NULL, O_GEN_CPU},
		{"dut-cpu", required_argument, NULL, O_DUT_CPU},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, ":vVh", opts, NULL)) != -1) {
		switch (c) {
		case O_PCAP: cli->pcap = optarg; break;
		case O_WINDOW: cli->window_us = lab_parse_u64("window-us", optarg, 1, 60000000); break;
		case O_THRESH: cli->threshold = lab_parse_double("threshold-pps", optarg, 1, 1e12); break;
		case O_THRESH_BPS:
			cli->so.threshold_bps = lab_parse_double("threshold-bps", optarg, 1, 1e15);
			cli->scan_only = true;
			break;
		case O_JSON: cli->so.json = true; cli->scan_only = true; break;
		case O_WRITE: cli->so.write = optarg; cli->scan_only = true; break;
		case O_MARGIN: cli->margin_us = lab_parse_u64("margin-us", optarg, 0, 60000000); cli->scan_only = true; break;
		case O_SAMPLE: cli->sample = optarg; break;
		case O_INTERVAL: cli->interval_ms = lab_parse_u64("interval-ms", optarg, 0, 3600000); cli->sample_only = true; break;
		case O_DURATION: cli->duration_s = lab_parse_double("duration", optarg, 0, 1e7); cli->sample_only = true; break;
		case O_SOURCE: cli->source = optarg; cli->sample_only = true; break;
		case O_NOPCAP: cli->ao.write_pcap = false; cli->run_only = true; break;
		case O_TAIL_THR:
			cli->ao.tail_threshold_ns = lab_parse_u64("tail-threshold-us", optarg, 1, 60000000) * 1000;
			cli->run_only = true;
			break;
		case O_TAIL_COVER:
			cli->ao.tail_min_cover = lab_parse_double("tail-min-cover", optarg, 0.001, 1);
			cli->run_only = true;
			break;
		case O_GEN_CPU: cli->ao.gen_cpu = (int)lab_parse_u64("gen-cpu", optarg, 0, 4095); cli->run_only = true; break;
		case O_DUT_CPU: cli->ao.dut_cpu = (int)lab_parse_u64("dut-cpu", optarg, 0, 4095); cli->run_only = true; break;
		case 'v': lab_set_verbose(true); break;
		case 'V': printf("lab-analyze %s\n", LAB_VERSION_STRING); return LAB_EXIT_OK;
		case 'h': usage(stdout); return LAB_EXIT_OK;
		case ':':
			lab_die(LAB_EXIT_USAGE, "%s needs a value (see --help)", argv[optind - 1]);
		default:
			lab_die(LAB_EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (cli->pcap && cli->sample)
		lab_die(LAB_EXIT_USAGE, "--pcap and --sample-softnet are two different modes: give one");
	return -1;
}

static int sample_softnet(const struct ana_cli *cli, int argc)
{
	char err[1024];

	if (cli->scan_only || cli->run_only || cli->window_us || cli->threshold > 0 || optind < argc)
		lab_die(LAB_EXIT_USAGE, "--sample-softnet takes only --interval-ms, --duration "
					"and --source");
	lab_install_stop_signals();
	/* the sampler runs as long as a whole run: it needs no privilege at all
	 * (/proc/net/softnet_stat is world-readable), so it keeps none */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
	if (sn_sample(cli->sample, cli->source, cli->interval_ms * 1000000ull,
		      (uint64_t)llround(cli->duration_s * 1e9), err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "softnet sampler: %s", err);
	return LAB_EXIT_OK;
}

static int scan_capture(struct ana_cli *cli, int argc)
{
	char err[1024];

	if (cli->run_only || optind < argc)
		lab_die(LAB_EXIT_USAGE, "--pcap FILE takes no results directory (and no --no-pcap)");
	if (cli->margin_us && !cli->so.write)
		lab_die(LAB_EXIT_USAGE, "--margin-us goes with --write OUT.pcap");
	/* the same file by any name (a link, ./F): refused before anything is read or created */
	if (cli->so.write && lab_same_file(cli->pcap, cli->so.write))
		lab_die(LAB_EXIT_USAGE, "--write %s is the capture --pcap reads: write the burst "
			"windows to another file", cli->so.write);
	cli->so.window_ns = cli->window_us * 1000;
	cli->so.threshold_pps = cli->threshold;
	cli->so.margin_ns = cli->margin_us * 1000;
	if (lab_pcap_scan(cli->pcap, &cli->so, stdout, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	return LAB_EXIT_OK;
}

/* Every file of one run (or repetition) from its analysis. 0, or -1 with a line in err. */
/* `run --watch`: watch/report.html of the run and of each scenario, for the reports to link (a
 * lab-watch directory's own report: outside the run's set, which looks for it) */
static void watch_reports(const struct lab_run *run)
{
	int on = lab_afile_set_pause();
	for (size_t i = 0; i < run->nscen; i++)
		watch_reports(&run->scen[i]);
	lab_watch_for_run(run->dir);
	lab_afile_set_resume(on);
}

static int write_run(const struct lab_run *run, char *err, size_t errlen)
{
	/* each scenario's own files first (scenarios/<name>/), then the run's, which holds them all */
	for (size_t i = 0; i < run->nscen; i++)
		if (write_run(&run->scen[i], err, errlen) < 0)
			return -1;
	if (lab_write_summary_json(run, err, errlen) < 0 ||
	    lab_write_summary_md(run, err, errlen) < 0 ||
	    lab_write_softnet_csv(run, err, errlen) < 0 ||
	    lab_write_report_html(run, err, errlen) < 0 ||
	    lab_write_tail_csv(run, err, errlen) < 0 ||
	    lab_write_hlogs(run, err, errlen) < 0)
		return -1;
	lab_info("wrote summary.json, summary.md, report.html, softnet.csv, bursts/ and hist/ in %s",
		 run->dir);
	return 0;
}

/* A run of `setup/lab run --repeat N`: each repetition's own files, then the top summary
 * (repeat.h). */
static int analyze_repeated(struct ana_cli *cli, const char *dir)
{
	static struct lab_reps reps;
	char err[1024];

	lab_afile_set_begin();
	if (lab_reps_load(dir, &cli->ao, &reps, err, sizeof(err)) < 0) {
		lab_afile_set_abort();
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	int on = lab_afile_set_pause();
	lab_watch_for_run(dir); /* `run --watch --repeat N`: the watch of the whole run */
	lab_afile_set_resume(on);
	for (size_t i = 0; i < reps.n; i++)
		watch_reports(&reps.rep[i]);
	for (size_t i = 0; i < reps.n; i++)
		if (write_run(&reps.rep[i], err, sizeof(err)) < 0) {
			lab_afile_set_abort();
			lab_reps_free(&reps);
			lab_die(LAB_EXIT_RUNTIME, "%s", err);
		}
	if (lab_write_reps_summary(&reps, err, sizeof(err)) < 0) {
		lab_afile_set_abort();
		lab_reps_free(&reps);
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	if (lab_afile_set_commit() < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s: putting the outputs in place: %s", dir, strerror(errno));
	lab_info("wrote summary.json and summary.md over %zu repetitions in %s", reps.n, dir);
	lab_reps_free(&reps);
	return LAB_EXIT_OK;
}

/* A directory of lab-watch: its report.html (watchrep.h). */
static int analyze_watch(const struct ana_cli *cli, const char *dir)
{
	struct lab_watch w;
	char err[1024];

	if (cli->run_only || cli->window_us || cli->threshold > 0)
		lab_die(LAB_EXIT_USAGE, "%s is a lab-watch directory: it takes no analysis flags", dir);
	if (lab_watch_load(dir, &w, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	if (lab_watch_write_report(&w, err, sizeof(err)) < 0) {
		lab_watch_free(&w);
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	printf("lab-analyze: %s/report.html (%zu event%s)\n", dir, w.nev, w.nev == 1 ? "" : "s");
	lab_watch_free(&w);
	return LAB_EXIT_OK;
}

static int analyze_run(struct ana_cli *cli, const char *dir)
{
	struct lab_run run;
	char err[1024];

	cli->ao.window_ns = cli->window_us * 1000;
	cli->ao.threshold_pps = cli->threshold;
	if (lab_reps_is_repeated(dir) == 1)
		return analyze_repeated(cli, dir);
	/* the run's outputs (bursts/ while loading, then the summaries, report, hist/) replaced as
	 * a whole: all written, then all renamed into place; a failure part way keeps the last set */
	lab_afile_set_begin();
	if (lab_run_load(dir, &cli->ao, &run, err, sizeof(err)) < 0) {
		lab_afile_set_abort();
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	watch_reports(&run);
	if (write_run(&run, err, sizeof(err)) < 0) {
		lab_afile_set_abort();
		lab_run_free(&run);
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	}
	lab_run_free(&run);
	if (lab_afile_set_commit() < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s: putting the outputs in place: %s", dir, strerror(errno));
	return LAB_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ana_cli cli = {
		.source = "/proc/net/softnet_stat",
		.ao = {.write_pcap = true, .gen_cpu = -1, .dut_cpu = -1},
		.interval_ms = 100,
	};
	int rc;

	lab_log_init("lab-analyze");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--compare") == 0)
			return lab_compare_main(argc, argv);
	/* report.html, summary.md and softnet.csv go through fopen (0666 & ~umask): whatever the
	 * caller's umask, nothing we write is group- or world-writable */
	umask(umask(0) | 022);
	if ((rc = parse_cli(argc, argv, &cli)) >= 0)
		return rc;
	if (cli.sample)
		return sample_softnet(&cli, argc);
	if (cli.sample_only)
		lab_die(LAB_EXIT_USAGE, "--interval-ms, --duration and --source go with --sample-softnet");
	if (cli.pcap)
		return scan_capture(&cli, argc);
	if (cli.scan_only)
		lab_die(LAB_EXIT_USAGE, "--json, --write and --margin-us go with --pcap FILE");
	if (optind != argc - 1)
		lab_die(LAB_EXIT_USAGE, "give one results directory (or --pcap FILE); see --help");
	if (lab_watch_is_dir(argv[optind]))
		return analyze_watch(&cli, argv[optind]);
	return analyze_run(&cli, argv[optind]);
}
