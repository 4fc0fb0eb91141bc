/* report.c — lab-dpdk's counters as people and programs read them: summed over the polling
 * lcores, handed to the DUT driver (its interval and totals lines, the stats JSON of the
 * docs/spec.md contract) and answered live through DPDK telemetry (/lab/stats). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "dp.h"
#include "log.h"
#include "util.h"

/* Port stats are read by the telemetry thread and the control side while the main thread may be
 * closing the port: this lock and dp.port_up keep them apart. */
static pthread_mutex_t report_mu = PTHREAD_MUTEX_INITIALIZER;
void dp_report_lock(void) { pthread_mutex_lock(&report_mu); }
void dp_report_unlock(void) { pthread_mutex_unlock(&report_mu); }

static uint64_t rd(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

void dp_totals(struct dp_totals *t)
{
	unsigned lc;
	memset(t, 0, sizeof(*t));
	RTE_LCORE_FOREACH(lc) {
		const struct dp_lcore_stats *s = &dp.stats[lc];
		t->rx += rd(&s->rx);
		t->reflected += rd(&s->reflected);
		t->not_lab += rd(&s->not_lab);
		t->malformed += rd(&s->malformed);
		t->already_reflected += rd(&s->already_reflected);
		t->tx_dropped += rd(&s->tx_dropped);
		t->ttl_expired += rd(&s->ttl_expired);
		t->out_rx += rd(&s->out_rx);
		t->busy_cycles += rd(&s->busy_cycles);
		t->bursts += rd(&s->bursts);
		for (int v = 0; v < LAB_E_COUNT; v++)
			t->verdict[v] += rd(&s->verdict[v]);
	}
}

/* The ports' counters when they are up (zero otherwise: they are being closed). */
static void port_counters(struct dp_ports *pc)
{
	memset(pc, 0, sizeof(*pc));
	dp_report_lock();
	if (atomic_load(&dp.port_up))
		dp_port_counters(pc);
	dp_report_unlock();
}

static double per_packet(uint64_t cycles, uint64_t pkts) { return pkts ? (double)cycles / (double)pkts : 0; }

static uint64_t tsc_err_ns(void)
{
	return dp.tsc_err_start_ns > dp.tsc_err_end_ns ? dp.tsc_err_start_ns : dp.tsc_err_end_ns;
}

static const char *dp_path(void *priv)
{
	(void)priv;
	return "dpdk";
}

static const char *dp_mode(void *priv)
{
	(void)priv;
	return dp.mode;
}

/* Forward: reflected is "forwarded" (the driver names it), already_reflected counts both marks,
 * and the port counters are both ports' summed. */
static void dp_sample(void *priv, struct lab_dut_sample *s)
{
	struct dp_totals t;
	struct dp_ports pc;
	(void)priv;
	dp_totals(&t);
	port_counters(&pc);
	s->c = (struct lab_dut_counts){
		.received = t.rx,
		.reflected = t.reflected,
		.not_lab = t.not_lab,
		.malformed = t.malformed,
		.tx_errors = pc.sum.oerrors,
		.already_reflected = t.already_reflected,
	};
	lab_dut_add_drop(s, "dpdk_imissed", pc.sum.imissed);
	lab_dut_add_drop(s, "dpdk_rx_nombuf", pc.sum.rx_nombuf);
	lab_dut_add_drop(s, "dpdk_ierrors", pc.sum.ierrors);
	lab_dut_add_drop(s, "dpdk_tx_dropped", t.tx_dropped);
	if (dp.cfg.forward)
		lab_dut_add_drop(s, "ttl_expired", t.ttl_expired);
}

/* Cycles per packet of the interval (testpmd's accounting: busy polls only), or of the run. */
static void dp_line(void *priv, bool totals, char *buf, size_t len)
{
	static struct dp_totals last; /* the control thread's: at the previous interval line */
	struct dp_totals t;
	(void)priv;
	dp_totals(&t);
	if (totals) {
		snprintf(buf, len, "cycles/pkt %.0f tsc_err_ns start %" PRIu64 " end %" PRIu64,
			 per_packet(t.busy_cycles, t.rx), dp.tsc_err_start_ns, dp.tsc_err_end_ns);
		return;
	}
	snprintf(buf, len, "cycles/pkt %.0f", per_packet(t.busy_cycles - last.busy_cycles, t.rx - last.rx));
	last = t;
}

static void port_json(struct lab_json *j, const char *key, const struct dp_port_counters *pc)
{
	lab_json_obj(j, key); /* "port" is the UDP port, a member of every DUT program */
	lab_json_bool(j, "valid", pc->valid);
	lab_json_u64(j, "ipackets", pc->ipackets);
	lab_json_u64(j, "opackets", pc->opackets);
	lab_json_u64(j, "imissed", pc->imissed);
	lab_json_u64(j, "ierrors", pc->ierrors);
	lab_json_u64(j, "oerrors", pc->oerrors);
	lab_json_u64(j, "rx_nombuf", pc->rx_nombuf);
	lab_json_obj_end(j);
}

/* Written after the pollers stopped and before the port closes: the counters are final. */
static void dp_json(void *priv, struct lab_json *j)
{
	struct dp_totals t;
	struct dp_ports pc;
	(void)priv;
	dp_totals(&t);
	port_counters(&pc);
	lab_json_str(j, "device", dp.dev_name);
	lab_json_str(j, "file_prefix", dp.file_prefix);
	if (dp.fallback_reason[0] && strcmp(dp.mode, "net_af_xdp") != 0)
		lab_json_str(j, "fallback_reason", dp.fallback_reason);
	lab_json_u64(j, "udp_port", dp.dut.cfg.port);
	lab_json_u64(j, "queues", dp.nb_queues);
	if (dp.cfg.forward) {
		char mac[18];
		lab_json_str(j, "out_iface", dp.cfg.out_iface);
		lab_json_str(j, "out_device", dp.out_dev_name);
		lab_json_str(j, "out_mode", dp.out_mode);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", dp.next_hop_mac[0],
			 dp.next_hop_mac[1], dp.next_hop_mac[2], dp.next_hop_mac[3], dp.next_hop_mac[4],
			 dp.next_hop_mac[5]);
		lab_json_str(j, "next_hop_mac", mac);
		lab_json_str(j, "next_hop_from", dp.next_hop_source);
		/* why received frames were not forwarded, each by its name */
		lab_json_obj(j, "not_forwarded_by");
		lab_json_u64(j, "not_lab", t.not_lab - t.already_reflected);
		lab_json_u64(j, "already_marked", t.already_reflected);
		lab_json_u64(j, "malformed", t.malformed);
		lab_json_u64(j, "ttl_expired", t.ttl_expired);
		lab_json_u64(j, "dpdk_tx_dropped", t.tx_dropped);
		lab_json_obj_end(j);
		lab_json_u64(j, "already_marked", t.already_reflected);
		lab_json_u64(j, "ttl_expired", t.ttl_expired);
		lab_json_u64(j, "out_rx", t.out_rx); /* arrived on the out port, freed */
	} else {
		lab_json_u64(j, "already_reflected", t.already_reflected); /* tests/dataplane read it */
	}
	lab_json_obj(j, "verdicts");
	for (int v = 0; v < LAB_E_COUNT; v++)
		lab_json_u64(j, lab_verdict_name(v), t.verdict[v]);
	lab_json_obj_end(j);
	port_json(j, "ethdev", &pc.in);
	if (pc.forward)
		port_json(j, "ethdev_out", &pc.out);
	lab_json_obj(j, "clock");
	lab_json_dbl(j, "tsc_hz", dp.cal.hz);
	lab_json_u64(j, "tsc_err_ns", tsc_err_ns());
	lab_json_u64(j, "tsc_err_start_ns", dp.tsc_err_start_ns);
	lab_json_u64(j, "tsc_err_end_ns", dp.tsc_err_end_ns);
	lab_json_obj_end(j);
	lab_json_obj(j, "cycles");
	lab_json_u64(j, "busy_cycles", t.busy_cycles);
	lab_json_u64(j, "bursts", t.bursts);
	lab_json_dbl(j, "per_packet", per_packet(t.busy_cycles, t.rx));
	lab_json_obj_end(j);
}

const struct lab_dut_ops dp_dut_ops = {
	.cli = &dp_cli,
	.path = dp_path,
	.mode = dp_mode,
	.sample = dp_sample,
	.line = dp_line,
	.json = dp_json,
};

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_totals t;
	struct dp_ports pc;
	bool fwd = dp.cfg.forward;
	dp_totals(&t);
	port_counters(&pc);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "path", "dpdk");
	rte_tel_data_add_dict_string(d, "topology", fwd ? "forward" : "reflect");
	rte_tel_data_add_dict_string(d, "mode", dp.mode);
	rte_tel_data_add_dict_u64(d, "received", t.rx);
	rte_tel_data_add_dict_u64(d, fwd ? "forwarded" : "reflected", t.reflected);
	rte_tel_data_add_dict_u64(d, "not_lab", t.not_lab);
	rte_tel_data_add_dict_u64(d, "malformed", t.malformed);
	rte_tel_data_add_dict_u64(d, fwd ? "already_marked" : "already_reflected", t.already_reflected);
	if (fwd) {
		rte_tel_data_add_dict_u64(d, "ttl_expired", t.ttl_expired);
		rte_tel_data_add_dict_u64(d, "out_rx", t.out_rx);
	}
	rte_tel_data_add_dict_u64(d, "tx_errors", pc.sum.oerrors);
	rte_tel_data_add_dict_u64(d, "dpdk_imissed", pc.sum.imissed);
	rte_tel_data_add_dict_u64(d, "dpdk_rx_nombuf", pc.sum.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "dpdk_ierrors", pc.sum.ierrors);
	rte_tel_data_add_dict_u64(d, "dpdk_tx_dropped", t.tx_dropped);
	rte_tel_data_add_dict_u64(d, "tsc_err_ns", tsc_err_ns());
	rte_tel_data_add_dict_u64(d, "busy_cycles", t.busy_cycles);
	return 0;
}

int dp_telemetry_register(void)
{
	return rte_telemetry_register_cmd("/lab/stats", tel_stats,
					  "lab-dpdk counters: received, reflected (forwarded), not_lab, malformed,"
					  " drops. No parameters");
}
