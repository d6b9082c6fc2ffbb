#!/bin/bash
# SPEC D7, egress MTU: the internet side carries 4000-byte packets (mtu.yaml:
# uplink MTU 4000), the instance's host port 1500. Real Linux stacks on both
# sides:
#   - a 3000-byte UDP datagram with DF clear, sent to the EIP, is translated
#     and fragmented by the engine; the instance's kernel reassembles it and
#     the application gets it whole;
#   - ping -M do -s 2000 to the EIP (DF set) gets ICMP "fragmentation needed"
#     with mtu 1500 back from the EIP, counted as frag-needed;
#   - IPv6 ping -s 2000 to the instance's IPv6 gets "packet too big", mtu 1500.
. "$(dirname "$0")/lib.sh"
e2e_init mtu
basic_topology
nsx inet ip link set eth0 mtu 4000 || fail "mtu 4000 on inet/eth0"
nsx rtr ip link set upl mtu 4000 || fail "mtu 4000 on rtr/upl"
engine_start "$E2E_DIR/mtu.yaml"

step "inet -> 198.51.100.10: a ping within every MTU goes through"
expect_ping inet 198.51.100.10 -M do -s 1400

step "inet -> 198.51.100.10:5000, a 3000-byte UDP datagram, DF clear: web gets it whole"
cat >"$E2E_TMP/recv.py" <<'PY'
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.100", 5000))
s.settimeout(15)
print("bound", flush=True)
data, peer = s.recvfrom(65535)
print(len(data), hashlib.sha256(data).hexdigest(), peer[0], flush=True)
PY
cat >"$E2E_TMP/send.py" <<'PY'
import socket, sys, time
IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0  # Linux <linux/in.h>: DF clear
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
data = bytes((i * 7 + 3) % 256 for i in range(2972))
for _ in range(int(sys.argv[1])):
    s.sendto(data, ("198.51.100.10", 5000))
    time.sleep(0.3)
PY
want=$(/usr/bin/python3 -c 'import hashlib; print(hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(2972))).hexdigest())')
bg web /usr/bin/python3 -u "$E2E_TMP/recv.py" >"$E2E_TMP/recv.out" 2>&1
for _ in $(seq 50); do
	grep -q bound "$E2E_TMP/recv.out" && break
	sleep 0.1
done
nsx web timeout 8 tcpdump -l -n -v -i eth0 -c 3 udp \
	>"$E2E_TMP/cap.txt" 2>/dev/null &
cap=$!
sleep 0.5
frag0=$(counter fragmented)
nsx inet /usr/bin/python3 "$E2E_TMP/send.py" 1 || fail "sending the datagram"
for _ in $(seq 50); do
	[ "$(wc -l <"$E2E_TMP/recv.out")" -ge 2 ] && break
	sleep 0.1
done
wait $cap
got=$(sed -n 2p "$E2E_TMP/recv.out")
# (inet sends from 198.51.100.1, its address on the EIPs' segment)
[ "$got" = "2972 $want 198.51.100.1" ] ||
	fail "web received '$got' (want '2972 $want 198.51.100.1'); $(ctl stats | grep -v ' 0$')"
frag1=$(counter fragmented)
[ "$frag1" -gt "$frag0" ] || fail "fragmented counter did not grow ($frag0 -> $frag1)"
[ "$(counter fragments)" -ge 3 ] || fail "fewer than 3 fragments: $(counter fragments)"
echo "web's wire: $(cat "$E2E_TMP/cap.txt")"
grep -q "offset 0, flags \[+\]" "$E2E_TMP/cap.txt" ||
	fail "web did not see fragments on its wire: $(cat "$E2E_TMP/cap.txt")"

step "inet -> 198.51.100.10: ping -M do -s 2000 (DF set) gets 'Frag needed', mtu 1500"
fn0=$(counter frag-needed)
nsx inet ping -c 1 -W 3 -M do -s 2000 198.51.100.10 >"$E2E_TMP/ping.out" 2>&1
cat "$E2E_TMP/ping.out"
grep -q "From 198.51.100.10 .*Frag needed and DF set (mtu = 1500)" "$E2E_TMP/ping.out" ||
	fail "ping did not report fragmentation needed from the EIP: $(cat "$E2E_TMP/ping.out")"
fn1=$(counter frag-needed)
[ "$fn1" -gt "$fn0" ] || fail "frag-needed counter did not grow ($fn0 -> $fn1)"
[ "$(counter icmp-too-big)" -ge 1 ] || fail "icmp-too-big is $(counter icmp-too-big)"
step "inet learned the path MTU: its kernel now refuses the DF ping itself"
nsx inet ip route get 198.51.100.10 | grep -q "mtu 1500" ||
	fail "inet has no path MTU 1500 for the EIP: $(nsx inet ip route get 198.51.100.10)"

step "inet -> 2600:1f18:aaaa:bb01::10: ping -6 -s 2000 gets 'Packet too big', mtu 1500"
nsx inet ping -6 -c 1 -W 3 -s 2000 2600:1f18:aaaa:bb01::10 >"$E2E_TMP/ping6.out" 2>&1
cat "$E2E_TMP/ping6.out"
grep -q "From 2600:1f18:aaaa:bb01::10 .*Packet too big: mtu=1500" "$E2E_TMP/ping6.out" ||
	fail "ping -6 did not report packet too big: $(cat "$E2E_TMP/ping6.out")"
[ "$(counter frag-needed)" -gt "$fn1" ] || fail "frag-needed did not count the IPv6 packet"
pass "egress MTU: DF-clear datagram fragmented and reassembled, DF set and IPv6 answered"
