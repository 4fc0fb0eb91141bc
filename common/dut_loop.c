/* dut_loop.c — the DUT programs' control loop: when the run started, when it ends (--duration
 * or a stop signal), and when an interval line is due. Everything here runs on the one control
 * thread; the poller (the same thread, or another) only reads the counters it writes itself. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "clock.h"
#include "dut.h"
#include "log.h"

volatile sig_atomic_t lab_dut_snap_req;

static void on_usr1(int sig)
{
	(void)sig;
	lab_dut_snap_req = 1;
}

static void arm(struct lab_dut *d)
{
	d->next_ns = d->end_ns < d->next_stats_ns ? d->end_ns : d->next_stats_ns;
}

void lab_dut_gaps_init(struct lab_dut *d)
{
	if (!d->gaps.start_ns)
		lab_gap_init(&d->gaps, d->cfg.gap_log, (uint64_t)(d->cfg.gap_threshold_us * 1000),
			     d->cfg.cpu, d->ops->cli->prog);
}

int lab_dut_start(struct lab_dut *d)
{
	char err[256];
	d->start_ns = d->last_ns = lab_now_ns();
	d->end_ns = d->cfg.duration_s > 0 ? d->start_ns + (uint64_t)(d->cfg.duration_s * 1e9) : UINT64_MAX;
	d->interval_ns = (uint64_t)(d->cfg.stats_interval_s * 1e9);
	d->next_stats_ns = d->interval_ns ? d->start_ns + d->interval_ns : UINT64_MAX;
	arm(d);
	lab_dut_gaps_init(d);
	memset(&d->last, 0, sizeof(d->last));
	d->ops->sample(d->priv, &d->last);
	/* the analysis places losses at the registry's drop points: say so when ours differ */
	if (lab_dut_drops_registered(d->ops->path(d->priv), d->forward ? "forward" : "reflect",
				     &d->last, err, sizeof(err)) < 0)
		lab_warn("%s", err);
	/* SIGUSR1 from here on asks for the counters so far (before, its default would end us:
	 * a caller waits for the ready file) */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (d->cfg.ready_file && lab_write_ready_file(d->cfg.ready_file) < 0) {
		lab_err("--ready-file %s: %s", d->cfg.ready_file, strerror(errno));
		return -1;
	}
	return 0;
}

static void print_interval(struct lab_dut *d, uint64_t now_ns)
{
	struct lab_dut_sample s = {0};
	char line[1024];
	d->ops->sample(d->priv, &s);
	lab_dut_format_line(d, &s, &d->last, (double)(now_ns - d->last_ns) / 1e9, line, sizeof(line));
	fputs(line, stderr);
	d->last = s;
	d->last_ns = now_ns;
}

/* --stats-json with the counters now; the interval lines' reference is kept. */
static void snapshot(struct lab_dut *d, uint64_t now_ns)
{
	struct lab_dut_sample keep = d->last;
	uint64_t keep_ns = d->last_ns;
	memset(&d->last, 0, sizeof(d->last));
	d->ops->sample(d->priv, &d->last);
	d->last_ns = now_ns;
	d->snapshots++;
	if (d->cfg.stats_json && lab_json_write_file(d->cfg.stats_json, lab_dut_json, d) < 0)
		lab_warn("--stats-json %s: %s", d->cfg.stats_json, strerror(errno));
	d->last = keep;
	d->last_ns = keep_ns;
	lab_gap_pause(&d->gaps); /* writing is no gap */
}

bool lab_dut_tick_due(struct lab_dut *d, uint64_t now_ns)
{
	if (lab_stop || now_ns >= d->end_ns)
		return true;
	if (lab_dut_snap_req) {
		lab_dut_snap_req = 0;
		snapshot(d, now_ns);
	}
	if (now_ns >= d->next_stats_ns) {
		print_interval(d, now_ns);
		d->next_stats_ns = now_ns + d->interval_ns;
		lab_gap_pause(&d->gaps); /* printing is no gap */
	}
	arm(d);
	return false;
}
