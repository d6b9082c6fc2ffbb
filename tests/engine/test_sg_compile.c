/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sg_compile.c - the model's security groups (R24-R26) compiled into
 * sg_tables (engine/sg_compile.c: CIDR rules into the sg_acl classifier,
 * group rules kept as sg_peer_rules) give D12's verdicts on real inputs: the
 * VPC's default group of an ENI created without groups (inbound from its
 * members only, through sg_peer_allows, outbound to all), a port rule from
 * 0.0.0.0/0, a rule naming a group allowing its members (by slot) on the
 * rule's protocol and port only, no non-member, no SG_NO_PEER, and no longer
 * an ENI moved out of the group once recompiled, group rules' ICMP / all /
 * other protocol ranges, an address assigned to or unassigned from a member
 * changing nothing compiled, one policy for one group set in any order, the
 * union of five groups, no inbound rule = inbound denied, ICMP / ICMPv6 /
 * all / other protocols / port ranges / IPv6 prefixes converted for the
 * classifier, and a slot without an ENI denied.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>

#include "model.h"
#include "sg_compile.h"

/* ---- EAL ---- */

static char eal_prefix[64];

static int eal_up(void)
{
	char pfx[96];
	char *argv[] = {(char *)"test_sg_compile",
			(char *)"--no-huge",
			(char *)"-m",
			(char *)"512",
			(char *)"--no-pci",
			pfx,
			(char *)"--log-level=error",
			(char *)"-l",
			(char *)"0"};

	snprintf(eal_prefix, sizeof(eal_prefix), "sgc-%d", (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", eal_prefix);
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0 ? -1 : 0;
}

static void eal_down(void)
{
	char cmd[160];

	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/%s", eal_prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/%s\n", eal_prefix);
}

/* ---- the world: one VPC (IPv4 + IPv6), one dual-stack subnet ---- */

struct world {
	struct model *m;
	struct model_err err;
	char vpc[MODEL_ID_MAX], subnet[MODEL_ID_MAX], def[MODEL_ID_MAX];
};

#define OK(w, call)                                                                                \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s %s", #call, (w)->err.code, (w)->err.message);             \
	} while (0)

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req vr = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	struct model_sg_view g;

	assert_non_null(w);
	w->m = model_create();
	assert_non_null(w->m);
	OK(w, model_create_vpc(w->m, &vr, w->vpc, NULL, &w->err));
	struct model_subnet_req sr = {.vpc_id = w->vpc,
				      .az = "us-east-1a",
				      .cidr4 = "10.0.1.0/24",
				      .cidr6 = "2600:1f18:1:100::/64"};
	OK(w, model_create_subnet(w->m, &sr, w->subnet, NULL, &w->err));
	assert_int_equal(model_get_default_sg(w->m, w->vpc, &g), 0);
	snprintf(w->def, sizeof(w->def), "%s", g.id);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	model_free(w->m);
	free(w);
	return 0;
}

/*
 * An ENI with that primary IPv4, secondaries and IPv6 addresses (lists
 * ending in NULL; NULL = none) in those groups (n 0 = the default group);
 * its id into id (may be NULL). Returns its slot.
 */
static uint32_t eni(struct world *w, const char *primary, const char *const *sec,
		    const char *const *v6, const char *const *groups, size_t n, char *id)
{
	char out[MODEL_ID_MAX];
	struct model_eni_view v;
	struct model_eni_req r = {.subnet_id = w->subnet,
				  .primary_ip = primary,
				  .secondary_ips = sec,
				  .ipv6 = v6,
				  .groups = groups,
				  .n_groups = n,
				  .source_dest_check = true};

	while (sec != NULL && sec[r.n_secondary_ips] != NULL)
		r.n_secondary_ips++;
	while (v6 != NULL && v6[r.n_ipv6] != NULL)
		r.n_ipv6++;
	OK(w, model_create_eni(w->m, &r, out, NULL, &w->err));
	assert_int_equal(model_get_eni(w->m, out, &v), 0);
	if (id != NULL)
		snprintf(id, MODEL_ID_MAX, "%s", out);
	return v.slot;
}

/* A group of the VPC; bare: without EC2's outbound all-to-0.0.0.0/0 rule. */
static void group(struct world *w, const char *name, bool bare, char *id)
{
	struct model_sg_req r = {.vpc_id = w->vpc, .name = name, .bare = bare};

	OK(w, model_create_security_group(w->m, &r, id, &w->err));
}

/* One rule; exactly one of cidr4, cidr6, peer (a group id) non-NULL. */
static void rule(struct world *w, const char *gid, bool egress, const char *proto, const char *from,
		 const char *to, const char *cidr4, const char *cidr6, const char *peer)
{
	struct model_sg_perm p = {.protocol = proto,
				  .from_port = from,
				  .to_port = to,
				  .cidr4 = cidr4,
				  .cidr6 = cidr6,
				  .group_id = peer};

	OK(w, model_authorize_sg(w->m, gid, egress, &p, 1, NULL, &w->err));
}

static struct sg_compiled *compile(struct world *w)
{
	struct sg_compiled *c = NULL;

	assert_int_equal(sg_compile(w->m, &c), 0);
	assert_non_null(c);
	assert_non_null(c->acl);
	assert_ptr_equal(c->t.acl, c->acl);
	assert_int_equal(c->t.n_policies, c->n_policies);
	return c;
}

/* ---- verdicts: 0 denied, else sg_acl's result ---- */

static uint32_t l4(uint8_t proto, unsigned a, unsigned b)
{
	/* TCP / UDP: a = dport; ICMP(v6): a = type, b = code */
	return sg_l4_value(proto, (uint16_t)a, (uint8_t)a, (uint8_t)b);
}

static uint32_t v4(const struct sg_compiled *c, uint32_t slot, enum sg_dir dir, uint8_t proto,
		   const char *peer, unsigned a, unsigned b)
{
	struct sg_acl_in4 in;
	const struct sg_acl_in4 *p = &in;
	uint32_t addr, res = 0xdead;

	assert_int_equal(inet_pton(AF_INET, peer, &addr), 1);
	sg_acl_in4_set(&in, sg_compiled_policy_of(c, slot, dir), proto, addr, l4(proto, a, b));
	sg_acl_classify4(c->acl, dir, &p, &res, 1);
	assert_int_not_equal(res, 0xdead);
	return res;
}

static uint32_t v6(const struct sg_compiled *c, uint32_t slot, enum sg_dir dir, uint8_t proto,
		   const char *peer, unsigned a, unsigned b)
{
	struct sg_acl_in6 in;
	const struct sg_acl_in6 *p = &in;
	uint8_t addr[16];
	uint32_t res = 0xdead;

	assert_int_equal(inet_pton(AF_INET6, peer, addr), 1);
	sg_acl_in6_set(&in, sg_compiled_policy_of(c, slot, dir), proto, addr, l4(proto, a, b));
	sg_acl_classify6(c->acl, dir, &p, &res, 1);
	assert_int_not_equal(res, 0xdead);
	return res;
}

/* The id of the group whose rule gave result res (non-zero). */
static const char *by_group(const struct sg_compiled *c, uint32_t res)
{
	const struct sg_match *mt = sg_acl_match(c->acl, res);

	assert_non_null(mt);
	assert_true(mt->group < c->n_groups);
	return c->group_ids[mt->group];
}

/*
 * Stage 2: the group rule of slot's policy (direction dir) that allows proto
 * a / b (as l4()) with ENI peer_slot at the other end, or NULL.
 */
static const struct sg_peer_rule *peer(const struct sg_compiled *c, uint32_t slot, enum sg_dir dir,
				       uint8_t proto, unsigned a, unsigned b, uint32_t peer_slot)
{
	return sg_peer_allows(&c->t, sg_compiled_policy_of(c, slot, dir), dir, proto,
			      l4(proto, a, b), peer_slot);
}

/* The id of the group holding group rule r (non-NULL), and of the group it names. */
static const char *rule_group(const struct sg_compiled *c, const struct sg_peer_rule *r)
{
	assert_non_null(r);
	assert_true(r->group < c->n_groups);
	return c->group_ids[r->group];
}

static const char *rule_peer(const struct sg_compiled *c, const struct sg_peer_rule *r)
{
	assert_non_null(r);
	assert_true(r->peer < c->n_groups);
	return c->group_ids[r->peer];
}

static const struct sg_compiled_policy *policy(const struct sg_compiled *c, uint32_t slot)
{
	uint32_t id = sg_compiled_policy_of(c, slot, SG_IN);

	assert_int_not_equal(id, SG_COMPILED_NO_POLICY);
	assert_int_equal(sg_compiled_policy_of(c, slot, SG_OUT), id);
	assert_true(id <= c->n_policies);
	assert_int_equal(c->policies[id - 1].id, id);
	return &c->policies[id - 1];
}

#define TCP 6
#define UDP 17
#define ICMP 1
#define ICMP6 58

/* ---- tests ---- */

/* No groups given: the VPC's default group: all in from its members (self rule), all out. */
static void d12_default_group_in_from_members_out_to_all(void **state)
{
	struct world *w = *state;
	const char *a6[] = {"2600:1f18:1:100::10", NULL}, *b6[] = {"2600:1f18:1:100::20", NULL};
	char other[MODEL_ID_MAX];

	group(w, "other", false, other);
	const char *og[] = {other};
	uint32_t a = eni(w, "10.0.1.10", NULL, a6, NULL, 0, NULL);
	uint32_t b = eni(w, "10.0.1.20", NULL, b6, NULL, 0, NULL);
	uint32_t o = eni(w, "10.0.1.30", NULL, NULL, og, 1, NULL);
	struct sg_compiled *c = compile(w);
	const struct sg_peer_rule *r;

	/* A and B share the default group's policy, C has its own */
	assert_int_equal(policy(c, a)->id, policy(c, b)->id);
	assert_int_not_equal(policy(c, a)->id, policy(c, o)->id);
	assert_int_equal(policy(c, a)->n_groups, 1);
	assert_string_equal(c->group_ids[policy(c, a)->groups[0]], w->def);
	/* the slots know their groups */
	assert_int_equal(c->t.slots[a].n_groups, 1);
	assert_int_equal(c->t.slots[a].groups[0], policy(c, a)->groups[0]);
	assert_int_equal(c->t.slots[o].n_groups, 1);
	assert_string_equal(c->group_ids[c->t.slots[o].groups[0]], other);

	/* the self rule is one group rule, not one ACL rule per member address */
	assert_int_equal(policy(c, a)->n_rules[SG_IN], 0);
	assert_int_equal(policy(c, a)->n_peer_rules[SG_IN], 1);
	assert_int_equal(policy(c, a)->n_peer_rules[SG_OUT], 0);
	assert_int_equal(v4(c, a, SG_IN, TCP, "10.0.1.20", 22, 0), 0); /* stage 1 alone refuses */

	/* inbound: from a member of the default group, any protocol */
	r = peer(c, a, SG_IN, TCP, 22, 0, b);
	assert_string_equal(rule_group(c, r), w->def);
	assert_string_equal(rule_peer(c, r), w->def);
	assert_non_null(peer(c, a, SG_IN, UDP, 53, 0, a)); /* itself */
	assert_non_null(peer(c, b, SG_IN, ICMP, 8, 0, a));
	assert_non_null(peer(c, a, SG_IN, 47, 0, 0, b));
	/* not from outside the group: another group's member, the internet */
	assert_null(peer(c, a, SG_IN, TCP, 22, 0, o));
	assert_null(peer(c, a, SG_IN, TCP, 22, 0, SG_NO_PEER));
	assert_int_equal(v4(c, a, SG_IN, TCP, "203.0.113.9", 22, 0), 0);
	assert_int_equal(v6(c, a, SG_IN, TCP, "2600:1f18:1:100::30", 22, 0), 0);
	/* outbound: everything, both families (0.0.0.0/0 and ::/0) */
	assert_int_not_equal(v4(c, a, SG_OUT, TCP, "203.0.113.9", 443, 0), 0);
	assert_int_not_equal(v4(c, a, SG_OUT, 47, "198.51.100.1", 0, 0), 0);
	assert_int_not_equal(v6(c, a, SG_OUT, UDP, "2001:db8::1", 53, 0), 0);
	/* the other group's member: no inbound rule, nothing from the default group */
	assert_null(peer(c, o, SG_IN, TCP, 22, 0, a));
	assert_int_equal(v4(c, o, SG_IN, TCP, "10.0.1.10", 22, 0), 0);
	sg_compiled_free(c);
}

static void d12_tcp_80_from_anywhere_allows_80_not_81(void **state)
{
	struct world *w = *state;
	char web[MODEL_ID_MAX];

	group(w, "web", true, web);
	rule(w, web, false, "tcp", "80", "80", "0.0.0.0/0", NULL, NULL);
	const char *g[] = {web};
	uint32_t s = eni(w, "10.0.1.10", NULL, NULL, g, 1, NULL);
	struct sg_compiled *c = compile(w);
	uint32_t res;

	res = v4(c, s, SG_IN, TCP, "198.51.100.7", 80, 0);
	assert_int_not_equal(res, 0);
	assert_string_equal(by_group(c, res), web);
	assert_int_not_equal(v4(c, s, SG_IN, TCP, "10.0.1.99", 80, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, TCP, "198.51.100.7", 81, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, TCP, "198.51.100.7", 79, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, UDP, "198.51.100.7", 80, 0), 0);
	assert_int_equal(v6(c, s, SG_IN, TCP, "2001:db8::7", 80, 0), 0);   /* no ::/0 rule */
	assert_int_equal(v4(c, s, SG_OUT, TCP, "198.51.100.7", 80, 0), 0); /* bare: no egress */
	assert_int_equal(policy(c, s)->n_rules[SG_IN], 1);
	assert_int_equal(policy(c, s)->n_rules[SG_OUT], 0);
	sg_compiled_free(c);
}

/*
 * A rule naming a group allows its members, by slot, on the rule's protocol
 * and port only, and no other ENI nor a peer that is not an ENI; after the
 * member moves out of the group and a recompile, no longer (while the old
 * object still answers as before). No member address reaches the ACL.
 */
static void d12_group_peer_members_until_moved_out(void **state)
{
	struct world *w = *state;
	char clients[MODEL_ID_MAX], app[MODEL_ID_MAX], m1[MODEL_ID_MAX], nm[MODEL_ID_MAX];
	const char *m1_sec[] = {"10.0.1.41", "10.0.1.42", NULL};
	const char *m1_v6[] = {"2600:1f18:1:100::40", "2600:1f18:1:100::41", NULL};
	const char *n_v6[] = {"2600:1f18:1:100::50", NULL};
	struct model_sg_view av;

	group(w, "clients", true, clients);
	group(w, "app", true, app);
	rule(w, app, false, "tcp", "5432", "5432", NULL, NULL, clients);
	rule(w, app, true, "udp", "53", "53", NULL, NULL, clients);
	const char *cg[] = {clients}, *ag[] = {app}, *dg[] = {w->def}, *dcg[] = {w->def, clients};
	uint32_t s1 = eni(w, "10.0.1.40", m1_sec, m1_v6, cg, 1, m1);
	uint32_t sn = eni(w, "10.0.1.50", NULL, n_v6, NULL, 0, nm);
	uint32_t t = eni(w, "10.0.1.60", NULL, NULL, ag, 1, NULL);
	struct sg_compiled *c = compile(w), *c2;
	const struct sg_peer_rule *r;

	/* one group rule per direction, nothing in the classifier */
	assert_int_equal(policy(c, t)->n_rules[SG_IN], 0);
	assert_int_equal(policy(c, t)->n_rules[SG_OUT], 0);
	assert_int_equal(policy(c, t)->n_peer_rules[SG_IN], 1);
	assert_int_equal(policy(c, t)->n_peer_rules[SG_OUT], 1);
	assert_int_equal(v4(c, t, SG_IN, TCP, "10.0.1.40", 5432, 0), 0);
	assert_int_equal(v6(c, t, SG_IN, TCP, "2600:1f18:1:100::40", 5432, 0), 0);

	/* inbound: the member, TCP 5432 only */
	r = peer(c, t, SG_IN, TCP, 5432, 0, s1);
	assert_string_equal(rule_group(c, r), app);    /* the rule's group ... */
	assert_string_equal(rule_peer(c, r), clients); /* ... and the one it names */
	assert_int_equal(model_get_sg(w->m, app, &av), 0);
	assert_true(r->rule < av.n_rules);
	assert_false(av.rules[r->rule].egress);
	assert_int_equal(av.rules[r->rule].protocol, TCP);
	assert_null(peer(c, t, SG_IN, TCP, 5433, 0, s1));
	assert_null(peer(c, t, SG_IN, TCP, 5431, 0, s1));
	assert_null(peer(c, t, SG_IN, UDP, 5432, 0, s1));
	assert_null(peer(c, t, SG_IN, UDP, 53, 0, s1)); /* the egress rule is not inbound */
	/* not a non-member, not the ENI itself (app, not clients), not a non-ENI peer */
	assert_null(peer(c, t, SG_IN, TCP, 5432, 0, sn));
	assert_null(peer(c, t, SG_IN, TCP, 5432, 0, t));
	assert_null(peer(c, t, SG_IN, TCP, 5432, 0, SG_NO_PEER));
	assert_null(peer(c, t, SG_IN, TCP, 5432, 0, c->t.n_slots));
	/* outbound: UDP 53 to the member */
	r = peer(c, t, SG_OUT, UDP, 53, 0, s1);
	assert_true(r->rule < av.n_rules);
	assert_true(av.rules[r->rule].egress);
	assert_null(peer(c, t, SG_OUT, UDP, 53, 0, sn));
	assert_null(peer(c, t, SG_OUT, TCP, 5432, 0, s1));
	/* the rules are app's: the member's own policy has none */
	assert_null(peer(c, s1, SG_IN, TCP, 5432, 0, t));
	assert_int_equal(policy(c, s1)->n_peer_rules[SG_IN], 0);

	/* m1 leaves clients, the non-member joins it (one of its two groups) */
	OK(w, model_set_eni_groups(w->m, m1, dg, 1, NULL, &w->err));
	OK(w, model_set_eni_groups(w->m, nm, dcg, 2, NULL, &w->err));
	c2 = compile(w);
	assert_int_equal(policy(c2, t)->n_peer_rules[SG_IN], 1);
	assert_null(peer(c2, t, SG_IN, TCP, 5432, 0, s1));
	assert_null(peer(c2, t, SG_OUT, UDP, 53, 0, s1));
	assert_string_equal(rule_peer(c2, peer(c2, t, SG_IN, TCP, 5432, 0, sn)), clients);
	assert_non_null(peer(c2, t, SG_OUT, UDP, 53, 0, sn));
	assert_int_equal(c2->t.slots[sn].n_groups, 2);
	/* the old object is a snapshot */
	assert_non_null(peer(c, t, SG_IN, TCP, 5432, 0, s1));
	assert_null(peer(c, t, SG_IN, TCP, 5432, 0, sn));
	sg_compiled_free(c);
	sg_compiled_free(c2);
}

/* Group rules' l4 ranges, as sg_acl ranges a rule: ICMP type / code, all, another protocol. */
static void d12_group_peer_rules_protocols_converted(void **state)
{
	struct world *w = *state;
	char peers[MODEL_ID_MAX], misc[MODEL_ID_MAX];

	group(w, "peers", true, peers);
	group(w, "misc", true, misc);
	rule(w, misc, false, "icmp", "8", "-1", NULL, NULL, peers);
	rule(w, misc, false, "icmpv6", "128", "0", NULL, NULL, peers);
	rule(w, misc, false, "udp", "5000", "5010", NULL, NULL, peers);
	rule(w, misc, false, "47", NULL, NULL, NULL, NULL, peers);
	rule(w, misc, true, "-1", NULL, NULL, NULL, NULL, peers);
	rule(w, misc, true, "icmp", "-1", "-1", NULL, NULL, peers);
	const char *pg[] = {peers}, *mg[] = {misc};
	uint32_t p = eni(w, "10.0.1.10", NULL, NULL, pg, 1, NULL);
	uint32_t s = eni(w, "10.0.1.11", NULL, NULL, mg, 1, NULL);
	struct sg_compiled *c = compile(w);
	uint32_t pol = sg_compiled_policy_of(c, s, SG_IN);
	const struct sg_peer_span *in = &c->t.peers[pol][SG_IN];
	const struct sg_peer_span *out = &c->t.peers[pol][SG_OUT];
	const struct sg_peer_rule *pr = c->t.peer_rules;

	assert_int_equal(policy(c, s)->n_peer_rules[SG_IN], 4);
	assert_int_equal(policy(c, s)->n_peer_rules[SG_OUT], 2);
	assert_int_equal(in->n, 4);
	assert_int_equal(out->n, 2);
	assert_int_equal(c->n_peer_rules, 6);
	/* in model order: icmp 8 any code, icmpv6 128/0, udp 5000-5010, proto 47 */
	assert_int_equal(pr[in->off].proto, ICMP);
	assert_int_equal(pr[in->off].l4_lo, 8 << 8);
	assert_int_equal(pr[in->off].l4_hi, 8 << 8 | 0xff);
	assert_int_equal(pr[in->off + 1].proto, ICMP6);
	assert_int_equal(pr[in->off + 1].l4_lo, 128 << 8);
	assert_int_equal(pr[in->off + 1].l4_hi, 128 << 8);
	assert_int_equal(pr[in->off + 2].l4_lo, 5000);
	assert_int_equal(pr[in->off + 2].l4_hi, 5010);
	assert_int_equal(pr[in->off + 3].proto, 47);
	assert_int_equal(pr[in->off + 3].l4_lo, 0);
	assert_int_equal(pr[in->off + 3].l4_hi, 0xffff);
	assert_int_equal(pr[out->off].proto, SG_ANY);
	assert_int_equal(pr[out->off].l4_lo, 0);
	assert_int_equal(pr[out->off].l4_hi, 0xffff);
	assert_int_equal(pr[out->off + 1].proto, ICMP);
	assert_int_equal(pr[out->off + 1].l4_hi, 0xffff);
	for (uint32_t i = 0; i < in->n; i++) {
		assert_string_equal(rule_group(c, &pr[in->off + i]), misc);
		assert_string_equal(rule_peer(c, &pr[in->off + i]), peers);
	}
	/* and the verdicts */
	assert_non_null(peer(c, s, SG_IN, ICMP, 8, 0, p));
	assert_non_null(peer(c, s, SG_IN, ICMP, 8, 255, p));
	assert_null(peer(c, s, SG_IN, ICMP, 0, 0, p));
	assert_null(peer(c, s, SG_IN, ICMP, 9, 0, p));
	assert_non_null(peer(c, s, SG_IN, ICMP6, 128, 0, p));
	assert_null(peer(c, s, SG_IN, ICMP6, 128, 1, p));
	assert_null(peer(c, s, SG_IN, ICMP6, 129, 0, p));
	assert_non_null(peer(c, s, SG_IN, UDP, 5000, 0, p));
	assert_non_null(peer(c, s, SG_IN, UDP, 5010, 0, p));
	assert_null(peer(c, s, SG_IN, UDP, 4999, 0, p));
	assert_null(peer(c, s, SG_IN, UDP, 5011, 0, p));
	assert_null(peer(c, s, SG_IN, TCP, 5000, 0, p));
	assert_non_null(peer(c, s, SG_IN, 47, 0, 0, p));
	assert_null(peer(c, s, SG_IN, 50, 0, 0, p));
	assert_non_null(peer(c, s, SG_OUT, 132, 0, 0, p));
	assert_non_null(peer(c, s, SG_OUT, TCP, 443, 0, p));
	assert_null(peer(c, s, SG_OUT, TCP, 443, 0, s)); /* misc is not peers */
	sg_compiled_free(c);
}

/* The compiled slots, group rules and counts of c and d are the same. */
static void same_compilation(const struct sg_compiled *c, const struct sg_compiled *d)
{
	assert_int_equal(c->t.n_slots, d->t.n_slots);
	assert_memory_equal(c->t.slots, d->t.slots, c->t.n_slots * sizeof(*c->t.slots));
	assert_int_equal(c->n_policies, d->n_policies);
	assert_int_equal(c->t.n_policies, d->t.n_policies);
	assert_memory_equal(c->t.peers, d->t.peers, (c->t.n_policies + 1) * sizeof(*c->t.peers));
	assert_int_equal(c->n_peer_rules, d->n_peer_rules);
	assert_memory_equal(c->t.peer_rules, d->t.peer_rules,
			    c->n_peer_rules * sizeof(*c->t.peer_rules));
	assert_int_equal(c->n_rules, d->n_rules);
	assert_int_equal(sg_acl_rules(c->acl), sg_acl_rules(d->acl));
	for (uint32_t i = 0; i < c->n_policies; i++) {
		const struct sg_compiled_policy *p = &c->policies[i], *q = &d->policies[i];

		assert_int_equal(p->id, q->id);
		assert_int_equal(p->n_groups, q->n_groups);
		assert_memory_equal(p->groups, q->groups, p->n_groups * sizeof(p->groups[0]));
		for (int dir = SG_IN; dir <= SG_OUT; dir++) {
			assert_int_equal(p->n_rules[dir], q->n_rules[dir]);
			assert_int_equal(p->n_peer_rules[dir], q->n_peer_rules[dir]);
		}
		assert_int_equal(p->n_enis, q->n_enis);
	}
}

/* Addresses assigned to (or unassigned from) a member of a named group change nothing compiled. */
static void d12_address_of_member_changes_nothing_compiled(void **state)
{
	struct world *w = *state;
	char clients[MODEL_ID_MAX], app[MODEL_ID_MAX], m1[MODEL_ID_MAX];
	const char *m1_sec[] = {"10.0.1.41", NULL};
	const char *add4[] = {"10.0.1.42", "10.0.1.43"}, *add6[] = {"2600:1f18:1:100::41"};
	const char *drop4[] = {"10.0.1.41"};
	struct model_assign_req r4 = {.eni_id = m1, .addrs = add4, .n_addrs = 2};
	struct model_assign_req r6 = {.eni_id = m1, .addrs = add6, .n_addrs = 1};
	struct model_eni_view ev;

	group(w, "clients", true, clients);
	group(w, "app", true, app);
	rule(w, app, false, "tcp", "5432", "5432", NULL, NULL, clients);
	rule(w, app, false, "tcp", "22", "22", "192.0.2.0/24", NULL, NULL);
	const char *cg[] = {clients}, *ag[] = {app};
	uint32_t s1 = eni(w, "10.0.1.40", m1_sec, NULL, cg, 1, m1);
	eni(w, "10.0.1.50", NULL, NULL, NULL, 0, NULL); /* default group: a self rule too */
	uint32_t t = eni(w, "10.0.1.60", NULL, NULL, ag, 1, NULL);
	struct sg_compiled *c = compile(w), *c2;

	assert_int_equal(policy(c, t)->n_rules[SG_IN], 1);
	assert_int_equal(policy(c, t)->n_peer_rules[SG_IN], 1);

	OK(w, model_assign_private_ips(w->m, &r4, NULL, NULL, &w->err));
	OK(w, model_assign_ipv6(w->m, &r6, NULL, NULL, &w->err));
	OK(w, model_unassign_private_ips(w->m, m1, drop4, 1, NULL, &w->err));
	assert_int_equal(model_get_eni(w->m, m1, &ev), 0);
	assert_int_equal(ev.n_secondary, 2); /* .41 gone, .42 and .43 there */
	assert_int_equal(ev.n_ipv6, 1);
	c2 = compile(w);
	same_compilation(c, c2);
	assert_non_null(peer(c2, t, SG_IN, TCP, 5432, 0, s1));
	assert_int_not_equal(v4(c2, t, SG_IN, TCP, "192.0.2.9", 22, 0), 0);
	sg_compiled_free(c);
	sg_compiled_free(c2);
}

static void d12_same_groups_any_order_share_one_policy(void **state)
{
	struct world *w = *state;
	char g1[MODEL_ID_MAX], g2[MODEL_ID_MAX];

	group(w, "g1", true, g1);
	group(w, "g2", true, g2);
	rule(w, g1, false, "tcp", "22", "22", "192.0.2.0/24", NULL, NULL);
	rule(w, g2, false, "tcp", "443", "443", "0.0.0.0/0", NULL, NULL);
	const char *s12[] = {g1, g2}, *s21[] = {g2, g1}, *s212[] = {g2, g1, g2}, *s1[] = {g1};
	uint32_t e1 = eni(w, "10.0.1.10", NULL, NULL, s12, 2, NULL);
	uint32_t e2 = eni(w, "10.0.1.11", NULL, NULL, s21, 2, NULL);
	uint32_t e3 = eni(w, "10.0.1.12", NULL, NULL, s212, 3, NULL);
	uint32_t e4 = eni(w, "10.0.1.13", NULL, NULL, s1, 1, NULL);
	struct sg_compiled *c = compile(w);
	const struct sg_compiled_policy *p = policy(c, e1);

	assert_int_equal(c->n_policies, 2);
	assert_int_equal(policy(c, e2)->id, p->id);
	assert_int_equal(policy(c, e3)->id, p->id);
	assert_int_not_equal(policy(c, e4)->id, p->id);
	assert_int_equal(p->n_enis, 3);
	assert_int_equal(policy(c, e4)->n_enis, 1);
	/* its groups, ascending indexes: g1 was created before g2 */
	assert_int_equal(p->n_groups, 2);
	assert_true(p->groups[0] < p->groups[1]);
	assert_string_equal(c->group_ids[p->groups[0]], g1);
	assert_string_equal(c->group_ids[p->groups[1]], g2);
	/* each slot has them too, sorted, a repeated group once */
	assert_int_equal(c->t.slots[e3].n_groups, 2);
	assert_memory_equal(c->t.slots[e3].groups, p->groups, 2 * sizeof(p->groups[0]));
	assert_memory_equal(c->t.slots[e2].groups, p->groups, 2 * sizeof(p->groups[0]));
	assert_int_equal(c->t.slots[e4].n_groups, 1);
	assert_int_equal(c->t.slots[e4].groups[0], p->groups[0]);
	/* and the shared policy is the union */
	assert_int_not_equal(v4(c, e2, SG_IN, TCP, "192.0.2.5", 22, 0), 0);
	assert_int_not_equal(v4(c, e2, SG_IN, TCP, "203.0.113.5", 443, 0), 0);
	assert_int_equal(v4(c, e4, SG_IN, TCP, "203.0.113.5", 443, 0), 0);
	sg_compiled_free(c);
}

static void d12_five_groups_union_of_their_rules(void **state)
{
	struct world *w = *state;
	char g[5][MODEL_ID_MAX], port[16], cidr[32], name[16];

	for (int i = 0; i < 5; i++) {
		snprintf(port, sizeof(port), "%d", 1001 + i);
		snprintf(cidr, sizeof(cidr), "10.9.%d.0/24", i);
		snprintf(name, sizeof(name), "g%d", i);
		group(w, name, true, g[i]);
		rule(w, g[i], false, "tcp", port, port, cidr, NULL, NULL);
	}
	const char *all[] = {g[3], g[0], g[4], g[2], g[1]}, *only0[] = {g[0]};
	uint32_t f = eni(w, "10.0.1.10", NULL, NULL, all, 5, NULL);
	uint32_t s = eni(w, "10.0.1.11", NULL, NULL, only0, 1, NULL);
	struct sg_compiled *c = compile(w);
	char peer[32], wrong[32];

	assert_int_equal(policy(c, f)->n_groups, 5);
	assert_int_equal(policy(c, f)->n_rules[SG_IN], 5);
	for (int i = 0; i < 5; i++) {
		uint32_t res;

		snprintf(peer, sizeof(peer), "10.9.%d.5", i);
		snprintf(wrong, sizeof(wrong), "10.9.%d.5", (i + 1) % 5);
		res = v4(c, f, SG_IN, TCP, peer, 1001u + (unsigned)i, 0);
		assert_int_not_equal(res, 0);
		assert_string_equal(by_group(c, res), g[i]);
		assert_int_equal(v4(c, f, SG_IN, TCP, wrong, 1001u + (unsigned)i, 0), 0);
		/* the ENI with group 0 only: its rule and no other */
		assert_int_equal(v4(c, s, SG_IN, TCP, peer, 1001u + (unsigned)i, 0) != 0, i == 0);
	}
	assert_int_equal(v4(c, f, SG_IN, TCP, "10.9.0.5", 1006, 0), 0);
	assert_int_equal(v4(c, f, SG_IN, TCP, "10.9.0.5", 1000, 0), 0);
	sg_compiled_free(c);
}

static void d12_group_without_inbound_rules_denies_inbound(void **state)
{
	struct world *w = *state;
	char quiet[MODEL_ID_MAX];
	const char *v6a[] = {"2600:1f18:1:100::10", NULL};

	group(w, "quiet", false, quiet); /* EC2's one rule: all out to 0.0.0.0/0 */
	const char *g[] = {quiet};
	uint32_t q = eni(w, "10.0.1.10", NULL, v6a, g, 1, NULL);
	uint32_t q2 = eni(w, "10.0.1.11", NULL, NULL, g, 1, NULL);
	struct sg_compiled *c = compile(w);

	assert_int_equal(policy(c, q)->n_rules[SG_IN], 0);
	assert_int_equal(policy(c, q)->n_rules[SG_OUT], 1);
	assert_int_equal(policy(c, q)->n_peer_rules[SG_IN], 0);
	assert_int_equal(policy(c, q)->n_peer_rules[SG_OUT], 0);
	assert_int_equal(v4(c, q, SG_IN, TCP, "10.0.1.11", 22, 0), 0); /* not even a co-member */
	assert_null(peer(c, q, SG_IN, TCP, 22, 0, q2));
	assert_int_equal(v4(c, q, SG_IN, ICMP, "203.0.113.1", 8, 0), 0);
	assert_int_equal(v4(c, q, SG_IN, 47, "203.0.113.1", 0, 0), 0);
	assert_int_equal(v6(c, q, SG_IN, TCP, "2001:db8::1", 22, 0), 0);
	/* its policy exists: outbound is allowed */
	assert_int_not_equal(v4(c, q, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	assert_int_equal(v6(c, q, SG_OUT, TCP, "2001:db8::1", 443, 0), 0); /* no ::/0 */
	sg_compiled_free(c);
}

/* ICMP type / code, ICMPv6, a UDP range, another protocol number, all protocols to a v6 prefix. */
static void d12_protocols_ports_and_prefixes_converted(void **state)
{
	struct world *w = *state;
	char misc[MODEL_ID_MAX];
	struct model_sg_view gv;

	group(w, "misc", true, misc);
	rule(w, misc, false, "icmp", "8", "-1", "0.0.0.0/0", NULL, NULL);
	rule(w, misc, false, "icmpv6", "128", "0", NULL, "::/0", NULL);
	rule(w, misc, false, "udp", "5000", "5010", "10.0.0.0/8", NULL, NULL);
	rule(w, misc, false, "47", NULL, NULL, "192.0.2.1/32", NULL, NULL);
	rule(w, misc, true, "-1", NULL, NULL, NULL, "2001:db8::/32", NULL);
	const char *g[] = {misc};
	uint32_t s = eni(w, "10.0.1.10", NULL, NULL, g, 1, NULL);
	struct sg_compiled *c = compile(w);
	uint32_t res;

	assert_int_not_equal(v4(c, s, SG_IN, ICMP, "198.51.100.1", 8, 0), 0);
	assert_int_not_equal(v4(c, s, SG_IN, ICMP, "198.51.100.1", 8, 255), 0);
	assert_int_equal(v4(c, s, SG_IN, ICMP, "198.51.100.1", 0, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, ICMP, "198.51.100.1", 9, 0), 0);
	assert_int_not_equal(v6(c, s, SG_IN, ICMP6, "2001:db8::9", 128, 0), 0);
	assert_int_equal(v6(c, s, SG_IN, ICMP6, "2001:db8::9", 128, 1), 0);
	assert_int_equal(v6(c, s, SG_IN, ICMP6, "2001:db8::9", 129, 0), 0);
	res = v4(c, s, SG_IN, UDP, "10.200.0.1", 5000, 0);
	assert_int_not_equal(res, 0);
	/* the rule tag indexes the group's rules */
	assert_int_equal(model_get_sg(w->m, misc, &gv), 0);
	assert_int_equal(gv.rules[sg_acl_match(c->acl, res)->rule].protocol, UDP);
	assert_int_not_equal(v4(c, s, SG_IN, UDP, "10.200.0.1", 5010, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, UDP, "10.200.0.1", 5011, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, UDP, "10.200.0.1", 4999, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, UDP, "11.0.0.1", 5000, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, TCP, "10.200.0.1", 5000, 0), 0);
	assert_int_not_equal(v4(c, s, SG_IN, 47, "192.0.2.1", 0, 0), 0);
	assert_int_equal(v4(c, s, SG_IN, 47, "192.0.2.2", 0, 0), 0);
	assert_int_not_equal(v6(c, s, SG_OUT, TCP, "2001:db8:1::1", 443, 0), 0);
	assert_int_not_equal(v6(c, s, SG_OUT, 132, "2001:db8:ffff::1", 0, 0), 0);
	assert_int_equal(v6(c, s, SG_OUT, TCP, "2001:db9::1", 443, 0), 0);
	assert_int_equal(v4(c, s, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	sg_compiled_free(c);
}

/* A slot without an ENI (deleted, or past the map) has the sentinel policy: all denied. */
static void d12_slot_without_eni_denied(void **state)
{
	struct world *w = *state;
	char mid[MODEL_ID_MAX];

	uint32_t first = eni(w, "10.0.1.10", NULL, NULL, NULL, 0, NULL);
	uint32_t m = eni(w, "10.0.1.11", NULL, NULL, NULL, 0, mid);
	uint32_t last = eni(w, "10.0.1.12", NULL, NULL, NULL, 0, NULL);
	OK(w, model_delete_eni(w->m, mid, NULL, &w->err));
	struct sg_compiled *c = compile(w);

	assert_true(m < last); /* a hole inside the map */
	assert_int_equal(c->t.n_slots, last + 1);
	assert_int_equal(sg_compiled_policy_of(c, m, SG_IN), SG_COMPILED_NO_POLICY);
	assert_int_equal(sg_compiled_policy_of(c, m, SG_OUT), SG_COMPILED_NO_POLICY);
	assert_int_equal(sg_compiled_policy_of(c, c->t.n_slots + 7, SG_OUT), SG_COMPILED_NO_POLICY);
	assert_int_equal(c->t.slots[m].n_groups, 0);
	assert_int_not_equal(v4(c, last, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	assert_int_equal(v4(c, m, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	assert_int_equal(v4(c, c->t.n_slots + 7, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	/* the default group's self rule: from the first ENI, not from the hole nor to it */
	assert_non_null(peer(c, last, SG_IN, TCP, 22, 0, first));
	assert_null(peer(c, last, SG_IN, TCP, 22, 0, m));
	assert_null(peer(c, m, SG_IN, TCP, 22, 0, first));
	assert_null(peer(c, c->t.n_slots + 7, SG_IN, TCP, 22, 0, first));
	assert_int_equal(c->n_policies, 1);
	sg_compiled_free(c);
}

/* A model without ENIs: nothing mapped, still an object that denies. */
static void d12_model_without_enis_compiles_empty(void **state)
{
	struct world *w = *state;
	struct sg_compiled *c = compile(w);

	assert_int_equal(c->t.n_slots, 0);
	assert_int_equal(c->n_policies, 0);
	assert_int_equal(c->n_peer_rules, 0);
	assert_null(sg_peer_allows(&c->t, SG_NO_POLICY, SG_IN, TCP, 22, 0));
	assert_int_equal(c->n_groups, 1); /* the VPC's default group */
	assert_string_equal(c->group_ids[0], w->def);
	assert_int_equal(v4(c, 0, SG_OUT, TCP, "203.0.113.1", 443, 0), 0);
	sg_compiled_free(c);
	assert_int_equal(sg_compile(NULL, &c), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(d12_default_group_in_from_members_out_to_all),
	    T(d12_tcp_80_from_anywhere_allows_80_not_81),
	    T(d12_group_peer_members_until_moved_out),
	    T(d12_group_peer_rules_protocols_converted),
	    T(d12_address_of_member_changes_nothing_compiled),
	    T(d12_same_groups_any_order_share_one_policy),
	    T(d12_five_groups_union_of_their_rules),
	    T(d12_group_without_inbound_rules_denies_inbound),
	    T(d12_protocols_ports_and_prefixes_converted),
	    T(d12_slot_without_eni_denied),
	    T(d12_model_without_enis_compiles_empty),
	};
	int rc;

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	if (eal_up() != 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	eal_down();
	return rc;
}
