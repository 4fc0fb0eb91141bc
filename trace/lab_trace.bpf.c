// SPDX-License-Identifier: GPL-2.0
/* lab_trace.bpf.c — lab-trace's programs: one raw tracepoint program per event, as the
 * libbpf-tools do (hardirqs, softirqs, runqlat), each turning an entry/exit pair into one
 * interval record (common/lab_events.h) sent to userspace through a ring buffer. Raw
 * tracepoints need neither tracefs nor the kernel's BTF: the programs read their arguments
 * (ctx->args[i]) and the current task through helpers, never a kernel struct, so the same
 * object loads on Debian 12's 6.1 and on 6.18. Names of IRQs and softirqs, and which tasks are
 * the lab's, are filled in by userspace. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lab_events.h"
#include "trace_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set through the skeleton before load. */
const volatile __u64 lt_cpu_mask = ~0ull; /* bit i: trace cpu i (cpus 0-63) */
/* Events shorter than this are counted in lt_filtered and never sent: attribution looks for what
 * took a slow packet's microseconds, and most of the events (a NET_RX of one frame, a tick) are
 * far shorter; the ring, its reader and the file are spared them. 0: every event is sent. */
const volatile __u64 lt_min_event_ns = 1000;
/* The idle task's stays are no cause of anything (attribution skips them): counted, not sent,
 * unless kept (tests that look at them). */
const volatile __u32 lt_keep_idle = 0;
/* The records go to one buffer per traced CPU (a slot of lt_buf, lt_buf_cap records, a power of
 * two), each with its head in lt_heads: the CPU's programs the only producers, the reader the
 * only consumer. No lock and no shared cache line between CPUs: in this VM the BPF ring buffer
 * cost ~75 ns a record more (its spinlock, irqsave and header), a quarter of the tracer's cost
 * per event. lt_slot_of_cpu maps a CPU to its slot. */
const volatile __u32 lt_slot_of_cpu[64];
const volatile __u64 lt_buf_cap = 1 << 16;
/* The reader drains on a timer, or only after the run: a CPU's programs ring the doorbell
 * (lt_events) only when its buffer holds more than this (a safety valve, far from the normal
 * case), once until the reader has drained it. */
const volatile __u64 lt_wake_recs = 1 << 15;

/* Written by userspace through the mmap'ed .bss: nothing is recorded before lt_start_ns (set
 * once every program is attached, the start of the file) nor from lt_stop_ns on (the stop, after
 * which userspace reads lt_state for the intervals still open). */
volatile __u64 lt_start_ns;
volatile __u64 lt_stop_ns;

/* the doorbell: a record here wakes the reader (it drains every CPU's buffer) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} lt_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << 17); /* set by userspace: slots x lt_buf_cap */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lab_evt);
} lt_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lt_head);
} lt_heads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lt_cpu_state);
} lt_state SEC(".maps");

/* records the ring buffer had no room for */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lt_lost SEC(".maps");

/* What was counted and not sent: slot LT_FILT_* (trace_bpf.h), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LT_FILT_SLOTS);
	__type(key, __u32);
	__type(value, struct lt_filtered);
} lt_filtered SEC(".maps");

/* task_struct pointer -> the task as last switched out: names the task a CPU switched to, for
 * its interval still open at stop */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct lt_task);
} lt_tasks SEC(".maps");

/* This CPU's state, or NULL when the CPU is not traced or the time is outside [start, stop). */
static __always_inline struct lt_cpu_state *cpu_state(__u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id(), zero = 0;
	__u64 start = lt_start_ns, stop = lt_stop_ns;

	if (cpu >= 64 || !(lt_cpu_mask & (1ull << cpu)))
		return NULL;
	if (!start || (stop && now >= stop))
		return NULL;
	return bpf_map_lookup_elem(&lt_state, &zero);
}

/* The reader drains on its own schedule: a wakeup per record would put the tracer itself into
 * the trace. The doorbell rings once when this CPU's buffer passes lt_wake_recs. */
static __always_inline void ring_doorbell(struct lt_head *h)
{
	__u64 *d;

	if (h->prod - h->cons <= lt_wake_recs || h->rang)
		return;
	h->rang = 1;
	d = bpf_ringbuf_reserve(&lt_events, sizeof(*d), 0);
	if (d) {
		*d = h->prod;
		bpf_ringbuf_submit(d, BPF_RB_FORCE_WAKEUP);
	}
}

/* Count an event that is not sent (slot: its kind, or LT_FILT_IDLE). */
static __always_inline void count_filtered(__u32 slot, __u64 ns)
{
	struct lt_filtered *f = bpf_map_lookup_elem(&lt_filtered, &slot);

	if (f) {
		f->count++; /* per CPU: no other writer */
		f->ns += ns;
	}
}

/* An interval [start, now] of this kind too short to send: counted instead. A start of 0 or
 * before the start of tracing counts from the start. */
static __always_inline int too_short(__u64 start, __u64 end, __u32 kind)
{
	__u64 t0 = lt_start_ns, s = start < t0 ? t0 : start;
	__u64 d = end > s ? end - s : 0;

	if (d >= lt_min_event_ns)
		return 0;
	count_filtered(kind, d);
	return 1;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lt_lost, &zero);

	if (lost)
		__sync_fetch_and_add(lost, 1);
}

/* A record of this CPU's buffer to fill, NULL (counted as lost) when it is full. The index is
 * taken with an atomic add: a program interrupted by an IRQ's or an NMI's on the same CPU gets
 * the next one; LT_NEST_MAX records are kept free for such nesting between check and add. A
 * record is the reader's once its kind is set, last (commit()). */
static __always_inline struct lab_evt *reserve(void)
{
	__u32 cpu = bpf_get_smp_processor_id(), slot, k;
	struct lt_head *h;
	__u64 i;

	if (cpu >= 64)
		return NULL;
	slot = lt_slot_of_cpu[cpu];
	h = bpf_map_lookup_elem(&lt_heads, &slot);
	if (!h)
		return NULL;
	if (h->prod - h->cons >= lt_buf_cap - LT_NEST_MAX) {
		count_lost();
		return NULL;
	}
	i = __sync_fetch_and_add(&h->prod, 1);
	ring_doorbell(h);
	k = slot * (__u32)lt_buf_cap + (__u32)(i & (lt_buf_cap - 1));
	return bpf_map_lookup_elem(&lt_buf, &k);
}

/* Hand the record to the reader: its kind is written last. */
static __always_inline void commit(struct lab_evt *e, __u16 kind)
{
	*(volatile __u16 *)&e->kind = kind;
}

/* An interval [start, end] of kind on this CPU; a start of 0 (entered before tracing began) is
 * the start of tracing. The name is left empty: userspace fills it. */
static __always_inline struct lab_evt *fill(struct lab_evt *e, __u64 start, __u64 end,
					    __u16 kind, __u32 id)
{
	__u64 t0 = lt_start_ns;

	e->start_ns = start < t0 ? t0 : start;
	e->end_ns = end;
	e->cpu = bpf_get_smp_processor_id();
	e->flags = 0;
	e->id = id;
	e->tgid = 0;
	__builtin_memset(e->name, 0, sizeof(e->name));
	return e;
}

static __always_inline void emit(__u64 start, __u64 end, __u16 kind, __u32 id)
{
	struct lab_evt *e;

	if (too_short(start, end, kind))
		return;
	e = reserve();

	if (e)
		commit(fill(e, start, end, kind, id), kind);
}

/* An interrupt found the current task running: that names it for certain. */
static __always_inline void learn_current(struct lt_cpu_state *s)
{
	__u64 id;

	if (s->task_known == LT_TASK_SEEN)
		return;
	id = bpf_get_current_pid_tgid();
	s->task.tid = (__u32)id;
	s->task.tgid = id >> 32;
	bpf_get_current_comm(s->task.comm, sizeof(s->task.comm));
	s->task_known = LT_TASK_SEEN;
}

SEC("raw_tp/irq_handler_entry")
int lt_irq_in(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	struct lt_cpu_state *s = cpu_state(now);

	if (!s)
		return 0;
	learn_current(s);
	s->irq = (__u32)ctx->args[0];
	s->irq_since_ns = now;
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int lt_irq_out(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	struct lt_cpu_state *s = cpu_state(now);

	if (!s)
		return 0;
	emit(s->irq_since_ns, now, LAB_EVT_IRQ, (__u32)ctx->args[0]);
	s->irq_since_ns = 0;
	return 0;
}

SEC("raw_tp/softirq_entry")
int lt_sirq_in(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 vec = (__u32)ctx->args[0];
	struct lt_cpu_state *s;

	if (vec >= LT_NR_SOFTIRQ || !(s = cpu_state(now)))
		return 0;
	learn_current(s);
	s->sirq_since_ns[vec] = now;
	return 0;
}

SEC("raw_tp/softirq_exit")
int lt_sirq_out(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 vec = (__u32)ctx->args[0];
	struct lt_cpu_state *s;

	if (vec >= LT_NR_SOFTIRQ || !(s = cpu_state(now)))
		return 0;
	emit(s->sirq_since_ns[vec], now, LAB_EVT_SOFTIRQ, vec);
	s->sirq_since_ns[vec] = 0;
	return 0;
}

/* nmi_handler(void *handler, s64 delta_ns, int handled), at the handler's end: the NMI is
 * [now - delta, now]. Nothing is kept: an NMI can land inside any other program. */
SEC("raw_tp/nmi_handler")
int lt_nmi(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	__s64 delta = (__s64)ctx->args[1];
	struct lab_evt *e;

	if (!cpu_state(now))
		return 0;
	if (delta < 0 || (__u64)delta > now)
		delta = 0;
	if (too_short(now - delta, now, LAB_EVT_NMI))
		return 0;
	e = reserve();
	if (!e)
		return 0;
	fill(e, now - delta, now, LAB_EVT_NMI, 0);
	__builtin_memcpy(e->name, "nmi", 4);
	commit(e, LAB_EVT_NMI);
	return 0;
}

/* sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, ...) on 6.1
 * and 6.18 alike, called while prev is still current: the record is prev's time on the CPU. */
SEC("raw_tp/sched_switch")
int lt_switch(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 now = bpf_ktime_get_ns(), id, prev = ctx->args[1], next = ctx->args[2];
	struct lt_cpu_state *s = cpu_state(now);
	struct lt_task t, *known;
	struct lab_evt *e;

	if (!s)
		return 0;
	id = bpf_get_current_pid_tgid();
	t.tid = (__u32)id;
	t.tgid = id >> 32;
	bpf_get_current_comm(t.comm, sizeof(t.comm));
	if (t.tid == 0 && !lt_keep_idle) {
		__u64 s0 = s->task_since_ns < lt_start_ns ? lt_start_ns : s->task_since_ns;
		count_filtered(LT_FILT_IDLE, now - s0);
		e = NULL;
	} else {
		e = too_short(s->task_since_ns, now, LAB_EVT_TASK) ? NULL : reserve();
	}
	if (e) {
		fill(e, s->task_since_ns, now, LAB_EVT_TASK, t.tid);
		e->tgid = t.tgid;
		e->flags = t.tid == 0 ? LAB_EVT_F_IDLE : 0;
		__builtin_memcpy(e->name, t.comm, sizeof(e->name));
		commit(e, LAB_EVT_TASK);
	}
	bpf_map_update_elem(&lt_tasks, &prev, &t, BPF_ANY);
	s->task_since_ns = now;
	known = bpf_map_lookup_elem(&lt_tasks, &next);
	if (known) {
		s->task = *known;
		s->task_known = LT_TASK_FROM_MAP;
	} else {
		s->task_known = LT_TASK_UNKNOWN;
	}
	return 0;
}

/* The x86 system vectors (irq_vectors: *_entry(int vector), *_exit(int vector)) as IRQs. */
static __always_inline int sv_entry(struct bpf_raw_tracepoint_args *ctx, __u32 slot)
{
	__u64 now = bpf_ktime_get_ns();
	struct lt_cpu_state *s = cpu_state(now);

	if (!s || slot >= LT_NR_SYSVEC)
		return 0;
	learn_current(s);
	s->sv_since_ns[slot] = now;
	s->sv_vector[slot] = (__u32)ctx->args[0];
	return 0;
}

#define LT_SV_PROGS(slot, tp, short, label)                                              \
	SEC("raw_tp/" #tp "_entry")                                                      \
	int lt_sv_##short##_in(struct bpf_raw_tracepoint_args *ctx)                      \
	{                                                                                \
		return sv_entry(ctx, slot);                                              \
	}                                                                                \
	SEC("raw_tp/" #tp "_exit")                                                       \
	int lt_sv_##short##_out(struct bpf_raw_tracepoint_args *ctx)                     \
	{                                                                                \
		__u64 now = bpf_ktime_get_ns();                                          \
		struct lt_cpu_state *s = cpu_state(now);                                 \
		struct lab_evt *e;                                                       \
		if (!s)                                                                  \
			return 0;                                                        \
		e = too_short(s->sv_since_ns[slot], now, LAB_EVT_IRQ) ? NULL : reserve(); \
		if (e) {                                                                 \
			fill(e, s->sv_since_ns[slot], now, LAB_EVT_IRQ,                  \
			     LT_SYSVEC_ID | (__u32)ctx->args[0]);                        \
			__builtin_memcpy(e->name, label,                                 \
					 sizeof(label) < 16 ? sizeof(label) : 16);       \
			commit(e, LAB_EVT_IRQ);                                          \
		}                                                                        \
		s->sv_since_ns[slot] = 0;                                                \
		return 0;                                                                \
	}

LT_SYSVECS(LT_SV_PROGS)
