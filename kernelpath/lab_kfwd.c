/* lab_kfwd.c — lab-kfwd: the kernel's own IP forwarding between --iface and --out-iface as a
 * lab path, with no process in the packet path. It turns IPv4 and IPv6 forwarding on in its
 * namespace (the DUT's), samples the kernel's counters while the lab's traffic passes through,
 * and puts the sysctls back at exit. Flags, control loop and stats are the DUT driver's. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kfwd.h"
#include "lab_constants.h"
#include "log.h"

#define KFWD_POLL_MS 20

#define K(field) LAB_FIELD(struct kfwd, field)
static const struct lab_opt kfwd_opts[] = {
	{.name = "out-iface", .kind = LAB_OPT_STR, K(out_iface), .arg = "IF",
	 .help = "the interface the forwarded packets leave by (its tx drops are counted)"},
	{.name = "no-bpf", .kind = LAB_OPT_SET, K(no_bpf), .value = 1,
	 .help = "no tc programs: the frames leave as the kernel forwards them, unmarked and "
		 "unstamped (the generator then needs --accept-unmarked)"},
	{.name = "json", .kind = LAB_OPT_ALIAS, .alias = "stats-json", .arg = "PATH"},
	{0},
};

static void about(FILE *f)
{
	lab_opts_wrap(f,
"The kernel's own IP forwarding as a lab path (forward topology: " LAB_GEN_IF " -> " LAB_DUT_IF ", "
LAB_DUT1_IF " -> " LAB_GEN1_IF "): "
"no process is in the packet path. At start lab-kfwd turns net.ipv4.ip_forward and "
"net.ipv6.conf.all.forwarding on in its network namespace (run it inside the DUT's: ip netns "
"exec <prefix>-dut), remembering the forwarding sysctls as found (the namespace's, the "
"defaults', --iface's and --out-iface's, and net.ipv4.conf.all.accept_redirects, which "
"ip_forward flips), then samples the kernel's counters until stopped, and puts every one of "
"them back at exit, SIGINT and SIGTERM included. A kill -9 leaves forwarding on in the "
"namespace, until 'setup/lab down' deletes it (or 'up' is run again).\n"
"The kernel routes every packet, lab or not, and never looks at a lab payload. So that its "
"frames arrive marked and stamped as every forwarder's, two tc programs (clsact, kfwd.bpf.c) "
"ride along without taking part in the forwarding: at --iface ingress a lab datagram (UDP to "
"--port, a valid lab header) that asks for stamps gets dut_rx_ns, at --out-iface egress every "
"lab datagram gets LAB_F_FORWARDED and, when asked, LAB_F_STAMPED and dut_tx_ns "
"(bpf_ktime_get_ns, CLOCK_MONOTONIC; the UDP checksum updated incrementally); one already "
"reflected or forwarded is dropped at --iface ingress (a DUT never sends one on: "
"not_lab_by.already_reflected, not_forwarded_by.already_marked), and one the kernel routes back "
"out of the port it came in (to an address behind --iface) is dropped there on its way out "
"(not_lab, not_forwarded_by.back_out_its_port; the kernel has counted it in ForwDatagrams, "
"forwarded has not). They are "
"detached at exit (the clsact qdisc removed when lab-kfwd made it). --no-bpf leaves them out: "
"the frames then carry no mark and no stamps (the generator takes them with "
"--accept-unmarked), and an already marked frame is forwarded as any other.\n"
"--cpu N puts the kernel's forwarding on core N, as the other paths' pollers run on the DUT core: "
"--iface's receive processing is steered there with RPS (every RX queue's rps_cpus; put back "
"as found at exit, with the sysctls), and the sampling loop is pinned there. Without it the "
"kernel forwards where --iface's receive runs: on a NIC the core of its interrupt, on a veth the "
"core of the sender's softirq (in the lab, the generator's core).", 0, 0);
}

static void notes(FILE *f)
{
	lab_opts_wrap(f,
"Counters, the change since start, for the whole namespace: received (--iface's rx_packets), "
"forwarded (/proc/net/snmp Ip ForwDatagrams + /proc/net/snmp6 Ip6OutForwDatagrams), not_lab "
"(InDelivers + Ip6InDelivers: delivered to the DUT itself, not forwarded; and the already marked "
"lab datagrams and hairpins the tc programs dropped), malformed and "
"tx_errors 0 (the kernel's reasons are drops), and the drops, each packet in one key: "
"drops.ip_ttl_expired (InHdrErrors less InCsumErrors, + Ip6InHdrErrors: TTL / hop limit 1 or 0, "
"the kernel sends ICMP time exceeded, rate limited: icmp_time_exceeded), drops.ip_in_malformed "
"(IpExt InCsumErrors + InTruncatedPkts + Ip6InTruncatedPkts: a bad IPv4 header checksum, an IP "
"length beyond the frame), drops.ip_in_discards (InDiscards + Ip6InDiscards), "
"drops.ip_out_discards (OutDiscards + Ip6OutDiscards), drops.ip_no_route (OutNoRoutes + "
"InAddrErrors + IpExt InNoRoutes, and the Ip6 ones), drops.dut1_tx_dropped (--out-iface's "
"tx_dropped + its root qdiscs' drops). snmp_delta holds every counter read, sysctl what was "
"changed and whether it was put back, tc the programs' counts (rx_lab, rx_stamped, rx_already_marked at --iface; "
"tx_marked, tx_stamped, tx_already_marked at --out-iface; back_out_its_port; errors: a helper "
"refused).\n"
"Exit 1 also when forwarding cannot be turned on, the tc programs cannot be attached, or a "
"sysctl cannot be put back.", 0, 0);
}

static const struct lab_dut_cli kfwd_cli = {
	.prog = "lab-kfwd", .stop_ms = 2 * KFWD_POLL_MS, .opts = kfwd_opts, .about = about,
	.notes = notes, .cpu_default = "not pinned",
};

static const char *kfwd_path(void *priv)
{
	(void)priv;
	return "kfwd";
}

static const char *kfwd_mode(void *priv)
{
	return ((struct kfwd *)priv)->no_bpf ? "ip-forward" : "ip-forward+tc-stamps";
}

static uint64_t dl(uint64_t now, uint64_t start)
{
	return now > start ? now - start : 0;
}

static void kfwd_sample(void *priv, struct lab_dut_sample *s)
{
	struct kfwd *k = priv;
	struct kfwd_split sp = {0};
	if (k->ctr_ok && kfwd_ctrs_read(&k->now) < 0)
		lab_debug("re-reading /proc/net/snmp: %s", strerror(errno));
	kfwd_link_read(k, &k->lnow);
	if (k->tc_on)
		kfwd_tc_counts(k->tc_counts);
	if (k->ctr_ok)
		kfwd_split(&k->now, &k->start, &sp);
	/* the kernel counted a hairpin forwarded before the tc program dropped it on the way out */
	uint64_t back = k->tc_counts[KFWD_C_BACK_OUT];
	s->c = (struct lab_dut_counts){
		.received = dl(k->lnow.rx_packets, k->lstart.rx_packets),
		.reflected = sp.forwarded > back ? sp.forwarded - back : 0,
		.not_lab = sp.local + k->tc_counts[KFWD_C_RX_MARKED] + back,
		.already_reflected = k->tc_counts[KFWD_C_RX_MARKED],
	};
	/* without the tc programs nothing tells an already marked frame: the kernel forwards it */
	s->not_lab_unsplit = !k->tc_on;
	lab_dut_add_drop(s, "ip_in_discards", sp.in_discards);
	lab_dut_add_drop(s, "ip_out_discards", sp.out_discards);
	lab_dut_add_drop(s, "ip_ttl_expired", sp.ttl_expired);
	lab_dut_add_drop(s, "ip_in_malformed", sp.in_malformed);
	lab_dut_add_drop(s, "ip_no_route", sp.no_route);
	lab_dut_add_drop(s, "dut1_tx_dropped", dl(k->lnow.tx_dropped, k->lstart.tx_dropped) +
					       dl(k->lnow.qdisc_drops, k->lstart.qdisc_drops));
}

static void kfwd_line(void *priv, bool totals, char *buf, size_t len)
{
	const struct kfwd *k = priv;
	struct kfwd_split sp = {0};
	(void)totals;
	if (k->ctr_ok)
		kfwd_split(&k->now, &k->start, &sp);
	snprintf(buf, len, "icmp_time_exceeded %" PRIu64 " ip_forward %s", sp.time_exceeded,
		 k->restored ? "put back" : "on");
}

static void kfwd_json(void *priv, struct lab_json *j)
{
	const struct kfwd *k = priv;
	struct kfwd_split sp = {0};
	if (k->ctr_ok)
		kfwd_split(&k->now, &k->start, &sp);
	lab_json_str(j, "out_iface", k->out_iface);
	lab_json_i64(j, "forwarding_cpu", k->rps_cpu); /* -1: where --iface's receive runs */
	lab_json_obj(j, "not_forwarded_by");
	lab_json_u64(j, "local_delivery", sp.local);
	lab_json_u64(j, "already_marked", k->tc_counts[KFWD_C_RX_MARKED]);
	lab_json_u64(j, "back_out_its_port", k->tc_counts[KFWD_C_BACK_OUT]);
	lab_json_u64(j, "ip_ttl_expired", sp.ttl_expired);
	lab_json_u64(j, "ip_in_malformed", sp.in_malformed);
	lab_json_u64(j, "ip_no_route", sp.no_route);
	lab_json_obj_end(j);
	lab_json_u64(j, "icmp_time_exceeded", sp.time_exceeded);
	lab_json_obj(j, "snmp_delta");
	lab_json_bool(j, "read", k->ctr_ok);
	for (int i = 0; i < KF_COUNT; i++)
		if (!(k->now.missing & (1u << i)))
			lab_json_u64(j, kfwd_ctr_defs[i].name, dl(k->now.v[i], k->start.v[i]));
	lab_json_obj_end(j);
	lab_json_obj(j, "links");
	lab_json_u64(j, "rx_packets", dl(k->lnow.rx_packets, k->lstart.rx_packets));
	lab_json_u64(j, "out_tx_dropped", dl(k->lnow.tx_dropped, k->lstart.tx_dropped));
	lab_json_u64(j, "out_qdisc_drops", dl(k->lnow.qdisc_drops, k->lstart.qdisc_drops));
	lab_json_bool(j, "qdisc_read", k->qdisc_ok);
	lab_json_obj_end(j);
	lab_json_obj(j, "tc");
	lab_json_bool(j, "attached", k->tc_on);
	lab_json_u64(j, "rx_lab", k->tc_counts[KFWD_C_RX_LAB]);
	lab_json_u64(j, "rx_stamped", k->tc_counts[KFWD_C_RX_STAMPED]);
	lab_json_u64(j, "rx_already_marked", k->tc_counts[KFWD_C_RX_MARKED]);
	lab_json_u64(j, "tx_marked", k->tc_counts[KFWD_C_TX_MARKED]);
	lab_json_u64(j, "tx_stamped", k->tc_counts[KFWD_C_TX_STAMPED]);
	lab_json_u64(j, "tx_already_marked", k->tc_counts[KFWD_C_TX_ALREADY]);
	lab_json_u64(j, "back_out_its_port", k->tc_counts[KFWD_C_BACK_OUT]);
	lab_json_u64(j, "errors", k->tc_counts[KFWD_C_ERRORS]);
	lab_json_obj_end(j);
	lab_json_obj(j, "sysctl");
	for (unsigned i = 0; i < k->n_sc; i++)
		if (k->sc[i].have)
			lab_json_str(j, k->sc[i].path + strlen("/proc/sys/"), k->sc[i].old);
	lab_json_bool(j, "was_on", k->was_on);
	lab_json_bool(j, "restored", k->restored && !k->restore_errors);
	lab_json_obj_end(j);
}

static const struct lab_dut_ops kfwd_dut_ops = {
	.cli = &kfwd_cli,
	.path = kfwd_path,
	.mode = kfwd_mode,
	.sample = kfwd_sample,
	.line = kfwd_line,
	.json = kfwd_json,
};

static struct kfwd *g_kfwd; /* for the atexit hook: lab_die after forwarding went on */

static void restore_at_exit(void)
{
	if (g_kfwd) {
		kfwd_forwarding_restore(g_kfwd);
		kfwd_tc_detach(g_kfwd);
		g_kfwd->tc_on = false;
	}
}

/* The tc programs first, so that the first forwarded frame is already stamped. */
static void tc_on(struct kfwd *k)
{
	char err[256];
	int rc;
	if (k->no_bpf)
		return;
	rc = kfwd_tc_attach(k, err, sizeof(err));
	if (rc < 0)
		lab_die(rc == -ENOTSUP ? LAB_EXIT_USAGE : LAB_EXIT_RUNTIME, "%s (--no-bpf forwards "
			"without them: frames leave unmarked)", err);
	k->tc_on = true;
}

static void check_flags(struct kfwd *k)
{
	const char *in = k->dut.cfg.iface;
	if (!in || !*in || !k->out_iface || !*k->out_iface)
		lab_die(LAB_EXIT_USAGE, "lab-kfwd needs both --iface and --out-iface");
	if (!strcmp(in, k->out_iface))
		lab_die(LAB_EXIT_USAGE, "--out-iface %s is --iface: forwarding goes from one port to "
			"the other", in);
	lab_dut_check_iface(&k->dut, in);
	lab_dut_check_iface(&k->dut, k->out_iface);
	if (!if_nametoindex(in) || !if_nametoindex(k->out_iface))
		lab_die(LAB_EXIT_USAGE, "--iface %s / --out-iface %s: not both in this network namespace "
			"(run inside the DUT namespace of the forward topology: setup/lab up --topology "
			"forward)", in, k->out_iface);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
	nanosleep(&ts, NULL); /* a stop signal cuts it short */
}

int main(int argc, char **argv)
{
	static struct kfwd k;
	int exit_code = LAB_EXIT_OK;

	lab_dut_init(&k.dut, &kfwd_dut_ops, &k);
	k.out_iface = LAB_DUT1_IF;
	k.poll_ms = KFWD_POLL_MS;
	lab_dut_parse(&k.dut, argc, argv);
	check_flags(&k);
	lab_install_stop_signals();
	lab_dut_pin(&k.dut);
	k.dut.forward = true;
	k.ctr_ok = kfwd_ctrs_read(&k.start) == 0;
	if (!k.ctr_ok)
		lab_warn("/proc/net/snmp: %s: the kernel's counters read 0", strerror(errno));
	k.now = k.start;
	g_kfwd = &k;
	atexit(restore_at_exit);
	tc_on(&k);
	if (kfwd_forwarding_on(&k) < 0)
		lab_die(LAB_EXIT_RUNTIME, "IP forwarding is not on: nothing to measure");
	k.rps_cpu = -1;
	if (k.dut.cfg.cpu >= 0 && kfwd_rps_on(&k, k.dut.cfg.cpu) < 0)
		lab_die(LAB_EXIT_RUNTIME, "cannot put the forwarding on cpu %d", k.dut.cfg.cpu);
	/* the counters from the moment forwarding is on */
	if (k.ctr_ok)
		kfwd_ctrs_read(&k.start);
	k.now = k.start;
	kfwd_link_read(&k, &k.lstart);
	k.lnow = k.lstart;
	char on_cpu[64] = "where its receive runs";
	if (k.rps_cpu >= 0)
		snprintf(on_cpu, sizeof(on_cpu), "on cpu %d (RPS)", k.rps_cpu);
	lab_info("kernel IP forwarding on: %s -> %s %s (ip_forward was %s); %s; counters sampled every "
		 "%u ms", k.dut.cfg.iface, k.out_iface, on_cpu, k.sc[0].old,
		 k.tc_on ? "tc programs stamp at ingress and mark and stamp at egress"
			 : "no tc programs (--no-bpf): frames leave unmarked", k.poll_ms);
	if (lab_dut_start(&k.dut) < 0) {
		exit_code = LAB_EXIT_RUNTIME;
	} else {
		while (!lab_dut_tick(&k.dut, lab_now_ns()))
			sleep_ms(k.poll_ms);
	}
	kfwd_forwarding_restore(&k);
	if (k.restore_errors)
		exit_code = LAB_EXIT_RUNTIME;
	exit_code = lab_dut_finish(&k.dut, exit_code);
	kfwd_tc_detach(&k);
	k.tc_on = false;
	return exit_code;
}
