/* SPDX-License-Identifier: BSD-3-Clause */
/* nat4.c - the ICMP error part of the IPv4 address rewrite (see nat4.h). */
#include "nat4.h"

#include "pkt.h"

static inline bool nat4_icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * An ICMP error quotes the packet it is about: when the outer source changes
 * o -> n, the quoted packet's destination was o (and the other way round).
 * Rewrite it, its header checksum and L4 checksum, and fix the ICMP checksum
 * for every word changed. avail: ICMP bytes present.
 */
void nat4_icmp_quote(uint8_t *icmp, unsigned avail, uint32_t o, uint32_t n, unsigned inner_off)
{
	uint8_t *in = icmp + 8, *l4;
	unsigned ihl, rem;
	uint16_t ock;

	if (!nat4_icmp_is_error(icmp[0]) || avail < 8 + 20)
		return;
	avail -= 8;
	ihl = (in[0] & 0xfu) * 4u;
	if ((in[0] >> 4) != 4 || ihl < 20 || ihl > avail || pkt_ld32(in + inner_off) != o)
		return;
	pkt_st32(in + inner_off, n);
	pkt_csum_adj32(icmp + 2, o, n);
	ock = pkt_ld16(in + 10);
	pkt_csum_adj32(in + 10, o, n);
	pkt_csum_adj16(icmp + 2, ock, pkt_ld16(in + 10));
	if ((pkt_be16(in + 6) & 0x1fff) != 0)
		return; /* a later fragment quoted: no L4 header */
	l4 = in + ihl;
	rem = avail - ihl;
	if (in[9] == PKT_PROTO_TCP && rem >= 18) {
		ock = pkt_ld16(l4 + 16);
		pkt_csum_adj32(l4 + 16, o, n);
		pkt_csum_adj16(icmp + 2, ock, pkt_ld16(l4 + 16));
	} else if (in[9] == PKT_PROTO_UDP && rem >= 8) {
		ock = pkt_ld16(l4 + 6);
		pkt_csum_adj32_udp(l4 + 6, o, n);
		pkt_csum_adj16(icmp + 2, ock, pkt_ld16(l4 + 6));
	}
}
