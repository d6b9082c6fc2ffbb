/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_compile.h - the model's security groups (R24-R26) compiled into the
 * dataplane's classifier (dataplane/sg_acl.h): the policies of D12, one per
 * distinct group set, and the map from an ENI's slot to its policies.
 * Standalone: the builder calls it per generation that touches groups (not
 * wired in yet).
 *
 * What sg_compile() does, over the whole model:
 * - every ENI's group set becomes a key of sorted group indexes, so ENIs
 *   with the same groups in any order share one policy; one policy id per
 *   distinct set, 1..n_policies in the order of the sorted keys, used for
 *   both directions (sg_acl keys a policy by {id, direction});
 * - per direction, the policy's rules are the union of its groups' rules
 *   (inbound from the peer, outbound to it), each converted to a struct
 *   sg_rule: the protocol (-1 = all); TCP / UDP ports from..to; ICMP /
 *   ICMPv6 type = from_port, code = to_port (-1 = any); a cidr4 / cidr6
 *   peer as one prefix; a peer group expanded to a /32 for every private
 *   IPv4 (primary and secondaries) and a /128 for every IPv6 of each ENI
 *   that is a member of that group (D12: a rule naming a group matches the
 *   private addresses of its members; a default group's "all from itself"
 *   rule thus becomes one rule per address of its members). A group peer
 *   with no members adds no rule. Each sg_rule keeps its origin as tags:
 *   .group = the group's index in group_ids[], .rule = the rule's index
 *   among the group's rules in model_sg_view order (inbound first, then
 *   outbound), so sg_acl_match() names the group (and rule) that allowed a
 *   packet, for counters per group;
 * - sg_acl_build() of all the policies (SOCKET_ID_ANY; needs the EAL).
 *
 * Cost: O(ENIs log ENIs) for the group sets, plus the rules: a rule with a
 * CIDR peer is one sg_rule, a rule naming a group is one sg_rule per address
 * of each member, so a policy costs O(rules x members) of its peer groups,
 * and a group named by many policies (a default group's self rule) is
 * expanded once per policy; then rte_acl's build over the total.
 *
 * The result is a snapshot: a change of any group's membership (an ENI
 * created, deleted, its groups replaced, an address of a member assigned or
 * unassigned) or of any rule means a new sg_compile(); the old object keeps
 * answering until it is freed (sg_acl.h: the swap and its grace period).
 * The model is only read (its views are not kept: group ids are copied).
 */
#ifndef ENIMAP_SG_COMPILE_H
#define ENIMAP_SG_COMPILE_H

#include <stdint.h>

#include "model.h"
#include "sg_acl.h"

/*
 * The policy id of a slot without an ENI (or out of the map's range). Never
 * built, so classifying with it denies everything (sg_acl.h): a hole of the
 * map fails closed. Compiled policies are 1..n_policies.
 */
#define SG_COMPILED_NO_POLICY 0u

/* An ENI slot's policy per direction (enum sg_dir). */
struct sg_compiled_eni {
	uint16_t policy[2]; /* [SG_IN], [SG_OUT]; SG_COMPILED_NO_POLICY when none */
};

struct sg_compiled_policy {
	uint32_t id;			/* 1..n_policies, = its index + 1 */
	uint32_t n_groups;		/* 0..SG_GROUPS_MAX */
	uint16_t groups[SG_GROUPS_MAX]; /* indexes into group_ids[], ascending */
	uint32_t n_rules[2];		/* sg_rules per direction, peer groups expanded */
	uint32_t n_enis;		/* ENIs that have this group set */
};

struct sg_compiled {
	struct sg_acl *acl;		     /* every policy, both directions */
	uint32_t n_slots;		     /* largest ENI slot + 1 (0: no ENI) */
	struct sg_compiled_eni *by_slot;     /* [n_slots] */
	uint32_t n_policies;		     /* distinct group sets */
	struct sg_compiled_policy *policies; /* [n_policies]; policies[i].id == i + 1 */
	uint32_t n_groups;		     /* every group of the model, creation order */
	char (*group_ids)[MODEL_ID_MAX];     /* [n_groups]: sg_match.group indexes it */
	uint64_t n_rules;		     /* sg_rules compiled, all policies */
};

/*
 * Compile every security group of m. 0 and *out (free with
 * sg_compiled_free), or a negative errno (errno set too), *out untouched:
 * -ENOMEM; -E2BIG (more than SG_POLICY_MAX distinct group sets, more than
 * 65536 groups, or more rules than sg_acl can count); -EINVAL (a rule the
 * model should not hold: an unparsable CIDR, an unknown peer group); or
 * what sg_acl_build() failed with.
 */
int sg_compile(const struct model *m, struct sg_compiled **out);
void sg_compiled_free(struct sg_compiled *c);

/* The policy of an ENI slot in one direction; SG_COMPILED_NO_POLICY for a slot it does not map. */
static inline uint32_t sg_compiled_policy_of(const struct sg_compiled *c, uint32_t slot,
					     enum sg_dir dir)
{
	return slot < c->n_slots ? c->by_slot[slot].policy[dir] : SG_COMPILED_NO_POLICY;
}

#endif
