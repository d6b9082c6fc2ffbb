#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Building the world through the API (SPEC R28) with the real AWS CLI, on an
engine started with no VPC at all (empty_world.yaml): VPCs with an IPv6 /56
from the configured pool, subnets (IPv4 and IPv6), route tables, routes,
associations, instances with secondary and IPv6 addresses at launch, the implicit internet gateway, the zones and the account
attributes; torn down in dependency order; every R28 error code by a negative
call; and the world back after a restart (journal replay).

usage: world_cli.py SERVER [CASE...]   (run as SERVER -c CONFIG.yaml)
"""
import ipaddress
import sys

from apitest import aws, check, run_cases


def new_vpc(srv, cidr, *extra):
    return aws(srv, "create-vpc", "--cidr-block", cidr, *extra)["Vpc"]


def igw_of(srv, vpc):
    g = aws(srv, "describe-internet-gateways", "--filters",
            "Name=attachment.vpc-id,Values=" + vpc)["InternetGateways"]
    check(len(g) == 1 and g[0]["Attachments"] == [{"VpcId": vpc, "State": "available"}], g)
    return g[0]["InternetGatewayId"]


def tables_of(srv, vpc):
    return aws(srv, "describe-route-tables", "--filters", "Name=vpc-id,Values=" + vpc)[
        "RouteTables"]


def main_of(srv, vpc):
    """(main route table id, main association id)"""
    for t in tables_of(srv, vpc):
        for a in t["Associations"]:
            if a["Main"]:
                return t["RouteTableId"], a["RouteTableAssociationId"]
    raise AssertionError("no main association in %s" % vpc)


def table(srv, rt):
    return aws(srv, "describe-route-tables", "--route-table-ids", rt)["RouteTables"][0]


def routes(srv, rt):
    """{destination: (target, state)}"""
    out = {}
    for r in table(srv, rt)["Routes"]:
        dest = r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
        out[dest] = (r.get("GatewayId") or r.get("NetworkInterfaceId"), r["State"])
    return out


def subnet_table(srv, subnet):
    s = aws(srv, "describe-route-tables", "--filters",
            "Name=association.subnet-id,Values=" + subnet)["RouteTables"]
    return [t["RouteTableId"] for t in s]


def a_world_is_built_and_torn_down_through_the_cli(srv):
    check(aws(srv, "describe-vpcs")["Vpcs"] == [], "an empty engine has no VPC")
    acct = {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
            for a in aws(srv, "describe-account-attributes")["AccountAttributes"]}
    check(acct["supported-platforms"] == ["VPC"] and acct["default-vpc"] == ["none"], acct)
    zones = [z["ZoneName"] for z in aws(srv, "describe-availability-zones")["AvailabilityZones"]]
    check(zones == ["us-east-1a", "us-east-1b", "us-east-1c"], zones)

    v = new_vpc(srv, "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block")
    vpc = v["VpcId"]
    v6 = v["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    check(v6 == "2600:1f18:4000::/56", v)  # the pool's lowest /56
    check(aws(srv, "describe-vpcs", "--vpc-ids", vpc)["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16",
          "describe-vpcs")
    found = aws(srv, "describe-vpcs", "--filters", "Name=cidr-block,Values=10.0.0.0/16",
                "Name=is-default,Values=false")["Vpcs"]
    check([x["VpcId"] for x in found] == [vpc], found)  # Ansible's ec2_vpc_net looks so
    igw = igw_of(srv, vpc)
    main_rt, main_assoc = main_of(srv, vpc)
    check(routes(srv, main_rt) == {"10.0.0.0/16": ("local", "active"),
                                   v6: ("local", "active")}, routes(srv, main_rt))

    # subnets: IPv4 only, and IPv4 + a /64 of the VPC's /56
    s64 = str(list(ipaddress.ip_network(v6).subnets(new_prefix=64))[1])
    s1 = aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
             "--ipv6-cidr-block", s64, "--availability-zone", "us-east-1b")["Subnet"]
    check(s1["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == s64, s1)
    check(s1["AvailabilityZone"] == "us-east-1b" and s1["AvailableIpAddressCount"] == 251, s1)
    s2 = aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.2.0/24")["Subnet"]
    check(s2["AvailabilityZone"] == "us-east-1a", s2)
    s1, s2 = s1["SubnetId"], s2["SubnetId"]
    check(subnet_table(srv, s1) == [], "no explicit association yet")

    # a second block of each family
    a4 = aws(srv, "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/16")
    check(a4["CidrBlockAssociation"]["CidrBlock"] == "10.1.0.0/16", a4)
    a6 = aws(srv, "associate-vpc-cidr-block", "--vpc-id", vpc,
             "--amazon-provided-ipv6-cidr-block")
    check(a6["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"] == "2600:1f18:4000:100::/56", a6)
    check(routes(srv, main_rt)["10.1.0.0/16"] == ("local", "active"), "local route added")

    # a route table with routes to the internet gateway and to an ENI
    rt = aws(srv, "create-route-table", "--vpc-id", vpc)["RouteTable"]
    check(rt["VpcId"] == vpc and rt["Associations"] == [], rt)
    rt = rt["RouteTableId"]
    aws(srv, "create-route", "--route-table-id", rt, "--destination-cidr-block", "0.0.0.0/0",
        "--gateway-id", igw)
    aws(srv, "create-route", "--route-table-id", rt, "--destination-ipv6-cidr-block", "::/0",
        "--gateway-id", igw)
    eni = aws(srv, "create-network-interface", "--subnet-id", s1)["NetworkInterface"][
        "NetworkInterfaceId"]

    # instances with addresses at launch (R29) in the subnets just made
    web = aws(srv, "run-instances", "--image-id", "ami-1", "--instance-type", "m5.large",
              "--subnet-id", s1, "--count", "2", "--secondary-private-ip-address-count", "2",
              "--ipv6-address-count", "1")["Instances"]
    db = aws(srv, "run-instances", "--image-id", "ami-1", "--instance-type", "m5.large",
             "--subnet-id", s2,  # (the CLI drops these with --private-ip-address)
             "--secondary-private-ip-addresses", "10.0.2.11", "10.0.2.12")["Instances"]
    launched = [i["InstanceId"] for i in web + db]
    for i in web:
        n = i["NetworkInterfaces"][0]
        check(n["SubnetId"] == s1 and len(n["PrivateIpAddresses"]) == 3, n)
        check(ipaddress.ip_address(n["Ipv6Addresses"][0]["Ipv6Address"]) in
              ipaddress.ip_network(s64), n)
    n = db[0]["NetworkInterfaces"][0]
    check(sorted(a["PrivateIpAddress"] for a in n["PrivateIpAddresses"] if not a["Primary"]) ==
          ["10.0.2.11", "10.0.2.12"] and n["SubnetId"] == s2, n)
    in_vpc = aws(srv, "describe-instances", "--filters", "Name=vpc-id,Values=" + vpc,
                 "Name=instance-state-name,Values=running")["Reservations"]
    check(sorted(i["InstanceId"] for r in in_vpc for i in r["Instances"]) == sorted(launched),
          in_vpc)
    aws(srv, "create-route", "--route-table-id", rt, "--destination-cidr-block", "192.0.2.0/24",
        "--network-interface-id", eni)
    r = routes(srv, rt)
    check(r["0.0.0.0/0"] == (igw, "active") and r["::/0"] == (igw, "active") and
          r["192.0.2.0/24"] == (eni, "active"), r)
    aws(srv, "replace-route", "--route-table-id", rt, "--destination-cidr-block", "0.0.0.0/0",
        "--network-interface-id", eni)
    aws(srv, "delete-route", "--route-table-id", rt, "--destination-ipv6-cidr-block", "::/0")
    r = routes(srv, rt)
    check(r["0.0.0.0/0"] == (eni, "active") and "::/0" not in r, r)

    # associations: explicit, back to main; the main association moved and back
    assoc = aws(srv, "associate-route-table", "--route-table-id", rt, "--subnet-id", s1)[
        "AssociationId"]
    check(subnet_table(srv, s1) == [rt], subnet_table(srv, s1))
    got = [a for a in table(srv, rt)["Associations"] if not a["Main"]]
    check(got[0]["SubnetId"] == s1 and got[0]["RouteTableAssociationId"] == assoc, got)
    aws(srv, "disassociate-route-table", "--association-id", assoc)
    check(subnet_table(srv, s1) == [], "disassociated")
    new_main = aws(srv, "replace-route-table-association", "--association-id", main_assoc,
                   "--route-table-id", rt)["NewAssociationId"]
    check(main_of(srv, vpc) == (rt, new_main), main_of(srv, vpc))
    aws(srv, "replace-route-table-association", "--association-id", new_main,
        "--route-table-id", main_rt)
    check(main_of(srv, vpc)[0] == main_rt, "main table back")

    # torn down in dependency order
    aws(srv, "associate-route-table", "--route-table-id", rt, "--subnet-id", s2)
    aws(srv, "delete-vpc", "--vpc-id", vpc, error="DependencyViolation")
    aws(srv, "delete-subnet", "--subnet-id", s1, error="DependencyViolation")  # the ENI
    aws(srv, "delete-route-table", "--route-table-id", rt, error="DependencyViolation")
    aws(srv, "delete-network-interface", "--network-interface-id", eni)
    aws(srv, "delete-subnet", "--subnet-id", s1, error="DependencyViolation")  # the instances
    aws(srv, "terminate-instances", "--instance-ids", *launched)
    gone = aws(srv, "describe-instances", "--instance-ids", *launched)["Reservations"]
    check(all(i["State"]["Name"] == "terminated" and i["NetworkInterfaces"] == []
              for r in gone for i in r["Instances"]), gone)  # their ENIs deleted with them
    r = routes(srv, rt)
    check(r["192.0.2.0/24"] == (eni, "blackhole"), r)  # its ENI is gone
    aws(srv, "delete-subnet", "--subnet-id", s1)
    aws(srv, "delete-subnet", "--subnet-id", s2)
    aws(srv, "delete-vpc", "--vpc-id", vpc, error="DependencyViolation")  # rt
    aws(srv, "delete-route-table", "--route-table-id", main_rt, error="DependencyViolation")
    aws(srv, "delete-route-table", "--route-table-id", rt)
    aws(srv, "delete-vpc", "--vpc-id", vpc)
    check(aws(srv, "describe-vpcs")["Vpcs"] == [], "every VPC deleted")
    check(aws(srv, "describe-route-tables")["RouteTables"] == [], "its main table went with it")
    check(aws(srv, "describe-internet-gateways")["InternetGateways"] == [], "and its gateway")


def every_r28_error_code_by_a_negative_call(srv):
    vpc = new_vpc(srv, "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block")["VpcId"]
    main_rt, main_assoc = main_of(srv, vpc)
    # InvalidVpc.Range: a VPC block outside /1../28
    aws(srv, "create-vpc", "--cidr-block", "10.9.0.0/29", error="InvalidVpc.Range")
    aws(srv, "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "10.9.0.0/29",
        error="InvalidVpc.Range")
    aws(srv, "create-vpc", "--cidr-block", "10.9.0.1/16", error="InvalidParameterValue")
    # InvalidVpcID.NotFound
    aws(srv, "create-subnet", "--vpc-id", "vpc-00000000000000000", "--cidr-block",
        "10.0.1.0/24", error="InvalidVpcID.NotFound")
    aws(srv, "create-route-table", "--vpc-id", "vpc-00000000000000000",
        error="InvalidVpcID.NotFound")
    aws(srv, "delete-vpc", "--vpc-id", "vpc-00000000000000000", error="InvalidVpcID.NotFound")
    aws(srv, "describe-vpcs", "--vpc-ids", "vpc-00000000000000000",
        error="InvalidVpcID.NotFound")
    # InvalidSubnet.Range: outside the VPC's blocks, or too small; IPv6 outside its /56
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.5.0.0/24",
        error="InvalidSubnet.Range")
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/29",
        error="InvalidSubnet.Range")
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
        "--ipv6-cidr-block", "2600:1f18:9999:1::/64", error="InvalidSubnet.Range")
    # InvalidSubnet.Conflict
    s = aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")["Subnet"][
        "SubnetId"]
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.128/25",
        error="InvalidSubnet.Conflict")
    # a zone not of the region
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.2.0/24",
        "--availability-zone", "eu-west-1a", error="InvalidParameterValue")
    aws(srv, "delete-subnet", "--subnet-id", "subnet-00000000000000000",
        error="InvalidSubnetID.NotFound")
    # routes: RouteAlreadyExists, InvalidRoute.NotFound, InvalidRouteTableID.NotFound
    igw = igw_of(srv, vpc)
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "0.0.0.0/0", "--gateway-id", igw)
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "0.0.0.0/0", "--gateway-id", igw, error="RouteAlreadyExists")
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "10.0.0.0/16", "--gateway-id", igw, error="RouteAlreadyExists")  # the local route
    aws(srv, "replace-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "198.51.100.0/24", "--gateway-id", igw, error="InvalidRoute.NotFound")
    aws(srv, "delete-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "198.51.100.0/24", error="InvalidRoute.NotFound")
    aws(srv, "create-route", "--route-table-id", "rtb-00000000000000000",
        "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw,
        error="InvalidRouteTableID.NotFound")
    aws(srv, "describe-route-tables", "--route-table-ids", "rtb-00000000000000000",
        error="InvalidRouteTableID.NotFound")
    aws(srv, "delete-route-table", "--route-table-id", "rtb-00000000000000000",
        error="InvalidRouteTableID.NotFound")
    aws(srv, "associate-route-table", "--route-table-id", "rtb-00000000000000000",
        "--subnet-id", s, error="InvalidRouteTableID.NotFound")
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "192.0.2.0/24", "--gateway-id", "igw-00000000000000000",
        error="InvalidGatewayID.NotFound")
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "192.0.2.0/24", "--network-interface-id", "eni-00000000000000000",
        error="InvalidNetworkInterfaceID.NotFound")
    aws(srv, "create-route", "--route-table-id", main_rt, "--destination-cidr-block",
        "192.0.2.0/24", error="MissingParameter")
    aws(srv, "describe-internet-gateways", "--internet-gateway-ids", "igw-00000000000000000",
        error="InvalidInternetGatewayID.NotFound")
    # associations
    rt = aws(srv, "create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    aws(srv, "associate-route-table", "--route-table-id", rt, "--subnet-id", s)
    aws(srv, "associate-route-table", "--route-table-id", main_rt, "--subnet-id", s,
        error="Resource.AlreadyAssociated")
    aws(srv, "disassociate-route-table", "--association-id", "rtbassoc-00000000000000000",
        error="InvalidAssociationID.NotFound")
    aws(srv, "disassociate-route-table", "--association-id", main_assoc,
        error="InvalidParameterValue")  # the main association is replaced, never removed
    # DependencyViolation: a VPC with subnets, the main table, an associated table
    aws(srv, "delete-vpc", "--vpc-id", vpc, error="DependencyViolation")
    aws(srv, "delete-route-table", "--route-table-id", main_rt, error="DependencyViolation")
    aws(srv, "delete-route-table", "--route-table-id", rt, error="DependencyViolation")
    # the IPv6 pool holds two /56 blocks
    new_vpc(srv, "10.20.0.0/16", "--amazon-provided-ipv6-cidr-block")
    aws(srv, "create-vpc", "--cidr-block", "10.21.0.0/16", "--amazon-provided-ipv6-cidr-block",
        error="InsufficientCidrBlocks")
    aws(srv, "describe-availability-zones", "--zone-names", "us-east-1z",
        error="InvalidParameterValue")
    # every refusal changed nothing
    check(len(aws(srv, "describe-vpcs")["Vpcs"]) == 2, "two VPCs")
    check([x["SubnetId"] for x in aws(srv, "describe-subnets")["Subnets"]] == [s], "one subnet")


def the_world_comes_back_after_a_restart(srv):
    vpc = new_vpc(srv, "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block")["VpcId"]
    igw = igw_of(srv, vpc)
    main_rt, main_assoc = main_of(srv, vpc)
    s = aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
            "--ipv6-cidr-block", "2600:1f18:4000:7::/64")["Subnet"]["SubnetId"]
    aws(srv, "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "10.1.0.0/16")
    rt = aws(srv, "create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    aws(srv, "create-route", "--route-table-id", rt, "--destination-cidr-block", "0.0.0.0/0",
        "--gateway-id", igw)
    aws(srv, "associate-route-table", "--route-table-id", rt, "--subnet-id", s)
    aws(srv, "replace-route-table-association", "--association-id", main_assoc,
        "--route-table-id", rt)
    other = new_vpc(srv, "10.9.0.0/16")["VpcId"]
    aws(srv, "delete-vpc", "--vpc-id", other)
    before = [aws(srv, *c) for c in (["describe-vpcs"], ["describe-subnets"],
                                     ["describe-route-tables"],
                                     ["describe-internet-gateways"])]
    check(srv.stop() == 0, "clean stop")
    srv.start()
    after = [aws(srv, *c) for c in (["describe-vpcs"], ["describe-subnets"],
                                    ["describe-route-tables"], ["describe-internet-gateways"])]
    check(before == after, "after the restart:\n%s\nbefore:\n%s" % (after, before))
    # and it goes on from there: the ids replayed are the ones in use
    aws(srv, "delete-route-table", "--route-table-id", main_rt)
    aws(srv, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.1.1.0/24")


CASES = [
    a_world_is_built_and_torn_down_through_the_cli,
    every_r28_error_code_by_a_negative_call,
    the_world_comes_back_after_a_restart,
]

if __name__ == "__main__":
    names = sys.argv[2:]
    cases = [c for c in CASES if not names or c.__name__ in names]
    run_cases(cases, [sys.argv[1]], "world", yaml="empty_world.yaml")
