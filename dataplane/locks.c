/* locks.c — one lab-dpdk per file prefix and per port: the EAL's own lock on its runtime config
 * names the holder of a prefix; abstract unix sockets (per network namespace, released with the
 * process even after kill -9) hold the port, and keep lab-dpdk and an AF_XDP port of lab-xsk or
 * lab-gen off each other's interface. Every refusal is one line and exit 1. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp.h"
#include "log.h"

/* [0]: --iface or --pci, [1]: --forward's --out-iface */
static int port_lock_fd[2] = {-1, -1}, xsk_lock_fd[2] = {-1, -1};

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

/* "\0name" in sa (the abstract namespace); returns the address length. */
static socklen_t abstract_name(struct sockaddr_un *sa, const char *name)
{
	int len = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len);
}

/* lab-xsk and lab-gen's xsk backend hold the abstract name "lab-xsk:<ifindex>" (xdp/xsk_port.c)
 * while their AF_XDP port runs. Without this check the af_xdp vdev fails on their XDP program
 * and the auto driver quietly falls back to af_packet beside them; we take the same name, so
 * they are refused while we run, too. */
static void refuse_xsk_port(int i, const char *iface)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	unsigned ifindex = iface ? if_nametoindex(iface) : 0;
	char name[64];
	if (dp.cfg.pci || !ifindex)
		return;
	snprintf(name, sizeof(name), "lab-xsk:%u", ifindex);
	socklen_t len = abstract_name(&sa, name);
	xsk_lock_fd[i] = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (xsk_lock_fd[i] < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_UNIX): %s", strerror(errno));
	if (bind(xsk_lock_fd[i], (struct sockaddr *)&sa, len) == 0)
		return;
	if (errno == EADDRINUSE)
		lab_die(LAB_EXIT_RUNTIME, "%s already has a lab AF_XDP port (lab-xsk or lab-gen) "
			"running on it: stop that one first", iface);
	lab_die(LAB_EXIT_RUNTIME, "xsk lock for %s: %s", iface, strerror(errno));
}

/* The holder of the port lock listens on it: SO_PEERCRED names its pid. */
static void refuse_same_port(int i, const char *what)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char name[128];
	if (!what)
		return;
	snprintf(name, sizeof(name), "lab-dpdk:%s", what);
	socklen_t len = abstract_name(&sa, name);
	port_lock_fd[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (port_lock_fd[i] < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_UNIX): %s", strerror(errno));
	if (bind(port_lock_fd[i], (struct sockaddr *)&sa, len) == 0) {
		listen(port_lock_fd[i], 4);
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
		"%s already has a lab-dpdk on it in this network namespace (pid %d):"
		" stop that one first", what, (int)cred.pid);
}

void dp_lock_instance(void)
{
	refuse_same_prefix();
	refuse_same_port(0, dp.cfg.pci ? dp.cfg.pci : dp.dut.cfg.iface);
	refuse_xsk_port(0, dp.dut.cfg.iface);
	if (dp.cfg.forward) {
		refuse_same_port(1, dp.cfg.out_iface);
		refuse_xsk_port(1, dp.cfg.out_iface);
	}
}

void dp_unlock_instance(void)
{
	for (int i = 0; i < 2; i++) {
		if (port_lock_fd[i] >= 0)
			close(port_lock_fd[i]);
		if (xsk_lock_fd[i] >= 0)
			close(xsk_lock_fd[i]);
		port_lock_fd[i] = xsk_lock_fd[i] = -1;
	}
}
