/* fuzz_wflow.c — libFuzzer harness for lab-watch's packet path (analysis/watch_flow.c,
 * watch_ring.c), as watch.c's on_packet drives it: every captured frame into the ring, its
 * 5-tuple parsed (wflow_parse) into the dictionary of undecided packets, counted into the
 * burst's flows, whose top ones become JSON. The input is a sequence of frames, each
 * [u8 linktype selector][u16 caplen, little-endian][bytes]; each frame is an exact-size heap
 * copy, so ASan sees any read past it. */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "watch_flow.h"
#include "watch_ring.h"

static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL};

static void check_key(const struct wflow_key *k)
{
	if (k->family != 0 && k->family != 4 && k->family != 6)
		__builtin_trap();
	if (k->family == 0 && (k->proto || k->sport || k->dport))
		__builtin_trap();
}

/* oldest first: consecutive seqs ending at the newest, from first_seq on */
static void check_ring(const struct wring *r, uint64_t n)
{
	uint64_t v = wring_first(r), want = r->first_seq;
	const struct wrec *w;
	while ((w = wring_next(r, &v))) {
		if (w->seq != want++ || w->caplen > r->size / 4)
			__builtin_trap();
	}
	if (n && want != n)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wflows fl;
	static struct wflow_dict dict;
	struct wring ring;
	size_t at = 0;
	uint64_t seq = 0;

	if (!fl.slot && (wflows_init(&fl) < 0 || wdict_init(&dict, 64) < 0))
		abort();
	if (wring_init(&ring, 4096) < 0) /* small: records wrap and are given up often */
		abort();
	wflows_reset(&fl);
	memset(dict.e, 0, dict.n * sizeof(*dict.e));
	while (at + 3 <= size) {
		int lt = linktypes[data[at] % (sizeof(linktypes) / sizeof(linktypes[0]))];
		uint32_t cap = (uint32_t)data[at + 1] | (uint32_t)data[at + 2] << 8;
		at += 3;
		if (cap > size - at)
			cap = (uint32_t)(size - at);
		uint8_t *pkt = malloc(cap ? cap : 1);
		if (!pkt)
			abort();
		memcpy(pkt, data + at, cap);
		at += cap;
		struct wflow_key k;
		wflow_parse(pkt, cap, lt, &k);
		check_key(&k);
		uint32_t room = cap > ring.size / 4 ? (uint32_t)(ring.size / 4) : cap;
		uint64_t v = wring_put(&ring, seq, (int64_t)seq * 1000, room, cap, pkt);
		const struct wrec *r = wring_get(&ring, seq, v);
		if (!r || r->seq != seq || r->caplen != room || memcmp(r + 1, pkt, room) != 0)
			__builtin_trap();
		uint32_t slot = wdict_put(&dict, &k, seq, seq > 8 ? seq - 8 : 0);
		const struct wflow_key *dk = wdict_key(&dict, slot);
		if (dk && memcmp(dk, &k, sizeof(k)) != 0)
			__builtin_trap();
		wflows_add(&fl, dk, cap);
		free(pkt);
		seq++;
	}
	check_ring(&ring, seq);
	wring_free(&ring);
	FILE *null = fopen("/dev/null", "w");
	if (null) {
		struct lab_json j;
		lab_json_begin(&j, null);
		wflows_json(&j, &fl, seq);
		lab_json_end(&j);
		fclose(null);
	}
	return 0;
}
