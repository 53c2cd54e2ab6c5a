#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exact instructions per operation, noise-free: runs bench/instr_driver
# under valgrind --tool=callgrind, collecting only inside the driver's
# op_NAME function around each operation, against the default and the
# optimized build, and keeps the cost of every object but the driver: the
# library's instructions (nested entry points such as detach -> attach, and
# the TLSDESC resolver in the dynamic linker, included), not the loop's or
# the call's. Two run lengths, so start-up and first-call costs (lazy TLSDESC
# resolution) cancel out: instructions/op = (Ir(2N) - Ir(N)) / N. The
# joined/ rows measure the same library as a copy that joined another
# (src/copies.h): bench_copy_owner, preloaded, owns the slot.
#
# Usage: bench/instructions.sh [BUILD_DIR]   (default: ./build)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
N=100000
# operation:the entry points it calls
OPS=(swap:otelctx_attach attach_detach:otelctx_attach+otelctx_detach current:otelctx_current
     in_place:otelctx_update in_place_ids:otelctx_update record_set:otelctx_record_set
     in_place_attrset:otelctx_update_attrset record_set_attrset:otelctx_record_set_attrset
     update_span:otelctx_update_span attr_push_pop:otelctx_attr_push+otelctx_attr_pop)

fail() { echo "instructions: FAIL: $*" >&2; exit 1; }

# library_ir LIBDIR OP COUNT [PRELOAD]: instructions executed outside the
# driver while op_OP ran COUNT times.
library_ir() {
    local libdir=$1 op=$2 count=$3 preload=${4:-} out
    out=$(mktemp)
    LD_PRELOAD=$preload LD_LIBRARY_PATH=$libdir valgrind --tool=callgrind --callgrind-out-file="$out" \
        --collect-atstart=no --toggle-collect="op_$op" "$DRIVER" "$op" "$count" \
        >/dev/null 2>&1 || { rm -f "$out"; fail "callgrind failed on $op against $libdir"; }
    python3 "$ROOT/bench/callgrind_objects.py" "$out" |
        awk -v driver="$DRIVER" '$2 != driver { sum += $1 } END { print sum + 0 }'
    rm -f "$out"
}

main() {
    command -v valgrind >/dev/null || fail "valgrind not found (apt-get install valgrind)"
    DRIVER=$(readlink -f "$BUILD/default/bench/instr_driver")
    [[ -x $DRIVER ]] || fail "$BUILD/default/bench/instr_driver missing: build with -DOTELCTX_BENCHMARKS=ON (bench/compare.sh does)"
    local mode
    for mode in default optimized; do
        [[ -f $BUILD/$mode/libotelctx.so.1 ]] || fail "$BUILD/$mode/libotelctx.so.1 missing"
    done
    OWNER=$(readlink -f "$BUILD/default/bench/libbench_copy_owner.so")
    for mode in default optimized; do
        LD_PRELOAD=$OWNER "$BUILD/default/tests/self_check_probe" "$BUILD/$mode/libotelctx.so.1" |
            grep -q "other copy of otelctx shares this slot" ||
            fail "the $mode libotelctx.so did not join bench_copy_owner"
    done
    printf '%-26s %-32s %10s %10s\n' benchmark "entry points" default optimized
    local group
    for group in single joined; do
        local preload=
        [[ $group == joined ]] && preload=$OWNER
        local pair op entry
        for pair in "${OPS[@]}"; do
            op=${pair%%:*} entry=${pair#*:}
            local per_op=()
            for mode in default optimized; do
                local short long
                short=$(library_ir "$BUILD/$mode" "$op" "$N" "$preload")
                long=$(library_ir "$BUILD/$mode" "$op" $((2 * N)) "$preload")
                [[ $short -gt 0 && $long -gt $short ]] || fail "no library instructions counted for $op ($mode)"
                per_op+=("$(python3 -c "print(f'{($long - $short) / $N:.2f}')")")
            done
            printf '%-26s %-32s %10s %10s\n' "$group/$op" "$entry" "${per_op[@]}"
        done
    done
}

main "$@"
