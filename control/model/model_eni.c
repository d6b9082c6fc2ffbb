/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_eni.c - ENIs: create, delete, attach, detach, attributes
 * (R17-R19, R23).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DESC_MAX 255

/* ---- delete ---- */

size_t model_eni_destroy_cost(const struct model *m, uint32_t i)
{
	const struct eni *e = ENI(m, i);

	/* per IPv4: EIP_DEL + V4_DEL; per IPv6: V6_DEL; ENI_DEL; blackholed routes */
	return 2 * (1 + e->nsec) + e->n6 + 1 + e->routes_to;
}

void model_eni_destroy(struct model *m, uint32_t ei, struct delta *d)
{
	struct eni *e = ENI(m, ei);
	struct delta_entry x = {.kind = DELTA_ENI_DEL};

	uint32_t vpc = model_eni_vpc(m, ei);

	for (size_t k = 0; k <= e->nsec; k++) {
		uint32_t a = k == 0 ? e->primary : e->sec[k - 1], p = model_eip_on(m, vpc, a);

		if (p != NIL)
			model_eip_unlink(m, p, d, true);
		model_v4_unlink(m, ei, a);
		model_put_v4_del(d, vpc, a);
	}
	for (size_t k = 0; k < e->n6; k++) {
		model_v6_unlink(m, ei, &e->v6[k]);
		model_put_v6(d, &e->v6[k], ei, true);
	}
	/* routes to it become blackholes (R: "a route to a deleted ENI is blackholed") */
	if (e->routes_to) {
		for (uint32_t t = m->rts.head; t != NIL; t = m->rts.next[t]) {
			struct rtable *rt = RT(m, t);
			for (size_t r = 0; r < rt->n; r++)
				if (rt->r[r].kind == ROUTE_ENI && rt->r[r].eni == ei) {
					rt->r[r].eni = NIL;
					rt->views[r].blackholed = true;
					model_put_route(m, d, t, r, false);
				}
		}
	}
	x.eni.slot = ei;
	model_dput(d, &x);
	mhash_del(&m->mac, e->mac, 6);
	mhash_del(&m->by_eni, e->id, strlen(e->id));
	tags_forget(m, e->id);
	model_sg_leave(m, ei);
	free(e->id);
	free(e->desc);
	free(e->sec);
	free(e->v6);
	model_free_strv(e->groups, e->ngroups);
	objtab_release(&m->enis, ei);
}

/* ---- create / delete ---- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/*
 * CreateNetworkInterface, in steps: check the request, pick and check every
 * address, reserve every table slot, then mutate. Nothing in the model
 * changes before the commit step, and the commit step cannot fail: a refused
 * request leaves the model exactly as it was.
 */
struct eni_plan {
	const struct model_eni_req *req;
	char eid[MODEL_ID_MAX];
	uint64_t seq; /* the id counter, written back to the model on commit */
	struct subnet *s;
	uint32_t si;
	uint32_t prim; /* the given primary (network order); picked on commit if none */
	uint8_t mac[6];
	size_t n4list, n6list;
	uint32_t *sec; /* the explicit secondaries, then room for the counted ones */
	size_t nsec;
	size_t n_new4; /* every new IPv4 address: primary, explicit and counted */
	struct in6_addr *v6;
	size_t n6;
	uint8_t *dup4, *dup6;
	char *id, *desc;
	char **groups;
	size_t ngroups;
	uint32_t sg[MODEL_GROUPS_MAX]; /* the groups, resolved (R24) */
	size_t nsg;
};

static void eni_plan_free(struct eni_plan *p)
{
	free(p->sec);
	free(p->v6);
	free(p->dup4);
	free(p->dup6);
	free(p->id);
	free(p->desc);
	model_free_strv(p->groups, p->ngroups);
}

static int create_eni_check_attributes(const struct model_eni_req *req, struct model_err *err)
{
	if (req->n_secondary_ips && req->secondary_count)
		return model_fail(
		    err, "InvalidParameterCombination",
		    "SecondaryPrivateIpAddressCount and PrivateIpAddresses cannot both "
		    "be given");
	if (req->n_ipv6 && req->ipv6_count)
		return model_fail(err, "InvalidParameterCombination",
				  "Ipv6AddressCount and Ipv6Addresses cannot both be given");
	if (req->description && strlen(req->description) > DESC_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "The description is longer than %d characters", DESC_MAX);
	if (req->vlan > MODEL_VLAN_MAX)
		return model_fail(err, "InvalidParameterValue", "Invalid VLAN id %u (0 to %d)",
				  req->vlan, MODEL_VLAN_MAX);
	return 0;
}

/* The ENI's groups (R24) as strings for its view, from their indexes. NULL on ENOMEM. */
static char **group_ids(const struct model *m, const uint32_t *idx, size_t n)
{
	char **v = calloc(n, sizeof(*v));

	for (size_t k = 0; v && k < n; k++)
		if (!(v[k] = strdup(SG(m, idx[k])->id))) {
			model_free_strv(v, k);
			return NULL;
		}
	return v;
}

/* The given primary address and MAC: well formed and not in use. */
static int create_eni_check_given(const struct model *m, struct eni_plan *p, struct model_err *err)
{
	const struct model_eni_req *req = p->req;
	uint32_t owner;

	if (req->primary_ip) {
		if (model_check_v4(p->s, req->primary_ip, &p->prim, err) < 0)
			return -1;
		if (model_v4_owner(m, p->s->vpc, p->prim, &owner) == 0)
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is already in use by %s", req->primary_ip,
					  ENI(m, owner)->id);
	}
	if (req->mac) {
		if (parse_mac(req->mac, p->mac) < 0 || (p->mac[0] & 1))
			return model_fail(err, "InvalidParameterValue",
					  "Invalid MAC address '%s': a unicast xx:xx:xx:xx:xx:xx",
					  req->mac);
		if (mhash_get(&m->mac, p->mac, 6, &owner) == 0)
			return model_fail(err, "InvalidParameterValue",
					  "MAC address %s is already used by %s", req->mac,
					  ENI(m, owner)->id);
	}
	return 0;
}

/* Everything checked before any allocation, down to the new ENI's id. */
static int create_eni_check_request(struct model *m, struct eni_plan *p, struct model_err *err)
{
	const struct model_eni_req *req = p->req;

	if (!req || !req->subnet_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter SubnetId");
	p->si = model_find(&m->by_subnet, req->subnet_id);
	if (p->si == NIL)
		return model_fail(err, "InvalidSubnetID.NotFound",
				  "The subnet ID '%s' does not exist", req->subnet_id);
	p->s = SUBNET(m, p->si);
	p->n4list = req->n_secondary_ips;
	p->n6list = req->n_ipv6;
	if (create_eni_check_attributes(req, err) < 0 ||
	    model_sg_resolve(m, p->s->vpc, req->groups, req->n_groups, p->sg, &p->nsg, err) < 0 ||
	    create_eni_check_given(m, p, err) < 0)
		return -1;
	/* counts beyond any limit are refused before anything is sized by them */
	if (req->secondary_count >= model_max4_any(m))
		return model_fail(err, "PrivateIpAddressLimitExceeded",
				  "Number of private addresses (%u) will exceed limit (%u).",
				  req->secondary_count + 1, model_max4_any(m));
	if (req->ipv6_count > model_max6_any(m))
		return model_fail(err, "InvalidParameterValue",
				  "Number of IPv6 addresses (%u) will exceed limit (%u).",
				  req->ipv6_count, model_max6_any(m));
	return model_pick_id(&m->by_eni, req->id, "eni-", &p->seq, p->eid, err);
}

static int create_eni_alloc_lists(struct eni_plan *p, struct model_err *err)
{
	p->sec = calloc(p->n4list + p->req->secondary_count + 1, sizeof(*p->sec));
	p->v6 = calloc(p->n6list + p->req->ipv6_count + 1, sizeof(*p->v6));
	p->dup4 = calloc(p->n4list + 1, 1);
	p->dup6 = calloc(p->n6list + 1, 1);
	if (!p->sec || !p->v6 || !p->dup4 || !p->dup6)
		return model_fail_nomem(err);
	return 0;
}

/* The explicit secondaries parsed into p->sec: R1, R2, free. */
static int create_eni_parse_secondaries(const struct model *m, struct eni_plan *p,
					struct model_err *err)
{
	const struct model_eni_req *req = p->req;
	uint32_t owner;

	for (size_t k = 0; k < p->n4list; k++) {
		uint32_t ahead;

		/* a long list: the owner index slot of an address a few ahead, loading meanwhile */
		if (k + 8 < p->n4list && model_parse_v4(req->secondary_ips[k + 8], &ahead) == 0) {
			struct model_v4key ka = model_v4key(p->s->vpc, ahead);
			mhash_prefetch(&m->v4own, &ka, sizeof(ka));
		}
		if (model_check_v4(p->s, req->secondary_ips[k], &p->sec[k], err) < 0)
			return -1;
		if (model_v4_owner(m, p->s->vpc, p->sec[k], &owner) == 0)
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is already in use by %s",
					  req->secondary_ips[k], ENI(m, owner)->id);
	}
	return 0;
}

/* The IPv4 addresses: duplicates and the primary count once; limits and room. */
static int create_eni_plan_v4(const struct model *m, struct eni_plan *p, struct model_err *err)
{
	const struct model_eni_req *req = p->req;

	if (create_eni_parse_secondaries(m, p, err) < 0)
		return -1;
	if (model_mark_dups(p->sec, 4, p->n4list, p->dup4) < 0)
		return model_fail_nomem(err);
	for (size_t k = 0; k < p->n4list; k++)
		if (!p->dup4[k] && !(req->primary_ip && p->sec[k] == p->prim))
			p->sec[p->nsec++] = p->sec[k];
	p->n_new4 = 1 + p->nsec + req->secondary_count;
	if (p->n_new4 > model_max4_any(m))
		return model_fail(err, "PrivateIpAddressLimitExceeded",
				  "Number of private addresses (%zu) will exceed limit (%u).",
				  p->n_new4, model_max4_any(m));
	/* every new address, given or picked, comes out of the subnet's free ones */
	if (p->s->pool.nfree < p->n_new4)
		return model_fail(err, "InsufficientFreeAddressesInSubnet",
				  "Subnet %s has %llu free addresses; %zu are needed", p->s->id,
				  (unsigned long long)p->s->pool.nfree, p->n_new4);
	if (m->cap_v4 && m->nv4 + p->n_new4 > m->cap_v4)
		return model_fail(err, "InsufficientAddressCapacity",
				  "The IPv4 table is full (%zu of %zu addresses)", m->nv4,
				  m->cap_v4);
	return 0;
}

/*
 * The explicit IPv6 addresses into p->v6: R3, R6, R9. Parse first, loading
 * each address's owner-index slot, then look them up (a long list then waits
 * for memory once, not per address). The first failing address in list order
 * is reported, as if checked one by one: an unparsable one only after those
 * before it.
 */
static int create_eni_parse_v6(const struct model *m, struct eni_plan *p, struct model_err *err)
{
	const struct model_eni_req *req = p->req;
	size_t parsed = 0;
	uint32_t owner;

	while (parsed < p->n6list &&
	       model_check_v6(p->s, req->ipv6[parsed], &p->v6[parsed], NULL) == 0)
		mhash_prefetch(&m->v6own, p->v6[parsed++].s6_addr, 16);
	for (size_t k = 0; k < parsed; k++)
		if (mhash_get(&m->v6own, p->v6[k].s6_addr, 16, &owner) == 0)
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is already in use by %s", req->ipv6[k],
					  ENI(m, owner)->id);
	if (parsed < p->n6list) {
		model_check_v6(p->s, req->ipv6[parsed], &p->v6[parsed], err);
		return -1;
	}
	return 0;
}

/* The IPv6 addresses, given (duplicates once) or picked; limits and room. */
static int create_eni_plan_v6(const struct model *m, struct eni_plan *p, struct model_err *err)
{
	const struct model_eni_req *req = p->req;

	if (!p->n6list && !req->ipv6_count)
		return 0;
	if (!p->s->has6)
		return model_fail(err, "InvalidParameterValue", "Subnet %s has no IPv6 CIDR block",
				  p->s->id);
	if (create_eni_parse_v6(m, p, err) < 0)
		return -1;
	if (model_mark_dups(p->v6, 16, p->n6list, p->dup6) < 0)
		return model_fail_nomem(err);
	for (size_t k = 0; k < p->n6list; k++)
		if (!p->dup6[k])
			p->v6[p->n6++] = p->v6[k];
	if (req->ipv6_count) {
		model_pick_v6(m, p->s, req->ipv6_count, p->v6);
		p->n6 = req->ipv6_count;
	}
	if (p->n6 > model_max6_any(m))
		return model_fail(err, "InvalidParameterValue",
				  "Number of IPv6 addresses (%zu) will exceed limit (%u).", p->n6,
				  model_max6_any(m));
	if (m->cap_v6 && m->nv6 + p->n6 > m->cap_v6)
		return model_fail(err, "InsufficientAddressCapacity",
				  "The IPv6 table is full (%zu of %zu addresses)", m->nv6,
				  m->cap_v6);
	return 0;
}

/* No MAC given: a locally administered unicast one, from the id counter. */
static void create_eni_pick_mac(const struct model *m, struct eni_plan *p)
{
	uint32_t owner;

	if (p->req->mac)
		return;
	do {
		uint64_t x = (p->seq++ * 0x9e3779b97f4a7c15ULL) ^ 0x5eed;
		p->mac[0] = 0x02;
		for (int i = 1; i < 6; i++)
			p->mac[i] = (uint8_t)(x >> (8 * i));
	} while (mhash_get(&m->mac, p->mac, 6, &owner) == 0);
}

/* Every allocation the commit needs, so that the commit cannot fail. */
static int create_eni_reserve(struct model *m, struct eni_plan *p, struct delta *delta,
			      struct model_err *err)
{
	p->id = strdup(p->eid);
	p->desc = strdup(p->req->description ? p->req->description : "");
	if ((p->groups = group_ids(m, p->sg, p->nsg)))
		p->ngroups = p->nsg;
	if (!p->id || !p->desc || !p->groups || model_sg_reserve_members(m, p->sg, p->nsg) ||
	    objtab_reserve(&m->enis, 1) || mhash_reserve(&m->by_eni, 1) ||
	    mhash_reserve(&m->mac, 1) || mhash_reserve(&m->v4own, p->n_new4) ||
	    mhash_reserve(&m->v6own, p->n6) || model_reserve_delta(delta, 1 + p->n_new4 + p->n6))
		return model_fail_nomem(err);
	return 0;
}

/* The new ENI's record, owning the plan's strings and address lists. */
static uint32_t create_eni_record(struct model *m, struct eni_plan *p)
{
	const struct model_eni_req *req = p->req;
	uint32_t ei = objtab_alloc(&m->enis);
	struct eni *e = ENI(m, ei);

	e->id = p->id;
	e->desc = p->desc;
	p->id = p->desc = NULL;
	e->groups = p->groups;
	e->ngroups = p->ngroups;
	memcpy(e->sg, p->sg, sizeof(e->sg));
	p->groups = NULL;
	p->ngroups = 0;
	e->subnet = p->si;
	memcpy(e->mac, p->mac, 6);
	e->vlan = req->vlan;
	e->sdc = req->source_dest_check;
	e->dot = req->delete_on_termination;
	e->inst = NIL;
	e->sec = p->sec;
	e->capsec = p->n4list + req->secondary_count + 1;
	e->v6 = p->v6;
	e->cap6 = p->n6list + req->ipv6_count + 1;
	p->sec = NULL;
	p->v6 = NULL;
	return ei;
}

static void create_eni_link_v4(struct model *m, struct eni_plan *p, uint32_t ei,
			       struct delta *delta)
{
	struct eni *e = ENI(m, ei);
	size_t nsec = p->nsec;
	uint32_t h;

	/* explicit secondaries first, so an automatic primary avoids them */
	for (size_t k = 0; k < nsec; k++)
		model_v4_link(m, ei, e->sec[k]);
	if (!p->req->primary_ip) {
		addrpool_take_lowest(&p->s->pool, &h);
		p->prim = htonl(h);
	}
	e->primary = p->prim;
	model_v4_link(m, ei, p->prim);
	model_put_v4(m, delta, p->s->vpc, p->prim);
	for (size_t k = 0; k < nsec; k++)
		model_put_v4(m, delta, p->s->vpc, e->sec[k]);
	for (unsigned k = 0; k < p->req->secondary_count; k++) {
		addrpool_take_lowest(&p->s->pool, &h);
		e->sec[nsec] = htonl(h);
		model_v4_link(m, ei, e->sec[nsec]);
		model_put_v4(m, delta, p->s->vpc, e->sec[nsec++]);
	}
	e->nsec = nsec;
}

static void create_eni_link_v6(struct model *m, const struct eni_plan *p, uint32_t ei,
			       struct delta *delta)
{
	struct eni *e = ENI(m, ei);

	/* model_v6_link appends to e->v6, which already holds the list: rebuild in place */
	for (size_t k = 0; k < p->n6; k++) {
		struct in6_addr a = e->v6[k];
		e->n6 = k;
		model_v6_link(m, ei, &a);
		model_put_v6(delta, &a, ei, false);
	}
}

/* The mutation: every slot it uses was reserved. */
static void create_eni_commit(struct model *m, struct eni_plan *p, struct delta *delta)
{
	uint32_t ei = create_eni_record(m, p);
	struct eni *e = ENI(m, ei);

	mhash_put(&m->by_eni, e->id, strlen(e->id), ei);
	mhash_put(&m->mac, e->mac, 6, ei);
	model_sg_join(m, ei);
	model_put_eni(m, delta, ei);
	create_eni_link_v4(m, p, ei, delta);
	create_eni_link_v6(m, p, ei, delta);
	m->seq = p->seq;
}

int model_create_eni(struct model *m, const struct model_eni_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err)
{
	struct eni_plan p = {.req = req, .seq = m->seq};
	int rc = -1;

	if (create_eni_check_request(m, &p, err) < 0)
		return -1;
	if (create_eni_alloc_lists(&p, err) == 0 && create_eni_plan_v4(m, &p, err) == 0 &&
	    create_eni_plan_v6(m, &p, err) == 0) {
		create_eni_pick_mac(m, &p);
		if (create_eni_reserve(m, &p, delta, err) == 0) {
			create_eni_commit(m, &p, delta);
			if (out_id)
				model_id_copy(out_id, p.eid);
			rc = 0;
		}
	}
	eni_plan_free(&p);
	return rc;
}

int model_delete_eni(struct model *m, const char *eni_id, struct delta *delta,
		     struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id);

	if (ei == NIL)
		return model_fail_no_eni(err, eni_id);
	if (ENI(m, ei)->inst != NIL)
		return model_fail(err, "InvalidParameterValue",
				  "Network interface '%s' is currently in use.", eni_id);
	if (model_reserve_delta(delta, model_eni_destroy_cost(m, ei)))
		return model_fail_nomem(err);
	model_eni_destroy(m, ei, delta);
	return 0;
}

/* ---- attach / detach ---- */

/* The ENI and the instance exist, the ENI is free, both in one AZ and one VPC. */
static int attach_check_pair(const struct model *m, const struct model_attach_req *req,
			     uint32_t *ei, uint32_t *ii, struct model_err *err)
{
	const struct instance *in;
	const struct eni *e;

	if (!req || !req->eni_id || !req->instance_id)
		return model_fail(err, "MissingParameter",
				  "NetworkInterfaceId and InstanceId are required");
	*ei = model_find(&m->by_eni, req->eni_id);
	if (*ei == NIL)
		return model_fail_no_eni(err, req->eni_id);
	*ii = model_find(&m->by_inst, req->instance_id);
	if (*ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist", req->instance_id);
	e = ENI(m, *ei);
	in = INST(m, *ii);
	if (in->state == MODEL_TERMINATED)
		return model_fail(err, "IncorrectInstanceState", "The instance '%s' is terminated.",
				  req->instance_id);
	if (e->inst != NIL)
		return model_fail(err, "InvalidNetworkInterface.InUse", "Interface: [%s] in use.",
				  req->eni_id);
	if (strcmp(in->az, SUBNET(m, e->subnet)->az))
		return model_fail(
		    err, "InvalidParameterValue",
		    "Network interface %s is in availability zone %s, instance %s in %s",
		    req->eni_id, SUBNET(m, e->subnet)->az, req->instance_id, in->az);
	if (in->n_enis && SUBNET(m, ENI(m, in->enis[0])->subnet)->vpc != SUBNET(m, e->subnet)->vpc)
		return model_fail(err, "InvalidParameterValue",
				  "Network interface %s and instance %s are in different VPCs",
				  req->eni_id, req->instance_id);
	return 0;
}

/* The device index is valid and free; *at is its place in the instance's sorted list. */
static int attach_find_slot(const struct model *m, const struct model_attach_req *req,
			    const struct instance *in, size_t *at, struct model_err *err)
{
	if (req->device_index < 0 || req->device_index > MODEL_DEVICE_INDEX_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%d' for deviceIndex (0 to %d)", req->device_index,
				  MODEL_DEVICE_INDEX_MAX);
	for (*at = 0; *at < in->n_enis; (*at)++) {
		int dev = ENI(m, in->enis[*at])->dev;
		if (dev == req->device_index)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Instance '%s' already has an interface attached at device "
			    "index '%d'.",
			    req->instance_id, req->device_index);
		if (dev > req->device_index)
			break;
	}
	return 0;
}

/* The instance type's limits: interfaces, and the ENI's IPv4 and IPv6 addresses. */
static int attach_check_limits(const struct model *m, const struct model_attach_req *req,
			       const struct eni *e, const struct instance *in,
			       struct model_err *err)
{
	const struct itype *ty = TYPE(m, in->type);

	if (in->n_enis + 1 > ty->max_enis)
		return model_fail(
		    err, "AttachmentLimitExceeded",
		    "Interface count %zu of instance %s exceeds the limit of %u for %s",
		    in->n_enis + 1, req->instance_id, ty->max_enis, ty->name);
	if (1 + e->nsec > ty->max4)
		return model_fail(
		    err, "PrivateIpAddressLimitExceeded",
		    "Network interface %s has %zu private IPv4 addresses; %s allows %u",
		    req->eni_id, 1 + e->nsec, ty->name, ty->max4);
	if (e->n6 > ty->max6)
		return model_fail(err, "InvalidParameterValue",
				  "Network interface %s has %zu IPv6 addresses; %s allows %u",
				  req->eni_id, e->n6, ty->name, ty->max6);
	return 0;
}

/*
 * Room for one more interface on the instance (growing its arrays changes
 * their capacity, not the model's contents), the attachment id's copy and its
 * index slot; *dup is the copy.
 */
static int attach_reserve(struct model *m, struct instance *in, const char *aid, char **dup,
			  struct delta *delta, struct model_err *err)
{
	uint32_t *enis;
	const char **ids;

	*dup = strdup(aid);
	enis = realloc(in->enis, (in->n_enis + 1) * sizeof(*enis));
	if (enis)
		in->enis = enis;
	ids = realloc(in->eni_ids, (in->n_enis + 1) * sizeof(*ids));
	if (ids)
		in->eni_ids = ids;
	if (!*dup || !enis || !ids || mhash_reserve(&m->by_attach, 1) ||
	    model_reserve_delta(delta, 1)) {
		free(*dup);
		return model_fail_nomem(err);
	}
	return 0;
}

static void attach_commit(struct model *m, const struct model_attach_req *req, uint32_t ei,
			  uint32_t ii, size_t at, char *attach_id, struct delta *delta)
{
	struct instance *in = INST(m, ii);
	struct eni *e = ENI(m, ei);

	memmove(&in->enis[at + 1], &in->enis[at], (in->n_enis - at) * sizeof(*in->enis));
	memmove(&in->eni_ids[at + 1], &in->eni_ids[at], (in->n_enis - at) * sizeof(*in->eni_ids));
	in->enis[at] = ei;
	in->eni_ids[at] = e->id;
	in->n_enis++;
	e->inst = ii;
	e->dev = req->device_index;
	e->attach_id = attach_id;
	e->dot = req->delete_on_termination;
	mhash_put(&m->by_attach, attach_id, strlen(attach_id), ei);
	model_put_eni(m, delta, ei);
}

int model_attach_eni(struct model *m, const struct model_attach_req *req,
		     char out_attachment_id[MODEL_ID_MAX], struct delta *delta,
		     struct model_err *err)
{
	char aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t ei = NIL, ii = NIL;
	size_t at = 0;
	char *dup = NULL;

	if (attach_check_pair(m, req, &ei, &ii, err) < 0 ||
	    attach_find_slot(m, req, INST(m, ii), &at, err) < 0 ||
	    attach_check_limits(m, req, ENI(m, ei), INST(m, ii), err) < 0 ||
	    model_pick_id(&m->by_attach, req->attachment_id, "eni-attach-", &seq, aid, err) < 0 ||
	    attach_reserve(m, INST(m, ii), aid, &dup, delta, err) < 0)
		return -1;
	attach_commit(m, req, ei, ii, at, dup, delta);
	m->seq = seq;
	if (out_attachment_id)
		model_id_copy(out_attachment_id, aid);
	return 0;
}

int model_detach_eni(struct model *m, const char *attachment_id, bool force, struct delta *delta,
		     struct model_err *err)
{
	uint32_t ei = model_find(&m->by_attach, attachment_id);
	struct instance *in;
	struct eni *e;
	size_t k;

	(void)force; /* nothing is pending in enimap: a detach is immediate either way */
	if (ei == NIL)
		return model_fail(err, "InvalidAttachmentID.NotFound",
				  "The attachment ID '%s' does not exist",
				  attachment_id ? attachment_id : "");
	e = ENI(m, ei);
	if (e->dev == 0)
		return model_fail(err, "OperationNotPermitted",
				  "The network interface at device index 0 and networkCard index 0 "
				  "cannot be detached.");
	if (model_reserve_delta(delta, 1))
		return model_fail_nomem(err);
	in = INST(m, e->inst);
	for (k = 0; in->enis[k] != ei; k++)
		;
	memmove(&in->enis[k], &in->enis[k + 1], (in->n_enis - k - 1) * sizeof(*in->enis));
	memmove(&in->eni_ids[k], &in->eni_ids[k + 1], (in->n_enis - k - 1) * sizeof(*in->eni_ids));
	in->n_enis--;
	mhash_del(&m->by_attach, e->attach_id, strlen(e->attach_id));
	free(e->attach_id);
	e->attach_id = NULL;
	e->inst = NIL;
	e->dev = 0;
	model_put_eni(m, delta, ei);
	return 0;
}

int model_set_source_dest_check(struct model *m, const char *eni_id, bool on, struct delta *delta,
				struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id);

	if (ei == NIL)
		return model_fail_no_eni(err, eni_id);
	if (ENI(m, ei)->sdc == on)
		return 0;
	if (model_reserve_delta(delta, 1))
		return model_fail_nomem(err);
	ENI(m, ei)->sdc = on;
	model_put_eni(m, delta, ei);
	return 0;
}

int model_set_eni_description(struct model *m, const char *eni_id, const char *description,
			      struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id);
	char *d;

	if (ei == NIL)
		return model_fail_no_eni(err, eni_id);
	if (description && strlen(description) > DESC_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "The description is longer than %d characters", DESC_MAX);
	if (!(d = strdup(description ? description : "")))
		return model_fail_nomem(err);
	free(ENI(m, ei)->desc);
	ENI(m, ei)->desc = d;
	return 0;
}

int model_set_eni_groups(struct model *m, const char *eni_id, const char *const *groups,
			 size_t n_groups, struct delta *delta, struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id), sg[MODEL_GROUPS_MAX];
	struct eni *e;
	char **ids;
	size_t n;

	(void)delta; /* the groups are not in the forwarding tables' ENI entry */
	if (ei == NIL)
		return model_fail_no_eni(err, eni_id);
	if (n_groups == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter SecurityGroupId");
	if (model_sg_resolve(m, model_eni_vpc(m, ei), groups, n_groups, sg, &n, err) < 0)
		return -1;
	if (!(ids = group_ids(m, sg, n)) || model_sg_reserve_members(m, sg, n)) {
		model_free_strv(ids, ids ? n : 0);
		return model_fail_nomem(err);
	}
	model_sg_leave(m, ei);
	e = ENI(m, ei);
	model_free_strv(e->groups, e->ngroups);
	e->groups = ids;
	e->ngroups = n;
	memcpy(e->sg, sg, sizeof(e->sg));
	model_sg_join(m, ei);
	return 0;
}
