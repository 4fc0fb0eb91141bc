/* outfile.h — how lab-analyze writes its files: whole or not at all (common/afile.h: a temporary
 * beside PATH, O_EXCL|O_NOFOLLOW, every write, the fsync and the close checked, renamed over PATH
 * only then), and HTML text escaped. */
#ifndef LAB_OUTFILE_H
#define LAB_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Open path's temporary file (its name into tmp) for writing; NULL with a line in err. */
FILE *lab_out_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* Close it and rename it over path; on failure remove it. 0, or -1 with a line in err. */
int lab_out_close(FILE *f, const char *tmp, const char *path, char *err, size_t errlen);
/* s with <, >, & and " escaped for HTML. */
void lab_html_esc(FILE *f, const char *s);

#endif
