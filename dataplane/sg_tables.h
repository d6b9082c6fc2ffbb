/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_tables.h - the security groups as the workers read them (D12): one
 * immutable object per compilation (engine/sg_compile.h builds it), published
 * with the tables' generation (fwd.h: fwd_side.sg).
 *
 * Two stages, so that an address change never recompiles anything:
 *   1. rules whose peer is a CIDR: the sg_acl classifier (sg_acl.h), one
 *      classify call per burst, the policy id a field;
 *   2. rules whose peer is a group ("from members of sg-x"): not expanded
 *      into the members' addresses (a default group's self rule would be
 *      one rule per address of its members, again in every policy that
 *      includes it, and every address assigned would mean a new
 *      compilation). Instead a rule keeps the group it names, and the
 *      pipeline, which already knows the ENI at the other end of an
 *      east-west packet (the sender by its MAC, the receiver by the owner
 *      lookup of the destination), asks whether that ENI is a member:
 *      sg_peer_allows() scans the policy's group rules (at most 5 x 60)
 *      against the peer ENI's groups (at most 5). Only new flows that the
 *      classifier refused get here.
 * A peer that is not an ENI of the VPC (the internet, or an address reached
 * through its EIP) is SG_NO_PEER: group rules match the private addresses of
 * the members only, as in EC2.
 *
 * Membership changes (an ENI's groups replaced, an ENI created or deleted)
 * change slots[] and therefore need a new compilation; addresses do not.
 */
#ifndef ENIMAP_SG_TABLES_H
#define ENIMAP_SG_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "sg_acl.h"

#define SG_NO_POLICY 0u	      /* never built: denies everything (a slot without an ENI) */
#define SG_NO_PEER UINT32_MAX /* the other end is not an ENI (group rules cannot match) */

/* An ENI slot: its policy per direction and its groups (indexes of the compilation's groups). */
struct sg_slot {
	uint16_t policy[2]; /* [SG_IN], [SG_OUT] */
	uint16_t n_groups;
	uint16_t groups[SG_GROUPS_MAX];
};

/* A rule whose peer is a group: protocol, l4 range as sg_acl's (sg_l4_value), the peer group. */
struct sg_peer_rule {
	int16_t proto;	/* 0-255, or SG_ANY */
	uint16_t l4_lo; /* inclusive, over sg_l4_value() */
	uint16_t l4_hi;
	uint16_t peer;	/* the group the other end must be a member of */
	uint16_t group; /* tags, as sg_match: the group holding the rule */
	uint16_t rule;	/* and the rule's index in it */
};

/* Where a policy's group rules of one direction are in peer_rules[]. */
struct sg_peer_span {
	uint32_t off, n;
};

struct sg_tables {
	const struct sg_acl *acl;
	uint32_t n_slots;
	const struct sg_slot *slots;	       /* [n_slots], by ENI slot */
	uint32_t n_policies;		       /* ids 1..n_policies */
	const struct sg_peer_span (*peers)[2]; /* [n_policies + 1][dir], by policy id */
	const struct sg_peer_rule *peer_rules;
};

static inline uint32_t sg_tables_policy(const struct sg_tables *t, uint32_t slot, enum sg_dir dir)
{
	return slot < t->n_slots ? t->slots[slot].policy[dir] : SG_NO_POLICY;
}

/*
 * Stage 2: the group rule of policy (direction dir) that allows a packet of
 * proto with l4 (sg_l4_value) whose other end is ENI peer_slot, or NULL.
 */
static inline const struct sg_peer_rule *sg_peer_allows(const struct sg_tables *t, uint32_t policy,
							enum sg_dir dir, uint8_t proto, uint32_t l4,
							uint32_t peer_slot)
{
	const struct sg_slot *ps;
	const struct sg_peer_span *sp;

	if (peer_slot >= t->n_slots || policy == SG_NO_POLICY || policy > t->n_policies)
		return NULL;
	ps = &t->slots[peer_slot];
	sp = &t->peers[policy][dir];
	for (uint32_t i = 0; i < sp->n; i++) {
		const struct sg_peer_rule *r = &t->peer_rules[sp->off + i];

		if ((r->proto != SG_ANY && r->proto != proto) || l4 < r->l4_lo || l4 > r->l4_hi)
			continue;
		for (uint16_t g = 0; g < ps->n_groups; g++)
			if (ps->groups[g] == r->peer)
				return r;
	}
	return NULL;
}

#endif
