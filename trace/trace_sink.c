/* trace_sink.c — from the programs' records to the event file: each record gets its name (IRQ
 * handlers by number, softirq vectors) and flags (the lab's tasks), is clipped to the file's
 * [start, end] and appended; at stop, what each CPU still had open becomes a record with
 * LAB_EVT_F_OPEN. Also the stats JSON of a run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab_events.h"
#include "trace.h"
#include "trace_bpf.h"
#include "util.h"

static const char *const sysvec_names[LT_NR_SYSVEC] = {
#define LT_SV_NAME(slot, tp, short, label) [slot] = label,
	LT_SYSVECS(LT_SV_NAME)
#undef LT_SV_NAME
};

static const char *const kind_names[LAB_EVT_KIND_MAX + 1] = {
	[LAB_EVT_IRQ] = "irq", [LAB_EVT_SOFTIRQ] = "softirq", [LAB_EVT_NMI] = "nmi",
	[LAB_EVT_TASK] = "task", [LAB_EVT_GAP] = "gap",
};

static void set_name(char *dst, const char *src)
{
	size_t l = strnlen(src, sizeof(((struct lab_evt *)0)->name));
	memset(dst, 0, sizeof(((struct lab_evt *)0)->name));
	memcpy(dst, src, l);
}

void trace_sink_rec(void *ctx, struct lab_evt *e)
{
	trace_sink_put(ctx, e);
}

void trace_sink_put(struct trace_sink *k, struct lab_evt *e)
{
	const char *n;
	int rc;

	if (k->err)
		return;
	if (e->kind == 0 || e->kind > LAB_EVT_KIND_MAX) {
		k->discarded++;
		return;
	}
	/* a program that read the clock just before the stop or the start was published */
	if (k->end_ns && e->end_ns > k->end_ns)
		e->end_ns = k->end_ns;
	if (e->start_ns < k->start_ns)
		e->start_ns = k->start_ns;
	if (e->end_ns < e->start_ns) {
		k->discarded++;
		return;
	}
	switch (e->kind) {
	case LAB_EVT_IRQ:
		if (!(e->id & LT_SYSVEC_ID))
			lt_names_irq(k->names, e->id, e->end_ns, e->name);
		break;
	case LAB_EVT_SOFTIRQ:
		n = lt_softirq_name(e->id);
		set_name(e->name, n ? n : "softirq?");
		break;
	case LAB_EVT_TASK:
		if (!(e->flags & LAB_EVT_F_IDLE) && lt_names_is_lab(k->names, e->tgid, e->name)) {
			e->flags |= LAB_EVT_F_LAB;
			k->lab_tasks++;
		}
		break;
	}
	if ((rc = lab_evt_write(&k->w, e, 1)) < 0) {
		k->err = rc;
		return;
	}
	k->written++;
	k->kinds[e->kind]++;
	if (e->flags & LAB_EVT_F_OPEN)
		k->open++;
}

void trace_sink_open_intervals(struct trace_sink *k, unsigned cpu, const struct lt_cpu_state *s)
{
	struct lab_evt e, base = {.end_ns = k->end_ns, .cpu = cpu, .flags = LAB_EVT_F_OPEN};

	if (s->task_known != LT_TASK_UNKNOWN) {
		e = base;
		e.start_ns = s->task_since_ns;
		e.kind = LAB_EVT_TASK;
		e.id = s->task.tid;
		e.tgid = s->task.tgid;
		e.flags |= s->task.tid == 0 ? LAB_EVT_F_IDLE : 0;
		memcpy(e.name, s->task.comm, sizeof(e.name));
		trace_sink_put(k, &e);
	} else {
		k->open_unknown++; /* switched to a task never seen since: no name to give it */
	}
	if (s->irq_since_ns) {
		e = base;
		e.start_ns = s->irq_since_ns;
		e.kind = LAB_EVT_IRQ;
		e.id = s->irq;
		trace_sink_put(k, &e);
	}
	for (unsigned v = 0; v < LT_NR_SOFTIRQ; v++) {
		if (!s->sirq_since_ns[v])
			continue;
		e = base;
		e.start_ns = s->sirq_since_ns[v];
		e.kind = LAB_EVT_SOFTIRQ;
		e.id = v;
		trace_sink_put(k, &e);
	}
	for (unsigned i = 0; i < LT_NR_SYSVEC; i++) {
		if (!s->sv_since_ns[i])
			continue;
		e = base;
		e.start_ns = s->sv_since_ns[i];
		e.kind = LAB_EVT_IRQ;
		e.id = LT_SYSVEC_ID | s->sv_vector[i];
		set_name(e.name, sysvec_names[i]);
		trace_sink_put(k, &e);
	}
}

struct stats_arg {
	const struct trace_cfg *cfg;
	const struct trace_bpf *b;
	const struct trace_sink *k;
	uint64_t lost;
	const char *error;
};

static void stats_sources(struct lab_json *j, const struct trace_bpf *b)
{
	lab_json_u64(j, "sources", b->sources);
	lab_json_arr(j, "attached");
	for (size_t i = 0; i < b->n_src; i++)
		if (b->src[i].attached)
			lab_json_str(j, NULL, b->src[i].name);
	lab_json_arr_end(j);
	if (b->stats_fd >= 0) {
		/* --prog-stats: what each attached program cost, in the kernel's own count */
		lab_json_obj(j, "programs");
		for (size_t i = 0; i < b->n_src; i++)
			for (int p = 0; p < 2 && b->src[i].attached && b->src[i].prog[p]; p++) {
				uint64_t runs = 0, ns = 0;

				if (trace_bpf_prog_stats(b, b->src[i].prog[p], &runs, &ns) < 0)
					continue;
				lab_json_obj(j, b->src[i].prog[p]);
				lab_json_str(j, "source", b->src[i].name);
				lab_json_u64(j, "runs", runs);
				lab_json_u64(j, "ns", ns);
				lab_json_dbl(j, "ns_per_run", runs ? (double)ns / (double)runs : 0.0);
				lab_json_obj_end(j);
			}
		lab_json_obj_end(j);
	}
	lab_json_arr(j, "skipped");
	for (size_t i = 0; i < b->n_src; i++) {
		if (b->src[i].attached)
			continue;
		lab_json_arr_obj(j);
		lab_json_str(j, "source", b->src[i].name);
		lab_json_str(j, "why", b->src[i].why[0] ? b->src[i].why : "not attached");
		lab_json_obj_end(j);
	}
	lab_json_arr_end(j);
}

/* What the programs counted and did not send, by kind (and the idle task's stays). */
static void stats_filtered(struct lab_json *j, const struct trace_bpf *b)
{
	static const char *const slot_names[LT_FILT_SLOTS] = {
		[LAB_EVT_IRQ] = "irq", [LAB_EVT_SOFTIRQ] = "softirq", [LAB_EVT_NMI] = "nmi",
		[LAB_EVT_TASK] = "task", [LT_FILT_IDLE] = "idle",
	};
	struct lt_filtered f[LT_FILT_SLOTS];

	if (!b->skel || trace_bpf_filtered(b, f) < 0)
		return;
	lab_json_obj(j, "filtered");
	for (int i = 1; i < LT_FILT_SLOTS; i++) {
		lab_json_obj(j, slot_names[i]);
		lab_json_u64(j, "count", f[i].count);
		lab_json_u64(j, "ns", f[i].ns);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
}

/* How the reader ran: its period (or after), its cpu, its batches. */
static void stats_reader(struct lab_json *j, const struct trace_cfg *cfg, const struct trace_sink *k)
{
	lab_json_u64(j, "min_event_ns", cfg->min_event_ns);
	lab_json_bool(j, "keep_idle", cfg->keep_idle);
	if (cfg->drain_ms)
		lab_json_u64(j, "drain_ms", cfg->drain_ms);
	else
		lab_json_str(j, "drain", "after");
	if (cfg->reader_cpu >= 0)
		lab_json_u64(j, "reader_cpu", (uint64_t)cfg->reader_cpu);
	else
		lab_json_null(j, "reader_cpu");
	lab_json_u64(j, "drains", k->drains);
	lab_json_u64(j, "drains_early", k->drains_early);
}

static void stats_fill(struct lab_json *j, void *arg)
{
	const struct stats_arg *a = arg;
	const struct trace_sink *k = a->k;
	char cpus[256];
	double dur_s = k->end_ns > k->start_ns ? (double)(k->end_ns - k->start_ns) / 1e9 : 0.0;
	uint64_t seen = 0, lab = 0;

	lab_json_str(j, "out", a->cfg->out);
	lab_json_str(j, "cpus", lt_format_cpulist(a->cfg->cpu_mask, cpus, sizeof(cpus)));
	if (a->error)
		lab_json_str(j, "error", a->error);
	lab_json_u64(j, "start_ns", k->start_ns);
	lab_json_u64(j, "end_ns", k->end_ns);
	lab_json_dbl(j, "duration_s", dur_s);
	lab_json_obj(j, "events");
	for (int i = 1; i <= LAB_EVT_KIND_MAX; i++)
		if (i != LAB_EVT_GAP)
			lab_json_u64(j, kind_names[i], k->kinds[i]);
	lab_json_u64(j, "total", k->written);
	lab_json_obj_end(j);
	lab_json_dbl(j, "events_per_s", dur_s > 0 ? (double)k->written / dur_s : 0.0);
	lab_json_u64(j, "open_at_stop", k->open);
	lab_json_u64(j, "open_task_unknown", k->open_unknown);
	lab_json_u64(j, "lab_task_events", k->lab_tasks);
	lab_json_u64(j, "discarded", k->discarded);
	lab_json_u64(j, "lost", a->lost);
	/* what the per-CPU buffers hold (--ring-mb rounded down to a power of two records each) */
	lab_json_u64(j, "ring_bytes", a->b->buf_len ? (uint64_t)a->b->buf_len : (uint64_t)a->cfg->ring_mb << 20);
	lab_json_u64(j, "records_per_cpu", a->b->cap);
	stats_reader(j, a->cfg, k);
	stats_filtered(j, a->b);
	if (k->names) {
		lt_names_proc_counts(k->names, &seen, &lab);
		lab_json_u64(j, "processes_seen", seen);
		lab_json_u64(j, "lab_processes", lab);
	}
	stats_sources(j, a->b);
}

int trace_stats_json(const char *path, const struct trace_cfg *cfg, const struct trace_bpf *b,
		     const struct trace_sink *k, uint64_t lost, const char *error)
{
	struct stats_arg a = {cfg, b, k, lost, error};

	return lab_json_write_file(path, stats_fill, &a);
}
