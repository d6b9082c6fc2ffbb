/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tag store (SPEC R27) and resumable iteration (R30's cursors): every
 * rule and every error code, all-or-nothing, tags gone with their resource,
 * and a walk resumed after an object that was deleted in between.
 */
#include "fixture.h"

static const char *tag_value(const struct model *m, const char *id, const char *key)
{
	struct model_tags_view v;
	if (model_get_tags(m, id, &v))
		return NULL;
	for (size_t k = 0; k < v.n; k++)
		if (strcmp(v.tags[k].key, key) == 0)
			return v.tags[k].value;
	return NULL;
}

static size_t tag_count(const struct model *m, const char *id)
{
	struct model_tags_view v;
	return model_get_tags(m, id, &v) ? 0 : v.n;
}

static void create_tags_on_every_kind_of_resource(void **state)
{
	struct world *w = *state;
	char alloc[MODEL_ID_MAX];
	struct model_tag t[] = {{"Name", "web"}, {"env", NULL}};
	world_eip(w, alloc);
	const char *ids[] = {w->vpc, w->sa, w->rtb, w->i1, w->eni0, alloc};
	const char *types[] = {
	    "vpc", "subnet", "route-table", "instance", "network-interface", "elastic-ip"};
	OK(w, model_create_tags(w->m, ids, 6, t, 2, &w->err));
	for (size_t i = 0; i < 6; i++) {
		struct model_tags_view v;
		assert_int_equal(model_get_tags(w->m, ids[i], &v), 0);
		assert_string_equal(v.resource_type, types[i]);
		assert_int_equal(v.n, 2);
		assert_string_equal(v.tags[0].key, "Name");
		assert_string_equal(v.tags[0].value, "web");
		assert_string_equal(v.tags[1].value, ""); /* no value: empty */
		assert_string_equal(model_resource_type(w->m, ids[i], NULL), types[i]);
	}
	/* overwriting keeps the key's place and count */
	struct model_tag t2[] = {{"Name", "db"}};
	OK(w, model_create_tags(w->m, ids, 1, t2, 1, &w->err));
	assert_int_equal(tag_count(w->m, w->vpc), 2);
	assert_string_equal(tag_value(w->m, w->vpc, "Name"), "db");
	assert_string_equal(tag_value(w->m, w->sa, "Name"), "web");
}

static void unknown_and_malformed_ids_are_refused(void **state)
{
	struct world *w = *state;
	struct model_tag t[] = {{"k", "v"}};
	static const struct {
		const char *id, *code;
	} cases[] = {
	    {"vpc-0123456789abcdef0", "InvalidVpcID.NotFound"},
	    {"subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"},
	    {"rtb-0123456789abcdef0", "InvalidRouteTableID.NotFound"},
	    {"i-0123456789abcdef0", "InvalidInstanceID.NotFound"},
	    {"eni-0123456789abcdef0", "InvalidNetworkInterfaceID.NotFound"},
	    {"eipalloc-0123456789abcdef0", "InvalidAllocationID.NotFound"},
	    {"sg-0123456789abcdef0", "InvalidGroup.NotFound"},
	    {"foo-123", "InvalidID"},
	    {"eni-zz!", "InvalidID"},
	    {"eni-", "InvalidID"},
	};
	char *before = dump_str(w->m);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a good id first: all or nothing over the list */
		const char *ids[] = {w->eni0, cases[i].id};
		FAILS(w, model_create_tags(w->m, ids, 2, t, 1, &w->err), cases[i].code);
		FAILS(w, model_delete_tags(w->m, ids, 2, NULL, 0, &w->err), cases[i].code);
		assert_null(model_resource_type(w->m, cases[i].id, NULL));
	}
	char *after = dump_str(w->m);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void keys_and_values_are_checked_in_characters(void **state)
{
	struct world *w = *state;
	const char *ids[] = {w->eni0};
	char key128[129 * 2], val256[257 * 3], big[300];
	/* 128 two-byte characters (256 bytes) is a valid key; 256 three-byte characters a value */
	key128[0] = 0;
	for (int i = 0; i < 128; i++)
		strcat(key128, "\xc3\xa9"); /* é */
	val256[0] = 0;
	for (int i = 0; i < 256; i++)
		strcat(val256, "\xe2\x82\xac"); /* € */
	struct model_tag good[] = {{key128, val256}};
	OK(w, model_create_tags(w->m, ids, 1, good, 1, &w->err));
	assert_string_equal(tag_value(w->m, w->eni0, key128), val256);
	/* one more character: refused */
	char key129[sizeof(key128) + 2];
	snprintf(key129, sizeof(key129), "%sx", key128);
	struct model_tag k129[] = {{key129, "v"}};
	FAILS(w, model_create_tags(w->m, ids, 1, k129, 1, &w->err), "InvalidParameterValue");
	char val257[sizeof(val256) + 2];
	snprintf(val257, sizeof(val257), "%sx", val256);
	struct model_tag v257[] = {{"k", val257}};
	FAILS(w, model_create_tags(w->m, ids, 1, v257, 1, &w->err), "InvalidParameterValue");
	struct model_tag empty[] = {{"", "v"}};
	FAILS(w, model_create_tags(w->m, ids, 1, empty, 1, &w->err), "InvalidParameterValue");
	struct model_tag aws[] = {{"ok", "v"}, {"aws:cloudformation", "v"}};
	FAILS(w, model_create_tags(w->m, ids, 1, aws, 2, &w->err), "InvalidParameterValue");
	struct model_tag awsup[] = {{"AWS:x", "v"}};
	FAILS(w, model_create_tags(w->m, ids, 1, awsup, 1, &w->err), "InvalidParameterValue");
	FAILS(w, model_delete_tags(w->m, ids, 1, awsup, 1, &w->err), "InvalidParameterValue");
	struct model_tag dup[] = {{"a", "1"}, {"a", "2"}};
	FAILS(w, model_create_tags(w->m, ids, 1, dup, 2, &w->err), "InvalidParameterValue");
	FAILS(w, model_create_tags(w->m, ids, 1, NULL, 0, &w->err), "MissingParameter");
	FAILS(w, model_create_tags(w->m, NULL, 0, good, 1, &w->err), "MissingParameter");
	/* none of it changed anything */
	assert_int_equal(tag_count(w->m, w->eni0), 1);
	assert_null(tag_value(w->m, w->eni0, "ok"));
	memset(big, 'a', 128);
	big[128] = 0;
	struct model_tag ascii128[] = {{big, ""}};
	OK(w, model_create_tags(w->m, ids, 1, ascii128, 1, &w->err));
}

static void at_most_50_tags_per_resource(void **state)
{
	struct world *w = *state;
	char keys[51][8];
	struct model_tag t[51];
	for (int i = 0; i < 51; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		t[i] = (struct model_tag){keys[i], "v"};
	}
	const char *ids[] = {w->eni0, w->i1};
	FAILS(w, model_create_tags(w->m, ids, 2, t, 51, &w->err), "TagLimitExceeded");
	FAILS(w, model_tags_check(w->m, t, 51, &w->err), "TagLimitExceeded");
	OK(w, model_create_tags(w->m, ids, 1, t, 50, &w->err));
	/* the same 50 again (overwrites) and one of them on i1: fine */
	OK(w, model_create_tags(w->m, ids, 2, t, 50, &w->err));
	/* a 51st key on eni0 is refused, and i1 (in the same request) gets nothing */
	struct model_tag more[] = {{"new", "x"}};
	FAILS(w, model_create_tags(w->m, ids, 2, more, 1, &w->err), "TagLimitExceeded");
	assert_int_equal(tag_count(w->m, w->eni0), 50);
	assert_null(tag_value(w->m, w->i1, "new"));
	/* one freed, one more fits */
	struct model_tag one[] = {{"k0", NULL}};
	OK(w, model_delete_tags(w->m, ids, 1, one, 1, &w->err));
	OK(w, model_create_tags(w->m, ids, 1, more, 1, &w->err));
	assert_int_equal(tag_count(w->m, w->eni0), 50);
}

static void delete_tags_follows_ec2(void **state)
{
	struct world *w = *state;
	const char *ids[] = {w->eni0};
	struct model_tag t[] = {{"a", "1"}, {"b", "2"}, {"c", ""}, {"d", "4"}};
	OK(w, model_create_tags(w->m, ids, 1, t, 4, &w->err));
	/* a value that does not match: kept */
	struct model_tag wrong[] = {{"a", "9"}};
	OK(w, model_delete_tags(w->m, ids, 1, wrong, 1, &w->err));
	assert_string_equal(tag_value(w->m, w->eni0, "a"), "1");
	/* the matching value: deleted; no value: deleted whatever its value */
	struct model_tag right[] = {{"a", "1"}, {"b", NULL}};
	OK(w, model_delete_tags(w->m, ids, 1, right, 2, &w->err));
	assert_null(tag_value(w->m, w->eni0, "a"));
	assert_null(tag_value(w->m, w->eni0, "b"));
	/* an empty value deletes only a tag whose value is empty */
	struct model_tag e[] = {{"c", ""}, {"d", ""}};
	OK(w, model_delete_tags(w->m, ids, 1, e, 2, &w->err));
	assert_null(tag_value(w->m, w->eni0, "c"));
	assert_string_equal(tag_value(w->m, w->eni0, "d"), "4");
	/* an absent key is no error; no tag at all deletes every tag */
	struct model_tag absent[] = {{"zz", NULL}};
	OK(w, model_delete_tags(w->m, ids, 1, absent, 1, &w->err));
	OK(w, model_delete_tags(w->m, ids, 1, NULL, 0, &w->err));
	assert_int_equal(model_get_tags(w->m, w->eni0, NULL), -1);
}

static void tags_disappear_with_their_resource(void **state)
{
	struct world *w = *state;
	char eni[MODEL_ID_MAX], alloc[MODEL_ID_MAX];
	struct model_tag t[] = {{"k", "v"}};
	world_eni(w, w->sb, NULL, eni);
	world_eip(w, alloc);
	const char *ids[] = {eni, alloc, w->i1, w->eni0};
	OK(w, model_create_tags(w->m, ids, 4, t, 1, &w->err));
	OK(w, model_delete_eni(w->m, eni, &w->d, &w->err));
	assert_int_equal(model_get_tags(w->m, eni, NULL), -1);
	OK(w, model_release_address(w->m, alloc, &w->err));
	assert_int_equal(model_get_tags(w->m, alloc, NULL), -1);
	/* terminate: the instance and its delete-on-termination ENI */
	model_set_clock(w->m, 1000);
	OK(w, model_terminate_instance(w->m, w->i1, &w->d, &w->err));
	/* kept while the instance is shown terminated (R29), gone when it is forgotten */
	assert_int_equal(model_get_tags(w->m, w->i1, NULL), 0);
	assert_int_equal(model_forget_terminated(w->m, 1001), 1);
	assert_int_equal(model_get_tags(w->m, w->i1, NULL), -1);
	/* a new ENI reusing the slot starts without tags */
	char again[MODEL_ID_MAX];
	world_eni(w, w->sb, NULL, again);
	assert_int_equal(model_get_tags(w->m, again, NULL), -1);
	struct model_stats st;
	model_get_stats(w->m, &st);
	assert_true(st.bytes > 0);
}

static void prepared_tags_go_to_the_new_resource(void **state)
{
	struct world *w = *state;
	struct model_tag t[] = {{"Name", "new"}, {"k", NULL}};
	struct model_tags_prep *p = model_tags_prepare(w->m, t, 2, &w->err);
	assert_non_null(p);
	/* two preparations at once keep room for both (a call creating two resources) */
	struct model_tags_prep *q = model_tags_prepare(w->m, t, 1, &w->err);
	assert_non_null(q);
	char eni[MODEL_ID_MAX];
	world_eni(w, w->sb, NULL, eni);
	OK(w, model_tags_commit(w->m, p, eni, &w->err));
	assert_int_equal(tag_count(w->m, eni), 2);
	assert_string_equal(tag_value(w->m, eni, "k"), "");
	/* an id the model does not hold, or one with tags already: refused, nothing changes */
	struct model_tags_prep *r = model_tags_prepare(w->m, t, 1, &w->err);
	FAILS(w, model_tags_commit(w->m, r, "eni-0123456789abcdef0", &w->err),
	      "InvalidNetworkInterfaceID.NotFound");
	r = model_tags_prepare(w->m, t, 1, &w->err);
	FAILS(w, model_tags_commit(w->m, r, eni, &w->err), "InternalError");
	assert_int_equal(tag_count(w->m, eni), 2);
	model_tags_prep_free(w->m, q);
	/* bad tags are refused when prepared */
	struct model_tag bad[] = {{"aws:x", "v"}};
	memset(&w->err, 0, sizeof(w->err));
	assert_null(model_tags_prepare(w->m, bad, 1, &w->err));
	assert_string_equal(w->err.code, "InvalidParameterValue");
	assert_null(model_tags_prepare(w->m, t, 0, &w->err));
	assert_string_equal(w->err.code, "MissingParameter");
}

/* ---- cursors ---- */

struct seen {
	char ids[64][MODEL_ID_MAX];
	size_t n, stop_after;
};

static int eni_seen(const struct model_eni_view *v, void *arg)
{
	struct seen *s = arg;
	snprintf(s->ids[s->n++], MODEL_ID_MAX, "%s", v->id);
	return s->stop_after && s->n == s->stop_after;
}

static void iteration_resumes_after_a_deleted_object(void **state)
{
	struct world *w = *state;
	char e[6][MODEL_ID_MAX];
	for (int i = 0; i < 6; i++)
		world_eni(w, w->sb, NULL, e[i]);
	/* page 1: eni0, e0, e1 */
	struct seen s = {.stop_after = 3};
	model_foreach_eni_from(w->m, NULL, eni_seen, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ids[2], e[1]);
	struct model_cursor c = {.id = e[1], .order = model_order_of(w->m, MODEL_KIND_ENI, e[1])};
	assert_true(c.order > 0);
	assert_int_equal(model_order_of(w->m, MODEL_KIND_ENI, "eni-none"), 0);
	/* the last object returned is deleted and a new one created (in its slot) */
	OK(w, model_delete_eni(w->m, e[1], &w->d, &w->err));
	char late[MODEL_ID_MAX];
	world_eni(w, w->sb, NULL, late);
	struct seen s2 = {0};
	model_foreach_eni_from(w->m, &c, eni_seen, &s2);
	/* e2..e5 exactly once, then the new one; nothing of page 1 again */
	assert_int_equal(s2.n, 5);
	for (int i = 0; i < 4; i++)
		assert_string_equal(s2.ids[i], e[i + 2]);
	assert_string_equal(s2.ids[4], late);
	/* a cursor on a live object resumes right after it */
	struct model_cursor c3 = {.id = e[3], .order = model_order_of(w->m, MODEL_KIND_ENI, e[3])};
	struct seen s3 = {0};
	model_foreach_eni_from(w->m, &c3, eni_seen, &s3);
	assert_int_equal(s3.n, 3);
	assert_string_equal(s3.ids[0], e[4]);
}

struct tseen {
	char item[64][80];
	size_t n;
};

static int tags_seen(const struct model_tags_view *v, void *arg)
{
	struct tseen *s = arg;
	for (size_t k = 0; k < v->n; k++)
		snprintf(s->item[s->n++], 80, "%s/%s", v->resource_id, v->tags[k].key);
	return 0;
}

static void tag_walk_resumes_inside_a_resource(void **state)
{
	struct world *w = *state;
	const char *ids[] = {w->eni0, w->i1};
	struct model_tag t[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
	OK(w, model_create_tags(w->m, ids, 2, t, 3, &w->err));
	struct model_tags_view v;
	assert_int_equal(model_get_tags(w->m, w->eni0, &v), 0);
	struct model_cursor c = {.id = w->eni0,
				 .order = model_order_of(w->m, MODEL_KIND_TAGS, w->eni0),
				 .sub = v.order[0]};
	/* the tag after the cursor's is deleted: the walk goes on with the next one */
	struct model_tag b[] = {{"b", NULL}};
	OK(w, model_delete_tags(w->m, ids, 1, b, 1, &w->err));
	struct tseen s = {0};
	model_foreach_tags_from(w->m, &c, tags_seen, &s);
	assert_int_equal(s.n, 4);
	char want[80];
	snprintf(want, sizeof(want), "%s/c", w->eni0);
	assert_string_equal(s.item[0], want);
	snprintf(want, sizeof(want), "%s/a", w->i1);
	assert_string_equal(s.item[1], want);
	/* the cursor's whole set gone: the walk starts at the next set */
	OK(w, model_delete_tags(w->m, ids, 1, NULL, 0, &w->err));
	struct tseen s2 = {0};
	model_foreach_tags_from(w->m, &c, tags_seen, &s2);
	assert_int_equal(s2.n, 3);
	assert_string_equal(s2.item[0], want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(create_tags_on_every_kind_of_resource, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(unknown_and_malformed_ids_are_refused, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(keys_and_values_are_checked_in_characters, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(at_most_50_tags_per_resource, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(delete_tags_follows_ec2, world_setup, world_teardown),
	    cmocka_unit_test_setup_teardown(tags_disappear_with_their_resource, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(prepared_tags_go_to_the_new_resource, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(iteration_resumes_after_a_deleted_object, world_setup,
					    world_teardown),
	    cmocka_unit_test_setup_teardown(tag_walk_resumes_inside_a_resource, world_setup,
					    world_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
