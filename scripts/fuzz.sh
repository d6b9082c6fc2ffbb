#!/usr/bin/env bash
# `make fuzz`: each libFuzzer harness of tests/fuzz with AddressSanitizer and
# UndefinedBehaviorSanitizer, starting from its corpus in the repository, one
# harness at a time (never two fuzzers at once: the machine is shared).
#
#   scripts/fuzz.sh [SECONDS_PER_HARNESS (default 60)] [HARNESS...]
#
# Environment:
#   FUZZ_RUNS=N     run each harness to N executions instead of for SECONDS
#                   (docs/fuzzing.md: the 10,000,000 runs)
#   FUZZ_KEEP=DIR   keep the new inputs libFuzzer finds in DIR/<harness>
#                   (default: a temporary folder, removed at the end)
#   FUZZ_MERGE=1    at the end of each harness, merge the new inputs that add
#                   coverage into tests/fuzz/corpus/<harness> (libFuzzer
#                   -merge=1 -use_counters=0: the existing files stay, only
#                   inputs with new edges are added, not every new hit count,
#                   which keeps the corpus to a few hundred files)
#   FUZZ_NICE=N     nice level of the fuzzers (default 19)
#   FUZZ_BUILD=DIR  the build folder (default build-fuzz)
#
# A crash leaves its input in the current folder (crash-*) and fails the run.
# At the end: per harness executions, exec/s, coverage (cov: edges) and
# features (ft:) at the end, corpus files, wall time.
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
ninja -C "$build" $(cd "$root/tests/fuzz" && ls fuzz_*.c | grep -v fuzz_world | sed 's|^\(.*\)\.c$|tests/fuzz/\1|')

harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=($(cd "$root/tests/fuzz/corpus" && ls))
tmp=$(mktemp -d /tmp/enimap-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
keep=${FUZZ_KEEP:-$tmp/new}
if [ -n "${FUZZ_RUNS:-}" ]; then
	limit=(-runs="$FUZZ_RUNS")
	what="to $FUZZ_RUNS executions each"
else
	limit=(-max_total_time="$seconds")
	what="for ${seconds}s each"
fi
summary=()
status=0
for h in "${harnesses[@]}"; do
	mkdir -p "$keep/$h"
	echo "== fuzz_$h: $what"
	log=$tmp/$h.log
	start=$(date +%s)
	ok=ok
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		nice -n "${FUZZ_NICE:-19}" "$build/tests/fuzz/fuzz_$h" "${limit[@]}" \
		-print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
		"$keep/$h" "$root/tests/fuzz/corpus/$h" >"$log" 2>&1; then
		tail -40 "$log"
		status=1
		ok=FAILED
	fi
	wall=$(($(date +%s) - start))
	[ -z "${FUZZ_KEEP:-}" ] || cp "$log" "$keep/$h.log"
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $ok = ok ]; then
		nice -n "${FUZZ_NICE:-19}" "$build/tests/fuzz/fuzz_$h" -merge=1 -use_counters=0 \
			"$root/tests/fuzz/corpus/$h" "$keep/$h" >"$tmp/$h.merge.log" 2>&1 ||
			{ tail -20 "$tmp/$h.merge.log"; status=1; }
	fi
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
	files=$(ls "$root/tests/fuzz/corpus/$h" | wc -l)
	summary+=("$(printf '%-9s %11s %8s %6s %7s %6s %7ss  %s' "$h" "$runs" "$rate" "$cov" "$ft" \
		"$files" "$wall" $ok)")
done
printf '\n%s\n' "fuzzing $what; corpus = files in tests/fuzz/corpus/<harness> afterwards"
printf '%-9s %11s %8s %6s %7s %6s %8s\n' harness executions exec/s cov ft corpus wall
printf '%s\n' "${summary[@]}"
exit $status
