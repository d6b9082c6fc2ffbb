/* SPDX-License-Identifier: BSD-3-Clause */
#include "addrpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t nwords(uint64_t bits)
{
	return (size_t)((bits + 63) / 64);
}

int addrpool_init(struct addrpool *p, uint32_t base, uint8_t depth, bool reserve_ec2)
{
	memset(p, 0, sizeof(*p));
	if (depth < 8 || depth > 32)
		return -EINVAL;
	p->base = base;
	p->depth = depth;
	p->size = 1ULL << (32 - depth);
	p->nfree = p->size;
	p->bits = calloc(nwords(p->size), sizeof(uint64_t));
	p->full = calloc(nwords(nwords(p->size)), sizeof(uint64_t));
	if (!p->bits || !p->full) {
		addrpool_fini(p);
		return -ENOMEM;
	}
	/* bits past the end of a small block count as taken */
	if (p->size % 64)
		p->bits[0] |= ~0ULL << p->size;
	if (reserve_ec2) {
		for (uint64_t i = 0; i < 4 && i < p->size; i++)
			addrpool_take(p, base + (uint32_t)i);
		if (p->size > 4)
			addrpool_take(p, base + (uint32_t)(p->size - 1));
	}
	return 0;
}

void addrpool_fini(struct addrpool *p)
{
	free(p->bits);
	free(p->full);
	p->bits = p->full = NULL;
}

int addrpool_clone(struct addrpool *dst, const struct addrpool *src)
{
	size_t w = nwords(src->size), f = nwords(nwords(src->size));

	*dst = *src;
	dst->bits = src->bits ? malloc(w * sizeof(uint64_t)) : NULL;
	dst->full = src->full ? malloc(f * sizeof(uint64_t)) : NULL;
	if ((src->bits && !dst->bits) || (src->full && !dst->full)) {
		addrpool_fini(dst);
		return -ENOMEM;
	}
	if (src->bits)
		memcpy(dst->bits, src->bits, w * sizeof(uint64_t));
	if (src->full)
		memcpy(dst->full, src->full, f * sizeof(uint64_t));
	return 0;
}

bool addrpool_contains(const struct addrpool *p, uint32_t addr)
{
	return (uint64_t)(addr - p->base) < p->size && addr >= p->base;
}

bool addrpool_is_taken(const struct addrpool *p, uint32_t addr)
{
	uint64_t off = addr - p->base;

	return (p->bits[off / 64] >> (off % 64)) & 1;
}

void addrpool_take(struct addrpool *p, uint32_t addr)
{
	uint64_t off = addr - p->base;
	size_t w = off / 64;

	if (addrpool_is_taken(p, addr))
		return;
	p->bits[w] |= 1ULL << (off % 64);
	p->nfree--;
	if (p->bits[w] == ~0ULL)
		p->full[w / 64] |= 1ULL << (w % 64);
}

void addrpool_give(struct addrpool *p, uint32_t addr)
{
	uint64_t off = addr - p->base;
	size_t w = off / 64;

	if (!addrpool_is_taken(p, addr))
		return;
	p->bits[w] &= ~(1ULL << (off % 64));
	p->full[w / 64] &= ~(1ULL << (w % 64));
	p->nfree++;
	if (off < p->cursor)
		p->cursor = off;
}

int addrpool_take_lowest(struct addrpool *p, uint32_t *addr)
{
	size_t nw = nwords(p->size), w = p->cursor / 64;

	if (p->nfree == 0)
		return -ENOSPC;
	/* skip full words 64 at a time through the summary */
	while (w < nw) {
		uint64_t f = p->full[w / 64] | ((1ULL << (w % 64)) - 1);

		if (f != ~0ULL) {
			w = (w & ~(size_t)63) + (size_t)__builtin_ctzll(~f);
			break;
		}
		w = (w & ~(size_t)63) + 64;
	}
	if (w >= nw)
		return -ENOSPC; /* cannot happen while nfree > 0 */
	uint64_t off = (uint64_t)w * 64 + (uint64_t)__builtin_ctzll(~p->bits[w]);
	*addr = p->base + (uint32_t)off;
	addrpool_take(p, *addr);
	p->cursor = off + 1;
	return 0;
}

size_t addrpool_bytes(const struct addrpool *p)
{
	return (nwords(p->size) + nwords(nwords(p->size))) * sizeof(uint64_t);
}
