/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat4.h - rewriting one IPv4 address of a packet in place, with every
 * checksum it touches updated incrementally (D7): the IPv4 header, TCP, UDP
 * (a zero UDP checksum stays zero), and for ICMP errors the quoted packet
 * (its address, header checksum and TCP/UDP checksum) plus the ICMP checksum,
 * so traceroute and path MTU discovery work through the 1:1 NAT.
 */
#ifndef ENIMAP_NAT4_H
#define ENIMAP_NAT4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "pkt.h"

/* Field offsets, for the checksum helpers that work on raw bytes (pkt.h). */
#define NAT4_SRC offsetof(struct rte_ipv4_hdr, src_addr)
#define NAT4_DST offsetof(struct rte_ipv4_hdr, dst_addr)
#define NAT4_IP_CSUM offsetof(struct rte_ipv4_hdr, hdr_checksum)
#define NAT4_TTL_PROTO offsetof(struct rte_ipv4_hdr, time_to_live) /* {TTL, protocol} word */
#define NAT4_TCP_CSUM offsetof(struct rte_tcp_hdr, cksum)
#define NAT4_UDP_CSUM offsetof(struct rte_udp_hdr, dgram_cksum)
#define NAT4_ICMP_CSUM offsetof(struct rte_icmp_hdr, icmp_cksum)

/* The IPv4 header bytes, from its IHL field. */
static inline unsigned nat4_ihl(const uint8_t *ip)
{
	return ((const struct rte_ipv4_hdr *)ip)->ihl * 4u;
}

static inline uint8_t nat4_proto(const uint8_t *ip)
{
	return ((const struct rte_ipv4_hdr *)ip)->next_proto_id;
}

/*
 * Set the address at offset which (NAT4_SRC or NAT4_DST) of the IPv4 packet
 * at ip to n (network order). seg_len: bytes of the packet present at ip
 * (never read past); has_l4: the L4 header is here (not a later fragment:
 * only the first fragment carries the L4 checksum), validated by the caller.
 */
static inline void nat4_set_addr(uint8_t *ip, unsigned seg_len, bool has_l4, unsigned which,
				 uint32_t n);

/*
 * An ICMP message at icmp (avail bytes present) whose outer address o became
 * n: when it is an error, rewrite its quote (the quoted address at
 * quoted_off) and fix every checksum involved. Out of line: rare.
 */
void nat4_icmp_quote(uint8_t *icmp, unsigned avail, uint32_t o, uint32_t n, unsigned quoted_off);

static inline void nat4_set_addr(uint8_t *ip, unsigned seg_len, bool has_l4, unsigned which,
				 uint32_t n)
{
	unsigned ihl = nat4_ihl(ip);
	uint8_t *l4 = ip + ihl;
	uint32_t o = pkt_ld32(ip + which);

	pkt_st32(ip + which, n);
	pkt_csum_adj32(ip + NAT4_IP_CSUM, o, n);
	if (!has_l4)
		return;
	switch (nat4_proto(ip)) {
	case IPPROTO_TCP:
		pkt_csum_adj32(l4 + NAT4_TCP_CSUM, o, n);
		break;
	case IPPROTO_UDP:
		pkt_csum_adj32_udp(l4 + NAT4_UDP_CSUM, o, n);
		break;
	case IPPROTO_ICMP:
		/* outer source <-> quoted destination, and the reverse */
		nat4_icmp_quote(l4, seg_len - ihl, o, n, which == NAT4_SRC ? NAT4_DST : NAT4_SRC);
		break;
	}
}

/*
 * What forwarding does to an IPv4 packet, with one update per checksum: the
 * TTL decremented (the caller has checked it is > 1), the source set to nsrc
 * and the destination to ndst (0: unchanged). Same arguments and rules as
 * nat4_set_addr. The IPv4 header checksum takes the TTL and address changes
 * in one fold, TCP/UDP the address changes in one fold.
 */
static inline void nat4_forward(uint8_t *ip, unsigned seg_len, bool has_l4, uint32_t nsrc,
				uint32_t ndst)
{
	/* TTL is the first byte of the {TTL, protocol} word: changed as a
	 * whole, as reading it back after a byte store would stall store
	 * forwarding */
	uint16_t ttl_o = pkt_ld16(ip + NAT4_TTL_PROTO);
	uint16_t ttl_n = (uint16_t)(ttl_o - rte_cpu_to_be_16(0x100));
	uint32_t osrc = pkt_ld32(ip + NAT4_SRC), odst = pkt_ld32(ip + NAT4_DST);
	uint64_t d_addr = 0;

	pkt_st16(ip + NAT4_TTL_PROTO, ttl_n);
	if (nsrc != 0) {
		pkt_st32(ip + NAT4_SRC, nsrc);
		d_addr += pkt_csum_delta32(osrc, nsrc);
	}
	if (ndst != 0) {
		pkt_st32(ip + NAT4_DST, ndst);
		d_addr += pkt_csum_delta32(odst, ndst);
	}
	pkt_csum_apply(ip + NAT4_IP_CSUM, pkt_csum_delta16(ttl_o, ttl_n) + d_addr);
	if (d_addr == 0 || !has_l4)
		return;

	unsigned ihl = nat4_ihl(ip);
	uint8_t *l4 = ip + ihl;

	switch (nat4_proto(ip)) {
	case IPPROTO_TCP:
		pkt_csum_apply(l4 + NAT4_TCP_CSUM, d_addr);
		break;
	case IPPROTO_UDP:
		if (pkt_ld16(l4 + NAT4_UDP_CSUM) == 0)
			break; /* no checksum: stays 0 */
		pkt_csum_apply(l4 + NAT4_UDP_CSUM, d_addr);
		if (pkt_ld16(l4 + NAT4_UDP_CSUM) == 0)
			pkt_st16(l4 + NAT4_UDP_CSUM, 0xffff);
		break;
	case IPPROTO_ICMP: /* the ICMP checksum does not cover addresses */
		if (nsrc != 0)
			nat4_icmp_quote(l4, seg_len - ihl, osrc, nsrc, NAT4_DST);
		if (ndst != 0)
			nat4_icmp_quote(l4, seg_len - ihl, odst, ndst, NAT4_SRC);
		break;
	}
}

#endif
