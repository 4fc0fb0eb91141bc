/* lab_xdpmeta.c — lab-xdpmeta: does a port's driver give XDP programs the frame's RX timestamp
 * (the bpf_xdp_metadata_rx_timestamp kfunc)? Probed, not assumed: a device-bound program on
 * IFACE for --wait-ms, counting what the kfunc returns on the frames that arrive meanwhile
 * (the caller sends some), then detached. One line (or --json): implemented with stamps,
 * implemented without (0 or -ENODATA: no hardware stamp on these frames), or not implemented
 * (-EOPNOTSUPP). Exit 0 when frames were seen, 1 when none came or loading failed, 2 on usage. */
#include <errno.h>
#include <getopt.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "util.h"
#include "xdpmeta.skel.h"

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6) /* Linux 6.3; Debian 12's headers predate it */
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: lab-xdpmeta --iface IF [--wait-ms MS] [--json]\n"
		   "Attach a device-bound XDP program to IF for MS milliseconds (default 1000) and say\n"
		   "what bpf_xdp_metadata_rx_timestamp() returned on the frames that arrived (send\n"
		   "some meanwhile). Frames pass on untouched; the program is detached before exit.\n");
}

static const char *verdict(const struct xdpmeta_bpf *s)
{
	const struct xdpmeta_bpf__bss *b = s->bss;
	if (!b->frames)
		return "no frame arrived: not probed";
	if (b->notsupp == b->frames)
		return "not implemented by the driver (-EOPNOTSUPP)";
	if (b->nonzero)
		return "implemented, stamps given";
	return "implemented, but no stamp on these frames (0 or -ENODATA: no hardware stamp)";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"iface", 1, 0, 'i'}, {"wait-ms", 1, 0, 'w'},
					     {"json", 0, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	const char *iface = NULL;
	unsigned wait_ms = 1000, ifindex;
	bool json = false;
	int c, rc = LAB_EXIT_RUNTIME;
	lab_log_init("lab-xdpmeta");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'w': wait_ms = (unsigned)lab_parse_u64("wait-ms", optarg, 1, 600000); break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (!iface || optind < argc)
		lab_die(LAB_EXIT_USAGE, "give --iface IF (see --help)");
	if (!(ifindex = if_nametoindex(iface)))
		lab_die(LAB_EXIT_USAGE, "--iface %s: no such interface here", iface);
	struct xdpmeta_bpf *s = xdpmeta_bpf__open();
	if (!s)
		lab_die(LAB_EXIT_RUNTIME, "open the probe's BPF object: %s", strerror(errno));
	bpf_program__set_ifindex(s->progs.lab_xdpmeta, ifindex);
	bpf_program__set_flags(s->progs.lab_xdpmeta, BPF_F_XDP_DEV_BOUND_ONLY);
	if (xdpmeta_bpf__load(s) < 0) {
		lab_warn("load a device-bound XDP program on %s: %s (a kernel before 6.3, or no "
			 "BTF for the kfunc)", iface, strerror(errno));
		goto out;
	}
	if (bpf_xdp_attach((int)ifindex, bpf_program__fd(s->progs.lab_xdpmeta), XDP_FLAGS_DRV_MODE,
			   NULL) < 0) {
		lab_warn("attach in driver mode on %s: %s", iface, strerror(errno));
		goto out;
	}
	struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL);
	const struct xdpmeta_bpf__bss *b = s->bss;
	if (json)
		printf("{\"iface\": \"%s\", \"frames\": %llu, \"ok\": %llu, \"nodata\": %llu, "
		       "\"notsupp\": %llu, \"other\": %llu, \"nonzero\": %llu, \"last_rc\": %d, "
		       "\"verdict\": \"%s\"}\n", iface, (unsigned long long)b->frames,
		       (unsigned long long)b->ok, (unsigned long long)b->nodata,
		       (unsigned long long)b->notsupp, (unsigned long long)b->other,
		       (unsigned long long)b->nonzero, b->last_rc, verdict(s));
	else
		printf("%s: bpf_xdp_metadata_rx_timestamp: %s (%llu frames: %llu returned 0, %llu of "
		       "them a stamp; %llu -ENODATA, %llu -EOPNOTSUPP, %llu other)\n", iface, verdict(s),
		       (unsigned long long)b->frames, (unsigned long long)b->ok,
		       (unsigned long long)b->nonzero, (unsigned long long)b->nodata,
		       (unsigned long long)b->notsupp, (unsigned long long)b->other);
	rc = b->frames ? 0 : LAB_EXIT_RUNTIME;
out:
	xdpmeta_bpf__destroy(s);
	return rc;
}
