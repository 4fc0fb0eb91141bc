/* kern_fwd.c — lab-kern --forward: the kernel path as a UDP relay in the forward topology. Lab
 * datagrams arriving on the receive socket (dut0's address, as the reflector) are sent on as new
 * datagrams from a socket bound to --out-iface (SO_BINDTODEVICE and its address, the same port)
 * to --to, with the IPv4 TTL / IPv6 hop limit one lower than received (IP_RECVTTL /
 * IPV6_RECVHOPLIMIT in, an IP_TTL / IPV6_HOPLIMIT cmsg out), the payload marked forwarded and
 * stamped as the reflector stamps. TTL 0 or 1: counted as ttl_expired, not sent. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "kern_run.h"
#include "lab_constants.h"
#include "log.h"
#include "netif.h"

#define KERN_FWD_TO4 LAB_GEN1_V4
#define KERN_FWD_TO6 LAB_GEN1_V6

/* --to and the defaults: the next hop of each family; exits 2 on a bad one. */
void kern_fwd_setup(struct kern_run *r)
{
	const char *iface = r->dut.cfg.iface;
	r->out_fd4 = r->out_fd6 = -1;
	r->to4.sin_family = AF_INET;
	r->to6.sin6_family = AF_INET6;
	inet_pton(AF_INET, KERN_FWD_TO4, &r->to4.sin_addr);
	inet_pton(AF_INET6, KERN_FWD_TO6, &r->to6.sin6_addr);
	if (r->to) {
		if (inet_pton(AF_INET, r->to, &r->to4.sin_addr) == 1) {
			if (!lab_addr_is_benchmark(AF_INET, &r->to4.sin_addr))
				lab_die(LAB_EXIT_USAGE, "--to %s is outside " LAB_NET4, r->to);
		} else if (inet_pton(AF_INET6, r->to, &r->to6.sin6_addr) == 1) {
			if (!lab_addr_is_benchmark(AF_INET6, &r->to6.sin6_addr))
				lab_die(LAB_EXIT_USAGE, "--to %s is outside " LAB_NET6, r->to);
		} else {
			lab_die(LAB_EXIT_USAGE, "--to: '%s' is not an IPv4 or IPv6 address", r->to);
		}
	}
	r->to4.sin_port = htons(r->dut.cfg.port);
	r->to6.sin6_port = htons(r->dut.cfg.port);
	if (!r->out_iface || !*r->out_iface)
		lab_die(LAB_EXIT_USAGE, "--forward needs --out-iface: the interface to send on");
	if (iface && !strcmp(iface, r->out_iface))
		lab_die(LAB_EXIT_USAGE, "--out-iface %s is --iface: a forwarder never sends a datagram "
			"back out of the port it came in", r->out_iface);
	lab_dut_check_iface(&r->dut, r->out_iface);
}

/* A send socket of family on --out-iface's address (port: ours, else any), that takes no
 * datagrams in (a filter drops them all). -1 when out_iface has no address of the family. */
static int open_out(struct kern_run *r, int family, char *desc, size_t dlen)
{
	static const struct sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
	struct sock_fprog prog = {.len = 1, .filter = (struct sock_filter *)drop_all};
	struct sockaddr_storage ss = {0};
	struct in6_addr a;
	struct timeval tv = {.tv_sec = 0, .tv_usec = KERN_WAIT_MS * 1000};
	char host[INET6_ADDRSTRLEN];
	socklen_t sl;
	int one = 1, fd;

	if (lab_if_addr(r->out_iface, family, &a) < 0) {
		snprintf(desc, dlen, "none (%s has no %s address)", r->out_iface,
			 family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, &a, 4);
		s4->sin_port = htons(r->dut.cfg.port);
		sl = sizeof(*s4);
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = a;
		s6->sin6_port = htons(r->dut.cfg.port);
		sl = sizeof(*s6);
		inet_ntop(AF_INET6, &a, host, sizeof(host));
	}
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket: %s", strerror(errno));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, r->out_iface, (socklen_t)strlen(r->out_iface)) < 0)
		lab_die(lab_exit_for_errno(errno), "SO_BINDTODEVICE %s: %s", r->out_iface, strerror(errno));
	if (r->so.sndbuf_bytes &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &r->so.sndbuf_bytes, sizeof(int)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &r->so.sndbuf_bytes, sizeof(int));
	/* a full send buffer must not hold us past a stop signal */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		lab_warn("%s: a filter to drop what arrives on the send socket: %s", host, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;
		/* the receive socket holds the port on every device (no --iface): any port then */
		((struct sockaddr_in *)&ss)->sin_port = 0;
		if (e != EADDRINUSE || bind(fd, (struct sockaddr *)&ss, sl) < 0)
			lab_die(lab_exit_for_errno(e), "bind %s port %u on %s: %s", host, r->dut.cfg.port,
				r->out_iface, strerror(e));
		lab_warn("%s port %u is taken (the receive socket has no --iface?): relaying from "
			 "another port", host, r->dut.cfg.port);
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	snprintf(desc, dlen, family == AF_INET ? "%s:%u on %s" : "[%s]:%u on %s", host,
		 ntohs(((struct sockaddr_in *)&ss)->sin_port), r->out_iface);
	return fd;
}

void kern_fwd_open(struct kern_run *r)
{
	if (!if_nametoindex(r->out_iface))
		lab_die(LAB_EXIT_USAGE, "--out-iface %s: no such interface in this network namespace "
			"(run inside the DUT namespace of the forward topology: setup/lab up --topology "
			"forward)", r->out_iface);
	r->out_fd4 = open_out(r, AF_INET, r->out_desc4, sizeof(r->out_desc4));
	r->out_fd6 = open_out(r, AF_INET6, r->out_desc6, sizeof(r->out_desc6));
	if (r->out_fd4 < 0 && r->out_fd6 < 0)
		lab_die(LAB_EXIT_USAGE, "--out-iface %s has neither an IPv4 nor an IPv6 address to send from",
			r->out_iface);
}

void kern_fwd_close(struct kern_run *r)
{
	if (r->out_fd4 >= 0)
		close(r->out_fd4);
	if (r->out_fd6 >= 0)
		close(r->out_fd6);
	r->out_fd4 = r->out_fd6 = -1;
}

/* The family a datagram came in: its TTL's cmsg says, else its source (v4-mapped: IPv4). */
static int rx_family(const struct kern_rx_meta *meta, const struct sockaddr_storage *name)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)name;
	if (meta->ttl_family)
		return meta->ttl_family;
	if (name->ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return AF_INET6;
	return AF_INET;
}

/* Every datagram of the batch to send of family, as one sendmmsg on its socket. */
static void relay_family(struct kern_run *r, unsigned n, int family)
{
	int fd = family == AF_INET ? r->out_fd4 : r->out_fd6;
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct kern_pkt *p = &r->pkts[i];
		struct msghdr *m = &r->tx[k].msg_hdr;
		if (!p->send || p->family != family)
			continue;
		if (fd < 0) {
			r->no_out_socket++;
			r->c.tx_errors++;
			p->send = false;
			continue;
		}
		m->msg_name = family == AF_INET ? (void *)&r->to4 : (void *)&r->to6;
		m->msg_namelen = family == AF_INET ? sizeof(r->to4) : sizeof(r->to6);
		r->tiov[k].iov_base = p->payload;
		r->tiov[k].iov_len = p->len;
		m->msg_iov = &r->tiov[k];
		m->msg_iovlen = 1;
		m->msg_controllen = kern_tx_ttl_cmsg_build(family, p->ttl - 1, r->tctl[k], sizeof(r->tctl[k]));
		m->msg_control = r->tctl[k];
		m->msg_flags = 0;
		k++;
	}
	if (!k)
		return;
	kern_fwd_stamp(r->pkts, n, family, lab_now_ns());
	kern_send_all(r, fd, k);
}

void kern_fwd_batch(struct kern_run *r, unsigned n)
{
	uint64_t recv_ns = lab_now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct kern_rx_meta meta;
		struct kern_pkt *p = &r->pkts[i];
		kern_rx_fill(r, i, recv_ns, &meta);
		p->family = rx_family(&meta, &r->names[i]);
		p->ttl = meta.ttl_family ? meta.ttl : -1;
	}
	if (kern_classify(&r->c, r->pkts, n) && kern_fwd_check(&r->c, r->pkts, n)) {
		relay_family(r, n, AF_INET);
		relay_family(r, n, AF_INET6);
	}
	kern_arm_rx(r, n);
}
