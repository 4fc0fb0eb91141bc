/* watchrep.c — see watchrep.h. The page follows report.c's rules: one self-contained file
 * (inline SVG and CSS, no script, nothing fetched), every text from the inputs escaped. */
#include "watchrep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"
#include "outfile.h"
#include "util.h"

/* ---- reading ---- */

static const char *jstr(const struct jv *o, const char *k)
{
	const struct jv *v = jv_get(o, k);
	return v && v->type == JV_STR ? v->s : NULL;
}

static bool jtrue(const struct jv *o, const char *k)
{
	const struct jv *v = jv_get(o, k);
	return v && v->type == JV_BOOL && v->b;
}

static uint64_t ju(const struct jv *o, const char *k)
{
	uint64_t u = 0;
	jv_u64(jv_get(o, k), &u);
	return u;
}

static int64_t ji(const struct jv *o, const char *k)
{
	int64_t v = 0;
	jv_i64(jv_get(o, k), &v);
	return v;
}

static double jd(const struct jv *o, const char *k)
{
	double d = 0;
	jv_dbl(jv_get(o, k), &d);
	return d;
}


static bool exists(const char *dir, const char *name)
{
	char p[4400];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

bool lab_watch_is_dir(const char *dir)
{
	if (exists(dir, "run.json") || exists(dir, "records"))
		return false;
	return exists(dir, "watch.json") || exists(dir, "events.jsonl");
}

/* An event line's keys the page cannot do without: "" when they are there, else why not. */
static void check_event(const struct jv *e, char *why, size_t len)
{
	static const char *const ukeys[] = {"event", "packets", "bytes"};
	static const char *const ikeys[] = {"start_ns", "end_ns"};
	uint64_t u;
	int64_t a, b;
	double d;

	why[0] = '\0';
	if (e->type != JV_OBJ) {
		snprintf(why, len, "not a JSON object");
		return;
	}
	for (size_t i = 0; i < sizeof(ukeys) / sizeof(ukeys[0]); i++)
		if (!jv_u64(jv_get(e, ukeys[i]), &u)) {
			snprintf(why, len, "'%s' missing or not a non-negative integer", ukeys[i]);
			return;
		}
	for (size_t i = 0; i < sizeof(ikeys) / sizeof(ikeys[0]); i++)
		if (!jv_i64(jv_get(e, ikeys[i]), &a)) {
			snprintf(why, len, "'%s' missing or not an integer", ikeys[i]);
			return;
		}
	jv_i64(jv_get(e, "start_ns"), &a);
	jv_i64(jv_get(e, "end_ns"), &b);
	if (b < a)
		snprintf(why, len, "end_ns before start_ns");
	else if (!(jv_dbl(jv_get(e, "peak_pps"), &d) && d >= 0) &&
		 !(jv_get(e, "peak_pps") && jv_get(e, "peak_pps")->type == JV_NULL))
		snprintf(why, len, "'peak_pps' missing or not a number");
	else if (jv_get(e, "top_flows") && jv_get(e, "top_flows")->type != JV_ARR)
		snprintf(why, len, "'top_flows' is not an array");
	else if (jv_get(e, "drops") && jv_get(e, "drops")->type != JV_OBJ)
		snprintf(why, len, "'drops' is not an object");
}

/* An event line into w (which owns it then; freed on failure): its figures always, the line
 * itself while there is room for detail. */
static int push_event(struct lab_watch *w, struct jv *v, size_t *cap)
{
	if (w->nev == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct lab_watch_ev *n = realloc(w->ev, nc * sizeof(*n));
		if (!n) {
			jv_free(v);
			return -1;
		}
		w->ev = n;
		*cap = nc;
	}
	if (w->ndetail < LAB_WATCH_DETAIL && !w->detail) {
		w->detail = calloc(LAB_WATCH_DETAIL, sizeof(*w->detail));
		if (!w->detail) {
			jv_free(v);
			return -1;
		}
	}
	struct lab_watch_ev *e = &w->ev[w->nev++];
	memset(e, 0, sizeof(*e));
	e->event = ju(v, "event");
	e->packets = ju(v, "packets");
	e->bytes = ju(v, "bytes");
	e->have_written = jv_u64(jv_get(v, "written_packets"), &e->written_packets);
	e->start_ns = ji(v, "start_ns");
	e->end_ns = ji(v, "end_ns");
	e->peak_pps = jd(v, "peak_pps");
	e->peak_bps = jd(v, "peak_bps");
	e->context_cut = jtrue(v, "context_cut");
	e->interrupted = jtrue(v, "interrupted");
	e->pcap_full = jtrue(v, "pcap_full");
	e->after_cut = jtrue(v, "after_cut");
	snprintf(e->pcap, sizeof(e->pcap), "%s", jstr(v, "pcap") ? jstr(v, "pcap") : "");
	if (w->ndetail < LAB_WATCH_DETAIL)
		w->detail[w->ndetail++] = v;
	else
		jv_free(v);
	return 0;
}

/* events.jsonl: one object a line; blank lines are let by, any other bad line ends the read
 * with its number. A missing file is no events. */
static int load_events(struct lab_watch *w, char *err, size_t errlen)
{
	char p[4400], why[256];
	size_t cap = 0, lineno = 0, blen = 0;
	char *line = NULL;
	ssize_t n;
	int rc = 0;

	snprintf(p, sizeof(p), "%s/events.jsonl", w->dir);
	FILE *f = fopen(p, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	w->events_file = true;
	while (rc == 0 && (n = getline(&line, &blen, f)) != -1) {
		size_t len = (size_t)n;
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (strspn(line, " \t") >= len)
			continue;
		struct jv *v = jv_parse(line, len, why, sizeof(why));
		if (!v) {
			snprintf(err, errlen, "%s:%zu: not valid JSON: %s", p, lineno, why);
			rc = -1;
			break;
		}
		check_event(v, why, sizeof(why));
		if (why[0]) {
			snprintf(err, errlen, "%s:%zu: not an event line: %s", p, lineno, why);
			jv_free(v);
			rc = -1;
		} else if (push_event(w, v, &cap) < 0) { /* v is w's now, or freed */
			snprintf(err, errlen, "%s: out of memory", p);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", p);
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int lab_watch_load(const char *dir, struct lab_watch *w, char *err, size_t errlen)
{
	char p[4400];
	struct stat st;

	memset(w, 0, sizeof(*w));
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	if (exists(dir, "watch.json")) {
		snprintf(p, sizeof(p), "%s/watch.json", dir);
		w->meta = jv_parse_file(p, err, errlen);
		if (!w->meta)
			return -1;
		if (w->meta->type != JV_OBJ) {
			snprintf(err, errlen, "%s: not a JSON object", p);
			lab_watch_free(w);
			return -1;
		}
	}
	if (load_events(w, err, errlen) < 0) {
		lab_watch_free(w);
		return -1;
	}
	if (!w->meta && !w->events_file) {
		snprintf(err, errlen, "%s: no watch.json and no events.jsonl: not a lab-watch directory",
			 dir);
		return -1;
	}
	return 0;
}

void lab_watch_free(struct lab_watch *w)
{
	for (size_t i = 0; i < w->ndetail; i++)
		jv_free(w->detail[i]);
	free(w->detail);
	free(w->ev);
	jv_free(w->meta);
	w->detail = NULL;
	w->ev = NULL;
	w->meta = NULL;
	w->nev = w->ndetail = 0;
}

/* ---- small formatters ---- */

/* A number member as its own text (integers exact), or "–". */
static void put_num(FILE *f, const struct jv *o, const char *k)
{
	const struct jv *v = jv_get(o, k);
	if (v && v->type == JV_NUM)
		lab_html_esc(f, v->s);
	else
		fputs("–", f);
}

static void fmt_dur(char *o, size_t len, double ns)
{
	if (ns >= 1e9)
		snprintf(o, len, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(o, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(o, len, "%.1f µs", ns / 1e3);
	else
		snprintf(o, len, "%.0f ns", ns);
}

static void split_ns(int64_t ns, int64_t *s, int64_t *r)
{
	*s = ns / 1000000000;
	*r = ns % 1000000000;
	if (*r < 0) {
		*r += 1000000000;
		(*s)--;
	}
}

/* CLOCK_REALTIME ns as "YYYY-mm-dd HH:MM:SS.nnnnnnnnn UTC" */
static void fmt_utc(char *o, size_t len, int64_t ns)
{
	int64_t s, r;
	struct tm tm;
	split_ns(ns, &s, &r);
	time_t t = (time_t)s;
	if (!gmtime_r(&t, &tm) || !strftime(o, len, "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(o, len, "%lld ns", (long long)ns);
		return;
	}
	size_t l = strlen(o);
	snprintf(o + l, len - l, ".%09lld UTC", (long long)r);
}

/* seconds.nanoseconds since the epoch, as Wireshark's frame.time_epoch */
static void fmt_epoch(char *o, size_t len, int64_t ns)
{
	int64_t s, r;
	split_ns(ns, &s, &r);
	snprintf(o, len, "%lld.%09lld", (long long)s, (long long)r);
}

/* a relative path inside the watch directory, safe to put in an href */
static bool safe_rel(const char *p)
{
	return p && p[0] && p[0] != '/' && !strchr(p, ':') && !strstr(p, "..");
}

/* ---- the page ---- */

static void page_head(FILE *f, const struct lab_watch *w)
{
	const char *iface = jstr(w->meta, "iface");
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>lab-watch", f);
	if (iface) {
		fputs(": ", f);
		lab_html_esc(f, iface);
	}
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:20px;color:#222;max-width:1000px}\n"
	      "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ccc;"
	      "padding:3px 8px;text-align:right;white-space:nowrap}"
	      "td:first-child,th:first-child{text-align:left}\n"
	      "table.kv td,td.mk{text-align:left;white-space:normal}.nz{background:#fdd;font-weight:bold}"
	      ".mark{color:#b22222;font-weight:bold}.warn{background:#fff3cd;padding:6px 10px;"
	      "border:1px solid #e0c060}\n"
	      "code{background:#f4f4f4;padding:1px 3px}"
	      ".grid{stroke:#ddd;stroke-width:1}.frame{fill:none;stroke:#888}"
	      ".tick{font-size:11px;fill:#333}.axis{font-size:12px;fill:#333}.note{color:#666}\n"
	      "</style></head><body>\n<h1>lab-watch: ", f);
	lab_html_esc(f, iface ? iface : "interface unknown");
	fputs("</h1>\n", f);
}

static void kv_row(FILE *f, const char *k)
{
	fprintf(f, "<tr><td>%s</td><td>", k);
}

/* watch.json's config object, each member as it is */
static void config_text(FILE *f, const struct jv *c)
{
	for (size_t i = 0; c && c->type == JV_OBJ && i < c->n; i++) {
		const struct jv *v = c->items[i];
		fputs(i ? ", <code>" : "<code>", f);
		lab_html_esc(f, c->keys[i]);
		fputs("</code> ", f);
		if (v->type == JV_BOOL)
			fputs(v->b ? "yes" : "no", f);
		else if (v->type == JV_NUM || v->type == JV_STR)
			lab_html_esc(f, v->s);
		else
			fputs("…", f);
	}
}

/* The rows that only watch.json has: the capture, its configuration and how it ended. */
static void meta_rows(FILE *f, const struct jv *m)
{
	char a[64], b[64], d[32];
	const char *filter = jstr(m, "filter");
	kv_row(f, "filter");
	if (filter && filter[0]) {
		fputs("<code>", f);
		lab_html_esc(f, filter);
		fputs("</code>", f);
	} else {
		fputs("none (every packet)", f);
	}
	fputs("</td></tr>\n", f);
	kv_row(f, "link type / snaplen");
	put_num(f, m, "linktype");
	fputs(" / ", f);
	put_num(f, m, "snaplen");
	fputs("</td></tr>\n", f);
	kv_row(f, "config");
	config_text(f, jv_get(m, "config"));
	fputs("</td></tr>\n", f);
	fmt_utc(a, sizeof(a), ji(m, "started_ns"));
	fmt_utc(b, sizeof(b), ji(m, "ended_ns"));
	fmt_dur(d, sizeof(d), (double)(ji(m, "ended_ns") - ji(m, "started_ns")));
	kv_row(f, "started / ended");
	fprintf(f, "%s / %s (%s)</td></tr>\n", a, b, d);
	kv_row(f, "stopped by");
	lab_html_esc(f, jstr(m, "stopped_by") ? jstr(m, "stopped_by") : "?");
	fputs("</td></tr>\n", f);
	kv_row(f, "packets seen");
	put_num(f, m, "packets");
	fputs(" (", f);
	put_num(f, m, "bytes");
	fputs(" bytes on the wire); out of order: ", f);
	put_num(f, m, "out_of_order");
	if (jv_get(m, "ring_evicted")) {
		fputs("; evicted from the ring: ", f);
		put_num(f, m, "ring_evicted");
	}
	if (ju(m, "detector_saturated")) {
		fputs("; <span class=\"mark\">detector saturated: ", f);
		put_num(f, m, "detector_saturated");
		fputs("</span>", f);
	}
	fputs("</td></tr>\n", f);
	const struct jv *ps = jv_get(m, "pcap_stats");
	kv_row(f, "libpcap drops");
	fprintf(f, "<span class=\"%s\">", ju(ps, "drop") || ju(ps, "ifdrop") ? "nz" : "");
	put_num(f, ps, "drop");
	fputs("</span> dropped, ", f);
	put_num(f, ps, "ifdrop");
	fputs(" by the interface, of ", f);
	put_num(f, ps, "recv");
	fputs(" received</td></tr>\n", f);
}

static void drops_block(FILE *f, const struct jv *d);

static void header(FILE *f, const struct lab_watch *w)
{
	const struct jv *m = w->meta;
	if (!m)
		fprintf(f, "<p class=\"warn\">No watch.json: this watch did not end (killed, or still "
			   "running). What follows is events.jsonl alone: %zu event%s written before it "
			   "stopped; the capture's totals and libpcap's drops are unknown.</p>\n",
			w->nev, w->nev == 1 ? "" : "s");
	fputs("<table class=\"kv\">\n", f);
	kv_row(f, "directory");
	lab_html_esc(f, w->dir);
	fputs("</td></tr>\n", f);
	kv_row(f, "interface");
	lab_html_esc(f, jstr(m, "iface") ? jstr(m, "iface") : "unknown (no watch.json)");
	fputs("</td></tr>\n", f);
	if (m)
		meta_rows(f, m);
	kv_row(f, "events");
	fprintf(f, "%zu in events.jsonl", w->nev);
	if (m && ju(m, "events") != w->nev)
		fprintf(f, " <span class=\"mark\">(watch.json says %llu)</span>",
			(unsigned long long)ju(m, "events"));
	fputs("</td></tr>\n", f);
	if (m) {
		kv_row(f, "written");
		put_num(f, m, "written_packets");
		fputs(" packets, ", f);
		put_num(f, m, "written_bytes");
		fputs(" bytes of pcap", f);
		if (jtrue(m, "pcap_full"))
			fputs(" <span class=\"mark\">pcap full (--max-bytes): later packets not "
			      "written</span>", f);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (m && jv_get(m, "drops")) {
		fputs("<h3>Drops over the whole watch</h3>\n", f);
		drops_block(f, jv_get(m, "drops"));
	}
}

/* the time axis of the timeline: [t0, t0 + span] */
static void time_span(const struct lab_watch *w, int64_t *t0, int64_t *span)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < w->nev; i++) {
		lo = w->ev[i].start_ns < lo ? w->ev[i].start_ns : lo;
		hi = w->ev[i].end_ns > hi ? w->ev[i].end_ns : hi;
	}
	if (w->meta && ji(w->meta, "started_ns") > 0) {
		lo = ji(w->meta, "started_ns") < lo ? ji(w->meta, "started_ns") : lo;
		hi = ji(w->meta, "ended_ns") > hi ? ji(w->meta, "ended_ns") : hi;
	} else { /* no start or end known: a margin so the first and last marks are off the frame */
		int64_t m = (hi - lo) / 50 > 1000000 ? (hi - lo) / 50 : 1000000;
		lo -= m;
		hi += m;
	}
	*t0 = lo;
	*span = hi - lo > 1000000 ? hi - lo : 1000000;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The lowest peak rate that still gets a mark: 0 up to LAB_WATCH_MARKS events, beyond them the
 * LAB_WATCH_MARKS-th highest. */
static double mark_cutoff(const struct lab_watch *w)
{
	if (w->nev <= LAB_WATCH_MARKS)
		return 0;
	double *v = malloc(w->nev * sizeof(*v)), c;
	if (!v)
		return INFINITY; /* no memory to choose: no marks rather than a page that is too heavy */
	for (size_t i = 0; i < w->nev; i++)
		v[i] = w->ev[i].peak_pps;
	qsort(v, w->nev, sizeof(*v), cmp_desc);
	c = v[LAB_WATCH_MARKS - 1];
	free(v);
	return c;
}

/* an event's anchor link: only those with a detail section have one */
static void ev_link(FILE *f, const struct lab_watch *w, size_t i, bool open)
{
	if (i < w->ndetail)
		fputs(open ? "<a href=\"#ev-" : "</a>", f);
	if (i < w->ndetail && open)
		fprintf(f, "%llu\">", (unsigned long long)w->ev[i].event);
}

/* 10^e as 1, 10, 100, 1k ... 100G */
static const char *decade(char *o, size_t len, double e)
{
	static const char *const sfx[] = {"", "k", "M", "G", "T"};
	int k = (int)e < 0 ? 0 : (int)e;
	int g = k / 3 > 4 ? 4 : k / 3;
	snprintf(o, len, "%.0f%s", pow(10, k - 3 * g), sfx[g]);
	return o;
}

/* One mark per event at its start, as wide as it lasted (at least 2 px), as tall as its peak
 * rate on a log scale; the hot threshold dashed. */
static void timeline(FILE *f, const struct lab_watch *w)
{
	const double W = 760, H = 240, L = 70, R = 20, T = 12, B = 40;
	double pw = W - L - R, ph = H - T - B, lo = INFINITY, hi = 0;
	double thr = jd(jv_get(w->meta, "config"), "threshold_pps");
	int64_t t0, span;
	char s[64];

	fputs("<h2>Timeline</h2>\n", f);
	if (!w->nev) {
		fputs("<p>No event: no window went over the threshold.</p>\n", f);
		return;
	}
	time_span(w, &t0, &span);
	for (size_t i = 0; i < w->nev; i++) {
		double v = fmax(w->ev[i].peak_pps, 1);
		lo = fmin(lo, v);
		hi = fmax(hi, v);
	}
	if (thr > 0) {
		lo = fmin(lo, thr);
		hi = fmax(hi, thr);
	}
	/* half a decade of room under the lowest mark (or the threshold), so neither sits on the axis */
	double ylo = floor(log10(lo / 3)), yhi = ceil(log10(hi));
	if (yhi <= ylo)
		yhi = ylo + 1;
#define SY(v) (T + ph - (log10(fmax((v), 1)) - ylo) / (yhi - ylo) * ph)
	fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n", W, H, W, H);
	for (double e = ylo; e <= yhi + 1e-9; e += 1)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s pps</text>\n",
			L, SY(pow(10, e)), L + pw, SY(pow(10, e)), L - 4, SY(pow(10, e)) + 4,
			decade(s, sizeof(s), e));
	for (int k = 0; k <= 4; k++) {
		fmt_dur(s, sizeof(s), (double)span * k / 4);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n",
			L + pw * k / 4, T + ph + 14, k ? s : "0");
	}
	if (thr > 0)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b22222\" "
			   "stroke-dasharray=\"5 4\"/>\n", L, SY(thr), L + pw, SY(thr));
	double cut = mark_cutoff(w);
	size_t drawn = 0;
	for (size_t i = 0; i < w->nev && drawn < LAB_WATCH_MARKS; i++) {
		const struct lab_watch_ev *e = &w->ev[i];
		if (e->peak_pps < cut)
			continue;
		double x = L + (double)(e->start_ns - t0) / (double)span * pw;
		double wd = fmax(2, (double)(e->end_ns - e->start_ns) / (double)span * pw);
		double y = SY(e->peak_pps);
		fmt_dur(s, sizeof(s), (double)(e->end_ns - e->start_ns));
		ev_link(f, w, i, true);
		fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\" "
			   "fill-opacity=\"0.8\"><title>event %llu: %llu packets in %s, peak %.0f pps"
			   "</title></rect>", x, y, wd, T + ph - y,
			e->interrupted || e->context_cut ? "#d62728" : "#ff8c00",
			(unsigned long long)e->event, (unsigned long long)e->packets, s, e->peak_pps);
		ev_link(f, w, i, false);
		fputc('\n', f);
		drawn++;
	}
#undef SY
	fmt_utc(s, sizeof(s), t0);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n"
		   "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\">time since %s (%s)</text>\n</svg>\n"
		   "<p class=\"note\">One mark per event, at its start, as wide as it lasted (2 px at "
		   "least), as tall as its peak rate (log scale); dashed: the threshold; red: context cut "
		   "or interrupted. A mark links to the event.", L, T, pw, ph, L, H - 8, s,
		w->meta ? "the watch started" : "shortly before the first event");
	if (drawn < w->nev)
		fprintf(f, " <span class=\"mark\">%zu events: the %zu with the highest peak rate "
			   "drawn.</span>", w->nev, drawn);
	fputs("</p>\n", f);
}

/* the marks of an event: context_cut, interrupted, pcap_full, after_cut */
static void marks(FILE *f, const struct lab_watch_ev *e)
{
	const bool on[] = {e->context_cut, e->interrupted, e->pcap_full, e->after_cut};
	static const char *const keys[] = {"context_cut", "interrupted", "pcap_full", "after_cut"};
	bool any = false;
	for (size_t k = 0; k < 4; k++)
		if (on[k]) {
			fprintf(f, "%s<span class=\"mark\">%s</span>", any ? " " : "", keys[k]);
			any = true;
		}
}

static void pcap_link(FILE *f, const char *p)
{
	if (!p[0]) {
		fputs("–", f);
		return;
	}
	if (safe_rel(p)) {
		fputs("<a href=\"", f);
		lab_html_esc(f, p);
		fputs("\">", f);
	}
	lab_html_esc(f, p);
	if (safe_rel(p))
		fputs("</a>", f);
}

static void events_table(FILE *f, const struct lab_watch *w)
{
	char s[64], d[32];
	size_t rows = w->nev < LAB_WATCH_ROWS ? w->nev : LAB_WATCH_ROWS;
	fputs("<h2>Events</h2>\n", f);
	if (!w->nev) {
		fputs("<p>None.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>#</th><th>start (UTC)</th><th>duration</th><th>packets</th>"
	      "<th>bytes</th><th>peak pps</th><th>peak Gbit/s</th><th>written</th><th>pcap</th>"
	      "<th>marks</th></tr>\n", f);
	for (size_t i = 0; i < rows; i++) {
		const struct lab_watch_ev *e = &w->ev[i];
		fmt_utc(s, sizeof(s), e->start_ns);
		fmt_dur(d, sizeof(d), (double)(e->end_ns - e->start_ns));
		fputs("<tr><td>", f);
		ev_link(f, w, i, true);
		fprintf(f, "%llu", (unsigned long long)e->event);
		ev_link(f, w, i, false);
		fprintf(f, "</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>%.0f</td>"
			   "<td>%.3f</td><td>", s, d, (unsigned long long)e->packets,
			(unsigned long long)e->bytes, e->peak_pps, e->peak_bps / 1e9);
		if (e->have_written)
			fprintf(f, "%llu", (unsigned long long)e->written_packets);
		else
			fputs("–", f);
		fputs("</td><td>", f);
		pcap_link(f, e->pcap);
		fputs("</td><td class=\"mk\">", f);
		marks(f, e);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (rows < w->nev)
		fprintf(f, "<p class=\"mark\">The first %zu of %zu events; the others are in "
			   "events.jsonl.</p>\n", rows, w->nev);
}

/* "addr:port", IPv6 in brackets; "–" when not IP */
static void endpoint(FILE *f, const char *addr, uint64_t port)
{
	if (!addr || !addr[0]) {
		fputs("–", f);
		return;
	}
	bool v6 = strchr(addr, ':') != NULL;
	if (port && v6)
		fputs("[", f);
	lab_html_esc(f, addr);
	if (port)
		fprintf(f, "%s:%llu", v6 ? "]" : "", (unsigned long long)port);
}

static void flows_table(FILE *f, const struct jv *e)
{
	const struct jv *fl = jv_get(e, "top_flows");
	if (!fl || !fl->n) {
		fputs("<p class=\"note\">No flow listed.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>proto</th><th>source</th><th>destination</th><th>packets</th>"
	      "<th>bytes</th></tr>\n", f);
	for (size_t i = 0; i < fl->n; i++) {
		const struct jv *x = fl->items[i];
		fputs("<tr><td>", f);
		lab_html_esc(f, jstr(x, "proto") ? jstr(x, "proto") : "?");
		fputs("</td><td>", f);
		endpoint(f, jstr(x, "src"), ju(x, "sport"));
		fputs("</td><td>", f);
		endpoint(f, jstr(x, "dst"), ju(x, "dport"));
		fputs("</td><td>", f);
		put_num(f, x, "packets");
		fputs("</td><td>", f);
		put_num(f, x, "bytes");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (ju(e, "other_flows_packets"))
		fprintf(f, "<p class=\"note\">Other flows: %llu packets.</p>\n",
			(unsigned long long)ju(e, "other_flows_packets"));
	if (ju(e, "unknown_flow_packets"))
		fprintf(f, "<p class=\"note\">Packets whose flow could not be told: %llu.</p>\n",
			(unsigned long long)ju(e, "unknown_flow_packets"));
}

static void drop_cell(FILE *f, const char *name, const struct jv *v)
{
	uint64_t u = 0;
	bool nz = jv_u64(v, &u) && u;
	fputs("<tr><td>", f);
	lab_html_esc(f, name);
	fprintf(f, "</td><td%s>", nz ? " class=\"nz\"" : "");
	if (v && v->type == JV_NUM)
		lab_html_esc(f, v->s);
	else
		fputs("–", f);
	fputs("</td></tr>\n", f);
}

/* softnet per CPU: the CPUs that dropped or squeezed, the rest summed up in a line */
static void softnet_cpus(FILE *f, const struct jv *sn)
{
	size_t shown = 0;
	if (!sn || sn->type != JV_ARR || !sn->n)
		return;
	for (size_t i = 0; i < sn->n; i++) {
		const struct jv *c = sn->items[i];
		if (!ju(c, "dropped") && !ju(c, "time_squeeze"))
			continue;
		if (!shown++)
			fputs("<table>\n<tr><th>softnet CPU</th><th>dropped</th><th>time_squeeze</th></tr>\n",
			      f);
		fputs("<tr><td>", f);
		put_num(f, c, "cpu");
		fprintf(f, "</td><td%s>", ju(c, "dropped") ? " class=\"nz\"" : "");
		put_num(f, c, "dropped");
		fprintf(f, "</td><td%s>", ju(c, "time_squeeze") ? " class=\"nz\"" : "");
		put_num(f, c, "time_squeeze");
		fputs("</td></tr>\n", f);
	}
	if (shown)
		fputs("</table>\n", f);
	fprintf(f, "<p class=\"note\">softnet per CPU: %zu of %zu CPUs dropped or squeezed%s.</p>\n",
		shown, sn->n, shown ? " (the others: 0)" : "");
}

static void drops_block(FILE *f, const struct jv *d)
{
	static const char *const keys[] = {"pcap_drop", "pcap_ifdrop", "rx_dropped", "rx_missed_errors"};
	char a[32];
	if (!d || d->type != JV_OBJ) {
		fputs("<p class=\"note\">No drop counters.</p>\n", f);
		return;
	}
	fputs("<table>\n<tr><th>counter</th><th>delta</th></tr>\n", f);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		drop_cell(f, keys[k], jv_get(d, keys[k]));
	const struct jv *et = jv_get(d, "ethtool");
	for (size_t k = 0; et && et->type == JV_OBJ && k < et->n; k++) {
		char name[300];
		snprintf(name, sizeof(name), "ethtool %s", et->keys[k]);
		drop_cell(f, name, et->items[k]);
	}
	drop_cell(f, "softnet_dropped", jv_get(d, "softnet_dropped"));
	drop_cell(f, "softnet_time_squeeze", jv_get(d, "softnet_time_squeeze"));
	fputs("</table>\n", f);
	if (ji(d, "to_ns") > ji(d, "from_ns")) {
		fmt_dur(a, sizeof(a), (double)(ji(d, "to_ns") - ji(d, "from_ns")));
		fprintf(f, "<p class=\"note\">Counters sampled %s apart.</p>\n", a);
	}
	softnet_cpus(f, jv_get(d, "softnet"));
}

/* the tshark line that shows one event's burst packets */
static void tshark_line(FILE *f, const struct lab_watch *w, const struct jv *e)
{
	char a[48], b[48];
	const char *p = jstr(e, "pcap");
	fmt_epoch(a, sizeof(a), ji(e, "start_ns"));
	fmt_epoch(b, sizeof(b), ji(e, "end_ns"));
	fputs("<p>Its burst in the pcap: <code>tshark -r ", f);
	lab_html_esc(f, w->dir);
	fputs("/", f);
	lab_html_esc(f, p && p[0] ? p : "bursts.pcap");
	fprintf(f, " -Y 'frame.time_epoch &gt;= %s &amp;&amp; frame.time_epoch &lt;= %s'</code></p>\n",
		a, b);
}

static void event_detail(FILE *f, const struct lab_watch *w, const struct jv *e)
{
	char s[64], d[32], lo[32], hi[32], cf[32];
	int64_t st = ji(e, "start_ns"), en = ji(e, "end_ns");
	fmt_utc(s, sizeof(s), st);
	fmt_dur(d, sizeof(d), (double)(en - st));
	fprintf(f, "<h3 id=\"ev-%llu\">Event %llu: %s, %s</h3>\n<p>", (unsigned long long)ju(e, "event"),
		(unsigned long long)ju(e, "event"), s, d);
	put_num(f, e, "packets");
	fputs(" packets, ", f);
	put_num(f, e, "bytes");
	fprintf(f, " bytes; peak %.0f pps, %.3f Gbit/s. ", jd(e, "peak_pps"), jd(e, "peak_bps") / 1e9);
	const struct jv *win = jv_get(e, "window_ns");
	int64_t wl, wh;
	if (win && win->type == JV_ARR && win->n == 2 && jv_i64(win->items[0], &wl) &&
	    jv_i64(win->items[1], &wh)) {
		fmt_dur(lo, sizeof(lo), (double)(st - wl));
		fmt_dur(hi, sizeof(hi), (double)(wh - en));
		fprintf(f, "Window written: %s before to %s after; ", lo, hi);
	}
	put_num(f, e, "written_packets");
	fputs(" packets written", f);
	int64_t from;
	if (jv_i64(jv_get(e, "context_from_ns"), &from) && from <= st && ju(e, "written_packets")) {
		fmt_dur(cf, sizeof(cf), (double)(st - from));
		fprintf(f, ", the first %s before the burst", cf);
	}
	fputs(". ", f);
	if (jtrue(e, "context_cut"))
		fputs("<span class=\"mark\">context cut: the ring had already dropped part of the "
		      "before-margin.</span> ", f);
	if (jtrue(e, "interrupted"))
		fputs("<span class=\"mark\">interrupted: the watch stopped before the after-margin "
		      "ended.</span> ", f);
	if (jtrue(e, "pcap_full"))
		fputs("<span class=\"mark\">pcap full: packets not written (--max-bytes).</span> ", f);
	if (jtrue(e, "after_cut"))
		fputs("<span class=\"mark\">after_cut: its after-margin was cut short (too many "
		      "events open at once).</span> ", f);
	if (ju(e, "unwritten_packets"))
		fprintf(f, "<span class=\"mark\">%llu packets of its window not written (gone from "
			   "the ring).</span>", (unsigned long long)ju(e, "unwritten_packets"));
	fputs("</p>\n", f);
	tshark_line(f, w, e);
	fputs("<h4>Top flows (burst packets)</h4>\n", f);
	flows_table(f, e);
	fputs("<h4>Drops around it</h4>\n", f);
	drops_block(f, jv_get(e, "drops"));
}

static void wireshark_help(FILE *f, const struct lab_watch *w)
{
	const char *p = w->nev ? w->ev[0].pcap : NULL;
	bool split = jtrue(jv_get(w->meta, "config"), "split") || (p && strchr(p, '/'));
	fputs("<h2>Opening the packets</h2>\n<p>In Wireshark: <code>wireshark ", f);
	lab_html_esc(f, w->dir);
	fputs(split ? "/bursts/event-000001.pcap</code> (one file per event, --split)"
		    : "/bursts.pcap</code> (every event's window, in capture order)", f);
	fputs("; one event's burst alone: <code>tshark -r ", f);
	lab_html_esc(f, w->dir);
	fputs(split ? "/bursts/event-NNNNNN.pcap" : "/bursts.pcap", f);
	fputs(" -Y 'frame.time_epoch &gt;= START &amp;&amp; frame.time_epoch &lt;= END'</code> "
	      "(each event's own line below; timestamps are nanosecond pcap, the capture's "
	      "CLOCK_REALTIME).</p>\n", f);
}

int lab_watch_write_report(const struct lab_watch *w, char *err, size_t errlen)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof(path), "%s/report.html", w->dir);
	FILE *f = lab_out_open(path, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	page_head(f, w);
	header(f, w);
	timeline(f, w);
	events_table(f, w);
	if (w->nev)
		wireshark_help(f, w);
	for (size_t i = 0; i < w->ndetail; i++)
		event_detail(f, w, w->detail[i]);
	if (w->ndetail < w->nev)
		fprintf(f, "<p class=\"mark\">Flows and drops shown for the first %zu of %zu events; "
			   "the others' are in events.jsonl.</p>\n", w->ndetail, w->nev);
	fputs("<p class=\"note\">Written by lab-analyze from events.jsonl", f);
	fputs(w->meta ? " and watch.json" : "", f);
	fputs(" (lab-watch). Times are CLOCK_REALTIME, the pcap timestamps.</p>\n</body></html>\n", f);
	if (ferror(f)) {
		fclose(f);
		unlink(tmp);
		snprintf(err, errlen, "%s: write error", path);
		return -1;
	}
	return lab_out_close(f, tmp, path, err, errlen);
}

/* ---- a run's watch ---- */

struct brief {
	bool present, ok, complete, report;
	size_t events;
	uint64_t packets, pcap_drop;
	char err[700];
};

static void brief_of(const char *rundir, struct brief *b)
{
	char d[4200];
	struct lab_watch w;
	memset(b, 0, sizeof(*b));
	snprintf(d, sizeof(d), "%s/watch", rundir);
	b->present = exists(d, "events.jsonl") || exists(d, "watch.json");
	if (!b->present)
		return;
	b->report = exists(d, "report.html");
	if (lab_watch_load(d, &w, b->err, sizeof(b->err)) < 0)
		return;
	b->ok = true;
	b->events = w.nev;
	b->complete = w.meta != NULL;
	b->packets = ju(w.meta, "packets");
	b->pcap_drop = ju(jv_get(w.meta, "pcap_stats"), "drop");
	lab_watch_free(&w);
}

void lab_watch_for_run(const char *rundir)
{
	char d[4200], err[1024];
	struct lab_watch w;
	snprintf(d, sizeof(d), "%s/watch", rundir);
	if (!(exists(d, "events.jsonl") || exists(d, "watch.json")) || exists(d, "report.html"))
		return;
	if (lab_watch_load(d, &w, err, sizeof(err)) < 0) {
		lab_warn("%s (watch/report.html not written; the run's files are)", err);
		return;
	}
	if (lab_watch_write_report(&w, err, sizeof(err)) < 0)
		lab_warn("%s", err);
	else
		lab_info("wrote %s/report.html (%zu events)", d, w.nev);
	lab_watch_free(&w);
}

void lab_watch_summary_json(struct lab_json *j, const char *rundir)
{
	struct brief b;
	brief_of(rundir, &b);
	if (!b.present)
		return;
	lab_json_obj(j, "watch");
	if (b.ok)
		lab_json_u64(j, "events", b.events);
	else
		lab_json_null(j, "events");
	if (b.complete) {
		lab_json_u64(j, "packets", b.packets);
		lab_json_u64(j, "pcap_drop", b.pcap_drop);
	} else {
		lab_json_null(j, "packets");
		lab_json_null(j, "pcap_drop");
	}
	lab_json_str(j, "dir", "watch");
	lab_json_bool(j, "complete", b.complete);
	if (b.report)
		lab_json_str(j, "report", "watch/report.html");
	else
		lab_json_null(j, "report");
	if (!b.ok)
		lab_json_str(j, "error", b.err);
	lab_json_obj_end(j);
}

void lab_watch_summary_md(FILE *f, const char *rundir)
{
	struct brief b;
	brief_of(rundir, &b);
	if (!b.present)
		return;
	if (!b.ok) {
		fprintf(f, "Watch (run --watch, watch/): unreadable: %s.\n\n", b.err);
		return;
	}
	fprintf(f, "Watch (run --watch: lab-watch on the DUT port, watch/): %zu event%s", b.events,
		b.events == 1 ? "" : "s");
	if (b.complete)
		fprintf(f, ", %llu packets seen, %llu libpcap drops", (unsigned long long)b.packets,
			(unsigned long long)b.pcap_drop);
	else
		fprintf(f, " (no watch.json: the watch did not end)");
	fprintf(f, "%s.\n\n", b.report ? "; watch/report.html" : "");
}

void lab_watch_report_link(FILE *f, const char *rundir)
{
	struct brief b;
	brief_of(rundir, &b);
	if (!b.present)
		return;
	fputs("<h2>Live watch (run --watch)</h2>\n<p>lab-watch recorded the DUT port for the whole "
	      "run: ", f);
	if (!b.ok) {
		fputs("its files are unreadable: ", f);
		lab_html_esc(f, b.err);
		fputs(".</p>\n", f);
		return;
	}
	fprintf(f, "%zu event%s", b.events, b.events == 1 ? "" : "s");
	if (b.complete)
		fprintf(f, ", %llu packets seen, %llu libpcap drops", (unsigned long long)b.packets,
			(unsigned long long)b.pcap_drop);
	else
		fputs(" (no watch.json: the watch did not end)", f);
	if (b.report)
		fputs(" — <a href=\"watch/report.html\">watch/report.html</a>: each event, its pcap, "
		      "its top flows and the drops around it", f);
	fputs(".</p>\n", f);
}
