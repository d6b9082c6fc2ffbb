/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline_bench.c - cycles per packet of pipeline_burst() on one core
 * (SPEC section 5), with the tables built by the real builder:
 *
 *   inbound   64-byte UDP from the uplink to EIPs uniformly random over N
 *             associated EIPs: DNAT + delivery;
 *   baseline  rte_hash_lookup_bulk (lock-free) of the same keys, same run;
 *   outbound  64-byte UDP from machines, sources random over N private
 *             addresses (with EIPs): source check + route + SNAT;
 *   ipv6      from the uplink to N assigned IPv6 addresses: delivery.
 *
 * Only the pipeline_burst() call is timed (rdtsc around it); refilling the
 * mbufs with fresh packets between bursts is not.
 *
 * Usage: enimap-pipeline-bench [N (default 1048576)] [bursts (default 20000)] [in|out|v6]
 * (the third argument runs that path only: for profiling one path with callgrind)
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>

#include "bench_util.h"
#include "builder.h"
#include "gen.h"
#include "pipeline.h"

#define BURST 32
#define N_ENIS 64

static struct rte_mempool *pool;
static uint64_t rng = 88172645463325252ull;

static uint32_t eip_of(uint32_t i)
{
	return rte_cpu_to_be_32(0x64000000u + i); /* 100.0.0.0/8 */
}
static uint32_t priv_of(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000000u + 16 + i); /* 10.0.0.16 + i */
}
static void v6_of(uint32_t i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

struct run {
	uint64_t cycles, packets, delivered;
	double median; /* cycles per packet of the median burst: robust to preemption */
};

static uint64_t *burst_cycles;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

enum kind { K_IN, K_OUT, K_V6 };

static void bench(struct pipeline_worker *w, struct builder *b, enum kind k, uint32_t n,
		  unsigned bursts, struct run *r, uint32_t *keys_out)
{
	struct rte_mbuf *m[BURST];
	struct pipeline_tx tx;
	const struct fwd_side *side = builder_side(b);
	const uint8_t port_mac[6] = {0x02, 0, 0, 0, 0, 0};
	uint8_t a6[16], mac[6] = {0x02, 0, 0, 0, 0, 0};

	memset(r, 0, sizeof(*r));
	memset(tx.n, 0, sizeof(tx.n));
	if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
		abort();
	for (unsigned it = 0; it < bursts; it++) {
		for (unsigned i = 0; i < BURST; i++) {
			uint32_t x = bench_rand(&rng) % n;
			uint8_t *f;

			rte_pktmbuf_reset(m[i]);
			f = (uint8_t *)rte_pktmbuf_append(m[i], BENCH_FRAME);
			if (f == NULL)
				abort();
			/* UDP without checksum, as in the figures of docs/performance.md */
			if (k == K_V6) {
				v6_of(x, a6);
				bench_fill_v6(f, port_mac, a6);
			} else if (k == K_IN) {
				bench_fill_udp4(f, BENCH_FRAME, port_mac, mac,
						rte_cpu_to_be_32(0xc6120005u), eip_of(x), 0,
						BENCH_UDP_NO_CSUM);
				if (keys_out)
					keys_out[it * BURST + i] = eip_of(x);
			} else {
				mac[5] = (uint8_t)(x % N_ENIS);
				bench_fill_udp4(f, BENCH_FRAME, port_mac, mac, priv_of(x),
						rte_cpu_to_be_32(0x08080808u), 0,
						BENCH_UDP_NO_CSUM);
			}
		}
		uint64_t t0 = rte_rdtsc_precise();
		pipeline_burst(w, side, k == K_OUT ? 1 : 0, m, BURST, &tx);
		uint64_t dt = rte_rdtsc_precise() - t0;
		r->cycles += dt;
		burst_cycles[it] = dt;
		r->packets += BURST;
		for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
			r->delivered += tx.n[p];
			tx.n[p] = 0; /* the mbufs are reused: they are in m[] too */
		}
	}
	rte_pktmbuf_free_bulk(m, BURST);
	qsort(burst_cycles, bursts, sizeof(*burst_cycles), cmp_u64);
	r->median = (double)burst_cycles[bursts / 2] / BURST;
}

int main(int argc, char **argv)
{
	/* one lcore (the caller pins it with taskset), never hugepages: the
	 * conditions of the figures in docs/performance.md */
	const struct bench_eal_params eal = {.lcores = "0", .mem_mb = 4096, .no_huge = true};
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1u << 20;
	unsigned bursts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 20000;
	const char *only = argc > 3 ? argv[3] : "";
	bool run_in = !*only || !strcmp(only, "in"), run_out = !*only || !strcmp(only, "out"),
	     run_v6 = !*only || !strcmp(only, "v6");

	if (bench_eal_init_params(argv[0], "dp-bench", &eal) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);

	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_v4 = p.max_v6 = p.max_eips = n + 16;
	p.max_enis = N_ENIS;
	p.n_ports = 3;
	p.ports[0].role = FWD_PORT_UPLINK;
	p.ports[0].has_upstream_mac = true;
	p.ports[1].role = FWD_PORT_HOST;
	p.ports[2].role = FWD_PORT_HOST;
	/* the ports' MAC is bench()'s port_mac, 02:00:00:00:00:00, the frames' destination */
	for (int i = 0; i < 3; i++)
		p.ports[i].mac[0] = 0x02;
	struct builder *b = builder_create(&p);
	struct pipeline_worker *w = pipeline_worker_create(0, N_ENIS);
	if (!pool || !b || !w)
		return 1;

	/* the VPC: 10.0.0.0/8 local, default igw; N_ENIS ENIs on ports 1-2 */
	struct delta d = {0};
	struct delta_entry e = {.kind = DELTA_SUBNET_SET};
	e.subnet.cidr4 = rte_cpu_to_be_32(0x0a000000u);
	e.subnet.depth4 = 8;
	delta_push(&d, &e);
	uint32_t pfx[2] = {rte_cpu_to_be_32(0x0a000000u), 0};
	for (int r = 0; r < 2; r++) {
		e = (struct delta_entry){.kind = DELTA_ROUTE_SET};
		e.route.family = 4;
		e.route.depth = r == 0 ? 8 : 0;
		e.route.target = r == 0 ? ROUTE_LOCAL : ROUTE_IGW;
		memcpy(e.route.prefix, &pfx[r], 4);
		delta_push(&d, &e);
	}
	for (uint32_t i = 0; i < N_ENIS; i++) {
		e = (struct delta_entry){.kind = DELTA_ENI_SET};
		e.eni.slot = i;
		e.eni.port = 1;
		e.eni.mac[0] = 0x02;
		e.eni.mac[5] = (uint8_t)i;
		e.eni.source_dest_check = 1;
		delta_push(&d, &e);
	}
	for (uint32_t i = 0; i < n; i++) {
		e = (struct delta_entry){.kind = DELTA_V4_SET};
		e.v4.addr = priv_of(i);
		e.v4.eni = i % N_ENIS;
		e.v4.eip = eip_of(i);
		delta_push(&d, &e);
		e = (struct delta_entry){.kind = DELTA_EIP_SET};
		e.eip.eip = eip_of(i);
		e.eip.priv = priv_of(i);
		e.eip.eni = i % N_ENIS;
		delta_push(&d, &e);
		e = (struct delta_entry){.kind = DELTA_V6_SET};
		v6_of(i, e.v6.addr);
		e.v6.eni = i % N_ENIS;
		delta_push(&d, &e);
	}
	uint64_t t0 = rte_rdtsc();
	if (builder_apply(b, &d) != 0)
		return 1;
	double load_s = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	printf("tables: %u EIPs, %u private IPv4, %u IPv6, %u ENIs; delta of %zu entries applied "
	       "(both sides) in %.2f s\n",
	       n, n, n, (unsigned)N_ENIS, d.n, load_s);
	delta_free(&d);

	/* baseline: rte_hash of the same EIPs, looked up in bulk with the same keys */
	struct rte_hash_parameters hp = {.name = "bench_eips",
					 .entries = n + 16,
					 .key_len = 4,
					 .hash_func = rte_jhash,
					 .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF};
	struct rte_hash *h = rte_hash_create(&hp);
	if (h == NULL)
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = eip_of(i);
		rte_hash_add_key_data(h, &k, (void *)(uintptr_t)(priv_of(i) | 1));
	}

	uint32_t *keys = malloc(sizeof(uint32_t) * BURST * bursts);
	burst_cycles = malloc(sizeof(*burst_cycles) * bursts);
	if (keys == NULL || burst_cycles == NULL)
		return 1;
	struct run rin = {0}, rout = {0}, r6 = {0};
	if (run_in) {
		bench(w, b, K_IN, n, bursts / 4, &rin, keys); /* warm-up */
		bench(w, b, K_IN, n, bursts, &rin, keys);
	}

	uint64_t hc = 0;
	uint64_t *hb = malloc(sizeof(*hb) * bursts);
	if (hb == NULL)
		return 1;
	for (unsigned it = 0; run_in && it < bursts; it++) {
		const void *kp[BURST];
		void *data[BURST];
		for (unsigned i = 0; i < BURST; i++)
			kp[i] = &keys[it * BURST + i];
		uint64_t t = rte_rdtsc_precise();
		uint64_t hits;
		rte_hash_lookup_bulk_data(h, kp, BURST, &hits, data);
		hb[it] = rte_rdtsc_precise() - t;
		hc += hb[it];
	}
	qsort(hb, bursts, sizeof(*hb), cmp_u64);
	double hmed = run_in ? (double)hb[bursts / 2] / BURST : 0;
	free(hb);
	if (run_out)
		bench(w, b, K_OUT, n, bursts, &rout, NULL);
	if (run_v6)
		bench(w, b, K_V6, n, bursts, &r6, NULL);

	printf("TSC cycles per packet: median burst / mean over all bursts\n");
	if (run_in) { /* with its baseline, rte_hash over the same keys, beside it */
		printf("inbound DNAT + delivery   : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64
		       " delivered)\n",
		       rin.median, (double)rin.cycles / (double)rin.packets, rin.delivered,
		       rin.packets);
		printf("rte_hash bulk lookup      : %6.1f / %6.1f (lookup only, same keys)\n", hmed,
		       (double)hc / (double)(bursts * BURST));
	}
	if (run_out)
		printf("outbound check+route+SNAT : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64 " sent)\n",
		       rout.median, (double)rout.cycles / (double)rout.packets, rout.delivered,
		       rout.packets);
	if (run_v6)
		printf("IPv6 delivery             : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64
		       " delivered)\n",
		       r6.median, (double)r6.cycles / (double)r6.packets, r6.delivered, r6.packets);
	/* The same figures as JSON lines for bench/run.sh; baselines: the rte_hash
	 * lookup for inbound (SPEC: at least 2x cheaper), the SPEC targets otherwise. */
	if (run_in) {
		printf("{\"figure\": \"pipeline.inbound_dnat.%u.cycles_per_pkt\", \"value\": %.1f, "
		       "\"unit\": \"cycles\", \"baseline\": %.1f}\n",
		       n, rin.median, hmed);
		printf("{\"figure\": \"pipeline.inbound_vs_rte_hash.%u\", \"value\": %.2f, "
		       "\"unit\": \"x\", \"baseline\": 2}\n",
		       n, rin.median > 0 ? hmed / rin.median : 0);
	}
	if (run_out)
		printf(
		    "{\"figure\": \"pipeline.outbound_snat.%u.cycles_per_pkt\", \"value\": %.1f, "
		    "\"unit\": \"cycles\", \"baseline\": 80}\n",
		    n, rout.median);
	if (run_v6)
		printf("{\"figure\": \"pipeline.ipv6.%u.cycles_per_pkt\", \"value\": %.1f, "
		       "\"unit\": \"cycles\", \"baseline\": 90}\n",
		       n, r6.median);
	printf("table memory: eip4 %zu + priv4 %zu + ip6 %zu bytes per side\n",
	       em4_memory(builder_side(b)->eip4), em8_memory(builder_side(b)->priv4),
	       em16_memory(builder_side(b)->ip6));

	free(keys);
	free(burst_cycles);
	rte_hash_free(h);
	pipeline_worker_free(w);
	builder_free(b);
	rte_mempool_free(pool);
	bench_eal_cleanup();
	return 0;
}
