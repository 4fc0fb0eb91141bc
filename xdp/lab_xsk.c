/* lab_xsk.c — lab-xsk: the AF_XDP reflector of the xsk path (the XDP program steers lab traffic
 * to a socket, xsk_loop.c swaps, stamps and sends it back), and with --mode xdptx the floor of
 * the wire (the XDP program reflects in the driver; this process only holds it and counts).
 * Forward topology: --mode xsk --forward sends out of a second socket on --out-iface sharing the
 * UMEM; --mode xdpfwd has the program forward in the driver (XDP_REDIRECT), the floor.
 * This file opens the port; flags, control loop and stats are the DUT driver's (common/dut.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/capability.h>

#include "caps.h"
#include "log.h"
#include "xsk_run.h"

int main(int argc, char **argv)
{
	static const int keep[] = {CAP_NET_ADMIN};
	struct xsk_run r = {0};
	char err[512] = "";
	int rc, exit_code = LAB_EXIT_OK;

	lab_dut_init(&r.dut, &xsk_dut_ops, &r);
	xsk_port_opts_default(&r.po);
	r.batch = 64;
	lab_dut_parse(&r.dut, argc, argv);
	xsk_check_flags(&r);
	lab_install_stop_signals();
	lab_dut_pin(&r.dut);
	if ((rc = xsk_port_open(&r.port, &r.po, err, sizeof(err))) != 0)
		lab_die(lab_exit_for_errno(rc), "%s", err);
	if (r.forward && r.mode == XSK_RUN_XSK &&
	    (rc = xsk_port_open_peer(&r.peer, r.port, r.out_iface, r.po.queue, err, sizeof(err))) != 0) {
		xsk_port_close(r.port); /* detaches the program */
		lab_die(lab_exit_for_errno(rc), "%s", err);
	}
	/* set up: the loop needs no privilege; detaching the program at exit needs CAP_NET_ADMIN
	 * (a netlink request), nothing else does (map reads go through fds we hold) */
	if (lab_caps_keep(keep, 1, err, sizeof(err)) < 0) {
		lab_err("dropping capabilities: %s", err);
		exit_code = LAB_EXIT_RUNTIME;
	} else {
		if (r.forward)
			lab_info("%s queue %u: %s, forwarding UDP port %u out of %s to %02x:%02x:%02x:%02x:%02x:%02x%s",
				 r.po.iface, r.po.queue, xsk_port_mode_string(r.port), r.po.port, r.out_iface,
				 r.next_hop[0], r.next_hop[1], r.next_hop[2], r.next_hop[3], r.next_hop[4],
				 r.next_hop[5], r.dut.cfg.cpu >= 0 ? "" : " (not pinned)");
		else
			lab_info("%s queue %u: %s, reflecting UDP port %u%s", r.po.iface, r.po.queue,
				 xsk_port_mode_string(r.port), r.po.port, r.dut.cfg.cpu >= 0 ? "" : " (not pinned)");
		if (lab_dut_start(&r.dut) < 0 || xsk_run_loop(&r) < 0)
			exit_code = LAB_EXIT_RUNTIME;
	}
	exit_code = lab_dut_finish(&r.dut, exit_code);
	if (r.mode == XSK_RUN_XDPFWD && r.redirect_errors)
		lab_warn("%s: the kernel failed %llu redirects to %s (%s)", r.po.iface,
			 (unsigned long long)r.redirect_errors, r.out_iface,
			 strstr(xsk_port_mode_string(r.port), "generic")
				 ? "generic XDP: the out port down, or a frame over its MTU"
				 : "a veth out port takes them only while its peer has GRO on or an XDP program");
	xsk_port_close(r.peer);
	xsk_port_close(r.port);
	return exit_code;
}
