/* reflect.h — what the XDP program (reflect.bpf.c) and its userspace share: the modes, the
 * policy on LAB_F_REFLECTED, and the indices of the per-CPU counters. Fixed-width fields only:
 * this header is compiled for the BPF target too. */
#ifndef LAB_XDP_REFLECT_H
#define LAB_XDP_REFLECT_H

#include <linux/types.h>

/* What the program does with lab traffic (rodata lab_mode). */
enum lab_xdp_mode {
	LAB_XDP_MODE_XSK = 0,   /* bpf_redirect_map to the XSKMAP slot of the RX queue */
	LAB_XDP_MODE_XDPTX = 1, /* swap, stamp, XDP_TX: the floor of the wire */
	LAB_XDP_MODE_XDPFWD = 2, /* forward in the driver: MACs to the next hop (rodata lab_fwd_*),
				    TTL / hop limit - 1, stamp, bpf_redirect_map through the DEVMAP
				    slot 0 (the out port): the floor of the forward topology */
};

/* Which frames count as lab traffic by their mark, LAB_F_REFLECTED or LAB_F_FORWARDED
 * (LAB_F_MARKED; rodata lab_reflected). A reflector or forwarder takes only frames without one
 * (never send a reflection or a forwarded frame on again); the generator's receive side takes
 * only frames with one. */
enum lab_xdp_reflected {
	LAB_XDP_REFL_FORBID = 0,
	LAB_XDP_REFL_REQUIRE = 1,
	LAB_XDP_REFL_ANY = 2,
};

/* Per-CPU counters. Every frame the program sees lands in exactly one of PASSED, MALFORMED,
 * LAB; every LAB frame in exactly one of REDIRECTED, TX, ERRORS, TTL_EXPIRED. MARKED counts a
 * part of PASSED. */
enum lab_xdp_counter {
	LAB_XDP_C_LAB = 0,      /* lab traffic for this side (port, header, REFLECTED policy) */
	LAB_XDP_C_PASSED,       /* not lab traffic: XDP_PASS to the kernel (ARP, ND, other ports) */
	LAB_XDP_C_MALFORMED,    /* claims to be IP or lab traffic but is broken: XDP_PASS */
	LAB_XDP_C_REDIRECTED,   /* lab, handed to the AF_XDP socket */
	LAB_XDP_C_TX,           /* lab, reflected with XDP_TX */
	LAB_XDP_C_ERRORS,       /* lab, but no socket in the queue's slot or redirect failed: XDP_PASS
				   (XDPFWD: no out port in the DEVMAP, XDP_DROP) */
	LAB_XDP_C_MARKED,       /* of PASSED: the good lab frames the policy FORBID refuses (already
				   reflected or forwarded), XDP_PASS */
	LAB_XDP_C_TTL_EXPIRED,  /* XDPFWD: lab, IPv4 TTL / IPv6 hop limit <= 1: XDP_DROP */
	LAB_XDP_C_COUNT
};

#define LAB_XDP_XSKMAP_MAX 64 /* RX queues an XSKMAP can serve */
#define LAB_XDP_DEVMAP_OUT 0   /* XDPFWD: the out port's slot in the DEVMAP tx_port */
#define LAB_XDP_PROG_NAME "lab_reflect" /* how lab-xsk recognises its own program */

#endif
