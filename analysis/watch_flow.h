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
/* Count a burst packet's flow (NULL: not known, counted as unknown). */
void wflows_add(struct wflows *f, const struct wflow_key *k, uint32_t len);

/* The flows of the packets not yet decided, by slot: a packet's flow is parsed as it arrives
 * (the ring may give the packet up before its burst is known); a slot is taken back once no
 * undecided packet names it. Fixed size, allocated at start. */
struct wflow_dict {
	struct wdict_ent {
		struct wflow_key k;
		uint64_t last; /* the newest packet naming it */
		bool used;
	} *e;
	uint32_t n;
};
#define WDICT_NONE UINT32_MAX
int wdict_init(struct wflow_dict *d, uint32_t n);
void wdict_free(struct wflow_dict *d);
/* The slot of k for packet seq (oldest undecided: head), or WDICT_NONE when all are in use. */
uint32_t wdict_put(struct wflow_dict *d, const struct wflow_key *k, uint64_t seq, uint64_t head);
const struct wflow_key *wdict_key(const struct wflow_dict *d, uint32_t slot);
/* "top_flows": [...] and "other_flows_packets" of a burst of total packets. */
void wflows_json(struct lab_json *j, const struct wflows *f, uint64_t total);

#endif
