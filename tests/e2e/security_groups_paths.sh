#!/bin/bash
# SPEC D12 on the other paths: (1) an appliance ENI with source/dest check
# off (sg-appliance.yaml, the route target of the client subnet) is still
# subject to its groups, inbound and outbound, for the packets it forwards;
# (2) two workers (sg.yaml with workers: 2, two queue pairs per port): the
# two directions of a flow may be read by different workers and still see
# one state -- transfers of a few MB through the EIP and east-west, many
# short connections, UDP and ping, and nothing dropped as sg-*.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/security_groups_lib.sh"
e2e_init sgpath
sg_tool_init

# engine_stop: the running engine stops; its namespaces go (rtr comes back
# empty), so the next topology starts clean.
engine_stop() {
	local i
	kill -TERM "$ENGINE_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$ENGINE_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$ENGINE_PID" 2>/dev/null
	wait "$ENGINE_PID" 2>/dev/null
	rm -rf "/var/run/dpdk/enimap-$ENGINE_PID"
	ENGINE_PID=
	rm -f "$CTL_SOCK"
	for i in "${E2E_PIDS[@]}"; do
		disown "$i" 2>/dev/null
	done
	netns_cleanup "$T-" KILL
	E2E_PIDS=()
	ns_add rtr
}

# ---- 1. the appliance ----
ns_add inet
ns_add fw
ns_add client
link_add upl inet eth0 02:00:00:00:01:01
link_add fw fw eth0 02:00:00:00:30:01
link_add client client eth0 02:00:00:00:40:01
addr_add inet eth0 203.0.113.1/24 198.51.100.1/24
addr_add fw eth0 10.0.1.30/24
addr_add client eth0 10.0.2.40/24
netns_route "$T-fw" add default via 10.0.1.1 || fail "fw route"
netns_route "$T-client" add default via 10.0.2.1 || fail "client route"
nsx fw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.eth0.rp_filter=0 || fail "fw sysctl"
engine_start "$E2E_DIR/sg-appliance.yaml"
http_serve inet 203.0.113.1 "internet via the appliance"
bg inet /usr/bin/python3 -u "$E2E_DIR/httpd.py" 203.0.113.1 8080 "$E2E_TMP/www-inet" \
	>"$E2E_TMP/http-inet-8080.log" 2>&1
wait_for_line "$E2E_TMP/http-inet-8080.log" "Serving HTTP" "inet's server on 8080"
serve_udp inet 203.0.113.1 5000

step "7. appliance (source/dest check off): what sg-fw allows is forwarded"
expect_ping client 203.0.113.1
expect_http client http://203.0.113.1/ "internet via the appliance"
[ "$(counter delivered eni-fw)" -gt 0 ] || fail "nothing delivered to eni-fw"

step "7. tcp 8080 through the appliance: no inbound rule on sg-fw, dropped and counted"
before=$(drops sg-inbound)
fw_before=$(counter delivered eni-fw)
expect_no_tcp client 203.0.113.1 8080
if nsx client curl -s --max-time 2 http://203.0.113.1:8080/ >/dev/null; then
	not_denied "client fetched http://203.0.113.1:8080/ through the appliance"
fi
expect_grew sg-inbound "$before" "client -> 203.0.113.1:8080 via eni-fw"
fw_after=$(counter delivered eni-fw)
[ "$fw_after" = "$fw_before" ] ||
	not_denied "eni-fw was delivered $((fw_after - fw_before)) packet(s) of the denied flow"

step "7. udp 5000: allowed into the appliance, not out of it (sg-outbound)"
before=$(drops sg-outbound)
in_before=$(drops sg-inbound)
fw_before=$(counter delivered eni-fw)
sgtool client udp-send 203.0.113.1 5000 5 || fail "udp-send"
sleep 0.3
fw_after=$(counter delivered eni-fw)
[ "$fw_after" -ge $((fw_before + 5)) ] ||
	fail "eni-fw got $((fw_after - fw_before)) of the 5 datagrams (sg-inbound $in_before -> $(drops sg-inbound)): its inbound rule udp 5000 should pass them"
expect_grew sg-outbound "$before" "the appliance forwarding udp 5000 (no outbound rule)"
[ ! -s "$E2E_TMP/udp-inet-5000.rx" ] ||
	not_denied "the internet received: $(head -n 3 "$E2E_TMP/udp-inet-5000.rx")"

step "7. turning source/dest check on and off again does not lift the groups"
ctl sdcheck eni-fw on
ctl sdcheck eni-fw off
expect_ping client 203.0.113.1
before=$(drops sg-inbound)
expect_no_tcp client 203.0.113.1 8080
expect_grew sg-inbound "$before" "client -> 203.0.113.1:8080 after the sdcheck toggle"
engine_stop

# ---- 2. two workers ----
sed 's/^  workers: 1/  workers: 2/; s/qpairs=1/qpairs=2/' "$E2E_DIR/sg.yaml" >"$E2E_TMP/two.yaml"
grep -q "workers: 2" "$E2E_TMP/two.yaml" || fail "could not make the two-worker configuration"
basic_topology
engine_start "$E2E_TMP/two.yaml"
grep -q "2 worker(s)" "$ENGINE_LOG" || fail "the engine did not start two workers"
grep -q "port 0 uplink: uplink, dpdk port 0, 2 rx / 2 tx queue(s)" "$ENGINE_LOG" ||
	fail "the uplink does not have two queue pairs"
in0=$(drops sg-inbound)
out0=$(drops sg-outbound)
full0=$(drops sg-flow-table-full)
http_serve web "[::]" "hello from i-web"
head -c 6000000 /dev/urandom >"$E2E_TMP/www-web/blob" || fail "blob"
sum=$(sha256sum <"$E2E_TMP/www-web/blob" | cut -d' ' -f1)
serve_udp web :: 5353

# fetch NAME URL [CURL ARGS...]: the 6 MB blob arrives whole
fetch() {
	local name=$1 url=$2 got
	shift 2
	got=$(nsx "$name" curl -s -g --max-time 20 "$@" "$url" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || fail "$name: $url did not arrive whole (sha256 $got)"
}

step "8. two workers: 6 MB through the EIP, four connections, two at a time"
fetch inet http://198.51.100.10/blob &
p1=$!
fetch inet http://198.51.100.10/blob &
p2=$!
wait $p1 || fail "a transfer through the EIP failed"
wait $p2 || fail "a transfer through the EIP failed"
fetch inet http://198.51.100.10/blob
fetch inet "http://[2600:1f18:aaaa:bb01::10]/blob"
step "8. two workers: east-west, 6 MB to the primary and to the secondary"
fetch stby http://10.0.1.10/blob --interface 10.0.1.20
fetch stby http://10.0.1.100/blob --interface 10.0.1.200
step "8. two workers: 40 short connections through the EIP, 20 east-west"
for i in $(seq 40); do
	expect_http inet http://198.51.100.10/ "hello from i-web"
done
for i in $(seq 20); do
	body=$(nsx stby curl -s --max-time 5 --interface 10.0.1.20 http://10.0.1.10/) ||
		fail "standby -> 10.0.1.10 (connection $i) failed"
	[ "$body" = "hello from i-web" ] || fail "standby -> 10.0.1.10 got '$body'"
done
step "8. two workers: UDP (16 source ports) and ping both ways of the NAT"
for i in $(seq 16); do
	out=$(sgtool inet udp 198.51.100.10 5353) || fail "inet -> 198.51.100.10 udp 5353 ($i): $out"
done
http_serve inet "[::]" "hello from the internet"
for i in $(seq 10); do
	expect_http web http://203.0.113.1/ "hello from the internet"
done
nsx web ping -c 20 -i 0.05 -W 2 203.0.113.1 >"$E2E_TMP/ping.out" 2>&1 ||
	fail "web -> 203.0.113.1: $(tail -n 2 "$E2E_TMP/ping.out")"
step "8. nothing was dropped as sg-*"
expect_same sg-inbound "$in0" "two workers, allowed flows"
expect_same sg-outbound "$out0" "two workers, allowed flows"
expect_same sg-flow-table-full "$full0" "two workers, allowed flows"
step "8. ... and the groups are enforced on this engine: 8081 has no rule"
bg web /usr/bin/python3 -u "$E2E_DIR/httpd.py" :: 8081 "$E2E_TMP/www-web" \
	>"$E2E_TMP/http-web-8081.log" 2>&1
wait_for_line "$E2E_TMP/http-web-8081.log" "Serving HTTP" "web's server on 8081"
before=$(drops sg-inbound)
expect_no_tcp inet 198.51.100.10 8081
expect_grew sg-inbound "$before" "inet -> 198.51.100.10:8081 on two workers"
ctl stats | grep '^sg-'
pass "security groups: the appliance's forwarded packets and two workers"
