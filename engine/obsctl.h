/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * obsctl.h - the control side of the packet trace and capture
 * (dataplane/observe.h is the workers' side): arms a session on every
 * worker, writes the capture's copies to a pcapng file (DPDK's
 * librte_pcapng, the format dpdk-dumpcap writes and tshark reads), stops it
 * at its limits, and keeps the trace's records for reading.
 *
 * Control thread only (engine_tick polls it). A session is disarmed by
 * clearing every worker's pointer, then waiting for a grace period of the
 * table generations' QSBR variable: after it no worker holds the session,
 * so its ring and copy pool can go.
 */
#ifndef ENIMAP_OBSCTL_H
#define ENIMAP_OBSCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct worker;
struct rte_rcu_qsbr;
struct obsctl;

/* port_id: engine port index -> DPDK port id (n_ports). NULL + errno. */
struct obsctl *obsctl_create(struct worker *workers, unsigned n_workers, const uint16_t *port_id,
			     unsigned n_ports, struct rte_rcu_qsbr *qs);
/* Stops a session still armed (its file complete), frees everything. */
void obsctl_free(struct obsctl *o);

int obsctl_start(struct obsctl *o, const struct engine_observe_params *p);
int obsctl_stop(struct obsctl *o);
/* Writes what the workers queued; stops the session at its limits. */
void obsctl_poll(struct obsctl *o);
bool obsctl_status(const struct obsctl *o, struct engine_observe_status *st);
int obsctl_trace_record(const struct obsctl *o, uint32_t i, struct obs_record *out);
bool obsctl_capturing(const struct obsctl *o);

#endif
