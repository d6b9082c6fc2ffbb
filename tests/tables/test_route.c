/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route4/route6 against a reference longest-prefix match (a plain list of
 * routes, scanned for the deepest match). Random adds, replaces and deletes
 * of overlapping prefixes; after every batch, random addresses (half of them
 * inside a route) are looked up and compared.
 *
 * Built twice: test_lpm_route (no EAL: small table at every size) and
 * test_lpm_route_fib (ROUTE_TEST_EAL: EAL up, so tables past the threshold
 * switch to rte_lpm / rte_lpm6, which the test checks).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifdef ROUTE_TEST_EAL
#include <rte_eal.h>
#endif
#include <rte_byteorder.h>

#include "ref.h"
#include "route.h"

#define MAXR 2000

/* ---- reference ---- */

struct ref_route {
	uint64_t p[2]; /* host order, masked; IPv4 in p[0] low 32 bits */
	uint8_t depth;
	uint32_t nh;
	bool used;
};

static void mask6(uint8_t depth, uint64_t m[2])
{
	m[0] = depth == 0 ? 0 : depth >= 64 ? ~0ull : ~0ull << (64 - depth);
	m[1] = depth <= 64 ? 0 : depth == 128 ? ~0ull : ~0ull << (128 - depth);
}

static uint32_t mask4(uint8_t depth)
{
	return depth == 0 ? 0 : ~0u << (32 - depth);
}

static uint32_t ref4_lookup(const struct ref_route *r, unsigned n, uint32_t a)
{
	int best = -1;
	for (unsigned i = 0; i < n; i++)
		if (r[i].used && (a & mask4(r[i].depth)) == r[i].p[0] &&
		    (best < 0 || r[i].depth > r[best].depth))
			best = (int)i;
	return best < 0 ? ROUTE_MISS : r[best].nh;
}

static uint32_t ref6_lookup(const struct ref_route *r, unsigned n, const uint64_t a[2])
{
	int best = -1;
	for (unsigned i = 0; i < n; i++) {
		uint64_t m[2];
		mask6(r[i].depth, m);
		if (r[i].used && (a[0] & m[0]) == r[i].p[0] && (a[1] & m[1]) == r[i].p[1] &&
		    (best < 0 || r[i].depth > r[best].depth))
			best = (int)i;
	}
	return best < 0 ? ROUTE_MISS : r[best].nh;
}

static void to_bytes6(const uint64_t w[2], uint8_t b[16])
{
	uint64_t hi = rte_cpu_to_be_64(w[0]), lo = rte_cpu_to_be_64(w[1]);
	memcpy(b, &hi, 8);
	memcpy(b + 8, &lo, 8);
}

/* ---- IPv4 ---- */

/* A random depth and an address from a few overlapping regions. */
static void rand_prefix4(uint64_t *seed, uint8_t *depth, uint32_t *addr)
{
	static const uint8_t depths[] = {0, 8, 12, 16, 20, 24, 25, 28, 30, 31, 32};
	*depth = rng_below(seed, 3) == 0 ? (uint8_t)rng_below(seed, 33)
					 : depths[rng_below(seed, sizeof(depths))];
	const uint32_t base[] = {0x0a000000u, 0xac100000u, 0xc0a80000u, (uint32_t)rng_next(seed)};
	*addr = base[rng_below(seed, 4)] | (rng_below(seed, 1u << 20));
}

static void check4(const struct route4 *t, const struct ref_route *r, unsigned n, uint64_t *seed)
{
	uint32_t addrs[256], nh[256];
	for (unsigned round = 0; round < 16; round++) {
		unsigned cnt = 1 + rng_below(seed, 256);
		for (unsigned i = 0; i < cnt; i++) {
			uint32_t a;
			uint8_t d;
			rand_prefix4(seed, &d, &a);
			addrs[i] = rte_cpu_to_be_32(a);
		}
		route4_lookup_bulk(t, addrs, cnt, nh);
		for (unsigned i = 0; i < cnt; i++)
			assert_int_equal(nh[i], ref4_lookup(r, n, rte_be_to_cpu_32(addrs[i])));
	}
}

static void random_routes4(unsigned max_routes, unsigned ops, uint64_t seed, const char *want_impl)
{
	struct route4 *t = route4_create("r4", max_routes, 0);
	assert_non_null(t);
	static struct ref_route r[MAXR * 4];
	unsigned n = 0, live = 0;
	memset(r, 0, sizeof(r));
	for (unsigned k = 0; k < ops; k++) {
		unsigned p = rng_below(&seed, 100);
		if (p < 65 || n == 0) {
			uint32_t a, nh = rng_below(&seed, ROUTE_NH_MAX);
			uint8_t d;
			rand_prefix4(&seed, &d, &a);
			uint32_t pm = a & mask4(d);
			int at = -1;
			for (unsigned i = 0; i < n; i++)
				if (r[i].depth == d &&
				    r[i].p[0] == pm) /* one entry per route, live or not */
					at = (int)i;
			int rc = route4_add(t, rte_cpu_to_be_32(a), d,
					    nh); /* host bits set on purpose */
			if (at >= 0 && r[at].used) {
				assert_int_equal(rc, 0);
				r[at].nh = nh;
			} else if (live == max_routes) {
				assert_int_equal(rc, -ENOSPC);
			} else {
				assert_int_equal(rc, 0);
				if (at < 0) {
					assert_true(n < MAXR * 4);
					at = (int)n++;
				}
				r[at] = (struct ref_route){{pm, 0}, d, nh, true};
				live++;
			}
		} else {
			unsigned i = rng_below(&seed, n);
			uint32_t a = (uint32_t)r[i].p[0];
			int rc = route4_delete(t, rte_cpu_to_be_32(a), r[i].depth);
			assert_int_equal(rc, r[i].used ? 0 : -ENOENT);
			live -= r[i].used;
			r[i].used = false;
		}
		if (k % 64 == 63)
			check4(t, r, n, &seed);
	}
	check4(t, r, n, &seed);
	if (want_impl != NULL)
		assert_string_equal(route4_impl(t), want_impl);
	route4_free(t);
}

#ifdef ROUTE_TEST_EAL
#define BIG_IMPL4 "rte_lpm"
#define BIG_IMPL6 "rte_lpm6"
#else
#define BIG_IMPL4 "small"
#define BIG_IMPL6 "small"
#endif

static void route4_matches_reference_lpm_with_few_routes(void **state)
{
	(void)state;
	random_routes4(1, 200, 1, "small");
	random_routes4(8, 2000, 2, "small");
	random_routes4(32, 4000, 3, "small");
}

static void route4_matches_reference_lpm_past_the_small_threshold(void **state)
{
	(void)state;
	random_routes4(200, 3000, 4, BIG_IMPL4);
	random_routes4(MAXR, 3 * MAXR, 5, BIG_IMPL4);
}

static void route4_refuses_bad_routes_and_changes_nothing(void **state)
{
	(void)state;
	struct route4 *t = route4_create("bad", 2, 0);
	uint32_t a = rte_cpu_to_be_32(0x0a000001u), nh;
	assert_int_equal(route4_add(t, a, 33, 1), -EINVAL);
	assert_int_equal(route4_add(t, a, 8, ROUTE_NH_MAX), -EINVAL);
	assert_int_equal(route4_delete(t, a, 8), -ENOENT);
	route4_lookup_bulk(t, &a, 1, &nh);
	assert_int_equal(nh, ROUTE_MISS);
	assert_int_equal(route4_add(t, a, 8, 7), 0);
	assert_int_equal(route4_add(t, a, 16, 8), 0);
	assert_int_equal(route4_add(t, a, 24, 9), -ENOSPC);
	assert_int_equal(route4_add(t, a, 8, 10), 0); /* replace when full */
	route4_lookup_bulk(t, &a, 1, &nh);
	assert_int_equal(nh, 8);
	assert_int_equal(route4_delete(t, rte_cpu_to_be_32(0x0a000000u), 16), 0);
	route4_lookup_bulk(t, &a, 1, &nh);
	assert_int_equal(nh, 10);
	errno = 0;
	assert_null(route4_create("none", 0, 0));
	assert_int_equal(errno, EINVAL);
	route4_free(t);
}

static void route4_default_route_catches_everything_else(void **state)
{
	(void)state;
	struct route4 *t = route4_create("dflt", 4, 0);
	assert_int_equal(route4_add(t, 0, 0, 3), 0);
	assert_int_equal(route4_add(t, rte_cpu_to_be_32(0x0a000000u), 16, 4), 0);
	uint32_t a[2] = {rte_cpu_to_be_32(0x08080808u), rte_cpu_to_be_32(0x0a00ff01u)}, nh[2];
	route4_lookup_bulk(t, a, 2, nh);
	assert_int_equal(nh[0], 3);
	assert_int_equal(nh[1], 4);
	route4_free(t);
}

/* ---- IPv6 ---- */

static void rand_prefix6(uint64_t *seed, uint8_t *depth, uint64_t a[2])
{
	static const uint8_t depths[] = {0, 8, 32, 48, 56, 60, 64, 72, 96, 112, 127, 128};
	*depth = rng_below(seed, 3) == 0 ? (uint8_t)rng_below(seed, 129)
					 : depths[rng_below(seed, sizeof(depths))];
	const uint64_t base[] = {0xfd00000000000000ull, 0x20010db800000000ull, rng_next(seed)};
	a[0] = base[rng_below(seed, 3)] | (rng_next(seed) & 0xffffffull);
	a[1] = rng_below(seed, 2) ? rng_next(seed) : (rng_next(seed) & 0xff);
}

static void check6(const struct route6 *t, const struct ref_route *r, unsigned n, uint64_t *seed)
{
	uint8_t addrs[256][16];
	uint32_t nh[256];
	uint64_t w[256][2];
	for (unsigned round = 0; round < 16; round++) {
		unsigned cnt = 1 + rng_below(seed, 256);
		for (unsigned i = 0; i < cnt; i++) {
			uint8_t d;
			rand_prefix6(seed, &d, w[i]);
			to_bytes6(w[i], addrs[i]);
		}
		route6_lookup_bulk(t, (const uint8_t(*)[16])addrs, cnt, nh);
		for (unsigned i = 0; i < cnt; i++)
			assert_int_equal(nh[i], ref6_lookup(r, n, w[i]));
	}
}

static void random_routes6(unsigned max_routes, unsigned ops, uint64_t seed, const char *want_impl)
{
	struct route6 *t = route6_create("r6", max_routes, 0);
	assert_non_null(t);
	static struct ref_route r[MAXR * 4];
	unsigned n = 0, live = 0;
	memset(r, 0, sizeof(r));
	for (unsigned k = 0; k < ops; k++) {
		unsigned p = rng_below(&seed, 100);
		if (p < 65 || n == 0) {
			uint64_t a[2], m[2];
			uint8_t d, bytes[16];
			uint32_t nh = rng_below(&seed, ROUTE_NH_MAX);
			rand_prefix6(&seed, &d, a);
			mask6(d, m);
			uint64_t pm[2] = {a[0] & m[0], a[1] & m[1]};
			int at = -1;
			for (unsigned i = 0; i < n; i++)
				if (r[i].depth == d && r[i].p[0] == pm[0] && r[i].p[1] == pm[1])
					at = (int)i;
			to_bytes6(a, bytes);
			int rc = route6_add(t, bytes, d, nh);
			if (at >= 0 && r[at].used) {
				assert_int_equal(rc, 0);
				r[at].nh = nh;
			} else if (live == max_routes) {
				assert_int_equal(rc, -ENOSPC);
			} else {
				assert_int_equal(rc, 0);
				if (at < 0) {
					assert_true(n < MAXR * 4);
					at = (int)n++;
				}
				r[at] = (struct ref_route){{pm[0], pm[1]}, d, nh, true};
				live++;
			}
		} else {
			unsigned i = rng_below(&seed, n);
			uint8_t bytes[16];
			to_bytes6(r[i].p, bytes);
			int rc = route6_delete(t, bytes, r[i].depth);
			assert_int_equal(rc, r[i].used ? 0 : -ENOENT);
			live -= r[i].used;
			r[i].used = false;
		}
		if (k % 64 == 63)
			check6(t, r, n, &seed);
	}
	check6(t, r, n, &seed);
	if (want_impl != NULL)
		assert_string_equal(route6_impl(t), want_impl);
	route6_free(t);
}

static void route6_matches_reference_lpm_with_few_routes(void **state)
{
	(void)state;
	random_routes6(1, 200, 11, "small");
	random_routes6(8, 2000, 12, "small");
	random_routes6(32, 4000, 13, "small");
}

static void route6_matches_reference_lpm_past_the_small_threshold(void **state)
{
	(void)state;
	random_routes6(200, 3000, 14, BIG_IMPL6);
	random_routes6(MAXR, 3 * MAXR, 15, BIG_IMPL6);
}

static void route6_refuses_bad_routes_and_changes_nothing(void **state)
{
	(void)state;
	struct route6 *t = route6_create("bad6", 1, 0);
	uint8_t a[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	uint32_t nh;
	assert_int_equal(route6_add(t, a, 129, 1), -EINVAL);
	assert_int_equal(route6_add(t, a, 64, ROUTE_NH_MAX), -EINVAL);
	assert_int_equal(route6_delete(t, a, 64), -ENOENT);
	route6_lookup_bulk(t, (const uint8_t(*)[16])a, 1, &nh);
	assert_int_equal(nh, ROUTE_MISS);
	assert_int_equal(route6_add(t, a, 8, 5), 0);
	assert_int_equal(route6_add(t, a, 128, 6), -ENOSPC);
	route6_lookup_bulk(t, (const uint8_t(*)[16])a, 1, &nh);
	assert_int_equal(nh, 5);
	route6_free(t);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
#ifdef ROUTE_TEST_EAL
	char *eal[] = {argv[0],
		       "--no-huge",
		       "-m",
		       "512",
		       "--no-pci",
		       "-l",
		       "0",
		       "--file-prefix",
		       "enimap-test-route-fib",
		       "--log-level=error"};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
#endif
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(route4_matches_reference_lpm_with_few_routes),
	    cmocka_unit_test(route4_matches_reference_lpm_past_the_small_threshold),
	    cmocka_unit_test(route4_refuses_bad_routes_and_changes_nothing),
	    cmocka_unit_test(route4_default_route_catches_everything_else),
	    cmocka_unit_test(route6_matches_reference_lpm_with_few_routes),
	    cmocka_unit_test(route6_matches_reference_lpm_past_the_small_threshold),
	    cmocka_unit_test(route6_refuses_bad_routes_and_changes_nothing),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
#ifdef ROUTE_TEST_EAL
	rte_eal_cleanup();
	if (system("rm -rf /var/run/dpdk/enimap-test-route-fib") != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/enimap-test-route-fib\n");
#endif
	return rc;
}
