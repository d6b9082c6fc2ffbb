/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_world.c - building the world through the API (SPEC R28): VPCs and
 * their blocks, subnets, route tables, routes and associations, and the
 * read-only objects around them (the implicit internet gateways, the
 * availability zones, the account attributes).
 *
 * Every change calls one model function (control/model/model_world.c and
 * model_vpc.c) and writes its canonical record with every generated id, the
 * IPv6 block picked from the pool and the route target as the model names it
 * ("Target", internal), so that journal replay recreates the same objects.
 * Internal parameters (accepted from the journal only): VpcId,
 * MainRouteTableId, MainAssociationId, Ipv6CidrBlock, SubnetId,
 * RouteTableId (CreateRouteTable), AssociationId / NewAssociationId,
 * Target and Blackholed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

#define AZ_LETTERS "abc" /* the region's zones: <region>a, b and c (docs/api.md) */
#define AZ_MAX 64	 /* zones listed: the region's and those the configuration uses */

/* A fresh id of that prefix that `taken` does not know. */
static void new_id(struct api_ctx *c, const char *prefix, char out[MODEL_ID_MAX],
		   bool (*taken)(const struct model *, const char *))
{
	do
		api_new_id(prefix, out);
	while (taken(c->m, out));
}

static bool vpc_taken(const struct model *m, const char *id)
{
	return model_get_vpc(m, id, NULL) == 0;
}

static bool rt_taken(const struct model *m, const char *id)
{
	return model_get_route_table(m, id, NULL) == 0;
}

static bool subnet_taken(const struct model *m, const char *id)
{
	return model_get_subnet(m, id, NULL) == 0;
}

/* Association ids are checked by the model (model_pick_id); a clash is 2^-68. */
static bool never_taken(const struct model *m, const char *id)
{
	(void)m;
	(void)id;
	return false;
}

/* The implicit internet gateway of a VPC: igw- and the VPC id's suffix. */
void api_igw_id(const char *vpc_id, char out[MODEL_ID_MAX])
{
	const char *suffix = strncmp(vpc_id, "vpc-", 4) == 0 ? vpc_id + 4 : vpc_id;
	snprintf(out, MODEL_ID_MAX, "igw-%.*s", MODEL_ID_MAX - 5, suffix);
}

/* ---- VPCs ---- */

void api_canon_create_vpc(struct api_buf *b, const struct model *m, const struct model_vpc_view *v,
			  bool bare)
{
	struct model_sg_view g;
	char name[32];

	api_buf_form_add(b, "Action", "CreateVpc");
	api_buf_form_add(b, "VpcId", v->id);
	api_buf_form_add(b, "CidrBlock", v->cidr4[0]);
	if (v->n_cidr6)
		api_buf_form_add(b, "Ipv6CidrBlock", v->cidr6[0]);
	api_buf_form_add(b, "MainRouteTableId", v->main_route_table_id);
	api_buf_form_add(b, "MainAssociationId", v->main_association_id);
	if (model_get_default_sg(m, v->id, &g))
		return;
	api_buf_form_add(b, "DefaultGroupId", g.id);
	if (bare) {
		api_buf_form_add(b, "DefaultGroupBare", "true");
		return;
	}
	for (size_t k = 0; k < g.n_rules && k < 3; k++) {
		snprintf(name, sizeof(name), "DefaultRuleId.%zu", k + 1);
		api_buf_form_add(b, name, g.rules[k].id);
	}
}

/* The default group's id and its rules' ids: from the journal, or new. */
static void vpc_default_group(struct api_ctx *c, struct model_vpc_req *req, char gid[MODEL_ID_MAX],
			      char rids[3][MODEL_ID_MAX])
{
	char name[32];
	const char *bare = api_internal(c, "DefaultGroupBare");

	req->default_group_bare = bare && strcmp(bare, "true") == 0;
	if (!(req->default_group_id = api_internal(c, "DefaultGroupId"))) {
		new_id(c, "sg-", gid, api_sg_taken);
		req->default_group_id = gid;
	}
	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "DefaultRuleId.%d", k + 1);
		if (!(req->default_rule_ids[k] = api_internal(c, name))) {
			/* a clash with an existing rule id is 2^-68: the model refuses it */
			api_new_id("sgr-", rids[k]);
			req->default_rule_ids[k] = rids[k];
		}
	}
}

/* The /56: given (journal), or picked from the IPv6 pools for AmazonProvidedIpv6CidrBlock. */
static int vpc_ipv6_block(struct api_ctx *c, char block[64], const char **out)
{
	const char *given = api_opt(c, "Ipv6CidrBlock");
	bool amazon;
	struct model_err err = {0};

	*out = NULL;
	if (api_bool(c, "AmazonProvidedIpv6CidrBlock", false, &amazon))
		return -1;
	if (given && !c->trusted)
		return api_fail(c, "InvalidParameterCombination",
				"Ipv6CidrBlock needs an Ipv6Pool of your own, which enimap does "
				"not have: use AmazonProvidedIpv6CidrBlock.");
	if (api_opt(c, "Ipv6Pool") || api_opt(c, "Ipv6IpamPoolId") || api_opt(c, "Ipv4IpamPoolId"))
		return api_fail(c, "InvalidParameterValue",
				"IP address pools other than Amazon's are not supported.");
	if (given) {
		*out = given;
		return 0;
	}
	if (!amazon)
		return 0;
	if (model_pick_ipv6_block(c->m, block, &err))
		return api_fail_model(c, &err);
	*out = block;
	return 0;
}

static int act_create_vpc(struct api_ctx *c)
{
	char vid[MODEL_ID_MAX], rid[MODEL_ID_MAX], aid[MODEL_ID_MAX], id[MODEL_ID_MAX];
	char gid[MODEL_ID_MAX], rids[3][MODEL_ID_MAX];
	char block6[64];
	const char *cidr4 = api_req(c, "CidrBlock"), *cidr6, *tenancy;
	struct model_vpc_req req = {0};
	struct model_err err = {0};
	struct model_vpc_view v;

	static const char *const tag_types[] = {"vpc", NULL};
	if (!cidr4 || api_tag_specs_check(c, tag_types))
		return -1;
	tenancy = api_opt(c, "InstanceTenancy");
	if (tenancy && strcmp(tenancy, "default") != 0)
		return api_fail(c, "InvalidParameterValue",
				"Value (%.60s) for parameter InstanceTenancy is invalid: only "
				"default is supported.",
				tenancy);
	req.id = api_internal(c, "VpcId");
	if (vpc_ipv6_block(c, block6, &cidr6))
		return -1;
	req.main_route_table_id = api_internal(c, "MainRouteTableId");
	req.main_association_id = api_internal(c, "MainAssociationId");
	if (!req.id) {
		new_id(c, "vpc-", vid, vpc_taken);
		new_id(c, "rtb-", rid, rt_taken);
		new_id(c, "rtbassoc-", aid, never_taken);
		req.id = vid;
		req.main_route_table_id = rid;
		req.main_association_id = aid;
	}
	vpc_default_group(c, &req, gid, rids);
	req.cidr4 = &cidr4;
	req.n_cidr4 = 1;
	req.cidr6 = &cidr6;
	req.n_cidr6 = cidr6 ? 1 : 0;
	if (model_create_vpc(c->m, &req, id, c->delta, &err))
		return api_fail_model(c, &err);
	if (model_get_vpc(c->m, id, &v))
		return api_fail(c, "InternalError", "The new VPC %s vanished.", id);
	api_buf_reset(c->canon);
	api_canon_create_vpc(c->canon, c->m, &v, false);
	if (api_tag_specs_apply(c, "vpc", id))
		return -1;
	api_buf_puts(c->xml, "<vpc>");
	api_xml_vpc(c, &v);
	api_buf_puts(c->xml, "</vpc>");
	return 0;
}

static int act_delete_vpc(struct api_ctx *c)
{
	const char *id = api_req(c, "VpcId");
	struct model_err err = {0};

	if (!id)
		return -1;
	if (model_delete_vpc(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DeleteVpc");
	api_buf_form_add(c->canon, "VpcId", id);
	return 0;
}

static void xml_vpc_block(struct api_ctx *c, const struct model_vpc_view *v, bool six)
{
	size_t k = (six ? v->n_cidr6 : v->n_cidr4) - 1;
	struct api_buf *x = c->xml;

	api_buf_xml_elem(x, "vpcId", v->id);
	if (six) {
		api_buf_printf(x, "<ipv6CidrBlockAssociation><associationId>");
		api_buf_xml_escape(x, v->id);
		api_buf_printf(x, "-ipv6-cidr-%zu</associationId>", k);
		api_buf_xml_elem(x, "ipv6CidrBlock", v->cidr6[k]);
		api_buf_puts(x, "<ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState>"
				"<ipv6Pool>Amazon</ipv6Pool>");
		api_buf_xml_elem(x, "networkBorderGroup", c->a->cfg.region);
		api_buf_puts(x, "</ipv6CidrBlockAssociation>");
		return;
	}
	api_buf_printf(x, "<cidrBlockAssociation><associationId>");
	api_buf_xml_escape(x, v->id);
	api_buf_printf(x, "-cidr-%zu</associationId>", k);
	api_buf_xml_elem(x, "cidrBlock", v->cidr4[k]);
	api_buf_puts(x, "<cidrBlockState><state>associated</state></cidrBlockState>"
			"</cidrBlockAssociation>");
}

static int act_associate_vpc_cidr(struct api_ctx *c)
{
	const char *id = api_req(c, "VpcId"), *cidr4, *cidr6;
	struct model_err err = {0};
	struct model_vpc_view v;
	char block6[64];

	if (!id)
		return -1;
	cidr4 = api_opt(c, "CidrBlock");
	if (vpc_ipv6_block(c, block6, &cidr6))
		return -1;
	if (!cidr4 && !cidr6)
		return api_fail(c, "MissingParameter",
				"Either CidrBlock or AmazonProvidedIpv6CidrBlock must be "
				"specified.");
	if (cidr4 && cidr6)
		return api_fail(c, "InvalidParameterCombination",
				"Specify either CidrBlock or AmazonProvidedIpv6CidrBlock, not "
				"both.");
	if (model_associate_vpc_cidr(c->m, id, cidr4, cidr6, c->delta, &err))
		return api_fail_model(c, &err);
	if (model_get_vpc(c->m, id, &v))
		return api_fail(c, "InternalError", "The VPC %s vanished.", id);
	xml_vpc_block(c, &v, cidr6 != NULL);
	api_canon_start(c, "AssociateVpcCidrBlock");
	api_buf_form_add(c->canon, "VpcId", id);
	api_buf_form_add(c->canon, cidr6 ? "Ipv6CidrBlock" : "CidrBlock", cidr6 ? cidr6 : cidr4);
	return 0;
}

/* ---- availability zones: the region's, and those the configuration uses ---- */

struct azs {
	char name[AZ_MAX][MODEL_ID_MAX];
	size_t n;
};

static void azs_add(struct azs *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->name[i], name) == 0)
			return;
	if (z->n < AZ_MAX)
		snprintf(z->name[z->n++], MODEL_ID_MAX, "%s", name);
}

static int azs_subnet(const struct model_subnet_view *v, void *arg)
{
	azs_add(arg, v->az);
	return 0;
}

static int azs_instance(const struct model_instance_view *v, void *arg)
{
	azs_add(arg, v->az);
	return 0;
}

static void azs_collect(struct api_ctx *c, struct azs *z)
{
	z->n = 0;
	for (const char *l = AZ_LETTERS; *l; l++) {
		char name[MODEL_ID_MAX];
		snprintf(name, sizeof(name), "%.40s%c", c->a->cfg.region, *l);
		azs_add(z, name);
	}
	model_foreach_subnet(c->m, azs_subnet, z);
	model_foreach_instance(c->m, azs_instance, z);
}

/* The zone's index in z, or -1. */
static int azs_find(const struct azs *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* EC2-style zone id: the region's letters and digits, "-az", the zone's number. */
static void az_zone_id(struct api_ctx *c, int k, char out[MODEL_ID_MAX])
{
	snprintf(out, MODEL_ID_MAX, "%.40s-az%d", c->a->cfg.region, k + 1);
}

/* The zone of a new subnet: AvailabilityZone, AvailabilityZoneId, or the region's first. */
static int subnet_az(struct api_ctx *c, struct azs *z, const char **out)
{
	const char *name = api_opt(c, "AvailabilityZone"), *zid = api_opt(c, "AvailabilityZoneId");
	char buf[MODEL_ID_MAX];
	int k;

	azs_collect(c, z);
	if (name && zid)
		return api_fail(c, "InvalidParameterCombination",
				"Specify either AvailabilityZone or AvailabilityZoneId, not both.");
	if (zid) {
		for (k = 0; k < (int)z->n; k++) {
			az_zone_id(c, k, buf);
			if (strcmp(buf, zid) == 0)
				break;
		}
		if (k == (int)z->n)
			return api_fail(
			    c, "InvalidParameterValue",
			    "Value (%.60s) for parameter availabilityZoneId is invalid.", zid);
		*out = z->name[k];
		return 0;
	}
	if (!name) {
		*out = z->name[0];
		return 0;
	}
	/* a journal record names a zone that was valid then (its subnet may be gone now) */
	if (!c->trusted && azs_find(z, name) < 0) {
		char list[512] = "";
		for (size_t i = 0; i < z->n; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", z->name[i]);
		return api_fail(c, "InvalidParameterValue",
				"Value (%.60s) for parameter availabilityZone is invalid. Subnets "
				"can currently only be created in the following availability "
				"zones: %s.",
				name, list);
	}
	*out = name;
	return 0;
}

/* ---- subnets ---- */

static int act_create_subnet(struct api_ctx *c)
{
	struct model_subnet_req req = {0};
	char sid[MODEL_ID_MAX], id[MODEL_ID_MAX];
	struct model_err err = {0};
	struct model_subnet_view v;
	struct azs *z;
	int rc = -1;

	static const char *const tag_types[] = {"subnet", NULL};
	req.vpc_id = api_req(c, "VpcId");
	if (!req.vpc_id || !(req.cidr4 = api_req(c, "CidrBlock")) ||
	    api_tag_specs_check(c, tag_types))
		return -1;
	req.id = api_internal(c, "SubnetId");
	req.cidr6 = api_opt(c, "Ipv6CidrBlock");
	if (api_opt(c, "Ipv6Native") || api_opt(c, "OutpostArn") || api_opt(c, "Ipv4IpamPoolId"))
		return api_fail(c, "InvalidParameterValue",
				"Ipv6Native, OutpostArn and IPAM pools are not supported.");
	if (!(z = calloc(1, sizeof(*z))))
		return api_fail(c, "InternalError", "Out of memory.");
	if (subnet_az(c, z, &req.az))
		goto out;
	if (!req.id) {
		new_id(c, "subnet-", sid, subnet_taken);
		req.id = sid;
	}
	if (model_create_subnet(c->m, &req, id, c->delta, &err)) {
		api_fail_model(c, &err);
		goto out;
	}
	if (model_get_subnet(c->m, id, &v)) {
		api_fail(c, "InternalError", "The new subnet %s vanished.", id);
		goto out;
	}
	api_canon_start(c, "CreateSubnet");
	api_buf_form_add(c->canon, "SubnetId", v.id);
	api_buf_form_add(c->canon, "VpcId", v.vpc_id);
	api_buf_form_add(c->canon, "CidrBlock", v.cidr4);
	if (v.cidr6)
		api_buf_form_add(c->canon, "Ipv6CidrBlock", v.cidr6);
	api_buf_form_add(c->canon, "AvailabilityZone", v.az);
	if (api_tag_specs_apply(c, "subnet", id))
		goto out;
	api_buf_puts(c->xml, "<subnet>");
	api_xml_subnet(c, &v);
	api_buf_puts(c->xml, "</subnet>");
	rc = 0;
out:
	free(z);
	return rc;
}

static int act_delete_subnet(struct api_ctx *c)
{
	const char *id = api_req(c, "SubnetId");
	struct model_err err = {0};

	if (!id)
		return -1;
	if (model_delete_subnet(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DeleteSubnet");
	api_buf_form_add(c->canon, "SubnetId", id);
	return 0;
}

/* ---- route tables ---- */

struct rt_assocs {
	struct api_ctx *c;
	const char *rt_id;
	struct api_facts *facts; /* collect facts (NULL: write XML) */
};

static int rt_assoc_cb(const struct model_subnet_view *v, void *arg)
{
	struct rt_assocs *a = arg;
	struct api_buf *x = a->c->xml;

	if (!v->association_id || strcmp(v->route_table_id, a->rt_id) != 0)
		return 0;
	if (a->facts) {
		api_facts_add(a->facts, "association.route-table-id", a->rt_id);
		api_facts_add(a->facts, "association.route-table-association-id",
			      v->association_id);
		api_facts_add(a->facts, "association.subnet-id", v->id);
		api_facts_add(a->facts, "association.main", "false");
		return 0;
	}
	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, "routeTableAssociationId", v->association_id);
	api_buf_xml_elem(x, "routeTableId", a->rt_id);
	api_buf_xml_elem(x, "subnetId", v->id);
	api_buf_puts(x, "<main>false</main><associationState><state>associated</state>"
			"</associationState></item>");
	return 0;
}

static bool route_v6(const struct model_route_view *r)
{
	return strchr(r->dest_cidr, ':') != NULL;
}

static const char *route_state(const struct model_route_view *r)
{
	return r->blackholed || strcmp(r->target, "blackhole") == 0 ? "blackhole" : "active";
}

static void xml_route(struct api_ctx *c, const struct model_route_table_view *t,
		      const struct model_route_view *r)
{
	struct api_buf *x = c->xml;
	char igw[MODEL_ID_MAX];

	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, route_v6(r) ? "destinationIpv6CidrBlock" : "destinationCidrBlock",
			 r->dest_cidr);
	if (strcmp(r->target, "local") == 0) {
		api_buf_puts(x, "<gatewayId>local</gatewayId>");
	} else if (strcmp(r->target, "igw") == 0) {
		api_igw_id(t->vpc_id, igw);
		api_buf_xml_elem(x, "gatewayId", igw);
	} else if (strcmp(r->target, "blackhole") != 0) {
		struct model_eni_view e;
		api_buf_xml_elem(x, "networkInterfaceId", r->target);
		if (model_get_eni(c->m, r->target, &e) == 0 && e.instance_id) {
			api_buf_xml_elem(x, "instanceId", e.instance_id);
			api_buf_puts(x, "<instanceOwnerId>" API_OWNER_ID "</instanceOwnerId>");
		}
	}
	api_buf_printf(x, "<state>%s</state><origin>%s</origin></item>", route_state(r),
		       strcmp(r->target, "local") == 0 ? "CreateRouteTable" : "CreateRoute");
}

/* The main association of table t (its VPC's), when t is the main table. */
static const char *rt_main_assoc(struct api_ctx *c, const struct model_route_table_view *t)
{
	struct model_vpc_view v;
	if (!t->main || model_get_vpc(c->m, t->vpc_id, &v))
		return NULL;
	return v.main_association_id;
}

void api_xml_route_table(struct api_ctx *c, const struct model_route_table_view *t)
{
	struct api_buf *x = c->xml;
	struct rt_assocs a = {.c = c, .rt_id = t->id};
	const char *main = rt_main_assoc(c, t);

	api_buf_xml_elem(x, "routeTableId", t->id);
	api_buf_xml_elem(x, "vpcId", t->vpc_id);
	api_buf_puts(x, "<ownerId>" API_OWNER_ID "</ownerId><routeSet>");
	for (size_t i = 0; i < t->n_routes; i++)
		xml_route(c, t, &t->routes[i]);
	api_buf_puts(x, "</routeSet><associationSet>");
	if (main) {
		api_buf_puts(x, "<item>");
		api_buf_xml_elem(x, "routeTableAssociationId", main);
		api_buf_xml_elem(x, "routeTableId", t->id);
		api_buf_puts(x, "<main>true</main><associationState><state>associated</state>"
				"</associationState></item>");
	}
	model_foreach_subnet(c->m, rt_assoc_cb, &a);
	api_buf_puts(x, "</associationSet><propagatingVgwSet/>");
	api_xml_tags(c, t->id);
}

static int act_create_route_table(struct api_ctx *c)
{
	const char *vpc = api_req(c, "VpcId"), *want;
	char rid[MODEL_ID_MAX], id[MODEL_ID_MAX];
	struct model_err err = {0};
	struct model_route_table_view t;

	static const char *const tag_types[] = {"route-table", NULL};
	if (!vpc || api_tag_specs_check(c, tag_types))
		return -1;
	want = api_internal(c, "RouteTableId");
	if (!want) {
		new_id(c, "rtb-", rid, rt_taken);
		want = rid;
	}
	if (model_create_route_table(c->m, want, vpc, id, c->delta, &err))
		return api_fail_model(c, &err);
	if (model_get_route_table(c->m, id, &t))
		return api_fail(c, "InternalError", "The new route table %s vanished.", id);
	api_canon_start(c, "CreateRouteTable");
	api_buf_form_add(c->canon, "RouteTableId", id);
	api_buf_form_add(c->canon, "VpcId", vpc);
	if (api_tag_specs_apply(c, "route-table", id))
		return -1;
	api_buf_puts(c->xml, "<routeTable>");
	api_xml_route_table(c, &t);
	api_buf_puts(c->xml, "</routeTable>");
	return 0;
}

static int act_delete_route_table(struct api_ctx *c)
{
	const char *id = api_req(c, "RouteTableId");
	struct model_err err = {0};

	if (!id)
		return -1;
	if (model_delete_route_table(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DeleteRouteTable");
	api_buf_form_add(c->canon, "RouteTableId", id);
	return 0;
}

/* DestinationCidrBlock xor DestinationIpv6CidrBlock; *name is the one given. */
static const char *route_dest(struct api_ctx *c, const char **name)
{
	const char *d4 = api_opt(c, "DestinationCidrBlock");
	const char *d6 = api_opt(c, "DestinationIpv6CidrBlock");

	if (api_opt(c, "DestinationPrefixListId")) {
		api_fail(c, "InvalidParameterValue", "Prefix lists are not supported.");
		return NULL;
	}
	if (!d4 == !d6) {
		api_fail(c, d4 ? "InvalidParameterCombination" : "MissingParameter",
			 "Specify one of DestinationCidrBlock and DestinationIpv6CidrBlock.");
		return NULL;
	}
	*name = d4 ? "DestinationCidrBlock" : "DestinationIpv6CidrBlock";
	return d4 ? d4 : d6;
}

/*
 * The target as the model names it: GatewayId (the VPC's igw-, or local) or
 * NetworkInterfaceId; from the journal, Target as it was recorded.
 */
static const char *route_target(struct api_ctx *c, const char *rt_id)
{
	static const char *const unsupported[] = {"NatGatewayId",
						  "TransitGatewayId",
						  "VpcPeeringConnectionId",
						  "EgressOnlyInternetGatewayId",
						  "CarrierGatewayId",
						  "LocalGatewayId",
						  "VpcEndpointId",
						  "CoreNetworkArn",
						  "InstanceId",
						  NULL};
	const char *gw = api_opt(c, "GatewayId"), *eni = api_opt(c, "NetworkInterfaceId");
	const char *t = api_internal(c, "Target");
	struct model_route_table_view rt;
	char igw[MODEL_ID_MAX];

	if (t)
		return t;
	for (size_t i = 0; unsupported[i]; i++)
		if (api_opt(c, unsupported[i])) {
			api_fail(c, "InvalidParameterValue",
				 "Route targets of kind %s are not supported: use GatewayId (the "
				 "VPC's internet gateway) or NetworkInterfaceId.",
				 unsupported[i]);
			return NULL;
		}
	if (!gw == !eni) {
		api_fail(c, gw ? "InvalidParameterCombination" : "MissingParameter",
			 "Specify one route target: GatewayId or NetworkInterfaceId.");
		return NULL;
	}
	if (eni)
		return eni;
	if (strcmp(gw, "local") == 0)
		return "local";
	if (model_get_route_table(c->m, rt_id, &rt)) {
		api_fail(c, "InvalidRouteTableID.NotFound",
			 "The routeTable ID '%.100s' does not exist", rt_id);
		return NULL;
	}
	api_igw_id(rt.vpc_id, igw);
	if (strcmp(gw, igw) != 0) {
		api_fail(c,
			 strncmp(gw, "igw-", 4) == 0 ? "InvalidGatewayID.NotFound"
						     : "InvalidParameterValue",
			 "The gateway ID '%.100s' does not exist (the internet gateway of %s is "
			 "%s)",
			 gw, rt.vpc_id, igw);
		return NULL;
	}
	return "igw";
}

static int route_change(struct api_ctx *c, bool replace)
{
	const char *rt = api_req(c, "RouteTableId"), *dest, *dname, *target;
	struct model_err err = {0};
	bool blackholed = false;
	int rc;

	if (!rt || !(dest = route_dest(c, &dname)) || !(target = route_target(c, rt)))
		return -1;
	if (c->trusted && api_bool(c, "Blackholed", false, &blackholed))
		return -1;
	if (blackholed)
		rc = model_create_blackholed_route(c->m, rt, dest, target, c->delta, &err);
	else if (replace)
		rc = model_replace_route(c->m, rt, dest, target, c->delta, &err);
	else
		rc = model_create_route(c->m, rt, dest, target, c->delta, &err);
	if (rc)
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, replace ? "ReplaceRoute" : "CreateRoute");
	api_buf_form_add(c->canon, "RouteTableId", rt);
	api_buf_form_add(c->canon, dname, dest);
	api_buf_form_add(c->canon, "Target", target);
	if (blackholed)
		api_buf_form_add(c->canon, "Blackholed", "true");
	return 0;
}

static int act_create_route(struct api_ctx *c)
{
	return route_change(c, false);
}

static int act_replace_route(struct api_ctx *c)
{
	return route_change(c, true);
}

static int act_delete_route(struct api_ctx *c)
{
	const char *rt = api_req(c, "RouteTableId"), *dest, *dname;
	struct model_err err = {0};

	if (!rt || !(dest = route_dest(c, &dname)))
		return -1;
	if (model_delete_route(c->m, rt, dest, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DeleteRoute");
	api_buf_form_add(c->canon, "RouteTableId", rt);
	api_buf_form_add(c->canon, dname, dest);
	return 0;
}

static int act_associate_route_table(struct api_ctx *c)
{
	const char *rt = api_req(c, "RouteTableId"), *subnet, *want;
	char aid[MODEL_ID_MAX], out[MODEL_ID_MAX];
	struct model_err err = {0};

	if (!rt)
		return -1;
	if (api_opt(c, "GatewayId"))
		return api_fail(c, "InvalidParameterValue",
				"Gateway route tables (edge associations) are not supported.");
	if (!(subnet = api_req(c, "SubnetId")))
		return -1;
	want = api_internal(c, "AssociationId");
	if (!want) {
		new_id(c, "rtbassoc-", aid, never_taken);
		want = aid;
	}
	if (model_associate_route_table(c->m, rt, subnet, want, out, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_xml_elem(c->xml, "associationId", out);
	api_buf_puts(c->xml, "<associationState><state>associated</state></associationState>");
	api_canon_start(c, "AssociateRouteTable");
	api_buf_form_add(c->canon, "RouteTableId", rt);
	api_buf_form_add(c->canon, "SubnetId", subnet);
	api_buf_form_add(c->canon, "AssociationId", out);
	return 0;
}

static int act_disassociate_route_table(struct api_ctx *c)
{
	const char *id = api_req(c, "AssociationId");
	struct model_err err = {0};

	if (!id)
		return -1;
	if (model_disassociate_route_table(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DisassociateRouteTable");
	api_buf_form_add(c->canon, "AssociationId", id);
	return 0;
}

static int act_replace_route_table_association(struct api_ctx *c)
{
	const char *id = api_req(c, "AssociationId"), *rt, *want;
	char aid[MODEL_ID_MAX], out[MODEL_ID_MAX];
	struct model_err err = {0};

	if (!id || !(rt = api_req(c, "RouteTableId")))
		return -1;
	want = api_internal(c, "NewAssociationId");
	if (!want) {
		new_id(c, "rtbassoc-", aid, never_taken);
		want = aid;
	}
	if (model_replace_route_table_association(c->m, id, rt, want, out, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_xml_elem(c->xml, "newAssociationId", out);
	api_buf_puts(c->xml, "<associationState><state>associated</state></associationState>");
	api_canon_start(c, "ReplaceRouteTableAssociation");
	api_buf_form_add(c->canon, "AssociationId", id);
	api_buf_form_add(c->canon, "RouteTableId", rt);
	api_buf_form_add(c->canon, "NewAssociationId", out);
	return 0;
}

/* ---- DescribeRouteTables ---- */

static int rt_exists(struct api_ctx *c, const char *id)
{
	return model_get_route_table(c->m, id, NULL) == 0;
}

static void rt_facts(struct api_describe *d, const struct model_route_table_view *t)
{
	struct rt_assocs a = {.c = d->c, .rt_id = t->id, .facts = &d->facts};
	const char *main = rt_main_assoc(d->c, t);
	char igw[MODEL_ID_MAX];

	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "route-table-id", t->id);
	api_facts_add(&d->facts, "vpc-id", t->vpc_id);
	api_facts_add(&d->facts, "owner-id", API_OWNER_ID);
	if (main) {
		api_facts_add(&d->facts, "association.route-table-id", t->id);
		api_facts_add(&d->facts, "association.route-table-association-id", main);
		api_facts_add(&d->facts, "association.main", "true");
	}
	model_foreach_subnet(d->c->m, rt_assoc_cb, &a);
	api_igw_id(t->vpc_id, igw);
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct model_route_view *r = &t->routes[i];
		api_facts_add(&d->facts,
			      route_v6(r) ? "route.destination-ipv6-cidr-block"
					  : "route.destination-cidr-block",
			      r->dest_cidr);
		if (!strcmp(r->target, "local") || !strcmp(r->target, "igw"))
			api_facts_add(&d->facts, "route.gateway-id",
				      !strcmp(r->target, "igw") ? igw : "local");
		else if (strcmp(r->target, "blackhole") != 0)
			api_facts_add(&d->facts, "route.network-interface-id", r->target);
		api_facts_add(&d->facts, "route.state", route_state(r));
		api_facts_add(&d->facts, "route.origin",
			      !strcmp(r->target, "local") ? "CreateRouteTable" : "CreateRoute");
	}
}

static int rt_cb(const struct model_route_table_view *t, void *arg)
{
	struct api_describe *d = arg;

	rt_facts(d, t);
	if (!api_describe_wants(d, t->id))
		return d->full;
	api_buf_puts(d->c->xml, "<item>");
	api_xml_route_table(d->c, t);
	api_buf_puts(d->c->xml, "</item>");
	return 0;
}

static int act_describe_route_tables(struct api_ctx *c)
{
	static const char *const allowed[] = {"route-table-id",
					      "vpc-id",
					      "owner-id",
					      "association.route-table-id",
					      "association.route-table-association-id",
					      "association.subnet-id",
					      "association.main",
					      "route.destination-cidr-block",
					      "route.destination-ipv6-cidr-block",
					      "route.gateway-id",
					      "route.network-interface-id",
					      "route.state",
					      "route.origin",
					      NULL};
	struct api_describe d;

	if (api_describe_open(&d, c, "RouteTableId", allowed, rt_exists,
			      "InvalidRouteTableID.NotFound", "routeTable ID"))
		return -1;
	api_buf_puts(c->xml, "<routeTableSet>");
	model_foreach_route_table_from(c->m, api_describe_after(&d), rt_cb, &d);
	api_buf_puts(c->xml, "</routeTableSet>");
	return api_describe_close(&d);
}

/* ---- DescribeInternetGateways: one implicit gateway per VPC, attached to it ---- */

struct igw_find {
	const char *id;
	bool found;
};

static int igw_find_cb(const struct model_vpc_view *v, void *arg)
{
	struct igw_find *f = arg;
	char igw[MODEL_ID_MAX];
	api_igw_id(v->id, igw);
	f->found = strcmp(igw, f->id) == 0;
	return f->found;
}

static int igw_exists(struct api_ctx *c, const char *id)
{
	struct igw_find f = {.id = id};
	model_foreach_vpc(c->m, igw_find_cb, &f);
	return f.found;
}

static int igw_cb(const struct model_vpc_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	char igw[MODEL_ID_MAX];

	api_igw_id(v->id, igw);
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "internet-gateway-id", igw);
	api_facts_add(&d->facts, "attachment.vpc-id", v->id);
	api_facts_add(&d->facts, "attachment.state", "available");
	api_facts_add(&d->facts, "owner-id", API_OWNER_ID);
	if (!api_describe_wants(d, igw))
		return d->full;
	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, "internetGatewayId", igw);
	api_buf_puts(x, "<ownerId>" API_OWNER_ID "</ownerId><attachmentSet><item>");
	api_buf_xml_elem(x, "vpcId", v->id);
	api_buf_puts(x, "<state>available</state></item></attachmentSet>");
	api_xml_tags(d->c, igw);
	api_buf_puts(x, "</item>");
	return 0;
}

static int act_describe_internet_gateways(struct api_ctx *c)
{
	static const char *const allowed[] = {"internet-gateway-id", "attachment.vpc-id",
					      "attachment.state", "owner-id", NULL};
	struct api_describe d;

	if (api_describe_open(&d, c, "InternetGatewayId", allowed, igw_exists,
			      "InvalidInternetGatewayID.NotFound", "internetGateway ID"))
		return -1;
	api_buf_puts(c->xml, "<internetGatewaySet>");
	model_foreach_vpc(c->m, igw_cb, &d);
	api_buf_puts(c->xml, "</internetGatewaySet>");
	return api_describe_close(&d);
}

/* ---- DescribeAvailabilityZones ---- */

static int az_exists(struct api_ctx *c, const char *name)
{
	struct azs *z = calloc(1, sizeof(*z));
	int found;
	if (!z)
		return 0;
	azs_collect(c, z);
	found = azs_find(z, name) >= 0;
	free(z);
	return found;
}

static int act_describe_availability_zones(struct api_ctx *c)
{
	static const char *const allowed[] = {"zone-name",     "zone-id",   "state",
					      "region-name",   "zone-type", "group-name",
					      "opt-in-status", NULL};
	const char **ids = NULL;
	size_t n_ids = 0;
	struct api_describe d;
	bool all;
	struct azs *z;
	int rc;

	if (api_bool(c, "AllAvailabilityZones", false, &all) ||
	    api_list(c, "ZoneId", NULL, &ids, &n_ids))
		return -1;
	free(ids);
	if (n_ids)
		return api_fail(c, "InvalidParameterValue",
				"ZoneId is not supported here: use ZoneName or the zone-id "
				"filter.");
	if (api_describe_open(&d, c, "ZoneName", allowed, az_exists, "InvalidParameterValue",
			      "availability zone"))
		return -1;
	if (!(z = calloc(1, sizeof(*z)))) {
		api_describe_close(&d);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	azs_collect(c, z);
	api_buf_puts(c->xml, "<availabilityZoneInfo>");
	for (size_t i = 0; i < z->n; i++) {
		char zid[MODEL_ID_MAX];
		struct api_buf *x = c->xml;
		az_zone_id(c, (int)i, zid);
		api_facts_reset(&d.facts);
		api_facts_add(&d.facts, "zone-name", z->name[i]);
		api_facts_add(&d.facts, "zone-id", zid);
		api_facts_add(&d.facts, "state", "available");
		api_facts_add(&d.facts, "region-name", c->a->cfg.region);
		api_facts_add(&d.facts, "zone-type", "availability-zone");
		api_facts_add(&d.facts, "group-name", c->a->cfg.region);
		api_facts_add(&d.facts, "opt-in-status", "opt-in-not-required");
		if (!api_describe_wants(&d, z->name[i]))
			continue;
		api_buf_puts(x, "<item>");
		api_buf_xml_elem(x, "zoneName", z->name[i]);
		api_buf_xml_elem(x, "zoneId", zid);
		api_buf_puts(x, "<zoneState>available</zoneState>");
		api_buf_xml_elem(x, "regionName", c->a->cfg.region);
		api_buf_puts(x, "<zoneType>availability-zone</zoneType>"
				"<optInStatus>opt-in-not-required</optInStatus>");
		api_buf_xml_elem(x, "groupName", c->a->cfg.region);
		api_buf_xml_elem(x, "networkBorderGroup", c->a->cfg.region);
		api_buf_puts(x, "<messageSet/></item>");
	}
	api_buf_puts(c->xml, "</availabilityZoneInfo>");
	free(z);
	rc = api_describe_close(&d);
	return rc;
}

/* ---- DescribeAccountAttributes: EC2's set, for a VPC-only account without default VPC ---- */

static const struct {
	const char *name, *value;
} account_attributes[] = {
    {"supported-platforms", "VPC"}, {"default-vpc", "none"},
    {"max-instances", "10000"},	    {"vpc-max-security-groups-per-interface", "5"},
    {"max-elastic-ips", "5"},	    {"vpc-max-elastic-ips", "5"},
};

static int attr_exists(struct api_ctx *c, const char *name)
{
	(void)c;
	for (size_t i = 0; i < sizeof(account_attributes) / sizeof(account_attributes[0]); i++)
		if (strcmp(account_attributes[i].name, name) == 0)
			return 1;
	return 0;
}

static int act_describe_account_attributes(struct api_ctx *c)
{
	static const char *const allowed[] = {NULL};
	struct api_describe d;

	if (api_describe_open(&d, c, "AttributeName", allowed, attr_exists, "InvalidParameterValue",
			      "account attribute"))
		return -1;
	api_buf_puts(c->xml, "<accountAttributeSet>");
	for (size_t i = 0; i < sizeof(account_attributes) / sizeof(account_attributes[0]); i++) {
		api_facts_reset(&d.facts);
		if (!api_describe_wants(&d, account_attributes[i].name))
			continue;
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "attributeName", account_attributes[i].name);
		api_buf_puts(c->xml, "<attributeValueSet><item>");
		api_buf_xml_elem(c->xml, "attributeValue", account_attributes[i].value);
		api_buf_puts(c->xml, "</item></attributeValueSet></item>");
	}
	api_buf_puts(c->xml, "</accountAttributeSet>");
	return api_describe_close(&d);
}

/* ---- the actions of this file (api_actions.c's table lists them) ---- */

/* ---- VPC attributes (the DNS pair) and what EC2 no longer has ---- */

static int act_describe_vpc_attribute(struct api_ctx *c)
{
	const char *vpc = api_req(c, "VpcId"), *attr;
	struct model_vpc_view v;
	bool on;

	if (!vpc || !(attr = api_req(c, "Attribute")))
		return -1;
	if (model_get_vpc(c->m, vpc, &v))
		return api_fail(c, "InvalidVpcID.NotFound", "The vpc ID '%.100s' does not exist",
				vpc);
	if (!strcmp(attr, "enableDnsSupport"))
		on = v.dns_support;
	else if (!strcmp(attr, "enableDnsHostnames"))
		on = v.dns_hostnames;
	else if (!strcmp(attr, "enableNetworkAddressUsageMetrics"))
		on = false;
	else
		return api_fail(c, "InvalidParameterValue",
				"Value (%.60s) for parameter attribute is invalid. Unknown "
				"attribute.",
				attr);
	api_buf_xml_elem(c->xml, "vpcId", v.id);
	api_buf_printf(c->xml, "<%s><value>%s</value></%s>", attr, on ? "true" : "false", attr);
	return 0;
}

static int act_modify_vpc_attribute(struct api_ctx *c)
{
	const char *vpc = api_req(c, "VpcId");
	const char *sup = api_opt(c, "EnableDnsSupport.Value");
	const char *host = api_opt(c, "EnableDnsHostnames.Value");
	struct model_err err = {0};
	bool on;

	if (!vpc)
		return -1;
	if (!!sup == !!host)
		return api_fail(c, "InvalidParameterCombination",
				"Exactly one of EnableDnsSupport and EnableDnsHostnames must be "
				"given.");
	if (api_bool(c, sup ? "EnableDnsSupport.Value" : "EnableDnsHostnames.Value", false, &on))
		return -1;
	if (model_set_vpc_dns(c->m, vpc, sup != NULL, on, &err))
		return api_fail_model(c, &err);
	api_canon_start(c, "ModifyVpcAttribute");
	api_buf_form_add(c->canon, "VpcId", vpc);
	api_buf_form_add(c->canon, sup ? "EnableDnsSupport.Value" : "EnableDnsHostnames.Value",
			 on ? "true" : "false");
	api_buf_puts(c->xml, "<return>true</return>");
	return 0;
}

/*
 * EC2-Classic is retired: EC2 answers these with this error and message, and
 * clients (Ansible's ec2_vpc_net) accept exactly that.
 */
static int act_classic_link(struct api_ctx *c)
{
	return api_fail(c, "UnsupportedOperation",
			"The functionality you requested is not available in this region.");
}

const struct api_action api_world_actions[] = {
    {"CreateVpc", act_create_vpc},
    {"DeleteVpc", act_delete_vpc},
    {"AssociateVpcCidrBlock", act_associate_vpc_cidr},
    {"CreateSubnet", act_create_subnet},
    {"DeleteSubnet", act_delete_subnet},
    {"CreateRouteTable", act_create_route_table},
    {"DeleteRouteTable", act_delete_route_table},
    {"DescribeRouteTables", act_describe_route_tables},
    {"CreateRoute", act_create_route},
    {"ReplaceRoute", act_replace_route},
    {"DeleteRoute", act_delete_route},
    {"AssociateRouteTable", act_associate_route_table},
    {"DisassociateRouteTable", act_disassociate_route_table},
    {"ReplaceRouteTableAssociation", act_replace_route_table_association},
    {"DescribeInternetGateways", act_describe_internet_gateways},
    {"DescribeAvailabilityZones", act_describe_availability_zones},
    {"DescribeAccountAttributes", act_describe_account_attributes},
    {"DescribeVpcAttribute", act_describe_vpc_attribute},
    {"ModifyVpcAttribute", act_modify_vpc_attribute},
    {"DescribeVpcClassicLink", act_classic_link},
    {"DescribeVpcClassicLinkDnsSupport", act_classic_link},
    {NULL, NULL},
};
