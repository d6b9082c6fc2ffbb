/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security groups over the EC2 Query API (SPEC R24-R26), over a real model
 * without HTTP (tests/api/world.yaml's world: sg-1 .. sg-6 and vpc-1's
 * default group sg-0default): CreateSecurityGroup, DeleteSecurityGroup,
 * DescribeSecurityGroups and DescribeSecurityGroupRules with their filters,
 * Authorize/Revoke Ingress/Egress in the IpPermissions shape and the CLI's
 * flat one, UpdateSecurityGroupRuleDescriptions*, groups on
 * CreateNetworkInterface, RunInstances and ModifyNetworkInterfaceAttribute;
 * every error code; all of it journaled so that a restart and a compaction
 * give back the same model.
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
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

#include "api_fixture.h"

/* world() with host port 0 for new instances (the configuration's launch:). */
static struct model *world_launch(void)
{
	struct model *m = world();
	struct model_err e;
	const uint16_t ports[] = {0};
	assert_int_equal(model_set_placement(m, ports, 1, 0, &e), 0);
	return m;
}

static int setup(void **state)
{
	return setup_with(state, world_launch);
}

#define AUTH_IN "Action=AuthorizeSecurityGroupIngress&GroupId="
#define TCP80                                                                                      \
	"&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80"

/* How many times needle occurs in hay. */
static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void create_describe_and_delete_with_their_codes(void **state)
{
	struct fx *f = *state;
	char gid[64], eni[64];
	char *b;

	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupDescription=d", 400,
	      "MissingParameter");
	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=web", 400, "MissingParameter");
	fails(f, "Action=CreateSecurityGroup&GroupName=web&GroupDescription=d", 400,
	      "VPCIdNotSpecified");
	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-00000dead&GroupName=web&GroupDescription=d",
	      400, "InvalidVpcID.NotFound");
	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=default&GroupDescription=d", 400,
	      "InvalidGroup.Reserved");
	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=g1&GroupDescription=d", 400,
	      "InvalidGroup.Duplicate");
	fails(f, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=sg-x&GroupDescription=d", 400,
	      "InvalidParameterValue");
	fails(f,
	      "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=web&GroupDescription=d&"
	      "TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=k",
	      400, "InvalidParameterValue");
	ok_member(
	    f,
	    "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=web&GroupDescription=web+tier&"
	    "TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=tier&"
	    "TagSpecification.1.Tag.1.Value=front",
	    "groupId", gid);
	assert_true(strncmp(gid, "sg-", 3) == 0 && strlen(gid) == 20);

	/* EC2's outbound rule of a new group, no inbound rule, its tags */
	char req[512];
	snprintf(req, sizeof(req), "Action=DescribeSecurityGroups&GroupId.1=%s", gid);
	b = ok(f, req);
	assert_non_null(strstr(b, "<groupName>web</groupName><groupDescription>web "
				  "tier</groupDescription><vpcId>vpc-1</vpcId><ipPermissions/>"));
	assert_non_null(strstr(b, "<ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/>"
				  "<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>"
				  "<ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress>"));
	assert_non_null(strstr(b, "<key>tier</key><value>front</value>"));
	free(b);
	/* the VPC's default group: all in from itself, all out (IPv4 and IPv6) */
	b = ok(f, "Action=DescribeSecurityGroups&GroupName.1=default");
	assert_non_null(strstr(b, "<groupId>sg-0default</groupId><groupName>default</groupName>"));
	assert_non_null(strstr(b, "<ipPermissions><item><ipProtocol>-1</ipProtocol><groups><item>"
				  "<userId>000000000000</userId><groupId>sg-0default</groupId>"));
	assert_non_null(strstr(b, "<cidrIpv6>::/0</cidrIpv6>"));
	free(b);
	/* filters: vpc-id, group-name, tags; an unknown id and an unknown name refused */
	b = ok(f, "Action=DescribeSecurityGroups&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1");
	assert_int_equal(count_of(b, "<groupId>sg-"), 8 + 1); /* 8 groups; default names itself */
	free(b);
	b = ok(f, "Action=DescribeSecurityGroups&Filter.1.Name=tag:tier&Filter.1.Value.1=front");
	assert_int_equal(count_of(b, "<groupName>"), 1);
	free(b);
	b = ok(f, "Action=DescribeSecurityGroups&Filter.1.Name=group-name&Filter.1.Value.1=g*");
	assert_int_equal(count_of(b, "<groupName>"), 6);
	free(b);
	fails(f, "Action=DescribeSecurityGroups&GroupId.1=sg-00000000000000dead", 400,
	      "InvalidGroup.NotFound");
	fails(f, "Action=DescribeSecurityGroups&GroupName.1=nosuch", 400, "InvalidGroup.NotFound");
	fails(f, "Action=DescribeSecurityGroups&Filter.1.Name=color&Filter.1.Value.1=x", 400,
	      "InvalidParameterValue");

	/* an ENI without groups gets the default one; with groups, those */
	ok_member(f, "Action=CreateNetworkInterface&SubnetId=subnet-a", "networkInterfaceId", eni);
	snprintf(req, sizeof(req), "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=%s", eni);
	b = ok(f, req);
	assert_non_null(strstr(b, "<groupSet><item><groupId>sg-0default</groupId><groupName>default"
				  "</groupName></item></groupSet>"));
	free(b);
	snprintf(
	    req, sizeof(req),
	    "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=%s&SecurityGroupId.1=%s&"
	    "SecurityGroupId.2=sg-1",
	    eni, gid);
	okf(f, "%s", req);
	snprintf(req, sizeof(req), "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=%s", eni);
	b = ok(f, req);
	assert_non_null(
	    strstr(b, "<groupName>web</groupName></item><item><groupId>sg-1</groupId>"));
	free(b);
	snprintf(
	    req, sizeof(req),
	    "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=%s&SecurityGroupId.1=sg-1&"
	    "Description.Value=x",
	    eni);
	fails(f, req, 400, "InvalidParameterCombination");
	snprintf(
	    req, sizeof(req),
	    "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=%s&SecurityGroupId.1=sg-1&"
	    "SecurityGroupId.2=sg-2&SecurityGroupId.3=sg-3&SecurityGroupId.4=sg-4&"
	    "SecurityGroupId.5=sg-5&SecurityGroupId.6=sg-6",
	    eni);
	fails(f, req, 400, "SecurityGroupsPerInterfaceLimitExceeded");
	snprintf(req, sizeof(req),
		 "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=%s&"
		 "SecurityGroupId.1=sg-00000000000000dead",
		 eni);
	fails(f, req, 400, "InvalidGroup.NotFound");
	fails(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&SecurityGroupId.1=nope", 400,
	      "InvalidGroupId.Malformed");

	/* delete: the default group never; a group an ENI has, or a rule names, not yet */
	fails(f, "Action=DeleteSecurityGroup&GroupId=sg-0default", 400, "CannotDelete");
	snprintf(req, sizeof(req), "Action=DeleteSecurityGroup&GroupId=%s", gid);
	fails(f, req, 400, "DependencyViolation");
	snprintf(req, sizeof(req), "Action=DeleteNetworkInterface&NetworkInterfaceId=%s", eni);
	okf(f, "%s", req);
	okf(f, AUTH_IN "sg-2&IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=%s",
	    gid);
	snprintf(req, sizeof(req), "Action=DeleteSecurityGroup&GroupId=%s", gid);
	fails(f, req, 400, "DependencyViolation");
	okf(f,
	    "Action=RevokeSecurityGroupIngress&GroupId=sg-2&IpPermissions.1.IpProtocol=-1&"
	    "IpPermissions.1.Groups.1.GroupId=%s",
	    gid);
	b = ok(f, "Action=DeleteSecurityGroup&GroupName=web");
	assert_non_null(strstr(b, gid));
	free(b);
	fails(f, req, 400, "InvalidGroup.NotFound");
	fails(f, "Action=DeleteSecurityGroup", 400, "MissingParameter");
	journal_and_snapshot_give_same_state(
	    f, world_launch,
	    "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=after&GroupDescription=a");
}

static void authorize_in_both_shapes_all_or_nothing(void **state)
{
	struct fx *f = *state;
	char *b;

	/* one permission, four ranges: four rules, answered with their ids */
	b = ok(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&"
			  "IpPermissions.1.IpRanges.1.Description=web&"
			  "IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0/8&"
			  "IpPermissions.1.Ipv6Ranges.1.CidrIpv6=::/0&"
			  "IpPermissions.1.Groups.1.GroupId=sg-2&"
			  "IpPermissions.2.IpProtocol=icmp&IpPermissions.2.FromPort=8&"
			  "IpPermissions.2.ToPort=-1&IpPermissions.2.IpRanges.1.CidrIp=10.0.0.0/8");
	assert_int_equal(count_of(b, "<securityGroupRuleId>sgr-"), 5);
	assert_non_null(strstr(b, "<isEgress>false</isEgress><ipProtocol>tcp</ipProtocol>"
				  "<fromPort>80</fromPort><toPort>80</toPort><cidrIpv4>0.0.0.0/0"
				  "</cidrIpv4><description>web</description>"));
	assert_non_null(strstr(b, "<referencedGroupInfo><groupId>sg-2</groupId>"));
	free(b);
	/* Describe groups one protocol and port range into one permission */
	b = ok(f, "Action=DescribeSecurityGroups&GroupId.1=sg-1");
	assert_non_null(strstr(
	    b, "<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort>"
	       "<toPort>80</toPort><groups><item><userId>000000000000</userId><groupId>sg-2"
	       "</groupId></item></groups><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp><description>"
	       "web</description></item><item><cidrIp>10.0.0.0/8</cidrIp></item></ipRanges>"
	       "<ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges>"));
	assert_non_null(strstr(b, "<ipProtocol>icmp</ipProtocol><fromPort>8</fromPort>"
				  "<toPort>-1</toPort>"));
	free(b);
	/* filters on the permissions */
	b = ok(f,
	       "Action=DescribeSecurityGroups&Filter.1.Name=ip-permission.from-port&"
	       "Filter.1.Value.1=80&Filter.2.Name=ip-permission.cidr&Filter.2.Value.1=10.0.0.0/8");
	assert_int_equal(count_of(b, "<groupName>"), 1);
	free(b);
	b = ok(f, "Action=DescribeSecurityGroups&Filter.1.Name=egress.ip-permission.ipv6-cidr&"
		  "Filter.1.Value.1=::/0");
	assert_int_equal(count_of(b, "<groupName>default</groupName>"), 1);
	assert_int_equal(count_of(b, "<groupName>"), 1);
	free(b);

	/* the CLI's flat shape: --protocol tcp --port 22 --cidr 10.1.0.0/16, --source-group */
	okf(f, "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpProtocol=tcp&FromPort=22&"
	       "ToPort=22&CidrIp=10.1.0.0/16");
	okf(f, "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpProtocol=udp&FromPort=53&"
	       "ToPort=53&SourceSecurityGroupName=g3");
	b = ok(f, "Action=DescribeSecurityGroupRules&Filter.1.Name=group-id&Filter.1.Value.1=sg-1");
	assert_non_null(
	    strstr(b, "<fromPort>22</fromPort><toPort>22</toPort><cidrIpv4>10.1.0.0/16"));
	assert_non_null(strstr(b, "<referencedGroupInfo><groupId>sg-3</groupId>"));
	assert_int_equal(count_of(b, "<securityGroupRuleId>"), 8); /* 7 in, EC2's 1 out */
	free(b);

	/* refusals change nothing: a duplicate among new rules, bad values, the limit */
	char *before = dump(f->m);
	fails(f,
	      AUTH_IN "sg-1" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=192.0.2.0/24&"
		      "IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0/8",
	      400, "InvalidPermission.Duplicate");
	fails(f,
	      AUTH_IN "sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=90&"
		      "IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8",
	      400, "InvalidParameterValue");
	fails(f,
	      AUTH_IN "sg-1&IpPermissions.1.IpProtocol=gre&IpPermissions.1.IpRanges.1.CidrIp="
		      "10.0.0.0/8",
	      400, "InvalidParameterValue");
	fails(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.1/8", 400,
	      "InvalidParameterValue");
	fails(f, AUTH_IN "sg-1" TCP80, 400, "InvalidParameterValue"); /* no range */
	fails(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.Groups.1.GroupId=sg-0000000dead", 400,
	      "InvalidGroup.NotFound");
	fails(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.PrefixListIds.1.PrefixListId=pl-1", 400,
	      "InvalidParameterValue");
	fails(f,
	      AUTH_IN
	      "sg-1" TCP80
	      "&IpPermissions.1.IpRanges.1.CidrIp=192.0.2.0/24&CidrIp=1.0.0.0/8&IpProtocol=tcp",
	      400, "InvalidParameterCombination");
	fails(f, AUTH_IN "sg-1", 400, "MissingParameter");
	fails(f,
	      AUTH_IN "sg-00000000000000dead" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=1.0.0.0/8",
	      400, "InvalidGroup.NotFound");
	fails(f,
	      "Action=AuthorizeSecurityGroupEgress&GroupName=g1" TCP80
	      "&IpPermissions.1.IpRanges.1.CidrIp=1.0.0.0/8",
	      400, "MissingParameter"); /* egress takes a GroupId only */
	/* 60 inbound rules at most: 7 there, 54 more refused, 53 taken */
	char big[16384];
	int n = snprintf(big, sizeof(big), AUTH_IN "sg-1" TCP80);
	for (int k = 1; k <= 54; k++)
		n += snprintf(big + n, sizeof(big) - (size_t)n,
			      "&IpPermissions.1.IpRanges.%d.CidrIp=172.16.%d.0/24", k, k);
	fails(f, big, 400, "RulesPerSecurityGroupLimitExceeded");
	char *after = dump(f->m);
	assert_string_equal(before, after);
	free(after);
	free(before);
	*strrchr(big, '&') = '\0';
	free(ok(f, big));
	fails(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=172.31.0.0/16", 400,
	      "RulesPerSecurityGroupLimitExceeded");
	/* outbound counts apart */
	okf(f, "Action=AuthorizeSecurityGroupEgress&GroupId=sg-1" TCP80
	       "&IpPermissions.1.IpRanges.1.CidrIp=172.31.0.0/16");
	journal_and_snapshot_give_same_state(
	    f, world_launch, AUTH_IN "sg-2" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=10.9.0.0/16");
}

static void revoke_update_and_describe_rules(void **state)
{
	struct fx *f = *state;
	char rid[64], rid2[64], *b;

	b = ok(f, AUTH_IN "sg-1" TCP80 "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8&"
			  "IpPermissions.1.IpRanges.2.CidrIp=10.1.0.0/16");
	member(b, "securityGroupRuleId", rid);
	member(strstr(b, rid) + strlen(rid), "securityGroupRuleId", rid2);
	free(b);
	/* DescribeSecurityGroupRules by id; an unknown id refused */
	char req[512];
	snprintf(req, sizeof(req), "Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=%s",
		 rid);
	b = ok(f, req);
	assert_int_equal(count_of(b, "<securityGroupRuleId>"), 1);
	assert_non_null(strstr(b, "<cidrIpv4>10.0.0.0/8</cidrIpv4>"));
	free(b);
	fails(f, "Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=sgr-0000000000000dead",
	      400, "InvalidSecurityGroupRuleId.NotFound");
	/* descriptions: by rule id, and by permission */
	okf(f,
	    "Action=UpdateSecurityGroupRuleDescriptionsIngress&GroupId=sg-1&"
	    "SecurityGroupRuleDescription.1.SecurityGroupRuleId=%s&"
	    "SecurityGroupRuleDescription.1.Description=office",
	    rid);
	okf(f, "Action=UpdateSecurityGroupRuleDescriptionsIngress&GroupId=sg-1" TCP80
	       "&IpPermissions.1.IpRanges.1.CidrIp=10.1.0.0/16&"
	       "IpPermissions.1.IpRanges.1.Description=vpn");
	b = ok(f, "Action=DescribeSecurityGroups&GroupId.1=sg-1");
	assert_non_null(strstr(b, "<cidrIp>10.0.0.0/8</cidrIp><description>office</description>"));
	assert_non_null(strstr(b, "<cidrIp>10.1.0.0/16</cidrIp><description>vpn</description>"));
	free(b);
	fails(f,
	      "Action=UpdateSecurityGroupRuleDescriptionsIngress&GroupId=sg-1" TCP80
	      "&IpPermissions.1.IpRanges.1.CidrIp=10.2.0.0/16",
	      400, "InvalidPermission.NotFound");
	fails(f,
	      "Action=UpdateSecurityGroupRuleDescriptionsEgress&GroupId=sg-1&"
	      "SecurityGroupRuleDescription.1.SecurityGroupRuleId=sgr-0000000000000dead",
	      400, "InvalidSecurityGroupRuleId.NotFound");
	/* revoke by permission (descriptions do not count) and by id; absent ones refused */
	char *before = dump(f->m);
	fails(f,
	      "Action=RevokeSecurityGroupIngress&GroupId=sg-1" TCP80
	      "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8&"
	      "IpPermissions.1.IpRanges.2.CidrIp=10.7.0.0/16",
	      400, "InvalidPermission.NotFound");
	snprintf(req, sizeof(req),
		 "Action=RevokeSecurityGroupIngress&GroupId=sg-1&SecurityGroupRuleId.1=%s&"
		 "SecurityGroupRuleId.2=sgr-0000000000000dead",
		 rid2);
	fails(f, req, 400, "InvalidSecurityGroupRuleId.NotFound");
	snprintf(req, sizeof(req),
		 "Action=RevokeSecurityGroupEgress&GroupId=sg-1&SecurityGroupRuleId.1=%s", rid2);
	fails(f, req, 400, "InvalidSecurityGroupRuleId.NotFound"); /* an inbound rule */
	char *after = dump(f->m);
	assert_string_equal(before, after);
	free(after);
	free(before);
	okf(f, "Action=RevokeSecurityGroupIngress&GroupId=sg-1" TCP80
	       "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/"
	       "8&IpPermissions.1.IpRanges.1.Description=x");
	snprintf(req, sizeof(req),
		 "Action=RevokeSecurityGroupIngress&GroupId=sg-1&SecurityGroupRuleId.1=%s", rid2);
	okf(f, "%s", req);
	fails(f, req, 400, "InvalidSecurityGroupRuleId.NotFound");
	b = ok(f, "Action=DescribeSecurityGroups&GroupId.1=sg-1");
	assert_non_null(strstr(b, "<ipPermissions/>"));
	free(b);
	/* the CLI's revoke shape */
	okf(f, "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&IpProtocol=tcp&FromPort=22&"
	       "ToPort=22&CidrIp=10.1.0.0/16");
	okf(f, "Action=RevokeSecurityGroupIngress&GroupId=sg-1&IpProtocol=tcp&FromPort=22&"
	       "ToPort=22&CidrIp=10.1.0.0/16");
	/* EC2's default outbound rule can go, and come back */
	okf(f, "Action=RevokeSecurityGroupEgress&GroupId=sg-1&IpPermissions.1.IpProtocol=-1&"
	       "IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0");
	journal_and_snapshot_give_same_state(
	    f, world_launch,
	    "Action=AuthorizeSecurityGroupEgress&GroupId=sg-1&IpPermissions.1.IpProtocol=-1&"
	    "IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0");
}

/* Groups at launch and on new VPCs; a VPC goes only once its own groups have gone. */
static void groups_at_launch_and_with_vpcs(void **state)
{
	struct fx *f = *state;
	char vpc[64], dflt[64], gid[64], req[768], *b;

	b = ok(f, "Action=RunInstances&ImageId=ami-1&InstanceType=m5.large&MinCount=1&MaxCount=1&"
		  "SubnetId=subnet-a&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2");
	assert_int_equal(count_of(b, "<groupId>sg-1</groupId><groupName>g1</groupName></item>"
				     "<item><groupId>sg-2</groupId>"),
			 2); /* the instance's and its ENI's */
	char iid[64];
	member(b, "instanceId", iid);
	free(b);
	/* filters by group: instances by their groups' ids and names, ENIs likewise */
	b = ok(f, "Action=DescribeInstances&Filter.1.Name=instance.group-name&Filter.1.Value.1=g2");
	assert_int_equal(count_of(b, "<reservationId>"), 1); /* one reservation per instance */
	assert_non_null(strstr(b, iid));
	free(b);
	b = ok(f, "Action=DescribeInstances&Filter.1.Name=instance.group-id&Filter.1.Value.1=sg-"
		  "0default");
	assert_int_equal(count_of(b, "<reservationId>"), 2); /* i-1, i-3 (i-2's eni-c is at 1) */
	free(b);
	b = ok(f, "Action=DescribeNetworkInterfaces&Filter.1.Name=group-id&Filter.1.Value.1=sg-2");
	assert_int_equal(count_of(b, "<networkInterfaceId>"), 1);
	free(b);
	b = ok(
	    f,
	    "Action=DescribeNetworkInterfaces&Filter.1.Name=group-name&Filter.1.Value.1=default");
	assert_int_equal(count_of(b, "<networkInterfaceId>"), 3);
	free(b);
	ok_member(f, "Action=CreateVpc&CidrBlock=10.30.0.0/16", "vpcId", vpc);
	snprintf(req, sizeof(req),
		 "Action=DescribeSecurityGroups&Filter.1.Name=vpc-id&Filter.1.Value.1=%s", vpc);
	b = ok(f, req);
	member(b, "groupId", dflt);
	assert_int_equal(count_of(b, "<groupName>default</groupName>"), 1);
	free(b);
	snprintf(req, sizeof(req),
		 "Action=CreateSecurityGroup&VpcId=%s&GroupName=g1&GroupDescription=same+name",
		 vpc);
	ok_member(f, req, "groupId", gid); /* a name is unique in its VPC only */
	/* a repeated group counts once */
	b = ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&SecurityGroupId.1=sg-1&"
		  "SecurityGroupId.2=sg-0default&SecurityGroupId.3=sg-1");
	assert_int_equal(count_of(b, "<groupId>"), 2);
	free(b);
	/* a group of another VPC: not on this VPC's ENIs, not in its rules */
	snprintf(req, sizeof(req),
		 "Action=CreateNetworkInterface&SubnetId=subnet-a&SecurityGroupId.1=%s", gid);
	fails(f, req, 400, "InvalidParameterValue");
	snprintf(req, sizeof(req),
		 AUTH_IN "sg-1&IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=%s",
		 gid);
	fails(f, req, 400, "InvalidParameterValue");
	snprintf(req, sizeof(req), "Action=DeleteSecurityGroup&GroupName=g1");
	fails(f, req, 400, "InvalidParameterValue"); /* two VPCs have a g1: give the id */
	snprintf(req, sizeof(req), "Action=DeleteVpc&VpcId=%s", vpc);
	fails(f, req, 400, "DependencyViolation");
	okf(f, "Action=DeleteSecurityGroup&GroupId=%s", gid);
	okf(f, "Action=DeleteVpc&VpcId=%s", vpc);
	snprintf(req, sizeof(req), "Action=DescribeSecurityGroups&GroupId.1=%s", dflt);
	fails(f, req, 400, "InvalidGroup.NotFound"); /* the default group went with its VPC */
	journal_and_snapshot_give_same_state(f, world_launch,
					     "Action=CreateVpc&CidrBlock=10.31.0.0/16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(create_describe_and_delete_with_their_codes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(authorize_in_both_shapes_all_or_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(revoke_update_and_describe_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(groups_at_launch_and_with_vpcs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
