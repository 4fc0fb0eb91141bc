/* kern_flags.c — lab-kern's command line: its own flags and --help text (the shared ones are
 * the DUT driver's), and the checks after parsing. */
#include <stdio.h>

#include "kern_run.h"
#include "lab_constants.h"
#include "log.h"

const char *const kern_mode_names[] = {"blocking", "busy-poll", "epoll", NULL};

#define K(field) LAB_FIELD(struct kern_run, field)
static const struct lab_opt kern_opts[] = {
	{.name = "mode", .kind = LAB_OPT_ENUM, K(mode), .arg = "M", .names = kern_mode_names,
	 .help = "blocking: recvmmsg/sendmmsg in batches, asleep in recvmmsg when idle; busy-poll: "
		 "SO_BUSY_POLL + SO_PREFER_BUSY_POLL + SO_BUSY_POLL_BUDGET and a non-blocking receive "
		 "spin (one core at 100%); epoll: epoll_wait, then non-blocking recvmmsg until empty"},
	{.name = "addr", .kind = LAB_OPT_STR, K(so.addr), .arg = "ADDR",
	 .unset = "[::], one dual-stack socket for IPv4 and IPv6",
	 .help = "bind this one address (IPv4 or IPv6). Replies leave from the address the request "
		 "was sent to"},
	{.name = "batch", .kind = LAB_OPT_UINT, K(batch), .arg = "N", .min = 1, .max = KERN_BATCH_MAX,
	 .range = true, .help = "datagrams per recvmmsg/sendmmsg"},
	{.name = "rcvbuf", .kind = LAB_OPT_UINT, K(so.rcvbuf_bytes), .arg = "BYTES", .max = 1 << 30,
	 .help = "socket receive buffer; 0 = the system's"},
	{.name = "sndbuf", .kind = LAB_OPT_UINT, K(so.sndbuf_bytes), .arg = "BYTES", .max = 1 << 30,
	 .help = "socket send buffer; 0 = the system's"},
	{.name = "busy-poll-us", .kind = LAB_OPT_UINT, K(so.busy_poll_us), .arg = "N", .min = 1,
	 .max = 1000000, .help = "busy-poll: SO_BUSY_POLL microseconds"},
	{.name = "busy-poll-budget", .kind = LAB_OPT_UINT, K(so.busy_poll_budget), .arg = "N", .min = 1,
	 .max = 65535, .help = "busy-poll: SO_BUSY_POLL_BUDGET packets per poll"},
	{.name = "fifo", .kind = LAB_OPT_INT, K(fifo_prio), .arg = "PRIO", .min = 1, .max = 99,
	 .range = true, .unset = "SCHED_OTHER",
	 .help = "run as SCHED_FIFO at PRIO. With busy-poll this holds the CPU: only the kernel's RT "
		 "throttling lets others run"},
	{.name = "clock-interval", .kind = LAB_OPT_DBL, K(clock_interval_s), .arg = "S", .dmin = 0.01,
	 .dmax = 3600, .help = "re-measure the realtime->monotonic offset every S seconds"},
	{.name = "forward", .kind = LAB_OPT_SET, K(forward), .value = 1,
	 .help = "the forward topology: relay each lab datagram out of --out-iface to --to instead "
		 "of reflecting it (TTL / hop limit - 1, marked forwarded)"},
	{.name = "out-iface", .kind = LAB_OPT_STR, K(out_iface), .arg = "IF",
	 .help = "--forward: the interface the relayed datagrams leave by (SO_BINDTODEVICE, sent "
		 "from its address and --port)"},
	{.name = "to", .kind = LAB_OPT_STR, K(to), .arg = "ADDR",
	 .unset = LAB_GEN1_V4 " for IPv4 datagrams, " LAB_GEN1_V6 " for IPv6",
	 .help = "--forward: where datagrams of ADDR's family are relayed to (port --port); the "
		 "other family keeps its default"},
	{.name = "stamps", .kind = LAB_OPT_ENUM, K(st.opt), .arg = "S", .names = kern_stamps_names,
	 .unset = "dut_rx the kernel's RX stamp, dut_tx the user read (as before this flag)",
	 .help = "the stamp source of the frame's DUT times. user: CLOCK_MONOTONIC read "
		 "just after recvmmsg returns (dut_rx) and just before sendmmsg (dut_tx). kernel: "
		 "dut_rx is the socket's SO_TIMESTAMPING software RX stamp; dut_tx stays the user "
		 "read in the frame, the kernel's TX stamp "
		 "comes back after the frame left and goes to --stamps-file, where lab-analyze takes "
		 "it. hw: the NIC's hardware stamps: refused (exit 2, one line) on a port without a "
		 "PTP hardware clock (ethtool -T), e.g. veth, and, for now, on one with it too"},
	{.name = "stamps-file", .kind = LAB_OPT_STR, K(st.file), .arg = "PATH",
	 .help = "write both sources of every reflected packet's dut_rx and dut_tx (the user read "
		 "and the kernel's software stamp, TX ones from the error queue keyed by SCM_TS_OPT_ID) "
		 "to PATH (common/stp.h), whatever --stamps says: the stack's own cost"},
	{.name = "json", .kind = LAB_OPT_ALIAS, .alias = "stats-json", .arg = "PATH"},
	{0},
};

/* --help text: at the end of this file */
static void about(FILE *f);
static void notes(FILE *f);

const struct lab_dut_cli kern_cli = {
	.prog = "lab-kern", .stop_ms = 2 * KERN_WAIT_MS, .opts = kern_opts, .about = about, .notes = notes,
};

void kern_defaults(struct kern_run *r)
{
	r->mode = KERN_MODE_BLOCKING;
	r->so.rcvbuf_bytes = 4 << 20;
	r->so.sndbuf_bytes = 4 << 20;
	r->so.busy_poll_us = 50;
	r->so.busy_poll_budget = 64;
	r->so.rcvtimeo_ms = KERN_WAIT_MS;
	r->fifo_prio = -1;
	r->batch = 32;
	r->clock_interval_s = 1;
	r->out_iface = LAB_DUT1_IF;
	r->out_fd4 = r->out_fd6 = -1;
}

/* After parsing: the shared flags the socket needs, and the interface's scope. */
void kern_check_flags(struct kern_run *r)
{
	r->so.iface = r->dut.cfg.iface;
	r->so.port = r->dut.cfg.port;
	r->so.busy_poll = r->mode == KERN_MODE_BUSY_POLL;
	lab_dut_check_iface(&r->dut, r->so.iface);
	if (!r->forward && (lab_opts_seen(&r->dut.groups[1], "out-iface") ||
			    lab_opts_seen(&r->dut.groups[1], "to")))
		lab_die(LAB_EXIT_USAGE, "--out-iface and --to are for --forward (the forward topology)");
	r->dut.forward = r->forward;
	r->so.recv_ttl = r->forward;
	if (r->forward)
		kern_fwd_setup(r);
	kern_stamps_check(r);
}

static void about(FILE *f)
{
	lab_opts_wrap(f,
"The lab's kernel-path reflector: lab UDP (a lab header at the start of the payload) arriving "
"on --port is marked reflected and sent back to its sender's address and port through the "
"ordinary socket API (the kernel swaps addresses and keeps the checksum). When the sender asks "
"(LAB_F_STAMP), the DUT receive time (--stamps user, the default: CLOCK_MONOTONIC read just "
"after recvmmsg returns; --stamps kernel: the socket's SO_TIMESTAMPING software receive stamp, "
"CLOCK_REALTIME, converted to CLOCK_MONOTONIC with an offset re-measured every "
"--clock-interval) and transmit time (CLOCK_MONOTONIC read just before sendmmsg) are written "
"into it. A payload already marked reflected is never echoed (counted as not_lab); a broken lab "
"header is counted as malformed, by reason. Run it inside the DUT's network namespace.\n"
"--iface is bound with SO_BINDTODEVICE ('' = any interface); --cpu pins the reflector.\n"
"With --forward (the forward topology: " LAB_GEN_IF " -> " LAB_DUT_IF ", " LAB_DUT1_IF " -> " LAB_GEN1_IF ") "
"it is a UDP relay instead: "
"what arrives as above is sent on as a new datagram from a second socket bound to --out-iface "
"(SO_BINDTODEVICE, its address, --port) to --to, one sendmmsg per family and batch, with the "
"IPv4 TTL / IPv6 hop limit one lower than received (IP_RECVTTL / IPV6_RECVHOPLIMIT in, an "
"IP_TTL / IPV6_HOPLIMIT cmsg out) and the payload marked forwarded (LAB_F_FORWARDED) and "
"stamped as the reflector stamps. A datagram that came with TTL 1 or 0 is counted in "
"drops.ttl_expired and not sent; an already reflected or forwarded one in not_lab.", 0, 0);
}

static void notes(FILE *f)
{
	lab_opts_wrap(f,
"Counters: received (every datagram read), reflected (accepted by sendmmsg), not_lab (already "
"reflected: not_lab_by.already_reflected), malformed (by verdict in malformed_by: lab_truncated, "
"lab_magic, lab_version, lab_flags, stamp_truncated), tx_errors (refused by sendmmsg), and the "
"drops before us, each packet in one key only so that they add up: drops.udp_rcvbuf_errors (UDP "
"and UDP6 RcvbufErrors of /proc/net/snmp and snmp6, the change since start, for the whole "
"namespace) and drops.socket_rxq_ovfl (this socket's sk_drops, from SO_RXQ_OVFL and SO_MEMINFO, "
"beyond those RcvbufErrors and the checksum failures: a buffer overflow raises both). "
"drops_raw holds the counts as read, and udp_csum_errors (InCsumErrors of the namespace, which "
"sk_drops also counts): a datagram with a bad checksum is not one lab-gen sent (it checksums in "
"software), so it is no drop of the run's packets.\n"
"The conversion error of the receive stamps is reported as clock.rt_offset_err_ns (widest "
"bracket half-width of an offset measurement) and clock.rt_offset_drift_ns (largest change of "
"the offset between two measurements).\n"
"--forward: \"forwarded\" instead of \"reflected\"; drops.ttl_expired (TTL or hop limit 0 "
"or 1 on arrival: a router's drop); not_forwarded_by names every reason a datagram was not "
"sent on (ttl_expired, already_marked, malformed, ttl_missing and no_out_socket, the last two "
"also in tx_errors); forward.* says where it sends from and to.\n"
"Exit 2 also when --port is taken (another reflector) or --addr is not an address here, or "
"--out-iface is missing or has no address.", 0, 0);
}
