/* watch_drops.c — the drop counters lab-watch samples: libpcap's (the packet socket's ring),
 * the interface's rx_dropped / rx_missed_errors (sysfs), the driver's ethtool counters whose
 * names say they count drops, and /proc/net/softnet_stat's dropped and time_squeeze per CPU.
 * Every array is allocated at start: a sample costs reads, never memory. */
#include "watch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netif.h"
#include "softnet.h"

static int64_t rt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool drop_name(const char *n)
{
	static const char *const words[] = {"drop", "miss", "discard", "nobuf", "no_buf", "fifo"};
	char low[64];
	size_t i;
	for (i = 0; n[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)n[i]);
	low[i] = 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

static uint64_t read_u64_file(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

/* /proc/net/softnet_stat into d->rows; the row count, or 0. */
static size_t read_softnet(struct wd *d)
{
	char buf[1 << 16];
	size_t len = 0, nrows = 0;
	char err[128];
	int fd = open("/proc/net/softnet_stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return 0;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (sn_parse_stat(buf, len, d->rows, d->maxrows, &nrows, err, sizeof(err)) < 0)
		return 0;
	return nrows;
}

static void setup_eth(struct wd *d)
{
	struct lab_ethtool e = {0};
	if (!d->sysfs || lab_ethtool_read(d->iface, &e) < 0 || !e.n)
		goto out;
	d->eth_idx = calloc(e.n, sizeof(*d->eth_idx));
	d->eth_names = calloc(e.n, sizeof(*d->eth_names));
	if (!d->eth_idx || !d->eth_names)
		goto out;
	for (uint32_t i = 0; i < e.n; i++)
		if (drop_name(e.names[i])) {
			d->eth_idx[d->neth] = i;
			snprintf(d->eth_names[d->neth++], sizeof(d->eth_names[0]), "%s", e.names[i]);
		}
out:
	lab_ethtool_free(&e);
}

static struct wd_sample arrays_of(struct wd *d, size_t idx);

int wd_init(struct wd *d, const char *iface, void *pcap, unsigned extra, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->iface, sizeof(d->iface), "%s", iface);
	d->sysfs = strcmp(iface, "any") != 0;
	d->pcap = pcap;
	d->maxrows = 4096;
	d->rows = calloc(d->maxrows, sizeof(struct sn_row));
	if (!d->rows)
		goto oom;
	size_t nrows = read_softnet(d);
	d->cpus = calloc(nrows ? nrows : 1, sizeof(*d->cpus));
	if (!d->cpus)
		goto oom;
	for (size_t i = 0; i < nrows; i++)
		d->cpus[d->ncpu++] = ((struct sn_row *)d->rows)[i].cpu;
	setup_eth(d);
	d->per = d->neth + 2 * (size_t)d->ncpu;
	d->store = calloc((WD_HIST + extra) * (d->per ? d->per : 1), sizeof(uint64_t));
	if (!d->store)
		goto oom;
	for (unsigned k = 0; k < WD_HIST; k++)
		d->hist[k] = arrays_of(d, k);
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the drop counters");
	wd_free(d);
	return -1;
}

void wd_free(struct wd *d)
{
	free(d->rows);
	free(d->cpus);
	free(d->eth_idx);
	free(d->eth_names);
	free(d->store);
	memset(d, 0, sizeof(*d));
}

/* The arrays of store slot idx: 0..WD_HIST-1 the history's, then the callers'. */
static struct wd_sample arrays_of(struct wd *d, size_t idx)
{
	uint64_t *base = d->store + idx * d->per;
	return (struct wd_sample){.eth = base, .sn_drop = base + d->neth,
				  .sn_sq = base + d->neth + d->ncpu};
}

struct wd_sample wd_slot(struct wd *d, unsigned k)
{
	return arrays_of(d, WD_HIST + (size_t)k);
}

void wd_take(struct wd *d, struct wd_sample *s)
{
	struct pcap_stat ps;
	char path[160];
	memset(&ps, 0, sizeof(ps));
	s->t = rt_now();
	if (d->pcap && pcap_stats(d->pcap, &ps) == 0) {
		s->pcap_recv = ps.ps_recv;
		s->pcap_drop = ps.ps_drop;
		s->pcap_ifdrop = ps.ps_ifdrop;
	}
	if (d->sysfs) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_dropped", d->iface);
		s->rx_dropped = read_u64_file(path);
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_missed_errors", d->iface);
		s->rx_missed = read_u64_file(path);
	}
	if (d->neth) {
		struct lab_ethtool e = {0};
		if (lab_ethtool_read(d->iface, &e) == 0)
			for (uint32_t i = 0; i < d->neth; i++)
				s->eth[i] = d->eth_idx[i] < e.n ? e.vals[d->eth_idx[i]] : 0;
		lab_ethtool_free(&e);
	}
	size_t nrows = read_softnet(d);
	const struct sn_row *rows = d->rows;
	for (uint32_t c = 0; c < d->ncpu; c++) {
		s->sn_drop[c] = s->sn_sq[c] = 0;
		for (size_t r = 0; r < nrows; r++)
			if (rows[r].cpu == d->cpus[c]) {
				s->sn_drop[c] = rows[r].col[SN_DROPPED];
				s->sn_sq[c] = rows[r].col[SN_TIME_SQUEEZE];
			}
	}
}

void wd_tick(struct wd *d)
{
	wd_take(d, &d->hist[d->hpos]);
	d->hpos = (d->hpos + 1) % WD_HIST;
	if (d->hn < WD_HIST)
		d->hn++;
}

const struct wd_sample *wd_before(const struct wd *d, int64_t t)
{
	const struct wd_sample *best = NULL, *oldest = NULL;
	for (unsigned k = 0; k < d->hn; k++) {
		const struct wd_sample *s = &d->hist[(d->hpos + WD_HIST - 1 - k) % WD_HIST];
		oldest = s;
		if (!best && s->t <= t)
			best = s;
	}
	return best ? best : oldest;
}

void wd_copy(const struct wd *d, struct wd_sample *dst, const struct wd_sample *src)
{
	uint64_t *eth = dst->eth, *sd = dst->sn_drop, *sq = dst->sn_sq;
	*dst = *src;
	dst->eth = eth, dst->sn_drop = sd, dst->sn_sq = sq;
	memcpy(eth, src->eth, d->neth * sizeof(*eth));
	memcpy(sd, src->sn_drop, d->ncpu * sizeof(*sd));
	memcpy(sq, src->sn_sq, d->ncpu * sizeof(*sq));
}

void wd_json(struct lab_json *j, const struct wd *d, const struct wd_sample *a,
	     const struct wd_sample *b)
{
	uint64_t sd = 0, ss = 0;
	lab_json_obj(j, "drops");
	lab_json_i64(j, "from_ns", a->t);
	lab_json_i64(j, "to_ns", b->t);
	lab_json_u64(j, "pcap_drop", (uint32_t)(b->pcap_drop - a->pcap_drop));
	lab_json_u64(j, "pcap_ifdrop", (uint32_t)(b->pcap_ifdrop - a->pcap_ifdrop));
	lab_json_u64(j, "rx_dropped", b->rx_dropped - a->rx_dropped);
	lab_json_u64(j, "rx_missed_errors", b->rx_missed - a->rx_missed);
	lab_json_obj(j, "ethtool");
	for (uint32_t i = 0; i < d->neth; i++)
		lab_json_u64(j, d->eth_names[i], b->eth[i] - a->eth[i]);
	lab_json_obj_end(j);
	for (uint32_t c = 0; c < d->ncpu; c++) {
		sd += (uint32_t)(b->sn_drop[c] - a->sn_drop[c]);
		ss += (uint32_t)(b->sn_sq[c] - a->sn_sq[c]);
	}
	lab_json_u64(j, "softnet_dropped", sd);
	lab_json_u64(j, "softnet_time_squeeze", ss);
	lab_json_arr(j, "softnet");
	for (uint32_t c = 0; c < d->ncpu; c++) {
		lab_json_arr_obj(j);
		lab_json_u64(j, "cpu", d->cpus[c]);
		lab_json_u64(j, "dropped", (uint32_t)(b->sn_drop[c] - a->sn_drop[c]));
		lab_json_u64(j, "time_squeeze", (uint32_t)(b->sn_sq[c] - a->sn_sq[c]));
		lab_json_obj_end(j);
	}
	lab_json_arr_end(j);
	lab_json_obj_end(j);
}
