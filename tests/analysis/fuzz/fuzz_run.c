/* fuzz_run.c — libFuzzer harness for a whole results directory, read the way `lab-analyze DIR`
 * reads one (main.c cmd_run: lab_run_load or, with rep1/, lab_reps_load, then every
 * writer). The input is a container of files (fuzz_dir.h): run.json, each path's records,
 * counters, generator counters, softnet samples, capture, lab-trace's events and the loops'
 * gap logs, skipped/failed notes, a scenario, two repetitions and a `run --watch` directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "fuzz_dir.h"
#include "hlog.h"
#include "log.h"
#include "repeat.h"
#include "run.h"
#include "tail.h"
#include "watchrep.h"

static const char *const names[] = {
	"run.json",
	"records/kernel.rec", "counters/kernel.json", "gen/kernel.json", "softnet/kernel.txt",
	"trace/kernel.evt", "gaps/kernel.gen.gap", "gaps/kernel.dut.gap", "capture/kernel.pcap",
	"records/xdptx.rec", "counters/xdptx.json", "gen/xdptx.json", "softnet/xdptx.txt",
	"trace/xdptx.evt", "gaps/xdptx.gen.gap",
	"records/xsk.rec", "counters/xsk.json", "gen/xsk.json", "trace/xsk.evt",
	"skipped/dpdk.txt", "failed-xsk.txt", "skipped/kernel.txt",
	"scenarios/cpu/run.json", "scenarios/cpu/records/kernel.rec",
	"scenarios/cpu/window/kernel.json",
	"rep1/run.json", "rep1/records/kernel.rec", "rep2/records/kernel.rec",
	"rep2/run.json",
	"watch/events.jsonl", "watch/watch.json",
};

static int write_run(const struct lab_run *r, char *err, size_t len)
{
	for (size_t i = 0; i < r->nscen; i++)
		if (write_run(&r->scen[i], err, len) < 0)
			return -1;
	lab_watch_for_run(r->dir);
	if (lab_write_summary_json(r, err, len) < 0 || lab_write_summary_md(r, err, len) < 0 ||
	    lab_write_softnet_csv(r, err, len) < 0 || lab_write_report_html(r, err, len) < 0 ||
	    lab_write_tail_csv(r, err, len) < 0 || lab_write_hlogs(r, err, len) < 0)
		return -1;
	return 0;
}

static void one_line(const char *err)
{
	if (strchr(err, '\n')) /* every reason is one line */
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	static struct lab_reps reps; /* large: not on the stack */
	struct lab_analyze_opts o = {.write_pcap = true, .gen_cpu = -1, .dut_cpu = -1};
	struct lab_run run;
	char err[1024] = "";

	if (!init) {
		/* fixed clock figures: no calibration.json is looked for, no clock is measured */
		struct lab_bpt clk = {true, 20, 40};
		lab_budget_set_clock(&clk, NULL, "fuzz");
		lab_log_init("fuzz_run");
		init = true;
	}
	const char *dir = fuzz_dir_make("run", data, size, names, sizeof(names) / sizeof(names[0]));
	if (!dir)
		return 0;
	if (lab_reps_is_repeated(dir) == 1) {
		if (lab_reps_load(dir, &o, &reps, err, sizeof(err)) == 0) {
			lab_watch_for_run(dir);
			for (size_t i = 0; i < reps.n; i++)
				if (write_run(&reps.rep[i], err, sizeof(err)) < 0)
					break;
			lab_write_reps_summary(&reps, err, sizeof(err));
			lab_reps_free(&reps);
		}
	} else if (lab_run_load(dir, &o, &run, err, sizeof(err)) == 0) {
		write_run(&run, err, sizeof(err));
		lab_run_free(&run);
	}
	one_line(err);
	fuzz_dir_done();
	return 0;
}
