/* afile.h — an output written whole or not at all. The bytes go to a temporary file beside the
 * target (PATH.tmp-PID-N, same directory, so the rename cannot cross a file system), created with
 * O_CREAT|O_EXCL|O_NOFOLLOW (a link planted at that name is not followed, a stale temporary is not
 * reused); every write, the fsync and the close are checked, and only then is it renamed over PATH
 * (and the directory fsync'd). Any failure (ENOSPC, EIO, ...) removes the temporary: PATH keeps
 * what it held before, or stays absent; a reader never finds a truncated file at PATH. */
#ifndef LAB_AFILE_H
#define LAB_AFILE_H

#include <stddef.h>
#include <stdio.h>

struct lab_afile {
	int fd;          /* the temporary's descriptor, -1 when none */
	FILE *f;         /* lab_afile_stream's stdio stream on fd, or NULL */
	char path[4096]; /* the target */
	char tmp[4200];  /* the temporary */
};

/* Create path's temporary. 0, or -1 with errno set (nothing left behind). */
int lab_afile_open(struct lab_afile *a, const char *path);
/* A stdio stream on the temporary (fully buffered; its errors are checked at commit). NULL with
 * errno set. */
FILE *lab_afile_stream(struct lab_afile *a);
/* Write len bytes at the current offset (EINTR and short writes retried). 0 or -1 (errno). */
int lab_afile_write(struct lab_afile *a, const void *buf, size_t len);
/* Flush, fsync, close and rename over the target. 0, or -1 with errno set and the temporary
 * removed. */
int lab_afile_commit(struct lab_afile *a);
/* Close and remove the temporary (errno kept). */
void lab_afile_abort(struct lab_afile *a);

/* A set of outputs replaced as a whole. Between lab_afile_set_begin and lab_afile_set_commit,
 * lab_afile_commit writes, fsyncs and closes each temporary but renames none: the set's
 * commit renames them all (in the order written), its abort removes them all. So a failure
 * part way (ENOSPC on the fifth file, a bad input found late) leaves the previous set whole,
 * never new files beside old ones. 0, or -1 with errno set (set_commit: the renames not yet
 * done are undone: their temporaries removed). Not nestable; not thread-safe. */
void lab_afile_set_begin(void);
int lab_afile_set_commit(void);
void lab_afile_set_abort(void);
/* Outputs outside the set while it is being written (committed at once, as without a set):
 * pause returns whether a set was on, resume takes that back. */
int lab_afile_set_pause(void);
void lab_afile_set_resume(int on);

/* true when a and b name the same existing file (same device and inode): an output that would
 * land on its own input. */
int lab_same_file(const char *a, const char *b);

#endif
