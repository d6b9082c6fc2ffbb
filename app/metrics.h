/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics.h - the Prometheus endpoint: GET /metrics on metrics.listen
 * (config.h), served by its own libmicrohttpd daemon (one thread), in
 * OpenMetrics 1.0.0 when the Accept header asks for it (a Prometheus server
 * does), else in the Prometheus text format 0.0.4. Any other path is 404,
 * any method but GET and HEAD 405.
 *
 * What it shows (names in README.md, "Watching it"): per port, per worker,
 * per drop reason, per ENI and per security group counters; every table's
 * entries and capacity, the generation number and the publish latency; the
 * API's requests by action and status, their latency, the journal's size
 * and fsync latency.
 *
 * Threads (why a scrape never slows a worker, and what it locks): the
 * counters are the workers' own (engine.h: each written by one worker,
 * summed on read with relaxed loads); a scrape only reads them, so a worker
 * pays at most a cache miss on its next write of a line the scrape read,
 * once per scrape, and never waits. Everything else a scrape reads (the
 * model's ENIs and groups, the tables' fill, the publish and API
 * histograms, the journal) is guarded by the model lock, which the scrape
 * takes through lock/unlock for the time it formats (the API's api_lock
 * when the API runs, else app.lock: app/main.c); engine_apply runs under it
 * too, so no table is being changed while the scrape counts it. The lock
 * is never held while the answer is sent.
 */
#ifndef ENIMAP_METRICS_H
#define ENIMAP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "engine.h"
#include "metrics_text.h"
#include "model.h"

struct guestsvc;

struct metrics_source {
	const struct engine *e;
	const struct model *m;
	const struct api *api;	       /* NULL: no API, no API or journal metrics */
	const struct guestsvc *guest;  /* NULL: no guest services, no DHCP or metadata metrics */
	const char *const *port_names; /* engine_n_ports(e) names, the `port` label */
	void (*lock)(void *);	       /* the model lock */
	void (*unlock)(void *);
	void *arg;
};

/*
 * Append every metric of src to t (mt_init'ed; mt_finish is called). The
 * caller holds the model lock. 0, or -ENOMEM (t->oom).
 */
int metrics_render(const struct metrics_source *src, struct mt *t);

struct metrics;

/*
 * Serve src on listen ("ip:port", "[ip6]:port"; port 0: any, see
 * metrics_port). src is copied; what it points to must outlive the server.
 * NULL with err set.
 */
struct metrics *metrics_start(const char *listen, const struct metrics_source *src, char *err,
			      size_t errlen);
unsigned metrics_port(const struct metrics *s);
/* Stop serving (waits for a scrape in flight) and free. NULL is fine. */
void metrics_stop(struct metrics *s);

#endif
