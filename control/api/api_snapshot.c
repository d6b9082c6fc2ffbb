/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_snapshot.c - journal compaction. A snapshot is a short journal that
 * turns the state the configuration loads into the current state:
 *
 *   EnimapReset                      undo what the API changed in place:
 *                                    detach (index > 0), disassociate and
 *                                    release every EIP, unassign every
 *                                    secondary and IPv6, delete every route
 *                                    but the VPC blocks' own, remove every
 *                                    explicit route table association;
 *                                    give every ENI its VPC's default
 *                                    security group, revoke every rule
 *   TerminateInstances Now=          per configured instance terminated (at
 *                                    its time) or gone (Forget=true)
 *   DeleteNetworkInterface Merge=1   per configured ENI that is gone (unless
 *                                    its instance's termination deleted it)
 *   DeleteSecurityGroup              per configured group that is gone
 *   DeleteSubnet, DeleteRouteTable,  per configured subnet, route table and
 *   DeleteVpc                        VPC that is gone
 *   CreateVpc, AssociateVpcCidrBlock per VPC the configuration did not make
 *                                    (its first blocks, main table,
 *                                    association and default group ids, the
 *                                    group bare), per block added
 *   CreateSecurityGroup              per group it did not make
 *   AuthorizeSecurityGroupIngress,   per group with rules, every rule with
 *   AuthorizeSecurityGroupEgress     its id (group references need every
 *                                    group made first)
 *   ModifyVpcAttribute               per DNS attribute away from a new VPC's
 *   CreateRouteTable                 per route table it did not make
 *   ReplaceRouteTableAssociation     per configured VPC whose main
 *                                    association moved
 *   CreateSubnet                     per subnet it did not make
 *   RunInstances Bare=1              per instance the API launched (not one
 *                                    terminated over the retention ago), with
 *                                    its id, type, AZ and host port; then
 *                                    TerminateInstances if it is terminated
 *   CreateNetworkInterface Merge=1   per ENI, with its id, MAC, addresses
 *                                    (an ENI that exists, i.e. a configured
 *                                    one, gets its addresses and attributes
 *                                    back: routes naming it stay linked)
 *   AttachNetworkInterface Merge=1   per attachment, with its id
 *   StartInstances / StopInstances   per instance not terminated
 *   ModifyInstanceMetadataOptions    per such instance whose metadata
 *                                    options are not the defaults
 *   CreateRoute                      per route but the VPC blocks' own, the
 *                                    target as the model names it
 *                                    (Blackholed=1: its ENI is gone)
 *   AssociateRouteTable              per explicit association, with its id
 *   AllocateAddress, AssociateAddress per EIP, with their ids
 *   CreateTags                       per tagged resource, its tags in order
 *                                    (EnimapReset deleted every tag first)
 *
 * Replayed on top of the configuration through the same dispatcher, it gives
 * back the state it was taken from. EnimapReset and Merge are internal:
 * accepted only from the journal, never over HTTP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"

struct idlist {
	char (*id)[MODEL_ID_MAX];
	size_t n, cap;
	bool oom;
};

static void idlist_add(struct idlist *l, const char *id)
{
	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->id, cap * sizeof(*l->id));
		if (!p) {
			l->oom = true;
			return;
		}
		l->id = p;
		l->cap = cap;
	}
	snprintf(l->id[l->n++], MODEL_ID_MAX, "%s", id);
}

static int collect_eni(const struct model_eni_view *v, void *arg)
{
	idlist_add(arg, v->id);
	return 0;
}

static int collect_eip(const struct model_eip_view *v, void *arg)
{
	idlist_add(arg, v->allocation_id);
	return 0;
}

static int collect_sg(const struct model_sg_view *v, void *arg)
{
	idlist_add(arg, v->id);
	return 0;
}

static int collect_tagged(const struct model_tags_view *v, void *arg)
{
	idlist_add(arg, v->resource_id);
	return 0;
}

/* Model failures here mean the state is not what the snapshot expects: report them. */
#define CHECK(call)                                                                                \
	do {                                                                                       \
		if (call) {                                                                        \
			rc = api_fail_model(c, &err);                                              \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

struct reset_world {
	struct api_ctx *c;
	struct model_err err;
	int rc;
};

/* Every route of table t but the VPC blocks' own. */
static int reset_routes(const struct model_route_table_view *t, void *arg)
{
	struct reset_world *r = arg;
	char id[MODEL_ID_MAX];

	snprintf(id, sizeof(id), "%s", t->id);
	for (size_t k = t->n_routes; k-- > 0;) {
		struct model_route_table_view now;
		char dest[64];
		if (model_get_route_table(r->c->m, id, &now) || k >= now.n_routes ||
		    now.routes[k].implicit)
			continue;
		snprintf(dest, sizeof(dest), "%s", now.routes[k].dest_cidr);
		if ((r->rc = model_delete_route(r->c->m, id, dest, r->c->delta, &r->err)))
			return 1;
	}
	return 0;
}

static int collect_explicit_assoc(const struct model_subnet_view *v, void *arg)
{
	if (v->association_id)
		idlist_add(arg, v->association_id);
	return 0;
}

/* The world's part of EnimapReset: routes (but the local ones) and explicit associations. */
/* Every ENI in its VPC's default group, every rule of every group revoked. */
static int reset_groups(struct api_ctx *c)
{
	struct idlist enis = {0}, groups = {0};
	struct model_err err = {0};
	int rc = 0;

	model_foreach_eni(c->m, collect_eni, &enis);
	model_foreach_sg(c->m, collect_sg, &groups);
	if (enis.oom || groups.oom)
		rc = api_fail(c, "InternalError", "Out of memory.");
	for (size_t i = 0; i < enis.n && rc == 0; i++) {
		struct model_eni_view v;
		struct model_sg_view g;
		if (model_get_eni(c->m, enis.id[i], &v) || model_get_default_sg(c->m, v.vpc_id, &g))
			continue;
		const char *dflt = g.id;
		if (model_set_eni_groups(c->m, enis.id[i], &dflt, 1, c->delta, &err))
			rc = api_fail_model(c, &err);
	}
	for (size_t i = 0; i < groups.n && rc == 0; i++)
		for (int egress = 0; egress < 2 && rc == 0; egress++) {
			struct model_sg_view g;
			const char *ids[2 * MODEL_SG_RULES_MAX];
			size_t n = 0;
			if (model_get_sg(c->m, groups.id[i], &g))
				continue;
			for (size_t k = 0; k < g.n_rules && n < 2 * MODEL_SG_RULES_MAX; k++)
				if (g.rules[k].egress == (egress == 1))
					ids[n++] = g.rules[k].id;
			if (n &&
			    model_revoke_sg_rules(c->m, groups.id[i], egress == 1, ids, n, &err))
				rc = api_fail_model(c, &err);
		}
	free(enis.id);
	free(groups.id);
	return rc;
}

static int reset_world(struct api_ctx *c)
{
	struct reset_world r = {.c = c};
	struct idlist assoc = {0};
	int rc = 0;

	if (reset_groups(c))
		return -1;

	model_foreach_route_table(c->m, reset_routes, &r);
	if (r.rc)
		return api_fail_model(c, &r.err);
	model_foreach_subnet(c->m, collect_explicit_assoc, &assoc);
	if (assoc.oom)
		rc = api_fail(c, "InternalError", "Out of memory.");
	for (size_t i = 0; i < assoc.n && rc == 0; i++)
		if (model_disassociate_route_table(c->m, assoc.id[i], c->delta, &r.err))
			rc = api_fail_model(c, &r.err);
	free(assoc.id);
	return rc;
}

int api_reset(struct api_ctx *c)
{
	struct idlist enis = {0}, eips = {0}, tagged = {0};
	struct model_err err = {0};
	int rc = 0;
	model_foreach_eni(c->m, collect_eni, &enis);
	model_foreach_eip(c->m, collect_eip, &eips);
	model_foreach_tags_from(c->m, NULL, collect_tagged, &tagged);
	if (enis.oom || eips.oom || tagged.oom) {
		rc = api_fail(c, "InternalError", "Out of memory.");
		goto out;
	}
	/* every tag: the snapshot's CreateTags give them back */
	for (size_t i = 0; i < tagged.n; i++) {
		const char *id = tagged.id[i];
		CHECK(model_delete_tags(c->m, &id, 1, NULL, 0, &err));
	}
	for (size_t i = 0; i < enis.n; i++) {
		struct model_eni_view v;
		if (model_get_eni(c->m, enis.id[i], &v) == 0 && v.instance_id &&
		    v.device_index != 0) {
			char att[MODEL_ID_MAX];
			snprintf(att, sizeof(att), "%s", v.attachment_id);
			CHECK(model_detach_eni(c->m, att, true, c->delta, &err));
		}
	}
	for (size_t i = 0; i < eips.n; i++) {
		struct model_eip_view v;
		if (model_get_eip(c->m, eips.id[i], &v) == 0 && v.association_id) {
			char assoc[MODEL_ID_MAX];
			snprintf(assoc, sizeof(assoc), "%s", v.association_id);
			CHECK(model_disassociate_address(c->m, assoc, c->delta, &err));
		}
		CHECK(model_release_address(c->m, eips.id[i], &err));
	}
	for (size_t i = 0; i < enis.n; i++) {
		struct model_eni_view v;
		if (model_get_eni(c->m, enis.id[i], &v))
			continue;
		char(*txt)[INET6_ADDRSTRLEN] = NULL;
		size_t n = v.n_secondary > v.n_ipv6 ? v.n_secondary : v.n_ipv6;
		const char **p = NULL;
		if (n) {
			txt = calloc(n, sizeof(*txt));
			p = calloc(n, sizeof(*p));
			if (!txt || !p) {
				free(txt);
				free(p);
				rc = api_fail(c, "InternalError", "Out of memory.");
				goto out;
			}
		}
		size_t n4 = v.n_secondary, n6 = v.n_ipv6;
		const struct in6_addr *v6 = v.ipv6;
		for (size_t k = 0; k < n4; k++) {
			api_ip4_str(v.secondary_ips[k], txt[k]);
			p[k] = txt[k];
		}
		int r =
		    n4 ? model_unassign_private_ips(c->m, enis.id[i], p, n4, c->delta, &err) : 0;
		if (r == 0 && n6) {
			/* the view may have moved: look again */
			if (model_get_eni(c->m, enis.id[i], &v) == 0)
				v6 = v.ipv6;
			for (size_t k = 0; k < n6; k++) {
				api_ip6_str(&v6[k], txt[k]);
				p[k] = txt[k];
			}
			r = model_unassign_ipv6(c->m, enis.id[i], p, n6, c->delta, &err);
		}
		free(txt);
		free(p);
		CHECK(r);
	}
	if ((rc = reset_world(c)))
		goto out;
	api_buf_puts(c->xml, "<return>true</return>");
out:
	free(enis.id);
	free(eips.id);
	free(tagged.id);
	return rc;
}

/* ---- taking a snapshot ---- */

struct snap {
	struct api *a;
	struct model *m;
	const struct api_world_base *base; /* what the configuration made (NULL: unknown) */
	int64_t now;
	char **recs;
	size_t *lens;
	size_t n, cap;
	bool oom;
};

static void snap_add(struct snap *s, struct api_buf *b)
{
	if (b->oom || s->oom) {
		s->oom = true;
		api_buf_free(b);
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **r = realloc(s->recs, cap * sizeof(*r));
		if (r)
			s->recs = r;
		size_t *l = realloc(s->lens, cap * sizeof(*l));
		if (l)
			s->lens = l;
		if (!r || !l) {
			s->oom = true;
			api_buf_free(b);
			return;
		}
		s->cap = cap;
	}
	s->recs[s->n] = b->s;
	s->lens[s->n] = b->len;
	s->n++;
	*b = (struct api_buf){0};
}

static int snap_eni(const struct model_eni_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	api_canon_create_eni(&b, v);
	api_buf_form_add(&b, "Merge", "true");
	snap_add(s, &b);
	return 0;
}

static int snap_attach(const struct model_eni_view *v, void *arg)
{
	struct snap *s = arg;
	if (!v->instance_id)
		return 0;
	struct api_buf b = {0};
	char d[16];
	snprintf(d, sizeof(d), "%d", v->device_index);
	api_buf_form_add(&b, "Action", "AttachNetworkInterface");
	api_buf_form_add(&b, "NetworkInterfaceId", v->id);
	api_buf_form_add(&b, "InstanceId", v->instance_id);
	api_buf_form_add(&b, "DeviceIndex", d);
	api_buf_form_add(&b, "AttachmentId", v->attachment_id);
	api_buf_form_add(&b, "DeleteOnTermination", v->delete_on_termination ? "true" : "false");
	api_buf_form_add(&b, "Merge", "true");
	snap_add(s, &b);
	return 0;
}

static int snap_instance(const struct model_instance_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	if (v->state == MODEL_TERMINATED)
		return 0; /* terminated where it was launched (snap_launch, snap_base_terminated) */
	api_buf_form_add(&b, "Action",
			 v->state == MODEL_RUNNING ? "StartInstances" : "StopInstances");
	api_buf_form_add(&b, "InstanceId.1", v->id);
	snap_add(s, &b);
	if (v->metadata_tokens_required || !v->metadata_endpoint_enabled ||
	    v->metadata_hop_limit != 1 || v->metadata_ipv6_enabled) {
		char h[8];

		memset(&b, 0, sizeof(b));
		snprintf(h, sizeof(h), "%u", v->metadata_hop_limit);
		api_buf_form_add(&b, "Action", "ModifyInstanceMetadataOptions");
		api_buf_form_add(&b, "InstanceId", v->id);
		api_buf_form_add(&b, "HttpTokens",
				 v->metadata_tokens_required ? "required" : "optional");
		api_buf_form_add(&b, "HttpEndpoint",
				 v->metadata_endpoint_enabled ? "enabled" : "disabled");
		api_buf_form_add(&b, "HttpPutResponseHopLimit", h);
		api_buf_form_add(&b, "HttpProtocolIpv6",
				 v->metadata_ipv6_enabled ? "enabled" : "disabled");
		snap_add(s, &b);
	}
	return 0;
}

static int snap_eip(const struct model_eip_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	char ip[16];
	api_ip4_str(v->public_ip, ip);
	api_buf_form_add(&b, "Action", "AllocateAddress");
	api_buf_form_add(&b, "AllocationId", v->allocation_id);
	api_buf_form_add(&b, "Address", ip);
	snap_add(s, &b);
	if (v->association_id) {
		api_ip4_str(v->private_ip, ip);
		api_buf_form_add(&b, "Action", "AssociateAddress");
		api_buf_form_add(&b, "AllocationId", v->allocation_id);
		api_buf_form_add(&b, "NetworkInterfaceId", v->eni_id);
		api_buf_form_add(&b, "PrivateIpAddress", ip);
		api_buf_form_add(&b, "AssociationId", v->association_id);
		snap_add(s, &b);
	}
	return 0;
}

static int snap_tags(const struct model_tags_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	char name[32];
	api_buf_form_add(&b, "Action", "CreateTags");
	api_buf_form_add(&b, "ResourceId.1", v->resource_id);
	for (size_t k = 0; k < v->n; k++) {
		snprintf(name, sizeof(name), "Tag.%zu.Key", k + 1);
		api_buf_form_add(&b, name, v->tags[k].key);
		snprintf(name, sizeof(name), "Tag.%zu.Value", k + 1);
		api_buf_form_add(&b, name, v->tags[k].value);
	}
	snap_add(s, &b);
	return 0;
}

/* A group the configuration did not make (a VPC's default comes with its CreateVpc). */
static int snap_sg(const struct model_sg_view *g, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};

	for (size_t i = 0; s->base && i < s->base->n_sg; i++)
		if (!strcmp(s->base->sg[i], g->id))
			return 0;
	if (g->is_default)
		return 0;
	api_buf_form_add(&b, "Action", "CreateSecurityGroup");
	api_buf_form_add(&b, "GroupId", g->id);
	api_buf_form_add(&b, "VpcId", g->vpc_id);
	api_buf_form_add(&b, "GroupName", g->name);
	api_buf_form_add(&b, "GroupDescription", g->description);
	api_buf_form_add(&b, "Bare", "true"); /* its rules follow, with their ids */
	snap_add(s, &b);
	return 0;
}

/* Every group's rules (EnimapReset revoked them all), once every group exists. */
static int snap_sg_rules(const struct model_sg_view *g, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};

	for (int egress = 0; egress < 2; egress++) {
		if (api_canon_authorize(&b, g, egress == 1) == 0)
			snap_add(s, &b);
		else
			api_buf_free(&b);
	}
	return 0;
}

/* The configured groups that are gone: before their VPCs go. */
static void snap_sg_deletions(struct snap *s)
{
	struct api_buf b = {0};

	for (size_t i = 0; s->base && i < s->base->n_sg; i++) {
		if (model_get_sg(s->m, s->base->sg[i], NULL) == 0)
			continue;
		api_buf_form_add(&b, "Action", "DeleteSecurityGroup");
		api_buf_form_add(&b, "GroupId", s->base->sg[i]);
		snap_add(s, &b);
	}
}

static void snap_rec2(struct snap *s, const char *action, const char *k1, const char *v1,
		      const char *k2, const char *v2)
{
	struct api_buf b = {0};
	api_buf_form_add(&b, "Action", action);
	api_buf_form_add(&b, k1, v1);
	if (k2)
		api_buf_form_add(&b, k2, v2);
	snap_add(s, &b);
}

static bool snap_vpc_live(struct snap *s, const char *id)
{
	return model_get_vpc(s->m, id, NULL) == 0;
}

/* Configured subnets, route tables and VPCs that are gone (their ENIs were deleted before). */
static void snap_world_deletions(struct snap *s, const struct api_world_base *b)
{
	for (size_t i = 0; i < b->n_subnet; i++)
		if (model_get_subnet(s->m, b->subnet[i], NULL))
			snap_rec2(s, "DeleteSubnet", "SubnetId", b->subnet[i], NULL, NULL);
	for (size_t v = 0; v < b->n_vpc; v++) {
		if (snap_vpc_live(s, b->vpc[v].id))
			continue;
		/* its tables but the main one (deleted with it): all gone with the VPC */
		for (size_t i = 0; i < b->n_rt; i++)
			if (!strcmp(b->rt[i].vpc, b->vpc[v].id) &&
			    strcmp(b->rt[i].id, b->vpc[v].main_rt) != 0)
				snap_rec2(s, "DeleteRouteTable", "RouteTableId", b->rt[i].id, NULL,
					  NULL);
		snap_rec2(s, "DeleteVpc", "VpcId", b->vpc[v].id, NULL, NULL);
	}
}

/* The configured VPC of that id, or NULL. */
static const struct api_world_vpc *base_vpc(const struct snap *s, const char *id)
{
	const struct api_world_base *b = s->base;
	for (size_t i = 0; b && i < b->n_vpc; i++)
		if (!strcmp(b->vpc[i].id, id))
			return &b->vpc[i];
	return NULL;
}

static bool base_rt(const struct snap *s, const char *id)
{
	const struct api_world_base *b = s->base;
	for (size_t i = 0; b && i < b->n_rt; i++)
		if (!strcmp(b->rt[i].id, id))
			return true;
	return false;
}

static bool base_subnet(const struct snap *s, const char *id)
{
	const struct api_world_base *b = s->base;
	for (size_t i = 0; b && i < b->n_subnet; i++)
		if (!strcmp(b->subnet[i], id))
			return true;
	return false;
}

/* A VPC the configuration did not make, or the blocks added to one it made. */
static int snap_vpc(const struct model_vpc_view *v, void *arg)
{
	struct snap *s = arg;
	const struct api_world_vpc *was = base_vpc(s, v->id);
	struct api_buf b = {0};
	char block6[64];

	if (!was) {
		api_canon_create_vpc(&b, s->m, v, true);
		snap_add(s, &b);
	}
	for (size_t k = 0; k < v->n_cidr4 + v->n_cidr6; k++) {
		bool six = k >= v->n_cidr4;
		if (six ? k - v->n_cidr4 < (was ? was->n6 : 1) : k < (was ? was->n4 : 1))
			continue; /* made with the VPC */
		snprintf(block6, sizeof(block6), "%s",
			 six ? v->cidr6[k - v->n_cidr4] : v->cidr4[k]);
		api_buf_form_add(&b, "Action", "AssociateVpcCidrBlock");
		api_buf_form_add(&b, "VpcId", v->id);
		api_buf_form_add(&b, six ? "Ipv6CidrBlock" : "CidrBlock", block6);
		snap_add(s, &b);
	}
	/* DNS attributes away from a new VPC's (support on, hostnames off); support
	 * first, so that hostnames may follow it */
	if (!v->dns_support)
		snap_rec2(s, "ModifyVpcAttribute", "VpcId", v->id, "EnableDnsSupport.Value",
			  "false");
	if (v->dns_hostnames)
		snap_rec2(s, "ModifyVpcAttribute", "VpcId", v->id, "EnableDnsHostnames.Value",
			  "true");
	return 0;
}

static int snap_rt(const struct model_route_table_view *t, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	/* made by the configuration, or with its VPC (CreateVpc names the current main) */
	if (base_rt(s, t->id) || (t->main && !base_vpc(s, t->vpc_id)))
		return 0;
	api_buf_form_add(&b, "Action", "CreateRouteTable");
	api_buf_form_add(&b, "RouteTableId", t->id);
	api_buf_form_add(&b, "VpcId", t->vpc_id);
	snap_add(s, &b);
	return 0;
}

/* Configured VPCs whose main association moved; then configured tables that are gone. */
static void snap_world_mains(struct snap *s, const struct api_world_base *b)
{
	for (size_t v = 0; v < b->n_vpc; v++) {
		struct model_vpc_view now;
		struct api_buf r = {0};
		if (model_get_vpc(s->m, b->vpc[v].id, &now) ||
		    !strcmp(now.main_association_id, b->vpc[v].main_assoc))
			continue;
		api_buf_form_add(&r, "Action", "ReplaceRouteTableAssociation");
		api_buf_form_add(&r, "AssociationId", b->vpc[v].main_assoc);
		api_buf_form_add(&r, "RouteTableId", now.main_route_table_id);
		api_buf_form_add(&r, "NewAssociationId", now.main_association_id);
		snap_add(s, &r);
	}
	for (size_t i = 0; i < b->n_rt; i++)
		if (snap_vpc_live(s, b->rt[i].vpc) &&
		    model_get_route_table(s->m, b->rt[i].id, NULL))
			snap_rec2(s, "DeleteRouteTable", "RouteTableId", b->rt[i].id, NULL, NULL);
}

static int snap_subnet(const struct model_subnet_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	if (base_subnet(s, v->id))
		return 0;
	api_buf_form_add(&b, "Action", "CreateSubnet");
	api_buf_form_add(&b, "SubnetId", v->id);
	api_buf_form_add(&b, "VpcId", v->vpc_id);
	api_buf_form_add(&b, "CidrBlock", v->cidr4);
	if (v->cidr6)
		api_buf_form_add(&b, "Ipv6CidrBlock", v->cidr6);
	api_buf_form_add(&b, "AvailabilityZone", v->az);
	snap_add(s, &b);
	return 0;
}

static int snap_routes(const struct model_route_table_view *t, void *arg)
{
	struct snap *s = arg;
	for (size_t k = 0; k < t->n_routes; k++) {
		const struct model_route_view *r = &t->routes[k];
		struct api_buf b = {0};
		if (r->implicit)
			continue;
		api_buf_form_add(&b, "Action", "CreateRoute");
		api_buf_form_add(&b, "RouteTableId", t->id);
		api_buf_form_add(&b,
				 strchr(r->dest_cidr, ':') ? "DestinationIpv6CidrBlock"
							   : "DestinationCidrBlock",
				 r->dest_cidr);
		api_buf_form_add(&b, "Target", r->target);
		if (r->blackholed)
			api_buf_form_add(&b, "Blackholed", "true");
		snap_add(s, &b);
	}
	return 0;
}

static int snap_assoc(const struct model_subnet_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	if (!v->association_id)
		return 0;
	api_buf_form_add(&b, "Action", "AssociateRouteTable");
	api_buf_form_add(&b, "RouteTableId", v->route_table_id);
	api_buf_form_add(&b, "SubnetId", v->id);
	api_buf_form_add(&b, "AssociationId", v->association_id);
	snap_add(s, &b);
	return 0;
}

static void snap_terminate(struct snap *s, const char *id, int64_t at, bool forget)
{
	struct api_buf b = {0};
	char t[32];
	snprintf(t, sizeof(t), "%lld", (long long)at);
	api_buf_form_add(&b, "Action", "TerminateInstances");
	api_buf_form_add(&b, "InstanceId.1", id);
	api_buf_form_add(&b, "Now", t);
	if (forget)
		api_buf_form_add(&b, "Forget", "true");
	snap_add(s, &b);
}

static int cmp_id(const void *x, const void *y)
{
	return strcmp(x, y);
}

static bool snap_is_base(const struct snap *s, const char *id)
{
	/* no configured instance: base_inst may be NULL, which bsearch may not take */
	return s->a->n_base_inst &&
	       bsearch(id, s->a->base_inst, s->a->n_base_inst, sizeof(*s->a->base_inst), cmp_id);
}

/* A terminated instance older than the retention is left out (Describe forgets it). */
static bool snap_expired(const struct snap *s, const struct model_instance_view *v)
{
	return v->state == MODEL_TERMINATED &&
	       v->terminated_at + model_terminated_retention(s->m) <= s->now;
}

/* Configured instances: terminated ones terminated again, gone ones terminated and forgotten. */
static void snap_base_terminated(struct snap *s)
{
	for (size_t i = 0; i < s->a->n_base_inst; i++) {
		struct model_instance_view v;
		const char *id = s->a->base_inst[i];
		if (model_get_instance(s->m, id, &v))
			snap_terminate(s, id, 0, true);
		else if (v.state == MODEL_TERMINATED)
			snap_terminate(s, id, v.terminated_at, false);
	}
}

/* An instance the API launched: created bare (its ENIs are attached later), with its port. */
static int snap_launch(const struct model_instance_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	char port[16];
	if (snap_is_base(s, v->id) || snap_expired(s, v))
		return 0;
	snprintf(port, sizeof(port), "%u", v->host_port);
	api_buf_form_add(&b, "Action", "RunInstances");
	api_buf_form_add(&b, "Bare", "true");
	api_buf_form_add(&b, "InstanceId", v->id);
	api_buf_form_add(&b, "InstanceType", v->type);
	api_buf_form_add(&b, "AvailabilityZone", v->az);
	api_buf_form_add(&b, "HostPort", port);
	if (v->image_id)
		api_buf_form_add(&b, "ImageId", v->image_id);
	snap_add(s, &b);
	if (v->state == MODEL_TERMINATED)
		snap_terminate(s, v->id, v->terminated_at, false);
	return 0;
}

int api_snapshot(struct api *a, char ***records, size_t **lens, size_t *n)
{
	struct snap s = {.a = a, .m = a->m, .base = a->world_base, .now = (int64_t)time(NULL)};
	struct api_buf b = {0};
	if (a->n_base_inst)
		qsort(a->base_inst, a->n_base_inst, sizeof(*a->base_inst), cmp_id);
	api_buf_form_add(&b, "Action", "EnimapReset");
	snap_add(&s, &b);
	snap_base_terminated(&s);
	for (size_t i = 0; i < a->n_base; i++) {
		struct model_eni_view v;
		if (model_get_eni(a->m, a->base[i], &v) == 0)
			continue;
		api_buf_form_add(&b, "Action", "DeleteNetworkInterface");
		api_buf_form_add(&b, "NetworkInterfaceId", a->base[i]);
		api_buf_form_add(&b, "Merge", "true");
		snap_add(&s, &b);
	}
	snap_sg_deletions(&s);
	if (a->world_base)
		snap_world_deletions(&s, a->world_base);
	model_foreach_vpc(a->m, snap_vpc, &s);
	model_foreach_sg(a->m, snap_sg, &s);
	model_foreach_sg(a->m, snap_sg_rules, &s);
	model_foreach_route_table(a->m, snap_rt, &s);
	if (a->world_base)
		snap_world_mains(&s, a->world_base);
	model_foreach_subnet(a->m, snap_subnet, &s);
	model_foreach_instance(a->m, snap_launch, &s);
	model_foreach_eni(a->m, snap_eni, &s);
	model_foreach_eni(a->m, snap_attach, &s);
	model_foreach_instance(a->m, snap_instance, &s);
	model_foreach_route_table(a->m, snap_routes, &s);
	model_foreach_subnet(a->m, snap_assoc, &s);
	model_foreach_eip(a->m, snap_eip, &s);
	model_foreach_tags_from(a->m, NULL, snap_tags, &s);
	if (s.oom) {
		for (size_t i = 0; i < s.n; i++)
			free(s.recs[i]);
		free(s.recs);
		free(s.lens);
		return -ENOMEM;
	}
	*records = s.recs;
	*lens = s.lens;
	*n = s.n;
	return 0;
}
