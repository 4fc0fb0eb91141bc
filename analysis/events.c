/* events.c — see events.h. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *lab_evt_kind_name(unsigned kind)
{
	static const char *const names[] = {"?", "irq", "softirq", "nmi", "task", "gap"};
	return kind <= LAB_EVT_KIND_MAX ? names[kind] : "?";
}

static int check_hdr(const struct lab_evt_hdr *h, const char *path, char *err, size_t errlen)
{
	if (memcmp(h->magic, LAB_EVT_MAGIC, 8) != 0) {
		snprintf(err, errlen, "%s: not a lab event file (bad magic)", path);
		return -1;
	}
	if (h->version != LAB_EVT_VERSION) {
		snprintf(err, errlen, "%s: event file version %u, this lab-analyze reads %u", path,
			 h->version, LAB_EVT_VERSION);
		return -1;
	}
	if (h->hdr_len != sizeof(*h) || h->rec_len != sizeof(struct lab_evt)) {
		snprintf(err, errlen, "%s: header/record length %u/%u, expected %zu/%zu", path,
			 h->hdr_len, h->rec_len, sizeof(*h), sizeof(struct lab_evt));
		return -1;
	}
	return 0;
}

static int check_rec(const struct lab_evt *v, size_t i, const char *path, char *err, size_t errlen)
{
	if (v->kind < LAB_EVT_IRQ || v->kind > LAB_EVT_KIND_MAX || v->end_ns < v->start_ns ||
	    (v->cpu >= 4096 && v->cpu != 0xffffffffu)) {
		snprintf(err, errlen, "%s: record %zu is corrupt (kind %u, cpu %u, %llu..%llu ns)", path,
			 i, v->kind, v->cpu, (unsigned long long)v->start_ns,
			 (unsigned long long)v->end_ns);
		return -1;
	}
	return 0;
}

static int grow(struct lab_events *e, size_t more)
{
	if (e->n + more <= e->cap)
		return 0;
	size_t cap = e->cap ? e->cap : 4096;
	while (cap < e->n + more)
		cap *= 2;
	struct lab_evt *p = realloc(e->ev, cap * sizeof(*p));
	if (!p)
		return -1;
	e->ev = p;
	e->cap = cap;
	return 0;
}

static void merge_hdr(struct lab_events *e, const struct lab_evt_hdr *h)
{
	bool first = !e->files++;
	e->sources |= h->sources;
	e->lost += h->lost;
	if (!(h->flags & LAB_EVTF_COMPLETE))
		e->incomplete = true;
	if (first || h->start_ns < e->start_ns)
		e->start_ns = h->start_ns;
	if (h->end_ns > e->end_ns)
		e->end_ns = h->end_ns;
	if (h->gap_threshold_ns > e->gap_threshold_ns)
		e->gap_threshold_ns = h->gap_threshold_ns;
}

int lab_events_load(const char *path, struct lab_events *e, char *err, size_t errlen)
{
	struct lab_evt_hdr h;
	struct stat st;
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || fread(&h, sizeof(h), 1, f) != 1) {
		snprintf(err, errlen, "%s: truncated (no whole header)", path);
		goto out;
	}
	if (check_hdr(&h, path, err, errlen) < 0)
		goto out;
	size_t n = ((size_t)st.st_size - sizeof(h)) / sizeof(struct lab_evt);
	if (((size_t)st.st_size - sizeof(h)) % sizeof(struct lab_evt))
		h.flags &= ~(uint32_t)LAB_EVTF_COMPLETE; /* a partial last record: the writer died */
	if (grow(e, n) < 0) {
		snprintf(err, errlen, "%s: out of memory for %zu events", path, n);
		goto out;
	}
	if (fread(e->ev + e->n, sizeof(struct lab_evt), n, f) != n) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (check_rec(&e->ev[e->n + i], i, path, err, errlen) < 0)
			goto out;
	e->n += n;
	merge_hdr(e, &h);
	rc = 0;
out:
	fclose(f);
	return rc;
}

void lab_events_free(struct lab_events *e)
{
	free(e->ev);
	memset(e, 0, sizeof(*e));
}
