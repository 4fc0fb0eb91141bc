/* worker.c — the run-to-completion poll loop (RX burst -> parse -> reflect and stamp -> TX burst)
 * and the control tick that stops the run and prints deltas. With one lcore the poller calls the
 * tick itself between bursts; with more, the main lcore runs the tick and the workers only poll. */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "fastpath.h"
#include "util.h"

/* Control state: touched only by the thread that runs dp_control_tick. */
static struct {
	uint64_t next_tsc;        /* next time the tick does anything */
	uint64_t tick_tsc;        /* 50 ms: how quickly a signal is noticed */
	uint64_t stats_every_tsc; /* 0: no periodic lines */
	uint64_t next_stats_tsc;
	uint64_t end_tsc;         /* 0: no --duration */
	uint64_t last_ns;
	struct dp_totals last;
	struct dp_port_counters last_pc;
} ctl;

void dp_control_init(void)
{
	uint64_t now = rte_rdtsc();
	double hz = dp.cal.hz;
	ctl.tick_tsc = (uint64_t)(hz * 0.05);
	ctl.next_tsc = now + ctl.tick_tsc;
	ctl.stats_every_tsc = (uint64_t)(hz * dp.cfg.stats_interval_s);
	ctl.next_stats_tsc = now + ctl.stats_every_tsc;
	ctl.end_tsc = dp.cfg.duration_s > 0 ? now + (uint64_t)(hz * dp.cfg.duration_s) : 0;
	ctl.last_ns = lab_now_ns();
	memset(&ctl.last, 0, sizeof(ctl.last));
	memset(&ctl.last_pc, 0, sizeof(ctl.last_pc));
}

void dp_control_tick(uint64_t now_tsc)
{
	if (likely(now_tsc < ctl.next_tsc))
		return;
	ctl.next_tsc = now_tsc + ctl.tick_tsc;
	if (lab_stop || (ctl.end_tsc && now_tsc >= ctl.end_tsc)) {
		atomic_store_explicit(&dp.quit, true, memory_order_relaxed);
		return;
	}
	if (ctl.stats_every_tsc && now_tsc >= ctl.next_stats_tsc) {
		struct dp_totals t;
		struct dp_port_counters pc;
		uint64_t now_ns = lab_now_ns();
		ctl.next_stats_tsc += ctl.stats_every_tsc;
		dp_totals(&t);
		dp_report_lock();
		dp_port_counters(&pc);
		dp_report_unlock();
		struct dp_port_counters delta = pc;
		delta.imissed -= ctl.last_pc.imissed;
		delta.rx_nombuf -= ctl.last_pc.rx_nombuf;
		delta.ierrors -= ctl.last_pc.ierrors;
		delta.oerrors -= ctl.last_pc.oerrors;
		dp_print_line("interval", &t, &ctl.last, &delta, (double)(now_ns - ctl.last_ns) / 1e9);
		ctl.last = t;
		ctl.last_pc = pc;
		ctl.last_ns = now_ns;
	}
}

/* Classify one burst, reflect the lab frames in place and hand them to TX. */
static inline void handle_burst(const struct dp_worker *w, struct dp_lcore_stats *st,
				struct rte_mbuf **rx, uint16_t nb_rx)
{
	struct rte_mbuf *tx[DP_BURST];
	struct lab_parsed parsed[DP_BURST];
	uint16_t nb_tx = 0;
	uint32_t fast = 0; /* bit i: tx[i] took the fast path */
	/* one receive time for the whole burst: the frames were all in the ring when it returned */
	uint64_t rx_ns = lab_tsc_to_ns(&dp.cal, rte_rdtsc());

	for (uint16_t i = 0; i < nb_rx; i++) {
		struct rte_mbuf *m = rx[i];
		enum lab_verdict v;
		if (unlikely(m->nb_segs != 1)) {
			/* a frame larger than one mbuf: the in-place reflect needs it contiguous */
			v = LAB_E_IP_LEN;
		} else if (likely(dp_fast_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m),
						dp.cfg.udp_port, &parsed[nb_tx]))) {
			v = LAB_OK;
			fast |= 1u << nb_tx;
		} else {
			v = lab_frame_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m),
					    dp.cfg.udp_port, &parsed[nb_tx]);
		}
		st->verdict[v]++;
		if (likely(v == LAB_OK)) {
			if (unlikely(parsed[nb_tx].hdr->flags & LAB_F_REFLECTED)) {
				st->looped++;
				st->not_lab++;
				fast &= ~(1u << nb_tx);
				rte_pktmbuf_free(m);
				continue;
			}
			tx[nb_tx++] = m;
			continue;
		}
		if (lab_verdict_malformed(v))
			st->malformed++;
		else
			st->not_lab++;
		rte_pktmbuf_free(m);
	}
	if (unlikely(nb_tx == 0))
		return;
	/* the transmit time is read once, just before the TX burst */
	uint64_t tx_ns = lab_tsc_to_ns(&dp.cal, rte_rdtsc());
	for (uint16_t i = 0; i < nb_tx; i++) {
		uint8_t *d = rte_pktmbuf_mtod(tx[i], uint8_t *);
		if (likely(fast & (1u << i)))
			dp_fast_reflect(d, &parsed[i], rx_ns, tx_ns);
		else
			lab_frame_reflect(d, &parsed[i], rx_ns, tx_ns);
	}
	uint16_t sent = rte_eth_tx_burst(w->port, w->queue, tx, nb_tx);
	st->reflected += sent;
	if (unlikely(sent < nb_tx)) {
		st->tx_dropped += (uint64_t)(nb_tx - sent);
		rte_pktmbuf_free_bulk(&tx[sent], nb_tx - sent);
	}
}

int dp_worker_main(void *arg)
{
	(void)arg;
	unsigned lcore = rte_lcore_id();
	const struct dp_worker *w = &dp.workers[lcore];
	struct dp_lcore_stats *st = &dp.stats[lcore];
	struct rte_mbuf *rx[DP_BURST];

	while (!atomic_load_explicit(&dp.quit, memory_order_relaxed)) {
		uint64_t t0 = rte_rdtsc();
		if (w->is_main)
			dp_control_tick(t0);
		uint16_t nb_rx = rte_eth_rx_burst(w->port, w->queue, rx, DP_BURST);
		if (unlikely(nb_rx == 0))
			continue;
		/* only this lcore writes its counters; rx first, so a reader never sees more out than in */
		st->rx += nb_rx;
		st->bursts++;
		handle_burst(w, st, rx, nb_rx);
		st->busy_cycles += rte_rdtsc() - t0;
	}
	return 0;
}
