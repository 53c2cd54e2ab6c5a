#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The C++ program linked against the bitcode archive: it runs, exports the slot,
# inlines the C API (no call to otelctx_attach/otelctx_current remains) and
# reaches the slot inline (gate checks 1 and 4 for an executable).
set -euo pipefail

EXE=$1
GATE=$2

fail() { echo "lto_consumer: FAIL: $*" >&2; exit 1; }

main() {
    "$EXE" | grep -q 'lto_consumer: ok' || fail "$EXE did not publish correctly"
    local disassembly
    disassembly=$(objdump -d --no-show-raw-insn "$EXE") || fail "objdump failed on $EXE"
    if grep -E '(call|jmp).*<otelctx_(attach|current|detach_if|update_span)(@plt)?>' <<<"$disassembly"; then
        fail "$EXE still calls the C API instead of inlining it"
    fi
    python3 "$GATE" --optimized \
        --slot-users consumer_swap,consumer_current "$EXE"
}

main
