#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Differential test: the same scenario, through the real AWS CLI, against
enimap's API and against moto_server (a well-known EC2 emulator). Steps
marked "agree" must give the same answer on both; steps marked "differ" are
where SPEC.md and moto part ways (docs/api.md has the table): for those the
enimap answer is checked against SPEC.md and moto's is only shown.

usage: differential.py SERVER
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from apitest import AwsError, Server, aws, check, free_port


class Moto:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto_server did not start")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def outcome(srv, args):
    """("ok", json) or ("error", code)."""
    try:
        return ("ok", aws(srv, *args))
    except AwsError as e:
        text = str(e)
        start = text.find("An error occurred (")
        if start < 0:
            return ("error", text[:200])
        return ("error", text[start + 19:text.find(")", start)])


def ips(r):
    return [(a["PrivateIpAddress"], a["Primary"])
            for a in r["NetworkInterfaces"][0]["PrivateIpAddresses"]]


def assigned(r):
    return sorted(a["PrivateIpAddress"] for a in r.get("AssignedPrivateIpAddresses", []))


def addr(r):
    a = r["Addresses"][0]
    return (a.get("NetworkInterfaceId") is not None, a.get("PrivateIpAddress"))


def main(server_cmd):
    if shutil.which("aws") is None or shutil.which("moto_server") is None:
        print("FAIL: aws and moto_server are required")
        return 1
    tmp = tempfile.mkdtemp(prefix="enimap-diff-")
    ours = Server(server_cmd, tmp).start()
    moto = Moto()
    failures = []
    try:
        # moto starts empty: give it the same VPC, subnet and ENI as world.yaml's eni-0
        vpc = aws(moto, "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
        sub = aws(moto, "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
                  "--availability-zone", "us-east-1a")["Subnet"]["SubnetId"]
        meni = aws(moto, "create-network-interface", "--subnet-id", sub,
                   "--private-ip-address", "10.0.1.10")["NetworkInterface"]["NetworkInterfaceId"]
        state = {"ours": {"eni": "eni-0"}, "moto": {"eni": meni}}

        def step(name, kind, args, project, spec=None):
            """kind "agree": same projection on both; "differ": ours must equal spec."""
            res = {}
            for side, srv in (("ours", ours), ("moto", moto)):
                a = [x.format(**state[side]) for x in args]
                st, val = outcome(srv, a)
                res[side] = (st, project(val) if st == "ok" and project else val)
                if st == "ok" and name in savers:
                    savers[name](side, val)
            same = res["ours"] == res["moto"]
            if kind == "agree" and not same:
                failures.append(name)
            if kind == "differ" and res["ours"] != spec:
                failures.append(name)
            print("%-6s %-46s ours=%s moto=%s" % ("same" if same else "DIFF", name,
                                                   res["ours"], res["moto"]), flush=True)

        savers = {
            "allocate-address": lambda side, v: state[side].update(alloc=v["AllocationId"]),
            "associate-address to a secondary":
                lambda side, v: state[side].update(assoc=v["AssociationId"]),
            "allocate a second address":
                lambda side, v: state[side].update(alloc2=v["AllocationId"]),
        }
        step("assign two: lists what it assigned", "differ",
             ["assign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.20", "10.0.1.21"], assigned,
             ("ok", ["10.0.1.20", "10.0.1.21"]))
        step("describe: primary and secondary flags", "agree",
             ["describe-network-interfaces", "--network-interface-ids", "{eni}"], ips)
        step("assign again: lists only the new (R10)", "differ",
             ["assign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.21", "10.0.1.22"], assigned,
             ("ok", ["10.0.1.22"]))
        step("unassign one", "agree",
             ["unassign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.20"], None)
        step("describe after unassign", "agree",
             ["describe-network-interfaces", "--network-interface-ids", "{eni}"], ips)
        step("assign outside the subnet (R1)", "differ",
             ["assign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.9.9.9"], assigned,
             ("error", "InvalidParameterValue"))
        step("assign a reserved address (R2)", "differ",
             ["assign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.1"], assigned,
             ("error", "InvalidParameterValue"))
        step("unassign an address not owned (R11)", "differ",
             ["unassign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.99"], None, ("error", "InvalidParameterValue"))
        step("unknown ENI (R21)", "agree",
             ["assign-private-ip-addresses", "--network-interface-id", "eni-00000000000000000",
              "--private-ip-addresses", "10.0.1.30"], None)
        step("allocate-address", "agree", ["allocate-address", "--domain", "vpc"],
             lambda v: (v["Domain"], v["AllocationId"].startswith("eipalloc-")))
        step("associate-address to a secondary", "agree",
             ["associate-address", "--allocation-id", "{alloc}", "--network-interface-id",
              "{eni}", "--private-ip-address", "10.0.1.21"],
             lambda v: v["AssociationId"].startswith("eipassoc-"))
        step("describe-addresses: ENI and private IP", "differ",
             ["describe-addresses", "--allocation-ids", "{alloc}"], addr,
             ("ok", (True, "10.0.1.21")))
        step("disassociate-address", "agree",
             ["disassociate-address", "--association-id", "{assoc}"], None)
        step("describe-addresses after disassociate", "differ",
             ["describe-addresses", "--allocation-ids", "{alloc}"], addr, ("ok", (False, None)))
        step("disassociate unknown (R15)", "differ",
             ["disassociate-address", "--association-id", "eipassoc-00000000000000000"], None,
             ("error", "InvalidAssociationID.NotFound"))
        step("release-address", "agree", ["release-address", "--allocation-id", "{alloc}"], None)
        step("allocate a second address", "agree", ["allocate-address"],
             lambda v: v["Domain"])
        step("associate it with the primary", "agree",
             ["associate-address", "--allocation-id", "{alloc2}", "--network-interface-id",
              "{eni}"], lambda v: v["AssociationId"].startswith("eipassoc-"))
        step("release an associated EIP (R16)", "differ",
             ["release-address", "--allocation-id", "{alloc2}"], None,
             ("error", "InvalidIPAddress.InUse"))
        step("source/dest check off (R23)", "agree",
             ["modify-network-interface-attribute", "--network-interface-id", "{eni}",
              "--no-source-dest-check"], None)
        step("describe: source/dest check", "agree",
             ["describe-network-interfaces", "--network-interface-ids", "{eni}"],
             lambda v: v["NetworkInterfaces"][0]["SourceDestCheck"])
        step("instance type limits (t3.medium)", "agree",
             ["describe-instance-types", "--instance-types", "t3.medium"],
             lambda v: (v["InstanceTypes"][0]["NetworkInfo"]["MaximumNetworkInterfaces"],
                        v["InstanceTypes"][0]["NetworkInfo"]["Ipv4AddressesPerInterface"],
                        v["InstanceTypes"][0]["NetworkInfo"]["Ipv6AddressesPerInterface"]))
        step("count and list together (R7)", "differ",
             ["assign-private-ip-addresses", "--network-interface-id", "{eni}",
              "--private-ip-addresses", "10.0.1.40", "--secondary-private-ip-address-count",
              "1"], assigned, ("error", "InvalidParameterCombination"))
        rc = ours.stop()
        check(rc == 0, "enimap's server exited %d" % rc)
    finally:
        moto.stop()
        if ours.proc:
            ours.proc.kill()
            ours.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAIL: " + ", ".join(failures))
        return 1
    print("differential: every 'agree' step agreed; every 'differ' step answered as SPEC.md says")
    return 0


if __name__ == "__main__":
    sys.exit(main([sys.argv[1]]))
