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
# shellcheck source=libfuzzer.sh
source "$HERE/libfuzzer.sh"

build() {
    local flags=(-O1 -g -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
                 -fno-sanitize-recover=all -I"$ROOT/include" -I"$ROOT/shim")
    [[ $(uname -m) == x86_64 ]] && flags+=(-mtls-dialect=gnu2)
    "$CC" "${flags[@]}" -o "$WORK/fuzz_record" "$HERE/fuzz_record.c" \
        "$ROOT"/shim/*.c "$ROOT"/src/*.c -pthread
}

main() {
    mkdir -p "$WORK"
    check_toolchain "$CC"
    build
    run_fuzzer "$WORK/fuzz_record" "$HERE/corpus" "$WORK" "$SECONDS_TO_RUN"
}

main
