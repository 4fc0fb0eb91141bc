/* test_attrib.c — tail attribution on synthetic records and events whose answer is known by
 * construction: overlaps at the legs' edges, an IRQ nested in a task's window, gaps without
 * events (the hypervisor), a core's occupant and the idle task left out, a packet queued behind
 * a stall, too little charged time (unattributed), no events at all, and the event file reader
 * on corrupt input. Times in µs below; the generator is on cpu 0, the DUT on cpu 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "attrib.h"
#include "evtfile.h"
#include "events.h"

#define US 1000ull
#define GEN 0
#define DUT 1

/* A stamped packet: intended, sent, dut rx, dut tx, received (µs). */
static struct lab_rec pkt(uint32_t seq, uint64_t in, uint64_t sent, uint64_t rx, uint64_t tx, uint64_t recv)
{
	struct lab_rec r = {in * US, sent * US, rx * US, tx * US, recv * US, seq,
			    LAB_REC_SENT | LAB_REC_RECEIVED | LAB_REC_STAMPED, 0};
	return r;
}

static struct lab_evt evt(int kind, int cpu, uint64_t s, uint64_t e, uint32_t id, const char *name)
{
	struct lab_evt v;
	memset(&v, 0, sizeof(v));
	v.start_ns = s * US, v.end_ns = e * US, v.cpu = (uint32_t)cpu, v.kind = (uint16_t)kind, v.id = id;
	strncpy(v.name, name, sizeof(v.name));
	return v;
}

static const struct lab_cause *find(const struct lab_tail *t, int core, enum lab_cause_kind k, const char *name)
{
	for (size_t i = 0; i < t->ncauses; i++)
		if (t->causes[i].core == core && t->causes[i].kind == k && !strcmp(t->causes[i].name, name))
			return &t->causes[i];
	return NULL;
}

static struct lab_attrib_opts opts(void)
{
	struct lab_attrib_opts o = {.threshold_ns = 20 * US, .min_cover = 0.5, .gen_cpu = GEN, .dut_cpu = DUT};
	return o;
}

/* The occupants: a long task on each core (the generator, the poller), never a cause. */
static size_t occupants(struct lab_evt *e)
{
	e[0] = evt(LAB_EVT_TASK, GEN, 0, 100000, 100, "lab-gen");
	e[1] = evt(LAB_EVT_TASK, DUT, 0, 100000, 200, "lab-dpdk");
	return 2;
}

static void test_leg_edges(void **state)
{
	(void)state;
	/* one slow packet: 1000 -> sent 1001 -> rx 1005 -> tx 1006 -> recv 1100 (rtt 100) */
	struct lab_rec r[2] = {pkt(0, 900, 901, 903, 904, 906), pkt(1, 1000, 1001, 1005, 1006, 1100)};
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_IRQ, GEN, 990, 1000, 5, "before");   /* ends at intended: no overlap */
	e[n++] = evt(LAB_EVT_IRQ, GEN, 1100, 1110, 6, "after");   /* starts at recv: no overlap */
	e[n++] = evt(LAB_EVT_IRQ, GEN, 1005, 1006, 7, "insidedut"); /* gen core, in the DUT leg: yes */
	e[n++] = evt(LAB_EVT_SOFTIRQ, DUT, 1040, 1100, 3, "NET_RX"); /* DUT core: 60 µs */
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 2, 6 * US, e, n, &o, &t, err, sizeof(err)), 0);
	assert_int_equal(t.slow, 1);
	assert_int_equal(t.attributed, 1);
	const struct lab_cause *c = find(&t, DUT, LAB_CAUSE_SOFTIRQ, "NET_RX");
	assert_non_null(c);
	assert_int_equal(c->packets, 1);
	assert_int_equal(c->charged_ns, 60 * US);
	for (const char *nm = "before"; nm; nm = !strcmp(nm, "before") ? "after" : NULL) {
		c = find(&t, GEN, LAB_CAUSE_IRQ, nm);
		assert_non_null(c); /* seen on the core ... */
		assert_int_equal(c->charged_ns, 0); /* ... but never charged */
	}
	/* the generator's core is charged over the whole RTT: the kernel path stamps its receive in
	 * the sender's softirq, so the "inside the DUT" leg runs partly there */
	assert_int_equal(find(&t, GEN, LAB_CAUSE_IRQ, "insidedut")->charged_ns, 1 * US);
	assert_null(find(&t, GEN, LAB_CAUSE_TASK, "lab-gen")); /* the occupant is no cause */
	lab_tail_free(&t);
}

static void test_irq_nested_in_task(void **state)
{
	(void)state;
	/* DUT core: another task 100..300 with an IRQ 150..250 inside it; the packet's DUT window
	 * is sent 120 .. recv 280: task 30 + 30, IRQ 100: the IRQ is the top cause */
	struct lab_rec r[1] = {pkt(0, 119, 120, 270, 271, 280)};
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_TASK, DUT, 100, 300, 4242, "kworker/1:1");
	e[n++] = evt(LAB_EVT_IRQ, DUT, 150, 250, 24, "virtio0-input");
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 1, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	const struct lab_cause *irq = find(&t, DUT, LAB_CAUSE_IRQ, "virtio0-input");
	const struct lab_cause *task = find(&t, DUT, LAB_CAUSE_TASK, "kworker/1:1");
	assert_non_null(irq);
	assert_non_null(task);
	assert_int_equal(irq->charged_ns, 100 * US);
	assert_int_equal(task->charged_ns, 60 * US);
	assert_int_equal(irq->packets, 1);
	assert_int_equal(task->packets, 0);
	assert_int_equal(irq->total_ns, 100 * US);  /* exclusive time over the trace */
	assert_int_equal(task->total_ns, 100 * US); /* 200 minus the IRQ's 100 */
	assert_string_equal(t.causes[0].name, "virtio0-input");
	lab_tail_free(&t);
}

static void test_gaps_to_hypervisor(void **state)
{
	(void)state;
	/* a DUT poller gap 2000..2100 with a softirq 2020..2030 inside: 90 µs no guest event explains;
	 * a gap fully inside a traced IRQ: nothing for the hypervisor */
	struct lab_rec r[1] = {pkt(0, 1999, 2000, 2101, 2102, 2110)};
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_GAP, DUT, 2000, 2100, 200, "lab-dpdk");
	e[n++] = evt(LAB_EVT_SOFTIRQ, DUT, 2020, 2030, 1, "TIMER");
	e[n++] = evt(LAB_EVT_IRQ, DUT, 3000, 3050, 9, "covered");
	e[n++] = evt(LAB_EVT_GAP, DUT, 3010, 3040, 200, "lab-dpdk");
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 1, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	const struct lab_cause *hv = find(&t, DUT, LAB_CAUSE_HYPERVISOR, "unexplained gap");
	assert_non_null(hv);
	assert_int_equal(hv->total_ns, 90 * US); /* 100 - 10; the second gap adds nothing */
	assert_int_equal(hv->charged_ns, 90 * US);
	assert_int_equal(hv->packets, 1);
	assert_int_equal(t.attributed, 1);
	/* noise on the DUT core from the gap log: two gaps, both over 10 µs, max 100 µs */
	int k = t.noise[0].core == DUT ? 0 : 1;
	assert_true(t.noise[k].have_gaps);
	assert_int_equal(t.noise[k].gaps_10us, 2);
	assert_int_equal(t.noise[k].max_gap_ns, 100 * US);
	lab_tail_free(&t);
}

static void test_queued_behind_a_stall(void **state)
{
	(void)state;
	/* the generator's core is taken 1000..1200 by another task; packets every 20 µs. Those
	 * intended during the stall go out at 1200 (late); the one intended at 1220 waits behind
	 * them and is still slow, though its own window starts after the stall ended */
	struct lab_rec r[16];
	size_t np = 0;
	for (uint64_t in = 900; in < 1000; in += 20)
		r[np] = pkt((uint32_t)np, in, in, in + 2, in + 3, in + 5), np++;
	for (uint64_t in = 1000; in < 1200; in += 20)
		r[np] = pkt((uint32_t)np, in, 1200 + (in - 1000) / 20, 1230, 1231, 1240 + np), np++;
	r[np] = pkt((uint32_t)np, 1220, 1221, 1250, 1251, 1262), np++;
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_TASK, GEN, 1000, 1200, 777, "stress-ng");
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, np, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	assert_int_equal(t.slow, 11); /* the 10 of the stall and the one behind them */
	assert_int_equal(t.attributed, 11);
	const struct lab_cause *c = find(&t, GEN, LAB_CAUSE_TASK, "stress-ng");
	assert_non_null(c);
	assert_int_equal(c->packets, 11);
	for (uint64_t i = 0; i < t.slow; i++) { /* per packet: the stall, charged 200 µs each */
		const struct lab_cause *top = lab_slow_top(&t, &t.slow_list[i]);
		assert_non_null(top);
		assert_string_equal(top->name, "stress-ng");
		assert_int_equal(t.slow_list[i].top_ns, 200 * US);
		assert_true(t.slow_list[i].attributed);
	}
	assert_int_equal(t.slow_list[10].seq, 15); /* the one queued behind */
	lab_tail_free(&t);
}

static void test_unattributed_and_no_events(void **state)
{
	(void)state;
	/* rtt 200 µs, excess over p50 195; only a 2 µs softirq overlaps: under half: unattributed */
	struct lab_rec r[1] = {pkt(0, 5000, 5001, 5100, 5101, 5200)};
	struct lab_evt e[4];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_SOFTIRQ, GEN, 5010, 5012, 3, "NET_RX");
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 1, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	assert_int_equal(t.slow, 1);
	assert_int_equal(t.attributed, 0);
	assert_int_equal(find(&t, GEN, LAB_CAUSE_SOFTIRQ, "NET_RX")->charged_ns, 2 * US);
	assert_int_equal(find(&t, GEN, LAB_CAUSE_SOFTIRQ, "NET_RX")->packets, 0);
	lab_tail_free(&t);
	/* no events at all: the slow packet is counted, nothing named */
	assert_int_equal(lab_attribute(r, 1, 5 * US, NULL, 0, &o, &t, err, sizeof(err)), 0);
	assert_int_equal(t.slow, 1);
	assert_int_equal(t.attributed, 0);
	assert_int_equal(t.ncauses, 0);
	/* default threshold: p50 + 10 µs */
	o.threshold_ns = 0;
	lab_tail_free(&t);
	assert_int_equal(lab_attribute(r, 1, 195 * US, NULL, 0, &o, &t, err, sizeof(err)), 0);
	assert_int_equal(t.threshold_ns, 205 * US);
	assert_int_equal(t.slow, 0);
	lab_tail_free(&t);
}

static void test_idle_and_lab_tasks(void **state)
{
	(void)state;
	struct lab_rec r[1] = {pkt(0, 100, 101, 150, 151, 200)};
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n] = evt(LAB_EVT_TASK, DUT, 110, 140, 0, "swapper/1");
	e[n++].flags = LAB_EVT_F_IDLE;
	e[n] = evt(LAB_EVT_TASK, DUT, 150, 190, 300, "lab-analyze");
	e[n++].flags = LAB_EVT_F_LAB;
	struct lab_attrib_opts o = opts();
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 1, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	assert_null(find(&t, DUT, LAB_CAUSE_TASK, "swapper/1"));
	const struct lab_cause *c = find(&t, DUT, LAB_CAUSE_LAB, "lab-analyze");
	assert_non_null(c);
	assert_int_equal(c->charged_ns, 40 * US);
	assert_int_equal(c->packets, 0); /* 40 of an excess of 95: under half */
	lab_tail_free(&t);
}

static void test_strips(void **state)
{
	(void)state;
	/* bins of an awkward width (the span is not a multiple of the bin count: the integer bin
	 * ends round); an IRQ 10..30 µs after t0 and a task 100..160 µs on the DUT core: the
	 * strips hold exactly 20 µs of IRQ and 60 of task, wherever the bin edges fall */
	struct lab_rec r[1] = {pkt(0, 0, 1, 2, 3, 5)};
	struct lab_evt e[8];
	size_t n = occupants(e);
	e[n++] = evt(LAB_EVT_IRQ, DUT, 10, 30, 11, "eth");
	e[n++] = evt(LAB_EVT_TASK, DUT, 100, 160, 55, "kworker");
	struct lab_attrib_opts o = opts();
	o.bin_t0_ns = 0;
	o.bin_span_ns = 7 * US + 3 + 200 * US; /* 207003 ns over 120 bins */
	struct lab_tail t;
	char err[200];
	assert_int_equal(lab_attribute(r, 1, 5 * US, e, n, &o, &t, err, sizeof(err)), 0);
	int k = t.strip_core[0] == DUT ? 0 : 1;
	uint64_t irq = 0, task = 0;
	for (int b = 0; b < LAB_STRIP_BINS; b++)
		irq += t.strip[k][b][LAB_CAUSE_IRQ], task += t.strip[k][b][LAB_CAUSE_TASK];
	assert_int_equal(irq, 20 * US);
	assert_int_equal(task, 60 * US);
	lab_tail_free(&t);
}

static void test_event_file_reader(void **state)
{
	(void)state;
	char path[] = "/tmp/lab-test-evt-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct lab_evt_writer w;
	struct lab_evt e[2] = {evt(LAB_EVT_IRQ, 1, 10, 20, 5, "x"), evt(LAB_EVT_GAP, 1, 30, 40, 9, "g")};
	assert_int_equal(lab_evt_open(&w, path, LAB_EVTS_IRQ | LAB_EVTS_GAPS, 2, 1000, 5 * US), 0);
	assert_int_equal(lab_evt_write(&w, e, 2), 0);
	assert_int_equal(lab_evt_close(&w, 50 * US, 3), 0);
	struct lab_events ev = {0};
	char err[300];
	assert_int_equal(lab_events_load(path, &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.n, 2);
	assert_int_equal(ev.lost, 3);
	assert_false(ev.incomplete);
	assert_int_equal(ev.ev[1].end_ns, 40 * US);
	assert_int_equal(ev.start_ns, 5 * US); /* the span the header says */
	assert_int_equal(ev.end_ns, 50 * US);
	lab_events_free(&ev);
	/* a partial last record: read, marked incomplete */
	FILE *f = fopen(path, "ab");
	fwrite("abc", 1, 3, f);
	fclose(f);
	assert_int_equal(lab_events_load(path, &ev, err, sizeof(err)), 0);
	assert_true(ev.incomplete);
	assert_int_equal(ev.n, 2);
	lab_events_free(&ev);
	/* a corrupt record: refused with one line naming the file */
	f = fopen(path, "r+b");
	fseek(f, 64 + 48 + 20, SEEK_SET); /* kind of record 1 */
	fputc(99, f);
	fclose(f);
	assert_int_equal(lab_events_load(path, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "corrupt"));
	assert_null(strchr(err, '\n'));
	lab_events_free(&ev);
	/* not an event file; a missing one */
	f = fopen(path, "wb");
	fputs("hello, not events at all, but long enough to hold a header of 64 bytes.......", f);
	fclose(f);
	assert_int_equal(lab_events_load(path, &ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a lab event file"));
	unlink(path);
	assert_int_equal(lab_events_load(path, &ev, err, sizeof(err)), 1);
	lab_events_free(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leg_edges),
		cmocka_unit_test(test_irq_nested_in_task),
		cmocka_unit_test(test_gaps_to_hypervisor),
		cmocka_unit_test(test_queued_behind_a_stall),
		cmocka_unit_test(test_unattributed_and_no_events),
		cmocka_unit_test(test_idle_and_lab_tasks),
		cmocka_unit_test(test_strips),
		cmocka_unit_test(test_event_file_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
