/* kfwd.h — lab-kfwd: the kernel's own IP forwarding as a lab path (no process in the packet path).
 * What its files share: the run (own flags, the sysctls it changed, the counters at start and
 * now). lab_kfwd.c: flags, --help, the DUT driver's hooks, main; kfwd_sys.c: the sysctls and the
 * link and qdisc counters. */
#ifndef KFWD_H
#define KFWD_H

#include <stdbool.h>
#include <stdint.h>

#include "dut.h"
#include "kfwd_bpf.h"
#include "kfwd_ctr.h"

#define KFWD_SYSCTL_MAX 28 /* the forwarding sysctls, and --iface's rps_cpus per RX queue */

/* One forwarding sysctl as found at start, put back at exit. */
struct kfwd_sysctl {
	char path[256];
	char old[32];   /* rps_cpus masks grow by 9 characters every 32 cores */   /* the value as read, without the newline */
	bool have;      /* read at start */
};

/* The interface counters beside the snmp ones. */
struct kfwd_link {
	uint64_t rx_packets;  /* --iface: what came in */
	uint64_t tx_dropped;  /* --out-iface: the device's tx_dropped */
	uint64_t qdisc_drops; /* --out-iface: its root qdiscs' drops */
};

struct kfwd {
	struct lab_dut dut;
	const char *out_iface;   /* --out-iface */
	unsigned poll_ms;        /* the control loop's sleep */

	struct kfwd_sysctl sc[KFWD_SYSCTL_MAX];
	unsigned n_sc;
	bool enabled;            /* forwarding turned on by us (restore due) */
	bool restored;           /* put back */
	bool was_on;             /* ip_forward was 1 at start already */
	int restore_errors;

	int rps_cpu;             /* --cpu: --iface's RPS steered there (-1: left as found) */
	bool no_bpf;             /* --no-bpf: no tc stamping, frames leave unmarked */
	bool tc_on;              /* the tc programs are attached */
	uint64_t tc_counts[KFWD_C_COUNT];

	bool ctr_ok;
	struct kfwd_ctrs start, now;
	struct kfwd_link lstart, lnow;
	bool qdisc_ok;
};

/* kfwd_sys.c */
/* Read the forwarding sysctls of --iface and --out-iface (and the namespace's), then turn IPv4
 * and IPv6 forwarding on. 0, or -1 (logged) when IPv4 forwarding cannot be turned on. */
int kfwd_forwarding_on(struct kfwd *k);
/* --cpu N: --iface's receive processing (RPS, every RX queue's rps_cpus) steered to core N, so
 * that the kernel forwards on the DUT core (on a veth it would run where the sender's softirq
 * runs: the generator's core). The masks as found join the sysctls put back at exit. 0, or -1
 * (logged). Call after kfwd_forwarding_on. */
int kfwd_rps_on(struct kfwd *k, int cpu);
/* Put back every sysctl as found (once; atexit calls it too). */
void kfwd_forwarding_restore(struct kfwd *k);
/* The link and qdisc counters now. */
void kfwd_link_read(struct kfwd *k, struct kfwd_link *l);

/* kfwd_tc.c: the tc programs that stamp and mark lab datagrams (kfwd.bpf.c). attach: 0 or
 * -errno (err says why; what was attached stays until detach); detach: everything undone. */
int kfwd_tc_attach(struct kfwd *k, char *err, size_t errlen);
void kfwd_tc_detach(struct kfwd *k);
int kfwd_tc_counts(uint64_t out[KFWD_C_COUNT]);
bool kfwd_tc_built(void);

#endif
