/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the world through the API (SPEC R28), over a real model without
 * HTTP: VPCs, blocks, subnets, route tables, routes and associations created
 * and changed by API calls are journaled so that a restart (the same
 * configuration, then the journal) and a compaction (a snapshot on top of
 * the configuration) give back byte-identical model dumps; on an empty
 * configuration and on a configured world whose objects the API deleted or
 * changed. Every change reaches the commit callback (the dataplane).
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

#include "api_fixture.h"

/* ---- the worlds of this file ---- */

#define IPV6_POOL "2600:1f18:4000::/55" /* two /56 blocks */

/* The configuration of an engine without any VPC: pools only. */
static struct model *empty_world(void)
{
	struct model *m = model_create();
	struct model_err e;
	assert_non_null(m);
	assert_int_equal(model_add_public_pool(m, "198.51.100.0/28", &e), 0);
	assert_int_equal(model_add_ipv6_pool(m, IPV6_POOL, &e), 0);
	return m;
}

/* world() and a second configured VPC with a route table and a subnet, and the IPv6 pool. */
static struct model *world2(void)
{
	struct model *m = world();
	struct model_err e;
	char id[MODEL_ID_MAX];
	const char *c4[] = {"10.50.0.0/16"};
	struct model_vpc_req v = {.id = "vpc-2", .cidr4 = c4, .n_cidr4 = 1};
	struct model_subnet_req s = {.id = "subnet-2a",
				     .vpc_id = "vpc-2",
				     .az = "us-east-1a",
				     .cidr4 = "10.50.1.0/24",
				     .route_table_id = "rtb-2b"};
	assert_int_equal(model_add_ipv6_pool(m, IPV6_POOL, &e), 0);
	assert_int_equal(model_create_vpc(m, &v, id, NULL, &e), 0);
	assert_int_equal(model_create_route_table(m, "rtb-2b", "vpc-2", id, NULL, &e), 0);
	assert_int_equal(model_create_route(m, "rtb-2b", "0.0.0.0/0", "igw", NULL, &e), 0);
	if (model_create_subnet(m, &s, id, NULL, &e))
		fail_msg("subnet-2a: %s", e.message);
	return m;
}

static int setup_empty(void **state)
{
	return setup_with(state, empty_world);
}

static int setup_world2(void **state)
{
	return setup_with(state, world2);
}

/* world2() with host ports 1 and 2 for new instances (the configuration's launch:). */
static struct model *world2_launch(void)
{
	struct model *m = world2();
	struct model_err e;
	const uint16_t ports[] = {1, 2};
	assert_int_equal(model_set_placement(m, ports, 2, 0, &e), 0);
	return m;
}

static int setup_world2_launch(void **state)
{
	return setup_with(state, world2_launch);
}

static void an_empty_engine_builds_a_world_that_survives_restart_and_compaction(void **state)
{
	struct fx *f = *state;
	char vpc[64], v6[64], rtb_main[64], main_assoc[64], rt[64], s1[64], s2[64], eni[64];
	char eni2[64], assoc[64], newmain[64], other[64], req[512];
	struct model_vpc_view vv;
	size_t before;

	ok_member(f, "Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true",
		  "vpcId", vpc);
	assert_int_equal(model_get_vpc(f->m, vpc, &vv), 0);
	assert_int_equal(vv.n_cidr6, 1);
	assert_string_equal(vv.cidr6[0], "2600:1f18:4000::/56"); /* the pool's lowest /56 */
	snprintf(v6, sizeof(v6), "%s", vv.cidr6[0]);
	snprintf(rtb_main, sizeof(rtb_main), "%s", vv.main_route_table_id);
	snprintf(main_assoc, sizeof(main_assoc), "%s", vv.main_association_id);
	/* subnets: IPv4 and IPv6 (a /64 of the VPC's /56), in a zone of the region */
	snprintf(
	    req, sizeof(req),
	    "Action=CreateSubnet&VpcId=%s&CidrBlock=10.0.1.0/24&Ipv6CidrBlock=2600:1f18:4000:1::/64"
	    "&AvailabilityZone=us-east-1b",
	    vpc);
	ok_member(f, req, "subnetId", s1);
	snprintf(req, sizeof(req), "Action=CreateSubnet&VpcId=%s&CidrBlock=10.0.2.0/24", vpc);
	ok_member(f, req, "subnetId", s2);
	okf(f, "Action=AssociateVpcCidrBlock&VpcId=%s&CidrBlock=10.1.0.0/16", vpc);
	okf(f, "Action=AssociateVpcCidrBlock&VpcId=%s&AmazonProvidedIpv6CidrBlock=true", vpc);
	snprintf(req, sizeof(req), "Action=CreateRouteTable&VpcId=%s", vpc);
	ok_member(f, req, "routeTableId", rt);
	/* a route reaches the dataplane */
	before = f->commits.entries;
	okf(f, "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=0.0.0.0/0&GatewayId=igw-%s",
	    rt, vpc + 4);
	assert_int_equal(f->commits.entries, before + 1);
	okf(f, "Action=CreateRoute&RouteTableId=%s&DestinationIpv6CidrBlock=::/0&GatewayId=igw-%s",
	    rt, vpc + 4);
	snprintf(req, sizeof(req), "Action=CreateNetworkInterface&SubnetId=%s", s1);
	ok_member(f, req, "networkInterfaceId", eni);
	okf(f,
	    "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=192.0.2.0/24&"
	    "NetworkInterfaceId=%s",
	    rt, eni);
	okf(f,
	    "Action=ReplaceRoute&RouteTableId=%s&DestinationCidrBlock=0.0.0.0/0&"
	    "NetworkInterfaceId=%s",
	    rt, eni);
	okf(f, "Action=DeleteRoute&RouteTableId=%s&DestinationIpv6CidrBlock=::/0", rt);
	/* a route to an ENI that is then deleted: a blackhole the snapshot keeps */
	snprintf(req, sizeof(req), "Action=CreateNetworkInterface&SubnetId=%s", s2);
	ok_member(f, req, "networkInterfaceId", eni2);
	okf(f,
	    "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=203.0.113.0/24&"
	    "NetworkInterfaceId=%s",
	    rtb_main, eni2);
	okf(f, "Action=DeleteNetworkInterface&NetworkInterfaceId=%s", eni2);
	/* associations: explicit, then the main one moved to rt */
	before = f->commits.entries;
	snprintf(req, sizeof(req), "Action=AssociateRouteTable&RouteTableId=%s&SubnetId=%s", rt,
		 s1);
	ok_member(f, req, "associationId", assoc);
	assert_true(f->commits.entries >= before + 2); /* SUBNET_SET + its ENI */
	snprintf(req, sizeof(req),
		 "Action=ReplaceRouteTableAssociation&AssociationId=%s&RouteTableId=%s", main_assoc,
		 rt);
	ok_member(f, req, "newAssociationId", newmain);
	okf(f, "Action=DisassociateRouteTable&AssociationId=%s", assoc);
	/* and back, so that the VPC's first table is main again while rt stays */
	snprintf(req, sizeof(req),
		 "Action=ReplaceRouteTableAssociation&AssociationId=%s&RouteTableId=%s", newmain,
		 rtb_main);
	free(ok(f, req));
	snprintf(req, sizeof(req), "Action=AssociateRouteTable&RouteTableId=%s&SubnetId=%s", rt,
		 s2);
	free(ok(f, req));
	/* a second VPC takes the pool's other /56; a third finds none */
	ok_member(f, "Action=CreateVpc&CidrBlock=10.2.0.0/16", "vpcId", other);
	okf(f, "Action=DeleteVpc&VpcId=%s", other);
	fails(f, "Action=CreateVpc&CidrBlock=10.3.0.0/16&AmazonProvidedIpv6CidrBlock=true", 400,
	      "InsufficientCidrBlocks");
	journal_and_snapshot_give_same_state(f, empty_world,
					     "Action=CreateVpc&CidrBlock=10.4.0.0/16");
	(void)v6;
}

static void a_configured_world_changed_through_the_api_survives_compaction(void **state)
{
	struct fx *f = *state;
	char rt[64], newmain[64], vpc[64], s[64], req[512];
	struct model_vpc_view v1;

	/* configured objects deleted: subnets, a route table, a whole VPC */
	okf(f, "Action=DeleteSubnet&SubnetId=subnet-t");
	fails(f, "Action=DeleteVpc&VpcId=vpc-2", 400, "DependencyViolation");
	okf(f, "Action=DeleteSubnet&SubnetId=subnet-2a");
	okf(f, "Action=DeleteRouteTable&RouteTableId=rtb-2b");
	okf(f, "Action=DeleteVpc&VpcId=vpc-2");
	/* vpc-1's main association moves to a new table; the configured main one goes */
	assert_int_equal(model_get_vpc(f->m, "vpc-1", &v1), 0);
	char old_main[64], old_assoc[64];
	snprintf(old_main, sizeof(old_main), "%s", v1.main_route_table_id);
	snprintf(old_assoc, sizeof(old_assoc), "%s", v1.main_association_id);
	ok_member(f, "Action=CreateRouteTable&VpcId=vpc-1", "routeTableId", rt);
	okf(f, "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=0.0.0.0/0&GatewayId=igw-1",
	    rt);
	okf(f,
	    "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=192.0.2.0/24&"
	    "NetworkInterfaceId=eni-c",
	    rt);
	snprintf(req, sizeof(req),
		 "Action=ReplaceRouteTableAssociation&AssociationId=%s&RouteTableId=%s", old_assoc,
		 rt);
	ok_member(f, req, "newAssociationId", newmain);
	okf(f, "Action=DeleteRouteTable&RouteTableId=%s", old_main);
	okf(f, "Action=AssociateVpcCidrBlock&VpcId=vpc-1&CidrBlock=10.9.0.0/16");
	okf(f, "Action=AssociateVpcCidrBlock&VpcId=vpc-1&AmazonProvidedIpv6CidrBlock=true");
	/* a new VPC where vpc-2 was, with a subnet explicitly associated */
	ok_member(f, "Action=CreateVpc&CidrBlock=10.50.0.0/16", "vpcId", vpc);
	snprintf(req, sizeof(req), "Action=CreateSubnet&VpcId=%s&CidrBlock=10.50.1.0/24", vpc);
	ok_member(f, req, "subnetId", s);
	snprintf(req, sizeof(req), "Action=CreateRouteTable&VpcId=%s", vpc);
	char rt2[64];
	ok_member(f, req, "routeTableId", rt2);
	okf(f, "Action=AssociateRouteTable&RouteTableId=%s&SubnetId=%s", rt2, s);
	/* a configured subnet moved to an explicit association */
	okf(f, "Action=AssociateRouteTable&RouteTableId=%s&SubnetId=subnet-b", rt);
	journal_and_snapshot_give_same_state(f, world2, "Action=DeleteSubnet&SubnetId=subnet-big");
}

/* Body of an answer contains want (the answer freed). */
static void ok_has(struct fx *f, const char *body, const char *want)
{
	char *b = ok(f, body);
	if (!strstr(b, want))
		fail_msg("%s -> %s (wanted %s)", body, b, want);
	free(b);
}

static void ok_lacks(struct fx *f, const char *body, const char *unwanted)
{
	char *b = ok(f, body);
	if (strstr(b, unwanted))
		fail_msg("%s -> %s (did not want %s)", body, b, unwanted);
	free(b);
}

/*
 * What clients call besides the world's own actions (Ansible's ec2_vpc_net,
 * ec2_instance, ec2_eni): the VPC's DNS attributes (kept, journaled, in
 * snapshots), DescribeInstanceStatus, the ImageId kept and filtered on,
 * ClassicLink answered as EC2 does, DescribeSecurityGroups by VPC (its default group).
 */
static void client_calls_vpc_attributes_status_image_classic_link(void **state)
{
	struct fx *f = *state;
	char inst[64];

	/* EC2's defaults for a new VPC: DNS support on, hostnames off */
	ok_has(f, "Action=DescribeVpcAttribute&VpcId=vpc-2&Attribute=enableDnsSupport",
	       "<enableDnsSupport><value>true</value></enableDnsSupport>");
	ok_has(f, "Action=DescribeVpcAttribute&VpcId=vpc-2&Attribute=enableDnsHostnames",
	       "<enableDnsHostnames><value>false</value></enableDnsHostnames>");
	okf(f, "Action=ModifyVpcAttribute&VpcId=vpc-2&EnableDnsHostnames.Value=true");
	ok_has(f, "Action=DescribeVpcAttribute&VpcId=vpc-2&Attribute=enableDnsHostnames",
	       "<value>true</value>");
	/* support cannot go off under hostnames; hostnames not on without support */
	fails(f, "Action=ModifyVpcAttribute&VpcId=vpc-2&EnableDnsSupport.Value=false", 400,
	      "InvalidParameterValue");
	okf(f, "Action=ModifyVpcAttribute&VpcId=vpc-1&EnableDnsSupport.Value=false");
	fails(f, "Action=ModifyVpcAttribute&VpcId=vpc-1&EnableDnsHostnames.Value=true", 400,
	      "InvalidParameterValue");
	fails(f, "Action=ModifyVpcAttribute&VpcId=vpc-1", 400, "InvalidParameterCombination");
	fails(f,
	      "Action=ModifyVpcAttribute&VpcId=vpc-1&EnableDnsSupport.Value=true&"
	      "EnableDnsHostnames.Value=true",
	      400, "InvalidParameterCombination");
	fails(f, "Action=ModifyVpcAttribute&VpcId=vpc-1&EnableDnsSupport.Value=maybe", 400,
	      "InvalidParameterValue");
	fails(f, "Action=ModifyVpcAttribute&VpcId=vpc-9&EnableDnsSupport.Value=true", 400,
	      "InvalidVpcID.NotFound");
	fails(f, "Action=DescribeVpcAttribute&VpcId=vpc-9&Attribute=enableDnsSupport", 400,
	      "InvalidVpcID.NotFound");
	fails(f, "Action=DescribeVpcAttribute&VpcId=vpc-1&Attribute=dnsMagic", 400,
	      "InvalidParameterValue");
	fails(f, "Action=DescribeVpcAttribute&VpcId=vpc-1", 400, "MissingParameter");

	/* the ImageId is kept, shown and filtered on */
	ok_member(f,
		  "Action=RunInstances&ImageId=ami-0abc&InstanceType=t3.medium&MinCount=1&"
		  "MaxCount=1&SubnetId=subnet-a&TagSpecification.1.ResourceType=volume&"
		  "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=root&"
		  "TagSpecification.2.ResourceType=instance&TagSpecification.2.Tag.1.Key=Name&"
		  "TagSpecification.2.Tag.1.Value=web",
		  "instanceId", inst);
	ok_has(f, "Action=DescribeInstances&Filter.1.Name=image-id&Filter.1.Value.1=ami-0abc",
	       inst);
	ok_has(f, "Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=web", inst);
	ok_lacks(f, "Action=DescribeInstances&Filter.1.Name=image-id&Filter.1.Value.1=ami-0abd",
		 inst);

	/* DescribeInstanceStatus: running ones by default, all with IncludeAllInstances */
	okf(f, "Action=StopInstances&InstanceId.1=i-2");
	ok_has(f, "Action=DescribeInstanceStatus&InstanceId.1=i-1",
	       "<instanceState><code>16</code><name>running</name></instanceState>");
	ok_lacks(f, "Action=DescribeInstanceStatus", "<instanceId>i-2</instanceId>");
	ok_has(f, "Action=DescribeInstanceStatus&IncludeAllInstances=true",
	       "<instanceId>i-2</instanceId>");
	ok_has(f, "Action=DescribeInstanceStatus&IncludeAllInstances=true&InstanceId.1=i-2",
	       "<status>not-applicable</status>");
	fails(f, "Action=DescribeInstanceStatus&InstanceId.1=i-nope", 400,
	      "InvalidInstanceID.NotFound");

	/* EC2-Classic is gone: the error and message clients expect */
	fails(f, "Action=DescribeVpcClassicLink&VpcId.1=vpc-1", 400, "UnsupportedOperation");
	fails(f, "Action=DescribeVpcClassicLinkDnsSupport&VpcIds.1=vpc-1", 400,
	      "UnsupportedOperation");
	/* ec2_eni's lookup by VPC finds its default group; an unknown id is refused */
	ok_has(f, "Action=DescribeSecurityGroups&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1",
	       "<groupName>default</groupName><groupDescription>default VPC security "
	       "group</groupDescription><vpcId>vpc-1</vpcId>");
	fails(f, "Action=DescribeSecurityGroups&GroupId.1=sg-00000000000000dead", 400,
	      "InvalidGroup.NotFound");

	/* all of it comes back after a restart and after a compaction */
	journal_and_snapshot_give_same_state(f, world2_launch,
					     "Action=DeleteSubnet&SubnetId=subnet-big");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		an_empty_engine_builds_a_world_that_survives_restart_and_compaction, setup_empty,
		teardown),
	    cmocka_unit_test_setup_teardown(
		a_configured_world_changed_through_the_api_survives_compaction, setup_world2,
		teardown),
	    cmocka_unit_test_setup_teardown(client_calls_vpc_attributes_status_image_classic_link,
					    setup_world2_launch, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
