/* capture.c — see capture.h. The ring holds copies (snaplen bytes) so the backend's buffers go
 * back at once; an event writes the ring, then the next cap_after frames, and a new trigger
 * during those extends the event instead of starting another. The UDP backend has no frame:
 * the headers are rebuilt once from the reversed flow (what the reflector sends back) and the
 * received payload copied behind them; its checksum is recomputed when it is written. */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "gen.h"
#include "pcap_out.h"
#include "util.h"

struct slot {
	uint64_t ts_ns;
	uint32_t len, caplen;
	uint8_t rebuilt; /* headers rebuilt: fix the UDP checksum when written whole */
};

struct gen_capture {
	struct lab_pcap_out out;
	int64_t rt_off_ns;
	uint32_t snaplen, ring_n, after_n, max_events;
	struct slot *slots;
	uint8_t *data;        /* ring_n * snaplen */
	uint32_t head, fill;  /* next slot to write, slots in use */
	uint32_t after_left;  /* frames still to write for the current event */
	uint64_t *arr;        /* rate trigger: the last k+1 arrival times */
	uint32_t arr_n, arr_head, arr_fill;
	uint64_t window_ns, latency_ns;
	uint8_t tmpl[LAB_ETH_LEN + 40 + 8]; /* reversed-flow headers for the UDP backend */
	size_t tmpl_len;
	struct lab_flow rflow;
	uint32_t frame_size;
	uint64_t events, frames, rate_triggers, latency_triggers, write_errors, events_skipped;
};

struct gen_capture *gen_capture_open(struct gen_run *g, const char *path, char *err, size_t errlen)
{
	const struct gen_cfg *cfg = &g->cfg;
	struct gen_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->rt_off_ns = g->rt_off_ns;
	c->snaplen = cfg->cap_snaplen;
	c->ring_n = cfg->cap_ring ? cfg->cap_ring : 1;
	c->after_n = cfg->cap_after;
	c->max_events = cfg->cap_max_events;
	c->window_ns = cfg->cap_window_ns;
	c->latency_ns = cfg->cap_latency_ns;
	c->frame_size = cfg->frame_size;
	c->slots = calloc(c->ring_n, sizeof(*c->slots));
	c->data = calloc(c->ring_n, c->snaplen);
	if (cfg->cap_rate_pps && c->window_ns) {
		/* more than k arrivals inside one window = above the rate */
		uint64_t k = (cfg->cap_rate_pps * c->window_ns + 999999999u) / 1000000000u;
		if (k < 1)
			k = 1;
		if (k > (1u << 22)) {
			snprintf(err, errlen, "--capture-rate-pps x --capture-window-us is too many "
					      "packets per window (%llu, at most %u)",
				 (unsigned long long)k, 1u << 22);
			goto fail;
		}
		c->arr_n = (uint32_t)k + 1;
		c->arr = calloc(c->arr_n, sizeof(*c->arr));
	}
	if (!c->slots || !c->data || (c->arr_n && !c->arr)) {
		snprintf(err, errlen, "out of memory for the capture ring");
		goto fail;
	}
	/* the reflection's headers: the flow with both ends swapped */
	c->rflow = cfg->flow;
	memcpy(c->rflow.src_mac, cfg->flow.dst_mac, 6);
	memcpy(c->rflow.dst_mac, cfg->flow.src_mac, 6);
	c->rflow.src = cfg->flow.dst;
	c->rflow.dst = cfg->flow.src;
	c->rflow.sport = cfg->flow.dport;
	c->rflow.dport = cfg->flow.sport;
	if (cfg->rx_iface) {
		/* forwarded, not reflected: the flow as sent, to the receiving port's address (the
		 * MACs of the second link are not known here: the sender's stand in) */
		c->rflow = cfg->flow;
		c->rflow.dst = cfg->rx_addr;
	}
	if (lab_pcap_out_open(&c->out, path, c->snaplen) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return c;
fail:
	free(c->slots);
	free(c->data);
	free(c->arr);
	free(c);
	return NULL;
}

/* Rebuild the whole reflected frame around a received payload. */
static size_t rebuild(struct gen_capture *c, uint8_t *buf, size_t cap, const uint8_t *payload,
		      size_t len)
{
	struct lab_parsed p;
	size_t fl = lab_frame_build(buf, cap, &c->rflow, c->frame_size, 0, 0);
	if (!fl || lab_frame_parse(buf, fl, 0, &p) != LAB_OK)
		return 0;
	size_t room = fl - p.lab_off;
	memcpy(buf + p.lab_off, payload, len < room ? len : room);
	/* checksum over the new payload: zero it and sum again */
	buf[p.l4_off + 6] = buf[p.l4_off + 7] = 0;
	size_t udp_len = fl - p.l4_off;
	uint32_t sum = 0;
	if (p.family == AF_INET)
		sum = lab_csum_add(sum, buf + p.l3_off + 12, 8);
	else
		sum = lab_csum_add(sum, buf + p.l3_off + 8, 32);
	sum += 17 + (uint32_t)udp_len;
	sum = lab_csum_add(sum, buf + p.l4_off, udp_len);
	uint16_t ck = (uint16_t)~lab_csum_fold(sum);
	if (!ck)
		ck = 0xffff;
	buf[p.l4_off + 6] = (uint8_t)(ck >> 8);
	buf[p.l4_off + 7] = (uint8_t)ck;
	return fl;
}

static void write_one(struct gen_capture *c, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		      uint32_t len)
{
	if (lab_pcap_out_write(&c->out, (uint64_t)((int64_t)ts_ns + c->rt_off_ns), data, caplen,
			       len) < 0)
		c->write_errors++;
	else
		c->frames++;
}

static void write_ring(struct gen_capture *c)
{
	uint32_t start = (c->head + c->ring_n - c->fill) % c->ring_n;
	for (uint32_t i = 0; i < c->fill; i++) {
		uint32_t k = (start + i) % c->ring_n;
		write_one(c, c->slots[k].ts_ns, c->data + (size_t)k * c->snaplen, c->slots[k].caplen,
			  c->slots[k].len);
	}
	c->fill = 0;
}

void gen_capture_rx(struct gen_capture *c, struct gen_run *g, const uint8_t *payload, size_t len,
		    uint64_t recv_ns, const uint8_t *frame, size_t frame_len, uint64_t rtt_ns)
{
	uint8_t tmp[9216 + 128];
	(void)g;
	if (!frame) {
		frame_len = rebuild(c, tmp, sizeof(tmp), payload, len);
		if (!frame_len)
			return;
		frame = tmp;
	}
	uint32_t caplen = frame_len < c->snaplen ? (uint32_t)frame_len : c->snaplen;

	bool trig = false;
	if (c->latency_ns && rtt_ns > c->latency_ns) {
		trig = true;
		c->latency_triggers++;
	}
	if (c->arr_n) {
		c->arr[c->arr_head] = recv_ns;
		c->arr_head = (c->arr_head + 1) % c->arr_n;
		if (c->arr_fill < c->arr_n)
			c->arr_fill++;
		/* the oldest of the last k+1 arrivals is within the window: rate above threshold */
		if (c->arr_fill == c->arr_n && recv_ns - c->arr[c->arr_head] < c->window_ns) {
			if (!trig)
				c->rate_triggers++;
			trig = true;
		}
	}
	if (c->after_left) {
		write_one(c, recv_ns, frame, caplen, (uint32_t)frame_len);
		c->after_left--;
		if (trig)
			c->after_left = c->after_n; /* the burst goes on: so does the event */
		return;
	}
	if (trig) {
		if (c->events >= c->max_events) {
			c->events_skipped++;
		} else {
			c->events++;
			write_ring(c);
			write_one(c, recv_ns, frame, caplen, (uint32_t)frame_len);
			c->after_left = c->after_n;
			return;
		}
	}
	struct slot *s = &c->slots[c->head];
	s->ts_ns = recv_ns;
	s->len = (uint32_t)frame_len;
	s->caplen = caplen;
	memcpy(c->data + (size_t)c->head * c->snaplen, frame, caplen);
	c->head = (c->head + 1) % c->ring_n;
	if (c->fill < c->ring_n)
		c->fill++;
}

void gen_capture_stats(struct gen_capture *c, struct lab_json *j)
{
	lab_json_obj(j, "capture");
	lab_json_u64(j, "events", c->events);
	lab_json_u64(j, "events_skipped", c->events_skipped);
	lab_json_u64(j, "frames", c->frames);
	lab_json_u64(j, "rate_triggers", c->rate_triggers);
	lab_json_u64(j, "latency_triggers", c->latency_triggers);
	lab_json_u64(j, "write_errors", c->write_errors);
	lab_json_obj_end(j);
}

int gen_capture_close(struct gen_capture *c)
{
	if (!c)
		return 0;
	int rc = 0;
	if (c->write_errors) /* a pcap with records missing is not put in place */
		lab_pcap_out_abort(&c->out);
	else
		rc = lab_pcap_out_close(&c->out);
	bool bad = rc < 0 || c->write_errors;
	free(c->slots);
	free(c->data);
	free(c->arr);
	free(c);
	return bad ? -1 : 0;
}
