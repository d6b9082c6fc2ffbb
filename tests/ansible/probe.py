#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""What an engine answers to each kind of EC2 call a client sends: replays
the calls of a record (ec2_record.py's JSON lines, e.g. from `run.py --moto
--record FILE`) against the enimap program started on tests/api/world.yaml,
once per distinct action, parameter shape and filter set, ids rewritten to
that world's objects (vpc-1, subnet-a, eni-0, i-1, eipalloc-c, 10.0.1.x). Prints one line
per call: the action, its parameters, and OK or the error code and message.
A development aid to see which actions, parameters and filters are still
missing; not a test (it has no expected answers).

usage: probe.py ENIMAP RECORD
"""
import json
import os
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
from apitest import ACCESS_KEY, REGION, SECRET_KEY, Server  # noqa: E402

IDS = [(r"\bvpc-[0-9a-f]{8,17}\b", "vpc-1"), (r"\bsubnet-[0-9a-f]{8,17}\b", "subnet-a"),
       (r"\beni-[0-9a-f]{8,17}\b", "eni-0"), (r"\bi-[0-9a-f]{8,17}\b", "i-1"),
       (r"\beipalloc-[0-9a-f]{8,17}\b", "eipalloc-c"),
       (r"^10\.20\.1\.", "10.0.1.")]  # world.yml's subnet a -> world.yaml's subnet-a


def shape(rec):
    p = rec["params"]
    keys = sorted({re.sub(r"\.\d+", ".N", k) for k in p if not k.startswith("Filter.")})
    filters = sorted(v for k, v in p.items() if re.fullmatch(r"Filter\.\d+\.Name", k))
    return rec["action"], tuple(keys), tuple(filters)


def post(url, params):
    body = urllib.parse.urlencode(params)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    req = AWSRequest(method="POST", url=url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ec2", REGION).add_auth(req)
    r = urllib.request.Request(url + "/", data=body.encode(), headers=dict(req.headers.items()),
                               method="POST")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def main(exe, record):
    seen = set()
    calls = []
    with open(record) as f:
        for line in f:
            rec = json.loads(line)
            if shape(rec) not in seen:
                seen.add(shape(rec))
                calls.append(rec)
    srv = Server([exe], tempfile.mkdtemp(prefix="enimap-probe-"))
    srv.start()
    try:
        for rec in calls:
            params = {"Action": rec["action"], "Version": "2016-11-15"}
            for k, v in rec["params"].items():
                for pat, rep in IDS:
                    v = [re.sub(pat, rep, x) for x in v] if isinstance(v, list) else re.sub(pat, rep, v)
                params[k] = v
            status, text = post(srv.url, params)
            if status == 200:
                answer = "OK"
            else:
                code = re.search(r"<Code>([^<]*)</Code>", text)
                msg = re.search(r"<Message>([^<]*)</Message>", text)
                answer = "%s %s: %s" % (status, code.group(1) if code else "?",
                                        msg.group(1) if msg else text[:200])
            action, keys, filters = shape(rec)
            print("%-34s %-60s %s" % (action, " ".join(keys) + (" filters=" + ",".join(filters)
                                                                 if filters else ""), answer))
    finally:
        srv.stop()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
