/* SPDX-License-Identifier: BSD-3-Clause */
#include "port.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_packet.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mempool.h>

#define RTE_LOGTYPE_ENIMAP RTE_LOGTYPE_USER1

int port_find_id(const char *device, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t len = strcspn(device, ",");

	if (len == 0 || len >= sizeof(name))
		return -ENODEV;
	memcpy(name, device, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0)
		return -ENODEV;
	return 0;
}

static void port_conf_rss(const struct rte_eth_dev_info *di, uint16_t n_rx, struct rte_eth_conf *ec,
			  bool *rss)
{
	uint64_t hf =
	    di->flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);

	*rss = false;
	if (n_rx < 2 || hf == 0)
		return;
	ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	ec->rx_adv_conf.rss_conf.rss_key = NULL; /* the driver's default key */
	ec->rx_adv_conf.rss_conf.rss_hf = hf;
	*rss = true;
}

static int port_setup_queues(const struct port_conf *c, struct port_info *info)
{
	int socket = rte_eth_dev_socket_id(c->port_id);
	int rc;

	if (socket < 0)
		socket = 0; /* SOCKET_ID_ANY on vdevs: any is fine */
	for (uint16_t q = 0; q < info->n_rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(c->port_id, q, info->rx_desc, socket, NULL, c->pool);
		if (rc != 0)
			return rc;
	}
	for (uint16_t q = 0; q < info->n_tx_queues; q++) {
		rc = rte_eth_tx_queue_setup(c->port_id, q, info->tx_desc, socket, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int port_start(const struct port_conf *c, struct port_info *info)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf ec;
	struct rte_ether_addr mac;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = rte_eth_dev_info_get(c->port_id, &di);
	if (rc != 0)
		return rc;
	if (c->n_workers == 0 || di.max_tx_queues < c->n_workers) {
		RTE_LOG(ERR, ENIMAP,
			"port %u (%s): %u tx queue(s), %u worker(s) need one each "
			"(af_packet: add qpairs=%u to the device)\n",
			c->port_id, di.driver_name, di.max_tx_queues, c->n_workers, c->n_workers);
		return -ENOTSUP;
	}
	info->n_tx_queues = (uint16_t)c->n_workers;
	info->n_rx_queues = (uint16_t)RTE_MIN(c->n_workers, (unsigned)di.max_rx_queues);
	info->rx_desc = c->rx_desc;
	info->tx_desc = c->tx_desc;

	memset(&ec, 0, sizeof(ec));
	port_conf_rss(&di, info->n_rx_queues, &ec, &info->rss);
	rc = rte_eth_dev_configure(c->port_id, info->n_rx_queues, info->n_tx_queues, &ec);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(c->port_id, &info->rx_desc, &info->tx_desc);
	if (rc != 0)
		return rc;
	rc = port_setup_queues(c, info);
	if (rc != 0)
		return rc;
	bool promiscuous = c->promiscuous;
	if (c->has_mac) {
		memcpy(mac.addr_bytes, c->mac, 6);
		rc = rte_eth_dev_default_mac_addr_set(c->port_id, &mac);
		if (rc == -ENOTSUP) {
			/* a PMD whose MAC is not ours to set (net_memif): the configured
			 * MAC is used in software, as the frames' source and in the
			 * pipeline's not-for-us filter, and the port receives every
			 * frame so that those for it arrive whatever the device's own */
			info->mac_in_software = true;
			promiscuous = true;
			RTE_LOG(NOTICE, ENIMAP,
				"port %u (%s): the device cannot take MAC " RTE_ETHER_ADDR_PRT_FMT
				": used in software (source MAC, ARP/ND answers, not-for-us "
				"filter), the port promiscuous\n",
				c->port_id, di.driver_name, RTE_ETHER_ADDR_BYTES(&mac));
		} else if (rc != 0) {
			RTE_LOG(ERR, ENIMAP, "port %u: cannot set MAC: %s\n", c->port_id,
				strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(c->port_id);
	if (rc != 0)
		return rc;
	if (promiscuous) {
		rc = rte_eth_promiscuous_enable(c->port_id);
		/* -ENOTSUP: a PMD with no MAC filter to turn off (net_memif, net_ring)
		 * already hands over every frame */
		if (rc == -ENOTSUP) {
			RTE_LOG(NOTICE, ENIMAP,
				"port %u (%s): no promiscuous mode (not supported): the device "
				"has no MAC filter, it receives every frame\n",
				c->port_id, di.driver_name);
		} else if (rc != 0) {
			rte_eth_dev_stop(c->port_id);
			return rc;
		}
	}
	if (info->mac_in_software) {
		memcpy(info->mac, c->mac, 6);
		return 0;
	}
	rc = rte_eth_macaddr_get(c->port_id, &mac);
	if (rc != 0) {
		rte_eth_dev_stop(c->port_id);
		return rc;
	}
	memcpy(info->mac, mac.addr_bytes, 6);
	return 0;
}

/* "net_af_packet<n>" or its alias "eth_af_packet<n>" (name = before the first comma) */
static bool device_is_af_packet(const char *device)
{
	return strncmp(device, "net_af_packet", 13) == 0 ||
	       strncmp(device, "eth_af_packet", 13) == 0;
}

/* The value of key in a device's "name,k=v,k=v" arguments, or NULL. */
static const char *device_arg(const char *device, const char *key)
{
	size_t klen = strlen(key);

	for (const char *a = strchr(device, ','); a != NULL; a = strchr(a, ',')) {
		a++;
		if (strncmp(a, key, klen) == 0 && a[klen] == '=')
			return a + klen + 1;
	}
	return NULL;
}

unsigned port_rx_data_room(const char *device)
{
	/* what of a ring frame af_packet does not copy: tpacket2_hdr, aligned */
	const unsigned hdr = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
	unsigned long framesz = 2048; /* af_packet's default */
	const char *v;
	char *end;

	if (!device_is_af_packet(device))
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	v = device_arg(device, "framesz");
	if (v != NULL) {
		errno = 0;
		framesz = strtoul(v, &end, 0);
		if (errno != 0 || end == v || (*end != '\0' && *end != ',') || framesz < hdr)
			return 0;
	}
	if (framesz - hdr + RTE_PKTMBUF_HEADROOM > UINT16_MAX)
		return 0;
	return RTE_MAX((unsigned)(framesz - hdr + RTE_PKTMBUF_HEADROOM),
		       (unsigned)RTE_MBUF_DEFAULT_BUF_SIZE);
}

void port_stop(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

unsigned port_pool_size(unsigned n_ports, unsigned n_workers, uint16_t rx_desc, uint16_t tx_desc,
			unsigned burst, unsigned cache)
{
	/* rings full on every queue, plus each worker's rx burst and tx buffers
	 * (one per port), plus every lcore's mempool cache, plus slack */
	unsigned rings = n_ports * n_workers * ((unsigned)rx_desc + tx_desc);
	unsigned inflight = n_workers * burst * (1 + n_ports);
	unsigned caches = (n_workers + 1) * cache;

	return rings + inflight + caches + 1024;
}
