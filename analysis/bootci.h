/* bootci.h — 95 % confidence intervals on a run's percentiles by a block bootstrap over fixed
 * time blocks. Slow packets come in runs (a stall delays every packet queued behind it), so
 * resampling packets one by one as if independent gives intervals that are too narrow;
 * resampling whole time blocks, each longer than a stall, keeps a stall's packets together. */
#ifndef LAB_BOOTCI_H
#define LAB_BOOTCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 100 ms: 20x the longest stall seen on this machine (a 5-6 ms hold of the DUT or generator
 * core, docs/statistics-and-compare.md), so a stall rarely straddles a boundary and the
 * dependence between packets stays inside a block; a 3 s quick run still gives 30 blocks. */
#define LAB_BOOTCI_BLOCK_NS 100000000LL
#define LAB_BOOTCI_MIN_BLOCKS 10   /* fewer: no interval at all (null) */
#define LAB_BOOTCI_WANT_BLOCKS 30  /* fewer: the intervals are rough (noted) */
#ifndef LAB_BOOTCI_MAX_BLOCKS /* the fuzzers take fewer (tests/analysis/fuzz): memory is blocks x buckets */
#define LAB_BOOTCI_MAX_BLOCKS 500  /* more: blocks lengthened */
#endif
#ifndef LAB_BOOTCI_REPLICATES /* the fuzzers take fewer (tests/analysis/fuzz) */
#define LAB_BOOTCI_REPLICATES 1000
#endif
#define LAB_BOOTCI_MIN_TAIL 10     /* a percentile p needs n * (1 - p) >= this, else null */
#define LAB_BOOTCI_NPCT 5          /* p50, p90, p99, p99.9, p99.99 */

extern const uint32_t lab_bootci_ppm[LAB_BOOTCI_NPCT];

struct lab_ci95 {
	bool have[LAB_BOOTCI_NPCT]; /* false: undefined or too few packets (null) */
	int64_t lo[LAB_BOOTCI_NPCT], hi[LAB_BOOTCI_NPCT];
	size_t n;        /* packets */
	size_t nblocks;  /* blocks the packets fell in */
	int64_t block_ns;
	int replicates;
};

/* Accumulates (time, value) pairs into per-block histograms (HdrHistogram's layout, 3 significant
 * digits: buckets 0.1 % wide) over the values' known range [vmin, vmax]. Opaque: hdr.h's
 * struct lab_hdr is not the wire header of lab_wire.h that analyze.h brings in. */
struct lab_bootci;

/* Block length for a span of intended send times: LAB_BOOTCI_BLOCK_NS, longer when that would
 * make more than LAB_BOOTCI_MAX_BLOCKS. */
int64_t lab_bootci_block_ns(int64_t span_ns);

/* NULL on ENOMEM or EINVAL. Every t must lie in [t0_ns, t0_ns + span_ns) (else clamped). */
struct lab_bootci *lab_bootci_new(int64_t t0_ns, int64_t span_ns, int64_t block_ns, int64_t vmin,
				  int64_t vmax);
void lab_bootci_add(struct lab_bootci *b, int64_t t_ns, int64_t v);
/* B replicates of the blocks drawn with replacement (a seeded xorshift: reproducible), the
 * percentile method (2.5 % and 97.5 % of the replicates' statistics). Returns 0 or -1 (ENOMEM). */
int lab_bootci_finish(struct lab_bootci *b, int replicates, uint64_t seed, struct lab_ci95 *out);
void lab_bootci_free(struct lab_bootci *b);

/* Convenience over arrays (tests): t[i], v[i] for i < n, t ascending not required. */
int lab_bootci_series(const int64_t *t_ns, const int64_t *v, size_t n, int64_t block_ns,
		      int replicates, uint64_t seed, struct lab_ci95 *out);

#endif
