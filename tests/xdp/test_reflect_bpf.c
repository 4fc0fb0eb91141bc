/* test_reflect_bpf.c — the XDP program on the canned frames through BPF_PROG_TEST_RUN, no
 * interface: every frame gets the action and the counter that the userspace verdict of
 * common/frame.c implies, and a good frame in xdptx mode comes back swapped, stamped, flagged and
 * with a valid checksum. In xdpfwd mode a good frame comes back byte for byte as this test
 * forwards it itself (MACs, TTL / hop limit - 1, a from-scratch RFC 1071 IPv4 header checksum
 * and UDP checksum, the mark and the stamps); TTL 0/1 is dropped and counted, marked frames are
 * passed and counted, no out port is an error. Needs root (exit 77 when BPF is not permitted). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "canned.h"
#include "clock.h"
#include "frame.h"
#include "lab_constants.h"
#include "reflect.h"
#include "reflect.skel.h"

static int failures, checks;

#define CHECK(cond, ...)                                                                          \
	do {                                                                                      \
		checks++;                                                                         \
		if (!(cond)) {                                                                    \
			failures++;                                                               \
			printf("not ok: ");                                                       \
			printf(__VA_ARGS__);                                                      \
			printf("\n");                                                             \
		}                                                                                 \
	} while (0)

static const char *const cnames[LAB_XDP_C_COUNT] = {"lab", "passed", "malformed", "redirected",
						     "tx", "errors", "marked", "ttl_expired"};

/* xdpfwd's Ethernet addresses under test (the out port's, the next hop's) */
static const uint8_t fwd_src[6] = LAB_DUT1_MAC_BYTES;
static const uint8_t fwd_dst[6] = LAB_GEN1_MAC_BYTES;

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	if (l == LIBBPF_WARN && getenv("LAB_VERBOSE"))
		return vfprintf(stderr, f, ap);
	return 0;
}

static struct reflect_bpf *load(__u32 mode, __u16 port, __u32 reflected)
{
	struct reflect_bpf *s = reflect_bpf__open();
	if (!s)
		return NULL;
	s->rodata->lab_mode = mode;
	s->rodata->lab_port = port;
	s->rodata->lab_reflected = reflected;
	memcpy((void *)s->rodata->lab_fwd_src, fwd_src, 6);
	memcpy((void *)s->rodata->lab_fwd_dst, fwd_dst, 6);
	int rc = reflect_bpf__load(s);
	if (rc) {
		reflect_bpf__destroy(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

/* xdpfwd: an out port in the DEVMAP (lo: test-run returns the verdict, nothing is sent) */
static int set_out_port(struct reflect_bpf *s)
{
	__u32 k = LAB_XDP_DEVMAP_OUT, lo = 1;
	return bpf_map_update_elem(bpf_map__fd(s->maps.tx_port), &k, &lo, 0);
}

/* RFC 1071 from scratch, independent of common/frame.c: the one's complement sum of n bytes
 * (big-endian 16-bit words, an odd byte padded with zero) added to sum, unfolded. */
static uint32_t ref_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The IPv4 header checksum of the header at ip, as it should be. */
static uint16_t ref_ip_csum(const uint8_t *ip)
{
	uint8_t h[60];
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	memcpy(h, ip, ihl);
	h[10] = h[11] = 0;
	return (uint16_t)~ref_fold(ref_sum(0, h, ihl));
}

/* The UDP checksum of the datagram at udp (its length field says how long), as it should be. */
static uint16_t ref_udp_csum(int family, const uint8_t *ip, const uint8_t *udp)
{
	uint16_t ulen = (uint16_t)(udp[4] << 8 | udp[5]);
	uint8_t d[CANNED_MAX_LEN];
	uint32_t sum = 0;
	memcpy(d, udp, ulen);
	d[6] = d[7] = 0;
	if (family == AF_INET)
		sum = ref_sum(sum, ip + 12, 8);
	else
		sum = ref_sum(sum, ip + 8, 32);
	sum += 17 + ulen; /* protocol and length (IPv6's 32-bit length is < 65536 here) */
	uint16_t c = (uint16_t)~ref_fold(ref_sum(sum, d, ulen));
	return c ? c : 0xffff;
}

static void counters(struct reflect_bpf *s, __u64 out[LAB_XDP_C_COUNT])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v = calloc((size_t)ncpu, sizeof(__u64));
	for (__u32 k = 0; k < LAB_XDP_C_COUNT; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(s->maps.counters), &k, v) == 0)
			for (int c = 0; c < ncpu; c++)
				out[k] += v[c];
	}
	free(v);
}

/* Run one frame; returns the action, the output in out/out_len, and the counters that moved. */
static int run(struct reflect_bpf *s, const uint8_t *in, size_t len, uint8_t *out, __u32 *out_len,
	       __u64 delta[LAB_XDP_C_COUNT])
{
	__u64 before[LAB_XDP_C_COUNT], after[LAB_XDP_C_COUNT];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len, .data_out = out,
		    .data_size_out = *out_len, .repeat = 1);
	counters(s, before);
	int rc = bpf_prog_test_run_opts(bpf_program__fd(s->progs.lab_reflect), &o);
	if (rc)
		return rc;
	counters(s, after);
	for (int k = 0; k < LAB_XDP_C_COUNT; k++)
		delta[k] = after[k] - before[k];
	*out_len = o.data_size_out;
	return (int)o.retval;
}

static const char *moved(const __u64 d[LAB_XDP_C_COUNT])
{
	static char buf[128];
	buf[0] = 0;
	for (int k = 0; k < LAB_XDP_C_COUNT; k++)
		if (d[k])
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s+%llu ", cnames[k],
				 (unsigned long long)d[k]);
	return buf[0] ? buf : "none";
}

/* Expected counters for a frame the userspace parser gives verdict v, in mode. */
static void expect_for(enum lab_verdict v, bool lab_for_us, __u32 mode, __u64 e[LAB_XDP_C_COUNT])
{
	memset(e, 0, sizeof(__u64) * LAB_XDP_C_COUNT);
	if (lab_verdict_malformed(v))
		e[LAB_XDP_C_MALFORMED] = 1;
	else if (v != LAB_OK || !lab_for_us)
		e[LAB_XDP_C_PASSED] = 1;
	else {
		e[LAB_XDP_C_LAB] = 1;
		/* no socket in any XSKMAP slot under test-run: counted and passed to the kernel; xdpfwd
		 * runs with its out port in the DEVMAP */
		e[mode == LAB_XDP_MODE_XSK ? LAB_XDP_C_ERRORS :
		  mode == LAB_XDP_MODE_XDPFWD ? LAB_XDP_C_REDIRECTED : LAB_XDP_C_TX] = 1;
	}
}

/* A good frame forwarded in the driver: the frame this test forwards itself from the input,
 * byte for byte (the stamps: read from the output, checked against the run's window). */
static void check_forward(const char *name, const uint8_t *in, size_t len, const uint8_t *out,
			  __u32 out_len, uint64_t t0, uint64_t t1)
{
	struct lab_parsed pi;
	uint8_t want[CANNED_MAX_LEN], inc[CANNED_MAX_LEN];
	memcpy(inc, in, len);
	CHECK(out_len == len, "%s: forwarded %u bytes, input %zu", name, out_len, len);
	if (out_len != len || lab_frame_parse(inc, len, LAB_PORT_DUT, &pi) != LAB_OK)
		return;
	memcpy(want, in, len);
	memcpy(want, fwd_dst, 6);
	memcpy(want + 6, fwd_src, 6);
	uint8_t *ip = want + pi.l3_off, *udp = want + pi.l4_off, *lab = want + pi.lab_off;
	if (pi.family == AF_INET) {
		ip[8]--;
		uint16_t c = ref_ip_csum(ip);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	} else {
		ip[7]--;
	}
	lab[3] |= LAB_F_FORWARDED;
	if (pi.stamp) {
		lab[3] |= LAB_F_STAMPED;
		memcpy(lab + LAB_HDR_LEN, out + pi.lab_off + LAB_HDR_LEN, LAB_STAMP_LEN);
		uint64_t rx = 0, tx = 0;
		for (int i = 0; i < 8; i++) {
			rx = rx << 8 | lab[LAB_HDR_LEN + i];
			tx = tx << 8 | lab[LAB_HDR_LEN + 8 + i];
		}
		CHECK(t0 <= rx && rx <= tx && tx <= t1, "%s: stamps %llu..%llu outside the run %llu..%llu", name,
		      (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)t0,
		      (unsigned long long)t1);
	}
	if (pi.family == AF_INET6 || udp[6] || udp[7]) { /* a zero IPv4 UDP checksum stays zero */
		uint16_t c = ref_udp_csum(pi.family, ip, udp);
		udp[6] = (uint8_t)(c >> 8);
		udp[7] = (uint8_t)c;
	}
	if (memcmp(out, want, len)) {
		size_t i = 0;
		while (i < len && out[i] == want[i])
			i++;
		CHECK(0, "%s: forwarded frame differs from the expected one first at byte %zu (%02x, want %02x)",
		      name, i, out[i], want[i]);
	}
}

/* A good frame reflected in the driver: compare with the frame that went in. */
static void check_reflection(const char *name, const uint8_t *in, size_t len, const uint8_t *out,
			     __u32 out_len, uint64_t t0, uint64_t t1)
{
	struct lab_parsed pi, po;
	uint8_t inc[CANNED_MAX_LEN];
	memcpy(inc, in, len);
	CHECK(out_len == len, "%s: output %u bytes, input %zu", name, out_len, len);
	if (out_len != len)
		return;
	enum lab_verdict vi = lab_frame_parse(inc, len, LAB_PORT_DUT, &pi);
	enum lab_verdict vo = lab_frame_parse((uint8_t *)out, out_len, LAB_PORT_GEN, &po);
	CHECK(vi == LAB_OK && vo == LAB_OK, "%s: reflected frame parses as %s", name, lab_verdict_name(vo));
	if (vo != LAB_OK)
		return;
	CHECK(!memcmp(out, in + 6, 6) && !memcmp(out + 6, in, 6), "%s: MACs not swapped", name);
	size_t a = pi.family == AF_INET ? 12 : 8, alen = pi.family == AF_INET ? 4 : 16;
	CHECK(!memcmp(out + pi.l3_off + a, in + pi.l3_off + a + alen, alen) &&
	      !memcmp(out + pi.l3_off + a + alen, in + pi.l3_off + a, alen), "%s: IPs not swapped", name);
	CHECK(!memcmp(out + pi.l4_off, in + pi.l4_off + 2, 2) && !memcmp(out + pi.l4_off + 2, in + pi.l4_off, 2),
	      "%s: ports not swapped", name);
	CHECK(po.hdr->flags & LAB_F_REFLECTED, "%s: LAB_F_REFLECTED not set", name);
	CHECK(lab_frame_csum_ok(out, &po), "%s: checksum invalid after reflection", name);
	CHECK(po.hdr->seq == pi.hdr->seq && po.hdr->sent_ns == pi.hdr->sent_ns, "%s: lab header changed", name);
	size_t tail = pi.lab_off + LAB_HDR_LEN + (pi.stamp ? LAB_STAMP_LEN : 0);
	CHECK(!memcmp(out + tail, in + tail, len - tail), "%s: payload after the lab header changed", name);
	if (pi.stamp) {
		uint64_t rx = be64toh(po.stamp->dut_rx_ns), tx = be64toh(po.stamp->dut_tx_ns);
		CHECK(po.hdr->flags & LAB_F_STAMPED, "%s: LAB_F_STAMPED not set", name);
		/* bpf_ktime_get_ns() and CLOCK_MONOTONIC are one clock */
		CHECK(t0 <= rx && rx <= tx && tx <= t1, "%s: stamps %llu..%llu outside the run %llu..%llu", name,
		      (unsigned long long)rx, (unsigned long long)tx, (unsigned long long)t0,
		      (unsigned long long)t1);
	} else {
		CHECK(!(po.hdr->flags & LAB_F_STAMPED), "%s: stamped without LAB_F_STAMP", name);
	}
}

static void corpus(struct reflect_bpf *s, __u32 mode, struct canned *cs, size_t n)
{
	const char *mname = mode == LAB_XDP_MODE_XSK ? "xsk" : mode == LAB_XDP_MODE_XDPTX ? "xdptx" : "xdpfwd";
	for (size_t i = 0; i < n; i++) {
		struct canned *c = &cs[i];
		uint8_t copy[CANNED_MAX_LEN], out[CANNED_MAX_LEN + 256];
		__u32 out_len = sizeof(out);
		__u64 d[LAB_XDP_C_COUNT], e[LAB_XDP_C_COUNT];
		struct lab_parsed p;

		memcpy(copy, c->buf, c->len);
		enum lab_verdict v = lab_frame_parse(copy, c->len, LAB_PORT_DUT, &p);
		CHECK(v == c->expect, "%s: userspace verdict %s, corpus says %s", c->name,
		      lab_verdict_name(v), lab_verdict_name(c->expect));
		uint64_t t0 = lab_now_ns();
		int act = run(s, c->buf, c->len, out, &out_len, d);
		uint64_t t1 = lab_now_ns();
		if (act == -EINVAL && c->len < LAB_ETH_LEN) {
			/* the kernel's test-run refuses frames shorter than an Ethernet header */
			printf("ok: %s/%s: not runnable (test-run needs %d bytes)\n", mname, c->name, LAB_ETH_LEN);
			continue;
		}
		CHECK(act >= 0, "%s/%s: test run failed: %s", mname, c->name, strerror(-act));
		if (act < 0)
			continue;
		expect_for(v, true, mode, e);
		bool lab = v == LAB_OK;
		int want = lab && mode == LAB_XDP_MODE_XDPTX ? XDP_TX :
			   lab && mode == LAB_XDP_MODE_XDPFWD ? XDP_REDIRECT : XDP_PASS;
		CHECK(act == want, "%s/%s (%s): action %d, want %d", mname, c->name, lab_verdict_name(v), act, want);
		CHECK(!memcmp(d, e, sizeof(d)), "%s/%s (%s): counters moved %s", mname, c->name,
		      lab_verdict_name(v), moved(d));
		if (act == XDP_PASS)
			CHECK(out_len == c->len && !memcmp(out, c->buf, c->len), "%s/%s: passed frame was modified",
			      mname, c->name);
		if (lab && mode == LAB_XDP_MODE_XDPTX)
			check_reflection(c->name, c->buf, c->len, out, out_len, t0, t1);
		if (lab && mode == LAB_XDP_MODE_XDPFWD)
			check_forward(c->name, c->buf, c->len, out, out_len, t0, t1);
		printf("ok: %s/%s -> %s, %s\n", mname, c->name,
		       act == XDP_TX ? "XDP_TX" : act == XDP_REDIRECT ? "XDP_REDIRECT" : "XDP_PASS", moved(d));
	}
}

/* LAB_F_REFLECTED policies: a reflector never reflects a reflection; the generator side takes
 * only reflections (to its own port). */
static void policies(void)
{
	struct lab_flow f;
	uint8_t buf[256], out[512];
	__u32 out_len;
	__u64 d[LAB_XDP_C_COUNT], e[LAB_XDP_C_COUNT];
	struct reflect_bpf *dut = load(LAB_XDP_MODE_XDPTX, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	struct reflect_bpf *gen = load(LAB_XDP_MODE_XSK, LAB_PORT_GEN, LAB_XDP_REFL_REQUIRE);
	CHECK(dut && gen, "loading the policy variants: %s", strerror(errno));
	if (!dut || !gen)
		goto out;

	canned_flow(&f, AF_INET, -1);
	size_t len = lab_frame_build(buf, sizeof(buf), &f, 128, 9, LAB_F_STAMP | LAB_F_REFLECTED);
	out_len = sizeof(out);
	int act = run(dut, buf, len, out, &out_len, d);
	memset(e, 0, sizeof(e));
	e[LAB_XDP_C_PASSED] = e[LAB_XDP_C_MARKED] = 1; /* a reflection: passed, and counted marked */
	CHECK(act == XDP_PASS && !memcmp(d, e, sizeof(d)), "reflector: reflected frame -> %d, %s", act, moved(d));

	/* what the DUT sends back: to the generator's port, reflected */
	f.sport = LAB_PORT_DUT;
	f.dport = LAB_PORT_GEN;
	len = lab_frame_build(buf, sizeof(buf), &f, 128, 9, LAB_F_STAMP | LAB_F_STAMPED | LAB_F_REFLECTED);
	out_len = sizeof(out);
	act = run(gen, buf, len, out, &out_len, d);
	expect_for(LAB_OK, true, LAB_XDP_MODE_XSK, e);
	CHECK(act == XDP_PASS && !memcmp(d, e, sizeof(d)), "generator: reflection -> %d, %s", act, moved(d));
	/* and a frame not yet reflected is not the generator's */
	len = lab_frame_build(buf, sizeof(buf), &f, 128, 9, LAB_F_STAMP);
	out_len = sizeof(out);
	act = run(gen, buf, len, out, &out_len, d);
	expect_for(LAB_OK, false, LAB_XDP_MODE_XSK, e);
	CHECK(act == XDP_PASS && !memcmp(d, e, sizeof(d)), "generator: unreflected frame -> %d, %s", act, moved(d));
	printf("ok: LAB_F_REFLECTED policies\n");

	/* a zero IPv4 UDP checksum means "none": it must stay zero, not become a wrong one */
	canned_flow(&f, AF_INET, -1);
	len = lab_frame_build(buf, sizeof(buf), &f, 128, 11, LAB_F_STAMP);
	buf[14 + 20 + 6] = buf[14 + 20 + 7] = 0;
	out_len = sizeof(out);
	act = run(dut, buf, len, out, &out_len, d);
	CHECK(act == XDP_TX && out[14 + 20 + 6] == 0 && out[14 + 20 + 7] == 0,
	      "zero UDP checksum: action %d, checksum %02x%02x", act, out[40], out[41]);
	printf("ok: zero IPv4 UDP checksum stays zero\n");
out:
	reflect_bpf__destroy(dut);
	reflect_bpf__destroy(gen);
}

/* xdpfwd beyond the corpus: TTL / hop limit at the edges, marks, a zero IPv4 UDP checksum, no
 * out port. */
static void forwarding(void)
{
	struct lab_flow f;
	uint8_t buf[256], out[512];
	__u32 out_len;
	__u64 d[LAB_XDP_C_COUNT], e[LAB_XDP_C_COUNT];
	struct reflect_bpf *fwd = load(LAB_XDP_MODE_XDPFWD, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	struct reflect_bpf *noport = load(LAB_XDP_MODE_XDPFWD, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	CHECK(fwd && noport, "loading the xdpfwd variants: %s", strerror(errno));
	if (!fwd || !noport)
		goto out;
	CHECK(set_out_port(fwd) == 0, "the out port into the DEVMAP: %s", strerror(errno));
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		const char *fn = fam ? "IPv6 hop limit" : "IPv4 TTL";
		canned_flow(&f, family, -1);
		static const int ttls[] = {0, 1, 2, 64, 255};
		for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
			size_t len = lab_frame_build(buf, sizeof(buf), &f, 160, 7, LAB_F_STAMP);
			struct lab_parsed p;
			lab_frame_parse(buf, len, LAB_PORT_DUT, &p);
			uint8_t *ip = buf + p.l3_off;
			if (family == AF_INET) {
				ip[8] = (uint8_t)ttls[i];
				uint16_t c = ref_ip_csum(ip);
				ip[10] = (uint8_t)(c >> 8);
				ip[11] = (uint8_t)c;
			} else {
				ip[7] = (uint8_t)ttls[i];
			}
			out_len = sizeof(out);
			uint64_t t0 = lab_now_ns();
			int act = run(fwd, buf, len, out, &out_len, d);
			uint64_t t1 = lab_now_ns();
			memset(e, 0, sizeof(e));
			e[LAB_XDP_C_LAB] = 1;
			if (ttls[i] <= 1) {
				e[LAB_XDP_C_TTL_EXPIRED] = 1;
				CHECK(act == XDP_DROP && !memcmp(d, e, sizeof(d)), "%s %d: action %d, %s (want XDP_DROP, "
				      "ttl_expired)", fn, ttls[i], act, moved(d));
			} else {
				e[LAB_XDP_C_REDIRECTED] = 1;
				CHECK(act == XDP_REDIRECT && !memcmp(d, e, sizeof(d)), "%s %d: action %d, %s", fn,
				      ttls[i], act, moved(d));
				char name[64];
				snprintf(name, sizeof(name), "%s %d", fn, ttls[i]);
				check_forward(name, buf, len, out, out_len, t0, t1);
				CHECK(out[p.l3_off + (family == AF_INET ? 8 : 7)] == ttls[i] - 1, "%s %d: now %u", fn,
				      ttls[i], out[p.l3_off + (family == AF_INET ? 8 : 7)]);
			}
		}
		printf("ok: xdpfwd: %s 0 and 1 dropped (ttl_expired), 2, 64, 255 forwarded one lower\n", fn);

		/* already marked: passed untouched, counted */
		static const uint8_t marks[] = {LAB_F_FORWARDED, LAB_F_REFLECTED, LAB_F_FORWARDED | LAB_F_STAMPED};
		for (size_t i = 0; i < sizeof(marks); i++) {
			size_t len = lab_frame_build(buf, sizeof(buf), &f, 160, 8, LAB_F_STAMP | marks[i]);
			out_len = sizeof(out);
			int act = run(fwd, buf, len, out, &out_len, d);
			memset(e, 0, sizeof(e));
			e[LAB_XDP_C_PASSED] = e[LAB_XDP_C_MARKED] = 1;
			CHECK(act == XDP_PASS && !memcmp(d, e, sizeof(d)) && out_len == len && !memcmp(out, buf, len),
			      "%s flags 0x%02x: action %d, %s, %s", fam ? "IPv6" : "IPv4", marks[i] | LAB_F_STAMP, act,
			      moved(d), out_len == len && !memcmp(out, buf, len) ? "unchanged" : "modified");
		}
		printf("ok: xdpfwd %s: forwarded or reflected frames passed untouched, counted passed and marked\n",
		       fam ? "IPv6" : "IPv4");

		/* no out port in the DEVMAP: an error, dropped */
		size_t len = lab_frame_build(buf, sizeof(buf), &f, 128, 9, 0);
		out_len = sizeof(out);
		int act = run(noport, buf, len, out, &out_len, d);
		memset(e, 0, sizeof(e));
		e[LAB_XDP_C_LAB] = 1;
		e[LAB_XDP_C_ERRORS] = 1;
		CHECK(act == XDP_DROP && !memcmp(d, e, sizeof(d)), "%s no out port: action %d, %s",
		      fam ? "IPv6" : "IPv4", act, moved(d));
		printf("ok: xdpfwd %s: no out port -> XDP_DROP, errors\n", fam ? "IPv6" : "IPv4");
	}

	/* a zero IPv4 UDP checksum means "none": it stays zero when forwarded */
	canned_flow(&f, AF_INET, -1);
	size_t len = lab_frame_build(buf, sizeof(buf), &f, 128, 11, LAB_F_STAMP);
	buf[14 + 20 + 6] = buf[14 + 20 + 7] = 0;
	out_len = sizeof(out);
	uint64_t t0 = lab_now_ns();
	int act = run(fwd, buf, len, out, &out_len, d);
	uint64_t t1 = lab_now_ns();
	CHECK(act == XDP_REDIRECT && out[14 + 20 + 6] == 0 && out[14 + 20 + 7] == 0,
	      "xdpfwd zero UDP checksum: action %d, checksum %02x%02x", act, out[40], out[41]);
	check_forward("xdpfwd zero UDP checksum", buf, len, out, out_len, t0, t1);
	printf("ok: xdpfwd: zero IPv4 UDP checksum stays zero\n");
out:
	reflect_bpf__destroy(fwd);
	reflect_bpf__destroy(noport);
}

int main(void)
{
	static struct canned cs[64];
	size_t n = canned_frames(cs, 64);
	libbpf_set_print(quiet);

	if (geteuid() != 0) {
		printf("skip: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	struct reflect_bpf *xsk = load(LAB_XDP_MODE_XSK, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	if (!xsk && (errno == EPERM || errno == EACCES)) {
		printf("skip: loading BPF programs is not permitted here\n");
		return 77;
	}
	if (!xsk) {
		printf("not ok: loading the XDP program (xsk mode): %s\n", strerror(errno));
		return 1;
	}
	struct reflect_bpf *tx = load(LAB_XDP_MODE_XDPTX, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	if (!tx) {
		printf("not ok: loading the XDP program (xdptx mode): %s\n", strerror(errno));
		reflect_bpf__destroy(xsk);
		return 1;
	}
	size_t malformed = 0;
	for (size_t i = 0; i < n; i++)
		malformed += lab_verdict_malformed(cs[i].expect);
	printf("# %zu canned frames, %zu malformed\n", n, malformed);
	struct reflect_bpf *fwd = load(LAB_XDP_MODE_XDPFWD, LAB_PORT_DUT, LAB_XDP_REFL_FORBID);
	if (!fwd || set_out_port(fwd)) {
		printf("not ok: loading the XDP program (xdpfwd mode) with its out port: %s\n", strerror(errno));
		reflect_bpf__destroy(fwd);
		reflect_bpf__destroy(xsk);
		reflect_bpf__destroy(tx);
		return 1;
	}
	corpus(xsk, LAB_XDP_MODE_XSK, cs, n);
	corpus(tx, LAB_XDP_MODE_XDPTX, cs, n);
	corpus(fwd, LAB_XDP_MODE_XDPFWD, cs, n);
	policies();
	forwarding();
	reflect_bpf__destroy(xsk);
	reflect_bpf__destroy(tx);
	reflect_bpf__destroy(fwd);
	printf("%s: %d checks, %d failed\n", failures ? "FAIL" : "PASS", checks, failures);
	return failures ? 1 : 0;
}
