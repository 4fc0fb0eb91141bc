/* compare.c — lab-analyze compare A B (or --compare A B; main.c parses the flags): the checks that the two runs can be
 * compared (same rate, pattern, frame size and paths, unless --force), the tuning snapshot's
 * differences, and per path and percentile the ratio B/A, its interval and the verdict. Runs
 * with repetitions (repeat.h) compare their medians over repetitions. */
#include "compare.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "util.h"

#define SEED_RATIO 0x6c61622d636d7031ULL /* fixed: the same pair always gets the same intervals */

const char *const lab_cmp_pct_name[LAB_BOOTCI_NPCT] = {"p50", "p90", "p99", "p99.9", "p99.99"};

const char *lab_cmp_verdict(double ratio, bool have_ci, double lo, double hi, double threshold)
{
	if (!have_ci || (lo <= 1.0 && hi >= 1.0) || fabs(ratio - 1.0) < threshold)
		return "same";
	return ratio > 1.0 ? "slower" : "faster";
}

/* A results directory, resolved: dies with 2 when it is missing or not one. */
static void resolve_run(const char *arg, char *out)
{
	struct stat st;
	char p[PATH_MAX + 16];
	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode) || !realpath(arg, out))
		lab_die(LAB_EXIT_USAGE, "%s: no such directory", arg);
	snprintf(p, sizeof(p), "%s/%srecords", out, lab_reps_is_repeated(out) == 1 ? "rep1/" : "");
	struct stat rs;
	if (stat(p, &rs) < 0 || !S_ISDIR(rs.st_mode))
		lab_die(LAB_EXIT_USAGE, "%s: not a results directory (no records/ or rep1/records/)", arg);
}

static bool inside(const char *dir, const char *top)
{
	size_t n = strlen(top);
	return strncmp(dir, top, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

/* --out, or compare-<A>-<B> beside B: created, and never A, B or inside either. */
static void make_out_dir(struct lab_cmp *c, const char *out)
{
	char want[PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX];
	if (out) {
		snprintf(want, sizeof(want), "%s", out);
	} else {
		char a[PATH_MAX], b[PATH_MAX], bd[PATH_MAX];
		snprintf(a, sizeof(a), "%s", c->a_dir);
		snprintf(b, sizeof(b), "%s", c->b_dir);
		snprintf(bd, sizeof(bd), "%s", c->b_dir);
		snprintf(want, sizeof(want), "%s/compare-%s-%s", dirname(bd), basename(a), basename(b));
	}
	snprintf(tmp, sizeof(tmp), "%s", want);
	char *base = basename(tmp);
	char tmp2[PATH_MAX];
	snprintf(tmp2, sizeof(tmp2), "%s", want);
	if (!realpath(dirname(tmp2), parent))
		lab_die(LAB_EXIT_USAGE, "--out %s: its parent directory does not exist", want);
	if (snprintf(c->out_dir, sizeof(c->out_dir), "%s/%s", strcmp(parent, "/") ? parent : "", base) >=
	    (int)sizeof(c->out_dir))
		lab_die(LAB_EXIT_USAGE, "--out %s: path too long", want);
	char real[PATH_MAX];
	if (realpath(c->out_dir, real))
		snprintf(c->out_dir, sizeof(c->out_dir), "%s", real);
	if (inside(c->out_dir, c->a_dir) || inside(c->out_dir, c->b_dir))
		lab_die(LAB_EXIT_USAGE, "--out %s is inside run %s: compare never writes into a run",
			want, inside(c->out_dir, c->a_dir) ? c->a_dir : c->b_dir);
	if (mkdir(c->out_dir, 0755) < 0 && errno != EEXIST)
		lab_die(LAB_EXIT_RUNTIME, "%s: %s", c->out_dir, strerror(errno));
}

static void note(char (*list)[320], int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(char (*list)[320], int *n, const char *fmt, ...)
{
	if (*n >= LAB_CMP_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], 320, fmt, ap);
	va_end(ap);
}

/* A JSON value as compact text (for comparing and printing): "(none)" when absent. */
static void jv_text(const struct jv *v, char *out, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = v ? open_memstream(&buf, &n) : NULL;
	if (!f) {
		snprintf(out, len, "(none)");
		return;
	}
	if (v->type == JV_STR || v->type == JV_NUM) {
		fputs(v->s, f);
	} else {
		struct lab_json j = {.f = f, .first = {true}};
		jv_emit(&j, NULL, v);
	}
	fclose(f);
	/* one line: the writer's newlines and indentation folded */
	size_t k = 0;
	for (size_t i = 0; buf[i] && k + 1 < len; i++)
		if (buf[i] != '\n' && !(buf[i] == ' ' && k && out[k - 1] == ' '))
			out[k++] = buf[i];
	out[k] = '\0';
	free(buf);
}

static const struct jv *run_key(const struct lab_reps *r, const char *key)
{
	return r->run ? jv_get(r->run, key) : NULL;
}

/* The configuration that must match: rate, pattern, frame size, the analyzed paths. */
static void check_config(struct lab_cmp *c)
{
	static const char *const keys[] = {"rate_pps", "pattern", "frame_size"};
	char va[256], vb[256];
	for (size_t i = 0; i < 3; i++) {
		jv_text(run_key(&c->ra, keys[i]), va, sizeof(va));
		jv_text(run_key(&c->rb, keys[i]), vb, sizeof(vb));
		if (strcmp(va, vb) != 0)
			note(c->mismatch, &c->nmismatch, "run.%s differs: A %s, B %s", keys[i], va, vb);
	}
	char pa[256] = "", pb[256] = "";
	const struct lab_run *fa = &c->ra.rep[0], *fb = &c->rb.rep[0];
	for (size_t i = 0; i < fa->npaths; i++)
		if (!fa->paths[i].skipped)
			snprintf(pa + strlen(pa), sizeof(pa) - strlen(pa), "%s%s", pa[0] ? "," : "",
				 fa->paths[i].name);
	for (size_t i = 0; i < fb->npaths; i++)
		if (!fb->paths[i].skipped)
			snprintf(pb + strlen(pb), sizeof(pb) - strlen(pb), "%s%s", pb[0] ? "," : "",
				 fb->paths[i].name);
	if (strcmp(pa, pb) != 0)
		note(c->mismatch, &c->nmismatch, "analyzed paths differ: A %s, B %s",
		     pa[0] ? pa : "(none)", pb[0] ? pb : "(none)");
}

/* The tuning snapshot (run.tuning) and the kernel: every key whose value differs. */
static void check_tuning(struct lab_cmp *c)
{
	char va[200], vb[200];
	jv_text(run_key(&c->ra, "kernel"), va, sizeof(va));
	jv_text(run_key(&c->rb, "kernel"), vb, sizeof(vb));
	if (strcmp(va, vb) != 0)
		note(c->tuning, &c->ntuning, "kernel: A %s, B %s", va, vb);
	const struct jv *ta = run_key(&c->ra, "tuning"), *tb = run_key(&c->rb, "tuning");
	for (int side = 0; side < 2; side++) {
		const struct jv *t = side ? tb : ta, *o = side ? ta : tb;
		for (size_t i = 0; t && t->type == JV_OBJ && i < t->n; i++) {
			const char *k = t->keys[i];
			if (side && o && jv_get(o, k))
				continue; /* listed from A's side already */
			jv_text(side ? jv_get(o, k) : t->items[i], va, sizeof(va));
			jv_text(side ? t->items[i] : jv_get(o, k), vb, sizeof(vb));
			if (strcmp(va, vb) != 0)
				note(c->tuning, &c->ntuning, "tuning.%s: A %.120s, B %.120s", k, va, vb);
		}
	}
}

/* Runs dies with 1 on a corrupt or unreadable file (the loader's line names it). */
static void load_run(const char *dir, struct lab_reps *r)
{
	struct lab_analyze_opts ao = {.write_pcap = false, .gen_cpu = -1, .dut_cpu = -1};
	char err[1024];
	if (lab_reps_load(dir, &ao, r, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
}

/* One path: the records of every repetition of both runs mapped again for the bootstrap. */
static void compare_path(struct lab_cmp *c, struct lab_cmp_path *cp)
{
	static struct lab_rec_file fa[LAB_MAX_REPS], fb[LAB_MAX_REPS];
	struct lab_recs ra[LAB_MAX_REPS], rb[LAB_MAX_REPS];
	char err[1024];
	if (lab_reps_open_recs(&cp->ra, fa, ra, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	if (lab_reps_open_recs(&cp->rb, fb, rb, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	struct lab_ratio_ci ci;
	if (lab_mboot_ratio_ci95(ra, cp->ra.n, rb, cp->rb.n, LAB_CMP_REPLICATES, SEED_RATIO, &ci) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s: out of memory", cp->a->name);
	lab_reps_close_recs(&cp->ra, fa);
	lab_reps_close_recs(&cp->rb, fb);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		struct lab_cmp_row *row = &cp->row[q];
		row->have = cp->ra.n > 0 && cp->rb.n > 0;
		row->a_ns = llround(lab_rep_median(&cp->ra, q, false));
		row->b_ns = llround(lab_rep_median(&cp->rb, q, false));
		row->ratio = (double)row->b_ns / (double)(row->a_ns > 0 ? row->a_ns : 1);
		row->have_ci = row->have && ci.have[q];
		row->lo = ci.lo[q];
		row->hi = ci.hi[q];
		row->verdict = lab_cmp_verdict(row->ratio, row->have_ci, row->lo, row->hi, c->threshold);
		c->nslower += strcmp(row->verdict, "slower") == 0;
		c->nfaster += strcmp(row->verdict, "faster") == 0;
	}
}

int lab_compare(const struct lab_cmp_cli *cli, const char *a, const char *b)
{
	static struct lab_cmp c; /* large: not on the stack */
	const char *out = cli->out;
	char err[1024];
	c.threshold = cli->threshold_pct / 100;
	c.forced = cli->force;
	resolve_run(a, c.a_dir);
	resolve_run(b, c.b_dir);
	if (strcmp(c.a_dir, c.b_dir) == 0)
		lab_die(LAB_EXIT_USAGE, "A and B are the same run (%s)", c.a_dir);
	load_run(c.a_dir, &c.ra);
	load_run(c.b_dir, &c.rb);
	check_config(&c);
	if (c.nmismatch && !c.forced)
		lab_die(LAB_EXIT_USAGE, "the runs differ: %s (--force to compare anyway)", c.mismatch[0]);
	check_tuning(&c);
	make_out_dir(&c, out);
	c.between = c.ra.n >= 2 && c.rb.n >= 2;
	const struct lab_run *first = &c.ra.rep[0];
	for (size_t i = 0; i < first->npaths && c.npaths < LAB_MAX_PATHS; i++) {
		struct lab_cmp_path *cp = &c.paths[c.npaths];
		lab_reps_path(&c.ra, first->paths[i].name, &cp->ra);
		lab_reps_path(&c.rb, first->paths[i].name, &cp->rb);
		if (!cp->ra.n || !cp->rb.n)
			continue;
		if (cp->ra.skipped || cp->rb.skipped)
			note(c.notes, &c.nnotes, "%s: no packets back in %zu of A's and %zu of B's "
			     "repetitions: compared over the others", cp->ra.name, cp->ra.skipped,
			     cp->rb.skipped);
		cp->a = cp->ra.p[0];
		cp->b = cp->rb.p[0];
		compare_path(&c, &c.paths[c.npaths++]);
	}
	lab_cmp_print_table(&c, stdout);
	if (lab_cmp_write_json(&c, err, sizeof(err)) < 0 || lab_cmp_write_html(&c, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "%s", err);
	lab_info("wrote compare.json and compare.html in %s", c.out_dir);
	lab_reps_free(&c.ra);
	lab_reps_free(&c.rb);
	return c.nslower ? 3 : LAB_EXIT_OK;
}
