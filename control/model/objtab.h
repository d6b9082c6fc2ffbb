/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * objtab.h - a growable array of objects of one kind, addressed by a small
 * integer (the object's slot, reused after release), with a creation-order
 * list for stable iteration, and a creation number per object (order[]: it
 * grows along the creation list and is never reused, so a Describe page can
 * resume after an object even once that object is gone). objtab_reserve() first, then
 * objtab_alloc() cannot fail (all-or-nothing operations reserve before they mutate). Growing moves
 * the array: take element pointers only after reserving.
 */
#ifndef ENIMAP_OBJTAB_H
#define ENIMAP_OBJTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBJTAB_NIL UINT32_MAX

struct objtab {
	void *arr;
	size_t elsize;
	size_t hw;  /* slots ever used (high-water mark) */
	size_t cap; /* slots allocated */
	uint32_t *freel;
	size_t nfree;
	uint32_t *prev, *next; /* creation order */
	uint8_t *live;
	uint64_t *order; /* creation number of each live slot: increasing along next[] */
	uint64_t clock;	 /* the last creation number handed out */
	uint32_t head, tail;
	size_t nlive;
};

void objtab_init(struct objtab *t, size_t elsize);
void objtab_fini(struct objtab *t);
/* Room for `more` allocations. 0 or -ENOMEM. */
int objtab_reserve(struct objtab *t, size_t more);
/* A zeroed element at the end of the creation order; needs a reservation. */
uint32_t objtab_alloc(struct objtab *t);
void objtab_release(struct objtab *t, uint32_t i);
size_t objtab_bytes(const struct objtab *t);
/* dst = a copy of src (the elements byte for byte): 0, or -ENOMEM with dst empty. */
int objtab_clone(struct objtab *dst, const struct objtab *src);

static inline void *objtab_at(const struct objtab *t, uint32_t i)
{
	return (char *)t->arr + (size_t)i * t->elsize;
}

static inline bool objtab_live(const struct objtab *t, uint32_t i)
{
	return i < t->hw && t->live[i];
}

#endif
