/* softnet.h — /proc/net/softnet_stat: parsing every column the running kernel prints, the
 * sampler that records snapshots of it over a path's run, and the reader of those samples.
 * The sample file format is documented at the top of softnet.c. */
#ifndef LAB_SOFTNET_H
#define LAB_SOFTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SN_MAX_COLS 32   /* 6.x prints 15; room for kernels to come */
#define SN_MAX_ROWS 8192 /* one row per online CPU */

/* Columns by position (the kernel has only ever appended; unused ones print 0). */
enum {
	SN_PROCESSED = 0,
	SN_DROPPED = 1,
	SN_TIME_SQUEEZE = 2,
	SN_CPU_INDEX = 12, /* since 5.10; before it, the row number stands in (offline CPUs skip) */
};

struct sn_row {
	uint32_t cpu;
	uint32_t ncols;
	uint32_t col[SN_MAX_COLS];
};

/* Name of column i ("processed", "dropped", ..., "col15" for ones this build does not know). */
const char *sn_col_name(unsigned i, char *buf, size_t len);

/* Parse the text of /proc/net/softnet_stat into rows (room for max). Every row must have the
 * same number of columns (3 to SN_MAX_COLS, hex). Returns 0, or -1 with a reason in err. */
int sn_parse_stat(const char *text, size_t len, struct sn_row *rows, size_t max, size_t *nrows,
		  char *err, size_t errlen);

struct sn_snap {
	uint64_t t_ns;    /* CLOCK_MONOTONIC of the read */
	size_t first_row; /* into sn_series.rows */
	size_t nrows;
};

struct sn_series {
	struct sn_snap *snaps;
	size_t nsnaps;
	struct sn_row *rows;
	size_t nrows;
	uint32_t ncols;  /* columns of every row */
	bool truncated;  /* the last snapshot was cut short (sampler killed) and left out */
};

/* Parse a sample file's text. Returns 0, or -1 with a reason (with line number) in err. */
int sn_parse_samples(const char *text, size_t len, struct sn_series *s, char *err, size_t errlen);
int sn_load_samples(const char *path, struct sn_series *s, char *err, size_t errlen);
void sn_series_free(struct sn_series *s);

/* Sum over CPUs of column col, last snapshot minus first, CPUs matched by index. The kernel's
 * counters are 32 bits and wrap: each per-CPU delta is taken modulo 2^32. 0 with < 2 snaps. */
uint64_t sn_delta(const struct sn_series *s, unsigned col);

/* Append snapshots of src to out every interval_ns until lab_stop is set or duration_ns passes
 * (0: no limit); one last snapshot is always taken on the way out. Returns 0, or -1 with err. */
int sn_sample(const char *out, const char *src, uint64_t interval_ns, uint64_t duration_ns,
	      char *err, size_t errlen);

#endif
