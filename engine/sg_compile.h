/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_compile.h - the model's security groups (R24-R26) compiled into what
 * the workers read (dataplane/sg_tables.h): the policies of D12, one per
 * distinct group set, the map from an ENI's slot to its policies and
 * groups, and the rules of every policy in two stages. Its .t is what a
 * generation publishes for the workers (sg_tables.h).
 *
 * Two stages, because a rule naming a group used to be expanded into a /32
 * or /128 per private address of each member of that group: a default
 * group's "all from itself" rule became one rule per address of every
 * member, again in every policy that includes the group, and every address
 * assigned or unassigned meant a new compilation. Now:
 *   1. a rule whose peer is a CIDR is one struct sg_rule of the sg_acl
 *      classifier (dataplane/sg_acl.h), as before;
 *   2. a rule whose peer is a group is one struct sg_peer_rule that keeps
 *      the group's index; the pipeline asks sg_peer_allows() whether the
 *      ENI at the other end is a member (its slot's groups).
 * Addresses are never read: the result depends on groups, rules and which
 * ENI has which groups only.
 *
 * What sg_compile() does, over the whole model:
 * - every ENI's group set becomes a key of sorted group indexes, so ENIs
 *   with the same groups in any order share one policy; one policy id per
 *   distinct set, 1..n_policies in the order of the sorted keys, used for
 *   both directions (sg_acl keys a policy by {id, direction}); the slot
 *   keeps the policy and the sorted group indexes (t.slots);
 * - per direction, the policy's rules are the union of its groups' rules
 *   (inbound from the peer, outbound to it): the protocol (-1 = all); TCP /
 *   UDP ports from..to; ICMP / ICMPv6 type = from_port, code = to_port (-1 =
 *   any). A cidr4 / cidr6 peer gives one sg_rule (one prefix) for the ACL;
 *   a peer group gives one sg_peer_rule (l4 range over sg_l4_value(), as
 *   sg_acl ranges it) in t.peer_rules, the policy's span of them per
 *   direction in t.peers[id][dir]. Both keep the rule's origin as tags:
 *   .group = the group's index in group_ids[], .rule = the rule's index
 *   among the group's rules in model_sg_view order (inbound first, then
 *   outbound), so a verdict names the group (and rule) that allowed a
 *   packet, for counters per group;
 * - sg_acl_build() of all the policies' CIDR rules (SOCKET_ID_ANY; needs
 *   the EAL).
 *
 * Cost: O(ENIs log ENIs) for the group sets, plus O(rules) of the policies
 * (each group's rules once per policy that includes it); then rte_acl's
 * build over the CIDR rules.
 *
 * The result is a snapshot: a change of any group's membership (an ENI
 * created, deleted, its groups replaced) or of any rule means a new
 * sg_compile() (model_sg_version() tells); an address assigned or
 * unassigned does not. The old object keeps answering until it is freed
 * (sg_acl.h: the swap and its grace period). The model is only read (its
 * views are not kept: group ids are copied).
 */
#ifndef ENIMAP_SG_COMPILE_H
#define ENIMAP_SG_COMPILE_H

#include <stdint.h>

#include "model.h"
#include "sg_acl.h"
#include "sg_tables.h"

/*
 * The policy id of a slot without an ENI (or out of the map's range). Never
 * built, so classifying with it denies everything (sg_acl.h) and no group
 * rule has it (sg_peer_allows): a hole of the map fails closed. Compiled
 * policies are 1..n_policies.
 */
#define SG_COMPILED_NO_POLICY SG_NO_POLICY
_Static_assert(SG_NO_POLICY == 0, "policy 0 is never built");

struct sg_compiled_policy {
	uint32_t id;			/* 1..n_policies, = its index + 1 */
	uint32_t n_groups;		/* 0..SG_GROUPS_MAX */
	uint16_t groups[SG_GROUPS_MAX]; /* indexes into group_ids[], ascending */
	uint32_t n_rules[2];		/* per direction: CIDR rules, in the ACL */
	uint32_t n_peer_rules[2];	/* per direction: group rules, in t.peer_rules */
	uint32_t n_enis;		/* ENIs that have this group set */
};

/*
 * t is what the workers read; its arrays (slots, peers, peer_rules) and the
 * acl belong to this object and live until sg_compiled_free().
 */
struct sg_compiled {
	struct sg_tables t;  /* t.n_slots: largest ENI slot + 1 (0: no ENI) */
	struct sg_acl *acl;  /* = t.acl: every policy's CIDR rules, both directions */
	uint32_t n_policies; /* distinct group sets, = t.n_policies */
	struct sg_compiled_policy *policies; /* [n_policies]; policies[i].id == i + 1 */
	uint32_t n_groups;		     /* every group of the model, creation order */
	char (*group_ids)[MODEL_ID_MAX];     /* [n_groups]: the .group and .peer tags index it */
	uint64_t n_rules;		     /* CIDR sg_rules compiled, all policies */
	uint64_t n_peer_rules;		     /* group rules, all policies (t.peer_rules[]) */
};

/*
 * Compile every security group of m. 0 and *out (free with
 * sg_compiled_free), or a negative errno (errno set too), *out untouched:
 * -ENOMEM; -E2BIG (more than SG_POLICY_MAX distinct group sets, more than
 * 65536 groups, or more rules than sg_acl can count); -EINVAL (a rule the
 * model should not hold: an unparsable CIDR, an unknown peer group, a bad
 * port range or ICMP type / code); or what sg_acl_build() failed with.
 */
int sg_compile(const struct model *m, struct sg_compiled **out);
void sg_compiled_free(struct sg_compiled *c);

/* The policy of an ENI slot in one direction; SG_COMPILED_NO_POLICY for a slot it does not map. */
static inline uint32_t sg_compiled_policy_of(const struct sg_compiled *c, uint32_t slot,
					     enum sg_dir dir)
{
	return sg_tables_policy(&c->t, slot, dir);
}

#endif
