/* main.c — lab-dpdk, the poll-mode DPDK reflector (or, with --forward, forwarder from one port
 * to another): the run from the flags to a teardown that leaves no hugepage file, runtime
 * directory or XDP program behind. Its parts: the flags (flags.c), the EAL command line
 * (eal_args.c), one instance per prefix and port (locks.c), the EAL's files (hugepages.c), the
 * next hop (forward.c), the ports (port.c), the poll loop (worker.c), the counters (report.c);
 * the control loop, the totals line and the stats JSON are the DUT driver's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "caps.h"
#include "dp.h"
#include "log.h"
#include "util.h"

struct dp_state dp;

static void print_start(void)
{
	unsigned lc;
	char workers[128] = "";
	size_t u = 0;
	RTE_LCORE_FOREACH(lc)
		if (dp.workers[lc].is_main || lc != rte_get_main_lcore())
			u += (size_t)snprintf(workers + u, sizeof(workers) - u, "%s%u", u ? "," : "", lc);
	if (dp.cfg.forward) {
		const uint8_t *m = dp.next_hop_mac;
		printf("%s: forwarding UDP :%u from %s via %s (port %u) to %s via %s (port %u), next hop"
		       " %02x:%02x:%02x:%02x:%02x:%02x (%s), %u queue%s, polling lcore %s, main lcore"
		       " %u%s\n", lab_prog(), dp.dut.cfg.port, dp.dut.cfg.iface, dp.dev_name, dp.port_id,
		       dp.cfg.out_iface, dp.out_dev_name, dp.out_port_id, m[0], m[1], m[2], m[3], m[4],
		       m[5], dp.next_hop_source, dp.nb_queues, dp.nb_queues == 1 ? "" : "s", workers,
		       rte_get_main_lcore(),
		       dp.workers[rte_get_main_lcore()].is_main ? " (one lcore: it polls and reports)" : "");
	} else {
		printf("%s: reflecting UDP :%u on %s via %s (port %u, %u queue%s), polling lcore %s, main"
		       " lcore %u%s\n", lab_prog(), dp.dut.cfg.port,
		       dp.dut.cfg.iface ? dp.dut.cfg.iface : dp.dev_name, dp.mode, dp.port_id,
		       dp.nb_queues, dp.nb_queues == 1 ? "" : "s", workers, rte_get_main_lcore(),
		       dp.workers[rte_get_main_lcore()].is_main ? " (one lcore: it polls and reports)" : "");
	}
	if (dp.cfg.forward && dp.fallback_reason[0])
		printf("%s: net_af_packet instead of net_af_xdp: %s\n", lab_prog(), dp.fallback_reason);
	else if (strcmp(dp.mode, "net_af_xdp") != 0 && dp.fallback_reason[0])
		printf("%s: fallback to %s: %s\n", lab_prog(), dp.mode, dp.fallback_reason);
	printf("%s: TSC %.6f GHz -> CLOCK_MONOTONIC, error %lu ns at start; file prefix %s:"
	       " dpdk-telemetry.py -f %s (/lab/stats), dpdk-dumpcap --file-prefix=%s -i %s\n",
	       lab_prog(), dp.cal.hz / 1e9, (unsigned long)dp.tsc_err_start_ns, dp.file_prefix,
	       dp.file_prefix, dp.file_prefix, dp.dev_name);
	fflush(stdout);
}

/* Everything before the EAL: the lab flags (first: --help and usage errors need no hugepages),
 * the EAL command line, the scope, the locks, free hugepages, the TSC. Returns the EAL's argc. */
static int prepare(int argc, char **argv, char **eal_argv, char *buf, size_t bufsz)
{
	int dashdash = -1;
	for (int i = 1; i < argc && dashdash < 0; i++)
		if (strcmp(argv[i], "--") == 0)
			dashdash = i;
	dp_parse_flags(dashdash >= 0 ? argc - dashdash : argc, dashdash >= 0 ? argv + dashdash : argv,
		       dashdash > 1);
	snprintf(dp.file_prefix, sizeof(dp.file_prefix), "%s-dpdk", dp.cfg.prefix);
	int eal_argc = dp_eal_args(argv, dashdash, eal_argv, buf, bufsz);
	dp_eal_check_scope(eal_argc, eal_argv);
	if (dp.cfg.forward) {
		dp_forward_prepare();
		dp.dut.forward = true;
	}
	dp_lock_instance();
	if (dp_hugepages_free() == 0)
		lab_die(LAB_EXIT_RUNTIME, "no free hugepages: 'setup/lab up' reserves them (or echo 256 >"
			" /proc/sys/vm/nr_hugepages and mount hugetlbfs)");
	if (lab_tsc_calibrate(&dp.cal, dp.cfg.calib_ms) != 0)
		lab_die(LAB_EXIT_RUNTIME, "no usable TSC on this machine");
	dp.tsc_err_start_ns = dp.cal.max_err_ns;
	return eal_argc;
}

/* The EAL up, one queue per polling lcore, capture and telemetry offered. From here the EAL's
 * runtime dir and hugepage files are ours: every exit cleans them. */
static void start_eal(int eal_argc, char **eal_argv, char *runtime_dir, size_t len)
{
	unsigned lc, q = 0;
	lab_install_stop_signals();
	for (int i = 0; i < eal_argc; i++)
		lab_debug("EAL arg %d: %s", i, eal_argv[i]);
	if (rte_eal_init(eal_argc, eal_argv) < 0)
		lab_die(LAB_EXIT_RUNTIME, "EAL init failed: %s (file prefix %s; hugepages free? run as"
			" root; see the EAL lines above)", rte_strerror(rte_errno), dp.file_prefix);
	dp_eal_note_capture_memory(eal_argc, eal_argv);
	snprintf(runtime_dir, len, "%s", rte_eal_get_runtime_dir());
	RTE_LCORE_FOREACH_WORKER(lc) dp.workers[lc].queue = (uint16_t)q++;
	if (q == 0) {
		dp.workers[rte_get_main_lcore()].is_main = true;
		q = 1;
	}
	dp.nb_queues = (uint16_t)q;
	if (rte_pdump_init() != 0)
		lab_warn("pdump init failed: %s (dpdk-dumpcap will not attach)", rte_strerror(rte_errno));
	if (dp_telemetry_register() != 0)
		lab_warn("telemetry command /lab/stats not registered");
}

/* The workers poll; the main lcore runs the control loop between sleeps (with one lcore it
 * polls and ticks it itself). Returns once every lcore stopped. */
static int run(void)
{
	unsigned lc;
	int rc = LAB_EXIT_OK;
	lab_dut_gaps_init(&dp.dut); /* before the pollers run: they write it */
	RTE_LCORE_FOREACH_WORKER(lc) rte_eal_remote_launch(dp_worker_main, NULL, lc);
	if (lab_dut_start(&dp.dut) < 0) {
		atomic_store(&dp.quit, true);
		rc = LAB_EXIT_RUNTIME;
	}
	if (dp.workers[rte_get_main_lcore()].is_main)
		dp_worker_main(NULL);
	else
		while (!atomic_load(&dp.quit) && !lab_dut_tick(&dp.dut, lab_now_ns()))
			usleep(10000);
	atomic_store(&dp.quit, true);
	rte_eal_mp_wait_lcore();
	dp.tsc_err_end_ns = lab_tsc_check_ns(&dp.cal, 64);
	return rc;
}

int main(int argc, char **argv)
{
	/* polling, sending and reading counters need no privilege; closing an af_xdp port detaches
	 * its XDP program (netlink: CAP_NET_ADMIN). Every EAL thread drops too. */
	static const int keep[] = {CAP_NET_ADMIN};
	char *eal_argv[DP_MAX_EAL_ARGS + 1], eal_buf[512], runtime_dir[256], cerr[300];
	int rc = LAB_EXIT_RUNTIME;
	unsigned lc;

	int eal_argc = prepare(argc, argv, eal_argv, eal_buf, sizeof(eal_buf));
	start_eal(eal_argc, eal_argv, runtime_dir, sizeof(runtime_dir));
	if (!lab_stop && dp_port_open() == 0) {
		RTE_LCORE_FOREACH(lc) {
			dp.workers[lc].port = dp.port_id;
			dp.workers[lc].out_port = dp.cfg.forward ? dp.out_port_id : dp.port_id;
		}
		atomic_store(&dp.port_up, true);
		print_start();
		if (lab_caps_keep(keep, 1, cerr, sizeof(cerr)) < 0)
			lab_err("dropping capabilities: %s", cerr);
		else
			rc = run();
		rc = lab_dut_finish(&dp.dut, rc);
		dp_report_lock();
		atomic_store(&dp.port_up, false);
		dp_report_unlock();
		dp_port_close();
	}
	rte_pdump_uninit();
	rte_eal_cleanup();
	dp_remove_eal_files(runtime_dir);
	dp_unlock_instance();
	/* a stale ready file would tell the next waiter we serve when we no longer do */
	if (dp.dut.cfg.ready_file)
		unlink(dp.dut.cfg.ready_file);
	fflush(stdout);
	return rc;
}
