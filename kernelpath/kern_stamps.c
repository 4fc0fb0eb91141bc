/* kern_stamps.c — lab-kern's two stamp sources (--stamps, --stamps-file).
 *
 * user: dut_rx is CLOCK_MONOTONIC read just after recvmmsg returns, dut_tx the read just before
 * sendmmsg. kernel: dut_rx is the socket's SO_TIMESTAMPING software RX stamp (converted to
 * CLOCK_MONOTONIC, kern_clock.h); dut_tx stays the user read in the frame, because the kernel's
 * TX stamp is taken in the driver's transmit, after the frame's bytes were handed over: it comes
 * back on the error queue and goes into the side file, from which lab-analyze takes it.
 * With --stamps-file both sources are recorded for every reflected packet whatever --stamps
 * says, so the stack's own cost (user - kernel at RX, kernel - user at TX) is always known. */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "frame.h"
#include "hwts.h"
#include "kern_run.h"
#include "log.h"
#include "opt_table.h"

#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81 /* Linux 6.13: the TX timestamp's id per message */
#endif

const char *const kern_stamps_names[] = {"user", "kernel", "hw", NULL};

#define ERRQ_BATCH 64
#define ERRQ_CTRL 256

void kern_stamps_check(struct kern_run *r)
{
	struct kern_stamps *st = &r->st;
	st->mode = (enum lab_stp_src)(st->opt + LAB_STP_SRC_USER);
	/* not given: as lab-kern always stamped, dut_rx the kernel's RX stamp, dut_tx the user read
	 * (setup/lab run always gives it) */
	if (!lab_opts_seen(&r->dut.groups[1], "stamps"))
		st->mode = LAB_STP_SRC_KERNEL;
	/* refused before a socket, a file or a pin exists: nothing to undo */
	if (st->mode == LAB_STP_SRC_HW)
		lab_hwts_require("--stamps", r->so.iface);
	if (st->file && r->forward)
		lab_die(LAB_EXIT_USAGE, "--stamps-file is for the reflect topology (the relay sends "
			"from other sockets)");
	r->so.tx_stamps = st->file != NULL;
}

void kern_stamps_open(struct kern_run *r)
{
	struct kern_stamps *st = &r->st;
	uint8_t used[LAB_STP_NPOINTS] = {0};
	if (!st->file)
		return;
	used[LAB_STP_DUT_RX] = (uint8_t)st->mode;
	/* kernel: the analysis takes dut_tx from this file (the frame carries the user read) */
	used[LAB_STP_DUT_TX] = (uint8_t)st->mode;
	if (lab_stp_create(&st->w, st->file, used, LAB_STP_SRC_KERNEL) < 0)
		lab_die(LAB_EXIT_RUNTIME, "--stamps-file %s: %s", st->file, strerror(errno));
	if (!r->sk.timestamping.took)
		lab_warn("SO_TIMESTAMPING refused: --stamps-file %s gets no kernel stamps", st->file);
}

/* The lab sequence number of a payload kern_classify accepted (its header is valid). */
static uint32_t pkt_seq(const struct kern_pkt *p)
{
	const struct lab_hdr *h = (const struct lab_hdr *)p->payload;
	return ntohl(h->seq);
}

void kern_stamps_batch(struct kern_run *r, unsigned n, uint64_t tx_ns)
{
	struct kern_stamps *st = &r->st;
	if (!st->w.f)
		return;
	for (unsigned i = 0; i < n; i++) {
		uint32_t seq, slot;
		uint64_t k = st->kern_rx_ns[i];
		if (!r->pkts[i].send)
			continue;
		seq = pkt_seq(&r->pkts[i]);
		lab_stp_put(&st->w, seq, LAB_STP_DUT_RX, LAB_STP_F_USER | (k ? LAB_STP_F_KERNEL : 0),
			    st->user_rx_ns, k);
		st->rx_pairs++;
		st->rx_no_kernel += !k;
		slot = seq % KERN_TX_RING;
		st->ring_seq[slot] = seq;
		st->ring_ns[slot] = tx_ns;
		st->pending++;
	}
}

size_t kern_stamps_cmsg(struct kern_run *r, unsigned i, uint8_t *buf, size_t used, size_t cap)
{
	struct cmsghdr *c;
	uint32_t seq;
	if (!r->st.w.f || !r->sk.timestamping.took ||
	    used + CMSG_SPACE(sizeof(uint32_t)) > cap)
		return used;
	/* the next header after the `used` bytes already there (pktinfo) */
	c = (struct cmsghdr *)(buf + used);
	memset(c, 0, CMSG_SPACE(sizeof(uint32_t)));
	seq = pkt_seq(&r->pkts[i]);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_TS_OPT_ID;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &seq, sizeof(seq));
	return used + CMSG_SPACE(sizeof(uint32_t));
}

/* One error-queue message: a software TX stamp of the reply with id ee_data, paired with the
 * user read kept for that sequence number. */
static void tx_stamp(struct kern_run *r, struct msghdr *m)
{
	struct kern_stamps *st = &r->st;
	struct scm_timestamping *tss = NULL;
	struct sock_extended_err *ee = NULL;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING)
			tss = (struct scm_timestamping *)CMSG_DATA(c);
		else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			 (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
			ee = (struct sock_extended_err *)CMSG_DATA(c);
	}
	if (!ee || !tss || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING || ee->ee_info != SCM_TSTAMP_SND ||
	    !(tss->ts[0].tv_sec || tss->ts[0].tv_nsec))
		return;
	uint32_t seq = ee->ee_data, slot = seq % KERN_TX_RING;
	st->pending -= st->pending > 0;
	if (!st->ring_ns[slot] || st->ring_seq[slot] != seq) {
		st->tx_unmatched++; /* its user read was overwritten: more than the ring in flight */
		return;
	}
	lab_stp_put(&st->w, seq, LAB_STP_DUT_TX, LAB_STP_F_USER | LAB_STP_F_KERNEL, st->ring_ns[slot],
		    kern_clock_to_mono_ns(&r->clk, lab_ts_to_ns(&tss->ts[0])));
	st->ring_ns[slot] = 0;
	st->tx_pairs++;
}

void kern_stamps_drain(struct kern_run *r)
{
	struct mmsghdr m[ERRQ_BATCH];
	static uint8_t ctl[ERRQ_BATCH][ERRQ_CTRL] __attribute__((aligned(8)));
	int n;
	if (!r->st.w.f || !r->sk.timestamping.took)
		return;
	do {
		for (unsigned i = 0; i < ERRQ_BATCH; i++) {
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_control = ctl[i];
			m[i].msg_hdr.msg_controllen = ERRQ_CTRL;
		}
		n = recvmmsg(r->sk.fd, m, ERRQ_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++)
			tx_stamp(r, &m[i].msg_hdr);
	} while (n == ERRQ_BATCH);
}

void kern_stamps_close(struct kern_run *r)
{
	if (!r->st.w.f)
		return;
	kern_stamps_drain(r);
	if (lab_stp_close(&r->st.w) < 0)
		lab_warn("--stamps-file %s: write failed: %s", r->st.file, strerror(errno));
}

void kern_stamps_json(struct lab_json *j, const struct kern_run *r)
{
	const struct kern_stamps *st = &r->st;
	lab_json_obj(j, "stamps");
	lab_json_str(j, "mode", lab_stp_src_names[st->mode]);
	lab_json_str(j, "dut_rx", lab_stp_src_names[st->mode]);
	/* the frame's dut_tx is always the user read; the kernel's TX stamp is in the side file,
	 * from which lab-analyze takes it (without one, dut_tx is the user read) */
	lab_json_str(j, "dut_tx", st->file ? lab_stp_src_names[st->mode] : "user");
	lab_json_str(j, "dut_tx_in_frame", "user");
	if (st->file)
		lab_json_str(j, "file", st->file);
	else
		lab_json_null(j, "file");
	lab_json_u64(j, "rx_pairs", st->rx_pairs);
	lab_json_u64(j, "rx_without_kernel_stamp", st->rx_no_kernel);
	lab_json_u64(j, "tx_pairs", st->tx_pairs);
	lab_json_u64(j, "tx_stamps_unmatched", st->tx_unmatched);
	lab_json_obj_end(j);
}
