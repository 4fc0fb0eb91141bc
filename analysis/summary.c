/* summary.c — summary.json (the keys of docs/spec.md), summary.md (the side-by-side table) and
 * softnet.csv of a results directory. */
#include "budget.h"
#include "jitter.h"
#include "run.h"
#include "tail.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lab_config.h"
#include "lab_constants.h"
#include "outfile.h"
#include "watchrep.h"

/* Keys of the `run` object the spec names; what run.json lacks comes from elsewhere. */
static void emit_run(struct lab_json *j, const struct lab_run *r, const struct lab_path *first)
{
	const struct jv *run = r->run;
	lab_json_obj(j, "run");
	for (size_t i = 0; run && i < run->n; i++)
		jv_emit(j, run->keys[i], run->items[i]);
	if (first) {
		const struct lab_rec_hdr *h = &first->hdr;
		if (!jv_get(run, "rate_pps"))
			lab_json_u64(j, "rate_pps", h->rate_pps);
		if (!jv_get(run, "pattern"))
			lab_json_str(j, "pattern", h->pattern);
		if (!jv_get(run, "frame_size"))
			lab_json_u64(j, "frame_size", h->frame_size);
		if (!jv_get(run, "duration_s"))
			lab_json_dbl(j, "duration_s", (double)h->duration_ns / 1e9);
		if (!jv_get(run, "seed"))
			lab_json_u64(j, "seed", h->seed);
	}
	if (!jv_get(run, "kernel")) {
		struct utsname u;
		lab_json_str(j, "kernel", uname(&u) == 0 ? u.release : "unknown");
	}
	if (!jv_get(run, "cpus"))
		lab_json_i64(j, "cpus", sysconf(_SC_NPROCESSORS_CONF));
	if (!jv_get(run, "tuning")) {
		lab_json_obj(j, "tuning");
		lab_json_str(j, "note", "not recorded: run.json has no tuning snapshot");
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
}

/* paths.<p>.clock: the clocks the one-way legs were taken on. One host: one clock (offset 0,
 * exact); the estimate from the path's own stamps (clocksync.h) beside it, the method's check:
 * 0 must lie within its error. */
static void emit_clock(struct lab_json *j, const struct lab_clock *c)
{
	lab_json_obj(j, "clock");
	lab_json_str(j, "source", "one host");
	lab_json_i64(j, "offset_ns", 0);
	lab_json_i64(j, "offset_error_ns", 0);
	lab_json_dbl(j, "drift_ppm", 0);
	if (c->have) {
		lab_json_obj(j, "stamps");
		lab_json_i64(j, "offset_ns", c->offset_ns);
		lab_json_i64(j, "offset_error_ns", c->offset_error_ns);
		lab_json_dbl(j, "drift_ppm", c->drift_ppm);
		lab_json_i64(j, "rtt_floor_ns", c->rtt_floor_ns);
		lab_json_u64(j, "windows", c->windows);
		lab_json_u64(j, "packets", c->packets);
		lab_json_obj_end(j);
	} else {
		lab_json_null(j, "stamps");
	}
	lab_json_obj_end(j);
}

static void emit_pct(struct lab_json *j, const char *key, const struct lab_pct *p, bool full)
{
	lab_json_obj(j, key);
	if (p->n == 0) {
		if (full)
			lab_json_null(j, "min");
		lab_json_null(j, "p50");
		if (full)
			lab_json_null(j, "p90");
		lab_json_null(j, "p99");
		if (full) {
			lab_json_null(j, "p999");
			lab_json_null(j, "p9999");
		}
		lab_json_null(j, "max");
	} else {
		if (full)
			lab_json_i64(j, "min", p->min);
		lab_json_i64(j, "p50", p->p50);
		if (full)
			lab_json_i64(j, "p90", p->p90);
		lab_json_i64(j, "p99", p->p99);
		if (full) {
			lab_json_i64(j, "p999", p->p999);
			lab_json_i64(j, "p9999", p->p9999);
		}
		lab_json_i64(j, "max", p->max);
	}
	lab_json_u64(j, "count", p->n);
	lab_json_obj_end(j);
}

/* "key": {p50: [lo, hi] | null, ...}: the block bootstrap's 95 % intervals (bootci.h) */
static void emit_ci95(struct lab_json *j, const char *key, const struct lab_ci95 *c)
{
	static const char *const names[LAB_BOOTCI_NPCT] = {"p50", "p90", "p99", "p999", "p9999"};
	lab_json_obj(j, key);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!c->have[q]) {
			lab_json_null(j, names[q]);
			continue;
		}
		lab_json_arr(j, names[q]);
		lab_json_i64(j, NULL, c->lo[q]);
		lab_json_i64(j, NULL, c->hi[q]);
		lab_json_arr_end(j);
	}
	lab_json_obj_end(j);
}

static void emit_ci95_method(struct lab_json *j, const struct lab_ci95 *c)
{
	lab_json_obj(j, "ci95_method");
	lab_json_str(j, "method", "block bootstrap over fixed blocks of intended send time, "
				  "percentile intervals (2.5 % / 97.5 % of the replicates)");
	lab_json_dbl(j, "block_ms", (double)c->block_ns / 1e6);
	lab_json_u64(j, "blocks", c->nblocks);
	lab_json_i64(j, "replicates", c->replicates);
	lab_json_i64(j, "min_blocks", LAB_BOOTCI_MIN_BLOCKS);
	lab_json_i64(j, "min_packets_beyond", LAB_BOOTCI_MIN_TAIL);
	lab_json_obj_end(j);
}

static void emit_path(struct lab_json *j, const char *dir, const struct lab_path *p)
{
	lab_json_obj(j, p->name);
	if (p->skipped) {
		lab_json_str(j, "skipped", p->reason);
		lab_json_obj_end(j);
		return;
	}
	lab_json_u64(j, "sent", p->sent);
	lab_json_u64(j, "received", p->received);
	lab_json_u64(j, "lost", p->lost);
	lab_json_u64(j, "reordered", p->reordered);
	lab_json_u64(j, "duplicated", p->duplicated);
	lab_json_dbl(j, "offered_pps", p->offered_pps);
	lab_json_dbl(j, "achieved_pps", p->achieved_pps);
	emit_pct(j, "rtt_ns", &p->rtt, true);
	emit_pct(j, "rtt_actual_ns", &p->rtt_actual, true);
	emit_ci95(j, "rtt_ns_ci95", &p->rtt_ci95);
	emit_ci95(j, "rtt_actual_ns_ci95", &p->rtt_actual_ci95);
	emit_ci95_method(j, &p->rtt_ci95);
	lab_json_obj(j, "oneway_ns");
	emit_pct(j, "to_dut", &p->to_dut, false);
	emit_pct(j, "in_dut", &p->in_dut, false);
	emit_pct(j, "from_dut", &p->from_dut, false);
	lab_json_obj_end(j);
	lab_budget_path_json(j, dir, p);
	lab_jitter_json(j, dir, p);

	lab_json_obj(j, "microbursts");
	lab_json_u64(j, "count", p->nbursts);
	if (p->pcap_rel[0])
		lab_json_str(j, "pcap", p->pcap_rel);
	else
		lab_json_null(j, "pcap");
	lab_json_str(j, "series", p->burst_series);
	lab_json_dbl(j, "window_us", (double)p->bcfg.window_ns / 1e3);
	lab_json_dbl(j, "threshold_pps", p->bcfg.threshold_pps);
	if (p->stamped)
		lab_json_u64(j, "count_at_dut", p->nbursts_dut);
	else
		lab_json_null(j, "count_at_dut");
	lab_json_u64(j, "count_at_gen", p->stamped ? p->nbursts_gen : p->nbursts);
	lab_json_u64(j, "packets", p->burst_packets);
	if (p->pcap_frames)
		lab_json_str(j, "pcap_frames", p->pcap_frames);
	lab_json_u64(j, "pcap_packets", p->pcap_packets);
	emit_pct(j, "rtt_inside_ns", &p->rtt_in_burst, false);
	emit_pct(j, "rtt_outside_ns", &p->rtt_out_burst, false);
	lab_json_arr(j, "list");
	for (size_t i = 0; i < p->nbursts && i < LAB_BURSTS_LISTED; i++) {
		const struct lab_burst *b = &p->bursts[i];
		lab_json_arr_obj(j);
		lab_json_i64(j, "start_ns", b->start_ns);
		lab_json_i64(j, "duration_ns", b->end_ns - b->start_ns);
		lab_json_u64(j, "packets", b->count);
		lab_json_dbl(j, "peak_pps", b->peak_pps);
		lab_json_obj_end(j);
	}
	lab_json_arr_end(j);
	lab_json_obj_end(j);

	lab_json_obj(j, "drops");
	for (size_t i = 0; i < p->ndrops; i++)
		lab_json_u64(j, p->drops[i].name, p->drops[i].value);
	lab_json_obj_end(j);
	lab_json_i64(j, "unaccounted", p->unaccounted);
	lab_stamps_json(j, p);
	emit_clock(j, &p->clock);
	if (p->in_flight >= 0)
		lab_json_i64(j, "in_flight_at_stop", p->in_flight);
	else
		lab_json_null(j, "in_flight_at_stop");

	lab_json_u64(j, "records", p->records);
	lab_json_u64(j, "send_failed", p->send_failed);
	lab_json_u64(j, "stamped", p->stamped);
	lab_json_dbl(j, "duration_s", p->duration_s);
	lab_json_str(j, "backend", p->hdr.backend);
	lab_json_bool(j, "complete", p->complete);
	/* a record file lab-gen did not finish: the records read before the cut (null: none) */
	if (p->complete) {
		lab_json_null(j, "cut_after");
	} else {
		lab_json_u64(j, "cut_after", p->records);
		lab_json_u64(j, "cut_partial_bytes", p->cut_bytes);
	}
	lab_tail_json(j, p);
	lab_json_arr(j, "notes");
	for (int i = 0; i < p->nnotes; i++)
		lab_json_str(j, NULL, p->notes[i]);
	lab_json_arr_end(j);
	lab_json_obj_end(j);
}

static const struct lab_path *first_analyzed(const struct lab_run *r)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->paths[i].skipped)
			return &r->paths[i];
	return NULL;
}

/* scenarios.<name>: window_ns [first start, last stop] (each path ran the schedule on its own:
 * windows.<path> has its own), the command, and paths.<p> with the keys of the top paths.<p> */
static void emit_scenarios(struct lab_json *j, const struct lab_run *r)
{
	lab_json_obj(j, "scenarios");
	for (size_t i = 0; i < r->nscen; i++) {
		const struct lab_run *s = &r->scen[i];
		int64_t lo = INT64_MAX, hi = 0, w[2];
		char cmd[512] = "";
		lab_json_obj(j, r->scen_name[i]);
		for (size_t k = 0; k < s->npaths; k++)
			if (lab_run_window(s, s->paths[k].name, w, cmd[0] ? NULL : cmd, sizeof(cmd))) {
				lo = w[0] < lo ? w[0] : lo;
				hi = w[1] > hi ? w[1] : hi;
			}
		lab_json_arr(j, "window_ns");
		if (hi) {
			lab_json_i64(j, NULL, lo);
			lab_json_i64(j, NULL, hi);
		}
		lab_json_arr_end(j);
		lab_json_str(j, "command", cmd);
		lab_json_obj(j, "windows");
		for (size_t k = 0; k < s->npaths; k++)
			if (lab_run_window(s, s->paths[k].name, w, NULL, 0)) {
				lab_json_arr(j, s->paths[k].name);
				lab_json_i64(j, NULL, w[0]);
				lab_json_i64(j, NULL, w[1]);
				lab_json_arr_end(j);
			}
		lab_json_obj_end(j);
		lab_json_obj(j, "paths");
		for (size_t k = 0; k < s->npaths; k++)
			emit_path(j, s->dir, &s->paths[k]);
		lab_json_obj_end(j);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
}

static void fill_summary(struct lab_json *j, void *arg)
{
	const struct lab_run *r = arg;
	emit_run(j, r, first_analyzed(r));
	lab_json_obj(j, "paths");
	for (size_t i = 0; i < r->npaths; i++)
		emit_path(j, r->dir, &r->paths[i]);
	lab_json_obj_end(j);
	if (r->nscen)
		emit_scenarios(j, r);
	lab_watch_summary_json(j, r->dir);
	struct lab_budget b;
	lab_budget_for_run(r, &b);
	lab_budget_json(j, &b);
	lab_json_obj(j, "analysis");
	lab_json_str(j, "tool", "lab-analyze " LAB_VERSION_STRING);
	lab_json_str(j, "percentiles", "exact: nearest rank over every value (selection, no histogram)");
	lab_json_str(j, "unaccounted", "sent - received - drops, without softnet_time_squeeze "
				       "(budget exhaustions, not packets) and the xsk_fill_ring_empty "
				       "counts (part of xsk_rx_dropped)");
	lab_json_str(j, "microbursts", "windows anchored at each arrival; hot when count/window > "
				       "threshold; overlapping hot windows form one burst");
	lab_json_obj_end(j);
	lab_json_arr(j, "notes");
	for (int i = 0; i < r->nnotes; i++)
		lab_json_str(j, NULL, r->notes[i]);
	lab_json_arr_end(j);
}

int lab_write_summary_json(const struct lab_run *r, char *err, size_t errlen)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/summary.json", r->dir);
	if (lab_json_write_file(p, fill_summary, (void *)r) < 0) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- summary.md ---- */

static int64_t pct_at(const struct lab_pct *p, size_t which)
{
	switch (which) {
	case 0: return p->min;
	case 1: return p->p50;
	case 2: return p->p90;
	case 3: return p->p99;
	case 4: return p->p999;
	case 5: return p->p9999;
	default: return p->max;
	}
}

static void fmt_us(char *o, size_t len, const struct lab_pct *p, size_t which,
		   const struct lab_pct *floor, const struct lab_ci95 *ci)
{
	if (p->n == 0) {
		snprintf(o, len, "–");
		return;
	}
	int64_t v = pct_at(p, which);
	int n = snprintf(o, len, "%.2f", (double)v / 1e3);
	/* which 1..5 are p50..p99.99, the percentiles with an interval */
	if (ci && which >= 1 && which <= LAB_BOOTCI_NPCT && ci->have[which - 1] && n > 0 &&
	    (size_t)n < len)
		n += snprintf(o + n, len - (size_t)n, " [%.2f–%.2f]", (double)ci->lo[which - 1] / 1e3,
			      (double)ci->hi[which - 1] / 1e3);
	if (floor && floor->n && pct_at(floor, which) > 0 && n > 0 && (size_t)n < len)
		snprintf(o + n, len - (size_t)n, " (%.1f×)", (double)v / (double)pct_at(floor, which));
}

#define PCT(f) offsetof(struct lab_path, f)

static const char *jv_text(const struct jv *v, const char *dflt)
{
	return v && (v->type == JV_STR || v->type == JV_NUM) && v->s && v->s[0] ? v->s : dflt;
}

/* One line under the title: the run's tuning snapshot (run.tuning) and the DUT core's noise,
 * worst over the paths, so a table pasted alone still says on what it was measured. */
static void md_tuning_line(FILE *f, const struct jv *run)
{
	const struct jv *t = jv_get(run, "tuning");
	if (!t || t->type != JV_OBJ)
		return;
	uint64_t cpu = 0, qos = 0;
	bool have_cpu = jv_u64(jv_get(run, "dut_cpu"), &cpu);
	const struct jv *iso = jv_get(t, "isolated_at_run_time");
	const struct jv *ports = jv_get(run, "ports");
	if (have_cpu)
		fprintf(f, "Tuning: DUT core %llu", (unsigned long long)cpu);
	else
		fprintf(f, "Tuning: DUT core ?");
	fprintf(f, " %s", iso && iso->type == JV_BOOL && iso->b ? "isolated at run time (cpuset, IRQs moved)"
								 : "not isolated at run time");
	fprintf(f, "; boot isolation '%s', nohz_full '%s'", jv_text(jv_get(t, "isolated_cpus"), "none"),
		jv_text(jv_get(t, "nohz_full"), "none"));
	fprintf(f, "; governor %s", jv_text(jv_get(t, "governor"), "?"));
	if (jv_u64(jv_get(t, "cstate_pm_qos_us"), &qos))
		fprintf(f, "; C-states held at %llu µs", (unsigned long long)qos);
	fprintf(f, "; SMT %s; busy_read/busy_poll %s/%s", jv_text(jv_get(t, "smt"), "?"),
		jv_text(jv_get(t, "busy_read"), "?"), jv_text(jv_get(t, "busy_poll"), "?"));
	if (ports && ports->type == JV_OBJ)
		fprintf(f, "; ports %s (%s)", jv_text(jv_get(ports, "kind"), "?"),
			jv_text(jv_get(ports, "dut_driver"), "?"));
	const struct jv *noise = jv_get(t, "core_noise");
	uint64_t gmax = 0, g10 = 0, stolen = 0, dur = 0, n = 0;
	if (noise && noise->type == JV_OBJ) {
		for (size_t i = 0; i < noise->n; i++) {
			uint64_t a, b, c, e;
			if (!jv_u64(jv_get(noise->items[i], "gap_max_ns"), &a) ||
			    !jv_u64(jv_get(noise->items[i], "gaps_over_10us"), &b) ||
			    !jv_u64(jv_get(noise->items[i], "stolen_ns"), &c) ||
			    !jv_u64(jv_get(noise->items[i], "duration_ns"), &e) || !e)
				continue;
			if (a > gmax)
				gmax = a;
			if (b > g10)
				g10 = b;
			if (!n || (double)c / (double)e > (double)stolen / (double)dur)
				stolen = c, dur = e;
			n++;
		}
	}
	if (n)
		fprintf(f, ". Core noise on the DUT core (worst of %llu measurement%s of 1 s): max gap %.1f µs, "
			   "%llu gaps over 10 µs, %.2f %% of the time taken away",
			(unsigned long long)n, n == 1 ? "" : "s", (double)gmax / 1e3, (unsigned long long)g10,
			100.0 * (double)stolen / (double)dur);
	fprintf(f, ".\n\n");
}

/* The title, the run's configuration, the tuning line and the table's head. */
static void md_header(FILE *f, const struct lab_run *r, const struct lab_path *floor)
{
	const struct lab_path *fp = first_analyzed(r);
	const struct jv *run = r->run;
	char rate[64] = "?", pattern[32] = "?", size[32] = "?", dur[32] = "?";
	uint64_t u;
	double d;
	if (jv_u64(jv_get(run, "rate_pps"), &u) || (fp && (u = fp->hdr.rate_pps, 1)))
		snprintf(rate, sizeof(rate), "%llu", (unsigned long long)u);
	const struct jv *pt = jv_get(run, "pattern");
	if (pt && pt->type == JV_STR)
		snprintf(pattern, sizeof(pattern), "%s", pt->s);
	else if (fp)
		snprintf(pattern, sizeof(pattern), "%s", fp->hdr.pattern);
	if (jv_u64(jv_get(run, "frame_size"), &u) || (fp && (u = fp->hdr.frame_size, 1)))
		snprintf(size, sizeof(size), "%llu", (unsigned long long)u);
	if (jv_dbl(jv_get(run, "duration_s"), &d) || (fp && (d = (double)fp->hdr.duration_ns / 1e9, 1)))
		snprintf(dur, sizeof(dur), "%g", d);

	fprintf(f, "# Packet latency lab: side by side\n\n");
	fprintf(f, "%s pps, %s pattern, %s-byte frames, %s s per path. Latencies in µs", rate,
		pattern, size, dur);
	if (floor)
		fprintf(f, "; (N×) is the multiple of the %s floor", floor->name);
	fprintf(f, ".\n\n");
	if (!strcmp(r->topology, "forward"))
		fprintf(f, "Topology: forward (" LAB_GEN_IF " → " LAB_DUT_IF ", the DUT forwards, "
			   LAB_DUT1_IF " → " LAB_GEN1_IF "; RFC 2544's setup): the round trip is one pass "
			   "through the DUT, the one-way legs are " LAB_GEN_IF " → DUT, inside the DUT, DUT → "
			   LAB_GEN1_IF ".\n\n");
	md_tuning_line(f, run);
	fprintf(f, "|  |");
	for (size_t i = 0; i < r->npaths; i++)
		fprintf(f, " %s |", r->paths[i].name);
	fprintf(f, "\n|---|");
	for (size_t i = 0; i < r->npaths; i++)
		fprintf(f, "---:|");
	fprintf(f, "\n");
}

static void md_row_begin(FILE *f, const char *label)
{
	fprintf(f, "| %s |", label);
}

/* A skipped path's cell: written here, and the caller writes nothing for it. */
static bool md_cell_skipped(FILE *f, const struct lab_path *p)
{
	if (p->skipped)
		fprintf(f, " skipped |");
	return p->skipped;
}

/* sent, received, lost, reordered, duplicated; offered / achieved rate */
static void md_count_rows(FILE *f, const struct lab_run *r)
{
	static const struct {
		const char *label;
		size_t off;
	} count_rows[] = {
		{"sent", offsetof(struct lab_path, sent)},
		{"received", offsetof(struct lab_path, received)},
		{"lost", offsetof(struct lab_path, lost)},
		{"reordered", offsetof(struct lab_path, reordered)},
		{"duplicated", offsetof(struct lab_path, duplicated)},
	};

	for (size_t k = 0; k < sizeof(count_rows) / sizeof(count_rows[0]); k++) {
		md_row_begin(f, count_rows[k].label);
		for (size_t i = 0; i < r->npaths; i++) {
			const struct lab_path *p = &r->paths[i];
			if (md_cell_skipped(f, p))
				continue;
			fprintf(f, " %llu |",
				(unsigned long long)*(const uint64_t *)((const char *)p + count_rows[k].off));
		}
		fprintf(f, "\n");
	}
	md_row_begin(f, "offered / achieved pps");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (md_cell_skipped(f, p))
			continue;
		fprintf(f, " %.0f / %.0f |", p->offered_pps, p->achieved_pps);
	}
	fprintf(f, "\n");
}

/* RTT (every percentile) and the one-way legs (p50, p99, max), each with its floor multiple */
static void md_pct_rows(FILE *f, const struct lab_run *r, const struct lab_path *floor)
{
	static const char *const pct_names[] = {"min", "p50", "p90", "p99", "p99.9", "p99.99", "max"};
	static const struct {
		const char *label;
		size_t off;
		bool full;
	} pct_rows[] = {
		{"RTT from intended send", PCT(rtt), true},
		{"RTT from actual send", PCT(rtt_actual), true},
		{"one-way gen → DUT", PCT(to_dut), false},
		{"one-way inside DUT", PCT(in_dut), false},
		{"one-way DUT → gen", PCT(from_dut), false},
	};
	char cell[128];

	for (size_t k = 0; k < sizeof(pct_rows) / sizeof(pct_rows[0]); k++) {
		for (size_t w = 0; w < 7; w++) {
			char lbl[96];
			if (!pct_rows[k].full && w != 1 && w != 3 && w != 6)
				continue;
			snprintf(lbl, sizeof(lbl), "%s %s", pct_rows[k].label, pct_names[w]);
			md_row_begin(f, lbl);
			for (size_t i = 0; i < r->npaths; i++) {
				const struct lab_path *p = &r->paths[i];
				if (md_cell_skipped(f, p))
					continue;
				const struct lab_pct *pc =
					(const struct lab_pct *)((const char *)p + pct_rows[k].off);
				const struct lab_pct *fl =
					floor && floor != p
						? (const struct lab_pct *)((const char *)floor + pct_rows[k].off)
						: NULL;
				fmt_us(cell, sizeof(cell), pc, w, fl, k == 0 ? &p->rtt_ci95 : NULL);
				if (pc->n)
					lab_budget_mark(cell, sizeof(cell), r->dir, pct_at(pc, w));
				fprintf(f, " %s |", cell);
			}
			fprintf(f, "\n");
		}
	}
}

/* microbursts: how many, and the RTT p99 inside against outside them */
static void md_burst_rows(FILE *f, const struct lab_run *r)
{
	md_row_begin(f, "microbursts (count / packets)");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (md_cell_skipped(f, p))
			continue;
		fprintf(f, " %zu / %llu |", p->nbursts, (unsigned long long)p->burst_packets);
	}
	fprintf(f, "\n");
	md_row_begin(f, "RTT p99 inside / outside bursts");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (md_cell_skipped(f, p))
			continue;
		if (p->rtt_in_burst.n)
			fprintf(f, " %.2f / ", (double)p->rtt_in_burst.p99 / 1e3);
		else
			fprintf(f, " – / ");
		if (p->rtt_out_burst.n)
			fprintf(f, "%.2f |", (double)p->rtt_out_burst.p99 / 1e3);
		else
			fprintf(f, "– |");
	}
	fprintf(f, "\n");
}

/* Whether drop point k of path i was listed by an earlier path, or earlier in path i. */
static bool drop_seen_before(const struct lab_run *r, size_t i, size_t k)
{
	const char *dn = r->paths[i].drops[k].name;
	for (size_t i2 = 0; i2 <= i; i2++)
		for (size_t k2 = 0; k2 < r->paths[i2].ndrops; k2++) {
			if (i2 == i && k2 >= k)
				break;
			if (strcmp(r->paths[i2].drops[k2].name, dn) == 0)
				return true;
		}
	return false;
}

static void md_drop_row(FILE *f, const struct lab_run *r, const char *dn)
{
	char lbl[96];
	snprintf(lbl, sizeof(lbl), "drops: %s", dn);
	md_row_begin(f, lbl);
	for (size_t j = 0; j < r->npaths; j++) {
		const struct lab_path *p = &r->paths[j];
		if (md_cell_skipped(f, p))
			continue;
		size_t m;
		for (m = 0; m < p->ndrops; m++)
			if (strcmp(p->drops[m].name, dn) == 0)
				break;
		if (m < p->ndrops)
			fprintf(f, " %llu |", (unsigned long long)p->drops[m].value);
		else
			fprintf(f, " – |");
	}
	fprintf(f, "\n");
}

/* drops: the union of every path's drop points, one row each; then what none of them places */
static void md_drop_rows(FILE *f, const struct lab_run *r)
{
	for (size_t i = 0; i < r->npaths; i++)
		for (size_t k = 0; k < r->paths[i].ndrops; k++)
			if (!drop_seen_before(r, i, k))
				md_drop_row(f, r, r->paths[i].drops[k].name);
	md_row_begin(f, "unaccounted");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (md_cell_skipped(f, p))
			continue;
		fprintf(f, " %lld |", (long long)p->unaccounted);
	}
	fprintf(f, "\n\n");
}

/* The notes of the paths and the run, then the line on how the figures were made. */
static void md_footer(FILE *f, const struct lab_run *r)
{
	bool any = r->nnotes > 0;
	for (size_t i = 0; i < r->npaths; i++)
		any |= r->paths[i].skipped || r->paths[i].nnotes;
	if (any) {
		fprintf(f, "Notes:\n");
		for (size_t i = 0; i < r->npaths; i++) {
			const struct lab_path *p = &r->paths[i];
			if (p->skipped)
				fprintf(f, "- %s: skipped: %s\n", p->name, p->reason);
			for (int k = 0; k < p->nnotes; k++)
				fprintf(f, "- %s: %s\n", p->name, p->notes[k]);
		}
		for (int k = 0; k < r->nnotes; k++)
			fprintf(f, "- %s\n", r->notes[k]);
		fprintf(f, "\n");
	}
	fprintf(f, "Percentiles are exact (nearest rank over every packet); [lo–hi] is a 95 %% "
		   "interval (block bootstrap over %d ms blocks of send time, %d replicates; none "
		   "where fewer than %d packets lie beyond the percentile). `unaccounted` = sent − "
		   "received − drops, softnet_time_squeeze left out (not packets) and "
		   "xsk_fill_ring_empty too (part of xsk_rx_dropped). Microbursts: "
		   "arrivals at the DUT when stamped, else back at the generator.\n",
		(int)(LAB_BOOTCI_BLOCK_NS / 1000000), LAB_BOOTCI_REPLICATES, LAB_BOOTCI_MIN_TAIL);
}

static const struct lab_path *path_in(const struct lab_run *r, const char *name)
{
	for (size_t i = 0; i < r->npaths; i++)
		if (!strcmp(r->paths[i].name, name))
			return &r->paths[i];
	return NULL;
}

static void md_ratio(FILE *f, int64_t v, int64_t base)
{
	if (base > 0 && v > 0)
		fprintf(f, " (%.1f×)", (double)v / (double)base);
}

/* Each path's baseline beside the same path under each scenario: RTT from the intended send
 * time, the scenario's figure with its ratio to the baseline's. */
static void md_scenarios(FILE *f, const struct lab_run *r)
{
	static const char *const lab[] = {"p50", "p99", "p99.9", "max"};
	static const size_t which[] = {1, 3, 4, 6};
	if (!r->nscen)
		return;
	fprintf(f, "## Under load: scenarios\n\n");
	fprintf(f, "Each path ran the same schedule again under each scenario's load, on from the end "
		   "of its warm-up to the start of its tail (scenarios/NAME/, window_ns in summary.json). "
		   "RTT from the intended send time in µs, (N×) the multiple of the path's idle baseline; "
		   "the whole schedule counts, the load covered its middle.\n\n");
	fprintf(f, "| path | scenario | load | sent | lost | unaccounted |");
	for (size_t k = 0; k < 4; k++)
		fprintf(f, " RTT %s |", lab[k]);
	fprintf(f, "\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *b = &r->paths[i];
		if (b->skipped)
			continue;
		fprintf(f, "| %s | baseline | idle | %llu | %llu | %lld |", b->name,
			(unsigned long long)b->sent, (unsigned long long)b->lost, (long long)b->unaccounted);
		for (size_t k = 0; k < 4; k++)
			fprintf(f, " %.2f |", (double)pct_at(&b->rtt, which[k]) / 1e3);
		fprintf(f, "\n");
		for (size_t s = 0; s < r->nscen; s++) {
			const struct lab_path *p = path_in(&r->scen[s], b->name);
			int64_t w[2];
			char cmd[512] = "", load[96] = "window not recorded";
			if (!p)
				continue;
			if (lab_run_window(&r->scen[s], b->name, w, cmd, sizeof(cmd)))
				snprintf(load, sizeof(load), "%.1f s", (double)(w[1] - w[0]) / 1e9);
			if (p->skipped) {
				fprintf(f, "| %s | %s | %s | skipped: %s | | | | | | |\n", b->name,
					r->scen_name[s], load, p->reason);
				continue;
			}
			fprintf(f, "| %s | %s | %s | %llu | %llu | %lld |", b->name, r->scen_name[s], load,
				(unsigned long long)p->sent, (unsigned long long)p->lost,
				(long long)p->unaccounted);
			for (size_t k = 0; k < 4; k++) {
				fprintf(f, " %.2f", (double)pct_at(&p->rtt, which[k]) / 1e3);
				md_ratio(f, pct_at(&p->rtt, which[k]), pct_at(&b->rtt, which[k]));
				fprintf(f, " |");
			}
			fprintf(f, "\n");
		}
	}
	fprintf(f, "\nScenario loads:");
	for (size_t s = 0; s < r->nscen; s++) {
		char cmd[512] = "";
		int64_t w[2];
		for (size_t k = 0; k < r->scen[s].npaths && !cmd[0]; k++)
			lab_run_window(&r->scen[s], r->scen[s].paths[k].name, w, cmd, sizeof(cmd));
		fprintf(f, "%s **%s**: `%s`", s ? ";" : "", r->scen_name[s], cmd[0] ? cmd : "?");
	}
	fprintf(f, ".\n\n");
}

int lab_write_summary_md(const struct lab_run *r, char *err, size_t errlen)
{
	char path[4200], tmp[4300];
	const struct lab_path *floor = lab_run_floor(r);
	snprintf(path, sizeof(path), "%s/summary.md", r->dir);
	FILE *f = lab_out_open(path, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	md_header(f, r, floor);
	md_count_rows(f, r);
	md_pct_rows(f, r, floor);
	lab_jitter_md(f, r);
	md_burst_rows(f, r);
	md_drop_rows(f, r);
	fprintf(f, "\n");
	lab_budget_md(f, r);
	lab_stamps_line(f, r, false);
	md_scenarios(f, r);
	lab_watch_summary_md(f, r->dir);
	lab_tail_md(f, r);
	md_footer(f, r);
	return lab_out_close(f, tmp, path, err, errlen);
}

/* ---- softnet.csv ---- */

int lab_write_softnet_csv(const struct lab_run *r, char *err, size_t errlen)
{
	char path[4200], tmp[4300], nb[16];
	uint32_t ncols = 0;
	snprintf(path, sizeof(path), "%s/softnet.csv", r->dir);
	for (size_t i = 0; i < r->npaths; i++)
		if (r->paths[i].have_softnet && r->paths[i].softnet.ncols > ncols)
			ncols = r->paths[i].softnet.ncols;
	FILE *f = lab_out_open(path, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	fprintf(f, "path,t_ns,cpu");
	for (uint32_t c = 0; c < ncols; c++)
		fprintf(f, ",%s", sn_col_name(c, nb, sizeof(nb)));
	fprintf(f, "\n");
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (!p->have_softnet)
			continue;
		for (size_t s = 0; s < p->softnet.nsnaps; s++) {
			const struct sn_snap *sp = &p->softnet.snaps[s];
			for (size_t k = 0; k < sp->nrows; k++) {
				const struct sn_row *row = &p->softnet.rows[sp->first_row + k];
				fprintf(f, "%s,%llu,%u", p->name, (unsigned long long)sp->t_ns, row->cpu);
				for (uint32_t c = 0; c < ncols; c++)
					if (c < row->ncols)
						fprintf(f, ",%u", row->col[c]);
					else
						fprintf(f, ",");
				fprintf(f, "\n");
			}
		}
	}
	return lab_out_close(f, tmp, path, err, errlen);
}
