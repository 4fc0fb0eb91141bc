/* rec_scale.c — lab-rec-scale IN OUT FACTOR: a copy of a record file whose RTTs (from the
 * intended send) are multiplied by FACTOR, for compare's tests: a run with a known shift. Not
 * part of the product. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rec.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: lab-rec-scale IN OUT FACTOR\n");
		return 2;
	}
	double k = strtod(argv[3], NULL);
	struct lab_rec_file in;
	char err[1024];
	if (k <= 0 || lab_rec_open(argv[1], &in, err, sizeof(err)) < 0) {
		fprintf(stderr, "lab-rec-scale: %s\n", k <= 0 ? "FACTOR must be > 0" : err);
		return 1;
	}
	struct lab_rec_hdr h = in.hdr;
	int fd = lab_rec_create(argv[2], &h);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	for (uint64_t i = 0; i < in.count; i++) {
		struct lab_rec r = in.recs[i];
		if (r.flags & LAB_REC_RECEIVED) {
			uint64_t shift = (uint64_t)((double)(r.recv_ns - r.intended_ns) * (k - 1.0));
			r.recv_ns += shift;
			if (r.dut_tx_ns)
				r.dut_tx_ns += shift; /* the reply held at the DUT */
		}
		if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
			perror(argv[2]);
			return 1;
		}
	}
	if (lab_rec_finish(fd, &h, in.count) < 0) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	lab_rec_close(&in);
	return 0;
}
