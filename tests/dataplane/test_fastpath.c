/* test_fastpath.c — lab-dpdk's inlined hot path agrees with common/frame.c: it accepts only frames
 * the full parser calls LAB_OK, and reflects them to the very same bytes (cmocka, no root). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_accepts_only_ok),
		cmocka_unit_test(test_fast_reflect_same_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
