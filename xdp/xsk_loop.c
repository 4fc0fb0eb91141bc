/* xsk_loop.c — lab-xsk's loop on its AF_XDP port: take a batch, classify, stamp receive and
 * transmit times, send back (or, forwarding, rewrite for the next hop and send out of the peer
 * socket on --out-iface); give back what is not ours; sleep (or spin) when idle. */
#include <errno.h>
#include <string.h>

#include "clock.h"
#include "frame.h"
#include "log.h"
#include "xsk_run.h"

/* One RX batch: classify, stamp rx at receipt and tx just before the kick, send back. */
static void reflect_batch(struct xsk_run *r, struct xsk_port_desc *d, unsigned n)
{
	struct xsk_port_desc keep[XSK_BATCH_MAX];
	struct lab_parsed pp[XSK_BATCH_MAX];
	uint64_t drop[XSK_BATCH_MAX];
	unsigned m = 0, nd = 0, k;
	uint64_t rx_ns = lab_now_ns(), tx_ns;

	r->c.received += n;
	for (unsigned i = 0; i < n; i++) {
		enum lab_verdict v = lab_frame_parse(d[i].data, d[i].len, r->po.port, &pp[m]);
		bool again = v == LAB_OK && (pp[m].hdr->flags & LAB_F_MARKED);
		if (v == LAB_OK && !again) {
			keep[m++] = d[i];
			continue;
		}
		if (lab_verdict_malformed(v))
			r->c.malformed++;
		else
			r->c.not_lab++;
		r->c.already_reflected += again;
		drop[nd++] = d[i].addr;
	}
	if (nd)
		xsk_port_release(r->port, drop, nd);
	if (!m)
		return;
	tx_ns = lab_now_ns();
	for (unsigned i = 0; i < m; i++)
		lab_frame_reflect(keep[i].data, &pp[i], rx_ns, tx_ns);
	k = xsk_port_tx(r->port, keep, m);
	r->c.reflected += k;
	if (k < m) {
		r->c.tx_errors += m - k;
		for (unsigned i = k; i < m; i++)
			drop[i - k] = keep[i].addr;
		xsk_port_release(r->port, drop, m - k);
	}
}

/* One RX batch, forwarding: classify, rewrite in place for the next hop (stamps: rx at receipt,
 * tx just before the queueing), queue on the peer socket; frames that are not forwarded go back
 * to the pool at once. Frames the peer's TX ring cannot take are counted by the peer
 * (xsk_tx_ring_full) and go back too. */
static void forward_batch(struct xsk_run *r, struct xsk_port_desc *d, unsigned n)
{
	struct xsk_port_desc keep[XSK_BATCH_MAX], out[XSK_BATCH_MAX];
	struct lab_parsed pp[XSK_BATCH_MAX];
	uint64_t drop[XSK_BATCH_MAX];
	unsigned nk = 0, m = 0, nd = 0, k;
	uint64_t rx_ns = lab_now_ns(), tx_ns;

	r->c.received += n;
	for (unsigned i = 0; i < n; i++) {
		enum lab_verdict v = lab_frame_parse(d[i].data, d[i].len, r->po.port, &pp[nk]);
		if (v == LAB_OK) {
			keep[nk++] = d[i];
			continue;
		}
		if (lab_verdict_malformed(v))
			r->c.malformed++;
		else
			r->c.not_lab++;
		drop[nd++] = d[i].addr;
	}
	tx_ns = lab_now_ns();
	for (unsigned i = 0; i < nk; i++) {
		switch (lab_frame_forward(keep[i].data, &pp[i], r->out_mac, r->next_hop, rx_ns, tx_ns)) {
		case LAB_FWD_OK:
			out[m++] = keep[i];
			break;
		case LAB_FWD_TTL_EXPIRED:
			r->ttl_expired++;
			drop[nd++] = keep[i].addr;
			break;
		default: /* LAB_FWD_MARKED: the program passes those; counted should one get here */
			r->c.not_lab++;
			r->c.already_reflected++;
			drop[nd++] = keep[i].addr;
			break;
		}
	}
	if (nd)
		xsk_port_release(r->port, drop, nd);
	if (!m)
		return;
	k = xsk_port_tx(r->peer, out, m);
	r->c.reflected += k;
	if (k < m) {
		for (unsigned i = k; i < m; i++)
			drop[i - k] = out[i].addr;
		xsk_port_release(r->port, drop, m - k);
	}
}

/* Nothing arrived: spin (drive the RX side with busy polling), or sleep in poll() until traffic,
 * at most XSK_WAIT_MS: a stop signal interrupts it, the bound keeps the control loop on time.
 * An interface deleted or down under a spinning port is not our failure: it sleeps then, and
 * spins again when the interface is back, until the stop signal. */
static int idle(struct xsk_run *r)
{
	int rc;
	if (r->spin || r->po.busy_poll) {
		rc = xsk_port_wakeup_rx(r->port);
		if (rc != -ENXIO && rc != -ENETDOWN) {
			if (rc < 0)
				lab_err("%s: RX wakeup failed: %s", r->po.iface, strerror(-rc));
			return rc;
		}
		if (!r->link_gone_said)
			lab_warn("%s: %s: waiting for it (or a stop signal) asleep", r->po.iface, strerror(-rc));
		r->link_gone_said = true;
	}
	rc = xsk_port_poll(r->port, XSK_WAIT_MS);
	if (rc < 0 && rc != -EINTR) {
		lab_err("%s: poll: %s", r->po.iface, strerror(-rc));
		return rc;
	}
	return 0;
}

/* The TX kick; an interface that went away under us (deleted: ENXIO; down: ENETDOWN) is said once
 * and waited out as the RX side does, the frames in the TX ring lost with it (the generator
 * counts them). Any other failure ends the run. */
static int kick(struct xsk_run *r, struct xsk_port *port, const char *iface)
{
	int rc = xsk_port_kick(port);

	if (rc >= 0)
		return 0;
	if (rc != -ENXIO && rc != -ENETDOWN) {
		lab_err("%s: transmit kick failed: %s", iface, strerror(-rc));
		return rc;
	}
	if (!r->link_gone_said)
		lab_warn("%s: transmit kick: %s: waiting for it (or a stop signal) asleep", iface,
			 strerror(-rc));
	r->link_gone_said = true;
	return 0;
}

int xsk_run_loop(struct xsk_run *r)
{
	struct xsk_port_desc d[XSK_BATCH_MAX];
	int rc;

	for (;;) {
		unsigned n = r->prog_only ? 0 : xsk_port_rx(r->port, d, r->batch);
		if (n && r->peer)
			forward_batch(r, d, n);
		else if (n)
			reflect_batch(r, d, n);
		if (r->peer) {
			if ((rc = kick(r, r->peer, r->out_iface)) < 0)
				return rc;
			xsk_port_complete(r->peer); /* completed frames back to the port's pool */
		}
		if ((rc = kick(r, r->port, r->po.iface)) < 0)
			return rc;
		xsk_port_complete(r->port);
		uint64_t now_ns = lab_now_ns();
		/* gaps: the spinning loop's idle iterations; a batch is work, a sleep in poll() none */
		if (!(r->spin || r->po.busy_poll) || r->link_gone_said)
			lab_gap_pause(&r->dut.gaps);
		else if (n)
			lab_gap_work(&r->dut.gaps, now_ns, n);
		else
			lab_gap_tick(&r->dut.gaps, now_ns);
		if (lab_dut_tick(&r->dut, now_ns))
			return 0;
		if (!n && (rc = idle(r)) < 0)
			return rc;
	}
}
