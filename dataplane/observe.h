/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe.h - the packet trace and the packet capture, on the worker's side
 * (SPEC section 7; the control side is engine/obsctl.c).
 *
 * While an observation session is armed (worker.obs != NULL, one load per
 * burst), the worker passes its bursts here instead of pipeline_burst().
 * A capture of a port or of all, with no trace (or a full one), needs no
 * decision per packet: the burst goes through pipeline_burst() whole, each
 * packet copied as received before it and each output as sent after it.
 * Otherwise (an ENI filter, or a trace with free slots) the packets go
 * through pipeline_burst_keep() one at a time, the same code
 * as the fast path compiled apart, so that each packet's decision is known
 * alone: its headers before and after, what the pipeline decided
 * (struct pipeline_decision), its drop reason (the worker's drop counter
 * that moved) and its outputs (what it appended to the tx queues). A
 * packet that matches the session's filter (a port: received or sent on
 * it; an ENI: sent by it or for it) is then
 *   - traced: its struct obs_record goes into the session's next free slot,
 *     until trace_n are taken (the next N packets, over every worker);
 *   - captured: a pcapng copy of it as received (taken before the pipeline
 *     rewrote it in place) and one of each packet it became as sent, into
 *     the session's ring, which the control thread writes to the file. An
 *     empty pool or a full ring loses the copy, counted (cap_lost), never
 *     waits.
 * A packet that does not match costs the observed path only (and a copy
 * for the capture, freed at once).
 *
 * Not seen: the ARP requests worker 0 makes for the upstream MAC; a packet
 * the tx ring then refuses is captured as sent (counted as tx-dropped).
 *
 * Threads: workers write records and ring entries (several at once: the
 * slot index is an atomic fetch-add, each record's ready flag a release
 * store); the control thread reads them (acquire) and frees the session only
 * after every worker has passed a quiescent point since it was disarmed.
 */
#ifndef ENIMAP_OBSERVE_H
#define ENIMAP_OBSERVE_H

#include <stdint.h>

#include "fwd.h"
#include "pipeline.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

#define OBS_ANY UINT32_MAX /* a filter field that matches everything */
#define OBS_HDR_BYTES 128  /* bytes of a packet a trace record keeps, before and after */
#define OBS_NO_PORT 0xffff

/* One packet's passage through the pipeline. */
struct obs_record {
	uint64_t tsc; /* when the worker took it */
	uint16_t worker;
	uint16_t in_port;
	uint16_t out_port; /* the first output's port; OBS_NO_PORT: none */
	uint8_t n_out;	   /* packets it became (a fragmented datagram: several) */
	uint8_t drop;	   /* enum counters_drop; COUNTERS_DROP_MAX: not dropped */
	struct pipeline_decision d;
	uint16_t len_before, len_after; /* frame lengths (after: the first output) */
	uint8_t before[OBS_HDR_BYTES];	/* the frame's first bytes as received */
	uint8_t after[OBS_HDR_BYTES];	/* ... and as sent (first output) */
};

struct obs_filter {
	uint32_t port; /* engine port index, or OBS_ANY */
	uint32_t eni;  /* ENI slot, or OBS_ANY */
};

struct obs_session {
	struct obs_filter filter;
	/* trace: the next trace_n matching packets (0: none) */
	uint32_t trace_n;
	uint32_t trace_next;	  /* atomic: slots taken */
	struct obs_record *trace; /* trace_n */
	uint8_t *trace_ready;	  /* trace_n: 1 once the record is written (release) */
	/* capture (cap_ring NULL: none): pcapng copies, a multi-producer ring */
	struct rte_ring *cap_ring;
	struct rte_mempool *cap_pool;
	uint32_t snaplen;
	uint16_t port_id[FWD_MAX_PORTS]; /* engine port -> DPDK port id: the pcapng interface */
	uint64_t cap_lost;		 /* atomic: copies lost (pool empty, ring full) */
};

/* Whether r (received on r->in_port) matches f. */
int obs_match(const struct obs_filter *f, const struct obs_record *r);

/*
 * One packet through the pipeline, recorded in r (worker id not set). tx
 * gets its outputs as pipeline_burst would give them.
 */
void obs_one(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
	     struct rte_mbuf *m, struct pipeline_tx *tx, struct obs_record *r);

/* The worker's burst while s is armed (see above). */
void obs_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
	       struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx, struct obs_session *s,
	       unsigned worker_id);

/* The records written so far: slots 0 .. obs_trace_taken() - 1, each once its ready flag is set. */
uint32_t obs_trace_taken(const struct obs_session *s);
/* Slot i's record, if written: 1 and *out, else 0. */
int obs_trace_get(const struct obs_session *s, uint32_t i, struct obs_record *out);

#endif
