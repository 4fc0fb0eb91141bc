/* analyze.h — lab_analyze_path: one path of a run analysed into a struct lab_path (path.h),
 * with the options it takes. analyze.c computes it; summary.c and report.c write it out. */
#ifndef LAB_ANALYZE_H
#define LAB_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path.h"

struct lab_analyze_opts {
	uint64_t window_ns;     /* 0: default from the offered rate */
	double threshold_pps;   /* 0: default */
	bool write_pcap;
	/* tail attribution (attrib.h) */
	uint64_t tail_threshold_ns; /* 0: the path's p50 + 10 µs */
	double tail_min_cover;      /* 0: 0.5 */
	int gen_cpu, dut_cpu;       /* from run.json; -1 unknown */
	const char *topology;       /* the run's: reflect | forward (NULL: reflect) */
};

/* Latency row of the heat map for v nanoseconds. */
int lab_heat_row(int64_t v_ns);

/* Analyze records/<name>.rec of run_dir (and its counters, gen stats, softnet samples, capture).
 * Returns 0, or -1 with a one-line reason naming the file in err. */
int lab_analyze_path(const char *run_dir, const char *name, const struct lab_analyze_opts *o,
		     struct lab_path *p, char *err, size_t errlen);

#endif
