/* events.h — reading the event files of tail attribution (common/lab_events.h): lab-trace's
 * kernel events and the spinning loops' gap logs. A file that is not one, from another version,
 * or whose records are corrupt is refused with a one-line reason; a writer killed half-way
 * (no complete flag, a partial last record) is read and said. */
#ifndef LAB_ANALYSIS_EVENTS_H
#define LAB_ANALYSIS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_events.h"

struct lab_events {
	struct lab_evt *ev;
	size_t n, cap;
	uint32_t sources;        /* union of the files' sources */
	uint64_t lost;
	bool incomplete;         /* a file was not closed by its writer */
	uint64_t start_ns, end_ns;
	uint32_t gap_threshold_ns;
	unsigned files;          /* event files read into it */
};

/* Append the events of path to e. Returns 0, 1 when the file does not exist (nothing added),
 * or -1 with a one-line reason naming the file. */
int lab_events_load(const char *path, struct lab_events *e, char *err, size_t errlen);
void lab_events_free(struct lab_events *e);

/* "irq", "softirq", "nmi", "task", "gap" */
const char *lab_evt_kind_name(unsigned kind);

#endif
