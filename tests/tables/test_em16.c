/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em16 against a plain reference map: random adds, deletes and lookups at
 * sizes from 1 to 1,000,000 keys, delete-heavy runs, full tables; every key
 * of the universe (half of it absent) is then checked with single and bulk
 * lookups. No EAL: the table falls back to aligned_alloc.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "em16.h"
#include "ref.h"

#define KEY(i) (&(struct em16_key[1]){key_of(i)}[0])

/* Index -> 128-bit key, distinct per index (odd 64-bit multipliers); index 0 is ::. */
static struct em16_key key_of(uint32_t i)
{
	struct em16_key k;
	uint64_t w[2] = {i * 0x9E3779B97F4A7C15ull, i * 0xC2B2AE3D27D4EB4Full};
	memcpy(k.b, w, 16);
	return k;
}

/* Every key of the universe: em4 and the reference agree, one by one and in bulk. */
static void check_all(const struct em16 *t, const struct ref_map *r, uint64_t *seed)
{
	assert_int_equal(em16_count(t), r->count);
	for (uint32_t i = 0; i < r->universe; i++) {
		uint64_t v = ~0ull;
		int hit = em16_lookup(t, KEY(i), &v);
		assert_int_equal(hit, r->present[i]);
		if (hit)
			assert_true(v == r->value[i]);
		/* the inline read path agrees */
		v = ~0ull;
		hit = em16_lookup_one(t, KEY(i), &v);
		assert_int_equal(hit, r->present[i]);
		if (hit)
			assert_true(v == r->value[i]);
	}
	struct em16_key keys[EM_BULK_MAX];
	uint32_t idx[EM_BULK_MAX];
	uint64_t vals[EM_BULK_MAX];
	for (uint32_t base = 0; base < r->universe; base += EM_BULK_MAX) {
		/* bursts of random length 1..64 over random keys */
		unsigned n = 1 + rng_below(seed, EM_BULK_MAX);
		for (unsigned j = 0; j < n; j++) {
			idx[j] = rng_below(seed, r->universe);
			keys[j] = key_of(idx[j]);
		}
		uint64_t hits = em16_lookup_bulk(t, keys, n, vals);
		assert_true(n == 64 || (hits >> n) == 0);
		for (unsigned j = 0; j < n; j++) {
			bool hit = (hits >> j) & 1;
			assert_int_equal(hit, r->present[idx[j]]);
			if (hit)
				assert_true(vals[j] == r->value[idx[j]]);
		}
	}
}

/*
 * ops random operations over a universe twice max_keys wide: add_pct percent
 * adds, del_pct deletes, the rest lookups, each checked against the reference.
 */
static void random_ops(uint32_t max_keys, uint32_t ops, unsigned add_pct, unsigned del_pct,
		       uint64_t seed)
{
	struct em16 *t = em16_create("t", max_keys, -1);
	assert_non_null(t);
	struct ref_map r;
	ref_init(&r, max_keys * 2);
	for (uint32_t k = 0; k < ops; k++) {
		uint32_t i = rng_below(&seed, r.universe);
		unsigned p = rng_below(&seed, 100);
		if (p < add_pct) {
			uint64_t v = rng_next(&seed);
			int rc = em16_add(t, KEY(i), v);
			if (r.present[i] || r.count < max_keys) {
				assert_int_equal(rc, 0);
				r.count += !r.present[i];
				r.present[i] = true;
				r.value[i] = v;
			} else {
				assert_int_equal(rc, -ENOSPC);
			}
		} else if (p < add_pct + del_pct) {
			int rc = em16_delete(t, KEY(i));
			assert_int_equal(rc, r.present[i] ? 0 : -ENOENT);
			r.count -= r.present[i];
			r.present[i] = false;
		} else {
			uint64_t v;
			assert_int_equal(em16_lookup(t, KEY(i), &v), r.present[i]);
			if (r.present[i])
				assert_true(v == r.value[i]);
		}
	}
	check_all(t, &r, &seed);
	ref_fini(&r);
	em16_free(t);
}

static void em16_matches_reference_at_small_sizes(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1, 2, 5, 7, 64, 1000, 10000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		random_ops(sizes[s], sizes[s] * 20 + 100, 50, 25, 0x1234 + s);
}

static void em16_matches_reference_at_1m_keys(void **state)
{
	(void)state;
	random_ops(1000000, 4000000, 60, 20, 0xfeed);
}

static void em16_matches_reference_delete_heavy(void **state)
{
	(void)state;
	random_ops(1000, 200000, 40, 55, 0xdead);
	random_ops(200000, 2000000, 40, 55, 0xbeef);
}

/* Fill to max_keys, then churn at 100% full: deletes and re-adds. */
static void em16_full_table_refuses_new_keys_and_keeps_working(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1, 3, 1000, 1000000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s];
		uint64_t seed = 77 + s;
		struct em16 *t = em16_create("full", n, -1);
		assert_non_null(t);
		struct ref_map r;
		ref_init(&r, n * 2);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(em16_add(t, KEY(i), i), 0);
			r.present[i] = true;
			r.value[i] = i;
		}
		r.count = n;
		/* full: a new key is refused, a known key is replaced */
		assert_int_equal(em16_add(t, KEY(n), 1), -ENOSPC);
		assert_int_equal(em16_add(t, KEY(0), 42), 0);
		r.value[0] = 42;
		/* churn at full load: delete one present key, add one absent key */
		for (uint32_t k = 0; k < n && k < 200000; k++) {
			uint32_t d, a;
			do
				d = rng_below(&seed, r.universe);
			while (!r.present[d]);
			do
				a = rng_below(&seed, r.universe);
			while (r.present[a]);
			assert_int_equal(em16_delete(t, KEY(d)), 0);
			r.present[d] = false;
			assert_int_equal(em16_add(t, KEY(a), a + 7), 0);
			r.present[a] = true;
			r.value[a] = a + 7;
			assert_int_equal(em16_add(t, KEY(r.universe), 1), -ENOSPC);
		}
		check_all(t, &r, &seed);
		ref_fini(&r);
		em16_free(t);
	}
}

static void em16_key_zero_is_an_ordinary_key(void **state)
{
	(void)state;
	struct em16 *t = em16_create("zero", 10, -1);
	uint64_t v;
	const struct em16_key zero = {{0}};
	assert_int_equal(em16_lookup(t, &zero, &v), 0); /* empty slots hold key 0: not a hit */
	assert_int_equal(em16_delete(t, &zero), -ENOENT);
	assert_int_equal(em16_add(t, &zero, 5), 0);
	assert_int_equal(em16_lookup(t, &zero, &v), 1);
	assert_true(v == 5);
	assert_int_equal(em16_delete(t, &zero), 0);
	assert_int_equal(em16_lookup(t, &zero, &v), 0);
	assert_int_equal(em16_count(t), 0);
	em16_free(t);
}

/* Every byte of the key counts: 16 keys each with a single byte set, plus ::. */
static void em16_keys_differing_in_one_byte_are_distinct(void **state)
{
	(void)state;
	struct em16 *t = em16_create("bytes", 17, -1);
	struct em16_key k[17];
	memset(k, 0, sizeof(k));
	for (unsigned i = 0; i < 16; i++)
		k[i + 1].b[i] = 1;
	for (unsigned i = 0; i < 17; i++)
		assert_int_equal(em16_add(t, &k[i], 100 + i), 0);
	assert_int_equal(em16_count(t), 17);
	uint64_t vals[17];
	assert_true(em16_lookup_bulk(t, k, 17, vals) == (1ull << 17) - 1);
	for (unsigned i = 0; i < 17; i++)
		assert_true(vals[i] == 100 + i);
	em16_free(t);
}

/* n = 0 finds nothing; n past EM_BULK_MAX looks up the first EM_BULK_MAX only. */
static void em16_bulk_lookup_bounds_n(void **state)
{
	(void)state;
	struct em16 *t = em16_create("n", 200, -1);
	struct em16_key keys[100];
	uint64_t vals[100];
	memset(keys, 0, sizeof(keys));
	for (uint32_t i = 0; i < 100; i++) {
		memcpy(&keys[i], &(uint32_t){i + 1}, sizeof(uint32_t));
		assert_int_equal(em16_add(t, &keys[i], i), 0);
	}
	assert_true(em16_lookup_bulk(t, keys, 0, vals) == 0);
	for (uint32_t i = 0; i < 100; i++)
		vals[i] = 777;
	assert_true(em16_lookup_bulk(t, keys, 100, vals) == ~0ull);
	for (uint32_t i = 0; i < 100; i++)
		assert_true(vals[i] == (i < EM_BULK_MAX ? i : 777));
	em16_free(t);
}

static void em16_create_refuses_zero_keys(void **state)
{
	(void)state;
	errno = 0;
	assert_null(em16_create("none", 0, -1));
	assert_int_equal(errno, EINVAL);
}

/* SPEC: <= 128 bytes per mapping, both copies counted. */
static void em16_memory_within_64_bytes_per_key_per_copy(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1000, 65536, 1000000, 4000000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct em16 *t = em16_create("mem", sizes[s], -1);
		assert_non_null(t);
		assert_true(2 * em16_memory(t) <= 128ull * sizes[s]);
		em16_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(em16_matches_reference_at_small_sizes),
	    cmocka_unit_test(em16_matches_reference_at_1m_keys),
	    cmocka_unit_test(em16_matches_reference_delete_heavy),
	    cmocka_unit_test(em16_full_table_refuses_new_keys_and_keeps_working),
	    cmocka_unit_test(em16_key_zero_is_an_ordinary_key),
	    cmocka_unit_test(em16_keys_differing_in_one_byte_are_distinct),
	    cmocka_unit_test(em16_bulk_lookup_bounds_n),
	    cmocka_unit_test(em16_create_refuses_zero_keys),
	    cmocka_unit_test(em16_memory_within_64_bytes_per_key_per_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
