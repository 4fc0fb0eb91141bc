/* trace.h — lab-trace's parts: the settings (lab_trace.c), loading and attaching the programs
 * source by source (trace_attach.c), and the sink that turns ring-buffer records into the event
 * file with names and flags filled in (trace_sink.c). */
#ifndef LAB_TRACE_H
#define LAB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evtfile.h"
#include "trace_names.h"

/* lab-trace's own exit code for "no attribution here" (no BPF, no tracepoints): the run that
 * started it goes on without it. 0, 1 and 2 are log.h's. */
#define LT_EXIT_UNAVAILABLE 3

struct trace_cfg {
	uint64_t cpu_mask;
	const char *out;
	const char *ready_file;
	const char *stats_json;
	double duration_s;   /* 0: until SIGINT/SIGTERM */
	uint32_t ring_mb;    /* ring buffer size, a power of two */
	uint64_t min_event_ns; /* shorter events are counted in the kernel, not recorded */
	bool keep_idle;      /* record the idle task's stays too */
	uint32_t drain_ms;   /* the reader's period; 0: only at the stop ("after") */
	int reader_cpu;      /* -1: not pinned */
	bool no_sched, no_irq, no_softirq, no_nmi, no_vectors;
	bool verbose;
	bool prog_stats;      /* the kernel's run time of each program (BPF_ENABLE_STATS) */
};

/* The sources: one tracepoint, or an entry/exit pair, each attached or skipped on its own. */
enum trace_group { TG_IRQ, TG_SOFTIRQ, TG_NMI, TG_SCHED, TG_VECTOR };

struct trace_source {
	const char *name;        /* in messages and the stats: irq, softirq, nmi, sched, local_timer */
	const char *prog[2];     /* the programs (the second NULL for a single tracepoint) */
	enum trace_group group;
	bool attached;
	char why[192];           /* not attached: the reason */
	struct bpf_link *link[2];
};

#define TRACE_MAX_SOURCES 16

struct lab_trace_bpf;
struct lt_head;
struct ring_buffer;

struct trace_bpf {
	struct lab_trace_bpf *skel;
	struct trace_source src[TRACE_MAX_SOURCES];
	size_t n_src;
	uint32_t sources;        /* LAB_EVTS_* bits this run can vouch for */
	int ncpus_possible;
	uint32_t nslots;         /* traced CPUs: one record buffer each */
	uint64_t cap;            /* records per buffer, a power of two */
	struct lab_evt *buf;     /* lt_buf, mapped */
	struct lt_head *heads;   /* lt_heads, mapped */
	size_t buf_len, heads_len;
	int stats_fd;            /* BPF_ENABLE_STATS held (--prog-stats), or -1 */
};

/* Open and load the programs with cfg's CPU mask and ring size, leaving out the sources cfg
 * turns off. Returns 0, or -errno with a one-line reason in why. */
int trace_bpf_load(struct trace_bpf *b, const struct trace_cfg *cfg, char *why, size_t len);
/* Attach every loaded source, skipping (with the reason) those this kernel lacks. Returns the
 * number attached among irq, softirq and sched (0: nothing worth recording; why says why). */
int trace_bpf_attach(struct trace_bpf *b, char *why, size_t len);
/* Start (start_ns) and stop (stop_ns) recording: the programs are attached all along, and
 * record only in [start, stop). */
void trace_bpf_start(struct trace_bpf *b, uint64_t start_ns);
void trace_bpf_stop(struct trace_bpf *b, uint64_t stop_ns);
/* --prog-stats: the kernel times every program run while the returned fd is held (closed with
 * the programs); 0, or -errno. */
int trace_bpf_prog_stats_on(struct trace_bpf *b);
/* One program's runs and their total time so far (BPF_ENABLE_STATS on). 0, or -errno. */
int trace_bpf_prog_stats(const struct trace_bpf *b, const char *prog, uint64_t *runs, uint64_t *ns);
/* The records the ring buffer had no room for, over every CPU. */
uint64_t trace_bpf_lost(const struct trace_bpf *b);
struct lt_cpu_state;
/* Every possible CPU's state as the programs left it (out: ncpus_possible entries). Returns 0
 * or -errno. */
int trace_bpf_read_state(const struct trace_bpf *b, struct lt_cpu_state *out);
/* The doorbell ring's fd: readable when a CPU's buffer passed its mark. */
int trace_bpf_ring_fd(const struct trace_bpf *b);
/* Every committed record of every CPU's buffer to put(), in order per CPU; returns how many. */
size_t trace_bpf_drain(struct trace_bpf *b, void (*put)(void *ctx, struct lab_evt *e), void *ctx);
struct lt_filtered;
/* What the programs counted and did not send, summed over the CPUs (out: LT_FILT_SLOTS). */
int trace_bpf_filtered(const struct trace_bpf *b, struct lt_filtered *out);
/* Detach everything and free the programs and maps. */
void trace_bpf_close(struct trace_bpf *b);

struct trace_sink {
	struct lab_evt_writer w;
	struct lt_names *names;
	uint64_t start_ns, end_ns;      /* end_ns 0 while recording */
	uint64_t kinds[LAB_EVT_KIND_MAX + 1];
	uint64_t written, open, lab_tasks, discarded, open_unknown;
	uint64_t drains, drains_early; /* the reader's batches; those before the stop (after mode) */
	int err;                        /* the first write error, -errno */
};

/* trace_bpf_drain's callback: one record from the programs (ctx: the sink). */
void trace_sink_rec(void *ctx, struct lab_evt *e);
/* Name, flag, clip to [start, end] and append one record. */
void trace_sink_put(struct trace_sink *k, struct lab_evt *e);
/* The intervals still open at stop on cpu, from its state as the programs left it. */
void trace_sink_open_intervals(struct trace_sink *k, unsigned cpu, const struct lt_cpu_state *s);
/* The stats: events per kind, lost, duration, the sources attached and those skipped with
 * their reason (error: why nothing was recorded, else NULL). Returns 0 or -1 (errno). */
int trace_stats_json(const char *path, const struct trace_cfg *cfg, const struct trace_bpf *b,
		     const struct trace_sink *k, uint64_t lost, const char *error);

#endif
