/* dut_report.c — the DUT programs' counters as people and programs read them: one interval
 * line format, one totals line and the stats JSON of the docs/spec.md contract (the common members,
 * then the program's own). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "clock.h"
#include "dut.h"
#include "log.h"

static const char *sent_key(const struct lab_dut *d)
{
	return d->ops->sent_key ? d->ops->sent_key : d->forward ? "forwarded" : "reflected";
}

static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	if (*used >= len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

static double rate(uint64_t now, uint64_t before, double dt_s)
{
	return dt_s > 0 ? (double)(now - before) / dt_s : 0;
}

/* "prog: interval 1.00 s: received N (R pps) reflected N (R pps) not_lab N ... | drops a N |
 * own" with prev, or "prog: totals: mode M duration D s received N ... | drops ... | own". */
void lab_dut_format_line(const struct lab_dut *d, const struct lab_dut_sample *now,
			 const struct lab_dut_sample *prev, double dt_s, char *buf, size_t len)
{
	const struct lab_dut_counts *c = &now->c;
	char own[512] = "";
	size_t u = 0;
	if (prev) {
		cat(buf, len, &u, "%s: interval %.2f s: received %" PRIu64 " (%.0f pps) %s %" PRIu64
		    " (%.0f pps)", lab_prog(), dt_s, c->received, rate(c->received, prev->c.received, dt_s),
		    sent_key(d), c->reflected, rate(c->reflected, prev->c.reflected, dt_s));
	} else {
		cat(buf, len, &u, "%s: totals: mode %s duration %.3f s received %" PRIu64 " %s %" PRIu64,
		    lab_prog(), d->ops->mode(d->priv), dt_s, c->received, sent_key(d), c->reflected);
	}
	cat(buf, len, &u, " not_lab %" PRIu64 " malformed %" PRIu64 " tx_errors %" PRIu64, c->not_lab,
	    c->malformed, c->tx_errors);
	for (unsigned i = 0; i < now->n_drops; i++)
		cat(buf, len, &u, "%s %s %" PRIu64, i ? "" : " | drops", now->drops[i].name,
		    now->drops[i].value);
	if (d->ops->line)
		d->ops->line(d->priv, !prev, own, sizeof(own));
	cat(buf, len, &u, "%s%s\n", *own ? " | " : "", own);
	if (u >= len && len > 1)
		buf[len - 2] = '\n';
}

static double run_s(const struct lab_dut *d)
{
	return d->start_ns && d->last_ns > d->start_ns ? (double)(d->last_ns - d->start_ns) / 1e9 : 0;
}

/* The common members from the last sample (lab_dut_finish takes it), then the program's. */
void lab_dut_json(struct lab_json *j, void *dut)
{
	struct lab_dut *d = dut;
	const struct lab_dut_sample *s = &d->last;
	lab_json_str(j, "path", d->ops->path(d->priv));
	lab_json_str(j, "mode", d->ops->mode(d->priv));
	lab_json_str(j, "topology", d->forward ? "forward" : "reflect");
	lab_json_str(j, "iface", d->cfg.iface);
	lab_json_u64(j, "port", d->cfg.port);
	lab_json_i64(j, "cpu", d->cfg.cpu);
	lab_json_dbl(j, "duration_s", run_s(d));
	lab_json_u64(j, "snapshot", d->snapshots);
	lab_json_u64(j, "received", s->c.received);
	lab_json_u64(j, sent_key(d), s->c.reflected);
	lab_json_u64(j, "not_lab", s->c.not_lab);
	lab_json_u64(j, "malformed", s->c.malformed);
	lab_json_u64(j, "tx_errors", s->c.tx_errors);
	if (!s->not_lab_unsplit) {
		lab_json_obj(j, "not_lab_by");
		lab_json_u64(j, "already_reflected", s->c.already_reflected);
		lab_json_obj_end(j);
	}
	lab_json_obj(j, "drops");
	for (unsigned i = 0; i < s->n_drops; i++)
		lab_json_u64(j, s->drops[i].name, s->drops[i].value);
	lab_json_obj_end(j);
	if (d->ops->json)
		d->ops->json(d->priv, j);
}

int lab_dut_finish(struct lab_dut *d, int exit_code)
{
	char line[1024];
	memset(&d->last, 0, sizeof(d->last));
	d->ops->sample(d->priv, &d->last);
	d->last_ns = lab_now_ns();
	d->snapshots++;
	lab_dut_format_line(d, &d->last, NULL, run_s(d), line, sizeof(line));
	fputs(line, stdout);
	fflush(stdout);
	if (d->cfg.stats_json && lab_json_write_file(d->cfg.stats_json, lab_dut_json, d) < 0) {
		lab_err("--stats-json %s: %s", d->cfg.stats_json, strerror(errno));
		exit_code = LAB_EXIT_RUNTIME;
	}
	int rc = lab_gap_finish(&d->gaps);
	if (rc < 0) {
		lab_err("--gap-log %s: %s", d->cfg.gap_log, strerror(-rc));
		exit_code = LAB_EXIT_RUNTIME;
	}
	return exit_code;
}
