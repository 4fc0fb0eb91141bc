/* hlog.h — hist/<path>.hlog: HdrHistogram interval logs of each path's RTT from the intended send
 * time, 1 s intervals, for HdrHistogram's own tools (HistogramLogAnalyzer, hdr-histogram-js,
 * HdrHistogram_c). */
#ifndef LAB_HLOG_H
#define LAB_HLOG_H

#include <stddef.h>
#include <stdio.h>

#include "rec.h"
#include "run.h"

/* Values in nanoseconds, lowest discernible value 1 ns, 3 significant digits (resolution 1 ns up
 * to 2 µs, then better than 0.1 % of the value), highest trackable 1 hour. */
#define LAB_HLOG_LOWEST_NS 1
#define LAB_HLOG_HIGHEST_NS 3600000000000ll
#define LAB_HLOG_SIG_DIGITS 3
#define LAB_HLOG_INTERVAL_NS 1000000000ull
/* More 1 s intervals than any run has (lab-gen's --duration is at most 7 days): records that
 * claim a longer span are corrupt, and their log would be that many lines. */
#define LAB_HLOG_MAX_INTERVALS (8ull * 86400)

/* The log of one path (tag) from its records to f. Returns 0, or -1 (errno; ERANGE: the records'
 * intended times span more than LAB_HLOG_MAX_INTERVALS or more than a minute beyond the header's
 * duration_ns, nothing written). */
int lab_hlog_write(FILE *f, const char *tag, const struct lab_rec_hdr *hdr,
		   const struct lab_rec *recs, size_t n);

/* hist/<path>.hlog for every analyzed path of r. Returns 0, or -1 with a reason naming the file. */
int lab_write_hlogs(const struct lab_run *r, char *err, size_t errlen);

#endif
