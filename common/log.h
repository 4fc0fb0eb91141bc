/* log.h — one-line messages to stderr, prefixed with the program name, and the exit codes
 * every lab binary uses. */
#ifndef LAB_LOG_H
#define LAB_LOG_H

#include <stdbool.h>

enum lab_exit {
	LAB_EXIT_OK = 0,      /* success */
	LAB_EXIT_RUNTIME = 1, /* something failed while running */
	LAB_EXIT_USAGE = 2,   /* bad flags or configuration: nothing was done */
};

/* The exit code for a failure reported as an errno (either sign; 0 is success): what names a
 * setting the user can change (no such interface, bad value, something else already holds it,
 * not permitted) is LAB_EXIT_USAGE, anything else LAB_EXIT_RUNTIME. */
int lab_exit_for_errno(int err);

void lab_log_init(const char *prog);
const char *lab_prog(void);
void lab_set_verbose(bool on);
void lab_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: message" and exit with code. */
void lab_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
