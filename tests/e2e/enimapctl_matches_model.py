#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""enimapctl reads back the tables the workers use, and they equal the model.

Starts enimap on net_null ports (null_ports.yaml: no traffic, no namespaces,
security groups enforced), applies random batches of model operations through
`enimapctl` (assign / unassign / reassign private IPv4, assign / unassign IPv6,
allocate / associate / disassociate / release EIPs), and after each batch:
  - `enimapctl --json enis` lists exactly the ENIs of the model's dump with
    exactly their IPv4 and IPv6 addresses, each IPv4 with the EIP the model
    associates to it;
  - `enimapctl --json nat` lists exactly the model's associations;
  - `enimapctl --json routes` lists exactly the model's routes;
  - `enimapctl check` prints nothing and exits 0.
Then the exit codes: 2 for a refused command (its ERR line on stderr) and a
usage error, 3 for a socket that is not there.

Environment: ENIMAP, ENIMAPCTL = the binaries (set by meson); ENIMAP_SEED.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENIMAP = os.environ["ENIMAP"]
CTL = os.environ["ENIMAPCTL"]
BATCHES = 12
OPS_PER_BATCH = 8


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Engine:
    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "ctl.sock")
        self.log = open(os.path.join(tmp, "engine.log"), "w+")
        self.p = subprocess.Popen([ENIMAP, "-c", os.path.join(HERE, "null_ports.yaml"),
                                   "--control", self.sock], stdout=self.log,
                                  stderr=subprocess.STDOUT)
        for _ in range(200):
            if self.p.poll() is not None:
                fail("enimap exited at start: " + self.tail())
            if os.path.exists(self.sock) and self.ctl("help").returncode == 0:
                return
            time.sleep(0.1)
        fail("enimap not ready in 20 s")

    def tail(self):
        self.log.flush()
        self.log.seek(0)
        return "".join(self.log.readlines()[-20:])

    def ctl(self, *args, sock=None):
        return subprocess.run([CTL, "-s", sock or self.sock] + list(args),
                              capture_output=True, text=True, timeout=30)

    def ok(self, *args):
        r = self.ctl(*args)
        if r.returncode != 0:
            fail("enimapctl %s: exit %d: %s%s" % (" ".join(args), r.returncode, r.stdout,
                                                  r.stderr))
        return r.stdout

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        shutil.rmtree("/var/run/dpdk/enimap-%d" % self.p.pid, ignore_errors=True)


def model_view(dump):
    """The model's ENIs {id: (set v4, set v6)}, associations {eip: (private, eni)},
    routes {(rtb, dest): target}, EIPs {alloc: (public, assoc or None)}."""
    enis, nat, routes, eips = {}, {}, {}, {}
    cur, rtb = None, None
    for line in dump.splitlines():
        w = line.split()
        if not w:
            continue
        if line.startswith("eni "):
            cur = w[1]
            enis[cur] = (set(), set())
            rtb = None
        elif line.startswith("route-table "):
            rtb, cur = w[1], None
        elif line.startswith("eip "):
            kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
            eips[w[1]] = (kv["public"], kv.get("association"))
            if kv.get("association", "-") not in ("-", None) and "private" in kv:
                nat[kv["public"]] = (kv["private"], kv["eni"])
            cur = rtb = None
        elif line.startswith("  ") and cur is not None and w[0] in ("primary", "secondary"):
            enis[cur][0].add(w[1])
        elif line.startswith("  ") and cur is not None and w[0] == "ipv6":
            enis[cur][1].add(w[1])
        elif line.startswith("  route ") and rtb is not None:
            routes[(rtb, w[1])] = w[3]
        elif not line.startswith("  "):
            cur = rtb = None
    return enis, nat, routes, eips


def compare(e, batch):
    enis, nat, routes, _ = model_view(e.ok("dump"))
    got = json.loads(e.ok("--json", "enis"))
    got_enis = {x["eni"]: ({a["address"] for a in x["ipv4"]}, set(x["ipv6"])) for x in got}
    if got_enis != enis:
        fail("batch %d: enis differ:\n tables %s\n model  %s" % (batch, got_enis, enis))
    eip_of = {priv: pub for pub, (priv, _) in nat.items()}
    for x in got:
        for a in x["ipv4"]:
            if a["eip"] != eip_of.get(a["address"]):
                fail("batch %d: %s %s has EIP %s in the tables, %s in the model" %
                     (batch, x["eni"], a["address"], a["eip"], eip_of.get(a["address"])))
    got_nat = {x["public_ip"]: (x["private_ip"], x["eni"]) for x in json.loads(e.ok("--json", "nat"))}
    if got_nat != nat:
        fail("batch %d: nat differs:\n tables %s\n model  %s" % (batch, got_nat, nat))
    got_routes = {(x["route_table"], x["destination"]): x["eni"] if x["target"] == "eni"
                  else x["target"] for x in json.loads(e.ok("--json", "routes"))}
    if got_routes != routes:
        fail("batch %d: routes differ:\n tables %s\n model  %s" % (batch, got_routes, routes))
    r = e.ctl("check")
    if r.returncode != 0 or r.stdout != "":
        fail("batch %d: check exit %d, said %r %r" % (batch, r.returncode, r.stdout, r.stderr))
    return sum(len(v[0]) for v in enis.values()), len(nat)


def random_op(e, rnd):
    enis, nat, _, eips = model_view(e.ok("dump"))
    eni = rnd.choice(sorted(enis))
    kind = rnd.choice(["assign", "assign", "unassign", "reassign", "assign6", "unassign6",
                       "allocate", "associate", "associate", "disassociate", "release"])
    if kind == "assign":
        return ("assign", eni, "--count", str(rnd.randint(1, 2)))
    if kind == "reassign":
        others = [a for n, (v4, _) in enis.items() if n != eni for a in v4]
        if others:
            return ("assign", eni, rnd.choice(sorted(others)), "--allow-reassignment")
    if kind == "unassign" and len(enis[eni][0]) > 1:
        # the primary cannot go (the model refuses it: also fine, exit 2)
        return ("unassign", eni, rnd.choice(sorted(enis[eni][0])))
    if kind == "assign6":
        return ("assign6", eni, "--count", "1")
    if kind == "unassign6" and enis[eni][1]:
        return ("unassign6", eni, rnd.choice(sorted(enis[eni][1])))
    if kind == "allocate":
        return ("allocate",)
    free = [a for a, (_, assoc) in eips.items() if assoc in (None, "-")]
    used = [a for a, (_, assoc) in eips.items() if assoc not in (None, "-")]
    if kind == "associate" and eips:
        addr = rnd.choice(sorted(enis[eni][0]))
        return ("associate", rnd.choice(sorted(eips)), eni, addr)
    if kind == "disassociate" and used:
        return ("disassociate", rnd.choice(used))
    if kind == "release" and free:
        return ("release", rnd.choice(free))
    return ("assign", eni, "--count", "1")


def main():
    seed = int(os.environ.get("ENIMAP_SEED", str(int(time.time()))))
    rnd = random.Random(seed)
    print("seed %d" % seed)
    tmp = tempfile.mkdtemp(prefix="enimapctl.")
    e = None
    try:
        e = Engine(tmp)
        compare(e, 0)
        applied = refused = 0
        for b in range(1, BATCHES + 1):
            for _ in range(OPS_PER_BATCH):
                op = random_op(e, rnd)
                r = e.ctl(*op)
                if r.returncode == 0:
                    applied += 1
                elif r.returncode == 2 and r.stderr.startswith("ERR "):
                    refused += 1  # the model said no (a full ENI, an address in use...)
                else:
                    fail("%s: exit %d: %r %r" % (" ".join(op), r.returncode, r.stdout, r.stderr))
            v4, assoc = compare(e, b)
            print("batch %d: %d IPv4, %d associations: listings equal the model, check empty"
                  % (b, v4, assoc))
        if applied < BATCHES * OPS_PER_BATCH // 2:
            fail("only %d of %d operations applied: the test did not exercise much" %
                 (applied, BATCHES * OPS_PER_BATCH))
        print("%d operations applied, %d refused by the model" % (applied, refused))

        r = e.ctl("frobnicate")
        if r.returncode != 2 or not r.stderr.startswith("ERR InvalidAction"):
            fail("unknown command: exit %d, stderr %r" % (r.returncode, r.stderr))
        r = e.ctl("assign", "eni-nope", "--count", "1")
        if r.returncode != 2 or not r.stderr.startswith("ERR InvalidNetworkInterfaceID"):
            fail("unknown ENI: exit %d, stderr %r" % (r.returncode, r.stderr))
        r = subprocess.run([CTL, "-s", e.sock], capture_output=True, text=True)
        if r.returncode != 2:
            fail("no command: exit %d" % r.returncode)
        r = e.ctl("stats", sock=os.path.join(tmp, "no-such.sock"))
        if r.returncode != 3:
            fail("missing socket: exit %d, stderr %r" % (r.returncode, r.stderr))
        print("PASS: exit codes 2 (refused, usage) and 3 (no socket)")
    finally:
        if e is not None:
            e.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
