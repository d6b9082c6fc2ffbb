/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exact-match table against a plain reference map, for one key width
 * EM_TEST_WIDTH (set by meson): 4 tests em4.h, 16 em16.h, any other width
 * (8, 12) em.h directly. Random adds, deletes and lookups at sizes from 1 to
 * 1,000,000 keys, delete-heavy runs, full tables; every key of the universe
 * (half of it absent) is then checked with the out-of-line lookup, the inline
 * read path and bulk lookups. No EAL: the table falls back to aligned_alloc.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "em16.h"
#include "em4.h"
#include "ref.h"

#ifndef EM_TEST_WIDTH /* meson sets it; 4 for tools that read the file alone */
#define EM_TEST_WIDTH 4
#endif
#define W EM_TEST_WIDTH

/*
 * ---- the table under test, seen through one set of names ----
 * t_start/t_finish: the inline read path (prefetch a stage ahead, then look up).
 */
#if W == 4
typedef struct em4 table;
typedef uint32_t tkey;
#define t_create em4_create
#define t_free em4_free
#define t_add(t, k, v) em4_add(t, *(k), v)
#define t_delete(t, k) em4_delete(t, *(k))
#define t_lookup(t, k, v) em4_lookup(t, *(k), v)
#define t_lookup_bulk em4_lookup_bulk
#define t_count em4_count
#define t_memory em4_memory
#define t_start(t, k) em4_prefetch_home(t, *(k))
#define t_finish(t, k, home, v) em4_lookup_home(t, *(k), home, v)
#elif W == 16
typedef struct em16 table;
typedef struct em16_key tkey;
#define t_create em16_create
#define t_free em16_free
#define t_add em16_add
#define t_delete em16_delete
#define t_lookup em16_lookup
#define t_lookup_bulk em16_lookup_bulk
#define t_count em16_count
#define t_memory em16_memory
static inline uint32_t t_start(const table *t, const tkey *k)
{
	em16_prefetch(t, k);
	return 0;
}
#define t_finish(t, k, home, v) ((void)(home), em16_lookup_one(t, k, v))
#else
typedef struct em table;
typedef struct {
	unsigned char b[W];
} tkey;
#define t_create(name, n, socket) em_create(name, W, n, socket)
#define t_free em_free
#define t_add(t, k, v) em_add(t, W, (k)->b, v)
#define t_delete(t, k) em_delete(t, W, (k)->b)
#define t_lookup(t, k, v) em_lookup(t, W, (k)->b, v)
#define t_lookup_bulk(t, keys, n, v) em_lookup_bulk(t, W, keys, n, v)
#define t_count em_count
#define t_memory em_memory
#define t_start(t, k) em_prefetch_home(t, W, (k)->b)
#define t_finish(t, k, home, v) em_lookup_home(t, W, (k)->b, home, v)
#endif

_Static_assert(sizeof(tkey) == W, "bulk lookups take keys W bytes apart");

/*
 * Index -> key, distinct per index: W = 4, an odd 32-bit multiple (a
 * bijection); wider keys, the bytes of two odd 64-bit multiples (the first
 * alone is distinct per index). Index 0 is the all-zero key.
 */
static tkey key_of(uint32_t i)
{
	tkey k;
	uint64_t w[2] = {i * 0x9E3779B97F4A7C15ull, i * 0xC2B2AE3D27D4EB4Full};
	if (W == 4)
		w[0] = (uint32_t)(i * 0x9E3779B1u);
	memcpy(&k, w, W);
	return k;
}

#define KEY(i) (&(tkey[1]){key_of(i)}[0])

/* Every key of the universe: the table and the reference agree, through the
 * out-of-line lookup, the inline read path and bulk lookups. */
static void check_all(const table *t, const struct ref_map *r, uint64_t *seed)
{
	assert_int_equal(t_count(t), r->count);
	for (uint32_t i = 0; i < r->universe; i++) {
		uint64_t v = ~0ull;
		int hit = t_lookup(t, KEY(i), &v);
		assert_int_equal(hit, r->present[i]);
		if (hit)
			assert_true(v == r->value[i]);
		/* the inline read path agrees */
		v = ~0ull;
		hit = t_finish(t, KEY(i), t_start(t, KEY(i)), &v);
		assert_int_equal(hit, r->present[i]);
		if (hit)
			assert_true(v == r->value[i]);
	}
	tkey keys[EM_BULK_MAX];
	uint32_t idx[EM_BULK_MAX], homes[EM_BULK_MAX];
	uint64_t vals[EM_BULK_MAX];
	for (uint32_t base = 0; base < r->universe; base += EM_BULK_MAX) {
		/* bursts of random length 1..64 over random keys */
		unsigned n = 1 + rng_below(seed, EM_BULK_MAX);
		for (unsigned j = 0; j < n; j++) {
			idx[j] = rng_below(seed, r->universe);
			keys[j] = key_of(idx[j]);
		}
		uint64_t hits = t_lookup_bulk(t, keys, n, vals);
		assert_true(n == 64 || (hits >> n) == 0);
		for (unsigned j = 0; j < n; j++) {
			bool hit = (hits >> j) & 1;
			assert_int_equal(hit, r->present[idx[j]]);
			if (hit)
				assert_true(vals[j] == r->value[idx[j]]);
		}
		/* the same keys through the inline read path: all started, then finished */
		for (unsigned j = 0; j < n; j++)
			homes[j] = t_start(t, &keys[j]);
		for (unsigned j = 0; j < n; j++) {
			uint64_t v = ~0ull;
			int hit = t_finish(t, &keys[j], homes[j], &v);
			assert_int_equal(hit, r->present[idx[j]]);
			if (hit)
				assert_true(v == r->value[idx[j]]);
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
	table *t = t_create("t", max_keys, -1);
	assert_non_null(t);
	struct ref_map r;
	ref_init(&r, max_keys * 2);
	for (uint32_t k = 0; k < ops; k++) {
		uint32_t i = rng_below(&seed, r.universe);
		unsigned p = rng_below(&seed, 100);
		if (p < add_pct) {
			uint64_t v = rng_next(&seed);
			int rc = t_add(t, KEY(i), v);
			if (r.present[i] || r.count < max_keys) {
				assert_int_equal(rc, 0);
				r.count += !r.present[i];
				r.present[i] = true;
				r.value[i] = v;
			} else {
				assert_int_equal(rc, -ENOSPC);
			}
		} else if (p < add_pct + del_pct) {
			int rc = t_delete(t, KEY(i));
			assert_int_equal(rc, r.present[i] ? 0 : -ENOENT);
			r.count -= r.present[i];
			r.present[i] = false;
		} else {
			uint64_t v;
			assert_int_equal(t_lookup(t, KEY(i), &v), r.present[i]);
			if (r.present[i])
				assert_true(v == r.value[i]);
		}
	}
	check_all(t, &r, &seed);
	ref_fini(&r);
	t_free(t);
}

static void matches_reference_at_small_sizes(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1, 2, 5, 7, 64, 1000, 10000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		random_ops(sizes[s], sizes[s] * 20 + 100, 50, 25, 0x1234 + s);
}

static void matches_reference_at_1m_keys(void **state)
{
	(void)state;
	random_ops(1000000, 4000000, 60, 20, 0xfeed);
}

static void matches_reference_delete_heavy(void **state)
{
	(void)state;
	random_ops(1000, 200000, 40, 55, 0xdead);
	random_ops(200000, 2000000, 40, 55, 0xbeef);
}

/* Fill to max_keys, then churn at 100% full: deletes and re-adds. */
static void full_table_refuses_new_keys_and_keeps_working(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1, 3, 1000, 1000000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s];
		uint64_t seed = 77 + s;
		table *t = t_create("full", n, -1);
		assert_non_null(t);
		struct ref_map r;
		ref_init(&r, n * 2);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(t_add(t, KEY(i), i), 0);
			r.present[i] = true;
			r.value[i] = i;
		}
		r.count = n;
		/* full: a new key is refused, a known key is replaced */
		assert_int_equal(t_add(t, KEY(n), 1), -ENOSPC);
		assert_int_equal(t_add(t, KEY(0), 42), 0);
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
			assert_int_equal(t_delete(t, KEY(d)), 0);
			r.present[d] = false;
			assert_int_equal(t_add(t, KEY(a), a + 7), 0);
			r.present[a] = true;
			r.value[a] = a + 7;
			assert_int_equal(t_add(t, KEY(r.universe), 1), -ENOSPC);
		}
		check_all(t, &r, &seed);
		ref_fini(&r);
		t_free(t);
	}
}

static void key_zero_is_an_ordinary_key(void **state)
{
	(void)state;
	table *t = t_create("zero", 10, -1);
	const tkey *zero = KEY(0);
	uint64_t v;
	assert_int_equal(t_lookup(t, zero, &v), 0); /* empty slots hold key 0: not a hit */
	assert_int_equal(t_delete(t, zero), -ENOENT);
	assert_int_equal(t_add(t, zero, 5), 0);
	assert_int_equal(t_lookup(t, zero, &v), 1);
	assert_true(v == 5);
	assert_int_equal(t_delete(t, zero), 0);
	assert_int_equal(t_lookup(t, zero, &v), 0);
	assert_int_equal(t_count(t), 0);
	t_free(t);
}

/* Every byte of the key counts: W keys each with a single byte set, plus zero. */
static void keys_differing_in_one_byte_are_distinct(void **state)
{
	(void)state;
	table *t = t_create("bytes", W + 1, -1);
	tkey k[W + 1];
	memset(k, 0, sizeof(k));
	for (unsigned i = 0; i < W; i++)
		((unsigned char *)&k[i + 1])[i] = 1;
	for (unsigned i = 0; i < W + 1; i++)
		assert_int_equal(t_add(t, &k[i], 100 + i), 0);
	assert_int_equal(t_count(t), W + 1);
	uint64_t vals[W + 1];
	assert_true(t_lookup_bulk(t, k, W + 1, vals) == (1ull << (W + 1)) - 1);
	for (unsigned i = 0; i < W + 1; i++) {
		uint64_t v = ~0ull;
		assert_true(vals[i] == 100 + i);
		assert_int_equal(t_lookup(t, &k[i], &v), 1);
		assert_true(v == 100 + i);
		v = ~0ull;
		assert_int_equal(t_finish(t, &k[i], t_start(t, &k[i]), &v), 1);
		assert_true(v == 100 + i);
		/* a byte more set is another key */
		tkey other = k[i];
		((unsigned char *)&other)[(i + 1) % W] ^= 0x80;
		assert_int_equal(t_lookup(t, &other, &v), 0);
		assert_int_equal(t_finish(t, &other, t_start(t, &other), &v), 0);
	}
	t_free(t);
}

/* n = 0 finds nothing; n past EM_BULK_MAX looks up the first EM_BULK_MAX only. */
static void bulk_lookup_bounds_n(void **state)
{
	(void)state;
	table *t = t_create("n", 200, -1);
	tkey keys[100];
	uint64_t vals[100];
	for (uint32_t i = 0; i < 100; i++) {
		keys[i] = key_of(i + 1);
		assert_int_equal(t_add(t, &keys[i], i), 0);
	}
	assert_true(t_lookup_bulk(t, keys, 0, vals) == 0);
	for (uint32_t i = 0; i < 100; i++)
		vals[i] = 777;
	assert_true(t_lookup_bulk(t, keys, 100, vals) == ~0ull);
	for (uint32_t i = 0; i < 100; i++)
		assert_true(vals[i] == (i < EM_BULK_MAX ? i : 777));
	t_free(t);
}

static void create_refuses_zero_keys(void **state)
{
	(void)state;
	errno = 0;
	assert_null(t_create("none", 0, -1));
	assert_int_equal(errno, EINVAL);
}

/* em_create takes widths 4, 8, 12 and 16 only. */
static void create_refuses_unsupported_widths(void **state)
{
	(void)state;
	const unsigned bad[] = {0, 1, 3, 5, 6, 20, 32};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(em_create("bad", bad[i], 10, -1));
		assert_int_equal(errno, EINVAL);
	}
	for (unsigned kw = 4; kw <= EM_KEY_MAX; kw += 4) {
		struct em *t = em_create("good", kw, 10, -1);
		assert_non_null(t);
		em_free(t);
	}
}

/* SPEC: <= 128 bytes per mapping, both copies counted. */
static void memory_within_64_bytes_per_key_per_copy(void **state)
{
	(void)state;
	const uint32_t sizes[] = {1000, 65536, 1000000, 4000000};
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		table *t = t_create("mem", sizes[s], -1);
		assert_non_null(t);
		assert_true(2 * t_memory(t) <= 128ull * sizes[s]);
		t_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(matches_reference_at_small_sizes),
	    cmocka_unit_test(matches_reference_at_1m_keys),
	    cmocka_unit_test(matches_reference_delete_heavy),
	    cmocka_unit_test(full_table_refuses_new_keys_and_keeps_working),
	    cmocka_unit_test(key_zero_is_an_ordinary_key),
	    cmocka_unit_test(keys_differing_in_one_byte_are_distinct),
	    cmocka_unit_test(bulk_lookup_bounds_n),
	    cmocka_unit_test(create_refuses_zero_keys),
	    cmocka_unit_test(create_refuses_unsupported_widths),
	    cmocka_unit_test(memory_within_64_bytes_per_key_per_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
