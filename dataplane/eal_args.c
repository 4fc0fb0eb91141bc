/* eal_args.c — lab-dpdk's EAL command line: built from the lab flags in the common case (lcores,
 * file prefix, a vdev or a PCI port, IOVA and memory so that dpdk-dumpcap can attach), or taken
 * as the user gave it before "--"; and what it would open, checked against the lab's scope. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>

#include "dp.h"
#include "log.h"

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

/* An argv under construction; formatted words live in buf. */
struct argv_buf {
	char **out;
	int n, max;
	char *buf;
	size_t used, size;
};

static void add(struct argv_buf *a, const char *s)
{
	if (a->n < a->max - 1)
		a->out[a->n++] = (char *)s;
}

static void addf(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct argv_buf *a, const char *fmt, ...)
{
	char *p = a->buf + a->used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(p, a->size - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->size - a->used)
		lab_die(LAB_EXIT_RUNTIME, "EAL arguments: out of room");
	a->used += (size_t)n + 1;
	add(a, p);
}

/* -m for a PCI port: our pool (an mbuf with its headers is under 2.5 KB) and the capture reserve */
static unsigned reserve_mb(void)
{
	return (unsigned)(((uint64_t)dp.cfg.mbufs * 2560 + (1u << 20) - 1) >> 20) + DP_CAPTURE_RESERVE_MB;
}

static bool in_list(const int *v, unsigned n, int c)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i] == c)
			return true;
	return false;
}

/* The polling lcores' CPUs (--cores of them: --cpu first, else the highest allowed, then the
 * next highest allowed ones) and the main lcore's (--main-cpu, else the lowest other allowed one;
 * -1 when there is none and one lcore polls: it does both). More than one polling lcore needs a
 * main lcore of its own: exit 2 when the CPUs are not there. */
static void choose_cpus(int *workers, int *main_cpu)
{
	cpu_set_t allowed;
	unsigned n = dp.cfg.cores, got = 0;
	int count;
	*main_cpu = dp.cfg.main_cpu;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		lab_die(LAB_EXIT_RUNTIME, "sched_getaffinity: %s", strerror(errno));
	count = CPU_COUNT(&allowed);
	if (n > 1 && (unsigned)count < n + 1)
		lab_die(LAB_EXIT_USAGE, "--cores %u: needs %u CPUs (%u polling lcores and the main lcore),"
			" this process may use %d", n, n + 1, n, count);
	if (dp.dut.cfg.cpu >= 0) {
		if (!CPU_ISSET(dp.dut.cfg.cpu, &allowed))
			lab_die(LAB_EXIT_USAGE, "--cpu %d: not in this process's CPU set (cpuset or taskset)",
				dp.dut.cfg.cpu);
		workers[got++] = dp.dut.cfg.cpu;
	}
	if (*main_cpu >= 0 && !CPU_ISSET(*main_cpu, &allowed))
		lab_die(LAB_EXIT_USAGE, "--main-cpu %d: not in this process's CPU set", *main_cpu);
	if (*main_cpu >= 0 && in_list(workers, got, *main_cpu) && n > 1)
		lab_die(LAB_EXIT_USAGE, "--main-cpu %d: is --cpu; with --cores %u they must differ",
			*main_cpu, n);
	for (int c = CPU_SETSIZE - 1; c >= 0 && got < n; c--)
		if (CPU_ISSET(c, &allowed) && c != *main_cpu && !in_list(workers, got, c))
			workers[got++] = c;
	if (got < n)
		lab_die(LAB_EXIT_USAGE, "--cores %u: only %u CPUs left for polling lcores", n, got);
	if (*main_cpu < 0) {
		for (int c = 0; c < CPU_SETSIZE && *main_cpu < 0; c++)
			if (!in_list(workers, got, c) && CPU_ISSET(c, &allowed))
				*main_cpu = c;
	}
}

/* The EAL command line for the common case. */
static int build(char **out, int max, char *buf, size_t bufsz)
{
	struct argv_buf a = {out, 0, max, buf, 0, bufsz};
	int workers[RTE_MAX_LCORE], main_cpu;
	char list[256];
	size_t u = 0;
	choose_cpus(workers, &main_cpu);
	dp.dut.cfg.cpu = workers[0]; /* the stats say where it polled (the first queue's lcore) */
	add(&a, "lab-dpdk");
	add(&a, "-l");
	if (main_cpu < 0 || (dp.cfg.cores == 1 && main_cpu == workers[0])) {
		addf(&a, "%d", workers[0]);
	} else {
		u += (size_t)snprintf(list + u, sizeof(list) - u, "%d", main_cpu);
		for (unsigned i = 0; i < dp.cfg.cores && u < sizeof(list); i++)
			u += (size_t)snprintf(list + u, sizeof(list) - u, ",%d", workers[i]);
		if (u >= sizeof(list))
			lab_die(LAB_EXIT_USAGE, "--cores %u: too many", dp.cfg.cores);
		addf(&a, "%s", list);
		add(&a, "--main-lcore");
		addf(&a, "%d", main_cpu);
	}
	add(&a, "--file-prefix");
	add(&a, dp.file_prefix);
	add(&a, "--proc-type=primary");
	/* memory a secondary (dpdk-dumpcap) asks for is mapped by us after the capability drop:
	 * see DP_CAPTURE_RESERVE_MB in dp.h */
	if (dp.cfg.pci) {
		add(&a, "-a");
		add(&a, dp.cfg.pci);
		add(&a, "-m");
		addf(&a, "%u", reserve_mb());
	} else {
		add(&a, "--no-pci");
		add(&a, "--iova-mode=va");
	}
#if DP_ASAN
	/* ASan's shadow covers the EAL's default base (4 GiB): its memory would land among the
	 * libraries, where a secondary often cannot map it at the same address (and crashes) */
	add(&a, "--base-virtaddr=0x200000000000");
#endif
	out[a.n] = NULL;
	return a.n;
}

/* The user's EAL args before "--", as given; their --file-prefix is the one we check and clean. */
static int take(int dashdash, char **argv, char **eal_argv)
{
	int eal_argc = dashdash;
	if (eal_argc > DP_MAX_EAL_ARGS)
		lab_die(LAB_EXIT_USAGE, "too many EAL arguments before \"--\" (%d, at most %d); see --help",
			eal_argc - 1, DP_MAX_EAL_ARGS - 1);
	for (int i = 0; i < eal_argc; i++)
		eal_argv[i] = argv[i];
	eal_argv[eal_argc] = NULL;
	for (int i = 1; i < eal_argc; i++)
		if (!strncmp(eal_argv[i], "--file-prefix", 13)) {
			const char *v = eal_argv[i][13] == '=' ? eal_argv[i] + 14 : eal_argv[i + 1];
			if (v)
				snprintf(dp.file_prefix, sizeof(dp.file_prefix), "%s", v);
		}
	return eal_argc;
}

int dp_eal_args(char **argv, int dashdash, char **eal_argv, char *buf, size_t bufsz)
{
	return dp.cfg.expert_eal ? take(dashdash, argv, eal_argv)
				 : build(eal_argv, DP_MAX_EAL_ARGS + 1, buf, bufsz);
}

/* A PCI port (--pci, -a) is hardware by name; a Linux interface is checked. */
void dp_eal_check_scope(int eal_argc, char **eal_argv)
{
	char name[64];
	if (dp.dut.cfg.iface)
		lab_dut_check_iface(&dp.dut, dp.dut.cfg.iface);
	for (int i = 1; i < eal_argc; i++) {
		const char *v = strstr(eal_argv[i], "iface=");
		if (!v)
			continue;
		v += 6;
		size_t l = strcspn(v, ",");
		snprintf(name, sizeof(name), "%.*s", (int)(l < sizeof(name) ? l : sizeof(name) - 1), v);
		lab_dut_check_iface(&dp.dut, name);
	}
}

void dp_eal_note_capture_memory(int eal_argc, char **eal_argv)
{
	if (rte_eal_iova_mode() != RTE_IOVA_PA)
		return;
	for (int i = 1; i < eal_argc; i++)
		if (!strcmp(eal_argv[i], "-m") || !strncmp(eal_argv[i], "--socket-mem", 12) ||
		    !strcmp(eal_argv[i], "--legacy-mem"))
			return;
	lab_warn("IOVA mode PA and no -m/--socket-mem: dpdk-dumpcap will find no memory once"
		 " capabilities are dropped; give -m %u (MB) or --iova-mode=va", reserve_mb());
}
