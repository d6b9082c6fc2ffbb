/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_eni.c - ENIs (create, delete, attach, detach, attributes) and their
 * private IPv4 and IPv6 addresses (R1-R12, R17-R20, R23).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DESC_MAX 255
#define DEVICE_INDEX_MAX 127

static int fail_no_eni(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidNetworkInterfaceID.NotFound",
			  "The networkInterface ID '%s' does not exist", id ? id : "");
}

static int grow_arr(void **p, size_t *cap, size_t need, size_t elsize)
{
	size_t c = *cap ? *cap : 2;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c * elsize)))
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- address checks ---- */

/* Parse an IPv4 for a subnet: R1 (inside) and R2 (not reserved). */
static int check_v4(const struct subnet *s, const char *text, uint32_t *net, struct model_err *err)
{
	uint32_t h;

	if (model_parse_v4(text, net) < 0)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%s' for IP address: not an IPv4 address",
				  text ? text : "");
	h = ntohl(*net);
	if (!addrpool_contains(&s->pool, h))
		return model_fail(err, "InvalidParameterValue",
				  "Address %s does not fall within the subnet's address range",
				  text);
	if (h - s->base4 < 4 || h - s->base4 == s->pool.size - 1)
		return model_fail(err, "InvalidParameterValue",
				  "Address %s is in subnet's reserved address range", text);
	return 0;
}

/* Interface id (low 64 bits) of an IPv6 address. */
static uint64_t v6_iid(const struct in6_addr *a)
{
	uint64_t x = 0;

	for (int i = 8; i < 16; i++)
		x = (x << 8) | a->s6_addr[i];
	return x;
}

static void v6_make(const struct subnet *s, uint64_t iid, struct in6_addr *a)
{
	memcpy(a->s6_addr, s->c6, 8);
	for (int i = 15; i >= 8; i--, iid >>= 8)
		a->s6_addr[i] = (uint8_t)iid;
}

/* R3: the subnet has an IPv6 CIDR and the address lies inside (and is not reserved). */
static int check_v6(const struct subnet *s, const char *text, struct in6_addr *a,
		    struct model_err *err)
{
	uint64_t iid;

	if (!s->has6)
		return model_fail(err, "InvalidParameterValue",
				  "Subnet %s has no IPv6 CIDR block, so IPv6 address %s cannot be "
				  "assigned",
				  s->id, text ? text : "");
	if (model_parse_v6(text, a) < 0)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%s' for IPv6 address", text ? text : "");
	if (memcmp(a->s6_addr, s->c6, 8))
		return model_fail(err, "InvalidParameterValue",
				  "Address %s does not fall within the subnet's IPv6 range %s",
				  text, s->cidr6text);
	iid = v6_iid(a);
	if (iid < 4 || iid == UINT64_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Address %s is in subnet's reserved address range", text);
	return 0;
}

/*
 * Pick n free IPv6 addresses of the subnet, lowest interface id first from
 * the cursor (every id below it is taken), without changing anything.
 */
static void pick_v6(const struct model *m, const struct subnet *s, size_t n, struct in6_addr *out)
{
	uint64_t iid = s->v6cursor;
	uint32_t owner;

	for (size_t k = 0; k < n; iid++) {
		v6_make(s, iid, &out[k]);
		if (mhash_get(&m->v6own, out[k].s6_addr, 16, &owner) < 0)
			k++;
	}
}

/* Mark duplicates in a list (dup[k] = 1 if an earlier entry has the same key). */
struct keyed {
	uint8_t key[16];
	size_t pos;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int mark_dups(const void *keys, size_t keysize, size_t n, uint8_t *dup)
{
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(k[i].key, (const uint8_t *)keys + i * keysize, keysize);
		k[i].pos = i;
	}
	qsort(k, n, sizeof(*k), keyed_cmp);
	memset(dup, 0, n);
	for (size_t i = 1; i < n; i++)
		if (!memcmp(k[i].key, k[i - 1].key, 16))
			dup[k[i].pos] = 1;
	free(k);
	return 0;
}

/* ---- ENI helpers ---- */

static void v4_link(struct model *m, uint32_t ei, uint32_t net)
{
	struct eni *e = ENI(m, ei);

	mhash_put(&m->v4own, &net, 4, ei);
	addrpool_take(&SUBNET(m, e->subnet)->pool, ntohl(net));
	m->nv4++;
}

static void v4_unlink(struct model *m, uint32_t ei, uint32_t net)
{
	struct eni *e = ENI(m, ei);

	mhash_del(&m->v4own, &net, 4);
	addrpool_give(&SUBNET(m, e->subnet)->pool, ntohl(net));
	m->nv4--;
}

static void v6_link(struct model *m, uint32_t ei, const struct in6_addr *a)
{
	struct eni *e = ENI(m, ei);
	struct subnet *s = SUBNET(m, e->subnet);

	mhash_put(&m->v6own, a->s6_addr, 16, ei);
	e->v6[e->n6++] = *a;
	/* keep the cursor on a free id: each id is stepped over once per time it is taken */
	if (v6_iid(a) == s->v6cursor) {
		struct in6_addr c;
		uint32_t owner;
		do
			v6_make(s, ++s->v6cursor, &c);
		while (mhash_get(&m->v6own, c.s6_addr, 16, &owner) == 0);
	}
	m->nv6++;
}

static void v6_unlink(struct model *m, uint32_t ei, const struct in6_addr *a)
{
	struct subnet *s = SUBNET(m, ENI(m, ei)->subnet);

	mhash_del(&m->v6own, a->s6_addr, 16);
	if (v6_iid(a) < s->v6cursor)
		s->v6cursor = v6_iid(a);
	m->nv6--;
}

static void put_v6(struct delta *d, const struct in6_addr *a, uint32_t ei, bool del)
{
	struct delta_entry x = {.kind = del ? DELTA_V6_DEL : DELTA_V6_SET};

	memcpy(x.v6.addr, a->s6_addr, 16);
	x.v6.eni = ei;
	model_dput(d, &x);
}

static void put_v4_del(struct delta *d, uint32_t net)
{
	struct delta_entry x = {.kind = DELTA_V4_DEL};

	x.v4.addr = net;
	model_dput(d, &x);
}

/* EIP on a private address, or NIL. */
static uint32_t eip_on(const struct model *m, uint32_t net)
{
	uint32_t p;

	return mhash_get(&m->eippriv, &net, 4, &p) == 0 ? p : NIL;
}

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

	for (size_t k = 0; k <= e->nsec; k++) {
		uint32_t a = k == 0 ? e->primary : e->sec[k - 1], p = eip_on(m, a);

		if (p != NIL)
			model_eip_unlink(m, p, d, true);
		v4_unlink(m, ei, a);
		put_v4_del(d, a);
	}
	for (size_t k = 0; k < e->n6; k++) {
		v6_unlink(m, ei, &e->v6[k]);
		put_v6(d, &e->v6[k], ei, true);
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
	free(e->id);
	free(e->desc);
	free(e->sec);
	free(e->v6);
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

int model_create_eni(struct model *m, const struct model_eni_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err)
{
	char eid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct subnet *s;
	uint32_t si, prim = 0, owner, ei;
	uint32_t *sec = NULL;
	struct in6_addr *v6 = NULL;
	uint8_t *dup4 = NULL, *dup6 = NULL, mac[6];
	size_t n4list = req ? req->n_secondary_ips : 0, n6list = req ? req->n_ipv6 : 0;
	size_t nsec = 0, n6 = 0, n_new4;
	char *id = NULL, *desc = NULL;
	int rc = -1;

	if (!req || !req->subnet_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter SubnetId");
	si = model_find(&m->by_subnet, req->subnet_id);
	if (si == NIL)
		return model_fail(err, "InvalidSubnetID.NotFound",
				  "The subnet ID '%s' does not exist", req->subnet_id);
	s = SUBNET(m, si);
	if (n4list && req->secondary_count)
		return model_fail(
		    err, "InvalidParameterCombination",
		    "SecondaryPrivateIpAddressCount and PrivateIpAddresses cannot both "
		    "be given");
	if (n6list && req->ipv6_count)
		return model_fail(err, "InvalidParameterCombination",
				  "Ipv6AddressCount and Ipv6Addresses cannot both be given");
	if (req->description && strlen(req->description) > DESC_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "The description is longer than %d characters", DESC_MAX);
	if (req->vlan > 4094)
		return model_fail(err, "InvalidParameterValue", "Invalid VLAN id %u (0 to 4094)",
				  req->vlan);
	if (req->primary_ip) {
		if (check_v4(s, req->primary_ip, &prim, err) < 0)
			return -1;
		if (mhash_get(&m->v4own, &prim, 4, &owner) == 0)
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is already in use by %s", req->primary_ip,
					  ENI(m, owner)->id);
	}
	if (req->mac) {
		if (parse_mac(req->mac, mac) < 0 || (mac[0] & 1))
			return model_fail(err, "InvalidParameterValue",
					  "Invalid MAC address '%s': a unicast xx:xx:xx:xx:xx:xx",
					  req->mac);
		if (mhash_get(&m->mac, mac, 6, &owner) == 0)
			return model_fail(err, "InvalidParameterValue",
					  "MAC address %s is already used by %s", req->mac,
					  ENI(m, owner)->id);
	}
	/* counts beyond any limit are refused before anything is sized by them */
	if (req->secondary_count >= model_max4_any(m))
		return model_fail(err, "PrivateIpAddressLimitExceeded",
				  "Number of private addresses (%u) will exceed limit (%u).",
				  req->secondary_count + 1, model_max4_any(m));
	if (req->ipv6_count > model_max6_any(m))
		return model_fail(err, "InvalidParameterValue",
				  "Number of IPv6 addresses (%u) will exceed limit (%u).",
				  req->ipv6_count, model_max6_any(m));
	if (model_pick_id(&m->by_eni, req->id, "eni-", &seq, eid, err) < 0)
		return -1;
	sec = calloc(n4list + req->secondary_count + 1, sizeof(*sec));
	v6 = calloc(n6list + req->ipv6_count + 1, sizeof(*v6));
	dup4 = calloc(n4list + 1, 1);
	dup6 = calloc(n6list + 1, 1);
	if (!sec || !v6 || !dup4 || !dup6) {
		model_fail_nomem(err);
		goto out;
	}
	/* explicit secondaries: R1, R2, free; duplicates and the primary count once */
	for (size_t k = 0; k < n4list; k++) {
		if (check_v4(s, req->secondary_ips[k], &sec[k], err) < 0)
			goto out;
		if (mhash_get(&m->v4own, &sec[k], 4, &owner) == 0) {
			model_fail(err, "InvalidIPAddress.InUse",
				   "Address %s is already in use by %s", req->secondary_ips[k],
				   ENI(m, owner)->id);
			goto out;
		}
	}
	if (mark_dups(sec, 4, n4list, dup4) < 0) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < n4list; k++)
		if (!dup4[k] && !(req->primary_ip && sec[k] == prim))
			sec[nsec++] = sec[k];
	n_new4 = 1 + nsec + req->secondary_count;
	if (n_new4 > model_max4_any(m)) {
		model_fail(err, "PrivateIpAddressLimitExceeded",
			   "Number of private addresses (%zu) will exceed limit (%u).", n_new4,
			   model_max4_any(m));
		goto out;
	}
	/* every new address, given or picked, comes out of the subnet's free ones */
	if (s->pool.nfree < n_new4) {
		model_fail(err, "InsufficientFreeAddressesInSubnet",
			   "Subnet %s has %llu free addresses; %zu are needed", s->id,
			   (unsigned long long)s->pool.nfree, n_new4);
		goto out;
	}
	if (m->cap_v4 && m->nv4 + n_new4 > m->cap_v4) {
		model_fail(err, "InsufficientAddressCapacity",
			   "The IPv4 table is full (%zu of %zu addresses)", m->nv4, m->cap_v4);
		goto out;
	}
	/* IPv6: R3, R6, R9 */
	if (n6list || req->ipv6_count) {
		if (!s->has6) {
			model_fail(err, "InvalidParameterValue", "Subnet %s has no IPv6 CIDR block",
				   s->id);
			goto out;
		}
		for (size_t k = 0; k < n6list; k++) {
			if (check_v6(s, req->ipv6[k], &v6[k], err) < 0)
				goto out;
			if (mhash_get(&m->v6own, v6[k].s6_addr, 16, &owner) == 0) {
				model_fail(err, "InvalidIPAddress.InUse",
					   "Address %s is already in use by %s", req->ipv6[k],
					   ENI(m, owner)->id);
				goto out;
			}
		}
		if (mark_dups(v6, 16, n6list, dup6) < 0) {
			model_fail_nomem(err);
			goto out;
		}
		for (size_t k = 0; k < n6list; k++)
			if (!dup6[k])
				v6[n6++] = v6[k];
		if (req->ipv6_count) {
			pick_v6(m, s, req->ipv6_count, v6);
			n6 = req->ipv6_count;
		}
		if (n6 > model_max6_any(m)) {
			model_fail(err, "InvalidParameterValue",
				   "Number of IPv6 addresses (%zu) will exceed limit (%u).", n6,
				   model_max6_any(m));
			goto out;
		}
		if (m->cap_v6 && m->nv6 + n6 > m->cap_v6) {
			model_fail(err, "InsufficientAddressCapacity",
				   "The IPv6 table is full (%zu of %zu addresses)", m->nv6,
				   m->cap_v6);
			goto out;
		}
	}
	if (!req->mac) {
		/* locally administered unicast, from the id counter */
		do {
			uint64_t x = (seq++ * 0x9e3779b97f4a7c15ULL) ^ 0x5eed;
			mac[0] = 0x02;
			for (int i = 1; i < 6; i++)
				mac[i] = (uint8_t)(x >> (8 * i));
		} while (mhash_get(&m->mac, mac, 6, &owner) == 0);
	}
	/* reserve everything, then mutate */
	id = strdup(eid);
	desc = strdup(req->description ? req->description : "");
	if (!id || !desc || objtab_reserve(&m->enis, 1) || mhash_reserve(&m->by_eni, 1) ||
	    mhash_reserve(&m->mac, 1) || mhash_reserve(&m->v4own, n_new4) ||
	    mhash_reserve(&m->v6own, n6) || model_reserve_delta(delta, 1 + n_new4 + n6)) {
		model_fail_nomem(err);
		goto out;
	}
	ei = objtab_alloc(&m->enis);
	{
		struct eni *e = ENI(m, ei);
		e->id = id;
		e->desc = desc;
		id = desc = NULL;
		e->subnet = si;
		memcpy(e->mac, mac, 6);
		e->vlan = req->vlan;
		e->sdc = req->source_dest_check;
		e->dot = req->delete_on_termination;
		e->inst = NIL;
		e->sec = sec;
		e->capsec = n4list + req->secondary_count + 1;
		e->v6 = v6;
		e->cap6 = n6list + req->ipv6_count + 1;
		sec = NULL;
		v6 = NULL;
		mhash_put(&m->by_eni, e->id, strlen(e->id), ei);
		mhash_put(&m->mac, e->mac, 6, ei);
		model_put_eni(m, delta, ei);
		/* explicit secondaries first, so an automatic primary avoids them */
		for (size_t k = 0; k < nsec; k++)
			v4_link(m, ei, e->sec[k]);
		if (!req->primary_ip) {
			uint32_t h;
			addrpool_take_lowest(&s->pool, &h);
			prim = htonl(h);
		}
		e->primary = prim;
		v4_link(m, ei, prim);
		model_put_v4(m, delta, prim);
		for (size_t k = 0; k < nsec; k++)
			model_put_v4(m, delta, e->sec[k]);
		for (unsigned k = 0; k < req->secondary_count; k++) {
			uint32_t h;
			addrpool_take_lowest(&s->pool, &h);
			e->sec[nsec] = htonl(h);
			v4_link(m, ei, e->sec[nsec]);
			model_put_v4(m, delta, e->sec[nsec++]);
		}
		e->nsec = nsec;
		/* v6_link appends to e->v6, which already holds the list: rebuild in place */
		for (size_t k = 0; k < n6; k++) {
			struct in6_addr a = e->v6[k];
			e->n6 = k;
			v6_link(m, ei, &a);
			put_v6(delta, &a, ei, false);
		}
	}
	m->seq = seq;
	if (out_id)
		snprintf(out_id, MODEL_ID_MAX, "%s", eid);
	rc = 0;
out:
	free(sec);
	free(v6);
	free(dup4);
	free(dup6);
	free(id);
	free(desc);
	return rc;
}

int model_delete_eni(struct model *m, const char *eni_id, struct delta *delta,
		     struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id);

	if (ei == NIL)
		return fail_no_eni(err, eni_id);
	if (ENI(m, ei)->inst != NIL)
		return model_fail(err, "InvalidParameterValue",
				  "Network interface '%s' is currently in use.", eni_id);
	if (model_reserve_delta(delta, model_eni_destroy_cost(m, ei)))
		return model_fail_nomem(err);
	model_eni_destroy(m, ei, delta);
	return 0;
}

/* ---- attach / detach ---- */

int model_attach_eni(struct model *m, const struct model_attach_req *req,
		     char out_attachment_id[MODEL_ID_MAX], struct delta *delta,
		     struct model_err *err)
{
	char aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t ei, ii;
	struct instance *in;
	struct eni *e;
	const struct itype *ty;
	uint32_t *enis;
	const char **ids;
	char *dup;
	size_t at;

	if (!req || !req->eni_id || !req->instance_id)
		return model_fail(err, "MissingParameter",
				  "NetworkInterfaceId and InstanceId are required");
	ei = model_find(&m->by_eni, req->eni_id);
	if (ei == NIL)
		return fail_no_eni(err, req->eni_id);
	ii = model_find(&m->by_inst, req->instance_id);
	if (ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist", req->instance_id);
	e = ENI(m, ei);
	in = INST(m, ii);
	ty = TYPE(m, in->type);
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
	if (req->device_index < 0 || req->device_index > DEVICE_INDEX_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%d' for deviceIndex (0 to %d)", req->device_index,
				  DEVICE_INDEX_MAX);
	for (at = 0; at < in->n_enis; at++) {
		int dev = ENI(m, in->enis[at])->dev;
		if (dev == req->device_index)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Instance '%s' already has an interface attached at device "
			    "index '%d'.",
			    req->instance_id, req->device_index);
		if (dev > req->device_index)
			break;
	}
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
	if (model_pick_id(&m->by_attach, req->attachment_id, "eni-attach-", &seq, aid, err) < 0)
		return -1;
	dup = strdup(aid);
	enis = realloc(in->enis, (in->n_enis + 1) * sizeof(*enis));
	if (enis)
		in->enis = enis;
	ids = realloc(in->eni_ids, (in->n_enis + 1) * sizeof(*ids));
	if (ids)
		in->eni_ids = ids;
	if (!dup || !enis || !ids || mhash_reserve(&m->by_attach, 1) ||
	    model_reserve_delta(delta, 1)) {
		free(dup);
		return model_fail_nomem(err);
	}
	memmove(&in->enis[at + 1], &in->enis[at], (in->n_enis - at) * sizeof(*enis));
	memmove(&in->eni_ids[at + 1], &in->eni_ids[at], (in->n_enis - at) * sizeof(*ids));
	in->enis[at] = ei;
	in->eni_ids[at] = e->id;
	in->n_enis++;
	e->inst = ii;
	e->dev = req->device_index;
	e->attach_id = dup;
	e->dot = req->delete_on_termination;
	mhash_put(&m->by_attach, dup, strlen(dup), ei);
	m->seq = seq;
	model_put_eni(m, delta, ei);
	if (out_attachment_id)
		snprintf(out_attachment_id, MODEL_ID_MAX, "%s", aid);
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
		return fail_no_eni(err, eni_id);
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
		return fail_no_eni(err, eni_id);
	if (description && strlen(description) > DESC_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "The description is longer than %d characters", DESC_MAX);
	if (!(d = strdup(description ? description : "")))
		return model_fail_nomem(err);
	free(ENI(m, ei)->desc);
	ENI(m, ei)->desc = d;
	return 0;
}

/* ---- address lists ---- */

void model_addr_list_free(struct model_addr_list *l)
{
	free(l->addr);
	l->addr = NULL;
	l->n = l->cap = 0;
}

static int list_reserve(struct model_addr_list *l, size_t more)
{
	return l ? grow_arr((void **)&l->addr, &l->cap, l->n + more, sizeof(*l->addr)) : 0;
}

static void list_add(struct model_addr_list *l, int af, const void *a)
{
	if (!l)
		return;
	inet_ntop(af, a, l->addr[l->n++], INET6_ADDRSTRLEN);
}

static int check_r7(const struct model_assign_req *req, const char *what, struct model_err *err)
{
	if (req->n_addrs && req->count)
		return model_fail(err, "InvalidParameterCombination",
				  "%s addresses and a count cannot both be given", what);
	if (!req->n_addrs && !req->count)
		return model_fail(err, "MissingParameter",
				  "Either %s addresses or a count is required", what);
	return 0;
}

/* ---- IPv4 ---- */

int model_assign_private_ips(struct model *m, const struct model_assign_req *req,
			     struct model_addr_list *assigned, struct delta *delta,
			     struct model_err *err)
{
	uint32_t ei, owner, *addr = NULL, *from = NULL;
	uint8_t *dup = NULL;
	size_t n_new = 0, n_moved = 0, n, limit;
	struct subnet *s;
	struct eni *e;
	int rc = -1;

	if (!req || !req->eni_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter NetworkInterfaceId");
	ei = model_find(&m->by_eni, req->eni_id);
	if (ei == NIL)
		return fail_no_eni(err, req->eni_id);
	if (check_r7(req, "private IP", err) < 0)
		return -1;
	e = ENI(m, ei);
	s = SUBNET(m, e->subnet);
	limit = model_eni_max4(m, e);
	n = req->n_addrs;
	addr = calloc(n + 1, sizeof(*addr));
	from = calloc(n + 1, sizeof(*from));
	dup = calloc(n + 1, 1);
	if (!addr || !from || !dup) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		if (check_v4(s, req->addrs[k], &addr[k], err) < 0)
			goto out;
		from[k] = NIL;
		if (mhash_get(&m->v4own, &addr[k], 4, &owner) < 0 || owner == ei)
			continue;
		if (ENI(m, owner)->primary == addr[k]) {
			/* R5: a primary never moves */
			model_fail(err, "InvalidParameterValue",
				   "Address %s is the primary private IP of %s and cannot be "
				   "reassigned",
				   req->addrs[k], ENI(m, owner)->id);
			goto out;
		}
		if (!req->allow_reassignment) {
			model_fail(err, "InvalidIPAddress.InUse",
				   "Address %s is in use by %s; AllowReassignment is false",
				   req->addrs[k], ENI(m, owner)->id);
			goto out;
		}
		from[k] = owner;
	}
	if (mark_dups(addr, 4, n, dup) < 0) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		if (dup[k] || (mhash_get(&m->v4own, &addr[k], 4, &owner) == 0 && owner == ei)) {
			dup[k] = 1; /* R10: the ENI has it already */
			continue;
		}
		if (from[k] == NIL)
			n_new++;
		else
			n_moved++;
	}
	if (req->count)
		n_new = req->count;
	if (1 + e->nsec + n_new + n_moved > limit) {
		model_fail(err, "PrivateIpAddressLimitExceeded",
			   "Number of private addresses will exceed limit: %s would have %zu, "
			   "the limit is %zu.",
			   req->eni_id, 1 + e->nsec + n_new + n_moved, limit);
		goto out;
	}
	if (req->count && s->pool.nfree < n_new) {
		model_fail(err, "InsufficientFreeAddressesInSubnet",
			   "Subnet %s has %llu free addresses; %zu are needed", s->id,
			   (unsigned long long)s->pool.nfree, n_new);
		goto out;
	}
	if (m->cap_v4 && m->nv4 + n_new > m->cap_v4) {
		model_fail(err, "InsufficientAddressCapacity",
			   "The IPv4 table is full (%zu of %zu addresses)", m->nv4, m->cap_v4);
		goto out;
	}
	if (grow_arr((void **)&e->sec, &e->capsec, e->nsec + n_new + n_moved, sizeof(*e->sec)) ||
	    mhash_reserve(&m->v4own, n_new) || list_reserve(assigned, n_new + n_moved) ||
	    model_reserve_delta(delta, n_new + 2 * n_moved)) {
		model_fail_nomem(err);
		goto out;
	}
	/* mutate */
	for (size_t k = 0; k < n; k++) {
		if (dup[k])
			continue;
		if (from[k] != NIL) {
			/* R4: the address moves, and its EIP association with it */
			struct eni *o = ENI(m, from[k]);
			size_t j;
			uint32_t p;
			for (j = 0; o->sec[j] != addr[k]; j++)
				;
			memmove(&o->sec[j], &o->sec[j + 1], (o->nsec - j - 1) * sizeof(*o->sec));
			o->nsec--;
			mhash_put(&m->v4own, &addr[k], 4, ei);
			e->sec[e->nsec++] = addr[k];
			model_put_v4(m, delta, addr[k]);
			if ((p = eip_on(m, addr[k])) != NIL) {
				struct delta_entry x = {.kind = DELTA_EIP_SET};
				EIP(m, p)->eni = ei;
				x.eip.eip = EIP(m, p)->pub;
				x.eip.priv = addr[k];
				x.eip.eni = ei;
				model_dput(delta, &x);
			}
		} else {
			v4_link(m, ei, addr[k]);
			e->sec[e->nsec++] = addr[k];
			model_put_v4(m, delta, addr[k]);
		}
		list_add(assigned, AF_INET, &addr[k]);
	}
	for (unsigned k = 0; k < req->count; k++) {
		uint32_t h, a;
		addrpool_take_lowest(&s->pool, &h);
		a = htonl(h);
		addrpool_give(&s->pool, h); /* v4_link takes it */
		v4_link(m, ei, a);
		e->sec[e->nsec++] = a;
		model_put_v4(m, delta, a);
		list_add(assigned, AF_INET, &a);
	}
	rc = 0;
out:
	free(addr);
	free(from);
	free(dup);
	return rc;
}

/* Positions in sec[] of addresses to drop: compact once, O(nsec + n log n). */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int model_unassign_private_ips(struct model *m, const char *eni_id, const char *const *addrs,
			       size_t n_addrs, struct delta *delta, struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id), owner, *addr;
	struct eni *e;
	size_t n = 0, w = 0;

	if (ei == NIL)
		return fail_no_eni(err, eni_id);
	if (!n_addrs)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter PrivateIpAddress");
	e = ENI(m, ei);
	if (!(addr = calloc(n_addrs, sizeof(*addr))))
		return model_fail_nomem(err);
	for (size_t k = 0; k < n_addrs; k++) {
		uint32_t a;
		if (model_parse_v4(addrs[k], &a) < 0) {
			free(addr);
			return model_fail(err, "InvalidParameterValue",
					  "Invalid value '%s' for IP address: not an IPv4 address",
					  addrs[k] ? addrs[k] : "");
		}
		if (a == e->primary) {
			free(addr);
			return model_fail(
			    err, "InvalidParameterValue",
			    "Address %s is the primary private IP of %s and cannot be "
			    "unassigned",
			    addrs[k], eni_id);
		}
		if (mhash_get(&m->v4own, &a, 4, &owner) < 0 || owner != ei) {
			free(addr);
			return model_fail(err, "InvalidParameterValue",
					  "Some of the specified addresses are not assigned to "
					  "interface %s: %s",
					  eni_id, addrs[k]);
		}
		addr[n++] = a;
	}
	qsort(addr, n, sizeof(*addr), cmp_u32);
	for (size_t k = 0; k < n; k++)
		if (k == 0 || addr[k] != addr[k - 1])
			addr[w++] = addr[k];
	n = w;
	/* each: EIP_DEL and V4_DEL at most */
	if (model_reserve_delta(delta, 2 * n)) {
		free(addr);
		return model_fail_nomem(err);
	}
	for (size_t k = 0; k < n; k++) {
		uint32_t p = eip_on(m, addr[k]);
		if (p != NIL)
			model_eip_unlink(m, p, delta, true); /* R12: the EIP stays allocated */
		v4_unlink(m, ei, addr[k]);
		put_v4_del(delta, addr[k]);
	}
	w = 0;
	for (size_t k = 0; k < e->nsec; k++)
		if (!bsearch(&e->sec[k], addr, n, sizeof(*addr), cmp_u32))
			e->sec[w++] = e->sec[k];
	e->nsec = w;
	free(addr);
	return 0;
}

/* ---- IPv6 ---- */

int model_assign_ipv6(struct model *m, const struct model_assign_req *req,
		      struct model_addr_list *assigned, struct delta *delta, struct model_err *err)
{
	uint32_t ei, owner;
	struct in6_addr *a = NULL;
	uint8_t *dup = NULL;
	size_t n, n_new = 0, limit;
	struct subnet *s;
	struct eni *e;
	int rc = -1;

	if (!req || !req->eni_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter NetworkInterfaceId");
	ei = model_find(&m->by_eni, req->eni_id);
	if (ei == NIL)
		return fail_no_eni(err, req->eni_id);
	if (check_r7(req, "IPv6", err) < 0)
		return -1;
	e = ENI(m, ei);
	s = SUBNET(m, e->subnet);
	if (!s->has6)
		return model_fail(err, "InvalidParameterValue",
				  "Subnet %s of %s has no IPv6 CIDR block", s->id, req->eni_id);
	limit = model_eni_max6(m, e);
	if (req->count > limit)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Number of IPv6 addresses will exceed limit: %s would have %zu, the "
		    "limit is %zu.",
		    req->eni_id, e->n6 + req->count, limit);
	n = req->n_addrs ? req->n_addrs : req->count;
	a = calloc(n, sizeof(*a));
	dup = calloc(n, 1);
	if (!a || !dup) {
		model_fail_nomem(err);
		goto out;
	}
	if (req->n_addrs) {
		for (size_t k = 0; k < n; k++) {
			if (check_v6(s, req->addrs[k], &a[k], err) < 0)
				goto out;
			if (mhash_get(&m->v6own, a[k].s6_addr, 16, &owner) == 0 && owner != ei) {
				/* R6: never taken from another ENI */
				model_fail(err, "InvalidIPAddress.InUse",
					   "Address %s is assigned to %s; unassign it first",
					   req->addrs[k], ENI(m, owner)->id);
				goto out;
			}
		}
		if (mark_dups(a, 16, n, dup) < 0) {
			model_fail_nomem(err);
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			if (!dup[k] && mhash_get(&m->v6own, a[k].s6_addr, 16, &owner) == 0)
				dup[k] = 1; /* R10 */
			n_new += !dup[k];
		}
	} else {
		pick_v6(m, s, n, a);
		n_new = n;
	}
	if (e->n6 + n_new > limit) {
		model_fail(err, "InvalidParameterValue",
			   "Number of IPv6 addresses will exceed limit: %s would have %zu, the "
			   "limit is %zu.",
			   req->eni_id, e->n6 + n_new, limit);
		goto out;
	}
	if (m->cap_v6 && m->nv6 + n_new > m->cap_v6) {
		model_fail(err, "InsufficientAddressCapacity",
			   "The IPv6 table is full (%zu of %zu addresses)", m->nv6, m->cap_v6);
		goto out;
	}
	if (grow_arr((void **)&e->v6, &e->cap6, e->n6 + n_new, sizeof(*e->v6)) ||
	    mhash_reserve(&m->v6own, n_new) || list_reserve(assigned, n_new) ||
	    model_reserve_delta(delta, n_new)) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		if (dup[k])
			continue;
		v6_link(m, ei, &a[k]);
		put_v6(delta, &a[k], ei, false);
		list_add(assigned, AF_INET6, &a[k]);
	}
	rc = 0;
out:
	free(a);
	free(dup);
	return rc;
}

static int cmp_v6(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

int model_unassign_ipv6(struct model *m, const char *eni_id, const char *const *addrs,
			size_t n_addrs, struct delta *delta, struct model_err *err)
{
	uint32_t ei = model_find(&m->by_eni, eni_id), owner;
	struct in6_addr *a;
	struct eni *e;
	size_t n = 0, w = 0;

	if (ei == NIL)
		return fail_no_eni(err, eni_id);
	if (!n_addrs)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter Ipv6Addresses");
	e = ENI(m, ei);
	if (!(a = calloc(n_addrs, sizeof(*a))))
		return model_fail_nomem(err);
	for (size_t k = 0; k < n_addrs; k++) {
		if (model_parse_v6(addrs[k], &a[n]) < 0) {
			free(a);
			return model_fail(err, "InvalidParameterValue",
					  "Invalid value '%s' for IPv6 address",
					  addrs[k] ? addrs[k] : "");
		}
		if (mhash_get(&m->v6own, a[n].s6_addr, 16, &owner) < 0 || owner != ei) {
			free(a);
			return model_fail(err, "InvalidParameterValue",
					  "Some of the specified addresses are not assigned to "
					  "interface %s: %s",
					  eni_id, addrs[k]);
		}
		n++;
	}
	qsort(a, n, sizeof(*a), cmp_v6);
	for (size_t k = 0; k < n; k++)
		if (k == 0 || memcmp(&a[k], &a[k - 1], 16))
			a[w++] = a[k];
	n = w;
	if (model_reserve_delta(delta, n)) {
		free(a);
		return model_fail_nomem(err);
	}
	for (size_t k = 0; k < n; k++) {
		v6_unlink(m, ei, &a[k]);
		put_v6(delta, &a[k], ei, true);
	}
	w = 0;
	for (size_t k = 0; k < e->n6; k++)
		if (!bsearch(&e->v6[k], a, n, sizeof(*a), cmp_v6))
			e->v6[w++] = e->v6[k];
	e->n6 = w;
	free(a);
	return 0;
}
