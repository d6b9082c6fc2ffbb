/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipe_bench.c - SPEC section 5, pipeline, memory and start-up figures.
 *
 * The real worker loop (worker_main: rx burst, pipeline_burst, tx burst,
 * RCU quiescent point) runs on lcore 1 over two net_ring ports (uplink and
 * host, as in the configuration), with the tables of a YAML configuration
 * loaded through config_load -> model -> builder. For each traffic mix,
 * BATCH fresh 64-byte packets with destinations (sources for outbound)
 * uniformly random over the mappings are put on the input port's rx ring;
 * the worker drains it; the control lcore times the drain (TSC from the
 * first to the last rx dequeue), so the figure counts I/O, lookup and
 * rewrite on one core. Four loops run interleaved, run after run:
 *
 *   enimap  the real worker_main;
 *   floor   the same ports and loop shape, packets forwarded as they are
 *           (net_ring never reads a packet, so this is pointer passing);
 *   touch   the floor plus a read and rewrite of each Ethernet header: the
 *           first touch of each packet, which every forwarder pays;
 *   dpdk    the same loop with dpdk_nat.h (rte_hash lock-free + rte_lpm);
 *   capture the real worker_main with a capture of every packet armed
 *           (observe.h: each packet through the observed path, a pcapng
 *           copy of it as received and as sent into the session's ring).
 *           The worker's cost only: the control thread's file writing is
 *           not on the worker's core; the ring and pool hold a whole run's
 *           copies (the engine's hold 8191 and count what they lose).
 *           "enimap" itself is the figure with capture off (one load of
 *           the session pointer per burst);
 *   scraped the real worker_main while the control lcore reads the
 *           worker's counters (counters_sum, what a metrics scrape or a
 *           `stats` does: every drop reason, port and ENI counter, and the
 *           worker's loop and cycle counters) back to back, all along the
 *           run: a bound on what any scrape rate costs the worker.
 *
 * Every packet must be delivered (checked after each run); the median run
 * is reported (robust to the other tenants of a 2-core machine).
 * Also: rte_hash bulk lookup of the same EIPs alone (cycles per key),
 * table memory per mapping (both generations), and start-up time.
 *
 * Usage: enimap-bench-pipe CONFIG.yaml LABEL [runs] [--load-only]
 */
/* rte_pcapng_mbuf_size (the capture loop) */
#define ALLOW_EXPERIMENTAL_API
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "bench_util.h"
#include "dpdk_nat.h"
#include "counters.h"
#include "engine.h"
#include "gen.h"
#include "observe.h"
#include "pipeline.h"
#include "port.h"
#include "worker.h"

#define BATCH 32768u	 /* packets per run */
#define RING_SIZE 65536u /* > BATCH */
#define FRAME 64u	 /* bytes, as on the wire without FCS */
#define WORKER_LCORE 1u
#define N_PORTS BENCH_N_PORTS

enum mix { MIX_IN, MIX_OUT, MIX_EW, MIX_V6, N_MIX };
static const char *const mix_name[N_MIX] = {"inbound_dnat", "outbound_snat", "east_west", "ipv6"};
enum loop { LOOP_ENIMAP, LOOP_FLOOR, LOOP_DPDK, LOOP_TOUCH, LOOP_CAPTURE, LOOP_SCRAPED, N_LOOP };
static const char *const loop_name[N_LOOP] = {"enimap",	     "io_floor", "dpdk",
					      "touch_floor", "capture",	 "scraped"};

static struct bench_ports bp;
static uint16_t uplink, host;
static uint64_t seed = 0x9e3779b97f4a7c15ull;

/* ---- the two loops that are not worker_main, shaped like it ---- */

struct loop_arg {
	enum loop kind;
	uint16_t out_port[N_PORTS]; /* floor: where each port's packets go */
	const struct dpdk_nat *dnat;
	bool stop;
};

static void tx_all(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(bp.port_id[port], 0, pkts, n);

	if (sent < n)
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
}

static int other_loop(void *p)
{
	struct loop_arg *a = p;
	struct rte_mbuf *pkts[32];
	struct dpdk_nat_tx tx;

	memset(tx.n, 0, sizeof(tx.n));
	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		for (uint16_t q = 0; q < N_PORTS; q++) {
			uint16_t n = rte_eth_rx_burst(bp.port_id[q], 0, pkts, 32);

			if (n == 0)
				continue;
			if (a->kind == LOOP_FLOOR) {
				tx_all(a->out_port[q], pkts, n);
				continue;
			}
			if (a->kind == LOOP_TOUCH) {
				/* The least any forwarder does: read and rewrite each
				 * packet's Ethernet header (here, swap its MACs). The
				 * first touch of the packet's line is all it costs. */
				for (uint16_t i = 0; i < n; i++) {
					struct rte_ether_hdr *eh =
					    rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
					struct rte_ether_addr t = eh->dst_addr;

					eh->dst_addr = eh->src_addr;
					eh->src_addr = t;
				}
				tx_all(a->out_port[q], pkts, n);
				continue;
			}
			dpdk_nat_burst(a->dnat, q, pkts, n, &tx);
			for (uint16_t o = 0; o < N_PORTS; o++) {
				if (tx.n[o])
					tx_all(o, tx.pkts[o], tx.n[o]);
				tx.n[o] = 0;
			}
		}
	}
	return 0;
}

/* ---- packets ---- */

/* A fresh batch for mix in batch[]; the EIPs used go to keys (inbound). */
static struct rte_mbuf *batch[BATCH];

static int fill_batch(const struct bench_vpc *v, enum mix mix, uint32_t *keys)
{
	struct rte_mbuf **m = batch;
	const uint8_t up_mac[6] = {0x02, 0xfe, 0, 0, 0, 1};
	const uint8_t host_mac[6] = {0x02, 0xbe, 0, 0, 0, (uint8_t)host};
	const uint8_t up_port_mac[6] = {0x02, 0xbe, 0, 0, 0, (uint8_t)uplink};

	if (rte_pktmbuf_alloc_bulk(bp.pool, m, BATCH) != 0)
		return -1;
	for (unsigned i = 0; i < BATCH; i++) {
		uint8_t *f = (uint8_t *)rte_pktmbuf_append(m[i], FRAME);
		uint32_t x, y;

		if (f == NULL)
			return -1;
		switch (mix) {
		case MIX_IN:
			x = bench_rand(&seed) % v->n_eips;
			bench_fill_v4(f, up_port_mac, up_mac, rte_cpu_to_be_32(0xc6120005u),
				      v->eip[x], i);
			keys[i] = v->eip[x];
			break;
		case MIX_OUT:
			x = bench_rand(&seed) % v->n_v4;
			bench_fill_v4(f, host_mac, v->enis[v->v4_slot[x]].mac, v->v4[x],
				      rte_cpu_to_be_32(0x08080808u), i);
			break;
		case MIX_EW:
			x = bench_rand(&seed) % v->n_v4;
			y = bench_rand(&seed) % v->n_v4;
			bench_fill_v4(f, host_mac, v->enis[v->v4_slot[x]].mac, v->v4[x], v->v4[y],
				      i);
			break;
		default:
			x = bench_rand(&seed) % v->n_v6;
			bench_fill_v6(f, up_port_mac, v->v6[x]);
			break;
		}
	}
	return 0;
}

/* Everything transmitted, back to the pool: the number of packets on out's tx ring. */
static unsigned drain(uint16_t out)
{
	struct rte_mbuf *m[256];
	unsigned n, total = 0, got;

	for (uint16_t p = 0; p < N_PORTS; p++) {
		while ((got = rte_ring_dequeue_burst(bp.tx[p], (void **)m, 256, NULL)) > 0) {
			if (p == out)
				total += got;
			rte_pktmbuf_free_bulk(m, got);
		}
		while ((n = rte_ring_dequeue_burst(bp.rx[p], (void **)m, 256, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, n);
	}
	return total;
}

/* ---- one timed run ---- */

static struct worker wk;
static struct loop_arg la;
static struct counters *scrape_sum; /* the scraped loop's reads */
static uint64_t scraped;
static struct obs_session cap = {.filter = {.port = OBS_ANY, .eni = OBS_ANY},
				 .snaplen = ENGINE_CAPTURE_SNAPLEN};

/* The capture session's ring and pool, for a whole run's copies (in and out). */
static int capture_create(void)
{
	cap.cap_pool =
	    rte_pktmbuf_pool_create("bench-cap", 2 * BATCH + 1024, 256, 0,
				    (uint16_t)rte_pcapng_mbuf_size(cap.snaplen), SOCKET_ID_ANY);
	cap.cap_ring = rte_ring_create("bench-cap", 4 * BATCH, SOCKET_ID_ANY, RING_F_SC_DEQ);
	for (unsigned p = 0; p < N_PORTS; p++)
		cap.port_id[p] = bp.port_id[p];
	return cap.cap_pool != NULL && cap.cap_ring != NULL ? 0 : -1;
}

/* One read of everything a scrape reads of the worker; the sum, so that it is not optimised out. */
static uint64_t scrape_once(struct counters *sum)
{
	const struct counters *c = pipeline_worker_counters(wk.pw);

	counters_sum(&c, 1, sum);
	return counters_drops_total(sum) + __atomic_load_n(&wk.busy_cycles, __ATOMIC_RELAXED) +
	       __atomic_load_n(&wk.idle_cycles, __ATOMIC_RELAXED) +
	       __atomic_load_n(&wk.bursts, __ATOMIC_RELAXED) +
	       __atomic_load_n(&wk.port[0].rx_packets, __ATOMIC_RELAXED);
}

/* The copies of one run, freed: the number there were. */
static unsigned capture_drain(void)
{
	struct rte_mbuf *m[256];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(cap.cap_ring, (void **)m, 256, NULL)) > 0) {
		total += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	return total;
}

/*
 * Cycles per packet of one drain of the rx ring by loop kind; -1 on a lost
 * packet; 0 when the start was missed (the caller runs again).
 */
static double run_once(const struct bench_vpc *v, enum loop kind, enum mix mix, double *mpps)
{
	uint16_t in = mix == MIX_OUT || mix == MIX_EW ? host : uplink;
	uint16_t out = mix == MIX_OUT ? uplink : host;
	static uint32_t keys[BATCH];
	unsigned first;
	uint64_t t0, t1;

	if (fill_batch(v, mix, keys) != 0) {
		fprintf(stderr, "no mbufs for a batch\n");
		return -1;
	}
	if (kind == LOOP_ENIMAP || kind == LOOP_CAPTURE || kind == LOOP_SCRAPED) {
		/* armed before the worker starts: no quiescent wait is needed */
		wk.obs = kind == LOOP_CAPTURE ? &cap : NULL;
		wk.stop = false;
		rte_eal_remote_launch(worker_main, &wk, WORKER_LCORE);
	} else {
		la.kind = kind;
		la.stop = false;
		la.out_port[uplink] = host;
		la.out_port[host] = mix == MIX_OUT ? uplink : host;
		rte_eal_remote_launch(other_loop, &la, WORKER_LCORE);
	}
	/*
	 * The loop polls empty rings; the whole batch appears at once (bulk
	 * enqueue). Timed from the first dequeue to the last: the worker busy
	 * all along.
	 */
	if (rte_ring_enqueue_bulk(bp.rx[in], (void **)batch, BATCH, NULL) != BATCH)
		return -1;
	while ((first = BATCH - rte_ring_count(bp.rx[in])) == 0)
		rte_pause();
	t0 = rte_rdtsc();
	if (kind == LOOP_SCRAPED)
		while (rte_ring_count(bp.rx[in]) != 0)
			scraped += scrape_once(scrape_sum);
	else
		while (rte_ring_count(bp.rx[in]) != 0)
			rte_pause();
	t1 = rte_rdtsc();
	if (first > BATCH / 2)
		t1 = t0;	 /* this thread was preempted at the start: no figure, run again */
	rte_delay_us_block(200); /* the last burst leaves the pipeline */
	if (kind == LOOP_ENIMAP || kind == LOOP_CAPTURE || kind == LOOP_SCRAPED)
		worker_stop(&wk);
	else
		__atomic_store_n(&la.stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(WORKER_LCORE);
	unsigned got = drain(out);
	if (got != BATCH) {
		fprintf(stderr, "%s %s: %u of %u packets delivered\n", loop_name[kind],
			mix_name[mix], got, BATCH);
		return -1;
	}
	if (kind == LOOP_CAPTURE && (got = capture_drain()) != 2 * BATCH) {
		fprintf(stderr, "capture %s: %u of %u copies (lost %" PRIu64 ")\n", mix_name[mix],
			got, 2 * BATCH, cap.cap_lost);
		return -1;
	}
	if (t1 == t0)
		return 0;
	double pkts = (double)(BATCH - first);
	*mpps = pkts / ((double)(t1 - t0) / (double)rte_get_tsc_hz()) / 1e6;
	return (double)(t1 - t0) / pkts;
}

/* rte_hash bulk lookup of one batch of EIPs on the worker lcore, cycles per key. */
struct lookup_arg {
	const struct dpdk_nat *dnat;
	const uint32_t *keys;
	double cycles;
};

static int lookup_loop(void *p)
{
	struct lookup_arg *a = p;
	uint64_t t0 = rte_rdtsc();
	uint64_t hits = dpdk_nat_eip_lookup(a->dnat, a->keys, BATCH);

	a->cycles = hits == BATCH ? (double)(rte_rdtsc() - t0) / BATCH : -1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *x, unsigned n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return x[n / 2];
}

/* The figure "pipe.<mix>.<label>.<what>". */
static void pipe_figure(enum mix mix, const char *label, const char *what, double value,
			const char *unit, double baseline)
{
	char name[128];

	snprintf(name, sizeof(name), "pipe.%s.%s.%s", mix_name[mix], label, what);
	bench_figure(name, value, unit, baseline);
}

static int bench_mix(const struct bench_vpc *v, const struct dpdk_nat *dnat, enum mix mix,
		     unsigned runs, const char *label)
{
	double *cyc[N_LOOP], *mp[N_LOOP], *lk = calloc(runs, sizeof(double));
	static uint32_t keys[BATCH];
	char name[128];
	int rc = 0;

	for (int l = 0; l < N_LOOP; l++) {
		cyc[l] = calloc(runs, sizeof(double));
		mp[l] = calloc(runs, sizeof(double));
		if (!cyc[l] || !mp[l] || !lk)
			return -1;
	}
	for (unsigned r = 0; r < runs + 1 && rc == 0; r++) { /* run 0: warm-up */
		for (int l = 0; l < N_LOOP; l++) {
			double mpps = 0, c = 0;

			for (int tries = 0; c == 0 && tries < 50; tries++)
				c = run_once(v, (enum loop)l, mix, &mpps);
			if (c == 0) {
				fprintf(stderr, "%s %s: the start of every try was missed\n",
					loop_name[l], mix_name[mix]);
				c = -1;
			}

			if (c < 0) {
				rc = -1;
				break;
			}
			if (r > 0) {
				cyc[l][r - 1] = c;
				mp[l][r - 1] = mpps;
			}
		}
		if (mix == MIX_IN && r > 0 && rc == 0) {
			struct lookup_arg a = {.dnat = dnat, .keys = keys};

			for (unsigned i = 0; i < BATCH; i++)
				keys[i] = v->eip[bench_rand(&seed) % v->n_eips];
			rte_eal_remote_launch(lookup_loop, &a, WORKER_LCORE);
			rte_eal_wait_lcore(WORKER_LCORE);
			lk[r - 1] = a.cycles;
		}
	}
	if (rc == 0) {
		double c[N_LOOP], m[N_LOOP];

		for (int l = 0; l < N_LOOP; l++) {
			c[l] = median(cyc[l], runs);
			m[l] = median(mp[l], runs);
		}
		fprintf(stderr,
			"%-14s %-5s cycles/pkt enimap %6.1f  io_floor %6.1f  touch_floor %6.1f  "
			"dpdk %6.1f  capture-on %6.1f  scraped %6.1f\n",
			mix_name[mix], label, c[LOOP_ENIMAP], c[LOOP_FLOOR], c[LOOP_TOUCH],
			c[LOOP_DPDK], c[LOOP_CAPTURE], c[LOOP_SCRAPED]);
		pipe_figure(mix, label, "cycles_per_pkt", c[LOOP_ENIMAP], "cycles", c[LOOP_DPDK]);
		pipe_figure(mix, label, "mpps", m[LOOP_ENIMAP], "Mpps", m[LOOP_DPDK]);
		pipe_figure(mix, label, "io_floor_cycles_per_pkt", c[LOOP_FLOOR], "cycles",
			    c[LOOP_ENIMAP]);
		pipe_figure(mix, label, "touch_floor_cycles_per_pkt", c[LOOP_TOUCH], "cycles",
			    c[LOOP_ENIMAP]);
		pipe_figure(mix, label, "capture_on_cycles_per_pkt", c[LOOP_CAPTURE], "cycles",
			    c[LOOP_ENIMAP]);
		pipe_figure(mix, label, "scraped_cycles_per_pkt", c[LOOP_SCRAPED], "cycles",
			    c[LOOP_ENIMAP]);
		pipe_figure(mix, label, "speedup_vs_dpdk", c[LOOP_DPDK] / c[LOOP_ENIMAP], "x", 1);
		pipe_figure(mix, label, "over_io_floor", c[LOOP_ENIMAP] / c[LOOP_FLOOR], "x",
			    c[LOOP_DPDK] / c[LOOP_FLOOR]);
		if (mix == MIX_IN) {
			double h = median(lk, runs);

			/* the pipeline's own work (its cycles above the I/O floor) vs the lookup
			 * alone */
			snprintf(name, sizeof(name), "pipe.%s.%s.work_cycles_per_pkt",
				 mix_name[mix], label);
			bench_figure(name, c[LOOP_ENIMAP] - c[LOOP_FLOOR], "cycles", h);
			snprintf(name, sizeof(name), "lookup.rte_hash_lf_bulk.%s.cycles_per_key",
				 label);
			bench_figure(name, h, "cycles", c[LOOP_ENIMAP] - c[LOOP_FLOOR]);
		}
	}
	for (int l = 0; l < N_LOOP; l++) {
		free(cyc[l]);
		free(mp[l]);
	}
	free(lk);
	return rc;
}

/* ---- set-up ---- */

static void figures_tables(const struct bench_vpc *v, const char *label)
{
	const struct fwd_side *s[2] = {builder_side(v->b), gen_writer_side(builder_gen(v->b))};
	struct model_stats ms;
	size_t tables = 0, maps = (size_t)v->n_v4 + v->n_v6 + v->n_eips;
	char name[128];

	for (int i = 0; i < 2; i++)
		tables += em4_memory(s[i]->eip4) + em8_memory(s[i]->priv4) + em16_memory(s[i]->ip6);
	model_get_stats(v->m, &ms);
	fprintf(stderr, "%s: %u IPv4, %u EIPs, %u IPv6; tables %zu bytes (2 sides), model %zu\n",
		label, v->n_v4, v->n_eips, v->n_v6, tables, ms.bytes);
	/* the tables are sized to the configured capacities: per mapping when all are full */
	if (v->n_v4 == v->cfg.engine.max_ipv4 && v->n_eips == v->cfg.engine.max_eips &&
	    v->n_v6 == v->cfg.engine.max_ipv6) {
		snprintf(name, sizeof(name), "memory.%s.table_bytes_per_mapping", label);
		bench_figure(name, (double)tables / (double)maps, "bytes", 128);
		snprintf(name, sizeof(name), "memory.%s.model_bytes_per_mapping", label);
		bench_figure(name, (double)ms.bytes / (double)maps, "bytes", 0);
	}
	snprintf(name, sizeof(name), "startup.%s.seconds", label);
	bench_figure(name, v->load_s + v->build_s, "s", 3);
	snprintf(name, sizeof(name), "startup.%s.yaml_to_model_seconds", label);
	bench_figure(name, v->load_s, "s", 3);
	snprintf(name, sizeof(name), "startup.%s.tables_seconds", label);
	bench_figure(name, v->build_s, "s", 3);
}

int main(int argc, char **argv)
{
	struct bench_vpc v;
	struct dpdk_nat *dnat = NULL;
	unsigned runs;
	bool load_only = false;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CONFIG.yaml LABEL [runs] [--load-only]\n", argv[0]);
		return 2;
	}
	runs = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 15;
	if (runs == 0)
		runs = 1;
	load_only = argc > 4 && strcmp(argv[4], "--load-only") == 0;
	if (bench_eal_init(argv[0], "bench-pipe", 8192) != 0)
		return 1;
	if (bench_vpc_load(argv[1], 1, &v) != 0)
		goto out;
	figures_tables(&v, argv[2]);
	if (load_only) {
		rc = 0;
		goto out;
	}
	if (v.cfg.engine.n_ports != N_PORTS || bench_ports_create(BATCH, RING_SIZE, &bp) != 0) {
		fprintf(stderr, "ports: need the 2 ports of gen-config.py (uplink, host)\n");
		goto out;
	}
	uplink = v.cfg.engine.ports[0].role == ENGINE_PORT_UPLINK ? 0 : 1;
	host = (uint16_t)(1 - uplink);
	dnat = dpdk_nat_create(&v);
	wk.id = 0;
	wk.gen = builder_gen(v.b);
	wk.pw = pipeline_worker_create(0, builder_max_enis(v.b));
	wk.n_ports = N_PORTS;
	for (unsigned p = 0; p < N_PORTS; p++) {
		wk.port_id[p] = bp.port_id[p];
		wk.poll_rx[p] = true;
	}
	wk.burst = 32;
	wk.uplink = uplink;
	wk.pool = bp.pool;
	la.dnat = dnat;
	scrape_sum = wk.pw != NULL ? counters_create(builder_max_enis(v.b)) : NULL;
	if (dnat == NULL || wk.pw == NULL || scrape_sum == NULL || capture_create() != 0 ||
	    gen_reader_register(wk.gen, 0) != 0) {
		fprintf(stderr, "baseline tables, worker context or RCU reader: failed\n");
		goto out;
	}
	rc = 0;
	for (int mix = 0; mix < N_MIX && rc == 0; mix++) {
		if ((mix == MIX_IN && v.n_eips == 0) || (mix == MIX_V6 && v.n_v6 == 0))
			continue;
		rc = bench_mix(&v, dnat, (enum mix)mix, runs, argv[2]);
	}
	gen_reader_unregister(wk.gen, 0);
out:
	if (wk.pw)
		pipeline_worker_free(wk.pw);
	dpdk_nat_free(dnat);
	counters_free(scrape_sum);
	rte_ring_free(cap.cap_ring);
	rte_mempool_free(cap.cap_pool);
	bench_ports_free(&bp);
	bench_vpc_free(&v);
	bench_eal_cleanup();
	return rc != 0;
}
