/* clock.c — sleeping to absolute times, the realtime offset, and TSC calibration. */
#include "clock.h"

#include <errno.h>
#include <stdlib.h>

void lab_sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000ull),
			      .tv_nsec = (long)(t_ns % 1000000000ull)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int64_t lab_realtime_offset_ns(uint64_t *err_ns)
{
	uint64_t best = UINT64_MAX;
	int64_t off = 0;
	for (int i = 0; i < 16; i++) {
		struct timespec rt;
		uint64_t a = lab_now_ns();
		clock_gettime(CLOCK_REALTIME, &rt);
		uint64_t b = lab_now_ns();
		if (b - a < best) {
			best = b - a;
			off = (int64_t)lab_ts_to_ns(&rt) - (int64_t)(a + (b - a) / 2);
		}
	}
	if (err_ns)
		*err_ns = best / 2;
	return off;
}

#ifdef LAB_HAVE_TSC
/* One (tsc, ns) pair taken with the tightest bracket of a few tries. */
static void tsc_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t t0 = lab_rdtsc();
		uint64_t n = lab_now_ns();
		uint64_t t1 = lab_rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

uint64_t lab_tsc_check_ns(const struct lab_tsc_cal *c, int samples)
{
	uint64_t worst = 0;
	for (int i = 0; i < samples; i++) {
		uint64_t tsc, ns;
		tsc_pair(&tsc, &ns);
		uint64_t conv = lab_tsc_to_ns(c, tsc);
		uint64_t e = conv > ns ? conv - ns : ns - conv;
		if (e > worst)
			worst = e;
	}
	return worst;
}

int lab_tsc_calibrate(struct lab_tsc_cal *c, unsigned calib_ms)
{
	uint64_t t0, n0, t1, n1;
	tsc_pair(&t0, &n0);
	lab_sleep_until_ns(n0 + (uint64_t)calib_ms * 1000000ull);
	tsc_pair(&t1, &n1);
	if (t1 <= t0 || n1 <= n0)
		return -1;
	c->hz = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	c->mult = (uint64_t)(((unsigned __int128)(n1 - n0) << 32) / (t1 - t0));
	c->base_tsc = t1;
	c->base_ns = n1;
	c->max_err_ns = lab_tsc_check_ns(c, 64);
	return 0;
}
#else
int lab_tsc_calibrate(struct lab_tsc_cal *c, unsigned calib_ms)
{
	(void)c;
	(void)calib_ms;
	return -1;
}
uint64_t lab_tsc_check_ns(const struct lab_tsc_cal *c, int samples)
{
	(void)c;
	(void)samples;
	return 0;
}
#endif
