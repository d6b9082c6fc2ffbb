#!/usr/bin/env bash
# `make fuzz`: each libFuzzer harness of tests/fuzz for a set time, with
# AddressSanitizer and UndefinedBehaviorSanitizer, starting from its corpus
# in the repository.
#
#   scripts/fuzz.sh [SECONDS_PER_HARNESS (default 60)] [HARNESS...]
#
# New inputs libFuzzer finds go to a temporary folder, not into the
# repository (copy the interesting ones to tests/fuzz/corpus/<name>/ by
# hand). A crash leaves its input in the current folder (crash-*) and fails
# the run. At the end: executions, coverage and features per harness.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
build=${FUZZ_BUILD:-$root/build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized \
		-Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" $(cd "$root/tests/fuzz" && ls fuzz_*.c | sed 's|^\(.*\)\.c$|tests/fuzz/\1|')

harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=($(cd "$root/tests/fuzz/corpus" && ls))
work=$(mktemp -d /tmp/enimap-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
summary=()
status=0
for h in "${harnesses[@]}"; do
	mkdir -p "$work/$h"
	echo "== fuzz_$h: $seconds s"
	log=$work/$h.log
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		"$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=4096 "$work/$h" "$root/tests/fuzz/corpus/$h" >"$log" 2>&1; then
		tail -40 "$log"
		status=1
	fi
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
	summary+=("$(printf '%-10s %12s executions  cov %6s  ft %7s  %s' "$h" "$runs" "$cov" "$ft" \
		"$([ $status = 0 ] && echo ok || echo FAILED)")")
done
printf '\n%s\n' "harness      executions in ${seconds}s each, coverage (edges) and features"
printf '%s\n' "${summary[@]}"
exit $status
