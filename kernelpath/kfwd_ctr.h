/* kfwd_ctr.h — what lab-kfwd reads of the kernel's own IP forwarding: the counters of
 * /proc/net/snmp, /proc/net/netstat (IpExt) and /proc/net/snmp6 it needs, parsed from the files'
 * text (so the unit tests feed saved copies), and the split of their change since start into the
 * stats JSON's keys, each packet in one key. The counters are the namespace's (the DUT's). */
#ifndef KFWD_CTR_H
#define KFWD_CTR_H

#include <stdint.h>

enum kfwd_ctr {
	KF4_FORW, KF4_HDR, KF4_CSUM, KF4_TRUNC, KF4_ADDR, KF4_INNOROUTE, KF4_OUTNOROUTE,
	KF4_INDISC, KF4_OUTDISC, KF4_DELIV, KF4_TIMEEXC,
	KF6_FORW, KF6_HDR, KF6_TRUNC, KF6_ADDR, KF6_INNOROUTE, KF6_OUTNOROUTE,
	KF6_INDISC, KF6_OUTDISC, KF6_DELIV, KF6_TIMEEXC,
	KF_COUNT
};

enum kfwd_src { KF_SNMP, KF_NETSTAT, KF_SNMP6 };

struct kfwd_ctr_def {
	enum kfwd_src src;
	const char *table; /* KF_SNMP / KF_NETSTAT: "Ip", "Icmp", "IpExt"; KF_SNMP6: NULL */
	const char *field; /* the column ("ForwDatagrams") or the snmp6 name ("Ip6OutForwDatagrams") */
	const char *name;  /* in the JSON: "Ip.ForwDatagrams", "Ip6OutForwDatagrams" */
};
extern const struct kfwd_ctr_def kfwd_ctr_defs[KF_COUNT];

struct kfwd_ctrs {
	uint64_t v[KF_COUNT];
	uint32_t missing; /* bit i: counter i absent from the text (read as 0) */
};

/* Parse the three texts (snmp6 may be NULL: IPv6 off). Returns how many counters are missing. */
int kfwd_ctrs_parse(const char *snmp, const char *netstat, const char *snmp6, struct kfwd_ctrs *c);
/* The same from this process's /proc/net. 0, or -1 (errno) when /proc/net/snmp cannot be read. */
int kfwd_ctrs_read(struct kfwd_ctrs *c);

/* The change since start, split: every packet the kernel took in on the way through in one key. */
struct kfwd_split {
	uint64_t forwarded;      /* Ip ForwDatagrams + Ip6OutForwDatagrams */
	uint64_t local;          /* delivered to the DUT itself (InDelivers): not forwarded, not lab */
	uint64_t in_discards;    /* InDiscards */
	uint64_t out_discards;   /* OutDiscards */
	uint64_t ttl_expired;    /* InHdrErrors less IPv4 checksum errors: TTL / hop limit <= 1 */
	uint64_t in_malformed;   /* IPv4 header checksum errors, IP length beyond the frame */
	uint64_t no_route;       /* OutNoRoutes + InAddrErrors + InNoRoutes */
	uint64_t time_exceeded;  /* ICMP time exceeded sent (rate limited: below ttl_expired) */
};
void kfwd_split(const struct kfwd_ctrs *now, const struct kfwd_ctrs *start, struct kfwd_split *s);

#endif
