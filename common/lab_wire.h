/* lab_wire.h — the lab header carried at the start of every lab UDP payload.
 *
 * One definition for the BPF program and for userspace: only fixed-width fields from
 * <linux/types.h>, network byte order on the wire, no functions that need libc.
 *
 *   0      2      3      4              8                     16             20
 *   +------+------+------+--------------+---------------------+--------------+
 *   |magic |ver   |flags |     seq      |  sent_ns (actual)   |   late_ns    |  core, 20 B
 *   +------+------+------+--------------+---------------------+--------------+
 *   |       dut_rx_ns                   |       dut_tx_ns                    |  stamp, 16 B
 *   +-----------------------------------+------------------------------------+  (LAB_F_STAMP)
 *
 * The core is 20 bytes so that a 64-byte IPv4 frame (14 + 20 + 8 + 20 = 62) carries it.
 * The stamp area follows only when the sender sets LAB_F_STAMP (the frame must then be
 * long enough: 78 bytes for IPv4, 98 for IPv6); a reflector or forwarder fills it, sets
 * LAB_F_STAMPED. A reflector sends the frame back (LAB_F_REFLECTED); a forwarder (the forward
 * topology: gen0 -> dut0 -> dut1 -> gen1) sends it on out of its other port (LAB_F_FORWARDED),
 * IPv4 TTL / IPv6 hop limit one lower.
 * intended send time = sent_ns - late_ns (late_ns saturates at 0xffffffff).
 * Every time is nanoseconds of the host's CLOCK_MONOTONIC (bpf_ktime_get_ns()).
 */
#ifndef LAB_WIRE_H
#define LAB_WIRE_H

#include <linux/types.h>

/* LAB_PORT_DUT (reflectors listen here) and LAB_PORT_GEN (the generator sends from here), with
 * the lab's addresses, MACs and interface names: common/constants.tsv, generated (macros only) */
#include "lab_constants.h"

#define LAB_MAGIC 0x4C42u   /* "LB" */
#define LAB_VERSION 1

/* flags */
#define LAB_F_STAMP     0x01 /* sender asks the reflector to fill the stamp area */
#define LAB_F_STAMPED   0x02 /* the reflector filled it */
#define LAB_F_REFLECTED 0x04 /* set by every reflector: never reflect a reflected frame */
#define LAB_F_FORWARDED 0x08 /* set by every forwarder (forward topology): never forwarded twice */
#define LAB_F_MARKED    0x0c /* reflected or forwarded: a DUT never sends such a frame on again */
#define LAB_F_KNOWN     0x0f /* any other bit set: malformed */

struct lab_hdr {
	__be16 magic;
	__u8 version;
	__u8 flags;
	__be32 seq;
	__be64 sent_ns;
	__be32 late_ns;
} __attribute__((packed));

struct lab_stamp {
	__be64 dut_rx_ns;
	__be64 dut_tx_ns;
} __attribute__((packed));

#define LAB_HDR_LEN 20
#define LAB_STAMP_LEN 16

/* Smallest frames (no FCS counted: the bytes a NIC, pcap or AF_XDP sees). */
#define LAB_ETH_LEN 14
#define LAB_MIN_FRAME_V4 (LAB_ETH_LEN + 20 + 8 + LAB_HDR_LEN)         /* 62 */
#define LAB_MIN_FRAME_V6 (LAB_ETH_LEN + 40 + 8 + LAB_HDR_LEN)         /* 82 */
#define LAB_MIN_FRAME_V4_STAMP (LAB_MIN_FRAME_V4 + LAB_STAMP_LEN)     /* 78 */
#define LAB_MIN_FRAME_V6_STAMP (LAB_MIN_FRAME_V6 + LAB_STAMP_LEN)     /* 98 */

#endif
