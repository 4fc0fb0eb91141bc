/* util.c — see util.h. */
#include "util.h"
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

volatile sig_atomic_t lab_stop;

uint64_t lab_parse_u64(const char *name, const char *text, uint64_t min, uint64_t max)
{
	char *end;
	errno = 0;
	if (!text || !*text || *text == '-')
		goto bad;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || *end || v < min || v > max)
		goto bad;
	return v;
bad:
	lab_die(LAB_EXIT_USAGE, "--%s: '%s' is not a number from %" PRIu64 " to %" PRIu64, name,
		text ? text : "", min, max);
}

double lab_parse_double(const char *name, const char *text, double min, double max)
{
	char *end;
	errno = 0;
	double v = text ? strtod(text, &end) : NAN;
	if (!text || !*text || errno || *end || !(v >= min && v <= max))
		lab_die(LAB_EXIT_USAGE, "--%s: '%s' is not a number from %g to %g", name,
			text ? text : "", min, max);
	return v;
}

static void on_stop(int sig)
{
	(void)sig;
	if (lab_stop)
		_exit(1);
	lab_stop = 1;
}

void lab_install_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int lab_pin_cpu(int cpu)
{
	cpu_set_t set;
	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return rc ? -rc : 0;
}

int lab_thread_idle(void)
{
	struct sched_param sp = {0};
	int rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	return rc ? -rc : 0;
}

int lab_write_ready_file(const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

static void sep(struct lab_json *j)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->compact)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void key(struct lab_json *j, const char *k)
{
	sep(j);
	if (k) {
		put_str(j->f, k);
		fputs(": ", j->f);
	}
}

static void open_(struct lab_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth < 15)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct lab_json *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty && !j->compact) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void lab_json_begin(struct lab_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	open_(j, '{');
}
void lab_json_begin_line(struct lab_json *j, FILE *f)
{
	lab_json_begin(j, f);
	j->compact = true;
}
void lab_json_end(struct lab_json *j)
{
	close_(j, '}');
	if (j->depth == 0)
		fputc('\n', j->f);
}
void lab_json_obj(struct lab_json *j, const char *k) { key(j, k); open_(j, '{'); }
void lab_json_obj_end(struct lab_json *j) { close_(j, '}'); }
void lab_json_arr(struct lab_json *j, const char *k) { key(j, k); open_(j, '['); }
void lab_json_arr_end(struct lab_json *j) { close_(j, ']'); }
void lab_json_arr_obj(struct lab_json *j) { key(j, NULL); open_(j, '{'); }
void lab_json_u64(struct lab_json *j, const char *k, uint64_t v) { key(j, k); fprintf(j->f, "%" PRIu64, v); }
void lab_json_i64(struct lab_json *j, const char *k, int64_t v) { key(j, k); fprintf(j->f, "%" PRId64, v); }
void lab_json_bool(struct lab_json *j, const char *k, bool v) { key(j, k); fputs(v ? "true" : "false", j->f); }
void lab_json_null(struct lab_json *j, const char *k) { key(j, k); fputs("null", j->f); }
void lab_json_str(struct lab_json *j, const char *k, const char *v)
{
	key(j, k);
	if (v)
		put_str(j->f, v);
	else
		fputs("null", j->f);
}
static void dbl(struct lab_json *j, const char *k, double v, int digits)
{
	key(j, k);
	if (isfinite(v))
		fprintf(j->f, "%.*g", digits, v);
	else
		fputs("null", j->f);
}
void lab_json_dbl(struct lab_json *j, const char *k, double v) { dbl(j, k, v, 6); }
void lab_json_dbl_full(struct lab_json *j, const char *k, double v) { dbl(j, k, v, 17); }

int lab_json_write_file(const char *path, void (*fn)(struct lab_json *j, void *arg), void *arg)
{
	struct lab_afile a;
	struct lab_json j;
	if (lab_afile_open(&a, path) < 0)
		return -1;
	FILE *f = lab_afile_stream(&a);
	if (!f) {
		lab_afile_abort(&a);
		return -1;
	}
	lab_json_begin(&j, f);
	fn(&j, arg);
	lab_json_end(&j);
	return lab_afile_commit(&a);
}
