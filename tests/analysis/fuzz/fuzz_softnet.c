/* fuzz_softnet.c — libFuzzer harness for the softnet_stat parser and the sample-file reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sn_row rows[64];
	struct sn_series s;
	size_t n;
	char err[256];
	if (sn_parse_stat((const char *)data, size, rows, 64, &n, err, sizeof(err)) == 0) {
		if (n == 0 || n > 64 || rows[0].ncols < 3 || rows[0].ncols > SN_MAX_COLS)
			__builtin_trap();
	}
	if (sn_parse_samples((const char *)data, size, &s, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < s.nsnaps; i++)
			if (s.snaps[i].first_row + s.snaps[i].nrows > s.nrows)
				__builtin_trap();
		(void)sn_delta(&s, SN_DROPPED);
		sn_series_free(&s);
	}
	return 0;
}
