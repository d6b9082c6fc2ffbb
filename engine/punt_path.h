/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * punt_path.h - the engine's half of the exception path (D16,
 * dataplane/punt.h): the rings between the workers and the guest services,
 * and the small mempool the services build their answers from.
 *
 *   worker i --ring to_svc[i] (SP/SC)--> the service thread (punt_path_recv)
 *   the service thread --ring reply (SP/SC)--> worker 0 (worker.c)
 *
 * One service thread calls punt_path_recv / punt_path_send: each ring has one
 * producer and one consumer, so no ring op takes a lock. The service thread
 * is not an EAL lcore: the answer pool has no per-lcore cache, and DPDK's
 * rings and mempools work from any thread.
 */
#ifndef ENIMAP_PUNT_PATH_H
#define ENIMAP_PUNT_PATH_H

#include <stdint.h>

#include <rte_lcore.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

struct punt_path {
	unsigned n_workers;
	unsigned next; /* the ring punt_path_recv starts at: fairness between workers */
	struct rte_ring *to_svc[RTE_MAX_LCORE];
	struct rte_ring *reply;
	struct rte_mempool *pool; /* answers */
};

/* The rings for n_workers and the answers' pool. NULL (logged) on failure. */
struct punt_path *punt_path_create(unsigned n_workers);
/* Frees what is still queued. After the workers stopped. */
void punt_path_free(struct punt_path *p);

unsigned punt_path_recv(struct punt_path *p, struct rte_mbuf **pkts, unsigned n);
struct rte_mbuf *punt_path_alloc(struct punt_path *p);
/* m->port = port; 0 or -ENOBUFS (the reply ring is full: m freed). */
int punt_path_send(struct punt_path *p, struct rte_mbuf *m, uint16_t port);

#endif
