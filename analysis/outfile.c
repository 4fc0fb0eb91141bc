/* outfile.c — see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

FILE *lab_out_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	snprintf(tmp, tmplen, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	return f;
}

int lab_out_close(FILE *f, const char *tmp, const char *path, char *err, size_t errlen)
{
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
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
