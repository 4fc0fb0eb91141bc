/* xsk_port.h — one AF_XDP port on one queue of one interface, with the lab's XDP program
 * (reflect.bpf.c) in front of it. Used by lab-xsk (the DUT reflector, and its xdptx floor mode)
 * and by the generator's AF_XDP backend (steering reflected frames back to it on gen0).
 *
 * Lifecycle:
 *   struct xsk_port_opts o; xsk_port_opts_default(&o); o.iface = "gen0"; ...
 *   struct xsk_port *p; char err[256];
 *   int rc = xsk_port_open(&p, &o, err, sizeof(err));   // loads, attaches, binds the socket
 *   loop:
 *     n = xsk_port_rx(p, d, 64);          // frames now owned by the caller
 *     ... read/modify d[i].data (d[i].len bytes) ...
 *     xsk_port_tx(p, d, m);               // queue frames for transmission (kernel owns them)
 *     xsk_port_release(p, addrs, k);      // or give frames back unsent
 *     xsk_port_kick(p);                   // make the kernel transmit (needed in copy mode)
 *     xsk_port_complete(p);               // reclaim sent frames, refill the fill ring
 *   xsk_port_close(p);                    // closes the socket, detaches the program
 *
 * A sender gets empty frames with xsk_port_alloc(), writes them through xsk_port_frame() and
 * queues them with xsk_port_tx(). Single-threaded: one port is used by one thread.
 *
 * Forwarding without a copy: xsk_port_open_peer() adds a TX-only socket on another interface that
 * shares the port's UMEM (XDP_SHARED_UMEM, its own fill and completion rings). A frame received
 * on the port is rewritten in place and queued on the peer with xsk_port_tx(peer, ...);
 * xsk_port_complete(peer) returns the peer's completed frames to the port's pool, from which
 * xsk_port_complete(port) refills the port's fill ring. Close the peer before the port.
 *
 * Mode XDPFWD: no socket; the program forwards lab traffic itself to opts.out_iface through a
 * DEVMAP (filled before attach) with the Ethernet addresses opts.fwd_src/fwd_dst.
 *
 * Attaching: native (driver) mode, else generic (SKB) mode with a note, unless asked for one.
 * Only one port per interface (per network namespace) at a time; an XDP program already on the
 * interface is replaced only when it is ours (LAB_XDP_PROG_NAME) and no live port holds the
 * interface (a crashed process's leftover). No pins: a crash leaves at most the attached
 * program, which `setup/lab down` (ip link set dev X xdp off) removes. */
#ifndef LAB_XSK_PORT_H
#define LAB_XSK_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reflect.h"

enum xsk_port_attach {
	XSK_PORT_ATTACH_AUTO = 0, /* native, falling back to generic */
	XSK_PORT_ATTACH_NATIVE,
	XSK_PORT_ATTACH_GENERIC,
};

enum xsk_port_copy {
	XSK_PORT_COPY_AUTO = 0,   /* zero-copy where the driver supports it, else copy */
	XSK_PORT_COPY_FORCE,      /* copy mode */
	XSK_PORT_ZEROCOPY_FORCE,  /* zero-copy or fail */
};

struct xsk_port_opts {
	const char *iface;         /* interface name in the current network namespace */
	uint32_t queue;            /* RX/TX queue the socket binds to */
	uint16_t port;             /* UDP destination port that marks lab traffic (0 = any) */
	enum lab_xdp_mode mode;    /* XSK: create the socket; XDPTX, XDPFWD: program only, no socket */
	const char *out_iface;     /* XDPFWD: the out port (not iface) */
	uint8_t fwd_src[6];        /* XDPFWD: Ethernet source of forwarded frames (out port's MAC) */
	uint8_t fwd_dst[6];        /* XDPFWD: Ethernet destination (the next hop's MAC) */
	enum lab_xdp_reflected reflected; /* FORBID on a reflector, REQUIRE on the generator */
	enum xsk_port_attach attach;
	enum xsk_port_copy copy;
	uint32_t frames;           /* UMEM frames (power of two) */
	uint32_t frame_size;       /* 2048 or 4096 bytes */
	uint32_t ring_size;        /* RX, TX, fill and completion ring entries (power of two) */
	uint32_t rx_frames;        /* frames kept posted to the fill ring (<= ring_size); the rest
				      are free for xsk_port_alloc() */
	bool hugepages;            /* back the UMEM with 2 MiB hugepages (MAP_HUGETLB) */
	bool need_wakeup;          /* XDP_USE_NEED_WAKEUP: syscalls only when the kernel asks */
	bool busy_poll;            /* SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET */
	uint32_t busy_poll_us;     /* SO_BUSY_POLL */
	uint32_t busy_poll_budget; /* SO_BUSY_POLL_BUDGET */
};

/* iface "dut0", queue 0, port 7777, mode XSK, forbid reflected, auto attach and copy,
 * 4096 frames of 2048 bytes, rings of 2048, rx_frames 2048, need_wakeup on, busy poll off
 * (20 us, budget 64 when turned on). */
void xsk_port_opts_default(struct xsk_port_opts *o);

struct xsk_port;

/* One received frame, or one to send: addr is its UMEM address, data points at its bytes. */
struct xsk_port_desc {
	uint64_t addr;
	uint8_t *data;
	uint32_t len;
};

/* Counters of the port: the XDP program's (summed over all possible CPUs) and the socket's
 * XDP_STATISTICS. */
struct xsk_port_stats {
	uint64_t bpf[LAB_XDP_C_COUNT];      /* indexed by enum lab_xdp_counter (a peer: zeros) */
	uint64_t rx_dropped;                /* XDP_STATISTICS.rx_dropped */
	uint64_t rx_invalid_descs;
	uint64_t tx_invalid_descs;
	uint64_t rx_ring_full;
	uint64_t rx_fill_ring_empty_descs;
	uint64_t tx_ring_empty_descs;
	uint64_t tx_ring_full;              /* frames xsk_port_tx could not queue (not sent) */
};

/* Errors: 0, or -errno with a one-line explanation in err. -EEXIST: another XDP program (not
 * ours) is on the interface; -EBUSY: another live port holds it; -ENODEV: no such interface;
 * -EINVAL: bad options. Those four are configuration errors (exit 2); anything else is a
 * runtime failure. On failure nothing is left attached. */
int xsk_port_open(struct xsk_port **out, const struct xsk_port_opts *o, char *err, size_t errlen);

/* Detach the program (only if it is still ours), close the socket, free the UMEM. NULL ok. */
void xsk_port_close(struct xsk_port *p);

/* A TX-only AF_XDP socket on iface/queue sharing port's UMEM and frame pool (port: an XSK mode
 * port), with port's ring size, busy polling and wakeup settings; no XDP program on iface (copy
 * mode AF_XDP transmits without one). It holds iface like a port (one lab port per interface).
 * Same errors as xsk_port_open. xsk_port_close(peer) before xsk_port_close(port). */
int xsk_port_open_peer(struct xsk_port **out, struct xsk_port *port, const char *iface,
		       uint32_t queue, char *err, size_t errlen);

/* Take up to max received frames. The caller owns them until xsk_port_tx or xsk_port_release. */
unsigned xsk_port_rx(struct xsk_port *p, struct xsk_port_desc *d, unsigned max);

/* Queue n frames (UMEM addresses with their lengths) for transmission. Returns how many were
 * queued (fewer when the TX ring is full: the caller still owns the rest). */
unsigned xsk_port_tx(struct xsk_port *p, const struct xsk_port_desc *d, unsigned n);

/* Tell the kernel to transmit what is queued (sendto when it asks for a wakeup; always in copy
 * mode). Returns 0 or -errno for a real error (EAGAIN/EBUSY/ENOBUFS are retried later, 0). */
int xsk_port_kick(struct xsk_port *p);

/* Wake the kernel's RX side when the fill ring asks for it (or always with busy polling,
 * which drives the NAPI loop from here). Returns 0 or -errno. */
int xsk_port_wakeup_rx(struct xsk_port *p);

/* Reclaim transmitted frames from the completion ring and top up the fill ring. Returns the
 * number of frames completed. Call once per loop iteration (for a peer: on the peer, then on its
 * port, whose fill ring takes the frames back). */
unsigned xsk_port_complete(struct xsk_port *p);

/* Frames the caller does not send back: returned to the free pool (a peer's: its port's). */
void xsk_port_release(struct xsk_port *p, const uint64_t *addrs, unsigned n);

/* Take up to n free frames for sending; returns how many. Write them through xsk_port_frame. */
unsigned xsk_port_alloc(struct xsk_port *p, uint64_t *addrs, unsigned n);
uint8_t *xsk_port_frame(struct xsk_port *p, uint64_t addr);
uint32_t xsk_port_frame_size(const struct xsk_port *p);

/* Wait up to timeout_ms for something to receive (poll on the socket). 1 = ready, 0 = timeout,
 * -errno on error (-EINTR when a signal arrived). In XDPTX mode, just sleeps. */
int xsk_port_poll(struct xsk_port *p, int timeout_ms);

int xsk_port_stats(struct xsk_port *p, struct xsk_port_stats *s);

/* The socket's file descriptor (-1 in XDPTX mode), for poll loops of the caller's own. */
int xsk_port_fd(const struct xsk_port *p);

/* XDPFWD: frames the kernel failed to forward after the program redirected them (out of the
 * program's sight): iface's veth RX drops (a failed xdp_do_redirect, e.g. an out port that
 * cannot take redirected frames) plus out_iface's XDP transmit errors, from their ethtool
 * statistics (veth names; other drivers: what of those names they have). 0 or -errno. */
int xsk_port_redirect_errors(struct xsk_port *p, uint64_t *errors);

/* How the port runs, e.g. "af_xdp copy busy-poll" / "xdp_tx native": for logs and stats. */
const char *xsk_port_mode_string(const struct xsk_port *p);
bool xsk_port_zerocopy(const struct xsk_port *p);
bool xsk_port_native(const struct xsk_port *p); /* attached in driver mode, not generic */

#endif
