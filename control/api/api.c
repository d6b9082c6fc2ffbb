/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c - the dispatcher: authentication, DryRun, and for changes group
 * commit: the batch rehearsed on the shadow model, then journal, apply,
 * commit and answer (see api.h for the order and why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"

struct api *api_create(struct model *m, const struct api_settings *cfg, api_commit_fn commit,
		       void *commit_arg, struct api_err *err)
{
	struct api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	a->m = m;
	a->cfg = *cfg;
	a->commit = commit;
	a->commit_arg = commit_arg;
	a->compact_at = a->compact_min = API_COMPACT_BYTES;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->gc.mu, NULL);
	pthread_cond_init(&a->gc.cv, NULL);
	a->gc.tail = &a->gc.head;
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	api_stop(a);
	journal_close(a->j);
	free(a->base);
	api_world_base_free(a);
	free(a->base_inst);
	model_free(a->shadow);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->gc.mu);
	pthread_cond_destroy(&a->gc.cv);
	free(a);
}

void api_lock(struct api *a)
{
	pthread_mutex_lock(&a->mu);
}

void api_unlock(struct api *a)
{
	pthread_mutex_unlock(&a->mu);
}

void api_model_changed(struct api *a)
{
	a->shadow_stale = true;
}

void api_response_free(struct api_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static void request_id(struct api *a, char out[40])
{
	uint64_t n = ++a->requests;
	unsigned r = (unsigned)random();
	snprintf(out, 40, "%08x-%04x-4%03x-8%03x-%012llx", r, (unsigned)(n >> 48) & 0xffff,
		 (unsigned)(n >> 36) & 0xfff, (unsigned)(r >> 20) & 0xfff,
		 (unsigned long long)(n & 0xffffffffffffull));
}

static void respond_error(struct api *a, int status, const char *code, const char *msg,
			  struct api_response *out)
{
	char rid[40];
	request_id(a, rid);
	struct api_buf b = {0};
	api_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>");
	api_buf_xml_elem(&b, "Code", code);
	api_buf_xml_elem(&b, "Message", msg);
	api_buf_puts(&b, "</Error></Errors>");
	api_buf_xml_elem(&b, "RequestID", rid);
	api_buf_puts(&b, "</Response>\n");
	out->status = status;
	if (b.oom) {
		api_buf_free(&b);
		out->status = 500;
		out->body = NULL;
		out->len = 0;
		return;
	}
	out->body = b.s;
	out->len = b.len;
}

static void respond_ok(struct api *a, const char *action, const struct api_buf *members,
		       struct api_response *out)
{
	char rid[40];
	request_id(a, rid);
	struct api_buf b = {0};
	api_buf_printf(&b,
		       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%sResponse xmlns=\"" API_XMLNS
		       "\"><requestId>%s</requestId>",
		       action, rid);
	if (members->len)
		api_buf_put(&b, members->s, members->len);
	api_buf_printf(&b, "</%sResponse>\n", action);
	if (b.oom) {
		api_buf_free(&b);
		respond_error(a, 500, "InternalError", "Out of memory.", out);
		return;
	}
	out->status = 200;
	out->body = b.s;
	out->len = b.len;
}

int api_reset(struct api_ctx *c);
static int compact_locked(struct api *a);

/* What one run of an action produced: its answer and its journal record. */
struct api_outcome {
	int rc;		       /* 0: the action succeeded */
	int action_rc;	       /* what the action itself returned (0: the model took it) */
	bool oom;	       /* the answer or the record ran out of memory: neither is usable */
	struct api_response r; /* the answer */
	struct api_buf canon;  /* the change it made, as a journal record; empty = none */
};

static void outcome_free(struct api_outcome *o)
{
	api_response_free(&o->r);
	api_buf_free(&o->canon);
}

/* Run fn on the model: the answer into o, the change into o->canon and *delta. */
static void run_action(struct api *a, api_action_fn fn, const char *action,
		       const struct api_query *q, bool trusted, struct delta *delta,
		       struct api_outcome *o)
{
	struct api_buf xml = {0};
	struct api_ctx c = {.a = a,
			    .m = a->m,
			    .q = q,
			    .xml = &xml,
			    .canon = &o->canon,
			    .delta = delta,
			    .trusted = trusted};
	int rc = fn(&c);
	api_tag_specs_done(&c);
	o->action_rc = rc;
	o->oom = o->canon.oom || (rc == 0 && xml.oom);
	if (o->oom)
		rc = api_fail(&c, "InternalError", "Out of memory.");
	if (rc == 0) {
		respond_ok(a, action, &xml, &o->r);
		if (o->r.status != 200) { /* the answer itself ran out of memory: a 500 */
			o->oom = true;
			rc = -1;
		}
	} else {
		respond_error(a, strcmp(c.code, "InternalError") == 0 ? 500 : 400, c.code, c.msg,
			      &o->r);
	}
	o->rc = rc ? -1 : 0;
	api_buf_free(&xml);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- rehearsal: the actions run on the shadow model ---- */

/* One state-changing request waiting for its batch (group commit, below). */
struct api_op {
	api_action_fn fn;
	const char *action;
	const struct api_query *q;
	struct api_outcome o; /* the rehearsal's answer and record */
	struct api_response *out;
	int rc;
	bool done;
	struct api_op *next;
};

/*
 * Run the batch's actions, in order, on the shadow: a slot-for-slot copy of
 * the model (model_clone) that is a step ahead of it, so that each operation
 * sees the ones before it in the batch. Each one's answer and journal record
 * go into op->o; the model itself is untouched. Once the batch is journaled,
 * applying the records brings the model to the shadow's state; a batch that
 * fails on the way leaves the shadow ahead, so it is marked stale and copied
 * again before the next (as are changes made outside the API:
 * api_model_changed). 0 or -errno.
 */
static int rehearse(struct api *a, struct api_op *ops)
{
	if (a->shadow_stale || !a->shadow) {
		model_free(a->shadow);
		a->shadow = model_clone(a->m);
		if (!a->shadow)
			return -ENOMEM;
		a->shadow_stale = false;
	}
	struct model *real = a->m;
	a->m = a->shadow; /* run_action works on a->m */
	for (struct api_op *op = ops; op; op = op->next) {
		struct delta scratch = {0};
		run_action(a, op->fn, op->action, op->q, false, &scratch, &op->o);
		delta_free(&scratch);
		/* out of memory for the answer or the record (which may then be cut short):
		 * the answer is an InternalError, and the shadow may hold a part of the
		 * change: no record, and a fresh shadow next time */
		if (op->o.oom) {
			op->o.canon.len = 0;
			a->shadow_stale = true;
		}
		/* any internal error (out of memory inside the model): copy it again
		 * rather than trust what the shadow was left with */
		if (op->o.r.status == 500)
			a->shadow_stale = true;
		/* a refused operation changed nothing on the shadow (all-or-nothing); one
		 * that failed half-way (a call on several instances) has a record of what
		 * it changed */
	}
	a->m = real;
	return 0;
}

/*
 * Apply the journaled record to the model, as replay does: the same model
 * state as the rehearsal's, so it succeeds and makes the same change, unless
 * memory runs out. When it fails, *taken is the record of what the model took
 * all the same (a call on several instances changes those before the failure),
 * empty when it took nothing, oom when that is unknown.
 */
static int apply_record(struct api *a, api_action_fn fn, const char *action,
			const struct api_buf *canon, struct delta *delta, struct api_buf *taken)
{
	struct api_query rq;
	int rc = api_query_parse(&rq, canon->s, canon->len);
	if (rc)
		return rc;
	struct api_outcome o = {0};
	uint64_t requests = a->requests;
	run_action(a, fn, action, &rq, true, delta, &o);
	a->requests = requests; /* not an answer anyone sees */
	/* the model took the record or not; an answer here that ran out of memory does
	 * not matter (nobody reads it) */
	if (o.action_rc)
		fprintf(stderr, "api: a journaled %s was refused on apply: %.300s\n", action,
			o.r.body ? o.r.body : "");
	rc = o.action_rc ? -EPROTO : 0;
	if (rc) {
		*taken = o.canon;
		o.canon = (struct api_buf){0};
	}
	outcome_free(&o);
	api_query_free(&rq);
	return rc;
}

static void answer_internal_error(struct api *a, const char *what, int err,
				  struct api_response *out)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "The change could not be %s (%s).", what, strerror(-err));
	fprintf(stderr, "api: %s\n", msg);
	api_response_free(out);
	respond_error(a, 500, "InternalError", msg, out);
}

/*
 * The apply failed (out of memory): replace the journaled record, from byte
 * size on, by the record of what the model took (taken: nothing for the
 * model's all-or-nothing operations, the instances changed before the failure
 * for a call on several). If the journal cannot be made to say that, it
 * differs from the model, and every later answer would be about a state a
 * restart does not reproduce: stop, so that the restart replays the journal
 * (the change was never acknowledged, so either state is allowed).
 */
static void rejournal_or_abort(struct api *a, uint64_t size, const struct api_buf *taken)
{
	int rc = taken->oom ? -ENOMEM : journal_truncate(a->j, size);
	if (rc == 0 && taken->len)
		rc = journal_append(a->j, taken->s, taken->len);
	if (rc == 0)
		return;
	fprintf(stderr,
		"api: journal %s cannot be made to hold what the model took of a change "
		"(%s): stopping, so that a restart replays it\n",
		a->cfg.journal, strerror(-rc));
	abort();
}

/* Without a journal nothing can refuse a change once the model took it: run it in place. */
static int change_in_place(struct api *a, api_action_fn fn, const char *action,
			   const struct api_query *q, struct api_response *out)
{
	struct api_outcome o = {0};
	struct delta delta = {0};
	uint64_t sg_before = model_sg_version(a->m); /* group changes carry no delta */
	run_action(a, fn, action, q, false, &delta, &o);
	*out = o.r;
	o.r = (struct api_response){0};
	if (a->commit && (delta.n || model_sg_version(a->m) != sg_before)) {
		int rc = a->commit(a->commit_arg, &delta);
		if (rc) {
			answer_internal_error(a, "published", rc, out);
			o.rc = -1;
		}
	}
	outcome_free(&o);
	delta_free(&delta);
	return o.rc;
}

/* Every answer of ops that made a change becomes the InternalError "could not be <what>". */
static void fail_changes(struct api *a, struct api_op *ops, const char *what, int err)
{
	for (struct api_op *op = ops; op; op = op->next) {
		if (!op->o.canon.len)
			continue;
		answer_internal_error(a, what, err, &op->o.r);
		op->o.rc = -1;
	}
}

/*
 * The batch's journal record: the records of the operations that changed
 * something, one per line (a record is form-encoded text, which never holds a
 * raw newline), so that the whole batch is one journal record, torn or kept
 * whole (journal.h). Up to and without stop.
 */
static void batch_record(const struct api_op *ops, const struct api_op *stop, struct api_buf *rec)
{
	for (const struct api_op *op = ops; op != stop; op = op->next) {
		if (!op->o.canon.len)
			continue;
		if (rec->len)
			api_buf_put(rec, "\n", 1);
		api_buf_put(rec, op->o.canon.s, op->o.canon.len);
	}
}

/*
 * One batch (a->mu held), each step for all its operations at once (api.h:
 * the order): rehearsed on the shadow, journaled as one record with one
 * fdatasync, applied in order, published with one commit, then answered.
 */
static void commit_batch(struct api *a, struct api_op *ops)
{
	struct delta delta = {0};
	uint64_t sg_before = model_sg_version(a->m); /* group changes carry no delta */
	int rc = rehearse(a, ops);
	if (rc) {
		for (struct api_op *op = ops; op; op = op->next) {
			outcome_free(&op->o);
			op->o = (struct api_outcome){0};
			answer_internal_error(a, "prepared", rc, &op->o.r);
			op->o.rc = -1;
		}
		return;
	}
	/* a change that happened (even by a failing multi-instance call) is journaled and
	 * published before the answer */
	struct api_buf rec = {0};
	batch_record(ops, NULL, &rec);
	if (rec.len) {
		uint64_t journaled = journal_size(a->j);
		rc = rec.oom ? -ENOMEM : journal_append(a->j, rec.s, rec.len);
		if (rc) {
			fail_changes(a, ops, "journaled", rc);
			api_buf_free(&rec);
			a->shadow_stale = true; /* it holds the batch the model never will */
			return;
		}
		for (struct api_op *op = ops; op; op = op->next) {
			if (!op->o.canon.len)
				continue;
			struct api_buf taken = {0};
			rc = apply_record(a, op->fn, op->action, &op->o.canon, &delta, &taken);
			if (rc == 0)
				continue;
			/* out of memory: the journal must hold what the model took (the
			 * operations before this one, and what this one took), and the
			 * tables get it too; the operations after it are not applied */
			struct api_buf rewrite = {0};
			batch_record(ops, op, &rewrite);
			if (taken.len) {
				if (rewrite.len)
					api_buf_put(&rewrite, "\n", 1);
				api_buf_put(&rewrite, taken.s, taken.len);
			}
			rewrite.oom |= taken.oom;
			rejournal_or_abort(a, journaled, &rewrite);
			api_buf_free(&rewrite);
			api_buf_free(&taken);
			fail_changes(a, op, "applied", rc);
			a->shadow_stale = true;
			break;
		}
	}
	api_buf_free(&rec);
	if (a->commit && (delta.n || model_sg_version(a->m) != sg_before)) {
		/* after a failure the engine has rebuilt its tables from the model */
		rc = a->commit(a->commit_arg, &delta);
		/* the model has the changes, as has the shadow: it stays */
		if (rc)
			fail_changes(a, ops, "published", rc);
	}
	delta_free(&delta);
	if (journal_size(a->j) > a->compact_at)
		compact_locked(a); /* failure is reported inside; the journal stays valid */
}

/*
 * A state-changing request with a journal: group commit. The request joins
 * the queue; the first waiter that finds no batch running takes everything
 * queued as one batch and commits it (commit_batch), while what arrives
 * meanwhile queues for the next. Called, and returns, with a->mu held; waits
 * without it.
 */
static int dispatch_change(struct api *a, api_action_fn fn, const char *action,
			   const struct api_query *q, struct api_response *out)
{
	if (!a->j)
		return change_in_place(a, fn, action, q, out);
	struct api_op me = {.fn = fn, .action = action, .q = q, .out = out};
	const char *counted_as = a->cur_action; /* other requests set it while this one waits */
	api_unlock(a);
	pthread_mutex_lock(&a->gc.mu);
	*a->gc.tail = &me;
	a->gc.tail = &me.next;
	while (!me.done) {
		if (a->gc.leader) {
			pthread_cond_wait(&a->gc.cv, &a->gc.mu);
			continue;
		}
		struct api_op *batch = a->gc.head;
		a->gc.head = NULL;
		a->gc.tail = &a->gc.head;
		a->gc.leader = true;
		pthread_mutex_unlock(&a->gc.mu);
		api_lock(a);
		commit_batch(a, batch);
		api_unlock(a);
		pthread_mutex_lock(&a->gc.mu);
		for (struct api_op *op = batch, *next; op; op = next) {
			next = op->next; /* op may be gone once done is seen */
			*op->out = op->o.r;
			op->rc = op->o.rc;
			api_buf_free(&op->o.canon);
			op->done = true;
		}
		a->gc.leader = false;
		pthread_cond_broadcast(&a->gc.cv);
	}
	pthread_mutex_unlock(&a->gc.mu);
	api_lock(a);
	a->cur_action = counted_as;
	return me.rc;
}

/*
 * Run one parsed request. trusted: replay (no journal, no commit, internal
 * parameters allowed). Called with a->mu held.
 */
static int dispatch(struct api *a, const struct api_query *q, bool trusted,
		    struct api_response *out)
{
	const char *action = api_query_get(q, "Action");
	if (!action || !*action) {
		respond_error(a, 400, "MissingAction",
			      "The request must contain the parameter Action", out);
		return -1;
	}
	const struct api_action *act = api_action_find(action);
	api_action_fn fn = act ? act->fn : NULL;
	if (act)
		a->cur_action = act->name;
	if (!fn && trusted && strcmp(action, "EnimapReset") == 0)
		fn = api_reset;
	if (!fn) {
		char msg[256];
		snprintf(msg, sizeof(msg), "The action %.*s is not valid for this web service.",
			 api_utf8_prefix(action, 100), action);
		respond_error(a, 400, "InvalidAction", msg, out);
		return -1;
	}
	struct api_buf xml = {0};
	struct api_ctx c = {.a = a, .m = a->m, .q = q, .xml = &xml, .trusted = trusted};
	bool dry;
	int rc = api_bool(&c, "DryRun", false, &dry);
	api_buf_free(&xml);
	if (rc) {
		respond_error(a, 400, c.code, c.msg, out);
		return -1;
	}
	if (dry) {
		respond_error(a, 412, "DryRunOperation",
			      "Request would have succeeded, but DryRun flag is set.", out);
		return -1;
	}
	bool mutating = strncmp(action, "Describe", 8) != 0;
	if (mutating && !trusted)
		return dispatch_change(a, fn, action, q, out);
	/* a read, or a journal record being replayed: run it here, nothing to journal */
	struct api_outcome o = {0};
	struct delta delta = {0};
	run_action(a, fn, action, q, trusted, &delta, &o);
	*out = o.r;
	api_buf_free(&o.canon);
	delta_free(&delta);
	return o.rc;
}

static int parse_and_dispatch(struct api *a, const char *body, size_t len, bool trusted,
			      struct api_response *out)
{
	struct api_query q;
	int rc = api_query_parse(&q, body, len);
	if (rc) {
		respond_error(a, 400, "InvalidParameterValue",
			      rc == -ENOMEM ? "Out of memory."
			      : rc == -EILSEQ
				  ? "A parameter name or value is not valid UTF-8 text "
				    "(or holds a character XML cannot carry)."
				  : "The request body is not a valid form-encoded query "
				    "(bad escape, empty or duplicate parameter name).",
			      out);
		return -1;
	}
	rc = dispatch(a, &q, trusted, out);
	api_query_free(&q);
	return rc;
}

/*
 * A request signed for STS: only GetCallerIdentity, answered with the one
 * account every object belongs to (Ansible's ec2_security_group compares
 * group pairs' UserId with it). Changes nothing, journals nothing.
 */
static int sts_answer(struct api *a, const char *body, size_t len, struct api_response *out)
{
	struct api_query q;
	char rid[40];
	const char *action;

	if (api_query_parse(&q, body, len)) {
		respond_error(a, 400, "InvalidParameterValue",
			      "The request body is not a valid form-encoded query.", out);
		return -1;
	}
	action = api_query_get(&q, "Action");
	if (!action || strcmp(action, "GetCallerIdentity") != 0) {
		respond_error(a, 400, "InvalidAction",
			      "enimap answers one STS action: GetCallerIdentity.", out);
		api_query_free(&q);
		return -1;
	}
	api_query_free(&q);
	request_id(a, rid);
	struct api_buf b = {0};
	api_buf_printf(
	    &b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetCallerIdentityResponse "
	    "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::" API_OWNER_ID ":user/enimap</Arn>"
	    "<UserId>AIDAENIMAP0000000000</UserId><Account>" API_OWNER_ID
	    "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>%s"
	    "</RequestId></ResponseMetadata></GetCallerIdentityResponse>\n",
	    rid);
	if (b.oom) {
		api_buf_free(&b);
		respond_error(a, 500, "InternalError", "Out of memory.", out);
		return -1;
	}
	out->status = 200;
	out->body = b.s;
	out->len = b.len;
	return 0;
}

/* One answered request into the metrics (a->mu held). */
static void count_request(struct api *a, int status, uint64_t t0)
{
	const char *action = a->cur_action ? a->cur_action : "other";
	size_t i;
	for (i = 0; i < a->n_reqs; i++)
		if (a->reqs[i].action == action && a->reqs[i].status == status)
			break;
	if (i == a->n_reqs && a->n_reqs < API_REQUEST_COUNTS_MAX)
		a->reqs[a->n_reqs++] =
		    (struct api_request_count){.action = action, .status = status};
	if (i < a->n_reqs)
		a->reqs[i].n++;
	latency_record(&a->latency, mono_ns() - t0);
}

const struct api_request_count *api_request_counts(const struct api *a, size_t *n)
{
	*n = a->n_reqs;
	return a->reqs;
}

const struct latency_hist *api_request_latency(const struct api *a)
{
	return &a->latency;
}

const struct latency_hist *api_fsync_latency(const struct api *a)
{
	return a->j ? journal_fsync_latency(a->j) : NULL;
}

int api_handle(struct api *a, const struct api_request *req, struct api_response *out)
{
	uint64_t t0 = mono_ns();
	memset(out, 0, sizeof(*out));
	struct api_sigv4_req s = {.method = req->method ? req->method : "POST",
				  .path = req->path ? req->path : "/",
				  .query = req->query ? req->query : "",
				  .headers = req->headers,
				  .n_headers = req->n_headers,
				  .body = req->body,
				  .body_len = req->body_len,
				  .now = req->now ? req->now : time(NULL)};
	char why[256], service[8];
	api_lock(a);
	a->cur_action = NULL;
	int rc;
	if (api_sigv4_verify(&s, a->cfg.credentials, a->cfg.n_credentials, a->cfg.region, service,
			     why)) {
		respond_error(a, 400, "AuthFailure", why, out);
		rc = -1;
	} else if (strcmp(service, "sts") == 0) {
		rc = sts_answer(a, req->body ? req->body : "", req->body_len, out);
	} else {
		rc = parse_and_dispatch(a, req->body ? req->body : "", req->body_len, false, out);
	}
	count_request(a, out->status, t0);
	api_unlock(a);
	return rc;
}

int api_handle_trusted(struct api *a, const char *body, size_t len, struct api_response *out)
{
	memset(out, 0, sizeof(*out));
	api_lock(a);
	int rc = parse_and_dispatch(a, body, len, true, out);
	a->shadow_stale = true; /* the model changed outside a batch */
	api_unlock(a);
	return rc;
}

/* ---- journal ---- */

struct replay_ctx {
	struct api *a;
	struct api_err *err;
	size_t n;
};

static int replay_one(struct replay_ctx *r, const char *payload, size_t len)
{
	struct api_response resp;
	int rc = parse_and_dispatch(r->a, payload, len, true, &resp);
	r->n++;
	if (rc) {
		snprintf(r->err->message, sizeof(r->err->message),
			 "journal %s: record %zu (%.*s) refused: %.200s", r->a->cfg.journal, r->n,
			 (int)(len > 120 ? 120 : len), payload, resp.body ? resp.body : "");
		api_response_free(&resp);
		return -EBADMSG;
	}
	api_response_free(&resp);
	return 0;
}

/* One journal record: one operation, or a batch of them one per line (commit_batch). */
static int replay_record(void *arg, const char *payload, size_t len)
{
	const char *end = payload + len;
	while (payload < end) {
		const char *nl = memchr(payload, '\n', (size_t)(end - payload));
		size_t n = (size_t)((nl ? nl : end) - payload);
		int rc = replay_one(arg, payload, n);
		if (rc)
			return rc;
		payload += n + (nl != NULL);
	}
	return 0;
}

static int remember_base(const struct model_eni_view *v, void *arg)
{
	struct api *a = arg;
	void *p = realloc(a->base, (a->n_base + 1) * sizeof(*a->base));
	if (!p)
		return -ENOMEM;
	a->base = p;
	snprintf(a->base[a->n_base++], MODEL_ID_MAX, "%s", v->id);
	return 0;
}

static int remember_base_instance(const struct model_instance_view *v, void *arg)
{
	struct api *a = arg;
	void *p = realloc(a->base_inst, (a->n_base_inst + 1) * sizeof(*a->base_inst));
	if (!p)
		return -ENOMEM;
	a->base_inst = p;
	snprintf(a->base_inst[a->n_base_inst++], MODEL_ID_MAX, "%s", v->id);
	return 0;
}

int api_replay(struct api *a, struct api_err *err)
{
	if (a->replayed)
		return 0;
	a->replayed = true;
	if (!a->cfg.journal[0])
		return 0;
	struct replay_ctx r = {.a = a, .err = err};
	struct journal_replay_info info;
	api_lock(a);
	if (model_foreach_eni(a->m, remember_base, a) != 0 || api_world_base_remember(a) != 0 ||
	    model_foreach_instance(a->m, remember_base_instance, a) != 0) {
		api_unlock(a);
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	err->message[0] = '\0'; /* replay_record sets it; the journal's own damage does not */
	int rc = journal_replay(a->cfg.journal, replay_record, &r, &info);
	api_unlock(a);
	if (rc) {
		if (rc == -EBADMSG && !err->message[0])
			snprintf(err->message, sizeof(err->message),
				 "journal %s: damaged record at byte offset %llu: refused (see "
				 "docs/journal.md)",
				 a->cfg.journal, (unsigned long long)info.damaged_at);
		else if (rc != -EBADMSG)
			snprintf(err->message, sizeof(err->message), "journal %s: %s",
				 a->cfg.journal, strerror(-rc));
		return rc < 0 ? rc : -EBADMSG;
	}
	a->j = journal_open(a->cfg.journal);
	if (!a->j) {
		rc = -errno;
		snprintf(err->message, sizeof(err->message), "journal %s: %s", a->cfg.journal,
			 strerror(errno));
		return rc;
	}
	return 0;
}

size_t api_journal_size(const struct api *a)
{
	return a->j ? (size_t)journal_size(a->j) : 0;
}

/* Called with a->mu held. */
static int compact_locked(struct api *a)
{
	if (!a->j)
		return 0;
	char **recs;
	size_t *lens, n;
	int rc = api_snapshot(a, &recs, &lens, &n);
	if (rc)
		return rc;
	rc = journal_compact(a->j, (const char *const *)recs, lens, n);
	if (rc)
		fprintf(stderr, "api: journal compaction failed: %s\n", strerror(-rc));
	/* a big state makes a big snapshot: let the journal grow to twice it before the
	 * next compaction, so that compaction costs O(1) per operation amortized */
	uint64_t next = 2 * journal_size(a->j);
	a->compact_at = next > a->compact_min ? next : a->compact_min;
	for (size_t i = 0; i < n; i++)
		free(recs[i]);
	free(recs);
	free(lens);
	return rc;
}

int api_compact(struct api *a)
{
	api_lock(a);
	int rc = compact_locked(a);
	api_unlock(a);
	return rc;
}

void api_set_compact_bytes(struct api *a, size_t bytes)
{
	api_lock(a);
	a->compact_at = a->compact_min = bytes;
	api_unlock(a);
}
