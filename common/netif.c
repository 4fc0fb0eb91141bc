/* netif.c — see netif.h. Plain sysfs, getifaddrs and one rtnetlink neighbour dump: no
 * dependency beyond libc. */
#include "netif.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/ethtool.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_sys(const char *iface, const char *file, char *buf, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", iface, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -EIO;
}

int lab_if_mtu(const char *iface, uint32_t *mtu)
{
	char buf[32];
	int rc = read_sys(iface, "mtu", buf, sizeof(buf));
	if (rc)
		return rc;
	*mtu = (uint32_t)strtoul(buf, NULL, 10);
	return 0;
}

int lab_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

int lab_if_mac(const char *iface, uint8_t mac[6])
{
	char buf[64];
	int rc = read_sys(iface, "address", buf, sizeof(buf));
	if (rc)
		return rc;
	buf[strcspn(buf, "\n")] = 0;
	return lab_parse_mac(buf, mac) ? -EINVAL : 0;
}

bool lab_if_is_hw(const char *iface)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", iface);
	return stat(path, &st) == 0;
}

int lab_if_addr(const char *iface, int family, struct in6_addr *addr)
{
	struct ifaddrs *ifa, *i;
	int rc = -ENOENT;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, iface))
			continue;
		memset(addr, 0, sizeof(*addr));
		if (family == AF_INET) {
			memcpy(addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else {
			const struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			*addr = *a;
		}
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	return rc;
}

int lab_nl_dump(const void *req, size_t len, int (*fn)(const struct nlmsghdr *nh, void *arg),
		void *arg)
{
	char buf[16384] __attribute__((aligned(4)));
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc = 0;

	if (fd < 0)
		return -errno;
	if (send(fd, req, len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	for (bool done = false; !done;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			fn(nh, arg);
		}
	}
out:
	close(fd);
	return rc;
}

struct neigh_want {
	int ifindex, family;
	size_t alen;
	const struct in6_addr *addr;
	uint8_t *mac;
	bool found;
};

static int neigh_msg(const struct nlmsghdr *nh, void *arg)
{
	struct neigh_want *w = arg;
	const struct ndmsg *nd = NLMSG_DATA(nh);
	const uint8_t *dst = NULL, *ll = NULL;
	int left = (int)NLMSG_PAYLOAD(nh, sizeof(*nd));

	if (nh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != w->ifindex ||
	    nd->ndm_family != w->family || (nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE)))
		return 0;
	for (const struct rtattr *a = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == w->alen)
			dst = RTA_DATA(a);
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			ll = RTA_DATA(a);
	}
	if (dst && ll && memcmp(dst, w->addr, w->alen) == 0) {
		memcpy(w->mac, ll, 6);
		w->found = true;
	}
	return 0;
}

int lab_neigh_mac(const char *iface, int family, const struct in6_addr *addr, uint8_t mac[6])
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req = {.nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNEIGH,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
		 .nd = {.ndm_family = (uint8_t)family}};
	struct neigh_want w = {(int)if_nametoindex(iface), family, family == AF_INET ? 4 : 16,
			       addr, mac, false};
	int rc;

	if (!w.ifindex)
		return -ENODEV;
	rc = lab_nl_dump(&req, sizeof(req), neigh_msg, &w);
	return rc < 0 ? rc : w.found ? 0 : -ENOENT;
}

void lab_ethtool_free(struct lab_ethtool *e)
{
	free(e->names);
	free(e->vals);
	*e = (struct lab_ethtool){0};
}

static int ethtool_ioctl(int fd, const char *iface, void *data)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	ifr.ifr_data = data;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* The names of n statistics into e (reallocated when n changed). 0 or -errno. */
static int ethtool_names(int fd, const char *iface, uint32_t n, struct lab_ethtool *e)
{
	struct ethtool_gstrings *gs = calloc(1, sizeof(*gs) + (size_t)n * ETH_GSTRING_LEN);
	int rc = -ENOMEM;
	if (!gs)
		return rc;
	lab_ethtool_free(e);
	e->names = calloc(n, sizeof(*e->names));
	e->vals = calloc(n, sizeof(*e->vals));
	if (!e->names || !e->vals)
		goto out;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = n;
	if ((rc = ethtool_ioctl(fd, iface, gs)) < 0)
		goto out;
	for (uint32_t i = 0; i < n && i < gs->len; i++)
		memcpy(e->names[i], gs->data + (size_t)i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
	e->n = n;
out:
	if (rc < 0)
		lab_ethtool_free(e);
	free(gs);
	return rc;
}

int lab_ethtool_read(const char *iface, struct lab_ethtool *e)
{
	struct ethtool_sset_info *si = NULL;
	struct ethtool_stats *st = NULL;
	uint32_t n;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -errno;
	si = calloc(1, sizeof(*si) + sizeof(__u32));
	rc = si ? 0 : -ENOMEM;
	if (!rc) {
		si->cmd = ETHTOOL_GSSET_INFO;
		si->sset_mask = 1ull << ETH_SS_STATS;
		rc = ethtool_ioctl(fd, iface, si);
	}
	if (rc == -EOPNOTSUPP) { /* a driver without statistics */
		lab_ethtool_free(e);
		rc = 0;
		goto out;
	}
	n = !rc && si->sset_mask ? si->data[0] : 0;
	if (rc || !n) {
		if (!rc)
			lab_ethtool_free(e);
		goto out;
	}
	if (n != e->n && (rc = ethtool_names(fd, iface, n, e)) < 0)
		goto out;
	st = calloc(1, sizeof(*st) + (size_t)n * sizeof(__u64));
	if (!st) {
		rc = -ENOMEM;
		goto out;
	}
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = n;
	if ((rc = ethtool_ioctl(fd, iface, st)) < 0)
		goto out;
	for (uint32_t i = 0; i < n && i < st->n_stats; i++)
		e->vals[i] = st->data[i];
out:
	free(si);
	free(st);
	close(fd);
	return rc;
}
