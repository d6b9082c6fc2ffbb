/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * addrpool.h - which addresses of one IPv4 CIDR are taken: a bitmap with a
 * summary bitmap of full 64-address words and a "lowest possibly free"
 * cursor, so that taking the lowest free address never rescans the block
 * (a /16 is 1024 words, summarised in 16). Used for subnets (with the EC2
 * reserved addresses pre-taken) and for the public EIP pools.
 *
 * Addresses are in host byte order here.
 */
#ifndef ENIMAP_ADDRPOOL_H
#define ENIMAP_ADDRPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addrpool {
	uint32_t base;	 /* first address, host order */
	uint8_t depth;	 /* prefix length */
	uint64_t size;	 /* addresses in the block */
	uint64_t nfree;	 /* addresses not taken */
	uint64_t *bits;	 /* 1 = taken */
	uint64_t *full;	 /* bit w = word w of bits is all taken */
	uint64_t cursor; /* every offset below is taken */
};

/*
 * Cover base/depth (depth >= 8). With reserve_ec2, the first four and the last
 * address are taken for good. 0 or -ENOMEM.
 */
int addrpool_init(struct addrpool *p, uint32_t base, uint8_t depth, bool reserve_ec2);
void addrpool_fini(struct addrpool *p);
/* dst = a copy of src: 0, or -ENOMEM with dst holding no memory. */
int addrpool_clone(struct addrpool *dst, const struct addrpool *src);

bool addrpool_contains(const struct addrpool *p, uint32_t addr);
bool addrpool_is_taken(const struct addrpool *p, uint32_t addr);
/* addr must be inside the block. */
void addrpool_take(struct addrpool *p, uint32_t addr);
void addrpool_give(struct addrpool *p, uint32_t addr);
/* Take the lowest free address: 0 and *addr, or -ENOSPC. */
int addrpool_take_lowest(struct addrpool *p, uint32_t *addr);
size_t addrpool_bytes(const struct addrpool *p);

#endif
