/* kfwd_sys.c — lab-kfwd's dealings with the namespace: the forwarding sysctls (read, turned on,
 * put back) and the interface counters (sysfs statistics, the root qdiscs' drops over rtnetlink). */
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kfwd.h"
#include "log.h"
#include "netif.h"

static int read_line(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(out, (int)cap, f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int write_value(const char *path, const char *v)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	if (fputs(v, f) < 0 || fputc('\n', f) < 0) {
		int e = errno;
		fclose(f);
		errno = e;
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void save(struct kfwd *k, const char *fmt, const char *iface)
{
	struct kfwd_sysctl *s;
	if (k->n_sc >= KFWD_SYSCTL_MAX)
		return;
	s = &k->sc[k->n_sc++];
	snprintf(s->path, sizeof(s->path), fmt, iface ? iface : "");
	s->have = read_line(s->path, s->old, sizeof(s->old)) == 0;
}

/* In the order they are put back: the namespace-wide switches first (writing one sets every
 * interface's), then the defaults and the two interfaces as they were. */
static void save_all(struct kfwd *k)
{
	const char *ifs[2] = {k->dut.cfg.iface, k->out_iface};
	save(k, "/proc/sys/net/ipv4/ip_forward", NULL);
	save(k, "/proc/sys/net/ipv4/conf/all/accept_redirects", NULL); /* ip_forward flips it */
	save(k, "/proc/sys/net/ipv4/conf/default/forwarding", NULL);
	for (int i = 0; i < 2; i++)
		save(k, "/proc/sys/net/ipv4/conf/%s/forwarding", ifs[i]);
	save(k, "/proc/sys/net/ipv6/conf/all/forwarding", NULL);
	save(k, "/proc/sys/net/ipv6/conf/default/forwarding", NULL);
	for (int i = 0; i < 2; i++)
		save(k, "/proc/sys/net/ipv6/conf/%s/forwarding", ifs[i]);
}

int kfwd_forwarding_on(struct kfwd *k)
{
	save_all(k);
	if (!k->sc[0].have) {
		lab_err("%s: %s", k->sc[0].path, strerror(errno));
		return -1;
	}
	k->was_on = !strcmp(k->sc[0].old, "1");
	if (k->was_on)
		lab_warn("IPv4 forwarding is on in this namespace already (another lab-kfwd?): "
			 "it is left as found at exit");
	k->enabled = true;
	if (write_value(k->sc[0].path, "1") < 0) {
		lab_err("turning IPv4 forwarding on (%s): %s", k->sc[0].path, strerror(errno));
		return -1;
	}
	/* IPv6: the "all" switch, when IPv6 is there at all */
	for (unsigned i = 0; i < k->n_sc; i++)
		if (strstr(k->sc[i].path, "ipv6/conf/all/") && k->sc[i].have &&
		    write_value(k->sc[i].path, "1") < 0)
			lab_warn("turning IPv6 forwarding on (%s): %s: IPv6 is not forwarded",
				 k->sc[i].path, strerror(errno));
	return 0;
}

int kfwd_rps_on(struct kfwd *k, int cpu)
{
	char mask[300] = "", path[200];
	int groups = cpu / 32 + 1, n = 0, set = 0;
	if (cpu < 0 || cpu >= 1024)
		return 0;
	/* the hex mask in 32-bit groups, highest first: "2", "1,00000000" */
	for (int g = groups - 1; g >= 0; g--) {
		uint32_t w = g == cpu / 32 ? 1u << (cpu % 32) : 0;
		n += snprintf(mask + n, sizeof(mask) - (size_t)n, g == groups - 1 ? "%x" : ",%08x", w);
	}
	for (int q = 0; q < 64; q++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%d/rps_cpus", k->dut.cfg.iface, q);
		if (access(path, F_OK) != 0)
			break;
		if (k->n_sc >= KFWD_SYSCTL_MAX) {
			lab_warn("%s: more RX queues than lab-kfwd keeps: the rest left as they are", k->dut.cfg.iface);
			break;
		}
		struct kfwd_sysctl *sc = &k->sc[k->n_sc];
		snprintf(sc->path, sizeof(sc->path), "%s", path);
		sc->have = read_line(path, sc->old, sizeof(sc->old)) == 0;
		if (!sc->have || strlen(mask) >= sizeof(sc->old))
			continue;
		k->n_sc++;
		if (write_value(path, mask) < 0) {
			lab_err("steering %s's receive processing to cpu %d (%s): %s", k->dut.cfg.iface, cpu,
				path, strerror(errno));
			return -1;
		}
		set++;
	}
	if (!set) {
		lab_err("%s has no RX queue with rps_cpus (a kernel without CONFIG_RPS?): the kernel "
			"forwards where the interrupt or the sender's softirq runs", k->dut.cfg.iface);
		return -1;
	}
	k->rps_cpu = cpu;
	return 0;
}

void kfwd_forwarding_restore(struct kfwd *k)
{
	if (!k->enabled || k->restored)
		return;
	k->restored = true;
	for (unsigned i = 0; i < k->n_sc; i++) {
		char now[32];
		const struct kfwd_sysctl *s = &k->sc[i];
		if (!s->have || (read_line(s->path, now, sizeof(now)) == 0 && !strcmp(now, s->old)))
			continue;
		if (write_value(s->path, s->old) < 0) {
			k->restore_errors++;
			lab_err("putting back %s = %s: %s", s->path, s->old, strerror(errno));
		}
	}
}

static uint64_t stat_of(const char *iface, const char *name)
{
	char path[256], v[32];
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", iface, name);
	if (read_line(path, v, sizeof(v)) < 0)
		return 0;
	return strtoull(v, NULL, 10);
}

/* The drops of one qdisc message, if it is a root qdisc of ifindex. */
static uint64_t qdisc_msg_drops(const struct nlmsghdr *nh, int ifindex)
{
	const struct tcmsg *tc = NLMSG_DATA(nh);
	int len = (int)NLMSG_PAYLOAD(nh, sizeof(*tc));
	uint64_t drops = 0;
	if (tc->tcm_ifindex != ifindex || tc->tcm_parent != TC_H_ROOT)
		return 0;
	for (const struct rtattr *a = (const struct rtattr *)((const char *)tc + NLMSG_ALIGN(sizeof(*tc)));
	     RTA_OK(a, len);
	     a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_STATS2) {
			int l2 = (int)RTA_PAYLOAD(a);
			for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, l2); b = RTA_NEXT(b, l2))
				if (b->rta_type == TCA_STATS_QUEUE &&
				    RTA_PAYLOAD(b) >= sizeof(struct gnet_stats_queue))
					return ((struct gnet_stats_queue *)RTA_DATA(b))->drops;
		} else if (a->rta_type == TCA_STATS && RTA_PAYLOAD(a) >= sizeof(struct tc_stats)) {
			drops = ((struct tc_stats *)RTA_DATA(a))->drops;
		}
	}
	return drops;
}

struct qdisc_sum {
	int ifindex;
	uint64_t drops;
};

static int qdisc_msg(const struct nlmsghdr *nh, void *arg)
{
	struct qdisc_sum *q = arg;
	if (nh->nlmsg_type == RTM_NEWQDISC)
		q->drops += qdisc_msg_drops(nh, q->ifindex);
	return 0;
}

/* The root qdiscs' drops of iface (noqueue, a veth's default: none). 0 or -errno. */
static int qdisc_drops(const char *iface, uint64_t *drops)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {.nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETQDISC,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1}};
	struct qdisc_sum q = {(int)if_nametoindex(iface), 0};
	int rc;
	*drops = 0;
	if (!q.ifindex)
		return -ENODEV;
	req.tc.tcm_ifindex = q.ifindex;
	rc = lab_nl_dump(&req, sizeof(req), qdisc_msg, &q);
	*drops = q.drops;
	return rc;
}

void kfwd_link_read(struct kfwd *k, struct kfwd_link *l)
{
	l->rx_packets = stat_of(k->dut.cfg.iface, "rx_packets");
	l->tx_dropped = stat_of(k->out_iface, "tx_dropped");
	k->qdisc_ok = qdisc_drops(k->out_iface, &l->qdisc_drops) == 0;
}
