/* track.h — matching reflections to what was sent, by sequence number, into the per-packet
 * records: received, lost, reordered, duplicated, malformed (TRex's classes) and foreign (a
 * well-formed reflection that is not from this run: unknown sequence number, or an echoed send
 * time that differs from the one this run put on the wire). */
#ifndef LAB_GEN_TRACK_H
#define LAB_GEN_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"

enum gen_rx_class {
	GEN_RX_OK = 0,    /* first copy, in order */
	GEN_RX_REORDERED, /* first copy, after a higher sequence number came back */
	GEN_RX_DUP,       /* another copy of one already received */
	GEN_RX_MALFORMED, /* not a valid lab header, or not marked reflected (unless accept_unmarked) */
	GEN_RX_FOREIGN,   /* valid, but not a packet this run sent */
};

struct gen_track {
	struct lab_rec *recs; /* cap records; record i is sequence seq0 + i on the wire */
	uint64_t *wire_ns;    /* the sent_ns each packet carried on the wire */
	uint64_t cap;
	uint32_t seq0;
	uint64_t next;        /* packets handed out so far (sent or failed) */
	uint64_t rx_top;      /* 1 + highest index received, 0 before any */
	uint64_t sent, send_failed, received, reordered, duplicated, malformed, foreign;
	bool accept_unmarked; /* a reply without LAB_F_REFLECTED counts (peer tools such as
				 dpdk-testpmd 5tswap swap the headers but do not mark) */
};

/* recs and wire_ns: arrays of cap entries owned by the caller. seq0: sequence number of
 * packet 0 on the wire (0 in lab-gen; tests start near 2^32 to cross the wrap). */
void gen_track_init(struct gen_track *t, struct lab_rec *recs, uint64_t *wire_ns, uint64_t cap,
		    uint32_t seq0);

/* Packet index t->next was handed to the backend (ok) or refused by it. */
void gen_track_sent(struct gen_track *t, uint64_t intended_ns, uint64_t wire_ns);
void gen_track_send_failed(struct gen_track *t, uint64_t intended_ns);

/* A more exact send time for sequence seq (a TX timestamp): replaces the record's sent_ns. */
void gen_track_tx_time(struct gen_track *t, uint32_t seq, uint64_t sent_ns);

/* Classify one received UDP payload (the lab header onwards) and update the record.
 * *idx_out (may be NULL) gets the packet index for OK/REORDERED/DUP. */
enum gen_rx_class gen_track_rx(struct gen_track *t, uint8_t *payload, size_t len, uint64_t recv_ns,
			       uint64_t *idx_out);

/* Index of the packet a wire sequence number refers to, or UINT64_MAX if none was sent. */
uint64_t gen_track_index(const struct gen_track *t, uint32_t seq);

static inline uint64_t gen_track_lost(const struct gen_track *t)
{
	return t->sent - t->received;
}

/* Of the packets not received, those sent at or after since_ns: still in flight when receiving
 * stopped (they had less than the full tail to come back). */
uint64_t gen_track_in_flight(const struct gen_track *t, uint64_t since_ns);

#endif
