#!/bin/bash
# SPEC D14, D16: guests with no configuration at all get their address from
# the engine by DHCP. Real isc-dhcp-client (dhclient) in each instance's
# namespace: DISCOVER/OFFER/REQUEST/ACK broadcast through the exception
# path, the primary private IPv4 with the subnet's mask, router .1, host
# name, domain, resolver and MTU; a renewal unicast to the router's address;
# a remembered address that is not the ENI's is refused with a NAK; a
# second ENI of an instance (its own interface in the guest, a macvlan with
# the ENI's MAC) gets its own primary address; a MAC the engine does not
# know gets nothing.
. "$(dirname "$0")/lib.sh"
e2e_init dhcp
command -v dhclient >/dev/null || fail "dhclient missing (isc-dhcp-client)"
basic_links # no addresses: DHCP gives them
# basic.yaml with a second ENI on i-web (device index 1) and a 10-second lease:
# renewals (at half of it) happen during the test
{
	awk '{ print }
		$0 == "enis:" {
			print "  - id: eni-web2"
			print "    subnet: subnet-e2e"
			print "    mac: \"02:00:00:00:10:02\""
			print "    primary_ip: 10.0.1.11"
			print "    attachment: {instance: i-web, device_index: 1}"
		}' "$E2E_DIR/basic.yaml"
	printf 'guest:\n  lease_seconds: 10\n'
} >"$E2E_TMP/dhcp.yaml"
grep -q "eni-web2" "$E2E_TMP/dhcp.yaml" || fail "could not make the configuration"
engine_start "$E2E_TMP/dhcp.yaml"

# dhclient-script writes /etc/resolv.conf: `ip netns exec` binds
# /etc/netns/NS/resolv.conf over it, so the host's file stays untouched
for n in web stby; do
	mkdir -p "/etc/netns/$T-$n" && : >"/etc/netns/$T-$n/resolv.conf" || fail "resolv.conf for $n"
done
e2e_dhcp_cleanup() {
	local rc=$? n
	[ -f "$E2E_TMP/web2.pid" ] && kill "$(cat "$E2E_TMP/web2.pid")" 2>/dev/null
	for n in web stby; do
		[ -f "$E2E_TMP/$n.pid" ] && kill "$(cat "$E2E_TMP/$n.pid")" 2>/dev/null
		rm -rf "/etc/netns/$T-$n"
	done
	e2e_cleanup "$rc"
}
trap e2e_dhcp_cleanup EXIT

# dhcp NAME: dhclient on NAME's eth0, one try (it stays to renew)
dhcp() {
	nsx "$1" timeout 30 dhclient -4 -1 -v -lf "$E2E_TMP/$1.leases" -pf "$E2E_TMP/$1.pid" \
		eth0 >"$E2E_TMP/$1.dhclient" 2>&1
}

step "no address on the guests before DHCP"
nsx web ip -4 addr show dev eth0 | grep -q inet && fail "web has an IPv4 address already"

step "web: dhclient gets eni-web's primary 10.0.1.10/24 and a default route via 10.0.1.1"
dhcp web || fail "dhclient in web failed: $(tail -n 5 "$E2E_TMP/web.dhclient")"
nsx web ip -4 addr show dev eth0 | grep -q "inet 10.0.1.10/24" ||
	fail "web's eth0: $(nsx web ip -4 addr show dev eth0)"
nsx web ip route show default | grep -q "via 10.0.1.1 dev eth0" ||
	fail "web's default route: $(nsx web ip route show default)"
grep -q "DHCPOFFER of 10.0.1.10 from 10.0.1.1" "$E2E_TMP/web.dhclient" ||
	fail "no OFFER from 10.0.1.1: $(cat "$E2E_TMP/web.dhclient")"
step "the lease carries EC2's options"
lease=$E2E_TMP/web.leases
for want in 'option subnet-mask 255.255.255.0;' 'option routers 10.0.1.1;' \
	'option dhcp-server-identifier 10.0.1.1;' 'option host-name "ip-10-0-1-10";' \
	'option domain-name "us-east-1.compute.internal";' 'option domain-name-servers 10.0.0.2;' \
	'option interface-mtu 1500;' 'option dhcp-lease-time 10;'; do
	grep -qF "$want" "$lease" || fail "lease has no '$want': $(cat "$lease")"
done
grep -q "nameserver 10.0.0.2" "/etc/netns/$T-web/resolv.conf" ||
	fail "web's resolv.conf: $(cat "/etc/netns/$T-web/resolv.conf")"
[ "$(ctl guest | awk '$1 == "dhcp-offers" {print $2}')" -ge 1 ] || fail "guest: $(ctl guest)"
[ "$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')" -ge 2 ] ||
	fail "eni-web's DHCP answers: $(ctl guest eni-web)"

offers=$(nsx rtr curl -sS --max-time 5 http://127.0.0.1:9464/metrics |
	awk '$1 == "enimap_dhcp_messages_total{type=\"offer\"}" {print $2}')
[ "${offers:-0}" -ge 1 ] || fail "enimap_dhcp_messages{type=\"offer\"} is '${offers}'"
answers=$(nsx rtr curl -sS --max-time 5 http://127.0.0.1:9464/metrics |
	awk '$1 == "enimap_eni_dhcp_answers_total{eni=\"eni-web\",instance=\"i-web\"}" {print $2}')
[ "${answers:-0}" -ge 2 ] || fail "enimap_eni_dhcp_answers of eni-web is '${answers}'"

step "web's second ENI (eni-web2, device index 1) on its own interface: its primary 10.0.1.11"
nsx web ip link add link eth0 name eth1 address 02:00:00:00:10:02 type macvlan mode bridge ||
	fail "no macvlan for eni-web2"
nsx web ip link set eth1 up
nsx web timeout 30 dhclient -4 -1 -v -lf "$E2E_TMP/web2.leases" -pf "$E2E_TMP/web2.pid" \
	eth1 >"$E2E_TMP/web2.dhclient" 2>&1 ||
	fail "dhclient on eth1 failed: $(tail -n 5 "$E2E_TMP/web2.dhclient")"
grep -q "DHCPOFFER of 10.0.1.11 from 10.0.1.1" "$E2E_TMP/web2.dhclient" ||
	fail "no OFFER of 10.0.1.11: $(cat "$E2E_TMP/web2.dhclient")"
nsx web ip -4 addr show dev eth1 | grep -q "inet 10.0.1.11/24" ||
	fail "web's eth1: $(nsx web ip -4 addr show dev eth1)"
grep -qF 'option host-name "ip-10-0-1-11";' "$E2E_TMP/web2.leases" ||
	fail "eni-web2's lease: $(cat "$E2E_TMP/web2.leases")"
nsx web ip -4 addr show dev eth0 | grep -q "inet 10.0.1.10/24" || fail "web's eth0 lost 10.0.1.10"
[ "$(ctl guest eni-web2 | awk '$1 == "dhcp-answers" {print $2}')" -ge 2 ] ||
	fail "eni-web2's DHCP answers: $(ctl guest eni-web2)"
# done with it: its renewals would leave by eth0 (Linux's route to 10.0.1.1) with eth1's
# address and be dropped as spoofed, and its lease, expired, start over with a DISCOVER
# during the steps below that count OFFERs
kill "$(cat "$E2E_TMP/web2.pid")" 2>/dev/null
rm -f "$E2E_TMP/web2.pid"
nsx web ip link del eth1

step "stby: a remembered address that is not its ENI's (10.0.1.99) is refused (NAK), then 10.0.1.20"
cat >"$E2E_TMP/stby.leases" <<LEASE
lease {
  interface "eth0";
  fixed-address 10.0.1.99;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 10.0.1.1;
  option dhcp-lease-time 3600;
  renew 4 2099/01/01 00:00:00;
  rebind 4 2099/01/01 00:00:00;
  expire 4 2099/01/01 00:00:00;
}
LEASE
naks=$(ctl guest | awk '$1 == "dhcp-naks" {print $2}')
dhcp stby || fail "dhclient in stby failed: $(tail -n 5 "$E2E_TMP/stby.dhclient")"
grep -q "DHCPNAK from 10.0.1.1" "$E2E_TMP/stby.dhclient" ||
	fail "no NAK for 10.0.1.99: $(cat "$E2E_TMP/stby.dhclient")"
[ "$(ctl guest | awk '$1 == "dhcp-naks" {print $2}')" -gt "$naks" ] || fail "dhcp-naks did not grow"
nsx stby ip -4 addr show dev eth0 | grep -q "inet 10.0.1.20/24" ||
	fail "stby's eth0: $(nsx stby ip -4 addr show dev eth0)"
nsx stby ip -4 addr show dev eth0 | grep -q "10.0.1.99" && fail "stby kept 10.0.1.99"

step "the two DHCP-configured guests reach each other"
expect_ping web 10.0.1.20

step "web renews its lease by unicast to 10.0.1.1 (T1 = 5 s) and keeps its address"
answers=$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')
# dhclient logs its renewals to syslog once it runs in the background: the
# engine's counter for eni-web (stby renews too) and web's lease file tell
renewed() {
	[ "$(ctl guest eni-web | awk '$1 == "dhcp-answers" {print $2}')" -gt "$answers" ] &&
		[ "$(grep -c '^lease' "$E2E_TMP/web.leases")" -ge 2 ]
}
for _ in $(seq 40); do
	renewed && break
	sleep 0.5
done
renewed || fail "no renewal of web's lease in 20 s: $(ctl guest eni-web); $(cat "$E2E_TMP/web.leases")"
nsx web ip -4 addr show dev eth0 | grep -q "inet 10.0.1.10/24" || fail "web lost 10.0.1.10"

step "a MAC the engine does not know gets nothing (unknown-source)"
kill "$(cat "$E2E_TMP/stby.pid")" 2>/dev/null
rm -f "$E2E_TMP/stby.pid"
nsx stby ip -4 addr flush dev eth0
nsx stby ip link set eth0 address 02:00:00:00:99:99 || fail "cannot change stby's MAC"
u0=$(counter unknown-source)
offers=$(ctl guest | awk '$1 == "dhcp-offers" {print $2}')
rm -f "$E2E_TMP/stby.leases"
nsx stby timeout 8 dhclient -4 -1 -v -lf "$E2E_TMP/stby.leases" -pf "$E2E_TMP/stby.pid" eth0 \
	>"$E2E_TMP/stby2.dhclient" 2>&1 && fail "an unknown MAC got a lease: $(cat "$E2E_TMP/stby2.dhclient")"
[ "$(counter unknown-source)" -gt "$u0" ] || fail "unknown-source did not grow"
[ "$(ctl guest | awk '$1 == "dhcp-offers" {print $2}')" = "$offers" ] || fail "an OFFER went out"
nsx stby ip -4 addr show dev eth0 | grep -q inet && fail "stby has an address"
pass "DHCP configures guests from the engine alone"
