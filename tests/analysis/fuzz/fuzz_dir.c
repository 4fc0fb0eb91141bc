/* fuzz_dir.c — see fuzz_dir.h. */
#define _XOPEN_SOURCE 700
#include "fuzz_dir.h"

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[128], dir[160];

/* mkdir -p of every parent of dir/rel */
static bool parents(const char *rel)
{
	char p[512];
	int n = snprintf(p, sizeof(p), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(p))
		return false;
	for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return false;
		*s = '/';
	}
	return true;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(p);
	return 0;
}

void fuzz_dir_done(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void rm_base(void)
{
	fuzz_dir_done();
	rmdir(base);
}

const char *fuzz_dir_make(const char *tag, const uint8_t *data, size_t size,
			  const char *const *names, size_t nnames)
{
	if (!base[0]) {
		/* tmpfs when there is one: thousands of directories a second */
		const char *top = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(base, sizeof(base), "%s/lab-fuzz-%s-%d", top, tag, (int)getpid());
		snprintf(dir, sizeof(dir), "%s/d", base);
		mkdir(base, 0755);
		atexit(rm_base);
	}
	fuzz_dir_done(); /* a run that crashed before may have left one */
	if (mkdir(dir, 0755) < 0)
		return NULL;
	size_t at = 0;
	while (at + 5 <= size) {
		const char *name = names[data[at] % nnames];
		uint32_t len = (uint32_t)data[at + 1] | (uint32_t)data[at + 2] << 8 |
			       (uint32_t)data[at + 3] << 16 | (uint32_t)data[at + 4] << 24;
		at += 5;
		if (len > size - at)
			len = (uint32_t)(size - at);
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		FILE *f = parents(name) ? fopen(p, "ab") : NULL;
		if (!f)
			return NULL;
		fwrite(data + at, 1, len, f);
		fclose(f);
		at += len;
	}
	return dir;
}
