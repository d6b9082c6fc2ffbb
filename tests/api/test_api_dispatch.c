/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dispatcher over a real model, without HTTP: EC2 XML answers, errors,
 * DryRun, authentication, commit before answer, journal replay and
 * compaction restoring the exact state.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

/*
 * --wrap=fdatasync: when fail_fdatasync is an errno, the journal's fdatasync
 * fails with it (a full disk, an I/O error), as a real journal can.
 */
int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
static int fail_fdatasync;
int __wrap_fdatasync(int fd)
{
	if (fail_fdatasync) {
		errno = fail_fdatasync;
		return -1;
	}
	return __real_fdatasync(fd);
}

#include "api_fixture.h"

static int setup(void **state)
{
	return setup_with(state, world);
}

static void describe_vpcs_answers_in_ec2_xml(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, "Action=DescribeVpcs&Version=2016-11-15");
	assert_non_null(
	    strstr(b, "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
		      "<requestId>"));
	assert_non_null(strstr(b, "<vpcSet><item><vpcId>vpc-1</vpcId>"));
	assert_non_null(strstr(b, "<cidrBlock>10.0.0.0/16</cidrBlock>"));
	assert_non_null(strstr(b, "<ipv6CidrBlock>2600:1f18:1:100::/56</ipv6CidrBlock>"));
	free(b);
}

static void unknown_action_is_invalid_action(void **state)
{
	struct fx *f = *state;
	fails(f, "Action=RebootInstances", 400, "InvalidAction");
	fails(f, "Version=2016-11-15", 400, "MissingAction");
	fails(f, "Action=Describe%zzVpcs", 400, "InvalidParameterValue");
}

static void missing_and_bad_parameters_are_refused(void **state)
{
	struct fx *f = *state;
	fails(f, "Action=AssignPrivateIpAddresses&PrivateIpAddress.1=10.0.1.20", 400,
	      "MissingParameter");
	fails(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0", 400,
	      "MissingParameter");
	fails(f,
	      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10.0.1."
	      "20&SecondaryPrivateIpAddressCount=1",
	      400, "InvalidParameterCombination");
	fails(f,
	      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
	      "SecondaryPrivateIpAddressCount=x",
	      400, "InvalidParameterValue");
	fails(f,
	      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10.0.1."
	      "20&AllowReassignment=maybe",
	      400, "InvalidParameterValue");
	fails(f,
	      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-nope&PrivateIpAddress.1=10.0."
	      "1.20",
	      400, "InvalidNetworkInterfaceID.NotFound");
	fails(f, "Action=DescribeNetworkInterfaces&Filter.1.Name=bogus&Filter.1.Value.1=x", 400,
	      "InvalidParameterValue");
	fails(f, "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=eni-nope", 400,
	      "InvalidNetworkInterfaceID.NotFound");
	assert_int_equal(f->commits.calls, 0);
}

static void dry_run_answers_412_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char *before = dump(f->m);
	fails(f,
	      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10.0.1."
	      "20&DryRun=true",
	      412, "DryRunOperation");
	char *after = dump(f->m);
	assert_string_equal(before, after);
	assert_int_equal(api_journal_size(f->a), 0);
	free(before);
	free(after);
}

static void assign_lists_only_new_addresses(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10."
		   "0.1.20&PrivateIpAddress.2=10.0.1.21"));
	char *b = ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress."
			"1=10.0.1.21&PrivateIpAddress.2=10.0.1.22");
	assert_non_null(strstr(b, "<assignedPrivateIpAddressesSet><item><privateIpAddress>10.0.1.22"
				  "</privateIpAddress></item></assignedPrivateIpAddressesSet>"));
	assert_null(strstr(b, "10.0.1.21"));
	free(b);
	assert_int_equal(f->commits.calls, 2);
}

static void describe_shows_primary_flags_ipv6_and_eip_per_address(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10."
		   "0.1.20"));
	free(ok(f, "Action=AssignIpv6Addresses&NetworkInterfaceId=eni-0&Ipv6Addresses.1=2600:1f18:"
		   "1:101::7"));
	free(ok(f, "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=eni-0&"
		   "PrivateIpAddress=10.0.1.20"));
	char *b = ok(f, "Action=DescribeNetworkInterfaces&Filter.1.Name=addresses.private-ip-"
			"address&Filter.1.Value.1=10.0.1.2*");
	assert_non_null(strstr(b, "<networkInterfaceId>eni-0</networkInterfaceId>"));
	assert_null(strstr(b, "eni-c"));
	assert_non_null(strstr(
	    b,
	    "<item><privateIpAddress>10.0.1.10</privateIpAddress><primary>true</primary></item>"));
	assert_non_null(
	    strstr(b, "<item><privateIpAddress>10.0.1.20</privateIpAddress><primary>false</primary>"
		      "<association><publicIp>198.51.100.9</publicIp>"));
	assert_non_null(
	    strstr(b, "<ipv6AddressesSet><item><ipv6Address>2600:1f18:1:101::7</ipv6Address>"));
	assert_non_null(strstr(
	    b,
	    "<attachment><attachmentId>eni-attach-0</attachmentId><instanceId>i-1</instanceId>"));
	free(b);
	b = ok(f, "Action=DescribeAddresses&Filter.1.Name=public-ip&Filter.1.Value.1=198.51.100.9");
	assert_non_null(strstr(b, "<networkInterfaceId>eni-0</networkInterfaceId>"));
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1.20</privateIpAddress>"));
	assert_non_null(strstr(b, "<instanceId>i-1</instanceId>"));
	free(b);
}

static void echoed_values_are_xml_escaped(void **state)
{
	struct fx *f = *state;
	struct api_response r;
	assert_int_equal(call(f,
			      "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
			      "PrivateIpAddress.1=%3Cx%3E%26%22",
			      &r),
			 -1);
	assert_null(strstr(r.body, "<x>"));
	assert_non_null(strstr(r.body, "&lt;x&gt;&amp;&quot;"));
	api_response_free(&r);
	free(ok(f, "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=eni-0&Description."
		   "Value=%3Cb%3E%27"));
	char *b = ok(f, "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=eni-0");
	assert_non_null(strstr(b, "<description>&lt;b&gt;&apos;</description>"));
	free(b);
}

static void unsigned_and_badly_signed_requests_change_nothing(void **state)
{
	struct fx *f = *state;
	char *before = dump(f->m);
	const char *body =
	    "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10.0.1.20";
	struct api_header h[] = {{"Host", "x"}};
	struct api_request req = {.method = "POST",
				  .path = "/",
				  .headers = h,
				  .n_headers = 1,
				  .body = body,
				  .body_len = strlen(body)};
	struct api_response r;
	assert_int_equal(api_handle(f->a, &req, &r), -1);
	assert_non_null(strstr(r.body, "<Code>AuthFailure</Code>"));
	api_response_free(&r);
	/* signed for another body */
	char date[20];
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", gmtime(&now));
	struct api_header h2[4] = {{"Host", "x"}, {"X-Amz-Date", date}};
	struct api_sigv4_req s = {.method = "POST",
				  .path = "/",
				  .query = "",
				  .headers = h2,
				  .n_headers = 2,
				  .body = "Action=DescribeVpcs",
				  .body_len = 19,
				  .now = now};
	char auth[512];
	assert_int_equal(api_sigv4_sign(&s, "AKIDTEST", "secret/test+key", "us-east-1", date,
					"host;x-amz-date", auth, sizeof(auth)),
			 0);
	h2[2] = (struct api_header){"Authorization", auth};
	req = (struct api_request){.method = "POST",
				   .path = "/",
				   .query = "",
				   .headers = h2,
				   .n_headers = 3,
				   .body = body,
				   .body_len = strlen(body),
				   .now = now};
	assert_int_equal(api_handle(f->a, &req, &r), -1);
	assert_non_null(strstr(r.body, "<Code>AuthFailure</Code>"));
	api_response_free(&r);
	char *after = dump(f->m);
	assert_string_equal(before, after);
	assert_int_equal(f->commits.calls, 0);
	assert_int_equal(api_journal_size(f->a), 0);
	free(before);
	free(after);
}

/* A restart (the world, then the journal) gives the model that dumped as want. */
static void assert_restart_gives(struct fx *f, const char *want)
{
	struct model *m2 = world();
	struct api_settings c = cfg(f->journal);
	struct api_err err;
	struct api *a2 = api_create(m2, &c, NULL, NULL, &err);
	if (api_replay(a2, &err) != 0)
		fail_msg("replay: %s", err.message);
	char *got = dump(m2);
	assert_string_equal(want, got);
	free(got);
	api_free(a2);
	model_free(m2);
}

static void journal_replay_restores_exact_state(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		   "SecondaryPrivateIpAddressCount=3"));
	free(ok(f, "Action=AssignIpv6Addresses&NetworkInterfaceId=eni-0&Ipv6AddressCount=2"));
	char *b = ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&"
			"SecondaryPrivateIpAddressCount=2&Ipv6AddressCount=1&Description=new");
	char eni[64], att[64], alloc[64], req[512];
	assert_int_equal(
	    sscanf(strstr(b, "<networkInterfaceId>"), "<networkInterfaceId>%63[^<]", eni), 1);
	free(b);
	snprintf(req, sizeof(req),
		 "Action=AttachNetworkInterface&NetworkInterfaceId=%s&InstanceId=i-1&DeviceIndex=1",
		 eni);
	b = ok(f, req);
	assert_int_equal(sscanf(strstr(b, "<attachmentId>"), "<attachmentId>%63[^<]", att), 1);
	free(b);
	b = ok(f, "Action=AllocateAddress&Domain=vpc");
	assert_int_equal(sscanf(strstr(b, "<allocationId>"), "<allocationId>%63[^<]", alloc), 1);
	free(b);
	snprintf(req, sizeof(req), "Action=AssociateAddress&AllocationId=%s&NetworkInterfaceId=%s",
		 alloc, eni);
	free(ok(f, req));
	free(ok(f, "Action=StopInstances&InstanceId.1=i-2"));
	snprintf(req, sizeof(req),
		 "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=%s&SourceDestCheck."
		 "Value=false",
		 eni);
	free(ok(f, req));
	/* compaction while eni-c (a configured route target) is alive and moved */
	free(ok(f, "Action=DetachNetworkInterface&AttachmentId=eni-attach-c"));
	free(ok(
	    f,
	    "Action=AttachNetworkInterface&NetworkInterfaceId=eni-c&InstanceId=i-1&DeviceIndex=2"));
	assert_int_equal(api_compact(f->a), 0);
	{
		char *w = dump(f->m);
		assert_non_null(strstr(w, "192.0.2.0/24 -> eni-c\n"));
		struct model *m3 = world();
		struct api_settings c3 = cfg(f->journal);
		struct api_err e3;
		struct api *a3 = api_create(m3, &c3, NULL, NULL, &e3);
		if (api_replay(a3, &e3) != 0)
			fail_msg("replay: %s", e3.message);
		char *g = dump(m3);
		assert_string_equal(w, g);
		free(g);
		free(w);
		api_free(a3);
		model_free(m3);
	}
	struct model_eni_view ev;
	assert_int_equal(model_get_eni(f->m, "eni-c", &ev), 0);
	char detach[200];
	snprintf(detach, sizeof(detach), "Action=DetachNetworkInterface&AttachmentId=%s",
		 ev.attachment_id);
	free(ok(f, detach));
	free(ok(f, "Action=DeleteNetworkInterface&NetworkInterfaceId=eni-c"));
	free(ok(f, "Action=ReleaseAddress&AllocationId=eipalloc-c"));
	snprintf(req, sizeof(req),
		 "Action=UnassignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10."
		 "0.1.4");
	free(ok(f, req));
	assert_true(api_journal_size(f->a) > 0);
	char *want = dump(f->m);

	/* a restart: the same configuration, then the journal */
	assert_restart_gives(f, want);

	/* compaction: a snapshot on top of the configuration gives the same state */
	assert_int_equal(api_compact(f->a), 0);
	assert_true(api_journal_size(f->a) > 0);
	assert_restart_gives(f, want);
	/* and changes journaled after the snapshot replay too */
	free(ok(f, "Action=StartInstances&InstanceId.1=i-2"));
	free(want);
	want = dump(f->m);
	assert_restart_gives(f, want);
	free(want);
}

static void journal_stays_bounded_by_automatic_compaction(void **state)
{
	struct fx *f = *state;
	api_set_compact_bytes(f->a, 8192);
	size_t most = 0;
	for (int i = 0; i < 300; i++) {
		char req[200];
		snprintf(req, sizeof(req),
			 "Action=%sPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1="
			 "10.0.1.%d",
			 i % 2 ? "Unassign" : "Assign", 100 + (i / 2) % 8);
		free(ok(f, req));
		if (api_journal_size(f->a) > most)
			most = api_journal_size(f->a);
	}
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		   "SecondaryPrivateIpAddressCount=2"));
	/* 300 records of ~100 bytes would be ~30 KB; compaction keeps it near the threshold
	 * (8 KB: a snapshot of the world, its seven security groups' rules included, is ~5 KB) */
	assert_true(most < 8192 + 512);
	char *want = dump(f->m);
	assert_restart_gives(f, want);
	free(want);
}

static void commit_sees_each_change_before_the_answer(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10."
		   "0.1.20"));
	assert_int_equal(f->commits.calls, 1);
	assert_true(f->commits.entries > 0);
	/* R10: assigning it again changes nothing: no commit, no journal record */
	size_t j = api_journal_size(f->a);
	free(ok(f, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&PrivateIpAddress.1=10."
		   "0.1.20"));
	assert_int_equal(f->commits.calls, 1);
	assert_int_equal(api_journal_size(f->a), j);
	/* Describe never commits */
	free(ok(f, "Action=DescribeInstances"));
	assert_int_equal(f->commits.calls, 1);
}

static void internal_actions_are_refused_over_the_wire(void **state)
{
	struct fx *f = *state;
	fails(f, "Action=EnimapReset", 400, "InvalidAction");
	/* explicit ids are journal-only: over the wire they are ignored */
	char *b = ok(f, "Action=AllocateAddress&AllocationId=eipalloc-mine");
	assert_null(strstr(b, "eipalloc-mine"));
	free(b);
}

/* SPEC section 6: a change the journal refuses is answered with an error and changed
 * nothing anywhere; once the journal takes writes again, the same request succeeds and
 * survives a restart. */
static void a_change_the_journal_refuses_changes_nothing(void **state)
{
	struct fx *f = *state;
	const char *assign = "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
			     "SecondaryPrivateIpAddressCount=2";
	const char *allocate = "Action=AllocateAddress";
	char *before = dump(f->m);
	size_t journal_before = api_journal_size(f->a);
	const int errs[] = {ENOSPC, EIO};
	for (size_t i = 0; i < 2; i++) {
		fail_fdatasync = errs[i];
		struct api_response r;
		assert_int_equal(call(f, assign, &r), -1);
		assert_int_equal(r.status, 500);
		assert_non_null(strstr(r.body, "<Code>InternalError</Code>"));
		assert_non_null(strstr(r.body, "could not be journaled"));
		api_response_free(&r);
		assert_int_equal(call(f, allocate, &r), -1);
		assert_int_equal(r.status, 500);
		api_response_free(&r);
		fail_fdatasync = 0;
		char *now = dump(f->m);
		assert_string_equal(before, now);
		free(now);
		assert_int_equal(f->commits.calls, 0);
		assert_int_equal(api_journal_size(f->a), journal_before);
		/* reads are still served */
		free(ok(f, "Action=DescribeNetworkInterfaces"));
	}
	/* the journal takes writes again: so does the API */
	char *b = ok(f, assign);
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1."));
	free(b);
	free(ok(f, allocate));
	assert_int_equal(f->commits.calls, 1); /* AllocateAddress maps nothing yet */
	char *after = dump(f->m);
	assert_string_not_equal(before, after);
	/* a restart: the configuration, then the journal, gives the same state */
	assert_restart_gives(f, after);
	free(after);
	free(before);
}

/* ---- group commit ---- */

#define GC_THREADS 16
#define GC_CALLS 2

struct gc_client {
	struct fx *f;
	char addrs[GC_CALLS][32]; /* the primary address each created ENI was given */
	char ids[GC_CALLS][32];
	int failed;
};

static void copy_between(const char *body, const char *open, const char *close, char *out,
			 size_t size)
{
	const char *p = strstr(body, open);
	const char *e = p ? strstr(p + strlen(open), close) : NULL;
	out[0] = '\0';
	if (p && e && (size_t)(e - p - strlen(open)) < size)
		snprintf(out, size, "%.*s", (int)(e - p - strlen(open)), p + strlen(open));
}

static void *gc_client_main(void *arg)
{
	struct gc_client *c = arg;
	for (int k = 0; k < GC_CALLS; k++) {
		struct api_response r;
		if (call(c->f, "Action=CreateNetworkInterface&SubnetId=subnet-a", &r) != 0 ||
		    r.status != 200) {
			c->failed++;
		} else {
			copy_between(r.body, "<privateIpAddress>", "</privateIpAddress>",
				     c->addrs[k], sizeof(c->addrs[k]));
			copy_between(r.body, "<networkInterfaceId>", "</networkInterfaceId>",
				     c->ids[k], sizeof(c->ids[k]));
		}
		api_response_free(&r);
	}
	return NULL;
}

/*
 * SPEC section 5 (group commit): changes that arrive together are rehearsed,
 * journaled and applied as one batch, each seeing the ones before it. Sixteen
 * clients at once each create ENIs with an address the API picks: a batch
 * whose operations did not see each other would hand one address (or id) to
 * two ENIs. Every answer is a distinct address and id, the model holds them
 * all, and a restart from the journal gives the same state.
 */
static void concurrent_changes_see_each_other_and_replay(void **state)
{
	struct fx *f = *state;
	static struct gc_client c[GC_THREADS];
	pthread_t t[GC_THREADS];
	for (int i = 0; i < GC_THREADS; i++) {
		c[i] = (struct gc_client){.f = f};
		assert_int_equal(pthread_create(&t[i], NULL, gc_client_main, &c[i]), 0);
	}
	for (int i = 0; i < GC_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	char *all = ok(f, "Action=DescribeNetworkInterfaces");
	for (int i = 0; i < GC_THREADS; i++) {
		assert_int_equal(c[i].failed, 0);
		for (int k = 0; k < GC_CALLS; k++) {
			assert_true(strncmp(c[i].addrs[k], "10.0.1.", 7) == 0);
			assert_non_null(strstr(all, c[i].ids[k]));
			for (int j = 0; j < GC_THREADS; j++)
				for (int l = 0; l < GC_CALLS; l++)
					if (j != i || l != k) {
						assert_string_not_equal(c[i].addrs[k],
									c[j].addrs[l]);
						assert_string_not_equal(c[i].ids[k], c[j].ids[l]);
					}
		}
	}
	free(all);
	char *live = dump(f->m);
	assert_restart_gives(f, live);
	free(live);
}

/*
 * A batch the journal refused left the rehearsal's copy of the model ahead
 * (the address taken): the next batch starts from the model again, so the
 * same request then succeeds rather than finding its address in use.
 */
static void a_refused_batch_leaves_nothing_behind(void **state)
{
	struct fx *f = *state;
	const char *create =
	    "Action=CreateNetworkInterface&SubnetId=subnet-a&PrivateIpAddress=10.0.1.200";
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Key=k&Tag.1.Value=v"));
	fail_fdatasync = ENOSPC;
	struct api_response r;
	assert_int_equal(call(f, create, &r), -1);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body, "could not be journaled"));
	api_response_free(&r);
	fail_fdatasync = 0;
	char *b = ok(f, create);
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1.200</privateIpAddress>"));
	free(b);
}

/*
 * A change made outside the API (the control socket) under api_lock, then
 * api_model_changed: the next rehearsal sees it, so a request that conflicts
 * with it is refused with the model's error, not accepted on a stale copy.
 */
static void a_change_outside_the_api_is_seen(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Key=k&Tag.1.Value=v"));
	const char *addr[] = {"10.0.1.201"};
	struct model_assign_req req = {.eni_id = "eni-0", .addrs = addr, .n_addrs = 1};
	struct model_addr_list got = {0};
	struct delta d = {0};
	struct model_err e;
	api_lock(f->a);
	assert_int_equal(model_assign_private_ips(f->m, &req, &got, &d, &e), 0);
	api_model_changed(f->a);
	api_unlock(f->a);
	model_addr_list_free(&got);
	delta_free(&d);
	fails(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&PrivateIpAddress=10.0.1.201", 400,
	      "InvalidIPAddress.InUse");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(describe_vpcs_answers_in_ec2_xml, setup, teardown),
	    cmocka_unit_test_setup_teardown(unknown_action_is_invalid_action, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_and_bad_parameters_are_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(dry_run_answers_412_and_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(assign_lists_only_new_addresses, setup, teardown),
	    cmocka_unit_test_setup_teardown(describe_shows_primary_flags_ipv6_and_eip_per_address,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(echoed_values_are_xml_escaped, setup, teardown),
	    cmocka_unit_test_setup_teardown(unsigned_and_badly_signed_requests_change_nothing,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_replay_restores_exact_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_stays_bounded_by_automatic_compaction, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(commit_sees_each_change_before_the_answer, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(internal_actions_are_refused_over_the_wire, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(concurrent_changes_see_each_other_and_replay, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_refused_batch_leaves_nothing_behind, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_change_outside_the_api_is_seen, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_change_the_journal_refuses_changes_nothing, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
