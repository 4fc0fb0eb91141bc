/* test_frame.c — the frame parser, builder, reflection and checksums (cmocka, no root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <endian.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "canned.h"
#include "frame.h"
#include "lab_constants.h"

static struct canned corpus[64];
static size_t ncorpus;

static int setup(void **state)
{
	(void)state;
	ncorpus = canned_frames(corpus, 64);
	return ncorpus > 0 ? 0 : -1;
}

/* Every canned frame gets exactly its verdict, and the parser reads nothing past len: each is
 * copied to a heap buffer of exactly its length, so ASan catches any overread. */
static void test_canned_verdicts(void **state)
{
	(void)state;
	assert_true(ncorpus >= 30);
	for (size_t i = 0; i < ncorpus; i++) {
		struct lab_parsed p;
		uint8_t *b = malloc(corpus[i].len ? corpus[i].len : 1);
		memcpy(b, corpus[i].buf, corpus[i].len);
		enum lab_verdict v = lab_frame_parse(b, corpus[i].len, LAB_PORT_DUT, &p);
		if (v != corpus[i].expect)
			fail_msg("%s: got %s, want %s", corpus[i].name, lab_verdict_name(v),
				 lab_verdict_name(corpus[i].expect));
		free(b);
	}
}

/* Every prefix of a good frame is rejected (truncation at every byte), never read past. */
static void test_every_truncation_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncorpus; i++) {
		if (corpus[i].expect != LAB_OK)
			continue;
		for (size_t len = 0; len < corpus[i].len; len++) {
			struct lab_parsed p;
			uint8_t *b = malloc(len ? len : 1);
			memcpy(b, corpus[i].buf, len);
			enum lab_verdict v = lab_frame_parse(b, len, LAB_PORT_DUT, &p);
			if (v == LAB_OK)
				fail_msg("%s cut to %zu bytes parsed as lab", corpus[i].name, len);
			free(b);
		}
	}
}

static void test_good_frames_have_valid_checksums(void **state)
{
	(void)state;
	for (size_t i = 0; i < ncorpus; i++) {
		struct lab_parsed p;
		if (corpus[i].expect != LAB_OK)
			continue;
		assert_int_equal(lab_frame_parse(corpus[i].buf, corpus[i].len, LAB_PORT_DUT, &p), LAB_OK);
		if (!lab_frame_csum_ok(corpus[i].buf, &p))
			fail_msg("%s: bad checksum", corpus[i].name);
	}
}

static void test_malformed_classes(void **state)
{
	(void)state;
	assert_false(lab_verdict_malformed(LAB_OK));
	assert_false(lab_verdict_malformed(LAB_E_NOT_IP));
	assert_false(lab_verdict_malformed(LAB_E_PORT));
	assert_true(lab_verdict_malformed(LAB_E_IHL));
	assert_true(lab_verdict_malformed(LAB_E_MAGIC));
	assert_true(lab_verdict_malformed(LAB_E_STAMP_TRUNC));
	for (int v = 0; v < LAB_E_COUNT; v++)
		assert_non_null(lab_verdict_name((enum lab_verdict)v));
	assert_string_equal(lab_verdict_name(LAB_E_COUNT), "unknown");
}

static void build_and_reflect(int family, size_t len, uint8_t flags)
{
	struct lab_flow f;
	struct lab_parsed p;
	uint8_t buf[2048], orig[2048];

	canned_flow(&f, family, -1);
	assert_int_equal(lab_frame_build(buf, sizeof(buf), &f, len, 42, flags), len);
	assert_int_equal(lab_frame_parse(buf, len, LAB_PORT_DUT, &p), LAB_OK);
	lab_frame_set_times(buf, &p, 4242, 1000500, 1000000);
	assert_true(lab_frame_csum_ok(buf, &p));
	assert_int_equal(ntohl(p.hdr->seq), 4242);
	assert_int_equal(be64toh(p.hdr->sent_ns), 1000500);
	assert_int_equal(ntohl(p.hdr->late_ns), 500);
	memcpy(orig, buf, len);

	lab_frame_reflect(buf, &p, 2000000, 2000100);
	/* now it travels the other way: parse it as the generator would */
	assert_int_equal(lab_frame_parse(buf, len, LAB_PORT_GEN, &p), LAB_OK);
	assert_true(lab_frame_csum_ok(buf, &p));
	assert_memory_equal(buf, orig + 6, 6);
	assert_memory_equal(buf + 6, orig, 6);
	assert_true(p.hdr->flags & LAB_F_REFLECTED);
	if (flags & LAB_F_STAMP) {
		assert_non_null(p.stamp);
		assert_true(p.hdr->flags & LAB_F_STAMPED);
		assert_int_equal(be64toh(p.stamp->dut_rx_ns), 2000000);
		assert_int_equal(be64toh(p.stamp->dut_tx_ns), 2000100);
	} else {
		assert_null(p.stamp);
		assert_false(p.hdr->flags & LAB_F_STAMPED);
	}
	assert_int_equal(ntohl(p.hdr->seq), 4242);
}

static void test_reflect_v4(void **state)
{
	(void)state;
	build_and_reflect(AF_INET, 64, 0);
	build_and_reflect(AF_INET, 78, LAB_F_STAMP);
	build_and_reflect(AF_INET, 1500, LAB_F_STAMP);
	build_and_reflect(AF_INET, 333, LAB_F_STAMP); /* odd length */
}

static void test_reflect_v6(void **state)
{
	(void)state;
	build_and_reflect(AF_INET6, 82, 0);
	build_and_reflect(AF_INET6, 98, LAB_F_STAMP);
	build_and_reflect(AF_INET6, 1500, LAB_F_STAMP);
}

/* RFC 1071 from scratch, byte by byte: the reference the incremental updates are checked against */
static uint16_t ref_csum(const uint8_t *d, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? d[i] : (uint32_t)d[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t ref_udp_csum(const uint8_t *b, const struct lab_parsed *p)
{
	uint8_t tmp[2048];
	size_t ulen = p->frame_len - p->l4_off;
	uint32_t sum = 17 + (uint32_t)ulen;
	const uint8_t *ip = b + p->l3_off;
	const uint8_t *a = p->family == AF_INET ? ip + 12 : ip + 8;
	size_t alen = p->family == AF_INET ? 8 : 32;
	for (size_t i = 0; i < alen; i += 2)
		sum += (uint32_t)a[i] << 8 | a[i + 1];
	memcpy(tmp, b + p->l4_off, ulen);
	tmp[6] = tmp[7] = 0;
	uint16_t c = ref_csum(tmp, ulen, sum);
	return c ? c : 0xffff;
}

/* Forwarding: MACs rewritten, TTL / hop limit one lower, header and UDP checksums equal to a
 * from-scratch computation, FORWARDED (and STAMPED) set; TTL 0 or 1 and marked frames untouched. */
static void forward_one(int family, size_t len, uint8_t flags, uint8_t ttl, unsigned salt)
{
	struct lab_flow f;
	struct lab_parsed p;
	uint8_t buf[2048], orig[2048];
	const uint8_t smac[6] = LAB_DUT1_MAC_BYTES, dmac[6] = LAB_GEN1_MAC_BYTES;

	canned_flow(&f, family, -1);
	assert_int_equal(lab_frame_build(buf, sizeof(buf), &f, len, salt, flags), len);
	for (size_t i = len - 1; i > len - 9 && i > 70 + 40; i--)
		buf[i] = (uint8_t)(salt * 7 + i); /* vary the payload: other checksums */
	assert_int_equal(lab_frame_parse(buf, len, LAB_PORT_DUT, &p), LAB_OK);
	size_t ttl_off = p.l3_off + (family == AF_INET ? 8 : 7);
	buf[ttl_off] = ttl;
	if (family == AF_INET) {
		buf[p.l3_off + 10] = buf[p.l3_off + 11] = 0;
		uint16_t hc = ref_csum(buf + p.l3_off, 20, 0);
		buf[p.l3_off + 10] = (uint8_t)(hc >> 8);
		buf[p.l3_off + 11] = (uint8_t)hc;
	}
	uint16_t uc = ref_udp_csum(buf, &p);
	buf[p.l4_off + 6] = (uint8_t)(uc >> 8);
	buf[p.l4_off + 7] = (uint8_t)uc;
	memcpy(orig, buf, len);

	enum lab_fwd_verdict v = lab_frame_forward(buf, &p, smac, dmac, 5000000 + salt, 5000900 + salt);
	if (ttl <= 1) {
		assert_int_equal(v, LAB_FWD_TTL_EXPIRED);
		assert_memory_equal(buf, orig, len);
		return;
	}
	assert_int_equal(v, LAB_FWD_OK);
	assert_memory_equal(buf, dmac, 6);
	assert_memory_equal(buf + 6, smac, 6);
	assert_int_equal(buf[ttl_off], ttl - 1);
	if (family == AF_INET)
		assert_int_equal(ref_csum(buf + p.l3_off, 20, 0), 0); /* a valid header sums to ~0 */
	assert_int_equal((buf[p.l4_off + 6] << 8 | buf[p.l4_off + 7]), ref_udp_csum(buf, &p));
	assert_int_equal(lab_frame_parse(buf, len, LAB_PORT_DUT, &p), LAB_OK);
	assert_true(p.hdr->flags & LAB_F_FORWARDED);
	assert_false(p.hdr->flags & LAB_F_REFLECTED);
	if (flags & LAB_F_STAMP) {
		assert_true(p.hdr->flags & LAB_F_STAMPED);
		assert_int_equal(be64toh(p.stamp->dut_rx_ns), 5000000 + salt);
		assert_int_equal(be64toh(p.stamp->dut_tx_ns), 5000900 + salt);
	}
	/* everything but MACs, TTL, IPv4 header checksum, UDP checksum and the lab header is as sent */
	for (size_t i = 12; i < len; i++) {
		if (i == ttl_off || (family == AF_INET && (i == p.l3_off + 10 || i == p.l3_off + 11)) ||
		    i == p.l4_off + 6 || i == p.l4_off + 7 ||
		    (i >= p.lab_off && i < p.lab_off + LAB_HDR_LEN + LAB_STAMP_LEN))
			continue;
		assert_int_equal(buf[i], orig[i]);
	}
	/* a forwarded frame is never forwarded again */
	memcpy(orig, buf, len);
	assert_int_equal(lab_frame_forward(buf, &p, smac, dmac, 1, 2), LAB_FWD_MARKED);
	assert_memory_equal(buf, orig, len);
}

static void test_forward(void **state)
{
	(void)state;
	static const uint8_t ttls[] = {0, 1, 2, 3, 63, 64, 128, 254, 255};
	for (unsigned t = 0; t < sizeof(ttls); t++) {
		forward_one(AF_INET, 64, 0, ttls[t], t);
		forward_one(AF_INET, 78, LAB_F_STAMP, ttls[t], t + 100);
		forward_one(AF_INET, 333, LAB_F_STAMP, ttls[t], t + 200);
		forward_one(AF_INET, 1514, LAB_F_STAMP, ttls[t], t + 300);
		forward_one(AF_INET6, 82, 0, ttls[t], t + 400);
		forward_one(AF_INET6, 98, LAB_F_STAMP, ttls[t], t + 500);
		forward_one(AF_INET6, 1514, LAB_F_STAMP, ttls[t], t + 600);
	}
	for (unsigned s = 0; s < 2000; s++) /* many checksums: the 0xffff/0 corner included */
		forward_one(s & 1 ? AF_INET6 : AF_INET, 100 + s % 200, s & 2 ? LAB_F_STAMP : 0,
			    (uint8_t)(2 + s % 254), s * 2654435761u);
	assert_string_equal(lab_fwd_verdict_name(LAB_FWD_TTL_EXPIRED), "ttl_expired");
}

static void test_build_refuses_too_small(void **state)
{
	(void)state;
	struct lab_flow f;
	uint8_t buf[256];
	canned_flow(&f, AF_INET, -1);
	assert_int_equal(lab_frame_min_len(&f, false), LAB_MIN_FRAME_V4);
	assert_int_equal(lab_frame_min_len(&f, true), LAB_MIN_FRAME_V4_STAMP);
	assert_int_equal(lab_frame_build(buf, sizeof(buf), &f, 61, 0, 0), 0);
	assert_int_equal(lab_frame_build(buf, sizeof(buf), &f, 77, 0, LAB_F_STAMP), 0);
	assert_int_equal(lab_frame_build(buf, 100, &f, 101, 0, 0), 0);
	canned_flow(&f, AF_INET6, -1);
	assert_int_equal(lab_frame_min_len(&f, true), LAB_MIN_FRAME_V6_STAMP);
	assert_int_equal(lab_frame_build(buf, sizeof(buf), &f, 81, 0, 0), 0);
}

static void test_checksum_detects_corruption(void **state)
{
	(void)state;
	struct lab_flow f;
	struct lab_parsed p;
	uint8_t buf[256];
	canned_flow(&f, AF_INET6, -1);
	lab_frame_build(buf, sizeof(buf), &f, 200, 1, LAB_F_STAMP);
	assert_int_equal(lab_frame_parse(buf, 200, LAB_PORT_DUT, &p), LAB_OK);
	assert_true(lab_frame_csum_ok(buf, &p));
	buf[150] ^= 0x40;
	assert_false(lab_frame_csum_ok(buf, &p));
}

/* Known answer: the example IPv4 header of RFC 1071 discussions (checksum 0xb861). */
static void test_ipv4_header_checksum_known(void **state)
{
	(void)state;
	const uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			       0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	assert_int_equal((uint16_t)~lab_csum_fold(lab_csum_add(0, h, 20)), 0xb861);
}

static void test_benchmark_ranges(void **state)
{
	(void)state;
	uint8_t a4[4];
	uint8_t a6[16];
	inet_pton(AF_INET, LAB_DUT_V4, a4);
	assert_true(lab_addr_is_benchmark(AF_INET, a4));
	inet_pton(AF_INET, "198.19.255.255", a4);
	assert_true(lab_addr_is_benchmark(AF_INET, a4));
	inet_pton(AF_INET, "198.20.0.1", a4);
	assert_false(lab_addr_is_benchmark(AF_INET, a4));
	inet_pton(AF_INET, "10.0.0.1", a4);
	assert_false(lab_addr_is_benchmark(AF_INET, a4));
	inet_pton(AF_INET, "127.0.0.1", a4);
	assert_false(lab_addr_is_benchmark(AF_INET, a4));
	inet_pton(AF_INET6, LAB_DUT_V6, a6);
	assert_true(lab_addr_is_benchmark(AF_INET6, a6));
	inet_pton(AF_INET6, "2001:2:0:ffff::1", a6);
	assert_true(lab_addr_is_benchmark(AF_INET6, a6));
	inet_pton(AF_INET6, "2001:2:1::1", a6);
	assert_false(lab_addr_is_benchmark(AF_INET6, a6));
	inet_pton(AF_INET6, "2001:db8::1", a6);
	assert_false(lab_addr_is_benchmark(AF_INET6, a6));
	assert_false(lab_addr_is_benchmark(AF_PACKET, a6));
}

/* Random bytes never crash the parser, and anything it accepts is self-consistent. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 12345;
	for (int i = 0; i < 20000; i++) {
		size_t len = (x = x * 1103515245u + 12345u) % 200;
		uint8_t *b = malloc(len ? len : 1);
		for (size_t j = 0; j < len; j++)
			b[j] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
		if (len > 13 && (i & 1)) { /* make half of them look like IPv4/UDP to our port */
			b[12] = 0x08;
			b[13] = 0x00;
		}
		struct lab_parsed p;
		if (lab_frame_parse(b, len, LAB_PORT_DUT, &p) == LAB_OK)
			assert_true(p.frame_len <= len && p.lab_off + LAB_HDR_LEN <= p.frame_len);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canned_verdicts),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_good_frames_have_valid_checksums),
		cmocka_unit_test(test_malformed_classes),
		cmocka_unit_test(test_reflect_v4),
		cmocka_unit_test(test_reflect_v6),
		cmocka_unit_test(test_forward),
		cmocka_unit_test(test_build_refuses_too_small),
		cmocka_unit_test(test_checksum_detects_corruption),
		cmocka_unit_test(test_ipv4_header_checksum_known),
		cmocka_unit_test(test_benchmark_ranges),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests_name("frame", tests, setup, NULL);
}
