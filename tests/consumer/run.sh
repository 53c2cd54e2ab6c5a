#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds and runs a separate
# consumer project against it through find_package and through pkg-config.
# Every static executable must export otel_thread_ctx_v1 in .dynsym.
set -euo pipefail

BUILD_DIR=$1
WORK=$2
CC=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=$WORK/prefix

fail() { echo "consumer: FAIL: $*" >&2; exit 1; }

require() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || fail "$tool not found"
    done
}

exports_slot() {
    readelf -W --dyn-syms "$1" | grep -Eq 'TLS +GLOBAL +DEFAULT +[0-9]+ otel_thread_ctx_v1' ||
        fail "$1 does not export otel_thread_ctx_v1 as TLS GLOBAL DEFAULT in .dynsym"
}

run_consumer() {
    local exe=$1
    LD_LIBRARY_PATH=$PREFIX/lib "$exe" | grep -q 'consumer: published' || fail "$exe did not publish"
    echo "consumer: $(basename "$exe") ok"
}

via_find_package() {
    cmake -S "$HERE" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" \
        -DCMAKE_C_COMPILER="$CC" >/dev/null
    cmake --build "$WORK/cmake" >/dev/null
    exports_slot "$WORK/cmake/consumer_static"
    run_consumer "$WORK/cmake/consumer_shared"
    run_consumer "$WORK/cmake/consumer_static"
}

via_pkg_config() {
    local pc="pkg-config --define-prefix"
    export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
    # shellcheck disable=SC2046
    "$CC" -o "$WORK/pc_shared" "$HERE/main.c" $($pc --cflags --libs otelctx)
    # shellcheck disable=SC2046
    "$CC" -o "$WORK/pc_static" "$HERE/main.c" $($pc --cflags otelctx) \
        $($pc --static --libs otelctx | sed 's/-lotelctx/-l:libotelctx.a/')
    exports_slot "$WORK/pc_static"
    run_consumer "$WORK/pc_shared"
    run_consumer "$WORK/pc_static"
}

main() {
    require cmake readelf pkg-config
    rm -rf "$WORK"
    mkdir -p "$WORK"
    cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
    via_find_package
    via_pkg_config
}

main
