/* pcap_out.c — see pcap_out.h. Records are gathered in a buffer of our own and written whole
 * (one write(2) holds only complete records), so a writer killed at any moment leaves a file
 * that ends on a record boundary: every reader opens it as it is. */
#include "pcap_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_BUF (256u * 1024)

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_nsec, caplen, len;
};


static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int start(struct lab_pcap_out *o, int fd, uint32_t snaplen, uint32_t linktype)
{
	struct pcap_file_hdr h = {0xa1b23c4d, 2, 4, 0, 0, snaplen, linktype};
	o->buf = malloc(OUT_BUF);
	o->f = o->buf ? fdopen(fd, "w") : NULL;
	if (!o->f) {
		free(o->buf);
		o->buf = NULL;
		return -1;
	}
	setvbuf(o->f, NULL, _IONBF, 0); /* the buffering is ours: whole records */
	o->snaplen = snaplen;
	if (write_all(fd, (const uint8_t *)&h, sizeof(h)) < 0)
		return -1;
	o->bytes = sizeof(h);
	return 0;
}

int lab_pcap_out_create(struct lab_pcap_out *o, const char *path, uint32_t snaplen,
			uint32_t linktype, bool excl)
{
	int fd = open(path, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC) | O_CLOEXEC, 0644);
	memset(o, 0, sizeof(*o));
	if (fd < 0)
		return -1;
	if (start(o, fd, snaplen, linktype) < 0) {
		int e = errno;
		if (o->f)
			lab_pcap_out_close(o);
		else
			close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

int lab_pcap_out_open(struct lab_pcap_out *o, const char *path, uint32_t snaplen)
{
	memset(o, 0, sizeof(*o));
	if (!(o->af = malloc(sizeof(*o->af))))
		return -1;
	if (lab_afile_open(o->af, path) < 0) {
		free(o->af);
		o->af = NULL;
		return -1;
	}
	if (start(o, o->af->fd, snaplen, 1 /* LINKTYPE_ETHERNET */) < 0) {
		lab_pcap_out_abort(o);
		return -1;
	}
	o->af->f = o->f; /* the commit closes it */
	return 0;
}

int lab_pcap_out_flush(struct lab_pcap_out *o)
{
	if (!o->f || !o->used)
		return 0;
	int rc = write_all(fileno(o->f), o->buf, o->used);
	o->used = 0;
	return rc;
}

int lab_pcap_out_write(struct lab_pcap_out *o, uint64_t ts_ns, const void *data, uint32_t caplen,
		       uint32_t len)
{
	if (caplen > o->snaplen)
		caplen = o->snaplen;
	if (caplen > len)
		caplen = len;
	struct pcap_rec_hdr r = {(uint32_t)(ts_ns / 1000000000ull), (uint32_t)(ts_ns % 1000000000ull),
				 caplen, len};
	size_t need = sizeof(r) + caplen;
	if (o->used + need > OUT_BUF && lab_pcap_out_flush(o) < 0)
		return -1;
	if (need > OUT_BUF) { /* larger than the buffer (a 256 KiB snapshot): straight out */
		if (write_all(fileno(o->f), (const uint8_t *)&r, sizeof(r)) < 0 ||
		    write_all(fileno(o->f), data, caplen) < 0)
			return -1;
	} else {
		memcpy(o->buf + o->used, &r, sizeof(r));
		memcpy(o->buf + o->used + sizeof(r), data, caplen);
		o->used += need;
	}
	o->packets++;
	o->bytes += need;
	return 0;
}

int lab_pcap_out_close(struct lab_pcap_out *o)
{
	int rc = lab_pcap_out_flush(o);
	if (o->af) {
		if (rc < 0)
			lab_afile_abort(o->af);
		else
			rc = lab_afile_commit(o->af);
		free(o->af);
		o->af = NULL;
	} else if (o->f && fclose(o->f) != 0) {
		rc = -1;
	}
	free(o->buf);
	o->buf = NULL;
	o->f = NULL;
	return rc;
}

void lab_pcap_out_abort(struct lab_pcap_out *o)
{
	int e = errno;
	if (o->af) {
		o->af->f = o->f;
		lab_afile_abort(o->af);
		free(o->af);
		o->af = NULL;
	} else if (o->f) {
		fclose(o->f);
	}
	free(o->buf);
	o->buf = NULL;
	o->f = NULL;
	errno = e;
}
