/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_actions.c - the EC2 actions that change state. Each one reads its
 * parameters, calls the model (which checks every rule and changes nothing
 * on failure), writes its response members, and writes the canonical request
 * that the journal keeps: the request with every generated id and every
 * address picked by count made explicit, so that replay reproduces it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

static void canon_list(struct api_ctx *c, const char *prefix, const char *suffix,
		       const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[128];
		if (suffix)
			snprintf(name, sizeof(name), "%s.%zu.%s", prefix, i + 1, suffix);
		else
			snprintf(name, sizeof(name), "%s.%zu", prefix, i + 1);
		api_buf_form_add(c->canon, name, v[i]);
	}
}

static void canon_addr_list(struct api_ctx *c, const char *prefix, const struct model_addr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char name[128];
		snprintf(name, sizeof(name), "%s.%zu", prefix, i + 1);
		api_buf_form_add(c->canon, name, l->addr[i]);
	}
}

/* ---- private IPv4 / IPv6 ---- */

static int assign(struct api_ctx *c, bool v6)
{
	const char *eni = api_req(c, "NetworkInterfaceId");
	if (!eni)
		return -1;
	const char *list_name = v6 ? "Ipv6Addresses" : "PrivateIpAddress";
	const char *count_name = v6 ? "Ipv6AddressCount" : "SecondaryPrivateIpAddressCount";
	struct model_assign_req req = {.eni_id = eni};
	bool has_count;
	if (api_list(c, list_name, NULL, (const char ***)&req.addrs, &req.n_addrs))
		return -1;
	int rc = -1;
	if (api_uint(c, count_name, API_MAX_LIST, &req.count, &has_count))
		goto out;
	if (!v6 && api_bool(c, "AllowReassignment", false, &req.allow_reassignment))
		goto out;
	if (has_count && req.n_addrs) {
		api_fail(c, "InvalidParameterCombination", "Specify either %s or %s, not both.",
			 list_name, count_name);
		goto out;
	}
	if (!has_count && !req.n_addrs) {
		api_fail(c, "MissingParameter", "Either %s or %s must be specified.", list_name,
			 count_name);
		goto out;
	}
	if (has_count && req.count == 0) {
		api_fail(c, "InvalidParameterValue", "%s must be at least 1.", count_name);
		goto out;
	}
	struct model_addr_list got = {0};
	struct model_err err = {0};
	rc = v6 ? model_assign_ipv6(c->m, &req, &got, c->delta, &err)
		: model_assign_private_ips(c->m, &req, &got, c->delta, &err);
	if (rc) {
		api_fail_model(c, &err);
		model_addr_list_free(&got);
		goto out;
	}
	if (v6) {
		api_buf_puts(c->xml, "<assignedIpv6Addresses>");
		for (size_t i = 0; i < got.n; i++)
			api_buf_xml_elem(c->xml, "item", got.addr[i]);
		api_buf_puts(c->xml, "</assignedIpv6Addresses><assignedIpv6PrefixSet/>");
		api_buf_xml_elem(c->xml, "networkInterfaceId", eni);
	} else {
		api_buf_xml_elem(c->xml, "networkInterfaceId", eni);
		api_buf_puts(c->xml, "<assignedPrivateIpAddressesSet>");
		for (size_t i = 0; i < got.n; i++) {
			api_buf_puts(c->xml, "<item>");
			api_buf_xml_elem(c->xml, "privateIpAddress", got.addr[i]);
			api_buf_puts(c->xml, "</item>");
		}
		api_buf_puts(c->xml, "</assignedPrivateIpAddressesSet><assignedIpv4PrefixSet/>");
	}
	/* R10: nothing new assigned = nothing changed, nothing to journal */
	if (got.n) {
		api_canon_start(c, v6 ? "AssignIpv6Addresses" : "AssignPrivateIpAddresses");
		api_buf_form_add(c->canon, "NetworkInterfaceId", eni);
		if (!v6)
			api_buf_form_add(c->canon, "AllowReassignment",
					 req.allow_reassignment ? "true" : "false");
		canon_addr_list(c, list_name, &got);
	}
	model_addr_list_free(&got);
	rc = 0;
out:
	free((void *)req.addrs);
	return rc;
}

static int act_assign_private_ips(struct api_ctx *c)
{
	return assign(c, false);
}

static int act_assign_ipv6(struct api_ctx *c)
{
	return assign(c, true);
}

static int unassign(struct api_ctx *c, bool v6)
{
	const char *eni = api_req(c, "NetworkInterfaceId");
	if (!eni)
		return -1;
	const char *list_name = v6 ? "Ipv6Addresses" : "PrivateIpAddress";
	const char **addrs;
	size_t n;
	if (api_list(c, list_name, NULL, &addrs, &n))
		return -1;
	if (n == 0) {
		free(addrs);
		return api_fail(c, "MissingParameter", "The request must contain the parameter %s",
				list_name);
	}
	struct model_err err = {0};
	int rc = v6 ? model_unassign_ipv6(c->m, eni, addrs, n, c->delta, &err)
		    : model_unassign_private_ips(c->m, eni, addrs, n, c->delta, &err);
	if (rc) {
		free(addrs);
		return api_fail_model(c, &err);
	}
	if (v6) {
		api_buf_xml_elem(c->xml, "networkInterfaceId", eni);
		api_buf_puts(c->xml, "<unassignedIpv6Addresses>");
		for (size_t i = 0; i < n; i++)
			api_buf_xml_elem(c->xml, "item", addrs[i]);
		api_buf_puts(c->xml, "</unassignedIpv6Addresses><unassignedIpv6PrefixSet/>");
	} else {
		api_buf_puts(c->xml, "<return>true</return>");
	}
	api_canon_start(c, v6 ? "UnassignIpv6Addresses" : "UnassignPrivateIpAddresses");
	api_buf_form_add(c->canon, "NetworkInterfaceId", eni);
	canon_list(c, list_name, NULL, addrs, n);
	free(addrs);
	return 0;
}

static int act_unassign_private_ips(struct api_ctx *c)
{
	return unassign(c, false);
}

static int act_unassign_ipv6(struct api_ctx *c)
{
	return unassign(c, true);
}

/* ---- Elastic IPs ---- */

static int act_allocate_address(struct api_ctx *c)
{
	const char *domain = api_opt(c, "Domain");
	if (domain && strcmp(domain, "vpc") != 0 && strcmp(domain, "standard") != 0)
		return api_fail(c, "InvalidParameterValue",
				"Value (%.100s) for parameter Domain is invalid.", domain);
	const char *ip = api_opt(c, "Address");
	char id[MODEL_ID_MAX], pub[INET_ADDRSTRLEN], fresh[MODEL_ID_MAX];
	struct model_err err = {0};
	const char *want = api_internal(c, "AllocationId");
	struct model_eip_view ev;
	static const char *const tag_types[] = {"elastic-ip", NULL};
	if (api_tag_specs_check(c, tag_types))
		return -1;
	if (!want) {
		do
			api_new_id("eipalloc-", fresh);
		while (model_get_eip(c->m, fresh, &ev) == 0);
		want = fresh;
	}
	if (model_allocate_address(c->m, want, ip, id, pub, &err))
		return api_fail_model(c, &err);
	api_buf_xml_elem(c->xml, "publicIp", pub);
	api_buf_puts(c->xml, "<domain>vpc</domain>");
	api_buf_xml_elem(c->xml, "allocationId", id);
	api_buf_puts(c->xml, "<publicIpv4Pool>amazon</publicIpv4Pool>");
	api_buf_xml_elem(c->xml, "networkBorderGroup", c->a->cfg.region);
	api_canon_start(c, "AllocateAddress");
	api_buf_form_add(c->canon, "AllocationId", id);
	api_buf_form_add(c->canon, "Address", pub);
	/* checked above: only running out of memory can fail here */
	if (api_tag_specs_apply(c, "elastic-ip", id))
		return -1;
	return 0;
}

struct find_ip {
	uint32_t ip;
	char id[MODEL_ID_MAX];
};

static int find_ip_cb(const struct model_eip_view *v, void *arg)
{
	struct find_ip *f = arg;
	if (v->public_ip != f->ip)
		return 0;
	snprintf(f->id, sizeof(f->id), "%s", v->allocation_id);
	return 1;
}

static int act_release_address(struct api_ctx *c)
{
	const char *id = api_opt(c, "AllocationId");
	struct find_ip f = {0};
	if (!id) {
		/* EC2-Classic style: by public IP */
		const char *pub = api_opt(c, "PublicIp");
		if (!pub)
			return api_fail(c, "MissingParameter",
					"The request must contain the parameter AllocationId");
		if (inet_pton(AF_INET, pub, &f.ip) != 1 ||
		    model_foreach_eip(c->m, find_ip_cb, &f) == 0)
			return api_fail(c, "InvalidAddress.NotFound", "Address '%.100s' not found.",
					pub);
		id = f.id;
	}
	struct model_err err = {0};
	if (model_release_address(c->m, id, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "ReleaseAddress");
	api_buf_form_add(c->canon, "AllocationId", id);
	return 0;
}

static int act_associate_address(struct api_ctx *c)
{
	struct model_associate_req req = {0};
	req.allocation_id = api_req(c, "AllocationId");
	if (!req.allocation_id)
		return -1;
	req.instance_id = api_opt(c, "InstanceId");
	req.eni_id = api_opt(c, "NetworkInterfaceId");
	req.private_ip = api_opt(c, "PrivateIpAddress");
	req.association_id = api_internal(c, "AssociationId");
	char fresh[MODEL_ID_MAX];
	if (!req.association_id) {
		/* association ids are not looked up by the model API: 68 random bits do */
		api_new_id("eipassoc-", fresh);
		req.association_id = fresh;
	}
	if (api_bool(c, "AllowReassociation", true, &req.allow_reassociation))
		return -1;
	if (req.instance_id && req.eni_id)
		return api_fail(c, "InvalidParameterCombination",
				"Specify either InstanceId or NetworkInterfaceId, not both.");
	if (!req.instance_id && !req.eni_id)
		return api_fail(c, "MissingParameter",
				"Either InstanceId or NetworkInterfaceId must be specified.");
	char assoc[MODEL_ID_MAX];
	struct model_err err = {0};
	if (model_associate_address(c->m, &req, assoc, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_buf_xml_elem(c->xml, "associationId", assoc);
	api_canon_start(c, "AssociateAddress");
	api_buf_form_add(c->canon, "AllocationId", req.allocation_id);
	if (req.instance_id)
		api_buf_form_add(c->canon, "InstanceId", req.instance_id);
	if (req.eni_id)
		api_buf_form_add(c->canon, "NetworkInterfaceId", req.eni_id);
	if (req.private_ip)
		api_buf_form_add(c->canon, "PrivateIpAddress", req.private_ip);
	api_buf_form_add(c->canon, "AllowReassociation",
			 req.allow_reassociation ? "true" : "false");
	api_buf_form_add(c->canon, "AssociationId", assoc);
	return 0;
}

static int act_disassociate_address(struct api_ctx *c)
{
	const char *id = api_req(c, "AssociationId");
	if (!id)
		return -1;
	struct model_err err = {0};
	if (model_disassociate_address(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DisassociateAddress");
	api_buf_form_add(c->canon, "AssociationId", id);
	return 0;
}

/* ---- ENIs ---- */

void api_canon_create_eni(struct api_buf *b, const struct model_eni_view *v)
{
	char ip[46], mac[18], name[64];
	api_buf_form_add(b, "Action", "CreateNetworkInterface");
	api_buf_form_add(b, "NetworkInterfaceId", v->id);
	api_buf_form_add(b, "SubnetId", v->subnet_id);
	api_buf_form_add(b, "Description", v->description ? v->description : "");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
		 v->mac[3], v->mac[4], v->mac[5]);
	api_buf_form_add(b, "MacAddress", mac);
	api_ip4_str(v->primary_ip, ip);
	api_buf_form_add(b, "PrivateIpAddress", ip);
	for (size_t i = 0; i < v->n_secondary; i++) {
		api_ip4_str(v->secondary_ips[i], ip);
		snprintf(name, sizeof(name), "PrivateIpAddresses.%zu.PrivateIpAddress", i + 1);
		api_buf_form_add(b, name, ip);
	}
	for (size_t i = 0; i < v->n_ipv6; i++) {
		api_ip6_str(&v->ipv6[i], ip);
		snprintf(name, sizeof(name), "Ipv6Addresses.%zu.Ipv6Address", i + 1);
		api_buf_form_add(b, name, ip);
	}
	if (!v->source_dest_check)
		api_buf_form_add(b, "SourceDestCheck", "false");
	if (v->vlan) {
		char vlan[8];
		snprintf(vlan, sizeof(vlan), "%u", v->vlan);
		api_buf_form_add(b, "Vlan", vlan);
	}
	for (size_t i = 0; i < v->n_groups; i++) {
		snprintf(name, sizeof(name), "SecurityGroupId.%zu", i + 1);
		api_buf_form_add(b, name, v->groups[i]);
	}
}

/*
 * Snapshot replay (Merge): the ENI survived EnimapReset (it sits at device
 * index 0); give it back its addresses and attributes.
 */
static int merge_eni(struct api_ctx *c, const struct model_eni_req *req)
{
	struct model_err err = {0};
	struct model_addr_list got = {0};
	struct model_assign_req a = {.eni_id = req->id};
	int rc = 0;
	if (req->n_secondary_ips) {
		a.addrs = req->secondary_ips;
		a.n_addrs = req->n_secondary_ips;
		rc = model_assign_private_ips(c->m, &a, &got, c->delta, &err);
	}
	if (rc == 0 && req->n_ipv6) {
		a.addrs = req->ipv6;
		a.n_addrs = req->n_ipv6;
		rc = model_assign_ipv6(c->m, &a, &got, c->delta, &err);
	}
	if (rc == 0)
		rc = model_set_source_dest_check(c->m, req->id, req->source_dest_check, c->delta,
						 &err);
	if (rc == 0)
		rc = model_set_eni_description(c->m, req->id,
					       req->description ? req->description : "", &err);
	if (rc == 0 && req->n_groups) /* EnimapReset gave it its VPC's default group */
		rc =
		    model_set_eni_groups(c->m, req->id, req->groups, req->n_groups, c->delta, &err);
	model_addr_list_free(&got);
	return rc ? api_fail_model(c, &err) : 0;
}

/* The scalar members of CreateNetworkInterface; fresh holds a generated id. */
static int create_eni_scalars(struct api_ctx *c, struct model_eni_req *req,
			      char fresh[MODEL_ID_MAX], bool *merge)
{
	unsigned vlan = 0;
	bool has;

	req->subnet_id = api_req(c, "SubnetId");
	if (!req->subnet_id)
		return -1;
	req->id = api_internal(c, "NetworkInterfaceId");
	*merge = req->id && api_internal(c, "Merge");
	if (!req->id) {
		struct model_eni_view ev;
		do
			api_new_id("eni-", fresh);
		while (model_get_eni(c->m, fresh, &ev) == 0);
		req->id = fresh;
	}
	req->mac = api_internal(c, "MacAddress");
	req->description = api_opt(c, "Description");
	req->primary_ip = api_opt(c, "PrivateIpAddress");
	if (c->trusted && (api_uint(c, "Vlan", 4095, &vlan, &has) ||
			   api_bool(c, "SourceDestCheck", true, &req->source_dest_check)))
		return -1;
	req->vlan = (uint16_t)vlan;
	return 0;
}

/* One PrivateIpAddresses.N entry: the primary (Primary=true) or one more secondary. */
static int create_eni_private_ip(struct api_ctx *c, unsigned n, struct model_eni_req *req,
				 const char **sec, size_t *n_sec)
{
	char name[96];
	const char *ip;
	bool primary;

	snprintf(name, sizeof(name), "PrivateIpAddresses.%u.PrivateIpAddress", n);
	ip = api_query_get(c->q, name);
	snprintf(name, sizeof(name), "PrivateIpAddresses.%u.Primary", n);
	if (api_bool(c, name, false, &primary))
		return -1;
	if (!ip)
		return api_fail(c, "MissingParameter",
				"The request must contain the parameter "
				"PrivateIpAddresses.%u.PrivateIpAddress",
				n);
	if (!primary) {
		sec[(*n_sec)++] = ip;
		return 0;
	}
	if (req->primary_ip && strcmp(req->primary_ip, ip) != 0)
		return api_fail(c, "InvalidParameterCombination",
				"Only one primary private IP address can be specified "
				"(%.60s).",
				ip);
	req->primary_ip = ip;
	return 0;
}

/*
 * Splits the PrivateIpAddresses entries into the primary and the secondaries
 * (*sec, n_ips + 1 slots, the caller frees it). The entry indexes live on the
 * heap: API_MAX_LIST of them are 16 KiB.
 */
static int create_eni_private_ips(struct api_ctx *c, size_t n_ips, struct model_eni_req *req,
				  const char ***sec, size_t *n_sec)
{
	unsigned *idx = calloc(API_MAX_LIST, sizeof(*idx));
	int k = idx ? api_query_indexes(c->q, "PrivateIpAddresses", idx, API_MAX_LIST) : 0;
	int rc = 0;

	*sec = calloc(n_ips + 1, sizeof(**sec));
	if (!idx || !*sec) {
		free(idx);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	for (int i = 0; i < k && rc == 0; i++)
		rc = create_eni_private_ip(c, idx[i], req, *sec, n_sec);
	free(idx);
	return rc;
}

/* The address counts, exclusive with the address lists. */
static int create_eni_counts(struct api_ctx *c, struct model_eni_req *req)
{
	bool has_count, has_v6_count;

	if (api_uint(c, "SecondaryPrivateIpAddressCount", API_MAX_LIST, &req->secondary_count,
		     &has_count) ||
	    api_uint(c, "Ipv6AddressCount", API_MAX_LIST, &req->ipv6_count, &has_v6_count))
		return -1;
	if ((has_count && req->n_secondary_ips) || (has_v6_count && req->n_ipv6))
		return api_fail(c, "InvalidParameterCombination",
				"Specify either a list of addresses or a count, not both.");
	return 0;
}

/* Creates the ENI (or merges it back on snapshot replay) and writes the response. */
static int create_eni_commit(struct api_ctx *c, const struct model_eni_req *req, bool merge)
{
	char id[MODEL_ID_MAX];
	struct model_err err = {0};
	struct model_eni_view v;

	if (merge && model_get_eni(c->m, req->id, &v) == 0)
		return merge_eni(c, req);
	if (model_create_eni(c->m, req, id, c->delta, &err))
		return api_fail_model(c, &err);
	if (model_get_eni(c->m, id, &v))
		return api_fail(c, "InternalError", "The new network interface %s vanished.", id);
	api_buf_reset(c->canon);
	api_canon_create_eni(c->canon, &v);
	/* checked before the creation: only running out of memory can fail here */
	if (api_tag_specs_apply(c, "network-interface", id))
		return -1;
	api_buf_puts(c->xml, "<networkInterface>");
	api_xml_eni(c, &v);
	api_buf_puts(c->xml, "</networkInterface>");
	return 0;
}

static int act_create_eni(struct api_ctx *c)
{
	struct model_eni_req req = {.source_dest_check = true};
	char fresh[MODEL_ID_MAX];
	bool merge;
	const char **ips = NULL, **prim = NULL, **v6 = NULL, **sec = NULL, **groups = NULL;
	size_t n_ips = 0, n_prim = 0, n_v6 = 0, n_sec = 0;
	int rc = -1;

	static const char *const tag_types[] = {"network-interface", NULL};
	if (create_eni_scalars(c, &req, fresh, &merge) || api_tag_specs_check(c, tag_types))
		return -1;
	if (api_list(c, "SecurityGroupId", NULL, &groups, &req.n_groups) ||
	    api_list(c, "PrivateIpAddresses", "PrivateIpAddress", &ips, &n_ips) ||
	    api_list(c, "PrivateIpAddresses", "Primary", &prim, &n_prim) ||
	    api_list(c, "Ipv6Addresses", "Ipv6Address", &v6, &n_v6))
		goto out;
	if (create_eni_private_ips(c, n_ips, &req, &sec, &n_sec))
		goto out;
	req.secondary_ips = sec;
	req.n_secondary_ips = n_sec;
	req.ipv6 = v6;
	req.n_ipv6 = n_v6;
	req.groups = groups;
	if (create_eni_counts(c, &req) == 0)
		rc = create_eni_commit(c, &req, merge);
out:
	free(groups);
	free(ips);
	free(prim);
	free(v6);
	free(sec);
	return rc;
}

static int act_delete_eni(struct api_ctx *c)
{
	const char *id = api_req(c, "NetworkInterfaceId");
	if (!id)
		return -1;
	struct model_err err = {0};
	struct model_eni_view v;
	/* snapshot replay: a configured ENI that is gone may be gone already (its
	 * terminated instance deleted it) */
	if (api_internal(c, "Merge") && model_get_eni(c->m, id, &v))
		return 0;
	if (model_delete_eni(c->m, id, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DeleteNetworkInterface");
	api_buf_form_add(c->canon, "NetworkInterfaceId", id);
	return 0;
}

static int act_attach_eni(struct api_ctx *c)
{
	struct model_attach_req req = {0};
	req.eni_id = api_req(c, "NetworkInterfaceId");
	if (!req.eni_id)
		return -1;
	req.instance_id = api_req(c, "InstanceId");
	if (!req.instance_id || !api_req(c, "DeviceIndex"))
		return -1;
	unsigned dev, card;
	bool has;
	if (api_uint(c, "DeviceIndex", 255, &dev, &has) ||
	    api_uint(c, "NetworkCardIndex", 255, &card, &has))
		return -1;
	if (card != 0)
		return api_fail(c, "InvalidParameterValue",
				"Network card index %u is not supported; only 0 is.", card);
	if (api_bool(c, "DeleteOnTermination", false, &req.delete_on_termination))
		return -1;
	if (!c->trusted)
		req.delete_on_termination = false; /* EC2: attach never sets it */
	req.device_index = (int)dev;
	req.attachment_id = api_internal(c, "AttachmentId");
	char att[MODEL_ID_MAX], fresh[MODEL_ID_MAX];
	bool merge = req.attachment_id && api_internal(c, "Merge");
	if (!req.attachment_id) {
		api_new_id("eni-attach-", fresh);
		req.attachment_id = fresh;
	}
	struct model_err err = {0};
	struct model_eni_view v;
	if (merge && model_get_eni(c->m, req.eni_id, &v) == 0 && v.attachment_id &&
	    strcmp(v.attachment_id, req.attachment_id) == 0)
		return 0; /* snapshot replay: this attachment survived EnimapReset */
	if (model_attach_eni(c->m, &req, att, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_xml_elem(c->xml, "attachmentId", att);
	api_buf_puts(c->xml, "<networkCardIndex>0</networkCardIndex>");
	api_canon_start(c, "AttachNetworkInterface");
	api_buf_form_add(c->canon, "NetworkInterfaceId", req.eni_id);
	api_buf_form_add(c->canon, "InstanceId", req.instance_id);
	char d[8];
	snprintf(d, sizeof(d), "%u", dev);
	api_buf_form_add(c->canon, "DeviceIndex", d);
	api_buf_form_add(c->canon, "AttachmentId", att);
	if (req.delete_on_termination)
		api_buf_form_add(c->canon, "DeleteOnTermination", "true");
	return 0;
}

static int act_detach_eni(struct api_ctx *c)
{
	const char *id = api_req(c, "AttachmentId");
	if (!id)
		return -1;
	bool force;
	if (api_bool(c, "Force", false, &force))
		return -1;
	struct model_err err = {0};
	if (model_detach_eni(c->m, id, force, c->delta, &err))
		return api_fail_model(c, &err);
	api_buf_puts(c->xml, "<return>true</return>");
	api_canon_start(c, "DetachNetworkInterface");
	api_buf_form_add(c->canon, "AttachmentId", id);
	api_buf_form_add(c->canon, "Force", force ? "true" : "false");
	return 0;
}

static int act_modify_eni_attribute(struct api_ctx *c)
{
	const char *id = api_req(c, "NetworkInterfaceId");
	if (!id)
		return -1;
	const char *sdc = api_opt(c, "SourceDestCheck.Value");
	const char *desc = api_opt(c, "Description.Value");
	const char *g1 = api_opt(c, "SecurityGroupId.1");
	struct model_err err = {0};
	if (api_opt(c, "Attachment.AttachmentId"))
		return api_fail(c, "InvalidParameterValue",
				"Only the SourceDestCheck, Description and security group "
				"attributes can be modified here.");
	if (!!sdc + !!desc + !!g1 != 1)
		return api_fail(
		    c, sdc || desc || g1 ? "InvalidParameterCombination" : "MissingParameter",
		    "Specify exactly one attribute: SourceDestCheck, Description or "
		    "SecurityGroupId.N.");
	if (g1) {
		const char **groups = NULL;
		size_t n = 0;
		char name[48];
		if (api_list(c, "SecurityGroupId", NULL, &groups, &n))
			return -1;
		if (model_set_eni_groups(c->m, id, groups, n, c->delta, &err)) {
			free(groups);
			return api_fail_model(c, &err);
		}
		api_canon_start(c, "ModifyNetworkInterfaceAttribute");
		api_buf_form_add(c->canon, "NetworkInterfaceId", id);
		for (size_t k = 0; k < n; k++) {
			snprintf(name, sizeof(name), "SecurityGroupId.%zu", k + 1);
			api_buf_form_add(c->canon, name, groups[k]);
		}
		free(groups);
		api_buf_puts(c->xml, "<return>true</return>");
		return 0;
	}
	bool on = true;
	/* the journal record only once the change is made: a refused one leaves it empty */
	if (sdc && api_bool(c, "SourceDestCheck.Value", true, &on))
		return -1;
	if (sdc ? model_set_source_dest_check(c->m, id, on, c->delta, &err)
		: model_set_eni_description(c->m, id, desc, &err))
		return api_fail_model(c, &err);
	api_canon_start(c, "ModifyNetworkInterfaceAttribute");
	api_buf_form_add(c->canon, "NetworkInterfaceId", id);
	if (sdc)
		api_buf_form_add(c->canon, "SourceDestCheck.Value", on ? "true" : "false");
	else
		api_buf_form_add(c->canon, "Description.Value", desc);
	api_buf_puts(c->xml, "<return>true</return>");
	return 0;
}

/* ---- instances ---- */

static const char *state_name(enum model_instance_state s)
{
	return s == MODEL_RUNNING ? "running" : "stopped";
}

static int state_code(enum model_instance_state s)
{
	return s == MODEL_RUNNING ? 16 : 80;
}

static int start_stop(struct api_ctx *c, bool start)
{
	const char **ids;
	size_t n;
	if (api_list(c, "InstanceId", NULL, &ids, &n))
		return -1;
	if (n == 0)
		return api_fail(c, "MissingParameter",
				"The request must contain the parameter InstanceId");
	/* all-or-nothing: check every id before changing any instance */
	enum model_instance_state *prev = calloc(n, sizeof(*prev));
	if (!prev) {
		free(ids);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		struct model_instance_view v;
		if (model_get_instance(c->m, ids[i], &v)) {
			api_fail(c, "InvalidInstanceID.NotFound",
				 "The instance ID '%.100s' does not exist", ids[i]);
			goto out;
		}
		if (v.state == MODEL_TERMINATED) {
			api_fail(c, "IncorrectInstanceState",
				 "The instance '%.100s' is not in a state from which it can be %s.",
				 ids[i], start ? "started" : "stopped");
			goto out;
		}
		prev[i] = v.state;
	}
	api_canon_start(c, start ? "StartInstances" : "StopInstances");
	api_buf_puts(c->xml, "<instancesSet>");
	for (size_t i = 0; i < n; i++) {
		struct model_err err = {0};
		int r = start ? model_start_instance(c->m, ids[i], c->delta, &err)
			      : model_stop_instance(c->m, ids[i], c->delta, &err);
		if (r) {
			/* cannot happen after the checks above; report it honestly */
			api_fail_model(c, &err);
			if (i > 0)
				goto partial;
			goto out;
		}
		enum model_instance_state now = start ? MODEL_RUNNING : MODEL_STOPPED;
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "instanceId", ids[i]);
		api_buf_printf(c->xml,
			       "<currentState><code>%d</code><name>%s</name></currentState>"
			       "<previousState><code>%d</code><name>%s</name></previousState>",
			       state_code(now), state_name(now), state_code(prev[i]),
			       state_name(prev[i]));
		api_buf_puts(c->xml, "</item>");
		char name[32];
		snprintf(name, sizeof(name), "InstanceId.%zu", i + 1);
		api_buf_form_add(c->canon, name, ids[i]);
	}
	api_buf_puts(c->xml, "</instancesSet>");
	rc = 0;
	goto out;
partial:
	/* keep the canonical record of the instances that did change */
	rc = -2;
out:
	if (rc == -1)
		api_buf_reset(c->canon);
	free(prev);
	free(ids);
	return rc == -2 ? -1 : rc;
}

static int act_start_instances(struct api_ctx *c)
{
	return start_stop(c, true);
}

static int act_stop_instances(struct api_ctx *c)
{
	return start_stop(c, false);
}

/* ---- the table ---- */

static const struct api_action actions[] = {
    {"AssignPrivateIpAddresses", act_assign_private_ips},
    {"UnassignPrivateIpAddresses", act_unassign_private_ips},
    {"AssignIpv6Addresses", act_assign_ipv6},
    {"UnassignIpv6Addresses", act_unassign_ipv6},
    {"AllocateAddress", act_allocate_address},
    {"ReleaseAddress", act_release_address},
    {"AssociateAddress", act_associate_address},
    {"DisassociateAddress", act_disassociate_address},
    {"DescribeAddresses", api_describe_addresses},
    {"DescribeVpcs", api_describe_vpcs},
    {"DescribeSubnets", api_describe_subnets},
    {"DescribeInstanceTypes", api_describe_instance_types},
    {"CreateNetworkInterface", act_create_eni},
    {"DeleteNetworkInterface", act_delete_eni},
    {"AttachNetworkInterface", act_attach_eni},
    {"DetachNetworkInterface", act_detach_eni},
    {"DescribeNetworkInterfaces", api_describe_enis},
    {"ModifyNetworkInterfaceAttribute", act_modify_eni_attribute},
    {"DescribeInstances", api_describe_instances},
    {"StartInstances", act_start_instances},
    {"StopInstances", act_stop_instances},
    {"CreateTags", api_create_tags},
    {"DeleteTags", api_delete_tags},
    {"DescribeTags", api_describe_tags},
    {"RunInstances", api_run_instances},
    {"TerminateInstances", api_terminate_instances},
    {"DescribeInstanceStatus", api_describe_instance_status},
    {"ModifyInstanceMetadataOptions", api_modify_instance_metadata_options},
};

const struct api_action *api_action_find(const char *name)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0)
			return &actions[i];
	for (const struct api_action *a = api_world_actions; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	for (const struct api_action *a = api_sg_actions; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}
