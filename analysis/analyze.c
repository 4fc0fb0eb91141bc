/* analyze.c — one path of a run, from its record file and its counter files to the figures of
 * summary.json. Memory: the record file is mapped; the five latency series are streamed twice
 * over it (a histogram, then the values near the wanted ranks) instead of stored; one array of
 * n 64-bit values serves the arrival series of the bursts, the in/out-of-burst split and a
 * series with too few distinct values to stream. */
#include "analyze.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "jitter.h"
#include "json_in.h"
#include "lab_constants.h"
#include "lab_paths.h"
#include "log.h"
#include "path_ci.h"
#include "pcap_in.h"
#include "pcap_out.h"
#include "run.h"
#include "stamps.h"
#include "tail.h"

int lab_heat_row(int64_t v_ns)
{
	/* row r starts at 100 ns * 10^(r/6); a table instead of log10 per packet, and the row of
	 * each power of two, from which a value's row is at most two rows up (a row spans 10^(1/6),
	 * about 1.47, so a power-of-two interval holds at most two row starts) */
	static int64_t start_ns[LAB_HEAT_L];
	static int8_t row_of_pow2[64];
	if (!start_ns[1]) {
		for (int r = 0; r < LAB_HEAT_L; r++)
			start_ns[r] = (int64_t)ceil(LAB_HEAT_L_MIN_NS * pow(10.0, r / 6.0));
		for (int e = 0; e < 63; e++) {
			int r = 0;
			while (r + 1 < LAB_HEAT_L && ((int64_t)1 << e) >= start_ns[r + 1])
				r++;
			row_of_pow2[e] = (int8_t)r;
		}
	}
	if (v_ns < start_ns[1])
		return 0;
	int r = row_of_pow2[63 - __builtin_clzll((uint64_t)v_ns)];
	while (r + 1 < LAB_HEAT_L && v_ns >= start_ns[r + 1])
		r++;
	return r;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int add_drop(struct lab_path *p, const char *name, uint64_t v, bool in_sum)
{
	for (size_t i = 0; i < p->ndrops; i++)
		if (strcmp(p->drops[i].name, name) == 0) {
			p->drops[i].value = v;
			p->drops[i].in_sum = in_sum;
			return 0;
		}
	if (p->ndrops >= LAB_MAX_DROPS)
		return -1;
	struct lab_drop *d = &p->drops[p->ndrops++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->value = v;
	d->in_sum = in_sum;
	return 0;
}

/* A drop point the registry (common/paths.tsv) lists for this path but the reflector did not
 * report is a loss the lab could not place: said, never taken as 0. */
static void note_missing_drop_points(struct lab_path *p, const char *topology, const char *name,
				     const char *file)
{
	const char *const *want = lab_path_drop_points(topology, name);
	if (!p->have_counters || !want)
		return;
	for (; *want; want++) {
		size_t i = 0;
		while (i < p->ndrops && strcmp(p->drops[i].name, *want))
			i++;
		if (i == p->ndrops)
			lab_path_note(p, "%s lacks drop point %s (common/paths.tsv lists it)", file, *want);
	}
}

/* Drop points that count packets another one already counts: listed, not subtracted. An AF_XDP
 * socket in copy mode counts a frame it had no fill-ring buffer for in rx_dropped and the fill
 * ring's emptiness in rx_fill_ring_empty_descs, the same frame twice (net/xdp/xsk.c, __xsk_rcv
 * and xp_alloc); in zero-copy mode the latter counts empty polls, not packets. */
static bool drop_is_subset(const char *key)
{
	return strcmp(key, "xsk_fill_ring_empty") == 0;
}

/* lab-gen's AF_XDP receive socket (backend xsk): the replies it dropped, from its
 * backend_counters (XDP_STATISTICS rx_dropped and rx_ring_full; the fill ring's emptiness is
 * listed, being part of rx_dropped). */
static int read_gen_xsk_drops(struct lab_path *p, const struct jv *doc)
{
	static const char *const keys[] = {"xsk_rx_dropped", "xsk_rx_ring_full", "xsk_fill_ring_empty"};
	const struct jv *bc = jv_get(doc, "backend_counters");
	const struct jv *be = jv_get(doc, "backend");
	char name[64];
	uint64_t v;

	if (!bc || bc->type != JV_OBJ || !be || be->type != JV_STR || strcmp(be->s, "xsk") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!jv_u64(jv_get(bc, keys[i]), &v))
			continue;
		snprintf(name, sizeof(name), "gen_%s", keys[i]);
		if (add_drop(p, name, v, !drop_is_subset(keys[i])) < 0)
			return -1;
	}
	return 0;
}

/* The `drops` object of a reflector's or lab-gen's stats file: every member a count. */
static int read_drops(struct lab_path *p, const char *file, const char *prefix, bool required,
		      char *err, size_t errlen)
{
	char why[400];
	struct jv *doc;
	if (!file_exists(file)) {
		if (required)
			lab_path_note(p, "%s is missing: the reflector's drop points are not counted",
				      file);
		return 0;
	}
	doc = jv_parse_file(file, why, sizeof(why));
	if (!doc) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (doc->type != JV_OBJ) {
		snprintf(err, errlen, "%s: not a JSON object", file);
		jv_free(doc);
		return -1;
	}
	const struct jv *d = jv_get(doc, "drops");
	if (d && d->type != JV_OBJ) {
		snprintf(err, errlen, "%s: 'drops' is not an object", file);
		jv_free(doc);
		return -1;
	}
	for (size_t i = 0; d && i < d->n; i++) {
		uint64_t v;
		char key[64];
		if (!jv_u64(d->items[i], &v)) {
			snprintf(err, errlen, "%s: drops.%s is not a count", file, d->keys[i]);
			jv_free(doc);
			return -1;
		}
		snprintf(key, sizeof(key), "%s%s", prefix, d->keys[i]);
		if (add_drop(p, key, v, !drop_is_subset(d->keys[i])) < 0) {
			snprintf(err, errlen, "%s: more than %d drop points", file, LAB_MAX_DROPS);
			jv_free(doc);
			return -1;
		}
	}
	if (!required && read_gen_xsk_drops(p, doc) < 0) {
		snprintf(err, errlen, "%s: more than %d drop points", file, LAB_MAX_DROPS);
		jv_free(doc);
		return -1;
	}
	uint64_t inflight;
	if (!required && jv_u64(jv_get(doc, "in_flight_at_stop"), &inflight))
		p->in_flight = (int64_t)inflight;
	if (required)
		p->have_counters = true;
	if (!d && required) /* the generator has no drop points of its own unless it says so */
		lab_path_note(p, "%s has no 'drops' object", file);
	jv_free(doc);
	return 0;
}

/* Which burst holds t (bursts sorted, disjoint), or -1. */
static ssize_t burst_of(const struct lab_burst *b, size_t nb, int64_t t)
{
	size_t lo = 0, hi = nb;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b[mid].start_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	return t <= b[lo - 1].end_ns ? (ssize_t)(lo - 1) : -1;
}

static bool in_series(const struct lab_rec *r, bool dut)
{
	if (!(r->flags & LAB_REC_RECEIVED))
		return false;
	return !dut || (r->flags & LAB_REC_STAMPED);
}

static int64_t series_t(const struct lab_rec *r, bool dut)
{
	return (int64_t)(dut ? r->dut_rx_ns : r->recv_ns);
}

/* Fill buf with the arrival series and sort it (unless it came in order, which the filling
 * sees). Returns its length or (size_t)-1. */
static size_t fill_series(const struct lab_rec *recs, size_t n, bool dut, int64_t *buf)
{
	size_t k = 0;
	bool sorted = true;
	for (size_t i = 0; i < n; i++)
		if (in_series(&recs[i], dut)) {
			int64_t t = series_t(&recs[i], dut);
			sorted &= k == 0 || t >= buf[k - 1];
			buf[k++] = t;
		}
	if (!sorted && lab_sort_i64(buf, k, NULL) < 0)
		return (size_t)-1;
	return k;
}

static int cmp_tpkt(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* What a burst pcap writer returns besides 0: a write to the pcap failed (the caller reports
 * it), anything else failed (err says why), or the run's flow gives no frame (no pcap). */
enum { BURST_PCAP_WRITE_FAILED = -1, BURST_PCAP_FAILED = -2, BURST_PCAP_NONE = 1 };

/* The packets of lab-gen's capture that fall in a burst, as captured. */
static int copy_captured_bursts(const char *cap, struct lab_path *p, const struct lab_rec *recs,
				size_t n, bool dut, struct lab_pcap_out *po, char *err, size_t errlen)
{
	const uint8_t *buf;
	size_t len;
	struct pcapr r;
	struct pcapr_pkt pk;
	char why[300];
	int rc = 0;

	p->pcap_frames = "capture";
	if (pcapr_map(cap, &buf, &len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return BURST_PCAP_FAILED;
	}
	int g = pcapr_init(&r, buf, len);
	while (g >= 0 && (g = pcapr_next(&r, &pk)) == 1) {
		/* match by the lab header's sequence number, not the capture's clock: the
		 * capture may be taken elsewhere than where the bursts were seen */
		uint8_t fb[2048];
		struct lab_parsed ps;
		if (pk.linktype != 1 || pk.caplen > sizeof(fb))
			continue;
		memcpy(fb, pk.data, pk.caplen);
		if (lab_frame_parse(fb, pk.caplen, 0, &ps) != LAB_OK)
			continue;
		uint32_t seq = ntohl(ps.hdr->seq);
		if (seq >= n || !in_series(&recs[seq], dut) ||
		    burst_of(p->bursts, p->nbursts, series_t(&recs[seq], dut)) < 0)
			continue;
		if (p->pcap_packets >= LAB_BURST_PCAP_MAX)
			break;
		if (lab_pcap_out_write(po, pk.ts_ns, pk.data, pk.caplen, pk.len) < 0) {
			rc = BURST_PCAP_WRITE_FAILED;
			break;
		}
		p->pcap_packets++;
	}
	if (g < 0)
		snprintf(err, errlen, "%s: %s", cap, r.err);
	pcapr_unmap(buf, len);
	return g < 0 ? BURST_PCAP_FAILED : rc;
}

/* The frame every rebuilt packet starts from: the lab's flow at the run's frame size. Returns
 * its length, 0 when the run's destination is no address (noted), or (size_t)-1. */
static size_t burst_frame_template(struct lab_path *p, uint8_t *tmpl, size_t tmpl_len,
				   const char *out, char *err, size_t errlen)
{
	struct lab_flow fl = {
		.src_mac = LAB_GEN_MAC_BYTES,
		.dst_mac = LAB_DUT_MAC_BYTES,
		.family = p->hdr.family == 6 ? AF_INET6 : AF_INET,
		.sport = LAB_PORT_GEN,
		.dport = LAB_PORT_DUT,
		.vlan_id = -1,
	};
	const char *src = fl.family == AF_INET6 ? LAB_GEN_V6 : LAB_GEN_V4;
	const char *dst = p->hdr.dst[0] ? p->hdr.dst : fl.family == AF_INET6 ? LAB_DUT_V6 : LAB_DUT_V4;
	bool stamp = p->stamped_run;
	size_t flen = p->hdr.frame_size;
	if (inet_pton(fl.family, src, &fl.src) != 1 || inet_pton(fl.family, dst, &fl.dst) != 1) {
		lab_path_note(p, "burst pcap: destination '%s' is not an IPv%d address; none written",
			      dst, fl.family == AF_INET6 ? 6 : 4);
		return 0;
	}
	if (flen < lab_frame_min_len(&fl, stamp))
		flen = lab_frame_min_len(&fl, stamp);
	if (flen > tmpl_len)
		flen = tmpl_len;
	if (!lab_frame_build(tmpl, tmpl_len, &fl, flen, 0, stamp ? LAB_F_STAMP : 0)) {
		snprintf(err, errlen, "%s: cannot build a %zu-byte frame for the burst pcap", out, flen);
		return (size_t)-1;
	}
	return flen;
}

/* Frames rebuilt from the records of the packets in a burst, in time order as a capture would
 * be (arrivals in sequence order are not). */
static int rebuild_burst_frames(struct lab_path *p, const struct lab_rec *recs, size_t n, bool dut,
				struct lab_pcap_out *po, const char *out, char *err, size_t errlen)
{
	uint8_t tmpl[2048], fr[2048];
	struct lab_parsed ps;
	int64_t off = p->hdr.realtime_off_ns;
	int rc = 0;

	p->pcap_frames = "reconstructed";
	size_t flen = burst_frame_template(p, tmpl, sizeof(tmpl), out, err, errlen);
	if (flen == 0)
		return BURST_PCAP_NONE;
	if (flen == (size_t)-1)
		return BURST_PCAP_FAILED;
	struct tpkt {
		int64_t t;
		size_t i;
	} *tp = malloc((p->burst_packets ? p->burst_packets : 1) * sizeof(*tp));
	size_t nt = 0;
	if (!tp) {
		snprintf(err, errlen, "%s: out of memory", out);
		return BURST_PCAP_FAILED;
	}
	for (size_t i = 0; i < n && nt < p->burst_packets; i++) {
		if (!in_series(&recs[i], dut))
			continue;
		int64_t t = series_t(&recs[i], dut);
		if (burst_of(p->bursts, p->nbursts, t) >= 0)
			tp[nt++] = (struct tpkt){t, i};
	}
	qsort(tp, nt, sizeof(*tp), cmp_tpkt);
	for (size_t k = 0; k < nt && p->pcap_packets < LAB_BURST_PCAP_MAX; k++) {
		const struct lab_rec *rc_ = &recs[tp[k].i];
		int64_t t = tp[k].t;
		memcpy(fr, tmpl, flen);
		if (lab_frame_parse(fr, flen, 0, &ps) != LAB_OK)
			break;
		lab_frame_set_times(fr, &ps, rc_->seq, rc_->sent_ns, rc_->intended_ns);
		if (!dut && p->hdr.rx_iface[0]) {
			/* the forward topology: as the DUT sent it on from dut1 to gen1 */
			static const uint8_t dut1[6] = LAB_DUT1_MAC_BYTES, gen1[6] = LAB_GEN1_MAC_BYTES;
			lab_frame_forward(fr, &ps, dut1, gen1, rc_->dut_rx_ns, rc_->dut_tx_ns);
		} else if (!dut) { /* back at the generator: the reflected frame */
			lab_frame_reflect(fr, &ps, rc_->dut_rx_ns, rc_->dut_tx_ns);
		}
		if (lab_pcap_out_write(po, (uint64_t)(t + off), fr, (uint32_t)flen, (uint32_t)flen) < 0) {
			rc = BURST_PCAP_WRITE_FAILED;
			break;
		}
		p->pcap_packets++;
	}
	free(tp);
	return rc;
}

/* bursts/<name>.pcap from lab-gen's capture when there is one (its packets, as captured), else
 * frames rebuilt from the records on the lab's flow. Written even with no burst (header only)
 * so the file list of a run does not depend on the traffic. */
static int write_burst_pcap(const char *run_dir, struct lab_path *p, const struct lab_rec *recs,
			    size_t n, bool dut, char *err, size_t errlen)
{
	char dir[4096], out[4200], cap[4200];
	struct lab_pcap_out po;

	snprintf(dir, sizeof(dir), "%s/bursts", run_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(out, sizeof(out), "%s/%s.pcap", dir, p->name);
	snprintf(cap, sizeof(cap), "%s/capture/%s.pcap", run_dir, p->name);
	if (lab_pcap_out_open(&po, out, 65535) < 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		return -1;
	}
	snprintf(p->pcap_rel, sizeof(p->pcap_rel), "bursts/%s.pcap", p->name);
	int rc = 0;
	if (file_exists(cap))
		rc = copy_captured_bursts(cap, p, recs, n, dut, &po, err, errlen);
	else if (p->nbursts)
		rc = rebuild_burst_frames(p, recs, n, dut, &po, out, err, errlen);
	else
		p->pcap_frames = "reconstructed";
	if (rc == BURST_PCAP_FAILED) {
		lab_pcap_out_abort(&po);
		return -1;
	}
	if (rc == BURST_PCAP_NONE) {
		lab_pcap_out_abort(&po);
		unlink(out);
		p->pcap_rel[0] = '\0';
		return 0;
	}
	if (p->pcap_packets >= LAB_BURST_PCAP_MAX)
		lab_path_note(p, "burst pcap stops at %d packets", LAB_BURST_PCAP_MAX);
	if (rc < 0) {
		snprintf(err, errlen, "%s: write failed: %s", out, strerror(errno));
		lab_pcap_out_abort(&po);
		return -1;
	}
	if (lab_pcap_out_close(&po) < 0) {
		snprintf(err, errlen, "%s: write failed: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

/* The record file of a path: its header into p, mapped in f. */
static int load_records(const char *file, struct lab_path *p, struct lab_rec_file *f, char *err,
			size_t errlen)
{
	if (lab_rec_open(file, f, err, errlen) < 0)
		return -1;
	p->hdr = f->hdr;
	p->complete = f->complete;
	p->stamped_run = f->hdr.flags & LAB_RECF_STAMP;
	p->cut_bytes = f->cut_bytes;
	if (!f->complete) {
		/* what a killed lab-gen had streamed: read, and said, here and on stderr */
		char part[96] = "";
		if (f->cut_bytes)
			snprintf(part, sizeof(part), " and %llu bytes of a partial record left out",
				 (unsigned long long)f->cut_bytes);
		lab_path_note(p, "%s: cut after %llu records%s (lab-gen did not finish the file: "
				 "killed?)", file, (unsigned long long)f->count, part);
		lab_warn("%s: cut after %llu records%s", file, (unsigned long long)f->count, part);
	}
	p->records = (size_t)f->count;
	return 0;
}

/* The five series with exact percentiles, each streamed twice over the records (select.h's
 * lab_pstream) rather than copied into an array of n values and passed over several times. */
enum { S_RTT, S_ACTUAL, S_TO_DUT, S_IN_DUT, S_FROM_DUT, NSERIES };

struct series_pass {
	struct lab_pstream ps[NSERIES];
	bool gather[NSERIES];             /* false: the series is copied and selected instead */
	int64_t range[2][2];              /* exact [min, max] of RTT and actual RTT */
	uint64_t ci_t0, ci_t1;            /* intended send times of the received packets */
	struct lab_path_ci ci;
	struct lab_jit jit;               /* RFC 3550 jitter, its two walks riding on the passes */
};

#define STAMPED_RX (LAB_REC_RECEIVED | LAB_REC_STAMPED)

static inline int64_t series_value(const struct lab_rec *r, int s)
{
	switch (s) {
	case S_RTT:
		return (int64_t)(r->recv_ns - r->intended_ns);
	case S_ACTUAL:
		return (int64_t)(r->recv_ns - r->sent_ns);
	case S_TO_DUT: /* one-way: gen -> DUT, inside the DUT, DUT -> gen (one clock here) */
		return (int64_t)(r->dut_rx_ns - r->sent_ns);
	case S_IN_DUT:
		return (int64_t)(r->dut_tx_ns - r->dut_rx_ns);
	default:
		return (int64_t)(r->recv_ns - r->dut_tx_ns);
	}
}

static inline bool series_has(const struct lab_rec *r, int s)
{
	return s < S_TO_DUT ? (r->flags & LAB_REC_RECEIVED) : (r->flags & STAMPED_RX) == STAMPED_RX;
}

/* pass 1: counts, the time span, and every series' values counted in its histogram */
static void count_pass(struct lab_path *p, const struct lab_rec *recs, size_t n,
		       struct series_pass *sp)
{
	uint64_t t0 = n ? recs[0].intended_ns : 0, tmax = t0, ct0 = UINT64_MAX, ct1 = 0;
	int64_t lo[2] = {INT64_MAX, INT64_MAX}, hi[2] = {INT64_MIN, INT64_MIN};
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		uint16_t fl = r->flags;
		p->sent += (fl & LAB_REC_SENT) != 0;
		p->send_failed += (fl & LAB_REC_SEND_FAIL) != 0;
		p->reordered += (fl & LAB_REC_REORDERED) != 0;
		p->duplicated += r->dups;
		t0 = r->intended_ns < t0 ? r->intended_ns : t0;
		tmax = r->intended_ns > tmax ? r->intended_ns : tmax;
		if (!(fl & LAB_REC_RECEIVED)) {
			p->lost += (fl & LAB_REC_SENT) != 0;
			continue;
		}
		p->received++;
		lab_jit_see(&sp->jit, r, i);
		tmax = r->recv_ns > tmax ? r->recv_ns : tmax;
		ct0 = r->intended_ns < ct0 ? r->intended_ns : ct0;
		ct1 = r->intended_ns > ct1 ? r->intended_ns : ct1;
		for (int s = S_RTT; s <= S_ACTUAL; s++) {
			int64_t v = series_value(r, s);
			lo[s] = v < lo[s] ? v : lo[s];
			hi[s] = v > hi[s] ? v : hi[s];
			lab_ps_count(&sp->ps[s], v);
		}
		if (!(fl & LAB_REC_STAMPED))
			continue;
		p->stamped++;
		for (int s = S_TO_DUT; s < NSERIES; s++)
			lab_ps_count(&sp->ps[s], series_value(r, s));
	}
	p->t0_ns = t0;
	p->span_ns = tmax - t0 + 1;
	sp->ci_t0 = ct0;
	sp->ci_t1 = ct1;
	for (int s = 0; s < 2; s++) {
		sp->range[s][0] = lo[s];
		sp->range[s][1] = hi[s];
	}
}

/* d * bins / span, in 64 bits when the product cannot overflow (any time within 2^55 ns, a
 * year, of t0), else in 128 bits: the same result, without a 128-bit division per packet */
static inline size_t bin_of(uint64_t d, unsigned bins, uint64_t span)
{
	if (d < (1ull << 55))
		return (size_t)(d * bins / span);
	return (size_t)((unsigned __int128)d * bins / span);
}

/* The last bin a series fell in, as the times [lo, hi) it covers: times come nearly in order,
 * so most packets land in the bin of the one before and need two compares, not a division. */
struct bin_cache {
	uint64_t lo, hi;
	size_t b;
};

static inline size_t bin_cached(struct bin_cache *c, uint64_t d, unsigned bins, uint64_t span)
{
	if (d >= c->lo && d < c->hi)
		return c->b;
	size_t b = bin_of(d, bins, span);
	/* d * bins / span == b exactly for ceil(b * span / bins) <= d < ceil((b + 1) * span /
	 * bins); kept only inside the span, where those products fit in 64 bits */
	if (d < span && span < (1ull << 55)) {
		c->lo = ((uint64_t)b * span + bins - 1) / bins;
		c->hi = ((uint64_t)(b + 1) * span + bins - 1) / bins;
		c->b = b;
	}
	return b;
}

/* pass 2: the binned series of the report, the RTT intervals, and the values of the buckets
 * that hold the wanted ranks */
static void gather_pass(struct lab_path *p, const struct lab_rec *recs, size_t n,
			struct series_pass *sp)
{
	uint64_t t0 = p->t0_ns, span = p->span_ns;
	struct bin_cache cc = {1, 0, 0}, cg = {1, 0, 0}, cd = {1, 0, 0}; /* empty */
	bool jit = !sp->jit.far;
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED))
			continue;
		if (jit)
			lab_jit_walk(&sp->jit, recs, i);
		int64_t rtt = (int64_t)(r->recv_ns - r->intended_ns);
		size_t col = bin_cached(&cc, r->intended_ns - t0, LAB_HEAT_T, span);
		p->heat[col < LAB_HEAT_T ? col : LAB_HEAT_T - 1][lab_heat_row(rtt)]++;
		size_t b = bin_cached(&cg, r->recv_ns - t0, LAB_RATE_BINS, span);
		if (r->recv_ns >= t0 && b < LAB_RATE_BINS)
			p->rate_gen[b]++;
		if ((r->flags & LAB_REC_STAMPED) && r->dut_rx_ns >= t0) {
			b = bin_cached(&cd, r->dut_rx_ns - t0, LAB_RATE_BINS, span);
			if (b < LAB_RATE_BINS)
				p->rate_dut[b]++;
		}
		if (sp->ci.bi)
			lab_path_ci_add(&sp->ci, r);
		for (int s = 0; s < NSERIES; s++)
			if (sp->gather[s] && series_has(r, s))
				lab_ps_gather(&sp->ps[s], series_value(r, s));
	}
}

/* A series whose wanted buckets hold too much to gather (few distinct values): copied whole
 * into buf and selected there, as before the histograms. */
static void series_by_copy(const struct lab_rec *recs, size_t n, int s, int64_t *buf,
			   struct lab_pct *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (series_has(&recs[i], s))
			buf[k++] = series_value(&recs[i], s);
	lab_percentiles(buf, k, out);
}

/* Counts, the exact percentiles of RTT, actual RTT and the three one-way legs, the report's
 * binned series, the RTT intervals and the jitter, in two passes over the records. Returns 0, or -1 with
 * err set. */
static int series_passes(struct lab_path *p, const struct lab_rec *recs, size_t n, int64_t *buf,
			 const char *file, char *err, size_t errlen)
{
	struct lab_pct *out[NSERIES] = {&p->rtt, &p->rtt_actual, &p->to_dut, &p->in_dut,
					&p->from_dut};
	struct series_pass *sp = calloc(1, sizeof(*sp));
	int rc = -1;
	if (!sp)
		goto oom;
	for (int s = 0; s < NSERIES; s++)
		if (lab_ps_init(&sp->ps[s]) < 0)
			goto oom;
	if (lab_jit_init(&sp->jit, n) < 0)
		goto oom;
	count_pass(p, recs, n, sp);
	if (!sp->jit.far)
		lab_jit_sort(&sp->jit);
	for (int s = 0; s < NSERIES; s++) {
		/* an eighth of the values at most: the gathered copies stay small next to the file */
		int pr = lab_ps_plan(&sp->ps[s], sp->ps[s].n / 8 + 4096);
		if (pr < 0)
			goto oom;
		sp->gather[s] = pr == 0 && sp->ps[s].n;
		free(sp->ps[s].cnt);
		sp->ps[s].cnt = NULL;
	}
	if (lab_path_ci_begin(p, &sp->ci, p->received, sp->ci_t0, sp->ci_t1, sp->range[0],
			      sp->range[1]) < 0)
		goto oom;
	gather_pass(p, recs, n, sp);
	for (int s = 0; s < NSERIES; s++) {
		if (!sp->gather[s]) {
			series_by_copy(recs, n, s, buf, out[s]);
		} else if (lab_ps_finish(&sp->ps[s], out[s]) < 0) {
			snprintf(err, errlen, "%s changed while it was read", file);
			goto done;
		}
	}
	if (lab_path_ci_end(p, &sp->ci) < 0)
		goto oom;
	if (!sp->jit.far) {
		p->jitter_rfc3550_ns = lab_jit_end(&sp->jit, recs);
	} else { /* far from arrival order: every arrival sorted */
		lab_jit_free(&sp->jit);
		if (lab_rfc3550_jitter(recs, n, p->received, &p->jitter_rfc3550_ns) < 0)
			goto oom;
	}
	p->jitter_done = true;
	if (p->stamped_run && p->received && !p->stamped)
		lab_path_note(p, "stamps were asked for but no reflection carried them: no one-way split");
	rc = 0;
	goto done;
oom:
	snprintf(err, errlen, "%s: out of memory for the percentiles", file);
done:
	for (int s = 0; sp && s < NSERIES; s++)
		lab_ps_free(&sp->ps[s]);
	if (sp)
		lab_jit_free(&sp->jit);
	if (sp && sp->ci.bi) {
		lab_bootci_free(sp->ci.bi);
		lab_bootci_free(sp->ci.ba);
	}
	free(sp);
	return rc;
}

/* rates over the schedule's duration, so achieved / offered is the delivery ratio */
static void path_rates(struct lab_path *p, const struct lab_rec *recs, size_t n)
{
	uint64_t t0 = p->t0_ns;
	uint64_t dur_ns = p->hdr.duration_ns ? p->hdr.duration_ns : (n > 1 ? recs[n - 1].intended_ns - t0 : 0);
	p->duration_s = (double)dur_ns / 1e9;
	p->offered_pps = dur_ns ? (double)n * 1e9 / (double)dur_ns : 0;
	p->achieved_pps = dur_ns ? (double)p->received * 1e9 / (double)dur_ns : 0;
}

/* microbursts: on the DUT's arrivals when stamped (kept) and back at the generator (counted),
 * else on the generator's arrivals only */
static int find_path_bursts(struct lab_path *p, const struct lab_analyze_opts *o,
			    const struct lab_rec *recs, size_t n, int64_t *buf, const char *file,
			    char *err, size_t errlen)
{
	bool dut = p->stamped > 0;
	double mean_pps = p->hdr.rate_pps ? (double)p->hdr.rate_pps : p->offered_pps;
	lab_burst_default(mean_pps, &p->bcfg);
	if (o->window_ns)
		p->bcfg.window_ns = o->window_ns;
	if (o->threshold_pps > 0)
		p->bcfg.threshold_pps = o->threshold_pps;
	p->burst_series = dut ? "dut_rx" : "recv";
	for (int pass = 0; pass < (dut ? 2 : 1); pass++) {
		bool at_dut = dut && pass == 0;
		struct lab_burst *b;
		size_t len = fill_series(recs, n, at_dut, buf);
		if (len == (size_t)-1) {
			snprintf(err, errlen, "%s: out of memory sorting arrivals", file);
			return -1;
		}
		size_t nb = 0;
		b = NULL;
		if (p->bcfg.threshold_pps > 0)
			nb = lab_bursts_find(buf, len, &p->bcfg, &b);
		if (nb == (size_t)-1) {
			snprintf(err, errlen, "%s: out of memory finding bursts", file);
			return -1;
		}
		if (at_dut)
			p->nbursts_dut = nb;
		else
			p->nbursts_gen = nb;
		if (pass == 0) {
			p->bursts = b;
			p->nbursts = nb;
			for (size_t i = 0; i < nb; i++)
				p->burst_packets += b[i].count;
		} else {
			free(b);
		}
	}
	return 0;
}

/* latency inside against outside bursts: one array, filled from both ends */
static void burst_latency_split(struct lab_path *p, const struct lab_rec *recs, size_t n,
				bool dut, int64_t *buf)
{
	size_t nin = 0, nout = 0;
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		if (!in_series(r, dut))
			continue;
		int64_t v = (int64_t)(r->recv_ns - r->intended_ns);
		if (burst_of(p->bursts, p->nbursts, series_t(r, dut)) >= 0)
			buf[nin++] = v;
		else
			buf[n - 1 - nout++] = v;
	}
	lab_percentiles(buf, nin, &p->rtt_in_burst);
	lab_percentiles(buf + n - nout, nout, &p->rtt_out_burst);
}

/* drops: the reflector's drop points, lab-gen's own, the softnet deltas; then what is left */
static int read_path_drops(const char *run_dir, const char *topology, const char *name,
			   struct lab_path *p, char *err,
			   size_t errlen)
{
	char file[4200];

	snprintf(file, sizeof(file), "%s/counters/%s.json", run_dir, name);
	if (read_drops(p, file, "", true, err, errlen) < 0)
		return -1;
	note_missing_drop_points(p, topology, name, file);
	p->in_flight = -1;
	snprintf(file, sizeof(file), "%s/gen/%s.json", run_dir, name);
	if (read_drops(p, file, "gen_", false, err, errlen) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s/softnet/%s.txt", run_dir, name);
	if (file_exists(file)) {
		if (sn_load_samples(file, &p->softnet, err, errlen) < 0)
			return -1;
		p->have_softnet = true;
		if (p->softnet.nsnaps < 2)
			lab_path_note(p, "%s has %zu snapshot(s): no softnet delta", file,
				      p->softnet.nsnaps);
		if (p->softnet.truncated)
			lab_path_note(p, "%s: the last snapshot was cut short and left out", file);
		add_drop(p, "softnet_dropped", sn_delta(&p->softnet, SN_DROPPED), true);
		/* squeezes are budget exhaustions, not packets: listed, not subtracted */
		add_drop(p, "softnet_time_squeeze", sn_delta(&p->softnet, SN_TIME_SQUEEZE), false);
	} else {
		lab_path_note(p, "%s is missing: no softnet drops for this path", file);
	}
	int64_t un = (int64_t)p->sent - (int64_t)p->received;
	for (size_t i = 0; i < p->ndrops; i++)
		if (p->drops[i].in_sum)
			un -= (int64_t)p->drops[i].value;
	p->unaccounted = un;
	return 0;
}

int lab_analyze_path(const char *run_dir, const char *name, const struct lab_analyze_opts *o,
		     struct lab_path *p, char *err, size_t errlen)
{
	char file[4200];
	struct lab_rec_file f;
	struct lab_rec *stamped = NULL; /* the records with the kernel's stamps, when replaced */
	int64_t *buf = NULL;
	int rc = -1;

	const char *topo = o->topology ? o->topology : "reflect";
	const struct lab_path_def *def = lab_path_def_of(topo, name);

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->floor = def && def->floor;
	snprintf(file, sizeof(file), "%s/records/%s.rec", run_dir, name);
	if (load_records(file, p, &f, err, errlen) < 0)
		return -1;
	const struct lab_rec *recs = f.recs;
	size_t n = (size_t)f.count;
	if (lab_path_stamps(run_dir, name, p, &recs, n, &stamped, err, errlen) < 0)
		goto out;
	buf = malloc((n ? n : 1) * sizeof(*buf));
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory for %zu records", file, n);
		goto out;
	}

	if (series_passes(p, recs, n, buf, file, err, errlen) < 0)
		goto out;
	lab_clock_estimate_recs(recs, n, &p->clock);
	path_rates(p, recs, n);
	if (find_path_bursts(p, o, recs, n, buf, file, err, errlen) < 0)
		goto out;
	bool dut = p->stamped > 0;
	burst_latency_split(p, recs, n, dut, buf);
	if (o->write_pcap && write_burst_pcap(run_dir, p, recs, n, dut, err, errlen) < 0)
		goto out;
	if (read_path_drops(run_dir, topo, name, p, err, errlen) < 0)
		goto out;
	lab_path_tail(run_dir, name, o, p, recs, n);

	/* the generator's own counts should agree with its records; say so when not */
	if (f.complete && (f.hdr.sent != p->sent || f.hdr.received != p->received))
		lab_path_note(p, "lab-gen's header counts (sent %llu, received %llu) differ from its "
				 "records (sent %llu, received %llu); the records are used",
			      (unsigned long long)f.hdr.sent, (unsigned long long)f.hdr.received,
			      (unsigned long long)p->sent, (unsigned long long)p->received);
	rc = 0;
out:
	free(buf);
	free(stamped);
	lab_rec_close(&f);
	return rc;
}

