#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds OUT, an extension embedding otelctx compiled by gcc and linked by
# GNU ld as the default build is, for the optimized build's tests to load
# beside copies built by clang with ThinLTO (copies of both builds join).
# Usage: gcc_ext.sh SRC_ROOT OUT
set -euo pipefail

ROOT=$1 OUT=$2

fail() { echo "gcc_ext: FAIL: $*" >&2; exit 1; }

main() {
    command -v gcc >/dev/null || fail "gcc not found (apt-get install gcc)"
    mkdir -p "$(dirname "$OUT")"
    gcc -O2 -g -fPIC -shared -pthread -fvisibility=hidden -mtls-dialect=gnu2 -D_GNU_SOURCE \
        -DEXT_NAME='"ext_gcc"' -I "$ROOT/include" -I "$ROOT/shim" -I "$ROOT/src" \
        "$ROOT"/src/*.c "$ROOT/shim/tls_slot.c" "$ROOT/tests/copies/ext.c" \
        -Wl,--export-dynamic-symbol=otel_thread_ctx_v1 -o "$OUT" ||
        fail "gcc could not build $OUT"
}

main "$@"
