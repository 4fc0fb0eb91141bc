/* watchrep.h — a lab-watch directory (events.jsonl, watch.json, the burst pcaps) read back:
 * its report.html (`lab-analyze DIR`), and what a run's summary and report say of the watch
 * `run --watch` kept beside it in <run>/watch/. */
#ifndef LAB_WATCHREP_H
#define LAB_WATCHREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json_in.h"

/* Pages stay readable (and memory bounded) for a watch left running for days: every event in
 * the timeline up to LAB_WATCH_MARKS (beyond, the highest peaks), the table's first
 * LAB_WATCH_ROWS, and the whole line (flows, drops) of the first LAB_WATCH_DETAIL only. */
#define LAB_WATCH_MARKS 5000
#define LAB_WATCH_ROWS 5000
#define LAB_WATCH_DETAIL 200

/* What the timeline and the table need of every event line. */
struct lab_watch_ev {
	uint64_t event, packets, bytes, written_packets;
	int64_t start_ns, end_ns;
	double peak_pps, peak_bps;
	bool have_written, context_cut, interrupted, pcap_full, after_cut;
	char pcap[96]; /* "" when the line has none */
};

struct lab_watch {
	char dir[4096];
	struct jv *meta;           /* watch.json, NULL when the watch did not end (killed) */
	struct lab_watch_ev *ev;   /* events.jsonl, a line each, in the file's order */
	size_t nev;
	struct jv **detail;        /* the whole lines of the first LAB_WATCH_DETAIL events */
	size_t ndetail;
	bool events_file;          /* events.jsonl exists (a watch with no event may have none) */
};

/* Whether dir is a lab-watch directory: it holds watch.json or events.jsonl, and is not a run
 * (no run.json, no records/). */
bool lab_watch_is_dir(const char *dir);
/* Read dir's watch.json (when there) and events.jsonl (when there; each line an object with
 * the event's keys). 0, or -1 with one line in err naming the file (and the line). */
int lab_watch_load(const char *dir, struct lab_watch *w, char *err, size_t errlen);
void lab_watch_free(struct lab_watch *w);
/* dir/report.html, whole or not at all. 0, or -1 with a line naming the file in err. */
int lab_watch_write_report(const struct lab_watch *w, char *err, size_t errlen);

/* A run's watch (<run>/watch/): built into watch/report.html when it has none yet (a failure
 * is one warning; the run's own files are still written). */
void lab_watch_for_run(const char *rundir);
/* summary.json `watch`: {events, packets, pcap_drop, dir: "watch", ...}; nothing without one. */
struct lab_json;
void lab_watch_summary_json(struct lab_json *j, const char *rundir);
/* summary.md: one line on the watch; nothing without one. */
void lab_watch_summary_md(FILE *f, const char *rundir);
/* report.html: a section linking watch/report.html; nothing without a watch. */
void lab_watch_report_link(FILE *f, const char *rundir);

#endif
