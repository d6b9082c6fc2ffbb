/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_impl.h - internals shared by the API's modules (not a public header):
 * the api object, the per-request context the actions work on, and the
 * helpers that read parameters and report errors the EC2 way.
 */
#ifndef ENIMAP_API_IMPL_H
#define ENIMAP_API_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "api_buf.h"
#include "api_query.h"
#include "journal.h"

#define API_XMLNS "http://ec2.amazonaws.com/doc/2016-11-15/"
#define API_OWNER_ID "000000000000" /* the one account every object belongs to */
#define API_MAX_LIST 4096	    /* most items accepted in one flattened list */

struct MHD_Daemon;
struct api_http;

struct api {
	struct model *m;
	struct api_settings cfg; /* a copy of api_create's */
	api_commit_fn commit;
	void *commit_arg;
	pthread_mutex_t mu; /* serializes everything that touches the model or journal */
	struct journal *j;
	uint64_t compact_at;  /* journal size that triggers the next compaction */
	uint64_t compact_min; /* ... never below this */
	bool replayed;
	/* the ENIs the configuration created (before replay): a snapshot deletes
	 * those that are gone, rather than recreating every ENI */
	char (*base)[MODEL_ID_MAX];
	size_t n_base;
	/* the instances the configuration created: a snapshot launches the others
	 * and terminates those of these that are terminated or gone */
	char (*base_inst)[MODEL_ID_MAX];
	size_t n_base_inst;
	struct MHD_Daemon *d;
	struct api_http *http; /* api_http.c's deadlines while serving */
	unsigned port;
	uint64_t requests;
};

/* One request being executed. */
struct api_ctx {
	struct api *a;
	struct model *m;
	const struct api_query *q;
	struct api_buf *xml;   /* the response's members (inside <XResponse>) */
	struct api_buf *canon; /* the journal record of an accepted change; empty = none */
	struct delta *delta;
	bool trusted; /* journal replay: internal parameters (explicit ids) allowed */
	char code[64];
	char msg[1024];
};

typedef int (*api_action_fn)(struct api_ctx *c);

struct api_action {
	const char *name;
	api_action_fn fn;
};
/* The action of that name, or NULL. */
const struct api_action *api_action_find(const char *name);

/* ---- helpers (api_params.c) ---- */

/* Set the error; returns -1 so that actions can `return api_fail(...)`. */
int api_fail(struct api_ctx *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int api_fail_model(struct api_ctx *c, const struct model_err *e);
/* A required parameter, or NULL after MissingParameter. */
const char *api_req(struct api_ctx *c, const char *name);
/* An optional parameter (NULL when absent); internal ones only when trusted. */
const char *api_opt(struct api_ctx *c, const char *name);
const char *api_internal(struct api_ctx *c, const char *name);
/* Boolean "true"/"false" (def when absent). 0 or -1 (InvalidParameterValue). */
int api_bool(struct api_ctx *c, const char *name, bool def, bool *out);
/* Decimal in [0, max]; *present false when absent. 0 or -1. */
int api_uint(struct api_ctx *c, const char *name, unsigned max, unsigned *out, bool *present);
/*
 * The values of prefix.N (suffix NULL) or prefix.N.suffix, in N order, into a
 * malloc'd array (free() it; NULL when empty). 0 or -1.
 */
int api_list(struct api_ctx *c, const char *prefix, const char *suffix, const char ***out,
	     size_t *n);

/* ---- Describe filters (api_params.c) ---- */

struct api_filter {
	const char *name;
	const char **values;
	size_t n;
};
struct api_filters {
	struct api_filter *f;
	size_t n;
};
/*
 * Parse Filter.N.Name / Filter.N.Value.M; a name not in `allowed` (NULL
 * terminated) is InvalidParameterValue. 0 or -1. api_filters_free() after.
 */
int api_filters_parse(struct api_ctx *c, const char *const *allowed, struct api_filters *out);
void api_filters_free(struct api_filters *f);

/*
 * The values one object has for each filter name: collect with
 * api_facts_add(), then api_facts_match() tells whether every filter matches
 * (a filter matches when one of its values, with * and ? wildcards, equals one
 * of the object's values for that name).
 */
struct api_facts {
	struct {
		const char *name;
		char *value; /* a malloc'd copy, the whole value */
	} * v;
	size_t n, cap;
	bool oom;
};
void api_facts_add(struct api_facts *f, const char *name, const char *value);
bool api_facts_match(const struct api_facts *f, const struct api_filters *flt);
void api_facts_reset(struct api_facts *f);
void api_facts_free(struct api_facts *f);

/*
 * A new EC2-style id: prefix + 17 random hex digits (68 bits from
 * getrandom). The API names new objects itself, rather than letting the
 * model count, so that an id is never handed out twice, not even after a
 * restart (replay passes ids explicitly and does not advance the model's
 * counter).
 */
void api_new_id(const char *prefix, char out[MODEL_ID_MAX]);

/* Address text of a network-order IPv4 / an IPv6. */
void api_ip4_str(uint32_t ip, char out[16]);
void api_ip6_str(const struct in6_addr *ip, char out[46]);

/*
 * The common frame of a Describe (api_describe.c): the id list (each id must
 * exist: `exists` returns non-zero when it does, else not_found_code), the
 * filters, and the iteration. Per object: api_facts_reset(&d->facts), add
 * its facts, then emit it only when api_describe_wants(d, id). Tag filters
 * (tag:KEY, tag-key, tag-value) and pages (MaxResults, NextToken) are handled
 * here for every Describe, by the resource id.
 */
struct api_describe {
	struct api_ctx *c;
	const char **ids;
	size_t n_ids;
	struct api_filters filters;
	struct api_facts facts;
};
int api_describe_open(struct api_describe *d, struct api_ctx *c, const char *id_param,
		      const char *const *allowed, int (*exists)(struct api_ctx *, const char *),
		      const char *not_found_code, const char *what);
bool api_describe_wants(struct api_describe *d, const char *id);
int api_describe_close(struct api_describe *d);

/* ---- tags (api_tags.c) ---- */

/* The <tagSet> of a resource (an empty <tagSet/> when it has none). */
void api_xml_tags(struct api_ctx *c, const char *resource_id);
/*
 * Apply the request's TagSpecification.N whose ResourceType is resource_type
 * to a resource the action has just created. 0, or -1 with the error set.
 */
int api_tag_specs_apply(struct api_ctx *c, const char *resource_type, const char *resource_id);

/* ---- XML of objects (api_describe.c) ---- */
void api_xml_eni(struct api_ctx *c, const struct model_eni_view *v);
/* The <groupSet> of an ENI's security group ids (api_instances.c). */
void api_xml_groups(struct api_ctx *c, const struct model_eni_view *v);
/* An instance's members (instanceId ... networkInterfaceSet); image_id NULL = a placeholder. */
void api_xml_instance(struct api_ctx *c, const struct model_instance_view *v, const char *image_id);

/* ---- instances (api_instances.c) ---- */
const char *api_instance_state_name(enum model_instance_state s);
int api_instance_state_code(enum model_instance_state s); /* EC2's: 16, 80, 48 */
/* false once a terminated instance is older than the retention (Describe forgets it) */
bool api_instance_visible(struct api_ctx *c, const struct model_instance_view *v);
int api_run_instances(struct api_ctx *c);
int api_terminate_instances(struct api_ctx *c);

/* ---- actions of the table defined elsewhere: Describe* (api_describe.c), EnimapReset ---- */
int api_describe_addresses(struct api_ctx *c);
int api_describe_vpcs(struct api_ctx *c);
int api_describe_subnets(struct api_ctx *c);
int api_describe_instance_types(struct api_ctx *c);
int api_describe_enis(struct api_ctx *c);
int api_describe_instances(struct api_ctx *c);
int api_reset(struct api_ctx *c);

/* The canonical CreateNetworkInterface of an existing ENI (api_actions.c; snapshots use it). */
void api_canon_create_eni(struct api_buf *b, const struct model_eni_view *v);

/* ---- snapshot for journal compaction (api_snapshot.c) ---- */
/*
 * The records that rebuild the current state on top of the configuration:
 * an internal EnimapReset, the deletion of configured ENIs that are gone,
 * then one canonical request per object.
 * Records are malloc'd strings; free each and the arrays. 0 or -ENOMEM.
 */
int api_snapshot(struct api *a, char ***records, size_t **lens, size_t *n);

#endif
