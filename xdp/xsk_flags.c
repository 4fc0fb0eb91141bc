/* xsk_flags.c — lab-xsk's command line: its own flags and --help text (the shared ones are the
 * DUT driver's), and the checks after parsing. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab_constants.h"
#include "log.h"
#include "netif.h"
#include "xsk_run.h"

static const char *const modes[] = {"xsk", "xdptx", "xdpfwd", NULL};
static const char *const attach_modes[] = {"auto", "native", "generic", NULL};

#define X(field) LAB_FIELD(struct xsk_run, field)
static const struct lab_opt xsk_opts[] = {
	{.name = "mode", .kind = LAB_OPT_ENUM, X(mode), .names = modes,
	 .help = "reflect (or with --forward forward) in userspace over AF_XDP; reflect in the driver "
		 "(XDP_TX); forward in the driver (XDP_REDIRECT to --out-iface)"},
	{.name = "forward", .kind = LAB_OPT_SET, X(forward), .value = 1,
	 .help = "xsk mode: the forward topology: forward lab traffic from --iface out of --out-iface "
		 "through a second AF_XDP socket sharing the UMEM (no copy)"},
	{.name = "out-iface", .kind = LAB_OPT_STR, X(out_iface), .arg = "IF", .unset = LAB_DUT1_IF,
	 .help = "forward: the out port, in this network namespace, not --iface"},
	{.name = "next-hop-mac", .kind = LAB_OPT_STR, X(next_hop_arg), .arg = "MAC",
	 .unset = "the MAC of " LAB_GEN1_V4 ", else " LAB_GEN1_V6 ", in --out-iface's neighbour table",
	 .help = "forward: Ethernet destination of forwarded frames"},
	{.name = "queue", .kind = LAB_OPT_UINT, X(po.queue), .arg = "N", .max = LAB_XDP_XSKMAP_MAX - 1,
	 .help = "RX/TX queue to bind"},
	{.name = "xdp-mode", .kind = LAB_OPT_ENUM, X(po.attach), .arg = "M", .names = attach_modes,
	 .help = "auto (native, else generic with a note), native or generic"},
	{.name = "copy", .kind = LAB_OPT_SET, X(po.copy), .value = XSK_PORT_COPY_FORCE,
	 .help = "force AF_XDP copy mode"},
	{.name = "zerocopy", .kind = LAB_OPT_SET, X(po.copy), .value = XSK_PORT_ZEROCOPY_FORCE,
	 .help = "require zero-copy (fail if the driver cannot)"},
	{.name = "hugepages", .kind = LAB_OPT_SET, X(po.hugepages), .value = 1,
	 .help = "back the UMEM with 2 MiB hugepages"},
	{.name = "frames", .kind = LAB_OPT_UINT, X(po.frames), .arg = "N", .min = 64, .max = 1u << 20,
	 .help = "UMEM frames, a power of two"},
	{.name = "frame-size", .kind = LAB_OPT_UINT, X(po.frame_size), .arg = "N", .min = 2048,
	 .max = 4096, .help = "UMEM frame size, 2048 or 4096"},
	{.name = "ring", .kind = LAB_OPT_UINT, X(po.ring_size), .arg = "N", .min = 64, .max = 1u << 16,
	 .help = "ring entries, a power of two"},
	{.name = "batch", .kind = LAB_OPT_UINT, X(batch), .arg = "N", .min = 1, .max = XSK_BATCH_MAX,
	 .range = true, .help = "frames per RX/TX batch"},
	{.name = "busy-poll", .kind = LAB_OPT_SET, X(po.busy_poll), .value = 1,
	 .help = "SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET; spins"},
	{.name = "busy-poll-us", .kind = LAB_OPT_UINT, X(po.busy_poll_us), .arg = "N", .max = 1000000,
	 .help = "SO_BUSY_POLL microseconds"},
	{.name = "busy-poll-budget", .kind = LAB_OPT_UINT, X(po.busy_poll_budget), .arg = "N", .min = 1,
	 .max = 65535, .help = "SO_BUSY_POLL_BUDGET packets"},
	{.name = "spin", .kind = LAB_OPT_SET, X(spin), .value = 1,
	 .help = "never sleep when idle (lowest latency, one core at 100%)"},
	{.name = "no-need-wakeup", .kind = LAB_OPT_SET, X(po.need_wakeup), .value = 0,
	 .help = "do not use XDP_USE_NEED_WAKEUP (a syscall on every TX batch)"},
	{0},
};

/* --help text: at the end of this file */
static void about(FILE *f);
static void notes(FILE *f);

const struct lab_dut_cli xsk_cli = {
	.prog = "lab-xsk", .stop_ms = 2 * XSK_WAIT_MS, .opts = xsk_opts, .about = about, .notes = notes,
};

/* forward: the out port's MAC, and the next hop's (given, or from the neighbour table) */
static void forward_macs(struct xsk_run *r)
{
	int rc = lab_if_mac(r->out_iface, r->out_mac);
	if (rc < 0)
		lab_die(LAB_EXIT_USAGE, "--out-iface %s: no MAC address: %s (is it in this network namespace? "
			"setup/lab up --topology forward makes " LAB_DUT1_IF ")", r->out_iface, strerror(-rc));
	if (r->next_hop_arg) {
		if (lab_parse_mac(r->next_hop_arg, r->next_hop) < 0)
			lab_die(LAB_EXIT_USAGE, "--next-hop-mac '%s': not a MAC address (aa:bb:cc:dd:ee:ff)",
				r->next_hop_arg);
		return;
	}
	struct in6_addr a4 = {0}, a6;
	inet_pton(AF_INET, LAB_GEN1_V4, &a4);
	inet_pton(AF_INET6, LAB_GEN1_V6, &a6);
	if (lab_neigh_mac(r->out_iface, AF_INET, &a4, r->next_hop) == 0 ||
	    lab_neigh_mac(r->out_iface, AF_INET6, &a6, r->next_hop) == 0)
		return;
	lab_die(LAB_EXIT_USAGE, "%s: no neighbour entry for " LAB_GEN1_V4 " or " LAB_GEN1_V6 " to forward to: "
		"give --next-hop-mac, or add one (setup/lab up --topology forward does)", r->out_iface);
}

/* After parsing: the shared flags the port needs, the interface's scope, the UMEM's shape. */
void xsk_check_flags(struct xsk_run *r)
{
	r->po.iface = r->dut.cfg.iface;
	r->po.port = r->dut.cfg.port;
	lab_dut_check_iface(&r->dut, r->po.iface);
	r->prog_only = r->mode != XSK_RUN_XSK;
	if (r->mode == XSK_RUN_XDPTX && r->forward)
		lab_die(LAB_EXIT_USAGE, "--forward: xdptx reflects; forward with --mode xsk --forward or --mode xdpfwd");
	if (r->mode == XSK_RUN_XDPFWD)
		r->forward = true;
	if (!r->forward && (r->out_iface || r->next_hop_arg))
		lab_die(LAB_EXIT_USAGE, "--out-iface and --next-hop-mac are for forwarding (--forward or --mode xdpfwd)");
	if (r->forward) {
		if (!r->out_iface)
			r->out_iface = LAB_DUT1_IF;
		if (!r->po.iface || !*r->po.iface || !strcmp(r->out_iface, r->po.iface))
			lab_die(LAB_EXIT_USAGE, "--out-iface %s: forwarding needs two ports (never back out of --iface)",
				r->out_iface);
		lab_dut_check_iface(&r->dut, r->out_iface);
		forward_macs(r);
		r->dut.forward = true;
		r->po.out_iface = r->out_iface;
		memcpy(r->po.fwd_src, r->out_mac, 6);
		memcpy(r->po.fwd_dst, r->next_hop, 6);
	}
	r->po.mode = r->mode == XSK_RUN_XDPTX ? LAB_XDP_MODE_XDPTX :
		     r->mode == XSK_RUN_XDPFWD ? LAB_XDP_MODE_XDPFWD : LAB_XDP_MODE_XSK;
	r->po.reflected = LAB_XDP_REFL_FORBID;
	/* the fill ring holds at most ring entries; the rest of the UMEM is headroom for TX */
	r->po.rx_frames = r->po.ring_size;
	if (r->po.ring_size > r->po.frames)
		lab_die(LAB_EXIT_USAGE, "--ring %u is larger than --frames %u", r->po.ring_size, r->po.frames);
}

static void about(FILE *f)
{
	lab_opts_wrap(f,
"The AF_XDP reflector of the lab's xsk path: an XDP program steers lab traffic (UDP to --port "
"with a lab header, not yet reflected) to an AF_XDP socket on --queue; lab-xsk swaps MAC, IP "
"and ports, stamps receive and transmit times (CLOCK_MONOTONIC ns), keeps the UDP checksum "
"valid and sends it back. Everything else goes to the kernel (ARP, ND, other ports).\n"
"With --mode xdptx the XDP program reflects in the driver (XDP_TX), the floor of the wire, "
"and lab-xsk only holds it attached and reports its counters.\n"
"The forward topology (" LAB_GEN_IF " -> " LAB_DUT_IF ", " LAB_DUT1_IF " -> " LAB_GEN1_IF "): --mode xsk --forward receives "
"on --iface's "
"socket and sends out of a second AF_XDP socket on --out-iface that shares the UMEM (the frame is "
"rewritten in place, never copied in userspace; completions on --out-iface refill --iface's fill "
"ring); --mode xdpfwd forwards in the driver with XDP_REDIRECT through a DEVMAP, the floor of the "
"forward topology. Either way: Ethernet destination = the next hop, source = --out-iface's MAC, "
"IPv4 TTL / IPv6 hop limit - 1 (the IPv4 header checksum updated incrementally), "
"LAB_F_FORWARDED, stamps when asked, the UDP checksum kept valid. A frame with TTL / hop limit "
"1 or 0 is counted (ttl_expired) and dropped, never forwarded; already reflected or forwarded "
"frames are counted (already_marked) and given to the kernel, as is everything else.\n"
"--cpu pins the reflecting thread; -v adds libbpf's messages (the verifier log on failure).", 0, 0);
}

static void notes(FILE *f)
{
	lab_opts_wrap(f,
"Counters: in xsk mode the reflector's own (received, reflected, not_lab, malformed, tx_errors), "
"in xdptx mode the XDP program's (lab, tx, passed, malformed, errors); bpf holds the program's "
"either way. Drops: xsk_rx_dropped, xsk_rx_ring_full, xsk_fill_ring_empty, xsk_tx_invalid "
"(XDP_STATISTICS), xsk_no_socket (lab frames with no socket on their queue), xsk_tx_ring_full "
"(frames the TX ring could not take); xdptx: xdp_errors. Forwarding: \"forwarded\" instead of "
"\"reflected\", the xsk drops summed over both sockets and ttl_expired; xdpfwd: xdp_errors (no "
"out port in the DEVMAP, and redirects the kernel failed: --iface's veth rx_queue_N_drops and "
"--out-iface's tx_queue_N_xdp_xmit_errors; in generic mode, where no driver counts them, the "
"xdp_redirect_err tracepoint's failures of this program's DEVMAP) and ttl_expired; received = the "
"frames the program "
"classified as lab traffic, malformed or already marked; not_forwarded_by names ttl_expired, "
"already_marked, malformed. A veth out port takes redirected frames only while its peer (" LAB_GEN1_IF ") "
"has GRO on or an XDP program of its own: setup/lab up does the former. Configuration errors (exit 2) include "
"another XDP program on the interface, or another lab AF_XDP port running on it.", 0, 0);
}
