/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api.h - the EC2 Query API (SPEC.md section 4) over HTTP, its SigV4
 * authentication, and the journal that makes accepted operations durable.
 *
 * One dispatcher serves HTTP requests, journal replay and tests
 * (api_handle). Every state-changing request is, in this order (SPEC.md
 * section 6):
 *   1. validated and prepared: the action runs on the shadow, a slot-for-slot
 *      copy of the model (model_clone) kept a step ahead of it (a rehearsal),
 *      which hands back its answer and its canonical record (the request with
 *      every generated id and address made explicit, so that replay
 *      reproduces it). The model is untouched, so a refusal, or a failure of
 *      any later step before 3, changes nothing anywhere (the shadow, then
 *      ahead, is copied from the model again);
 *   2. appended to the journal and fsync'd. If the journal refuses it (disk
 *      full, I/O error), the answer is a 500 InternalError "could not be
 *      journaled" and nothing changed; the next request tries the journal
 *      again, so writes are accepted again as soon as it can take them;
 *   3. applied to the model from that record, exactly as replay applies it
 *      (the model is in the rehearsal's state, so this cannot be refused),
 *   4. handed to the commit callback with its delta (the engine applies and
 *      publishes it, returns once every worker has passed a quiescent point,
 *      and rebuilds its tables from the model if a table fails after the
 *      publish),
 * and only then answered, with the rehearsal's answer.
 * Group commit (SPEC.md section 5): the changes that arrive while a batch is
 * being committed wait together and form the next batch, whose steps 1-4
 * each run once for all of them: rehearsed in order on the shadow (each
 * sees the ones before it), journaled as one record (one operation per line)
 * with one fdatasync, applied in order, published with one commit, then all
 * answered. A batch is one record, so a crash keeps all of it or none
 * (journal.h); none of it was answered before its fdatasync.
 * Why a rehearsal: the model is all-or-nothing for a refused operation
 * (validate, reserve, then mutate) but has no undo for an accepted one, and
 * the journal record exists only once the operation has picked its
 * addresses. Until 2026-12 it ran in a forked child: about 2 ms for the fork
 * and as much for the child's exit here (page tables of the engine's 1,100
 * mappings), which capped the API at about 170 changes/s. The shadow costs a
 * second copy of the model's memory instead (made at the first change, not
 * at start-up). Reads (Describe*) run in place, unjournaled; so do changes
 * when there is no journal (cfg->journal ""), which nothing can refuse once
 * the model has taken them.
 *
 * Threads: the HTTP server runs its own polling thread; every call that reads
 * or changes the model holds one mutex (the model is not thread-safe), so the
 * owner must not touch the model while the API is started, except through
 * api_lock()/api_unlock().
 *
 * Settings: struct api_settings (api_settings.h), which the caller fills: the
 * program from the YAML configuration (control/config embeds one), tests
 * directly. The API does not know the configuration file.
 *
 * Start-up order: config_load() the model; api_create(); api_replay() (restores
 * the journaled changes; no commit callbacks are made, so build the tables
 * from model_full_delta() afterwards); api_start().
 */
#ifndef ENIMAP_API_H
#define ENIMAP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "api_settings.h"
#include "api_sigv4.h"
#include "delta.h"
#include "latency.h"
#include "model.h"

struct api;

struct api_err {
	char message[512];
};

/* Apply and publish a delta; 0, or -errno (the request then answers InternalError). */
typedef int (*api_commit_fn)(void *arg, const struct delta *d);

#define API_MAX_BODY (1u << 20)	     /* bigger requests get HTTP 413 */
#define API_MAX_CONNECTIONS 64	     /* concurrent HTTP connections */
#define API_CONNECTION_TIMEOUT 10    /* seconds of idleness before a connection is closed */
#define API_COMPACT_BYTES (4u << 20) /* journal size that triggers compaction */

/*
 * A new API over model m (which must outlive it). cfg is copied. commit may be
 * NULL (nothing to publish to). NULL with err->message on failure.
 */
struct api *api_create(struct model *m, const struct api_settings *cfg, api_commit_fn commit,
		       void *commit_arg, struct api_err *err);

/*
 * Replay the journal (cfg->journal; nothing to do when "") into the model,
 * then open it for appending. A torn last record is dropped with a warning.
 * 0, or -errno with err->message (a damaged journal or a record the model
 * refuses: do not start then).
 */
int api_replay(struct api *a, struct api_err *err);

/* Serve HTTP on cfg->listen ("ip:port"; port 0 = any, see api_port). 0 or -errno. */
int api_start(struct api *a, struct api_err *err);
/* The TCP port being served (after api_start). */
unsigned api_port(const struct api *a);
/* Stop serving; waits for requests in flight. Idempotent. */
void api_stop(struct api *a);
void api_free(struct api *a);

/* Hold the model mutex (to read the model while the server runs). */
void api_lock(struct api *a);
void api_unlock(struct api *a);
/*
 * Whoever changes the model outside the API (the control socket), with
 * api_lock held, says so: the API's rehearsals start from a copy of the
 * model, which is then copied again.
 */
void api_model_changed(struct api *a);

/* One request, as the HTTP glue received it. */
struct api_request {
	const char *method; /* "POST" */
	const char *path;   /* "/" */
	const char *query;  /* raw query string, "" when none */
	const struct api_header *headers;
	size_t n_headers;
	const char *body; /* form-encoded */
	size_t body_len;
	time_t now; /* for the signature's freshness; 0 = time(NULL) */
};

struct api_response {
	int status; /* 200, 400, 412 (DryRun), 500, 503 */
	char *body; /* XML, malloc'd */
	size_t len;
};
void api_response_free(struct api_response *r);

/*
 * Authenticate and execute one request; *out is always filled (an XML answer
 * or error). Returns 0 when the action succeeded, -1 when it was refused.
 */
int api_handle(struct api *a, const struct api_request *req, struct api_response *out);

/*
 * Execute a request body WITHOUT authentication and without journaling or
 * committing: what replay does with a journal record. Tests use it to drive
 * the dispatcher directly. Same return as api_handle.
 */
int api_handle_trusted(struct api *a, const char *body, size_t len, struct api_response *out);

/*
 * For the metrics, with api_lock() held: the requests api_handle answered,
 * counted by action (its name; "other" when the request named no valid
 * action or failed authentication before it was read) and HTTP status, in
 * first-seen order; their latency (from the call to the answer, the wait for
 * the lock included); the journal's fdatasync latency (NULL without a
 * journal). Requests refused by the HTTP glue before api_handle (413, wrong
 * method or path) are not counted.
 */
#define API_REQUEST_COUNTS_MAX 512 /* more (action, status) pairs than EC2 actions x statuses */
struct api_request_count {
	const char *action;
	int status;
	uint64_t n;
};
const struct api_request_count *api_request_counts(const struct api *a, size_t *n);
const struct latency_hist *api_request_latency(const struct api *a);
const struct latency_hist *api_fsync_latency(const struct api *a);

/* Bytes in the journal now (0 without one): for tests of compaction. */
size_t api_journal_size(const struct api *a);
/* Compact the journal now (normally automatic past API_COMPACT_BYTES). 0 or -errno. */
/* The journal size that triggers the first automatic compaction (tests: small). */
void api_set_compact_bytes(struct api *a, size_t bytes);
int api_compact(struct api *a);

#endif
