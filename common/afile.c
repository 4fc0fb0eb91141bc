/* afile.c — see afile.h. */
#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
