/* test_select.c — exact percentiles on adversarial value sets, against a brute-force sort: both
 * lab_percentiles (an array) and the two-pass histogram stream lab-analyze uses (lab_pstream),
 * with all values equal, two values, huge outliers of either sign, n = 1, and ranks falling on
 * the histogram's bucket boundaries; the bucket map's order and ends; and the RFC 3550 jitter's
 * merge of overtaken packets against a full sort of the arrivals (mild and heavy reordering,
 * equal receive times); the heat map's row lookup against a linear search. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"
#include "jitter.h"
#include "select.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
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

static void check_pct(const struct lab_pct *p, const int64_t *ref, size_t n)
{
	assert_int_equal(p->n, n);
	assert_true(p->min == ref[0]);
	assert_true(p->max == ref[n - 1]);
	assert_true(p->p50 == ref[lab_rank_ppm(n, 500000)]);
	assert_true(p->p90 == ref[lab_rank_ppm(n, 900000)]);
	assert_true(p->p99 == ref[lab_rank_ppm(n, 990000)]);
	assert_true(p->p999 == ref[lab_rank_ppm(n, 999000)]);
	assert_true(p->p9999 == ref[lab_rank_ppm(n, 999900)]);
	for (int i = 0; i < LAB_SPEC_POINTS; i++)
		assert_true(p->spectrum[i] == ref[lab_rank_ppm(n, lab_spectrum_ppm(i))]);
}

/* v[0..n) through lab_percentiles, and twice through a stream (gathering without a limit, and
 * with one so small that plan says to copy instead), each against the sorted reference */
static void check_all(const int64_t *v, size_t n)
{
	int64_t *a = malloc((n ? n : 1) * sizeof(*a)), *ref = malloc((n ? n : 1) * sizeof(*ref));
	struct lab_pct p;
	assert_non_null(a);
	assert_non_null(ref);
	memcpy(ref, v, n * sizeof(*v));
	qsort(ref, n, sizeof(*ref), cmp64);
	memcpy(a, v, n * sizeof(*v));
	lab_percentiles(a, n, &p);
	check_pct(&p, ref, n);

	struct lab_pstream s;
	assert_int_equal(lab_ps_init(&s), 0);
	for (size_t i = 0; i < n; i++)
		lab_ps_count(&s, v[i]);
	assert_int_equal(lab_ps_plan(&s, SIZE_MAX), 0);
	for (size_t i = n; i-- > 0;) /* any order will do */
		lab_ps_gather(&s, v[i]);
	assert_int_equal(lab_ps_finish(&s, &p), 0);
	check_pct(&p, ref, n);
	lab_ps_free(&s);

	/* no room to gather: 1, unless every wanted bucket is one value wide (then nothing is
	 * gathered and the answer is still exact) */
	assert_int_equal(lab_ps_init(&s), 0);
	for (size_t i = 0; i < n; i++)
		lab_ps_count(&s, v[i]);
	int r = lab_ps_plan(&s, 0);
	assert_true(r == 0 || r == 1);
	if (r == 0) {
		for (size_t i = 0; i < n; i++)
			lab_ps_gather(&s, v[i]);
		assert_int_equal(lab_ps_finish(&s, &p), 0);
		check_pct(&p, ref, n);
	}
	lab_ps_free(&s);

	/* a pass that sees one value more than the count: refused, not a wrong answer (unless the
	 * value is in a one-value bucket, which is never gathered) */
	assert_int_equal(lab_ps_init(&s), 0);
	for (size_t i = 0; i < n; i++)
		lab_ps_count(&s, v[i]);
	assert_int_equal(lab_ps_plan(&s, SIZE_MAX), 0);
	for (size_t i = 0; i < n; i++)
		lab_ps_gather(&s, v[i]);
	lab_ps_gather(&s, ref[0]); /* the minimum: always in a wanted bucket */
	int64_t w = (int64_t)2 << LAB_PS_SUB_BITS;
	bool single = ref[0] >= -w && ref[0] < w;
	assert_int_equal(lab_ps_finish(&s, &p), single ? 0 : -1);
	if (single)
		check_pct(&p, ref, n);
	lab_ps_free(&s);
	free(a);
	free(ref);
}

static void test_bucket_map(void **state)
{
	(void)state;
	assert_int_equal(lab_ps_bucket(INT64_MIN), 0);
	assert_int_equal(lab_ps_bucket(INT64_MAX), LAB_PS_BUCKETS - 1);
	assert_int_equal(lab_ps_bucket(-1), LAB_PS_HALF - 1);
	assert_int_equal(lab_ps_bucket(0), LAB_PS_HALF);
	/* exact below 2^SUB_BITS on both sides */
	for (int64_t v = -(1 << LAB_PS_SUB_BITS); v < (1 << LAB_PS_SUB_BITS); v++)
		assert_int_equal(lab_ps_bucket(v + 1), lab_ps_bucket(v) + 1);
	/* never decreasing: around every power of two and at random */
	for (int e = 1; e < 63; e++) {
		int64_t c = (int64_t)1 << e;
		for (int64_t d = -3; d <= 3; d++) {
			assert_true(lab_ps_bucket(c + d) <= lab_ps_bucket(c + d + 1));
			assert_true(lab_ps_bucket(-c + d) <= lab_ps_bucket(-c + d + 1));
		}
	}
	for (int i = 0; i < 1000000; i++) {
		int64_t a = (int64_t)rnd() >> (rnd() % 64), b = (int64_t)rnd() >> (rnd() % 64);
		if (a > b) {
			int64_t t = a;
			a = b;
			b = t;
		}
		assert_true(lab_ps_bucket(a) <= lab_ps_bucket(b));
		assert_true(lab_ps_bucket(b) < LAB_PS_BUCKETS);
	}
}

static void test_adversarial(void **state)
{
	(void)state;
	size_t n = 100000;
	int64_t *v = malloc(n * sizeof(*v));
	assert_non_null(v);
	int64_t one[] = {42};
	check_all(one, 1);
	one[0] = INT64_MIN;
	check_all(one, 1);
	/* all equal, small (exact bucket) and large (one wide bucket holds everything) */
	for (size_t i = 0; i < n; i++)
		v[i] = 7;
	check_all(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = 123456789012;
	check_all(v, n);
	/* two values, split so that p50, p99 and p99.99 each fall on the boundary between them */
	size_t cuts[] = {n / 2, n / 2 + 1, n * 99 / 100, n * 9999 / 10000, n - 1, 1};
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (size_t i = 0; i < n; i++)
			v[i] = i < cuts[c] ? -5000000 : 5000001;
		check_all(v, n);
	}
	/* huge outliers of both signs among ordinary latencies */
	for (size_t i = 0; i < n; i++)
		v[i] = 30000 + (int64_t)(rnd() % 20000);
	v[3] = INT64_MAX;
	v[99] = INT64_MIN;
	v[500] = INT64_MAX - 1;
	v[n - 1] = -((int64_t)1 << 62);
	check_all(v, n);
	/* values on bucket edges: just below, at and above 2^e and its sub-bucket steps */
	for (size_t i = 0; i < n; i++) {
		int e = 10 + (int)(rnd() % 50);
		int64_t step = (int64_t)1 << (e - LAB_PS_SUB_BITS);
		int64_t x = ((int64_t)1 << e) + step * (int64_t)(rnd() % 1024) + (int64_t)(rnd() % 3) - 1;
		v[i] = rnd() % 4 == 0 ? -x : x;
	}
	check_all(v, n);
	/* one value per bucket edge, few values per rank: every rank near a boundary */
	for (size_t i = 0; i < 2000; i++)
		v[i] = ((int64_t)1 << 20) + (int64_t)(i / 2) * 1024 - (int64_t)(i % 2);
	for (size_t k = 1; k <= 2000; k += 333)
		check_all(v, k);
	/* across the edge of the one-value buckets (|v| < 2^(SUB_BITS + 1)), some ranks answered
	 * directly and some by selection */
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rnd() % 4600) - 2300;
	check_all(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = i < n * 95 / 100 ? 200 : 2047 + (int64_t)(rnd() % 3);
	check_all(v, n);
	/* mostly distinct and signed, and a sorted run */
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)(rnd() % 2000000007ull) - 1000000000;
	check_all(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (int64_t)i;
	check_all(v, n);
	free(v);
}

/* ---- jitter: the merge of overtaken packets against a sort of every arrival ---- */

struct arr {
	uint64_t recv, sent;
	size_t i;
};

static int cmp_arr(const void *a, const void *b)
{
	const struct arr *x = a, *y = b;
	if (x->recv != y->recv)
		return x->recv < y->recv ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static double ref_j(const struct lab_rec *r, size_t n)
{
	struct arr *a = malloc((n ? n : 1) * sizeof(*a));
	size_t k = 0;
	double j = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].flags & LAB_REC_RECEIVED)
			a[k++] = (struct arr){r[i].recv_ns, r[i].sent_ns, i};
	qsort(a, k, sizeof(*a), cmp_arr);
	for (size_t i = 1; i < k; i++) {
		int64_t d = ((int64_t)a[i].recv - (int64_t)a[i - 1].recv) -
			    ((int64_t)a[i].sent - (int64_t)a[i - 1].sent);
		j += (fabs((double)d) - j) / 16.0;
	}
	free(a);
	return j;
}

static void test_jitter_merge(void **state)
{
	(void)state;
	size_t n = 20000;
	struct lab_rec *r = calloc(n, sizeof(*r));
	assert_non_null(r);
	/* spread: delay range over spacing; 0 makes every receive time tie with others */
	static const uint64_t spread[] = {1, 3, 10, 100, 100000, 0};
	for (size_t t = 0; t < sizeof(spread) / sizeof(spread[0]); t++) {
		size_t nrecv = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t sent = 1000000 + i * 1000 + rnd() % 300;
			r[i] = (struct lab_rec){.intended_ns = sent, .sent_ns = sent, .seq = (uint32_t)i,
						.flags = LAB_REC_SENT};
			if (rnd() % 50 == 0)
				continue;
			r[i].flags |= LAB_REC_RECEIVED;
			r[i].recv_ns = spread[t] ? sent + 20000 + rnd() % (spread[t] * 1000)
						 : 5000000 + (rnd() % 4) * 7;
			nrecv++;
		}
		double j = -1;
		assert_int_equal(lab_rfc3550_jitter(r, n, nrecv, &j), 0);
		assert_true(j == ref_j(r, n)); /* same order, same sums: bit for bit */
	}
	double j = -1;
	assert_int_equal(lab_rfc3550_jitter(r, 0, 0, &j), 0);
	assert_true(j == 0);
	free(r);
}

/* the heat map's row: the largest r with v >= ceil(100 ns * 10^(r/6)), by a linear search */
static int ref_heat_row(int64_t v)
{
	int r = 0;
	while (r + 1 < LAB_HEAT_L && v >= (int64_t)ceil(LAB_HEAT_L_MIN_NS * pow(10.0, (r + 1) / 6.0)))
		r++;
	return r;
}

static void test_heat_row(void **state)
{
	(void)state;
	int64_t edge[] = {INT64_MIN, -1, 0, 1, 99, 100, 101, 146, 147, 148, INT64_MAX};
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		assert_int_equal(lab_heat_row(edge[i]), ref_heat_row(edge[i]));
	for (int r = 0; r < LAB_HEAT_L; r++) {
		int64_t s = (int64_t)ceil(LAB_HEAT_L_MIN_NS * pow(10.0, r / 6.0));
		for (int64_t d = -1; d <= 1; d++)
			assert_int_equal(lab_heat_row(s + d), ref_heat_row(s + d));
	}
	for (int e = 0; e < 63; e++)
		for (int64_t d = -1; d <= 1; d++) {
			int64_t v = ((int64_t)1 << e) + d;
			assert_int_equal(lab_heat_row(v), ref_heat_row(v));
		}
	for (int i = 0; i < 200000; i++) {
		int64_t v = (int64_t)(rnd() >> (1 + rnd() % 63));
		assert_int_equal(lab_heat_row(v), ref_heat_row(v));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_map),
		cmocka_unit_test(test_adversarial),
		cmocka_unit_test(test_jitter_merge),
		cmocka_unit_test(test_heat_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
