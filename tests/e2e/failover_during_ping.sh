#!/bin/bash
# SPEC R4 + D9: while the internet pings the EIP of web's secondary address
# 10.0.1.100, the address is reassigned to eni-standby with
# AllowReassignment. Its EIP moves with it; replies continue from standby
# with a bounded loss, and once the reassign has returned, no packet for
# that address reaches web any more (captured on web, timestamps compared
# with the moment the control command returned).
. "$(dirname "$0")/lib.sh"
e2e_init fo
basic_topology
# standby will take over 10.0.1.100: it has the address configured already,
# as a standby of a failover pair does
addr_add stby eth0 10.0.1.100/24
engine_start "$E2E_DIR/basic.yaml"
expect_ping inet 198.51.100.10

step "captures on web and standby, then a ping of the EIP every 20 ms for 4 s"
nsx web timeout 8 tcpdump -l -n -tt -i eth0 'icmp[icmptype] = icmp-echo and dst 10.0.1.100' \
	>"$E2E_TMP/web.cap" 2>/dev/null &
capw=$!
nsx stby timeout 8 tcpdump -l -n -tt -i eth0 'icmp[icmptype] = icmp-echo and dst 10.0.1.100' \
	>"$E2E_TMP/stby.cap" 2>/dev/null &
caps=$!
sleep 1
nsx inet ping -c 200 -i 0.02 -W 1 198.51.100.10 >"$E2E_TMP/ping.out" 2>&1 &
pinger=$!
sleep 1.5

step "reassign 10.0.1.100 to eni-standby --allow-reassignment"
ctl assign eni-standby 10.0.1.100 --allow-reassignment
t_done=$(date +%s.%N)
wait $pinger
wait $capw $caps

sent=$(awk '/packets transmitted/ {print $1}' "$E2E_TMP/ping.out")
recv=$(awk '/packets transmitted/ {print $4}' "$E2E_TMP/ping.out")
echo "ping: $sent sent, $recv received"
[ "$sent" = 200 ] || fail "ping did not run: $(tail -n 2 "$E2E_TMP/ping.out")"
[ $((sent - recv)) -le 10 ] || fail "lost $((sent - recv)) of $sent pings across the failover"

late=$(awk -v t="$t_done" '$1 > t' "$E2E_TMP/web.cap" | wc -l)
early=$(awk -v t="$t_done" '$1 <= t' "$E2E_TMP/web.cap" | wc -l)
after=$(awk -v t="$t_done" '$1 > t' "$E2E_TMP/stby.cap" | wc -l)
echo "web got $early requests before the reassign returned, $late after; standby $after after"
[ "$early" -gt 20 ] || fail "web did not answer before the failover ($early requests)"
[ "$late" -eq 0 ] || fail "$late requests reached web after the reassign returned"
[ "$after" -gt 50 ] || fail "standby received only $after requests after the failover"

step "the EIP followed the address: TCP to 198.51.100.10 is answered by standby"
http_serve stby 10.0.1.100 "hello from i-standby"
expect_http inet http://198.51.100.10/ "hello from i-standby"
pass "failover under ping: bounded loss, nothing to web after the reassign"
