/* SPDX-License-Identifier: BSD-3-Clause */
#include "worker.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gen.h"
#include "observe.h"
#include "pipeline.h"

/* Send what the pipeline queued for each port; free and count what tx refuses. */
static void worker_tx(struct worker *w, struct pipeline_tx *tx)
{
	for (unsigned p = 0; p < w->n_ports; p++) {
		uint16_t n = tx->n[p], sent;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(w->port_id[p], (uint16_t)w->id, tx->pkts[p], n);
		w->port[p].tx_packets += sent;
		if (sent < n) {
			w->port[p].tx_dropped += (uint64_t)(n - sent);
			rte_pktmbuf_free_bulk(&tx->pkts[p][sent], n - sent);
		}
		tx->n[p] = 0;
	}
}

/* Worker 0, once a second while the upstream MAC is unknown: ask for it. */
static void worker_resolve_upstream(struct worker *w, const struct fwd_side *side)
{
	uint8_t mac[6];
	uint64_t now = rte_get_timer_cycles();
	struct rte_mbuf *m;
	uint16_t port = (uint16_t)w->uplink;

	if (now < w->next_arp)
		return;
	w->next_arp = now + rte_get_timer_hz();
	if (!side->ports[port].has_upstream_ip || fwd_upstream_mac(side, port, mac))
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	/* sender 0.0.0.0: the engine has no address of its own on the uplink */
	if (pipeline_arp_request(side, port, 0, m) != 0 ||
	    rte_eth_tx_burst(w->port_id[port], (uint16_t)w->id, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return;
	}
	w->arp_requests++;
}

/* Worker 0: the guest services' answers, out of the ports they name (punt.h). */
static void worker_send_replies(struct worker *w, struct pipeline_tx *tx)
{
	struct rte_mbuf *m[32];
	unsigned n = rte_ring_sc_dequeue_burst(w->replies, (void **)m, RTE_DIM(m), NULL);

	if (n == 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		uint16_t p = m[i]->port;

		if (p >= w->n_ports || tx->n[p] >= PIPELINE_TX_MAX) {
			rte_pktmbuf_free(m[i]);
			continue;
		}
		tx->pkts[p][tx->n[p]++] = m[i];
	}
	worker_tx(w, tx);
}

/* Returns the number of packets received. */
static unsigned worker_poll(struct worker *w, struct pipeline_tx *tx)
{
	struct rte_mbuf *pkts[WORKER_MAX_BURST];
	unsigned total = 0;

	for (unsigned p = 0; p < w->n_ports; p++) {
		const struct fwd_side *side;
		struct obs_session *obs;
		uint16_t n;

		if (!w->poll_rx[p])
			continue;
		n = rte_eth_rx_burst(w->port_id[p], (uint16_t)w->id, pkts, (uint16_t)w->burst);
		if (n == 0)
			continue;
		w->port[p].rx_packets += n;
		w->bursts++;
		total += n;
		/* one generation for the whole burst (load-acquire inside) */
		side = gen_reader_side(w->gen);
		obs = __atomic_load_n(&w->obs, __ATOMIC_ACQUIRE);
		if (unlikely(obs != NULL))
			obs_burst(w->pw, side, (uint16_t)p, pkts, n, tx, obs, w->id);
		else
			pipeline_burst(w->pw, side, (uint16_t)p, pkts, n, tx);
		worker_tx(w, tx);
	}
	if (w->id == 0 && w->uplink >= 0)
		worker_resolve_upstream(w, gen_reader_side(w->gen));
	if (w->replies != NULL)
		worker_send_replies(w, tx);
	return total;
}

/*
 * Idle: after WORKER_IDLE_LOOPS empty polls in a row, sleep a little between
 * polls, so that an idle engine leaves the CPU to others (tests and demos
 * share two cores). The worker goes offline for RCU while it sleeps, so a
 * table change never waits for a sleeping worker; a loaded worker never
 * sleeps.
 */
static void worker_idle(struct worker *w)
{
	gen_reader_offline(w->gen, w->id);
	rte_delay_us_sleep(WORKER_IDLE_SLEEP_US);
	gen_reader_online(w->gen, w->id);
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipeline_tx tx;
	unsigned empty = 0; /* empty polls in a row */
	uint64_t t0;

	memset(&tx, 0, sizeof(tx));
	gen_reader_online(w->gen, w->id);
	t0 = rte_rdtsc();
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		unsigned got = worker_poll(w, &tx);
		uint64_t t1;

		empty = got != 0 ? 0 : empty + 1;
		/* no table pointer is held past this point: the writer may reuse them */
		gen_reader_quiescent(w->gen, w->id);
		w->loops++;
		if (empty >= WORKER_IDLE_LOOPS)
			worker_idle(w);
		/* one TSC read a loop; the loop's time goes to busy or idle whole */
		t1 = rte_rdtsc();
		if (got != 0)
			w->busy_cycles += t1 - t0;
		else
			w->idle_cycles += t1 - t0;
		t0 = t1;
	}
	gen_reader_offline(w->gen, w->id);
	return 0;
}

void worker_stop(struct worker *w)
{
	/* relaxed: the worker only needs to see it eventually; rte_eal_wait_lcore syncs */
	__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
}
