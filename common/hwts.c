/* hwts.c — the hardware timestamping probe (hwts.h). */
#include "hwts.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int ethtool_ioctl(const char *iface, void *data, char *why, size_t whylen)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = data;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	if (rc < 0)
		snprintf(why, whylen, "%s: SIOCETHTOOL: %s", iface, strerror(errno));
	close(fd);
	return rc;
}

static void driver_name(const char *iface, char *out, size_t len)
{
	struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
	char why[128];
	snprintf(out, len, "%s", iface);
	if (ethtool_ioctl(iface, &di, why, sizeof(why)) == 0 && di.driver[0])
		snprintf(out, len, "%s (driver %s)", iface, di.driver);
}

int lab_hwts_probe(const char *iface, char *why, size_t whylen)
{
	struct ethtool_ts_info ti = {.cmd = ETHTOOL_GET_TS_INFO};
	const unsigned need = SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE |
			      SOF_TIMESTAMPING_RAW_HARDWARE;
	char name[96];
	if (!iface || !*iface || !if_nametoindex(iface)) {
		snprintf(why, whylen, "no interface '%s' here", iface ? iface : "");
		return -1;
	}
	if (ethtool_ioctl(iface, &ti, why, whylen) < 0)
		return -1;
	driver_name(iface, name, sizeof(name));
	if (ti.phc_index < 0) {
		snprintf(why, whylen, "%s has no PTP hardware clock (ethtool -T: PTP Hardware Clock: none)",
			 name);
		return 0;
	}
	if ((ti.so_timestamping & need) != need) {
		snprintf(why, whylen, "%s has PHC %d but not hardware-transmit, hardware-receive and "
			 "hardware-raw-clock stamping", name, ti.phc_index);
		return 0;
	}
	snprintf(why, whylen, "%s: PHC %d, hardware TX/RX stamps", name, ti.phc_index);
	return 1;
}

void lab_hwts_require(const char *flag, const char *iface)
{
	char why[256];
	int rc = lab_hwts_probe(iface, why, sizeof(why));
	if (rc == 1)
		lab_die(LAB_EXIT_USAGE, "%s hw: %s, but converting PHC time to CLOCK_MONOTONIC is not "
			"implemented yet; use --stamps kernel", flag, why);
	lab_die(LAB_EXIT_USAGE, "%s hw: %s; use --stamps kernel or user", flag, why);
}
