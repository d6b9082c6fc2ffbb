/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bytes.h - big-endian fields of the guest services' wire formats (DHCP,
 * router advertisements, IP frames), read and written at any alignment.
 */
#ifndef ENIMAP_GUEST_BYTES_H
#define ENIMAP_GUEST_BYTES_H

#include <stdint.h>

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

#endif
