/* fuzz_frame.c — libFuzzer harness for the frame parser every reflector trusts with hostile
 * input (common/frame.c): lab_frame_parse, then, when it says LAB_OK, lab_frame_reflect on a
 * copy, which must keep the frame a valid lab frame with a good checksum (reflecting twice
 * gives the original layers back). The port varies with the first input byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_parsed p, q;
	uint16_t port = size && data[0] & 1 ? 0 : LAB_PORT_DUT;
	/* an exact-size heap copy: ASan sees any read past the frame */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	enum lab_verdict v = lab_frame_parse(buf, size, port, &p);
	if ((unsigned)v >= LAB_E_COUNT || !lab_verdict_name(v))
		__builtin_trap();
	if (v == LAB_OK) {
		if (p.frame_len > size || p.lab_off + sizeof(struct lab_hdr) > p.frame_len)
			__builtin_trap();
		bool csum_in = lab_frame_csum_ok(buf, &p);
		lab_frame_reflect(buf, &p, 1, 2);
		/* still lab traffic (reflected now, so any port), same layout */
		if (lab_frame_parse(buf, size, 0, &q) != LAB_OK || q.lab_off != p.lab_off)
			__builtin_trap();
		/* an incremental checksum update keeps a good checksum good */
		if (csum_in && !lab_frame_csum_ok(buf, &q))
			__builtin_trap();
	}
	free(buf);
	return 0;
}
