/* port.c — lab-dpdk's one port: probe it (net_af_xdp on the veth lab, net_af_packet when af_xdp
 * cannot start, or a PCI port the EAL allowlisted), size a mempool to it, configure one RX/TX
 * queue pair per polling lcore, start it; stop and close it on the way out. */
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

static int port_setup(uint16_t port)
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
	snprintf(dp.mode, sizeof(dp.mode), "%s", info.driver_name);
	rte_eth_stats_reset(port);
	return 0;
}

static struct rte_device *port_device(uint16_t port)
{
	struct rte_eth_dev_info info;
	return rte_eth_dev_info_get(port, &info) == 0 ? info.device : NULL;
}

/* Hot-plug a vdev on the lab interface and set it up; on failure leave nothing of it behind. */
static int try_vdev(const char *drv)
{
	char args[256], name[64];
	uint16_t port;
	int rc;

	snprintf(name, sizeof(name), "net_%s0", drv);
	if (strcmp(drv, "af_xdp") == 0)
		snprintf(args, sizeof(args), "%s,iface=%s,start_queue=0,queue_count=%u", name,
			 dp.dut.cfg.iface, dp.nb_queues);
	else
		snprintf(args, sizeof(args), "%s,iface=%s,qpairs=%u", name, dp.dut.cfg.iface, dp.nb_queues);
	rc = rte_dev_probe(args);
	if (rc != 0) {
		snprintf(dp.fallback_reason, sizeof(dp.fallback_reason), "%s on %s did not probe: %s",
			 name, dp.dut.cfg.iface, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &port) != 0) {
		snprintf(dp.fallback_reason, sizeof(dp.fallback_reason), "%s probed but has no port", name);
		return -1;
	}
	dp.port_id = port;
	snprintf(dp.dev_name, sizeof(dp.dev_name), "%s", name);
	if (port_setup(port) != 0) {
		snprintf(dp.fallback_reason, sizeof(dp.fallback_reason), "%s on %s did not start", name,
			 dp.dut.cfg.iface);
		struct rte_device *dev = port_device(port);
		rte_eth_dev_close(port);
		if (dev)
			rte_dev_remove(dev);
		return -1;
	}
	probed_by_us = true;
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
		return port_setup(port);
	}
	if (!dp.dut.cfg.iface) {
		lab_err("no DPDK port: give --iface IF, --pci ADDR, or EAL args with -a/--vdev before --");
		return -1;
	}
	const char *drv = dp_driver_names[dp.cfg.driver];
	if (strcmp(drv, "af_packet") != 0) {
		if (try_vdev("af_xdp") == 0)
			return 0;
		if (strcmp(drv, "af_xdp") == 0) {
			lab_err("%s (--driver af_xdp: no fallback)", dp.fallback_reason);
			return -1;
		}
		lab_warn("%s; falling back to net_af_packet (the kernel also sees the traffic)",
			 dp.fallback_reason);
	}
	if (try_vdev("af_packet") == 0)
		return 0;
	lab_err("%s: no usable port on %s (is it up, in this namespace?)", dp.fallback_reason,
		dp.dut.cfg.iface);
	return -1;
}

void dp_port_counters(struct dp_port_counters *pc)
{
	struct rte_eth_stats s;
	memset(pc, 0, sizeof(*pc));
	if (rte_eth_stats_get(dp.port_id, &s) != 0)
		return;
	pc->ipackets = s.ipackets;
	pc->opackets = s.opackets;
	pc->imissed = s.imissed;
	pc->ierrors = s.ierrors;
	pc->oerrors = s.oerrors;
	pc->rx_nombuf = s.rx_nombuf;
	pc->valid = true;
}

void dp_port_close(void)
{
	int rc = rte_eth_dev_stop(dp.port_id);
	if (rc != 0)
		lab_warn("port %u: stop failed: %s", dp.port_id, rte_strerror(-rc));
	struct rte_device *dev = port_device(dp.port_id);
	rc = rte_eth_dev_close(dp.port_id);
	if (rc != 0)
		lab_warn("port %u: close failed: %s", dp.port_id, rte_strerror(-rc));
	/* removing the vdev detaches the XDP program from the interface */
	if (probed_by_us && dev)
		rte_dev_remove(dev);
	rte_mempool_free(pool);
	pool = NULL;
}
