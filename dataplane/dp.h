/* dp.h — what the parts of lab-dpdk share: the run's configuration, the per-lcore counters the
 * poll loops write, and the totals the control side (stats lines, JSON, telemetry) reads. */
#ifndef LAB_DP_H
#define LAB_DP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "clock.h"
#include "frame.h"

#define DP_BURST 32
/* EAL arguments lab-dpdk passes on, its own name included (eal_argv has one more, the NULL) */
#define DP_MAX_EAL_ARGS 63
/* Memory a DPDK secondary such as dpdk-dumpcap allocates (its ring, and a pool of 2 x 2048 mbufs
 * of ~2.4 KB by default: ~10 MB) is mapped by the primary, on request, while it runs: after
 * lab-dpdk dropped its capabilities. Mapping a new hugepage then fails when IOVA addresses are
 * physical (PA: the EAL reads them from /proc/self/pagemap, which needs CAP_SYS_ADMIN), and
 * vfio pins it against RLIMIT_MEMLOCK without CAP_IPC_LOCK. So vdevs (no DMA) run with
 * --iova-mode=va, and a PCI port gets -m: this much beyond our own pool, mapped at start. */
#define DP_CAPTURE_RESERVE_MB 48u

struct dp_config {
	const char *iface;        /* vdev mode: the Linux interface (dut0) */
	const char *pci;          /* hardware mode: a PCI address, allowlisted */
	const char *driver;       /* auto | af_xdp | af_packet */
	const char *prefix;       /* lab prefix; the EAL file prefix is <prefix>-dpdk */
	const char *ready_file;
	const char *stats_json;
	uint16_t udp_port;        /* lab traffic: UDP to this port */
	int cpu;                  /* worker CPU, -1 = choose */
	int main_cpu;             /* control CPU, -1 = choose */
	double stats_interval_s;  /* 0 = no periodic lines */
	double duration_s;        /* 0 = until SIGINT/SIGTERM */
	unsigned mbufs;
	unsigned rx_desc, tx_desc;
	int eth_port;             /* -1 = the port we probed (or the first) */
	bool expert_eal;          /* EAL args came from the command line before -- */
};

/* Written only by the lcore that owns it; read (relaxed) by the control side. One cache line
 * per hot group so that two pollers never share a line. */
struct dp_lcore_stats {
	uint64_t rx;           /* frames taken from the RX ring */
	uint64_t reflected;    /* frames the TX burst took */
	uint64_t not_lab;      /* someone else's traffic, dropped */
	uint64_t malformed;    /* claimed to be lab traffic but broken, dropped */
	uint64_t looped;       /* already carried LAB_F_REFLECTED: never reflected twice (in not_lab) */
	uint64_t tx_dropped;   /* reflected but not taken by the TX burst, freed */
	uint64_t busy_cycles;  /* TSC cycles in polls that returned frames (testpmd's accounting) */
	uint64_t bursts;       /* polls that returned frames */
	uint64_t verdict[LAB_E_COUNT];
} __rte_cache_aligned;

struct dp_worker {
	uint16_t port, queue;
	bool is_main;          /* single-lcore mode: the main lcore polls and reports */
} __rte_cache_aligned;

struct dp_totals {
	uint64_t rx, reflected, not_lab, malformed, looped, tx_dropped, busy_cycles, bursts;
	uint64_t verdict[LAB_E_COUNT];
};

/* Port counters as the lab names them (from rte_eth_stats). */
struct dp_port_counters {
	uint64_t ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf;
	bool valid;
};

struct dp_state {
	struct dp_config cfg;
	struct lab_tsc_cal cal;
	uint64_t tsc_err_start_ns, tsc_err_end_ns;
	uint16_t port_id;
	uint16_t nb_queues;
	char mode[32];            /* net_af_xdp, net_af_packet, or the PMD's driver name */
	char dev_name[64];
	char file_prefix[64];
	char fallback_reason[160];
	uint64_t start_ns;
	_Atomic bool quit;        /* set by the control side; pollers read it relaxed */
	_Atomic bool port_up;     /* telemetry may read port stats only while this holds */
	struct dp_lcore_stats stats[RTE_MAX_LCORE];
	struct dp_worker workers[RTE_MAX_LCORE];
};

extern struct dp_state dp;

/* worker.c */
int dp_worker_main(void *arg);
/* Called by the polling main lcore in single-lcore mode between bursts. */
void dp_control_tick(uint64_t now_tsc);
void dp_control_init(void);

/* port.c: probe (af_xdp, then af_packet when allowed), configure, start. 0 or -1 (logged). */
int dp_port_open(void);
void dp_port_close(void);
void dp_port_counters(struct dp_port_counters *pc);

/* report.c */
void dp_totals(struct dp_totals *t);
void dp_print_line(const char *label, const struct dp_totals *now, const struct dp_totals *before,
		   const struct dp_port_counters *pc, double dt_s);
int dp_write_stats_json(const char *path);
int dp_telemetry_register(void);
void dp_report_lock(void);
void dp_report_unlock(void);

#endif
