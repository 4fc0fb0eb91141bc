/* bursts.h — microburst detection on a sorted series of arrival times.
 *
 * A window is anchored at each arrival: [t_i, t_i + window). It is hot when the packets in it,
 * counted as a rate (count / window), exceed the threshold — strictly: a rate exactly at the
 * threshold is not a burst. A burst is a run of hot windows that share packets; windows that
 * only touch (the next starts exactly where the previous ends) are separate bursts. A burst's
 * packets are those inside any of its windows; it starts at its first packet and ends at its
 * last (end_ns inclusive). Peak rate: the fullest window's count / window. */
#ifndef LAB_BURSTS_H
#define LAB_BURSTS_H

#include <stddef.h>
#include <stdint.h>

struct lab_burst {
	int64_t start_ns, end_ns; /* first and last packet in the burst */
	size_t first, count;      /* index range in the series */
	double peak_pps;
};

struct lab_burst_cfg {
	uint64_t window_ns;
	double threshold_pps;
};

/* The default: window = max(100 us, 20 mean inter-arrival gaps), threshold = 2 x mean rate. */
void lab_burst_default(double mean_pps, struct lab_burst_cfg *c);

/* Find the bursts in t[0..n) (sorted ascending). Returns the count and sets *out to a malloc'd
 * array (NULL when none), or (size_t)-1 when memory runs out. */
size_t lab_bursts_find(const int64_t *t, size_t n, const struct lab_burst_cfg *c,
		       struct lab_burst **out);

/* The smallest packet count that makes a window hot. */
uint64_t lab_burst_min_count(const struct lab_burst_cfg *c);

#endif
