/* synth_run.c — lab-synth-run DIR [N [kernel]]: write a synthetic results directory (kernel and xdptx
 * records, counters, softnet samples, a skipped dpdk) for trying lab-analyze by hand and for
 * the benchmark. Not part of the product. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth.h"

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4 || strcmp(argv[1], "--help") == 0 ||
	    (argc == 4 && strcmp(argv[3], "kernel") != 0)) {
		bool bad = argc < 2 || argc > 4 || strcmp(argv[1], "--help") != 0;
		fprintf(bad ? stderr : stdout,
			"usage: lab-synth-run DIR [N [kernel]]\nWrites a synthetic results directory "
			"of N records per path (default 100000) into DIR (created). With 'kernel',\n"
			"only the kernel path (for the benchmark).\n");
		return bad ? 2 : 0;
	}
	char p[4200];
	unsigned long long n = argc >= 3 ? strtoull(argv[2], NULL, 10) : 100000;
	if (n == 0 || n > 1000000000ull) {
		fprintf(stderr, "lab-synth-run: N is 1 to 1e9\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "lab-synth-run: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (synth_results_dir(argv[1], n) < 0 ||
	    (argc == 4 && (snprintf(p, sizeof(p), "%s/records/xdptx.rec", argv[1]), unlink(p)) < 0)) {
		fprintf(stderr, "lab-synth-run: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
