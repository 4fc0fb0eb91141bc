/* pcap_out.c — see pcap_out.h. */
#include "pcap_out.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_nsec, caplen, len;
};

int lab_pcap_out_open(struct lab_pcap_out *o, const char *path, uint32_t snaplen)
{
	return lab_pcap_out_create(o, path, snaplen, 1 /* LINKTYPE_ETHERNET */, false);
}

int lab_pcap_out_create(struct lab_pcap_out *o, const char *path, uint32_t snaplen,
			uint32_t linktype, bool excl)
{
	struct pcap_file_hdr h = {0xa1b23c4d, 2, 4, 0, 0, snaplen, linktype};
	int fd = open(path, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC) | O_CLOEXEC, 0644);
	o->f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!o->f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	o->snaplen = snaplen;
	o->packets = 0;
	if (fwrite(&h, sizeof(h), 1, o->f) != 1) {
		fclose(o->f);
		o->f = NULL;
		return -1;
	}
	return 0;
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
	if (fwrite(&r, sizeof(r), 1, o->f) != 1 || fwrite(data, 1, caplen, o->f) != caplen)
		return -1;
	o->packets++;
	return 0;
}

int lab_pcap_out_close(struct lab_pcap_out *o)
{
	int rc = 0;
	if (o->f && fclose(o->f) != 0)
		rc = -1;
	o->f = NULL;
	return rc;
}
