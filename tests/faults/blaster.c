/* blaster.c — lab-blast: hostile frames at a reflector, for tests/faults/hostile.sh. Sends
 * every broken frame of tests/lib/canned.c's corpus (the good ones are skipped: they are lab
 * traffic) and frames of random bytes, with the destination MAC of the DUT, on an AF_PACKET
 * socket of --iface, for --rounds rounds spaced --gap-us apart; then prints what it sent, by
 * class, as one JSON line. Bounded: at most rounds x (corpus + random) frames. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "canned.h"
#include "lab_constants.h"
#include "log.h"
#include "opt_table.h"
#include "util.h"

static int parse_mac(const char *s, uint8_t m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6
		       ? 0 : -1;
}

/* A random frame's ethertype made one that claims no IP (not IPv4, IPv6, nor a VLAN tag that
 * could carry them): about 1 in 13000 random frames would otherwise claim IP, be judged
 * malformed and break the count the corpus alone decides (CI: lab-dpdk 321 malformed for 320
 * sent). Broken IP headers are the corpus's and the fuzzers' (fuzz_frame) to test. */
static void not_ip(uint8_t *f)
{
	unsigned et = (unsigned)f[12] << 8 | f[13];
	if (et == 0x0800 || et == 0x86DD || et == 0x8100 || et == 0x88A8 || et == 0x9100)
		f[12] ^= 0x40;
}

/* What the flags fill. */
struct blast_cli {
	const char *iface, *dst_mac;
	uint64_t rounds, nrand, gap_us, seed;
};

#define B(field) LAB_FIELD(struct blast_cli, field)

static const struct lab_opt opts[] = {
	{.name = "iface", .kind = LAB_OPT_STR, B(iface), .arg = "IF", .help = "interface to send on"},
	{.name = "dst-mac", .kind = LAB_OPT_STR, B(dst_mac), .arg = "MAC",
	 .help = "destination MAC written into every frame (the DUT's)"},
	{.name = "rounds", .kind = LAB_OPT_UINT, B(rounds), .arg = "N", .min = 1, .max = 100000,
	 .help = "times the corpus is sent"},
	{.name = "random", .kind = LAB_OPT_UINT, B(nrand), .arg = "N", .max = 100000,
	 .help = "random frames per round, 14 to 1514 bytes"},
	{.name = "gap-us", .kind = LAB_OPT_UINT, B(gap_us), .arg = "US", .max = 10000000,
	 .help = "pause between rounds"},
	{.name = "seed", .kind = LAB_OPT_UINT, B(seed), .arg = "N", .max = UINT32_MAX,
	 .help = "random seed"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void usage(FILE *f, void *arg)
{
	fputs("usage: lab-blast --dst-mac MAC [options]\n"
	      "Hostile frames on an AF_PACKET socket: the malformed and not-lab frames of the canned corpus\n"
	      "and frames of random bytes (their ethertype never IPv4, IPv6 or VLAN), all to --dst-mac.\n"
	      "Prints {\"sent\":N,\"malformed\":M,\"not_lab\":K,\n"
	      "\"random\":R,\"kinds\":J (broken kinds in the corpus)} when done.\n", f);
	lab_opts_print(f, arg);
	fputs("Exit: 0 sent, 1 a send failed, 2 usage.\n", f);
}

int main(int argc, char **argv)
{
	struct blast_cli cli = {.iface = LAB_GEN_IF, .rounds = 20, .nrand = 10, .gap_us = 50000,
				.seed = 1};
	struct lab_opt_group g = {"Options:", opts, &cli, 0};
	uint8_t dmac[6];

	lab_log_init("lab-blast");
	lab_opts_parse(argc, argv, &g, 1, usage, &g);
	if (!cli.dst_mac)
		lab_die(LAB_EXIT_USAGE, "--dst-mac is required (the DUT's MAC)");
	if (parse_mac(cli.dst_mac, dmac))
		lab_die(LAB_EXIT_USAGE, "--dst-mac: '%s' is not a MAC address", cli.dst_mac);
	const char *iface = cli.iface;
	uint64_t rounds = cli.rounds, nrand = cli.nrand, gap_us = cli.gap_us, seed = cli.seed;
	static struct canned corpus[64];
	size_t nc = canned_frames(corpus, 64);
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, receive nothing */
	if (fd < 0)
		lab_die(LAB_EXIT_RUNTIME, "socket(AF_PACKET): %s (needs CAP_NET_RAW)", strerror(errno));
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(iface),
				  .sll_halen = 6};
	if (!sll.sll_ifindex)
		lab_die(LAB_EXIT_USAGE, "no interface %s here", iface);
	memcpy(sll.sll_addr, dmac, 6);
	srandom((unsigned)seed);
	uint64_t sent = 0, malformed = 0, not_lab = 0, rnd = 0, kinds = 0;
	uint8_t buf[CANNED_MAX_LEN];
	for (size_t i = 0; i < nc; i++)
		kinds += corpus[i].expect != LAB_OK && corpus[i].len >= 14;
	for (uint64_t r = 0; r < rounds && !lab_stop; r++) {
		for (size_t i = 0; i < nc; i++) {
			const struct canned *c = &corpus[i];
			/* good frames are lab traffic, not hostile; a runt under 14 bytes cannot be
			 * sent on an Ethernet device without CAP_SYS_RAWIO */
			if (c->expect == LAB_OK || c->len < 14)
				continue;
			memcpy(buf, c->buf, c->len);
			memcpy(buf, dmac, 6);
			if (sendto(fd, buf, c->len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)c->len)
				lab_die(LAB_EXIT_RUNTIME, "send %s: %s", c->name, strerror(errno));
			sent++;
			if (lab_verdict_malformed(c->expect))
				malformed++;
			else
				not_lab++;
		}
		for (uint64_t k = 0; k < nrand; k++) {
			size_t len = 14 + (size_t)random() % (1514 - 14 + 1);
			for (size_t b = 0; b < len; b++)
				buf[b] = (uint8_t)random();
			memcpy(buf, dmac, 6);
			not_ip(buf);
			if (sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
				lab_die(LAB_EXIT_RUNTIME, "send random frame of %zu bytes: %s", len, strerror(errno));
			sent++;
			rnd++;
		}
		if (gap_us)
			nanosleep(&(struct timespec){(time_t)(gap_us / 1000000), (long)(gap_us % 1000000) * 1000}, NULL);
	}
	close(fd);
	printf("{\"sent\": %llu, \"malformed\": %llu, \"not_lab\": %llu, \"random\": %llu, \"kinds\": %llu}\n",
	       (unsigned long long)sent, (unsigned long long)malformed, (unsigned long long)not_lab,
	       (unsigned long long)rnd, (unsigned long long)kinds);
	return 0;
}
