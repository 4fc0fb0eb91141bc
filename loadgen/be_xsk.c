/* be_xsk.c — the AF_XDP backend (the lab's default): whole frames on --iface through the xdp/
 * xsk_port library, whose XDP program (mode XSK, port 7778, reflected frames required) steers
 * the reflections to our socket and passes everything else (ARP, ND) to the kernel. Frames
 * are built once with lab_frame_build; per packet only the header's times are patched
 * (lab_frame_set_times keeps the UDP checksum valid). The send time is read just before the TX
 * kick (in copy mode the kick's sendto is what transmits); the receive time when the RX ring
 * is read, once per batch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "gen.h"
#include "util.h"
#include "xsk_port.h"

#define XSK_BATCH 64
#define XSK_MAX_FLOWS 64

struct xsk_be {
	struct xsk_port *port;
	struct xsk_port *rxport;  /* --rx-iface (forward topology): receives there; else port */
	uint8_t (*tmpl)[2048];    /* one template per flow (--flows): the source port differs */
	uint32_t flows;
	size_t len;
	struct lab_parsed parsed; /* offsets of the template, valid for every copy */
	struct xsk_port_stats st; /* last snapshot (taken before close) */
	uint64_t rx_not_lab, rx_malformed, no_frame, tx_ring_full, kick_errors;
	int kick_errno;
};

static int xsk_open(struct gen_run *g, char *err, size_t errlen)
{
	const struct gen_cfg *c = &g->cfg;
	struct xsk_port_opts o;
	struct xsk_be *x = calloc(1, sizeof(*x));
	int rc;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	g->be_priv = x;
	if (!c->have_dst_mac) {
		snprintf(err, errlen, "no neighbour entry for %s on %s: give the next hop's MAC with "
				      "--dst-mac (or use --backend udp)", c->dst_text, c->iface);
		return -EINVAL;
	}
	if (c->frame_size > sizeof(x->tmpl[0])) {
		snprintf(err, errlen, "--size %u: the AF_XDP backend sends frames of at most %zu bytes",
			 c->frame_size, sizeof(x->tmpl[0]));
		return -EINVAL;
	}
	x->flows = c->flows ? c->flows : 1;
	if (x->flows > XSK_MAX_FLOWS || (uint32_t)c->flow.sport + x->flows - 1 > 65535) {
		snprintf(err, errlen, "--flows %u: at most %d, source ports up to 65535", x->flows,
			 XSK_MAX_FLOWS);
		return -EINVAL;
	}
	x->tmpl = calloc(x->flows, sizeof(*x->tmpl));
	if (!x->tmpl) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t fl = 0; fl < x->flows; fl++) {
		struct lab_flow f = c->flow;
		f.sport = (uint16_t)(c->flow.sport + fl);
		x->len = lab_frame_build(x->tmpl[fl], sizeof(x->tmpl[fl]), &f, c->frame_size, 0,
					 c->stamp ? LAB_F_STAMP : 0);
		/* every flow's frame has the same layout: one set of offsets serves them all */
		if (!x->len || lab_frame_parse(x->tmpl[fl], x->len, c->flow.dport, &x->parsed) != LAB_OK) {
			snprintf(err, errlen, "cannot build a %u-byte frame for this flow", c->frame_size);
			return -EINVAL;
		}
	}

	xsk_port_opts_default(&o);
	o.iface = c->iface;
	o.queue = c->queue;
	o.port = c->flow.sport; /* the reflections come back to our source port */
	o.mode = LAB_XDP_MODE_XSK;
	/* --accept-unmarked: a peer tool's replies (port 7777 -> 7778) carry no LAB_F_REFLECTED */
	o.reflected = c->accept_unmarked ? LAB_XDP_REFL_ANY : LAB_XDP_REFL_REQUIRE;
	o.attach = c->attach_mode == 1   ? XSK_PORT_ATTACH_NATIVE
		   : c->attach_mode == 2 ? XSK_PORT_ATTACH_GENERIC
					 : XSK_PORT_ATTACH_AUTO;
	o.copy = c->copy_mode == 1 ? XSK_PORT_COPY_FORCE
		 : c->copy_mode == 2 ? XSK_PORT_ZEROCOPY_FORCE
				     : XSK_PORT_COPY_AUTO;
	o.frames = 4096;
	o.frame_size = 2048;
	o.ring_size = 2048;
	o.rx_frames = 1024; /* the other 3072 frames are for sending */
	o.busy_poll = c->busy_poll;
	if ((rc = xsk_port_open(&x->port, &o, err, errlen)) < 0)
		return rc;
	x->rxport = x->port;
	if (c->rx_iface) {
		/* the forward topology: what the DUT forwarded arrives on the other port, still to the
		 * lab port, marked forwarded (LAB_F_MARKED) unless --accept-unmarked */
		o.iface = c->rx_iface;
		o.port = c->flow.dport;
		o.frames = 2048;
		o.rx_frames = 2048;
		if ((rc = xsk_port_open(&x->rxport, &o, err, errlen)) < 0) {
			x->rxport = NULL;
			return rc;
		}
	}
	snprintf(g->mode, sizeof(g->mode), "%s", xsk_port_mode_string(x->port));
	g->tx_time_src = "clock read just before the TX kick";
	g->rx_time_src = "clock read at the RX ring, per batch";
	return 0;
}

static void xsk_send(struct gen_run *g, const uint64_t *intended_ns, unsigned n)
{
	struct xsk_be *x = g->be_priv;
	struct xsk_port_desc d[XSK_BATCH];
	uint64_t addr[XSK_BATCH];

	while (n > 0) {
		unsigned k = n < XSK_BATCH ? n : XSK_BATCH;
		unsigned got = xsk_port_alloc(x->port, addr, k);
		if (got < k) {
			xsk_port_complete(x->port); /* reclaim what has been sent */
			got += xsk_port_alloc(x->port, addr + got, k - got);
		}
		for (unsigned i = 0; i < got; i++) {
			d[i].addr = addr[i];
			d[i].data = xsk_port_frame(x->port, addr[i]);
			d[i].len = (uint32_t)x->len;
			memcpy(d[i].data,
			       x->tmpl[(g->track.seq0 + (uint32_t)(g->track.next + i)) % x->flows], x->len);
		}
		uint64_t now = lab_now_ns();
		for (unsigned i = 0; i < got; i++)
			lab_frame_set_times(d[i].data, &x->parsed,
					    g->track.seq0 + (uint32_t)(g->track.next + i), now,
					    intended_ns[i]);
		unsigned q = xsk_port_tx(x->port, d, got);
		int rc = xsk_port_kick(x->port);
		if (rc < 0) {
			x->kick_errors++;
			x->kick_errno = -rc;
		}
		for (unsigned i = 0; i < q; i++)
			gen_track_sent(&g->track, intended_ns[i], now);
		if (q)
			g->last_send_ns = now;
		/* not queued: no free frame, or the TX ring was full; never on the wire */
		if (q < got) {
			x->tx_ring_full += got - q;
			xsk_port_release(x->port, addr + q, got - q);
		}
		x->no_frame += k - got;
		for (unsigned i = q; i < k; i++)
			gen_track_send_failed(&g->track, intended_ns[i]);
		intended_ns += k;
		n -= k;
	}
	xsk_port_complete(x->port);
}

static unsigned drain(struct gen_run *g, struct xsk_be *x)
{
	struct xsk_port_desc d[XSK_BATCH];
	uint64_t addr[XSK_BATCH];
	unsigned n = xsk_port_rx(x->rxport, d, XSK_BATCH);
	if (!n)
		return 0;
	uint64_t now = lab_now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct lab_parsed p;
		enum lab_verdict v = lab_frame_parse(d[i].data, d[i].len,
						     g->cfg.rx_iface ? g->cfg.flow.dport : g->cfg.flow.sport, &p);
		if (v == LAB_OK)
			gen_on_rx(g, d[i].data + p.lab_off, p.frame_len - p.lab_off, now, d[i].data,
				  d[i].len);
		else if (lab_verdict_malformed(v))
			g->track.malformed++;
		else
			x->rx_not_lab++; /* the XDP program passes these: should not happen */
		addr[i] = d[i].addr;
	}
	xsk_port_release(x->rxport, addr, n);
	return n;
}

static int xsk_poll(struct gen_run *g, uint64_t timeout_ns)
{
	struct xsk_be *x = g->be_priv;
	int rc;
	xsk_port_complete(x->port);
	if (x->rxport != x->port)
		xsk_port_complete(x->rxport); /* refills its fill ring with the frames released */
	if ((rc = xsk_port_wakeup_rx(x->rxport)) < 0)
		return rc;
	if (drain(g, x))
		return 0;
	/* nothing yet: sleep in poll() only for whole milliseconds, else let the caller spin */
	if (timeout_ns >= 1000000) {
		rc = xsk_port_poll(x->rxport, (int)(timeout_ns / 1000000));
		if (rc < 0 && rc != -EINTR)
			return rc;
		drain(g, x);
	}
	return 0;
}

static void xsk_close(struct gen_run *g)
{
	struct xsk_be *x = g->be_priv;
	if (!x)
		return;
	if (x->port && x->rxport) {
		/* the last receive: what is already in the ring counts */
		while (drain(g, x))
			;
		xsk_port_stats(x->rxport, &x->st);
	}
	if (x->rxport && x->rxport != x->port)
		xsk_port_close(x->rxport);
	if (x->port)
		xsk_port_close(x->port);
	x->port = x->rxport = NULL;
	free(x->tmpl);
	x->tmpl = NULL;
}

static void xsk_stats(struct gen_run *g, void *json)
{
	struct xsk_be *x = g->be_priv;
	if (!x)
		return;
	lab_json_u64(json, "xsk_rx_dropped", x->st.rx_dropped);
	lab_json_u64(json, "xsk_rx_ring_full", x->st.rx_ring_full);
	lab_json_u64(json, "xsk_fill_ring_empty", x->st.rx_fill_ring_empty_descs);
	lab_json_u64(json, "xsk_rx_invalid_descs", x->st.rx_invalid_descs);
	lab_json_u64(json, "xsk_tx_invalid_descs", x->st.tx_invalid_descs);
	lab_json_u64(json, "tx_ring_full", x->tx_ring_full);
	lab_json_u64(json, "tx_no_free_frame", x->no_frame);
	lab_json_u64(json, "tx_kick_errors", x->kick_errors);
	lab_json_u64(json, "xdp_lab", x->st.bpf[LAB_XDP_C_LAB]);
	lab_json_u64(json, "xdp_passed", x->st.bpf[LAB_XDP_C_PASSED]);
	lab_json_u64(json, "xdp_malformed", x->st.bpf[LAB_XDP_C_MALFORMED]);
	lab_json_u64(json, "xdp_redirected", x->st.bpf[LAB_XDP_C_REDIRECTED]);
	lab_json_u64(json, "xdp_errors", x->st.bpf[LAB_XDP_C_ERRORS]);
	lab_json_u64(json, "rx_not_lab", x->rx_not_lab);
}

const struct gen_backend gen_backend_xsk = {
	.name = "xsk",
	.open = xsk_open,
	.send = xsk_send,
	.poll = xsk_poll,
	.close = xsk_close,
	.stats = xsk_stats,
};
