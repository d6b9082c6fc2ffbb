#!/bin/bash
# What a metrics scrape costs the workers, in cycles per packet: the engine
# of tests/e2e/basic.yaml on net_af_packet veths, enimap-udp-gen sending
# 64-byte UDP to its two EIPs for the whole run, and phases of PHASE seconds
# in turn: idle; curl of a 404 path every INTERVAL seconds (the same process
# and HTTP churn on this 2-core machine, no scrape); curl of /metrics every
# INTERVAL seconds (10 a second by default: ten times a 1 s Prometheus
# interval). Per phase, worker 0's busy cycles / packets from ctl `stats`
# (the whole loop). Scrape minus 404 is what rendering the metrics costs.
#
# Usage (root; build first): bench/metrics_scrape_cost.sh [PHASES=9] [PHASE=4] [INTERVAL=0.1]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../build}
export ENIMAP=${ENIMAP:-$build/app/enimap}
. "$here/../tests/e2e/lib.sh"
phases=${1:-9} phase=${2:-4} interval=${3:-0.1}
gen=$build/bench/enimap-udp-gen
[ -x "$gen" ] || fail "no $gen: build first"
e2e_init msc
basic_topology
engine_start "$E2E_DIR/basic.yaml"
# both EIPs answer ARP; the generator addresses the engine's uplink MAC directly
bg inet "$gen" eth0 02:00:00:00:00:01 203.0.113.1 198.51.100.10 11 $((phases * phase + 5)) \
	>"$E2E_TMP/gen.out"
sleep 2
stat() { ctl stats | awk -v k="$1" '$1 == k { print $2 }'; }
for i in $(seq "$phases"); do
	mode=$((i % 3)) # 1: idle, 2: 404, 0: /metrics
	path=$([ $mode = 0 ] && echo metrics || echo nothing)
	p0=$(stat worker0.packets) c0=$(stat worker0.busy-cycles) n=0 t=0
	end=$((SECONDS + phase))
	while [ $SECONDS -lt $end ]; do
		if [ $mode != 1 ]; then
			d=$(nsx rtr curl -s --max-time 2 -o /dev/null -w '%{time_total}' \
				"http://127.0.0.1:9464/$path") && n=$((n + 1)) t=$(echo "$t + $d" | bc -l)
			sleep "$interval"
		else
			sleep 0.2
		fi
	done
	p1=$(stat worker0.packets) c1=$(stat worker0.busy-cycles)
	dp=$((p1 - p0))
	[ $dp -gt 0 ] || fail "no packets in phase $i"
	printf 'phase %d: %-8s %8d pkt/s  %6.1f cycles/packet  %d requests, %.2f ms each\n' "$i" \
		"$(case $mode in 1) echo idle ;; 2) echo curl-404 ;; 0) echo scraped ;; esac)" $((dp / phase)) \
		"$(echo "($c1 - $c0) / $dp" | bc -l)" "$n" "$(echo "1000 * $t / ($n + ($n == 0))" | bc -l)"
done
pass "done"
