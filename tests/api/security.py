#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Authentication and robustness of the API over HTTP: unsigned, wrongly
signed and replayed-late requests are refused with AuthFailure and change
nothing; malformed, oversized and random requests get a clear error, never a
crash; connections are bounded.

usage: security.py SERVER
"""
import datetime
import random
import socket
import sys
import time

from apitest import aws, check, run_cases, signed_post

ASSIGN = ("Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-0"
          "&PrivateIpAddress.1=10.0.1.20")


def state(srv):
    """Everything the API can change, as one comparable value."""
    return (aws(srv, "describe-network-interfaces"), aws(srv, "describe-addresses"),
            aws(srv, "describe-instances"))


def code_of(body):
    start = body.find("<Code>")
    return body[start + 6:body.find("</Code>")] if start >= 0 else None


def unsigned_request_is_refused(srv):
    before = state(srv)
    status, body = signed_post(srv, ASSIGN, sign=False)
    check(status == 400 and code_of(body) == "AuthFailure", (status, body))
    check("<RequestID>" in body, body)
    check(state(srv) == before, "nothing changed")


def wrong_secret_is_refused(srv):
    before = state(srv)
    aws(srv, "assign-private-ip-addresses", "--network-interface-id", "eni-0",
        "--private-ip-addresses", "10.0.1.20", secret="not-the-secret", error="AuthFailure")
    aws(srv, "describe-vpcs", access="AKIDUNKNOWN", error="AuthFailure")
    status, body = signed_post(srv, ASSIGN, secret="wrong")
    check(code_of(body) == "AuthFailure", body)
    check(state(srv) == before, "nothing changed")


def replayed_late_request_is_refused(srv):
    before = state(srv)
    late = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    status, body = signed_post(srv, ASSIGN, when=late)
    check(status == 400 and code_of(body) == "AuthFailure", (status, body))
    check("expired" in body, body)
    early = datetime.datetime.utcnow() + datetime.timedelta(minutes=20)
    status, body = signed_post(srv, ASSIGN, when=early)
    check(code_of(body) == "AuthFailure", body)
    check(state(srv) == before, "nothing changed")
    # the same request signed now is accepted: the refusals were for the date alone
    status, body = signed_post(srv, ASSIGN)
    check(status == 200 and "<privateIpAddress>10.0.1.20</privateIpAddress>" in body, body)


def tampered_body_is_refused(srv):
    """A valid signature over one body does not cover another."""
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from apitest import ACCESS_KEY, SECRET_KEY, REGION
    req = AWSRequest(method="POST", url=srv.url + "/", data="Action=DescribeVpcs",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ec2", REGION).add_auth(req)
    r = urllib.request.Request(srv.url + "/", data=ASSIGN.encode(), headers=dict(req.headers),
                               method="POST")
    try:
        urllib.request.urlopen(r, timeout=10)
        check(False, "accepted")
    except urllib.error.HTTPError as e:
        check(code_of(e.read().decode()) == "AuthFailure", "AuthFailure")
    check(all(a["PrivateIpAddress"] != "10.0.1.20" for a in aws(
        srv, "describe-network-interfaces", "--network-interface-ids", "eni-0")[
        "NetworkInterfaces"][0]["PrivateIpAddresses"]), "nothing assigned")


def malformed_requests_get_clear_errors(srv):
    before = state(srv)
    for body, code in [("Action=FlyToTheMoon", "InvalidAction"),
                       ("Version=2016-11-15", "MissingAction"),
                       ("Action=Assign%ZZ", "InvalidParameterValue"),
                       ("Action=DescribeVpcs&Action=DescribeVpcs", "InvalidParameterValue"),
                       ("Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0"
                        "&PrivateIpAddress.0=10.0.1.20", "InvalidParameterValue"),
                       ("Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0"
                        "&PrivateIpAddress.1=10.0.1.20&PrivateIpAddress.99999999=1",
                        "InvalidParameterValue"),
                       ("Action=DescribeNetworkInterfaces&Filter.1.Value.1=x",
                        "MissingParameter"),
                       ("Action=AttachNetworkInterface&NetworkInterfaceId=eni-c"
                        "&InstanceId=i-1&DeviceIndex=-1", "InvalidParameterValue"),
                       ("Action=StopInstances&InstanceId.1=i-1&DryRun=perhaps",
                        "InvalidParameterValue")]:
        status, resp = signed_post(srv, body)
        check(status == 400 and code_of(resp) == code, (body, status, resp))
    check(state(srv) == before, "nothing changed")


def random_bodies_never_crash_the_server(srv):
    before = state(srv)
    rnd = random.Random(1234)
    words = ["Action=", "AssignPrivateIpAddresses", "DescribeNetworkInterfaces",
             "UnassignIpv6Addresses", "&", "=", "%", "%41", ".1", ".0", "Filter.1.Name=",
             "PrivateIpAddress.1=", "NetworkInterfaceId=", "eni-0", "10.0.1.", "::", "<>",
             "\u00e9", "+", "999999999999", "Value.1=", "true", "DryRun="]
    for i in range(150):
        if i % 3 == 0:
            body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
        else:
            body = "".join(rnd.choice(words) for _ in range(rnd.randrange(1, 12))).encode()
        status, resp = signed_post(srv, body)
        check(status in (200, 400, 412), (body, status, resp))
    # only the failing ones can have run: the state is the same or changed by whole
    # valid requests; the server is alive and answers
    aws(srv, "describe-vpcs")
    after = state(srv)
    check(after[2] == before[2], "instances unchanged")


def oversized_body_is_refused(srv):
    body = "Action=DescribeVpcs&Pad=" + "x" * (2 << 20)
    status, resp = signed_post(srv, body, sign=False)
    check(status == 413, (status, resp[:200]))
    aws(srv, "describe-vpcs")


def connections_are_bounded_and_recover(srv):
    """Idle connections beyond the limit do not stop the server; it serves again after."""
    socks = []
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
            socks.append(s)
        except OSError:
            break
    for s in socks:
        s.close()
    time.sleep(0.5)
    aws(srv, "describe-vpcs")
    # a half request (headers promise a body never sent) times out, not hangs the server
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
    aws(srv, "describe-vpcs")
    s.close()


def get_and_other_paths_are_refused(srv):
    import urllib.request
    for url in [srv.url + "/?Action=DescribeVpcs", srv.url + "/other"]:
        try:
            urllib.request.urlopen(url, timeout=10)
            check(False, "accepted " + url)
        except urllib.error.HTTPError as e:
            check(e.code == 400 and code_of(e.read().decode()) == "InvalidAction", url)


CASES = [
    unsigned_request_is_refused,
    wrong_secret_is_refused,
    replayed_late_request_is_refused,
    tampered_body_is_refused,
    malformed_requests_get_clear_errors,
    random_bodies_never_crash_the_server,
    oversized_body_is_refused,
    connections_are_bounded_and_recover,
    get_and_other_paths_are_refused,
]

if __name__ == "__main__":
    run_cases(CASES, [sys.argv[1]], "security")
