/* clock.h — the lab's one clock: nanoseconds of CLOCK_MONOTONIC, the clock bpf_ktime_get_ns()
 * reads. TSC readings are converted to it through a calibrated linear mapping whose error
 * against clock_gettime is measured, never assumed. */
#ifndef LAB_CLOCK_H
#define LAB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t lab_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t lab_ts_to_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

/* Sleep until an absolute CLOCK_MONOTONIC time (ns). */
void lab_sleep_until_ns(uint64_t t_ns);

/* Offset from CLOCK_REALTIME to CLOCK_MONOTONIC (realtime - monotonic), taken as the midpoint
 * of the tightest of a few bracketing reads; *err_ns gets the half-width of that bracket. */
int64_t lab_realtime_offset_ns(uint64_t *err_ns);

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t lab_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
#define LAB_HAVE_TSC 1
#endif

/* TSC -> CLOCK_MONOTONIC: ns = base_ns + (tsc - base_tsc) * mult >> 32. */
struct lab_tsc_cal {
	uint64_t base_tsc, base_ns;
	uint64_t mult;       /* ns per tick, 32.32 fixed point */
	double hz;           /* measured TSC frequency */
	uint64_t max_err_ns; /* worst |converted - clock_gettime| seen in the check */
};

/* Calibrate over about calib_ms milliseconds, then check against clock_gettime.
 * Returns 0, or -1 where no TSC is available. */
int lab_tsc_calibrate(struct lab_tsc_cal *c, unsigned calib_ms);
/* Re-measure the error of an existing calibration against clock_gettime now. */
uint64_t lab_tsc_check_ns(const struct lab_tsc_cal *c, int samples);

static inline uint64_t lab_tsc_to_ns(const struct lab_tsc_cal *c, uint64_t tsc)
{
	uint64_t d = tsc - c->base_tsc;
	return c->base_ns + (uint64_t)(((unsigned __int128)d * c->mult) >> 32);
}

#endif
