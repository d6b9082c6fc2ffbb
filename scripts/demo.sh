#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh BUILD_DIR - `make run`: enimap on config/default.yaml between an
# internet host and two instances, each in its own network namespace, that
# configure themselves (their primary address by DHCP, their secondary ones
# from the instance metadata), then a failover of a secondary private
# address and its Elastic IP that the standby picks up by itself.
#
#   enimap-inet (203.0.113.1)  --veth--  enimap-up   \
#   enimap-web  (i-web)        --veth--  enimap-web   >  enimap (DPDK, af_packet)
#   enimap-standby (i-standby) --veth--  enimap-stby /
#
# Everything it creates is removed on exit, whatever happens.
set -u
set -o pipefail

BUILD=${1:-build}
ENIMAP="$BUILD/app/enimap"
ENIMAPCTL="$BUILD/app/enimapctl"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONFIG="$ROOT/config/default.yaml"
TMP=$(mktemp -d /tmp/enimap-demo.XXXXXX)
SOCK="$TMP/ctl.sock"
LOG="$TMP/enimap.log"
ENGINE_PID=
NS=(enimap-inet enimap-web enimap-standby)
# the namespaces above and the engine's veths (enimap-up, -web, -stby)
PREFIX=enimap-
. "$ROOT/scripts/netns.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() {
	echo "demo failed: $*" >&2
	[ -f "$LOG" ] && { echo "--- enimap log ---"; tail -n 30 "$LOG"; } >&2
	exit 1
}

cleanup() {
	local rc=$?
	set +e
	if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -TERM "$ENGINE_PID"
		for _ in $(seq 50); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$ENGINE_PID" 2>/dev/null
	fi
	netns_cleanup "$PREFIX" TERM
	rm -rf /etc/netns/enimap-web /etc/netns/enimap-standby
	[ -n "$ENGINE_PID" ] && rm -rf "/var/run/dpdk/enimap-$ENGINE_PID"
	rm -rf "$TMP"
	echo "demo: cleaned up (namespaces, veths, engine, /var/run/dpdk/enimap-${ENGINE_PID:-?})"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
[ -x "$ENIMAP" ] || die "$ENIMAP not built (make build)"
[ -x "$ENIMAPCTL" ] || die "$ENIMAPCTL not built (make build)"
[ -f "$CONFIG" ] || die "$CONFIG missing"

ctl() {
	printf '$ enimapctl -s ctl.sock %s   # the control socket\n' "$*"
	timeout 10 "$ENIMAPCTL" -s "$SOCK" "$@" 2>&1 | sed 's/^/  /'
}

# link ENGINE_IF NS MAC: a veth pair, ENGINE_IF stays here for DPDK's af_packet
# (no IPv6 on it), eth0 with MAC in NS; no tx checksum offload on either end
link() {
	netns_veth "" "$1" "$2" eth0 "$3" || die "veth $1"
}

# addrs NS ADDR/LEN...: addresses on NS's eth0
addrs() {
	local ns=$1
	shift
	netns_addr "$ns" eth0 "$@" || die "addresses in $ns"
}

say "1. The topology of config/default.yaml, in network namespaces"
netns_cleanup "$PREFIX" TERM # what an interrupted run may have left
for ns in "${NS[@]}"; do
	netns_add "$ns" || die "ip netns add $ns"
done
link enimap-up enimap-inet 02:00:00:00:01:01
link enimap-web enimap-web 02:00:00:00:10:01
link enimap-stby enimap-standby 02:00:00:00:20:01
# the internet host: its own address, and the EIP range on-link (it ARPs the
# EIPs; the engine answers for the associated ones)
addrs enimap-inet 203.0.113.1/24 198.51.100.1/24
# the instances: no address at all but their link-local ones (DHCP, the
# router advertisements, DHCPv6 and the metadata give them the rest, step 3b)
echo "enimap-inet     eth0 02:00:00:00:01:01  203.0.113.1/24, 198.51.100.1/24 (EIPs on-link)"
echo "enimap-web      eth0 02:00:00:00:10:01  no address  (i-web / eni-web)"
echo "enimap-standby  eth0 02:00:00:00:20:01  no address  (i-standby / eni-standby)"

say "2. The model loaded from config/default.yaml (enimap --print-model)"
"$ENIMAP" -c "$CONFIG" --print-model || die "the configuration does not load"

say "3. Start enimap (DPDK, one worker, af_packet on the three veths)"
"$ENIMAP" -c "$CONFIG" --control "$SOCK" >"$LOG" 2>&1 &
ENGINE_PID=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && timeout 2 "$ENIMAPCTL" -s "$SOCK" help >/dev/null 2>&1 && break
	kill -0 "$ENGINE_PID" 2>/dev/null || die "enimap exited"
	sleep 0.2
done
[ -S "$SOCK" ] || die "enimap did not open its control socket"
grep -E "started|no hugepages|port " "$LOG" | sed 's/^/  log: /'

say "3b. The instances configure themselves: DHCP, router advertisements, DHCPv6, the metadata service"
if ! command -v dhclient >/dev/null 2>&1; then
	die "dhclient missing (isc-dhcp-client: make deps)"
fi
grep -q "instance metadata service: 169.254.169.254" "$LOG" ||
	die "enimap runs without its metadata service: $(grep -i metadata "$LOG")"
for ns in enimap-web enimap-standby; do
	# dhclient-script writes resolv.conf: `ip netns exec` binds this one over the host's
	mkdir -p "/etc/netns/$ns" && : >"/etc/netns/$ns/resolv.conf"
	run ip netns exec "$ns" timeout 30 dhclient -4 -1 -lf "$TMP/$ns.leases" \
		-pf "$TMP/$ns.dhclient.pid" eth0 || die "DHCP in $ns"
	# the advertisement the engine sent at its start: the IPv6 default route
	for _ in $(seq 40); do
		ip -n "$ns" -6 route show default | grep -q "proto ra" && break
		sleep 0.25
	done
	run ip netns exec "$ns" timeout 30 dhclient -6 -1 -lf "$TMP/$ns.leases6" \
		-pf "$TMP/$ns.dhclient6.pid" eth0 || die "DHCPv6 in $ns"
	# ec2-net-utils' part: the secondary addresses the metadata lists, kept in
	# step with it every second (scripts/imds-agent.sh)
	ip netns exec "$ns" bash "$ROOT/scripts/imds-agent.sh" --every 1 >"$TMP/agent-$ns.log" 2>&1 &
done
for _ in $(seq 50); do
	ip -n enimap-web -4 addr show dev eth0 | grep -q "inet 10.0.1.100/" && break
	sleep 0.2
done
for ns in enimap-web enimap-standby; do
	echo "$ns:"
	ip -n "$ns" -o addr show dev eth0 scope global | awk '{print "   " $4}'
	ip -n "$ns" -4 route show default | sed 's/^/   /'
	ip -n "$ns" -6 route show default | sed 's/^/   /'
done
run ip netns exec enimap-web curl -s --max-time 5 \
	http://169.254.169.254/latest/meta-data/network/interfaces/macs/02:00:00:00:10:01/local-ipv4s ||
	die "the metadata service did not answer"
echo
ip -n enimap-web -4 addr show dev eth0 | grep -q "inet 10.0.1.100/" ||
	die "web's agent did not bring up 10.0.1.100 from the metadata"

# web servers naming the instance that answers
for ns in enimap-web enimap-standby; do
	mkdir -p "$TMP/$ns" && echo "hello from ${ns#enimap-} (i-${ns#enimap-})" >"$TMP/$ns/index.html"
	# (python's http.server without its reverse DNS lookup at bind: see httpd.py)
	ip netns exec "$ns" /usr/bin/python3 -u "$ROOT/tests/e2e/httpd.py" 0.0.0.0 80 \
		"$TMP/$ns" >"$TMP/http-$ns.log" 2>&1 &
done
for ns in enimap-web enimap-standby; do
	for _ in $(seq 100); do
		grep -q "Serving HTTP" "$TMP/http-$ns.log" && break
		sleep 0.1
	done
	grep -q "Serving HTTP" "$TMP/http-$ns.log" || die "web server in $ns did not start"
done

say "4. From the internet: the EIP 198.51.100.10 is NATed to eni-web's 10.0.1.100"
run ip netns exec enimap-inet ping -c 3 -i 0.3 -W 2 198.51.100.10 || die "ping of the EIP failed"
run ip netns exec enimap-inet curl -s --max-time 5 http://198.51.100.10/ || die "curl failed"
echo "(the internet host resolved the EIP to the engine's uplink MAC:"
ip -n enimap-inet neigh show 198.51.100.10 | sed 's/^/   /'
echo ")"

# wait_addr NS HAS|LACKS: until NS's eth0 has (lacks) 10.0.1.100, at most 10 s
wait_addr() {
	local t0=$SECONDS has
	for _ in $(seq 100); do
		has=LACKS
		ip -n "$1" -4 addr show dev eth0 | grep -q "inet 10.0.1.100/" && has=HAS
		[ "$has" = "$2" ] && break
		sleep 0.1
	done
	[ "$has" = "$2" ] || die "$1's agent did not follow the metadata within 10 s"
	echo "($1's agent: 10.0.1.100 $([ "$2" = HAS ] && echo added || echo removed) from the metadata within $((SECONDS - t0 + 1)) s; no command was run in $1)"
}

say "5. Failover: reassign 10.0.1.100 to eni-standby (AllowReassignment); its EIP follows"
if command -v aws >/dev/null 2>&1; then
	echo "(through the EC2 API with the AWS CLI; the call returns once every worker sees the change)"
	run env AWS_ACCESS_KEY_ID=AKIAENIMAPDEMO00000 \
		AWS_SECRET_ACCESS_KEY=enimapDemoSecretKey0000000000000000000000 \
		AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
		timeout 30 aws ec2 assign-private-ip-addresses --endpoint-url http://127.0.0.1:8787 \
		--network-interface-id eni-standby --private-ip-addresses 10.0.1.100 \
		--allow-reassignment || die "the EC2 API refused the reassignment"
else
	ctl assign eni-standby 10.0.1.100 --allow-reassignment
fi
wait_addr enimap-standby HAS
wait_addr enimap-web LACKS
run ip netns exec enimap-inet curl -s --max-time 5 http://198.51.100.10/ || die "curl failed"
run ip netns exec enimap-inet ping -c 3 -i 0.3 -W 2 198.51.100.10 || die "ping after failover"

say "6. And back: eni-web takes 10.0.1.100 again"
ctl assign eni-web 10.0.1.100 --allow-reassignment
wait_addr enimap-web HAS
run ip netns exec enimap-inet curl -s --max-time 5 http://198.51.100.10/ || die "curl failed"

say "7. IPv6 from web to standby, east-west"
run ip netns exec enimap-web ping -c 2 -i 0.3 -W 2 2600:1f18:aaaa:bb01::20 || die "ping6"

say "8. Counters: per ENI deliveries, drops by reason"
ctl eni eni-web
ctl eni eni-standby
ctl drops
ctl guest
echo "The tables the workers read, and their check against the model (empty: equal):"
ctl nat
ctl enis
ctl check
echo "The same counters over DPDK telemetry (dpdk-telemetry.py -f enimap-$ENGINE_PID):"
printf '/enimap/eni,eni-web\n/enimap/stats\n' |
	timeout 10 dpdk-telemetry.py -f "enimap-$ENGINE_PID" 2>/dev/null | sed -n 's/^--> //p; s/^{/  {/p' ||
	echo "  (dpdk-telemetry.py not available)"

say "9. Done: stopping enimap (SIGTERM), then removing the namespaces"
kill -TERM "$ENGINE_PID"
for _ in $(seq 100); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ENGINE_PID" 2>/dev/null; then
	echo "enimap did not stop within 10 s"
else
	wait "$ENGINE_PID"
	echo "enimap exited with status $?; its last log lines:"
	tail -n 2 "$LOG" | sed 's/^/  log: /'
fi
