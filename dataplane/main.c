/* main.c — lab-dpdk, the poll-mode DPDK reflector: flags, the EAL command line built from them
 * (or taken as given before "--"), refusal of a second instance, the run, and a teardown that
 * leaves no hugepage file, runtime directory or XDP program behind. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/capability.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "caps.h"
#include "dp.h"
#include "log.h"
#include "util.h"

struct dp_state dp;

#if defined(__SANITIZE_ADDRESS__)
#define DP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DP_ASAN 1
#endif
#endif
#ifndef DP_ASAN
#define DP_ASAN 0
#endif

static void usage(FILE *f)
{
	fprintf(f,
"usage: lab-dpdk [LAB FLAGS]\n"
"       lab-dpdk [EAL ARGS] -- [LAB FLAGS]\n"
"\n"
"The lab's poll-mode DPDK reflector: lab frames (UDP to --port carrying the lab header) are\n"
"received in bursts of %d, reflected in place (L2/L3/L4 swapped, LAB_F_REFLECTED set, the stamp\n"
"area filled with CLOCK_MONOTONIC receive/transmit times when the sender asked, UDP checksum kept\n"
"valid) and sent back; anything else is counted and dropped.\n"
"\n"
"Without EAL args, the flags below build the EAL command line: -l <main>,<worker> (or one lcore),\n"
"--file-prefix <prefix>-dpdk, --no-pci --iova-mode=va and a net_af_xdp vdev on --iface\n"
"(net_af_packet when af_xdp cannot start), or -a <pci> -m <MB> with --pci. EAL args before \"--\"\n"
"(at most %d) are passed as they are; a port they create (-a, --vdev) is used, else the --iface\n"
"vdev is added.\n"
"\n"
"Lab flags:\n"
"  --iface IF            Linux interface for the vdev (default dut0; run inside its namespace)\n"
"  --pci ADDR            hardware mode: this PCI port (bound to vfio-pci) instead of a vdev\n"
"  --hw                  --iface (or an EAL vdev's iface=) is a real NIC (checked); without it\n"
"                        an interface outside the lab namespaces (<prefix>-gen/-dut) is refused\n"
"  --driver D            auto (af_xdp, then af_packet), af_xdp, af_packet (default auto)\n"
"  --port N              UDP destination port of lab traffic (default %d)\n"
"  --cpu N               CPU of the polling lcore (default: the highest CPU this process may use)\n"
"  --main-cpu N          CPU of the main (control) lcore (default: another allowed CPU; when\n"
"                        there is none, the one lcore polls and reports between bursts)\n"
"  --prefix P            lab prefix (default $LLAB_PREFIX or llab): EAL file prefix P-dpdk, which\n"
"                        'setup/lab down' cleans after a crash\n"
"  --ready-file PATH     written (atomically, our pid) once the port reflects\n"
"  --stats-json PATH     the counters as JSON, written on exit (README contract)\n"
"  --stats-interval S    print counter deltas every S seconds (default 1; 0 = never)\n"
"  --duration S          stop after S seconds (default 0 = until SIGINT/SIGTERM)\n"
"  --mbufs N             mbufs in the hugepage pool (default 4096)\n"
"  --rx-desc N, --tx-desc N  ring sizes per queue (default 1024 each)\n"
"  --eth-port N          with EAL args that create several ports: the DPDK port to use\n"
"  --calib-ms MS         TSC calibration time (default 200)\n"
"  -v, --verbose         debug lines\n"
"  -h, --help            this text\n"
"\n"
"Live counters: dpdk-telemetry.py -f <prefix>-dpdk, then /lab/stats.\n"
"Capture: dpdk-dumpcap --file-prefix=<prefix>-dpdk -i <port name> -w FILE.pcapng, from any\n"
"network namespace (pdump is initialised). Its pool (~10 MB of hugepages) is mapped by us after\n"
"we dropped our capabilities: that needs IOVA as VA (the vdev default) or memory reserved at\n"
"start (--pci's -m: our pool + %u MB), as IOVA as PA reads /proc/self/pagemap (CAP_SYS_ADMIN)\n"
"and vfio pins pages against RLIMIT_MEMLOCK. With EAL args of your own for a PCI port, give -m\n"
"too, or dpdk-dumpcap fails with \"Mempool (capture_N) creation failed: Cannot allocate memory\".\n"
"Exit: 0 stopped normally (also by SIGINT/SIGTERM), 1 runtime failure, 2 usage error.\n",
		DP_BURST, DP_MAX_EAL_ARGS - 1, LAB_PORT_DUT, DP_CAPTURE_RESERVE_MB);
}

enum {
	OPT_IFACE = 256, OPT_PCI, OPT_DRIVER, OPT_PORT, OPT_CPU, OPT_MAIN_CPU, OPT_PREFIX,
	OPT_READY, OPT_JSON, OPT_INTERVAL, OPT_DURATION, OPT_MBUFS, OPT_RXD, OPT_TXD,
	OPT_ETH_PORT, OPT_CALIB, OPT_HW,
};

static unsigned calib_ms = 200;
static bool opt_hw;

static void parse_lab_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"iface", required_argument, NULL, OPT_IFACE},
		{"pci", required_argument, NULL, OPT_PCI},
		{"driver", required_argument, NULL, OPT_DRIVER},
		{"port", required_argument, NULL, OPT_PORT},
		{"cpu", required_argument, NULL, OPT_CPU},
		{"main-cpu", required_argument, NULL, OPT_MAIN_CPU},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"ready-file", required_argument, NULL, OPT_READY},
		{"stats-json", required_argument, NULL, OPT_JSON},
		{"stats-interval", required_argument, NULL, OPT_INTERVAL},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"mbufs", required_argument, NULL, OPT_MBUFS},
		{"rx-desc", required_argument, NULL, OPT_RXD},
		{"tx-desc", required_argument, NULL, OPT_TXD},
		{"eth-port", required_argument, NULL, OPT_ETH_PORT},
		{"calib-ms", required_argument, NULL, OPT_CALIB},
		{"hw", no_argument, NULL, OPT_HW},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct dp_config *c = &dp.cfg;
	const char *env = getenv("LLAB_PREFIX");
	int o;

	c->iface = NULL;
	c->driver = "auto";
	c->prefix = env && *env ? env : "llab";
	c->udp_port = LAB_PORT_DUT;
	c->cpu = -1;
	c->main_cpu = -1;
	c->stats_interval_s = 1;
	c->mbufs = 4096;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->eth_port = -1;
	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((o = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (o) {
		case OPT_IFACE: c->iface = optarg; break;
		case OPT_PCI: c->pci = optarg; break;
		case OPT_DRIVER:
			if (strcmp(optarg, "auto") && strcmp(optarg, "af_xdp") && strcmp(optarg, "af_packet"))
				lab_die(LAB_EXIT_USAGE, "--driver: '%s' is not auto, af_xdp or af_packet", optarg);
			c->driver = optarg;
			break;
		case OPT_PORT: c->udp_port = (uint16_t)lab_parse_u64("port", optarg, 1, 65535); break;
		case OPT_CPU: c->cpu = (int)lab_parse_u64("cpu", optarg, 0, RTE_MAX_LCORE - 1); break;
		case OPT_MAIN_CPU: c->main_cpu = (int)lab_parse_u64("main-cpu", optarg, 0, RTE_MAX_LCORE - 1); break;
		case OPT_PREFIX: c->prefix = optarg; break;
		case OPT_READY: c->ready_file = optarg; break;
		case OPT_JSON: c->stats_json = optarg; break;
		case OPT_INTERVAL: c->stats_interval_s = lab_parse_double("stats-interval", optarg, 0, 3600); break;
		case OPT_DURATION: c->duration_s = lab_parse_double("duration", optarg, 0, 7 * 86400); break;
		case OPT_MBUFS: c->mbufs = (unsigned)lab_parse_u64("mbufs", optarg, 512, 1u << 20); break;
		case OPT_RXD: c->rx_desc = (unsigned)lab_parse_u64("rx-desc", optarg, 64, 16384); break;
		case OPT_TXD: c->tx_desc = (unsigned)lab_parse_u64("tx-desc", optarg, 64, 16384); break;
		case OPT_ETH_PORT: c->eth_port = (int)lab_parse_u64("eth-port", optarg, 0, RTE_MAX_ETHPORTS - 1); break;
		case OPT_CALIB: calib_ms = (unsigned)lab_parse_u64("calib-ms", optarg, 10, 10000); break;
		case OPT_HW: opt_hw = true; break;
		case 'v': lab_set_verbose(true); break;
		case 'h': usage(stdout); exit(LAB_EXIT_OK);
		default:
			lab_die(LAB_EXIT_USAGE, "%s: unknown flag or missing value (EAL args go before"
				" \"--\"); see --help", argv[optind - 1]);
		}
	}
	if (optind < argc)
		lab_die(LAB_EXIT_USAGE, "unexpected argument '%s' (EAL args go before \"--\"); see --help",
			argv[optind]);
	if (c->iface && c->pci)
		lab_die(LAB_EXIT_USAGE, "--iface and --pci: give one of them");
	if (!c->iface && !c->pci && !c->expert_eal)
		c->iface = "dut0";
	for (const char *p = c->prefix; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			lab_die(LAB_EXIT_USAGE, "--prefix: '%s' must be lowercase letters, digits, - or _",
				c->prefix);
	if (!*c->prefix || strlen(c->prefix) > 40)
		lab_die(LAB_EXIT_USAGE, "--prefix: '%s' must be 1 to 40 characters", c->prefix);
}

/* EAL keeps a write lock on <runtime dir>/config while a primary runs: name its owner before the
 * EAL fails with a less helpful line. */
static void refuse_same_prefix(void)
{
	char path[256];
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	snprintf(path, sizeof(path), "/var/run/dpdk/%s/config", dp.file_prefix);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		lab_die(LAB_EXIT_RUNTIME,
			"file prefix '%s' is in use by pid %d (another lab-dpdk or DPDK primary): stop it,"
			" or give another --prefix", dp.file_prefix, (int)fl.l_pid);
	close(fd);
}

/* One reflector per interface and network namespace: an abstract socket (per namespace, gone
 * with the process even after kill -9) is the lock; the holder's pid comes from SO_PEERCRED. */
static int port_lock_fd = -1;
/* lab-xsk and lab-gen's xsk backend hold the abstract name "lab-xsk:<ifindex>" (xdp/xsk_port.c)
 * while their AF_XDP port runs. Without this check the af_xdp vdev fails on their XDP program
 * and the auto driver quietly falls back to af_packet beside them; we take the same name, so
 * they are refused while we run, too. Released with the process, a crash included. */
static int xsk_lock_fd = -1;
static void refuse_xsk_port(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned ifindex = dp.cfg.iface ? if_nametoindex(dp.cfg.iface) : 0;
	if (dp.cfg.pci || !ifindex)
		return;
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "lab-xsk:%u", ifindex);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	xsk_lock_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (xsk_lock_fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_UNIX): %s", strerror(errno));
	if (bind(xsk_lock_fd, (struct sockaddr *)&sa, len) == 0)
		return;
	if (errno == EADDRINUSE)
		lab_die(LAB_EXIT_RUNTIME, "%s already has a lab AF_XDP port (lab-xsk or lab-gen) "
			"running on it: stop that one first", dp.cfg.iface);
	lab_die(LAB_EXIT_RUNTIME, "xsk lock for %s: %s", dp.cfg.iface, strerror(errno));
}

static void refuse_same_port(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *what = dp.cfg.pci ? dp.cfg.pci : dp.cfg.iface;
	if (!what)
		return;
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "lab-dpdk:%s", what);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	port_lock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (port_lock_fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_UNIX): %s", strerror(errno));
	if (bind(port_lock_fd, (struct sockaddr *)&sa, len) == 0) {
		listen(port_lock_fd, 4);
		refuse_xsk_port();
		return;
	}
	if (errno != EADDRINUSE)
		lab_die(LAB_EXIT_RUNTIME, "port lock for %s: %s", what, strerror(errno));
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct ucred cred = {0};
	socklen_t cl = sizeof(cred);
	if (c >= 0 && connect(c, (struct sockaddr *)&sa, len) == 0)
		getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
	lab_die(LAB_EXIT_RUNTIME,
		"%s already has a lab-dpdk reflecting on it in this network namespace (pid %d):"
		" stop that one first", what, (int)cred.pid);
}

static long hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* -m for a PCI port: our pool (an mbuf with its headers is under 2.5 KB) and the capture reserve */
static unsigned dp_reserve_mb(void)
{
	return (unsigned)(((uint64_t)dp.cfg.mbufs * 2560 + (1u << 20) - 1) >> 20) + DP_CAPTURE_RESERVE_MB;
}

/* The EAL command line for the common case. */
static int build_eal_args(char **out, int max, char *buf, size_t bufsz)
{
	cpu_set_t allowed;
	int n = 0, worker = dp.cfg.cpu, main_cpu = dp.cfg.main_cpu;
	size_t used = 0;
#define ADD(s)                                                                                    \
	do {                                                                                      \
		if (n < max - 1)                                                                  \
			out[n++] = (s);                                                           \
	} while (0)
#define FMT(...)                                                                                  \
	({                                                                                        \
		char *p_ = buf + used;                                                            \
		used += (size_t)snprintf(p_, bufsz - used, __VA_ARGS__) + 1;                      \
		p_;                                                                               \
	})

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		lab_die(LAB_EXIT_RUNTIME, "sched_getaffinity: %s", strerror(errno));
	if (worker < 0) {
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &allowed)) {
				worker = c;
				break;
			}
	} else if (!CPU_ISSET(worker, &allowed)) {
		lab_die(LAB_EXIT_USAGE, "--cpu %d: not in this process's CPU set (cpuset or taskset)",
			worker);
	}
	if (main_cpu < 0) {
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (c != worker && CPU_ISSET(c, &allowed)) {
				main_cpu = c;
				break;
			}
	} else if (!CPU_ISSET(main_cpu, &allowed)) {
		lab_die(LAB_EXIT_USAGE, "--main-cpu %d: not in this process's CPU set", main_cpu);
	}
	ADD("lab-dpdk");
	ADD("-l");
	if (main_cpu < 0 || main_cpu == worker) {
		ADD(FMT("%d", worker));
	} else {
		ADD(FMT("%d,%d", main_cpu, worker));
		ADD("--main-lcore");
		ADD(FMT("%d", main_cpu));
	}
	ADD("--file-prefix");
	ADD(dp.file_prefix);
	ADD("--proc-type=primary");
	/* memory a secondary (dpdk-dumpcap) asks for is mapped by us after the capability drop:
	 * see DP_CAPTURE_RESERVE_MB in dp.h */
	if (dp.cfg.pci) {
		ADD("-a");
		ADD((char *)dp.cfg.pci);
		ADD("-m");
		ADD(FMT("%u", dp_reserve_mb()));
	} else {
		ADD("--no-pci");
		ADD("--iova-mode=va");
	}
#if DP_ASAN
	/* ASan's shadow covers the EAL's default base (4 GiB): its memory would land among the
	 * libraries, where a secondary often cannot map it at the same address (and crashes) */
	ADD("--base-virtaddr=0x200000000000");
#endif
	out[n] = NULL;
	return n;
#undef ADD
#undef FMT
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[512];
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* The EAL keeps its hugepage files for the next run of the same prefix; the lab wants none left. */
static int remove_hugepage_files(void)
{
	FILE *m = fopen("/proc/mounts", "r");
	char dev[256], dir[256], type[64], name[128];
	int removed = 0;
	size_t plen = (size_t)snprintf(name, sizeof(name), "%smap_", dp.file_prefix);
	if (!m)
		return 0;
	while (fscanf(m, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3) {
		if (strcmp(type, "hugetlbfs") != 0)
			continue;
		DIR *d = opendir(dir);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char p[600];
			if (strncmp(e->d_name, name, plen) != 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			if (unlink(p) == 0)
				removed++;
		}
		closedir(d);
	}
	fclose(m);
	return removed;
}

static void print_start(void)
{
	unsigned lc;
	char workers[128] = "";
	size_t u = 0;
	RTE_LCORE_FOREACH(lc)
		if (dp.workers[lc].is_main || lc != rte_get_main_lcore())
			u += (size_t)snprintf(workers + u, sizeof(workers) - u, "%s%u", u ? "," : "", lc);
	printf("%s: reflecting UDP :%u on %s via %s (port %u, %u queue%s), polling lcore %s, main lcore %u%s\n",
	       lab_prog(), dp.cfg.udp_port, dp.cfg.iface ? dp.cfg.iface : dp.dev_name, dp.mode,
	       dp.port_id, dp.nb_queues, dp.nb_queues == 1 ? "" : "s", workers, rte_get_main_lcore(),
	       dp.workers[rte_get_main_lcore()].is_main ? " (one lcore: it polls and reports)" : "");
	if (strcmp(dp.mode, "net_af_xdp") != 0 && dp.fallback_reason[0])
		printf("%s: fallback to %s: %s\n", lab_prog(), dp.mode, dp.fallback_reason);
	printf("%s: TSC %.6f GHz -> CLOCK_MONOTONIC, error %lu ns at start; file prefix %s:"
	       " dpdk-telemetry.py -f %s (/lab/stats), dpdk-dumpcap --file-prefix=%s -i %s\n",
	       lab_prog(), dp.cal.hz / 1e9, (unsigned long)dp.tsc_err_start_ns, dp.file_prefix,
	       dp.file_prefix, dp.file_prefix, dp.dev_name);
	fflush(stdout);
}

/* EAL args of the user's own: IOVA as PA without memory reserved at start leaves a secondary
 * (dpdk-dumpcap) no memory once we dropped our capabilities (DP_CAPTURE_RESERVE_MB). */
static void note_capture_memory(int eal_argc, char **eal_argv)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA)
		return;
	for (int i = 1; i < eal_argc; i++)
		if (!strcmp(eal_argv[i], "-m") || !strncmp(eal_argv[i], "--socket-mem", 12) ||
		    !strcmp(eal_argv[i], "--legacy-mem"))
			return;
	lab_warn("IOVA mode PA and no -m/--socket-mem: dpdk-dumpcap will find no memory once"
		 " capabilities are dropped; give -m %u (MB) or --iova-mode=va", dp_reserve_mb());
}

/* The Linux interfaces we would open (--iface, and any iface= of an EAL vdev) must be in a lab
 * namespace unless --hw names a real NIC; a PCI port (--pci, -a) is hardware by name. */
static void check_scope(int eal_argc, char **eal_argv)
{
	char err[300], name[64];
	if (dp.cfg.iface && lab_scope_check_iface(dp.cfg.iface, opt_hw, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "%s", err);
	for (int i = 1; i < eal_argc; i++) {
		const char *v = strstr(eal_argv[i], "iface=");
		if (!v)
			continue;
		v += 6;
		size_t l = strcspn(v, ",");
		snprintf(name, sizeof(name), "%.*s", (int)(l < sizeof(name) ? l : sizeof(name) - 1), v);
		if (lab_scope_check_iface(name, opt_hw, err, sizeof(err)) < 0)
			lab_die(LAB_EXIT_USAGE, "%s", err);
	}
}

int main(int argc, char **argv)
{
	char *eal_argv[DP_MAX_EAL_ARGS + 1], eal_buf[512];
	int eal_argc = 0, lab_argc, dashdash = -1, rc = LAB_EXIT_OK;

	lab_log_init("lab-dpdk");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dashdash = i;
			break;
		}
	dp.cfg.expert_eal = dashdash > 1;
	/* lab flags first: --help and usage errors need no hugepages */
	char **lab_argv = dashdash >= 0 ? argv + dashdash : argv;
	lab_argc = dashdash >= 0 ? argc - dashdash : argc;
	parse_lab_args(lab_argc, lab_argv);
	snprintf(dp.file_prefix, sizeof(dp.file_prefix), "%s-dpdk", dp.cfg.prefix);

	if (dp.cfg.expert_eal) {
		eal_argc = dashdash;
		if (eal_argc > DP_MAX_EAL_ARGS)
			lab_die(LAB_EXIT_USAGE, "too many EAL arguments before \"--\" (%d, at most %d);"
				" see --help", eal_argc - 1, DP_MAX_EAL_ARGS - 1);
		for (int i = 0; i < eal_argc; i++)
			eal_argv[i] = argv[i];
		eal_argv[eal_argc] = NULL;
		for (int i = 1; i < eal_argc; i++)
			if (!strncmp(eal_argv[i], "--file-prefix", 13)) {
				const char *v = eal_argv[i][13] == '=' ? eal_argv[i] + 14 : eal_argv[i + 1];
				if (v)
					snprintf(dp.file_prefix, sizeof(dp.file_prefix), "%s", v);
			}
	} else {
		eal_argc = build_eal_args(eal_argv, DP_MAX_EAL_ARGS + 1, eal_buf, sizeof(eal_buf));
	}
	check_scope(eal_argc, eal_argv);
	refuse_same_prefix();
	refuse_same_port();
	if (hugepages_free() == 0)
		lab_die(LAB_EXIT_RUNTIME, "no free hugepages: 'setup/lab up' reserves them (or echo 256 >"
			" /proc/sys/vm/nr_hugepages and mount hugetlbfs)");
	if (lab_tsc_calibrate(&dp.cal, calib_ms) != 0)
		lab_die(LAB_EXIT_RUNTIME, "no usable TSC on this machine");
	dp.tsc_err_start_ns = dp.cal.max_err_ns;
	lab_install_stop_signals();

	for (int i = 0; i < eal_argc; i++)
		lab_debug("EAL arg %d: %s", i, eal_argv[i]);
	int ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0)
		lab_die(LAB_EXIT_RUNTIME, "EAL init failed: %s (file prefix %s; hugepages free? run as"
			" root; see the EAL lines above)", rte_strerror(rte_errno), dp.file_prefix);
	note_capture_memory(eal_argc, eal_argv);
	/* the EAL's runtime dir and hugepage files are ours from here: every exit cleans them */
	char runtime_dir[256];
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());

	unsigned lc, q = 0;
	RTE_LCORE_FOREACH_WORKER(lc) dp.workers[lc].queue = (uint16_t)q++;
	if (q == 0) {
		dp.workers[rte_get_main_lcore()].is_main = true;
		q = 1;
	}
	dp.nb_queues = (uint16_t)q;

	if (rte_pdump_init() != 0)
		lab_warn("pdump init failed: %s (dpdk-dumpcap will not attach)", rte_strerror(rte_errno));
	if (dp_telemetry_register() != 0)
		lab_warn("telemetry command /lab/stats not registered");

	if (lab_stop || dp_port_open() != 0) {
		rc = LAB_EXIT_RUNTIME;
		goto out_eal;
	}
	RTE_LCORE_FOREACH(lc) dp.workers[lc].port = dp.port_id;
	atomic_store(&dp.port_up, true);
	print_start();

	/* set up: polling, sending and reading counters need no privilege; closing an af_xdp port
	 * detaches its XDP program (netlink: CAP_NET_ADMIN). Every EAL thread drops too. */
	static const int keep[] = {CAP_NET_ADMIN};
	char cerr[300];
	if (lab_caps_keep(keep, 1, cerr, sizeof(cerr)) < 0) {
		lab_err("dropping capabilities: %s", cerr);
		rc = LAB_EXIT_RUNTIME;
		goto out_port;
	}
	dp.start_ns = lab_now_ns();
	dp_control_init();
	RTE_LCORE_FOREACH_WORKER(lc) rte_eal_remote_launch(dp_worker_main, NULL, lc);
	if (dp.cfg.ready_file && lab_write_ready_file(dp.cfg.ready_file) != 0) {
		lab_err("cannot write ready file %s: %s", dp.cfg.ready_file, strerror(errno));
		atomic_store(&dp.quit, true);
		rc = LAB_EXIT_RUNTIME;
	}
	if (dp.workers[rte_get_main_lcore()].is_main) {
		dp_worker_main(NULL);
	} else {
		while (!atomic_load(&dp.quit)) {
			usleep(10000);
			dp_control_tick(rte_rdtsc());
		}
	}
	rte_eal_mp_wait_lcore();
	dp.tsc_err_end_ns = lab_tsc_check_ns(&dp.cal, 64);

	struct dp_totals t, zero = {0};
	struct dp_port_counters pc;
	dp_totals(&t);
	dp_report_lock();
	dp_port_counters(&pc);
	dp_report_unlock();
	dp_print_line("total", &t, &zero, &pc, (double)(lab_now_ns() - dp.start_ns) / 1e9);
	printf("%s: TSC error %lu ns at start, %lu ns at end\n", lab_prog(),
	       (unsigned long)dp.tsc_err_start_ns, (unsigned long)dp.tsc_err_end_ns);
	if (dp.cfg.stats_json && dp_write_stats_json(dp.cfg.stats_json) != 0) {
		lab_err("cannot write %s: %s", dp.cfg.stats_json, strerror(errno));
		rc = LAB_EXIT_RUNTIME;
	}
out_port:
	dp_report_lock();
	atomic_store(&dp.port_up, false);
	dp_report_unlock();
	dp_port_close();
out_eal:
	rte_pdump_uninit();
	rte_eal_cleanup();
	int removed = remove_hugepage_files();
	rm_tree(runtime_dir);
	lab_debug("removed %d hugepage files and %s", removed, runtime_dir);
	if (port_lock_fd >= 0)
		close(port_lock_fd);
	if (xsk_lock_fd >= 0)
		close(xsk_lock_fd);
	/* a stale ready file would tell the next waiter we reflect when we no longer do */
	if (dp.cfg.ready_file)
		unlink(dp.cfg.ready_file);
	fflush(stdout);
	return rc;
}
