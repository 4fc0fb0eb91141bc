/* sched.h — the open-loop send schedule: intended departure times, fixed in advance from the
 * pattern, the rate and the seed (same inputs, same times on every host and every run).
 * Times are offsets in ns from the schedule's time zero; the sender adds its start time. */
#ifndef LAB_GEN_SCHED_H
#define LAB_GEN_SCHED_H

#include <stdbool.h>
#include <stdint.h>

enum gen_pattern {
	GEN_PAT_CONST = 0, /* one packet every 1/rate */
	GEN_PAT_POISSON,   /* exponential gaps of mean 1/rate */
	GEN_PAT_BURST,     /* burst_size packets back to back (same intended time) every burst_gap */
};

struct gen_sched_cfg {
	enum gen_pattern pattern;
	uint64_t rate_pps;     /* const, poisson */
	uint32_t burst_size;   /* burst */
	uint64_t burst_gap_ns; /* burst: period from one burst's start to the next */
	uint64_t seed;
};

struct gen_sched {
	struct gen_sched_cfg cfg;
	uint64_t i;      /* index of the next packet */
	uint64_t t_ns;   /* poisson: the running sum of the gaps */
	uint64_t rng[4]; /* xoshiro256** state */
};

const char *gen_pattern_name(enum gen_pattern p);
/* Returns 0 and sets *p, or -1 for an unknown name. */
int gen_pattern_parse(const char *name, enum gen_pattern *p);

void gen_sched_init(struct gen_sched *s, const struct gen_sched_cfg *cfg);
/* Offset of the next packet from time zero (non-decreasing). */
uint64_t gen_sched_next(struct gen_sched *s);

/* Mean offered rate of the schedule in packets per second. */
double gen_sched_mean_pps(const struct gen_sched_cfg *cfg);

/* Packets whose offset falls before duration_ns (walks the schedule; poisson needs the draws). */
uint64_t gen_sched_count_for(const struct gen_sched_cfg *cfg, uint64_t duration_ns);

/* The generator's PRNG, exposed for tests: splitmix64-seeded xoshiro256**. */
void gen_rng_seed(uint64_t st[4], uint64_t seed);
uint64_t gen_rng_next(uint64_t st[4]);

#endif
