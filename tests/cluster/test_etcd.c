/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd client (control/cluster/etcd.h) against a real 3-member etcd
 * cluster started by this test: keys and values with any bytes, ranges and
 * their revisions, the compare-and-put an operation log is appended with
 * (one winner, even with three appenders on three members at once), watches
 * in revision order and their end on compaction, leases that lapse, and the
 * faults: a member stuck (the next call goes to another), a member down
 * (calls go on through another), two down (writes
 * refused with a clear error, serializable reads go on), back (writes again).
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "etcd.h"
#include "etcd_cluster.h"

#define TIMEOUT_MS 2000

static struct etcd_cluster cluster;

static struct etcd *client(int first)
{
	const char *eps[ETCD_CLUSTER_MAX];
	struct etcd_err err;
	struct etcd *c;
	etcd_cluster_endpoints_from(&cluster, first, eps); /* member `first` first */
	c = etcd_open(eps, (size_t)cluster.n, TIMEOUT_MS, &err);
	if (c == NULL)
		fail_msg("etcd_open: %s", err.message);
	return c;
}

static int64_t put_s(struct etcd *c, const char *k, const char *v)
{
	struct etcd_err err;
	int64_t rev = 0;
	int rc = etcd_put(c, k, strlen(k), v, strlen(v), 0, &rev, &err);

	if (rc != 0)
		fail_msg("put %s: %s", k, err.message);
	return rev;
}

static void bytes_and_ranges(void **state)
{
	(void)state;
	struct etcd *c = client(0);
	struct etcd_err err;
	struct etcd_kvs kvs;
	const char key[] = {'b', 'i', 'n', 0, 1, (char)0xff}, val[] = {0, 'x', 0, (char)0x80};
	char end[16];
	int64_t r1, r2, deleted = 0;

	assert_int_equal(etcd_put(c, key, sizeof(key), val, sizeof(val), 0, &r1, &err), 0);
	assert_int_equal(etcd_range(c, key, sizeof(key), NULL, 0, 0, 0, false, &kvs, &err), 0);
	assert_int_equal(kvs.n, 1);
	assert_int_equal(kvs.kv[0].key_len, sizeof(key));
	assert_memory_equal(kvs.kv[0].key, key, sizeof(key));
	assert_int_equal(kvs.kv[0].value_len, sizeof(val));
	assert_memory_equal(kvs.kv[0].value, val, sizeof(val));
	assert_int_equal(kvs.kv[0].mod_revision, r1);
	assert_int_equal(kvs.kv[0].version, 1);
	etcd_kvs_free(&kvs);

	/* five keys under a prefix; a limit of 2 says there is more */
	for (int i = 0; i < 5; i++) {
		char k[16], v[16];

		snprintf(k, sizeof(k), "rng/%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		r2 = put_s(c, k, v);
	}
	assert_true(r2 > r1);
	size_t elen = etcd_prefix_end("rng/", 4, end);
	assert_memory_equal(end, "rng0", 4);
	assert_int_equal(etcd_range(c, "rng/", 4, end, elen, 2, 0, false, &kvs, &err), 0);
	assert_int_equal(kvs.n, 2);
	assert_true(kvs.more);
	assert_string_equal(kvs.kv[0].key, "rng/0");
	assert_string_equal(kvs.kv[1].value, "v1");
	assert_int_equal(kvs.revision, r2);
	etcd_kvs_free(&kvs);

	/* an old revision reads the old value */
	int64_t r3 = put_s(c, "rng/0", "changed");
	assert_int_equal(etcd_range(c, "rng/0", 5, NULL, 0, 0, r2, false, &kvs, &err), 0);
	assert_string_equal(kvs.kv[0].value, "v0");
	etcd_kvs_free(&kvs);
	assert_int_equal(etcd_range(c, "rng/0", 5, NULL, 0, 0, r3, false, &kvs, &err), 0);
	assert_string_equal(kvs.kv[0].value, "changed");
	etcd_kvs_free(&kvs);

	assert_int_equal(etcd_delete(c, "rng/", 4, end, elen, &deleted, NULL, &err), 0);
	assert_int_equal(deleted, 5);
	assert_int_equal(etcd_range(c, "rng/", 4, end, elen, 0, 0, false, &kvs, &err), 0);
	assert_int_equal(kvs.n, 0);
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

/* Appends value at log/<seq> if nobody has: the operation log's append. */
static int append_at(struct etcd *c, const char *log, int64_t seq, const char *value, bool *won,
		     char *winner, size_t winner_len)
{
	char key[64];
	struct etcd_err err;
	struct etcd_kvs fr;
	int rc;

	snprintf(key, sizeof(key), "%s/%020" PRId64, log, seq);
	struct etcd_cmp cmp = {.key = key, .key_len = strlen(key), .target = ETCD_CMP_VERSION};
	struct etcd_put_op put = {
	    .key = key, .key_len = strlen(key), .value = value, .value_len = strlen(value)};
	rc = etcd_txn(c, &cmp, 1, &put, 1, key, strlen(key), NULL, 0, won, &fr, NULL, &err);
	if (rc != 0)
		fail_msg("txn: %s", err.message);
	if (!*won && winner != NULL) {
		assert_int_equal(fr.n, 1);
		snprintf(winner, winner_len, "%s", fr.kv[0].value);
	}
	etcd_kvs_free(&fr);
	return rc;
}

static void compare_and_put_has_one_winner(void **state)
{
	(void)state;
	struct etcd *a = client(0), *b = client(1);
	bool won_a, won_b;
	char seen[64];

	append_at(a, "cas", 1, "from-a", &won_a, NULL, 0);
	append_at(b, "cas", 1, "from-b", &won_b, seen, sizeof(seen));
	assert_true(won_a);
	assert_false(won_b);
	assert_string_equal(seen, "from-a"); /* the loser learns what won */
	etcd_close(a);
	etcd_close(b);
}

#define APPENDERS 3
#define APPENDS 100

struct appender {
	int id;
	int conflicts;
};

/* Appends APPENDS entries, each at the first free sequence number. */
static void *appender_main(void *arg)
{
	struct appender *ap = arg;
	struct etcd *c = client(ap->id);
	int64_t seq = 1;

	for (int i = 0; i < APPENDS; i++) {
		char v[32];
		bool won = false;

		snprintf(v, sizeof(v), "%d:%d", ap->id, i);
		while (!won) {
			append_at(c, "oplog", seq, v, &won, NULL, 0);
			if (!won)
				ap->conflicts++;
			seq++;
		}
	}
	etcd_close(c);
	return NULL;
}

static void three_appenders_make_one_order(void **state)
{
	(void)state;
	pthread_t t[APPENDERS];
	struct appender ap[APPENDERS];
	struct etcd *c;
	struct etcd_kvs kvs;
	struct etcd_err err;
	char end[8];
	int seen[APPENDERS][APPENDS] = {{0}}, conflicts = 0;
	size_t elen = etcd_prefix_end("oplog/", 6, end);

	for (int i = 0; i < APPENDERS; i++) {
		ap[i] = (struct appender){.id = i};
		assert_int_equal(pthread_create(&t[i], NULL, appender_main, &ap[i]), 0);
	}
	for (int i = 0; i < APPENDERS; i++) {
		pthread_join(t[i], NULL);
		conflicts += ap[i].conflicts;
	}
	c = client(2);
	assert_int_equal(etcd_range(c, "oplog/", 6, end, elen, 0, 0, false, &kvs, &err), 0);
	/* every entry once, at sequence numbers 1..N with no hole */
	assert_int_equal(kvs.n, APPENDERS * APPENDS);
	for (size_t i = 0; i < kvs.n; i++) {
		char want[32];
		int id, k;

		snprintf(want, sizeof(want), "oplog/%020zu", i + 1);
		assert_string_equal(kvs.kv[i].key, want);
		assert_int_equal(sscanf(kvs.kv[i].value, "%d:%d", &id, &k), 2);
		assert_in_range(id, 0, APPENDERS - 1);
		assert_in_range(k, 0, APPENDS - 1);
		assert_int_equal(seen[id][k]++, 0);
	}
	/* each appender's entries in its own order */
	for (int id = 0; id < APPENDERS; id++) {
		int last = -1;

		for (size_t i = 0; i < kvs.n; i++) {
			int who, k;

			sscanf(kvs.kv[i].value, "%d:%d", &who, &k);
			if (who == id) {
				assert_int_equal(k, last + 1);
				last = k;
			}
		}
	}
	print_message("3 appenders, %d entries, %d lost races\n", APPENDERS * APPENDS, conflicts);
	etcd_kvs_free(&kvs);
	etcd_close(c);
}

#define WATCHED 200

struct watcher {
	int64_t from;
	bool stop;
	int n_put, n_del;
	int64_t last_rev;
	bool in_order;
	char values[WATCHED][16];
	int rc;
	int64_t compact_rev;
};

static int on_events(void *arg, const struct etcd_event *ev, size_t n, int64_t revision)
{
	struct watcher *w = arg;

	(void)revision;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kv.mod_revision <= w->last_rev)
			w->in_order = false;
		w->last_rev = ev[i].kv.mod_revision;
		if (ev[i].type == ETCD_EVENT_DELETE) {
			__atomic_store_n(&w->n_del, w->n_del + 1, __ATOMIC_RELAXED);
		} else if (w->n_put < WATCHED) {
			snprintf(w->values[w->n_put], sizeof(w->values[0]), "%s", ev[i].kv.value);
			w->n_put++;
		}
	}
	return 0; /* only *stop ends it */
}

static void *watcher_main(void *arg)
{
	struct watcher *w = arg;
	struct etcd *c = client(1);
	struct etcd_err err;
	char end[8];
	size_t elen = etcd_prefix_end("w/", 2, end);

	w->rc = etcd_watch(c, "w/", 2, end, elen, w->from, on_events, w, &w->stop, &w->compact_rev,
			   &err);
	if (w->rc != 0)
		print_message("watch: %s\n", err.message);
	etcd_close(c);
	return NULL;
}

static void watch_sees_every_change_in_order(void **state)
{
	(void)state;
	struct etcd *c = client(0);
	struct watcher *w = calloc(1, sizeof(*w));
	pthread_t t;
	struct etcd_err err;
	int64_t first = 0;

	assert_non_null(w);
	/* half the changes before the watch starts: it replays them from `from` */
	for (int i = 0; i < WATCHED; i++) {
		char k[16], v[16];

		snprintf(k, sizeof(k), "w/%d", i % 7);
		snprintf(v, sizeof(v), "%d", i);
		int64_t r = put_s(c, k, v);
		if (i == 0)
			first = r;
		if (i == WATCHED / 2) {
			w->from = first;
			w->in_order = true;
			assert_int_equal(pthread_create(&t, NULL, watcher_main, w), 0);
		}
	}
	assert_int_equal(etcd_delete(c, "w/3", 3, NULL, 0, NULL, NULL, &err), 0);
	for (int tries = 0; tries < 100 && __atomic_load_n(&w->n_del, __ATOMIC_RELAXED) == 0;
	     tries++)
		usleep(50000);
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(w->rc, 0); /* ended by stop */
	assert_true(w->in_order);
	assert_int_equal(w->n_put, WATCHED);
	assert_int_equal(w->n_del, 1);
	for (int i = 0; i < WATCHED; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		assert_string_equal(w->values[i], v);
	}
	free(w);
	etcd_close(c);
}

static void watch_from_a_compacted_revision_says_so(void **state)
{
	(void)state;
	struct etcd *c = client(0);
	struct watcher w = {.from = 1, .in_order = true};
	struct etcd_err err;
	int64_t now = put_s(c, "w/compact", "x");

	assert_int_equal(etcd_compact(c, now, true, &err), 0);
	watcher_main(&w);
	assert_int_equal(w.rc, -ENODATA);
	assert_int_equal(w.compact_rev, now);
	assert_int_equal(w.n_put, 0);
	etcd_close(c);
}

static int64_t key_count(struct etcd *c, const char *k)
{
	struct etcd_kvs kvs;
	struct etcd_err err;
	size_t n;

	if (etcd_range(c, k, strlen(k), NULL, 0, 0, 0, false, &kvs, &err) != 0)
		fail_msg("range: %s", err.message);
	n = kvs.n;
	etcd_kvs_free(&kvs);
	return (int64_t)n;
}

static void leases_keep_keys_and_lapse(void **state)
{
	(void)state;
	struct etcd *c = client(2);
	struct etcd_err err;
	int64_t id, ttl, granted, id2;

	assert_int_equal(etcd_lease_grant(c, 2, &id, &granted, &err), 0);
	assert_int_equal(granted, 2);
	assert_int_equal(etcd_put(c, "lease/a", 7, "1", 1, id, NULL, &err), 0);
	/* kept alive past its TTL, the key stays */
	for (int i = 0; i < 6; i++) {
		usleep(500000);
		assert_int_equal(etcd_lease_keepalive(c, id, &ttl, &err), 0);
		assert_int_equal(ttl, 2);
	}
	assert_int_equal(key_count(c, "lease/a"), 1);
	assert_int_equal(etcd_lease_ttl(c, id, &ttl, &err), 0);
	assert_in_range(ttl, 1, 2);
	assert_int_equal(etcd_lease_revoke(c, id, &err), 0);
	assert_int_equal(key_count(c, "lease/a"), 0);

	/* left alone, a lease lapses and its key goes (a few seconds at most) */
	assert_int_equal(etcd_lease_grant(c, 1, &id2, NULL, &err), 0);
	assert_int_equal(etcd_put(c, "lease/b", 7, "1", 1, id2, NULL, &err), 0);
	assert_int_equal(key_count(c, "lease/b"), 1);
	for (int tries = 0; tries < 100 && key_count(c, "lease/b") == 1; tries++)
		usleep(100000);
	assert_int_equal(key_count(c, "lease/b"), 0);
	assert_int_equal(etcd_lease_keepalive(c, id2, &ttl, &err), -ENOENT);
	assert_int_equal(ttl, 0);
	etcd_close(c);
}

static void bad_endpoints_are_refused_clearly(void **state)
{
	(void)state;
	struct etcd_err err;
	const char *bad[] = {"127.0.0.1:2379"},
		   *closed[] = {"http://127.0.0.1:1", "http://127.0.0.1:2"};
	struct etcd *c;

	assert_null(etcd_open(bad, 1, TIMEOUT_MS, &err));
	assert_non_null(strstr(err.message, "not http://host:port"));
	assert_null(etcd_open(closed, 0, TIMEOUT_MS, &err));
	c = etcd_open(closed, 2, TIMEOUT_MS, &err);
	assert_non_null(c);
	assert_int_equal(etcd_put(c, "k", 1, "v", 1, 0, NULL, &err), -EHOSTUNREACH);
	assert_non_null(strstr(err.message, "none of the 2 endpoints"));
	etcd_close(c);
}

/* A member that holds its connections and answers nothing (SIGSTOP): the
 * call that went to it times out, and is not retried elsewhere (it may have
 * been applied); the next one goes to another member. */
static void a_stuck_member_is_left_behind(void **state)
{
	(void)state;
	struct etcd *c = client(0);
	struct etcd_err err;
	int64_t rev;

	put_s(c, "stuck/k", "before"); /* connected to member 0 */
	etcd_cluster_pause_member(&cluster, 0);
	assert_int_equal(etcd_put(c, "stuck/k", 7, "lost?", 5, 0, &rev, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.message, "no answer"));
	assert_int_equal(etcd_put(c, "stuck/k", 7, "after", 5, 0, &rev, &err), 0);
	assert_string_not_equal(etcd_endpoint(c), cluster.urls[0]);
	etcd_cluster_resume_member(&cluster, 0);
	assert_int_equal(etcd_cluster_wait_leader(&cluster), 0);
	etcd_close(c);
}

/* Last: it stops members. */
static void members_down_and_back(void **state)
{
	(void)state;
	struct etcd *c = client(0);
	struct etcd_err err;
	struct etcd_kvs kvs;
	int64_t rev;
	int rc = -1;

	put_s(c, "fault/k", "before");
	/* one member down: the call moves on to another endpoint */
	etcd_cluster_stop_member(&cluster, 0);
	put_s(c, "fault/k", "one-down");
	assert_string_not_equal(etcd_endpoint(c), cluster.urls[0]);

	/* two down: no quorum; a write is refused with a clear error... */
	etcd_cluster_stop_member(&cluster, 1);
	struct etcd *last = client(2);
	rc = etcd_put(last, "fault/k", 7, "no-quorum", 9, 0, &rev, &err);
	assert_int_equal(rc, -ETIMEDOUT);
	print_message("write without quorum: %s\n", err.message);
	/* ...and the survivor's own copy still reads */
	assert_int_equal(etcd_range(last, "fault/k", 7, NULL, 0, 0, 0, true, &kvs, &err), 0);
	assert_int_equal(kvs.n, 1);
	assert_string_equal(kvs.kv[0].value, "one-down");
	etcd_kvs_free(&kvs);

	/* back: writes go on */
	assert_int_equal(etcd_cluster_start_member(&cluster, 0), 0);
	assert_int_equal(etcd_cluster_start_member(&cluster, 1), 0);
	assert_int_equal(etcd_cluster_wait_leader(&cluster), 0);
	for (int tries = 0; tries < 50; tries++) {
		rc = etcd_put(last, "fault/k", 7, "after", 5, 0, &rev, &err);
		if (rc == 0)
			break;
		usleep(200000);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(etcd_range(c, "fault/k", 7, NULL, 0, 0, 0, false, &kvs, &err), 0);
	assert_string_equal(kvs.kv[0].value, "after");
	etcd_kvs_free(&kvs);
	etcd_close(last);
	etcd_close(c);
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
	    cmocka_unit_test(bytes_and_ranges),
	    cmocka_unit_test(compare_and_put_has_one_winner),
	    cmocka_unit_test(three_appenders_make_one_order),
	    cmocka_unit_test(watch_sees_every_change_in_order),
	    cmocka_unit_test(watch_from_a_compacted_revision_says_so),
	    cmocka_unit_test(leases_keep_keys_and_lapse),
	    cmocka_unit_test(bad_endpoints_are_refused_clearly),
	    cmocka_unit_test(a_stuck_member_is_left_behind),
	    cmocka_unit_test(members_down_and_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
