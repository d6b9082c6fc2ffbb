/* SPDX-License-Identifier: BSD-3-Clause */
#include "dpdk_nat.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_lpm.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define NH_LOCAL 1
#define NH_IGW 2

struct dnat_eni {
	struct rte_ether_addr mac;
	uint16_t port;
};

struct dpdk_nat {
	struct rte_hash *eip, *priv, *mac, *v6;
	struct rte_lpm *lpm;
	struct dnat_eni *enis;
	uint32_t n_enis;
	uint16_t n_ports, uplink;
	struct rte_ether_addr port_mac[DPDK_NAT_MAX_PORTS];
	struct rte_ether_addr upstream;
};

static struct rte_hash *hash_new(const char *name, uint32_t n, uint32_t key_len)
{
	struct rte_hash_parameters p = {
	    .name = name,
	    .entries = n + n / 4 + 64, /* room: cuckoo buckets fill before the table does */
	    .key_len = key_len,
	    .hash_func = rte_jhash,
	    .socket_id = 0,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	return rte_hash_create(&p);
}

static uint64_t mac_key(uint16_t port, const uint8_t mac[6])
{
	uint64_t k = port;

	memcpy((uint8_t *)&k + 2, mac, 6);
	return k;
}

struct dpdk_nat *dpdk_nat_create(const struct bench_vpc *v)
{
	struct dpdk_nat *t = calloc(1, sizeof(*t));
	struct rte_lpm_config lc = {.max_rules = 1024, .number_tbl8s = 256};
	int rc = 0;

	if (t == NULL)
		return NULL;
	t->eip = hash_new("dnat_eip", v->n_eips, 4);
	t->priv = hash_new("dnat_priv", v->n_v4, 4);
	t->mac = hash_new("dnat_mac", v->n_enis, 8);
	t->v6 = hash_new("dnat_v6", v->n_v6, 16);
	t->lpm = rte_lpm_create("dnat_lpm", 0, &lc);
	t->enis = calloc(v->n_enis, sizeof(*t->enis));
	if (!t->eip || !t->priv || !t->mac || !t->v6 || !t->lpm || !t->enis) {
		dpdk_nat_free(t);
		return NULL;
	}
	t->n_enis = v->n_enis;
	t->n_ports = (uint16_t)v->cfg.engine.n_ports;
	for (uint16_t p = 0; p < t->n_ports && p < DPDK_NAT_MAX_PORTS; p++) {
		uint8_t mac[6] = {0x02, 0xbe, 0, 0, 0, (uint8_t)p};

		memcpy(t->port_mac[p].addr_bytes, mac, 6);
		if (v->cfg.engine.ports[p].role == ENGINE_PORT_UPLINK)
			t->uplink = p;
	}
	uint8_t up[6] = {0x02, 0xfe, 0, 0, 0, 1};
	memcpy(t->upstream.addr_bytes, up, 6);
	for (uint32_t s = 0; s < v->n_enis; s++) {
		memcpy(t->enis[s].mac.addr_bytes, v->enis[s].mac, 6);
		t->enis[s].port = v->enis[s].port;
		if (v->enis[s].port != 0xffff) {
			uint64_t k = mac_key(v->enis[s].port, v->enis[s].mac);
			rc |= rte_hash_add_key_data(t->mac, &k, (void *)(uintptr_t)s);
		}
	}
	for (uint32_t i = 0; i < v->n_eips; i++)
		rc |= rte_hash_add_key_data(
		    t->eip, &v->eip[i],
		    (void *)(((uintptr_t)v->eip_slot[i] << 32) | v->eip_priv[i]));
	for (uint32_t i = 0; i < v->n_v4; i++)
		rc |= rte_hash_add_key_data(
		    t->priv, &v->v4[i], (void *)(((uintptr_t)v->v4_slot[i] << 32) | v->v4_eip[i]));
	for (uint32_t i = 0; i < v->n_v6; i++)
		rc |= rte_hash_add_key_data(t->v6, v->v6[i], (void *)(uintptr_t)v->v6_slot[i]);
	if (rc != 0)
		fprintf(stderr, "dpdk baseline: hash add failed: %s\n", strerror(-rc));
	if (rte_lpm_add(t->lpm, RTE_IPV4(10, 0, 0, 0), 8, NH_LOCAL) != 0 ||
	    /* rte_lpm has no /0: the default route as two /1 */
	    rte_lpm_add(t->lpm, 0, 1, NH_IGW) != 0 ||
	    rte_lpm_add(t->lpm, RTE_IPV4(128, 0, 0, 0), 1, NH_IGW) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "dpdk baseline: table add failed\n");
		dpdk_nat_free(t);
		return NULL;
	}
	return t;
}

void dpdk_nat_free(struct dpdk_nat *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->eip);
	rte_hash_free(t->priv);
	rte_hash_free(t->mac);
	rte_hash_free(t->v6);
	rte_lpm_free(t->lpm);
	free(t->enis);
	free(t);
}

/* RFC 1624 incremental update of a checksum for a 32-bit field change. */
static inline uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
	uint32_t s = (uint16_t)~csum;

	s += (uint16_t) ~(old >> 16) + (uint16_t) ~(old & 0xffff);
	s += (new >> 16) + (new & 0xffff);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TTL - 1 and the header checksum adjusted (the TTL is the high byte of its word). */
static inline void ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t s;

	ip->time_to_live--;
	s = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(s + (s >> 16));
}

/* Rewrite one IPv4 address (dst or src) with the IP and L4 checksums. */
static inline void nat_addr(struct rte_ipv4_hdr *ip, bool dst, uint32_t new)
{
	uint32_t old = dst ? ip->dst_addr : ip->src_addr;

	if (dst)
		ip->dst_addr = new;
	else
		ip->src_addr = new;
	ip->hdr_checksum = csum_update32(ip->hdr_checksum, old, new);
	if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return;
	if (ip->next_proto_id == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		if (u->dgram_cksum != 0)
			u->dgram_cksum = csum_update32(u->dgram_cksum, old, new);
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		uint16_t *c = (uint16_t *)((uint8_t *)(ip + 1) + 16);
		*c = csum_update32(*c, old, new);
	}
}

static inline void queue(struct dpdk_nat_tx *tx, uint16_t port, struct rte_mbuf *m)
{
	tx->pkts[port][tx->n[port]++] = m;
}

/* A plain Ethernet + option-less IPv4 header with TTL > 1, or NULL. */
static inline struct rte_ipv4_hdr *ip4_of(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + 8 ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || ip->version_ihl != 0x45 ||
	    ip->time_to_live <= 1)
		return NULL;
	return ip;
}

static void from_uplink(const struct dpdk_nat *t, struct rte_mbuf **pkts, uint16_t n,
			struct dpdk_nat_tx *tx)
{
	const void *k4[64], *k6[64];
	struct rte_mbuf *m4[64], *m6[64];
	void *d4[64], *d6[64];
	uint64_t hit4 = 0, hit6 = 0;
	unsigned n4 = 0, n6 = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = ip4_of(m);

		if (ip != NULL) {
			k4[n4] = &ip->dst_addr;
			m4[n4++] = m;
		} else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
			   m->data_len >= sizeof(*eh) + sizeof(struct rte_ipv6_hdr) &&
			   ((struct rte_ipv6_hdr *)(eh + 1))->hop_limits > 1) {
			k6[n6] = ((struct rte_ipv6_hdr *)(eh + 1))->dst_addr;
			m6[n6++] = m;
		} else {
			rte_pktmbuf_free(m);
		}
	}
	if (n4)
		rte_hash_lookup_bulk_data(t->eip, k4, n4, &hit4, d4);
	if (n6)
		rte_hash_lookup_bulk_data(t->v6, k6, n6, &hit6, d6);
	for (unsigned i = 0; i < n4; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m4[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		uintptr_t v = (uintptr_t)d4[i];
		const struct dnat_eni *e;

		if (!(hit4 >> i & 1) || (e = &t->enis[v >> 32])->port >= t->n_ports) {
			rte_pktmbuf_free(m4[i]);
			continue;
		}
		ttl_dec(ip);
		nat_addr(ip, true, (uint32_t)v);
		eh->dst_addr = e->mac;
		eh->src_addr = t->port_mac[e->port];
		queue(tx, e->port, m4[i]);
	}
	for (unsigned i = 0; i < n6; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m6[i], struct rte_ether_hdr *);
		const struct dnat_eni *e;

		if (!(hit6 >> i & 1) || (e = &t->enis[(uintptr_t)d6[i]])->port >= t->n_ports) {
			rte_pktmbuf_free(m6[i]);
			continue;
		}
		((struct rte_ipv6_hdr *)(eh + 1))->hop_limits--;
		eh->dst_addr = e->mac;
		eh->src_addr = t->port_mac[e->port];
		queue(tx, e->port, m6[i]);
	}
}

/* IPv4 from a machine: source ENI by MAC, source check, route, SNAT or local delivery. */
static void from_host(const struct dpdk_nat *t, uint16_t in_port, struct rte_mbuf **pkts,
		      uint16_t n, struct dpdk_nat_tx *tx)
{
	uint64_t mk[64];
	const void *kmac[64], *ksrc[64], *kdst[64];
	struct rte_mbuf *m4[64], *ml[64];
	struct rte_ipv4_hdr *ipl[64];
	void *dmac[64], *dsrc[64], *ddst[64];
	uint32_t dst[64], hop[64];
	uint64_t hmac = 0, hsrc = 0, hdst = 0;
	unsigned n4 = 0, nl = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = ip4_of(pkts[i]);

		if (ip == NULL) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		mk[n4] = mac_key(in_port, eh->src_addr.addr_bytes);
		kmac[n4] = &mk[n4];
		ksrc[n4] = &ip->src_addr;
		dst[n4] = rte_be_to_cpu_32(ip->dst_addr);
		m4[n4++] = pkts[i];
	}
	if (n4 == 0)
		return;
	rte_hash_lookup_bulk_data(t->mac, kmac, n4, &hmac, dmac);
	rte_hash_lookup_bulk_data(t->priv, ksrc, n4, &hsrc, dsrc);
	rte_lpm_lookup_bulk(t->lpm, dst, hop, n4);
	for (unsigned i = 0; i < n4; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m4[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		uintptr_t src = (uintptr_t)dsrc[i];
		unsigned nh = (hop[i] & RTE_LPM_LOOKUP_SUCCESS) ? (hop[i] & 0xffffff) : 0;

		/* anti-spoofing: the source address belongs to the sending ENI */
		if (!(hmac >> i & 1) || !(hsrc >> i & 1) || (src >> 32) != (uintptr_t)dmac[i]) {
			rte_pktmbuf_free(m4[i]);
			continue;
		}
		if (nh == NH_IGW && (uint32_t)src != 0) {
			ttl_dec(ip);
			nat_addr(ip, false, (uint32_t)src);
			eh->dst_addr = t->upstream;
			eh->src_addr = t->port_mac[t->uplink];
			queue(tx, t->uplink, m4[i]);
		} else if (nh == NH_LOCAL) {
			kdst[nl] = &ip->dst_addr;
			ipl[nl] = ip;
			ml[nl++] = m4[i];
		} else {
			rte_pktmbuf_free(m4[i]);
		}
	}
	if (nl == 0)
		return;
	rte_hash_lookup_bulk_data(t->priv, kdst, nl, &hdst, ddst);
	for (unsigned i = 0; i < nl; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(ml[i], struct rte_ether_hdr *);
		const struct dnat_eni *e;

		if (!(hdst >> i & 1) ||
		    (e = &t->enis[(uintptr_t)ddst[i] >> 32])->port >= t->n_ports) {
			rte_pktmbuf_free(ml[i]);
			continue;
		}
		ttl_dec(ipl[i]);
		eh->dst_addr = e->mac;
		eh->src_addr = t->port_mac[e->port];
		queue(tx, e->port, ml[i]);
	}
}

void dpdk_nat_burst(const struct dpdk_nat *t, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
		    struct dpdk_nat_tx *tx)
{
	if (in_port == t->uplink)
		from_uplink(t, pkts, n, tx);
	else
		from_host(t, in_port, pkts, n, tx);
}

uint64_t dpdk_nat_eip_lookup(const struct dpdk_nat *t, const uint32_t *eips, unsigned n)
{
	const void *k[64];
	void *d[64];
	uint64_t hits = 0, total = 0;

	for (unsigned i = 0; i < n; i += 32) { /* the worker's burst */
		unsigned b = n - i < 32 ? n - i : 32;

		/* cppcheck-suppress knownConditionTrueFalse ; b >= 1 since i < n */
		for (unsigned j = 0; j < b; j++)
			k[j] = &eips[i + j];
		rte_hash_lookup_bulk_data(t->eip, k, b, &hits, d);
		total += (uint64_t)__builtin_popcountll(hits);
	}
	return total;
}
