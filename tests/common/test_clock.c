/* test_clock.c — the TSC -> CLOCK_MONOTONIC mapping arithmetic (no timing is asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"

static void test_mapping_exact_at_base(void **state)
{
	(void)state;
	struct lab_tsc_cal c = {.base_tsc = 1000000, .base_ns = 5000000000ull,
				.mult = 1ull << 31 /* 0.5 ns per tick: 2 GHz */};
	assert_int_equal(lab_tsc_to_ns(&c, 1000000), 5000000000ull);
	assert_int_equal(lab_tsc_to_ns(&c, 1000000 + 2000000000ull), 6000000000ull);
}

static void test_mapping_large_span(void **state)
{
	(void)state;
	/* 3 GHz over a day of ticks: no overflow in the 128-bit product */
	struct lab_tsc_cal c = {.base_tsc = 0, .base_ns = 0,
				.mult = (uint64_t)(((unsigned __int128)1 << 32) / 3)};
	uint64_t day_ticks = 3000000000ull * 86400ull;
	uint64_t ns = lab_tsc_to_ns(&c, day_ticks);
	uint64_t want = 86400ull * 1000000000ull;
	assert_true(ns <= want && want - ns < 100000); /* fixed-point truncation only */
}

static void test_now_monotonic(void **state)
{
	(void)state;
	uint64_t a = lab_now_ns();
	for (int i = 0; i < 1000; i++) {
		uint64_t b = lab_now_ns();
		assert_true(b >= a);
		a = b;
	}
}

#ifdef LAB_HAVE_TSC
static void test_calibration_sane(void **state)
{
	(void)state;
	struct lab_tsc_cal c;
	assert_int_equal(lab_tsc_calibrate(&c, 20), 0);
	/* any x86 TSC of this century runs between 100 MHz and 10 GHz */
	assert_true(c.hz > 1e8 && c.hz < 1e10);
	assert_true(c.mult > 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping_exact_at_base),
		cmocka_unit_test(test_mapping_large_span),
		cmocka_unit_test(test_now_monotonic),
#ifdef LAB_HAVE_TSC
		cmocka_unit_test(test_calibration_sane),
#endif
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
