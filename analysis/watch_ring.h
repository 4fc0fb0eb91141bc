/* watch_ring.h — lab-watch's memory of recent packets: one buffer of fixed size, records of
 * varying length (header + the captured bytes) written at the tail, the oldest given up at the
 * head when room is needed. Positions are virtual offsets that only grow (the physical one is
 * modulo the size); a record never straddles the end of the buffer. */
#ifndef LAB_WATCH_RING_H
#define LAB_WATCH_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wrec {
	uint64_t seq;
	int64_t ts;
	uint32_t caplen, len;
	/* caplen bytes follow */
};

struct wring {
	uint8_t *buf;
	size_t size;
	uint64_t head, tail;     /* virtual offsets */
	uint64_t first_seq;      /* the oldest record still held */
	uint64_t evicted;        /* records given up */
	int64_t evicted_max_ts;  /* the youngest of them */
};

int wring_init(struct wring *r, size_t size);
void wring_free(struct wring *r);
/* Append; returns the record's virtual offset. caplen must leave room (<= size / 4). */
uint64_t wring_put(struct wring *r, uint64_t seq, int64_t ts, uint32_t caplen, uint32_t len,
		   const void *data);
/* The record of seq written at v, or NULL when it has been given up. */
const struct wrec *wring_get(const struct wring *r, uint64_t seq, uint64_t v);
/* Iteration, oldest first: v = wring_first(r); while ((rec = wring_next(r, &v))) ... */
uint64_t wring_first(const struct wring *r);
const struct wrec *wring_next(const struct wring *r, uint64_t *v);

#endif
