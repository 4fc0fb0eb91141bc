/* lab_trace.c — lab-trace: records everything that took time on a set of CPUs (hard IRQs, the
 * x86 system vectors, softirqs, NMIs and the tasks, from the kernel's tracepoints through BPF)
 * into an event file (common/lab_events.h) for the tail attribution of lab-analyze. Flags,
 * the recording loop and the stop; the programs are trace_attach.c's, the file trace_sink.c's.
 * Exit 0 recorded, 1 runtime failure, 2 usage, 3 no attribution possible here (no BPF, no
 * tracepoints: the run goes on without it). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "caps.h"
#include "clock.h"
#include "lab_config.h"
#include "log.h"
#include "opt_table.h"
#include "trace.h"
#include "trace_bpf.h"
#include "util.h"

#define LT_DRAIN_MS_DEFAULT 1000 /* the reader's period when not told */
#define LT_SETTLE_NS 2000000ull /* after the stop is published: programs in flight finish */

/* What the flags fill: the configuration, and the two values checked once all are read. */
struct trace_cli {
	struct trace_cfg cfg;
	const char *cpus;  /* NULL: every online CPU */
	const char *drain; /* N ms, or "after" */
};

#define T(field) LAB_FIELD(struct trace_cli, field)

static const struct lab_opt opts[] = {
	{.name = "out", .kind = LAB_OPT_STR, T(cfg.out), .arg = "PATH", .help = "the event file (required)"},
	{.name = "cpus", .kind = LAB_OPT_STR, T(cpus), .arg = "LIST", .unset = "all online",
	 .help = "CPUs to record, like 0,1 or 0-3 (cpus 0-63)"},
	{.name = "duration", .kind = LAB_OPT_DBL, T(cfg.duration_s), .arg = "S", .dmax = 86400 * 365,
	 .help = "stop after S seconds, decimals allowed; 0: at SIGINT/SIGTERM, within 1 s"},
	{.name = "ready-file", .kind = LAB_OPT_STR, T(cfg.ready_file), .arg = "PATH",
	 .help = "write our pid there once every program is attached and recording"},
	{.name = "stats-json", .kind = LAB_OPT_STR, T(cfg.stats_json), .arg = "PATH",
	 .help = "events per kind, events/s, lost, duration, the sources attached and those skipped "
		 "with the reason"},
	{.name = "ring-mb", .kind = LAB_OPT_UINT, T(cfg.ring_mb), .arg = "N", .min = 1, .max = 1024,
	 .help = "the record buffers, MiB, a power of two from 1 to 1024, shared out among the CPUs "
		 "recorded (one lock-free buffer each, mapped by the reader); records they have no "
		 "room for are counted as lost"},
	{.name = "min-event-ns", .kind = LAB_OPT_UINT, T(cfg.min_event_ns), .arg = "N", .max = 1000000000,
	 .help = "events shorter than N ns are counted per CPU and kind in the kernel (the stats' "
		 "\"filtered\") and never sent: attribution looks for what took microseconds, and "
		 "most events are far shorter (0: record every event)"},
	{.name = "keep-idle", .kind = LAB_OPT_SET, T(cfg.keep_idle), .value = 1,
	 .help = "record the idle task's stays too (default: counted, not recorded; the idle task "
		 "is no cause of anything)"},
	{.name = "drain", .kind = LAB_OPT_STR, T(drain), .arg = "MODE",
	 .help = "when the reader empties the buffers: every N ms (1-60000), or 'after': only at "
		 "the stop, asleep while the packets flow (size --ring-mb for the whole recording; "
		 "the programs wake the reader early only when a CPU's buffer is three quarters full "
		 "(half, on a timer), counted as early drains)"},
	{.name = "reader-cpu", .kind = LAB_OPT_INT, T(cfg.reader_cpu), .arg = "N", .max = 63,
	 .unset = "not pinned",
	 .help = "pin lab-trace's own thread (its reading and writing) to cpu N: a core that is "
		 "neither the generator's nor the DUT's"},
	{.name = "prog-stats", .kind = LAB_OPT_SET, T(cfg.prog_stats), .value = 1,
	 .help = "the kernel times each program (BPF_ENABLE_STATS, while lab-trace runs; two clock "
		 "reads per run, so for benchmarks): the stats' \"programs\" give runs and ns per run "
		 "of each, the tracer's own cost per event"},
	{.name = "no-sched", .kind = LAB_OPT_SET, T(cfg.no_sched), .value = 1,
	 .help = "leave the tasks (sched_switch) out"},
	{.name = "no-irq", .kind = LAB_OPT_SET, T(cfg.no_irq), .value = 1,
	 .help = "leave the hard IRQs out, and the system vectors too"},
	{.name = "no-softirq", .kind = LAB_OPT_SET, T(cfg.no_softirq), .value = 1,
	 .help = "leave the softirqs out"},
	{.name = "no-nmi", .kind = LAB_OPT_SET, T(cfg.no_nmi), .value = 1, .help = "leave the NMIs out"},
	{.name = "no-vectors", .kind = LAB_OPT_SET, T(cfg.no_vectors), .value = 1,
	 .help = "leave the x86 system vectors out"},
	{.name = "verbose", .short_name = 'v', .kind = LAB_OPT_VERBOSE,
	 .help = "libbpf's messages and the sources skipped"},
	{.name = "help", .short_name = 'h', .kind = LAB_OPT_HELP, .help = "this help"},
	{.name = "version", .kind = LAB_OPT_VERSION, .help = "the version"},
	{0},
};

static void help(FILE *f, void *arg)
{
	fputs(
"Usage: lab-trace --out PATH [options]\n"
"Records what took time on a set of CPUs, with CLOCK_MONOTONIC nanosecond start and end times\n"
"(the clock of every lab timestamp), for the tail attribution of lab-analyze:\n"
"  - hard IRQs (irq_handler_entry/exit): id = irq number, name = its handler as in the last\n"
"    column of /proc/interrupts;\n"
"  - the x86 system vectors (irq_vectors: local_timer = the tick, reschedule, call_function,\n"
"    call_func_single, irq_work), where the kernel has them, as IRQs: id = 0x80000000 | vector;\n"
"  - softirqs (softirq_entry/exit): id = vector, name HI TIMER NET_TX NET_RX BLOCK IRQ_POLL\n"
"    TASKLET SCHED HRTIMER RCU;\n"
"  - NMIs (nmi_handler, x86): [end - the handler's time, end], name nmi;\n"
"  - tasks (sched_switch): each stay of a task on a CPU, id = tid, tgid, name = thread comm;\n"
"    the idle task flagged idle, the lab's processes (name lab-*, DPDK lcores of lab-dpdk\n"
"    included) flagged lab.\n"
"Intervals nest as the CPU ran them (an IRQ inside a softirq inside a task); those still open\n"
"at the stop are recorded up to it, flagged open. Raw tracepoints through BPF: no tracefs, no\n"
"kernel BTF; nothing is pinned, and the kernel removes everything when the process ends, even\n"
"on kill -9.\n\n", f);
	lab_opts_print(f, arg);
	fputs(
"\n"
"The file (common/lab_events.h, little-endian): a 64-byte header (magic \"LABEVT\\r\\n\",\n"
"version 1, hdr_len 64, rec_len 48, flags: 1 = complete (the writer closed it), sources:\n"
"1 irq, 2 softirq, 4 nmi, 8 sched (a kind without events means none happened only when its\n"
"bit is set; irq only when the system vectors this kernel has are attached too), start_ns,\n"
"end_ns, cpu_mask, lost), then 48-byte records in no particular order: start_ns, end_ns\n"
"(u64), cpu (u32), kind (u16: 1 irq, 2 softirq, 3 nmi, 4 task), flags (u16: 1 lab, 2 idle,\n"
"4 open), id (u32), tgid (u32), name (16 bytes, NUL-padded). A writer killed half-way leaves\n"
"a readable file without the complete flag.\n"
"Exit: 0 recorded, 1 runtime failure, 2 usage, 3 no attribution possible here (no BPF or\n"
"no tracepoints; one line says why, and the run goes on without it).\n", f);
}

/* The CPUs to record: --cpus, checked against the online ones, or every online CPU. */
static uint64_t pick_cpus(const char *list)
{
	uint64_t online = 0, mask;
	unsigned beyond = 0;
	char err[256], buf[256];
	int rc = lt_online_cpus("/sys/devices/system/cpu/online", &online, &beyond);

	if (rc < 0)
		lab_die(LAB_EXIT_RUNTIME, "/sys/devices/system/cpu/online: %s", strerror(-rc));
	if (!list) {
		if (beyond)
			lab_warn("%u online CPUs from cpu 64 on are not recorded", beyond);
		return online;
	}
	if (lt_parse_cpulist(list, &mask, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_USAGE, "--cpus: %s", err);
	if (mask & ~online)
		lab_die(LAB_EXIT_USAGE, "--cpus %s: cpu(s) %s not online (online: %s)", list,
			lt_format_cpulist(mask & ~online, err, sizeof(err)),
			lt_format_cpulist(online, buf, sizeof(buf)));
	return mask;
}

/* --drain: N ms, or 0 for "after". */
static uint32_t drain_ms(const char *text)
{
	if (!strcmp(text, "after"))
		return 0;
	return (uint32_t)lab_parse_u64("drain (ms, or 'after')", text, 1, 60000);
}

/* The flags into cfg; a usage error ends the process (exit 2), --help and --version too. */
static void parse_cli(int argc, char **argv, struct trace_cfg *cfg)
{
	static char drain_default[16];
	struct trace_cli cli = {.cfg = {.ring_mb = 8, .min_event_ns = 1000, .reader_cpu = -1}};
	struct lab_opt_group g = {"Options:", opts, &cli, 0};

	snprintf(drain_default, sizeof(drain_default), "%u", LT_DRAIN_MS_DEFAULT);
	cli.drain = drain_default;
	lab_opts_parse(argc, argv, &g, 1, help, &g);
	*cfg = cli.cfg;
	cfg->verbose = lab_opts_seen(&g, "verbose");
	if (cfg->ring_mb & (cfg->ring_mb - 1))
		lab_die(LAB_EXIT_USAGE, "--ring-mb: %u is not a power of two", cfg->ring_mb);
	cfg->drain_ms = drain_ms(cli.drain);
	if (!cfg->out)
		lab_die(LAB_EXIT_USAGE, "--out PATH is required (see --help)");
	if (cfg->no_sched && cfg->no_irq && cfg->no_softirq)
		lab_die(LAB_EXIT_USAGE, "--no-sched, --no-irq and --no-softirq leave nothing to record");
	cfg->cpu_mask = pick_cpus(cli.cpus);
	if (!cfg->cpu_mask)
		lab_die(LAB_EXIT_USAGE, "no CPU to record");
	if (cfg->reader_cpu >= 0 && !(pick_cpus(NULL) & (1ull << cfg->reader_cpu)))
		lab_die(LAB_EXIT_USAGE, "--reader-cpu %d: not an online cpu", cfg->reader_cpu);
}

/* What is recorded and what is not, on one line. */
static void say_sources(const struct trace_cfg *cfg, const struct trace_bpf *b)
{
	char line[1024], cpus[256];
	size_t off = 0;

	for (size_t i = 0; i < b->n_src && off < sizeof(line); i++)
		if (b->src[i].attached)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", off ? " " : "",
						b->src[i].name);
	lab_info("recording cpus %s to %s: %s", lt_format_cpulist(cfg->cpu_mask, cpus, sizeof(cpus)),
		 cfg->out, line);
	for (size_t i = 0; i < b->n_src; i++)
		if (!b->src[i].attached && !strstr(b->src[i].why, "turned off"))
			lab_info("not recorded: %s (%s)", b->src[i].name, b->src[i].why);
}

/* How long to sleep in the next wait, ms: the period (-1 for ever when draining after), cut at
 * the deadline. */
static int wait_ms(const struct trace_cfg *cfg, uint64_t deadline)
{
	int ms = cfg->drain_ms ? (int)cfg->drain_ms : -1;
	uint64_t now;

	if (!deadline)
		return ms;
	now = lab_now_ns();
	if (now >= deadline)
		return 0;
	uint64_t left = (deadline - now + 999999) / 1000000;
	return ms < 0 || left < (uint64_t)ms ? (int)(left > 86400000 ? 86400000 : left) : ms;
}

/* The doorbell's records say only "drain now". */
static int on_doorbell(void *ctx, void *data, size_t len)
{
	(void)ctx, (void)data, (void)len;
	return 0;
}

/* Until the duration is over, a signal, or a write error: the buffers into the file. The
 * programs ring the doorbell only when a CPU's buffer is nearly full; otherwise the reader
 * sleeps for a period, or (drain after) until the stop: a signal ends the wait at once. */
static void record_loop(const struct trace_cfg *cfg, struct trace_bpf *b, struct ring_buffer *rb,
			struct trace_sink *k)
{
	uint64_t deadline = cfg->duration_s > 0 ? k->start_ns + (uint64_t)(cfg->duration_s * 1e9) : 0;

	while (!lab_stop && !k->err) {
		int n = ring_buffer__poll(rb, wait_ms(cfg, deadline));
		if (n > 0 || (n == 0 && cfg->drain_ms && !lab_stop)) {
			trace_bpf_drain(b, trace_sink_rec, k);
			k->drains++;
			k->drains_early += n > 0; /* woken by the programs: a buffer was filling up */
		}
		if (deadline && lab_now_ns() >= deadline)
			break;
	}
}

/* Stop recording, drain the ring, add what each CPU still had open, close the file. */
static int stop_and_close(const struct trace_cfg *cfg, struct trace_bpf *b, struct ring_buffer *rb,
			  struct trace_sink *k, uint64_t *lost)
{
	struct lt_cpu_state *st = calloc((size_t)b->ncpus_possible, sizeof(*st));
	int rc;

	k->end_ns = lab_now_ns();
	trace_bpf_stop(b, k->end_ns);
	lab_sleep_until_ns(k->end_ns + LT_SETTLE_NS);
	ring_buffer__consume(rb);
	trace_bpf_drain(b, trace_sink_rec, k);
	k->drains++;
	if (!st || (rc = trace_bpf_read_state(b, st)) < 0)
		lab_warn("the intervals open at the stop are not recorded: %s",
			 strerror(st ? -rc : ENOMEM));
	else
		for (int c = 0; c < b->ncpus_possible && c < 64; c++)
			if (cfg->cpu_mask & (1ull << c))
				trace_sink_open_intervals(k, (unsigned)c, &st[c]);
	free(st);
	*lost = trace_bpf_lost(b);
	rc = lab_evt_close(&k->w, k->end_ns, *lost);
	if (k->err)
		rc = k->err;
	if (rc < 0)
		lab_err("%s: %s", cfg->out, strerror(-rc));
	return rc;
}

/* Record from now until the stop. Returns the exit code. */
static int record(const struct trace_cfg *cfg, struct trace_bpf *b, struct trace_sink *k)
{
	struct ring_buffer *rb;
	uint64_t lost = 0;
	char err[512];
	int rc;

	k->names = lt_names_new("/proc/interrupts", "/proc");
	rb = ring_buffer__new(trace_bpf_ring_fd(b), on_doorbell, k, NULL);
	if (!k->names || !rb) {
		lab_err("the ring buffer reader: %s", strerror(errno ? errno : ENOMEM));
		return LAB_EXIT_RUNTIME;
	}
	k->start_ns = lab_now_ns();
	if ((rc = lab_evt_open(&k->w, cfg->out, b->sources, cfg->cpu_mask,
				(uint32_t)(cfg->min_event_ns > UINT32_MAX ? UINT32_MAX : cfg->min_event_ns),
				k->start_ns)) < 0) {
		lab_err("%s: %s", cfg->out, strerror(-rc));
		ring_buffer__free(rb);
		return lab_exit_for_errno(rc);
	}
	if (cfg->reader_cpu >= 0 && (rc = lab_pin_cpu(cfg->reader_cpu)) < 0)
		lab_warn("--reader-cpu %d: %s", cfg->reader_cpu, strerror(-rc));
	trace_bpf_start(b, k->start_ns);
	if (cfg->prog_stats && (rc = trace_bpf_prog_stats_on(b)) < 0)
		lab_warn("--prog-stats: BPF_ENABLE_STATS: %s (no program times)", strerror(-rc));
	/* attached: reading the ring (mapped) and the maps (fds we hold) needs no privilege */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
		lab_warn("dropping capabilities: %s", err);
	say_sources(cfg, b);
	if (cfg->ready_file && lab_write_ready_file(cfg->ready_file) < 0)
		lab_warn("--ready-file %s: %s", cfg->ready_file, strerror(errno));
	record_loop(cfg, b, rb, k);
	rc = stop_and_close(cfg, b, rb, k, &lost);
	ring_buffer__free(rb);
	if (cfg->stats_json && trace_stats_json(cfg->stats_json, cfg, b, k, lost, NULL) < 0)
		lab_warn("--stats-json %s: %s", cfg->stats_json, strerror(errno));
	lab_info("%" PRIu64 " events in %.1f s (irq %" PRIu64 ", softirq %" PRIu64 ", nmi %" PRIu64
		 ", task %" PRIu64 "), %" PRIu64 " open at the stop, %" PRIu64 " lost",
		 k->written, (double)(k->end_ns - k->start_ns) / 1e9, k->kinds[LAB_EVT_IRQ],
		 k->kinds[LAB_EVT_SOFTIRQ], k->kinds[LAB_EVT_NMI], k->kinds[LAB_EVT_TASK], k->open,
		 lost);
	return rc < 0 ? LAB_EXIT_RUNTIME : LAB_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct trace_cfg cfg;
	struct trace_bpf b;
	struct trace_sink k;
	char why[1024] = "";
	int rc;

	lab_log_init(argv[0]);
	parse_cli(argc, argv, &cfg);
	lab_install_stop_signals();
	memset(&k, 0, sizeof(k));
	if (trace_bpf_load(&b, &cfg, why, sizeof(why)) < 0 || trace_bpf_attach(&b, why, sizeof(why)) == 0) {
		lab_err("no attribution: %s", why);
		if (cfg.stats_json && trace_stats_json(cfg.stats_json, &cfg, &b, &k, 0, why) < 0)
			lab_warn("--stats-json %s: %s", cfg.stats_json, strerror(errno));
		trace_bpf_close(&b);
		return LT_EXIT_UNAVAILABLE;
	}
	rc = record(&cfg, &b, &k);
	trace_bpf_close(&b);
	lt_names_free(k.names);
	return rc;
}
