/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_describe.c - the Describe* actions: EC2's XML for every object, id
 * lists and filters (an object is listed when its id is in the given list,
 * if any, and every filter matches).
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

/* ---- shared pieces ---- */

static void xml_assoc(struct api_ctx *c, const struct model_eip_view *e)
{
	char ip[16];
	api_ip4_str(e->public_ip, ip);
	api_buf_puts(c->xml, "<association>");
	api_buf_xml_elem(c->xml, "publicIp", ip);
	api_buf_puts(c->xml,
		     "<publicDnsName></publicDnsName><ipOwnerId>" API_OWNER_ID "</ipOwnerId>");
	api_buf_xml_elem(c->xml, "allocationId", e->allocation_id);
	api_buf_xml_elem(c->xml, "associationId", e->association_id);
	api_buf_puts(c->xml, "</association>");
}

static void xml_private_ip(struct api_ctx *c, const char *vpc_id, uint32_t ip, bool primary)
{
	char s[16];
	api_ip4_str(ip, s);
	api_buf_puts(c->xml, "<item>");
	api_buf_xml_elem(c->xml, "privateIpAddress", s);
	api_buf_printf(c->xml, "<primary>%s</primary>", primary ? "true" : "false");
	struct model_eip_view e;
	if (model_get_eip_by_private(c->m, vpc_id, ip, &e) == 0)
		xml_assoc(c, &e);
	api_buf_puts(c->xml, "</item>");
}

/* The members of an ENI (inside <networkInterface> or <item>). */
void api_xml_eni(struct api_ctx *c, const struct model_eni_view *v)
{
	char s[64];
	api_buf_xml_elem(c->xml, "networkInterfaceId", v->id);
	api_buf_xml_elem(c->xml, "subnetId", v->subnet_id);
	api_buf_xml_elem(c->xml, "vpcId", v->vpc_id);
	api_buf_xml_elem(c->xml, "availabilityZone", v->az);
	api_buf_xml_elem(c->xml, "description", v->description ? v->description : "");
	api_buf_puts(c->xml, "<ownerId>" API_OWNER_ID "</ownerId>"
			     "<requesterManaged>false</requesterManaged>");
	api_buf_printf(c->xml, "<status>%s</status>", v->instance_id ? "in-use" : "available");
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
		 v->mac[3], v->mac[4], v->mac[5]);
	api_buf_xml_elem(c->xml, "macAddress", s);
	api_ip4_str(v->primary_ip, s);
	api_buf_xml_elem(c->xml, "privateIpAddress", s);
	api_buf_printf(c->xml, "<sourceDestCheck>%s</sourceDestCheck>",
		       v->source_dest_check ? "true" : "false");
	api_buf_puts(c->xml, "<interfaceType>interface</interfaceType>");
	api_xml_groups(c, v);
	if (v->instance_id) {
		api_buf_puts(c->xml, "<attachment>");
		api_buf_xml_elem(c->xml, "attachmentId", v->attachment_id);
		api_buf_xml_elem(c->xml, "instanceId", v->instance_id);
		api_buf_puts(c->xml, "<instanceOwnerId>" API_OWNER_ID "</instanceOwnerId>");
		api_buf_printf(c->xml,
			       "<deviceIndex>%d</deviceIndex><networkCardIndex>0</networkCardIndex>"
			       "<status>attached</status>"
			       "<deleteOnTermination>%s</deleteOnTermination>",
			       v->device_index, v->delete_on_termination ? "true" : "false");
		api_buf_puts(c->xml, "</attachment>");
	}
	struct model_eip_view e;
	if (model_get_eip_by_private(c->m, v->vpc_id, v->primary_ip, &e) == 0)
		xml_assoc(c, &e);
	api_xml_tags(c, v->id);
	api_buf_puts(c->xml, "<privateIpAddressesSet>");
	xml_private_ip(c, v->vpc_id, v->primary_ip, true);
	for (size_t i = 0; i < v->n_secondary; i++)
		xml_private_ip(c, v->vpc_id, v->secondary_ips[i], false);
	api_buf_puts(c->xml, "</privateIpAddressesSet><ipv6AddressesSet>");
	for (size_t i = 0; i < v->n_ipv6; i++) {
		api_ip6_str(&v->ipv6[i], s);
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "ipv6Address", s);
		api_buf_puts(c->xml, "<isPrimaryIpv6>false</isPrimaryIpv6></item>");
	}
	api_buf_puts(c->xml, "</ipv6AddressesSet>");
}

/* ---- the frame of every Describe (api_impl.h) ---- */

/* Each Describe's rules for pages and tags (R27, R30), as EC2 has them. */
static const struct page_rule {
	const char *action;
	int kind;	    /* enum model_kind walked, -1 = none: resume by skipping */
	unsigned max;	    /* MaxResults: 5 to this */
	bool ids_exclude;   /* an id list and MaxResults together: refused */
	bool tags;	    /* its objects carry tags: tag:KEY, tag-key, tag-value */
	const char *ids_as; /* the id list's name in EC2's message */
} page_rules[] = {
    {"DescribeNetworkInterfaces", MODEL_KIND_ENI, 1000, true, true, "NetworkInterfaceIds"},
    {"DescribeInstances", MODEL_KIND_INSTANCE, 1000, true, true, "InstanceIds"},
    {"DescribeVpcs", MODEL_KIND_VPC, 1000, false, true, "VpcIds"},
    {"DescribeSubnets", MODEL_KIND_SUBNET, 1000, false, true, "SubnetIds"},
    {"DescribeRouteTables", MODEL_KIND_ROUTE_TABLE, 100, false, true, "RouteTableIds"},
    {"DescribeAddresses", MODEL_KIND_EIP, 1000, false, true, "AllocationIds"},
    {"DescribeInstanceTypes", MODEL_KIND_INSTANCE_TYPE, 100, false, false, "InstanceTypes"},
    {"DescribeTags", MODEL_KIND_TAGS, 1000, false, true, NULL},
    {"DescribeSecurityGroups", MODEL_KIND_SG, 1000, true, true, "GroupIds"},
};
static const struct page_rule default_rule = {NULL, -1, 1000, false, true, NULL};

static const struct page_rule *page_rule_of(struct api_ctx *c)
{
	const char *action = api_opt(c, "Action");
	for (size_t i = 0; action && i < sizeof(page_rules) / sizeof(page_rules[0]); i++)
		if (strcmp(page_rules[i].action, action) == 0)
			return &page_rules[i];
	return &default_rule;
}

/* MaxResults and NextToken. 0 or -1. */
static int describe_pages(struct api_describe *d, struct api_ctx *c, const struct page_rule *r)
{
	bool has_max;
	const char *max_text = api_opt(c, "MaxResults");
	const char *token = api_opt(c, "NextToken");
	if (max_text) {
		unsigned long x = 0;
		const char *p = max_text;
		while (*p >= '0' && *p <= '9' && x <= r->max)
			x = x * 10 + (unsigned long)(*p++ - '0');
		if (p == max_text || *p || x < 5 || x > r->max)
			return api_fail(
			    c, "InvalidParameterValue",
			    "Value (%.*s) for parameter MaxResults is invalid. Expected "
			    "an integer from 5 to %u.",
			    api_utf8_prefix(max_text, 20), max_text, r->max);
		d->max = (unsigned)x;
	}
	has_max = max_text != NULL;
	if (has_max && d->n_ids && r->ids_exclude)
		return api_fail(c, "InvalidParameterCombination",
				"The parameter %s cannot be used with the parameter maxResults",
				r->ids_as);
	d->req = api_page_request_hash(c->q);
	if (!token || !*token)
		return 0;
	if (api_page_token_read(token, d->req, &d->after) || d->after.kind != r->kind)
		return api_fail(c, "InvalidNextToken",
				"The token '%.*s' is invalid (not one this engine made for this "
				"request, or from an earlier run).",
				api_utf8_prefix(token, 60), token);
	d->has_after = true;
	d->skipping = r->kind < 0;
	d->cursor =
	    (struct model_cursor){.id = d->after.id, .order = d->after.order, .sub = d->after.sub};
	return 0;
}

/*
 * The common frame of a Describe: the id list (each id must exist), the
 * filters (the tag filters apart), MaxResults and NextToken.
 */
int api_describe_open(struct api_describe *d, struct api_ctx *c, const char *id_param,
		      const char *const *allowed, int (*exists)(struct api_ctx *, const char *),
		      const char *not_found_code, const char *what)
{
	const struct page_rule *r = page_rule_of(c);
	memset(d, 0, sizeof(*d));
	d->c = c;
	d->last.kind = r->kind;
	/* id_param NULL: no id list (DescribeTags) */
	if (id_param && api_list(c, id_param, NULL, &d->ids, &d->n_ids))
		return -1;
	for (size_t i = 0; id_param && i < d->n_ids; i++)
		if (!exists(c, d->ids[i])) {
			api_fail(c, not_found_code, "The %s '%.*s' does not exist", what,
				 api_utf8_prefix(d->ids[i], 100), d->ids[i]);
			free(d->ids);
			return -1;
		}
	if (api_filters_parse_tags(c, allowed, r->tags, &d->filters, &d->tag_filters)) {
		free(d->ids);
		return -1;
	}
	if (describe_pages(d, c, r)) {
		free(d->ids);
		api_filters_free(&d->filters);
		api_filters_free(&d->tag_filters);
		return -1;
	}
	return 0;
}

const struct model_cursor *api_describe_after(struct api_describe *d)
{
	return d->has_after && !d->skipping ? &d->cursor : NULL;
}

static bool any_match(const char *const *pats, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], text, 0) == 0)
			return true;
	return false;
}

/* Do the resource's tags pass every tag filter? (each one: some tag matches) */
static bool tags_match(const struct model *m, const char *id, const struct api_filters *tf)
{
	struct model_tags_view v;
	if (!tf->n)
		return true;
	if (model_get_tags(m, id, &v))
		return false;
	for (size_t i = 0; i < tf->n; i++) {
		const struct api_filter *f = &tf->f[i];
		bool hit = false;
		for (size_t k = 0; k < v.n && !hit; k++) {
			if (strcmp(f->name, "tag-key") == 0)
				hit = any_match(f->values, f->n, v.tags[k].key);
			else if (strcmp(f->name, "tag-value") == 0)
				hit = any_match(f->values, f->n, v.tags[k].value);
			else /* tag:KEY: that key, exactly, with a matching value */
				hit = strcmp(f->name + 4, v.tags[k].key) == 0 &&
				      any_match(f->values, f->n, v.tags[k].value);
		}
		if (!hit)
			return false;
	}
	return true;
}

bool api_describe_wants_sub(struct api_describe *d, const char *id, uint64_t sub)
{
	if (d->full)
		return false;
	if (d->skipping) {
		/* an action walked without a cursor: skip up to the token's object */
		if (strcmp(id, d->after.id) == 0 && sub == d->after.sub)
			d->skipping = false;
		return false;
	}
	if (d->n_ids) {
		bool in = false;
		for (size_t i = 0; i < d->n_ids && !in; i++)
			in = strcmp(d->ids[i], id) == 0;
		if (!in)
			return false;
	}
	if (!api_facts_match(&d->facts, &d->filters) || !tags_match(d->c->m, id, &d->tag_filters))
		return false;
	if (d->max && d->count == d->max) {
		d->full = true; /* one more matches: the page ends before it, with a token */
		return false;
	}
	d->count++;
	snprintf(d->last.id, sizeof(d->last.id), "%s", id);
	d->last.sub = sub;
	return true;
}

bool api_describe_wants(struct api_describe *d, const char *id)
{
	return api_describe_wants_sub(d, id, 0);
}

int api_describe_close(struct api_describe *d)
{
	struct api_ctx *c = d->c;
	bool oom = d->facts.oom, lost = d->skipping;
	if (d->full && !oom && !lost) {
		char tok[API_PAGE_TOKEN_MAX];
		d->last.order =
		    d->last.kind >= 0
			? model_order_of(c->m, (enum model_kind)d->last.kind, d->last.id)
			: 0;
		api_page_token_make(&d->last, d->req, tok);
		api_buf_xml_elem(c->xml, "nextToken", tok);
	}
	free(d->ids);
	api_filters_free(&d->filters);
	api_filters_free(&d->tag_filters);
	api_facts_free(&d->facts);
	if (oom)
		return api_fail(c, "InternalError", "Out of memory.");
	if (lost) /* the object the token names is gone: where to resume is unknown */
		return api_fail(
		    c, "InvalidNextToken",
		    "The token is stale: the object it resumes after no longer exists.");
	return 0;
}

/* ---- DescribeNetworkInterfaces ---- */

static int eni_exists(struct api_ctx *c, const char *id)
{
	struct model_eni_view v;
	return model_get_eni(c->m, id, &v) == 0;
}

/* An ENI's groups as facts: ids under id_name, names under name_name. */
static void group_facts(struct api_ctx *c, struct api_facts *f, const struct model_eni_view *v,
			const char *id_name, const char *name_name)
{
	for (size_t i = 0; i < v->n_groups; i++) {
		struct model_sg_view g;
		api_facts_add(f, id_name, v->groups[i]);
		if (model_get_sg(c->m, v->groups[i], &g) == 0)
			api_facts_add(f, name_name, g.name);
	}
}

static void eni_facts(struct api_ctx *c, struct api_facts *f, const struct model_eni_view *v)
{
	char s[64];
	api_facts_reset(f);
	api_facts_add(f, "network-interface-id", v->id);
	api_facts_add(f, "subnet-id", v->subnet_id);
	api_facts_add(f, "vpc-id", v->vpc_id);
	api_facts_add(f, "availability-zone", v->az);
	api_facts_add(f, "description", v->description ? v->description : "");
	api_facts_add(f, "status", v->instance_id ? "in-use" : "available");
	api_facts_add(f, "source-dest-check", v->source_dest_check ? "true" : "false");
	api_facts_add(f, "owner-id", API_OWNER_ID);
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
		 v->mac[3], v->mac[4], v->mac[5]);
	api_facts_add(f, "mac-address", s);
	group_facts(c, f, v, "group-id", "group-name");
	if (v->instance_id) {
		api_facts_add(f, "attachment.instance-id", v->instance_id);
		api_facts_add(f, "attachment.attachment-id", v->attachment_id);
		snprintf(s, sizeof(s), "%d", v->device_index);
		api_facts_add(f, "attachment.device-index", s);
		api_facts_add(f, "attachment.status", "attached");
	}
	for (size_t i = 0; i <= v->n_secondary; i++) {
		uint32_t ip = i == 0 ? v->primary_ip : v->secondary_ips[i - 1];
		api_ip4_str(ip, s);
		if (i == 0)
			api_facts_add(f, "private-ip-address", s);
		api_facts_add(f, "addresses.private-ip-address", s);
		struct model_eip_view e;
		if (model_get_eip_by_private(c->m, v->vpc_id, ip, &e) == 0) {
			api_ip4_str(e.public_ip, s);
			api_facts_add(f, "association.public-ip", s);
			api_facts_add(f, "addresses.association.public-ip", s);
			api_facts_add(f, "association.allocation-id", e.allocation_id);
			api_facts_add(f, "association.association-id", e.association_id);
		}
	}
	for (size_t i = 0; i < v->n_ipv6; i++) {
		api_ip6_str(&v->ipv6[i], s);
		api_facts_add(f, "ipv6-addresses.ipv6-address", s);
		api_facts_add(f, "ipv6-address", s);
	}
}

static int eni_cb(const struct model_eni_view *v, void *arg)
{
	struct api_describe *d = arg;
	eni_facts(d->c, &d->facts, v);
	if (!api_describe_wants(d, v->id))
		return d->full;
	api_buf_puts(d->c->xml, "<item>");
	api_xml_eni(d->c, v);
	api_buf_puts(d->c->xml, "</item>");
	return 0;
}

int api_describe_enis(struct api_ctx *c)
{
	static const char *const allowed[] = {"network-interface-id",
					      "subnet-id",
					      "vpc-id",
					      "availability-zone",
					      "description",
					      "status",
					      "source-dest-check",
					      "owner-id",
					      "mac-address",
					      "attachment.instance-id",
					      "attachment.attachment-id",
					      "attachment.device-index",
					      "attachment.status",
					      "private-ip-address",
					      "addresses.private-ip-address",
					      "association.public-ip",
					      "addresses.association.public-ip",
					      "association.allocation-id",
					      "association.association-id",
					      "ipv6-addresses.ipv6-address",
					      "ipv6-address",
					      "group-id",
					      "group-name",
					      NULL};
	struct api_describe d;
	if (api_describe_open(&d, c, "NetworkInterfaceId", allowed, eni_exists,
			      "InvalidNetworkInterfaceID.NotFound", "networkInterface ID"))
		return -1;
	api_buf_puts(c->xml, "<networkInterfaceSet>");
	model_foreach_eni_from(c->m, api_describe_after(&d), eni_cb, &d);
	api_buf_puts(c->xml, "</networkInterfaceSet>");
	return api_describe_close(&d);
}

/* ---- DescribeAddresses ---- */

static int eip_exists(struct api_ctx *c, const char *id)
{
	struct model_eip_view v;
	return model_get_eip(c->m, id, &v) == 0;
}

static int eip_cb(const struct model_eip_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	char pub[16], priv[16];
	api_ip4_str(v->public_ip, pub);
	api_ip4_str(v->private_ip, priv);
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "public-ip", pub);
	api_facts_add(&d->facts, "allocation-id", v->allocation_id);
	api_facts_add(&d->facts, "domain", "vpc");
	if (v->association_id) {
		api_facts_add(&d->facts, "association-id", v->association_id);
		api_facts_add(&d->facts, "network-interface-id", v->eni_id);
		api_facts_add(&d->facts, "private-ip-address", priv);
		api_facts_add(&d->facts, "instance-id", v->instance_id);
		api_facts_add(&d->facts, "network-interface-owner-id", API_OWNER_ID);
	}
	/* PublicIp.N: an alternative id list (before the frame counts it on the page) */
	const char **ips = NULL;
	size_t n_ips = 0;
	struct api_ctx *c = d->c;
	if (api_list(c, "PublicIp", NULL, &ips, &n_ips) == 0 && n_ips) {
		bool in = false;
		for (size_t i = 0; i < n_ips && !in; i++)
			in = strcmp(ips[i], pub) == 0;
		free(ips);
		if (!in)
			return 0;
	}
	if (!api_describe_wants(d, v->allocation_id))
		return d->full;
	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, "publicIp", pub);
	api_buf_xml_elem(x, "allocationId", v->allocation_id);
	api_buf_puts(x, "<domain>vpc</domain>");
	if (v->association_id) {
		api_buf_xml_elem(x, "instanceId", v->instance_id);
		api_buf_xml_elem(x, "associationId", v->association_id);
		api_buf_xml_elem(x, "networkInterfaceId", v->eni_id);
		api_buf_puts(x,
			     "<networkInterfaceOwnerId>" API_OWNER_ID "</networkInterfaceOwnerId>");
		api_buf_xml_elem(x, "privateIpAddress", priv);
		struct model_eni_view e;
		if (model_get_eni(c->m, v->eni_id, &e) == 0)
			api_buf_xml_elem(x, "subnetId", e.subnet_id);
	}
	api_buf_puts(x, "<publicIpv4Pool>amazon</publicIpv4Pool>");
	api_buf_xml_elem(x, "networkBorderGroup", c->a->cfg.region);
	api_xml_tags(c, v->allocation_id);
	api_buf_puts(x, "</item>");
	return 0;
}

struct pub_find {
	uint32_t ip;
	bool found;
};

static int pub_cb(const struct model_eip_view *v, void *arg)
{
	struct pub_find *p = arg;
	if (v->public_ip == p->ip)
		p->found = true;
	return p->found;
}

int api_describe_addresses(struct api_ctx *c)
{
	static const char *const allowed[] = {"public-ip",
					      "allocation-id",
					      "domain",
					      "association-id",
					      "network-interface-id",
					      "private-ip-address",
					      "instance-id",
					      "network-interface-owner-id",
					      NULL};
	/* PublicIp.N must each be an allocated address */
	const char **ips;
	size_t n;
	if (api_list(c, "PublicIp", NULL, &ips, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct pub_find p = {0};
		if (inet_pton(AF_INET, ips[i], &p.ip) == 1)
			model_foreach_eip(c->m, pub_cb, &p);
		if (!p.found) {
			api_fail(c, "InvalidAddress.NotFound", "Address '%.*s' not found.",
				 api_utf8_prefix(ips[i], 100), ips[i]);
			free(ips);
			return -1;
		}
	}
	free(ips);
	struct api_describe d;
	if (api_describe_open(&d, c, "AllocationId", allowed, eip_exists,
			      "InvalidAllocationID.NotFound", "allocation ID"))
		return -1;
	api_buf_puts(c->xml, "<addressesSet>");
	model_foreach_eip_from(c->m, api_describe_after(&d), eip_cb, &d);
	api_buf_puts(c->xml, "</addressesSet>");
	return api_describe_close(&d);
}

/* ---- DescribeVpcs ---- */

static int vpc_exists(struct api_ctx *c, const char *id)
{
	struct model_vpc_view v;
	return model_get_vpc(c->m, id, &v) == 0;
}

static int vpc_cb(const struct model_vpc_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "vpc-id", v->id);
	api_facts_add(&d->facts, "state", "available");
	api_facts_add(&d->facts, "owner-id", API_OWNER_ID);
	api_facts_add(&d->facts, "is-default", "false");
	api_facts_add(&d->facts, "dhcp-options-id", "default");
	if (v->n_cidr4) {
		api_facts_add(&d->facts, "cidr", v->cidr4[0]);
		api_facts_add(&d->facts, "cidr-block", v->cidr4[0]); /* what Ansible filters on */
	}
	for (size_t i = 0; i < v->n_cidr4; i++)
		api_facts_add(&d->facts, "cidr-block-association.cidr-block", v->cidr4[i]);
	for (size_t i = 0; i < v->n_cidr6; i++)
		api_facts_add(&d->facts, "ipv6-cidr-block-association.ipv6-cidr-block",
			      v->cidr6[i]);
	if (!api_describe_wants(d, v->id))
		return d->full;
	api_buf_puts(x, "<item>");
	api_xml_vpc(d->c, v);
	api_buf_puts(x, "</item>");
	return 0;
}

/* The members of a VPC (inside <vpc> or <item>). */
void api_xml_vpc(struct api_ctx *c, const struct model_vpc_view *v)
{
	struct api_buf *x = c->xml;
	api_buf_xml_elem(x, "vpcId", v->id);
	api_buf_puts(x, "<ownerId>" API_OWNER_ID "</ownerId><state>available</state>");
	if (v->n_cidr4)
		api_buf_xml_elem(x, "cidrBlock", v->cidr4[0]);
	api_buf_puts(x, "<cidrBlockAssociationSet>");
	for (size_t i = 0; i < v->n_cidr4; i++) {
		api_buf_printf(x, "<item><associationId>%s-cidr-%zu</associationId>", v->id, i);
		api_buf_xml_elem(x, "cidrBlock", v->cidr4[i]);
		api_buf_puts(x,
			     "<cidrBlockState><state>associated</state></cidrBlockState></item>");
	}
	api_buf_puts(x, "</cidrBlockAssociationSet><ipv6CidrBlockAssociationSet>");
	for (size_t i = 0; i < v->n_cidr6; i++) {
		api_buf_printf(x, "<item><associationId>%s-ipv6-cidr-%zu</associationId>", v->id,
			       i);
		api_buf_xml_elem(x, "ipv6CidrBlock", v->cidr6[i]);
		api_buf_puts(x, "<ipv6CidrBlockState><state>associated</state>"
				"</ipv6CidrBlockState><ipv6Pool>Amazon</ipv6Pool>");
		api_buf_xml_elem(x, "networkBorderGroup", c->a->cfg.region);
		api_buf_puts(x, "</item>");
	}
	api_buf_puts(x, "</ipv6CidrBlockAssociationSet><dhcpOptionsId>default</dhcpOptionsId>"
			"<instanceTenancy>default</instanceTenancy><isDefault>false</isDefault>");
	api_xml_tags(c, v->id);
}

int api_describe_vpcs(struct api_ctx *c)
{
	static const char *const allowed[] = {"vpc-id",
					      "state",
					      "owner-id",
					      "cidr",
					      "cidr-block",
					      "is-default",
					      "dhcp-options-id",
					      "cidr-block-association.cidr-block",
					      "ipv6-cidr-block-association.ipv6-cidr-block",
					      NULL};
	struct api_describe d;
	if (api_describe_open(&d, c, "VpcId", allowed, vpc_exists, "InvalidVpcID.NotFound",
			      "vpc ID"))
		return -1;
	api_buf_puts(c->xml, "<vpcSet>");
	model_foreach_vpc_from(c->m, api_describe_after(&d), vpc_cb, &d);
	api_buf_puts(c->xml, "</vpcSet>");
	return api_describe_close(&d);
}

/* ---- DescribeSubnets ---- */

static int subnet_exists(struct api_ctx *c, const char *id)
{
	struct model_subnet_view v;
	return model_get_subnet(c->m, id, &v) == 0;
}

static int subnet_cb(const struct model_subnet_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "subnet-id", v->id);
	api_facts_add(&d->facts, "vpc-id", v->vpc_id);
	api_facts_add(&d->facts, "availability-zone", v->az);
	api_facts_add(&d->facts, "cidr-block", v->cidr4);
	api_facts_add(&d->facts, "cidr", v->cidr4);
	api_facts_add(&d->facts, "state", "available");
	api_facts_add(&d->facts, "owner-id", API_OWNER_ID);
	api_facts_add(&d->facts, "ipv6-cidr-block-association.ipv6-cidr-block", v->cidr6);
	if (!api_describe_wants(d, v->id))
		return d->full;
	api_buf_puts(x, "<item>");
	api_xml_subnet(d->c, v);
	api_buf_puts(x, "</item>");
	return 0;
}

/* The members of a subnet (inside <subnet> or <item>). */
void api_xml_subnet(struct api_ctx *c, const struct model_subnet_view *v)
{
	struct api_buf *x = c->xml;
	api_buf_xml_elem(x, "subnetId", v->id);
	api_buf_puts(x, "<state>available</state>");
	api_buf_xml_elem(x, "vpcId", v->vpc_id);
	api_buf_xml_elem(x, "cidrBlock", v->cidr4);
	api_buf_puts(x, "<ipv6CidrBlockAssociationSet>");
	if (v->cidr6) {
		api_buf_printf(x, "<item><associationId>%s-ipv6-cidr</associationId>", v->id);
		api_buf_xml_elem(x, "ipv6CidrBlock", v->cidr6);
		api_buf_puts(x, "<ipv6CidrBlockState><state>associated</state>"
				"</ipv6CidrBlockState></item>");
	}
	api_buf_puts(x, "</ipv6CidrBlockAssociationSet>");
	/* EC2's count is an int; saturate for the huge subnets enimap allows */
	api_buf_printf(x, "<availableIpAddressCount>%llu</availableIpAddressCount>",
		       (unsigned long long)(v->available_ipv4 > 2147483647u ? 2147483647u
									    : v->available_ipv4));
	api_buf_xml_elem(x, "availabilityZone", v->az);
	api_buf_puts(x, "<defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false"
			"</mapPublicIpOnLaunch>");
	api_buf_printf(x, "<assignIpv6AddressOnCreation>false</assignIpv6AddressOnCreation>"
			  "<ownerId>" API_OWNER_ID "</ownerId>");
	api_buf_printf(x, "<subnetArn>arn:aws:ec2:%s:" API_OWNER_ID ":subnet/", c->a->cfg.region);
	api_buf_xml_escape(x, v->id);
	api_buf_puts(x, "</subnetArn>");
	api_xml_tags(c, v->id);
}

int api_describe_subnets(struct api_ctx *c)
{
	static const char *const allowed[] = {"subnet-id",
					      "vpc-id",
					      "availability-zone",
					      "cidr-block",
					      "cidr",
					      "state",
					      "owner-id",
					      "ipv6-cidr-block-association.ipv6-cidr-block",
					      NULL};
	struct api_describe d;
	if (api_describe_open(&d, c, "SubnetId", allowed, subnet_exists, "InvalidSubnetID.NotFound",
			      "subnet ID"))
		return -1;
	api_buf_puts(c->xml, "<subnetSet>");
	model_foreach_subnet_from(c->m, api_describe_after(&d), subnet_cb, &d);
	api_buf_puts(c->xml, "</subnetSet>");
	return api_describe_close(&d);
}

/* ---- DescribeInstanceTypes ---- */

static int type_exists(struct api_ctx *c, const char *id)
{
	struct model_instance_type_view v;
	return model_get_instance_type(c->m, id, &v) == 0;
}

static int type_cb(const struct model_instance_type_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	char s[3][16];
	snprintf(s[0], 16, "%u", v->max_enis);
	snprintf(s[1], 16, "%u", v->max_ipv4_per_eni);
	snprintf(s[2], 16, "%u", v->max_ipv6_per_eni);
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "instance-type", v->name);
	api_facts_add(&d->facts, "network-info.maximum-network-interfaces", s[0]);
	api_facts_add(&d->facts, "network-info.ipv4-addresses-per-interface", s[1]);
	api_facts_add(&d->facts, "network-info.ipv6-addresses-per-interface", s[2]);
	api_facts_add(&d->facts, "network-info.ipv6-supported",
		      v->max_ipv6_per_eni ? "true" : "false");
	if (!api_describe_wants(d, v->name))
		return d->full;
	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, "instanceType", v->name);
	api_buf_printf(x,
		       "<networkInfo><maximumNetworkInterfaces>%u</maximumNetworkInterfaces>"
		       "<maximumNetworkCards>1</maximumNetworkCards>"
		       "<defaultNetworkCardIndex>0</defaultNetworkCardIndex>"
		       "<networkCards><item><networkCardIndex>0</networkCardIndex>"
		       "<maximumNetworkInterfaces>%u</maximumNetworkInterfaces></item>"
		       "</networkCards>"
		       "<ipv4AddressesPerInterface>%u</ipv4AddressesPerInterface>"
		       "<ipv6AddressesPerInterface>%u</ipv6AddressesPerInterface>"
		       "<ipv6Supported>%s</ipv6Supported></networkInfo></item>",
		       v->max_enis, v->max_enis, v->max_ipv4_per_eni, v->max_ipv6_per_eni,
		       v->max_ipv6_per_eni ? "true" : "false");
	return 0;
}

int api_describe_instance_types(struct api_ctx *c)
{
	static const char *const allowed[] = {"instance-type",
					      "network-info.maximum-network-interfaces",
					      "network-info.ipv4-addresses-per-interface",
					      "network-info.ipv6-addresses-per-interface",
					      "network-info.ipv6-supported",
					      NULL};
	struct api_describe d;
	if (api_describe_open(&d, c, "InstanceType", allowed, type_exists, "InvalidInstanceType",
			      "instance type"))
		return -1;
	api_buf_puts(c->xml, "<instanceTypeSet>");
	model_foreach_instance_type_from(c->m, api_describe_after(&d), type_cb, &d);
	api_buf_puts(c->xml, "</instanceTypeSet>");
	return api_describe_close(&d);
}

/* ---- DescribeInstances ---- */

static int instance_exists(struct api_ctx *c, const char *id)
{
	struct model_instance_view v;
	return model_get_instance(c->m, id, &v) == 0 && api_instance_visible(c, &v);
}

static int instance_cb(const struct model_instance_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_ctx *c = d->c;
	struct api_buf *x = c->xml;
	const char *state = api_instance_state_name(v->state);
	if (!api_instance_visible(c, v))
		return 0; /* terminated over the retention ago: forgotten */
	/* the primary ENI (device index 0) gives the instance its addresses */
	struct model_eni_view primary;
	bool has_primary = false;
	api_facts_reset(&d->facts);
	api_facts_add(&d->facts, "instance-id", v->id);
	api_facts_add(&d->facts, "instance-type", v->type);
	api_facts_add(&d->facts, "availability-zone", v->az);
	api_facts_add(&d->facts, "instance-state-name", state);
	if (v->image_id)
		api_facts_add(&d->facts, "image-id", v->image_id);
	char pub[16] = "", s[46];
	for (size_t i = 0; i < v->n_enis; i++) {
		struct model_eni_view e;
		if (model_get_eni(c->m, v->eni_ids[i], &e))
			continue;
		if (e.device_index == 0) {
			primary = e;
			has_primary = true;
		}
		api_facts_add(&d->facts, "network-interface.network-interface-id", e.id);
		group_facts(c, &d->facts, &e, "network-interface.group-id",
			    "network-interface.group-name");
		if (e.device_index == 0) /* the instance's groups are its primary ENI's */
			group_facts(c, &d->facts, &e, "instance.group-id", "instance.group-name");
		api_facts_add(&d->facts, "subnet-id", e.subnet_id);
		api_facts_add(&d->facts, "vpc-id", e.vpc_id);
		for (size_t k = 0; k <= e.n_secondary; k++) {
			api_ip4_str(k == 0 ? e.primary_ip : e.secondary_ips[k - 1], s);
			api_facts_add(&d->facts, "network-interface.addresses.private-ip-address",
				      s);
		}
		for (size_t k = 0; k < e.n_ipv6; k++) {
			api_ip6_str(&e.ipv6[k], s);
			api_facts_add(&d->facts, "network-interface.ipv6-addresses.ipv6-address",
				      s);
		}
	}
	if (has_primary) {
		api_ip4_str(primary.primary_ip, s);
		api_facts_add(&d->facts, "private-ip-address", s);
		struct model_eip_view e;
		if (model_get_eip_by_private(c->m, primary.vpc_id, primary.primary_ip, &e) == 0) {
			api_ip4_str(e.public_ip, pub);
			api_facts_add(&d->facts, "ip-address", pub);
		}
	}
	if (!api_describe_wants(d, v->id))
		return d->full;
	/* one reservation per instance; its id is derived from the instance's */
	const char *suffix = strncmp(v->id, "i-", 2) == 0 ? v->id + 2 : v->id;
	api_buf_puts(x, "<item><reservationId>r-");
	api_buf_xml_escape(x, suffix);
	api_buf_puts(x, "</reservationId><ownerId>" API_OWNER_ID "</ownerId><groupSet/>"
			"<instancesSet><item>");
	api_xml_instance(c, v, NULL);
	api_buf_puts(x, "</item></instancesSet></item>");
	return 0;
}

void api_xml_instance(struct api_ctx *c, const struct model_instance_view *v, const char *image_id)
{
	struct api_buf *x = c->xml;
	struct model_eni_view primary;
	bool has_primary = false;
	char pub[16] = "", s[46];
	for (size_t i = 0; i < v->n_enis && !has_primary; i++)
		if (model_get_eni(c->m, v->eni_ids[i], &primary) == 0 && primary.device_index == 0)
			has_primary = true;
	if (has_primary) {
		struct model_eip_view e;
		if (model_get_eip_by_private(c->m, primary.vpc_id, primary.primary_ip, &e) == 0)
			api_ip4_str(e.public_ip, pub);
	}
	api_buf_xml_elem(x, "instanceId", v->id);
	if (v->image_id)
		image_id = v->image_id;
	api_buf_xml_elem(x, "imageId", image_id ? image_id : "ami-00000000000000000");
	api_buf_printf(x, "<instanceState><code>%d</code><name>%s</name></instanceState>",
		       api_instance_state_code(v->state), api_instance_state_name(v->state));
	api_buf_xml_elem(x, "instanceType", v->type);
	api_buf_puts(x, "<placement>");
	api_buf_xml_elem(x, "availabilityZone", v->az);
	api_buf_puts(x, "<tenancy>default</tenancy></placement>");
	if (has_primary) {
		api_buf_xml_elem(x, "subnetId", primary.subnet_id);
		api_buf_xml_elem(x, "vpcId", primary.vpc_id);
		api_ip4_str(primary.primary_ip, s);
		api_buf_xml_elem(x, "privateIpAddress", s);
		if (pub[0])
			api_buf_xml_elem(x, "ipAddress", pub);
		api_buf_printf(x, "<sourceDestCheck>%s</sourceDestCheck>",
			       primary.source_dest_check ? "true" : "false");
	}
	api_buf_puts(x, "<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType>"
			"<virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>");
	if (has_primary)
		api_xml_groups(c, &primary);
	else
		api_buf_puts(x, "<groupSet/>");
	api_xml_tags(c, v->id);
	api_xml_metadata_options(x, v, "metadataOptions");
	api_buf_puts(x, "<networkInterfaceSet>");
	for (size_t i = 0; i < v->n_enis; i++) {
		struct model_eni_view e;
		if (model_get_eni(c->m, v->eni_ids[i], &e))
			continue;
		api_buf_puts(x, "<item>");
		api_xml_eni(c, &e);
		api_buf_puts(x, "</item>");
	}
	api_buf_puts(x, "</networkInterfaceSet>");
}

void api_xml_metadata_options(struct api_buf *x, const struct model_instance_view *v,
			      const char *elem)
{
	/* applied at once: the state is never "pending" for long enough to see */
	api_buf_printf(x,
		       "<%s><state>applied</state><httpTokens>%s</httpTokens>"
		       "<httpPutResponseHopLimit>%u</httpPutResponseHopLimit>"
		       "<httpEndpoint>%s</httpEndpoint><httpProtocolIpv6>%s</httpProtocolIpv6>"
		       "<instanceMetadataTags>disabled</instanceMetadataTags></%s>",
		       elem, v->metadata_tokens_required ? "required" : "optional",
		       v->metadata_hop_limit, v->metadata_endpoint_enabled ? "enabled" : "disabled",
		       v->metadata_ipv6_enabled ? "enabled" : "disabled", elem);
}

int api_describe_instances(struct api_ctx *c)
{
	static const char *const allowed[] = {"instance-id",
					      "instance-type",
					      "availability-zone",
					      "instance-state-name",
					      "network-interface.network-interface-id",
					      "subnet-id",
					      "vpc-id",
					      "network-interface.addresses.private-ip-address",
					      "network-interface.ipv6-addresses.ipv6-address",
					      "private-ip-address",
					      "ip-address",
					      "image-id",
					      "instance.group-id",
					      "instance.group-name",
					      "network-interface.group-id",
					      "network-interface.group-name",
					      NULL};
	struct api_describe d;
	if (api_describe_open(&d, c, "InstanceId", allowed, instance_exists,
			      "InvalidInstanceID.NotFound", "instance ID"))
		return -1;
	api_buf_puts(c->xml, "<reservationSet>");
	model_foreach_instance_from(c->m, api_describe_after(&d), instance_cb, &d);
	api_buf_puts(c->xml, "</reservationSet>");
	return api_describe_close(&d);
}
