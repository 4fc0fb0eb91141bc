/* stamps.h — a path's stamp side files (stamps/<path>.{gen,dut}.stp, common/stp.h): which
 * source each of the four stamping points used, the kernel's stamps put into the records where
 * the run asked for them (lab-kern's dut_tx travels as a user read in the frame), and the
 * stack's own cost, the gap between the two sources of the same packet at each point. */
#ifndef LAB_STAMPS_H
#define LAB_STAMPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rec.h"
#include "select.h"
#include "stp.h"

struct lab_stamps {
	bool files;                           /* a side file was read */
	const char *src[LAB_STP_NPOINTS];     /* each point's source in the figures */
	uint64_t pairs[LAB_STP_NPOINTS];      /* packets with both sources at the point */
	uint64_t replaced[LAB_STP_NPOINTS];   /* records whose value the side file's replaced */
	uint64_t kept_user[LAB_STP_NPOINTS];  /* wanted the kernel's stamp, had only the user read */
	/* user - kernel at a receive point, kernel - user at a send point: the stack's time
	 * between the two stamps (>= 0 when the kernel stamps where it should) */
	struct lab_pct cost[LAB_STP_NPOINTS];
};

struct lab_path;

/* Read the side files of path name in run_dir (none: the sources from the programs' JSON, else
 * the path's kind). *recs (n records) is replaced by a copy holding the side files' stamps
 * where their header asks for them; *copy owns it (NULL when nothing was replaced). Returns 0,
 * or -1 with a one-line reason naming the file. */
int lab_path_stamps(const char *run_dir, const char *name, struct lab_path *p,
		    const struct lab_rec **recs, size_t n, struct lab_rec **copy, char *err,
		    size_t errlen);

struct lab_json;
struct lab_run;
/* summary.json paths.<p>.stamps {point: source} and stack_cost_ns {point: {min, p50, p99, max,
 * pairs, kept_user}} (null without side files). */
void lab_stamps_json(struct lab_json *j, const struct lab_path *p);
/* The line of summary.md (html false) and report.html. */
void lab_stamps_line(FILE *f, const struct lab_run *r, bool html);

#endif
