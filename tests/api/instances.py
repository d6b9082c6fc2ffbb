#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instances at launch with the real AWS CLI (SPEC R29, R9 at launch):
run-instances with --secondary-private-ip-addresses, --secondary-private-ip-
address-count, --ipv6-address-count, --ipv6-addresses, --network-interfaces
(two ENIs, an existing ENI by id), --count MIN:MAX, the type's limits refused
at launch, terminate-instances with delete-on-termination, describe after
terminate and after the retention, and a restart giving back the same
instances on the same host ports (the engine's own model dump).

The world is tests/api/world.yaml with a second host port and a launch rule:
host0 and host1, at most 5 instances each (i-1..i-3 are on host0).

usage: instances.py SERVER [CASE...]  (enimap; or api_server for the delta case)
"""
import os
import socket
import sys

from apitest import Server, aws, check, run_cases

RUN = ["run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type", "m5.large"]


class LaunchServer(Server):
    """world.yaml plus host1 and a launch: section (retention in seconds)."""
    retention = 3600

    def __init__(self, cmd, workdir, journal=True, yaml="world.yaml"):
        super().__init__(cmd, workdir, journal, yaml=yaml)
        with open(self.config) as f:
            text = f.read()
        host0 = '    - {name: host0, role: host, device: "net_null0"}\n'
        check(host0 in text, "world.yaml changed: no host0 line")
        text = text.replace(host0, host0 + '    - {name: host1, role: host, device: "net_null1"}\n')
        text += ("launch: {host_ports: [host0, host1], policy: least-loaded, "
                 "max_instances_per_port: 5, terminated_retention: %d}\n" % self.retention)
        with open(self.config, "w") as f:
            f.write(text)


class ShortRetention(LaunchServer):
    retention = 60


def dump(srv):
    """The engine's model dump over its control socket (ports included)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(srv.dir, "control.sock"))
    s.sendall(b"dump\n")
    out = b""
    while not out.endswith(b"\nOK\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    lines = out.decode().splitlines()
    return "\n".join(lines[1:])  # without the id counter (replay does not advance it)


def instance(srv, iid):
    r = aws(srv, "describe-instances", "--instance-ids", iid)["Reservations"]
    return r[0]["Instances"][0]


def ips(ni):
    return [(a["PrivateIpAddress"], a["Primary"]) for a in ni["PrivateIpAddresses"]]


def run_with_secondary_private_ip_addresses(srv):
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--secondary-private-ip-addresses",
            "10.0.1.30", "10.0.1.31")
    i = r["Instances"][0]
    check(r["ReservationId"].startswith("r-") and r["OwnerId"] == "000000000000", r)
    check(i["State"] == {"Code": 16, "Name": "running"}, i)
    check(i["ImageId"] == "ami-0abcdef1234567890" and i["InstanceType"] == "m5.large", i)
    check(i["SubnetId"] == "subnet-a" and i["VpcId"] == "vpc-1", i)
    check(i["Placement"]["AvailabilityZone"] == "us-east-1a", i)
    ni = i["NetworkInterfaces"][0]
    check(ni["Attachment"]["DeviceIndex"] == 0 and ni["Attachment"]["DeleteOnTermination"], ni)
    sec = [a for a, p in ips(ni) if not p]
    check(sec == ["10.0.1.30", "10.0.1.31"], ni)
    check(i["PrivateIpAddress"] == [a for a, p in ips(ni) if p][0], i)
    d = instance(srv, i["InstanceId"])
    check(ips(d["NetworkInterfaces"][0]) == ips(ni), d)
    e = aws(srv, "describe-network-interfaces", "--network-interface-ids",
            ni["NetworkInterfaceId"])["NetworkInterfaces"][0]
    check(e["Attachment"]["InstanceId"] == i["InstanceId"] and e["Status"] == "in-use", e)
    # the primary given too (the CLI sends both as NetworkInterface.1 addresses)
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--private-ip-address", "10.0.1.29")
    check(r["Instances"][0]["PrivateIpAddress"] == "10.0.1.29", r)
    check(r["Instances"][0]["MetadataOptions"]["HttpTokens"] == "optional", r)
    # --metadata-options (D15): as launched, then described
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--metadata-options",
            "HttpTokens=required,HttpPutResponseHopLimit=2")
    md = instance(srv, r["Instances"][0]["InstanceId"])["MetadataOptions"]
    check(md["HttpTokens"] == "required" and md["HttpPutResponseHopLimit"] == 2, md)
    check(md["HttpEndpoint"] == "enabled" and md["HttpProtocolIpv6"] == "disabled", md)
    # the IPv6 endpoint ([fd00:ec2::254]) at launch, then turned off
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--metadata-options", "HttpProtocolIpv6=enabled")
    iid = r["Instances"][0]["InstanceId"]
    check(instance(srv, iid)["MetadataOptions"]["HttpProtocolIpv6"] == "enabled", r)
    m = aws(srv, "modify-instance-metadata-options", "--instance-id", iid,
            "--http-protocol-ipv6", "disabled")
    check(m["InstanceMetadataOptions"]["HttpProtocolIpv6"] == "disabled", m)
    check(instance(srv, iid)["MetadataOptions"]["HttpProtocolIpv6"] == "disabled", iid)


def run_with_counts_and_ipv6(srv):
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--secondary-private-ip-address-count", "3",
            "--ipv6-address-count", "2")
    ni = r["Instances"][0]["NetworkInterfaces"][0]
    check(len(ips(ni)) == 4 and sum(1 for _, p in ips(ni) if p) == 1, ni)
    check(len(ni["Ipv6Addresses"]) == 2, ni)
    check(all(a["Ipv6Address"].startswith("2600:1f18:1:101:") for a in ni["Ipv6Addresses"]), ni)
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--ipv6-addresses",
            "Ipv6Address=2600:1f18:1:101::77", "Ipv6Address=2600:1f18:1:101::78")
    ni = r["Instances"][0]["NetworkInterfaces"][0]
    check(sorted(a["Ipv6Address"] for a in ni["Ipv6Addresses"]) ==
          ["2600:1f18:1:101::77", "2600:1f18:1:101::78"], ni)
    # an IPv6 address in use, and IPv6 in a subnet without an IPv6 range
    aws(srv, *RUN, "--subnet-id", "subnet-a", "--ipv6-addresses",
        "Ipv6Address=2600:1f18:1:101::77", error="InvalidIPAddress.InUse")
    aws(srv, *RUN, "--subnet-id", "subnet-b", "--ipv6-address-count", "1",
        error="InvalidParameterValue")


def run_with_two_network_interfaces_and_an_existing_eni(srv):
    eni = aws(srv, "create-network-interface", "--subnet-id", "subnet-b")[
        "NetworkInterface"]["NetworkInterfaceId"]
    spec = ('[{"DeviceIndex":0,"SubnetId":"subnet-a","Description":"web",'
            '"PrivateIpAddresses":[{"PrivateIpAddress":"10.0.1.40","Primary":true},'
            '{"PrivateIpAddress":"10.0.1.41","Primary":false}],"Ipv6AddressCount":1,'
            '"Groups":["sg-1"]},'
            '{"DeviceIndex":1,"SubnetId":"subnet-b","SecondaryPrivateIpAddressCount":2,'
            '"DeleteOnTermination":false},'
            '{"DeviceIndex":2,"NetworkInterfaceId":"%s"}]' % eni)
    r = aws(srv, *RUN, "--network-interfaces", spec)
    i = r["Instances"][0]
    nis = {n["Attachment"]["DeviceIndex"]: n for n in i["NetworkInterfaces"]}
    check(sorted(nis) == [0, 1, 2], nis)
    check(ips(nis[0]) == [("10.0.1.40", True), ("10.0.1.41", False)], nis[0])
    check(nis[0]["Description"] == "web" and len(nis[0]["Ipv6Addresses"]) == 1, nis[0])
    check([g["GroupId"] for g in nis[0]["Groups"]] == ["sg-1"], nis[0])  # kept
    check([g["GroupId"] for g in i["SecurityGroups"]] == ["sg-1"], i)
    check(nis[1]["SubnetId"] == "subnet-b" and len(ips(nis[1])) == 3, nis[1])
    check(not nis[1]["Attachment"]["DeleteOnTermination"], nis[1])
    check(nis[2]["NetworkInterfaceId"] == eni, nis[2])
    check(not nis[2]["Attachment"]["DeleteOnTermination"], nis[2])
    check(i["PrivateIpAddress"] == "10.0.1.40", i)
    # terminate: the delete-on-termination ENI goes, the two others are detached
    t = aws(srv, "terminate-instances", "--instance-ids", i["InstanceId"])
    check(t["TerminatingInstances"][0]["CurrentState"] == {"Code": 48, "Name": "terminated"}, t)
    aws(srv, "describe-network-interfaces", "--network-interface-ids",
        nis[0]["NetworkInterfaceId"], error="InvalidNetworkInterfaceID.NotFound")
    for n in (nis[1], nis[2]):
        e = aws(srv, "describe-network-interfaces", "--network-interface-ids",
                n["NetworkInterfaceId"])["NetworkInterfaces"][0]
        check(e["Status"] == "available" and "Attachment" not in e, e)
    # an ENI in use, one that does not exist, one with several instances
    aws(srv, *RUN, "--network-interfaces", '[{"DeviceIndex":0,"NetworkInterfaceId":"eni-0"}]',
        error="InvalidNetworkInterface.InUse")
    aws(srv, *RUN, "--network-interfaces", '[{"DeviceIndex":0,"NetworkInterfaceId":"eni-nope"}]',
        error="InvalidNetworkInterfaceID.NotFound")
    aws(srv, *RUN, "--count", "2", "--network-interfaces",
        '[{"DeviceIndex":0,"NetworkInterfaceId":"%s"}]' % eni,
        error="InvalidParameterCombination")


def count_range_and_instance_limit(srv):
    # subnet-t is a /28: 11 addresses, 4 per instance: 2 of --count 2:3
    r = aws(srv, *RUN, "--count", "2:3", "--subnet-id", "subnet-t",
            "--secondary-private-ip-address-count", "3")
    check(len(r["Instances"]) == 2, r)
    check(sorted(x["AmiLaunchIndex"] for x in r["Instances"]) == [0, 1], r)
    aws(srv, *RUN, "--count", "1:3", "--subnet-id", "subnet-t",
        "--secondary-private-ip-address-count", "3", error="InsufficientFreeAddressesInSubnet")
    aws(srv, *RUN, "--count", "4:4", "--subnet-id", "subnet-t",
        error="InsufficientFreeAddressesInSubnet")  # 3 addresses left
    # 5 per port: host0 has i-1..i-3 and host1 the 2 above: 5 more, then none
    r = aws(srv, *RUN, "--count", "1:20", "--subnet-id", "subnet-big")
    check(len(r["Instances"]) == 5, len(r["Instances"]))
    aws(srv, *RUN, "--subnet-id", "subnet-big", error="InstanceLimitExceeded")
    ports = [l.split(" port=")[1].split()[0] for l in dump(srv).splitlines()
             if l.startswith("instance ") and "state=running" in l]
    check(sorted(ports) == ["0"] * 5 + ["1"] * 5, ports)


def limits_and_bad_input_refused_at_launch(srv):
    before = aws(srv, "describe-instances")
    t3 = ["run-instances", "--image-id", "ami-1", "--instance-type", "t3.medium"]
    # R9: t3.medium allows 6 IPv4 and 6 IPv6 per ENI, and 3 ENIs
    aws(srv, *t3, "--subnet-id", "subnet-a", "--secondary-private-ip-address-count", "6",
        error="PrivateIpAddressLimitExceeded")
    aws(srv, *t3, "--subnet-id", "subnet-a", "--ipv6-address-count", "7",
        error="InvalidParameterValue")
    four = ",".join('{"DeviceIndex":%d,"SubnetId":"subnet-a"}' % k for k in range(4))
    aws(srv, *t3, "--network-interfaces", "[%s]" % four, error="AttachmentLimitExceeded")
    aws(srv, "run-instances", "--image-id", "ami-1", "--instance-type", "x9.nope",
        "--subnet-id", "subnet-a", error="InvalidParameterValue")
    aws(srv, "run-instances", "--image-id", "img-1", "--instance-type", "m5.large",
        "--subnet-id", "subnet-a", error="InvalidAMIID.Malformed")
    aws(srv, *RUN, "--subnet-id", "subnet-nope", error="InvalidSubnetID.NotFound")
    aws(srv, *RUN, error="MissingParameter")  # no subnet: there is no default VPC
    aws(srv, *RUN, "--count", "2", "--subnet-id", "subnet-a", "--private-ip-address",
        "10.0.1.50", error="InvalidParameterCombination")
    aws(srv, *RUN, "--subnet-id", "subnet-a", "--private-ip-address", "10.0.1.10",
        error="InvalidIPAddress.InUse")
    aws(srv, *RUN, "--subnet-id", "subnet-a", "--security-group-ids", "default",
        error="InvalidGroupId.Malformed")
    aws(srv, *RUN, "--subnet-id", "subnet-a", "--dry-run", error="DryRunOperation")
    check(aws(srv, "describe-instances") == before, "a refused launch changed something")


def terminate_then_describe_and_after_the_retention(srv):
    r = aws(srv, *RUN, "--subnet-id", "subnet-a", "--secondary-private-ip-address-count", "1")
    i = r["Instances"][0]
    import time
    iid, eni = i["InstanceId"], i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    aws(srv, "associate-address", "--allocation-id", "eipalloc-c", "--instance-id", iid)
    check(instance(srv, iid)["PublicIpAddress"] == "198.51.100.9", instance(srv, iid))
    t = aws(srv, "terminate-instances", "--instance-ids", iid, "i-2")["TerminatingInstances"]
    terminated = time.time()
    check([(x["InstanceId"], x["CurrentState"]["Code"], x["PreviousState"]["Name"]) for x in t]
          == [(iid, 48, "running"), ("i-2", 48, "running")], t)
    d = instance(srv, iid)
    check(d["State"] == {"Code": 48, "Name": "terminated"} and d["NetworkInterfaces"] == [], d)
    aws(srv, "describe-network-interfaces", "--network-interface-ids", eni,
        error="InvalidNetworkInterfaceID.NotFound")
    a = aws(srv, "describe-addresses", "--allocation-ids", "eipalloc-c")["Addresses"][0]
    check("AssociationId" not in a and "InstanceId" not in a, a)  # still allocated
    e = aws(srv, "describe-network-interfaces", "--network-interface-ids", "eni-c")[
        "NetworkInterfaces"][0]
    check(e["Status"] == "available", e)  # i-2's ENI was not delete-on-termination
    s = aws(srv, "describe-instances", "--filters",
            "Name=instance-state-name,Values=terminated")["Reservations"]
    check(sorted(x["Instances"][0]["InstanceId"] for x in s) == sorted([iid, "i-2"]), s)
    aws(srv, "start-instances", "--instance-ids", iid, error="IncorrectInstanceState")
    aws(srv, "stop-instances", "--instance-ids", "i-2", error="IncorrectInstanceState")
    t = aws(srv, "terminate-instances", "--instance-ids", iid)["TerminatingInstances"]
    check(t[0]["PreviousState"]["Name"] == "terminated", t)
    aws(srv, "terminate-instances", "--instance-ids", "i-nope", error="InvalidInstanceID.NotFound")
    # the retention is 60 s here: then forgotten, and a restart does not bring it back
    time.sleep(max(0, terminated + ShortRetention.retention + 1.5 - time.time()))
    aws(srv, "describe-instances", "--instance-ids", iid, error="InvalidInstanceID.NotFound")
    ids = [x["Instances"][0]["InstanceId"] for x in
           aws(srv, "describe-instances")["Reservations"]]
    check(iid not in ids and "i-2" not in ids and "i-1" in ids, ids)
    srv.stop()
    srv.start()
    aws(srv, "describe-instances", "--instance-ids", "i-2", error="InvalidInstanceID.NotFound")


def restart_gives_the_same_instances_on_the_same_ports(srv):
    eni = aws(srv, "create-network-interface", "--subnet-id", "subnet-b")[
        "NetworkInterface"]["NetworkInterfaceId"]
    a = aws(srv, *RUN, "--count", "3", "--subnet-id", "subnet-a",
            "--secondary-private-ip-address-count", "2", "--ipv6-address-count", "1")
    b = aws(srv, *RUN, "--network-interfaces",
            '[{"DeviceIndex":0,"SubnetId":"subnet-a"},{"DeviceIndex":1,"NetworkInterfaceId":"%s"}]'
            % eni)
    gone = a["Instances"][1]["InstanceId"]
    aws(srv, "terminate-instances", "--instance-ids", gone, "i-3")
    aws(srv, "stop-instances", "--instance-ids", a["Instances"][2]["InstanceId"])
    want_api = aws(srv, "describe-instances")
    want = dump(srv)
    check("state=terminated" in want and " port=1 " in want, want)
    srv.stop()
    srv.start()
    check(dump(srv) == want, "after a restart:\n%s\nwanted:\n%s" % (dump(srv), want))
    check(aws(srv, "describe-instances") == want_api, "describe-instances differs")
    # and it goes on from there: the next launch is placed by the same rule
    aws(srv, "terminate-instances", "--instance-ids", b["Instances"][0]["InstanceId"])
    aws(srv, *RUN, "--subnet-id", "subnet-a")
    want = dump(srv)
    srv.stop()
    srv.start()
    check(dump(srv) == want, "after a second restart")


def deltas_of_partial_launches_match_the_model(srv):
    """Run on api_server too, whose reference map (every delta applied) must equal the
    model when it exits: a launch stopped by capacity publishes only what it kept."""
    r = aws(srv, *RUN, "--count", "2:3", "--subnet-id", "subnet-t",
            "--secondary-private-ip-address-count", "3", "--ipv6-address-count", "0")
    check(len(r["Instances"]) == 2, r)
    aws(srv, *RUN, "--subnet-id", "subnet-a", "--private-ip-address", "10.0.1.10",
        error="InvalidIPAddress.InUse")
    r = aws(srv, *RUN, "--count", "1:20", "--subnet-id", "subnet-a", "--ipv6-address-count", "1")
    check(len(r["Instances"]) == 5, len(r["Instances"]))
    ids = [x["InstanceId"] for x in r["Instances"]][:3] + ["i-1"]
    aws(srv, "terminate-instances", "--instance-ids", *ids)


CASES = [
    (run_with_secondary_private_ip_addresses, LaunchServer),
    (run_with_counts_and_ipv6, LaunchServer),
    (run_with_two_network_interfaces_and_an_existing_eni, LaunchServer),
    (count_range_and_instance_limit, LaunchServer),
    (limits_and_bad_input_refused_at_launch, LaunchServer),
    (terminate_then_describe_and_after_the_retention, ShortRetention),
    (restart_gives_the_same_instances_on_the_same_ports, LaunchServer),
    (deltas_of_partial_launches_match_the_model, LaunchServer),
]


def main():
    engine = sys.argv[1]
    wanted = set(sys.argv[2:])
    failed = 0
    for case, cls in CASES:
        if wanted and case.__name__ not in wanted:
            continue
        # run_cases builds its own Server: give it this case's class
        import apitest
        saved = apitest.Server
        apitest.Server = cls
        try:
            run_cases([case], [engine], "instances")
        except SystemExit as e:
            failed += 1 if e.code else 0
        finally:
            apitest.Server = saved
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
