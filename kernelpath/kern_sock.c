/* kern_sock.c — opening lab-kern's socket with its options, and its ancillary data. */
#include "kern_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"

/* Older headers lack the busy-poll knobs; the numbers are the kernel ABI (asm-generic). */
#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46
#endif
#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID 56
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

/* setsockopt an int and read it back: "took" means the kernel holds the value asked for. */
static void opt_int(int fd, int level, int name, int v, struct kern_opt_state *st)
{
	int got = 0;
	socklen_t l = sizeof(got);
	st->asked = true;
	st->err = 0;
	if (setsockopt(fd, level, name, &v, sizeof(v)) < 0) {
		st->err = errno;
		st->took = false;
		return;
	}
	if (getsockopt(fd, level, name, &got, &l) < 0) {
		st->value = v;
		st->took = errno == ENOPROTOOPT;
		st->err = st->took ? 0 : errno;
		return;
	}
	st->read_back = true;
	st->value = got;
	st->took = got == v;
}

/* The address to bind from --addr (none: [::], both families) and --port, into ss; the family,
 * dual-stack, pktinfo (needed on a wildcard to answer from the address asked) and desc of s. */
static int sock_addr(struct kern_sock *s, const struct kern_sock_opts *o,
		     struct sockaddr_storage *ss, socklen_t *sl, char *err, size_t errlen)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN] = "::";
	bool wildcard = true;

	memset(ss, 0, sizeof(*ss));
	s->family = AF_INET6;
	if (o->addr) {
		if (inet_pton(AF_INET, o->addr, &a4->sin_addr) == 1) {
			s->family = AF_INET;
			wildcard = a4->sin_addr.s_addr == htonl(INADDR_ANY);
		} else if (inet_pton(AF_INET6, o->addr, &a6->sin6_addr) == 1) {
			wildcard = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr);
		} else {
			snprintf(err, errlen, "--addr: '%s' is not an IPv4 or IPv6 address", o->addr);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%s", o->addr);
	}
	if (s->family == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(o->port);
		*sl = sizeof(*a4);
	} else {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(o->port);
		*sl = sizeof(*a6);
		/* [::] takes both families; an explicit IPv6 address only its own */
		s->dual = !o->addr || wildcard;
	}
	s->pktinfo = wildcard;
	snprintf(s->desc, sizeof(s->desc), "%s%s%s:%u%s", s->family == AF_INET6 ? "[" : "", host,
		 s->family == AF_INET6 ? "]" : "", o->port, s->dual ? " dual-stack" : "");
	return 0;
}

/* --iface: the socket takes only what arrives on it. */
static int bind_device(struct kern_sock *s, const struct kern_sock_opts *o, char *err, size_t errlen)
{
	if (!o->iface || !*o->iface)
		return 0;
	if (!if_nametoindex(o->iface)) {
		snprintf(err, errlen, "--iface %s: no such interface in this network namespace "
			 "(run inside the DUT namespace: ip netns exec <prefix>-dut ...)", o->iface);
		return -ENODEV;
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, o->iface, (socklen_t)strlen(o->iface)) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "SO_BINDTODEVICE %s: %s", o->iface, strerror(errno));
		return rc;
	}
	return 0;
}

/* The buffer sizes and time-outs asked for; best effort, as before. */
static void set_buffers(struct kern_sock *s, const struct kern_sock_opts *o)
{
	/* FORCE variants pass the rmem_max/wmem_max caps (we run as root); fall back otherwise */
	if (o->rcvbuf_bytes &&
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf_bytes, sizeof(int)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf_bytes, sizeof(int));
	if (o->sndbuf_bytes &&
	    setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &o->sndbuf_bytes, sizeof(int)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &o->sndbuf_bytes, sizeof(int));
	if (o->rcvtimeo_ms) {
		struct timeval tv = {.tv_sec = o->rcvtimeo_ms / 1000,
				     .tv_usec = (suseconds_t)(o->rcvtimeo_ms % 1000) * 1000};
		setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* a full send buffer must not hold us past a stop signal either */
		setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
}

/* An int option lab-kern cannot do without: 0, or -errno with err naming it. */
static int must_set(int fd, int level, int name, const char *what, char *err, size_t errlen)
{
	int one = 1;
	if (setsockopt(fd, level, name, &one, sizeof(one)) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return rc;
	}
	return 0;
}

/* What every datagram brings along: stamps, drops, the address it came to, its TTL; and the
 * busy-poll knobs. The stamps and the knobs are recorded in s as they took (kern_opt_state). */
static int set_ancillary(struct kern_sock *s, const struct kern_sock_opts *o, char *err,
			 size_t errlen)
{
	int rc = 0;

	/* TX stamps only on timestamp-only error-queue messages (OPT_TSONLY: no copy of the
	 * payload), each keyed by the id its sendmmsg cmsg gives (OPT_ID + SCM_TS_OPT_ID) */
	opt_int(s->fd, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		(o->tx_stamps ? SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
				SOF_TIMESTAMPING_OPT_TSONLY : 0), &s->timestamping);
	opt_int(s->fd, SOL_SOCKET, SO_RXQ_OVFL, 1, &s->rxq_ovfl);
	if (s->pktinfo)
		rc = s->family == AF_INET
			? must_set(s->fd, IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO", err, errlen)
			: must_set(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", err, errlen);
	if (!rc && o->recv_ttl && (s->family == AF_INET || s->dual))
		rc = must_set(s->fd, IPPROTO_IP, IP_RECVTTL, "IP_RECVTTL", err, errlen);
	if (!rc && o->recv_ttl && s->family == AF_INET6)
		rc = must_set(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT", err, errlen);
	if (rc)
		return rc;
	if (o->busy_poll) {
		opt_int(s->fd, SOL_SOCKET, SO_BUSY_POLL, (int)o->busy_poll_us, &s->busy_poll);
		opt_int(s->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1, &s->prefer_busy_poll);
		opt_int(s->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, (int)o->busy_poll_budget,
			&s->busy_poll_budget);
	}
	return 0;
}

/* The socket, its options, then the bind: every option is set before the first datagram. */
static int open_and_set(struct kern_sock *s, const struct kern_sock_opts *o,
			const struct sockaddr_storage *ss, socklen_t sl, char *err, size_t errlen)
{
	int one = 1, zero = 0, rc;

	if (s->family == AF_INET6 &&
	    setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, s->dual ? &zero : &one, sizeof(int)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "IPV6_V6ONLY: %s", strerror(errno));
		return rc;
	}
	if ((rc = bind_device(s, o, err, errlen)) < 0)
		return rc;
	set_buffers(s, o);
	if ((rc = set_ancillary(s, o, err, errlen)) < 0)
		return rc;
	if (bind(s->fd, (const struct sockaddr *)ss, sl) < 0) {
		int e = errno;
		snprintf(err, errlen, "bind %s: %s%s", s->desc, strerror(e),
			 e == EADDRINUSE ? " (another reflector on this port? stop it first)"
			 : e == EADDRNOTAVAIL ? " (--addr is not an address of this namespace)" : "");
		return -e;
	}
	return 0;
}

int kern_sock_open(struct kern_sock *s, const struct kern_sock_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if ((rc = sock_addr(s, o, &ss, &sl, err, errlen)) < 0)
		return rc;
	s->fd = socket(s->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	if ((rc = open_and_set(s, o, &ss, sl, err, errlen)) < 0) {
		close(s->fd);
		s->fd = -1;
	}
	return rc;
}

void kern_sock_close(struct kern_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int kern_sock_drops(const struct kern_sock *s, uint32_t *drops)
{
	uint32_t mi[SK_MEMINFO_VARS] = {0};
	socklen_t l = sizeof(mi);
	if (getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, mi, &l) < 0 || l <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return -1;
	*drops = mi[SK_MEMINFO_DROPS];
	return 0;
}

unsigned kern_sock_napi_id(const struct kern_sock *s)
{
	unsigned id = 0;
	socklen_t l = sizeof(id);
	if (getsockopt(s->fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &id, &l) < 0)
		return 0;
	return id;
}

void kern_rx_meta_parse(const struct msghdr *m, struct kern_rx_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *)m, c)) {
		size_t dl = c->cmsg_len - CMSG_LEN(0);
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
		    dl >= sizeof(struct timespec)) {
			struct timespec ts;
			/* ts[0] is the software stamp; [1] is unused, [2] the hardware one */
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			if (ts.tv_sec || ts.tv_nsec) {
				meta->rt_ns = lab_ts_to_ns(&ts);
				meta->have_ts = true;
			}
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
			   dl >= sizeof(uint32_t)) {
			memcpy(&meta->ovfl, CMSG_DATA(c), sizeof(uint32_t));
			meta->have_ovfl = true;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			   dl >= sizeof(struct in_pktinfo)) {
			memcpy(&meta->pi4, CMSG_DATA(c), sizeof(meta->pi4));
			meta->pi_family = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   dl >= sizeof(struct in6_pktinfo)) {
			memcpy(&meta->pi6, CMSG_DATA(c), sizeof(meta->pi6));
			meta->pi_family = AF_INET6;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL && dl >= sizeof(int)) {
			memcpy(&meta->ttl, CMSG_DATA(c), sizeof(int));
			meta->ttl_family = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
			   dl >= sizeof(int)) {
			memcpy(&meta->ttl, CMSG_DATA(c), sizeof(int));
			meta->ttl_family = AF_INET6;
		}
	}
}

size_t kern_tx_cmsg_build(const struct kern_rx_meta *meta, void *buf, size_t cap)
{
	struct msghdr m = {.msg_control = buf, .msg_controllen = cap};
	struct cmsghdr *c;
	if (!meta->pi_family)
		return 0;
	memset(buf, 0, cap);
	c = CMSG_FIRSTHDR(&m);
	if (meta->pi_family == AF_INET) {
		struct in_pktinfo pi = {.ipi_ifindex = meta->pi4.ipi_ifindex,
					.ipi_spec_dst = meta->pi4.ipi_addr};
		if (cap < CMSG_SPACE(sizeof(pi)))
			return 0;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	/* for IPv4 on a dual-stack socket the kernel gives, and takes back, a v4-mapped address */
	if (cap < CMSG_SPACE(sizeof(meta->pi6)))
		return 0;
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(meta->pi6));
	memcpy(CMSG_DATA(c), &meta->pi6, sizeof(meta->pi6));
	return CMSG_SPACE(sizeof(meta->pi6));
}

size_t kern_tx_ttl_cmsg_build(int family, int ttl, void *buf, size_t cap)
{
	struct msghdr m = {.msg_control = buf, .msg_controllen = cap};
	struct cmsghdr *c;
	if (cap < CMSG_SPACE(sizeof(int)) || (family != AF_INET && family != AF_INET6))
		return 0;
	memset(buf, 0, CMSG_SPACE(sizeof(int)));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	c->cmsg_type = family == AF_INET ? IP_TTL : IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &ttl, sizeof(int));
	return CMSG_SPACE(sizeof(int));
}
