/* SPDX-License-Identifier: BSD-3-Clause */
/* parse.c - stage 1, the general parser: every packet parse() does not take inline. */
#include "parse.h"

#include <rte_icmp.h>
#include <rte_tcp.h>

/* ICMPv6 neighbour discovery: router solicitation (133) ... redirect (137). */
#define ND_TYPE_FIRST 133
#define ND_TYPE_LAST 137

/* TCP header bytes from its data offset field (upper 4 bits, in words). */
static inline unsigned tcp_hdr_len(const struct rte_tcp_hdr *tcp)
{
	return (tcp->data_off >> 4) * 4u;
}

/* Validate the L4 header of an IPv4 packet that carries it (whole: not fragmented). */
static bool l4_ok(const struct rte_ipv4_hdr *ip, struct pmeta *pm, bool whole)
{
	unsigned room = (unsigned)pm->l3_len - pm->ihl; /* L4 bytes in the packet */
	unsigned seg = (unsigned)pm->seg_l3 - pm->ihl;	/* ... in the first segment */
	const uint8_t *l4 = (const uint8_t *)ip + pm->ihl;

	switch (pm->proto) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *tcp = (const struct rte_tcp_hdr *)l4;

		if (room < sizeof(*tcp) || seg < sizeof(*tcp))
			return false;
		if (tcp_hdr_len(tcp) < sizeof(*tcp) || (whole && tcp_hdr_len(tcp) > room))
			return false;
		break;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)l4;

		if (room < sizeof(*udp) || seg < sizeof(*udp))
			return false;
		if (whole && (pkt_ntoh16(udp->dgram_len) < sizeof(*udp) ||
			      pkt_ntoh16(udp->dgram_len) > room))
			return false;
		break;
	}
	case IPPROTO_ICMP:
		if (room < sizeof(struct rte_icmp_hdr) || seg < sizeof(struct rte_icmp_hdr))
			return false;
		break;
	default:
		return true; /* other protocols: only the IP header is rewritten */
	}
	pm->l4 = 1;
	return true;
}

/* An IPv4 packet at pm->l3, seg bytes of it in the first segment, len in all. */
static struct verdict parse_ipv4(struct pmeta *pm, unsigned seg, unsigned len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)pm->l3;
	const struct verdict malformed = verdict_drop(COUNTERS_DROP_MALFORMED);
	unsigned ihl, tot;
	uint16_t frag;

	if (seg < sizeof(*ip) || ip->version != IPVERSION)
		return malformed;
	ihl = ip->ihl * 4u;
	tot = pkt_ntoh16(ip->total_length);
	if (ihl < sizeof(*ip) || ihl > seg || tot < ihl || tot > len)
		return malformed;
	if (!pkt_ip4_csum_ok(pm->l3, ihl))
		return malformed;
	pm->ihl = (uint8_t)ihl;
	pm->l3_len = (uint16_t)tot;
	pm->seg_l3 = (uint16_t)(seg < tot ? seg : tot);
	pm->proto = ip->next_proto_id;
	pm->src4 = ip->src_addr;
	pm->dst4 = ip->dst_addr;
	pm->l4 = 0;
	frag = pkt_ntoh16(ip->fragment_offset);
	/* the L4 header is only in the first fragment; its lengths only
	 * checkable against the packet when there is no other */
	if ((frag & RTE_IPV4_HDR_OFFSET_MASK) == 0 &&
	    !l4_ok(ip, pm, !(frag & RTE_IPV4_HDR_MF_FLAG)))
		return malformed;
	pm->kind = PK_V4;
	return verdict_of(VERDICT_PENDING);
}

/* An IPv6 packet at pm->l3 (same arguments as parse_ipv4). */
static struct verdict parse_ipv6(struct pmeta *pm, unsigned seg, unsigned len)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)pm->l3;
	const struct verdict malformed = verdict_drop(COUNTERS_DROP_MALFORMED);
	unsigned tot;

	if (seg < sizeof(*ip) || ip6_version(ip) != 6)
		return malformed;
	tot = sizeof(*ip) + pkt_ntoh16(ip->payload_len);
	if (tot > len)
		return malformed;
	pm->l3_len = (uint16_t)tot;
	pm->seg_l3 = (uint16_t)(seg < tot ? seg : tot);
	pm->kind = PK_V6;
	if (ip->proto == IPPROTO_ICMPV6) {
		/* ICMPv6 shares ICMP's type / code / checksum layout */
		const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)(ip + 1);

		if (tot < sizeof(*ip) + 4 || seg < sizeof(*ip) + 1)
			return malformed;
		if (icmp->icmp_type >= ND_TYPE_FIRST && icmp->icmp_type <= ND_TYPE_LAST)
			pm->kind = PK_ND;
	}
	return verdict_of(VERDICT_PENDING);
}

/* A frame (of at least an Ethernet header) the router takes: to the port's MAC or to a group. */
static bool eth_for_port(const struct rte_ether_hdr *eth, uint64_t own)
{
	return eth_dst_word(eth) == own || rte_is_multicast_ether_addr(&eth->dst_addr);
}

/* Rare packets only (tagged, options, fragments, not UDP, not for us, ...): a real call. */
__attribute__((noinline)) struct verdict parse_any(struct rte_mbuf *m, struct pmeta *pm,
						   uint64_t own)
{
	uint8_t *e = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)e;
	uint32_t seg = m->data_len, len = m->pkt_len, off = RTE_ETHER_HDR_LEN;
	uint16_t et;

	if (seg < RTE_ETHER_HDR_LEN)
		return verdict_drop(COUNTERS_DROP_MALFORMED);
	if (!eth_for_port(eth, own))
		return verdict_drop(COUNTERS_DROP_NOT_FOR_US);
	et = pkt_ntoh16(eth->ether_type);
	pm->vlan = 0;
	if (et == RTE_ETHER_TYPE_VLAN) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);

		if (seg < RTE_ETHER_HDR_LEN + sizeof(*vh))
			return verdict_drop(COUNTERS_DROP_MALFORMED);
		pm->vlan = pkt_ntoh16(vh->vlan_tci) & RTE_VLAN_ID_MASK;
		et = pkt_ntoh16(vh->eth_proto);
		off += sizeof(*vh);
	}
	pm->l2_len = (uint16_t)off;
	pm->l3 = e + off;
	seg -= off;
	len -= off;
	switch (et) {
	case RTE_ETHER_TYPE_IPV4:
		return parse_ipv4(pm, seg, len);
	case RTE_ETHER_TYPE_IPV6:
		return parse_ipv6(pm, seg, len);
	case RTE_ETHER_TYPE_ARP:
		pm->kind = PK_ARP;
		return verdict_of(VERDICT_PENDING);
	default:
		return verdict_drop(COUNTERS_DROP_NOT_IP);
	}
}
