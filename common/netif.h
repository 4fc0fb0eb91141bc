/* netif.h — what a lab program learns about an interface: index, MTU, MAC, an address of a family,
 * whether it is hardware, and a neighbour's MAC from the kernel's table (rtnetlink). */
#ifndef LAB_NETIF_H
#define LAB_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* 0, or -errno. */
int lab_if_mtu(const char *iface, uint32_t *mtu);
int lab_if_mac(const char *iface, uint8_t mac[6]);
/* The first address of family on iface (IPv6: not link-local). 0 or -ENOENT. */
int lab_if_addr(const char *iface, int family, struct in6_addr *addr);
/* A real device (it has /sys/class/net/IF/device), not a veth, bridge or tunnel. */
bool lab_if_is_hw(const char *iface);
/* The MAC of addr in iface's neighbour table (any state with a link-layer address). 0, -ENOENT. */
int lab_neigh_mac(const char *iface, int family, const struct in6_addr *addr, uint8_t mac[6]);
/* The driver's statistics, as `ethtool -S` lists them. */
#define LAB_ETHTOOL_NAME 32 /* ETH_GSTRING_LEN */
struct lab_ethtool {
	uint32_t n;
	char (*names)[LAB_ETHTOOL_NAME + 1];
	uint64_t *vals;
};
/* Read iface's statistics into e (names and values; e zeroed first, or from a previous read of
 * the same iface, whose arrays are reused when the count is the same). 0 (n = 0 when the
 * driver has none), or -errno. */
int lab_ethtool_read(const char *iface, struct lab_ethtool *e);
void lab_ethtool_free(struct lab_ethtool *e);
/* Send an rtnetlink dump request (req, len bytes) and call fn on every message of the answer
 * until its end. 0 or -errno. */
struct nlmsghdr;
int lab_nl_dump(const void *req, size_t len, int (*fn)(const struct nlmsghdr *nh, void *arg),
		void *arg);
/* "aa:bb:cc:dd:ee:ff" -> mac; 0 or -1. */
int lab_parse_mac(const char *s, uint8_t mac[6]);

#endif
