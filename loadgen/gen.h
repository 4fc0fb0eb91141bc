/* gen.h — what lab-gen's parts share: the run's configuration, its state (schedule, tracker,
 * counters) and the backend interface. A backend puts packets on the wire and hands what comes
 * back to gen_on_rx(); the send loop, the matching and the outputs do not know which one runs. */
#ifndef LAB_GEN_H
#define LAB_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "lab_config.h"
#include "frame.h"
#include "gaplog.h"
#include "hist.h"
#include "sched.h"
#include "track.h"

struct gen_capture;
struct gen_run;

/* Where a record's sent and received times come from (--timing). */
enum gen_timing {
	GEN_TIMING_KERNEL = 0, /* the backend's best: udp software TX/RX stamps, xsk at the kick */
	GEN_TIMING_USER,       /* udp only: clock reads around the socket calls, as sockperf */
};

struct gen_cfg {
	const char *iface;
	/* the forward topology: receive on this interface (gen1) what the DUT forwarded, to
	 * rx_addr:dport; NULL: the reflect topology, replies come back on iface to src:sport */
	const char *rx_iface;
	struct in6_addr rx_addr;
	uint32_t flows;         /* UDP source ports sport .. sport+flows-1, round-robin by seq */
	const char *dst_text;
	const char *path;       /* stored in the header and stats: kernel, xsk, ... */
	const char *out;        /* record file, or NULL */
	const char *stats_json; /* or NULL */
	const char *capture;    /* burst pcap, or NULL */
	struct lab_flow flow;   /* addresses, ports, MACs of the packets we send */
	bool have_dst_mac;
	uint32_t frame_size;
	bool stamp;
	bool accept_unmarked;   /* also take replies without LAB_F_REFLECTED (peer reflectors) */
	int cpu;                /* -1: not pinned */
	int stream_cpu;         /* the record writer's core: -1 the process's, -2 no streaming */
	uint64_t tail_ns;
	uint64_t count;         /* packets in the schedule */
	uint64_t duration_ns;   /* the schedule's planned length */
	struct gen_sched_cfg sched;
	bool quiet;
	bool progress;          /* once a second on stderr */
	/* backend tuning */
	uint32_t batch;         /* most packets handed to the backend at once */
	uint32_t spin_ns;       /* spin (rather than sleep) when the next send is this close */
	bool busy_poll;         /* xsk: SO_PREFER_BUSY_POLL */
	bool no_tx_tstamp;      /* udp: send time from the clock, not TX timestamps */
	enum gen_timing timing;
	int stamps;             /* --stamps: enum lab_stp_src (stp.h); 0: as --timing says */
	const char *stamps_file;/* --stamps-file: udp's user and kernel stamps of each packet */
	int copy_mode;          /* xsk: 0 auto, 1 copy, 2 zero-copy */
	int attach_mode;        /* xsk: 0 auto, 1 native, 2 generic */
	uint32_t queue;         /* xsk: RX/TX queue */
	/* capture thresholds */
	uint32_t cap_ring;      /* frames kept before a trigger */
	uint32_t cap_after;     /* frames written after it */
	uint32_t cap_snaplen;
	uint64_t cap_window_ns; /* sliding window for the arrival rate */
	uint64_t cap_rate_pps;  /* trigger: arrivals in the window above this rate (0: off) */
	uint64_t cap_latency_ns;/* trigger: a packet's RTT above this (0: off) */
	uint32_t cap_max_events;
	/* the send loop's gaps, for tail attribution (common/gaplog.h) */
	const char *gap_log;    /* or NULL */
	uint64_t gap_threshold_ns;
};

/* A backend: every call from the one thread that runs the loop. */
struct gen_backend {
	const char *name; /* "udp", "xsk" */
	/* 0, or -errno with a one-line reason: -EINVAL/-ENODEV/-EEXIST/-EBUSY are configuration
	 * errors (exit 2), anything else a runtime failure. */
	int (*open)(struct gen_run *g, char *err, size_t errlen);
	/* Send n packets, numbered g->track.next onwards, intended at intended_ns[i]: each goes
	 * through gen_track_sent / gen_track_send_failed in order. */
	void (*send)(struct gen_run *g, const uint64_t *intended_ns, unsigned n);
	/* Hand what has arrived to gen_on_rx / gen_track_tx_time; wait up to timeout_ns for the
	 * first arrival (0: do not wait). Returns 0 or -errno on a failure that ends the run. */
	int (*poll)(struct gen_run *g, uint64_t timeout_ns);
	void (*close)(struct gen_run *g);
	/* Extra counters for the stats JSON (may be NULL). */
	void (*stats)(struct gen_run *g, void *json);
};

struct gen_run {
	struct gen_cfg cfg;
	const struct gen_backend *be;
	void *be_priv;
	char mode[64];          /* how the backend runs: "udp tx=sw-tstamp rx=sw-tstamp", ... */
	const char *tx_time_src;/* where sent_ns comes from */
	const char *rx_time_src;
	struct gen_track track;
	struct gen_hist rtt;    /* received - intended, as packets come back */
	struct gen_capture *cap;
	int64_t rt_off_ns;      /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint64_t start_ns, end_ns, last_send_ns;
	uint64_t tx_stamps;     /* send times replaced by a TX timestamp */
	struct lab_rec *recs;   /* count records, filled as packets go out */
	uint64_t *wire;         /* count wire send times (what the reflection must echo) */
	struct gen_hist late;   /* sent - intended, from the records at the end */
	uint64_t in_flight;     /* lost, but sent within the tail before receiving stopped */
	uint64_t unsent;        /* scheduled but never handed out (stopped early) */
	double offered_pps, achieved_pps;
	bool interrupted;       /* stopped by SIGINT/SIGTERM */
	uint64_t rx_other;      /* received but not lab UDP (xsk: should not happen) */
	struct lab_gaplog gaps; /* where the send loop did not run (--gap-log) */
	/* the record file, streamed to during the run (stream.h); -1: no --out */
	int rec_fd;
	struct gen_stream *stream;
	uint64_t published;     /* track.next as the loop last published it (atomic) */
};

/* One received lab UDP payload. frame/frame_len: the whole frame when the backend has it
 * (NULL: the capture rebuilds it). */
void gen_on_rx(struct gen_run *g, uint8_t *payload, size_t len, uint64_t recv_ns,
	       const uint8_t *frame, size_t frame_len);

extern const struct gen_backend gen_backend_udp;
#if GEN_HAVE_XSK
extern const struct gen_backend gen_backend_xsk;
#endif

#endif
