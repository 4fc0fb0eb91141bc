/* dut.h — the DUT driver: what every DUT program of the lab (lab-kern, lab-xsk, lab-dpdk) does
 * around its own packet path, done once. The shared flags (one table: parsing, their --help
 * section, errors, exit codes), the counters and named drop points, the control loop (stop
 * signals, the --duration deadline, --stats-interval lines), the totals line and the stats JSON
 * of the contract in docs/spec.md ("Reflectors").
 *
 * A program brings an ops table (its hooks, as loadgen's gen_backend) with its command line (a
 * table of its own flags and its --help text); it keeps only its packet path. The action names the counter of what it sends on:
 * "reflected" for the reflectors; a forwarder between two ports is another ops table with
 * sent_key "forwarded" (its drops, its second --iface as an own flag), on this same scaffolding.
 *
 * Lifecycle, on the control thread:
 *   lab_dut_init(&d, &ops, priv);      shared defaults (a program may change them)
 *   lab_dut_parse(&d, argc, argv);     shared and own flags; --help/--version/errors exit
 *   lab_dut_check_iface(&d, iface);    lab namespaces only, unless --hw
 *   lab_install_stop_signals(); ... set up the packet path ...
 *   if (lab_dut_start(&d) == 0)        the clock starts, the ready file is written
 *       while (!lab_dut_tick(&d, now_ns)) { ...poll... }
 *   exit_code = lab_dut_finish(&d, exit_code);   totals line, stats JSON
 * lab_dut_tick is cheap when nothing is due (a compare and the stop flag): a single-threaded
 * poll loop calls it every iteration; with a separate poller thread (lab-dpdk's worker lcore)
 * the control thread calls it between sleeps. */
#ifndef LAB_DUT_H
#define LAB_DUT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gaplog.h"
#include "opt_table.h"
#include "util.h"

/* The shared flags' values. */
struct lab_dut_cfg {
	const char *iface;        /* --iface (dut0); NULL: none (lab-dpdk on a PCI port) */
	bool hw;                  /* --hw: iface is a real NIC, named on purpose */
	uint16_t port;            /* --port: UDP destination port of lab traffic */
	int cpu;                  /* --cpu: the polling thread's CPU; -1: the program's default */
	const char *ready_file;   /* --ready-file */
	const char *stats_json;   /* --stats-json */
	double stats_interval_s;  /* --stats-interval: 0 = no interval lines */
	double duration_s;        /* --duration: 0 = until SIGINT/SIGTERM */
	const char *gap_log;      /* --gap-log: the poll loop's gaps (gaplog.h), or NULL */
	double gap_threshold_us;  /* --gap-threshold-us */
};

struct lab_dut_counts {
	uint64_t received;          /* taken in, whatever it held */
	uint64_t reflected;         /* sent on (ops->sent_key names it) */
	uint64_t not_lab;           /* not lab traffic, or lab traffic never to be sent */
	uint64_t malformed;         /* claimed to be lab traffic but broken */
	uint64_t tx_errors;         /* lab traffic the transmit side refused */
	uint64_t already_reflected; /* in not_lab: carried LAB_F_REFLECTED (never sent twice) */
};

#define LAB_DUT_MAX_DROPS 8

/* A drop point: a docs/spec.md key (common/paths.tsv lists each path's), its count since start. */
struct lab_dut_drop {
	const char *name;
	uint64_t value;
};

/* The counters at one moment, as a program's sample hook fills them. */
struct lab_dut_sample {
	struct lab_dut_counts c;
	bool not_lab_unsplit;   /* not_lab has no breakdown (already_reflected not counted) */
	unsigned n_drops;
	struct lab_dut_drop drops[LAB_DUT_MAX_DROPS];
};

/* Append a drop point (a full list keeps its first LAB_DUT_MAX_DROPS). */
void lab_dut_add_drop(struct lab_dut_sample *s, const char *name, uint64_t value);

/* A DUT program's command line: its name, its own flags (offsets into priv) and its --help
 * text around the flag sections. */
struct lab_dut_cli {
	const char *prog;                 /* "lab-kern": messages, usage, --version */
	const char *usage;                /* the usage line(s) after "usage: <prog> " (NULL: [flags]) */
	const char *cpu_default;          /* --cpu when not given (NULL: not pinned) */
	unsigned stop_ms;                 /* SIGINT/SIGTERM stop it within this, for --help */
	const struct lab_opt *opts;       /* its own flags */
	void (*about)(FILE *f);           /* --help: what it does, before the flags */
	void (*notes)(FILE *f);           /* --help: after the flags (counters...); may be NULL */
};

/* A DUT program's hooks; priv is its own state (and the base of its own flags' offsets). Every
 * hook is called from the control thread. */
struct lab_dut_ops {
	const struct lab_dut_cli *cli;
	const char *sent_key;             /* the action's counter: "reflected" (NULL: the same) */
	const char *(*path)(void *priv);  /* the docs/spec.md path it serves: kernel, xsk, xdptx, dpdk */
	const char *(*mode)(void *priv);  /* how it runs, for the JSON and the totals line */
	void (*sample)(void *priv, struct lab_dut_sample *s); /* the counters now */
	/* Fields of its own appended to an interval line (totals false: once per interval) or to
	 * the totals line; may be NULL. */
	void (*line)(void *priv, bool totals, char *buf, size_t len);
	void (*json)(void *priv, struct lab_json *j); /* its own members, after the common ones */
};

struct lab_dut {
	struct lab_dut_cfg cfg;
	/* The forward topology (gen0 -> dut0 -> dut1 -> gen1): the program forwards rather than
	 * reflects. Set before lab_dut_start: the sent counter is then "forwarded" (unless
	 * ops->sent_key names it), the drop points are checked against the registry's forward line
	 * of the path, and the JSON says "topology": "forward". */
	bool forward;
	const struct lab_dut_ops *ops;
	void *priv;
	struct lab_opt_group groups[2]; /* shared, own: lab_opts_seen() on them after parsing */
	/* control state: only the thread that calls lab_dut_tick touches it */
	uint64_t start_ns, end_ns;      /* end_ns: UINT64_MAX without --duration */
	uint64_t next_ns;               /* lab_dut_tick does nothing before this */
	uint64_t interval_ns, next_stats_ns, last_ns;
	struct lab_dut_sample last;     /* at the previous interval line */
	uint64_t snapshots;             /* --stats-json writes so far (SIGUSR1, then the last) */
	/* the polling thread's gaps (--gap-log): only that thread touches it, through
	 * lab_gap_tick() on idle spins and lab_gap_pause() after work or a sleep; written at
	 * lab_dut_finish, after the poller stopped */
	struct lab_gaplog gaps;
};

/* Shared defaults: iface dut0, port LAB_PORT_DUT, cpu -1, no ready file or JSON, no interval
 * lines, no deadline. Also names the program for log lines (lab_log_init). */
void lab_dut_init(struct lab_dut *d, const struct lab_dut_ops *ops, void *priv);
/* Shared and own flags. Exits: 0 after --help/--version, 2 on a bad flag or value. */
void lab_dut_parse(struct lab_dut *d, int argc, char **argv);
/* --help, written to f: usage, about, the shared and own flag sections, notes, exit codes. */
void lab_dut_help(FILE *f, void *dut);
/* The interface (NULL or "": any) must be in a lab namespace, or a real NIC with --hw: else one
 * line and exit 2. */
void lab_dut_check_iface(const struct lab_dut *d, const char *iface);
/* Pin the calling thread to --cpu (when given): exit 2 when it cannot be. */
void lab_dut_pin(const struct lab_dut *d);

/* The run starts now: the deadline and the interval timer from here, the counters as they are
 * (interval rates count from here), the drop points checked against the path registry, and the
 * ready file written. 0, or -1 (logged) when the ready file cannot be written. */
int lab_dut_start(struct lab_dut *d);
/* The gap log set up from --gap-log/--gap-threshold-us (lab_dut_start does it when not done):
 * a program whose poller starts before lab_dut_start calls it first. */
void lab_dut_gaps_init(struct lab_dut *d);

/* Set by SIGUSR1 (handled from lab_dut_start on): write --stats-json now, and run on. */
extern volatile sig_atomic_t lab_dut_snap_req;

bool lab_dut_tick_due(struct lab_dut *d, uint64_t now_ns);
/* True when the run is to stop (a stop signal, or --duration reached); prints an interval line
 * when one is due, and writes --stats-json when SIGUSR1 asked for it. now_ns: CLOCK_MONOTONIC,
 * read once by the caller's loop iteration. */
static inline bool lab_dut_tick(struct lab_dut *d, uint64_t now_ns)
{
	if (__builtin_expect(now_ns < d->next_ns && !lab_dut_snap_req, 1))
		return lab_stop != 0;
	return lab_dut_tick_due(d, now_ns);
}

/* At exit, after the packet path stopped: the totals line on stdout and --stats-json. Returns
 * exit_code, or LAB_EXIT_RUNTIME when the JSON cannot be written. */
int lab_dut_finish(struct lab_dut *d, int exit_code);

/* Drop names against the registry's for path in the topology ("reflect" or "forward"); a
 * mismatch is described in err. 0 or -1. */
int lab_dut_drops_registered(const char *path, const char *topology,
			     const struct lab_dut_sample *s, char *err, size_t errlen);

/* The lines and the JSON (dut_report.c): for the driver, and the unit tests. */
void lab_dut_format_line(const struct lab_dut *d, const struct lab_dut_sample *now,
			 const struct lab_dut_sample *prev, double dt_s, char *buf, size_t len);
void lab_dut_json(struct lab_json *j, void *dut);

#endif
