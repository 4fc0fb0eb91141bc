/* kern_sock.h — lab-kern's UDP socket: one dual-stack socket on [::] (or one bound to --addr),
 * with software receive timestamps, SO_RXQ_OVFL, packet info (so a reply leaves from the
 * address the request was sent to) and, when asked, the busy-poll options; and the ancillary
 * data of each datagram, read and written back. */
#ifndef KERN_SOCK_H
#define KERN_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct kern_sock_opts {
	const char *iface;      /* SO_BINDTODEVICE; NULL or "" = any */
	const char *addr;       /* NULL = [::] dual-stack */
	uint16_t port;
	int rcvbuf_bytes, sndbuf_bytes; /* 0 = the system's */
	unsigned rcvtimeo_ms;   /* blocking receives return after this much silence */
	bool busy_poll;
	unsigned busy_poll_us, busy_poll_budget;
	bool tx_stamps;         /* also software TX stamps (error queue, keyed by SCM_TS_OPT_ID) */
	bool recv_ttl;          /* IP_RECVTTL / IPV6_RECVHOPLIMIT: each datagram's TTL (relay) */
};

/* An option's outcome: asked for, and did the kernel take it (read back where the kernel lets
 * us: SO_BUSY_POLL_BUDGET has no getsockopt, so its setsockopt's success is all we know). */
struct kern_opt_state {
	bool asked, took, read_back;
	int err;       /* errno of a refused setsockopt, 0 otherwise */
	int value;     /* as read back (or as set, when it cannot be read) */
};

struct kern_sock {
	int fd;
	int family;    /* AF_INET or AF_INET6 */
	bool dual;     /* AF_INET6 with IPV6_V6ONLY off: IPv4 arrives v4-mapped */
	bool pktinfo;  /* bound to a wildcard: replies carry the request's destination as source */
	char desc[96]; /* "[::]:7777 dual-stack" */
	struct kern_opt_state busy_poll, prefer_busy_poll, busy_poll_budget, timestamping, rxq_ovfl;
};

/* Returns 0, or -errno (-EINVAL: bad --addr, -ENODEV: no such --iface, -EADDRINUSE: the port
 * is taken, -EADDRNOTAVAIL: the address is not here; lab_exit_for_errno() maps them to exit
 * codes); err says which and why. */
int kern_sock_open(struct kern_sock *s, const struct kern_sock_opts *o, char *err, size_t errlen);
void kern_sock_close(struct kern_sock *s);
/* sk_drops now (SO_MEMINFO): the count SO_RXQ_OVFL reports, also after the last datagram. */
int kern_sock_drops(const struct kern_sock *s, uint32_t *drops);
/* SO_INCOMING_NAPI_ID: the NAPI context busy polling drives (0: none seen yet). */
unsigned kern_sock_napi_id(const struct kern_sock *s);

/* What the ancillary data of one received datagram said. */
struct kern_rx_meta {
	bool have_ts, have_ovfl;
	uint64_t rt_ns;    /* software receive time, CLOCK_REALTIME */
	uint32_t ovfl;     /* sk_drops when it was queued */
	int pi_family;     /* 0, AF_INET (in_pktinfo) or AF_INET6 (in6_pktinfo) */
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;
	int ttl_family;    /* 0, AF_INET (IP_TTL) or AF_INET6 (IPV6_HOPLIMIT) */
	int ttl;           /* the received IPv4 TTL or IPv6 hop limit */
};

/* Room for what a received datagram carries and for what a reply needs. */
#define KERN_RX_CMSG_LEN 256
#define KERN_TX_CMSG_LEN 64

void kern_rx_meta_parse(const struct msghdr *m, struct kern_rx_meta *meta);
/* Control data for the reply: the request's destination address as the source, on the
 * interface it arrived on. Returns msg_controllen (0 when there is nothing to say). */
size_t kern_tx_cmsg_build(const struct kern_rx_meta *meta, void *buf, size_t cap);
/* Control data for a relayed datagram: IP_TTL (AF_INET) or IPV6_HOPLIMIT (AF_INET6) = ttl.
 * Returns msg_controllen, 0 when it does not fit. */
size_t kern_tx_ttl_cmsg_build(int family, int ttl, void *buf, size_t cap);

#endif
