#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pages (SPEC R30) and tags (R27) at scale, with real clients against the
real enimap program: 10,000 ENIs on 1,000 instances and 2,000 EIPs from a
configuration written by scripts/gen-config.py, 10,000 tags made with
boto3's create_tags. boto3's paginators for describe_network_interfaces,
describe_instances and describe_tags return each object exactly once with
PageSize 5, 1000 and the default (no MaxResults); describe_addresses (EC2
has no paginator for it) returns every EIP once, and pages too when asked
with MaxResults; the AWS CLI's automatic paging (--page-size 100) returns
every ENI; objects created between pages never make a page repeat or skip
one; a token from another request, or from before a restart, is refused.

usage: pages.py ENIMAP [CASE...]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import boto3
import botocore.config
from botocore.exceptions import ClientError

from apitest import ACCESS_KEY, HERE, REGION, SECRET_KEY, Server, aws, check

N_ENIS = 10000
N_INSTANCES = 1000
N_EIPS = 2000
GEN = os.path.join(HERE, "..", "..", "scripts", "gen-config.py")


def write_config(srv):
    """The generated world, with the API on srv's port and net_null ports."""
    out = subprocess.run([sys.executable, GEN, "--v4", str(N_ENIS), "--per-eni", "1",
                          "--enis-per-instance", str(N_ENIS // N_INSTANCES),
                          "--eips", str(N_EIPS)],
                         check=True, capture_output=True, text=True).stdout
    lines = []
    for line in out.splitlines():
        if "net_af_packet0" in line:
            continue  # no uplink: the API tests need none
        if "net_af_packet1" in line:
            line = '    - {name: host0, role: host, device: "net_null0"}'
        if line.startswith("api:"):
            line = ('api:\n  listen: "127.0.0.1:%d"\n  region: %s\n  journal: "%s"\n'
                    '  credentials:\n    - {access_key_id: "%s", secret_access_key: "%s"}'
                    % (srv.port, REGION, srv.journal, ACCESS_KEY, SECRET_KEY))
        lines.append(line)
    with open(srv.config, "w") as f:
        f.write("\n".join(lines) + "\n")


def ec2(srv):
    return boto3.client("ec2", endpoint_url=srv.url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=botocore.config.Config(retries={"max_attempts": 1},
                                                      read_timeout=120))


def paginate(client, op, key, item_id, page_size):
    """Every item of a paginated call, and the number of pages."""
    conf = {"PageSize": page_size} if page_size else {}
    ids, pages = [], 0
    for page in client.get_paginator(op).paginate(PaginationConfig=conf):
        got = [item_id(x) for x in page[key]]
        check(page_size is None or len(got) <= page_size, "page of %d" % len(got))
        ids += got
        pages += 1
    return ids, pages


def exactly_once(ids, want, what):
    check(len(ids) == len(set(ids)), "%s: %d returned, %d distinct"
          % (what, len(ids), len(set(ids))))
    check(set(ids) == set(want), "%s: %d missing, %d unexpected"
          % (what, len(set(want) - set(ids)), len(set(ids) - set(want))))


ENI_IDS = ["eni-%06d" % j for j in range(N_ENIS)]
INSTANCE_IDS = ["i-%05d" % i for i in range(N_INSTANCES)]
EIP_IDS = ["eipalloc-%08d" % k for k in range(N_EIPS)]


def tag_every_eni(client):
    for k in range(0, N_ENIS, 1000):
        client.create_tags(Resources=ENI_IDS[k:k + 1000],
                           Tags=[{"Key": "batch", "Value": str(k // 1000)}])


# ---- cases ----

def paginators_return_each_eni_instance_and_tag_once(srv):
    c = ec2(srv)
    tag_every_eni(c)
    for size, want_pages in ((5, N_ENIS // 5), (1000, N_ENIS // 1000), (None, 1)):
        ids, pages = paginate(c, "describe_network_interfaces", "NetworkInterfaces",
                              lambda x: x["NetworkInterfaceId"], size)
        exactly_once(ids, ENI_IDS, "describe_network_interfaces PageSize=%s" % size)
        check(ids == ENI_IDS, "ENIs not in creation order")
        check(pages == want_pages, "PageSize=%s: %d pages" % (size, pages))
    for size in (5, 1000, None):
        ids, pages = paginate(c, "describe_instances", "Reservations",
                              lambda r: r["Instances"][0]["InstanceId"], size)
        exactly_once(ids, INSTANCE_IDS, "describe_instances PageSize=%s" % size)
        check(pages == (N_INSTANCES // size if size else 1), "%d pages" % pages)
    for size in (5, 1000, None):
        ids, pages = paginate(c, "describe_tags", "Tags",
                              lambda t: (t["ResourceId"], t["Key"]), size)
        exactly_once(ids, [(e, "batch") for e in ENI_IDS], "describe_tags PageSize=%s" % size)
        check(pages == (N_ENIS // size if size else 1), "%d pages" % pages)
    # tags in every Describe, and the tag filters
    r = c.describe_network_interfaces(Filters=[{"Name": "tag:batch", "Values": ["3"]}])
    got = [x["NetworkInterfaceId"] for x in r["NetworkInterfaces"]]
    check(got == ENI_IDS[3000:4000], "tag:batch=3 gave %d" % len(got))
    check(r["NetworkInterfaces"][0]["TagSet"] == [{"Key": "batch", "Value": "3"}],
          r["NetworkInterfaces"][0].get("TagSet"))
    ids, _ = paginate(c, "describe_tags", "Tags", lambda t: t["ResourceId"], 100)
    r = c.get_paginator("describe_tags").paginate(
        Filters=[{"Name": "value", "Values": ["9"]}], PaginationConfig={"PageSize": 7})
    got = [t["ResourceId"] for page in r for t in page["Tags"]]
    check(got == ENI_IDS[9000:], "value=9 gave %d" % len(got))


def addresses_are_listed_once_and_page_when_asked(srv):
    c = ec2(srv)
    r = c.describe_addresses()["Addresses"]
    exactly_once([a["AllocationId"] for a in r], EIP_IDS, "describe_addresses")
    # EC2's API has no MaxResults here; enimap's frame takes it all the same
    from apitest import signed_post
    import re
    token, ids = "", []
    while True:
        body = "Action=DescribeAddresses&Version=2016-11-15&MaxResults=500"
        if token:
            body += "&NextToken=" + token
        status, text = signed_post(srv, body)
        check(status == 200, text[:300])
        ids += re.findall(r"<allocationId>([^<]+)</allocationId>", text)
        m = re.search(r"<nextToken>([^<]+)</nextToken>", text)
        if not m:
            break
        token = m.group(1)
    exactly_once(ids, EIP_IDS, "DescribeAddresses MaxResults=500")


def cli_automatic_paging_returns_every_eni(srv):
    r = aws(srv, "describe-network-interfaces", "--page-size", "100")
    ids = [x["NetworkInterfaceId"] for x in r["NetworkInterfaces"]]
    exactly_once(ids, ENI_IDS, "aws ec2 describe-network-interfaces --page-size 100")
    # --max-items cuts, and its token goes on where it stopped
    r = aws(srv, "describe-network-interfaces", "--page-size", "50", "--max-items", "120")
    first = [x["NetworkInterfaceId"] for x in r["NetworkInterfaces"]]
    check(first == ENI_IDS[:120] and r.get("NextToken"), (len(first), r.get("NextToken")))
    r = aws(srv, "describe-network-interfaces", "--page-size", "50", "--max-items", "120",
            "--starting-token", r["NextToken"])
    check([x["NetworkInterfaceId"] for x in r["NetworkInterfaces"]] == ENI_IDS[120:240],
          "the CLI's --starting-token")


def changes_between_pages_repeat_or_skip_nothing(srv):
    c = ec2(srv)
    seen, token, made = [], None, []
    while True:
        kw = {"MaxResults": 1000}
        if token:
            kw["NextToken"] = token
        page = c.describe_network_interfaces(**kw)
        seen += [x["NetworkInterfaceId"] for x in page["NetworkInterfaces"]]
        token = page.get("NextToken")
        if not token:
            break
        # a new ENI between every two pages, and one of them deleted again
        made.append(c.create_network_interface(SubnetId="subnet-000")["NetworkInterface"]
                    ["NetworkInterfaceId"])
        if len(made) == 3:
            c.delete_network_interface(NetworkInterfaceId=made[0])
    check(len(seen) == len(set(seen)), "a page repeated an ENI")
    check(set(ENI_IDS) <= set(seen), "a page skipped %d ENIs" % len(set(ENI_IDS) - set(seen)))
    check(set(made[1:]) <= set(seen), "ENIs created during the walk come at its end")


def bad_pages_are_refused(srv):
    c = ec2(srv)
    page = c.describe_network_interfaces(MaxResults=5)
    token = page["NextToken"]

    def code(fn, **kw):
        try:
            fn(**kw)
        except ClientError as e:
            return e.response["Error"]["Code"]
        return None

    check(code(c.describe_network_interfaces, MaxResults=5, NextToken=token) is None, "same")
    check(code(c.describe_subnets, MaxResults=5, NextToken=token) == "InvalidNextToken",
          "a token of another action")
    check(code(c.describe_network_interfaces, MaxResults=5, NextToken=token,
               Filters=[{"Name": "status", "Values": ["in-use"]}]) == "InvalidNextToken",
          "a token of other filters")
    check(code(c.describe_network_interfaces, MaxResults=5, NextToken="x" + token) ==
          "InvalidNextToken", "an altered token")
    check(code(c.describe_tags, MaxResults=4) == "InvalidParameterValue", "MaxResults 4")
    check(code(c.describe_instances, MaxResults=1001) == "InvalidParameterValue", "1001")
    check(code(c.describe_instances, MaxResults=5, InstanceIds=["i-00000"]) ==
          "InvalidParameterCombination", "InstanceIds with MaxResults")
    # a token from before a restart is stale
    srv.stop()
    srv.start()
    c = ec2(srv)
    check(code(c.describe_network_interfaces, MaxResults=5, NextToken=token) ==
          "InvalidNextToken", "a token from before the restart")


def tags_survive_a_restart_and_compaction(srv):
    c = ec2(srv)
    tag_every_eni(c)
    c.delete_tags(Resources=ENI_IDS[:1000], Tags=[{"Key": "batch"}])
    eni = c.create_network_interface(SubnetId="subnet-000", TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": [{"Key": "Name", "Value": "spec"}]}])
    eni = eni["NetworkInterface"]
    check(eni["TagSet"] == [{"Key": "Name", "Value": "spec"}], eni.get("TagSet"))
    before = [t for p in c.get_paginator("describe_tags").paginate() for t in p["Tags"]]
    check(len(before) == N_ENIS - 1000 + 1, len(before))
    srv.stop()
    srv.start()
    c = ec2(srv)
    after = [t for p in c.get_paginator("describe_tags").paginate() for t in p["Tags"]]
    check(after == before, "tags after the restart differ")


CASES = [paginators_return_each_eni_instance_and_tag_once,
         addresses_are_listed_once_and_page_when_asked,
         cli_automatic_paging_returns_every_eni,
         changes_between_pages_repeat_or_skip_nothing,
         bad_pages_are_refused,
         tags_survive_a_restart_and_compaction]


def main():
    if shutil.which("aws") is None:
        print("FAIL: the aws CLI is not installed (it is required, not optional)")
        sys.exit(1)
    cases = [c for c in CASES if not sys.argv[2:] or c.__name__ in sys.argv[2:]]
    failed = []
    for case in cases:
        tmp = tempfile.mkdtemp(prefix="enimap-pages-")
        t0 = time.time()
        srv = Server([sys.argv[1]], tmp)
        try:
            write_config(srv)
            srv.start()
            case(srv)
            rc = srv.stop()
            check(rc == 0, "server exited %d: %s" % (rc, srv.read_log()[-2000:]))
            print("PASS %-60s %.1fs" % (case.__name__, time.time() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed.append(case.__name__)
            print("FAIL %s: %s" % (case.__name__, e), flush=True)
            traceback.print_exc()
            if srv.proc:
                srv.proc.kill()
                srv.proc.wait()
                srv._cleanup(srv.proc.pid)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d/%d passed" % (len(cases) - len(failed), len(cases)))
    if failed:
        print("failed: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
