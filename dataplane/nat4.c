/* SPDX-License-Identifier: BSD-3-Clause */
/* nat4.c - the ICMP error part of the IPv4 address rewrite (see nat4.h). */
#include "nat4.h"

#include <netinet/ip_icmp.h>

#include "pkt.h"

/* Destination unreachable, source quench, redirect, time exceeded, parameter problem. */
static inline bool nat4_icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/*
 * An ICMP error quotes the packet it is about: when the outer source changes
 * o -> n, the quoted packet's destination was o (and the other way round).
 * Rewrite it, its header checksum and L4 checksum, and fix the ICMP checksum
 * for every word changed. avail: ICMP bytes present.
 */
void nat4_icmp_quote(uint8_t *icmp, unsigned avail, uint32_t o, uint32_t n, unsigned inner_off)
{
	const struct rte_icmp_hdr *ih = (const struct rte_icmp_hdr *)icmp;
	uint8_t *in = icmp + sizeof(*ih), *l4, *ck = icmp + NAT4_ICMP_CSUM;
	const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)in;
	unsigned ihl, rem;
	uint16_t ock;

	if (!nat4_icmp_is_error(ih->icmp_type) || avail < sizeof(*ih) + sizeof(*q))
		return;
	avail -= sizeof(*ih);
	ihl = q->ihl * 4u;
	if (q->version != IPVERSION || ihl < sizeof(*q) || ihl > avail ||
	    pkt_ld32(in + inner_off) != o)
		return;
	pkt_st32(in + inner_off, n);
	pkt_csum_adj32(ck, o, n);
	ock = pkt_ld16(in + NAT4_IP_CSUM);
	pkt_csum_adj32(in + NAT4_IP_CSUM, o, n);
	pkt_csum_adj16(ck, ock, pkt_ld16(in + NAT4_IP_CSUM));
	if ((pkt_ntoh16(q->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return; /* a later fragment quoted: no L4 header */
	l4 = in + ihl;
	rem = avail - ihl;
	/* only as much of the L4 header as reaches its checksum need be quoted */
	if (q->next_proto_id == IPPROTO_TCP && rem >= NAT4_TCP_CSUM + 2) {
		ock = pkt_ld16(l4 + NAT4_TCP_CSUM);
		pkt_csum_adj32(l4 + NAT4_TCP_CSUM, o, n);
		pkt_csum_adj16(ck, ock, pkt_ld16(l4 + NAT4_TCP_CSUM));
	} else if (q->next_proto_id == IPPROTO_UDP && rem >= sizeof(struct rte_udp_hdr)) {
		ock = pkt_ld16(l4 + NAT4_UDP_CSUM);
		pkt_csum_adj32_udp(l4 + NAT4_UDP_CSUM, o, n);
		pkt_csum_adj16(ck, ock, pkt_ld16(l4 + NAT4_UDP_CSUM));
	}
}
