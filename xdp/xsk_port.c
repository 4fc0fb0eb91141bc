/* xsk_port.c — see xsk_port.h: the XDP program's load and attach, the UMEM and its frame pool,
 * the AF_XDP socket and its four rings. */
#include "xsk_port.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <xdp/xsk.h>

#include "lab_constants.h"
#include "lab_wire.h"
#include "log.h"
#include "netif.h"
#include "reflect.skel.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

#define HUGEPAGE_BYTES (2u << 20)

struct xsk_port {
	struct xsk_port_opts o;
	struct xsk_port *owner;   /* a peer: the port whose UMEM and frame pool it shares; else NULL */
	char iface[IF_NAMESIZE];
	char out_iface[IF_NAMESIZE]; /* XDPFWD */
	uint64_t redir_base;      /* XDPFWD: the kernel's redirect failure counters at open */
	struct bpf_link *redir_tp[2]; /* XDPFWD, generic: the xdp_redirect(_map)_err counters */
	int ifindex;
	int lock_fd;              /* abstract unix socket: one live port per interface and netns */
	struct reflect_bpf *skel;
	__u32 attach_flags;       /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE once attached */
	bool attached;

	void *umem_area;
	size_t umem_bytes;
	bool umem_huge;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	int fd;
	bool zerocopy;

	uint64_t *pool;           /* free frame addresses (a stack) */
	uint32_t pool_n;
	uint32_t rx_posted;       /* frames in the fill ring or the RX path (kernel's) */
	uint32_t tx_posted;       /* frames queued for TX, not yet completed */
	uint64_t tx_ring_full;
	char mode[64];
};

/* The port that owns the frame pool (a peer's owner, else the port itself). */
static inline struct xsk_port *pool_of(struct xsk_port *p) { return p->owner ? p->owner : p; }

static void seterr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

void xsk_port_opts_default(struct xsk_port_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->iface = LAB_DUT_IF;
	o->queue = 0;
	o->port = LAB_PORT_DUT;
	o->mode = LAB_XDP_MODE_XSK;
	o->reflected = LAB_XDP_REFL_FORBID;
	o->attach = XSK_PORT_ATTACH_AUTO;
	o->copy = XSK_PORT_COPY_AUTO;
	o->frames = 4096;
	o->frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE;
	o->ring_size = 2048;
	o->rx_frames = 2048;
	o->need_wakeup = true;
	o->busy_poll_us = 20;
	o->busy_poll_budget = 64;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own lines ("Kernel error message: ...") would precede ours and confuse: keep
	 * them for LAB_VERBOSE runs. */
	char line[1024];
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	lab_debug("libbpf: %s", line);
	return 0;
}

static bool pow2(uint32_t v) { return v && !(v & (v - 1)); }

/* One live port per interface: an abstract unix socket lives in the network namespace and dies
 * with the process, so a crash leaves no lock behind. */
static int take_lock(struct xsk_port *p, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "lab-xsk:%d", p->ifindex);
	p->lock_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->lock_fd < 0) {
		seterr(err, errlen, "socket(AF_UNIX): %s", strerror(errno));
		return -errno;
	}
	if (bind(p->lock_fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
		int e = errno;
		close(p->lock_fd);
		p->lock_fd = -1;
		if (e == EADDRINUSE) {
			seterr(err, errlen, "%s: another lab XDP port (lab-xsk or lab-gen) is running on it: stop it first",
			       p->iface);
			return -EBUSY;
		}
		seterr(err, errlen, "bind(lock): %s", strerror(e));
		return -e;
	}
	return 0;
}

/* What is on the interface now: 0 = nothing; 1 = a leftover of ours (fd in *old_fd, its mode in
 * *old_flags); -EEXIST = someone else's (err says whose). */
static int check_attached(struct xsk_port *p, int *old_fd, __u32 *old_flags, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 ids[3], flags[3] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, XDP_FLAGS_HW_MODE};
	int rc = bpf_xdp_query(p->ifindex, 0, &q);

	*old_fd = -1;
	if (rc < 0) {
		seterr(err, errlen, "%s: querying its XDP program: %s", p->iface, strerror(-rc));
		return rc;
	}
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ids[2] = q.hw_prog_id;
	for (int i = 0; i < 3; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd;
		if (!ids[i])
			continue;
		fd = bpf_prog_get_fd_by_id(ids[i]);
		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
			seterr(err, errlen, "%s: has XDP program id %u that cannot be inspected: %s", p->iface,
			       ids[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			return -EEXIST;
		}
		if (strcmp(info.name, LAB_XDP_PROG_NAME) != 0 || i == 2) {
			seterr(err, errlen,
			       "%s: already has XDP program '%s' (id %u) that is not the lab's: refusing to replace it "
			       "(remove it with 'ip link set dev %s xdp off' if it is unwanted)",
			       p->iface, info.name, ids[i], p->iface);
			close(fd);
			return -EEXIST;
		}
		if (*old_fd >= 0)
			close(*old_fd);
		*old_fd = fd;
		*old_flags = flags[i];
	}
	return *old_fd >= 0 ? 1 : 0;
}

static int attach_prog(struct xsk_port *p, char *err, size_t errlen)
{
	int prog_fd = bpf_program__fd(p->skel->progs.lab_reflect), old_fd, rc;
	__u32 old_flags = 0, tries[2];
	int ntries = 0;

	rc = check_attached(p, &old_fd, &old_flags, err, errlen);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* No live port holds the interface (we have its lock): a crashed run's program. */
		lab_warn("%s: replacing a leftover lab XDP program (a previous run did not detach)", p->iface);
		LIBBPF_OPTS(bpf_xdp_attach_opts, d, .old_prog_fd = old_fd);
		bpf_xdp_detach(p->ifindex, old_flags, &d);
		close(old_fd);
	}
	if (p->o.attach != XSK_PORT_ATTACH_GENERIC)
		tries[ntries++] = XDP_FLAGS_DRV_MODE;
	if (p->o.attach != XSK_PORT_ATTACH_NATIVE)
		tries[ntries++] = XDP_FLAGS_SKB_MODE;
	for (int i = 0; i < ntries; i++) {
		rc = bpf_xdp_attach(p->ifindex, prog_fd, tries[i] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (rc == 0) {
			p->attach_flags = tries[i];
			p->attached = true;
			if (i > 0)
				lab_warn("%s: native XDP not available, attached in generic (SKB) mode: slower, "
					 "and AF_XDP runs in copy mode", p->iface);
			return 0;
		}
		if (rc == -EEXIST || rc == -EBUSY) {
			seterr(err, errlen, "%s: another XDP program was attached meanwhile: refusing to replace it",
			       p->iface);
			return -EEXIST;
		}
	}
	seterr(err, errlen, "%s: attaching the XDP program (%s mode) failed: %s", p->iface,
	       p->o.attach == XSK_PORT_ATTACH_GENERIC ? "generic" : "native", strerror(-rc));
	return rc;
}

static void detach_prog(struct xsk_port *p)
{
	if (!p->attached)
		return;
	/* old_prog_fd: detach only while the program there is still ours */
	LIBBPF_OPTS(bpf_xdp_attach_opts, d, .old_prog_fd = bpf_program__fd(p->skel->progs.lab_reflect));
	int rc = bpf_xdp_detach(p->ifindex, p->attach_flags, &d);
	if (rc < 0 && rc != -ENODEV)
		lab_warn("%s: detaching the XDP program: %s", p->iface, strerror(-rc));
	p->attached = false;
}

static int umem_alloc(struct xsk_port *p, char *err, size_t errlen)
{
	size_t bytes = (size_t)p->o.frames * p->o.frame_size;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;

	if (p->o.hugepages) {
		bytes = (bytes + HUGEPAGE_BYTES - 1) / HUGEPAGE_BYTES * HUGEPAGE_BYTES;
		flags |= MAP_HUGETLB;
	}
	p->umem_area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p->umem_area == MAP_FAILED) {
		p->umem_area = NULL;
		if (p->o.hugepages)
			seterr(err, errlen, "UMEM of %zu bytes on 2 MiB hugepages: %s (reserve some: setup/lab up, "
			       "or echo 64 > /proc/sys/vm/nr_hugepages)", bytes, strerror(errno));
		else
			seterr(err, errlen, "UMEM of %zu bytes: %s", bytes, strerror(errno));
		return -ENOMEM;
	}
	p->umem_bytes = bytes;
	p->umem_huge = p->o.hugepages;
	return 0;
}

static int socket_create(struct xsk_port *p, bool zerocopy)
{
	struct xsk_umem_config uc = {
		.fill_size = p->o.ring_size,
		.comp_size = p->o.ring_size,
		.frame_size = p->o.frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = p->o.ring_size,
		.tx_size = p->o.ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = p->attach_flags,
		.bind_flags = (zerocopy ? XDP_ZEROCOPY : XDP_COPY) |
			      (p->o.need_wakeup ? XDP_USE_NEED_WAKEUP : 0),
	};
	int rc = xsk_umem__create(&p->umem, p->umem_area, p->umem_bytes, &p->fill, &p->comp, &uc);
	if (rc)
		return rc;
	rc = xsk_socket__create(&p->xsk, p->iface, p->o.queue, p->umem, &p->rx, &p->tx, &sc);
	if (rc) {
		p->xsk = NULL;
		xsk_umem__delete(p->umem);
		p->umem = NULL;
	}
	return rc;
}

static int setsockopt_int(int fd, int opt, int v)
{
	return setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int socket_open(struct xsk_port *p, char *err, size_t errlen)
{
	int rc;

	rc = umem_alloc(p, err, errlen);
	if (rc)
		return rc;
	/* Zero-copy first where it may work: the bind says whether the driver supports it. */
	if (p->o.copy != XSK_PORT_COPY_FORCE && (p->attach_flags & XDP_FLAGS_DRV_MODE)) {
		rc = socket_create(p, true);
		if (rc && p->o.copy == XSK_PORT_ZEROCOPY_FORCE) {
			seterr(err, errlen, "%s queue %u: zero-copy AF_XDP socket: %s (the driver may not support it: "
			       "drop --zerocopy)", p->iface, p->o.queue, strerror(-rc));
			return rc == -EOPNOTSUPP ? -EINVAL : rc;
		}
	} else if (p->o.copy == XSK_PORT_ZEROCOPY_FORCE) {
		seterr(err, errlen, "%s: zero-copy needs native XDP", p->iface);
		return -EINVAL;
	} else {
		rc = -1;
	}
	if (rc)
		rc = socket_create(p, false);
	/* A socket closed a moment ago (our previous run) frees its queue asynchronously. */
	for (int i = 0; rc == -EBUSY && i < 40; i++) {
		usleep(50000);
		rc = socket_create(p, p->o.copy == XSK_PORT_ZEROCOPY_FORCE);
	}
	if (rc) {
		seterr(err, errlen, "%s queue %u: creating the AF_XDP socket: %s", p->iface, p->o.queue,
		       strerror(-rc));
		return rc;
	}
	p->fd = xsk_socket__fd(p->xsk);

	struct xdp_options xo;
	socklen_t xl = sizeof(xo);
	p->zerocopy = getsockopt(p->fd, SOL_XDP, XDP_OPTIONS, &xo, &xl) == 0 &&
		      (xo.flags & XDP_OPTIONS_ZEROCOPY);

	if (p->o.busy_poll) {
		if ((rc = setsockopt_int(p->fd, SO_PREFER_BUSY_POLL, 1)) ||
		    (rc = setsockopt_int(p->fd, SO_BUSY_POLL, (int)p->o.busy_poll_us)) ||
		    (rc = setsockopt_int(p->fd, SO_BUSY_POLL_BUDGET, (int)p->o.busy_poll_budget))) {
			seterr(err, errlen, "busy polling socket options: %s", strerror(-rc));
			return rc;
		}
	}

	p->pool = calloc(p->o.frames, sizeof(*p->pool));
	if (!p->pool) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < p->o.frames; i++)
		p->pool[p->pool_n++] = (uint64_t)(p->o.frames - 1 - i) * p->o.frame_size;
	xsk_port_complete(p); /* posts the first rx_frames to the fill ring */

	rc = xsk_socket__update_xskmap(p->xsk, bpf_map__fd(p->skel->maps.xsks));
	if (rc) {
		seterr(err, errlen, "inserting the socket into the XSKMAP: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static int validate(const struct xsk_port_opts *o, char *err, size_t errlen)
{
	if (!o->iface || !*o->iface || strlen(o->iface) >= IF_NAMESIZE) {
		seterr(err, errlen, "no interface name");
		return -EINVAL;
	}
	if (o->mode != LAB_XDP_MODE_XSK && o->mode != LAB_XDP_MODE_XDPTX && o->mode != LAB_XDP_MODE_XDPFWD) {
		seterr(err, errlen, "unknown mode %d", (int)o->mode);
		return -EINVAL;
	}
	if (o->mode == LAB_XDP_MODE_XDPFWD &&
	    (!o->out_iface || !*o->out_iface || strlen(o->out_iface) >= IF_NAMESIZE ||
	     !strcmp(o->out_iface, o->iface))) {
		seterr(err, errlen, "forwarding needs an out interface other than %s", o->iface);
		return -EINVAL;
	}
	if (o->queue >= LAB_XDP_XSKMAP_MAX) {
		seterr(err, errlen, "queue %u: the XSKMAP serves queues 0 to %d", o->queue, LAB_XDP_XSKMAP_MAX - 1);
		return -EINVAL;
	}
	if (o->mode == LAB_XDP_MODE_XSK) {
		if (!pow2(o->frames) || !pow2(o->ring_size) || o->ring_size > o->frames) {
			seterr(err, errlen, "frames (%u) and ring size (%u) must be powers of two, ring <= frames",
			       o->frames, o->ring_size);
			return -EINVAL;
		}
		if (o->frame_size != 2048 && o->frame_size != 4096) {
			seterr(err, errlen, "frame size %u: 2048 or 4096", o->frame_size);
			return -EINVAL;
		}
		if (o->rx_frames > o->ring_size || o->rx_frames == 0) {
			seterr(err, errlen, "rx frames %u: from 1 to the ring size %u", o->rx_frames, o->ring_size);
			return -EINVAL;
		}
	}
	return 0;
}

/* Sum of the ethtool statistics of iface whose names are "<prefix>N_<suffix>" (veth's per-queue
 * names, e.g. rx_queue_0_drops). 0 or -errno; a driver without such names sums to 0. */
static int ethtool_sum(const char *iface, const char *prefix, const char *suffix, uint64_t *sum)
{
	struct lab_ethtool e = {0};
	size_t pl = strlen(prefix), sl = strlen(suffix);
	int rc = lab_ethtool_read(iface, &e);

	*sum = 0;
	for (uint32_t i = 0; rc == 0 && i < e.n; i++) {
		const char *name = e.names[i];
		size_t nl = strlen(name), j = pl;
		if (nl <= pl + sl || strncmp(name, prefix, pl) || strcmp(name + nl - sl, suffix))
			continue;
		/* between them: the queue number and '_' only */
		while (j < nl - sl && name[j] >= '0' && name[j] <= '9')
			j++;
		if (j == pl || j + 1 != nl - sl || name[j] != '_')
			continue;
		*sum += e.vals[i];
	}
	lab_ethtool_free(&e);
	return rc;
}

static int redirect_errors_now(struct xsk_port *p, uint64_t *v)
{
	uint64_t rx_drops, xmit_errors;
	if (p->redir_tp[0]) { /* generic mode: the tracepoints' count, since load */
		*v = p->skel->bss->lab_redirect_err;
		return 0;
	}
	int rc = ethtool_sum(p->iface, "rx_queue_", "drops", &rx_drops);
	if (!rc)
		rc = ethtool_sum(p->out_iface, "tx_queue_", "xdp_xmit_errors", &xmit_errors);
	*v = rc ? 0 : rx_drops + xmit_errors;
	return rc;
}

int xsk_port_redirect_errors(struct xsk_port *p, uint64_t *errors)
{
	uint64_t now;
	int rc;
	*errors = 0;
	if (p->o.mode != LAB_XDP_MODE_XDPFWD)
		return 0;
	if ((rc = redirect_errors_now(p, &now)))
		return rc;
	*errors = now >= p->redir_base ? now - p->redir_base : 0;
	return 0;
}

/* XDPFWD in generic mode: the kernel's redirect failures after the program seen by the
 * xdp_redirect(_map)_err raw tracepoints (no driver counts them), for our DEVMAP's id only;
 * the count starts with the attach (the counters of native mode are read at open, as before). */
static int redirect_tp_attach(struct xsk_port *p, char *err, size_t errlen)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct bpf_program *progs[2] = {p->skel->progs.lab_redir_err, p->skel->progs.lab_redir_map_err};
	if (bpf_obj_get_info_by_fd(bpf_map__fd(p->skel->maps.tx_port), &info, &len) < 0) {
		int e = errno;
		seterr(err, errlen, "the DEVMAP's id: %s", strerror(e));
		return -e;
	}
	p->skel->bss->lab_devmap_id = info.id;
	for (int i = 0; i < 2; i++) {
		p->redir_tp[i] = bpf_program__attach(progs[i]);
		if (!p->redir_tp[i] && i == 1 && errno == ENOENT)
			break; /* a kernel without xdp_redirect_map_err fires xdp_redirect_err for maps too */
		if (!p->redir_tp[i]) {
			int e = errno;
			bpf_link__destroy(p->redir_tp[0]); /* (NULL when i is 0) */
			p->redir_tp[0] = p->redir_tp[1] = NULL;
			seterr(err, errlen, "counting generic-XDP redirect failures (tracepoint xdp:%s): %s",
			       i ? "xdp_redirect_map_err" : "xdp_redirect_err", strerror(e));
			return -e;
		}
	}
	p->redir_base = 0;
	return 0;
}

/* XDPFWD: the out port into the DEVMAP before the program is attached, and the kernel's
 * redirect failure counters as they are now. */
static int fwd_setup(struct xsk_port *p, char *err, size_t errlen)
{
	__u32 key = LAB_XDP_DEVMAP_OUT, out;
	snprintf(p->out_iface, sizeof(p->out_iface), "%s", p->o.out_iface);
	p->o.out_iface = p->out_iface;
	out = if_nametoindex(p->out_iface);
	if (!out) {
		seterr(err, errlen, "%s: no such interface in this network namespace (the out port; setup/lab up "
		       "--topology forward makes it)", p->out_iface);
		return -ENODEV;
	}
	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.tx_port), &key, &out, 0) < 0) {
		int e = errno;
		seterr(err, errlen, "%s: into the DEVMAP: %s", p->out_iface, strerror(e));
		return -e;
	}
	redirect_errors_now(p, &p->redir_base);
	return 0;
}

int xsk_port_open(struct xsk_port **out, const struct xsk_port_opts *o, char *err, size_t errlen)
{
	struct xsk_port *p;
	int rc;

	*out = NULL;
	if ((rc = validate(o, err, errlen)))
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->o = *o;
	snprintf(p->iface, sizeof(p->iface), "%s", o->iface);
	p->o.iface = p->iface;
	p->fd = -1;
	p->lock_fd = -1;
	p->ifindex = (int)if_nametoindex(p->iface);
	if (!p->ifindex) {
		seterr(err, errlen, "%s: no such interface in this network namespace (setup/lab up makes it; "
		       "run inside its namespace: ip netns exec ...)", p->iface);
		free(p);
		return -ENODEV;
	}
	libbpf_set_print(libbpf_quiet);
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MEMLOCK, &rl); /* UMEM registration counts against it without CAP_IPC_LOCK */

	if ((rc = take_lock(p, err, errlen)))
		goto fail;
	p->skel = reflect_bpf__open();
	if (!p->skel) {
		rc = -errno;
		seterr(err, errlen, "opening the BPF skeleton: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->lab_mode = o->mode;
	p->skel->rodata->lab_port = o->port;
	p->skel->rodata->lab_reflected = o->reflected;
	memcpy((void *)p->skel->rodata->lab_fwd_src, o->fwd_src, 6);
	memcpy((void *)p->skel->rodata->lab_fwd_dst, o->fwd_dst, 6);
	bpf_program__set_autoload(p->skel->progs.lab_redir_err, o->mode == LAB_XDP_MODE_XDPFWD);
	bpf_program__set_autoload(p->skel->progs.lab_redir_map_err, o->mode == LAB_XDP_MODE_XDPFWD);
	rc = reflect_bpf__load(p->skel);
	if (rc) {
		seterr(err, errlen, "loading the XDP program: %s (run as root; LAB_VERBOSE=1 shows the verifier)",
		       strerror(-rc));
		goto fail;
	}
	if (o->mode == LAB_XDP_MODE_XDPFWD && (rc = fwd_setup(p, err, errlen)))
		goto fail;
	/* The socket goes into the map before the program is attached, so that no lab frame
	 * arrives to an empty slot. Zero-copy is only tried in native mode; a driver that offers
	 * zero-copy also runs native XDP, so the fallback to generic does not meet a zc socket. */
	p->attach_flags = o->attach == XSK_PORT_ATTACH_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	if (o->mode == LAB_XDP_MODE_XSK && (rc = socket_open(p, err, errlen)))
		goto fail;
	if ((rc = attach_prog(p, err, errlen)))
		goto fail;
	if (o->mode == LAB_XDP_MODE_XDPFWD && (p->attach_flags & XDP_FLAGS_SKB_MODE) &&
	    (rc = redirect_tp_attach(p, err, errlen)))
		goto fail;

	if (o->mode == LAB_XDP_MODE_XSK)
		snprintf(p->mode, sizeof(p->mode), "af_xdp %s%s%s", p->zerocopy ? "zero-copy" : "copy",
			 o->busy_poll ? " busy-poll" : "",
			 p->attach_flags & XDP_FLAGS_SKB_MODE ? " generic-xdp" : "");
	else if (o->mode == LAB_XDP_MODE_XDPFWD)
		snprintf(p->mode, sizeof(p->mode), "xdp_redirect %s",
			 p->attach_flags & XDP_FLAGS_SKB_MODE ? "generic" : "native");
	else
		snprintf(p->mode, sizeof(p->mode), "xdp_tx %s",
			 p->attach_flags & XDP_FLAGS_SKB_MODE ? "generic" : "native");
	*out = p;
	return 0;
fail:
	xsk_port_close(p);
	return rc;
}

void xsk_port_close(struct xsk_port *p)
{
	if (!p)
		return;
	detach_prog(p);
	for (int i = 0; i < 2; i++)
		bpf_link__destroy(p->redir_tp[i]);
	if (p->xsk)
		xsk_socket__delete(p->xsk);
	if (p->umem && !p->owner)
		xsk_umem__delete(p->umem);
	if (p->umem_area && !p->owner)
		munmap(p->umem_area, p->umem_bytes);
	reflect_bpf__destroy(p->skel);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	free(p->pool);
	free(p);
}

int xsk_port_open_peer(struct xsk_port **out, struct xsk_port *port, const char *iface,
		       uint32_t queue, char *err, size_t errlen)
{
	struct xsk_port *p;
	int rc;

	*out = NULL;
	if (!port || !port->xsk || port->owner) {
		seterr(err, errlen, "a peer needs an AF_XDP port of its own to share the UMEM of");
		return -EINVAL;
	}
	if (!iface || !*iface || strlen(iface) >= IF_NAMESIZE || !strcmp(iface, port->iface)) {
		seterr(err, errlen, "the peer needs an interface other than %s", port->iface);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->o = port->o;
	p->owner = port;
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	p->o.iface = p->iface;
	p->o.queue = queue;
	p->o.rx_frames = 0; /* TX only: its fill ring stays empty */
	p->fd = -1;
	p->lock_fd = -1;
	p->umem = port->umem;
	p->umem_area = port->umem_area;
	p->umem_bytes = port->umem_bytes;
	p->zerocopy = port->zerocopy;
	p->attach_flags = port->attach_flags;
	p->ifindex = (int)if_nametoindex(p->iface);
	if (!p->ifindex) {
		seterr(err, errlen, "%s: no such interface in this network namespace (setup/lab up --topology "
		       "forward makes it)", p->iface);
		free(p);
		return -ENODEV;
	}
	if ((rc = take_lock(p, err, errlen)))
		goto fail;
	struct xsk_socket_config sc = {
		.rx_size = p->o.ring_size,
		.tx_size = p->o.ring_size,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = p->attach_flags,
		.bind_flags = 0, /* a socket sharing a UMEM inherits copy/zero-copy and need_wakeup */
	};
	rc = xsk_socket__create_shared(&p->xsk, p->iface, queue, p->umem, NULL, &p->tx, &p->fill,
				       &p->comp, &sc);
	for (int i = 0; rc == -EBUSY && i < 40; i++) { /* our previous run's socket, closing */
		usleep(50000);
		rc = xsk_socket__create_shared(&p->xsk, p->iface, queue, p->umem, NULL, &p->tx, &p->fill,
					       &p->comp, &sc);
	}
	if (rc) {
		p->xsk = NULL;
		seterr(err, errlen, "%s queue %u: an AF_XDP socket sharing %s's UMEM: %s", p->iface, queue,
		       port->iface, strerror(-rc));
		goto fail;
	}
	p->fd = xsk_socket__fd(p->xsk);
	if (p->o.busy_poll) {
		if ((rc = setsockopt_int(p->fd, SO_PREFER_BUSY_POLL, 1)) ||
		    (rc = setsockopt_int(p->fd, SO_BUSY_POLL, (int)p->o.busy_poll_us)) ||
		    (rc = setsockopt_int(p->fd, SO_BUSY_POLL_BUDGET, (int)p->o.busy_poll_budget))) {
			seterr(err, errlen, "busy polling socket options: %s", strerror(-rc));
			goto fail;
		}
	}
	snprintf(p->mode, sizeof(p->mode), "af_xdp %s tx%s (shared umem)", p->zerocopy ? "zero-copy" : "copy",
		 p->o.busy_poll ? " busy-poll" : "");
	*out = p;
	return 0;
fail:
	xsk_port_close(p);
	return rc;
}

static inline uint64_t frame_base(const struct xsk_port *p, uint64_t addr)
{
	addr = xsk_umem__extract_addr(addr);
	return addr - addr % p->o.frame_size;
}

unsigned xsk_port_rx(struct xsk_port *p, struct xsk_port_desc *d, unsigned max)
{
	__u32 idx;
	unsigned n;
	if (!p->xsk)
		return 0;
	n = xsk_ring_cons__peek(&p->rx, max, &idx);
	for (unsigned i = 0; i < n; i++) {
		const struct xdp_desc *x = xsk_ring_cons__rx_desc(&p->rx, idx + i);
		d[i].addr = x->addr;
		d[i].len = x->len;
		d[i].data = xsk_umem__get_data(p->umem_area, x->addr);
	}
	if (n) {
		xsk_ring_cons__release(&p->rx, n);
		p->rx_posted -= n;
	}
	return n;
}

unsigned xsk_port_tx(struct xsk_port *p, const struct xsk_port_desc *d, unsigned n)
{
	__u32 idx;
	unsigned k;
	if (!p->xsk || !n)
		return 0;
	k = xsk_prod_nb_free(&p->tx, n);
	if (k > n)
		k = n;
	if (k && xsk_ring_prod__reserve(&p->tx, k, &idx) != k)
		k = 0;
	for (unsigned i = 0; i < k; i++) {
		struct xdp_desc *x = xsk_ring_prod__tx_desc(&p->tx, idx + i);
		x->addr = d[i].addr;
		x->len = d[i].len;
		x->options = 0;
	}
	if (k) {
		xsk_ring_prod__submit(&p->tx, k);
		p->tx_posted += k;
	}
	p->tx_ring_full += n - k;
	return k;
}

int xsk_port_kick(struct xsk_port *p)
{
	/* Kick while the kernel has not consumed the TX ring: copy mode sends a bounded number of
	 * frames per sendto, so one kick per batch is not always enough. */
	if (!p->xsk || xsk_prod_nb_free(&p->tx, p->o.ring_size) == p->o.ring_size)
		return 0;
	if (p->o.need_wakeup && !xsk_ring_prod__needs_wakeup(&p->tx))
		return 0;
	if (sendto(p->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == ENETDOWN ||
		    errno == EINTR)
			return 0;
		return -errno;
	}
	return 0;
}

int xsk_port_wakeup_rx(struct xsk_port *p)
{
	if (!p->xsk)
		return 0;
	if (!p->o.busy_poll && !(p->o.need_wakeup && xsk_ring_prod__needs_wakeup(&p->fill)))
		return 0;
	if (recvfrom(p->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != EINTR && errno != ENETDOWN)
		return -errno;
	return 0;
}

unsigned xsk_port_complete(struct xsk_port *p)
{
	__u32 idx;
	unsigned done = 0, want, n;
	if (!p->xsk)
		return 0;
	if (p->tx_posted) {
		struct xsk_port *pl = pool_of(p);
		done = xsk_ring_cons__peek(&p->comp, p->o.ring_size, &idx);
		for (unsigned i = 0; i < done; i++)
			pl->pool[pl->pool_n++] = frame_base(p, *xsk_ring_cons__comp_addr(&p->comp, idx + i));
		if (done) {
			xsk_ring_cons__release(&p->comp, done);
			p->tx_posted -= done;
		}
	}
	want = p->o.rx_frames - p->rx_posted;
	n = want < p->pool_n ? want : p->pool_n;
	if (n) {
		n = xsk_prod_nb_free(&p->fill, n) < n ? xsk_prod_nb_free(&p->fill, n) : n;
		if (n && xsk_ring_prod__reserve(&p->fill, n, &idx) == n) {
			for (unsigned i = 0; i < n; i++)
				*xsk_ring_prod__fill_addr(&p->fill, idx + i) = p->pool[--p->pool_n];
			xsk_ring_prod__submit(&p->fill, n);
			p->rx_posted += n;
		}
	}
	return done;
}

void xsk_port_release(struct xsk_port *p, const uint64_t *addrs, unsigned n)
{
	struct xsk_port *pl = pool_of(p);
	for (unsigned i = 0; i < n && pl->pool_n < pl->o.frames; i++)
		pl->pool[pl->pool_n++] = frame_base(p, addrs[i]);
}

unsigned xsk_port_alloc(struct xsk_port *p, uint64_t *addrs, unsigned n)
{
	struct xsk_port *pl = pool_of(p);
	unsigned k = n < pl->pool_n ? n : pl->pool_n;
	for (unsigned i = 0; i < k; i++)
		addrs[i] = pl->pool[--pl->pool_n];
	return k;
}

uint8_t *xsk_port_frame(struct xsk_port *p, uint64_t addr)
{
	return xsk_umem__get_data(p->umem_area, addr);
}

uint32_t xsk_port_frame_size(const struct xsk_port *p) { return p->o.frame_size; }

int xsk_port_poll(struct xsk_port *p, int timeout_ms)
{
	if (!p->xsk) {
		struct pollfd none;
		int rc = poll(&none, 0, timeout_ms);
		return rc < 0 ? -errno : 0;
	}
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
	int rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	return rc > 0;
}

int xsk_port_stats(struct xsk_port *p, struct xsk_port_stats *s)
{
	int ncpu = libbpf_num_possible_cpus(), fd = p->skel ? bpf_map__fd(p->skel->maps.counters) : -1;
	memset(s, 0, sizeof(*s));
	if (!p->skel)
		goto sock; /* a peer: no program of its own */
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	__u64 *v = calloc((size_t)ncpu, sizeof(__u64));
	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; k < LAB_XDP_C_COUNT; k++) {
		if (bpf_map_lookup_elem(fd, &k, v) < 0) {
			int e = -errno;
			free(v);
			return e;
		}
		for (int c = 0; c < ncpu; c++)
			s->bpf[k] += v[c];
	}
	free(v);
sock:
	s->tx_ring_full = p->tx_ring_full;
	if (p->xsk) {
		struct xdp_statistics xs;
		socklen_t len = sizeof(xs);
		if (getsockopt(p->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
			return -errno;
		s->rx_dropped = xs.rx_dropped;
		s->rx_invalid_descs = xs.rx_invalid_descs;
		s->tx_invalid_descs = xs.tx_invalid_descs;
		s->rx_ring_full = xs.rx_ring_full;
		s->rx_fill_ring_empty_descs = xs.rx_fill_ring_empty_descs;
		s->tx_ring_empty_descs = xs.tx_ring_empty_descs;
	}
	return 0;
}

int xsk_port_fd(const struct xsk_port *p) { return p->xsk ? p->fd : -1; }
const char *xsk_port_mode_string(const struct xsk_port *p) { return p->mode; }
bool xsk_port_zerocopy(const struct xsk_port *p) { return p->zerocopy; }
bool xsk_port_native(const struct xsk_port *p) { return !(p->attach_flags & XDP_FLAGS_SKB_MODE); }
