/* stream.c — see stream.h. */
#include "stream.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "gen.h"
#include "log.h"
#include "run.h"
#include "util.h"

struct gen_stream {
	struct gen_run *g;
	int fd;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;  /* CLOCK_MONOTONIC */
	bool stop;          /* under mu */
	uint64_t done;      /* records written */
	int err;
	struct lab_rec buf[GEN_STREAM_CHUNK];
};

static int pwrite_all(int fd, const void *p, size_t len, off_t off)
{
	const char *c = p;
	while (len) {
		ssize_t n = pwrite(fd, c, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -1;
		c += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Records [s->done, upto) out, a chunk per call. They are copied first: the copy is what the
 * loop had written, the record may change under the copy only by a reply later than the tail. */
static int write_upto(struct gen_stream *s, uint64_t upto)
{
	const struct gen_track *t = &s->g->track;
	while (s->done < upto) {
		uint64_t n = upto - s->done < GEN_STREAM_CHUNK ? upto - s->done : GEN_STREAM_CHUNK;
		memcpy(s->buf, &t->recs[s->done], (size_t)n * sizeof(struct lab_rec));
		if (pwrite_all(s->fd, s->buf, (size_t)n * sizeof(struct lab_rec),
			       (off_t)(LAB_REC_HDR_LEN + s->done * sizeof(struct lab_rec))) < 0)
			return -1;
		s->done += n;
	}
	return 0;
}

/* The complete prefix: published by the loop, and sent (or intended, when it never went out or
 * went out late) longer ago than the tail. Send times only grow along the records. */
static uint64_t complete_upto(const struct gen_stream *s, uint64_t now)
{
	const struct gen_run *g = s->g;
	uint64_t n = __atomic_load_n(&g->published, __ATOMIC_ACQUIRE), i = s->done;
	for (; i < n; i++) {
		uint64_t at = g->track.wire_ns[i] > g->track.recs[i].intended_ns
				      ? g->track.wire_ns[i] : g->track.recs[i].intended_ns;
		if (at + g->cfg.tail_ns > now)
			break;
	}
	return i;
}

static void *stream_main(void *arg)
{
	struct gen_stream *s = arg;
	/* below every normal task on the core; on a core of its own when told (--stream-cpu) */
	lab_thread_idle();
	if (s->g->cfg.stream_cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(s->g->cfg.stream_cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
			lab_warn("--stream-cpu %d: cannot pin the record writer there", s->g->cfg.stream_cpu);
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)GEN_STREAM_PERIOD_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		int rc = write_upto(s, complete_upto(s, lab_now_ns()));
		pthread_mutex_lock(&s->mu);
		if (rc < 0) {
			s->err = errno;
			break;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct gen_stream *gen_stream_start(struct gen_run *g, int fd)
{
	struct lab_rec_hdr h;
	pthread_condattr_t ca;
	sigset_t all, old;
	struct gen_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->g = g;
	s->fd = fd;
	gen_rec_hdr_fill(g, &h);
	if (lab_rec_put_hdr(fd, &h) < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* SIGINT/SIGTERM stay with the loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&s->th, NULL, stream_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		errno = rc;
		return NULL;
	}
	return s;
}

uint64_t gen_stream_stop(struct gen_stream *s, int *err)
{
	*err = 0;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	uint64_t done = s->done;
	*err = s->err;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return done;
}
