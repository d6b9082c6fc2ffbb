/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * R32: AllocateAddress with an Address takes it from a configured public
 * pool. An address outside every pool is InvalidAddress.NotFound (so the pool
 * limit cannot be walked around); a reserved kind of address (0.0.0.0/8,
 * 127/8, multicast and above, broadcast, a VPC's own range) is
 * InvalidParameterValue, even inside a pool. A refusal changes nothing.
 */
#include "fixture.h"

/* The allocation is refused with code, and the model is exactly as before. */
static void refused(struct world *w, const char *addr, const char *code)
{
	char *before = dump_str(w->m), *after;
	char alloc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];

	memset(&w->err, 0, sizeof(w->err));
	if (model_allocate_address(w->m, NULL, addr, alloc, pub, &w->err) != -1)
		fail_msg("%s was allocated, expected %s", addr, code);
	if (strcmp(w->err.code, code) != 0)
		fail_msg("%s: got %s (%s), expected %s", addr, w->err.code, w->err.message, code);
	assert_true(w->err.message[0] != 0);
	after = dump_str(w->m);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void address_outside_every_pool_is_not_found(void **state)
{
	struct world *w = *state;
	const char *outside[] = {"203.0.113.5", "198.51.100.4", "198.51.99.255", "8.8.8.8",
				 "1.0.0.0"};

	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		refused(w, outside[i], "InvalidAddress.NotFound");
}

static void reserved_kinds_are_invalid(void **state)
{
	struct world *w = *state;
	const char *reserved[] = {"0.0.0.0",   "0.1.2.3",	  "127.0.0.1",	  "127.255.255.254",
				  "224.0.0.1", "239.255.255.255", "240.0.0.1",	  "255.255.255.255",
				  "10.0.1.10", "10.0.0.0",	  "10.0.255.255", "10.0.77.1"};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		refused(w, reserved[i], "InvalidParameterValue");
	refused(w, "10.0.1.300", "InvalidParameterValue"); /* not an address at all */
}

static void reserved_kinds_are_invalid_even_inside_a_pool(void **state)
{
	struct world *w = *state;

	/* a pool covering reserved addresses (a configuration mistake) gives none of them */
	OK(w, model_add_public_pool(w->m, "127.0.0.0/24", &w->err));
	OK(w, model_add_public_pool(w->m, "224.0.0.0/24", &w->err));
	refused(w, "127.0.0.1", "InvalidParameterValue");
	refused(w, "224.0.0.9", "InvalidParameterValue");
}

static void address_inside_a_pool_is_taken_from_it(void **state)
{
	struct world *w = *state;
	char alloc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];

	OK(w, model_allocate_address(w->m, NULL, "198.51.100.2", alloc, pub, &w->err));
	assert_string_equal(pub, "198.51.100.2");
	refused(w, "198.51.100.2", "InvalidIPAddress.InUse");
	/* the pool (198.51.100.0/30) has three left, given lowest first, never .2 again */
	const char *next[] = {"198.51.100.0", "198.51.100.1", "198.51.100.3"};
	for (size_t i = 0; i < 3; i++) {
		OK(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err));
		assert_string_equal(pub, next[i]);
	}
	/* full: neither the automatic choice nor an address outside the pool gets one more */
	FAILS(w, model_allocate_address(w->m, NULL, NULL, alloc, pub, &w->err),
	      "AddressLimitExceeded");
	refused(w, "203.0.113.1", "InvalidAddress.NotFound");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
	const struct CMUnitTest tests[] = {
	    T(address_outside_every_pool_is_not_found),
	    T(reserved_kinds_are_invalid),
	    T(reserved_kinds_are_invalid_even_inside_a_pool),
	    T(address_inside_a_pool_is_taken_from_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
