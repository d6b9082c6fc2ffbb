#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# enimap on net_af_packet vs Linux nftables doing stateless 1:1 NAT with a
# map, in one topology (SPEC section 5):
#
#   gen ns [g0] --veth-- [g1] rtr ns [i1] --veth-- [i0] inst ns
#
# The generator (enimap-udp-gen) sends 64-byte UDP from g0 to destinations
# uniformly random over 64K EIPs. The router namespace either runs enimap
# (ports net_af_packet on g1 = uplink and i1 = host; the kernel does not
# forward) or forwards in the kernel with
#   ip daddr set ip daddr map @eips   (prerouting, raw priority, notrack)
# and a route of the private range to the instance. Delivered packets are
# counted on i0 (interface rx counter) over each measured run. A warm-up run
# of each first, then the runs interleaved: enimap, nftables, enimap, ...
#
# Usage: bench/vs_nftables.sh BUILD_DIR [quick|full]
# Prints JSON figure lines on stdout; the rest on stderr. Root needed.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
mode=${2:-quick}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
enimap=$build/app/enimap
gen=$build/bench/enimap-udp-gen
. "$root/scripts/netns.sh"
n_eips=65536
secs=3 rounds=3
[ "$mode" = full ] && secs=5 rounds=5

log() { echo "vs_nftables: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root"; exit 1; }
[ -x "$enimap" ] && [ -x "$gen" ] || { log "build first ($enimap, $gen)"; exit 1; }
if ! command -v nft >/dev/null; then
	log "installing nftables"
	apt-get install -y nftables >/dev/null 2>&1 || { log "nftables missing"; exit 1; }
fi

T=vsnft$$
tmp=$(mktemp -d "/tmp/$T.XXXXXX")
engine_pid=
cleanup() {
	set +e
	if [ -n "$engine_pid" ]; then
		kill -TERM "$engine_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$engine_pid" 2>/dev/null
		rm -rf "/var/run/dpdk/enimap-$engine_pid"
	fi
	netns_cleanup "$T-" KILL
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# (scripts/netns.sh: IPv4 only; tx checksum offload off on every veth end)
for ns in gen rtr inst; do
	netns_add "$T-$ns"
	netns_no_ipv6 "$T-$ns"
done
netns_veth "$T-rtr" g1 "$T-gen" g0
netns_veth "$T-rtr" i1 "$T-inst" i0
netns_addr "$T-inst" i0 192.168.2.2/24
netns_addr "$T-rtr" i1 192.168.2.1/24
netns_addr "$T-rtr" g1 198.18.0.1/24
netns_addr "$T-gen" g0 198.18.0.2/24
ip netns exec "$T-rtr" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.g1.rp_filter=0
g1_mac=$(ip netns exec "$T-rtr" cat /sys/class/net/g1/address)

# the VPC: 64K private addresses, each with an EIP (100.64.0.1 + i), on ENIs of host0
cfg=$tmp/vpc.yaml
python3 "$root/scripts/gen-config.py" --v4 $n_eips --eips $n_eips --per-eni 250 -o "$cfg.gen"
sed -e 's|"net_af_packet0,iface=lo"|"net_af_packet0,iface=g1,qpairs=1"|' \
	-e 's|"net_af_packet1,iface=lo"|"net_af_packet1,iface=i1,qpairs=1"|' "$cfg.gen" >"$cfg"
grep -q 'iface=g1' "$cfg" && grep -q 'iface=i1' "$cfg" || { log "unexpected gen-config.py ports"; exit 1; }

# nftables: the same 64K EIP -> private pairs as a map, from the same file
python3 - "$cfg" >"$tmp/nat.nft" <<'PY'
import re, sys
pairs = re.findall(r'public_ip: ([0-9.]+), association: \{eni: [^,]+, private_ip: ([0-9.]+)\}',
                   open(sys.argv[1]).read())
print("table ip vsnft {")
print("  map eips { type ipv4_addr : ipv4_addr; elements = {")
print(",\n".join("    %s : %s" % p for p in pairs))
print("  } }")
print("  chain pre {")
print("    type filter hook prerouting priority raw; policy accept;")
print("    notrack ip daddr set ip daddr map @eips")
print("  }")
print("}")
PY
[ "$(grep -c ' : ' "$tmp/nat.nft")" -ge $n_eips ] || { log "map incomplete"; exit 1; }

nft_on() {
	ip netns exec "$T-rtr" nft -f "$tmp/nat.nft"
	netns_route "$T-rtr" replace 10.0.0.0/8 via 192.168.2.2 dev i1
	ip netns exec "$T-rtr" sysctl -qw net.ipv4.ip_forward=1
}
nft_off() {
	ip netns exec "$T-rtr" sysctl -qw net.ipv4.ip_forward=0
	ip netns exec "$T-rtr" nft delete table ip vsnft 2>/dev/null || true
}
engine_on() {
	ip netns exec "$T-rtr" "$enimap" -c "$cfg" >"$tmp/engine.log" 2>&1 &
	engine_pid=$!
	for _ in $(seq 300); do
		kill -0 "$engine_pid" 2>/dev/null || { cat "$tmp/engine.log" >&2; log "enimap exited"; exit 1; }
		grep -q "started:" "$tmp/engine.log" && return 0
		sleep 0.1
	done
	cat "$tmp/engine.log" >&2
	log "enimap did not start"
	exit 1
}
engine_off() {
	kill -TERM "$engine_pid"
	for _ in $(seq 100); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$engine_pid" 2>/dev/null || true
	wait "$engine_pid" 2>/dev/null || true
	rm -rf "/var/run/dpdk/enimap-$engine_pid"
	engine_pid=
}

rx() { ip netns exec "$T-inst" cat /sys/class/net/i0/statistics/rx_packets; }

# One measured run: delivered packets per second on i0.
measure() {
	local before after sent
	before=$(rx)
	sent=$(ip netns exec "$T-gen" "$gen" g0 "$g1_mac" 198.18.0.2 100.64.0.1 $n_eips "$secs")
	sleep 0.2
	after=$(rx)
	log "$1: sent $sent, delivered $((after - before)) in $secs s"
	echo $(((after - before) / secs))
}

run_enimap() { engine_on; sleep 0.5; measure enimap; engine_off; }
run_nft() { nft_on; sleep 0.2; measure nftables; nft_off; }

log "warm-up"
run_enimap >/dev/null
run_nft >/dev/null
e_all=() n_all=()
for r in $(seq "$rounds"); do
	e_all+=("$(run_enimap)")
	n_all+=("$(run_nft)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
e=$(median "${e_all[@]}")
n=$(median "${n_all[@]}")
log "enimap ${e_all[*]} pps; nftables ${n_all[*]} pps"
ratio=$(awk -v e="$e" -v n="$n" 'BEGIN {printf "%.3f", (n > 0 ? e / n : 0)}')
echo "{\"figure\": \"vs_nftables.enimap_af_packet.pps\", \"value\": $e, \"unit\": \"pps\", \"baseline\": $n}"
echo "{\"figure\": \"vs_nftables.nftables_map_notrack.pps\", \"value\": $n, \"unit\": \"pps\", \"baseline\": $e}"
echo "{\"figure\": \"vs_nftables.ratio\", \"value\": $ratio, \"unit\": \"x\", \"baseline\": 1.5}"
