#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `make bench`: every SPEC section 5 figure, in bounded time.
#
#   bench/run.sh BUILD_DIR            quick mode (a few minutes): 1K, 64K, 1M mappings
#   BENCH_ARGS=--full bench/run.sh .. full mode: 4M as well, more runs
#
# Environment: BENCH_HUGEPAGES=N reserves N 2 MiB hugepages for the run
# (default 3072; 0 = --no-huge) and puts nr_hugepages and the hugetlbfs
# mount back as found; BENCH_NFT=0 skips the nftables comparison,
# BENCH_OVS=0 the userspace topology against testpmd and OVS-DPDK;
# BENCH_OUT=DIR keeps the logs and figures there (default a temporary dir).
#
# Each figure is printed as one JSON line {"figure", "value", "unit",
# "baseline"} as it comes, and all of them as a table at the end.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mode=quick
for a in ${BENCH_ARGS:-}; do
	[ "$a" = --full ] && mode=full
done
out=${BENCH_OUT:-$(mktemp -d /tmp/enimap-bench.XXXXXX)}
mkdir -p "$out/cfg"
json=$out/figures.jsonl
: >"$json"

huge_want=${BENCH_HUGEPAGES:-3072}
huge_old=$(cat /proc/sys/vm/nr_hugepages)
huge_mounted=0
cleanup() {
	rm -rf "$out/cfg"
	if [ "$huge_want" -gt 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
		echo "$huge_old" >/proc/sys/vm/nr_hugepages || true
		[ "$huge_mounted" = 1 ] && umount /dev/hugepages || true
	fi
}
trap cleanup EXIT
if [ "$huge_want" -gt 0 ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
		mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages && huge_mounted=1
	fi
	[ "$huge_old" -lt "$huge_want" ] && echo "$huge_want" >/proc/sys/vm/nr_hugepages
	echo "hugepages: $(cat /proc/sys/vm/nr_hugepages) reserved (was $huge_old)"
fi

# Runs a benchmark: its log in $out, its figures appended to $json and shown.
run() {
	local name=$1
	shift
	echo "== $name: $*"
	"$@" 2> >(tee "$out/$name.err" >&2) | tee "$out/$name.log" | grep '^{"figure"' | tee -a "$json"
}

# A configuration from scripts/gen-config.py, made once per run.
cfg() {
	local f="$out/cfg/$1.yaml"
	shift
	[ -f "$f" ] || python3 "$root/scripts/gen-config.py" "$@" --per-eni 250 -o "$f"
	echo "$f"
}

start=$(date +%s)
if [ "$mode" = full ]; then
	sizes="1K:1024 64K:65536 1M:1048576 4M:4194304"
	runs=41 ctl_runs=9
else
	sizes="1K:1024 64K:65536 1M:1048576"
	runs=15 ctl_runs=3
fi

# 1. pipeline, 3. memory (both generations) per size
for s in $sizes; do
	label=${s%%:*} n=${s##*:}
	f=$(cfg "all-$label" --v4 "$n" --eips "$n" --v6 "$n")
	run "pipe-$label" "$build/bench/enimap-bench-pipe" "$f" "$label" "$runs"
	# 2. control at 1M mappings
	if [ "$label" = 1M ]; then
		run "ctl-$label" "$build/bench/enimap-bench-ctl" "$f" "$label" "$ctl_runs"
	fi
	rm -f "$f"
done

# 3. start-up: 1M addresses from YAML; the same with 1M EIPs
run startup-v4 "$build/bench/enimap-bench-pipe" \
	"$(cfg v4-1M --v4 1048576)" 1M_addresses 1 --load-only
rm -f "$out/cfg/v4-1M.yaml"
run startup-eips "$build/bench/enimap-bench-pipe" \
	"$(cfg eips-1M --v4 1048576 --eips 1048576)" 1M_addresses_1M_eips 1 --load-only
rm -f "$out/cfg/eips-1M.yaml"

# the pure pipeline (pipeline_burst over bursts in cache) at 1M mappings, pinned
# to one core: the per-packet work SPEC section 5's cycle targets describe
run pipeline taskset -c 1 "$build/bench/enimap-pipeline-bench" 1048576 20000

# the lookup tables alone (lpm/ vs rte_hash, rte_lpm, rte_fib)
run tables "$build/bench/tables_bench" ${BENCH_ARGS:-}

# the EC2 API, journal on: acknowledged changes per second, 1 and 64 clients
run api bash "$here/api_bench.sh" "$build" 1 64 ||
	echo "api_bench.sh failed (see $out/api.err)"

# the cluster's operation log through a 3-member etcd (no model yet: the log's own costs)
run oplog "$build/bench/enimap-bench-oplog" 5 ||
	echo "enimap-bench-oplog failed (see $out/oplog.err)"

# against nftables, in network namespaces
if [ "${BENCH_NFT:-1}" != 0 ]; then
	run vs-nftables bash "$here/vs_nftables.sh" "$build" "$mode" ||
		echo "vs_nftables.sh failed (see $out/vs-nftables.err)"
fi

# the userspace topology over memif: testpmd io (the floor), enimap, OVS-DPDK
if [ "${BENCH_OVS:-1}" != 0 ]; then
	run vs-ovs bash "$here/vs_ovs.sh" "$build" "$mode" ||
		echo "vs_ovs.sh failed (see $out/vs-ovs.err)"
fi

echo
echo "== figures ($mode mode, $(($(date +%s) - start)) s; logs in $out)"
python3 - "$json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
w = max([len(r["figure"]) for r in rows] + [6])
print("%-*s %14s  %-10s %14s" % (w, "figure", "value", "unit", "baseline"))
for r in rows:
    b = r.get("baseline")
    print("%-*s %14.6g  %-10s %14s" % (w, r["figure"], r["value"], r["unit"],
                                       "-" if b is None else "%.6g" % b))
PY
