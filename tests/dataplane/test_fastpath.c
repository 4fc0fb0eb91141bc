/* test_fastpath.c — lab-dpdk's inlined hot path agrees with common/frame.c: it accepts only frames
 * the full parser calls LAB_OK, and reflects (lab_frame_reflect) and forwards (lab_frame_forward)
 * them to the very same bytes, with the same verdicts (cmocka, no root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <rte_branch_prediction.h>

#include "canned.h"
#include "fastpath.h"
#include "frame.h"
#include "lab_constants.h"

static struct canned corpus[64];

/* Over the whole malformed/foreign corpus: fast acceptance implies the parser's LAB_OK. */
static void test_fast_accepts_only_ok(void **state)
{
	(void)state;
	size_t n = canned_frames(corpus, 64), fast_ok = 0;
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		struct lab_parsed pf, pp;
		uint8_t *b = malloc(corpus[i].len ? corpus[i].len : 1);
		memcpy(b, corpus[i].buf, corpus[i].len);
		bool f = dp_fast_parse(b, corpus[i].len, LAB_PORT_DUT, &pf);
		enum lab_verdict v = lab_frame_parse(b, corpus[i].len, LAB_PORT_DUT, &pp);
		if (f && v != LAB_OK)
			fail_msg("%s: fast path accepted a frame the parser calls %s", corpus[i].name,
				 lab_verdict_name(v));
		fast_ok += f;
		free(b);
	}
	assert_true(fast_ok > 0);
}

/* Built frames of both families, every size class, with and without stamps and with and
 * without a UDP checksum: fast reflect == full reflect, byte for byte, checksum valid. */
static void test_fast_reflect_same_bytes(void **state)
{
	(void)state;
	static const size_t sizes[] = {62, 64, 78, 82, 98, 99, 128, 1500};
	int checked = 0;
	for (int fam = 0; fam < 2; fam++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
			for (int stamp = 0; stamp < 2; stamp++)
				for (int zero_ck = 0; zero_ck < 2; zero_ck++) {
					struct lab_flow f;
					uint8_t a[1600], b[1600];
					struct lab_parsed pa, pb;
					canned_flow(&f, fam ? AF_INET6 : AF_INET, -1);
					size_t len = lab_frame_build(a, sizeof(a), &f, sizes[si], 1000 + si,
								     stamp ? LAB_F_STAMP : 0);
					if (!len)
						continue;
					if (zero_ck && !fam) {
						assert_int_equal(lab_frame_parse(a, len, LAB_PORT_DUT, &pa), LAB_OK);
						a[pa.l4_off + 6] = a[pa.l4_off + 7] = 0;
					}
					memcpy(b, a, len);
					assert_true(dp_fast_parse(a, len, LAB_PORT_DUT, &pa));
					assert_int_equal(lab_frame_parse(b, len, LAB_PORT_DUT, &pb), LAB_OK);
					dp_fast_reflect(a, &pa, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
					lab_frame_reflect(b, &pb, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
					if (memcmp(a, b, len) != 0)
						fail_msg("family %d size %zu stamp %d: fast reflect differs", fam,
							 sizes[si], stamp);
					/* reflected: now to the generator's port */
					assert_int_equal(lab_frame_parse(a, len, LAB_PORT_GEN, &pa), LAB_OK);
					assert_true(lab_frame_csum_ok(a, &pa));
					checked++;
				}
	assert_true(checked >= 40);
}

static const uint8_t out_mac[6] = LAB_DUT1_MAC_BYTES;
static const uint8_t hop_mac[6] = LAB_GEN1_MAC_BYTES;

/* Set the IPv4 TTL / IPv6 hop limit of a built frame; the IPv4 header checksum recomputed from
 * scratch (RFC 1071), not by the code under test. */
static void set_ttl(uint8_t *b, const struct lab_parsed *p, uint8_t ttl)
{
	uint8_t *ip = b + p->l3_off;
	if (p->family == AF_INET6) {
		ip[7] = ttl;
		return;
	}
	ip[8] = ttl;
	ip[10] = ip[11] = 0;
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

/* Built frames of both families and every size class, stamped or not, with and without a UDP
 * checksum, at every interesting TTL and with the marks: fast forward == lab_frame_forward, byte
 * for byte and verdict for verdict; a forwarded frame parses, its checksums are valid, its TTL is
 * one lower and its MACs are the next hop's. */
static void test_fast_forward_same_bytes(void **state)
{
	(void)state;
	static const size_t sizes[] = {62, 64, 78, 82, 98, 99, 128, 1500};
	static const uint8_t ttls[] = {0, 1, 2, 3, 63, 64, 128, 255};
	static const uint8_t marks[] = {0, LAB_F_REFLECTED, LAB_F_FORWARDED, LAB_F_MARKED};
	int forwarded = 0, expired = 0, marked = 0;
	for (int fam = 0; fam < 2; fam++)
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
			for (int stamp = 0; stamp < 2; stamp++)
				for (int zero_ck = 0; zero_ck < 2; zero_ck++)
					for (size_t ti = 0; ti < sizeof(ttls); ti++)
						for (size_t mi = 0; mi < sizeof(marks); mi++) {
		struct lab_flow f;
		uint8_t a[1600], b[1600], orig[1600];
		struct lab_parsed pa, pb;
		canned_flow(&f, fam ? AF_INET6 : AF_INET, -1);
		size_t len = lab_frame_build(a, sizeof(a), &f, sizes[si], 7 + (uint32_t)si,
					     (uint8_t)((stamp ? LAB_F_STAMP : 0) | marks[mi]));
		if (!len)
			continue;
		assert_int_equal(lab_frame_parse(a, len, LAB_PORT_DUT, &pa), LAB_OK);
		set_ttl(a, &pa, ttls[ti]);
		if (zero_ck && !fam)
			a[pa.l4_off + 6] = a[pa.l4_off + 7] = 0;
		memcpy(b, a, len);
		memcpy(orig, a, len);
		assert_true(dp_fast_parse(a, len, LAB_PORT_DUT, &pa));
		assert_int_equal(lab_frame_parse(b, len, LAB_PORT_DUT, &pb), LAB_OK);
		enum lab_fwd_verdict want = marks[mi] ? LAB_FWD_MARKED
					    : ttls[ti] <= 1 ? LAB_FWD_TTL_EXPIRED : LAB_FWD_OK;
		assert_int_equal(dp_fwd_check(a, &pa), want);
		enum lab_fwd_verdict va = dp_fast_forward(a, &pa, out_mac, hop_mac, 0x1122334455667788ull,
							  0x99aabbccddeeff00ull);
		enum lab_fwd_verdict vb = lab_frame_forward(b, &pb, out_mac, hop_mac, 0x1122334455667788ull,
							    0x99aabbccddeeff00ull);
		assert_int_equal(va, want);
		assert_int_equal(vb, want);
		if (memcmp(a, b, len) != 0)
			fail_msg("family %d size %zu stamp %d zero_ck %d ttl %u mark %u: fast forward differs",
				 fam, sizes[si], stamp, zero_ck, ttls[ti], marks[mi]);
		if (want != LAB_FWD_OK) {
			if (memcmp(a, orig, len) != 0)
				fail_msg("ttl %u mark %u: a frame not forwarded was changed", ttls[ti], marks[mi]);
			expired += want == LAB_FWD_TTL_EXPIRED;
			marked += want == LAB_FWD_MARKED;
			continue;
		}
		/* forwarded: same addresses and ports, one hop less, the next hop's MACs */
		assert_int_equal(lab_frame_parse(a, len, LAB_PORT_DUT, &pa), LAB_OK);
		assert_true(lab_frame_csum_ok(a, &pa));
		assert_int_equal(a[pa.l3_off + (fam ? 7 : 8)], ttls[ti] - 1);
		assert_memory_equal(a, hop_mac, 6);
		assert_memory_equal(a + 6, out_mac, 6);
		assert_int_equal(pa.hdr->flags & (LAB_F_FORWARDED | LAB_F_STAMPED | LAB_F_REFLECTED),
				 LAB_F_FORWARDED | (stamp ? LAB_F_STAMPED : 0));
		assert_memory_equal(a + pa.l3_off + (fam ? 8 : 12), orig + pa.l3_off + (fam ? 8 : 12),
				    fam ? 32 : 8);
		assert_memory_equal(a + pa.l4_off, orig + pa.l4_off, 4);
		if (zero_ck && !fam)
			assert_int_equal(a[pa.l4_off + 6] | a[pa.l4_off + 7], 0);
		forwarded++;
	}
	assert_true(forwarded >= 100 && expired >= 20 && marked >= 60);
}

/* The corpus's lab frames (tagged, with IP options, ...) the fast path takes: forwarded to the
 * same bytes as by lab_frame_forward. */
static void test_fast_forward_corpus(void **state)
{
	(void)state;
	size_t n = canned_frames(corpus, 64), same = 0;
	for (size_t i = 0; i < n; i++) {
		struct lab_parsed pf, pp;
		if (!corpus[i].len)
			continue;
		uint8_t *a = malloc(corpus[i].len), *b = malloc(corpus[i].len);
		memcpy(a, corpus[i].buf, corpus[i].len);
		memcpy(b, corpus[i].buf, corpus[i].len);
		if (dp_fast_parse(a, corpus[i].len, LAB_PORT_DUT, &pf)) {
			assert_int_equal(lab_frame_parse(b, corpus[i].len, LAB_PORT_DUT, &pp), LAB_OK);
			assert_int_equal(dp_fast_forward(a, &pf, out_mac, hop_mac, 5, 6),
					 lab_frame_forward(b, &pp, out_mac, hop_mac, 5, 6));
			if (memcmp(a, b, corpus[i].len) != 0)
				fail_msg("%s: fast forward differs", corpus[i].name);
			same++;
		}
		free(a);
		free(b);
	}
	assert_true(same > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_accepts_only_ok),
		cmocka_unit_test(test_fast_reflect_same_bytes),
		cmocka_unit_test(test_fast_forward_same_bytes),
		cmocka_unit_test(test_fast_forward_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
