/* rec.h — the per-packet record file written by lab-gen and read by lab-analyze.
 *
 * Layout (all integers little-endian, the only byte order the lab's hosts use; checked on open):
 *   [struct lab_rec_hdr, hdr_len bytes (512)] [struct lab_rec x count]
 * Records are in sequence order: record i is the packet with sequence number i.
 * A writer first writes the header with count = 0 and without LAB_RECF_COMPLETE, then the records,
 * then rewrites the header with the count and LAB_RECF_COMPLETE. A file without that flag (writer
 * killed) is still readable: the count is taken from the file size (whole records; a partial last
 * one is the cut) and the reader says so. lab-gen streams its records while it runs (those whose
 * reply can no longer come), so a killed run leaves the prefix it had measured.
 * Version 1. Any change of layout bumps LAB_REC_VERSION.
 */
#ifndef LAB_REC_H
#define LAB_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_REC_MAGIC "LABREC\r\n" /* 8 bytes; the CR LF catches text-mode mangling */
#define LAB_REC_VERSION 1
#define LAB_REC_HDR_LEN 512

/* lab_rec.flags */
#define LAB_REC_SENT      0x0001 /* handed to the backend */
#define LAB_REC_RECEIVED  0x0002 /* a reflection came back (first copy) */
#define LAB_REC_STAMPED   0x0004 /* dut_rx_ns/dut_tx_ns are valid */
#define LAB_REC_REORDERED 0x0008 /* came back after a higher sequence number had */
#define LAB_REC_SEND_FAIL 0x0010 /* the backend refused it (counted, not on the wire) */
#define LAB_REC_KNOWN     0x001f

struct lab_rec {
	uint64_t intended_ns; /* from the schedule */
	uint64_t sent_ns;     /* actual send time, as close to the wire as the backend allows */
	uint64_t dut_rx_ns;   /* reflector's receive stamp (0: none) */
	uint64_t dut_tx_ns;   /* reflector's transmit stamp (0: none) */
	uint64_t recv_ns;     /* generator's receive time of the first copy (0: lost) */
	uint32_t seq;
	uint16_t flags;
	uint16_t dups;        /* extra copies received */
};

/* lab_rec_hdr.flags */
#define LAB_RECF_COMPLETE 0x1 /* the writer finished and closed the file */
#define LAB_RECF_STAMP    0x2 /* the run asked reflectors for stamps */

struct lab_rec_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_len;
	uint32_t rec_len;
	uint32_t flags;
	uint64_t count;          /* records that follow */
	/* the run's configuration */
	char path[16];           /* kernel | xsk | dpdk | xdptx | ... */
	char backend[32];        /* e.g. "udp", "af_xdp copy busy-poll" */
	char pattern[16];        /* const | poisson | burst */
	char iface[32];
	char dst[48];            /* destination address, text */
	uint64_t rate_pps;
	uint64_t duration_ns;
	uint64_t burst_gap_ns;
	uint64_t seed;
	uint64_t start_ns;       /* CLOCK_MONOTONIC of the schedule's time zero */
	int64_t realtime_off_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at start (for pcap stamps) */
	uint64_t tail_ns;        /* how long it waited for reflections after the last send */
	uint32_t frame_size;
	uint32_t burst_size;
	uint32_t family;         /* 4 or 6 */
	uint32_t cpu;            /* core it ran on, or 0xffffffff */
	/* the generator's own counts, filled at the end */
	uint64_t sent, received, lost, reordered, duplicated, malformed, foreign, send_failed;
	uint64_t end_ns;         /* CLOCK_MONOTONIC when receiving stopped */
	/* the forward topology (zero in files of the reflect topology and older writers) */
	uint32_t flows;          /* UDP source ports sport..sport+flows-1: record i's flow is i mod flows */
	uint32_t reserved0;
	char rx_iface[32];       /* where the forwarded packets were received ("" : reflect) */
	uint8_t reserved[LAB_REC_HDR_LEN - 360];
};

_Static_assert(sizeof(struct lab_rec) == 48, "lab_rec is 48 bytes");
_Static_assert(sizeof(struct lab_rec_hdr) == LAB_REC_HDR_LEN, "lab_rec_hdr is 512 bytes");

/* Fill magic, version and lengths. */
void lab_rec_hdr_init(struct lab_rec_hdr *h);

/* Check a header against a file of file_size bytes. Returns 0, or -1 with a one-line reason in
 * err (no trailing newline). *count gets the number of whole records present. */
int lab_rec_validate(const struct lab_rec_hdr *h, uint64_t file_size, uint64_t *count, char *err,
		     size_t errlen);

/* A record file opened for reading (mapped read-only). */
struct lab_rec_file {
	struct lab_rec_hdr hdr;
	const struct lab_rec *recs;
	uint64_t count;
	bool complete; /* LAB_RECF_COMPLETE was set */
	uint64_t cut_bytes; /* not complete: bytes of a partial last record, left out */
	void *map;
	size_t map_len;
};

/* Returns 0, or -1 with a one-line reason in err. */
int lab_rec_open(const char *path, struct lab_rec_file *f, char *err, size_t errlen);
void lab_rec_close(struct lab_rec_file *f);

/* Writing: create makes the file (0644; through a temporary beside it, O_EXCL|O_NOFOLLOW, renamed
 * over path once the provisional header is written and synced) and returns its descriptor, or -1
 * (errno) with nothing left behind; create_for also reserves the space of reserve records
 * (fallocate, ENOSPC now rather than during the run). put_hdr rewrites the provisional header
 * (count 0, not complete); finish sizes the file to count records and writes the final one. */
int lab_rec_create(const char *path, const struct lab_rec_hdr *h);
int lab_rec_create_for(const char *path, const struct lab_rec_hdr *h, uint64_t reserve);
int lab_rec_put_hdr(int fd, const struct lab_rec_hdr *h);
int lab_rec_finish(int fd, struct lab_rec_hdr *h, uint64_t count);

#endif
