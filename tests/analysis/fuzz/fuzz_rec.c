/* fuzz_rec.c — libFuzzer harness for the record-file reader (common/rec.c, as lab-analyze
 * opens it: from a file) and the per-path analysis behind it. The input becomes
 * records/kernel.rec of a scratch results directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "rec.h"

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char p[128], err[512];
	struct lab_rec_file f;
	struct lab_path *lp;
	struct lab_analyze_opts o = {0};
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/lab-fuzz-rec-%d", (int)getpid());
		mkdir(dir, 0755);
		snprintf(p, sizeof(p), "%s/records", dir);
		mkdir(p, 0755);
	}
	snprintf(p, sizeof(p), "%s/records/kernel.rec", dir);
	FILE *out = fopen(p, "w");
	if (!out)
		return 0;
	fwrite(data, 1, size, out);
	fclose(out);
	if (lab_rec_open(p, &f, err, sizeof(err)) == 0) {
		for (uint64_t i = 0; i < f.count; i++)
			if (f.recs[i].seq != (uint32_t)i)
				__builtin_trap();
		lab_rec_close(&f);
		lp = malloc(sizeof(*lp));
		if (lp && lab_analyze_path(dir, "kernel", &o, lp, err, sizeof(err)) == 0 &&
		    lp->received > lp->records)
			__builtin_trap();
		if (lp)
			lab_path_free(lp);
		free(lp);
	} else if (strchr(err, '\n')) {
		__builtin_trap();
	}
	return 0;
}
