/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tabview: the published side read back record by record, and `check`'s
 * diff. The fixture's VPC (tests/dataplane/fixture.h) goes into the tables
 * through the real builder; builder_side_build of the same delta reads back
 * equal (no line), and of a different delta gives exactly one line per
 * difference: missing, extra, different.
 */
#include "fixture.h"
#include "tabview.h"

static char *diff_of(const struct delta *want_delta, size_t *n_lines, size_t *count)
{
	struct tv_list want = {0}, got = {0};
	struct fwd_side *s = builder_side_build(B, want_delta);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(s);
	assert_non_null(out);
	assert_int_equal(tv_read_side(s, &want), 0);
	assert_int_equal(tv_read_side(builder_side(B), &got), 0);
	*count = tv_diff(&want, &got, out);
	fclose(out);
	*n_lines = 0;
	for (size_t i = 0; i < len; i++)
		*n_lines += buf[i] == '\n';
	tv_list_free(&want);
	tv_list_free(&got);
	builder_side_free(s);
	return buf;
}

static void published_side_reads_back_every_entry(void **st)
{
	struct tv_list got = {0};
	size_t per[TV_TABLES] = {0};

	(void)st;
	assert_int_equal(tv_read_side(builder_side(B), &got), 0);
	for (size_t i = 0; i < got.n; i++) {
		per[got.r[i].table]++;
		if (i > 0) /* sorted by table */
			assert_true(got.r[i - 1].table <= got.r[i].table);
	}
	assert_int_equal(per[TV_ENI], 6);
	assert_int_equal(per[TV_SUBNET], 2);
	assert_int_equal(per[TV_ROUTE], 8);
	assert_int_equal(per[TV_MAC], 5); /* the detached ENI has no MAC key */
	assert_int_equal(per[TV_V4], 7);
	assert_int_equal(per[TV_V6], 2);
	assert_int_equal(per[TV_EIP], 4);
	/* one record decoded: 10.0.1.10 of ENI 0 with its EIP */
	for (size_t i = 0; i < got.n; i++)
		if (got.r[i].table == TV_V4 && got.r[i].v4.addr == ip4("10.0.1.10")) {
			assert_int_equal(got.r[i].v4.eni, 0);
			assert_int_equal(got.r[i].v4.eip, ip4("203.0.113.10"));
		}
	for (size_t i = 0; i < got.n; i++)
		if (got.r[i].table == TV_MAC && got.r[i].mac.eni == 1) {
			assert_int_equal(got.r[i].mac.port, 2);
			assert_int_equal(got.r[i].mac.vlan, 100);
			assert_memory_equal(got.r[i].mac.mac, MAC_ENI[1], 6);
		}
	tv_list_free(&got);
}

static void same_delta_no_difference(void **st)
{
	struct delta d = {0};
	size_t lines, n;
	char *out;

	(void)st;
	fixture_delta(&d);
	out = diff_of(&d, &lines, &n);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
	free(out);
	delta_free(&d);
}

static void each_difference_one_line(void **st)
{
	struct delta d = {0};
	size_t lines, n;
	char *out;

	(void)st;
	fixture_delta(&d);
	/* the model has one more IPv6, 10.0.1.11 now has an EIP, and no route 0 192.0.2.0/24 */
	d_v6(&d, "2001:db8:0:1::99", 0);
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].kind == DELTA_ROUTE_SET && d.e[i].route.route_table == 0 &&
		    d.e[i].route.depth == 24 && d.e[i].route.target == ROUTE_BLACKHOLE)
			d.e[i].kind = DELTA_ROUTE_DEL;
	d_v4(&d, "10.0.1.11", 0, "203.0.113.11");
	out = diff_of(&d, &lines, &n);
	assert_int_equal(n, 4);
	assert_int_equal(lines, 4);
	assert_non_null(strstr(out, "missing ipv6 2001:db8:0:1::99: eni=0\n"));
	assert_non_null(strstr(out, "extra route rt=0 192.0.2.0/24: blackhole\n"));
	assert_non_null(strstr(out,
			       "different ipv4 vpc=0 10.0.1.11: tables eni=0 eip=-, model eni=0 "
			       "eip=203.0.113.11\n"));
	assert_non_null(strstr(out, "missing eip 203.0.113.11: private=10.0.1.11 eni=0\n"));
	free(out);
	delta_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(published_side_reads_back_every_entry),
	    cmocka_unit_test(same_delta_no_difference),
	    cmocka_unit_test(each_difference_one_line),
	};

	return cmocka_run_group_tests(tests, fixture_setup, NULL);
}
