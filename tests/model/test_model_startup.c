/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What start-up speed rests on changes no behaviour: model_reserve and
 * model_prefetch_eip leave the model as it was (same dumps, same ids, same
 * deltas as a model without them); long address lists still report the first
 * bad address in list order; associating right after allocating (the
 * last-allocated shortcut) finds the allocation named, and only a live one.
 */
#include "fixture.h"

enum { N_EIPS = 20 };

/* The same operations on a world; with hints (reserve + prefetch) or without. */
static void populate(struct world *w, bool hints, char ids[N_EIPS][2][MODEL_ID_MAX])
{
	static char sec[N_EIPS][INET_ADDRSTRLEN], pub[N_EIPS][INET_ADDRSTRLEN];
	const char *secp[N_EIPS],
	    *v6[] = {"2600:1f18:1:101::20", "2600:1f18:1:101::21", "2600:1f18:1:101::22"};
	struct model_eni_req r = {.subnet_id = w->sa,
				  .primary_ip = "10.0.1.100",
				  .secondary_ips = secp,
				  .n_secondary_ips = N_EIPS,
				  .ipv6 = v6,
				  .n_ipv6 = 3,
				  .source_dest_check = true};
	char eni[MODEL_ID_MAX];

	/* R32: a given address comes from a public pool */
	OK(w, model_add_public_pool(w->m, "203.0.113.0/24", &w->err));
	if (hints)
		assert_int_equal(model_reserve(w->m, 5000, 5000, 5000), 0);
	for (int k = 0; k < N_EIPS; k++) {
		snprintf(sec[k], sizeof(sec[k]), "10.0.1.%d", 120 + k);
		snprintf(pub[k], sizeof(pub[k]), "203.0.113.%d", k);
		secp[k] = sec[k];
	}
	OK(w, model_create_eni(w->m, &r, eni, &w->d, &w->err));
	for (int k = 0; k < N_EIPS; k++) {
		struct model_associate_req a = {.eni_id = eni, .private_ip = sec[k]};

		if (hints) {
			model_prefetch_eip(w->m, NULL, pub[k], sec[k]);
			model_prefetch_eip(w->m, "eipalloc-none", "999.1.1.1", "not an address");
			model_prefetch_eip(w->m, NULL, NULL, NULL);
			model_prefetch_eip(w->m, ids[0][0], pub[0], sec[0]); /* taken ones */
		}
		OK(w, model_allocate_address(w->m, NULL, pub[k], ids[k][0], NULL, &w->err));
		a.allocation_id = ids[k][0];
		OK(w, model_associate_address(w->m, &a, ids[k][1], &w->d, &w->err));
	}
}

static void reserve_and_prefetch_change_nothing(void **state)
{
	struct world *plain, *hinted;
	char ids_plain[N_EIPS][2][MODEL_ID_MAX], ids_hinted[N_EIPS][2][MODEL_ID_MAX];
	char *a, *b;

	(void)state;
	world_setup((void **)&plain);
	world_setup((void **)&hinted);
	populate(plain, false, ids_plain);
	populate(hinted, true, ids_hinted);
	for (int k = 0; k < N_EIPS; k++) {
		assert_string_equal(ids_plain[k][0], ids_hinted[k][0]);
		assert_string_equal(ids_plain[k][1], ids_hinted[k][1]);
	}
	a = dump_str(plain->m);
	b = dump_str(hinted->m);
	assert_string_equal(a, b);
	assert_int_equal(plain->d.n, hinted->d.n);
	for (size_t i = 0; i < plain->d.n; i++) {
		assert_int_equal(plain->d.e[i].kind, hinted->d.e[i].kind);
		if (plain->d.e[i].kind == DELTA_EIP_SET) {
			assert_int_equal(plain->d.e[i].eip.eip, hinted->d.e[i].eip.eip);
			assert_int_equal(plain->d.e[i].eip.priv, hinted->d.e[i].eip.priv);
		}
	}
	free(a);
	free(b);
	world_teardown((void **)&plain);
	world_teardown((void **)&hinted);
}

/* Create an ENI that must fail with code, naming `names`; the model stays as it was. */
static void eni_fails(struct world *w, struct model_eni_req *r, const char *code, const char *names)
{
	char *before = dump_str(w->m), *after;

	FAILS(w, model_create_eni(w->m, r, NULL, &w->d, &w->err), code);
	if (!strstr(w->err.message, names))
		fail_msg("'%s' does not name %s", w->err.message, names);
	after = dump_str(w->m);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void long_lists_report_the_first_bad_address(void **state)
{
	struct world *w = *state;
	const char *v4[12], *v6[3];
	char text[12][INET_ADDRSTRLEN];
	struct model_eni_req r = {.subnet_id = w->sa, .source_dest_check = true};

	for (int k = 0; k < 12; k++) {
		snprintf(text[k], sizeof(text[k]), "10.0.1.%d", 20 + k);
		v4[k] = text[k];
	}
	r.secondary_ips = v4;
	r.n_secondary_ips = 12;
	v4[10] = "10.0.1.10"; /* eni0's primary */
	v4[11] = "10.0.1.bad";
	eni_fails(w, &r, "InvalidIPAddress.InUse", "10.0.1.10");
	v4[3] = "10.0.1.bad"; /* now before the address in use */
	eni_fails(w, &r, "InvalidParameterValue", "10.0.1.bad");

	{
		const char *one[] = {"2600:1f18:1:101::20"};
		struct model_eni_req o = {
		    .subnet_id = w->sa, .ipv6 = one, .n_ipv6 = 1, .source_dest_check = true};

		OK(w, model_create_eni(w->m, &o, NULL, &w->d, &w->err));
	}
	r.secondary_ips = NULL;
	r.n_secondary_ips = 0;
	r.ipv6 = v6;
	r.n_ipv6 = 3;
	v6[0] = "2600:1f18:1:101::21";
	v6[1] = "2600:1f18:1:101::20"; /* in use */
	v6[2] = "2600:1f18:1:101::zz";
	eni_fails(w, &r, "InvalidIPAddress.InUse", "2600:1f18:1:101::20");
	v6[1] = "2600:1f18:1:101::zz";
	v6[2] = "2600:1f18:1:101::20";
	eni_fails(w, &r, "InvalidParameterValue", "2600:1f18:1:101::zz");
	v6[1] = "2600:1f18:1:102::1"; /* outside the subnet: also before the one in use */
	eni_fails(w, &r, "InvalidParameterValue", "2600:1f18:1:102::1");
}

static void associate_finds_the_allocation_it_names(void **state)
{
	struct world *w = *state;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], c[MODEL_ID_MAX];
	struct model_eip_view v;
	struct model_associate_req r = {.eni_id = w->eni0, .private_ip = "10.0.1.10"};

	OK(w, model_add_public_pool(w->m, "203.0.113.0/24", &w->err)); /* R32 */
	OK(w, model_allocate_address(w->m, NULL, "203.0.113.1", a, NULL, &w->err));
	OK(w, model_allocate_address(w->m, NULL, "203.0.113.2", b, NULL, &w->err));
	r.allocation_id = a; /* not the last allocated */
	OK(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, a, &v), 0);
	assert_non_null(v.association_id);
	assert_int_equal(v.private_ip, ip4("10.0.1.10"));
	assert_int_equal(model_get_eip(w->m, b, &v), 0);
	assert_null(v.association_id);

	OK(w, model_release_address(w->m, b, &w->err)); /* the last allocated, released */
	r.allocation_id = b;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidAllocationID.NotFound");

	OK(w, model_allocate_address(w->m, NULL, "203.0.113.3", c, NULL, &w->err)); /* b's slot */
	r.allocation_id = b;
	FAILS(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err),
	      "InvalidAllocationID.NotFound");
	r.allocation_id = c; /* moves the address's EIP from a to c (R14) */
	OK(w, model_associate_address(w->m, &r, NULL, &w->d, &w->err));
	assert_int_equal(model_get_eip(w->m, c, &v), 0);
	assert_non_null(v.association_id);
	assert_int_equal(v.public_ip, ip4("203.0.113.3"));
	assert_int_equal(model_get_eip(w->m, a, &v), 0);
	assert_null(v.association_id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reserve_and_prefetch_change_nothing),
	    cmocka_unit_test_setup_teardown(long_lists_report_the_first_bad_address, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(associate_finds_the_allocation_it_names, world_setup,
					    world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
