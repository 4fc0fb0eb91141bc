/* sched.c — see sched.h. Constant and burst offsets are computed from the index alone (no
 * accumulated rounding: packet 10^9 is exactly where it should be); poisson sums exponential
 * gaps drawn from a seeded xoshiro256**, which is portable and fast enough to draw per packet. */
#include "sched.h"

#include <math.h>
#include <string.h>

static const char *const names[] = {"const", "poisson", "burst"};

const char *gen_pattern_name(enum gen_pattern p)
{
	return (unsigned)p < 3 ? names[p] : "?";
}

int gen_pattern_parse(const char *name, enum gen_pattern *p)
{
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*p = (enum gen_pattern)i;
			return 0;
		}
	return -1;
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void gen_rng_seed(uint64_t st[4], uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		st[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gen_rng_next(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

void gen_sched_init(struct gen_sched *s, const struct gen_sched_cfg *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (s->cfg.rate_pps == 0)
		s->cfg.rate_pps = 1;
	if (s->cfg.burst_size == 0)
		s->cfg.burst_size = 1;
	gen_rng_seed(s->rng, cfg->seed);
}

uint64_t gen_sched_next(struct gen_sched *s)
{
	uint64_t i = s->i++, off;
	switch (s->cfg.pattern) {
	case GEN_PAT_POISSON: {
		/* u in (0, 1]: 53 random bits, never 0 so the log stays finite */
		double u = (double)((gen_rng_next(s->rng) >> 11) + 1) * 0x1.0p-53;
		off = s->t_ns;
		s->t_ns += (uint64_t)llround(-log(u) * 1e9 / (double)s->cfg.rate_pps);
		break;
	}
	case GEN_PAT_BURST:
		off = (i / s->cfg.burst_size) * s->cfg.burst_gap_ns;
		break;
	default:
		off = (uint64_t)((unsigned __int128)i * 1000000000u / s->cfg.rate_pps);
		break;
	}
	return off;
}

double gen_sched_mean_pps(const struct gen_sched_cfg *cfg)
{
	if (cfg->pattern == GEN_PAT_BURST)
		return cfg->burst_gap_ns ? (double)cfg->burst_size * 1e9 / (double)cfg->burst_gap_ns
					 : 0.0;
	return (double)cfg->rate_pps;
}

uint64_t gen_sched_count_for(const struct gen_sched_cfg *cfg, uint64_t duration_ns)
{
	struct gen_sched s;
	uint64_t n = 0;
	gen_sched_init(&s, cfg);
	switch (cfg->pattern) {
	case GEN_PAT_CONST:
		/* offsets i*1e9/rate < d  <=>  i < ceil(d*rate/1e9) */
		return (uint64_t)(((unsigned __int128)duration_ns * s.cfg.rate_pps + 999999999u) /
				  1000000000u);
	case GEN_PAT_BURST:
		if (s.cfg.burst_gap_ns == 0)
			return 0;
		return ((duration_ns + s.cfg.burst_gap_ns - 1) / s.cfg.burst_gap_ns) *
		       s.cfg.burst_size;
	default:
		while (gen_sched_next(&s) < duration_ns)
			n++;
		return n;
	}
}
