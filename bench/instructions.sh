#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exact instructions per operation, noise-free: runs bench/instr_driver under
# valgrind --tool=callgrind with collection on only inside the library entry
# point (callees such as the TLSDESC resolver and memcpy included, the
# driver's loop excluded), against the default and the optimized build. Two
# run lengths, so start-up and first-call costs (lazy TLSDESC resolution)
# cancel out: instructions/op = (Ir(2N) - Ir(N)) / N.
#
# Usage: bench/instructions.sh [BUILD_DIR]   (default: ./build)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
N=100000
OPS=(swap:otelctx_attach in_place:otelctx_update current:otelctx_current)

fail() { echo "instructions: FAIL: $*" >&2; exit 1; }

# collected_ir LIBDIR OP ENTRY COUNT: instructions executed inside ENTRY.
collected_ir() {
    local libdir=$1 op=$2 entry=$3 count=$4 out
    out=$(mktemp)
    LD_LIBRARY_PATH=$libdir valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect="$entry" "$BUILD/default/bench/instr_driver" "$op" "$count" \
        >/dev/null 2>&1 || { rm -f "$out"; fail "callgrind failed on $op against $libdir"; }
    sed -n 's/^summary: *//p' "$out"
    rm -f "$out"
}

main() {
    command -v valgrind >/dev/null || fail "valgrind not found (apt-get install valgrind)"
    local mode driver=$BUILD/default/bench/instr_driver
    [[ -x $driver ]] || fail "$driver missing: build with -DOTELCTX_BENCHMARKS=ON (bench/compare.sh does)"
    for mode in default optimized; do
        [[ -f $BUILD/$mode/libotelctx.so.1 ]] || fail "$BUILD/$mode/libotelctx.so.1 missing"
    done
    printf '%-18s %-18s %10s %10s\n' benchmark entry default optimized
    local pair op entry
    for pair in "${OPS[@]}"; do
        op=${pair%%:*} entry=${pair#*:}
        local per_op=()
        for mode in default optimized; do
            local short long
            short=$(collected_ir "$BUILD/$mode" "$op" "$entry" "$N")
            long=$(collected_ir "$BUILD/$mode" "$op" "$entry" $((2 * N)))
            [[ -n $short && -n $long ]] || fail "no callgrind summary for $op ($mode)"
            per_op+=("$(python3 -c "print(f'{($long - $short) / $N:.2f}')")")
        done
        printf '%-18s %-18s %10s %10s\n' "single/$op" "$entry" "${per_op[@]}"
    done
}

main "$@"
