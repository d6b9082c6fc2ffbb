/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe.c - the observed path of a worker: the packet trace and the
 * capture (see observe.h).
 */
/* rte_pcapng is experimental in DPDK 22.11 (its ABI may change; the API is
 * what dpdk-dumpcap uses): this file and engine/obsctl.c opt in */
#define ALLOW_EXPERIMENTAL_API
#include "observe.h"

#include <stdbool.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "counters.h"
#include "verdict.h"

int obs_match(const struct obs_filter *f, const struct obs_record *r)
{
	if (f->port != OBS_ANY && r->in_port != f->port && r->out_port != f->port)
		return 0;
	if (f->eni != OBS_ANY && r->d.eni_src != f->eni &&
	    !(r->d.act == VERDICT_TO_ENI && r->d.to == f->eni))
		return 0;
	return 1;
}

static uint16_t head_copy(uint8_t *dst, const struct rte_mbuf *m)
{
	uint32_t n = rte_pktmbuf_data_len(m);

	memcpy(dst, rte_pktmbuf_mtod(m, const uint8_t *), n < OBS_HDR_BYTES ? n : OBS_HDR_BYTES);
	return (uint16_t)(m->pkt_len > UINT16_MAX ? UINT16_MAX : m->pkt_len);
}

/*
 * One packet through the pipeline: r gets what obs_match needs (ports, the
 * decision), and with detail the rest of the record too (headers before and
 * after, the drop reason), which only a trace reads. tx_before: tx->n before
 * m went in (the caller's copy, which it also uses to capture the outputs).
 */
static inline void observe_one(struct pipeline_worker *w, const struct fwd_side *side,
			       uint16_t in_port, struct rte_mbuf *m, struct pipeline_tx *tx,
			       const uint16_t tx_before[FWD_MAX_PORTS], struct obs_record *r,
			       bool detail)
{
	const struct counters *c = pipeline_worker_counters(w);
	uint64_t drops[COUNTERS_DROP_MAX];

	r->in_port = in_port;
	r->out_port = OBS_NO_PORT;
	r->n_out = 0;
	r->drop = COUNTERS_DROP_MAX;
	if (detail) {
		r->tsc = rte_rdtsc();
		r->len_after = 0;
		r->len_before = head_copy(r->before, m);
		memcpy(drops, c->drop, sizeof(drops));
	}
	pipeline_burst_keep(w, side, in_port, &m, 1, tx, &r->d);
	/* one packet went in: the drop counter that moved is its reason (the
	 * owner reads its own counters: plain loads) */
	if (detail)
		for (unsigned k = 0; k < COUNTERS_DROP_MAX; k++)
			if (c->drop[k] != drops[k]) {
				r->drop = (uint8_t)k;
				break;
			}
	for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
		if (tx->n[p] == tx_before[p])
			continue;
		if (r->out_port == OBS_NO_PORT) {
			r->out_port = (uint16_t)p;
			if (detail)
				r->len_after = head_copy(r->after, tx->pkts[p][tx_before[p]]);
		}
		r->n_out = (uint8_t)(r->n_out + (tx->n[p] - tx_before[p]));
	}
}

void obs_one(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
	     struct rte_mbuf *m, struct pipeline_tx *tx, struct obs_record *r)
{
	uint16_t tx_before[FWD_MAX_PORTS];

	memset(r, 0, sizeof(*r));
	memcpy(tx_before, tx->n, sizeof(tx_before));
	observe_one(w, side, in_port, m, tx, tx_before, r, true);
}

static void trace_put(struct obs_session *s, const struct obs_record *r)
{
	uint32_t i;

	if (__atomic_load_n(&s->trace_next, __ATOMIC_RELAXED) >= s->trace_n)
		return;
	i = __atomic_fetch_add(&s->trace_next, 1, __ATOMIC_RELAXED);
	if (i >= s->trace_n)
		return;
	s->trace[i] = *r;
	/* release: the reader that sees the flag sees the record */
	__atomic_store_n(&s->trace_ready[i], 1, __ATOMIC_RELEASE);
}

static void cap_put(struct obs_session *s, struct rte_mbuf *copy)
{
	if (copy == NULL) {
		__atomic_fetch_add(&s->cap_lost, 1, __ATOMIC_RELAXED);
		return;
	}
	if (rte_ring_mp_enqueue(s->cap_ring, copy) != 0) {
		rte_pktmbuf_free(copy);
		__atomic_fetch_add(&s->cap_lost, 1, __ATOMIC_RELAXED);
	}
}

static struct rte_mbuf *cap_copy(const struct obs_session *s, uint16_t port, unsigned worker,
				 const struct rte_mbuf *m, enum rte_pcapng_direction dir)
{
	return rte_pcapng_copy(s->port_id[port < FWD_MAX_PORTS ? port : 0], worker, m, s->cap_pool,
			       s->snaplen, rte_get_tsc_cycles(), dir);
}

/* The pcapng copies of what this burst appended to the tx queues (all, or port's). */
static void cap_sent(struct obs_session *s, const struct pipeline_tx *tx,
		     const uint16_t tx_before[FWD_MAX_PORTS], unsigned worker_id)
{
	for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
		if (s->filter.port != OBS_ANY && p != s->filter.port)
			continue;
		for (uint16_t j = tx_before[p]; j < tx->n[p]; j++)
			cap_put(s, cap_copy(s, (uint16_t)p, worker_id, tx->pkts[p][j],
					    RTE_PCAPNG_DIRECTION_OUT));
	}
}

/*
 * A capture of a port or of all, no trace: no per-packet decision is needed
 * (a packet matches by the port it came in or went out on), so the burst
 * goes through the fast path whole, copied before and after. The file then
 * has a burst's received packets before what they became.
 */
static void capture_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
			  struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx,
			  struct obs_session *s, unsigned worker_id)
{
	uint16_t tx_before[FWD_MAX_PORTS];

	if (s->filter.port == OBS_ANY || in_port == s->filter.port)
		for (uint16_t i = 0; i < n; i++)
			cap_put(s,
				cap_copy(s, in_port, worker_id, pkts[i], RTE_PCAPNG_DIRECTION_IN));
	memcpy(tx_before, tx->n, sizeof(tx_before));
	pipeline_burst(w, side, in_port, pkts, n, tx);
	cap_sent(s, tx, tx_before, worker_id);
}

void obs_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
	       struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx, struct obs_session *s,
	       unsigned worker_id)
{
	/* records only while the trace has free slots (a relaxed read: a
	 * record made after the last slot went is dropped by trace_put) */
	bool tracing = __atomic_load_n(&s->trace_next, __ATOMIC_RELAXED) < s->trace_n;

	if (!tracing && s->filter.eni == OBS_ANY) {
		if (s->cap_ring != NULL)
			capture_burst(w, side, in_port, pkts, n, tx, s, worker_id);
		else /* a trace that is full: the fast path until it is disarmed */
			pipeline_burst(w, side, in_port, pkts, n, tx);
		return;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint16_t tx_before[FWD_MAX_PORTS];
		struct rte_mbuf *in_copy = NULL;
		struct obs_record r;

		/* the copy as received, before the pipeline rewrites it in place */
		if (s->cap_ring != NULL)
			in_copy = cap_copy(s, in_port, worker_id, pkts[i], RTE_PCAPNG_DIRECTION_IN);
		memcpy(tx_before, tx->n, sizeof(tx_before));
		observe_one(w, side, in_port, pkts[i], tx, tx_before, &r, tracing);
		r.worker = (uint16_t)worker_id;
		if (!obs_match(&s->filter, &r)) {
			rte_pktmbuf_free(in_copy); /* NULL is fine */
			continue;
		}
		if (tracing)
			trace_put(s, &r);
		if (s->cap_ring == NULL)
			continue;
		if (s->filter.port == OBS_ANY || in_port == s->filter.port)
			cap_put(s, in_copy);
		else
			rte_pktmbuf_free(in_copy);
		cap_sent(s, tx, tx_before, worker_id);
	}
}

uint32_t obs_trace_taken(const struct obs_session *s)
{
	uint32_t t = __atomic_load_n(&s->trace_next, __ATOMIC_RELAXED);

	return t < s->trace_n ? t : s->trace_n;
}

int obs_trace_get(const struct obs_session *s, uint32_t i, struct obs_record *out)
{
	if (i >= s->trace_n || !__atomic_load_n(&s->trace_ready[i], __ATOMIC_ACQUIRE))
		return 0;
	*out = s->trace[i];
	return 1;
}
