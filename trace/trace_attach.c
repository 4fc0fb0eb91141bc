/* trace_attach.c — lab-trace's programs in the kernel: open and load the skeleton with the CPU
 * mask and the ring size, attach each source (a raw tracepoint, or an entry/exit pair) on its
 * own so that one this kernel lacks is skipped with its reason and the others still record, and
 * take everything down again. Nothing is pinned: every program, map and link lives as long as
 * this process's file descriptors, so even a kill -9 leaves nothing behind. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab_events.h"
#include "lab_trace.skel.h"
#include "log.h"
#include "trace.h"
#include "trace_bpf.h"

static char libbpf_first_warning[256];
static bool libbpf_verbose;

/* libbpf's messages: its warnings and notes with -v (its debug lines never: hundreds of
 * them), and the first warning kept for the one-line reason of a failed load. */
static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	/* the memlock warning comes first on any refusal and says nothing of the cause */
	if (level == LIBBPF_WARN && !libbpf_first_warning[0] && !strstr(line, "RLIMIT_MEMLOCK"))
		snprintf(libbpf_first_warning, sizeof(libbpf_first_warning), "%.255s", line);
	if (libbpf_verbose)
		lab_debug("%s", line);
	return 0;
}

static const struct {
	const char *name, *prog0, *prog1;
	enum trace_group group;
} source_defs[] = {
	{"irq", "lt_irq_in", "lt_irq_out", TG_IRQ},
	{"softirq", "lt_sirq_in", "lt_sirq_out", TG_SOFTIRQ},
	{"nmi", "lt_nmi", NULL, TG_NMI},
	{"sched", "lt_switch", NULL, TG_SCHED},
#define LT_SV_DEF(slot, tp, short, label) {#tp, "lt_sv_" #short "_in", "lt_sv_" #short "_out", TG_VECTOR},
	LT_SYSVECS(LT_SV_DEF)
#undef LT_SV_DEF
};

/* The flag that turns a group off, NULL when it is on. */
static const char *turned_off_by(const struct trace_cfg *cfg, enum trace_group g)
{
	switch (g) {
	case TG_IRQ: return cfg->no_irq ? "--no-irq" : NULL;
	case TG_SOFTIRQ: return cfg->no_softirq ? "--no-softirq" : NULL;
	case TG_NMI: return cfg->no_nmi ? "--no-nmi" : NULL;
	case TG_SCHED: return cfg->no_sched ? "--no-sched" : NULL;
	case TG_VECTOR:
		return cfg->no_irq ? "--no-irq" : cfg->no_vectors ? "--no-vectors" : NULL;
	}
	return NULL;
}

static struct bpf_program *prog_of(const struct trace_bpf *b, const char *name)
{
	return name ? bpf_object__find_program_by_name(b->skel->obj, name) : NULL;
}

static void load_reason(int err, char *why, size_t len)
{
	const char *detail = libbpf_first_warning[0] ? libbpf_first_warning : "no detail from libbpf";

	if (err == -EPERM || err == -EACCES)
		snprintf(why, len, "loading BPF programs was refused (%s): lab-trace needs root, or "
			 "CAP_BPF and CAP_PERFMON", strerror(-err));
	else if (err == -ENOSYS)
		snprintf(why, len, "this kernel has no BPF (bpf(): %s)", strerror(-err));
	else
		snprintf(why, len, "loading the BPF programs failed: %s (%s)", strerror(-err), detail);
}

/* The record buffers and their heads, mapped: the reader drains them without a syscall. */
static int map_buffers(struct trace_bpf *b, char *why, size_t len)
{
	b->buf_len = b->cap * b->nslots * sizeof(struct lab_evt);
	b->heads_len = 64 * sizeof(struct lt_head);
	b->buf = mmap(NULL, b->buf_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      bpf_map__fd(b->skel->maps.lt_buf), 0);
	b->heads = mmap(NULL, b->heads_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(b->skel->maps.lt_heads), 0);
	if (b->buf != MAP_FAILED && b->heads != MAP_FAILED)
		return 0;
	int err = -errno;
	snprintf(why, len, "mapping the record buffers (%zu MiB): %s", b->buf_len >> 20, strerror(errno));
	return err;
}

int trace_bpf_load(struct trace_bpf *b, const struct trace_cfg *cfg, char *why, size_t len)
{
	uint64_t ring_bytes = (uint64_t)cfg->ring_mb << 20;
	int err;

	memset(b, 0, sizeof(*b));
	b->stats_fd = -1;
	libbpf_verbose = cfg->verbose;
	libbpf_first_warning[0] = 0;
	libbpf_set_print(on_libbpf_print);
	b->skel = lab_trace_bpf__open();
	if (!b->skel) {
		err = errno ? -errno : -EINVAL;
		load_reason(err, why, len);
		return err;
	}
	b->skel->rodata->lt_cpu_mask = cfg->cpu_mask;
	b->skel->rodata->lt_min_event_ns = cfg->min_event_ns;
	b->skel->rodata->lt_keep_idle = cfg->keep_idle;
	/* --ring-mb shared out among the traced CPUs, a power of two records each */
	for (int c = 0; c < 64; c++)
		if (cfg->cpu_mask & (1ull << c))
			b->skel->rodata->lt_slot_of_cpu[c] = b->nslots++;
	b->cap = 1024;
	while (b->cap * 2 * sizeof(struct lab_evt) * b->nslots <= ring_bytes && b->cap < (1u << 26))
		b->cap *= 2;
	b->skel->rodata->lt_buf_cap = b->cap;
	/* a reader on a timer is woken early at half a CPU's buffer; one that drains only at the
	 * stop (asleep through the run) at three quarters: the buffers are sized for the run */
	b->skel->rodata->lt_wake_recs = cfg->drain_ms ? b->cap / 2 : b->cap / 4 * 3;
	if ((err = bpf_map__set_max_entries(b->skel->maps.lt_buf, (uint32_t)(b->cap * b->nslots))) < 0) {
		snprintf(why, len, "record buffers of %u MiB: %s", cfg->ring_mb, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < sizeof(source_defs) / sizeof(source_defs[0]); i++) {
		struct trace_source *s = &b->src[b->n_src++];
		const char *off = turned_off_by(cfg, source_defs[i].group);
		s->name = source_defs[i].name;
		s->prog[0] = source_defs[i].prog0;
		s->prog[1] = source_defs[i].prog1;
		s->group = source_defs[i].group;
		if (!off)
			continue;
		snprintf(s->why, sizeof(s->why), "turned off (%s)", off);
		for (int k = 0; k < 2; k++)
			if (prog_of(b, s->prog[k]))
				bpf_program__set_autoload(prog_of(b, s->prog[k]), false);
	}
	if ((err = lab_trace_bpf__load(b->skel)) < 0) {
		load_reason(err, why, len);
		return err;
	}
	b->ncpus_possible = libbpf_num_possible_cpus();
	if (b->ncpus_possible <= 0)
		return b->ncpus_possible;
	return map_buffers(b, why, len);
}

/* The tracepoint a program attaches to: its section name after "raw_tp/". */
static const char *tp_of(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);
	const char *slash = strchr(sec, '/');
	return slash ? slash + 1 : sec;
}

/* Attach one source's programs; on a failure undo its first and say why. Returns 0, -ENOENT
 * when this kernel has no such tracepoint, or another -errno. */
static int attach_source(struct trace_bpf *b, struct trace_source *s)
{
	for (int k = 0; k < 2 && s->prog[k]; k++) {
		struct bpf_program *p = prog_of(b, s->prog[k]);
		s->link[k] = p ? bpf_program__attach(p) : NULL;
		if (s->link[k])
			continue;
		int err = p && errno ? -errno : -EINVAL;
		snprintf(s->why, sizeof(s->why), "%s: %s", p ? tp_of(p) : s->prog[k],
			 err == -ENOENT ? "no such tracepoint in this kernel" : strerror(-err));
		for (int j = 0; j < k; j++) {
			bpf_link__destroy(s->link[j]);
			s->link[j] = NULL;
		}
		return err;
	}
	s->attached = true;
	return 0;
}

int trace_bpf_attach(struct trace_bpf *b, char *why, size_t len)
{
	bool vectors_whole = true; /* every system vector this kernel has is attached */
	int core = 0;
	size_t off = 0;

	for (size_t i = 0; i < b->n_src; i++) {
		struct trace_source *s = &b->src[i];
		int err = s->why[0] ? -ECANCELED : attach_source(b, s); /* turned off: why is set */
		if (s->group == TG_VECTOR && err && err != -ENOENT)
			vectors_whole = false;
		if (!s->attached) {
			lab_debug("%s: not recorded: %s", s->name, s->why);
			continue;
		}
		switch (s->group) {
		case TG_IRQ: b->sources |= LAB_EVTS_IRQ; core++; break;
		case TG_SOFTIRQ: b->sources |= LAB_EVTS_SOFTIRQ; core++; break;
		case TG_NMI: b->sources |= LAB_EVTS_NMI; break;
		case TG_SCHED: b->sources |= LAB_EVTS_SCHED; core++; break;
		case TG_VECTOR: break;
		}
	}
	/* no IRQ events means none happened only if the tick and the IPIs were looked at too */
	if (!vectors_whole)
		b->sources &= ~(uint32_t)LAB_EVTS_IRQ;
	if (core)
		return core;
	off = (size_t)snprintf(why, len, "no tracepoint could be attached");
	for (size_t i = 0; i < b->n_src && off < len; i++)
		if (b->src[i].group != TG_VECTOR && b->src[i].group != TG_NMI)
			off += (size_t)snprintf(why + off, len - off, "%s %s: %s", i ? ";" : ":",
						b->src[i].name, b->src[i].why);
	return 0;
}

void trace_bpf_start(struct trace_bpf *b, uint64_t start_ns)
{
	__atomic_store_n(&b->skel->bss->lt_start_ns, start_ns, __ATOMIC_SEQ_CST);
}

void trace_bpf_stop(struct trace_bpf *b, uint64_t stop_ns)
{
	__atomic_store_n(&b->skel->bss->lt_stop_ns, stop_ns, __ATOMIC_SEQ_CST);
}

uint64_t trace_bpf_lost(const struct trace_bpf *b)
{
	uint32_t key = 0;
	uint64_t sum = 0, *v = calloc((size_t)b->ncpus_possible, sizeof(*v));

	if (!v)
		return 0;
	if (bpf_map__lookup_elem(b->skel->maps.lt_lost, &key, sizeof(key), v,
				 sizeof(*v) * (size_t)b->ncpus_possible, 0) == 0)
		for (int c = 0; c < b->ncpus_possible; c++)
			sum += v[c];
	free(v);
	return sum;
}

int trace_bpf_read_state(const struct trace_bpf *b, struct lt_cpu_state *out)
{
	uint32_t key = 0;

	_Static_assert(sizeof(struct lt_cpu_state) % 8 == 0, "per-CPU values are 8-byte aligned");
	return bpf_map__lookup_elem(b->skel->maps.lt_state, &key, sizeof(key), out,
				    sizeof(*out) * (size_t)b->ncpus_possible, 0);
}

int trace_bpf_filtered(const struct trace_bpf *b, struct lt_filtered *out)
{
	size_t n = (size_t)b->ncpus_possible;
	struct lt_filtered *v = calloc(n, sizeof(*v));
	int rc = 0;

	memset(out, 0, LT_FILT_SLOTS * sizeof(*out));
	if (!v)
		return -ENOMEM;
	for (uint32_t slot = 0; slot < LT_FILT_SLOTS && rc == 0; slot++) {
		rc = bpf_map__lookup_elem(b->skel->maps.lt_filtered, &slot, sizeof(slot), v,
					  sizeof(*v) * n, 0);
		for (size_t c = 0; rc == 0 && c < n; c++) {
			out[slot].count += v[c].count;
			out[slot].ns += v[c].ns;
		}
	}
	free(v);
	return rc;
}

size_t trace_bpf_drain(struct trace_bpf *b, void (*put)(void *ctx, struct lab_evt *e), void *ctx)
{
	size_t n = 0;

	for (uint32_t s = 0; s < b->nslots; s++) {
		struct lt_head *h = &b->heads[s];
		uint64_t prod = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE), i = h->cons;
		for (; i < prod; i++) {
			struct lab_evt *slot = &b->buf[s * b->cap + (i & (b->cap - 1))], e;
			/* taken but not yet written (a program in flight): the rest waits for the next drain */
			if (__atomic_load_n(&slot->kind, __ATOMIC_ACQUIRE) == 0)
				break;
			e = *slot;
			__atomic_store_n(&slot->kind, 0, __ATOMIC_RELAXED);
			put(ctx, &e);
			n++;
		}
		__atomic_store_n(&h->cons, i, __ATOMIC_RELEASE);
		__atomic_store_n(&h->rang, 0, __ATOMIC_RELEASE);
	}
	return n;
}

int trace_bpf_ring_fd(const struct trace_bpf *b)
{
	return bpf_map__fd(b->skel->maps.lt_events);
}

int trace_bpf_prog_stats_on(struct trace_bpf *b)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0)
		return fd;
	b->stats_fd = fd;
	return 0;
}

int trace_bpf_prog_stats(const struct trace_bpf *b, const char *prog, uint64_t *runs, uint64_t *ns)
{
	struct bpf_program *p = prog_of(b, prog);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	if (!p || bpf_program__fd(p) < 0)
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
		return -errno;
	*runs = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

void trace_bpf_close(struct trace_bpf *b)
{
	for (size_t i = 0; i < b->n_src; i++)
		for (int k = 0; k < 2; k++)
			bpf_link__destroy(b->src[i].link[k]);
	if (b->buf && b->buf != MAP_FAILED)
		munmap(b->buf, b->buf_len);
	if (b->heads && b->heads != MAP_FAILED)
		munmap(b->heads, b->heads_len);
	lab_trace_bpf__destroy(b->skel);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	memset(b, 0, sizeof(*b));
	b->stats_fd = -1;
}
