/* kern_run.h — what lab-kern's files share: the run's own settings (beside the shared flags of
 * the DUT driver), its socket, counters and clock, and the receive batch. */
#ifndef KERN_RUN_H
#define KERN_RUN_H

#include <stdbool.h>
#include <stdint.h>

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

#endif
