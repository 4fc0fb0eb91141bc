/* caps.c — dropping capabilities in every thread of the process.
 *
 * Linux keeps capabilities per thread and capset(2) changes only the caller's, so a process
 * whose libraries already started threads (DPDK's interrupt, telemetry and multi-process
 * threads, its worker lcores) would keep root's powers in them. As libcap's psx does, each
 * other thread is sent a real-time signal whose handler makes the same syscalls (capset and
 * prctl are async-signal-safe); the caller waits for every thread's acknowledgement and then
 * reads every thread's CapEff back from /proc to prove it. */
#include "caps.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* What every thread applies; set before any signal is sent, read-only afterwards. */
static struct __user_cap_data_struct caps_want[_LINUX_CAPABILITY_U32S_3];
static uint64_t caps_keep_mask;
static int caps_last;
static bool caps_bounding; /* we hold CAP_SETPCAP: the bounding set can shrink too */
static atomic_int caps_acks, caps_fails;

static int caps_apply_self(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	int rc = 0;
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which capset removes. A
	 * process without it (not root) has nothing to lose there; no_new_privs keeps a setuid
	 * execve from handing anything back either way */
	for (int c = 0; caps_bounding && c <= caps_last; c++)
		if (!(caps_keep_mask >> c & 1) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
			rc = -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		rc = -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL on old kernels: none */
	if (syscall(SYS_capset, &h, caps_want) != 0)
		rc = -1;
	return rc;
}

static void caps_handler(int sig)
{
	int saved = errno;
	(void)sig;
	if (caps_apply_self() != 0)
		atomic_fetch_add(&caps_fails, 1);
	atomic_fetch_add(&caps_acks, 1);
	errno = saved;
}

static uint64_t caps_status_eff(const char *status_path, bool *ok)
{
	char line[256];
	uint64_t v = 0;
	FILE *f = fopen(status_path, "re");
	*ok = false;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &v) == 1) {
			*ok = true;
			break;
		}
	fclose(f);
	return v;
}

uint64_t lab_caps_effective(void)
{
	char p[64];
	bool ok;
	snprintf(p, sizeof(p), "/proc/self/task/%ld/status", (long)syscall(SYS_gettid));
	return caps_status_eff(p, &ok);
}

static const char *const caps_name_tab[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
	"cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
	"cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock",
	"cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice", "cap_sys_resource",
	"cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease", "cap_audit_write",
	"cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
	"cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
};

const char *lab_caps_names(uint64_t mask, char *buf, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (!mask) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (int c = 0; c < 64 && o < len; c++) {
		if (!(mask >> c & 1))
			continue;
		int w;
		if (c < (int)(sizeof(caps_name_tab) / sizeof(caps_name_tab[0])))
			w = snprintf(buf + o, len - o, "%s%s", o ? "," : "", caps_name_tab[c]);
		else
			w = snprintf(buf + o, len - o, "%scap_%d", o ? "," : "", c);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

/* Threads already asked (or the caller): a process has a handful, a fixed table is enough. */
#define CAPS_MAX_THREADS 1024

static bool caps_seen(const pid_t *done, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (done[i] == tid)
			return true;
	return false;
}

/* The sets every thread is to keep, from the caller's list: caps_keep_mask, caps_want and
 * caps_bounding for the handler; the answer counters reset. */
static int caps_prepare(const int *keep, size_t n, char *err, size_t errlen)
{
	FILE *f;

	caps_last = 40;
	if ((f = fopen("/proc/sys/kernel/cap_last_cap", "re"))) {
		if (fscanf(f, "%d", &caps_last) != 1 || caps_last < 0 || caps_last > 63)
			caps_last = 40;
		fclose(f);
	}
	caps_keep_mask = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || keep[i] > caps_last) {
			snprintf(err, errlen, "capability %d is not known to this kernel", keep[i]);
			return -1;
		}
		caps_keep_mask |= 1ull << keep[i];
	}
	memset(caps_want, 0, sizeof(caps_want));
	caps_want[0].effective = caps_want[0].permitted = (uint32_t)caps_keep_mask;
	caps_want[1].effective = caps_want[1].permitted = (uint32_t)(caps_keep_mask >> 32);
	caps_bounding = lab_caps_effective() >> CAP_SETPCAP & 1;
	atomic_store(&caps_acks, 0);
	atomic_store(&caps_fails, 0);
	return 0;
}

/* One listing of the threads: signal each not asked yet (but the caller). Returns how many
 * were signalled, or -1 with err. */
static int caps_signal_new(pid_t *done, size_t *ndone, int sig, char *err, size_t errlen)
{
	pid_t self = (pid_t)syscall(SYS_gettid), pid = getpid();
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int sent = 0;

	if (!d) {
		snprintf(err, errlen, "/proc/self/task: %s", strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid <= 0 || tid == self || caps_seen(done, *ndone, tid))
			continue;
		if (*ndone == CAPS_MAX_THREADS) {
			closedir(d);
			snprintf(err, errlen, "more than %d threads", CAPS_MAX_THREADS);
			return -1;
		}
		done[(*ndone)++] = tid;
		/* ESRCH: the thread ended between the listing and now, nothing to drop */
		if (syscall(SYS_tgkill, pid, tid, sig) == 0)
			sent++;
	}
	closedir(d);
	return sent;
}

/* Every other thread drops to the sets in its handler: rounds until a listing of the threads
 * shows none that was not asked (a thread created meanwhile by one already dropped inherits
 * the dropped set, but it is asked anyway), each waiting for the answers. */
static int caps_drop_others(int sig, char *err, size_t errlen)
{
	static pid_t done[CAPS_MAX_THREADS];
	size_t ndone = 0;
	int sent = 0;

	for (int round = 0; round < 8; round++) {
		int new_threads = caps_signal_new(done, &ndone, sig, err, errlen);
		if (new_threads < 0)
			return -1;
		if (!new_threads)
			break;
		sent += new_threads;
		/* a thread that blocks the signal never answers: give up after 2 s and say so */
		for (int i = 0; i < 2000 && atomic_load(&caps_acks) < sent; i++)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
		if (atomic_load(&caps_acks) < sent) {
			snprintf(err, errlen, "%d of %d threads did not answer the capability drop signal",
				 sent - atomic_load(&caps_acks), sent);
			return -1;
		}
	}
	return 0;
}

/* The proof: every thread's effective set as the kernel reports it. */
static int caps_verify(char *err, size_t errlen)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d) {
		snprintf(err, errlen, "/proc/self/task: %s", strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char p[300];
		bool ok;
		uint64_t eff;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/proc/self/task/%s/status", e->d_name);
		eff = caps_status_eff(p, &ok);
		if (ok && eff != caps_keep_mask) {
			snprintf(err, errlen, "thread %s still has CapEff %016" PRIx64 " (wanted %016" PRIx64 ")",
				 e->d_name, eff, caps_keep_mask);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int lab_caps_keep(const int *keep, size_t n, char *err, size_t errlen)
{
	int sig = SIGRTMIN + 3;
	struct sigaction sa = {0}, old;

	if (caps_prepare(keep, n, err, errlen) < 0)
		return -1;
	/* SA_RESTART: a library thread blocked in accept() or recvmsg() must not see EINTR (DPDK's
	 * telemetry thread quits on it); epoll_wait returns EINTR regardless and DPDK retries it */
	sa.sa_handler = caps_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) != 0) {
		snprintf(err, errlen, "sigaction: %s", strerror(errno));
		return -1;
	}
	if (caps_drop_others(sig, err, errlen) < 0)
		goto fail;
	if (caps_apply_self() != 0 || atomic_load(&caps_fails)) {
		snprintf(err, errlen, "capset/PR_CAPBSET_DROP failed: %s (needs CAP_SETPCAP to start with)",
			 strerror(errno));
		goto fail;
	}
	sigaction(sig, &old, NULL);
	return caps_verify(err, errlen);
fail:
	sigaction(sig, &old, NULL);
	return -1;
}

int lab_scope_check_iface(const char *iface, bool hw, char *err, size_t errlen)
{
	struct stat self, named;
	char p[300];
	if (hw) {
		snprintf(p, sizeof(p), "/sys/class/net/%s/device", iface);
		if (stat(p, &self) != 0) {
			snprintf(err, errlen, "--hw: %s is not a hardware interface (no %s)", iface, p);
			return -1;
		}
		return 0;
	}
	/* a lab namespace is one `setup/lab up` named <prefix>-gen or <prefix>-dut: its bind mount
	 * in /run/netns is the same nsfs inode as ours. (Comparing with PID 1's namespace would
	 * need ptrace access to PID 1, which a sandbox may deny even to root.) */
	if (stat("/proc/self/ns/net", &self) != 0) {
		snprintf(err, errlen, "/proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	bool lab = false;
	while (d && !lab && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || (strcmp(e->d_name + l - 4, "-gen") && strcmp(e->d_name + l - 4, "-dut")))
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", e->d_name);
		lab = stat(p, &named) == 0 && named.st_dev == self.st_dev && named.st_ino == self.st_ino;
	}
	if (d)
		closedir(d);
	if (!lab) {
		snprintf(err, errlen, "%s is outside the lab's network namespaces: run inside one "
			 "(ip netns exec <prefix>-dut|gen ...); a real NIC is named with --hw", iface);
		return -1;
	}
	return 0;
}
