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
	[LAB_XDP_C_TX] = "tx", [LAB_XDP_C_ERRORS] = "errors",
};

static const char *xsk_path(void *priv)
{
	return ((struct xsk_run *)priv)->xdptx ? "xdptx" : "xsk";
}

static const char *xsk_mode(void *priv)
{
	return xsk_port_mode_string(((struct xsk_run *)priv)->port);
}

static void read_stats(struct xsk_run *r)
{
	int rc = xsk_port_stats(r->port, &r->st);
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

static void xsk_sample(void *priv, struct lab_dut_sample *s)
{
	struct xsk_run *r = priv;
	read_stats(r);
	if (r->xdptx) {
		xdptx_counts(r, s);
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
	snprintf(buf, len, "bpf lab %" PRIu64 " passed %" PRIu64 " malformed %" PRIu64 " redirected %"
		 PRIu64 " tx %" PRIu64 " errors %" PRIu64 " | xsk rx_dropped %" PRIu64 " rx_ring_full %"
		 PRIu64 " fill_ring_empty %" PRIu64 " tx_invalid %" PRIu64 " tx_ring_empty %" PRIu64,
		 b[LAB_XDP_C_LAB], b[LAB_XDP_C_PASSED], b[LAB_XDP_C_MALFORMED], b[LAB_XDP_C_REDIRECTED],
		 b[LAB_XDP_C_TX], b[LAB_XDP_C_ERRORS], r->st.rx_dropped, r->st.rx_ring_full,
		 r->st.rx_fill_ring_empty_descs, r->st.tx_invalid_descs, r->st.tx_ring_empty_descs);
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
	lab_json_u64(j, "xsk_tx_ring_empty", r->st.tx_ring_empty_descs);
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
