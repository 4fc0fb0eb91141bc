/* test_clocksync.c — the two-clock estimate (analysis/clocksync.c) against ground truth injected
 * here: packets made with a known DUT clock (offset at t = 0 and drift), one-way delays with
 * floors of their own (asymmetric) and long random tails, DUT times of a few microseconds, lost
 * stamps. The true offset at the estimate's t_ref must lie within offset_error_ns of offset_ns,
 * the bound must be about half the round-trip floor (not far looser), and the drift found must
 * be the one injected. Also: one clock (true offset 0); offsets of several seconds either way;
 * too few packets (no estimate); stamps that cannot be one packet's (left out). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clocksync.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* exponential tail of mean m ns, plus a spike of 50-500 us on one packet in 50 */
static int64_t tail(double m)
{
	double u = ((double)(next() >> 11) + 0.5) / 9007199254740992.0;
	int64_t t = (int64_t)(-m * log(u));
	if (next() % 50 == 0)
		t += 50000 + (int64_t)(next() % 450000);
	return t;
}

struct truth {
	int64_t offset0_ns; /* DUT - generator at generator time 0 */
	double drift_ppm;
	int64_t floor1, floor2; /* the one-way floors, ns */
};

/* DUT clock reading at generator time t */
static uint64_t dut_clock(const struct truth *tr, int64_t t)
{
	return (uint64_t)(t + tr->offset0_ns + (int64_t)llround((double)t * tr->drift_ppm / 1e6));
}

static int64_t true_offset(const struct truth *tr, int64_t t)
{
	return (int64_t)dut_clock(tr, t) - t;
}

/* n packets at rate pps from generator time start; one in 40 without DUT stamps */
static struct lab_clock_pkt *make(const struct truth *tr, size_t n, int64_t start, int64_t gap)
{
	struct lab_clock_pkt *pk = calloc(n, sizeof(*pk));
	assert_non_null(pk);
	for (size_t i = 0; i < n; i++) {
		int64_t t1 = start + (int64_t)i * gap;
		int64_t d1 = tr->floor1 + tail(3000), res = 1000 + (int64_t)(next() % 4000);
		int64_t d2 = tr->floor2 + tail(3000);
		pk[i].t1 = (uint64_t)t1;
		pk[i].t2 = dut_clock(tr, t1 + d1);
		pk[i].t3 = dut_clock(tr, t1 + d1 + res);
		pk[i].t4 = (uint64_t)(t1 + d1 + res + d2);
		if (i % 40 == 7)
			pk[i].t2 = pk[i].t3 = 0;
	}
	return pk;
}

static void check(const struct truth *tr, size_t n, int64_t start, int64_t gap)
{
	struct lab_clock_pkt *pk = make(tr, n, start, gap);
	struct lab_clock c;
	lab_clock_estimate(pk, n, &c);
	assert_true(c.have);
	int64_t truth = true_offset(tr, c.t_ref_ns);
	int64_t err = c.offset_ns - truth;
	print_message("# offset %lld true %lld: error %lld, bound %lld (floors %lld+%lld); drift %.3f ppm (true %.3f); %zu windows\n",
		      (long long)c.offset_ns, (long long)truth, (long long)err, (long long)c.offset_error_ns,
		      (long long)tr->floor1, (long long)tr->floor2, c.drift_ppm, tr->drift_ppm, c.windows);
	assert_true(llabs(err) <= c.offset_error_ns);
	/* the bound is about half the round-trip floor, not far looser: the floor plus the tails'
	 * minimum over a window (a few hundred ns here) */
	assert_true(c.offset_error_ns >= (tr->floor1 + tr->floor2) / 2);
	assert_true(c.offset_error_ns <= (tr->floor1 + tr->floor2) / 2 + 1000);
	assert_true(fabs(c.drift_ppm - tr->drift_ppm) < 0.5);
	assert_int_equal(c.packets, n - (n + 32) / 40);
	assert_int_equal(c.windows, LAB_CLOCK_WINDOWS);
	/* carried to another time by the drift: still within the bound plus the drift's own error */
	int64_t t_end = start + (int64_t)(n - 1) * gap;
	assert_true(llabs(lab_clock_offset_at(&c, t_end) - true_offset(tr, t_end)) <=
		    c.offset_error_ns + (int64_t)(0.5e-6 * (double)(t_end - c.t_ref_ns)) + 1);
	free(pk);
}

/* one clock: offset 0, no drift, symmetric floors */
static void test_one_clock(void **state)
{
	(void)state;
	struct truth tr = {0, 0, 4000, 4000};
	check(&tr, 30000, 1000000000, 100000);
}

/* a DUT clock 5.000123456 s ahead, 20 ppm fast, asymmetric floors (3 and 9 us) */
static void test_ahead_drifting(void **state)
{
	(void)state;
	struct truth tr = {5000123456LL, 20.0, 3000, 9000};
	check(&tr, 30000, 1000000000, 100000);
}

/* 7.5 s behind, 35 ppm slow, a short run of 3 s at 10 kpps */
static void test_behind(void **state)
{
	(void)state;
	struct truth tr = {-7500000001LL, -35.0, 6000, 2000};
	check(&tr, 30000, 20000000000LL, 100000);
}

static void test_too_few(void **state)
{
	(void)state;
	struct truth tr = {1000, 0, 3000, 3000};
	struct lab_clock_pkt *pk = make(&tr, LAB_CLOCK_MIN_PER_WINDOW - 1, 1000, 1000);
	struct lab_clock c;
	lab_clock_estimate(pk, LAB_CLOCK_MIN_PER_WINDOW - 1, &c);
	assert_false(c.have);
	assert_int_equal(lab_clock_offset_at(&c, 5000), 0);
	free(pk);
	lab_clock_estimate(NULL, 0, &c);
	assert_false(c.have);
}

/* stamps that cannot be one packet's (received before sent, DUT time longer than the round
 * trip, a missing receive) are left out; the rest still give the truth */
static void test_bad_stamps(void **state)
{
	(void)state;
	struct truth tr = {250000, 0, 5000, 5000};
	size_t n = 4000;
	struct lab_clock_pkt *pk = make(&tr, n, 1000000000, 100000);
	pk[10].t4 = pk[10].t1 - 1;
	pk[11].t3 = pk[11].t2 + (pk[11].t4 - pk[11].t1) + 10;
	pk[12].t4 = 0;
	pk[13].t3 = pk[13].t2 - 5;
	struct lab_clock c;
	lab_clock_estimate(pk, n, &c);
	assert_true(c.have);
	assert_int_equal(c.packets, n - (n + 32) / 40 - 4);
	assert_true(llabs(c.offset_ns - true_offset(&tr, c.t_ref_ns)) <= c.offset_error_ns);
	free(pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_clock),     cmocka_unit_test(test_ahead_drifting),
		cmocka_unit_test(test_behind),        cmocka_unit_test(test_too_few),
		cmocka_unit_test(test_bad_stamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
