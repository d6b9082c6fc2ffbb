/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oplog.h - the operation log N engines share through etcd (SPEC section 8):
 * one global order of operations, appended by whichever engine took the
 * request, applied by every engine in that order, with each engine's applied
 * position published under its lease so that a writer can wait until every
 * live engine has applied its operation.
 *
 * Keys, under "enimap/<cluster>/":
 *   head              the sequence number of the last entry, decimal text
 *   log/<seq>         entry seq (20 digits, so that key order is seq order):
 *                     the record as the appender gave it (the API's journal
 *                     record: the batch's operations)
 *   engines/<id>      the seq engine <id> has applied, decimal text, attached
 *                     to its lease: gone when the engine stops renewing it
 *
 * Appending entry seq is one transaction: if head is seq - 1 (absent for
 * seq 1), put head = seq and log/<seq>. So entries are numbered 1, 2, 3...
 * with no hole, two engines can never both get one number, and an engine can
 * only append once it has seen every entry before its own: the loser of a
 * race learns the head, applies what it missed, validates its operation
 * again against the model that now includes the winner's, and retries (or
 * answers EC2's error: the same address to two ENIs has one winner).
 *
 * Threads: each function names the thread that calls it; an oplog holds one
 * etcd connection per role so that the roles never wait on each other.
 */
#ifndef ENIMAP_OPLOG_H
#define ENIMAP_OPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

struct oplog;

struct oplog_params {
	const char *const *endpoints;
	size_t n_endpoints;
	const char *cluster;   /* [A-Za-z0-9_-]{1,64}: the key prefix's name */
	const char *engine_id; /* [A-Za-z0-9_-]{1,64}: unique in the cluster */
	unsigned lease_ttl_s;  /* how long a silent engine is still waited for */
	unsigned timeout_ms;   /* every etcd call */
};

struct oplog *oplog_open(const struct oplog_params *p, struct etcd_err *err);
void oplog_close(struct oplog *l);

/*
 * Appender (the API's committer): append rec as entry seq. 0; -EAGAIN when
 * the head is not seq - 1 (*head: what it is; another engine appended first,
 * or this one has not applied everything yet); other errors as etcd.h (the
 * entry is not appended, except on -ETIMEDOUT, when the caller cannot know:
 * it learns from the log whether its entry is there).
 */
int oplog_append(struct oplog *l, uint64_t seq, const void *rec, size_t len, uint64_t *head,
		 struct etcd_err *err);
/* The head now (0: empty log). */
int oplog_head(struct oplog *l, uint64_t *head, struct etcd_err *err);

/*
 * Follower: calls fn for every entry from seq `from` on, in order, each once
 * (fn returns once the entry is applied: the engine's tables published),
 * until fn returns nonzero or *stop is true (returns 0), following the log as
 * it grows. A broken watch (a member lost) is resumed from the next entry
 * through another endpoint; while no endpoint answers it tries again every
 * 100 ms (the keeper's lease lapses meanwhile: that is how the engine learns
 * it is cut off). -ENODATA: entry `from` was compacted away (start from a
 * snapshot).
 */
typedef int (*oplog_apply_fn)(void *arg, uint64_t seq, const void *rec, size_t len);
int oplog_follow(struct oplog *l, uint64_t from, oplog_apply_fn fn, void *arg, const bool *stop,
		 struct etcd_err *err);

/*
 * Keeper: oplog_join grants the engine's lease and publishes applied seq;
 * oplog_keepalive renews it (call it every lease_ttl_s / 3; -ENOENT: it had
 * lapsed, the engine is no longer waited for and must stop forwarding until
 * it has joined again and caught up). oplog_publish_applied says how far
 * the engine has applied; oplog_follow publishes it itself after each batch
 * of entries its fn has applied, once the engine has joined.
 */
int oplog_join(struct oplog *l, uint64_t applied, struct etcd_err *err);
int oplog_keepalive(struct oplog *l, struct etcd_err *err);
int oplog_publish_applied(struct oplog *l, uint64_t applied, struct etcd_err *err);
/* Keeper: leave the cluster at once (revoke the lease). */
int oplog_leave(struct oplog *l, struct etcd_err *err);

/*
 * Appender: waits until every engine holding a live lease has published
 * applied >= seq, at most timeout_ms. 0, with *n_engines the engines that had;
 * -ETIMEDOUT with *n_behind the ones that had not (their leases lapse in at
 * most lease_ttl_s and then they are no longer waited for).
 */
int oplog_wait_applied(struct oplog *l, uint64_t seq, unsigned timeout_ms, unsigned *n_engines,
		       unsigned *n_behind, struct etcd_err *err);

#endif
