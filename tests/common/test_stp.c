/* test_stp.c — stamp side files: round trip, a writer killed mid-record, and corrupt files
 * rejected with a one-line reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "stp.h"

static char dir[] = "/tmp/lab-test-stp-XXXXXX";
static char path[256];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/kernel.dut.stp", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void write_file(unsigned n)
{
	uint8_t used[LAB_STP_NPOINTS] = {0, LAB_STP_SRC_KERNEL, LAB_STP_SRC_USER, 0};
	struct lab_stp_writer w;
	assert_int_equal(lab_stp_create(&w, path, used, LAB_STP_SRC_KERNEL), 0);
	for (unsigned i = 0; i < n; i++)
		lab_stp_put(&w, i, i % 2 ? LAB_STP_DUT_TX : LAB_STP_DUT_RX,
			    LAB_STP_F_USER | LAB_STP_F_KERNEL, 1000u * i + 500, 1000u * i);
	assert_int_equal(w.written, n);
	assert_int_equal(lab_stp_close(&w), 0);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct lab_stp_file f;
	char err[256] = "";
	write_file(100);
	assert_int_equal(lab_stp_read(path, &f, err, sizeof(err)), 0);
	assert_int_equal(f.count, 100);
	assert_false(f.partial);
	assert_int_equal(f.hdr.used[LAB_STP_DUT_RX], LAB_STP_SRC_KERNEL);
	assert_int_equal(f.hdr.used[LAB_STP_DUT_TX], LAB_STP_SRC_USER);
	assert_int_equal(f.recs[7].seq, 7);
	assert_int_equal(f.recs[7].point, LAB_STP_DUT_TX);
	assert_int_equal(f.recs[7].user_ns, 7500);
	assert_int_equal(f.recs[7].kernel_ns, 7000);
	lab_stp_free(&f);
}

/* A writer killed in the middle of a record: the whole ones are read, the partial is noted. */
static void test_partial(void **state)
{
	(void)state;
	struct lab_stp_file f;
	char err[256] = "";
	write_file(10);
	assert_int_equal(truncate(path, LAB_STP_HDR_LEN + 5 * 24 + 11), 0);
	assert_int_equal(lab_stp_read(path, &f, err, sizeof(err)), 0);
	assert_int_equal(f.count, 5);
	assert_true(f.partial);
	lab_stp_free(&f);
}

static void patch(long off, const void *bytes, size_t n)
{
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_equal(fwrite(bytes, 1, n, fp), n);
	fclose(fp);
}

/* One corruption at off, read back: refused, with a one-line reason containing want. */
static void expect_refused(long off, const void *bytes, size_t n, const char *want)
{
	struct lab_stp_file f;
	char err[256] = "";
	write_file(4);
	patch(off, bytes, n);
	assert_int_equal(lab_stp_read(path, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '\n'));
	assert_null(f.recs);
}

static void test_corrupt(void **state)
{
	(void)state;
	uint32_t v = 9, len = 32;
	uint8_t bad_src = 7, bad_point = 4, bad_flags = 0x80;
	expect_refused(0, "XXXX", 4, "bad magic");
	expect_refused(8, &v, 4, "version 9");
	expect_refused(16, &len, 4, "record 32 bytes");
	expect_refused(24 + 1, &bad_src, 1, "unknown stamp source 7 at dut_rx");
	expect_refused(28, &bad_src, 1, "second source");
	expect_refused(LAB_STP_HDR_LEN + 24 + 4, &bad_point, 1, "record 1: point 4");
	expect_refused(LAB_STP_HDR_LEN + 2 * 24 + 5, &bad_flags, 1, "record 2: point 1 flags 0x80");
	/* shorter than a header */
	write_file(0);
	assert_int_equal(truncate(path, 10), 0);
	struct lab_stp_file f;
	char err[256] = "";
	assert_int_equal(lab_stp_read(path, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "shorter (10 bytes)"));
}

static void test_src_names(void **state)
{
	(void)state;
	assert_int_equal(lab_stp_src_parse("user"), LAB_STP_SRC_USER);
	assert_int_equal(lab_stp_src_parse("kernel"), LAB_STP_SRC_KERNEL);
	assert_int_equal(lab_stp_src_parse("hw"), LAB_STP_SRC_HW);
	assert_int_equal(lab_stp_src_parse("none"), -1);
	assert_int_equal(lab_stp_src_parse("Kernel"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_src_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
