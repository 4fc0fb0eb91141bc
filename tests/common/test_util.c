/* test_util.c — the JSON writer's output and the ready file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <cmocka.h>

#include "util.h"

static void fill(struct lab_json *j, void *arg)
{
	(void)arg;
	lab_json_str(j, "path", "ker\"nel\n");
	lab_json_u64(j, "received", 4096);
	lab_json_obj(j, "drops");
	lab_json_u64(j, "udp_rcvbuf_errors", 0);
	lab_json_obj_end(j);
	lab_json_arr(j, "list");
	lab_json_arr_obj(j);
	lab_json_i64(j, "x", -1);
	lab_json_obj_end(j);
	lab_json_arr_end(j);
	lab_json_dbl(j, "nan", NAN);
	lab_json_obj(j, "empty");
	lab_json_obj_end(j);
}

static void test_json_document(void **state)
{
	(void)state;
	char path[] = "/tmp/lab-test-json-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lab_json_write_file(path, fill, NULL), 0);
	char buf[1024] = {0};
	FILE *f = fopen(path, "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	assert_true(n > 0);
	const char *want = "{\n  \"path\": \"ker\\\"nel\\u000a\",\n  \"received\": 4096,\n  \"drops\": {\n"
			   "    \"udp_rcvbuf_errors\": 0\n  },\n  \"list\": [\n    {\n      \"x\": -1\n"
			   "    }\n  ],\n  \"nan\": null,\n  \"empty\": {}\n}\n";
	assert_string_equal(buf, want);
}

static void test_ready_file(void **state)
{
	(void)state;
	char path[] = "/tmp/lab-test-ready-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	assert_int_equal(lab_write_ready_file(path), 0);
	FILE *f = fopen(path, "r");
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	unlink(path);
	assert_int_equal(pid, getpid());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_ready_file),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
