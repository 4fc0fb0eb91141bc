/* repeat.h — a results directory of `setup/lab run --repeat N`: rep1/ … repN/, each a complete
 * run (records/, counters/, run.json, …), the paths interleaved within each repetition, and a
 * run.json at the top with run.repeat = N. A plain run is read as one repetition, so compare and
 * the summary treat both alike. Each repetition keeps its own summary and report; the top gets
 * summary.json and summary.md: per path and percentile the median over repetitions with a 95 %
 * interval over repetitions (mboot.h), and every repetition's own figures. */
#ifndef LAB_REPEAT_H
#define LAB_REPEAT_H

#include <stdbool.h>
#include <stddef.h>

#include "mboot.h"
#include "run.h"

#define LAB_MAX_REPS LAB_MBOOT_MAX_RUNS

struct lab_reps {
	char dir[4096];      /* the directory given */
	bool repeated;       /* it holds rep1/ … (else it is itself the one run) */
	size_t n;            /* repetitions found */
	long want;           /* run.repeat of the top run.json (0: absent) */
	struct jv *doc;      /* the top run.json of a repeated run (NULL: none) */
	const struct jv *run; /* its `run` object, else the first repetition's */
	struct lab_run *rep; /* [n] */
};

/* Is dir a repeated run? 1 yes (rep1/ exists), 0 no. */
int lab_reps_is_repeated(const char *dir);

/* Load (and analyze) every repetition of dir, or dir itself as the one. 0, or -1 with a
 * one-line reason in err. */
int lab_reps_load(const char *dir, const struct lab_analyze_opts *o, struct lab_reps *r, char *err,
		  size_t errlen);
void lab_reps_free(struct lab_reps *r);

/* A path over the repetitions: those where it was analyzed and got packets back. */
struct lab_rep_path {
	const char *name;
	const struct lab_path *p[LAB_MAX_REPS];
	const char *dir[LAB_MAX_REPS]; /* the repetition's directory */
	size_t n;          /* repetitions with the path analyzed and packets back */
	size_t skipped;    /* repetitions where it was skipped or got nothing back */
};
void lab_reps_path(const struct lab_reps *r, const char *name, struct lab_rep_path *out);

/* The median over the repetitions of one percentile (q: p50 … p99.99, as bootci.h) of the RTT
 * from the intended send (actual = false) or from the actual send. */
double lab_rep_median(const struct lab_rep_path *rp, int q, bool actual);

/* The path's record files of every repetition mapped (files[] must hold LAB_MAX_REPS), and
 * their received records into recs[]. 0, or -1 with a line in err (everything closed). */
int lab_reps_open_recs(const struct lab_rep_path *rp, struct lab_rec_file *files,
		       struct lab_recs *recs, char *err, size_t errlen);
void lab_reps_close_recs(const struct lab_rep_path *rp, struct lab_rec_file *files);

/* The top summary.json and summary.md of a repeated run. 0, or -1 with a line in err. */
int lab_write_reps_summary(const struct lab_reps *r, char *err, size_t errlen);

#endif
