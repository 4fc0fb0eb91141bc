/* dut_cli.c — the DUT programs' shared flags: their table, the parsing of them beside a
 * program's own, the --help around both, and the checks of --iface and --cpu. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "dut.h"
#include "lab_constants.h"
#include "lab_wire.h"
#include "log.h"

#define D(field) LAB_FIELD(struct lab_dut_cfg, field)
enum { SHARED_CPU = 3 }; /* the --cpu entry: its unset text is the program's */

/* Not const: --cpu's default reads as the program says (one DUT program per process). */
static struct lab_opt shared[] = {
	{.name = "iface", .kind = LAB_OPT_STR, D(iface), .arg = "IF",
	 .help = "the DUT's interface, in this network namespace; refused outside the lab's "
		 "namespaces (<prefix>-gen/-dut) unless --hw"},
	{.name = "hw", .kind = LAB_OPT_SET, D(hw), .value = 1,
	 .help = "--iface is a real NIC (checked), named on purpose outside the lab"},
	{.name = "port", .kind = LAB_OPT_UINT, D(port), .arg = "N", .min = 1, .max = 65535,
	 .help = "UDP destination port of lab traffic"},
	[SHARED_CPU] = {.name = "cpu", .kind = LAB_OPT_INT, D(cpu), .arg = "N", .min = 0, .max = 4095,
	 .help = "CPU of the polling thread"},
	{.name = "ready-file", .kind = LAB_OPT_STR, D(ready_file), .arg = "PATH",
	 .help = "written (atomically, our pid) once lab traffic is served"},
	{.name = "stats-json", .kind = LAB_OPT_STR, D(stats_json), .arg = "PATH",
	 .help = "the counters as JSON (docs/spec.md contract), written on exit, and also on SIGUSR1 "
		 "(the counters so far, the program runs on; member \"snapshot\" counts the writes)"},
	{.name = "stats-interval", .kind = LAB_OPT_DBL, D(stats_interval_s), .arg = "S", .dmax = 86400,
	 .help = "print counters, rates and drops to stderr every S seconds; 0 = never"},
	{.name = "duration", .kind = LAB_OPT_DBL, D(duration_s), .arg = "S", .dmax = 86400.0 * 365,
	 .help = "stop after S seconds; 0 = until SIGINT/SIGTERM"},
	{.name = "gap-log", .kind = LAB_OPT_STR, D(gap_log), .arg = "PATH",
	 .help = "the poll loop's gaps (idle spins that took longer than the threshold: an IRQ, "
		 "another task, the hypervisor) as an event file for lab-analyze's tail attribution "
		 "(common/lab_events.h); only a spinning loop has them"},
	{.name = "gap-threshold-us", .kind = LAB_OPT_DBL, D(gap_threshold_us), .arg = "N", .dmin = 0.1,
	 .dmax = 1000000, .help = "a gap is longer than N us"},
	{.name = "verbose", .short_name = 'v', .kind = LAB_OPT_VERBOSE, .help = "debug lines"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{.name = "version", .kind = LAB_OPT_VERSION, .help = "the version"},
	{0},
};

static const struct lab_opt no_opts[] = {{0}};

void lab_dut_init(struct lab_dut *d, const struct lab_dut_ops *ops, void *priv)
{
	static char own_title[64];
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	d->cfg.iface = LAB_DUT_IF;
	d->cfg.port = LAB_PORT_DUT;
	d->cfg.cpu = -1;
	d->cfg.gap_threshold_us = 1;
	d->end_ns = d->next_ns = d->next_stats_ns = UINT64_MAX;
	shared[SHARED_CPU].unset = ops->cli->cpu_default ? ops->cli->cpu_default : "not pinned";
	snprintf(own_title, sizeof(own_title), "Flags of %s:", ops->cli->prog);
	d->groups[0] = (struct lab_opt_group){"Flags of every DUT program:", shared, &d->cfg, 0};
	d->groups[1] = (struct lab_opt_group){own_title, ops->cli->opts ? ops->cli->opts : no_opts,
					      priv, 0};
	lab_log_init(ops->cli->prog);
}

void lab_dut_parse(struct lab_dut *d, int argc, char **argv)
{
	lab_opts_parse(argc, argv, d->groups, 2, lab_dut_help, d);
}

void lab_dut_help(FILE *f, void *dut)
{
	const struct lab_dut *d = dut;
	const struct lab_dut_cli *cli = d->ops->cli;
	char exit_text[512];
	fprintf(f, "usage: %s %s\n", cli->prog, cli->usage ? cli->usage : "[flags]");
	if (cli->about)
		cli->about(f);
	fputc('\n', f);
	lab_opts_print(f, &d->groups[0]);
	fputc('\n', f);
	lab_opts_print(f, &d->groups[1]);
	fputc('\n', f);
	if (cli->notes) {
		cli->notes(f);
		fputc('\n', f);
	}
	snprintf(exit_text, sizeof(exit_text),
		 "Exit: 0 ok (also when stopped by SIGINT/SIGTERM), 1 runtime failure, 2 usage or "
		 "configuration error (a bad flag or value, an interface outside the lab or not there). "
		 "SIGINT/SIGTERM stop it within %u ms; it then prints its totals and writes "
		 "--stats-json. SIGUSR1 writes --stats-json at once and goes on (a sweep reads "
		 "each trial's counters so).", cli->stop_ms);
	lab_opts_wrap(f, exit_text, 0, 0);
}

void lab_dut_check_iface(const struct lab_dut *d, const char *iface)
{
	char err[300];
	bool any = !iface || !*iface;
	if (d->cfg.hw && any)
		lab_die(LAB_EXIT_USAGE, "--hw needs --iface: the real NIC to use");
	if (lab_scope_check_iface(any ? "any interface" : iface, d->cfg.hw, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "%s", err);
}

void lab_dut_pin(const struct lab_dut *d)
{
	int rc = lab_pin_cpu(d->cfg.cpu);
	if (rc < 0)
		lab_die(LAB_EXIT_USAGE, "--cpu %d: cannot pin to it: %s", d->cfg.cpu, strerror(-rc));
}
