/* test_budget.c — the instrument's error budget (analysis/budget.c) against values worked out by
 * hand from records built here: 100 packets per path, each leg a known sequence, so p50 is the
 * 50th smallest value (nearest rank: index 49) and p99 the 99th (index 98). The resolution comes
 * from a hand-written calibration.json (LAB_CALIBRATION), so nothing depends on this machine's
 * clock but the sanity test of the clock bench itself. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "budget.h"
#include "json_in.h"
#include "run.h"
#include "synth.h"

#define N 100

static char dir[64], calib[128];

/* floor: to_dut 1000 + 10 i, in_dut 100 + i % 10, from_dut 2000 + 7 ((37 i) % 100);
 * xsk: to_dut 1000 + 20 i, in_dut 20 + i % 3, from_dut 3000 */
static void legs(bool xsk, uint64_t i, uint64_t *to, uint64_t *in, uint64_t *from)
{
	*to = xsk ? 1000 + 20 * i : 1000 + 10 * i;
	*in = xsk ? 20 + i % 3 : 100 + i % 10;
	*from = xsk ? 3000 : 2000 + 7 * ((37 * i) % 100);
}

static void write_path(const char *d, const char *name)
{
	struct synth_cfg c = {.path = name, .n = N, .rate_pps = 100000, .seed = 3,
			      .start_ns = 1000000000ull, .base_rtt_ns = 9000, .stamp = true};
	struct lab_rec_hdr h;
	struct lab_rec recs[N];
	char p[256];
	synth_fill(&c, &h, recs);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t to, in, from;
		legs(strcmp(name, "xsk") == 0, i, &to, &in, &from);
		recs[i].dut_rx_ns = recs[i].sent_ns + to;
		recs[i].dut_tx_ns = recs[i].dut_rx_ns + in;
		recs[i].recv_ns = recs[i].dut_tx_ns + from;
	}
	snprintf(p, sizeof(p), "%s/records/%s.rec", d, name);
	int fd = lab_rec_create(p, &h);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, recs, sizeof(recs)), (ssize_t)sizeof(recs));
	assert_int_equal(lab_rec_finish(fd, &h, N), 0);
	close(fd);
}

static void make_run(const char *d, bool with_floor)
{
	char p[256];
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(p, sizeof(p), "%s/records", d);
	assert_int_equal(mkdir(p, 0755), 0);
	write_path(d, "xsk");
	if (with_floor)
		write_path(d, "xdptx");
}

static void load(const char *d, struct lab_run *r)
{
	struct lab_analyze_opts o = {.gen_cpu = -1, .dut_cpu = -1};
	char err[600];
	assert_int_equal(lab_run_load(d, &o, r, err, sizeof(err)), 0);
}

static void check_pt(const struct lab_budget *b, enum lab_bp i, int64_t p50, int64_t p99)
{
	assert_true(b->pt[i].have);
	assert_int_equal(b->pt[i].p50, p50);
	assert_int_equal(b->pt[i].p99, p99);
}

/* the run's own floor, not the calibration file's floor figures */
static void test_floor_points(void **s)
{
	(void)s;
	char d[128];
	struct lab_run r;
	struct lab_budget b;
	snprintf(d, sizeof(d), "%s/floor", dir);
	make_run(d, true);
	load(d, &r);
	lab_budget_for_run(&r, &b);
	check_pt(&b, LAB_BP_CLOCK_READ, 20, 105);
	check_pt(&b, LAB_BP_GEN_TX_TO_WIRE, 1490, 1980);
	check_pt(&b, LAB_BP_XDP_STAMP_PAIR, 104, 109);
	check_pt(&b, LAB_BP_RX_RING_TO_STAMP, 2343, 2686);
	check_pt(&b, LAB_BP_XDP_VS_USER, 1980 - 1490, 2960 - 1980);
	assert_false(b.pt[LAB_BP_BPF_CLOCK_READ].have);
	assert_int_equal(b.res_ns, 105);
	assert_non_null(strstr(b.floor_src, "this run's xdptx"));
	assert_non_null(strstr(b.clock_src, calib));
	lab_run_free(&r);
}

/* no floor in the run: the floor's points come from calibration.json, xdp_vs_user too */
static void test_no_floor(void **s)
{
	(void)s;
	char d[128];
	struct lab_run r;
	struct lab_budget b;
	snprintf(d, sizeof(d), "%s/nofloor", dir);
	make_run(d, false);
	load(d, &r);
	lab_budget_for_run(&r, &b);
	check_pt(&b, LAB_BP_GEN_TX_TO_WIRE, 1111, 2222);
	check_pt(&b, LAB_BP_RX_RING_TO_STAMP, 3333, 4444);
	assert_false(b.pt[LAB_BP_XDP_STAMP_PAIR].have);
	assert_false(b.pt[LAB_BP_XDP_VS_USER].have);
	assert_non_null(strstr(b.floor_src, "calibration"));
	lab_run_free(&r);
}

static bool arr_has(const struct jv *a, const char *s)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (a->items[i]->type == JV_STR && strcmp(a->items[i]->s, s) == 0)
			return true;
	return false;
}

/* below the resolution (105 ns): floor in_dut p50 104 (p99 and max 109 are not), xsk's in_dut
 * 20..22 everywhere; no other leg */
static void test_marks_json(void **s)
{
	(void)s;
	char d[128], p[256], err[600];
	struct lab_run r;
	snprintf(d, sizeof(d), "%s/floor", dir);
	load(d, &r);
	assert_int_equal(lab_write_summary_json(&r, err, sizeof(err)), 0);
	lab_run_free(&r);
	snprintf(p, sizeof(p), "%s/summary.json", d);
	struct jv *doc = jv_parse_file(p, err, sizeof(err));
	assert_non_null(doc);
	const struct jv *paths = jv_get(doc, "paths");
	const struct jv *fl = jv_get(jv_get(paths, "xdptx"), "below_resolution");
	const struct jv *xs = jv_get(jv_get(paths, "xsk"), "below_resolution");
	assert_non_null(fl);
	assert_int_equal(fl->n, 1);
	assert_true(arr_has(fl, "oneway_ns.in_dut.p50"));
	assert_int_equal(xs->n, 3);
	assert_true(arr_has(xs, "oneway_ns.in_dut.p50") && arr_has(xs, "oneway_ns.in_dut.p99") &&
		    arr_has(xs, "oneway_ns.in_dut.max"));
	const struct jv *eb = jv_get(jv_get(doc, "instrument"), "error_budget_ns");
	int64_t v;
	assert_true(jv_i64(jv_get(jv_get(eb, "rx_ring_to_stamp"), "p99"), &v));
	assert_int_equal(v, 2686);
	assert_true(jv_i64(jv_get(jv_get(doc, "instrument"), "resolution_ns"), &v));
	assert_int_equal(v, 105);
	jv_free(doc);
}

static void test_marks_md(void **s)
{
	(void)s;
	char d[128], p[256], err[600], buf[65536];
	struct lab_run r;
	snprintf(d, sizeof(d), "%s/floor", dir);
	load(d, &r);
	assert_int_equal(lab_write_summary_md(&r, err, sizeof(err)), 0);
	lab_run_free(&r);
	snprintf(p, sizeof(p), "%s/summary.md", d);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the floor's inside-DUT p50 is 104 ns: 0.10 µs */
	assert_non_null(strstr(buf, "| one-way inside DUT p50 | 0.02 (0.2×) (< res) | 0.10 (< res) |"));
	assert_non_null(strstr(buf, "| one-way inside DUT p99 | 0.02 (0.2×) (< res) | 0.11 |"));
	assert_non_null(strstr(buf, "Instrument error budget (p50 / p99 ns): clock read 20 / 105, "
				    "TX kick → wire 1490 / 1980, XDP stamp pair 104 / 109, RX ring → "
				    "stamp 2343 / 2686, XDP vs user stamp (xsk) 490 / 980."));
}

static void test_mark_cell(void **s)
{
	(void)s;
	char c[32] = "0.10";
	lab_budget_mark(c, sizeof(c), dir, 105); /* not below: strictly less than the resolution */
	assert_string_equal(c, "0.10");
	lab_budget_mark(c, sizeof(c), dir, 104);
	assert_string_equal(c, "0.10 (< res)");
	assert_false(lab_budget_below(5, 0)); /* no clock figure: nothing is marked */
	assert_true(lab_budget_below(-3, 10)); /* a negative stamp difference is below any */
}

/* the clock bench itself, on this machine: only sanity */
static void test_clock_bench(void **s)
{
	(void)s;
	struct lab_bpt pt;
	int64_t max;
	assert_int_equal(lab_clock_bench(0, 20000, &pt, &max), 0);
	assert_true(pt.have && pt.p50 > 0 && pt.p50 <= pt.p99 && pt.p99 <= max);
	assert_true(pt.p50 < 1000);
	assert_int_equal(lab_clock_bench(100000, 1000, &pt, &max), -1); /* no such core */
}

static void write_calibration(void)
{
	FILE *f;
	snprintf(calib, sizeof(calib), "%s/calibration.json", dir);
	f = fopen(calib, "w");
	assert_non_null(f);
	fputs("{\"time\": \"2026-01-02T03:04:05Z\", \"instrument\": {\"error_budget_ns\": {"
	      "\"clock_read\": {\"p50\": 20, \"p99\": 105},"
	      "\"gen_tx_to_wire\": {\"p50\": 1111, \"p99\": 2222},"
	      "\"rx_ring_to_stamp\": {\"p50\": 3333, \"p99\": 4444}}}}\n", f);
	fclose(f);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_budget.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	write_calibration();
	setenv("LAB_CALIBRATION", calib, 1);
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_floor_points), cmocka_unit_test(test_no_floor),
		cmocka_unit_test(test_marks_json),   cmocka_unit_test(test_marks_md),
		cmocka_unit_test(test_mark_cell),    cmocka_unit_test(test_clock_bench),
	};
	int rc = cmocka_run_group_tests(t, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_budget: could not remove %s\n", dir);
	return rc;
}
