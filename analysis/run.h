/* run.h — a results directory as a whole: which paths ran or were skipped, the run's
 * configuration, and the files lab-analyze writes back into it (summary.c, report.c). */
#ifndef LAB_RUN_H
#define LAB_RUN_H

#include "analyze.h"
#include "json_in.h"

#define LAB_MAX_PATHS 16
#define LAB_MAX_SCENARIOS 8

struct lab_run {
	char dir[4096];
	char topology[16];    /* reflect | forward (run.json run.topology; reflect when unsaid) */
	struct jv *doc;       /* run.json, NULL when missing */
	const struct jv *run; /* its `run` object (or the document itself) */
	struct lab_path *paths;
	size_t npaths;
	char notes[16][320];
	int nnotes;
	/* `run --scenario`: the same paths under each scenario's load, scenarios/<name>/ (each a run
	 * of its own: its own summary and report), in run.json's order */
	struct lab_run *scen;
	size_t nscen;
	char scen_name[LAB_MAX_SCENARIOS][32];
};

/* Find the paths of dir and analyze each. Returns 0, or -1 with a one-line reason in err. */
int lab_run_load(const char *dir, const struct lab_analyze_opts *o, struct lab_run *r, char *err,
		 size_t errlen);
void lab_run_free(struct lab_run *r);
void lab_run_note(struct lab_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The path of that name that was analyzed (not skipped), or NULL. */
const struct lab_path *lab_run_find(const struct lab_run *r, const char *name);
/* The floor path of the registry (common/paths.tsv, role floor) when the run has it, else NULL. */
const struct lab_path *lab_run_floor(const struct lab_run *r);
/* The drop points the registry lists for a path (NULL-terminated), NULL for a path it lacks. */
const char *const *lab_path_drop_points(const char *topology, const char *name);
/* The registry's line (common/paths.tsv) for path name in topology, NULL when it has none. */
struct lab_path_def;
const struct lab_path_def *lab_path_def_of(const char *topology, const char *name);
/* A scenario run's window for path (scenarios/<name>/window/<path>.json, setup/scenario.sh):
 * [start, stop] CLOCK_MONOTONIC ns and its command; false when it has none. */
bool lab_run_window(const struct lab_run *r, const char *path, int64_t w[2], char *cmd, size_t len);

/* Writers: each returns 0, or -1 with a reason naming the file. */
int lab_write_summary_json(const struct lab_run *r, char *err, size_t errlen);
int lab_write_summary_md(const struct lab_run *r, char *err, size_t errlen);
int lab_write_softnet_csv(const struct lab_run *r, char *err, size_t errlen);
int lab_write_report_html(const struct lab_run *r, char *err, size_t errlen);

#endif
