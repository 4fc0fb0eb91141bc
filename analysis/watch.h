/* watch.h — lab-watch: a microburst flight recorder on any interface. libpcap captures (packet
 * socket, nanosecond timestamps); the last --before-ms of packets wait in a ring of fixed size;
 * the burst detector of bursts.h decides each window as packets arrive; a burst's window, with
 * its context before and after, goes to a pcap, and one JSON line per event says what happened
 * and what was dropped around it (libpcap, the interface, the driver, softnet per CPU). */
#ifndef LAB_WATCH_H
#define LAB_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct watch_cfg {
	const char *iface, *filter, *out, *ready_file;
	uint64_t window_us, before_ms, after_ms, snaplen, ring_mb, buffer_mb;
	double threshold_pps, threshold_bps, duration_s;
	uint64_t max_events, max_bytes;
	bool immediate, split, force, quiet;
	int direction; /* 0 both, 1 in, 2 out */
	int64_t snaplen_opt; /* --snaplen as given, -1: none */
};

/* Runs the watch; returns the exit code (0, 1 runtime, 2 usage), the reason already printed. */
int watch_run(const struct watch_cfg *c);

/* ---- drops around an event (watch_drops.c) ---- */
struct wd_sample {
	int64_t t; /* CLOCK_REALTIME ns */
	uint32_t pcap_recv, pcap_drop, pcap_ifdrop; /* libpcap's, 32-bit: deltas wrap */
	uint64_t rx_dropped, rx_missed;
	uint64_t *eth;            /* the selected ethtool counters */
	uint64_t *sn_drop, *sn_sq; /* per CPU slot */
};

#define WD_HIST 64
struct wd {
	char iface[64];
	bool sysfs;              /* a real interface (not "any") */
	void *pcap;              /* pcap_t */
	uint32_t neth, *eth_idx; /* ethtool counters named like a drop, by index */
	char (*eth_names)[33];
	uint32_t ncpu, *cpus;    /* softnet rows seen at start */
	struct wd_sample hist[WD_HIST];
	unsigned hn, hpos;
	uint64_t *store;         /* the arrays of every sample, fixed at start */
	size_t per;              /* u64s per sample */
	void *rows;              /* struct sn_row[], parse room */
	size_t maxrows;
};

int wd_init(struct wd *d, const char *iface, void *pcap, unsigned extra, char *err, size_t errlen);
void wd_free(struct wd *d);
/* A sample now into s (its arrays: wd_slot). */
void wd_take(struct wd *d, struct wd_sample *s);
/* A sample's arrays outside the history: k < the extra given to wd_init. */
struct wd_sample wd_slot(struct wd *d, unsigned k);
/* A sample now into the history (every 100 ms). */
void wd_tick(struct wd *d);
/* The latest sample in the history taken at or before t (the oldest when none is). */
const struct wd_sample *wd_before(const struct wd *d, int64_t t);
void wd_copy(const struct wd *d, struct wd_sample *dst, const struct wd_sample *src);
/* "drops": {...} from a to b. */
void wd_json(struct lab_json *j, const struct wd *d, const struct wd_sample *a,
	     const struct wd_sample *b);

#endif
