#!/bin/bash
# SPEC R18, R20, D10: a secondary ENI (device 1) moves from instance i-a to
# i-b: the engine detaches it (packets for it dropped, eni-detached), the
# ENI's interface moves from a's namespace to b's, the engine attaches it to
# i-b; its addresses and its EIP come with it, now delivered out of i-b's
# host port.
#
# Each instance namespace holds a bridge behind its host port, and each ENI
# is a veth pair: the ENI end (with the ENI's MAC and addresses) and a
# bridge port. Moving the ENI moves both ends to the other namespace.
. "$(dirname "$0")/lib.sh"
e2e_init mv
ns_add inet
ns_add a
ns_add b
link_add upl inet eth0 02:00:00:00:01:01
link_add ha a eth0 02:00:00:00:aa:aa
link_add hb b eth0 02:00:00:00:bb:bb
addr_add inet eth0 203.0.113.1/24 198.51.100.1/24

# instance NAME: a bridge br0 over eth0, and policy routing per ENI
instance() {
	ip -n "$T-$1" link add br0 type bridge || fail "bridge in $1"
	ip -n "$T-$1" link set eth0 master br0 || fail "eth0 into br0 in $1"
	ip -n "$T-$1" link set br0 up || fail "br0 up in $1"
	nsx "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.all.arp_ignore=1 || fail "sysctl in $1"
}

# eni_plug NAME IF MAC TABLE ADDR...: the ENI interface IF (peer IF-p in br0)
# in namespace NAME, with its addresses; replies from them leave by IF.
eni_plug() {
	local name=$1 ifn=$2 mac=$3 table=$4 a
	shift 4
	ip -n "$T-$name" link set "$ifn" address "$mac" || fail "mac on $ifn"
	ip -n "$T-$name" link set "$ifn-p" master br0 || fail "$ifn-p into br0"
	nsx "$name" ethtool -K "$ifn" tx off >/dev/null 2>&1 || fail "ethtool $ifn"
	nsx "$name" ethtool -K "$ifn-p" tx off >/dev/null 2>&1 || fail "ethtool $ifn-p"
	ip -n "$T-$name" link set "$ifn-p" up || fail "$ifn-p up"
	ip -n "$T-$name" link set "$ifn" up || fail "$ifn up"
	ip -n "$T-$name" route add 10.0.1.0/24 dev "$ifn" table "$table" || fail "table $table"
	ip -n "$T-$name" route add default via 10.0.1.1 dev "$ifn" table "$table" ||
		fail "default in table $table"
	for a in "$@"; do
		addr_add "$name" "$ifn" "$a/24"
		ip -n "$T-$name" rule add from "$a" table "$table" || fail "rule for $a"
	done
}

instance a
instance b
for x in a0:a b0:b m:a; do
	ip -n "$T-${x#*:}" link add "e${x%:*}" type veth peer name "e${x%:*}-p" ||
		fail "veth e${x%:*}"
done
eni_plug a ea0 02:00:00:00:a0:01 100 10.0.1.10
eni_plug b eb0 02:00:00:00:b0:01 100 10.0.1.20
eni_plug a em 02:00:00:00:c0:01 200 10.0.1.50 10.0.1.150
engine_start "$E2E_DIR/move.yaml"

http_serve a 0.0.0.0 "served by i-a"
http_serve b 0.0.0.0 "served by i-b"

step "before: the EIP 198.51.100.50 (eni-m's 10.0.1.150) reaches i-a"
expect_ping inet 198.51.100.50
expect_http inet http://198.51.100.50/ "served by i-a"
expect_ping b 10.0.1.50 -I 10.0.1.20

step "detach eni-m from i-a: nothing is delivered to it"
ctl detach eni-m
before=$(counter eni-detached)
expect_no_ping inet 198.51.100.50
after=$(counter eni-detached)
[ "$after" -ge $((before + 2)) ] || fail "eni-detached went $before -> $after"

step "move eni-m's interface (both veth ends) from namespace a to b"
ip -n "$T-a" link set em netns "$T-b" || fail "move em"
ip -n "$T-a" link set em-p netns "$T-b" || fail "move em-p"
eni_plug b em 02:00:00:00:c0:01 200 10.0.1.50 10.0.1.150

step "attach eni-m to i-b at device index 1"
ctl attach eni-m i-b 1

step "after: the same EIP and addresses reach i-b"
expect_ping inet 198.51.100.50
expect_http inet http://198.51.100.50/ "served by i-b"
expect_ping b 10.0.1.10 -I 10.0.1.50
expect_ping a 10.0.1.150 -I 10.0.1.10
body=$(nsx a curl -s --max-time 5 --interface 10.0.1.10 http://10.0.1.150/) ||
	fail "a: curl http://10.0.1.150/ failed"
[ "$body" = "served by i-b" ] || fail "a reached 10.0.1.150 at '$body'"

step "the model kept eni-m's addresses and EIP"
out=$(ctl dump)
printf '%s\n' "$out" | grep -q "10.0.1.150" || fail "10.0.1.150 missing from the dump"
printf '%s\n' "$out" | grep -q "198.51.100.50" || fail "198.51.100.50 missing from the dump"
pass "an ENI moves between instances with its addresses and EIP"
