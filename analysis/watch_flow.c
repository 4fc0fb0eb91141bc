/* watch_flow.c — see watch_flow.h. */
#include "watch_flow.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

int wflows_init(struct wflows *f)
{
	memset(f, 0, sizeof(*f));
	f->slot = calloc(WF_SLOTS, sizeof(*f->slot));
	return f->slot ? 0 : -1;
}

void wflows_free(struct wflows *f)
{
	free(f->slot);
	f->slot = NULL;
}

void wflows_reset(struct wflows *f)
{
	if (f->slot)
		memset(f->slot, 0, WF_SLOTS * sizeof(*f->slot));
	f->other = f->unknown = 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void parse_l4(const uint8_t *p, const uint8_t *end, struct wflow_key *k)
{
	if ((k->proto == 6 || k->proto == 17 || k->proto == 132) && end - p >= 4) {
		k->sport = be16(p);
		k->dport = be16(p + 2);
	}
}

static void parse_ip(const uint8_t *p, const uint8_t *end, struct wflow_key *k)
{
	if (end - p >= 20 && p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;
		k->family = 4;
		k->proto = p[9];
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
		if ((be16(p + 6) & 0x1fff) == 0 && ihl >= 20 && (size_t)(end - p) >= ihl)
			parse_l4(p + ihl, end, k);
	} else if (end - p >= 40 && p[0] >> 4 == 6) {
		k->family = 6;
		k->proto = p[6];
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
		parse_l4(p + 40, end, k);
	}
}

void wflow_parse(const uint8_t *p, uint32_t caplen, int linktype, struct wflow_key *k)
{
	const uint8_t *end = p + caplen;
	uint16_t type = 0;
	memset(k, 0, sizeof(*k));
	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < 14)
			return;
		type = be16(p + 12);
		p += 14;
		for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8) && end - p >= 4; i++) {
			type = be16(p + 2);
			p += 4;
		}
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return;
		type = be16(p + 14);
		p += 16;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return;
		type = be16(p);
		p += 20;
		break;
	case DLT_RAW:
		parse_ip(p, end, k);
		return;
	default:
		return;
	}
	if (type == 0x0800 || type == 0x86dd)
		parse_ip(p, end, k);
}

static uint32_t hash_key(const struct wflow_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

void wflows_add(struct wflows *f, const struct wflow_key *k, uint32_t len)
{
	if (!k) {
		f->unknown++;
		return;
	}
	uint32_t h = hash_key(k);
	for (uint32_t probe = 0; probe < 16; probe++) {
		struct wflow *s = &f->slot[(h + probe) % WF_SLOTS];
		if (!s->used) {
			*s = (struct wflow){.k = *k, .used = true};
		} else if (memcmp(&s->k, k, sizeof(*k)) != 0) {
			continue;
		}
		s->packets++;
		s->bytes += len;
		return;
	}
	f->other++;
}

int wdict_init(struct wflow_dict *d, uint32_t n)
{
	d->n = n;
	d->e = calloc(n, sizeof(*d->e));
	return d->e ? 0 : -1;
}

void wdict_free(struct wflow_dict *d)
{
	free(d->e);
	d->e = NULL;
}

uint32_t wdict_put(struct wflow_dict *d, const struct wflow_key *k, uint64_t seq, uint64_t head)
{
	uint32_t h = hash_key(k), free_at = WDICT_NONE;
	for (uint32_t probe = 0; probe < 32; probe++) {
		uint32_t i = (h + probe) % d->n;
		struct wdict_ent *e = &d->e[i];
		if (e->used && e->last >= head && memcmp(&e->k, k, sizeof(*k)) == 0) {
			e->last = seq;
			return i;
		}
		if (free_at == WDICT_NONE && (!e->used || e->last < head))
			free_at = i; /* empty, or no undecided packet names it any more */
	}
	if (free_at != WDICT_NONE)
		d->e[free_at] = (struct wdict_ent){.k = *k, .last = seq, .used = true};
	return free_at;
}

const struct wflow_key *wdict_key(const struct wflow_dict *d, uint32_t slot)
{
	return slot == WDICT_NONE ? NULL : &d->e[slot].k;
}

static const char *proto_name(const struct wflow_key *k)
{
	switch (k->proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return k->family == 4 ? "icmp" : "other";
	case 58: return k->family == 6 ? "icmpv6" : "other";
	default: return "other";
	}
}

void wflows_json(struct lab_json *j, const struct wflows *f, uint64_t total)
{
	const struct wflow *top[WF_TOP] = {0};
	unsigned n = 0;
	uint64_t in_top = 0;
	char a[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < WF_SLOTS; i++) {
		const struct wflow *s = &f->slot[i];
		unsigned at = n;
		if (!s->used)
			continue;
		while (at > 0 && top[at - 1]->packets < s->packets)
			at--;
		if (at >= WF_TOP)
			continue;
		if (n < WF_TOP)
			n++;
		memmove(&top[at + 1], &top[at], (n - 1 - at) * sizeof(top[0]));
		top[at] = s;
	}
	lab_json_arr(j, "top_flows");
	for (unsigned i = 0; i < n; i++) {
		const struct wflow_key *k = &top[i]->k;
		int fam = k->family == 6 ? AF_INET6 : AF_INET;
		lab_json_arr_obj(j);
		lab_json_str(j, "proto", k->family ? proto_name(k) : "other");
		lab_json_str(j, "src", k->family && inet_ntop(fam, k->src, a, sizeof(a)) ? a : "");
		lab_json_str(j, "dst", k->family && inet_ntop(fam, k->dst, a, sizeof(a)) ? a : "");
		lab_json_u64(j, "sport", k->sport);
		lab_json_u64(j, "dport", k->dport);
		lab_json_u64(j, "packets", top[i]->packets);
		lab_json_u64(j, "bytes", top[i]->bytes);
		lab_json_obj_end(j);
		in_top += top[i]->packets;
	}
	lab_json_arr_end(j);
	lab_json_u64(j, "other_flows_packets", total > in_top ? total - in_top : 0);
	lab_json_u64(j, "unknown_flow_packets", f->unknown);
}
