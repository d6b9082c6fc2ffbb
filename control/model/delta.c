/* SPDX-License-Identifier: BSD-3-Clause */
#include "delta.h"

#include <errno.h>
#include <stdlib.h>

int delta_reserve(struct delta *d, size_t more)
{
	size_t cap = d->cap ? d->cap : 16;
	struct delta_entry *e;

	if (d->n + more <= d->cap)
		return 0;
	while (cap < d->n + more)
		cap *= 2;
	e = realloc(d->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	d->e = e;
	d->cap = cap;
	return 0;
}

int delta_push(struct delta *d, const struct delta_entry *entry)
{
	if (delta_reserve(d, 1) < 0)
		return -ENOMEM;
	d->e[d->n++] = *entry;
	return 0;
}

void delta_reset(struct delta *d)
{
	d->n = 0;
}

void delta_free(struct delta *d)
{
	free(d->e);
	d->e = NULL;
	d->n = d->cap = 0;
}
