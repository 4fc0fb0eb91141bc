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
#include "stp.h"

#define KERN_BATCH_MAX 256
/* A slot holds the largest UDP payload, so nothing is ever cut short by our buffer. */
#define KERN_SLOT_BYTES 65536
/* How long any wait may last before the loop looks at the stop flag and the clock again. */
#define KERN_WAIT_MS 100

enum kern_mode { KERN_MODE_BLOCKING, KERN_MODE_BUSY_POLL, KERN_MODE_EPOLL };
extern const char *const kern_mode_names[];
extern const char *const kern_stamps_names[]; /* --stamps: user, kernel, hw */

/* The user TX times of the replies in flight, by sequence number, until the kernel's TX stamp
 * of each comes back on the error queue (kern_stamps.c). */
#define KERN_TX_RING 8192

/* --stamps and --stamps-file (kern_stamps.c). */
struct kern_stamps {
	int opt;                  /* --stamps as parsed: index into kern_stamps_names */
	enum lab_stp_src mode;    /* what goes into the frame's dut_rx (dut_tx is always user) */
	const char *file;         /* --stamps-file, or NULL */
	struct lab_stp_writer w;
	uint64_t user_rx_ns;      /* this batch's clock read at recvmmsg's return */
	uint64_t kern_rx_ns[KERN_BATCH_MAX]; /* this batch's kernel RX stamps (0: none) */
	uint32_t ring_seq[KERN_TX_RING];
	uint64_t ring_ns[KERN_TX_RING]; /* 0: the slot is free */
	uint64_t rx_pairs, rx_no_kernel, tx_pairs, tx_unmatched;
	uint64_t pending;         /* replies whose TX stamp has not come back yet */
};

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

	struct kern_stamps st;

	struct kern_sock sk;
	struct kern_counts c;
	struct kern_clock clk;
	uint32_t sk_drops;        /* SO_RXQ_OVFL / SO_MEMINFO: this socket's drops */
	bool snmp_ok, have6;
	uint64_t snmp4_start, snmp6_start, snmp4, snmp6;
	bool csum_ok;             /* InCsumErrors read: checksum failures, which sk_drops holds too */
	uint64_t csum_start, csum; /* v4 + v6 */
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

/* kern_stamps.c: --stamps checked (hw refused here, exit 2), the side file opened (exit 1 when
 * it cannot be), a batch's pairs written, the TX stamps' cmsg, the error queue drained, closed. */
void kern_stamps_check(struct kern_run *r);
void kern_stamps_open(struct kern_run *r);
void kern_stamps_batch(struct kern_run *r, unsigned n, uint64_t tx_ns);
size_t kern_stamps_cmsg(struct kern_run *r, unsigned i, uint8_t *buf, size_t used, size_t cap);
void kern_stamps_drain(struct kern_run *r);
void kern_stamps_close(struct kern_run *r);
void kern_stamps_json(struct lab_json *j, const struct kern_run *r);

/* kern_fwd.c: the relay's send sockets (exits 2 on a bad --to or --out-iface), one batch
 * relayed, and the sockets closed. */
void kern_fwd_setup(struct kern_run *r);
void kern_fwd_open(struct kern_run *r);
void kern_fwd_batch(struct kern_run *r, unsigned n);
void kern_fwd_close(struct kern_run *r);

#endif
