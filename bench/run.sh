#!/usr/bin/env bash
# Runs the benchmarks (quick mode unless BENCH_ARGS=--full). Usage: bench/run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
"$build/bench/lpm_bench" ${BENCH_ARGS:-}
