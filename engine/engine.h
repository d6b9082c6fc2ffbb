/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine.h - the running dataplane: EAL, ports, the forwarding tables and
 * their builder, and the worker lcores.
 *
 * Life: engine_eal_init() (once per process) -> engine_create() (ports up,
 * tables built from the model's full delta, workers polling) ->
 * engine_apply() for every change -> engine_free() (workers stopped, ports
 * stopped and closed) -> engine_eal_cleanup() (EAL down, its runtime
 * directory /var/run/dpdk/<prefix> removed).
 *
 * Its settings come as a struct engine_params (engine_params.h), which the
 * caller fills: the program from the YAML configuration (control/config
 * embeds one), tests and benchmarks directly. The engine does not know the
 * configuration file.
 *
 * Threads: every engine_* call is made from the control thread (the EAL
 * main lcore), except the counter readers engine_*_stats(), which any thread
 * may call at any time: they sum counters each worker writes alone.
 */
#ifndef ENIMAP_ENGINE_H
#define ENIMAP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta.h"
#include "engine_params.h"
#include "latency.h"
#include "model.h"

#define ENGINE_EAL_MAX_ARGS (ENGINE_MAX_EXTRA_EAL_ARGS + ENGINE_MAX_PORTS + 16)

/* The name of the engine's mbuf pool (telemetry finds it by this name). */
#define ENGINE_MBUF_POOL "enimap_mbufs"

/* The EAL command line built from the engine's parameters. */
struct engine_eal {
	int argc;
	char *argv[ENGINE_EAL_MAX_ARGS + 1];
	char prefix[64]; /* --file-prefix */
	bool no_huge;	 /* --no-huge -m 512: no free hugepage found */
	char buf[8192];	 /* storage for argv's strings */
};

/*
 * Build the EAL arguments: prog, lcores (main + one per worker), --no-pci,
 * --file-prefix=prefix, --no-huge -m 512 unless use_hugepages, one --vdev
 * per port of params, then its extra EAL arguments. 0 or -E2BIG.
 */
int engine_eal_build(const struct engine_params *params, const char *prog, const char *prefix,
		     bool use_hugepages, unsigned n_cpus, struct engine_eal *eal);

/* True when hugetlbfs is mounted and at least one hugepage is free. */
bool engine_hugepages_free(void);

/* Build the arguments (prefix enimap-<pid>) and rte_eal_init(). 0 or -errno. */
int engine_eal_init(const struct engine_params *params, const char *prog, struct engine_eal *eal);
/* rte_eal_cleanup() and remove /var/run/dpdk/<prefix>. */
void engine_eal_cleanup(const struct engine_eal *eal);

struct engine;

/*
 * Start the dataplane for params: mempool, ports, tables loaded with
 * model_full_delta(m), one worker per worker lcore of params. params is read during
 * the call only; m must outlive the engine (engine_apply rebuilds from it), and
 * is read only by engine_apply, under the caller's model lock. NULL + errno (and a log line naming
 * what failed).
 */
struct engine *engine_create(const struct engine_params *params, const struct model *m);

/*
 * Apply one model delta as one table generation; returns once every worker
 * sees it (D9). The model given to engine_create must already hold the
 * change: if the tables refuse it, or fail half-way after the publish, the
 * engine rebuilds both table sides from the model (model_full_delta), logs
 * it, and returns 0 once they equal the model. -errno when even that failed
 * (logged: the tables may then differ from the model).
 */
int engine_apply(struct engine *e, const struct delta *d);
/*
 * With security groups enforced (params.sg.enforce), engine_apply also
 * publishes, in the same generation as d, a new compilation of the groups
 * whenever model_sg_version() moved (d may then be empty): a rule change
 * applies to the next packet. Call it after every group change.
 */

/*
 * Housekeeping on the EAL main thread (it must be an EAL thread: the flow
 * table's frees are per lcore), every few hundred milliseconds: expires
 * the security groups' idle flows, a bounded part of the table per call.
 */
void engine_tick(struct engine *e);

/* Stop the workers, stop and close the ports, free the tables. */
void engine_free(struct engine *e);

unsigned engine_n_workers(const struct engine *e);
/* ENI slots the tables have (slots are model_eni_view.slot). */
uint32_t engine_max_enis(const struct engine *e);

/* One worker's loop (worker.h): packets received, non-empty bursts, TSC cycles of its busy and
 * idle loops, loops. busy_cycles / packets is the cost of a packet in the whole loop. */
struct engine_worker_stats {
	uint64_t packets, bursts, busy_cycles, idle_cycles, loops;
};
/* worker < engine_n_workers(); zeros otherwise. */
void engine_worker_stats(const struct engine *e, unsigned worker, struct engine_worker_stats *out);
/* The TSC's rate, to turn cycles into seconds. */
uint64_t engine_tsc_hz(void);

/* ---- packet trace and capture (dataplane/observe.h; engine/obsctl.c) ---- */

#define ENGINE_TRACE_MAX 4096u	    /* packets a trace records at most */
#define ENGINE_CAPTURE_SNAPLEN 2048 /* bytes of a packet a capture keeps, by default */

/* What to watch: one session at a time, a trace, a capture or both, of the same packets. */
struct engine_observe_params {
	uint32_t port; /* engine port index, or UINT32_MAX: any */
	uint32_t
	    eni_slot;	  /* an ENI's slot (model_eni_view.slot): sent by it or to it; UINT32_MAX */
	uint32_t trace_n; /* the next trace_n matching packets traced; 0: no trace */
	const char *capture_path; /* pcapng file written (created or truncated); NULL: none */
	/* the capture stops by itself at the first limit reached (0: none) */
	uint64_t max_packets, max_bytes, max_ms;
	uint32_t snaplen; /* 0: ENGINE_CAPTURE_SNAPLEN */
};

struct engine_observe_status {
	bool armed;	   /* the workers observe */
	bool capture;	   /* the session has (had) a capture */
	uint32_t trace_n;  /* its trace's size (0: none) */
	uint32_t traced;   /* records taken so far */
	uint64_t written;  /* packets written to the file */
	uint64_t bytes;	   /* their bytes, as captured (after snaplen) */
	uint64_t lost;	   /* copies lost: copy pool empty or ring full */
	uint64_t dropped;  /* copies past a limit, not written */
	uint64_t ms;	   /* how long it has run (ran) */
	char path[256];	   /* the file */
	char ended_by[32]; /* "", "stop", "packets", "bytes", "time", "trace full", "error" */
};

/*
 * Arm a session on every worker. 0, -EBUSY (one is armed: stop it first),
 * -EINVAL (bad params), -errno (the file, the copy pool or ring).
 */
int engine_observe_start(struct engine *e, const struct engine_observe_params *p);
/* Disarm, write out what is queued, close the file. 0, or -ENOENT (none armed). */
int engine_observe_stop(struct engine *e);
/* The session now armed, or the last one. false when there was none. */
bool engine_observe_status(const struct engine *e, struct engine_observe_status *st);
/* The trace's record i (< status.traced), once written: 1, else 0. */
struct obs_record;
int engine_trace_record(const struct engine *e, uint32_t i, struct obs_record *out);
/* Whether a capture is armed: the control loop then calls engine_tick more often. */
bool engine_capturing(const struct engine *e);
unsigned engine_n_ports(const struct engine *e);

/* ---- the published tables, read back (tabview.h; enimapctl) ---- */

struct tv_list;
struct ct_flow;

/*
 * Every entry of the published side, as the workers see it, sorted
 * (tabview.h). Control thread, under the model lock (no table write runs
 * meanwhile). 0 or -ENOMEM.
 */
int engine_tables_read(const struct engine *e, struct tv_list *out);
/*
 * What the published side should hold: the model's full delta
 * (model_full_delta) applied by the builder's own code to a fresh side
 * (builder_side_build), read back the same way. Same rules. 0 or -errno.
 */
int engine_tables_expected(const struct engine *e, struct tv_list *out);
/*
 * The security groups' flow table, each flow once, by position; cb returns
 * 0 to go on (f->idle in ms, at the walk's start). 0, the callback's
 * non-zero value or -ENOTSUP (groups not enforced: no table).
 * Control thread (the sweeping thread: ct_iterate).
 */
typedef int (*engine_flow_cb)(const struct ct_flow *f, void *arg);
int engine_flows(const struct engine *e, engine_flow_cb cb, void *arg);

/* ---- counters: sums over the workers' own counters; any thread, any time ---- */

size_t engine_drop_reasons(void);	     /* number of drop reasons */
const char *engine_drop_name(size_t reason); /* "no-route", "spoofed-source", ... */
uint64_t engine_drops(const struct engine *e, size_t reason);

struct engine_port_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t tx_dropped; /* refused by a full tx ring */
	uint64_t dropped;    /* dropped by the pipeline, any reason */
};
void engine_port_stats(const struct engine *e, unsigned port, struct engine_port_stats *out);

/* D7, packets over their egress MTU, all workers: see struct counters. */
struct engine_mtu_stats {
	uint64_t fragmented;   /* IPv4 datagrams fragmented */
	uint64_t fragments;    /* the fragments they made */
	uint64_t icmp_too_big; /* ICMP fragmentation needed / ICMPv6 packet too big sent */
	uint64_t icmp_limited; /* ... held back by the rate limit */
};
void engine_mtu_stats(const struct engine *e, struct engine_mtu_stats *out);

struct engine_eni_stats {
	uint64_t packets, bytes; /* delivered to the ENI */
	uint64_t sent_packets,
	    sent_bytes; /* sent by it (identified by port, VLAN, MAC), any fate */
	uint64_t sg_in_drops, sg_out_drops; /* refused by its groups: to it (sg-inbound), from it */
};
/* slot: model_eni_view.slot */
void engine_eni_stats(const struct engine *e, uint32_t slot, struct engine_eni_stats *out);

/* Security groups (D12). */
struct engine_sg_stats {
	bool enforced;
	uint64_t flows_live;	  /* in the flow table (expired ones not yet reclaimed included) */
	uint64_t max_flows;	  /* its capacity */
	uint64_t flows_inserted;  /* flows created */
	uint64_t flows_expired;	  /* removed by the sweep */
	uint64_t flow_table_full; /* new flows refused: table full */
	uint64_t flows_raced;	  /* new flows passed untracked (their old entry was going) */
	uint64_t policies, rules; /* the published compilation: group sets, classifier rules */
	uint64_t compiles, compile_failures;
	uint64_t compile_ns; /* the last compilation's time */
	uint64_t drops[3];   /* sg-inbound, sg-outbound, sg-flow-table-full */
};
void engine_sg_stats(const struct engine *e, struct engine_sg_stats *out);

/* ---- for the Prometheus metrics (app/metrics.c) ---- */

/*
 * The device's own counters of a port (rte_eth_stats_get): bytes, and what
 * the device missed or refused. Any thread (it reads the PMD's queue
 * counters, as DPDK telemetry's /ethdev/stats does). 0 or -errno.
 */
struct engine_port_dev_stats {
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_missed; /* the rx ring was full */
	uint64_t rx_errors, tx_errors;
};
int engine_port_dev_stats(const struct engine *e, unsigned port, struct engine_port_dev_stats *out);

/* The number of the generation the workers read (+1 per publish). Any thread. */
uint64_t engine_generation(const struct engine *e);

/*
 * Every table's entries and capacity (builder.h's tables, then the flow
 * table when security groups are enforced); returns how many were written
 * (at most max). Under the model lock, or on the control thread: never
 * while engine_apply runs.
 */
#define ENGINE_TABLES_MAX 16
struct engine_table_stats {
	const char *name;
	uint64_t entries, capacity;
};
size_t engine_table_stats(const struct engine *e, struct engine_table_stats *out, size_t max);

/* ---- the exception path (D16, dataplane/punt.h): the guest services' side ---- */

struct rte_mbuf;
/*
 * Up to n packets the workers handed over, m->port = the engine port index
 * each arrived on (its VLAN and source MAC are in the frame). One thread
 * (the guest services') calls the three functions below.
 */
unsigned engine_punt_recv(struct engine *e, struct rte_mbuf **pkts, unsigned n);
/* An mbuf for an answer (a pool of the exception path's own), or NULL. */
struct rte_mbuf *engine_punt_alloc(struct engine *e);
/* Send m out of engine port `port` (worker 0 sends it). 0, or -errno (m freed). */
int engine_punt_send(struct engine *e, struct rte_mbuf *m, uint16_t port);
/* The port's MAC (the router's, towards its machines). 0 or -EINVAL. Any thread. */
int engine_port_mac(const struct engine *e, unsigned port, uint8_t mac[6]);
/* Packets handed over so far, every worker. Any thread. */
uint64_t engine_punted(const struct engine *e);

/* How long each engine_apply took: the change applied, published, seen by every worker.
 * Under the model lock (engine_apply records it under that lock). */
const struct latency_hist *engine_publish_latency(const struct engine *e);

#endif
