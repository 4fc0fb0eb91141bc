/* watch.c — lab-watch's capture, events and files; see watch.h.
 *
 * Each packet goes into the ring and into the burst detector. The detector decides a packet
 * once the first packet past its window has come (or the clock says none will): then it is
 * written to the pcap of every event whose window [start - before, end + after] holds it.
 * When a burst opens, the ring's packets back to its start - before are written first; the
 * burst's own packets follow as they are decided, so a burst larger than the ring loses
 * nothing (only the context older than what the ring still holds: `context_cut`). An event's
 * line is written once its after-margin has passed. */
#include "watch.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bursts.h"
#include "caps.h"
#include "log.h"
#include "pcap_out.h"
#include "watch_flow.h"
#include "watch_ring.h"

#define WE_MAX 32      /* events open at once (their windows overlap) */
#define TICK_MS 100    /* drop counters sampled, idle windows decided */
#define BLOCK_MS 50    /* TPACKET_V3's block timeout */

struct wevent {
	uint64_t id;
	struct lab_burst b;
	bool closed, interrupted, context_cut, pcap_full, early;
	int64_t lo, hi;
	uint64_t written, unwritten, last_seq;
	uint64_t wv;            /* the ring position written up to (while open) */
	int64_t context_from;
	struct wflows flows;
	struct wd_sample base;
	struct lab_pcap_out po; /* --split */
	char pcap[64];
};

struct watch {
	const struct watch_cfg *c;
	pcap_t *p;
	int linktype;
	struct wring ring;
	struct lab_burst_stream bs;
	struct wd drops;
	struct wflow_dict dict;      /* the flows of the undecided packets */
	uint32_t *fslot;             /* by seq % the detector's capacity */
	struct wevent ev[WE_MAX];
	unsigned nev;                /* active: ev[0..nev) in order of opening */
	uint64_t next_id, done, written_packets, written_bytes;
	struct lab_pcap_out shared;
	uint64_t shared_last; bool shared_any, pcap_full;
	int64_t floor_ts, slack_ns, started_ns, rt_minus_mono;
	uint64_t packets, bytes, out_of_order;
	bool cur_open;               /* ev[nev - 1] is the burst still open */
	int events_fd;
	bool dir_made, stop, failed;
	const char *stopped_by;
	char dir[PATH_MAX];
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- writing packets ---- */
static int open_pcap(struct watch *w, struct lab_pcap_out *po, const char *rel)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", w->dir, rel);
	if (lab_pcap_out_create(po, path, (uint32_t)w->c->snaplen, (uint32_t)w->linktype,
				!w->c->force) < 0) {
		lab_err("cannot write %s: %s", path, strerror(errno));
		w->failed = w->stop = true;
		w->stopped_by = "error";
		return -1;
	}
	return 0;
}

/* In the single file, a packet inside several events' windows counts for the first of them. */
static struct wevent *owner(struct watch *w, struct wevent *e, const struct wrec *r)
{
	if (w->c->split)
		return e;
	for (unsigned k = 0; k < w->nev; k++)
		if (r->ts >= w->ev[k].lo && r->ts <= w->ev[k].hi)
			return &w->ev[k];
	return e;
}

static void write_rec(struct watch *w, struct wevent *e, const struct wrec *r)
{
	struct lab_pcap_out *po = w->c->split ? &e->po : &w->shared;
	uint64_t *last = w->c->split ? &e->last_seq : &w->shared_last;
	bool any = w->c->split ? e->written > 0 : w->shared_any;
	uint64_t cost = 16 + (r->caplen < w->c->snaplen ? r->caplen : w->c->snaplen);

	if (any && r->seq <= *last)
		return; /* already in this file, for an earlier event */
	if (!po->f)
		cost += 24; /* the file's header */
	if (w->written_bytes + cost > w->c->max_bytes) {
		e->pcap_full = w->pcap_full = true;
		return;
	}
	if (!po->f && open_pcap(w, po, e->pcap) < 0)
		return;
	if (lab_pcap_out_write(po, (uint64_t)r->ts, r + 1, r->caplen, r->len) < 0) {
		lab_err("cannot write %s/%s: %s", w->dir, e->pcap, strerror(errno));
		w->failed = w->stop = true;
		w->stopped_by = "error";
		return;
	}
	*last = r->seq;
	if (!w->c->split)
		w->shared_any = true;
	e = owner(w, e, r);
	if (!e->written++)
		e->context_from = r->ts;
	w->written_packets++;
	w->written_bytes += cost;
}

/* What waits in the pcaps' buffers goes to disk (each tick, each event's end): a watch killed
 * hard loses at most that and leaves files that end on a whole record. */
static void flush_pcaps(struct watch *w)
{
	int rc = lab_pcap_out_flush(&w->shared);
	for (unsigned k = 0; k < w->nev; k++)
		if (lab_pcap_out_flush(&w->ev[k].po) < 0)
			rc = -1;
	if (rc < 0 && !w->failed) {
		lab_err("cannot write the pcaps in %s: %s", w->dir, strerror(errno));
		w->failed = w->stop = true;
		w->stopped_by = "error";
	}
}

/* The open event: the ring's packets from its cursor, in its window, up to what is surely in
 * it (the burst's last packet known so far + the after-margin); the rest when decided. A burst
 * larger than the ring is so written as it comes, and only the context must fit. */
static void write_open(struct watch *w, struct wevent *e)
{
	int64_t bound = w->bs.end_known_t + (int64_t)w->c->after_ms * 1000000;
	const struct wrec *r;
	if (e->wv < w->ring.head)
		e->wv = w->ring.head;
	for (;;) {
		uint64_t v0 = e->wv;
		if (!(r = wring_next(&w->ring, &e->wv)))
			break;
		if (r->ts > bound) {
			e->wv = v0;
			break;
		}
		if (r->ts >= e->lo)
			write_rec(w, e, r);
	}
}

/* ---- events ---- */
static void event_line(struct watch *w, struct wevent *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lab_json j;
	struct wd_sample now = wd_slot(&w->drops, 0);

	if (!f)
		return;
	wd_take(&w->drops, &now);
	lab_json_begin_line(&j, f);
	lab_json_u64(&j, "event", e->id);
	lab_json_i64(&j, "start_ns", e->b.start_ns);
	lab_json_i64(&j, "end_ns", e->b.end_ns);
	lab_json_i64(&j, "duration_ns", e->b.end_ns - e->b.start_ns);
	lab_json_u64(&j, "packets", e->b.count);
	lab_json_u64(&j, "bytes", e->b.bytes);
	lab_json_dbl_full(&j, "peak_pps", e->b.peak_pps);
	lab_json_dbl_full(&j, "peak_bps", e->b.peak_bps);
	lab_json_arr(&j, "window_ns");
	lab_json_i64(&j, NULL, e->lo);
	lab_json_i64(&j, NULL, e->hi);
	lab_json_arr_end(&j);
	/* no file when nothing could be written for it (--split, --max-bytes reached) */
	lab_json_str(&j, "pcap", (w->c->split ? e->written : w->shared_any) ? e->pcap : "");
	lab_json_u64(&j, "written_packets", e->written);
	if (e->written)
		lab_json_i64(&j, "context_from_ns", e->context_from);
	else
		lab_json_null(&j, "context_from_ns");
	lab_json_bool(&j, "context_cut", e->context_cut);
	lab_json_u64(&j, "unwritten_packets", e->unwritten);
	wflows_json(&j, &e->flows, e->b.count);
	wd_json(&j, &w->drops, &e->base, &now);
	lab_json_bool(&j, "interrupted", e->interrupted);
	lab_json_bool(&j, "after_cut", e->early);
	lab_json_bool(&j, "pcap_full", e->pcap_full);
	lab_json_end(&j);
	fclose(f);
	if (write(w->events_fd, buf, len) != (ssize_t)len) {
		lab_err("cannot write %s/events.jsonl: %s", w->dir, strerror(errno));
		w->failed = w->stop = true;
		w->stopped_by = "error";
	}
	free(buf);
}

static void complete(struct watch *w, unsigned k)
{
	struct wevent *e = &w->ev[k];
	flush_pcaps(w); /* the packets before the line that names them */
	event_line(w, e);
	if (w->c->split && lab_pcap_out_close(&e->po) < 0) {
		lab_err("cannot write %s/%s: %s", w->dir, e->pcap, strerror(errno));
		w->failed = true;
	}
	if (!w->c->quiet)
		fprintf(stderr, "lab-watch: event %llu: %zu packets in %.1f us, peak %.0f pps, %llu "
				"written%s\n", (unsigned long long)e->id, e->b.count,
			(double)(e->b.end_ns - e->b.start_ns) / 1e3, e->b.peak_pps,
			(unsigned long long)e->written, e->interrupted ? " (interrupted)" : "");
	/* keep the order; the flow table and the sample arrays move with the slot */
	struct wevent keep = w->ev[k];
	memmove(&w->ev[k], &w->ev[k + 1], (w->nev - k - 1) * sizeof(w->ev[0]));
	w->ev[--w->nev] = keep;
	w->done++;
	if (w->c->max_events && w->done >= w->c->max_events && !w->stop) {
		w->stop = true;
		w->stopped_by = "max_events";
	}
}

/* Events whose window ends before t, every packet up to t decided. */
static void complete_before(struct watch *w, int64_t t)
{
	for (unsigned k = 0; k < w->nev;)
		if (w->ev[k].closed && w->ev[k].hi < t)
			complete(w, k);
		else
			k++;
}

static void on_open(struct watch *w, const struct lab_burst *b, uint64_t seq)
{
	struct wevent *e;
	(void)seq;

	if (w->c->max_events && w->next_id >= w->c->max_events)
		return; /* the watch stops after the events it was asked for */
	if (w->nev == WE_MAX) { /* the oldest closed one gives up the rest of its margin */
		w->ev[0].early = true;
		complete(w, 0);
	}
	e = &w->ev[w->nev++];
	struct wflows fl = e->flows;
	struct wd_sample base = e->base;
	*e = (struct wevent){.id = ++w->next_id, .b = *b, .lo = b->start_ns -
			     (int64_t)w->c->before_ms * 1000000, .hi = INT64_MAX,
			     .flows = fl, .base = base};
	wflows_reset(&e->flows);
	w->cur_open = true;
	wd_copy(&w->drops, &e->base, wd_before(&w->drops, e->lo));
	if (w->c->split)
		snprintf(e->pcap, sizeof(e->pcap), "bursts/event-%06llu.pcap",
			 (unsigned long long)e->id);
	else
		snprintf(e->pcap, sizeof(e->pcap), "bursts.pcap");
	e->context_cut = w->ring.evicted && w->ring.evicted_max_ts >= e->lo;
	if (!w->c->quiet)
		fprintf(stderr, "lab-watch: event %llu started at %lld.%09lld (%llu packets so far)\n",
			(unsigned long long)e->id, (long long)(b->start_ns / 1000000000),
			(long long)(b->start_ns % 1000000000),
			(unsigned long long)(w->bs.cur_end - b->first));
	e->wv = wring_first(&w->ring);
	write_open(w, e);
}

static void on_done(struct watch *w, uint64_t seq, int64_t t, uint64_t v)
{
	const struct wrec *r = wring_get(&w->ring, seq, v);
	for (unsigned k = 0; k < w->nev; k++) {
		struct wevent *e = &w->ev[k];
		bool done = w->c->split ? e->written && seq <= e->last_seq :
					  w->shared_any && seq <= w->shared_last;
		if (!r) { /* given up by the ring before it could be written */
			if (!done && t >= e->lo && t <= e->hi)
				e->unwritten++;
			continue;
		}
		if (r->ts >= e->lo && r->ts <= e->hi)
			write_rec(w, e, r);
	}
	complete_before(w, r ? r->ts : t);
}

static void bs_cb(void *ctx, enum lab_bs_what what, const struct lab_burst *b, uint64_t seq,
		  int64_t t, uint64_t user)
{
	struct watch *w = ctx;
	struct wevent *e = w->cur_open ? &w->ev[w->nev - 1] : NULL;
	switch (what) {
	case LAB_BS_OPEN:
		on_open(w, b, seq);
		break;
	case LAB_BS_PACKET:
		if (e)
			wflows_add(&e->flows, wdict_key(&w->dict, w->fslot[seq % w->bs.cap]),
				   w->bs.ring[seq % w->bs.cap].len);
		break;
	case LAB_BS_CLOSE:
		if (e) {
			e->b = *b;
			e->closed = true;
			e->hi = b->end_ns + (int64_t)w->c->after_ms * 1000000;
			w->cur_open = false;
		}
		break;
	case LAB_BS_DONE:
		on_done(w, seq, t, user);
		break;
	}
}

/* ---- the capture ---- */
static void on_packet(u_char *u, const struct pcap_pkthdr *h, const u_char *data)
{
	struct watch *w = (struct watch *)u;
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec; /* nanosecond precision */
	uint32_t cap = h->caplen;
	uint64_t seq = w->bs.n, v;

	w->packets++;
	w->bytes += h->len;
	if (cap > w->ring.size / 4)
		cap = (uint32_t)(w->ring.size / 4);
	v = wring_put(&w->ring, seq, ts, cap, h->len, data);
	struct wflow_key k;
	wflow_parse(data, h->caplen, w->linktype, &k);
	if (ts < w->floor_ts) { /* before one already seen, or a window already decided */
		w->out_of_order++;
		ts = w->floor_ts;
	}
	w->floor_ts = ts;
	lab_bs_push(&w->bs, ts, h->len, v);
	/* after the push: a full detector decided its oldest, so the slot is free again */
	w->fslot[seq % w->bs.cap] = wdict_put(&w->dict, &k, seq, w->bs.head);
	if (w->cur_open)
		write_open(w, &w->ev[w->nev - 1]);
}

/* No packet stamped before now - slack will come: decide what that settles. */
static void settle(struct watch *w)
{
	int64_t t = clock_ns(CLOCK_REALTIME) - w->slack_ns;
	if (t > w->floor_ts) {
		lab_bs_advance(&w->bs, t);
		w->floor_ts = t;
		if (w->cur_open)
			write_open(w, &w->ev[w->nev - 1]);
	}
	if (w->bs.head == w->bs.n)
		complete_before(w, t);
}

static void finish(struct watch *w)
{
	int64_t t = clock_ns(CLOCK_REALTIME) - w->slack_ns;
	for (unsigned k = 0; k < w->nev; k++)
		if (!w->ev[k].closed || w->ev[k].hi >= t)
			w->ev[k].interrupted = true;
	uint64_t last_id = w->next_id;
	lab_bs_flush(&w->bs);
	/* opened while flushing: their after-margin was never seen */
	for (unsigned k = 0; k < w->nev; k++)
		if (w->ev[k].id > last_id)
			w->ev[k].interrupted = true;
	while (w->nev) {
		w->ev[0].interrupted |= !w->ev[0].closed;
		complete(w, 0);
	}
	if (w->shared.f && lab_pcap_out_close(&w->shared) < 0) {
		lab_err("cannot write %s/bursts.pcap: %s", w->dir, strerror(errno));
		w->failed = true;
	}
}

/* ---- setup: every check before anything is written ---- */
static int iface_check(const char *iface)
{
	struct ifreq ifr;
	int fd;
	if (strcmp(iface, "any") == 0)
		return 0;
	if (strlen(iface) >= IFNAMSIZ || if_nametoindex(iface) == 0) {
		lab_err("no interface %s here (ip link lists them; in a namespace, run lab-watch "
			"inside it: ip netns exec NS ...)", iface);
		return LAB_EXIT_USAGE;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		close(fd);
		lab_err("interface %s is down: bring it up first (ip link set %s up)", iface, iface);
		return LAB_EXIT_RUNTIME;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int open_capture(struct watch *w)
{
	const struct watch_cfg *c = w->c;
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	int rc;

	w->p = pcap_create(c->iface, eb);
	if (!w->p) {
		lab_err("cannot capture on %s: %s", c->iface, eb);
		return LAB_EXIT_RUNTIME;
	}
	pcap_set_snaplen(w->p, (int)c->snaplen);
	pcap_set_promisc(w->p, 1);
	/* TPACKET_V3 hands packets over in blocks of 256 KiB (libpcap's size, whatever the
	 * snapshot), each retired at the latest after this timeout however little it holds: a
	 * trickle while lab-watch is off the CPU uses up a block per timeout, so a longer one
	 * rides out longer stalls (32 MiB: 128 blocks x 50 ms); events come at most that late */
	pcap_set_timeout(w->p, BLOCK_MS);
	pcap_set_buffer_size(w->p, (int)(c->buffer_mb << 20));
	pcap_set_immediate_mode(w->p, c->immediate);
	pcap_set_tstamp_precision(w->p, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(w->p);
	if (rc < 0) {
		lab_err("cannot capture on %s: %s%s", c->iface, pcap_geterr(w->p),
			rc == PCAP_ERROR_PERM_DENIED ? " (run as root, or with CAP_NET_RAW)" : "");
		return rc == PCAP_ERROR_NO_SUCH_DEVICE ? LAB_EXIT_USAGE : LAB_EXIT_RUNTIME;
	}
	if (pcap_get_tstamp_precision(w->p) != PCAP_TSTAMP_PRECISION_NANO) {
		lab_err("%s: libpcap gives no nanosecond timestamps here", c->iface);
		return LAB_EXIT_RUNTIME;
	}
	if (pcap_compile(w->p, &prog, c->filter ? c->filter : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		lab_err("filter \"%s\" does not compile: %s", c->filter, pcap_geterr(w->p));
		return LAB_EXIT_USAGE;
	}
	rc = pcap_setfilter(w->p, &prog);
	pcap_freecode(&prog);
	if (rc == 0 && c->direction &&
	    pcap_setdirection(w->p, c->direction == 1 ? PCAP_D_IN : PCAP_D_OUT) < 0) {
		lab_err("cannot capture one direction only on %s: %s", c->iface, pcap_geterr(w->p));
		return LAB_EXIT_RUNTIME;
	}
	if (rc < 0 || pcap_setnonblock(w->p, 1, eb) < 0) {
		lab_err("cannot set up the capture on %s: %s", c->iface, rc < 0 ? pcap_geterr(w->p) : eb);
		return LAB_EXIT_RUNTIME;
	}
	w->linktype = pcap_datalink(w->p);
	return 0;
}

/* --force: the per-event pcaps of an earlier watch go, so none is mistaken for this one's */
static void remove_event_pcaps(const char *bursts)
{
	DIR *d = opendir(bursts);
	struct dirent *de;
	char path[2 * PATH_MAX];
	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "event-", 6) == 0 && strstr(de->d_name, ".pcap")) {
			snprintf(path, sizeof(path), "%s/%s", bursts, de->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
}

static const char *const outputs[] = {"events.jsonl", "watch.json", "bursts.pcap", "report.html"};

/* The output directory: made if missing; files of an earlier watch refused unless --force
 * (then removed, with its per-event pcaps). */
static int prepare_out(struct watch *w)
{
	struct stat st;
	char path[PATH_MAX + 64];
	if (stat(w->dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		lab_err("--out %s is not a directory: give another --out", w->dir);
		return LAB_EXIT_RUNTIME;
	}
	if (stat(w->dir, &st) != 0) {
		if (mkdir(w->dir, 0755) != 0) {
			lab_err("cannot create %s: %s", w->dir, strerror(errno));
			return LAB_EXIT_RUNTIME;
		}
		w->dir_made = true;
	}
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", w->dir, outputs[i]);
		if (lstat(path, &st) != 0)
			continue;
		if (!w->c->force) {
			lab_err("%s exists: give --force to write over it, or another --out", path);
			return LAB_EXIT_USAGE;
		}
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/bursts", w->dir);
	if (lstat(path, &st) == 0 && !w->c->force) {
		lab_err("%s exists: give --force to write over it, or another --out", path);
		return LAB_EXIT_USAGE;
	}
	if (w->c->force)
		remove_event_pcaps(path);
	snprintf(path, sizeof(path), "%s/events.jsonl", w->dir);
	w->events_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (w->events_fd < 0) {
		lab_err("cannot write %s: %s", path, strerror(errno));
		return LAB_EXIT_RUNTIME;
	}
	return 0;
}

static int make_split_dir(struct watch *w)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/bursts", w->dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		lab_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the summary ---- */
struct sum_arg {
	struct watch *w;
	struct wd_sample *a, *b;
};

static void summary_fn(struct lab_json *j, void *arg)
{
	struct sum_arg *s = arg;
	struct watch *w = s->w;
	const struct watch_cfg *c = w->c;
	struct pcap_stat ps = {0};
	lab_json_str(j, "iface", c->iface);
	lab_json_str(j, "filter", c->filter ? c->filter : "");
	lab_json_str(j, "direction", c->direction == 1 ? "in" : c->direction == 2 ? "out" : "both");
	lab_json_u64(j, "linktype", (uint64_t)w->linktype);
	lab_json_u64(j, "snaplen", c->snaplen);
	lab_json_obj(j, "config");
	lab_json_u64(j, "window_us", c->window_us);
	lab_json_dbl(j, "threshold_pps", c->threshold_pps);
	lab_json_dbl(j, "threshold_bps", c->threshold_bps);
	lab_json_u64(j, "before_ms", c->before_ms);
	lab_json_u64(j, "after_ms", c->after_ms);
	lab_json_u64(j, "ring_bytes", w->ring.size);
	lab_json_u64(j, "buffer_bytes", c->buffer_mb << 20);
	lab_json_bool(j, "immediate", c->immediate);
	lab_json_bool(j, "split", c->split);
	lab_json_u64(j, "max_events", c->max_events);
	lab_json_u64(j, "max_bytes", c->max_bytes);
	lab_json_dbl(j, "duration_s", c->duration_s);
	lab_json_obj_end(j);
	lab_json_i64(j, "started_ns", w->started_ns);
	lab_json_i64(j, "ended_ns", s->b->t);
	lab_json_i64(j, "realtime_minus_monotonic_ns", w->rt_minus_mono);
	lab_json_u64(j, "packets", w->packets);
	lab_json_u64(j, "bytes", w->bytes);
	lab_json_u64(j, "out_of_order", w->out_of_order);
	lab_json_u64(j, "detector_saturated", w->bs.saturated);
	lab_json_u64(j, "ring_evicted", w->ring.evicted);
	lab_json_u64(j, "events", w->done);
	lab_json_u64(j, "written_packets", w->written_packets);
	lab_json_u64(j, "written_bytes", w->written_bytes);
	pcap_stats(w->p, &ps);
	lab_json_obj(j, "pcap_stats");
	lab_json_u64(j, "recv", ps.ps_recv);
	lab_json_u64(j, "drop", ps.ps_drop);
	lab_json_u64(j, "ifdrop", ps.ps_ifdrop);
	lab_json_obj_end(j);
	lab_json_str(j, "stopped_by", w->stopped_by);
	lab_json_bool(j, "pcap_full", w->pcap_full);
	wd_json(j, &w->drops, s->a, s->b);
}

/* libpcap's drops said as they happen (at most once a second): a burst the capture lost
 * entirely makes no event, and the user must still learn that something was missed */
static void warn_drops(struct watch *w)
{
	static uint32_t said;
	static int64_t said_at;
	const struct wd_sample *s = wd_before(&w->drops, INT64_MAX);
	if (!s || s->pcap_drop == said || s->t - said_at < 1000000000)
		return;
	lab_warn("libpcap dropped %u packet(s) since the last warning: the capture buffer was "
		 "full (lab-watch off the CPU, or too slow: a larger --buffer-mb, a smaller "
		 "--snaplen)", s->pcap_drop - said);
	said = s->pcap_drop;
	said_at = s->t;
}

/* ---- the loop ---- */
static int loop(struct watch *w, int sfd, int tfd, int64_t deadline)
{
	struct pollfd pf[3] = {{pcap_get_selectable_fd(w->p), POLLIN, 0}, {sfd, POLLIN, 0},
			       {tfd, POLLIN, 0}};
	while (!w->stop) {
		if (poll(pf, 3, TICK_MS) < 0 && errno != EINTR)
			return -1;
		int n, rounds = 0;
		do /* bounded: under a flood the signals and the clock still get their turn */
			n = pcap_dispatch(w->p, 4096, on_packet, (u_char *)w);
		while (n > 0 && !w->stop && ++rounds < 64);
		if (n == PCAP_ERROR) {
			lab_err("capture on %s failed: %s", w->c->iface, pcap_geterr(w->p));
			w->failed = w->stop = true;
			w->stopped_by = "error";
			break;
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) > 0 && !w->stop) {
				w->stop = true;
				w->stopped_by = "signal";
			}
		}
		if (pf[2].revents & POLLIN) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) > 0) {
				wd_tick(&w->drops);
				flush_pcaps(w);
				warn_drops(w);
			}
		}
		settle(w);
		if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline && !w->stop) {
			w->stop = true;
			w->stopped_by = "duration";
		}
	}
	return 0;
}

static int start(struct watch *w)
{
	const struct watch_cfg *c = w->c;
	char err[256];
	int rc;
	struct lab_burst_cfg bc = {c->window_us * 1000, c->threshold_pps, c->threshold_bps};
	size_t ring = (size_t)c->ring_mb << 20;

	if ((rc = iface_check(c->iface)) || (rc = open_capture(w)))
		return rc;
	/* the capture is open: nothing below needs root's powers */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0) {
		lab_err("%s", err);
		return LAB_EXIT_RUNTIME;
	}
	if (wring_init(&w->ring, ring) < 0 ||
	    lab_bs_init(&w->bs, &bc, ring / 128 > 16384 ? ring / 128 : 16384, bs_cb, w) < 0 ||
	    wd_init(&w->drops, c->iface, w->p, 2 + WE_MAX, err, sizeof(err)) < 0 ||
	    wdict_init(&w->dict, 65536) < 0 ||
	    !(w->fslot = calloc(w->bs.cap, sizeof(*w->fslot)))) {
		lab_err("out of memory for a %llu MiB ring", (unsigned long long)c->ring_mb);
		return LAB_EXIT_RUNTIME;
	}
	for (unsigned k = 0; k < WE_MAX; k++) {
		if (wflows_init(&w->ev[k].flows) < 0) {
			lab_err("out of memory for the flow tables");
			return LAB_EXIT_RUNTIME;
		}
		w->ev[k].base = wd_slot(&w->drops, 2 + k);
	}
	if ((rc = prepare_out(w)))
		return rc;
	if (c->split && make_split_dir(w) < 0)
		return LAB_EXIT_RUNTIME;
	return 0;
}

static void undo_out(struct watch *w)
{
	char path[PATH_MAX + 32];
	if (w->events_fd >= 0) {
		close(w->events_fd);
		snprintf(path, sizeof(path), "%s/events.jsonl", w->dir);
		unlink(path);
		w->events_fd = -1;
	}
	if (w->c->split) {
		snprintf(path, sizeof(path), "%s/bursts", w->dir);
		rmdir(path);
	}
	if (w->dir_made)
		rmdir(w->dir);
}

static void teardown(struct watch *w)
{
	for (unsigned k = 0; k < WE_MAX; k++)
		wflows_free(&w->ev[k].flows);
	lab_bs_free(&w->bs);
	wring_free(&w->ring);
	wdict_free(&w->dict);
	free(w->fslot);
	wd_free(&w->drops);
	if (w->p)
		pcap_close(w->p);
	if (w->events_fd >= 0)
		close(w->events_fd);
}

static int signal_fds(int *sfd, int *tfd)
{
	sigset_t set;
	struct itimerspec it = {{0, TICK_MS * 1000000}, {0, TICK_MS * 1000000}};
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*sfd < 0 || *tfd < 0 || timerfd_settime(*tfd, 0, &it, NULL) < 0)
		return -1;
	return 0;
}

static int run_watch(struct watch *w, int sfd, int tfd)
{
	const struct watch_cfg *c = w->c;
	struct wd_sample first = wd_slot(&w->drops, 0), last = wd_slot(&w->drops, 1);
	struct sum_arg sa = {w, &first, &last};
	char path[PATH_MAX + 32];
	int64_t deadline = c->duration_s > 0 ?
		clock_ns(CLOCK_MONOTONIC) + (int64_t)(c->duration_s * 1e9) : 0;

	w->slack_ns = (c->immediate ? 10 : 2 * BLOCK_MS + 10) * 1000000ll;
	w->started_ns = clock_ns(CLOCK_REALTIME);
	w->rt_minus_mono = w->started_ns - clock_ns(CLOCK_MONOTONIC);
	w->stopped_by = "signal";
	wd_tick(&w->drops);
	wd_copy(&w->drops, &first, wd_before(&w->drops, INT64_MAX));
	if (c->ready_file && lab_write_ready_file(c->ready_file) < 0)
		lab_warn("cannot write the ready file %s: %s", c->ready_file, strerror(errno));
	if (!c->quiet)
		fprintf(stderr, "lab-watch: watching %s%s%s (window %llu us, threshold %.0f pps%s), "
				"writing bursts to %s; Ctrl-C stops\n", c->iface,
			c->filter ? " for " : "", c->filter ? c->filter : "",
			(unsigned long long)c->window_us, c->threshold_pps,
			c->threshold_bps > 0 ? " or the bit rate given" : "", w->dir);
	if (loop(w, sfd, tfd, deadline) < 0) {
		lab_err("waiting for packets failed: %s", strerror(errno));
		w->failed = true;
		w->stopped_by = "error";
	}
	/* what the socket still holds, then every decision left */
	while (!w->failed && pcap_dispatch(w->p, 4096, on_packet, (u_char *)w) > 0)
		;
	finish(w);
	wd_take(&w->drops, &last);
	snprintf(path, sizeof(path), "%s/watch.json", w->dir);
	if (lab_json_write_file(path, summary_fn, &sa) < 0) {
		lab_err("cannot write %s: %s", path, strerror(errno));
		w->failed = true;
	}
	if (!c->quiet)
		fprintf(stderr, "lab-watch: %llu packets, %llu event(s), %llu packets written, "
				"stopped by %s; %s/events.jsonl\n", (unsigned long long)w->packets,
			(unsigned long long)w->done, (unsigned long long)w->written_packets,
			w->stopped_by, w->dir);
	return w->failed ? LAB_EXIT_RUNTIME : 0;
}

int watch_run(const struct watch_cfg *c)
{
	static struct watch w; /* large (event slots): not on the stack */
	int sfd = -1, tfd = -1, rc;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.events_fd = -1;
	snprintf(w.dir, sizeof(w.dir), "%s", c->out);
	if (signal_fds(&sfd, &tfd) < 0) {
		lab_err("cannot set up signals and timers: %s", strerror(errno));
		return LAB_EXIT_RUNTIME;
	}
	rc = start(&w);
	if (rc) {
		undo_out(&w);
		teardown(&w);
	} else {
		rc = run_watch(&w, sfd, tfd);
		teardown(&w);
	}
	close(sfd);
	close(tfd);
	return rc;
}
