/* kfwd_tc.c — lab-kfwd's tc programs (kfwd.bpf.c) on the ports: loaded, attached at --iface
 * ingress and --out-iface egress (clsact, created when not there), their counters read, and
 * detached again at exit (the clsact qdisc removed when we made it). Built only with libbpf. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kfwd.h"
#include "log.h"

#ifdef KFWD_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kfwd.skel.h"

#define KFWD_TC_N 3 /* --iface ingress, --out-iface egress, --iface egress */
#define KFWD_TC_HANDLE 0x4c42 /* "LB" */
#define KFWD_TC_PRIO 0x4c42

struct kfwd_tc {
	struct kfwd_bpf *skel;
	struct bpf_tc_hook hook[KFWD_TC_N];
	struct bpf_tc_opts opts[KFWD_TC_N];
	bool made_qdisc[KFWD_TC_N], attached[KFWD_TC_N];
};

static struct kfwd_tc tc;

static int attach_one(int i, const char *iface, enum bpf_tc_attach_point where, int prog_fd,
		      char *err, size_t errlen)
{
	int rc;
	memset(&tc.hook[i], 0, sizeof(tc.hook[i]));
	tc.hook[i].sz = sizeof(tc.hook[i]);
	tc.hook[i].ifindex = (int)if_nametoindex(iface);
	tc.hook[i].attach_point = where;
	rc = bpf_tc_hook_create(&tc.hook[i]);
	if (rc && rc != -EEXIST) {
		snprintf(err, errlen, "clsact on %s: %s", iface, strerror(-rc));
		return rc;
	}
	tc.made_qdisc[i] = rc == 0;
	memset(&tc.opts[i], 0, sizeof(tc.opts[i]));
	tc.opts[i].sz = sizeof(tc.opts[i]);
	tc.opts[i].prog_fd = prog_fd;
	/* our own handle and priority, replacing: what a lab-kfwd killed with -9 left is taken over */
	tc.opts[i].handle = KFWD_TC_HANDLE;
	tc.opts[i].priority = KFWD_TC_PRIO;
	tc.opts[i].flags = BPF_TC_F_REPLACE;
	rc = bpf_tc_attach(&tc.hook[i], &tc.opts[i]);
	if (rc) {
		snprintf(err, errlen, "tc %s on %s: %s", where == BPF_TC_INGRESS ? "ingress" : "egress",
			 iface, strerror(-rc));
		return rc;
	}
	tc.attached[i] = true;
	return 0;
}

int kfwd_tc_attach(struct kfwd *k, char *err, size_t errlen)
{
	int rc;
	libbpf_set_print(NULL);
	tc.skel = kfwd_bpf__open();
	if (!tc.skel) {
		snprintf(err, errlen, "opening the BPF skeleton: %s", strerror(errno));
		return -errno;
	}
	tc.skel->rodata->lab_port = k->dut.cfg.port;
	rc = kfwd_bpf__load(tc.skel);
	if (rc) {
		snprintf(err, errlen, "loading the tc programs: %s", strerror(-rc));
		return rc;
	}
	rc = attach_one(0, k->dut.cfg.iface, BPF_TC_INGRESS, bpf_program__fd(tc.skel->progs.kfwd_rx),
			err, errlen);
	if (!rc)
		rc = attach_one(1, k->out_iface, BPF_TC_EGRESS, bpf_program__fd(tc.skel->progs.kfwd_tx),
				err, errlen);
	if (!rc)
		rc = attach_one(2, k->dut.cfg.iface, BPF_TC_EGRESS,
				bpf_program__fd(tc.skel->progs.kfwd_back), err, errlen);
	return rc;
}

void kfwd_tc_detach(struct kfwd *k)
{
	(void)k;
	for (int i = 0; i < KFWD_TC_N; i++) {
		if (tc.attached[i]) {
			tc.opts[i].prog_fd = 0;
			tc.opts[i].prog_id = 0;
			tc.opts[i].flags = 0;
			if (bpf_tc_detach(&tc.hook[i], &tc.opts[i]) < 0)
				lab_warn("detaching the tc program from ifindex %d: %s", tc.hook[i].ifindex,
					 strerror(errno));
			tc.attached[i] = false;
		}
	}
	/* the programs off every hook first: a clsact qdisc of ours may hold two */
	for (int i = 0; i < KFWD_TC_N; i++) {
		if (tc.made_qdisc[i]) {
			/* both directions: the clsact qdisc itself goes */
			tc.hook[i].attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&tc.hook[i]);
			tc.made_qdisc[i] = false;
		}
	}
	if (tc.skel) {
		kfwd_bpf__destroy(tc.skel);
		tc.skel = NULL;
	}
}

int kfwd_tc_counts(uint64_t out[KFWD_C_COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	memset(out, 0, sizeof(uint64_t) * KFWD_C_COUNT);
	if (!tc.skel || ncpu <= 0)
		return -1;
	uint64_t v[ncpu];
	for (__u32 i = 0; i < KFWD_C_COUNT; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(tc.skel->maps.counters), &i, v) < 0)
			return -1;
		for (int c = 0; c < ncpu; c++)
			out[i] += v[c];
	}
	return 0;
}

bool kfwd_tc_built(void)
{
	return true;
}
#else
int kfwd_tc_attach(struct kfwd *k, char *err, size_t errlen)
{
	(void)k;
	snprintf(err, errlen, "built without libbpf: no tc stamping (use --no-bpf)");
	return -ENOTSUP;
}

void kfwd_tc_detach(struct kfwd *k)
{
	(void)k;
}

int kfwd_tc_counts(uint64_t out[KFWD_C_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * KFWD_C_COUNT);
	return -1;
}

bool kfwd_tc_built(void)
{
	return false;
}
#endif
