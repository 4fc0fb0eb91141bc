/* kern_loop.c — lab-kern's batching: receive a batch (recvmmsg), decide and stamp (kern_batch),
 * send the replies (sendmmsg), in one of three receive loops: blocking, busy-poll or epoll. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "kern_run.h"
#include "log.h"

/* Receive slots are re-armed after use: the kernel overwrites the lengths. */
void kern_arm_rx(struct kern_run *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *m = &r->rx[i].msg_hdr;
		r->riov[i].iov_base = r->data + (size_t)i * KERN_SLOT_BYTES;
		r->riov[i].iov_len = KERN_SLOT_BYTES;
		m->msg_name = &r->names[i];
		m->msg_namelen = sizeof(r->names[i]);
		m->msg_iov = &r->riov[i];
		m->msg_iovlen = 1;
		m->msg_control = r->rctl[i];
		m->msg_controllen = sizeof(r->rctl[i]);
		m->msg_flags = 0;
	}
}

/* Hand k replies to the kernel; a refused one is counted and skipped, the rest still go. */
void kern_send_all(struct kern_run *r, int fd, unsigned k)
{
	unsigned off = 0;
	int eintr = 0;
	while (off < k) {
		int s = sendmmsg(fd, r->tx + off, k - off, 0);
		if (s > 0) {
			r->c.reflected += (unsigned)s;
			off += (unsigned)s;
			continue;
		}
		if (s < 0 && errno == EINTR && eintr++ < 3)
			continue;
		if (r->last_tx_errno != errno || !r->c.tx_errors)
			lab_warn("sendmmsg: %s (counted in tx_errors)", strerror(errno));
		r->last_tx_errno = errno;
		r->c.tx_errors++;
		off++;
	}
}

/* The reply to datagram i goes out as tx[k]: back to its sender, from the address it was sent to. */
static void build_reply(struct kern_run *r, unsigned i, unsigned k, const struct kern_rx_meta *meta)
{
	struct msghdr *m = &r->tx[k].msg_hdr;
	m->msg_controllen = kern_tx_cmsg_build(meta, r->tctl[k], sizeof(r->tctl[k]));
	m->msg_controllen = kern_stamps_cmsg(r, i, r->tctl[k], m->msg_controllen, sizeof(r->tctl[k]));
	m->msg_name = &r->names[i];
	m->msg_namelen = r->rx[i].msg_hdr.msg_namelen;
	r->tiov[k].iov_base = r->pkts[i].payload;
	r->tiov[k].iov_len = r->pkts[i].len;
	m->msg_iov = &r->tiov[k];
	m->msg_iovlen = 1;
	m->msg_control = m->msg_controllen ? r->tctl[k] : NULL;
	m->msg_flags = 0;
}

void kern_rx_fill(struct kern_run *r, unsigned i, uint64_t recv_ns, struct kern_rx_meta *meta)
{
	struct kern_pkt *p = &r->pkts[i];
	kern_rx_meta_parse(&r->rx[i].msg_hdr, meta);
	if (meta->have_ovfl && meta->ovfl > r->sk_drops)
		r->sk_drops = meta->ovfl;
	p->payload = r->riov[i].iov_base;
	p->len = r->rx[i].msg_len;
	p->truncated = r->rx[i].msg_hdr.msg_flags & MSG_TRUNC;
	/* both sources kept (kern_stamps.c); --stamps says which one the frame carries */
	r->st.user_rx_ns = recv_ns;
	r->st.kern_rx_ns[i] = meta->have_ts ? kern_clock_to_mono_ns(&r->clk, meta->rt_ns) : 0;
	r->c.rx_ts_missing += !meta->have_ts;
	if (r->st.mode == LAB_STP_SRC_KERNEL && meta->have_ts)
		p->rx_ns = r->st.kern_rx_ns[i];
	else
		p->rx_ns = recv_ns;
}

static void handle_batch(struct kern_run *r, unsigned n)
{
	uint64_t recv_ns = lab_now_ns();
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct kern_rx_meta meta;
		kern_rx_fill(r, i, recv_ns, &meta);
		if (kern_classify(&r->c, &r->pkts[i], 1))
			build_reply(r, i, k++, &meta);
	}
	if (k) {
		uint64_t tx_ns = lab_now_ns();
		kern_reflect(r->pkts, n, tx_ns);
		kern_stamps_batch(r, n, tx_ns);
		kern_send_all(r, r->sk.fd, k);
	}
	kern_arm_rx(r, n);
}

static bool idle_errno(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* One receive of the mode: >0 datagrams, 0 or -1 with an idle errno when nothing came. */
static int receive(struct kern_run *r, int ep)
{
	struct epoll_event ev;
	int n;
	/* blocking: asleep for the first datagram (at most SO_RCVTIMEO), then what is queued */
	if (r->mode == KERN_MODE_BLOCKING)
		return recvmmsg(r->sk.fd, r->rx, r->batch, MSG_WAITFORONE, NULL);
	/* busy-poll: MSG_DONTWAIT, each call runs one busy-poll round of the NAPI context */
	if (r->mode == KERN_MODE_BUSY_POLL)
		return recvmmsg(r->sk.fd, r->rx, r->batch, MSG_DONTWAIT, NULL);
	n = epoll_wait(ep, &ev, 1, KERN_WAIT_MS);
	if (n > 0)
		return recvmmsg(r->sk.fd, r->rx, r->batch, MSG_DONTWAIT, NULL);
	if (n == 0)
		errno = EAGAIN;
	return -1;
}

static int open_epoll(const struct kern_run *r)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, r->sk.fd, &ev) < 0) {
		lab_err("epoll: %s", strerror(errno));
		if (ep >= 0)
			close(ep);
		return -1;
	}
	return ep;
}

int kern_run_loop(struct kern_run *r)
{
	uint64_t clock_ns = (uint64_t)(r->clock_interval_s * 1e9);
	uint64_t next_clock_ns = lab_now_ns() + clock_ns, now_ns;
	int ep = -1, rc = 0;

	if (r->mode == KERN_MODE_EPOLL && (ep = open_epoll(r)) < 0)
		return -1;
	kern_arm_rx(r, r->batch);
	do {
		int n = receive(r, ep);
		if (n > 0 && r->forward) {
			kern_fwd_batch(r, (unsigned)n);
		} else if (n > 0) {
			handle_batch(r, (unsigned)n);
		} else if (n < 0 && !idle_errno(errno)) {
			lab_err("receive on %s: %s", r->sk.desc, strerror(errno));
			rc = -1;
			break;
		}
		if (r->st.pending)
			kern_stamps_drain(r); /* the TX stamps of what was sent */
		now_ns = lab_now_ns();
		/* gaps: busy-poll spins; an iteration that reflected did work (the others sleep) */
		if (r->mode != KERN_MODE_BUSY_POLL)
			lab_gap_pause(&r->dut.gaps);
		else if (n > 0)
			lab_gap_work(&r->dut.gaps, now_ns, (unsigned)n);
		else
			lab_gap_tick(&r->dut.gaps, now_ns);
		if (now_ns >= next_clock_ns) {
			kern_clock_measure(&r->clk);
			next_clock_ns = now_ns + clock_ns;
		}
	} while (!lab_dut_tick(&r->dut, now_ns));
	if (ep >= 0)
		close(ep);
	return rc;
}
