/* afile.c — see afile.h. */
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lab_afile_open(struct lab_afile *a, const char *path)
{
	a->fd = -1;
	a->f = NULL;
	if (snprintf(a->path, sizeof(a->path), "%s", path) >= (int)sizeof(a->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (unsigned n = 0; n < 100; n++) {
		snprintf(a->tmp, sizeof(a->tmp), "%s.tmp-%d-%u", path, (int)getpid(), n);
		a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (a->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	a->tmp[0] = '\0'; /* none of ours to remove */
	return -1;
}

FILE *lab_afile_stream(struct lab_afile *a)
{
	if (!a->f)
		a->f = fdopen(a->fd, "w");
	return a->f;
}

int lab_afile_write(struct lab_afile *a, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(a->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the rename itself made durable; a file system without directory fsync (EINVAL) is no failure */
static int sync_dir(const char *path)
{
	char d[4096];
	snprintf(d, sizeof(d), "%s", path);
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int rc = fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
	close(fd);
	return rc;
}

/* the set being written (lab_afile_set_begin): each member's temporary and target */
static struct {
	bool on;
	size_t n, cap;
	char (*tmp)[4200];
	char (*path)[4096];
} set;

static int set_add(const struct lab_afile *a)
{
	if (set.n == set.cap) {
		size_t cap = set.cap ? set.cap * 2 : 32;
		void *t = realloc(set.tmp, cap * sizeof(*set.tmp));
		if (!t)
			return -1;
		set.tmp = t;
		void *p = realloc(set.path, cap * sizeof(*set.path));
		if (!p)
			return -1;
		set.path = p;
		set.cap = cap;
	}
	memcpy(set.tmp[set.n], a->tmp, sizeof(set.tmp[0]));
	memcpy(set.path[set.n], a->path, sizeof(set.path[0]));
	set.n++;
	return 0;
}

void lab_afile_set_abort(void);

static void set_atexit(void)
{
	if (set.on)
		lab_afile_set_abort(); /* an exit part way (lab_die): no temporary left */
}

void lab_afile_set_begin(void)
{
	static bool registered;
	if (!registered && atexit(set_atexit) == 0)
		registered = true;
	set.on = true;
	set.n = 0;
}

static void set_end(void)
{
	free(set.tmp);
	free(set.path);
	memset(&set, 0, sizeof(set));
}

void lab_afile_set_abort(void)
{
	int e = errno;
	for (size_t i = 0; i < set.n; i++)
		unlink(set.tmp[i]);
	set_end();
	errno = e;
}

int lab_afile_set_pause(void)
{
	int on = set.on;
	set.on = false;
	return on;
}

void lab_afile_set_resume(int on)
{
	set.on = on;
}

int lab_afile_set_commit(void)
{
	for (size_t i = 0; i < set.n; i++) {
		if (rename(set.tmp[i], set.path[i]) != 0) {
			int e = errno;
			for (size_t k = i; k < set.n; k++)
				unlink(set.tmp[k]);
			set_end();
			errno = e;
			return -1;
		}
	}
	int rc = 0;
	for (size_t i = 0; i < set.n; i++)
		if (sync_dir(set.path[i]) < 0)
			rc = -1;
	set_end();
	return rc;
}

int lab_afile_commit(struct lab_afile *a)
{
	int rc = 0, e = 0;
	if (a->f && (fflush(a->f) != 0 || ferror(a->f))) {
		rc = -1;
		e = errno ? errno : EIO;
	}
	if (rc == 0 && fsync(a->fd) < 0 && errno != EINVAL) {
		rc = -1;
		e = errno;
	}
	int c = a->f ? fclose(a->f) : close(a->fd);
	if (c != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	a->f = NULL;
	a->fd = -1;
	if (rc == 0 && set.on) { /* written whole: renamed with the rest of the set */
		if (set_add(a) == 0) {
			a->tmp[0] = '\0';
			return 0;
		}
		rc = -1;
		e = ENOMEM;
	}
	if (rc == 0 && rename(a->tmp, a->path) != 0) {
		rc = -1;
		e = errno;
	}
	if (rc < 0) {
		unlink(a->tmp);
		a->tmp[0] = '\0';
		errno = e;
		return -1;
	}
	a->tmp[0] = '\0';
	if (sync_dir(a->path) < 0)
		return -1;
	return 0;
}

void lab_afile_abort(struct lab_afile *a)
{
	int e = errno;
	if (a->f)
		fclose(a->f);
	else if (a->fd >= 0)
		close(a->fd);
	a->f = NULL;
	if (a->tmp[0])
		unlink(a->tmp);
	a->fd = -1;
	a->tmp[0] = '\0';
	errno = e;
}

int lab_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
