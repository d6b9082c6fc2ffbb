/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_eip.c - Elastic IPs: allocate, release, associate, disassociate
 * (R13-R16).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fail_no_alloc(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidAllocationID.NotFound",
			  "The allocation ID '%s' does not exist", id ? id : "");
}

/*
 * The EIP of an allocation id. The one allocated last is checked first: a
 * configuration associates each EIP right after allocating it, and its id is
 * then in cache while the by_alloc index (a million entries) is not.
 */
static uint32_t find_alloc(const struct model *m, const char *id)
{
	uint32_t i = m->last_alloc;

	if (i != NIL && objtab_live(&m->eips, i) && !strcmp(EIP(m, i)->alloc_id, id))
		return i;
	return model_find(&m->by_alloc, id);
}

static struct addrpool *pool_of(struct model *m, uint32_t host)
{
	for (size_t k = 0; k < m->npools; k++)
		if (addrpool_contains(&m->pools[k].pool, host))
			return &m->pools[k].pool;
	return NULL;
}

/*
 * R32: the kinds of IPv4 address that are never an EIP, whatever the pools
 * say: "this network" (0/8), loopback (127/8), multicast and the reserved
 * range above it (224/4 and up, 255.255.255.255 among them), and any VPC's own
 * block (a public address that is also private would be delivered both ways).
 * host is in host order; returns what the address is, or NULL.
 */
static const char *reserved_kind(const struct model *m, uint32_t host)
{
	if (host >> 24 == 0)
		return "in 0.0.0.0/8";
	if (host >> 24 == 127)
		return "a loopback address";
	if (host == UINT32_MAX)
		return "the broadcast address";
	if (host >> 28 >= 14)
		return "a multicast or reserved address (224.0.0.0/3)";
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		for (size_t k = 0; k < VPC(m, i)->n4; k++)
			if (model_v4_overlap(host, 32, VPC(m, i)->c4base[k], VPC(m, i)->c4depth[k]))
				return "inside a VPC's IPv4 range";
	return NULL;
}

/* An address asked for by AllocateAddress: a valid one, inside a public pool. */
static int check_given_address(struct model *m, const char *public_ip, uint32_t *pub,
			       struct model_err *err)
{
	const char *kind;

	if (model_parse_v4(public_ip, pub) < 0)
		return model_fail(err, "InvalidParameterValue", "Invalid value '%s' for PublicIp",
				  public_ip);
	if ((kind = reserved_kind(m, ntohl(*pub))))
		return model_fail(err, "InvalidParameterValue",
				  "Address %s is %s: it cannot be an Elastic IP", public_ip, kind);
	if (!pool_of(m, ntohl(*pub)))
		return model_fail(err, "InvalidAddress.NotFound",
				  "Address %s is not in any public pool of this region", public_ip);
	return 0;
}

void model_prefetch_eip(const struct model *m, const char *allocation_id, const char *public_ip,
			const char *private_ip)
{
	uint32_t a;

	if (allocation_id)
		mhash_prefetch(&m->by_alloc, allocation_id, strlen(allocation_id));
	if (public_ip && model_parse_v4(public_ip, &a) == 0)
		mhash_prefetch(&m->eippub, &a, 4);
	/*
	 * The private side's index keys carry the ENI's VPC (R31), which is not
	 * given here: guessed as the VPC of the EIP allocated last, when it is
	 * associated (a loader's EIPs mostly go to one VPC). A wrong guess only
	 * loads a line for nothing.
	 */
	uint32_t last = m->last_alloc;
	if (private_ip && last != NIL && objtab_live(&m->eips, last) && EIP(m, last)->assoc_id &&
	    model_parse_v4(private_ip, &a) == 0) {
		struct model_v4key k = model_v4key(model_eni_vpc(m, EIP(m, last)->eni), a);
		mhash_prefetch(&m->v4own, &k, sizeof(k));
		mhash_prefetch(&m->eippriv, &k, sizeof(k));
	}
}

int model_allocate_address(struct model *m, const char *allocation_id, const char *public_ip,
			   char out_allocation_id[MODEL_ID_MAX],
			   char out_public_ip[INET_ADDRSTRLEN], struct model_err *err)
{
	char aid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t pub = 0, other, pi;
	struct addrpool *pool = NULL;
	char *id;

	if (public_ip) {
		if (check_given_address(m, public_ip, &pub, err) < 0)
			return -1;
		if (mhash_get(&m->eippub, &pub, 4, &other) == 0)
			return model_fail(err, "InvalidIPAddress.InUse",
					  "Address %s is already allocated as %s", public_ip,
					  EIP(m, other)->alloc_id);
	} else {
		/* R16: the lowest free address of the pools (sorted by base) */
		for (size_t k = 0; k < m->npools && !pool; k++)
			if (m->pools[k].pool.nfree)
				pool = &m->pools[k].pool;
		if (!pool)
			return model_fail(err, "AddressLimitExceeded",
					  "The maximum number of addresses has been reached: the "
					  "public pools have no free address.");
	}
	if (model_pick_id(&m->by_alloc, allocation_id, "eipalloc-", &seq, aid, err) < 0)
		return -1;
	if (!(id = strdup(aid)) || objtab_reserve(&m->eips, 1) || mhash_reserve(&m->by_alloc, 1) ||
	    mhash_reserve(&m->eippub, 1)) {
		free(id);
		return model_fail_nomem(err);
	}
	if (pool) {
		uint32_t h;
		addrpool_take_lowest(pool, &h);
		pub = htonl(h);
	} else {
		addrpool_take(pool_of(m, ntohl(pub)), ntohl(pub)); /* checked above */
	}
	pi = objtab_alloc(&m->eips);
	EIP(m, pi)->alloc_id = id;
	EIP(m, pi)->pub = pub;
	EIP(m, pi)->eni = NIL;
	mhash_put(&m->by_alloc, id, strlen(id), pi);
	mhash_put(&m->eippub, &pub, 4, pi);
	m->seq = seq;
	m->last_alloc = pi;
	if (out_allocation_id)
		model_id_copy(out_allocation_id, aid);
	if (out_public_ip)
		model_fmt_v4(pub, out_public_ip);
	return 0;
}

int model_release_address(struct model *m, const char *allocation_id, struct model_err *err)
{
	uint32_t pi = model_find(&m->by_alloc, allocation_id);
	struct addrpool *pool;
	struct eip *p;

	if (pi == NIL)
		return fail_no_alloc(err, allocation_id);
	p = EIP(m, pi);
	if (p->assoc_id)
		return model_fail(err, "InvalidIPAddress.InUse",
				  "Address %s is associated (%s); disassociate it first",
				  allocation_id, p->assoc_id);
	if ((pool = pool_of(m, ntohl(p->pub))))
		addrpool_give(pool, ntohl(p->pub));
	mhash_del(&m->eippub, &p->pub, 4);
	mhash_del(&m->by_alloc, p->alloc_id, strlen(p->alloc_id));
	tags_forget(m, p->alloc_id);
	free(p->alloc_id);
	objtab_release(&m->eips, pi);
	return 0;
}

void model_eip_unlink(struct model *m, uint32_t i, struct delta *d, bool quiet_v4)
{
	struct eip *p = EIP(m, i);
	struct delta_entry x = {.kind = DELTA_EIP_DEL};
	uint32_t priv = p->priv, vpc = model_eni_vpc(m, p->eni);
	struct model_v4key k = model_v4key(vpc, priv);

	x.eip.eip = p->pub;
	mhash_del(&m->by_assoc, p->assoc_id, strlen(p->assoc_id));
	mhash_del(&m->eippriv, &k, sizeof(k));
	free(p->assoc_id);
	p->assoc_id = NULL;
	p->eni = NIL;
	p->priv = 0;
	m->nassoc--;
	model_dput(d, &x);
	if (!quiet_v4)
		model_put_v4(m, d, vpc, priv); /* the address now has no EIP */
}

int model_associate_address(struct model *m, const struct model_associate_req *req,
			    char out_association_id[MODEL_ID_MAX], struct delta *delta,
			    struct model_err *err)
{
	char sid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t pi, ei, priv, owner, other, vpc;
	struct model_v4key k;
	struct delta_entry x = {.kind = DELTA_EIP_SET};
	struct eip *p;
	struct eni *e;
	char *id;

	if (!req || !req->allocation_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter AllocationId");
	pi = find_alloc(m, req->allocation_id);
	if (pi == NIL)
		return fail_no_alloc(err, req->allocation_id);
	if (!!req->instance_id == !!req->eni_id)
		return model_fail(err, "InvalidParameterCombination",
				  "Exactly one of InstanceId and NetworkInterfaceId is required");
	if (req->instance_id) {
		uint32_t ii = model_find(&m->by_inst, req->instance_id);
		if (ii == NIL)
			return model_fail(err, "InvalidInstanceID.NotFound",
					  "The instance ID '%s' does not exist", req->instance_id);
		if (INST(m, ii)->state == MODEL_TERMINATED)
			return model_fail(err, "IncorrectInstanceState",
					  "The instance '%s' is terminated.", req->instance_id);
		if (INST(m, ii)->n_enis != 1)
			return model_fail(
			    err, "InvalidInstanceID",
			    INST(m, ii)->n_enis
				? "There are multiple interfaces attached to instance "
				  "'%s'. Please specify an interface ID for the "
				  "operation instead."
				: "The instance '%s' has no network interface.",
			    req->instance_id);
		ei = INST(m, ii)->enis[0];
	} else {
		ei = model_find(&m->by_eni, req->eni_id);
		if (ei == NIL)
			return model_fail(err, "InvalidNetworkInterfaceID.NotFound",
					  "The networkInterface ID '%s' does not exist",
					  req->eni_id);
	}
	e = ENI(m, ei);
	vpc = model_eni_vpc(m, ei);
	priv = e->primary;
	if (req->private_ip) {
		if (model_parse_v4(req->private_ip, &priv) < 0)
			return model_fail(err, "InvalidParameterValue",
					  "Invalid value '%s' for PrivateIpAddress",
					  req->private_ip);
		if (model_v4_owner(m, vpc, priv, &owner) < 0 || owner != ei)
			return model_fail(err, "InvalidParameterValue",
					  "The private IP address %s is not assigned to network "
					  "interface %s",
					  req->private_ip, e->id);
	}
	p = EIP(m, pi);
	if (p->assoc_id && p->eni == ei && p->priv == priv) {
		/* already there: nothing to do */
		if (out_association_id)
			model_id_copy(out_association_id, p->assoc_id);
		return 0;
	}
	if (p->assoc_id && !req->allow_reassociation)
		return model_fail(err, "Resource.AlreadyAssociated",
				  "resource %s is already associated with associate-id %s",
				  req->allocation_id, p->assoc_id);
	other = NIL;
	k = model_v4key(vpc, priv);
	mhash_get(&m->eippriv, &k, sizeof(k), &other);
	if (m->cap_eips && !p->assoc_id && other == NIL && m->nassoc + 1 > m->cap_eips)
		return model_fail(err, "InsufficientAddressCapacity",
				  "The EIP table is full (%zu of %zu associations)", m->nassoc,
				  m->cap_eips);
	if (model_pick_id(&m->by_assoc, req->association_id, "eipassoc-", &seq, sid, err) < 0)
		return -1;
	/* worst case: EIP_DEL + V4_SET for the old place, EIP_DEL for the other EIP, then SETs */
	if (!(id = strdup(sid)) || mhash_reserve(&m->by_assoc, 1) ||
	    mhash_reserve(&m->eippriv, 1) || model_reserve_delta(delta, 5)) {
		free(id);
		return model_fail_nomem(err);
	}
	if (p->assoc_id)
		model_eip_unlink(m, pi, delta, false);
	if (other != NIL && other != pi)
		model_eip_unlink(m, other, delta, true); /* R14: it stays allocated */
	p->assoc_id = id;
	p->eni = ei;
	p->priv = priv;
	m->nassoc++;
	mhash_put(&m->by_assoc, id, strlen(id), pi);
	mhash_put(&m->eippriv, &k, sizeof(k), pi);
	x.eip.eip = p->pub;
	x.eip.priv = priv;
	x.eip.vpc = vpc;
	x.eip.eni = ei;
	model_dput(delta, &x);
	model_put_v4(m, delta, vpc, priv);
	m->seq = seq;
	/* a loader associates EIP after EIP: the next generated id's slot, in cache by then */
	if (!req->association_id)
		model_prefetch_id(&m->by_assoc, "eipassoc-", seq);
	if (out_association_id)
		model_id_copy(out_association_id, sid);
	return 0;
}

int model_disassociate_address(struct model *m, const char *association_id, struct delta *delta,
			       struct model_err *err)
{
	uint32_t pi = model_find(&m->by_assoc, association_id);

	if (pi == NIL)
		return model_fail(err, "InvalidAssociationID.NotFound",
				  "The association ID '%s' does not exist",
				  association_id ? association_id : "");
	if (model_reserve_delta(delta, 2))
		return model_fail_nomem(err);
	model_eip_unlink(m, pi, delta, false);
	return 0;
}
