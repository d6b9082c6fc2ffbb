#!/bin/bash
# SPEC D1 (uplink): with only upstream_ip configured, the engine asks for the
# upstream router's MAC by ARP (worker 0, once a second until answered), the
# pipeline learns it from the answer, and outbound traffic then reaches the
# internet host.
. "$(dirname "$0")/lib.sh"
e2e_init arp
grep -v "upstream_mac" "$E2E_DIR/basic.yaml" >"$E2E_TMP/noup.yaml"
grep -q "upstream_ip: 203.0.113.1" "$E2E_TMP/noup.yaml" || fail "no upstream_ip in the config"
basic_topology
nsx inet timeout 8 tcpdump -l -n -e -i eth0 arp >"$E2E_TMP/arp.cap" 2>/dev/null &
cap=$!
sleep 0.5
engine_start "$E2E_TMP/noup.yaml"

step "web -> inet 203.0.113.1 once the upstream MAC is learned"
ok=
for _ in $(seq 10); do
	if nsx web ping -c 1 -W 1 203.0.113.1 >/dev/null 2>&1; then
		ok=1
		break
	fi
done
[ -n "$ok" ] || fail "web never reached the internet host: $(ctl stats | grep -v ' 0$')"
expect_ping web 203.0.113.1
kill $cap 2>/dev/null
wait $cap 2>/dev/null
grep -q "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff.*Request who-has 203.0.113.1" "$E2E_TMP/arp.cap" ||
	fail "no ARP request from the uplink MAC for 203.0.113.1: $(head -n 5 "$E2E_TMP/arp.cap")"
pass "upstream MAC learned by ARP"
