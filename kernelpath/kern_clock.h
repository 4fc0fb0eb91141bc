/* kern_clock.h — converting the socket's receive timestamps (CLOCK_REALTIME) to the lab's clock
 * (CLOCK_MONOTONIC), with the conversion's error measured: the bracket half-width of each
 * offset measurement and how far the offset moved between re-measurements (NTP slews and
 * steps move CLOCK_REALTIME, not CLOCK_MONOTONIC). */
#ifndef KERN_CLOCK_H
#define KERN_CLOCK_H

#include <stdint.h>

struct kern_clock {
	int64_t off_ns;        /* realtime - monotonic, the latest measurement */
	uint64_t err_ns;       /* its bracket half-width */
	uint64_t err_max_ns;   /* the widest bracket of any measurement */
	uint64_t drift_ns;     /* |offset change| at the latest re-measurement */
	uint64_t drift_max_ns; /* the largest such change */
	uint64_t measurements;
};

/* Fold one measurement in (pure: the tests feed it numbers). */
void kern_clock_update(struct kern_clock *c, int64_t off_ns, uint64_t err_ns);
/* Measure the offset now (lab_realtime_offset_ns) and fold it in. */
void kern_clock_measure(struct kern_clock *c);

static inline uint64_t kern_clock_to_mono_ns(const struct kern_clock *c, uint64_t rt_ns)
{
	return (uint64_t)((int64_t)rt_ns - c->off_ns);
}

#endif
