/* main.c — lab-analyze: the command line. A table of commands (run, pcap, watch, compare,
 * sample-softnet), each with its flag groups (opt_table), its handler, and its --help generated
 * from them; the older forms (lab-analyze DIR, --pcap FILE, --sample-softnet FILE, --compare A B,
 * a lab-watch directory detected) still pick the same commands with the same errors. */
#include <errno.h>
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
#include "opt_table.h"
#include "pcapscan.h"
#include "repeat.h"
#include "run.h"
#include "softnet.h"
#include "tail.h"
#include "util.h"
#include "watchrep.h"

/* Every flag of every command lands here. */
struct ana_cli {
	const char *pcap, *sample; /* the older forms' --pcap FILE and --sample-softnet FILE */
	bool compare;              /* the older form's --compare: nothing to set */
	const char *source;
	struct lab_scan_opts so;
	struct lab_analyze_opts ao;
	uint64_t interval_ms, window_us, margin_us, tail_us;
	double duration_s, threshold;
	struct lab_cmp_cli cmp;
};

static struct ana_cli cli = {
	.source = "/proc/net/softnet_stat",
	.ao = {.write_pcap = true, .gen_cpu = -1, .dut_cpu = -1},
	.interval_ms = 100,
	.cmp = {.threshold_pct = 5},
};

#define C(field) LAB_FIELD(struct ana_cli, field)

static const struct lab_opt burst_opts[] = {
	{.name = "window-us", .kind = LAB_OPT_UINT, C(window_us), .arg = "N", .min = 1, .max = 60000000,
	 .zero_unset = true, .unset = "max(100, 20 mean gaps)", .help = "window length in microseconds"},
	{.name = "threshold-pps", .kind = LAB_OPT_DBL, C(threshold), .arg = "R", .dmin = 1, .dmax = 1e12,
	 .zero_unset = true, .unset = "2 x the mean rate; in a run the offered rate, in a capture its "
	 "mean over the whole file", .help = "rate a window must exceed"},
	{0},
};

static const struct lab_opt run_opts[] = {
	{.name = "no-pcap", .kind = LAB_OPT_SET, C(ao.write_pcap), .value = 0,
	 .help = "do not write bursts/<path>.pcap"},
	{0},
};

static const struct lab_opt tail_opts[] = {
	{.name = "tail-threshold-us", .kind = LAB_OPT_UINT, C(tail_us), .arg = "N", .min = 1,
	 .max = 60000000, .zero_unset = true, .unset = "the path's RTT p50 + 10 us",
	 .help = "a packet is slow above N us"},
	{.name = "tail-min-cover", .kind = LAB_OPT_DBL, C(ao.tail_min_cover), .arg = "F", .dmin = 0.001,
	 .dmax = 1, .zero_unset = true, .unset = "0.5", .help = "a packet is attributed when the "
	 "events overlapping it cover at least F of its excess over the median (0-1); less is "
	 "counted as unattributed, never guessed"},
	{.name = "gen-cpu", .kind = LAB_OPT_INT, C(ao.gen_cpu), .arg = "N", .max = 4095,
	 .unset = "run.json's gen_cpu", .help = "the generator's core"},
	{.name = "dut-cpu", .kind = LAB_OPT_INT, C(ao.dut_cpu), .arg = "N", .max = 4095,
	 .unset = "run.json's dut_cpu", .help = "the DUT's core"},
	{0},
};

static const struct lab_opt scan_opts[] = {
	{.name = "threshold-bps", .kind = LAB_OPT_DBL, C(so.threshold_bps), .arg = "R", .dmin = 1,
	 .dmax = 1e15, .zero_unset = true, .unset = "off", .help = "a window is also hot when its "
	 "bits (wire length x 8) / window exceed R (alone: the packet threshold is off), as lab-watch"},
	{.name = "json", .kind = LAB_OPT_SET, C(so.json), .value = 1, .help = "print the bursts as "
	 "JSON: {\"bursts\": [{start_ns, end_ns, packets, peak_pps}, ...], ...}"},
	{.name = "write", .kind = LAB_OPT_STR, C(so.write), .arg = "OUT.pcap",
	 .help = "write the packets inside the burst windows (nanosecond pcap)"},
	{.name = "margin-us", .kind = LAB_OPT_UINT, C(margin_us), .arg = "N", .max = 60000000,
	 .help = "with --write, also keep N us before and after each burst"},
	{0},
};

static const struct lab_opt sample_opts[] = {
	{.name = "interval-ms", .kind = LAB_OPT_UINT, C(interval_ms), .arg = "N", .max = 3600000,
	 .help = "time between snapshots; 0: one at the start and one at the stop, asleep in between "
	 "(the counters are cumulative: a run on a machine with no core to spare samples only "
	 "around the packets)"},
	{.name = "duration", .kind = LAB_OPT_DBL, C(duration_s), .arg = "S", .dmax = 1e7,
	 .zero_unset = true, .unset = "until signalled", .help = "stop after S seconds"},
	{.name = "source", .kind = LAB_OPT_STR, C(source), .arg = "PATH",
	 .help = "read PATH instead of /proc/net/softnet_stat (for tests)"},
	{0},
};

static const struct lab_opt cmp_opts[] = {
	{.name = "threshold", .kind = LAB_OPT_DBL, C(cmp.threshold_pct), .arg = "PCT", .dmax = 1000,
	 .help = "practical threshold in percent"},
	{.name = "force", .kind = LAB_OPT_SET, C(cmp.force), .value = 1,
	 .help = "compare runs whose rate, pattern, frame size or paths differ"},
	{.name = "out", .kind = LAB_OPT_STR, C(cmp.out), .arg = "DIR",
	 .unset = "compare-<A>-<B> beside B, created", .help = "where to write"},
	{0},
};

/* the older forms' mode flags */
static const struct lab_opt mode_opts[] = {
	{.name = "pcap", .kind = LAB_OPT_STR, C(pcap), .arg = "FILE", .help = "lab-analyze pcap FILE"},
	{.name = "sample-softnet", .kind = LAB_OPT_STR, C(sample), .arg = "FILE",
	 .help = "lab-analyze sample-softnet FILE"},
	{0},
};

static const struct lab_opt common_opts[] = {
	{.name = "verbose", .short_name = 'v', .kind = LAB_OPT_VERBOSE, .help = "more messages"},
	{.name = "version", .short_name = 'V', .kind = LAB_OPT_VERSION, .help = "print the version"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

/* `--compare A B` parsed the flags of its own, without --version: the same set, so that the
 * same abbreviations mean the same flags */
static const struct lab_opt old_cmp_opts[] = {
	{.name = "compare", .kind = LAB_OPT_SET, C(compare), .value = 1, .help = "lab-analyze compare"},
	{.name = "verbose", .short_name = 'v', .kind = LAB_OPT_VERBOSE, .help = "more messages"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

enum { G_BURST, G_RUN, G_TAIL, G_SCAN, G_SAMPLE, G_CMP, G_MODE, G_COMMON, G_OLD_CMP, G_N };
#define G(x) (1u << G_##x)
#define G_FLAGS (G(BURST) | G(RUN) | G(TAIL) | G(SCAN) | G(SAMPLE)) /* a mode's own flags */

static const struct lab_opt_group groups[G_N] = {
	[G_BURST] = {"Microbursts:", burst_opts, &cli, 0},
	[G_RUN] = {"Output:", run_opts, &cli, 0},
	[G_TAIL] = {"Tail attribution:", tail_opts, &cli, 0},
	[G_SCAN] = {"The capture's bursts:", scan_opts, &cli, 0},
	[G_SAMPLE] = {"Sampling:", sample_opts, &cli, 0},
	[G_CMP] = {"Comparison:", cmp_opts, &cli, 0},
	[G_MODE] = {"The older forms' modes:", mode_opts, &cli, 0},
	[G_COMMON] = {"Flags:", common_opts, &cli, 0},
	[G_OLD_CMP] = {"Flags:", old_cmp_opts, &cli, 0},
};

/* The groups of mask, in the order above, into sel; returns how many. */
static size_t pick_groups(unsigned mask, struct lab_opt_group *sel)
{
	size_t n = 0;
	for (int k = 0; k < G_N; k++)
		if (mask >> k & 1)
			sel[n++] = groups[k];
	return n;
}

/* Which of the picked groups had a flag given. */
static unsigned seen_groups(const struct lab_opt_group *sel, size_t n)
{
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < G_N; k++)
			if (sel[i].opts == groups[k].opts && sel[i].seen)
				seen |= 1u << k;
	return seen;
}

/* ---- the commands ---- */

/* report.html, summary.md and softnet.csv go through fopen (0666 & ~umask): whatever the
 * caller's umask, nothing we write is group- or world-writable (compare never did this) */
static void no_group_write(void)
{
	umask(umask(0) | 022);
}

static int cmd_sample(char **args)
{
	char err[1024];

	no_group_write();
	lab_install_stop_signals();
	/* the sampler runs as long as a whole run: it needs no privilege at all
	 * (/proc/net/softnet_stat is world-readable), so it keeps none */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
	if (sn_sample(args[0], cli.source, cli.interval_ms * 1000000ull,
		      (uint64_t)llround(cli.duration_s * 1e9), err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "softnet sampler: %s", err);
	return LAB_EXIT_OK;
}

static int cmd_pcap(char **args)
{
	const char *pcap = args[0];
	char err[1024];

	no_group_write();
	if (cli.margin_us && !cli.so.write)
		lab_die(LAB_EXIT_USAGE, "--margin-us goes with --write OUT.pcap");
	/* the same file by any name (a link, ./F): refused before anything is read or created */
	if (cli.so.write && lab_same_file(pcap, cli.so.write))
		lab_die(LAB_EXIT_USAGE, "--write %s is the capture --pcap reads: write the burst "
			"windows to another file", cli.so.write);
	cli.so.window_ns = cli.window_us * 1000;
	cli.so.threshold_pps = cli.threshold;
	cli.so.margin_ns = cli.margin_us * 1000;
	if (lab_pcap_scan(pcap, &cli.so, stdout, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	return LAB_EXIT_OK;
}

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

/* Every file of one run (or repetition) from its analysis. 0, or -1 with a line in err. */
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
static int analyze_repeated(const char *dir)
{
	static struct lab_reps reps;
	char err[1024];

	lab_afile_set_begin();
	if (lab_reps_load(dir, &cli.ao, &reps, err, sizeof(err)) < 0) {
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
static int cmd_watch(char **args)
{
	const char *dir = args[0];
	struct lab_watch w;
	char err[1024];

	no_group_write();
	if (!lab_watch_is_dir(dir))
		lab_die(LAB_EXIT_USAGE, "%s is not a lab-watch directory (no watch.json or events.jsonl, "
			"or a run's run.json or records/)", dir);
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

static int cmd_run(char **args)
{
	const char *dir = args[0];
	struct lab_run run;
	char err[1024];

	no_group_write();
	/* the older form takes a lab-watch directory for `watch` before it gets here */
	if (lab_watch_is_dir(dir))
		lab_die(LAB_EXIT_USAGE, "%s is a lab-watch directory: lab-analyze watch %s", dir, dir);
	cli.ao.window_ns = cli.window_us * 1000;
	cli.ao.threshold_pps = cli.threshold;
	cli.ao.tail_threshold_ns = cli.tail_us * 1000;
	if (lab_reps_is_repeated(dir) == 1)
		return analyze_repeated(dir);
	/* the run's outputs (bursts/ while loading, then the summaries, report, hist/) replaced as
	 * a whole: all written, then all renamed into place; a failure part way keeps the last set */
	lab_afile_set_begin();
	if (lab_run_load(dir, &cli.ao, &run, err, sizeof(err)) < 0) {
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

static int cmd_compare(char **args)
{
	return lab_compare(&cli.cmp, args[0], args[1]);
}

#define EXIT_TEXT "Exit: 0 done, 1 a runtime failure (unreadable or corrupt input, write error), " \
		  "2 bad usage."

struct ana_cmd {
	const char *name;
	const char *args;    /* its words, in its usage line */
	int nargs;           /* how many */
	unsigned groups;     /* G(x): its flags, besides -v, -V and -h */
	int (*run)(char **args);
	const char *summary; /* its line in lab-analyze --help */
	const char *old;     /* the older form that does the same */
	const char *about;   /* its --help before the flags */
	const char *exit_text;
};

enum { C_RUN, C_PCAP, C_WATCH, C_COMPARE, C_SAMPLE, C_N };

static const struct ana_cmd cmds[C_N] = {
	[C_RUN] = {"run", "RESULTS_DIR", 1, G(BURST) | G(RUN) | G(TAIL), cmd_run,
		"a results directory of `setup/lab run`: summary.json, summary.md, report.html, "
		"softnet.csv, bursts/ and hist/", "lab-analyze RESULTS_DIR",
		"RESULTS_DIR: a run of `setup/lab run` (records/<path>.rec, counters/, gen/, softnet/, "
		"skipped/, run.json). Writes summary.json, summary.md, report.html, softnet.csv, "
		"bursts/<path>.pcap and hist/<path>.hlog (HdrHistogram interval logs, 1 s) into it. "
		"Percentiles are exact (every packet, nearest rank). A run of `setup/lab run --repeat N` "
		"(rep1/ ... repN/): each repetition gets those files, and the top a summary.json and "
		"summary.md of the median over repetitions with a 95 % interval over repetitions. A run "
		"of `setup/lab run --watch` holds a lab-watch directory in watch/: its summary.json gets "
		"`watch` and its report links watch/report.html.\n\n"
		"Microbursts: a window starts at each arrival; it is hot when its packets, as a rate, "
		"exceed the threshold; overlapping hot windows make one burst.\n\n"
		"Tail attribution (with trace/<path>.evt from lab-trace and gaps/<path>.*.gap from the "
		"spinning loops): each packet slower than the threshold (RTT from the intended send) is "
		"charged to the IRQs, softirqs, NMIs, other tasks and unexplained gaps (the hypervisor) "
		"that overlap its legs on the generator's and the DUT's cores; summary.json "
		"paths.<p>.tail and summary.md's \"What slowed the slowest packets\", with the tuning "
		"change for each cause.", EXIT_TEXT},
	[C_PCAP] = {"pcap", "FILE", 1, G(BURST) | G(SCAN), cmd_pcap,
		"the microbursts of a capture (and their packets: --write)", "lab-analyze --pcap FILE",
		"FILE: a capture (pcap micro- or nanosecond, either byte order, or pcapng: tcpdump, "
		"xdpdump, dpdk-dumpcap, Wireshark). Lists its microbursts: a window starts at each "
		"arrival; it is hot when its packets, as a rate, exceed the threshold (or its bits, "
		"with --threshold-bps); overlapping hot windows make one burst.", EXIT_TEXT},
	[C_WATCH] = {"watch", "WATCH_DIR", 1, 0, cmd_watch,
		"a lab-watch directory's report.html", "lab-analyze WATCH_DIR",
		"WATCH_DIR: the --out directory of lab-watch (watch.json and events.jsonl; events.jsonl "
		"alone when the watch was killed). Writes WATCH_DIR/report.html: the watch's settings "
		"and totals, a timeline of the events, each event's start, packets, peak rate, pcap, "
		"top flows and drops, and how to open the pcap in Wireshark. The older form tells one "
		"from a results directory by its files: watch.json or events.jsonl, and no run.json "
		"or records/.", EXIT_TEXT},
	[C_COMPARE] = {"compare", "A B", 2, G(CMP), cmd_compare,
		"two runs side by side, path by path and percentile by percentile: compare.json, "
		"compare.html", "lab-analyze --compare A B",
		"A, B: results directories (A the baseline), of single runs or of `setup/lab run "
		"--repeat N`. For every path in both and every percentile of the RTT from the intended "
		"send (p50 ... p99.99): A, B, the ratio B/A with a 95 % interval and a verdict: slower "
		"or faster when the interval excludes 1 and the ratio is at least the threshold away "
		"from 1, else same. With repetitions on both sides, A and B are medians over "
		"repetitions and the interval a two-stage bootstrap (repetitions drawn with "
		"replacement, then each one's 100 ms blocks): it holds the variation between runs, "
		"which on a noisy machine dominates. With a single run on either side the interval "
		"holds only the variation within runs, and the output says so: repeat both (--repeat 3 "
		"or more) before acting on a verdict. Writes compare.json and compare.html into DIR, "
		"never into A or B.",
		"Exit: 0 nothing significantly slower, 3 something is, 1 a corrupt or unreadable file, "
		"2 bad arguments (missing or non-results directory, A == B, runs that differ)."},
	[C_SAMPLE] = {"sample-softnet", "FILE", 1, G(SAMPLE), cmd_sample,
		"snapshots of /proc/net/softnet_stat into FILE until SIGINT/SIGTERM (setup/lab runs it "
		"beside each path)", "lab-analyze --sample-softnet FILE",
		"Appends snapshots of /proc/net/softnet_stat (every column, every CPU, CLOCK_MONOTONIC "
		"ns each) to FILE until SIGINT/SIGTERM or --duration. It keeps no privilege.", EXIT_TEXT},
};

/* ---- --help ---- */

#define HELP_WIDTH 96 /* opt_table's */

/* prefix, then "[--window-us N] [--threshold-pps R] ..." of a command's groups, wrapped between
 * the flags (the first line from column col, the others from indent) */
static void flag_list(FILE *f, const struct ana_cmd *c, const char *prefix, unsigned col,
		      unsigned indent)
{
	col += (unsigned)fprintf(f, "%s", prefix);
	for (int k = 0; k < G_N; k++) {
		if (!(c->groups >> k & 1))
			continue;
		for (const struct lab_opt *o = groups[k].opts; o->name; o++) {
			char item[80];
			int n = snprintf(item, sizeof(item), "[--%s%s%s]", o->name, o->arg ? " " : "",
					 o->arg ? o->arg : "");
			if (col + 1 + (unsigned)n > HELP_WIDTH) {
				fprintf(f, "\n%*s", (int)indent, "");
				col = indent;
			} else {
				col += (unsigned)fprintf(f, " ");
			}
			col += (unsigned)fprintf(f, "%s", item);
		}
	}
	fputc('\n', f);
}

static void cmd_help(FILE *f, void *arg)
{
	const struct ana_cmd *c = arg;

	fprintf(f, "usage: lab-analyze %s [flags] %s\n", c->name, c->args);
	fputs("       the older form: ", f);
	flag_list(f, c, c->old, 23, 25);
	fputc('\n', f);
	lab_opts_wrap(f, c->about, 0, 0);
	for (int k = 0; k < G_N; k++)
		if (c->groups >> k & 1) {
			fputc('\n', f);
			lab_opts_print(f, &groups[k]);
		}
	fputc('\n', f);
	lab_opts_print(f, &groups[G_COMMON]);
	fputc('\n', f);
	lab_opts_wrap(f, c->exit_text, 0, 0);
}

static void top_help(FILE *f, void *arg)
{
	(void)arg;

	fputs("usage: lab-analyze COMMAND [flags] ARGS   (lab-analyze COMMAND --help: its flags)\n"
	      "\nCommands:\n", f);
	for (int i = 0; i < C_N; i++) {
		int n = fprintf(f, "  %s %s", cmds[i].name, cmds[i].args);
		fprintf(f, "%*s", n < 22 ? 24 - n : 2, "");
		lab_opts_wrap(f, cmds[i].summary, n < 22 ? 24 : (unsigned)n + 2, 24);
	}
	fputs("\nThe older forms, still accepted (WATCH_DIR: a directory of lab-watch, told by its "
	      "files):\n", f);
	for (int i = 0; i < C_N; i++) {
		fputs("  ", f);
		flag_list(f, &cmds[i], cmds[i].old, 2, 6);
	}
	fputc('\n', f);
	lab_opts_print(f, &groups[G_COMMON]);
	fputc('\n', f);
	lab_opts_wrap(f, "Exit: 0 done, 1 a runtime failure (unreadable or corrupt input, write "
		      "error), 2 bad usage; compare: 3 when something is significantly slower.", 0, 0);
}

/* ---- the command line ---- */

static const struct ana_cmd *parsing; /* for bad_flag: the command whose flags are parsed */

static void bad_flag(const char *flag, bool missing)
{
	if (missing)
		lab_die(LAB_EXIT_USAGE, "%s needs a value (see lab-analyze %s --help)", flag,
			parsing->name);
	lab_die(LAB_EXIT_USAGE, "unknown option '%s' (see lab-analyze %s --help)", flag, parsing->name);
}

/* lab-analyze COMMAND [flags] ARGS */
static int run_cmd(const struct ana_cmd *c, int argc, char **argv)
{
	struct lab_opt_group sel[G_N];
	size_t n = pick_groups(c->groups | G(COMMON), sel);
	struct stat st;

	parsing = c;
	int first = lab_opts_parse_args(argc, argv, sel, n, cmd_help, (void *)c, bad_flag);
	/* `lab-analyze run` of the older form, a results directory named run: ./run now */
	if (first == argc && stat(c->name, &st) == 0)
		lab_die(LAB_EXIT_USAGE, "%s is a command now: lab-analyze %s [flags] %s; for the "
			"directory %s, give ./%s", c->name, c->name, c->args, c->name, c->name);
	if (argc - first != c->nargs)
		lab_die(LAB_EXIT_USAGE, "usage: lab-analyze %s [flags] %s (see lab-analyze %s --help)",
			c->name, c->args, c->name);
	return c->run(argv + first);
}

static void old_bad_flag(const char *flag, bool missing)
{
	if (missing)
		lab_die(LAB_EXIT_USAGE, "%s needs a value (see --help)", flag);
	lab_die(LAB_EXIT_USAGE, "unknown option '%s' (see --help)", flag);
}

static void old_cmp_bad_flag(const char *flag, bool missing)
{
	if (missing)
		lab_die(LAB_EXIT_USAGE, "%s needs a value (see --compare --help)", flag);
	lab_die(LAB_EXIT_USAGE, "'%s' is not an option of --compare (see --compare --help)", flag);
}

/* lab-analyze --compare A B [flags] (--compare anywhere) */
static int old_compare(int argc, char **argv)
{
	struct lab_opt_group sel[G_N];
	size_t n = pick_groups(G(CMP) | G(OLD_CMP), sel);

	int first = lab_opts_parse_args(argc, argv, sel, n, cmd_help, (void *)&cmds[C_COMPARE],
					old_cmp_bad_flag);
	if (argc - first != 2)
		lab_die(LAB_EXIT_USAGE, "--compare takes two results directories, A and B");
	return cmd_compare(argv + first);
}

/* The older forms' refusals, in the order they were checked: flags given to a mode they do not
 * belong to (outside the command's groups), or words the mode does not take, in its words. */
static const struct old_rule {
	int cmd;        /* the command the older form picked; -1 any */
	unsigned flags; /* a flag of these groups, but not of the command's */
	bool words;     /* or a word besides the mode's FILE */
	bool dir;       /* the line follows the directory's name */
	const char *line;
} old_rules[] = {
	{C_SAMPLE, G_FLAGS, true, false, "--sample-softnet takes only --interval-ms, --duration and --source"},
	{-1, G(SAMPLE), false, false, "--interval-ms, --duration and --source go with --sample-softnet"},
	{C_PCAP, G_FLAGS, true, false, "--pcap FILE takes no results directory (and no --no-pcap)"},
	{-1, G(SCAN), false, false, "--json, --write and --margin-us go with --pcap FILE"},
	{C_WATCH, G_FLAGS, false, true, " is a lab-watch directory: it takes no analysis flags"},
};

static void old_police(int cmd, unsigned seen, bool words, const char *dir)
{
	for (size_t i = 0; i < sizeof(old_rules) / sizeof(old_rules[0]); i++) {
		const struct old_rule *r = &old_rules[i];
		if (r->cmd >= 0 && r->cmd != cmd)
			continue;
		if ((seen & r->flags & ~cmds[cmd].groups) || (r->words && words))
			lab_die(LAB_EXIT_USAGE, "%s%s", r->dir ? dir : "", r->line);
	}
}

/* lab-analyze [flags] RESULTS_DIR | WATCH_DIR, --pcap FILE [flags], --sample-softnet FILE [flags]:
 * every flag of the three parsed together, as before, then the mode's command */
static int old_form(int argc, char **argv)
{
	struct lab_opt_group sel[G_N];
	size_t n = pick_groups(G_FLAGS | G(MODE) | G(COMMON), sel);

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--compare") == 0)
			return old_compare(argc, argv);
	int first = lab_opts_parse_args(argc, argv, sel, n, top_help, NULL, old_bad_flag);
	unsigned seen = seen_groups(sel, n);
	if (cli.pcap && cli.sample)
		lab_die(LAB_EXIT_USAGE, "--pcap and --sample-softnet are two different modes: give one");
	int cmd = cli.sample ? C_SAMPLE : cli.pcap ? C_PCAP : C_RUN;
	old_police(cmd, seen, first < argc, NULL);
	char *file[1] = {(char *)(cmd == C_SAMPLE ? cli.sample : cli.pcap)}; /* an argv word */
	if (cmd != C_RUN)
		return cmds[cmd].run(file);
	if (argc - first != 1)
		lab_die(LAB_EXIT_USAGE, "give one results directory (or --pcap FILE); see --help");
	if (lab_watch_is_dir(argv[first])) {
		old_police(C_WATCH, seen, false, argv[first]);
		return cmd_watch(argv + first);
	}
	return cmd_run(argv + first);
}

int main(int argc, char **argv)
{
	lab_log_init("lab-analyze");
	for (int i = 0; argc > 1 && i < C_N; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return run_cmd(&cmds[i], argc - 1, argv + 1);
	return old_form(argc, argv);
}
