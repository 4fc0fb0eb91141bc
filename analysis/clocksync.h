/* clocksync.h — the offset and drift between the generator's clock and the DUT's, estimated
 * from one path's own four stamps, as NTP does (RFC 5905, the on-wire protocol and the clock
 * filter's minimum-delay choice):
 *
 *   t1 the generator sends (its clock)   t2 the DUT receives (DUT clock)
 *   t3 the DUT sends back (DUT clock)    t4 the generator receives (its clock)
 *   offset  theta = ((t2 - t1) + (t3 - t4)) / 2    (DUT clock minus the generator's)
 *   delay   delta = (t4 - t1) - (t3 - t2)          (the round trip less the DUT's own time)
 *
 * With one-way delays d1, d2 >= 0, theta = true offset + (d1 - d2) / 2, so the true offset lies
 * within delta / 2 of theta, whatever the asymmetry: the packets with the smallest delta bound it
 * best. The run is cut into windows of the send time; each window's minimum-delta packet gives
 * (t, theta, delta); a least-squares line through those points gives the drift (its slope) and
 * the offset at the windows' mean time t_ref (the line's value there is the mean of the
 * windows' theta, so for a clock whose offset is linear in time the error there is at most the
 * mean of the windows' delta / 2: offset_error_ns). Between t_ref and a packet's send time the
 * drift carries the offset (its own uncertainty is not in the bound).
 *
 * On one host both stamps come from one clock and the true offset is 0: the estimate is the
 * method's check on every run (0 must lie within offset_error_ns). */
#ifndef LAB_CLOCKSYNC_H
#define LAB_CLOCKSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_CLOCK_WINDOWS 16        /* windows over the run (fewer when packets are few) */
#define LAB_CLOCK_MIN_PER_WINDOW 8  /* stamped packets a window needs to count */

struct lab_clock {
	bool have;                /* false: too few packets with all four stamps */
	int64_t offset_ns;        /* DUT clock - generator clock at t_ref_ns */
	int64_t offset_error_ns;  /* the bound of offset_ns's error (mean of the windows' delta / 2) */
	double drift_ppm;         /* the DUT clock's rate less the generator's, parts per million */
	int64_t t_ref_ns;         /* the generator's clock: where offset_ns holds */
	int64_t rtt_floor_ns;     /* the smallest delta of the run */
	size_t windows, packets;  /* windows used, packets with all four stamps */
};

/* One packet's stamps (0: not taken). */
struct lab_clock_pkt {
	uint64_t t1, t2, t3, t4;
};

/* The estimate over n packets in send-time order. A packet lacking a stamp, or whose delta or
 * DUT time is negative (stamps from different points), is left out. */
void lab_clock_estimate(const struct lab_clock_pkt *pk, size_t n, struct lab_clock *out);

/* The same over a path's records: t1 the actual send time, t2/t3 the reflector's stamps, t4
 * the receive time, of the received packets that carry stamps. */
struct lab_rec;
void lab_clock_estimate_recs(const struct lab_rec *recs, size_t n, struct lab_clock *out);

/* The DUT clock's reading at generator time t (offset and drift applied), as a generator-clock
 * offset: DUT time - generator time. */
int64_t lab_clock_offset_at(const struct lab_clock *c, int64_t t_gen_ns);

#endif
