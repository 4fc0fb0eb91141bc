/* compare.h — lab-analyze --compare A B: two runs side by side, path by path and percentile by
 * percentile, with the ratio B/A, its 95 % interval (mboot.h) and a verdict. A run of
 * `setup/lab run --repeat N` is compared by its median over repetitions, with an interval over
 * repetitions; a plain run is one repetition.
 * compare.c loads and checks the runs and decides; compare_out.c writes the table, compare.json
 * and compare.html. */
#ifndef LAB_COMPARE_H
#define LAB_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "mboot.h"
#include "repeat.h"
#include "run.h"

#define LAB_CMP_REPLICATES LAB_BOOTCI_REPLICATES
#define LAB_CMP_NOTES 32

extern const char *const lab_cmp_pct_name[LAB_BOOTCI_NPCT]; /* "p50" ... "p99.99" */

struct lab_cmp_row {
	bool have;            /* both runs have the percentile */
	int64_t a_ns, b_ns;   /* exact (every packet, nearest rank); over repetitions, the median
			       * of the repetitions' exact percentiles */
	double ratio;         /* b_ns / a_ns */
	bool have_ci;
	double lo, hi;        /* 95 % interval of the ratio */
	const char *verdict;  /* "faster" | "slower" | "same" */
};

struct lab_cmp_path {
	const struct lab_path *a, *b; /* the first repetition's (names, the plot) */
	struct lab_rep_path ra, rb;   /* every repetition's */
	struct lab_cmp_row row[LAB_BOOTCI_NPCT];
};

struct lab_cmp {
	char a_dir[4096], b_dir[4096], out_dir[4096]; /* resolved */
	double threshold;     /* practical threshold, fraction (0.05) */
	bool forced;
	struct lab_reps ra, rb;
	bool between;         /* both sides have 2 or more repetitions: between-run variation is in
			       * the intervals */
	struct lab_cmp_path paths[LAB_MAX_PATHS];
	size_t npaths;
	char mismatch[LAB_CMP_NOTES][320]; /* configuration differences (refused unless --force) */
	int nmismatch;
	char tuning[LAB_CMP_NOTES][320];   /* tuning snapshot differences (printed) */
	int ntuning;
	char notes[LAB_CMP_NOTES][320];    /* anything else the reader must know */
	int nnotes;
	int nslower, nfaster;
};

/* The flags of `lab-analyze compare` (main.c's table sets them). */
struct lab_cmp_cli {
	double threshold_pct; /* practical threshold, percent (5) */
	bool force;           /* compare runs whose configuration differs */
	const char *out;      /* the output directory, or NULL: compare-<A>-<B> beside B */
};

/* The whole command: run A (the baseline) against run B. Returns the exit code (0, 3 when
 * something is slower) or dies (1, 2). */
int lab_compare(const struct lab_cmp_cli *cli, const char *a, const char *b);

/* The verdict of one row from its ratio and interval. */
const char *lab_cmp_verdict(double ratio, bool have_ci, double lo, double hi, double threshold);

/* Writers (compare_out.c): each returns 0, or -1 with a reason naming the file. */
void lab_cmp_print_table(const struct lab_cmp *c, FILE *f);
int lab_cmp_write_json(const struct lab_cmp *c, char *err, size_t errlen);
int lab_cmp_write_html(const struct lab_cmp *c, char *err, size_t errlen);

#endif
