/* lt_spin.c — known noise for tests/trace/trace.sh: a task with a name of our choosing
 * (prctl PR_SET_NAME), pinned to one CPU, that spins for --spin-us every --period-ms and sleeps
 * in between (so it is switched in and out), for --duration-ms. It prints its own ground truth
 * as JSON: its tid, the spins, their wall time and the CPU time the kernel charged it from the
 * renaming to the end (CLOCK_THREAD_CPUTIME_ID). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

int main(int argc, char **argv)
{
	const char *comm = "lt-noise";
	long cpu = 1, spin_us = 300, period_ms = 10, duration_ms = 1500;
	uint64_t spins = 0, spin_ns = 0;
	cpu_set_t set;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--comm")) comm = argv[i + 1];
		else if (!strcmp(argv[i], "--cpu")) cpu = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--spin-us")) spin_us = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--period-ms")) period_ms = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--duration-ms")) duration_ms = atol(argv[i + 1]);
		else { fprintf(stderr, "lt-spin: unknown flag %s\n", argv[i]); return 2; }
	}
	/* pinned first: the migration's switch-out is recorded under the old name */
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		perror("lt-spin: sched_setaffinity");
		return 1;
	}
	if (prctl(PR_SET_NAME, comm, 0, 0, 0) != 0) {
		perror("lt-spin: prctl");
		return 1;
	}
	uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
	uint64_t end = t0 + (uint64_t)duration_ms * 1000000ull, next = t0;
	while (next < end) {
		uint64_t s = now_ns(CLOCK_MONOTONIC), e = s + (uint64_t)spin_us * 1000ull, t;
		while ((t = now_ns(CLOCK_MONOTONIC)) < e)
			;
		spins++;
		spin_ns += t - s;
		next += (uint64_t)period_ms * 1000000ull;
		sleep_until(next);
	}
	uint64_t cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0, t1 = now_ns(CLOCK_MONOTONIC);
	printf("{\"tid\": %d, \"cpu\": %ld, \"spins\": %llu, \"spin_ns\": %llu, \"cpu_ns\": %llu, "
	       "\"start_ns\": %llu, \"end_ns\": %llu}\n", (int)gettid(), cpu, (unsigned long long)spins,
	       (unsigned long long)spin_ns, (unsigned long long)cpu_ns, (unsigned long long)t0,
	       (unsigned long long)t1);
	return 0;
}
