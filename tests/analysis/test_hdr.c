/* test_hdr.c — the HdrHistogram encoder of analysis/hdr.c: the layout at the bucket edges (values
 * worked out from HdrHistogram's definition: 3 significant digits give 2048 sub-buckets, so 0..2047
 * are exact and each doubling halves the resolution), the ZigZag LEB128 bytes, percentiles against
 * a nearest-rank brute force, and the compressed V2 encoding taken apart by a decoder written here
 * (base64, both cookies, zlib, the header fields, the count runs). hdr-histogram-js reads the
 * lab's real logs in hlog.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "hdr.h"

static void test_layout(void **state)
{
	(void)state;
	struct lab_hdr h;
	assert_int_equal(lab_hdr_init(&h, 1, 3600000000000ll, 3), 0);
	assert_int_equal(h.sub_bucket_count, 2048);
	assert_int_equal(h.unit_magnitude, 0);
	/* 2048 << 31 = 4.4e12 is the first power-of-two range past 1 hour: 32 buckets */
	assert_int_equal(h.bucket_count, 32);
	assert_int_equal(h.counts_len, 33 * 1024);
	static const struct {
		int64_t v;
		size_t idx;
		int64_t lo, hi;
	} edge[] = {
		{0, 0, 0, 0},          {1, 1, 1, 1},          {2047, 2047, 2047, 2047},
		{2048, 2048, 2048, 2049}, {2049, 2048, 2048, 2049}, {4095, 3071, 4094, 4095},
		{4096, 3072, 4096, 4099}, {4100, 3073, 4100, 4103},
	};
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		assert_int_equal(lab_hdr_index(&h, edge[i].v), edge[i].idx);
		assert_int_equal(lab_hdr_lowest_equivalent(&h, edge[i].v), edge[i].lo);
		assert_int_equal(lab_hdr_highest_equivalent(&h, edge[i].v), edge[i].hi);
	}
	/* the top of the range stays inside the array; beyond it is clamped */
	assert_true(lab_hdr_index(&h, 3600000000000ll) < h.counts_len);
	lab_hdr_record(&h, INT64_MAX);
	lab_hdr_record(&h, -5);
	assert_int_equal(h.max, 3600000000000ll);
	assert_int_equal(h.min, 0);
	lab_hdr_free(&h);
	/* a lowest discernible value of 1000 (µs units over ns values) shifts everything by 9 bits */
	assert_int_equal(lab_hdr_init(&h, 1000, 3600000000000ll, 3), 0);
	assert_int_equal(h.unit_magnitude, 9);
	assert_int_equal(lab_hdr_index(&h, 511), 0);
	assert_int_equal(lab_hdr_index(&h, 512), 1);
	lab_hdr_free(&h);
}

static void test_zigzag(void **state)
{
	(void)state;
	static const struct {
		int64_t v;
		size_t len;
		uint8_t b[9];
	} cases[] = {
		{0, 1, {0x00}},         {-1, 1, {0x01}},        {1, 1, {0x02}},
		{63, 1, {0x7e}},        {-64, 1, {0x7f}},       {64, 2, {0x80, 0x01}},
		{300, 2, {0xd8, 0x04}}, {-2048, 2, {0xff, 0x1f}},
		{INT64_MIN, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[9];
		assert_int_equal(lab_hdr_zigzag_put(out, cases[i].v), cases[i].len);
		assert_memory_equal(out, cases[i].b, cases[i].len);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_percentiles(void **state)
{
	(void)state;
	struct lab_hdr h;
	enum { N = 10007 };
	int64_t *v = malloc(N * sizeof(*v));
	uint64_t s = 99;
	assert_int_equal(lab_hdr_init(&h, 1, 3600000000000ll, 3), 0);
	for (size_t i = 0; i < N; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		v[i] = (int64_t)((s >> 20) % (1ull << (s >> 58))); /* 0 .. 2^63 spread over magnitudes */
		v[i] %= 3600000000000ll;
		lab_hdr_record(&h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp_i64);
	static const double ps[] = {1, 50, 90, 99, 99.9, 100};
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		size_t rank = (size_t)((ps[k] * N + 99.999999) / 100); /* ceil, exact for these */
		int64_t want = v[rank - 1];
		int64_t got = lab_hdr_value_at_percentile(&h, ps[k]);
		assert_int_equal(got, lab_hdr_highest_equivalent(&h, want));
	}
	assert_int_equal(h.total, N);
	assert_int_equal(h.max, v[N - 1]);
	lab_hdr_free(&h);
	free(v);
}

/* ---- a decoder of the encoding, independent of hdr.c ---- */

static size_t unbase64(const char *in, uint8_t *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0, bits = 0;
	uint32_t acc = 0;
	for (; *in && *in != '='; in++) {
		const char *p = strchr(tbl, *in);
		assert_non_null(p);
		acc = acc << 6 | (uint32_t)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

static uint64_t be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static int64_t zigzag_get(const uint8_t **p)
{
	uint64_t z = 0;
	int shift = 0;
	for (int i = 0; i < 9; i++) {
		uint8_t b = *(*p)++;
		if (i == 8) {
			z |= (uint64_t)b << 56;
			break;
		}
		z |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* Decode b64 into counts (counts_len entries); returns how many indices the payload covers. */
static size_t decode(const char *b64, int64_t *counts, size_t counts_len)
{
	uint8_t *bin = malloc(strlen(b64)), *raw = malloc(1 << 20);
	size_t n = unbase64(b64, bin);
	assert_int_equal(be(bin, 4), 0x1c849314); /* compressed cookie, word-size nibble 0x10 */
	assert_int_equal(be(bin + 4, 4), n - 8);
	uLongf rawlen = 1 << 20;
	assert_int_equal(uncompress(raw, &rawlen, bin + 8, n - 8), Z_OK);
	assert_int_equal(be(raw, 4), 0x1c849313); /* the V2 encoding inside */
	assert_int_equal(be(raw + 4, 4), rawlen - 40);
	assert_int_equal(be(raw + 8, 4), 0);  /* normalizing index offset */
	assert_int_equal(be(raw + 12, 4), 3); /* significant digits */
	assert_int_equal(be(raw + 16, 8), 1);
	assert_int_equal(be(raw + 24, 8), 3600000000000ull);
	assert_int_equal(be(raw + 32, 8), 0x3ff0000000000000ull); /* 1.0 */
	const uint8_t *p = raw + 40, *end = raw + rawlen;
	size_t idx = 0;
	memset(counts, 0, counts_len * sizeof(*counts));
	while (p < end) {
		int64_t c = zigzag_get(&p);
		if (c < 0)
			idx += (size_t)-c;
		else
			counts[idx++] = c;
		assert_true(idx <= counts_len);
	}
	free(bin);
	free(raw);
	return idx;
}

static void test_encoding(void **state)
{
	(void)state;
	struct lab_hdr h;
	char *b64;
	assert_int_equal(lab_hdr_init(&h, 1, 3600000000000ll, 3), 0);
	int64_t *got = calloc(h.counts_len, sizeof(*got));

	/* empty: one count of 0 at index 0 */
	assert_int_equal(lab_hdr_encode_compressed_b64(&h, &b64), 0);
	assert_memory_equal(b64, "HISTF", 5); /* the prefix every HdrHistogram log line shows */
	assert_int_equal(decode(b64, got, h.counts_len), 1);
	assert_int_equal(got[0], 0);
	free(b64);

	/* single zeros (index 3), runs (4..2047), counts over 63 (two bytes), far values */
	static const int64_t vals[] = {0, 1, 1, 2, 2048, 2049, 1000000, 5000000000ll};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		lab_hdr_record(&h, vals[i]);
	for (int i = 0; i < 300; i++)
		lab_hdr_record(&h, 4);
	assert_int_equal(lab_hdr_encode_compressed_b64(&h, &b64), 0);
	size_t covered = decode(b64, got, h.counts_len);
	assert_int_equal(covered, lab_hdr_index(&h, 5000000000ll) + 1);
	for (size_t i = 0; i < h.counts_len; i++)
		assert_int_equal(got[i], h.counts[i]);
	assert_int_equal(got[lab_hdr_index(&h, 1)], 2);
	assert_int_equal(got[4], 300);
	assert_int_equal(got[2048], 2);
	free(b64);
	free(got);
	lab_hdr_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_zigzag),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
