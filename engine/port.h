/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.h - bringing one DPDK ethdev port up and down for the engine.
 *
 * One rx/tx queue pair per worker: worker w polls rx queue w (when the device
 * has that many; RSS spreads flows over them where the device supports it)
 * and transmits on tx queue w, so no two lcores ever share a queue. Host
 * ports run promiscuous: the ENIs' MACs differ from the port's own MAC.
 *
 * Control thread only; nothing here runs per packet.
 */
#ifndef ENIMAP_PORT_H
#define ENIMAP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

struct port_conf {
	uint16_t port_id;	   /* DPDK port id (port_find_id) */
	unsigned n_workers;	   /* tx queues needed: one per worker */
	uint16_t rx_desc, tx_desc; /* ring sizes wanted (adjusted to the device) */
	struct rte_mempool *pool;  /* rx buffers */
	bool promiscuous;	   /* host ports: true */
	bool has_mac;		   /* set the port's MAC to mac */
	uint8_t mac[6];
};

/* What a started port ended up with. */
struct port_info {
	uint16_t n_rx_queues; /* <= n_workers: workers at or beyond it poll no rx queue */
	uint16_t n_tx_queues; /* == n_workers */
	uint16_t rx_desc, tx_desc;
	bool rss;	      /* flows spread over the rx queues by the device */
	uint8_t mac[6];	      /* the port's MAC after start */
	bool mac_in_software; /* the configured MAC, which the PMD cannot take (net_memif) */
};

/*
 * The DPDK port id of a vdev given as "name,arg=value,...": the name is
 * what comes before the first comma. 0, or -ENODEV when no such port.
 */
int port_find_id(const char *device, uint16_t *port_id);

/*
 * Configure the queues, set the MAC, enable promiscuous mode when asked, and
 * start the port. 0 or -errno (-ENOTSUP when the device has fewer tx queues
 * than workers); on failure the port is left stopped.
 */
int port_start(const struct port_conf *conf, struct port_info *info);

/*
 * The mbuf data room (RTE_PKTMBUF_HEADROOM included) a device given as
 * "name,arg=value,..." needs to receive its biggest frame whole; never less
 * than RTE_MBUF_DEFAULT_BUF_SIZE. net_af_packet copies each frame of its
 * kernel ring into ONE mbuf (it never chains on rx) and refuses, at rx queue
 * set-up, a room smaller than its ring frame (framesz=, 2048 by default)
 * less the TPACKET2 header it does not copy; so framesz=4096 lets a
 * datagram the kernel reassembled (up to ~4000 bytes) arrive whole instead
 * of truncated. Other devices: the default. 0 when framesz is not a number
 * or the room would not fit a mempool's 16-bit data room.
 */
unsigned port_rx_data_room(const char *device);

/* Stop and close the port (idempotent enough for an exit path). */
void port_stop(uint16_t port_id);

/*
 * Mbufs a pool needs so that these ports' rings, and every worker's burst
 * and per-lcore cache, can all be full at once.
 */
unsigned port_pool_size(unsigned n_ports, unsigned n_workers, uint16_t rx_desc, uint16_t tx_desc,
			unsigned burst, unsigned cache);

#endif
