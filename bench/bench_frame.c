/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_frame.h"

#include <string.h>

#define ETH_LEN 14u
#define IP4_LEN 20u
#define UDP_LEN 8u
#define SEQ_OFF (ETH_LEN + IP4_LEN + UDP_LEN)

/* The 16-bit big-endian words of p added to s, unfolded (an odd last byte padded with 0). */
static uint32_t add_words(uint32_t s, const uint8_t *p, unsigned len)
{
	unsigned i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t bench_csum16(const uint8_t *p, unsigned len)
{
	return fold(add_words(0, p, len));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The UDP checksum over the IPv4 pseudo header and the datagram (RFC 768). */
static uint16_t udp4_csum(const uint8_t *ip, const uint8_t *udp, unsigned udp_len)
{
	uint32_t s = add_words(0, ip + 12, 8); /* source and destination */

	s += 17 + udp_len;
	return fold(add_words(s, udp, udp_len));
}

void bench_fill_udp4(uint8_t *f, unsigned len, const uint8_t *dmac, const uint8_t *smac,
		     uint32_t src, uint32_t dst, uint32_t seq, enum bench_udp_csum csum)
{
	uint8_t *ip = f + ETH_LEN, *udp = ip + IP4_LEN;
	unsigned udp_len = len - ETH_LEN - IP4_LEN;

	memset(f, 0, len);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - ETH_LEN));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, bench_csum16(ip, IP4_LEN));
	put16(udp, 12345);
	put16(udp + 2, 5001);
	put16(udp + 4, (uint16_t)udp_len);
	if (len >= SEQ_OFF + 4)
		memcpy(f + SEQ_OFF, &seq, 4);
	if (csum == BENCH_UDP_CSUM)
		put16(udp + 6, udp4_csum(ip, udp, udp_len));
}

void bench_fill_v4(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst,
		   uint32_t seq)
{
	bench_fill_udp4(f, BENCH_FRAME, dmac, smac, src, dst, seq, BENCH_UDP_CSUM);
}

void bench_fill_v6(uint8_t *f, const uint8_t *dmac, const uint8_t dst[16])
{
	uint8_t *ip = f + ETH_LEN;

	memset(f, 0, BENCH_FRAME);
	memcpy(f, dmac, 6);
	f[6] = 0x02;
	f[11] = 0x99;
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 10; /* UDP header + 2 bytes */
	ip[6] = 17;
	ip[7] = 64;
	ip[8] = 0x20;
	ip[9] = 0x01;
	ip[10] = 0x0d;
	ip[11] = 0xb8;
	ip[23] = 1;
	memcpy(ip + 24, dst, 16);
	ip[41] = 53;
	ip[43] = 53;
	ip[45] = 10;
}

uint32_t bench_seq_v4(const uint8_t *f)
{
	uint32_t seq;

	memcpy(&seq, f + SEQ_OFF, 4);
	return seq;
}
