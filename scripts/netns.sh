# SPDX-License-Identifier: BSD-3-Clause
# netns.sh - network namespaces joined by veth pairs, for the demo
# (scripts/demo.sh), the end-to-end tests (tests/e2e/lib.sh) and
# bench/vs_nftables.sh. Source it (bash).
#
#   netns_add NS                  a namespace: lo up, no DAD, no router solicitations
#   netns_no_ipv6 NS [IF]         IPv6 off on IF, or on all of NS
#   netns_veth NS_A IF_A NS_B IF_B [MAC_B]
#                                 a veth pair: IF_A in NS_A is the router's end
#                                 (enimap's port), IPv6 off; IF_B in NS_B with
#                                 MAC_B; tx checksum offload off on both ends;
#                                 both up
#   netns_addr NS IF ADDR/LEN...  addresses (no DAD where the kernel takes it)
#   netns_route NS [-6] ROUTE...  ip route ROUTE... in NS (e.g. add default via ...)
#   netns_exec NS CMD...          CMD in NS
#   netns_cleanup PREFIX [SIGNAL] every namespace named PREFIX*: its processes
#                                 get SIGNAL (default KILL), then it goes; so do
#                                 the veths named PREFIX* of this namespace
#
# An empty NS is the namespace of the caller. Each function returns non-zero
# with the reason on stderr when a step fails; the caller decides what that
# means (die, fail, set -e).

netns_err() {
	echo "netns: $*" >&2
	return 1
}

# netns_ip NS ARGS...: ip ARGS... in NS.
netns_ip() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip -n "$ns" "$@"
	else
		ip "$@"
	fi
}

netns_exec() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

netns_add() {
	local ns=$1
	ip netns add "$ns" || netns_err "cannot create network namespace $ns" || return
	ip -n "$ns" link set lo up || netns_err "lo up in $ns" || return
	# quiet: no router solicitations, no DAD delays
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitations=0 ||
		netns_err "sysctl in $ns"
}

netns_no_ipv6() {
	local ns=$1 ifn=${2:-}
	if [ -n "$ifn" ]; then
		netns_exec "$ns" sysctl -qw "net.ipv6.conf.$ifn.disable_ipv6=1" ||
			netns_err "IPv6 off on $ns/$ifn"
	else
		netns_exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || netns_err "IPv6 off in $ns"
	fi
}

# Tx checksum offload off: net_af_packet sends what it is given, so a veth
# must not leave the checksums of its packets to a NIC that is not there
# (TCP through the engine fails without this).
netns_offload_off() {
	local ns=$1 ifn=$2
	netns_exec "$ns" ethtool -K "$ifn" tx off >/dev/null 2>&1 ||
		netns_err "ethtool -K $ifn tx off in ${ns:-this namespace}"
}

netns_veth() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 mac=${5:-}
	local peer=(peer name "$ifb")
	if [ -n "$nsb" ]; then
		peer+=(netns "$nsb")
	elif [ -n "$nsa" ]; then
		peer+=(netns "$$") # the caller's namespace, by the pid of this shell
	fi
	netns_ip "$nsa" link add name "$ifa" type veth "${peer[@]}" ||
		netns_err "veth ${nsa:+$nsa/}$ifa <-> ${nsb:+$nsb/}$ifb" || return
	if [ -n "$mac" ]; then
		netns_ip "$nsb" link set "$ifb" address "$mac" || netns_err "mac $mac on $ifb" ||
			return
	fi
	netns_offload_off "$nsa" "$ifa" || return
	netns_offload_off "$nsb" "$ifb" || return
	# the router's end carries no IPv6 of its own: only the engine reads it
	netns_no_ipv6 "$nsa" "$ifa" || return
	netns_ip "$nsa" link set dev "$ifa" up || netns_err "up $ifa" || return
	netns_ip "$nsb" link set dev "$ifb" up || netns_err "up $ifb"
}

netns_addr() {
	local ns=$1 ifn=$2 a
	shift 2
	for a in "$@"; do
		netns_ip "$ns" addr add "$a" dev "$ifn" nodad 2>/dev/null ||
			netns_ip "$ns" addr add "$a" dev "$ifn" ||
			netns_err "address $a on ${ns:+$ns/}$ifn" || return
	done
}

netns_route() {
	local ns=$1 fam=()
	shift
	if [ "${1:-}" = -6 ]; then
		fam=(-6)
		shift
	fi
	netns_ip "$ns" "${fam[@]}" route "$@" || netns_err "route $* in ${ns:-this namespace}"
}

netns_cleanup() {
	local prefix=${1:-} sig=${2:-KILL} ns link
	[ -n "$prefix" ] || netns_err "netns_cleanup needs a prefix" || return
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in "$prefix"*) ;; *) continue ;; esac
		ip netns pids "$ns" 2>/dev/null | xargs -r kill "-$sig" 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	# a veth goes with its namespace's end; these are the ones left here
	for link in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case "$link" in "$prefix"*) ip link del "$link" 2>/dev/null || true ;; esac
	done
	return 0
}
