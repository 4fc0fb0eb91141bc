/* test_kern_snmp.c — the RcvbufErrors parsers on saved /proc/net/snmp and snmp6 text, and the
 * realtime offset bookkeeping of kern_clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "kern_clock.h"
#include "kern_snmp.h"
#include "kfwd_ctr.h"

static const char snmp_saved[] =
"Ip: Forwarding DefaultTTL InReceives InHdrErrors\n"
"Ip: 2 64 1000 0\n"
"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
"Udp: 78 0 5 79 4242 0 0 0 0\n"
"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
"UdpLite: 0 0 0 0 17 0 0 0 0\n";

static void snmp_v4(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(kern_snmp_udp_rcvbuf(snmp_saved, &v), 0);
	assert_int_equal(v, 4242);
}

static void snmp_v4_udplite_first(void **state)
{
	/* UdpLite's table must not be taken for Udp's, whatever the order */
	(void)state;
	static const char t[] =
		"UdpLite: InDatagrams RcvbufErrors\nUdpLite: 1 17\n"
		"Udp: InDatagrams NoPorts RcvbufErrors\nUdp: 5 6 18446744073709551615\n";
	uint64_t v = 0;
	assert_int_equal(kern_snmp_udp_rcvbuf(t, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void snmp_v4_bad(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(kern_snmp_udp_rcvbuf("", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams NoPorts\nUdp: 1 2\n", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams RcvbufErrors\n", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams RcvbufErrors\nUdp: 1\n", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams RcvbufErrors\nUdp: 1 x9\n", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams RcvbufErrors\nUdp: 1 -3\n", &v), -1);
	assert_int_equal(kern_snmp_udp_rcvbuf("Udp: InDatagrams RcvbufErrors\nUdp: 1 99999999999999999999999\n", &v), -1);
	assert_int_equal(v, 7);
}

static void snmp6(void **state)
{
	(void)state;
	static const char t[] =
		"Ip6InReceives                   \t120\n"
		"Udp6InDatagrams                 \t10\n"
		"Udp6RcvbufErrors                \t31\n"
		"UdpLite6RcvbufErrors            \t99\n";
	uint64_t v = 0;
	assert_int_equal(kern_snmp6_udp_rcvbuf(t, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(kern_snmp6_udp_rcvbuf("UdpLite6RcvbufErrors 3\n", &v), -1);
	assert_int_equal(kern_snmp6_udp_rcvbuf("Udp6RcvbufErrors\n", &v), -1);
	/* no newline at the end of the text */
	assert_int_equal(kern_snmp6_udp_rcvbuf("Udp6RcvbufErrors 5", &v), 0);
	assert_int_equal(v, 5);
}

/* The forwarding counters lab-kfwd reads: any column of a table, netstat's IpExt, snmp6 lines. */
static void snmp_fields(void **state)
{
	(void)state;
	static const char t[] =
		"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams\n"
		"Ip: 1 64 1000 7 3 990\n"
		"Icmp: InMsgs OutTimeExcds\nIcmp: 4 6\n"
		"IpExt: InNoRoutes InTruncatedPkts\nIpExt: 2 5\n";
	uint64_t v = 0;
	assert_int_equal(kern_snmp_field(t, "Ip", "ForwDatagrams", &v), 0);
	assert_int_equal(v, 990);
	assert_int_equal(kern_snmp_field(t, "Ip", "InHdrErrors", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(kern_snmp_field(t, "Icmp", "OutTimeExcds", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(kern_snmp_field(t, "IpExt", "InTruncatedPkts", &v), 0);
	assert_int_equal(v, 5);
	/* "Ip" is not "IpExt", nor the other way */
	assert_int_equal(kern_snmp_field(t, "Ip", "InNoRoutes", &v), -1);
	assert_int_equal(kern_snmp_field(t, "IpExt", "ForwDatagrams", &v), -1);
	assert_int_equal(kern_snmp_field(t, "Tcp", "InSegs", &v), -1);
	assert_int_equal(kern_snmp6_field("Ip6InHdrErrors \t3\nIp6OutForwDatagrams\t12\n",
					  "Ip6OutForwDatagrams", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(kern_snmp6_field("Ip6OutForwDatagramsX 1\n", "Ip6OutForwDatagrams", &v), -1);
}

/* lab-kfwd's split: every counter found in its file, the change since start into one key each;
 * a bad IPv4 header checksum (counted by the kernel in InHdrErrors and InCsumErrors) is
 * malformed, not a TTL that ran out. */
static void kfwd_counters(void **state)
{
	(void)state;
	static const char snmp0[] =
		"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes\n"
		"Ip: 1 64 100 10 1 50 0 2 30 40 3 4\n"
		"Icmp: InMsgs OutTimeExcds\nIcmp: 0 9\n";
	static const char snmp1[] =
		"Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes\n"
		"Ip: 1 64 300 17 2 150 0 5 31 40 4 6\n"
		"Icmp: InMsgs OutTimeExcds\nIcmp: 0 12\n";
	static const char net0[] = "IpExt: InNoRoutes InTruncatedPkts InCsumErrors\nIpExt: 1 1 1\n";
	static const char net1[] = "IpExt: InNoRoutes InTruncatedPkts InCsumErrors\nIpExt: 3 4 4\n";
	static const char s6_0[] = "Ip6InHdrErrors 0\nIp6OutForwDatagrams 7\nIp6InTruncatedPkts 0\n"
				   "Ip6InDelivers 5\nIcmp6OutTimeExcds 0\n";
	static const char s6_1[] = "Ip6InHdrErrors 6\nIp6OutForwDatagrams 107\nIp6InTruncatedPkts 2\n"
				   "Ip6InDelivers 6\nIp6InNoRoutes 8\nIcmp6OutTimeExcds 2\n";
	struct kfwd_ctrs a, b;
	struct kfwd_split sp;
	/* snmp6 of the start lacks the no-route and discard lines: read as 0, and said so */
	assert_int_equal(kfwd_ctrs_parse(snmp0, net0, s6_0, &a), 5);
	assert_true(a.missing & (1u << KF6_INNOROUTE));
	assert_int_equal(kfwd_ctrs_parse(snmp1, net1, s6_1, &b), 4);
	assert_int_equal(b.v[KF4_FORW], 150);
	kfwd_split(&b, &a, &sp);
	assert_int_equal(sp.forwarded, 100 + 100);
	assert_int_equal(sp.local, 1 + 1);
	assert_int_equal(sp.in_discards, 3);
	assert_int_equal(sp.out_discards, 1);
	assert_int_equal(sp.ttl_expired, (7 - 3) + 6);
	assert_int_equal(sp.in_malformed, 3 + 3 + 2);
	assert_int_equal(sp.no_route, 2 + 1 + 2 + 8);
	assert_int_equal(sp.time_exceeded, 3 + 2);
	/* a counter that went down (the namespace recreated) counts 0, never wraps */
	kfwd_split(&a, &b, &sp);
	assert_int_equal(sp.forwarded, 0);
	assert_int_equal(sp.ttl_expired, 0);
	/* no snmp6 (IPv6 off): the IPv6 counters are all missing */
	assert_int_equal(kfwd_ctrs_parse(snmp1, net1, NULL, &b), 10);
}

static void snmp_live(void **state)
{
	/* this machine's own files parse (the test runs in whatever namespace meson gives it) */
	(void)state;
	uint64_t v4 = 0, v6 = 0;
	bool have6;
	assert_int_equal(kern_snmp_read(&v4, &v6, &have6), 0);
	struct kfwd_ctrs c;
	assert_int_equal(kfwd_ctrs_read(&c), 0);
	assert_false(c.missing & ((1u << KF4_FORW) | (1u << KF4_HDR) | (1u << KF4_CSUM)));
}

static void clock_drift(void **state)
{
	(void)state;
	struct kern_clock c = {0};
	kern_clock_update(&c, 1000000, 40);
	assert_int_equal(c.drift_max_ns, 0);
	assert_int_equal(c.err_max_ns, 40);
	assert_int_equal(kern_clock_to_mono_ns(&c, 5000000), 4000000);
	kern_clock_update(&c, 999700, 20);
	assert_int_equal(c.drift_ns, 300);
	kern_clock_update(&c, 999800, 90);
	assert_int_equal(c.drift_ns, 100);
	assert_int_equal(c.drift_max_ns, 300);
	assert_int_equal(c.err_ns, 90);
	assert_int_equal(c.err_max_ns, 90);
	assert_int_equal(c.measurements, 3);
	/* a negative offset (realtime behind monotonic) converts too */
	kern_clock_update(&c, -500, 10);
	assert_int_equal(kern_clock_to_mono_ns(&c, 1000), 1500);
	assert_int_equal(c.drift_max_ns, 1000300);
}

static void clock_measured(void **state)
{
	/* a real measurement: a converted realtime reading lands within a loose bound of the
	 * monotonic clock read beside it (loose: this is a sanity check, not a timing test) */
	(void)state;
	struct kern_clock c = {0};
	kern_clock_measure(&c);
	struct timespec rt, mo;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mo);
	int64_t d = (int64_t)kern_clock_to_mono_ns(&c, (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec) -
		    (int64_t)((uint64_t)mo.tv_sec * 1000000000ull + (uint64_t)mo.tv_nsec);
	assert_true(d > -1000000000 && d < 1000000000);
	assert_int_equal(c.measurements, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(snmp_v4),
		cmocka_unit_test(snmp_v4_udplite_first),
		cmocka_unit_test(snmp_v4_bad),
		cmocka_unit_test(snmp6),
		cmocka_unit_test(snmp_fields),
		cmocka_unit_test(kfwd_counters),
		cmocka_unit_test(snmp_live),
		cmocka_unit_test(clock_drift),
		cmocka_unit_test(clock_measured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
