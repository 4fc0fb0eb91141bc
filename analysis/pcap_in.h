/* pcap_in.h — reading captures from memory: classic pcap (micro- and nanosecond, either byte
 * order: tcpdump, xdpdump) and pcapng (Wireshark, dpdk-dumpcap: any number of sections and
 * interfaces, per-interface timestamp resolution and offset). Our own reader rather than
 * libpcap's so every malformed length is caught with its file offset, and so the fuzzer can
 * drive it on a buffer. Packets come out with nanosecond timestamps. */
#ifndef LAB_PCAP_IN_H
#define LAB_PCAP_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPR_MAX_CAPLEN 262144u /* libpcap's largest snapshot length */
#define PCAPR_MAX_IFACES 256

struct pcapr_iface {
	uint16_t linktype;
	uint32_t snaplen;   /* 0: none given */
	uint64_t ts_num, ts_den; /* ticks -> ns: ns = ticks * num / den */
	int64_t ts_off_s;   /* if_tsoffset */
};

struct pcapr {
	const uint8_t *buf;
	size_t len, off;
	bool ng, swap;
	/* classic pcap */
	uint32_t snaplen;
	uint16_t linktype;
	bool nsec;
	/* pcapng: interfaces of the current section */
	struct pcapr_iface ifaces[PCAPR_MAX_IFACES];
	unsigned nifaces;
	uint64_t packets;
	uint64_t last_ts_ns;
	char err[256];
};

struct pcapr_pkt {
	uint64_t ts_ns;
	uint32_t caplen, len;
	uint16_t linktype;
	const uint8_t *data;
	size_t rec_off; /* file offset of the record, for messages */
};

/* Start reading buf[0..len). Returns 0, or -1 with the reason in r->err. */
int pcapr_init(struct pcapr *r, const uint8_t *buf, size_t len);
/* 1: a packet in *p; 0: end of file; -1: corrupt, reason in r->err. */
int pcapr_next(struct pcapr *r, struct pcapr_pkt *p);

/* Map a file read-only. Returns 0, or -1 with a reason naming the file in err. */
int pcapr_map(const char *path, const uint8_t **buf, size_t *len, char *err, size_t errlen);
void pcapr_unmap(const uint8_t *buf, size_t len);

#endif
