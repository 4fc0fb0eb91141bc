/* test_track.c — matching reflections: loss, reordering, duplicates, malformed and foreign
 * payloads, the 32-bit wrap of the sequence number, TX times and in-flight counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lab_wire.h"
#include "track.h"

#define CAP 64

static struct lab_rec recs[CAP];
static uint64_t wire[CAP];

/* The payload a reflector sends back for packet (seq, sent_ns). */
static size_t payload(uint8_t *buf, uint32_t seq, uint64_t sent_ns, uint8_t flags)
{
	struct lab_hdr *h = (struct lab_hdr *)buf;
	memset(buf, 0, 64);
	h->magic = htons(LAB_MAGIC);
	h->version = LAB_VERSION;
	h->flags = flags;
	h->seq = htonl(seq);
	h->sent_ns = htobe64(sent_ns);
	return 64;
}

static enum gen_rx_class rx(struct gen_track *t, uint32_t seq, uint64_t sent_ns, uint64_t now)
{
	uint8_t b[64];
	size_t n = payload(b, seq, sent_ns, LAB_F_REFLECTED);
	return gen_track_rx(t, b, n, now, NULL);
}

static void send_n(struct gen_track *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t k = t->next;
		gen_track_sent(t, 1000 * k, 1000 * k + 7);
	}
}

static void test_in_order_and_loss(void **state)
{
	(void)state;
	struct gen_track t;
	gen_track_init(&t, recs, wire, CAP, 0);
	send_n(&t, 10);
	for (uint32_t s = 0; s < 10; s++)
		if (s != 3 && s != 7)
			assert_int_equal(rx(&t, s, 1000 * s + 7, 5000 + s), GEN_RX_OK);
	assert_int_equal(t.sent, 10);
	assert_int_equal(t.received, 8);
	assert_int_equal(gen_track_lost(&t), 2);
	assert_int_equal(t.reordered, 0);
	assert_false(recs[3].flags & LAB_REC_RECEIVED);
	assert_true(recs[4].flags & LAB_REC_RECEIVED);
	assert_int_equal(recs[4].recv_ns, 5004);
	assert_int_equal(recs[4].intended_ns, 4000);
	assert_int_equal(recs[4].seq, 4);
}

static void test_reorder_and_dup(void **state)
{
	(void)state;
	struct gen_track t;
	gen_track_init(&t, recs, wire, CAP, 0);
	send_n(&t, 5);
	assert_int_equal(rx(&t, 0, 7, 1), GEN_RX_OK);
	assert_int_equal(rx(&t, 2, 2007, 2), GEN_RX_OK);
	assert_int_equal(rx(&t, 1, 1007, 3), GEN_RX_REORDERED);
	assert_int_equal(rx(&t, 2, 2007, 4), GEN_RX_DUP);
	assert_int_equal(rx(&t, 2, 2007, 5), GEN_RX_DUP);
	assert_int_equal(rx(&t, 4, 4007, 6), GEN_RX_OK);
	assert_int_equal(rx(&t, 3, 3007, 7), GEN_RX_REORDERED);
	assert_int_equal(t.received, 5);
	assert_int_equal(t.reordered, 2);
	assert_int_equal(t.duplicated, 2);
	assert_int_equal(recs[2].dups, 2);
	assert_int_equal(recs[2].recv_ns, 2); /* the first copy's time */
	assert_true(recs[1].flags & LAB_REC_REORDERED);
	assert_false(recs[2].flags & LAB_REC_REORDERED);
	assert_int_equal(gen_track_lost(&t), 0);
}

static void test_malformed_and_foreign(void **state)
{
	(void)state;
	struct gen_track t;
	uint8_t b[64];
	gen_track_init(&t, recs, wire, CAP, 0);
	send_n(&t, 4);
	payload(b, 1, 1007, LAB_F_REFLECTED);
	b[0] ^= 0xff; /* magic */
	assert_int_equal(gen_track_rx(&t, b, 64, 1, NULL), GEN_RX_MALFORMED);
	payload(b, 1, 1007, 0); /* not reflected: our own packet looped back, or someone's */
	assert_int_equal(gen_track_rx(&t, b, 64, 1, NULL), GEN_RX_MALFORMED);
	payload(b, 1, 1007, LAB_F_REFLECTED);
	assert_int_equal(gen_track_rx(&t, b, 10, 1, NULL), GEN_RX_MALFORMED); /* truncated */
	payload(b, 1, 1007, LAB_F_REFLECTED | LAB_F_STAMP);
	assert_int_equal(gen_track_rx(&t, b, 30, 1, NULL), GEN_RX_MALFORMED); /* no stamp room */
	assert_int_equal(t.malformed, 4);
	assert_int_equal(rx(&t, 9, 9007, 1), GEN_RX_FOREIGN);   /* never sent */
	assert_int_equal(rx(&t, 1, 1008, 1), GEN_RX_FOREIGN);   /* another run's packet 1 */
	assert_int_equal(rx(&t, 0xffffffffu, 7, 1), GEN_RX_FOREIGN);
	assert_int_equal(t.foreign, 3);
	assert_int_equal(t.received, 0);
	/* a packet the backend refused cannot come back */
	gen_track_send_failed(&t, 4000);
	assert_int_equal(rx(&t, 4, 0, 1), GEN_RX_FOREIGN);
	assert_int_equal(t.send_failed, 1);
	assert_int_equal(recs[4].flags, LAB_REC_SEND_FAIL);
	assert_int_equal(t.sent, 4);
}

static void test_wrap(void **state)
{
	(void)state;
	struct gen_track t;
	gen_track_init(&t, recs, wire, CAP, 0xfffffff0u);
	send_n(&t, 40); /* wire sequence numbers 0xfffffff0 .. 0x17 */
	assert_int_equal(gen_track_index(&t, 0xfffffff0u), 0);
	assert_int_equal(gen_track_index(&t, 0xffffffffu), 15);
	assert_int_equal(gen_track_index(&t, 0), 16);
	assert_int_equal(gen_track_index(&t, 0x17), 39);
	assert_int_equal(gen_track_index(&t, 0x18), UINT64_MAX);       /* not yet sent */
	assert_int_equal(gen_track_index(&t, 0xffffffefu), UINT64_MAX); /* before the first */
	assert_int_equal(rx(&t, 0x2, 18 * 1000 + 7, 1), GEN_RX_OK);
	assert_int_equal(rx(&t, 0xfffffffeu, 14 * 1000 + 7, 2), GEN_RX_REORDERED);
	assert_int_equal(rx(&t, 0x2, 18 * 1000 + 7, 3), GEN_RX_DUP);
	assert_true(recs[18].flags & LAB_REC_RECEIVED);
	assert_true(recs[14].flags & LAB_REC_RECEIVED);
	assert_int_equal(recs[18].seq, 18); /* the record file numbers from 0 */
	gen_track_tx_time(&t, 0x1, 123456);
	assert_int_equal(recs[17].sent_ns, 123456);
}

static void test_stamps_and_in_flight(void **state)
{
	(void)state;
	struct gen_track t;
	uint8_t b[64];
	gen_track_init(&t, recs, wire, CAP, 0);
	send_n(&t, 10); /* wire times 7, 1007, ..., 9007 */
	payload(b, 5, 5007, LAB_F_REFLECTED | LAB_F_STAMP | LAB_F_STAMPED);
	struct lab_stamp *st = (struct lab_stamp *)(b + LAB_HDR_LEN);
	st->dut_rx_ns = htobe64(5500);
	st->dut_tx_ns = htobe64(5600);
	assert_int_equal(gen_track_rx(&t, b, 64, 6000, NULL), GEN_RX_OK);
	assert_int_equal(recs[5].dut_rx_ns, 5500);
	assert_int_equal(recs[5].dut_tx_ns, 5600);
	assert_true(recs[5].flags & LAB_REC_STAMPED);
	/* asked but not stamped: no stamp in the record */
	payload(b, 6, 6007, LAB_F_REFLECTED | LAB_F_STAMP);
	assert_int_equal(gen_track_rx(&t, b, 64, 6100, NULL), GEN_RX_OK);
	assert_false(recs[6].flags & LAB_REC_STAMPED);
	/* sent at or after 7007 and not back: 7, 8, 9 */
	assert_int_equal(gen_track_in_flight(&t, 7007), 3);
	assert_int_equal(gen_track_in_flight(&t, 0), 8);
	/* full: further packets are not tracked past the arrays */
	send_n(&t, CAP);
	assert_int_equal(t.next, CAP);
}

/* A peer reflector (dpdk-testpmd 5tswap) swaps the headers but does not mark the reply:
 * refused by default, taken with accept_unmarked; the echoed send time still decides. */
static void test_accept_unmarked(void **state)
{
	(void)state;
	struct gen_track t;
	uint8_t b[64];
	gen_track_init(&t, recs, wire, CAP, 0);
	send_n(&t, 4);
	payload(b, 0, 7, 0);
	assert_int_equal(gen_track_rx(&t, b, 64, 100, NULL), GEN_RX_MALFORMED);
	assert_int_equal(t.received, 0);
	t.accept_unmarked = true;
	payload(b, 0, 7, 0);
	assert_int_equal(gen_track_rx(&t, b, 64, 100, NULL), GEN_RX_OK);
	payload(b, 1, 1007, LAB_F_REFLECTED);
	assert_int_equal(gen_track_rx(&t, b, 64, 1100, NULL), GEN_RX_OK);
	payload(b, 2, 999, 0); /* wrong echoed send time: not ours */
	assert_int_equal(gen_track_rx(&t, b, 64, 2100, NULL), GEN_RX_FOREIGN);
	payload(b, 3, 3007, 0);
	b[0] ^= 0xff; /* bad magic: still malformed */
	assert_int_equal(gen_track_rx(&t, b, 64, 3100, NULL), GEN_RX_MALFORMED);
	assert_int_equal(t.received, 2);
	assert_int_equal(t.malformed, 2);
	assert_int_equal(t.foreign, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_loss),
		cmocka_unit_test(test_reorder_and_dup),
		cmocka_unit_test(test_malformed_and_foreign),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_stamps_and_in_flight),
		cmocka_unit_test(test_accept_unmarked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
