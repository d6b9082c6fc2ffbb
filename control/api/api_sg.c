/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_sg.c - security groups over the EC2 Query API (SPEC R24-R26):
 * CreateSecurityGroup, DeleteSecurityGroup, DescribeSecurityGroups,
 * DescribeSecurityGroupRules, Authorize/RevokeSecurityGroupIngress/Egress,
 * UpdateSecurityGroupRuleDescriptionsIngress/Egress.
 *
 * Permissions come in EC2's IpPermissions.N shape (IpProtocol, FromPort,
 * ToPort, IpRanges.M.CidrIp, Ipv6Ranges.M.CidrIpv6, Groups.M.GroupId (the wire name of
 * the UserIdGroupPairs that botocore and EC2's own examples send),
 * each range with its Description), or in the legacy flat parameters
 * (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroupName). Each range
 * is one model rule (struct model_sg_perm). The journal record has one
 * IpPermissions.N per rule, with the rule's id as the internal
 * IpPermissions.N.RuleId, so a replay gives the same ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

#define SG_PERMS_MAX 512 /* model permissions in one request (ranges of every IpPermissions.N) */

bool api_sg_taken(const struct model *m, const char *id)
{
	return model_get_sg(m, id, NULL) == 0;
}

/* ---- XML ---- */

static const char *protocol_name(int p, char buf[8])
{
	switch (p) {
	case -1:
		return "-1";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, 8, "%d", p);
		return buf;
	}
}

/* Whether EC2 shows ports for the protocol (tcp, udp, icmp, icmpv6). */
static bool has_ports(int p)
{
	return p == 6 || p == 17 || p == 1 || p == 58;
}

static void xml_int(struct api_buf *b, const char *name, int v)
{
	api_buf_printf(b, "<%s>%d</%s>", name, v, name);
}

/* One <securityGroupRule> member list (DescribeSecurityGroupRules, Authorize's answer). */
static void xml_rule(struct api_ctx *c, const struct model_sg_rule_view *r)
{
	char pb[8];

	api_buf_xml_elem(c->xml, "securityGroupRuleId", r->id);
	api_buf_xml_elem(c->xml, "groupId", r->group_id);
	api_buf_puts(c->xml, "<groupOwnerId>" API_OWNER_ID "</groupOwnerId>");
	api_buf_xml_elem(c->xml, "isEgress", r->egress ? "true" : "false");
	api_buf_xml_elem(c->xml, "ipProtocol", protocol_name(r->protocol, pb));
	xml_int(c->xml, "fromPort", has_ports(r->protocol) ? r->from_port : -1);
	xml_int(c->xml, "toPort", has_ports(r->protocol) ? r->to_port : -1);
	api_buf_xml_elem(c->xml, "cidrIpv4", r->cidr4);
	api_buf_xml_elem(c->xml, "cidrIpv6", r->cidr6);
	if (r->peer_group_id) {
		api_buf_puts(c->xml, "<referencedGroupInfo>");
		api_buf_xml_elem(c->xml, "groupId", r->peer_group_id);
		api_buf_puts(c->xml, "<userId>" API_OWNER_ID "</userId></referencedGroupInfo>");
	}
	api_buf_xml_elem(c->xml, "description", r->description);
	api_xml_tags(c, r->id);
}

/* The peer of rule q for set s (0: groups, 1: IPv4 ranges, 2: IPv6 ranges), or NULL. */
static const char *set_peer(const struct model_sg_rule_view *q, int s)
{
	return s == 0 ? q->peer_group_id : s == 1 ? q->cidr4 : q->cidr6;
}

static bool same_permission(const struct model_sg_rule_view *a, const struct model_sg_rule_view *b)
{
	return a->egress == b->egress && a->protocol == b->protocol &&
	       a->from_port == b->from_port && a->to_port == b->to_port;
}

/* Set s of the permission that rule i starts: its peers, rules from i on (marked done). */
static void xml_permission_set(struct api_ctx *c, const struct model_sg_view *g, size_t i, int s,
			       bool *done)
{
	static const char *const sets[3] = {"groups", "ipRanges", "ipv6Ranges"};
	size_t n = 0;

	for (size_t j = i; j < g->n_rules; j++)
		n += same_permission(&g->rules[i], &g->rules[j]) && set_peer(&g->rules[j], s);
	if (!n) { /* EC2 writes an empty set as <groups/> */
		api_buf_printf(c->xml, "<%s/>", sets[s]);
		return;
	}
	api_buf_printf(c->xml, "<%s>", sets[s]);
	for (size_t j = i; j < g->n_rules; j++) {
		const struct model_sg_rule_view *q = &g->rules[j];
		const char *peer = set_peer(q, s);
		if (!same_permission(&g->rules[i], q) || !peer)
			continue;
		done[j] = true;
		api_buf_puts(c->xml, "<item>");
		if (s == 0) {
			api_buf_puts(c->xml, "<userId>" API_OWNER_ID "</userId>");
			api_buf_xml_elem(c->xml, "groupId", peer);
		} else {
			api_buf_xml_elem(c->xml, s == 1 ? "cidrIp" : "cidrIpv6", peer);
		}
		api_buf_xml_elem(c->xml, "description", q->description);
		api_buf_puts(c->xml, "</item>");
	}
	api_buf_printf(c->xml, "</%s>", sets[s]);
}

/*
 * A direction's rules as EC2's IpPermissions: the rules of one protocol and
 * port range make one permission, with their peers as its ranges and groups,
 * in the order the first of them was authorized.
 */
static void xml_permissions(struct api_ctx *c, const struct model_sg_view *g, bool egress)
{
	const char *tag = egress ? "ipPermissionsEgress" : "ipPermissions";
	bool *done = calloc(g->n_rules ? g->n_rules : 1, sizeof(*done)), any = false;
	char pb[8];

	if (!done) {
		c->xml->oom = true;
		return;
	}
	for (size_t i = 0; i < g->n_rules; i++)
		any = any || g->rules[i].egress == egress;
	api_buf_printf(c->xml, any ? "<%s>" : "<%s/>", tag);
	for (size_t i = 0; any && i < g->n_rules; i++) {
		const struct model_sg_rule_view *r = &g->rules[i];
		if (done[i] || r->egress != egress)
			continue;
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "ipProtocol", protocol_name(r->protocol, pb));
		if (has_ports(r->protocol)) {
			xml_int(c->xml, "fromPort", r->from_port);
			xml_int(c->xml, "toPort", r->to_port);
		}
		for (int s = 0; s < 3; s++)
			xml_permission_set(c, g, i, s, done);
		api_buf_puts(c->xml, "<prefixListIds/></item>");
	}
	if (any)
		api_buf_printf(c->xml, "</%s>", tag);
	free(done);
}

static void xml_group(struct api_ctx *c, const struct model_sg_view *g)
{
	api_buf_puts(c->xml, "<ownerId>" API_OWNER_ID "</ownerId>");
	api_buf_xml_elem(c->xml, "groupId", g->id);
	api_buf_xml_elem(c->xml, "groupName", g->name);
	api_buf_xml_elem(c->xml, "groupDescription", g->description);
	api_buf_xml_elem(c->xml, "vpcId", g->vpc_id);
	xml_permissions(c, g, false);
	xml_permissions(c, g, true);
	api_xml_tags(c, g->id);
}

/* ---- CreateSecurityGroup, DeleteSecurityGroup ---- */

static int act_create_security_group(struct api_ctx *c)
{
	const char *name = api_req(c, "GroupName"), *desc, *vpc = api_opt(c, "VpcId"), *want;
	char gid[MODEL_ID_MAX], id[MODEL_ID_MAX];
	struct model_err err = {0};

	static const char *const tag_types[] = {"security-group", NULL};
	if (!name || !(desc = api_req(c, "GroupDescription")) || api_tag_specs_check(c, tag_types))
		return -1;
	if (!vpc)
		return api_fail(c, "VPCIdNotSpecified",
				"No default VPC for this user: give the VpcId.");
	if (!(want = api_internal(c, "GroupId"))) {
		do
			api_new_id("sg-", gid);
		while (api_sg_taken(c->m, gid));
		want = gid;
	}
	/* EC2's one outbound rule of a new group (all to 0.0.0.0/0): its id, or none (Bare) */
	const char *bare = api_internal(c, "Bare"), *egress_id = api_internal(c, "EgressRuleId");
	char rid[MODEL_ID_MAX];
	if (!egress_id) {
		api_new_id("sgr-", rid);
		egress_id = rid;
	}
	struct model_sg_req req = {.id = want,
				   .vpc_id = vpc,
				   .name = name,
				   .description = desc,
				   .egress_rule_id = egress_id,
				   .bare = bare && strcmp(bare, "true") == 0};
	if (model_create_security_group(c->m, &req, id, &err))
		return api_fail_model(c, &err);
	api_canon_start(c, "CreateSecurityGroup");
	api_buf_form_add(c->canon, "GroupId", id);
	api_buf_form_add(c->canon, "VpcId", vpc);
	api_buf_form_add(c->canon, "GroupName", name);
	api_buf_form_add(c->canon, "GroupDescription", desc);
	api_buf_form_add(c->canon, req.bare ? "Bare" : "EgressRuleId",
			 req.bare ? "true" : egress_id);
	if (api_tag_specs_apply(c, "security-group", id))
		return -1;
	api_buf_puts(c->xml, "<return>true</return>");
	api_buf_xml_elem(c->xml, "groupId", id);
	api_xml_tags(c, id);
	return 0;
}

/* ctx for finding a group by name in any VPC (GroupName without VpcId) */
struct by_name {
	const char *name;
	char id[MODEL_ID_MAX];
	int found;
};

static int by_name_cb(const struct model_sg_view *g, void *arg)
{
	struct by_name *b = arg;

	if (strcmp(g->name, b->name) == 0 && b->found++ == 0)
		snprintf(b->id, sizeof(b->id), "%s", g->id);
	return 0;
}

/*
 * The group a request is about: GroupId, or GroupName when it names exactly
 * one group (EC2 looks names up in the default VPC, which enimap does not
 * have: a name is taken when it is unambiguous). 0 and out, or -1.
 */
static int request_group(struct api_ctx *c, char out[MODEL_ID_MAX])
{
	const char *id = api_opt(c, "GroupId"), *name = api_opt(c, "GroupName");
	struct by_name b = {.name = name};

	if (id) {
		snprintf(out, MODEL_ID_MAX, "%s", id);
		return 0;
	}
	if (!name)
		return api_fail(c, "MissingParameter",
				"The request must contain the parameter GroupId");
	model_foreach_sg(c->m, by_name_cb, &b);
	if (b.found != 1)
		return api_fail(c, b.found ? "InvalidParameterValue" : "InvalidGroup.NotFound",
				b.found
				    ? "The security group name '%.60s' is in several VPCs: give "
				      "the GroupId."
				    : "The security group '%.60s' does not exist",
				name);
	snprintf(out, MODEL_ID_MAX, "%s", b.id);
	return 0;
}

static int act_delete_security_group(struct api_ctx *c)
{
	char id[MODEL_ID_MAX];
	struct model_err err = {0};

	if (request_group(c, id))
		return -1;
	if (model_delete_security_group(c->m, id, &err))
		return api_fail_model(c, &err);
	api_canon_start(c, "DeleteSecurityGroup");
	api_buf_form_add(c->canon, "GroupId", id);
	api_buf_puts(c->xml, "<return>true</return>");
	api_buf_xml_elem(c->xml, "groupId", id);
	return 0;
}

/* ---- permissions ---- */

struct perms {
	struct model_sg_perm *p;
	size_t n, cap;
	char **names; /* the group ids found by GroupName (p[] points at them) */
	size_t nnames, capnames;
};

static void perms_free(struct perms *ps)
{
	free(ps->p);
	for (size_t k = 0; k < ps->nnames; k++)
		free(ps->names[k]);
	free(ps->names);
}

static int perms_add(struct api_ctx *c, struct perms *ps, const struct model_sg_perm *p)
{
	if (ps->n == SG_PERMS_MAX)
		return api_fail(c, "InvalidParameterValue", "More than %d rules in one request.",
				SG_PERMS_MAX);
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 8;
		struct model_sg_perm *n = realloc(ps->p, cap * sizeof(*n));
		if (!n)
			return api_fail(c, "InternalError", "Out of memory.");
		ps->p = n;
		ps->cap = cap;
	}
	ps->p[ps->n++] = *p;
	return 0;
}

/* A group named (Groups.M.GroupName, SourceSecurityGroupName) in the VPC of group_id. */
static const char *group_by_name(struct api_ctx *c, struct perms *ps, const char *group_id,
				 const char *name)
{
	struct model_sg_view g, peer;

	if (model_get_sg(c->m, group_id, &g) || model_find_sg_by_name(c->m, g.vpc_id, name, &peer))
		return api_fail(c, "InvalidGroup.NotFound",
				"The security group '%.60s' does not exist in VPC '%s'", name,
				model_get_sg(c->m, group_id, &g) ? "" : g.vpc_id),
		       NULL;
	/* a copy: the view is gone after the next model call */
	if (ps->nnames == ps->capnames) {
		size_t cap = ps->capnames ? 2 * ps->capnames : 4;
		char **names = realloc(ps->names, cap * sizeof(*names));
		if (!names)
			return api_fail(c, "InternalError", "Out of memory."), NULL;
		ps->names = names;
		ps->capnames = cap;
	}
	if (!(ps->names[ps->nnames] = strdup(peer.id)))
		return api_fail(c, "InternalError", "Out of memory."), NULL;
	return ps->names[ps->nnames++];
}

/* The ranges of IpPermissions.i: each one permission. */
static int perms_of_permission(struct api_ctx *c, struct perms *ps, const char *group_id,
			       unsigned i)
{
	char name[128];
	const char *v;
	size_t before = ps->n;
	struct model_sg_perm base = {0};

#define P(fmt, ...) (snprintf(name, sizeof(name), fmt, __VA_ARGS__), api_opt(c, name))
	if (!(base.protocol = P("IpPermissions.%u.IpProtocol", i)))
		return api_fail(
		    c, "MissingParameter",
		    "The request must contain the parameter IpPermissions.%u.IpProtocol", i);
	base.from_port = P("IpPermissions.%u.FromPort", i);
	base.to_port = P("IpPermissions.%u.ToPort", i);
	if (P("IpPermissions.%u.PrefixListIds.1.PrefixListId", i))
		return api_fail(c, "InvalidParameterValue",
				"Prefix lists are not supported by enimap.");
	static const struct {
		const char *set, *field;
		size_t off;
	} kinds[] = {
	    {"IpRanges", "CidrIp", offsetof(struct model_sg_perm, cidr4)},
	    {"Ipv6Ranges", "CidrIpv6", offsetof(struct model_sg_perm, cidr6)},
	    {"Groups", "GroupId", offsetof(struct model_sg_perm, group_id)},
	};
	for (size_t k = 0; k < 3; k++)
		for (unsigned j = 1; j <= API_MAX_LIST; j++) {
			struct model_sg_perm p = base;
			const char *peer =
			    P("IpPermissions.%u.%s.%u.%s", i, kinds[k].set, j, kinds[k].field);
			if (!peer && k == 2 &&
			    (v = P("IpPermissions.%u.%s.%u.GroupName", i, kinds[k].set, j))) {
				if (!(peer = group_by_name(c, ps, group_id, v)))
					return -1;
			}
			if (!peer)
				break;
			*(const char **)((char *)&p + kinds[k].off) = peer;
			p.description = P("IpPermissions.%u.%s.%u.Description", i, kinds[k].set, j);
			if (c->trusted)
				p.rule_id = P("IpPermissions.%u.%s.%u.RuleId", i, kinds[k].set, j);
			if (perms_add(c, ps, &p))
				return -1;
		}
#undef P
	if (ps->n == before)
		return api_fail(
		    c, "InvalidParameterValue",
		    "IpPermissions.%u has no IpRanges, Ipv6Ranges or Groups (UserIdGroupPairs).",
		    i);
	return 0;
}

/*
 * Every permission of the request: IpPermissions.N, or the flat legacy form
 * (IpProtocol, FromPort, ToPort and CidrIp or SourceSecurityGroupName).
 */
static int request_perms(struct api_ctx *c, const char *group_id, struct perms *ps)
{
	const char *cidr = api_opt(c, "CidrIp"), *src = api_opt(c, "SourceSecurityGroupName");
	const char *proto = api_opt(c, "IpProtocol");
	char name[64];

	for (unsigned i = 1; i <= API_MAX_LIST; i++) {
		snprintf(name, sizeof(name), "IpPermissions.%u.IpProtocol", i);
		if (!api_opt(c, name)) {
			snprintf(name, sizeof(name), "IpPermissions.%u.FromPort", i);
			if (api_opt(c, name))
				return api_fail(c, "MissingParameter",
						"The request must contain the parameter "
						"IpPermissions.%u.IpProtocol",
						i);
			break;
		}
		if (perms_of_permission(c, ps, group_id, i))
			return -1;
	}
	if (!cidr && !src && !proto)
		return ps->n ? 0
			     : api_fail(c, "MissingParameter",
					"The request must contain the parameter IpPermissions");
	if (ps->n)
		return api_fail(c, "InvalidParameterCombination",
				"IpPermissions cannot be given with IpProtocol, CidrIp or "
				"SourceSecurityGroupName.");
	struct model_sg_perm p = {.protocol = proto ? proto : "-1",
				  .from_port = api_opt(c, "FromPort"),
				  .to_port = api_opt(c, "ToPort"),
				  .cidr4 = cidr};
	if (src && !(p.group_id = group_by_name(c, ps, group_id, src)))
		return -1;
	if (!cidr && !src)
		return api_fail(c, "MissingParameter",
				"The request must contain CidrIp or SourceSecurityGroupName");
	return perms_add(c, ps, &p);
}

/* The journal record: one IpPermissions.N per rule, with the rule's id. */
static void canon_perms(struct api_ctx *c, const char *action, const char *group_id,
			const struct perms *ps, char (*rule_ids)[MODEL_ID_MAX])
{
	char name[96];

	api_canon_start(c, action);
	api_buf_form_add(c->canon, "GroupId", group_id);
	for (size_t k = 0; k < ps->n; k++) {
		const struct model_sg_perm *p = &ps->p[k];
		const char *set = p->cidr4 ? "IpRanges" : p->cidr6 ? "Ipv6Ranges" : "Groups";
		const char *field = p->cidr4 ? "CidrIp" : p->cidr6 ? "CidrIpv6" : "GroupId";
#define ADD(suffix, value)                                                                         \
	do {                                                                                       \
		snprintf(name, sizeof(name), "IpPermissions.%zu.%s", k + 1, suffix);               \
		if (value)                                                                         \
			api_buf_form_add(c->canon, name, value);                                   \
	} while (0)
		ADD("IpProtocol", p->protocol);
		ADD("FromPort", p->from_port);
		ADD("ToPort", p->to_port);
		snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.%s", k + 1, set, field);
		api_buf_form_add(c->canon, name,
				 p->cidr4   ? p->cidr4
				 : p->cidr6 ? p->cidr6
					    : p->group_id);
		if (p->description) {
			snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.Description", k + 1,
				 set);
			api_buf_form_add(c->canon, name, p->description);
		}
		if (rule_ids) {
			snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.RuleId", k + 1, set);
			api_buf_form_add(c->canon, name, rule_ids[k]);
		}
#undef ADD
	}
}

int api_canon_authorize(struct api_buf *b, const struct model_sg_view *g, bool egress)
{
	char name[96], num[16];
	size_t n = 0;

	for (size_t k = 0; k < g->n_rules; k++) {
		const struct model_sg_rule_view *r = &g->rules[k];
		if (r->egress != egress)
			continue;
		if (n++ == 0) {
			api_buf_form_add(b, "Action",
					 egress ? "AuthorizeSecurityGroupEgress"
						: "AuthorizeSecurityGroupIngress");
			api_buf_form_add(b, "GroupId", g->id);
		}
		const char *set = r->cidr4 ? "IpRanges" : r->cidr6 ? "Ipv6Ranges" : "Groups";
		snprintf(name, sizeof(name), "IpPermissions.%zu.IpProtocol", n);
		snprintf(num, sizeof(num), "%d", r->protocol);
		api_buf_form_add(b, name, num);
		if (has_ports(r->protocol)) {
			snprintf(name, sizeof(name), "IpPermissions.%zu.FromPort", n);
			snprintf(num, sizeof(num), "%d", r->from_port);
			api_buf_form_add(b, name, num);
			snprintf(name, sizeof(name), "IpPermissions.%zu.ToPort", n);
			snprintf(num, sizeof(num), "%d", r->to_port);
			api_buf_form_add(b, name, num);
		}
		snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.%s", n, set,
			 r->cidr4   ? "CidrIp"
			 : r->cidr6 ? "CidrIpv6"
				    : "GroupId");
		api_buf_form_add(b, name,
				 r->cidr4   ? r->cidr4
				 : r->cidr6 ? r->cidr6
					    : r->peer_group_id);
		if (r->description) {
			snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.Description", n, set);
			api_buf_form_add(b, name, r->description);
		}
		snprintf(name, sizeof(name), "IpPermissions.%zu.%s.1.RuleId", n, set);
		api_buf_form_add(b, name, r->id);
	}
	return n ? 0 : 1;
}

static int authorize(struct api_ctx *c, bool egress)
{
	const char *action =
	    egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress";
	char gid[MODEL_ID_MAX], (*ids)[MODEL_ID_MAX] = NULL;
	struct perms ps = {0};
	struct model_err err = {0};
	struct model_sg_view g;
	int rc = -1;

	static const char *const no_tag_types[] = {NULL};
	/* Egress takes a GroupId only; tags on rules are not kept (no TagSpecification) */
	if ((egress && !api_req(c, "GroupId")) || request_group(c, gid) ||
	    api_tag_specs_check(c, no_tag_types) || request_perms(c, gid, &ps))
		goto out;
	if (!(ids = calloc(ps.n, sizeof(*ids)))) {
		api_fail(c, "InternalError", "Out of memory.");
		goto out;
	}
	/* generated by the API (never handed out twice, not even after a restart) */
	for (size_t k = 0; k < ps.n; k++)
		if (!ps.p[k].rule_id) {
			do
				api_new_id("sgr-", ids[k]);
			while (model_find_sg_rule(c->m, ids[k], NULL, NULL) == 0);
			ps.p[k].rule_id = ids[k];
		}
	if (model_authorize_sg(c->m, gid, egress, ps.p, ps.n, ids, &err)) {
		api_fail_model(c, &err);
		goto out;
	}
	canon_perms(c, action, gid, &ps, ids);
	api_buf_puts(c->xml, "<return>true</return><securityGroupRuleSet>");
	if (model_get_sg(c->m, gid, &g) == 0)
		for (size_t k = 0; k < ps.n; k++)
			for (size_t r = 0; r < g.n_rules; r++)
				if (strcmp(g.rules[r].id, ids[k]) == 0) {
					api_buf_puts(c->xml, "<item>");
					xml_rule(c, &g.rules[r]);
					api_buf_puts(c->xml, "</item>");
				}
	api_buf_puts(c->xml, "</securityGroupRuleSet>");
	rc = 0;
out:
	free(ids);
	perms_free(&ps);
	return rc;
}

static int act_authorize_ingress(struct api_ctx *c)
{
	return authorize(c, false);
}

static int act_authorize_egress(struct api_ctx *c)
{
	return authorize(c, true);
}

static int revoke(struct api_ctx *c, bool egress)
{
	const char *action = egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress";
	char gid[MODEL_ID_MAX], name[64];
	struct perms ps = {0};
	struct model_err err = {0};
	const char **rule_ids = NULL;
	size_t n_ids = 0;
	int rc = -1;

	if (request_group(c, gid) || api_list(c, "SecurityGroupRuleId", NULL, &rule_ids, &n_ids))
		goto out;
	if (n_ids) {
		if (api_opt(c, "IpPermissions.1.IpProtocol") || api_opt(c, "IpProtocol")) {
			api_fail(c, "InvalidParameterCombination",
				 "SecurityGroupRuleIds cannot be given with IpPermissions.");
			goto out;
		}
		if (model_revoke_sg_rules(c->m, gid, egress, rule_ids, n_ids, &err)) {
			api_fail_model(c, &err);
			goto out;
		}
		api_canon_start(c, action);
		api_buf_form_add(c->canon, "GroupId", gid);
		for (size_t k = 0; k < n_ids; k++) {
			snprintf(name, sizeof(name), "SecurityGroupRuleId.%zu", k + 1);
			api_buf_form_add(c->canon, name, rule_ids[k]);
		}
	} else {
		if (request_perms(c, gid, &ps))
			goto out;
		if (model_revoke_sg(c->m, gid, egress, ps.p, ps.n, &err)) {
			api_fail_model(c, &err);
			goto out;
		}
		canon_perms(c, action, gid, &ps, NULL);
	}
	api_buf_puts(c->xml, "<return>true</return>");
	rc = 0;
out:
	free(rule_ids);
	perms_free(&ps);
	return rc;
}

static int act_revoke_ingress(struct api_ctx *c)
{
	return revoke(c, false);
}

static int act_revoke_egress(struct api_ctx *c)
{
	return revoke(c, true);
}

/*
 * UpdateSecurityGroupRuleDescriptions*: by IpPermissions (each range's rule,
 * its Description or none) or by SecurityGroupRuleDescription.N
 * (SecurityGroupRuleId, Description). Every rule is found before any
 * description changes, so a missing one changes nothing.
 */
static int update_descriptions(struct api_ctx *c, bool egress)
{
	const char *action = egress ? "UpdateSecurityGroupRuleDescriptionsEgress"
				    : "UpdateSecurityGroupRuleDescriptionsIngress";
	char gid[MODEL_ID_MAX], name[96], (*ids)[MODEL_ID_MAX] = NULL;
	const char **descs = NULL;
	struct perms ps = {0};
	struct model_err err = {0};
	size_t n = 0;
	int rc = -1;

	if (request_group(c, gid))
		goto out;
	if (api_opt(c, "SecurityGroupRuleDescription.1.SecurityGroupRuleId")) {
		const char **rids = NULL;
		if (api_list(c, "SecurityGroupRuleDescription", "SecurityGroupRuleId", &rids, &n))
			goto out;
		ids = calloc(n, sizeof(*ids));
		descs = calloc(n, sizeof(*descs));
		for (size_t k = 0; ids && descs && k < n; k++) {
			snprintf(ids[k], MODEL_ID_MAX, "%s", rids[k]);
			snprintf(name, sizeof(name), "SecurityGroupRuleDescription.%zu.Description",
				 k + 1);
			descs[k] = api_opt(c, name);
		}
		free(rids);
	} else {
		if (request_perms(c, gid, &ps))
			goto out;
		n = ps.n;
		ids = calloc(n, sizeof(*ids));
		descs = calloc(n, sizeof(*descs));
		for (size_t k = 0; ids && descs && k < n; k++) {
			if (model_find_sg_rule_by_perm(c->m, gid, egress, &ps.p[k], ids[k], &err)) {
				api_fail_model(c, &err);
				goto out;
			}
			descs[k] = ps.p[k].description;
		}
	}
	if (!ids || !descs) {
		api_fail(c, "InternalError", "Out of memory.");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		struct model_sg_view g;
		size_t at;
		if (model_find_sg_rule(c->m, ids[k], &g, &at) || strcmp(g.id, gid) != 0 ||
		    g.rules[at].egress != egress) {
			api_fail(c, "InvalidSecurityGroupRuleId.NotFound",
				 "The security group rule ID '%.60s' does not exist in %s", ids[k],
				 gid);
			goto out;
		}
	}
	api_canon_start(c, action);
	api_buf_form_add(c->canon, "GroupId", gid);
	for (size_t k = 0; k < n; k++) {
		if (model_set_sg_rule_description(c->m, gid, ids[k], descs[k], &err)) {
			api_fail_model(c, &err); /* a bad description: checked first below */
			goto out;
		}
		snprintf(name, sizeof(name), "SecurityGroupRuleDescription.%zu.SecurityGroupRuleId",
			 k + 1);
		api_buf_form_add(c->canon, name, ids[k]);
		if (descs[k]) {
			snprintf(name, sizeof(name), "SecurityGroupRuleDescription.%zu.Description",
				 k + 1);
			api_buf_form_add(c->canon, name, descs[k]);
		}
	}
	api_buf_puts(c->xml, "<return>true</return>");
	rc = 0;
out:
	free(ids);
	free(descs);
	perms_free(&ps);
	return rc;
}

static int act_update_ingress_descriptions(struct api_ctx *c)
{
	return update_descriptions(c, false);
}

static int act_update_egress_descriptions(struct api_ctx *c)
{
	return update_descriptions(c, true);
}

/* ---- DescribeSecurityGroups ---- */

static int group_exists(struct api_ctx *c, const char *id)
{
	return model_get_sg(c->m, id, NULL) == 0;
}

/* The filter names of a rule's facts, inbound and outbound (api_facts keeps the name pointers). */
enum { F_PROTOCOL, F_FROM, F_TO, F_CIDR, F_CIDR6, F_GROUP, F_USER };
static const char *const fact_names[2][7] = {
    {"ip-permission.protocol", "ip-permission.from-port", "ip-permission.to-port",
     "ip-permission.cidr", "ip-permission.ipv6-cidr", "ip-permission.group-id",
     "ip-permission.user-id"},
    {"egress.ip-permission.protocol", "egress.ip-permission.from-port",
     "egress.ip-permission.to-port", "egress.ip-permission.cidr", "egress.ip-permission.ipv6-cidr",
     "egress.ip-permission.group-id", "egress.ip-permission.user-id"},
};

static void rule_facts(struct api_facts *f, const struct model_sg_rule_view *r)
{
	const char *const *name = fact_names[r->egress];
	char num[16], pb[8];

	api_facts_add(f, name[F_PROTOCOL], protocol_name(r->protocol, pb));
	if (has_ports(r->protocol)) {
		snprintf(num, sizeof(num), "%d", r->from_port);
		api_facts_add(f, name[F_FROM], num);
		snprintf(num, sizeof(num), "%d", r->to_port);
		api_facts_add(f, name[F_TO], num);
	}
	if (r->cidr4)
		api_facts_add(f, name[F_CIDR], r->cidr4);
	if (r->cidr6)
		api_facts_add(f, name[F_CIDR6], r->cidr6);
	if (r->peer_group_id) {
		api_facts_add(f, name[F_GROUP], r->peer_group_id);
		api_facts_add(f, name[F_USER], API_OWNER_ID);
	}
}

static int group_cb(const struct model_sg_view *g, void *arg)
{
	struct api_describe *d = arg;

	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "group-id", g->id);
	api_facts_add(&d->facts, "group-name", g->name);
	api_facts_add(&d->facts, "description", g->description);
	api_facts_add(&d->facts, "vpc-id", g->vpc_id);
	api_facts_add(&d->facts, "owner-id", API_OWNER_ID);
	for (size_t k = 0; k < g->n_rules; k++)
		rule_facts(&d->facts, &g->rules[k]);
	if (!api_describe_wants(d, g->id))
		return d->full;
	api_buf_puts(d->c->xml, "<item>");
	xml_group(d->c, g);
	api_buf_puts(d->c->xml, "</item>");
	return 0;
}

/* GroupName.N: each must name a group (InvalidGroup.NotFound), its id added to the filters. */
static int names_filter(struct api_ctx *c, struct api_describe *d)
{
	const char **names = NULL;
	size_t n = 0;
	struct by_name b;

	if (api_list(c, "GroupName", NULL, &names, &n))
		return -1;
	for (size_t k = 0; k < n; k++) {
		b = (struct by_name){.name = names[k]};
		model_foreach_sg(c->m, by_name_cb, &b);
		if (!b.found) {
			api_fail(c, "InvalidGroup.NotFound",
				 "The security group '%.60s' does not exist", names[k]);
			free(names);
			return -1;
		}
	}
	if (n) {
		struct api_filter *f = realloc(d->filters.f, (d->filters.n + 1) * sizeof(*f));
		if (!f) {
			free(names);
			return api_fail(c, "InternalError", "Out of memory.");
		}
		d->filters.f = f;
		/* the filter takes the name list (freed with the filters) */
		f[d->filters.n++] =
		    (struct api_filter){.name = "group-name", .values = names, .n = n};
		return 0;
	}
	free(names);
	return 0;
}

static int act_describe_security_groups(struct api_ctx *c)
{
	static const char *const allowed[] = {"vpc-id",
					      "group-id",
					      "group-name",
					      "owner-id",
					      "description",
					      "ip-permission.protocol",
					      "ip-permission.from-port",
					      "ip-permission.to-port",
					      "ip-permission.cidr",
					      "ip-permission.ipv6-cidr",
					      "ip-permission.group-id",
					      "ip-permission.user-id",
					      "egress.ip-permission.protocol",
					      "egress.ip-permission.from-port",
					      "egress.ip-permission.to-port",
					      "egress.ip-permission.cidr",
					      "egress.ip-permission.ipv6-cidr",
					      "egress.ip-permission.group-id",
					      "egress.ip-permission.user-id",
					      NULL};
	struct api_describe d;

	if (api_describe_open(&d, c, "GroupId", allowed, group_exists, "InvalidGroup.NotFound",
			      "security group"))
		return -1;
	if (names_filter(c, &d)) {
		api_describe_close(&d);
		return -1;
	}
	api_buf_puts(c->xml, "<securityGroupInfo>");
	model_foreach_sg_from(c->m, api_describe_after(&d), group_cb, &d);
	api_buf_puts(c->xml, "</securityGroupInfo>");
	return api_describe_close(&d);
}

/* ---- DescribeSecurityGroupRules ---- */

static int rule_exists(struct api_ctx *c, const char *id)
{
	return model_find_sg_rule(c->m, id, NULL, NULL) == 0;
}

static int rules_cb(const struct model_sg_view *g, void *arg)
{
	struct api_describe *d = arg;

	for (size_t k = 0; k < g->n_rules; k++) {
		const struct model_sg_rule_view *r = &g->rules[k];
		api_facts_reset(&d->facts);
		api_facts_add(&d->facts, "group-id", g->id);
		api_facts_add(&d->facts, "security-group-rule-id", r->id);
		if (!api_describe_wants(d, r->id)) {
			if (d->full)
				return d->full;
			continue;
		}
		api_buf_puts(d->c->xml, "<item>");
		xml_rule(d->c, r);
		api_buf_puts(d->c->xml, "</item>");
	}
	return 0;
}

static int act_describe_security_group_rules(struct api_ctx *c)
{
	static const char *const allowed[] = {"group-id", "security-group-rule-id", NULL};
	struct api_describe d;

	if (api_describe_open(&d, c, "SecurityGroupRuleId", allowed, rule_exists,
			      "InvalidSecurityGroupRuleId.NotFound", "security group rule"))
		return -1;
	api_buf_puts(c->xml, "<securityGroupRuleSet>");
	model_foreach_sg(c->m, rules_cb, &d);
	api_buf_puts(c->xml, "</securityGroupRuleSet>");
	return api_describe_close(&d);
}

const struct api_action api_sg_actions[] = {
    {"CreateSecurityGroup", act_create_security_group},
    {"DeleteSecurityGroup", act_delete_security_group},
    {"DescribeSecurityGroups", act_describe_security_groups},
    {"DescribeSecurityGroupRules", act_describe_security_group_rules},
    {"AuthorizeSecurityGroupIngress", act_authorize_ingress},
    {"AuthorizeSecurityGroupEgress", act_authorize_egress},
    {"RevokeSecurityGroupIngress", act_revoke_ingress},
    {"RevokeSecurityGroupEgress", act_revoke_egress},
    {"UpdateSecurityGroupRuleDescriptionsIngress", act_update_ingress_descriptions},
    {"UpdateSecurityGroupRuleDescriptionsEgress", act_update_egress_descriptions},
    {NULL, NULL},
};
