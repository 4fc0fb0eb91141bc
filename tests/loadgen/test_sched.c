/* test_sched.c — the schedule: packet counts, mean rates, burst geometry, same seed same times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <math.h>

#include "sched.h"

static void test_const_exact(void **state)
{
	(void)state;
	struct gen_sched_cfg c = {.pattern = GEN_PAT_CONST, .rate_pps = 3, .seed = 1};
	struct gen_sched s;
	gen_sched_init(&s, &c);
	/* 1/3 s gaps without drift: floor(i * 1e9 / 3) */
	assert_int_equal(gen_sched_next(&s), 0);
	assert_int_equal(gen_sched_next(&s), 333333333);
	assert_int_equal(gen_sched_next(&s), 666666666);
	assert_int_equal(gen_sched_next(&s), 1000000000);
	for (int i = 4; i < 3000000; i++)
		gen_sched_next(&s);
	assert_int_equal(gen_sched_next(&s), 1000000000000000ull);
}

static void test_const_count(void **state)
{
	(void)state;
	struct gen_sched_cfg c = {.pattern = GEN_PAT_CONST, .rate_pps = 100000};
	assert_int_equal(gen_sched_count_for(&c, 5000000000ull), 500000);
	assert_int_equal(gen_sched_count_for(&c, 5000000001ull), 500001);
	assert_int_equal(gen_sched_count_for(&c, 1), 1);
	c.rate_pps = 7;
	/* offsets 0, 142857142, ..., all < 1 s: 7 packets */
	assert_int_equal(gen_sched_count_for(&c, 1000000000ull), 7);
	/* the count agrees with walking the schedule */
	struct gen_sched s;
	gen_sched_init(&s, &c);
	uint64_t n = 0;
	while (gen_sched_next(&s) < 3500000000ull)
		n++;
	assert_int_equal(n, gen_sched_count_for(&c, 3500000000ull));
}

static void test_poisson_mean_and_seed(void **state)
{
	(void)state;
	struct gen_sched_cfg c = {.pattern = GEN_PAT_POISSON, .rate_pps = 100000, .seed = 42};
	struct gen_sched a, b;
	gen_sched_init(&a, &c);
	gen_sched_init(&b, &c);
	uint64_t prev = 0, last = 0, n = 200000;
	double sumsq = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t = gen_sched_next(&a);
		assert_int_equal(t, gen_sched_next(&b)); /* same seed, same times */
		assert_true(t >= prev);
		double gap = (double)(t - prev) - 10000.0;
		if (i)
			sumsq += gap * gap;
		prev = t;
		last = t;
	}
	/* mean gap 10 us within 1 % (n = 2e5: the standard error is 0.22 %) */
	double mean = (double)last / (double)(n - 1);
	assert_true(fabs(mean - 10000.0) < 100.0);
	/* exponential: standard deviation equals the mean */
	double sd = sqrt(sumsq / (double)(n - 1));
	assert_true(fabs(sd - 10000.0) < 300.0);
	/* a different seed gives different times */
	c.seed = 43;
	gen_sched_init(&b, &c);
	gen_sched_init(&a, &(struct gen_sched_cfg){.pattern = GEN_PAT_POISSON, .rate_pps = 100000,
						    .seed = 42});
	int differ = 0;
	for (int i = 0; i < 10; i++)
		differ += gen_sched_next(&a) != gen_sched_next(&b);
	assert_true(differ >= 9);
	/* the count for a duration is what walking the schedule gives, and near rate x time */
	c.seed = 42;
	uint64_t cnt = gen_sched_count_for(&c, 1000000000ull);
	assert_true(cnt > 99000 && cnt < 101000);
}

static void test_burst_geometry(void **state)
{
	(void)state;
	struct gen_sched_cfg c = {.pattern = GEN_PAT_BURST, .burst_size = 4,
				  .burst_gap_ns = 1000000, .seed = 9};
	struct gen_sched s;
	gen_sched_init(&s, &c);
	for (int b = 0; b < 100; b++)
		for (int k = 0; k < 4; k++)
			assert_int_equal(gen_sched_next(&s), (uint64_t)b * 1000000);
	assert_true(fabs(gen_sched_mean_pps(&c) - 4000.0) < 1e-9);
	assert_int_equal(gen_sched_count_for(&c, 10000000), 40);
	assert_int_equal(gen_sched_count_for(&c, 10000001), 44);
}

static void test_pattern_names(void **state)
{
	(void)state;
	enum gen_pattern p;
	assert_int_equal(gen_pattern_parse("poisson", &p), 0);
	assert_int_equal(p, GEN_PAT_POISSON);
	assert_string_equal(gen_pattern_name(GEN_PAT_BURST), "burst");
	assert_int_equal(gen_pattern_parse("bursty", &p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_const_exact),
		cmocka_unit_test(test_const_count),
		cmocka_unit_test(test_poisson_mean_and_seed),
		cmocka_unit_test(test_burst_geometry),
		cmocka_unit_test(test_pattern_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
