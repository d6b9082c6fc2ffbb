/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt.h - unaligned header field access and incremental checksums, shared
 * by the pipeline modules (header only: all of it is inlined per packet).
 *
 * Checksums follow RFC 1624 (HC' = ~(~HC + ~m + m')) over the raw 16-bit
 * words as they sit in memory: one's complement sums do not depend on byte
 * order, so no byte is swapped.
 */
#ifndef ENIMAP_PKT_H
#define ENIMAP_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

static inline uint16_t pkt_ld16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static inline void pkt_st16(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static inline uint32_t pkt_ld32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static inline void pkt_st32(void *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
/* A big-endian 16-bit field, in host order. (__builtin_bswap16, not
 * rte_be_to_cpu_16: DPDK's x86 version is an asm statement the compiler can
 * neither fold nor schedule.) */
static inline uint16_t pkt_be16(const void *p)
{
	return __builtin_bswap16(pkt_ld16(p));
}
/* A big-endian field already loaded (e.g. through a DPDK header struct), in
 * host order, and back (the same swap, for the same reason). */
static inline uint16_t pkt_ntoh16(rte_be16_t v)
{
	return __builtin_bswap16(v);
}
static inline rte_be16_t pkt_hton16(uint16_t v)
{
	return __builtin_bswap16(v);
}

/* The 16-bit one's complement sum of s's halves: adding s to its
 * half-rotation leaves it, end-around carry included, in the high half. */
static inline uint16_t pkt_csum_fold(uint32_t s)
{
	s += (s >> 16) | (s << 16);
	return (uint16_t)(s >> 16);
}

/* True when the IPv4 header at ip (ihl bytes, a multiple of 4) has a valid checksum. */
static inline int pkt_ip4_csum_ok(const uint8_t *ip, unsigned ihl)
{
	/* the common 20-byte header unrolled: five loads, no loop */
	uint64_t s = (uint64_t)pkt_ld32(ip) + pkt_ld32(ip + 4) + pkt_ld32(ip + 8) +
		     pkt_ld32(ip + 12) + pkt_ld32(ip + 16);

	for (unsigned i = 20; i < ihl; i += 4)
		s += pkt_ld32(ip + i);
	/* fold 64 -> 32 -> 16 bits with end-around carries: adding a word to
	 * its half-rotation leaves the one's complement sum of its halves in
	 * the high half */
	s += (s >> 32) | (s << 32);
	uint32_t x = (uint32_t)(s >> 32);
	x += (x >> 16) | (x << 16);
	return (x >> 16) == 0xffff;
}

/* The checksum at ck covers a 16-bit word that changed from o to n. */
static inline void pkt_csum_adj16(uint8_t *ck, uint16_t o, uint16_t n)
{
	uint32_t s = (uint16_t)~pkt_ld16(ck) + (uint32_t)(uint16_t)~o + n;
	pkt_st16(ck, (uint16_t)~pkt_csum_fold(s));
}

/* The checksum at ck covers a 32-bit field that changed from o to n. */
static inline void pkt_csum_adj32(uint8_t *ck, uint32_t o, uint32_t n)
{
	uint32_t s = (uint16_t)~pkt_ld16(ck);

	s += (uint16_t) ~(o & 0xffff);
	s += (uint16_t) ~(o >> 16);
	s += (n & 0xffff) + (n >> 16);
	pkt_st16(ck, (uint16_t)~pkt_csum_fold(s));
}

/*
 * Several changes, one checksum update: pkt_csum_delta16/32 give the
 * "~m + m'" part of RFC 1624 for one changed field, as a plain sum (a 32-bit
 * field is congruent to the sum of its 16-bit halves modulo 0xffff, so it
 * need not be split); add them up and apply the sum once with
 * pkt_csum_apply, which folds it to 16 bits.
 */
static inline uint64_t pkt_csum_delta16(uint16_t o, uint16_t n)
{
	return (uint64_t)(uint16_t)~o + n;
}
static inline uint64_t pkt_csum_delta32(uint32_t o, uint32_t n)
{
	return (uint64_t)(uint32_t)~o + n;
}
/* The 16-bit one's complement sum of a 64-bit sum: two rotation folds. */
static inline uint16_t pkt_csum_fold64(uint64_t s)
{
	s += (s >> 32) | (s << 32);
	return pkt_csum_fold((uint32_t)(s >> 32));
}
static inline void pkt_csum_apply(uint8_t *ck, uint64_t delta)
{
	pkt_st16(ck, (uint16_t)~pkt_csum_fold64((uint16_t)~pkt_ld16(ck) + delta));
}

/* A UDP checksum: 0 means "none" and stays 0; a computed 0 is sent as 0xffff. */
static inline void pkt_csum_adj32_udp(uint8_t *ck, uint32_t o, uint32_t n)
{
	if (pkt_ld16(ck) == 0)
		return;
	pkt_csum_adj32(ck, o, n);
	if (pkt_ld16(ck) == 0)
		pkt_st16(ck, 0xffff);
}

#endif
