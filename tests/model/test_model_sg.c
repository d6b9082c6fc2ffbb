/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security groups in the model (SPEC R24-R26): each VPC's `default` group,
 * the groups of an ENI (1 to 5, the default one when none is given) and the
 * members of each group, rules (authorize and revoke all-or-nothing,
 * duplicates, the 60-per-direction limit, protocol, port and peer parsing,
 * rule ids and descriptions), group names and deletion with its
 * dependencies, tags on groups, clone and stats. Every refusal has its EC2
 * code and changes nothing (byte-identical model_dump, empty delta).
 */
#include "fixture.h"

#define W struct world *w = *state

#define MAXM 64 /* members a test lists */

/* ---- helpers ---- */

/*
 * A group of vpc with that id (NULL = generated) and name; its id into out
 * (may be NULL). Bare: without EC2's outbound rule of a new group, so the
 * tests count only the rules they add (group_names_are_checked checks that rule).
 */
static void group(struct world *w, const char *vpc, const char *id, const char *name, char *out)
{
	struct model_sg_req r = {
	    .id = id, .vpc_id = vpc, .name = name, .description = "test", .bare = true};

	OK(w, model_create_security_group(w->m, &r, out, &w->err));
}

/* A second VPC (no IPv6) with one subnet in az-a. */
static void vpc2(struct world *w, const char *cidr4, const char *subnet4, char *vpc, char *subnet)
{
	const char *c4[] = {cidr4};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1};

	OK(w, model_create_vpc(w->m, &v, vpc, &w->d, &w->err));
	if (subnet) {
		struct model_subnet_req s = {.vpc_id = vpc, .az = "az-a", .cidr4 = subnet4};
		OK(w, model_create_subnet(w->m, &s, subnet, &w->d, &w->err));
	}
}

static int eni_with(struct world *w, const char *subnet, const char *const *groups, size_t n,
		    char *out)
{
	struct model_eni_req r = {
	    .subnet_id = subnet, .groups = groups, .n_groups = n, .source_dest_check = true};

	return model_create_eni(w->m, &r, out, &w->d, &w->err);
}

static struct model_sg_perm tcp(const char *from, const char *to, const char *cidr4)
{
	return (struct model_sg_perm){
	    .protocol = "tcp", .from_port = from, .to_port = to, .cidr4 = cidr4};
}

static size_t n_members(struct world *w, const char *gid)
{
	struct model_sg_view g;

	assert_int_equal(model_get_sg(w->m, gid, &g), 0);
	return g.n_members;
}

static size_t n_rules(struct world *w, const char *gid)
{
	struct model_sg_view g;

	assert_int_equal(model_get_sg(w->m, gid, &g), 0);
	return g.n_rules;
}

static const char *default_sg(struct world *w, const char *vpc)
{
	struct model_sg_view g;

	assert_int_equal(model_get_default_sg(w->m, vpc, &g), 0);
	return g.id; /* valid until the next mutating call: callers copy it */
}

struct members {
	size_t n;
	char ids[MAXM][MODEL_ID_MAX];
};

static int collect_member(const struct model_eni_view *v, void *arg)
{
	struct members *c = arg;

	assert_true(c->n < MAXM);
	snprintf(c->ids[c->n++], MODEL_ID_MAX, "%s", v->id);
	return 0;
}

/* The members of gid are exactly ids[0..n) (any order, each once), and n_members says n. */
static void expect_members(struct world *w, const char *gid, const char *const *ids, size_t n)
{
	struct members c = {0};

	assert_int_equal(model_foreach_sg_member(w->m, gid, collect_member, &c), 0);
	assert_int_equal(c.n, n);
	assert_int_equal(n_members(w, gid), n);
	for (size_t k = 0; k < n; k++) {
		size_t seen = 0;
		for (size_t j = 0; j < c.n; j++)
			seen += strcmp(c.ids[j], ids[k]) == 0;
		if (seen != 1)
			fail_msg("group %s: member %s listed %zu times", gid, ids[k], seen);
	}
}

/* Every group's member list against every ENI's groups, both ways. */
struct consistency {
	const struct model *m;
	const char *gid;
	size_t having; /* ENIs whose groups name gid */
};

static int count_having(const struct model_eni_view *v, void *arg)
{
	struct consistency *c = arg;

	for (size_t k = 0; k < v->n_groups; k++)
		c->having += strcmp(v->groups[k], c->gid) == 0;
	return 0;
}

static int check_group(const struct model_sg_view *g, void *arg)
{
	struct consistency c = {.m = ((struct consistency *)arg)->m, .gid = g->id};
	struct members mem = {0};

	assert_int_equal(model_foreach_sg_member(c.m, g->id, collect_member, &mem), 0);
	assert_int_equal(mem.n, g->n_members);
	for (size_t k = 0; k < mem.n; k++) {
		struct model_eni_view e;
		bool has = false;
		assert_int_equal(model_get_eni(c.m, mem.ids[k], &e), 0);
		for (size_t j = 0; j < e.n_groups; j++)
			has = has || strcmp(e.groups[j], g->id) == 0;
		if (!has)
			fail_msg("%s lists %s, which does not have it", g->id, mem.ids[k]);
		for (size_t j = k + 1; j < mem.n; j++)
			assert_string_not_equal(mem.ids[k], mem.ids[j]);
	}
	assert_int_equal(model_foreach_eni(c.m, count_having, &c), 0);
	assert_int_equal(c.having, g->n_members);
	return 0;
}

static void members_consistent(struct world *w)
{
	struct consistency c = {.m = w->m};

	assert_int_equal(model_foreach_sg(w->m, check_group, &c), 0);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- R24: the default group ---- */

static void new_vpc_has_a_default_group_with_three_rules(void **state)
{
	W;
	struct model_sg_view g, byname;
	char v[MODEL_ID_MAX];

	vpc2(w, "10.1.0.0/16", NULL, v, NULL);
	assert_int_equal(model_get_default_sg(w->m, v, &g), 0);
	assert_true(starts(g.id, "sg-"));
	assert_int_equal(strlen(g.id), 3 + 17);
	assert_string_equal(g.name, "default");
	assert_string_equal(g.vpc_id, v);
	assert_true(g.is_default);
	assert_int_equal(g.n_members, 0);
	assert_int_equal(model_find_sg_by_name(w->m, v, "default", &byname), 0);
	assert_string_equal(byname.id, g.id);
	assert_int_equal(model_get_sg(w->m, g.id, NULL), 0);
	assert_int_equal(g.n_rules, 3);
	/* inbound: all protocols from its own members */
	assert_false(g.rules[0].egress);
	assert_int_equal(g.rules[0].protocol, -1);
	assert_int_equal(g.rules[0].from_port, -1);
	assert_int_equal(g.rules[0].to_port, -1);
	assert_non_null(g.rules[0].peer_group_id);
	assert_string_equal(g.rules[0].peer_group_id, g.id);
	assert_null(g.rules[0].cidr4);
	assert_null(g.rules[0].cidr6);
	/* outbound: all to anywhere, IPv4 then IPv6 */
	assert_true(g.rules[1].egress);
	assert_int_equal(g.rules[1].protocol, -1);
	assert_non_null(g.rules[1].cidr4);
	assert_string_equal(g.rules[1].cidr4, "0.0.0.0/0");
	assert_null(g.rules[1].cidr6);
	assert_null(g.rules[1].peer_group_id);
	assert_true(g.rules[2].egress);
	assert_int_equal(g.rules[2].protocol, -1);
	assert_non_null(g.rules[2].cidr6);
	assert_string_equal(g.rules[2].cidr6, "::/0");
	assert_null(g.rules[2].cidr4);
	for (size_t k = 0; k < 3; k++) {
		assert_true(starts(g.rules[k].id, "sgr-"));
		assert_string_equal(g.rules[k].group_id, g.id);
		assert_int_equal(g.rules[k].from_port, -1);
		assert_int_equal(g.rules[k].to_port, -1);
	}
	/* the inbound rule is the rule "all from this group": the same one given again */
	char gid[MODEL_ID_MAX];
	snprintf(gid, sizeof(gid), "%s", g.id);
	struct model_sg_perm self = {.protocol = "-1", .group_id = gid};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, gid, false, &self, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	OK(w, model_revoke_sg(w->m, gid, false, &self, 1, &w->err));
	assert_int_equal(n_rules(w, gid), 2);
	OK(w, model_authorize_sg(w->m, gid, false, &self, 1, NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, gid, &g), 0);
	assert_int_equal(g.n_rules, 3);
	assert_string_equal(g.rules[0].peer_group_id, gid);
	/* the fixture's VPC has its own, different one, which eni0 has */
	assert_int_equal(model_get_default_sg(w->m, w->vpc, &byname), 0);
	assert_string_not_equal(byname.id, g.id);
	assert_int_equal(byname.n_members, 1);
	assert_int_equal(model_get_default_sg(w->m, "vpc-none", &g), -1);
	assert_int_equal(model_find_sg_by_name(w->m, v, "nope", &g), -1);
	assert_int_equal(model_find_sg_by_name(w->m, "vpc-none", "default", &g), -1);
}

static void default_group_and_rule_ids_given_are_kept_and_bare_has_no_rules(void **state)
{
	W;
	const char *c4[] = {"10.1.0.0/16"};
	struct model_vpc_req v = {.cidr4 = c4,
				  .n_cidr4 = 1,
				  .default_group_id = "sg-0000000000000d001",
				  .default_rule_ids = {"sgr-0000000000000d001",
						       "sgr-0000000000000d002",
						       "sgr-0000000000000d003"}};
	struct model_sg_view g;
	char vid[MODEL_ID_MAX];
	size_t at;

	OK(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err));
	assert_int_equal(model_get_default_sg(w->m, vid, &g), 0);
	assert_string_equal(g.id, "sg-0000000000000d001");
	assert_int_equal(g.n_rules, 3);
	assert_string_equal(g.rules[0].id, "sgr-0000000000000d001");
	assert_string_equal(g.rules[1].id, "sgr-0000000000000d002");
	assert_string_equal(g.rules[2].id, "sgr-0000000000000d003");
	assert_string_equal(g.rules[0].peer_group_id, "sg-0000000000000d001");
	assert_int_equal(model_find_sg_rule(w->m, "sgr-0000000000000d002", &g, &at), 0);
	assert_string_equal(g.id, "sg-0000000000000d001");
	assert_int_equal(at, 1);

	/* a given id that is taken, or given twice, refuses the whole VPC */
	c4[0] = "10.2.0.0/16";
	v.default_group_id = "sg-0000000000000d001";
	v.default_rule_ids[0] = v.default_rule_ids[1] = v.default_rule_ids[2] = NULL;
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err), "InvalidParameterValue");
	v.default_group_id = "sg-0000000000000d002";
	v.default_rule_ids[1] = "sgr-0000000000000d001";
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err), "InvalidParameterValue");
	v.default_rule_ids[1] = "sgr-0000000000000e001";
	v.default_rule_ids[2] = "sgr-0000000000000e001";
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err), "InvalidParameterValue");

	/* one given, the others generated */
	v.default_rule_ids[2] = NULL;
	OK(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err));
	assert_int_equal(model_get_default_sg(w->m, vid, &g), 0);
	assert_string_equal(g.id, "sg-0000000000000d002");
	assert_true(starts(g.rules[0].id, "sgr-"));
	assert_string_equal(g.rules[1].id, "sgr-0000000000000e001");
	assert_true(starts(g.rules[2].id, "sgr-"));
	assert_string_not_equal(g.rules[0].id, g.rules[2].id);

	/* bare: the group, without rules */
	struct model_vpc_req bare = {.cidr4 = c4, .n_cidr4 = 1, .default_group_bare = true};
	c4[0] = "10.3.0.0/16";
	OK(w, model_create_vpc(w->m, &bare, vid, &w->d, &w->err));
	assert_int_equal(model_get_default_sg(w->m, vid, &g), 0);
	assert_string_equal(g.name, "default");
	assert_true(g.is_default);
	assert_int_equal(g.n_rules, 0);
}

/* ---- R24: the groups of an ENI ---- */

static void eni_without_groups_has_the_default_group_and_with_groups_those(void **state)
{
	W;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], e1[MODEL_ID_MAX], e2[MODEL_ID_MAX],
	    def[MODEL_ID_MAX];
	struct model_eni_view ev;

	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.n_groups, 1);
	assert_string_equal(ev.groups[0], def);
	group(w, w->vpc, NULL, "a", a);
	group(w, w->vpc, NULL, "b", b);
	assert_true(starts(a, "sg-"));
	OK(w, eni_with(w, w->sa, NULL, 0, e1));
	assert_int_equal(model_get_eni(w->m, e1, &ev), 0);
	assert_int_equal(ev.n_groups, 1);
	assert_string_equal(ev.groups[0], def);
	{
		const char *g[] = {b, a, b, b};
		OK(w, eni_with(w, w->sb, g, 4, e2)); /* a repeated id counts once */
	}
	assert_int_equal(model_get_eni(w->m, e2, &ev), 0);
	assert_int_equal(ev.n_groups, 2);
	assert_string_equal(ev.groups[0], b);
	assert_string_equal(ev.groups[1], a);
	{
		const char *m_def[] = {w->eni0, e1}, *m_ab[] = {e2};
		expect_members(w, def, m_def, 2);
		expect_members(w, a, m_ab, 1);
		expect_members(w, b, m_ab, 1);
	}
	members_consistent(w);
	assert_int_equal(
	    model_foreach_sg_member(w->m, "sg-0000000000000dead", collect_member, NULL), -1);
}

static void eni_group_limits_and_bad_ids_change_nothing(void **state)
{
	W;
	char g[6][MODEL_ID_MAX], e[MODEL_ID_MAX], v[MODEL_ID_MAX], s2[MODEL_ID_MAX];
	char other[MODEL_ID_MAX];
	const char *ids[7];
	struct model_eni_view ev;

	for (int k = 0; k < 6; k++) {
		char name[8];
		snprintf(name, sizeof(name), "g%d", k);
		group(w, w->vpc, NULL, name, g[k]);
		ids[k] = g[k];
	}
	ATOMIC_FAILS(w, eni_with(w, w->sa, ids, 6, e), "SecurityGroupsPerInterfaceLimitExceeded");
	for (int k = 0; k < 6; k++)
		assert_int_equal(n_members(w, g[k]), 0);
	/* five distinct (one repeated among six ids) is fine */
	ids[5] = g[0];
	OK(w, eni_with(w, w->sa, ids, 6, e));
	assert_int_equal(model_get_eni(w->m, e, &ev), 0);
	assert_int_equal(ev.n_groups, MODEL_GROUPS_MAX);
	for (int k = 0; k < 5; k++) {
		assert_string_equal(ev.groups[k], g[k]);
		assert_int_equal(n_members(w, g[k]), 1);
	}
	assert_int_equal(n_members(w, g[5]), 0);

	ids[0] = g[0];
	ids[1] = "sg-0000000000000dead";
	ATOMIC_FAILS(w, eni_with(w, w->sa, ids, 2, e), "InvalidGroup.NotFound");
	ids[1] = "default";
	ATOMIC_FAILS(w, eni_with(w, w->sa, ids, 2, e), "InvalidGroupId.Malformed");
	ids[1] = "abc";
	ATOMIC_FAILS(w, eni_with(w, w->sa, ids, 2, e), "InvalidGroupId.Malformed");
	vpc2(w, "10.1.0.0/16", "10.1.1.0/24", v, s2);
	group(w, v, NULL, "elsewhere", other);
	ids[1] = other;
	ATOMIC_FAILS(w, eni_with(w, w->sa, ids, 2, e), "InvalidParameterValue");
	/* and the other way round: a subnet of v with a group of the fixture's VPC */
	ATOMIC_FAILS(w, eni_with(w, s2, ids, 1, e), "InvalidParameterValue");
	OK(w, eni_with(w, s2, &ids[1], 1, e));
	assert_int_equal(n_members(w, other), 1);
	members_consistent(w);
}

static void set_eni_groups_replaces_with_the_same_checks(void **state)
{
	W;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], g[6][MODEL_ID_MAX], def[MODEL_ID_MAX];
	char v[MODEL_ID_MAX], other[MODEL_ID_MAX];
	const char *ids[6];
	struct model_eni_view ev;

	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	group(w, w->vpc, NULL, "a", a);
	group(w, w->vpc, NULL, "b", b);
	assert_int_equal(n_members(w, def), 1);
	ids[0] = a;
	ids[1] = b;
	ids[2] = a;
	OK(w, model_set_eni_groups(w->m, w->eni0, ids, 3, &w->d, &w->err));
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.n_groups, 2);
	assert_string_equal(ev.groups[0], a);
	assert_string_equal(ev.groups[1], b);
	assert_int_equal(n_members(w, def), 0);
	assert_int_equal(n_members(w, a), 1);
	assert_int_equal(n_members(w, b), 1);
	members_consistent(w);

	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 0, &w->d, &w->err),
		     "MissingParameter");
	for (int k = 0; k < 6; k++) {
		char name[8];
		snprintf(name, sizeof(name), "g%d", k);
		group(w, w->vpc, NULL, name, g[k]);
		ids[k] = g[k];
	}
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 6, &w->d, &w->err),
		     "SecurityGroupsPerInterfaceLimitExceeded");
	ids[1] = "sg-0000000000000dead";
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 2, &w->d, &w->err),
		     "InvalidGroup.NotFound");
	ids[1] = "default";
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 2, &w->d, &w->err),
		     "InvalidGroupId.Malformed");
	ids[1] = "abc";
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 2, &w->d, &w->err),
		     "InvalidGroupId.Malformed");
	vpc2(w, "10.1.0.0/16", NULL, v, NULL);
	group(w, v, NULL, "elsewhere", other);
	ids[1] = other;
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, w->eni0, ids, 2, &w->d, &w->err),
		     "InvalidParameterValue");
	ATOMIC_FAILS(w, model_set_eni_groups(w->m, "eni-0000000000000dead", ids, 1, &w->d, &w->err),
		     "InvalidNetworkInterfaceID.NotFound");
	/* the same set again, in another order: still one membership each */
	ids[0] = b;
	ids[1] = a;
	OK(w, model_set_eni_groups(w->m, w->eni0, ids, 2, &w->d, &w->err));
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_string_equal(ev.groups[0], b);
	assert_string_equal(ev.groups[1], a);
	assert_int_equal(n_members(w, a), 1);
	assert_int_equal(n_members(w, b), 1);
	/* back to the default group, which has to be named now */
	ids[0] = def;
	OK(w, model_set_eni_groups(w->m, w->eni0, ids, 1, &w->d, &w->err));
	assert_int_equal(n_members(w, def), 1);
	assert_int_equal(n_members(w, a), 0);
	assert_int_equal(n_members(w, b), 0);
	members_consistent(w);
}

/*
 * Six ENIs, each in group a and in b or c (in different orders, so that an
 * ENI's place differs from list to list); the first, a middle and the last
 * member of a leave, by delete and by a change of groups.
 */
static void leaving_members_keep_the_others_listed(void **state)
{
	W;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], c[MODEL_ID_MAX], e[6][MODEL_ID_MAX];
	char def[MODEL_ID_MAX];

	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	group(w, w->vpc, NULL, "a", a);
	group(w, w->vpc, NULL, "b", b);
	group(w, w->vpc, NULL, "c", c);
	for (int k = 0; k < 6; k++) {
		const char *ab[] = {a, b}, *ca[] = {c, a}, *bac[] = {b, a, c};
		const char *const *g = k % 3 == 0 ? ab : k % 3 == 1 ? ca : bac;
		OK(w, eni_with(w, w->sa, g, k % 3 == 2 ? 3 : 2, e[k]));
	}
	/* a: e0..e5; b: e0 e2 e3 e5; c: e1 e2 e4 e5 */
	{
		const char *ma[] = {e[0], e[1], e[2], e[3], e[4], e[5]};
		const char *mb[] = {e[0], e[2], e[3], e[5]}, *mc[] = {e[1], e[2], e[4], e[5]};
		expect_members(w, a, ma, 6);
		expect_members(w, b, mb, 4);
		expect_members(w, c, mc, 4);
	}
	members_consistent(w);
	/* the first member of a (and of b) */
	OK(w, model_delete_eni(w->m, e[0], &w->d, &w->err));
	{
		const char *ma[] = {e[1], e[2], e[3], e[4], e[5]};
		const char *mb[] = {e[2], e[3], e[5]}, *mc[] = {e[1], e[2], e[4], e[5]};
		expect_members(w, a, ma, 5);
		expect_members(w, b, mb, 3);
		expect_members(w, c, mc, 4);
	}
	members_consistent(w);
	/* a middle one (e3, in a and b) */
	OK(w, model_delete_eni(w->m, e[3], &w->d, &w->err));
	{
		const char *ma[] = {e[1], e[2], e[4], e[5]};
		const char *mb[] = {e[2], e[5]}, *mc[] = {e[1], e[2], e[4], e[5]};
		expect_members(w, a, ma, 4);
		expect_members(w, b, mb, 2);
		expect_members(w, c, mc, 4);
	}
	members_consistent(w);
	/* the last one to join (e5, in all three) */
	OK(w, model_delete_eni(w->m, e[5], &w->d, &w->err));
	{
		const char *ma[] = {e[1], e[2], e[4]};
		const char *mb[] = {e[2]}, *mc[] = {e[1], e[2], e[4]};
		expect_members(w, a, ma, 3);
		expect_members(w, b, mb, 1);
		expect_members(w, c, mc, 3);
	}
	members_consistent(w);
	/* a member that moved must still be found where it now is: e2 leaves a and c */
	{
		const char *only_b[] = {b};
		OK(w, model_set_eni_groups(w->m, e[2], only_b, 1, &w->d, &w->err));
		const char *ma[] = {e[1], e[4]}, *mb[] = {e[2]}, *mc[] = {e[1], e[4]};
		expect_members(w, a, ma, 2);
		expect_members(w, b, mb, 1);
		expect_members(w, c, mc, 2);
	}
	members_consistent(w);
	/* new members after the churn; then everyone goes */
	OK(w, eni_with(w, w->sb, NULL, 0, e[0]));
	{
		const char *g[] = {a};
		OK(w, eni_with(w, w->sb, g, 1, e[3]));
		const char *ma[] = {e[1], e[4], e[3]}, *md[] = {w->eni0, e[0]};
		expect_members(w, a, ma, 3);
		expect_members(w, def, md, 2);
	}
	members_consistent(w);
	const int order[] = {4, 1, 2, 3, 0};
	for (int k = 0; k < 5; k++) {
		OK(w, model_delete_eni(w->m, e[order[k]], &w->d, &w->err));
		members_consistent(w);
	}
	expect_members(w, a, NULL, 0);
	expect_members(w, b, NULL, 0);
	expect_members(w, c, NULL, 0);
	const char *md[] = {w->eni0};
	expect_members(w, def, md, 1);
}

static void launches_and_termination_move_members(void **state)
{
	W;
	static const uint16_t ports[] = {2, 3};
	char a[MODEL_ID_MAX], def[MODEL_ID_MAX], kept[MODEL_ID_MAX];
	const char *ga[] = {NULL};
	struct model_launch_eni l[2] = {{.device_index = 0, .delete_on_termination = true},
					{.device_index = 1, .delete_on_termination = false}};
	struct model_launch_req r = {.id = "i-0000000000000a001",
				     .type = "m5.large",
				     .host_port = -1,
				     .enis = l,
				     .n_enis = 2};
	struct model_instance_view iv;
	size_t got;

	OK(w, model_set_placement(w->m, ports, 2, 0, &w->err));
	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	group(w, w->vpc, NULL, "a", a);
	ga[0] = a;
	l[0].create.subnet_id = w->sa;
	l[0].create.source_dest_check = true;
	l[0].create.groups = ga;
	l[0].create.n_groups = 1;
	l[1].create.subnet_id = w->sb;
	l[1].create.source_dest_check = true;
	OK(w, model_launch_instances(w->m, &r, 1, 1, &got, &w->d, &w->err));
	assert_int_equal(got, 1);
	assert_int_equal(model_get_instance(w->m, r.id, &iv), 0);
	assert_int_equal(iv.n_enis, 2);
	{
		const char *ma[] = {iv.eni_ids[0]}, *md[] = {w->eni0, iv.eni_ids[1]};
		snprintf(kept, sizeof(kept), "%s", iv.eni_ids[1]);
		expect_members(w, a, ma, 1);
		expect_members(w, def, md, 2);
	}
	members_consistent(w);

	/* a launch refused for a group changes nothing */
	const char *bad[] = {"sg-0000000000000dead"};
	r.id = "i-0000000000000a002";
	l[1].create.groups = bad;
	l[1].create.n_groups = 1;
	ATOMIC_FAILS(w, model_launch_instances(w->m, &r, 1, 1, &got, &w->d, &w->err),
		     "InvalidGroup.NotFound");
	/* and one refused for capacity after the first of two instances was made */
	struct model_launch_req two[2] = {r, r};
	struct model_launch_eni lt[1] = {{.device_index = 0, .delete_on_termination = true}};
	lt[0].create.subnet_id = w->st;
	lt[0].create.source_dest_check = true;
	lt[0].create.groups = ga;
	lt[0].create.n_groups = 1;
	lt[0].create.secondary_count = 9; /* 10 of the 11 addresses of t: one instance fits */
	two[0].enis = two[1].enis = lt;
	two[0].n_enis = two[1].n_enis = 1;
	two[0].id = "i-0000000000000a003";
	two[1].id = "i-0000000000000a004";
	ATOMIC_FAILS(w, model_launch_instances(w->m, two, 2, 2, &got, &w->d, &w->err),
		     "InsufficientFreeAddressesInSubnet");
	assert_int_equal(n_members(w, a), 1);
	/* MaxCount 2, MinCount 1: one launched, one member more */
	OK(w, model_launch_instances(w->m, two, 2, 1, &got, &w->d, &w->err));
	assert_int_equal(got, 1);
	assert_int_equal(n_members(w, a), 2);
	members_consistent(w);

	/* termination: the delete-on-termination ENI leaves its groups, the other stays */
	OK(w, model_terminate_instance(w->m, "i-0000000000000a001", &w->d, &w->err));
	{
		const char *md[] = {w->eni0, kept};
		assert_int_equal(n_members(w, a), 1);
		expect_members(w, def, md, 2);
	}
	members_consistent(w);
	OK(w, model_terminate_instance(w->m, "i-0000000000000a003", &w->d, &w->err));
	expect_members(w, a, NULL, 0);
	OK(w, model_delete_security_group(w->m, a, &w->err));
	members_consistent(w);
}

/* ---- R25: rules ---- */

static void authorize_is_all_or_nothing(void **state)
{
	W;
	char g[MODEL_ID_MAX], rid[3][MODEL_ID_MAX];
	struct model_sg_perm p[3] = {tcp("22", "22", "10.0.0.0/8"),
				     {.protocol = "udp",
				      .from_port = "53",
				      .to_port = "53",
				      .cidr6 = "2001:db8::/32",
				      .description = "dns"},
				     tcp("80", "80", "10.0.0.1/8")};
	struct model_sg_view v;

	group(w, w->vpc, NULL, "web", g);
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, p, 3, rid, &w->err),
		     "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.0.1/8"));
	assert_int_equal(n_rules(w, g), 0);
	/* the bad one first makes no difference */
	struct model_sg_perm q[3] = {p[2], p[0], p[1]};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, q, 3, rid, &w->err),
		     "InvalidParameterValue");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, p, 0, rid, &w->err), "MissingParameter");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, "sg-0000000000000dead", false, p, 2, rid, &w->err),
		     "InvalidGroup.NotFound");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, "web", false, p, 2, rid, &w->err),
		     "InvalidGroupId.Malformed");
	p[2] = tcp("80", "80", "10.0.0.0/8");
	OK(w, model_authorize_sg(w->m, g, false, p, 3, rid, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.n_rules, 3);
	for (size_t k = 0; k < 3; k++) {
		assert_string_equal(v.rules[k].id, rid[k]);
		assert_true(starts(rid[k], "sgr-"));
		assert_int_equal(strlen(rid[k]), 4 + 17);
		assert_string_equal(v.rules[k].group_id, g);
		assert_false(v.rules[k].egress);
	}
	assert_int_equal(v.rules[0].protocol, 6);
	assert_int_equal(v.rules[0].from_port, 22);
	assert_int_equal(v.rules[0].to_port, 22);
	assert_string_equal(v.rules[0].cidr4, "10.0.0.0/8");
	assert_null(v.rules[0].description);
	assert_int_equal(v.rules[1].protocol, 17);
	assert_string_equal(v.rules[1].cidr6, "2001:db8::/32");
	assert_string_equal(v.rules[1].description, "dns");
	assert_int_equal(v.rules[2].from_port, 80);
	/* outbound rules come after the inbound ones, in their own order */
	struct model_sg_perm out = tcp("443", "443", "0.0.0.0/0");
	OK(w, model_authorize_sg(w->m, g, true, &out, 1, NULL, &w->err));
	struct model_sg_perm in = tcp("8080", "8080", "10.0.0.0/8");
	OK(w, model_authorize_sg(w->m, g, false, &in, 1, NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.n_rules, 5);
	assert_int_equal(v.rules[3].from_port, 8080);
	assert_false(v.rules[3].egress);
	assert_int_equal(v.rules[4].from_port, 443);
	assert_true(v.rules[4].egress);
}

static void duplicates_are_refused_and_descriptions_do_not_count(void **state)
{
	W;
	char g[MODEL_ID_MAX];
	struct model_sg_perm a = tcp("22", "22", "10.0.0.0/8"), b = a, two[2];

	group(w, w->vpc, NULL, "web", g);
	a.description = "one";
	OK(w, model_authorize_sg(w->m, g, false, &a, 1, NULL, &w->err));
	b.description = "two";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &b, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	b.description = NULL;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &b, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	b.protocol = "6"; /* the same protocol by number */
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &b, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	/* a duplicate among new ones refuses them all */
	two[0] = tcp("23", "23", "10.0.0.0/8");
	two[1] = b;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, two, 2, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	/* the same new rule twice in one request */
	two[1] = two[0];
	two[1].description = "again";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, two, 2, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	assert_non_null(strstr(w->err.message, "in this request"));
	assert_int_equal(n_rules(w, g), 1);
	/* outbound is another direction: the same rule is new there */
	OK(w, model_authorize_sg(w->m, g, true, &b, 1, NULL, &w->err));
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &a, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	/* other ports, peer or protocol make another rule */
	struct model_sg_perm c = tcp("22", "23", "10.0.0.0/8"), d = tcp("22", "22", "10.0.0.0/9");
	struct model_sg_perm u = a;
	u.protocol = "udp";
	OK(w, model_authorize_sg(w->m, g, false, &c, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, g, false, &d, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, g, false, &u, 1, NULL, &w->err));
	/* the default group's own rules are duplicates too */
	char def[MODEL_ID_MAX];
	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	struct model_sg_perm self = {.protocol = "all", .group_id = def};
	struct model_sg_perm any6 = {.protocol = "-1", .cidr6 = "::/0"};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, def, false, &self, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, def, true, &any6, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
}

static void sixty_rules_per_direction(void **state)
{
	W;
	char g[MODEL_ID_MAX], port[62][8], rid[62][MODEL_ID_MAX];
	struct model_sg_perm p[62];

	group(w, w->vpc, NULL, "many", g);
	for (int k = 0; k < 62; k++) {
		snprintf(port[k], sizeof(port[k]), "%d", 1000 + k);
		p[k] = tcp(port[k], port[k], "10.0.0.0/8");
	}
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, p, 61, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	OK(w, model_authorize_sg(w->m, g, false, p, 59, rid, &w->err));
	/* 59 + 2 at once is refused, 59 + 1 is the limit */
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p[59], 2, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	OK(w, model_authorize_sg(w->m, g, false, &p[59], 1, NULL, &w->err));
	assert_int_equal(n_rules(w, g), MODEL_SG_RULES_MAX);
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p[60], 1, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	/* outbound is counted apart: 60 there too */
	OK(w, model_authorize_sg(w->m, g, true, p, 60, NULL, &w->err));
	assert_int_equal(n_rules(w, g), 2 * MODEL_SG_RULES_MAX);
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &p[60], 1, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	/* room again after a revoke */
	OK(w, model_revoke_sg_rules(w->m, g, false, (const char *const[]){rid[0]}, 1, &w->err));
	OK(w, model_authorize_sg(w->m, g, false, &p[60], 1, NULL, &w->err));
	/* the default group (two outbound rules) takes 58 more outbound, one inbound less */
	char def[MODEL_ID_MAX];
	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	ATOMIC_FAILS(w, model_authorize_sg(w->m, def, true, p, 59, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	OK(w, model_authorize_sg(w->m, def, true, p, 58, NULL, &w->err));
	ATOMIC_FAILS(w, model_authorize_sg(w->m, def, false, p, 60, NULL, &w->err),
		     "RulesPerSecurityGroupLimitExceeded");
	OK(w, model_authorize_sg(w->m, def, false, p, 59, NULL, &w->err));
}

static void revoke_by_permission_and_by_id(void **state)
{
	W;
	char g[MODEL_ID_MAX], rid[3][MODEL_ID_MAX];
	struct model_sg_perm p[3] = {tcp("22", "22", "10.0.0.0/8"), tcp("80", "80", "10.0.0.0/8"),
				     tcp("443", "443", "10.0.0.0/8")};
	struct model_sg_perm absent = tcp("25", "25", "10.0.0.0/8"), two[2];
	struct model_sg_view v;
	size_t at;

	group(w, w->vpc, NULL, "web", g);
	p[1].description = "http";
	OK(w, model_authorize_sg(w->m, g, false, p, 3, rid, &w->err));
	ATOMIC_FAILS(w, model_revoke_sg(w->m, g, false, &absent, 1, &w->err),
		     "InvalidPermission.NotFound");
	/* one absent among present ones: none goes */
	two[0] = p[0];
	two[1] = absent;
	ATOMIC_FAILS(w, model_revoke_sg(w->m, g, false, two, 2, &w->err),
		     "InvalidPermission.NotFound");
	/* present inbound, asked outbound */
	ATOMIC_FAILS(w, model_revoke_sg(w->m, g, true, &p[0], 1, &w->err),
		     "InvalidPermission.NotFound");
	ATOMIC_FAILS(w, model_revoke_sg(w->m, g, false, p, 0, &w->err), "MissingParameter");
	ATOMIC_FAILS(w, model_revoke_sg(w->m, "sg-0000000000000dead", false, p, 1, &w->err),
		     "InvalidGroup.NotFound");
	assert_int_equal(n_rules(w, g), 3);
	/* by permission: the description does not count; given twice, it goes once */
	struct model_sg_perm http = p[1];
	http.description = NULL;
	two[0] = http;
	two[1] = http;
	OK(w, model_revoke_sg(w->m, g, false, two, 2, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.n_rules, 2);
	assert_string_equal(v.rules[0].id, rid[0]);
	assert_string_equal(v.rules[1].id, rid[2]);
	assert_int_equal(model_find_sg_rule(w->m, rid[1], &v, &at), -1);
	assert_int_equal(model_find_sg_rule(w->m, rid[2], &v, &at), 0);
	assert_string_equal(v.id, g);
	assert_int_equal(at, 1);
	ATOMIC_FAILS(w, model_revoke_sg(w->m, g, false, &p[1], 1, &w->err),
		     "InvalidPermission.NotFound");

	/* by rule id */
	const char *ids[2] = {rid[1], NULL};
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, g, false, ids, 1, &w->err),
		     "InvalidSecurityGroupRuleId.NotFound");
	ids[0] = "sgr-0000000000000dead";
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, g, false, ids, 1, &w->err),
		     "InvalidSecurityGroupRuleId.NotFound");
	ids[0] = rid[0];
	ids[1] = "sgr-0000000000000dead"; /* all or nothing */
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, g, false, ids, 2, &w->err),
		     "InvalidSecurityGroupRuleId.NotFound");
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, g, true, ids, 1, &w->err),
		     "InvalidSecurityGroupRuleId.NotFound"); /* an inbound rule, asked outbound */
	char def[MODEL_ID_MAX];
	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, def, false, ids, 1, &w->err),
		     "InvalidSecurityGroupRuleId.NotFound"); /* a rule of another group */
	ATOMIC_FAILS(w, model_revoke_sg_rules(w->m, "sg-0000000000000dead", false, ids, 1, &w->err),
		     "InvalidGroup.NotFound");
	assert_int_equal(n_rules(w, g), 2);
	ids[1] = rid[2];
	OK(w, model_revoke_sg_rules(w->m, g, false, ids, 2, &w->err));
	assert_int_equal(n_rules(w, g), 0);
	assert_int_equal(model_find_sg_rule(w->m, rid[0], NULL, NULL), -1);
	assert_int_equal(model_find_sg_rule(w->m, rid[2], NULL, NULL), -1);
	/* the default group's rules go like any other */
	assert_int_equal(model_get_sg(w->m, def, &v), 0);
	char out4[MODEL_ID_MAX];
	snprintf(out4, sizeof(out4), "%s", v.rules[1].id);
	ids[0] = out4;
	OK(w, model_revoke_sg_rules(w->m, def, true, ids, 1, &w->err));
	struct model_sg_perm any6 = {.protocol = "-1", .cidr6 = "::/0"};
	OK(w, model_revoke_sg(w->m, def, true, &any6, 1, &w->err));
	assert_int_equal(n_rules(w, def), 1);
	OK(w, model_authorize_sg(w->m, def, true, &any6, 1, NULL, &w->err));
	assert_int_equal(n_rules(w, def), 2);
}

struct proto_case {
	const char *a, *b; /* two spellings of one protocol */
	int num;
	const char *from, *to; /* the ports it needs */
};

static void protocols_by_name_and_number_are_the_same(void **state)
{
	W;
	char g[MODEL_ID_MAX];
	static const struct proto_case cases[] = {
	    {"tcp", "6", 6, "22", "22"},     {"udp", "17", 17, "53", "53"},
	    {"icmp", "1", 1, "8", "0"},	     {"icmpv6", "58", 58, "128", "0"},
	    {"-1", "all", -1, NULL, NULL},   {"TCP", "tcp", 6, "1", "2"},
	    {"47", "47", 47, NULL, NULL},    {"0", "0", 0, NULL, NULL},
	    {"255", "255", 255, NULL, NULL},
	};
	struct model_sg_view v;

	group(w, w->vpc, NULL, "protos", g);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct proto_case *c = &cases[k];
		struct model_sg_perm p = {.protocol = c->a,
					  .from_port = c->from,
					  .to_port = c->to,
					  .cidr4 = "10.9.0.0/16"};
		OK(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err));
		assert_int_equal(model_get_sg(w->m, g, &v), 0);
		assert_int_equal(v.n_rules, 1);
		if (v.rules[0].protocol != c->num)
			fail_msg("protocol '%s' shown as %d, not %d", c->a, v.rules[0].protocol,
				 c->num);
		p.protocol = c->b;
		ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
			     "InvalidPermission.Duplicate");
		OK(w, model_revoke_sg(w->m, g, false, &p, 1, &w->err));
		assert_int_equal(n_rules(w, g), 0);
	}
	static const char *const bad[] = {"300", "256", "xyz", "", "-2", "6x", "tcpx"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct model_sg_perm p = {.protocol = bad[k], .cidr4 = "10.9.0.0/16"};
		ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
			     "InvalidParameterValue");
		ATOMIC_FAILS(w, model_revoke_sg(w->m, g, false, &p, 1, &w->err),
			     "InvalidParameterValue");
	}
	struct model_sg_perm none = {.cidr4 = "10.9.0.0/16"};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &none, 1, NULL, &w->err),
		     "InvalidParameterValue");
}

static void ports_are_checked_for_tcp_udp_and_icmp_and_ignored_otherwise(void **state)
{
	W;
	char g[MODEL_ID_MAX];
	static const struct {
		const char *proto, *from, *to;
	} bad[] = {
	    {"tcp", NULL, NULL},  {"tcp", "22", NULL},	 {"tcp", NULL, "22"},
	    {"tcp", "23", "22"},  {"tcp", "0", "65536"}, {"tcp", "-2", "22"},
	    {"tcp", "-1", "22"},  {"tcp", "-1", "-1"},	 {"tcp", "abc", "22"},
	    {"tcp", "", "22"},	  {"tcp", "22", "22x"},	 {"udp", NULL, NULL},
	    {"udp", "100", "99"}, {"udp", "1", "65536"}, {"17", "-2", "5"},
	    {"icmp", "-1", "3"},  {"icmp", "256", "0"},	 {"icmp", "8", "256"},
	    {"icmp", "-2", "-1"}, {"icmpv6", "-1", "0"}, {"icmpv6", "x", "0"},
	    {"icmp", NULL, "3"}, /* type absent is -1 */
	};
	struct model_sg_view v;

	group(w, w->vpc, NULL, "ports", g);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct model_sg_perm p = {.protocol = bad[k].proto,
					  .from_port = bad[k].from,
					  .to_port = bad[k].to,
					  .cidr4 = "10.0.0.0/8"};
		memset(&w->err, 0, sizeof(w->err));
		if (model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err) == 0)
			fail_msg("%s %s..%s was taken", bad[k].proto,
				 bad[k].from ? bad[k].from : "-", bad[k].to ? bad[k].to : "-");
		assert_string_equal(w->err.code, "InvalidParameterValue");
	}
	assert_int_equal(n_rules(w, g), 0);
	/* the full range; ICMP types and codes */
	struct model_sg_perm ok[] = {
	    {.protocol = "tcp", .from_port = "0", .to_port = "65535", .cidr4 = "10.0.0.0/8"},
	    {.protocol = "icmp", .from_port = "8", .to_port = "-1", .cidr4 = "10.0.0.0/8"},
	    {.protocol = "icmp", .cidr4 = "10.0.0.0/8"},
	    {.protocol = "icmpv6", .from_port = "-1", .to_port = "-1", .cidr6 = "::/0"},
	    {.protocol = "icmp", .from_port = "3", .to_port = "4", .cidr4 = "10.0.0.0/8"},
	};
	OK(w, model_authorize_sg(w->m, g, false, ok, 5, NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.rules[0].from_port, 0);
	assert_int_equal(v.rules[0].to_port, 65535);
	assert_int_equal(v.rules[1].from_port, 8);
	assert_int_equal(v.rules[1].to_port, -1);
	assert_int_equal(v.rules[2].from_port, -1);
	assert_int_equal(v.rules[2].to_port, -1);
	assert_int_equal(v.rules[4].from_port, 3);
	assert_int_equal(v.rules[4].to_port, 4);
	/* ICMP with no ports is ICMP with -1/-1 */
	struct model_sg_perm icmp_any = {
	    .protocol = "1", .from_port = "-1", .to_port = "-1", .cidr4 = "10.0.0.0/8"};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &icmp_any, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");

	/* protocol -1 and 47 (GRE): ports ignored, shown absent, equal to none given */
	struct model_sg_perm all_p = {
	    .protocol = "-1", .from_port = "1", .to_port = "2", .cidr4 = "192.168.0.0/16"};
	struct model_sg_perm gre_p = {
	    .protocol = "47", .from_port = "5", .to_port = "1", .cidr4 = "192.168.0.0/16"};
	OK(w, model_authorize_sg(w->m, g, true, &all_p, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, g, true, &gre_p, 1, NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.n_rules, 7);
	assert_true(v.rules[5].egress);
	assert_int_equal(v.rules[5].protocol, -1);
	assert_int_equal(v.rules[5].from_port, -1);
	assert_int_equal(v.rules[5].to_port, -1);
	assert_int_equal(v.rules[6].protocol, 47);
	assert_int_equal(v.rules[6].from_port, -1);
	assert_int_equal(v.rules[6].to_port, -1);
	struct model_sg_perm all_n = {.protocol = "all", .cidr4 = "192.168.0.0/16"};
	struct model_sg_perm gre_n = {.protocol = "47", .cidr4 = "192.168.0.0/16"};
	struct model_sg_perm gre_x = gre_n;
	gre_x.from_port = "garbage"; /* not even parsed */
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &all_n, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &gre_n, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &gre_x, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	OK(w, model_revoke_sg(w->m, g, true, &gre_n, 1, &w->err));
	OK(w, model_revoke_sg(w->m, g, true, &all_n, 1, &w->err));
	assert_int_equal(n_rules(w, g), 5);
}

static void peers_are_checked(void **state)
{
	W;
	char g[MODEL_ID_MAX], h[MODEL_ID_MAX], v2[MODEL_ID_MAX], other[MODEL_ID_MAX];
	static const char *const bad4[] = {"10.0.0.1/8", "garbage", "10.0.0.0", "10.0.0.0/33",
					   "10.0.0/8",	 "::/0",    "",		"10.0.0.0/-1"};
	static const char *const bad6[] = {"2001:db8::1/32", "garbage", "2001:db8::/129",
					   "10.0.0.0/8", "2001:db8::"};
	struct model_sg_view v;

	group(w, w->vpc, NULL, "g", g);
	group(w, w->vpc, NULL, "h", h);
	for (size_t k = 0; k < sizeof(bad4) / sizeof(bad4[0]); k++) {
		struct model_sg_perm p = {.protocol = "-1", .cidr4 = bad4[k]};
		ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
			     "InvalidParameterValue");
	}
	for (size_t k = 0; k < sizeof(bad6) / sizeof(bad6[0]); k++) {
		struct model_sg_perm p = {.protocol = "-1", .cidr6 = bad6[k]};
		ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
			     "InvalidParameterValue");
	}
	struct model_sg_perm p = {.protocol = "-1"};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidParameterValue"); /* no peer */
	p.cidr4 = "10.0.0.0/8";
	p.group_id = h;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidParameterValue"); /* two */
	p.group_id = NULL;
	p.cidr6 = "::/0";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidParameterValue");
	p.group_id = h;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidParameterValue"); /* three */
	p.cidr4 = p.cidr6 = NULL;
	vpc2(w, "10.1.0.0/16", NULL, v2, NULL);
	group(w, v2, NULL, "elsewhere", other);
	p.group_id = other;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidParameterValue");
	p.group_id = default_sg(w, v2);
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, true, &p, 1, NULL, &w->err),
		     "InvalidParameterValue");
	p.group_id = "sg-0000000000000dead";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidGroup.NotFound");
	p.group_id = "abc";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &p, 1, NULL, &w->err),
		     "InvalidGroupId.Malformed");
	assert_int_equal(n_rules(w, g), 0);

	/* good ones: CIDRs shown canonical, a group of the VPC, the group itself */
	struct model_sg_perm good[4] = {{.protocol = "-1", .cidr4 = "10.0.0.0/8"},
					{.protocol = "-1", .cidr6 = "2001:DB8:0:0::/32"},
					{.protocol = "-1", .group_id = h},
					{.protocol = "-1", .group_id = g}};
	OK(w, model_authorize_sg(w->m, g, false, good, 4, NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_int_equal(v.n_rules, 4);
	assert_string_equal(v.rules[0].cidr4, "10.0.0.0/8");
	assert_null(v.rules[0].cidr6);
	assert_null(v.rules[0].peer_group_id);
	assert_string_equal(v.rules[1].cidr6, "2001:db8::/32");
	assert_null(v.rules[1].cidr4);
	assert_string_equal(v.rules[2].peer_group_id, h);
	assert_null(v.rules[2].cidr4);
	assert_null(v.rules[2].cidr6);
	assert_string_equal(v.rules[3].peer_group_id, g);
	/* the canonical and the given text are the same peer */
	struct model_sg_perm again = {.protocol = "-1", .cidr6 = "2001:db8::/32"};
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &again, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
	/* the same group peer from h's side is a rule of h */
	struct model_sg_perm fromg = {.protocol = "-1", .group_id = g};
	OK(w, model_authorize_sg(w->m, h, false, &fromg, 1, NULL, &w->err));
}

static void rule_ids_and_descriptions(void **state)
{
	W;
	char g[MODEL_ID_MAX], h[MODEL_ID_MAX], rid[2][MODEL_ID_MAX], long_text[300];
	struct model_sg_perm p[2] = {tcp("22", "22", "10.0.0.0/8"), tcp("80", "80", "10.0.0.0/8")};
	struct model_sg_view v;
	size_t at;

	group(w, w->vpc, NULL, "g", g);
	group(w, w->vpc, NULL, "h", h);
	p[0].rule_id = "sgr-0000000000000a001";
	OK(w, model_authorize_sg(w->m, g, false, p, 2, rid, &w->err));
	assert_string_equal(rid[0], "sgr-0000000000000a001");
	assert_true(starts(rid[1], "sgr-"));
	assert_int_equal(strlen(rid[1]), 4 + 17);
	assert_int_equal(model_find_sg_rule(w->m, "sgr-0000000000000a001", &v, &at), 0);
	assert_string_equal(v.id, g);
	assert_int_equal(at, 0);
	assert_int_equal(model_find_sg_rule(w->m, rid[1], &v, &at), 0);
	assert_string_equal(v.id, g);
	assert_int_equal(at, 1);
	assert_string_equal(v.rules[at].id, rid[1]);
	assert_int_equal(model_find_sg_rule(w->m, "sgr-0000000000000dead", &v, &at), -1);
	assert_int_equal(model_find_sg_rule(w->m, g, &v, &at), -1);

	/* given ids: taken (in any group), not sgr-, or given twice */
	struct model_sg_perm q[2] = {tcp("443", "443", "10.0.0.0/8"), tcp("8443", "8443", "::/0")};
	q[1] = tcp("8443", "8443", "10.0.0.0/8");
	q[0].rule_id = "sgr-0000000000000a001";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, h, false, q, 1, NULL, &w->err),
		     "InvalidParameterValue");
	q[0].rule_id = "rule-1";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, h, false, q, 1, NULL, &w->err),
		     "InvalidParameterValue");
	q[0].rule_id = q[1].rule_id = "sgr-0000000000000a002";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, h, false, q, 2, NULL, &w->err),
		     "InvalidParameterValue");
	q[1].rule_id = NULL;
	OK(w, model_authorize_sg(w->m, h, false, q, 2, NULL, &w->err));
	assert_int_equal(model_find_sg_rule(w->m, "sgr-0000000000000a002", &v, &at), 0);
	assert_string_equal(v.id, h);

	/* descriptions: at authorize and after */
	memset(long_text, 'x', 256);
	long_text[256] = 0;
	struct model_sg_perm d = tcp("25", "25", "10.0.0.0/8");
	d.description = long_text;
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &d, 1, NULL, &w->err),
		     "InvalidParameterValue");
	d.description = "bad<char>";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &d, 1, NULL, &w->err),
		     "InvalidParameterValue");
	long_text[255] = 0;
	d.description = long_text;
	OK(w, model_authorize_sg(w->m, g, false, &d, 1, NULL, &w->err));
	OK(w, model_set_sg_rule_description(w->m, g, rid[1], "web servers", &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_string_equal(v.rules[1].description, "web servers");
	assert_null(v.rules[0].description);
	OK(w, model_set_sg_rule_description(w->m, g, rid[1], "", &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_string_equal(v.rules[1].description, "");
	OK(w, model_set_sg_rule_description(w->m, g, rid[1], NULL, &w->err));
	assert_int_equal(model_get_sg(w->m, g, &v), 0);
	assert_null(v.rules[1].description);
	ATOMIC_FAILS(w, model_set_sg_rule_description(w->m, g, rid[1], "a|b", &w->err),
		     "InvalidParameterValue");
	long_text[255] = 'x';
	ATOMIC_FAILS(w, model_set_sg_rule_description(w->m, g, rid[1], long_text, &w->err),
		     "InvalidParameterValue");
	ATOMIC_FAILS(w,
		     model_set_sg_rule_description(w->m, g, "sgr-0000000000000dead", "x", &w->err),
		     "InvalidSecurityGroupRuleId.NotFound");
	ATOMIC_FAILS(w,
		     model_set_sg_rule_description(w->m, h, "sgr-0000000000000a001", "x", &w->err),
		     "InvalidSecurityGroupRuleId.NotFound"); /* a rule of g */
	ATOMIC_FAILS(
	    w, model_set_sg_rule_description(w->m, "sg-0000000000000dead", rid[1], "x", &w->err),
	    "InvalidGroup.NotFound");
	/* a description changes no rule: still the same one */
	struct model_sg_perm same = p[1];
	same.description = "web servers";
	ATOMIC_FAILS(w, model_authorize_sg(w->m, g, false, &same, 1, NULL, &w->err),
		     "InvalidPermission.Duplicate");
}

/* ---- R26: names and deletion ---- */

static void group_names_are_checked(void **state)
{
	W;
	char id[MODEL_ID_MAX], v2[MODEL_ID_MAX], name[300];
	struct model_sg_req r = {.vpc_id = w->vpc, .name = "web"};
	struct model_sg_view g;

	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	assert_true(starts(id, "sg-"));
	assert_int_equal(strlen(id), 3 + 17);
	assert_int_equal(model_get_sg(w->m, id, &g), 0);
	assert_string_equal(g.name, "web");
	assert_string_equal(g.description, "");
	assert_string_equal(g.vpc_id, w->vpc);
	assert_false(g.is_default);
	/* EC2's one outbound rule of a new group: all to 0.0.0.0/0 (not ::/0) */
	assert_int_equal(g.n_rules, 1);
	assert_true(g.rules[0].egress);
	assert_int_equal(g.rules[0].protocol, -1);
	assert_string_equal(g.rules[0].cidr4, "0.0.0.0/0");
	assert_null(g.rules[0].cidr6);
	assert_true(starts(g.rules[0].id, "sgr-"));
	assert_int_equal(g.n_members, 0);
	assert_int_equal(model_find_sg_by_name(w->m, w->vpc, "web", &g), 0);
	assert_string_equal(g.id, id);
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidGroup.Duplicate");
	/* its rule's id given; a bare group has none; a rule id of another form is refused */
	struct model_sg_req given = {.vpc_id = w->vpc, .name = "web2", .egress_rule_id = "sgr-0e1"};
	OK(w, model_create_security_group(w->m, &given, id, &w->err));
	assert_int_equal(model_get_sg(w->m, id, &g), 0);
	assert_string_equal(g.rules[0].id, "sgr-0e1");
	struct model_sg_req bare = {.vpc_id = w->vpc, .name = "web3", .bare = true};
	OK(w, model_create_security_group(w->m, &bare, id, &w->err));
	assert_int_equal(model_get_sg(w->m, id, &g), 0);
	assert_int_equal(g.n_rules, 0);
	struct model_sg_req badrule = {.vpc_id = w->vpc, .name = "web4", .egress_rule_id = "x-1"};
	ATOMIC_FAILS(w, model_create_security_group(w->m, &badrule, id, &w->err),
		     "InvalidParameterValue");
	badrule.egress_rule_id = "sgr-0e1"; /* taken */
	ATOMIC_FAILS(w, model_create_security_group(w->m, &badrule, id, &w->err),
		     "InvalidParameterValue");
	/* the same name in another VPC is another group */
	vpc2(w, "10.1.0.0/16", NULL, v2, NULL);
	r.vpc_id = v2;
	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	assert_int_equal(model_find_sg_by_name(w->m, v2, "web", &g), 0);
	assert_string_equal(g.id, id);
	assert_string_equal(g.vpc_id, v2);
	r.vpc_id = w->vpc;
	r.name = "default";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidGroup.Reserved");
	r.vpc_id = v2;
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidGroup.Reserved");
	r.name = "sg-foo";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
	static const char *const bad[] = {"",	  "a<b", "tab\there", "caf\xc3\xa9", "x'y",
					  "a\"b", "a%b", "a~b",	      "a?b"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		r.name = bad[k];
		ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
			     "InvalidParameterValue");
	}
	memset(name, 'n', 256);
	name[256] = 0;
	r.name = name;
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
	name[255] = 0;
	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	r.name = "all of ._-:/()#,@[]+=&;{}!$* AZ09";
	r.description = "and here: ._-:/()#,@[]+=&;{}!$*";
	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	assert_int_equal(model_get_sg(w->m, id, &g), 0);
	assert_string_equal(g.description, "and here: ._-:/()#,@[]+=&;{}!$*");
	r.name = "desc";
	r.description = "no <tags>";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
	r.description = name; /* 255 characters */
	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	name[255] = 'n';
	r.name = "desc2";
	r.description = name; /* 256 */
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
	r.description = NULL;
	r.name = NULL;
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err), "MissingParameter");
	r.name = "fine";
	r.vpc_id = "vpc-0000000000000dead";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidVpcID.NotFound");
	/* ids given are kept; a taken one is refused */
	r.vpc_id = w->vpc;
	r.id = "sg-0000000000000a001";
	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	assert_string_equal(id, "sg-0000000000000a001");
	r.name = "fine2";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
	r.id = default_sg(w, w->vpc);
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidParameterValue");
}

/* A group id given at creation is one the model's own lookups take. */
static void a_given_group_id_is_one_the_model_can_find(void **state)
{
	W;
	char id[MODEL_ID_MAX];
	struct model_sg_req r = {.id = "sg-0000000000000a001", .vpc_id = w->vpc, .name = "x"};

	OK(w, model_create_security_group(w->m, &r, id, &w->err));
	assert_string_equal(id, "sg-0000000000000a001");
	OK(w, model_delete_security_group(w->m, id, &w->err));
	/* an id that is not "sg-..." is refused when given, so every id held is one calls can name
	 */
	r.id = "abc";
	r.name = "y";
	ATOMIC_FAILS(w, model_create_security_group(w->m, &r, id, &w->err),
		     "InvalidGroupId.Malformed");
	const char *c4[] = {"10.1.0.0/16"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1, .default_group_id = "dflt"};
	char vid[MODEL_ID_MAX];
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err),
		     "InvalidGroupId.Malformed");
	v.default_group_id = NULL;
	v.default_rule_ids[1] = "rule-1";
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, vid, &w->d, &w->err), "InvalidParameterValue");
}

static void delete_group_waits_for_members_and_rules_naming_it(void **state)
{
	W;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], c[MODEL_ID_MAX], e[MODEL_ID_MAX];
	char def[MODEL_ID_MAX], rid[2][MODEL_ID_MAX];
	const char *ga[] = {NULL};

	snprintf(def, sizeof(def), "%s", default_sg(w, w->vpc));
	ATOMIC_FAILS(w, model_delete_security_group(w->m, def, &w->err), "CannotDelete");
	ATOMIC_FAILS(w, model_delete_security_group(w->m, "sg-0000000000000dead", &w->err),
		     "InvalidGroup.NotFound");
	ATOMIC_FAILS(w, model_delete_security_group(w->m, "default", &w->err),
		     "InvalidGroupId.Malformed");
	group(w, w->vpc, NULL, "a", a);
	group(w, w->vpc, NULL, "b", b);
	group(w, w->vpc, NULL, "c", c);
	/* a member */
	ga[0] = a;
	OK(w, eni_with(w, w->sa, ga, 1, e));
	ATOMIC_FAILS(w, model_delete_security_group(w->m, a, &w->err), "DependencyViolation");
	assert_non_null(strstr(w->err.message, e));
	ga[0] = b;
	OK(w, model_set_eni_groups(w->m, e, ga, 1, &w->d, &w->err));
	/* a rule of another group naming it, inbound and outbound */
	struct model_sg_perm from_a = {
	    .protocol = "tcp", .from_port = "1", .to_port = "2", .group_id = a};
	struct model_sg_perm to_a = {.protocol = "-1", .group_id = a};
	OK(w, model_authorize_sg(w->m, b, false, &from_a, 1, &rid[0], &w->err));
	OK(w, model_authorize_sg(w->m, c, true, &to_a, 1, &rid[1], &w->err));
	/* a's own rule naming a does not hold it */
	struct model_sg_perm self = {.protocol = "-1", .group_id = a};
	OK(w, model_authorize_sg(w->m, a, false, &self, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, a, true, &self, 1, NULL, &w->err));
	ATOMIC_FAILS(w, model_delete_security_group(w->m, a, &w->err), "DependencyViolation");
	OK(w, model_revoke_sg(w->m, b, false, &from_a, 1, &w->err));
	ATOMIC_FAILS(w, model_delete_security_group(w->m, a, &w->err), "DependencyViolation");
	assert_non_null(strstr(w->err.message, c));
	OK(w, model_revoke_sg_rules(w->m, c, true, (const char *const[]){rid[1]}, 1, &w->err));
	OK(w, model_delete_security_group(w->m, a, &w->err));
	assert_int_equal(model_get_sg(w->m, a, NULL), -1);
	assert_int_equal(model_find_sg_by_name(w->m, w->vpc, "a", NULL), -1);
	ATOMIC_FAILS(w, model_delete_security_group(w->m, a, &w->err), "InvalidGroup.NotFound");
	/* its name is free again */
	group(w, w->vpc, NULL, "a", a);

	/* a group that named another is deleted: the other is free */
	struct model_sg_perm from_c = {.protocol = "-1", .group_id = c};
	OK(w, model_authorize_sg(w->m, a, false, &from_c, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, a, true, &from_c, 1, NULL, &w->err));
	ATOMIC_FAILS(w, model_delete_security_group(w->m, c, &w->err), "DependencyViolation");
	OK(w, model_delete_security_group(w->m, a, &w->err));
	OK(w, model_delete_security_group(w->m, c, &w->err));
	/* b, with e as its member, waits for e */
	ATOMIC_FAILS(w, model_delete_security_group(w->m, b, &w->err), "DependencyViolation");
	OK(w, model_delete_eni(w->m, e, &w->d, &w->err));
	OK(w, model_delete_security_group(w->m, b, &w->err));
	members_consistent(w);
}

static void delete_vpc_waits_for_its_groups_and_takes_the_default_one(void **state)
{
	W;
	char v[MODEL_ID_MAX], g[MODEL_ID_MAX], def[MODEL_ID_MAX], rules[3][MODEL_ID_MAX];
	struct model_sg_view dv;
	struct model_stats st;
	struct model_tag t = {.key = "Name", .value = "dflt"};
	const char *ids[1];

	vpc2(w, "10.1.0.0/16", NULL, v, NULL);
	assert_int_equal(model_get_default_sg(w->m, v, &dv), 0);
	snprintf(def, sizeof(def), "%s", dv.id);
	for (int k = 0; k < 3; k++)
		snprintf(rules[k], sizeof(rules[k]), "%s", dv.rules[k].id);
	ids[0] = def;
	OK(w, model_create_tags(w->m, ids, 1, &t, 1, &w->err));
	assert_int_equal(model_get_tags(w->m, def, NULL), 0);
	group(w, v, NULL, "extra", g);
	ids[0] = g;
	OK(w, model_create_tags(w->m, ids, 1, &t, 1, &w->err));
	ATOMIC_FAILS(w, model_delete_vpc(w->m, v, &w->d, &w->err), "DependencyViolation");
	assert_non_null(strstr(w->err.message, g));
	OK(w, model_delete_security_group(w->m, g, &w->err));
	assert_int_equal(model_get_tags(w->m, g, NULL), -1);
	model_get_stats(w->m, &st);
	size_t groups = st.security_groups, nrules = st.sg_rules;
	OK(w, model_delete_vpc(w->m, v, &w->d, &w->err));
	assert_int_equal(model_get_vpc(w->m, v, NULL), -1);
	assert_int_equal(model_get_sg(w->m, def, NULL), -1);
	assert_int_equal(model_get_default_sg(w->m, v, NULL), -1);
	assert_int_equal(model_find_sg_by_name(w->m, v, "default", NULL), -1);
	for (int k = 0; k < 3; k++)
		assert_int_equal(model_find_sg_rule(w->m, rules[k], NULL, NULL), -1);
	assert_int_equal(model_get_tags(w->m, def, NULL), -1);
	ids[0] = def;
	ATOMIC_FAILS(w, model_create_tags(w->m, ids, 1, &t, 1, &w->err), "InvalidGroup.NotFound");
	model_get_stats(w->m, &st);
	assert_int_equal(st.security_groups, groups - 1);
	assert_int_equal(st.sg_rules, nrules - 3);
	/* the ids may be given again: a VPC made like it */
	const char *c4[] = {"10.1.0.0/16"};
	struct model_vpc_req again = {.cidr4 = c4,
				      .n_cidr4 = 1,
				      .default_group_id = def,
				      .default_rule_ids = {rules[0], rules[1], rules[2]}};
	OK(w, model_create_vpc(w->m, &again, v, &w->d, &w->err));
	assert_int_equal(model_get_default_sg(w->m, v, &dv), 0);
	assert_string_equal(dv.id, def);
	assert_int_equal(model_get_tags(w->m, def, NULL), -1); /* the old tags did not come back */
}

/* ---- tags, clone, stats ---- */

static void tags_on_groups(void **state)
{
	W;
	char g[MODEL_ID_MAX];
	struct model_tag t[2] = {{.key = "Name", .value = "web"}, {.key = "env", .value = "prod"}};
	const char *ids[2];
	struct model_tags_view tv;
	struct model_err e;

	group(w, w->vpc, NULL, "web", g);
	ids[0] = g;
	OK(w, model_create_tags(w->m, ids, 1, t, 2, &w->err));
	assert_int_equal(model_get_tags(w->m, g, &tv), 0);
	assert_string_equal(tv.resource_id, g);
	assert_string_equal(tv.resource_type, "security-group");
	assert_int_equal(tv.n, 2);
	assert_string_equal(tv.tags[0].key, "Name");
	assert_string_equal(tv.tags[0].value, "web");
	assert_string_equal(tv.tags[1].key, "env");
	assert_non_null(model_resource_type(w->m, g, &e));
	assert_string_equal(model_resource_type(w->m, g, &e), "security-group");
	/* the default group too; with an unknown group the whole request fails */
	ids[1] = default_sg(w, w->vpc);
	char def[MODEL_ID_MAX];
	snprintf(def, sizeof(def), "%s", ids[1]);
	ids[1] = def;
	OK(w, model_create_tags(w->m, &ids[1], 1, t, 1, &w->err));
	assert_int_equal(model_get_tags(w->m, def, &tv), 0);
	assert_int_equal(tv.n, 1);
	ids[1] = "sg-0000000000000dead";
	ATOMIC_FAILS(w, model_create_tags(w->m, ids, 2, &t[1], 1, &w->err),
		     "InvalidGroup.NotFound");
	ATOMIC_FAILS(w, model_delete_tags(w->m, &ids[1], 1, NULL, 0, &w->err),
		     "InvalidGroup.NotFound");
	OK(w, model_delete_tags(w->m, ids, 1, &t[0], 1, &w->err));
	assert_int_equal(model_get_tags(w->m, g, &tv), 0);
	assert_int_equal(tv.n, 1);
	assert_string_equal(tv.tags[0].key, "env");
	/* they go with the group */
	OK(w, model_delete_security_group(w->m, g, &w->err));
	assert_int_equal(model_get_tags(w->m, g, NULL), -1);
	ATOMIC_FAILS(w, model_create_tags(w->m, ids, 1, t, 1, &w->err), "InvalidGroup.NotFound");
}

/* Groups, rules of every kind, members with several groups each, tags. */
static void grow_groups(struct world *w, char a[MODEL_ID_MAX], char b[MODEL_ID_MAX],
			char e[3][MODEL_ID_MAX])
{
	struct model_tag t = {.key = "Name", .value = "x"};

	group(w, w->vpc, "sg-00000000000000a01", "a", a);
	group(w, w->vpc, NULL, "b", b);
	struct model_sg_perm p[4] = {tcp("22", "22", "10.0.0.0/8"),
				     {.protocol = "icmp", .from_port = "8", .cidr6 = "::/0"},
				     {.protocol = "-1", .group_id = b, .description = "from b"},
				     {.protocol = "-1", .group_id = a}};
	OK(w, model_authorize_sg(w->m, a, false, p, 4, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, b, true, p, 3, NULL, &w->err));
	const char *ab[] = {a, b}, *ba[] = {b, a};
	OK(w, eni_with(w, w->sa, ab, 2, e[0]));
	OK(w, eni_with(w, w->sa, ba, 2, e[1]));
	OK(w, eni_with(w, w->sb, ab, 1, e[2]));
	const char *ids[] = {a, b};
	OK(w, model_create_tags(w->m, ids, 2, &t, 1, &w->err));
}

static void clone_copies_groups_rules_and_members(void **state)
{
	W;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], e[3][MODEL_ID_MAX];

	grow_groups(w, a, b, e);
	OK(w, model_delete_eni(w->m, e[0], &w->d, &w->err)); /* a member list with a moved entry */
	struct model *c = model_clone(w->m);
	assert_non_null(c);
	char *orig = dump_str(w->m), *copy = dump_str(c);
	assert_string_equal(orig, copy);
	free(copy);
	struct model_sg_view gv, cv;
	assert_int_equal(model_get_sg(w->m, a, &gv), 0);
	assert_int_equal(model_get_sg(c, a, &cv), 0);
	assert_ptr_not_equal(gv.rules, cv.rules);
	assert_int_equal(cv.n_members, 2);
	assert_int_equal(cv.n_rules, 4);
	char r0[MODEL_ID_MAX], r1[MODEL_ID_MAX];
	snprintf(r0, sizeof(r0), "%s", gv.rules[0].id);
	snprintf(r1, sizeof(r1), "%s", gv.rules[1].id);
	assert_string_equal(cv.rules[0].id, r0);
	/* operations on the clone: the original does not change */
	struct model *m = w->m;
	w->m = c;
	members_consistent(w);
	OK(w, eni_with(w, w->sa, (const char *const[]){b}, 1, e[0]));
	OK(w, model_set_eni_groups(w->m, e[1], (const char *const[]){a}, 1, &w->d, &w->err));
	OK(w, model_delete_eni(w->m, e[2], &w->d, &w->err));
	struct model_sg_perm p = tcp("9", "9", "10.0.0.0/8");
	OK(w, model_authorize_sg(w->m, b, false, &p, 1, NULL, &w->err));
	OK(w, model_revoke_sg_rules(w->m, a, false, (const char *const[]){r0}, 1, &w->err));
	OK(w, model_set_sg_rule_description(w->m, a, r1, "changed", &w->err));
	/* the clone's rule-id index is its own */
	size_t at;
	assert_int_equal(model_find_sg_rule(w->m, r0, NULL, NULL), -1);
	assert_int_equal(model_find_sg_rule(w->m, r1, &cv, &at), 0);
	assert_string_equal(cv.id, a);
	assert_int_equal(at, 0);
	assert_int_equal(model_find_sg_rule(m, r0, &gv, &at), 0);
	assert_int_equal(at, 0);
	assert_int_equal(model_get_sg(m, a, &gv), 0);
	struct model_tag t = {.key = "k", .value = "v"};
	OK(w, model_create_tags(w->m, (const char *const[]){a}, 1, &t, 1, &w->err));
	group(w, w->vpc, NULL, "new", NULL);
	members_consistent(w);
	char *after_clone = dump_str(c);
	w->m = m;
	copy = dump_str(w->m);
	assert_string_equal(orig, copy);
	free(copy);
	members_consistent(w);
	assert_int_equal(model_get_sg(w->m, a, &gv), 0);
	assert_int_equal(gv.n_members, 2);
	assert_int_equal(gv.n_rules, 4);
	assert_null(gv.rules[1].description);
	/* the same operations on the original do the same (ids included) */
	OK(w, eni_with(w, w->sa, (const char *const[]){b}, 1, e[0]));
	OK(w, model_set_eni_groups(w->m, e[1], (const char *const[]){a}, 1, &w->d, &w->err));
	OK(w, model_delete_eni(w->m, e[2], &w->d, &w->err));
	OK(w, model_authorize_sg(w->m, b, false, &p, 1, NULL, &w->err));
	OK(w, model_revoke_sg_rules(w->m, a, false, (const char *const[]){r0}, 1, &w->err));
	OK(w, model_set_sg_rule_description(w->m, a, r1, "changed", &w->err));
	OK(w, model_create_tags(w->m, (const char *const[]){a}, 1, &t, 1, &w->err));
	group(w, w->vpc, NULL, "new", NULL);
	copy = dump_str(w->m);
	assert_string_equal(after_clone, copy);
	free(copy);
	free(after_clone);
	free(orig);
	model_free(c);
}

static void stats_count_groups_and_rules(void **state)
{
	W;
	struct model_stats s0, s;
	char g[MODEL_ID_MAX], v[MODEL_ID_MAX];
	struct model_sg_perm p[2] = {tcp("22", "22", "10.0.0.0/8"), tcp("80", "80", "10.0.0.0/8")};

	model_get_stats(w->m, &s0);
	assert_int_equal(s0.security_groups, 1); /* the fixture's VPC's default group */
	assert_int_equal(s0.sg_rules, 3);
	group(w, w->vpc, NULL, "g", g);
	model_get_stats(w->m, &s);
	assert_int_equal(s.security_groups, 2);
	assert_int_equal(s.sg_rules, 3);
	OK(w, model_authorize_sg(w->m, g, false, p, 2, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, g, true, p, 1, NULL, &w->err));
	model_get_stats(w->m, &s);
	assert_int_equal(s.sg_rules, 6);
	assert_true(s.bytes > s0.bytes); /* the rules' room */
	vpc2(w, "10.1.0.0/16", NULL, v, NULL);
	model_get_stats(w->m, &s);
	assert_int_equal(s.security_groups, 3);
	assert_int_equal(s.sg_rules, 9);
	const char *c4[] = {"10.2.0.0/16"};
	struct model_vpc_req bare = {.cidr4 = c4, .n_cidr4 = 1, .default_group_bare = true};
	OK(w, model_create_vpc(w->m, &bare, v, &w->d, &w->err));
	model_get_stats(w->m, &s);
	assert_int_equal(s.security_groups, 4);
	assert_int_equal(s.sg_rules, 9);
	OK(w, model_revoke_sg(w->m, g, false, p, 2, &w->err));
	model_get_stats(w->m, &s);
	assert_int_equal(s.sg_rules, 7);
	OK(w, model_delete_security_group(w->m, g, &w->err));
	model_get_stats(w->m, &s);
	assert_int_equal(s.security_groups, 3);
	assert_int_equal(s.sg_rules, 6);
	OK(w, model_delete_vpc(w->m, v, &w->d, &w->err));
	model_get_stats(w->m, &s);
	assert_int_equal(s.security_groups, 2);
	assert_int_equal(s.sg_rules, 6);
}

#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(new_vpc_has_a_default_group_with_three_rules),
	    T(default_group_and_rule_ids_given_are_kept_and_bare_has_no_rules),
	    T(eni_without_groups_has_the_default_group_and_with_groups_those),
	    T(eni_group_limits_and_bad_ids_change_nothing),
	    T(set_eni_groups_replaces_with_the_same_checks),
	    T(leaving_members_keep_the_others_listed),
	    T(launches_and_termination_move_members),
	    T(authorize_is_all_or_nothing),
	    T(duplicates_are_refused_and_descriptions_do_not_count),
	    T(sixty_rules_per_direction),
	    T(revoke_by_permission_and_by_id),
	    T(protocols_by_name_and_number_are_the_same),
	    T(ports_are_checked_for_tcp_udp_and_icmp_and_ignored_otherwise),
	    T(peers_are_checked),
	    T(rule_ids_and_descriptions),
	    T(group_names_are_checked),
	    T(a_given_group_id_is_one_the_model_can_find),
	    T(delete_group_waits_for_members_and_rules_naming_it),
	    T(delete_vpc_waits_for_its_groups_and_takes_the_default_one),
	    T(tags_on_groups),
	    T(clone_copies_groups_rules_and_members),
	    T(stats_count_groups_and_rules),
	};
	return cmocka_run_group_tests_name("model_security_groups", tests, NULL, NULL);
}
