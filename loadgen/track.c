/* track.c — see track.h. A 32-bit wire sequence number is widened to a 64-bit packet index
 * relative to the newest packet sent (as RTP receivers extend theirs), so runs longer than 2^32
 * packets and any starting number work; the echoed send time then tells a stale or stray copy
 * from the packet that really carried that number. */
#include "track.h"

#include <endian.h>
#include <string.h>

#include "frame.h"

void gen_track_init(struct gen_track *t, struct lab_rec *recs, uint64_t *wire_ns, uint64_t cap,
		    uint32_t seq0)
{
	memset(t, 0, sizeof(*t));
	t->recs = recs;
	t->wire_ns = wire_ns;
	t->cap = cap;
	t->seq0 = seq0;
}

static struct lab_rec *next_rec(struct gen_track *t, uint64_t intended_ns)
{
	struct lab_rec *r = &t->recs[t->next];
	memset(r, 0, sizeof(*r));
	r->seq = (uint32_t)t->next; /* the record file's numbering starts at 0 */
	r->intended_ns = intended_ns;
	t->next++;
	return r;
}

void gen_track_sent(struct gen_track *t, uint64_t intended_ns, uint64_t wire_ns)
{
	if (t->next >= t->cap)
		return;
	t->wire_ns[t->next] = wire_ns;
	struct lab_rec *r = next_rec(t, intended_ns);
	r->sent_ns = wire_ns;
	r->flags = LAB_REC_SENT;
	t->sent++;
}

void gen_track_send_failed(struct gen_track *t, uint64_t intended_ns)
{
	if (t->next >= t->cap)
		return;
	t->wire_ns[t->next] = 0;
	struct lab_rec *r = next_rec(t, intended_ns);
	r->flags = LAB_REC_SEND_FAIL;
	t->send_failed++;
}

uint64_t gen_track_index(const struct gen_track *t, uint32_t seq)
{
	if (t->next == 0)
		return UINT64_MAX;
	uint64_t last = t->next - 1;
	uint32_t back = (uint32_t)(t->seq0 + (uint32_t)last) - seq;
	if (back > last)
		return UINT64_MAX; /* before packet 0, or ahead of the newest */
	return last - back;
}

void gen_track_tx_time(struct gen_track *t, uint32_t seq, uint64_t sent_ns)
{
	uint64_t i = gen_track_index(t, seq);
	if (i != UINT64_MAX && (t->recs[i].flags & LAB_REC_SENT))
		t->recs[i].sent_ns = sent_ns;
}

enum gen_rx_class gen_track_rx(struct gen_track *t, uint8_t *payload, size_t len, uint64_t recv_ns,
			       uint64_t *idx_out)
{
	struct lab_hdr *h;
	struct lab_stamp *st;
	if (lab_payload_parse(payload, len, &h, &st) != LAB_OK ||
	    (!(h->flags & LAB_F_MARKED) && !t->accept_unmarked)) {
		t->malformed++;
		return GEN_RX_MALFORMED;
	}
	uint64_t i = gen_track_index(t, ntohl(h->seq));
	if (i == UINT64_MAX || !(t->recs[i].flags & LAB_REC_SENT) ||
	    t->wire_ns[i] != be64toh(h->sent_ns)) {
		t->foreign++;
		return GEN_RX_FOREIGN;
	}
	if (idx_out)
		*idx_out = i;
	struct lab_rec *r = &t->recs[i];
	if (r->flags & LAB_REC_RECEIVED) {
		if (r->dups < UINT16_MAX)
			r->dups++;
		t->duplicated++;
		return GEN_RX_DUP;
	}
	r->flags |= LAB_REC_RECEIVED;
	r->recv_ns = recv_ns;
	if (st && (h->flags & LAB_F_STAMPED)) {
		r->dut_rx_ns = be64toh(st->dut_rx_ns);
		r->dut_tx_ns = be64toh(st->dut_tx_ns);
		r->flags |= LAB_REC_STAMPED;
	}
	t->received++;
	if (i + 1 < t->rx_top) {
		r->flags |= LAB_REC_REORDERED;
		t->reordered++;
		return GEN_RX_REORDERED;
	}
	t->rx_top = i + 1;
	return GEN_RX_OK;
}

uint64_t gen_track_in_flight(const struct gen_track *t, uint64_t since_ns)
{
	uint64_t n = 0;
	/* records are in send order: walk back from the newest until one is older than since_ns */
	for (uint64_t i = t->next; i-- > 0;) {
		const struct lab_rec *r = &t->recs[i];
		if (!(r->flags & LAB_REC_SENT))
			continue;
		if (t->wire_ns[i] < since_ns)
			break;
		if (!(r->flags & LAB_REC_RECEIVED))
			n++;
	}
	return n;
}
