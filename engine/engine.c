/* SPDX-License-Identifier: BSD-3-Clause */
/* engine.c - the running dataplane: mempool, ports, tables, workers (see engine.h). */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "builder.h"
#include "conntrack.h"
#include "counters.h"
#include "gen.h"
#include "obsctl.h"
#include "pipeline.h"
#include "port.h"
#include "punt.h"
#include "punt_path.h"
#include "sg_compile.h"
#include "tabview.h"
#include "worker.h"

#define RTE_LOGTYPE_ENIMAP RTE_LOGTYPE_USER1

#define ENGINE_RX_DESC 1024
#define ENGINE_TX_DESC 1024
#define ENGINE_POOL_CACHE 256
#define ENGINE_FRAG_CACHE 32
#define ENGINE_FRAG_HDR_ROOM 64 /* an IPv4 header with options (60), rounded */

/* engine_params.h stays free of dataplane headers, so its limit is a copy */
_Static_assert(ENGINE_MAX_PORTS == FWD_MAX_PORTS, "engine and dataplane port limits differ");

struct engine {
	unsigned n_workers, n_ports;
	uint16_t port_id[ENGINE_MAX_PORTS];
	bool port_started[ENGINE_MAX_PORTS];
	struct port_info port_info[ENGINE_MAX_PORTS];
	struct rte_mempool *pool;
	struct builder *builder;
	const struct model *model; /* what the tables are rebuilt from (engine_apply) */
	struct worker *workers;	   /* n_workers, cache aligned */
	struct pipeline_worker *pw[RTE_MAX_LCORE];
	/* per worker: the mbufs IPv4 fragments are made of (D7) */
	struct rte_mempool *frag_direct[RTE_MAX_LCORE], *frag_indirect[RTE_MAX_LCORE];
	int uplink; /* first uplink port, -1 = none */
	unsigned lcore[RTE_MAX_LCORE];
	bool launched;
	/* security groups (D12), when enforced (sg != NULL): the flow table, the
	 * published compilation and the model's sg version it was made from */
	struct ct *ct;
	struct sg_compiled *sg;
	uint64_t sg_version;
	uint32_t sg_max_flows; /* configured (the table has some more positions) */
	uint64_t sg_compiles, sg_compile_failures;
	uint64_t sg_compile_ns;	     /* the last compilation */
	struct obsctl *obs;	     /* packet trace and capture */
	struct punt_path *punt;	     /* the exception path to the guest services (D16) */
	struct latency_hist publish; /* engine_apply's time (under the model lock) */
};

static int engine_start_ports(struct engine *e, const struct engine_params *params)
{
	unsigned burst = params->burst ? params->burst : 32;
	unsigned n = port_pool_size(e->n_ports, e->n_workers, ENGINE_RX_DESC, ENGINE_TX_DESC, burst,
				    ENGINE_POOL_CACHE);
	unsigned room = RTE_MBUF_DEFAULT_BUF_SIZE;
	int rc;

	/* one pool for every port: its mbufs hold the biggest frame any port
	 * receives whole (net_af_packet with framesz= over 2048: datagrams the
	 * kernel reassembled, bigger than the MTU) */
	for (unsigned i = 0; i < e->n_ports; i++) {
		unsigned r = port_rx_data_room(params->ports[i].device);

		if (r == 0) {
			RTE_LOG(ERR, ENIMAP,
				"port %s: '%s': framesz is not a number, or a frame that big "
				"does not fit one mbuf\n",
				params->ports[i].name, params->ports[i].device);
			return -EINVAL;
		}
		room = RTE_MAX(room, r);
	}
	e->pool = rte_pktmbuf_pool_create(ENGINE_MBUF_POOL, n, ENGINE_POOL_CACHE, 0, (uint16_t)room,
					  (int)rte_socket_id());
	if (e->pool == NULL) {
		RTE_LOG(ERR, ENIMAP, "mempool of %u mbufs of %u bytes: %s\n", n, room,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < e->n_ports; i++) {
		const struct engine_port_params *cp = &params->ports[i];
		struct port_conf pc = {
		    .n_workers = e->n_workers,
		    .rx_desc = ENGINE_RX_DESC,
		    .tx_desc = ENGINE_TX_DESC,
		    .pool = e->pool,
		    /* host ports receive for the ENIs' MACs, not the port's */
		    .promiscuous = cp->role == ENGINE_PORT_HOST,
		    .has_mac = cp->has_mac,
		};

		memcpy(pc.mac, cp->mac, 6);
		rc = port_find_id(cp->device, &pc.port_id);
		if (rc != 0) {
			RTE_LOG(ERR, ENIMAP, "port %s: no DPDK device for '%s'\n", cp->name,
				cp->device);
			return rc;
		}
		e->port_id[i] = pc.port_id;
		rc = port_start(&pc, &e->port_info[i]);
		if (rc != 0) {
			RTE_LOG(ERR, ENIMAP, "port %s (%s): cannot start: %s\n", cp->name,
				cp->device, strerror(-rc));
			return rc;
		}
		e->port_started[i] = true;
		/* a copy: port_info's uint8_t mac[6] is not 2-byte aligned as rte_ether_addr is */
		struct rte_ether_addr mac;
		memcpy(mac.addr_bytes, e->port_info[i].mac, sizeof(mac.addr_bytes));
		RTE_LOG(INFO, ENIMAP,
			"port %u %s: %s, dpdk port %u, %u rx / %u tx queue(s)%s, "
			"mac " RTE_ETHER_ADDR_PRT_FMT "%s\n",
			i, cp->name, cp->role == ENGINE_PORT_HOST ? "host" : "uplink", pc.port_id,
			e->port_info[i].n_rx_queues, e->port_info[i].n_tx_queues,
			e->port_info[i].rss ? ", RSS" : "", RTE_ETHER_ADDR_BYTES(&mac),
			e->port_info[i].mac_in_software
			    ? " (in software: the device cannot take it; promiscuous)"
			    : "");
	}
	return 0;
}

static uint64_t engine_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A new compilation of the model's security groups into *out. 0 or a negative errno. */
static int engine_sg_compile(struct engine *e, const struct model *m, struct sg_compiled **out)
{
	uint64_t t0 = engine_ns();
	int rc = sg_compile(m, out);

	if (rc != 0) {
		e->sg_compile_failures++;
		RTE_LOG(ERR, ENIMAP, "security groups: cannot compile the rules: %s\n",
			strerror(-rc));
		return rc;
	}
	e->sg_compiles++;
	e->sg_compile_ns = engine_ns() - t0;
	return 0;
}

/* Security groups enforced: the flow table on both sides, the first compilation. */
static int engine_sg_start(struct engine *e, const struct engine_params *params,
			   const struct model *m)
{
	const struct engine_sg_params *p = &params->sg;
	struct ct_config cc;
	int rc;

	if (!p->enforce)
		return 0;
	ct_config_default(&cc);
	cc.max_flows = p->max_flows ? p->max_flows : ENGINE_SG_DEFAULT_FLOWS;
	cc.hz = 1000;
#define TIMEOUT(f)                                                                                 \
	if (p->f)                                                                                  \
	cc.f = p->f
	TIMEOUT(tcp_established_s);
	TIMEOUT(tcp_syn_s);
	TIMEOUT(tcp_closing_s);
	TIMEOUT(udp_s);
	TIMEOUT(udp_stream_s);
	TIMEOUT(icmp_s);
#undef TIMEOUT
	cc.qs = builder_qsbr(e->builder);
	cc.socket_id = (int)rte_socket_id();
	e->ct = ct_create("enimap_flows", &cc);
	if (e->ct == NULL) {
		RTE_LOG(ERR, ENIMAP, "security groups: flow table of %u flows: %s\n", cc.max_flows,
			strerror(errno));
		return -ENOMEM;
	}
	builder_set_ct(e->builder, e->ct);
	e->sg_max_flows = cc.max_flows;
	rc = engine_sg_compile(e, m, &e->sg);
	if (rc != 0)
		return rc;
	e->sg_version = model_sg_version(m);
	RTE_LOG(INFO, ENIMAP,
		"security groups enforced: %u policies, %" PRIu64 " rules, flow table of %u\n",
		e->sg->n_policies, e->sg->n_rules, cc.max_flows);
	return 0;
}

static int engine_build_tables(struct engine *e, const struct engine_params *params,
			       const struct model *m)
{
	struct builder_params bp;
	struct delta d = {0};
	int rc;

	memset(&bp, 0, sizeof(bp));
	bp.max_v4 = params->max_ipv4;
	bp.max_v6 = params->max_ipv6;
	bp.max_eips = params->max_eips;
	bp.max_readers = e->n_workers;
	bp.socket_id = (int)rte_socket_id();
	bp.n_ports = e->n_ports;
	for (unsigned i = 0; i < e->n_ports; i++) {
		const struct engine_port_params *cp = &params->ports[i];

		bp.ports[i].role = cp->role == ENGINE_PORT_HOST ? FWD_PORT_HOST : FWD_PORT_UPLINK;
		memcpy(bp.ports[i].mac, e->port_info[i].mac, 6);
		bp.ports[i].has_upstream_mac = cp->has_upstream_mac;
		memcpy(bp.ports[i].upstream_mac, cp->upstream_mac, 6);
		bp.ports[i].has_upstream_ip = cp->has_upstream_ip;
		bp.ports[i].upstream_ip = cp->upstream_ip;
		bp.ports[i].mtu = cp->mtu;
		if (cp->role == ENGINE_PORT_UPLINK && e->uplink < 0)
			e->uplink = (int)i;
	}
	e->builder = builder_create(&bp);
	if (e->builder == NULL) {
		RTE_LOG(ERR, ENIMAP, "tables: %s\n", strerror(errno));
		return -errno;
	}
	rc = engine_sg_start(e, params, m);
	if (rc != 0)
		return rc;
	rc = model_full_delta(m, &d);
	if (rc == 0)
		rc = e->sg != NULL ? builder_apply_sg(e->builder, &d, &e->sg->t)
				   : builder_apply(e->builder, &d);
	delta_free(&d);
	if (rc != 0)
		RTE_LOG(ERR, ENIMAP, "tables: loading the model: %s\n", strerror(-rc));
	return rc;
}

/*
 * Worker i's fragment pools: enough for every port's tx ring and output
 * queue full of fragments. Direct mbufs hold a fragment's headers (an
 * Ethernet + VLAN header prepended in the headroom, an IPv4 header with
 * options after it); indirect ones only point into the datagram.
 */
static int engine_frag_pools(struct engine *e, unsigned i)
{
	unsigned n = e->n_ports * (ENGINE_TX_DESC + PIPELINE_TX_MAX);
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "enimap_fragd%u", i);
	e->frag_direct[i] = rte_pktmbuf_pool_create(name, n, ENGINE_FRAG_CACHE, 0,
						    RTE_PKTMBUF_HEADROOM + ENGINE_FRAG_HDR_ROOM,
						    (int)rte_socket_id());
	snprintf(name, sizeof(name), "enimap_fragi%u", i);
	e->frag_indirect[i] =
	    rte_pktmbuf_pool_create(name, n, ENGINE_FRAG_CACHE, 0, 0, (int)rte_socket_id());
	if (e->frag_direct[i] == NULL || e->frag_indirect[i] == NULL) {
		RTE_LOG(ERR, ENIMAP, "worker %u: fragment mempools of %u mbufs: %s\n", i, n,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	pipeline_worker_set_frag_pools(e->pw[i], e->frag_direct[i], e->frag_indirect[i]);
	return 0;
}

static int engine_launch(struct engine *e, const struct engine_params *params)
{
	struct gen *g = builder_gen(e->builder);
	unsigned burst = params->burst ? params->burst : 32;
	unsigned i = 0, lcore;
	int rc;

	if (burst > WORKER_MAX_BURST)
		burst = WORKER_MAX_BURST;
	e->workers =
	    rte_zmalloc("enimap_workers", sizeof(*e->workers) * e->n_workers, RTE_CACHE_LINE_SIZE);
	if (e->workers == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct worker *w;

		if (i == e->n_workers)
			break;
		w = &e->workers[i];
		w->id = i;
		w->gen = g;
		w->burst = burst;
		w->uplink = e->uplink;
		w->pool = e->pool;
		e->pw[i] = pipeline_worker_create(i, builder_max_enis(e->builder));
		if (e->pw[i] == NULL)
			return -errno;
		w->pw = e->pw[i];
		rc = engine_frag_pools(e, i);
		if (rc != 0)
			return rc;
		w->n_ports = e->n_ports;
		for (unsigned p = 0; p < e->n_ports; p++) {
			w->port_id[p] = e->port_id[p];
			w->poll_rx[p] = i < e->port_info[p].n_rx_queues;
		}
		rc = gen_reader_register(g, i);
		if (rc != 0)
			return rc;
		e->lcore[i] = lcore;
		i++;
	}
	if (i < e->n_workers) {
		RTE_LOG(ERR, ENIMAP, "%u worker(s) configured, %u worker lcore(s) available\n",
			e->n_workers, i);
		return -ENODEV;
	}
	e->punt = punt_path_create(e->n_workers);
	if (e->punt == NULL)
		return -ENOMEM;
	for (i = 0; i < e->n_workers; i++)
		pipeline_worker_set_punt(e->pw[i], e->punt->to_svc[i],
					 params->punt_rate ? params->punt_rate : PUNT_RATE_DEFAULT,
					 PUNT_BURST_DEFAULT);
	e->workers[0].replies = e->punt->reply;
	e->obs = obsctl_create(e->workers, e->n_workers, e->port_id, e->n_ports, gen_qsbr(g));
	if (e->obs == NULL)
		return -ENOMEM;
	for (i = 0; i < e->n_workers; i++) {
		rc = rte_eal_remote_launch(worker_main, &e->workers[i], e->lcore[i]);
		if (rc != 0)
			return rc;
	}
	e->launched = true;
	return 0;
}

static int dontfork_list(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	/* holes in the list's reserved range make madvise say ENOMEM: what is mapped is marked */
	(void)madvise(msl->base_va, msl->len, MADV_DONTFORK);
	return 0;
}

/*
 * Keep DPDK's memory (mbufs, rings, tables, counters) out of any child the
 * process forks (the API no longer does: api.h), so that a fork neither
 * write-protects the pages the workers write nor makes their next writes
 * fault. Memory DPDK maps later is not marked, which costs only those faults.
 */
static void engine_keep_dpdk_memory_from_forks(void)
{
	(void)rte_memseg_list_walk(dontfork_list, NULL);
}

struct engine *engine_create(const struct engine_params *params, const struct model *m)
{
	struct engine *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return NULL;
	e->n_workers = params->workers ? params->workers : 1;
	e->n_ports = (unsigned)params->n_ports;
	e->uplink = -1;
	e->model = m;
	rc = engine_start_ports(e, params);
	if (rc == 0)
		rc = engine_build_tables(e, params, m);
	if (rc == 0) {
		engine_keep_dpdk_memory_from_forks();
		rc = engine_launch(e, params);
	}
	if (rc != 0) {
		engine_free(e);
		errno = rc < 0 ? -rc : EINVAL;
		return NULL;
	}
	return e;
}

/*
 * The backstop of SPEC.md section 6: the model holds a change the tables
 * could not take (why). Rebuild both sides from the model, and say so.
 */
static int engine_rebuild(struct engine *e, int why)
{
	struct delta full = {0};
	int rc = model_full_delta(e->model, &full);

	if (rc == 0)
		rc = builder_rebuild(e->builder, &full);
	if (rc == 0)
		RTE_LOG(WARNING, ENIMAP,
			"tables: a change could not be applied (%s): rebuilt from the model "
			"(%zu entries)\n",
			strerror(-why), full.n);
	else
		RTE_LOG(ERR, ENIMAP,
			"tables: a change could not be applied (%s), nor the tables rebuilt from "
			"the model (%s): they may differ from it\n",
			strerror(-why), strerror(-rc));
	delta_free(&full);
	return rc;
}

/*
 * d with a new compilation of the security groups, as one generation. A
 * compilation that fails (out of memory) leaves the old rules published and
 * the version unchanged: the next change tries again.
 */
static int engine_apply_sg(struct engine *e, const struct delta *d)
{
	uint64_t version = model_sg_version(e->model);
	struct sg_compiled *c;
	int rc = engine_sg_compile(e, e->model, &c);

	if (rc != 0) {
		rc = builder_apply(e->builder, d);
		return rc == 0 ? 0 : engine_rebuild(e, rc);
	}
	rc = builder_apply_sg(e->builder, d, &c->t);
	if (rc != 0) {
		/* the tables follow the model again, then the new rules are published
		 * alone: either way both sides hold c afterwards */
		struct delta none = {0};

		(void)engine_rebuild(e, rc);
		rc = builder_apply_sg(e->builder, &none, &c->t);
		if (rc != 0) {
			/* nothing published: the sides keep the old rules */
			sg_compiled_free(c);
			return rc;
		}
	}
	/* no worker can hold the previous rules: the publish waited for them */
	sg_compiled_free(e->sg);
	e->sg = c;
	e->sg_version = version;
	return 0;
}

static int engine_apply_timed(struct engine *e, const struct delta *d)
{
	int rc;

	if (e->sg != NULL && model_sg_version(e->model) != e->sg_version)
		return engine_apply_sg(e, d);
	rc = builder_apply(e->builder, d);
	/* the model already holds d: tables that refused it must follow the model */
	return rc == 0 ? 0 : engine_rebuild(e, rc);
}

int engine_apply(struct engine *e, const struct delta *d)
{
	uint64_t t0 = engine_ns();
	int rc = engine_apply_timed(e, d);

	latency_record(&e->publish, engine_ns() - t0);
	return rc;
}

int engine_port_dev_stats(const struct engine *e, unsigned port, struct engine_port_dev_stats *out)
{
	struct rte_eth_stats st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (port >= e->n_ports || !e->port_started[port])
		return -EINVAL;
	rc = rte_eth_stats_get(e->port_id[port], &st);
	if (rc != 0)
		return rc;
	out->rx_bytes = st.ibytes;
	out->tx_bytes = st.obytes;
	out->rx_missed = st.imissed;
	out->rx_errors = st.ierrors;
	out->tx_errors = st.oerrors;
	return 0;
}

uint64_t engine_generation(const struct engine *e)
{
	return gen_generation(builder_gen(e->builder));
}

size_t engine_table_stats(const struct engine *e, struct engine_table_stats *out, size_t max)
{
	struct builder_table_stats bt[BUILDER_TABLES];
	size_t n = 0;

	builder_table_stats(e->builder, bt);
	for (size_t i = 0; i < BUILDER_TABLES && n < max; i++, n++)
		out[n] = (struct engine_table_stats){bt[i].name, bt[i].entries, bt[i].capacity};
	if (e->ct != NULL && n < max) {
		struct ct_stats cs;

		ct_get_stats(e->ct, &cs);
		out[n++] = (struct engine_table_stats){"flow", cs.live, e->sg_max_flows};
	}
	return n;
}

const struct latency_hist *engine_publish_latency(const struct engine *e)
{
	return &e->publish;
}

void engine_tick(struct engine *e)
{
	uint32_t budget;

	if (e->obs != NULL)
		obsctl_poll(e->obs);
	if (e->ct == NULL)
		return;
	/* a sixteenth of the table per call, so a 200 ms poll sweeps it all in about 3 s */
	budget = ct_positions(e->ct) / 16;
	(void)ct_sweep(e->ct, ct_now_ms(), budget < 4096 ? 4096 : budget);
}

void engine_sg_stats(const struct engine *e, struct engine_sg_stats *out)
{
	struct ct_stats cs;

	memset(out, 0, sizeof(*out));
	out->enforced = e->sg != NULL;
	if (e->sg == NULL)
		return;
	ct_get_stats(e->ct, &cs);
	out->flows_live = cs.live;
	out->flows_inserted = cs.inserted;
	out->flows_expired = cs.expired;
	out->flow_table_full = cs.full;
	out->flows_raced = cs.raced;
	out->max_flows = e->sg_max_flows;
	out->policies = e->sg->n_policies;
	out->rules = e->sg->n_rules;
	out->compiles = e->sg_compiles;
	out->compile_failures = e->sg_compile_failures;
	out->compile_ns = e->sg_compile_ns;
	for (size_t r = 0; r < 3; r++)
		out->drops[r] = engine_drops(e, COUNTERS_DROP_SG_INBOUND + r);
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->launched) {
		for (unsigned i = 0; i < e->n_workers; i++)
			worker_stop(&e->workers[i]);
		rte_eal_mp_wait_lcore();
	}
	obsctl_free(e->obs); /* a capture still running is completed */
	for (unsigned i = 0; i < e->n_ports; i++)
		if (e->port_started[i])
			port_stop(e->port_id[i]);
	builder_free(e->builder);
	ct_free(e->ct); /* the workers are stopped */
	sg_compiled_free(e->sg);
	for (unsigned i = 0; i < e->n_workers; i++)
		pipeline_worker_free(e->pw[i]);
	rte_free(e->workers);
	punt_path_free(e->punt); /* the workers are stopped; before the pool its mbufs came from */
	rte_mempool_free(e->pool);
	for (unsigned i = 0; i < e->n_workers; i++) {
		rte_mempool_free(e->frag_direct[i]);
		rte_mempool_free(e->frag_indirect[i]);
	}
	free(e);
}

/* Counters: each field has one writer (its worker); readers load it relaxed. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

size_t engine_drop_reasons(void)
{
	return COUNTERS_DROP_MAX;
}

const char *engine_drop_name(size_t reason)
{
	return counters_drop_name((unsigned)reason);
}

uint64_t engine_drops(const struct engine *e, size_t reason)
{
	uint64_t sum = 0;

	if (reason >= COUNTERS_DROP_MAX)
		return 0;
	for (unsigned i = 0; i < e->n_workers; i++)
		sum += LOAD(pipeline_worker_counters(e->pw[i])->drop[reason]);
	return sum;
}

void engine_port_stats(const struct engine *e, unsigned port, struct engine_port_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (port >= e->n_ports)
		return;
	for (unsigned i = 0; i < e->n_workers; i++) {
		const struct worker *w = &e->workers[i];

		out->rx_packets += LOAD(w->port[port].rx_packets);
		out->tx_packets += LOAD(w->port[port].tx_packets);
		out->tx_dropped += LOAD(w->port[port].tx_dropped);
		out->dropped += LOAD(pipeline_worker_counters(e->pw[i])->port[port].drop);
	}
}

void engine_mtu_stats(const struct engine *e, struct engine_mtu_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < e->n_workers; i++) {
		const struct counters *c = pipeline_worker_counters(e->pw[i]);

		out->fragmented += LOAD(c->fragmented);
		out->fragments += LOAD(c->fragments);
		out->icmp_too_big += LOAD(c->icmp_too_big);
		out->icmp_limited += LOAD(c->icmp_limited);
	}
}

void engine_eni_stats(const struct engine *e, uint32_t slot, struct engine_eni_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < e->n_workers; i++) {
		const struct counters *c = pipeline_worker_counters(e->pw[i]);

		if (slot >= c->n_enis)
			return;
		out->packets += LOAD(c->eni[slot].packets);
		out->bytes += LOAD(c->eni[slot].bytes);
		out->sent_packets += LOAD(c->eni[slot].sent_packets);
		out->sent_bytes += LOAD(c->eni[slot].sent_bytes);
		out->sg_in_drops += LOAD(c->sg_eni[slot].in);
		out->sg_out_drops += LOAD(c->sg_eni[slot].out);
	}
}

unsigned engine_n_workers(const struct engine *e)
{
	return e->n_workers;
}

void engine_worker_stats(const struct engine *e, unsigned worker, struct engine_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (worker >= e->n_workers)
		return;
	const struct worker *w = &e->workers[worker];

	for (unsigned p = 0; p < w->n_ports && p < FWD_MAX_PORTS; p++)
		out->packets += LOAD(w->port[p].rx_packets);
	out->bursts = LOAD(w->bursts);
	out->busy_cycles = LOAD(w->busy_cycles);
	out->idle_cycles = LOAD(w->idle_cycles);
	out->loops = LOAD(w->loops);
}

uint64_t engine_tsc_hz(void)
{
	return rte_get_tsc_hz();
}

int engine_observe_start(struct engine *e, const struct engine_observe_params *p)
{
	return e->obs != NULL ? obsctl_start(e->obs, p) : -ENOTSUP;
}

int engine_observe_stop(struct engine *e)
{
	return e->obs != NULL ? obsctl_stop(e->obs) : -ENOENT;
}

bool engine_observe_status(const struct engine *e, struct engine_observe_status *st)
{
	if (e->obs == NULL) {
		memset(st, 0, sizeof(*st));
		return false;
	}
	return obsctl_status(e->obs, st);
}

int engine_trace_record(const struct engine *e, uint32_t i, struct obs_record *out)
{
	return e->obs != NULL ? obsctl_trace_record(e->obs, i, out) : 0;
}

bool engine_capturing(const struct engine *e)
{
	return e->obs != NULL && obsctl_capturing(e->obs);
}

unsigned engine_n_ports(const struct engine *e)
{
	return e->n_ports;
}

int engine_tables_read(const struct engine *e, struct tv_list *out)
{
	return tv_read_side(builder_side(e->builder), out);
}

int engine_tables_expected(const struct engine *e, struct tv_list *out)
{
	struct delta full = {0};
	struct fwd_side *s;
	int rc = model_full_delta(e->model, &full);

	if (rc != 0)
		return rc;
	s = builder_side_build(e->builder, &full);
	delta_free(&full);
	if (s == NULL)
		return -errno;
	rc = tv_read_side(s, out);
	builder_side_free(s);
	return rc;
}

int engine_flows(const struct engine *e, engine_flow_cb cb, void *arg)
{
	uint64_t now = ct_now_ms();
	struct ct_flow f;
	uint32_t next = 0;
	int rc = 0;

	if (e->ct == NULL)
		return -ENOTSUP;
	/* ct_iterate visits each slot once: no flow shows twice */
	while (rc == 0 && ct_iterate(e->ct, &next, now, &f))
		rc = cb(&f, arg);
	return rc;
}

/* ---- the exception path (D16) ---- */

unsigned engine_punt_recv(struct engine *e, struct rte_mbuf **pkts, unsigned n)
{
	return e->punt != NULL ? punt_path_recv(e->punt, pkts, n) : 0;
}

struct rte_mbuf *engine_punt_alloc(struct engine *e)
{
	return e->punt != NULL ? punt_path_alloc(e->punt) : NULL;
}

int engine_punt_send(struct engine *e, struct rte_mbuf *m, uint16_t port)
{
	if (e->punt == NULL || port >= e->n_ports) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	return punt_path_send(e->punt, m, port);
}

int engine_port_mac(const struct engine *e, unsigned port, uint8_t mac[6])
{
	if (port >= e->n_ports)
		return -EINVAL;
	memcpy(mac, e->port_info[port].mac, 6);
	return 0;
}

uint64_t engine_punted(const struct engine *e)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < e->n_workers; i++)
		n += __atomic_load_n(&pipeline_worker_counters(e->pw[i])->punted, __ATOMIC_RELAXED);
	return n;
}

uint32_t engine_max_enis(const struct engine *e)
{
	return builder_max_enis(e->builder);
}
