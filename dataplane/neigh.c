/* SPDX-License-Identifier: BSD-3-Clause */
/* neigh.c - ARP and ND answers of the VPC router (see neigh.h). */
#include "neigh.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
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
	return (int64_t)fwd_mac_slot(v);
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
		const struct eni_fwd *asker = &s->enis[eni];
		const struct fwd_subnet *sn = &s->subnets[asker->subnet];
		/* any address of the subnet, the gateway included, but not the asker's own
		 * (looked up in the asker's VPC: D13) */
		answer = sn->present && (tpa & sn->mask4) == sn->cidr4 &&
			 !(em8_lookup(s->priv4, fwd_priv_key(asker->vpc, tpa), &v) &&
			   fwd_v4_slot(v) == (uint32_t)eni);
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

void neigh_router_link_local(const uint8_t mac[6], uint8_t out[16])
{
	/* fe80::/64 with the modified EUI-64 of the MAC (RFC 4291 appendix A) */
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
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

/* ICMPv6 ND offsets (RFC 4861), from glibc's structs: NS and NA share the layout. */
#define ND_TARGET offsetof(struct nd_neighbor_solicit, nd_ns_target)
#define ND_NA_FLAGS offsetof(struct nd_neighbor_advert, nd_na_flags_reserved)
#define NA_OPT sizeof(struct nd_neighbor_advert) /* the target link-layer address option */
#define NA_LEN (NA_OPT + 8)

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
	struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)icmp; /* ICMPv6: same first 4 bytes */
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
	if (ih->icmp_type == ND_NEIGHBOR_SOLICIT && len < sizeof(struct nd_neighbor_solicit)) {
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	}
	if (ih->icmp_type == ND_ROUTER_SOLICIT && port->role != FWD_PORT_UPLINK &&
	    ih->icmp_code == 0 && ip6->hop_limits == 255) {
		/* a guest asking for its router (D14): the guest services
		 * answer with the subnet's advertisement, when it has IPv6 */
		int64_t eni = neigh_asker(s, in_port, vlan, e + RTE_ETHER_ADDR_LEN);

		if (eni < 0) {
			return verdict_drop(COUNTERS_DROP_UNKNOWN_SOURCE);
		}
		const struct fwd_subnet *sn = &s->subnets[s->enis[eni].subnet];
		return sn->present && sn->has_v6 ? verdict_of(VERDICT_PUNT)
						 : verdict_drop(COUNTERS_DROP_ND_UNANSWERED);
	}
	if (ih->icmp_type != ND_NEIGHBOR_SOLICIT || ih->icmp_code != 0 || ip6->hop_limits != 255) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED);
	}
	memcpy(target, icmp + ND_TARGET, 16);
	memcpy(asker, ip6->src_addr, 16);
	static const uint8_t unspecified[16];
	if (target[0] == 0xff || memcmp(asker, unspecified, 16) == 0) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED); /* DAD probes stay unanswered */
	}
	memcpy(k.b, target, 16);
	if (port->role == FWD_PORT_UPLINK) {
		answer = em16_lookup(s->ip6, &k, &v);
	} else {
		int64_t eni = neigh_asker(s, in_port, vlan, e + RTE_ETHER_ADDR_LEN);

		if (eni < 0) {
			return verdict_drop(COUNTERS_DROP_UNKNOWN_SOURCE);
		}
		const struct fwd_subnet *sn = &s->subnets[s->enis[eni].subnet];
		uint8_t router_ll[16];

		neigh_router_link_local(port->mac, router_ll);
		/* an address of the subnet (not the asker's own), or the router's
		 * link-local address: the next hop of a default route learned from
		 * a router advertisement */
		answer = sn->present && sn->has_v6 &&
			 ((neigh_in_prefix6(target, sn->cidr6, sn->depth6) &&
			   !(em16_lookup(s->ip6, &k, &v) && v == (uint64_t)eni)) ||
			  memcmp(target, router_ll, 16) == 0);
	}
	if (!answer) {
		return verdict_drop(COUNTERS_DROP_ND_UNANSWERED);
	}
	/* neighbour advertisement: IPv6 header, NA, target link-layer address option */
	uint32_t want = l2_len + (uint32_t)(sizeof(*ip6) + NA_LEN);
	if (m->data_len < want) {
		if (rte_pktmbuf_append(m, (uint16_t)(want - m->data_len)) == NULL) {
			return verdict_drop(COUNTERS_DROP_MALFORMED);
		}
	} else if (m->data_len > want) {
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - want));
	}
	memcpy(e, e + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(e + RTE_ETHER_ADDR_LEN, port->mac, RTE_ETHER_ADDR_LEN);
	ip6->vtc_flow = RTE_BE32(0x60000000u); /* version 6 */
	ip6->payload_len = RTE_BE16(NA_LEN);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, target, 16);
	memcpy(ip6->dst_addr, asker, 16);
	memset(icmp, 0, NA_LEN);
	ih->icmp_type = ND_NEIGHBOR_ADVERT;
	icmp[ND_NA_FLAGS] = 0xe0; /* Router, Solicited, Override */
	memcpy(icmp + ND_TARGET, target, 16);
	icmp[NA_OPT] = ND_OPT_TARGET_LINKADDR;
	icmp[NA_OPT + 1] = 1; /* option length, in units of 8 bytes */
	memcpy(icmp + NA_OPT + 2, port->mac, RTE_ETHER_ADDR_LEN);
	ih->icmp_cksum = (uint16_t)~neigh_icmp6_sum(ip, icmp, NA_LEN);
	return verdict_of(VERDICT_ANSWERED);
}

int neigh_arp_request(const struct fwd_side *side, uint16_t port, uint32_t sender_ip,
		      struct rte_mbuf *m)
{
	static const uint8_t bcast[RTE_ETHER_ADDR_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct fwd_port *p;
	struct rte_ether_hdr *e;
	struct rte_arp_hdr *a;

	if (port >= side->n_ports || !side->ports[port].has_upstream_ip)
		return -EINVAL;
	p = &side->ports[port];
	rte_pktmbuf_reset(m);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN);
	if (e == NULL)
		return -ENOSPC;
	memset(e, 0, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN); /* minimum frame, zero padded */
	memcpy(&e->dst_addr, bcast, RTE_ETHER_ADDR_LEN);
	memcpy(&e->src_addr, p->mac, RTE_ETHER_ADDR_LEN);
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(e + 1);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = sizeof(uint32_t);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	memcpy(&a->arp_data.arp_sha, p->mac, RTE_ETHER_ADDR_LEN);
	a->arp_data.arp_sip = sender_ip;
	a->arp_data.arp_tip = p->upstream_ip;
	return 0;
}
