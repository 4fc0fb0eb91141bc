/* lab-calib — the instrument's error budget (budget.h) as `setup/lab calibrate` measures it: the
 * clock read on each given core (back-to-back CLOCK_MONOTONIC reads, pinned), the BPF clock read
 * when lab-bpfclock measured it, and the floor's stamping points from a short run of the floor
 * and xsk paths. Writes calibration.json, which later runs' lab-analyze read (budget.c). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "lab_config.h"
#include "log.h"
#include "opt_table.h"
#include "run.h"

#define MAX_CPUS 256

struct cpu_fig {
	int cpu;
	struct lab_bpt pt;
	int64_t max;
};

struct cli {
	int cpus[MAX_CPUS];
	int ncpus;
	size_t reads;
	const char *run_dir, *out, *bpf_file, *cpus_arg;
	bool check; /* only check the options */
};

struct calib {
	const struct cli *c;
	struct cpu_fig fig[MAX_CPUS];
	struct lab_bpt clock, bpf;
	int64_t bpf_max;
	uint64_t bpf_runs;
	struct lab_budget b;
	char when[32];
};

#define F(field) LAB_FIELD(struct cli, field)

static const struct lab_opt opts[] = {
	{.name = "out", .kind = LAB_OPT_STR, F(out), .arg = "FILE", .help = "calibration.json to write"},
	{.name = "cpus", .kind = LAB_OPT_STR, F(cpus_arg), .arg = "LIST", .unset = "every core we may use",
	 .help = "cores to measure the clock read on (e.g. 0,1 or 0-3)"},
	{.name = "reads", .kind = LAB_OPT_UINT, F(reads), .arg = "N", .min = 1000, .max = 100000000,
	 .help = "back-to-back clock reads per core"},
	{.name = "run", .kind = LAB_OPT_STR, F(run_dir), .arg = "DIR",
	 .help = "a run of the floor (xdptx) and xsk paths: their stamping points"},
	{.name = "bpf", .kind = LAB_OPT_STR, F(bpf_file), .arg = "FILE",
	 .help = "lab-bpfclock's JSON: the bpf_ktime_get_ns() read"},
	{.name = "check", .kind = LAB_OPT_SET, F(check), .value = 1,
	 .help = "check the options (the cores above all) and exit"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{.name = "version", .kind = LAB_OPT_VERSION, .help = "the version"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs("usage: lab-calib --out FILE [--cpus LIST] [--reads N] [--run DIR] [--bpf FILE]\n", f);
	lab_opts_wrap(f, "The lab's own error budget: what each stamping point adds and how much it "
		      "spreads.", 0, 0);
	lab_opts_print(f, arg);
	fputs("exit 0 ok, 1 runtime failure, 2 usage\n", f);
}

static void bad_flag(const char *flag, bool missing)
{
	(void)missing;
	lab_die(LAB_EXIT_USAGE, "bad option '%s' (unknown, or its value is missing; see --help)", flag);
}

static const char *ours(const cpu_set_t *s)
{
	static char o[256];
	size_t n = 0;
	for (int k = 0; k < CPU_SETSIZE && n + 8 < sizeof(o); k++)
		if (CPU_ISSET(k, s))
			n += (size_t)snprintf(o + n, sizeof(o) - n, "%s%d", n ? "," : "", k);
	return o;
}

/* "0,1,3-5" -> cores; each must be one this process may run on */
static void parse_cpus(const char *s, struct cli *c)
{
	cpu_set_t allowed;
	char *end;
	sched_getaffinity(0, sizeof(allowed), &allowed);
	c->ncpus = 0;
	while (*s) {
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0)
			lab_die(LAB_EXIT_USAGE, "--cpus: '%s' is not a list of cores (e.g. 0,1)", s);
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (b < a || b >= CPU_SETSIZE || (*end && *end != ','))
			lab_die(LAB_EXIT_USAGE, "--cpus: '%s' is not a list of cores (e.g. 0,1)", s);
		for (long k = a; k <= b; k++) {
			if (!CPU_ISSET((int)k, &allowed))
				lab_die(LAB_EXIT_USAGE, "--cpus: core %ld is not online or not ours (another "
							"cpuset holds it); we may use %s", k, ours(&allowed));
			if (c->ncpus < MAX_CPUS)
				c->cpus[c->ncpus++] = (int)k;
		}
		s = *end ? end + 1 : end;
	}
}

static void all_cpus(struct cli *c)
{
	cpu_set_t allowed;
	sched_getaffinity(0, sizeof(allowed), &allowed);
	for (int k = 0; k < CPU_SETSIZE && c->ncpus < MAX_CPUS; k++)
		if (CPU_ISSET(k, &allowed))
			c->cpus[c->ncpus++] = k;
}

static void parse(int argc, char **argv, struct cli *c)
{
	*c = (struct cli){.reads = 1000000};
	struct lab_opt_group g = {"Flags:", opts, c, 0};
	int first = lab_opts_parse_args(argc, argv, &g, 1, help, &g, bad_flag);
	if (first < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[first]);
	if (!c->out)
		lab_die(LAB_EXIT_USAGE, "--out FILE is required (see --help)");
	if (c->cpus_arg)
		parse_cpus(c->cpus_arg, c);
	if (!c->ncpus)
		all_cpus(c);
}

/* every core's figures; the budget's clock read is the worst core's p50 and p99 (a stamp may be
 * taken on any of them) */
static void measure_clock(struct calib *k)
{
	k->clock = (struct lab_bpt){.have = true};
	for (int i = 0; i < k->c->ncpus; i++) {
		struct cpu_fig *f = &k->fig[i];
		f->cpu = k->c->cpus[i];
		if (lab_clock_bench(f->cpu, k->c->reads, &f->pt, &f->max) < 0)
			lab_die(LAB_EXIT_RUNTIME, "clock read on cpu %d: %s", f->cpu, strerror(errno));
		if (f->pt.p50 > k->clock.p50)
			k->clock.p50 = f->pt.p50;
		if (f->pt.p99 > k->clock.p99)
			k->clock.p99 = f->pt.p99;
	}
}

/* lab-bpfclock's {"runs": N, "p50": ., "p99": ., "max": .} */
static void read_bpf(struct calib *k)
{
	char err[512];
	struct jv *d;
	if (!k->c->bpf_file)
		return;
	if (!(d = jv_parse_file(k->c->bpf_file, err, sizeof(err))))
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	k->bpf.have = jv_i64(jv_get(d, "p50"), &k->bpf.p50) && jv_i64(jv_get(d, "p99"), &k->bpf.p99);
	if (!k->bpf.have || !jv_i64(jv_get(d, "max"), &k->bpf_max) ||
	    !jv_u64(jv_get(d, "runs"), &k->bpf_runs))
		lab_die(LAB_EXIT_RUNTIME, "%s: no p50, p99, max and runs", k->c->bpf_file);
	jv_free(d);
}

static void budget_of_run(struct calib *k)
{
	struct lab_analyze_opts ao = {.gen_cpu = -1, .dut_cpu = -1};
	struct lab_run r;
	char err[600], src[400];
	snprintf(src, sizeof(src), "lab-calib %s, %d core(s), %zu reads each", k->when, k->c->ncpus,
		 k->c->reads);
	lab_budget_set_clock(&k->clock, k->bpf.have ? &k->bpf : NULL, src);
	if (!k->c->run_dir) {
		struct lab_run none = {.dir = "."};
		lab_budget_for_run(&none, &k->b);
		return;
	}
	if (lab_run_load(k->c->run_dir, &ao, &r, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	lab_budget_for_run(&r, &k->b);
	lab_run_free(&r);
}

static void fill(struct lab_json *j, void *arg)
{
	const struct calib *k = arg;
	struct utsname u;
	uname(&u);
	lab_json_str(j, "tool", "lab-calib " LAB_VERSION_STRING);
	lab_json_str(j, "time", k->when);
	lab_json_str(j, "kernel", u.release);
	lab_json_obj(j, "clock");
	lab_json_u64(j, "reads_per_cpu", k->c->reads);
	lab_json_obj(j, "per_cpu");
	for (int i = 0; i < k->c->ncpus; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%d", k->fig[i].cpu);
		lab_json_obj(j, key);
		lab_json_i64(j, "p50", k->fig[i].pt.p50);
		lab_json_i64(j, "p99", k->fig[i].pt.p99);
		lab_json_i64(j, "max", k->fig[i].max);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
	lab_json_obj_end(j);
	if (k->bpf.have) {
		lab_json_obj(j, "bpf_clock");
		lab_json_u64(j, "runs", k->bpf_runs);
		lab_json_i64(j, "max", k->bpf_max);
		lab_json_obj_end(j);
	}
	if (k->c->run_dir)
		lab_json_str(j, "run", k->c->run_dir);
	else
		lab_json_null(j, "run");
	lab_budget_json(j, &k->b);
}

static void print_table(const struct calib *k)
{
	printf("%-18s %8s %8s  %s\n", "stamping point", "p50 ns", "p99 ns", "from");
	for (int i = 0; i < LAB_BP_N; i++) {
		const struct lab_bpt *p = &k->b.pt[i];
		if (p->have)
			printf("%-18s %8lld %8lld  %s\n", lab_bp_key((enum lab_bp)i), (long long)p->p50,
			       (long long)p->p99, i <= LAB_BP_BPF_CLOCK_READ ? "clock bench" : "floor run");
	}
	printf("resolution %lld ns (clock read p99); written %s\n", (long long)k->b.res_ns, k->c->out);
}

int main(int argc, char **argv)
{
	struct cli c;
	static struct calib k;
	time_t t = time(NULL);
	struct tm tm;
	lab_log_init("lab-calib");
	parse(argc, argv, &c);
	if (c.check)
		return LAB_EXIT_OK;
	k.c = &c;
	gmtime_r(&t, &tm);
	strftime(k.when, sizeof(k.when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	measure_clock(&k);
	read_bpf(&k);
	budget_of_run(&k);
	if (lab_json_write_file(c.out, fill, &k) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s: %s", c.out, strerror(errno));
	print_table(&k);
	return LAB_EXIT_OK;
}
