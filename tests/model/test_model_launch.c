/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RunInstances' launch in the model (SPEC R29, R9 at launch): instances made
 * running with their interfaces, MinCount..MaxCount, placement on host ports,
 * every refusal all-or-nothing, termination keeping the instance.
 */
#include "fixture.h"

#define W struct world *w = *state

static const uint16_t ports23[] = {2, 3};

static int setup(void **state)
{
	world_setup(state);
	struct world *w = *state;
	OK(w, model_set_placement(w->m, ports23, 2, 0, &w->err));
	return 0;
}

/* One interface at device index 0 in subnet, with these addresses. */
static struct model_launch_eni nic0(const char *subnet)
{
	struct model_launch_eni l = {.device_index = 0, .delete_on_termination = true};
	l.create.subnet_id = subnet;
	l.create.source_dest_check = true;
	return l;
}

static struct model_launch_req one(const char *id, const char *type, struct model_launch_eni *l,
				   size_t n)
{
	return (struct model_launch_req){
	    .id = id, .type = type, .host_port = -1, .enis = l, .n_enis = n};
}

static int launch(struct world *w, struct model_launch_req *r, size_t n, size_t min, size_t *got)
{
	return model_launch_instances(w->m, r, n, min, got, &w->d, &w->err);
}

static void launch_with_secondary_and_ipv6_counts_runs_with_them(void **state)
{
	W;
	struct model_launch_eni l = nic0(w->sa);
	struct model_launch_req r = one("i-00000000000000a01", "m5.large", &l, 1);
	struct model_instance_view iv;
	struct model_eni_view ev;
	size_t got;

	l.create.secondary_count = 2;
	l.create.ipv6_count = 3;
	OK(w, launch(w, &r, 1, 1, &got));
	assert_int_equal(got, 1);
	assert_int_equal(model_get_instance(w->m, "i-00000000000000a01", &iv), 0);
	assert_int_equal(iv.state, MODEL_RUNNING);
	assert_string_equal(iv.az, "az-a"); /* the subnet's */
	assert_int_equal(iv.host_port, 2);  /* least-loaded, the first on a tie */
	assert_int_equal(iv.n_enis, 1);
	assert_int_equal(model_get_eni(w->m, iv.eni_ids[0], &ev), 0);
	assert_int_equal(ev.device_index, 0);
	assert_true(ev.delete_on_termination);
	assert_int_equal(ev.n_secondary, 2);
	assert_int_equal(ev.n_ipv6, 3);
	assert_int_equal(ev.primary_ip, ip4("10.0.1.4")); /* lowest free */
	/* the dataplane hears of the ENI, forwarding, behind port 2 */
	bool fwd = false;
	for (size_t i = 0; i < w->d.n; i++)
		if (w->d.e[i].kind == DELTA_ENI_SET && w->d.e[i].eni.state == ENI_FWD_OK &&
		    w->d.e[i].eni.port == 2)
			fwd = true;
	assert_true(fwd);
	assert_int_equal(delta_count(&w->d, DELTA_V4_SET), 3);
	assert_int_equal(delta_count(&w->d, DELTA_V6_SET), 3);
}

static void launch_with_two_interfaces_and_an_existing_eni(void **state)
{
	W;
	char e[MODEL_ID_MAX];
	const char *sec[] = {"10.0.1.50", "10.0.1.51"};
	struct model_launch_eni l[3] = {nic0(w->sa), nic0(w->sb), {0}};
	struct model_launch_req r = one("i-00000000000000a02", "m5.large", l, 3);
	struct model_instance_view iv;
	struct model_eni_view ev;
	size_t got;

	world_eni(w, w->sa, "10.0.1.60", e);
	struct model_subnet_view sav;
	assert_int_equal(model_get_subnet(w->m, w->sa, &sav), 0);
	struct model_sg_req ga = {.id = "sg-0a", .vpc_id = sav.vpc_id, .name = "a"};
	struct model_sg_req gb = {.id = "sg-0b", .vpc_id = sav.vpc_id, .name = "b"};
	OK(w, model_create_security_group(w->m, &ga, NULL, &w->err));
	OK(w, model_create_security_group(w->m, &gb, NULL, &w->err));
	const char *sg[] = {"sg-0a", "sg-0b"};
	l[0].create.groups = sg;
	l[0].create.n_groups = 2;
	l[0].create.primary_ip = "10.0.1.49";
	l[0].create.secondary_ips = sec;
	l[0].create.n_secondary_ips = 2;
	l[1].device_index = 1;
	l[2].eni_id = e;
	l[2].device_index = 2;
	OK(w, launch(w, &r, 1, 1, &got));
	assert_int_equal(model_get_instance(w->m, "i-00000000000000a02", &iv), 0);
	assert_int_equal(iv.n_enis, 3);
	assert_int_equal(model_get_eni(w->m, iv.eni_ids[0], &ev), 0);
	assert_int_equal(ev.primary_ip, ip4("10.0.1.49"));
	assert_int_equal(ev.secondary_ips[1], ip4("10.0.1.51"));
	assert_int_equal(ev.n_groups, 2);
	assert_string_equal(ev.groups[1], "sg-0b");
	assert_int_equal(model_get_eni(w->m, iv.eni_ids[1], &ev), 0);
	assert_string_equal(ev.subnet_id, w->sb);
	assert_string_equal(iv.eni_ids[2], e);
	assert_int_equal(model_get_eni(w->m, e, &ev), 0);
	assert_int_equal(ev.device_index, 2);
	assert_false(ev.delete_on_termination);

	/* terminate: the created ENIs go, the existing one is detached */
	struct model_subnet_view sv;
	assert_int_equal(model_get_subnet(w->m, w->sa, &sv), 0);
	uint64_t free_before = sv.available_ipv4;
	OK(w, model_terminate_instance(w->m, "i-00000000000000a02", &w->d, &w->err));
	assert_int_equal(model_get_eni(w->m, e, &ev), 0);
	assert_null(ev.instance_id);
	assert_int_equal(model_get_subnet(w->m, w->sa, &sv), 0);
	assert_int_equal(sv.available_ipv4, free_before + 3);
	assert_int_equal(model_get_instance(w->m, "i-00000000000000a02", &iv), 0);
	assert_int_equal(iv.state, MODEL_TERMINATED);
}

static void terminate_keeps_eip_allocated_but_disassociated(void **state)
{
	W;
	struct model_launch_eni l = nic0(w->sa);
	struct model_launch_req r = one("i-00000000000000a03", "m5.large", &l, 1);
	struct model_instance_view iv;
	struct model_eip_view pv;
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	size_t got;

	OK(w, launch(w, &r, 1, 1, &got));
	assert_int_equal(model_get_instance(w->m, r.id, &iv), 0);
	world_eip(w, alloc);
	world_associate(w, alloc, iv.eni_ids[0], NULL, assoc);
	OK(w, model_terminate_instance(w->m, r.id, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, alloc, &pv), 0);
	assert_null(pv.association_id);
}

static void count_range_launches_as_many_as_the_subnet_holds(void **state)
{
	W;
	/* st is a /28: 16 - 5 reserved = 11 addresses; 4 per instance (1 + 3) */
	struct model_launch_eni l[5];
	struct model_launch_req r[5];
	char ids[5][MODEL_ID_MAX];
	size_t got;

	for (int k = 0; k < 5; k++) {
		l[k] = nic0(w->st);
		l[k].create.secondary_count = 3;
		snprintf(ids[k], sizeof(ids[k]), "i-00000000000000b0%d", k);
		r[k] = one(ids[k], "m5.large", &l[k], 1);
	}
	/* MinCount 3 cannot be met: none */
	ATOMIC_FAILS(w, launch(w, r, 5, 3, &got), "InsufficientFreeAddressesInSubnet");
	assert_int_equal(model_get_instance(w->m, ids[0], NULL), -1);
	/* MinCount 2: the two that fit, the third refused for capacity */
	delta_reset(&w->d);
	OK(w, launch(w, r, 5, 2, &got));
	assert_int_equal(got, 2);
	assert_int_equal(model_get_instance(w->m, ids[1], NULL), 0);
	assert_int_equal(model_get_instance(w->m, ids[2], NULL), -1);
	/* nothing of the refused third is in the delta: two ENIs, eight addresses */
	assert_int_equal(delta_count(&w->d, DELTA_V4_SET), 8);
	assert_int_equal(delta_count(&w->d, DELTA_ENI_DEL), 0);
}

static void placement_least_loaded_and_instance_limit(void **state)
{
	W;
	struct model_launch_eni l[4];
	struct model_launch_req r[4];
	char ids[4][MODEL_ID_MAX];
	struct model_instance_view iv;
	size_t got;

	OK(w, model_set_placement(w->m, ports23, 2, 2, &w->err));
	for (int k = 0; k < 4; k++) {
		l[k] = nic0(w->sa);
		snprintf(ids[k], sizeof(ids[k]), "i-00000000000000c0%d", k);
		r[k] = one(ids[k], "m5.large", &l[k], 1);
	}
	OK(w, launch(w, r, 3, 3, &got));
	assert_int_equal(model_get_instance(w->m, ids[0], &iv), 0);
	assert_int_equal(iv.host_port, 2);
	assert_int_equal(model_get_instance(w->m, ids[1], &iv), 0);
	assert_int_equal(iv.host_port, 3);
	assert_int_equal(model_get_instance(w->m, ids[2], &iv), 0);
	assert_int_equal(iv.host_port, 2);
	/* port 2 holds 2, port 3 one: the fourth goes to 3; then both are full */
	OK(w, launch(w, &r[3], 1, 1, &got));
	assert_int_equal(model_get_instance(w->m, ids[3], &iv), 0);
	assert_int_equal(iv.host_port, 3);
	struct model_launch_eni l5 = nic0(w->sa);
	struct model_launch_req r5 = one("i-00000000000000c05", "m5.large", &l5, 1);
	ATOMIC_FAILS(w, launch(w, &r5, 1, 1, &got), "InstanceLimitExceeded");
	/* a terminated instance frees its place */
	OK(w, model_terminate_instance(w->m, ids[1], &w->d, &w->err));
	OK(w, launch(w, &r5, 1, 1, &got));
	assert_int_equal(model_get_instance(w->m, r5.id, &iv), 0);
	assert_int_equal(iv.host_port, 3);
	/* a given port (journal replay) is kept as given */
	struct model_launch_eni l6 = nic0(w->sa);
	struct model_launch_req r6 = one("i-00000000000000c06", "m5.large", &l6, 1);
	r6.host_port = 7;
	OK(w, model_set_placement(w->m, ports23, 2, 0, &w->err));
	OK(w, launch(w, &r6, 1, 1, &got));
	assert_int_equal(model_get_instance(w->m, r6.id, &iv), 0);
	assert_int_equal(iv.host_port, 7);
}

static void no_placement_is_instance_limit_exceeded(void **state)
{
	W;
	struct model_launch_eni l = nic0(w->sa);
	struct model_launch_req r = one(NULL, "m5.large", &l, 1);
	size_t got;

	OK(w, model_set_placement(w->m, NULL, 0, 0, &w->err));
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InstanceLimitExceeded");
}

static void placement_rule_refuses_bad_ports(void **state)
{
	W;
	const uint16_t twice[] = {2, 2}, big[] = {MODEL_PORTS_MAX};
	FAILS(w, model_set_placement(w->m, twice, 2, 0, &w->err), "InvalidParameterValue");
	FAILS(w, model_set_placement(w->m, big, 1, 0, &w->err), "InvalidParameterValue");
}

/* R9 at launch: the type's limits, as a later assign or attach. */
static void type_limits_hold_at_launch(void **state)
{
	W;
	struct model_launch_eni l[4] = {nic0(w->sa), nic0(w->sb), nic0(w->sb), nic0(w->sb)};
	struct model_launch_req r = one("i-00000000000000d01", "t3.medium", l, 1);
	size_t got;

	/* t3.medium: 3 ENIs, 6 IPv4 and 6 IPv6 per ENI */
	l[0].create.secondary_count = 6;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "PrivateIpAddressLimitExceeded");
	l[0].create.secondary_count = 5;
	l[0].create.ipv6_count = 7;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidParameterValue");
	l[0].create.ipv6_count = 0;
	for (int i = 1; i < 4; i++)
		l[i].device_index = i;
	r.n_enis = 4;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "AttachmentLimitExceeded");
	r.n_enis = 3;
	OK(w, launch(w, &r, 1, 1, &got));
}

static void refusals_change_nothing(void **state)
{
	W;
	struct model_launch_eni l[2] = {nic0(w->sa), nic0(w->sa)};
	struct model_launch_req r = one("i-00000000000000e01", "m5.large", l, 1);
	struct model_launch_req two[2] = {r, r};
	size_t got;

	r.type = "no.such";
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidParameterValue");
	r.type = "m5.large";
	const char *bad[] = {"default"};
	l[0].create.groups = bad;
	l[0].create.n_groups = 1;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidGroupId.Malformed");
	const char *absent[] = {"sg-00000000000000bad"};
	l[0].create.groups = absent;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidGroup.NotFound");
	l[0].create.groups = NULL;
	l[0].create.n_groups = 0;
	l[0].create.subnet_id = "subnet-0000000000000dead";
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidSubnetID.NotFound");
	l[0].create.subnet_id = w->sa;
	l[0].device_index = 1;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidParameterValue"); /* no index 0 */
	l[0].device_index = 0;
	r.n_enis = 2;
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidParameterValue"); /* 0 twice */
	l[1].device_index = 1;
	l[1].eni_id = w->eni0; /* attached to i1 */
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidNetworkInterface.InUse");
	l[1].eni_id = "eni-0000000000000dead";
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidNetworkInterfaceID.NotFound");
	/* an address in use, on the second interface: the first is undone too */
	l[1].eni_id = NULL;
	l[1].create.primary_ip = "10.0.1.10";
	ATOMIC_FAILS(w, launch(w, &r, 1, 1, &got), "InvalidIPAddress.InUse");
	/* an existing ENI with several instances */
	char e[MODEL_ID_MAX];
	world_eni(w, w->sa, NULL, e);
	l[1].create.primary_ip = NULL;
	l[1].eni_id = e;
	two[0] = r;
	two[1] = r;
	two[1].id = "i-00000000000000e02";
	ATOMIC_FAILS(w, launch(w, two, 2, 1, &got), "InvalidParameterCombination");
	/* the second of two refused for a reason other than capacity: none */
	l[1].eni_id = NULL;
	two[1].id = "i-00000000000000e01"; /* the same id twice */
	ATOMIC_FAILS(w, launch(w, two, 2, 1, &got), "InvalidParameterValue");
	ATOMIC_FAILS(w, launch(w, two, 2, 3, &got), "InvalidParameterValue"); /* min > max */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, world_teardown)
	const struct CMUnitTest tests[] = {
	    T(launch_with_secondary_and_ipv6_counts_runs_with_them),
	    T(launch_with_two_interfaces_and_an_existing_eni),
	    T(terminate_keeps_eip_allocated_but_disassociated),
	    T(count_range_launches_as_many_as_the_subnet_holds),
	    T(placement_least_loaded_and_instance_limit),
	    T(no_placement_is_instance_limit_exceeded),
	    T(placement_rule_refuses_bad_ports),
	    T(type_limits_hold_at_launch),
	    T(refusals_change_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
