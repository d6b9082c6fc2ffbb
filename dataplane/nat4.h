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

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

#define NAT4_SRC 12 /* offset of the source address in the IPv4 header */
#define NAT4_DST 16 /* offset of the destination address */

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
		nat4_icmp_quote(l4, seg_len - ihl, o, n, which == NAT4_SRC ? NAT4_DST : NAT4_SRC);
		break;
	}
}

#endif
