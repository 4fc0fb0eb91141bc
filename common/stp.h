/* stp.h — stamp side files: per-packet pairs of a user-space clock read and a kernel (or
 * hardware) stamp of the same event, for the points a program has both sources of. They exist
 * because a kernel TX stamp arrives only after the frame left, so it cannot travel in the frame
 * (lab_wire.h), and the records (rec.h) stay 48 bytes.
 *
 * Layout (little-endian, as rec.h):
 *   [struct lab_stp_hdr, 64 bytes] [struct lab_stp_rec, 24 bytes] x N
 * The header is written first and records are appended as the events happen, so a writer killed
 * half-way leaves a readable file: the count is the number of whole records, a partial last one
 * is ignored. Records are in event order, not sequence order; the reader sorts what it needs.
 * Version 1. Any change of layout bumps LAB_STP_VERSION. */
#ifndef LAB_STP_H
#define LAB_STP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LAB_STP_MAGIC "LABSTP\r\n"
#define LAB_STP_VERSION 1
#define LAB_STP_HDR_LEN 64

/* The four stamping points of a round trip. */
enum lab_stp_point { LAB_STP_GEN_TX, LAB_STP_DUT_RX, LAB_STP_DUT_TX, LAB_STP_GEN_RX, LAB_STP_NPOINTS };
extern const char *const lab_stp_point_names[LAB_STP_NPOINTS]; /* "gen_tx", ... */

/* A stamp source (the --stamps modes). NONE: the program does not stamp that point. */
enum lab_stp_src { LAB_STP_SRC_NONE, LAB_STP_SRC_USER, LAB_STP_SRC_KERNEL, LAB_STP_SRC_HW,
		   LAB_STP_NSRC };
extern const char *const lab_stp_src_names[LAB_STP_NSRC]; /* "none", "user", "kernel", "hw" */
/* "user" | "kernel" | "hw" -> the source; -1 otherwise. */
int lab_stp_src_parse(const char *s);

/* lab_stp_rec.flags */
#define LAB_STP_F_USER   0x1 /* user_ns is valid */
#define LAB_STP_F_KERNEL 0x2 /* kernel_ns is valid */

struct lab_stp_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_len;
	uint32_t rec_len;
	uint32_t flags;            /* 0 */
	/* enum lab_stp_src the figures are to use at each point (NONE: not this program's). Where
	 * it is KERNEL or HW, lab-analyze takes kernel_ns from here even if the frame or record
	 * holds the user read (lab-kern's dut_tx: its kernel stamp comes after the frame left) */
	uint8_t used[LAB_STP_NPOINTS];
	uint8_t other;             /* enum lab_stp_src of kernel_ns (KERNEL or HW) */
	uint8_t reserved[LAB_STP_HDR_LEN - 29];
};

struct lab_stp_rec {
	uint32_t seq;      /* the lab header's sequence number (lab-gen: the record index) */
	uint8_t point;     /* enum lab_stp_point */
	uint8_t flags;     /* LAB_STP_F_* */
	uint16_t reserved;
	uint64_t user_ns;  /* CLOCK_MONOTONIC read in user space at the program's call */
	uint64_t kernel_ns;/* the kernel's (or NIC's) stamp, converted to CLOCK_MONOTONIC */
};

_Static_assert(sizeof(struct lab_stp_hdr) == LAB_STP_HDR_LEN, "lab_stp_hdr is 64 bytes");
_Static_assert(sizeof(struct lab_stp_rec) == 24, "lab_stp_rec is 24 bytes");

/* Writing: buffered stdio, one fwrite per pair. */
struct lab_stp_writer {
	FILE *f;
	uint64_t written;
	bool failed;
};

/* Create path (0644) and write the header. 0, or -1 with errno. */
int lab_stp_create(struct lab_stp_writer *w, const char *path, const uint8_t used[LAB_STP_NPOINTS],
		   enum lab_stp_src other);
/* Append one pair (a closed writer ignores it). */
void lab_stp_put(struct lab_stp_writer *w, uint32_t seq, enum lab_stp_point pt, uint8_t flags,
		 uint64_t user_ns, uint64_t kernel_ns);
/* Flush and close. 0, or -1 when any write failed. */
int lab_stp_close(struct lab_stp_writer *w);

/* A side file read whole. */
struct lab_stp_file {
	struct lab_stp_hdr hdr;
	struct lab_stp_rec *recs;
	uint64_t count;
	bool partial; /* a partial last record was dropped (writer killed mid-write) */
};

/* Check a header read from a file of file_size bytes: 0, or -1 with a one-line reason. */
int lab_stp_validate(const struct lab_stp_hdr *h, uint64_t file_size, char *err, size_t errlen);
/* Read path whole; every record's point and flags checked. 0, or -1 with a one-line reason. */
int lab_stp_read(const char *path, struct lab_stp_file *f, char *err, size_t errlen);
void lab_stp_free(struct lab_stp_file *f);

#endif
