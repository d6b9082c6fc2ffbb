#!/bin/bash
# The enimap program itself: --check and --print-model, a bad configuration
# refused with file:line:column before anything starts, a stopped instance
# receiving nothing (D10, counted instance-stopped) and receiving again once
# started, and SIGINT / SIGTERM stopping cleanly: exit status 0, the control
# socket and the DPDK runtime directory /var/run/dpdk/<prefix> removed.
. "$(dirname "$0")/lib.sh"
e2e_init life

step "--check and --print-model on basic.yaml"
out=$("$ENIMAP" -c "$E2E_DIR/basic.yaml" --check) || fail "--check refused basic.yaml: $out"
case "$out" in *"ok: 3 port(s), 2 ENIs, 4 IPv4, 2 IPv6, 2 EIPs"*) ;; *) fail "--check said '$out'" ;; esac
"$ENIMAP" -c "$E2E_DIR/basic.yaml" --print-model >"$E2E_TMP/model.txt" || fail "--print-model failed"
grep -q "eipalloc-web public=198.51.100.10" "$E2E_TMP/model.txt" ||
	fail "--print-model lacks eipalloc-web: $(head -n 5 "$E2E_TMP/model.txt")"

step "a bad configuration is refused with file:line:column, and nothing starts"
sed 's/primary_ip: 10.0.1.20/primary_ip: 10.0.9.20/' "$E2E_DIR/basic.yaml" >"$E2E_TMP/bad.yaml"
before=$(ls /var/run/dpdk 2>/dev/null | wc -l)
if "$ENIMAP" -c "$E2E_TMP/bad.yaml" >"$E2E_TMP/bad.out" 2>&1; then
	fail "enimap started on a bad configuration"
fi
grep -Eq "bad.yaml:[0-9]+:[0-9]+: .*10.0.9.20" "$E2E_TMP/bad.out" ||
	fail "no file:line:column error naming 10.0.9.20: $(cat "$E2E_TMP/bad.out")"
[ "$(ls /var/run/dpdk 2>/dev/null | wc -l)" = "$before" ] || fail "a DPDK runtime dir was left"
if "$ENIMAP" --no-such-option >/dev/null 2>&1; then
	fail "an unknown option was accepted"
fi

basic_topology
engine_start "$E2E_DIR/basic.yaml"
grep -q "started: 3 port(s), 1 worker(s), 2 ENIs, 4 IPv4, 2 IPv6, 2 EIPs" "$ENGINE_LOG" ||
	fail "no start-up line"
expect_ping inet 198.51.100.10

step "stop i-web: its EIP and addresses receive nothing (instance-stopped)"
ctl stop i-web
before=$(counter instance-stopped)
expect_no_ping inet 198.51.100.10
expect_no_ping stby 10.0.1.10 -I 10.0.1.20
after=$(counter instance-stopped)
[ "$after" -ge $((before + 4)) ] || fail "instance-stopped went $before -> $after"
step "start i-web: it receives again"
ctl start i-web
expect_ping inet 198.51.100.10

step "a bad control line is refused and changes nothing"
out=$(ctl_raw "assign eni-web 10.0.1.200")
case "$out" in "ERR InvalidIPAddress.InUse:"*) ;; *) fail "reassign without the flag: '$out'" ;; esac
expect_ping inet 198.51.100.20
out=$(ctl_raw "frobnicate")
case "$out" in "ERR "*) ;; *) fail "unknown command answered '$out'" ;; esac

step "SIGINT: the engine stops by itself and cleans up"
prefix="/var/run/dpdk/enimap-$ENGINE_PID"
[ -d "$prefix" ] || fail "no runtime dir $prefix while running"
kill -INT "$ENGINE_PID"
for _ in $(seq 100); do
	kill -0 "$ENGINE_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$ENGINE_PID" 2>/dev/null && fail "enimap still running 10 s after SIGINT"
wait "$ENGINE_PID"
rc=$?
[ "$rc" = 0 ] || fail "enimap exited with status $rc"
[ ! -e "$prefix" ] || fail "$prefix left behind"
[ ! -e "$CTL_SOCK" ] || fail "control socket left behind"
grep -q "stopping" "$ENGINE_LOG" || fail "no 'stopping' log line"

step "SIGTERM likewise"
engine_start "$E2E_DIR/basic.yaml"
expect_ping inet 198.51.100.10
prefix="/var/run/dpdk/enimap-$ENGINE_PID"
kill -TERM "$ENGINE_PID"
for _ in $(seq 100); do
	kill -0 "$ENGINE_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$ENGINE_PID" 2>/dev/null && fail "enimap still running 10 s after SIGTERM"
wait "$ENGINE_PID"
rc=$?
[ "$rc" = 0 ] || fail "enimap exited with status $rc after SIGTERM"
[ ! -e "$prefix" ] || fail "$prefix left behind after SIGTERM"
pass "enimap's life: checks, refusal, stop/start, clean exit"
