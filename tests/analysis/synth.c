/* synth.c — see synth.h. */
#include "synth.h"
#include "lab_constants.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t next_rand(uint64_t *s)
{
	/* splitmix64: seeded, fast, good enough for test data */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void synth_fill(const struct synth_cfg *c, struct lab_rec_hdr *h, struct lab_rec *recs)
{
	uint64_t s = c->seed, gap = c->rate_pps ? 1000000000ull / c->rate_pps : 1000, rcv = 0, lost = 0,
		 dups = 0;
	lab_rec_hdr_init(h);
	snprintf(h->path, sizeof(h->path), "%s", c->path ? c->path : "kernel");
	snprintf(h->backend, sizeof(h->backend), "synthetic");
	snprintf(h->pattern, sizeof(h->pattern), "const");
	snprintf(h->iface, sizeof(h->iface), LAB_GEN_IF);
	snprintf(h->dst, sizeof(h->dst), LAB_DUT_V4);
	h->rate_pps = c->rate_pps;
	h->duration_ns = c->n * gap;
	h->seed = c->seed;
	h->start_ns = c->start_ns;
	h->realtime_off_ns = 1700000000000000000ll;
	h->frame_size = 128;
	h->family = 4;
	h->cpu = 0;
	if (c->stamp)
		h->flags |= LAB_RECF_STAMP;
	for (uint64_t i = 0; i < c->n; i++) {
		struct lab_rec *r = &recs[i];
		memset(r, 0, sizeof(*r));
		r->seq = (uint32_t)i;
		r->intended_ns = c->start_ns + i * gap;
		r->sent_ns = r->intended_ns + next_rand(&s) % 500;
		r->flags = LAB_REC_SENT;
		if (c->loss_every && i % c->loss_every == c->loss_every - 1) {
			lost++;
			continue;
		}
		uint64_t rtt = c->base_rtt_ns + (c->jitter_ns ? next_rand(&s) % c->jitter_ns : 0);
		r->recv_ns = r->intended_ns + rtt;
		r->flags |= LAB_REC_RECEIVED;
		if (c->stamp) {
			r->flags |= LAB_REC_STAMPED;
			r->dut_rx_ns = r->sent_ns + (r->recv_ns - r->sent_ns) / 3;
			if (c->burst_len && i >= c->burst_first && i < c->burst_first + c->burst_len)
				/* held up and released together: arrivals 100 ns apart after the
				 * last of them was sent */
				r->dut_rx_ns = c->start_ns + (c->burst_first + c->burst_len) * gap +
					       1000 + (i - c->burst_first) * 100;
			if (r->dut_rx_ns < r->sent_ns)
				r->dut_rx_ns = r->sent_ns;
			r->dut_tx_ns = r->dut_rx_ns + 200;
			if (r->recv_ns < r->dut_tx_ns)
				r->recv_ns = r->dut_tx_ns + 50;
		}
		rcv++;
		if (c->dup_every && rcv % c->dup_every == 0) {
			r->dups = 1;
			dups++;
		}
	}
	/* a packet overtaken by a later one is marked as the generator marks it */
	uint64_t hi = 0;
	for (uint64_t i = 0; i < c->n; i++) {
		struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED))
			continue;
		if (r->recv_ns < hi)
			r->flags |= LAB_REC_REORDERED;
		if (r->recv_ns > hi)
			hi = r->recv_ns;
	}
	h->count = c->n;
	h->sent = c->n;
	h->received = rcv;
	h->lost = lost;
	h->duplicated = dups;
	h->end_ns = c->n ? recs[c->n - 1].intended_ns + c->base_rtt_ns + c->jitter_ns : 0;
	if (!c->incomplete)
		h->flags |= LAB_RECF_COMPLETE;
}

int synth_write(const char *file, const struct synth_cfg *c)
{
	struct lab_rec_hdr h;
	struct lab_rec *recs = malloc((c->n ? c->n : 1) * sizeof(*recs));
	FILE *f;
	int rc = -1;
	if (!recs)
		return -1;
	synth_fill(c, &h, recs);
	f = fopen(file, "w");
	if (f && fwrite(&h, sizeof(h), 1, f) == 1 &&
	    (c->n == 0 || fwrite(recs, sizeof(*recs), c->n, f) == c->n))
		rc = 0;
	if (f && fclose(f) != 0)
		rc = -1;
	free(recs);
	return rc;
}

static int put(const char *dir, const char *name, const char *text)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int synth_results_dir(const char *dir, uint64_t n)
{
	static const char *const sub[] = {"records", "counters", "gen", "softnet", "skipped"};
	char p[4096];
	for (size_t i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
	}
	if (put(dir, "run.json",
		"{\"run\": {\"rate_pps\": 100000, \"pattern\": \"const\", \"frame_size\": 128,\n"
		" \"duration_s\": 1.5, \"seed\": 7, \"kernel\": \"6.1.0-test\", \"cpus\": 2,\n"
		" \"tuning\": {\"governor\": \"performance\", \"busy_poll\": 50}}}\n") < 0)
		return -1;
	struct synth_cfg k = {.path = "kernel", .n = n, .rate_pps = 100000, .seed = 7,
			      .start_ns = 5000000000ull, .base_rtt_ns = 30000, .jitter_ns = 20000,
			      .loss_every = 1000, .dup_every = 5000, .stamp = true,
			      .burst_first = n / 2, .burst_len = n > 400 ? 200 : 0};
	struct synth_cfg x = {.path = "xdptx", .n = n, .rate_pps = 100000, .seed = 8,
			      .start_ns = 9000000000ull, .base_rtt_ns = 8000, .jitter_ns = 4000,
			      .stamp = true};
	if (synth_write((snprintf(p, sizeof(p), "%s/records/kernel.rec", dir), p), &k) < 0 ||
	    synth_write((snprintf(p, sizeof(p), "%s/records/xdptx.rec", dir), p), &x) < 0)
		return -1;
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"path\": \"kernel\", \"mode\": \"busy-poll\", \"received\": %llu, \"reflected\": "
		 "%llu, \"not_lab\": 0, \"malformed\": 0, \"tx_errors\": 0,\n \"drops\": "
		 "{\"udp_rcvbuf_errors\": %llu}}\n",
		 (unsigned long long)(n - n / 1000), (unsigned long long)(n - n / 1000),
		 (unsigned long long)(n / 1000 / 2));
	if (put(dir, "counters/kernel.json", buf) < 0)
		return -1;
	if (put(dir, "counters/xdptx.json",
		"{\"path\": \"xdptx\", \"mode\": \"xdptx\", \"received\": 0, \"reflected\": 0, "
		"\"not_lab\": 0, \"malformed\": 0, \"tx_errors\": 0, \"drops\": {\"xsk_rx_dropped\": 0}}\n") < 0)
		return -1;
	/* softnet: 2 CPUs, 6.x columns; kernel drops 3 in the backlog and squeezes twice */
	if (put(dir, "softnet/kernel.txt",
		"# lab-analyze softnet samples 1\n# source synthetic\n"
		"t 5000000000\n"
		"00000100 00000002 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00000200 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000\n"
		"t 5100000000\n"
		"00000900 00000004 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
		"00000300 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000\n") < 0)
		return -1;
	if (put(dir, "skipped/dpdk.txt", "fewer than 64 free hugepages (setup/lab check)\n") < 0)
		return -1;
	return 0;
}
