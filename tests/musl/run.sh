#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The musl scenarios: libotelctx.so and the publisher built with musl-gcc,
# linked to the library (musl_shared) and dlopening it (musl_dlopen); the
# publisher publishes on several threads and checks every record in-process;
# otelctx-inspect reads every record from outside (gdb cannot resolve TLS on
# musl); the library's otelctx_self_check() must pass. READER "sample": the
# glibc-built inspector samples the musl writers from the kernel instead
# (the musl build has no sampler); exit 77 when OTELCTX_SKIP_BPF=1.
#
# Usage: run.sh SRC_ROOT WORK_DIR INSPECT [inspect|sample]
set -euo pipefail

ROOT=$1 WORK=$2 INSPECT=$3 READER=${4:-inspect}
CC=musl-gcc
# shellcheck source=library.sh
source "$(dirname "$0")/library.sh"

fail() { echo "musl: FAIL: $*" >&2; exit 1; }

build() {
    command -v "$CC" >/dev/null || fail "$CC not found (apt-get install musl-tools)"
    rm -rf "$WORK"
    mkdir -p "$WORK"
    musl_build_library "$CC" "$ROOT" "$WORK"
    local flags=(-O2 -g -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -I"$ROOT/include")
    "$CC" "${flags[@]}" -DSCENARIO_DLOPEN -I"$ROOT/tests" -o "$WORK/scenario_dlopen" \
        "$ROOT/tests/scenario_publisher.c"
    "$CC" "${flags[@]}" -I"$ROOT/tests" -o "$WORK/scenario_shared" \
        "$ROOT/tests/scenario_publisher.c" -L"$WORK" -lotelctx -Wl,-rpath,"$WORK"
}

check_libc() {
    local file_interp
    file_interp=$(readelf -lW "$WORK/scenario_dlopen" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [[ $file_interp == *musl* ]] || fail "publisher interpreter is '$file_interp', not musl's"
    readelf -rW "$WORK/libotelctx.so" | grep -q 'R_X86_64_TLSDESC.*otel_thread_ctx_v1' ||
        fail "musl-built library has no TLSDESC relocation against otel_thread_ctx_v1"
}

# scenario NAME PROGRAM [ARG...]: read or sample one publisher, the slot in
# the musl-built library.
scenario() {
    local name=$1
    shift
    python3 "$ROOT/tests/scenario_reader.py" "$name" --reader "$READER" --inspect "$INSPECT" \
        --slot-object "$WORK/libotelctx.so" -- "$@"
}

main() {
    if [[ $READER == sample && ${OTELCTX_SKIP_BPF:-} == 1 ]]; then
        echo "musl: sampling skipped (OTELCTX_SKIP_BPF=1)"
        exit 77
    fi
    build
    check_libc
    scenario musl_dlopen "$WORK/scenario_dlopen" "$WORK/libotelctx.so"
    scenario musl_shared "$WORK/scenario_shared"
}

main
