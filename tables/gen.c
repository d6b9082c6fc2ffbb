/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.c - two-copy RCU publication (see gen.h for the protocol).
 *
 * Shared state and who writes it:
 *   g->gen        written by the writer only (one store per publish), read by
 *                 every reader once per burst; it alone says which side is
 *                 published (side = gen & 1), so "which copy" and "which
 *                 generation" can never disagree. It sits on its own cache
 *                 line so that reader traffic on it is read-only sharing.
 *   g->v          rte_rcu_qsbr: each reader writes only its own counter line.
 *   g->side[2]    set at creation, read-only afterwards.
 *
 * Memory ordering, every atomic:
 *   writer  store gen  RELEASE   the writer's table writes to the new side
 *                                happen-before any reader's acquire load that
 *                                sees the new gen, so a reader that sees the
 *                                flip sees all N changes.
 *   writer  fence      SEQ_CST   store-load barrier between the gen store and
 *                                the grace-period check's loads of reader
 *                                counters: pairs with the SEQ_CST fence in
 *                                rte_rcu_qsbr_thread_online, so a reader that
 *                                comes online either is waited for or loads
 *                                the new gen (no store-buffering escape).
 *   writer  token add  RELEASE   (inside rte_rcu_qsbr_start) orders the gen
 *                                store before the new token.
 *   reader  load gen   ACQUIRE   pairs with the writer's release store, above.
 *   reader  quiescent            (rte_rcu_qsbr_quiescent) load token ACQUIRE,
 *                                store own counter RELEASE: the release makes
 *                                every read of the old side complete before
 *                                the writer can see the counter; the acquire
 *                                of a token >= the writer's means the
 *                                reader's next gen load sees the new gen
 *                                (token add is after the gen store).
 *   writer  check      ACQUIRE   (inside rte_rcu_qsbr_check) loads of reader
 *                                counters: once all are >= the token, all
 *                                reads of the old side happened-before, and
 *                                the writer may change it.
 *   gen_generation     ACQUIRE   same as a reader's load.
 *
 * So after gen_writer_publish() returns, the old side is unread, and every
 * registered reader's next gen_reader_side() returns the new side.
 */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

struct gen {
	/* writer-written, reader-read: alone on its line */
	uint64_t gen __attribute__((aligned(64)));
	void *side[2] __attribute__((aligned(64)));
	unsigned max_readers;
	struct rte_rcu_qsbr *v;
};

struct gen *gen_create(unsigned max_readers, void *side0, void *side1)
{
	if (max_readers == 0 || side0 == NULL || side1 == NULL || side0 == side1) {
		errno = EINVAL;
		return NULL;
	}
	struct gen *g = aligned_alloc(64, sizeof(*g));
	if (g == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(g, 0, sizeof(*g));
	size_t sz = rte_rcu_qsbr_get_memsize(max_readers);
	sz = RTE_ALIGN_CEIL(sz, 64);
	g->v = aligned_alloc(64, sz);
	if (g->v == NULL) {
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	if (rte_rcu_qsbr_init(g->v, max_readers) != 0) {
		free(g->v);
		free(g);
		errno = EINVAL;
		return NULL;
	}
	g->side[0] = side0;
	g->side[1] = side1;
	g->max_readers = max_readers;
	g->gen = 0; /* side0 published; no reader exists yet, so a plain store */
	return g;
}

void gen_free(struct gen *g)
{
	if (g == NULL)
		return;
	free(g->v);
	free(g);
}

int gen_reader_register(struct gen *g, unsigned reader_id)
{
	if (reader_id >= g->max_readers)
		return -EINVAL;
	if (rte_rcu_qsbr_thread_register(g->v, reader_id) != 0)
		return -EINVAL;
	rte_rcu_qsbr_thread_online(g->v, reader_id);
	return 0;
}

void gen_reader_unregister(struct gen *g, unsigned reader_id)
{
	if (reader_id >= g->max_readers)
		return;
	rte_rcu_qsbr_thread_offline(g->v, reader_id);
	rte_rcu_qsbr_thread_unregister(g->v, reader_id);
}

void gen_reader_online(struct gen *g, unsigned reader_id)
{
	rte_rcu_qsbr_thread_online(g->v, reader_id);
}

void gen_reader_offline(struct gen *g, unsigned reader_id)
{
	rte_rcu_qsbr_thread_offline(g->v, reader_id);
}

void *gen_reader_side(const struct gen *g)
{
	uint64_t n = __atomic_load_n(&g->gen, __ATOMIC_ACQUIRE);
	return g->side[n & 1];
}

void gen_reader_quiescent(struct gen *g, unsigned reader_id)
{
	rte_rcu_qsbr_quiescent(g->v, reader_id);
}

void *gen_writer_side(const struct gen *g)
{
	/* Only the writer stores gen, so its own read needs no ordering. */
	uint64_t n = __atomic_load_n(&g->gen, __ATOMIC_RELAXED);
	return g->side[(n + 1) & 1];
}

uint64_t gen_writer_publish(struct gen *g)
{
	uint64_t next = __atomic_load_n(&g->gen, __ATOMIC_RELAXED) + 1;

	__atomic_store_n(&g->gen, next, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t token = rte_rcu_qsbr_start(g->v);
	/* Spins until every online reader has reported a quiescent state since
	 * the token; offline readers are skipped. */
	rte_rcu_qsbr_check(g->v, token, true);
	return next;
}

uint64_t gen_generation(const struct gen *g)
{
	return __atomic_load_n(&g->gen, __ATOMIC_ACQUIRE);
}

struct rte_rcu_qsbr *gen_qsbr(const struct gen *g)
{
	return g->v;
}
