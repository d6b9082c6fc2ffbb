/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.h - one poll-mode worker lcore.
 *
 * Each worker owns rx queue `id` (when the port has it) and tx queue `id` of
 * every port, its own counters, and RCU reader slot `id` of the table
 * generations. Per loop (l3fwd style):
 *
 *   for each port: rx burst; side = gen_reader_side(); pipeline_burst();
 *                  packets sorted by output port, one tx burst per port
 *                  (what a full tx ring refuses is freed and counted);
 *   gen_reader_quiescent()  -- once per loop, after every burst.
 *
 * Tx is drained in the same loop that received (no packet waits for a
 * timer): after a table change returns, no packet looked up in the old
 * generation is still held by a worker.
 *
 * An idle worker (WORKER_IDLE_LOOPS empty polls in a row) naps
 * WORKER_IDLE_SLEEP_US between polls, offline for RCU meanwhile.
 *
 * Worker 0 also sends the guest services' answers (DHCP; punt.h) out of
 * its own tx queues, once a loop, and asks for the uplink's upstream MAC (an ARP request once a
 * second) while it is neither configured nor learned; the pipeline learns it
 * from the answer.
 *
 * Fields marked [worker] are written only by the worker; [control] only
 * before launch or through worker_stop().
 */
#ifndef ENIMAP_WORKER_H
#define ENIMAP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "fwd.h"
#include "pipeline.h"

struct gen;
struct obs_session;
struct rte_mempool;
struct rte_ring;

#define WORKER_MAX_BURST PIPELINE_BURST_MAX /* a burst is what the pipeline takes */
#define WORKER_IDLE_LOOPS 1024		    /* empty polls in a row before the worker naps */
#define WORKER_IDLE_SLEEP_US 50		    /* one nap (offline for RCU meanwhile) */

struct worker_port_stats {
	uint64_t rx_packets; /* [worker] */
	uint64_t tx_packets; /* [worker] */
	uint64_t tx_dropped; /* [worker] refused by a full tx ring, freed */
};

struct worker {
	/* [control] set before launch */
	unsigned id;		    /* worker index = queue id = RCU reader id */
	struct gen *gen;	    /* published table generations */
	struct pipeline_worker *pw; /* this worker's pipeline context and counters */
	unsigned n_ports;
	uint16_t port_id[FWD_MAX_PORTS]; /* engine port index -> DPDK port id */
	bool poll_rx[FWD_MAX_PORTS];	 /* the port has rx queue `id` */
	unsigned burst;			 /* rx burst size, <= WORKER_MAX_BURST */
	int uplink;			 /* uplink port index, -1 = none */
	struct rte_mempool *pool;	 /* for the ARP requests worker 0 sends */
	/* worker 0: the guest services' answers (punt.h), m->port = the engine
	 * port to send each out of; NULL for the other workers */
	struct rte_ring *replies;
	bool stop; /* [control] worker_stop(), atomic */
	/* [control] an armed trace or capture (observe.h), NULL: none; loaded
	 * once per burst (acquire: the session's fields are set before) */
	struct obs_session *obs;
	/* [worker] */
	uint64_t loops;
	uint64_t bursts; /* rx bursts that brought packets */
	/* TSC cycles of the loops that received packets (busy) and of those that
	 * did not (idle, naps included): busy / (busy + idle) is the load, and
	 * busy / packets what a packet costs, so the headroom shows under load */
	uint64_t busy_cycles, idle_cycles;
	uint64_t next_arp; /* tsc: next ARP request for an unknown upstream MAC */
	uint64_t arp_requests;
	struct worker_port_stats port[FWD_MAX_PORTS];
} __rte_cache_aligned;

/* The lcore function: rte_eal_remote_launch(worker_main, w, lcore). */
int worker_main(void *w);

/* Ask the worker to leave its loop (it goes offline for RCU first). */
void worker_stop(struct worker *w);

#endif
