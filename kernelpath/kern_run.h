/* kern_run.h — what lab-kern's files share: the run's own settings (beside the shared flags of
 * the DUT driver), its socket, counters and clock, and the receive batch. */
#ifndef KERN_RUN_H
#define KERN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "dut.h"
#include "kern_batch.h"
#include "kern_clock.h"
#include "kern_sock.h"

#define KERN_BATCH_MAX 256
/* A slot holds the largest UDP payload, so nothing is ever cut short by our buffer. */
#define KERN_SLOT_BYTES 65536
/* How long any wait may last before the loop looks at the stop flag and the clock again. */
#define KERN_WAIT_MS 100

enum kern_mode { KERN_MODE_BLOCKING, KERN_MODE_BUSY_POLL, KERN_MODE_EPOLL };
extern const char *const kern_mode_names[];

struct kern_run {
	struct lab_dut dut;       /* the shared flags, the control loop, the stats */
	/* own flags */
	struct kern_sock_opts so; /* .iface and .port come from the shared flags */
	enum kern_mode mode;
	int fifo_prio;            /* -1: SCHED_OTHER */
	unsigned batch;
	double clock_interval_s;

	/* --forward: the relay (kern_fwd.c) */
	bool forward;
	const char *out_iface;    /* --out-iface: the send sockets' device */
	const char *to;           /* --to: where datagrams of its family go */
	struct sockaddr_in to4;
	struct sockaddr_in6 to6;
	int out_fd4, out_fd6;     /* bound to out_iface's address of the family; -1: none */
	char out_desc4[64], out_desc6[96];
	uint64_t no_out_socket;   /* lab payloads of a family out_iface has no address of */

	struct kern_sock sk;
	struct kern_counts c;
	struct kern_clock clk;
	uint32_t sk_drops;        /* SO_RXQ_OVFL / SO_MEMINFO: this socket's drops */
	bool snmp_ok, have6;
	uint64_t snmp4_start, snmp6_start, snmp4, snmp6;
	int last_tx_errno;
	char napi_defer[32], gro_flush[32];

	struct mmsghdr rx[KERN_BATCH_MAX], tx[KERN_BATCH_MAX];
	struct iovec riov[KERN_BATCH_MAX], tiov[KERN_BATCH_MAX];
	struct sockaddr_storage names[KERN_BATCH_MAX];
	uint8_t rctl[KERN_BATCH_MAX][KERN_RX_CMSG_LEN] __attribute__((aligned(8)));
	uint8_t tctl[KERN_BATCH_MAX][KERN_TX_CMSG_LEN] __attribute__((aligned(8)));
	struct kern_pkt pkts[KERN_BATCH_MAX];
	uint8_t *data;
};

/* kern_flags.c: its command line (own flags, --help text) */
extern const struct lab_dut_cli kern_cli;
void kern_defaults(struct kern_run *r);
void kern_check_flags(struct kern_run *r);

/* kern_report.c: the DUT ops table (counters, drops, lines, JSON) */
extern const struct lab_dut_ops kern_dut_ops;

/* kern_loop.c: the receive loop of --mode. 0, or -1 on a receive error (logged). */
int kern_run_loop(struct kern_run *r);
/* Hand k prepared messages r->tx[0..k) to fd; a refused one is counted in tx_errors and skipped. */
void kern_send_all(struct kern_run *r, int fd, unsigned k);
/* Receive slots 0..n re-armed after use. */
void kern_arm_rx(struct kern_run *r, unsigned n);
/* Datagram i of a batch into r->pkts[i]: its control data into *meta, the socket's overflow
 * count, payload, length, truncation, and its receive time (the kernel's stamp on the lab's
 * clock, else recv_ns, counted as missing). */
void kern_rx_fill(struct kern_run *r, unsigned i, uint64_t recv_ns, struct kern_rx_meta *meta);

/* kern_fwd.c: the relay's send sockets (exits 2 on a bad --to or --out-iface), one batch
 * relayed, and the sockets closed. */
void kern_fwd_setup(struct kern_run *r);
void kern_fwd_open(struct kern_run *r);
void kern_fwd_batch(struct kern_run *r, unsigned n);
void kern_fwd_close(struct kern_run *r);

#endif
