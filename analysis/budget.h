/* budget.h — the lab's own error budget: what each stamping point adds to a measured delay and
 * how much it spreads, measured the way CSIT calibrates a tester back to back: on the floor path
 * (xdptx), where the DUT is an XDP program and nothing but the instrument is left in the loop.
 *
 * Points (p50 and p99 of each, ns):
 *   clock_read       two CLOCK_MONOTONIC reads back to back in user space: one read's cost
 *   bpf_clock_read   the same for bpf_ktime_get_ns(), when measured (lab-calib --bpf)
 *   gen_tx_to_wire   floor dut_rx - sent: lab-gen's TX kick to the first point the DUT sees it
 *   xdp_stamp_pair   floor dut_tx - dut_rx: the XDP program's two stamps and the code between
 *   rx_ring_to_stamp floor recv - dut_tx: the XDP stamp back through lab-gen's receive ring to
 *                    its user-space stamp
 *   xdp_vs_user      xsk's gen -> DUT less the floor's, percentile by percentile: where the XDP
 *                    program would stamp a redirected frame against where lab-xsk stamps it in
 *                    user space (the program stamps only frames it reflects itself, so this is
 *                    a difference of two distributions, not of two stamps on one packet)
 *
 * The resolution is the clock read's p99 (the larger of the user and BPF reads when both are
 * known): a figure that is a difference of two stamps and smaller than it cannot be told from
 * two back-to-back reads of the clock, and is marked "below resolution". */
#ifndef LAB_BUDGET_H
#define LAB_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"

enum lab_bp {
	LAB_BP_CLOCK_READ,
	LAB_BP_BPF_CLOCK_READ,
	LAB_BP_GEN_TX_TO_WIRE,
	LAB_BP_XDP_STAMP_PAIR,
	LAB_BP_RX_RING_TO_STAMP,
	LAB_BP_XDP_VS_USER,
	LAB_BP_N
};

struct lab_bpt {
	bool have;
	int64_t p50, p99;
};

struct lab_budget {
	struct lab_bpt pt[LAB_BP_N];
	char clock_src[640]; /* where clock_read came from, with its time */
	char floor_src[640]; /* where the floor's points came from, "" when nowhere */
	int64_t res_ns;      /* resolution; 0 when no clock figure is known */
};

/* summary.json key of a point */
const char *lab_bp_key(enum lab_bp i);

/* n back-to-back CLOCK_MONOTONIC reads on cpu (-1: where the caller runs; the caller's
 * affinity is put back after). out gets p50 and p99 of the deltas, *max their maximum.
 * Returns 0, or -1 with errno (a cpu that is not allowed, no memory). */
int lab_clock_bench(int cpu, size_t n, struct lab_bpt *out, int64_t *max);

/* The clock figures every later call uses in this process, instead of looking for a
 * calibration file (lab-calib, which measures them itself). bpf may be NULL. */
void lab_budget_set_clock(const struct lab_bpt *clock, const struct lab_bpt *bpf, const char *src);

/* The budget of run r: the floor's points from r's own floor when it ran stamped, else from the
 * calibration file; the clock figures from the calibration file (LAB_CALIBRATION when set, ""
 * for none; else calibration.json in r->dir's parent, grandparent or great-grandparent), else
 * measured now (100 000 reads, a few ms, after the packets). Clock figures are found once per
 * process. */
void lab_budget_for_run(const struct lab_run *r, struct lab_budget *b);

/* The resolution for a run directory (finds the clock figures as above). */
int64_t lab_budget_res_ns(const char *dir);

/* Whether a stamp difference v is below the resolution res (res 0: nothing is). */
static inline bool lab_budget_below(int64_t v, int64_t res)
{
	return res > 0 && v < res;
}

/* summary.json: the `instrument` object; paths.<p>.below_resolution (the keys of p's figures
 * under the resolution, e.g. "oneway_ns.in_dut.p50"). */
void lab_budget_json(struct lab_json *j, const struct lab_budget *b);
void lab_budget_path_json(struct lab_json *j, const char *dir, const struct lab_path *p);
/* summary.md / report.html: the one line (with the footnote of the (< res) mark). */
void lab_budget_line(FILE *f, const struct lab_budget *b, bool html);
void lab_budget_md(FILE *f, const struct lab_run *r);
void lab_budget_html(FILE *f, const struct lab_run *r);
/* Append " (< res)" to a table cell showing v when v is below the resolution of dir. */
void lab_budget_mark(char *cell, size_t len, const char *dir, int64_t v);

#endif
