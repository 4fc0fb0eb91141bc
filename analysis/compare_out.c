/* compare_out.c — what lab-analyze --compare writes: the table on stdout, compare.json and
 * compare.html (both runs' RTT CDFs overlaid per path, from the exact percentile spectrum). */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "util.h"
#include "outfile.h"

static const char *const single_run_note =
	"intervals are within-run only (block bootstrap of each run, resampled independently): "
	"between-run variation was not measured with single runs";
static const char *const reps_note =
	"A and B are medians over repetitions; intervals from a two-stage bootstrap (repetitions "
	"drawn with replacement, then each one's 100 ms blocks): between-run variation included";
static const char *const mixed_note =
	"one side is a single run: its between-run variation was not measured, so the intervals "
	"under-state the uncertainty; repeat both sides (--repeat 3 or more)";

static const char *method_note(const struct lab_cmp *c)
{
	if (c->between)
		return reps_note;
	return c->ra.n >= 2 || c->rb.n >= 2 ? mixed_note : single_run_note;
}

void lab_cmp_print_table(const struct lab_cmp *c, FILE *f)
{
	fprintf(f, "compare  A %s (%zu repetition%s)\n         B %s (%zu repetition%s)\n", c->a_dir,
		c->ra.n, c->ra.n == 1 ? "" : "s", c->b_dir, c->rb.n, c->rb.n == 1 ? "" : "s");
	fprintf(f, "RTT from the intended send, us; ratio B/A [95 %% interval]; same below +-%.3g %%\n\n",
		c->threshold * 100);
	fprintf(f, "%-8s %-7s %11s %11s %8s  %-19s %s\n", "path", "pct", "A", "B", "B/A",
		"[95 % interval]", "verdict");
	for (size_t i = 0; i < c->npaths; i++) {
		const struct lab_cmp_path *p = &c->paths[i];
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
			const struct lab_cmp_row *r = &p->row[q];
			char ci[40] = "[-]";
			if (r->have_ci)
				snprintf(ci, sizeof(ci), "[%.3f-%.3f]", r->lo, r->hi);
			if (!r->have) {
				fprintf(f, "%-8s %-7s %11s %11s %8s  %-19s %s\n", p->a->name,
					lab_cmp_pct_name[q], "-", "-", "-", ci, "same");
				continue;
			}
			fprintf(f, "%-8s %-7s %11.2f %11.2f %8.3f  %-19s %s\n", p->a->name,
				lab_cmp_pct_name[q], (double)r->a_ns / 1e3, (double)r->b_ns / 1e3,
				r->ratio, ci, r->verdict);
		}
	}
	for (int i = 0; i < c->nmismatch; i++)
		fprintf(f, "forced: %s\n", c->mismatch[i]);
	for (int i = 0; i < c->ntuning; i++)
		fprintf(f, "tuning differs: %s\n", c->tuning[i]);
	if (!c->ntuning)
		fprintf(f, "tuning snapshot: no differences\n");
	for (int i = 0; i < c->nnotes; i++)
		fprintf(f, "note: %s\n", c->notes[i]);
	fprintf(f, "note: %s\n", method_note(c));
	fprintf(f, "%d slower, %d faster (of %zu paths x %d percentiles)\n", c->nslower, c->nfaster,
		c->npaths, LAB_BOOTCI_NPCT);
}

static void json_body(struct lab_json *j, void *arg)
{
	const struct lab_cmp *c = arg;
	lab_json_str(j, "a", c->a_dir);
	lab_json_str(j, "b", c->b_dir);
	lab_json_dbl(j, "threshold", c->threshold);
	lab_json_u64(j, "a_repetitions", c->ra.n);
	lab_json_u64(j, "b_repetitions", c->rb.n);
	lab_json_bool(j, "between_run_variation_measured", c->between);
	lab_json_str(j, "ci95_method", method_note(c));
	lab_json_arr(j, "notes");
	for (int i = 0; i < c->nnotes; i++)
		lab_json_str(j, NULL, c->notes[i]);
	lab_json_arr_end(j);
	lab_json_bool(j, "forced", c->forced);
	lab_json_arr(j, "config_differences");
	for (int i = 0; i < c->nmismatch; i++)
		lab_json_str(j, NULL, c->mismatch[i]);
	lab_json_arr_end(j);
	lab_json_arr(j, "tuning_differences");
	for (int i = 0; i < c->ntuning; i++)
		lab_json_str(j, NULL, c->tuning[i]);
	lab_json_arr_end(j);
	lab_json_obj(j, "paths");
	for (size_t i = 0; i < c->npaths; i++) {
		const struct lab_cmp_path *p = &c->paths[i];
		lab_json_obj(j, p->a->name);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
			const struct lab_cmp_row *r = &p->row[q];
			lab_json_obj(j, lab_cmp_pct_name[q]);
			if (r->have) {
				lab_json_i64(j, "a_ns", r->a_ns);
				lab_json_i64(j, "b_ns", r->b_ns);
				lab_json_dbl(j, "ratio", r->ratio);
			} else {
				lab_json_null(j, "a_ns");
				lab_json_null(j, "b_ns");
				lab_json_null(j, "ratio");
			}
			if (r->have_ci) {
				lab_json_arr(j, "ci95");
				lab_json_dbl(j, NULL, r->lo);
				lab_json_dbl(j, NULL, r->hi);
				lab_json_arr_end(j);
			} else {
				lab_json_null(j, "ci95");
			}
			lab_json_str(j, "verdict", r->verdict);
			lab_json_obj_end(j);
		}
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
	lab_json_str(j, "verdict", c->nslower ? "slower" : "not slower");
}

int lab_cmp_write_json(const struct lab_cmp *c, char *err, size_t errlen)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/compare.json", c->out_dir);
	if (lab_json_write_file(p, json_body, (void *)c) < 0) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}


/* The plot: x = log10 of the RTT, y = the percentile on the spectrum scale, -log10(1 - p), so
 * p50 .. p99.999 are evenly spaced and the tail is visible. */
#define W 640
#define H 300
#define ML 50
#define MB 30
#define YMAX 5.0

static double px_x(double ns, double lx0, double lx1)
{
	double lx = log10(ns > 1 ? ns : 1);
	return ML + (lx - lx0) / (lx1 - lx0) * (W - ML - 10);
}

static double px_y(uint32_t ppm)
{
	double y = ppm >= 1000000 ? YMAX : -log10(1.0 - ppm / 1e6);
	return 10 + (1 - (y > YMAX ? YMAX : y) / YMAX) * (H - 10 - MB);
}

static void cdf_line(FILE *f, const struct lab_pct *p, double lx0, double lx1, const char *color,
		     double width)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"", color,
		width);
	for (int i = 0; i < LAB_SPEC_POINTS; i++)
		fprintf(f, "%.1f,%.1f ", px_x((double)p->spectrum[i], lx0, lx1),
			px_y(lab_spectrum_ppm(i)));
	fprintf(f, "%.1f,%.1f\"/>\n", px_x((double)p->max, lx0, lx1), px_y(1000000));
}

/* The smallest and largest RTT over every repetition of both sides. */
static void rtt_span(const struct lab_cmp_path *cp, double *lo, double *hi)
{
	*lo = INFINITY, *hi = 0;
	for (int s = 0; s < 2; s++) {
		const struct lab_rep_path *rp = s ? &cp->rb : &cp->ra;
		for (size_t i = 0; i < rp->n; i++) {
			*lo = fmin(*lo, (double)rp->p[i]->rtt.min);
			*hi = fmax(*hi, (double)rp->p[i]->rtt.max);
		}
	}
}

/* Each repetition's CDF (thin when there are several). */
static void cdf_lines(FILE *f, const struct lab_rep_path *rp, double lx0, double lx1,
		      const char *color)
{
	for (size_t i = 0; i < rp->n; i++)
		cdf_line(f, &rp->p[i]->rtt, lx0, lx1, color, rp->n > 1 ? 1.0 : 2.0);
}

static void plot_path(FILE *f, const struct lab_cmp_path *cp)
{
	double lo, hi;
	rtt_span(cp, &lo, &hi);
	double lx0 = floor(log10(lo > 1 ? lo : 1)), lx1 = ceil(log10(hi > 10 ? hi : 10));
	if (lx1 <= lx0)
		lx1 = lx0 + 1;
	fprintf(f, "<h2>");
	lab_html_esc(f, cp->a->name);
	fprintf(f, "</h2>\n<svg width=\"%d\" height=\"%d\" font-size=\"11\">\n", W, H);
	for (double d = lx0; d <= lx1; d++) {
		double x = px_x(pow(10, d), lx0, lx1);
		fprintf(f, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g us</text>\n",
			x, x, H - MB, x, H - MB + 15, pow(10, d) / 1e3);
	}
	static const char *const ylab[] = {"p0", "p90", "p99", "p99.9", "p99.99", "max"};
	for (int i = 0; i <= 5; i++) {
		double y = 10 + (1 - i / YMAX) * (H - 10 - MB);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			ML, y, W - 10, y, ML - 4, y + 4, ylab[i]);
	}
	cdf_lines(f, &cp->ra, lx0, lx1, "#1f77b4");
	cdf_lines(f, &cp->rb, lx0, lx1, "#d62728");
	fprintf(f, "</svg>\n<table><tr><th>pct</th><th>A us</th><th>B us</th><th>B/A</th>"
		   "<th>95 %% interval</th><th>verdict</th></tr>\n");
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		const struct lab_cmp_row *r = &cp->row[q];
		fprintf(f, "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%.3f</td>",
			lab_cmp_pct_name[q], (double)r->a_ns / 1e3, (double)r->b_ns / 1e3, r->ratio);
		if (r->have_ci)
			fprintf(f, "<td>%.3f – %.3f</td>", r->lo, r->hi);
		else
			fprintf(f, "<td>–</td>");
		fprintf(f, "<td>%s</td></tr>\n", r->verdict);
	}
	fprintf(f, "</table>\n");
}

int lab_cmp_write_html(const struct lab_cmp *c, char *err, size_t errlen)
{
	char p[4200], tmp[4300];
	snprintf(p, sizeof(p), "%s/compare.html", c->out_dir);
	FILE *f = lab_out_open(p, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	fprintf(f, "<!doctype html><meta charset=\"utf-8\"><title>lab compare</title>\n"
		   "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}"
		   "</style>\n<h1>RTT from the intended send: A <span style=\"color:#1f77b4\">");
	lab_html_esc(f, c->a_dir);
	fprintf(f, "</span> vs B <span style=\"color:#d62728\">");
	lab_html_esc(f, c->b_dir);
	fprintf(f, "</span></h1>\n<p>");
	lab_html_esc(f, method_note(c));
	fprintf(f, ". A: %zu, B: %zu repetition(s), one line each. Same below ±%.3g %%.</p>\n",
		c->ra.n, c->rb.n, c->threshold * 100);
	for (int i = 0; i < c->nnotes; i++) {
		fprintf(f, "<p>note: ");
		lab_html_esc(f, c->notes[i]);
		fprintf(f, "</p>\n");
	}
	for (int i = 0; i < c->ntuning; i++) {
		fprintf(f, "<p>tuning differs: ");
		lab_html_esc(f, c->tuning[i]);
		fprintf(f, "</p>\n");
	}
	for (size_t i = 0; i < c->npaths; i++)
		plot_path(f, &c->paths[i]);
	return lab_out_close(f, tmp, p, err, errlen);
}
