/* fuzz_seeds.c — writes every frame of tests/lib/canned.c's corpus (good and broken) to DIR,
 * one file each: the seed corpus of fuzz_frame, so the fuzzer starts from real lab frames. */
#include <stdio.h>

#include "canned.h"

int main(int argc, char **argv)
{
	static struct canned c[64];
	char p[512];
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	size_t n = canned_frames(c, 64);
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", argv[1], c[i].name);
		FILE *f = fopen(p, "wb");
		if (!f || fwrite(c[i].buf, 1, c[i].len, f) != c[i].len) {
			perror(p);
			return 1;
		}
		fclose(f);
	}
	printf("%zu seeds in %s\n", n, argv[1]);
	return 0;
}
