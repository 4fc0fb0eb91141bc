/* watch_flow.h — the flows (5-tuples) of a burst's packets, counted in a table of fixed size;
 * the top ones by packets go into the event's line. */
#ifndef LAB_WATCH_FLOW_H
#define LAB_WATCH_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define WF_SLOTS 1024 /* distinct flows counted per event; more go to "other" */
#define WF_TOP 5

struct wflow_key {
	uint8_t family, proto; /* family 0: not IP */
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};

struct wflow {
	struct wflow_key k;
	uint64_t packets, bytes;
	bool used;
};

struct wflows {
	struct wflow *slot; /* WF_SLOTS, allocated once */
	uint64_t other, unknown;
};

int wflows_init(struct wflows *f);
void wflows_free(struct wflows *f);
void wflows_reset(struct wflows *f);
/* Parse a frame of linktype (DLT_*) into its 5-tuple. */
void wflow_parse(const uint8_t *p, uint32_t caplen, int linktype, struct wflow_key *k);
/* Count a burst packet (data NULL: no longer held, counted as unknown). */
void wflows_add(struct wflows *f, const uint8_t *data, uint32_t caplen, uint32_t len,
		int linktype);
/* "top_flows": [...] and "other_flows_packets" of a burst of total packets. */
void wflows_json(struct lab_json *j, const struct wflows *f, uint64_t total);

#endif
