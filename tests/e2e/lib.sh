# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - helpers for the end-to-end tests: network namespaces around one
# enimap process, the real Linux stack on every side.
#
# Each test sources this file, calls e2e_init <short-name> and builds its
# topology. The engine runs in its own namespace "$T-rtr" (so interface names
# inside it can be fixed and the test's YAML stays static); each machine or
# the internet host is a namespace "$T-<name>". Everything is removed by the
# EXIT trap, whatever happens. A step that cannot run FAILS the test.
# Namespaces and veths are made by scripts/netns.sh, as for the demo.
#
# Environment: ENIMAP = path of the enimap binary (set by meson).

set -u
set -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_DIR/../../scripts/netns.sh"
E2E_PIDS=()
ENGINE_PID=
ENGINE_LOG=
CTL_SOCK=
T=

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$ENGINE_LOG" ] && [ -f "$ENGINE_LOG" ]; then
		echo "---- engine log (last 40 lines) ----" >&2
		tail -n 40 "$ENGINE_LOG" >&2
	fi
	exit 1
}

pass() {
	echo "PASS: $*"
}

step() {
	echo "== $*"
}

# e2e_cleanup [RC]: the EXIT trap; exits with RC, or the status the script
# exited with (a wrapper that runs commands first must pass it on)
e2e_cleanup() {
	local rc=${1:-$?}
	local p
	set +e
	for p in "${E2E_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -TERM "$ENGINE_PID"
		for _ in $(seq 50); do
			kill -0 "$ENGINE_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$ENGINE_PID" 2>/dev/null
	fi
	[ -n "$T" ] && netns_cleanup "$T-" KILL
	if [ -n "$ENGINE_PID" ]; then
		rm -rf "/var/run/dpdk/enimap-$ENGINE_PID"
	fi
	[ -n "$CTL_SOCK" ] && rm -f "$CTL_SOCK"
	[ -n "${E2E_TMP:-}" ] && rm -rf "$E2E_TMP"
	exit $rc
}

# e2e_init NAME: NAME short (<= 6 chars), unique among the tests.
e2e_init() {
	T="e2e$1"
	[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
	[ -n "${ENIMAP:-}" ] && [ -x "$ENIMAP" ] || fail "ENIMAP not set to the enimap binary"
	command -v ethtool >/dev/null || fail "ethtool missing"
	E2E_TMP=$(mktemp -d "/tmp/$T.XXXXXX") || fail "mktemp"
	trap e2e_cleanup EXIT
	trap 'exit 1' INT TERM
	# leftovers of an earlier interrupted run of the same test
	netns_cleanup "$T-"
	ns_add rtr
}

# ns_add NAME: namespace "$T-NAME" with lo up.
ns_add() {
	local ns="$T-$1"
	netns_add "$ns" || fail "cannot set up network namespace $ns"
}

# nsx NAME CMD...: run CMD in namespace "$T-NAME".
nsx() {
	local ns="$T-$1"
	shift
	ip netns exec "$ns" "$@"
}

# link_add RTR_IF NAME IF MAC: veth pair, RTR_IF in the router namespace (the
# engine's port, no IPv6 of its own), IF with MAC in namespace NAME; tx
# checksum offload off on both ends (netns_veth).
link_add() {
	local rif=$1 name=$2 ifn=$3 mac=$4
	netns_veth "$T-rtr" "$rif" "$T-$name" "$ifn" "$mac" || fail "veth $rif <-> $name/$ifn"
}

# addr_add NAME IF ADDR/LEN...
addr_add() {
	local name=$1 ifn=$2
	shift 2
	netns_addr "$T-$name" "$ifn" "$@" || fail "addr $* on $name/$ifn"
}

# engine_start YAML: start enimap in the router namespace; wait until it
# answers on its control socket.
engine_start() {
	local yaml=$1
	CTL_SOCK="$E2E_TMP/ctl.sock"
	ENGINE_LOG="$E2E_TMP/engine.log"
	ip netns exec "$T-rtr" "$ENIMAP" -c "$yaml" --control "$CTL_SOCK" >"$ENGINE_LOG" 2>&1 &
	ENGINE_PID=$!
	local i
	for i in $(seq 200); do
		kill -0 "$ENGINE_PID" 2>/dev/null || fail "enimap exited at start"
		if [ -S "$CTL_SOCK" ] && ctl_raw help >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	fail "enimap not ready within 20 s"
}

# ctl_raw CMD: send one command line, print the reply.
ctl_raw() {
	printf '%s\n' "$*" | timeout 10 nc -U -N "$CTL_SOCK"
}

# ctl CMD: the command must succeed; prints the reply.
ctl() {
	local out
	out=$(ctl_raw "$@") || fail "control socket: '$*'"
	case "$(printf '%s\n' "$out" | tail -n 1)" in
	OK*) printf '%s\n' "$out" ;;
	*) fail "'$*' refused: $out" ;;
	esac
}

# counter NAME [ENI]: one engine counter (from "stats"/"eni ENI").
counter() {
	local out
	if [ $# -ge 2 ]; then
		out=$(ctl "eni $2")
	else
		out=$(ctl stats)
	fi
	printf '%s\n' "$out" | awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }'
}

# bg NAME CMD...: run CMD in namespace NAME in the background (killed at exit).
bg() {
	local name=$1
	shift
	ip netns exec "$T-$name" "$@" &
	E2E_PIDS+=($!)
}

# http_serve NAME ADDR TEXT: a web server on port 80 answering TEXT.
http_serve() {
	local name=$1 addr=$2 text=$3 dir="$E2E_TMP/www-$1"
	mkdir -p "$dir" && printf '%s\n' "$text" >"$dir/index.html"
	local bind=${addr#[}
	bind=${bind%]}
	bg "$name" /usr/bin/python3 -u "$E2E_DIR/httpd.py" "$bind" 80 "$dir" \
		>"$E2E_TMP/http-$name.log" 2>&1
	local i
	for i in $(seq 100); do
		grep -q "Serving HTTP" "$E2E_TMP/http-$name.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "http server in $name on $addr not up: $(cat "$E2E_TMP/http-$name.log")"
}

# expect_ping NAME DST [ARGS...]: DST must answer NAME's ping.
expect_ping() {
	local name=$1 dst=$2
	shift 2
	nsx "$name" ping -c 3 -i 0.2 -W 2 "$@" "$dst" >"$E2E_TMP/ping.out" 2>&1 ||
		fail "$name cannot ping $dst: $(tail -n 3 "$E2E_TMP/ping.out")"
}

# expect_no_ping NAME DST: DST must NOT answer.
expect_no_ping() {
	local name=$1 dst=$2
	shift 2
	if nsx "$name" ping -c 2 -i 0.2 -W 1 "$@" "$dst" >/dev/null 2>&1; then
		fail "$name reached $dst, which it must not"
	fi
}

# expect_http NAME URL TEXT: the page at URL must contain TEXT.
expect_http() {
	local name=$1 url=$2 text=$3 body
	body=$(nsx "$name" curl -s -g --max-time 5 "$url") || fail "$name: curl $url failed"
	case "$body" in
	*"$text"*) ;;
	*) fail "$name: curl $url answered '$body', expected '$text'" ;;
	esac
}

# basic_topology: the namespaces and links of basic.yaml, addresses as the
# model has them (web: 10.0.1.10 + .100; standby: 10.0.1.20 + .200).
# basic_links: basic.yaml's namespaces and links, no address on them.
basic_links() {
	ns_add inet
	ns_add web
	ns_add stby
	link_add upl inet eth0 02:00:00:00:01:01
	link_add web web eth0 02:00:00:00:10:01
	link_add stby stby eth0 02:00:00:00:20:01
}

basic_topology() {
	basic_links
	# the internet host: the EIPs are on-link for it, so it ARPs them and the
	# engine answers; the VPC's IPv6 is on-link too (NS answered by the engine)
	addr_add inet eth0 203.0.113.1/24 198.51.100.1/24 2001:db8:ffff::1/64
	netns_route "$T-inet" -6 add 2600:1f18:aaaa:bb00::/56 dev eth0 || fail "inet v6 route"
	addr_add web eth0 10.0.1.10/24 10.0.1.100/24 2600:1f18:aaaa:bb01::10/64
	addr_add stby eth0 10.0.1.20/24 10.0.1.200/24 2600:1f18:aaaa:bb01::20/64
	# outbound traffic leaves from the secondary address, the one with the EIP
	netns_route "$T-web" add default via 10.0.1.1 src 10.0.1.100 || fail "default route in web"
	netns_route "$T-stby" add default via 10.0.1.1 src 10.0.1.200 ||
		fail "default route in stby"
	local n
	for n in web stby; do
		netns_route "$T-$n" -6 add default via 2600:1f18:aaaa:bb01::1 ||
			fail "v6 default route in $n"
	done
}

# telemetry CMD: the JSON answer of the engine's DPDK telemetry to CMD.
telemetry() {
	printf '%s\n' "$1" | timeout 10 dpdk-telemetry.py -f "enimap-$ENGINE_PID" 2>/dev/null |
		grep -F "{\"${1%%,*}\""
}

# api_yaml SRC DST: SRC with the EC2 API on 127.0.0.1:8787 (in the engine's
# namespace), with a journal in the test's directory and one credential.
api_yaml() {
	awk -v j="$E2E_TMP/journal" '
		$0 == "  enabled: false" {
			print "  enabled: true"
			print "  listen: \"127.0.0.1:8787\""
			print "  region: us-east-1"
			print "  journal: \"" j "\""
			print "  credentials:"
			print "    - {access_key_id: AKIAE2ETEST00000000, secret_access_key: e2eSecretKey00000000000000000000000000000}"
			next
		}
		{ print }' "$1" >"$2"
	grep -q "enabled: true" "$2" || fail "could not make the API configuration"
}

# ec2 ARGS...: the AWS CLI's `aws ec2 ARGS...` against the engine's API (api_yaml's
# listen address and credential), from the router namespace; EC2_TIMEOUT seconds at most
ec2() {
	nsx rtr env AWS_ACCESS_KEY_ID=AKIAE2ETEST00000000 \
		AWS_SECRET_ACCESS_KEY=e2eSecretKey00000000000000000000000000000 \
		AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
		timeout "${EC2_TIMEOUT:-30}" aws ec2 --endpoint-url http://127.0.0.1:8787 "$@"
}
