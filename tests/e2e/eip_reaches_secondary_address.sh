#!/bin/bash
# SPEC D1, D2, D6, D7, R4 setup: the internet reaches an instance through the
# EIP associated with its SECONDARY private address, and the instance reaches
# the internet from that address, translated to its EIP. Real Linux stacks:
# ping and TCP (curl) in both directions.
. "$(dirname "$0")/lib.sh"
e2e_init eip
basic_topology
engine_start "$E2E_DIR/basic.yaml"

step "inet -> 198.51.100.10 (EIP of eni-web's 10.0.1.100): ping"
expect_ping inet 198.51.100.10
step "the engine answered inet's ARP for the EIP with the uplink's MAC"
mac=$(nsx inet ip neigh show 198.51.100.10 dev eth0 | awk '{print $3}')
[ "$mac" = "02:00:00:00:00:01" ] || fail "ARP for the EIP resolved to '$mac'"

step "inet -> http://198.51.100.10/ answered by web on 10.0.1.100"
http_serve web 10.0.1.100 "hello from i-web"
expect_http inet http://198.51.100.10/ "hello from i-web"

step "web (10.0.1.100) -> inet: seen by inet as coming from the EIP"
http_serve inet 203.0.113.1 "hello from the internet"
expect_ping web 203.0.113.1
expect_http web http://203.0.113.1/ "hello from the internet"
nsx inet timeout 5 tcpdump -l -n -i eth0 -c 1 'icmp[icmptype] = icmp-echo' \
	>"$E2E_TMP/cap.txt" 2>/dev/null &
cap=$!
sleep 0.5
expect_ping web 203.0.113.1
wait $cap
grep -q "198.51.100.10 > 203.0.113.1" "$E2E_TMP/cap.txt" ||
	fail "inet saw '$(cat "$E2E_TMP/cap.txt")', expected source 198.51.100.10"

step "the primary 10.0.1.10 has no EIP: its traffic to the internet is dropped (no-eip)"
before=$(counter no-eip)
expect_no_ping web 203.0.113.1 -I 10.0.1.10
after=$(counter no-eip)
[ "$after" -gt "$before" ] || fail "no-eip counter did not grow ($before -> $after)"

step "deliveries were counted on eni-web"
d=$(counter delivered eni-web)
[ "$d" -gt 0 ] 2>/dev/null || fail "eni-web delivered counter is '$d'"
step "the same counters over DPDK telemetry (dpdk-telemetry.py)"
tel=$(telemetry /enimap/eni,eni-web) || fail "no telemetry answer for /enimap/eni,eni-web"
echo "$tel"
case "$tel" in *"\"delivered\": $d"* | *"\"delivered\": "[1-9]*) ;; *) fail "telemetry: $tel" ;; esac
tel=$(telemetry /enimap/drops) || fail "no telemetry answer for /enimap/drops"
echo "$tel"
case "$tel" in *"\"no_eip\": "[1-9]*) ;; *) fail "telemetry drops: $tel" ;; esac
tel=$(telemetry /enimap/stats) || fail "no telemetry answer for /enimap/stats"
case "$tel" in *"\"port0_rx\": "[1-9]*) ;; *) fail "telemetry stats: $tel" ;; esac
step "what eni-web sent is counted: 5 pings out grow its 'sent' by at least 5"
s0=$(counter sent eni-web)
nsx web ping -c 5 -i 0.2 -W 1 203.0.113.1 >/dev/null || fail "web could not ping 203.0.113.1"
s1=$(counter sent eni-web)
[ "$s1" -ge $((s0 + 5)) ] 2>/dev/null || fail "eni-web sent $s0 -> $s1, expected +5 at least"
[ "$(counter sent-bytes eni-web)" -ge $((s1 * 42)) ] 2>/dev/null ||
	fail "eni-web sent-bytes $(counter sent-bytes eni-web) for $s1 packets"
step "the worker's loop is measured: packets, busy cycles, cycles per packet, capacity"
p=$(counter worker0.packets)
[ "$p" -ge "$s1" ] 2>/dev/null || fail "worker0.packets is '$p' (eni-web alone sent $s1)"
for k in worker0.busy-cycles worker0.idle-cycles worker0.cycles-per-packet worker0.capacity-pps; do
	[ "$(counter $k)" -gt 0 ] 2>/dev/null || fail "$k is '$(counter $k)'"
done
tel=$(telemetry /enimap/workers) || fail "no telemetry answer for /enimap/workers"
echo "$tel"
case "$tel" in *'"busy_cycles": '[1-9]*) ;; *) fail "telemetry workers: $tel" ;; esac
pass "EIP on a secondary address: ping and TCP both ways"
