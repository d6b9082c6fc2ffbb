/* SPDX-License-Identifier: BSD-3-Clause */
#include "objtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void objtab_init(struct objtab *t, size_t elsize)
{
	memset(t, 0, sizeof(*t));
	t->elsize = elsize;
	t->head = t->tail = OBJTAB_NIL;
}

void objtab_fini(struct objtab *t)
{
	free(t->arr);
	free(t->freel);
	free(t->prev);
	free(t->next);
	free(t->live);
	free(t->order);
	objtab_init(t, t->elsize);
}

static int grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, n * size);

	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

int objtab_reserve(struct objtab *t, size_t more)
{
	size_t cap;

	if (t->nfree + (t->cap - t->hw) >= more)
		return 0;
	cap = t->cap ? t->cap * 2 : 16;
	while (cap - t->hw + t->nfree < more)
		cap *= 2;
	/* each realloc that succeeds keeps the table valid: cap changes last */
	if (grow(&t->arr, cap, t->elsize) || grow((void **)&t->freel, cap, sizeof(uint32_t)) ||
	    grow((void **)&t->prev, cap, sizeof(uint32_t)) ||
	    grow((void **)&t->next, cap, sizeof(uint32_t)) || grow((void **)&t->live, cap, 1) ||
	    grow((void **)&t->order, cap, sizeof(uint64_t)))
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

uint32_t objtab_alloc(struct objtab *t)
{
	uint32_t i = t->nfree ? t->freel[--t->nfree] : (uint32_t)t->hw++;

	memset(objtab_at(t, i), 0, t->elsize);
	t->live[i] = 1;
	t->order[i] = ++t->clock;
	t->prev[i] = t->tail;
	t->next[i] = OBJTAB_NIL;
	if (t->tail != OBJTAB_NIL)
		t->next[t->tail] = i;
	else
		t->head = i;
	t->tail = i;
	t->nlive++;
	return i;
}

void objtab_release(struct objtab *t, uint32_t i)
{
	if (t->prev[i] != OBJTAB_NIL)
		t->next[t->prev[i]] = t->next[i];
	else
		t->head = t->next[i];
	if (t->next[i] != OBJTAB_NIL)
		t->prev[t->next[i]] = t->prev[i];
	else
		t->tail = t->prev[i];
	t->live[i] = 0;
	t->freel[t->nfree++] = i;
	t->nlive--;
}

size_t objtab_bytes(const struct objtab *t)
{
	return t->cap * (t->elsize + 3 * sizeof(uint32_t) + 1 + sizeof(uint64_t));
}

static int dup_array(void **dst, const void *src, size_t bytes)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = malloc(bytes ? bytes : 1);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, bytes);
	return 0;
}

int objtab_clone(struct objtab *dst, const struct objtab *src)
{
	*dst = *src;
	dst->arr = dst->freel = dst->prev = dst->next = NULL;
	dst->live = NULL;
	dst->order = NULL;
	if (dup_array(&dst->arr, src->arr, src->cap * src->elsize) ||
	    dup_array((void **)&dst->order, src->order, src->cap * sizeof(uint64_t)) ||
	    dup_array((void **)&dst->freel, src->freel, src->cap * sizeof(uint32_t)) ||
	    dup_array((void **)&dst->prev, src->prev, src->cap * sizeof(uint32_t)) ||
	    dup_array((void **)&dst->next, src->next, src->cap * sizeof(uint32_t)) ||
	    dup_array((void **)&dst->live, src->live, src->cap)) {
		objtab_fini(dst);
		return -ENOMEM;
	}
	return 0;
}
