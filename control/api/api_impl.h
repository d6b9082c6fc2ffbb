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
#define API_OWNER_ID MODEL_ACCOUNT_ID /* model.h */
#define API_MAX_LIST 4096	      /* most items accepted in one flattened list */

struct MHD_Daemon;
struct api_http;
struct api_op;

struct api {
	struct model *m;
	struct api_settings cfg; /* a copy of api_create's */
	api_commit_fn commit;
	void *commit_arg;
	pthread_mutex_t mu; /* serializes everything that touches the model or journal */
	/* group commit (api.c dispatch_change): the changes waiting for the next batch */
	struct {
		pthread_mutex_t mu; /* the queue and leader; taken without a->mu held */
		pthread_cond_t cv;  /* a batch is done */
		struct api_op *head, **tail;
		bool leader; /* a batch is being committed */
	} gc;
	struct journal *j;
	/* the model as the next batch's rehearsal starts from (api.c rehearse): NULL
	 * until the first change; stale = copy it again from m first */
	struct model *shadow;
	bool shadow_stale;
	uint64_t compact_at;  /* journal size that triggers the next compaction */
	uint64_t compact_min; /* ... never below this */
	bool replayed;
	/* the ENIs the configuration created (before replay): a snapshot deletes
	 * those that are gone, rather than recreating every ENI */
	char (*base)[MODEL_ID_MAX];
	size_t n_base;
	struct api_world_base *world_base; /* the same for VPCs, subnets, route tables */
	/* the instances the configuration created: a snapshot launches the others
	 * and terminates those of these that are terminated or gone */
	char (*base_inst)[MODEL_ID_MAX];
	size_t n_base_inst;
	struct MHD_Daemon *d;
	struct api_http *http; /* api_http.c's deadlines while serving */
	unsigned port;
	uint64_t requests;
	/* what api_handle answered, for the metrics (api_request_counts): under mu */
	const char *cur_action; /* the request's action (static name), set by dispatch */
	struct api_request_count reqs[API_REQUEST_COUNTS_MAX];
	size_t n_reqs;
	struct latency_hist latency;
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
	/* TagSpecification tags made ready before the resources exist (api_tags.c) */
	struct api_tag_prep {
		const char *type;
		struct model_tags_prep *p;
	} tag_preps[8];
	size_t n_tag_preps;
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

struct model_instance_view;
/* An instance's metadata options as element elem (DescribeInstances' metadataOptions, ...). */
void api_xml_metadata_options(struct api_buf *x, const struct model_instance_view *v,
			      const char *elem);

/* ---- helpers (api_params.c) ---- */

/* Start the journal record of an accepted change: Action=action (what was there is dropped). */
void api_canon_start(struct api_ctx *c, const char *action);
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
/*
 * The same, and with tags true the tag filters every Describe of a taggable
 * resource takes (tag:KEY, tag-key, tag-value) are accepted too, into *tags.
 */
int api_filters_parse_tags(struct api_ctx *c, const char *const *allowed, bool tags,
			   struct api_filters *out, struct api_filters *tag_out);
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

/* ---- Describe pages (api_page.c) ---- */

/* Where a page ended: the last object returned (model_cursor) and its kind. */
struct api_page_pos {
	int kind; /* enum model_kind, or -1: none (resume by skipping to the id) */
	uint64_t order, sub;
	char id[MODEL_ID_MAX];
};
#define API_PAGE_TOKEN_MAX (2 * (24 + MODEL_ID_MAX + 8) + 1)
/* A hash of the request's parameters but NextToken and MaxResults. */
uint64_t api_page_request_hash(const struct api_query *q);
void api_page_token_make(const struct api_page_pos *pos, uint64_t req,
			 char out[API_PAGE_TOKEN_MAX]);
/* 0 and *pos, or -1: not a token this process made for this request. */
int api_page_token_read(const char *token, uint64_t req, struct api_page_pos *pos);

/*
 * The common frame of a Describe (api_describe.c): the id list (each id must
 * exist: `exists` returns non-zero when it does, else not_found_code), the
 * filters, and the iteration. Per object: api_facts_reset(&d->facts), add
 * its facts, then emit it only when api_describe_wants(d, id). Tag filters
 * (tag:KEY, tag-key, tag-value) and pages (MaxResults, NextToken) are handled
 * here for every Describe, by the resource id.
 *
 * Pages: iterate with model_foreach_*_from(m, api_describe_after(d), ...) so
 * a page starts where the last one ended, and let the callback return
 * d->full when api_describe_wants() says no, so the walk stops once the page
 * is full; api_describe_close() emits the <nextToken>. The action's rules
 * (which model kind it walks, its MaxResults bound, whether an id list
 * excludes MaxResults, whether its objects carry tags) are in a table in
 * api_describe.c; an action not in it pages by skipping to the last id.
 */
struct api_describe {
	struct api_ctx *c;
	const char **ids;
	size_t n_ids;
	struct api_filters filters;
	struct api_filters tag_filters;
	struct api_facts facts;
	/* pages */
	unsigned max;	/* MaxResults; 0 = all */
	unsigned count; /* objects on this page so far */
	bool full;	/* the page is full and one more object matched: stop */
	bool skipping;	/* resuming without a cursor: skip up to the token's object */
	bool has_after; /* a NextToken was given */
	uint64_t req;	/* api_page_request_hash */
	struct api_page_pos after, last;
	struct model_cursor cursor;
};
int api_describe_open(struct api_describe *d, struct api_ctx *c, const char *id_param,
		      const char *const *allowed, int (*exists)(struct api_ctx *, const char *),
		      const char *not_found_code, const char *what);
bool api_describe_wants(struct api_describe *d, const char *id);
/* The same for an item inside a resource (DescribeTags: sub = the tag's creation number). */
bool api_describe_wants_sub(struct api_describe *d, const char *id, uint64_t sub);
/* Where the walk starts: NULL = from the first object. */
const struct model_cursor *api_describe_after(struct api_describe *d);
int api_describe_close(struct api_describe *d);

/* ---- tags (api_tags.c) ---- */

/* The <tagSet> of a resource (an empty <tagSet/> when it has none). */
void api_xml_tags(struct api_ctx *c, const char *resource_id);
/*
 * Apply the request's TagSpecification.N whose ResourceType is resource_type
 * to a resource the action has just created. 0, or -1 with the error set.
 */
int api_tag_specs_apply(struct api_ctx *c, const char *resource_type, const char *resource_id);
/*
 * Check the request's TagSpecification.N before creating anything (so that a
 * bad tag refuses the whole call): each ResourceType one of types (NULL
 * terminated), each tag valid. 0, or -1 with the error set. It also makes
 * every allocation the first api_tag_specs_apply() of each type needs
 * (model_tags_prepare), so that creating one resource with its tags is
 * all-or-nothing even when memory runs out; a later apply of the same type
 * (several resources) allocates as it goes.
 * api_tag_specs_apply() appends the tags to the journal record (c->canon):
 * call it after writing the record of the creation.
 */
int api_tag_specs_check(struct api_ctx *c, const char *const *types);
/* Drop what api_tag_specs_check prepared and no apply took (run_action does, after every action).
 */
void api_tag_specs_done(struct api_ctx *c);
/* CreateTags, DeleteTags, DescribeTags */
int api_create_tags(struct api_ctx *c);
int api_delete_tags(struct api_ctx *c);
int api_describe_tags(struct api_ctx *c);

/* ---- XML of objects (api_describe.c) ---- */
void api_xml_eni(struct api_ctx *c, const struct model_eni_view *v);
void api_xml_vpc(struct api_ctx *c, const struct model_vpc_view *v);
void api_xml_subnet(struct api_ctx *c, const struct model_subnet_view *v);

/* ---- building the world (api_world.c, api_world_base.c) ---- */
/* CreateVpc, CreateSubnet, route tables, DescribeInternetGateways...; NULL-terminated. */
extern const struct api_action api_world_actions[];
void api_xml_route_table(struct api_ctx *c, const struct model_route_table_view *t);
/*
 * The canonical CreateVpc of an existing VPC (its first blocks, main table
 * and association, its default security group's id; with the ids of that
 * group's rules, or bare: DefaultGroupBare, the group made without rules).
 */
void api_canon_create_vpc(struct api_buf *b, const struct model *m, const struct model_vpc_view *v,
			  bool bare);
/* The implicit internet gateway of a VPC: "igw-" and the VPC id without its "vpc-". */
void api_igw_id(const char *vpc_id, char out[MODEL_ID_MAX]);

/*
 * The VPCs, subnets and route tables the configuration created (before
 * replay), with the main associations and tables of that moment: a snapshot
 * deletes those that are gone and moves main associations that moved.
 */
struct api_world_base {
	struct api_world_vpc {
		char id[MODEL_ID_MAX], main_rt[MODEL_ID_MAX], main_assoc[MODEL_ID_MAX];
		size_t n4, n6; /* its blocks then (blocks are only ever added) */
	} * vpc;
	size_t n_vpc;
	struct api_world_rt {
		char id[MODEL_ID_MAX], vpc[MODEL_ID_MAX];
	} * rt;
	size_t n_rt;
	char (*subnet)[MODEL_ID_MAX];
	size_t n_subnet;
	char (*sg)[MODEL_ID_MAX]; /* security groups but the VPCs' default ones */
	size_t n_sg;
};
/* 0, or -ENOMEM (nothing remembered). */
int api_world_base_remember(struct api *a);
void api_world_base_free(struct api *a);
/* The <groupSet> of an ENI's security group ids (api_instances.c). */
void api_xml_groups(struct api_ctx *c, const struct model_eni_view *v);
/* An instance's members (instanceId ... networkInterfaceSet); image_id NULL = a placeholder. */
void api_xml_instance(struct api_ctx *c, const struct model_instance_view *v, const char *image_id);

/* ---- security groups (api_sg.c) ---- */
/* Whether the model holds a group of that id (for new ids). */
bool api_sg_taken(const struct model *m, const char *id);
/* CreateSecurityGroup, Authorize/Revoke..., DescribeSecurityGroups...; NULL-terminated. */
extern const struct api_action api_sg_actions[];
/*
 * The canonical Authorize record of every inbound (egress false) or outbound
 * rule of a group, with the rules' ids (snapshots); nothing when it has none.
 * 0, or 1 when nothing was written.
 */
int api_canon_authorize(struct api_buf *b, const struct model_sg_view *g, bool egress);

/* ---- instances (api_instances.c) ---- */
const char *api_instance_state_name(enum model_instance_state s);
int api_instance_state_code(enum model_instance_state s); /* EC2's: 16, 80, 48 */
/* false once a terminated instance is older than the retention (Describe forgets it) */
bool api_instance_visible(struct api_ctx *c, const struct model_instance_view *v);
int api_run_instances(struct api_ctx *c);
int api_terminate_instances(struct api_ctx *c);
int api_modify_instance_metadata_options(struct api_ctx *c);
int api_describe_instance_status(struct api_ctx *c);

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
