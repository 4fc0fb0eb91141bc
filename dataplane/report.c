/* report.c — lab-dpdk's counters as people and programs read them: summed over the polling
 * lcores, printed as interval lines, written as the stats JSON of the README contract, and
 * answered live through DPDK telemetry (/lab/stats). */
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
		t->looped += rd(&s->looped);
		t->tx_dropped += rd(&s->tx_dropped);
		t->busy_cycles += rd(&s->busy_cycles);
		t->bursts += rd(&s->bursts);
		for (int v = 0; v < LAB_E_COUNT; v++)
			t->verdict[v] += rd(&s->verdict[v]);
	}
}

static double per_packet(uint64_t cycles, uint64_t pkts) { return pkts ? (double)cycles / (double)pkts : 0; }

void dp_print_line(const char *label, const struct dp_totals *now, const struct dp_totals *before,
		   const struct dp_port_counters *pc, double dt_s)
{
	uint64_t rx = now->rx - before->rx, refl = now->reflected - before->reflected;
	double kpps = dt_s > 0 ? (double)refl / dt_s / 1e3 : 0;
	printf("%s: %s %.1fs: rx %" PRIu64 " reflected %" PRIu64 " (%.1f kpps) not_lab %" PRIu64
	       " malformed %" PRIu64 " tx_dropped %" PRIu64 " imissed %" PRIu64 " rx_nombuf %" PRIu64
	       " ierrors %" PRIu64 " oerrors %" PRIu64 " cycles/pkt %.0f\n",
	       lab_prog(), label, dt_s, rx, refl, kpps, now->not_lab - before->not_lab,
	       now->malformed - before->malformed, now->tx_dropped - before->tx_dropped,
	       pc->imissed, pc->rx_nombuf, pc->ierrors, pc->oerrors,
	       per_packet(now->busy_cycles - before->busy_cycles, rx));
	fflush(stdout);
}

static uint64_t tsc_err_ns(void)
{
	return dp.tsc_err_start_ns > dp.tsc_err_end_ns ? dp.tsc_err_start_ns : dp.tsc_err_end_ns;
}

struct json_arg {
	struct dp_totals t;
	struct dp_port_counters pc;
	uint64_t end_ns;
};

static void json_fill(struct lab_json *j, void *argp)
{
	const struct json_arg *a = argp;
	const struct dp_totals *t = &a->t;
	lab_json_str(j, "path", "dpdk");
	lab_json_str(j, "mode", dp.mode);
	lab_json_str(j, "device", dp.dev_name);
	lab_json_str(j, "iface", dp.cfg.iface);
	lab_json_str(j, "file_prefix", dp.file_prefix);
	if (dp.fallback_reason[0] && strcmp(dp.mode, "net_af_xdp") != 0)
		lab_json_str(j, "fallback_reason", dp.fallback_reason);
	lab_json_u64(j, "udp_port", dp.cfg.udp_port);
	lab_json_u64(j, "queues", dp.nb_queues);
	lab_json_dbl(j, "duration_s", (double)(a->end_ns - dp.start_ns) / 1e9);
	lab_json_u64(j, "received", t->rx);
	lab_json_u64(j, "reflected", t->reflected);
	lab_json_u64(j, "not_lab", t->not_lab);
	lab_json_u64(j, "malformed", t->malformed);
	lab_json_u64(j, "tx_errors", a->pc.oerrors);
	lab_json_u64(j, "already_reflected", t->looped);
	lab_json_obj(j, "verdicts");
	for (int v = 0; v < LAB_E_COUNT; v++)
		lab_json_u64(j, lab_verdict_name(v), t->verdict[v]);
	lab_json_obj_end(j);
	lab_json_obj(j, "drops");
	lab_json_u64(j, "dpdk_imissed", a->pc.imissed);
	lab_json_u64(j, "dpdk_rx_nombuf", a->pc.rx_nombuf);
	lab_json_u64(j, "dpdk_ierrors", a->pc.ierrors);
	lab_json_u64(j, "dpdk_tx_dropped", t->tx_dropped);
	lab_json_obj_end(j);
	lab_json_obj(j, "port");
	lab_json_bool(j, "valid", a->pc.valid);
	lab_json_u64(j, "ipackets", a->pc.ipackets);
	lab_json_u64(j, "opackets", a->pc.opackets);
	lab_json_u64(j, "imissed", a->pc.imissed);
	lab_json_u64(j, "ierrors", a->pc.ierrors);
	lab_json_u64(j, "oerrors", a->pc.oerrors);
	lab_json_u64(j, "rx_nombuf", a->pc.rx_nombuf);
	lab_json_obj_end(j);
	lab_json_obj(j, "clock");
	lab_json_dbl(j, "tsc_hz", dp.cal.hz);
	lab_json_u64(j, "tsc_err_ns", tsc_err_ns());
	lab_json_u64(j, "tsc_err_start_ns", dp.tsc_err_start_ns);
	lab_json_u64(j, "tsc_err_end_ns", dp.tsc_err_end_ns);
	lab_json_obj_end(j);
	lab_json_obj(j, "cycles");
	lab_json_u64(j, "busy_cycles", t->busy_cycles);
	lab_json_u64(j, "bursts", t->bursts);
	lab_json_dbl(j, "per_packet", per_packet(t->busy_cycles, t->rx));
	lab_json_obj_end(j);
}

/* Called after the pollers stopped and before the port closes: the counters are final. */
int dp_write_stats_json(const char *path)
{
	struct json_arg a;
	dp_totals(&a.t);
	dp_port_counters(&a.pc);
	a.end_ns = lab_now_ns();
	return lab_json_write_file(path, json_fill, &a);
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct dp_totals t;
	struct dp_port_counters pc = {0};
	dp_totals(&t);
	dp_report_lock();
	if (atomic_load(&dp.port_up))
		dp_port_counters(&pc);
	dp_report_unlock();

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "path", "dpdk");
	rte_tel_data_add_dict_string(d, "mode", dp.mode);
	rte_tel_data_add_dict_u64(d, "received", t.rx);
	rte_tel_data_add_dict_u64(d, "reflected", t.reflected);
	rte_tel_data_add_dict_u64(d, "not_lab", t.not_lab);
	rte_tel_data_add_dict_u64(d, "malformed", t.malformed);
	rte_tel_data_add_dict_u64(d, "already_reflected", t.looped);
	rte_tel_data_add_dict_u64(d, "tx_errors", pc.oerrors);
	rte_tel_data_add_dict_u64(d, "dpdk_imissed", pc.imissed);
	rte_tel_data_add_dict_u64(d, "dpdk_rx_nombuf", pc.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "dpdk_ierrors", pc.ierrors);
	rte_tel_data_add_dict_u64(d, "dpdk_tx_dropped", t.tx_dropped);
	rte_tel_data_add_dict_u64(d, "tsc_err_ns", tsc_err_ns());
	rte_tel_data_add_dict_u64(d, "busy_cycles", t.busy_cycles);
	return 0;
}

int dp_telemetry_register(void)
{
	return rte_telemetry_register_cmd("/lab/stats", tel_stats,
					  "lab-dpdk counters: received, reflected, not_lab, malformed,"
					  " drops. No parameters");
}
