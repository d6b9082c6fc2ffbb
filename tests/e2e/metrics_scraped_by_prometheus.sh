#!/bin/bash
# SPEC section 7 (issue 14): the Prometheus metrics on the running engine,
# scraped by a REAL Prometheus server (Debian's) every second. Known traffic
# (pings to an EIP, pings dropped for a known reason, API calls, one
# journaled change) must show in PromQL answers with exact values; the text
# passes `promtool check metrics`; the endpoint negotiates OpenMetrics (what
# Prometheus asks for) or the 0.0.4 text, and refuses other paths (404) and
# methods (405). Everything runs in the engine's namespace, on its loopback.
. "$(dirname "$0")/lib.sh"
e2e_init prom
for p in prometheus promtool aws curl python3; do
	command -v $p >/dev/null || fail "$p is not installed (scripts/install-deps.sh)"
done
api_yaml "$E2E_DIR/basic.yaml" "$E2E_TMP/engine.yaml" # the API on, with a journal
MPORT=9465 # not the default: the test proves metrics.listen is read
printf 'metrics:\n  listen: "127.0.0.1:%s"\n' $MPORT >>"$E2E_TMP/engine.yaml"
basic_topology
engine_start "$E2E_TMP/engine.yaml"
grep -q "metrics: http://127.0.0.1:$MPORT/metrics" "$ENGINE_LOG" || fail "no metrics server in the log"
MURL="http://127.0.0.1:$MPORT/metrics"

# mcurl ARGS...: curl in the engine's namespace, bounded
mcurl() { nsx rtr curl -s --max-time 5 "$@"; }

step "the endpoint: 0.0.4 text by default, OpenMetrics when asked, 404 and 405 otherwise"
mcurl -D "$E2E_TMP/h.txt" -o "$E2E_TMP/m.txt" "$MURL" || fail "curl $MURL"
grep -qi '^content-type: text/plain; version=0.0.4' "$E2E_TMP/h.txt" || fail "0.0.4 type: $(cat "$E2E_TMP/h.txt")"
grep -q '^# TYPE enimap_port_rx_packets_total counter$' "$E2E_TMP/m.txt" || fail "0.0.4 counter TYPE line"
grep -q '^# EOF' "$E2E_TMP/m.txt" && fail "# EOF in the 0.0.4 text"
mcurl -D "$E2E_TMP/h.txt" -o "$E2E_TMP/om.txt" \
	-H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' "$MURL" ||
	fail "curl OpenMetrics"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0; charset=utf-8' "$E2E_TMP/h.txt" ||
	fail "OpenMetrics type: $(cat "$E2E_TMP/h.txt")"
[ "$(tail -n 1 "$E2E_TMP/om.txt")" = "# EOF" ] || fail "the OpenMetrics text does not end with # EOF"
grep -q '^# TYPE enimap_port_rx_packets counter$' "$E2E_TMP/om.txt" || fail "OpenMetrics counter TYPE"
grep -q '^# UNIT enimap_port_rx_bytes bytes$' "$E2E_TMP/om.txt" || fail "OpenMetrics UNIT line"
[ "$(mcurl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")" = 404 ] || fail "not 404"
[ "$(mcurl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")" = 404 ] || fail "/ not 404"
[ "$(mcurl -o /dev/null -w '%{http_code}' -X POST -d x=1 "$MURL")" = 405 ] || fail "POST not 405"
[ "$(mcurl -o /dev/null -w '%{http_code}' -X DELETE "$MURL")" = 405 ] || fail "DELETE not 405"

step "promtool check metrics passes on the text"
mcurl "$MURL" | promtool check metrics >"$E2E_TMP/lint.txt" 2>&1 ||
	fail "promtool check metrics: $(cat "$E2E_TMP/lint.txt")"
[ ! -s "$E2E_TMP/lint.txt" ] || fail "promtool lint: $(cat "$E2E_TMP/lint.txt")"

step "a real Prometheus scrapes the engine every second"
PPORT=$(nsx rtr python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$E2E_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: enimap
    static_configs:
      - targets: ["127.0.0.1:$MPORT"]
EOF
bg rtr prometheus --config.file="$E2E_TMP/prometheus.yml" --storage.tsdb.path="$E2E_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$E2E_TMP/prometheus.log" 2>&1
for i in $(seq 150); do
	mcurl -o /dev/null "http://127.0.0.1:$PPORT/-/ready" && break
	[ "$i" = 150 ] && fail "prometheus not ready in 15 s: $(tail -n 5 "$E2E_TMP/prometheus.log")"
	sleep 0.1
done

# promql QUERY: the value of the query's single sample, "none" when it has none
promql() {
	mcurl -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else ("none" if not r else "many"))'
}
# expect_promql QUERY VALUE: the query answers VALUE within 20 s (scrapes every second)
expect_promql() {
	local v i
	for i in $(seq 40); do
		v=$(promql "$1")
		[ "$v" = "$2" ] && return 0
		sleep 0.5
	done
	fail "PromQL '$1' = '$v', expected '$2'"
}
# the OpenMetrics text Prometheus negotiates parses: the target is up
expect_promql 'up{job="enimap"}' 1

step "20 pings to the EIP of eni-web: its delivered count in PromQL grows by exactly 20"
base=$(counter delivered eni-web)
expect_promql 'enimap_eni_delivered_packets_total{eni="eni-web"}' "$base"
nsx inet ping -c 20 -i 0.05 -W 2 198.51.100.10 >"$E2E_TMP/ping.out" 2>&1 ||
	fail "ping to the EIP failed: $(tail -n 3 "$E2E_TMP/ping.out")"
expect_promql 'enimap_eni_delivered_packets_total{eni="eni-web"}' $((base + 20))
[ "$(counter delivered eni-web)" = $((base + 20)) ] || fail "ctl disagrees: $(counter delivered eni-web)"
# Prometheus keeps its own `instance` (the target): the engine's becomes exported_instance
expect_promql 'enimap_eni_delivered_packets_total{eni="eni-web",exported_instance="i-web"}' \
	$((base + 20))
sent=$(promql 'enimap_eni_sent_packets_total{eni="eni-web"}')
[ "$sent" != none ] && [ "$sent" -ge 20 ] || fail "eni-web sent $sent, expected >= 20 (its replies)"
bytes=$(promql 'enimap_eni_delivered_bytes_total{eni="eni-web"}')
[ "$bytes" != none ] && [ "$bytes" -ge $((20 * 98)) ] || fail "delivered bytes $bytes < 20 x 98"
expect_promql 'enimap_eni_delivered_packets_total{eni="eni-standby"}' "$(counter delivered eni-standby)"

step "3 pings from the primary without an EIP: no-eip drops grow by exactly 3"
base=$(promql 'enimap_dropped_packets_total{reason="no-eip"}')
[ "$base" != none ] || fail "no no-eip series"
nsx web ping -c 3 -i 0.2 -W 1 -I 10.0.1.10 203.0.113.1 >/dev/null 2>&1 && fail "the ping got through"
expect_promql 'enimap_dropped_packets_total{reason="no-eip"}' $((base + 3))

step "ports, workers and tables"
rx=$(promql 'enimap_port_rx_packets_total{port="uplink"}')
[ "$rx" != none ] && [ "$rx" -ge 20 ] || fail "uplink rx $rx"
rxb=$(promql 'enimap_port_rx_bytes_total{port="uplink"}')
[ "$rxb" != none ] && [ "$rxb" -ge $((20 * 98)) ] || fail "uplink rx bytes $rxb"
w=$(promql 'enimap_worker_packets_total{worker="0"}')
[ "$w" != none ] && [ "$w" -ge 43 ] || fail "worker 0 packets $w"
cpp=$(promql 'enimap_worker_cycles_per_packet{worker="0"}')
python3 -c "import sys; sys.exit(0 if float('$cpp') > 0 else 1)" 2>/dev/null || fail "cycles per packet '$cpp'"
expect_promql 'enimap_table_entries{table="eip"}' 2
expect_promql 'enimap_table_entries{table="eni"}' 2
expect_promql 'enimap_table_entries{table="private_ipv4"}' 4
cap=$(promql 'enimap_table_capacity{table="eip"}')
[ "$cap" != none ] && [ "$cap" -ge 2 ] || fail "eip capacity $cap"

step "the API: a Describe and a journaled change, counted by action and code"
gen=$(promql 'enimap_table_generation')
ec2 describe-addresses --allocation-ids eipalloc-web --output text >/dev/null || fail "describe-addresses"
ec2 assign-private-ip-addresses --network-interface-id eni-standby \
	--private-ip-addresses 10.0.1.150 >/dev/null || fail "assign-private-ip-addresses"
expect_promql 'enimap_api_requests_total{action="DescribeAddresses",code="200"}' 1
expect_promql 'enimap_api_requests_total{action="AssignPrivateIpAddresses",code="200"}' 1
expect_promql 'enimap_api_request_seconds_count' 2
expect_promql 'enimap_journal_fsync_seconds_count' 1
expect_promql 'enimap_table_publish_seconds_count' 1
expect_promql 'enimap_table_generation' $((gen + 1))
expect_promql 'enimap_table_entries{table="private_ipv4"}' 5
js=$(promql 'enimap_journal_size_bytes')
[ "$js" != none ] && [ "$js" -gt 8 ] || fail "journal size $js"
le=$(promql 'enimap_journal_fsync_seconds_bucket{le="+Inf"}')
[ "$le" = 1 ] || fail "fsync +Inf bucket $le"

step "the text still passes promtool with the API's families in it"
mcurl "$MURL" | promtool check metrics >"$E2E_TMP/lint.txt" 2>&1 ||
	fail "promtool check metrics: $(cat "$E2E_TMP/lint.txt")"
[ ! -s "$E2E_TMP/lint.txt" ] || fail "promtool lint: $(cat "$E2E_TMP/lint.txt")"
kill -0 "$ENGINE_PID" || fail "the engine died"
pass "Prometheus scrapes the engine's metrics"
