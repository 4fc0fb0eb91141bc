/* netif.h — what a lab program learns about an interface: index, MTU, MAC, an address of a family,
 * whether it is hardware, and a neighbour's MAC from the kernel's table (rtnetlink). */
#ifndef LAB_NETIF_H
#define LAB_NETIF_H

#include <stdbool.h>
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
/* "aa:bb:cc:dd:ee:ff" -> mac; 0 or -1. */
int lab_parse_mac(const char *s, uint8_t mac[6]);

#endif
