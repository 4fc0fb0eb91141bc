/* hlog_synth.c — lab-hlog-synth DIR: a results directory whose one path (kernel) is made to
 * stress the HdrHistogram encoder, for tests/analysis/hlog.sh. 1000 pps for 4.5 s:
 *   second 0: RTTs spread log-uniformly from 0 ns to 100 s, with the bucket edges 1, 2047, 2048,
 *             4095, 4096 (every bucket of the layout, long zero runs between counts);
 *   second 1: every packet lost (an empty interval);
 *   second 2: one value for all (a single non-zero index after a long zero run);
 *   second 3: every other counts index from 0 (single zeros, encoded as 0, not as runs);
 *   second 4, half of it: 30 us plus a spread, every tenth packet reordered (a partial interval).
 * Not part of the product. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth.h"

#define RATE 1000
#define N 4500

static uint64_t rtt_for(uint64_t i, uint64_t *s)
{
	static const uint64_t edges[] = {0, 1, 2047, 2048, 4095, 4096};
	uint64_t k = i % RATE;
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	switch (i / RATE) {
	case 0:
		if (k < sizeof(edges) / sizeof(edges[0]))
			return edges[k];
		return (uint64_t)pow(10.0, 11.0 * (double)k / RATE); /* 1 ns .. 100 s */
	case 2:
		return 5000;
	case 3:
		return 2 * k; /* indices 0, 2, 4, ...: one zero between counts */
	default:
		return 30000 + (*s >> 33) % 20000;
	}
}

static int write_records(const char *file)
{
	struct synth_cfg c = {.path = "kernel", .n = N, .rate_pps = RATE, .seed = 3,
			      .start_ns = 7000000000ull, .base_rtt_ns = 1000};
	struct lab_rec_hdr h;
	struct lab_rec *recs = calloc(N, sizeof(*recs));
	uint64_t s = 11, received = 0;
	if (!recs)
		return -1;
	synth_fill(&c, &h, recs);
	for (uint64_t i = 0; i < N; i++) {
		struct lab_rec *r = &recs[i];
		r->flags = LAB_REC_SENT;
		r->recv_ns = 0;
		if (i / RATE == 1)
			continue;
		r->recv_ns = r->intended_ns + rtt_for(i, &s);
		r->flags |= LAB_REC_RECEIVED;
		if (i / RATE == 4 && i % 10 == 0)
			r->flags |= LAB_REC_REORDERED;
		received++;
	}
	h.received = received;
	h.lost = N - received;
	h.sent = N;
	h.duration_ns = (uint64_t)N * (1000000000ull / RATE);
	FILE *f = fopen(file, "w");
	int rc = f && fwrite(&h, sizeof(h), 1, f) == 1 && fwrite(recs, sizeof(*recs), N, f) == N ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	free(recs);
	return rc;
}

int main(int argc, char **argv)
{
	char p[4200];
	if (argc != 2) {
		fprintf(stderr, "usage: lab-hlog-synth DIR\n");
		return 2;
	}
	snprintf(p, sizeof(p), "%s/records", argv[1]);
	if ((mkdir(argv[1], 0755) < 0 && errno != EEXIST) || (mkdir(p, 0755) < 0 && errno != EEXIST)) {
		fprintf(stderr, "lab-hlog-synth: %s: %s\n", p, strerror(errno));
		return 1;
	}
	snprintf(p, sizeof(p), "%s/records/kernel.rec", argv[1]);
	if (write_records(p) < 0) {
		fprintf(stderr, "lab-hlog-synth: %s: %s\n", p, strerror(errno));
		return 1;
	}
	return 0;
}
