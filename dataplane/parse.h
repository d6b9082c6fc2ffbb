/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * parse.h - stage 1: parse one packet and validate each header against the
 * bytes really present, filling its struct pmeta.
 *
 * parse() recognises the common packets inline (an untagged IPv4 UDP packet
 * with a 20-byte header, not a fragment, or an untagged IPv6 packet other
 * than ICMPv6, all in the first segment, in a frame addressed to the port's
 * own MAC) with a few combined tests, the same checks parse_any() makes for
 * them; anything else goes to parse_any() (parse.c, a real call: rare
 * packets only).
 *
 * A port may hear frames for other MACs (host ports run promiscuous; a
 * net_af_packet port hears whatever its kernel interface hears, frames for
 * other hosts included when that interface is promiscuous). A router takes
 * none of them: a frame of at least an Ethernet header whose destination is
 * a unicast MAC other than the port's is dropped as not-for-us before
 * anything else in it is read. Broadcast and multicast frames (ARP
 * requests, ND) go on as before.
 *
 * Headers are read through DPDK's header structs. They are packed (or
 * 2-byte aligned), so a frame at any address is read correctly and the
 * compiler emits the same plain loads as before on x86.
 */
#ifndef ENIMAP_PARSE_H
#define ENIMAP_PARSE_H

#include <netinet/in.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "pkt.h"
#include "stage.h"

/* The IP version of an IPv6 header: the top 4 bits of vtc_flow (its first byte). */
static inline unsigned ip6_version(const struct rte_ipv6_hdr *ip)
{
	return *(const uint8_t *)ip >> 4;
}

/*
 * A MAC address as a 64-bit word: its 6 bytes in memory order, the other two
 * zero. A frame's first 8 bytes, loaded and masked (eth_dst_word), equal it
 * when the frame is addressed to that MAC, in either byte order.
 */
/* (a constant: gcc builds a memset-made mask on the stack for every packet) */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MAC_WORD_MASK 0x0000ffffffffffffull
#else
#define MAC_WORD_MASK 0xffffffffffff0000ull
#endif
static inline uint64_t mac_word(const uint8_t mac[RTE_ETHER_ADDR_LEN])
{
	uint64_t w = 0;
	memcpy(&w, mac, RTE_ETHER_ADDR_LEN);
	return w;
}
/* The destination MAC of a frame of at least 8 bytes, as mac_word() makes it. */
static inline uint64_t eth_dst_word(const struct rte_ether_hdr *eth)
{
	uint64_t w;
	memcpy(&w, eth, sizeof(w)); /* one load: the destination and 2 bytes of the source */
	return w & MAC_WORD_MASK;
}

/*
 * Parse one packet, any kind, from a port whose MAC is own (mac_word):
 * VERDICT_PENDING with pm->kind set (and the fields its kind uses), or
 * VERDICT_DROP (not-for-us, malformed, not-ip).
 */
struct verdict parse_any(struct rte_mbuf *m, struct pmeta *pm, uint64_t own);

static __rte_always_inline struct verdict parse(struct rte_mbuf *m, struct pmeta *pm, uint64_t own)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN);
	const struct rte_ipv4_hdr *ip4 = (const struct rte_ipv4_hdr *)l3;
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;
	unsigned seg = m->data_len;

	if (likely(seg >= RTE_ETHER_HDR_LEN + sizeof(*ip4) + sizeof(struct rte_udp_hdr) &&
		   eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && eth_dst_word(eth) == own &&
		   ip4->version_ihl == RTE_IPV4_VHL_DEF && ip4->next_proto_id == IPPROTO_UDP &&
		   (ip4->fragment_offset &
		    RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) == 0)) {
		const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip4 + 1);
		unsigned tot = pkt_ntoh16(ip4->total_length);
		unsigned udp_len = pkt_ntoh16(udp->dgram_len);

		if (likely(tot >= sizeof(*ip4) + sizeof(*udp) && tot <= seg - RTE_ETHER_HDR_LEN &&
			   udp_len >= sizeof(*udp) && udp_len <= tot - sizeof(*ip4) &&
			   pkt_ip4_csum_ok(l3, sizeof(*ip4)))) {
			pm->vlan = 0;
			pm->l2_len = RTE_ETHER_HDR_LEN;
			pm->l3 = l3; /* (ihl, proto, l3_len: read by parse_any and ND only) */
			pm->seg_l3 = (uint16_t)tot;
			pm->src4 = ip4->src_addr;
			pm->dst4 = ip4->dst_addr;
			pm->l4 = 1;
			pm->kind = PK_V4;
			return verdict_of(VERDICT_PENDING);
		}
	} else if (likely(seg >= RTE_ETHER_HDR_LEN + sizeof(*ip6) &&
			  eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
			  eth_dst_word(eth) == own && ip6_version(ip6) == 6 &&
			  ip6->proto != IPPROTO_ICMPV6)) {
		/* IPv6 other than ICMPv6 (ND is answered), all in the first segment, for us */
		unsigned tot = sizeof(*ip6) + pkt_ntoh16(ip6->payload_len);

		if (likely(tot <= seg - RTE_ETHER_HDR_LEN)) {
			pm->vlan = 0;
			pm->l2_len = RTE_ETHER_HDR_LEN;
			pm->l3 = l3;
			pm->l3_len = (uint16_t)tot;
			pm->seg_l3 = (uint16_t)tot;
			pm->kind = PK_V6;
			return verdict_of(VERDICT_PENDING);
		}
	}
	return parse_any(m, pm, own);
}

#endif
