/* test_kern_batch.c — lab-kern's decisions on hand-made payloads (what is reflected, how each
 * refusal is counted, what the stamps hold) and its ancillary-data parsing and building. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kern_batch.h"
#include "kern_sock.h"
#include "lab_constants.h"

static size_t lab_payload(uint8_t *b, size_t len, uint32_t seq, uint8_t flags)
{
	struct lab_hdr *h = (struct lab_hdr *)b;
	memset(b, 0xa5, len);
	h->magic = htons(LAB_MAGIC);
	h->version = LAB_VERSION;
	h->flags = flags;
	h->seq = htonl(seq);
	h->sent_ns = htobe64(1000 + seq);
	h->late_ns = 0;
	return len;
}

static void batch_mixed(void **state)
{
	(void)state;
	uint8_t b[8][64];
	struct kern_pkt p[8] = {0};
	struct kern_counts c = {0};
	for (int i = 0; i < 8; i++) {
		p[i].payload = b[i];
		p[i].rx_ns = 5000 + (uint64_t)i;
	}
	p[0].len = lab_payload(b[0], 22, 0, 0);                   /* good, 64 B frame */
	p[1].len = lab_payload(b[1], 64, 1, LAB_F_STAMP);         /* good, stamped */
	p[2].len = lab_payload(b[2], 19, 2, 0);                   /* header cut short */
	p[3].len = lab_payload(b[3], 22, 3, 0);
	b[3][0] ^= 0x01;                                          /* wrong magic */
	p[4].len = lab_payload(b[4], 22, 4, LAB_F_REFLECTED);     /* already reflected */
	p[5].len = lab_payload(b[5], 30, 5, LAB_F_STAMP);         /* no room for the stamps */
	p[6].len = lab_payload(b[6], 22, 6, 0x40);                /* unknown flag */
	p[7].len = lab_payload(b[7], 64, 7, 0);
	p[7].truncated = true;                                    /* bigger than the slot */

	assert_int_equal(kern_classify(&c, p, 8), 2);
	assert_true(p[0].send && p[1].send);
	for (int i = 2; i < 8; i++)
		assert_false(p[i].send);
	assert_null(p[0].stamp);
	assert_ptr_equal(p[1].stamp, b[1] + LAB_HDR_LEN);
	assert_int_equal(c.received, 8);
	assert_int_equal(c.not_lab, 1);
	assert_int_equal(c.already_reflected, 1);
	assert_int_equal(c.malformed, 5);
	assert_int_equal(c.by_verdict[LAB_E_LAB_TRUNC], 1);
	assert_int_equal(c.by_verdict[LAB_E_MAGIC], 1);
	assert_int_equal(c.by_verdict[LAB_E_STAMP_TRUNC], 1);
	assert_int_equal(c.by_verdict[LAB_E_FLAGS], 1);
	assert_int_equal(c.truncated, 1);

	uint8_t before4[64], before0_tail[2];
	memcpy(before4, b[4], sizeof(before4));
	memcpy(before0_tail, b[0] + 20, 2);
	kern_reflect(p, 8, 9999);
	const struct lab_hdr *h0 = (const struct lab_hdr *)b[0], *h1 = (const struct lab_hdr *)b[1];
	assert_int_equal(h0->flags, LAB_F_REFLECTED);
	assert_memory_equal(b[0] + 20, before0_tail, 2);
	assert_int_equal(h1->flags, LAB_F_STAMP | LAB_F_STAMPED | LAB_F_REFLECTED);
	const struct lab_stamp *st = (const struct lab_stamp *)(b[1] + LAB_HDR_LEN);
	assert_int_equal(be64toh(st->dut_rx_ns), 5001);
	assert_int_equal(be64toh(st->dut_tx_ns), 9999);
	/* what was refused is left as it came */
	assert_memory_equal(b[4], before4, sizeof(before4));
}

static void batch_counts_accumulate(void **state)
{
	(void)state;
	uint8_t b[22];
	struct kern_pkt p = {.payload = b};
	struct kern_counts c = {0};
	for (uint32_t i = 0; i < 100; i++) {
		p.len = lab_payload(b, sizeof(b), i, i % 2 ? LAB_F_REFLECTED : 0);
		kern_classify(&c, &p, 1);
	}
	assert_int_equal(c.received, 100);
	assert_int_equal(c.not_lab, 50);
	assert_int_equal(c.malformed, 0);
}

/* A received msghdr as the kernel would fill it, from these cmsgs. */
static size_t put_cmsg(uint8_t *ctl, size_t off, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(ctl + off);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return off + CMSG_SPACE(len);
}

static void rx_meta_v6_mapped(void **state)
{
	(void)state;
	uint8_t ctl[KERN_RX_CMSG_LEN] __attribute__((aligned(8))) = {0};
	struct timespec ts[3] = {{.tv_sec = 1700000000, .tv_nsec = 123456789}, {0}, {0}};
	uint32_t ovfl = 17;
	struct in6_pktinfo pi = {.ipi6_ifindex = 5};
	inet_pton(AF_INET6, "::ffff:" LAB_DUT_V4, &pi.ipi6_addr);
	size_t off = put_cmsg(ctl, 0, SOL_SOCKET, SCM_TIMESTAMPING, ts, sizeof(ts));
	off = put_cmsg(ctl, off, SOL_SOCKET, SO_RXQ_OVFL, &ovfl, sizeof(ovfl));
	off = put_cmsg(ctl, off, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	struct msghdr m = {.msg_control = ctl, .msg_controllen = off};
	struct kern_rx_meta meta;
	kern_rx_meta_parse(&m, &meta);
	assert_true(meta.have_ts);
	assert_true(meta.rt_ns == 1700000000123456789ull);
	assert_true(meta.have_ovfl);
	assert_int_equal(meta.ovfl, 17);
	assert_int_equal(meta.pi_family, AF_INET6);

	/* the reply says: leave from the address the request came to, on its interface */
	uint8_t tx[KERN_TX_CMSG_LEN] __attribute__((aligned(8)));
	size_t tl = kern_tx_cmsg_build(&meta, tx, sizeof(tx));
	assert_int_equal(tl, CMSG_SPACE(sizeof(struct in6_pktinfo)));
	struct msghdr tm = {.msg_control = tx, .msg_controllen = tl};
	struct cmsghdr *c = CMSG_FIRSTHDR(&tm);
	assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
	assert_int_equal(c->cmsg_type, IPV6_PKTINFO);
	assert_memory_equal(CMSG_DATA(c), &pi, sizeof(pi));
}

static void rx_meta_v4_and_empty(void **state)
{
	(void)state;
	uint8_t ctl[KERN_RX_CMSG_LEN] __attribute__((aligned(8))) = {0};
	struct in_pktinfo pi = {.ipi_ifindex = 3};
	inet_pton(AF_INET, LAB_DUT_V4, &pi.ipi_addr);
	inet_pton(AF_INET, "198.18.0.9", &pi.ipi_spec_dst);
	/* an all-zero software stamp means the kernel took none */
	struct timespec ts[3] = {{0}, {0}, {.tv_sec = 5}};
	size_t off = put_cmsg(ctl, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	off = put_cmsg(ctl, off, SOL_SOCKET, SCM_TIMESTAMPING, ts, sizeof(ts));
	struct msghdr m = {.msg_control = ctl, .msg_controllen = off};
	struct kern_rx_meta meta;
	kern_rx_meta_parse(&m, &meta);
	assert_false(meta.have_ts);
	assert_false(meta.have_ovfl);
	assert_int_equal(meta.pi_family, AF_INET);

	uint8_t tx[KERN_TX_CMSG_LEN] __attribute__((aligned(8)));
	size_t tl = kern_tx_cmsg_build(&meta, tx, sizeof(tx));
	struct msghdr tm = {.msg_control = tx, .msg_controllen = tl};
	struct cmsghdr *c = CMSG_FIRSTHDR(&tm);
	assert_non_null(c);
	struct in_pktinfo out;
	memcpy(&out, CMSG_DATA(c), sizeof(out));
	/* the source is the request's destination (ipi_addr), not the routing guess */
	assert_int_equal(out.ipi_spec_dst.s_addr, pi.ipi_addr.s_addr);
	assert_int_equal(out.ipi_ifindex, 3);

	struct msghdr none = {0};
	kern_rx_meta_parse(&none, &meta);
	assert_int_equal(meta.pi_family, 0);
	assert_int_equal(kern_tx_cmsg_build(&meta, tx, sizeof(tx)), 0);
	/* no room: nothing rather than a cut cmsg */
	meta.pi_family = AF_INET6;
	assert_int_equal(kern_tx_cmsg_build(&meta, tx, 8), 0);
}

/* The relay: TTL 0 and 1 are refused as ttl_expired, a missing TTL as ttl_missing (and a
 * tx error), TTL 2 goes; an already forwarded payload is not_lab; stamps per family. */
static void fwd_ttl_and_marks(void **state)
{
	(void)state;
	uint8_t b[6][64];
	struct kern_pkt p[6] = {0};
	struct kern_counts c = {0};
	static const int ttl[6] = {0, 1, 2, 255, -1, 64};
	static const int fam[6] = {AF_INET, AF_INET6, AF_INET, AF_INET6, AF_INET, AF_INET};
	for (int i = 0; i < 6; i++) {
		p[i].payload = b[i];
		p[i].len = lab_payload(b[i], 64, (uint32_t)i, i == 5 ? LAB_F_FORWARDED : LAB_F_STAMP);
		p[i].rx_ns = 100 + (uint64_t)i;
		p[i].ttl = ttl[i];
		p[i].family = fam[i];
	}
	assert_int_equal(kern_classify(&c, p, 6), 5);
	assert_int_equal(c.already_reflected, 1);
	assert_int_equal(kern_fwd_check(&c, p, 6), 2);
	assert_true(p[2].send && p[3].send);
	assert_false(p[0].send || p[1].send || p[4].send || p[5].send);
	assert_int_equal(c.ttl_expired, 2);
	assert_int_equal(c.ttl_missing, 1);
	assert_int_equal(c.tx_errors, 1);

	uint8_t before3[64];
	memcpy(before3, b[3], sizeof(before3));
	kern_fwd_stamp(p, 6, AF_INET, 777);
	const struct lab_hdr *h2 = (const struct lab_hdr *)b[2], *h0 = (const struct lab_hdr *)b[0];
	assert_int_equal(h2->flags, LAB_F_STAMP | LAB_F_STAMPED | LAB_F_FORWARDED);
	const struct lab_stamp *st = (const struct lab_stamp *)(b[2] + LAB_HDR_LEN);
	assert_int_equal(be64toh(st->dut_rx_ns), 102);
	assert_int_equal(be64toh(st->dut_tx_ns), 777);
	assert_int_equal(h0->flags, LAB_F_STAMP); /* expired: untouched */
	assert_memory_equal(b[3], before3, sizeof(before3)); /* the other family: not yet */
	kern_fwd_stamp(p, 6, AF_INET6, 888);
	assert_int_equal(((const struct lab_hdr *)b[3])->flags, LAB_F_STAMP | LAB_F_STAMPED | LAB_F_FORWARDED);
}

static void ttl_cmsgs(void **state)
{
	(void)state;
	uint8_t ctl[KERN_RX_CMSG_LEN] __attribute__((aligned(8))) = {0};
	int t4 = 37, t6 = 2;
	size_t off = put_cmsg(ctl, 0, IPPROTO_IP, IP_TTL, &t4, sizeof(t4));
	struct msghdr m = {.msg_control = ctl, .msg_controllen = off};
	struct kern_rx_meta meta;
	kern_rx_meta_parse(&m, &meta);
	assert_int_equal(meta.ttl_family, AF_INET);
	assert_int_equal(meta.ttl, 37);
	memset(ctl, 0, sizeof(ctl));
	off = put_cmsg(ctl, 0, IPPROTO_IPV6, IPV6_HOPLIMIT, &t6, sizeof(t6));
	m.msg_controllen = off;
	kern_rx_meta_parse(&m, &meta);
	assert_int_equal(meta.ttl_family, AF_INET6);
	assert_int_equal(meta.ttl, 2);

	uint8_t tx[KERN_TX_CMSG_LEN] __attribute__((aligned(8)));
	for (int f = 0; f < 2; f++) {
		int family = f ? AF_INET6 : AF_INET, got;
		size_t tl = kern_tx_ttl_cmsg_build(family, 36, tx, sizeof(tx));
		assert_int_equal(tl, CMSG_SPACE(sizeof(int)));
		struct msghdr tm = {.msg_control = tx, .msg_controllen = tl};
		struct cmsghdr *c = CMSG_FIRSTHDR(&tm);
		assert_int_equal(c->cmsg_level, f ? IPPROTO_IPV6 : IPPROTO_IP);
		assert_int_equal(c->cmsg_type, f ? IPV6_HOPLIMIT : IP_TTL);
		memcpy(&got, CMSG_DATA(c), sizeof(got));
		assert_int_equal(got, 36);
	}
	assert_int_equal(kern_tx_ttl_cmsg_build(AF_INET, 1, tx, 8), 0);
	assert_int_equal(kern_tx_ttl_cmsg_build(AF_UNIX, 1, tx, sizeof(tx)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_mixed),
		cmocka_unit_test(batch_counts_accumulate),
		cmocka_unit_test(rx_meta_v6_mapped),
		cmocka_unit_test(rx_meta_v4_and_empty),
		cmocka_unit_test(fwd_ttl_and_marks),
		cmocka_unit_test(ttl_cmsgs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
