#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compares the two builds on this machine. Builds what is missing (both
# modes, with benchmarks), then runs bench_otelctx against the default and
# the optimized libotelctx.so, and bench_lto, and bench/rust in the same
# three link modes, in alternation (A B C … A B C …),
# pinned to one CPU, and writes under BUILD/bench-results/TIMESTAMP/:
#   raw/VARIANT-ROUND.json   every run (and its stderr in .log)
#   table.md                 medians, min–max, optimized/default, targets
#   chart.png                the medians, floors marked
#
# Usage: bench/compare.sh [--rounds N] [--repetitions N] [--min-time SECONDS]
#                         [--build-dir DIR]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
ROUNDS=5
REPETITIONS=3
MIN_TIME=0.2
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"
# shellcheck source=scripts/builds.sh
source "$ROOT/scripts/builds.sh"
# shellcheck source=scripts/rust_toolchain.sh
source "$ROOT/scripts/rust_toolchain.sh"

usage() {
    sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "$0" >&2
    exit 2
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --repetitions) REPETITIONS=$2; shift 2 ;;
        --min-time) MIN_TIME=$2; shift 2 ;;
        --build-dir) BUILD=$(realpath -m "$2"); shift 2 ;;
        *) usage ;;
        esac
    done
    [[ $ROUNDS -ge 5 ]] || require_fail "--rounds must be at least 5"
}

# The last CPU: on a 2-core VM the other one keeps the rest of the system.
pin() {
    local cpu
    cpu=$(($(nproc) - 1))
    taskset -c "$cpu" "$@"
}

# run_variant VARIANT ROUND: one run, JSON into raw/.
run_variant() {
    local variant=$1 round=$2 cmd
    case $variant in
    default | optimized) cmd=(env LD_LIBRARY_PATH="$BUILD/$variant" "$BUILD/default/bench/bench_otelctx") ;;
    lto) cmd=("$BUILD/optimized/bench/bench_lto") ;;
    default+rust | optimized+rust) cmd=(env LD_LIBRARY_PATH="$BUILD/${variant%+rust}" "$RUST_SO") ;;
    lto+rust) cmd=("$RUST_LTO") ;;
    esac
    pin "${cmd[@]}" --benchmark_repetitions="$REPETITIONS" --benchmark_min_time="$MIN_TIME" \
        --benchmark_out="$OUT/raw/$variant-$round.json" --benchmark_out_format=json \
        >/dev/null 2>"$OUT/raw/$variant-$round.log" ||
        require_fail "$variant round $round failed (log: $OUT/raw/$variant-$round.log)"
}

# bench/rust linked to libotelctx.so, and LTO-linked through rust/cargo-lto.
build_rust() {
    require_rust
    require_debian_crates
    use_debian_crates "$BUILD/bench-rust/cargo-home"
    require_log "Rust benchmark: linked to libotelctx.so, and LTO-linked"
    (cd "$ROOT/bench/rust" && CARGO_TARGET_DIR=$BUILD/bench-rust/so OTELCTX_DIR=$BUILD/default \
        RUSTC=$OTELCTX_RUSTC "$OTELCTX_CARGO" build --offline -q --release)
    (cd "$ROOT/bench/rust" && CARGO_TARGET_DIR=$BUILD/bench-rust/lto RUSTC=$OTELCTX_RUSTC \
        "$ROOT/rust/cargo-lto" build --offline -q --release --features lto >/dev/null)
    RUST_SO=$BUILD/bench-rust/so/release/otelctx-bench-rust
    RUST_LTO=$BUILD/bench-rust/lto/release/otelctx-bench-rust
}

main() {
    parse_args "$@"
    require "benchmark comparison: build tools, the chart" cmake:cmake make:make gcc:gcc \
        python3:python3 gnuplot:gnuplot-nox
    require_toolchain
    require_bench_tools
    build_mode "$BUILD" default
    build_mode "$BUILD" optimized
    build_rust
    OUT=$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)
    mkdir -p "$OUT/raw"
    local round variant
    for round in $(seq 1 "$ROUNDS"); do
        for variant in default optimized lto default+rust optimized+rust lto+rust; do
            require_log "round $round/$ROUNDS: $variant"
            run_variant "$variant" "$round"
        done
    done
    python3 "$ROOT/bench/report.py" --summary "$OUT"
}

main "$@"
