/* kern_snmp.h — the counters of a network namespace, from /proc/net/snmp (IPv4), /proc/net/netstat
 * and /proc/net/snmp6 (IPv6): the UDP receive-buffer drops (lab-kern) and the IP forwarding
 * counters (lab-kfwd): the parsers take the files' text so they can be tested on saved
 * copies. The counters are per namespace (every UDP socket in it), not per socket. */
#ifndef KERN_SNMP_H
#define KERN_SNMP_H

#include <stdbool.h>
#include <stdint.h>

/* "Udp: ... RcvbufErrors ..." header line and the value line after it. Returns 0 and sets *v,
 * or -1 when the text holds no Udp table with that column (UdpLite: is not Udp:). */
int kern_snmp_udp_rcvbuf(const char *text, uint64_t *v);
/* Any column of a table of /proc/net/snmp or /proc/net/netstat: table "Ip", "Icmp", "IpExt"...
 * (the same two-line layout). 0 and *v, or -1 when the table or the column is absent. */
int kern_snmp_field(const char *text, const char *table, const char *field, uint64_t *v);
/* Any "<name> <value>" line of /proc/net/snmp6 ("Ip6OutForwDatagrams"). 0 or -1. */
int kern_snmp6_field(const char *text, const char *field, uint64_t *v);
/* The whole of a small procfs file, NUL-terminated (free it), or NULL with errno set. */
char *kern_slurp(const char *path);
/* "Udp6RcvbufErrors <value>". Returns 0 and sets *v, or -1 when absent. */
int kern_snmp6_udp_rcvbuf(const char *text, uint64_t *v);

/* Both, read from this process's namespace (/proc/net/...). A file that is missing (IPv6
 * disabled) counts as 0 and clears *have6. Returns 0, or -1 when /proc/net/snmp cannot be read
 * or parsed. */
int kern_snmp_read(uint64_t *udp4, uint64_t *udp6, bool *have6);
/* The UDP checksum failures (InCsumErrors, Udp6InCsumErrors) of this namespace: a socket's
 * sk_drops counts them too, so its other drops are sk_drops - RcvbufErrors - these. 0, or -1
 * when /proc/net/snmp has no such column (each missing one reads 0). */
int kern_snmp_read_csum(uint64_t *csum4, uint64_t *csum6);

#endif
