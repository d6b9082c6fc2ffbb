/* SPDX-License-Identifier: BSD-3-Clause */
/* oplog.c - the shared operation log on etcd (oplog.h has the key layout). */
#include "oplog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_MAX 192

struct oplog {
	char prefix[KEY_MAX]; /* "enimap/<cluster>/" */
	char id[72];
	unsigned lease_ttl_s, timeout_ms;
	/* one connection per role: the appender's, the follower's watch and its
	 * publishing of the applied position, the keeper's lease */
	struct etcd *appender, *follower, *publisher, *keeper;
	/* written by the keeper (join, keepalive), read by the follower's
	 * publish: atomic; 0 is none */
	int64_t lease;
};

static int name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int fail(struct etcd_err *err, int rc, const char *msg)
{
	if (err != NULL)
		snprintf(err->message, sizeof(err->message), "oplog: %s", msg);
	return rc;
}

struct oplog *oplog_open(const struct oplog_params *p, struct etcd_err *err)
{
	struct oplog *l;

	if (!name_ok(p->cluster) || !name_ok(p->engine_id) || p->lease_ttl_s < 1) {
		fail(err, -EINVAL,
		     "cluster and engine names are 1-64 of [A-Za-z0-9_-], and the "
		     "lease TTL at least 1 s");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		fail(err, -ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(l->prefix, sizeof(l->prefix), "enimap/%s/", p->cluster);
	snprintf(l->id, sizeof(l->id), "%s", p->engine_id);
	l->lease_ttl_s = p->lease_ttl_s;
	l->timeout_ms = p->timeout_ms;
	if ((l->appender = etcd_open(p->endpoints, p->n_endpoints, p->timeout_ms, err)) == NULL ||
	    (l->follower = etcd_open(p->endpoints, p->n_endpoints, p->timeout_ms, err)) == NULL ||
	    (l->publisher = etcd_open(p->endpoints, p->n_endpoints, p->timeout_ms, err)) == NULL ||
	    (l->keeper = etcd_open(p->endpoints, p->n_endpoints, p->timeout_ms, err)) == NULL) {
		oplog_close(l);
		return NULL;
	}
	return l;
}

void oplog_close(struct oplog *l)
{
	if (l == NULL)
		return;
	etcd_close(l->appender);
	etcd_close(l->follower);
	etcd_close(l->publisher);
	etcd_close(l->keeper);
	free(l);
}

/* prefix + what, into buf (KEY_MAX); its length */
static size_t key_of(const struct oplog *l, char *buf, const char *what)
{
	return (size_t)snprintf(buf, KEY_MAX, "%s%s", l->prefix, what);
}

static size_t log_key(const struct oplog *l, char *buf, uint64_t seq)
{
	return (size_t)snprintf(buf, KEY_MAX, "%slog/%020" PRIu64, l->prefix, seq);
}

/* decimal text of exactly len bytes; 0 and -1 on anything else */
static int parse_u64(const char *s, size_t len, uint64_t *v)
{
	char buf[24], *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	*v = strtoull(buf, &end, 10);
	return 0;
}

int oplog_append(struct oplog *l, uint64_t seq, const void *rec, size_t len, uint64_t *head,
		 struct etcd_err *err)
{
	char hk[KEY_MAX], lk[KEY_MAX], prev[24], now[24];
	size_t hn = key_of(l, hk, "head"), ln = log_key(l, lk, seq);
	struct etcd_kvs fr;
	bool won = false;
	int rc;

	if (seq == 0)
		return fail(err, -EINVAL, "entries are numbered from 1");
	snprintf(prev, sizeof(prev), "%" PRIu64, seq - 1);
	snprintf(now, sizeof(now), "%" PRIu64, seq);
	/* head absent means an empty log: entry 1 asks for that */
	struct etcd_cmp cmp = seq == 1 ? (struct etcd_cmp){.key = hk,
							   .key_len = hn,
							   .target = ETCD_CMP_VERSION,
							   .number = 0}
				       : (struct etcd_cmp){.key = hk,
							   .key_len = hn,
							   .target = ETCD_CMP_VALUE_EQ,
							   .value = prev,
							   .value_len = strlen(prev)};
	struct etcd_put_op puts[2] = {
	    {.key = hk, .key_len = hn, .value = now, .value_len = strlen(now)},
	    {.key = lk, .key_len = ln, .value = rec, .value_len = len},
	};
	rc = etcd_txn(l->appender, &cmp, 1, puts, 2, hk, hn, NULL, 0, &won, &fr, NULL, err);
	if (rc != 0)
		return rc;
	if (head != NULL)
		*head = seq;
	if (won)
		return 0;
	if (head != NULL) {
		*head = 0;
		if (fr.n == 1 && parse_u64(fr.kv[0].value, fr.kv[0].value_len, head) != 0)
			rc = fail(err, -EPROTO, "the head is not a number");
	}
	etcd_kvs_free(&fr);
	return rc != 0 ? rc : -EAGAIN;
}

int oplog_head(struct oplog *l, uint64_t *head, struct etcd_err *err)
{
	char hk[KEY_MAX];
	size_t hn = key_of(l, hk, "head");
	struct etcd_kvs kvs;
	int rc = etcd_range(l->appender, hk, hn, NULL, 0, 0, 0, false, &kvs, err);

	*head = 0;
	if (rc == 0 && kvs.n == 1 && parse_u64(kvs.kv[0].value, kvs.kv[0].value_len, head) != 0)
		rc = fail(err, -EPROTO, "the head is not a number");
	etcd_kvs_free(&kvs);
	return rc;
}

/* ---- the follower ---- */

static int put_applied(struct oplog *l, struct etcd *c, uint64_t applied, struct etcd_err *err);

struct follow {
	struct oplog *l;
	oplog_apply_fn fn;
	void *arg;
	uint64_t next; /* the entry to deliver next */
	bool fn_ended, gap;
	size_t seq_at;	    /* where the seq starts in a log key */
	uint64_t published; /* the position last published */
};

/*
 * After each batch (a watch message, a page of the log) rather than each
 * entry: every publication is a write through Raft, and a batch is applied
 * as a whole anyway. A failure is the lease's (the keeper learns it).
 */
static void publish(struct follow *f)
{
	struct etcd_err err;

	if (f->next - 1 > f->published && __atomic_load_n(&f->l->lease, __ATOMIC_ACQUIRE) != 0 &&
	    put_applied(f->l, f->l->publisher, f->next - 1, &err) == 0)
		f->published = f->next - 1;
}

/* Delivers kv if it is the next entry. Returns nonzero to stop reading. */
static int deliver(struct follow *f, const struct etcd_kv *kv)
{
	uint64_t seq;

	if (kv->key_len <= f->seq_at ||
	    parse_u64(kv->key + f->seq_at, kv->key_len - f->seq_at, &seq) != 0)
		return 0; /* not an entry */
	if (seq < f->next)
		return 0; /* delivered already (a watch resumed) */
	if (seq > f->next) {
		f->gap = true; /* missed some: read them from the log */
		return 1;
	}
	if (f->fn(f->arg, seq, kv->value, kv->value_len) != 0) {
		f->fn_ended = true;
		return 1;
	}
	f->next++;
	return 0;
}

static int on_log_events(void *arg, const struct etcd_event *ev, size_t n, int64_t revision)
{
	struct follow *f = arg;
	int stop = 0;

	(void)revision;
	for (size_t i = 0; i < n && !stop; i++)
		if (ev[i].type == ETCD_EVENT_PUT)
			stop = deliver(f, &ev[i].kv);
	publish(f);
	return stop;
}

/* Every entry from f->next that is in the log now; *rev: the revision read. */
static int catch_up(struct follow *f, int64_t *rev, struct etcd_err *err)
{
	char from[KEY_MAX], end[KEY_MAX], lp[KEY_MAX];
	size_t lpn = key_of(f->l, lp, "log/"), en = etcd_prefix_end(lp, lpn, end);
	struct etcd_kvs kvs;
	int64_t at = 0;

	f->gap = false; /* a watch's gap, if any, is what this read fills */
	for (;;) {
		size_t fn = log_key(f->l, from, f->next);
		int rc = etcd_range(f->l->follower, from, fn, end, en, 256, at, false, &kvs, err);
		bool more;

		if (rc != 0)
			return rc;
		at = kvs.revision; /* every page at one revision */
		*rev = at;
		more = kvs.more;
		for (size_t i = 0; i < kvs.n && !f->fn_ended; i++) {
			if (deliver(f, &kvs.kv[i]) && f->gap) {
				etcd_kvs_free(&kvs);
				return fail(err, -ENODATA,
					    "entries before the first in the log "
					    "were compacted away");
			}
		}
		etcd_kvs_free(&kvs);
		publish(f);
		if (!more || f->fn_ended)
			return 0;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int oplog_follow(struct oplog *l, uint64_t from, oplog_apply_fn fn, void *arg, const bool *stop,
		 struct etcd_err *err)
{
	char lp[KEY_MAX], end[KEY_MAX];
	size_t lpn = key_of(l, lp, "log/"), en = etcd_prefix_end(lp, lpn, end);
	struct follow f = {.l = l, .fn = fn, .arg = arg, .next = from ? from : 1, .seq_at = lpn};

	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		int64_t rev = 0, compacted;
		int rc = catch_up(&f, &rev, err);

		if (rc == -ENODATA)
			return rc;
		if (f.fn_ended)
			return 0;
		if (rc != 0) {
			sleep_ms(100); /* no endpoint answered: try again */
			continue;
		}
		/* then follow from the revision after the one read */
		rc = etcd_watch(l->follower, lp, lpn, end, en, rev + 1, on_log_events, &f, stop,
				&compacted, err);
		if (f.fn_ended)
			return 0;
		if (rc != 0 && rc != -ENODATA)
			sleep_ms(100); /* the stream broke: read again, then watch again */
		/* a gap, a compacted revision or a broken stream: read the log again */
	}
	return 0;
}

/* ---- the keeper ---- */

static int64_t lease_of(const struct oplog *l)
{
	return __atomic_load_n(&l->lease, __ATOMIC_ACQUIRE);
}

static void set_lease(struct oplog *l, int64_t lease)
{
	__atomic_store_n(&l->lease, lease, __ATOMIC_RELEASE);
}

static int put_applied(struct oplog *l, struct etcd *c, uint64_t applied, struct etcd_err *err)
{
	char k[KEY_MAX], v[24];
	int64_t lease = lease_of(l);
	size_t kn;

	if (lease == 0)
		return fail(err, -ENOENT, "not joined (or the lease lapsed)");
	kn = (size_t)snprintf(k, sizeof(k), "%sengines/%s", l->prefix, l->id);
	snprintf(v, sizeof(v), "%" PRIu64, applied);
	return etcd_put(c, k, kn, v, strlen(v), lease, NULL, err);
}

int oplog_join(struct oplog *l, uint64_t applied, struct etcd_err *err)
{
	int64_t lease = 0;
	int rc = etcd_lease_grant(l->keeper, l->lease_ttl_s, &lease, NULL, err);

	set_lease(l, rc == 0 ? lease : 0);
	return rc != 0 ? rc : put_applied(l, l->keeper, applied, err);
}

int oplog_keepalive(struct oplog *l, struct etcd_err *err)
{
	int64_t ttl, lease = lease_of(l);
	int rc;

	if (lease == 0)
		return fail(err, -ENOENT, "not joined (or the lease lapsed)");
	rc = etcd_lease_keepalive(l->keeper, lease, &ttl, err);
	if (rc == -ENOENT)
		set_lease(l, 0);
	return rc;
}

int oplog_publish_applied(struct oplog *l, uint64_t applied, struct etcd_err *err)
{
	/* etcd refuses a put on a lapsed lease ("requested lease not found"):
	 * -ENOENT, and the keeper's next keepalive says so too */
	return put_applied(l, l->publisher, applied, err);
}

int oplog_leave(struct oplog *l, struct etcd_err *err)
{
	int64_t lease = lease_of(l);

	set_lease(l, 0);
	return lease != 0 ? etcd_lease_revoke(l->keeper, lease, err) : 0;
}

/* ---- waiting for every live engine ---- */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int oplog_wait_applied(struct oplog *l, uint64_t seq, unsigned timeout_ms, unsigned *n_engines,
		       unsigned *n_behind, struct etcd_err *err)
{
	char k[KEY_MAX], end[KEY_MAX];
	size_t kn = key_of(l, k, "engines/"), en = etcd_prefix_end(k, kn, end);
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;
	long pause_us = 100;

	for (;;) {
		struct etcd_kvs kvs;
		unsigned n = 0, behind = 0;
		int rc = etcd_range(l->appender, k, kn, end, en, 0, 0, false, &kvs, err);

		if (rc != 0)
			return rc;
		for (size_t i = 0; i < kvs.n; i++) {
			uint64_t applied = 0;

			n++;
			if (parse_u64(kvs.kv[i].value, kvs.kv[i].value_len, &applied) != 0 ||
			    applied < seq)
				behind++;
		}
		etcd_kvs_free(&kvs);
		if (n_engines != NULL)
			*n_engines = n - behind;
		if (n_behind != NULL)
			*n_behind = behind;
		if (behind == 0)
			return 0;
		if (now_us() >= deadline)
			return fail(err, -ETIMEDOUT, "engines have not applied the entry in time");
		struct timespec ts = {.tv_nsec = pause_us * 1000L};
		nanosleep(&ts, NULL);
		if (pause_us < 2000)
			pause_us *= 2;
	}
}
