#!/bin/bash
# SPEC section 7 (issue 14): the packet capture and the packet trace on the
# running engine. A pcapng capture of an ENI, read by tshark, shows a ping to
# its EIP on the uplink with the EIP and on the host port with the private
# address (received and sent copies); a capture stops by itself at its packet
# count and at its time limit; the trace of a packet names what the pipeline
# decided (its ENI, the DNAT) and the trace of a dropped packet its reason;
# bad trace and capture commands are refused and change nothing.
. "$(dirname "$0")/lib.sh"
e2e_init cap
basic_topology
engine_start "$E2E_DIR/basic.yaml"
command -v tshark >/dev/null || fail "tshark is not installed (scripts/install-deps.sh)"
expect_ping inet 198.51.100.10 # ARP settled before the capture

# status_of KEY: a line of `capture status`
status_of() { ctl "capture status" | awk -v k="$1" '$1 == k { print $2 }'; }
# wait_stopped: until the session has stopped by itself (10 s at most)
wait_stopped() {
	local i
	for i in $(seq 100); do
		[ "$(status_of running)" = no ] && return 0
		sleep 0.1
	done
	fail "the capture did not stop by itself: $(ctl 'capture status')"
}

step "capture eni-web, 8 packets: 4 pings inet -> EIP 198.51.100.10, each seen 4 times"
pcap="$E2E_TMP/eni-web.pcapng"
ctl "capture start eni eni-web $pcap count 8" >/dev/null
nsx inet ping -c 4 -i 0.2 -W 1 198.51.100.10 >/dev/null || fail "ping to the EIP failed"
wait_stopped
[ "$(status_of ended-by)" = packets ] || fail "ended by '$(status_of ended-by)', expected packets"
[ "$(status_of written)" = 8 ] || fail "written $(status_of written), expected 8"
tshark -r "$pcap" -T fields -e frame.interface_id -e ip.src -e ip.dst -e icmp.type \
	>"$E2E_TMP/cap.txt" 2>"$E2E_TMP/tshark.err" || fail "tshark: $(cat "$E2E_TMP/tshark.err")"
cat "$E2E_TMP/cap.txt"
[ "$(wc -l <"$E2E_TMP/cap.txt")" = 8 ] || fail "tshark read $(wc -l <"$E2E_TMP/cap.txt") packets"
# interface 0 is the uplink, 1 host-web (the ports' order)
grep -qP '^0\t[0-9.]+\t198\.51\.100\.10\t8$' "$E2E_TMP/cap.txt" ||
	fail "no echo request on the uplink to the EIP"
grep -qP '^1\t[0-9.]+\t10\.0\.1\.100\t8$' "$E2E_TMP/cap.txt" ||
	fail "no echo request on host-web to the private address 10.0.1.100"
grep -qP '^1\t10\.0\.1\.100\t[0-9.]+\t0$' "$E2E_TMP/cap.txt" ||
	fail "no echo reply from 10.0.1.100 on host-web"
grep -qP '^0\t198\.51\.100\.10\t[0-9.]+\t0$' "$E2E_TMP/cap.txt" ||
	fail "no echo reply from the EIP on the uplink"
tshark -r "$pcap" -T fields -e frame.interface_name 2>/dev/null | sort -u >"$E2E_TMP/ifs.txt"
grep -q upl "$E2E_TMP/ifs.txt" || fail "interface names: $(cat "$E2E_TMP/ifs.txt")"

step "a capture of the uplink port stops at its time limit (1 s), its file readable"
ctl "capture start port 0 $E2E_TMP/up.pcapng seconds 1" >/dev/null
nsx inet ping -c 2 -i 0.2 -W 1 198.51.100.10 >/dev/null || fail "ping to the EIP failed"
wait_stopped
[ "$(status_of ended-by)" = time ] || fail "ended by '$(status_of ended-by)', expected time"
n=$(tshark -r "$E2E_TMP/up.pcapng" -T fields -e frame.interface_id 2>/dev/null | sort -u)
[ "$n" = 0 ] || fail "the uplink capture has packets of interfaces '$n'"
[ "$(tshark -r "$E2E_TMP/up.pcapng" 2>/dev/null | wc -l)" -ge 4 ] || fail "uplink capture too short"

step "the trace of a ping to the EIP: to eni-web, DNAT to 10.0.1.100, sent on port 1"
# 16: the guests' own packets (IPv6 ND, ARP) may come first
ctl "trace start 16 eni eni-web" >/dev/null
nsx inet ping -c 1 -W 1 198.51.100.10 >/dev/null || fail "ping to the EIP failed"
out=$(ctl "trace show")
echo "$out"
ctl "trace stop" >/dev/null
printf '%s\n' "$out" | grep -qE "port 0: .*IPv4 [0-9.]+ > 198\.51\.100\.10 " || fail "trace: input"
printf '%s\n' "$out" | grep -q "decided: to eni-web (i-web), DNAT to 10.0.1.100" || fail "trace: decision"
printf '%s\n' "$out" | grep -qE "out port 1: .*IPv4 [0-9.]+ > 10\.0\.1\.100 ttl 63" || fail "trace: output"
printf '%s\n' "$out" | grep -q "verdict: drop" && fail "trace: a delivered packet shown dropped"

step "the trace of a dropped packet names its reason: from the primary without EIP (no-eip)"
ctl "trace start 16 port 1" >/dev/null
expect_no_ping web 203.0.113.1 -I 10.0.1.10
out=$(ctl "trace show")
echo "$out"
ctl "trace stop" >/dev/null
printf '%s\n' "$out" | grep -q "from eni-web (i-web)" || fail "trace: the sending ENI"
printf '%s\n' "$out" | grep -q "verdict: drop no-eip" || fail "trace: the drop reason"

step "bad commands are refused and change nothing"
for bad in "capture start port 9 $E2E_TMP/x.pcapng" "capture start eni eni-nope $E2E_TMP/x.pcapng" \
	"capture start $E2E_TMP/x.pcapng count 0" "capture start $E2E_TMP/x.pcapng snaplen 10" \
	"capture start $E2E_TMP/no/such/dir/x.pcapng" "trace start 0" "trace start 5000" \
	"trace start 3 port" "trace start x" "capture stop" "trace frobnicate" "capture start"; do
	r=$(ctl_raw "$bad")
	case "$(printf '%s\n' "$r" | tail -n 1)" in ERR*) ;; *) fail "'$bad' answered '$r'" ;; esac
done
[ ! -e "$E2E_TMP/x.pcapng" ] || fail "a refused capture created its file"
[ "$(status_of running)" = no ] || fail "a refused command left a session running"
ctl "trace start 2" >/dev/null
r=$(ctl_raw "capture start $E2E_TMP/y.pcapng")
case "$r" in *IncorrectState*) ;; *) fail "a second session answered '$r'" ;; esac
ctl "trace stop" >/dev/null
expect_ping inet 198.51.100.10
kill -0 "$ENGINE_PID" || fail "the engine died"
pass "capture and trace on the running engine"
