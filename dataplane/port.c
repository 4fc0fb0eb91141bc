/* port.c — lab-dpdk's port (with --forward: its two ports): probe it (net_af_xdp on the veth
 * lab, net_af_packet when af_xdp cannot start, or a PCI port the EAL allowlisted), size a mempool
 * to it, configure one RX/TX queue pair per polling lcore (RSS over them where the PMD has it),
 * start it; stop and close it on the way out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp.h"
#include "log.h"

static struct rte_mempool *pool;
static bool probed_by_us; /* a vdev we hot-plugged: removed again on close */
static bool out_open, out_probed_by_us; /* --forward's port 1 */

static int port_setup(uint16_t port, char *mode, size_t mode_len)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		lab_err("port %u: cannot read device info: %s", port, rte_strerror(-rc));
		return -1;
	}
	if (dp.nb_queues > info.max_rx_queues || dp.nb_queues > info.max_tx_queues) {
		lab_err("port %u (%s): %u polling lcores need %u queue pairs, the device has %u RX / %u TX;"
			" give fewer lcores", port, info.driver_name, dp.nb_queues, dp.nb_queues,
			info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	if (dp.nb_queues > 1 && info.flow_type_rss_offloads) {
		/* flows spread over the queues (a vdev's are the kernel's: its RSS does it) */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
						   info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port, dp.nb_queues, dp.nb_queues, &conf);
	if (rc != 0) {
		lab_err("port %u (%s): configure failed: %s", port, info.driver_name, rte_strerror(-rc));
		return -1;
	}
	uint16_t nb_rxd = (uint16_t)dp.cfg.rx_desc, nb_txd = (uint16_t)dp.cfg.tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0) {
		lab_err("port %u: cannot adjust descriptor counts: %s", port, rte_strerror(-rc));
		return -1;
	}
	for (uint16_t q = 0; q < dp.nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned)socket, NULL, pool);
		if (rc != 0) {
			lab_err("port %u (%s): RX queue %u setup failed: %s", port, info.driver_name, q,
				rte_strerror(-rc));
			return -1;
		}
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned)socket, NULL);
		if (rc != 0) {
			lab_err("port %u (%s): TX queue %u setup failed: %s", port, info.driver_name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		lab_err("port %u (%s): start failed: %s", port, info.driver_name, rte_strerror(-rc));
		return -1;
	}
	snprintf(mode, mode_len, "%s", info.driver_name);
	rte_eth_stats_reset(port);
	return 0;
}

static struct rte_device *port_device(uint16_t port)
{
	struct rte_eth_dev_info info;
	return rte_eth_dev_info_get(port, &info) == 0 ? info.device : NULL;
}

static void close_port(uint16_t port, bool remove)
{
	int rc = rte_eth_dev_stop(port);
	if (rc != 0)
		lab_warn("port %u: stop failed: %s", port, rte_strerror(-rc));
	struct rte_device *dev = port_device(port);
	rc = rte_eth_dev_close(port);
	if (rc != 0)
		lab_warn("port %u: close failed: %s", port, rte_strerror(-rc));
	/* removing the vdev detaches the XDP program from the interface */
	if (remove && dev)
		rte_dev_remove(dev);
}

/* A vdev port being opened on a Linux interface: index 0 (--iface) or 1 (--out-iface). */
struct vdev_port {
	const char *iface;
	unsigned index;
	uint16_t *port;
	char *dev_name, *mode;
	size_t dev_len, mode_len;
	char *reason;           /* why af_xdp was not used */
	size_t reason_len;
};

/* Hot-plug a vdev on the lab interface and set it up; on failure leave nothing of it behind. */
static int try_vdev(const char *drv, const struct vdev_port *v)
{
	char args[256], name[64];
	uint16_t port;
	int rc;

	snprintf(name, sizeof(name), "net_%s%u", drv, v->index);
	if (strcmp(drv, "af_xdp") == 0)
		snprintf(args, sizeof(args), "%s,iface=%s,start_queue=0,queue_count=%u", name,
			 v->iface, dp.nb_queues);
	else
		snprintf(args, sizeof(args), "%s,iface=%s,qpairs=%u", name, v->iface, dp.nb_queues);
	rc = rte_dev_probe(args);
	if (rc != 0) {
		snprintf(v->reason, v->reason_len, "%s on %s did not probe: %s", name, v->iface,
			 rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &port) != 0) {
		snprintf(v->reason, v->reason_len, "%s probed but has no port", name);
		return -1;
	}
	*v->port = port;
	snprintf(v->dev_name, v->dev_len, "%s", name);
	if (port_setup(port, v->mode, v->mode_len) != 0) {
		snprintf(v->reason, v->reason_len, "%s on %s did not start", name, v->iface);
		struct rte_device *dev = port_device(port);
		rte_eth_dev_close(port);
		if (dev)
			rte_dev_remove(dev);
		return -1;
	}
	return 0;
}

/* af_xdp, then af_packet when --driver allows it. 0 or -1 (logged). */
static int open_vdev(const struct vdev_port *v)
{
	const char *drv = dp_driver_names[dp.cfg.driver];
	if (strcmp(drv, "af_packet") != 0) {
		if (try_vdev("af_xdp", v) == 0)
			return 0;
		if (strcmp(drv, "af_xdp") == 0) {
			lab_err("%s (--driver af_xdp: no fallback)", v->reason);
			return -1;
		}
		lab_warn("%s; falling back to net_af_packet (the kernel also sees the traffic)",
			 v->reason);
	}
	if (try_vdev("af_packet", v) == 0)
		return 0;
	lab_err("%s: no usable port on %s (is it up, in this namespace?)", v->reason, v->iface);
	return -1;
}

/* --forward: port 1 on --out-iface, after port 0 */
static int open_out_port(void)
{
	char reason[160] = "";
	struct vdev_port v = {dp.cfg.out_iface, 1, &dp.out_port_id, dp.out_dev_name, dp.out_mode,
			      sizeof(dp.out_dev_name), sizeof(dp.out_mode), reason, sizeof(reason)};
	if (open_vdev(&v) != 0)
		return -1;
	out_open = out_probed_by_us = true;
	if (strcmp(dp.out_mode, "net_af_xdp") != 0) {
		size_t u = strlen(dp.fallback_reason);
		snprintf(dp.fallback_reason + u, sizeof(dp.fallback_reason) - u, "%s%s", u ? "; " : "",
			 reason);
	}
	if (strcmp(dp.mode, dp.out_mode) != 0) {
		char in[sizeof(dp.mode)];
		snprintf(in, sizeof(in), "%s", dp.mode);
		snprintf(dp.mode, sizeof(dp.mode), "%.20s:%.20s", in, dp.out_mode);
	}
	return 0;
}

int dp_port_open(void)
{
	/* RX rings, TX rings, a burst per poller and the per-lcore caches: a few thousand mbufs */
	unsigned cache = dp.cfg.mbufs >= 2048 ? 256 : 0;
	pool = rte_pktmbuf_pool_create("lab_mbufs", dp.cfg.mbufs, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool) {
		lab_err("cannot create a pool of %u mbufs: %s (free hugepages? 'setup/lab up' reserves"
			" them; or lower --mbufs)", dp.cfg.mbufs, rte_strerror(rte_errno));
		return -1;
	}

	uint16_t avail = rte_eth_dev_count_avail();
	if (avail > 0 || dp.cfg.pci) {
		/* ports the EAL already probed: -a PCI, or the expert's own --vdev */
		uint16_t port = 0;
		if (dp.cfg.eth_port >= 0) {
			port = (uint16_t)dp.cfg.eth_port;
			if (!rte_eth_dev_is_valid_port(port)) {
				lab_err("--eth-port %d: no such DPDK port (%u available)", dp.cfg.eth_port, avail);
				return -1;
			}
		} else if (dp.cfg.pci) {
			if (rte_eth_dev_get_port_by_name(dp.cfg.pci, &port) != 0) {
				lab_err("PCI port %s was not probed: bind it to vfio-pci (dpdk-devbind.py -b"
					" vfio-pci %s) and check -a", dp.cfg.pci, dp.cfg.pci);
				return -1;
			}
		} else {
			port = (uint16_t)rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
		}
		dp.port_id = port;
		rte_eth_dev_get_name_by_port(port, dp.dev_name);
		return port_setup(port, dp.mode, sizeof(dp.mode));
	}
	if (!dp.dut.cfg.iface) {
		lab_err("no DPDK port: give --iface IF, --pci ADDR, or EAL args with -a/--vdev before --");
		return -1;
	}
	struct vdev_port v = {dp.dut.cfg.iface, 0, &dp.port_id, dp.dev_name, dp.mode,
			      sizeof(dp.dev_name), sizeof(dp.mode), dp.fallback_reason,
			      sizeof(dp.fallback_reason)};
	if (open_vdev(&v) != 0)
		return -1;
	probed_by_us = true;
	if (strcmp(dp.mode, "net_af_xdp") == 0)
		dp.fallback_reason[0] = 0;
	if (dp.cfg.forward && open_out_port() != 0) {
		close_port(dp.port_id, probed_by_us);
		probed_by_us = false;
		dp.port_id = RTE_MAX_ETHPORTS;
		return -1;
	}
	return 0;
}

static void port_counters(uint16_t port, struct dp_port_counters *pc)
{
	struct rte_eth_stats s;
	memset(pc, 0, sizeof(*pc));
	if (rte_eth_stats_get(port, &s) != 0)
		return;
	pc->ipackets = s.ipackets;
	pc->opackets = s.opackets;
	pc->imissed = s.imissed;
	pc->ierrors = s.ierrors;
	pc->oerrors = s.oerrors;
	pc->rx_nombuf = s.rx_nombuf;
	pc->valid = true;
}

void dp_port_counters(struct dp_ports *pc)
{
	memset(pc, 0, sizeof(*pc));
	port_counters(dp.port_id, &pc->in);
	pc->sum = pc->in;
	pc->forward = dp.cfg.forward;
	if (!dp.cfg.forward || !out_open)
		return;
	port_counters(dp.out_port_id, &pc->out);
	pc->sum.ipackets += pc->out.ipackets;
	pc->sum.opackets += pc->out.opackets;
	pc->sum.imissed += pc->out.imissed;
	pc->sum.ierrors += pc->out.ierrors;
	pc->sum.oerrors += pc->out.oerrors;
	pc->sum.rx_nombuf += pc->out.rx_nombuf;
	pc->sum.valid = pc->in.valid && pc->out.valid;
}

void dp_port_close(void)
{
	if (out_open)
		close_port(dp.out_port_id, out_probed_by_us);
	out_open = out_probed_by_us = false;
	close_port(dp.port_id, probed_by_us);
	probed_by_us = false;
	rte_mempool_free(pool);
	pool = NULL;
}
