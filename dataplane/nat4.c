/* SPDX-License-Identifier: BSD-3-Clause */
/* nat4.c - IPv4 address rewrite with incremental checksums (see nat4.h). */
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
static void nat4_icmp_inner(uint8_t *icmp, unsigned avail, uint32_t o, uint32_t n,
			    unsigned inner_off)
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

void nat4_set_addr(uint8_t *ip, unsigned seg_len, bool has_l4, unsigned which, uint32_t n)
{
	unsigned ihl = (ip[0] & 0xfu) * 4u;
	uint8_t *l4 = ip + ihl;
	uint32_t o = pkt_ld32(ip + which);

	pkt_st32(ip + which, n);
	pkt_csum_adj32(ip + 10, o, n);
	if (!has_l4)
		return;
	switch (ip[9]) {
	case PKT_PROTO_TCP:
		pkt_csum_adj32(l4 + 16, o, n);
		break;
	case PKT_PROTO_UDP:
		pkt_csum_adj32_udp(l4 + 6, o, n);
		break;
	case PKT_PROTO_ICMP:
		/* outer source <-> quoted destination, and the reverse */
		nat4_icmp_inner(l4, seg_len - ihl, o, n, which == NAT4_SRC ? NAT4_DST : NAT4_SRC);
		break;
	}
}
