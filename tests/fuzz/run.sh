#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer target with the library sources (clang, fuzzer +
# ASan + UBSan) and runs it for a bounded time from the checked-in seeds,
# in a scratch copy so the seed corpus stays as committed. Any crash,
# sanitizer report or failed invariant fails the run.
#
# Usage: run.sh CLANG SRC_ROOT WORK_DIR SECONDS
set -euo pipefail

CC=$1 ROOT=$2 WORK=$3 SECONDS_TO_RUN=$4
HERE=$(cd "$(dirname "$0")" && pwd)

fail() { echo "fuzz: FAIL: $*" >&2; exit 1; }

check_toolchain() {
    "$CC" --version | grep -q clang || fail "$CC is not clang; libFuzzer needs clang"
    local runtime
    runtime=$("$CC" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
    [[ -f $runtime ]] || fail "libFuzzer runtime not found (apt-get install libclang-rt-19-dev)"
}

build() {
    local flags=(-O1 -g -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
                 -fno-sanitize-recover=all -I"$ROOT/include" -I"$ROOT/shim")
    [[ $(uname -m) == x86_64 ]] && flags+=(-mtls-dialect=gnu2)
    "$CC" "${flags[@]}" -o "$WORK/fuzz_record" "$HERE/fuzz_record.c" \
        "$ROOT"/shim/*.c "$ROOT"/src/*.c -pthread
}

run() {
    rm -rf "$WORK/corpus"
    mkdir -p "$WORK/corpus"
    cp "$HERE"/corpus/* "$WORK/corpus/"
    "$WORK/fuzz_record" -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 \
        -artifact_prefix="$WORK/" "$WORK/corpus" >"$WORK/fuzz.log" 2>&1 ||
        { tail -n 40 "$WORK/fuzz.log"; fail "the fuzzer found a failing input (above)"; }
    grep -E 'DONE|stat::number_of_executed_units|stat::peak_rss' "$WORK/fuzz.log" || true
    local executed
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log")
    [[ ${executed:-0} -gt 0 ]] || fail "the fuzzer executed nothing"
    echo "fuzz: $executed executions in ${SECONDS_TO_RUN}s, no failure"
}

main() {
    mkdir -p "$WORK"
    check_toolchain
    build
    run
}

main
