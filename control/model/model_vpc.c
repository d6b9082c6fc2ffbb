/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_vpc.c - VPCs, route tables and routes, subnets, public EIP pools.
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- route tables ---- */

static int rt_grow(struct rtable *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4;
	void *p;

	if (t->n + more <= t->cap)
		return 0;
	while (cap < t->n + more)
		cap *= 2;
	if (!(p = realloc(t->views, cap * sizeof(*t->views))))
		return -ENOMEM;
	t->views = p;
	if (!(p = realloc(t->r, cap * sizeof(*t->r))))
		return -ENOMEM;
	t->r = p;
	t->cap = cap;
	return 0;
}

/* Append a route whose strings are already allocated (room reserved). */
static size_t rt_append(struct rtable *t, const struct route *r, char *dest, char *target)
{
	size_t k = t->n++;

	t->r[k] = *r;
	t->views[k].dest_cidr = dest;
	t->views[k].target = target;
	t->views[k].blackholed = false;
	t->views[k].implicit = r->implicit;
	return k;
}

/* The implicit local routes of a VPC, appended to a table (room reserved). */
static int rt_add_locals(struct model *m, uint32_t ti, const struct vpc *v)
{
	struct rtable *t = RT(m, ti);

	if (rt_grow(t, v->n4 + v->n6))
		return -ENOMEM;
	for (size_t k = 0; k < v->n4 + v->n6; k++) {
		struct route r = {.kind = ROUTE_LOCAL, .implicit = true, .eni = NIL};
		char *dest = strdup(k < v->n4 ? v->c4text[k] : v->c6text[k - v->n4]);
		char *tg = strdup("local");

		if (!dest || !tg) {
			free(dest);
			free(tg);
			return -ENOMEM;
		}
		if (k < v->n4) {
			uint32_t net = htonl(v->c4base[k]);
			r.family = 4;
			r.depth = v->c4depth[k];
			memcpy(r.prefix, &net, 4);
		} else {
			r.family = 6;
			r.depth = 56;
			memcpy(r.prefix, v->c6[k - v->n4], 16);
		}
		rt_append(t, &r, dest, tg);
	}
	return 0;
}

void model_rt_destroy(struct model *m, uint32_t ti)
{
	struct rtable *t = RT(m, ti);

	for (size_t r = 0; r < t->n; r++) {
		free((char *)t->views[r].dest_cidr);
		free((char *)t->views[r].target);
	}
	free(t->views);
	free(t->r);
	free(t->id);
	objtab_release(&m->rts, ti);
}

/*
 * Create a route table for VPC vi (which must be live). Returns its index or
 * NIL on ENOMEM (nothing left behind). The id was validated by the caller.
 */
static uint32_t rt_new(struct model *m, uint32_t vi, const char *id, bool main)
{
	uint32_t ti;
	char *dup = strdup(id);

	if (!dup || objtab_reserve(&m->rts, 1) || mhash_reserve(&m->by_rt, 1)) {
		free(dup);
		return NIL;
	}
	ti = objtab_alloc(&m->rts);
	RT(m, ti)->id = dup;
	RT(m, ti)->vpc = vi;
	RT(m, ti)->main = main;
	if (rt_add_locals(m, ti, VPC(m, vi)) < 0) {
		model_rt_destroy(m, ti);
		return NIL;
	}
	mhash_put(&m->by_rt, id, strlen(id), ti);
	return ti;
}

void model_rt_put_all(const struct model *m, struct delta *d, uint32_t ti)
{
	for (size_t r = 0; r < RT(m, ti)->n; r++)
		model_put_route(m, d, ti, r, false);
}

int model_create_route_table(struct model *m, const char *id, const char *vpc_id,
			     char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err)
{
	char rid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t vi = model_find(&m->by_vpc, vpc_id), ti;

	if (!vpc_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter VpcId");
	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  vpc_id);
	if (model_pick_id(&m->by_rt, id, "rtb-", &seq, rid, err) < 0)
		return -1;
	if (m->rts.nlive >= MODEL_MAX_ROUTE_TABLES)
		return model_fail(err, "RouteTableLimitExceeded",
				  "There are %u route tables, the most the tables hold",
				  MODEL_MAX_ROUTE_TABLES);
	if (model_reserve_delta(delta, VPC(m, vi)->n4 + VPC(m, vi)->n6))
		return model_fail_nomem(err);
	ti = rt_new(m, vi, rid, false);
	if (ti == NIL)
		return model_fail_nomem(err);
	m->seq = seq;
	model_rt_put_all(m, delta, ti);
	if (out_id)
		model_id_copy(out_id, rid);
	return 0;
}

static ssize_t rt_find(const struct rtable *t, uint8_t family, const uint8_t *prefix, uint8_t depth)
{
	for (size_t r = 0; r < t->n; r++)
		if (t->r[r].family == family && t->r[r].depth == depth &&
		    memcmp(t->r[r].prefix, prefix, 16) == 0)
			return (ssize_t)r;
	return -1;
}

/* Parse a route destination (IPv4 or IPv6 CIDR). */
static int parse_dest(const char *s, uint8_t *family, uint8_t prefix[16], uint8_t *depth)
{
	uint32_t h;

	memset(prefix, 0, 16);
	if (s && strchr(s, ':')) {
		*family = 6;
		return model_parse_cidr6(s, prefix, depth);
	}
	if (model_parse_cidr4(s, &h, depth) < 0)
		return -EINVAL;
	*family = 4;
	h = htonl(h);
	memcpy(prefix, &h, 4);
	return 0;
}

/* Is the destination inside one of the VPC's blocks? */
static bool in_vpc(const struct vpc *v, uint8_t family, const uint8_t *prefix, uint8_t depth)
{
	if (family == 4) {
		uint32_t net, h;
		memcpy(&net, prefix, 4);
		h = ntohl(net);
		for (size_t k = 0; k < v->n4; k++)
			if (depth >= v->c4depth[k] &&
			    model_v4_overlap(h, depth, v->c4base[k], v->c4depth[k]))
				return true;
		return false;
	}
	for (size_t k = 0; k < v->n6; k++)
		if (depth >= 56 && model_v6_prefix_eq(prefix, v->c6[k], 56))
			return true;
	return false;
}

/* The target of a route in table t: local (inside the VPC only), igw, blackhole or an ENI. */
static int route_target(const struct model *m, const struct rtable *t, const char *rtb_id,
			const char *dest_cidr, const char *target, struct route *r,
			struct model_err *err)
{
	uint32_t ei;

	r->eni = NIL;
	if (!target)
		return model_fail(err, "MissingParameter",
				  "The request must contain a route target");
	if (!strcmp(target, "local")) {
		/* a more specific local route: allowed only inside the VPC */
		if (!in_vpc(VPC(m, t->vpc), r->family, r->prefix, r->depth))
			return model_fail(err, "InvalidParameterValue",
					  "The destination CIDR block %s is not within the VPC, so "
					  "target 'local' is not allowed",
					  dest_cidr);
		r->kind = ROUTE_LOCAL;
	} else if (!strcmp(target, "igw")) {
		r->kind = ROUTE_IGW;
	} else if (!strcmp(target, "blackhole")) {
		r->kind = ROUTE_BLACKHOLE;
	} else if ((ei = model_find(&m->by_eni, target)) != NIL) {
		if (SUBNET(m, ENI(m, ei)->subnet)->vpc != t->vpc)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Network interface '%s' is not in the VPC of route table '%s'", target,
			    rtb_id);
		r->kind = ROUTE_ENI;
		r->eni = ei;
	} else if (!strncmp(target, "eni-", 4)) {
		return model_fail(err, "InvalidNetworkInterfaceID.NotFound",
				  "The networkInterface ID '%s' does not exist", target);
	} else {
		return model_fail(err, "InvalidParameterValue",
				  "Invalid route target '%s': local, igw, blackhole or an ENI id",
				  target);
	}
	return 0;
}

/* The table and the parsed destination of a route request. */
static int route_lookup(const struct model *m, const char *route_table_id, const char *dest_cidr,
			uint32_t *ti, struct route *r, struct model_err *err)
{
	*ti = model_find(&m->by_rt, route_table_id);
	if (*ti == NIL)
		return model_fail(err, "InvalidRouteTableID.NotFound",
				  "The routeTable ID '%s' does not exist",
				  route_table_id ? route_table_id : "");
	if (parse_dest(dest_cidr, &r->family, r->prefix, &r->depth) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter destinationCidrBlock is invalid. This is "
		    "not a valid CIDR block.",
		    dest_cidr ? dest_cidr : "");
	return 0;
}

/* Append a checked route (its ENI in r->eni, or NIL); blackholed: its ENI is gone. */
static int route_add(struct model *m, uint32_t ti, const struct route *r, const char *dest_cidr,
		     const char *target, bool blackholed, struct delta *delta,
		     struct model_err *err)
{
	struct rtable *t = RT(m, ti);
	size_t k, same = 0;
	char *dest, *tg;

	if (rt_find(t, r->family, r->prefix, r->depth) >= 0)
		return model_fail(err, "RouteAlreadyExists",
				  "The route identified by %s already exists.", dest_cidr);
	for (k = 0; k < t->n; k++)
		same += t->r[k].family == r->family;
	if (same >= MODEL_MAX_ROUTES)
		return model_fail(err, "RouteLimitExceeded",
				  "Route table %s has %u IPv%u routes, the most it can hold", t->id,
				  MODEL_MAX_ROUTES, r->family);
	dest = strdup(dest_cidr);
	tg = strdup(target);
	if (!dest || !tg || rt_grow(t, 1) || model_reserve_delta(delta, 1)) {
		free(dest);
		free(tg);
		return model_fail_nomem(err);
	}
	k = rt_append(t, r, dest, tg);
	t->views[k].blackholed = blackholed;
	if (r->eni != NIL)
		ENI(m, r->eni)->routes_to++;
	model_put_route(m, delta, ti, k, false);
	return 0;
}

int model_create_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       const char *target, struct delta *delta, struct model_err *err)
{
	struct route r = {.eni = NIL};
	uint32_t ti;

	if (route_lookup(m, route_table_id, dest_cidr, &ti, &r, err) < 0 ||
	    route_target(m, RT(m, ti), route_table_id, dest_cidr, target, &r, err) < 0)
		return -1;
	return route_add(m, ti, &r, dest_cidr, target, false, delta, err);
}

int model_create_blackholed_route(struct model *m, const char *route_table_id,
				  const char *dest_cidr, const char *eni_id, struct delta *delta,
				  struct model_err *err)
{
	struct route r = {.eni = NIL, .kind = ROUTE_ENI};
	uint32_t ti;

	if (route_lookup(m, route_table_id, dest_cidr, &ti, &r, err) < 0)
		return -1;
	if (!eni_id || strncmp(eni_id, "eni-", 4) != 0 || !model_id_ok(eni_id) ||
	    model_find(&m->by_eni, eni_id) != NIL)
		return model_fail(err, "InvalidParameterValue",
				  "A blackholed route names an ENI id that no longer exists, not "
				  "'%s'",
				  eni_id ? eni_id : "");
	return route_add(m, ti, &r, dest_cidr, eni_id, true, delta, err);
}

int model_replace_route(struct model *m, const char *route_table_id, const char *dest_cidr,
			const char *target, struct delta *delta, struct model_err *err)
{
	struct route r = {.eni = NIL};
	struct rtable *t;
	uint32_t ti;
	ssize_t k;
	char *tg;

	if (route_lookup(m, route_table_id, dest_cidr, &ti, &r, err) < 0)
		return -1;
	t = RT(m, ti);
	k = rt_find(t, r.family, r.prefix, r.depth);
	if (k < 0)
		return model_fail(err, "InvalidRoute.NotFound",
				  "no route with destination-cidr-block %s in route table %s",
				  dest_cidr, route_table_id);
	if (t->r[k].implicit)
		return model_fail(err, "InvalidParameterValue",
				  "cannot replace local route %s in route table %s", dest_cidr,
				  route_table_id);
	if (route_target(m, t, route_table_id, dest_cidr, target, &r, err) < 0)
		return -1;
	if (!(tg = strdup(target)) || model_reserve_delta(delta, 1)) {
		free(tg);
		return model_fail_nomem(err);
	}
	if (t->r[k].kind == ROUTE_ENI && t->r[k].eni != NIL)
		ENI(m, t->r[k].eni)->routes_to--;
	if (r.eni != NIL)
		ENI(m, r.eni)->routes_to++;
	t->r[k].kind = r.kind;
	t->r[k].eni = r.eni;
	free((char *)t->views[k].target);
	t->views[k].target = tg;
	t->views[k].blackholed = false;
	model_put_route(m, delta, ti, (size_t)k, false);
	return 0;
}

int model_delete_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       struct delta *delta, struct model_err *err)
{
	uint32_t ti = model_find(&m->by_rt, route_table_id);
	uint8_t fam, depth, prefix[16];
	struct rtable *t;
	ssize_t k;

	if (ti == NIL)
		return model_fail(err, "InvalidRouteTableID.NotFound",
				  "The routeTable ID '%s' does not exist",
				  route_table_id ? route_table_id : "");
	t = RT(m, ti);
	if (parse_dest(dest_cidr, &fam, prefix, &depth) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter destinationCidrBlock is invalid. This is "
		    "not a valid CIDR block.",
		    dest_cidr ? dest_cidr : "");
	k = rt_find(t, fam, prefix, depth);
	if (k < 0)
		return model_fail(err, "InvalidRoute.NotFound",
				  "no route with destination-cidr-block %s in route table %s",
				  dest_cidr, route_table_id);
	if (t->r[k].implicit)
		return model_fail(err, "InvalidParameterValue",
				  "cannot remove local route %s in route table %s", dest_cidr,
				  route_table_id);
	if (model_reserve_delta(delta, 1))
		return model_fail_nomem(err);
	model_put_route(m, delta, ti, (size_t)k, true);
	if (t->r[k].kind == ROUTE_ENI && t->r[k].eni != NIL)
		ENI(m, t->r[k].eni)->routes_to--;
	free((char *)t->views[k].dest_cidr);
	free((char *)t->views[k].target);
	/* keep the order of the others */
	memmove(&t->r[k], &t->r[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->r));
	memmove(&t->views[k], &t->views[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->views));
	t->n--;
	return 0;
}

/* ---- VPCs ---- */

void model_vpc_release(struct vpc *v)
{
	free(v->id);
	free(v->main_assoc);
	free(v->c4base);
	free(v->c4depth);
	free(v->c6);
	model_free_strv(v->c4text, v->n4);
	model_free_strv(v->c6text, v->n6);
	memset(v, 0, sizeof(*v));
}

static const char *v6_block_taken(const struct model *m, const uint8_t *c6)
{
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		for (size_t k = 0; k < VPC(m, i)->n6; k++)
			if (model_v6_prefix_eq(c6, VPC(m, i)->c6[k], 56))
				return VPC(m, i)->id;
	return NULL;
}

/* The VPC's id and its main route table's: given, or generated (the table's after the VPC's). */
static int vpc_pick_ids(struct model *m, const struct model_vpc_req *req, uint64_t *seq,
			char vid[MODEL_ID_MAX], char rid[MODEL_ID_MAX], char aid[MODEL_ID_MAX],
			struct model_err *err)
{
	if (model_pick_id(&m->by_vpc, req->id, "vpc-", seq, vid, err) < 0)
		return -1;
	if (req->main_route_table_id && model_find(&m->by_rt, req->main_route_table_id) != NIL)
		return model_fail(err, "InvalidParameterValue", "The id '%s' already exists",
				  req->main_route_table_id);
	if (model_pick_id(&m->by_rt, req->main_route_table_id, "rtb-", seq, rid, err) < 0)
		return -1;
	/* the main association's id is drawn after the others: older ids stay as they were */
	return model_pick_id(&m->by_rtassoc, req->main_association_id, "rtbassoc-", seq, aid, err);
}

static int vpc_alloc(struct vpc *v, const struct model_vpc_req *req, const char *vid,
		     const char *aid, struct model_err *err)
{
	v->n4 = req->n_cidr4;
	v->n6 = req->n_cidr6;
	v->c4base = calloc(v->n4, sizeof(*v->c4base));
	v->c4depth = calloc(v->n4, 1);
	v->c4text = calloc(v->n4, sizeof(char *));
	v->c6 = calloc(v->n6 + 1, 16);
	v->c6text = calloc(v->n6 + 1, sizeof(char *));
	v->id = strdup(vid);
	v->main_assoc = strdup(aid);
	/* EC2's defaults for a VPC that is not the default VPC */
	v->dns_support = true;
	v->dns_hostnames = false;
	if (!v->c4base || !v->c4depth || !v->c4text || !v->c6 || !v->c6text || !v->id ||
	    !v->main_assoc)
		return model_fail_nomem(err);
	return 0;
}

/*
 * IPv4 block k: a /1 to /28, overlapping no block given before it. Blocks of
 * other VPCs may overlap it (R31: a private address is unique inside its VPC
 * only; the dataplane keys every private IPv4 lookup by VPC).
 */
static int vpc_parse_block4(struct vpc *v, const struct model_vpc_req *req, size_t k,
			    struct model_err *err)
{
	if (model_parse_cidr4(req->cidr4[k], &v->c4base[k], &v->c4depth[k]) < 0)
		return model_fail(err, "InvalidParameterValue",
				  "Value (%s) for parameter cidrBlock is invalid. This is not a "
				  "valid CIDR block (a /1 to /28 without host bits).",
				  req->cidr4[k] ? req->cidr4[k] : "");
	if (v->c4depth[k] < 1 || v->c4depth[k] > 28)
		return model_fail(err, "InvalidVpc.Range",
				  "The CIDR '%s' is invalid: a VPC block is a /1 to /28.",
				  req->cidr4[k]);
	for (size_t j = 0; j < k; j++)
		if (model_v4_overlap(v->c4base[k], v->c4depth[k], v->c4base[j], v->c4depth[j]))
			return model_fail(err, "InvalidParameterValue",
					  "The CIDR '%s' overlaps '%s'", req->cidr4[k],
					  req->cidr4[j]);
	if (!(v->c4text[k] = model_fmt_cidr4(v->c4base[k], v->c4depth[k])))
		return model_fail_nomem(err);
	return 0;
}

/* IPv6 block k: a /56 used by no VPC and not given twice. */
static int vpc_parse_block6(const struct model *m, struct vpc *v, const struct model_vpc_req *req,
			    size_t k, struct model_err *err)
{
	const char *who;
	uint8_t d;

	if (model_parse_cidr6(req->cidr6[k], v->c6[k], &d) < 0 || d != 56)
		return model_fail(err, "InvalidParameterValue",
				  "Value (%s) for parameter ipv6CidrBlock is invalid: a /56 is "
				  "required.",
				  req->cidr6[k] ? req->cidr6[k] : "");
	if ((who = v6_block_taken(m, v->c6[k])))
		return model_fail(err, "InvalidParameterValue", "The CIDR '%s' is used by %s",
				  req->cidr6[k], who);
	for (size_t j = 0; j < k; j++)
		if (model_v6_prefix_eq(v->c6[k], v->c6[j], 56))
			return model_fail(err, "InvalidParameterValue",
					  "The CIDR '%s' is given twice", req->cidr6[k]);
	if (!(v->c6text[k] = model_fmt_cidr6(v->c6[k], 56)))
		return model_fail_nomem(err);
	return 0;
}

static int vpc_parse_blocks(const struct model *m, struct vpc *v, const struct model_vpc_req *req,
			    struct model_err *err)
{
	for (size_t k = 0; k < v->n4; k++)
		if (vpc_parse_block4(v, req, k, err) < 0)
			return -1;
	for (size_t k = 0; k < v->n6; k++)
		if (vpc_parse_block6(m, v, req, k, err) < 0)
			return -1;
	return 0;
}

/*
 * The VPC and its main route table into the model. On failure (no memory for
 * the table) the VPC's slot is given back and *v still owns its arrays.
 */
static int vpc_commit(struct model *m, const struct vpc *v, const char *vid, const char *rid,
		      struct sgroup *sg, struct delta *delta, struct model_err *err)
{
	uint32_t vi, ti;

	if (objtab_reserve(&m->vpcs, 1) || mhash_reserve(&m->by_vpc, 1) ||
	    mhash_reserve(&m->by_rtassoc, 1) || model_reserve_delta(delta, v->n4 + v->n6))
		return model_fail_nomem(err);
	vi = objtab_alloc(&m->vpcs);
	*VPC(m, vi) = *v;
	ti = rt_new(m, vi, rid, true);
	if (ti == NIL) {
		objtab_release(&m->vpcs, vi);
		return model_fail_nomem(err);
	}
	VPC(m, vi)->main_rt = ti;
	VPC(m, vi)->default_sg = model_sg_default_link(m, sg, vi);
	mhash_put(&m->by_vpc, vid, strlen(vid), vi);
	mhash_put(&m->by_rtassoc, v->main_assoc, strlen(v->main_assoc), vi | MODEL_ASSOC_MAIN);
	model_rt_put_all(m, delta, ti);
	return 0;
}

int model_create_vpc(struct model *m, const struct model_vpc_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err)
{
	char vid[MODEL_ID_MAX], rid[MODEL_ID_MAX], aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct vpc v = {0};
	struct sgroup sg = {0};

	if (!req || req->n_cidr4 == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter CidrBlock");
	if (vpc_pick_ids(m, req, &seq, vid, rid, aid, err) < 0)
		return -1;
	if (m->rts.nlive >= MODEL_MAX_ROUTE_TABLES) /* its main table */
		return model_fail(err, "VpcLimitExceeded",
				  "There are %u route tables, the most the tables hold: no room "
				  "for the new VPC's main table",
				  MODEL_MAX_ROUTE_TABLES);
	if (vpc_alloc(&v, req, vid, aid, err) < 0 || vpc_parse_blocks(m, &v, req, err) < 0 ||
	    model_sg_default_make(m, req, &seq, &sg, err) < 0 ||
	    vpc_commit(m, &v, vid, rid, &sg, delta, err) < 0) {
		model_vpc_release(&v);
		model_sg_release(&sg);
		return -1;
	}
	m->seq = seq;
	if (out_id)
		model_id_copy(out_id, vid);
	return 0;
}

/* Room for one more block in v's arrays (their counts do not change). */
static int vpc_grow(struct vpc *v, bool six)
{
	void *p;

	if (six) {
		if (!(p = realloc(v->c6, (v->n6 + 1) * 16)))
			return -ENOMEM;
		v->c6 = p;
		if (!(p = realloc(v->c6text, (v->n6 + 1) * sizeof(char *))))
			return -ENOMEM;
		v->c6text = p;
		return 0;
	}
	if (!(p = realloc(v->c4base, (v->n4 + 1) * sizeof(*v->c4base))))
		return -ENOMEM;
	v->c4base = p;
	if (!(p = realloc(v->c4depth, v->n4 + 1)))
		return -ENOMEM;
	v->c4depth = p;
	if (!(p = realloc(v->c4text, (v->n4 + 1) * sizeof(char *))))
		return -ENOMEM;
	v->c4text = p;
	return 0;
}

/* Check the new block k of v (the VPC's blocks before it as the request's list). */
static int vpc_check_new_block(const struct model *m, struct vpc *v, const char *cidr, bool six,
			       struct model_err *err)
{
	size_t n = six ? v->n6 : v->n4;
	const char **texts = calloc(n + 1, sizeof(*texts));
	struct model_vpc_req req = {0};
	int rc;

	if (!texts)
		return model_fail_nomem(err);
	for (size_t k = 0; k < n; k++)
		texts[k] = six ? v->c6text[k] : v->c4text[k];
	texts[n] = cidr;
	if (six) {
		req.cidr6 = texts;
		rc = vpc_parse_block6(m, v, &req, n, err);
	} else {
		req.cidr4 = texts;
		rc = vpc_parse_block4(v, &req, n, err);
	}
	free(texts);
	return rc;
}

/*
 * Insert a VPC block's local route where a new table would have it (room
 * reserved): a table starts with the local routes of the IPv4 blocks, then of
 * the IPv6 blocks, each in the VPC's order, whenever the blocks were added.
 * Returns its index.
 */
static size_t rt_insert_local(struct rtable *t, const struct route *r, char *dest, char *target)
{
	size_t at = 0, k;

	while (at < t->n && t->r[at].implicit && (r->family == 6 || t->r[at].family == 4))
		at++;
	k = rt_append(t, r, dest, target);
	if (k == at)
		return k;
	struct route moved = t->r[k];
	struct model_route_view view = t->views[k];
	memmove(&t->r[at + 1], &t->r[at], (k - at) * sizeof(*t->r));
	memmove(&t->views[at + 1], &t->views[at], (k - at) * sizeof(*t->views));
	t->r[at] = moved;
	t->views[at] = view;
	return at;
}

/*
 * The local route of block k (IPv4 when !six) for every table of VPC vi:
 * strings made first, then appended (nothing can fail after the first append).
 */
static int vpc_add_local_routes(struct model *m, uint32_t vi, bool six, size_t k,
				struct delta *delta, struct model_err *err)
{
	const struct vpc *v = VPC(m, vi);
	const char *text = six ? v->c6text[k] : v->c4text[k];
	struct route r = {.kind = ROUTE_LOCAL, .implicit = true, .eni = NIL};
	size_t nt = 0, j = 0;
	char **s;
	uint32_t ti;

	for (ti = m->rts.head; ti != NIL; ti = m->rts.next[ti]) {
		const struct rtable *t = RT(m, ti);
		size_t same = 0;
		if (t->vpc != vi)
			continue;
		nt++;
		for (size_t r = 0; r < t->n; r++)
			same += t->r[r].family == (six ? 6 : 4);
		if (same >= MODEL_MAX_ROUTES)
			return model_fail(
			    err, "RouteLimitExceeded",
			    "Route table %s has %u IPv%d routes, the most it can hold: "
			    "no room for the block's local route",
			    t->id, MODEL_MAX_ROUTES, six ? 6 : 4);
	}
	if (!(s = calloc(2 * nt + 1, sizeof(*s))) || model_reserve_delta(delta, nt)) {
		free(s);
		return model_fail_nomem(err);
	}
	for (ti = m->rts.head; ti != NIL; ti = m->rts.next[ti]) {
		if (RT(m, ti)->vpc != vi)
			continue;
		s[j] = strdup(text);
		s[j + 1] = strdup("local");
		if (!s[j] || !s[j + 1] || rt_grow(RT(m, ti), 1)) {
			model_free_strv(s, j + 2);
			return model_fail_nomem(err);
		}
		j += 2;
	}
	if (six) {
		r.family = 6;
		r.depth = 56;
		memcpy(r.prefix, v->c6[k], 16);
	} else {
		uint32_t net = htonl(v->c4base[k]);
		r.family = 4;
		r.depth = v->c4depth[k];
		memcpy(r.prefix, &net, 4);
	}
	j = 0;
	for (ti = m->rts.head; ti != NIL; ti = m->rts.next[ti]) {
		if (RT(m, ti)->vpc != vi)
			continue;
		model_put_route(m, delta, ti, rt_insert_local(RT(m, ti), &r, s[j], s[j + 1]),
				false);
		j += 2;
	}
	free(s);
	return 0;
}

int model_associate_vpc_cidr(struct model *m, const char *vpc_id, const char *cidr4,
			     const char *cidr6, struct delta *delta, struct model_err *err)
{
	uint32_t vi = model_find(&m->by_vpc, vpc_id);
	bool six = cidr6 != NULL;
	struct vpc *v;
	size_t k;

	if (!vpc_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter VpcId");
	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  vpc_id);
	if (!cidr4 == !cidr6)
		return model_fail(err, cidr4 ? "InvalidParameterCombination" : "MissingParameter",
				  "Specify one block: CidrBlock, or an IPv6 block");
	v = VPC(m, vi);
	if (vpc_grow(v, six))
		return model_fail_nomem(err);
	if (vpc_check_new_block(m, v, six ? cidr6 : cidr4, six, err) < 0)
		return -1;
	k = six ? v->n6 : v->n4;
	if (vpc_add_local_routes(m, vi, six, k, delta, err) < 0) {
		free(six ? v->c6text[k] : v->c4text[k]);
		return -1;
	}
	if (six)
		v->n6++;
	else
		v->n4++;
	return 0;
}

/* ---- subnets ---- */

/* The IPv4 block: inside a block of the VPC, a /8 to /28. */
static int subnet_parse_block4(const struct vpc *v, const struct model_subnet_req *req,
			       struct subnet *s, struct model_err *err)
{
	bool inside = false;

	if (model_parse_cidr4(req->cidr4, &s->base4, &s->depth4) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter cidrBlock is invalid. This is not a valid "
		    "CIDR block.",
		    req->cidr4);
	for (size_t k = 0; k < v->n4; k++)
		if (s->depth4 >= v->c4depth[k] &&
		    model_v4_overlap(s->base4, s->depth4, v->c4base[k], v->c4depth[k]))
			inside = true;
	if (!inside || s->depth4 > 28 || s->depth4 < 8) /* a subnet is /8 to /28 */
		return model_fail(err, "InvalidSubnet.Range", "The CIDR '%s' is invalid.",
				  req->cidr4);
	return 0;
}

/* The IPv6 block, if any: a /64 inside a /56 of the VPC. */
static int subnet_parse_block6(const struct vpc *v, const struct model_subnet_req *req,
			       struct subnet *s, struct model_err *err)
{
	bool inside = false;
	uint8_t d;

	if (!req->cidr6)
		return 0;
	if (model_parse_cidr6(req->cidr6, s->c6, &d) < 0 || d != 64)
		return model_fail(err, "InvalidParameterValue",
				  "Value (%s) for parameter ipv6CidrBlock is invalid: a /64 "
				  "is required.",
				  req->cidr6);
	for (size_t k = 0; k < v->n6; k++)
		if (model_v6_prefix_eq(s->c6, v->c6[k], 56))
			inside = true;
	if (!inside)
		return model_fail(err, "InvalidSubnet.Range",
				  "The IPv6 CIDR '%s' is not inside a block of %s", req->cidr6,
				  req->vpc_id);
	s->has6 = true;
	return 0;
}

/* No other subnet of the VPC overlaps the new one's blocks. */
static int subnet_check_conflicts(const struct model *m, uint32_t vi,
				  const struct model_subnet_req *req, const struct subnet *s,
				  struct model_err *err)
{
	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i]) {
		const struct subnet *o = SUBNET(m, i);
		if (o->vpc != vi)
			continue;
		if (model_v4_overlap(s->base4, s->depth4, o->base4, o->depth4))
			return model_fail(err, "InvalidSubnet.Conflict",
					  "The CIDR '%s' conflicts with another subnet",
					  req->cidr4);
		if (s->has6 && o->has6 && model_v6_prefix_eq(s->c6, o->c6, 64))
			return model_fail(err, "InvalidSubnet.Conflict",
					  "The IPv6 CIDR '%s' conflicts with another subnet",
					  req->cidr6);
	}
	return 0;
}

/* The route table: the given one, of the same VPC, or the VPC's main one. */
static int subnet_pick_route_table(const struct model *m, uint32_t vi,
				   const struct model_subnet_req *req, uint32_t *ti,
				   struct model_err *err)
{
	*ti = VPC(m, vi)->main_rt;
	if (!req->route_table_id)
		return 0;
	*ti = model_find(&m->by_rt, req->route_table_id);
	if (*ti == NIL)
		return model_fail(err, "InvalidRouteTableID.NotFound",
				  "The routeTable ID '%s' does not exist", req->route_table_id);
	if (RT(m, *ti)->vpc != vi)
		return model_fail(err, "InvalidParameterValue",
				  "Route table %s and subnet are in different VPCs",
				  req->route_table_id);
	return 0;
}

/* The subnet's strings and address pool, and every slot the commit needs. */
static int subnet_reserve(struct model *m, struct subnet *s, const char *sid, const char *az,
			  struct delta *delta, struct model_err *err)
{
	s->v6cursor = 4;
	s->id = strdup(sid);
	s->az = strdup(az);
	s->cidr4text = model_fmt_cidr4(s->base4, s->depth4);
	s->cidr6text = s->has6 ? model_fmt_cidr6(s->c6, 64) : NULL;
	if (!s->id || !s->az || !s->cidr4text || (s->has6 && !s->cidr6text) ||
	    addrpool_init(&s->pool, s->base4, s->depth4, true) < 0 ||
	    objtab_reserve(&m->subnets, 1) || mhash_reserve(&m->by_subnet, 1) ||
	    mhash_reserve(&m->by_rtassoc, 1) || model_reserve_delta(delta, 1)) {
		free(s->assoc);
		free(s->id);
		free(s->az);
		free(s->cidr4text);
		free(s->cidr6text);
		addrpool_fini(&s->pool);
		return model_fail_nomem(err);
	}
	return 0;
}

int model_create_subnet(struct model *m, const struct model_subnet_req *req,
			char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err)
{
	char sid[MODEL_ID_MAX], aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct subnet s = {0};
	uint32_t vi, ti = NIL, si;

	if (!req || !req->vpc_id || !req->cidr4 || !req->az || !*req->az)
		return model_fail(err, "MissingParameter",
				  "A subnet needs VpcId, CidrBlock and AvailabilityZone");
	vi = model_find(&m->by_vpc, req->vpc_id);
	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  req->vpc_id);
	if (m->subnets.nlive >= MODEL_MAX_SUBNETS)
		return model_fail(err, "SubnetLimitExceeded",
				  "There are %u subnets, the most the tables hold",
				  MODEL_MAX_SUBNETS);
	if (subnet_parse_block4(VPC(m, vi), req, &s, err) < 0 ||
	    subnet_parse_block6(VPC(m, vi), req, &s, err) < 0 ||
	    subnet_check_conflicts(m, vi, req, &s, err) < 0 ||
	    subnet_pick_route_table(m, vi, req, &ti, err) < 0 ||
	    model_pick_id(&m->by_subnet, req->id, "subnet-", &seq, sid, err) < 0)
		return -1;
	/* a table named at creation is an explicit association, with its own id */
	if (req->route_table_id &&
	    (model_pick_id(&m->by_rtassoc, req->association_id, "rtbassoc-", &seq, aid, err) < 0))
		return -1;
	if (req->route_table_id && !(s.assoc = strdup(aid)))
		return model_fail_nomem(err);
	s.vpc = vi;
	s.rt = ti;
	if (subnet_reserve(m, &s, sid, req->az, delta, err) < 0)
		return -1;
	si = objtab_alloc(&m->subnets);
	*SUBNET(m, si) = s;
	mhash_put(&m->by_subnet, sid, strlen(sid), si);
	if (s.assoc)
		mhash_put(&m->by_rtassoc, s.assoc, strlen(s.assoc), si);
	m->seq = seq;
	model_put_subnet(m, delta, si);
	if (out_id)
		model_id_copy(out_id, sid);
	return 0;
}

/* ---- public pools ---- */

int model_add_public_pool(struct model *m, const char *cidr, struct model_err *err)
{
	struct pubpool p = {0}, *np;
	uint32_t base;
	uint8_t depth;
	size_t at = 0;

	if (model_parse_cidr4(cidr, &base, &depth) < 0 || depth < 8)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid public pool '%s': an IPv4 CIDR of /8 to /32",
				  cidr ? cidr : "");
	for (size_t k = 0; k < m->npools; k++) {
		if (model_v4_overlap(base, depth, m->pools[k].pool.base, m->pools[k].pool.depth))
			return model_fail(err, "InvalidParameterValue",
					  "Public pool '%s' overlaps pool '%s'", cidr,
					  m->pools[k].text);
		if (m->pools[k].pool.base < base)
			at = k + 1;
	}
	p.text = model_fmt_cidr4(base, depth);
	np = realloc(m->pools, (m->npools + 1) * sizeof(*np));
	if (np)
		m->pools = np;
	if (!p.text || !np || addrpool_init(&p.pool, base, depth, false) < 0) {
		free(p.text);
		return model_fail_nomem(err);
	}
	/* already allocated given addresses inside the new pool are taken */
	for (uint32_t i = m->eips.head; i != NIL; i = m->eips.next[i]) {
		uint32_t h = ntohl(EIP(m, i)->pub);
		if (addrpool_contains(&p.pool, h))
			addrpool_take(&p.pool, h);
	}
	memmove(&m->pools[at + 1], &m->pools[at], (m->npools - at) * sizeof(*np));
	m->pools[at] = p;
	m->npools++;
	return 0;
}
