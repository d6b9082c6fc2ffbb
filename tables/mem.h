/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mem.h - (internal to tables/) memory for lookup tables, with or without EAL.
 *
 * When the EAL is initialised and has hugepages, tables come from
 * rte_zmalloc_socket (hugepage backed, on the asked socket). Otherwise (no
 * EAL, as in unit tests and tools, or EAL with --no-huge) they come from
 * aligned_alloc, 2 MB aligned for big tables and advised MADV_HUGEPAGE so
 * that transparent huge pages spare the TLB; small ones are cache-line
 * aligned. Memory is always zeroed.
 */
#ifndef ENIMAP_LPM_MEM_H
#define ENIMAP_LPM_MEM_H

#include <stdbool.h>
#include <stddef.h>

struct lpm_mem {
	void *ptr;
	size_t size; /* bytes asked for */
	bool rte;    /* true: rte_free; false: free */
};

/* 0, or -ENOMEM. */
int lpm_mem_alloc(struct lpm_mem *m, size_t size, int socket_id);
void lpm_mem_free(struct lpm_mem *m);
/* True when the EAL is initialised (rte_* tables such as rte_fib can be made). */
bool lpm_mem_eal_up(void);

#endif
