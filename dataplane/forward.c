/* forward.c — lab-dpdk --forward's checks before the EAL: the out interface in the lab's scope
 * and there, its MAC (the source of every forwarded frame) and the next hop's (--next-hop-mac,
 * else gen1's address in the out interface's neighbour table). A bad value is one line, exit 2. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dp.h"
#include "lab_constants.h"
#include "log.h"
#include "netif.h"

/* The forward topology's next hop (gen1): its IPv4 address, else its IPv6 one. */
static const char *const next_hop_addrs[] = {LAB_GEN1_V4, LAB_GEN1_V6};

void dp_forward_prepare(void)
{
	const char *out = dp.cfg.out_iface;
	int rc;
	lab_dut_check_iface(&dp.dut, out);
	rc = lab_if_mac(out, dp.out_mac);
	if (rc < 0)
		lab_die(LAB_EXIT_USAGE, "--out-iface %s: no MAC address: %s", out, strerror(-rc));
	if (dp.cfg.next_hop) {
		if (lab_parse_mac(dp.cfg.next_hop, dp.next_hop_mac) != 0)
			lab_die(LAB_EXIT_USAGE, "--next-hop-mac: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				dp.cfg.next_hop);
		snprintf(dp.next_hop_source, sizeof(dp.next_hop_source), "--next-hop-mac");
		return;
	}
	for (size_t i = 0; i < sizeof(next_hop_addrs) / sizeof(next_hop_addrs[0]); i++) {
		struct in6_addr a = {0};
		int family = strchr(next_hop_addrs[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(family, next_hop_addrs[i], &a);
		if (lab_neigh_mac(out, family, &a, dp.next_hop_mac) == 0) {
			snprintf(dp.next_hop_source, sizeof(dp.next_hop_source), "neighbour %s on %s",
				 next_hop_addrs[i], out);
			return;
		}
	}
	lab_die(LAB_EXIT_USAGE, "--out-iface %s: no neighbour entry for %s or %s (the next hop):"
		" give --next-hop-mac MAC", out, next_hop_addrs[0], next_hop_addrs[1]);
}
