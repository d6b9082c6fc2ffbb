#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The EC2 API's acknowledged operations per second (SPEC.md section 5): the
# real engine (build/app/enimap, one worker on net_null ports, its journal on
# the disk of DIR) and enimap-bench-api's CLIENTS keep-alive clients, each
# alternating assign and unassign of one address on its own ENI.
#
#   bench/api_bench.sh BUILD_DIR [CLIENTS...]     (default: 1 64)
#
# Environment: API_BENCH_SECONDS (default 5) per client count;
# API_BENCH_THREADS the API's HTTP threads (api.limits.threads; default: the
# engine's default); API_BENCH_DIR
# where the journal goes (default a temporary directory under /var/tmp, a
# disk rather than a tmpfs, so that fdatasync costs what it costs).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
shift || true
counts=${*:-1 64}
secs=${API_BENCH_SECONDS:-5}
dir=$(mktemp -d "${API_BENCH_DIR:-/var/tmp}/enimap-api-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
	cat <<YAML
engine:
  workers: 1
  ports:
    - {name: host0, role: host, device: "net_null0"}
api:
  listen: "127.0.0.1:$port"
  region: us-east-1
  journal: "$dir/journal"
$([ -n "${API_BENCH_THREADS:-}" ] && echo "  limits: {threads: $API_BENCH_THREADS}")
  credentials:
    - {access_key_id: AKIDBENCHAPI, secret_access_key: "bench/Secret+Key"}
vpcs:
  - {id: vpc-bench, cidr4: [10.0.0.0/16]}
subnets:
  - {id: subnet-bench, vpc: vpc-bench, az: us-east-1a, cidr4: 10.0.0.0/16}
enis:
YAML
	for i in $(seq 0 255); do
		echo "  - {id: eni-bench$i, subnet: subnet-bench, primary_ip: 10.0.$((1 + i / 250)).$((1 + i % 250))}"
	done
} >"$dir/api.yaml"

"$build/app/enimap" --control "$dir/control.sock" -c "$dir/api.yaml" >"$dir/engine.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	[ -S "$dir/control.sock" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/engine.log" >&2; exit 1; }
	sleep 0.1
done
[ -S "$dir/control.sock" ] || { echo "the engine did not start" >&2; exit 1; }

# API_BENCH_HOOK: a command run once the engine is up ($pid, $dir), e.g. a perf record
[ -n "${API_BENCH_HOOK:-}" ] && eval "$API_BENCH_HOOK"
# CPU ticks (1/CLK_TCK s) of the engine's threads other than its workers (which
# poll their ports whatever happens): what the API, HTTP and publishing cost
control_ticks() {
	local t sum=0 f
	for t in /proc/"$pid"/task/*; do
		case "$(cat "$t/comm" 2>/dev/null)" in rte-worker-*) continue ;; esac
		f=$(sed 's/^.*) //' "$t/stat" 2>/dev/null) || continue
		set -- $f
		sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}
hz=$(getconf CLK_TCK)
rc=0
for n in $counts; do
	before=$(control_ticks)
	"$build/bench/enimap-bench-api" "$port" "$n" "$secs" eni-bench "clients_$n" |
		tee "$dir/run.log" || rc=1
	used=$(($(control_ticks) - before))
	ops=$(sed -n 's/.*s: \([0-9]*\) operations acknowledged.*/\1/p' "$dir/run.log")
	if [ -n "$ops" ] && [ "$ops" -gt 0 ]; then
		us=$((used * 1000000 / hz / ops))
		echo "api clients_$n: the engine's control threads used $((used * 1000 / hz)) ms of CPU: $us us per operation"
		echo "{\"figure\": \"api.clients_$n.control_cpu_us_per_op\", \"value\": $us, \"unit\": \"us\", \"baseline\": 100}"
	fi
done
exit $rc
