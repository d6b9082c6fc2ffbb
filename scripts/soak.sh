#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# soak.sh BUILD_DIR - `make soak`: enimap on config/default.yaml, in the
# demo's namespaces (scripts/demo.sh), under SOAK_SECONDS (default 600) of
#
#   - a paced UDP stream (SOAK_PPS frames/s) from the internet host to four
#     EIPs: web's, standby's, one the churn associates half the time, one
#     never allocated (no-eip drops);
#   - an answered flow: one ping a second to web's EIP 198.51.100.10;
#   - SOAK_CHURN_RATE (10000) control-socket changes a second on one
#     persistent connection: assign 10.0.1.50 to eni-web, associate
#     198.51.100.30 with it, disassociate, unassign, again and again;
#   - SOAK_API_RATE (20) signed EC2 calls a second (boto3):
#     DescribeNetworkInterfaces and Assign/Unassign of 10.0.1.60 on
#     eni-standby.
#
# Every SOAK_INTERVAL (10) seconds a CSV row: the engine's RSS, the mbuf
# pool in use, port and drop counters, pings answered, loads' progress.
# At the end (loads stopped, SOAK_DRAIN seconds of drain) it checks, prints
# PASS/FAIL for each, and exits non-zero on any FAIL:
#
#   rss      RSS at the end <= RSS after the warm-up + SOAK_RSS_SLACK_KIB
#   mempool  mbufs in use at the end <= their idle baseline (the engine's
#            count, /enimap/stats mbufs_in_use, takes the lcore caches as free)
#   counters rx = tx + tx-dropped + dropped over all ports, exactly (nothing
#            is in flight after the drain); every sample within in-flight
#   ping     the answered flow never lost more than SOAK_MAX_LOST_RUN in a row
#   errors   no ERR from the control socket, no API error (none is expected:
#            every cycle is valid); the churn rate reached 95% of its target
#
# The CSV, the checks and a one-line summary go to SOAK_OUT (default
# BUILD_DIR/soak). Everything it creates is removed on exit.
set -u
set -o pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENIMAP="$BUILD/app/enimap"
CONFIG="$ROOT/config/default.yaml"
SOAK_PY="$ROOT/scripts/soak.py"
SECONDS_=${SOAK_SECONDS:-600}
PPS=${SOAK_PPS:-5000}
CHURN_RATE=${SOAK_CHURN_RATE:-10000}
API_RATE=${SOAK_API_RATE:-20}
INTERVAL=${SOAK_INTERVAL:-10}
DRAIN=${SOAK_DRAIN:-5}
# the warm-up: RSS is taken as the reference this long after the load starts
WARMUP=${SOAK_WARMUP:-$((SECONDS_ >= 300 ? 60 : SECONDS_ / 5))}
RSS_SLACK_KIB=${SOAK_RSS_SLACK_KIB:-8192}
MAX_LOST_RUN=${SOAK_MAX_LOST_RUN:-3}
OUT=${SOAK_OUT:-$BUILD/soak}
TMP=$(mktemp -d /tmp/enimap-soak.XXXXXX)
SOCK="$TMP/ctl.sock"
LOG="$TMP/enimap.log"
ST="$TMP/status"
ENGINE_PID=
LOADS=()
# the demo's namespaces and veths (config/default.yaml names the veths)
PREFIX=enimap-
. "$ROOT/scripts/netns.sh"

say() { printf '== %s\n' "$*"; }
die() {
	echo "soak failed: $*" >&2
	[ -f "$LOG" ] && { echo "--- enimap log ---"; tail -n 30 "$LOG"; } >&2
	exit 1
}

cleanup() {
	local rc=$?
	set +e
	for pid in "${LOADS[@]}"; do kill "$pid" 2>/dev/null; done
	if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -TERM "$ENGINE_PID"
		for _ in $(seq 50); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$ENGINE_PID" 2>/dev/null
	fi
	netns_cleanup "$PREFIX" TERM
	[ -n "$ENGINE_PID" ] && rm -rf "/var/run/dpdk/enimap-$ENGINE_PID"
	[ -f "$LOG" ] && mkdir -p "$OUT" && cp "$LOG" "$OUT/enimap.log"
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
[ -x "$ENIMAP" ] || die "$ENIMAP not built (make build)"
python3 -c 'import boto3' 2>/dev/null || die "python3 on the PATH has no boto3"
# the demo's names and port are fixed by config/default.yaml: never take
# them from a demo or another soak that is running
ip netns list | grep -q "^${PREFIX}" && die "namespaces ${PREFIX}* exist (a demo or soak running?)"
ss -Hltn 'sport = :8787' | grep -q . && die "127.0.0.1:8787 is in use"
mkdir -p "$OUT" "$ST" || die "cannot create $OUT"
rm -f "$OUT"/soak.csv "$OUT"/summary.txt "$OUT"/checks.txt

say "topology of config/default.yaml (as scripts/demo.sh)"
for ns in enimap-inet enimap-web enimap-standby; do
	netns_add "$ns" || die "namespace $ns"
done
netns_veth "" enimap-up enimap-inet eth0 02:00:00:00:01:01 || die "veth enimap-up"
netns_veth "" enimap-web enimap-web eth0 02:00:00:00:10:01 || die "veth enimap-web"
netns_veth "" enimap-stby enimap-standby eth0 02:00:00:00:20:01 || die "veth enimap-stby"
netns_addr enimap-inet eth0 203.0.113.1/24 198.51.100.1/24 || die "addresses"
netns_addr enimap-web eth0 10.0.1.10/24 10.0.1.100/24 || die "addresses"
netns_route enimap-web add default via 10.0.1.1 src 10.0.1.100 || die "route"
netns_addr enimap-standby eth0 10.0.1.20/24 || die "addresses"
netns_route enimap-standby add default via 10.0.1.1 || die "route"

say "start enimap"
"$ENIMAP" -c "$CONFIG" --control "$SOCK" >"$LOG" 2>&1 &
ENGINE_PID=$!
DPDK_PREFIX="enimap-$ENGINE_PID"
for _ in $(seq 100); do
	[ -S "$SOCK" ] && [ -S "/var/run/dpdk/$DPDK_PREFIX/dpdk_telemetry.v2" ] &&
		printf 'help\n' | timeout 2 nc -U -N "$SOCK" >/dev/null 2>&1 && break
	kill -0 "$ENGINE_PID" 2>/dev/null || die "enimap exited"
	sleep 0.2
done
[ -S "$SOCK" ] || die "enimap did not open its control socket"
ip netns exec enimap-inet ping -c 1 -W 2 198.51.100.10 >/dev/null || die "the EIP does not answer"

sleep 2
python3 "$SOAK_PY" point "$ENGINE_PID" "$DPDK_PREFIX" >"$ST/base.json" || die "baseline sample"
say "baseline (idle): $(cat "$ST/base.json")"

say "load for ${SECONDS_} s: ${PPS} frames/s, ${CHURN_RATE} changes/s, ${API_RATE} API calls/s, 1 ping/s"
ip netns exec enimap-inet ping -n -O -i 1 -W 1 -c "$SECONDS_" -w "$((SECONDS_ + 2))" \
	198.51.100.10 >"$ST/ping.log" 2>&1 &
LOADS+=($!)
ip netns exec enimap-inet python3 "$SOAK_PY" traffic eth0 "$SECONDS_" "$PPS" \
	"$ST/traffic.json" >"$ST/traffic.out" 2>&1 &
LOADS+=($!)
python3 "$SOAK_PY" churn "$SOCK" "$SECONDS_" "$CHURN_RATE" "$ST/churn.json" \
	>"$ST/churn.out" 2>&1 &
LOADS+=($!)
python3 "$SOAK_PY" api http://127.0.0.1:8787 "$SECONDS_" "$API_RATE" "$ST/api.json" \
	>"$ST/api.out" 2>&1 &
LOADS+=($!)
python3 "$SOAK_PY" sample "$ENGINE_PID" "$DPDK_PREFIX" "$ST/ping.log" "$OUT/soak.csv" \
	"$INTERVAL" "$SECONDS_" "$ST" >"$ST/sample.out" 2>&1 &
SAMPLER=$!
LOADS+=("$SAMPLER")

load_rc=0
for pid in "${LOADS[@]}"; do
	wait "$pid" || load_rc=1
done
cat "$ST"/traffic.out "$ST"/churn.out "$ST"/api.out "$ST"/sample.out
kill -0 "$ENGINE_PID" 2>/dev/null || die "enimap died under load"
[ "$load_rc" = 0 ] || echo "a load or the sampler failed (see above)"

say "drain ${DRAIN} s, then the end sample"
sleep "$DRAIN"
python3 "$SOAK_PY" point "$ENGINE_PID" "$DPDK_PREFIX" >"$ST/end.json" || die "end sample"

say "checks"
SOAK_DIR="$ROOT/scripts" python3 - "$ST" "$OUT" "$WARMUP" "$RSS_SLACK_KIB" "$MAX_LOST_RUN" "$CHURN_RATE" "$load_rc" <<'EOF' | tee "$OUT/checks.txt"
import csv, json, os, sys

st, out, warmup, rss_slack, max_run, churn_target, load_rc = sys.argv[1:]
warmup, rss_slack, max_run, churn_target = float(warmup), int(rss_slack), int(max_run), float(churn_target)
load = lambda n: json.load(open(os.path.join(st, n)))
base, end = load("base.json"), load("end.json")
churn, api, traffic = load("churn.json"), load("api.json"), load("traffic.json")
rows = list(csv.DictReader(open(os.path.join(out, "soak.csv"))))
fails = []

def check(name, ok, detail):
    print("%s %-8s %s" % ("PASS" if ok else "FAIL", name, detail))
    if not ok:
        fails.append(name)

# RSS: the reference is the first sample past the warm-up (tables, arenas and
# the pool's pages all touched by then); later growth is what leaks look like
warm = next((r for r in rows if float(r["t"]) >= warmup), rows[-1])
rss_warm, rss_end = int(warm["rss_kib"]), end["rss_kib"]
rss_max = max(int(r["rss_kib"]) for r in rows)
check("rss", rss_end <= rss_warm + rss_slack,
      "start %d KiB (idle), after warm-up (t=%s s) %d KiB, max %d KiB, end %d KiB "
      "(%+d KiB; bound +%d KiB)" % (base["rss_kib"], warm["t"], rss_warm, rss_max, rss_end,
                                    rss_end - rss_warm, rss_slack))

# mbufs: the engine's count (rte_mempool_in_use_count) takes every lcore's
# cache as free, so no slack for the caches is needed: at rest, the end must
# not hold one mbuf more than the idle engine did
has_count = base["mp_in_use"] >= 0 and end["mp_in_use"] >= 0
check("mempool", has_count and end["mp_in_use"] <= base["mp_in_use"],
      "in use: baseline %d, end %d of %d (max during the run %d; bound: the baseline)"
      % (base["mp_in_use"], end["mp_in_use"], end["mp_size"],
         max(int(r["mp_in_use"]) for r in rows)))

# counters: every packet a worker took is sent, refused by tx, or dropped
inflight = max(abs(int(r["unaccounted"])) for r in rows)
bound = end["workers"] * len(end["ports"]) * 64  # a burst per port per worker
check("counters", end["unaccounted"] == 0 and inflight <= bound,
      "end: rx %d = tx %d + tx-dropped %d + dropped %d (+%d); during the run at most %d "
      "unaccounted (bound %d in flight)" % (end["rx"], end["tx"], end["tx_dropped"],
                                            end["dropped"], end["unaccounted"], inflight, bound))
drops = {k: end["drops"].get(k, 0) - base["drops"].get(k, 0) for k in end["drops"]}
print("     drops during the run: %s" % json.dumps(drops))

sys.path.insert(0, os.environ["SOAK_DIR"])
from soak import ping_counts
answered, sent, worst = ping_counts(os.path.join(st, "ping.log"))
check("ping", sent > 0 and worst <= max_run,
      "answered %d of %d, longest unanswered run %d (bound %d)" % (answered, sent, worst,
                                                                  max_run))

check("errors", churn["err"] == 0 and api["err"] == 0 and load_rc == "0",
      "churn %d OK / %d ERR %s, API %d OK / %d errors %s" % (churn["ok"], churn["err"],
                                                            churn.get("errors", {}), api["ok"],
                                                            api["err"], api.get("errors", {})))
check("rate", churn["rate"] >= 0.95 * churn_target,
      "churn %.0f changes/s over %.1f s (target %.0f), API %.1f calls/s, traffic %d frames "
      "(%.0f/s, %d send errors)" % (churn["rate"], churn["seconds"], churn_target, api["rate"],
                                    traffic["sent"], traffic["pps"], traffic["errors"]))

summary = ("soak %s: %.0f s; RSS start %d KiB, warm %d KiB, end %d KiB; mempool in use "
           "baseline %d, end %d; rx %d tx %d tx-dropped %d dropped %d; ping %d/%d "
           "(worst run %d); churn %.0f/s %d OK %d ERR; API %d OK %d err" %
           ("FAIL" if fails else "PASS", churn["seconds"], base["rss_kib"], rss_warm, rss_end,
            base["mp_in_use"], end["mp_in_use"], end["rx"], end["tx"], end["tx_dropped"],
            end["dropped"], answered, sent, worst, churn["rate"], churn["ok"], churn["err"],
            api["ok"], api["err"]))
print(summary)
open(os.path.join(out, "summary.txt"), "w").write(summary + "\n")
sys.exit(1 if fails else 0)
EOF
rc=$?
echo "soak: CSV $OUT/soak.csv, checks $OUT/checks.txt, summary $OUT/summary.txt"
exit $rc
