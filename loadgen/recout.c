/* recout.c — lab-gen's records: the arrays the send loop fills (allocated and touched before
 * the run), the file header from the run's configuration and counts, and the records written
 * in one pass at the end, so that writing never stalls the send loop. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run.h"

static void *alloc_array(uint64_t n, size_t elem)
{
	size_t len = (size_t)(n ? n : 1) * elem;
	/* populated now, so the send loop never takes a page fault on its records */
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* a number from a file of one line ("max": none) */
static uint64_t read_u64_file(const char *path)
{
	char line[64];
	uint64_t v = UINT64_MAX;
	FILE *f = fopen(path, "re");
	if (!f)
		return UINT64_MAX;
	if (fgets(line, sizeof(line), f) && line[0] >= '0' && line[0] <= '9')
		v = strtoull(line, NULL, 10);
	fclose(f);
	return v;
}

/* What this process can still be given: MemAvailable, or the room left under its cgroup's
 * memory.max (v2) when that is less. UINT64_MAX when neither can be read. */
static uint64_t mem_available(void)
{
	char line[4200], cg[4200] = "";
	uint64_t avail = UINT64_MAX, kb;
	FILE *f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kb) == 1)
			avail = kb * 1024;
	if (f)
		fclose(f);
	if ((f = fopen("/proc/self/cgroup", "re"))) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3))
				snprintf(cg, sizeof(cg), "%s", strtok(line + 3, "\n") ?: "");
		fclose(f);
	}
	/* the cgroup and every one above it (the root has no memory.max) */
	while (cg[0] == '/' && cg[1]) {
		char mx[4400], cur[4400];
		snprintf(mx, sizeof(mx), "/sys/fs/cgroup%s/memory.max", cg);
		snprintf(cur, sizeof(cur), "/sys/fs/cgroup%s/memory.current", cg);
		uint64_t m = read_u64_file(mx), c = read_u64_file(cur);
		if (m != UINT64_MAX && c != UINT64_MAX && (m > c ? m - c : 0) < avail)
			avail = m > c ? m - c : 0;
		*strrchr(cg, '/') = '\0';
	}
	return avail;
}

int gen_run_mem_check(const struct gen_run *g, uint64_t *need, uint64_t *avail)
{
	*need = (g->cfg.count ? g->cfg.count : 1) * (sizeof(struct lab_rec) + sizeof(uint64_t));
	*avail = mem_available();
	return *need > *avail ? -E2BIG : 0;
}

int gen_run_alloc(struct gen_run *g)
{
	g->recs = alloc_array(g->cfg.count, sizeof(struct lab_rec));
	g->wire = alloc_array(g->cfg.count, sizeof(uint64_t));
	if (!g->recs || !g->wire)
		return -ENOMEM;
	gen_track_init(&g->track, g->recs, g->wire, g->cfg.count, 0);
	g->track.accept_unmarked = g->cfg.accept_unmarked;
	gen_hist_reset(&g->rtt);
	return 0;
}

void gen_rec_hdr_fill(const struct gen_run *g, struct lab_rec_hdr *h)
{
	const struct gen_cfg *c = &g->cfg;
	const struct gen_track *t = &g->track;
	lab_rec_hdr_init(h);
	snprintf(h->path, sizeof(h->path), "%s", c->path);
	snprintf(h->backend, sizeof(h->backend), "%.31s", g->mode);
	snprintf(h->pattern, sizeof(h->pattern), "%s", gen_pattern_name(c->sched.pattern));
	snprintf(h->iface, sizeof(h->iface), "%s", c->iface);
	h->flows = c->flows ? c->flows : 1;
	snprintf(h->rx_iface, sizeof(h->rx_iface), "%s", c->rx_iface ? c->rx_iface : "");
	snprintf(h->dst, sizeof(h->dst), "%s", c->dst_text);
	h->flags = c->stamp ? LAB_RECF_STAMP : 0;
	h->rate_pps = (uint64_t)llround(gen_sched_mean_pps(&c->sched));
	h->duration_ns = c->duration_ns;
	h->burst_gap_ns = c->sched.pattern == GEN_PAT_BURST ? c->sched.burst_gap_ns : 0;
	h->burst_size = c->sched.pattern == GEN_PAT_BURST ? c->sched.burst_size : 0;
	h->seed = c->sched.seed;
	h->start_ns = g->start_ns;
	h->realtime_off_ns = g->rt_off_ns;
	h->tail_ns = c->tail_ns;
	h->frame_size = c->frame_size;
	h->family = c->flow.family == AF_INET6 ? 6 : 4;
	h->cpu = c->cpu >= 0 ? (uint32_t)c->cpu : 0xffffffffu;
	h->sent = t->sent;
	h->received = t->received;
	h->lost = gen_track_lost(t);
	h->reordered = t->reordered;
	h->duplicated = t->duplicated;
	h->malformed = t->malformed;
	h->foreign = t->foreign;
	h->send_failed = t->send_failed;
	h->end_ns = g->end_ns;
}

int gen_rec_write(struct gen_run *g, int fd)
{
	struct lab_rec_hdr h;
	const uint8_t *p = (const uint8_t *)g->track.recs;
	size_t len = (size_t)g->track.next * sizeof(struct lab_rec);
	off_t off = LAB_REC_HDR_LEN;
	while (len) {
		ssize_t n = pwrite(fd, p, len > (1u << 24) ? (1u << 24) : len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	gen_rec_hdr_fill(g, &h);
	return lab_rec_finish(fd, &h, g->track.next);
}

