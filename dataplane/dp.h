/* dp.h — what the parts of lab-dpdk share: the run's configuration, the per-lcore counters the
 * poll loops write, and the totals the control side (stats lines, JSON, telemetry) reads.
 * Two modes: the reflector (one port: RX, reflect, TX on the same port) and --forward (port 0 on
 * --iface receives, port 1 on --out-iface transmits: an l2fwd/l3fwd-like router hop). */
#ifndef LAB_DP_H
#define LAB_DP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "clock.h"
#include "dut.h"
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

/* lab-dpdk's own flags (flags.c); the shared ones are dp.dut.cfg: iface (NULL with --pci, or
 * EAL args without --iface), port, cpu (the polling lcore), ready file, stats, duration. */
struct dp_config {
	const char *pci;          /* hardware mode: a PCI address, allowlisted */
	int driver;               /* dp_driver_names[]: auto | af_xdp | af_packet */
	const char *prefix;       /* lab prefix; the EAL file prefix is <prefix>-dpdk */
	int main_cpu;             /* control CPU, -1 = choose */
	unsigned mbufs;
	unsigned rx_desc, tx_desc;
	int eth_port;             /* -1 = the port we probed (or the first) */
	unsigned calib_ms;        /* TSC calibration */
	bool expert_eal;          /* EAL args came from the command line before -- */
	unsigned cores;           /* --cores: polling lcores, one RX/TX queue pair each */
	bool forward;             /* --forward: receive on --iface (port 0), send on --out-iface (port 1) */
	const char *out_iface;    /* --out-iface (forward) */
	const char *next_hop;     /* --next-hop-mac (forward), NULL: the neighbour table's */
};

/* Written only by the lcore that owns it; read (relaxed) by the control side. One cache line
 * per hot group so that two pollers never share a line. */
struct dp_lcore_stats {
	uint64_t rx;           /* frames taken from the RX ring */
	uint64_t reflected;    /* frames the TX burst took */
	uint64_t not_lab;      /* someone else's traffic, dropped */
	uint64_t malformed;    /* claimed to be lab traffic but broken, dropped */
	uint64_t already_reflected; /* carried LAB_F_REFLECTED (forward: LAB_F_MARKED): never sent
				     * on twice (in not_lab) */
	uint64_t ttl_expired;  /* forward: TTL / hop limit <= 1, dropped (a drop point) */
	uint64_t out_rx;       /* forward: frames that arrived on the out port, freed (not received) */
	uint64_t tx_dropped;   /* reflected but not taken by the TX burst, freed */
	uint64_t busy_cycles;  /* TSC cycles in polls that returned frames (testpmd's accounting) */
	uint64_t bursts;       /* polls that returned frames */
	uint64_t verdict[LAB_E_COUNT];
} __rte_cache_aligned;

struct dp_worker {
	uint16_t port, queue;
	uint16_t out_port;     /* forward: the TX port (the same queue number) */
	bool is_main;          /* single-lcore mode: the main lcore polls and reports */
} __rte_cache_aligned;

struct dp_totals {
	uint64_t rx, reflected, not_lab, malformed, already_reflected, tx_dropped, busy_cycles, bursts;
	uint64_t ttl_expired, out_rx;
	uint64_t verdict[LAB_E_COUNT];
};

/* Port counters as the lab names them (from rte_eth_stats). */
struct dp_port_counters {
	uint64_t ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf;
	bool valid;
};

/* Both ports' (forward) or the one port's counters; sum: imissed, ierrors, rx_nombuf and oerrors
 * of both added (what the drop points and tx_errors report). */
struct dp_ports {
	struct dp_port_counters in, out, sum;
	bool forward;
};

struct dp_state {
	struct lab_dut dut;       /* the shared flags, the control loop, the stats (common/dut.h) */
	struct dp_config cfg;
	struct lab_tsc_cal cal;
	uint64_t tsc_err_start_ns, tsc_err_end_ns;
	uint16_t port_id;
	uint16_t nb_queues;
	char mode[48];            /* net_af_xdp, net_af_packet, or the PMD's driver name (forward, when
				   * the two ports differ: "<in>:<out>") */
	char dev_name[64];
	/* forward: the out port, its MAC (the forwarded frames' source) and the next hop's */
	uint16_t out_port_id;
	char out_mode[32];
	char out_dev_name[64];
	uint8_t out_mac[6], next_hop_mac[6];
	char next_hop_source[96];  /* where next_hop_mac came from, for the start line and the JSON */
	char file_prefix[64];
	char fallback_reason[160];
	_Atomic bool quit;        /* set by the control side; pollers read it relaxed */
	_Atomic bool port_up;     /* telemetry may read port stats only while this holds */
	struct dp_lcore_stats stats[RTE_MAX_LCORE];
	struct dp_worker workers[RTE_MAX_LCORE];
};

extern struct dp_state dp;

/* flags.c: lab-dpdk's command line; dp_parse_flags fills dp.dut.cfg and dp.cfg from the lab
 * flags (after "--" when EAL args come first) */
extern const char *const dp_driver_names[];
extern const struct lab_dut_cli dp_cli;
void dp_parse_flags(int argc, char **argv, bool expert_eal);

/* eal_args.c: the EAL command line, built from the flags or taken as given before "--";
 * returns its argc (eal_argv NULL-terminated, at most DP_MAX_EAL_ARGS) */
int dp_eal_args(char **argv, int dashdash, char **eal_argv, char *buf, size_t bufsz);
/* every Linux interface the EAL would open (--iface, an EAL vdev's iface=) in a lab namespace */
void dp_eal_check_scope(int eal_argc, char **eal_argv);
/* after rte_eal_init: warn when dpdk-dumpcap would find no memory (IOVA as PA, no -m) */
void dp_eal_note_capture_memory(int eal_argc, char **eal_argv);

/* locks.c: one lab-dpdk per file prefix and per port (and none beside a lab AF_XDP port);
 * a refusal is one line and exit 1 */
void dp_lock_instance(void);
void dp_unlock_instance(void);

/* hugepages.c: the EAL's files on disk */
long dp_hugepages_free(void);
/* the hugepage files of our file prefix and the EAL's runtime dir: the lab wants none left */
void dp_remove_eal_files(const char *runtime_dir);

/* worker.c: the poll loop of one lcore (with one lcore it also ticks the control loop) */
int dp_worker_main(void *arg);

/* port.c: probe (af_xdp, then af_packet when allowed), configure, start; with --forward a
 * second vdev on --out-iface (port 1). 0 or -1 (logged). */
int dp_port_open(void);
void dp_port_close(void);
void dp_port_counters(struct dp_ports *pc);

/* forward.c: --forward's checks before the EAL (the out interface, the next hop's MAC); exits 2
 * with one line on a bad value */
void dp_forward_prepare(void);

/* report.c: the counters summed over the lcores, the DUT ops table, telemetry */
void dp_totals(struct dp_totals *t);
extern const struct lab_dut_ops dp_dut_ops;
int dp_telemetry_register(void);
void dp_report_lock(void);
void dp_report_unlock(void);

#endif
