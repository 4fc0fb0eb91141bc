/* kern_batch.h — what lab-kern decides about each received datagram, apart from the socket:
 * classify (lab, not lab, malformed by verdict), refuse what is already reflected, and mark and
 * stamp what goes back. Pure, so the unit tests drive it with hand-made payloads. */
#ifndef KERN_BATCH_H
#define KERN_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct kern_counts {
	uint64_t received;          /* datagrams read from the socket, whatever they held */
	uint64_t reflected;         /* handed to the kernel by sendmmsg */
	uint64_t not_lab;           /* = already_reflected: a valid lab header we must not echo */
	uint64_t malformed;         /* sum of by_verdict[] and truncated */
	uint64_t tx_errors;         /* lab payloads sendmmsg refused */
	uint64_t already_reflected;
	uint64_t truncated;         /* bigger than a receive slot (MSG_TRUNC): never reflected */
	uint64_t by_verdict[LAB_E_COUNT];
	uint64_t rx_ts_missing;     /* no SO_TIMESTAMPING cmsg: the clock at recvmmsg's return used */
	/* the relay (--forward): lab payloads not sent on */
	uint64_t ttl_expired;       /* TTL / hop limit 0 or 1 on arrival: a drop point */
	uint64_t ttl_missing;       /* no TTL in the ancillary data: counted in tx_errors too */
};

struct kern_pkt {
	uint8_t *payload;
	size_t len;
	bool truncated;
	uint64_t rx_ns;           /* DUT receive time, CLOCK_MONOTONIC */
	/* set by kern_classify */
	bool send;
	struct lab_stamp *stamp;  /* NULL when the sender did not ask for stamps */
	/* the relay: the family it came in (AF_INET also for v4-mapped) and its TTL, -1 unknown */
	int family;
	int ttl;
};

/* Count and classify n packets; returns how many are to be reflected (pkts[i].send). */
unsigned kern_classify(struct kern_counts *c, struct kern_pkt *pkts, unsigned n);
/* Mark every packet to send reflected and stamp it (its own rx_ns, the batch's tx_ns). */
void kern_reflect(struct kern_pkt *pkts, unsigned n, uint64_t tx_ns);
/* The relay, after kern_classify: a packet to send whose TTL (hop limit) is 1 or 0 is counted
 * in ttl_expired and not sent, one without a TTL in ttl_missing (and tx_errors). Returns how
 * many are still to be sent. */
unsigned kern_fwd_check(struct kern_counts *c, struct kern_pkt *pkts, unsigned n);
/* Mark every packet to send of family forwarded and stamp it (its rx_ns, this tx_ns). */
void kern_fwd_stamp(struct kern_pkt *pkts, unsigned n, int family, uint64_t tx_ns);

#endif
