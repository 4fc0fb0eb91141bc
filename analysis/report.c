/* report.c — report.html: one self-contained page (inline SVG and CSS, no scripts, no external
 * fonts) with the percentile spectrum of every path, a latency-over-time heat map, the arrival
 * rate with the bursts marked, and the drops per drop point. */
#include "budget.h"
#include "run.h"
#include "outfile.h"
#include "watchrep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				     "#8c564b", "#e377c2", "#7f7f7f"};


static void fmt_ns(char *o, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(o, len, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(o, len, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(o, len, "%.3g µs", ns / 1e3);
	else
		snprintf(o, len, "%.0f ns", ns);
}

/* Percentile spectrum: x = log10(1 / (1 - p)), y = log10(latency). */
static void spectrum(FILE *f, const struct lab_run *r)
{
	const double W = 760, H = 380, L = 70, R = 20, T = 20, B = 50;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (p->skipped || !p->rtt.n)
			continue;
		for (int k = 0; k < LAB_SPEC_POINTS; k++) {
			double v = (double)(p->rtt.spectrum[k] > 1 ? p->rtt.spectrum[k] : 1);
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		lo = fmin(lo, fmax((double)p->rtt.max, 1));
		hi = fmax(hi, (double)p->rtt.max);
	}
	fprintf(f, "<h2>Percentile spectrum (RTT from the intended send time)</h2>\n");
	if (!isfinite(lo)) {
		fprintf(f, "<p>No path received any packet.</p>\n");
		return;
	}
	double ylo = floor(log10(lo)), yhi = ceil(log10(hi));
	if (yhi <= ylo)
		yhi = ylo + 1;
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", W, H, W, H);
	double pw = W - L - R, ph = H - T - B;
#define SX(x) (L + (x) / 5.0 * pw)
#define SY(v) (T + ph - (log10(v) - ylo) / (yhi - ylo) * ph)
	for (int d = 0; d <= 5; d++) {
		static const char *const lbl[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n",
			SX(d), T, SX(d), T + ph, SX(d), T + ph + 16, lbl[d]);
	}
	for (double e = ylo; e <= yhi + 1e-9; e += 1) {
		char t[32];
		fmt_ns(t, sizeof(t), pow(10, e));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n",
			L, SY(pow(10, e)), L + pw, SY(pow(10, e)), L - 6, SY(pow(10, e)) + 4, t);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\">percentile "
		   "(log scale of 1/(1-p))</text>\n", L + pw / 2, H - 8);
	int ci = 0, li = 0;
	for (size_t i = 0; i < r->npaths; i++, ci++) {
		const struct lab_path *p = &r->paths[i];
		if (p->skipped || !p->rtt.n)
			continue;
		const char *col = colors[ci % 8];
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
		for (int k = 0; k < LAB_SPEC_POINTS; k++) {
			double v = (double)(p->rtt.spectrum[k] > 1 ? p->rtt.spectrum[k] : 1);
			fprintf(f, "%.1f,%.1f ", SX((double)k / LAB_SPEC_STEPS_PER_DECADE), SY(v));
		}
		fprintf(f, "\"/>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">",
			L + 10, T + 8 + 18.0 * li, col, L + 28, T + 18 + 18.0 * li);
		lab_html_esc(f, p->name);
		char mx[32];
		fmt_ns(mx, sizeof(mx), (double)p->rtt.max);
		fprintf(f, " (max %s)</text>\n", mx);
		li++;
	}
#undef SX
#undef SY
	fprintf(f, "</svg>\n");
}

/* Heat map: x = intended send time, y = RTT (log rows), colour = log of the packet count. */
/* A scenario's window (run --scenario) as a shaded band over a time plot of width pw at x = L
 * whose axis runs from t0_ns over span_ns */
static void window_band_at(FILE *f, uint64_t t0_ns, uint64_t span_ns, const int64_t *w, double L,
			   double T, double pw, double ph)
{
	if (!w || !span_ns)
		return;
	double x0 = (double)(w[0] - (int64_t)t0_ns) / (double)span_ns;
	double x1 = (double)(w[1] - (int64_t)t0_ns) / (double)span_ns;
	x0 = x0 < 0 ? 0 : x0 > 1 ? 1 : x0;
	x1 = x1 < 0 ? 0 : x1 > 1 ? 1 : x1;
	if (x1 <= x0)
		return;
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#6a5acd\" "
		   "fill-opacity=\"0.12\" stroke=\"#6a5acd\" stroke-dasharray=\"4 3\"/>"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" fill=\"#6a5acd\">scenario load</text>\n",
		L + x0 * pw, T, (x1 - x0) * pw, ph, L + x0 * pw + 3, T + 10);
}

static void window_band(FILE *f, const struct lab_path *p, const int64_t *w, double L, double T,
			double pw, double ph)
{
	window_band_at(f, p->t0_ns, p->span_ns, w, L, T, pw, ph);
}

static void heatmap(FILE *f, const struct lab_path *p, const int64_t *win)
{
	const double cw = 5, rh = 6, L = 70, T = 10;
	int rlo = LAB_HEAT_L, rhi = -1;
	uint32_t mx = 0;
	for (int t = 0; t < LAB_HEAT_T; t++)
		for (int l = 0; l < LAB_HEAT_L; l++)
			if (p->heat[t][l]) {
				rlo = l < rlo ? l : rlo;
				rhi = l > rhi ? l : rhi;
				mx = p->heat[t][l] > mx ? p->heat[t][l] : mx;
			}
	if (rhi < 0)
		return;
	int rows = rhi - rlo + 1;
	double W = L + LAB_HEAT_T * cw + 20, H = T + rows * rh + 40;
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\">\n", W, H);
	for (int t = 0; t < LAB_HEAT_T; t++)
		for (int l = rlo; l <= rhi; l++) {
			uint32_t c = p->heat[t][l];
			if (!c)
				continue;
			double a = 0.15 + 0.85 * log1p(c) / log1p(mx);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				   "fill=\"#b22222\" fill-opacity=\"%.2f\"/>\n",
				L + t * cw, T + (rhi - l) * rh, cw, rh, a);
		}
	for (int l = rlo; l <= rhi + 1; l += 6) {
		char s[32];
		fmt_ns(s, sizeof(s), LAB_HEAT_L_MIN_NS * pow(10, l / 6.0));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n",
			L - 4, T + (rhi + 1 - l) * rh + 4, s);
	}
	char span[32];
	fmt_ns(span, sizeof(span), (double)p->span_ns);
	window_band(f, p, win, L, T, LAB_HEAT_T * cw, rows * rh);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\">send time: 0 to %s; darker = more "
		   "packets (log)</text>\n</svg>\n",
		L, T, LAB_HEAT_T * cw, rows * rh, L, T + rows * rh + 18, span);
}

/* Arrival rate per bin, at the DUT and back at the generator, bursts shaded. */
static const char *const kind_colors[LAB_CAUSE_KINDS] = {
	[LAB_CAUSE_IRQ] = "#d62728", [LAB_CAUSE_SOFTIRQ] = "#ff7f0e", [LAB_CAUSE_NMI] = "#8c564b",
	[LAB_CAUSE_TASK] = "#1f77b4", [LAB_CAUSE_HYPERVISOR] = "#7f7f7f", [LAB_CAUSE_LAB] = "#2ca02c"};

/* Per core, what took its time in each column, stacked by kind, as a share of the column. */
static void strips(FILE *f, const struct lab_tail *t, const lab_strip_t (*bins)[LAB_ZOOM_BINS],
		   const lab_strip_t (*wide)[LAB_STRIP_BINS], int nb, double cw, double col_ns, double L,
		   uint64_t t0_ns, const int64_t *win)
{
	const double sh = 34, gap = 8;
	double W = L + nb * cw + 20, H = t->nnoise * (sh + gap) + 30;
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\">\n", W, H);
	window_band_at(f, t0_ns, (uint64_t)(nb * col_ns), win, L, 0, nb * cw, H - 30 - gap);
	for (int k = 0; k < t->nnoise; k++) {
		double y0 = k * (sh + gap);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">core %d</text>\n",
			L - 4, y0 + sh / 2 + 4, t->strip_core[k]);
		for (int b = 0; b < nb; b++) {
			const uint64_t *v = bins ? bins[k][b] : wide[k][b];
			double y = y0 + sh;
			for (int kind = 0; kind < LAB_CAUSE_KINDS; kind++) {
				double h = sh * fmin(1.0, (double)v[kind] / col_ns);
				if (h < 0.05)
					continue;
				y -= h;
				fprintf(f, "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\"/>\n",
					L + b * cw, y, cw, h, kind_colors[kind]);
			}
		}
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n",
			L, y0, nb * cw, sh);
	}
	double x = L;
	for (int kind = 0; kind < LAB_CAUSE_KINDS; kind++) {
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n", x, H - 14,
			kind_colors[kind], x + 13, H - 5, lab_cause_kind_name((enum lab_cause_kind)kind));
		x += 95;
	}
	fputs("</svg>\n", f);
}

/* The second with the most slow packets: each packet's RTT (log scale) over its send time, the
 * threshold, and each core's strip beneath on the same axis. */
static void worst_second(FILE *f, const struct lab_path *p, const int64_t *win)
{
	const struct lab_tail *t = &p->tail;
	const double L = 70, cw = 3, ph = 160;
	double lo = 1e300, hi = 0;
	for (size_t i = 0; i < t->zoom_n; i++) {
		double v = (double)t->zoom_pts[i].rtt_ns;
		lo = v > 0 && v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	if (hi <= 0)
		return;
	double ylo = floor(log10(lo)), yhi = ceil(log10(hi));
	if (yhi <= ylo)
		yhi = ylo + 1;
	fprintf(f, "<h3>The worst second (%llu slow packets), zoomed</h3>\n",
		(unsigned long long)t->zoom_slow);
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\">\n", L + LAB_ZOOM_BINS * cw + 20, ph + 30);
	window_band_at(f, t->zoom_t0_ns, 1000000000u, win, L, 0, LAB_ZOOM_BINS * cw, ph);
	for (double d = ylo; d <= yhi; d++) {
		char s[32];
		double y = ph - (d - ylo) / (yhi - ylo) * ph;
		fmt_ns(s, sizeof(s), pow(10, d));
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n",
			L, L + LAB_ZOOM_BINS * cw, y, y, L - 4, y + 4, s);
	}
	for (size_t i = 0; i < t->zoom_n; i++) {
		const struct lab_zoom_pt *z = &t->zoom_pts[i];
		double x = L + (double)z->off_ns / 1e9 * LAB_ZOOM_BINS * cw;
		double y = ph - (log10(fmax((double)z->rtt_ns, lo)) - ylo) / (yhi - ylo) * ph;
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1\" fill=\"%s\"/>\n", x, y,
			z->slow ? "#b22222" : "#999");
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\">RTT from the intended send over 1 s of "
		   "send times (red: over the threshold); beneath, each core's time, 5 ms per "
		   "column</text>\n</svg>\n", L, ph + 22);
	strips(f, t, t->zoom_strip, NULL, LAB_ZOOM_BINS, cw, 1e9 / LAB_ZOOM_BINS, L, t->zoom_t0_ns, win);
}

static void tail_section(FILE *f, const struct lab_path *p, const int64_t *win)
{
	if (!p->tail_on) {
		fputs("<p class=\"note\">No tail attribution: ", f);
		lab_html_esc(f, p->tail_why);
		fputs("</p>\n", f);
		return;
	}
	fputs("<p>Beneath the heat map, on the same time axis: what took each core's time (its share "
	      "of each column) — IRQs, softirqs, NMIs, other tasks, the lab's own threads, and gaps no "
	      "traced event explains (the hypervisor).</p>\n", f);
	strips(f, &p->tail, NULL, p->tail.strip, LAB_STRIP_BINS, 5, (double)p->span_ns / LAB_STRIP_BINS, 70,
	       p->t0_ns, win);
	if (p->tail.have_zoom)
		worst_second(f, p, win);
}

static void timeline(FILE *f, const struct lab_path *p, const int64_t *win)
{
	const double W = 760, H = 200, L = 70, R = 20, T = 10, B = 36;
	double pw = W - L - R, ph = H - T - B, bin_s = (double)p->span_ns / LAB_RATE_BINS / 1e9;
	uint32_t mx = 1;
	for (int b = 0; b < LAB_RATE_BINS; b++) {
		mx = p->rate_gen[b] > mx ? p->rate_gen[b] : mx;
		mx = p->rate_dut[b] > mx ? p->rate_dut[b] : mx;
	}
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\">\n", W, H);
	window_band(f, p, win, L, T, pw, ph);
	for (size_t i = 0; i < p->nbursts; i++) {
		double x0 = (double)(p->bursts[i].start_ns - (int64_t)p->t0_ns) / (double)p->span_ns;
		double x1 = (double)(p->bursts[i].end_ns - (int64_t)p->t0_ns) / (double)p->span_ns;
		double w = (x1 - x0) * pw;
		fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#ffb000\" "
			   "fill-opacity=\"0.5\"/>\n", L + x0 * pw, T, w < 1 ? 1 : w, ph);
	}
	for (int s = 0; s < 2; s++) {
		const uint32_t *v = s ? p->rate_dut : p->rate_gen;
		if (s && !p->stamped)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" points=\"",
			s ? "#2ca02c" : "#1f77b4");
		for (int b = 0; b < LAB_RATE_BINS; b++)
			fprintf(f, "%.1f,%.1f ", L + (b + 0.5) / LAB_RATE_BINS * pw,
				T + ph - (double)v[b] / mx * ph);
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.0f pps</text>"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">0</text>\n"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\">blue: back at the generator; green: at "
		   "the DUT; amber: microbursts (%zu)</text>\n</svg>\n",
		L, T, pw, ph, L - 4, T + 10, bin_s > 0 ? mx / bin_s : 0, L - 4, T + ph, L, H - 10,
		p->nbursts);
}

static void drops(FILE *f, const struct lab_run *r)
{
	uint64_t mx = 1;
	int bars = 0;
	for (size_t i = 0; i < r->npaths; i++)
		for (size_t k = 0; k < r->paths[i].ndrops; k++, bars++)
			mx = r->paths[i].drops[k].value > mx ? r->paths[i].drops[k].value : mx;
	fprintf(f, "<h2>Drops per drop point</h2>\n");
	if (!bars) {
		fprintf(f, "<p>No drop counters were recorded.</p>\n");
		return;
	}
	const double L = 260, bw = 420, bh = 16;
	fprintf(f, "<svg width=\"760\" height=\"%.0f\">\n", bars * (bh + 4) + 10);
	int y = 0, ci = 0;
	for (size_t i = 0; i < r->npaths; i++, ci++) {
		const struct lab_path *p = &r->paths[i];
		for (size_t k = 0; k < p->ndrops; k++, y++) {
			const struct lab_drop *d = &p->drops[k];
			double w = d->value ? fmax(1, log1p((double)d->value) / log1p((double)mx) * bw) : 0;
			fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">",
				L - 6, 5 + y * (bh + 4) + 12.0);
			lab_html_esc(f, p->name);
			fputs(" · ", f);
			lab_html_esc(f, d->name);
			fprintf(f, "</text><rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" "
				   "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%llu%s</text>\n",
				L, 5 + y * (bh + 4.0), w, bh, colors[ci % 8], L + w + 6,
				5 + y * (bh + 4) + 12.0, (unsigned long long)d->value,
				d->in_sum ? "" : " (events, not packets)");
		}
	}
	fprintf(f, "</svg>\n<p class=\"note\">Bar length on a log scale.</p>\n");
}

static void table(FILE *f, const struct lab_run *r)
{
	static const char *const names[] = {"min", "p50", "p90", "p99", "p99.9", "p99.99", "max"};
	const struct lab_path *floor = lab_run_floor(r);
	fprintf(f, "<table>\n<tr><th></th>");
	for (size_t i = 0; i < r->npaths; i++) {
		fputs("<th>", f);
		lab_html_esc(f, r->paths[i].name);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (int w = 0; w < 7; w++) {
		fprintf(f, "<tr><td>RTT %s</td>", names[w]);
		for (size_t i = 0; i < r->npaths; i++) {
			const struct lab_path *p = &r->paths[i];
			const struct lab_pct *c = &p->rtt;
			int64_t v = w == 0 ? c->min : w == 1 ? c->p50 : w == 2 ? c->p90 : w == 3 ? c->p99
				  : w == 4 ? c->p999 : w == 5 ? c->p9999 : c->max;
			int64_t fv = !floor ? 0 : w == 0 ? floor->rtt.min : w == 1 ? floor->rtt.p50
				   : w == 2 ? floor->rtt.p90 : w == 3 ? floor->rtt.p99
				   : w == 4 ? floor->rtt.p999 : w == 5 ? floor->rtt.p9999 : floor->rtt.max;
			if (p->skipped || !c->n) {
				fputs("<td>–</td>", f);
				continue;
			}
			char s[32];
			fmt_ns(s, sizeof(s), (double)v);
			fprintf(f, "<td>%s", s);
			if (floor && floor != p && fv > 0)
				fprintf(f, " <small>(%.1f×)</small>", (double)v / (double)fv);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("<tr><td>sent / received / lost</td>", f);
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		if (p->skipped) {
			fputs("<td>skipped: ", f);
			lab_html_esc(f, p->reason);
			fputs("</td>", f);
		} else {
			fprintf(f, "<td>%llu / %llu / %llu</td>", (unsigned long long)p->sent,
				(unsigned long long)p->received, (unsigned long long)p->lost);
		}
	}
	fputs("</tr>\n<tr><td>unaccounted</td>", f);
	for (size_t i = 0; i < r->npaths; i++)
		if (r->paths[i].skipped)
			fputs("<td>–</td>", f);
		else
			fprintf(f, "<td>%lld</td>", (long long)r->paths[i].unaccounted);
	fputs("</tr>\n</table>\n", f);
}

int lab_write_report_html(const struct lab_run *r, char *err, size_t errlen)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof(path), "%s/report.html", r->dir);
	FILE *f = lab_out_open(path, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>Packet latency lab report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:20px;color:#222;max-width:900px}\n"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
	      "text-align:right}td:first-child{text-align:left}\n"
	      ".grid{stroke:#ddd;stroke-width:1}.frame{fill:none;stroke:#888}"
	      ".tick{font-size:11px;fill:#333}.axis{font-size:12px;fill:#333}.note{color:#666}\n"
	      "</style></head><body>\n<h1>Packet latency lab report</h1>\n", f);
	table(f, r);
	lab_budget_html(f, r);
	lab_stamps_line(f, r, true);
	spectrum(f, r);
	lab_watch_report_link(f, r->dir);
	if (r->nscen) {
		fputs("<h2>Under load (run --scenario)</h2>\n<p>Each path again under each scenario's load, "
		      "the load's window shaded on every time plot, in the scenario's own report:", f);
		for (size_t i = 0; i < r->nscen; i++) {
			fputs(i ? ", " : " ", f);
			fprintf(f, "<a href=\"scenarios/%s/report.html\">", r->scen_name[i]);
			lab_html_esc(f, r->scen_name[i]);
			fputs("</a>", f);
		}
		fputs(". The table beside the baseline is in summary.md.</p>\n", f);
	}
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		fputs("<h2>", f);
		lab_html_esc(f, p->name);
		fputs("</h2>\n", f);
		if (p->skipped) {
			fputs("<p>Skipped: ", f);
			lab_html_esc(f, p->reason);
			fputs("</p>\n", f);
			continue;
		}
		int64_t wb[2];
		const int64_t *win = lab_run_window(r, p->name, wb, NULL, 0) ? wb : NULL;
		fputs("<h3>RTT over time</h3>\n", f);
		if (p->received) {
			heatmap(f, p, win);
			tail_section(f, p, win);
		} else {
			fputs("<p>No packet came back.</p>\n", f);
		}
		fprintf(f, "<h3>Arrival rate and microbursts</h3>\n");
		timeline(f, p, win);
		for (int k = 0; k < p->nnotes; k++) {
			fputs("<p class=\"note\">", f);
			lab_html_esc(f, p->notes[k]);
			fputs("</p>\n", f);
		}
	}
	drops(f, r);
	for (int k = 0; k < r->nnotes; k++) {
		fputs("<p class=\"note\">", f);
		lab_html_esc(f, r->notes[k]);
		fputs("</p>\n", f);
	}
	fputs("</body></html>\n", f);
	return lab_out_close(f, tmp, path, err, errlen);
}
