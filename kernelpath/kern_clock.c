/* kern_clock.c — the realtime -> monotonic offset of the socket timestamps, re-measured. */
#include "kern_clock.h"

#include "clock.h"

void kern_clock_update(struct kern_clock *c, int64_t off_ns, uint64_t err_ns)
{
	if (c->measurements) {
		int64_t d = off_ns - c->off_ns;
		c->drift_ns = (uint64_t)(d < 0 ? -d : d);
		if (c->drift_ns > c->drift_max_ns)
			c->drift_max_ns = c->drift_ns;
	}
	c->off_ns = off_ns;
	c->err_ns = err_ns;
	if (err_ns > c->err_max_ns)
		c->err_max_ns = err_ns;
	c->measurements++;
}

void kern_clock_measure(struct kern_clock *c)
{
	uint64_t err_ns;
	int64_t off_ns = lab_realtime_offset_ns(&err_ns);
	kern_clock_update(c, off_ns, err_ns);
}
