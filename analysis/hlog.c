/* hlog.c — HdrHistogram interval logs (hlog.h), in the log format of HdrHistogram's Java
 * HistogramLogWriter (format version 1.3): the header comments, StartTime and BaseTime, the
 * legend, then one "Tag=<path>,start,length,max,histogram" line per second.
 *
 * A packet belongs to the interval of its intended send time, as in the report's heat map: the
 * schedule fixes which second a packet is charged to, so a stall shows in the second it hit and
 * every interval holds the packets offered in it (those that came back). Values are the RTT from
 * the intended send time in ns (no coordinated omission); Interval_Max is in milliseconds, the
 * Java writer's default unit ratio (1e6) for nanosecond values. */
#include "hlog.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hdr.h"
#include "lab_config.h"
#include "log.h"
#include "outfile.h"

/* Record indices grouped by interval (a counting sort: the records are in sequence order, which
 * every schedule keeps in time order, but nothing here needs to rely on it). first[k] ..
 * first[k + 1] index into order. Returns 0 or -1 (ENOMEM). */
static int group_by_interval(const struct lab_rec *recs, size_t n, uint64_t t0, size_t nint,
			     size_t **first_out, uint32_t **order_out)
{
	size_t *first = calloc(nint + 1, sizeof(*first));
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!first || !order) {
		free(first);
		free(order);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			first[(recs[i].intended_ns - t0) / LAB_HLOG_INTERVAL_NS + 1]++;
	for (size_t k = 0; k < nint; k++)
		first[k + 1] += first[k];
	size_t *fill = calloc(nint, sizeof(*fill));
	if (!fill) {
		free(first);
		free(order);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED) {
			size_t k = (size_t)((recs[i].intended_ns - t0) / LAB_HLOG_INTERVAL_NS);
			order[first[k] + fill[k]++] = (uint32_t)i;
		}
	free(fill);
	*first_out = first;
	*order_out = order;
	return 0;
}

static void write_header(FILE *f, const char *tag, const struct lab_rec_hdr *hdr, uint64_t t0)
{
	/* the records' monotonic times on the wall clock through the offset lab-gen took at start */
	double epoch_s = ((double)t0 + (double)hdr->realtime_off_ns) / 1e9;
	time_t secs = (time_t)epoch_s;
	struct tm tm;
	char date[64] = "";
	if (gmtime_r(&secs, &tm))
		strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(f, "#[Logged with lab-analyze %s]\n", LAB_VERSION_STRING);
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", epoch_s, date);
	fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", epoch_s);
	/* header lines stay under 127 characters: HdrHistogram_c's reader takes them with a
	 * 128-byte fgets and would read the rest of a longer one as an interval */
	fprintf(f, "#[lab path %.31s: RTT from the intended send time, in ns]\n", tag);
	fprintf(f, "#[1 s intervals by intended send time; lowest discernible value %d ns, %d "
		   "significant digits]\n",
		LAB_HLOG_LOWEST_NS, LAB_HLOG_SIG_DIGITS);
	fprintf(f, "#[Interval_Max in ms (ns / 1e6)]\n");
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		   "\"Interval_Compressed_Histogram\"\n");
}

/* The schedule's start and the number of 1 s intervals that cover it and every received
 * packet's intended send time; *ordered: the intended times never go back in file order (every
 * schedule of lab-gen: the records are in sequence order). */
static size_t interval_span(const struct lab_rec_hdr *hdr, const struct lab_rec *recs, size_t n,
			    uint64_t *t0_out, uint64_t *span_out, bool *ordered)
{
	uint64_t t0 = n ? recs[0].intended_ns : hdr->start_ns, tmax = t0;
	*ordered = true;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].intended_ns < t0)
			t0 = recs[i].intended_ns;
		if (recs[i].intended_ns > tmax)
			tmax = recs[i].intended_ns;
		else if (recs[i].intended_ns < tmax)
			*ordered = false;
	}
	uint64_t span = n ? tmax - t0 + 1 : 0;
	if (hdr->duration_ns > span)
		span = hdr->duration_ns;
	*t0_out = t0;
	*span_out = span;
	return (size_t)((span + LAB_HLOG_INTERVAL_NS - 1) / LAB_HLOG_INTERVAL_NS);
}

/* Interval k's line from the histogram h holds. An empty second is written too: all of its
 * packets lost is information. 0, or -1 (ENOMEM). */
static int emit_interval(FILE *f, const char *tag, const struct lab_hdr *h, size_t k, uint64_t span)
{
	char *b64;
	uint64_t len_ns = span - k * LAB_HLOG_INTERVAL_NS;
	if (len_ns > LAB_HLOG_INTERVAL_NS)
		len_ns = LAB_HLOG_INTERVAL_NS;
	if (lab_hdr_encode_compressed_b64(h, &b64) < 0)
		return -1;
	fprintf(f, "Tag=%s,%.3f,%.3f,%.3f,%s\n", tag, (double)k, (double)len_ns / 1e9,
		(double)h->max / 1e6, b64);
	free(b64);
	return 0;
}

/* recv before intended is impossible on one clock; recorded as 0, not lost */
static void record_rtt(struct lab_hdr *h, const struct lab_rec *r)
{
	lab_hdr_record(h, (int64_t)(r->recv_ns - r->intended_ns));
}

int lab_hlog_write(FILE *f, const char *tag, const struct lab_rec_hdr *hdr,
		   const struct lab_rec *recs, size_t n)
{
	uint64_t t0, span;
	bool ordered;
	size_t nint = interval_span(hdr, recs, n, &t0, &span, &ordered), *first = NULL;
	uint32_t *order = NULL;
	struct lab_hdr h;
	int rc = -1;

	if (n > UINT32_MAX) {
		errno = EFBIG;
		return -1;
	}
	/* lab-gen's intended times lie inside its schedule (duration_ns): beyond it by more than
	 * a minute, a time is corrupt, and so is a span longer than any run */
	if (nint > LAB_HLOG_MAX_INTERVALS ||
	    (n && hdr->duration_ns && span > hdr->duration_ns + 60 * LAB_HLOG_INTERVAL_NS)) {
		errno = ERANGE;
		return -1;
	}
	if (lab_hdr_init(&h, LAB_HLOG_LOWEST_NS, LAB_HLOG_HIGHEST_NS, LAB_HLOG_SIG_DIGITS) < 0)
		return -1;
	/* in time order (always, from lab-gen) one walk through the file fills each second in
	 * turn; otherwise the records are grouped by second first */
	if (!ordered && group_by_interval(recs, n, t0, nint, &first, &order) < 0)
		goto out;
	write_header(f, tag, hdr, t0);
	for (size_t k = 0, i = 0; k < nint; k++) {
		lab_hdr_reset(&h);
		if (ordered) {
			for (; i < n && (recs[i].intended_ns - t0) / LAB_HLOG_INTERVAL_NS == k; i++)
				if (recs[i].flags & LAB_REC_RECEIVED)
					record_rtt(&h, &recs[i]);
		} else {
			for (size_t j = first[k]; j < first[k + 1]; j++)
				record_rtt(&h, &recs[order[j]]);
		}
		if (emit_interval(f, tag, &h, k, span) < 0)
			goto out;
	}
	rc = ferror(f) ? -1 : 0;
out:
	free(first);
	free(order);
	lab_hdr_free(&h);
	return rc;
}

/* hist/<name>.hlog of one path, through a temporary file so a reader never sees half a log */
static int write_one(const char *dir, const char *name, char *err, size_t errlen)
{
	char rec[4200], out[4200], tmp[4300], why[512];
	struct lab_rec_file rf;
	snprintf(rec, sizeof(rec), "%s/records/%s.rec", dir, name);
	snprintf(out, sizeof(out), "%s/hist/%s.hlog", dir, name);
	if (lab_rec_open(rec, &rf, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	FILE *f = lab_out_open(out, tmp, sizeof(tmp), err, errlen);
	if (!f) {
		lab_rec_close(&rf);
		return -1;
	}
	int rc = lab_hlog_write(f, name, &rf.hdr, rf.recs, (size_t)rf.count);
	int e = errno;
	lab_rec_close(&rf);
	if (rc < 0 && e == ERANGE) { /* a corrupt record's time: the rest of the run still counts */
		lab_warn("%s: its records' intended times span more than its schedule, or than %llu "
			 "days (a corrupt time): no %s", rec, LAB_HLOG_MAX_INTERVALS / 86400, out);
		fclose(f);
		unlink(tmp);
		return 0;
	}
	if (rc < 0) {
		fclose(f);
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", out, strerror(e));
		return -1;
	}
	return lab_out_close(f, tmp, out, err, errlen);
}

int lab_write_hlogs(const struct lab_run *r, char *err, size_t errlen)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/hist", r->dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->paths[i].skipped && write_one(r->dir, r->paths[i].name, err, errlen) < 0)
			return -1;
	return 0;
}
