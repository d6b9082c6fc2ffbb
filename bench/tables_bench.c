/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tables_bench - cycles per lookup of the tables/ tables beside DPDK's, in one run.
 *
 *   exact match: em4 / em16 vs rte_hash (lock-free read/write mode), same
 *                keys, bulk of 32 random present keys, at 1K, 64K, 1M, 4M keys
 *   routes:      route4 / route6 (small table, and past the threshold) vs
 *                rte_lpm, rte_fib, rte_lpm6, rte_fib6 with the same routes
 *   publish:     gen + em4 at 1M keys with a busy reader on the other core:
 *                changes/s in batches, and p50/p99 publish-to-visible latency
 *
 * Cycles come from the TSC (rte_rdtsc) around whole passes over a stream of
 * lookups; each figure is the best of BENCH_REPEAT passes after a warm-up.
 * Every figure is printed as a table row and as one JSON line:
 *   {"figure": "...", "value": N, "unit": "...", "baseline": N}
 * (baseline: the DPDK structure's figure in the same run, or null).
 *
 * Usage: tables_bench [--full] [--huge]
 *   default (quick): fewer lookups per pass; --full: 4x more, all repeats.
 *   --huge: EAL on hugepages (must be mounted and reserved), else --no-huge.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "em16.h"
#include "em4.h"
#include "gen.h"
#include "route.h"

#define BURST 32
#define BENCH_REPEAT 3
#define FILE_PREFIX "enimap-lpm-bench"

static unsigned stream_len = 1u << 20; /* lookups per pass (quick) */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static void figure(const char *name, double value, const char *unit, double baseline)
{
	if (baseline > 0)
		printf("  %-36s %10.1f %-14s (baseline %.1f, ratio %.2f)\n", name, value, unit,
		       baseline, value / baseline);
	else
		printf("  %-36s %10.1f %s\n", name, value, unit);
	if (baseline > 0)
		printf(
		    "{\"figure\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"baseline\": %.1f}\n",
		    name, value, unit, baseline);
	else
		printf(
		    "{\"figure\": \"%s\", \"value\": %.1f, \"unit\": \"%s\", \"baseline\": null}\n",
		    name, value, unit);
	fflush(stdout);
}

static const char *size_name(uint32_t n)
{
	static char buf[16];
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, sizeof(buf), "%uM", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, sizeof(buf), "%uK", n >> 10);
	else
		snprintf(buf, sizeof(buf), "%u", n);
	return buf;
}

/* ---- exact match, IPv4 ---- */

static double best_of(double a, double b)
{
	return a < b ? a : b;
}

static void bench_em4(uint32_t n)
{
	uint32_t *keys = malloc(sizeof(uint32_t) * n);
	uint32_t *stream = malloc(sizeof(uint32_t) * stream_len);
	const void **ptrs = malloc(sizeof(void *) * stream_len);
	uint64_t vals[BURST];
	void *data[BURST];
	/* distinct random keys: an odd multiplier is a bijection of uint32 */
	uint32_t mul = (uint32_t)rng() | 1, add = (uint32_t)rng();
	for (uint32_t i = 0; i < n; i++)
		keys[i] = i * mul + add;
	for (unsigned i = 0; i < stream_len; i++) {
		stream[i] = keys[(uint32_t)((rng() >> 32) * n >> 32)];
		ptrs[i] = &stream[i];
	}

	struct em4 *t = em4_create("bench", n, 0);
	struct rte_hash_parameters hp = {
	    .name = "bench_h4",
	    .entries = n + n / 4 < 1024 ? 1024 : n + n / 4,
	    .key_len = 4,
	    .hash_func = rte_hash_crc,
	    .socket_id = 0,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash *h = rte_hash_create(&hp);
	if (t == NULL || h == NULL) {
		fprintf(stderr, "em4 %u: create failed\n", n);
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (em4_add(t, keys[i], i) != 0 ||
		    rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)(i + 1)) != 0) {
			fprintf(stderr, "em4 %u: add %u failed\n", n, i);
			exit(1);
		}
	}
	double c_em = 1e30, c_h = 1e30;
	for (int rep = 0; rep <= BENCH_REPEAT; rep++) {
		uint64_t hits = 0, t0 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST)
			hits += (uint64_t)__builtin_popcountll(
			    em4_lookup_bulk(t, &stream[i], BURST, vals));
		uint64_t t1 = rte_rdtsc();
		uint64_t hhits = 0;
		for (unsigned i = 0; i < stream_len; i += BURST) {
			uint64_t mask = 0;
			rte_hash_lookup_bulk_data(h, &ptrs[i], BURST, &mask, data);
			hhits += (uint64_t)__builtin_popcountll(mask);
		}
		uint64_t t2 = rte_rdtsc();
		if (hits != stream_len || hhits != stream_len) {
			fprintf(stderr, "em4 %u: hits %" PRIu64 " / %" PRIu64 " of %u\n", n, hits,
				hhits, stream_len);
			exit(1);
		}
		if (rep > 0) { /* rep 0 warms up */
			c_em = best_of(c_em, (double)(t1 - t0) / stream_len);
			c_h = best_of(c_h, (double)(t2 - t1) / stream_len);
		}
	}
	char name[64];
	snprintf(name, sizeof(name), "em4_lookup_%s", size_name(n));
	figure(name, c_em, "cycles/lookup", c_h);
	snprintf(name, sizeof(name), "rte_hash4_lookup_%s", size_name(n));
	figure(name, c_h, "cycles/lookup", 0);
	snprintf(name, sizeof(name), "em4_bytes_per_key_both_copies_%s", size_name(n));
	figure(name, 2.0 * (double)em4_memory(t) / n, "bytes", 0);
	em4_free(t);
	rte_hash_free(h);
	free(keys);
	free(stream);
	free(ptrs);
}

/* ---- exact match, IPv6 ---- */

static void bench_em16(uint32_t n)
{
	struct em16_key *keys = malloc(sizeof(*keys) * n);
	struct em16_key *stream = malloc(sizeof(*stream) * stream_len);
	const void **ptrs = malloc(sizeof(void *) * stream_len);
	uint64_t vals[BURST];
	void *data[BURST];
	uint64_t mul = rng() | 1, hi = rng();
	for (uint32_t i = 0; i < n; i++) {
		/* an IPv6-like key: a fixed /64 and a distinct random interface id */
		uint64_t lo = i * mul;
		memcpy(keys[i].b, &hi, 8);
		memcpy(keys[i].b + 8, &lo, 8);
	}
	for (unsigned i = 0; i < stream_len; i++) {
		stream[i] = keys[(uint32_t)((rng() >> 32) * n >> 32)];
		ptrs[i] = &stream[i];
	}
	struct em16 *t = em16_create("bench", n, 0);
	struct rte_hash_parameters hp = {
	    .name = "bench_h16",
	    .entries = n + n / 4 < 1024 ? 1024 : n + n / 4,
	    .key_len = 16,
	    .hash_func = rte_hash_crc,
	    .socket_id = 0,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash *h = rte_hash_create(&hp);
	if (t == NULL || h == NULL) {
		fprintf(stderr, "em16 %u: create failed\n", n);
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (em16_add(t, &keys[i], i) != 0 ||
		    rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)(i + 1)) != 0) {
			fprintf(stderr, "em16 %u: add %u failed\n", n, i);
			exit(1);
		}
	}
	double c_em = 1e30, c_h = 1e30;
	for (int rep = 0; rep <= BENCH_REPEAT; rep++) {
		uint64_t hits = 0, t0 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST)
			hits += (uint64_t)__builtin_popcountll(
			    em16_lookup_bulk(t, &stream[i], BURST, vals));
		uint64_t t1 = rte_rdtsc();
		uint64_t hhits = 0;
		for (unsigned i = 0; i < stream_len; i += BURST) {
			uint64_t mask = 0;
			rte_hash_lookup_bulk_data(h, &ptrs[i], BURST, &mask, data);
			hhits += (uint64_t)__builtin_popcountll(mask);
		}
		uint64_t t2 = rte_rdtsc();
		if (hits != stream_len || hhits != stream_len) {
			fprintf(stderr, "em16 %u: hits %" PRIu64 " / %" PRIu64 "\n", n, hits,
				hhits);
			exit(1);
		}
		if (rep > 0) {
			c_em = best_of(c_em, (double)(t1 - t0) / stream_len);
			c_h = best_of(c_h, (double)(t2 - t1) / stream_len);
		}
	}
	char name[64];
	snprintf(name, sizeof(name), "em16_lookup_%s", size_name(n));
	figure(name, c_em, "cycles/lookup", c_h);
	snprintf(name, sizeof(name), "rte_hash16_lookup_%s", size_name(n));
	figure(name, c_h, "cycles/lookup", 0);
	snprintf(name, sizeof(name), "em16_bytes_per_key_both_copies_%s", size_name(n));
	figure(name, 2.0 * (double)em16_memory(t) / n, "bytes", 0);
	em16_free(t);
	rte_hash_free(h);
	free(keys);
	free(stream);
	free(ptrs);
}

/* ---- routes ---- */

static unsigned name_seq;

/* nroutes IPv4 routes inside 10.0.0.0/8 (depths 16..28) plus a /0. */
static void bench_route4(unsigned nroutes)
{
	uint32_t *pfx = malloc(sizeof(uint32_t) * nroutes);
	uint8_t *dep = malloc(nroutes);
	uint32_t *addrs = malloc(sizeof(uint32_t) * stream_len); /* network order */
	uint32_t *haddrs = malloc(sizeof(uint32_t) * stream_len);
	uint32_t nh[BURST], lnh[BURST];
	uint64_t fnh[BURST];
	char name[64];

	snprintf(name, sizeof(name), "b4-%u", name_seq++);
	struct route4 *r = route4_create(name, nroutes + 1, 0);
	struct rte_lpm_config lc = {.max_rules = nroutes + 1, .number_tbl8s = 256 + nroutes};
	snprintf(name, sizeof(name), "bl4-%u", name_seq++);
	struct rte_lpm *lpm = rte_lpm_create(name, 0, &lc);
	struct rte_fib_conf fc = {
	    .type = RTE_FIB_DIR24_8,
	    .default_nh = ROUTE_MISS,
	    .max_routes = (int)(nroutes + 1) * 2,
	    .dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = 256 + nroutes}};
	snprintf(name, sizeof(name), "bf4-%u", name_seq++);
	struct rte_fib *fib = rte_fib_create(name, 0, &fc);
	if (r == NULL || lpm == NULL || fib == NULL) {
		fprintf(stderr, "route4 %u: create failed\n", nroutes);
		exit(1);
	}
	for (unsigned i = 0; i < nroutes; i++) {
		dep[i] = (uint8_t)(16 + rng() % 13);
		pfx[i] = (0x0a000000u | (uint32_t)(rng() & 0xffffff)) & (~0u << (32 - dep[i]));
		if (route4_add(r, rte_cpu_to_be_32(pfx[i]), dep[i], i) != 0 ||
		    rte_lpm_add(lpm, pfx[i], dep[i], i) != 0 ||
		    rte_fib_add(fib, pfx[i], dep[i], i) != 0) {
			fprintf(stderr, "route4 %u: add failed\n", nroutes);
			exit(1);
		}
	}
	route4_add(r, 0, 0, nroutes); /* default route (rte_lpm: none, fib: default_nh) */
	for (unsigned i = 0; i < stream_len; i++) {
		/* half inside a route's prefix, half anywhere in 10/8 */
		uint32_t a = (rng() & 1) ? pfx[rng() % nroutes] | (uint32_t)(rng() & 0xf)
					 : 0x0a000000u | (uint32_t)(rng() & 0xffffff);
		haddrs[i] = a;
		addrs[i] = rte_cpu_to_be_32(a);
	}
	double c_r = 1e30, c_l = 1e30, c_f = 1e30;
	for (int rep = 0; rep <= BENCH_REPEAT; rep++) {
		uint64_t sum = 0, t0 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			route4_lookup_bulk(r, &addrs[i], BURST, nh);
			sum += nh[0];
		}
		uint64_t t1 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			rte_lpm_lookup_bulk(lpm, &haddrs[i], lnh, BURST);
			sum += lnh[0];
		}
		uint64_t t2 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			rte_fib_lookup_bulk(fib, &haddrs[i], fnh, BURST);
			sum += fnh[0];
		}
		uint64_t t3 = rte_rdtsc();
		if (sum == 0xdeadbeef)
			printf("unlikely\n");
		if (rep > 0) {
			c_r = best_of(c_r, (double)(t1 - t0) / stream_len);
			c_l = best_of(c_l, (double)(t2 - t1) / stream_len);
			c_f = best_of(c_f, (double)(t3 - t2) / stream_len);
		}
	}
	snprintf(name, sizeof(name), "route4_%s_%u_routes", route4_impl(r), nroutes);
	figure(name, c_r, "cycles/lookup", c_l);
	snprintf(name, sizeof(name), "rte_lpm_%u_routes", nroutes);
	figure(name, c_l, "cycles/lookup", 0);
	snprintf(name, sizeof(name), "rte_fib_%u_routes", nroutes);
	figure(name, c_f, "cycles/lookup", c_l);
	route4_free(r);
	rte_lpm_free(lpm);
	rte_fib_free(fib);
	free(pfx);
	free(dep);
	free(addrs);
	free(haddrs);
}

/* nroutes IPv6 routes inside fd00::/8 (depths 48..64). */
static void bench_route6(unsigned nroutes)
{
	uint8_t(*pfx)[16] = malloc(16 * (size_t)nroutes);
	uint8_t(*addrs)[16] = malloc(16 * (size_t)stream_len);
	uint32_t nh[BURST];
	int32_t lnh[BURST];
	uint64_t fnh[BURST];
	char name[64];

	snprintf(name, sizeof(name), "b6-%u", name_seq++);
	struct route6 *r = route6_create(name, nroutes, 0);
	struct rte_lpm6_config lc = {.max_rules = nroutes, .number_tbl8s = 1024 + nroutes * 14};
	snprintf(name, sizeof(name), "bl6-%u", name_seq++);
	struct rte_lpm6 *lpm = rte_lpm6_create(name, 0, &lc);
	struct rte_fib6_conf fc = {
	    .type = RTE_FIB6_TRIE,
	    .default_nh = ROUTE_MISS,
	    .max_routes = (int)nroutes * 2,
	    .trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = 1024 + nroutes * 14}};
	snprintf(name, sizeof(name), "bf6-%u", name_seq++);
	struct rte_fib6 *fib = rte_fib6_create(name, 0, &fc);
	if (r == NULL || lpm == NULL || fib == NULL) {
		fprintf(stderr, "route6 %u: create failed\n", nroutes);
		exit(1);
	}
	for (unsigned i = 0; i < nroutes; i++) {
		uint8_t d = (uint8_t)(48 + rng() % 17);
		uint64_t hi = (0xfdull << 56) | (rng() & 0x00ffffffffffffffull);
		hi &= ~0ull << (64 - d);
		uint64_t be = rte_cpu_to_be_64(hi);
		memset(pfx[i], 0, 16);
		memcpy(pfx[i], &be, 8);
		if (route6_add(r, pfx[i], d, i) != 0 || rte_lpm6_add(lpm, pfx[i], d, i) != 0 ||
		    rte_fib6_add(fib, pfx[i], d, i) != 0) {
			fprintf(stderr, "route6 %u: add failed\n", nroutes);
			exit(1);
		}
	}
	for (unsigned i = 0; i < stream_len; i++) {
		memcpy(addrs[i], pfx[rng() % nroutes], 16);
		uint64_t lo = rng();
		memcpy(addrs[i] + 8, &lo, 8);
		if (rng() & 1)
			addrs[i][7] ^= (uint8_t)rng(); /* half of them leave the prefix */
	}
	double c_r = 1e30, c_l = 1e30, c_f = 1e30;
	for (int rep = 0; rep <= BENCH_REPEAT; rep++) {
		uint64_t sum = 0, t0 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			route6_lookup_bulk(r, (const uint8_t(*)[16])addrs[i], BURST, nh);
			sum += nh[0];
		}
		uint64_t t1 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			rte_lpm6_lookup_bulk_func(lpm, &addrs[i], lnh, BURST);
			sum += (uint64_t)lnh[0];
		}
		uint64_t t2 = rte_rdtsc();
		for (unsigned i = 0; i < stream_len; i += BURST) {
			rte_fib6_lookup_bulk(fib, &addrs[i], fnh, BURST);
			sum += fnh[0];
		}
		uint64_t t3 = rte_rdtsc();
		if (sum == 0xdeadbeef)
			printf("unlikely\n");
		if (rep > 0) {
			c_r = best_of(c_r, (double)(t1 - t0) / stream_len);
			c_l = best_of(c_l, (double)(t2 - t1) / stream_len);
			c_f = best_of(c_f, (double)(t3 - t2) / stream_len);
		}
	}
	snprintf(name, sizeof(name), "route6_%s_%u_routes", route6_impl(r), nroutes);
	figure(name, c_r, "cycles/lookup", c_l);
	snprintf(name, sizeof(name), "rte_lpm6_%u_routes", nroutes);
	figure(name, c_l, "cycles/lookup", 0);
	snprintf(name, sizeof(name), "rte_fib6_%u_routes", nroutes);
	figure(name, c_f, "cycles/lookup", c_l);
	route6_free(r);
	rte_lpm6_free(lpm);
	rte_fib6_free(fib);
	free(pfx);
	free(addrs);
}

/* ---- publication ---- */

#define PUB_KEYS (1u << 20)
#define PROBE_KEY 0xfffffffeu /* outside the key set */
#define LAT_SAMPLES 2000

struct pub_side {
	struct em4 *t;
};

struct pub_shared {
	struct gen *g;
	const uint32_t *keys;
	uint64_t seen_tsc[LAT_SAMPLES + 1]; /* reader: when probe value i was first seen */
	bool stop;
	uint64_t bursts;
};

static void *pub_reader(void *arg)
{
	struct pub_shared *sh = arg;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	gen_reader_register(sh->g, 0);
	uint32_t burst[BURST];
	uint64_t vals[BURST], last = 0, x = 88172645463325252ull;
	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		for (unsigned j = 0; j < BURST - 1; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			burst[j] = sh->keys[x % PUB_KEYS];
		}
		burst[BURST - 1] = PROBE_KEY;
		const struct pub_side *sd = gen_reader_side(sh->g);
		uint64_t hits = em4_lookup_bulk(sd->t, burst, BURST, vals);
		if ((hits >> (BURST - 1)) & 1) {
			uint64_t v = vals[BURST - 1];
			if (v != last && v <= LAT_SAMPLES) {
				__atomic_store_n(&sh->seen_tsc[v], rte_rdtsc(), __ATOMIC_RELEASE);
				last = v;
			}
		}
		gen_reader_quiescent(sh->g, 0);
		sh->bursts++;
	}
	gen_reader_unregister(sh->g, 0);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void bench_publish(void)
{
	static struct pub_shared sh;
	struct pub_side sides[2];
	uint32_t *keys = malloc(sizeof(uint32_t) * PUB_KEYS);
	for (uint32_t i = 0; i < PUB_KEYS; i++)
		keys[i] = i * 0x9E3779B1u;
	for (int s = 0; s < 2; s++) {
		sides[s].t = em4_create("pub", PUB_KEYS + 1, 0);
		for (uint32_t i = 0; i < PUB_KEYS; i++)
			em4_add(sides[s].t, keys[i], i);
		em4_add(sides[s].t, PROBE_KEY, 0);
	}
	memset(&sh, 0, sizeof(sh));
	sh.g = gen_create(1, &sides[0], &sides[1]);
	sh.keys = keys;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	pthread_t th;
	pthread_create(&th, NULL, pub_reader, &sh);
	while (__atomic_load_n(&sh.bursts, __ATOMIC_RELAXED) < 1000)
		rte_pause();

	/* latency: one change, publish, until the reader's next lookup sees it */
	uint64_t *lat = malloc(sizeof(uint64_t) * LAT_SAMPLES);
	uint64_t hz = rte_get_tsc_hz();
	for (uint64_t v = 1; v <= LAT_SAMPLES; v++) {
		uint64_t t0 = rte_rdtsc();
		em4_add(((struct pub_side *)gen_writer_side(sh.g))->t, PROBE_KEY, v);
		gen_writer_publish(sh.g);
		em4_add(((struct pub_side *)gen_writer_side(sh.g))->t, PROBE_KEY, v);
		uint64_t seen, deadline = rte_rdtsc() + hz; /* bounded: 1 s */
		while ((seen = __atomic_load_n(&sh.seen_tsc[v], __ATOMIC_ACQUIRE)) == 0 &&
		       rte_rdtsc() < deadline)
			rte_pause();
		lat[v - 1] = seen == 0 ? hz : seen - t0;
	}
	qsort(lat, LAT_SAMPLES, sizeof(uint64_t), cmp_u64);
	double us = 1e6 / (double)hz;
	figure("publish_to_visible_p50_1M", (double)lat[LAT_SAMPLES / 2] * us, "us", 0);
	figure("publish_to_visible_p99_1M", (double)lat[LAT_SAMPLES * 99 / 100] * us, "us", 0);

	/* throughput: batches of changes (each moves one key to a new value) */
	const unsigned batches[] = {1, 100, 10000};
	for (unsigned b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		unsigned batch = batches[b], changes = 0;
		uint64_t t0 = rte_rdtsc(), end = t0 + hz / 2; /* about 0.5 s */
		uint32_t at = 0;
		while (rte_rdtsc() < end) {
			struct pub_side *w = gen_writer_side(sh.g);
			for (unsigned i = 0; i < batch; i++)
				em4_add(w->t, keys[(at + i) % PUB_KEYS], at + i);
			gen_writer_publish(sh.g);
			w = gen_writer_side(sh.g);
			for (unsigned i = 0; i < batch; i++)
				em4_add(w->t, keys[(at + i) % PUB_KEYS], at + i);
			at += batch;
			changes += batch;
		}
		double secs = (double)(rte_rdtsc() - t0) / (double)hz;
		char name[64];
		snprintf(name, sizeof(name), "publish_changes_per_s_batch_%u", batch);
		figure(name, changes / secs, "changes/s", 0);
	}
	__atomic_store_n(&sh.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	gen_free(sh.g);
	em4_free(sides[0].t);
	em4_free(sides[1].t);
	free(keys);
	free(lat);
}

int main(int argc, char **argv)
{
	bool full = false, huge = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0)
			full = true;
		else if (strcmp(argv[i], "--huge") == 0)
			huge = true;
		else {
			fprintf(stderr, "usage: %s [--full] [--huge]\n", argv[0]);
			return 2;
		}
	}
	if (full)
		stream_len = 1u << 22;
	char *eal_nohuge[] = {
	    argv[0],	 "--no-huge",	     "-m", "3072", "--no-pci", "-l", "0", "--file-prefix",
	    FILE_PREFIX, "--log-level=error"};
	char *eal_huge[] = {argv[0],	 "--no-pci",	     "-l", "0", "--file-prefix",
			    FILE_PREFIX, "--log-level=error"};
	int rc = huge ? rte_eal_init(7, eal_huge) : rte_eal_init(10, eal_nohuge);
	if (rc < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	printf(
	    "tables_bench: %s, %s memory, TSC %.2f GHz, %u lookups per pass, bulk %d, best of %d\n",
	    full ? "full" : "quick", huge ? "hugepage" : "--no-huge",
	    (double)rte_get_tsc_hz() / 1e9, stream_len, BURST, BENCH_REPEAT);
	const uint32_t sizes[] = {1u << 10, 1u << 16, 1u << 20, 1u << 22};
	printf("exact match, IPv4 (em4 vs rte_hash lock-free)\n");
	for (unsigned i = 0; i < 4; i++)
		bench_em4(sizes[i]);
	printf("exact match, IPv6 (em16 vs rte_hash lock-free)\n");
	for (unsigned i = 0; i < 4; i++)
		bench_em16(sizes[i]);
	printf("routes, IPv4 (route4 vs rte_lpm, rte_fib)\n");
	const unsigned nroutes[] = {4, 8, 16, 32, 1000};
	for (unsigned i = 0; i < 5; i++)
		bench_route4(nroutes[i]);
	printf("routes, IPv6 (route6 vs rte_lpm6, rte_fib6)\n");
	for (unsigned i = 0; i < 5; i++)
		bench_route6(nroutes[i]);
	printf("publication (gen + em4, 1M keys, busy reader on core 1)\n");
	bench_publish();
	rte_eal_cleanup();
	if (system("rm -rf /var/run/dpdk/" FILE_PREFIX) != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/" FILE_PREFIX "\n");
	return 0;
}
