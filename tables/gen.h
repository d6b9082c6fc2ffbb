/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.h - publishing table generations to lock-free readers (RCU).
 *
 * The writer keeps TWO copies of everything the readers use (a "side": any
 * struct of tables the caller likes). Readers use the published side; the
 * writer changes only the other one. A change of N entries is made visible
 * as one generation:
 *
 *   1. apply the N changes to the inactive side  (gen_writer_side)
 *   2. gen_writer_publish(): flip the published side (store-release), then
 *      wait for a grace period (rte_rcu_qsbr): every registered reader has
 *      passed a quiescent point after the flip, so none still reads the old
 *      side, and every burst a reader starts from now on sees the new one;
 *   3. apply the same N changes to the old side, now unread, so both sides
 *      are equal again before the next change.
 *
 * A reader therefore sees all N changes or none, never half, and never
 * waits. A change costs 2 x N table writes, whatever the table size.
 *
 * Readers: gen_reader_register() once per thread; per poll loop:
 *   side = gen_reader_side(g);   use side for the whole burst;
 *   gen_reader_quiescent(g, id); after the burst, once per loop.
 * A reader that sleeps or stops polling calls gen_reader_offline() first so
 * that it does not hold up the writer.
 *
 * Memory ordering is documented beside each atomic in gen.c.
 */
#ifndef ENIMAP_GEN_H
#define ENIMAP_GEN_H

#include <stdint.h>

struct gen;

/* side0 and side1: the two copies, equal at creation; side0 is published first. */
struct rte_rcu_qsbr;

struct gen *gen_create(unsigned max_readers, void *side0, void *side1);
void gen_free(struct gen *g);

/*
 * Register reader_id (< max_readers) and bring it ONLINE: from now on every
 * publish waits until this reader reports quiescence. Register from the
 * reader thread, or just before starting it (a publish in between waits for
 * its first gen_reader_quiescent). 0, or -EINVAL (id out of range).
 * Calling gen_reader_online() again on an online reader is harmless.
 * Works for any thread (EAL lcore or plain pthread); the EAL is not needed.
 */
int gen_reader_register(struct gen *g, unsigned reader_id);
void gen_reader_unregister(struct gen *g, unsigned reader_id);
void gen_reader_online(struct gen *g, unsigned reader_id);
void gen_reader_offline(struct gen *g, unsigned reader_id);
/* The published side: load-acquire, so its tables' contents are visible. */
void *gen_reader_side(const struct gen *g);
void gen_reader_quiescent(struct gen *g, unsigned reader_id);

/* The side the writer may change now (the unpublished one). */
void *gen_writer_side(const struct gen *g);
/*
 * Publish the writer side and wait for the grace period (spins: every online
 * reader must call gen_reader_quiescent or go offline). Returns the
 * generation number now published. Single writer: one thread publishes.
 */
uint64_t gen_writer_publish(struct gen *g);
/* Number of the published generation (starts at 0; +1 per publish). */
uint64_t gen_generation(const struct gen *g);
/* The readers' QSBR variable: other structures the same readers hold (the
 * security groups' flow table) wait for grace periods on it. */
struct rte_rcu_qsbr *gen_qsbr(const struct gen *g);

#endif
