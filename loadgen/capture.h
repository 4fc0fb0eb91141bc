/* capture.h — burst-triggered capture: a ring of the last received frames; when the arrival
 * rate over a sliding window, or one packet's round trip, crosses its threshold, the ring (the
 * frames before) and the next frames (after) go to a pcap with nanosecond wall-clock stamps. */
#ifndef LAB_GEN_CAPTURE_H
#define LAB_GEN_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct gen_run;
struct gen_capture;
struct lab_json;

/* Returns NULL with a reason in err. Uses g->cfg's capture settings and flow. */
struct gen_capture *gen_capture_open(struct gen_run *g, const char *path, char *err, size_t errlen);
/* One received frame (frame NULL: rebuilt from the payload and the reversed flow). rtt_ns: its
 * round trip from the intended send time, 0 when not a packet of this run. */
void gen_capture_rx(struct gen_capture *c, struct gen_run *g, const uint8_t *payload, size_t len,
		    uint64_t recv_ns, const uint8_t *frame, size_t frame_len, uint64_t rtt_ns);
void gen_capture_stats(struct gen_capture *c, struct lab_json *j);
/* Flush and close; returns 0 or -1 (errno) when the file could not be completed. */
int gen_capture_close(struct gen_capture *c);

#endif
