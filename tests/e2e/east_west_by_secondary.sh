#!/bin/bash
# SPEC D1 (the subnet's other addresses resolve to the port's MAC), D4, D5:
# two instances talk by their SECONDARY private addresses, both directions,
# ping and TCP; an unassigned address of the subnet is not delivered; D11:
# by EIP (hairpin), translated both ways.
. "$(dirname "$0")/lib.sh"
e2e_init ew
basic_topology
engine_start "$E2E_DIR/basic.yaml"

step "web 10.0.1.100 -> standby 10.0.1.200: ping"
expect_ping web 10.0.1.200 -I 10.0.1.100
mac=$(nsx web ip neigh show 10.0.1.200 dev eth0 | awk '{print $3}')
[ "$mac" = "02:00:00:00:00:02" ] || fail "web resolved 10.0.1.200 to '$mac', not its port MAC"

step "standby 10.0.1.200 -> web 10.0.1.100: ping"
expect_ping stby 10.0.1.100 -I 10.0.1.200

step "TCP both ways between the secondary addresses"
http_serve web 10.0.1.100 "east-west i-web"
http_serve stby 10.0.1.200 "east-west i-standby"
body=$(nsx web curl -s --max-time 5 --interface 10.0.1.100 http://10.0.1.200/) ||
	fail "web: curl http://10.0.1.200/ failed"
[ "$body" = "east-west i-standby" ] || fail "web got '$body'"
body=$(nsx stby curl -s --max-time 5 --interface 10.0.1.200 http://10.0.1.100/) ||
	fail "standby: curl http://10.0.1.100/ failed"
[ "$body" = "east-west i-web" ] || fail "standby got '$body'"

step "primaries too: 10.0.1.10 <-> 10.0.1.20"
expect_ping web 10.0.1.20 -I 10.0.1.10
expect_ping stby 10.0.1.10 -I 10.0.1.20

step "an address of the subnet nobody owns is not delivered (unknown-destination)"
before=$(counter unknown-destination)
expect_no_ping web 10.0.1.77 -I 10.0.1.100
after=$(counter unknown-destination)
[ "$after" -gt "$before" ] || fail "unknown-destination did not grow ($before -> $after)"

step "hairpin (D11): web pings standby's EIP 198.51.100.20; standby sees web's EIP"
nsx stby timeout 5 tcpdump -l -n -i eth0 -c 1 'icmp[icmptype] = icmp-echo' \
	>"$E2E_TMP/hairpin.cap" 2>/dev/null &
cap=$!
sleep 0.5
expect_ping web 198.51.100.20 -I 10.0.1.100
wait $cap
grep -q "198.51.100.10 > 10.0.1.200" "$E2E_TMP/hairpin.cap" ||
	fail "standby saw '$(cat "$E2E_TMP/hairpin.cap")', expected 198.51.100.10 > 10.0.1.200"

step "deliveries counted on both ENIs"
[ "$(counter delivered eni-web)" -gt 0 ] || fail "eni-web delivered nothing"
[ "$(counter delivered eni-standby)" -gt 0 ] || fail "eni-standby delivered nothing"
pass "east-west by secondary addresses"
