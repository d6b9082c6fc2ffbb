/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RunInstances and TerminateInstances through the dispatcher over a real
 * model (SPEC R29, R9 at launch): EC2 XML answers, every error code refused
 * with nothing changed, terminated instances kept for the retention, and
 * journal replay and compaction giving back the same instances on the same
 * ports with the same addresses.
 */
#include <errno.h>
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
#include "api_sigv4.h"

#include "api_fixture.h"

/* world() with new instances placed on host ports 0 and 1, four at most on each
 * (i-1..i-3 are on 0) */
static struct model *launch_world(void)
{
	struct model *m = world();
	struct model_err e;
	const uint16_t ports[] = {0, 1};
	assert_int_equal(model_set_placement(m, ports, 2, 4, &e), 0);
	return m;
}

static int setup(void **state)
{
	return setup_with(state, launch_world);
}

#define RUN "Action=RunInstances&ImageId=ami-0abcdef1234567890&InstanceType=m5.large&"

/* The first <tag>value</tag> after from, into out. */
static void grab(const char *body, const char *tag, char *out, size_t size)
{
	char open[64], fmt[32];
	snprintf(open, sizeof(open), "<%s>", tag);
	const char *p = strstr(body, open);
	if (!p)
		fail_msg("no <%s> in %s", tag, body);
	snprintf(fmt, sizeof(fmt), "<%s>%%%zu[^<]", tag, size - 1);
	assert_int_equal(sscanf(p, fmt, out), 1);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* A refused request: its code, and nothing changed, journaled or published. */
static void refused(struct fx *f, const char *body, const char *code)
{
	char *before = dump(f->m);
	size_t journal = api_journal_size(f->a), commits = f->commits.calls;
	fails(f, body, 400, code);
	char *after = dump(f->m);
	assert_string_equal(before, after);
	assert_int_equal(api_journal_size(f->a), journal);
	assert_int_equal(f->commits.calls, commits);
	free(before);
	free(after);
}

/* A fresh model from the configuration and the journal: its dump (free it). */
static char *restarted(struct fx *f)
{
	struct model *m = launch_world();
	struct api_settings c = cfg(f->journal);
	struct api_err err;
	struct api *a = api_create(m, &c, NULL, NULL, &err);
	if (api_replay(a, &err) != 0)
		fail_msg("replay: %s", err.message);
	char *d = dump(m);
	api_free(a);
	model_free(m);
	return d;
}

/* The model's state is what a restart gives, as journaled and after a compaction. */
static void restart_and_compaction_keep_state(struct fx *f)
{
	char *want = dump(f->m);
	char *got = restarted(f);
	assert_string_equal(want, got);
	free(got);
	assert_int_equal(api_compact(f->a), 0);
	got = restarted(f);
	assert_string_equal(want, got);
	free(got);
	free(want);
}

static void run_instances_answers_ec2_xml_running_with_addresses(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&PrivateIpAddress=10.0.1.29&"
			    "Ipv6AddressCount=2");
	assert_non_null(strstr(b, "<RunInstancesResponse xmlns="));
	assert_non_null(strstr(b, "<reservationId>r-"));
	assert_non_null(strstr(b, "<ownerId>000000000000</ownerId>"));
	assert_non_null(strstr(b, "<imageId>ami-0abcdef1234567890</imageId>"));
	assert_non_null(
	    strstr(b, "<instanceState><code>16</code><name>running</name></instanceState>"));
	assert_non_null(strstr(b, "<instanceType>m5.large</instanceType>"));
	assert_non_null(strstr(b, "<subnetId>subnet-a</subnetId><vpcId>vpc-1</vpcId>"
				  "<privateIpAddress>10.0.1.29</privateIpAddress>"));
	assert_non_null(strstr(b, "<availabilityZone>us-east-1a</availabilityZone>"));
	assert_non_null(strstr(b, "<deviceIndex>0</deviceIndex>"));
	assert_non_null(strstr(b, "<deleteOnTermination>true</deleteOnTermination>"));
	assert_int_equal(count(b, "<ipv6Address>2600:1f18:1:101::"), 2);
	char iid[64];
	grab(b, "instanceId", iid, sizeof(iid));
	free(b);
	/* published before the answer; on the least-loaded port (1: i-1..i-3 are on 0) */
	assert_int_equal(f->commits.calls, 1);
	struct model_instance_view v;
	assert_int_equal(model_get_instance(f->m, iid, &v), 0);
	assert_int_equal(v.state, MODEL_RUNNING);
	assert_int_equal(v.host_port, 1);
	char req[256];
	snprintf(req, sizeof(req), "Action=DescribeInstances&InstanceId.1=%s", iid);
	b = ok(f, req);
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1.29</privateIpAddress>"));
	free(b);
}

/* What the CLI sends for --secondary-private-ip-addresses / -count: NetworkInterface.1. */
static void network_interfaces_with_secondaries_existing_eni_and_counts(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-b");
	char eni[64], req[1024];
	grab(b, "networkInterfaceId", eni, sizeof(eni));
	free(b);
	snprintf(req, sizeof(req),
		 RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
		     "NetworkInterface.1.SubnetId=subnet-a&"
		     "NetworkInterface.1.PrivateIpAddresses.1.PrivateIpAddress=10.0.1.40&"
		     "NetworkInterface.1.PrivateIpAddresses.1.Primary=true&"
		     "NetworkInterface.1.PrivateIpAddresses.2.PrivateIpAddress=10.0.1.41&"
		     "NetworkInterface.1.PrivateIpAddresses.2.Primary=false&"
		     "NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=2600:1f18:1:101::77&"
		     "NetworkInterface.1.SecurityGroupId.1=sg-1&"
		     "NetworkInterface.1.Description=web&"
		     "NetworkInterface.2.DeviceIndex=1&NetworkInterface.2.NetworkInterfaceId=%s",
		 eni);
	b = ok(f, req);
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1.40</privateIpAddress><primary>true"));
	assert_non_null(strstr(b, "<privateIpAddress>10.0.1.41</privateIpAddress><primary>false"));
	assert_non_null(strstr(b, "<ipv6Address>2600:1f18:1:101::77</ipv6Address>"));
	assert_non_null(strstr(b, "<description>web</description>"));
	/* the security groups, with their names, on the ENI and the instance */
	assert_int_equal(count(b, "<groupSet><item><groupId>sg-1</groupId><groupName>g1</"
				  "groupName></item></groupSet>"),
			 2);
	assert_non_null(strstr(b, eni));
	char iid[64];
	grab(b, "instanceId", iid, sizeof(iid));
	free(b);
	struct model_eni_view ev;
	assert_int_equal(model_get_eni(f->m, eni, &ev), 0);
	assert_string_equal(ev.instance_id, iid);
	assert_int_equal(ev.device_index, 1);
	assert_false(ev.delete_on_termination);
	/* counts, two instances: each gets its own addresses */
	b = ok(f, RUN "MinCount=2&MaxCount=2&NetworkInterface.1.DeviceIndex=0&"
		      "NetworkInterface.1.SubnetId=subnet-a&"
		      "NetworkInterface.1.SecondaryPrivateIpAddressCount=3&"
		      "NetworkInterface.1.Ipv6AddressCount=1");
	assert_int_equal(count(b, "<amiLaunchIndex>"), 2);
	assert_int_equal(count(b, "<primary>false</primary>"), 6);
	free(b);
}

static void count_range_launches_what_capacity_allows(void **state)
{
	struct fx *f = *state;
	/* subnet-t: 11 addresses, 4 per instance: 2 of 2..3 */
	char *b = ok(f, RUN "MinCount=2&MaxCount=3&NetworkInterface.1.DeviceIndex=0&"
			    "NetworkInterface.1.SubnetId=subnet-t&"
			    "NetworkInterface.1.SecondaryPrivateIpAddressCount=3");
	assert_int_equal(count(b, "<amiLaunchIndex>"), 2);
	free(b);
	/* 3 addresses left: not even one */
	refused(f,
		RUN "MinCount=1&MaxCount=3&NetworkInterface.1.DeviceIndex=0&"
		    "NetworkInterface.1.SubnetId=subnet-t&"
		    "NetworkInterface.1.SecondaryPrivateIpAddressCount=3",
		"InsufficientFreeAddressesInSubnet");
	/* placement: 4 per port; port 0 holds 3 (config), port 1 holds 2: 3 more */
	b = ok(f, RUN "MinCount=1&MaxCount=10&SubnetId=subnet-big");
	assert_int_equal(count(b, "<amiLaunchIndex>"), 3);
	free(b);
	refused(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-big", "InstanceLimitExceeded");
}

static void every_refusal_has_its_code_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char req[512];
	const char *base = "MinCount=1&MaxCount=1&SubnetId=subnet-a";
	refused(f,
		"Action=RunInstances&InstanceType=m5.large&MinCount=1&MaxCount=1&SubnetId=subnet-a",
		"MissingParameter");
	refused(f, "Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1&SubnetId=subnet-a",
		"MissingParameter");
	refused(f, RUN "MaxCount=1&SubnetId=subnet-a", "MissingParameter");
	refused(f, RUN "MinCount=1&MaxCount=1", "MissingParameter"); /* no default VPC */
	refused(f, RUN "MinCount=1&MaxCount=1&NetworkInterface.1.SubnetId=subnet-a",
		"MissingParameter"); /* DeviceIndex */
	refused(f, RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0",
		"MissingParameter");
	refused(f,
		"Action=RunInstances&ImageId=img-1&InstanceType=m5.large&MinCount=1&MaxCount=1&"
		"SubnetId=subnet-a",
		"InvalidAMIID.Malformed");
	refused(f,
		"Action=RunInstances&ImageId=ami-1&InstanceType=x9.nope&MinCount=1&MaxCount=1&"
		"SubnetId=subnet-a",
		"InvalidParameterValue");
	refused(f, RUN "MinCount=2&MaxCount=1&SubnetId=subnet-a", "InvalidParameterValue");
	refused(f, RUN "MinCount=0&MaxCount=1&SubnetId=subnet-a", "InvalidParameterValue");
	refused(f, RUN "MinCount=1&MaxCount=101&SubnetId=subnet-a", "InvalidParameterValue");
	refused(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-nope", "InvalidSubnetID.NotFound");
	refused(f, RUN "MinCount=1&MaxCount=2&SubnetId=subnet-a&PrivateIpAddress=10.0.1.50",
		"InvalidParameterCombination");
	refused(f,
		RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&NetworkInterface.1.DeviceIndex=0&"
		    "NetworkInterface.1.SubnetId=subnet-a",
		"InvalidParameterCombination");
	refused(f,
		RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
		    "NetworkInterface.1.SubnetId=subnet-a&"
		    "NetworkInterface.1.SecondaryPrivateIpAddressCount=1&"
		    "NetworkInterface.1.PrivateIpAddresses.1.PrivateIpAddress=10.0.1.50",
		"InvalidParameterCombination");
	refused(f,
		RUN
		"MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
		"NetworkInterface.1.NetworkInterfaceId=eni-0&NetworkInterface.1.SubnetId=subnet-a",
		"InvalidParameterCombination");
	snprintf(req, sizeof(req), RUN "%s&SecurityGroupId.1=default", base);
	refused(f, req, "InvalidGroupId.Malformed");
	refused(
	    f,
	    RUN
	    "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
	    "NetworkInterface.1.NetworkInterfaceId=eni-0&NetworkInterface.1.SecurityGroupId.1=sg-1",
	    "InvalidParameterCombination");
	{
		char many[2048];
		int n = snprintf(many, sizeof(many), RUN "%s", base);
		for (int k = 1; k <= 6; k++) /* sg-1 .. sg-6 exist: one more than an ENI takes */
			n += snprintf(many + n, sizeof(many) - (size_t)n,
				      "&SecurityGroupId.%d=sg-%d", k, k);
		refused(f, many, "SecurityGroupsPerInterfaceLimitExceeded");
	}
	snprintf(req, sizeof(req), RUN "%s&SecurityGroupId.1=sg-00000000000000dead", base);
	refused(f, req, "InvalidGroup.NotFound");
	snprintf(req, sizeof(req), RUN "%s&PrivateIpAddress=10.0.1.10", base);
	refused(f, req, "InvalidIPAddress.InUse");
	snprintf(req, sizeof(req), RUN "%s&PrivateIpAddress=10.0.9.1", base);
	refused(f, req, "InvalidParameterValue"); /* outside the subnet (R1) */
	refused(f,
		RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
		    "NetworkInterface.1.NetworkInterfaceId=eni-nope",
		"InvalidNetworkInterfaceID.NotFound");
	refused(f,
		RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
		    "NetworkInterface.1.NetworkInterfaceId=eni-0",
		"InvalidNetworkInterface.InUse");
	/* R9 at launch: t3.medium allows 6 IPv4 and 6 IPv6 per ENI and 3 ENIs */
	refused(f,
		"Action=RunInstances&ImageId=ami-1&InstanceType=t3.medium&MinCount=1&MaxCount=1&"
		"NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-a&"
		"NetworkInterface.1.SecondaryPrivateIpAddressCount=6",
		"PrivateIpAddressLimitExceeded");
	refused(f,
		"Action=RunInstances&ImageId=ami-1&InstanceType=t3.medium&MinCount=1&MaxCount=1&"
		"SubnetId=subnet-a&Ipv6AddressCount=7",
		"InvalidParameterValue");
	refused(f,
		"Action=RunInstances&ImageId=ami-1&InstanceType=t3.medium&MinCount=1&MaxCount=1&"
		"NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-a&"
		"NetworkInterface.2.DeviceIndex=1&NetworkInterface.2.SubnetId=subnet-a&"
		"NetworkInterface.3.DeviceIndex=2&NetworkInterface.3.SubnetId=subnet-a&"
		"NetworkInterface.4.DeviceIndex=3&NetworkInterface.4.SubnetId=subnet-a",
		"AttachmentLimitExceeded");
	refused(f,
		RUN "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=1&"
		    "NetworkInterface.1.SubnetId=subnet-a",
		"InvalidParameterValue"); /* no device index 0 */
	/* internal parameters are not taken from users: the id is the API's own */
	char *b = ok(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&"
			    "Instance.1.InstanceId=i-chosen&Instance.1.HostPort=9");
	assert_null(strstr(b, "i-chosen"));
	free(b);
	fails(f, "Action=RunInstances&Bare=true&InstanceId=i-bare&InstanceType=m5.large", 400,
	      "MissingParameter");
	assert_int_equal(model_get_instance(f->m, "i-bare", NULL), -1);
}

static void terminate_deletes_dot_enis_keeps_eips_and_the_instance_an_hour(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a");
	char iid[64], eni[64], req[512];
	grab(b, "instanceId", iid, sizeof(iid));
	grab(b, "networkInterfaceId", eni, sizeof(eni));
	free(b);
	snprintf(req, sizeof(req), "Action=AssociateAddress&AllocationId=eipalloc-c&InstanceId=%s",
		 iid);
	free(ok(f, req));
	snprintf(req, sizeof(req), "Action=TerminateInstances&InstanceId.1=%s&InstanceId.2=i-2",
		 iid);
	b = ok(f, req);
	assert_int_equal(count(b, "<currentState><code>48</code><name>terminated</name>"), 2);
	assert_int_equal(count(b, "<previousState><code>16</code><name>running</name>"), 2);
	free(b);
	struct model_eni_view ev;
	assert_int_equal(model_get_eni(f->m, eni, &ev), -1);	/* delete on termination */
	assert_int_equal(model_get_eni(f->m, "eni-c", &ev), 0); /* detached */
	assert_null(ev.instance_id);
	struct model_eip_view pv;
	assert_int_equal(model_get_eip(f->m, "eipalloc-c", &pv), 0);
	assert_null(pv.association_id);
	snprintf(req, sizeof(req), "Action=DescribeInstances&InstanceId.1=%s", iid);
	b = ok(f, req);
	assert_non_null(strstr(b, "<code>48</code><name>terminated</name>"));
	assert_non_null(strstr(b, "<networkInterfaceSet></networkInterfaceSet>"));
	free(b);
	b = ok(f, "Action=DescribeInstances&Filter.1.Name=instance-state-name&"
		  "Filter.1.Value.1=terminated");
	assert_int_equal(count(b, "<instanceId>"), 2);
	free(b);
	snprintf(req, sizeof(req), "Action=StartInstances&InstanceId.1=i-1&InstanceId.2=%s", iid);
	refused(f, req, "IncorrectInstanceState");
	snprintf(req, sizeof(req), "Action=StopInstances&InstanceId.1=%s", iid);
	refused(f, req, "IncorrectInstanceState");
	snprintf(
	    req, sizeof(req),
	    "Action=AttachNetworkInterface&NetworkInterfaceId=eni-c&InstanceId=%s&DeviceIndex=1",
	    iid);
	refused(f, req, "IncorrectInstanceState");
	snprintf(req, sizeof(req), "Action=AssociateAddress&AllocationId=eipalloc-c&InstanceId=%s",
		 iid);
	refused(f, req, "IncorrectInstanceState");
	/* terminating again succeeds */
	snprintf(req, sizeof(req), "Action=TerminateInstances&InstanceId.1=%s", iid);
	b = ok(f, req);
	assert_non_null(strstr(b, "<previousState><code>48</code><name>terminated</name>"));
	free(b);
	refused(f, "Action=TerminateInstances&InstanceId.1=i-1&InstanceId.2=i-nope",
		"InvalidInstanceID.NotFound");
	refused(f, "Action=TerminateInstances", "MissingParameter");
	/* past the retention, Describe forgets them; the next termination drops them */
	model_set_terminated_retention(f->m, 0);
	snprintf(req, sizeof(req), "Action=DescribeInstances&InstanceId.1=%s", iid);
	fails(f, req, 400, "InvalidInstanceID.NotFound");
	b = ok(f, "Action=DescribeInstances");
	assert_null(strstr(b, iid));
	free(b);
	free(ok(f, "Action=TerminateInstances&InstanceId.1=i-3"));
	assert_int_equal(model_get_instance(f->m, iid, NULL), -1);
	assert_int_equal(model_get_instance(f->m, "i-3", NULL), -1);
}

static void replay_and_compaction_give_the_same_instances(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-b");
	char eni[64], req[1024], keep[64], gone[64];
	grab(b, "networkInterfaceId", eni, sizeof(eni));
	free(b);
	snprintf(
	    req, sizeof(req),
	    RUN
	    "MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
	    "NetworkInterface.1.SubnetId=subnet-a&"
	    "NetworkInterface.1.SecondaryPrivateIpAddressCount=2&"
	    "NetworkInterface.1.Ipv6AddressCount=2&"
	    "NetworkInterface.1.SecurityGroupId.1=sg-1&NetworkInterface.1.SecurityGroupId.2=sg-2&"
	    "NetworkInterface.2.DeviceIndex=1&NetworkInterface.2.NetworkInterfaceId=%s&"
	    "NetworkInterface.3.DeviceIndex=2&NetworkInterface.3.SubnetId=subnet-b&"
	    "NetworkInterface.3.DeleteOnTermination=false",
	    eni);
	b = ok(f, req);
	grab(b, "instanceId", keep, sizeof(keep));
	free(b);
	b = ok(f, RUN "MinCount=2&MaxCount=2&SubnetId=subnet-a&Ipv6AddressCount=1");
	grab(b, "instanceId", gone, sizeof(gone));
	free(b);
	snprintf(req, sizeof(req), "Action=TerminateInstances&InstanceId.1=%s&InstanceId.2=i-3",
		 gone);
	free(ok(f, req));
	free(ok(f, "Action=StopInstances&InstanceId.1=i-2"));
	char *d = dump(f->m);
	assert_non_null(strstr(d, "state=terminated"));
	assert_non_null(strstr(d, " groups=sg-1,sg-2"));
	free(d);
	/* compaction: the snapshot launches the API's instances on their ports again */
	restart_and_compaction_keep_state(f);
	/* and what comes after the snapshot replays on top of it */
	snprintf(req, sizeof(req), "Action=TerminateInstances&InstanceId.1=%s", keep);
	free(ok(f, req));
	free(ok(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-z"));
	restart_and_compaction_keep_state(f);
}

/* MaxCount=2 with tags for the instances and their ENIs: each of the four
 * resources takes the tags, and the journal record carries each type's tags
 * once (twice was a duplicate key on apply: an InternalError after the
 * rehearsal had succeeded). */
static void tags_at_launch_of_several_instances_replay(void **state)
{
	struct fx *f = *state;
	char *b =
	    ok(f, RUN "MinCount=2&MaxCount=2&SubnetId=subnet-a&"
		      "TagSpecification.1.ResourceType=instance&"
		      "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web&"
		      "TagSpecification.2.ResourceType=network-interface&"
		      "TagSpecification.2.Tag.1.Key=tier&TagSpecification.2.Tag.1.Value=front");
	const char *at = b;
	for (int k = 0; k < 2; k++) {
		char iid[64], eni[64];
		at = strstr(at, "<instanceId>");
		assert_non_null(at);
		grab(at, "instanceId", iid, sizeof(iid));
		grab(at, "networkInterfaceId", eni, sizeof(eni));
		at++;
		struct model_tags_view v;
		assert_int_equal(model_get_tags(f->m, iid, &v), 0);
		assert_int_equal(v.n, 1);
		assert_string_equal(v.tags[0].key, "Name");
		assert_string_equal(v.tags[0].value, "web");
		assert_int_equal(model_get_tags(f->m, eni, &v), 0);
		assert_int_equal(v.n, 1);
		assert_string_equal(v.tags[0].key, "tier");
	}
	free(b);
	char *want = dump(f->m);
	char *got = restarted(f);
	assert_string_equal(want, got);
	free(got);
	free(want);
}

/* ModifyInstanceMetadataOptions (D15): the options change, show in
 * DescribeInstances, every refusal has its code and changes nothing, and
 * they survive a restart from the journal and from a snapshot. */
static void metadata_options_modified_described_refused_and_replayed(void **state)
{
	struct fx *f = *state;
	struct model_instance_view v;
	char *b;

	assert_int_equal(model_get_instance(f->m, "i-1", &v), 0);
	assert_false(v.metadata_tokens_required);
	assert_true(v.metadata_endpoint_enabled);
	assert_int_equal(v.metadata_hop_limit, 1);
	b = ok(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpTokens=required&"
		  "HttpPutResponseHopLimit=2");
	assert_non_null(strstr(b, "<instanceId>i-1</instanceId><instanceMetadataOptions>"
				  "<state>applied</state><httpTokens>required</httpTokens>"
				  "<httpPutResponseHopLimit>2</httpPutResponseHopLimit>"
				  "<httpEndpoint>enabled</httpEndpoint>"));
	free(b);
	assert_int_equal(model_get_instance(f->m, "i-1", &v), 0);
	assert_true(v.metadata_tokens_required);
	assert_int_equal(v.metadata_hop_limit, 2);
	b = ok(f, "Action=DescribeInstances&InstanceId.1=i-1");
	assert_non_null(strstr(b, "<metadataOptions><state>applied</state><httpTokens>required"
				  "</httpTokens><httpPutResponseHopLimit>2"));
	free(b);
	/* a field not given stays as it is */
	free(ok(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpEndpoint=disabled"));
	assert_int_equal(model_get_instance(f->m, "i-1", &v), 0);
	assert_true(v.metadata_tokens_required);
	assert_false(v.metadata_endpoint_enabled);
	assert_int_equal(v.metadata_hop_limit, 2);
	/* the IPv6 endpoint: disabled until asked for, as EC2's default */
	assert_false(v.metadata_ipv6_enabled);
	b = ok(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpProtocolIpv6=enabled");
	assert_non_null(strstr(b, "<httpProtocolIpv6>enabled</httpProtocolIpv6>"));
	free(b);
	assert_int_equal(model_get_instance(f->m, "i-1", &v), 0);
	assert_true(v.metadata_ipv6_enabled);
	assert_true(v.metadata_tokens_required); /* the others as they were */
	assert_int_equal(v.metadata_hop_limit, 2);
	b = ok(f, "Action=DescribeInstances&InstanceId.1=i-2");
	assert_non_null(strstr(b, "<httpProtocolIpv6>disabled</httpProtocolIpv6>"));
	free(b);
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpProtocolIpv6=yes",
		"InvalidParameterValue");
	assert_int_equal(model_get_instance(f->m, "i-1", &v), 0);
	assert_true(v.metadata_ipv6_enabled);

	refused(f, "Action=ModifyInstanceMetadataOptions&HttpTokens=required", "MissingParameter");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-nope&HttpTokens=required",
		"InvalidInstanceID.NotFound");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpTokens=sometimes",
		"InvalidParameterValue");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpEndpoint=on",
		"InvalidParameterValue");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpPutResponseHopLimit=0",
		"InvalidParameterValue");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpPutResponseHopLimit=65",
		"InvalidParameterValue");
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-1&HttpPutResponseHopLimit=x",
		"InvalidParameterValue");
	free(ok(f, "Action=TerminateInstances&InstanceId.1=i-3"));
	refused(f, "Action=ModifyInstanceMetadataOptions&InstanceId=i-3&HttpTokens=required",
		"IncorrectInstanceState");

	char *d = dump(f->m);
	assert_non_null(strstr(d, " metadata=required,disabled,2,ipv6"));
	free(d);
	restart_and_compaction_keep_state(f);
}

/* RunInstances --metadata-options: the instances launch with them, a bad
 * value launches nothing, and replay launches them with the same options. */
static void run_instances_with_metadata_options(void **state)
{
	struct fx *f = *state;
	struct model_instance_view v;
	char iid[64];
	char *b = ok(f, RUN "MinCount=2&MaxCount=2&SubnetId=subnet-a&"
			    "MetadataOptions.HttpTokens=required&"
			    "MetadataOptions.HttpPutResponseHopLimit=3&"
			    "MetadataOptions.HttpProtocolIpv6=enabled");
	assert_int_equal(count(b, "<metadataOptions><state>applied</state><httpTokens>required"
				  "</httpTokens><httpPutResponseHopLimit>3"),
			 2);
	grab(b, "instanceId", iid, sizeof(iid));
	free(b);
	assert_int_equal(model_get_instance(f->m, iid, &v), 0);
	assert_true(v.metadata_tokens_required);
	assert_true(v.metadata_endpoint_enabled);
	assert_int_equal(v.metadata_hop_limit, 3);
	assert_true(v.metadata_ipv6_enabled);
	/* without options: EC2's defaults */
	b = ok(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a");
	grab(b, "instanceId", iid, sizeof(iid));
	free(b);
	assert_int_equal(model_get_instance(f->m, iid, &v), 0);
	assert_false(v.metadata_tokens_required);
	assert_int_equal(v.metadata_hop_limit, 1);
	assert_false(v.metadata_ipv6_enabled);

	refused(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&MetadataOptions.HttpTokens=maybe",
		"InvalidParameterValue");
	refused(f,
		RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&"
		    "MetadataOptions.HttpPutResponseHopLimit=65",
		"InvalidParameterValue");
	refused(f, RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&MetadataOptions.HttpEndpoint=off",
		"InvalidParameterValue");
	refused(f,
		RUN "MinCount=1&MaxCount=1&SubnetId=subnet-a&MetadataOptions.HttpProtocolIpv6=on",
		"InvalidParameterValue");
	restart_and_compaction_keep_state(f);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(run_instances_answers_ec2_xml_running_with_addresses),
	    T(network_interfaces_with_secondaries_existing_eni_and_counts),
	    T(count_range_launches_what_capacity_allows),
	    T(every_refusal_has_its_code_and_changes_nothing),
	    T(terminate_deletes_dot_enis_keeps_eips_and_the_instance_an_hour),
	    T(replay_and_compaction_give_the_same_instances),
	    T(tags_at_launch_of_several_instances_replay),
	    T(metadata_options_modified_described_refused_and_replayed),
	    T(run_instances_with_metadata_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
