/* log.c — see log.h. Messages are built whole and written with one write() so that lines of
 * concurrent processes do not interleave. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog_name = "lab";
static bool verbose;

int lab_exit_for_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return LAB_EXIT_OK;
	case EINVAL:        /* a bad value */
	case ENODEV:        /* no such interface */
	case EEXIST:        /* someone else's XDP program on it */
	case EBUSY:         /* another lab port holds it */
	case EADDRINUSE:    /* another reflector on the port */
	case EADDRNOTAVAIL: /* an address this namespace does not have */
	case EPERM:         /* needs root or a capability */
		return LAB_EXIT_USAGE;
	default:
		return LAB_EXIT_RUNTIME;
	}
}

void lab_log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');
	prog_name = slash ? slash + 1 : prog;
	verbose = getenv("LAB_VERBOSE") != NULL;
}

const char *lab_prog(void) { return prog_name; }
void lab_set_verbose(bool on) { verbose = on; }

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: %s", prog_name, level);
	if (n < 0 || n >= (int)sizeof(line))
		n = 0;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

#define LAB_VLOG(level)                                                                           \
	do {                                                                                      \
		va_list ap;                                                                       \
		va_start(ap, fmt);                                                                \
		vlog(level, fmt, ap);                                                             \
		va_end(ap);                                                                       \
	} while (0)

void lab_err(const char *fmt, ...) { LAB_VLOG(""); }
void lab_warn(const char *fmt, ...) { LAB_VLOG("warning: "); }
void lab_info(const char *fmt, ...) { LAB_VLOG(""); }

void lab_debug(const char *fmt, ...)
{
	if (verbose)
		LAB_VLOG("debug: ");
}

void lab_die(int code, const char *fmt, ...)
{
	LAB_VLOG("");
	exit(code);
}
