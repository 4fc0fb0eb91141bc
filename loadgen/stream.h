/* stream.h — lab-gen's records streamed to the record file during the run, so that a lab-gen
 * killed (kill -9, OOM) leaves the prefix it had measured, which lab-analyze reads as a cut file.
 *
 * A writer thread of its own, SCHED_IDLE (on a pinned generator it shares the send loop's core
 * and runs only when the loop sleeps: it never preempts a send), wakes every GEN_STREAM_PERIOD_NS
 * and appends the records that are complete: handed out (published by the loop after each send
 * batch), and sent longer ago than the tail (--tail-ms), after which a reply is not waited for.
 * Writes go out in chunks of at most GEN_STREAM_CHUNK records, so one system call holds the core
 * for little time (a page). The loop's only cost is one release store per send batch.
 *
 * What the file holds during the run is a snapshot: a reply later than the tail, or a duplicate,
 * reaches the record in memory after it was streamed. At the end gen_rec_write writes every record
 * again and finishes the header, so a finished file is exact. */
#ifndef LAB_GEN_STREAM_H
#define LAB_GEN_STREAM_H

#include <stdint.h>

#define GEN_STREAM_PERIOD_NS 100000000ull
/* one page of records a system call: the send loop, woken, waits at most one page's copy into
 * the page cache for its core (a 64 KiB write held it ~90 us: setup/lab run's tail attribution
 * named lab-gen for 2-4 % of the slow packets, 200 events of 90 us in 20 s) */
#define GEN_STREAM_CHUNK 85u /* 4080 B of records */

struct gen_run;
struct gen_stream;

/* Start streaming g's records to fd (from lab_rec_create): rewrites the provisional header with
 * the run's configuration (g->start_ns set), then the thread. NULL with errno on failure. */
struct gen_stream *gen_stream_start(struct gen_run *g, int fd);
/* Stop and join the thread. Returns the records it had written; *err gets the errno of a failed
 * write (0: none; the thread stops at the first). NULL s: 0. */
uint64_t gen_stream_stop(struct gen_stream *s, int *err);

#endif
