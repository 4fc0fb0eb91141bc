/* softnet.c — parsing /proc/net/softnet_stat and the softnet sample files.
 *
 * Sample file format (version 1), written by `lab-analyze --sample-softnet`, plain text:
 *   # lab-analyze softnet samples 1        first line, identifies the format
 *   # source /proc/net/softnet_stat        comments: lines starting with '#', ignored
 *   t 8123456789012                        a snapshot: CLOCK_MONOTONIC ns of the read
 *   0000004f 00000000 ...                  the kernel's lines, verbatim: one per online CPU,
 *   ...                                    every column it prints, hexadecimal
 *   t 8123556789012                        the next snapshot, and so on
 * Each snapshot is written with one write(2) so a reader sees whole snapshots; a last one cut
 * short anyway (no final newline, or a short row) is left out and flagged. All rows of a file
 * have the same column count (one kernel). The CPU of a row is column 12 where the kernel has it
 * (5.10+), else the row number.
 */
#include "softnet.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

#define SN_MAGIC_LINE "# lab-analyze softnet samples 1"

static const char *const col_names[] = {
	"processed",    "dropped",     "time_squeeze", "zero3",        "zero4",
	"zero5",        "zero6",       "zero7",        "cpu_collision", "received_rps",
	"flow_limit_count", "backlog_len", "cpu_index", "input_qlen",   "process_qlen",
};

const char *sn_col_name(unsigned i, char *buf, size_t len)
{
	if (i < sizeof(col_names) / sizeof(col_names[0]))
		return col_names[i];
	snprintf(buf, len, "col%u", i);
	return buf;
}

/* One line of hex columns (without its newline). Returns the column count or -1. */
static int parse_row(const char *s, const char *end, uint32_t *col)
{
	int n = 0;
	while (s < end) {
		while (s < end && *s == ' ')
			s++;
		if (s >= end)
			break;
		uint64_t v = 0;
		int digits = 0;
		while (s < end && *s != ' ') {
			char c = *s++;
			int h;
			if (c >= '0' && c <= '9')
				h = c - '0';
			else if (c >= 'a' && c <= 'f')
				h = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				h = c - 'A' + 10;
			else
				return -1;
			if (++digits > 8)
				return -1; /* the kernel prints 32-bit counters */
			v = v << 4 | (uint64_t)h;
		}
		if (n >= SN_MAX_COLS)
			return -1;
		col[n++] = (uint32_t)v;
	}
	return n;
}

static void assign_cpus(struct sn_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rows[i].cpu = rows[i].ncols > SN_CPU_INDEX ? rows[i].col[SN_CPU_INDEX] : (uint32_t)i;
}

int sn_parse_stat(const char *text, size_t len, struct sn_row *rows, size_t max, size_t *nrows,
		  char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t n = 0;
	int line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		if (le > p) {
			if (n >= max) {
				snprintf(err, errlen, "more than %zu rows", max);
				return -1;
			}
			int c = parse_row(p, le, rows[n].col);
			if (c < 3) {
				snprintf(err, errlen, "line %d: not a softnet_stat row", line);
				return -1;
			}
			if (n > 0 && (uint32_t)c != rows[0].ncols) {
				snprintf(err, errlen, "line %d: %d columns, the first row has %u", line, c,
					 rows[0].ncols);
				return -1;
			}
			rows[n++].ncols = (uint32_t)c;
		}
		p = nl ? nl + 1 : end;
	}
	if (n == 0) {
		snprintf(err, errlen, "no rows");
		return -1;
	}
	assign_cpus(rows, n);
	*nrows = n;
	return 0;
}

static int push_row(struct sn_series *s, size_t *cap)
{
	if (s->nrows < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	struct sn_row *nr = realloc(s->rows, nc * sizeof(*nr));
	if (!nr)
		return -1;
	s->rows = nr;
	*cap = nc;
	return 0;
}

static int push_snap(struct sn_series *s, size_t *cap)
{
	if (s->nsnaps < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	struct sn_snap *ns = realloc(s->snaps, nc * sizeof(*ns));
	if (!ns)
		return -1;
	s->snaps = ns;
	*cap = nc;
	return 0;
}

int sn_parse_samples(const char *text, size_t len, struct sn_series *s, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t rcap = 0, scap = 0;
	int line = 0;
	memset(s, 0, sizeof(*s));
	if (len < sizeof(SN_MAGIC_LINE) - 1 || memcmp(text, SN_MAGIC_LINE, sizeof(SN_MAGIC_LINE) - 1)) {
		snprintf(err, errlen, "not a softnet sample file (first line is not '%s')",
			 SN_MAGIC_LINE);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		if (!nl) {
			/* a last line without its newline: the sampler was stopped mid-write */
			if (s->nsnaps)
				s->nsnaps--;
			s->truncated = true;
			break;
		}
		if (le == p || *p == '#') {
			p = nl + 1;
			continue;
		}
		if (*p == 't' && le - p > 2 && p[1] == ' ') {
			char num[24];
			size_t l = (size_t)(le - p - 2);
			char *e;
			if (l == 0 || l >= sizeof(num))
				goto bad_time;
			memcpy(num, p + 2, l);
			num[l] = '\0';
			errno = 0;
			unsigned long long t = strtoull(num, &e, 10);
			if (errno || *e || num[0] < '0' || num[0] > '9')
				goto bad_time;
			if (s->nsnaps && t < s->snaps[s->nsnaps - 1].t_ns) {
				snprintf(err, errlen, "line %d: snapshot time goes backwards", line);
				goto fail;
			}
			if (s->nsnaps && s->snaps[s->nsnaps - 1].nrows == 0) {
				snprintf(err, errlen, "line %d: previous snapshot has no rows", line);
				goto fail;
			}
			if (push_snap(s, &scap) < 0)
				goto oom;
			s->snaps[s->nsnaps++] = (struct sn_snap){t, s->nrows, 0};
			p = nl + 1;
			continue;
		}
		if (!s->nsnaps) {
			snprintf(err, errlen, "line %d: row before the first 't' line", line);
			goto fail;
		}
		if (push_row(s, &rcap) < 0)
			goto oom;
		struct sn_snap *sp = &s->snaps[s->nsnaps - 1];
		struct sn_row *r = &s->rows[s->nrows];
		int c = parse_row(p, le, r->col);
		if (c < 3) {
			snprintf(err, errlen, "line %d: not a softnet_stat row", line);
			goto fail;
		}
		if (s->ncols && (uint32_t)c != s->ncols) {
			snprintf(err, errlen, "line %d: %d columns where the file has %u", line, c,
				 s->ncols);
			goto fail;
		}
		if (sp->nrows >= SN_MAX_ROWS) {
			snprintf(err, errlen, "line %d: more than %d rows in one snapshot", line,
				 SN_MAX_ROWS);
			goto fail;
		}
		s->ncols = (uint32_t)c;
		r->ncols = (uint32_t)c;
		r->cpu = c > SN_CPU_INDEX ? r->col[SN_CPU_INDEX] : (uint32_t)sp->nrows;
		sp->nrows++;
		s->nrows++;
		p = nl + 1;
	}
	if (s->nsnaps && s->snaps[s->nsnaps - 1].nrows == 0) {
		s->nsnaps--; /* header written, rows never came */
		s->truncated = true;
	}
	return 0;
bad_time:
	snprintf(err, errlen, "line %d: bad snapshot time", line);
	goto fail;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sn_series_free(s);
	return -1;
}

int sn_load_samples(const char *path, struct sn_series *s, char *err, size_t errlen)
{
	char why[200];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	memset(s, 0, sizeof(*s));
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (1ll << 32)) {
		snprintf(err, errlen, "%s: not a softnet sample file (not a regular file or > 4 GiB)",
			 path);
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len + 1);
	size_t got = 0;
	while (buf && got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != len) {
		free(buf);
		snprintf(err, errlen, "%s: read failed", path);
		return -1;
	}
	int rc = sn_parse_samples(buf, len, s, why, sizeof(why));
	free(buf);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}

void sn_series_free(struct sn_series *s)
{
	free(s->snaps);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

uint64_t sn_delta(const struct sn_series *s, unsigned col)
{
	uint64_t sum = 0;
	if (s->nsnaps < 2 || col >= s->ncols)
		return 0;
	const struct sn_snap *a = &s->snaps[0], *b = &s->snaps[s->nsnaps - 1];
	for (size_t i = 0; i < b->nrows; i++) {
		const struct sn_row *rb = &s->rows[b->first_row + i];
		for (size_t k = 0; k < a->nrows; k++) {
			const struct sn_row *ra = &s->rows[a->first_row + k];
			if (ra->cpu == rb->cpu) {
				sum += (uint32_t)(rb->col[col] - ra->col[col]);
				break;
			}
		}
		/* a CPU that came online during the run counted from zero */
	}
	return sum;
}

static int read_whole(int fd, char **buf, size_t *cap, size_t *len)
{
	*len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		if (*len == *cap) {
			char *nb = realloc(*buf, *cap * 2);
			if (!nb)
				return -1;
			*buf = nb;
			*cap *= 2;
		}
		ssize_t r = read(fd, *buf + *len, *cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		*len += (size_t)r;
	}
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Asleep until a stop signal or the deadline (0: none): the signals are blocked around the check
 * and let in only inside ppoll, so one that comes just before the wait still ends it. */
static void sleep_until_stop(uint64_t deadline_ns)
{
	sigset_t stop, orig;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &orig);
	while (!lab_stop) {
		uint64_t now = lab_now_ns(), left = deadline_ns > now ? deadline_ns - now : 0;
		if (deadline_ns && !left)
			break;
		struct timespec ts = {deadline_ns ? (time_t)(left / 1000000000ull) : 86400,
				      deadline_ns ? (long)(left % 1000000000ull) : 0};
		ppoll(NULL, 0, &ts, &orig);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
}

int sn_sample(const char *out, const char *src, uint64_t interval_ns, uint64_t duration_ns,
	      char *err, size_t errlen)
{
	size_t cap = 65536, len;
	char *buf = malloc(cap), *snap = NULL;
	struct sn_row *rows = malloc(SN_MAX_ROWS * sizeof(*rows));
	int sfd = -1, ofd = -1, rc = -1;
	char why[200];
	size_t nrows;

	if (!buf || !rows) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sfd = open(src, O_RDONLY | O_CLOEXEC);
	if (sfd < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto out;
	}
	/* check the source parses before creating anything */
	if (read_whole(sfd, &buf, &cap, &len) < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto out;
	}
	if (sn_parse_stat(buf, len, rows, SN_MAX_ROWS, &nrows, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", src, why);
		goto out;
	}
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		goto out;
	}
	struct utsname u;
	char head[512];
	uname(&u);
	int hl = snprintf(head, sizeof(head),
			  SN_MAGIC_LINE "\n# source %s, interval_ns %llu, kernel %s, columns %u\n",
			  src, (unsigned long long)interval_ns, u.release, rows[0].ncols);
	if (write_all(ofd, head, (size_t)hl) < 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		goto out;
	}
	uint64_t start_ns = lab_now_ns(), next_ns = start_ns;
	for (;;) {
		bool last = lab_stop || (duration_ns && lab_now_ns() - start_ns >= duration_ns);
		uint64_t t_ns = lab_now_ns();
		if (read_whole(sfd, &buf, &cap, &len) < 0) {
			snprintf(err, errlen, "%s: %s", src, strerror(errno));
			goto out;
		}
		free(snap);
		snap = malloc(len + 32);
		if (!snap) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		int tl = snprintf(snap, 32, "t %llu\n", (unsigned long long)t_ns);
		memcpy(snap + tl, buf, len);
		size_t sl = (size_t)tl + len;
		if (len && buf[len - 1] != '\n')
			snap[sl++] = '\n';
		if (write_all(ofd, snap, sl) < 0) {
			snprintf(err, errlen, "%s: %s", out, strerror(errno));
			goto out;
		}
		if (last)
			break;
		if (!interval_ns) { /* one snapshot now and one at the stop: nothing in between */
			sleep_until_stop(duration_ns ? start_ns + duration_ns : 0);
			continue;
		}
		next_ns += interval_ns;
		uint64_t now = lab_now_ns();
		if (next_ns < now)
			next_ns = now; /* fell behind: do not burst to catch up */
		struct timespec ts = {(time_t)(next_ns / 1000000000ull), (long)(next_ns % 1000000000ull)};
		while (!lab_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	rc = 0;
out:
	if (ofd >= 0 && close(ofd) < 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		rc = -1;
	}
	if (sfd >= 0)
		close(sfd);
	free(buf);
	free(snap);
	free(rows);
	return rc;
}
