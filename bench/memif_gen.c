/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memif_gen.c - the generator and sink of bench/vs_ovs.sh, on one lcore:
 * 64-byte UDP frames (60 bytes + FCS on a wire) to destinations uniformly
 * random over N consecutive IPv4 addresses (the EIPs) out of port 0, and a
 * count of what comes back on port 1, for a fixed time. The router under
 * test sits between the two ports (two net_memif links, no kernel).
 *
 * Usage: enimap-memif-gen EAL_ARGS -- DST_MAC FIRST_DST N SECONDS PRIVATE_CIDR [RX_QUEUES]
 *   EAL_ARGS name the two ports (--vdev=net_memifX,...): port 0 sends,
 *   port 1 receives, on RX_QUEUES queues (default 1; memif connects as many
 *   rings as the client asks for, and a router sending on a ring that is not
 *   connected drops: OVS-DPDK sends on queue 1 from its PMD thread). A
 *   frame received counts as good when it is IPv4 UDP to PRIVATE_CIDR with
 *   both checksums right (a router translated it, and updated them right),
 *   as bad_csum when it is IPv4 UDP with a wrong one, else as other.
 *
 * It waits for both links, sends one second unmeasured (the router's
 * caches warm, its flows set up), then SECONDS measured, and prints
 *   sent=S received=R good=G bad_csum=B other=O seconds=T received_pps=RP good_pps=GP
 * Exit 1 when a link never comes up.
 */
/* rte_ipv4_udptcp_cksum_verify() is experimental in DPDK 22.11 */
#define ALLOW_EXPERIMENTAL_API
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "bench_frame.h"
#include "pkt.h" /* the dataplane's incremental checksum updates */

#define LEN 60 /* 64 on a wire with the FCS */
#define BURST 32
#define POOL 16383
#define MAX_RXQ 8

/* receive queues on port 1: one per queue the router sends on (OVS-DPDK: 2) */
static uint16_t n_rxq = 1;

/*
 * Every frame is the template, built once with destination 0.0.0.0, copied
 * into a fresh mbuf, then given its own random destination with both
 * checksums patched. A fresh destination per frame, not a cycled table: at
 * 1M EIPs a table of 8192 frames would reach 8192 of them, and a router's
 * caches (OVS-DPDK's EMC and datapath flows) would see a small world.
 * (Measured through testpmd io: sending kept mbufs with one more reference
 * each gave 5.7 Mpps against 7.2 for the copy: the atomic reference count
 * costs more than a 60-byte copy.)
 */
static uint8_t template[LEN];
#define OFF_IP_CSUM (14 + 10)
#define OFF_IP_DST (14 + 16)
#define OFF_UDP_CSUM (14 + 20 + 6)

struct dst_draw {
	uint64_t rng;
	uint32_t first, n; /* host order */
};

/* The next destination, uniformly over [first, first + n), network order. */
static inline uint32_t next_dst(struct dst_draw *d)
{
	/* multiply-shift instead of a division: uniform enough for n << 2^32 */
	return rte_cpu_to_be_32(d->first +
				(uint32_t)(((uint64_t)bench_rand(&d->rng) * d->n) >> 32));
}

struct tally {
	uint64_t sent, received, good, bad_csum, other;
};

struct cidr {
	uint32_t net, mask; /* host order */
};

static bool parse_cidr(const char *s, struct cidr *c)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	int len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	len = atoi(slash + 1);
	if (inet_pton(AF_INET, buf, &a) != 1 || len < 0 || len > 32)
		return false;
	c->mask = len == 0 ? 0 : ~0u << (32 - len);
	c->net = ntohl(a.s_addr) & c->mask;
	return true;
}

static bool port_start(uint16_t port, uint16_t n_rxq, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, n_rxq, 1, &conf) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, (unsigned)rte_socket_id(), NULL) != 0)
		return false;
	for (uint16_t q = 0; q < n_rxq; q++)
		if (rte_eth_rx_queue_setup(port, q, 1024, (unsigned)rte_socket_id(), NULL, pool) !=
		    0)
			return false;
	return rte_eth_dev_start(port) == 0;
}

/*
 * Both links up, then one empty receive on each port: a memif receiver hands
 * its ring's buffers to the sender when it polls. memif connects from the
 * interrupt thread, and a client refused (a server whose port is not started
 * yet: "ID not found") does not try again: a port still down after a second
 * is restarted, which connects it anew (20 s at most).
 */
static bool links_up(void)
{
	for (int tries = 1; tries <= 20000; tries++) {
		struct rte_eth_link l[2];
		bool up = true;

		for (uint16_t p = 0; p < 2; p++) {
			if (rte_eth_link_get_nowait(p, &l[p]) != 0 || !l[p].link_status) {
				up = false;
				if (tries % 1000 == 0) {
					rte_eth_dev_stop(p);
					rte_eth_dev_start(p);
				}
			}
		}
		if (up) {
			struct rte_mbuf *m[BURST];
			uint16_t n;

			while ((n = rte_eth_rx_burst(0, 0, m, BURST)) > 0)
				rte_pktmbuf_free_bulk(m, n);
			for (uint16_t q = 0; q < n_rxq; q++)
				while ((n = rte_eth_rx_burst(1, q, m, BURST)) > 0)
					rte_pktmbuf_free_bulk(m, n);
			return true;
		}
		usleep(1000);
	}
	return false;
}

enum verdict { OTHER, GOOD, BAD_CSUM };

/*
 * GOOD: IPv4 UDP to PRIVATE_CIDR, both checksums right (translated, and
 * translated right); BAD_CSUM: IPv4 UDP with a wrong IPv4 or UDP checksum,
 * wherever it goes (io's untranslated frames check the generator's own).
 */
static enum verdict classify(const struct rte_mbuf *m, const struct cidr *priv)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + 14);

	if (m->data_len < LEN || p[12] != 0x08 || p[13] != 0x00 || ip->version_ihl != 0x45 ||
	    ip->next_proto_id != IPPROTO_UDP)
		return OTHER;
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff || /* the sum over a right header */
	    rte_ipv4_udptcp_cksum_verify(ip, ip + 1) != 0)
		return BAD_CSUM;
	return (rte_be_to_cpu_32(ip->dst_addr) & priv->mask) == priv->net ? GOOD : OTHER;
}

/* Send and count until tsc_end; the tally only when t is not NULL. */
static void run(struct rte_mempool *pool, struct dst_draw *d, uint64_t tsc_end,
		const struct cidr *priv, struct tally *t)
{
	struct rte_mbuf *tx[BURST], *rx[BURST];

	while (rte_rdtsc() < tsc_end) {
		if (rte_pktmbuf_alloc_bulk(pool, tx, BURST) == 0) {
			for (unsigned i = 0; i < BURST; i++) {
				uint8_t *f = rte_pktmbuf_mtod(tx[i], uint8_t *);
				uint32_t dst = next_dst(d);

				memcpy(f, template, LEN);
				memcpy(f + OFF_IP_DST, &dst, 4);
				/* the template's checksums cover 0.0.0.0 there (RFC 1624) */
				pkt_csum_adj32(f + OFF_IP_CSUM, 0, dst);
				pkt_csum_adj32_udp(f + OFF_UDP_CSUM, 0,
						   dst); /* the pseudo-header's */
				tx[i]->data_len = LEN;
				tx[i]->pkt_len = LEN;
			}
			uint16_t s = rte_eth_tx_burst(0, 0, tx, BURST);
			if (s < BURST)
				rte_pktmbuf_free_bulk(tx + s, BURST - s);
			if (t != NULL)
				t->sent += s;
		}
		for (uint16_t q = 0; q < n_rxq; q++) {
			uint16_t r = rte_eth_rx_burst(1, q, rx, BURST);

			if (t != NULL) {
				t->received += r;
				for (uint16_t i = 0; i < r; i++) {
					enum verdict v = classify(rx[i], priv);

					t->good += v == GOOD;
					t->bad_csum += v == BAD_CSUM;
					t->other += v == OTHER;
				}
			}
			if (r > 0)
				rte_pktmbuf_free_bulk(rx, r);
		}
	}
}

int main(int argc, char **argv)
{
	uint8_t dmac[6];
	struct in_addr first;
	struct cidr priv;
	struct tally t = {0};
	int used = rte_eal_init(argc, argv);

	if (used < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	argc -= used;
	argv += used;
	if (argc == 7)
		n_rxq = (uint16_t)atoi(argv[6]);
	if ((argc != 6 && argc != 7) || n_rxq < 1 || n_rxq > MAX_RXQ ||
	    sscanf(argv[1], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3],
		   &dmac[4], &dmac[5]) != 6 ||
	    inet_pton(AF_INET, argv[2], &first) != 1 || !parse_cidr(argv[5], &priv)) {
		fprintf(stderr, "usage: enimap-memif-gen EAL_ARGS -- DST_MAC FIRST_DST N SECONDS "
				"PRIVATE_CIDR [RX_QUEUES]\n");
		return 2;
	}
	uint32_t n = (uint32_t)strtoul(argv[3], NULL, 0);
	double seconds = atof(argv[4]);
	if (n == 0 || seconds <= 0 || seconds > 600 || rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "N > 0, 0 < SECONDS <= 600, and two ports\n");
		return 2;
	}
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
	    "memif_gen", POOL, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL || !port_start(0, 1, pool) || !port_start(1, n_rxq, pool)) {
		fprintf(stderr, "cannot set up the ports\n");
		return 1;
	}
	if (!links_up()) {
		fprintf(stderr, "the memif links did not come up\n");
		return 1;
	}
	static const uint8_t smac[6] = {0x02, 0x99, 0x00, 0x00, 0x00, 0x01};
	struct dst_draw d = {.rng = 0x853c49e6748fea9bull, .first = ntohl(first.s_addr), .n = n};

	/* 198.18.0.2:12345 -> 0.0.0.0:5001, both checksums (a NAT updates them) */
	bench_fill_udp4(template, LEN, dmac, smac, htonl(0xc6120002), 0, 0, BENCH_UDP_CSUM);
	uint64_t hz = rte_get_tsc_hz();
	run(pool, &d, rte_rdtsc() + hz, &priv, NULL);
	uint64_t t0 = rte_rdtsc();
	run(pool, &d, t0 + (uint64_t)(seconds * (double)hz), &priv, &t);
	double took = (double)(rte_rdtsc() - t0) / (double)hz;
	printf("sent=%llu received=%llu good=%llu bad_csum=%llu other=%llu seconds=%.3f "
	       "received_pps=%.0f good_pps=%.0f\n",
	       (unsigned long long)t.sent, (unsigned long long)t.received,
	       (unsigned long long)t.good, (unsigned long long)t.bad_csum,
	       (unsigned long long)t.other, took, (double)t.received / took, (double)t.good / took);
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eal_cleanup();
	return 0;
}
