#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""EC2 API conformance with the real AWS CLI: every action, every rule of
SPEC.md section 2 and every error code, through `aws ec2 ... --endpoint-url`.

usage: conformance.py SERVER [--part K/N] [CASE...]   (run as SERVER CONFIG.yaml)
"""
import sys

from apitest import aws, check, run_cases


def eni_of(srv, eni):
    return aws(srv, "describe-network-interfaces", "--network-interface-ids", eni)[
        "NetworkInterfaces"][0]


def private_ips(srv, eni):
    return [(a["PrivateIpAddress"], a["Primary"]) for a in eni_of(srv, eni)["PrivateIpAddresses"]]


def eip(srv, alloc):
    return aws(srv, "describe-addresses", "--allocation-ids", alloc)["Addresses"][0]


def new_eni(srv, subnet, *extra):
    return aws(srv, "create-network-interface", "--subnet-id", subnet,
               *extra)["NetworkInterface"]


# ---- Describe* ----

def describe_vpcs_subnets_and_instance_types(srv):
    v = aws(srv, "describe-vpcs")["Vpcs"]
    check([x["VpcId"] for x in v] == ["vpc-1"], v)
    check([c["CidrBlock"] for c in v[0]["CidrBlockAssociationSet"]] ==
          ["10.0.0.0/16", "10.8.0.0/16"], v)
    check(v[0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == "2600:1f18:1:100::/56", v)
    s = aws(srv, "describe-subnets", "--subnet-ids", "subnet-a")["Subnets"][0]
    check(s["CidrBlock"] == "10.0.1.0/24" and s["AvailabilityZone"] == "us-east-1a", s)
    check(s["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == "2600:1f18:1:101::/64", s)
    check(s["AvailableIpAddressCount"] == 250, s)  # 256 - 5 reserved - the primary
    s = aws(srv, "describe-subnets", "--filters", "Name=availability-zone,Values=us-east-1b")
    check([x["SubnetId"] for x in s["Subnets"]] == ["subnet-z"], s)
    s = aws(srv, "describe-subnets", "--filters", "Name=vpc-id,Values=vpc-1")["Subnets"]
    check(len(s) == 5, s)
    t = aws(srv, "describe-instance-types", "--instance-types", "t2.micro", "m5.large",
            "c5n.18xlarge")["InstanceTypes"]
    got = {x["InstanceType"]: (x["NetworkInfo"]["MaximumNetworkInterfaces"],
                               x["NetworkInfo"]["Ipv4AddressesPerInterface"],
                               x["NetworkInfo"]["Ipv6AddressesPerInterface"]) for x in t}
    check(got == {"t2.micro": (2, 2, 2), "m5.large": (3, 10, 10), "c5n.18xlarge": (15, 50, 50)},
          got)
    aws(srv, "describe-instance-types", "--instance-types", "x9.nope", error="InvalidInstanceType")
    aws(srv, "describe-vpcs", "--vpc-ids", "vpc-nope", error="InvalidVpcID.NotFound")
    aws(srv, "describe-subnets", "--subnet-ids", "subnet-nope", error="InvalidSubnetID.NotFound")


def describe_instances_shows_placement_state_and_enis(srv):
    r = aws(srv, "describe-instances", "--instance-ids", "i-1")["Reservations"]
    i = r[0]["Instances"][0]
    check(i["InstanceId"] == "i-1" and i["InstanceType"] == "m5.large", i)
    check(i["Placement"]["AvailabilityZone"] == "us-east-1a", i)
    check(i["State"] == {"Code": 16, "Name": "running"}, i)
    check(i["PrivateIpAddress"] == "10.0.1.10" and i["SubnetId"] == "subnet-a", i)
    nis = i["NetworkInterfaces"]
    check([(n["NetworkInterfaceId"], n["Attachment"]["DeviceIndex"]) for n in nis] ==
          [("eni-0", 0)], nis)
    r = aws(srv, "describe-instances", "--filters",
            "Name=network-interface.network-interface-id,Values=eni-c")["Reservations"]
    check([x["Instances"][0]["InstanceId"] for x in r] == ["i-2"], r)
    r = aws(srv, "describe-instances", "--filters", "Name=instance-state-name,Values=running",
            "Name=availability-zone,Values=us-east-1b")["Reservations"]
    check([x["Instances"][0]["InstanceId"] for x in r] == ["i-3"], r)
    aws(srv, "describe-instances", "--instance-ids", "i-nope", error="InvalidInstanceID.NotFound")


def describe_network_interfaces_filters(srv):
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20")
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-addresses", "2600:1f18:1:101::20")
    assoc = aws(srv, "associate-address", "--allocation-id", "eipalloc-c",
                "--network-interface-id", "eni-0", "--private-ip-address", "10.0.1.20")
    cases = [
        ("network-interface-id", "eni-c", ["eni-c"]),
        ("subnet-id", "subnet-z", ["eni-z"]),
        ("vpc-id", "vpc-1", ["eni-0", "eni-c", "eni-z"]),
        ("attachment.instance-id", "i-2", ["eni-c"]),
        ("private-ip-address", "10.0.1.10", ["eni-0"]),
        ("private-ip-address", "10.0.1.20", []),  # the primary only
        ("addresses.private-ip-address", "10.0.1.20", ["eni-0"]),
        ("ipv6-addresses.ipv6-address", "2600:1f18:1:101::20", ["eni-0"]),
        ("association.public-ip", "198.51.100.9", ["eni-0"]),
        ("association.allocation-id", "eipalloc-c", ["eni-0"]),
        ("association.association-id", assoc["AssociationId"], ["eni-0"]),
        ("availability-zone", "us-east-1b", ["eni-z"]),
        ("status", "in-use", ["eni-0", "eni-c", "eni-z"]),
        ("addresses.private-ip-address", "10.0.2.*", ["eni-c"]),  # wildcard
    ]
    for name, value, want in cases:
        got = [n["NetworkInterfaceId"] for n in aws(
            srv, "describe-network-interfaces", "--filters",
            "Name=%s,Values=%s" % (name, value))["NetworkInterfaces"]]
        check(got == want, "%s=%s: %s, wanted %s" % (name, value, got, want))
    aws(srv, "describe-network-interfaces", "--filters", "Name=bogus,Values=x",
        error="InvalidParameterValue")
    aws(srv, "describe-network-interfaces", "--network-interface-ids", "eni-nope",
        error="InvalidNetworkInterfaceID.NotFound")


def describe_addresses_filters(srv):
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--instance-id", "i-2")
    other = aws(srv, "allocate-address", "--domain", "vpc")
    for name, value, want in [("public-ip", "198.51.100.9", ["eipalloc-c"]),
                              ("allocation-id", other["AllocationId"], [other["AllocationId"]]),
                              ("instance-id", "i-2", ["eipalloc-c"]),
                              ("network-interface-id", "eni-c", ["eipalloc-c"]),
                              ("private-ip-address", "10.0.2.10", ["eipalloc-c"]),
                              ("domain", "vpc", ["eipalloc-c", other["AllocationId"]])]:
        got = [a["AllocationId"] for a in aws(srv, "describe-addresses", "--filters",
                                              "Name=%s,Values=%s" % (name, value))["Addresses"]]
        check(got == want, "%s=%s: %s, wanted %s" % (name, value, got, want))
    a = aws(srv, "describe-addresses", "--public-ips", "198.51.100.9")["Addresses"]
    check(len(a) == 1 and a[0]["PrivateIpAddress"] == "10.0.2.10" and
          a[0]["NetworkInterfaceId"] == "eni-c" and a[0]["InstanceId"] == "i-2", a)
    aws(srv, "describe-addresses", "--public-ips", "203.0.113.1", error="InvalidAddress.NotFound")
    aws(srv, "describe-addresses", "--allocation-ids", "eipalloc-nope",
        error="InvalidAllocationID.NotFound")


# ---- private IPv4 (R1, R2, R4, R5, R7, R8, R9, R10, R11, R12, R20) ----

def assign_lists_only_new_addresses_r10(srv):
    r = aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
            "--private-ip-addresses", "10.0.1.20", "10.0.1.21")
    check([a["PrivateIpAddress"] for a in r["AssignedPrivateIpAddresses"]] ==
          ["10.0.1.20", "10.0.1.21"], r)
    r = aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
            "--private-ip-addresses", "10.0.1.21", "10.0.1.22")
    check([a["PrivateIpAddress"] for a in r["AssignedPrivateIpAddresses"]] == ["10.0.1.22"], r)
    check(r["NetworkInterfaceId"] == "eni-0", r)
    check(private_ips(srv, "eni-0") == [("10.0.1.10", True), ("10.0.1.20", False),
                                        ("10.0.1.21", False), ("10.0.1.22", False)],
          private_ips(srv, "eni-0"))


def count_picks_lowest_free_addresses_r8(srv):
    r = aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
            "--secondary-private-ip-address-count", "3")
    check([a["PrivateIpAddress"] for a in r["AssignedPrivateIpAddresses"]] ==
          ["10.0.1.4", "10.0.1.5", "10.0.1.6"], r)
    # subnet-t 10.0.3.0/28: 16 - 5 reserved = 11 usable
    e = new_eni(srv, "subnet-t", "--secondary-private-ip-address-count", "9")
    check(len(e["PrivateIpAddresses"]) == 10, e)
    e2 = new_eni(srv, "subnet-t")
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", e2["NetworkInterfaceId"],
        "--secondary-private-ip-address-count", "1", error="InsufficientFreeAddressesInSubnet")


def address_outside_subnet_or_reserved_is_refused_r1_r2(srv):
    err = aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
              "--private-ip-addresses", "10.0.2.50", error="InvalidParameterValue")
    check("10.0.2.50" in err, err)
    for reserved in ["10.0.1.0", "10.0.1.1", "10.0.1.3", "10.0.1.255"]:
        aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
            "--private-ip-addresses", reserved, error="InvalidParameterValue")
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "not-an-ip", error="InvalidParameterValue")
    check(private_ips(srv, "eni-0") == [("10.0.1.10", True)], "nothing assigned")


def reassignment_needs_allow_and_moves_the_eip_r4(srv):
    e = new_eni(srv, "subnet-a", "--private-ip-address", "10.0.1.50")["NetworkInterfaceId"]
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-0", "--private-ip-address", "10.0.1.20")
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", e,
        "--private-ip-addresses", "10.0.1.20", error="InvalidIPAddress.InUse")
    r = aws(srv, "assign-private-ip-addresses", "--network-interface-id", e,
            "--private-ip-addresses", "10.0.1.20", "--allow-reassignment")
    check([a["PrivateIpAddress"] for a in r["AssignedPrivateIpAddresses"]] == ["10.0.1.20"], r)
    check(("10.0.1.20", False) in private_ips(srv, e), "moved")
    check(("10.0.1.20", False) not in private_ips(srv, "eni-0"), "gone from eni-0")
    a = eip(srv, "eipalloc-c")
    check(a["NetworkInterfaceId"] == e and a["PrivateIpAddress"] == "10.0.1.20", a)


def primary_address_never_moves_r5(srv):
    e = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", e,
        "--private-ip-addresses", "10.0.1.10", "--allow-reassignment",
        error="InvalidParameterValue")
    aws(srv, "unassign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.10", error="InvalidParameterValue")
    check(private_ips(srv, "eni-0") == [("10.0.1.10", True)], "primary kept")


def list_or_count_not_both_r7(srv):
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", "--secondary-private-ip-address-count", "1",
        error="InvalidParameterCombination")
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        error="MissingParameter")
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-addresses", "2600:1f18:1:101::9", "--ipv6-address-count", "1",
        error="InvalidParameterCombination")
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0", error="MissingParameter")


def per_eni_limits_follow_the_instance_type_r9(srv):
    # t3.medium: 6 IPv4 per ENI (primary included), 6 IPv6
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-c",
        "--secondary-private-ip-address-count", "6", error="PrivateIpAddressLimitExceeded")
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-c",
        "--secondary-private-ip-address-count", "5")
    check(len(private_ips(srv, "eni-c")) == 6, "at the limit")
    # m5.large: 10 IPv6 per ENI
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-address-count", "11", error="InvalidParameterValue")
    # an unattached ENI is held to the largest type's limit (50)
    e = new_eni(srv, "subnet-big", "--secondary-private-ip-address-count", "49")
    check(len(e["PrivateIpAddresses"]) == 50, len(e["PrivateIpAddresses"]))
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", e["NetworkInterfaceId"],
        "--secondary-private-ip-address-count", "1", error="PrivateIpAddressLimitExceeded")


def unassign_of_unowned_address_fails_whole_request_r11(srv):
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", "10.0.1.21")
    aws(srv, "unassign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", "10.0.1.99", error="InvalidParameterValue")
    check(len(private_ips(srv, "eni-0")) == 3, "nothing unassigned")
    aws(srv, "unassign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", "10.0.1.21")
    check(private_ips(srv, "eni-0") == [("10.0.1.10", True)], private_ips(srv, "eni-0"))


def unassign_disassociates_the_eip_r12(srv):
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-0", "--private-ip-address", "10.0.1.20")
    aws(srv, "unassign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20")
    a = eip(srv, "eipalloc-c")
    check("AssociationId" not in a and a["PublicIp"] == "198.51.100.9", a)


def addresses_change_while_stopped_and_detached_r20(srv):
    r = aws(srv, "stop-instances", "--instance-ids", "i-2")
    check(r["StoppingInstances"][0]["CurrentState"]["Name"] == "stopped", r)
    check(r["StoppingInstances"][0]["PreviousState"]["Name"] == "running", r)
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-c",
        "--private-ip-addresses", "10.0.2.20")
    i = aws(srv, "describe-instances", "--instance-ids", "i-2")["Reservations"][0]["Instances"][0]
    check(i["State"]["Name"] == "stopped", i)
    e = new_eni(srv, "subnet-b")["NetworkInterfaceId"]
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", e,
        "--private-ip-addresses", "10.0.2.21")
    r = aws(srv, "start-instances", "--instance-ids", "i-2")
    check(r["StartingInstances"][0]["CurrentState"]["Name"] == "running", r)
    check(("10.0.2.20", False) in private_ips(srv, "eni-c"), "kept across stop/start")
    aws(srv, "stop-instances", "--instance-ids", "i-2", "i-nope",
        error="InvalidInstanceID.NotFound")
    i = aws(srv, "describe-instances", "--instance-ids", "i-2")["Reservations"][0]["Instances"][0]
    check(i["State"]["Name"] == "running", "a refused stop changes nothing")


# ---- IPv6 (R3, R6) ----

def ipv6_needs_a_subnet_block_r3(srv):
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-c",
        "--ipv6-addresses", "2600:1f18:1:101::5", error="InvalidParameterValue")
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-addresses", "2600:1f18:1:102::5", error="InvalidParameterValue")
    r = aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
            "--ipv6-addresses", "2600:1f18:1:101::5")
    check(r["AssignedIpv6Addresses"] == ["2600:1f18:1:101::5"], r)
    r = aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
            "--ipv6-address-count", "2")
    check(len(r["AssignedIpv6Addresses"]) == 2, r)
    got = [a["Ipv6Address"] for a in eni_of(srv, "eni-0")["Ipv6Addresses"]]
    check(got[0] == "2600:1f18:1:101::5" and len(got) == 3, got)
    r = aws(srv, "unassign-ipv6-addresses", "--network-interface-id", "eni-0",
            "--ipv6-addresses", "2600:1f18:1:101::5")
    check(r["UnassignedIpv6Addresses"] == ["2600:1f18:1:101::5"], r)
    aws(srv, "unassign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-addresses", "2600:1f18:1:101::5", error="InvalidParameterValue")


def ipv6_of_another_eni_is_never_taken_r6(srv):
    e = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", "eni-0",
        "--ipv6-addresses", "2600:1f18:1:101::5")
    aws(srv, "assign-ipv6-addresses", "--network-interface-id", e,
        "--ipv6-addresses", "2600:1f18:1:101::5", error="InvalidIPAddress.InUse")


# ---- EIPs (R13-R16) ----

def associate_rules_r13_r14(srv):
    aws(srv, "associate-address", "--network-interface-id", "eni-0", error="MissingParameter")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--instance-id", "i-1",
        "--network-interface-id", "eni-0", error="InvalidParameterCombination")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-nope", "--instance-id", "i-1",
        error="InvalidAllocationID.NotFound")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-0", "--private-ip-address", "10.0.1.77", error="InvalidParameterValue")
    a = aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--instance-id", "i-1")
    check(a["AssociationId"].startswith("eipassoc-"), a)
    check(eip(srv, "eipalloc-c")["PrivateIpAddress"] == "10.0.1.10", "primary by default")
    # elsewhere, without reassociation
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-c", "--no-allow-reassociation", error="Resource.AlreadyAssociated")
    # a second EIP onto the same private IP replaces the first (which stays allocated)
    b = aws(srv, "allocate-address")["AllocationId"]
    aws(srv, "associate-address", "--allocation-id", b, "--network-interface-id", "eni-0")
    check("AssociationId" not in eip(srv, "eipalloc-c"), "first EIP disassociated")
    check(eip(srv, b)["PrivateIpAddress"] == "10.0.1.10", "second EIP there")
    # an instance with two ENIs cannot be named by InstanceId
    e = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "attach-network-interface", "--network-interface-id", e, "--instance-id", "i-1",
        "--device-index", "1")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--instance-id", "i-1",
        error="InvalidInstanceID")


def disassociate_and_release_r15_r16(srv):
    aws(srv, "disassociate-address", "--association-id", "eipassoc-nope",
        error="InvalidAssociationID.NotFound")
    a = aws(srv, "associate-address", "--allocation-id", "eipalloc-c",
            "--network-interface-id", "eni-c")["AssociationId"]
    aws(srv, "release-address", "--allocation-id", "eipalloc-c", error="InvalidIPAddress.InUse")
    aws(srv, "disassociate-address", "--association-id", a)
    aws(srv, "release-address", "--allocation-id", "eipalloc-c")
    aws(srv, "release-address", "--allocation-id", "eipalloc-c",
        error="InvalidAllocationID.NotFound")
    r = aws(srv, "allocate-address", "--domain", "vpc")
    check(r["Domain"] == "vpc" and r["PublicIp"].startswith("198.51.100."), r)
    # the pool (a /28: 16 addresses) runs out
    for _ in range(15):
        aws(srv, "allocate-address")
    aws(srv, "allocate-address", error="AddressLimitExceeded")
    check(len(aws(srv, "describe-addresses")["Addresses"]) == 16, "16 allocated")


def table_capacity_is_enforced(srv):
    # world.yaml: engine.capacity.eips = 3 associated EIPs
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", "10.0.1.21", "10.0.1.22")
    for ip in ["10.0.1.20", "10.0.1.21", "10.0.1.22"]:
        a = aws(srv, "allocate-address")["AllocationId"]
        aws(srv, "associate-address", "--allocation-id", a, "--network-interface-id", "eni-0",
            "--private-ip-address", ip)
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-0", error="InsufficientAddressCapacity")
    check("AssociationId" not in eip(srv, "eipalloc-c"), "nothing associated")


def dry_run_answers_dry_run_operation(srv):
    aws(srv, "allocate-address", "--dry-run", error="DryRunOperation")
    aws(srv, "stop-instances", "--instance-ids", "i-2", "--dry-run", error="DryRunOperation")
    check(len(aws(srv, "describe-addresses")["Addresses"]) == 1, "nothing allocated")
    i = aws(srv, "describe-instances", "--instance-ids", "i-2")["Reservations"][0]["Instances"][0]
    check(i["State"]["Name"] == "running", i)


# ---- ENIs (R17-R19, R21, R23) ----

def create_network_interface_output(srv):
    e = new_eni(srv, "subnet-a", "--private-ip-address", "10.0.1.40",
                "--secondary-private-ip-address-count", "2", "--ipv6-address-count", "1",
                "--description", "web <&> \"tier\"")
    check(e["NetworkInterfaceId"].startswith("eni-") and e["Status"] == "available", e)
    check(e["Description"] == "web <&> \"tier\"", e)  # XML-escaped on the wire
    check(e["MacAddress"].startswith("02:"), e)
    check([(a["PrivateIpAddress"], a["Primary"]) for a in e["PrivateIpAddresses"]] ==
          [("10.0.1.40", True), ("10.0.1.4", False), ("10.0.1.5", False)], e)
    check(len(e["Ipv6Addresses"]) == 1 and e["SourceDestCheck"] is True, e)
    e2 = new_eni(srv, "subnet-b", "--private-ip-addresses",
                 "PrivateIpAddress=10.0.2.30,Primary=true", "PrivateIpAddress=10.0.2.31")
    check([(a["PrivateIpAddress"], a["Primary"]) for a in e2["PrivateIpAddresses"]] ==
          [("10.0.2.30", True), ("10.0.2.31", False)], e2)
    aws(srv, "create-network-interface", "--subnet-id", "subnet-nope",
        error="InvalidSubnetID.NotFound")
    aws(srv, "create-network-interface", "--subnet-id", "subnet-a", "--private-ip-address",
        "10.0.1.10", error="InvalidIPAddress.InUse")


def attach_rules_r17(srv):
    e = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "attach-network-interface", "--network-interface-id", "eni-c", "--instance-id",
        "i-1", "--device-index", "1", error="InvalidNetworkInterface.InUse")
    aws(srv, "attach-network-interface", "--network-interface-id", e, "--instance-id", "i-3",
        "--device-index", "1", error="InvalidParameterValue")  # other AZ
    aws(srv, "attach-network-interface", "--network-interface-id", e, "--instance-id", "i-1",
        "--device-index", "0", error="InvalidParameterValue")  # index taken
    aws(srv, "attach-network-interface", "--network-interface-id", e, "--instance-id", "i-nope",
        "--device-index", "1", error="InvalidInstanceID.NotFound")
    aws(srv, "attach-network-interface", "--network-interface-id", "eni-nope", "--instance-id",
        "i-1", "--device-index", "1", error="InvalidNetworkInterfaceID.NotFound")
    r = aws(srv, "attach-network-interface", "--network-interface-id", e, "--instance-id", "i-2",
            "--device-index", "2")
    check(r["AttachmentId"].startswith("eni-attach-"), r)
    att = eni_of(srv, e)["Attachment"]
    check(att["InstanceId"] == "i-2" and att["DeviceIndex"] == 2 and
          att["AttachmentId"] == r["AttachmentId"], att)
    # t3.medium: 3 ENIs
    e3 = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "attach-network-interface", "--network-interface-id", e3, "--instance-id", "i-2",
        "--device-index", "0")
    e4 = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "attach-network-interface", "--network-interface-id", e4, "--instance-id", "i-2",
        "--device-index", "3", error="AttachmentLimitExceeded")
    # too many addresses for the type (t2.micro: 2 IPv4 per ENI)
    big = new_eni(srv, "subnet-z", "--secondary-private-ip-address-count", "2")
    aws(srv, "detach-network-interface", "--attachment-id", "eni-attach-z",
        error="OperationNotPermitted")
    aws(srv, "attach-network-interface", "--network-interface-id", big["NetworkInterfaceId"],
        "--instance-id", "i-3", "--device-index", "1", error="PrivateIpAddressLimitExceeded")


def detach_moves_addresses_and_eips_r18(srv):
    err = aws(srv, "detach-network-interface", "--attachment-id", "eni-attach-0",
              error="OperationNotPermitted")
    check("device index 0" in err, err)
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-c",
        "--private-ip-addresses", "10.0.2.20")
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id",
        "eni-c", "--private-ip-address", "10.0.2.20")
    aws(srv, "detach-network-interface", "--attachment-id", "eni-attach-nope",
        error="InvalidAttachmentID.NotFound")
    aws(srv, "detach-network-interface", "--attachment-id", "eni-attach-c")
    check(eni_of(srv, "eni-c")["Status"] == "available", "detached")
    r = aws(srv, "attach-network-interface", "--network-interface-id", "eni-c", "--instance-id",
            "i-1", "--device-index", "2")
    e = eni_of(srv, "eni-c")
    check(e["Attachment"]["InstanceId"] == "i-1", e)
    check(("10.0.2.20", False) in private_ips(srv, "eni-c"), "addresses moved with it")
    a = eip(srv, "eipalloc-c")
    check(a["InstanceId"] == "i-1" and a["PrivateIpAddress"] == "10.0.2.20", a)
    check(r["AttachmentId"] != "eni-attach-c", r)


def delete_needs_detached_and_disassociates_r19(srv):
    err = aws(srv, "delete-network-interface", "--network-interface-id", "eni-c",
              error="InvalidParameterValue")
    check("eni-c" in err and "in use" in err, err)
    e = new_eni(srv, "subnet-a")["NetworkInterfaceId"]
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--network-interface-id", e)
    aws(srv, "delete-network-interface", "--network-interface-id", e)
    a = eip(srv, "eipalloc-c")
    check("AssociationId" not in a, a)
    aws(srv, "delete-network-interface", "--network-interface-id", e,
        error="InvalidNetworkInterfaceID.NotFound")


def source_dest_check_is_per_eni_r23(srv):
    check(eni_of(srv, "eni-0")["SourceDestCheck"] is True, "on by default")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        "--no-source-dest-check")
    check(eni_of(srv, "eni-0")["SourceDestCheck"] is False, "turned off")
    check(eni_of(srv, "eni-c")["SourceDestCheck"] is True, "others unchanged")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        "--source-dest-check")
    check(eni_of(srv, "eni-0")["SourceDestCheck"] is True, "back on")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-nope",
        "--no-source-dest-check", error="InvalidNetworkInterfaceID.NotFound")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        error="MissingParameter")


CASES = [
    describe_vpcs_subnets_and_instance_types,
    describe_instances_shows_placement_state_and_enis,
    describe_network_interfaces_filters,
    describe_addresses_filters,
    assign_lists_only_new_addresses_r10,
    count_picks_lowest_free_addresses_r8,
    address_outside_subnet_or_reserved_is_refused_r1_r2,
    reassignment_needs_allow_and_moves_the_eip_r4,
    primary_address_never_moves_r5,
    list_or_count_not_both_r7,
    per_eni_limits_follow_the_instance_type_r9,
    unassign_of_unowned_address_fails_whole_request_r11,
    unassign_disassociates_the_eip_r12,
    addresses_change_while_stopped_and_detached_r20,
    ipv6_needs_a_subnet_block_r3,
    ipv6_of_another_eni_is_never_taken_r6,
    associate_rules_r13_r14,
    disassociate_and_release_r15_r16,
    table_capacity_is_enforced,
    dry_run_answers_dry_run_operation,
    create_network_interface_output,
    attach_rules_r17,
    detach_moves_addresses_and_eips_r18,
    delete_needs_detached_and_disassociates_r19,
    source_dest_check_is_per_eni_r23,
]

if __name__ == "__main__":
    args = sys.argv[2:]
    cases = CASES
    if args[:1] == ["--part"]:  # "--part K/N": every N-th case from the K-th (parallel runs)
        k, n = (int(x) for x in args[1].split("/"))
        cases = CASES[k - 1::n]
        args = args[2:]
    if args:
        cases = [c for c in CASES if c.__name__ in args]
    run_cases(cases, [sys.argv[1]], "conformance")
