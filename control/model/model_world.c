/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_world.c - building and tearing down the world (SPEC R28): IPv6 pools
 * for AmazonProvidedIpv6CidrBlock, deleting VPCs, subnets and route tables
 * (refused while something depends on them), and route table associations.
 *
 * Associations live in one index (by_rtassoc): a subnet's explicit one maps
 * to the subnet, a VPC's main one to the VPC (MODEL_ASSOC_MAIN). A subnet
 * without an explicit association uses its VPC's main table and follows it
 * when the main association moves.
 *
 * Cost: these are configuration-level operations. Deleting a VPC scans the
 * subnets and route tables; re-publishing a subnet's ENIs (its table
 * changed) and deleting a subnet scan the ENIs once.
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int model_eq_rtassoc(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const struct model *m = ctx;
	const char *id = (v & MODEL_ASSOC_MAIN) ? VPC(m, v & ~MODEL_ASSOC_MAIN)->main_assoc
						: SUBNET(m, v)->assoc;

	return strlen(id) == len && memcmp(id, key, len) == 0;
}

/* ---- IPv6 pools ---- */

int model_add_ipv6_pool(struct model *m, const char *cidr, struct model_err *err)
{
	struct v6pool p = {0}, *np;
	uint8_t depth = 0;

	if (!cidr || model_parse_cidr6(cidr, p.base, &depth) < 0 || depth > 56)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid IPv6 pool '%s': an IPv6 CIDR of /56 or shorter",
				  cidr ? cidr : "");
	p.depth = depth;
	for (size_t k = 0; k < m->nv6pools; k++) {
		const struct v6pool *o = &m->v6pools[k];
		unsigned d = o->depth < depth ? o->depth : depth;
		if (model_v6_prefix_eq(p.base, o->base, d))
			return model_fail(err, "InvalidParameterValue",
					  "IPv6 pool '%s' overlaps pool '%s'", cidr, o->text);
	}
	p.text = model_fmt_cidr6(p.base, depth);
	np = realloc(m->v6pools, (m->nv6pools + 1) * sizeof(*np));
	if (np)
		m->v6pools = np;
	if (!p.text || !np) {
		free(p.text);
		return model_fail_nomem(err);
	}
	m->v6pools[m->nv6pools++] = p;
	return 0;
}

static bool v6_block_used(const struct model *m, const uint8_t *c6)
{
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		for (size_t k = 0; k < VPC(m, i)->n6; k++)
			if (model_v6_prefix_eq(c6, VPC(m, i)->c6[k], 56))
				return true;
	return false;
}

/* Candidate number n (from 0) of pool p into c: the pool's base with n in bits depth..55. */
static void v6_candidate(const struct v6pool *p, uint64_t n, uint8_t c[16])
{
	memcpy(c, p->base, 16);
	for (unsigned bit = 55; n && bit >= p->depth; bit--, n >>= 1)
		if (n & 1)
			c[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

int model_pick_ipv6_block(const struct model *m, char out[INET6_ADDRSTRLEN], struct model_err *err)
{
	size_t used = 0;

	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		used += VPC(m, i)->n6;
	for (size_t k = 0; k < m->nv6pools; k++) {
		const struct v6pool *p = &m->v6pools[k];
		unsigned bits = 56u - p->depth; /* a pool is a /56 or wider: 0 to 56 */
		uint64_t blocks = (uint64_t)1 << bits;
		/* at most `used` candidates are taken: the first used + 1 hold a free one */
		for (uint64_t n = 0; n < blocks && n <= used; n++) {
			uint8_t c[16];
			char *text;
			v6_candidate(p, n, c);
			if (v6_block_used(m, c))
				continue;
			if (!(text = model_fmt_cidr6(c, 56)))
				return model_fail_nomem(err);
			snprintf(out, INET6_ADDRSTRLEN, "%s", text);
			free(text);
			return 0;
		}
	}
	return model_fail(err, "InsufficientCidrBlocks",
			  m->nv6pools ? "The IPv6 pools have no free /56 left"
				      : "No IPv6 pool is configured (ipv6_pools)");
}

/* ---- deleting VPCs, subnets, route tables ---- */

/* Every route of table ti as ROUTE_DEL (room reserved), and its ENI references dropped. */
static void rt_put_dels(struct model *m, struct delta *d, uint32_t ti)
{
	struct rtable *t = RT(m, ti);

	for (size_t r = 0; r < t->n; r++) {
		model_put_route(m, d, ti, r, true);
		if (t->r[r].kind == ROUTE_ENI && t->r[r].eni != NIL)
			ENI(m, t->r[r].eni)->routes_to--;
	}
}

static int fail_no_vpc(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
			  id ? id : "");
}

int model_delete_vpc(struct model *m, const char *vpc_id, struct delta *delta,
		     struct model_err *err)
{
	uint32_t vi = model_find(&m->by_vpc, vpc_id), ti, gi;
	struct vpc *v;

	if (vi == NIL)
		return fail_no_vpc(err, vpc_id);
	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i])
		if (SUBNET(m, i)->vpc == vi)
			return model_fail(err, "DependencyViolation",
					  "The vpc '%s' has dependencies and cannot be deleted "
					  "(subnet %s).",
					  vpc_id, SUBNET(m, i)->id);
	for (uint32_t i = m->rts.head; i != NIL; i = m->rts.next[i])
		if (RT(m, i)->vpc == vi && !RT(m, i)->main)
			return model_fail(err, "DependencyViolation",
					  "The vpc '%s' has dependencies and cannot be deleted "
					  "(route table %s).",
					  vpc_id, RT(m, i)->id);
	if ((gi = model_sg_other_in_vpc(m, vi)) != NIL)
		return model_fail(err, "DependencyViolation",
				  "The vpc '%s' has dependencies and cannot be deleted "
				  "(security group %s).",
				  vpc_id, SG(m, gi)->id);
	v = VPC(m, vi);
	ti = v->main_rt;
	if (model_reserve_delta(delta, RT(m, ti)->n))
		return model_fail_nomem(err);
	model_sg_destroy(m, v->default_sg);
	rt_put_dels(m, delta, ti);
	tags_forget(m, RT(m, ti)->id);
	tags_forget(m, v->id);
	mhash_del(&m->by_rt, RT(m, ti)->id, strlen(RT(m, ti)->id));
	model_rt_destroy(m, ti);
	mhash_del(&m->by_rtassoc, v->main_assoc, strlen(v->main_assoc));
	mhash_del(&m->by_vpc, v->id, strlen(v->id));
	model_vpc_release(v);
	objtab_release(&m->vpcs, vi);
	return 0;
}

int model_delete_subnet(struct model *m, const char *subnet_id, struct delta *delta,
			struct model_err *err)
{
	uint32_t si = model_find(&m->by_subnet, subnet_id);
	struct delta_entry x = {.kind = DELTA_SUBNET_DEL};
	struct subnet *s;

	if (si == NIL)
		return model_fail(err, "InvalidSubnetID.NotFound",
				  "The subnet ID '%s' does not exist", subnet_id ? subnet_id : "");
	for (uint32_t i = m->enis.head; i != NIL; i = m->enis.next[i])
		if (ENI(m, i)->subnet == si)
			return model_fail(err, "DependencyViolation",
					  "The subnet '%s' has dependencies and cannot be deleted "
					  "(network interface %s).",
					  subnet_id, ENI(m, i)->id);
	if (model_reserve_delta(delta, 1))
		return model_fail_nomem(err);
	s = SUBNET(m, si);
	x.subnet.slot = si;
	model_dput(delta, &x);
	if (s->assoc)
		mhash_del(&m->by_rtassoc, s->assoc, strlen(s->assoc));
	tags_forget(m, s->id);
	mhash_del(&m->by_subnet, s->id, strlen(s->id));
	free(s->id);
	free(s->assoc);
	free(s->az);
	free(s->cidr4text);
	free(s->cidr6text);
	addrpool_fini(&s->pool);
	memset(s, 0, sizeof(*s));
	objtab_release(&m->subnets, si);
	return 0;
}

static int fail_no_rt(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidRouteTableID.NotFound",
			  "The routeTable ID '%s' does not exist", id ? id : "");
}

int model_delete_route_table(struct model *m, const char *route_table_id, struct delta *delta,
			     struct model_err *err)
{
	uint32_t ti = model_find(&m->by_rt, route_table_id);

	if (ti == NIL)
		return fail_no_rt(err, route_table_id);
	if (RT(m, ti)->main)
		return model_fail(err, "DependencyViolation",
				  "The routeTable '%s' is the main route table of %s and cannot "
				  "be deleted.",
				  route_table_id, VPC(m, RT(m, ti)->vpc)->id);
	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i])
		if (SUBNET(m, i)->rt == ti)
			return model_fail(err, "DependencyViolation",
					  "The routeTable '%s' has dependencies and cannot be "
					  "deleted (associated with %s).",
					  route_table_id, SUBNET(m, i)->id);
	if (model_reserve_delta(delta, RT(m, ti)->n))
		return model_fail_nomem(err);
	rt_put_dels(m, delta, ti);
	tags_forget(m, RT(m, ti)->id);
	mhash_del(&m->by_rt, RT(m, ti)->id, strlen(RT(m, ti)->id));
	model_rt_destroy(m, ti);
	return 0;
}

/* ---- associations ---- */

/* ENIs of subnet si (counted, or their ENI_SET put when d is given: room reserved). */
static size_t subnet_enis(const struct model *m, uint32_t si, struct delta *d)
{
	size_t n = 0;

	for (uint32_t i = m->enis.head; i != NIL; i = m->enis.next[i])
		if (ENI(m, i)->subnet == si) {
			n++;
			if (d)
				model_put_eni(m, d, i);
		}
	return n;
}

/* Subnet si now uses table ti: SUBNET_SET, then its ENIs (their route table slot). */
static void subnet_move(struct model *m, uint32_t si, uint32_t ti, struct delta *d)
{
	SUBNET(m, si)->rt = ti;
	model_put_subnet(m, d, si);
	subnet_enis(m, si, d);
}

int model_associate_route_table(struct model *m, const char *route_table_id, const char *subnet_id,
				const char *association_id, char out_association_id[MODEL_ID_MAX],
				struct delta *delta, struct model_err *err)
{
	uint32_t ti = model_find(&m->by_rt, route_table_id);
	uint32_t si = model_find(&m->by_subnet, subnet_id);
	char aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct subnet *s;
	char *dup;

	if (ti == NIL)
		return fail_no_rt(err, route_table_id);
	if (si == NIL)
		return model_fail(err, "InvalidSubnetID.NotFound",
				  "The subnet ID '%s' does not exist", subnet_id ? subnet_id : "");
	s = SUBNET(m, si);
	if (s->vpc != RT(m, ti)->vpc)
		return model_fail(err, "InvalidParameterValue",
				  "Route table %s and subnet %s belong to different networks",
				  route_table_id, subnet_id);
	if (s->assoc)
		return model_fail(err, "Resource.AlreadyAssociated",
				  "The specified association for route table %s conflicts with an "
				  "existing association (%s)",
				  route_table_id, s->assoc);
	if (model_pick_id(&m->by_rtassoc, association_id, "rtbassoc-", &seq, aid, err) < 0)
		return -1;
	if (!(dup = strdup(aid)) || mhash_reserve(&m->by_rtassoc, 1) ||
	    model_reserve_delta(delta, 1 + subnet_enis(m, si, NULL))) {
		free(dup);
		return model_fail_nomem(err);
	}
	s->assoc = dup;
	mhash_put(&m->by_rtassoc, dup, strlen(dup), si);
	m->seq = seq;
	subnet_move(m, si, ti, delta);
	if (out_association_id)
		model_id_copy(out_association_id, aid);
	return 0;
}

static int fail_no_assoc(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidAssociationID.NotFound",
			  "The association ID '%s' does not exist", id ? id : "");
}

int model_disassociate_route_table(struct model *m, const char *association_id, struct delta *delta,
				   struct model_err *err)
{
	uint32_t v = model_find(&m->by_rtassoc, association_id);
	struct subnet *s;

	if (v == NIL)
		return fail_no_assoc(err, association_id);
	if (v & MODEL_ASSOC_MAIN)
		return model_fail(err, "InvalidParameterValue",
				  "The association %s is the main route table association of %s: "
				  "it cannot be disassociated, only replaced",
				  association_id, VPC(m, v & ~MODEL_ASSOC_MAIN)->id);
	s = SUBNET(m, v);
	if (model_reserve_delta(delta, 1 + subnet_enis(m, v, NULL)))
		return model_fail_nomem(err);
	mhash_del(&m->by_rtassoc, s->assoc, strlen(s->assoc));
	free(s->assoc);
	s->assoc = NULL;
	subnet_move(m, v, VPC(m, s->vpc)->main_rt, delta);
	return 0;
}

/* Delta room for making ti the main table of VPC vi: its implicit subnets and their ENIs. */
static size_t main_move_cost(const struct model *m, uint32_t vi)
{
	size_t n = 0;

	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i])
		if (SUBNET(m, i)->vpc == vi && !SUBNET(m, i)->assoc)
			n += 1 + subnet_enis(m, i, NULL);
	return n;
}

int model_replace_route_table_association(struct model *m, const char *association_id,
					  const char *route_table_id,
					  const char *new_association_id,
					  char out_association_id[MODEL_ID_MAX],
					  struct delta *delta, struct model_err *err)
{
	uint32_t v = model_find(&m->by_rtassoc, association_id);
	uint32_t ti = model_find(&m->by_rt, route_table_id), vi;
	bool main = v != NIL && (v & MODEL_ASSOC_MAIN);
	char aid[MODEL_ID_MAX], **slot;
	uint64_t seq = m->seq;
	char *dup;

	if (v == NIL)
		return fail_no_assoc(err, association_id);
	if (ti == NIL)
		return fail_no_rt(err, route_table_id);
	vi = main ? v & ~MODEL_ASSOC_MAIN : SUBNET(m, v)->vpc;
	if (RT(m, ti)->vpc != vi)
		return model_fail(err, "InvalidParameterValue",
				  "Route table %s is not in %s, the VPC of association %s",
				  route_table_id, VPC(m, vi)->id, association_id);
	if (model_pick_id(&m->by_rtassoc, new_association_id, "rtbassoc-", &seq, aid, err) < 0)
		return -1;
	if (!(dup = strdup(aid)) || mhash_reserve(&m->by_rtassoc, 1) ||
	    model_reserve_delta(delta,
				main ? main_move_cost(m, vi) : 1 + subnet_enis(m, v, NULL))) {
		free(dup);
		return model_fail_nomem(err);
	}
	slot = main ? &VPC(m, vi)->main_assoc : &SUBNET(m, v)->assoc;
	mhash_del(&m->by_rtassoc, *slot, strlen(*slot));
	free(*slot);
	*slot = dup;
	mhash_put(&m->by_rtassoc, dup, strlen(dup), v);
	m->seq = seq;
	if (main) {
		RT(m, VPC(m, vi)->main_rt)->main = false;
		RT(m, ti)->main = true;
		VPC(m, vi)->main_rt = ti;
		for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i])
			if (SUBNET(m, i)->vpc == vi && !SUBNET(m, i)->assoc)
				subnet_move(m, i, ti, delta);
	} else {
		subnet_move(m, v, ti, delta);
	}
	if (out_association_id)
		model_id_copy(out_association_id, aid);
	return 0;
}

int model_set_vpc_dns(struct model *m, const char *vpc_id, bool dns_support, bool on,
		      struct model_err *err)
{
	uint32_t vi = model_find(&m->by_vpc, vpc_id);
	struct vpc *v;

	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  vpc_id ? vpc_id : "");
	v = VPC(m, vi);
	if (dns_support ? !on && v->dns_hostnames : on && !v->dns_support)
		return model_fail(err, "InvalidParameterValue",
				  "enableDnsHostnames can be true only while enableDnsSupport is "
				  "true (vpc %s).",
				  vpc_id);
	if (dns_support)
		v->dns_support = on;
	else
		v->dns_hostnames = on;
	return 0;
}
