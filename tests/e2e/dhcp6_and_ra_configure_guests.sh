#!/bin/bash
# SPEC D14, D16: IPv6 guests with no configuration get it from the engine
# alone. The kernel of each instance namespace takes the router
# advertisements (managed flag, the subnet's /64 on-link without
# autoconfiguration, the router's link-local address as its default route),
# unsolicited at the engine's start and solicited when its link comes up;
# real isc-dhcp-client (`dhclient -6`) gets the ENI's first IPv6 address by
# SOLICIT/ADVERTISE/REQUEST/REPLY; the guests then reach each other and the
# internet host over IPv6; the metadata service answers at [fd00:ec2::254]
# the instance that enabled it (HttpProtocolIpv6, through the AWS CLI) and
# no other; a renewal keeps the address; a MAC the engine does not know gets
# nothing.
. "$(dirname "$0")/lib.sh"
e2e_init dhcp6
command -v dhclient >/dev/null || fail "dhclient missing (isc-dhcp-client)"
command -v aws >/dev/null || fail "the AWS CLI is not installed"
basic_links # the guests have only their link-local addresses
addr_add inet eth0 2001:db8:ffff::1/64
netns_route "$T-inet" -6 add 2600:1f18:aaaa:bb00::/56 dev eth0 || fail "inet v6 route"
# basic.yaml with the API and a 10-second lease: a renewal (T1 = 5 s) happens during the test
api_yaml "$E2E_DIR/basic.yaml" "$E2E_TMP/api.yaml"
{
	cat "$E2E_TMP/api.yaml"
	printf 'guest:\n  lease_seconds: 10\n'
} >"$E2E_TMP/dhcp6.yaml"

for n in web stby; do
	mkdir -p "/etc/netns/$T-$n" && : >"/etc/netns/$T-$n/resolv.conf" || fail "resolv.conf for $n"
done
e2e_dhcp6_cleanup() {
	local rc=$? n
	for n in web stby; do
		[ -f "$E2E_TMP/$n.pid" ] && kill "$(cat "$E2E_TMP/$n.pid")" 2>/dev/null
		rm -rf "/etc/netns/$T-$n"
	done
	e2e_cleanup "$rc"
}
trap e2e_dhcp6_cleanup EXIT

# router link-local addresses: fe80:: + the modified EUI-64 of host-web's
# MAC 02:00:00:00:00:02 and host-standby's 02:00:00:00:00:03
RTR_WEB=fe80::ff:fe00:2
RTR_STBY=fe80::ff:fe00:3

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS
wait_for() {
	local s=$1 i
	shift
	for i in $(seq $((s * 4))); do
		"$@" && return 0
		sleep 0.25
	done
	return 1
}
default6_via() { nsx "$1" ip -6 route show default | grep -q "via $2 dev eth0 proto ra"; }
# no tentative link-local address left: dhclient -6 binds to it
link_local_ready() {
	nsx "$1" ip -6 addr show dev eth0 scope link | grep -q inet6 &&
		! nsx "$1" ip -6 addr show dev eth0 scope link | grep -q tentative
}
# dhcp6 NAME: dhclient -6 on NAME's eth0, one try (it stays to renew)
dhcp6() {
	nsx "$1" timeout 30 dhclient -6 -1 -v -lf "$E2E_TMP/$1.leases" -pf "$E2E_TMP/$1.pid" \
		eth0 >"$E2E_TMP/$1.dhclient" 2>&1
}

wait_for 10 link_local_ready web || fail "web's link-local address: $(nsx web ip -6 addr)"
engine_start "$E2E_TMP/dhcp6.yaml"

step "web: the advertisement sent at the engine's start gives a default route via $RTR_WEB"
wait_for 10 default6_via web "$RTR_WEB" ||
	fail "web's IPv6 default route: $(nsx web ip -6 route show)"
# (the kernel's route of an advertised prefix: proto kernel, with the prefix's lifetime)
nsx web ip -6 route show 2600:1f18:aaaa:bb01::/64 | grep -q "dev eth0 proto kernel .*expires" ||
	fail "the subnet's /64 is not on-link in web: $(nsx web ip -6 route show)"
step "autoconfiguration off: no address made up from the prefix"
nsx web ip -6 addr show dev eth0 scope global | grep -q inet6 &&
	fail "web made up an address: $(nsx web ip -6 addr show dev eth0)"
[ "$(ctl guest | awk '$1 == "ra-unsolicited" {print $2}')" -ge 1 ] || fail "guest: $(ctl guest)"

step "stby: its link comes up, it solicits, the answer gives a default route via $RTR_STBY"
solicited=$(ctl guest | awk '$1 == "ra-solicited" {print $2}')
# (the test namespaces are made quiet, lib.sh: solicitations back on, as a guest has them)
nsx stby sysctl -qw net.ipv6.conf.eth0.router_solicitations=3 || fail "sysctl in stby"
nsx stby ip link set eth0 down
nsx stby ip link set eth0 up
wait_for 10 default6_via stby "$RTR_STBY" ||
	fail "stby's IPv6 default route: $(nsx stby ip -6 route show)"
[ "$(ctl guest | awk '$1 == "ra-solicited" {print $2}')" -gt "$solicited" ] ||
	fail "no solicited advertisement: $(ctl guest)"

step "web: dhclient -6 gets eni-web's 2600:1f18:aaaa:bb01::10"
dhcp6 web || fail "dhclient -6 in web failed: $(tail -n 5 "$E2E_TMP/web.dhclient")"
nsx web ip -6 addr show dev eth0 scope global | grep -q "inet6 2600:1f18:aaaa:bb01::10/" ||
	fail "web's eth0: $(nsx web ip -6 addr show dev eth0)"
grep -q "Advertise message on eth0 from $RTR_WEB" "$E2E_TMP/web.dhclient" || fail "no ADVERTISE: $(cat "$E2E_TMP/web.dhclient")"
step "the lease carries the resolver and the domain"
for want in 'iaaddr 2600:1f18:aaaa:bb01::10' 'option dhcp6.name-servers fd00:ec2::253;' \
	'option dhcp6.domain-search "us-east-1.compute.internal.";' \
	'option dhcp6.server-id 0:3:0:1:2:0:0:0:0:2;'; do
	grep -qF "$want" "$E2E_TMP/web.leases" || fail "lease has no '$want': $(cat "$E2E_TMP/web.leases")"
done
[ "$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')" -ge 2 ] ||
	fail "eni-web's DHCP answers: $(ctl guest eni-web)"

step "stby: dhclient -6 gets eni-standby's 2600:1f18:aaaa:bb01::20"
wait_for 10 link_local_ready stby || fail "stby's link-local address: $(nsx stby ip -6 addr)"
dhcp6 stby || fail "dhclient -6 in stby failed: $(tail -n 5 "$E2E_TMP/stby.dhclient")"
nsx stby ip -6 addr show dev eth0 scope global | grep -q "inet6 2600:1f18:aaaa:bb01::20/" ||
	fail "stby's eth0: $(nsx stby ip -6 addr show dev eth0)"

step "the DHCPv6-configured guests reach each other and the internet host"
expect_ping web 2600:1f18:aaaa:bb01::20
expect_ping stby 2001:db8:ffff::1
expect_ping inet 2600:1f18:aaaa:bb01::10

step "the metadata service at [fd00:ec2::254]: nothing until the instance enables it"
# md6 NAME PATH [CURL ARGS...]: GET http://[fd00:ec2::254]/PATH from NAME; the body
md6() {
	local n=$1 p=$2
	shift 2
	nsx "$n" curl -g -sS --max-time "${MD6_WAIT:-10}" "$@" "http://[fd00:ec2::254]/$p"
}
grep -q "instance metadata service: 169.254.169.254:80 and \[fd00:ec2::254\]:80" "$ENGINE_LOG" ||
	fail "no IPv6 metadata endpoint: $(grep metadata "$ENGINE_LOG")"
off=$(ctl guest | awk '$1 == "imds-ipv6-disabled" {print $2}')
MD6_WAIT=3 md6 web latest/meta-data/instance-id 2>/dev/null &&
	fail "web was answered at [fd00:ec2::254] with HttpProtocolIpv6 disabled"
[ "$(ctl guest | awk '$1 == "imds-ipv6-disabled" {print $2}')" -gt "$off" ] ||
	fail "imds-ipv6-disabled did not grow: $(ctl guest)"
v6off=$(nsx rtr curl -sS --max-time 5 http://127.0.0.1:9464/metrics |
	awk '$1 == "enimap_metadata_dropped_segments_total{reason=\"ipv6_disabled\"}" {print $2}')
[ "${v6off:-0}" -gt "$off" ] ||
	fail "enimap_metadata_dropped_segments_total{reason=\"ipv6_disabled\"} is '${v6off}' (was $off)"
out=$(ec2 modify-instance-metadata-options --instance-id i-web --http-protocol-ipv6 enabled) ||
	fail "modify-instance-metadata-options: $out"
echo "$out" | grep -q '"HttpProtocolIpv6": "enabled"' || fail "not enabled: $out"
step "web reads its own metadata over IPv6, its address listed"
got=$(md6 web latest/meta-data/instance-id) || fail "web: no answer at [fd00:ec2::254]"
[ "$got" = i-web ] || fail "web's instance-id over IPv6 is '$got'"
got=$(md6 web latest/meta-data/network/interfaces/macs/02:00:00:00:10:01/ipv6s) ||
	fail "web: no ipv6s"
[ "$got" = 2600:1f18:aaaa:bb01::10 ] || fail "web's ipv6s: '$got'"
step "IMDSv2 over IPv6: the token's answer leaves with hop limit 1, the token opens the metadata"
nsx web timeout 15 tcpdump -l -n -v -i eth0 -c 20 'tcp and src host fd00:ec2::254' \
	>"$E2E_TMP/hlim.txt" 2>/dev/null &
dump=$!
sleep 1
tok=$(md6 web latest/api/token -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') ||
	fail "no token over IPv6"
sleep 1
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
grep -q "hlim 1," "$E2E_TMP/hlim.txt" ||
	fail "the token's answer was not sent with hop limit 1: $(cat "$E2E_TMP/hlim.txt")"
got=$(md6 web latest/meta-data/instance-id -H "X-aws-ec2-metadata-token: $tok") ||
	fail "the token did not open the metadata"
[ "$got" = i-web ] || fail "web's instance-id with the token: '$got'"
step "stby (HttpProtocolIpv6 still disabled) gets nothing at [fd00:ec2::254]"
MD6_WAIT=3 md6 stby latest/meta-data/instance-id 2>/dev/null &&
	fail "stby was answered over IPv6"
[ "$(ctl guest eni-web | awk '$1 == "imds-answers" {print $2}')" -ge 3 ] ||
	fail "eni-web's metadata answers: $(ctl guest eni-web)"

step "web renews (T1 = 5 s) and keeps its address"
answers=$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')
renewed() { [ "$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')" -gt "$answers" ]; }
wait_for 20 renewed || fail "no renewal of web's lease in 20 s: $(ctl guest eni-web)"
nsx web ip -6 addr show dev eth0 scope global | grep -q "inet6 2600:1f18:aaaa:bb01::10/" ||
	fail "web lost its address: $(nsx web ip -6 addr show dev eth0)"
replies=$(nsx rtr curl -sS --max-time 5 http://127.0.0.1:9464/metrics |
	awk '$1 == "enimap_dhcp_messages_total{type=\"reply\"}" {print $2}')
[ "${replies:-0}" -ge 3 ] || fail "enimap_dhcp_messages{type=\"reply\"} is '${replies}'"

step "a MAC the engine does not know gets nothing"
kill "$(cat "$E2E_TMP/stby.pid")" 2>/dev/null
rm -f "$E2E_TMP/stby.pid" "$E2E_TMP/stby.leases"
nsx stby ip -6 addr flush dev eth0 scope global
nsx stby ip link set eth0 address 02:00:00:00:99:99 || fail "cannot change stby's MAC"
wait_for 10 link_local_ready stby || fail "stby's link-local address: $(nsx stby ip -6 addr)"
u0=$(counter unknown-source)
advertised=$(ctl guest | awk '$1 == "dhcp6-advertises" {print $2}')
nsx stby timeout 8 dhclient -6 -1 -v -lf "$E2E_TMP/stby.leases" -pf "$E2E_TMP/stby.pid" eth0 \
	>"$E2E_TMP/stby2.dhclient" 2>&1 && fail "an unknown MAC got a lease: $(cat "$E2E_TMP/stby2.dhclient")"
[ "$(counter unknown-source)" -gt "$u0" ] || fail "unknown-source did not grow"
[ "$(ctl guest | awk '$1 == "dhcp6-advertises" {print $2}')" = "$advertised" ] ||
	fail "an ADVERTISE went out"
nsx stby ip -6 addr show dev eth0 scope global | grep -q inet6 && fail "stby has an address"
pass "router advertisements and DHCPv6 configure IPv6 guests from the engine alone"
