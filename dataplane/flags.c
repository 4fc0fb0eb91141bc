/* flags.c — lab-dpdk's command line: its own flags (the shared ones are the DUT driver's), its
 * --help text and the checks between them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "lab_constants.h"
#include "log.h"

const char *const dp_driver_names[] = {"auto", "af_xdp", "af_packet", NULL};

#define C(field) LAB_FIELD(struct dp_config, field)
static const struct lab_opt dp_opts[] = {
	{.name = "pci", .kind = LAB_OPT_STR, C(pci), .arg = "ADDR",
	 .help = "hardware mode: this PCI port (bound to vfio-pci) instead of a vdev on --iface"},
	{.name = "driver", .kind = LAB_OPT_ENUM, C(driver), .arg = "D", .names = dp_driver_names,
	 .help = "auto (af_xdp, then af_packet), af_xdp, af_packet"},
	{.name = "main-cpu", .kind = LAB_OPT_INT, C(main_cpu), .arg = "N", .max = RTE_MAX_LCORE - 1,
	 .unset = "another allowed CPU; when there is none, the one lcore polls and reports "
		  "between bursts",
	 .help = "CPU of the main (control) lcore"},
	{.name = "prefix", .kind = LAB_OPT_STR, C(prefix), .arg = "P",
	 .help = "lab prefix ($LLAB_PREFIX, else llab): EAL file prefix P-dpdk, which 'setup/lab down' "
		 "cleans after a crash"},
	{.name = "mbufs", .kind = LAB_OPT_UINT, C(mbufs), .arg = "N", .min = 512, .max = 1u << 20,
	 .help = "mbufs in the hugepage pool (--forward: 8192 unless given: two ports' rings)"},
	{.name = "rx-desc", .kind = LAB_OPT_UINT, C(rx_desc), .arg = "N", .min = 64, .max = 16384,
	 .help = "RX ring size per queue"},
	{.name = "tx-desc", .kind = LAB_OPT_UINT, C(tx_desc), .arg = "N", .min = 64, .max = 16384,
	 .help = "TX ring size per queue"},
	{.name = "eth-port", .kind = LAB_OPT_INT, C(eth_port), .arg = "N", .max = RTE_MAX_ETHPORTS - 1,
	 .unset = "the port we probed, or the first",
	 .help = "with EAL args that create several ports: the DPDK port to use"},
	{.name = "calib-ms", .kind = LAB_OPT_UINT, C(calib_ms), .arg = "MS", .min = 10, .max = 10000,
	 .help = "TSC calibration time"},
	{.name = "cores", .kind = LAB_OPT_UINT, C(cores), .arg = "N", .min = 1, .max = RTE_MAX_LCORE - 1,
	 .help = "polling lcores, each with its own RX queue (and, forwarding, its own TX queue on the "
		 "out port); RSS spreads the flows where the PMD supports it (a vdev: the kernel's "
		 "queues). N > 1 needs N + 1 CPUs (the main lcore reports); exit 2 when there are fewer"},
	{.name = "forward", .kind = LAB_OPT_SET, C(forward), .value = 1,
	 .help = "forward instead of reflect: lab frames received on --iface (port 0) go out of "
		 "--out-iface (port 1) to the next hop, TTL / hop limit - 1, LAB_F_FORWARDED set; "
		 "nothing is ever sent on --iface"},
	{.name = "out-iface", .kind = LAB_OPT_STR, C(out_iface), .arg = "IF", .unset = LAB_DUT1_IF,
	 .help = "--forward: the interface forwarded frames leave by (a second vdev, port 1)"},
	{.name = "next-hop-mac", .kind = LAB_OPT_STR, C(next_hop), .arg = "MAC",
	 .unset = "the MAC of " LAB_GEN1_V4 " (else " LAB_GEN1_V6 ") in --out-iface's neighbour table",
	 .help = "--forward: the destination MAC of forwarded frames"},
	{0},
};

static void about(FILE *f)
{
	char text[3072];
	snprintf(text, sizeof(text),
"The lab's poll-mode DPDK reflector: lab frames (UDP to --port carrying the lab header) are "
"received in bursts of %d, reflected in place (L2/L3/L4 swapped, LAB_F_REFLECTED set, the stamp "
"area filled with CLOCK_MONOTONIC receive/transmit times when the sender asked, UDP checksum kept "
"valid) and sent back; anything else is counted and dropped.\n"
"Without EAL args, the flags below build the EAL command line: -l <main>,<worker> (or one lcore), "
"--file-prefix <prefix>-dpdk, --no-pci --iova-mode=va and a net_af_xdp vdev on --iface "
"(net_af_packet when af_xdp cannot start), or -a <pci> -m <MB> with --pci. EAL args before \"--\" "
"(at most %d) are passed as they are; a port they create (-a, --vdev) is used, else the --iface "
"vdev is added. --cpu is the polling lcore's CPU; --hw also covers an EAL vdev's iface=.\n"
"With --forward it is an l2fwd/l3fwd-like router hop of the forward topology (" LAB_GEN_IF " -> "
LAB_DUT_IF " -> " LAB_DUT1_IF " -> " LAB_GEN1_IF "): a vdev on --iface (port 0) and one on --out-iface (port 1), each net_af_xdp or, "
"when that cannot start, net_af_packet; every lab frame received on port 0 is forwarded in place "
"(Ethernet destination = the next hop, source = --out-iface's MAC, IPv4 TTL / IPv6 hop limit - 1 "
"with the IPv4 header checksum updated, LAB_F_FORWARDED, the stamps as the reflector fills them, "
"the UDP checksum kept valid; addresses and ports unchanged) and sent in bursts on port 1; frames "
"with TTL <= 1, already marked (reflected or forwarded), malformed or not lab traffic are counted "
"and dropped. What arrives on port 1 is freed (out_rx). EAL args before \"--\" are refused with "
"--forward.",
		 DP_BURST, DP_MAX_EAL_ARGS - 1);
	lab_opts_wrap(f, text, 0, 0);
}

static void notes(FILE *f)
{
	char text[3072];
	snprintf(text, sizeof(text),
"Live counters: dpdk-telemetry.py -f <prefix>-dpdk, then /lab/stats.\n"
"Forward counters (--stats-json, /lab/stats): forwarded (taken by port 1's TX burst), not_lab "
"(not lab traffic, and already_marked: carried LAB_F_REFLECTED or LAB_F_FORWARDED), malformed, "
"and the drop points dpdk_tx_dropped (forwarded but not taken by the TX burst, freed), "
"ttl_expired (TTL / hop limit <= 1), and dpdk_imissed, dpdk_rx_nombuf, dpdk_ierrors: the sum of "
"both ports' rte_eth_stats imissed, rx_nombuf, ierrors (each port's own in ethdev / ethdev_out); "
"tx_errors is both ports' oerrors. not_forwarded_by names every reason. received (port 0) = "
"forwarded + not_lab + malformed + dpdk_tx_dropped + ttl_expired.\n"
"Capture: dpdk-dumpcap --file-prefix=<prefix>-dpdk -i <port name> -w FILE.pcapng, from any "
"network namespace (pdump is initialised). Its pool (~10 MB of hugepages) is mapped by us after "
"we dropped our capabilities: that needs IOVA as VA (the vdev default) or memory reserved at "
"start (--pci's -m: our pool + %u MB), as IOVA as PA reads /proc/self/pagemap (CAP_SYS_ADMIN) "
"and vfio pins pages against RLIMIT_MEMLOCK. With EAL args of your own for a PCI port, give -m "
"too, or dpdk-dumpcap fails with \"Mempool (capture_N) creation failed: Cannot allocate memory\".\n"
"A second lab-dpdk on the same file prefix or port is refused with exit 1.", DP_CAPTURE_RESERVE_MB);
	lab_opts_wrap(f, text, 0, 0);
}

const struct lab_dut_cli dp_cli = {
	.prog = "lab-dpdk",
	.usage = "[LAB FLAGS]\n       lab-dpdk [EAL ARGS] -- [LAB FLAGS]",
	.cpu_default = "the highest CPU this process may use",
	.stop_ms = 100,
	.opts = dp_opts,
	.about = about,
	.notes = notes,
};

static void defaults(struct dp_config *c)
{
	const char *env = getenv("LLAB_PREFIX");
	c->prefix = env && *env ? env : "llab";
	c->main_cpu = -1;
	c->mbufs = 4096;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->eth_port = -1;
	c->calib_ms = 200;
	c->cores = 1;
	dp.dut.cfg.stats_interval_s = 1;
}

/* The port is --iface's vdev (dut0 unless said), --pci's, or the EAL args' own. */
static void check(bool expert_eal)
{
	struct dp_config *c = &dp.cfg;
	bool iface_given = lab_opts_seen(&dp.dut.groups[0], "iface");
	if (dp.dut.cfg.cpu >= RTE_MAX_LCORE)
		lab_die(LAB_EXIT_USAGE, "--cpu: '%d' is not a number from 0 to %d", dp.dut.cfg.cpu,
			RTE_MAX_LCORE - 1);
	if (iface_given && c->pci)
		lab_die(LAB_EXIT_USAGE, "--iface and --pci: give one of them");
	if (c->pci || (expert_eal && !iface_given))
		dp.dut.cfg.iface = NULL;
	for (const char *p = c->prefix; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			lab_die(LAB_EXIT_USAGE, "--prefix: '%s' must be lowercase letters, digits, - or _",
				c->prefix);
	if (!*c->prefix || strlen(c->prefix) > 40)
		lab_die(LAB_EXIT_USAGE, "--prefix: '%s' must be 1 to 40 characters", c->prefix);
	if (expert_eal && lab_opts_seen(&dp.dut.groups[1], "cores"))
		lab_die(LAB_EXIT_USAGE, "--cores: with EAL args, give the lcores there (-l)");
	if (!c->forward) {
		if (c->out_iface || c->next_hop)
			lab_die(LAB_EXIT_USAGE, "--%s is for --forward", c->out_iface ? "out-iface" :
				"next-hop-mac");
		return;
	}
	if (c->pci)
		lab_die(LAB_EXIT_USAGE, "--forward: --pci is not supported (two vdevs on --iface and"
			" --out-iface)");
	if (expert_eal)
		lab_die(LAB_EXIT_USAGE, "--forward builds its own EAL command line: no EAL args before"
			" \"--\"");
	if (!c->out_iface)
		c->out_iface = LAB_DUT1_IF;
	if (!*c->out_iface || !dp.dut.cfg.iface || !strcmp(c->out_iface, dp.dut.cfg.iface))
		lab_die(LAB_EXIT_USAGE, "--out-iface '%s': must be another interface than --iface",
			c->out_iface);
	/* forwarding uses two ports' rings and both pools' worth of TX in flight */
	if (!lab_opts_seen(&dp.dut.groups[1], "mbufs"))
		c->mbufs = 8192;
}

void dp_parse_flags(int argc, char **argv, bool expert_eal)
{
	lab_dut_init(&dp.dut, &dp_dut_ops, &dp.cfg);
	defaults(&dp.cfg);
	dp.cfg.expert_eal = expert_eal;
	lab_dut_parse(&dp.dut, argc, argv);
	check(expert_eal);
}
