#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crash safety: kill -9 the server while a client streams operations,
restart it on the same configuration and journal, and check that every
acknowledged operation is there and that no operation is there by half.

Each operation is all-or-nothing with several parts: CreateNetworkInterface
with 3 secondary addresses (4 addresses), DeleteNetworkInterface of an
earlier one, and AllocateAddress + AssociateAddress pairs are not mixed in (an
associate is checked on its own). Three kill/restart rounds on one journal.

usage: crash.py SERVER
"""
import random
import sys
import threading
import time

import boto3
from botocore.config import Config

from apitest import ACCESS_KEY, REGION, SECRET_KEY, Server, check, run_cases


def client(srv):
    return boto3.client("ec2", endpoint_url=srv.url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(retries={"max_attempts": 1}, connect_timeout=2,
                                      read_timeout=10))


class Stream(threading.Thread):
    """Create and delete ENIs, recording what the server acknowledged."""

    def __init__(self, srv, rnd, existing):
        super().__init__(daemon=True)
        self.ec2 = client(srv)
        self.rnd = rnd
        self.created = {}       # acknowledged: eni id -> its 4 addresses
        self.deleted = set()    # acknowledged deletions
        self.alive = list(existing)
        self.in_flight = None
        self.stop = False
        self.ops = 0

    def run(self):
        while not self.stop:
            try:
                if self.alive and self.rnd.random() < 0.3:
                    eni = self.alive.pop(self.rnd.randrange(len(self.alive)))
                    self.in_flight = ("delete", eni)
                    self.ec2.delete_network_interface(NetworkInterfaceId=eni)
                    self.deleted.add(eni)
                else:
                    self.in_flight = ("create", None)
                    e = self.ec2.create_network_interface(
                        SubnetId="subnet-big", SecondaryPrivateIpAddressCount=3)
                    ni = e["NetworkInterface"]
                    self.created[ni["NetworkInterfaceId"]] = sorted(
                        a["PrivateIpAddress"] for a in ni["PrivateIpAddresses"])
                    self.alive.append(ni["NetworkInterfaceId"])
                self.in_flight = None
                self.ops += 1
            except Exception:  # noqa: BLE001 - the server was killed under us
                return


def enis_on_big(srv):
    out = {}
    for n in client(srv).describe_network_interfaces(
            Filters=[{"Name": "subnet-id", "Values": ["subnet-big"]}])["NetworkInterfaces"]:
        out[n["NetworkInterfaceId"]] = sorted(a["PrivateIpAddress"] for a in n["PrivateIpAddresses"])
    return out


def acknowledged_operations_survive_kill_9(srv):
    rnd = random.Random(7)
    acked = {}       # eni -> addresses, acknowledged and not deleted
    total_ops = 0
    for round_ in range(3):
        s = Stream(srv, rnd, acked.keys())
        s.start()
        # some progress first (a loaded machine is slow to start the client), then a kill at a
        # random point of the stream
        deadline = time.monotonic() + 30
        while s.ops <= 5 and s.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rnd.random())
        srv.kill9()
        s.stop = True
        s.join(timeout=15)
        check(s.ops > 5, "round %d: the client made progress (%d ops)" % (round_, s.ops))
        total_ops += s.ops
        for eni in s.deleted:
            acked.pop(eni, None)
        acked.update({e: a for e, a in s.created.items() if e not in s.deleted})
        srv.start()  # same configuration, same journal
        got = enis_on_big(srv)
        # a delete in flight at the kill may or may not have landed: either is right
        if s.in_flight and s.in_flight[0] == "delete":
            gone = s.in_flight[1]
            if gone not in got:
                acked.pop(gone, None)
        for eni, addrs in acked.items():
            check(eni in got, "round %d: acknowledged %s lost" % (round_, eni))
            check(got[eni] == addrs, "round %d: %s has %s, acknowledged %s" %
                  (round_, eni, got[eni], addrs))
        for eni in s.deleted:
            check(eni not in got, "round %d: acknowledged deletion of %s lost" % (round_, eni))
        extra = set(got) - set(acked)
        # only the one operation in flight at the kill may have landed unacknowledged
        check(len(extra) <= 1, "round %d: unacknowledged ENIs %s" % (round_, extra))
        for eni in extra:
            check(len(got[eni]) == 4, "half an operation: %s has %s" % (eni, got[eni]))
            acked[eni] = got[eni]
        # every address is owned once: no half-moved addresses
        flat = [a for v in got.values() for a in v]
        check(len(flat) == len(set(flat)), "an address owned twice")
    print("    %d acknowledged operations over 3 kills, %d ENIs at the end" %
          (total_ops, len(acked)))


def torn_journal_tail_is_ignored(srv):
    """A torn last record (a crash in the middle of a write) is dropped with a warning."""
    ec2 = client(srv)
    eni = ec2.create_network_interface(SubnetId="subnet-big")["NetworkInterface"]
    srv.kill9()
    with open(srv.journal, "ab") as f:
        f.write(b"\x40\x00\x00\x00\x12\x34")  # a header promising more than is there
    srv.start()
    check(eni["NetworkInterfaceId"] in enis_on_big(srv), "the good records replayed")
    check("torn last record" in srv.read_log(), "warned")
    ec2 = client(srv)
    ec2.create_network_interface(SubnetId="subnet-big")
    srv.kill9()
    srv.start()
    check(len(enis_on_big(srv)) == 2, "appends after the cut replay too")


if __name__ == "__main__":
    run_cases([acknowledged_operations_survive_kill_9, torn_journal_tail_is_ignored],
              [sys.argv[1]], "crash")
