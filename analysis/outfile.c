/* outfile.c — see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"

FILE *lab_out_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	struct lab_afile a;
	FILE *f = NULL;
	errno = 0;
	if (lab_afile_open(&a, path) < 0 || snprintf(tmp, tmplen, "%s", a.tmp) >= (int)tmplen ||
	    !(f = lab_afile_stream(&a))) {
		if (!errno)
			errno = ENAMETOOLONG;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		lab_afile_abort(&a);
		return NULL;
	}
	return f;
}

int lab_out_close(FILE *f, const char *tmp, const char *path, char *err, size_t errlen)
{
	struct lab_afile a = {.fd = fileno(f), .f = f};
	snprintf(a.path, sizeof(a.path), "%s", path);
	snprintf(a.tmp, sizeof(a.tmp), "%s", tmp);
	if (lab_afile_commit(&a) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void lab_html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}
