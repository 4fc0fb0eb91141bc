/* trace_bpf.h — what lab_trace.bpf.c and lab-trace's userspace share: the per-CPU state the
 * programs keep (read back at stop for the intervals still open), the x86 system vectors traced
 * as IRQs, and the identity of a task as remembered across switches. Fixed-width fields only. */
#ifndef LAB_TRACE_BPF_H
#define LAB_TRACE_BPF_H

#include <linux/types.h>

#define LT_COMM_LEN 16
#define LT_NR_SOFTIRQ 10 /* HI TIMER NET_TX NET_RX BLOCK IRQ_POLL TASKLET SCHED HRTIMER RCU */

/* IRQ records of a system vector: id = LT_SYSVEC_ID | the vector number (above any irq number),
 * name = the vector's (local_timer, ...) */
#define LT_SYSVEC_ID 0x80000000u

/* The system vectors (arch/x86/include/asm/trace/irq_vectors.h): X(slot, tracepoint prefix,
 * short name for the program names (15 characters at most in the kernel), record name). */
#define LT_SYSVECS(X)                                                         \
	X(0, local_timer, timer, "local_timer")                               \
	X(1, reschedule, resch, "reschedule")                                 \
	X(2, call_function, call, "call_function")                            \
	X(3, call_function_single, call1, "call_func_single")                 \
	X(4, irq_work, irqw, "irq_work")
#define LT_NR_SYSVEC 5

/* A task as it was when last switched out (lt_tasks, keyed by its task_struct pointer) or seen
 * from an interrupt that found it running. */
struct lt_task {
	__u32 tid;
	__u32 tgid;
	char comm[LT_COMM_LEN];
};

/* lt_cpu_state.task_known */
#define LT_TASK_UNKNOWN 0
#define LT_TASK_FROM_MAP 1  /* from lt_tasks at the switch: a pointer reused, or an exec since */
#define LT_TASK_SEEN 2      /* read in the task's own context (an interrupt taken while it ran) */

/* One per CPU: what is running now and since when. A *_since_ns of 0 = not in progress. */
struct lt_cpu_state {
	__u64 task_since_ns; /* 0: since before tracing started */
	struct lt_task task; /* valid when task_known != LT_TASK_UNKNOWN */
	__u32 task_known;
	__u32 irq;           /* the hard IRQ in progress */
	__u64 irq_since_ns;
	__u64 sirq_since_ns[LT_NR_SOFTIRQ];
	__u64 sv_since_ns[LT_NR_SYSVEC];
	__u32 sv_vector[LT_NR_SYSVEC];
	__u32 pad;
};

/* The head of one CPU's record buffer (lt_heads, mmap'ed by the reader): prod is the CPU's
 * programs' (records taken), cons and rang the reader's (records drained; the doorbell rung
 * and not yet answered). One cache line each. */
struct lt_head {
	__u64 prod;
	__u64 cons;
	__u64 rang;
	__u64 pad[5];
};

/* records kept free for programs that nest on one CPU (task, softirq, IRQ, NMI) */
#define LT_NEST_MAX 8

/* lt_filtered's slots: the kinds of common/lab_events.h (1 irq, 2 softirq, 3 nmi, 4 task) for
 * events shorter than the minimum, and the idle task's stays. */
#define LT_FILT_IDLE 5
#define LT_FILT_SLOTS 6

/* Events counted and not sent: how many, and their time. */
struct lt_filtered {
	__u64 count;
	__u64 ns;
};

#endif
