/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h - the engine's counters, for people and tools: as text on the
 * control socket (`stats`, `drops`, `eni ID`), and as DPDK telemetry
 * commands (/enimap/stats, /enimap/drops, /enimap/eni,<id>) that
 * `dpdk-telemetry.py -f <file-prefix>` reads. Telemetry keys take only
 * letters, digits and '_': there "no-route" reads "no_route", "port0.rx"
 * "port0_rx".
 */
#ifndef ENIMAP_STATS_H
#define ENIMAP_STATS_H

#include <stdio.h>

#include "engine.h"
#include "model.h"

/*
 * Answer a counter query line ("stats", "drops", "eni ID") on out: "name
 * value" lines, then "OK". Returns 0, or -1 when line is no counter query
 * (nothing written). The caller holds the model lock.
 */
int stats_print(const struct engine *e, const struct model *m, const char *line, FILE *out);

/*
 * Register the telemetry commands. They run on DPDK's telemetry thread:
 * lock/unlock (with arg) guard the model for /enimap/eni. 0 or -errno.
 * stats_detach() before the engine or the model goes away.
 */
int stats_register(const struct engine *e, const struct model *m, void (*lock)(void *),
		   void (*unlock)(void *), void *arg);
void stats_detach(void);

#endif
