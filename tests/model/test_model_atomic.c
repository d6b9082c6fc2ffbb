/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * All-or-nothing: a request with several parts, one of them bad, leaves the
 * model dump byte-identical (id counter included) and the delta empty.
 */
#include "fixture.h"

#define W struct world *w = *state

static void create_eni_with_one_bad_secondary_changes_nothing(void **state)
{
	W;
	const char *sec[] = {"10.0.1.20", "10.0.1.21", "10.0.1.255"};
	const char *v6[] = {"2600:1f18:1:101::20", "2600:1f18:1:999::1"};
	struct model_eni_req r = {.subnet_id = w->sa,
				  .secondary_ips = sec,
				  .n_secondary_ips = 3,
				  .source_dest_check = true};

	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	r.n_secondary_ips = 2;
	r.ipv6 = v6;
	r.n_ipv6 = 2;
	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
	r.n_ipv6 = 1;
	r.primary_ip = "10.0.1.10"; /* eni0's */
	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err), "InvalidIPAddress.InUse");
	r.primary_ip = NULL;
	r.n_secondary_ips = 0;
	r.secondary_count = 60; /* above any type's limit */
	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err),
		     "PrivateIpAddressLimitExceeded");
	r.subnet_id = w->st;
	r.secondary_count = 11; /* /28: 11 free, 12 needed */
	r.n_ipv6 = 0;
	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err),
		     "InsufficientFreeAddressesInSubnet");
	model_set_capacity(w->m, 3, 0, 0);
	r.secondary_count = 3;
	ATOMIC_FAILS(w, model_create_eni(w->m, &r, NULL, &w->d, &w->err),
		     "InsufficientAddressCapacity");
}

static void assign_list_with_one_bad_address_changes_nothing(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *mine[] = {"10.0.1.30"};
	const char *a[] = {"10.0.1.20", "10.0.1.30", "10.0.1.3"};
	struct model_assign_req r = {
	    .eni_id = w->eni0, .addrs = a, .n_addrs = 3, .allow_reassignment = true};

	world_eni(w, w->sa, NULL, e);
	world_assign(w, e, mine, 1);
	/* 10.0.1.30 would move, 10.0.1.20 would be new; 10.0.1.3 is reserved */
	ATOMIC_FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
		     "InvalidParameterValue");
	a[2] = "10.0.1.21";
	r.allow_reassignment = false;
	ATOMIC_FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
		     "InvalidIPAddress.InUse");
	/* within limits one by one, not all together (m5.large: 10) */
	const char *many[] = {"10.0.1.40", "10.0.1.41", "10.0.1.42", "10.0.1.43", "10.0.1.44",
			      "10.0.1.45", "10.0.1.46", "10.0.1.47", "10.0.1.48", "10.0.1.49"};
	r.addrs = many;
	r.n_addrs = 10;
	ATOMIC_FAILS(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err),
		     "PrivateIpAddressLimitExceeded");
}

static void unassign_with_one_unowned_address_changes_nothing(void **state)
{
	W;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	const char *a[] = {"10.0.1.20", "10.0.1.21"},
		   *b[] = {"10.0.1.20", "10.0.1.21", "10.0.1.22"};

	world_assign(w, w->eni0, a, 2);
	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, "10.0.1.20", assoc);
	ATOMIC_FAILS(w, model_unassign_private_ips(w->m, w->eni0, b, 3, &w->d, &w->err),
		     "InvalidParameterValue");
	b[2] = "10.0.1.10";
	ATOMIC_FAILS(w, model_unassign_private_ips(w->m, w->eni0, b, 3, &w->d, &w->err),
		     "InvalidParameterValue");
}

static void ipv6_assign_and_unassign_with_one_bad_address_change_nothing(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *theirs[] = {"2600:1f18:1:101::99"};
	const char *a[] = {"2600:1f18:1:101::20", "2600:1f18:1:101::99"};
	struct model_assign_req r = {.eni_id = e, .addrs = theirs, .n_addrs = 1};

	world_eni(w, w->sa, NULL, e);
	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	r.eni_id = w->eni0;
	r.addrs = a;
	r.n_addrs = 2;
	ATOMIC_FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err),
		     "InvalidIPAddress.InUse");
	r.n_addrs = 1;
	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	ATOMIC_FAILS(w, model_unassign_ipv6(w->m, w->eni0, a, 2, &w->d, &w->err),
		     "InvalidParameterValue");
	r.addrs = NULL;
	r.n_addrs = 0;
	r.count = 10; /* one already there, m5.large allows 10 */
	ATOMIC_FAILS(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err), "InvalidParameterValue");
}

static void create_vpc_with_one_bad_block_changes_nothing(void **state)
{
	W;
	const char *c4[] = {"172.16.0.0/16", "172.17.0.1/16"}, *c6[] = {"2600:1f18:2::/56"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 2};

	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, NULL, &w->d, &w->err), "InvalidParameterValue");
	c4[1] = "172.17.0.0/16";
	v.cidr6 = c6;
	v.n_cidr6 = 1;
	c6[0] = "2600:1f18:2::/64";
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, NULL, &w->d, &w->err), "InvalidParameterValue");
	v.id = w->vpc;
	c6[0] = "2600:1f18:2::/56";
	ATOMIC_FAILS(w, model_create_vpc(w->m, &v, NULL, &w->d, &w->err), "InvalidParameterValue");
}

static void refused_association_changes_nothing(void **state)
{
	W;
	char a1[MODEL_ID_MAX], s1[MODEL_ID_MAX], e[MODEL_ID_MAX];
	struct model_associate_req r = {.eni_id = NULL, .allow_reassociation = false};

	world_eip(w, a1);
	world_associate(w, a1, w->eni0, NULL, s1);
	world_eni(w, w->sa, NULL, e);
	r.allocation_id = a1;
	r.eni_id = e;
	ATOMIC_FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
		     "Resource.AlreadyAssociated");
	model_set_capacity(w->m, 0, 0, 1);
	char a2[MODEL_ID_MAX];
	world_eip(w, a2);
	r.allocation_id = a2;
	ATOMIC_FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
		     "InsufficientAddressCapacity");
	r.association_id = s1; /* a given association id already in use */
	model_set_capacity(w->m, 0, 0, 0);
	ATOMIC_FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
		     "InvalidParameterValue");
}

static void refused_attach_and_detach_change_nothing(void **state)
{
	W;
	char e[MODEL_ID_MAX], i2[MODEL_ID_MAX];
	struct model_attach_req a = {.device_index = 0};

	world_instance(w, "t1.micro", "az-a", i2);
	world_eni(w, w->sa, NULL, e);
	const char *v6[] = {"2600:1f18:1:101::30"};
	struct model_assign_req r = {.eni_id = e, .addrs = v6, .n_addrs = 1};
	OK(w, model_assign_ipv6(w->m, &r, NULL, &w->d, &w->err));
	a.eni_id = e;
	a.instance_id = i2; /* t1.micro: no IPv6 */
	ATOMIC_FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "InvalidParameterValue");
	a.attachment_id = w->att0; /* taken */
	a.instance_id = w->i1;
	a.device_index = 1;
	ATOMIC_FAILS(w, model_attach_eni(w->m, &a, NULL, &w->d, &w->err), "InvalidParameterValue");
	ATOMIC_FAILS(w, model_detach_eni(w->m, w->att0, true, &w->d, &w->err),
		     "OperationNotPermitted");
	ATOMIC_FAILS(w, model_delete_eni(w->m, w->eni0, &w->d, &w->err), "InvalidParameterValue");
}

static void refused_subnet_route_and_pool_change_nothing(void **state)
{
	W;
	struct model_subnet_req s = {.vpc_id = w->vpc, .az = "az-a", .cidr4 = "10.0.2.0/25"};

	ATOMIC_FAILS(w, model_create_subnet(w->m, &s, NULL, &w->d, &w->err),
		     "InvalidSubnet.Conflict");
	ATOMIC_FAILS(w, model_create_route(w->m, w->rtb, "10.0.0.0/16", "igw", &w->d, &w->err),
		     "RouteAlreadyExists");
	ATOMIC_FAILS(w, model_add_public_pool(w->m, "198.51.100.2/31", &w->err),
		     "InvalidParameterValue");
	ATOMIC_FAILS(w, model_allocate_address(w->m, NULL, "198.51.100.300", NULL, NULL, &w->err),
		     "InvalidParameterValue");
}

#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(create_eni_with_one_bad_secondary_changes_nothing),
	    T(assign_list_with_one_bad_address_changes_nothing),
	    T(unassign_with_one_unowned_address_changes_nothing),
	    T(ipv6_assign_and_unassign_with_one_bad_address_change_nothing),
	    T(create_vpc_with_one_bad_block_changes_nothing),
	    T(refused_association_changes_nothing),
	    T(refused_attach_and_detach_change_nothing),
	    T(refused_subnet_route_and_pool_change_nothing),
	};
	return cmocka_run_group_tests_name("model_atomic", tests, NULL, NULL);
}
