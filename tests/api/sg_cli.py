#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Security groups (SPEC R24-R26) driven as users drive them: the real AWS CLI
and boto3 (client and resource API) against the enimap engine on world.yaml
(vpc-1 with its default group sg-0default, and sg-1..sg-6 named g1..g6).

What the CLI sends: `authorize-security-group-ingress --protocol tcp --port 22
--cidr 10.0.0.0/8` is turned by the CLI into IpPermissions.1.* (IpRanges.1.CidrIp);
`--source-group NAME` into IpPermissions.1.Groups.1.GroupName. The legacy flat
parameters (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroupName) are
only sent through --cli-input-json (and boto3's keyword arguments). botocore
writes IpPermission.UserIdGroupPairs as IpPermissions.N.Groups.M.* (its wire
name), and SecurityGroupRuleDescriptions as SecurityGroupRuleDescription.N.*.

Cases: the CLI on groups, rules, filters, descriptions and revokes; every R24-R26
error code through the CLI (exit status and the code in stderr); ENIs and
instances with their groups (an engine with a launch: section, as instances.py);
boto3's client, paginator and resource API; and a restart, a forced journal
compaction (the journal grown past API_COMPACT_BYTES) and restarts again giving
the same groups, rules (same SecurityGroupRuleIds) and ENI groups.

usage: sg_cli.py ENIMAP [CASE...]
"""
import json
import os
import sys

import boto3
import botocore.config
from botocore.exceptions import ClientError

import apitest
from apitest import ACCESS_KEY, REGION, SECRET_KEY, aws, check, refused, run_cases
from instances import LaunchServer

OWNER = "000000000000"
NOT_A_GROUP = "sg-0123456789abcdef0"
COMPACT_BYTES = 4 << 20  # API_COMPACT_BYTES (control/api/api.h)


# ---- helpers ----

_CLIENTS = {}


def client(srv):
    """A boto3 client (one per server: the port stays over restarts). The checks read the
    state with it, as the CLI's own reads cost a process each."""
    if srv.url not in _CLIENTS:
        _CLIENTS[srv.url] = boto3.client(
            "ec2", endpoint_url=srv.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=botocore.config.Config(retries={"max_attempts": 1}))
    return _CLIENTS[srv.url]


def group(srv, gid):
    g = client(srv).describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    check(len(g) == 1 and g[0]["GroupId"] == gid, g)
    return g[0]


def flat(perms):
    """IpPermissions as a sorted list of (protocol, from, to, kind, peer, description)."""
    out = []
    for p in perms:
        key = (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"))
        for r in p.get("IpRanges", []):
            out.append(key + ("v4", r["CidrIp"], r.get("Description")))
        for r in p.get("Ipv6Ranges", []):
            out.append(key + ("v6", r["CidrIpv6"], r.get("Description")))
        for r in p.get("UserIdGroupPairs", []):
            check(r.get("UserId") == OWNER, r)
            out.append(key + ("sg", r["GroupId"], r.get("Description")))
    return sorted(out, key=repr)


def rule_tuple(r):
    peer = (("v4", r["CidrIpv4"]) if "CidrIpv4" in r else ("v6", r["CidrIpv6"])
            if "CidrIpv6" in r else ("sg", r["ReferencedGroupInfo"]["GroupId"]))
    return (r["IpProtocol"], r["FromPort"], r["ToPort"]) + peer + (r.get("Description"),)


def rules(srv, gid):
    """DescribeSecurityGroupRules of one group: {rule id: (egress, rule tuple)}."""
    rs = client(srv).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
    check(all(r["GroupId"] == gid and r["GroupOwnerId"] == OWNER for r in rs), rs)
    out = {r["SecurityGroupRuleId"]: (r["IsEgress"], rule_tuple(r)) for r in rs}
    check(len(out) == len(rs) and all(k.startswith("sgr-") for k in out), rs)
    return out


def new_group(srv, name, desc="test group"):
    gid = aws(srv, "create-security-group", "--group-name", name, "--description", desc,
              "--vpc-id", "vpc-1")["GroupId"]
    check(gid.startswith("sg-"), gid)
    return gid


def eni_groups(srv, eni):
    n = client(srv).describe_network_interfaces(NetworkInterfaceIds=[eni])[
        "NetworkInterfaces"][0]
    return [(g["GroupId"], g["GroupName"]) for g in n["Groups"]]


def perms_json(perms):
    return json.dumps(perms, separators=(",", ":"))


ALL_OUT = [("-1", None, None, "v4", "0.0.0.0/0", None)]  # EC2's outbound rule of a new group


# ---- 1. the CLI ----

def cli_groups_rules_filters_descriptions_and_revokes(srv):
    gid = new_group(srv, "web", "web tier")
    g = aws(srv, "describe-security-groups", "--group-ids", gid)["SecurityGroups"]
    check(len(g) == 1, g)
    g = g[0]
    check(g["GroupName"] == "web" and g["Description"] == "web tier" and
          g["VpcId"] == "vpc-1" and g["OwnerId"] == OWNER, g)
    check(g["IpPermissions"] == [], g)  # no inbound rule
    check(flat(g["IpPermissionsEgress"]) == ALL_OUT, g)
    check(g["IpPermissionsEgress"][0]["IpProtocol"] == "-1" and
          "FromPort" not in g["IpPermissionsEgress"][0], g)
    (egress_id, egress), = rules(srv, gid).items()
    check(egress == (True, ("-1", -1, -1, "v4", "0.0.0.0/0", None)), egress)

    # the CLI's flat shape (sent as IpPermissions.1.* by the CLI)
    r = aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
            "--port", "22", "--cidr", "10.0.0.0/8")
    check(r["Return"] is True and len(r["SecurityGroupRules"]) == 1, r)
    ssh = r["SecurityGroupRules"][0]
    check(ssh["GroupId"] == gid and ssh["IsEgress"] is False and ssh["IpProtocol"] == "tcp" and
          ssh["FromPort"] == 22 and ssh["ToPort"] == 22 and ssh["CidrIpv4"] == "10.0.0.0/8" and
          ssh["SecurityGroupRuleId"].startswith("sgr-"), ssh)
    # the legacy flat parameters themselves (IpProtocol, FromPort, ToPort, CidrIp)
    aws(srv, "authorize-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "IpProtocol": "udp", "FromPort": 514, "ToPort": 514,
         "CidrIp": "10.9.0.0/16"}))
    # several permissions, several ranges each, IPv4 and IPv6, descriptions
    many = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "office"},
                          {"CidrIp": "10.2.0.0/16"}],
             "Ipv6Ranges": [{"CidrIpv6": "2600:1f18:1:100::/56", "Description": "v6 net"}]},
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
             "IpRanges": [{"CidrIp": "192.168.0.0/16"}]},
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    r = aws(srv, "authorize-security-group-ingress", "--group-id", gid,
            "--ip-permissions", perms_json(many))
    got = sorted((rule_tuple(x) for x in r["SecurityGroupRules"]), key=repr)
    want_many = sorted([("tcp", 443, 443, "v4", "10.1.0.0/16", "office"),
                        ("tcp", 443, 443, "v4", "10.2.0.0/16", None),
                        ("tcp", 443, 443, "v6", "2600:1f18:1:100::/56", "v6 net"),
                        ("udp", 53, 53, "v4", "192.168.0.0/16", None),
                        ("icmp", -1, -1, "v4", "0.0.0.0/0", None),
                        ("icmp", -1, -1, "v6", "::/0", None)], key=repr)
    check(got == want_many, got)
    check(all(x["IsEgress"] is False and x["GroupId"] == gid for x in r["SecurityGroupRules"]),
          r)
    check(len({x["SecurityGroupRuleId"] for x in r["SecurityGroupRules"]}) == 6, r)
    # a group as the peer: UserIdGroupPairs (botocore sends IpPermissions.1.Groups.1.GroupId)
    r = aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
            perms_json([{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                         "UserIdGroupPairs": [{"GroupId": "sg-1", "Description": "app"},
                                              {"GroupId": "sg-2"}]}]))
    check(sorted(x["ReferencedGroupInfo"]["GroupId"] for x in r["SecurityGroupRules"]) ==
          ["sg-1", "sg-2"], r)
    # the same for the CLI's --source-group (IpPermissions.1.Groups.1.GroupName)
    r = aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
            "--port", "9000-9001", "--source-group", "g3")
    check([rule_tuple(x) for x in r["SecurityGroupRules"]] ==
          [("tcp", 9000, 9001, "sg", "sg-3", None)], r)
    # a group as the peer by the legacy SourceSecurityGroupName: all traffic from g1's members
    r = aws(srv, "authorize-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "SourceSecurityGroupName": "g1"}))
    check([rule_tuple(x) for x in r["SecurityGroupRules"]] ==
          [("-1", -1, -1, "sg", "sg-1", None)], r)
    check(r["SecurityGroupRules"][0]["ReferencedGroupInfo"] ==
          {"GroupId": "sg-1", "UserId": OWNER}, r)

    want_in = sorted([("tcp", 22, 22, "v4", "10.0.0.0/8", None),
                      ("udp", 514, 514, "v4", "10.9.0.0/16", None),
                      ("tcp", 8080, 8080, "sg", "sg-1", "app"),
                      ("tcp", 8080, 8080, "sg", "sg-2", None),
                      ("tcp", 9000, 9001, "sg", "sg-3", None),
                      ("-1", None, None, "sg", "sg-1", None)] +
                     [(p, (f if p != "icmp" else -1), (t if p != "icmp" else -1), k, c, d)
                      for p, f, t, k, c, d in want_many], key=repr)
    g = group(srv, gid)
    check(flat(g["IpPermissions"]) == want_in, flat(g["IpPermissions"]))
    # the ranges of one protocol and port range make one permission
    https = [p for p in g["IpPermissions"] if p.get("FromPort") == 443]
    check(len(https) == 1 and len(https[0]["IpRanges"]) == 2 and
          len(https[0]["Ipv6Ranges"]) == 1, https)
    check(flat(g["IpPermissionsEgress"]) == ALL_OUT, g)

    # describe-security-group-rules: every rule, the ids of the answers
    rs = aws(srv, "describe-security-group-rules", "--filters",
             "Name=group-id,Values=" + gid)["SecurityGroupRules"]
    check(all(r["GroupId"] == gid for r in rs), rs)
    rs = {r["SecurityGroupRuleId"]: (r["IsEgress"], rule_tuple(r)) for r in rs}
    check(rs == rules(srv, gid), rs)
    check(len(rs) == 13 and rs[egress_id][0] is True and
          sum(1 for e, _ in rs.values() if not e) == 12, rs)
    check(rs[ssh["SecurityGroupRuleId"]] == (False, ("tcp", 22, 22, "v4", "10.0.0.0/8", None)),
          rs)
    one = aws(srv, "describe-security-group-rules", "--security-group-rule-ids",
              ssh["SecurityGroupRuleId"])["SecurityGroupRules"]
    check([x["SecurityGroupRuleId"] for x in one] == [ssh["SecurityGroupRuleId"]], one)
    aws(srv, "describe-security-group-rules", "--security-group-rule-ids",
        "sgr-0123456789abcdef0", error="InvalidSecurityGroupRuleId.NotFound")

    # filters of describe-security-groups
    got = aws(srv, "describe-security-groups", "--filters",
              "Name=ip-permission.from-port,Values=22")["SecurityGroups"]
    check([x["GroupId"] for x in got] == [gid], got)

    def ids(*filters):  # Name=N,Values=V (one value each), by boto3
        f = [dict(zip(("Name", "Values"), (x.split(",")[0][5:], [x.split(",")[1][7:]])))
             for x in filters]
        return sorted(x["GroupId"] for x in
                      client(srv).describe_security_groups(Filters=f)["SecurityGroups"])
    check(ids("Name=ip-permission.cidr,Values=10.1.0.0/16") == [gid], "cidr")
    check(ids("Name=ip-permission.ipv6-cidr,Values=::/0") == [gid], "ipv6-cidr")
    check(ids("Name=ip-permission.group-id,Values=sg-1") == [gid], "group-id")
    check(ids("Name=ip-permission.group-id,Values=sg-0default") == ["sg-0default"], "default")
    check(ids("Name=group-name,Values=web") == [gid], "group-name")
    check(ids("Name=ip-permission.from-port,Values=23") == [], "from-port 23")
    check(ids("Name=vpc-id,Values=vpc-1", "Name=ip-permission.protocol,Values=udp") == [gid],
          "protocol")
    check(len(ids("Name=egress.ip-permission.cidr,Values=0.0.0.0/0")) == 8, "egress cidr")
    named = aws(srv, "describe-security-groups", "--group-names", "web", "g2")["SecurityGroups"]
    check(sorted(x["GroupId"] for x in named) == sorted([gid, "sg-2"]), named)

    # descriptions: by the permission (its range's Description) and by the rule id
    aws(srv, "update-security-group-rule-descriptions-ingress", "--group-id", gid,
        "--ip-permissions", perms_json([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                         "IpRanges": [{"CidrIp": "10.0.0.0/8",
                                                       "Description": "ssh admins"}]}]))
    check(rules(srv, gid)[ssh["SecurityGroupRuleId"]][1][-1] == "ssh admins", rules(srv, gid))
    # by rule id (botocore sends SecurityGroupRuleDescription.1.SecurityGroupRuleId)
    aws(srv, "update-security-group-rule-descriptions-ingress", "--group-id", gid,
        "--security-group-rule-descriptions",
        "SecurityGroupRuleId=%s,Description=ssh by id" % ssh["SecurityGroupRuleId"])
    check(rules(srv, gid)[ssh["SecurityGroupRuleId"]][1][-1] == "ssh by id", rules(srv, gid))
    aws(srv, "update-security-group-rule-descriptions-egress", "--group-id", gid,
        "--ip-permissions", perms_json([{"IpProtocol": "-1", "IpRanges": [
            {"CidrIp": "0.0.0.0/0", "Description": "anywhere"}]}]))
    check(rules(srv, gid)[egress_id] == (True, ("-1", -1, -1, "v4", "0.0.0.0/0", "anywhere")),
          rules(srv, gid))
    aws(srv, "update-security-group-rule-descriptions-ingress", "--group-id", gid,
        "--ip-permissions", perms_json([{"IpProtocol": "tcp", "FromPort": 25, "ToPort": 25,
                                         "IpRanges": [{"CidrIp": "10.0.0.0/8",
                                                       "Description": "x"}]}]),
        error="InvalidPermission.NotFound")

    # egress: a rule added, EC2's outbound rule revoked by its id
    r = aws(srv, "authorize-security-group-egress", "--group-id", gid, "--ip-permissions",
            perms_json([{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                         "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}]))
    check(r["SecurityGroupRules"][0]["IsEgress"] is True, r)
    aws(srv, "revoke-security-group-egress", "--group-id", gid, "--security-group-rule-ids",
        egress_id)
    check(flat(group(srv, gid)["IpPermissionsEgress"]) ==
          [("tcp", 5432, 5432, "v4", "10.0.2.0/24", None)], group(srv, gid))
    check(egress_id not in rules(srv, gid), "revoked by id")

    # revoke: the CLI's flat shape, the legacy flat parameters, IpPermissions, rule ids
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
        "--port", "22", "--cidr", "10.0.0.0/8")
    aws(srv, "revoke-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "IpProtocol": "udp", "FromPort": 514, "ToPort": 514,
         "CidrIp": "10.9.0.0/16"}))
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json([many[0]]))  # the three rules of tcp 443 at once
    # group peers, in the UserIdGroupPairs shape and by --source-group
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                     "UserIdGroupPairs": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}]}]))
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
        "--port", "9000-9001", "--source-group", "g3")
    left = rules(srv, gid)
    by_tuple = {t: k for k, (e, t) in left.items() if not e}
    check(sorted(by_tuple, key=repr) == sorted([("udp", 53, 53, "v4", "192.168.0.0/16", None),
                                                ("icmp", -1, -1, "v4", "0.0.0.0/0", None),
                                                ("icmp", -1, -1, "v6", "::/0", None),
                                                ("-1", -1, -1, "sg", "sg-1", None)], key=repr),
          left)
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--security-group-rule-ids",
        *by_tuple.values())
    g = group(srv, gid)
    check(g["IpPermissions"] == [] and len(g["IpPermissionsEgress"]) == 1, g)
    aws(srv, "delete-security-group", "--group-id", gid)
    aws(srv, "describe-security-groups", "--group-ids", gid, error="InvalidGroup.NotFound")
    check(ids("Name=group-name,Values=web") == [], "deleted")


def cli_every_error_code(srv):
    gid = new_group(srv, "errors")
    ssh = ["--group-id", gid, "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/8"]
    aws(srv, "authorize-security-group-ingress", *ssh)
    before = group(srv, gid)
    # InvalidPermission.Duplicate: present, and twice in one request (nothing added)
    aws(srv, "authorize-security-group-ingress", *ssh, error="InvalidPermission.Duplicate")
    twice = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
              "IpRanges": [{"CidrIp": "10.3.0.0/16"}, {"CidrIp": "10.3.0.0/16"}]}]
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json(twice), error="InvalidPermission.Duplicate")
    # all or nothing: a new rule with a present one adds neither
    mixed = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
              "IpRanges": [{"CidrIp": "10.4.0.0/16"}]},
             {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
              "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json(mixed), error="InvalidPermission.Duplicate")
    aws(srv, "authorize-security-group-egress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
        error="InvalidPermission.Duplicate")  # EC2's outbound rule is there
    # InvalidPermission.NotFound: absent rules, each shape (and a present one not revoked)
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
        "--port", "23", "--cidr", "10.0.0.0/8", error="InvalidPermission.NotFound")
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json(mixed), error="InvalidPermission.NotFound")
    aws(srv, "revoke-security-group-egress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
        error="InvalidPermission.NotFound")
    aws(srv, "revoke-security-group-ingress", "--group-id", gid, "--security-group-rule-ids",
        "sgr-0123456789abcdef0", error="InvalidSecurityGroupRuleId.NotFound")
    check(group(srv, gid) == before, "refusals changed the group")
    # InvalidGroup.NotFound
    aws(srv, "describe-security-groups", "--group-ids", NOT_A_GROUP,
        error="InvalidGroup.NotFound")
    aws(srv, "describe-security-groups", "--group-names", "nope", error="InvalidGroup.NotFound")
    aws(srv, "delete-security-group", "--group-id", NOT_A_GROUP, error="InvalidGroup.NotFound")
    aws(srv, "authorize-security-group-ingress", "--group-id", NOT_A_GROUP, "--protocol", "tcp",
        "--port", "22", "--cidr", "10.0.0.0/8", error="InvalidGroup.NotFound")
    aws(srv, "authorize-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "SourceSecurityGroupName": "nope"}), error="InvalidGroup.NotFound")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        "--groups", NOT_A_GROUP, error="InvalidGroup.NotFound")
    # InvalidGroup.Duplicate, InvalidGroup.Reserved
    aws(srv, "create-security-group", "--group-name", "errors", "--description", "again",
        "--vpc-id", "vpc-1", error="InvalidGroup.Duplicate")
    aws(srv, "create-security-group", "--group-name", "g1", "--description", "again",
        "--vpc-id", "vpc-1", error="InvalidGroup.Duplicate")  # a configured group's name
    aws(srv, "create-security-group", "--group-name", "default", "--description", "x",
        "--vpc-id", "vpc-1", error="InvalidGroup.Reserved")
    aws(srv, "create-security-group", "--group-name", "x", "--description", "x",
        "--vpc-id", "vpc-0123456789abcdef0", error="InvalidVpcID.NotFound")
    # CannotDelete: the VPC's default group
    aws(srv, "delete-security-group", "--group-id", "sg-0default", error="CannotDelete")
    # DependencyViolation: a group an ENI has; a group another group's rule names
    dep = new_group(srv, "dep")
    eni = aws(srv, "create-network-interface", "--subnet-id", "subnet-a", "--groups", dep)[
        "NetworkInterface"]["NetworkInterfaceId"]
    aws(srv, "delete-security-group", "--group-id", dep, error="DependencyViolation")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", eni,
        "--groups", "sg-1")
    aws(srv, "authorize-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "SourceSecurityGroupName": "dep"}))
    aws(srv, "delete-security-group", "--group-id", dep, error="DependencyViolation")
    aws(srv, "revoke-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": gid, "SourceSecurityGroupName": "dep"}))
    aws(srv, "delete-security-group", "--group-id", dep)
    # RulesPerSecurityGroupLimitExceeded: 61 inbound rules in one --ip-permissions (none
    # added), then 60, then one more
    lim = new_group(srv, "limit")
    ranges = [{"CidrIp": "10.%d.%d.0/24" % (100 + k // 200, k % 200)} for k in range(61)]
    p61 = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": ranges}]
    aws(srv, "authorize-security-group-ingress", "--group-id", lim, "--ip-permissions",
        perms_json(p61), error="RulesPerSecurityGroupLimitExceeded")
    check(group(srv, lim)["IpPermissions"] == [], "a refused request added rules")
    p60 = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": ranges[:60]}]
    r = aws(srv, "authorize-security-group-ingress", "--group-id", lim, "--ip-permissions",
            perms_json(p60))
    check(len(r["SecurityGroupRules"]) == 60, len(r["SecurityGroupRules"]))
    aws(srv, "authorize-security-group-ingress", "--group-id", lim, "--protocol", "tcp",
        "--port", "443", "--cidr", ranges[60]["CidrIp"],
        error="RulesPerSecurityGroupLimitExceeded")
    # outbound has its own 60: one outbound rule still goes in
    aws(srv, "authorize-security-group-egress", "--group-id", lim, "--ip-permissions",
        perms_json([{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                     "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}]))
    # SecurityGroupsPerInterfaceLimitExceeded: 6 groups; 5 are fine
    six = ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        "--groups", *six, error="SecurityGroupsPerInterfaceLimitExceeded")
    aws(srv, "create-network-interface", "--subnet-id", "subnet-a", "--groups", *six,
        error="SecurityGroupsPerInterfaceLimitExceeded")
    check(eni_groups(srv, "eni-0") == [("sg-0default", "default")], eni_groups(srv, "eni-0"))
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-0",
        "--groups", *six[:5])
    check(eni_groups(srv, "eni-0") == [(g, "g%s" % g[3:]) for g in six[:5]],
          eni_groups(srv, "eni-0"))
    # InvalidParameterValue: a bad protocol, CIDRs with host bits, a bad port range
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "bogus", "FromPort": 1, "ToPort": 2,
                     "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]), error="InvalidParameterValue")
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
        "--port", "80", "--cidr", "10.0.0.1/8", error="InvalidParameterValue")
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                     "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::1/64"}]}]),
        error="InvalidParameterValue")
    aws(srv, "authorize-security-group-ingress", "--group-id", gid, "--ip-permissions",
        perms_json([{"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80,
                     "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]), error="InvalidParameterValue")
    check(group(srv, gid) == before, "refusals changed the group")
    aws(srv, "delete-security-group", "--group-id", gid)  # its rules go with it
    aws(srv, "revoke-security-group-ingress", *ssh, error="InvalidGroup.NotFound")


# ---- 2. ENIs and instances ----

RUN = ["run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type", "m5.large",
       "--subnet-id", "subnet-a"]


def enis_and_instances_carry_their_groups(srv):
    n = aws(srv, "create-network-interface", "--subnet-id", "subnet-a", "--groups", "sg-1",
            "sg-2")["NetworkInterface"]
    check([(g["GroupId"], g["GroupName"]) for g in n["Groups"]] ==
          [("sg-1", "g1"), ("sg-2", "g2")], n)
    eni = n["NetworkInterfaceId"]
    check(eni_groups(srv, eni) == [("sg-1", "g1"), ("sg-2", "g2")], eni_groups(srv, eni))
    plain = aws(srv, "create-network-interface", "--subnet-id", "subnet-b")["NetworkInterface"]
    check([(g["GroupId"], g["GroupName"]) for g in plain["Groups"]] ==
          [("sg-0default", "default")], plain)
    web = new_group(srv, "web")
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", eni,
        "--groups", web)
    check(eni_groups(srv, eni) == [(web, "web")], eni_groups(srv, eni))
    found = aws(srv, "describe-network-interfaces", "--filters",
                "Name=group-id,Values=" + web)["NetworkInterfaces"]
    check([x["NetworkInterfaceId"] for x in found] == [eni], found)
    # run-instances with a group: on the instance and on its ENI
    i = aws(srv, *RUN, "--security-group-ids", "sg-1")["Instances"][0]
    check(i["SecurityGroups"] == [{"GroupId": "sg-1", "GroupName": "g1"}], i)
    check([(g["GroupId"], g["GroupName"]) for g in i["NetworkInterfaces"][0]["Groups"]] ==
          [("sg-1", "g1")], i["NetworkInterfaces"])
    d = aws(srv, "describe-instances", "--instance-ids", i["InstanceId"])["Reservations"][0][
        "Instances"][0]
    check(d["SecurityGroups"] == [{"GroupId": "sg-1", "GroupName": "g1"}], d)
    check([g["GroupId"] for g in d["NetworkInterfaces"][0]["Groups"]] == ["sg-1"], d)
    two = aws(srv, *RUN, "--security-group-ids", "sg-2", web)["Instances"][0]
    check(two["SecurityGroups"] == [{"GroupId": "sg-2", "GroupName": "g2"},
                                    {"GroupId": web, "GroupName": "web"}], two)
    bare = aws(srv, *RUN)["Instances"][0]
    check(bare["SecurityGroups"] == [{"GroupId": "sg-0default", "GroupName": "default"}], bare)
    aws(srv, *RUN, "--security-group-ids", NOT_A_GROUP, error="InvalidGroup.NotFound")
    aws(srv, *RUN, "--security-group-ids", "sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6",
        error="SecurityGroupsPerInterfaceLimitExceeded")
    # the instance's groups changed through its ENI
    nic = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", nic,
        "--groups", "sg-3", web)
    d = aws(srv, "describe-instances", "--instance-ids", i["InstanceId"])["Reservations"][0][
        "Instances"][0]
    check(d["SecurityGroups"] == [{"GroupId": "sg-3", "GroupName": "g3"},
                                  {"GroupId": web, "GroupName": "web"}], d)
    byg = aws(srv, "describe-instances", "--filters",
              "Name=instance.group-id,Values=" + web)["Reservations"]
    check(sorted(x["InstanceId"] for r in byg for x in r["Instances"]) ==
          sorted([i["InstanceId"], two["InstanceId"]]), byg)
    aws(srv, "delete-security-group", "--group-id", web, error="DependencyViolation")
    # terminated (delete on termination): its groups are free again
    aws(srv, "terminate-instances", "--instance-ids", i["InstanceId"], two["InstanceId"])
    aws(srv, "delete-network-interface", "--network-interface-id", eni)
    aws(srv, "delete-security-group", "--group-id", web)


# ---- 3. boto3 ----

def resource(srv):
    return boto3.resource("ec2", endpoint_url=srv.url, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                          config=botocore.config.Config(retries={"max_attempts": 1}))


def boto3_client_paginator_and_resource(srv):
    c = client(srv)
    # the account id, asked of STS at the same endpoint (Ansible's ec2_security_group does);
    # STS answers that one call only
    sts = boto3.client("sts", endpoint_url=srv.url, region_name=REGION,
                       aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    who = sts.get_caller_identity()
    check(who["Account"] == OWNER and who["Arn"].startswith("arn:aws:iam::" + OWNER), who)
    refused("InvalidAction", sts.get_session_token)
    bad = boto3.client("sts", endpoint_url=srv.url, region_name=REGION,
                       aws_access_key_id=ACCESS_KEY, aws_secret_access_key="wrong",
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    refused("AuthFailure", bad.get_caller_identity)
    r = c.create_security_group(GroupName="app", Description="app tier", VpcId="vpc-1",
                                TagSpecifications=[{"ResourceType": "security-group",
                                                    "Tags": [{"Key": "tier", "Value": "app"}]}])
    gid = r["GroupId"]
    check(r["Tags"] == [{"Key": "tier", "Value": "app"}], r)
    refused("InvalidGroup.Duplicate", c.create_security_group, GroupName="app",
            Description="x", VpcId="vpc-1")
    refused("InvalidGroup.Reserved", c.create_security_group, GroupName="default",
            Description="x", VpcId="vpc-1")
    perms = [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8081,
              "IpRanges": [{"CidrIp": "10.0.1.0/24", "Description": "subnet a"}],
              "Ipv6Ranges": [{"CidrIpv6": "2600:1f18:1:101::/64"}]}]
    r = c.authorize_security_group_ingress(GroupId=gid, IpPermissions=perms)
    check(r["Return"] is True and
          sorted((x["CidrIpv4"] if "CidrIpv4" in x else x["CidrIpv6"], x["FromPort"], x["ToPort"])
                 for x in r["SecurityGroupRules"]) ==
          [("10.0.1.0/24", 8080, 8081), ("2600:1f18:1:101::/64", 8080, 8081)], r)
    refused("InvalidPermission.Duplicate", c.authorize_security_group_ingress, GroupId=gid,
            IpPermissions=perms)
    # the legacy flat keyword arguments
    c.authorize_security_group_ingress(GroupId=gid, IpProtocol="udp", FromPort=53, ToPort=53,
                                       CidrIp="10.0.0.0/16")
    r = c.authorize_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "IpRanges": [{"CidrIp": "10.0.2.0/24", "Description": "db"}]}])
    db_rule = r["SecurityGroupRules"][0]
    check(db_rule["IsEgress"] is True and db_rule["Description"] == "db", r)
    # UserIdGroupPairs (sent as IpPermissions.1.Groups.1.GroupId)
    c.authorize_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 11211, "ToPort": 11211,
         "UserIdGroupPairs": [{"GroupId": "sg-4"}]}])
    g = c.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    check(flat(g["IpPermissions"]) == sorted(
        [("tcp", 8080, 8081, "v4", "10.0.1.0/24", "subnet a"),
         ("tcp", 8080, 8081, "v6", "2600:1f18:1:101::/64", None),
         ("udp", 53, 53, "v4", "10.0.0.0/16", None)], key=repr), g)
    check(flat(g["IpPermissionsEgress"]) == sorted(
        ALL_OUT + [("tcp", 5432, 5432, "v4", "10.0.2.0/24", "db"),
                   ("tcp", 11211, 11211, "sg", "sg-4", None)], key=repr), g)
    check(g["Tags"] == [{"Key": "tier", "Value": "app"}], g)
    # descriptions by permission (by rule id: the CLI case)
    c.update_security_group_rule_descriptions_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "IpRanges": [{"CidrIp": "10.0.2.0/24", "Description": "postgres"}]}])
    got = c.describe_security_group_rules(
        SecurityGroupRuleIds=[db_rule["SecurityGroupRuleId"]])["SecurityGroupRules"]
    check([x.get("Description") for x in got] == ["postgres"], got)

    # describe_security_groups: the paginator gives every group exactly once
    for k in range(7):
        c.create_security_group(GroupName="page%d" % k, Description="p", VpcId="vpc-1")
    every = c.describe_security_groups()["SecurityGroups"]
    check(len(every) == 15, len(every))  # default, g1..g6, app, page0..page6
    pages = list(c.get_paginator("describe_security_groups").paginate(
        PaginationConfig={"PageSize": 5}))
    check(len(pages) >= 3 and all(len(p["SecurityGroups"]) <= 5 for p in pages),
          [len(p["SecurityGroups"]) for p in pages])
    paged = [x["GroupId"] for p in pages for x in p["SecurityGroups"]]
    check(sorted(paged) == sorted(x["GroupId"] for x in every) and
          len(set(paged)) == len(paged), paged)
    filtered = [x["GroupId"] for p in c.get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "group-name", "Values": ["page*"]}],
        PaginationConfig={"PageSize": 5}) for x in p["SecurityGroups"]]
    check(len(filtered) == 7 and len(set(filtered)) == 7, filtered)
    one = c.describe_security_groups(Filters=[
        {"Name": "egress.ip-permission.to-port", "Values": ["5432"]},
        {"Name": "tag:tier", "Values": ["app"]}])["SecurityGroups"]
    check([x["GroupId"] for x in one] == [gid], one)
    refused("InvalidGroup.NotFound", c.describe_security_groups, GroupIds=[NOT_A_GROUP])

    # the resource API
    ec2 = resource(srv)
    sg = ec2.SecurityGroup(gid)
    check(sg.group_name == "app" and sg.vpc_id == "vpc-1", sg.group_name)
    check(flat(sg.ip_permissions) == flat(g["IpPermissions"]), sg.ip_permissions)
    sg.authorize_ingress(IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                         "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    sg.reload()
    check(("tcp", 22, 22, "v4", "10.0.0.0/8", None) in flat(sg.ip_permissions),
          sg.ip_permissions)
    sg.revoke_ingress(IpPermissions=[{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                                      "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    sg.revoke_ingress(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8")
    sg.reload()
    check(flat(sg.ip_permissions) == sorted(
        [("tcp", 8080, 8081, "v4", "10.0.1.0/24", "subnet a"),
         ("tcp", 8080, 8081, "v6", "2600:1f18:1:101::/64", None)], key=repr), sg.ip_permissions)
    try:
        sg.revoke_ingress(IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8")
        raise AssertionError("revoking an absent rule succeeded")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidPermission.NotFound", e.response)
    sg.revoke_egress(IpPermissions=sg.ip_permissions_egress)  # every outbound rule
    sg.reload()
    check(sg.ip_permissions_egress == [], sg.ip_permissions_egress)
    vpc = ec2.Vpc("vpc-1")
    made = vpc.create_security_group(GroupName="by-resource", Description="r")
    check(made.group_name == "by-resource" and made.vpc_id == "vpc-1", made.id)
    check(flat(made.ip_permissions_egress) == ALL_OUT, made.ip_permissions_egress)
    names = sorted(x.group_name for x in vpc.security_groups.all())
    check(len(names) == 16 and "by-resource" in names and "default" in names, names)
    made.delete()
    refused("InvalidGroup.NotFound", c.describe_security_groups, GroupIds=[made.id])

    # delete_security_group, and its codes
    refused("CannotDelete", c.delete_security_group, GroupId="sg-0default")
    eni = c.create_network_interface(SubnetId="subnet-a", Groups=[gid])["NetworkInterface"]
    check(eni["Groups"] == [{"GroupId": gid, "GroupName": "app"}], eni)
    refused("DependencyViolation", c.delete_security_group, GroupId=gid)
    refused("SecurityGroupsPerInterfaceLimitExceeded", c.modify_network_interface_attribute,
            NetworkInterfaceId=eni["NetworkInterfaceId"],
            Groups=["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", gid])
    c.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    c.delete_security_group(GroupId=gid)
    refused("InvalidGroup.NotFound", c.delete_security_group, GroupId=gid)
    c.delete_security_group(GroupName="page0")  # by name
    refused("InvalidGroup.NotFound", c.describe_security_groups, GroupNames=["page0"])
    check(len(c.describe_security_groups()["SecurityGroups"]) == 13, "left")


# ---- 4. restart and compaction ----

def state(srv):
    """Everything the restart must give back: groups, rules with their ids, ENI groups."""
    c = client(srv)
    groups = c.describe_security_groups()["SecurityGroups"]
    rs = c.describe_security_group_rules()["SecurityGroupRules"]
    enis = [(n["NetworkInterfaceId"], n["Groups"]) for n in
            c.describe_network_interfaces()["NetworkInterfaces"]]
    return groups, rs, enis


def same_after_restart(srv, before, what):
    check(srv.stop() == 0, "clean stop")
    srv.start()
    after = state(srv)
    for name, a, b in zip(("groups", "rules", "ENI groups"), after, before):
        check(a == b, "%s: %s after the restart differ:\n%s\nbefore:\n%s" % (what, name, a, b))


def restart_and_compaction_keep_groups_rules_and_ids(srv):
    c = client(srv)
    web = new_group(srv, "web", "web tier")
    aws(srv, "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
        perms_json([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                     "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "office"},
                                  {"CidrIp": "10.2.0.0/16"}],
                     "Ipv6Ranges": [{"CidrIpv6": "2600:1f18:1:100::/56"}]},
                    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))
    aws(srv, "authorize-security-group-ingress", "--cli-input-json", json.dumps(
        {"GroupId": web, "SourceSecurityGroupName": "g2"}))  # a group as the peer
    aws(srv, "authorize-security-group-egress", "--group-id", web, "--ip-permissions",
        perms_json([{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                     "IpRanges": [{"CidrIp": "10.0.0.2/32"}]},
                    {"IpProtocol": "50", "IpRanges": [{"CidrIp": "10.0.3.0/28"}]}]))
    check(("50", None, None, "v4", "10.0.3.0/28", None) in
          flat(group(srv, web)["IpPermissionsEgress"]), group(srv, web))  # ESP by number
    aws(srv, "create-tags", "--resources", web, "--tags", "Key=Name,Value=web servers")
    # the configured groups changed: sg-1 gains rules, sg-2 loses EC2's outbound rule,
    # sg-6 is deleted, the default group gains a rule
    aws(srv, "authorize-security-group-ingress", "--group-id", "sg-1", "--protocol", "tcp",
        "--port", "22", "--cidr", "10.0.0.0/8")
    (out2,) = [k for k, (e, _) in rules(srv, "sg-2").items() if e]
    aws(srv, "revoke-security-group-egress", "--group-id", "sg-2", "--security-group-rule-ids",
        out2)
    aws(srv, "delete-security-group", "--group-id", "sg-6")
    aws(srv, "authorize-security-group-ingress", "--group-id", "sg-0default", "--protocol",
        "udp", "--port", "123", "--cidr", "10.8.0.0/16")
    aws(srv, "update-security-group-rule-descriptions-ingress", "--group-id", web,
        "--ip-permissions", perms_json([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                         "IpRanges": [{"CidrIp": "10.2.0.0/16",
                                                       "Description": "lab"}]}]))
    gone = new_group(srv, "gone")
    aws(srv, "delete-security-group", "--group-id", gone)
    # ENI groups: a new ENI, a configured one changed
    eni = aws(srv, "create-network-interface", "--subnet-id", "subnet-a", "--groups", web,
              "sg-1")["NetworkInterface"]["NetworkInterfaceId"]
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-c",
        "--groups", "sg-3", "sg-4")
    before = state(srv)
    check(len(before[0]) == 7 and len(before[1]) >= 15, before)
    check(dict(before[2])[eni] == [{"GroupId": web, "GroupName": "web"},
                                   {"GroupId": "sg-1", "GroupName": "g1"}], before[2])
    same_after_restart(srv, before, "journal replay")

    # compaction: the journal grown past API_COMPACT_BYTES by description updates of 60
    # rules (a group of its own), until it is replaced by a snapshot
    big = new_group(srv, "big")
    ranges = [{"CidrIp": "10.200.%d.0/24" % k} for k in range(60)]
    c.authorize_security_group_ingress(GroupId=big, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": ranges}])
    size = os.path.getsize(srv.journal)
    check(0 < size < COMPACT_BYTES, size)
    compacted = False
    for k in range(1000):
        text = ("%s%d " % ("ab"[k % 2], k)) * 40
        c.update_security_group_rule_descriptions_ingress(GroupId=big, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
             "IpRanges": [dict(r, Description=text[:255]) for r in ranges]}])
        now = os.path.getsize(srv.journal)
        if now < size:
            compacted = True
            break
        size = now
    check(compacted, "the journal never shrank (%d bytes after %d updates)" % (size, k + 1))
    print("compacted after %d updates: %d bytes, then %d" % (k + 1, size, now), flush=True)
    check(size > COMPACT_BYTES - 64 * 1024, "it shrank at %d bytes, before the threshold" % size)
    # the last description given is on every rule
    want = text[:255]
    check(all(r.get("Description") == want for r in c.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [big]}])["SecurityGroupRules"]
        if not r["IsEgress"]), "descriptions after the compaction")
    before = state(srv)
    same_after_restart(srv, before, "snapshot")
    # and it goes on from there: new changes after the snapshot, restarted again
    aws(srv, "revoke-security-group-ingress", "--group-id", web, "--protocol", "tcp",
        "--port", "443", "--cidr", "10.1.0.0/16")
    r = aws(srv, "authorize-security-group-ingress", "--group-id", "sg-1", "--protocol",
            "tcp", "--port", "80", "--cidr", "10.0.0.0/8")
    new_id = r["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    check(new_id not in {x["SecurityGroupRuleId"] for x in before[1]}, new_id)
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", eni,
        "--groups", "sg-0default")
    aws(srv, "delete-security-group", "--group-id", big)
    before = state(srv)
    same_after_restart(srv, before, "snapshot and journal")
    aws(srv, "create-security-group", "--group-name", "web", "--description", "x",
        "--vpc-id", "vpc-1", error="InvalidGroup.Duplicate")
    aws(srv, "delete-security-group", "--group-id", "sg-0default", error="CannotDelete")


CASES = [
    (cli_groups_rules_filters_descriptions_and_revokes, apitest.Server),
    (cli_every_error_code, apitest.Server),
    (enis_and_instances_carry_their_groups, LaunchServer),
    (boto3_client_paginator_and_resource, apitest.Server),
    (restart_and_compaction_keep_groups_rules_and_ids, apitest.Server),
]


def main():
    engine = sys.argv[1]
    wanted = set(sys.argv[2:])
    failed = []
    saved = apitest.Server
    for case, cls in CASES:
        if wanted and case.__name__ not in wanted:
            continue
        # run_cases builds its own Server: give it this case's class (as instances.py)
        apitest.Server = cls
        try:
            run_cases([case], [engine], "sg")
        except SystemExit as e:
            if e.code:
                failed.append(case.__name__)
        finally:
            apitest.Server = saved
    if failed:
        print("failed: " + ", ".join(failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
