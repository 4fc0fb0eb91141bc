/* kfwd_ctr.c — the kernel forwarding counters lab-kfwd reads, and their split into its keys. */
#include "kfwd_ctr.h"

#include <errno.h>
#include <stdlib.h>

#include "kern_snmp.h"

const struct kfwd_ctr_def kfwd_ctr_defs[KF_COUNT] = {
	[KF4_FORW] = {KF_SNMP, "Ip", "ForwDatagrams", "Ip.ForwDatagrams"},
	[KF4_HDR] = {KF_SNMP, "Ip", "InHdrErrors", "Ip.InHdrErrors"},
	[KF4_CSUM] = {KF_NETSTAT, "IpExt", "InCsumErrors", "IpExt.InCsumErrors"},
	[KF4_TRUNC] = {KF_NETSTAT, "IpExt", "InTruncatedPkts", "IpExt.InTruncatedPkts"},
	[KF4_ADDR] = {KF_SNMP, "Ip", "InAddrErrors", "Ip.InAddrErrors"},
	[KF4_INNOROUTE] = {KF_NETSTAT, "IpExt", "InNoRoutes", "IpExt.InNoRoutes"},
	[KF4_OUTNOROUTE] = {KF_SNMP, "Ip", "OutNoRoutes", "Ip.OutNoRoutes"},
	[KF4_INDISC] = {KF_SNMP, "Ip", "InDiscards", "Ip.InDiscards"},
	[KF4_OUTDISC] = {KF_SNMP, "Ip", "OutDiscards", "Ip.OutDiscards"},
	[KF4_DELIV] = {KF_SNMP, "Ip", "InDelivers", "Ip.InDelivers"},
	[KF4_TIMEEXC] = {KF_SNMP, "Icmp", "OutTimeExcds", "Icmp.OutTimeExcds"},
	[KF6_FORW] = {KF_SNMP6, NULL, "Ip6OutForwDatagrams", "Ip6OutForwDatagrams"},
	[KF6_HDR] = {KF_SNMP6, NULL, "Ip6InHdrErrors", "Ip6InHdrErrors"},
	[KF6_TRUNC] = {KF_SNMP6, NULL, "Ip6InTruncatedPkts", "Ip6InTruncatedPkts"},
	[KF6_ADDR] = {KF_SNMP6, NULL, "Ip6InAddrErrors", "Ip6InAddrErrors"},
	[KF6_INNOROUTE] = {KF_SNMP6, NULL, "Ip6InNoRoutes", "Ip6InNoRoutes"},
	[KF6_OUTNOROUTE] = {KF_SNMP6, NULL, "Ip6OutNoRoutes", "Ip6OutNoRoutes"},
	[KF6_INDISC] = {KF_SNMP6, NULL, "Ip6InDiscards", "Ip6InDiscards"},
	[KF6_OUTDISC] = {KF_SNMP6, NULL, "Ip6OutDiscards", "Ip6OutDiscards"},
	[KF6_DELIV] = {KF_SNMP6, NULL, "Ip6InDelivers", "Ip6InDelivers"},
	[KF6_TIMEEXC] = {KF_SNMP6, NULL, "Icmp6OutTimeExcds", "Icmp6OutTimeExcds"},
};

int kfwd_ctrs_parse(const char *snmp, const char *netstat, const char *snmp6, struct kfwd_ctrs *c)
{
	int missing = 0;
	c->missing = 0;
	for (int i = 0; i < KF_COUNT; i++) {
		const struct kfwd_ctr_def *d = &kfwd_ctr_defs[i];
		const char *text = d->src == KF_SNMP ? snmp : d->src == KF_NETSTAT ? netstat : snmp6;
		int rc = !text ? -1
			 : d->src == KF_SNMP6 ? kern_snmp6_field(text, d->field, &c->v[i])
					      : kern_snmp_field(text, d->table, d->field, &c->v[i]);
		if (rc < 0) {
			c->v[i] = 0;
			c->missing |= 1u << i;
			missing++;
		}
	}
	return missing;
}

int kfwd_ctrs_read(struct kfwd_ctrs *c)
{
	char *snmp = kern_slurp("/proc/net/snmp"), *netstat, *snmp6;
	if (!snmp)
		return -1;
	netstat = kern_slurp("/proc/net/netstat");
	snmp6 = kern_slurp("/proc/net/snmp6");
	kfwd_ctrs_parse(snmp, netstat, snmp6, c);
	free(snmp);
	free(netstat);
	free(snmp6);
	return 0;
}

static uint64_t d(const struct kfwd_ctrs *now, const struct kfwd_ctrs *start, enum kfwd_ctr i)
{
	return now->v[i] > start->v[i] ? now->v[i] - start->v[i] : 0;
}

void kfwd_split(const struct kfwd_ctrs *now, const struct kfwd_ctrs *start, struct kfwd_split *s)
{
	uint64_t hdr4 = d(now, start, KF4_HDR), csum4 = d(now, start, KF4_CSUM);
	s->forwarded = d(now, start, KF4_FORW) + d(now, start, KF6_FORW);
	s->local = d(now, start, KF4_DELIV) + d(now, start, KF6_DELIV);
	s->in_discards = d(now, start, KF4_INDISC) + d(now, start, KF6_INDISC);
	s->out_discards = d(now, start, KF4_OUTDISC) + d(now, start, KF6_OUTDISC);
	/* the kernel counts a bad IPv4 header checksum in InHdrErrors too (and InCsumErrors):
	 * here it is malformed, the rest of InHdrErrors a TTL that ran out (or another bad header) */
	s->ttl_expired = (hdr4 > csum4 ? hdr4 - csum4 : 0) + d(now, start, KF6_HDR);
	s->in_malformed = csum4 + d(now, start, KF4_TRUNC) + d(now, start, KF6_TRUNC);
	s->no_route = d(now, start, KF4_OUTNOROUTE) + d(now, start, KF4_ADDR) +
		      d(now, start, KF4_INNOROUTE) + d(now, start, KF6_OUTNOROUTE) +
		      d(now, start, KF6_ADDR) + d(now, start, KF6_INNOROUTE);
	s->time_exceeded = d(now, start, KF4_TIMEEXC) + d(now, start, KF6_TIMEEXC);
}
