/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd.c - etcd's v3 API over its JSON gateway, with libcurl and jansson
 * (etcd.h says why the gateway and which of its quirks this file handles).
 */
#include "etcd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

struct etcd {
	char *endpoint[ETCD_MAX_ENDPOINTS];
	size_t n_endpoints, current;
	unsigned timeout_ms;
	CURL *curl; /* one connection, kept alive between calls */
	struct curl_slist *headers;
};

static int fail(struct etcd_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct etcd_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* curl_global_init is not thread-safe before libcurl 7.84; the engine opens
 * its first client before it starts threads, and this makes a second call
 * a no-op. */
static int global_init(void)
{
	static int done;

	if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -1;
		__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

struct etcd *etcd_open(const char *const *endpoints, size_t n, unsigned timeout_ms,
		       struct etcd_err *err)
{
	struct etcd *c;

	if (n == 0 || n > ETCD_MAX_ENDPOINTS || timeout_ms == 0) {
		fail(err, -EINVAL, "etcd: 1 to %d endpoints and a timeout are needed",
		     ETCD_MAX_ENDPOINTS);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (endpoints[i] == NULL || strncmp(endpoints[i], "http://", 7) != 0 ||
		    strlen(endpoints[i]) > 200) {
			fail(err, -EINVAL, "etcd: endpoint '%s' is not http://host:port",
			     endpoints[i] ? endpoints[i] : "");
			return NULL;
		}
	if (global_init() != 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		fail(err, -ENOMEM, "etcd: out of memory");
		return NULL;
	}
	c->timeout_ms = timeout_ms;
	for (size_t i = 0; i < n; i++)
		if ((c->endpoint[c->n_endpoints++] = strdup(endpoints[i])) == NULL)
			goto nomem;
	c->curl = curl_easy_init();
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (c->curl == NULL || c->headers == NULL)
		goto nomem;
	return c;
nomem:
	etcd_close(c);
	fail(err, -ENOMEM, "etcd: out of memory");
	return NULL;
}

void etcd_close(struct etcd *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_endpoints; i++)
		free(c->endpoint[i]);
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c);
}

const char *etcd_endpoint(const struct etcd *c)
{
	return c->endpoint[c->current];
}

/* ---- the gateway's encodings: base64 bytes, integers as strings ---- */

static char *b64(const void *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* Decodes s (a JSON string) into a NUL-terminated buffer; NULL on bad input. */
static char *unb64(const json_t *s, size_t *len)
{
	const char *in = json_string_value(s);
	size_t n = in != NULL ? strlen(in) : 0;
	char *out;
	int got;

	*len = 0;
	if (in == NULL)
		return calloc(1, 1); /* left out: empty */
	if (n % 4 != 0 || (out = malloc(n / 4 * 3 + 1)) == NULL)
		return NULL;
	got = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in, (int)n);
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	for (size_t k = n; k > 0 && in[k - 1] == '='; k--)
		got--;
	out[got] = '\0';
	*len = (size_t)got;
	return out;
}

/* An int64 field: a JSON string of digits, a JSON integer, or absent (0). */
static int64_t int_of(const json_t *obj, const char *field)
{
	const json_t *v = json_object_get(obj, field);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static json_t *json_i64(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

/* obj[field] = base64(p, n); the object owns the new string. */
static int set_b64(json_t *obj, const char *field, const void *p, size_t n)
{
	char *s = b64(p, n);
	int rc = s != NULL ? json_object_set_new(obj, field, json_string(s)) : -1;

	free(s);
	return rc;
}

static int kv_of(const json_t *j, struct etcd_kv *kv)
{
	memset(kv, 0, sizeof(*kv));
	kv->key = unb64(json_object_get(j, "key"), &kv->key_len);
	kv->value = unb64(json_object_get(j, "value"), &kv->value_len);
	kv->create_revision = int_of(j, "create_revision");
	kv->mod_revision = int_of(j, "mod_revision");
	kv->version = int_of(j, "version");
	kv->lease = int_of(j, "lease");
	return kv->key != NULL && kv->value != NULL ? 0 : -1;
}

static void kv_free(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++)
		kv_free(&kvs->kv[i]);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

static int kvs_of(const json_t *resp, struct etcd_kvs *out)
{
	const json_t *arr = json_object_get(resp, "kvs");
	size_t n = json_array_size(arr);

	memset(out, 0, sizeof(*out));
	out->more = json_is_true(json_object_get(resp, "more"));
	out->revision = int_of(json_object_get(resp, "header"), "revision");
	if (n == 0)
		return 0;
	if ((out->kv = calloc(n, sizeof(*out->kv))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		out->n++;
		if (kv_of(json_array_get(arr, i), &out->kv[i]) != 0)
			return -1;
	}
	return 0;
}

size_t etcd_prefix_end(const void *prefix, size_t prefix_len, char *buf)
{
	size_t n = prefix_len;

	memcpy(buf, prefix, prefix_len);
	/* etcd's rule: drop trailing 0xff bytes, increment the last other one;
	 * a prefix of 0xff bytes only (or empty) means "to the end": "\0" */
	while (n > 0 && (unsigned char)buf[n - 1] == 0xff)
		n--;
	if (n == 0) {
		buf[0] = '\0';
		return 1;
	}
	buf[n - 1]++;
	return n;
}

/* ---- one call: POST path with a JSON body, the JSON answer ---- */

struct body {
	char *p;
	size_t n, cap;
};

static size_t body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (p == NULL)
			return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

/* gRPC status codes the gateway puts in "code" */
enum { GRPC_DEADLINE_EXCEEDED = 4, GRPC_NOT_FOUND = 5, GRPC_UNAVAILABLE = 14 };

/* etcd's error answer {"error", "message", "code"} as an errno. */
static int remote_error(const struct etcd *c, const json_t *reply, long status,
			struct etcd_err *err)
{
	const char *msg = json_string_value(json_object_get(reply, "message"));
	int64_t code = int_of(reply, "code");
	int rc = -EREMOTEIO;

	if (code == GRPC_DEADLINE_EXCEEDED || code == GRPC_UNAVAILABLE)
		rc = -ETIMEDOUT; /* no leader, or no quorum to commit */
	else if (code == GRPC_NOT_FOUND)
		rc = -ENOENT;
	return fail(err, rc, "etcd %s: %s (HTTP %ld)", etcd_endpoint(c),
		    msg != NULL ? msg : "error without a message", status);
}

/* Sets up c->curl for POST url with body; the caller performs. */
static void curl_prepare(struct etcd *c, const char *url, const char *body, struct body *out,
			 long timeout_ms)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
}

/*
 * POST body (consumed) to path on the current endpoint, moving on to the
 * next only when one cannot be connected to: a request that reached etcd
 * may have been applied, and a timeout says nothing about that.
 */
static int call(struct etcd *c, const char *path, json_t *body, json_t **reply,
		struct etcd_err *err)
{
	char *text = json_dumps(body, JSON_COMPACT);
	char url[256];
	struct body out = {0};
	CURLcode cc = CURLE_COULDNT_CONNECT;
	long status = 0;
	int rc;

	json_decref(body);
	*reply = NULL;
	if (text == NULL)
		return fail(err, -ENOMEM, "etcd: out of memory");
	for (size_t tried = 0; tried < c->n_endpoints; tried++) {
		snprintf(url, sizeof(url), "%s%s", etcd_endpoint(c), path);
		out.n = 0;
		curl_prepare(c, url, text, &out, (long)c->timeout_ms);
		cc = curl_easy_perform(c->curl);
		if (cc != CURLE_COULDNT_CONNECT)
			break;
		c->current = (c->current + 1) % c->n_endpoints;
	}
	free(text);
	if (cc == CURLE_COULDNT_CONNECT) {
		rc = fail(err, -EHOSTUNREACH, "etcd: none of the %zu endpoints can be reached",
			  c->n_endpoints);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = fail(err, -ETIMEDOUT,
			  "etcd %s: no answer to %s in %u ms (without a quorum etcd cannot "
			  "answer a write or a linearizable read)",
			  etcd_endpoint(c), path, c->timeout_ms);
	} else if (cc != CURLE_OK) {
		rc = fail(err, cc == CURLE_WRITE_ERROR ? -ENOMEM : -EHOSTUNREACH, "etcd %s: %s",
			  etcd_endpoint(c), curl_easy_strerror(cc));
	} else {
		json_error_t je;

		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
		*reply = out.p != NULL ? json_loadb(out.p, out.n, 0, &je) : NULL;
		if (!json_is_object(*reply))
			rc = fail(err, -EPROTO, "etcd %s: HTTP %ld, an answer that is not JSON",
				  etcd_endpoint(c), status);
		else if (status != 200 || json_object_get(*reply, "error") != NULL)
			rc = remote_error(c, *reply, status, err);
		else
			rc = 0;
	}
	free(out.p);
	if (rc != 0) {
		json_decref(*reply);
		*reply = NULL;
	}
	/* not retried (it may have been applied), but the next call tries
	 * another member: this one may be stuck or cut off from the quorum */
	if (rc == -ETIMEDOUT)
		c->current = (c->current + 1) % c->n_endpoints;
	return rc;
}

/* {"key": b64(key), "range_end": b64(range_end)} as every ranged request has */
static json_t *range_body(const void *key, size_t key_len, const void *range_end,
			  size_t range_end_len)
{
	json_t *b = json_object();

	if (b == NULL || set_b64(b, "key", key, key_len) != 0 ||
	    (range_end != NULL && set_b64(b, "range_end", range_end, range_end_len) != 0)) {
		json_decref(b);
		return NULL;
	}
	return b;
}

static int nomem(struct etcd_err *err)
{
	return fail(err, -ENOMEM, "etcd: out of memory");
}

int etcd_put(struct etcd *c, const void *key, size_t key_len, const void *value, size_t value_len,
	     int64_t lease, int64_t *revision, struct etcd_err *err)
{
	json_t *b = range_body(key, key_len, NULL, 0), *r;
	int rc;

	if (b == NULL || set_b64(b, "value", value, value_len) != 0 ||
	    (lease != 0 && json_object_set_new(b, "lease", json_i64(lease)) != 0)) {
		json_decref(b);
		return nomem(err);
	}
	if ((rc = call(c, "/v3/kv/put", b, &r, err)) != 0)
		return rc;
	if (revision != NULL)
		*revision = int_of(json_object_get(r, "header"), "revision");
	json_decref(r);
	return 0;
}

int etcd_range(struct etcd *c, const void *key, size_t key_len, const void *range_end,
	       size_t range_end_len, size_t limit, int64_t at_revision, bool serializable,
	       struct etcd_kvs *out, struct etcd_err *err)
{
	json_t *b = range_body(key, key_len, range_end, range_end_len), *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (b == NULL || (limit && json_object_set_new(b, "limit", json_i64((int64_t)limit))) ||
	    (at_revision && json_object_set_new(b, "revision", json_i64(at_revision))) ||
	    (serializable && json_object_set_new(b, "serializable", json_true()))) {
		json_decref(b);
		return nomem(err);
	}
	if ((rc = call(c, "/v3/kv/range", b, &r, err)) != 0)
		return rc;
	if (kvs_of(r, out) != 0) {
		etcd_kvs_free(out);
		rc =
		    fail(err, -EPROTO, "etcd %s: a range answer with bad base64", etcd_endpoint(c));
	}
	json_decref(r);
	return rc;
}

int etcd_delete(struct etcd *c, const void *key, size_t key_len, const void *range_end,
		size_t range_end_len, int64_t *deleted, int64_t *revision, struct etcd_err *err)
{
	json_t *b = range_body(key, key_len, range_end, range_end_len), *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/kv/deleterange", b, &r, err)) != 0)
		return rc;
	if (deleted != NULL)
		*deleted = int_of(r, "deleted");
	if (revision != NULL)
		*revision = int_of(json_object_get(r, "header"), "revision");
	json_decref(r);
	return 0;
}

static json_t *cmp_json(const struct etcd_cmp *k)
{
	static const char *const target[] = {[ETCD_CMP_VERSION] = "VERSION",
					     [ETCD_CMP_MOD] = "MOD",
					     [ETCD_CMP_CREATE] = "CREATE",
					     [ETCD_CMP_VALUE_EQ] = "VALUE"};
	static const char *const field[] = {[ETCD_CMP_VERSION] = "version",
					    [ETCD_CMP_MOD] = "mod_revision",
					    [ETCD_CMP_CREATE] = "create_revision"};
	json_t *j = range_body(k->key, k->key_len, NULL, 0);
	int bad;

	if (j == NULL)
		return NULL;
	bad = json_object_set_new(j, "target", json_string(target[k->target])) ||
	      json_object_set_new(j, "result", json_string("EQUAL"));
	if (k->target == ETCD_CMP_VALUE_EQ)
		bad |= set_b64(j, "value", k->value, k->value_len);
	else
		bad |= json_object_set_new(j, field[k->target], json_i64(k->number));
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *txn_body(const struct etcd_cmp *cmp, size_t n_cmp, const struct etcd_put_op *puts,
			size_t n_puts, const void *fail_key, size_t fail_key_len,
			const void *fail_range_end, size_t fail_range_end_len)
{
	json_t *b = json_object(), *ca = json_array(), *sa = json_array(), *fa = json_array();
	json_t *x;
	int bad = b == NULL || ca == NULL || sa == NULL || fa == NULL;

	for (size_t i = 0; !bad && i < n_cmp; i++)
		bad = (x = cmp_json(&cmp[i])) == NULL || json_array_append_new(ca, x);
	for (size_t i = 0; !bad && i < n_puts; i++) {
		json_t *p = range_body(puts[i].key, puts[i].key_len, NULL, 0);

		bad = p == NULL || set_b64(p, "value", puts[i].value, puts[i].value_len) ||
		      (puts[i].lease && json_object_set_new(p, "lease", json_i64(puts[i].lease)));
		if (bad)
			json_decref(p);
		else /* the packed object owns p */
			bad = json_array_append_new(sa, json_pack("{s:o}", "request_put", p));
	}
	if (!bad && fail_key != NULL) {
		x = range_body(fail_key, fail_key_len, fail_range_end, fail_range_end_len);
		bad =
		    x == NULL || json_array_append_new(fa, json_pack("{s:o}", "request_range", x));
	}
	if (!bad && json_object_set_new(b, "compare", ca) == 0 &&
	    json_object_set_new(b, "success", sa) == 0 &&
	    json_object_set_new(b, "failure", fa) == 0)
		return b;
	json_decref(b);
	json_decref(ca);
	json_decref(sa);
	json_decref(fa);
	return NULL;
}

int etcd_txn(struct etcd *c, const struct etcd_cmp *cmp, size_t n_cmp,
	     const struct etcd_put_op *puts, size_t n_puts, const void *fail_key,
	     size_t fail_key_len, const void *fail_range_end, size_t fail_range_end_len,
	     bool *succeeded, struct etcd_kvs *fail_read, int64_t *revision, struct etcd_err *err)
{
	json_t *b = txn_body(cmp, n_cmp, puts, n_puts, fail_key, fail_key_len, fail_range_end,
			     fail_range_end_len);
	json_t *r, *rr;
	int rc;

	if (fail_read != NULL)
		memset(fail_read, 0, sizeof(*fail_read));
	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/kv/txn", b, &r, err)) != 0)
		return rc;
	*succeeded = json_is_true(json_object_get(r, "succeeded")); /* absent: false */
	if (revision != NULL)
		*revision = int_of(json_object_get(r, "header"), "revision");
	rr = json_object_get(json_array_get(json_object_get(r, "responses"), 0), "response_range");
	if (!*succeeded && fail_read != NULL && fail_key != NULL) {
		if (rr == NULL || kvs_of(rr, fail_read) != 0) {
			etcd_kvs_free(fail_read);
			rc = fail(err, -EPROTO, "etcd %s: a failed txn without its range",
				  etcd_endpoint(c));
		}
	}
	json_decref(r);
	return rc;
}

int etcd_compact(struct etcd *c, int64_t revision, bool physical, struct etcd_err *err)
{
	json_t *b = json_pack("{s:o,s:b}", "revision", json_i64(revision), "physical", physical);
	json_t *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/kv/compaction", b, &r, err)) == 0)
		json_decref(r);
	return rc;
}

/* ---- leases ---- */

int etcd_lease_grant(struct etcd *c, int64_t ttl_s, int64_t *id, int64_t *granted_ttl_s,
		     struct etcd_err *err)
{
	json_t *b = json_pack("{s:o}", "TTL", json_i64(ttl_s)), *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/lease/grant", b, &r, err)) != 0)
		return rc;
	*id = int_of(r, "ID");
	if (granted_ttl_s != NULL)
		*granted_ttl_s = int_of(r, "TTL");
	json_decref(r);
	return *id != 0 ? 0
			: fail(err, -EPROTO, "etcd %s: a lease without an ID", etcd_endpoint(c));
}

int etcd_lease_keepalive(struct etcd *c, int64_t id, int64_t *ttl_s, struct etcd_err *err)
{
	/* a stream RPC: the gateway answers one {"result": ...} per request
	 * object and ends the answer with the body */
	json_t *b = json_pack("{s:o}", "ID", json_i64(id)), *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/lease/keepalive", b, &r, err)) != 0)
		return rc;
	*ttl_s = int_of(json_object_get(r, "result"), "TTL");
	json_decref(r);
	if (*ttl_s <= 0) {
		*ttl_s = 0;
		return fail(err, -ENOENT, "etcd %s: lease %" PRId64 " has expired",
			    etcd_endpoint(c), id);
	}
	return 0;
}

int etcd_lease_ttl(struct etcd *c, int64_t id, int64_t *ttl_s, struct etcd_err *err)
{
	json_t *b = json_pack("{s:o}", "ID", json_i64(id)), *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/lease/timetolive", b, &r, err)) != 0)
		return rc;
	*ttl_s = int_of(r, "TTL");
	json_decref(r);
	return 0;
}

int etcd_lease_revoke(struct etcd *c, int64_t id, struct etcd_err *err)
{
	json_t *b = json_pack("{s:o}", "ID", json_i64(id)), *r;
	int rc;

	if (b == NULL)
		return nomem(err);
	if ((rc = call(c, "/v3/lease/revoke", b, &r, err)) == 0)
		json_decref(r);
	return rc;
}

/* ---- status ---- */

int etcd_status(struct etcd *c, struct etcd_status *st, struct etcd_err *err)
{
	json_t *r, *h;
	int rc;

	if ((rc = call(c, "/v3/maintenance/status", json_object(), &r, err)) != 0)
		return rc;
	h = json_object_get(r, "header");
	st->member_id =
	    (uint64_t)strtoull(json_string_value(json_object_get(h, "member_id")) ?: "0", NULL, 10);
	st->leader =
	    (uint64_t)strtoull(json_string_value(json_object_get(r, "leader")) ?: "0", NULL, 10);
	st->revision = int_of(h, "revision");
	st->raft_term = int_of(h, "raft_term");
	json_decref(r);
	return 0;
}

/* ---- watch: one long answer, one JSON object per message ---- */

struct watch {
	struct etcd *c;
	etcd_watch_fn fn;
	void *arg;
	const bool *stop;
	struct body buf;
	int rc;	    /* set when a message ends the watch */
	bool ended; /* fn or a cancel ended it: not a transfer error */
	int64_t compact_revision;
	struct etcd_err *err;
};

/* One message. Returns nonzero to end the watch. */
static int watch_message(struct watch *w, const json_t *msg)
{
	const json_t *res = json_object_get(msg, "result");
	const json_t *evs = json_object_get(res, "events");
	size_t n = json_array_size(evs);
	struct etcd_event *ev = NULL;
	int stop = 0;

	if (res == NULL) {
		const json_t *e = json_object_get(msg, "error");
		const char *m = json_string_value(json_object_get(e, "message"));

		w->rc = fail(w->err, -EREMOTEIO, "etcd %s: watch: %s", etcd_endpoint(w->c),
			     m != NULL ? m : "an error without a message");
		return 1;
	}
	if (json_is_true(json_object_get(res, "canceled"))) {
		w->compact_revision = int_of(res, "compact_revision");
		if (w->compact_revision != 0)
			w->rc = fail(w->err, -ENODATA,
				     "etcd %s: watch: revisions before %" PRId64 " are compacted",
				     etcd_endpoint(w->c), w->compact_revision);
		else
			w->rc = fail(w->err, -EREMOTEIO, "etcd %s: watch canceled: %s",
				     etcd_endpoint(w->c),
				     json_string_value(json_object_get(res, "cancel_reason"))
					 ?: "no reason given");
		return 1;
	}
	if (n > 0 && (ev = calloc(n, sizeof(*ev))) == NULL) {
		w->rc = nomem(w->err);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(evs, i);
		const char *type = json_string_value(json_object_get(e, "type"));

		ev[i].type = type != NULL && strcmp(type, "DELETE") == 0 ? ETCD_EVENT_DELETE
									 : ETCD_EVENT_PUT;
		if (kv_of(json_object_get(e, "kv"), &ev[i].kv) != 0) {
			w->rc = fail(w->err, -EPROTO, "etcd %s: watch: an event with bad base64",
				     etcd_endpoint(w->c));
			n = i + 1;
			stop = 1;
			break;
		}
	}
	if (!stop && w->fn(w->arg, ev, n, int_of(json_object_get(res, "header"), "revision"))) {
		w->ended = true;
		stop = 1;
	}
	for (size_t i = 0; i < n; i++)
		kv_free(&ev[i].kv);
	free(ev);
	return stop;
}

static size_t watch_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct watch *w = arg;
	size_t n = size * nmemb, used = 0;

	if (body_write(data, size, nmemb, &w->buf) != n)
		return 0;
	/* every whole JSON value in the buffer; keep a partial one's bytes */
	while (used < w->buf.n) {
		json_error_t je;
		json_t *msg;
		int end;

		while (used < w->buf.n &&
		       (w->buf.p[used] == '\n' || w->buf.p[used] == '\r' || w->buf.p[used] == ' '))
			used++;
		if (used == w->buf.n)
			break;
		msg = json_loadb(w->buf.p + used, w->buf.n - used, JSON_DISABLE_EOF_CHECK, &je);
		if (msg == NULL) {
			if (json_error_code(&je) == json_error_premature_end_of_input)
				break; /* the rest comes in the next write */
			w->rc = fail(w->err, -EPROTO, "etcd %s: watch: %s", etcd_endpoint(w->c),
				     je.text);
			return 0;
		}
		used += (size_t)je.position;
		end = watch_message(w, msg);
		json_decref(msg);
		if (end)
			return 0; /* ends the transfer */
	}
	memmove(w->buf.p, w->buf.p + used, w->buf.n - used);
	w->buf.n -= used;
	return n;
}

static int watch_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct watch *w = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return w->stop != NULL && __atomic_load_n(w->stop, __ATOMIC_ACQUIRE);
}

int etcd_watch(struct etcd *c, const void *key, size_t key_len, const void *range_end,
	       size_t range_end_len, int64_t start_revision, etcd_watch_fn fn, void *arg,
	       const bool *stop, int64_t *compact_revision, struct etcd_err *err)
{
	json_t *create = range_body(key, key_len, range_end, range_end_len);
	struct watch w = {.c = c, .fn = fn, .arg = arg, .stop = stop, .err = err};
	char url[256], *text;
	CURLcode cc = CURLE_COULDNT_CONNECT;
	json_t *req;

	if (create == NULL || (start_revision && json_object_set_new(create, "start_revision",
								     json_i64(start_revision)))) {
		json_decref(create);
		return nomem(err);
	}
	req = json_pack("{s:o}", "create_request", create); /* owns create */
	text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL)
		return nomem(err);
	for (size_t tried = 0; tried < c->n_endpoints && cc == CURLE_COULDNT_CONNECT; tried++) {
		snprintf(url, sizeof(url), "%s/v3/watch", etcd_endpoint(c));
		curl_prepare(c, url, text, NULL, 0); /* no overall timeout */
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, watch_write);
		curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &w);
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, watch_progress);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &w);
		cc = curl_easy_perform(c->curl);
		if (cc == CURLE_COULDNT_CONNECT)
			c->current = (c->current + 1) % c->n_endpoints;
	}
	free(text);
	free(w.buf.p);
	if (compact_revision != NULL)
		*compact_revision = w.compact_revision;
	if (w.ended || cc == CURLE_ABORTED_BY_CALLBACK)
		return 0;
	if (w.rc != 0)
		return w.rc;
	if (cc == CURLE_COULDNT_CONNECT)
		return fail(err, -EHOSTUNREACH, "etcd: none of the %zu endpoints can be reached",
			    c->n_endpoints);
	return fail(err, -EHOSTUNREACH, "etcd %s: watch ended: %s", etcd_endpoint(c),
		    cc == CURLE_OK ? "the stream closed" : curl_easy_strerror(cc));
}
