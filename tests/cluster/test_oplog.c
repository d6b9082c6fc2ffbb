/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared operation log (control/cluster/oplog.h) on a real 3-member etcd
 * cluster, with three engines in this process, each its own connections to
 * its own first member, a follower thread applying the log to its state and
 * a keeper thread renewing its lease. Each engine's state is a small model:
 * 64 addresses, each free or owned by one engine, and one rule (an address
 * is claimed only while free), validated before the append as the API does.
 *
 *  - concurrent claims from all three: every engine ends with the same
 *    state, every entry applied by every engine in one order, each address
 *    won by at most one claim, and every won claim applied on all three
 *    engines by the time oplog_wait_applied returned;
 *  - an engine that stops applying is waited for until its lease lapses,
 *    then no longer, and learns that it lapsed;
 *  - a follower whose member is stopped goes on through another.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "etcd_cluster.h"
#include "oplog.h"

#define ENGINES 3
#define ADDRS 64
#define CLAIMS 40
#define TTL_S 2

static struct etcd_cluster cluster;

struct engine {
	int id;
	struct oplog *log;
	pthread_t follower, keeper, appender;
	bool stop, stop_keeper;
	pthread_mutex_t mu; /* owner[] and applied: the follower writes, the appender reads */
	int owner[ADDRS];
	uint64_t applied;
	int conflicts_applied; /* an entry that broke the rule: must stay 0 */
	int follow_rc;
	/* the appender's outcome */
	int won, refused, lost_races, not_visible;
	uint64_t won_seq[CLAIMS];
	int won_addr[CLAIMS];
};

static struct engine engines[ENGINES];

/* cmocka's fail_msg jumps back to the main thread: not from another thread */
#define thread_fail(...)                                                                           \
	do {                                                                                       \
		fprintf(stderr, __VA_ARGS__);                                                      \
		exit(1);                                                                           \
	} while (0)

static struct oplog *open_log(const char *cluster_name, const char *id, int first)
{
	const char *eps[ETCD_CLUSTER_MAX];
	struct etcd_err err;
	struct oplog *l;

	etcd_cluster_endpoints_from(&cluster, first, eps); /* member `first` first */
	struct oplog_params p = {.endpoints = eps,
				 .n_endpoints = (size_t)cluster.n,
				 .cluster = cluster_name,
				 .engine_id = id,
				 .lease_ttl_s = TTL_S,
				 .timeout_ms = 2000};
	l = oplog_open(&p, &err);
	if (l == NULL)
		fail_msg("oplog_open: %s", err.message);
	return l;
}

/* Follower: "claim <addr> <engine>" applied in log order. */
static int apply(void *arg, uint64_t seq, const void *rec, size_t len)
{
	struct engine *e = arg;
	char text[64];
	int addr, who;

	snprintf(text, sizeof(text), "%.*s", (int)len, (const char *)rec);
	pthread_mutex_lock(&e->mu);
	if (seq != e->applied + 1 || sscanf(text, "claim %d %d", &addr, &who) != 2 || addr < 0 ||
	    addr >= ADDRS || e->owner[addr] != -1)
		e->conflicts_applied++;
	else
		e->owner[addr] = who;
	e->applied = seq;
	pthread_mutex_unlock(&e->mu);
	return 0; /* oplog_follow publishes the position after the batch */
}

static void *follower_main(void *arg)
{
	struct engine *e = arg;
	struct etcd_err err;

	e->follow_rc = oplog_follow(e->log, 1, apply, e, &e->stop, &err);
	return NULL;
}

static void *keeper_main(void *arg)
{
	struct engine *e = arg;
	struct etcd_err err;

	while (!__atomic_load_n(&e->stop_keeper, __ATOMIC_ACQUIRE)) {
		usleep(300000);
		if (oplog_keepalive(e->log, &err) != 0)
			print_message("engine %d: keepalive: %s\n", e->id, err.message);
	}
	return NULL;
}

static uint64_t applied_of(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	uint64_t a = e->applied;
	pthread_mutex_unlock(&e->mu);
	return a;
}

static void wait_applied_locally(struct engine *e, uint64_t seq)
{
	for (int i = 0; i < 5000 && applied_of(e) < seq; i++)
		usleep(1000);
}

/* Appender: claims random addresses; each validated, appended, waited for. */
static void *appender_main(void *arg)
{
	struct engine *e = arg;
	unsigned seed = 7u + (unsigned)e->id;

	for (int k = 0; k < CLAIMS; k++) {
		int addr = (int)(rand_r(&seed) % ADDRS);
		char rec[32];

		snprintf(rec, sizeof(rec), "claim %d %d", addr, e->id);
		for (;;) {
			struct etcd_err err;
			uint64_t seq, head = 0;
			int rc, free_now;

			pthread_mutex_lock(&e->mu);
			free_now = e->owner[addr] == -1;
			seq = e->applied + 1;
			pthread_mutex_unlock(&e->mu);
			if (!free_now) {
				e->refused++; /* EC2 would answer InvalidIPAddress.InUse */
				break;
			}
			rc = oplog_append(e->log, seq, rec, strlen(rec), &head, &err);
			if (rc == -EAGAIN) {
				/* another engine appended first: catch up, validate again */
				e->lost_races++;
				wait_applied_locally(e, head);
				continue;
			}
			if (rc != 0)
				thread_fail("engine %d: append: %s\n", e->id, err.message);
			unsigned n_ok = 0, n_behind = 0;
			if (oplog_wait_applied(e->log, seq, 5000, &n_ok, &n_behind, &err) != 0)
				thread_fail("engine %d: wait: %s\n", e->id, err.message);
			/* acknowledged: every engine has it now */
			for (int j = 0; j < ENGINES; j++)
				if (applied_of(&engines[j]) < seq)
					e->not_visible++;
			e->won_seq[e->won] = seq;
			e->won_addr[e->won++] = addr;
			break;
		}
	}
	return NULL;
}

static void engine_start(struct engine *e, int id, const char *cluster_name)
{
	struct etcd_err err;
	char name[16];

	memset(e, 0, sizeof(*e));
	e->id = id;
	pthread_mutex_init(&e->mu, NULL);
	for (int a = 0; a < ADDRS; a++)
		e->owner[a] = -1;
	snprintf(name, sizeof(name), "engine-%d", id);
	e->log = open_log(cluster_name, name, id);
	if (oplog_join(e->log, 0, &err) != 0)
		fail_msg("join: %s", err.message);
	assert_int_equal(pthread_create(&e->follower, NULL, follower_main, e), 0);
	assert_int_equal(pthread_create(&e->keeper, NULL, keeper_main, e), 0);
}

static void engine_stop(struct engine *e)
{
	struct etcd_err err;

	__atomic_store_n(&e->stop, true, __ATOMIC_RELEASE);
	__atomic_store_n(&e->stop_keeper, true, __ATOMIC_RELEASE);
	pthread_join(e->follower, NULL);
	pthread_join(e->keeper, NULL);
	oplog_leave(e->log, &err);
	oplog_close(e->log);
	pthread_mutex_destroy(&e->mu);
}

static void three_engines_apply_one_order(void **state)
{
	(void)state;
	struct etcd_err err;
	uint64_t head = 0;
	int won = 0, refused = 0, races = 0, claims_won[ADDRS] = {0};

	for (int i = 0; i < ENGINES; i++)
		engine_start(&engines[i], i, "one-order");
	for (int i = 0; i < ENGINES; i++)
		assert_int_equal(
		    pthread_create(&engines[i].appender, NULL, appender_main, &engines[i]), 0);
	for (int i = 0; i < ENGINES; i++)
		pthread_join(engines[i].appender, NULL);
	assert_int_equal(oplog_head(engines[0].log, &head, &err), 0);
	for (int i = 0; i < ENGINES; i++) {
		struct engine *e = &engines[i];

		wait_applied_locally(e, head);
		assert_int_equal(applied_of(e), head);
		assert_int_equal(e->conflicts_applied, 0);
		assert_int_equal(e->not_visible, 0);
		assert_int_equal(e->won + e->refused, CLAIMS);
		assert_memory_equal(e->owner, engines[0].owner, sizeof(e->owner));
		won += e->won;
		refused += e->refused;
		races += e->lost_races;
		for (int k = 0; k < e->won; k++) {
			claims_won[e->won_addr[k]]++;
			assert_int_equal(engines[0].owner[e->won_addr[k]], e->id);
		}
	}
	/* one entry per won claim; an address won once at most */
	assert_int_equal((uint64_t)won, head);
	for (int a = 0; a < ADDRS; a++)
		assert_in_range(claims_won[a], 0, 1);
	assert_true(refused > 0); /* the same address was asked for more than once */
	print_message("%d claims won, %d refused, %d lost races, head %" PRIu64 "\n", won, refused,
		      races, head);
	for (int i = 0; i < ENGINES; i++) {
		engine_stop(&engines[i]);
		assert_int_equal(engines[i].follow_rc, 0);
	}
}

static void a_silent_engine_is_waited_for_until_its_lease_lapses(void **state)
{
	(void)state;
	struct etcd_err err;
	struct engine *a = &engines[0];
	struct oplog *silent = open_log("lapse", "silent", 2);
	unsigned ok = 0, behind = 0;
	uint64_t head = 0;

	engine_start(a, 0, "lapse");
	/* joins, never applies, never renews */
	assert_int_equal(oplog_join(silent, 0, &err), 0);
	assert_int_equal(oplog_append(a->log, 1, "claim 1 0", 9, &head, &err), 0);
	assert_int_equal(oplog_wait_applied(a->log, 1, 300, &ok, &behind, &err), -ETIMEDOUT);
	assert_int_equal(ok, 1);
	assert_int_equal(behind, 1);
	/* within its TTL and a little, it is not waited for any more */
	assert_int_equal(oplog_wait_applied(a->log, 1, 3000 * TTL_S, &ok, &behind, &err), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(behind, 0);
	/* and it learns that it lapsed */
	assert_int_equal(oplog_keepalive(silent, &err), -ENOENT);
	assert_int_equal(oplog_publish_applied(silent, 1, &err), -ENOENT);
	oplog_close(silent);
	engine_stop(a);
}

static void an_append_from_behind_is_refused_with_the_head(void **state)
{
	(void)state;
	struct etcd_err err;
	struct oplog *x = open_log("behind", "x", 0), *y = open_log("behind", "y", 1);
	uint64_t head = 0;

	assert_int_equal(oplog_append(x, 1, "a", 1, &head, &err), 0);
	assert_int_equal(oplog_append(x, 2, "b", 1, &head, &err), 0);
	/* y has seen nothing: entry 1 is taken, and so would 2 be */
	assert_int_equal(oplog_append(y, 1, "c", 1, &head, &err), -EAGAIN);
	assert_int_equal(head, 2);
	/* a hole is refused too */
	assert_int_equal(oplog_append(y, 4, "d", 1, &head, &err), -EAGAIN);
	assert_int_equal(oplog_append(y, 3, "e", 1, &head, &err), 0);
	assert_int_equal(oplog_head(x, &head, &err), 0);
	assert_int_equal(head, 3);
	assert_int_equal(oplog_append(y, 0, "f", 1, &head, &err), -EINVAL);
	oplog_close(x);
	oplog_close(y);
}

struct collected {
	uint64_t next;
	int out_of_order;
};

static int collect(void *arg, uint64_t seq, const void *rec, size_t len)
{
	struct collected *c = arg;

	(void)rec, (void)len;
	if (seq != c->next)
		c->out_of_order++;
	__atomic_store_n(&c->next, seq + 1, __ATOMIC_RELEASE);
	return 0;
}

struct follower_arg {
	struct oplog *log;
	struct collected *c;
	bool stop;
	int rc;
};

static void *collect_main(void *arg)
{
	struct follower_arg *f = arg;
	struct etcd_err err;

	f->rc = oplog_follow(f->log, 1, collect, f->c, &f->stop, &err);
	return NULL;
}

/* Last: it stops a member. */
static void a_follower_goes_on_when_its_member_stops(void **state)
{
	(void)state;
	struct etcd_err err;
	struct oplog *w = open_log("member-down", "writer", 1);
	struct collected c = {.next = 1};
	struct follower_arg f = {.log = open_log("member-down", "reader", 0), .c = &c};
	pthread_t t;
	uint64_t head;

	assert_int_equal(pthread_create(&t, NULL, collect_main, &f), 0);
	for (uint64_t seq = 1; seq <= 200; seq++) {
		if (seq == 100)
			etcd_cluster_stop_member(&cluster, 0); /* the follower's member */
		/* a leader lost with the member may time an append out: its outcome
		 * is then unknown, and the log says (the head is seq: it was made) */
		int rc = -ETIMEDOUT;
		for (int tries = 0; tries < 10 && rc == -ETIMEDOUT; tries++) {
			rc = oplog_append(w, seq, "x", 1, &head, &err);
			if (rc == -EAGAIN && head == seq)
				rc = 0;
		}
		if (rc != 0)
			fail_msg("append %" PRIu64 ": %s", seq, err.message);
	}
	for (int i = 0; i < 100 && __atomic_load_n(&c.next, __ATOMIC_ACQUIRE) <= 200; i++)
		usleep(100000);
	__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(f.rc, 0);
	assert_int_equal(c.next, 201);
	assert_int_equal(c.out_of_order, 0);
	oplog_close(f.log);
	oplog_close(w);
	assert_int_equal(etcd_cluster_start_member(&cluster, 0), 0);
}

static int setup(void **state)
{
	(void)state;
	return etcd_cluster_start(&cluster, 3);
}

static int teardown(void **state)
{
	(void)state;
	etcd_cluster_destroy(&cluster);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_append_from_behind_is_refused_with_the_head),
	    cmocka_unit_test(three_engines_apply_one_order),
	    cmocka_unit_test(a_silent_engine_is_waited_for_until_its_lease_lapses),
	    cmocka_unit_test(a_follower_goes_on_when_its_member_stops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
