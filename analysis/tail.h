/* tail.h — tail attribution for one path of a run (attrib.h on the run's event files) and its
 * outputs: summary.json's paths.<p>.tail, summary.md's "What slowed the slowest packets" with
 * the tuning advice. A missing, truncated or corrupt event file costs the path its attribution
 * (said in one line), never the rest of the analysis. */
#ifndef LAB_TAIL_H
#define LAB_TAIL_H

#include <stdio.h>

#include "analyze.h"
#include "util.h"

struct lab_run;

/* trace/<name>.evt and gaps/<name>.{gen,dut}.gap of run_dir against the path's records. */
void lab_path_tail(const char *run_dir, const char *name, const struct lab_analyze_opts *o,
		   struct lab_path *p, const struct lab_rec *recs, size_t n);
void lab_tail_json(struct lab_json *j, const struct lab_path *p);
void lab_tail_md(FILE *f, const struct lab_run *r);
/* tail/<path>.csv for every attributed path: each slow packet, its top cause and charged time. */
int lab_write_tail_csv(const struct lab_run *r, char *err, size_t errlen);

#endif
