#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tls_access on musl: libotelctx.so and tests/tls_access/musl_publisher.c
# built with musl-gcc, linked (the slot in static TLS) or dlopened (dynamic
# TLS, musl's 8-byte DTV entries); tests/tls_access/oracle.py --oracle self
# compares tls_access_probe's address of every thread's slot with the one
# musl's dlsym gave that thread.
#
# Usage: musl.sh SRC_ROOT WORK_DIR PROBE
set -euo pipefail

ROOT=$1 WORK=$2 PROBE=$3
CC=musl-gcc
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../musl/library.sh
source "$HERE/../musl/library.sh"

fail() { echo "tls_access musl: FAIL: $*" >&2; exit 1; }

build_publishers() {
    local flags=(-O2 -g -std=c11 -D_GNU_SOURCE -I"$ROOT/include")
    "$CC" "${flags[@]}" -o "$WORK/musl_publisher_dlopen" "$HERE/musl_publisher.c"
    "$CC" "${flags[@]}" -DLINKED -o "$WORK/musl_publisher_linked" "$HERE/musl_publisher.c" \
        -L"$WORK" -lotelctx -Wl,-rpath,"$WORK"
}

main() {
    command -v "$CC" >/dev/null || fail "$CC not found (apt-get install musl-tools)"
    rm -rf "$WORK"
    mkdir -p "$WORK"
    musl_build_library "$CC" "$ROOT" "$WORK"
    build_publishers
    python3 "$HERE/oracle.py" musl_linked --probe "$PROBE" --model tlsdesc-static \
        --oracle self -- "$WORK/musl_publisher_linked"
    python3 "$HERE/oracle.py" musl_dlopen --probe "$PROBE" --model tlsdesc-dynamic \
        --oracle self -- "$WORK/musl_publisher_dlopen" "$WORK/libotelctx.so"
}

main
