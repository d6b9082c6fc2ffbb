#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# enimap on net_af_packet and on net_af_xdp vs Linux nftables doing
# stateless 1:1 NAT with a map, in one topology (SPEC section 5):
#
#   gen ns [g0] --veth-- [g1] rtr ns [i1] --veth-- [i0] inst ns
#
# The generator (enimap-udp-gen) sends 64-byte UDP from g0 to destinations
# uniformly random over 64K EIPs. The router namespace either runs enimap
# (ports on g1 = uplink and i1 = host, net_af_packet or net_af_xdp; the
# kernel does not forward) or forwards in the kernel with
#   ip daddr set ip daddr map @eips   (prerouting, raw priority, notrack)
# and a route of the private range to the instance. Delivered packets are
# counted on i0 (interface rx counter) over each measured run. A warm-up run
# of each first, then the runs interleaved: enimap on each PMD, nftables, ...
#
# Pinning and steering: see "CPUs" below.
#
# net_af_xdp: the PMD attaches its XDP program (libxdp) to each veth end in
# the router namespace, in driver mode (veth has native XDP), copy mode (no
# zero-copy on veth); libxdp pins under /sys/fs/bpf, which `ip netns exec`
# hides (it mounts a fresh /sys), so the engine starts under a mount of
# bpffs in its own invocation. Environment: VS_NFT_PMDS (default
# "af_packet af_xdp").
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
pmds=${VS_NFT_PMDS:-"af_packet af_xdp"}
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
# CPUs: the generator on CPU 0 (taskset); enimap's worker is lcore 1 on
# CPU 1 (its EAL -l 0-1). Where the kernel does a router's work is the
# steering, and each router is measured both ways: rps_off, what g1 receives
# is processed in the generator's softirq on CPU 0 (nftables' prerouting,
# routing and veth transmit; af_packet's copy into its ring); rps_on, RPS on
# g1 hands it to CPU 1's backlog, beside enimap's polling worker. XDP runs
# before RPS: af_xdp's redirect into its socket stays on CPU 0 either way.
# A router's figure is its better steering's.

# the VPC: 64K private addresses, each with an EIP (100.64.0.1 + i), on ENIs of host0
cfg=$tmp/vpc.yaml
python3 "$root/scripts/gen-config.py" --v4 $n_eips --eips $n_eips --per-eni 250 -o "$cfg.gen"
for pmd in $pmds; do
	case $pmd in
	af_packet) up="net_af_packet0,iface=g1,qpairs=1" host="net_af_packet1,iface=i1,qpairs=1" ;;
	af_xdp) up="net_af_xdp0,iface=g1" host="net_af_xdp1,iface=i1" ;;
	*) log "unknown PMD $pmd (af_packet or af_xdp)"; exit 1 ;;
	esac
	sed -e "s|\"net_af_packet0,iface=lo\"|\"$up\"|" -e "s|\"net_af_packet1,iface=lo\"|\"$host\"|" \
		"$cfg.gen" >"$tmp/vpc-$pmd.yaml"
	grep -q 'iface=g1' "$tmp/vpc-$pmd.yaml" && grep -q 'iface=i1' "$tmp/vpc-$pmd.yaml" ||
		{ log "unexpected gen-config.py ports"; exit 1; }
done
cp "$tmp/vpc-${pmds%% *}.yaml" "$cfg" # the map's source: the pairs are the same in each

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
engine_on() { # PMD
	# (sh execs the engine: $! is its pid; bpffs for libxdp, see above)
	ip netns exec "$T-rtr" sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
		exec "$0" -c "$1"' "$enimap" "$tmp/vpc-$1.yaml" >"$tmp/engine.log" 2>&1 &
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
	# an XDP program left behind (af_xdp after a KILL) would take nftables' packets
	for d in g1 i1; do ip -n "$T-rtr" link set dev "$d" xdp off 2>/dev/null || true; done
}

rx() { ip netns exec "$T-inst" cat /sys/class/net/i0/statistics/rx_packets; }

# One measured run: delivered packets per second on i0.
measure() {
	local before after sent
	before=$(rx)
	sent=$(ip netns exec "$T-gen" taskset -c 0 "$gen" g0 "$g1_mac" 198.18.0.2 100.64.0.1 $n_eips "$secs")
	sleep 0.2
	after=$(rx)
	log "$1: sent $sent, delivered $((after - before)) in $secs s"
	echo $(((after - before) / secs))
}

run_enimap() { engine_on "$1"; sleep 0.5; measure "enimap $1"; engine_off; }
run_nft() { nft_on; sleep 0.2; measure nftables; nft_off; }

rps() { ip netns exec "$T-rtr" sh -c "echo $1 >/sys/class/net/g1/queues/rx-0/rps_cpus"; }
# One run of ROUTER (nftables or a PMD) under STEERING (rps_off or rps_on).
run_one() {
	rps "$([ "$2" = rps_on ] && echo 2 || echo 0)"
	if [ "$1" = nftables ]; then run_nft; else run_enimap "$1"; fi
}
routers="nftables $pmds"
steerings="rps_off rps_on"
log "warm-up"
for r in $routers; do for st in $steerings; do run_one "$r" "$st" >/dev/null; done; done
declare -A runs
for _ in $(seq "$rounds"); do
	for r in $routers; do for st in $steerings; do runs[$r/$st]+="$(run_one "$r" "$st") "; done; done
done
rps 0
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# each router's figure is its better steering's median: both get their best
declare -A best
for r in $routers; do
	best[$r]=0
	for st in $steerings; do
		# shellcheck disable=SC2086 # the runs, one word each
		m=$(median ${runs[$r/$st]})
		log "$r, $st: ${runs[$r/$st]}pps (median $m)"
		name=$([ "$r" = nftables ] && echo nftables_map_notrack || echo "enimap_$r")
		echo "{\"figure\": \"vs_nftables.${name}_$st.pps\", \"value\": $m, \"unit\": \"pps\", \"baseline\": null}"
		[ "$m" -gt "${best[$r]}" ] && best[$r]=$m
	done
done
n=${best[nftables]}
echo "{\"figure\": \"vs_nftables.nftables_map_notrack.pps\", \"value\": $n, \"unit\": \"pps\", \"baseline\": null}"
for pmd in $pmds; do
	e=${best[$pmd]}
	ratio=$(awk -v e="$e" -v n="$n" 'BEGIN {printf "%.3f", (n > 0 ? e / n : 0)}')
	# the af_packet figures keep their names of before (vs_nftables.ratio)
	suffix=$([ "$pmd" = af_packet ] || echo "_$pmd")
	echo "{\"figure\": \"vs_nftables.enimap_$pmd.pps\", \"value\": $e, \"unit\": \"pps\", \"baseline\": $n}"
	echo "{\"figure\": \"vs_nftables.ratio$suffix\", \"value\": $ratio, \"unit\": \"x\", \"baseline\": 1.5}"
done
