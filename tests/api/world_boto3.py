#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A world built and torn down with boto3 alone (SPEC R28, R29, R31) on an
engine started with no VPC at all (empty_world.yaml): two VPCs with the same
10.0.0.0/16 (one with an IPv6 /56 from the pool), a subnet in each with the
same 10.0.1.0/24, a route table with routes to the internet gateway and an
explicit association, instances launched with secondary addresses (by list
and by count) and IPv6 addresses (by count and by list) and two ENIs at
launch, an ENI, an EIP, tags; boto3's own waiters (vpc_available,
subnet_available, instance_running, instance_terminated) wait on it. Then torn
down in dependency order, each premature delete refused with EC2's code, until
nothing is left but terminated instances; the pools are whole again (the same
/56 and the same EIP come back); and a restart replays all of it to the same
empty world.

usage: world_boto3.py ENIMAP [CASE...]
"""
import ipaddress
import sys

import boto3
import botocore.config

from apitest import ACCESS_KEY, REGION, SECRET_KEY, check, refused, run_cases

IMAGE = "ami-0abcdef1234567890"
FAST = {"Delay": 1, "MaxAttempts": 30}  # the waiters' defaults poll every 15 s


def ec2(srv):
    return boto3.client("ec2", endpoint_url=srv.url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def tags(name):
    return [{"Key": "Name", "Value": name}]


def nics_of(c, instance):
    r = c.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return sorted(r["NetworkInterfaces"], key=lambda n: n["Attachment"]["DeviceIndex"])


def private_ips(nic):
    """(primary, sorted secondaries)"""
    ips = nic["PrivateIpAddresses"]
    return ([a["PrivateIpAddress"] for a in ips if a["Primary"]],
            sorted(a["PrivateIpAddress"] for a in ips if not a["Primary"]))


def build(c):
    """The world; returns the ids the teardown needs."""
    w = {}
    a = c.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                     TagSpecifications=[{"ResourceType": "vpc", "Tags": tags("a")}])["Vpc"]
    b = c.create_vpc(CidrBlock="10.0.0.0/16",  # the same range: R31
                     TagSpecifications=[{"ResourceType": "vpc", "Tags": tags("b")}])["Vpc"]
    w["vpcs"] = [a["VpcId"], b["VpcId"]]
    c.get_waiter("vpc_available").wait(VpcIds=w["vpcs"], WaiterConfig=FAST)
    v6 = c.describe_vpcs(VpcIds=[a["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    check([x["Ipv6CidrBlock"] for x in v6] == ["2600:1f18:4000::/56"], v6)  # the pool's lowest
    w["v6"] = v6[0]["Ipv6CidrBlock"]
    named = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["b"]}])["Vpcs"]
    check([x["VpcId"] for x in named] == [b["VpcId"]], named)

    s64 = str(list(ipaddress.ip_network(w["v6"]).subnets(new_prefix=64))[1])
    sa = c.create_subnet(VpcId=a["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=s64,
                         AvailabilityZone="us-east-1b")["Subnet"]
    sb = c.create_subnet(VpcId=b["VpcId"], CidrBlock="10.0.1.0/24")["Subnet"]
    w["subnets"] = [sa["SubnetId"], sb["SubnetId"]]
    c.get_waiter("subnet_available").wait(SubnetIds=w["subnets"], WaiterConfig=FAST)
    check(sa["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == s64, sa)
    c.create_tags(Resources=w["subnets"], Tags=[{"Key": "tier", "Value": "web"}])
    tagged = c.describe_subnets(Filters=[{"Name": "tag:tier", "Values": ["web"]}])["Subnets"]
    check(sorted(s["SubnetId"] for s in tagged) == sorted(w["subnets"]), tagged)

    igw = c.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [a["VpcId"]]}])["InternetGateways"]
    check(len(igw) == 1, igw)
    rt = c.create_route_table(VpcId=a["VpcId"])["RouteTable"]["RouteTableId"]
    c.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
                   GatewayId=igw[0]["InternetGatewayId"])
    c.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0",
                   GatewayId=igw[0]["InternetGatewayId"])
    assoc = c.associate_route_table(RouteTableId=rt, SubnetId=sa["SubnetId"])["AssociationId"]
    w["rt"], w["assoc"] = rt, assoc
    t = c.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [sa["SubnetId"]]}])["RouteTables"]
    check([x["RouteTableId"] for x in t] == [rt], t)
    dests = sorted(r.get("DestinationCidrBlock") or r["DestinationIpv6CidrBlock"]
                   for r in t[0]["Routes"])
    check(dests == sorted(["10.0.0.0/16", w["v6"], "0.0.0.0/0", "::/0"]), dests)

    # instances at launch (R29): two in VPC a, each with two secondaries by count and an
    # IPv6 address by count; one in VPC b on the same primary address as a's web server,
    # with two ENIs: secondaries by list and an IPv6-less second ENI
    web = c.run_instances(ImageId=IMAGE, InstanceType="m5.large", MinCount=2, MaxCount=2,
                          NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": sa["SubnetId"],
                                              "SecondaryPrivateIpAddressCount": 2,
                                              "Ipv6AddressCount": 1,
                                              "DeleteOnTermination": True}],
                          TagSpecifications=[{"ResourceType": "instance",
                                              "Tags": tags("web")}])["Instances"]
    six = str(ipaddress.ip_network(s64)[0x99])
    one = c.run_instances(ImageId=IMAGE, InstanceType="m5.large", MinCount=1, MaxCount=1,
                          SubnetId=sa["SubnetId"], PrivateIpAddress="10.0.1.10",
                          Ipv6Addresses=[{"Ipv6Address": six}])["Instances"]
    other = c.run_instances(
        ImageId=IMAGE, InstanceType="m5.large", MinCount=1, MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": sb["SubnetId"], "DeleteOnTermination": True,
             "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": True},
                                    {"PrivateIpAddress": "10.0.1.20", "Primary": False},
                                    {"PrivateIpAddress": "10.0.1.21", "Primary": False}]},
            {"DeviceIndex": 1, "SubnetId": sb["SubnetId"], "DeleteOnTermination": True}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags("other")}])["Instances"]
    w["instances"] = [i["InstanceId"] for i in web + one + other]
    check(len(w["instances"]) == 4 and len(set(w["instances"])) == 4, w["instances"])
    c.get_waiter("instance_running").wait(InstanceIds=w["instances"], WaiterConfig=FAST)

    for i in web:
        nic = nics_of(c, i["InstanceId"])
        check(len(nic) == 1 and nic[0]["SubnetId"] == sa["SubnetId"], nic)
        primary, secondaries = private_ips(nic[0])
        check(len(primary) == 1 and len(secondaries) == 2, nic)
        v6s = [x["Ipv6Address"] for x in nic[0]["Ipv6Addresses"]]
        check(len(v6s) == 1 and ipaddress.ip_address(v6s[0]) in ipaddress.ip_network(s64), v6s)
    nic = nics_of(c, one[0]["InstanceId"])
    check(private_ips(nic[0]) == (["10.0.1.10"], []), nic)
    check([x["Ipv6Address"] for x in nic[0]["Ipv6Addresses"]] == [six], nic)
    nic = nics_of(c, other[0]["InstanceId"])
    check([n["SubnetId"] for n in nic] == [sb["SubnetId"]] * 2, nic)
    check(private_ips(nic[0]) == (["10.0.1.10"], ["10.0.1.20", "10.0.1.21"]), nic)
    check(nic[0]["VpcId"] == b["VpcId"], nic)

    # the same address in both VPCs, each found by its VPC
    for vpc, want in ((a["VpcId"], one[0]["InstanceId"]), (b["VpcId"], other[0]["InstanceId"])):
        got = c.describe_instances(Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "private-ip-address", "Values": ["10.0.1.10"]}])["Reservations"]
        check([i["InstanceId"] for r in got for i in r["Instances"]] == [want], got)
    named = c.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web"]},
                                          {"Name": "instance-state-name", "Values": ["running"]}])
    check(sorted(i["InstanceId"] for r in named["Reservations"] for i in r["Instances"]) ==
          sorted(i["InstanceId"] for i in web), named)

    # a standalone ENI in b with a secondary, and an EIP on b's instance
    eni = c.create_network_interface(SubnetId=sb["SubnetId"], PrivateIpAddress="10.0.1.30",
                                     Description="boto3")["NetworkInterface"]["NetworkInterfaceId"]
    c.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.1.31"])
    w["eni"] = eni
    eip = c.allocate_address(Domain="vpc")
    w["eip"] = eip
    # by instance id only where it has one ENI (EC2's InvalidInstanceID otherwise)
    refused("InvalidInstanceID", c.associate_address, AllocationId=eip["AllocationId"],
            InstanceId=other[0]["InstanceId"])
    w["eip_assoc"] = c.associate_address(AllocationId=eip["AllocationId"],
                                         NetworkInterfaceId=nic[0]["NetworkInterfaceId"],
                                         PrivateIpAddress="10.0.1.20")["AssociationId"]
    got = c.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    check(got.get("PrivateIpAddress") == "10.0.1.20" and
          got.get("InstanceId") == other[0]["InstanceId"], got)
    return w


def teardown(c, w):
    va, vb = w["vpcs"]
    sa, sb = w["subnets"]
    refused("DependencyViolation", c.delete_vpc, VpcId=va)
    refused("DependencyViolation", c.delete_subnet, SubnetId=sb)
    refused("DependencyViolation", c.delete_route_table, RouteTableId=w["rt"])

    c.disassociate_address(AssociationId=w["eip_assoc"])
    c.release_address(AllocationId=w["eip"]["AllocationId"])
    refused("InvalidAllocationID.NotFound", c.release_address,
            AllocationId=w["eip"]["AllocationId"])
    c.delete_network_interface(NetworkInterfaceId=w["eni"])
    c.terminate_instances(InstanceIds=w["instances"])
    c.get_waiter("instance_terminated").wait(InstanceIds=w["instances"], WaiterConfig=FAST)
    # delete-on-termination took every ENI with its instance
    left = c.describe_network_interfaces()["NetworkInterfaces"]
    check(left == [], left)

    c.disassociate_route_table(AssociationId=w["assoc"])
    c.delete_route(RouteTableId=w["rt"], DestinationIpv6CidrBlock="::/0")
    c.delete_route_table(RouteTableId=w["rt"])
    refused("InvalidRouteTableID.NotFound", c.describe_route_tables, RouteTableIds=[w["rt"]])
    for s in (sa, sb):
        c.delete_subnet(SubnetId=s)
    refused("InvalidSubnetID.NotFound", c.delete_subnet, SubnetId=sa)
    for v in (va, vb):
        c.delete_vpc(VpcId=v)
    refused("InvalidVpcID.NotFound", c.describe_vpcs, VpcIds=[va])


def empty(c):
    """Nothing left but the terminated instances (retained, SPEC R29), with no ENIs."""
    check(c.describe_vpcs()["Vpcs"] == [], "VPCs left")
    check(c.describe_subnets()["Subnets"] == [], "subnets left")
    check(c.describe_route_tables()["RouteTables"] == [], "route tables left")
    check(c.describe_internet_gateways()["InternetGateways"] == [], "gateways left")
    check(c.describe_network_interfaces()["NetworkInterfaces"] == [], "ENIs left")
    check(c.describe_addresses()["Addresses"] == [], "EIPs left")
    gone = set()
    for r in c.describe_instances()["Reservations"]:
        for i in r["Instances"]:
            check(i["State"]["Name"] == "terminated" and i["NetworkInterfaces"] == [], i)
            gone.add(i["InstanceId"])
    # as on EC2, a terminated instance keeps its tags as long as it is shown
    left = [t for t in c.describe_tags()["Tags"] if t["ResourceId"] not in gone]
    check(left == [], left)


def a_world_of_two_vpcs_is_built_and_torn_down_with_boto3(srv):
    c = ec2(srv)
    check(c.describe_vpcs()["Vpcs"] == [], "an empty engine has no VPC")
    w = build(c)
    teardown(c, w)
    empty(c)
    # the pools are whole again: the same /56 and the same EIP are handed out first
    v = c.create_vpc(CidrBlock="10.2.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    check(v["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == w["v6"], v)
    e = c.allocate_address(Domain="vpc")
    check(e["PublicIp"] == w["eip"]["PublicIp"], (e, w["eip"]))
    c.release_address(AllocationId=e["AllocationId"])
    c.delete_vpc(VpcId=v["VpcId"])


def the_torn_down_world_stays_torn_down_after_a_restart(srv):
    c = ec2(srv)
    w = build(c)
    built = c.describe_instances()["Reservations"]
    check(srv.stop() == 0, "clean stop")
    srv.start()  # the journal replays the build
    c = ec2(srv)
    check(c.describe_instances()["Reservations"] == built, "instances after the restart")
    teardown(c, w)
    check(srv.stop() == 0, "clean stop")
    srv.start()  # and now the teardown too
    c = ec2(srv)
    empty(c)
    check(len([i for r in c.describe_instances()["Reservations"] for i in r["Instances"]]) == 4,
          "the four terminated instances are retained")
    w = build(c)  # the same world can be built again on the replayed one
    teardown(c, w)


CASES = [
    a_world_of_two_vpcs_is_built_and_torn_down_with_boto3,
    the_torn_down_world_stays_torn_down_after_a_restart,
]

if __name__ == "__main__":
    names = sys.argv[2:]
    cases = [c for c in CASES if not names or c.__name__ in names]
    run_cases(cases, [sys.argv[1]], "world-boto3", yaml="empty_world.yaml")
