/* run.h — the run's loop and outputs (run.c), called by main.c in this order: alloc, backend
 * open, loop, figures, record file, stats JSON, summary. */
#ifndef LAB_GEN_RUN_H
#define LAB_GEN_RUN_H

#include "gen.h"
#include "rec.h"

/* The memory the run's records take (need) against what the machine and the cgroup can still
 * give (avail): -E2BIG when they do not fit, so the run is refused before it starts. */
int gen_run_mem_check(const struct gen_run *g, uint64_t *need, uint64_t *avail);
int gen_run_alloc(struct gen_run *g);
int gen_run_loop(struct gen_run *g);
void gen_run_figures(struct gen_run *g);
void gen_rec_hdr_fill(const struct gen_run *g, struct lab_rec_hdr *h);
/* Write the records handed out so far and finish the header (fd from lab_rec_create; every
 * record again, over what the stream (stream.h) wrote during the run). */
int gen_rec_write(struct gen_run *g, int fd);
int gen_stats_write(struct gen_run *g, const char *path);
void gen_summary(struct gen_run *g);

#endif
