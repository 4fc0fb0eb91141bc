/* worker.c — the run-to-completion poll loop (RX burst -> parse -> reflect and stamp -> TX burst;
 * with --forward: RX burst on port 0 -> parse -> forward and stamp -> TX burst on port 1).
 * With one lcore the poller also runs the DUT driver's control tick (stop, --duration, interval
 * lines) between bursts; with more, the main lcore runs it and the workers only poll. */
#include <sched.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "fastpath.h"
#include "util.h"

/* Parse one received frame: the fast path when it takes it, else the full parser; counted by
 * verdict. A frame in more than one mbuf is refused: the in-place rewrite needs it contiguous. */
static inline enum lab_verdict classify(struct dp_lcore_stats *st, struct rte_mbuf *m,
					struct lab_parsed *p, bool *fast)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	enum lab_verdict v;
	*fast = false;
	if (unlikely(m->nb_segs != 1))
		v = LAB_E_IP_LEN;
	else if (likely(dp_fast_parse(d, rte_pktmbuf_data_len(m), dp.dut.cfg.port, p)))
		v = LAB_OK, *fast = true;
	else
		v = lab_frame_parse(d, rte_pktmbuf_data_len(m), dp.dut.cfg.port, p);
	st->verdict[v]++;
	return v;
}

/* A frame that is not lab traffic, or is malformed: counted, and freed. */
static inline void refuse(struct dp_lcore_stats *st, struct rte_mbuf *m, enum lab_verdict v)
{
	if (lab_verdict_malformed(v))
		st->malformed++;
	else
		st->not_lab++;
	rte_pktmbuf_free(m);
}

/* A frame that carries a reflector's or forwarder's mark already: never sent on. */
static inline void refuse_marked(struct dp_lcore_stats *st, struct rte_mbuf *m)
{
	st->already_reflected++;
	st->not_lab++;
	rte_pktmbuf_free(m);
}

/* Hand the rewritten frames to TX; what it does not take is counted and freed. */
static inline void send_burst(struct dp_lcore_stats *st, uint16_t port, uint16_t queue,
			      struct rte_mbuf **tx, uint16_t nb_tx)
{
	uint16_t sent = rte_eth_tx_burst(port, queue, tx, nb_tx);
	st->reflected += sent;
	if (unlikely(sent < nb_tx)) {
		st->tx_dropped += (uint64_t)(nb_tx - sent);
		rte_pktmbuf_free_bulk(&tx[sent], nb_tx - sent);
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
		bool is_fast;
		enum lab_verdict v = classify(st, rx[i], &parsed[nb_tx], &is_fast);
		if (unlikely(v != LAB_OK))
			refuse(st, rx[i], v);
		else if (unlikely(parsed[nb_tx].hdr->flags & LAB_F_MARKED))
			refuse_marked(st, rx[i]);
		else
			fast |= (uint32_t)is_fast << nb_tx, tx[nb_tx++] = rx[i];
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
	send_burst(st, w->port, w->queue, tx, nb_tx);
}

/* --forward: classify one burst from port 0, forward the lab frames in place and hand them to
 * port 1's TX queue. Nothing is ever sent on port 0. */
static inline void forward_burst(const struct dp_worker *w, struct dp_lcore_stats *st,
				 struct rte_mbuf **rx, uint16_t nb_rx)
{
	struct rte_mbuf *tx[DP_BURST];
	struct lab_parsed parsed[DP_BURST];
	uint16_t nb_tx = 0;
	uint32_t fast = 0; /* bit i: tx[i] took the fast path */
	uint64_t rx_ns = lab_tsc_to_ns(&dp.cal, rte_rdtsc());

	for (uint16_t i = 0; i < nb_rx; i++) {
		bool is_fast;
		enum lab_verdict v = classify(st, rx[i], &parsed[nb_tx], &is_fast);
		if (unlikely(v != LAB_OK)) {
			refuse(st, rx[i], v);
			continue;
		}
		enum lab_fwd_verdict fv = dp_fwd_check(rte_pktmbuf_mtod(rx[i], uint8_t *), &parsed[nb_tx]);
		if (likely(fv == LAB_FWD_OK)) {
			fast |= (uint32_t)is_fast << nb_tx;
			tx[nb_tx++] = rx[i];
		} else if (fv == LAB_FWD_MARKED) {
			refuse_marked(st, rx[i]);
		} else {
			st->ttl_expired++;
			rte_pktmbuf_free(rx[i]);
		}
	}
	if (unlikely(nb_tx == 0))
		return;
	uint64_t tx_ns = lab_tsc_to_ns(&dp.cal, rte_rdtsc());
	for (uint16_t i = 0; i < nb_tx; i++) {
		uint8_t *d = rte_pktmbuf_mtod(tx[i], uint8_t *);
		if (likely(fast & (1u << i)))
			dp_fast_forward(d, &parsed[i], dp.out_mac, dp.next_hop_mac, rx_ns, tx_ns);
		else
			lab_frame_forward(d, &parsed[i], dp.out_mac, dp.next_hop_mac, rx_ns, tx_ns);
	}
	send_burst(st, w->out_port, w->queue, tx, nb_tx);
}

/* Polls of port 0 between two drains of port 1's RX queue (whatever the next hop sends us:
 * neighbour discovery and the like; with net_af_packet also our own transmitted frames, which a
 * packet socket sees), so that its ring never fills and counts as imissed; a drain takes up to
 * DP_OUT_DRAIN_BURSTS bursts. */
#define DP_OUT_DRAIN_EVERY 64
#define DP_OUT_DRAIN_BURSTS 8

int dp_worker_main(void *arg)
{
	(void)arg;
	unsigned lcore = rte_lcore_id();
	const struct dp_worker *w = &dp.workers[lcore];
	struct dp_lcore_stats *st = &dp.stats[lcore];
	struct rte_mbuf *rx[DP_BURST];
	/* the gap log is the first queue's poller's (one writer): its idle polls are timed */
	struct lab_gaplog *gaps = w->queue == 0 ? &dp.dut.gaps : NULL;
	if (gaps)
		gaps->cpu = sched_getcpu();
	const bool forward = dp.cfg.forward;
	unsigned polls = 0;

	while (!atomic_load_explicit(&dp.quit, memory_order_relaxed)) {
		uint64_t t0 = rte_rdtsc();
		if (gaps)
			lab_gap_tick(gaps, lab_tsc_to_ns(&dp.cal, t0));
		if (w->is_main && unlikely(lab_dut_tick(&dp.dut, lab_tsc_to_ns(&dp.cal, t0)))) {
			atomic_store_explicit(&dp.quit, true, memory_order_relaxed);
			break;
		}
		if (forward && unlikely(++polls >= DP_OUT_DRAIN_EVERY)) {
			uint16_t n;
			int left = DP_OUT_DRAIN_BURSTS;
			polls = 0;
			do {
				n = rte_eth_rx_burst(w->out_port, w->queue, rx, DP_BURST);
				st->out_rx += n;
				rte_pktmbuf_free_bulk(rx, n);
			} while (n == DP_BURST && --left > 0);
		}
		uint16_t nb_rx = rte_eth_rx_burst(w->port, w->queue, rx, DP_BURST);
		if (unlikely(nb_rx == 0))
			continue;

		/* only this lcore writes its counters; rx first, so a reader never sees more out than in */
		st->rx += nb_rx;
		st->bursts++;
		if (forward)
			forward_burst(w, st, rx, nb_rx);
		else
			handle_burst(w, st, rx, nb_rx);
		uint64_t t1 = rte_rdtsc();
		st->busy_cycles += t1 - t0;
		if (gaps) /* a burst is work: a gap only when far longer than a burst takes */
			lab_gap_work(gaps, lab_tsc_to_ns(&dp.cal, t1), nb_rx);
	}
	return 0;
}
