/* nfq_delay.c — nfq-delay --queue N --delay-us D --duration S [--ready-file F]: holds every
 * packet that reaches netfilter queue N for D microseconds (from when this program read it),
 * then accepts it. A fixed, known delay added to the packets an iptables NFQUEUE rule sends
 * here: what `tc qdisc add ... netem delay` would do, for kernels built without sch_netem (this
 * machine's). Netlink by hand (nfnetlink_queue): no library. Every packet is accepted before
 * exit, never dropped; on exit one line: packets held, the hold time p50/max. Test tool, not part
 * of the product; stops by itself after --duration seconds, or on SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "opt_table.h"

#define RING 65536
#define NSAMPLE 1000000

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "nfq-delay: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One nfnetlink_queue message: header, nfgenmsg, one attribute. */
static int send_msg(int fd, uint16_t type, uint16_t flags, uint16_t queue, uint16_t attr,
		    const void *data, size_t len)
{
	char buf[NLMSG_SPACE(sizeof(struct nfgenmsg)) + NLA_HDRLEN + 64] = {0};
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	nh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	struct nfgenmsg *g = NLMSG_DATA(nh);
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
	struct nlattr *a = (struct nlattr *)(buf + NLMSG_SPACE(sizeof(*g)));
	a->nla_type = attr;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nh->nlmsg_len = (uint32_t)(NLMSG_SPACE(sizeof(*g)) + NLA_ALIGN(a->nla_len));
	return send(fd, buf, nh->nlmsg_len, 0) < 0 ? -1 : 0;
}

/* A configuration message, and the kernel's answer to it (an error names the step). */
static void configure(int fd, uint16_t queue, uint16_t attr, const void *data, size_t len,
		      const char *what)
{
	char buf[4096];
	if (send_msg(fd, NFQNL_MSG_CONFIG, NLM_F_ACK, queue, attr, data, len) < 0)
		die(what);
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		die(what);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(nh);
		if (e->error) {
			errno = -e->error;
			die(what);
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct held {
	uint32_t id;
	uint64_t got, due;
};

static struct held ring[RING];
static uint64_t hold_ns[NSAMPLE];
static size_t head, tail, nsample, nheld;

static void accept_one(int fd, uint16_t queue)
{
	struct held *h = &ring[head++ % RING];
	struct nfqnl_msg_verdict_hdr v = {.verdict = htonl(NF_ACCEPT), .id = htonl(h->id)};
	if (send_msg(fd, NFQNL_MSG_VERDICT, 0, queue, NFQA_VERDICT_HDR, &v, sizeof(v)) < 0)
		die("verdict");
	if (nsample < NSAMPLE)
		hold_ns[nsample++] = now_ns() - h->got;
}

/* Every queued packet in buf: remembered with its release time (accepted at once when the ring
 * is full: never dropped). */
static void take(int fd, uint16_t queue, char *buf, ssize_t n, uint64_t delay_ns)
{
	uint64_t t = now_ns();
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
	     nh = NLMSG_NEXT(nh, n)) {
		if ((nh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET)
			continue;
		size_t off = NLMSG_SPACE(sizeof(struct nfgenmsg));
		while (off + NLA_HDRLEN <= nh->nlmsg_len) {
			struct nlattr *a = (struct nlattr *)((char *)nh + off);
			if (a->nla_len < NLA_HDRLEN)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR) {
				struct nfqnl_msg_packet_hdr *ph = (void *)((char *)a + NLA_HDRLEN);
				if (tail - head == RING)
					accept_one(fd, queue);
				ring[tail++ % RING] = (struct held){ntohl(ph->packet_id), t, t + delay_ns};
				nheld++;
			}
			off += NLA_ALIGN(a->nla_len);
		}
	}
}

static void serve(int fd, uint16_t queue, uint64_t delay_ns, uint64_t end)
{
	static char buf[1 << 16];
	while (!stop && now_ns() < end) {
		uint64_t t = now_ns();
		while (head != tail && ring[head % RING].due <= t)
			accept_one(fd, queue);
		uint64_t wait = head != tail ? ring[head % RING].due - t : 100000000ull;
		struct timespec ts = {(time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull)};
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (ppoll(&p, 1, &ts, NULL) > 0) {
			ssize_t n;
			while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
				take(fd, queue, buf, n, delay_ns);
		}
	}
	while (head != tail)
		accept_one(fd, queue); /* nothing held is lost on the way out */
}

/* What the flags fill; -1: not given (all three are required). */
struct nfq_cli {
	int queue, delay_us, duration;
	const char *ready;
};

#define Q(field) LAB_FIELD(struct nfq_cli, field)

static const struct lab_opt opts[] = {
	{.name = "queue", .kind = LAB_OPT_INT, Q(queue), .arg = "N", .max = 65535, .range = true,
	 .help = "the netfilter queue (required)"},
	{.name = "delay-us", .kind = LAB_OPT_INT, Q(delay_us), .arg = "D", .max = 1000000, .range = true,
	 .help = "hold each packet D microseconds (required)"},
	{.name = "duration", .kind = LAB_OPT_INT, Q(duration), .arg = "S", .min = 1, .max = 3600,
	 .range = true, .help = "stop after S seconds (required)"},
	{.name = "ready-file", .kind = LAB_OPT_STR, Q(ready), .arg = "F",
	 .help = "write our pid there once the queue is bound"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs("usage: nfq-delay --queue 0-65535 --delay-us 0-1000000 --duration 1-3600 "
	      "[--ready-file F]\n", f);
	lab_opts_wrap(f, "Holds every packet that reaches netfilter queue N for D microseconds, then "
		      "accepts it (none is dropped): a fixed delay for kernels without sch_netem. A "
		      "test tool.", 0, 0);
	lab_opts_print(f, arg);
}

int main(int argc, char **argv)
{
	struct nfq_cli cli = {.queue = -1, .delay_us = -1, .duration = -1};
	struct lab_opt_group g = {"Flags:", opts, &cli, 0};

	lab_log_init("nfq-delay");
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	if (cli.queue < 0 || cli.delay_us < 0 || cli.duration < 0)
		lab_die(LAB_EXIT_USAGE, "usage: nfq-delay --queue 0-65535 --delay-us 0-1000000 "
			"--duration 1-3600 [--ready-file F]");
	long queue = cli.queue, delay_us = cli.delay_us, duration = cli.duration;
	const char *ready = cli.ready;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time: the default slack is 50 us */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		die("netlink socket");
	int one = 1, rcvbuf = 8 << 20;
	/* room for a stall's worth of packets: a message lost to a full socket would leave its
	 * packet held until exit */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("netlink bind");
	struct nfqnl_msg_config_cmd cmd = {.command = NFQNL_CFG_CMD_BIND};
	configure(fd, (uint16_t)queue, NFQA_CFG_CMD, &cmd, sizeof(cmd), "bind the queue");
	struct nfqnl_msg_config_params par = {.copy_range = htonl(0), .copy_mode = NFQNL_COPY_META};
	configure(fd, (uint16_t)queue, NFQA_CFG_PARAMS, &par, sizeof(par), "copy mode");
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0)
			die(ready);
	}
	serve(fd, (uint16_t)queue, (uint64_t)delay_us * 1000, now_ns() + (uint64_t)duration * 1000000000ull);
	qsort(hold_ns, nsample, sizeof(*hold_ns), cmp_u64);
	fprintf(stderr, "nfq-delay: queue %ld: %zu packets held %ld us; hold p50 %.1f us, max %.1f us\n",
		queue, nheld, delay_us, nsample ? hold_ns[(nsample - 1) / 2] / 1e3 : 0.0,
		nsample ? hold_ns[nsample - 1] / 1e3 : 0.0);
	close(fd);
	return 0;
}
