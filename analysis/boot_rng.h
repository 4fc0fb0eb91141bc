/* boot_rng.h — what the block bootstraps share (bootci.c within a run, mboot.c over
 * repetitions and for compare): the seeded generator and the merge of drawn blocks' cumulative counts. */
#ifndef LAB_BOOT_RNG_H
#define LAB_BOOT_RNG_H

#include <stddef.h>
#include <stdint.h>

/* xorshift64*: small, fast and the same on every machine (reproducible intervals) */
static inline uint64_t lab_boot_rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Uniform in [0, n) (Lemire's multiply-shift). */
static inline size_t lab_boot_rng_below(uint64_t *s, size_t n)
{
	return (size_t)(((unsigned __int128)lab_boot_rng_next(s) * n) >> 64);
}

/* The merged count at or below one bucket: each block's cumulative count times how often it
 * was drawn (w). */
static inline uint64_t lab_boot_merged_below(const uint32_t *cum_row, const uint32_t *w, size_t nblocks)
{
	uint64_t s = 0;
	for (size_t i = 0; i < nblocks; i++)
		s += (uint64_t)w[i] * cum_row[i];
	return s;
}

#endif
