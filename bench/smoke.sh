#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A smoke run of the benchmark suite, no timing assertion: every benchmark
# runs briefly against the default and the optimized libotelctx.so and in
# bench_lto; the run fails when a benchmark is missing or reports an error,
# when dlopen/swap did not run on dynamically allocated TLS, or when the
# disassembly shows a benchmark loop that no longer calls what it measures.
#
# Usage: bench/smoke.sh [BUILD_DIR]   (default: ./build)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
BENCH=$BUILD/default/bench/bench_otelctx
LTO=$BUILD/optimized/bench/bench_lto
WORK=$BUILD/bench-smoke

fail() { echo "bench smoke: FAIL: $*" >&2; exit 1; }

run() {
    local name=$1
    shift
    "$@" --benchmark_min_time=0.002 --benchmark_format=json >"$WORK/$name.json" ||
        fail "$name exited with $?"
    python3 "$ROOT/bench/report.py" --check "$name" "$WORK/$name.json"
}

# Each loop must still call (or, under LTO, inline) what it measures.
check_disassembly() {
    local calls symbol
    objdump -d --no-show-raw-insn "$BENCH" >"$WORK/bench_otelctx.s"
    objdump -d --no-show-raw-insn "$LTO" >"$WORK/bench_lto.s"
    calls=$(grep -oE 'call +[0-9a-f]+ <[^>]+@plt>' "$WORK/bench_otelctx.s" | sed 's/.*<//; s/@plt>//' | sort -u)
    for symbol in otelctx_update otelctx_attach otelctx_detach otelctx_current \
        otelctx_record_set otelctx_update_span otelctx_attr_push otelctx_attr_pop \
        bench_tlsdesc_swaps bench_tls_gd_swap pthread_setspecific; do
        grep -qx "$symbol" <<<"$calls" || fail "bench_otelctx never calls $symbol"
    done
    grep -qE 'mov +%[a-z0-9]+,%fs:0x[0-9a-f]+' "$WORK/bench_otelctx.s" ||
        fail "bench_otelctx has no local-exec TLS store (floor/tls_le)"
    # The slot operations are inlined; the writers with a loop (update,
    # record_set, attr_push, and attr_pop since the writer guard: about a
    # hundred instructions) stay direct calls, as LLVM's inliner judges them.
    if grep -qE 'call.*<otelctx_(attach|detach|current|update_span)>' "$WORK/bench_lto.s"; then
        fail "bench_lto calls the otelctx slot operations instead of inlining them"
    fi
    echo "bench smoke: disassembly: every loop calls what it measures; bench_lto inlines the slot operations"
}

main() {
    command -v objdump >/dev/null || fail "objdump not found (apt-get install binutils)"
    [[ -x $BENCH ]] || fail "$BENCH missing (configure with -DOTELCTX_BENCHMARKS=ON)"
    [[ -x $LTO ]] || fail "$LTO missing (optimized build with -DOTELCTX_BENCHMARKS=ON)"
    mkdir -p "$WORK"
    run default env LD_LIBRARY_PATH="$BUILD/default" "$BENCH"
    run optimized env LD_LIBRARY_PATH="$BUILD/optimized" "$BENCH"
    run lto "$LTO"
    check_disassembly
}

main "$@"
