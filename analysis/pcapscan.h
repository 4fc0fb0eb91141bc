/* pcapscan.h — `lab-analyze --pcap FILE`: microbursts in any capture, and the packets of their
 * windows written to a new pcap. */
#ifndef LAB_PCAPSCAN_H
#define LAB_PCAPSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct lab_scan_opts {
	uint64_t window_ns;   /* 0: default from the capture's mean rate */
	double threshold_pps; /* 0: default (off when threshold_bps is given alone) */
	double threshold_bps; /* 0: not used */
	bool json;
	const char *write;    /* OUT.pcap or NULL */
	uint64_t margin_ns;   /* context kept before and after each burst in OUT.pcap */
};

/* Returns 0, or -1 with a one-line reason naming the file in err. */
int lab_pcap_scan(const char *file, const struct lab_scan_opts *o, FILE *out, char *err,
		  size_t errlen);

#endif
