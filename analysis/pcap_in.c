/* pcap_in.c — the capture reader of pcap_in.h. Every length is checked against what is left
 * of the buffer before it is used. */
#include "pcap_in.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define NG_SHB 0x0a0d0d0au
#define NG_BOM 0x1a2b3c4du
#define NG_IDB 1u
#define NG_OPB 2u
#define NG_SPB 3u
#define NG_EPB 6u

static uint32_t rd32(const struct pcapr *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct pcapr *r, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

static int bad(struct pcapr *r, size_t off, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s at byte %zu", what, off);
	return -1;
}

static int check_lengths(struct pcapr *r, size_t off, uint32_t caplen, uint32_t len,
			 uint32_t snaplen)
{
	char m[128];
	if (caplen > PCAPR_MAX_CAPLEN) {
		snprintf(m, sizeof(m), "captured length %u is over %u", caplen, PCAPR_MAX_CAPLEN);
		return bad(r, off, m);
	}
	if (snaplen && caplen > snaplen) {
		snprintf(m, sizeof(m), "captured length %u is over the snapshot length %u", caplen,
			 snaplen);
		return bad(r, off, m);
	}
	if (caplen > len) {
		snprintf(m, sizeof(m), "captured length %u is over the packet length %u", caplen,
			 len);
		return bad(r, off, m);
	}
	return 0;
}

/* A pcapng section header at r->off: sets the byte order, forgets the previous interfaces. */
static int read_shb(struct pcapr *r)
{
	size_t off = r->off;
	if (r->len - off < 28)
		return bad(r, off, "truncated pcapng section header");
	uint32_t bom;
	memcpy(&bom, r->buf + off + 8, 4);
	if (bom == NG_BOM)
		r->swap = false;
	else if (bom == __builtin_bswap32(NG_BOM))
		r->swap = true;
	else
		return bad(r, off, "bad pcapng byte-order magic");
	uint32_t blen = rd32(r, r->buf + off + 4);
	if (blen < 28 || blen % 4 || blen > r->len - off)
		return bad(r, off, "bad pcapng section header length");
	if (rd16(r, r->buf + off + 12) != 1)
		return bad(r, off, "unsupported pcapng major version");
	if (rd32(r, r->buf + off + blen - 4) != blen)
		return bad(r, off, "pcapng block lengths disagree");
	r->nifaces = 0;
	r->off += blen;
	return 0;
}

static int read_idb(struct pcapr *r, const uint8_t *b, uint32_t blen, size_t off)
{
	if (blen < 20)
		return bad(r, off, "truncated pcapng interface block");
	if (r->nifaces >= PCAPR_MAX_IFACES)
		return bad(r, off, "too many pcapng interfaces");
	struct pcapr_iface *f = &r->ifaces[r->nifaces];
	f->linktype = rd16(r, b + 8);
	f->snaplen = rd32(r, b + 12);
	f->ts_num = 1000; /* default resolution: microseconds */
	f->ts_den = 1;
	f->ts_off_s = 0;
	size_t o = 16, end = blen - 4;
	while (o + 4 <= end) {
		uint16_t code = rd16(r, b + o), olen = rd16(r, b + o + 2);
		size_t padded = (olen + 3u) & ~3u;
		if (code == 0)
			break;
		if (o + 4 + padded > end)
			return bad(r, off, "pcapng option runs past its block");
		if (code == 9 && olen >= 1) { /* if_tsresol */
			uint8_t res = b[o + 4];
			unsigned e = res & 0x7f;
			if (res & 0x80) {
				if (e > 63)
					return bad(r, off, "bad pcapng timestamp resolution");
				f->ts_num = 1000000000ull;
				f->ts_den = 1ull << e;
			} else {
				if (e > 19)
					return bad(r, off, "bad pcapng timestamp resolution");
				f->ts_num = 1;
				f->ts_den = 1;
				if (e <= 9)
					for (unsigned i = e; i < 9; i++)
						f->ts_num *= 10;
				else
					for (unsigned i = 9; i < e; i++)
						f->ts_den *= 10;
			}
		} else if (code == 14 && olen >= 8) { /* if_tsoffset, seconds */
			uint64_t v;
			memcpy(&v, b + o + 4, 8);
			f->ts_off_s = (int64_t)(r->swap ? __builtin_bswap64(v) : v);
		}
		o += 4 + padded;
	}
	r->nifaces++;
	return 0;
}

int pcapr_init(struct pcapr *r, const uint8_t *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (len == 0)
		return bad(r, 0, "empty file");
	if (len < 4)
		return bad(r, 0, "truncated file header");
	uint32_t m;
	memcpy(&m, buf, 4);
	if (m == NG_SHB) {
		r->ng = true;
		return read_shb(r);
	}
	if (m == PCAP_MAGIC_US || m == PCAP_MAGIC_NS) {
		r->swap = false;
	} else if (m == __builtin_bswap32(PCAP_MAGIC_US) || m == __builtin_bswap32(PCAP_MAGIC_NS)) {
		r->swap = true;
		m = __builtin_bswap32(m);
	} else {
		return bad(r, 0, "not a pcap or pcapng file (bad magic)");
	}
	if (len < 24)
		return bad(r, 0, "truncated pcap file header");
	r->nsec = m == PCAP_MAGIC_NS;
	r->snaplen = rd32(r, buf + 16);
	/* the top bits of the link type field carry FCS information (pcap-savefile(5)) */
	r->linktype = (uint16_t)(rd32(r, buf + 20) & 0x0fffffff);
	r->off = 24;
	return 0;
}

static uint64_t ng_ts(const struct pcapr_iface *f, uint64_t ticks)
{
	unsigned __int128 ns = (unsigned __int128)ticks * f->ts_num / f->ts_den;
	return (uint64_t)ns + (uint64_t)f->ts_off_s * 1000000000ull;
}

static int next_classic(struct pcapr *r, struct pcapr_pkt *p)
{
	size_t off = r->off;
	if (off == r->len)
		return 0;
	if (r->len - off < 16)
		return bad(r, off, "truncated packet header");
	const uint8_t *h = r->buf + off;
	uint32_t sec = rd32(r, h), frac = rd32(r, h + 4), caplen = rd32(r, h + 8),
		 len = rd32(r, h + 12);
	if (check_lengths(r, off, caplen, len, r->snaplen) < 0)
		return -1;
	if (frac >= (r->nsec ? 1000000000u : 1000000u))
		return bad(r, off, "bad sub-second timestamp");
	if (r->len - off - 16 < caplen)
		return bad(r, off, "truncated packet");
	p->ts_ns = (uint64_t)sec * 1000000000ull + (r->nsec ? frac : frac * 1000ull);
	p->caplen = caplen;
	p->len = len;
	p->linktype = r->linktype;
	p->data = h + 16;
	p->rec_off = off;
	r->off = off + 16 + caplen;
	r->packets++;
	return 1;
}

static int next_ng(struct pcapr *r, struct pcapr_pkt *p)
{
	for (;;) {
		size_t off = r->off;
		if (off == r->len)
			return 0;
		if (r->len - off < 12)
			return bad(r, off, "truncated pcapng block");
		const uint8_t *b = r->buf + off;
		uint32_t type;
		memcpy(&type, b, 4);
		if (type == NG_SHB) {
			if (read_shb(r) < 0)
				return -1;
			continue;
		}
		type = rd32(r, b);
		uint32_t blen = rd32(r, b + 4);
		if (blen < 12 || blen % 4 || blen > r->len - off)
			return bad(r, off, "bad pcapng block length");
		if (rd32(r, b + blen - 4) != blen)
			return bad(r, off, "pcapng block lengths disagree");
		r->off = off + blen;
		if (type == NG_IDB) {
			if (read_idb(r, b, blen, off) < 0)
				return -1;
			continue;
		}
		if (type != NG_EPB && type != NG_SPB && type != NG_OPB)
			continue; /* statistics, name resolution, custom: not packets */
		uint32_t ifid, caplen, len;
		uint64_t ticks = 0;
		size_t data_off;
		if (type == NG_SPB) {
			if (blen < 16)
				return bad(r, off, "truncated pcapng simple packet block");
			ifid = 0;
			len = rd32(r, b + 8);
			caplen = len;
			if (r->nifaces && r->ifaces[0].snaplen && caplen > r->ifaces[0].snaplen)
				caplen = r->ifaces[0].snaplen; /* an SPB holds min(len, snaplen) */
			data_off = 12;
		} else {
			if (blen < 32)
				return bad(r, off, "truncated pcapng packet block");
			ifid = type == NG_OPB ? rd16(r, b + 8) : rd32(r, b + 8);
			ticks = (uint64_t)rd32(r, b + 12) << 32 | rd32(r, b + 16);
			caplen = rd32(r, b + 20);
			len = rd32(r, b + 24);
			data_off = 28;
		}
		if (ifid >= r->nifaces)
			return bad(r, off, "packet names an interface with no description block");
		const struct pcapr_iface *f = &r->ifaces[ifid];
		if (check_lengths(r, off, caplen, len, f->snaplen) < 0)
			return -1;
		if ((size_t)caplen > blen - data_off - 4)
			return bad(r, off, "truncated packet (captured length runs past its block)");
		/* a simple packet block carries no time: it takes its predecessor's */
		p->ts_ns = type == NG_SPB ? r->last_ts_ns : ng_ts(f, ticks);
		r->last_ts_ns = p->ts_ns;
		p->caplen = caplen;
		p->len = len;
		p->linktype = f->linktype;
		p->data = b + data_off;
		p->rec_off = off;
		r->packets++;
		return 1;
	}
}

int pcapr_next(struct pcapr *r, struct pcapr_pkt *p)
{
	return r->ng ? next_ng(r, p) : next_classic(r, p);
}

int pcapr_map(const char *path, const uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	*len = (size_t)st.st_size;
	if (*len == 0) {
		/* mmap refuses zero bytes; the reader gives the error for an empty capture */
		*buf = (const uint8_t *)"";
		close(fd);
		return 0;
	}
	void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	*buf = m;
	return 0;
}

void pcapr_unmap(const uint8_t *buf, size_t len)
{
	if (len)
		munmap((void *)buf, len);
}
