/* budget.c — the instrument's error budget of a run (budget.h): the floor's stamping points from
 * its records, the clock read from a calibration file or measured after the packets, and the
 * marking of figures below the resolution. */
#include "budget.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "outfile.h"

#define QUICK_READS 100000 /* ~3 ms on this machine: fine after the run, never during it */

static const char *const bp_keys[LAB_BP_N] = {
	"clock_read", "bpf_clock_read", "gen_tx_to_wire", "xdp_stamp_pair", "rx_ring_to_stamp",
	"xdp_vs_user",
};

const char *lab_bp_key(enum lab_bp i)
{
	return i < LAB_BP_N ? bp_keys[i] : "?";
}

static void read_deltas(int64_t *d, size_t n)
{
	uint64_t prev = lab_now_ns();
	for (size_t i = 0; i < n; i++) {
		uint64_t now = lab_now_ns();
		d[i] = (int64_t)(now - prev);
		prev = now;
	}
}

int lab_clock_bench(int cpu, size_t n, struct lab_bpt *out, int64_t *max)
{
	cpu_set_t old, one;
	struct lab_pct pc;
	int64_t *d;
	if (n < 2)
		n = 2;
	if (!(d = malloc(n * sizeof(*d))))
		return -1;
	if (cpu >= 0) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_getaffinity(0, sizeof(old), &old) < 0 ||
		    sched_setaffinity(0, sizeof(one), &one) < 0) {
			int e = errno;
			free(d);
			errno = e;
			return -1;
		}
	}
	read_deltas(d, n / 16); /* warm the vDSO page and the caches first */
	read_deltas(d, n);
	if (cpu >= 0)
		sched_setaffinity(0, sizeof(old), &old); /* back where the caller may run */
	lab_percentiles(d, n, &pc);
	free(d);
	*out = (struct lab_bpt){true, pc.p50, pc.p99};
	if (max)
		*max = pc.max;
	return 0;
}

/* ---- the clock figures and the calibration file, once per process ---- */

static struct {
	bool done;
	struct lab_bpt clock, bpf;
	char src[640];
	bool have_floor;
	struct lab_bpt floor[LAB_BP_N];
	char floor_src[640];
} g;

void lab_budget_set_clock(const struct lab_bpt *clock, const struct lab_bpt *bpf, const char *src)
{
	g.done = true;
	g.clock = *clock;
	g.bpf = bpf ? *bpf : (struct lab_bpt){0};
	snprintf(g.src, sizeof(g.src), "%s", src);
}

static bool pt_from(const struct jv *eb, enum lab_bp i, struct lab_bpt *o)
{
	const struct jv *v = jv_get(eb, bp_keys[i]);
	o->have = jv_i64(jv_get(v, "p50"), &o->p50) && jv_i64(jv_get(v, "p99"), &o->p99);
	return o->have;
}

/* calibration.json (lab-calib): instrument.error_budget_ns.<point>.{p50,p99}, time */
static bool load_calibration(const char *file)
{
	char err[512];
	struct jv *doc = jv_parse_file(file, err, sizeof(err));
	if (!doc)
		return false;
	const struct jv *eb = jv_get(jv_get(doc, "instrument"), "error_budget_ns");
	const struct jv *t = jv_get(doc, "time");
	const char *when = t && t->type == JV_STR ? t->s : "time unknown";
	bool ok = pt_from(eb, LAB_BP_CLOCK_READ, &g.clock);
	if (ok) {
		pt_from(eb, LAB_BP_BPF_CLOCK_READ, &g.bpf);
		snprintf(g.src, sizeof(g.src), "calibration %s (%s)", file, when);
		for (int i = LAB_BP_GEN_TX_TO_WIRE; i < LAB_BP_N; i++)
			g.have_floor |= pt_from(eb, (enum lab_bp)i, &g.floor[i]);
		snprintf(g.floor_src, sizeof(g.floor_src), "calibration %s (%s)", file, when);
	}
	jv_free(doc);
	return ok;
}

static void utc_now(char *o, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(o, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool find_calibration(const char *dir)
{
	const char *env = getenv("LAB_CALIBRATION");
	char p[4200];
	if (env)
		return env[0] && load_calibration(env);
	for (int up = 1; up <= 3; up++) {
		int n = snprintf(p, sizeof(p), "%s", dir);
		for (int k = 0; k < up && n > 0 && (size_t)n < sizeof(p); k++)
			n += snprintf(p + n, sizeof(p) - (size_t)n, "/..");
		snprintf(p + n, sizeof(p) - (size_t)n, "/calibration.json");
		if (load_calibration(p))
			return true;
	}
	return false;
}

static void clock_figures(const char *dir)
{
	char when[32];
	if (g.done)
		return;
	g.done = true;
	if (find_calibration(dir))
		return;
	if (lab_clock_bench(-1, QUICK_READS, &g.clock, NULL) < 0)
		return; /* no memory: no clock figure, nothing marked */
	utc_now(when, sizeof(when));
	snprintf(g.src, sizeof(g.src),
		 "measured by lab-analyze after the run (%d reads, unpinned, %s); no calibration.json",
		 QUICK_READS, when);
}

static int64_t resolution(void)
{
	int64_t r = g.clock.have ? g.clock.p99 : 0;
	if (g.bpf.have && g.bpf.p99 > r)
		r = g.bpf.p99;
	return r;
}

int64_t lab_budget_res_ns(const char *dir)
{
	clock_figures(dir);
	return resolution();
}

/* ---- a run's budget ---- */

static struct lab_bpt pt_of(const struct lab_pct *p)
{
	return (struct lab_bpt){p->n > 0, p->p50, p->p99};
}

static void floor_points(const struct lab_run *r, struct lab_budget *b)
{
	const struct lab_path *fl = lab_run_floor(r), *xsk = lab_run_find(r, "xsk");
	if (fl && fl->stamped) {
		b->pt[LAB_BP_GEN_TX_TO_WIRE] = pt_of(&fl->to_dut);
		b->pt[LAB_BP_XDP_STAMP_PAIR] = pt_of(&fl->in_dut);
		b->pt[LAB_BP_RX_RING_TO_STAMP] = pt_of(&fl->from_dut);
		snprintf(b->floor_src, sizeof(b->floor_src), "this run's %s records (%llu stamped)",
			 fl->name, (unsigned long long)fl->stamped);
		if (xsk && xsk->stamped && xsk->to_dut.n)
			b->pt[LAB_BP_XDP_VS_USER] = (struct lab_bpt){
				true, xsk->to_dut.p50 - fl->to_dut.p50, xsk->to_dut.p99 - fl->to_dut.p99};
		return;
	}
	if (!g.have_floor)
		return;
	for (int i = LAB_BP_GEN_TX_TO_WIRE; i < LAB_BP_N; i++)
		b->pt[i] = g.floor[i];
	snprintf(b->floor_src, sizeof(b->floor_src), "%s", g.floor_src);
}

void lab_budget_for_run(const struct lab_run *r, struct lab_budget *b)
{
	memset(b, 0, sizeof(*b));
	clock_figures(r->dir);
	b->pt[LAB_BP_CLOCK_READ] = g.clock;
	b->pt[LAB_BP_BPF_CLOCK_READ] = g.bpf;
	snprintf(b->clock_src, sizeof(b->clock_src), "%s", g.src);
	floor_points(r, b);
	b->res_ns = resolution();
}

/* ---- output ---- */

void lab_budget_json(struct lab_json *j, const struct lab_budget *b)
{
	lab_json_obj(j, "instrument");
	lab_json_obj(j, "error_budget_ns");
	for (int i = 0; i < LAB_BP_N; i++) {
		if (!b->pt[i].have)
			continue;
		lab_json_obj(j, bp_keys[i]);
		lab_json_i64(j, "p50", b->pt[i].p50);
		lab_json_i64(j, "p99", b->pt[i].p99);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
	lab_json_obj(j, "source");
	lab_json_str(j, "clock", b->clock_src[0] ? b->clock_src : "none");
	lab_json_str(j, "floor", b->floor_src[0] ? b->floor_src : "none: no floor path ran and no "
								      "calibration.json has one");
	lab_json_obj_end(j);
	if (b->res_ns > 0)
		lab_json_i64(j, "resolution_ns", b->res_ns);
	else
		lab_json_null(j, "resolution_ns");
	lab_json_str(j, "resolution", "the clock read's p99 (the larger of the user-space and BPF "
				      "reads): a stamp difference below it is marked below_resolution");
	lab_json_str(j, "xdp_vs_user", "xsk's gen->DUT less the floor's, percentile by percentile: "
				       "the XDP program does not stamp redirected frames, lab-xsk "
				       "stamps in user space");
	lab_json_obj_end(j);
}

static void below_pct(struct lab_json *j, const char *key, const struct lab_pct *p, bool full,
		      int64_t res)
{
	const struct {
		const char *n;
		int64_t v;
		bool full_only;
	} v[] = {{"min", p->min, true},     {"p50", p->p50, false},    {"p90", p->p90, true},
		 {"p99", p->p99, false},    {"p999", p->p999, true},   {"p9999", p->p9999, true},
		 {"max", p->max, false}};
	char k[96];
	if (!p->n)
		return;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if ((v[i].full_only && !full) || !lab_budget_below(v[i].v, res))
			continue;
		snprintf(k, sizeof(k), "%s.%s", key, v[i].n);
		lab_json_str(j, NULL, k);
	}
}

void lab_budget_path_json(struct lab_json *j, const char *dir, const struct lab_path *p)
{
	int64_t res = lab_budget_res_ns(dir);
	lab_json_arr(j, "below_resolution");
	below_pct(j, "rtt_ns", &p->rtt, true, res);
	below_pct(j, "rtt_actual_ns", &p->rtt_actual, true, res);
	below_pct(j, "oneway_ns.to_dut", &p->to_dut, false, res);
	below_pct(j, "oneway_ns.in_dut", &p->in_dut, false, res);
	below_pct(j, "oneway_ns.from_dut", &p->from_dut, false, res);
	lab_json_arr_end(j);
}

static const char *const bp_labels[LAB_BP_N] = {
	"clock read", "BPF clock read", "TX kick → wire", "XDP stamp pair", "RX ring → stamp",
	"XDP vs user stamp (xsk)",
};

static void put_text(FILE *f, const char *s, bool html)
{
	if (html)
		lab_html_esc(f, s); /* a file name may hold anything */
	else
		fputs(s, f);
}

void lab_budget_line(FILE *f, const struct lab_budget *b, bool html)
{
	const char *sep = "";
	fputs(html ? "<p class=\"note\">" : "", f);
	fputs("Instrument error budget (p50 / p99 ns): ", f);
	for (int i = 0; i < LAB_BP_N; i++) {
		if (!b->pt[i].have)
			continue;
		fprintf(f, "%s%s %lld / %lld", sep, bp_labels[i], (long long)b->pt[i].p50,
			(long long)b->pt[i].p99);
		sep = ", ";
	}
	if (!*sep)
		fputs("not known", f);
	if (b->res_ns > 0)
		fprintf(f, ". Resolution %lld ns (the clock read's p99): a figure marked (< res) is "
			   "below what the lab can resolve",
			(long long)b->res_ns);
	fputs(". Clock: ", f);
	put_text(f, b->clock_src[0] ? b->clock_src : "none", html);
	fputs("; floor: ", f);
	put_text(f, b->floor_src[0] ? b->floor_src : "none", html);
	fputs(html ? ".</p>\n" : ".\n\n", f);
}

void lab_budget_md(FILE *f, const struct lab_run *r)
{
	struct lab_budget b;
	lab_budget_for_run(r, &b);
	lab_budget_line(f, &b, false);
}

void lab_budget_html(FILE *f, const struct lab_run *r)
{
	struct lab_budget b;
	lab_budget_for_run(r, &b);
	lab_budget_line(f, &b, true);
}

void lab_budget_mark(char *cell, size_t len, const char *dir, int64_t v)
{
	size_t n = strlen(cell);
	if (lab_budget_below(v, lab_budget_res_ns(dir)) && n < len)
		snprintf(cell + n, len - n, " (< res)");
}
