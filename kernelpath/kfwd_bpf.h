/* kfwd_bpf.h — what kfwd.bpf.c (lab-kfwd's tc programs) and lab-kfwd share: the counters. */
#ifndef KFWD_BPF_H
#define KFWD_BPF_H

enum kfwd_bpf_counter {
	KFWD_C_RX_LAB,        /* dut0 ingress: lab datagrams (valid header, lab port) */
	KFWD_C_RX_STAMPED,    /* ... of which dut_rx_ns was written (LAB_F_STAMP, room, unmarked) */
	KFWD_C_RX_MARKED,     /* ... already reflected or forwarded: dropped (never sent on twice) */
	KFWD_C_TX_MARKED,     /* dut1 egress: lab datagrams marked forwarded */
	KFWD_C_TX_STAMPED,    /* ... of which dut_tx_ns was written */
	KFWD_C_TX_ALREADY,    /* dut1 egress: already reflected or forwarded, left alone */
	KFWD_C_BACK_OUT,      /* a lab datagram routed back out of the port it came in: dropped */
	KFWD_C_ERRORS,        /* a helper refused (store, checksum) */
	KFWD_C_COUNT
};

#endif
