/* test_bootci.c — the block bootstrap's 95 % intervals (analysis/bootci.c): coverage of the true
 * quantile on i.i.d. exponential data over 100 seeded trials; wider than a naive i.i.d.
 * bootstrap (computed here) when slow packets come in stalls; null where too few packets lie
 * beyond a percentile or too few blocks; the same output for the same input. Deterministic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bootci.h"

enum { Q50, Q90, Q99, Q999, Q9999 };

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double unif(uint64_t *s) /* (0, 1) */
{
	return ((double)(rnd(s) >> 11) + 0.5) / 9007199254740992.0;
}

#define BASE_NS 5000.0
#define MEAN_NS 10000.0

static double true_quantile(double p)
{
	return BASE_NS - MEAN_NS * log(1.0 - p);
}

/* n packets evenly over span_ns, each RTT 5 µs + exponential of mean 10 µs */
static void iid(int64_t *t, int64_t *v, size_t n, int64_t span_ns, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t i = 0; i < n; i++) {
		t[i] = (int64_t)((double)i * (double)span_ns / (double)n);
		v[i] = (int64_t)(BASE_NS - MEAN_NS * log(unif(&s)));
	}
}

static void test_coverage_iid(void **state)
{
	(void)state;
	enum { N = 20000, TRIALS = 100 };
	int64_t *t = malloc(N * sizeof(*t)), *v = malloc(N * sizeof(*v));
	int cover[LAB_BOOTCI_NPCT] = {0};
	assert_non_null(t);
	assert_non_null(v);
	for (int trial = 0; trial < TRIALS; trial++) {
		struct lab_ci95 ci;
		iid(t, v, N, 10000000000LL, (uint64_t)trial + 1); /* 10 s: 100 blocks of 200 */
		assert_int_equal(lab_bootci_series(t, v, N, 0, 1000, 77, &ci), 0);
		assert_int_equal(ci.nblocks, 100);
		for (int q = 0; q <= Q99; q++) {
			assert_true(ci.have[q]);
			double tq = true_quantile(lab_bootci_ppm[q] / 1e6);
			cover[q] += ci.lo[q] <= tq && tq <= ci.hi[q];
		}
	}
	print_message("# coverage of the true quantile over %d trials: p50 %d, p90 %d, p99 %d\n",
		      TRIALS, cover[Q50], cover[Q90], cover[Q99]);
	assert_true(cover[Q50] >= 90);
	assert_true(cover[Q99] >= 90);
	assert_true(cover[Q90] >= 85);
	free(t);
	free(v);
}

/* The naive reference: packets drawn one by one with replacement, the 2.5 % and 97.5 % nearest
 * ranks of B replicates' nearest-rank percentile. sorted: the values ascending. */
static void naive_ci(const int64_t *sorted, size_t n, uint32_t ppm, int B, int64_t *lo, int64_t *hi)
{
	uint32_t *mult = malloc(n * sizeof(*mult));
	int64_t *stat = malloc((size_t)B * sizeof(*stat));
	uint64_t s = 12345;
	size_t rank = (size_t)ceil((double)ppm * (double)n / 1e6) - 1;
	assert_non_null(mult);
	assert_non_null(stat);
	for (int r = 0; r < B; r++) {
		memset(mult, 0, n * sizeof(*mult));
		for (size_t i = 0; i < n; i++)
			mult[rnd(&s) % n]++;
		size_t c = 0, i = 0;
		while (c + mult[i] <= rank)
			c += mult[i++];
		stat[r] = sorted[i];
	}
	for (int a = 1; a < B; a++) /* insertion sort: B is small */
		for (int b = a; b > 0 && stat[b - 1] > stat[b]; b--) {
			int64_t x = stat[b];
			stat[b] = stat[b - 1];
			stat[b - 1] = x;
		}
	*lo = stat[(int)ceil(0.025 * B) - 1];
	*hi = stat[(int)ceil(0.975 * B) - 1];
	free(mult);
	free(stat);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* 10 s at 10 kpps; 25 stalls of 8 ms at random times hold every packet sent during them until
 * the stall ends (2 % of the packets, delays up to 8 ms), so p99 and p99.9 fall in the stalls
 * and how many stalls a resample holds is what moves them. */
static void test_stalls_wider_than_iid(void **state)
{
	(void)state;
	enum { N = 100000, STALLS = 25 };
	const int64_t gap_ns = 100000, stall_ns = 8000000;
	int64_t *t = malloc(N * sizeof(*t)), *v = malloc(N * sizeof(*v));
	uint64_t s = 4242;
	assert_non_null(t);
	assert_non_null(v);
	iid(t, v, N, N * gap_ns, 9);
	for (int k = 0; k < STALLS; k++) {
		int64_t start = (int64_t)(unif(&s) * (double)(N * gap_ns - stall_ns));
		for (size_t i = (size_t)(start / gap_ns) + 1; i < (size_t)N && t[i] < start + stall_ns; i++)
			v[i] += start + stall_ns - t[i];
	}
	struct lab_ci95 ci;
	assert_int_equal(lab_bootci_series(t, v, N, 0, 1000, 77, &ci), 0);
	qsort(v, N, sizeof(*v), cmp_i64);
	for (int q = Q99; q <= Q999; q++) {
		int64_t nlo, nhi;
		naive_ci(v, N, lab_bootci_ppm[q], 400, &nlo, &nhi);
		assert_true(ci.have[q]);
		print_message("# p%g: block [%lld, %lld] width %lld; naive [%lld, %lld] width %lld\n",
			      lab_bootci_ppm[q] / 1e4, (long long)ci.lo[q], (long long)ci.hi[q],
			      (long long)(ci.hi[q] - ci.lo[q]), (long long)nlo, (long long)nhi,
			      (long long)(nhi - nlo));
		assert_true(ci.hi[q] - ci.lo[q] > 2 * (nhi - nlo));
	}
	free(t);
	free(v);
}

static void test_null_when_too_few(void **state)
{
	(void)state;
	enum { N = 5000 };
	int64_t t[N], v[N];
	struct lab_ci95 ci;
	iid(t, v, N, 10000000000LL, 3); /* 100 blocks */
	assert_int_equal(lab_bootci_series(t, v, N, 0, 500, 1, &ci), 0);
	assert_true(ci.have[Q50] && ci.have[Q90] && ci.have[Q99]); /* 50 packets beyond p99 */
	assert_false(ci.have[Q999]);                               /* 5 beyond p99.9 */
	assert_false(ci.have[Q9999]);
	iid(t, v, N, 500000000LL, 3); /* 0.5 s: 5 blocks, too few for any interval */
	assert_int_equal(lab_bootci_series(t, v, N, 0, 500, 1, &ci), 0);
	assert_int_equal(ci.nblocks, 5);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		assert_false(ci.have[q]);
	assert_int_equal(lab_bootci_series(t, v, 0, 0, 500, 1, &ci), 0); /* nothing received */
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		assert_false(ci.have[q]);
}

static void test_deterministic_and_blocks(void **state)
{
	(void)state;
	enum { N = 30000 };
	static int64_t t[N], v[N];
	struct lab_ci95 a, b;
	iid(t, v, N, 3000000000LL, 5);
	assert_int_equal(lab_bootci_series(t, v, N, 0, 300, 99, &a), 0);
	assert_int_equal(lab_bootci_series(t, v, N, 0, 300, 99, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.block_ns, LAB_BOOTCI_BLOCK_NS);
	assert_int_equal(a.nblocks, 30);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		if (a.have[q])
			assert_true(a.lo[q] <= a.hi[q]);
	/* a long run: blocks lengthened to keep their number bounded */
	assert_int_equal(lab_bootci_block_ns(3000000000LL), LAB_BOOTCI_BLOCK_NS);
	assert_int_equal(lab_bootci_block_ns(1000000000000LL), 2000000000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage_iid),
		cmocka_unit_test(test_stalls_wider_than_iid),
		cmocka_unit_test(test_null_when_too_few),
		cmocka_unit_test(test_deterministic_and_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
