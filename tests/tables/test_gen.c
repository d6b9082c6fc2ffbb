/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen: the two-copy RCU publication.
 *
 * Sequential checks of the side/generation bookkeeping, then the concurrency
 * test: a reader thread pinned to the other core looks up continuously while
 * this thread publishes generations, each moving one set of keys together
 * (delete group A, add group B, or back, in an em4 and an em16 at once, all
 * with the generation number as value). The reader checks, on every pass,
 * that each set is wholly in one group with one value in both tables (never
 * half a generation), and that the set written by the last publish that has
 * returned shows at least that generation (a publish is visible to the next
 * lookup after it returns). Runs for a bounded time (GEN_TEST_SECONDS).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "em16.h"
#include "em4.h"
#include "gen.h"

#define GEN_TEST_SECONDS 2.0
#define NSETS 8
#define SET_KEYS 16	  /* keys per group; a set has groups A and B */
#define BACKGROUND 100000 /* other keys, so the tables are not tiny */

struct side {
	struct em4 *t4;
	struct em16 *t16;
};

static uint32_t set_key(unsigned s, unsigned grp, unsigned j)
{
	return 0x0a000000u | (s << 16) | (grp << 8) | j;
}

static struct em16_key key16(uint32_t k)
{
	struct em16_key x;
	memset(&x, 0, sizeof(x));
	x.b[0] = 0xfd;
	memcpy(&x.b[12], &k, 4);
	return x;
}

/* The change for generation g: set s moves into group grp, value g. */
static void apply(struct side *sd, unsigned s, unsigned grp, uint64_t g)
{
	for (unsigned j = 0; j < SET_KEYS; j++) {
		uint32_t old = set_key(s, !grp, j), new = set_key(s, grp, j);
		struct em16_key o16 = key16(old), n16 = key16(new);
		int rc = em4_delete(sd->t4, old);
		assert_true(rc == 0 || rc == -ENOENT);
		rc = em16_delete(sd->t16, &o16);
		assert_true(rc == 0 || rc == -ENOENT);
		assert_int_equal(em4_add(sd->t4, new, g), 0);
		assert_int_equal(em16_add(sd->t16, &n16, g), 0);
	}
}

static void side_init(struct side *sd)
{
	sd->t4 = em4_create("g4", BACKGROUND + 2 * NSETS * SET_KEYS, -1);
	sd->t16 = em16_create("g16", BACKGROUND + 2 * NSETS * SET_KEYS, -1);
	assert_non_null(sd->t4);
	assert_non_null(sd->t16);
	for (uint32_t i = 0; i < BACKGROUND; i++) {
		struct em16_key k = key16(0xc0000000u + i);
		assert_int_equal(em4_add(sd->t4, 0xc0000000u + i, i), 0);
		assert_int_equal(em16_add(sd->t16, &k, i), 0);
	}
	for (unsigned s = 0; s < NSETS; s++)
		apply(sd, s, 0, 0);
}

static void side_fini(struct side *sd)
{
	em4_free(sd->t4);
	em16_free(sd->t16);
}

static void gen_starts_with_side0_published(void **state)
{
	(void)state;
	int a, b;
	struct gen *g = gen_create(2, &a, &b);
	assert_non_null(g);
	assert_ptr_equal(gen_reader_side(g), &a);
	assert_ptr_equal(gen_writer_side(g), &b);
	assert_true(gen_generation(g) == 0);
	gen_free(g);
}

static void publish_flips_sides_and_counts_generations(void **state)
{
	(void)state;
	int a, b;
	struct gen *g = gen_create(1, &a, &b);
	assert_true(gen_writer_publish(g) == 1);
	assert_ptr_equal(gen_reader_side(g), &b);
	assert_ptr_equal(gen_writer_side(g), &a);
	assert_true(gen_writer_publish(g) == 2);
	assert_ptr_equal(gen_reader_side(g), &a);
	assert_true(gen_generation(g) == 2);
	gen_free(g);
}

static void gen_create_refuses_bad_arguments(void **state)
{
	(void)state;
	int a, b;
	errno = 0;
	assert_null(gen_create(0, &a, &b));
	assert_int_equal(errno, EINVAL);
	assert_null(gen_create(1, NULL, &b));
	assert_null(gen_create(1, &a, &a));
}

static void reader_register_refuses_id_out_of_range(void **state)
{
	(void)state;
	int a, b;
	struct gen *g = gen_create(2, &a, &b);
	assert_int_equal(gen_reader_register(g, 2), -EINVAL);
	assert_int_equal(gen_reader_register(g, 1), 0);
	gen_reader_unregister(g, 1);
	gen_free(g);
}

/* A registered reader in this very thread that went offline must not block publish. */
static void publish_does_not_wait_for_offline_reader(void **state)
{
	(void)state;
	int a, b;
	struct gen *g = gen_create(1, &a, &b);
	assert_int_equal(gen_reader_register(g, 0), 0);
	gen_reader_offline(g, 0);
	assert_true(gen_writer_publish(g) == 1);
	gen_reader_online(g, 0);
	assert_ptr_equal(gen_reader_side(g), &b);
	gen_reader_quiescent(g, 0);
	gen_reader_unregister(g, 0);
	gen_free(g);
}

struct shared {
	struct gen *g;
	/* writer -> reader: the last generation whose publish has returned,
	 * and (in set_of[gen % 64], written before it) the set it moved */
	uint64_t done_gen;
	unsigned set_of[64];
	bool stop;
	/* reader -> test */
	uint64_t passes;
	uint64_t torn;	/* a set seen half moved, or the tables disagreeing */
	uint64_t stale; /* a returned publish not seen */
	bool pinned;
};

static void *reader_main(void *arg)
{
	struct shared *sh = arg;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	sh->pinned = pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0;
	if (gen_reader_register(sh->g, 0) != 0) {
		sh->torn = ~0ull;
		return NULL;
	}
	uint32_t keys[2 * SET_KEYS];
	struct em16_key k16[2 * SET_KEYS];
	uint64_t v4[2 * SET_KEYS], v16[2 * SET_KEYS];
	const uint64_t grp_a = (1ull << SET_KEYS) - 1, grp_b = grp_a << SET_KEYS;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
		uint64_t done = __atomic_load_n(&sh->done_gen, __ATOMIC_ACQUIRE);
		unsigned done_set = sh->set_of[done % 64];
		const struct side *sd = gen_reader_side(sh->g);
		for (unsigned s = 0; s < NSETS; s++) {
			for (unsigned j = 0; j < 2 * SET_KEYS; j++) {
				keys[j] = set_key(s, j / SET_KEYS, j % SET_KEYS);
				k16[j] = key16(keys[j]);
			}
			uint64_t h4 = em4_lookup_bulk(sd->t4, keys, 2 * SET_KEYS, v4);
			uint64_t h16 = em16_lookup_bulk(sd->t16, k16, 2 * SET_KEYS, v16);
			bool whole = (h4 == grp_a || h4 == grp_b) && h16 == h4;
			unsigned first = h4 == grp_a ? 0 : SET_KEYS;
			for (unsigned j = first; whole && j < first + SET_KEYS; j++)
				whole = v4[j] == v4[first] && v16[j] == v4[first];
			if (!whole)
				sh->torn++;
			else if (s == done_set && done > 0 && v4[first] < done)
				sh->stale++;
		}
		gen_reader_quiescent(sh->g, 0);
		sh->passes++;
	}
	gen_reader_unregister(sh->g, 0);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void reader_never_sees_half_a_generation_and_sees_each_publish(void **state)
{
	(void)state;
	struct side sides[2];
	side_init(&sides[0]);
	side_init(&sides[1]);
	struct shared sh;
	memset(&sh, 0, sizeof(sh));
	sh.g = gen_create(1, &sides[0], &sides[1]);
	assert_non_null(sh.g);

	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader_main, &sh), 0);

	unsigned grp[NSETS] = {0};
	uint64_t seed = 12345, gens = 0;
	double end = now_s() + GEN_TEST_SECONDS;
	while (now_s() < end) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned s = (unsigned)(seed >> 33) % NSETS;
		uint64_t g = gen_generation(sh.g) + 1;
		grp[s] ^= 1;
		apply(gen_writer_side(sh.g), s, grp[s], g);
		assert_true(gen_writer_publish(sh.g) == g);
		apply(gen_writer_side(sh.g), s, grp[s], g); /* the old side catches up */
		sh.set_of[g % 64] = s;
		__atomic_store_n(&sh.done_gen, g, __ATOMIC_RELEASE);
		gens++;
	}
	__atomic_store_n(&sh.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);

	print_message("generations %llu, reader passes %llu, torn %llu, stale %llu, pinned %d\n",
		      (unsigned long long)gens, (unsigned long long)sh.passes,
		      (unsigned long long)sh.torn, (unsigned long long)sh.stale, sh.pinned);
	assert_true(gens > 100); /* each needs a reader pass: low only on a very busy machine */
	assert_true(sh.passes > 100);
	assert_true(sh.torn == 0);
	assert_true(sh.stale == 0);
	/* both copies end equal: the writer side holds what readers see */
	struct side *pub = gen_reader_side(sh.g), *wr = gen_writer_side(sh.g);
	assert_int_equal(em4_count(pub->t4), em4_count(wr->t4));
	for (unsigned s = 0; s < NSETS; s++)
		for (unsigned j = 0; j < SET_KEYS; j++) {
			uint64_t a = 0, b = 0;
			uint32_t k = set_key(s, grp[s], j);
			assert_int_equal(em4_lookup(pub->t4, k, &a), 1);
			assert_int_equal(em4_lookup(wr->t4, k, &b), 1);
			assert_true(a == b);
		}
	gen_free(sh.g);
	side_fini(&sides[0]);
	side_fini(&sides[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(gen_starts_with_side0_published),
	    cmocka_unit_test(publish_flips_sides_and_counts_generations),
	    cmocka_unit_test(gen_create_refuses_bad_arguments),
	    cmocka_unit_test(reader_register_refuses_id_out_of_range),
	    cmocka_unit_test(publish_does_not_wait_for_offline_reader),
	    cmocka_unit_test(reader_never_sees_half_a_generation_and_sees_each_publish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
