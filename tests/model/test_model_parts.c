/* SPDX-License-Identifier: BSD-3-Clause */
/* The model's building blocks: the hash index and the address pool. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addrpool.h"
#include "mhash.h"

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random puts and deletes against a plain array: every lookup agrees. */
static void hash_agrees_with_reference_under_churn(void **state)
{
	enum { KEYS = 4096, OPS = 200000 };
	static uint32_t ref[KEYS]; /* value + 1, 0 = absent */
	struct mhash h;
	size_t n = 0;
	(void)state;

	memset(ref, 0, sizeof(ref));
	mhash_init(&h, 4, NULL, NULL);
	for (int i = 0; i < OPS; i++) {
		uint32_t k = rnd() % KEYS, key = k * 2654435761u, v;
		if (rnd() % 3) {
			assert_int_equal(mhash_put(&h, &key, 4, i), 0);
			n += !ref[k];
			ref[k] = (uint32_t)i + 1;
		} else {
			assert_int_equal(mhash_del(&h, &key, 4), ref[k] ? 0 : -ENOENT);
			n -= !!ref[k];
			ref[k] = 0;
		}
		assert_int_equal(h.n, n);
		k = rnd() % KEYS;
		key = k * 2654435761u;
		if (ref[k]) {
			assert_int_equal(mhash_get(&h, &key, 4, &v), 0);
			assert_int_equal(v, ref[k] - 1);
		} else {
			assert_int_equal(mhash_get(&h, &key, 4, &v), -ENOENT);
		}
	}
	for (uint32_t k = 0; k < KEYS; k++) {
		uint32_t key = k * 2654435761u, v;
		assert_int_equal(mhash_get(&h, &key, 4, &v) == 0, ref[k] != 0);
	}
	mhash_fini(&h);
}

/* After a reservation, inserts do not move the table (they cannot fail). */
static void hash_reserve_makes_room_beforehand(void **state)
{
	struct mhash h;
	uint8_t *before;
	(void)state;

	mhash_init(&h, 4, NULL, NULL);
	assert_int_equal(mhash_reserve(&h, 1000), 0);
	before = h.slots;
	for (uint32_t k = 0; k < 1000; k++)
		assert_int_equal(mhash_put(&h, &k, 4, k), 0);
	assert_ptr_equal(h.slots, before);
	mhash_fini(&h);
}

static const char *names[] = {"alpha", "beta", "gamma"};

static int name_eq(const void *ctx, uint32_t v, const void *key, size_t len)
{
	(void)ctx;
	return strlen(names[v]) == len && !memcmp(names[v], key, len);
}

static void hash_external_keys_compare_through_callback(void **state)
{
	struct mhash h;
	uint32_t v;
	(void)state;

	mhash_init(&h, 0, name_eq, NULL);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(mhash_put(&h, names[i], strlen(names[i]), i), 0);
	assert_int_equal(mhash_get(&h, "beta", 4, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mhash_get(&h, "bet", 3, &v), -ENOENT);
	assert_int_equal(mhash_del(&h, "alpha", 5), 0);
	assert_int_equal(mhash_get(&h, "gamma", 5, &v), 0);
	assert_int_equal(v, 2);
	mhash_fini(&h);
}

static void pool_takes_lowest_free_and_reuses_given_back(void **state)
{
	struct addrpool p;
	uint32_t a;
	(void)state;

	/* 10.0.0.0/24 with the EC2 reservations: .4 to .254 */
	assert_int_equal(addrpool_init(&p, 0x0a000000, 24, true), 0);
	assert_int_equal(p.nfree, 251);
	assert_true(addrpool_is_taken(&p, 0x0a000003));
	assert_true(addrpool_is_taken(&p, 0x0a0000ff));
	addrpool_take(&p, 0x0a000005);
	assert_int_equal(addrpool_take_lowest(&p, &a), 0);
	assert_int_equal(a, 0x0a000004);
	assert_int_equal(addrpool_take_lowest(&p, &a), 0);
	assert_int_equal(a, 0x0a000006);
	addrpool_give(&p, 0x0a000005);
	assert_int_equal(addrpool_take_lowest(&p, &a), 0);
	assert_int_equal(a, 0x0a000005);
	while (p.nfree)
		assert_int_equal(addrpool_take_lowest(&p, &a), 0);
	assert_int_equal(a, 0x0a0000fe);
	assert_int_equal(addrpool_take_lowest(&p, &a), -ENOSPC);
	addrpool_fini(&p);
}

/* In a /16, lowest-first stays right across word and summary boundaries. */
static void pool_lowest_first_matches_a_linear_scan(void **state)
{
	struct addrpool p;
	static uint8_t used[65536];
	(void)state;

	memset(used, 0, sizeof(used));
	assert_int_equal(addrpool_init(&p, 0x0a010000, 16, false), 0);
	for (int i = 0; i < 100000; i++) {
		uint32_t off = rnd() % 65536, a, want;
		if (rnd() % 2) {
			addrpool_give(&p, 0x0a010000 + off);
			used[off] = 0;
		} else {
			addrpool_take(&p, 0x0a010000 + off);
			used[off] = 1;
		}
		if (i % 7)
			continue;
		for (want = 0; want < 65536 && used[want]; want++)
			;
		if (want == 65536) {
			assert_int_equal(addrpool_take_lowest(&p, &a), -ENOSPC);
			continue;
		}
		assert_int_equal(addrpool_take_lowest(&p, &a), 0);
		assert_int_equal(a, 0x0a010000 + want);
		used[want] = 1;
	}
	addrpool_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash_agrees_with_reference_under_churn),
	    cmocka_unit_test(hash_reserve_makes_room_beforehand),
	    cmocka_unit_test(hash_external_keys_compare_through_callback),
	    cmocka_unit_test(pool_takes_lowest_free_and_reuses_given_back),
	    cmocka_unit_test(pool_lowest_first_matches_a_linear_scan),
	};
	return cmocka_run_group_tests_name("model_parts", tests, NULL, NULL);
}
