/* lt_noise.c — known noise for the tail attribution test: a task named "lt-noise", pinned to one
 * core, that spins for --spin-us every --period-ms (sleeping in between, so the scheduler
 * switches it in and out), for --duration seconds. Each spin's CLOCK_MONOTONIC start and end go
 * to --log as "start_ns end_ns" lines: the ground truth the test compares the attribution with. */

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int cpu = -1;
	double spin_us = 300, period_ms = 10, duration_s = 10;
	const char *log = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cpu")) cpu = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--spin-us")) spin_us = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--period-ms")) period_ms = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--duration")) duration_s = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--log")) log = argv[i + 1];
		else { fprintf(stderr, "lt-noise: unknown flag %s\n", argv[i]); return 2; }
	}
	if (!log || cpu < 0 || spin_us <= 0 || period_ms <= 0) {
		fprintf(stderr, "usage: lt-noise --cpu N --log FILE [--spin-us U] [--period-ms M] [--duration S]\n");
		return 2;
	}
	prctl(PR_SET_NAME, "lt-noise");
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		perror("lt-noise: sched_setaffinity");
		return 1;
	}
	FILE *f = fopen(log, "w");
	if (!f) {
		perror(log);
		return 1;
	}
	setvbuf(f, NULL, _IOLBF, 0); /* each spin on disk at once: the test ends us with SIGTERM */
	uint64_t end = now_ns() + (uint64_t)(duration_s * 1e9), spin = (uint64_t)(spin_us * 1e3);
	struct timespec nap = {0, (long)(period_ms * 1e6) - (long)spin};
	while (now_ns() < end) {
		uint64_t s = now_ns(), e;
		while ((e = now_ns()) - s < spin)
			;
		fprintf(f, "%llu %llu\n", (unsigned long long)s, (unsigned long long)e);
		nanosleep(&nap, NULL);
	}
	fclose(f);
	return 0;
}
