/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd.h - a client of etcd's v3 API through its JSON gateway (SPEC section 8):
 * what the engines of a cluster share their operation log, leases and applied
 * revisions through.
 *
 * Why the JSON gateway (HTTP/1.1 + JSON, libcurl + jansson) and not gRPC:
 * Debian packages no C client for etcd's gRPC API (only the generic gRPC C++
 * runtime, which would need etcd's .proto files compiled into the tree), while
 * the gateway is part of every etcd 3.4 server (Debian's etcd-server), maps
 * every v3 RPC we need (KV Range/Put/DeleteRange/Txn/Compact, Lease
 * Grant/KeepAlive/Revoke/TimeToLive, Watch) one to one, and keeps the
 * connection alive between calls. Its quirks, handled here: keys and values
 * are base64 in JSON, 64-bit integers are JSON strings, fields with their
 * default value (false, 0, empty) are left out, and a watch is one long HTTP
 * response carrying one JSON object per line.
 *
 * Threads: a struct etcd is one connection and is used by one thread at a
 * time; a thread that needs its own (a watcher, a lease keeper) opens its own.
 *
 * Endpoints: a call goes to the endpoint that answered last; when that one
 * cannot be reached (connection refused, timed out) the call moves on to the
 * next, once round the list. An answer from etcd, even an error, is not
 * retried elsewhere: it came from the cluster. Nor is a call that timed out
 * (it may have been applied), but the next call starts at the next endpoint:
 * a member that is stuck, or cut off from the quorum, is left behind.
 *
 * Errors: every call returns 0 or a negative errno and fills a struct
 * etcd_err with a message that names the endpoint: -EHOSTUNREACH when no
 * endpoint could be reached, -ETIMEDOUT when etcd did not answer in time (a
 * cluster without a quorum cannot commit a write: the leader is gone or
 * unelectable), -EREMOTEIO when etcd answered with an error (its message),
 * -EPROTO for an answer that is not what the API says, -ENOMEM.
 */
#ifndef ENIMAP_ETCD_H
#define ENIMAP_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETCD_MAX_ENDPOINTS 16

struct etcd;

struct etcd_err {
	char message[256];
};

/* One key-value as etcd stores it. key and value are NUL-terminated for
 * convenience, and may hold NULs themselves (use the lengths). */
struct etcd_kv {
	char *key, *value;
	size_t key_len, value_len;
	int64_t create_revision, mod_revision, version, lease;
};

struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	bool more;	  /* a limit cut the range */
	int64_t revision; /* the store's revision the range was read at */
};

/*
 * endpoints: "http://host:port" (the client URLs of the members), n of them
 * (1..ETCD_MAX_ENDPOINTS); timeout_ms bounds every call but a watch (connect
 * and answer).
 */
struct etcd *etcd_open(const char *const *endpoints, size_t n, unsigned timeout_ms,
		       struct etcd_err *err);
void etcd_close(struct etcd *c);
/* The endpoint the next call goes to first. */
const char *etcd_endpoint(const struct etcd *c);

/* Put key = value (lease 0: none). *revision: the store's revision after it. */
int etcd_put(struct etcd *c, const void *key, size_t key_len, const void *value, size_t value_len,
	     int64_t lease, int64_t *revision, struct etcd_err *err);

/*
 * The keys in [key, range_end) (range_end NULL: key alone; "" with length 0:
 * every key >= key), sorted by key, at most limit of them (0: no limit), read
 * at revision at_revision (0: the newest). serializable: read the member's
 * own copy without asking the leader (answers while the cluster has no
 * quorum; may be behind). out is freed with etcd_kvs_free.
 */
int etcd_range(struct etcd *c, const void *key, size_t key_len, const void *range_end,
	       size_t range_end_len, size_t limit, int64_t at_revision, bool serializable,
	       struct etcd_kvs *out, struct etcd_err *err);
void etcd_kvs_free(struct etcd_kvs *kvs);
/* range_end for every key that starts with prefix (etcd's rule: the prefix
 * with its last byte incremented); buf has room for prefix_len bytes. */
size_t etcd_prefix_end(const void *prefix, size_t prefix_len, char *buf);

/* Delete [key, range_end) (as etcd_range); *deleted: how many. */
int etcd_delete(struct etcd *c, const void *key, size_t key_len, const void *range_end,
		size_t range_end_len, int64_t *deleted, int64_t *revision, struct etcd_err *err);

/* ---- transactions: if every compare holds, the puts, all in one revision ---- */

enum etcd_cmp_target {
	ETCD_CMP_VERSION,  /* the key's version (0: the key does not exist) */
	ETCD_CMP_MOD,	   /* the revision of the key's last change (0: absent) */
	ETCD_CMP_CREATE,   /* the revision the key was created at (0: absent) */
	ETCD_CMP_VALUE_EQ, /* the key's value equals value */
};

struct etcd_cmp {
	const void *key;
	size_t key_len;
	enum etcd_cmp_target target;
	int64_t number; /* VERSION, MOD, CREATE: must be EQUAL to it */
	const void *value;
	size_t value_len; /* VALUE_EQ */
};

struct etcd_put_op {
	const void *key, *value;
	size_t key_len, value_len;
	int64_t lease;
};

/*
 * *succeeded: the compares held and the puts were made (one revision,
 * *revision). When they did not hold, nothing was written and, if fail_read
 * is not NULL, it holds the keys [fail_key, fail_range_end) as they were at
 * that moment (as etcd_range; read in the same transaction, so they are what
 * made the compare fail).
 */
int etcd_txn(struct etcd *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_put_op *puts, size_t n_puts, const void *fail_key,
	     size_t fail_key_len, const void *fail_range_end, size_t fail_range_end_len,
	     bool *succeeded, struct etcd_kvs *fail_read, int64_t *revision, struct etcd_err *err);

/* Compact the store's history up to revision (older revisions can no longer
 * be read or watched); physical: return once the space is reclaimed. */
int etcd_compact(struct etcd *c, int64_t revision, bool physical, struct etcd_err *err);

/* ---- leases ---- */

/* A lease of ttl_s seconds; *id its ID, *granted_ttl_s what etcd gave. */
int etcd_lease_grant(struct etcd *c, int64_t ttl_s, int64_t *id, int64_t *granted_ttl_s,
		     struct etcd_err *err);
/* Renews the lease; *ttl_s its new TTL, 0 when it had already expired (then
 * the keys attached to it are gone, and the return is -ENOENT). */
int etcd_lease_keepalive(struct etcd *c, int64_t id, int64_t *ttl_s, struct etcd_err *err);
/* The seconds left (-1: expired or unknown). */
int etcd_lease_ttl(struct etcd *c, int64_t id, int64_t *ttl_s, struct etcd_err *err);
int etcd_lease_revoke(struct etcd *c, int64_t id, struct etcd_err *err);

/* ---- watch ---- */

enum etcd_event_type { ETCD_EVENT_PUT, ETCD_EVENT_DELETE };

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv; /* a DELETE has the key and mod_revision only */
};

/*
 * Called for each message of a watch: its events in revision order (n may be
 * 0: the watch was created, or a progress notification), and the store's
 * revision. A nonzero return ends the watch (etcd_watch returns 0).
 */
typedef int (*etcd_watch_fn)(void *arg, const struct etcd_event *ev, size_t n, int64_t revision);

/*
 * Watches [key, range_end) from start_revision (0: from now) and calls fn
 * until fn returns nonzero, *stop becomes true (checked at least once a
 * second), or the stream ends. Blocks. Returns 0 when fn or *stop ended it;
 * -ENODATA when start_revision was compacted away (*compact_revision: the
 * oldest revision still there; the caller must start from a snapshot);
 * otherwise an error as every call (the stream broke: the caller re-watches
 * from the revision after the last one it saw).
 */
int etcd_watch(struct etcd *c, const void *key, size_t key_len, const void *range_end,
	       size_t range_end_len, int64_t start_revision, etcd_watch_fn fn, void *arg,
	       const bool *stop, int64_t *compact_revision, struct etcd_err *err);

/* ---- status ---- */

/* The member's view: its ID, the leader's (0: none), the store's revision. */
struct etcd_status {
	uint64_t member_id, leader;
	int64_t revision, raft_term;
};
int etcd_status(struct etcd *c, struct etcd_status *st, struct etcd_err *err);

#endif
