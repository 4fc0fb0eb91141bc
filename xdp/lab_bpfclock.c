/* lab_bpfclock.c — lab-bpfclock: what one bpf_ktime_get_ns() read costs in a BPF program here,
 * for the instrument's error budget (setup/lab calibrate): its program reads the clock twice
 * and counts the difference in a 1 ns histogram, run RUNS times through BPF_PROG_TEST_RUN on a
 * dummy frame, pinned to --cpu. Writes {"runs", "p50", "p99", "max", "cpu"} (ns) to --out.
 * Nothing is attached: the program and its map go with the process. Exit 0, 1 runtime, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfclock.h"
#include "bpfclock.skel.h"
#include "log.h"
#include "opt_table.h"
#include "util.h"

/* The nearest-rank percentile q of the histogram of total counts. */
static unsigned hist_pct(const uint64_t *h, uint64_t total, double q)
{
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999), seen = 0;
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < LAB_BPFCLOCK_BUCKETS; b++)
		if ((seen += h[b]) >= rank)
			return b;
	return LAB_BPFCLOCK_BUCKETS - 1;
}

struct clk_out {
	uint64_t runs;
	unsigned p50, p99, max;
	int cpu;
};

static void fill_json(struct lab_json *j, void *arg)
{
	const struct clk_out *o = arg;
	lab_json_u64(j, "runs", o->runs);
	lab_json_u64(j, "p50", o->p50);
	lab_json_u64(j, "p99", o->p99);
	lab_json_u64(j, "max", o->max);
	lab_json_u64(j, "cpu", (uint64_t)o->cpu);
	lab_json_str(j, "what", "bpf_ktime_get_ns() twice back to back in an XDP program "
				"(BPF_PROG_TEST_RUN): the difference, ns");
}

/* Run the program and read its histogram into out. Returns 0 or -errno with why. */
static int measure(struct bpfclock_bpf *sk, uint32_t runs, struct clk_out *out, char *why, size_t len)
{
	static uint64_t h[LAB_BPFCLOCK_BUCKETS];
	unsigned char frame[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof(frame), .repeat = runs);
	uint64_t total = 0;
	int rc = bpf_prog_test_run_opts(bpf_program__fd(sk->progs.lab_clk), &t);

	if (rc < 0) {
		snprintf(why, len, "BPF_PROG_TEST_RUN: %s", strerror(-rc));
		return rc;
	}
	for (uint32_t b = 0; b < LAB_BPFCLOCK_BUCKETS; b++) {
		if (bpf_map__lookup_elem(sk->maps.lab_clk_hist, &b, sizeof(b), &h[b], sizeof(h[b]), 0) < 0)
			h[b] = 0;
		total += h[b];
		if (h[b])
			out->max = b;
	}
	if (!total) {
		snprintf(why, len, "the program counted nothing");
		return -ENODATA;
	}
	out->runs = total;
	out->p50 = hist_pct(h, total, 0.50);
	out->p99 = hist_pct(h, total, 0.99);
	return 0;
}

/* What the flags fill. */
struct clk_cli {
	const char *out;
	int cpu;
	uint32_t runs;
};

#define C(field) LAB_FIELD(struct clk_cli, field)

static const struct lab_opt opts[] = {
	{.name = "out", .kind = LAB_OPT_STR, C(out), .arg = "FILE", .help = "the JSON (required)"},
	{.name = "cpu", .kind = LAB_OPT_INT, C(cpu), .arg = "N", .max = 1023,
	 .help = "the core to measure on"},
	{.name = "runs", .kind = LAB_OPT_UINT, C(runs), .arg = "N", .min = 1, .max = 100000000,
	 .help = "runs of the program"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs("usage: lab-bpfclock --out FILE [--cpu N] [--runs N]\n"
	      "What one bpf_ktime_get_ns() costs in a BPF program on this machine: a program that reads it\n"
	      "twice back to back, run N times through BPF_PROG_TEST_RUN (nothing attached), the difference\n"
	      "of each pair in a 1 ns histogram. Writes {\"runs\", \"p50\", \"p99\", \"max\", \"cpu\"} in ns\n"
	      "(max: 4095 means that or more).\n", f);
	lab_opts_print(f, arg);
	fputs("Exit: 0 measured, 1 runtime failure (no BPF here), 2 usage.\n", f);
}

int main(int argc, char **argv)
{
	struct clk_cli cli = {.runs = 200000};
	struct lab_opt_group g = {"Flags:", opts, &cli, 0};
	struct clk_out o = {0};
	char why[256];
	int rc;

	lab_log_init(argv[0]);
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	if (!cli.out)
		lab_die(LAB_EXIT_USAGE, "--out FILE is required, and nothing else (see --help)");
	const char *out = cli.out;
	uint32_t runs = cli.runs;
	o.cpu = cli.cpu;
	if ((rc = lab_pin_cpu(o.cpu)) < 0)
		lab_die(LAB_EXIT_USAGE, "--cpu %d: %s", o.cpu, strerror(-rc));
	struct bpfclock_bpf *sk = bpfclock_bpf__open_and_load();
	if (!sk)
		lab_die(LAB_EXIT_RUNTIME, "loading the program: %s", strerror(errno));
	rc = measure(sk, runs, &o, why, sizeof(why));
	bpfclock_bpf__destroy(sk);
	if (rc < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", why);
	if (lab_json_write_file(out, fill_json, &o) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s: %s", out, strerror(errno));
	printf("bpf_ktime_get_ns: p50 %u ns, p99 %u ns, max %u%s ns over %llu reads on cpu %d\n", o.p50,
	       o.p99, o.max, o.max == LAB_BPFCLOCK_BUCKETS - 1 ? "+" : "", (unsigned long long)o.runs, o.cpu);
	return LAB_EXIT_OK;
}
