/* test_analysis.c — unit tests of lab-analyze: exact percentiles against a brute-force sort,
 * burst detection edges, softnet parsing on fixtures of several kernels, summary.json keys,
 * burst ground truth in generated captures (pcap us/ns, pcapng), and corrupt inputs. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bursts.h"
#include "json_in.h"
#include "pcap_in.h"
#include "pcap_out.h"
#include "pcapscan.h"
#include "run.h"
#include "select.h"
#include "softnet.h"
#include "synth.h"

#ifndef FIXTURES
#error "FIXTURES must name the fixture directory"
#endif

static uint64_t rng = 0x1234567;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---------- percentiles ---------- */

static void test_rank_ppm(void **state)
{
	(void)state;
	assert_int_equal(lab_rank_ppm(1, 0), 0);
	assert_int_equal(lab_rank_ppm(1, 500000), 0);
	assert_int_equal(lab_rank_ppm(1, 1000000), 0);
	assert_int_equal(lab_rank_ppm(2, 500000), 0);
	assert_int_equal(lab_rank_ppm(3, 500000), 1);
	assert_int_equal(lab_rank_ppm(100, 990000), 98);
	assert_int_equal(lab_rank_ppm(10000, 999900), 9998);
	assert_int_equal(lab_rank_ppm(10001, 999900), 9999);
	assert_int_equal(lab_rank_ppm(1000, 1000000), 999);
}

static void check_against_sort(size_t n, uint64_t modulo, bool negative)
{
	int64_t *v = malloc(n * sizeof(*v)), *ref = malloc(n * sizeof(*ref));
	struct lab_pct p;
	assert_non_null(v);
	assert_non_null(ref);
	for (size_t i = 0; i < n; i++) {
		v[i] = (int64_t)(rnd() % modulo);
		if (negative)
			v[i] -= (int64_t)(modulo / 2);
		ref[i] = v[i];
	}
	qsort(ref, n, sizeof(*ref), cmp64);
	lab_percentiles(v, n, &p);
	assert_int_equal(p.n, n);
	assert_int_equal(p.min, ref[0]);
	assert_int_equal(p.max, ref[n - 1]);
	assert_int_equal(p.p50, ref[lab_rank_ppm(n, 500000)]);
	assert_int_equal(p.p90, ref[lab_rank_ppm(n, 900000)]);
	assert_int_equal(p.p99, ref[lab_rank_ppm(n, 990000)]);
	assert_int_equal(p.p999, ref[lab_rank_ppm(n, 999000)]);
	assert_int_equal(p.p9999, ref[lab_rank_ppm(n, 999900)]);
	for (int i = 0; i < LAB_SPEC_POINTS; i++)
		assert_int_equal(p.spectrum[i], ref[lab_rank_ppm(n, lab_spectrum_ppm(i))]);
	/* the nearest-rank definition itself, independent of lab_rank_ppm: p50 of n values is
	 * the ceil(n/2)-th smallest */
	assert_int_equal(p.p50, ref[(n + 1) / 2 - 1]);
	free(v);
	free(ref);
}

static void test_percentiles_bruteforce(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 2, 3, 7, 10, 99, 100, 1001, 10000, 65537, 200000};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		check_against_sort(sizes[s], 1000000007ull, false); /* mostly distinct */
		check_against_sort(sizes[s], 5, false);             /* heavy duplicates */
		check_against_sort(sizes[s], 1, false);             /* all equal */
		check_against_sort(sizes[s], 1ull << 62, true);     /* wide, signed */
	}
}

static void test_percentiles_sorted_and_reversed(void **state)
{
	(void)state;
	size_t n = 50000;
	int64_t *v = malloc(n * sizeof(*v));
	struct lab_pct p;
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)i;
	lab_percentiles(v, n, &p);
	assert_int_equal(p.p99, 49499);
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(n - i);
	lab_percentiles(v, n, &p);
	assert_int_equal(p.p9999, 49995);
	assert_int_equal(p.min, 1);
	lab_percentiles(v, 0, &p);
	assert_int_equal(p.n, 0);
	free(v);
}

static void test_sort(void **state)
{
	(void)state;
	size_t n = 100003;
	int64_t *v = malloc(n * sizeof(*v)), *ref = malloc(n * sizeof(*ref));
	for (size_t i = 0; i < n; i++)
		ref[i] = v[i] = (int64_t)rnd();
	qsort(ref, n, sizeof(*ref), cmp64);
	assert_int_equal(lab_sort_i64(v, n, NULL), 0);
	assert_memory_equal(v, ref, n * sizeof(*v));
	assert_true(lab_is_sorted_i64(v, n));
	v[5] = INT64_MAX;
	assert_false(lab_is_sorted_i64(v, n));
	/* nearly sorted, as arrival series are: a few late packets, a few early ones */
	for (size_t i = 0; i < n; i++)
		ref[i] = v[i] = (int64_t)(i * 10);
	for (size_t i = 0; i < n; i += 97)
		ref[i] = v[i] = (int64_t)(i * 10) - 1000;
	for (size_t i = 50; i < n; i += 1001)
		ref[i] = v[i] = (int64_t)(i * 10) + 5000;
	qsort(ref, n, sizeof(*ref), cmp64);
	assert_int_equal(lab_sort_i64(v, n, NULL), 0);
	assert_memory_equal(v, ref, n * sizeof(*v));
	free(v);
	free(ref);
}

/* ---------- bursts ---------- */

/* window 100 ns; a window is hot with 5 or more packets */
static const struct lab_burst_cfg cfg5 = {100, 4e7};

static size_t find(const int64_t *t, size_t n, const struct lab_burst_cfg *c, struct lab_burst **b)
{
	size_t nb = lab_bursts_find(t, n, c, b);
	assert_true(nb != (size_t)-1);
	return nb;
}

static void test_burst_min_count(void **state)
{
	(void)state;
	assert_int_equal(lab_burst_min_count(&cfg5), 5);
	struct lab_burst_cfg c = {100000, 200000}; /* 20 packets per 100 us is exactly at it */
	assert_int_equal(lab_burst_min_count(&c), 21);
	struct lab_burst_cfg d;
	lab_burst_default(10000, &d);
	assert_int_equal(d.window_ns, 2000000); /* 20 gaps of 100 us */
	assert_true(d.threshold_pps == 20000);
	lab_burst_default(1e7, &d);
	assert_int_equal(d.window_ns, 100000); /* floor of 100 us */
}

static void test_burst_at_start_and_end(void **state)
{
	(void)state;
	int64_t t[40];
	size_t n = 0;
	struct lab_burst *b;
	for (int i = 0; i < 6; i++)
		t[n++] = i; /* burst of 6 at the very start */
	for (int i = 1; i <= 20; i++)
		t[n++] = 1000 * i; /* quiet */
	for (int i = 0; i < 7; i++)
		t[n++] = 30000 + i; /* burst of 7 at the very end */
	size_t nb = find(t, n, &cfg5, &b);
	assert_int_equal(nb, 2);
	assert_int_equal(b[0].start_ns, 0);
	assert_int_equal(b[0].end_ns, 5);
	assert_int_equal(b[0].count, 6);
	assert_int_equal(b[0].first, 0);
	assert_true(b[0].peak_pps == 6e7);
	assert_int_equal(b[1].start_ns, 30000);
	assert_int_equal(b[1].end_ns, 30006);
	assert_int_equal(b[1].count, 7);
	assert_int_equal(b[1].first, n - 7);
	free(b);
}

static void test_burst_exactly_at_threshold(void **state)
{
	(void)state;
	int64_t t[] = {0, 10, 20, 30, 1000, 1010, 1020, 1030, 1040};
	struct lab_burst *b;
	/* 4 packets in a window is a rate of exactly 4e7 pps: not above it */
	size_t nb = find(t, 4, &cfg5, &b);
	assert_int_equal(nb, 0);
	free(b);
	nb = find(t, 9, &cfg5, &b);
	assert_int_equal(nb, 1);
	assert_int_equal(b[0].start_ns, 1000);
	assert_int_equal(b[0].count, 5);
	free(b);
	/* the last packet just outside the window (t + 100 is excluded): not a burst */
	int64_t u[] = {0, 10, 20, 30, 100};
	nb = find(u, 5, &cfg5, &b);
	assert_int_equal(nb, 0);
	free(b);
	int64_t w[] = {0, 10, 20, 30, 99};
	nb = find(w, 5, &cfg5, &b);
	assert_int_equal(nb, 1);
	free(b);
}

static void test_burst_adjacent_and_overlapping(void **state)
{
	(void)state;
	struct lab_burst *b;
	/* windows that touch ([0,100) then [104,204) after the last anchor at 4) stay apart */
	int64_t a[] = {0, 1, 2, 3, 4, 104, 105, 106, 107, 108};
	size_t nb = find(a, 10, &cfg5, &b);
	assert_int_equal(nb, 2);
	assert_int_equal(b[0].count, 5);
	assert_int_equal(b[1].start_ns, 104);
	assert_int_equal(b[1].count, 5);
	free(b);
	/* sharing packets: one burst */
	int64_t o[] = {0, 1, 2, 3, 4, 50, 51, 52, 53, 54};
	nb = find(o, 10, &cfg5, &b);
	assert_int_equal(nb, 1);
	assert_int_equal(b[0].count, 10);
	assert_int_equal(b[0].end_ns, 54);
	assert_true(b[0].peak_pps == 1e8);
	free(b);
	/* a long run at a high rate is one burst, however many windows it spans */
	int64_t l[300];
	for (int i = 0; i < 300; i++)
		l[i] = 10 * i;
	struct lab_burst_cfg at = {100, 1e8}; /* 10 per 100 ns is exactly at 1e8 pps */
	nb = find(l, 300, &at, &b);
	assert_int_equal(nb, 0);
	free(b);
	struct lab_burst_cfg c = {100, 9e7 - 1};
	nb = find(l, 300, &c, &b);
	assert_int_equal(nb, 1);
	assert_int_equal(b[0].count, 300);
	free(b);
	nb = find(l, 0, &cfg5, &b);
	assert_int_equal(nb, 0);
	assert_null(b);
}

/* The definition, brute force: every window counted from scratch; hot windows (index ranges
 * [i, j)) that share a packet merged. Independent of bursts.c's one-pass stream. */
struct ref_burst {
	size_t first, end; /* packets [first, end) */
	double peak_pps, peak_bps;
	uint64_t bytes;
};

static size_t ref_bursts(const int64_t *t, const uint32_t *len, size_t n, uint64_t w, double pps,
			 double bps, struct ref_burst *out)
{
	size_t nb = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		uint64_t bits = 0;
		while (j < n && t[j] < t[i] + (int64_t)w)
			bits += (uint64_t)len[j++] * 8;
		double r = (double)(j - i) * 1e9 / (double)w, rb = (double)bits * 1e9 / (double)w;
		if (!((pps > 0 && r > pps) || (bps > 0 && rb > bps)))
			continue;
		if (nb && i < out[nb - 1].end) {
			struct ref_burst *b = &out[nb - 1];
			b->end = j > b->end ? j : b->end;
			b->peak_pps = r > b->peak_pps ? r : b->peak_pps;
			b->peak_bps = rb > b->peak_bps ? rb : b->peak_bps;
		} else {
			out[nb++] = (struct ref_burst){i, j, r, rb, 0};
		}
	}
	for (size_t k = 0; k < nb; k++)
		for (size_t i = out[k].first; i < out[k].end; i++)
			out[k].bytes += len[i];
	return nb;
}

struct stream_got {
	struct lab_burst b[4096];
	size_t n, done, in_burst;
	uint64_t next_done;
	bool order_ok;
};

static void stream_cb(void *ctx, enum lab_bs_what what, const struct lab_burst *b, uint64_t seq,
		      int64_t t, uint64_t user)
{
	struct stream_got *g = ctx;
	(void)t;
	if (user != seq * 3) /* what was given with the packet comes back with it */
		g->order_ok = false;
	if (what == LAB_BS_CLOSE && g->n < 4096)
		g->b[g->n++] = *b;
	if (what == LAB_BS_PACKET)
		g->in_burst++;
	if (what == LAB_BS_DONE) {
		if (seq != g->next_done) /* every packet decided once, in order */
			g->order_ok = false;
		g->next_done = seq + 1;
		g->done++;
	}
}

/* Random series (quiet stretches, dense runs, ties, sizes 60..1514), packet and bit thresholds:
 * the array form and the stream (with the clock advancing between packets) give exactly the
 * brute force's bursts. */
static void test_burst_stream_vs_bruteforce(void **state)
{
	(void)state;
	enum { N = 3000 };
	static int64_t t[N];
	static uint32_t len[N];
	static struct ref_burst ref[N];
	static struct stream_got got;
	uint64_t seed = 12345;
	for (int round = 0; round < 60; round++) {
		int64_t now = 1000;
		for (size_t i = 0; i < N; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t r = seed >> 33;
			bool dense = (i / 200) % 3 == 1;
			now += dense ? (int64_t)(r % 4) : (int64_t)(r % 400);
			t[i] = now;
			len[i] = 60 + (uint32_t)(r >> 8) % 1455;
		}
		struct lab_burst_cfg c = {50 + round * 7, round % 3 == 1 ? 0 : 3e8 + round * 1e7,
					  round % 3 == 0 ? 0 : 8e11 + round * 2e10};
		size_t nr = ref_bursts(t, len, N, c.window_ns, c.threshold_pps, c.threshold_bps, ref);
		struct lab_burst *b;
		size_t nb = lab_bursts_find_len(t, len, N, &c, &b);
		assert_int_equal(nb, nr);
		struct lab_burst_stream s;
		memset(&got, 0, sizeof(got));
		got.order_ok = true;
		assert_int_equal(lab_bs_init(&s, &c, N, stream_cb, &got), 0);
		for (size_t i = 0; i < N; i++) {
			lab_bs_push(&s, t[i], len[i], i * 3);
			if (i + 1 < N && i % 7 == 0) /* the clock: nothing before the next packet */
				lab_bs_advance(&s, t[i + 1]);
		}
		lab_bs_flush(&s);
		lab_bs_free(&s);
		assert_true(got.order_ok);
		assert_int_equal(got.done, N);
		assert_int_equal(got.n, nr);
		size_t sum = 0;
		for (size_t k = 0; k < nr; k++) {
			const struct lab_burst *x[2] = {&b[k], &got.b[k]};
			for (int m = 0; m < 2; m++) {
				assert_int_equal(x[m]->first, ref[k].first);
				assert_int_equal(x[m]->count, ref[k].end - ref[k].first);
				assert_int_equal(x[m]->start_ns, t[ref[k].first]);
				assert_int_equal(x[m]->end_ns, t[ref[k].end - 1]);
				assert_int_equal(x[m]->bytes, ref[k].bytes);
				assert_true(fabs(x[m]->peak_pps - ref[k].peak_pps) <= 1e-9 * ref[k].peak_pps);
				assert_true(fabs(x[m]->peak_bps - ref[k].peak_bps) <= 1e-9 * ref[k].peak_bps);
			}
			sum += ref[k].end - ref[k].first;
		}
		assert_int_equal(got.in_burst, sum);
		free(b);
	}
}

/* ---------- softnet ---------- */

static char *slurp(const char *name, size_t *len)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", FIXTURES, name);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void test_softnet_fixtures(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		unsigned ncols, nrows;
		uint32_t cpu_last, dropped0, squeeze0;
	} fx[] = {
		{"softnet_stat-3.10.txt", 10, 2, 1, 3, 0x11},
		{"softnet_stat-4.19.txt", 11, 4, 3, 0, 0x19},
		{"softnet_stat-5.10.txt", 13, 3, 3, 0, 5},
		{"softnet_stat-6.1.txt", 13, 2, 1, 0, 0},
		{"softnet_stat-6.18-this-machine.txt", 15, 0, 0, 0, 0},
	};
	struct sn_row rows[16];
	char err[200];
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		size_t len, n;
		char *t = slurp(fx[i].file, &len);
		assert_int_equal(sn_parse_stat(t, len, rows, 16, &n, err, sizeof(err)), 0);
		assert_int_equal(rows[0].ncols, fx[i].ncols);
		if (fx[i].nrows) {
			assert_int_equal(n, fx[i].nrows);
			assert_int_equal(rows[n - 1].cpu, fx[i].cpu_last);
			assert_int_equal(rows[0].col[SN_DROPPED], fx[i].dropped0);
			assert_int_equal(rows[0].col[SN_TIME_SQUEEZE], fx[i].squeeze0);
		}
		free(t);
	}
	/* 5.10 with CPU 2 offline: rows are CPUs 0, 1, 3 */
	size_t len, n;
	char *t = slurp("softnet_stat-5.10.txt", &len);
	assert_int_equal(sn_parse_stat(t, len, rows, 16, &n, err, sizeof(err)), 0);
	assert_int_equal(rows[1].cpu, 1);
	assert_int_equal(rows[2].cpu, 3);
	assert_int_equal(rows[2].col[SN_DROPPED], 10);
	assert_int_equal(rows[1].col[11], 4); /* backlog length */
	free(t);
	/* 4.19 has no CPU column: the row number stands in */
	t = slurp("softnet_stat-4.19.txt", &len);
	assert_int_equal(sn_parse_stat(t, len, rows, 16, &n, err, sizeof(err)), 0);
	assert_int_equal(rows[3].cpu, 3);
	assert_int_equal(rows[3].col[10], 3); /* flow_limit_count */
	free(t);
	char nb[16];
	assert_string_equal(sn_col_name(1, nb, sizeof(nb)), "dropped");
	assert_string_equal(sn_col_name(12, nb, sizeof(nb)), "cpu_index");
	assert_string_equal(sn_col_name(20, nb, sizeof(nb)), "col20");
}

static void test_softnet_bad_rows(void **state)
{
	(void)state;
	struct sn_row rows[4];
	size_t n;
	char err[200];
	static const char *const bad[] = {
		"",
		"zz 00000001 00000002\n",
		"00000001 00000002\n",                           /* too few columns */
		"00000001 00000002 00000003\n00000001 00000002 00000003 00000004\n",
		"100000000 00000002 00000003\n",                 /* 9 hex digits */
		"00000001 00000002 00000003\n00000001 00000002 00000003\n00000001 00000002 00000003\n"
		"00000001 00000002 00000003\n00000001 00000002 00000003\n", /* more rows than room */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sn_parse_stat(bad[i], strlen(bad[i]), rows, 4, &n, err, sizeof(err)), -1);
}

static void test_softnet_samples(void **state)
{
	(void)state;
	struct sn_series s;
	char err[300], p[512];
	snprintf(p, sizeof(p), "%s/samples-wrap.txt", FIXTURES);
	assert_int_equal(sn_load_samples(p, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nsnaps, 2);
	assert_int_equal(s.ncols, 13);
	assert_false(s.truncated);
	assert_int_equal(sn_delta(&s, SN_DROPPED), 1 + 5); /* CPU 1 wrapped: 0xfffffffe -> 3 */
	assert_int_equal(sn_delta(&s, SN_TIME_SQUEEZE), 3);
	assert_int_equal(sn_delta(&s, SN_PROCESSED), 0x10 + 0x20);
	sn_series_free(&s);

	snprintf(p, sizeof(p), "%s/samples-truncated.txt", FIXTURES);
	assert_int_equal(sn_load_samples(p, &s, err, sizeof(err)), 0);
	assert_true(s.truncated);
	assert_int_equal(s.nsnaps, 1);
	assert_int_equal(sn_delta(&s, SN_DROPPED), 0);
	sn_series_free(&s);

	snprintf(p, sizeof(p), "%s/samples-bad.txt", FIXTURES);
	assert_int_equal(sn_load_samples(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "backwards"));
	snprintf(p, sizeof(p), "%s/softnet_stat-6.1.txt", FIXTURES);
	assert_int_equal(sn_load_samples(p, &s, err, sizeof(err)), -1); /* no format line */
	assert_non_null(strstr(err, "not a softnet sample file"));
}

static void test_softnet_sampler_roundtrip(void **state)
{
	(void)state;
	char src[512], out[] = "/tmp/lab-test-sn-XXXXXX", err[300];
	struct sn_series s;
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	snprintf(src, sizeof(src), "%s/softnet_stat-5.10.txt", FIXTURES);
	lab_stop = 1; /* already told to stop: exactly one snapshot, no waiting */
	assert_int_equal(sn_sample(out, src, 1000000, 0, err, sizeof(err)), 0);
	lab_stop = 0;
	assert_int_equal(sn_load_samples(out, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nsnaps, 1);
	assert_int_equal(s.snaps[0].nrows, 3);
	assert_int_equal(s.rows[2].cpu, 3);
	assert_int_equal(s.rows[2].col[SN_DROPPED], 10);
	sn_series_free(&s);
	unlink(out);
	assert_int_equal(sn_sample(out, "/nonexistent/softnet", 1000000, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/softnet"));
}

/* ---------- a results directory ---------- */

static char *mktemp_dir(void)
{
	char *d = strdup("/tmp/lab-test-run-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_rf(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static const struct jv *need(const struct jv *o, const char *k)
{
	const struct jv *v = jv_get(o, k);
	if (!v)
		fail_msg("summary.json: missing key '%s'", k);
	return v;
}

static uint64_t need_u64(const struct jv *o, const char *k)
{
	uint64_t u;
	if (!jv_u64(need(o, k), &u))
		fail_msg("summary.json: '%s' is not a count", k);
	return u;
}

static void test_summary_keys(void **state)
{
	(void)state;
	char *d = mktemp_dir(), p[600], err[600];
	struct lab_run r;
	struct lab_analyze_opts o = {.write_pcap = true};
	const uint64_t n = 20000;
	assert_int_equal(synth_results_dir(d, n), 0);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), 0);
	assert_int_equal(lab_write_summary_json(&r, err, sizeof(err)), 0);
	assert_int_equal(lab_write_summary_md(&r, err, sizeof(err)), 0);
	assert_int_equal(lab_write_softnet_csv(&r, err, sizeof(err)), 0);
	assert_int_equal(lab_write_report_html(&r, err, sizeof(err)), 0);
	lab_run_free(&r);

	snprintf(p, sizeof(p), "%s/summary.json", d);
	struct jv *doc = jv_parse_file(p, err, sizeof(err));
	assert_non_null(doc);
	const struct jv *run = need(doc, "run");
	static const char *const run_keys[] = {"rate_pps", "pattern", "frame_size", "duration_s",
					       "seed", "kernel", "cpus", "tuning"};
	for (size_t i = 0; i < 8; i++)
		need(run, run_keys[i]);
	assert_int_equal(need(run, "tuning")->type, JV_OBJ);
	const struct jv *paths = need(doc, "paths");
	assert_int_equal(paths->n, 3); /* kernel, dpdk (skipped), xdptx: in the lab's order */
	assert_string_equal(paths->keys[0], "kernel");
	assert_string_equal(paths->keys[1], "dpdk");
	assert_string_equal(paths->keys[2], "xdptx");
	assert_string_equal(need(need(paths, "dpdk"), "skipped")->s,
			    "fewer than 64 free hugepages (setup/lab check)");
	static const char *const path_keys[] = {"sent", "received", "lost", "reordered",
						"duplicated", "offered_pps", "achieved_pps",
						"rtt_ns", "rtt_actual_ns", "oneway_ns",
						"microbursts", "drops", "unaccounted"};
	static const char *const pct_keys[] = {"min", "p50", "p90", "p99", "p999", "p9999", "max"};
	for (int w = 0; w < 2; w++) {
		const struct jv *k = need(paths, w ? "xdptx" : "kernel");
		for (size_t i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++)
			need(k, path_keys[i]);
		for (size_t i = 0; i < 7; i++) {
			need(need(k, "rtt_ns"), pct_keys[i]);
			need(need(k, "rtt_actual_ns"), pct_keys[i]);
		}
		static const char *const ow[] = {"to_dut", "in_dut", "from_dut"};
		for (int i = 0; i < 3; i++) {
			const struct jv *x = need(need(k, "oneway_ns"), ow[i]);
			need_u64(x, "p50");
			need_u64(x, "p99");
			need_u64(x, "max");
		}
		need(need(k, "microbursts"), "count");
		need(need(k, "microbursts"), "pcap");
	}
	/* the figures of the kernel path, known from the synthetic data */
	const struct jv *k = need(paths, "kernel");
	assert_int_equal(need_u64(k, "sent"), n);
	assert_int_equal(need_u64(k, "lost"), n / 1000);
	assert_int_equal(need_u64(k, "received"), n - n / 1000);
	const struct jv *dr = need(k, "drops");
	assert_int_equal(need_u64(dr, "udp_rcvbuf_errors"), n / 1000 / 2);
	assert_int_equal(need_u64(dr, "softnet_dropped"), 3);
	assert_int_equal(need_u64(dr, "softnet_time_squeeze"), 2);
	int64_t un;
	assert_true(jv_i64(need(k, "unaccounted"), &un));
	assert_int_equal(un, (int64_t)(n / 1000) - (int64_t)(n / 1000 / 2) - 3);
	assert_int_equal(need_u64(need(k, "microbursts"), "count"), 1);
	assert_string_equal(need(need(k, "microbursts"), "pcap")->s, "bursts/kernel.pcap");

	/* RTT percentiles against the brute force on the same synthetic records */
	struct synth_cfg c = {.path = "kernel", .n = n, .rate_pps = 100000, .seed = 7,
			      .start_ns = 5000000000ull, .base_rtt_ns = 30000, .jitter_ns = 20000,
			      .loss_every = 1000, .dup_every = 5000, .stamp = true,
			      .burst_first = n / 2, .burst_len = 200};
	struct lab_rec_hdr h;
	struct lab_rec *recs = malloc(n * sizeof(*recs));
	int64_t *ref = malloc(n * sizeof(*ref));
	size_t m = 0;
	synth_fill(&c, &h, recs);
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			ref[m++] = (int64_t)(recs[i].recv_ns - recs[i].intended_ns);
	qsort(ref, m, sizeof(*ref), cmp64);
	const struct jv *rtt = need(k, "rtt_ns");
	assert_int_equal(need_u64(rtt, "p50"), ref[lab_rank_ppm(m, 500000)]);
	assert_int_equal(need_u64(rtt, "p9999"), ref[lab_rank_ppm(m, 999900)]);
	assert_int_equal(need_u64(rtt, "max"), ref[m - 1]);
	free(recs);
	free(ref);
	jv_free(doc);

	static const char *const files[] = {"summary.md", "report.html", "softnet.csv",
					    "bursts/kernel.pcap", "bursts/xdptx.pcap"};
	for (size_t i = 0; i < 5; i++) {
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", d, files[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_true(st.st_size > 0);
	}
	rm_rf(d);
	free(d);
}

static void test_run_json_missing(void **state)
{
	(void)state;
	char *d = mktemp_dir(), p[600], err[600];
	struct lab_run r;
	struct lab_analyze_opts o = {0};
	assert_int_equal(synth_results_dir(d, 1000), 0);
	snprintf(p, sizeof(p), "%s/run.json", d);
	unlink(p);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), 0);
	assert_int_equal(r.nnotes, 1);
	assert_int_equal(lab_write_summary_json(&r, err, sizeof(err)), 0);
	lab_run_free(&r);
	snprintf(p, sizeof(p), "%s/summary.json", d);
	struct jv *doc = jv_parse_file(p, err, sizeof(err));
	assert_non_null(doc);
	const struct jv *run = need(doc, "run");
	assert_int_equal(need_u64(run, "rate_pps"), 100000);
	assert_string_equal(need(run, "pattern")->s, "const");
	need(run, "tuning");
	need(run, "kernel");
	jv_free(doc);
	rm_rf(d);
	free(d);
}


/* With a capture of the run, the burst pcap takes its frames, matched by sequence number. */
static void test_burst_pcap_from_capture(void **state)
{
	(void)state;
	char *d = mktemp_dir(), p[600], q[600], err[600];
	struct lab_run r;
	struct lab_analyze_opts o = {.write_pcap = true};
	assert_int_equal(synth_results_dir(d, 20000), 0);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), 0);
	const struct lab_path *k = lab_run_find(&r, "kernel");
	assert_string_equal(k->pcap_frames, "reconstructed");
	uint64_t want = k->pcap_packets;
	assert_int_equal(want, k->burst_packets);
	assert_true(want > 0);
	lab_run_free(&r);
	/* the reconstructed frames stand in for a capture, plus frames outside the bursts */
	snprintf(p, sizeof(p), "%s/capture", d);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/bursts/kernel.pcap", d);
	snprintf(q, sizeof(q), "%s/capture/kernel.pcap", d);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), 0);
	k = lab_run_find(&r, "kernel");
	assert_string_equal(k->pcap_frames, "capture");
	assert_int_equal(k->pcap_packets, want);
	lab_run_free(&r);
	rm_rf(d);
	free(d);
}

/* A record file broken in a given way must be refused with its name in the message. */
static void expect_rec_rejected(void (*breakit)(const char *file), const char *why)
{
	char *d = mktemp_dir(), p[600], err[600];
	struct lab_run r;
	struct lab_analyze_opts o = {0};
	assert_int_equal(synth_results_dir(d, 1000), 0);
	snprintf(p, sizeof(p), "%s/records/kernel.rec", d);
	breakit(p);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "records/kernel.rec"));
	if (why && !strstr(err, why))
		fail_msg("message '%s' does not say '%s'", err, why);
	assert_null(strchr(err, '\n'));
	rm_rf(d);
	free(d);
}

static void brk_empty(const char *f) { assert_int_equal(truncate(f, 0), 0); }
static void brk_short_header(const char *f) { assert_int_equal(truncate(f, 100), 0); }
static void brk_short_record(const char *f) { assert_int_equal(truncate(f, 512 + 48 * 10 + 7), 0); }
static void patch(const char *f, long off, const void *b, size_t n)
{
	FILE *x = fopen(f, "r+");
	assert_non_null(x);
	assert_int_equal(fseek(x, off, SEEK_SET), 0);
	assert_int_equal(fwrite(b, 1, n, x), n);
	fclose(x);
}
static void brk_magic(const char *f) { patch(f, 0, "NOTAREC!", 8); }
static void brk_version(const char *f) { uint32_t v = 99; patch(f, 8, &v, 4); }
static void brk_seq(const char *f) { uint32_t v = 12345; patch(f, 512 + 48 * 3 + 40, &v, 4); }
static void brk_count(const char *f) { uint64_t v = 999999; patch(f, 24, &v, 8); }

static void test_corrupt_records(void **state)
{
	(void)state;
	expect_rec_rejected(brk_empty, "empty");
	expect_rec_rejected(brk_short_header, "truncated header");
	expect_rec_rejected(brk_short_record, "truncated record");
	expect_rec_rejected(brk_magic, "bad magic");
	expect_rec_rejected(brk_version, "version");
	expect_rec_rejected(brk_seq, "corrupt record 3");
	expect_rec_rejected(brk_count, "header says");
}

static void test_corrupt_side_files(void **state)
{
	(void)state;
	static const struct {
		const char *file, *text, *why;
	} cases[] = {
		{"counters/kernel.json", "{\"drops\": {\"udp_rcvbuf_errors\": 1,}", "not valid JSON"},
		{"counters/kernel.json", "{\"drops\": {\"udp_rcvbuf_errors\": -4}}", "not a count"},
		{"counters/kernel.json", "[1, 2]", "not a JSON object"},
		{"gen/kernel.json", "{\"drops\": 3}", "not an object"},
		{"run.json", "{\"run\": ", "not valid JSON"},
		{"softnet/kernel.txt", "# lab-analyze softnet samples 1\nt 5\nxyz\n", "not a softnet_stat row"},
		{"counters/kernel.json", "", "empty"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = mktemp_dir(), p[600], err[600];
		struct lab_run r;
		struct lab_analyze_opts o = {0};
		assert_int_equal(synth_results_dir(d, 1000), 0);
		snprintf(p, sizeof(p), "%s/%s", d, cases[i].file);
		FILE *f = fopen(p, "w");
		fputs(cases[i].text, f);
		fclose(f);
		assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].file) || !strstr(err, cases[i].why))
			fail_msg("case %zu: message '%s'", i, err);
		rm_rf(d);
		free(d);
	}
}

/* The generator's AF_XDP socket dropped replies (its backend_counters), and the DUT's fill ring
 * ran empty: rx_dropped and rx_ring_full are subtracted, fill_ring_empty (the same frames as
 * rx_dropped, net/xdp/xsk.c) listed but not subtracted, on either side. */
static void test_xsk_drops_not_twice(void **state)
{
	(void)state;
	char *d = mktemp_dir(), p[600], err[600];
	const uint64_t n = 20000, lost = n / 1000, rcvbuf = n / 1000 / 2;
	struct lab_run r;
	struct lab_analyze_opts o = {0};
	assert_int_equal(synth_results_dir(d, n), 0);
	snprintf(p, sizeof(p), "%s/gen/kernel.json", d);
	FILE *f = fopen(p, "w");
	fputs("{\"backend\": \"xsk\", \"backend_counters\": {\"xsk_rx_dropped\": 4, "
	      "\"xsk_rx_ring_full\": 1, \"xsk_fill_ring_empty\": 4, \"xdp_lab\": 99}}\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/counters/kernel.json", d);
	f = fopen(p, "w");
	fprintf(f, "{\"path\": \"kernel\", \"received\": %llu, \"reflected\": %llu, \"drops\": "
		   "{\"udp_rcvbuf_errors\": %llu, \"xsk_fill_ring_empty\": 7}}\n",
		(unsigned long long)(n - lost), (unsigned long long)(n - lost), (unsigned long long)rcvbuf);
	fclose(f);
	assert_int_equal(lab_run_load(d, &o, &r, err, sizeof(err)), 0);
	const struct lab_path *k = NULL;
	for (size_t i = 0; i < r.npaths; i++)
		if (strcmp(r.paths[i].name, "kernel") == 0)
			k = &r.paths[i];
	assert_non_null(k);
	int seen = 0;
	for (size_t i = 0; i < k->ndrops; i++) {
		const struct lab_drop *x = &k->drops[i];
		if (strcmp(x->name, "gen_xsk_rx_dropped") == 0)
			seen += x->value == 4 && x->in_sum;
		if (strcmp(x->name, "gen_xsk_rx_ring_full") == 0)
			seen += x->value == 1 && x->in_sum;
		if (strcmp(x->name, "gen_xsk_fill_ring_empty") == 0)
			seen += x->value == 4 && !x->in_sum;
		if (strcmp(x->name, "xsk_fill_ring_empty") == 0)
			seen += x->value == 7 && !x->in_sum;
	}
	assert_int_equal(seen, 4);
	/* sent - received - udp_rcvbuf_errors - softnet_dropped (3) - rx_dropped - rx_ring_full */
	assert_int_equal(k->unaccounted, (int64_t)lost - (int64_t)rcvbuf - 3 - 4 - 1);
	lab_run_free(&r);
	rm_rf(d);
	free(d);
}

/* ---------- captures: ground truth ---------- */

struct gt_pkt {
	int64_t t_ns;
	bool in_burst;
	int burst;
};

/* 3 bursts of known sizes in background traffic, with 300 us of quiet around each burst so
 * the windows (100 us) cannot reach the background: every figure is known in advance.
 * Times are whole microseconds, so the microsecond pcap holds them exactly. */
static size_t ground_truth(struct gt_pkt *p, size_t max, int64_t t0)
{
	static const struct {
		int64_t at_us;
		int size, gap_us;
	} bursts[] = {{20000, 40, 1}, {50000, 25, 2}, {90000, 60, 1}};
	size_t n = 0;
	for (int64_t us = 0; us < 100000; us += 50) {
		bool quiet = false;
		for (int b = 0; b < 3; b++)
			if (us > bursts[b].at_us - 300 &&
			    us < bursts[b].at_us + bursts[b].size * bursts[b].gap_us + 300)
				quiet = true;
		if (!quiet && n < max)
			p[n++] = (struct gt_pkt){t0 + us * 1000, false, -1};
		for (int b = 0; b < 3; b++)
			if (us == bursts[b].at_us)
				for (int k = 0; k < bursts[b].size && n < max; k++)
					p[n++] = (struct gt_pkt){
						t0 + (us + k * bursts[b].gap_us) * 1000, true, b};
	}
	return n;
}

static void frame_for(uint8_t *buf, size_t i)
{
	memset(buf, 0, 64);
	memcpy(buf, "\x02\x4c\x42\x00\x00\x02\x02\x4c\x42\x00\x00\x01\x08\x00", 14);
	memcpy(buf + 20, &i, sizeof(i)); /* which packet this is, to check the written file */
}

static void put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, f);
}

enum cap_fmt { CAP_NS, CAP_US_SWAPPED, CAP_NG };

static void write_capture(const char *file, const struct gt_pkt *p, size_t n, enum cap_fmt fmt)
{
	uint8_t fr[64];
	if (fmt == CAP_NS) {
		struct lab_pcap_out o;
		assert_int_equal(lab_pcap_out_open(&o, file, 65535), 0);
		for (size_t i = 0; i < n; i++) {
			frame_for(fr, i);
			assert_int_equal(lab_pcap_out_write(&o, (uint64_t)p[i].t_ns, fr, 64, 64), 0);
		}
		assert_int_equal(lab_pcap_out_close(&o), 0);
		return;
	}
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	if (fmt == CAP_US_SWAPPED) { /* a big-endian tcpdump file, microseconds */
		put32(f, 0xa1b2c3d4, true);
		uint16_t ver[2] = {__builtin_bswap16(2), __builtin_bswap16(4)};
		fwrite(ver, 2, 2, f);
		put32(f, 0, true);
		put32(f, 0, true);
		put32(f, 262144, true);
		put32(f, 1, true);
		for (size_t i = 0; i < n; i++) {
			frame_for(fr, i);
			put32(f, (uint32_t)(p[i].t_ns / 1000000000), true);
			put32(f, (uint32_t)(p[i].t_ns % 1000000000 / 1000), true);
			put32(f, 64, true);
			put32(f, 64, true);
			fwrite(fr, 1, 64, f);
		}
	} else { /* pcapng: SHB, an IDB with if_tsresol = 9 (ns), EPBs */
		put32(f, 0x0a0d0d0a, false);
		put32(f, 28, false);
		put32(f, 0x1a2b3c4d, false);
		uint16_t ver[2] = {1, 0};
		fwrite(ver, 2, 2, f);
		uint64_t slen = UINT64_MAX;
		fwrite(&slen, 8, 1, f);
		put32(f, 28, false);
		put32(f, 1, false); /* IDB */
		put32(f, 32, false);
		uint16_t lt[2] = {1, 0};
		fwrite(lt, 2, 2, f);
		put32(f, 0, false); /* snaplen: none */
		uint16_t opt[2] = {9, 1};
		fwrite(opt, 2, 2, f);
		uint8_t res[4] = {9, 0, 0, 0};
		fwrite(res, 1, 4, f);
		put32(f, 0, false); /* opt_endofopt */
		put32(f, 32, false);
		for (size_t i = 0; i < n; i++) {
			frame_for(fr, i);
			put32(f, 6, false);
			put32(f, 32 + 64, false);
			put32(f, 0, false);
			put32(f, (uint32_t)((uint64_t)p[i].t_ns >> 32), false);
			put32(f, (uint32_t)p[i].t_ns, false);
			put32(f, 64, false);
			put32(f, 64, false);
			fwrite(fr, 1, 64, f);
			put32(f, 32 + 64, false);
		}
	}
	fclose(f);
}

static void check_written(const char *file, const struct gt_pkt *p, size_t n, int64_t margin_ns)
{
	const uint8_t *buf;
	size_t len, got = 0, want = 0;
	char err[300];
	struct pcapr r;
	struct pcapr_pkt pk;
	bool *seen = calloc(n, 1);
	assert_int_equal(pcapr_map(file, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(pcapr_init(&r, buf, len), 0);
	while (pcapr_next(&r, &pk) == 1) {
		size_t i;
		memcpy(&i, pk.data + 20, sizeof(i));
		assert_true(i < n);
		assert_false(seen[i]);
		seen[i] = true;
		assert_int_equal((int64_t)pk.ts_ns, p[i].t_ns);
		got++;
	}
	assert_string_equal(r.err, "");
	/* exactly the packets of the windows, widened by the margin */
	for (size_t i = 0; i < n; i++) {
		bool inside = false;
		for (size_t j = 0; j < n && !inside; j++)
			if (p[j].in_burst && p[i].t_ns >= p[j].t_ns - margin_ns &&
			    p[i].t_ns <= p[j].t_ns + margin_ns)
				inside = true;
		/* margin 0: a packet is inside iff it is a burst packet */
		if (margin_ns == 0)
			assert_int_equal(inside, p[i].in_burst);
		want += inside;
		assert_int_equal(seen[i], inside);
	}
	assert_int_equal(got, want);
	pcapr_unmap(buf, len);
	free(seen);
}

static size_t tshark_count(const char *file)
{
	char cmd[600], line[64];
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -T fields -e frame.number 2>/dev/null | wc -l", file);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	return (size_t)strtoull(line, NULL, 10);
}

static void test_pcap_ground_truth(void **state)
{
	(void)state;
	static struct gt_pkt p[4000];
	const int64_t t0 = 1700000000000000000ll;
	size_t n = ground_truth(p, 4000, t0);
	static const int sizes[] = {40, 25, 60};
	bool have_tshark = access("/usr/bin/tshark", X_OK) == 0;
	for (int fmt = CAP_NS; fmt <= CAP_NG; fmt++) {
		char cap[] = "/tmp/lab-test-cap-XXXXXX", out[64], js[64], err[300];
		int fd = mkstemp(cap);
		close(fd);
		snprintf(out, sizeof(out), "%s.out.pcap", cap);
		snprintf(js, sizeof(js), "%s.json", cap);
		write_capture(cap, p, n, (enum cap_fmt)fmt);
		for (int margin_us = 0; margin_us <= 400; margin_us += 400) {
			struct lab_scan_opts o = {.window_ns = 100000, .threshold_pps = 200000,
						  .json = true, .write = out,
						  .margin_ns = (uint64_t)margin_us * 1000};
			FILE *jf = fopen(js, "w");
			assert_int_equal(lab_pcap_scan(cap, &o, jf, err, sizeof(err)), 0);
			fclose(jf);
			struct jv *doc = jv_parse_file(js, err, sizeof(err));
			assert_non_null(doc);
			const struct jv *b = need(doc, "bursts");
			assert_int_equal(b->n, 3);
			for (int k = 0; k < 3; k++) {
				int64_t s = 0, e = 0;
				size_t first = 0;
				while (!(p[first].in_burst && p[first].burst == k))
					first++;
				assert_true(jv_i64(need(b->items[k], "start_ns"), &s));
				assert_true(jv_i64(need(b->items[k], "end_ns"), &e));
				assert_int_equal(s, p[first].t_ns);
				assert_int_equal(e, p[first + sizes[k] - 1].t_ns);
				assert_int_equal(need_u64(b->items[k], "packets"), sizes[k]);
				need(b->items[k], "peak_pps");
			}
			jv_free(doc);
			check_written(out, p, n, (int64_t)margin_us * 1000);
			if (have_tshark && margin_us == 0)
				assert_int_equal(tshark_count(out), 40 + 25 + 60);
		}
		unlink(cap);
		unlink(out);
		unlink(js);
	}
}

/* ---------- captures: corrupt ---------- */

static void expect_pcap_error(const uint8_t *b, size_t len, const char *why)
{
	struct pcapr r;
	struct pcapr_pkt pk;
	int g = pcapr_init(&r, b, len);
	while (g >= 0 && (g = pcapr_next(&r, &pk)) == 1)
		;
	assert_int_equal(g, -1);
	if (!strstr(r.err, why))
		fail_msg("error '%s' does not say '%s'", r.err, why);
}

static size_t classic(uint8_t *b, uint32_t snaplen, uint32_t caplen, uint32_t len, size_t data)
{
	uint32_t h[6] = {0xa1b23c4d, 2 | 4 << 16, 0, 0, snaplen, 1};
	uint32_t rec[4] = {1, 5, caplen, len};
	memcpy(b, h, 24);
	memcpy(b + 24, rec, 16);
	memset(b + 40, 0xab, data);
	return 40 + data;
}

static void test_corrupt_pcaps(void **state)
{
	(void)state;
	static uint8_t b[300000];
	size_t n;
	expect_pcap_error(b, 0, "empty file");
	memcpy(b, "\x12\x34\x56\x78", 4);
	expect_pcap_error(b, 24, "bad magic");
	n = classic(b, 65535, 64, 64, 64);
	expect_pcap_error(b, 20, "truncated pcap file header");
	expect_pcap_error(b, 30, "truncated packet header");
	expect_pcap_error(b, n - 1, "truncated packet");
	n = classic(b, 60, 64, 64, 64);
	expect_pcap_error(b, n, "over the snapshot length");
	n = classic(b, 0, 262145, 262145, 262145);
	expect_pcap_error(b, n, "over 262144");
	n = classic(b, 65535, 64, 60, 64);
	expect_pcap_error(b, n, "over the packet length");
	/* a good one for contrast */
	n = classic(b, 65535, 64, 64, 64);
	struct pcapr r;
	struct pcapr_pkt pk;
	assert_int_equal(pcapr_init(&r, b, n), 0);
	assert_int_equal(pcapr_next(&r, &pk), 1);
	assert_int_equal(pk.ts_ns, 1000000005);
	assert_int_equal(pcapr_next(&r, &pk), 0);

	/* pcapng */
	uint32_t shb[7] = {0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffff, 0xffffffff, 28};
	memcpy(b, shb, 28);
	expect_pcap_error(b, 20, "truncated pcapng section header");
	shb[2] = 0x11223344;
	memcpy(b, shb, 28);
	expect_pcap_error(b, 28, "byte-order magic");
	shb[2] = 0x1a2b3c4d;
	shb[6] = 32;
	memcpy(b, shb, 28);
	expect_pcap_error(b, 28, "lengths disagree");
	shb[6] = 28;
	memcpy(b, shb, 28);
	uint32_t epb[9] = {6, 36, 0, 0, 0, 4, 4, 0, 36};
	memcpy(b + 28, epb, 36);
	expect_pcap_error(b, 64, "no description block");
	uint32_t idb[5] = {1, 20, 1, 8, 20}; /* link type 1, snaplen 8 */
	memcpy(b + 28, idb, 20);
	uint32_t epb2[9] = {6, 36, 0, 0, 0, 12, 12, 0, 36}; /* caplen 12 > snaplen 8 */
	memcpy(b + 48, epb2, 36);
	expect_pcap_error(b, 84, "over the snapshot length");
	epb2[1] = 37;
	memcpy(b + 48, epb2, 36);
	expect_pcap_error(b, 84, "bad pcapng block length");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_ppm),
		cmocka_unit_test(test_percentiles_bruteforce),
		cmocka_unit_test(test_percentiles_sorted_and_reversed),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_burst_min_count),
		cmocka_unit_test(test_burst_at_start_and_end),
		cmocka_unit_test(test_burst_exactly_at_threshold),
		cmocka_unit_test(test_burst_adjacent_and_overlapping),
		cmocka_unit_test(test_burst_stream_vs_bruteforce),
		cmocka_unit_test(test_softnet_fixtures),
		cmocka_unit_test(test_xsk_drops_not_twice),
		cmocka_unit_test(test_softnet_bad_rows),
		cmocka_unit_test(test_softnet_samples),
		cmocka_unit_test(test_softnet_sampler_roundtrip),
		cmocka_unit_test(test_summary_keys),
		cmocka_unit_test(test_run_json_missing),
		cmocka_unit_test(test_burst_pcap_from_capture),
		cmocka_unit_test(test_corrupt_records),
		cmocka_unit_test(test_corrupt_side_files),
		cmocka_unit_test(test_pcap_ground_truth),
		cmocka_unit_test(test_corrupt_pcaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
