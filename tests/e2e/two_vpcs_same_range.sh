#!/bin/bash
# SPEC R31, D13: two VPCs with the same 10.0.1.0/24 on one engine (real Linux
# stacks in namespaces). Each instance reaches its own VPC's neighbours and
# never the other VPC's; the same 10.0.1.10 in both VPCs is reached only from
# its own VPC; each EIP from the internet reaches the right one of the two
# 10.0.1.10s; between the VPCs only EIP to EIP works.
. "$(dirname "$0")/lib.sh"
e2e_init vpcs2
ns_add inet
link_add upl inet eth0 02:00:00:00:01:01
addr_add inet eth0 203.0.113.1/24 198.51.100.1/24
for n in a1 a2 b1 b2; do
	ns_add $n
	link_add $n $n eth0 "02:00:00:00:${n}:01"
done
addr_add a1 eth0 10.0.1.10/24
addr_add a2 eth0 10.0.1.20/24
addr_add b1 eth0 10.0.1.10/24
addr_add b2 eth0 10.0.1.30/24
for n in a1 a2 b1 b2; do
	netns_route "$T-$n" add default via 10.0.1.1 || fail "default route in $n"
done
engine_start "$E2E_DIR/two_vpcs.yaml"
http_serve a1 10.0.1.10 "vpc-a i-a1"
http_serve b1 10.0.1.10 "vpc-b i-b1"

step "each VPC pings its own neighbour"
expect_ping a1 10.0.1.20
expect_ping a2 10.0.1.10
expect_ping b1 10.0.1.30
expect_ping b2 10.0.1.10

step "the same 10.0.1.10 answers from its own VPC only"
expect_http a2 http://10.0.1.10/ "vpc-a i-a1"
expect_http b2 http://10.0.1.10/ "vpc-b i-b1"

step "never the other VPC's addresses (unknown-destination)"
before=$(counter unknown-destination)
expect_no_ping b1 10.0.1.20
expect_no_ping a1 10.0.1.30
after=$(counter unknown-destination)
[ "$after" -ge $((before + 4)) ] || fail "unknown-destination $before -> $after, expected +4"

step "each EIP from the internet reaches its own 10.0.1.10"
expect_http inet http://198.51.100.10/ "vpc-a i-a1"
expect_http inet http://198.51.100.11/ "vpc-b i-b1"
expect_ping inet 198.51.100.10
expect_ping inet 198.51.100.11

step "between the VPCs only EIP to EIP: i-a1 (EIP) reaches i-b1's EIP, i-a2 (none) does not"
expect_http a1 http://198.51.100.11/ "vpc-b i-b1"
before=$(counter no-eip)
expect_no_ping a2 198.51.100.11
after=$(counter no-eip)
[ "$after" -gt "$before" ] || fail "no-eip did not grow ($before -> $after)"

step "deliveries counted on the right ENIs"
for e in eni-a1 eni-a2 eni-b1 eni-b2; do
	[ "$(counter delivered $e)" -gt 0 ] || fail "$e delivered nothing"
done
pass "two VPCs with the same private range"
