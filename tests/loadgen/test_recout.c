/* test_recout.c — records written by lab-gen's writer read back by lab_rec_open: header fields,
 * counts, every record; a run cut short still gives a complete, valid file. And the histogram
 * behind the percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "gen.h"
#include "hist.h"
#include "lab_constants.h"
#include "rec.h"
#include "run.h"

static char dir[] = "/tmp/lab-test-recout-XXXXXX";
static char path[256];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/gen.rec", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void reflect(struct gen_run *g, uint64_t i, uint64_t recv_ns)
{
	uint8_t b[64] = {0};
	struct lab_hdr *h = (struct lab_hdr *)b;
	struct lab_stamp *st = (struct lab_stamp *)(b + LAB_HDR_LEN);
	h->magic = htons(LAB_MAGIC);
	h->version = LAB_VERSION;
	h->flags = LAB_F_REFLECTED | LAB_F_STAMP | LAB_F_STAMPED;
	h->seq = htonl((uint32_t)i);
	h->sent_ns = htobe64(g->wire[i]);
	st->dut_rx_ns = htobe64(recv_ns - 300);
	st->dut_tx_ns = htobe64(recv_ns - 200);
	gen_track_rx(&g->track, b, sizeof(b), recv_ns, NULL);
}

static void run_and_write(uint64_t count, uint64_t handed_out)
{
	struct gen_run g;
	memset(&g, 0, sizeof(g));
	g.cfg.iface = LAB_GEN_IF;
	g.cfg.dst_text = LAB_DUT_V6;
	g.cfg.path = "xsk";
	g.cfg.flow.family = AF_INET6;
	g.cfg.frame_size = 98;
	g.cfg.stamp = true;
	g.cfg.cpu = 1;
	g.cfg.tail_ns = 200000000;
	g.cfg.count = count;
	g.cfg.duration_ns = count * 10000;
	g.cfg.sched = (struct gen_sched_cfg){.pattern = GEN_PAT_POISSON, .rate_pps = 100000,
					     .seed = 77};
	snprintf(g.mode, sizeof(g.mode), "af_xdp copy busy-poll");
	assert_int_equal(gen_run_alloc(&g), 0);
	g.start_ns = 1000000;
	g.rt_off_ns = -42;

	struct lab_rec_hdr h;
	gen_rec_hdr_fill(&g, &h);
	int fd = lab_rec_create(path, &h);
	assert_true(fd >= 0);
	for (uint64_t i = 0; i < handed_out; i++) {
		if (i % 11 == 10)
			gen_track_send_failed(&g.track, g.start_ns + i * 10000);
		else
			gen_track_sent(&g.track, g.start_ns + i * 10000, g.start_ns + i * 10000 + 50);
	}
	for (uint64_t i = 0; i < handed_out; i++)
		if (i % 5 != 0)
			reflect(&g, i, g.start_ns + i * 10000 + 20000);
	g.end_ns = g.start_ns + count * 10000 + 200000000;
	assert_int_equal(gen_rec_write(&g, fd), 0);
	close(fd);

	struct lab_rec_file f;
	char err[256];
	assert_int_equal(lab_rec_open(path, &f, err, sizeof(err)), 0);
	assert_true(f.complete);
	assert_int_equal(f.count, handed_out);
	assert_string_equal(f.hdr.path, "xsk");
	assert_string_equal(f.hdr.backend, "af_xdp copy busy-poll");
	assert_string_equal(f.hdr.pattern, "poisson");
	assert_string_equal(f.hdr.iface, LAB_GEN_IF);
	assert_string_equal(f.hdr.dst, LAB_DUT_V6);
	assert_int_equal(f.hdr.family, 6);
	assert_int_equal(f.hdr.seed, 77);
	assert_int_equal(f.hdr.rate_pps, 100000);
	assert_int_equal(f.hdr.frame_size, 98);
	assert_int_equal(f.hdr.cpu, 1);
	assert_int_equal(f.hdr.start_ns, 1000000);
	assert_int_equal(f.hdr.realtime_off_ns, -42);
	assert_true(f.hdr.flags & LAB_RECF_STAMP);
	assert_int_equal(f.hdr.sent, g.track.sent);
	assert_int_equal(f.hdr.received, g.track.received);
	assert_int_equal(f.hdr.lost, g.track.sent - g.track.received);
	assert_int_equal(f.hdr.send_failed, g.track.send_failed);
	assert_int_equal(f.hdr.end_ns, g.end_ns);
	uint64_t recv = 0, failed = 0;
	for (uint64_t i = 0; i < f.count; i++) {
		const struct lab_rec *r = &f.recs[i];
		assert_int_equal(r->seq, (uint32_t)i);
		assert_int_equal(r->intended_ns, 1000000 + i * 10000);
		if (i % 11 == 10) {
			assert_int_equal(r->flags, LAB_REC_SEND_FAIL);
			failed++;
			continue;
		}
		assert_int_equal(r->sent_ns, 1000000 + i * 10000 + 50);
		if (i % 5 != 0) {
			assert_int_equal(r->flags, LAB_REC_SENT | LAB_REC_RECEIVED | LAB_REC_STAMPED);
			assert_int_equal(r->recv_ns, 1000000 + i * 10000 + 20000);
			assert_int_equal(r->dut_tx_ns - r->dut_rx_ns, 100);
			recv++;
		} else {
			assert_int_equal(r->flags, LAB_REC_SENT);
			assert_int_equal(r->recv_ns, 0);
		}
	}
	assert_int_equal(recv, f.hdr.received);
	assert_int_equal(failed, f.hdr.send_failed);
	lab_rec_close(&f);
}

static void test_full_run(void **state)
{
	(void)state;
	run_and_write(1000, 1000);
}

static void test_cut_short(void **state)
{
	(void)state;
	/* SIGINT after 123 of 1000: the file holds the 123 handed out, complete */
	run_and_write(1000, 123);
}

static void test_hist(void **state)
{
	(void)state;
	static struct gen_hist h;
	gen_hist_reset(&h);
	assert_int_equal(gen_hist_quantile(&h, 0.99), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		gen_hist_add(&h, v);
	uint64_t p50 = gen_hist_quantile(&h, 0.5), p99 = gen_hist_quantile(&h, 0.99);
	/* within the 1/64 bucket width */
	assert_true(p50 > 50000 * 0.984 && p50 < 50000 * 1.016);
	assert_true(p99 > 99000 * 0.984 && p99 < 99000 * 1.016);
	assert_int_equal(h.max, 100000);
	assert_int_equal(h.min, 1);
	assert_int_equal(gen_hist_quantile(&h, 1.0), 100000);
	gen_hist_reset(&h);
	gen_hist_add(&h, 37); /* small values are exact */
	assert_int_equal(gen_hist_quantile(&h, 0.5), 37);
	gen_hist_add(&h, UINT64_MAX / 2);
	assert_int_equal(gen_hist_quantile(&h, 1.0), UINT64_MAX / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_run),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_hist),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
