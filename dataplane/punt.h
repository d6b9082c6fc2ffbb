/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * punt.h - the exception path (D16): packets for the VPC router itself
 * (DHCP, a machine's packets to its subnet's router address) leave the
 * worker for the guest services on the control side (control/guest), and
 * their answers come back.
 *
 * To the services: one ring per worker, single producer (that worker) and
 * single consumer (the service thread), behind a token bucket per worker. A
 * packet that finds the bucket empty or the ring full is dropped and
 * counted as punt-overflow: a flood costs the worker one compare and a free
 * per packet and never waits for the service. The mbuf carries what the
 * worker knew: m->port = the engine port index it arrived on (not the DPDK
 * port id). The service never trusts the packet's claimed source address:
 * it finds the asking ENI again by {port, VLAN, source MAC} in the model.
 *
 * Back: one ring, single producer (the service), single consumer (worker
 * 0), m->port = the engine port to send it out of. Worker 0 drains it into
 * its own tx queues once a loop (worker.c): no tx queue is shared.
 *
 * The bucket is read with rte_rdtsc() only when a packet is punted (rare):
 * the fast path pays nothing.
 */
#ifndef ENIMAP_PUNT_H
#define ENIMAP_PUNT_H

#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "counters.h"
#include "stage.h"

/* Packets a second a worker punts at most, and the burst it may punt at once. */
#define PUNT_RATE_DEFAULT 2000
#define PUNT_BURST_DEFAULT 256
#define PUNT_RING_SIZE 1024 /* each way; a power of two */

struct punt_q {
	struct rte_ring *ring;	/* to the services; NULL: no services, punted packets are dropped */
	uint64_t tsc_per_token; /* TSC cycles per punted packet allowed */
	uint64_t last_tsc;	/* when tokens was last refilled */
	uint32_t tokens, burst;
};

/* A queue on ring at rate packets a second, burst at once (rate 0: nothing passes). */
static inline void punt_q_init(struct punt_q *q, struct rte_ring *ring, uint32_t rate,
			       uint32_t burst)
{
	q->ring = ring;
	q->tsc_per_token = rate ? rte_get_tsc_hz() / rate : UINT64_MAX;
	if (q->tsc_per_token == 0)
		q->tsc_per_token = 1;
	q->last_tsc = rte_rdtsc();
	q->tokens = q->burst = burst;
}

/* One token, refilled from the time since the last refill. */
static inline int punt_take_token(struct punt_q *q)
{
	if (q->tokens == 0) {
		uint64_t now = rte_rdtsc(), add = (now - q->last_tsc) / q->tsc_per_token;

		if (add == 0)
			return 0;
		q->tokens = add >= q->burst ? q->burst : (uint32_t)add;
		q->last_tsc += add * q->tsc_per_token;
		if (q->tokens == q->burst)
			q->last_tsc = now;
	}
	q->tokens--;
	return 1;
}

/* Hand m (received on engine port in_port) to the services, or drop it as punt-overflow. */
static inline void punt(struct counters *c, struct punt_q *q, struct rte_mbuf *m, uint16_t in_port)
{
	m->port = in_port;
	if (q == NULL || q->ring == NULL || !punt_take_token(q) ||
	    rte_ring_sp_enqueue(q->ring, m) != 0) {
		drop(c, m, in_port, COUNTERS_DROP_PUNT_OVERFLOW);
		return;
	}
	c->punted++;
}

#endif
