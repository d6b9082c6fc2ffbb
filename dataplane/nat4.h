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

#define NAT4_SRC 12 /* offset of the source address in the IPv4 header */
#define NAT4_DST 16 /* offset of the destination address */

/*
 * Set the address at offset which (NAT4_SRC or NAT4_DST) of the IPv4 packet
 * at ip to n (network order). seg_len: bytes of the packet present at ip
 * (never read past); has_l4: the L4 header is here (not a later fragment:
 * only the first fragment carries the L4 checksum), validated by the caller.
 */
void nat4_set_addr(uint8_t *ip, unsigned seg_len, bool has_l4, unsigned which, uint32_t n);

#endif
