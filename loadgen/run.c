/* run.c — the open-loop send loop, the tail wait, and the run's outputs (record file, stats
 * JSON, summary line). One thread: it sends each packet when its time comes (at once when it
 * is late, keeping the lateness), spins when the next send is close and otherwise waits on the
 * backend for arrivals, so the schedule never waits for the receive side. */
#include "run.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "clock.h"
#include "log.h"
#include "stream.h"
#include "util.h"

#define START_LEAD_NS 20000000ull /* time zero this far after setup: pages and caches warm */
#define POLL_GUARD_NS 5000ull     /* closer than this to a send: do not start a receive */
/* --timing user, a reply awaited: sleep in the receive until this close to the next send (then
 * spin to it). Room for the timer's own wakeup, so the send stays on time; a reply later than
 * this is taken by the spinning loop, without a wakeup. */
#define USER_WAKE_NS 20000ull

void gen_on_rx(struct gen_run *g, uint8_t *payload, size_t len, uint64_t recv_ns,
	       const uint8_t *frame, size_t frame_len)
{
	uint64_t idx = 0, rtt = 0;
	enum gen_rx_class c = gen_track_rx(&g->track, payload, len, recv_ns, &idx);
	if (c == GEN_RX_OK || c == GEN_RX_REORDERED) {
		uint64_t in = g->track.recs[idx].intended_ns;
		rtt = recv_ns > in ? recv_ns - in : 0;
		gen_hist_add(&g->rtt, rtt);
	}
	if (g->cap)
		gen_capture_rx(g->cap, g, payload, len, recv_ns, frame, frame_len, rtt);
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 10000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 10000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
}

/* the previous progress line's time and sent count, for the rate since */
struct progress_mark {
	uint64_t ns, sent;
};

static void progress(struct gen_run *g, uint64_t now, struct progress_mark *last)
{
	const struct gen_track *t = &g->track;
	double dt = (double)(now - last->ns) / 1e9;
	char p99[32];
	fmt_ns(p99, sizeof(p99), gen_hist_quantile(&g->rtt, 0.99));
	fprintf(stderr, "%s: %5.1f s  %9.0f pps  sent %" PRIu64 "  received %" PRIu64
			"  lost %" PRIu64 "  rtt p99 %s\n",
		lab_prog(), (double)(now - g->start_ns) / 1e9, dt > 0 ? (double)(t->sent - last->sent) / dt : 0.0,
		t->sent, t->received, gen_track_lost(t), p99);
	last->ns = now;
	last->sent = t->sent;
}

/* How long before the next send the loop stops waiting in the receive and spins. User timing
 * measures as sockperf's ping-pong client, which blocks in recvfrom until its reply is back and
 * only then spins to its next send (--mps): while the last packet sent has not come back, the
 * loop sleeps in the receive (up to USER_WAKE_NS before the next send) instead of spinning, so
 * the reply wakes it and the wakeup is in the RTT. Spinning through it, as the kernel timing
 * does, would leave the wakeup out and the two tools would measure different things. */
static uint64_t spin_window(const struct gen_run *g)
{
	const struct gen_track *t = &g->track;
	uint64_t spin = g->cfg.spin_ns;
	if (g->cfg.timing != GEN_TIMING_USER || t->next == 0 || spin <= USER_WAKE_NS)
		return spin;
	const struct lab_rec *last = &t->recs[t->next - 1];
	if ((last->flags & LAB_REC_SENT) && !(last->flags & LAB_REC_RECEIVED))
		return USER_WAKE_NS;
	return spin;
}

/* The records streamed from time zero on (a killed run leaves them); failing that, written at
 * the end as before. */
static void stream_begin(struct gen_run *g)
{
	if (g->rec_fd < 0 || g->cfg.stream_cpu == -2)
		return;
	if (!(g->stream = gen_stream_start(g, g->rec_fd)))
		lab_warn("--out %s: cannot stream the records during the run (%s): they are written "
			 "at the end only", g->cfg.out, strerror(errno));
}

static void stream_end(struct gen_run *g)
{
	int e;
	uint64_t n = gen_stream_stop(g->stream, &e);
	g->stream = NULL;
	if (e)
		lab_warn("--out %s: streaming the records stopped after %" PRIu64 ": %s (all are "
			 "written again at the end)", g->cfg.out, n, strerror(e));
}

/* Everything the backend handed back so far: the gap log counts it as work. */
static inline uint64_t rx_seen(const struct gen_track *t)
{
	return t->received + t->duplicated + t->foreign + t->malformed;
}

/* Nothing due within the guard: wait in the receive until the spin window before the next
 * send. *now is the time after it. Returns the backend's error, or 0. */
static inline int wait_for_due(struct gen_run *g, uint64_t *now, uint64_t due)
{
	uint64_t spin = spin_window(g);
	uint64_t wait = due - *now > spin ? due - *now - spin : 0;
	uint64_t got = rx_seen(&g->track);
	int rc;
	if (wait)
		lab_gap_pause(&g->gaps);
	if ((rc = g->be->poll(g, wait)) < 0)
		return rc;
	*now = lab_now_ns();
	got = rx_seen(&g->track) - got;
	if (got)
		lab_gap_work(&g->gaps, *now, (unsigned)got);
	return 0;
}

/* Spin to the next send's time; *now is then at or past it. */
static inline void spin_to(struct gen_run *g, uint64_t *now, uint64_t due)
{
	while (*now < due) {
		*now = lab_now_ns();
		lab_gap_tick(&g->gaps, *now);
	}
}

/* The packets due by now, at most batch of them, into intended[]; *planned and *due move on
 * along the schedule. Returns how many. */
static inline unsigned take_due(const struct gen_run *g, struct gen_sched *s, uint64_t now,
				uint64_t *planned, uint64_t *due, uint64_t *intended, uint32_t batch)
{
	uint64_t count = g->cfg.count;
	unsigned n = 0;
	while (n < batch && *planned < count && *due <= now) {
		intended[n++] = *due;
		if (++*planned < count)
			*due = g->start_ns + gen_sched_next(s);
	}
	return n;
}

/* Hand n packets to the backend, publish them to the stream, then drain the receive once.
 * Returns the backend's error, or 0. */
static inline int send_batch(struct gen_run *g, const uint64_t *intended, unsigned n)
{
	g->be->send(g, intended, n);
	/* what the stream may read (stream.h): one store, no call */
	__atomic_store_n(&g->published, g->track.next, __ATOMIC_RELEASE);
	/* drain once after every batch: when the gaps are shorter than the guard, or the sender
	 * is behind, this is the only receive, and without it the receive ring overflows */
	uint64_t got = rx_seen(&g->track);
	int rc;
	if ((rc = g->be->poll(g, 0)) < 0)
		return rc;
	got = rx_seen(&g->track) - got;
	lab_gap_work(&g->gaps, lab_now_ns(), n + (unsigned)got);
	return 0;
}

/* Once a second: the progress line, and whether the schedule fell so far behind that the
 * run stops sending (true). */
static bool each_second(struct gen_run *g, uint64_t now, struct progress_mark *last,
			uint64_t deadline, uint64_t grace, uint64_t planned)
{
	if (g->cfg.progress)
		progress(g, now, last);
	if (now <= deadline)
		return false;
	lab_warn("the schedule fell more than %.1f s behind: stopped sending with %" PRIu64
		 " of %" PRIu64 " packets handed out", (double)grace / 1e9, planned, g->cfg.count);
	return true;
}

/* The backend failed mid-run (e.g. the interface was deleted under us): the counts so far
 * still go out, and what was never handed out is counted as unsent, not silently dropped. */
static int run_failed(struct gen_run *g, int rc)
{
	const struct gen_cfg *c = &g->cfg;
	lab_err("receive on %s failed: %s (stopped with %" PRIu64 " of %" PRIu64 " sent)",
		c->iface, strerror(-rc), g->track.next, c->count);
	g->end_ns = lab_now_ns();
	g->in_flight = gen_track_in_flight(&g->track, g->end_ns);
	g->unsent = c->count - g->track.next;
	stream_end(g);
	return rc;
}

/* The tail: wait for what is still in flight; after a signal, short enough to end in 2 s. */
static int tail_wait(struct gen_run *g, struct progress_mark *last, uint64_t next_progress)
{
	const struct gen_cfg *c = &g->cfg;
	uint64_t tail = c->tail_ns;
	int rc = 0;
	if (lab_stop && tail > 1500000000ull)
		tail = 1500000000ull;
	uint64_t from = g->last_send_ns > g->start_ns ? g->last_send_ns : lab_now_ns();
	uint64_t end = from + tail;
	for (uint64_t now = lab_now_ns(); now < end; now = lab_now_ns()) {
		uint64_t wait = end - now < 10000000ull ? end - now : 10000000ull;
		if ((rc = g->be->poll(g, wait)) < 0) {
			lab_err("receive on %s failed: %s", c->iface, strerror(-rc));
			break;
		}
		if (c->progress && now >= next_progress) {
			progress(g, now, last);
			next_progress += 1000000000ull;
		}
	}
	g->end_ns = lab_now_ns();
	g->in_flight = gen_track_in_flight(&g->track, g->end_ns > tail ? g->end_ns - tail : 0);
	g->unsent = c->count - g->track.next;
	stream_end(g);
	return rc < 0 ? rc : 0;
}

int gen_run_loop(struct gen_run *g)
{
	const struct gen_cfg *c = &g->cfg;
	struct gen_sched s;
	uint64_t intended[256];
	uint32_t batch = c->batch ? c->batch : 1;
	if (batch > 256)
		batch = 256;

	gen_sched_init(&s, &c->sched);
	g->start_ns = lab_now_ns() + START_LEAD_NS;
	/* a schedule the sender cannot keep still ends: at most this long after its planned end */
	uint64_t grace = c->duration_ns / 10 > 1000000000ull ? c->duration_ns / 10 : 1000000000ull;
	uint64_t deadline = g->start_ns + c->duration_ns + grace;
	uint64_t planned = 0, due = c->count ? g->start_ns + gen_sched_next(&s) : 0;
	uint64_t next_progress = g->start_ns + 1000000000ull;
	struct progress_mark last = {g->start_ns, 0};
	int rc = 0;
	stream_begin(g);

	while (planned < c->count && !lab_stop) {
		uint64_t now = lab_now_ns();
		/* the gap log: idle iterations over the threshold; one that sent or received did work
		 * (the send's syscall runs the veth's softirq too) and is a gap only when far longer
		 * (gaplog.h); a wait we chose is no gap */
		lab_gap_tick(&g->gaps, now);
		if (now + POLL_GUARD_NS < due) {
			if ((rc = wait_for_due(g, &now, due)) < 0)
				break;
		} else {
			spin_to(g, &now, due);
			unsigned n = take_due(g, &s, now, &planned, &due, intended, batch);
			if ((rc = send_batch(g, intended, n)) < 0)
				break;
		}
		if (now >= next_progress) {
			next_progress += 1000000000ull;
			if (each_second(g, now, &last, deadline, grace, planned))
				break;
		}
	}
	if (rc < 0)
		return run_failed(g, rc);
	return tail_wait(g, &last, next_progress);
}

/* Send lateness (actual - intended) and the achieved rate, from the records. */
void gen_run_figures(struct gen_run *g)
{
	const struct gen_track *t = &g->track;
	uint64_t first = UINT64_MAX, last = 0;
	gen_hist_reset(&g->late);
	for (uint64_t i = 0; i < t->next; i++) {
		const struct lab_rec *r = &t->recs[i];
		if (!(r->flags & LAB_REC_SENT))
			continue;
		gen_hist_add(&g->late, r->sent_ns > r->intended_ns ? r->sent_ns - r->intended_ns : 0);
		if (r->sent_ns < first)
			first = r->sent_ns;
		if (r->sent_ns > last)
			last = r->sent_ns;
	}
	g->offered_pps = gen_sched_mean_pps(&g->cfg.sched);
	/* n packets at the offered rate span n gaps: (n-1) between them and the one after the last */
	if (t->sent > 1 && g->offered_pps > 0)
		g->achieved_pps = (double)t->sent * 1e9 / ((double)(last - first) + 1e9 / g->offered_pps);
	else
		g->achieved_pps = 0;
}

static void lat_obj(struct lab_json *j, const char *key, const struct gen_hist *h)
{
	lab_json_obj(j, key);
	lab_json_u64(j, "p50", gen_hist_quantile(h, 0.50));
	lab_json_u64(j, "p99", gen_hist_quantile(h, 0.99));
	lab_json_u64(j, "max", h->max);
	lab_json_obj_end(j);
}

static void stats_fill(struct lab_json *j, void *arg)
{
	struct gen_run *g = arg;
	const struct gen_cfg *c = &g->cfg;
	const struct gen_track *t = &g->track;
	lab_json_str(j, "path", c->path);
	lab_json_str(j, "backend", g->be->name);
	lab_json_str(j, "mode", g->mode);
	lab_json_str(j, "timing", c->timing == GEN_TIMING_USER ? "user" : "kernel");
	lab_json_str(j, "tx_time", g->tx_time_src);
	lab_json_str(j, "rx_time", g->rx_time_src);
	lab_json_str(j, "pattern", gen_pattern_name(c->sched.pattern));
	lab_json_u64(j, "rate_pps", (uint64_t)llround(gen_sched_mean_pps(&c->sched)));
	lab_json_u64(j, "burst_size", c->sched.pattern == GEN_PAT_BURST ? c->sched.burst_size : 0);
	lab_json_u64(j, "burst_gap_ns", c->sched.pattern == GEN_PAT_BURST ? c->sched.burst_gap_ns : 0);
	lab_json_u64(j, "frame_size", c->frame_size);
	lab_json_u64(j, "seed", c->sched.seed);
	lab_json_bool(j, "stamp", c->stamp);
	lab_json_bool(j, "accept_unmarked", c->accept_unmarked);
	lab_json_str(j, "iface", c->iface);
	lab_json_str(j, "rx_iface", c->rx_iface ? c->rx_iface : "");
	lab_json_u64(j, "flows", c->flows ? c->flows : 1);
	lab_json_str(j, "dst", c->dst_text);
	lab_json_i64(j, "cpu", c->cpu);
	lab_json_u64(j, "count", c->count);
	lab_json_u64(j, "sent", t->sent);
	lab_json_u64(j, "received", t->received);
	lab_json_u64(j, "lost", gen_track_lost(t));
	lab_json_u64(j, "reordered", t->reordered);
	lab_json_u64(j, "duplicated", t->duplicated);
	lab_json_u64(j, "malformed", t->malformed);
	lab_json_u64(j, "foreign", t->foreign);
	lab_json_u64(j, "send_failed", t->send_failed);
	lab_json_u64(j, "unsent", g->unsent);
	lab_json_u64(j, "in_flight_at_stop", g->in_flight);
	lab_json_u64(j, "tx_timestamps", g->tx_stamps);
	lab_json_dbl(j, "offered_pps", g->offered_pps);
	lab_json_dbl(j, "achieved_pps", g->achieved_pps);
	lat_obj(j, "send_lateness_ns", &g->late);
	lat_obj(j, "rtt_ns", &g->rtt);
	lab_json_u64(j, "start_ns", g->start_ns);
	lab_json_u64(j, "end_ns", g->end_ns);
	lab_json_u64(j, "tail_ns", c->tail_ns);
	lab_json_bool(j, "interrupted", g->interrupted);
	if (g->cap)
		gen_capture_stats(g->cap, j);
	if (g->be->stats) {
		lab_json_obj(j, "backend_counters");
		g->be->stats(g, j);
		lab_json_obj_end(j);
	}
}

int gen_stats_write(struct gen_run *g, const char *path)
{
	return lab_json_write_file(path, stats_fill, g);
}

void gen_summary(struct gen_run *g)
{
	const struct gen_track *t = &g->track;
	char l50[32], l99[32], lmax[32], r50[32], r99[32], rmax[32];
	double err = g->offered_pps > 0 ? (g->achieved_pps - g->offered_pps) / g->offered_pps * 100 : 0;
	fmt_ns(l50, sizeof(l50), gen_hist_quantile(&g->late, 0.5));
	fmt_ns(l99, sizeof(l99), gen_hist_quantile(&g->late, 0.99));
	fmt_ns(lmax, sizeof(lmax), g->late.max);
	fmt_ns(r50, sizeof(r50), gen_hist_quantile(&g->rtt, 0.5));
	fmt_ns(r99, sizeof(r99), gen_hist_quantile(&g->rtt, 0.99));
	fmt_ns(rmax, sizeof(rmax), g->rtt.max);
	fprintf(stderr,
		"%s: %s via %s [%s]%s: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64
		" (in flight at stop %" PRIu64 ") reordered %" PRIu64 " duplicated %" PRIu64
		" malformed %" PRIu64 " foreign %" PRIu64 " send_failed %" PRIu64 " unsent %" PRIu64
		"; offered %.0f pps achieved %.0f pps (%+.3f %%); send lateness p50 %s p99 %s max %s;"
		" rtt p50 %s p99 %s max %s\n",
		lab_prog(), g->cfg.path, g->be->name, g->mode, g->interrupted ? " (interrupted)" : "",
		t->sent, t->received, gen_track_lost(t), g->in_flight, t->reordered, t->duplicated,
		t->malformed, t->foreign, t->send_failed, g->unsent, g->offered_pps, g->achieved_pps,
		err, l50, l99, lmax, r50, r99, rmax);
}
