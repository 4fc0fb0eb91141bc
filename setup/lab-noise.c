/* lab-noise — how quiet is a core? A hiccups-style measurement: spin on one core reading the
 * clock back to back; every gap between consecutive reads beyond the loop's own cost is time the
 * core was taken away (interrupts, other tasks, SMIs, the hypervisor). Reports the gap
 * distribution's p99, p99.9 and max and how many gaps exceeded 1, 5 and 10 µs. */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "clock.h"
#include "log.h"
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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lab-noise [--cpu N] [--duration-ms MS] [--fifo PRIO] [--json FILE]\n"
		"\n"
		"Measures the noise of one core: spins reading CLOCK_MONOTONIC back to back and\n"
		"records every gap between consecutive reads. A quiet, isolated core shows gaps of a\n"
		"few tens of ns only; interrupts, other tasks and the hypervisor show as gaps of µs.\n"
		"\n"
		"  --cpu N            core to measure (default: the last core)\n"
		"  --duration-ms MS   how long to spin (default 1000, at most 600000)\n"
		"  --fifo PRIO        run SCHED_FIFO at PRIO (1-99) while measuring (needs root)\n"
		"  --json FILE        also write the figures as JSON\n"
		"  -h, --help         this text\n"
		"\n"
		"Output: reads, p50/p99/p99.9/max gap in ns, and the count of gaps over 1, 5 and 10 µs.\n"
		"Exit: 0 ok, 1 the measurement failed, 2 bad flags.\n");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"cpu", required_argument, NULL, 'c'},     {"duration-ms", required_argument, NULL, 'd'},
		{"fifo", required_argument, NULL, 'f'},    {"json", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},          {0},
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct result r = {.cpu = (int)(ncpu > 0 ? ncpu - 1 : 0)};
	uint64_t dur_ms = 1000;
	int fifo = 0, c;
	const char *json = NULL;

	lab_log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': r.cpu = (int)lab_parse_u64("cpu", optarg, 0, (uint64_t)ncpu - 1); break;
		case 'd': dur_ms = lab_parse_u64("duration-ms", optarg, 1, 600000); break;
		case 'f': fifo = (int)lab_parse_u64("fifo", optarg, 1, 99); break;
		case 'j': json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (optind < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
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
