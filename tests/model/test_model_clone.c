/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_model_clone.c - model_clone(): the copy dumps like the original, the
 * two are independent, the same operations on both do the same (same ids,
 * same addresses, same deltas), and out of memory at any allocation gives
 * NULL + ENOMEM with the original untouched and nothing leaked (the
 * allocator is wrapped: -Wl,--wrap=malloc,... in meson.build).
 */
#include <errno.h>

#include "fixture.h"

/* ---- allocation failure injection: the k-th allocation from now fails ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long fail_in = -1; /* allocations until one fails; -1 = never */
static long allocs;	  /* allocations seen while counting */

static int fails_now(void)
{
	allocs++;
	if (fail_in < 0)
		return 0;
	return fail_in-- == 0;
}
void *__wrap_malloc(size_t n)
{
	return fails_now() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n)
{
	return fails_now() ? NULL : __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n)
{
	return fails_now() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s)
{
	return fails_now() ? NULL : __real_strdup(s);
}

/* The fixture world and more: IPv4 and IPv6 secondaries, an EIP associated, a
 * route to an ENI, a second instance, and a deleted ENI (a free slot). */
static char att1[MODEL_ID_MAX]; /* an ENI at device index 1 of i1 (detachable) */

static void grow_world(struct world *w)
{
	char eni2[MODEL_ID_MAX];
	char eni1[MODEL_ID_MAX], gone[MODEL_ID_MAX], i2[MODEL_ID_MAX], att[MODEL_ID_MAX];
	char alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	const char *sec[] = {"10.0.1.20", "10.0.1.21"};
	world_assign(w, w->eni0, sec, 2);
	struct model_assign_req r6 = {.eni_id = w->eni0, .count = 2};
	OK(w, model_assign_ipv6(w->m, &r6, NULL, &w->d, &w->err));
	world_eni(w, w->sb, NULL, gone);
	world_eni(w, w->sb, "10.0.2.50", eni1);
	OK(w, model_delete_eni(w->m, gone, &w->d, &w->err));
	world_instance(w, "m5.large", "az-a", i2);
	world_attach(w, eni1, i2, 0, att);
	world_eni(w, w->sa, NULL, eni2);
	world_attach(w, eni2, w->i1, 1, att1);
	world_eip(w, alloc);
	world_associate(w, alloc, w->eni0, "10.0.1.20", assoc);
	OK(w, model_create_route(w->m, w->rtb, "192.168.0.0/16", eni1, &w->d, &w->err));
	/* what later stages added: tags, an IPv6 pool, a subnet on its own route table,
	 * a VPC attribute, security group ids, placement, an instance with an image
	 * that is terminated (kept, with its tags) */
	const char *tagged[] = {w->eni0, w->i1, alloc};
	struct model_tag tags[] = {{"Name", "web"}, {"env", "prod"}};
	OK(w, model_create_tags(w->m, tagged, 3, tags, 2, &w->err));
	OK(w, model_add_ipv6_pool(w->m, "2600:1f18:4000::/55", &w->err));
	char rt2[MODEL_ID_MAX], vpc_id[MODEL_ID_MAX];
	struct model_subnet_view sv;
	assert_int_equal(model_get_subnet(w->m, w->sb, &sv), 0);
	snprintf(vpc_id, sizeof(vpc_id), "%s", sv.vpc_id);
	OK(w, model_create_route_table(w->m, NULL, vpc_id, rt2, &w->d, &w->err));
	char assoc2[MODEL_ID_MAX];
	OK(w,
	   model_associate_route_table(w->m, rt2, w->sb, "rtbassoc-clone", assoc2, &w->d, &w->err));
	OK(w, model_set_vpc_dns(w->m, vpc_id, false, true, &w->err));
	const uint16_t ports[] = {0, 1};
	OK(w, model_set_placement(w->m, ports, 2, 4, &w->err));
	struct model_sg_req g1 = {.id = "sg-1", .vpc_id = vpc_id, .name = "one"};
	struct model_sg_req g2 = {.id = "sg-2", .vpc_id = vpc_id, .name = "two"};
	OK(w, model_create_security_group(w->m, &g1, NULL, &w->err));
	OK(w, model_create_security_group(w->m, &g2, NULL, &w->err));
	struct model_sg_perm tcp22 = {.protocol = "tcp",
				      .from_port = "22",
				      .to_port = "22",
				      .cidr4 = "10.0.0.0/8",
				      .description = "ssh"};
	struct model_sg_perm from2 = {.protocol = "-1", .group_id = "sg-2"};
	OK(w, model_authorize_sg(w->m, "sg-1", false, &tcp22, 1, NULL, &w->err));
	OK(w, model_authorize_sg(w->m, "sg-1", true, &from2, 1, NULL, &w->err));
	const char *groups[] = {"sg-1", "sg-2"};
	struct model_eni_req ge = {.subnet_id = w->sa, .groups = groups, .n_groups = 2};
	char geni[MODEL_ID_MAX], i3[MODEL_ID_MAX];
	OK(w, model_create_eni(w->m, &ge, geni, &w->d, &w->err));
	struct model_instance_req ir = {.type = "m5.large", .az = "az-a", .image_id = "ami-1"};
	OK(w, model_create_instance(w->m, &ir, i3, &w->err));
	const char *tagged3[] = {i3};
	OK(w, model_create_tags(w->m, tagged3, 1, tags, 1, &w->err));
	model_set_clock(w->m, 1000);
	OK(w, model_terminate_instance(w->m, i3, &w->d, &w->err));
	delta_reset(&w->d);
}

/* The same operations on a model: ids and addresses it generates, and its deltas. */
static char *run_ops(struct world *w, struct model *m)
{
	char eni[MODEL_ID_MAX], alloc[MODEL_ID_MAX], assoc[MODEL_ID_MAX];
	struct delta d = {0};
	struct model_eni_req e = {.subnet_id = w->sa, .secondary_count = 2, .ipv6_count = 1};
	OK(w, model_create_eni(m, &e, eni, &d, &w->err));
	OK(w, model_allocate_address(m, NULL, NULL, alloc, NULL, &w->err));
	struct model_associate_req a = {.allocation_id = alloc, .eni_id = eni};
	OK(w, model_associate_address(m, &a, assoc, &d, &w->err));
	struct model_assign_req r = {.eni_id = w->eni0, .count = 3};
	OK(w, model_assign_private_ips(m, &r, NULL, &d, &w->err));
	OK(w, model_detach_eni(m, att1, true, &d, &w->err));
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	fprintf(f, "eni=%s alloc=%s assoc=%s deltas=%zu\n", eni, alloc, assoc, d.n);
	for (size_t i = 0; i < d.n; i++)
		fprintf(f, "%d ", (int)d.e[i].kind);
	fprintf(f, "\n");
	model_dump(m, f);
	fclose(f);
	delta_free(&d);
	return out;
}

static void clone_dumps_like_the_original(void **state)
{
	struct world *w = *state;
	grow_world(w);
	char *a = dump_str(w->m);
	struct model *c = model_clone(w->m);
	assert_non_null(c);
	char *b = dump_str(c);
	assert_string_equal(a, b);
	model_free(c);
	free(a);
	free(b);
}

static void clone_and_original_are_independent(void **state)
{
	struct world *w = *state;
	grow_world(w);
	char *before = dump_str(w->m);
	struct model *c = model_clone(w->m);
	assert_non_null(c);
	/* change the clone: the original stays */
	OK(w, model_detach_eni(c, att1, true, NULL, &w->err));
	const char *sec[] = {"10.0.1.21"};
	OK(w, model_unassign_private_ips(c, w->eni0, sec, 1, NULL, &w->err));
	OK(w, model_stop_instance(c, w->i1, NULL, &w->err));
	char *after = dump_str(w->m);
	assert_string_equal(before, after);
	free(after);
	/* change the original, then free it: the clone stays */
	char *cdump = dump_str(c);
	OK(w, model_stop_instance(w->m, w->i1, NULL, &w->err));
	model_free(w->m);
	w->m = model_create();
	after = dump_str(c);
	assert_string_equal(cdump, after);
	free(after);
	free(cdump);
	free(before);
	model_free(c);
}

static void same_operations_do_the_same_on_both(void **state)
{
	struct world *w = *state;
	grow_world(w);
	struct model *c = model_clone(w->m);
	assert_non_null(c);
	char *on_clone = run_ops(w, c);
	char *on_original = run_ops(w, w->m);
	assert_string_equal(on_clone, on_original);
	free(on_clone);
	free(on_original);
	model_free(c);
}

static void out_of_memory_anywhere_is_enomem_and_changes_nothing(void **state)
{
	struct world *w = *state;
	grow_world(w);
	char *before = dump_str(w->m);
	allocs = 0;
	struct model *c = model_clone(w->m);
	long total = allocs;
	assert_non_null(c);
	model_free(c);
	assert_true(total > 20);
	for (long k = 0; k < total; k++) {
		fail_in = k;
		errno = 0;
		c = model_clone(w->m);
		fail_in = -1;
		assert_null(c);
		assert_int_equal(errno, ENOMEM);
	}
	char *after = dump_str(w->m);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(clone_dumps_like_the_original, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(clone_and_original_are_independent, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(same_operations_do_the_same_on_both, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(out_of_memory_anywhere_is_enomem_and_changes_nothing,
					    world_setup, world_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
