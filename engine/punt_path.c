/* SPDX-License-Identifier: BSD-3-Clause */
/* punt_path.c - the exception path's rings and answer pool (see punt_path.h). */
#include "punt_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "punt.h"

#define RTE_LOGTYPE_ENIMAP RTE_LOGTYPE_USER1
#define PUNT_POOL_SIZE 1023 /* answers in flight at most: the reply ring and worker 0's queues */

static void drain(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

struct punt_path *punt_path_create(unsigned n_workers)
{
	struct punt_path *p = calloc(1, sizeof(*p));
	char name[RTE_RING_NAMESIZE];

	if (p == NULL)
		return NULL;
	p->n_workers = n_workers;
	for (unsigned i = 0; i < n_workers; i++) {
		snprintf(name, sizeof(name), "enimap_punt%u", i);
		p->to_svc[i] = rte_ring_create(name, PUNT_RING_SIZE, (int)rte_socket_id(),
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (p->to_svc[i] == NULL)
			goto fail;
	}
	p->reply = rte_ring_create("enimap_punt_reply", PUNT_RING_SIZE, (int)rte_socket_id(),
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	/* no cache: the service thread is not an lcore */
	p->pool = rte_pktmbuf_pool_create("enimap_punt_pool", PUNT_POOL_SIZE, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (p->reply == NULL || p->pool == NULL)
		goto fail;
	return p;
fail:
	RTE_LOG(ERR, ENIMAP, "exception path: rings or pool: %s\n", rte_strerror(rte_errno));
	punt_path_free(p);
	errno = ENOMEM;
	return NULL;
}

void punt_path_free(struct punt_path *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n_workers; i++) {
		drain(p->to_svc[i]);
		rte_ring_free(p->to_svc[i]);
	}
	drain(p->reply);
	rte_ring_free(p->reply);
	rte_mempool_free(p->pool);
	free(p);
}

unsigned punt_path_recv(struct punt_path *p, struct rte_mbuf **pkts, unsigned n)
{
	unsigned got = 0;

	for (unsigned k = 0; k < p->n_workers && got < n; k++) {
		unsigned i = (p->next + k) % p->n_workers;

		got += rte_ring_sc_dequeue_burst(p->to_svc[i], (void **)&pkts[got], n - got, NULL);
	}
	p->next = p->n_workers ? (p->next + 1) % p->n_workers : 0;
	return got;
}

struct rte_mbuf *punt_path_alloc(struct punt_path *p)
{
	return rte_pktmbuf_alloc(p->pool);
}

int punt_path_send(struct punt_path *p, struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	if (rte_ring_sp_enqueue(p->reply, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}
