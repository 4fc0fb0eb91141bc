/* bursts.h — microburst detection on a series of arrival times, in one pass.
 *
 * A window is anchored at each arrival: [t_i, t_i + window). It is hot when the packets in it,
 * counted as a rate (count / window), exceed threshold_pps, or when their bits (wire length x
 * 8 / window) exceed threshold_bps — strictly: a rate exactly at a threshold is not a burst; a
 * threshold of 0 is not used. A burst is a run of hot windows that share packets; windows that
 * only touch (the next starts exactly where the previous ends) are separate bursts. A burst's
 * packets are those inside any of its windows; it starts at its first packet and ends at its
 * last (end_ns inclusive). Peak rates: the fullest window's count / window and bits / window.
 *
 * One definition: the stream (lab-watch, live) decides each window once the first packet past
 * it has arrived (or the caller says time has passed it); lab_bursts_find (a capture, a run)
 * runs the same stream over an array. A burst is announced (OPEN) as soon as the oldest
 * undecided window is sure to be hot (its count already exceeds the threshold), before it is
 * decided, so a recorder can start writing at once; what is decided does not change. */
#ifndef LAB_BURSTS_H
#define LAB_BURSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lab_burst {
	int64_t start_ns, end_ns; /* first and last packet in the burst */
	size_t first, count;      /* index range in the series (sequence numbers in a stream) */
	double peak_pps;
	uint64_t bytes;           /* sum of the lengths given (0 without lengths) */
	double peak_bps;
};

struct lab_burst_cfg {
	uint64_t window_ns;
	double threshold_pps;
	double threshold_bps;
};

/* The default: window = max(100 us, 20 mean inter-arrival gaps), threshold = 2 x mean rate. */
void lab_burst_default(double mean_pps, struct lab_burst_cfg *c);

/* Find the bursts in t[0..n) (sorted ascending; len[] the wire lengths, or NULL). Returns the
 * count and sets *out to a malloc'd array (NULL when none), or (size_t)-1 when memory runs out. */
size_t lab_bursts_find(const int64_t *t, size_t n, const struct lab_burst_cfg *c,
		       struct lab_burst **out);
size_t lab_bursts_find_len(const int64_t *t, const uint32_t *len, size_t n,
			   const struct lab_burst_cfg *c, struct lab_burst **out);

/* The smallest packet count that makes a window hot (UINT64_MAX: no packet threshold). */
uint64_t lab_burst_min_count(const struct lab_burst_cfg *c);
/* The smallest number of bits that makes a window hot (UINT64_MAX: no bit threshold). */
uint64_t lab_burst_min_bits(const struct lab_burst_cfg *c);

/* ---- the stream ---- */
enum lab_bs_what {
	LAB_BS_OPEN,   /* a burst starts at packet b->first (start_ns set; the rest grows) */
	LAB_BS_PACKET, /* packet seq belongs to the open burst */
	LAB_BS_CLOSE,  /* the burst is complete: *b is final */
	LAB_BS_DONE,   /* packet seq is decided (in a burst or not) and leaves the detector */
};
/* Called in this order for a packet: OPEN (its window opens a burst), PACKET, CLOSE (it is the
 * burst's last), DONE. user: what the caller gave with the packet. */
typedef void (*lab_bs_cb)(void *ctx, enum lab_bs_what what, const struct lab_burst *b,
			  uint64_t seq, int64_t t, uint64_t user);

struct lab_bs_ent {
	int64_t t;
	uint32_t len;
	uint64_t user;
};

struct lab_burst_stream {
	struct lab_burst_cfg cfg;
	uint64_t need, need_bits;
	struct lab_bs_ent *ring; /* the packets not yet decided: [head, n) */
	size_t cap;
	uint64_t head, n, j;     /* j: first packet past head's window seen so far */
	uint64_t bits_in;        /* bits of [head, j) */
	bool open;
	uint64_t cur_end;        /* one past the open burst's last packet known so far */
	int64_t end_known_t;     /* the time of packet cur_end - 1 */
	struct lab_burst cur;
	uint64_t saturated;      /* windows decided early because the ring was full */
	lab_bs_cb cb;
	void *ctx;
};

/* cap: packets held at most (the memory is fixed here). Returns 0 or -1 (no memory). */
int lab_bs_init(struct lab_burst_stream *s, const struct lab_burst_cfg *c, size_t cap,
		lab_bs_cb cb, void *ctx);
/* A packet at t (not below the previous one's: the caller clamps late ones). */
void lab_bs_push(struct lab_burst_stream *s, int64_t t, uint32_t len, uint64_t user);
/* No packet before now will come any more: decide the windows that end by then. */
void lab_bs_advance(struct lab_burst_stream *s, int64_t now);
/* The end of the series: decide every window left. */
void lab_bs_flush(struct lab_burst_stream *s);
void lab_bs_free(struct lab_burst_stream *s);

#endif
