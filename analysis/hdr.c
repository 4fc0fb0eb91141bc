/* hdr.c — the HdrHistogram layout and its V2 compressed encoding (see hdr.h). The index
 * arithmetic follows HdrHistogram_c step by step: a reader rebuilds the counts array from the
 * header's three parameters, so any other layout would decode into the wrong values. */
#include "hdr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* smallest m with 2^m >= x (x >= 1) */
static int ceil_log2(int64_t x)
{
	int m = 0;
	while (m < 62 && ((int64_t)1 << m) < x)
		m++;
	return m;
}

static int32_t buckets_to_cover(int64_t value, int32_t sub_bucket_count, int unit_magnitude)
{
	int64_t smallest_untrackable = (int64_t)sub_bucket_count << unit_magnitude;
	int32_t buckets = 1;
	while (smallest_untrackable <= value) {
		if (smallest_untrackable > INT64_MAX / 2)
			return buckets + 1;
		smallest_untrackable <<= 1;
		buckets++;
	}
	return buckets;
}

int lab_hdr_init(struct lab_hdr *h, int64_t lowest, int64_t highest, int sig_digits)
{
	memset(h, 0, sizeof(*h));
	if (lowest < 1 || sig_digits < 1 || sig_digits > 5 || highest < 2 * lowest) {
		errno = EINVAL;
		return -1;
	}
	int64_t single_unit_top = 2;
	for (int i = 0; i < sig_digits; i++)
		single_unit_top *= 10;
	int sub_bucket_count_magnitude = ceil_log2(single_unit_top);
	h->lowest = lowest;
	h->highest = highest;
	h->sig_digits = sig_digits;
	h->sub_bucket_half_count_magnitude =
		(sub_bucket_count_magnitude > 1 ? sub_bucket_count_magnitude : 1) - 1;
	/* floor(log2(lowest)): the C library's (int)(log(x)/log(2)) without its rounding risk */
	h->unit_magnitude = 63 - __builtin_clzll((unsigned long long)lowest);
	h->sub_bucket_count = (int32_t)1 << (h->sub_bucket_half_count_magnitude + 1);
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = ((int64_t)h->sub_bucket_count - 1) << h->unit_magnitude;
	h->bucket_count = buckets_to_cover(highest, h->sub_bucket_count, h->unit_magnitude);
	h->counts_len = (size_t)(h->bucket_count + 1) * (size_t)(h->sub_bucket_count / 2);
	h->counts = calloc(h->counts_len, sizeof(*h->counts));
	return h->counts ? 0 : -1;
}

void lab_hdr_free(struct lab_hdr *h)
{
	free(h->counts);
	h->counts = NULL;
}

void lab_hdr_reset(struct lab_hdr *h)
{
	memset(h->counts, 0, h->counts_len * sizeof(*h->counts));
	h->total = h->min = h->max = 0;
}

static int32_t bucket_index(const struct lab_hdr *h, int64_t v)
{
	int pow2ceiling = 64 - __builtin_clzll((unsigned long long)(v | h->sub_bucket_mask));
	return pow2ceiling - h->unit_magnitude - (h->sub_bucket_half_count_magnitude + 1);
}

static int32_t sub_bucket_index(const struct lab_hdr *h, int64_t v, int32_t bi)
{
	return (int32_t)(v >> (bi + h->unit_magnitude));
}

size_t lab_hdr_index(const struct lab_hdr *h, int64_t v)
{
	int32_t bi = bucket_index(h, v), sbi = sub_bucket_index(h, v, bi);
	return (size_t)((((int64_t)bi + 1) << h->sub_bucket_half_count_magnitude) +
			(sbi - h->sub_bucket_half_count));
}

/* the lowest value that lands on counts index i (HdrHistogram_c's hdr_value_at_index) */
static int64_t value_at_index(const struct lab_hdr *h, size_t i)
{
	int32_t bi = (int32_t)(i >> h->sub_bucket_half_count_magnitude) - 1;
	int32_t sbi = (int32_t)(i & (size_t)(h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
	if (bi < 0) {
		sbi -= h->sub_bucket_half_count;
		bi = 0;
	}
	return (int64_t)sbi << (bi + h->unit_magnitude);
}

int64_t lab_hdr_lowest_equivalent(const struct lab_hdr *h, int64_t v)
{
	int32_t bi = bucket_index(h, v), sbi = sub_bucket_index(h, v, bi);
	return (int64_t)sbi << (bi + h->unit_magnitude);
}

int64_t lab_hdr_highest_equivalent(const struct lab_hdr *h, int64_t v)
{
	int32_t bi = bucket_index(h, v), sbi = sub_bucket_index(h, v, bi);
	int32_t adjusted = sbi >= h->sub_bucket_count ? bi + 1 : bi;
	return lab_hdr_lowest_equivalent(h, v) + ((int64_t)1 << (h->unit_magnitude + adjusted)) - 1;
}

void lab_hdr_record(struct lab_hdr *h, int64_t v)
{
	if (v < 0)
		v = 0;
	if (v > h->highest)
		v = h->highest;
	h->counts[lab_hdr_index(h, v)]++;
	if (h->total == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->total++;
}

int64_t lab_hdr_value_at_percentile(const struct lab_hdr *h, double p)
{
	if (h->total == 0)
		return 0;
	p = p < 0 ? 0 : p > 100 ? 100 : p;
	/* round up, less an ulp so an exact product is not pushed to the next rank: the rank rule
	 * of the current Java and JS implementations, and the lab's own nearest rank */
	double fp = p / 100.0 * (double)h->total;
	double ulp = nextafter(fp, INFINITY) - fp;
	int64_t want = (int64_t)ceil(fp - ulp), seen = 0;
	if (want < 1)
		want = 1;
	for (size_t i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= want)
			return lab_hdr_highest_equivalent(h, value_at_index(h, i));
	}
	return h->max;
}

size_t lab_hdr_zigzag_put(uint8_t *out, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	/* eight 7-bit groups with continuation bits, then a ninth byte of the full remaining 8
	 * bits: 64 bits in at most 9 bytes, as HdrHistogram's ZigZagEncoding does */
	while (n < 8) {
		if (z < 0x80) {
			out[n++] = (uint8_t)z;
			return n;
		}
		out[n++] = (uint8_t)((z & 0x7f) | 0x80);
		z >>= 7;
	}
	out[n++] = (uint8_t)z;
	return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* The V2 payload: counts up to the max value's index, a run of more than one zero as its
 * negated length, a single zero as 0 (what the reference encoders emit). Returns its length. */
static size_t encode_payload(const struct lab_hdr *h, uint8_t *out)
{
	size_t limit = lab_hdr_index(h, h->max) + 1, n = 0;
	for (size_t i = 0; i < limit;) {
		int64_t c = h->counts[i++];
		if (c == 0) {
			int64_t zeros = 1;
			while (i < limit && h->counts[i] == 0) {
				zeros++;
				i++;
			}
			if (zeros > 1) {
				n += lab_hdr_zigzag_put(out + n, -zeros);
				continue;
			}
		}
		n += lab_hdr_zigzag_put(out + n, c);
	}
	return n;
}

static char *base64(const uint8_t *in, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		*o++ = tbl[(w >> 18) & 63];
		*o++ = tbl[(w >> 12) & 63];
		*o++ = i + 1 < len ? tbl[(w >> 6) & 63] : '=';
		*o++ = i + 2 < len ? tbl[w & 63] : '=';
	}
	*o = '\0';
	return out;
}

int lab_hdr_encode_compressed_b64(const struct lab_hdr *h, char **b64)
{
	size_t ncounts = lab_hdr_index(h, h->max) + 1;
	size_t raw_cap = LAB_HDR_V2_HEADER_LEN + ncounts * 9;
	uint8_t *raw = malloc(raw_cap);
	uLongf zlen = compressBound((uLong)raw_cap);
	uint8_t *z = malloc(8 + zlen);
	int rc = -1;
	*b64 = NULL;
	if (!raw || !z) {
		errno = ENOMEM;
		goto out;
	}
	size_t plen = encode_payload(h, raw + LAB_HDR_V2_HEADER_LEN);
	double ratio = 1.0; /* integer values: no conversion to doubles */
	uint64_t ratio_bits;
	memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
	put_be32(raw, LAB_HDR_V2_COOKIE | LAB_HDR_COOKIE_WORD_NIBBLE);
	put_be32(raw + 4, (uint32_t)plen);
	put_be32(raw + 8, 0); /* normalizing index offset: never shifted here */
	put_be32(raw + 12, (uint32_t)h->sig_digits);
	put_be64(raw + 16, (uint64_t)h->lowest);
	put_be64(raw + 24, (uint64_t)h->highest);
	put_be64(raw + 32, ratio_bits);
	/* compress(): zlib-wrapped DEFLATE, the format of Java's Deflater and of pako */
	if (compress(z + 8, &zlen, raw, (uLong)(LAB_HDR_V2_HEADER_LEN + plen)) != Z_OK) {
		errno = EIO;
		goto out;
	}
	put_be32(z, LAB_HDR_V2_COMPRESSED_COOKIE | LAB_HDR_COOKIE_WORD_NIBBLE);
	put_be32(z + 4, (uint32_t)zlen);
	*b64 = base64(z, 8 + zlen);
	if (!*b64)
		errno = ENOMEM;
	else
		rc = 0;
out:
	free(raw);
	free(z);
	return rc;
}
