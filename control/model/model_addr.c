/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_addr.c - private IPv4 and IPv6 addresses of ENIs: checks, ownership
 * bookkeeping shared with model_eni.c, assign and unassign (R1-R12, R20).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int model_fail_no_eni(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidNetworkInterfaceID.NotFound",
			  "The networkInterface ID '%s' does not exist", id ? id : "");
}

/* Grow *p (of *cap elements) to hold need elements. 0 or -ENOMEM. */
static int model_grow_arr(void **p, size_t *cap, size_t need, size_t elsize)
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
int model_check_v4(const struct subnet *s, const char *text, uint32_t *net, struct model_err *err)
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
static uint64_t model_v6_iid(const struct in6_addr *a)
{
	uint64_t x = 0;

	for (int i = 8; i < 16; i++)
		x = (x << 8) | a->s6_addr[i];
	return x;
}

static void model_v6_make(const struct subnet *s, uint64_t iid, struct in6_addr *a)
{
	memcpy(a->s6_addr, s->c6, 8);
	for (int i = 15; i >= 8; i--, iid >>= 8)
		a->s6_addr[i] = (uint8_t)iid;
}

/* R3: the subnet has an IPv6 CIDR and the address lies inside (and is not reserved). */
int model_check_v6(const struct subnet *s, const char *text, struct in6_addr *a,
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
	iid = model_v6_iid(a);
	if (iid < 4 || iid == UINT64_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Address %s is in subnet's reserved address range", text);
	return 0;
}

/*
 * Pick n free IPv6 addresses of the subnet, lowest interface id first from
 * the cursor (every id below it is taken), without changing anything.
 */
void model_pick_v6(const struct model *m, const struct subnet *s, size_t n, struct in6_addr *out)
{
	uint64_t iid = s->v6cursor;
	uint32_t owner;

	for (size_t k = 0; k < n; iid++) {
		model_v6_make(s, iid, &out[k]);
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

int model_mark_dups(const void *keys, size_t keysize, size_t n, uint8_t *dup)
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

void model_v4_link(struct model *m, uint32_t ei, uint32_t net)
{
	struct eni *e = ENI(m, ei);
	struct model_v4key k = model_v4key(model_eni_vpc(m, ei), net);

	mhash_put(&m->v4own, &k, sizeof(k), ei);
	addrpool_take(&SUBNET(m, e->subnet)->pool, ntohl(net));
	m->nv4++;
}

void model_v4_unlink(struct model *m, uint32_t ei, uint32_t net)
{
	struct eni *e = ENI(m, ei);
	struct model_v4key k = model_v4key(model_eni_vpc(m, ei), net);

	mhash_del(&m->v4own, &k, sizeof(k));
	addrpool_give(&SUBNET(m, e->subnet)->pool, ntohl(net));
	m->nv4--;
}

void model_v6_link(struct model *m, uint32_t ei, const struct in6_addr *a)
{
	struct eni *e = ENI(m, ei);
	struct subnet *s = SUBNET(m, e->subnet);

	mhash_put(&m->v6own, a->s6_addr, 16, ei);
	e->v6[e->n6++] = *a;
	/* keep the cursor on a free id: each id is stepped over once per time it is taken */
	if (model_v6_iid(a) == s->v6cursor) {
		struct in6_addr c;
		uint32_t owner;
		do
			model_v6_make(s, ++s->v6cursor, &c);
		while (mhash_get(&m->v6own, c.s6_addr, 16, &owner) == 0);
	}
	m->nv6++;
}

void model_v6_unlink(struct model *m, uint32_t ei, const struct in6_addr *a)
{
	struct subnet *s = SUBNET(m, ENI(m, ei)->subnet);

	mhash_del(&m->v6own, a->s6_addr, 16);
	if (model_v6_iid(a) < s->v6cursor)
		s->v6cursor = model_v6_iid(a);
	m->nv6--;
}

void model_put_v6(struct delta *d, const struct in6_addr *a, uint32_t ei, bool del)
{
	struct delta_entry x = {.kind = del ? DELTA_V6_DEL : DELTA_V6_SET};

	memcpy(x.v6.addr, a->s6_addr, 16);
	x.v6.eni = ei;
	model_dput(d, &x);
}

void model_put_v4_del(struct delta *d, uint32_t vpc, uint32_t net)
{
	struct delta_entry x = {.kind = DELTA_V4_DEL};

	x.v4.addr = net;
	x.v4.vpc = vpc;
	model_dput(d, &x);
}

/* EIP on a private address, or NIL. */
uint32_t model_eip_on(const struct model *m, uint32_t vpc, uint32_t net)
{
	struct model_v4key k = model_v4key(vpc, net);
	uint32_t p;

	return mhash_get(&m->eippriv, &k, sizeof(k), &p) == 0 ? p : NIL;
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
	return l ? model_grow_arr((void **)&l->addr, &l->cap, l->n + more, sizeof(*l->addr)) : 0;
}

static void list_add(struct model_addr_list *l, int af, const void *a)
{
	if (!l)
		return;
	inet_ntop(af, a, l->addr[l->n++], INET6_ADDRSTRLEN);
}

/*
 * What every assign request checks first: the ENI exists, and R7 (a list or
 * a count, exactly one of them). *ei is the ENI's slot on success.
 */
static int assign_request_check(struct model *m, const struct model_assign_req *req,
				const char *what, uint32_t *ei, struct model_err *err)
{
	if (!req || !req->eni_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter NetworkInterfaceId");
	*ei = model_find(&m->by_eni, req->eni_id);
	if (*ei == NIL)
		return model_fail_no_eni(err, req->eni_id);
	if (req->n_addrs && req->count)
		return model_fail(err, "InvalidParameterCombination",
				  "%s addresses and a count cannot both be given", what);
	if (!req->n_addrs && !req->count)
		return model_fail(err, "MissingParameter",
				  "Either %s addresses or a count is required", what);
	return 0;
}

/* ---- IPv4 ---- */

/*
 * AssignPrivateIpAddresses, in steps: check each address, count the new and
 * the moved ones, check limits, reserve every slot, then mutate. Nothing
 * changes before the commit step, which cannot fail.
 */
struct assign4_plan {
	const struct model_assign_req *req;
	uint32_t ei;
	struct eni *e;
	struct subnet *s;
	uint32_t *addr; /* the listed addresses, network order */
	uint32_t *from; /* per address: the ENI it moves from, NIL if it is free */
	uint8_t *dup;	/* per address: listed before, or the ENI has it already (R10) */
	size_t n_new, n_moved;
};

static void assign4_plan_free(struct assign4_plan *p)
{
	free(p->addr);
	free(p->from);
	free(p->dup);
}

/* One listed address: in the subnet, and free or movable to this ENI (R4, R5). */
static int assign4_check_addr(const struct model *m, struct assign4_plan *p, size_t k,
			      struct model_err *err)
{
	const struct model_assign_req *req = p->req;
	uint32_t owner;

	if (model_check_v4(p->s, req->addrs[k], &p->addr[k], err) < 0)
		return -1;
	p->from[k] = NIL;
	if (model_v4_owner(m, p->s->vpc, p->addr[k], &owner) < 0 || owner == p->ei)
		return 0;
	if (ENI(m, owner)->primary == p->addr[k])
		/* R5: a primary never moves */
		return model_fail(err, "InvalidParameterValue",
				  "Address %s is the primary private IP of %s and cannot be "
				  "reassigned",
				  req->addrs[k], ENI(m, owner)->id);
	if (!req->allow_reassignment)
		return model_fail(err, "InvalidIPAddress.InUse",
				  "Address %s is in use by %s; AllowReassignment is false",
				  req->addrs[k], ENI(m, owner)->id);
	p->from[k] = owner;
	return 0;
}

static int assign4_check_addrs(const struct model *m, struct assign4_plan *p, struct model_err *err)
{
	size_t n = p->req->n_addrs;

	p->addr = calloc(n + 1, sizeof(*p->addr));
	p->from = calloc(n + 1, sizeof(*p->from));
	p->dup = calloc(n + 1, 1);
	if (!p->addr || !p->from || !p->dup)
		return model_fail_nomem(err);
	for (size_t k = 0; k < n; k++)
		if (assign4_check_addr(m, p, k, err) < 0)
			return -1;
	return 0;
}

/* How many addresses are new and how many move; marks those that do neither. */
static int assign4_count(const struct model *m, struct assign4_plan *p, struct model_err *err)
{
	size_t n = p->req->n_addrs;
	uint32_t owner;

	if (model_mark_dups(p->addr, 4, n, p->dup) < 0)
		return model_fail_nomem(err);
	for (size_t k = 0; k < n; k++) {
		if (p->dup[k] ||
		    (model_v4_owner(m, p->s->vpc, p->addr[k], &owner) == 0 && owner == p->ei)) {
			p->dup[k] = 1; /* R10: the ENI has it already */
			continue;
		}
		if (p->from[k] == NIL)
			p->n_new++;
		else
			p->n_moved++;
	}
	if (p->req->count)
		p->n_new = p->req->count;
	return 0;
}

static int assign4_check_limits(const struct model *m, const struct assign4_plan *p,
				struct model_err *err)
{
	size_t limit = model_eni_max4(m, p->e), total = 1 + p->e->nsec + p->n_new + p->n_moved;

	if (total > limit)
		return model_fail(err, "PrivateIpAddressLimitExceeded",
				  "Number of private addresses will exceed limit: %s would have "
				  "%zu, the limit is %zu.",
				  p->req->eni_id, total, limit);
	if (p->req->count && p->s->pool.nfree < p->n_new)
		return model_fail(err, "InsufficientFreeAddressesInSubnet",
				  "Subnet %s has %llu free addresses; %zu are needed", p->s->id,
				  (unsigned long long)p->s->pool.nfree, p->n_new);
	if (m->cap_v4 && m->nv4 + p->n_new > m->cap_v4)
		return model_fail(err, "InsufficientAddressCapacity",
				  "The IPv4 table is full (%zu of %zu addresses)", m->nv4,
				  m->cap_v4);
	return 0;
}

/*
 * Every allocation the commit needs. Growing e->sec changes its capacity,
 * not the ENI's addresses, so it may happen before the commit.
 */
static int assign4_reserve(struct model *m, struct assign4_plan *p,
			   struct model_addr_list *assigned, struct delta *delta,
			   struct model_err *err)
{
	struct eni *e = p->e;

	if (model_grow_arr((void **)&e->sec, &e->capsec, e->nsec + p->n_new + p->n_moved,
			   sizeof(*e->sec)) ||
	    mhash_reserve(&m->v4own, p->n_new) || list_reserve(assigned, p->n_new + p->n_moved) ||
	    model_reserve_delta(delta, p->n_new + 2 * p->n_moved))
		return model_fail_nomem(err);
	return 0;
}

/* R4: the secondary address moves from its owner, and its EIP association with it. */
static void assign4_move(struct model *m, uint32_t from, uint32_t ei, uint32_t a,
			 struct delta *delta)
{
	struct eni *o = ENI(m, from), *e = ENI(m, ei);
	uint32_t p, vpc = model_eni_vpc(m, ei); /* R4: from is in the same subnet */
	struct model_v4key k = model_v4key(vpc, a);
	size_t j;

	for (j = 0; o->sec[j] != a; j++)
		;
	memmove(&o->sec[j], &o->sec[j + 1], (o->nsec - j - 1) * sizeof(*o->sec));
	o->nsec--;
	mhash_put(&m->v4own, &k, sizeof(k), ei);
	e->sec[e->nsec++] = a;
	model_put_v4(m, delta, vpc, a);
	if ((p = model_eip_on(m, vpc, a)) != NIL) {
		struct delta_entry x = {.kind = DELTA_EIP_SET};
		EIP(m, p)->eni = ei;
		x.eip.eip = EIP(m, p)->pub;
		x.eip.priv = a;
		x.eip.vpc = vpc;
		x.eip.eni = ei;
		model_dput(delta, &x);
	}
}

static void assign4_link(struct model *m, uint32_t ei, uint32_t a, struct delta *delta)
{
	struct eni *e = ENI(m, ei);

	model_v4_link(m, ei, a);
	e->sec[e->nsec++] = a;
	model_put_v4(m, delta, model_eni_vpc(m, ei), a);
}

/* The mutation: the listed addresses in order, then the counted ones. */
static void assign4_commit(struct model *m, const struct assign4_plan *p,
			   struct model_addr_list *assigned, struct delta *delta)
{
	for (size_t k = 0; k < p->req->n_addrs; k++) {
		if (p->dup[k])
			continue;
		if (p->from[k] != NIL)
			assign4_move(m, p->from[k], p->ei, p->addr[k], delta);
		else
			assign4_link(m, p->ei, p->addr[k], delta);
		list_add(assigned, AF_INET, &p->addr[k]);
	}
	for (unsigned k = 0; k < p->req->count; k++) {
		uint32_t h, a;
		addrpool_take_lowest(&p->s->pool, &h);
		a = htonl(h);
		addrpool_give(&p->s->pool, h); /* model_v4_link takes it */
		assign4_link(m, p->ei, a, delta);
		list_add(assigned, AF_INET, &a);
	}
}

int model_assign_private_ips(struct model *m, const struct model_assign_req *req,
			     struct model_addr_list *assigned, struct delta *delta,
			     struct model_err *err)
{
	struct assign4_plan p = {.req = req};
	int rc = -1;

	if (assign_request_check(m, req, "private IP", &p.ei, err) < 0)
		return -1;
	p.e = ENI(m, p.ei);
	p.s = SUBNET(m, p.e->subnet);
	if (assign4_check_addrs(m, &p, err) == 0 && assign4_count(m, &p, err) == 0 &&
	    assign4_check_limits(m, &p, err) == 0 &&
	    assign4_reserve(m, &p, assigned, delta, err) == 0) {
		assign4_commit(m, &p, assigned, delta);
		rc = 0;
	}
	assign4_plan_free(&p);
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
		return model_fail_no_eni(err, eni_id);
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
		if (model_v4_owner(m, model_eni_vpc(m, ei), a, &owner) < 0 || owner != ei) {
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
		uint32_t vpc = model_eni_vpc(m, ei), p = model_eip_on(m, vpc, addr[k]);
		if (p != NIL)
			model_eip_unlink(m, p, delta, true); /* R12: the EIP stays allocated */
		model_v4_unlink(m, ei, addr[k]);
		model_put_v4_del(delta, vpc, addr[k]);
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

/* AssignIpv6Addresses, in the same steps as the IPv4 one; nothing moves (R6). */
struct assign6_plan {
	const struct model_assign_req *req;
	uint32_t ei;
	struct eni *e;
	struct subnet *s;
	size_t n;	    /* listed or counted addresses */
	struct in6_addr *a; /* them */
	uint8_t *dup;	    /* per address: listed before, or the ENI has it already (R10) */
	size_t n_new;
};

/* The listed addresses: in the subnet, not another ENI's; p->n_new of them are new. */
static int assign6_check_listed(const struct model *m, struct assign6_plan *p,
				struct model_err *err)
{
	const struct model_assign_req *req = p->req;
	uint32_t owner;

	for (size_t k = 0; k < p->n; k++) {
		if (model_check_v6(p->s, req->addrs[k], &p->a[k], err) < 0)
			return -1;
		if (mhash_get(&m->v6own, p->a[k].s6_addr, 16, &owner) == 0 && owner != p->ei)
			/* R6: never taken from another ENI */
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is assigned to %s; unassign it first",
					  req->addrs[k], ENI(m, owner)->id);
	}
	if (model_mark_dups(p->a, 16, p->n, p->dup) < 0)
		return model_fail_nomem(err);
	for (size_t k = 0; k < p->n; k++) {
		if (!p->dup[k] && mhash_get(&m->v6own, p->a[k].s6_addr, 16, &owner) == 0)
			p->dup[k] = 1; /* R10 */
		p->n_new += !p->dup[k];
	}
	return 0;
}

/* The addresses, listed or picked, into p->a. */
static int assign6_plan_addrs(const struct model *m, struct assign6_plan *p, struct model_err *err)
{
	p->n = p->req->n_addrs ? p->req->n_addrs : p->req->count;
	p->a = calloc(p->n, sizeof(*p->a));
	p->dup = calloc(p->n, 1);
	if (!p->a || !p->dup)
		return model_fail_nomem(err);
	if (p->req->n_addrs)
		return assign6_check_listed(m, p, err);
	model_pick_v6(m, p->s, p->n, p->a);
	p->n_new = p->n;
	return 0;
}

static int assign6_check_limits(const struct model *m, const struct assign6_plan *p, size_t limit,
				struct model_err *err)
{
	if (p->e->n6 + p->n_new > limit)
		return model_fail(err, "InvalidParameterValue",
				  "Number of IPv6 addresses will exceed limit: %s would have %zu, "
				  "the limit is %zu.",
				  p->req->eni_id, p->e->n6 + p->n_new, limit);
	if (m->cap_v6 && m->nv6 + p->n_new > m->cap_v6)
		return model_fail(err, "InsufficientAddressCapacity",
				  "The IPv6 table is full (%zu of %zu addresses)", m->nv6,
				  m->cap_v6);
	return 0;
}

/* Every allocation the commit needs (growing e->v6 changes only its capacity). */
static int assign6_reserve(struct model *m, struct assign6_plan *p,
			   struct model_addr_list *assigned, struct delta *delta,
			   struct model_err *err)
{
	if (model_grow_arr((void **)&p->e->v6, &p->e->cap6, p->e->n6 + p->n_new,
			   sizeof(*p->e->v6)) ||
	    mhash_reserve(&m->v6own, p->n_new) || list_reserve(assigned, p->n_new) ||
	    model_reserve_delta(delta, p->n_new))
		return model_fail_nomem(err);
	return 0;
}

static void assign6_commit(struct model *m, const struct assign6_plan *p,
			   struct model_addr_list *assigned, struct delta *delta)
{
	for (size_t k = 0; k < p->n; k++) {
		if (p->dup[k])
			continue;
		model_v6_link(m, p->ei, &p->a[k]);
		model_put_v6(delta, &p->a[k], p->ei, false);
		list_add(assigned, AF_INET6, &p->a[k]);
	}
}

int model_assign_ipv6(struct model *m, const struct model_assign_req *req,
		      struct model_addr_list *assigned, struct delta *delta, struct model_err *err)
{
	struct assign6_plan p = {.req = req};
	size_t limit;
	int rc = -1;

	if (assign_request_check(m, req, "IPv6", &p.ei, err) < 0)
		return -1;
	p.e = ENI(m, p.ei);
	p.s = SUBNET(m, p.e->subnet);
	if (!p.s->has6)
		return model_fail(err, "InvalidParameterValue",
				  "Subnet %s of %s has no IPv6 CIDR block", p.s->id, req->eni_id);
	limit = model_eni_max6(m, p.e);
	if (req->count > limit)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Number of IPv6 addresses will exceed limit: %s would have %zu, the "
		    "limit is %zu.",
		    req->eni_id, p.e->n6 + req->count, limit);
	if (assign6_plan_addrs(m, &p, err) == 0 && assign6_check_limits(m, &p, limit, err) == 0 &&
	    assign6_reserve(m, &p, assigned, delta, err) == 0) {
		assign6_commit(m, &p, assigned, delta);
		rc = 0;
	}
	free(p.a);
	free(p.dup);
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
		return model_fail_no_eni(err, eni_id);
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
		model_v6_unlink(m, ei, &a[k]);
		model_put_v6(delta, &a[k], ei, true);
	}
	w = 0;
	for (size_t k = 0; k < e->n6; k++)
		if (!bsearch(&e->v6[k], a, n, sizeof(*a), cmp_v6))
			e->v6[w++] = e->v6[k];
	e->n6 = w;
	free(a);
	return 0;
}
