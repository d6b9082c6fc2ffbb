/* SPDX-License-Identifier: BSD-3-Clause */
/* One test per rule of SPEC.md section 2 (R1-R23) and per error code. */
#include "fixture.h"

#define W struct world *w = *state

/* ---- R1, R2: secondary IPv4 inside the subnet, not reserved ---- */

static void secondary_outside_subnet_is_refused(void **state)
{
	W;
	const char *a[] = {"10.0.2.20"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = a, .n_addrs = 1};

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.2.20 does not fall within the subnet's"));
}

static void reserved_addresses_are_refused(void **state)
{
	W;
	const char *bad[] = {"10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"};

	for (size_t k = 0; k < 5; k++) {
		struct model_assign_req r = {.eni_id = w->eni0, .addrs = &bad[k], .n_addrs = 1};
		FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
		      "InvalidParameterValue");
		assert_non_null(strstr(w->err.message, "reserved address range"));
		assert_non_null(strstr(w->err.message, bad[k]));
	}
	const char *ok[] = {"10.0.1.4", "10.0.1.254"};
	world_assign(w, w->eni0, ok, 2);
}

static void malformed_address_is_invalid_parameter_value(void **state)
{
	W;
	const char *a[] = {"10.0.1.300"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = a, .n_addrs = 1};

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.1.300"));
}

/* ---- R3: IPv6 needs a subnet IPv6 CIDR, inside it ---- */

static void ipv6_needs_subnet_with_ipv6_cidr(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *a[] = {"2600:1f18:1:101::10"};
	struct model_assign_req r = {.eni_id = e, .addrs = a, .n_addrs = 1};

	world_eni(w, w->sb, NULL, e);
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	r.eni_id = w->eni0;
	a[0] = "2600:1f18:1:102::10"; /* in the VPC block, outside the subnet's /64 */
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "2600:1f18:1:102::10"));
	a[0] = "2600:1f18:1:101::10";
	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	assert_int_equal(delta_count(&w->d, DELTA_V6_SET), 1);
}

/* ---- R4: reassignment ---- */

static void reassign_refused_without_allow_reassignment(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.20"};
	struct model_assign_req r = {.eni_id = e, .addrs = a, .n_addrs = 1};

	world_assign(w, w->eni0, a, 1);
	world_eni(w, w->sa, NULL, e);
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidIPAddress.InUse");
	assert_non_null(strstr(w->err.message, "10.0.1.20"));
}

static void reassign_moves_address_and_its_eip(void **state)
{
	W;
	char e[MODEL_ID_MAX], alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.20"};
	struct model_assign_req r = {
	    .eni_id = e, .addrs = a, .n_addrs = 1, .allow_reassignment = true};
	struct model_eni_view ev, ev0;
	struct model_eip_view pv;
	struct model_addr_list got = {0};

	world_assign(w, w->eni0, a, 1);
	world_eni(w, w->sa, NULL, e);
	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, "10.0.1.20", assoc);
	delta_reset(&w->d);
	OK(w, model_assign_private_ips(w->m, &r, &got, &w->d, &w->err));
	assert_int_equal(got.n, 1);
	assert_string_equal(got.addr[0], "10.0.1.20");
	model_addr_list_free(&got);
	assert_int_equal(model_get_eni(w->m, e, &ev), 0);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev0), 0);
	assert_int_equal(ev.n_secondary, 1);
	assert_int_equal(ev.secondary_ips[0], ip4("10.0.1.20"));
	assert_int_equal(ev0.n_secondary, 0);
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_string_equal(pv.eni_id, e);
	assert_string_equal(pv.association_id, assoc);
	assert_int_equal(pv.private_ip, ip4("10.0.1.20"));
	/* delta: the address to the new ENI slot with its EIP, the EIP to the new slot */
	assert_int_equal(w->d.n, 2);
	assert_int_equal(w->d.e[0].kind, DELTA_V4_SET);
	assert_int_equal(w->d.e[0].v4.eni, ev.slot);
	assert_int_equal(w->d.e[0].v4.eip, pv.public_ip);
	assert_int_equal(w->d.e[1].kind, DELTA_EIP_SET);
	assert_int_equal(w->d.e[1].eip.eni, ev.slot);
}

/* ---- R5: primaries never move ---- */

static void primary_cannot_be_reassigned(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.10"};
	struct model_assign_req r = {
	    .eni_id = e, .addrs = a, .n_addrs = 1, .allow_reassignment = true};

	world_eni(w, w->sa, NULL, e);
	delta_reset(&w->d);
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.1.10"));
	assert_int_equal(w->d.n, 0);
}

static void primary_cannot_be_unassigned(void **state)
{
	W;
	const char *a[] = {"10.0.1.10"};

	FAILS(w, model_unassign_private_ips(w->m, w->eni0, a, 1, &w->d, &w->err),
	      "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.1.10"));
}

/* ---- R6: IPv6 is never taken from another ENI ---- */

static void ipv6_of_another_eni_is_never_taken(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *a[] = {"2600:1f18:1:101::10"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = a, .n_addrs = 1};

	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	world_eni(w, w->sa, NULL, e);
	r.eni_id = e;
	r.allow_reassignment = true; /* ignored for IPv6 */
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidIPAddress.InUse");
	assert_non_null(strstr(w->err.message, "2600:1f18:1:101::10"));
}

/* ---- R7: list xor count ---- */

static void list_and_count_together_are_refused(void **state)
{
	W;
	const char *a[] = {"10.0.1.20"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = a, .n_addrs = 1, .count = 1};

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidParameterCombination");
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterCombination");
}

static void neither_list_nor_count_is_missing_parameter(void **state)
{
	W;
	struct model_assign_req r = {.eni_id = w->eni0};

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err), "MissingParameter");
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "MissingParameter");
}

/* ---- R8: count picks the lowest free addresses ---- */

static void count_picks_lowest_free_addresses(void **state)
{
	W;
	const char *a[] = {"10.0.1.5"};
	struct model_assign_req r = {.eni_id = w->eni0, .count = 3};
	struct model_addr_list got = {0};

	world_assign(w, w->eni0, a, 1);
	OK(w, model_assign_private_ips(w->m, &r, &got, &w->d, &w->err));
	assert_int_equal(got.n, 3);
	assert_string_equal(got.addr[0], "10.0.1.4");
	assert_string_equal(got.addr[1], "10.0.1.6");
	assert_string_equal(got.addr[2], "10.0.1.7");
	model_addr_list_free(&got);
}

static void count_beyond_free_addresses_fails(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	struct model_assign_req r = {.eni_id = e, .count = 11};
	struct model_subnet_view sv;

	/* 10.0.3.0/28: 16 - 5 reserved = 11, one of them the primary */
	world_eni(w, w->st, NULL, e);
	assert_int_equal(model_get_subnet(w->m, w->st, &sv), 0);
	assert_int_equal(sv.available_ipv4, 10);
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "InsufficientFreeAddressesInSubnet");
	r.count = 10;
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
	assert_int_equal(model_get_subnet(w->m, w->st, &sv), 0);
	assert_int_equal(sv.available_ipv4, 0);
}

static void ipv6_count_picks_lowest_free_ids(void **state)
{
	W;
	const char *a[] = {"2600:1f18:1:101::5"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = a, .n_addrs = 1};
	struct model_addr_list got = {0};

	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	r.addrs = NULL;
	r.n_addrs = 0;
	r.count = 2;
	OK(w, model_assign_ipv6(w->m, &r, &got, &w->d, &w->err));
	assert_int_equal(got.n, 2);
	assert_string_equal(got.addr[0], "2600:1f18:1:101::4");
	assert_string_equal(got.addr[1], "2600:1f18:1:101::6");
	OK(w, model_unassign_ipv6(w->m, w->eni0, a, 1, &w->d, &w->err));
	got.n = 0;
	r.count = 1;
	OK(w, model_assign_ipv6(w->m, &r, &got, &w->d, &w->err));
	assert_string_equal(got.addr[0], "2600:1f18:1:101::5");
	model_addr_list_free(&got);
}

/* ---- R9: per-ENI limits ---- */

static void ipv4_limit_of_attached_type_is_enforced(void **state)
{
	W;
	struct model_assign_req r = {.eni_id = w->eni0, .count = 10}; /* m5.large: 10 */

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "PrivateIpAddressLimitExceeded");
	r.count = 9;
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
	r.count = 1;
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "PrivateIpAddressLimitExceeded");
}

static void unattached_eni_is_held_to_largest_type_limit(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	struct model_assign_req r = {.eni_id = e, .count = 49}; /* largest built-in: 50 */

	world_eni(w, w->sa, NULL, e);
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
	r.count = 1;
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "PrivateIpAddressLimitExceeded");
	/* a larger configured type raises the bar for unattached ENIs */
	OK(w, model_set_instance_type(w->m, "x.huge", 2, 60, 60, &w->err));
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
}

static void ipv6_limit_is_invalid_parameter_value(void **state)
{
	W;
	struct model_assign_req r = {.eni_id = w->eni0, .count = 11}; /* m5.large: 10 */
	struct model_eni_req er = {.subnet_id = w->sa, .ipv6_count = 4000000000u};

	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	/* absurd counts are refused at once, not searched for */
	r.count = 4000000000u;
	FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	FAILS(w, model_create_eni(w->m, &er, NULL, &w->d, &w->err), "InvalidParameterValue");
	er.ipv6_count = 0;
	er.secondary_count = 4000000000u;
	FAILS(w, model_create_eni(w->m, &er, NULL, &w->d, &w->err),
	      "PrivateIpAddressLimitExceeded");
	r.count = 4000000000u;
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "PrivateIpAddressLimitExceeded");
	r.count = 10;
	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
}

/* ---- R10: assigning an owned address is a no-op ---- */

static void assigning_an_owned_address_is_a_noop(void **state)
{
	W;
	const char *a[] = {"10.0.1.20"}, *b[] = {"10.0.1.20", "10.0.1.10", "10.0.1.21"};
	struct model_assign_req r = {.eni_id = w->eni0, .addrs = b, .n_addrs = 3};
	struct model_addr_list got = {0};
	struct model_eni_view ev;

	world_assign(w, w->eni0, a, 1);
	delta_reset(&w->d);
	OK(w, model_assign_private_ips(w->m, &r, &got, &w->d, &w->err));
	assert_int_equal(got.n, 1); /* only the new one is reported */
	assert_string_equal(got.addr[0], "10.0.1.21");
	model_addr_list_free(&got);
	assert_int_equal(w->d.n, 1);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.n_secondary, 2);
}

/* ---- R11: unassigning an address the ENI lacks fails it all ---- */

static void unassign_of_unowned_address_fails_whole_request(void **state)
{
	W;
	const char *a[] = {"10.0.1.20"}, *b[] = {"10.0.1.20", "10.0.1.99"};
	struct model_eni_view ev;

	world_assign(w, w->eni0, a, 1);
	delta_reset(&w->d);
	FAILS(w, model_unassign_private_ips(w->m, w->eni0, b, 2, &w->d, &w->err),
	      "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.1.99"));
	assert_int_equal(w->d.n, 0);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.n_secondary, 1);
	const char *c[] = {"2600:1f18:1:101::77"};
	FAILS(w, model_unassign_ipv6(w->m, w->eni0, c, 1, &w->d, &w->err), "InvalidParameterValue");
}

/* ---- R12: unassigning a secondary disassociates its EIP ---- */

static void unassign_secondary_disassociates_its_eip(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.20"};
	struct model_eip_view pv;

	world_assign(w, w->eni0, a, 1);
	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, "10.0.1.20", assoc);
	delta_reset(&w->d);
	OK(w, model_unassign_private_ips(w->m, w->eni0, a, 1, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0); /* still allocated */
	assert_null(pv.association_id);
	assert_int_equal(delta_count(&w->d, DELTA_EIP_DEL), 1);
	assert_int_equal(delta_count(&w->d, DELTA_V4_DEL), 1);
	assert_int_equal(model_get_eip_by_private(w->m, w->vpc, ip4("10.0.1.20"), &pv), -1);
}

/* ---- R13, R14: AssociateAddress ---- */

static void eip_and_private_address_stay_one_to_one(void **state)
{
	W;
	char a1[MODEL_ID_MAX], a2[MODEL_ID_MAX], s1[MODEL_ID_MAX], s2[MODEL_ID_MAX];
	struct model_eip_view v1, v2;

	world_eip(w, a1);
	world_eip(w, a2);
	world_associate(w, a1, w->eni0, NULL, s1);
	/* a second EIP onto the same private address takes its place */
	world_associate(w, a2, w->eni0, NULL, s2);
	assert_int_equal(model_get_eip(w->m, a1, &v1), 0);
	assert_int_equal(model_get_eip(w->m, a2, &v2), 0);
	assert_null(v1.association_id);
	assert_string_equal(v2.association_id, s2);
	assert_int_equal(model_get_eip_by_private(w->m, w->vpc, ip4("10.0.1.10"), &v2), 0);
	assert_string_equal(v2.allocation_id, a2);
}

static void associate_defaults_to_primary_and_reports_delta(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];
	struct model_associate_req r = {.instance_id = w->i1, .allow_reassociation = true};
	struct model_eip_view pv;

	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
	r.allocation_id = alloc;
	OK(w, model_associate_address(w->m, &r, assoc, &w->d, &w->err));
	assert_int_equal(strncmp(assoc, "eipassoc-", 9), 0);
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_int_equal(pv.private_ip, ip4("10.0.1.10"));
	assert_string_equal(pv.instance_id, w->i1);
	assert_int_equal(w->d.n, 2);
	assert_int_equal(w->d.e[0].kind, DELTA_EIP_SET);
	assert_int_equal(w->d.e[0].eip.eip, ip4(pub));
	assert_int_equal(w->d.e[1].kind, DELTA_V4_SET);
	assert_int_equal(w->d.e[1].v4.eip, ip4(pub));
}

static void associate_requires_allocation_id(void **state)
{
	W;
	struct model_associate_req r = {.eni_id = w->eni0};

	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err), "MissingParameter");
	r.allocation_id = "eipalloc-00000000000000000";
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidAllocationID.NotFound");
	assert_non_null(strstr(w->err.message, "eipalloc-00000000000000000"));
}

static void associate_needs_instance_xor_interface(void **state)
{
	W;
	char alloc[MODEL_ID_MAX];
	struct model_associate_req r = {.instance_id = w->i1, .eni_id = w->eni0};

	world_eip(w, alloc);
	r.allocation_id = alloc;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidParameterCombination");
	r.instance_id = r.eni_id = NULL;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidParameterCombination");
}

static void associate_by_instance_with_several_enis_is_refused(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], e[MODEL_ID_MAX], att[MODEL_ID_MAX];
	struct model_associate_req r = {.instance_id = w->i1};

	world_eni(w, w->sa, NULL, e);
	world_attach(w, e, w->i1, 1, att);
	world_eip(w, alloc);
	r.allocation_id = alloc;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err), "InvalidInstanceID");
	assert_non_null(strstr(w->err.message, w->i1));
}

static void associate_private_ip_must_be_on_the_eni(void **state)
{
	W;
	char alloc[MODEL_ID_MAX];
	struct model_associate_req r = {.eni_id = w->eni0, .private_ip = "10.0.1.77"};

	world_eip(w, alloc);
	r.allocation_id = alloc;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "10.0.1.77"));
}

static void associate_without_reassociation_refuses_associated_eip(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.20"};
	struct model_associate_req r = {.eni_id = w->eni0, .private_ip = "10.0.1.20"};

	world_assign(w, w->eni0, a, 1);
	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, NULL, assoc);
	r.allocation_id = alloc;
	r.allow_reassociation = false;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "Resource.AlreadyAssociated");
	r.allow_reassociation = true;
	OK(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err));
}

/* ---- R15 ---- */

static void disassociate_unknown_association_fails(void **state)
{
	W;
	FAILS(w, model_disassociate_address(w->m, "eipassoc-123", &w->d, &w->err),
	      "InvalidAssociationID.NotFound");
	assert_non_null(strstr(w->err.message, "eipassoc-123"));
}

static void disassociate_keeps_eip_allocated(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	struct model_eip_view pv;

	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, NULL, assoc);
	delta_reset(&w->d);
	OK(w, model_disassociate_address(w->m, assoc, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_null(pv.association_id);
	assert_int_equal(w->d.n, 2);
	assert_int_equal(w->d.e[0].kind, DELTA_EIP_DEL);
	assert_int_equal(w->d.e[1].kind, DELTA_V4_SET);
	assert_int_equal(w->d.e[1].v4.eip, DELTA_NO_EIP);
}

/* ---- R16 ---- */

static void allocate_takes_lowest_pool_address_until_exhausted(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];

	/* pool 198.51.100.0/30: four addresses */
	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
	assert_string_equal(pub, "198.51.100.0");
	OK(w, model_allocate_address(w->m, NULL, "198.51.100.1", alloc, pub, &w->err));
	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
	assert_string_equal(pub, "198.51.100.2");
	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
	FAILS(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err),
	      "AddressLimitExceeded");
	OK(w, model_release_address(w->m, alloc, &w->err));
	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
	assert_string_equal(pub, "198.51.100.3");
	FAILS(w, model_allocate_address(w->m, NULL, "198.51.100.3", alloc, pub, &w->err),
	      "InvalidIPAddress.InUse");
}

static void release_of_associated_eip_fails(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];

	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, NULL, assoc);
	FAILS(w, model_release_address(w->m, alloc, &w->err), "InvalidIPAddress.InUse");
	OK(w, model_disassociate_address(w->m, assoc, &w->d, &w->err));
	OK(w, model_release_address(w->m, alloc, &w->err));
	FAILS(w, model_release_address(w->m, alloc, &w->err), "InvalidAllocationID.NotFound");
}

/* ---- R17: attach ---- */

static void attach_of_in_use_eni_fails(void **state)
{
	W;
	char i2[MODEL_ID_MAX];
	struct model_attach_req a = {.eni_id = w->eni0, .device_index = 1};

	world_instance(w, "m5.large", "az-a", i2);
	a.instance_id = i2;
	FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "InvalidNetworkInterface.InUse");
}

static void attach_across_availability_zones_fails(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	struct model_attach_req a = {.instance_id = w->i1, .device_index = 1};

	world_eni(w, w->sz, NULL, e);
	a.eni_id = e;
	FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "az-b"));
}

static void attach_to_taken_device_index_fails(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	struct model_attach_req a = {.instance_id = w->i1, .device_index = 0};

	world_eni(w, w->sa, NULL, e);
	a.eni_id = e;
	FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "InvalidParameterValue");
	assert_non_null(strstr(w->err.message, "device index '0'"));
}

static void attach_beyond_eni_limit_fails(void **state)
{
	W;
	char e[MODEL_ID_MAX], att[MODEL_ID_MAX];
	struct model_attach_req a = {.instance_id = w->i1, .device_index = 3};

	for (int k = 1; k < 3; k++) { /* m5.large: 3 ENIs */
		world_eni(w, w->sa, NULL, e);
		world_attach(w, e, w->i1, k, att);
	}
	world_eni(w, w->sa, NULL, e);
	a.eni_id = e;
	FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "AttachmentLimitExceeded");
}

static void attach_checks_address_counts_against_type(void **state)
{
	W;
	char e[MODEL_ID_MAX], i2[MODEL_ID_MAX];
	struct model_assign_req r = {.eni_id = e, .count = 2};
	struct model_attach_req a = {.eni_id = e, .device_index = 0};

	world_instance(w, "t1.micro", "az-a", i2); /* 2 IPv4 per ENI */
	world_eni(w, w->sa, NULL, e);
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
	a.instance_id = i2;
	FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "PrivateIpAddressLimitExceeded");
}

/* ---- R18: detach ---- */

static void detach_of_device_index_zero_is_not_permitted(void **state)
{
	W;
	FAILS(w, model_detach_eni(w->m, w->att0, false, &w->d, &w->err), "OperationNotPermitted");
	assert_string_equal(w->err.message, "The network interface at device index 0 and "
					    "networkCard index 0 cannot be detached.");
	FAILS(w, model_detach_eni(w->m, "eni-attach-0", false, &w->d, &w->err),
	      "InvalidAttachmentID.NotFound");
}

static void eni_moves_to_another_instance_with_addresses_and_eips(void **state)
{
	W;
	char e[MODEL_ID_MAX], att[MODEL_ID_MAX], i2[MODEL_ID_MAX], alloc[MODEL_ID_MAX],
	    assoc[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.30"};
	struct model_eni_view ev;
	struct model_eip_view pv;
	struct model_instance_req ir = {.type = "m5.large", .az = "az-a", .host_port = 7};

	world_eni(w, w->sa, "10.0.1.29", e);
	world_assign(w, e, a, 1);
	world_attach(w, e, w->i1, 1, att);
	world_eip(w, alloc);
	world_associate(w, alloc, e, "10.0.1.30", assoc);
	OK(w, model_create_instance(w->m, &ir, i2, &w->err));
	delta_reset(&w->d);
	OK(w, model_detach_eni(w->m, att, false, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].eni.state, ENI_FWD_DETACHED);
	world_attach(w, e, i2, 1, att);
	assert_int_equal(w->d.e[1].kind, DELTA_ENI_SET);
	assert_int_equal(w->d.e[1].eni.state, ENI_FWD_OK);
	assert_int_equal(w->d.e[1].eni.port, 7);
	assert_int_equal(model_get_eni(w->m, e, &ev), 0);
	assert_string_equal(ev.instance_id, i2);
	assert_int_equal(ev.n_secondary, 1);
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_string_equal(pv.instance_id, i2);
	assert_string_equal(pv.association_id, assoc);
}

/* ---- R19: delete ---- */

static void delete_of_attached_eni_fails(void **state)
{
	W;
	char msg[256];

	FAILS(w, model_delete_eni(w->m, w->eni0, &w->d, &w->err), "InvalidParameterValue");
	snprintf(msg, sizeof(msg), "Network interface '%s' is currently in use.", w->eni0);
	assert_string_equal(w->err.message, msg);
}

static void delete_disassociates_eips_and_blackholes_routes(void **state)
{
	W;
	char e[MODEL_ID_MAX], alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	struct model_eip_view pv;
	struct model_route_table_view rv;
	struct model_subnet_view sv;

	world_eni(w, w->sa, "10.0.1.40", e);
	world_eip(w, alloc);
	world_associate(w, alloc, e, NULL, assoc);
	OK(w, model_create_route(w->m, w->rtb, "0.0.0.0/0", e, &w->d, &w->err));
	delta_reset(&w->d);
	OK(w, model_delete_eni(w->m, e, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_null(pv.association_id);
	assert_int_equal(model_get_route_table(w->m, w->rtb, &rv), 0);
	assert_int_equal(rv.n_routes, 3);
	assert_string_equal(rv.routes[2].target, e);
	assert_true(rv.routes[2].blackholed);
	assert_int_equal(delta_count(&w->d, DELTA_EIP_DEL), 1);
	assert_int_equal(delta_count(&w->d, DELTA_V4_DEL), 1);
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 1);
	for (size_t k = 0; k < w->d.n; k++)
		if (w->d.e[k].kind == DELTA_ROUTE_SET)
			assert_int_equal(w->d.e[k].route.target, ROUTE_BLACKHOLE);
	assert_int_equal(w->d.e[w->d.n - 1].kind, DELTA_ENI_DEL);
	assert_int_equal(model_get_eni(w->m, e, NULL), -1);
	/* its address is free again */
	assert_int_equal(model_get_subnet(w->m, w->sa, &sv), 0);
	assert_int_equal(sv.available_ipv4, 251 - 1);
}

/* ---- R20: addresses change while stopped or detached ---- */

static void addresses_change_on_stopped_instances_and_detached_enis(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.50"}, *b[] = {"10.0.1.51"};

	OK(w, model_stop_instance(w->m, w->i1, &w->d, &w->err));
	world_assign(w, w->eni0, a, 1);
	OK(w, model_unassign_private_ips(w->m, w->eni0, a, 1, &w->d, &w->err));
	world_eni(w, w->sa, NULL, e);
	world_assign(w, e, b, 1);
	OK(w, model_unassign_private_ips(w->m, e, b, 1, &w->d, &w->err));
}

/* ---- R21: unknown ids ---- */

static void unknown_ids_have_their_not_found_codes(void **state)
{
	W;
	struct model_assign_req r = {.eni_id = "eni-nope", .count = 1};
	struct model_eni_req er = {.subnet_id = "subnet-nope"};
	struct model_attach_req ar = {.eni_id = w->eni0, .instance_id = "i-nope"};
	struct model_subnet_req sr = {.vpc_id = "vpc-nope", .az = "az-a", .cidr4 = "10.0.9.0/24"};

	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidNetworkInterfaceID.NotFound");
	assert_non_null(strstr(w->err.message, "eni-nope"));
	FAILS(w, model_create_eni(w->m, &er, NULL, &w->d, &w->err), "InvalidSubnetID.NotFound");
	assert_non_null(strstr(w->err.message, "subnet-nope"));
	FAILS(w, model_attach_eni(w->m, &ar, NULL, &w->d, &w->err), "InvalidInstanceID.NotFound");
	FAILS(w, model_stop_instance(w->m, "i-nope", &w->d, &w->err), "InvalidInstanceID.NotFound");
	FAILS(w, model_detach_eni(w->m, "eni-attach-nope", false, &w->d, &w->err),
	      "InvalidAttachmentID.NotFound");
	FAILS(w, model_release_address(w->m, "eipalloc-nope", &w->err),
	      "InvalidAllocationID.NotFound");
	FAILS(w, model_create_subnet(w->m, &sr, NULL, &w->d, &w->err), "InvalidVpcID.NotFound");
	FAILS(w, model_create_route(w->m, "rtb-nope", "0.0.0.0/0", "igw", &w->d, &w->err),
	      "InvalidRouteTableID.NotFound");
	FAILS(w, model_delete_eni(w->m, "eni-nope", &w->d, &w->err),
	      "InvalidNetworkInterfaceID.NotFound");
	assert_int_equal(w->d.n, 0);
}

/* ---- R22: security groups ---- */
/* enimap has no security groups (SPEC R22 applies "when security groups exist"). */

/* ---- R23: source/dest check ---- */

static void source_dest_check_is_per_eni_and_on_by_default(void **state)
{
	W;
	struct model_eni_view ev;

	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_true(ev.source_dest_check);
	OK(w, model_set_source_dest_check(w->m, w->eni0, false, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].kind, DELTA_ENI_SET);
	assert_int_equal(w->d.e[0].eni.source_dest_check, 0);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_false(ev.source_dest_check);
	FAILS(w, model_set_source_dest_check(w->m, "eni-nope", true, &w->d, &w->err),
	      "InvalidNetworkInterfaceID.NotFound");
}

/* ---- instances ---- */

static void stop_keeps_addresses_and_marks_enis_stopped(void **state)
{
	W;
	struct model_eni_view ev;

	OK(w, model_stop_instance(w->m, w->i1, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].eni.state, ENI_FWD_STOPPED);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.primary_ip, ip4("10.0.1.10"));
	OK(w, model_start_instance(w->m, w->i1, &w->d, &w->err));
	assert_int_equal(w->d.e[1].eni.state, ENI_FWD_OK);
}

static void terminate_deletes_dot_enis_and_detaches_others(void **state)
{
	W;
	char e[MODEL_ID_MAX], f[MODEL_ID_MAX], att[MODEL_ID_MAX];
	struct model_attach_req a = {
	    .eni_id = NULL, .instance_id = w->i1, .device_index = 1, .delete_on_termination = true};
	struct model_eni_view ev;
	struct model_subnet_view sv;

	world_eni(w, w->sa, NULL, e);
	a.eni_id = e;
	OK(w, model_attach_eni(w->m, &a, att, &w->d, &w->err));
	world_eni(w, w->sa, NULL, f);
	world_attach(w, f, w->i1, 2, att);
	assert_int_equal(model_get_subnet(w->m, w->sa, &sv), 0);
	size_t before = sv.available_ipv4;
	struct model_instance_view iv;
	model_set_clock(w->m, 1000);
	OK(w, model_terminate_instance(w->m, w->i1, &w->d, &w->err));
	/* R29: the instance stays, terminated, without interfaces */
	assert_int_equal(model_get_instance(w->m, w->i1, &iv), 0);
	assert_int_equal(iv.state, MODEL_TERMINATED);
	assert_int_equal(iv.n_enis, 0);
	assert_int_equal(iv.terminated_at, 1000);
	assert_int_equal(model_get_eni(w->m, e, &ev), -1);
	assert_int_equal(model_get_eni(w->m, f, &ev), 0);
	assert_null(ev.instance_id);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0); /* dot false in the fixture */
	assert_null(ev.attachment_id);
	assert_int_equal(model_get_subnet(w->m, w->sa, &sv), 0);
	assert_int_equal(sv.available_ipv4, before + 1);
	/* terminating again succeeds and changes nothing; starting, stopping or attaching
	 * to it is refused */
	size_t n = w->d.n;
	OK(w, model_terminate_instance(w->m, w->i1, &w->d, &w->err));
	assert_int_equal(w->d.n, n);
	FAILS(w, model_start_instance(w->m, w->i1, &w->d, &w->err), "IncorrectInstanceState");
	FAILS(w, model_stop_instance(w->m, w->i1, &w->d, &w->err), "IncorrectInstanceState");
	a.eni_id = f;
	a.device_index = 1;
	FAILS(w, model_attach_eni(w->m, &a, att, &w->d, &w->err), "IncorrectInstanceState");
	/* forgotten once the retention has passed: not before */
	assert_int_equal(model_forget_terminated(w->m, 999), 0);
	assert_int_equal(model_get_instance(w->m, w->i1, NULL), 0);
	assert_int_equal(model_forget_terminated(w->m, 1000), 1);
	FAILS(w, model_terminate_instance(w->m, w->i1, &w->d, &w->err),
	      "InvalidInstanceID.NotFound");
}

/* ---- capacity, ids, structure ---- */

static void capacity_limit_gives_insufficient_address_capacity(void **state)
{
	W;
	struct model_assign_req r = {.eni_id = w->eni0, .count = 2};

	model_set_capacity(w->m, 2, 0, 0); /* one address in the model already */
	FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
	      "InsufficientAddressCapacity");
	r.count = 1;
	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
}

static int hex17(const char *s)
{
	if (strlen(s) != 17)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

static void generated_ids_look_like_ec2_and_are_deterministic(void **state)
{
	W;
	struct world w2 = {0};
	struct model_eni_view ev;

	assert_true(hex17(w->vpc + 4));
	assert_true(hex17(w->rtb + 4));
	assert_true(hex17(w->sa + 7));
	assert_true(hex17(w->i1 + 2));
	assert_true(hex17(w->eni0 + 4));
	assert_true(hex17(w->att0 + 11));
	assert_int_equal(strncmp(w->att0, "eni-attach-", 11), 0);
	assert_int_equal(model_get_eni(w->m, w->eni0, &ev), 0);
	assert_int_equal(ev.mac[0], 0x02); /* locally administered unicast */
	/* the same successful sequence gives the same ids, failures in between or not */
	world_setup((void **)&w2.m); /* reuse the setup on a second world */
	struct world *x = (struct world *)w2.m;
	assert_string_equal(x->vpc, w->vpc);
	assert_string_equal(x->eni0, w->eni0);
	assert_string_equal(x->att0, w->att0);
	char *d1 = dump_str(w->m), *d2 = dump_str(x->m);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	void *xs = x;
	world_teardown(&xs);
}

static void given_ids_are_kept_and_duplicates_refused(void **state)
{
	W;
	struct model_eni_req r = {.id = "eni-mine", .subnet_id = w->sa, .source_dest_check = true};
	char out[MODEL_ID_MAX];

	OK(w, model_create_eni(w->m, &r, out, &w->d, &w->err));
	assert_string_equal(out, "eni-mine");
	FAILS(w, model_create_eni(w->m, &r, out, &w->d, &w->err), "InvalidParameterValue");
}

static void vpc_has_main_route_table_with_local_routes(void **state)
{
	W;
	const char *c4[] = {"172.16.0.0/12", "192.168.0.0/16"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 2};
	struct model_vpc_view vv;
	struct model_route_table_view rv;
	char id[MODEL_ID_MAX];

	OK(w, model_create_vpc(w->m, &v, id, &w->d, &w->err));
	assert_int_equal(model_get_vpc(w->m, id, &vv), 0);
	assert_int_equal(model_get_route_table(w->m, vv.main_route_table_id, &rv), 0);
	assert_true(rv.main);
	assert_int_equal(rv.n_routes, 2);
	assert_string_equal(rv.routes[1].dest_cidr, "192.168.0.0/16");
	assert_string_equal(rv.routes[1].target, "local");
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 2);
	assert_int_equal(w->d.e[0].route.target, ROUTE_LOCAL);
	/* blocks of one VPC may not overlap (other VPCs' may: R31, test_model_vpcs.c) */
	c4[0] = "192.168.128.0/17";
	FAILS(w, model_create_vpc(w->m, &v, id, &w->d, &w->err), "InvalidParameterValue");
	FAILS(w, model_delete_route(w->m, w->rtb, "10.0.0.0/16", &w->d, &w->err),
	      "InvalidParameterValue");
}

static void routes_are_added_and_removed(void **state)
{
	W;
	struct model_route_table_view rv;

	OK(w, model_create_route(w->m, w->rtb, "0.0.0.0/0", "igw", &w->d, &w->err));
	OK(w, model_create_route(w->m, w->rtb, "::/0", "igw", &w->d, &w->err));
	FAILS(w, model_create_route(w->m, w->rtb, "0.0.0.0/0", "blackhole", &w->d, &w->err),
	      "RouteAlreadyExists");
	FAILS(w, model_create_route(w->m, w->rtb, "1.2.3.4/33", "igw", &w->d, &w->err),
	      "InvalidParameterValue");
	FAILS(w, model_create_route(w->m, w->rtb, "8.8.8.0/24", "eni-nope", &w->d, &w->err),
	      "InvalidNetworkInterfaceID.NotFound");
	OK(w, model_delete_route(w->m, w->rtb, "0.0.0.0/0", &w->d, &w->err));
	assert_int_equal(model_get_route_table(w->m, w->rtb, &rv), 0);
	assert_int_equal(rv.n_routes, 3);
	assert_string_equal(rv.routes[2].dest_cidr, "::/0");
	assert_int_equal(w->d.e[w->d.n - 1].kind, DELTA_ROUTE_DEL);
	FAILS(w, model_delete_route(w->m, w->rtb, "0.0.0.0/0", &w->d, &w->err),
	      "InvalidRoute.NotFound");
}

static void route_tables_hold_local_routes_and_serve_subnets(void **state)
{
	W;
	const char *c4[] = {"172.16.0.0/12"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1};
	char rtb[MODEL_ID_MAX], other[MODEL_ID_MAX], sid[MODEL_ID_MAX];
	struct model_route_table_view rv;
	struct model_subnet_view sv;
	struct model_subnet_req s = {.vpc_id = w->vpc, .az = "az-a", .cidr4 = "10.0.8.0/24"};

	OK(w, model_create_route_table(w->m, NULL, w->vpc, rtb, &w->d, &w->err));
	assert_int_equal(model_get_route_table(w->m, rtb, &rv), 0);
	assert_false(rv.main);
	assert_int_equal(rv.n_routes, 2); /* 10.0.0.0/16 and the IPv6 /56 */
	assert_string_equal(rv.routes[0].dest_cidr, "10.0.0.0/16");
	assert_string_equal(rv.routes[1].dest_cidr, "2600:1f18:1:100::/56");
	assert_int_equal(delta_count(&w->d, DELTA_ROUTE_SET), 2);
	for (size_t k = 0; k < w->d.n; k++)
		assert_int_equal(w->d.e[k].route.route_table, rv.slot);
	s.route_table_id = rtb;
	OK(w, model_create_subnet(w->m, &s, sid, &w->d, &w->err));
	assert_int_equal(model_get_subnet(w->m, sid, &sv), 0);
	assert_string_equal(sv.route_table_id, rtb);
	assert_int_equal(w->d.e[w->d.n - 1].subnet.route_table, rv.slot);
	/* a route table of another VPC cannot serve this VPC's subnet */
	OK(w, model_create_vpc(w->m, &v, other, &w->d, &w->err));
	OK(w, model_create_route_table(w->m, "rtb-other", other, NULL, &w->d, &w->err));
	s.route_table_id = "rtb-other";
	s.cidr4 = "10.0.9.0/24";
	FAILS(w, model_create_subnet(w->m, &s, sid, &w->d, &w->err), "InvalidParameterValue");
	FAILS(w, model_create_route_table(w->m, NULL, "vpc-nope", NULL, &w->d, &w->err),
	      "InvalidVpcID.NotFound");
	FAILS(w, model_create_route_table(w->m, "rtb-other", other, NULL, &w->d, &w->err),
	      "InvalidParameterValue");
}

static void subnet_rules_are_checked(void **state)
{
	W;
	char id[MODEL_ID_MAX];
	struct model_subnet_req s = {.vpc_id = w->vpc, .az = "az-a", .cidr4 = "10.0.1.128/25"};

	FAILS(w, model_create_subnet(w->m, &s, id, &w->d, &w->err), "InvalidSubnet.Conflict");
	s.cidr4 = "10.1.0.0/24";
	FAILS(w, model_create_subnet(w->m, &s, id, &w->d, &w->err), "InvalidSubnet.Range");
	s.cidr4 = "10.0.9.0/24";
	s.az = NULL;
	FAILS(w, model_create_subnet(w->m, &s, id, &w->d, &w->err), "MissingParameter");
	s.az = "az-a";
	s.cidr6 = "2600:1f18:1:101::/64";
	FAILS(w, model_create_subnet(w->m, &s, id, &w->d, &w->err), "InvalidSubnet.Conflict");
	s.cidr6 = "2600:1f18:1:1a0::/64";
	assert_int_equal(w->d.n, 0);
	OK(w, model_create_subnet(w->m, &s, id, &w->d, &w->err));
	assert_int_equal(w->d.n, 1);
	assert_int_equal(w->d.e[0].kind, DELTA_SUBNET_SET);
	assert_int_equal(w->d.e[0].subnet.cidr4, ip4("10.0.9.0"));
	assert_int_equal(w->d.e[0].subnet.depth4, 24);
	assert_int_equal(w->d.e[0].subnet.has_v6, 1);
}

static void create_eni_fills_every_field(void **state)
{
	W;
	const char *sec[] = {"10.0.1.60"}, *v6[] = {"2600:1f18:1:101::60"};
	struct model_eni_req r = {.subnet_id = w->sa,
				  .description = "web",
				  .mac = "02:00:00:00:00:42",
				  .primary_ip = "10.0.1.59",
				  .secondary_ips = sec,
				  .n_secondary_ips = 1,
				  .ipv6 = v6,
				  .n_ipv6 = 1,
				  .source_dest_check = true,
				  .vlan = 12};
	struct model_eni_view ev;
	char id[MODEL_ID_MAX];

	OK(w, model_create_eni(w->m, &r, id, &w->d, &w->err));
	assert_int_equal(model_get_eni(w->m, id, &ev), 0);
	assert_string_equal(ev.description, "web");
	assert_string_equal(ev.vpc_id, w->vpc);
	assert_string_equal(ev.az, "az-a");
	assert_int_equal(ev.mac[5], 0x42);
	assert_int_equal(ev.vlan, 12);
	assert_int_equal(ev.primary_ip, ip4("10.0.1.59"));
	assert_int_equal(ev.n_secondary, 1);
	assert_int_equal(ev.n_ipv6, 1);
	assert_null(ev.instance_id);
	assert_int_equal(w->d.n, 4);
	assert_int_equal(w->d.e[0].kind, DELTA_ENI_SET);
	assert_int_equal(w->d.e[0].eni.state, ENI_FWD_DETACHED);
	assert_int_equal(w->d.e[0].eni.vlan, 12);
	/* the same MAC twice, a multicast MAC and a bad VLAN are refused */
	r.primary_ip = NULL;
	r.secondary_ips = NULL;
	r.n_secondary_ips = 0;
	r.ipv6 = NULL;
	r.n_ipv6 = 0;
	FAILS(w, model_create_eni(w->m, &r, id, &w->d, &w->err), "InvalidParameterValue");
	r.mac = "01:00:00:00:00:43";
	FAILS(w, model_create_eni(w->m, &r, id, &w->d, &w->err), "InvalidParameterValue");
	r.mac = NULL;
	r.vlan = 5000;
	FAILS(w, model_create_eni(w->m, &r, id, &w->d, &w->err), "InvalidParameterValue");
}

static void full_delta_describes_whole_state(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	struct delta d = {0};

	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, NULL, assoc);
	assert_int_equal(model_full_delta(w->m, &d), 0);
	assert_int_equal(delta_count(&d, DELTA_ROUTE_SET), 2);
	assert_int_equal(delta_count(&d, DELTA_SUBNET_SET), 4);
	assert_int_equal(delta_count(&d, DELTA_ENI_SET), 1);
	assert_int_equal(delta_count(&d, DELTA_V4_SET), 1);
	assert_int_equal(delta_count(&d, DELTA_EIP_SET), 1);
	for (size_t k = 0; k < d.n; k++)
		if (d.e[k].kind == DELTA_V4_SET)
			assert_int_equal(d.e[k].v4.eip, ip4("198.51.100.0"));
	delta_free(&d);
}

static void instance_type_override_and_unknown_type(void **state)
{
	W;
	struct model_instance_type_view tv;
	struct model_instance_req r = {.type = "z9.nope", .az = "az-a"};

	OK(w, model_set_instance_type(w->m, "t2.micro", 4, 8, 8, &w->err));
	assert_int_equal(model_get_instance_type(w->m, "t2.micro", &tv), 0);
	assert_int_equal(tv.max_enis, 4);
	assert_int_equal(tv.max_ipv4_per_eni, 8);
	assert_int_equal(model_get_instance_type(w->m, "c5n.18xlarge", &tv), 0);
	assert_int_equal(tv.max_ipv6_per_eni, 50);
	FAILS(w, model_create_instance(w->m, &r, NULL, &w->err), "InvalidParameterValue");
	FAILS(w, model_set_instance_type(w->m, "bad", 0, 1, 1, &w->err), "InvalidParameterValue");
}

#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(secondary_outside_subnet_is_refused),
	    T(reserved_addresses_are_refused),
	    T(malformed_address_is_invalid_parameter_value),
	    T(ipv6_needs_subnet_with_ipv6_cidr),
	    T(reassign_refused_without_allow_reassignment),
	    T(reassign_moves_address_and_its_eip),
	    T(primary_cannot_be_reassigned),
	    T(primary_cannot_be_unassigned),
	    T(ipv6_of_another_eni_is_never_taken),
	    T(list_and_count_together_are_refused),
	    T(neither_list_nor_count_is_missing_parameter),
	    T(count_picks_lowest_free_addresses),
	    T(count_beyond_free_addresses_fails),
	    T(ipv6_count_picks_lowest_free_ids),
	    T(ipv4_limit_of_attached_type_is_enforced),
	    T(unattached_eni_is_held_to_largest_type_limit),
	    T(ipv6_limit_is_invalid_parameter_value),
	    T(assigning_an_owned_address_is_a_noop),
	    T(unassign_of_unowned_address_fails_whole_request),
	    T(unassign_secondary_disassociates_its_eip),
	    T(eip_and_private_address_stay_one_to_one),
	    T(associate_defaults_to_primary_and_reports_delta),
	    T(associate_requires_allocation_id),
	    T(associate_needs_instance_xor_interface),
	    T(associate_by_instance_with_several_enis_is_refused),
	    T(associate_private_ip_must_be_on_the_eni),
	    T(associate_without_reassociation_refuses_associated_eip),
	    T(disassociate_unknown_association_fails),
	    T(disassociate_keeps_eip_allocated),
	    T(allocate_takes_lowest_pool_address_until_exhausted),
	    T(release_of_associated_eip_fails),
	    T(attach_of_in_use_eni_fails),
	    T(attach_across_availability_zones_fails),
	    T(attach_to_taken_device_index_fails),
	    T(attach_beyond_eni_limit_fails),
	    T(attach_checks_address_counts_against_type),
	    T(detach_of_device_index_zero_is_not_permitted),
	    T(eni_moves_to_another_instance_with_addresses_and_eips),
	    T(delete_of_attached_eni_fails),
	    T(delete_disassociates_eips_and_blackholes_routes),
	    T(addresses_change_on_stopped_instances_and_detached_enis),
	    T(unknown_ids_have_their_not_found_codes),
	    T(source_dest_check_is_per_eni_and_on_by_default),
	    T(stop_keeps_addresses_and_marks_enis_stopped),
	    T(terminate_deletes_dot_enis_and_detaches_others),
	    T(capacity_limit_gives_insufficient_address_capacity),
	    T(generated_ids_look_like_ec2_and_are_deterministic),
	    T(given_ids_are_kept_and_duplicates_refused),
	    T(vpc_has_main_route_table_with_local_routes),
	    T(routes_are_added_and_removed),
	    T(route_tables_hold_local_routes_and_serve_subnets),
	    T(subnet_rules_are_checked),
	    T(create_eni_fills_every_field),
	    T(full_delta_describes_whole_state),
	    T(instance_type_override_and_unknown_type),
	};
	return cmocka_run_group_tests_name("model_rules", tests, NULL, NULL);
}
