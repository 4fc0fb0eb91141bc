/* stamps.c — a path's stamp side files (stamps.h). */
#include "stamps.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "json_in.h"
#include "run.h"

static bool is_rx(int pt) { return pt == LAB_STP_DUT_RX || pt == LAB_STP_GEN_RX; }
static bool on_gen(int pt) { return pt == LAB_STP_GEN_TX || pt == LAB_STP_GEN_RX; }

static uint64_t *rec_field(struct lab_rec *r, int pt)
{
	switch (pt) {
	case LAB_STP_GEN_TX: return &r->sent_ns;
	case LAB_STP_DUT_RX: return &r->dut_rx_ns;
	case LAB_STP_DUT_TX: return &r->dut_tx_ns;
	default: return &r->recv_ns;
	}
}

/* Does the record carry a value at pt (the figures use it)? */
static bool rec_has(const struct lab_rec *r, int pt)
{
	if (pt == LAB_STP_GEN_TX)
		return r->flags & LAB_REC_SENT;
	if (pt == LAB_STP_GEN_RX)
		return r->flags & LAB_REC_RECEIVED;
	return (r->flags & LAB_REC_RECEIVED) && (r->flags & LAB_REC_STAMPED);
}

/* A source name as the programs write it, as one of stp.h's static names ("xdp" beside them). */
static const char *src_name(const char *s)
{
	int i = s ? lab_stp_src_parse(s) : -1;
	if (i > 0)
		return lab_stp_src_names[i];
	return s && !strcmp(s, "xdp") ? "xdp" : NULL;
}

/* Without a side file: what the program's JSON says (lab-kern: counters' stamps; lab-gen's udp
 * backend: backend_counters.stamps), else the path's kind: the XDP program's clock reads on the
 * floor, user reads in every other reflector and in lab-gen's xsk backend. */
static void sources_from_json(const char *run_dir, const char *name, struct lab_path *p)
{
	char file[4200], err[256];
	for (int side = 0; side < 2; side++) {
		snprintf(file, sizeof(file), "%s/%s/%s.json", run_dir, side ? "counters" : "gen", name);
		struct jv *d = access(file, R_OK) == 0 ? jv_parse_file(file, err, sizeof(err)) : NULL;
		const struct jv *st = jv_get(side ? d : jv_get(d, "backend_counters"), "stamps");
		for (int pt = 0; pt < LAB_STP_NPOINTS; pt++) {
			const struct jv *v;
			if (on_gen(pt) == side || p->stamps.src[pt])
				continue;
			v = jv_get(st, lab_stp_point_names[pt]);
			p->stamps.src[pt] = src_name(v && v->type == JV_STR ? v->s : NULL);
			if (!p->stamps.src[pt] && side)
				p->stamps.src[pt] = !p->stamped_run ? "none" : p->floor ? "xdp" : "user";
			if (!p->stamps.src[pt])
				p->stamps.src[pt] = "user";
		}
		jv_free(d);
	}
}

/* One side file's pairs against the records: costs, and the kernel's stamps put in where the
 * header says the figures use them. seen: per record, bit pt a pair was met, bit 4 + pt it had
 * the kernel's stamp. Duplicates (a datagram received twice) count once: the first in event
 * order, the copy the record holds. */
static int apply_file(const struct lab_stp_file *f, struct lab_path *p, const struct lab_rec **recs,
		      size_t n, struct lab_rec **copy, uint8_t *seen)
{
	int64_t *cost[LAB_STP_NPOINTS] = {0};
	size_t nc[LAB_STP_NPOINTS] = {0};
	int rc = -1;
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++)
		if (f->hdr.used[pt] && !(cost[pt] = malloc((f->count ? f->count : 1) * sizeof(int64_t))))
			goto out;
	for (uint64_t i = 0; i < f->count; i++) {
		const struct lab_stp_rec *s = &f->recs[i];
		int pt = s->point;
		bool want_k = f->hdr.used[pt] == LAB_STP_SRC_KERNEL || f->hdr.used[pt] == LAB_STP_SRC_HW;
		if (!cost[pt] || s->seq >= n || (seen[s->seq] & (1u << pt)))
			continue;
		seen[s->seq] |= (uint8_t)(1u << pt);
		if (!(s->flags & LAB_STP_F_KERNEL))
			continue;
		seen[s->seq] |= (uint8_t)(1u << (4 + pt));
		if (s->flags & LAB_STP_F_USER)
			cost[pt][nc[pt]++] = is_rx(pt) ? (int64_t)(s->user_ns - s->kernel_ns)
						       : (int64_t)(s->kernel_ns - s->user_ns);
		if (!want_k || !rec_has(&(*recs)[s->seq], pt) ||
		    *rec_field((struct lab_rec *)&(*recs)[s->seq], pt) == s->kernel_ns)
			continue;
		if (!*copy) {
			if (!(*copy = malloc((n ? n : 1) * sizeof(struct lab_rec))))
				goto out;
			memcpy(*copy, *recs, n * sizeof(struct lab_rec));
			*recs = *copy;
		}
		*rec_field(&(*copy)[s->seq], pt) = s->kernel_ns;
		p->stamps.replaced[pt]++;
	}
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++) {
		if (!cost[pt])
			continue;
		p->stamps.pairs[pt] = nc[pt];
		lab_percentiles(cost[pt], nc[pt], &p->stamps.cost[pt]);
		p->stamps.src[pt] = lab_stp_src_names[f->hdr.used[pt]];
		if (f->hdr.used[pt] == LAB_STP_SRC_KERNEL || f->hdr.used[pt] == LAB_STP_SRC_HW)
			for (size_t r = 0; r < n; r++)
				p->stamps.kept_user[pt] += rec_has(&(*recs)[r], pt) &&
							   !(seen[r] & (1u << (4 + pt)));
	}
	rc = 0;
out:
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++)
		free(cost[pt]);
	return rc;
}

int lab_path_stamps(const char *run_dir, const char *name, struct lab_path *p,
		    const struct lab_rec **recs, size_t n, struct lab_rec **copy, char *err,
		    size_t errlen)
{
	static const char *const side[2] = {"gen", "dut"};
	uint8_t *seen = NULL;
	char file[4200], why[256];
	*copy = NULL;
	memset(&p->stamps, 0, sizeof(p->stamps));
	for (int s = 0; s < 2; s++) {
		struct lab_stp_file f;
		snprintf(file, sizeof(file), "%s/stamps/%s.%s.stp", run_dir, name, side[s]);
		if (access(file, F_OK) != 0)
			continue;
		if (lab_stp_read(file, &f, why, sizeof(why)) < 0) {
			lab_path_note(p, "%s: %s: left out", file, why);
			continue;
		}
		if (f.partial)
			lab_path_note(p, "%s: a partial last pair (writer killed?) was left out", file);
		if (!seen && !(seen = calloc(n ? n : 1, 1))) {
			lab_stp_free(&f);
			snprintf(err, errlen, "%s: out of memory", file);
			return -1;
		}
		int rc = apply_file(&f, p, recs, n, copy, seen);
		lab_stp_free(&f);
		if (rc < 0) {
			free(seen);
			snprintf(err, errlen, "%s: out of memory", file);
			return -1;
		}
		p->stamps.files = true;
	}
	free(seen);
	sources_from_json(run_dir, name, p);
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++)
		if (p->stamps.kept_user[pt])
			lab_path_note(p, "%s: %llu packets had no kernel stamp; their user reads were kept",
				      lab_stp_point_names[pt], (unsigned long long)p->stamps.kept_user[pt]);
	return 0;
}

void lab_stamps_json(struct lab_json *j, const struct lab_path *p)
{
	const struct lab_stamps *s = &p->stamps;
	lab_json_obj(j, "stamps");
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++)
		lab_json_str(j, lab_stp_point_names[pt], s->src[pt] ? s->src[pt] : "user");
	lab_json_obj_end(j);
	if (!s->files) {
		lab_json_null(j, "stack_cost_ns");
		return;
	}
	/* receive points: user - kernel; send points: kernel - user */
	lab_json_obj(j, "stack_cost_ns");
	for (int pt = 0; pt < LAB_STP_NPOINTS; pt++) {
		const struct lab_pct *c = &s->cost[pt];
		if (!s->pairs[pt])
			continue;
		lab_json_obj(j, lab_stp_point_names[pt]);
		lab_json_i64(j, "min", c->min);
		lab_json_i64(j, "p50", c->p50);
		lab_json_i64(j, "p99", c->p99);
		lab_json_i64(j, "max", c->max);
		lab_json_u64(j, "pairs", s->pairs[pt]);
		lab_json_u64(j, "kept_user", s->kept_user[pt]);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
}

/* One line for summary.md and report.html: each path's sources, and the stack's cost where both
 * sources of the same packets were kept. */
void lab_stamps_line(FILE *f, const struct lab_run *r, bool html)
{
	const char *psep = "";
	fputs(html ? "<p class=\"note\">" : "", f);
	fputs("Stamps (the source of each point: gen_tx, dut_rx, dut_tx, gen_rx; the stack's own "
	      "cost, user read − kernel stamp of the same packets at a receive, kernel − user at a "
	      "send, p50 / p99 ns): ", f);
	for (size_t i = 0; i < r->npaths; i++) {
		const struct lab_path *p = &r->paths[i];
		const char *sep = "";
		if (p->skipped)
			continue;
		fprintf(f, "%s%s ", psep, p->name);
		for (int pt = 0; pt < LAB_STP_NPOINTS; pt++)
			fprintf(f, "%s%s", pt ? "/" : "", p->stamps.src[pt] ? p->stamps.src[pt] : "user");
		for (int pt = 0; pt < LAB_STP_NPOINTS; pt++) {
			if (!p->stamps.pairs[pt])
				continue;
			fprintf(f, "%s%s %lld / %lld", *sep ? ", " : ", cost ", lab_stp_point_names[pt],
				(long long)p->stamps.cost[pt].p50, (long long)p->stamps.cost[pt].p99);
			sep = ",";
		}
		psep = "; ";
	}
	if (!*psep)
		fputs("no path ran", f);
	fputs(html ? ".</p>\n" : ".\n\n", f);
}
