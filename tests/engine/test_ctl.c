/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-socket commands (app/ctl.h): each line calls the model's own
 * operation, appends its delta, and answers OK or the model's EC2 error; a
 * refused or malformed line changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ctl.h"

struct fx {
	struct model *m;
	struct delta d;
	char *out;
	size_t len;
};

static void ok_or_die(int rc, const struct model_err *e)
{
	if (rc != 0)
		fail_msg("fixture: %s: %s", e->code, e->message);
}

/* vpc 10.0.0.0/16, subnet 10.0.1.0/24 (+ IPv6), i-a and i-b, eni-a on i-a with 10.0.1.100 */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:aaaa:bb00::/56"};
	const char *sec[] = {"10.0.1.100"};
	struct model_vpc_req vr = {
	    .id = "vpc-t", .cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	struct model_subnet_req sr = {.id = "subnet-t",
				      .vpc_id = "vpc-t",
				      .az = "us-east-1a",
				      .cidr4 = "10.0.1.0/24",
				      .cidr6 = "2600:1f18:aaaa:bb01::/64"};
	struct model_instance_req ia = {.id = "i-a", .type = "t3.medium", .az = "us-east-1a"};
	struct model_instance_req ib = {
	    .id = "i-b", .type = "t3.medium", .az = "us-east-1a", .host_port = 1};
	struct model_eni_req ea = {.id = "eni-a",
				   .subnet_id = "subnet-t",
				   .primary_ip = "10.0.1.10",
				   .secondary_ips = sec,
				   .n_secondary_ips = 1,
				   .source_dest_check = true};
	struct model_eni_req eb = {.id = "eni-b",
				   .subnet_id = "subnet-t",
				   .primary_ip = "10.0.1.20",
				   .source_dest_check = true};
	struct model_eni_req ec = {.id = "eni-c",
				   .subnet_id = "subnet-t",
				   .primary_ip = "10.0.1.30",
				   .source_dest_check = true};
	struct model_attach_req aa = {.eni_id = "eni-a", .instance_id = "i-a", .device_index = 0};
	struct model_attach_req ab = {.eni_id = "eni-b", .instance_id = "i-b", .device_index = 0};
	struct model_attach_req ac = {.eni_id = "eni-c", .instance_id = "i-a", .device_index = 1};
	char id[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];
	struct model_associate_req as = {.allocation_id = "eipalloc-a",
					 .eni_id = "eni-a",
					 .private_ip = "10.0.1.100",
					 .allow_reassociation = true};
	struct model_err e;

	f->m = model_create();
	assert_non_null(f->m);
	ok_or_die(model_create_vpc(f->m, &vr, id, NULL, &e), &e);
	ok_or_die(model_create_subnet(f->m, &sr, id, NULL, &e), &e);
	ok_or_die(model_create_instance(f->m, &ia, id, &e), &e);
	ok_or_die(model_create_instance(f->m, &ib, id, &e), &e);
	ok_or_die(model_create_eni(f->m, &ea, id, NULL, &e), &e);
	ok_or_die(model_create_eni(f->m, &eb, id, NULL, &e), &e);
	ok_or_die(model_create_eni(f->m, &ec, id, NULL, &e), &e);
	ok_or_die(model_attach_eni(f->m, &aa, id, NULL, &e), &e);
	ok_or_die(model_attach_eni(f->m, &ab, id, NULL, &e), &e);
	ok_or_die(model_attach_eni(f->m, &ac, id, NULL, &e), &e);
	ok_or_die(model_add_public_pool(f->m, "198.51.100.0/24", &e), &e);
	ok_or_die(model_allocate_address(f->m, "eipalloc-a", "198.51.100.10", id, pub, &e), &e);
	ok_or_die(model_associate_address(f->m, &as, id, NULL, &e), &e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	delta_free(&f->d);
	model_free(f->m);
	free(f->out);
	free(f);
	return 0;
}

/* Run one line; the reply is in f->out. */
static int run(struct fx *f, const char *line)
{
	FILE *out;
	int rc;

	free(f->out);
	f->out = NULL;
	out = open_memstream(&f->out, &f->len);
	assert_non_null(out);
	delta_reset(&f->d);
	rc = ctl_exec(f->m, line, &f->d, out);
	fclose(out);
	return rc;
}

static const char *last_line(struct fx *f)
{
	char *p;

	if (f->len == 0)
		return "";
	f->out[f->len - 1] = '\0'; /* the final newline */
	p = strrchr(f->out, '\n');
	return p ? p + 1 : f->out;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static bool eni_has(struct fx *f, const char *eni, const char *addr)
{
	struct model_eni_view v;

	assert_int_equal(model_get_eni(f->m, eni, &v), 0);
	for (size_t i = 0; i < v.n_secondary; i++)
		if (v.secondary_ips[i] == ip(addr))
			return true;
	return false;
}

static char *dump(struct fx *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(model_dump(f->m, out), 0);
	fclose(out);
	return buf;
}

static void assign_lists_new_addresses_and_fills_delta(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "assign eni-b 10.0.1.101 10.0.1.102"), CTL_OK);
	assert_string_equal(last_line(f), "OK 10.0.1.101 10.0.1.102");
	assert_true(eni_has(f, "eni-b", "10.0.1.101"));
	assert_true(eni_has(f, "eni-b", "10.0.1.102"));
	assert_true(f->d.n >= 2);
}

static void assign_by_count_picks_lowest_free(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "assign eni-b --count 2"), CTL_OK);
	assert_string_equal(last_line(f), "OK 10.0.1.4 10.0.1.5");
}

static void reassign_without_flag_refused_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char *before = dump(f), *after;

	assert_int_equal(run(f, "assign eni-b 10.0.1.100"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "ERR InvalidIPAddress.InUse:"));
	assert_non_null(strstr(last_line(f), "10.0.1.100"));
	assert_int_equal(f->d.n, 0);
	after = dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void reassign_moves_address_and_its_eip(void **state)
{
	struct fx *f = *state;
	struct model_eip_view eip;

	assert_int_equal(run(f, "assign eni-b 10.0.1.100 --allow-reassignment"), CTL_OK);
	assert_false(eni_has(f, "eni-a", "10.0.1.100"));
	assert_true(eni_has(f, "eni-b", "10.0.1.100"));
	assert_int_equal(model_get_eip(f->m, "eipalloc-a", &eip), 0);
	assert_string_equal(eip.eni_id, "eni-b");
	assert_true(f->d.n > 0);
}

static void unassign_unknown_address_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "unassign eni-a 10.0.1.77"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "ERR InvalidParameterValue:"));
	assert_int_equal(f->d.n, 0);
	assert_int_equal(run(f, "unassign eni-a 10.0.1.100"), CTL_OK);
	assert_false(eni_has(f, "eni-a", "10.0.1.100"));
}

static void ipv6_assign_and_unassign(void **state)
{
	struct fx *f = *state;
	struct model_eni_view v;

	assert_int_equal(run(f, "assign6 eni-a 2600:1f18:aaaa:bb01::10"), CTL_OK);
	assert_int_equal(model_get_eni(f->m, "eni-a", &v), 0);
	assert_int_equal(v.n_ipv6, 1);
	assert_int_equal(run(f, "assign6 eni-b 2600:1f18:aaaa:bb01::10"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "InvalidIPAddress.InUse"));
	assert_int_equal(run(f, "unassign6 eni-a 2600:1f18:aaaa:bb01::10"), CTL_OK);
	assert_int_equal(model_get_eni(f->m, "eni-a", &v), 0);
	assert_int_equal(v.n_ipv6, 0);
}

static void detach_by_eni_id_then_attach_elsewhere(void **state)
{
	struct fx *f = *state;
	struct model_eni_view v;

	assert_int_equal(run(f, "detach eni-c"), CTL_OK);
	assert_int_equal(model_get_eni(f->m, "eni-c", &v), 0);
	assert_null(v.instance_id);
	assert_int_equal(run(f, "detach eni-c"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "InvalidAttachmentID.NotFound"));
	assert_int_equal(run(f, "attach eni-c i-b 1"), CTL_OK);
	assert_int_equal(strncmp(last_line(f), "OK eni-attach-", 14), 0);
	assert_int_equal(model_get_eni(f->m, "eni-c", &v), 0);
	assert_string_equal(v.instance_id, "i-b");
	assert_int_equal(v.device_index, 1);
}

static void detach_device_zero_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "detach eni-a"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "ERR OperationNotPermitted:"));
	assert_int_equal(f->d.n, 0);
}

static void stop_and_start_instance(void **state)
{
	struct fx *f = *state;
	struct model_instance_view v;

	assert_int_equal(run(f, "stop i-a"), CTL_OK);
	assert_int_equal(model_get_instance(f->m, "i-a", &v), 0);
	assert_int_equal(v.state, MODEL_STOPPED);
	assert_true(f->d.n > 0);
	assert_int_equal(run(f, "start i-a"), CTL_OK);
	assert_int_equal(model_get_instance(f->m, "i-a", &v), 0);
	assert_int_equal(v.state, MODEL_RUNNING);
	assert_int_equal(run(f, "stop i-nope"), CTL_ERROR);
	assert_non_null(strstr(last_line(f), "InvalidInstanceID.NotFound"));
}

static void sdcheck_toggles_source_dest_check(void **state)
{
	struct fx *f = *state;
	struct model_eni_view v;

	assert_int_equal(run(f, "sdcheck eni-a off"), CTL_OK);
	assert_int_equal(model_get_eni(f->m, "eni-a", &v), 0);
	assert_false(v.source_dest_check);
	assert_int_equal(run(f, "sdcheck eni-a maybe"), CTL_ERROR);
	assert_int_equal(model_get_eni(f->m, "eni-a", &v), 0);
	assert_false(v.source_dest_check);
}

static void associate_and_disassociate_by_allocation(void **state)
{
	struct fx *f = *state;
	struct model_eip_view eip;

	assert_int_equal(run(f, "allocate 198.51.100.20"), CTL_OK);
	assert_int_equal(strncmp(last_line(f), "OK eipalloc-", 12), 0);
	char alloc[MODEL_ID_MAX];
	assert_int_equal(sscanf(last_line(f), "OK %63s", alloc), 1);
	char line[128];
	snprintf(line, sizeof(line), "associate %s eni-b", alloc);
	assert_int_equal(run(f, line), CTL_OK);
	assert_int_equal(model_get_eip(f->m, alloc, &eip), 0);
	assert_string_equal(eip.eni_id, "eni-b");
	assert_int_equal(eip.private_ip, ip("10.0.1.20"));
	snprintf(line, sizeof(line), "disassociate %s", alloc);
	assert_int_equal(run(f, line), CTL_OK);
	assert_int_equal(model_get_eip(f->m, alloc, &eip), 0);
	assert_null(eip.association_id);
	snprintf(line, sizeof(line), "release %s", alloc);
	assert_int_equal(run(f, line), CTL_OK);
	assert_int_not_equal(model_get_eip(f->m, alloc, &eip), 0);
}

static void malformed_lines_refused_and_change_nothing(void **state)
{
	struct fx *f = *state;
	char *before = dump(f), *after, longline[CTL_LINE_MAX + 10];
	const char *bad[] = {
	    "",
	    "   ",
	    "assign",
	    "assign eni-a 10.0.1.50 --bogus",
	    "assign eni-a --count",
	    "assign eni-a --count -3",
	    "assign eni-a --count 1x",
	    "attach eni-c i-b x",
	    "attach eni-c",
	    "sdcheck eni-a",
	    "unassign eni-a",
	    "associate eipalloc-a",
	    "assign eni-nope 10.0.1.50",
	    "assign eni-a 10.0.1.50 --count 1",
	    "assign eni-a 10.0.9.9",
	    "assign eni-a not-an-address",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run(f, bad[i]), CTL_ERROR);
		assert_int_equal(strncmp(last_line(f), "ERR ", 4), 0);
		assert_int_equal(f->d.n, 0);
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(run(f, longline), CTL_ERROR);
	after = dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void unknown_command_left_to_caller(void **state)
{
	struct fx *f = *state;

	assert_int_equal(run(f, "stats"), CTL_UNKNOWN);
	assert_int_equal(f->len, 0);
	assert_int_equal(run(f, "frobnicate eni-a"), CTL_UNKNOWN);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(assign_lists_new_addresses_and_fills_delta),
	    T(assign_by_count_picks_lowest_free),
	    T(reassign_without_flag_refused_and_changes_nothing),
	    T(reassign_moves_address_and_its_eip),
	    T(unassign_unknown_address_refused),
	    T(ipv6_assign_and_unassign),
	    T(detach_by_eni_id_then_attach_elsewhere),
	    T(detach_device_zero_refused),
	    T(stop_and_start_instance),
	    T(sdcheck_toggles_source_dest_check),
	    T(associate_and_disassociate_by_allocation),
	    T(malformed_lines_refused_and_change_nothing),
	    T(unknown_command_left_to_caller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
