/* evtfile.h — writing the event files of lab_events.h: a header first (not complete), records
 * appended, the header rewritten at close with the end time, the loss count and the complete
 * flag. Used by lab-trace and by the spinning loops' gap logs (gaplog.h). */
#ifndef LAB_EVTFILE_H
#define LAB_EVTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lab_events.h"

struct lab_evt_writer {
	FILE *f;
	struct lab_evt_hdr hdr;
	uint64_t written;
};

/* Create path (mode 0644) and write the header. Returns 0 or -errno. */
int lab_evt_open(struct lab_evt_writer *w, const char *path, uint32_t sources, uint64_t cpu_mask,
		 uint32_t gap_threshold_ns, uint64_t start_ns);
/* Append n records. Returns 0 or -errno. */
int lab_evt_write(struct lab_evt_writer *w, const struct lab_evt *e, size_t n);
/* Rewrite the header (end_ns, lost, complete) and close. Returns 0 or -errno; closes anyway. */
int lab_evt_close(struct lab_evt_writer *w, uint64_t end_ns, uint64_t lost);

#endif
