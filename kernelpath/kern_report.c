/* kern_report.c — lab-kern's counters for the DUT driver (its ops table): the drop points (the
 * namespace's UDP RcvbufErrors and this socket's sk_drops, each packet in one key), its own
 * fields of the stats lines and its own members of the stats JSON (verdicts, clock conversion,
 * socket options). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kern_run.h"
#include "kern_snmp.h"
#include "log.h"

static uint64_t udp_rcvbuf_delta(const struct kern_run *r)
{
	return r->snmp_ok ? (r->snmp4 - r->snmp4_start) + (r->snmp6 - r->snmp6_start) : 0;
}

/* The namespace's UDP checksum failures since the start: not lab packets as a rule (lab-gen
 * checksums in software), but a frame sent to the port with a bad checksum, as the hostile-frame
 * tests do; reported apart, never as a drop of the lab's packets. */
static uint64_t udp_csum_delta(const struct kern_run *r)
{
	return r->csum_ok ? r->csum - r->csum_start : 0;
}

/* This socket's drops that neither RcvbufErrors nor the checksum failures counted (filter,
 * memory accounting); counters read one after the other can differ by a packet in flight,
 * hence the floor at 0. */
static uint64_t socket_other_drops(const struct kern_run *r)
{
	uint64_t known = udp_rcvbuf_delta(r) + udp_csum_delta(r);
	return r->sk_drops > known ? r->sk_drops - known : 0;
}

/* Bring the drop counters up to date: the namespace's snmp tables and the socket's sk_drops. */
static void read_drops(struct kern_run *r)
{
	uint32_t d;
	bool have6;
	if (r->snmp_ok && kern_snmp_read(&r->snmp4, &r->snmp6, &have6) < 0)
		lab_debug("re-reading /proc/net/snmp: %s", strerror(errno));
	uint64_t c4, c6;
	if (r->csum_ok && kern_snmp_read_csum(&c4, &c6) == 0 && c4 + c6 >= r->csum_start)
		r->csum = c4 + c6;
	if (r->sk.fd >= 0 && kern_sock_drops(&r->sk, &d) == 0 && d > r->sk_drops)
		r->sk_drops = d;
}

static const char *kern_path(void *priv)
{
	(void)priv;
	return "kernel";
}

static const char *kern_mode(void *priv)
{
	return kern_mode_names[((struct kern_run *)priv)->mode];
}

static void kern_sample(void *priv, struct lab_dut_sample *s)
{
	struct kern_run *r = priv;
	read_drops(r);
	s->c = (struct lab_dut_counts){
		.received = r->c.received,
		.reflected = r->c.reflected,
		.not_lab = r->c.not_lab,
		.malformed = r->c.malformed,
		.tx_errors = r->c.tx_errors,
		.already_reflected = r->c.already_reflected,
	};
	/* the analysis subtracts every drops key from sent - received, so the keys must count
	 * different packets: a receive-buffer overflow raises both RcvbufErrors and sk_drops */
	lab_dut_add_drop(s, "udp_rcvbuf_errors", udp_rcvbuf_delta(r));
	lab_dut_add_drop(s, "socket_rxq_ovfl", socket_other_drops(r));
	if (r->forward)
		lab_dut_add_drop(s, "ttl_expired", r->c.ttl_expired);
}

/* The interval lines show the latest offset measurement, the totals the worst of the run. */
static void kern_line(void *priv, bool totals, char *buf, size_t len)
{
	const struct kern_run *r = priv;
	snprintf(buf, len, "sk_drops %" PRIu32 " clock rt_offset_err_ns %" PRIu64
		 " rt_offset_drift_ns %" PRIu64 " rx_timestamps_missing %" PRIu64, r->sk_drops,
		 totals ? r->clk.err_max_ns : r->clk.err_ns, totals ? r->clk.drift_max_ns : r->clk.drift_ns,
		 r->c.rx_ts_missing);
}

static void opt_json(struct lab_json *j, const char *key, const struct kern_opt_state *s)
{
	lab_json_obj(j, key);
	lab_json_bool(j, "asked", s->asked);
	lab_json_bool(j, "took", s->took);
	lab_json_bool(j, "read_back", s->read_back);
	if (s->asked)
		lab_json_i64(j, "value", s->value);
	if (s->err)
		lab_json_str(j, "error", strerror(s->err));
	lab_json_obj_end(j);
}

static void counters_json(struct lab_json *j, const struct kern_run *r)
{
	lab_json_obj(j, "malformed_by");
	for (int v = LAB_E_MALFORMED_FIRST; v < LAB_E_COUNT; v++)
		if (r->c.by_verdict[v])
			lab_json_u64(j, lab_verdict_name(v), r->c.by_verdict[v]);
	lab_json_u64(j, "oversize", r->c.truncated);
	lab_json_obj_end(j);
	if (r->last_tx_errno)
		lab_json_str(j, "last_tx_error", strerror(r->last_tx_errno));
	lab_json_obj(j, "drops_raw");
	lab_json_u64(j, "socket_rxq_ovfl", r->sk_drops);
	lab_json_u64(j, "udp_rcvbuf_errors", udp_rcvbuf_delta(r));
	lab_json_u64(j, "udp_csum_errors", udp_csum_delta(r));
	lab_json_obj_end(j);
	lab_json_obj(j, "snmp");
	lab_json_bool(j, "read", r->snmp_ok);
	lab_json_u64(j, "udp_rcvbuf_errors_v4", r->snmp4 - r->snmp4_start);
	lab_json_u64(j, "udp_rcvbuf_errors_v6", r->snmp6 - r->snmp6_start);
	lab_json_bool(j, "ipv6", r->have6);
	lab_json_obj_end(j);
}

static void clock_json(struct lab_json *j, const struct kern_run *r)
{
	lab_json_obj(j, "clock");
	lab_json_str(j, "rx_time", r->st.mode == LAB_STP_SRC_KERNEL && r->sk.timestamping.took
					   ? "SO_TIMESTAMPING software RX, CLOCK_REALTIME - offset"
					   : "CLOCK_MONOTONIC at recvmmsg return");
	lab_json_str(j, "tx_time", "CLOCK_MONOTONIC just before sendmmsg");
	lab_json_u64(j, "rt_offset_err_ns", r->clk.err_max_ns);
	lab_json_u64(j, "rt_offset_drift_ns", r->clk.drift_max_ns);
	lab_json_i64(j, "rt_offset_ns", r->clk.off_ns);
	lab_json_u64(j, "measurements", r->clk.measurements);
	lab_json_u64(j, "rx_timestamps_missing", r->c.rx_ts_missing);
	lab_json_obj_end(j);
}

static void socket_json(struct lab_json *j, const struct kern_run *r)
{
	lab_json_obj(j, "socket");
	opt_json(j, "so_timestamping", &r->sk.timestamping);
	opt_json(j, "so_rxq_ovfl", &r->sk.rxq_ovfl);
	opt_json(j, "so_busy_poll", &r->sk.busy_poll);
	opt_json(j, "so_prefer_busy_poll", &r->sk.prefer_busy_poll);
	opt_json(j, "so_busy_poll_budget", &r->sk.busy_poll_budget);
	lab_json_u64(j, "napi_id", kern_sock_napi_id(&r->sk));
	lab_json_str(j, "napi_defer_hard_irqs", r->napi_defer);
	lab_json_str(j, "gro_flush_timeout", r->gro_flush);
	lab_json_obj_end(j);
}

static void forward_json(struct lab_json *j, const struct kern_run *r)
{
	char t4[INET_ADDRSTRLEN], t6[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET, &r->to4.sin_addr, t4, sizeof(t4));
	inet_ntop(AF_INET6, &r->to6.sin6_addr, t6, sizeof(t6));
	lab_json_obj(j, "not_forwarded_by");
	lab_json_u64(j, "ttl_expired", r->c.ttl_expired);
	lab_json_u64(j, "already_marked", r->c.already_reflected);
	lab_json_u64(j, "malformed", r->c.malformed);
	lab_json_u64(j, "ttl_missing", r->c.ttl_missing);
	lab_json_u64(j, "no_out_socket", r->no_out_socket);
	lab_json_obj_end(j);
	lab_json_obj(j, "forward");
	lab_json_str(j, "out_iface", r->out_iface);
	lab_json_str(j, "from4", r->out_desc4);
	lab_json_str(j, "from6", r->out_desc6);
	lab_json_str(j, "to4", t4);
	lab_json_str(j, "to6", t6);
	lab_json_u64(j, "to_port", r->dut.cfg.port);
	lab_json_obj_end(j);
}

static void kern_json(void *priv, struct lab_json *j)
{
	const struct kern_run *r = priv;
	if (r->forward)
		forward_json(j, r);
	lab_json_str(j, "bind", r->sk.desc);
	lab_json_str(j, "sched", r->fifo_prio > 0 ? "fifo" : "other");
	lab_json_i64(j, "fifo_priority", r->fifo_prio > 0 ? r->fifo_prio : 0);
	lab_json_u64(j, "batch", r->batch);
	counters_json(j, r);
	clock_json(j, r);
	socket_json(j, r);
	kern_stamps_json(j, r);
}

const struct lab_dut_ops kern_dut_ops = {
	.cli = &kern_cli,
	.path = kern_path,
	.mode = kern_mode,
	.sample = kern_sample,
	.line = kern_line,
	.json = kern_json,
};
