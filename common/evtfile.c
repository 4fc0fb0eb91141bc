/* evtfile.c — see evtfile.h. */
#include "evtfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int lab_evt_open(struct lab_evt_writer *w, const char *path, uint32_t sources, uint64_t cpu_mask,
		 uint32_t gap_threshold_ns, uint64_t start_ns)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	memset(w, 0, sizeof(*w));
	if (fd < 0)
		return -errno;
	w->f = fdopen(fd, "w");
	if (!w->f) {
		int e = errno;
		close(fd);
		return -e;
	}
	memcpy(w->hdr.magic, LAB_EVT_MAGIC, 8);
	w->hdr.version = LAB_EVT_VERSION;
	w->hdr.hdr_len = sizeof(struct lab_evt_hdr);
	w->hdr.rec_len = sizeof(struct lab_evt);
	w->hdr.sources = sources;
	w->hdr.gap_threshold_ns = gap_threshold_ns;
	w->hdr.start_ns = start_ns;
	w->hdr.cpu_mask = cpu_mask;
	if (fwrite(&w->hdr, sizeof(w->hdr), 1, w->f) != 1 || fflush(w->f) != 0) {
		int e = errno ? errno : EIO;
		fclose(w->f);
		w->f = NULL;
		return -e;
	}
	return 0;
}

int lab_evt_write(struct lab_evt_writer *w, const struct lab_evt *e, size_t n)
{
	if (!w->f)
		return -EBADF;
	if (n && fwrite(e, sizeof(*e), n, w->f) != n)
		return errno ? -errno : -EIO;
	w->written += n;
	return 0;
}

int lab_evt_close(struct lab_evt_writer *w, uint64_t end_ns, uint64_t lost)
{
	int rc = 0;
	if (!w->f)
		return -EBADF;
	w->hdr.end_ns = end_ns;
	w->hdr.lost = lost;
	w->hdr.flags |= LAB_EVTF_COMPLETE;
	if (fflush(w->f) != 0 || fseek(w->f, 0, SEEK_SET) != 0 ||
	    fwrite(&w->hdr, sizeof(w->hdr), 1, w->f) != 1 || fflush(w->f) != 0)
		rc = errno ? -errno : -EIO;
	if (fclose(w->f) != 0 && !rc)
		rc = -errno;
	w->f = NULL;
	return rc;
}
