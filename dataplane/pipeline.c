/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline.c - the per-burst packet logic (see pipeline.h, SPEC section 3).
 *
 * A burst goes through stages, each over the whole burst (l3fwd style):
 *
 *   1. parse every packet (prefetching the next ones), validate its headers
 *      against the bytes really present, and collect the lookup keys; ARP and
 *      ICMPv6 ND (rare) are answered or dropped right there (neigh.h);
 *   2. bulk lookups: uplink: EIP (IPv4) or IPv6 owner; host: source ENI by
 *      {port, VLAN, MAC}, source owner (anti-spoofing), route, destination
 *      owner (or EIP, for hairpin);
 *   3. emit: TTL, NAT with incremental checksums (nat4.h), Ethernet/VLAN
 *      rewrite, and the packet appended to its output port.
 *
 * Choices where SPEC.md is silent:
 *   - every forwarded IP packet is routed by the engine and has its TTL or
 *     hop limit decremented; TTL <= 1 is dropped as 'ttl', no ICMP time
 *     exceeded is generated;
 *   - the IPv4 header checksum of every packet is verified (bad: 'malformed');
 *   - IPv6 duplicate address detection probes (source ::) are never answered,
 *     nor are router solicitations or other ND messages ('nd-unanswered');
 *   - a machine's ARP/NS is answered only when the asking ENI is known by
 *     {port, VLAN, source MAC}; the target must be in the ENI's subnet and not
 *     owned by that ENI;
 *   - an IPv4 packet from a machine to an associated EIP (hairpin, D11) is
 *     recognised when its route is 'igw': its source becomes the sender's EIP
 *     when it has one (else it stays private), its destination the EIP's
 *     private address.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "nat4.h"
#include "neigh.h"
#include "pkt.h"

#define PREFETCH_AHEAD 4

struct pipeline_worker {
	unsigned id;
	struct counters *c;
} __attribute__((aligned(64)));

/* What stage 1 found in a packet. */
enum pk_kind {
	PK_DONE = 0, /* consumed (answered, dropped) */
	PK_V4,
	PK_V6,
	PK_ARP,
	PK_ND,
};

/* Where stage 2 sends a packet. */
enum pk_act {
	ACT_ENI = 1,	/* to ENI slot `to` */
	ACT_UPLINK = 2, /* out of the uplink, to the upstream router */
};

struct pmeta {
	uint8_t *l3;
	uint32_t src4, dst4; /* network order (IPv4) */
	uint32_t eni_src;    /* host: the sending ENI's slot */
	uint32_t eip_src;    /* host IPv4: the source's EIP, 0 = none */
	uint32_t nh;	     /* host: route next hop */
	uint32_t to;	     /* ACT_ENI: destination ENI slot */
	uint32_t nat_src;    /* new IPv4 source, 0 = unchanged */
	uint32_t nat_dst;    /* new IPv4 destination, 0 = unchanged */
	uint32_t home;	     /* host IPv4: em4 home bucket of src4 in priv4, then of dst4 */
	uint16_t l2_len;     /* 14, or 18 with an 802.1Q tag */
	uint16_t vlan;	     /* VLAN id, 0 = untagged */
	uint16_t l3_len;     /* IPv4 total length / IPv6 40 + payload */
	uint16_t seg_l3;     /* bytes of the L3 packet in the first segment */
	uint8_t kind;	     /* enum pk_kind */
	uint8_t act;	     /* enum pk_act */
	uint8_t ihl;	     /* IPv4 header bytes */
	uint8_t proto;	     /* IPv4 protocol */
	uint8_t l4;	     /* IPv4: the L4 header is here (not a later fragment) */
};

static inline bool v4_multicast(uint32_t a)
{
	const uint8_t *b = (const uint8_t *)&a;
	return (b[0] & 0xf0) == 0xe0 || a == 0xffffffffu;
}

static inline bool v6_not_unicast(const uint8_t *a)
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static inline void count_drop(struct counters *c, uint16_t in_port, unsigned reason)
{
	c->drop[reason]++;
	c->port[in_port].drop++;
}

static inline void drop(struct counters *c, struct rte_mbuf *m, uint16_t in_port, unsigned reason)
{
	rte_pktmbuf_free(m);
	count_drop(c, in_port, reason);
}

/* ---- stage 1: parse ---- */

/* Validate the L4 header of an IPv4 packet that carries it. 0 or -1. */
static int parse_l4(const uint8_t *ip, struct pmeta *pm, bool whole)
{
	unsigned room = (unsigned)pm->l3_len - pm->ihl; /* L4 bytes in the packet */
	unsigned seg = (unsigned)pm->seg_l3 - pm->ihl;	/* ... in the first segment */
	const uint8_t *l4 = ip + pm->ihl;
	unsigned need;

	switch (pm->proto) {
	case PKT_PROTO_TCP:
		need = 20;
		if (room < need || seg < need)
			return -1;
		if ((l4[12] >> 4) * 4u < 20 || (whole && (l4[12] >> 4) * 4u > room))
			return -1;
		break;
	case PKT_PROTO_UDP:
		need = 8;
		if (room < need || seg < need)
			return -1;
		if (whole && (pkt_be16(l4 + 4) < 8 || pkt_be16(l4 + 4) > room))
			return -1;
		break;
	case PKT_PROTO_ICMP:
		need = 8;
		if (room < need || seg < need)
			return -1;
		break;
	default:
		return 0; /* other protocols: only the IP header is rewritten */
	}
	pm->l4 = 1;
	return 0;
}

/* Parse one packet, any kind. Returns its enum pk_kind, or -(drop reason + 1). */
static __attribute__((noinline)) int parse_any(struct rte_mbuf *m, struct pmeta *pm)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t seg = m->data_len, len = m->pkt_len, off = PKT_ETH_LEN;
	uint16_t et;

	if (seg < PKT_ETH_LEN)
		return -(COUNTERS_DROP_MALFORMED + 1);
	et = pkt_be16(e + 12);
	pm->vlan = 0;
	if (et == PKT_ET_VLAN) {
		if (seg < PKT_ETH_LEN + PKT_VLAN_LEN)
			return -(COUNTERS_DROP_MALFORMED + 1);
		pm->vlan = pkt_be16(e + 14) & 0x0fff;
		et = pkt_be16(e + 16);
		off += PKT_VLAN_LEN;
	}
	pm->l2_len = (uint16_t)off;
	pm->l3 = e + off;
	seg -= off;
	len -= off;
	if (et == PKT_ET_IPV4) {
		const uint8_t *ip = pm->l3;
		unsigned ihl, tot;
		uint16_t frag;

		if (seg < 20 || (ip[0] >> 4) != 4)
			return -(COUNTERS_DROP_MALFORMED + 1);
		ihl = (ip[0] & 0xfu) * 4u;
		tot = pkt_be16(ip + 2);
		if (ihl < 20 || ihl > seg || tot < ihl || tot > len)
			return -(COUNTERS_DROP_MALFORMED + 1);
		if (!pkt_ip4_csum_ok(ip, ihl))
			return -(COUNTERS_DROP_MALFORMED + 1);
		pm->ihl = (uint8_t)ihl;
		pm->l3_len = (uint16_t)tot;
		pm->seg_l3 = (uint16_t)(seg < tot ? seg : tot);
		pm->proto = ip[9];
		pm->src4 = pkt_ld32(ip + 12);
		pm->dst4 = pkt_ld32(ip + 16);
		pm->l4 = 0;
		frag = pkt_be16(ip + 6);
		if ((frag & 0x1fff) == 0 && parse_l4(ip, pm, !(frag & 0x2000)) != 0)
			return -(COUNTERS_DROP_MALFORMED + 1);
		return PK_V4;
	}
	if (et == PKT_ET_IPV6) {
		const uint8_t *ip = pm->l3;
		unsigned tot;

		if (seg < 40 || (ip[0] >> 4) != 6)
			return -(COUNTERS_DROP_MALFORMED + 1);
		tot = 40u + pkt_be16(ip + 4);
		if (tot > len)
			return -(COUNTERS_DROP_MALFORMED + 1);
		pm->l3_len = (uint16_t)tot;
		pm->seg_l3 = (uint16_t)(seg < tot ? seg : tot);
		if (ip[6] == PKT_PROTO_ICMP6) {
			if (tot < 44 || seg < 41)
				return -(COUNTERS_DROP_MALFORMED + 1);
			if (ip[40] >= 133 && ip[40] <= 137)
				return PK_ND;
		}
		return PK_V6;
	}
	if (et == PKT_ET_ARP)
		return PK_ARP;
	return -(COUNTERS_DROP_NOT_IP + 1);
}

/*
 * Parse one packet: parse_any's result. The common cases, an untagged IPv4
 * UDP packet with a 20-byte header, not a fragment, or an untagged IPv6
 * packet other than ICMPv6, all in the first segment, are recognised and
 * validated here with a few combined tests (the same checks parse_any makes
 * for them); anything else goes to parse_any.
 */
static __rte_always_inline int parse(struct rte_mbuf *m, struct pmeta *pm)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = e + PKT_ETH_LEN;
	unsigned seg = m->data_len;

	if (likely(seg >= PKT_ETH_LEN + 28 && pkt_ld16(e + 12) == RTE_BE16(PKT_ET_IPV4) &&
		   ip[0] == 0x45 && ip[9] == PKT_PROTO_UDP &&
		   (pkt_ld16(ip + 6) & RTE_BE16(0x3fff)) == 0)) {
		unsigned tot = pkt_be16(ip + 2), udp_len = pkt_be16(ip + 24);

		if (likely(tot >= 28 && tot <= seg - PKT_ETH_LEN && udp_len >= 8 &&
			   udp_len <= tot - 20 && pkt_ip4_csum_ok(ip, 20))) {
			pm->vlan = 0;
			pm->l2_len = PKT_ETH_LEN;
			pm->l3 = ip; /* (ihl, proto, l3_len: read by parse_any and ND only) */
			pm->seg_l3 = (uint16_t)tot;
			pm->src4 = pkt_ld32(ip + 12);
			pm->dst4 = pkt_ld32(ip + 16);
			pm->l4 = 1;
			return PK_V4;
		}
	} else if (likely(seg >= PKT_ETH_LEN + 40 && pkt_ld16(e + 12) == RTE_BE16(PKT_ET_IPV6) &&
			  (ip[0] >> 4) == 6 && ip[6] != PKT_PROTO_ICMP6)) {
		/* IPv6 other than ICMPv6 (ND is answered), all in the first segment */
		unsigned tot = 40u + pkt_be16(ip + 4);

		if (likely(tot <= seg - PKT_ETH_LEN)) {
			pm->vlan = 0;
			pm->l2_len = PKT_ETH_LEN;
			pm->l3 = ip;
			pm->l3_len = (uint16_t)tot;
			pm->seg_l3 = (uint16_t)tot;
			return PK_V6;
		}
	}
	return parse_any(m, pm);
}

/* ---- stage 3: rewrite and emit ---- */

/* Ethernet header for the next hop, adding, changing or removing the VLAN tag. */
static __attribute__((noinline)) int l2_write_vlan(struct rte_mbuf *m, const struct pmeta *pm,
						   const uint8_t *dst, const uint8_t *src,
						   uint16_t vlan)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);

	if (pm->l2_len == PKT_ETH_LEN + PKT_VLAN_LEN) {
		if (vlan == 0) {
			memmove(e + PKT_VLAN_LEN, e, 12);
			e = (uint8_t *)rte_pktmbuf_adj(m, PKT_VLAN_LEN);
		} else {
			pkt_st16(e + 14,
				 rte_cpu_to_be_16((uint16_t)((pkt_be16(e + 14) & 0xf000) | vlan)));
		}
	} else if (vlan != 0) {
		e = (uint8_t *)rte_pktmbuf_prepend(m, PKT_VLAN_LEN);
		if (e == NULL)
			return -1;
		memmove(e, e + PKT_VLAN_LEN, 12);
		pkt_st16(e + 12, rte_cpu_to_be_16(PKT_ET_VLAN));
		pkt_st16(e + 14, rte_cpu_to_be_16(vlan));
	}
	memcpy(e, dst, 6);
	memcpy(e + 6, src, 6);
	return 0;
}

/* The Ethernet rewrite; untagged in and out (the common case) is two 6-byte stores. */
static __rte_always_inline int l2_write(struct rte_mbuf *m, const struct pmeta *pm,
					const uint8_t *dst, const uint8_t *src, uint16_t vlan)
{
	if (likely(pm->l2_len == PKT_ETH_LEN && vlan == 0)) {
		uint8_t *e = pm->l3 - PKT_ETH_LEN;
		memcpy(e, dst, 6);
		memcpy(e + 6, src, 6);
		return 0;
	}
	return l2_write_vlan(m, pm, dst, src, vlan);
}

/* TTL / hop limit: true when the packet may be forwarded (> 1). */
static __rte_always_inline bool ttl_ok(const struct pmeta *pm)
{
	return pm->l3[pm->kind == PK_V6 ? 7 : 8] > 1;
}

/* The L3 rewrite: hop limit, or TTL and NAT with one update per checksum. */
static __rte_always_inline void l3_write(struct pmeta *pm)
{
	if (pm->kind == PK_V6)
		pm->l3[7]--;
	else
		nat4_forward(pm->l3, pm->seg_l3, pm->l4, pm->nat_src, pm->nat_dst);
}

/* Port tx counters are not counted here but once per burst (pipeline_burst). */
static __rte_always_inline void enqueue(struct counters *c, struct pipeline_tx *tx, uint16_t port,
					struct rte_mbuf *m, uint16_t in_port)
{
	if (unlikely(tx->n[port] >= PIPELINE_BURST_MAX)) {
		drop(c, m, in_port, COUNTERS_DROP_TX_FULL);
		return;
	}
	tx->pkts[port][tx->n[port]++] = m;
}

/*
 * What emit needs, read once per burst. As locals they stay in registers:
 * fields read through s or c would be reloaded after every packet write (a
 * byte store may alias anything). The upstream MAC is resolved once too.
 */
struct emit_ctx {
	struct counters *c;
	struct counters_eni *ceni;
	const struct eni_fwd *enis;
	const struct fwd_port *ports;
	struct pipeline_tx *tx;
	uint32_t host_ports; /* bit p: port p exists and is a host port */
	uint16_t in_port;
	int16_t uplink; /* the uplink port, -1 when none or its upstream MAC is unknown */
	uint8_t up_mac[6];
};

static __rte_always_inline void emit_ctx_init(struct emit_ctx *e, struct counters *c,
					      const struct fwd_side *s, uint16_t in_port,
					      struct pipeline_tx *tx)
{
	e->c = c;
	e->ceni = c->eni;
	e->enis = s->enis;
	e->ports = s->ports;
	e->tx = tx;
	e->host_ports = 0;
	for (unsigned p = 0; p < s->n_ports && p < FWD_MAX_PORTS; p++)
		if (s->ports[p].role == FWD_PORT_HOST)
			e->host_ports |= 1u << p;
	e->in_port = in_port;
	e->uplink = s->uplink;
	if (e->uplink >= 0 && !fwd_upstream_mac(s, (uint16_t)e->uplink, e->up_mac))
		e->uplink = -1;
}

static __rte_always_inline void emit(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm)
{
	uint16_t out;

	if (likely(pm->act == ACT_ENI)) {
		const struct eni_fwd *eni = &e->enis[pm->to];

		if (unlikely(eni->state != ENI_FWD_OK)) {
			drop(e->c, m, e->in_port,
			     eni->state == ENI_FWD_DETACHED  ? COUNTERS_DROP_ENI_DETACHED
			     : eni->state == ENI_FWD_STOPPED ? COUNTERS_DROP_INSTANCE_STOPPED
							     : COUNTERS_DROP_UNKNOWN_DESTINATION);
			return;
		}
		out = eni->port;
		if (unlikely(out >= FWD_MAX_PORTS || !(e->host_ports >> out & 1))) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_WRONG_PORT);
			return;
		}
		if (unlikely(!ttl_ok(pm))) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_TTL);
			return;
		}
		l3_write(pm);
		if (unlikely(l2_write(m, pm, eni->mac, e->ports[out].mac, eni->vlan) != 0)) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_MALFORMED);
			return;
		}
		e->ceni[pm->to].packets++;
		e->ceni[pm->to].bytes += m->pkt_len;
		enqueue(e->c, e->tx, out, m, e->in_port);
		return;
	}
	/* ACT_UPLINK */
	if (unlikely(e->uplink < 0)) {
		drop(e->c, m, e->in_port, COUNTERS_DROP_NO_UPLINK);
		return;
	}
	out = (uint16_t)e->uplink;
	if (unlikely(!ttl_ok(pm))) {
		drop(e->c, m, e->in_port, COUNTERS_DROP_TTL);
		return;
	}
	l3_write(pm);
	l2_write(m, pm, e->up_mac, e->ports[out].mac, 0); /* untagged: cannot fail */
	enqueue(e->c, e->tx, out, m, e->in_port);
}

/* ---- stage 2: lookups ---- */

/* The uplink's lookup keys, gathered (hashed, prefetched) while parsing. */
struct uplink_keys {
	uint32_t k4[PIPELINE_BURST_MAX];
	uint32_t h4[PIPELINE_BURST_MAX]; /* em4 home buckets of k4 in eip4 */
	struct em16_key k6[PIPELINE_BURST_MAX];
	uint8_t i4[PIPELINE_BURST_MAX], i6[PIPELINE_BURST_MAX];
	unsigned n4, n6;
};

/* From the internet: EIP -> private (D2), IPv6 owner (D3). */
static void burst_uplink(struct counters *c, const struct fwd_side *s, uint16_t in_port,
			 struct rte_mbuf **pkts, struct pmeta *meta, const struct uplink_keys *uk,
			 struct pipeline_tx *tx)
{
	uint64_t vals6[PIPELINE_BURST_MAX], hit6;
	const struct em4 *eip4 = s->eip4;
	unsigned n4 = uk->n4, n6 = uk->n6;
	struct emit_ctx ec;

	emit_ctx_init(&ec, c, s, in_port, tx);
	hit6 = n6 ? em16_lookup_bulk(s->ip6, uk->k6, n6, vals6) : 0;
	/* each EIP looked up just before its packet is emitted: the lines
	 * prefetched while parsing have had the emits before it to arrive */
	for (unsigned j = 0; j < n4; j++) {
		unsigned i = uk->i4[j];
		struct pmeta *pm = &meta[i];
		uint64_t v;

		if (unlikely(!em4_lookup_home(eip4, uk->k4[j], uk->h4[j], &v))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
			continue;
		}
		pm->act = ACT_ENI;
		pm->to = fwd_v4_slot(v);
		pm->nat_dst = fwd_v4_addr(v);
		emit(&ec, pkts[i], pm);
	}
	for (unsigned j = 0; j < n6; j++) {
		unsigned i = uk->i6[j];
		struct pmeta *pm = &meta[i];

		if (unlikely(!(hit6 >> j & 1))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
			continue;
		}
		pm->act = ACT_ENI;
		pm->to = (uint32_t)vals6[j];
		emit(&ec, pkts[i], pm); /* nat_src, nat_dst: 0 since parse */
	}
}

/* Route lookups of a4[0..n) (or a6) in route tables rt[0..n) into nh[], in runs sharing a table. */
static __rte_always_inline void host_routes(const struct fwd_side *s, const uint32_t *rt,
					    const uint32_t *a4, const uint8_t (*a6)[16], unsigned n,
					    bool v6, uint32_t *nh)
{
	unsigned start = 0;

	while (start < n) {
		unsigned end = start + 1;

		while (end < n && rt[end] == rt[start])
			end++;
		const struct fwd_rtable *t = &s->rtables[rt[start]];
		if (v6 ? t->r6 == NULL : t->r4 == NULL) {
			for (unsigned k = start; k < end; k++)
				nh[k] = ROUTE_MISS;
		} else if (v6) {
			route6_lookup_bulk(t->r6, &a6[start], end - start, &nh[start]);
		} else {
			route4_lookup_bulk(t->r4, &a4[start], end - start, &nh[start]);
		}
		start = end;
	}
}

/* Drop by route kind; keep (in place) the packets whose route is local or igw. */
static __rte_always_inline unsigned host_route_filter(struct counters *c, uint16_t in_port,
						      struct rte_mbuf **pkts, struct pmeta *meta,
						      uint8_t *idx, const uint32_t *nh, unsigned n)
{
	unsigned k = 0;

	for (unsigned j = 0; j < n; j++) {
		struct pmeta *pm = &meta[idx[j]];
		uint32_t h = nh[j];

		if (unlikely(h == ROUTE_MISS)) {
			drop(c, pkts[idx[j]], in_port, COUNTERS_DROP_NO_ROUTE);
			continue;
		}
		pm->nh = h;
		pm->act = 0; /* local or igw: decided by the destination lookup */
		if (unlikely(fwd_nh_kind(h) == ROUTE_BLACKHOLE)) {
			drop(c, pkts[idx[j]], in_port, COUNTERS_DROP_BLACKHOLE);
			continue;
		}
		if (unlikely(fwd_nh_kind(h) == ROUTE_ENI)) {
			/* appliance insertion: unchanged, to that ENI */
			pm->act = ACT_ENI;
			pm->to = fwd_nh_eni(h);
			pm->nat_src = pm->nat_dst = 0;
		}
		idx[k++] = idx[j];
	}
	return k;
}

/* From a machine: D4 (source), D5 (local), D6 (routes, SNAT), D11 (hairpin). */
static void burst_host(struct counters *c, const struct fwd_side *s, uint16_t in_port,
		       struct rte_mbuf **pkts, struct pmeta *meta, const uint8_t *live,
		       unsigned n_live, struct pipeline_tx *tx)
{
	struct em16_key k16[PIPELINE_BURST_MAX];
	uint64_t vals[PIPELINE_BURST_MAX], hit;
	uint8_t i4[PIPELINE_BURST_MAX], i6[PIPELINE_BURST_MAX];
	unsigned n = 0, n4 = 0, n6 = 0;
	struct emit_ctx ec;

	emit_ctx_init(&ec, c, s, in_port, tx);

	/* the sending ENI, by {port, VLAN, source MAC} (a small table, in
	 * cache); for IPv4 then D4: the source/dest check (the source's owner,
	 * its line prefetched while parsing) and the source's EIP; the
	 * survivors' route tables and destinations gathered for D6 */
	uint32_t rt[PIPELINE_BURST_MAX], a4[PIPELINE_BURST_MAX], nh[PIPELINE_BURST_MAX];
	uint8_t a6[PIPELINE_BURST_MAX][16];
	const struct eni_fwd *enis = s->enis;
	const struct em16 *mac = s->mac;
	const struct em4 *priv4 = s->priv4;

	for (unsigned j = 0; j < n_live; j++) {
		unsigned i = live[j];
		struct pmeta *pm = &meta[i];
		struct em16_key mk;
		uint64_t v;

		fwd_mac_key(&mk, in_port, pm->vlan, rte_pktmbuf_mtod(pkts[i], uint8_t *) + 6);
		if (unlikely(!em16_lookup_one(mac, &mk, &v))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_SOURCE);
			continue;
		}
		pm->eni_src = (uint32_t)v;
		const struct eni_fwd *eni = &enis[pm->eni_src];
		if (unlikely(eni->state == ENI_FWD_STOPPED)) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_INSTANCE_STOPPED);
			continue;
		}
		if (unlikely(pm->kind == PK_V4 ? v4_multicast(pm->dst4)
					       : v6_not_unicast(pm->l3 + 24))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
			continue;
		}
		if (pm->kind != PK_V4) {
			memcpy(k16[n6].b, pm->l3 + 8, 16);
			i6[n6++] = (uint8_t)i;
			continue;
		}
		int found = em4_lookup_home(priv4, pm->src4, pm->home, &v);
		bool own = found && fwd_v4_slot(v) == pm->eni_src;

		if (unlikely(!own && eni->source_dest_check)) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_SPOOFED_SOURCE);
			continue;
		}
		pm->eip_src = found ? fwd_v4_addr(v) : 0;
		rt[n4] = eni->route_table;
		a4[n4] = pm->dst4;
		i4[n4++] = (uint8_t)i;
	}

	/* D6: the route table of the ENI's subnet, longest prefix; then by the
	 * route's kind: dropped, to an ENI as is, or the destination looked up:
	 * local -> its owner (D5); igw -> the EIP's owner (D11) or SNAT (D6) */
	const struct em4 *eip4 = s->eip4;

	host_routes(s, rt, a4, NULL, n4, false, nh);
	n = 0;
	for (unsigned j = 0; j < n4; j++) {
		struct pmeta *pm = &meta[i4[j]];
		uint32_t h = nh[j];

		if (unlikely(h == ROUTE_MISS || fwd_nh_kind(h) == ROUTE_BLACKHOLE)) {
			drop(c, pkts[i4[j]], in_port,
			     h == ROUTE_MISS ? COUNTERS_DROP_NO_ROUTE : COUNTERS_DROP_BLACKHOLE);
			continue;
		}
		pm->nh = h;
		if (unlikely(fwd_nh_kind(h) == ROUTE_ENI)) {
			/* appliance insertion: unchanged, to that ENI */
			pm->act = ACT_ENI;
			pm->to = fwd_nh_eni(h);
		} else {
			/* the destination's lookup started: local -> its owner,
			 * igw -> an EIP's owner (hairpin) */
			pm->home = em4_prefetch_home(fwd_nh_kind(h) == ROUTE_LOCAL ? priv4 : eip4,
						     pm->dst4);
		}
		i4[n++] = i4[j];
	}
	n4 = n;
	for (unsigned j = 0; j < n4; j++) {
		unsigned i = i4[j];
		struct pmeta *pm = &meta[i];
		uint64_t v;

		if (pm->act == ACT_ENI) {
			/* route to an ENI: as is */
		} else if (fwd_nh_kind(pm->nh) == ROUTE_LOCAL) {
			if (!em4_lookup_home(priv4, pm->dst4, pm->home, &v)) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
				continue;
			}
			pm->act = ACT_ENI;
			pm->to = fwd_v4_slot(v);
		} else {
			if (em4_lookup_home(eip4, pm->dst4, pm->home, &v)) {
				/* hairpin: translated both ways */
				pm->act = ACT_ENI;
				pm->to = fwd_v4_slot(v);
				pm->nat_dst = fwd_v4_addr(v);
				pm->nat_src = pm->eip_src;
			} else if (pm->eip_src == 0) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_NO_EIP);
				continue;
			} else {
				pm->act = ACT_UPLINK;
				pm->nat_src = pm->eip_src;
			}
		}
		emit(&ec, pkts[i], pm);
	}

	/* IPv6: the same source check, then routes */
	hit = n6 ? em16_lookup_bulk(s->ip6, k16, n6, vals) : 0;
	n = 0;
	for (unsigned j = 0; j < n6; j++) {
		struct pmeta *pm = &meta[i6[j]];
		const struct eni_fwd *eni = &enis[pm->eni_src];
		bool own = (hit >> j & 1) && vals[j] == pm->eni_src;

		if (unlikely(!own && eni->source_dest_check)) {
			drop(c, pkts[i6[j]], in_port, COUNTERS_DROP_SPOOFED_SOURCE);
			continue;
		}
		rt[n] = eni->route_table;
		memcpy(a6[n], pm->l3 + 24, 16);
		i6[n++] = i6[j];
	}
	n6 = n;
	if (n6) {
		host_routes(s, rt, NULL, (const uint8_t(*)[16])a6, n6, true, nh);
		n6 = host_route_filter(c, in_port, pkts, meta, i6, nh, n6);
	}

	/* IPv6 destinations: local -> owner (D5); igw -> out unchanged (D6) */
	unsigned nl = 0;
	for (unsigned j = 0; j < n6; j++) {
		const struct pmeta *pm = &meta[i6[j]];
		if (!pm->act && fwd_nh_kind(pm->nh) == ROUTE_LOCAL)
			memcpy(k16[nl++].b, pm->l3 + 24, 16);
	}
	hit = nl ? em16_lookup_bulk(s->ip6, k16, nl, vals) : 0;
	nl = 0;
	for (unsigned j = 0; j < n6; j++) {
		unsigned i = i6[j];
		struct pmeta *pm = &meta[i];

		pm->nat_src = pm->nat_dst = 0;
		if (pm->act == ACT_ENI) {
			/* route to an ENI: as is */
		} else if (fwd_nh_kind(pm->nh) == ROUTE_LOCAL) {
			unsigned q = nl++;
			if (!(hit >> q & 1)) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
				continue;
			}
			pm->act = ACT_ENI;
			pm->to = (uint32_t)vals[q];
		} else {
			pm->act = ACT_UPLINK;
		}
		emit(&ec, pkts[i], pm);
	}
}

/* ---- public ---- */

struct pipeline_worker *pipeline_worker_create(unsigned id, uint32_t max_enis)
{
	struct pipeline_worker *w = aligned_alloc(64, sizeof(*w));

	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	w->id = id;
	w->c = counters_create(max_enis);
	if (w->c == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void pipeline_worker_free(struct pipeline_worker *w)
{
	if (w == NULL)
		return;
	counters_free(w->c);
	free(w);
}

const struct counters *pipeline_worker_counters(const struct pipeline_worker *w)
{
	return w->c;
}

void pipeline_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
		    struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx)
{
	struct pmeta meta[PIPELINE_BURST_MAX];
	uint8_t live[PIPELINE_BURST_MAX];
	struct uplink_keys uk;
	struct counters *c = w->c;
	unsigned n_live = 0;
	bool uplink;

	if (n > PIPELINE_BURST_MAX) {
		/* the contract says <= PIPELINE_BURST_MAX: take it in two calls */
		pipeline_burst(w, side, in_port, pkts, PIPELINE_BURST_MAX, tx);
		pipeline_burst(w, side, in_port, pkts + PIPELINE_BURST_MAX,
			       (uint16_t)(n - PIPELINE_BURST_MAX), tx);
		return;
	}
	if (in_port >= side->n_ports) {
		rte_pktmbuf_free_bulk(pkts, n);
		c->drop[COUNTERS_DROP_WRONG_PORT] += n;
		return;
	}
	c->port[in_port].rx += n;
	uplink = side->ports[in_port].role == FWD_PORT_UPLINK;
	/* port tx counters: what this burst appends to tx, counted at the end */
	uint16_t tx_before[FWD_MAX_PORTS];
	memcpy(tx_before, tx->n, sizeof(tx_before));
	uk.n4 = uk.n6 = 0;

	for (unsigned i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned i = 0; i < n; i++) {
		struct pmeta *pm = &meta[i];
		int k;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		k = parse(pkts[i], pm);
		if (k < 0) {
			drop(c, pkts[i], in_port, (unsigned)(-k - 1));
			continue;
		}
		pm->kind = (uint8_t)k;
		pm->act = 0;
		pm->nat_src = pm->nat_dst = 0; /* meta lives on the stack: nothing stale */
		if (k == PK_ARP || k == PK_ND) {
			unsigned v = k == PK_ARP
					 ? neigh_arp(side, in_port, pkts[i], pm->l2_len, pm->vlan)
					 : neigh_nd(side, in_port, pkts[i], pm->l2_len, pm->vlan,
						    pm->l3_len);
			if (v != NEIGH_REPLY) {
				drop(c, pkts[i], in_port, v);
				continue;
			}
			if (k == PK_ARP)
				c->arp_replies++;
			else
				c->nd_replies++;
			enqueue(c, tx, in_port, pkts[i], in_port);
		} else if (!uplink) {
			/* the source check's lookup misses the cache (random over
			 * 1M keys): started now, a stage ahead of its bulk lookup */
			if (k == PK_V4)
				pm->home = em4_prefetch_home(side->priv4, pm->src4);
			live[n_live++] = (uint8_t)i;
		} else if (k == PK_V4) {
			/* the uplink's keys are gathered here, their lookups started */
			if (unlikely(v4_multicast(pm->dst4))) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
				continue;
			}
			uk.k4[uk.n4] = pm->dst4;
			uk.h4[uk.n4] = em4_prefetch_home(side->eip4, pm->dst4);
			uk.i4[uk.n4++] = (uint8_t)i;
		} else {
			if (unlikely(v6_not_unicast(pm->l3 + 24))) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
				continue;
			}
			memcpy(uk.k6[uk.n6].b, pm->l3 + 24, 16); /* l3 is not 8-byte aligned */
			em16_prefetch(side->ip6, &uk.k6[uk.n6]);
			uk.i6[uk.n6++] = (uint8_t)i;
		}
	}
	if (uplink && uk.n4 + uk.n6 != 0)
		burst_uplink(c, side, in_port, pkts, meta, &uk, tx);
	else if (n_live != 0)
		burst_host(c, side, in_port, pkts, meta, live, n_live, tx);
	for (unsigned p = 0; p < side->n_ports; p++)
		c->port[p].tx += (uint16_t)(tx->n[p] - tx_before[p]);
}

int pipeline_arp_request(const struct fwd_side *side, uint16_t port, uint32_t sender_ip,
			 struct rte_mbuf *m)
{
	return neigh_arp_request(side, port, sender_ip, m);
}
