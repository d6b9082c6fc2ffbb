#!/bin/bash
# SPEC section 4 + R4 + D9 through the EC2 Query API: the real AWS CLI
# reassigns web's secondary 10.0.1.100 (and so its EIP) to eni-standby
# while the internet pings the EIP. When the CLI call returns, the change is
# visible to every worker: no echo request reaches web afterwards, standby
# answers, and the loss stays bounded. The API listens on 127.0.0.1 inside
# the engine's own namespace, so no port is shared with anything else.
. "$(dirname "$0")/lib.sh"
e2e_init api
command -v aws >/dev/null || fail "the AWS CLI is not installed"
api_yaml "$E2E_DIR/basic.yaml" "$E2E_TMP/api.yaml" # basic.yaml with the API on, and a journal
basic_topology
addr_add stby eth0 10.0.1.100/24
engine_start "$E2E_TMP/api.yaml"

step "the API answers: describe-addresses shows the EIP on eni-web"
out=$(ec2 describe-addresses --allocation-ids eipalloc-web --output text) ||
	fail "describe-addresses failed: $out"
case "$out" in *eni-web*10.0.1.100*) ;; *) fail "describe-addresses: $out" ;; esac
expect_ping inet 198.51.100.10

step "a wrongly signed request changes nothing"
if nsx rtr env AWS_ACCESS_KEY_ID=AKIAE2ETEST00000000 AWS_SECRET_ACCESS_KEY=wrong \
	AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true timeout 30 \
	aws ec2 --endpoint-url http://127.0.0.1:8787 assign-private-ip-addresses \
	--network-interface-id eni-standby --private-ip-addresses 10.0.1.100 \
	--allow-reassignment >"$E2E_TMP/bad.out" 2>&1; then
	fail "a badly signed request was accepted"
fi
grep -q AuthFailure "$E2E_TMP/bad.out" || fail "no AuthFailure: $(cat "$E2E_TMP/bad.out")"
http_serve web 10.0.1.100 "hello from i-web"
expect_http inet http://198.51.100.10/ "hello from i-web"

step "ping the EIP every 20 ms; reassign through the API in the middle"
nsx web timeout 9 tcpdump -l -n -tt -i eth0 'icmp[icmptype] = icmp-echo and dst 10.0.1.100' \
	>"$E2E_TMP/web.cap" 2>/dev/null &
capw=$!
nsx stby timeout 9 tcpdump -l -n -tt -i eth0 'icmp[icmptype] = icmp-echo and dst 10.0.1.100' \
	>"$E2E_TMP/stby.cap" 2>/dev/null &
caps=$!
sleep 1
nsx inet ping -c 250 -i 0.02 -W 1 198.51.100.10 >"$E2E_TMP/ping.out" 2>&1 &
pinger=$!
sleep 1.5
out=$(ec2 assign-private-ip-addresses --network-interface-id eni-standby \
	--private-ip-addresses 10.0.1.100 --allow-reassignment --output text) ||
	fail "assign-private-ip-addresses failed: $out"
t_done=$(date +%s.%N)
echo "$out"
case "$out" in *10.0.1.100*) ;; *) fail "the answer does not list 10.0.1.100: $out" ;; esac
wait $pinger
wait $capw $caps

sent=$(awk '/packets transmitted/ {print $1}' "$E2E_TMP/ping.out")
recv=$(awk '/packets transmitted/ {print $4}' "$E2E_TMP/ping.out")
late=$(awk -v t="$t_done" '$1 > t' "$E2E_TMP/web.cap" | wc -l)
after=$(awk -v t="$t_done" '$1 > t' "$E2E_TMP/stby.cap" | wc -l)
echo "ping: $sent sent, $recv received; after the call returned: web $late, standby $after"
[ "$sent" = 250 ] || fail "ping did not run: $(tail -n 2 "$E2E_TMP/ping.out")"
[ $((sent - recv)) -le 10 ] || fail "lost $((sent - recv)) of $sent pings across the failover"
[ "$late" -eq 0 ] || fail "$late requests reached web after the API call returned"
[ "$after" -gt 50 ] || fail "standby received only $after requests after the failover"

step "describe-addresses: the EIP followed the address to eni-standby"
out=$(ec2 describe-addresses --allocation-ids eipalloc-web --output text) ||
	fail "describe-addresses failed"
case "$out" in *eni-standby*10.0.1.100*) ;; *) fail "describe-addresses: $out" ;; esac
http_serve stby 10.0.1.100 "hello from i-standby"
expect_http inet http://198.51.100.10/ "hello from i-standby"
pass "failover through the EC2 API: visible to every worker when the call returns"
