/* test_dut.c — the DUT driver's pure parts: flag tables (values, enums, set flags, aliases,
 * what was given), the --help lines with defaults read from the struct, the interval and totals
 * lines, the stats JSON's common members, drop points against the path registry, and the
 * errno -> exit code mapping; lab_opts_parse_args (words besides the flags) and zero_unset. */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dut.h"
#include "lab_constants.h"
#include "log.h"

struct own {
	unsigned batch;
	int prio;
	int mode;
	bool flag;
	const char *addr;
	double every_s;
};

static const char *const mode_names[] = {"one", "two-words", "three", NULL};

#define O(field) LAB_FIELD(struct own, field)
static const struct lab_opt own_opts[] = {
	{.name = "batch", .kind = LAB_OPT_UINT, O(batch), .arg = "N", .min = 1, .max = 256, .range = true,
	 .help = "per call"},
	{.name = "prio", .kind = LAB_OPT_INT, O(prio), .arg = "P", .min = 1, .max = 99, .unset = "none",
	 .help = "priority"},
	{.name = "mode", .kind = LAB_OPT_ENUM, O(mode), .names = mode_names, .help = "how"},
	{.name = "flag", .kind = LAB_OPT_SET, O(flag), .value = 1, .help = "on"},
	{.name = "addr", .kind = LAB_OPT_STR, O(addr), .arg = "A", .help = "where"},
	{.name = "every", .kind = LAB_OPT_DBL, O(every_s), .arg = "S", .dmin = 0.5, .dmax = 10, .help = "how often"},
	{.name = "json", .kind = LAB_OPT_ALIAS, .alias = "stats-json", .arg = "PATH"},
	{0},
};

static struct own own;
static struct lab_dut_sample fake;

static const char *fake_path(void *priv) { (void)priv; return "kernel"; }
static const char *fake_mode(void *priv) { (void)priv; return "blocking"; }
static void fake_sample(void *priv, struct lab_dut_sample *s) { (void)priv; *s = fake; }
/* lab_dut_finish with its totals line on stderr: stdout is the TAP stream (meson protocol 'tap',
 * CMOCKA_MESSAGE_OUTPUT=TAP), where the line would be an unknown one */
static int finish_to_stderr(struct lab_dut *d, int exit_code)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return lab_dut_finish(d, exit_code);
	int rc = lab_dut_finish(d, exit_code);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

static void fake_line(void *priv, bool totals, char *buf, size_t len)
{
	(void)priv;
	snprintf(buf, len, "own %s", totals ? "totals" : "interval");
}
static void fake_json(void *priv, struct lab_json *j) { (void)priv; lab_json_u64(j, "own_key", 7); }

static const struct lab_dut_cli cli = {
	.prog = "lab-test", .cpu_default = "the last one", .stop_ms = 123, .opts = own_opts,
};

static const struct lab_dut_ops ops = {
	.cli = &cli, .path = fake_path, .mode = fake_mode, .sample = fake_sample, .line = fake_line,
	.json = fake_json,
};

static void init(struct lab_dut *d)
{
	memset(&own, 0, sizeof(own));
	own.batch = 32;
	own.prio = -1;
	own.every_s = 1.5;
	lab_dut_init(d, &ops, &own);
}

static void test_parse(void **state)
{
	(void)state;
	struct lab_dut d;
	char *argv[] = {"lab-test", "--port", "9000", "--batch", "256", "--mode", "three", "--flag",
			"--json", "/tmp/x.json", "--cpu", "3", "--every", "2.5", "--addr", "::1",
			"--duration", "0.25", "--hw", NULL};
	init(&d);
	lab_dut_parse(&d, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
	assert_int_equal(d.cfg.port, 9000);
	assert_int_equal(d.cfg.cpu, 3);
	assert_true(d.cfg.hw);
	assert_string_equal(d.cfg.stats_json, "/tmp/x.json");
	assert_string_equal(d.cfg.iface, LAB_DUT_IF);
	assert_true(d.cfg.duration_s == 0.25);
	assert_int_equal(own.batch, 256);
	assert_int_equal(own.mode, 2);
	assert_true(own.flag);
	assert_true(own.every_s == 2.5);
	assert_string_equal(own.addr, "::1");
	assert_int_equal(own.prio, -1);
	assert_true(lab_opts_seen(&d.groups[0], "stats-json")); /* through its alias */
	assert_true(lab_opts_seen(&d.groups[1], "batch"));
	assert_false(lab_opts_seen(&d.groups[0], "iface"));
	assert_false(lab_opts_seen(&d.groups[1], "prio"));
}

static jmp_buf bad_jmp;
static char bad_seen[64];
static bool bad_missing;

static void bad_flag(const char *flag, bool missing)
{
	snprintf(bad_seen, sizeof(bad_seen), "%s", flag);
	bad_missing = missing;
	longjmp(bad_jmp, 1);
}

static void no_help(FILE *f, void *arg) { (void)f; (void)arg; }

/* words besides the flags: moved after them, their index returned; bad flags said by the caller */
static void test_parse_args(void **state)
{
	(void)state;
	static const struct lab_opt o[] = {
		{.name = "batch", .kind = LAB_OPT_UINT, O(batch), .arg = "N", .min = 1, .max = 256},
		{.name = "flag", .kind = LAB_OPT_SET, O(flag), .value = 1},
		{0},
	};
	struct lab_opt_group g = {"Own:", o, &own, 0};
	char *argv[] = {"lab-test", "DIR", "--batch", "8", "FILE", "--flag", NULL};
	char *unknown[] = {"lab-test", "--nope", NULL}, *missing[] = {"lab-test", "x", "--batch", NULL};
	memset(&own, 0, sizeof(own));
	int first = lab_opts_parse_args(6, argv, &g, 1, no_help, NULL, NULL);
	assert_int_equal(first, 4);
	assert_string_equal(argv[4], "DIR");
	assert_string_equal(argv[5], "FILE");
	assert_int_equal(own.batch, 8);
	assert_true(own.flag);
	if (!setjmp(bad_jmp))
		lab_opts_parse_args(2, unknown, &g, 1, no_help, NULL, bad_flag);
	assert_string_equal(bad_seen, "--nope");
	assert_false(bad_missing);
	if (!setjmp(bad_jmp))
		lab_opts_parse_args(3, missing, &g, 1, no_help, NULL, bad_flag);
	assert_string_equal(bad_seen, "--batch");
	assert_true(bad_missing);
}

/* zero_unset: 0 in the field reads as the unset text, any other value as itself */
static void test_zero_unset(void **state)
{
	(void)state;
	static const struct lab_opt z[] = {
		{.name = "window", .kind = LAB_OPT_UINT, O(batch), .arg = "N", .zero_unset = true,
		 .unset = "from the rate", .help = "w"},
		{.name = "every", .kind = LAB_OPT_DBL, O(every_s), .arg = "S", .zero_unset = true,
		 .unset = "off", .help = "e"},
		{0},
	};
	struct lab_opt_group g = {"Z:", z, &own, 0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	memset(&own, 0, sizeof(own));
	lab_opts_print(f, &g);
	own.batch = 5;
	own.every_s = 0.5;
	lab_opts_print(f, &g);
	fclose(f);
	assert_non_null(strstr(buf, "w (default: from the rate)\n"));
	assert_non_null(strstr(buf, "e (default: off)\n"));
	assert_non_null(strstr(buf, "w (default 5)\n"));
	assert_non_null(strstr(buf, "e (default 0.5)\n"));
	free(buf);
}

static char *help_text(struct lab_dut *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	lab_dut_help(f, d);
	fclose(f);
	return buf;
}

static void test_help(void **state)
{
	(void)state;
	struct lab_dut d;
	init(&d);
	d.cfg.stats_interval_s = 1; /* a program's own default shows as such */
	char *h = help_text(&d);
	assert_non_null(strstr(h, "usage: lab-test [flags]\n"));
	assert_non_null(strstr(h, "\n  --iface IF            "));
	assert_non_null(strstr(h, "(default " LAB_DUT_IF ")"));
	assert_non_null(strstr(h, "(default " LAB_PORT_DUT_STR ")"));
	assert_non_null(strstr(h, "(default: the last one)"));
	assert_non_null(strstr(h, "(default 1)\n")); /* --stats-interval */
	assert_non_null(strstr(h, "how often (default 1.5)"));
	assert_non_null(strstr(h, "\n  -v, --verbose         debug lines\n"));
	assert_non_null(strstr(h, "Flags of lab-test:\n"));
	assert_non_null(strstr(h, "per call (1-256, default 32)"));
	assert_non_null(strstr(h, "priority (default: none)"));
	assert_non_null(strstr(h, "--mode one|two-words|three"));
	assert_non_null(strstr(h, "how (default one)"));
	assert_non_null(strstr(h, "\n  --json PATH           the same as --stats-json\n"));
	assert_non_null(strstr(h, "within 123 ms"));
	for (char *l = h; *l; l = strchr(l, '\n') + 1) /* nothing wider than the hand-written help */
		assert_true(strcspn(l, "\n") <= 96);
	free(h);
}

static void test_lines(void **state)
{
	(void)state;
	struct lab_dut d;
	struct lab_dut_sample prev = {0};
	char line[512];
	init(&d);
	memset(&fake, 0, sizeof(fake));
	fake.c = (struct lab_dut_counts){.received = 300, .reflected = 290, .not_lab = 6, .malformed = 4,
					 .tx_errors = 0, .already_reflected = 2};
	lab_dut_add_drop(&fake, "udp_rcvbuf_errors", 5);
	lab_dut_add_drop(&fake, "socket_rxq_ovfl", 1);
	prev.c.received = 100;
	prev.c.reflected = 90;
	lab_dut_format_line(&d, &fake, &prev, 2.0, line, sizeof(line));
	assert_string_equal(line, "lab-test: interval 2.00 s: received 300 (100 pps) reflected 290 (100 pps)"
			    " not_lab 6 malformed 4 tx_errors 0 | drops udp_rcvbuf_errors 5 socket_rxq_ovfl 1"
			    " | own interval\n");
	lab_dut_format_line(&d, &fake, NULL, 3.0, line, sizeof(line));
	assert_string_equal(line, "lab-test: totals: mode blocking duration 3.000 s received 300 reflected 290"
			    " not_lab 6 malformed 4 tx_errors 0 | drops udp_rcvbuf_errors 5 socket_rxq_ovfl 1"
			    " | own totals\n");
}

static void test_json(void **state)
{
	(void)state;
	struct lab_dut d;
	char path[] = "/tmp/lab-test-dut-XXXXXX", buf[2048] = {0};
	int fd = mkstemp(path);
	close(fd);
	init(&d);
	memset(&fake, 0, sizeof(fake));
	fake.c.received = 3;
	fake.c.already_reflected = 1;
	fake.c.not_lab = 1;
	lab_dut_add_drop(&fake, "udp_rcvbuf_errors", 0);
	lab_dut_add_drop(&fake, "socket_rxq_ovfl", 0);
	d.cfg.stats_json = path;
	assert_int_equal(lab_dut_start(&d), 0);
	assert_false(lab_dut_tick(&d, d.start_ns));
	assert_int_equal(finish_to_stderr(&d, LAB_EXIT_OK), LAB_EXIT_OK);
	FILE *f = fopen(path, "r");
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	unlink(path);
	const char *keys[] = {"\"path\": \"kernel\"", "\"mode\": \"blocking\"", ("\"iface\": \"" LAB_DUT_IF "\""),
			      ("\"port\": " LAB_PORT_DUT_STR), "\"cpu\": -1", "\"duration_s\": ", "\"received\": 3",
			      "\"reflected\": 0", "\"not_lab\": 1", "\"malformed\": 0", "\"tx_errors\": 0",
			      "\"not_lab_by\": {\n    \"already_reflected\": 1\n  }",
			      "\"drops\": {\n    \"udp_rcvbuf_errors\": 0,\n    \"socket_rxq_ovfl\": 0\n  }",
			      "\"own_key\": 7"};
	const char *at = buf;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) { /* present, in this order */
		const char *k = strstr(at, keys[i]);
		assert_non_null(k);
		at = k;
	}
}

static void test_deadline(void **state)
{
	(void)state;
	struct lab_dut d;
	init(&d);
	memset(&fake, 0, sizeof(fake));
	assert_false(lab_dut_tick(&d, 1)); /* not started: nothing is due */
	d.cfg.duration_s = 0.5;
	assert_int_equal(lab_dut_start(&d), 0);
	assert_false(lab_dut_tick(&d, d.start_ns + 499999999));
	assert_true(lab_dut_tick(&d, d.start_ns + 500000000));
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* SIGUSR1 writes the counters so far and the program runs on; the interval lines' reference
 * is not moved by it; the final write counts on. */
static void test_snapshot(void **state)
{
	(void)state;
	struct lab_dut d;
	char path[] = "/tmp/lab-test-dut-XXXXXX", buf[2048];
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	init(&d);
	memset(&fake, 0, sizeof(fake));
	lab_dut_add_drop(&fake, "udp_rcvbuf_errors", 0);
	lab_dut_add_drop(&fake, "socket_rxq_ovfl", 0);
	d.cfg.stats_json = path;
	assert_int_equal(lab_dut_start(&d), 0);
	fake.c.received = 11;
	fake.drops[1].value = 4;
	assert_false(lab_dut_tick(&d, d.start_ns + 1));
	assert_int_equal(access(path, F_OK), -1); /* nothing asked: nothing written */
	raise(SIGUSR1);
	assert_false(lab_dut_tick(&d, d.start_ns + 2)); /* still running */
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"snapshot\": 1"));
	assert_non_null(strstr(buf, "\"received\": 11"));
	assert_non_null(strstr(buf, "\"socket_rxq_ovfl\": 4"));
	assert_int_equal(d.last.c.received, 0); /* the interval reference is as at start */
	fake.c.received = 20;
	raise(SIGUSR1);
	assert_false(lab_dut_tick(&d, d.start_ns + 3));
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"snapshot\": 2"));
	assert_non_null(strstr(buf, "\"received\": 20"));
	assert_int_equal(finish_to_stderr(&d, LAB_EXIT_OK), LAB_EXIT_OK);
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"snapshot\": 3"));
	unlink(path);
}

static void test_drops_registered(void **state)
{
	(void)state;
	struct lab_dut_sample s = {0};
	char err[256];
	lab_dut_add_drop(&s, "udp_rcvbuf_errors", 0);
	assert_int_equal(lab_dut_drops_registered("kernel", "reflect", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "socket_rxq_ovfl"));
	lab_dut_add_drop(&s, "socket_rxq_ovfl", 0);
	assert_int_equal(lab_dut_drops_registered("kernel", "reflect", &s, err, sizeof(err)), 0);
	/* the same path in the forward topology has its own line (the relay's ttl_expired) */
	assert_int_equal(lab_dut_drops_registered("kernel", "forward", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ttl_expired"));
	assert_int_equal(lab_dut_drops_registered("xdptx", "forward", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "forward topology"));
	lab_dut_add_drop(&s, "xsk_rx_dropped", 0);
	assert_int_equal(lab_dut_drops_registered("kernel", "reflect", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "xsk_rx_dropped"));
	assert_int_equal(lab_dut_drops_registered("nosuch", "reflect", &s, err, sizeof(err)), -1);
}

static void test_exit_for_errno(void **state)
{
	(void)state;
	assert_int_equal(lab_exit_for_errno(0), LAB_EXIT_OK);
	assert_int_equal(lab_exit_for_errno(-ENODEV), LAB_EXIT_USAGE);
	assert_int_equal(lab_exit_for_errno(EBUSY), LAB_EXIT_USAGE);
	assert_int_equal(lab_exit_for_errno(-EADDRINUSE), LAB_EXIT_USAGE);
	assert_int_equal(lab_exit_for_errno(-ENOMEM), LAB_EXIT_RUNTIME);
	assert_int_equal(lab_exit_for_errno(-EIO), LAB_EXIT_RUNTIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_parse_args),
		cmocka_unit_test(test_zero_unset),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_drops_registered),
		cmocka_unit_test(test_exit_for_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
