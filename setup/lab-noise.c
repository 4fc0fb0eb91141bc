/* lab-noise — how quiet is a core? A hiccups-style measurement: spin on one core reading the
 * clock back to back; every gap between consecutive reads beyond the loop's own cost is time the
 * core was taken away (interrupts, other tasks, SMIs, the hypervisor). Reports the gap
 * distribution's p99, p99.9 and max and how many gaps exceeded 1, 5 and 10 µs. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "clock.h"
#include "log.h"
#include "opt_table.h"
#include "util.h"

/* Gaps are binned: 1 ns bins below 4096 ns, then 64 bins per power of two up to 2^40 ns. */
#define LIN_BINS 4096
#define LOG_SUB 64
#define LOG_OCT 28
#define NBINS (LIN_BINS + LOG_SUB * LOG_OCT)

static uint64_t bins[NBINS];

static unsigned bin_of(uint64_t gap)
{
	if (gap < LIN_BINS)
		return (unsigned)gap;
	int msb = 63 - __builtin_clzll(gap); /* >= 12 */
	unsigned oct = (unsigned)(msb - 12);
	if (oct >= LOG_OCT)
		return NBINS - 1;
	unsigned sub = (unsigned)((gap >> (msb - 6)) & (LOG_SUB - 1));
	return LIN_BINS + oct * LOG_SUB + sub;
}

static uint64_t bin_upper(unsigned b)
{
	if (b < LIN_BINS)
		return b;
	unsigned oct = (b - LIN_BINS) / LOG_SUB, sub = (b - LIN_BINS) % LOG_SUB;
	int msb = (int)oct + 12;
	return ((uint64_t)(LOG_SUB + sub + 1) << (msb - 6)) - 1;
}

static uint64_t pct(uint64_t n, double p)
{
	uint64_t want = (uint64_t)((double)n * p), seen = 0;
	for (unsigned b = 0; b < NBINS; b++) {
		seen += bins[b];
		if (seen > want)
			return bin_upper(b);
	}
	return 0;
}

struct result {
	int cpu;
	uint64_t reads, duration_ns, p50, p99, p999, max, over_1us, over_5us, over_10us;
	uint64_t stolen_ns; /* sum of gaps over 1 µs */
	bool fifo;
};

static void json_fill(struct lab_json *j, void *arg)
{
	const struct result *r = arg;
	lab_json_i64(j, "cpu", r->cpu);
	lab_json_u64(j, "duration_ns", r->duration_ns);
	lab_json_u64(j, "reads", r->reads);
	lab_json_u64(j, "gap_p50_ns", r->p50);
	lab_json_u64(j, "gap_p99_ns", r->p99);
	lab_json_u64(j, "gap_p999_ns", r->p999);
	lab_json_u64(j, "gap_max_ns", r->max);
	lab_json_u64(j, "gaps_over_1us", r->over_1us);
	lab_json_u64(j, "gaps_over_5us", r->over_5us);
	lab_json_u64(j, "gaps_over_10us", r->over_10us);
	lab_json_u64(j, "stolen_ns", r->stolen_ns);
	lab_json_bool(j, "sched_fifo", r->fifo);
}

/* What the flags fill. */
struct noise_cli {
	int cpu;         /* -1: the last core */
	uint64_t dur_ms;
	int fifo;        /* SCHED_FIFO priority; -1: not */
	const char *json;
};

#define N(field) LAB_FIELD(struct noise_cli, field)
static const struct lab_opt opts[] = {
	{.name = "cpu", .kind = LAB_OPT_INT, N(cpu), .arg = "N", .max = 4095,
	 .unset = "the last core",
	 .help = "core to measure"},
	{.name = "duration-ms", .kind = LAB_OPT_UINT, N(dur_ms), .arg = "MS", .min = 1, .max = 600000,
	 .help = "how long to spin, at most 600000"},
	{.name = "fifo", .kind = LAB_OPT_INT, N(fifo), .arg = "PRIO", .min = 1, .max = 99,
	 .unset = "the normal policy", .help = "run SCHED_FIFO at PRIO (1-99) while measuring (needs root)"},
	{.name = "json", .kind = LAB_OPT_STR, N(json), .arg = "FILE",
	 .help = "also write the figures as JSON"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs("usage: lab-noise [--cpu N] [--duration-ms MS] [--fifo PRIO] [--json FILE]\n"
	      "\n"
	      "Measures the noise of one core: spins reading CLOCK_MONOTONIC back to back and\n"
	      "records every gap between consecutive reads. A quiet, isolated core shows gaps of a\n"
	      "few tens of ns only; interrupts, other tasks and the hypervisor show as gaps of µs.\n"
	      "\n", f);
	lab_opts_print(f, arg);
	fputs("\n"
	      "Output: reads, p50/p99/p99.9/max gap in ns, and the count of gaps over 1, 5 and 10 µs.\n"
	      "Exit: 0 ok, 1 the measurement failed, 2 bad flags.\n", f);
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct noise_cli cli = {.cpu = -1, .dur_ms = 1000, .fifo = -1};
	struct lab_opt_group g = {"Flags:", opts, &cli, 0};
	struct result r = {0};

	lab_log_init(argv[0]);
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	/* the machine's cores, checked here so that --help (and docs/flags.md) says the same
	 * everywhere; the message is lab_parse_u64's */
	if (cli.cpu >= 0 && cli.cpu > ncpu - 1)
		lab_die(LAB_EXIT_USAGE, "--cpu: '%d' is not a number from 0 to %ld", cli.cpu,
			ncpu > 0 ? ncpu - 1 : 0);
	r.cpu = cli.cpu >= 0 ? cli.cpu : (int)(ncpu > 0 ? ncpu - 1 : 0);
	uint64_t dur_ms = cli.dur_ms;
	int fifo = cli.fifo > 0 ? cli.fifo : 0;
	const char *json = cli.json;
	int rc = lab_pin_cpu(r.cpu);
	if (rc)
		lab_die(LAB_EXIT_RUNTIME, "cannot pin to cpu %d: %s (is it offline or outside our cpuset?)",
			r.cpu, strerror(-rc));
	if (fifo) {
		struct sched_param sp = {.sched_priority = fifo};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			lab_die(LAB_EXIT_RUNTIME, "SCHED_FIFO %d: %s (run as root)", fifo, strerror(errno));
		r.fifo = true;
	}
	lab_install_stop_signals();
	uint64_t start = lab_now_ns(), end = start + dur_ms * 1000000ull, prev = start, now;
	uint64_t n = 0;
	do {
		now = lab_now_ns();
		uint64_t gap = now - prev;
		bins[bin_of(gap)]++;
		if (gap > r.max)
			r.max = gap;
		if (gap > 1000) {
			r.over_1us++;
			r.stolen_ns += gap;
			if (gap > 5000)
				r.over_5us++;
			if (gap > 10000)
				r.over_10us++;
		}
		prev = now;
		n++;
	} while (now < end && !lab_stop);
	r.reads = n;
	r.duration_ns = now - start;
	r.p50 = pct(n, 0.50);
	r.p99 = pct(n, 0.99);
	r.p999 = pct(n, 0.999);
	printf("cpu %d: %llu reads in %.3f s; gap p50 %llu ns, p99 %llu ns, p99.9 %llu ns, max %llu ns; "
	       "gaps >1us %llu, >5us %llu, >10us %llu; %.3f%% of the time taken away\n",
	       r.cpu, (unsigned long long)r.reads, (double)r.duration_ns / 1e9,
	       (unsigned long long)r.p50, (unsigned long long)r.p99, (unsigned long long)r.p999,
	       (unsigned long long)r.max, (unsigned long long)r.over_1us,
	       (unsigned long long)r.over_5us, (unsigned long long)r.over_10us,
	       100.0 * (double)r.stolen_ns / (double)(r.duration_ns ? r.duration_ns : 1));
	if (json && lab_json_write_file(json, json_fill, &r) < 0)
		lab_die(LAB_EXIT_RUNTIME, "cannot write %s: %s", json, strerror(errno));
	return 0;
}
