/* test_rec.c — record files: round trip, and every kind of corrupt file rejected with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rec.h"

static char dir[] = "/tmp/lab-test-rec-XXXXXX";
static char path[256];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/run.rec", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

/* Write a good file of n records. */
static void write_file(uint64_t n, bool finish)
{
	struct lab_rec_hdr h;
	lab_rec_hdr_init(&h);
	strcpy(h.path, "kernel");
	strcpy(h.backend, "udp");
	strcpy(h.pattern, "const");
	h.rate_pps = 1000;
	h.seed = 7;
	int fd = lab_rec_create(path, &h);
	assert_true(fd >= 0);
	for (uint64_t i = 0; i < n; i++) {
		struct lab_rec r = {.intended_ns = 1000 * i, .sent_ns = 1000 * i + 5, .recv_ns = 1000 * i + 900,
				    .seq = (uint32_t)i, .flags = LAB_REC_SENT | LAB_REC_RECEIVED};
		assert_int_equal(write(fd, &r, sizeof(r)), sizeof(r));
	}
	if (finish)
		assert_int_equal(lab_rec_finish(fd, &h, n), 0);
	close(fd);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct lab_rec_file f;
	char err[256];
	write_file(1000, true);
	assert_int_equal(lab_rec_open(path, &f, err, sizeof(err)), 0);
	assert_int_equal(f.count, 1000);
	assert_true(f.complete);
	assert_string_equal(f.hdr.path, "kernel");
	assert_int_equal(f.hdr.rate_pps, 1000);
	assert_int_equal(f.recs[999].seq, 999);
	assert_int_equal(f.recs[999].recv_ns, 999900);
	lab_rec_close(&f);
}

static void test_unfinished_file_readable(void **state)
{
	(void)state;
	struct lab_rec_file f;
	char err[256];
	write_file(10, false);
	assert_int_equal(lab_rec_open(path, &f, err, sizeof(err)), 0);
	assert_int_equal(f.count, 10);
	assert_false(f.complete);
	lab_rec_close(&f);
}

/* Patch bytes of a good file, or cut it, and expect a rejection mentioning want. */
static void corrupt_case(long off, const void *bytes, size_t n, long truncate_to, const char *want)
{
	struct lab_rec_file f;
	char err[256] = "";
	write_file(4, true);
	if (bytes) {
		FILE *fp = fopen(path, "r+b");
		assert_non_null(fp);
		fseek(fp, off, SEEK_SET);
		fwrite(bytes, 1, n, fp);
		fclose(fp);
	}
	if (truncate_to >= 0)
		assert_int_equal(truncate(path, truncate_to), 0);
	if (lab_rec_open(path, &f, err, sizeof(err)) == 0)
		fail_msg("corrupt file accepted (want '%s')", want);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_null(strchr(err, '\n'));
}

static void test_corrupt_files(void **state)
{
	(void)state;
	uint32_t u32;
	uint64_t u64;
	corrupt_case(0, NULL, 0, 0, "empty");                                  /* zero length */
	corrupt_case(0, "XXXX", 4, -1, "bad magic");                           /* bad magic */
	u32 = 99;
	corrupt_case(8, &u32, 4, -1, "version 99");                            /* version */
	u32 = 100;
	corrupt_case(12, &u32, 4, -1, "hdr_len");                              /* header length */
	u32 = 40;
	corrupt_case(16, &u32, 4, -1, "rec_len");                              /* record length */
	u32 = 0x80;
	corrupt_case(20, &u32, 4, -1, "flags");                                /* unknown flags */
	corrupt_case(0, NULL, 0, 100, "truncated header");                     /* short header */
	corrupt_case(0, NULL, 0, 512 + 48 * 3 + 20, "truncated record");       /* cut record */
	u64 = 1000;
	corrupt_case(24, &u64, 8, -1, "header says 1000");                     /* count mismatch */
	char junk[16];
	memset(junk, 'A', sizeof(junk));
	corrupt_case(32, junk, 16, -1, "unterminated");                        /* text field */
	u32 = 77;
	corrupt_case(512 + 48 * 2 + 40, &u32, 4, -1, "corrupt record 2");      /* seq out of place */
	uint16_t fl = 0x8000;
	corrupt_case(512 + 48 * 1 + 44, &fl, 2, -1, "corrupt record 1");       /* record flags */
}

static void test_missing_file(void **state)
{
	(void)state;
	struct lab_rec_file f;
	char err[256];
	assert_int_equal(lab_rec_open("/nonexistent/x.rec", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(lab_rec_open("/tmp", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unfinished_file_readable),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("rec", tests, setup, teardown);
}
