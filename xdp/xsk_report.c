/* xsk_report.c — lab-xsk's counters for the DUT driver (its ops table): in xsk mode the userspace
 * reflector's, in xdptx mode the XDP program's (it is the reflector there); the AF_XDP drop
 * points; the program's and the socket's counters in the totals line and the stats JSON. */
#include <inttypes.h>
#include <string.h>

#include "log.h"
#include "xsk_run.h"

static const char *const bpf_names[LAB_XDP_C_COUNT] = {
	[LAB_XDP_C_LAB] = "lab", [LAB_XDP_C_PASSED] = "passed",
	[LAB_XDP_C_MALFORMED] = "malformed", [LAB_XDP_C_REDIRECTED] = "redirected",
	[LAB_XDP_C_TX] = "tx", [LAB_XDP_C_ERRORS] = "errors", [LAB_XDP_C_MARKED] = "marked",
	[LAB_XDP_C_TTL_EXPIRED] = "ttl_expired",
};

static const char *xsk_path(void *priv)
{
	static const char *const paths[] = {[XSK_RUN_XSK] = "xsk", [XSK_RUN_XDPTX] = "xdptx",
					    [XSK_RUN_XDPFWD] = "xdpfwd"};
	return paths[((struct xsk_run *)priv)->mode];
}

static const char *xsk_mode(void *priv)
{
	return xsk_port_mode_string(((struct xsk_run *)priv)->port);
}

static void read_stats(struct xsk_run *r)
{
	int rc = xsk_port_stats(r->port, &r->st);
	if (!rc && r->peer)
		rc = xsk_port_stats(r->peer, &r->pst);
	if (!rc && r->mode == XSK_RUN_XDPFWD)
		rc = xsk_port_redirect_errors(r->port, &r->redirect_errors);
	if (rc < 0 && rc != r->stats_err)
		lab_warn("reading the counters: %s", strerror(-rc));
	r->stats_err = rc < 0 ? rc : 0;
}

/* xdptx: the program reflects, so its counters are the reflector's; it does not tell an
 * already reflected frame from other traffic it passes. */
static void xdptx_counts(const struct xsk_run *r, struct lab_dut_sample *s)
{
	s->c.received = r->st.bpf[LAB_XDP_C_LAB];
	s->c.reflected = r->st.bpf[LAB_XDP_C_TX];
	s->c.not_lab = r->st.bpf[LAB_XDP_C_PASSED];
	s->c.malformed = r->st.bpf[LAB_XDP_C_MALFORMED];
	s->c.tx_errors = r->st.bpf[LAB_XDP_C_ERRORS];
	s->not_lab_unsplit = true;
	lab_dut_add_drop(s, "xdp_errors", r->st.bpf[LAB_XDP_C_ERRORS]);
}

/* xdpfwd: the program forwards. Every frame it classified (lab, malformed, already marked) is
 * received; a lab frame is redirected, dropped for its TTL or not redirected (no out port); a
 * redirected frame the kernel then failed to send on is an xdp_error, not forwarded. So
 * received == forwarded + not_lab + malformed + xdp_errors + ttl_expired. */
static void xdpfwd_counts(const struct xsk_run *r, struct lab_dut_sample *s)
{
	const uint64_t *b = r->st.bpf;
	uint64_t kern = r->redirect_errors < b[LAB_XDP_C_REDIRECTED] ? r->redirect_errors : b[LAB_XDP_C_REDIRECTED];
	s->c.received = b[LAB_XDP_C_LAB] + b[LAB_XDP_C_MALFORMED] + b[LAB_XDP_C_MARKED];
	s->c.reflected = b[LAB_XDP_C_REDIRECTED] - kern;
	s->c.not_lab = b[LAB_XDP_C_MARKED];
	s->c.already_reflected = b[LAB_XDP_C_MARKED];
	s->c.malformed = b[LAB_XDP_C_MALFORMED];
	lab_dut_add_drop(s, "xdp_errors", b[LAB_XDP_C_ERRORS] + kern);
	lab_dut_add_drop(s, "ttl_expired", b[LAB_XDP_C_TTL_EXPIRED]);
}

/* xsk --forward: the userspace forwarder's counters, and what the program kept from the socket
 * (malformed frames, already marked ones) as received and not forwarded; the drop points of both
 * sockets summed. */
static void xskfwd_counts(const struct xsk_run *r, struct lab_dut_sample *s)
{
	const uint64_t *b = r->st.bpf;
	const struct xsk_port_stats *a = &r->st, *p = &r->pst;
	s->c = r->c;
	s->c.received = b[LAB_XDP_C_LAB] + b[LAB_XDP_C_MALFORMED] + b[LAB_XDP_C_MARKED];
	s->c.malformed += b[LAB_XDP_C_MALFORMED];
	s->c.not_lab += b[LAB_XDP_C_MARKED];
	s->c.already_reflected += b[LAB_XDP_C_MARKED];
	lab_dut_add_drop(s, "xsk_rx_dropped", a->rx_dropped + p->rx_dropped);
	lab_dut_add_drop(s, "xsk_rx_ring_full", a->rx_ring_full + p->rx_ring_full);
	lab_dut_add_drop(s, "xsk_fill_ring_empty", a->rx_fill_ring_empty_descs + p->rx_fill_ring_empty_descs);
	lab_dut_add_drop(s, "xsk_tx_invalid", a->tx_invalid_descs + p->tx_invalid_descs);
	lab_dut_add_drop(s, "xsk_no_socket", b[LAB_XDP_C_ERRORS]);
	lab_dut_add_drop(s, "xsk_tx_ring_full", a->tx_ring_full + p->tx_ring_full);
	lab_dut_add_drop(s, "ttl_expired", r->ttl_expired);
}

static void xsk_sample(void *priv, struct lab_dut_sample *s)
{
	struct xsk_run *r = priv;
	read_stats(r);
	if (r->mode == XSK_RUN_XDPTX) {
		xdptx_counts(r, s);
		return;
	}
	if (r->mode == XSK_RUN_XDPFWD) {
		xdpfwd_counts(r, s);
		return;
	}
	if (r->peer) {
		xskfwd_counts(r, s);
		return;
	}
	s->c = r->c;
	lab_dut_add_drop(s, "xsk_rx_dropped", r->st.rx_dropped);
	lab_dut_add_drop(s, "xsk_rx_ring_full", r->st.rx_ring_full);
	lab_dut_add_drop(s, "xsk_fill_ring_empty", r->st.rx_fill_ring_empty_descs);
	lab_dut_add_drop(s, "xsk_tx_invalid", r->st.tx_invalid_descs);
	lab_dut_add_drop(s, "xsk_no_socket", r->st.bpf[LAB_XDP_C_ERRORS]);
	lab_dut_add_drop(s, "xsk_tx_ring_full", r->st.tx_ring_full);
}

/* The totals name the program's and the socket's counters too; interval lines do not. */
static void xsk_line(void *priv, bool totals, char *buf, size_t len)
{
	const struct xsk_run *r = priv;
	const uint64_t *b = r->st.bpf;
	if (!totals)
		return;
	int n = snprintf(buf, len, "bpf lab %" PRIu64 " passed %" PRIu64 " malformed %" PRIu64 " marked %"
		 PRIu64 " redirected %" PRIu64 " tx %" PRIu64 " errors %" PRIu64 " ttl_expired %" PRIu64
		 " | xsk rx_dropped %" PRIu64 " rx_ring_full %" PRIu64 " fill_ring_empty %" PRIu64
		 " tx_invalid %" PRIu64 " tx_ring_empty %" PRIu64,
		 b[LAB_XDP_C_LAB], b[LAB_XDP_C_PASSED], b[LAB_XDP_C_MALFORMED], b[LAB_XDP_C_MARKED],
		 b[LAB_XDP_C_REDIRECTED], b[LAB_XDP_C_TX], b[LAB_XDP_C_ERRORS], b[LAB_XDP_C_TTL_EXPIRED],
		 r->st.rx_dropped, r->st.rx_ring_full, r->st.rx_fill_ring_empty_descs, r->st.tx_invalid_descs,
		 r->st.tx_ring_empty_descs);
	if (n > 0 && (size_t)n < len && r->peer)
		snprintf(buf + n, len - (size_t)n, " | %s tx_invalid %" PRIu64 " tx_ring_full %" PRIu64
			 " tx_ring_empty %" PRIu64 " ttl_expired %" PRIu64, r->out_iface, r->pst.tx_invalid_descs,
			 r->pst.tx_ring_full, r->pst.tx_ring_empty_descs, r->ttl_expired);
	else if (n > 0 && (size_t)n < len && r->mode == XSK_RUN_XDPFWD)
		snprintf(buf + n, len - (size_t)n, " | kernel redirect errors %" PRIu64, r->redirect_errors);
}

static void xsk_json(void *priv, struct lab_json *j)
{
	const struct xsk_run *r = priv;
	lab_json_u64(j, "queue", r->po.queue);
	lab_json_bool(j, "zerocopy", xsk_port_zerocopy(r->port));
	lab_json_bool(j, "native_xdp", xsk_port_native(r->port));
	lab_json_bool(j, "busy_poll", r->po.busy_poll);
	lab_json_bool(j, "hugepages", r->po.hugepages);
	lab_json_obj(j, "bpf");
	for (int i = 0; i < LAB_XDP_C_COUNT; i++)
		lab_json_u64(j, bpf_names[i], r->st.bpf[i]);
	lab_json_obj_end(j);
	/* Not drops: copy mode counts tx_ring_empty once at the end of every send call. */
	lab_json_obj(j, "diagnostics");
	lab_json_u64(j, "xsk_tx_ring_empty", r->st.tx_ring_empty_descs + r->pst.tx_ring_empty_descs);
	if (r->mode == XSK_RUN_XDPFWD)
		lab_json_u64(j, "kernel_redirect_errors", r->redirect_errors);
	lab_json_obj_end(j);
	if (!r->forward)
		return;
	char mac[18];
	lab_json_str(j, "out_iface", r->out_iface);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", r->next_hop[0], r->next_hop[1],
		 r->next_hop[2], r->next_hop[3], r->next_hop[4], r->next_hop[5]);
	lab_json_str(j, "next_hop_mac", mac);
	/* why lab frames were not forwarded, by name (the last sample's counters) */
	const struct lab_dut_sample *s = &r->dut.last;
	uint64_t ttl = 0;
	for (unsigned i = 0; i < s->n_drops; i++)
		if (!strcmp(s->drops[i].name, "ttl_expired"))
			ttl = s->drops[i].value;
	lab_json_obj(j, "not_forwarded_by");
	lab_json_u64(j, "ttl_expired", ttl);
	lab_json_u64(j, "already_marked", s->c.already_reflected);
	lab_json_u64(j, "malformed", s->c.malformed);
	lab_json_u64(j, "not_lab", s->c.not_lab - s->c.already_reflected);
	lab_json_obj_end(j);
}

const struct lab_dut_ops xsk_dut_ops = {
	.cli = &xsk_cli,
	.path = xsk_path,
	.mode = xsk_mode,
	.sample = xsk_sample,
	.line = xsk_line,
	.json = xsk_json,
};
