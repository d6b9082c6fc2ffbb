#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every byte of input is checked, and the smaller wrong answers (SPEC 6, R32),
against the real engine with the AWS CLI and hand-signed requests:

- a parameter that is not UTF-8 text (or holds a character XML 1.0 cannot
  carry) is refused with InvalidParameterValue and never stored, so the
  Describe answers stay well-formed XML;
- an error message that cuts a long value never splits a character;
- the description filter compares the whole description, not 63 bytes;
- an Authorization header after 64 others still authenticates;
- AllocateAddress --address only takes an address of a public pool.

usage: input_checks.py SERVER
"""
import http.client
import sys
import xml.etree.ElementTree as ET

from apitest import ACCESS_KEY, REGION, SECRET_KEY, aws, check, run_cases

NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"


def sign(srv, body):
    """The SigV4 headers botocore gives a form POST of body (str or bytes)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="POST", url=srv.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ec2", REGION).add_auth(req)
    return list(req.headers.items())


def post_raw(srv, body, headers=None):
    """POST body with the given headers (in that order; default: signed), returning the
    status and the raw bytes of the answer (not decoded: a bad byte must show)."""
    data = body if isinstance(body, bytes) else body.encode()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.putrequest("POST", "/", skip_host=True, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(len(data)))
    if headers is None:
        headers = [("Host", "127.0.0.1:%d" % srv.port)] + sign(srv, body)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders(data)
    resp = conn.getresponse()
    out = resp.status, resp.read()
    conn.close()
    return out


def well_formed(raw):
    """The answer is UTF-8 and well-formed XML: its parsed root."""
    raw.decode("utf-8")  # strict: raises on any ill-formed byte
    return ET.fromstring(raw)


def error_of(raw):
    root = well_formed(raw)
    return root.findtext("Errors/Error/Code"), root.findtext("Errors/Error/Message")


def description_of(srv, eni):
    status, raw = post_raw(srv, "Action=DescribeNetworkInterfaces&Version=2016-11-15"
                                "&NetworkInterfaceId.1=" + eni)
    check(status == 200, (status, raw))
    return well_formed(raw).find(NS + "networkInterfaceSet/" + NS + "item").findtext(
        NS + "description")


BAD_TEXT = ["%FF", "ok%FE", "%C0%AF", "%E0%80%AF", "%ED%A0%80", "%F4%90%80%80", "ab%C3",
            "%E2%82x", "%80", "a%01b", "%08", "%EF%BF%BE"]


def text_that_is_not_utf8_is_refused_and_never_stored(srv):
    before = aws(srv, "describe-network-interfaces")
    for bad in BAD_TEXT:
        for body in ["Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15"
                     "&NetworkInterfaceId=eni-c&Description.Value=" + bad,
                     "Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=subnet-a"
                     "&Description=" + bad,
                     "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id"
                     "&Filter.1.Value.1=" + bad,
                     "Action=DescribeVpcs&Version=2016-11-15&X" + bad + "=1"]:
            status, raw = post_raw(srv, body)
            code, msg = error_of(raw)
            check(status == 400 and code == "InvalidParameterValue", (body, status, raw))
            check("UTF-8" in msg, msg)
    # a raw byte that is not UTF-8 (not %-escaped) is refused the same way
    status, raw = post_raw(srv, b"Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15"
                                b"&NetworkInterfaceId=eni-c&Description.Value=\xff")
    check(status == 400 and error_of(raw)[0] == "InvalidParameterValue", (status, raw))
    # nothing changed, and every Describe still parses, with the CLI and with ElementTree
    check(aws(srv, "describe-network-interfaces") == before, "nothing changed")
    check(description_of(srv, "eni-c") == "from config", "eni-c's description unchanged")
    aws(srv, "describe-instances")
    status, raw = post_raw(srv, "Action=DescribeInstances&Version=2016-11-15")
    check(status == 200, (status, raw))
    well_formed(raw)


def valid_utf8_of_every_length_is_kept(srv):
    text = "caf\u00e9 \u20ac \U0001F600 \ud7ff\ue000 tab\there"
    aws(srv, "modify-network-interface-attribute", "--network-interface-id", "eni-c",
        "--description", text)
    check(description_of(srv, "eni-c") == text, "round trip through the XML")
    got = aws(srv, "describe-network-interfaces", "--network-interface-ids", "eni-c")
    check(got["NetworkInterfaces"][0]["Description"] == text, got)


def messages_cut_values_on_character_boundaries(srv):
    for ch in ["\u00e9", "\u20ac", "\U0001F600"]:  # 2, 3 and 4 bytes
        for lead in range(4):  # every alignment of the cut
            value = "eni-" + "x" * lead + ch * 120
            enc = "".join("%%%02X" % b for b in value.encode())
            for body in ["Action=DescribeNetworkInterfaces&Version=2016-11-15"
                         "&NetworkInterfaceId.1=" + enc,
                         "Action=StopInstances&Version=2016-11-15&InstanceId.1=i-1"
                         "&DryRun=" + enc,
                         "Action=" + enc]:
                status, raw = post_raw(srv, body)
                check(status == 400, (body, status))
                code, msg = error_of(raw)  # strict UTF-8, well-formed
                check("\ufffd" not in msg and "?" not in msg, (code, msg))
                check(ch in msg, msg)  # the value is quoted (cut), not dropped


def description_filter_compares_the_whole_value(srv):
    common = "d" * 70  # more than 63 bytes in common
    ids = {}
    for tail in ["-one", "-two"]:
        r = aws(srv, "create-network-interface", "--subnet-id", "subnet-a",
                "--description", common + tail)
        ids[tail] = r["NetworkInterface"]["NetworkInterfaceId"]
    for tail in ["-one", "-two"]:
        got = aws(srv, "describe-network-interfaces", "--filters",
                  "Name=description,Values=" + common + tail)
        check([n["NetworkInterfaceId"] for n in got["NetworkInterfaces"]] == [ids[tail]],
              (tail, got))
    got = aws(srv, "describe-network-interfaces", "--filters",
              "Name=description,Values=" + common + "-t*")
    check([n["NetworkInterfaceId"] for n in got["NetworkInterfaces"]] == [ids["-two"]], got)
    got = aws(srv, "describe-network-interfaces", "--filters", "Name=description,Values=" + common)
    check(got["NetworkInterfaces"] == [], got)


def authorization_after_many_headers_is_read(srv):
    body = "Action=DescribeVpcs&Version=2016-11-15"
    signed = sign(srv, body)
    auth = [h for h in signed if h[0].lower() == "authorization"]
    rest = [h for h in signed if h[0].lower() != "authorization"]
    pad = [("X-Pad-%d" % i, "v%d" % i) for i in range(70)]
    headers = [("Host", "127.0.0.1:%d" % srv.port)] + rest + pad + auth  # Authorization last
    check(len(headers) > 70, len(headers))
    status, raw = post_raw(srv, body, headers)
    check(status == 200, (status, raw))
    check(well_formed(raw).find(NS + "vpcSet") is not None, raw)
    # still verified: the same headers with a damaged signature are refused
    bad = [(n, v[:-4] + "0000") if n.lower() == "authorization" else (n, v) for n, v in headers]
    status, raw = post_raw(srv, body, bad)
    check(status == 400 and error_of(raw)[0] == "AuthFailure", (status, raw))


def allocate_address_only_from_a_public_pool(srv):
    before = aws(srv, "describe-addresses")
    for addr in ["203.0.113.5", "198.51.100.16", "8.8.8.8"]:  # pool: 198.51.100.0/28
        aws(srv, "allocate-address", "--domain", "vpc", "--address", addr,
            error="InvalidAddress.NotFound")
    for addr in ["0.0.0.0", "127.0.0.1", "224.0.0.1", "239.1.2.3", "255.255.255.255",
                 "10.0.1.10", "10.8.3.4"]:  # the last two: the VPC's own ranges
        aws(srv, "allocate-address", "--domain", "vpc", "--address", addr,
            error="InvalidParameterValue")
    check(aws(srv, "describe-addresses") == before, "nothing allocated")
    got = aws(srv, "allocate-address", "--domain", "vpc", "--address", "198.51.100.5")
    check(got["PublicIp"] == "198.51.100.5", got)


CASES = [
    text_that_is_not_utf8_is_refused_and_never_stored,
    valid_utf8_of_every_length_is_kept,
    messages_cut_values_on_character_boundaries,
    description_filter_compares_the_whole_value,
    authorization_after_many_headers_is_read,
    allocate_address_only_from_a_public_pool,
]

if __name__ == "__main__":
    run_cases(CASES, [sys.argv[1]], "input")
