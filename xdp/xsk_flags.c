/* xsk_flags.c — lab-xsk's command line: its own flags and --help text (the shared ones are the
 * DUT driver's), and the checks after parsing. */
#include <stdio.h>

#include "log.h"
#include "xsk_run.h"

static const char *const modes[] = {"xsk", "xdptx", NULL};
static const char *const attach_modes[] = {"auto", "native", "generic", NULL};

#define X(field) LAB_FIELD(struct xsk_run, field)
static const struct lab_opt xsk_opts[] = {
	{.name = "mode", .kind = LAB_OPT_ENUM, X(xdptx), .names = modes,
	 .help = "reflect in userspace over AF_XDP, or in the driver (XDP_TX)"},
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

/* After parsing: the shared flags the port needs, the interface's scope, the UMEM's shape. */
void xsk_check_flags(struct xsk_run *r)
{
	r->po.iface = r->dut.cfg.iface;
	r->po.port = r->dut.cfg.port;
	lab_dut_check_iface(&r->dut, r->po.iface);
	r->po.mode = r->xdptx ? LAB_XDP_MODE_XDPTX : LAB_XDP_MODE_XSK;
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
"--cpu pins the reflecting thread; -v adds libbpf's messages (the verifier log on failure).", 0, 0);
}

static void notes(FILE *f)
{
	lab_opts_wrap(f,
"Counters: in xsk mode the reflector's own (received, reflected, not_lab, malformed, tx_errors), "
"in xdptx mode the XDP program's (lab, tx, passed, malformed, errors); bpf holds the program's "
"either way. Drops: xsk_rx_dropped, xsk_rx_ring_full, xsk_fill_ring_empty, xsk_tx_invalid "
"(XDP_STATISTICS), xsk_no_socket (lab frames with no socket on their queue), xsk_tx_ring_full "
"(frames the TX ring could not take); xdptx: xdp_errors. Configuration errors (exit 2) include "
"another XDP program on the interface, or another lab AF_XDP port running on it.", 0, 0);
}
