/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * R31: several VPCs on one engine may use the same private IPv4 ranges; a
 * private address is unique inside its VPC only; EIPs and IPv6 addresses
 * stay unique across the engine. The fixture's VPC (10.0.0.0/16, subnet a
 * 10.0.1.0/24 with eni0 at 10.0.1.10) plus a second VPC "vpc-b" with the
 * same 10.0.0.0/16 and a subnet "subnet-b" 10.0.1.0/24.
 */
#include "fixture.h"

#define W struct world *w = *state

/* The second VPC and its subnet; its ENI "eni-b" with primary 10.0.1.10. */
static void add_vpc_b(struct world *w)
{
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:200::/56"};
	struct model_vpc_req v = {
	    .id = "vpc-b", .cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	struct model_subnet_req s = {.id = "subnet-b",
				     .vpc_id = "vpc-b",
				     .az = "az-a",
				     .cidr4 = "10.0.1.0/24",
				     .cidr6 = "2600:1f18:1:201::/64"};
	struct model_eni_req r = {.id = "eni-b",
				  .subnet_id = "subnet-b",
				  .primary_ip = "10.0.1.10",
				  .source_dest_check = true};

	OK(w, model_create_vpc(w->m, &v, NULL, &w->d, &w->err));
	OK(w, model_create_subnet(w->m, &s, NULL, &w->d, &w->err));
	OK(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err));
}

/* The VPC slot of a VPC: the slot its subnets' ENIs carry in ENI_SET. */
static uint32_t vpc_slot_of_eni(struct world *w, const char *eni)
{
	struct delta d = {0};
	struct model_eni_view ev;
	uint32_t slot = UINT32_MAX;

	assert_int_equal(model_get_eni(w->m, eni, &ev), 0);
	assert_int_equal(model_full_delta(w->m, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].kind == DELTA_ENI_SET && d.e[i].eni.slot == ev.slot)
			slot = d.e[i].eni.vpc;
	delta_free(&d);
	assert_int_not_equal(slot, UINT32_MAX);
	return slot;
}

static void overlapping_vpc_cidrs_are_accepted(void **state)
{
	W;
	const char *c4[] = {"10.0.128.0/17"}, *dup[] = {"172.16.0.0/16", "172.16.8.0/24"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1};
	char id[MODEL_ID_MAX];

	/* overlapping the fixture's 10.0.0.0/16 */
	OK(w, model_create_vpc(w->m, &v, id, &w->d, &w->err));
	/* the blocks of one VPC still may not overlap each other */
	v.cidr4 = dup;
	v.n_cidr4 = 2;
	FAILS(w, model_create_vpc(w->m, &v, id, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "172.16.8.0/24"));
}

static void same_private_ip_in_two_vpcs_is_accepted(void **state)
{
	W;
	struct model_eni_view a, b;

	add_vpc_b(w);
	assert_int_equal(model_get_eni(w->m, w->eni0, &a), 0);
	assert_int_equal(model_get_eni(w->m, "eni-b", &b), 0);
	assert_int_equal(a.primary_ip, ip4("10.0.1.10"));
	assert_int_equal(b.primary_ip, ip4("10.0.1.10"));
	assert_string_equal(b.vpc_id, "vpc-b");
	/* the V4_SET of eni-b names its VPC's slot, not the fixture's */
	uint32_t va = vpc_slot_of_eni(w, w->eni0), vb = vpc_slot_of_eni(w, "eni-b");
	assert_int_not_equal(va, vb);
	const struct delta_entry *last = &w->d.e[w->d.n - 1];
	assert_int_equal(last->kind, DELTA_V4_SET);
	assert_int_equal(last->v4.addr, ip4("10.0.1.10"));
	assert_int_equal(last->v4.vpc, vb);
	assert_int_equal(last->v4.eni, b.slot);
	/* and a secondary eni0 has may be taken in the other VPC as well */
	const char *s[] = {"10.0.1.20"};
	world_assign(w, w->eni0, s, 1);
	world_assign(w, "eni-b", s, 1);
	assert_int_equal(model_get_eni(w->m, w->eni0, &a), 0);
	assert_int_equal(a.n_secondary, 1);
}

static void same_private_ip_in_one_vpc_is_still_in_use(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *s[] = {"10.0.1.20"};
	struct model_eni_req r = {
	    .subnet_id = "subnet-b", .primary_ip = "10.0.1.10", .source_dest_check = true};
	struct model_assign_req ar = {.eni_id = e, .addrs = s, .n_addrs = 1};

	add_vpc_b(w);
	/* a second ENI of vpc-b on eni-b's primary */
	FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err), "InvalidIPAddress.InUse");
	assert_non_null(strstr(w->err.message, "eni-b"));
	/* a secondary of eni-b, asked by another ENI of vpc-b without reassignment */
	world_assign(w, "eni-b", s, 1);
	r.primary_ip = "10.0.1.30";
	OK(w, model_create_eni(w->m, &r, e, &w->d, &w->err));
	FAILS(w, model_assign_private_ips(w->m, &ar, NULL, &w->d, &w->err),
	      "InvalidIPAddress.InUse");
	assert_non_null(strstr(w->err.message, "eni-b"));
}

static void reassignment_never_takes_an_address_from_another_vpc(void **state)
{
	W;
	const char *s[] = {"10.0.1.20"};
	struct model_assign_req ar = {
	    .eni_id = "eni-b", .addrs = s, .n_addrs = 1, .allow_reassignment = true};
	struct model_eni_view a;

	add_vpc_b(w);
	world_assign(w, w->eni0, s, 1);
	delta_reset(&w->d);
	OK(w, model_assign_private_ips(w->m, &ar, NULL, &w->d, &w->err));
	/* eni0 keeps it: one V4_SET for vpc-b, nothing for the fixture's VPC */
	assert_int_equal(model_get_eni(w->m, w->eni0, &a), 0);
	assert_int_equal(a.n_secondary, 1);
	assert_int_equal(a.secondary_ips[0], ip4("10.0.1.20"));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].kind, DELTA_V4_SET);
	assert_int_equal(w->d.e[0].v4.vpc, vpc_slot_of_eni(w, "eni-b"));
}

static void eip_lookup_by_private_address_is_per_vpc(void **state)
{
	W;
	char a1[MODEL_ID_MAX], a2[MODEL_ID_MAX], s1[MODEL_ID_MAX], s2[MODEL_ID_MAX];
	struct model_eip_view p1, p2, pv;

	add_vpc_b(w);
	world_eip(w, a1);
	world_eip(w, a2);
	world_associate(w, a1, w->eni0, "10.0.1.10", s1);
	delta_reset(&w->d);
	world_associate(w, a2, "eni-b", "10.0.1.10", s2);
	/* the second association did not take the first one's place (R13 per VPC) */
	assert_int_equal(model_get_eip(w->m, a1, &p1), 0);
	assert_int_equal(model_get_eip(w->m, a2, &p2), 0);
	assert_string_equal(p1.association_id, s1);
	assert_string_equal(p2.association_id, s2);
	assert_int_equal(delta_count(&w->d, DELTA_EIP_DEL), 0);
	assert_int_equal(w->d.e[0].kind, DELTA_EIP_SET);
	assert_int_equal(w->d.e[0].eip.vpc, vpc_slot_of_eni(w, "eni-b"));
	assert_int_equal(model_get_eip_by_private(w->m, w->vpc, ip4("10.0.1.10"), &pv), 0);
	assert_string_equal(pv.allocation_id, a1);
	assert_int_equal(model_get_eip_by_private(w->m, "vpc-b", ip4("10.0.1.10"), &pv), 0);
	assert_string_equal(pv.allocation_id, a2);
	assert_string_equal(pv.eni_id, "eni-b");
	assert_int_equal(model_get_eip_by_private(w->m, "vpc-nope", ip4("10.0.1.10"), &pv), -1);
	/* disassociating vpc-b's leaves the fixture's */
	OK(w, model_disassociate_address(w->m, s2, &w->d, &w->err));
	assert_int_equal(model_get_eip_by_private(w->m, "vpc-b", ip4("10.0.1.10"), &pv), -1);
	assert_int_equal(model_get_eip_by_private(w->m, w->vpc, ip4("10.0.1.10"), &pv), 0);
	assert_string_equal(pv.allocation_id, a1);
}

static void deleting_an_eni_frees_its_address_in_its_vpc_only(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	struct model_eni_req r = {
	    .subnet_id = w->sa, .primary_ip = "10.0.1.10", .source_dest_check = true};
	uint32_t vb;

	add_vpc_b(w);
	vb = vpc_slot_of_eni(w, "eni-b");
	delta_reset(&w->d);
	OK(w, model_delete_eni(w->m, "eni-b", &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_V4_DEL), 1);
	for (size_t i = 0; i < w->d.n; i++)
		if (w->d.e[i].kind == DELTA_V4_DEL)
			assert_int_equal(w->d.e[i].v4.vpc, vb);
	/* the fixture's eni0 still holds 10.0.1.10 */
	FAILS(w, model_create_eni(w->m, &r, e, &w->d, &w->err), "InvalidIPAddress.InUse");
	assert_non_null(strstr(w->err.message, w->eni0));
}

static void eips_and_ipv6_stay_unique_across_vpcs(void **state)
{
	W;
	char a1[MODEL_ID_MAX], s1[MODEL_ID_MAX];
	const char *v6[] = {"2600:1f18:1:101::10"};
	struct model_assign_req r6 = {.eni_id = w->eni0, .addrs = v6, .n_addrs = 1};
	struct model_eip_view p;

	add_vpc_b(w);
	/* an EIP moves between VPCs: one association only */
	world_eip(w, a1);
	world_associate(w, a1, w->eni0, NULL, s1);
	world_associate(w, a1, "eni-b", NULL, s1);
	assert_int_equal(model_get_eip(w->m, a1, &p), 0);
	assert_string_equal(p.eni_id, "eni-b");
	assert_int_equal(model_get_eip_by_private(w->m, w->vpc, ip4("10.0.1.10"), &p), -1);
	/* IPv6: vpc-b's own /56; the fixture's addresses are not in its subnet */
	OK(w, model_assign_ipv6(w->m, &r6, NULL, &w->d, &w->err));
	r6.eni_id = "eni-b";
	FAILS(w, model_assign_ipv6(w->m, &r6, NULL, &w->d, &w->err), "InvalidParameterValue");
	/* the same /56 cannot be given to a second VPC */
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:200::/56"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	FAILS(w, model_create_vpc(w->m, &v, NULL, &w->d, &w->err), "InvalidParameterValue");
}

#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(overlapping_vpc_cidrs_are_accepted),
	    T(same_private_ip_in_two_vpcs_is_accepted),
	    T(same_private_ip_in_one_vpc_is_still_in_use),
	    T(reassignment_never_takes_an_address_from_another_vpc),
	    T(eip_lookup_by_private_address_is_per_vpc),
	    T(deleting_an_eni_frees_its_address_in_its_vpc_only),
	    T(eips_and_ipv6_stay_unique_across_vpcs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
