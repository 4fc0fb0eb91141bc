/* tail.c — see tail.h. */
#include "tail.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "run.h"
#include "outfile.h"

#define MD_CAUSES 5   /* causes listed per path in summary.md */
#define JSON_CAUSES 50

static void no_tail(struct lab_path *p, const char *fmt, const char *arg)
{
	p->tail_on = false;
	snprintf(p->tail_why, sizeof(p->tail_why), fmt, arg);
}

void lab_path_tail(const char *run_dir, const char *name, const struct lab_analyze_opts *o,
		   struct lab_path *p, const struct lab_rec *recs, size_t n)
{
	static const char *const files[] = {"trace/%s.evt", "gaps/%s.gen.gap", "gaps/%s.dut.gap"};
	struct lab_events ev = {0};
	char file[4400], rel[300], err[600];
	int found = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), files[i], name);
		snprintf(file, sizeof(file), "%s/%s", run_dir, rel);
		int rc = lab_events_load(file, &ev, err, sizeof(err));
		if (rc < 0) {
			no_tail(p, "%s", err);
			lab_events_free(&ev);
			return;
		}
		found += rc == 0;
	}
	if (!found) {
		no_tail(p, "no trace/%s.evt or gap logs (the run was made with --no-trace, or lab-trace "
			   "could not run: see logs/)", name);
		return;
	}
	if (o->gen_cpu < 0 && o->dut_cpu < 0) {
		no_tail(p, "%s", "the run's cores are unknown (run.json has no gen_cpu/dut_cpu)");
		lab_events_free(&ev);
		return;
	}
	struct lab_attrib_opts ao = {.threshold_ns = o->tail_threshold_ns,
		.min_cover = o->tail_min_cover > 0 ? o->tail_min_cover : 0.5,
		.gen_cpu = o->gen_cpu, .dut_cpu = o->dut_cpu,
		.span_start_ns = ev.start_ns, .span_end_ns = ev.end_ns,
		.bin_t0_ns = p->t0_ns, .bin_span_ns = p->span_ns};
	if (lab_attribute(recs, n, (uint64_t)(p->rtt.p50 > 0 ? p->rtt.p50 : 0), ev.ev, ev.n, &ao,
			  &p->tail, err, sizeof(err)) < 0) {
		no_tail(p, "%s", err);
	} else {
		p->tail_on = true;
		p->tail_events = ev.n;
		p->tail_lost = ev.lost;
		p->tail_sources = ev.sources;
		if (ev.lost)
			lab_path_note(p, "the tracer lost %llu events (ring buffer full): attribution may "
					 "miss causes", (unsigned long long)ev.lost);
		if (ev.incomplete)
			lab_path_note(p, "an event file was not closed by its writer (killed?): read as far "
					 "as it goes");
	}
	lab_events_free(&ev);
}

static void json_noise(struct lab_json *j, const struct lab_tail *t)
{
	char key[16];
	lab_json_obj(j, "noise_during_run");
	for (int k = 0; k < t->nnoise; k++) {
		const struct lab_core_noise *z = &t->noise[k];
		snprintf(key, sizeof(key), "%d", z->core);
		lab_json_obj(j, key);
		lab_json_bool(j, "measured", z->have_gaps);
		if (z->have_gaps && z->seconds > 0) {
			lab_json_dbl(j, "gaps_over_1us_per_s", (double)z->gaps_1us / z->seconds);
			lab_json_dbl(j, "gaps_over_5us_per_s", (double)z->gaps_5us / z->seconds);
			lab_json_dbl(j, "gaps_over_10us_per_s", (double)z->gaps_10us / z->seconds);
			lab_json_dbl(j, "time_taken_share", (double)z->gap_ns / (z->seconds * 1e9));
			lab_json_u64(j, "max_gap_ns", z->max_gap_ns);
		}
		lab_json_str(j, "occupant", t->occupant[k]);
		lab_json_obj_end(j);
	}
	lab_json_obj_end(j);
}

void lab_tail_json(struct lab_json *j, const struct lab_path *p)
{
	const struct lab_tail *t = &p->tail;
	lab_json_obj(j, "tail");
	lab_json_bool(j, "attribution", p->tail_on);
	if (!p->tail_on) {
		lab_json_str(j, "why", p->tail_why);
		lab_json_obj_end(j);
		return;
	}
	lab_json_u64(j, "threshold_ns", t->threshold_ns);
	lab_json_u64(j, "slow_packets", t->slow);
	lab_json_u64(j, "attributed", t->attributed);
	lab_json_dbl(j, "attributed_share", t->slow ? (double)t->attributed / (double)t->slow : 1.0);
	lab_json_u64(j, "unattributed", t->slow - t->attributed);
	lab_json_obj(j, "unattributed_by_leg");
	for (int l = 0; l < LAB_LEGS; l++)
		lab_json_u64(j, lab_leg_name((enum lab_leg)l), t->unattributed_by_leg[l]);
	lab_json_obj_end(j);
	lab_json_u64(j, "events", p->tail_events);
	lab_json_u64(j, "events_lost", p->tail_lost);
	lab_json_arr(j, "causes");
	for (size_t i = 0; i < t->ncauses && i < JSON_CAUSES; i++) {
		const struct lab_cause *c = &t->causes[i];
		if (!c->touched)
			continue;
		lab_json_arr_obj(j);
		lab_json_i64(j, "core", c->core);
		lab_json_str(j, "kind", lab_cause_kind_name(c->kind));
		lab_json_str(j, "name", c->name);
		lab_json_u64(j, "packets", c->packets);
		lab_json_dbl(j, "share", t->slow ? (double)c->packets / (double)t->slow : 0);
		lab_json_u64(j, "charged_ns", c->charged_ns);
		lab_json_u64(j, "touched_packets", c->touched);
		lab_json_u64(j, "events", c->count);
		lab_json_u64(j, "total_ns", c->total_ns);
		lab_json_obj_end(j);
	}
	lab_json_arr_end(j);
	json_noise(j, t);
	lab_json_obj_end(j);
}

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The change a tuning guide makes for this cause, naming the core. */
static void advice(const struct lab_cause *c, char *o, size_t len)
{
	const char *n = c->name;
	int k = c->core;
	switch (c->kind) {
	case LAB_CAUSE_IRQ:
		if (starts(n, "local_timer"))
			snprintf(o, len, "the scheduler tick: boot with nohz_full=%d (and isolcpus=%d) so an "
				 "isolated core with one task stops ticking", k, k);
		else if (starts(n, "reschedule") || starts(n, "call_function") || starts(n, "irq_work"))
			snprintf(o, len, "IPIs sent to core %d: isolcpus=%d with nohz_full=%d keeps other "
				 "cores' work (and their IPIs) away", k, k, k);
		else
			snprintf(o, len, "move IRQ '%s' off core %d: its /proc/irq/N/smp_affinity_list "
				 "(setup/lab isolate does it; irqbalance may move it back)", n, k);
		break;
	case LAB_CAUSE_SOFTIRQ:
		if (!strcmp(n, "RCU"))
			snprintf(o, len, "RCU callbacks on core %d: boot with rcu_nocbs=%d", k, k);
		else if (!strcmp(n, "NET_RX") || !strcmp(n, "NET_TX"))
			snprintf(o, len, "network softirq on core %d: place the NIC's IRQ/NAPI elsewhere, "
				 "threaded NAPI (echo 1 > /sys/class/net/IF/threaded) or busy polling", k);
		else if (!strcmp(n, "TIMER") || !strcmp(n, "HRTIMER") || !strcmp(n, "SCHED"))
			snprintf(o, len, "timers on core %d: nohz_full=%d, and keep timer-arming tasks off it", k, k);
		else
			snprintf(o, len, "softirq %s on core %d: move what raises it (its IRQ) off the core", n, k);
		break;
	case LAB_CAUSE_NMI:
		snprintf(o, len, "NMIs on core %d (watchdog, perf): sysctl kernel.nmi_watchdog=0, no perf "
			 "sampling on it", k);
		break;
	case LAB_CAUSE_TASK:
		if (starts(n, "ksoftirqd"))
			snprintf(o, len, "softirq work deferred to ksoftirqd on core %d: IRQ/NAPI placement or "
				 "threaded NAPI", k);
		else if (starts(n, "rcu"))
			snprintf(o, len, "RCU threads on core %d: rcu_nocbs=%d (and nohz_full)", k, k);
		else if (starts(n, "kworker"))
			snprintf(o, len, "kernel workqueues on core %d: /sys/devices/virtual/workqueue/cpumask "
				 "without it, isolcpus=%d", k, k);
		else
			snprintf(o, len, "task '%s' ran on core %d: a cpuset without it (setup/lab isolate) or "
				 "isolcpus=%d", n, k, k);
		break;
	case LAB_CAUSE_HYPERVISOR:
		snprintf(o, len, "time no guest event explains (the hypervisor or firmware): dedicated, "
			 "pinned vCPUs, or bare metal");
		break;
	case LAB_CAUSE_LAB:
		snprintf(o, len, "the lab's own '%s' on core %d: give it another core (--gen-cpu/--dut-cpu)",
			 n, k);
		break;
	default:
		snprintf(o, len, "-");
	}
}

/* Where the unattributed packets spent their time: nothing ran there but the lab's own work. */
static void md_unattributed(FILE *f, const struct lab_tail *t)
{
	static const char *const what[LAB_LEGS] = {
		"the generator sent them late with nothing traced on its core",
		"on the way to the DUT with both cores running only the lab: a queue nobody served "
		"(e.g. a NAPI left to a busy poller until a timer flushed it)",
		"inside the DUT's own code",
		"on the way back, nothing traced on either core",
		"unstamped: the leg is unknown"};
	uint64_t un = t->slow - t->attributed;
	if (!un)
		return;
	for (int l = 0; l < LAB_LEGS; l++)
		if (t->unattributed_by_leg[l] * 4 >= un) /* the legs that hold a quarter or more */
			fprintf(f, "  - unattributed: %llu of the %llu spent most of their time %s\n",
				(unsigned long long)t->unattributed_by_leg[l], (unsigned long long)un,
				what[l]);
}

static void md_path(FILE *f, const struct lab_path *p)
{
	const struct lab_tail *t = &p->tail;
	char adv[400];
	if (!p->tail_on) {
		fprintf(f, "- **%s**: no attribution: %s\n", p->name, p->tail_why);
		return;
	}
	fprintf(f, "- **%s**: %llu packets over %.1f µs (p50 + %.1f); %llu (%.1f %%) carry a named "
		   "cause, %llu unattributed.\n", p->name, (unsigned long long)t->slow,
		(double)t->threshold_ns / 1e3, (double)(t->threshold_ns - t->p50_ns) / 1e3,
		(unsigned long long)t->attributed,
		t->slow ? 100.0 * (double)t->attributed / (double)t->slow : 100.0,
		(unsigned long long)(t->slow - t->attributed));
	for (size_t i = 0; i < t->ncauses && i < MD_CAUSES && t->causes[i].packets; i++) {
		const struct lab_cause *c = &t->causes[i];
		advice(c, adv, sizeof(adv));
		fprintf(f, "  - core %d, %s **%s**: top cause of %llu (%.1f %%); it took %.1f µs of the "
			   "core in %llu events. %s\n", c->core, lab_cause_kind_name(c->kind), c->name,
			(unsigned long long)c->packets, 100.0 * (double)c->packets / (double)t->slow,
			(double)c->total_ns / 1e3, (unsigned long long)c->count, adv);
	}
	md_unattributed(f, t);
	for (int k = 0; k < t->nnoise; k++) {
		const struct lab_core_noise *z = &t->noise[k];
		if (z->have_gaps && z->seconds > 0)
			fprintf(f, "  - core %d while the packets flowed (%s spinning): %.0f gaps over 10 "
				   "µs per second, %.2f %% of the time taken, max gap %.1f µs\n", z->core,
				t->occupant[k][0] ? t->occupant[k] : "the lab",
				(double)z->gaps_10us / z->seconds,
				100.0 * (double)z->gap_ns / (z->seconds * 1e9), (double)z->max_gap_ns / 1e3);
	}
}

void lab_tail_md(FILE *f, const struct lab_run *r)
{
	bool any = false;
	for (size_t i = 0; i < r->npaths; i++)
		any |= !r->paths[i].skipped;
	if (!any)
		return;
	fprintf(f, "## What slowed the slowest packets\n\n");
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->paths[i].skipped)
			md_path(f, &r->paths[i]);
	fprintf(f, "\n");
}

/* tail/<path>.csv: every slow packet and what it was charged to (one row each). */
static int write_csv(const char *dir, const struct lab_path *p, char *err, size_t errlen)
{
	char path[4400], tmp[4500];
	snprintf(path, sizeof(path), "%s/tail/%s.csv", dir, p->name);
	FILE *f = lab_out_open(path, tmp, sizeof(tmp), err, errlen);
	if (!f)
		return -1;
	fprintf(f, "seq,rtt_ns,attributed,top_core,top_kind,top_name,top_charged_ns,charged_ns\n");
	for (uint64_t i = 0; i < p->tail.slow; i++) {
		const struct lab_slow *s = &p->tail.slow_list[i];
		const struct lab_cause *c = lab_slow_top(&p->tail, s);
		fprintf(f, "%u,%llu,%d,", s->seq, (unsigned long long)s->rtt_ns, s->attributed);
		if (c)
			fprintf(f, "%d,%s,\"%s\",", c->core, lab_cause_kind_name(c->kind), c->name);
		else
			fprintf(f, ",,,");
		fprintf(f, "%llu,%llu\n", (unsigned long long)s->top_ns, (unsigned long long)s->charged_ns);
	}
	return lab_out_close(f, tmp, path, err, errlen);
}

int lab_write_tail_csv(const struct lab_run *r, char *err, size_t errlen)
{
	char dir[4200];
	bool any = false;
	for (size_t i = 0; i < r->npaths; i++)
		any |= !r->paths[i].skipped && r->paths[i].tail_on;
	if (!any)
		return 0;
	snprintf(dir, sizeof(dir), "%s/tail", r->dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < r->npaths; i++)
		if (!r->paths[i].skipped && r->paths[i].tail_on &&
		    write_csv(r->dir, &r->paths[i], err, errlen) < 0)
			return -1;
	return 0;
}
