/* util.h — small things every lab binary needs: number parsing for flags, stop signals,
 * CPU pinning, the ready file, and a minimal JSON writer for counters and summaries. */
#ifndef LAB_UTIL_H
#define LAB_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Parse an unsigned integer flag value in [min, max]; on error print
 * "prog: --name: 'text' is not a number from min to max" and exit 2. */
uint64_t lab_parse_u64(const char *name, const char *text, uint64_t min, uint64_t max);
double lab_parse_double(const char *name, const char *text, double min, double max);

/* SIGINT/SIGTERM set the stop flag (and nothing else: no printing in handlers). A second
 * signal while stopping exits at once with code 1. */
extern volatile sig_atomic_t lab_stop;
void lab_install_stop_signals(void);

/* Pin the calling thread to cpu (-1: leave it). Returns 0 or -errno. */
int lab_pin_cpu(int cpu);
/* The calling thread to SCHED_IDLE: it runs only when nothing else on its core wants to. 0 or
 * -errno. */
int lab_thread_idle(void);

/* Write "pid\n" to path atomically (tmp + rename): the orchestrator waits for it. */
int lab_write_ready_file(const char *path);

/* A tiny streaming JSON writer: enough for flat counters and nested objects. */
struct lab_json {
	FILE *f;
	int depth;
	bool first[16];
	bool compact; /* one line (JSON Lines): no newlines or indentation inside */
};
void lab_json_begin(struct lab_json *j, FILE *f);           /* { */
void lab_json_begin_line(struct lab_json *j, FILE *f);      /* { of a one-line object */
void lab_json_end(struct lab_json *j);                      /* } and a newline at depth 0 */
void lab_json_obj(struct lab_json *j, const char *key);     /* "key": { */
void lab_json_obj_end(struct lab_json *j);                  /* } */
void lab_json_arr(struct lab_json *j, const char *key);     /* "key": [ */
void lab_json_arr_end(struct lab_json *j);                  /* ] */
void lab_json_arr_obj(struct lab_json *j);                  /* { inside an array */
void lab_json_u64(struct lab_json *j, const char *key, uint64_t v);
void lab_json_i64(struct lab_json *j, const char *key, int64_t v);
void lab_json_dbl(struct lab_json *j, const char *key, double v); /* null when not finite */
void lab_json_dbl_full(struct lab_json *j, const char *key, double v); /* every digit */
void lab_json_str(struct lab_json *j, const char *key, const char *v);
void lab_json_bool(struct lab_json *j, const char *key, bool v);
void lab_json_null(struct lab_json *j, const char *key);

/* Write a JSON document to path atomically: fn fills it. Returns 0 or -1 (errno). */
int lab_json_write_file(const char *path, void (*fn)(struct lab_json *j, void *arg), void *arg);

#endif
