/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.c - the dispatcher: authentication, DryRun, the action, then journal,
 * commit and answer (see api.h for the order and why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	api_stop(a);
	journal_close(a->j);
	free(a->base);
	pthread_mutex_destroy(&a->mu);
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
	if (!fn && trusted && strcmp(action, "EnimapReset") == 0)
		fn = api_reset;
	if (!fn) {
		char msg[256];
		snprintf(msg, sizeof(msg), "The action %.*s is not valid for this web service.",
			 api_utf8_prefix(action, 100), action);
		respond_error(a, 400, "InvalidAction", msg, out);
		return -1;
	}
	struct api_buf xml = {0}, canon = {0};
	struct delta delta = {0};
	struct api_ctx c = {.a = a,
			    .m = a->m,
			    .q = q,
			    .xml = &xml,
			    .canon = &canon,
			    .delta = &delta,
			    .trusted = trusted};
	bool dry;
	int rc = api_bool(&c, "DryRun", false, &dry);
	if (rc == 0 && dry) {
		respond_error(a, 412, "DryRunOperation",
			      "Request would have succeeded, but DryRun flag is set.", out);
		rc = -1;
		goto done;
	}
	bool mutating = strncmp(action, "Describe", 8) != 0;
	if (rc == 0 && mutating && a->broken && !trusted) {
		respond_error(
		    a, 503, "Unavailable",
		    "The journal could not be written; changes are refused until restart.", out);
		rc = -1;
		goto done;
	}
	if (rc == 0)
		rc = fn(&c);
	/* A change that happened (even by a failing multi-instance call) is journaled and
	 * published before the answer. */
	if (!trusted && canon.len && !canon.oom) {
		if (a->j) {
			int jr = journal_append(a->j, canon.s, canon.len);
			if (jr) {
				a->broken = true;
				fprintf(stderr, "api: journal append failed: %s\n", strerror(-jr));
				rc = api_fail(&c, "InternalError",
					      "The change could not be journaled (%s).",
					      strerror(-jr));
			}
		}
		if (a->commit && delta.n) {
			int cr = a->commit(a->commit_arg, &delta);
			if (cr) {
				fprintf(stderr, "api: commit failed: %s\n", strerror(-cr));
				rc = api_fail(&c, "InternalError",
					      "The change could not be published (%s).",
					      strerror(-cr));
			}
		}
	} else if (canon.oom) {
		rc = api_fail(&c, "InternalError", "Out of memory.");
	}
	if (rc == 0 && xml.oom)
		rc = api_fail(&c, "InternalError", "Out of memory.");
	if (rc == 0)
		respond_ok(a, action, &xml, out);
	else
		respond_error(a, strcmp(c.code, "InternalError") == 0 ? 500 : 400, c.code, c.msg,
			      out);
	if (rc == 0 && !trusted && a->j && journal_size(a->j) > a->compact_at)
		compact_locked(a); /* failure is reported inside; the journal stays valid */
done:
	api_buf_free(&xml);
	api_buf_free(&canon);
	delta_free(&delta);
	return rc ? -1 : 0;
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

int api_handle(struct api *a, const struct api_request *req, struct api_response *out)
{
	memset(out, 0, sizeof(*out));
	struct api_sigv4_req s = {.method = req->method ? req->method : "POST",
				  .path = req->path ? req->path : "/",
				  .query = req->query ? req->query : "",
				  .headers = req->headers,
				  .n_headers = req->n_headers,
				  .body = req->body,
				  .body_len = req->body_len,
				  .now = req->now ? req->now : time(NULL)};
	char why[256];
	api_lock(a);
	int rc;
	if (api_sigv4_verify(&s, a->cfg.credentials, a->cfg.n_credentials, a->cfg.region, why)) {
		respond_error(a, 400, "AuthFailure", why, out);
		rc = -1;
	} else {
		rc = parse_and_dispatch(a, req->body ? req->body : "", req->body_len, false, out);
	}
	api_unlock(a);
	return rc;
}

int api_handle_trusted(struct api *a, const char *body, size_t len, struct api_response *out)
{
	memset(out, 0, sizeof(*out));
	api_lock(a);
	int rc = parse_and_dispatch(a, body, len, true, out);
	api_unlock(a);
	return rc;
}

/* ---- journal ---- */

struct replay_ctx {
	struct api *a;
	struct api_err *err;
	size_t n;
};

static int replay_record(void *arg, const char *payload, size_t len)
{
	struct replay_ctx *r = arg;
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
	if (model_foreach_eni(a->m, remember_base, a) != 0) {
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
