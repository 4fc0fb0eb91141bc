/* lab_kern.c — lab-kern: the kernel path's reflector (and, with --forward, its relay: kern_fwd.c). Lab UDP arriving on a socket is marked
 * reflected, stamped with the DUT's receive time (the socket's software timestamp, converted to
 * CLOCK_MONOTONIC) and transmit time when the sender asks, and sent back to where it came from,
 * in batches (kern_loop.c). This file sets the socket up; flags, control loop and stats are the
 * DUT driver's (common/dut.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "clock.h"
#include "kern_run.h"
#include "kern_snmp.h"
#include "log.h"

static void read_sysfs(const char *iface, const char *file, char *out, size_t cap)
{
	char path[256];
	FILE *f;
	snprintf(out, cap, "unknown");
	if (!iface || !*iface)
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", iface, file);
	if (!(f = fopen(path, "re")))
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static const char *opt_word(const struct kern_opt_state *s)
{
	return s->took ? (s->read_back ? "took" : "set (the kernel cannot read it back)")
		       : s->err ? strerror(s->err) : "not taken (read back differs)";
}

static void announce(struct kern_run *r)
{
	char bp[256] = "", cpu[32] = "not pinned";
	if (r->mode == KERN_MODE_BUSY_POLL)
		snprintf(bp, sizeof(bp), "; SO_BUSY_POLL %u us: %s, SO_PREFER_BUSY_POLL: %s, "
			 "SO_BUSY_POLL_BUDGET %u: %s; %s napi_defer_hard_irqs %s gro_flush_timeout %s",
			 r->so.busy_poll_us, opt_word(&r->sk.busy_poll), opt_word(&r->sk.prefer_busy_poll),
			 r->so.busy_poll_budget, opt_word(&r->sk.busy_poll_budget), r->so.iface,
			 r->napi_defer, r->gro_flush);
	if (r->dut.cfg.cpu >= 0)
		snprintf(cpu, sizeof(cpu), "cpu %d", r->dut.cfg.cpu);
	lab_info("mode %s: %s%s%s, batch %u, %s%s; rx time: %s (offset bracket +-%" PRIu64
		 " ns); tx time: CLOCK_MONOTONIC just before sendmmsg%s",
		 kern_mode_names[r->mode], r->sk.desc, *r->so.iface ? " on " : "", r->so.iface, r->batch,
		 cpu, r->fifo_prio > 0 ? ", SCHED_FIFO" : "",
		 r->st.mode != LAB_STP_SRC_KERNEL ? "CLOCK_MONOTONIC at recvmmsg return (--stamps user)"
		 : r->sk.timestamping.took ? "SO_TIMESTAMPING software, CLOCK_REALTIME - offset"
					 : "clock at recvmmsg return (SO_TIMESTAMPING refused)",
		 r->clk.err_ns, bp);
	if (r->forward) {
		char t4[INET_ADDRSTRLEN], t6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET, &r->to4.sin_addr, t4, sizeof(t4));
		inet_ntop(AF_INET6, &r->to6.sin6_addr, t6, sizeof(t6));
		lab_info("forward: IPv4 from %s to %s:%u, IPv6 from %s to [%s]:%u; TTL / hop limit - 1",
			 r->out_desc4, t4, r->dut.cfg.port, r->out_desc6, t6, r->dut.cfg.port);
	}
}

/* The CPU and the scheduling class, before anything spins. */
static void place(struct kern_run *r)
{
	lab_dut_pin(&r->dut);
	if (r->fifo_prio > 0) {
		struct sched_param sp = {.sched_priority = r->fifo_prio};
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			lab_die(LAB_EXIT_USAGE, "--fifo %d: SCHED_FIFO refused: %s (needs root or CAP_SYS_NICE)",
				r->fifo_prio, strerror(errno));
	}
}

/* The socket and what the counters start from; then no capability is needed any more. */
static void open_socket(struct kern_run *r)
{
	char err[512] = "";
	int rc = kern_sock_open(&r->sk, &r->so, err, sizeof(err));
	if (rc < 0)
		lab_die(lab_exit_for_errno(rc), "%s", err);
	if (r->forward)
		kern_fwd_open(r); /* SO_BINDTODEVICE needs the capabilities still */
	kern_stamps_open(r);
	/* set up: the loop and the counters need no privilege (SO_BUSY_POLL above the sysctl
	 * needed CAP_NET_ADMIN, and that is done) */
	if (lab_caps_keep(NULL, 0, err, sizeof(err)) < 0)
		lab_die(LAB_EXIT_RUNTIME, "dropping capabilities: %s", err);
	if (!r->sk.timestamping.took)
		lab_warn("SO_TIMESTAMPING refused (%s): receive times are read at recvmmsg return",
			 strerror(r->sk.timestamping.err));
	if (r->mode == KERN_MODE_BUSY_POLL &&
	    !(r->sk.busy_poll.took && r->sk.prefer_busy_poll.took && r->sk.busy_poll_budget.took))
		lab_warn("not every busy-poll option took (see below): the loop still spins non-blocking");
	read_sysfs(r->so.iface, "napi_defer_hard_irqs", r->napi_defer, sizeof(r->napi_defer));
	read_sysfs(r->so.iface, "gro_flush_timeout", r->gro_flush, sizeof(r->gro_flush));
	r->snmp_ok = kern_snmp_read(&r->snmp4_start, &r->snmp6_start, &r->have6) == 0;
	if (!r->snmp_ok)
		lab_warn("/proc/net/snmp: %s: udp_rcvbuf_errors will read 0", strerror(errno));
	r->snmp4 = r->snmp4_start;
	r->snmp6 = r->snmp6_start;
	uint64_t c4, c6;
	r->csum_ok = kern_snmp_read_csum(&c4, &c6) == 0;
	r->csum_start = r->csum = c4 + c6;
}

int main(int argc, char **argv)
{
	struct kern_run *r = calloc(1, sizeof(*r));
	int exit_code = LAB_EXIT_OK;

	if (!r)
		lab_die(LAB_EXIT_RUNTIME, "out of memory");
	r->sk.fd = -1;
	lab_dut_init(&r->dut, &kern_dut_ops, r);
	kern_defaults(r);
	lab_dut_parse(&r->dut, argc, argv);
	kern_check_flags(r);
	lab_install_stop_signals();
	place(r);
	r->data = malloc((size_t)r->batch * KERN_SLOT_BYTES);
	if (!r->data)
		lab_die(LAB_EXIT_RUNTIME, "out of memory for %u receive slots", r->batch);
	open_socket(r);
	kern_clock_measure(&r->clk);
	announce(r);
	if (lab_dut_start(&r->dut) < 0)
		exit_code = LAB_EXIT_RUNTIME;
	else if (kern_run_loop(r) < 0)
		exit_code = LAB_EXIT_RUNTIME;
	kern_clock_measure(&r->clk);
	kern_stamps_close(r); /* the last TX stamps, before the JSON counts them */
	exit_code = lab_dut_finish(&r->dut, exit_code);
	kern_sock_close(&r->sk);
	kern_fwd_close(r);
	free(r->data);
	free(r);
	return exit_code;
}
