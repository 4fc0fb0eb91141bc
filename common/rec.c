/* rec.c — reading and writing record files; see rec.h for the layout. */
#include "rec.h"

#include "afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void lab_rec_hdr_init(struct lab_rec_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, LAB_REC_MAGIC, 8);
	h->version = LAB_REC_VERSION;
	h->hdr_len = LAB_REC_HDR_LEN;
	h->rec_len = sizeof(struct lab_rec);
}

static bool str_terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int lab_rec_validate(const struct lab_rec_hdr *h, uint64_t file_size, uint64_t *count, char *err,
		     size_t errlen)
{
	uint64_t body;
	if (file_size < LAB_REC_HDR_LEN) {
		snprintf(err, errlen, "truncated header (%llu of %d bytes)",
			 (unsigned long long)file_size, LAB_REC_HDR_LEN);
		return -1;
	}
	if (memcmp(h->magic, LAB_REC_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a lab record file (bad magic)");
		return -1;
	}
	if (h->version != LAB_REC_VERSION) {
		snprintf(err, errlen, "record file version %u, this build reads version %d",
			 h->version, LAB_REC_VERSION);
		return -1;
	}
	if (h->hdr_len != LAB_REC_HDR_LEN || h->rec_len != sizeof(struct lab_rec)) {
		snprintf(err, errlen, "bad header (hdr_len %u, rec_len %u)", h->hdr_len, h->rec_len);
		return -1;
	}
	if (h->flags & ~(uint32_t)(LAB_RECF_COMPLETE | LAB_RECF_STAMP)) {
		snprintf(err, errlen, "bad header flags 0x%x", h->flags);
		return -1;
	}
	if (!str_terminated(h->path, sizeof(h->path)) ||
	    !str_terminated(h->backend, sizeof(h->backend)) ||
	    !str_terminated(h->pattern, sizeof(h->pattern)) ||
	    !str_terminated(h->iface, sizeof(h->iface)) || !str_terminated(h->dst, sizeof(h->dst))) {
		snprintf(err, errlen, "bad header (unterminated text field)");
		return -1;
	}
	body = file_size - LAB_REC_HDR_LEN;
	/* a file its writer did not finish may end inside a record (killed in a write, or the disk
	 * filled): the whole records before it are read, the rest is the cut */
	if (body % sizeof(struct lab_rec) && (h->flags & LAB_RECF_COMPLETE)) {
		snprintf(err, errlen, "truncated record at byte %llu",
			 (unsigned long long)(file_size - body % sizeof(struct lab_rec)));
		return -1;
	}
	if ((h->flags & LAB_RECF_COMPLETE) && h->count != body / sizeof(struct lab_rec)) {
		snprintf(err, errlen, "header says %llu records, file holds %llu",
			 (unsigned long long)h->count,
			 (unsigned long long)(body / sizeof(struct lab_rec)));
		return -1;
	}
	*count = body / sizeof(struct lab_rec);
	return 0;
}

int lab_rec_open(const char *path, struct lab_rec_file *f, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file", path);
		close(fd);
		return -1;
	}
	f->map_len = (size_t)st.st_size;
	f->map = mmap(NULL, f->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	if (f->map_len >= sizeof(f->hdr))
		memcpy(&f->hdr, f->map, sizeof(f->hdr));
	char why[200];
	if (lab_rec_validate(&f->hdr, f->map_len, &f->count, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		lab_rec_close(f);
		return -1;
	}
	for (uint64_t i = 0; i < f->count; i++) {
		const struct lab_rec *r =
			(const struct lab_rec *)((const char *)f->map + LAB_REC_HDR_LEN) + i;
		if (r->flags & ~LAB_REC_KNOWN || r->seq != (uint32_t)i) {
			snprintf(err, errlen, "%s: corrupt record %llu (seq %u, flags 0x%x)", path,
				 (unsigned long long)i, r->seq, r->flags);
			lab_rec_close(f);
			return -1;
		}
	}
	f->recs = (const struct lab_rec *)((const char *)f->map + LAB_REC_HDR_LEN);
	f->complete = f->hdr.flags & LAB_RECF_COMPLETE;
	f->cut_bytes = (f->map_len - LAB_REC_HDR_LEN) % sizeof(struct lab_rec);
	return 0;
}

void lab_rec_close(struct lab_rec_file *f)
{
	if (f->map)
		munmap(f->map, f->map_len);
	f->map = NULL;
	f->recs = NULL;
}

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int lab_rec_put_hdr(int fd, const struct lab_rec_hdr *h)
{
	struct lab_rec_hdr tmp = *h;
	tmp.flags &= ~(uint32_t)LAB_RECF_COMPLETE;
	tmp.count = 0;
	return write_all(fd, &tmp, sizeof(tmp), 0);
}

int lab_rec_create_for(const char *path, const struct lab_rec_hdr *h, uint64_t reserve)
{
	struct lab_afile a;
	if (lab_afile_open(&a, path) < 0)
		return -1;
	if (lab_rec_put_hdr(a.fd, h) < 0 || lseek(a.fd, LAB_REC_HDR_LEN, SEEK_SET) < 0)
		goto fail;
	/* the disk space of every record the run can write, taken now: a disk too small refuses the
	 * run before it starts (a file system without fallocate writes as it goes) */
	if (reserve && fallocate(a.fd, FALLOC_FL_KEEP_SIZE, 0,
				 (off_t)(LAB_REC_HDR_LEN + reserve * sizeof(struct lab_rec))) < 0 &&
	    errno != EOPNOTSUPP && errno != ENOSYS)
		goto fail;
	if (fsync(a.fd) < 0 && errno != EINVAL)
		goto fail;
	if (rename(a.tmp, a.path) < 0)
		goto fail;
	return a.fd;
fail:
	lab_afile_abort(&a);
	return -1;
}

int lab_rec_create(const char *path, const struct lab_rec_hdr *h)
{
	return lab_rec_create_for(path, h, 0);
}

int lab_rec_finish(int fd, struct lab_rec_hdr *h, uint64_t count)
{
	h->count = count;
	h->flags |= LAB_RECF_COMPLETE;
	/* the space reserved past the records is given back */
	if (ftruncate(fd, (off_t)(LAB_REC_HDR_LEN + count * sizeof(struct lab_rec))) < 0)
		return -1;
	if (write_all(fd, h, sizeof(*h), 0) < 0)
		return -1;
	return fsync(fd) < 0 && errno != EINVAL ? -1 : 0;
}
