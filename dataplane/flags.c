/* flags.c — lab-dpdk's command line: its own flags (the shared ones are the DUT driver's), its
 * --help text and the checks between them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"
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
	 .help = "mbufs in the hugepage pool"},
	{.name = "rx-desc", .kind = LAB_OPT_UINT, C(rx_desc), .arg = "N", .min = 64, .max = 16384,
	 .help = "RX ring size per queue"},
	{.name = "tx-desc", .kind = LAB_OPT_UINT, C(tx_desc), .arg = "N", .min = 64, .max = 16384,
	 .help = "TX ring size per queue"},
	{.name = "eth-port", .kind = LAB_OPT_INT, C(eth_port), .arg = "N", .max = RTE_MAX_ETHPORTS - 1,
	 .unset = "the port we probed, or the first",
	 .help = "with EAL args that create several ports: the DPDK port to use"},
	{.name = "calib-ms", .kind = LAB_OPT_UINT, C(calib_ms), .arg = "MS", .min = 10, .max = 10000,
	 .help = "TSC calibration time"},
	{0},
};

static void about(FILE *f)
{
	char text[2048];
	snprintf(text, sizeof(text),
"The lab's poll-mode DPDK reflector: lab frames (UDP to --port carrying the lab header) are "
"received in bursts of %d, reflected in place (L2/L3/L4 swapped, LAB_F_REFLECTED set, the stamp "
"area filled with CLOCK_MONOTONIC receive/transmit times when the sender asked, UDP checksum kept "
"valid) and sent back; anything else is counted and dropped.\n"
"Without EAL args, the flags below build the EAL command line: -l <main>,<worker> (or one lcore), "
"--file-prefix <prefix>-dpdk, --no-pci --iova-mode=va and a net_af_xdp vdev on --iface "
"(net_af_packet when af_xdp cannot start), or -a <pci> -m <MB> with --pci. EAL args before \"--\" "
"(at most %d) are passed as they are; a port they create (-a, --vdev) is used, else the --iface "
"vdev is added. --cpu is the polling lcore's CPU; --hw also covers an EAL vdev's iface=.",
		 DP_BURST, DP_MAX_EAL_ARGS - 1);
	lab_opts_wrap(f, text, 0, 0);
}

static void notes(FILE *f)
{
	char text[2048];
	snprintf(text, sizeof(text),
"Live counters: dpdk-telemetry.py -f <prefix>-dpdk, then /lab/stats.\n"
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
}

void dp_parse_flags(int argc, char **argv, bool expert_eal)
{
	lab_dut_init(&dp.dut, &dp_dut_ops, &dp.cfg);
	defaults(&dp.cfg);
	dp.cfg.expert_eal = expert_eal;
	lab_dut_parse(&dp.dut, argc, argv);
	check(expert_eal);
}
