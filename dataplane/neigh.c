/* SPDX-License-Identifier: BSD-3-Clause */
/* neigh.c - ARP and ND answers of the VPC router (see neigh.h). */
#include "neigh.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pkt.h"

/* The sending ENI of a packet from a machine, or -1. */
static int64_t neigh_asker(const struct fwd_side *s, uint16_t in_port, uint16_t vlan,
			   const uint8_t *mac)
{
	struct em16_key k;
	uint64_t v;

	fwd_mac_key(&k, in_port, vlan, mac);
	if (!em16_lookup(s->mac, &k, &v))
		return -1;
	return (int64_t)v;
}

/* An Ethernet / IPv4 ARP header, in host order where it is compared. */
static bool neigh_arp_valid(const struct rte_arp_hdr *a)
{
	return pkt_ntoh16(a->arp_hardware) == RTE_ARP_HRD_ETHER &&
	       pkt_ntoh16(a->arp_protocol) == RTE_ETHER_TYPE_IPV4 &&
	       a->arp_hlen == RTE_ETHER_ADDR_LEN && a->arp_plen == sizeof(uint32_t);
}

static bool neigh_arp_is_request(const struct rte_arp_hdr *a)
{
	return pkt_ntoh16(a->arp_opcode) == RTE_ARP_OP_REQUEST;
}

struct verdict neigh_arp(const struct fwd_side *s, uint16_t in_port, struct rte_mbuf *m,
			 uint16_t l2_len, uint16_t vlan)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l2_len);
	struct rte_arp_ipv4 *d = &a->arp_data;
	const struct fwd_port *port = &s->ports[in_port];
	uint32_t spa, tpa;
	uint64_t v;
	bool answer = false;

	if (m->data_len < l2_len + sizeof(*a) || !neigh_arp_valid(a))
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	spa = d->arp_sip;
	tpa = d->arp_tip;
	if (port->role == FWD_PORT_UPLINK) {
		/* learn the upstream router from anything it says */
		if (port->has_upstream_ip && spa == port->upstream_ip && !port->has_upstream_mac) {
			uint64_t mac = FWD_NEIGH_VALID;
			for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
				mac |= (uint64_t)d->arp_sha.addr_bytes[i] << (8 * (5 - i));
			__atomic_store_n(&s->neigh->upstream[in_port], mac, __ATOMIC_RELAXED);
		}
		answer = neigh_arp_is_request(a) && em4_lookup(s->eip4, tpa, &v);
	} else if (neigh_arp_is_request(a) && spa != tpa) {
		int64_t eni = neigh_asker(s, in_port, vlan, eth->src_addr.addr_bytes);

		if (eni < 0)
			return verdict_drop(COUNTERS_DROP_UNKNOWN_SOURCE);
		const struct fwd_subnet *sn = &s->subnets[s->enis[eni].subnet];
		/* any address of the subnet, the gateway included, but not the asker's own */
		answer = sn->present && (tpa & sn->mask4) == sn->cidr4 &&
			 !(em4_lookup(s->priv4, tpa, &v) && fwd_v4_slot(v) == (uint32_t)eni);
	}
	if (!answer)
		return verdict_drop(COUNTERS_DROP_ARP_UNANSWERED);
	/* reply: to the asker, from the port's MAC, for tpa */
	memcpy(&eth->dst_addr, &eth->src_addr, RTE_ETHER_ADDR_LEN);
	memcpy(&eth->src_addr, port->mac, RTE_ETHER_ADDR_LEN);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = spa;
	memcpy(&d->arp_sha, port->mac, RTE_ETHER_ADDR_LEN);
	d->arp_sip = tpa;
	return verdict_of(VERDICT_ANSWERED);
}

static bool neigh_in_prefix6(const uint8_t *a, const uint8_t *p, unsigned depth)
{
	unsigned bytes = depth / 8, bits = depth % 8;

	if (memcmp(a, p, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (p[bytes] & mask);
}

/* ICMPv6 checksum of the len bytes at icmp (pseudo-header from ip). */
static uint16_t neigh_icmp6_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	uint32_t s = __rte_raw_cksum(((const struct rte_ipv6_hdr *)ip)->src_addr, 32, 0);

	s += rte_cpu_to_be_16((uint16_t)(len >> 16)) + rte_cpu_to_be_16((uint16_t)len);
	s += rte_cpu_to_be_16(IPPROTO_ICMPV6);
	s = __rte_raw_cksum(icmp, len, s);
	return pkt_csum_fold(s);
}

struct verdict neigh_nd(const struct fwd_side *s, uint16_t in_port, struct rte_mbuf *m,
			uint16_t l2_len, uint16_t vlan, uint16_t l3_len)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = e + l2_len, *icmp = ip + sizeof(struct rte_ipv6_hdr);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)ip;
	const struct fwd_port *port = &s->ports[in_port];
	uint32_t len = l3_len - (uint32_t)sizeof(*ip6);
	uint8_t target[16], asker[16];
	struct em16_key k;
	bool answer = false;
	uint64_t v;

	if (m->nb_segs != 1 || m->data_len < l2_len + (uint32_t)l3_len) {
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	}
	if (neigh_icmp6_sum(ip, icmp, len) != 0xffff) {
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	}
	if (icmp[0] == ND_NEIGHBOR_SOLICIT && len < sizeof(struct nd_neighbor_solicit)) {
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	}
	if (icmp[0] != ND_NEIGHBOR_SOLICIT || icmp[1] != 0 || ip6->hop_limits != 255) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED);
	}
	memcpy(target, icmp + 8, 16);
	memcpy(asker, ip6->src_addr, 16);
	static const uint8_t unspecified[16];
	if (target[0] == 0xff || memcmp(asker, unspecified, 16) == 0) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED); /* DAD probes stay unanswered */
	}
	memcpy(k.b, target, 16);
	if (port->role == FWD_PORT_UPLINK) {
		answer = em16_lookup(s->ip6, &k, &v);
	} else {
		int64_t eni = neigh_asker(s, in_port, vlan, e + 6);

		if (eni < 0) {
			return verdict_drop(COUNTERS_DROP_UNKNOWN_SOURCE);
		}
		const struct fwd_subnet *sn = &s->subnets[s->enis[eni].subnet];
		answer = sn->present && sn->has_v6 &&
			 neigh_in_prefix6(target, sn->cidr6, sn->depth6) &&
			 !(em16_lookup(s->ip6, &k, &v) && v == (uint64_t)eni);
	}
	if (!answer) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED);
	}
	/* neighbour advertisement: 40 + 24 + 8 (target link-layer address option) */
	uint32_t want = l2_len + 72u;
	if (m->data_len < want) {
		if (rte_pktmbuf_append(m, (uint16_t)(want - m->data_len)) == NULL) {
			return verdict_drop(COUNTERS_DROP_MALFORMED);
		}
	} else if (m->data_len > want) {
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - want));
	}
	memcpy(e, e + 6, 6);
	memcpy(e + 6, port->mac, 6);
	ip6->vtc_flow = RTE_BE32(0x60000000u); /* version 6 */
	ip6->payload_len = RTE_BE16(32);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, target, 16);
	memcpy(ip6->dst_addr, asker, 16);
	memset(icmp, 0, 32);
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[4] = 0xe0; /* Router, Solicited, Override */
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2; /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, port->mac, 6);
	pkt_st16(icmp + 2, (uint16_t)~neigh_icmp6_sum(ip, icmp, 32));
	return verdict_of(VERDICT_ANSWERED);
}

int neigh_arp_request(const struct fwd_side *side, uint16_t port, uint32_t sender_ip,
		      struct rte_mbuf *m)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct fwd_port *p;
	uint8_t *e, *a;

	if (port >= side->n_ports || !side->ports[port].has_upstream_ip)
		return -EINVAL;
	p = &side->ports[port];
	rte_pktmbuf_reset(m);
	e = (uint8_t *)rte_pktmbuf_append(m, 60); /* minimum frame, zero padded */
	if (e == NULL)
		return -ENOSPC;
	memset(e, 0, 60);
	memcpy(e, bcast, 6);
	memcpy(e + 6, p->mac, 6);
	pkt_st16(e + 12, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	a = e + RTE_ETHER_HDR_LEN;
	pkt_st16(a, rte_cpu_to_be_16(RTE_ARP_HRD_ETHER));
	pkt_st16(a + 2, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	a[4] = 6;
	a[5] = 4;
	pkt_st16(a + 6, rte_cpu_to_be_16(1));
	memcpy(a + 8, p->mac, 6);
	pkt_st32(a + 14, sender_ip);
	pkt_st32(a + 24, p->upstream_ip);
	return 0;
}
