/* pcap_out.h — writing classic pcap files with nanosecond timestamps (magic 0xa1b23c4d),
 * Ethernet link type, which Wireshark, tshark and tcpdump read as they are. */
#ifndef LAB_PCAP_OUT_H
#define LAB_PCAP_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "afile.h"

struct lab_pcap_out {
	FILE *f;           /* unbuffered: the records wait in buf */
	uint32_t snaplen;
	uint64_t packets;
	uint64_t bytes;    /* of the file, header included, written or waiting */
	uint8_t *buf;
	size_t used;
	struct lab_afile *af; /* lab_pcap_out_open's temporary (afile.h); NULL for create's */
};

/* Open a pcap that appears at path whole or not at all: written to a temporary beside it
 * (common/afile.h), renamed over path by a close that succeeded, removed by one that failed or by
 * abort. Returns 0 or -1 (errno set). */
int lab_pcap_out_open(struct lab_pcap_out *o, const char *path, uint32_t snaplen);
/* Create path itself (0644; O_EXCL when excl), written as it goes (a writer killed leaves whole
 * records): lab-watch's files during a watch. linktype: DLT_/LINKTYPE_ number. */
int lab_pcap_out_create(struct lab_pcap_out *o, const char *path, uint32_t snaplen,
			uint32_t linktype, bool excl);
/* ts_ns: wall-clock (CLOCK_REALTIME) nanoseconds. len: the frame's length on the wire. */
int lab_pcap_out_write(struct lab_pcap_out *o, uint64_t ts_ns, const void *data, uint32_t caplen,
		       uint32_t len);
/* Write what waits in the buffer (whole records). 0 or -1 (errno). */
int lab_pcap_out_flush(struct lab_pcap_out *o);
/* Flush and close (open's: fsync and rename; on failure the temporary is removed). 0 or -1. */
int lab_pcap_out_close(struct lab_pcap_out *o);
/* Close without keeping: open's temporary removed (path untouched), create's file left. */
void lab_pcap_out_abort(struct lab_pcap_out *o);

#endif
