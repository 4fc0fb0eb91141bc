/* be_udp.c — the plain UDP socket backend, for hosts without AF_XDP. One non-blocking socket
 * bound to the interface's address, port 7778. Send times come from software TX timestamps
 * (SO_TIMESTAMPING, read from the error queue, keyed by the sequence number through
 * SCM_TS_OPT_ID) where the kernel gives them, else from the clock read just before sendmsg;
 * receive times from software RX timestamps. Both are CLOCK_REALTIME, converted to the lab's
 * CLOCK_MONOTONIC with the offset measured at start.
 * --timing user takes them as sockperf's client does instead: no kernel stamps, CLOCK_MONOTONIC
 * read just before each sendto and just after the receive call returns (see udp_poll for how
 * it waits, so that the generator's wakeup is in the RTT too). */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "gen.h"
#include "log.h"
#include "stp.h"
#include "util.h"

#ifndef SCM_TS_OPT_ID
#define SCM_TS_OPT_ID 81 /* Linux 6.13: the TX timestamp's id per message */
#endif

#define UDP_BATCH 32
#define UDP_PKT_MAX 9216
#define CTRL_LEN 256

struct udp_be {
	int fd;
	int rfd;          /* --rx-iface: the socket on the receiving port (forward topology), or -1 */
	struct sockaddr_storage dst;
	socklen_t dst_len;
	size_t payload_len;
	bool tx_tstamp;   /* TX timestamps keyed by SCM_TS_OPT_ID */
	bool user_timing; /* --timing user: clock reads around the calls, no kernel stamps */
	bool rec_user;    /* --stamps user with kernel timing: the records get the user reads */
	struct lab_stp_writer stp; /* --stamps-file */
	uint64_t tx_pairs, rx_pairs, rx_no_kernel;
	uint8_t tx[UDP_BATCH][UDP_PKT_MAX];
	uint8_t rx[UDP_BATCH][UDP_PKT_MAX];
	/* control buffers hold struct cmsghdr: aligned as it needs (UBSan caught it after rx[]) */
	uint8_t ctrl[UDP_BATCH][CTRL_LEN] __attribute__((aligned(__alignof__(struct cmsghdr))));
	uint8_t ectrl[UDP_BATCH][CTRL_LEN] __attribute__((aligned(__alignof__(struct cmsghdr))));
	uint64_t icmp_errors;
};

static void to_sockaddr(int family, const struct in6_addr *a, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a, 4);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		s->sin6_addr = *a;
		*len = sizeof(*s);
	}
}

/* The forward topology: a second socket on --rx-iface, bound to its address and the lab port,
 * takes what the DUT forwarded; software RX timestamps as on the first. */
static int open_rx(struct gen_run *g, struct udp_be *u, char *err, size_t errlen)
{
	const struct lab_flow *f = &g->cfg.flow;
	struct sockaddr_storage a;
	socklen_t alen;
	int buf = 8 << 20, one = 1, rc;
	u->rfd = socket(f->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->rfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if (setsockopt(u->rfd, SOL_SOCKET, SO_BINDTODEVICE, g->cfg.rx_iface,
		       (socklen_t)strlen(g->cfg.rx_iface)) < 0) {
		rc = errno == ENODEV ? -ENODEV : -errno;
		snprintf(err, errlen, "bind to interface %s: %s", g->cfg.rx_iface, strerror(errno));
		return rc;
	}
	if (setsockopt(u->rfd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(u->rfd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(u->rfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	to_sockaddr(f->family, &g->cfg.rx_addr, f->dport, &a, &alen);
	if (bind(u->rfd, (struct sockaddr *)&a, alen) < 0) {
		rc = -errno;
		snprintf(err, errlen, "bind to %s port %u: %s", g->cfg.rx_iface, f->dport,
			 strerror(errno));
		return rc == -EADDRNOTAVAIL ? -EINVAL : rc;
	}
	if (g->cfg.timing != GEN_TIMING_USER) {
		unsigned ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
		setsockopt(u->rfd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts));
	}
	return 0;
}

/* --stamps user: the kernel's stamps are still asked for (the side file pairs them), but the
 * records get the clock reads. --stamps-file: the side file, its header saying which source the
 * records hold. */
static int open_stamps(struct gen_run *g, struct udp_be *u, char *err, size_t errlen)
{
	uint8_t used[LAB_STP_NPOINTS] = {0};
	u->rec_user = g->cfg.stamps == LAB_STP_SRC_USER;
	if (u->rec_user) {
		g->tx_time_src = "clock before sendmmsg (--stamps user)";
		g->rx_time_src = "clock after recvmmsg returns (--stamps user)";
	}
	if (!g->cfg.stamps_file)
		return 0;
	used[LAB_STP_GEN_TX] = u->rec_user || !u->tx_tstamp ? LAB_STP_SRC_USER : LAB_STP_SRC_KERNEL;
	used[LAB_STP_GEN_RX] = (uint8_t)g->cfg.stamps;
	if (lab_stp_create(&u->stp, g->cfg.stamps_file, used, LAB_STP_SRC_KERNEL) < 0) {
		snprintf(err, errlen, "--stamps-file %s: %s", g->cfg.stamps_file, strerror(errno));
		return -errno;
	}
	return 0;
}

static int udp_open(struct gen_run *g, char *err, size_t errlen)
{
	const struct lab_flow *f = &g->cfg.flow;
	struct udp_be *u = calloc(1, sizeof(*u));
	struct sockaddr_storage src;
	socklen_t src_len;
	int one = 1, rc;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	u->payload_len = g->cfg.frame_size - (f->family == AF_INET6 ? 40u : 20u) - 8u - LAB_ETH_LEN;
	if (u->payload_len > UDP_PKT_MAX) {
		free(u);
		snprintf(err, errlen, "--size %u is larger than the UDP backend's %d-byte payloads",
			 g->cfg.frame_size, UDP_PKT_MAX);
		return -EINVAL;
	}
	u->fd = socket(f->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(u);
		return rc;
	}
	g->be_priv = u;
	u->rfd = -1;
	if (setsockopt(u->fd, SOL_SOCKET, SO_BINDTODEVICE, g->cfg.iface,
		       (socklen_t)strlen(g->cfg.iface)) < 0) {
		rc = errno == ENODEV ? -ENODEV : -errno;
		snprintf(err, errlen, "bind to interface %s: %s%s", g->cfg.iface, strerror(errno),
			 errno == ENODEV ? " (run it in the generator's namespace?)" : "");
		return rc;
	}
	/* a deep receive queue: at high rates the loop drains it between sends */
	int buf = 8 << 20;
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(u->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	to_sockaddr(f->family, &f->src, f->sport, &src, &src_len);
	if (bind(u->fd, (struct sockaddr *)&src, src_len) < 0) {
		rc = -errno;
		snprintf(err, errlen, "bind to %s port %u: %s", g->cfg.iface, f->sport,
			 strerror(errno));
		return rc == -EADDRNOTAVAIL ? -EINVAL : rc;
	}
	to_sockaddr(f->family, &f->dst, f->dport, &u->dst, &u->dst_len);
	if (g->cfg.rx_iface && (rc = open_rx(g, u, err, errlen)) < 0)
		return rc;

	/* the payloads are built once: only the header's times change per packet */
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		struct lab_hdr *h = (struct lab_hdr *)u->tx[i];
		memset(u->tx[i], 0, u->payload_len);
		h->magic = htons(LAB_MAGIC);
		h->version = LAB_VERSION;
		h->flags = g->cfg.stamp ? LAB_F_STAMP : 0;
	}
	if (g->cfg.timing == GEN_TIMING_USER) {
		/* no SO_TIMESTAMPING at all: nothing on the error queue to drain, and the receive
		 * path costs what sockperf's does */
		u->user_timing = true;
		g->tx_time_src = "clock before sendto (user timing)";
		g->rx_time_src = "clock after the receive returns (user timing)";
		snprintf(g->mode, sizeof(g->mode), "udp tx=user rx=user");
		return 0;
	}
	unsigned ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		      SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
		      SOF_TIMESTAMPING_OPT_TSONLY;
	u->tx_tstamp = !g->cfg.no_tx_tstamp &&
		       setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)) == 0;
	if (!u->tx_tstamp) {
		ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
		if (setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)) < 0) {
			g->rx_time_src = "clock after recvmmsg";
		}
	}
	g->tx_time_src = u->tx_tstamp ? "software TX timestamp" : "clock before sendmsg";
	if (!g->rx_time_src)
		g->rx_time_src = "software RX timestamp";
	if ((rc = open_stamps(g, u, err, errlen)) < 0)
		return rc;
	snprintf(g->mode, sizeof(g->mode), "udp tx=%s rx=%s", u->tx_tstamp ? "sw-tstamp" : "clock",
		 strcmp(g->rx_time_src, "software RX timestamp") == 0 ? "sw-tstamp" : "clock");
	return 0;
}

static uint64_t ts_mono(struct gen_run *g, const struct timespec *rt)
{
	return (uint64_t)((int64_t)lab_ts_to_ns(rt) - g->rt_off_ns);
}

/* User timing, sockperf's way: one sendto per packet with the clock read just before it, so
 * the send time is before the syscall (and the veth softirq it runs) rather than at the
 * kernel's TX stamp inside it. A batch is not one sendmmsg here: each packet gets its own read. */
static void send_user(struct gen_run *g, struct udp_be *u, const uint64_t *intended_ns, unsigned n)
{
	struct lab_hdr *h = (struct lab_hdr *)u->tx[0];

	for (unsigned i = 0; i < n;) {
		uint32_t seq = g->track.seq0 + (uint32_t)g->track.next;
		uint64_t now = lab_now_ns();
		uint64_t late = now > intended_ns[i] ? now - intended_ns[i] : 0;
		h->seq = htonl(seq);
		h->sent_ns = htobe64(now);
		h->late_ns = htonl(late > 0xffffffffu ? 0xffffffffu : (uint32_t)late);
		ssize_t r = sendto(u->fd, u->tx[0], u->payload_len, MSG_DONTWAIT,
				   (struct sockaddr *)&u->dst, u->dst_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			gen_track_send_failed(&g->track, intended_ns[i]);
		} else {
			gen_track_sent(&g->track, intended_ns[i], now);
			g->last_send_ns = now;
		}
		i++;
	}
}

static void udp_send(struct gen_run *g, const uint64_t *intended_ns, unsigned n)
{
	struct udp_be *u = g->be_priv;
	if (u->user_timing) {
		send_user(g, u, intended_ns, n);
		return;
	}
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} c[UDP_BATCH];
	uint64_t wire_ns;

	while (n > 0) {
		unsigned k = n < UDP_BATCH ? n : UDP_BATCH;
		wire_ns = lab_now_ns();
		for (unsigned i = 0; i < k; i++) {
			struct lab_hdr *h = (struct lab_hdr *)u->tx[i];
			uint64_t late = wire_ns > intended_ns[i] ? wire_ns - intended_ns[i] : 0;
			uint32_t seq = g->track.seq0 + (uint32_t)(g->track.next + i);
			h->seq = htonl(seq);
			h->sent_ns = htobe64(wire_ns);
			h->late_ns = htonl(late > 0xffffffffu ? 0xffffffffu : (uint32_t)late);
			iov[i] = (struct iovec){u->tx[i], u->payload_len};
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_name = &u->dst;
			m[i].msg_hdr.msg_namelen = u->dst_len;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			if (u->tx_tstamp) {
				m[i].msg_hdr.msg_control = c[i].buf;
				m[i].msg_hdr.msg_controllen = sizeof(c[i].buf);
				struct cmsghdr *cm = CMSG_FIRSTHDR(&m[i].msg_hdr);
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_TS_OPT_ID;
				cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
				memcpy(CMSG_DATA(cm), &seq, sizeof(seq));
			}
		}
		int r = sendmmsg(u->fd, m, k, MSG_DONTWAIT);
		if (r < 0 && errno == EINVAL && u->tx_tstamp) {
			/* a kernel without SCM_TS_OPT_ID: no way to key TX timestamps reliably */
			unsigned ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
			setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts));
			u->tx_tstamp = false;
			g->tx_time_src = "clock before sendmsg";
			snprintf(g->mode, sizeof(g->mode), "udp tx=clock rx=sw-tstamp");
			continue;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* the first one failed: count it and go on with the rest */
			gen_track_send_failed(&g->track, intended_ns[0]);
			intended_ns++;
			n--;
			continue;
		}
		for (int i = 0; i < r; i++)
			gen_track_sent(&g->track, intended_ns[i], wire_ns);
		g->last_send_ns = wire_ns;
		intended_ns += r;
		n -= (unsigned)r;
	}
}

/* A kernel TX stamp of wire sequence seq: into the record (--stamps kernel), and paired with
 * the clock read before sendmmsg (the wire's sent_ns) in the side file. */
static void tx_stamp(struct gen_run *g, struct udp_be *u, uint32_t seq, uint64_t k)
{
	uint64_t i = gen_track_index(&g->track, seq);
	if (!u->rec_user) {
		gen_track_tx_time(&g->track, seq, k);
		g->tx_stamps++;
	}
	if (u->stp.f && i != UINT64_MAX && g->track.wire_ns[i]) {
		lab_stp_put(&u->stp, seq, LAB_STP_GEN_TX, LAB_STP_F_USER | LAB_STP_F_KERNEL,
			    g->track.wire_ns[i], k);
		u->tx_pairs++;
	}
}

/* The receive time of one datagram: the user read now, the kernel's stamp k (0: none); both
 * into the side file when asked. */
static uint64_t rx_time(struct udp_be *u, const uint8_t *payload, size_t len, uint64_t now,
			uint64_t k)
{
	const struct lab_hdr *h = (const struct lab_hdr *)payload;
	if (u->stp.f && len >= sizeof(*h) && h->magic == htons(LAB_MAGIC)) {
		lab_stp_put(&u->stp, ntohl(h->seq), LAB_STP_GEN_RX,
			    LAB_STP_F_USER | (k ? LAB_STP_F_KERNEL : 0), now, k);
		u->rx_pairs++;
		u->rx_no_kernel += !k;
	}
	return u->rec_user || !k ? now : k;
}

/* TX timestamps: one per packet, keyed by its sequence number. */
static void drain_errqueue(struct gen_run *g, struct udp_be *u)
{
	struct mmsghdr m[UDP_BATCH];
	for (;;) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_control = u->ectrl[i];
			m[i].msg_hdr.msg_controllen = CTRL_LEN;
		}
		int r = recvmmsg(u->fd, m, UDP_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		if (r <= 0)
			return;
		for (int i = 0; i < r; i++) {
			struct scm_timestamping *tss = NULL;
			struct sock_extended_err *ee = NULL;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m[i].msg_hdr); cm;
			     cm = CMSG_NXTHDR(&m[i].msg_hdr, cm)) {
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING)
					tss = (struct scm_timestamping *)CMSG_DATA(cm);
				else if ((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
					 (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR))
					ee = (struct sock_extended_err *)CMSG_DATA(cm);
			}
			if (ee && ee->ee_origin == SO_EE_ORIGIN_TIMESTAMPING && tss &&
			    ee->ee_info == SCM_TSTAMP_SND && (tss->ts[0].tv_sec || tss->ts[0].tv_nsec)) {
				tx_stamp(g, u, ee->ee_data, ts_mono(g, &tss->ts[0]));
			} else if (ee && ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING) {
				u->icmp_errors++;
			}
		}
		if (r < UDP_BATCH)
			return;
	}
}

static int drain_rx(struct gen_run *g, struct udp_be *u)
{
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	for (;;) {
		for (unsigned i = 0; i < UDP_BATCH; i++) {
			iov[i] = (struct iovec){u->rx[i], UDP_PKT_MAX};
			memset(&m[i], 0, sizeof(m[i]));
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_control = u->ctrl[i];
			m[i].msg_hdr.msg_controllen = CTRL_LEN;
		}
		int r = recvmmsg(u->rfd >= 0 ? u->rfd : u->fd, m, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			/* a queued error of an earlier send: read it from the error queue */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
				u->icmp_errors++;
				continue;
			}
			return -errno;
		}
		/* user timing: this read, just after the call returned, is the receive time */
		uint64_t now = lab_now_ns();
		for (int i = 0; i < r; i++) {
			uint64_t k = 0;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m[i].msg_hdr); cm && !u->user_timing;
			     cm = CMSG_NXTHDR(&m[i].msg_hdr, cm)) {
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING) {
					struct scm_timestamping *tss = (void *)CMSG_DATA(cm);
					if (tss->ts[0].tv_sec || tss->ts[0].tv_nsec)
						k = ts_mono(g, &tss->ts[0]);
				}
			}
			gen_on_rx(g, u->rx[i], m[i].msg_len, rx_time(u, u->rx[i], m[i].msg_len, now, k),
				  NULL, 0);
		}
		if (r < UDP_BATCH)
			return 0;
	}
}

/* The wait for arrivals. With user timing this is where the generator sleeps while a reply is
 * on its way (run.c asks for a wait up to just before the next send), so the RTT includes the
 * wakeup as sockperf's blocking recvfrom does: the softirq that queues the reply wakes this
 * thread, which returns from ppoll and calls recvmmsg, and the clock is read after that. Not
 * sockperf's single blocking recvfrom because the sends cannot wait for the receive side
 * (open loop), and the ways to bound a blocking receive are worse: SO_RCVTIMEO sleeps in
 * jiffies (a lost reply would hold the next send up to a tick late), recvmmsg's own timeout
 * is only checked after a datagram arrives. ppoll's is an hrtimer (timer slack 1 ns, main.c).
 * What this adds to sockperf's path is one syscall entry and exit (recvmmsg after ppoll). */
static int udp_poll(struct gen_run *g, uint64_t timeout_ns)
{
	struct udp_be *u = g->be_priv;
	if (timeout_ns) {
		struct pollfd p = {.fd = u->rfd >= 0 ? u->rfd : u->fd, .events = POLLIN};
		struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
				      .tv_nsec = (long)(timeout_ns % 1000000000u)};
		if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR)
			return -errno;
	}
	if (u->tx_tstamp)
		drain_errqueue(g, u);
	return drain_rx(g, u);
}

/* Closes the socket; the counters stay readable for the stats (freed at exit). */
static void udp_close(struct gen_run *g)
{
	struct udp_be *u = g->be_priv;
	if (u && u->fd >= 0 && u->tx_tstamp)
		drain_errqueue(g, u); /* the last packets' TX stamps */
	if (u && lab_stp_close(&u->stp) < 0)
		lab_warn("--stamps-file %s: write failed: %s", g->cfg.stamps_file, strerror(errno));
	if (u && u->fd >= 0) {
		close(u->fd);
		u->fd = -1;
	}
	if (u && u->rfd >= 0) {
		close(u->rfd);
		u->rfd = -1;
	}
}

static void udp_stats(struct gen_run *g, void *json)
{
	struct udp_be *u = g->be_priv;
	if (!u)
		return;
	lab_json_u64(json, "icmp_errors", u->icmp_errors);
	lab_json_obj(json, "stamps");
	lab_json_str(json, "gen_tx", u->rec_user || !u->tx_tstamp || u->user_timing ? "user" : "kernel");
	lab_json_str(json, "gen_rx", u->rec_user || u->user_timing ? "user" : "kernel");
	lab_json_u64(json, "tx_pairs", u->tx_pairs);
	lab_json_u64(json, "rx_pairs", u->rx_pairs);
	lab_json_u64(json, "rx_without_kernel_stamp", u->rx_no_kernel);
	lab_json_obj_end(json);
}

const struct gen_backend gen_backend_udp = {
	.name = "udp",
	.open = udp_open,
	.send = udp_send,
	.poll = udp_poll,
	.close = udp_close,
	.stats = udp_stats,
};
