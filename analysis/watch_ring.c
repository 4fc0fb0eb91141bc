/* watch_ring.c — see watch_ring.h. */
#include "watch_ring.h"

#include <stdlib.h>
#include <string.h>

#define WRAP_SEQ UINT64_MAX

static size_t rec_size(uint32_t caplen)
{
	return (sizeof(struct wrec) + caplen + 7) & ~(size_t)7;
}

int wring_init(struct wring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size & ~(size_t)7;
	r->buf = malloc(r->size);
	r->evicted_max_ts = INT64_MIN;
	return r->buf ? 0 : -1;
}

void wring_free(struct wring *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* v, or the start of the next lap when what is left of this one holds no record */
static uint64_t skip(const struct wring *r, uint64_t v)
{
	size_t off = v % r->size;
	if (r->size - off < sizeof(struct wrec) ||
	    ((const struct wrec *)(r->buf + off))->seq == WRAP_SEQ)
		return v + (r->size - off);
	return v;
}

static void evict(struct wring *r)
{
	uint64_t v = skip(r, r->head);
	if (v >= r->tail) {
		r->head = r->tail;
		return;
	}
	const struct wrec *w = (const struct wrec *)(r->buf + v % r->size);
	r->evicted++;
	if (w->ts > r->evicted_max_ts)
		r->evicted_max_ts = w->ts;
	r->first_seq = w->seq + 1;
	r->head = v + rec_size(w->caplen);
}

uint64_t wring_put(struct wring *r, uint64_t seq, int64_t ts, uint32_t caplen, uint32_t len,
		   const void *data)
{
	size_t need = rec_size(caplen), off = r->tail % r->size;
	size_t pad = r->size - off < need ? r->size - off : 0;
	uint64_t v = r->tail;
	if (r->head == r->tail)
		r->first_seq = seq;
	while (v + pad + need - r->head > r->size)
		evict(r);
	if (pad) {
		if (pad >= sizeof(struct wrec))
			((struct wrec *)(r->buf + off))->seq = WRAP_SEQ;
		v += pad;
	}
	struct wrec *w = (struct wrec *)(r->buf + v % r->size);
	*w = (struct wrec){seq, ts, caplen, len};
	memcpy(w + 1, data, caplen);
	r->tail = v + need;
	if (r->head == r->tail - need && r->first_seq > seq)
		r->first_seq = seq;
	return v;
}

const struct wrec *wring_get(const struct wring *r, uint64_t seq, uint64_t v)
{
	if (seq < r->first_seq || v < r->head || v >= r->tail)
		return NULL;
	return (const struct wrec *)(r->buf + v % r->size);
}

uint64_t wring_first(const struct wring *r)
{
	return r->head;
}

const struct wrec *wring_next(const struct wring *r, uint64_t *v)
{
	if (*v >= r->tail)
		return NULL;
	uint64_t at = skip(r, *v);
	if (at >= r->tail)
		return NULL;
	const struct wrec *w = (const struct wrec *)(r->buf + at % r->size);
	*v = at + rec_size(w->caplen);
	return w;
}
