/* SPDX-License-Identifier: BSD-3-Clause */
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#define HUGE_2M (2u << 20)
#define CACHE_LINE 64

bool lpm_mem_eal_up(void)
{
	/* The lcore count is 0 until rte_eal_init has run (and after cleanup
	 * it is left as it was, but nothing here runs after cleanup). */
	return rte_lcore_count() > 0;
}

int lpm_mem_alloc(struct lpm_mem *m, size_t size, int socket_id)
{
	m->size = size;
	m->rte = false;
	m->ptr = NULL;
	if (size == 0)
		size = CACHE_LINE;
	if (lpm_mem_eal_up() && rte_eal_has_hugepages()) {
		m->ptr = rte_zmalloc_socket("enimap-lpm", size, CACHE_LINE, socket_id);
		if (m->ptr != NULL) {
			m->rte = true;
			return 0;
		}
		/* hugepages exhausted: fall through to plain memory */
	}
	size_t align = size >= HUGE_2M ? HUGE_2M : CACHE_LINE;
	size_t rounded = (size + align - 1) / align * align;
	m->ptr = aligned_alloc(align, rounded);
	if (m->ptr == NULL)
		return -ENOMEM;
	if (align == HUGE_2M)
		(void)madvise(m->ptr, rounded, MADV_HUGEPAGE); /* a hint: failure is harmless */
	memset(m->ptr, 0, rounded);
	return 0;
}

void lpm_mem_free(struct lpm_mem *m)
{
	if (m->ptr == NULL)
		return;
	if (m->rte)
		rte_free(m->ptr);
	else
		free(m->ptr);
	m->ptr = NULL;
}
