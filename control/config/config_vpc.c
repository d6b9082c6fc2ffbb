/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_vpc.c - the VPC sections of the file, created through the model
 * operations (model.h) in the order that resolves references: instance
 * types, public pools, VPCs, extra route tables, subnets, instances, ENIs
 * (each attached right after it is created), routes (after the ENIs, since a
 * route may target one), EIPs (allocated, then associated).
 *
 * The same walk runs twice: first without a model (v->m NULL), checking every
 * key, type, required field and address; then with it, creating the objects.
 * So a file with a typo anywhere leaves the model untouched; only the model's
 * own rules (references, limits, conflicts) can stop the second walk midway.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

enum list_kind { LIST_IPV4, LIST_IPV6, LIST_CIDR4, LIST_CIDR6 };

/* A growable array of string pointers into the document (reused per item). */
struct strlist {
	const char **s;
	size_t n, cap;
};

struct vctx {
	const struct cnode_ctx *c;
	const struct engine_params *engine;
	struct model *m; /* NULL: check only */
	struct delta *delta;
	struct strlist l4, l6;
	struct config_counts *counts; /* check walk: what the file will add */
};

/*
 * A mapping's keys: checked in the first walk only (the second walks the
 * same tree, so it would only repeat the work, a million times for EIPs).
 */
static int map_check(const struct vctx *v, const struct cnode *n, const char *what,
		     const char *const *keys)
{
	return v->m != NULL ? 0 : cnode_map_check(v->c, n, what, keys);
}

/* ---- helpers ---- */

/* Does msg hold text quoted ('text'), or (quoted false) as a whole word? */
static bool msg_names(const char *msg, const char *text, size_t len, bool quoted)
{
	for (const char *p = strstr(msg, text); p != NULL; p = strstr(p + 1, text)) {
		char before = p > msg ? p[-1] : ' ', after = p[len];

		if (quoted ? before == '\'' && after == '\''
			   : !isalnum((unsigned char)before) && !strchr(".:-_/", before) &&
				 !isalnum((unsigned char)after) && !strchr(":-_/", after) &&
				 !(after == '.' && isalnum((unsigned char)p[len + 1])))
			return true;
	}
	return false;
}

/*
 * The first scalar under n that the message names (quoted first; then as a
 * word, skipping the item's own ids, which messages name as context).
 */
static const struct cnode *find_named(const struct cnode_ctx *c, const struct cnode *n,
				      const char *msg, bool quoted)
{
	const struct cnode *hit = NULL;

	switch (n->type) {
	case CNODE_SCALAR:
		if (n->len == 0)
			return NULL;
		return msg_names(msg, cnode_text(c, n), n->len, quoted) ? n : NULL;
	case CNODE_MAPPING:
		for (const struct cnode *k = cnode_child(c, n); hit == NULL && k != NULL;
		     k = cnode_next(c, cnode_next(c, k))) {
			const char *key = k->type == CNODE_SCALAR ? cnode_text(c, k) : "";

			if (quoted || (strcmp(key, "id") && strcmp(key, "allocation_id")))
				hit = find_named(c, cnode_next(c, k), msg, quoted);
		}
		return hit;
	case CNODE_SEQUENCE:
		for (const struct cnode *i = cnode_child(c, n); hit == NULL && i != NULL;
		     i = cnode_next(c, i))
			hit = find_named(c, i, msg, quoted);
		return hit;
	default:
		return NULL;
	}
}

/*
 * A model operation failed on item: report the EC2 code and message at the
 * value it names (the model quotes the offending value), else at the item.
 */
static int model_error(const struct vctx *v, const struct cnode *item, const struct model_err *e)
{
	const struct cnode *at = find_named(v->c, item, e->message, true);

	if (at == NULL)
		at = find_named(v->c, item, e->message, false);

	return cnode_fail(v->c, at != NULL ? at : item, "%s: %s", e->code, e->message);
}

static int list_read(struct vctx *v, const struct cnode *n, const char *what, enum list_kind kind,
		     struct strlist *l)
{
	const struct cnode *items;
	size_t k;

	l->n = 0;
	if (cnode_seq(v->c, n, what, &items, &k))
		return -1;
	if (k > l->cap) {
		const char **s = realloc(l->s, k * sizeof(*s));

		if (s == NULL)
			return cnode_fail(v->c, n, "%s: out of memory", what);
		l->s = s;
		l->cap = k;
	}
	for (size_t i = 0; i < k; i++) {
		const struct cnode *item = cnode_take(v->c, &items);
		int rc;

		switch (kind) {
		case LIST_IPV4:
			rc = cnode_ipv4(v->c, item, what, &l->s[i], NULL);
			break;
		case LIST_IPV6:
			rc = cnode_ipv6(v->c, item, what, &l->s[i]);
			break;
		default:
			rc = cnode_cidr(v->c, item, what, kind == LIST_CIDR4 ? 4 : 6, &l->s[i]);
			break;
		}
		if (rc)
			return -1;
	}
	l->n = k;
	return 0;
}

/* An optional string field: *out stays NULL when absent. */
static int opt_str(const struct vctx *v, const struct cnode *map, const char *key, const char *what,
		   const char **out)
{
	const struct cnode *n = cnode_map_find(v->c, map, key);

	*out = NULL;
	return n != NULL ? cnode_str(v->c, n, what, MODEL_ID_MAX, out) : 0;
}

static int req_str(const struct vctx *v, const struct cnode *map, const char *key, const char *what,
		   const char **out)
{
	return cnode_str(v->c, cnode_map_find(v->c, map, key), what, MODEL_ID_MAX, out);
}

/*
 * An object's `tags:` (R27), a mapping of keys to values (an empty value is
 * ""): the check walk applies the tag rules (model_tags_check), the model
 * walk sets them with model_create_tags once the object exists.
 */
static int tags_of(struct vctx *v, const struct cnode *item, const char *id)
{
	const struct cnode *t = cnode_map_find(v->c, item, "tags");
	struct model_tag tags[MODEL_TAGS_MAX];
	struct model_err e;
	size_t n = 0;

	if (t == NULL || cnode_is_null(v->c, t))
		return 0;
	if (t->type != CNODE_MAPPING)
		return cnode_fail(v->c, t, "tags: expected a mapping of keys to values");
	for (const struct cnode *k = cnode_child(v->c, t); k != NULL;
	     k = cnode_next(v->c, cnode_next(v->c, k))) {
		const struct cnode *val = cnode_next(v->c, k);

		if (n == MODEL_TAGS_MAX)
			return cnode_fail(v->c, k, "TagLimitExceeded: at most %d tags per resource",
					  MODEL_TAGS_MAX);
		if (cnode_str(v->c, k, "tag key", 0, &tags[n].key))
			return -1;
		tags[n].value = "";
		if (!cnode_is_null(v->c, val) &&
		    cnode_str(v->c, val, "tag value", 0, &tags[n].value))
			return -1;
		n++;
	}
	if (v->m == NULL) {
		if (model_tags_check(NULL, tags, n, &e))
			return cnode_fail(v->c, t, "%s: %s", e.code, e.message);
		return 0;
	}
	if (n && model_create_tags(v->m, &id, 1, tags, n, &e))
		return model_error(v, t, &e);
	return 0;
}

typedef int (*item_fn)(struct vctx *v, const struct cnode *item);
/* A hint for an item processed a few items later (the model walk only). */
typedef void (*hint_fn)(const struct vctx *v, const struct cnode *item);

#define HINT_AHEAD 4 /* items: enough to cover a cache miss or two of the model's */

static int each_hinted(struct vctx *v, const struct cnode *root, const char *section, item_fn fn,
		       hint_fn hint)
{
	const struct cnode *n = cnode_map_find(v->c, root, section);
	const struct cnode *items, *ahead;
	size_t k;

	if (n == NULL)
		return 0;
	if (cnode_seq(v->c, n, section, &items, &k))
		return -1;
	if (v->m == NULL && config_list_check(v->c, n, section, v->engine))
		return -1; /* longer than the tables hold (engine.capacity) */
	ahead = items;
	if (hint == NULL || v->m == NULL)
		ahead = NULL;
	for (int i = 0; i < HINT_AHEAD && ahead != NULL; i++)
		hint(v, cnode_take(v->c, &ahead));
	for (size_t i = 0; i < k; i++) {
		if (ahead != NULL)
			hint(v, cnode_take(v->c, &ahead));
		if (fn(v, cnode_take(v->c, &items)))
			return -1;
	}
	return 0;
}

static int each(struct vctx *v, const struct cnode *root, const char *section, item_fn fn)
{
	return each_hinted(v, root, section, fn, NULL);
}

/* The text of scalar key in mapping n, or NULL (any node: hints only). */
static const char *hint_text(const struct vctx *v, const struct cnode *n, const char *key)
{
	const struct cnode *x = cnode_map_find(v->c, n, key);

	return x != NULL && x->type == CNODE_SCALAR ? cnode_text(v->c, x) : NULL;
}

/* ---- instance types, public pools ---- */

static int instance_type(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!name", "!max_enis", "!max_ipv4_per_eni",
					   "max_ipv6_per_eni", NULL};
	const struct cnode *x;
	const char *name;
	uint64_t enis, v4, v6 = 0;
	struct model_err e;

	if (map_check(v, n, "instance type", keys) ||
	    req_str(v, n, "name", "instance type name", &name) ||
	    cnode_uint(v->c, cnode_map_find(v->c, n, "max_enis"), "max_enis", 1, 128, &enis) ||
	    cnode_uint(v->c, cnode_map_find(v->c, n, "max_ipv4_per_eni"), "max_ipv4_per_eni", 1,
		       1u << 24, &v4))
		return -1;
	x = cnode_map_find(v->c, n, "max_ipv6_per_eni");
	if (x != NULL && cnode_uint(v->c, x, "max_ipv6_per_eni", 0, 1u << 24, &v6))
		return -1;
	if (v->m != NULL &&
	    model_set_instance_type(v->m, name, (unsigned)enis, (unsigned)v4, (unsigned)v6, &e))
		return model_error(v, n, &e);
	return 0;
}

static int public_pool(struct vctx *v, const struct cnode *n)
{
	const char *cidr;
	struct model_err e;

	if (cnode_cidr(v->c, n, "public pool", 4, &cidr))
		return -1;
	if (v->m != NULL && model_add_public_pool(v->m, cidr, &e))
		return model_error(v, n, &e);
	return 0;
}

/* An IPv6 block AmazonProvidedIpv6CidrBlock draws /56s from (CreateVpc, AssociateVpcCidrBlock). */
static int ipv6_pool(struct vctx *v, const struct cnode *n)
{
	const char *cidr;
	struct model_err e;

	if (cnode_cidr(v->c, n, "ipv6 pool", 6, &cidr))
		return -1;
	if (v->m != NULL && model_add_ipv6_pool(v->m, cidr, &e))
		return model_error(v, n, &e);
	return 0;
}

/* ---- VPCs, route tables, routes, subnets ---- */

static int vpc(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {
	    "!id",    "!cidr4", "cidr6", "main_route_table", "default_security_group",
	    "routes", "tags",	NULL};
	struct model_vpc_req r = {0};
	const struct cnode *x;
	char id[MODEL_ID_MAX];
	struct model_err e;

	if (map_check(v, n, "vpc", keys) || req_str(v, n, "id", "vpc id", &r.id) ||
	    opt_str(v, n, "main_route_table", "main_route_table", &r.main_route_table_id) ||
	    opt_str(v, n, "default_security_group", "default_security_group",
		    &r.default_group_id) ||
	    list_read(v, cnode_map_find(v->c, n, "cidr4"), "vpc cidr4", LIST_CIDR4, &v->l4))
		return -1;
	if (v->l4.n == 0)
		return cnode_fail(v->c, cnode_map_find(v->c, n, "cidr4"),
				  "vpc cidr4: at least one IPv4 block");
	v->l6.n = 0;
	x = cnode_map_find(v->c, n, "cidr6");
	if (x != NULL && list_read(v, x, "vpc cidr6", LIST_CIDR6, &v->l6))
		return -1;
	r.cidr4 = v->l4.s;
	r.n_cidr4 = v->l4.n;
	r.cidr6 = v->l6.s;
	r.n_cidr6 = v->l6.n;
	/* its routes are read after the ENIs (routes_of_vpc) */
	if (v->m != NULL && model_create_vpc(v->m, &r, id, v->delta, &e))
		return model_error(v, n, &e);
	return tags_of(v, n, r.id);
}

static int route_table(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!id", "!vpc", "routes", "tags", NULL};
	const char *id, *vpc_id;
	char out[MODEL_ID_MAX];
	struct model_err e;

	if (map_check(v, n, "route table", keys) || req_str(v, n, "id", "route table id", &id) ||
	    req_str(v, n, "vpc", "route table vpc", &vpc_id))
		return -1;
	if (v->m != NULL && model_create_route_table(v->m, id, vpc_id, out, v->delta, &e))
		return model_error(v, n, &e);
	return tags_of(v, n, id);
}

/* The routes of mapping n (a VPC or a route table) into table rtb. */
static int routes_of(struct vctx *v, const struct cnode *n, const char *rtb)
{
	static const char *const keys[] = {"!destination", "!target", NULL};
	const struct cnode *list = cnode_map_find(v->c, n, "routes");
	const struct cnode *items;
	size_t k;

	if (list == NULL)
		return 0;
	if (cnode_seq(v->c, list, "routes", &items, &k))
		return -1;
	for (size_t i = 0; i < k; i++) {
		const struct cnode *r = cnode_take(v->c, &items);
		const struct cnode *d;
		const char *dest, *target;
		struct model_err e;

		if (map_check(v, r, "route", keys))
			return -1;
		d = cnode_map_find(v->c, r, "destination");
		if (cnode_str(v->c, d, "route destination", 64, &dest) ||
		    cnode_cidr(v->c, d, "route destination", strchr(dest, ':') ? 6 : 4, &dest) ||
		    req_str(v, r, "target", "route target", &target))
			return -1;
		if (v->m != NULL && model_create_route(v->m, rtb, dest, target, v->delta, &e))
			return model_error(v, r, &e);
	}
	return 0;
}

static int vpc_routes(struct vctx *v, const struct cnode *n)
{
	struct model_vpc_view vv;
	const char *id = NULL;

	if (v->m == NULL)
		return routes_of(v, n, NULL);
	/* the VPC was created in the first step: its id is valid */
	(void)cnode_str(v->c, cnode_map_find(v->c, n, "id"), "vpc id", MODEL_ID_MAX, &id);
	if (model_get_vpc(v->m, id, &vv))
		return cnode_fail(v->c, n, "vpc '%s' vanished", id);
	return routes_of(v, n, vv.main_route_table_id);
}

static int route_table_routes(struct vctx *v, const struct cnode *n)
{
	const char *id = NULL;

	(void)cnode_str(v->c, cnode_map_find(v->c, n, "id"), "route table id", MODEL_ID_MAX, &id);
	return routes_of(v, n, id);
}

static int subnet(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!id",   "!vpc",	   "!az",  "!cidr4",
					   "cidr6", "route_table", "tags", NULL};
	struct model_subnet_req r = {0};
	char out[MODEL_ID_MAX];
	const struct cnode *x;
	struct model_err e;

	if (map_check(v, n, "subnet", keys) || req_str(v, n, "id", "subnet id", &r.id) ||
	    req_str(v, n, "vpc", "subnet vpc", &r.vpc_id) ||
	    req_str(v, n, "az", "subnet az", &r.az) ||
	    cnode_cidr(v->c, cnode_map_find(v->c, n, "cidr4"), "subnet cidr4", 4, &r.cidr4) ||
	    opt_str(v, n, "route_table", "subnet route_table", &r.route_table_id))
		return -1;
	x = cnode_map_find(v->c, n, "cidr6");
	if (x != NULL && cnode_cidr(v->c, x, "subnet cidr6", 6, &r.cidr6))
		return -1;
	if (v->m != NULL && model_create_subnet(v->m, &r, out, v->delta, &e))
		return model_error(v, n, &e);
	return tags_of(v, n, r.id);
}

/* ---- security groups (R24-R26) ---- */

/*
 * A group; its rules come in a second pass (sg_rules), once every group
 * exists, since a rule may name another group. A group that lists `egress`
 * has exactly those outbound rules, else EC2's one (all to 0.0.0.0/0).
 */
static int security_group(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!id",     "!vpc",	"!name", "description",
					   "ingress", "egress", "tags",	 NULL};
	struct model_sg_req r = {0};
	const struct cnode *x;
	struct model_err e;
	char out[MODEL_ID_MAX];

	if (map_check(v, n, "security group", keys) ||
	    req_str(v, n, "id", "security group id", &r.id) ||
	    req_str(v, n, "vpc", "security group vpc", &r.vpc_id) ||
	    cnode_str(v->c, cnode_map_find(v->c, n, "name"), "security group name", 256, &r.name))
		return -1;
	if ((x = cnode_map_find(v->c, n, "description")) != NULL &&
	    cnode_str(v->c, x, "security group description", 256, &r.description))
		return -1;
	r.bare = cnode_map_find(v->c, n, "egress") != NULL;
	if (v->m != NULL && model_create_security_group(v->m, &r, out, &e))
		return model_error(v, n, &e);
	return tags_of(v, n, r.id);
}

/* A scalar field's text as the model takes it (ports may be -1: not a cnode_uint). */
static int opt_text(const struct vctx *v, const struct cnode *map, const char *key,
		    const char *what, const char **out)
{
	const struct cnode *n = cnode_map_find(v->c, map, key);

	*out = NULL;
	return n != NULL ? cnode_str(v->c, n, what, 64, out) : 0;
}

/* The rules of list `key` (ingress or egress) of group gid. */
static int sg_rule_list(struct vctx *v, const struct cnode *n, const char *gid, const char *key)
{
	static const char *const keys[] = {"!protocol", "from_port", "to_port",	    "cidr4",
					   "cidr6",	"group",     "description", NULL};
	const struct cnode *list = cnode_map_find(v->c, n, key), *items;
	bool egress = strcmp(key, "egress") == 0;
	size_t k;

	if (list == NULL)
		return 0;
	if (cnode_seq(v->c, list, key, &items, &k))
		return -1;
	for (size_t i = 0; i < k; i++) {
		const struct cnode *rn = cnode_take(v->c, &items);
		struct model_sg_perm p = {0};
		struct model_err e;

		if (map_check(v, rn, "security group rule", keys) ||
		    opt_text(v, rn, "protocol", "rule protocol", &p.protocol) ||
		    opt_text(v, rn, "from_port", "rule from_port", &p.from_port) ||
		    opt_text(v, rn, "to_port", "rule to_port", &p.to_port) ||
		    opt_str(v, rn, "group", "rule group", &p.group_id))
			return -1;
		const struct cnode *x;
		if ((x = cnode_map_find(v->c, rn, "cidr4")) != NULL &&
		    cnode_cidr(v->c, x, "rule cidr4", 4, &p.cidr4))
			return -1;
		if ((x = cnode_map_find(v->c, rn, "cidr6")) != NULL &&
		    cnode_cidr(v->c, x, "rule cidr6", 6, &p.cidr6))
			return -1;
		if ((x = cnode_map_find(v->c, rn, "description")) != NULL &&
		    cnode_str(v->c, x, "rule description", 256, &p.description))
			return -1;
		if (v->m != NULL && model_authorize_sg(v->m, gid, egress, &p, 1, NULL, &e))
			return model_error(v, rn, &e);
	}
	return 0;
}

static int sg_rules(struct vctx *v, const struct cnode *n)
{
	const char *id = NULL;

	(void)cnode_str(v->c, cnode_map_find(v->c, n, "id"), "security group id", MODEL_ID_MAX,
			&id);
	return sg_rule_list(v, n, id, "ingress") || sg_rule_list(v, n, id, "egress") ? -1 : 0;
}

/* ---- instances, ENIs ---- */

/*
 * metadata_options: {http_tokens: required|optional, http_endpoint:
 * enabled|disabled, http_put_response_hop_limit: 1-64, http_protocol_ipv6:
 * enabled|disabled} (D15), the
 * ModifyInstanceMetadataOptions fields; those absent stay EC2's defaults.
 */
static int metadata_options(struct vctx *v, const struct cnode *n, const char *instance_id)
{
	static const char *const keys[] = {"http_tokens", "http_endpoint",
					   "http_put_response_hop_limit", "http_protocol_ipv6",
					   NULL};
	static const char *const tokens[] = {"optional", "required", NULL};
	static const char *const endpoint[] = {"disabled", "enabled", NULL};
	struct model_metadata_options o = {-1, -1, -1, -1};
	const struct cnode *x;
	struct model_err e;
	uint64_t hops;

	if (map_check(v, n, "metadata_options", keys))
		return -1;
	x = cnode_map_find(v->c, n, "http_tokens");
	if (x != NULL && cnode_enum(v->c, x, "http_tokens", tokens, &o.tokens_required))
		return -1;
	x = cnode_map_find(v->c, n, "http_endpoint");
	if (x != NULL && cnode_enum(v->c, x, "http_endpoint", endpoint, &o.endpoint_enabled))
		return -1;
	x = cnode_map_find(v->c, n, "http_protocol_ipv6");
	if (x != NULL && cnode_enum(v->c, x, "http_protocol_ipv6", endpoint, &o.protocol_ipv6))
		return -1;
	x = cnode_map_find(v->c, n, "http_put_response_hop_limit");
	if (x != NULL) {
		if (cnode_uint(v->c, x, "http_put_response_hop_limit", 1, 64, &hops))
			return -1;
		o.hop_limit = (int)hops;
	}
	if (v->m != NULL && model_set_metadata_options(v->m, instance_id, &o, &e))
		return model_error(v, n, &e);
	return 0;
}

static int instance(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {
	    "!id", "!type", "!az", "state", "!port", "tags", "metadata_options", NULL};
	static const char *const states[] = {"running", "stopped", NULL};
	struct model_instance_req r = {0};
	char out[MODEL_ID_MAX];
	const struct cnode *x;
	const char *port;
	struct model_err e;
	int state = 0;
	size_t i;

	if (map_check(v, n, "instance", keys) || req_str(v, n, "id", "instance id", &r.id) ||
	    req_str(v, n, "type", "instance type", &r.type) ||
	    req_str(v, n, "az", "instance az", &r.az))
		return -1;
	x = cnode_map_find(v->c, n, "state");
	if (x != NULL && cnode_enum(v->c, x, "instance state", states, &state))
		return -1;
	r.state = state == 0 ? MODEL_RUNNING : MODEL_STOPPED;
	x = cnode_map_find(v->c, n, "port");
	if (cnode_str(v->c, x, "instance port", 32, &port))
		return -1;
	for (i = 0; i < v->engine->n_ports; i++)
		if (!strcmp(v->engine->ports[i].name, port))
			break;
	if (i == v->engine->n_ports)
		return cnode_fail(v->c, x, "instance port: no port named '%s' in engine.ports",
				  port);
	if (v->engine->ports[i].role != ENGINE_PORT_HOST)
		return cnode_fail(v->c, x, "instance port: port '%s' is not a host port", port);
	r.host_port = (uint16_t)i;
	if (v->m != NULL && model_create_instance(v->m, &r, out, &e))
		return model_error(v, n, &e);
	x = cnode_map_find(v->c, n, "metadata_options");
	if (x != NULL && metadata_options(v, x, r.id))
		return -1;
	return tags_of(v, n, r.id);
}

static int attachment(struct vctx *v, const struct cnode *n, const char *eni_id,
		      struct model_attach_req *r)
{
	static const char *const keys[] = {"!instance", "!device_index", "delete_on_termination",
					   "attachment_id", NULL};
	const struct cnode *x;
	uint64_t idx;

	r->eni_id = eni_id;
	if (map_check(v, n, "attachment", keys) ||
	    req_str(v, n, "instance", "attachment instance", &r->instance_id) ||
	    cnode_uint(v->c, cnode_map_find(v->c, n, "device_index"), "device_index", 0,
		       MODEL_DEVICE_INDEX_MAX, &idx) ||
	    opt_str(v, n, "attachment_id", "attachment_id", &r->attachment_id))
		return -1;
	r->device_index = (int)idx;
	x = cnode_map_find(v->c, n, "delete_on_termination");
	if (x != NULL && cnode_bool(v->c, x, "delete_on_termination", &r->delete_on_termination))
		return -1;
	return 0;
}

static int eni(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!id",
					   "!subnet",
					   "mac",
					   "description",
					   "vlan",
					   "primary_ip",
					   "secondary_ips",
					   "secondary_count",
					   "ipv6",
					   "ipv6_count",
					   "source_dest_check",
					   "security_groups",
					   "attachment",
					   "tags",
					   NULL};
	struct model_eni_req r = {.source_dest_check = true};
	struct model_attach_req a = {0};
	const struct cnode *x, *att;
	char out[MODEL_ID_MAX];
	struct model_err e;
	uint64_t u;

	if (map_check(v, n, "eni", keys) || req_str(v, n, "id", "eni id", &r.id) ||
	    req_str(v, n, "subnet", "eni subnet", &r.subnet_id))
		return -1;
	if ((x = cnode_map_find(v->c, n, "mac")) != NULL &&
	    cnode_mac(v->c, x, "eni mac", &r.mac, NULL))
		return -1;
	if ((x = cnode_map_find(v->c, n, "description")) != NULL &&
	    cnode_str(v->c, x, "eni description", 256, &r.description))
		return -1;
	if ((x = cnode_map_find(v->c, n, "vlan")) != NULL) {
		if (cnode_uint(v->c, x, "eni vlan", 0, MODEL_VLAN_MAX, &u))
			return -1;
		r.vlan = (uint16_t)u;
	}
	if ((x = cnode_map_find(v->c, n, "primary_ip")) != NULL &&
	    cnode_ipv4(v->c, x, "eni primary_ip", &r.primary_ip, NULL))
		return -1;
	v->l4.n = v->l6.n = 0;
	if ((x = cnode_map_find(v->c, n, "secondary_ips")) != NULL &&
	    ((v->m == NULL && config_list_check(v->c, x, "secondary_ips", v->engine)) ||
	     list_read(v, x, "eni secondary_ips", LIST_IPV4, &v->l4)))
		return -1;
	if ((x = cnode_map_find(v->c, n, "secondary_count")) != NULL) {
		if (cnode_uint(v->c, x, "eni secondary_count", 0, 1u << 24, &u))
			return -1;
		r.secondary_count = (unsigned)u;
	}
	if ((x = cnode_map_find(v->c, n, "ipv6")) != NULL &&
	    ((v->m == NULL && config_list_check(v->c, x, "ipv6", v->engine)) ||
	     list_read(v, x, "eni ipv6", LIST_IPV6, &v->l6)))
		return -1;
	if ((x = cnode_map_find(v->c, n, "ipv6_count")) != NULL) {
		if (cnode_uint(v->c, x, "eni ipv6_count", 0, 1u << 24, &u))
			return -1;
		r.ipv6_count = (unsigned)u;
	}
	if ((x = cnode_map_find(v->c, n, "source_dest_check")) != NULL &&
	    cnode_bool(v->c, x, "eni source_dest_check", &r.source_dest_check))
		return -1;
	const char *groups[MODEL_GROUPS_MAX];
	if ((x = cnode_map_find(v->c, n, "security_groups")) != NULL) {
		const struct cnode *items;
		size_t k;
		if (cnode_seq(v->c, x, "eni security_groups", &items, &k))
			return -1;
		if (k > MODEL_GROUPS_MAX)
			return cnode_fail(v->c, x,
					  "SecurityGroupsPerInterfaceLimitExceeded: %zu security "
					  "groups given; an interface has at most %d",
					  k, MODEL_GROUPS_MAX);
		for (size_t i = 0; i < k; i++)
			if (cnode_str(v->c, cnode_take(v->c, &items), "eni security group",
				      MODEL_ID_MAX, &groups[i]))
				return -1;
		r.groups = groups;
		r.n_groups = k;
	}
	r.secondary_ips = v->l4.s;
	r.n_secondary_ips = v->l4.n;
	r.ipv6 = v->l6.s;
	r.n_ipv6 = v->l6.n;
	att = cnode_map_find(v->c, n, "attachment");
	if (att != NULL && attachment(v, att, r.id, &a))
		return -1;
	r.delete_on_termination = a.delete_on_termination;
	if (v->m == NULL) {
		v->counts->v4 += 1 + r.n_secondary_ips + r.secondary_count; /* 1: the primary */
		v->counts->v6 += r.n_ipv6 + r.ipv6_count;
		v->counts->enis++;
		return tags_of(v, n, r.id);
	}
	if (model_create_eni(v->m, &r, out, v->delta, &e))
		return model_error(v, n, &e);
	if (att != NULL && model_attach_eni(v->m, &a, out, v->delta, &e))
		return model_error(v, att, &e);
	return tags_of(v, n, r.id);
}

/* ---- EIPs ---- */

static int association(struct vctx *v, const struct cnode *n, struct model_associate_req *r)
{
	static const char *const keys[] = {"eni", "instance", "private_ip", "association_id", NULL};
	const struct cnode *x;

	if (map_check(v, n, "association", keys) ||
	    opt_str(v, n, "eni", "association eni", &r->eni_id) ||
	    opt_str(v, n, "instance", "association instance", &r->instance_id) ||
	    opt_str(v, n, "association_id", "association_id", &r->association_id))
		return -1;
	if ((r->eni_id == NULL) == (r->instance_id == NULL))
		return cnode_fail(v->c, n, "association: give either eni or instance");
	x = cnode_map_find(v->c, n, "private_ip");
	if (x != NULL && cnode_ipv4(v->c, x, "association private_ip", &r->private_ip, NULL))
		return -1;
	return 0;
}

static int eip(struct vctx *v, const struct cnode *n)
{
	static const char *const keys[] = {"!allocation_id", "public_ip", "association", "tags",
					   NULL};
	struct model_associate_req r = {0};
	char alloc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN], assoc[MODEL_ID_MAX];
	const struct cnode *x, *as;
	const char *public_ip = NULL;
	struct model_err e;

	if (map_check(v, n, "eip", keys) ||
	    req_str(v, n, "allocation_id", "eip allocation_id", &r.allocation_id))
		return -1;
	x = cnode_map_find(v->c, n, "public_ip");
	if (x != NULL && cnode_ipv4(v->c, x, "eip public_ip", &public_ip, NULL))
		return -1;
	as = cnode_map_find(v->c, n, "association");
	if (as != NULL && association(v, as, &r))
		return -1;
	if (v->m == NULL) {
		v->counts->eips++;
		return tags_of(v, n, r.allocation_id);
	}
	if (model_allocate_address(v->m, r.allocation_id, public_ip, alloc, pub, &e))
		return model_error(v, n, &e);
	if (as != NULL && model_associate_address(v->m, &r, assoc, v->delta, &e))
		return model_error(v, as, &e);
	return tags_of(v, n, r.allocation_id);
}

/* Start loading what the model will touch for this EIP (see model_prefetch_eip). */
static void eip_hint(const struct vctx *v, const struct cnode *n)
{
	model_prefetch_eip(v->m, hint_text(v, n, "allocation_id"), hint_text(v, n, "public_ip"),
			   hint_text(v, cnode_map_find(v->c, n, "association"), "private_ip"));
}

/* ---- launch: placement of the instances RunInstances makes (R29), retention ---- */

/* A host port by name: its index in engine.ports. */
static int host_port(const struct vctx *v, const struct cnode *x, uint16_t *out)
{
	const char *port;
	size_t i;

	if (cnode_str(v->c, x, "launch host_ports item", 32, &port))
		return -1;
	for (i = 0; i < v->engine->n_ports; i++)
		if (!strcmp(v->engine->ports[i].name, port))
			break;
	if (i == v->engine->n_ports)
		return cnode_fail(v->c, x, "launch host_ports: no port named '%s' in engine.ports",
				  port);
	if (v->engine->ports[i].role != ENGINE_PORT_HOST)
		return cnode_fail(v->c, x, "launch host_ports: port '%s' is not a host port", port);
	*out = (uint16_t)i;
	return 0;
}

/*
 * launch: {host_ports: [names], policy: least-loaded, max_instances_per_port: N,
 * terminated_retention: seconds}. Without host_ports, every host port of
 * engine.ports, in their order.
 */
static int launch(struct vctx *v, const struct cnode *root)
{
	static const char *const keys[] = {"host_ports", "policy", "max_instances_per_port",
					   "terminated_retention", NULL};
	static const char *const policies[] = {"least-loaded", NULL};
	const struct cnode *n = cnode_map_find(v->c, root, "launch"), *x, *it;
	uint16_t ports[MODEL_PORTS_MAX];
	uint64_t max = 0, keep = 3600;
	size_t np = 0, count = 0;
	struct model_err e;
	int policy;

	if (n != NULL && !cnode_is_null(v->c, n)) {
		if (map_check(v, n, "launch", keys))
			return -1;
		if ((x = cnode_map_find(v->c, n, "policy")) != NULL &&
		    cnode_enum(v->c, x, "launch policy", policies, &policy))
			return -1;
		if ((x = cnode_map_find(v->c, n, "max_instances_per_port")) != NULL &&
		    cnode_uint(v->c, x, "launch max_instances_per_port", 0, UINT32_MAX, &max))
			return -1;
		if ((x = cnode_map_find(v->c, n, "terminated_retention")) != NULL &&
		    cnode_uint(v->c, x, "launch terminated_retention", 0, INT32_MAX, &keep))
			return -1;
		x = cnode_map_find(v->c, n, "host_ports");
		if (x != NULL) {
			if (cnode_seq(v->c, x, "launch host_ports", &it, &count))
				return -1;
			if (count > MODEL_PORTS_MAX)
				return cnode_fail(v->c, x, "launch host_ports: at most %d ports",
						  MODEL_PORTS_MAX);
			for (; it != NULL; it = cnode_next(v->c, it))
				if (host_port(v, it, &ports[np++]))
					return -1;
		}
	}
	if (count == 0)
		for (size_t i = 0; i < v->engine->n_ports && np < MODEL_PORTS_MAX; i++)
			if (v->engine->ports[i].role == ENGINE_PORT_HOST)
				ports[np++] = (uint16_t)i;
	if (v->m == NULL)
		return 0;
	model_set_terminated_retention(v->m, (int64_t)keep);
	if (model_set_placement(v->m, ports, np, (unsigned)max, &e))
		return model_error(v, n != NULL ? n : root, &e);
	return 0;
}

/* ---- the walk ---- */

int config_vpc_load(const struct cnode_ctx *c, const struct cnode *root,
		    const struct engine_params *engine, struct model *m, struct delta *delta,
		    struct config_counts *counts)
{
	struct config_counts ignored = {0};
	struct vctx v = {.c = c,
			 .engine = engine,
			 .m = m,
			 .delta = delta,
			 .counts = counts != NULL ? counts : &ignored};
	int rc = -1;

	if (each(&v, root, "instance_types", instance_type) ||
	    each(&v, root, "public_pools", public_pool) ||
	    each(&v, root, "ipv6_pools", ipv6_pool) || each(&v, root, "vpcs", vpc) ||
	    each(&v, root, "route_tables", route_table) || each(&v, root, "subnets", subnet) ||
	    each(&v, root, "security_groups", security_group) ||
	    each(&v, root, "security_groups", sg_rules) || launch(&v, root) ||
	    each(&v, root, "instances", instance) || each(&v, root, "enis", eni) ||
	    each(&v, root, "vpcs", vpc_routes) ||
	    each(&v, root, "route_tables", route_table_routes) ||
	    each_hinted(&v, root, "eips", eip, eip_hint))
		goto out;
	rc = 0;
out:
	free(v.l4.s);
	free(v.l6.s);
	return rc;
}
