/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_frame.h - the frames the benchmarks send: Ethernet + IPv4 + UDP and
 * Ethernet + IPv6 + UDP, with the Internet checksum. No DPDK here, so that
 * the AF_PACKET generator of vs_nftables.sh (udp_gen.c) builds the same
 * frames as the DPDK benches (bench_util.h includes this header).
 */
#ifndef ENIMAP_BENCH_FRAME_H
#define ENIMAP_BENCH_FRAME_H

#include <stdint.h>

#define BENCH_FRAME 64u /* bytes, as on the wire without FCS */

/* The Internet checksum (RFC 1071) of len bytes, ready to store big-endian. */
uint16_t bench_csum16(const uint8_t *p, unsigned len);

/*
 * Whether a UDP/IPv4 frame carries its checksum. Without one (0, "none" in
 * RFC 768) the NAT has no UDP checksum to update.
 */
enum bench_udp_csum { BENCH_UDP_NO_CSUM, BENCH_UDP_CSUM };

/*
 * len bytes (42 to 255) of Ethernet + IPv4 + UDP from port 12345 to 5001,
 * the IPv4 header checksum computed; src and dst in network order. The 4
 * bytes at offset 42 (UDP payload, when len leaves room) carry seq as it is
 * in memory, so that a delivered packet says which one it was.
 */
void bench_fill_udp4(uint8_t *f, unsigned len, const uint8_t *dmac, const uint8_t *smac,
		     uint32_t src, uint32_t dst, uint32_t seq, enum bench_udp_csum csum);

/* BENCH_FRAME bytes of Ethernet + IPv4 + UDP with both checksums (the NAT has to update them). */
void bench_fill_v4(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst,
		   uint32_t seq);
/* BENCH_FRAME bytes of Ethernet + IPv6 + UDP to dst (UDP checksum left 0: nothing translates it).
 */
void bench_fill_v6(uint8_t *f, const uint8_t *dmac, const uint8_t dst[16]);
/* The sequence number bench_fill_udp4 wrote. */
uint32_t bench_seq_v4(const uint8_t *f);

/* xorshift64 (every bench's random numbers, the generators' too) */
static inline uint32_t bench_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

#endif
