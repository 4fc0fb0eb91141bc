/* stp.c — stamp side files (stp.h). */
#include "stp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const lab_stp_point_names[LAB_STP_NPOINTS] = {"gen_tx", "dut_rx", "dut_tx", "gen_rx"};
const char *const lab_stp_src_names[LAB_STP_NSRC] = {"none", "user", "kernel", "hw"};

int lab_stp_src_parse(const char *s)
{
	for (int i = LAB_STP_SRC_USER; i < LAB_STP_NSRC; i++)
		if (!strcmp(s, lab_stp_src_names[i]))
			return i;
	return -1;
}

int lab_stp_create(struct lab_stp_writer *w, const char *path, const uint8_t used[LAB_STP_NPOINTS],
		   enum lab_stp_src other)
{
	struct lab_stp_hdr h;
	int fd;
	memset(w, 0, sizeof(*w));
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, LAB_STP_MAGIC, 8);
	h.version = LAB_STP_VERSION;
	h.hdr_len = LAB_STP_HDR_LEN;
	h.rec_len = sizeof(struct lab_stp_rec);
	memcpy(h.used, used, LAB_STP_NPOINTS);
	h.other = (uint8_t)other;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(w->f = fdopen(fd, "w"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	/* the header goes out at once: a reader of a killed writer's file still finds it */
	if (fwrite(&h, sizeof(h), 1, w->f) != 1 || fflush(w->f) != 0) {
		int e = errno;
		fclose(w->f);
		w->f = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

void lab_stp_put(struct lab_stp_writer *w, uint32_t seq, enum lab_stp_point pt, uint8_t flags,
		 uint64_t user_ns, uint64_t kernel_ns)
{
	struct lab_stp_rec r = {.seq = seq, .point = (uint8_t)pt, .flags = flags, .user_ns = user_ns,
				.kernel_ns = kernel_ns};
	if (!w->f)
		return;
	if (fwrite(&r, sizeof(r), 1, w->f) != 1)
		w->failed = true;
	else
		w->written++;
}

int lab_stp_close(struct lab_stp_writer *w)
{
	int rc = 0;
	if (!w->f)
		return 0;
	if (fclose(w->f) != 0 || w->failed)
		rc = -1;
	w->f = NULL;
	return rc;
}

int lab_stp_validate(const struct lab_stp_hdr *h, uint64_t file_size, char *err, size_t errlen)
{
	if (file_size < LAB_STP_HDR_LEN) {
		snprintf(err, errlen, "shorter (%llu bytes) than a stamp file header (%d)",
			 (unsigned long long)file_size, LAB_STP_HDR_LEN);
		return -1;
	}
	if (memcmp(h->magic, LAB_STP_MAGIC, 8)) {
		snprintf(err, errlen, "not a stamp file (bad magic)");
		return -1;
	}
	if (h->version != LAB_STP_VERSION) {
		snprintf(err, errlen, "stamp file version %u, this reader knows %d", h->version,
			 LAB_STP_VERSION);
		return -1;
	}
	if (h->hdr_len != LAB_STP_HDR_LEN || h->rec_len != sizeof(struct lab_stp_rec)) {
		snprintf(err, errlen, "header %u / record %u bytes, expected %d / %zu", h->hdr_len,
			 h->rec_len, LAB_STP_HDR_LEN, sizeof(struct lab_stp_rec));
		return -1;
	}
	for (int i = 0; i < LAB_STP_NPOINTS; i++)
		if (h->used[i] >= LAB_STP_NSRC) {
			snprintf(err, errlen, "header: unknown stamp source %u at %s", h->used[i],
				 lab_stp_point_names[i]);
			return -1;
		}
	if (h->other != LAB_STP_SRC_KERNEL && h->other != LAB_STP_SRC_HW) {
		snprintf(err, errlen, "header: the second source is %u, not kernel or hw", h->other);
		return -1;
	}
	return 0;
}

static int check_recs(const struct lab_stp_file *f, char *err, size_t errlen)
{
	for (uint64_t i = 0; i < f->count; i++) {
		const struct lab_stp_rec *r = &f->recs[i];
		if (r->point >= LAB_STP_NPOINTS ||
		    (r->flags & ~(LAB_STP_F_USER | LAB_STP_F_KERNEL))) {
			snprintf(err, errlen, "record %llu: point %u flags 0x%x out of range",
				 (unsigned long long)i, r->point, r->flags);
			return -1;
		}
	}
	return 0;
}

int lab_stp_read(const char *path, struct lab_stp_file *f, char *err, size_t errlen)
{
	struct stat st;
	size_t body;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	memset(f, 0, sizeof(*f));
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size >= LAB_STP_HDR_LEN && read(fd, &f->hdr, sizeof(f->hdr)) != sizeof(f->hdr))
		st.st_size = 0; /* unreadable: reported as too short */
	if (lab_stp_validate(&f->hdr, (uint64_t)st.st_size, err + 0, errlen) < 0)
		goto fail;
	body = (size_t)st.st_size - LAB_STP_HDR_LEN;
	f->count = body / sizeof(struct lab_stp_rec);
	f->partial = body % sizeof(struct lab_stp_rec) != 0;
	f->recs = malloc(f->count ? f->count * sizeof(struct lab_stp_rec) : 1);
	if (!f->recs) {
		snprintf(err, errlen, "out of memory for %llu stamp pairs", (unsigned long long)f->count);
		goto fail;
	}
	if (f->count && read(fd, f->recs, f->count * sizeof(struct lab_stp_rec)) !=
			(ssize_t)(f->count * sizeof(struct lab_stp_rec))) {
		snprintf(err, errlen, "short read");
		goto fail;
	}
	if (check_recs(f, err, errlen) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	close(fd);
	lab_stp_free(f);
	return -1;
}

void lab_stp_free(struct lab_stp_file *f)
{
	free(f->recs);
	f->recs = NULL;
	f->count = 0;
}
