#!/bin/bash
# Two worker lcores (workers: 2, two queue pairs per af_packet port; on a
# two-core machine they share a CPU): traffic flows both ways, and a
# reassignment returns only once BOTH workers see it -- no echo request
# reaches web after the call returned.
. "$(dirname "$0")/lib.sh"
e2e_init two
sed 's/^  workers: 1/  workers: 2/; s/qpairs=1/qpairs=2/' "$E2E_DIR/basic.yaml" >"$E2E_TMP/two.yaml"
grep -q "workers: 2" "$E2E_TMP/two.yaml" || fail "could not make the two-worker configuration"
basic_topology
addr_add stby eth0 10.0.1.100/24
engine_start "$E2E_TMP/two.yaml"
grep -q "2 worker(s)" "$ENGINE_LOG" || fail "the engine did not start two workers"
grep -q "port 0 uplink: uplink, dpdk port 0, 2 rx / 2 tx queue(s)" "$ENGINE_LOG" ||
	fail "the uplink does not have two queue pairs"

step "ping and TCP (several connections: flows spread over the queues)"
expect_ping inet 198.51.100.10
http_serve web 10.0.1.100 "hello from i-web"
for _ in 1 2 3 4 5 6 7 8; do
	expect_http inet http://198.51.100.10/ "hello from i-web"
done
expect_ping web 10.0.1.20 -I 10.0.1.10

step "reassign under ping: nothing reaches web once the call returned"
nsx web timeout 7 tcpdump -l -n -tt -i eth0 'icmp[icmptype] = icmp-echo and dst 10.0.1.100' \
	>"$E2E_TMP/web.cap" 2>/dev/null &
capw=$!
sleep 0.5
nsx inet ping -c 150 -i 0.02 -W 1 198.51.100.10 >"$E2E_TMP/ping.out" 2>&1 &
pinger=$!
sleep 1
ctl assign eni-standby 10.0.1.100 --allow-reassignment
t_done=$(date +%s.%N)
wait $pinger
wait $capw
recv=$(awk '/packets transmitted/ {print $4}' "$E2E_TMP/ping.out")
late=$(awk -v t="$t_done" '$1 > t' "$E2E_TMP/web.cap" | wc -l)
echo "ping: 150 sent, $recv received; requests reaching web after the reassign: $late"
[ "${recv:-0}" -ge 140 ] || fail "lost too many pings: $(tail -n 2 "$E2E_TMP/ping.out")"
[ "$late" -eq 0 ] || fail "$late requests reached web after the reassign returned"
pass "two workers"
