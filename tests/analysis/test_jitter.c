/* test_jitter.c — RFC 3550 jitter and RFC 5481 PDV (analysis/jitter.c) against values computed by
 * hand on six packets, and against a brute-force reference written here (arrival order found by
 * repeated minimum search, percentiles by insertion sort and nearest rank) on seeded random
 * record sets with losses and reordering. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jitter.h"

static struct lab_rec pkt(uint32_t seq, uint64_t intended, uint64_t sent, uint64_t recv)
{
	struct lab_rec r = {intended, sent, 0, 0, recv, seq, LAB_REC_SENT, 0};
	if (recv)
		r.flags |= LAB_REC_RECEIVED;
	return r;
}

/* Six packets, one lost, seq 3 overtaking seq 1 (ns). The intended times drift from the actual
 * ones unevenly, so figures taken from the intended send time would differ.
 *   arrival order 0, 3, 1, 4, 5 (receive times 11000, 13500, 14000, 16000, 26000)
 *   D: |2500 - 3000| = 500, |500 + 2000| = 2500, |2000 - 3000| = 1000, |10000 - 1000| = 9000
 *   J: 31.25, 185.546875, 236.4501953125, 784.17205810546875
 *   (in sequence order it would be 890.72: the order matters)
 *   delays 10000, 12000, 9500, 11000, 20000; min 9500; PDV sorted 0, 500, 1500, 2500, 10500
 *   nearest rank of 5: p50 the 3rd (1500), p99 the 5th (10500), max 10500 */
static void test_hand_computed(void **state)
{
	(void)state;
	struct lab_rec r[] = {
		pkt(0, 900, 1000, 11000),  pkt(1, 1800, 2000, 14000), pkt(2, 2700, 3000, 0),
		pkt(3, 3600, 4000, 13500), pkt(4, 4500, 5000, 16000), pkt(5, 5400, 6000, 26000),
	};
	struct lab_jitter j;
	assert_int_equal(lab_jitter_compute(r, 6, &j), 0);
	assert_int_equal(j.n, 5);
	assert_true(fabs(j.rfc3550_ns - 784.17205810546875) < 1e-9);
	assert_int_equal(j.pdv.min, 0);
	assert_int_equal(j.pdv.p50, 1500);
	assert_int_equal(j.pdv.p99, 10500);
	assert_int_equal(j.pdv.max, 10500);
}

static void test_empty_and_single(void **state)
{
	(void)state;
	struct lab_rec r[] = {pkt(0, 0, 10, 0), pkt(1, 100, 110, 5110)};
	struct lab_jitter j;
	assert_int_equal(lab_jitter_compute(r, 1, &j), 0); /* nothing received */
	assert_int_equal(j.n, 0);
	assert_int_equal(lab_jitter_compute(r, 2, &j), 0); /* one packet: no D yet */
	assert_int_equal(j.n, 1);
	assert_true(j.rfc3550_ns == 0);
	assert_int_equal(j.pdv.max, 0);
}

/* ---- the reference: as literal as the RFCs, no sorting library ---- */

static double ref_jitter(const struct lab_rec *r, size_t n)
{
	bool *used = calloc(n, sizeof(*used));
	double j = 0;
	const struct lab_rec *prev = NULL;
	for (;;) {
		const struct lab_rec *next = NULL;
		size_t at = 0;
		for (size_t i = 0; i < n; i++) /* earliest arrival not yet taken, lowest seq first */
			if ((r[i].flags & LAB_REC_RECEIVED) && !used[i] &&
			    (!next || r[i].recv_ns < next->recv_ns))
				next = &r[i], at = i;
		if (!next)
			break;
		used[at] = true;
		if (prev) {
			double d = ((double)next->recv_ns - (double)prev->recv_ns) -
				   ((double)next->sent_ns - (double)prev->sent_ns);
			j = j + (fabs(d) - j) / 16;
		}
		prev = next;
	}
	free(used);
	return j;
}

/* PDV at nearest rank ceil(q * k) of the sorted delays minus their minimum */
static void ref_pdv(const struct lab_rec *r, size_t n, int64_t *p50, int64_t *p99, int64_t *max)
{
	int64_t *v = malloc(n * sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(r[i].flags & LAB_REC_RECEIVED))
			continue;
		int64_t d = (int64_t)r[i].recv_ns - (int64_t)r[i].sent_ns;
		size_t at = k++;
		while (at > 0 && v[at - 1] > d) { /* insertion sort */
			v[at] = v[at - 1];
			at--;
		}
		v[at] = d;
	}
	*p50 = v[(k * 50 + 99) / 100 - 1] - v[0];
	*p99 = v[(k * 99 + 99) / 100 - 1] - v[0];
	*max = v[k - 1] - v[0];
	free(v);
}

static void test_against_reference(void **state)
{
	(void)state;
	uint64_t s = 12345;
	for (int round = 0; round < 20; round++) {
		size_t n = 50 + (size_t)round * 37;
		struct lab_rec *r = calloc(n, sizeof(*r));
		for (size_t i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t in = 1000000 + i * 10000, sent = in + (s >> 40) % 3000;
			bool lost = (s >> 20) % 17 == 0;
			/* delays up to 40 us against 10 us spacing: plenty of reordering */
			uint64_t delay = 5000 + (s >> 24) % 40000;
			r[i] = pkt((uint32_t)i, in, sent, lost ? 0 : sent + delay);
		}
		struct lab_jitter j;
		int64_t p50, p99, max;
		assert_int_equal(lab_jitter_compute(r, n, &j), 0);
		ref_pdv(r, n, &p50, &p99, &max);
		assert_true(fabs(j.rfc3550_ns - ref_jitter(r, n)) < 1e-6);
		assert_int_equal(j.pdv.p50, p50);
		assert_int_equal(j.pdv.p99, p99);
		assert_int_equal(j.pdv.max, max);
		free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_computed),
		cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
