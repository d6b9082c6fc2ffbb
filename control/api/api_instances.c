/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_instances.c - RunInstances and TerminateInstances (SPEC R29).
 *
 * RunInstances reads the request into one interface specification per
 * NetworkInterface.N (or the instance-level SubnetId, PrivateIpAddress, ...
 * as the interface at device index 0), makes MaxCount launch requests of it,
 * each with fresh ids, and hands them to model_launch_instances, which
 * launches as many as capacity allows (at least MinCount) or none.
 *
 * The journal record is explicit per instance (Instance.K.*: its id, host
 * port, and per interface Instance.K.Nic.J.*: id, MAC, attachment id and every
 * address), so that replay makes the same instances on the same ports with
 * the same addresses; those internal parameters are accepted only from the
 * journal. TerminateInstances records the time it ran (Now), which stamps
 * the terminated instances and decides which older ones are forgotten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"

#define RUN_MAX_COUNT 100 /* MaxCount accepted in one call */
#define RUN_MAX_NICS 16	  /* NetworkInterface.N entries accepted */

const char *api_instance_state_name(enum model_instance_state s)
{
	return s == MODEL_RUNNING ? "running" : s == MODEL_STOPPED ? "stopped" : "terminated";
}

int api_instance_state_code(enum model_instance_state s)
{
	return s == MODEL_RUNNING ? 16 : s == MODEL_STOPPED ? 80 : 48;
}

static bool visible_at(struct api_ctx *c, const struct model_instance_view *v, int64_t now)
{
	return v->state != MODEL_TERMINATED ||
	       now < v->terminated_at + model_terminated_retention(c->m);
}

bool api_instance_visible(struct api_ctx *c, const struct model_instance_view *v)
{
	return visible_at(c, v, (int64_t)time(NULL));
}

/* ---- one request's memory: every list read is kept here and freed at the end ---- */

struct run {
	struct api_ctx *c;
	void **keep;
	size_t nkeep, capkeep;
	bool oom;
};

static void *keep(struct run *r, void *p)
{
	if (!p) {
		r->oom = true;
		return NULL;
	}
	if (r->nkeep == r->capkeep) {
		size_t cap = r->capkeep ? r->capkeep * 2 : 32;
		void **k = realloc(r->keep, cap * sizeof(*k));
		if (!k) {
			free(p);
			r->oom = true;
			return NULL;
		}
		r->keep = k;
		r->capkeep = cap;
	}
	r->keep[r->nkeep++] = p;
	return p;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->nkeep; i++)
		free(r->keep[i]);
	free(r->keep);
}

static int run_list(struct run *r, const char *prefix, const char *suffix, const char *const **out,
		    size_t *n)
{
	const char **v;

	*out = NULL;
	if (api_list(r->c, prefix, suffix, &v, n))
		return -1;
	if (v && !keep(r, (void *)v))
		return api_fail(r->c, "InternalError", "Out of memory.");
	*out = v;
	return 0;
}

/* ---- the interface specifications of a user's request ---- */

struct nic {
	struct model_launch_eni l; /* l.create.id / mac / attachment_id: per instance */
	bool primary_given;	   /* a PrivateIpAddress: only one instance can have it */
	bool list_given;	   /* an address list: likewise */
};

/* PrivateIpAddresses.N under prefix: the primary (Primary=true) or one more secondary. */
static int nic_private_ips(struct run *r, const char *prefix, struct nic *n)
{
	char name[160];
	unsigned idx[64];
	const char **sec;
	size_t nsec = 0;

	snprintf(name, sizeof(name), "%sPrivateIpAddresses", prefix);
	int k = api_query_indexes(r->c->q, name, idx, 64);
	if (k < 0)
		return api_fail(r->c, "InvalidParameterValue",
				"The list parameter %s has a malformed or too large index.", name);
	if (k == 0)
		return 0;
	sec = keep(r, calloc((size_t)k, sizeof(*sec)));
	if (!sec)
		return api_fail(r->c, "InternalError", "Out of memory.");
	for (int i = 0; i < k; i++) {
		bool primary;
		snprintf(name, sizeof(name), "%sPrivateIpAddresses.%u.Primary", prefix, idx[i]);
		if (api_bool(r->c, name, false, &primary))
			return -1;
		snprintf(name, sizeof(name), "%sPrivateIpAddresses.%u.PrivateIpAddress", prefix,
			 idx[i]);
		const char *ip = api_query_get(r->c->q, name);
		if (!ip)
			return api_fail(r->c, "MissingParameter",
					"The request must contain the parameter %s", name);
		if (!primary) {
			sec[nsec++] = ip;
			continue;
		}
		if (n->l.create.primary_ip && strcmp(n->l.create.primary_ip, ip) != 0)
			return api_fail(r->c, "InvalidParameterCombination",
					"Only one primary private IP address can be specified "
					"(%.60s).",
					ip);
		n->l.create.primary_ip = ip;
		n->primary_given = true;
	}
	n->l.create.secondary_ips = sec;
	n->l.create.n_secondary_ips = nsec;
	n->list_given = n->list_given || nsec;
	return 0;
}

/* The addresses of one interface (names under prefix, e.g. "NetworkInterface.1."). */
static int nic_addresses(struct run *r, const char *prefix, const char *v6_list, struct nic *n)
{
	char name[160];
	bool has_count, has_v6_count;
	struct model_eni_req *e = &n->l.create;

	snprintf(name, sizeof(name), "%sPrivateIpAddress", prefix);
	if ((e->primary_ip = api_opt(r->c, name)))
		n->primary_given = true;
	if (nic_private_ips(r, prefix, n))
		return -1;
	snprintf(name, sizeof(name), "%sSecondaryPrivateIpAddressCount", prefix);
	if (api_uint(r->c, name, API_MAX_LIST, &e->secondary_count, &has_count))
		return -1;
	snprintf(name, sizeof(name), "%sIpv6AddressCount", prefix);
	if (api_uint(r->c, name, API_MAX_LIST, &e->ipv6_count, &has_v6_count))
		return -1;
	snprintf(name, sizeof(name), "%s%s", prefix, v6_list);
	if (run_list(r, name, "Ipv6Address", &e->ipv6, &e->n_ipv6))
		return -1;
	n->list_given = n->list_given || e->n_ipv6;
	if ((has_count && e->n_secondary_ips) || (has_v6_count && e->n_ipv6))
		return api_fail(r->c, "InvalidParameterCombination",
				"Specify either a list of addresses or a count, not both.");
	return 0;
}

/* SecurityGroupId.N under prefix: the new ENI's groups (none: its VPC's default). */
static int nic_groups(struct run *r, const char *prefix, struct nic *n)
{
	char name[160];

	snprintf(name, sizeof(name), "%sSecurityGroupId", prefix);
	return run_list(r, name, NULL, &n->l.create.groups, &n->l.create.n_groups);
}

void api_xml_groups(struct api_ctx *c, const struct model_eni_view *v)
{
	if (!v->n_groups) {
		api_buf_puts(c->xml, "<groupSet/>");
		return;
	}
	api_buf_puts(c->xml, "<groupSet>");
	for (size_t i = 0; i < v->n_groups; i++) {
		struct model_sg_view g;
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "groupId", v->groups[i]);
		if (model_get_sg(c->m, v->groups[i], &g) == 0)
			api_buf_xml_elem(c->xml, "groupName", g.name);
		api_buf_puts(c->xml, "</item>");
	}
	api_buf_puts(c->xml, "</groupSet>");
}

/* NetworkInterface.N: an existing ENI by id, or a new one in SubnetId. */
static int nic_spec(struct run *r, unsigned idx, struct nic *n)
{
	char prefix[48], name[96];
	unsigned dev;
	bool has_dev;

	snprintf(prefix, sizeof(prefix), "NetworkInterface.%u.", idx);
	n->l.create.source_dest_check = true;
	snprintf(name, sizeof(name), "%sDeviceIndex", prefix);
	if (api_uint(r->c, name, MODEL_DEVICE_INDEX_MAX, &dev, &has_dev))
		return -1;
	if (!has_dev)
		return api_fail(r->c, "MissingParameter",
				"The request must contain the parameter %s", name);
	n->l.device_index = (int)dev;
	snprintf(name, sizeof(name), "%sNetworkInterfaceId", prefix);
	n->l.eni_id = api_opt(r->c, name);
	snprintf(name, sizeof(name), "%sDeleteOnTermination", prefix);
	/* EC2: an interface the launch creates is deleted with the instance by default */
	if (api_bool(r->c, name, !n->l.eni_id, &n->l.delete_on_termination))
		return -1;
	n->l.create.delete_on_termination = n->l.delete_on_termination;
	snprintf(name, sizeof(name), "%sSubnetId", prefix);
	n->l.create.subnet_id = api_opt(r->c, name);
	snprintf(name, sizeof(name), "%sDescription", prefix);
	n->l.create.description = api_opt(r->c, name);
	if (nic_addresses(r, prefix, "Ipv6Addresses", n) || nic_groups(r, prefix, n))
		return -1;
	const struct model_eni_req *e = &n->l.create;
	if (n->l.eni_id && (e->subnet_id || e->description || e->primary_ip || e->n_secondary_ips ||
			    e->secondary_count || e->n_ipv6 || e->ipv6_count || e->n_groups))
		return api_fail(r->c, "InvalidParameterCombination",
				"Network interface %.60s exists: it takes no subnet, description, "
				"addresses or security groups at launch.",
				n->l.eni_id);
	if (!n->l.eni_id && !e->subnet_id)
		return api_fail(r->c, "MissingParameter",
				"The request must contain the parameter %sSubnetId", prefix);
	return 0;
}

/* The instance-level parameters as the interface at device index 0. */
static int nic_instance_level(struct run *r, struct nic *n)
{
	n->l.create.source_dest_check = true;
	n->l.delete_on_termination = n->l.create.delete_on_termination = true;
	n->l.create.subnet_id = api_opt(r->c, "SubnetId");
	if (!n->l.create.subnet_id)
		return api_fail(r->c, "MissingParameter",
				"The request must contain the parameter SubnetId (there is no "
				"default VPC)");
	return nic_addresses(r, "", "Ipv6Address", n) || nic_groups(r, "", n);
}

static int user_nics(struct run *r, struct nic *nics, size_t *nn)
{
	unsigned idx[RUN_MAX_NICS];
	int k = api_query_indexes(r->c->q, "NetworkInterface", idx, RUN_MAX_NICS);

	if (k < 0)
		return api_fail(r->c, "InvalidParameterValue",
				"NetworkInterface has a malformed index or more than %d entries.",
				RUN_MAX_NICS);
	if (k == 0) {
		*nn = 1;
		return nic_instance_level(r, &nics[0]);
	}
	static const char *const instance_level[] = {
	    "SubnetId", "PrivateIpAddress", "Ipv6AddressCount", "Ipv6Address.1.Ipv6Address",
	    "SecurityGroupId.1"};
	for (size_t i = 0; i < sizeof(instance_level) / sizeof(instance_level[0]); i++)
		if (api_opt(r->c, instance_level[i]))
			return api_fail(r->c, "InvalidParameterCombination",
					"Network interfaces and an instance-level %s may not be "
					"specified on the same request",
					instance_level[i]);
	for (int i = 0; i < k; i++)
		if (nic_spec(r, idx[i], &nics[i]))
			return -1;
	*nn = (size_t)k;
	return 0;
}

/* ---- the journal's explicit form (Instance.K.*) ---- */

static const char *inst_param(struct run *r, char *name, size_t size, unsigned k, unsigned j,
			      const char *what)
{
	if (j)
		snprintf(name, size, "Instance.%u.Nic.%u.%s", k, j, what);
	else
		snprintf(name, size, "Instance.%u.%s", k, what);
	return api_internal(r->c, name);
}

static int canon_nic(struct run *r, unsigned k, unsigned j, struct model_launch_eni *l)
{
	char name[128], list[96];
	unsigned dev;
	bool has;
	struct model_eni_req *e = &l->create;

	inst_param(r, name, sizeof(name), k, j, "DeviceIndex");
	if (api_uint(r->c, name, MODEL_DEVICE_INDEX_MAX, &dev, &has))
		return -1;
	l->device_index = (int)dev;
	inst_param(r, name, sizeof(name), k, j, "DeleteOnTermination");
	if (api_bool(r->c, name, false, &l->delete_on_termination))
		return -1;
	l->attachment_id = inst_param(r, name, sizeof(name), k, j, "AttachmentId");
	if (inst_param(r, name, sizeof(name), k, j, "Existing")) {
		l->eni_id = inst_param(r, name, sizeof(name), k, j, "NetworkInterfaceId");
		return 0;
	}
	e->source_dest_check = true;
	e->delete_on_termination = l->delete_on_termination;
	e->id = inst_param(r, name, sizeof(name), k, j, "NetworkInterfaceId");
	e->subnet_id = inst_param(r, name, sizeof(name), k, j, "SubnetId");
	e->description = inst_param(r, name, sizeof(name), k, j, "Description");
	e->mac = inst_param(r, name, sizeof(name), k, j, "MacAddress");
	e->primary_ip = inst_param(r, name, sizeof(name), k, j, "PrivateIpAddress");
	snprintf(list, sizeof(list), "Instance.%u.Nic.%u.SecondaryIp", k, j);
	if (run_list(r, list, NULL, &e->secondary_ips, &e->n_secondary_ips))
		return -1;
	snprintf(list, sizeof(list), "Instance.%u.Nic.%u.SecurityGroupId", k, j);
	if (run_list(r, list, NULL, &e->groups, &e->n_groups))
		return -1;
	snprintf(list, sizeof(list), "Instance.%u.Nic.%u.Ipv6", k, j);
	return run_list(r, list, NULL, &e->ipv6, &e->n_ipv6);
}

static int canon_requests(struct run *r, unsigned count, struct model_launch_req *reqs)
{
	char name[128];
	for (unsigned k = 1; k <= count; k++) {
		struct model_launch_req *q = &reqs[k - 1];
		unsigned idx[RUN_MAX_NICS], port;
		bool has;
		char list[48];

		q->id = inst_param(r, name, sizeof(name), k, 0, "InstanceId");
		inst_param(r, name, sizeof(name), k, 0, "HostPort");
		if (api_uint(r->c, name, UINT16_MAX, &port, &has))
			return -1;
		q->host_port = has ? (int)port : -1;
		snprintf(list, sizeof(list), "Instance.%u.Nic", k);
		int n = api_query_indexes(r->c->q, list, idx, RUN_MAX_NICS);
		if (n <= 0)
			return api_fail(r->c, "InvalidParameterValue", "%s: no interfaces", list);
		struct model_launch_eni *l = keep(r, calloc((size_t)n, sizeof(*l)));
		if (!l)
			return api_fail(r->c, "InternalError", "Out of memory.");
		for (int j = 0; j < n; j++)
			if (canon_nic(r, k, idx[j], &l[j]))
				return -1;
		q->enis = l;
		q->n_enis = (size_t)n;
	}
	return 0;
}

static void canon_write_nic(struct api_buf *b, unsigned k, unsigned j,
			    const struct model_eni_view *v, bool existing)
{
	char name[192], ip[46], mac[18];
#define NIC(what) (snprintf(name, sizeof(name), "Instance.%u.Nic.%u.%s", k, j, what), name)
	snprintf(ip, sizeof(ip), "%d", v->device_index);
	api_buf_form_add(b, NIC("DeviceIndex"), ip);
	api_buf_form_add(b, NIC("NetworkInterfaceId"), v->id);
	api_buf_form_add(b, NIC("AttachmentId"), v->attachment_id);
	api_buf_form_add(b, NIC("DeleteOnTermination"),
			 v->delete_on_termination ? "true" : "false");
	if (existing) {
		api_buf_form_add(b, NIC("Existing"), "true");
		return;
	}
	api_buf_form_add(b, NIC("SubnetId"), v->subnet_id);
	api_buf_form_add(b, NIC("Description"), v->description ? v->description : "");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2],
		 v->mac[3], v->mac[4], v->mac[5]);
	api_buf_form_add(b, NIC("MacAddress"), mac);
	api_ip4_str(v->primary_ip, ip);
	api_buf_form_add(b, NIC("PrivateIpAddress"), ip);
	for (size_t i = 0; i < v->n_secondary; i++) {
		char item[48];
		snprintf(item, sizeof(item), "SecondaryIp.%zu", i + 1);
		api_ip4_str(v->secondary_ips[i], ip);
		api_buf_form_add(b, NIC(item), ip);
	}
	for (size_t i = 0; i < v->n_ipv6; i++) {
		char item[48];
		snprintf(item, sizeof(item), "Ipv6.%zu", i + 1);
		api_ip6_str(&v->ipv6[i], ip);
		api_buf_form_add(b, NIC(item), ip);
	}
	for (size_t i = 0; i < v->n_groups; i++) {
		char item[48];
		snprintf(item, sizeof(item), "SecurityGroupId.%zu", i + 1);
		api_buf_form_add(b, NIC(item), v->groups[i]);
	}
#undef NIC
}

/* ---- metadata options (D15) ---- */

/* "required" / "optional" style enumerations: 1, 0, or -1 when absent; -2 after the error. */
static int md_choice(struct api_ctx *c, const char *name, const char *yes, const char *no)
{
	const char *v = api_opt(c, name);

	if (v == NULL)
		return -1;
	if (strcmp(v, yes) == 0)
		return 1;
	if (strcmp(v, no) == 0)
		return 0;
	api_fail(c, "InvalidParameterValue",
		 "Value (%.40s) for parameter %s is invalid. Valid values are %s, %s.", v, name, no,
		 yes);
	return -2;
}

/*
 * The metadata options named prefix + HttpTokens, HttpEndpoint,
 * HttpPutResponseHopLimit and HttpProtocolIpv6 (ModifyInstanceMetadataOptions: no prefix;
 * RunInstances: "MetadataOptions."), the absent ones -1. 0, or -1 after the error.
 */
static int md_options(struct api_ctx *c, const char *prefix, struct model_metadata_options *o)
{
	char tokens[64], endpoint[64], hops_name[64], ipv6[64];
	unsigned hops;
	bool has_hops;

	snprintf(tokens, sizeof(tokens), "%sHttpTokens", prefix);
	snprintf(endpoint, sizeof(endpoint), "%sHttpEndpoint", prefix);
	snprintf(hops_name, sizeof(hops_name), "%sHttpPutResponseHopLimit", prefix);
	snprintf(ipv6, sizeof(ipv6), "%sHttpProtocolIpv6", prefix);
	o->tokens_required = md_choice(c, tokens, "required", "optional");
	o->endpoint_enabled = md_choice(c, endpoint, "enabled", "disabled");
	o->protocol_ipv6 = md_choice(c, ipv6, "enabled", "disabled");
	o->hop_limit = -1;
	if (o->tokens_required == -2 || o->endpoint_enabled == -2 || o->protocol_ipv6 == -2 ||
	    api_uint(c, hops_name, 1000, &hops, &has_hops))
		return -1;
	if (has_hops)
		o->hop_limit = (int)hops;
	return 0;
}

/* The options given, in the journal record as the request named them. */
static void md_canon(struct api_ctx *c, const char *prefix, const struct model_metadata_options *o)
{
	char name[64], h[8];

	if (o->tokens_required >= 0) {
		snprintf(name, sizeof(name), "%sHttpTokens", prefix);
		api_buf_form_add(c->canon, name, o->tokens_required ? "required" : "optional");
	}
	if (o->endpoint_enabled >= 0) {
		snprintf(name, sizeof(name), "%sHttpEndpoint", prefix);
		api_buf_form_add(c->canon, name, o->endpoint_enabled ? "enabled" : "disabled");
	}
	if (o->hop_limit >= 0) {
		snprintf(name, sizeof(name), "%sHttpPutResponseHopLimit", prefix);
		snprintf(h, sizeof(h), "%d", o->hop_limit);
		api_buf_form_add(c->canon, name, h);
	}
	if (o->protocol_ipv6 >= 0) {
		snprintf(name, sizeof(name), "%sHttpProtocolIpv6", prefix);
		api_buf_form_add(c->canon, name, o->protocol_ipv6 ? "enabled" : "disabled");
	}
}

/* ---- RunInstances ---- */

struct run_args {
	const char *image, *type;
	unsigned min, max;
};

static int run_scalars(struct api_ctx *c, struct run_args *a)
{
	bool has_min, has_max;

	a->image = api_req(c, "ImageId");
	if (!a->image)
		return -1;
	if (strncmp(a->image, "ami-", 4) != 0 || !a->image[4])
		return api_fail(c, "InvalidAMIID.Malformed",
				"Invalid id: \"%.100s\" (expecting \"ami-...\")", a->image);
	a->type = api_req(c, "InstanceType");
	if (!a->type)
		return -1;
	if (api_uint(c, "MinCount", RUN_MAX_COUNT, &a->min, &has_min) ||
	    api_uint(c, "MaxCount", RUN_MAX_COUNT, &a->max, &has_max))
		return -1;
	if (!has_min || !has_max)
		return api_fail(c, "MissingParameter", "The request must contain the parameter %s",
				has_min ? "MaxCount" : "MinCount");
	if (a->min < 1 || a->min > a->max)
		return api_fail(c, "InvalidParameterValue",
				"MinCount (%u) must be at least 1 and at most MaxCount (%u).",
				a->min, a->max);
	return 0;
}

/* MaxCount launch requests from the user's interface specifications, with fresh ids. */
static int user_requests(struct run *r, const struct run_args *a, const struct nic *nics, size_t nn,
			 struct model_launch_req *reqs)
{
	for (size_t j = 0; j < nn; j++)
		if (a->max > 1 && (nics[j].primary_given || nics[j].list_given))
			return api_fail(r->c, "InvalidParameterCombination",
					"Addresses given by value can only be used when "
					"launching one instance (MaxCount is %u).",
					a->max);
	for (unsigned k = 0; k < a->max; k++) {
		struct model_launch_req *q = &reqs[k];
		char *ids = keep(r, calloc(1 + 2 * nn, MODEL_ID_MAX));
		struct model_launch_eni *l = keep(r, calloc(nn, sizeof(*l)));
		struct model_instance_view iv;
		struct model_eni_view ev;

		if (!ids || !l)
			return api_fail(r->c, "InternalError", "Out of memory.");
		do
			api_new_id("i-", ids);
		while (model_get_instance(r->c->m, ids, &iv) == 0);
		q->id = ids;
		q->host_port = -1;
		for (size_t j = 0; j < nn; j++) {
			char *eid = ids + (1 + 2 * j) * MODEL_ID_MAX, *att = eid + MODEL_ID_MAX;
			l[j] = nics[j].l;
			if (!l[j].eni_id) {
				do
					api_new_id("eni-", eid);
				while (model_get_eni(r->c->m, eid, &ev) == 0);
				l[j].create.id = eid;
			}
			api_new_id("eni-attach-", att);
			l[j].attachment_id = att;
		}
		q->enis = l;
		q->n_enis = nn;
	}
	return 0;
}

static void run_answer(struct api_ctx *c, const struct run_args *a,
		       const struct model_launch_req *reqs, size_t n)
{
	struct api_buf *x = c->xml;
	const char *first = reqs[0].id;

	api_buf_puts(x, "<reservationId>r-");
	api_buf_xml_escape(x, strncmp(first, "i-", 2) == 0 ? first + 2 : first);
	api_buf_puts(x, "</reservationId><ownerId>" API_OWNER_ID "</ownerId><groupSet/>"
			"<instancesSet>");
	for (size_t k = 0; k < n; k++) {
		struct model_instance_view v;
		if (model_get_instance(c->m, reqs[k].id, &v))
			continue;
		api_buf_puts(x, "<item>");
		api_xml_instance(c, &v, a->image);
		api_buf_printf(x, "<amiLaunchIndex>%zu</amiLaunchIndex>", k);
		api_buf_puts(x, "</item>");
	}
	api_buf_puts(x, "</instancesSet>");
}

static void run_canon(struct api_ctx *c, const struct run_args *a,
		      const struct model_launch_req *reqs, size_t n)
{
	char num[32], name[64];

	api_buf_reset(c->canon);
	api_buf_form_add(c->canon, "Action", "RunInstances");
	api_buf_form_add(c->canon, "ImageId", a->image);
	api_buf_form_add(c->canon, "InstanceType", a->type);
	snprintf(num, sizeof(num), "%zu", n);
	api_buf_form_add(c->canon, "MinCount", num);
	api_buf_form_add(c->canon, "MaxCount", num);
	for (size_t k = 0; k < n; k++) {
		struct model_instance_view v;
		if (model_get_instance(c->m, reqs[k].id, &v))
			continue;
		snprintf(name, sizeof(name), "Instance.%zu.InstanceId", k + 1);
		api_buf_form_add(c->canon, name, v.id);
		snprintf(name, sizeof(name), "Instance.%zu.HostPort", k + 1);
		snprintf(num, sizeof(num), "%u", v.host_port);
		api_buf_form_add(c->canon, name, num);
		for (size_t j = 0; j < v.n_enis; j++) {
			struct model_eni_view e;
			bool existing = false;
			if (model_get_eni(c->m, v.eni_ids[j], &e))
				continue;
			for (size_t i = 0; i < reqs[k].n_enis; i++)
				if (reqs[k].enis[i].eni_id && !strcmp(reqs[k].enis[i].eni_id, e.id))
					existing = true;
			canon_write_nic(c->canon, (unsigned)k + 1, (unsigned)j + 1, &e, existing);
		}
	}
	/* the tags: api_tag_specs_apply adds them to the record (run_tags) */
}

/* Tags of the new instances and of the interfaces they made. */
static int run_tags(struct api_ctx *c, const struct model_launch_req *reqs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (api_tag_specs_apply(c, "instance", reqs[k].id))
			return -1;
		for (size_t j = 0; j < reqs[k].n_enis; j++) {
			const char *id = reqs[k].enis[j].eni_id ? reqs[k].enis[j].eni_id
								: reqs[k].enis[j].create.id;
			if (id && api_tag_specs_apply(c, "network-interface", id))
				return -1;
		}
	}
	return 0;
}

/*
 * Snapshot replay: an instance the API launched, without its interfaces
 * (the snapshot creates and attaches them next), made as the configuration
 * makes one.
 */
static int run_bare(struct api_ctx *c)
{
	struct model_instance_req r = {.state = MODEL_RUNNING};
	struct model_err err = {0};
	unsigned port;
	bool has;

	r.id = api_internal(c, "InstanceId");
	r.type = api_internal(c, "InstanceType");
	r.az = api_internal(c, "AvailabilityZone");
	r.image_id = api_internal(c, "ImageId");
	if (api_uint(c, "HostPort", UINT16_MAX, &port, &has))
		return -1;
	r.host_port = (uint16_t)port;
	if (!r.id || !has)
		return api_fail(c, "MissingParameter", "A bare launch needs InstanceId, HostPort");
	if (model_create_instance(c->m, &r, NULL, &err))
		return api_fail_model(c, &err);
	return 0;
}

int api_run_instances(struct api_ctx *c)
{
	struct run r = {.c = c};
	struct run_args a;
	struct model_metadata_options md;
	struct nic nics[RUN_MAX_NICS] = {0};
	struct model_launch_req *reqs = NULL;
	size_t nn = 0, launched = 0;
	struct model_err err = {0};
	bool canon = api_internal(c, "Instance.1.InstanceId") != NULL;
	int rc = -1;

	/* "volume": accepted as EC2 does (Ansible tags the root volume), applied to nothing:
	 * enimap has no volumes */
	static const char *const tag_types[] = {"instance", "network-interface", "volume", NULL};
	if (api_internal(c, "Bare"))
		return run_bare(c);
	if (run_scalars(c, &a) || api_tag_specs_check(c, tag_types) ||
	    md_options(c, "MetadataOptions.", &md))
		return -1;
	reqs = keep(&r, calloc(a.max, sizeof(*reqs)));
	if (!reqs)
		goto out;
	if (canon ? canon_requests(&r, a.max, reqs)
		  : user_nics(&r, nics, &nn) || user_requests(&r, &a, nics, nn, reqs))
		goto out;
	for (unsigned k = 0; k < a.max; k++) {
		reqs[k].type = a.type;
		reqs[k].image_id = a.image;
		reqs[k].metadata = &md;
	}
	if (r.oom) {
		api_fail(c, "InternalError", "Out of memory.");
		goto out;
	}
	if (model_launch_instances(c->m, reqs, a.max, canon ? a.max : a.min, &launched, c->delta,
				   &err)) {
		api_fail_model(c, &err);
		goto out;
	}
	run_canon(c, &a, reqs, launched);
	md_canon(c, "MetadataOptions.", &md);
	rc = run_tags(c, reqs, launched);
	if (rc == 0)
		run_answer(c, &a, reqs, launched); /* after the tags: the answer shows them */
out:
	if (rc && r.oom && !c->code[0])
		api_fail(c, "InternalError", "Out of memory.");
	run_free(&r);
	return rc;
}

/* ---- TerminateInstances ---- */

static int terminate_now(struct api_ctx *c, int64_t *now)
{
	const char *t = api_internal(c, "Now");
	char *end;

	if (!t) {
		*now = (int64_t)time(NULL);
		return 0;
	}
	*now = strtoll(t, &end, 10);
	if (end == t || *end)
		return api_fail(c, "InvalidParameterValue", "Invalid Now '%.40s'", t);
	return 0;
}

int api_terminate_instances(struct api_ctx *c)
{
	const char **ids;
	size_t n;
	int64_t now;

	if (terminate_now(c, &now) || api_list(c, "InstanceId", NULL, &ids, &n))
		return -1;
	if (n == 0)
		return api_fail(c, "MissingParameter",
				"The request must contain the parameter InstanceId");
	enum model_instance_state *prev = calloc(n, sizeof(*prev));
	int rc = -1;
	if (!prev) {
		free(ids);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	/* all-or-nothing: check every id before terminating any */
	for (size_t i = 0; i < n; i++) {
		struct model_instance_view v;
		/* as of the call's time, which replay gives again: not the clock's */
		if (model_get_instance(c->m, ids[i], &v) || !visible_at(c, &v, now)) {
			api_fail(c, "InvalidInstanceID.NotFound",
				 "The instance ID '%.100s' does not exist", ids[i]);
			goto out;
		}
		prev[i] = v.state;
	}
	model_set_clock(c->m, now);
	api_buf_reset(c->canon);
	api_buf_form_add(c->canon, "Action", "TerminateInstances");
	api_buf_puts(c->xml, "<instancesSet>");
	for (size_t i = 0; i < n; i++) {
		struct model_err err = {0};
		char name[32];
		if (model_terminate_instance(c->m, ids[i], c->delta, &err)) {
			/* out of memory only: keep the record of those terminated before */
			api_fail_model(c, &err);
			if (i == 0)
				api_buf_reset(c->canon);
			goto out;
		}
		snprintf(name, sizeof(name), "InstanceId.%zu", i + 1);
		api_buf_form_add(c->canon, name, ids[i]);
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "instanceId", ids[i]);
		api_buf_printf(c->xml,
			       "<currentState><code>48</code><name>terminated</name></currentState>"
			       "<previousState><code>%d</code><name>%s</name></previousState>",
			       api_instance_state_code(prev[i]), api_instance_state_name(prev[i]));
		api_buf_puts(c->xml, "</item>");
	}
	api_buf_puts(c->xml, "</instancesSet>");
	rc = 0;
out:
	if (c->canon->len) {
		char t[32];
		snprintf(t, sizeof(t), "%lld", (long long)now);
		api_buf_form_add(c->canon, "Now", t);
		/* those terminated a retention ago are forgotten (the same on replay);
		 * a snapshot's Forget: those terminated up to now (a configured
		 * instance that is gone) */
		bool forget = api_internal(c, "Forget") != NULL;
		if (forget)
			api_buf_form_add(c->canon, "Forget", "true");
		model_forget_terminated(c->m,
					forget ? now : now - model_terminated_retention(c->m));
	}
	free(prev);
	free(ids);
	return rc;
}

/* ---- DescribeInstanceStatus: the state of each instance, its checks always "ok" ---- */

static int status_instance_exists(struct api_ctx *c, const char *id)
{
	struct model_instance_view v;
	return model_get_instance(c->m, id, &v) == 0 && api_instance_visible(c, &v);
}

struct status_walk {
	struct api_describe d;
	bool all; /* IncludeAllInstances: not only the running ones */
};

static int status_cb(const struct model_instance_view *v, void *arg)
{
	struct status_walk *w = arg;
	struct api_buf *x = w->d.c->xml;
	/* EC2 has no status checks for an instance that is not running */
	const char *check = v->state == MODEL_RUNNING ? "ok" : "not-applicable";

	if (!api_instance_visible(w->d.c, v) || (!w->all && v->state != MODEL_RUNNING))
		return 0;
	api_facts_reset(&w->d.facts);
	api_facts_add(&w->d.facts, "instance-state-name", api_instance_state_name(v->state));
	api_facts_add(&w->d.facts, "availability-zone", v->az);
	api_facts_add(&w->d.facts, "instance-status.status", check);
	api_facts_add(&w->d.facts, "system-status.status", check);
	if (!api_describe_wants(&w->d, v->id))
		return w->d.full;
	api_buf_puts(x, "<item>");
	api_buf_xml_elem(x, "instanceId", v->id);
	api_buf_xml_elem(x, "availabilityZone", v->az);
	api_buf_printf(x, "<instanceState><code>%d</code><name>%s</name></instanceState>",
		       api_instance_state_code(v->state), api_instance_state_name(v->state));
	/* the reachability check passed: only said of a running instance */
	const char *details = v->state == MODEL_RUNNING ? "<details><item><name>reachability</name>"
							  "<status>passed</status></item></details>"
							: "<details/>";
	api_buf_printf(x,
		       "<systemStatus><status>%s</status>%s</systemStatus>"
		       "<instanceStatus><status>%s</status>%s</instanceStatus>",
		       check, details, check, details);
	api_buf_puts(x, "<eventsSet/></item>");
	return 0;
}

int api_describe_instance_status(struct api_ctx *c)
{
	static const char *const allowed[] = {"instance-state-name", "availability-zone",
					      "instance-status.status", "system-status.status",
					      NULL};
	struct status_walk w;

	if (api_describe_open(&w.d, c, "InstanceId", allowed, status_instance_exists,
			      "InvalidInstanceID.NotFound", "instance ID"))
		return -1;
	if (api_bool(c, "IncludeAllInstances", false, &w.all)) {
		api_describe_close(&w.d);
		return -1;
	}
	api_buf_puts(c->xml, "<instanceStatusSet>");
	model_foreach_instance(c->m, status_cb, &w);
	api_buf_puts(c->xml, "</instanceStatusSet>");
	return api_describe_close(&w.d);
}

/* ModifyInstanceMetadataOptions (D15): what the metadata service asks of an instance. */
int api_modify_instance_metadata_options(struct api_ctx *c)
{
	const char *id = api_req(c, "InstanceId");
	struct model_metadata_options o;
	struct model_instance_view v;
	struct model_err err = {0};

	if (id == NULL || md_options(c, "", &o))
		return -1;
	if (model_set_metadata_options(c->m, id, &o, &err) != 0)
		return api_fail_model(c, &err);
	api_canon_start(c, "ModifyInstanceMetadataOptions");
	api_buf_form_add(c->canon, "InstanceId", id);
	md_canon(c, "", &o);
	if (model_get_instance(c->m, id, &v) != 0)
		return api_fail(c, "InternalError", "the instance vanished");
	api_buf_xml_elem(c->xml, "instanceId", id);
	api_xml_metadata_options(c->xml, &v, "instanceMetadataOptions");
	return 0;
}
