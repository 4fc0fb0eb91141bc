/* mini_reflect.c — a minimal UDP reflector for lab-gen's own tests and bench, so they need no
 * other component: echoes lab payloads (stamped when asked) back to their sender. It can drop
 * or duplicate every Nth packet so a test knows exactly what lab-gen must report.
 * With -m it leaves LAB_F_REFLECTED unset, as peer tools (dpdk-testpmd 5tswap) do.
 * Usage: mini_reflect [-6] [-m] [-p PORT] [-d SECONDS] [-r READY_FILE] [-x DROP_EVERY] [-u DUP_EVERY] */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "log.h"
#include "util.h"

int main(int argc, char **argv)
{
	int family = AF_INET, opt, unmarked = 0;
	uint16_t port = LAB_PORT_DUT;
	uint64_t duration_ns = 60ull * 1000000000ull, drop_every = 0, dup_every = 0;
	const char *ready = NULL;
	struct sockaddr_storage ss = {0};

	lab_log_init(argv[0]);
	while ((opt = getopt(argc, argv, "6mp:d:r:x:u:h")) != -1) {
		switch (opt) {
		case '6': family = AF_INET6; break;
		case 'm': unmarked = 1; break;
		case 'p': port = (uint16_t)lab_parse_u64("p", optarg, 1, 65535); break;
		case 'd': duration_ns = lab_parse_u64("d", optarg, 1, 3600) * 1000000000ull; break;
		case 'r': ready = optarg; break;
		case 'x': drop_every = lab_parse_u64("x", optarg, 0, UINT32_MAX); break;
		case 'u': dup_every = lab_parse_u64("u", optarg, 0, UINT32_MAX); break;
		default:
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: %s [-6] [-m: do not mark replies reflected] [-p PORT] [-d SECONDS (default 60)] [-r READY_FILE]\n"
				"  [-x N: drop every Nth lab packet] [-u N: send every Nth twice]\n",
				lab_prog());
			return opt == 'h' ? 0 : 2;
		}
	}
	int fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0)
		lab_die(1, "socket: %s", strerror(errno));
	int buf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
	}
	if (bind(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(struct sockaddr_in)
							     : sizeof(struct sockaddr_in6)) < 0)
		lab_die(1, "bind port %u: %s", port, strerror(errno));
	lab_install_stop_signals();
	if (ready && lab_write_ready_file(ready) < 0)
		lab_die(1, "ready file %s: %s", ready, strerror(errno));

	uint64_t end = lab_now_ns() + duration_ns, n = 0, reflected = 0, bad = 0, dropped = 0;
	uint64_t dups = 0;
	uint8_t pkt[9216];
	while (!lab_stop && lab_now_ns() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (len < 0)
			continue;
		uint64_t rx = lab_now_ns();
		struct lab_hdr *h;
		struct lab_stamp *st;
		if (lab_payload_parse(pkt, (size_t)len, &h, &st) != LAB_OK ||
		    (h->flags & LAB_F_REFLECTED)) {
			bad++;
			continue;
		}
		n++;
		if (drop_every && n % drop_every == 0) {
			dropped++;
			continue;
		}
		lab_payload_reflect(pkt, st, rx, lab_now_ns());
		if (unmarked)
			h->flags &= (uint8_t)~LAB_F_REFLECTED;
		int copies = dup_every && n % dup_every == 0 ? 2 : 1;
		for (int i = 0; i < copies; i++)
			if (sendto(fd, pkt, (size_t)len, 0, (struct sockaddr *)&from, fl) == len)
				i ? dups++ : reflected++;
	}
	/* one line of counts for the tests: key=value */
	printf("received=%llu dropped=%llu reflected=%llu duplicates=%llu not_lab=%llu\n",
	       (unsigned long long)n, (unsigned long long)dropped, (unsigned long long)reflected,
	       (unsigned long long)dups, (unsigned long long)bad);
	return 0;
}
