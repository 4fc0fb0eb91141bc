/* pcapscan.c — burst search over a capture: read every timestamp, find the bursts, then (with
 * --write) a second pass that copies the packets inside the burst windows, widened by the
 * margin, in the capture's own order. */
#include "pcapscan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bursts.h"
#include "log.h"
#include "pcap_in.h"
#include "pcap_out.h"
#include "select.h"
#include "util.h"

struct span {
	int64_t lo, hi; /* inclusive */
};

static bool in_spans(const struct span *s, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s[mid].lo <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && t <= s[lo - 1].hi;
}

static int write_windows(const char *file, const uint8_t *buf, size_t len, const char *outp,
			 const struct lab_burst *b, size_t nb, uint64_t margin_ns, uint64_t *written,
			 char *err, size_t errlen)
{
	struct span *sp = malloc((nb ? nb : 1) * sizeof(*sp));
	size_t ns = 0;
	struct pcapr r;
	struct pcapr_pkt pk;
	struct lab_pcap_out po;
	int linktype = -1, g, rc = -1;

	if (!sp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* widened windows can overlap: merge them so each packet is written once */
	for (size_t i = 0; i < nb; i++) {
		int64_t lo = b[i].start_ns - (int64_t)margin_ns, hi = b[i].end_ns + (int64_t)margin_ns;
		if (ns && lo <= sp[ns - 1].hi) {
			if (hi > sp[ns - 1].hi)
				sp[ns - 1].hi = hi;
		} else {
			sp[ns++] = (struct span){lo, hi};
		}
	}
	if (lab_pcap_out_open(&po, outp, PCAPR_MAX_CAPLEN) < 0) {
		snprintf(err, errlen, "%s: %s", outp, strerror(errno));
		free(sp);
		return -1;
	}
	g = pcapr_init(&r, buf, len);
	while (g >= 0 && (g = pcapr_next(&r, &pk)) == 1) {
		if (!in_spans(sp, ns, (int64_t)pk.ts_ns))
			continue;
		if (linktype >= 0 && pk.linktype != linktype) {
			snprintf(err, errlen, "%s: burst packets of two link types (%d and %u): a pcap "
					      "holds one", file, linktype, pk.linktype);
			goto out;
		}
		linktype = pk.linktype;
		if (lab_pcap_out_write(&po, pk.ts_ns, pk.data, pk.caplen, pk.len) < 0) {
			snprintf(err, errlen, "%s: %s", outp, strerror(errno));
			goto out;
		}
		(*written)++;
	}
	if (g < 0) {
		snprintf(err, errlen, "%s: %s", file, r.err);
		goto out;
	}
	/* the common writer says Ethernet; keep the capture's own link type (header offset 20) */
	if (linktype > 0 && linktype != 1) {
		uint32_t lt = (uint32_t)linktype;
		if (fflush(po.f) != 0 || pwrite(fileno(po.f), &lt, 4, 20) != 4) {
			snprintf(err, errlen, "%s: %s", outp, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	/* a failure leaves outp as it was: the packets went to a temporary, removed here */
	if (rc < 0)
		lab_pcap_out_abort(&po);
	else if (lab_pcap_out_close(&po) < 0) {
		snprintf(err, errlen, "%s: %s", outp, strerror(errno));
		rc = -1;
	}
	free(sp);
	return rc;
}

struct pair {
	int64_t t;
	uint32_t len;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	return (x->t > y->t) - (x->t < y->t);
}

/* Times in order, each length still beside its time. 0 or -1 (no memory). */
static int sort_pairs(int64_t *ts, uint32_t *lens, size_t n)
{
	struct pair *p = malloc((n ? n : 1) * sizeof(*p));
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pair){ts[i], lens[i]};
	qsort(p, n, sizeof(*p), cmp_pair);
	for (size_t i = 0; i < n; i++) {
		ts[i] = p[i].t;
		lens[i] = p[i].len;
	}
	free(p);
	return 0;
}

/* One capture's timestamps and wire lengths, in time order, and its bursts. */
struct scan {
	const char *file;
	int64_t *ts;
	uint32_t *lens;
	size_t n;
	bool sorted;  /* the capture was in time order */
	double mean_pps;
	struct lab_burst_cfg cfg;
	struct lab_burst *b;
	size_t nb;
	uint64_t written; /* packets of the burst windows written to --write */
};

/* Every packet's time and wire length, sorted by time. 0, or -1 with the reason in err. */
static int read_times(struct scan *s, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct pcapr r;
	struct pcapr_pkt pk;
	size_t cap = 0;
	int g = pcapr_init(&r, buf, len);

	while (g >= 0 && (g = pcapr_next(&r, &pk)) == 1) {
		if (s->n == cap) {
			size_t nc = cap ? cap * 2 : 4096;
			int64_t *nt = realloc(s->ts, nc * sizeof(*nt));
			if (nt)
				s->ts = nt;
			uint32_t *nl = nt ? realloc(s->lens, nc * sizeof(*nl)) : NULL;
			if (!nl) {
				snprintf(err, errlen, "%s: out of memory", s->file);
				return -1;
			}
			s->lens = nl;
			cap = nc;
		}
		s->lens[s->n] = pk.len;
		s->ts[s->n++] = (int64_t)pk.ts_ns;
	}
	if (g < 0) {
		snprintf(err, errlen, "%s: %s", s->file, r.err);
		return -1;
	}
	s->sorted = lab_is_sorted_i64(s->ts, s->n);
	if (!s->sorted && sort_pairs(s->ts, s->lens, s->n) < 0) {
		snprintf(err, errlen, "%s: out of memory", s->file);
		return -1;
	}
	return 0;
}

/* The detector's settings (the defaults from the capture's mean rate, then the options) and the
 * bursts. 0, or -1 with the reason in err. */
static int find_bursts(struct scan *s, const struct lab_scan_opts *o, char *err, size_t errlen)
{
	const int64_t *ts = s->ts;
	size_t n = s->n;

	s->mean_pps = n > 1 && ts[n - 1] > ts[0] ? (double)(n - 1) * 1e9 / (double)(ts[n - 1] - ts[0]) : 0;
	lab_burst_default(s->mean_pps, &s->cfg);
	if (o->window_ns)
		s->cfg.window_ns = o->window_ns;
	if (o->threshold_pps > 0)
		s->cfg.threshold_pps = o->threshold_pps;
	else if (o->threshold_bps > 0)
		s->cfg.threshold_pps = 0; /* the bit rate alone */
	s->cfg.threshold_bps = o->threshold_bps;
	if (s->cfg.threshold_pps > 0 || s->cfg.threshold_bps > 0) {
		s->nb = lab_bursts_find_len(s->ts, s->lens, n, &s->cfg, &s->b);
		if (s->nb == (size_t)-1) {
			snprintf(err, errlen, "%s: out of memory", s->file);
			s->b = NULL;
			s->nb = 0;
			return -1;
		}
	}
	return 0;
}

/* --json: the capture, the detector's settings and every burst as one object */
static void print_json(const struct scan *s, const struct lab_scan_opts *o, FILE *out)
{
	struct lab_json j;
	lab_json_begin(&j, out);
	lab_json_str(&j, "file", s->file);
	lab_json_u64(&j, "packets", s->n);
	if (s->n) {
		lab_json_i64(&j, "first_ns", s->ts[0]);
		lab_json_i64(&j, "last_ns", s->ts[s->n - 1]);
	}
	lab_json_bool(&j, "time_ordered", s->sorted);
	lab_json_dbl(&j, "mean_pps", s->mean_pps);
	lab_json_dbl(&j, "window_us", (double)s->cfg.window_ns / 1e3);
	lab_json_dbl(&j, "threshold_pps", s->cfg.threshold_pps);
	lab_json_dbl(&j, "threshold_bps", s->cfg.threshold_bps);
	if (s->cfg.threshold_pps > 0)
		lab_json_u64(&j, "min_packets_per_window", lab_burst_min_count(&s->cfg));
	lab_json_arr(&j, "bursts");
	for (size_t i = 0; i < s->nb; i++) {
		const struct lab_burst *b = &s->b[i];
		lab_json_arr_obj(&j);
		lab_json_i64(&j, "start_ns", b->start_ns);
		lab_json_i64(&j, "end_ns", b->end_ns);
		lab_json_u64(&j, "packets", b->count);
		lab_json_dbl(&j, "peak_pps", b->peak_pps);
		lab_json_u64(&j, "bytes", b->bytes);
		lab_json_dbl(&j, "peak_bps", b->peak_bps);
		lab_json_obj_end(&j);
	}
	lab_json_arr_end(&j);
	if (o->write) {
		lab_json_str(&j, "written", o->write);
		lab_json_u64(&j, "written_packets", s->written);
	}
	lab_json_end(&j);
}

/* the same as text: a header line, the settings, then a table of the bursts */
static void print_text(const struct scan *s, const struct lab_scan_opts *o, FILE *out)
{
	const struct lab_burst_cfg *cfg = &s->cfg;
	size_t n = s->n;

	fprintf(out, "%s: %zu packets", s->file, n);
	if (n > 1)
		fprintf(out, " over %.6f s, mean %.0f pps", (double)(s->ts[n - 1] - s->ts[0]) / 1e9,
			s->mean_pps);
	fprintf(out, "\nwindow %.1f us", (double)cfg->window_ns / 1e3);
	if (cfg->threshold_pps > 0)
		fprintf(out, ", threshold %.0f pps (more than %llu packets in a window)",
			cfg->threshold_pps, (unsigned long long)lab_burst_min_count(cfg) - 1);
	if (cfg->threshold_bps > 0)
		fprintf(out, ", threshold %.0f bit/s (more than %llu bits in a window)",
			cfg->threshold_bps, (unsigned long long)lab_burst_min_bits(cfg) - 1);
	fprintf(out, ": %zu burst(s)\n", s->nb);
	if (s->nb)
		fprintf(out, "%4s %22s %14s %9s %14s\n", "#", "start_ns", "duration_us", "packets",
			"peak_pps");
	for (size_t i = 0; i < s->nb; i++) {
		const struct lab_burst *b = &s->b[i];
		fprintf(out, "%4zu %22lld %14.3f %9zu %14.0f\n", i + 1, (long long)b->start_ns,
			(double)(b->end_ns - b->start_ns) / 1e3, b->count, b->peak_pps);
	}
	if (o->write)
		fprintf(out, "wrote %llu packet(s) to %s\n", (unsigned long long)s->written, o->write);
}

int lab_pcap_scan(const char *file, const struct lab_scan_opts *o, FILE *out, char *err,
		  size_t errlen)
{
	struct scan s = {.file = file};
	const uint8_t *buf;
	size_t len;
	int rc = -1;

	if (pcapr_map(file, &buf, &len, err, errlen) < 0)
		return -1;
	if (read_times(&s, buf, len, err, errlen) < 0 || find_bursts(&s, o, err, errlen) < 0)
		goto out;
	if (o->write && write_windows(file, buf, len, o->write, s.b, s.nb, o->margin_ns, &s.written,
				      err, errlen) < 0)
		goto out;
	if (o->json)
		print_json(&s, o, out);
	else
		print_text(&s, o, out);
	if (!s.sorted)
		lab_warn("%s is not in time order; bursts were found on the sorted timestamps", file);
	rc = 0;
out:
	free(s.ts);
	free(s.lens);
	free(s.b);
	pcapr_unmap(buf, len);
	return rc;
}
