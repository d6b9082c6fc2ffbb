#!/bin/bash
# SPEC D6 (route to an ENI target: delivered unchanged to the appliance), D4
# with source/dest check off (the appliance forwards the client's packets,
# whose source is not its own), R23; then, check turned back on at run time,
# the same forwarded packets are dropped as spoofed.
. "$(dirname "$0")/lib.sh"
e2e_init app
ns_add inet
ns_add fw
ns_add client
link_add upl inet eth0 02:00:00:00:01:01
link_add fw fw eth0 02:00:00:00:30:01
link_add client client eth0 02:00:00:00:40:01
addr_add inet eth0 203.0.113.1/24 198.51.100.1/24
addr_add fw eth0 10.0.1.30/24
addr_add client eth0 10.0.2.40/24
ip -n "$T-fw" route add default via 10.0.1.1 || fail "fw route"
ip -n "$T-client" route add default via 10.0.2.1 || fail "client route"
# the appliance: a router that sends forwarded packets back out of eth0
nsx fw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.eth0.send_redirects=0 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.eth0.rp_filter=0 || fail "fw sysctl"
engine_start "$E2E_DIR/appliance.yaml"

step "client 10.0.2.40 -> inet 203.0.113.1: routed through the appliance"
nsx fw timeout 6 tcpdump -l -n -i eth0 'icmp[icmptype] = icmp-echo and src 10.0.2.40' \
	>"$E2E_TMP/fw.cap" 2>/dev/null &
capf=$!
nsx inet timeout 6 tcpdump -l -n -i eth0 'icmp[icmptype] = icmp-echo' \
	>"$E2E_TMP/inet.cap" 2>/dev/null &
capi=$!
sleep 0.5
expect_ping client 203.0.113.1
http_serve inet 203.0.113.1 "internet via the appliance"
expect_http client http://203.0.113.1/ "internet via the appliance"
wait $capf $capi
# the appliance sees each request twice (in, then forwarded out)
n=$(grep -c "10.0.2.40 > 203.0.113.1" "$E2E_TMP/fw.cap")
[ "$n" -ge 3 ] || fail "the appliance saw $n of the client's echo requests"
grep -q "198.51.100.40 > 203.0.113.1" "$E2E_TMP/inet.cap" ||
	fail "inet did not see the client's EIP as source: $(head -n 3 "$E2E_TMP/inet.cap")"
[ "$(counter delivered eni-fw)" -gt 0 ] || fail "nothing delivered to eni-fw"

step "source/dest check back on for eni-fw: its forwarded packets are spoofed"
ctl sdcheck eni-fw on
before=$(counter spoofed-source)
expect_no_ping client 203.0.113.1
after=$(counter spoofed-source)
[ "$after" -ge $((before + 2)) ] || fail "spoofed-source went $before -> $after"

step "off again: forwarding resumes"
ctl sdcheck eni-fw off
expect_ping client 203.0.113.1
pass "appliance as a route target"
