/* fuzz_watchdir.c — libFuzzer harness for a lab-watch directory read back (watchrep.c), the way
 * `lab-analyze DIR` does it (main.c cmd_watch): lab_watch_load, then its report.html. The
 * input is a container of files (fuzz_dir.h): events.jsonl and watch.json. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_dir.h"
#include "log.h"
#include "watchrep.h"

static const char *const names[] = {"events.jsonl", "watch.json"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_watch w;
	char err[1024] = "";
	const char *dir = fuzz_dir_make("watch", data, size, names, sizeof(names) / sizeof(names[0]));
	if (!dir)
		return 0;
	if (lab_watch_is_dir(dir) && lab_watch_load(dir, &w, err, sizeof(err)) == 0) {
		if (w.nev > 0 && !w.events_file)
			__builtin_trap();
		lab_watch_write_report(&w, err, sizeof(err));
		lab_watch_free(&w);
	}
	if (strchr(err, '\n')) /* every reason is one line */
		__builtin_trap();
	fuzz_dir_done();
	return 0;
}
