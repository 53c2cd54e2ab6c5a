#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exact instructions per Rust operation under valgrind --tool=callgrind:
# everything executed inside op_NAME (the Rust wrapper, the call into the
# library or its inlined copy, the library, the TLSDESC resolver), in the
# three link modes. (Ir(2N) - Ir(N)) / N cancels start-up and first calls.
# Usage: bench/rust/instructions.sh BUILD_ROOT SO_BENCH LTO_BENCH
set -euo pipefail

BUILD=$1 SO_BENCH=$2 LTO_BENCH=$3
N=100000

fail() { echo "rust instructions: FAIL: $*" >&2; exit 1; }

# inside_ir LIBDIR OP COUNT BENCH: instructions executed inside op_OP.
inside_ir() {
    local libdir=$1 op=$2 count=$3 out
    shift 3
    out=$(mktemp)
    LD_LIBRARY_PATH=$libdir valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
        --toggle-collect="op_$op" "$@" --instr "$op" "$count" >/dev/null 2>&1 ||
        { rm -f "$out"; fail "callgrind failed on $op: $*"; }
    sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out"
    rm -f "$out"
}

# per_op LIBDIR OP BENCH: into PER_OP, instructions per operation.
per_op() {
    local libdir=$1 op=$2 bench=$3 short long
    short=$(inside_ir "$libdir" "$op" "$N" "$bench")
    long=$(inside_ir "$libdir" "$op" $((2 * N)) "$bench")
    [[ -n $short && -n $long && $long -gt $short ]] || fail "nothing counted for $op: $bench"
    PER_OP=$(python3 -c "print(f'{($long - $short) / $N:.2f}')")
}

main() {
    command -v valgrind >/dev/null || fail "valgrind not found (apt-get install valgrind)"
    printf '%-20s %10s %10s %10s\n' benchmark default optimized LTO
    local op row
    for op in swap current in_place in_place_attrset update_span; do
        row=()
        per_op "$BUILD/default" "$op" "$SO_BENCH" && row+=("$PER_OP")
        per_op "$BUILD/optimized" "$op" "$SO_BENCH" && row+=("$PER_OP")
        per_op "" "$op" "$LTO_BENCH" && row+=("$PER_OP")
        printf '%-20s %10s %10s %10s\n' "rust/$op" "${row[@]}"
    done
}

main
