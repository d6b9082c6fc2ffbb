#!/bin/bash
# SPEC D1 (NS answered on both sides), D3 (IPv6 from the uplink delivered to
# the owning ENI, untranslated), D6 (IPv6 to igw leaves unchanged): ping6 and
# TCP in both directions between the internet host and an instance.
. "$(dirname "$0")/lib.sh"
e2e_init v6
basic_topology
engine_start "$E2E_DIR/basic.yaml"

step "inet -> 2600:1f18:aaaa:bb01::10 (eni-web): ping6"
expect_ping inet 2600:1f18:aaaa:bb01::10
mac=$(nsx inet ip -6 neigh show 2600:1f18:aaaa:bb01::10 dev eth0 | awk '{print $3}')
[ "$mac" = "02:00:00:00:00:01" ] || fail "NS for web's IPv6 resolved to '$mac'"

step "inet -> http://[2600:1f18:aaaa:bb01::10]/ answered by web"
http_serve web "[2600:1f18:aaaa:bb01::10]" "v6 hello from i-web"
expect_http inet "http://[2600:1f18:aaaa:bb01::10]/" "v6 hello from i-web"

step "standby's IPv6 goes to standby, not web"
http_serve stby "[2600:1f18:aaaa:bb01::20]" "v6 hello from i-standby"
expect_http inet "http://[2600:1f18:aaaa:bb01::20]/" "v6 hello from i-standby"

step "web -> inet 2001:db8:ffff::1: ping6 and TCP, source untranslated"
http_serve inet "[2001:db8:ffff::1]" "v6 hello from the internet"
nsx inet timeout 5 tcpdump -l -n -i eth0 -c 1 'icmp6 and ip6[40] = 128' \
	>"$E2E_TMP/cap.txt" 2>/dev/null &
cap=$!
sleep 0.5
expect_ping web 2001:db8:ffff::1
wait $cap
grep -q "2600:1f18:aaaa:bb01::10 > 2001:db8:ffff::1" "$E2E_TMP/cap.txt" ||
	fail "inet saw '$(cat "$E2E_TMP/cap.txt")', expected web's own IPv6 as source"
expect_http web "http://[2001:db8:ffff::1]/" "v6 hello from the internet"

step "stby -> inet with its default route via the router's link-local address"
# fe80:: + the modified EUI-64 of host-standby's MAC 02:00:00:00:00:03: where a
# router advertisement would point a guest's default route
nsx stby ip -6 route replace default via fe80::ff:fe00:3 dev eth0 ||
	fail "link-local default route in stby"
expect_ping stby 2001:db8:ffff::1
mac=$(nsx stby ip -6 neigh show fe80::ff:fe00:3 dev eth0 | awk '{print $3}')
[ "$mac" = "02:00:00:00:00:03" ] || fail "NS for the router's link-local resolved to '$mac'"

step "an unassigned IPv6 of the VPC is not delivered"
expect_no_ping inet 2600:1f18:aaaa:bb01::99
pass "IPv6 both ways"
