#!/bin/bash
# SPEC D12, R24-R26: security groups enforced by the dataplane, end to end
# with real Linux stacks (sg.yaml: engine.security_groups.enforce on, the EC2
# API on). Stateful per ENI: inbound by the delivered-to ENI's groups,
# outbound by the sender's; the return of a tracked flow passes with no rule;
# an ICMP error about a tracked flow passes with it; rules apply to every
# address of the ENI (primary, secondary, IPv6, reached through its EIP);
# the API's authorize/revoke/modify-network-interface-attribute take effect
# for the next new flow while an established TCP connection lives on.
# Drops are counted as sg-inbound / sg-outbound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/security_groups_lib.sh"
e2e_init sgenf
command -v aws >/dev/null || fail "the AWS CLI is not installed"
sg_tool_init
api_yaml "$E2E_DIR/sg.yaml" "$E2E_TMP/sg.yaml"
basic_topology
engine_start "$E2E_TMP/sg.yaml"

# web: HTTP on 80 (every address, v4 and v6), another listener on 8081
# (allowed nowhere), echo servers on 7000 and 9000, UDP echo on 5353
http_serve web "[::]" "hello from i-web"
bg web /usr/bin/python3 -u "$E2E_DIR/httpd.py" :: 8081 "$E2E_TMP/www-web" \
	>"$E2E_TMP/http-web-8081.log" 2>&1
wait_for_line "$E2E_TMP/http-web-8081.log" "Serving HTTP" "web's server on 8081"
bg web /usr/bin/python3 -u "$E2E_DIR/httpd.py" :: 8080 "$E2E_TMP/www-web" \
	>"$E2E_TMP/http-web-8080.log" 2>&1
wait_for_line "$E2E_TMP/http-web-8080.log" "Serving HTTP" "web's server on 8080"
serve_tcp web :: 7000
serve_tcp web :: 9000
serve_udp web :: 5353
# standby: HTTP on 80 (to show it has no inbound rule)
http_serve stby "[::]" "hello from i-standby"
# the internet host: HTTP on 80, v4 and v6
http_serve inet "[::]" "hello from the internet"

step "1. inet -> web's EIP: port 80 (allowed) answers, 8080 (listening, no rule) does not"
expect_http inet http://198.51.100.10/ "hello from i-web"
before=$(drops sg-inbound)
expect_no_tcp inet 198.51.100.10 8080
if nsx inet curl -s --max-time 2 http://198.51.100.10:8080/ >/dev/null; then
	not_denied "inet fetched http://198.51.100.10:8080/ with no rule for 8080"
fi
expect_grew sg-inbound "$before" "SYNs to the EIP's port 8080"

step "1. authorize-security-group-ingress opens 8080; the same client then reaches it"
ec2_ok authorize-security-group-ingress --group-id sg-web --protocol tcp --port 8080 --cidr 0.0.0.0/0
expect_http inet http://198.51.100.10:8080/ "hello from i-web"
out=$(ec2 describe-security-groups --group-ids sg-web --output text) || fail "describe-security-groups"
case "$out" in *8080*) ;; *) fail "describe-security-groups does not show 8080: $out" ;; esac

step "2. standby -> the internet through SNAT: the return passes with no inbound rule"
expect_http stby http://203.0.113.1/ "hello from the internet"
expect_ping stby 203.0.113.1
before=$(drops sg-inbound)
expect_no_tcp inet 198.51.100.20 80
expect_grew sg-inbound "$before" "inet -> standby's EIP port 80 (sg-client has no inbound rule)"
step "2. web (outbound all, v4 and v6) -> the internet over IPv6: the return passes"
expect_http web "http://[2001:db8:ffff::1]/" "hello from the internet"
step "2. standby's groups have no outbound rule for ::/0 (EC2's default egress is v4 only)"
before=$(drops sg-outbound)
if nsx stby curl -s -g --max-time 2 "http://[2001:db8:ffff::1]/" >/dev/null; then
	not_denied "standby reached the internet over IPv6 with no ::/0 outbound rule"
fi
expect_grew sg-outbound "$before" "standby -> 2001:db8:ffff::1"

step "3. an established TCP connection outlives the revoke of its rule; new ones fail at once"
rm -f "$E2E_TMP/go"
bg inet /usr/bin/python3 -u "$SGTOOL" hold 198.51.100.10 7000 "$E2E_TMP/go" \
	>"$E2E_TMP/hold.log" 2>&1
holder=${E2E_PIDS[-1]}
wait_for_line "$E2E_TMP/hold.log" before "the long-lived connection to 198.51.100.10:7000"
expect_tcp inet 198.51.100.10 7000
step "3. the flow table as the workers read it (enimapctl flows) holds that connection"
flows=$(ctl flows)
printf '%s\n' "$flows" | grep -E '^eni-web slot=[0-9]+ vpc=[0-9]+ tcp 10\.0\.1\.100:7000 198\.51\.100\.1:[0-9]+ from=peer both-ways ' ||
	fail "no established flow inet -> 10.0.1.100:7000 in the flows listing: $flows"
ec2_ok revoke-security-group-ingress --group-id sg-web --protocol tcp --port 7000 --cidr 0.0.0.0/0
before=$(drops sg-inbound)
expect_no_tcp inet 198.51.100.10 7000
expect_grew sg-inbound "$before" "a new connection to 7000 after the revoke"
touch "$E2E_TMP/go"
rc=0
wait "$holder" || rc=$?
grep -q after "$E2E_TMP/hold.log" && [ "$rc" = 0 ] ||
	fail "the established connection broke after the revoke (rc $rc): $(cat "$E2E_TMP/hold.log")"
echo "   $(tr '\n' ' ' <"$E2E_TMP/hold.log")"
expect_no_tcp inet 198.51.100.10 7000

step "4. one rule (tcp 80), every address of eni-web: EIP, primary, secondary, IPv6"
expect_http inet http://198.51.100.10/ "hello from i-web"
expect_http inet "http://[2600:1f18:aaaa:bb01::10]/" "hello from i-web"
body=$(nsx stby curl -s --max-time 5 --interface 10.0.1.20 http://10.0.1.10/) ||
	fail "standby 10.0.1.20 -> web's primary 10.0.1.10:80 failed"
[ "$body" = "hello from i-web" ] || fail "standby -> 10.0.1.10 got '$body'"
body=$(nsx stby curl -s --max-time 5 --interface 10.0.1.200 http://10.0.1.100/) ||
	fail "standby 10.0.1.200 -> web's secondary 10.0.1.100:80 failed"
[ "$body" = "hello from i-web" ] || fail "standby -> 10.0.1.100 got '$body'"
step "4. and no rule for 8081: refused on every one of them, each time counted"
for dst in 198.51.100.10 2600:1f18:aaaa:bb01::10; do
	before=$(drops sg-inbound)
	expect_no_tcp inet "$dst" 8081
	expect_grew sg-inbound "$before" "inet -> $dst:8081"
done
for dst in 10.0.1.10 10.0.1.100; do
	before=$(drops sg-inbound)
	expect_no_tcp stby "$dst" 8081 10.0.1.20
	expect_grew sg-inbound "$before" "standby -> $dst:8081"
done
step "4. the v4-only rule opened in step 1 (8080 from 0.0.0.0/0) does not open IPv6"
expect_tcp inet 198.51.100.10 8080
before=$(drops sg-inbound)
expect_no_tcp inet 2600:1f18:aaaa:bb01::10 8080
expect_grew sg-inbound "$before" "inet -> [2600:1f18:aaaa:bb01::10]:8080"

step "5. UDP: 5353 allowed and echoed; an ICMP port unreachable returns with its flow"
out=$(sgtool inet udp 198.51.100.10 5353) || fail "inet -> 198.51.100.10 udp 5353: $out"
# web (outbound all) -> the internet's udp 9999, where nothing listens: the
# port unreachable comes back through the flow (sg-web has no icmp rule)
rc=0
out=$(sgtool web udp 203.0.113.1 9999) || rc=$?
[ "$rc" = 2 ] || fail "web -> 203.0.113.1 udp 9999: '$out' (rc $rc), expected ECONNREFUSED"
rc=0
out=$(sgtool web udp 2001:db8:ffff::1 9999) || rc=$?
[ "$rc" = 2 ] || fail "web -> [2001:db8:ffff::1] udp 9999: '$out' (rc $rc), expected ECONNREFUSED"
step "5. an ICMP error about no tracked flow is dropped (sg-web has no icmp rule)"
nsx web timeout 3 tcpdump -l -n -i eth0 -c 1 'icmp[icmptype] = icmp-unreach' \
	>"$E2E_TMP/unreach.cap" 2>/dev/null &
cap=$!
sleep 0.5
before=$(drops sg-inbound)
sgtool inet unreach 198.51.100.10 198.51.100.10 40000 203.0.113.1 9998 ||
	fail "could not send the ICMP error"
wait $cap
expect_grew sg-inbound "$before" "an unsolicited port unreachable to 198.51.100.10"
! grep -q ICMP "$E2E_TMP/unreach.cap" || not_denied "web received it: $(cat "$E2E_TMP/unreach.cap")"
step "5. UDP with no rule: standby's EIP udp 5353 is dropped (counted)"
serve_udp stby :: 5353
before=$(drops sg-inbound)
rc=0
out=$(sgtool inet udp 198.51.100.20 5353) || rc=$?
[ "$rc" = 1 ] || not_denied "inet -> 198.51.100.20 udp 5353: '$out' (rc $rc), expected no answer"
expect_grew sg-inbound "$before" "inet -> standby's EIP udp 5353"
[ ! -s "$E2E_TMP/udp-stby-5353.rx" ] || not_denied "standby received: $(cat "$E2E_TMP/udp-stby-5353.rx")"

step "5. ICMP: web's own ping out is answered (tracked); ping in needs an icmp rule"
expect_ping web 203.0.113.1
before=$(drops sg-inbound)
expect_no_ping_sg inet 198.51.100.10
expect_grew sg-inbound "$before" "inet pings web's EIP with no icmp rule"
ec2_ok authorize-security-group-ingress --group-id sg-web \
	--ip-permissions 'IpProtocol=icmp,FromPort=8,ToPort=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'
expect_ping inet 198.51.100.10
expect_ping stby 10.0.1.10 -I 10.0.1.20
step "5. the icmp (v4) rule does not let ping6 in"
before=$(drops sg-inbound)
expect_no_ping_sg inet 2600:1f18:aaaa:bb01::10
expect_grew sg-inbound "$before" "inet ping6 web with no icmpv6 rule"

step "6. a rule naming a group: tcp 9000 on sg-web from the members of sg-client"
expect_tcp stby 10.0.1.10 9000 10.0.1.20
expect_tcp stby 10.0.1.100 9000 10.0.1.200
before=$(drops sg-inbound)
expect_no_tcp inet 198.51.100.10 9000
expect_grew sg-inbound "$before" "inet (not a member) -> 198.51.100.10:9000"
step "6. standby taken out of sg-client (keeps sg-misc): new connections fail"
ec2_ok modify-network-interface-attribute --network-interface-id eni-standby --groups sg-misc
for src in 10.0.1.20 10.0.1.200; do
	before=$(drops sg-inbound)
	expect_no_tcp stby 10.0.1.10 9000 "$src"
	expect_grew sg-inbound "$before" "standby $src -> 10.0.1.10:9000 out of sg-client"
done
# still allowed what its remaining group and web's other rules allow
body=$(nsx stby curl -s --max-time 5 --interface 10.0.1.20 http://10.0.1.10/) ||
	fail "standby -> 10.0.1.10:80 failed after the group change"
step "6. back in sg-client: the rule matches it again"
ec2_ok modify-network-interface-attribute --network-interface-id eni-standby --groups sg-client sg-misc
expect_tcp stby 10.0.1.10 9000 10.0.1.20

step "no flow table overflow"
full=$(drops sg-flow-table-full)
[ "$full" = 0 ] || not_denied "sg-flow-table-full is '$full'"
ctl stats | grep '^sg-'
pass "security groups enforced: inbound, outbound, stateful returns, ICMP errors, API changes"
