/* repeat.c — reading a run of `setup/lab run --repeat N` (repeat.h) and writing its top summary:
 * the median over repetitions of every percentile, with its interval over repetitions. */
#include "budget.h"
#include "repeat.h"
#include "watchrep.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "outfile.h"
#include "util.h"

/* fixed seeds: the same repetitions always get the same intervals */
#define SEED_REP_RTT 0x6c61622d72657031ULL
#define SEED_REP_RTT_ACTUAL 0x6c61622d72657032ULL

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int lab_reps_is_repeated(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/rep1", dir);
	return is_dir(p);
}

void lab_reps_free(struct lab_reps *r)
{
	for (size_t i = 0; r->rep && i < r->n; i++)
		lab_run_free(&r->rep[i]);
	free(r->rep);
	jv_free(r->doc);
	r->rep = NULL;
	r->doc = NULL;
	r->n = 0;
}

/* The top run.json of a repeated run: its `run` object and run.repeat. */
static int load_top(struct lab_reps *r, char *err, size_t errlen)
{
	char p[4200];
	struct stat st;
	snprintf(p, sizeof(p), "%s/run.json", r->dir);
	if (stat(p, &st) < 0)
		return 0; /* an interrupted run may lack it: the repetitions' own run.json serve */
	r->doc = jv_parse_file(p, err, errlen);
	if (!r->doc)
		return -1;
	const struct jv *run = jv_get(r->doc, "run");
	if (r->doc->type != JV_OBJ || !run || run->type != JV_OBJ) {
		snprintf(err, errlen, "%s: no 'run' object", p);
		return -1;
	}
	r->run = run;
	uint64_t want;
	if (jv_u64(jv_get(run, "repeat"), &want))
		r->want = want > LAB_MAX_REPS ? LAB_MAX_REPS + 1 : (long)want;
	return 0;
}

/* Whether DIR/sub holds any entry (a record file, a skipped path's reason). */
static bool has_entry(const char *dir, const char *sub)
{
	char p[4300];
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	DIR *d = opendir(p);
	if (!d)
		return false;
	struct dirent *e;
	bool any = false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

/* rep1, rep2, ... as long as each holds something: a run stopped at the start of a repetition
 * leaves its directory empty, and the repetitions before it still count (repeat_planned says
 * the rest is missing). */
static size_t count_reps(const char *dir)
{
	char p[4200];
	size_t n = 0;
	while (n < LAB_MAX_REPS) {
		snprintf(p, sizeof(p), "%s/rep%zu", dir, n + 1);
		if (!is_dir(p) || (!has_entry(p, "records") && !has_entry(p, "skipped")))
			break;
		n++;
	}
	return n;
}

int lab_reps_load(const char *dir, const struct lab_analyze_opts *o, struct lab_reps *r, char *err,
		  size_t errlen)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	r->repeated = lab_reps_is_repeated(dir) == 1;
	r->n = r->repeated ? count_reps(dir) : 1;
	if (r->repeated && load_top(r, err, errlen) < 0) {
		lab_reps_free(r);
		return -1;
	}
	if (r->want > LAB_MAX_REPS) {
		snprintf(err, errlen, "%s/run.json: run.repeat is above %d", dir, LAB_MAX_REPS);
		lab_reps_free(r);
		return -1;
	}
	r->rep = calloc(r->n, sizeof(*r->rep));
	if (!r->rep) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->n; i++) {
		char p[4200];
		if (r->repeated)
			snprintf(p, sizeof(p), "%s/rep%zu", dir, i + 1);
		else
			snprintf(p, sizeof(p), "%s", dir);
		if (lab_run_load(p, o, &r->rep[i], err, errlen) < 0) {
			r->n = i;
			lab_reps_free(r);
			return -1;
		}
		lab_debug("%s: %zu of %zu analyzed", dir, i + 1, r->n);
	}
	if (!r->run)
		r->run = r->rep[0].run;
	return 0;
}

void lab_reps_path(const struct lab_reps *r, const char *name, struct lab_rep_path *out)
{
	memset(out, 0, sizeof(*out));
	out->name = name;
	for (size_t i = 0; i < r->n; i++) {
		const struct lab_path *p = lab_run_find(&r->rep[i], name);
		if (!p || p->rtt.n == 0) {
			out->skipped++;
			continue;
		}
		out->dir[out->n] = r->rep[i].dir;
		out->p[out->n++] = p;
	}
}

static int64_t pct_q(const struct lab_pct *p, int q)
{
	const int64_t v[LAB_BOOTCI_NPCT] = {p->p50, p->p90, p->p99, p->p999, p->p9999};
	return v[q];
}

double lab_rep_median(const struct lab_rep_path *rp, int q, bool actual)
{
	double v[LAB_MAX_REPS];
	for (size_t i = 0; i < rp->n; i++)
		v[i] = (double)pct_q(actual ? &rp->p[i]->rtt_actual : &rp->p[i]->rtt, q);
	return lab_median_d(v, rp->n);
}

void lab_reps_close_recs(const struct lab_rep_path *rp, struct lab_rec_file *files)
{
	for (size_t i = 0; i < rp->n; i++)
		lab_rec_close(&files[i]);
}

int lab_reps_open_recs(const struct lab_rep_path *rp, struct lab_rec_file *files,
		       struct lab_recs *recs, char *err, size_t errlen)
{
	memset(files, 0, LAB_MAX_REPS * sizeof(*files));
	for (size_t i = 0; i < rp->n; i++) {
		char p[4200];
		snprintf(p, sizeof(p), "%s/records/%s.rec", rp->dir[i], rp->name);
		if (lab_rec_open(p, &files[i], err, errlen) < 0) {
			struct lab_rep_path part = *rp;
			part.n = i;
			lab_reps_close_recs(&part, files);
			return -1;
		}
		recs[i] = (struct lab_recs){files[i].recs, (size_t)files[i].count};
	}
	return 0;
}

/* ---- the top summary ---- */

static const char *const pct_key[LAB_BOOTCI_NPCT] = {"p50", "p90", "p99", "p999", "p9999"};
static const char *const pct_label[LAB_BOOTCI_NPCT] = {"p50", "p90", "p99", "p99.9", "p99.99"};

/* One path's figures over the repetitions. */
struct rep_fig {
	struct lab_rep_path rp;
	double med[2][LAB_BOOTCI_NPCT]; /* [from intended, from actual] */
	struct lab_ci95 ci[2];
	uint64_t sent, received, lost;
};

static int rep_fig_fill(const struct lab_reps *r, const char *name, struct rep_fig *f, char *err,
			size_t errlen)
{
	static struct lab_rec_file files[LAB_MAX_REPS];
	struct lab_recs recs[LAB_MAX_REPS];
	memset(f, 0, sizeof(*f));
	lab_reps_path(r, name, &f->rp);
	for (size_t i = 0; i < f->rp.n; i++) {
		f->sent += f->rp.p[i]->sent;
		f->received += f->rp.p[i]->received;
		f->lost += f->rp.p[i]->lost;
	}
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		for (int a = 0; a < 2; a++)
			f->med[a][q] = lab_rep_median(&f->rp, q, a);
	if (f->rp.n == 0)
		return 0;
	if (lab_reps_open_recs(&f->rp, files, recs, err, errlen) < 0)
		return -1;
	int rc = lab_mboot_median_ci95(recs, f->rp.n, LAB_MBOOT_RTT, LAB_BOOTCI_REPLICATES,
				       SEED_REP_RTT, &f->ci[0]);
	if (rc == 0)
		rc = lab_mboot_median_ci95(recs, f->rp.n, LAB_MBOOT_RTT_ACTUAL, LAB_BOOTCI_REPLICATES,
					   SEED_REP_RTT_ACTUAL, &f->ci[1]);
	lab_reps_close_recs(&f->rp, files);
	if (rc < 0)
		snprintf(err, errlen, "%s: intervals over repetitions: out of memory", name);
	return rc;
}

/* The path names in the order of the first repetition, then any the others add. */
static size_t path_names(const struct lab_reps *r, const char **names)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->rep[i].npaths; k++) {
			const char *nm = r->rep[i].paths[k].name;
			size_t j = 0;
			while (j < n && strcmp(names[j], nm) != 0)
				j++;
			if (j == n && n < LAB_MAX_PATHS)
				names[n++] = nm;
		}
	return n;
}

struct reps_out {
	const struct lab_reps *r;
	struct rep_fig fig[LAB_MAX_PATHS];
	size_t nfig;
};

static void json_pcts(struct lab_json *j, const char *key, const struct rep_fig *f, int a)
{
	lab_json_obj(j, key);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		if (f->rp.n)
			lab_json_dbl(j, pct_key[q], f->med[a][q]);
		else
			lab_json_null(j, pct_key[q]);
	lab_json_obj_end(j);
	char k2[64];
	snprintf(k2, sizeof(k2), "%s_ci95", key);
	lab_json_obj(j, k2);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!f->ci[a].have[q]) {
			lab_json_null(j, pct_key[q]);
			continue;
		}
		lab_json_arr(j, pct_key[q]);
		lab_json_i64(j, NULL, f->ci[a].lo[q]);
		lab_json_i64(j, NULL, f->ci[a].hi[q]);
		lab_json_arr_end(j);
	}
	lab_json_obj_end(j);
}

static void json_per_rep(struct lab_json *j, const struct rep_fig *f)
{
	lab_json_arr(j, "per_repetition");
	for (size_t i = 0; i < f->rp.n; i++) {
		const struct lab_path *p = f->rp.p[i];
		const char *slash = strrchr(f->rp.dir[i], '/');
		lab_json_arr_obj(j);
		lab_json_str(j, "repetition", slash ? slash + 1 : f->rp.dir[i]);
		lab_json_u64(j, "sent", p->sent);
		lab_json_u64(j, "received", p->received);
		lab_json_u64(j, "lost", p->lost);
		for (int a = 0; a < 2; a++) {
			const struct lab_pct *pc = a ? &p->rtt_actual : &p->rtt;
			lab_json_obj(j, a ? "rtt_actual_ns" : "rtt_ns");
			for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
				lab_json_i64(j, pct_key[q], pct_q(pc, q));
			lab_json_obj_end(j);
		}
		lab_json_obj_end(j);
	}
	lab_json_arr_end(j);
}

static void json_body(struct lab_json *j, void *arg)
{
	const struct reps_out *o = arg;
	const struct lab_reps *r = o->r;
	lab_json_i64(j, "repeat", (int64_t)r->n);
	if (r->want && r->want != (long)r->n)
		lab_json_i64(j, "repeat_planned", r->want);
	if (r->run)
		jv_emit(j, "run", r->run);
	lab_json_str(j, "statistic", "median over repetitions of each repetition's exact percentile");
	lab_json_obj(j, "ci95_method");
	lab_json_str(j, "method", "two-stage bootstrap: repetitions drawn with replacement, then "
				  "each drawn repetition's blocks of intended send time; percentile "
				  "intervals (2.5 % / 97.5 % of the replicates' medians)");
	lab_json_bool(j, "between_run_variation_measured", r->n >= 2);
	lab_json_dbl(j, "block_ms", (double)LAB_BOOTCI_BLOCK_NS / 1e6);
	lab_json_i64(j, "replicates", LAB_BOOTCI_REPLICATES);
	lab_json_obj_end(j);
	lab_json_obj(j, "paths");
	for (size_t i = 0; i < o->nfig; i++) {
		const struct rep_fig *f = &o->fig[i];
		lab_json_obj(j, f->rp.name);
		lab_json_u64(j, "repetitions", f->rp.n);
		lab_json_u64(j, "repetitions_without", f->rp.skipped);
		lab_json_u64(j, "sent", f->sent);
		lab_json_u64(j, "received", f->received);
		lab_json_u64(j, "lost", f->lost);
		json_pcts(j, "rtt_ns", f, 0);
		json_pcts(j, "rtt_actual_ns", f, 1);
		json_per_rep(j, f);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
	if (r->n) { /* the instrument's budget: the first repetition's (its floor, the clock) */
		struct lab_budget b;

		lab_budget_for_run(&r->rep[0], &b);
		lab_budget_json(j, &b);
	}
	lab_watch_summary_json(j, r->dir); /* run --watch: one watch for all repetitions */
}

static void md_cell(FILE *f, const struct rep_fig *g, int a, int q)
{
	if (!g->rp.n) {
		fprintf(f, " – |");
		return;
	}
	fprintf(f, " %.2f", g->med[a][q] / 1e3);
	if (g->ci[a].have[q])
		fprintf(f, " [%.2f–%.2f]", (double)g->ci[a].lo[q] / 1e3, (double)g->ci[a].hi[q] / 1e3);
	fprintf(f, " |");
}

static void md_write(FILE *f, const struct reps_out *o)
{
	const struct lab_reps *r = o->r;
	fprintf(f, "# Packet latency lab: side by side, %zu repetitions\n\n", r->n);
	if (r->want && r->want != (long)r->n)
		fprintf(f, "Only %zu of the %ld repetitions planned were completed.\n\n", r->n, r->want);
	fprintf(f, "Median over the repetitions of each one's exact percentile, µs, with a 95 %% "
		   "interval over repetitions [lo–hi]. Each repetition's own summary: rep1/ … rep%zu/"
		   "summary.md.\n\n|  |", r->n);
	for (size_t i = 0; i < o->nfig; i++)
		fprintf(f, " %s |", o->fig[i].rp.name);
	fprintf(f, "\n|---|");
	for (size_t i = 0; i < o->nfig; i++)
		fprintf(f, "---:|");
	fprintf(f, "\n| repetitions with packets back |");
	for (size_t i = 0; i < o->nfig; i++)
		fprintf(f, " %zu |", o->fig[i].rp.n);
	fprintf(f, "\n| sent / lost (all repetitions) |");
	for (size_t i = 0; i < o->nfig; i++)
		fprintf(f, " %llu / %llu |", (unsigned long long)o->fig[i].sent,
			(unsigned long long)o->fig[i].lost);
	fprintf(f, "\n");
	for (int a = 0; a < 2; a++)
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
			fprintf(f, "| RTT from %s send %s |", a ? "actual" : "intended", pct_label[q]);
			for (size_t i = 0; i < o->nfig; i++)
				md_cell(f, &o->fig[i], a, q);
			fprintf(f, "\n");
		}
	fprintf(f, "| RTT p99 of each repetition |");
	for (size_t i = 0; i < o->nfig; i++) {
		const struct rep_fig *g = &o->fig[i];
		for (size_t k = 0; k < g->rp.n; k++)
			fprintf(f, "%s%.1f", k ? ", " : " ", (double)g->rp.p[k]->rtt.p99 / 1e3);
		fprintf(f, " |");
	}
	fprintf(f, "\n\nThe interval is a two-stage bootstrap (%d replicates): the repetitions drawn "
		   "with replacement, then each drawn one's %d ms blocks of send time; it holds the "
		   "variation between repetitions as well as within them%s.\n",
		LAB_BOOTCI_REPLICATES, (int)(LAB_BOOTCI_BLOCK_NS / 1000000),
		r->n < 2 ? " (one repetition: within only)" : "");
	if (r->n) {
		fprintf(f, "\nFrom the first repetition: ");
		lab_budget_md(f, &r->rep[0]);
	}
	lab_watch_summary_md(f, r->dir);
}

int lab_write_reps_summary(const struct lab_reps *r, char *err, size_t errlen)
{
	static struct reps_out o; /* large: not on the stack */
	const char *names[LAB_MAX_PATHS];
	memset(&o, 0, sizeof(o));
	o.r = r;
	o.nfig = path_names(r, names);
	for (size_t i = 0; i < o.nfig; i++)
		if (rep_fig_fill(r, names[i], &o.fig[i], err, errlen) < 0)
			return -1;
	char p[4200], tmp[4300];
	snprintf(p, sizeof(p), "%s/summary.json", r->dir);
	if (lab_json_write_file(p, json_body, &o) < 0) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/summary.md", r->dir);
	FILE *f = lab_out_open(p, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	md_write(f, &o);
	return lab_out_close(f, tmp, p, err, errlen);
}
