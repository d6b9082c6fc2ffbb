#!/bin/bash
# SPEC D4, D8: with source/dest check on, a packet whose source address is
# not assigned to the sending ENI is dropped and counted (spoofed-source);
# the same instance's real addresses still work.
. "$(dirname "$0")/lib.sh"
e2e_init spoof
basic_topology
engine_start "$E2E_DIR/basic.yaml"

expect_ping web 10.0.1.200 -I 10.0.1.100

step "web sends from 10.0.1.50 (not assigned to eni-web)"
addr_add web eth0 10.0.1.50/32
nsx stby timeout 4 tcpdump -l -n -i eth0 'icmp and src 10.0.1.50' \
	>"$E2E_TMP/cap.txt" 2>/dev/null &
cap=$!
sleep 0.5
before=$(counter spoofed-source)
expect_no_ping web 10.0.1.200 -I 10.0.1.50
expect_no_ping web 203.0.113.1 -I 10.0.1.50
after=$(counter spoofed-source)
wait $cap
[ "$after" -ge $((before + 4)) ] || fail "spoofed-source went $before -> $after, expected +4"
! grep -q "10.0.1.50 >" "$E2E_TMP/cap.txt" ||
	fail "standby received spoofed packets: $(cat "$E2E_TMP/cap.txt")"

step "web claims standby's address 10.0.1.200 (owned by another ENI)"
before=$after
addr_add web eth0 10.0.1.200/32
expect_no_ping web 10.0.1.20 -I 10.0.1.200
after=$(counter spoofed-source)
[ "$after" -ge $((before + 2)) ] || fail "spoofed-source went $before -> $after, expected +2"

step "IPv6 from an address not assigned to eni-web is dropped too"
addr_add web eth0 2600:1f18:aaaa:bb01::66/64
before=$after
expect_no_ping web 2001:db8:ffff::1 -I 2600:1f18:aaaa:bb01::66
after=$(counter spoofed-source)
[ "$after" -ge $((before + 2)) ] || fail "spoofed-source (v6) went $before -> $after"

step "the real addresses still pass"
expect_ping web 10.0.1.20 -I 10.0.1.10
pass "spoofed sources dropped and counted"
