/* canned.h — a corpus of good and malformed frames, each with the verdict the userspace parser
 * must give it; shared by the parser's unit tests and the XDP program's BPF_PROG_TEST_RUN tests. */
#ifndef LAB_CANNED_H
#define LAB_CANNED_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define CANNED_MAX_LEN 1600

struct canned {
	const char *name;
	uint8_t buf[CANNED_MAX_LEN];
	size_t len;
	enum lab_verdict expect;
};

/* The flow every canned frame is built on: gen (LAB_GEN_V4 / LAB_GEN_V6) -> dut (LAB_DUT_V4 / LAB_DUT_V6). */
void canned_flow(struct lab_flow *f, int family, int vlan_id);

/* Fill out[] (room for max) and return how many frames there are. */
size_t canned_frames(struct canned *out, size_t max);

#endif
