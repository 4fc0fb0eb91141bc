/* xsk_run.h — what lab-xsk's files share: its own settings (beside the DUT driver's shared
 * flags), the AF_XDP port and the counters of the userspace reflector. */
#ifndef XSK_RUN_H
#define XSK_RUN_H

#include <stdbool.h>

#include "dut.h"
#include "xsk_port.h"

#define XSK_BATCH_MAX 256
/* The longest sleep in poll() when idle: a stop signal or the next interval line is noticed
 * within it. */
#define XSK_WAIT_MS 100

/* --mode */
enum xsk_run_mode {
	XSK_RUN_XSK = 0,    /* AF_XDP in userspace: reflect, or with --forward forward to --out-iface */
	XSK_RUN_XDPTX = 1,  /* the program reflects (XDP_TX), we only hold and count */
	XSK_RUN_XDPFWD = 2, /* the program forwards to --out-iface (XDP_REDIRECT), we hold and count */
};

struct xsk_run {
	struct lab_dut dut;       /* the shared flags, the control loop, the stats */
	struct xsk_port_opts po;  /* .iface and .port come from the shared flags */
	unsigned mode;            /* enum xsk_run_mode */
	bool prog_only;           /* xdptx, xdpfwd: no socket, the program does the work */
	bool forward;             /* --forward, or xdpfwd: the forward topology (dut.forward too) */
	const char *out_iface;    /* --out-iface */
	const char *next_hop_arg; /* --next-hop-mac, or NULL: from --out-iface's neighbour table */
	uint8_t out_mac[6];       /* forward: Ethernet source (--out-iface's MAC) */
	uint8_t next_hop[6];      /* forward: Ethernet destination */
	struct xsk_port *peer;    /* xsk --forward: the TX socket on --out-iface sharing the UMEM */
	struct xsk_port_stats pst; /* the peer's, as last read */
	uint64_t ttl_expired;     /* xsk --forward: TTL / hop limit <= 1, dropped */
	uint64_t redirect_errors; /* xdpfwd: the kernel's failed redirects, as last read */
	unsigned batch;
	bool spin;
	struct xsk_port *port;
	struct lab_dut_counts c;  /* the userspace reflector's (xsk mode) */
	struct xsk_port_stats st; /* the port's, as last read */
	int stats_err;            /* the last failure reading them, said once */
	bool link_gone_said;      /* the interface went away under the spinning loop: said once */
};

/* xsk_flags.c: its command line (own flags, --help text) */
extern const struct lab_dut_cli xsk_cli;
void xsk_check_flags(struct xsk_run *r);

/* xsk_report.c: the DUT ops table (counters, drops, lines, JSON) */
extern const struct lab_dut_ops xsk_dut_ops;

/* xsk_loop.c: receive, reflect, send until the driver says stop. 0, or -errno (logged). */
int xsk_run_loop(struct xsk_run *r);

#endif
