/* lab_xdpmeta.c — lab-xdpmeta: does a port's driver give XDP programs the frame's RX timestamp
 * (the bpf_xdp_metadata_rx_timestamp kfunc)? Probed, not assumed: a device-bound program on
 * IFACE for --wait-ms, counting what the kfunc returns on the frames that arrive meanwhile
 * (the caller sends some), then detached. One line (or --json): implemented with stamps,
 * implemented without (0 or -ENODATA: no hardware stamp on these frames), or not implemented
 * (-EOPNOTSUPP). Exit 0 when frames were seen, 1 when none came or loading failed, 2 on usage. */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "opt_table.h"
#include "util.h"
#include "xdpmeta.skel.h"

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6) /* Linux 6.3; Debian 12's headers predate it */
#endif

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

/* What the flags fill. */
struct meta_cli {
	const char *iface;
	unsigned wait_ms;
	bool json;
};

#define M(field) LAB_FIELD(struct meta_cli, field)

static const struct lab_opt opts[] = {
	{.name = "iface", .kind = LAB_OPT_STR, M(iface), .arg = "IF",
	 .help = "the port to probe (required)"},
	{.name = "wait-ms", .kind = LAB_OPT_UINT, M(wait_ms), .arg = "MS", .min = 1, .max = 600000,
	 .help = "how long the program stays attached"},
	{.name = "json", .kind = LAB_OPT_SET, M(json), .value = 1, .help = "the counts as one JSON line"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this text"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs("usage: lab-xdpmeta --iface IF [--wait-ms MS] [--json]\n"
	      "Attach a device-bound XDP program to IF for MS milliseconds and say what\n"
	      "bpf_xdp_metadata_rx_timestamp() returned on the frames that arrived (send\n"
	      "some meanwhile). Frames pass on untouched; the program is detached before exit.\n", f);
	lab_opts_print(f, arg);
}

int main(int argc, char **argv)
{
	struct meta_cli cli = {.wait_ms = 1000};
	struct lab_opt_group g = {"Flags:", opts, &cli, 0};
	unsigned ifindex;
	int rc = LAB_EXIT_RUNTIME;

	lab_log_init("lab-xdpmeta");
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	if (!cli.iface)
		lab_die(LAB_EXIT_USAGE, "give --iface IF (see --help)");
	const char *iface = cli.iface;
	unsigned wait_ms = cli.wait_ms;
	bool json = cli.json;
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
