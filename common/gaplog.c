/* gaplog.c — see gaplog.h. */
#include "gaplog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "evtfile.h"

#define GAP_MAX_DEFAULT (4u << 20) /* 4 Mi gaps (192 MiB) at most; the rest is counted as lost */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The median of a few timed getppid() calls: what a system call costs on this machine. */
static uint64_t syscall_cost_ns(void)
{
	uint64_t d[33];
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		uint64_t t0 = lab_now_ns();
		syscall(SYS_getppid);
		d[i] = lab_now_ns() - t0;
	}
	qsort(d, sizeof(d) / sizeof(d[0]), sizeof(d[0]), cmp_u64);
	return d[16];
}

void lab_gap_init(struct lab_gaplog *g, const char *path, uint64_t thr_ns, int cpu, const char *name)
{
	memset(g, 0, sizeof(*g));
	g->path = path;
	g->thr_ns = thr_ns;
	g->cpu = cpu;
	g->pid = (uint32_t)getpid();
	g->max = GAP_MAX_DEFAULT;
	g->floor_ns = path ? syscall_cost_ns() : 0;
	g->start_ns = lab_now_ns();
	strncpy(g->name, name ? name : "", sizeof(g->name));
}

void lab_gap_record(struct lab_gaplog *g, uint64_t from_ns, uint64_t to_ns)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 65536;
		struct lab_evt *b;
		if (cap > g->max)
			cap = g->max;
		if (g->n >= cap || !(b = realloc(g->buf, cap * sizeof(*b)))) {
			g->lost++;
			return;
		}
		g->buf = b;
		g->cap = cap;
	}
	struct lab_evt *e = &g->buf[g->n++];
	memset(e, 0, sizeof(*e));
	e->start_ns = from_ns;
	e->end_ns = to_ns;
	e->cpu = g->cpu < 0 ? 0xffffffffu : (uint32_t)g->cpu;
	e->kind = LAB_EVT_GAP;
	e->id = g->pid;
	e->tgid = g->pid;
	memcpy(e->name, g->name, sizeof(e->name));
}

int lab_gap_finish(struct lab_gaplog *g)
{
	struct lab_evt_writer w;
	int rc;
	if (!g->path)
		return 0;
	uint64_t mask = g->cpu >= 0 && g->cpu < 64 ? 1ull << g->cpu : 0;
	rc = lab_evt_open(&w, g->path, LAB_EVTS_GAPS, mask, (uint32_t)(g->thr_ns + g->floor_ns),
			  g->start_ns);
	if (rc == 0)
		rc = lab_evt_write(&w, g->buf, g->n);
	if (rc == 0)
		rc = lab_evt_close(&w, lab_now_ns(), g->lost);
	else if (w.f)
		lab_evt_close(&w, lab_now_ns(), g->lost);
	free(g->buf);
	g->buf = NULL;
	g->n = g->cap = 0;
	g->path = NULL;
	return rc;
}
