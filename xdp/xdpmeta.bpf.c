// SPDX-License-Identifier: GPL-2.0
/* xdpmeta.bpf.c — lab-xdpmeta's probe: the XDP RX timestamp kfunc on one port's frames. Loaded
 * device-bound (the verifier swaps the kfunc for the driver's xmo_rx_timestamp, or for a stub
 * returning -EOPNOTSUPP when the driver has none); every frame passes on untouched. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpf_xdp_metadata_rx_timestamp(const struct xdp_md *ctx, __u64 *timestamp) __ksym;

/* what the kfunc returned for the frames seen: counts by result, and the last stamp */
__u64 frames, ok, nodata, notsupp, other, nonzero, last_ts;
int last_rc;

SEC("xdp")
int lab_xdpmeta(struct xdp_md *ctx)
{
	__u64 ts = 0;
	int rc = bpf_xdp_metadata_rx_timestamp(ctx, &ts);

	__sync_fetch_and_add(&frames, 1);
	if (rc == 0)
		__sync_fetch_and_add(&ok, 1);
	else if (rc == -61) /* ENODATA */
		__sync_fetch_and_add(&nodata, 1);
	else if (rc == -95) /* EOPNOTSUPP */
		__sync_fetch_and_add(&notsupp, 1);
	else
		__sync_fetch_and_add(&other, 1);
	if (rc == 0 && ts)
		__sync_fetch_and_add(&nonzero, 1);
	last_ts = ts;
	last_rc = rc;
	return XDP_PASS;
}
