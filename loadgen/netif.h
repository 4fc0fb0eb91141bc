/* netif.h — what lab-gen learns about its interface: index, MTU, MAC, an address of a family,
 * whether it is hardware, and a neighbour's MAC from the kernel's table (rtnetlink). */
#ifndef LAB_GEN_NETIF_H
#define LAB_GEN_NETIF_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* 0, or -errno. */
int gen_if_mtu(const char *iface, uint32_t *mtu);
int gen_if_mac(const char *iface, uint8_t mac[6]);
/* The first address of family on iface (IPv6: not link-local). 0 or -ENOENT. */
int gen_if_addr(const char *iface, int family, struct in6_addr *addr);
/* A real device (it has /sys/class/net/IF/device), not a veth, bridge or tunnel. */
bool gen_if_is_hw(const char *iface);
/* The MAC of addr in iface's neighbour table (any state with a link-layer address). 0, -ENOENT. */
int gen_neigh_mac(const char *iface, int family, const struct in6_addr *addr, uint8_t mac[6]);
/* "aa:bb:cc:dd:ee:ff" -> mac; 0 or -1. */
int gen_parse_mac(const char *s, uint8_t mac[6]);

#endif
