/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the world (SPEC R28) in the model: IPv6 pools, VPC blocks, the
 * deletion of VPCs, subnets and route tables with their dependencies, routes
 * replaced, associations (explicit and main). Every refusal has its EC2 code
 * and changes nothing (model dump and delta as before); every change hands
 * its mapping changes to the delta.
 */
#include "fixture.h"

/* Expect a refusal with that code that changed nothing: the dump and the delta as before. */
#define REFUSED(w, call, code)                                                                     \
	do {                                                                                       \
		char *before_ = dump_str((w)->m);                                                  \
		size_t n_ = (w)->d.n;                                                              \
		FAILS(w, call, code);                                                              \
		char *after_ = dump_str((w)->m);                                                   \
		assert_string_equal(before_, after_);                                              \
		assert_int_equal((w)->d.n, n_);                                                    \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

static void vpc2(struct world *w, const char *cidr4, const char *cidr6, char *out)
{
	const char *c4[] = {cidr4}, *c6[] = {cidr6};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = cidr6 ? 1 : 0};

	OK(w, model_create_vpc(w->m, &v, out, &w->d, &w->err));
}

static void ipv6_pools_give_the_lowest_free_56(void **state)
{
	struct world *w = *state;
	char b[INET6_ADDRSTRLEN], v[MODEL_ID_MAX];

	REFUSED(w, model_pick_ipv6_block(w->m, b, &w->err), "InsufficientCidrBlocks");
	REFUSED(w, model_add_ipv6_pool(w->m, "2600:1f18:4000::/57", &w->err),
		"InvalidParameterValue");
	REFUSED(w, model_add_ipv6_pool(w->m, "10.0.0.0/8", &w->err), "InvalidParameterValue");
	OK(w, model_add_ipv6_pool(w->m, "2600:1f18:4000::/55", &w->err));
	REFUSED(w, model_add_ipv6_pool(w->m, "2600:1f18:4000:80::/57", &w->err),
		"InvalidParameterValue"); /* not a /56 or shorter */
	REFUSED(w, model_add_ipv6_pool(w->m, "2600:1f18:4000::/56", &w->err),
		"InvalidParameterValue"); /* overlaps */
	OK(w, model_pick_ipv6_block(w->m, b, &w->err));
	assert_string_equal(b, "2600:1f18:4000::/56");
	vpc2(w, "10.1.0.0/16", b, v);
	OK(w, model_pick_ipv6_block(w->m, b, &w->err));
	assert_string_equal(b, "2600:1f18:4000:100::/56");
	vpc2(w, "10.2.0.0/16", b, v);
	REFUSED(w, model_pick_ipv6_block(w->m, b, &w->err), "InsufficientCidrBlocks");
	/* a block given back is picked again */
	OK(w, model_delete_vpc(w->m, v, &w->d, &w->err));
	OK(w, model_pick_ipv6_block(w->m, b, &w->err));
	assert_string_equal(b, "2600:1f18:4000:100::/56");
}

static void vpc_block_sizes_outside_1_to_28_are_invalid_vpc_range(void **state)
{
	struct world *w = *state;
	const char *c4[] = {"10.1.0.0/29"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1};
	char id[MODEL_ID_MAX];

	REFUSED(w, model_create_vpc(w->m, &v, id, &w->d, &w->err), "InvalidVpc.Range");
	c4[0] = "0.0.0.0/0";
	REFUSED(w, model_create_vpc(w->m, &v, id, &w->d, &w->err), "InvalidVpc.Range");
	c4[0] = "10.1.0.1/16"; /* host bits */
	REFUSED(w, model_create_vpc(w->m, &v, id, &w->d, &w->err), "InvalidParameterValue");
	REFUSED(w, model_associate_vpc_cidr(w->m, w->vpc, "10.1.0.0/29", NULL, &w->d, &w->err),
		"InvalidVpc.Range");
}

static void associate_vpc_cidr_adds_the_local_route_to_every_table(void **state)
{
	struct world *w = *state;
	char rt[MODEL_ID_MAX], s[MODEL_ID_MAX];
	struct model_route_table_view t;
	struct model_vpc_view v;

	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	OK(w, model_create_route(w->m, rt, "0.0.0.0/0", "igw", &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_associate_vpc_cidr(w->m, w->vpc, "10.1.0.0/16", NULL, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 2); /* main table and rt */
	assert_int_equal(model_get_vpc(w->m, w->vpc, &v), 0);
	assert_int_equal(v.n_cidr4, 2);
	assert_string_equal(v.cidr4[1], "10.1.0.0/16");
	/* where a new table would have it: after the IPv4 blocks, before the IPv6 ones */
	assert_int_equal(model_get_route_table(w->m, rt, &t), 0);
	assert_int_equal(t.n_routes, 4);
	assert_string_equal(t.routes[0].dest_cidr, "10.0.0.0/16");
	assert_string_equal(t.routes[1].dest_cidr, "10.1.0.0/16");
	assert_true(t.routes[1].implicit);
	assert_string_equal(t.routes[2].dest_cidr, "2600:1f18:1:100::/56");
	assert_string_equal(t.routes[3].dest_cidr, "0.0.0.0/0");
	assert_false(t.routes[3].implicit);
	OK(w, model_associate_vpc_cidr(w->m, w->vpc, NULL, "2600:1f18:2:100::/56", &w->d, &w->err));
	assert_int_equal(model_get_route_table(w->m, rt, &t), 0);
	assert_string_equal(t.routes[3].dest_cidr, "2600:1f18:2:100::/56");
	/* a subnet in the new block */
	world_add_subnet(w, "10.1.1.0/24", "2600:1f18:2:101::/64", "az-a", s);
	REFUSED(w, model_associate_vpc_cidr(w->m, "vpc-none", "10.2.0.0/16", NULL, &w->d, &w->err),
		"InvalidVpcID.NotFound");
	REFUSED(w, model_associate_vpc_cidr(w->m, w->vpc, "10.0.128.0/17", NULL, &w->d, &w->err),
		"InvalidParameterValue"); /* overlaps its own block */
	REFUSED(
	    w, model_associate_vpc_cidr(w->m, w->vpc, NULL, "2600:1f18:2:100::/64", &w->d, &w->err),
	    "InvalidParameterValue"); /* not a /56 */
	REFUSED(w, model_associate_vpc_cidr(w->m, w->vpc, NULL, NULL, &w->d, &w->err),
		"MissingParameter");
	REFUSED(w,
		model_associate_vpc_cidr(w->m, w->vpc, "10.2.0.0/16", "2600:1f18:3:100::/56", &w->d,
					 &w->err),
		"InvalidParameterCombination");
}

static void delete_vpc_waits_for_its_subnets_and_route_tables(void **state)
{
	struct world *w = *state;
	char v[MODEL_ID_MAX], rt[MODEL_ID_MAX], s[MODEL_ID_MAX];
	struct model_vpc_view vv;
	char main_rt[MODEL_ID_MAX];

	REFUSED(w, model_delete_vpc(w->m, w->vpc, &w->d, &w->err), "DependencyViolation");
	REFUSED(w, model_delete_vpc(w->m, "vpc-none", &w->d, &w->err), "InvalidVpcID.NotFound");
	vpc2(w, "10.1.0.0/16", NULL, v);
	OK(w, model_create_route_table(w->m, NULL, v, rt, &w->d, &w->err));
	REFUSED(w, model_delete_vpc(w->m, v, &w->d, &w->err), "DependencyViolation");
	OK(w, model_delete_route_table(w->m, rt, &w->d, &w->err));
	{
		struct model_subnet_req r = {.vpc_id = v, .az = "az-a", .cidr4 = "10.1.2.0/24"};
		OK(w, model_create_subnet(w->m, &r, s, &w->d, &w->err));
	}
	REFUSED(w, model_delete_vpc(w->m, v, &w->d, &w->err), "DependencyViolation");
	OK(w, model_delete_subnet(w->m, s, &w->d, &w->err));
	assert_int_equal(model_get_vpc(w->m, v, &vv), 0);
	snprintf(main_rt, sizeof(main_rt), "%s", vv.main_route_table_id);
	delta_reset(&w->d);
	OK(w, model_delete_vpc(w->m, v, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_DEL), 1); /* its main table's local route */
	assert_int_equal(model_get_vpc(w->m, v, NULL), -1);
	assert_int_equal(model_get_route_table(w->m, main_rt, NULL), -1);
	/* its block is free again */
	vpc2(w, "10.1.0.0/16", NULL, v);
}

static void delete_subnet_waits_for_its_enis(void **state)
{
	struct world *w = *state;
	char eni[MODEL_ID_MAX], s[MODEL_ID_MAX];

	REFUSED(w, model_delete_subnet(w->m, w->sa, &w->d, &w->err), "DependencyViolation");
	REFUSED(w, model_delete_subnet(w->m, "subnet-none", &w->d, &w->err),
		"InvalidSubnetID.NotFound");
	world_eni(w, w->sb, NULL, eni);
	REFUSED(w, model_delete_subnet(w->m, w->sb, &w->d, &w->err), "DependencyViolation");
	OK(w, model_delete_eni(w->m, eni, &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_delete_subnet(w->m, w->sb, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].kind, DELTA_SUBNET_DEL);
	assert_int_equal(model_get_subnet(w->m, w->sb, NULL), -1);
	/* its range is free again */
	world_add_subnet(w, "10.0.2.0/24", NULL, "az-a", s);
}

static void delete_route_table_refuses_the_main_and_an_associated_one(void **state)
{
	struct world *w = *state;
	char rt[MODEL_ID_MAX], assoc[MODEL_ID_MAX], eni[MODEL_ID_MAX];

	REFUSED(w, model_delete_route_table(w->m, w->rtb, &w->d, &w->err), "DependencyViolation");
	REFUSED(w, model_delete_route_table(w->m, "rtb-none", &w->d, &w->err),
		"InvalidRouteTableID.NotFound");
	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	world_eni(w, w->sb, NULL, eni);
	OK(w, model_create_route(w->m, rt, "192.0.2.0/24", eni, &w->d, &w->err));
	OK(w, model_associate_route_table(w->m, rt, w->sz, NULL, assoc, &w->d, &w->err));
	REFUSED(w, model_delete_route_table(w->m, rt, &w->d, &w->err), "DependencyViolation");
	OK(w, model_disassociate_route_table(w->m, assoc, &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_delete_route_table(w->m, rt, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_DEL), 3); /* 2 local + the ENI route */
	/* the ENI is no longer a route target: deleting it blackholes nothing */
	delta_reset(&w->d);
	OK(w, model_delete_eni(w->m, eni, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 0);
}

static void replace_route_changes_the_target_of_an_existing_route(void **state)
{
	struct world *w = *state;
	char eni[MODEL_ID_MAX];
	struct model_route_table_view t;

	world_eni(w, w->sb, NULL, eni);
	OK(w, model_create_route(w->m, w->rtb, "0.0.0.0/0", "igw", &w->d, &w->err));
	REFUSED(w, model_create_route(w->m, w->rtb, "0.0.0.0/0", eni, &w->d, &w->err),
		"RouteAlreadyExists");
	delta_reset(&w->d);
	OK(w, model_replace_route(w->m, w->rtb, "0.0.0.0/0", eni, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].kind, DELTA_ROUTE_SET);
	assert_int_equal(w->d.e[0].route.target, ROUTE_ENI);
	assert_int_equal(model_get_route_table(w->m, w->rtb, &t), 0);
	assert_string_equal(t.routes[t.n_routes - 1].target, eni);
	REFUSED(w, model_replace_route(w->m, w->rtb, "198.51.100.0/24", "igw", &w->d, &w->err),
		"InvalidRoute.NotFound");
	REFUSED(w, model_replace_route(w->m, w->rtb, "10.0.0.0/16", "igw", &w->d, &w->err),
		"InvalidParameterValue"); /* a VPC block's local route */
	REFUSED(w, model_replace_route(w->m, w->rtb, "0.0.0.0/0", "eni-none", &w->d, &w->err),
		"InvalidNetworkInterfaceID.NotFound");
	REFUSED(w, model_replace_route(w->m, "rtb-none", "0.0.0.0/0", "igw", &w->d, &w->err),
		"InvalidRouteTableID.NotFound");
	REFUSED(w, model_replace_route(w->m, w->rtb, "0.0.0.0/99", "igw", &w->d, &w->err),
		"InvalidParameterValue");
	/* the old target is no longer counted: back to igw, then deleting the ENI changes no route
	 */
	OK(w, model_replace_route(w->m, w->rtb, "0.0.0.0/0", "igw", &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_delete_eni(w->m, eni, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 0);
}

static void a_blackholed_route_names_an_eni_that_is_gone(void **state)
{
	struct world *w = *state;
	struct model_route_table_view t;

	REFUSED(
	    w, model_create_blackholed_route(w->m, w->rtb, "192.0.2.0/24", w->eni0, &w->d, &w->err),
	    "InvalidParameterValue"); /* it exists */
	delta_reset(&w->d);
	OK(w,
	   model_create_blackholed_route(w->m, w->rtb, "192.0.2.0/24", "eni-gone", &w->d, &w->err));
	assert_int_equal(w->d.e[0].route.target, ROUTE_BLACKHOLE);
	assert_int_equal(model_get_route_table(w->m, w->rtb, &t), 0);
	assert_true(t.routes[t.n_routes - 1].blackholed);
	assert_string_equal(t.routes[t.n_routes - 1].target, "eni-gone");
}

static void explicit_associations_move_a_subnet_and_its_enis(void **state)
{
	struct world *w = *state;
	char rt[MODEL_ID_MAX], assoc[MODEL_ID_MAX], v[MODEL_ID_MAX], rt2[MODEL_ID_MAX];
	struct model_route_table_view t;
	struct model_subnet_view s;

	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	assert_int_equal(model_get_route_table(w->m, rt, &t), 0);
	delta_reset(&w->d);
	OK(w, model_associate_route_table(w->m, rt, w->sa, NULL, assoc, &w->d, &w->err));
	assert_int_equal(strncmp(assoc, "rtbassoc-", 9), 0);
	assert_int_equal(model_get_subnet(w->m, w->sa, &s), 0);
	assert_string_equal(s.route_table_id, rt);
	assert_string_equal(s.association_id, assoc);
	/* the dataplane learns the subnet's table and its ENI's (eni0) */
	assert_int_equal(w->d.n, 2);
	assert_int_equal(w->d.e[0].kind, DELTA_SUBNET_SET);
	assert_int_equal(w->d.e[0].subnet.route_table, t.slot);
	assert_int_equal(w->d.e[1].kind, DELTA_ENI_SET);
	assert_int_equal(w->d.e[1].eni.route_table, t.slot);
	REFUSED(w, model_associate_route_table(w->m, rt, w->sa, NULL, assoc, &w->d, &w->err),
		"Resource.AlreadyAssociated");
	REFUSED(w,
		model_associate_route_table(w->m, "rtb-none", w->sb, NULL, assoc, &w->d, &w->err),
		"InvalidRouteTableID.NotFound");
	REFUSED(w,
		model_associate_route_table(w->m, rt, "subnet-none", NULL, assoc, &w->d, &w->err),
		"InvalidSubnetID.NotFound");
	vpc2(w, "10.1.0.0/16", NULL, v);
	OK(w, model_create_route_table(w->m, NULL, v, rt2, &w->d, &w->err));
	REFUSED(w, model_associate_route_table(w->m, rt2, w->sb, NULL, assoc, &w->d, &w->err),
		"InvalidParameterValue"); /* another VPC's table */
	REFUSED(w, model_disassociate_route_table(w->m, "rtbassoc-none", &w->d, &w->err),
		"InvalidAssociationID.NotFound");
	OK(w, model_disassociate_route_table(w->m, assoc, &w->d, &w->err));
	assert_int_equal(model_get_subnet(w->m, w->sa, &s), 0);
	assert_string_equal(s.route_table_id, w->rtb);
	assert_null(s.association_id);
	REFUSED(w, model_disassociate_route_table(w->m, assoc, &w->d, &w->err),
		"InvalidAssociationID.NotFound");
}

static void the_main_association_moves_the_implicit_subnets(void **state)
{
	struct world *w = *state;
	char rt[MODEL_ID_MAX], rt3[MODEL_ID_MAX], assoc[MODEL_ID_MAX], main2[MODEL_ID_MAX];
	char main1[MODEL_ID_MAX], sub_assoc2[MODEL_ID_MAX];
	struct model_route_table_view t;
	struct model_subnet_view s;
	struct model_vpc_view v;

	assert_int_equal(model_get_vpc(w->m, w->vpc, &v), 0);
	snprintf(main1, sizeof(main1), "%s", v.main_association_id);
	REFUSED(w, model_disassociate_route_table(w->m, main1, &w->d, &w->err),
		"InvalidParameterValue"); /* the main association is only replaced */
	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt3, &w->d, &w->err));
	OK(w, model_associate_route_table(w->m, rt3, w->sz, NULL, assoc, &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_replace_route_table_association(w->m, main1, rt, NULL, main2, &w->d, &w->err));
	assert_string_not_equal(main1, main2);
	assert_int_equal(model_get_vpc(w->m, w->vpc, &v), 0);
	assert_string_equal(v.main_route_table_id, rt);
	assert_string_equal(v.main_association_id, main2);
	assert_int_equal(model_get_route_table(w->m, rt, &t), 0);
	assert_true(t.main);
	assert_int_equal(model_get_route_table(w->m, w->rtb, &t), 0);
	assert_false(t.main);
	/* sa (with eni0), sb, st follow; sz keeps its explicit table */
	assert_int_equal(delta_count(&w->d, DELTA_SUBNET_SET), 3);
	assert_int_equal(delta_count(&w->d, DELTA_ENI_SET), 1);
	assert_int_equal(model_get_subnet(w->m, w->sa, &s), 0);
	assert_string_equal(s.route_table_id, rt);
	assert_int_equal(model_get_subnet(w->m, w->sz, &s), 0);
	assert_string_equal(s.route_table_id, rt3);
	REFUSED(w,
		model_replace_route_table_association(w->m, main1, rt, NULL, main2, &w->d, &w->err),
		"InvalidAssociationID.NotFound"); /* the old id is gone */
	REFUSED(w,
		model_replace_route_table_association(w->m, main2, "rtb-none", NULL, main2, &w->d,
						      &w->err),
		"InvalidRouteTableID.NotFound");
	/* the former main table can go, the new one cannot */
	OK(w, model_delete_route_table(w->m, w->rtb, &w->d, &w->err));
	REFUSED(w, model_delete_route_table(w->m, rt, &w->d, &w->err), "DependencyViolation");
	/* a subnet's explicit association replaced: a new id, the new table */
	OK(w, model_replace_route_table_association(w->m, assoc, rt, NULL, sub_assoc2, &w->d,
						    &w->err));
	assert_int_equal(model_get_subnet(w->m, w->sz, &s), 0);
	assert_string_equal(s.route_table_id, rt);
	assert_string_equal(s.association_id, sub_assoc2);
	/* a given id that is taken is refused */
	REFUSED(w,
		model_replace_route_table_association(w->m, sub_assoc2, rt3, main2, main1, &w->d,
						      &w->err),
		"InvalidParameterValue");
}

static void a_subnet_created_with_a_table_is_explicitly_associated(void **state)
{
	struct world *w = *state;
	char rt[MODEL_ID_MAX], s[MODEL_ID_MAX];
	struct model_subnet_view v;
	struct model_subnet_req r = {.vpc_id = w->vpc, .az = "az-a", .cidr4 = "10.0.9.0/24"};

	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	r.route_table_id = rt;
	r.association_id = "rtbassoc-given";
	OK(w, model_create_subnet(w->m, &r, s, &w->d, &w->err));
	assert_int_equal(model_get_subnet(w->m, s, &v), 0);
	assert_string_equal(v.association_id, "rtbassoc-given");
	OK(w, model_disassociate_route_table(w->m, "rtbassoc-given", &w->d, &w->err));
	/* without a table: no explicit association */
	assert_int_equal(model_get_subnet(w->m, w->sa, &v), 0);
	assert_null(v.association_id);
}

/* What the dataplane's tables hold is refused in the model, with EC2's limit codes. */
static void the_tables_limits_are_refused_before_the_model_takes_them(void **state)
{
	struct world *w = *state;
	char id[MODEL_ID_MAX], dest[32], v[MODEL_ID_MAX], rt[MODEL_ID_MAX];
	struct model_subnet_req r = {.vpc_id = v, .az = "az-a", .cidr4 = dest};

	/* routes: 1024 IPv4 ones per table (the local one included) */
	OK(w, model_create_route_table(w->m, NULL, w->vpc, rt, &w->d, &w->err));
	for (unsigned k = 1; k < MODEL_MAX_ROUTES; k++) {
		snprintf(dest, sizeof(dest), "172.%u.%u.0/24", 16 + k / 256, k % 256);
		OK(w, model_create_route(w->m, rt, dest, "igw", &w->d, &w->err));
	}
	REFUSED(w, model_create_route(w->m, rt, "192.0.2.0/24", "igw", &w->d, &w->err),
		"RouteLimitExceeded");
	REFUSED(w, model_associate_vpc_cidr(w->m, w->vpc, "10.1.0.0/16", NULL, &w->d, &w->err),
		"RouteLimitExceeded");
	OK(w, model_create_route(w->m, rt, "::/0", "igw", &w->d, &w->err)); /* IPv6: room */
	delta_reset(&w->d);
	/* route tables: 1024 in all, main ones included (2 so far) */
	for (unsigned k = 2; k < MODEL_MAX_ROUTE_TABLES; k++)
		OK(w, model_create_route_table(w->m, NULL, w->vpc, id, NULL, &w->err));
	REFUSED(w, model_create_route_table(w->m, NULL, w->vpc, id, &w->d, &w->err),
		"RouteTableLimitExceeded");
	{
		const char *c4[] = {"10.1.0.0/16"};
		struct model_vpc_req vr = {.cidr4 = c4, .n_cidr4 = 1};
		REFUSED(w, model_create_vpc(w->m, &vr, v, &w->d, &w->err), "VpcLimitExceeded");
	}
	(void)r;
}

static void the_subnet_limit_is_refused_before_the_model_takes_it(void **state)
{
	struct world *w = *state;
	char id[MODEL_ID_MAX], dest[32], v[MODEL_ID_MAX];
	const char *c4[] = {"10.128.0.0/12"};
	struct model_vpc_req vr = {.cidr4 = c4, .n_cidr4 = 1};
	struct model_subnet_req r = {.vpc_id = v, .az = "az-a", .cidr4 = dest};

	OK(w, model_create_vpc(w->m, &vr, v, NULL, &w->err));
	for (unsigned k = 4; k < MODEL_MAX_SUBNETS; k++) { /* the fixture has 4 */
		snprintf(dest, sizeof(dest), "10.%u.%u.0/28", 128 + k / 256, k % 256);
		OK(w, model_create_subnet(w->m, &r, id, NULL, &w->err));
	}
	snprintf(dest, sizeof(dest), "10.143.0.16/28"); /* free, but one too many */
	REFUSED(w, model_create_subnet(w->m, &r, id, &w->d, &w->err), "SubnetLimitExceeded");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
	    T(ipv6_pools_give_the_lowest_free_56),
	    T(vpc_block_sizes_outside_1_to_28_are_invalid_vpc_range),
	    T(associate_vpc_cidr_adds_the_local_route_to_every_table),
	    T(delete_vpc_waits_for_its_subnets_and_route_tables),
	    T(delete_subnet_waits_for_its_enis),
	    T(delete_route_table_refuses_the_main_and_an_associated_one),
	    T(replace_route_changes_the_target_of_an_existing_route),
	    T(a_blackholed_route_names_an_eni_that_is_gone),
	    T(explicit_associations_move_a_subnet_and_its_enis),
	    T(the_main_association_moves_the_implicit_subnets),
	    T(a_subnet_created_with_a_table_is_explicitly_associated),
	    T(the_tables_limits_are_refused_before_the_model_takes_them),
	    T(the_subnet_limit_is_refused_before_the_model_takes_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
