/* fuzz_pcap.c — libFuzzer harness for the capture reader (pcap and pcapng): any input must end
 * in packets, end of file or a one-line error, and packets must lie inside the input. */
#include <stdint.h>
#include <string.h>

#include "pcap_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapr r;
	struct pcapr_pkt p;
	int g = pcapr_init(&r, data, size);
	while (g >= 0 && (g = pcapr_next(&r, &p)) == 1) {
		if (p.data < data || p.data + p.caplen > data + size || p.caplen > p.len ||
		    p.caplen > PCAPR_MAX_CAPLEN)
			__builtin_trap();
	}
	if (g < 0 && (r.err[0] == '\0' || strchr(r.err, '\n')))
		__builtin_trap();
	return 0;
}
