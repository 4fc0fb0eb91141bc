/* hdr.h — a minimal HdrHistogram: the bucket/sub-bucket layout of HdrHistogram_c (so the counts
 * array is index for index the one its readers rebuild) and the V2 compressed encoding of the
 * interval logs (hlog.c). Recording only; the lab's own percentiles stay exact (select.h). */
#ifndef LAB_HDR_H
#define LAB_HDR_H

#include <stddef.h>
#include <stdint.h>

/* On the wire the cookies carry 0x10 in their word-size nibble, as every reference writer
 * (Java, HdrHistogram_c, hdr-histogram-js) puts them; readers mask it off (cookie & ~0xf0). */
#define LAB_HDR_V2_COOKIE 0x1c849303u
#define LAB_HDR_V2_COMPRESSED_COOKIE 0x1c849304u
#define LAB_HDR_COOKIE_WORD_NIBBLE 0x10u
#define LAB_HDR_V2_HEADER_LEN 40

struct lab_hdr {
	int64_t lowest, highest; /* lowest discernible, highest trackable value */
	int sig_digits;
	int unit_magnitude, sub_bucket_half_count_magnitude;
	int32_t sub_bucket_count, sub_bucket_half_count, bucket_count;
	int64_t sub_bucket_mask;
	size_t counts_len;
	int64_t *counts;
	int64_t total, min, max; /* min/max of the recorded values (0 / 0 when empty) */
};

/* lowest >= 1, highest >= 2 * lowest, sig_digits 1..5. Returns 0, or -1 (EINVAL, ENOMEM). */
int lab_hdr_init(struct lab_hdr *h, int64_t lowest, int64_t highest, int sig_digits);
void lab_hdr_free(struct lab_hdr *h);
void lab_hdr_reset(struct lab_hdr *h);

/* v is clamped to [0, highest]: a histogram cannot hold what lies outside its range. */
void lab_hdr_record(struct lab_hdr *h, int64_t v);

size_t lab_hdr_index(const struct lab_hdr *h, int64_t v);
int64_t lab_hdr_lowest_equivalent(const struct lab_hdr *h, int64_t v);
int64_t lab_hdr_highest_equivalent(const struct lab_hdr *h, int64_t v);
/* HdrHistogram's getValueAtPercentile: the highest equivalent value of the bucket where the
 * count reaches ceil(p/100 * total) (at least 1). 0 when empty. */
int64_t lab_hdr_value_at_percentile(const struct lab_hdr *h, double p);

/* ZigZag LEB128 as HdrHistogram's ZigZagEncoding.putLong (at most 9 bytes, the ninth holding 8
 * bits). Returns the bytes written to out (room for 9). */
size_t lab_hdr_zigzag_put(uint8_t *out, int64_t v);

/* The V2 encoding (header + payload), deflated with zlib and wrapped in the compressed cookie,
 * as base64 text (NUL-terminated, malloc'd into *b64). Returns 0, or -1 (ENOMEM, EIO). */
int lab_hdr_encode_compressed_b64(const struct lab_hdr *h, char **b64);

#endif
